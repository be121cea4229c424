#include "platform/database.h"

#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "libpq-fe.h"
#include "platform/change_feed.h"
#include "platform/logging.h"
#include "platform/status_macros.h"
#include "soci/postgresql/soci-postgresql.h"
#include "soci/sqlite3/soci-sqlite3.h"

namespace lv::platform {
namespace {

constexpr int kMaxAttempts = 5;
// Key of the advisory lock that serializes migrations of one PostgreSQL database.
constexpr long long kMigrationLockKey = 0x4c564d4947;  // "LVMIG"

enum class Failure { kTransient, kUnavailable, kPermanent };

Failure Classify(const soci::soci_error& e) {
  // Checked first: a failed (re)connect to PostgreSQL carries no SQLSTATE.
  if (e.get_error_category() == soci::soci_error::connection_error) return Failure::kUnavailable;
  if (const auto* pg = dynamic_cast<const soci::postgresql_soci_error*>(&e)) {
    std::string state = pg->sqlstate();
    // 23505 (unique violation) under READ COMMITTED means a concurrent transaction committed
    // the same key first: running the body again sees that row (an idempotent create then
    // returns it, a real duplicate gets its domain error).
    if (state == "40001" || state == "40P01" || state == "23505") return Failure::kTransient;
    if (absl::StartsWith(state, "08") || absl::StartsWith(state, "57P")) {
      return Failure::kUnavailable;
    }
    return Failure::kPermanent;
  }
  if (const auto* lite = dynamic_cast<const soci::sqlite3_soci_error*>(&e)) {
    int rc = lite->result() & 0xff;
    if (rc == 5 /*SQLITE_BUSY*/ || rc == 6 /*SQLITE_LOCKED*/) return Failure::kTransient;
    return Failure::kPermanent;
  }
  if (e.get_error_category() == soci::soci_error::connection_error) return Failure::kUnavailable;
  // What SOCI throws for a session whose backend is gone (a reconnect that failed).
  if (absl::StrContains(e.get_error_message(), "not connected")) return Failure::kUnavailable;
  return Failure::kPermanent;
}

// A pooled session whose last reconnect failed (the server was down) has no backend, and SOCI
// throws "Session is not connected." on every use of it from then on: connect it again before
// use, so the process recovers by itself once the database is back.
void EnsureConnected(soci::session& sql) {
  if (sql.get_backend() == nullptr) sql.reconnect();
}

absl::Status FromSoci(const soci::soci_error& e, absl::string_view what) {
  std::string msg =
      absl::StrCat(what, ": ", absl::StripTrailingAsciiWhitespace(e.get_error_message()));
  switch (Classify(e)) {
    case Failure::kTransient:
      return absl::AbortedError(msg);
    case Failure::kUnavailable:
      return absl::UnavailableError(msg);
    case Failure::kPermanent:
      return absl::InternalError(msg);
  }
  return absl::InternalError(msg);
}

// The platform's own tables: the outbox and the consumers' cursors and leases.
std::vector<Migration> PlatformMigrations() {
  return {{1, "change_feed", R"SQL(
CREATE TABLE outbox (
  sequence BIGINT PRIMARY KEY,
  type TEXT NOT NULL,
  subject TEXT NOT NULL,
  create_time_us BIGINT NOT NULL,
  payload_type TEXT NOT NULL,
  payload TEXT NOT NULL,
  request_id TEXT NOT NULL
);
CREATE INDEX outbox_create_time ON outbox (create_time_us);
CREATE TABLE feed_meta (
  name TEXT PRIMARY KEY,
  value BIGINT NOT NULL
);
INSERT INTO feed_meta (name, value) VALUES ('pruned_through', 0);
CREATE TABLE feed_consumers (
  source TEXT PRIMARY KEY,
  cursor_sequence BIGINT NOT NULL,
  holder TEXT NOT NULL,
  lease_expires_us BIGINT NOT NULL,
  applied_create_time_us BIGINT NOT NULL,
  source_head BIGINT NOT NULL
);
)SQL",
           ""}};
}

// SOCI hands its connect string to libpq but also reads "backend://" prefixes itself, which mangles
// URIs; libpq's own parser turns the URI into the keyword form both agree on.
absl::StatusOr<std::string> PostgresKeywordDsn(absl::string_view uri) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(std::string(uri).c_str(), &error);
  if (options == nullptr) {
    std::string why(error != nullptr ? absl::StripTrailingAsciiWhitespace(error) : "unparsable");
    PQfreemem(error);
    return absl::InvalidArgumentError(absl::StrCat("database DSN is not a PostgreSQL URI: ", why));
  }
  std::string out;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || *o->val == '\0') continue;
    std::string value = absl::StrReplaceAll(o->val, {{"\\", "\\\\"}, {"'", "\\'"}});
    absl::StrAppend(&out, out.empty() ? "" : " ", o->keyword, "='", value, "'");
  }
  PQconninfoFree(options);
  return out;
}

}  // namespace

