#pragma once

// Small protobuf conversions every store and service uses the same way.

#include <string>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"

namespace lv::platform {

// A message as TEXT for a `record` column (base64: SOCI's BLOB support differs per backend).
inline std::string EncodeRecord(const google::protobuf::Message& m) {
  return absl::Base64Escape(m.SerializeAsString());
}

template <typename M>
M DecodeRecord(const std::string& text) {
  M m;
  std::string raw;
  if (absl::Base64Unescape(text, &raw)) m.ParseFromString(raw);
  return m;
}

inline google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  google::protobuf::Timestamp ts;
  const int64_t us = absl::ToUnixMicros(t);
  ts.set_seconds(us / 1000000);
  ts.set_nanos(static_cast<int32_t>(us % 1000000) * 1000);
  return ts;
}

inline int64_t TimestampMicros(const google::protobuf::Timestamp& t) {
  return t.seconds() * 1000000 + t.nanos() / 1000;
}

inline absl::Time FromTimestamp(const google::protobuf::Timestamp& t) {
  return absl::FromUnixMicros(TimestampMicros(t));
}

// Page tokens for lists ordered by (time, id) descending: opaque to clients, checked on return.
std::string EncodePageToken(int64_t micros, const std::string& id);
// An empty token is the first page (INT64_MAX, ""). A token we did not issue is INVALID_ARGUMENT
// on `page_token`.
absl::Status DecodePageToken(const std::string& token, int64_t* micros, std::string* id);

}  // namespace lv::platform
