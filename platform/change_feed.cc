#include "platform/change_feed.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "platform/status_macros.h"

namespace lv::platform {
namespace {
constexpr long long kOutboxLockKey = 0x4c564f5554;  // "LVOUT"
}  // namespace

namespace internal {
absl::Status AppendToOutbox(Transaction& tx) {
  if (tx.pending_events().empty()) return absl::OkStatus();
  soci::session& sql = tx.sql();
  if (tx.dialect() == Dialect::kPostgres) {
    sql << "SELECT pg_advisory_xact_lock(" << kOutboxLockKey << ")";
  }
  long long head = 0;
  soci::indicator ind;
  sql << "SELECT MAX(sequence) FROM outbox", soci::into(head, ind);
  if (ind == soci::i_null) {
    long long pruned = 0;
    sql << "SELECT value FROM feed_meta WHERE name = 'pruned_through'", soci::into(pruned);
    head = pruned;
  }
  long long at = ToUnixMicrosUtc(tx.now());
  long long seq = 0;
  std::string type, subject, payload_type, payload;
  const std::string& request_id = tx.request_id();
  soci::statement insert =
      (sql.prepare << "INSERT INTO outbox (sequence, type, subject, create_time_us, payload_type,"
                      " payload, request_id) VALUES (:s, :t, :sub, :at, :pt, :p, :r)",
       soci::use(seq), soci::use(type), soci::use(subject), soci::use(at), soci::use(payload_type),
       soci::use(payload), soci::use(request_id));
  for (const PendingEvent& e : tx.pending_events()) {
    seq = ++head;
    type = e.type;
    subject = e.subject;
    payload_type = e.payload_type_url;
    // TEXT, not BLOB/BYTEA: SOCI's blob support differs between the two backends.
    payload = absl::Base64Escape(e.payload);
    insert.execute(true);
  }
  return absl::OkStatus();
}
}  // namespace internal

absl::StatusOr<FeedBounds> ChangeFeed::Bounds() const {
  FeedBounds bounds;
  LV_RETURN_IF_ERROR(db_->Read([&](soci::session& sql) {
    long long head = 0, pruned = 0;
    soci::indicator ind;
    sql << "SELECT MAX(sequence) FROM outbox", soci::into(head, ind);
    sql << "SELECT value FROM feed_meta WHERE name = 'pruned_through'", soci::into(pruned);
    bounds.head = ind == soci::i_null ? pruned : head;
    bounds.pruned_through = pruned;
    return absl::OkStatus();
  }));
  return bounds;
}

absl::Status ChangeFeed::CheckCursor(int64_t after) const {
  if (after < 0) return absl::InvalidArgumentError("after_sequence: must not be negative");
  LV_ASSIGN_OR_RETURN(FeedBounds bounds, Bounds());
  if (after > bounds.head) {
    return absl::OutOfRangeError(absl::StrCat(
        "after_sequence ", after, " is beyond the head of the feed (", bounds.head, ")"));
  }
  if (after < bounds.pruned_through) {
    return absl::FailedPreconditionError(absl::StrCat(
        "events up to sequence ", bounds.pruned_through,
        " were removed by retention; a consumer at ", after, " must rebuild from a snapshot"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ChangeEvent>> ChangeFeed::ReadAfter(int64_t after, int limit) const {
  std::vector<ChangeEvent> events;
  LV_RETURN_IF_ERROR(db_->Read([&](soci::session& sql) -> absl::Status {
    long long from = after;
    int lim = limit;
    soci::rowset<soci::row> rows =
        (sql.prepare << "SELECT sequence, type, subject, create_time_us, payload_type, payload,"
                        " request_id FROM outbox WHERE sequence > :a ORDER BY sequence LIMIT :l",
         soci::use(from), soci::use(lim));
    for (const soci::row& r : rows) {
      ChangeEvent& e = events.emplace_back();
      e.set_sequence(RowInt64(r, 0));
      e.set_type(RowString(r, 1));
      e.set_subject(RowString(r, 2));
      int64_t us = RowInt64(r, 3);
      e.mutable_create_time()->set_seconds(us / 1000000);
      e.mutable_create_time()->set_nanos(static_cast<int32_t>(us % 1000000) * 1000);
      e.mutable_payload()->set_type_url(RowString(r, 4));
      std::string raw;
      if (!absl::Base64Unescape(RowString(r, 5), &raw)) {
        return absl::DataLossError(absl::StrCat("outbox event ", e.sequence(), " is corrupt"));
      }
      e.mutable_payload()->set_value(std::move(raw));
      e.set_request_id(RowString(r, 6));
    }
    return absl::OkStatus();
  }));
  return events;
}

absl::StatusOr<int64_t> ChangeFeed::PruneBefore(absl::Time cutoff) {
  int64_t deleted = 0;
  LV_RETURN_IF_ERROR(db_->Write([&](Transaction& tx) {
    soci::session& sql = tx.sql();
    long long cut = ToUnixMicrosUtc(cutoff);
    long long last = 0;
    soci::indicator ind;
    sql << "SELECT MAX(sequence) FROM outbox WHERE create_time_us < :c AND sequence < "
           "(SELECT MAX(sequence) FROM outbox)",
        soci::use(cut), soci::into(last, ind);
    if (ind == soci::i_null) return absl::OkStatus();
    soci::statement del =
        (sql.prepare << "DELETE FROM outbox WHERE sequence <= :l", soci::use(last));
    del.execute(true);
    deleted = del.get_affected_rows();
    sql << "UPDATE feed_meta SET value = :l WHERE name = 'pruned_through' AND value < :l2",
        soci::use(last, "l"), soci::use(last, "l2");
    return absl::OkStatus();
  }));
  return deleted;
}

absl::StatusOr<bool> ConsumerState::TryAcquire() {
  bool held = false;
  LV_RETURN_IF_ERROR(db_->Write([&](Transaction& tx) {
    soci::session& sql = tx.sql();
    long long now = ToUnixMicrosUtc(tx.now());
    long long expires = ToUnixMicrosUtc(tx.now() + lease_);
    sql << "INSERT INTO feed_consumers (source, cursor_sequence, holder, lease_expires_us,"
           " applied_create_time_us, source_head) VALUES (:s, 0, '', 0, 0, 0)"
           " ON CONFLICT (source) DO NOTHING",
        soci::use(source_);
    soci::statement st =
        (sql.prepare << "UPDATE feed_consumers SET holder = :h, lease_expires_us = :e"
                        " WHERE source = :s AND (holder = :h2 OR lease_expires_us < :n)",
         soci::use(holder_, "h"), soci::use(expires, "e"), soci::use(source_, "s"),
         soci::use(holder_, "h2"), soci::use(now, "n"));
    st.execute(true);
    held = st.get_affected_rows() == 1;
    return absl::OkStatus();
  }));
  return held;
}

absl::Status ConsumerState::Release() {
  return db_->Write([&](Transaction& tx) {
    tx.sql() << "UPDATE feed_consumers SET lease_expires_us = 0 WHERE source = :s AND holder = :h",
        soci::use(source_, "s"), soci::use(holder_, "h");
    return absl::OkStatus();
  });
}

absl::StatusOr<int64_t> ConsumerState::Cursor() const {
  int64_t cursor = 0;
  LV_RETURN_IF_ERROR(db_->Read([&](soci::session& sql) {
    long long c = 0;
    soci::indicator ind;
    sql << "SELECT cursor_sequence FROM feed_consumers WHERE source = :s", soci::use(source_),
        soci::into(c, ind);
    cursor = sql.got_data() && ind != soci::i_null ? c : 0;
    return absl::OkStatus();
  }));
  return cursor;
}

absl::Status ConsumerState::Advance(Transaction& tx, int64_t from, int64_t to,
                                    absl::Time last_event_time, int64_t source_head) {
  long long f = from, t = to, head = source_head;
  long long expires = ToUnixMicrosUtc(tx.now() + lease_);
  // A heartbeat (from == to) keeps the time of the last applied event.
  long long applied_at = 0;
  if (to > from) {
    applied_at = ToUnixMicrosUtc(last_event_time);
  } else {
    tx.sql() << "SELECT applied_create_time_us FROM feed_consumers WHERE source = :s",
        soci::use(source_), soci::into(applied_at);
  }
  soci::statement st =
      (tx.sql().prepare << "UPDATE feed_consumers SET cursor_sequence = :t, lease_expires_us = :e,"
                           " applied_create_time_us = :a, source_head = :hd"
                           " WHERE source = :s AND holder = :h AND cursor_sequence = :f",
       soci::use(t, "t"), soci::use(expires, "e"), soci::use(applied_at, "a"),
       soci::use(head, "hd"), soci::use(source_, "s"), soci::use(holder_, "h"), soci::use(f, "f"));
  st.execute(true);
  if (st.get_affected_rows() != 1) {
    return absl::AbortedError(
        absl::StrCat("consumer of ", source_, " lost its lease or cursor moved; not applying"));
  }
  return absl::OkStatus();
}

absl::StatusOr<ConsumerState::Lag> ConsumerState::GetLag() const {
  Lag lag;
  LV_RETURN_IF_ERROR(db_->Read([&](soci::session& sql) {
    long long c = 0, head = 0, at = 0;
    sql << "SELECT cursor_sequence, source_head, applied_create_time_us FROM feed_consumers"
           " WHERE source = :s",
        soci::use(source_), soci::into(c), soci::into(head), soci::into(at);
    if (sql.got_data()) {
      lag.cursor = c;
      lag.source_head = head;
      lag.last_applied_event_time = absl::FromUnixMicros(at);
    }
    return absl::OkStatus();
  }));
  return lag;
}

}  // namespace lv::platform
