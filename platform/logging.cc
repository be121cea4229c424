#include "platform/logging.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "spdlog/sinks/stdout_sinks.h"
#include "spdlog/spdlog.h"

namespace lv::platform {
namespace {

std::shared_ptr<spdlog::logger>& Logger() {
  static auto* logger = new std::shared_ptr<spdlog::logger>(spdlog::stdout_logger_mt("lv"));
  return *logger;
}

spdlog::level::level_enum ToSpd(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarn:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

}  // namespace

std::string JsonEscape(absl::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

void InitLogging(absl::string_view service, absl::string_view level) {
  auto& logger = Logger();
  // %v carries the event's own JSON members; the pattern adds the common ones.
  logger->set_pattern(absl::StrCat(R"({"ts":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","service":")",
                                   JsonEscape(service), R"(",%v})"),
                      spdlog::pattern_time_type::utc);
  auto parsed = spdlog::level::from_str(std::string(level));
  logger->set_level(parsed == spdlog::level::off && level != "off" ? spdlog::level::info : parsed);
  logger->flush_on(spdlog::level::info);
}

void Log(LogLevel level, absl::string_view event, const LogFields& fields) {
  auto& logger = Logger();
  if (!logger->should_log(ToSpd(level))) return;
  std::string body = absl::StrCat("\"event\":\"", JsonEscape(event), "\"");
  for (const LogField& f : fields) {
    if (f.number) {
      absl::StrAppend(&body, ",\"", JsonEscape(f.key), "\":", f.value);
    } else {
      absl::StrAppend(&body, ",\"", JsonEscape(f.key), "\":\"", JsonEscape(f.value), "\"");
    }
  }
  logger->log(ToSpd(level), body);
}

}  // namespace lv::platform
