#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace lv::platform {

// Who may call what. The programme's users (DOMAIN.md) plus the services themselves.
enum class Role {
  kProjectLeader,  // projectleider
  kCoach,          // procesbegeleider
  kSchool,         // schoolleider / bestuur, via the portal
  kInspectorate,   // the inspectorate's systems
  kAnalyst,        // analysts and the ministry (OCW)
  kService,        // another service of the suite
};

absl::string_view RoleName(Role role);
absl::StatusOr<Role> ParseRole(absl::string_view name);

// An authenticated caller. `subject` is an opaque id (coach id, school BRIN, service name); row
// level rules in the domain layer compare it with the resource.
struct Principal {
  Role role;
  std::string subject;
  std::string ToString() const;
};

// Turns the bearer token of a call into a principal.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // `token` is the part after "Bearer ". UNAUTHENTICATED when it is not valid.
  virtual absl::StatusOr<Principal> Authenticate(absl::string_view token) const = 0;
};

// Development mode: accepts unsigned tokens "dev.<role>.<subject>", e.g.
// "dev.project_leader.pl-1" or "dev.service.intake". Never enable it in production; it is
// selected with --auth_mode=dev (see README).
std::unique_ptr<Authenticator> NewDevTokenAuthenticator();

// Per-method access rules, in one table per server. A method with no entry is refused, and a
// server refuses to start when one of its methods has no entry (CheckCovers).
class PolicyTable {
 public:
  struct Entry {
    bool public_access = false;  // no token needed (health, reflection)
    std::vector<Role> roles;     // otherwise: any of these roles
  };

  // The standard services every server runs (health, reflection) are public.
  PolicyTable();

  // `method` is the full gRPC path, e.g. "/lerenverbeteren.inspection.v1.InspectionService/Watch".
  PolicyTable& Allow(absl::string_view method, std::initializer_list<Role> roles);
  PolicyTable& AllowPublic(absl::string_view method);

  const Entry* Find(absl::string_view method) const;

  // OK when every method of `service` has an entry; otherwise names the first one missing.
  absl::Status CheckCovers(const google::protobuf::ServiceDescriptor& service) const;

  // OK, UNAUTHENTICATED (no valid token), PERMISSION_DENIED (role not allowed) or UNIMPLEMENTED
  // (no entry: the method is not served) for a caller of a method.
  absl::Status Authorize(absl::string_view method, const Principal* caller) const;

 private:
  absl::flat_hash_map<std::string, Entry> entries_;
};

// "/pkg.Service/Method" for a method descriptor.
std::string FullMethodName(const google::protobuf::MethodDescriptor& method);

}  // namespace lv::platform
