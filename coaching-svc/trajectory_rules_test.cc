#include "coaching-svc/trajectory_rules.h"

#include <set>

#include "gtest/gtest.h"

namespace lv::coaching {
namespace {

TEST(Lifecycle, EveryIllegalTransitionIsRejected) {
  using S = pb::TrajectoryState;
  const std::set<std::pair<S, S>> legal = {
      {S::TRAJECTORY_STATE_OPENED, S::TRAJECTORY_STATE_IN_REVIEW},
      {S::TRAJECTORY_STATE_OPENED, S::TRAJECTORY_STATE_ACTIVE},
      {S::TRAJECTORY_STATE_OPENED, S::TRAJECTORY_STATE_CLOSING},
      {S::TRAJECTORY_STATE_IN_REVIEW, S::TRAJECTORY_STATE_ACTIVE},
      {S::TRAJECTORY_STATE_IN_REVIEW, S::TRAJECTORY_STATE_CLOSING},
      {S::TRAJECTORY_STATE_ACTIVE, S::TRAJECTORY_STATE_EXTENDED},
      {S::TRAJECTORY_STATE_ACTIVE, S::TRAJECTORY_STATE_CLOSING},
      {S::TRAJECTORY_STATE_EXTENDED, S::TRAJECTORY_STATE_EXTENDED},
      {S::TRAJECTORY_STATE_EXTENDED, S::TRAJECTORY_STATE_CLOSING},
      {S::TRAJECTORY_STATE_CLOSING, S::TRAJECTORY_STATE_ACTIVE},
      {S::TRAJECTORY_STATE_CLOSING, S::TRAJECTORY_STATE_EXTENDED},
      {S::TRAJECTORY_STATE_CLOSING, S::TRAJECTORY_STATE_CLOSED},
      {S::TRAJECTORY_STATE_CLOSED, S::TRAJECTORY_STATE_AFTERCARE},
      {S::TRAJECTORY_STATE_CLOSED, S::TRAJECTORY_STATE_FINISHED},
      {S::TRAJECTORY_STATE_AFTERCARE, S::TRAJECTORY_STATE_FINISHED},
  };
  for (int from = 1; from <= 8; ++from) {
    for (int to = 1; to <= 8; ++to) {
      const auto f = static_cast<S>(from), t = static_cast<S>(to);
      absl::Status s = CheckTransition(f, t);
      EXPECT_EQ(s.ok(), legal.count({f, t}) == 1)
          << pb::TrajectoryState_Name(f) << " -> " << pb::TrajectoryState_Name(t);
      if (!s.ok()) EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
    }
  }
  EXPECT_FALSE(AcceptsSessions(S::TRAJECTORY_STATE_CLOSED));
  EXPECT_FALSE(AcceptsSessions(S::TRAJECTORY_STATE_FINISHED));
  EXPECT_TRUE(AcceptsSessions(S::TRAJECTORY_STATE_CLOSING));
}

TEST(Category, TheStrictestVerdictDecides) {
  pb::Trajectory t;
  t.add_departments()->set_verdict(common::VERDICT_SUFFICIENT);  // a risk department
  EXPECT_EQ(CategoryFor(t), common::TRAJECTORY_CATEGORY_RISK);
  t.add_departments()->set_verdict(common::VERDICT_WEAK);  // pre-2017 weak counts as insufficient
  EXPECT_EQ(CategoryFor(t), common::TRAJECTORY_CATEGORY_INSUFFICIENT);
  t.add_departments()->set_verdict(common::VERDICT_VERY_WEAK);
  EXPECT_EQ(CategoryFor(t), common::TRAJECTORY_CATEGORY_VERY_WEAK);
  EXPECT_TRUE(Stricter(common::TRAJECTORY_CATEGORY_VERY_WEAK, common::TRAJECTORY_CATEGORY_RISK));
  EXPECT_FALSE(Stricter(common::TRAJECTORY_CATEGORY_RISK, common::TRAJECTORY_CATEGORY_RISK));
}

}  // namespace
}  // namespace lv::coaching
