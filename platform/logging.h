#pragma once

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace lv::platform {

// One structured log field. Values are written as JSON strings unless built from a number.
struct LogField {
  LogField(absl::string_view k, absl::string_view v) : key(k), value(v) {}
  LogField(absl::string_view k, const std::string& v) : key(k), value(v) {}
  LogField(absl::string_view k, const char* v) : key(k), value(v) {}
  LogField(absl::string_view k, long long v) : key(k), value(std::to_string(v)), number(true) {}
  LogField(absl::string_view k, int v) : key(k), value(std::to_string(v)), number(true) {}
  LogField(absl::string_view k, double v) : key(k), value(std::to_string(v)), number(true) {}
  std::string key;
  std::string value;
  bool number = false;
};
using LogFields = std::vector<LogField>;

enum class LogLevel { kDebug, kInfo, kWarn, kError };

// Sets up the process logger: one JSON object per line on stdout with time, level, service and
// event. `level` is debug|info|warn|error.
void InitLogging(absl::string_view service, absl::string_view level);

// Writes one event line. Never put personal data (names, e-mail, free text about people) in
// fields: ids and codes only.
void Log(LogLevel level, absl::string_view event, const LogFields& fields = {});
inline void LogInfo(absl::string_view event, const LogFields& fields = {}) {
  Log(LogLevel::kInfo, event, fields);
}
inline void LogWarn(absl::string_view event, const LogFields& fields = {}) {
  Log(LogLevel::kWarn, event, fields);
}
inline void LogError(absl::string_view event, const LogFields& fields = {}) {
  Log(LogLevel::kError, event, fields);
}

// JSON string escaping (without the surrounding quotes).
std::string JsonEscape(absl::string_view s);

}  // namespace lv::platform
