#pragma once

// The trajectory lifecycle and its category. Pure.

#include "absl/status/status.h"
#include "lerenverbeteren/coaching/v1/coaching_service.pb.h"

namespace lv::coaching {

namespace pb = ::lerenverbeteren::coaching::v1;
namespace common = ::lerenverbeteren::common::v1;

// OK when a trajectory may move from `from` to `to`; FAILED_PRECONDITION naming both otherwise.
//   OPENED -> IN_REVIEW | ACTIVE | CLOSING        IN_REVIEW -> ACTIVE | CLOSING
//   ACTIVE, EXTENDED -> EXTENDED (extension) | CLOSING
//   CLOSING -> ACTIVE (not ready after all) | EXTENDED (extension) | CLOSED (closure assessment)
//   CLOSED -> AFTERCARE | FINISHED                AFTERCARE -> FINISHED
absl::Status CheckTransition(pb::TrajectoryState from, pb::TrajectoryState to);

// Sessions may be logged while support runs (opened up to closing) and during aftercare.
bool AcceptsSessions(pb::TrajectoryState state);

// The strictest verdict of the departments: very weak > insufficient (incl. weak) > risk.
common::TrajectoryCategory CategoryFor(const pb::Trajectory& trajectory);

// True when `category` is stricter than `than`.
bool Stricter(common::TrajectoryCategory category, common::TrajectoryCategory than);

// A verdict that counts as weak for relapse: very weak, insufficient or weak.
bool IsWeak(common::Verdict verdict);

}  // namespace lv::coaching
