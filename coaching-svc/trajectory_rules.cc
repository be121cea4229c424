#include "coaching-svc/trajectory_rules.h"

#include "absl/strings/str_cat.h"

namespace lv::coaching {
namespace {

int Rank(common::TrajectoryCategory c) {
  switch (c) {
    case common::TRAJECTORY_CATEGORY_VERY_WEAK:
      return 3;
    case common::TRAJECTORY_CATEGORY_INSUFFICIENT:
      return 2;
    case common::TRAJECTORY_CATEGORY_RISK:
      return 1;
    default:
      return 0;
  }
}

}  // namespace

absl::Status CheckTransition(pb::TrajectoryState from, pb::TrajectoryState to) {
  using S = pb::TrajectoryState;
  bool ok = false;
  switch (from) {
    case S::TRAJECTORY_STATE_OPENED:
      ok = to == S::TRAJECTORY_STATE_IN_REVIEW || to == S::TRAJECTORY_STATE_ACTIVE ||
           to == S::TRAJECTORY_STATE_CLOSING;
      break;
    case S::TRAJECTORY_STATE_IN_REVIEW:
      ok = to == S::TRAJECTORY_STATE_ACTIVE || to == S::TRAJECTORY_STATE_CLOSING;
      break;
    case S::TRAJECTORY_STATE_ACTIVE:
    case S::TRAJECTORY_STATE_EXTENDED:
      ok = to == S::TRAJECTORY_STATE_EXTENDED || to == S::TRAJECTORY_STATE_CLOSING;
      break;
    case S::TRAJECTORY_STATE_CLOSING:
      ok = to == S::TRAJECTORY_STATE_ACTIVE || to == S::TRAJECTORY_STATE_EXTENDED ||
           to == S::TRAJECTORY_STATE_CLOSED;
      break;
    case S::TRAJECTORY_STATE_CLOSED:
      ok = to == S::TRAJECTORY_STATE_AFTERCARE || to == S::TRAJECTORY_STATE_FINISHED;
      break;
    case S::TRAJECTORY_STATE_AFTERCARE:
      ok = to == S::TRAJECTORY_STATE_FINISHED;
      break;
    default:
      break;
  }
  if (ok) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("a trajectory in state ", pb::TrajectoryState_Name(from), " cannot move to ",
                   pb::TrajectoryState_Name(to)));
}

bool AcceptsSessions(pb::TrajectoryState s) {
  return s == pb::TRAJECTORY_STATE_OPENED || s == pb::TRAJECTORY_STATE_IN_REVIEW ||
         s == pb::TRAJECTORY_STATE_ACTIVE || s == pb::TRAJECTORY_STATE_EXTENDED ||
         s == pb::TRAJECTORY_STATE_CLOSING || s == pb::TRAJECTORY_STATE_AFTERCARE;
}

bool IsWeak(common::Verdict v) {
  return v == common::VERDICT_VERY_WEAK || v == common::VERDICT_INSUFFICIENT ||
         v == common::VERDICT_WEAK;
}

common::TrajectoryCategory CategoryFor(const pb::Trajectory& t) {
  common::TrajectoryCategory c = common::TRAJECTORY_CATEGORY_RISK;
  for (const auto& d : t.departments()) {
    if (d.verdict() == common::VERDICT_VERY_WEAK) return common::TRAJECTORY_CATEGORY_VERY_WEAK;
    if (d.verdict() == common::VERDICT_INSUFFICIENT || d.verdict() == common::VERDICT_WEAK) {
      c = common::TRAJECTORY_CATEGORY_INSUFFICIENT;
    }
  }
  return c;
}

bool Stricter(common::TrajectoryCategory category, common::TrajectoryCategory than) {
  return Rank(category) > Rank(than);
}

}  // namespace lv::coaching
