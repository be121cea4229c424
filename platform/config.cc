#include "platform/config.h"

#include <cstdio>
#include <cstdlib>
#include <functional>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace lv::platform {

std::string EnvVarForFlag(absl::string_view flag_name) {
  return absl::StrCat("LV_", absl::AsciiStrToUpper(flag_name));
}

absl::Status InvalidFlag(absl::string_view flag_name, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("flag --", flag_name, " (env ", EnvVarForFlag(flag_name), "): ", why));
}

absl::Status ApplyEnvOverrides(const std::function<const char*(const char*)>& env) {
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    const std::string var = EnvVarForFlag(name);
    const char* value = env(var.c_str());
    if (value == nullptr) continue;
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      return InvalidFlag(name, absl::StrCat("cannot parse '", value, "': ", error));
    }
  }
  return absl::OkStatus();
}

std::vector<char*> ParseFlagsWithEnv(int argc, char** argv, absl::string_view usage) {
  absl::SetProgramUsageMessage(usage);
  absl::Status env_status = ApplyEnvOverrides([](const char* name) { return std::getenv(name); });
  if (!env_status.ok()) {
    std::fprintf(stderr, "configuration error: %s\n", std::string(env_status.message()).c_str());
    std::exit(2);
  }
  // absl reports unknown flags and bad values itself, naming the flag, and exits.
  return absl::ParseCommandLine(argc, argv);
}

}  // namespace lv::platform