void Transaction::Publish(absl::string_view type, absl::string_view subject,
                          const google::protobuf::Message& payload) {
  events_.push_back(
      PendingEvent{std::string(type), std::string(subject),
                   absl::StrCat("type.googleapis.com/", payload.GetDescriptor()->full_name()),
                   payload.SerializeAsString()});
}

Database::Database(Dialect dialect, int pool_size, Clock* clock)
    : dialect_(dialect), pool_size_(pool_size), clock_(clock) {}

Database::~Database() = default;

absl::StatusOr<std::unique_ptr<Database>> Database::Open(const Options& options) {
  if (options.pool_size < 1) return absl::InvalidArgumentError("database pool size must be >= 1");
  Dialect dialect;
  std::string connect;
  absl::string_view dsn = options.dsn;
  if (absl::ConsumePrefix(&dsn, "sqlite:")) {
    dialect = Dialect::kSqlite;
    absl::ConsumePrefix(&dsn, "//");
    if (dsn.empty())
      return absl::InvalidArgumentError("sqlite DSN needs a file path: sqlite:<path>");
    // SOCI's sqlite3 connect string takes key=value pairs; quote the path.
    connect = absl::StrCat("db=\"", dsn, "\" timeout=10");
  } else if (absl::StartsWith(dsn, "postgresql:") || absl::StartsWith(dsn, "postgres:")) {
    dialect = Dialect::kPostgres;
    auto keywords = PostgresKeywordDsn(dsn);
    if (!keywords.ok()) return keywords.status();
    connect = *std::move(keywords);
  } else {
    return absl::InvalidArgumentError("database DSN must start with 'sqlite:' or 'postgresql://'");
  }
  std::unique_ptr<Database> db(new Database(dialect, options.pool_size, options.clock));
  db->pool_ = std::make_unique<soci::connection_pool>(options.pool_size);
  try {
    for (int i = 0; i < options.pool_size; ++i) {
      soci::session& s = db->pool_->at(i);
      if (dialect == Dialect::kSqlite) {
        s.open(*soci::factory_sqlite3(), connect);
        s << "PRAGMA journal_mode=WAL";
        s << "PRAGMA synchronous=NORMAL";
        s << "PRAGMA busy_timeout=10000";
        s << "PRAGMA foreign_keys=ON";
      } else {
        s.open(*soci::factory_postgresql(), connect);
        s << "SET client_min_messages TO WARNING";
      }
    }
  } catch (const soci::soci_error& e) {
    return absl::UnavailableError(absl::StrCat(
        "cannot open database: ", absl::StripTrailingAsciiWhitespace(e.get_error_message())));
  }
  return db;
}

absl::Status Database::Write(const std::function<absl::Status(Transaction&)>& body,
                             absl::string_view request_id) {
  absl::Status last;
  for (int attempt = 1; attempt <= kMaxAttempts; ++attempt) {
    soci::session sql(*pool_);
    bool open = false;
    try {
      EnsureConnected(sql);
      // SQLite: take the write lock up front so two writers never deadlock upgrading read locks.
      sql << (dialect_ == Dialect::kSqlite ? "BEGIN IMMEDIATE" : "BEGIN");
      open = true;
      Transaction tx(sql, dialect_, clock_->Now(), std::string(request_id));
      absl::Status status = body(tx);
      if (status.ok()) status = internal::AppendToOutbox(tx);
      if (!status.ok()) {
        sql << "ROLLBACK";
        return status;
      }
      sql << "COMMIT";
      return absl::OkStatus();
    } catch (const soci::soci_error& e) {
      last = FromSoci(e, "database write");
      if (open) {
        try {
          sql << "ROLLBACK";
        } catch (const soci::soci_error&) {
          // The connection is gone; the server rolled back already.
        }
      }
      if (Classify(e) == Failure::kUnavailable) {
        try {
          sql.reconnect();
        } catch (const soci::soci_error&) {
          return last;
        }
      } else if (Classify(e) != Failure::kTransient) {
        return last;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5 * attempt));
    }
  }
  return last;
}

