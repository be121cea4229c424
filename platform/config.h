#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace lv::platform {

// Name of the environment variable that overrides flag `flag_name`: LV_ + upper case,
// e.g. --database -> LV_DATABASE.
std::string EnvVarForFlag(absl::string_view flag_name);

// Applies LV_* environment overrides to every registered flag, then parses the command line
// (which wins over the environment). Unknown flags and unparsable values stop the process with
// exit code 2 and one line naming the flag. Returns the positional arguments.
std::vector<char*> ParseFlagsWithEnv(int argc, char** argv, absl::string_view usage);

// Same as above without touching the process: returns the first error instead of exiting.
// `env` looks up a variable (tests pass a map). Exposed for tests.
absl::Status ApplyEnvOverrides(const std::function<const char*(const char*)>& env);

// A bad configuration value: one line naming the flag and its environment variable.
absl::Status InvalidFlag(absl::string_view flag_name, absl::string_view why);

}  // namespace lv::platform
