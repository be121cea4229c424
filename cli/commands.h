#pragma once

#include <string>
#include <vector>

namespace lv::cli {
// `lv inspection <args...>`; returns the exit code.
int RunInspection(const std::vector<std::string>& args);
}  // namespace lv::cli
