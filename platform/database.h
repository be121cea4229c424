#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "google/protobuf/message.h"
#include "platform/clock.h"
#include "soci/soci.h"

namespace lv::platform {

// Both engines speak the same schema and queries (see README: portable SQL rules); the dialect
// only matters for locking and transaction start.
enum class Dialect { kSqlite, kPostgres };

// One versioned schema change of a component ("platform", "inspection", ...). `sql` holds
// statements separated by ';' at line ends.
struct Migration {
  int version;
  std::string name;
  std::string sql;
  // "" for both engines, or "sqlite" / "postgres" for a migration only that engine runs (the
  // other engine's file of the same version does the same in its own dialect).
  std::string dialect = "";
};

// An event waiting in a transaction; it reaches the outbox only if the transaction commits.
struct PendingEvent {
  std::string type;
  std::string subject;
  std::string payload_type_url;
  std::string payload;  // serialized message
};

// A write transaction. The only place service code touches SQL is its store, through this.
class Transaction {
 public:
  Transaction(soci::session& sql, Dialect dialect, absl::Time now, std::string request_id)
      : sql_(sql), dialect_(dialect), now_(now), request_id_(std::move(request_id)) {}

  soci::session& sql() { return sql_; }
  Dialect dialect() const { return dialect_; }
  // The transaction's timestamp (one per transaction, from the database's clock).
  absl::Time now() const { return now_; }
  const std::string& request_id() const { return request_id_; }

  // Queues a change-feed event; it is written to the outbox in commit order when the transaction
  // commits, and dropped if it rolls back.
  void Publish(absl::string_view type, absl::string_view subject,
               const google::protobuf::Message& payload);
  const std::vector<PendingEvent>& pending_events() const { return events_; }

 private:
  soci::session& sql_;
  Dialect dialect_;
  absl::Time now_;
  std::string request_id_;
  std::vector<PendingEvent> events_;
};

class Database {
 public:
  struct Options {
    // "sqlite:<path>" (embedded default) or a libpq DSN "postgresql://user@host:port/db?...".
    std::string dsn;
    int pool_size = 4;
    Clock* clock = &RealClock();
  };

  static absl::StatusOr<std::unique_ptr<Database>> Open(const Options& options);
  ~Database();

  Dialect dialect() const { return dialect_; }
  Clock& clock() const { return *clock_; }

  // Applies the platform's own migrations (outbox, consumer cursors) and then `migrations` of
  // `component`, each in its own transaction, each once. A failing migration rolls back and
  // returns the reason naming it; replicas starting together serialize on a lock.
  absl::Status Migrate(absl::string_view component, absl::Span<const Migration> migrations);

  // Runs `body` in a write transaction and commits, writing its events to the outbox. Retries the
  // whole body on transient conflicts (SQLite busy, PostgreSQL serialization failure, deadlock, or
  // a unique key a concurrent transaction committed first), so the body
  // must have no effects outside the transaction. Exceptions from SOCI become statuses here.
  absl::Status Write(const std::function<absl::Status(Transaction&)>& body,
                     absl::string_view request_id = "");

  // Runs `body` on a pooled session outside any explicit transaction (single reads).
  absl::Status Read(const std::function<absl::Status(soci::session&)>& body);

 private:
  Database(Dialect dialect, int pool_size, Clock* clock);
  absl::Status ApplyMigration(absl::string_view component, const Migration& m);

  Dialect dialect_;
  int pool_size_;
  Clock* clock_;
  std::unique_ptr<soci::connection_pool> pool_;
};

// Reads column `i` of a row as int64 whatever integer type the backend reports.
int64_t RowInt64(const soci::row& row, std::size_t i);
// Reads column `i` as a string ("" for NULL).
std::string RowString(const soci::row& row, std::size_t i);

// Splits a migration script into statements (on ';' at the end of a line; '--' comments dropped).
std::vector<std::string> SplitSqlStatements(absl::string_view script);

// Microseconds since the Unix epoch: how every timestamp is stored, the same on both engines.
inline int64_t ToUnixMicrosUtc(absl::Time t) { return absl::ToUnixMicros(t); }

}  // namespace lv::platform
