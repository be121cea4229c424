#pragma once

// intake-svc's use cases: registration to opened trajectory, the coach registry and matching,
// outreach and early warning fed by inspection-svc's feed. No gRPC, no SQL here.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "intake-svc/intake_store.h"
#include "intake-svc/matching.h"
#include "lerenverbeteren/coaching/v1/coaching_service.pb.h"
#include "lerenverbeteren/common/v1/change_feed.pb.h"
#include "lerenverbeteren/intake/v1/intake_service.pb.h"
#include "platform/auth.h"
#include "platform/clock.h"
#include "platform/database.h"

namespace lv::intake {

struct Actor {
  platform::Principal principal;
  std::string request_id;
};

// coaching-svc as intake needs it; the service layer implements it over gRPC.
class TrajectoryPort {
 public:
  virtual ~TrajectoryPort() = default;
  // Idempotent by the request's match_id; returns the trajectory's name.
  virtual absl::StatusOr<std::string> Open(
      const lerenverbeteren::coaching::v1::OpenTrajectoryRequest& request) = 0;
  virtual absl::Status HandOver(const std::string& trajectory, const std::string& new_coach,
                                const std::string& reason) = 0;
};

struct IntakeSettings {
  MatchingWeights weights;
  int intake_target_days = 14;  // first contact -> intake
  int match_target_days = 7;    // intake -> match ("a visit within a week if possible")
};

class Intake {
 public:
  Intake(platform::Database* db, platform::Clock* clock, TrajectoryPort* trajectories,
         IntakeSettings settings)
      : db_(db), clock_(clock), trajectories_(trajectories), settings_(std::move(settings)) {}

  absl::StatusOr<pb::Registration> CreateRegistration(const pb::Registration& registration,
                                                      const std::string& request_id,
                                                      const Actor& actor);
  absl::StatusOr<pb::Registration> GetRegistration(const std::string& id,
                                                   const platform::Principal& viewer);
  absl::StatusOr<std::vector<pb::Registration>> ListRegistrations(const std::vector<int>& states,
                                                                  const std::string& page_token,
                                                                  int page_size,
                                                                  const platform::Principal& viewer,
                                                                  std::string* next_page_token);
  absl::StatusOr<pb::Registration> PlanIntake(const std::string& id, const common::Date& date,
                                              const Actor& actor);
  absl::StatusOr<pb::Registration> RecordIntake(const std::string& id,
                                                const pb::IntakeRecord& intake,
                                                const std::vector<std::string>& accept_flanking,
                                                const Actor& actor);
  absl::StatusOr<pb::Registration> CloseRegistration(const std::string& id,
                                                     pb::RegistrationState to,
                                                     pb::DeclineReason reason,
                                                     const std::string& note, const Actor& actor);

  absl::StatusOr<pb::Coach> CreateCoach(const std::string& id, pb::Coach coach, const Actor& actor);
  absl::StatusOr<pb::Coach> UpdateCoach(pb::Coach coach, const Actor& actor);
  absl::StatusOr<pb::Coach> GetCoach(const std::string& id);
  absl::StatusOr<std::vector<pb::Coach>> ListCoaches(bool include_inactive);

  absl::StatusOr<pb::SuggestCoachesResponse> SuggestCoaches(const std::string& id, int limit,
                                                            const std::string& review_partner_of);
  absl::StatusOr<pb::Registration> ConfirmMatch(const std::string& id, const std::string& coach,
                                                const Actor& actor);
  absl::StatusOr<pb::Registration> Rematch(const std::string& id, const std::string& new_coach,
                                           const std::string& reason, const Actor& actor);
  absl::StatusOr<pb::ProposeAssignmentsResponse> ProposeAssignments();

  absl::StatusOr<std::vector<pb::OutreachEntry>> ListOutreach(bool include_declined);
  absl::StatusOr<pb::OutreachEntry> RecordOutreachContact(const std::string& department,
                                                          const std::string& note,
                                                          pb::DeclineReason decline,
                                                          const Actor& actor);
  absl::StatusOr<std::vector<pb::EarlyWarning>> ListEarlyWarnings();
  absl::StatusOr<std::vector<pb::ServiceLevelBreach>> ListServiceLevelBreaches();

  // Keeps the read model of inspection-svc's departments; flags possible relapses.
  absl::Status ApplyInspectionEvent(platform::Transaction& tx,
                                    const lerenverbeteren::common::v1::ChangeEvent& event);

 private:
  absl::StatusOr<pb::Registration> Change(
      const std::string& id, const Actor& actor, absl::string_view event_type,
      const std::function<absl::Status(platform::Transaction&, pb::Registration&)>& change);
  absl::StatusOr<MatchRequest> MatchRequestFor(soci::session& sql, const pb::Registration& r);
  absl::StatusOr<std::vector<CoachLoad>> CoachLoads(soci::session& sql);
  absl::CivilDay Today() const;

  platform::Database* db_;
  platform::Clock* clock_;
  TrajectoryPort* trajectories_;
  IntakeSettings settings_;
};

}  // namespace lv::intake
