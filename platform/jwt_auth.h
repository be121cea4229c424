#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "platform/auth.h"
#include "platform/clock.h"

namespace lv::platform {

// Signed bearer tokens (JWT, RFC 7519) from the programme's identity provider, checked against
// its public key: --auth_mode=jwt. The claims the suite reads:
//   role  one of project_leader, coach, school, inspectorate, analyst, service
//   sub   the subject the domain's row-level rules compare (coach id, school BRIN, service name)
//   iss   must equal `issuer`;  aud  must equal or contain `audience`
//   exp   required;  nbf  honoured when present (both with `leeway` for clock skew)
// Only asymmetric algorithms are accepted (RS*, ES*; libjwt 1.10 has no PS*): a token signed with
// HMAC using the public key as the secret, or with "none", is refused whatever its signature says.
struct JwtSettings {
  std::string public_key_pem;
  std::string issuer;
  std::string audience;
  absl::Duration leeway = absl::Seconds(60);
};

absl::StatusOr<std::unique_ptr<Authenticator>> NewJwtAuthenticator(JwtSettings settings,
                                                                   Clock* clock);

}  // namespace lv::platform
