#pragma once

#include <string>
#include <vector>

namespace lv::cli {
// `lv inspection <args...>`; returns the exit code.
int RunInspection(const std::vector<std::string>& args);
// `lv coaching <args...>`.
int RunCoaching(const std::vector<std::string>& args);
// `lv intake <command>` and the table-driven `lv coaching <command>` (see alias_commands.cc).
int RunIntakeAlias(const std::vector<std::string>& args);
int RunCoachingAlias(const std::vector<std::string>& args);
// `lv report --out=DIR`: the programme report and its charts as files.
int RunReport();
// `lv call --method=... --json=...`: any unary method, JSON in and out.
int RunCall();
}  // namespace lv::cli
