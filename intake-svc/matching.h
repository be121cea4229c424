#pragma once

// Matching a process coach to a registration: hard rules that exclude a coach, a weighted score
// with its breakdown, and the exact assignment of many registrations at once. Pure.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "lerenverbeteren/intake/v1/intake_service.pb.h"

namespace lv::intake {

namespace pb = ::lerenverbeteren::intake::v1;
namespace common = ::lerenverbeteren::common::v1;

// Weights of the criteria; configuration (--matching_weights), not code.
struct MatchingWeights {
  double theme_fit = 0.35;
  double school_type_experience = 0.20;
  double free_capacity = 0.15;
  double region = 0.10;
  double continuity = 0.10;
  double workload_balance = 0.10;
};
// Parses "theme_fit=0.4,region=0.2,..." over the defaults; unknown names and negatives are errors.
absl::StatusOr<MatchingWeights> ParseWeights(const std::string& text);

// What matching needs to know of a registration.
struct MatchRequest {
  std::string registration;  // registrations/{id}
  std::string school_brin;
  std::string board_number;
  std::string region;
  std::vector<common::SupportTheme> themes;
  std::vector<common::SchoolType> school_types;
  // Coaches who supported these departments before (continuity).
  std::vector<std::string> earlier_coaches;
};

// A coach with their current load.
struct CoachLoad {
  pb::Coach coach;  // name = coaches/{id}
  int active_trajectories = 0;
};

struct Evaluation {
  bool excluded = false;
  pb::CoachExclusion exclusion;
  pb::CoachSuggestion suggestion;
};

// The rules and the score of one coach for one registration, on `today` (absences: a coach away
// in the coming week cannot make the first visit).
Evaluation EvaluateCoach(const MatchRequest& request, const CoachLoad& coach,
                         const MatchingWeights& weights, int max_active_of_all,
                         absl::CivilDay today);

// Ranks every coach: suggestions best first (ties by name), exclusions with their rule.
pb::SuggestCoachesResponse RankCoaches(const MatchRequest& request,
                                       const std::vector<CoachLoad>& coaches,
                                       const MatchingWeights& weights, absl::CivilDay today,
                                       int limit);

// Assigns registrations to coaches maximising the total score, each coach taking at most
// (max_trajectories - active) of them: min-cost flow by successive shortest paths (Bellman-Ford
// potentials, then Dijkstra). Registrations left over get a reason.
pb::ProposeAssignmentsResponse ProposeAssignments(const std::vector<MatchRequest>& requests,
                                                  const std::vector<CoachLoad>& coaches,
                                                  const MatchingWeights& weights,
                                                  absl::CivilDay today);

}  // namespace lv::intake
