#include "platform/config.h"

#include <map>
#include <string>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "gtest/gtest.h"
#include "platform/server.h"

ABSL_DECLARE_FLAG(int, database_pool);
ABSL_DECLARE_FLAG(std::string, log_level);

namespace lv::platform {
namespace {

TEST(Config, EnvVarNames) { EXPECT_EQ(EnvVarForFlag("grace_period"), "LV_GRACE_PERIOD"); }

TEST(Config, EnvironmentOverridesFlagDefaults) {
  std::map<std::string, std::string> env = {{"LV_DATABASE_POOL", "7"}};
  ASSERT_TRUE(ApplyEnvOverrides([&](const char* name) -> const char* {
                auto it = env.find(name);
                return it == env.end() ? nullptr : it->second.c_str();
              }).ok());
  EXPECT_EQ(absl::GetFlag(FLAGS_database_pool), 7);
  absl::SetFlag(&FLAGS_database_pool, 4);
}

TEST(Config, UnparsableEnvironmentValueNamesTheFlag) {
  auto status = ApplyEnvOverrides([](const char* name) -> const char* {
    return std::string(name) == "LV_DATABASE_POOL" ? "many" : nullptr;
  });
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("--database_pool"), std::string::npos) << status;
  EXPECT_NE(status.message().find("LV_DATABASE_POOL"), std::string::npos) << status;
}

TEST(Config, InvalidValueStopsWithTheFlagName) {
  absl::SetFlag(&FLAGS_log_level, "loud");
  auto config = LoadServerConfig("test");
  absl::SetFlag(&FLAGS_log_level, "info");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("--log_level"), std::string::npos);
}

TEST(Config, DefaultDatabaseIsSqliteUnderDataDir) {
  auto config = LoadServerConfig("intake");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->database_dsn, "sqlite:data/intake.db");
}

}  // namespace
}  // namespace lv::platform
