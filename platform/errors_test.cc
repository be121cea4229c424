#include "platform/errors.h"

#include "gtest/gtest.h"

namespace lv::platform {
namespace {

TEST(Errors, FieldViolationsSurviveTheGrpcEdge) {
  FieldErrors errors;
  errors.Add("department.brin", "must be 4 characters");
  errors.Add("half_days", "must be a multiple of 0.5");
  absl::Status status = errors.ToStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  grpc::Status wire = ToGrpcStatus(status);
  EXPECT_EQ(wire.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_FALSE(wire.error_details().empty());
  absl::Status back = FromGrpcStatus(wire);
  auto violations = FieldViolations(back);
  ASSERT_EQ(violations.size(), 2u);
  EXPECT_EQ(violations[0].first, "department.brin");
  EXPECT_EQ(violations[1].second, "must be a multiple of 0.5");
}

TEST(Errors, CodesMapOneToOne) {
  for (int c = 0; c <= 16; ++c) {
    absl::Status s(static_cast<absl::StatusCode>(c), c == 0 ? "" : "x");
    EXPECT_EQ(static_cast<int>(ToGrpcStatus(s).error_code()), c);
  }
}

}  // namespace
}  // namespace lv::platform
