#include "platform/jwt_auth.h"

#include <jwt.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace lv::platform {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Key pairs made once with the openssl CLI: the identity provider's and an impostor's.
class JwtAuthTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(std::filesystem::temp_directory_path() /
                           absl::StrCat("lv-jwt-", ::getpid()));
    std::filesystem::create_directories(*dir_);
    for (const char* name : {"idp", "impostor"}) {
      std::string cmd =
          absl::StrCat("openssl ecparam -name prime256v1 -genkey -noout -out ", *dir_, "/", name,
                       ".key 2>/dev/null && openssl ec -in ", *dir_, "/", name,
                       ".key -pubout -out ", *dir_, "/", name, ".pub 2>/dev/null");
      ASSERT_EQ(std::system(cmd.c_str()), 0) << "openssl is needed to make test keys";
    }
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }

  std::string Key(const char* name, const char* ext) {
    return ReadFile(absl::StrCat(*dir_, "/", name, ".", ext));
  }

  // A token signed with `alg` and `key`, with the usual claims unless `edit` changes them.
  std::string Sign(jwt_alg_t alg, const std::string& key,
                   const std::function<void(jwt_t*)>& edit = nullptr) {
    jwt_t* jwt = nullptr;
    EXPECT_EQ(jwt_new(&jwt), 0);
    const long now = static_cast<long>(absl::ToUnixSeconds(clock_.Now()));
    jwt_add_grant(jwt, "iss", "https://idp.example.org");
    jwt_add_grant(jwt, "aud", "leren-verbeteren");
    jwt_add_grant(jwt, "sub", "00AH");
    jwt_add_grant(jwt, "role", "school");
    jwt_add_grant_int(jwt, "exp", now + 300);
    if (edit) edit(jwt);
    EXPECT_EQ(
        jwt_set_alg(jwt, alg,
                    key.empty() ? nullptr : reinterpret_cast<const unsigned char*>(key.data()),
                    static_cast<int>(key.size())),
        0);
    char* encoded = jwt_encode_str(jwt);
    std::string token = encoded == nullptr ? "" : encoded;
    std::free(encoded);
    jwt_free(jwt);
    return token;
  }

  std::unique_ptr<Authenticator> Verifier() {
    auto made = NewJwtAuthenticator(
        {Key("idp", "pub"), "https://idp.example.org", "leren-verbeteren", absl::Seconds(60)},
        &clock_);
    EXPECT_TRUE(made.ok()) << made.status();
    return *std::move(made);
  }

  void ExpectRefused(const std::string& token, absl::string_view why) {
    auto principal = Verifier()->Authenticate(token);
    ASSERT_FALSE(principal.ok()) << "accepted " << principal->ToString();
    EXPECT_EQ(principal.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_NE(principal.status().message().find(why), std::string::npos) << principal.status();
  }

  static std::string* dir_;
  FakeClock clock_;
};
std::string* JwtAuthTest::dir_ = nullptr;

TEST_F(JwtAuthTest, AcceptsATokenOfTheIdentityProvider) {
  auto principal = Verifier()->Authenticate(Sign(JWT_ALG_ES256, Key("idp", "key")));
  ASSERT_TRUE(principal.ok()) << principal.status();
  EXPECT_EQ(principal->role, Role::kSchool);
  EXPECT_EQ(principal->subject, "00AH");
}

TEST_F(JwtAuthTest, AudienceMayBeAList) {
  std::string token = Sign(JWT_ALG_ES256, Key("idp", "key"), [](jwt_t* jwt) {
    jwt_del_grants(jwt, "aud");
    jwt_add_grants_json(jwt, R"({"aud":["portal","leren-verbeteren"]})");
  });
  EXPECT_TRUE(Verifier()->Authenticate(token).ok());
}

TEST_F(JwtAuthTest, RefusesAnotherKeysSignature) {
  ExpectRefused(Sign(JWT_ALG_ES256, Key("impostor", "key")), "not a JWT signed");
}

// The classic confusion: HMAC with the (public) verification key as the shared secret.
TEST_F(JwtAuthTest, RefusesHmacWithThePublicKeyAsSecret) {
  ExpectRefused(Sign(JWT_ALG_HS256, Key("idp", "pub")), "HS256 is not accepted");
}

TEST_F(JwtAuthTest, RefusesUnsignedTokens) { ExpectRefused(Sign(JWT_ALG_NONE, ""), ""); }

TEST_F(JwtAuthTest, ExpiryAllowsClockSkewOnly) {
  std::string token = Sign(JWT_ALG_ES256, Key("idp", "key"));
  clock_.Advance(absl::Seconds(300 + 30));
  EXPECT_TRUE(Verifier()->Authenticate(token).ok()) << "30 s past exp is within the leeway";
  clock_.Advance(absl::Seconds(60));
  ExpectRefused(token, "expired");
}

TEST_F(JwtAuthTest, RefusesBadClaims) {
  std::string key = Key("idp", "key");
  const long now = static_cast<long>(absl::ToUnixSeconds(clock_.Now()));
  ExpectRefused(Sign(JWT_ALG_ES256, key, [](jwt_t* j) { jwt_del_grants(j, "exp"); }), "no exp");
  ExpectRefused(
      Sign(JWT_ALG_ES256, key, [&](jwt_t* j) { jwt_add_grant_int(j, "nbf", now + 3600); }),
      "not valid yet");
  ExpectRefused(Sign(JWT_ALG_ES256, key,
                     [](jwt_t* j) {
                       jwt_del_grants(j, "iss");
                       jwt_add_grant(j, "iss", "https://evil.example.org");
                     }),
                "issuer");
  ExpectRefused(Sign(JWT_ALG_ES256, key,
                     [](jwt_t* j) {
                       jwt_del_grants(j, "aud");
                       jwt_add_grant(j, "aud", "another-app");
                     }),
                "audience");
  ExpectRefused(Sign(JWT_ALG_ES256, key,
                     [](jwt_t* j) {
                       jwt_del_grants(j, "role");
                       jwt_add_grant(j, "role", "root");
                     }),
                "unknown role");
  ExpectRefused(Sign(JWT_ALG_ES256, key, [](jwt_t* j) { jwt_del_grants(j, "sub"); }), "no sub");
  ExpectRefused("not.a.token", "not a JWT");
}

TEST_F(JwtAuthTest, RefusesSettingsWithoutKeyIssuerOrAudience) {
  EXPECT_FALSE(NewJwtAuthenticator({"not a key", "iss", "aud"}, &clock_).ok());
  EXPECT_FALSE(NewJwtAuthenticator({Key("idp", "pub"), "", "aud"}, &clock_).ok());
  EXPECT_FALSE(NewJwtAuthenticator({Key("idp", "pub"), "iss", ""}, &clock_).ok());
}

}  // namespace
}  // namespace lv::platform
