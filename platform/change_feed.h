#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lerenverbeteren/common/v1/change_feed.pb.h"
#include "platform/database.h"

namespace lv::platform {

namespace internal {
// Writes a transaction's pending events to the outbox just before it commits. On PostgreSQL it
// first takes a transaction-scoped advisory lock, so sequence numbers are handed out in commit
// order: the lock is released only after the commit became visible, and the next writer reads
// MAX(sequence) in a new statement snapshot (READ COMMITTED). A reader that sees sequence n
// therefore already sees every sequence below n: consumers never skip an event. SQLite has one
// writer at a time anyway (BEGIN IMMEDIATE).
absl::Status AppendToOutbox(Transaction& tx);
}  // namespace internal

using ::lerenverbeteren::common::v1::ChangeEvent;

struct FeedBounds {
  int64_t head = 0;            // newest sequence (0 when empty)
  int64_t pruned_through = 0;  // events up to here were deleted by retention
};

// Read side of a service's own outbox.
class ChangeFeed {
 public:
  explicit ChangeFeed(Database* db) : db_(db) {}

  absl::StatusOr<FeedBounds> Bounds() const;

  // OUT_OF_RANGE when `after` is beyond the head, FAILED_PRECONDITION when events after it were
  // pruned (the consumer must rebuild), else OK.
  absl::Status CheckCursor(int64_t after) const;

  // Up to `limit` events with sequence > after, in order.
  absl::StatusOr<std::vector<ChangeEvent>> ReadAfter(int64_t after, int limit) const;

  // Deletes events created before `cutoff`, always keeping the newest one (it carries the head).
  // Returns how many were deleted.
  absl::StatusOr<int64_t> PruneBefore(absl::Time cutoff);

 private:
  Database* db_;
};

// A consumer's position in another service's feed and the lease that makes one replica the
// active consumer. Both live in the consuming service's database.
class ConsumerState {
 public:
  ConsumerState(Database* db, std::string source, std::string holder, absl::Duration lease)
      : db_(db), source_(std::move(source)), holder_(std::move(holder)), lease_(lease) {}

  // Takes or renews the lease when it is free, expired or already ours. Returns whether we hold it.
  absl::StatusOr<bool> TryAcquire();
  // Gives the lease up (on orderly shutdown) so another replica can take over at once.
  absl::Status Release();

  // The last applied sequence.
  absl::StatusOr<int64_t> Cursor() const;

  // Inside the transaction that applied events (from, to]: moves the cursor and renews the lease,
  // failing with ABORTED when another replica took the lease or moved the cursor meanwhile, so the
  // whole transaction rolls back and nothing is applied twice.
  absl::Status Advance(Transaction& tx, int64_t from, int64_t to, absl::Time last_event_time,
                       int64_t source_head);

  struct Lag {
    int64_t cursor = 0;
    int64_t source_head = 0;
    absl::Time last_applied_event_time;  // commit time of the last applied event at the source
  };
  absl::StatusOr<Lag> GetLag() const;

  const std::string& source() const { return source_; }
  const std::string& holder() const { return holder_; }

 private:
  Database* db_;
  std::string source_;
  std::string holder_;
  absl::Duration lease_;
};

}  // namespace lv::platform