absl::Status Database::Read(const std::function<absl::Status(soci::session&)>& body) {
  soci::session sql(*pool_);
  absl::Status last;
  // A read has no effects, so one more attempt on a fresh connection is always safe: a
  // connection the server dropped (restart, fail-over) costs the caller nothing.
  for (int attempt = 1; attempt <= 2; ++attempt) {
    try {
      EnsureConnected(sql);
      return body(sql);
    } catch (const soci::soci_error& e) {
      last = FromSoci(e, "database read");
      if (Classify(e) != Failure::kUnavailable) return last;
      try {
        sql.reconnect();
      } catch (const soci::soci_error&) {
        return last;
      }
    }
  }
  return last;
}

absl::Status Database::Migrate(absl::string_view component,
                               absl::Span<const Migration> migrations) {
  LV_RETURN_IF_ERROR(Write([this](Transaction& tx) {
    if (dialect_ == Dialect::kPostgres) {
      tx.sql() << "SELECT pg_advisory_xact_lock(" << kMigrationLockKey << ")";
    }
    tx.sql() << "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " component TEXT NOT NULL, version BIGINT NOT NULL, name TEXT NOT NULL,"
                " applied_at_us BIGINT NOT NULL, PRIMARY KEY (component, version))";
    return absl::OkStatus();
  }));
  for (const Migration& m : PlatformMigrations()) {
    LV_RETURN_IF_ERROR(ApplyMigration("platform", m));
  }
  const std::string mine = dialect_ == Dialect::kSqlite ? "sqlite" : "postgres";
  for (const Migration& m : migrations) {
    if (!m.dialect.empty() && m.dialect != mine) continue;
    LV_RETURN_IF_ERROR(ApplyMigration(component, m));
  }
  return absl::OkStatus();
}

absl::Status Database::ApplyMigration(absl::string_view component, const Migration& m) {
  bool applied = false;
  absl::Status status = Write([&](Transaction& tx) -> absl::Status {
    if (dialect_ == Dialect::kPostgres) {
      tx.sql() << "SELECT pg_advisory_xact_lock(" << kMigrationLockKey << ")";
    }
    int count = 0;
    std::string comp(component);
    tx.sql() << "SELECT COUNT(*) FROM schema_migrations WHERE component = :c AND version = :v",
        soci::use(comp), soci::use(m.version), soci::into(count);
    if (count > 0) return absl::OkStatus();
    for (const std::string& stmt : SplitSqlStatements(m.sql)) {
      try {
        tx.sql() << stmt;
      } catch (const soci::soci_error& e) {
        return absl::InternalError(absl::StrCat(
            "migration ", component, "/", m.version, " (", m.name, ") failed and was rolled back: ",
            absl::StripTrailingAsciiWhitespace(e.get_error_message())));
      }
    }
    long long at = ToUnixMicrosUtc(tx.now());
    tx.sql() << "INSERT INTO schema_migrations (component, version, name, applied_at_us)"
                " VALUES (:c, :v, :n, :t)",
        soci::use(comp), soci::use(m.version), soci::use(m.name), soci::use(at);
    applied = true;
    return absl::OkStatus();
  });
  if (status.ok() && applied) {
    LogInfo("db.migrated",
            {{"component", std::string(component)}, {"version", m.version}, {"name", m.name}});
  }
  return status;
}

int64_t RowInt64(const soci::row& row, std::size_t i) {
  if (row.get_indicator(i) == soci::i_null) return 0;
  switch (row.get_properties(i).get_data_type()) {
    case soci::dt_integer:
      return row.get<int>(i);
    case soci::dt_long_long:
      return row.get<long long>(i);
    case soci::dt_unsigned_long_long:
      return static_cast<int64_t>(row.get<unsigned long long>(i));
    case soci::dt_double:
      return static_cast<int64_t>(row.get<double>(i));
    case soci::dt_string:
      return std::stoll(row.get<std::string>(i));
    default:
      return 0;
  }
}

std::string RowString(const soci::row& row, std::size_t i) {
  if (row.get_indicator(i) == soci::i_null) return "";
  return row.get<std::string>(i);
}

std::vector<std::string> SplitSqlStatements(absl::string_view script) {
  std::vector<std::string> out;
  std::string current;
  for (absl::string_view line : absl::StrSplit(script, '\n')) {
    absl::string_view trimmed = absl::StripAsciiWhitespace(line);
    if (trimmed.empty() || absl::StartsWith(trimmed, "--")) continue;
    absl::StrAppend(&current, line, "\n");
    if (absl::EndsWith(trimmed, ";")) {
      std::string stmt(absl::StripAsciiWhitespace(current));
      stmt.pop_back();  // the ';'
      if (!stmt.empty()) out.push_back(std::move(stmt));
      current.clear();
    }
  }
  std::string rest(absl::StripAsciiWhitespace(current));
  if (!rest.empty()) out.push_back(std::move(rest));
  return out;
}

}  // namespace lv::platform
