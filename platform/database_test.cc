#include "platform/database.h"

#include "gtest/gtest.h"
#include "platform/testing/test_db.h"

namespace lv::platform {
namespace {

using testing::Engine;

TEST(SplitSqlStatements, SplitsOnLineEndSemicolonsAndDropsComments) {
  auto stmts = SplitSqlStatements(
      "-- a comment\nCREATE TABLE a (x TEXT);\n\nCREATE TABLE b (\n"
      "  y TEXT\n);\nINSERT INTO a VALUES ('p;q')");
  ASSERT_EQ(stmts.size(), 3u);
  EXPECT_EQ(stmts[0], "CREATE TABLE a (x TEXT)");
  EXPECT_EQ(stmts[2], "INSERT INTO a VALUES ('p;q')");
}

TEST(Database, RejectsUnknownDsn) {
  auto db = Database::Open({"mysql://x", 1, &RealClock()});
  EXPECT_EQ(db.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(Database, UnreachablePostgresIsUnavailable) {
  auto db = Database::Open({"postgresql://127.0.0.1:1/none?connect_timeout=2", 1, &RealClock()});
  EXPECT_EQ(db.status().code(), absl::StatusCode::kUnavailable) << db.status();
}

TEST(Database, MigrationsApplyOnceAndFailingOneRollsBack) {
  FakeClock clock;
  auto db = testing::NewTestDatabase(Engine::kSqlite, &clock);
  ASSERT_TRUE(db.ok()) << db.status();
  std::vector<Migration> good = {{1, "init", "CREATE TABLE items (id TEXT PRIMARY KEY);"}};
  ASSERT_TRUE((*db)->Migrate("svc", good).ok());
  ASSERT_TRUE((*db)->Migrate("svc", good).ok());  // idempotent

  std::vector<Migration> bad = good;
  bad.push_back({2, "half", "CREATE TABLE half_done (x TEXT);\nCREATE TABLE items (dup TEXT);"});
  absl::Status status = (*db)->Migrate("svc", bad);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("svc/2 (half)"), std::string::npos) << status;
  // The first statement of the failed migration was rolled back with it.
  int tables = -1;
  ASSERT_TRUE((*db)
                  ->Read([&](soci::session& sql) {
                    sql << "SELECT COUNT(*) FROM sqlite_master WHERE name = 'half_done'",
                        soci::into(tables);
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(tables, 0);
}

TEST(Database, WriteRollsBackOnError) {
  FakeClock clock;
  auto db = testing::NewTestDatabase(Engine::kSqlite, &clock);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(
      (*db)->Migrate("svc", {{1, "init", "CREATE TABLE items (id TEXT PRIMARY KEY);"}}).ok());
  absl::Status s = (*db)->Write([](Transaction& tx) {
    tx.sql() << "INSERT INTO items (id) VALUES ('a')";
    return absl::FailedPreconditionError("domain says no");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  int n = -1;
  ASSERT_TRUE((*db)
                  ->Read([&](soci::session& sql) {
                    sql << "SELECT COUNT(*) FROM items", soci::into(n);
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(n, 0);
}

}  // namespace
}  // namespace lv::platform
