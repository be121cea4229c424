#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "platform/clock.h"
#include "platform/database.h"

namespace lv::platform::testing {

enum class Engine { kSqlite, kPostgres };

// The engine a test binary was built for (LV_TEST_ENGINE_POSTGRES or SQLite by default). Inline,
// so the compile definition of the test binary decides, not that of this library.
inline Engine EngineUnderTest() {
#ifdef LV_TEST_ENGINE_POSTGRES
  return Engine::kPostgres;
#else
  return Engine::kSqlite;
#endif
}
const char* EngineName(Engine engine);

// A fresh, empty database of the given engine: a temp SQLite file, or a new database on the
// PostgreSQL server named by the PG* environment (the test command starts one with
// pg_virtualenv). Returns the DSN through `dsn` so a second handle or a process can share it.
// A missing PostgreSQL server is an error, never a skip.
absl::StatusOr<std::unique_ptr<Database>> NewTestDatabase(Engine engine, Clock* clock,
                                                          std::string* dsn = nullptr);

// Opens another handle on an existing DSN (a second replica).
absl::StatusOr<std::unique_ptr<Database>> OpenTestDatabase(const std::string& dsn, Clock* clock);

}  // namespace lv::platform::testing
