#include "platform/testing/test_db.h"

#include <cstdlib>
#include <filesystem>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "soci/postgresql/soci-postgresql.h"

namespace lv::platform::testing {
namespace {
std::string RandomSuffix() {
  static std::mt19937_64 rng(std::random_device{}());
  static absl::Mutex mu;
  absl::MutexLock lock(&mu);
  return absl::StrFormat("%012x", rng() & 0xffffffffffffULL);
}
}  // namespace

const char* EngineName(Engine engine) {
  return engine == Engine::kPostgres ? "postgres" : "sqlite";
}

absl::StatusOr<std::unique_ptr<Database>> NewTestDatabase(Engine engine, Clock* clock,
                                                          std::string* dsn_out) {
  std::string dsn;
  if (engine == Engine::kSqlite) {
    auto dir = std::filesystem::temp_directory_path() / absl::StrCat("lvtest-", RandomSuffix());
    std::filesystem::create_directories(dir);
    dsn = absl::StrCat("sqlite:", (dir / "test.db").string());
  } else {
    if (std::getenv("PGHOST") == nullptr && std::getenv("PGPORT") == nullptr) {
      return absl::FailedPreconditionError(
          "PostgreSQL tests need a server: run them through the README's test command "
          "(pg_virtualenv sets PGHOST/PGPORT)");
    }
    const std::string name = absl::StrCat("lvt_", RandomSuffix());
    try {
      // libpq fills host, port, user and password from the PG* environment.
      soci::session admin(*soci::factory_postgresql(), "dbname=postgres");
      admin << "CREATE DATABASE " << name;
    } catch (const soci::soci_error& e) {
      return absl::UnavailableError(absl::StrCat("cannot create test database: ", e.what()));
    }
    dsn = absl::StrCat("postgresql:///", name);
  }
  if (dsn_out != nullptr) *dsn_out = dsn;
  return OpenTestDatabase(dsn, clock);
}

absl::StatusOr<std::unique_ptr<Database>> OpenTestDatabase(const std::string& dsn, Clock* clock) {
  return Database::Open({dsn, 4, clock});
}

}  // namespace lv::platform::testing
