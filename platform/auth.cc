#include "platform/auth.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace lv::platform {
namespace {

constexpr std::pair<Role, absl::string_view> kRoleNames[] = {
    {Role::kProjectLeader, "project_leader"},
    {Role::kCoach, "coach"},
    {Role::kSchool, "school"},
    {Role::kInspectorate, "inspectorate"},
    {Role::kAnalyst, "analyst"},
    {Role::kService, "service"},
};

class DevTokenAuthenticator : public Authenticator {
 public:
  absl::StatusOr<Principal> Authenticate(absl::string_view token) const override {
    std::vector<absl::string_view> parts = absl::StrSplit(token, absl::MaxSplits('.', 2));
    if (parts.size() != 3 || parts[0] != "dev" || parts[2].empty()) {
      return absl::UnauthenticatedError("bearer token is not a dev token 'dev.<role>.<subject>'");
    }
    auto role = ParseRole(parts[1]);
    if (!role.ok()) return absl::UnauthenticatedError(role.status().message());
    return Principal{*role, std::string(parts[2])};
  }
};

}  // namespace

absl::string_view RoleName(Role role) {
  for (const auto& [r, name] : kRoleNames) {
    if (r == role) return name;
  }
  return "unknown";
}

absl::StatusOr<Role> ParseRole(absl::string_view name) {
  for (const auto& [r, n] : kRoleNames) {
    if (n == name) return r;
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown role '", name, "'"));
}

std::string Principal::ToString() const { return absl::StrCat(RoleName(role), ":", subject); }

std::unique_ptr<Authenticator> NewDevTokenAuthenticator() {
  return std::make_unique<DevTokenAuthenticator>();
}

PolicyTable::PolicyTable() {
  AllowPublic("/grpc.health.v1.Health/Check");
  AllowPublic("/grpc.health.v1.Health/Watch");
  AllowPublic("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo");
}

PolicyTable& PolicyTable::Allow(absl::string_view method, std::initializer_list<Role> roles) {
  Entry& e = entries_[method];
  e.public_access = false;
  e.roles.assign(roles.begin(), roles.end());
  return *this;
}

PolicyTable& PolicyTable::AllowPublic(absl::string_view method) {
  entries_[method] = Entry{true, {}};
  return *this;
}

const PolicyTable::Entry* PolicyTable::Find(absl::string_view method) const {
  auto it = entries_.find(method);
  return it == entries_.end() ? nullptr : &it->second;
}

absl::Status PolicyTable::CheckCovers(const google::protobuf::ServiceDescriptor& service) const {
  for (int i = 0; i < service.method_count(); ++i) {
    std::string name = FullMethodName(*service.method(i));
    if (Find(name) == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat("no access policy for method ", name));
    }
  }
  return absl::OkStatus();
}

absl::Status PolicyTable::Authorize(absl::string_view method, const Principal* caller) const {
  const Entry* entry = Find(method);
  if (entry == nullptr) {
    // A server refuses to start unless every method it serves has an entry, so a method without
    // one is not served here: say so, as gRPC would (clients such as buf fall back on it).
    return absl::UnimplementedError(absl::StrCat("method ", method, " is not served here"));
  }
  if (entry->public_access) return absl::OkStatus();
  if (caller == nullptr) {
    return absl::UnauthenticatedError("missing 'authorization: Bearer <token>' metadata");
  }
  for (Role r : entry->roles) {
    if (r == caller->role) return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      absl::StrCat("role ", RoleName(caller->role), " may not call ", method));
}

std::string FullMethodName(const google::protobuf::MethodDescriptor& method) {
  return absl::StrCat("/", method.service()->full_name(), "/", method.name());
}

}  // namespace lv::platform
