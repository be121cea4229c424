#include "platform/jwt_auth.h"

#include <jwt.h>

#include <cerrno>
#include <cstdlib>
#include <optional>

#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace lv::platform {
namespace {

struct JwtDeleter {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtDeleter>;

bool Asymmetric(jwt_alg_t alg) {
  switch (alg) {
    case JWT_ALG_RS256:
    case JWT_ALG_RS384:
    case JWT_ALG_RS512:
    case JWT_ALG_ES256:
    case JWT_ALG_ES384:
    case JWT_ALG_ES512:
      return true;
    default:
      return false;
  }
}

// The integer claim `name`, or nullopt when the token has none.
std::optional<long> IntClaim(jwt_t* jwt, const char* name) {
  errno = 0;
  long value = jwt_get_grant_int(jwt, name);
  if (errno != 0) return std::nullopt;
  return value;
}

// "aud" may be one string or an array of them (RFC 7519 4.1.3).
bool AudienceMatches(jwt_t* jwt, const std::string& audience) {
  if (const char* one = jwt_get_grant(jwt, "aud"); one != nullptr) return audience == one;
  char* json = jwt_get_grants_json(jwt, "aud");
  if (json == nullptr) return false;
  google::protobuf::Value value;
  bool parsed = google::protobuf::util::JsonStringToMessage(json, &value).ok();
  std::free(json);
  if (!parsed || !value.has_list_value()) return false;
  for (const auto& item : value.list_value().values()) {
    if (item.string_value() == audience) return true;
  }
  return false;
}

class JwtAuthenticator : public Authenticator {
 public:
  JwtAuthenticator(JwtSettings settings, Clock* clock)
      : settings_(std::move(settings)), clock_(clock) {}

  absl::StatusOr<Principal> Authenticate(absl::string_view token) const override {
    jwt_t* raw = nullptr;
    const std::string text(token);
    int rc = jwt_decode(&raw, text.c_str(),
                        reinterpret_cast<const unsigned char*>(settings_.public_key_pem.data()),
                        static_cast<int>(settings_.public_key_pem.size()));
    JwtPtr jwt(raw);
    if (rc != 0 || jwt == nullptr) {
      return absl::UnauthenticatedError(
          "bearer token is not a JWT signed by the identity provider");
    }
    // Checked after decoding, and decisive whatever the signature check said: libjwt verifies
    // with the algorithm the token names.
    if (!Asymmetric(jwt_get_alg(jwt.get()))) {
      return absl::UnauthenticatedError(
          absl::StrCat("JWT algorithm ", jwt_alg_str(jwt_get_alg(jwt.get())), " is not accepted"));
    }
    const long now = static_cast<long>(absl::ToUnixSeconds(clock_->Now()));
    const long leeway = static_cast<long>(absl::ToInt64Seconds(settings_.leeway));
    auto exp = IntClaim(jwt.get(), "exp");
    if (!exp) return absl::UnauthenticatedError("JWT has no exp claim");
    if (now > *exp + leeway) return absl::UnauthenticatedError("JWT has expired");
    if (auto nbf = IntClaim(jwt.get(), "nbf"); nbf && now + leeway < *nbf) {
      return absl::UnauthenticatedError("JWT is not valid yet (nbf)");
    }
    const char* iss = jwt_get_grant(jwt.get(), "iss");
    if (iss == nullptr || settings_.issuer != iss) {
      return absl::UnauthenticatedError("JWT issuer is not the identity provider");
    }
    if (!AudienceMatches(jwt.get(), settings_.audience)) {
      return absl::UnauthenticatedError(
          absl::StrCat("JWT audience does not include '", settings_.audience, "'"));
    }
    const char* role_claim = jwt_get_grant(jwt.get(), "role");
    if (role_claim == nullptr) return absl::UnauthenticatedError("JWT has no role claim");
    auto role = ParseRole(role_claim);
    if (!role.ok()) return absl::UnauthenticatedError(role.status().message());
    const char* sub = jwt_get_grant(jwt.get(), "sub");
    if (sub == nullptr || *sub == '\0') return absl::UnauthenticatedError("JWT has no sub claim");
    return Principal{*role, sub};
  }

 private:
  JwtSettings settings_;
  Clock* clock_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Authenticator>> NewJwtAuthenticator(JwtSettings settings,
                                                                   Clock* clock) {
  if (settings.public_key_pem.find("PUBLIC KEY") == std::string::npos &&
      settings.public_key_pem.find("CERTIFICATE") == std::string::npos) {
    return absl::InvalidArgumentError("the JWT key is not a PEM public key or certificate");
  }
  if (settings.issuer.empty()) return absl::InvalidArgumentError("the JWT issuer is empty");
  if (settings.audience.empty()) return absl::InvalidArgumentError("the JWT audience is empty");
  return std::make_unique<JwtAuthenticator>(std::move(settings), clock);
}

}  // namespace lv::platform
