#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "grpcpp/support/status.h"

namespace lv::platform {

// INVALID_ARGUMENT naming the field and why; reaches the client as google.rpc.BadRequest.
absl::Status FieldError(absl::string_view field, absl::string_view why);

// Collects several field violations and returns them as one INVALID_ARGUMENT.
class FieldErrors {
 public:
  void Add(absl::string_view field, absl::string_view why);
  bool empty() const { return violations_.empty(); }
  absl::Status ToStatus() const;

 private:
  std::vector<std::pair<std::string, std::string>> violations_;
};

// The field violations attached to a status (empty when none).
std::vector<std::pair<std::string, std::string>> FieldViolations(const absl::Status& status);

// The one place absl::Status becomes a gRPC status: codes map one to one; field violations travel
// as google.rpc.Status details in grpc-status-details-bin.
grpc::Status ToGrpcStatus(const absl::Status& status);

// And back, for clients of other services.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace lv::platform
