#include "platform/proto_util.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "platform/errors.h"

namespace lv::platform {

std::string EncodePageToken(int64_t micros, const std::string& id) {
  return absl::WebSafeBase64Escape(absl::StrCat(micros, "|", id));
}

absl::Status DecodePageToken(const std::string& token, int64_t* micros, std::string* id) {
  *micros = INT64_MAX;
  id->clear();
  if (token.empty()) return absl::OkStatus();
  std::string raw;
  std::vector<std::string> parts;
  if (absl::WebSafeBase64Unescape(token, &raw))
    parts = absl::StrSplit(raw, absl::MaxSplits('|', 1));
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], micros)) {
    return FieldError("page_token", "is not a token this service issued");
  }
  *id = parts[1];
  return absl::OkStatus();
}

}  // namespace lv::platform
