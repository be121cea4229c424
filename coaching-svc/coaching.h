#pragma once

// coaching-svc's use cases: a trajectory's life, its entitlement ledger, sessions and what the
// school sees. Decides transactions and events; storage only through CoachingStore; no gRPC.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "coaching-svc/coaching_store.h"
#include "coaching-svc/entitlement.h"
#include "lerenverbeteren/coaching/v1/coaching_service.pb.h"
#include "lerenverbeteren/common/v1/change_feed.pb.h"
#include "platform/auth.h"
#include "platform/clock.h"
#include "platform/database.h"

namespace lv::coaching {

struct Actor {
  platform::Principal principal;
  std::string request_id;
};

class Coaching {
 public:
  Coaching(platform::Database* db, platform::Clock* clock, pb::EntitlementPolicy policy)
      : db_(db), clock_(clock), policy_(std::move(policy)) {}

  const pb::EntitlementPolicy& policy() const { return policy_; }

  // Idempotent on match_id: a second call with the same id returns the first trajectory.
  absl::StatusOr<pb::Trajectory> OpenTrajectory(const pb::OpenTrajectoryRequest& request,
                                                const Actor& actor);
  // Row-level rules: a coach sees the trajectories they are or were on, a school its own.
  absl::StatusOr<pb::Trajectory> GetTrajectory(const std::string& id,
                                               const platform::Principal& viewer);
  absl::StatusOr<std::vector<pb::Trajectory>> ListTrajectories(TrajectoryFilter filter,
                                                               const std::string& page_token,
                                                               int page_size,
                                                               const platform::Principal& viewer,
                                                               std::string* next_page_token);
  absl::StatusOr<pb::Trajectory> Transition(const std::string& id, pb::TrajectoryState to,
                                            common::ImprovementStep step, const std::string& reason,
                                            const Actor& actor);
  absl::StatusOr<pb::Trajectory> HandOver(const std::string& id, const std::string& new_coach,
                                          const std::string& reason, const Actor& actor);
  absl::StatusOr<pb::Trajectory> Extend(const std::string& id, const std::string& reason,
                                        std::optional<int64_t> half_steps,
                                        const std::string& request_id, const Actor& actor);
  absl::StatusOr<pb::Trajectory> Close(const std::string& id,
                                       const pb::ClosureAssessment& assessment, const Actor& actor);
  absl::StatusOr<pb::Trajectory> CompleteAftercare(const std::string& id,
                                                   const std::string& outcome, const Actor& actor);
  absl::StatusOr<std::vector<pb::Trajectory>> ListDueAftercare(int within_days);

  absl::StatusOr<pb::Session> LogSession(const std::string& id, pb::Session session,
                                         const std::string& request_id,
                                         const std::string& overrun_approval, const Actor& actor);
  absl::StatusOr<pb::Session> CorrectSession(const std::string& id, int64_t seq,
                                             const pb::Session& corrected,
                                             const std::string& reason,
                                             const std::string& overrun_approval,
                                             const Actor& actor);
  absl::StatusOr<pb::Session> CancelSession(const std::string& id, int64_t seq,
                                            const std::string& reason, const Actor& actor);
  absl::StatusOr<std::vector<pb::Session>> ListSessions(const std::string& id, int64_t after_seq,
                                                        int limit,
                                                        const platform::Principal& viewer);
  absl::StatusOr<std::vector<pb::LedgerEntry>> Ledger(const std::string& id,
                                                      const platform::Principal& viewer);
  absl::StatusOr<pb::TransparencyStatement> Statement(const std::string& id,
                                                      const platform::Principal& viewer);
  absl::StatusOr<pb::Evaluation> SubmitEvaluation(const std::string& id, pb::Evaluation evaluation,
                                                  const Actor& actor);

  absl::StatusOr<pb::Trajectory> RecordReview(const std::string& id, const pb::Review& review,
                                              const Actor& actor);
  absl::StatusOr<pb::Trajectory> RecordProgressTalk(const std::string& id,
                                                    const pb::ProgressTalk& talk,
                                                    const Actor& actor);
  absl::StatusOr<std::vector<pb::DueRestoration>> ListDueRestorations(
      int within_days, const platform::Principal& viewer);

  absl::StatusOr<pb::Goal> CreateGoal(const std::string& id, pb::Goal goal, const Actor& actor);
  absl::StatusOr<pb::Goal> RecordMeasurement(const std::string& id, int64_t seq,
                                             pb::Measurement measurement, pb::GoalStatus status,
                                             const Actor& actor);
  absl::StatusOr<std::vector<pb::Goal>> ListGoals(const std::string& id,
                                                  const platform::Principal& viewer);
  absl::StatusOr<std::vector<pb::Goal>> ListOverdueGoals(const platform::Principal& viewer);

  absl::StatusOr<pb::Intervention> LogIntervention(const std::string& id,
                                                   pb::Intervention intervention,
                                                   const Actor& actor);
  absl::StatusOr<std::vector<pb::Intervention>> SearchInterventions(
      const CoachingStore::InterventionQuery& query);

  // Applies one inspection-feed event inside the consumer's transaction: keeps the departments'
  // verdicts current, moves the category (with its extra grant) when a verdict gets stricter
  // during support, and marks a closed trajectory relapsed when a department is judged weak again.
  absl::Status ApplyInspectionEvent(platform::Transaction& tx,
                                    const lerenverbeteren::common::v1::ChangeEvent& event);

 private:
  // One change of one trajectory: load under its lock, check the actor (when asked), apply, save
  // and publish `event_type` with the grants the change wrote and its reason.
  using TrajectoryChange =
      std::function<absl::Status(platform::Transaction&, pb::Trajectory&,
                                 std::vector<pb::LedgerEntry>* grants, std::string* reason)>;
  absl::StatusOr<pb::Trajectory> Mutate(const std::string& id, const Actor& actor, bool check_actor,
                                        absl::string_view event_type,
                                        const TrajectoryChange& change);
  // Loads a trajectory under its lock for a change; NOT_FOUND when missing.
  absl::StatusOr<pb::Trajectory> LoadForUpdate(platform::Transaction& tx, const std::string& id);
  absl::Time Now() const { return clock_->Now(); }
  absl::CivilDay Today() const;
  void Save(platform::Transaction& tx, const std::string& id, pb::Trajectory& t,
            absl::string_view event_type, const std::vector<pb::LedgerEntry>& entries,
            absl::string_view reason);
  absl::StatusOr<std::vector<pb::LedgerEntry>> PlanSession(
      platform::Transaction& tx, const std::string& id, const pb::Trajectory& t,
      const pb::Session& session, std::vector<pb::LedgerEntry> ledger, const std::string& approval,
      const Actor& actor);

  platform::Database* db_;
  platform::Clock* clock_;
  pb::EntitlementPolicy policy_;
};

}  // namespace lv::coaching
