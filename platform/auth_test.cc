#include "platform/auth.h"

#include "gtest/gtest.h"

namespace lv::platform {
namespace {

TEST(DevTokenAuthenticator, AcceptsRoleAndSubject) {
  auto auth = NewDevTokenAuthenticator();
  auto p = auth->Authenticate("dev.coach.c-17");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->role, Role::kCoach);
  EXPECT_EQ(p->subject, "c-17");
  EXPECT_EQ(p->ToString(), "coach:c-17");
}

TEST(DevTokenAuthenticator, RejectsMalformedTokens) {
  auto auth = NewDevTokenAuthenticator();
  for (const char* token : {"", "dev", "dev.coach", "dev.coach.", "prod.coach.x", "dev.king.x"}) {
    auto p = auth->Authenticate(token);
    EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated) << token;
  }
}

TEST(PolicyTable, StandardServicesArePublicAndUnknownMethodsDenied) {
  PolicyTable policy;
  EXPECT_TRUE(policy.Authorize("/grpc.health.v1.Health/Check", nullptr).ok());
  Principal pl{Role::kProjectLeader, "pl"};
  EXPECT_EQ(policy.Authorize("/x.v1.X/Unknown", &pl).code(), absl::StatusCode::kUnimplemented);
}

TEST(PolicyTable, RolesAreChecked) {
  PolicyTable policy;
  policy.Allow("/x.v1.X/Do", {Role::kProjectLeader});
  Principal pl{Role::kProjectLeader, "pl"};
  Principal school{Role::kSchool, "00AH"};
  EXPECT_TRUE(policy.Authorize("/x.v1.X/Do", &pl).ok());
  EXPECT_EQ(policy.Authorize("/x.v1.X/Do", &school).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(policy.Authorize("/x.v1.X/Do", nullptr).code(), absl::StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace lv::platform
