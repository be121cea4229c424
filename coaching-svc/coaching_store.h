#pragma once

// The only place coaching-svc speaks SQL. Methods take the session (or transaction) to run on.

#include <optional>
#include <string>
#include <vector>

#include "lerenverbeteren/coaching/v1/coaching_service.pb.h"
#include "platform/database.h"

namespace lv::coaching {

namespace pb = ::lerenverbeteren::coaching::v1;
namespace common = ::lerenverbeteren::common::v1;

struct TrajectoryFilter {
  std::vector<pb::TrajectoryState> states;
  std::string coach;
  std::string school_brin;
};

class CoachingStore {
 public:
  // Serializes writers of one trajectory (PostgreSQL row lock; SQLite has one writer anyway).
  static void LockTrajectory(platform::Transaction& tx, const std::string& id);

  static std::optional<pb::Trajectory> GetTrajectory(soci::session& sql, const std::string& id);
  static std::optional<std::string> FindByMatch(soci::session& sql, const std::string& match_id);
  static void InsertTrajectory(soci::session& sql, const std::string& id, const pb::Trajectory& t,
                               absl::Time now);
  static void UpdateTrajectory(soci::session& sql, const std::string& id, const pb::Trajectory& t,
                               absl::Time now);
  // Newest first; `before_open_us`/`before_id` page through.
  static std::vector<pb::Trajectory> ListTrajectories(soci::session& sql, const TrajectoryFilter& f,
                                                      int64_t before_open_us,
                                                      const std::string& before_id, int limit);
  static std::vector<std::string> TrajectoriesOfDepartment(soci::session& sql,
                                                           const std::string& department);
  static std::vector<pb::Trajectory> DueAftercare(soci::session& sql,
                                                  const std::string& until_date);

  static std::vector<pb::LedgerEntry> Ledger(soci::session& sql, const std::string& id);
  // The ledger summed per pot and kind in SQL: the same totals as Ledger(), one row per group, so
  // a session's write does not read every entry the trajectory ever had.
  static std::vector<pb::LedgerEntry> LedgerTotals(soci::session& sql, const std::string& id);
  // Appends entries (names and sequence numbers assigned here) and returns them as stored.
  static std::vector<pb::LedgerEntry> AppendLedger(soci::session& sql, const std::string& id,
                                                   std::vector<pb::LedgerEntry> entries,
                                                   absl::Time now);

  static std::optional<pb::Session> GetSession(soci::session& sql, const std::string& id,
                                               int64_t seq);
  static std::optional<pb::Session> FindSessionByRequest(soci::session& sql, const std::string& id,
                                                         const std::string& request_id);
  static int64_t NextSessionSeq(soci::session& sql, const std::string& id);
  static void InsertSession(soci::session& sql, const std::string& id, int64_t seq,
                            const std::string& request_id, const pb::Session& s, absl::Time now);
  static void UpdateSession(soci::session& sql, const std::string& id, int64_t seq,
                            const pb::Session& s);
  // Oldest first.
  static std::vector<pb::Session> ListSessions(soci::session& sql, const std::string& id,
                                               int64_t after_seq, int limit);

  static void UpsertEvaluation(soci::session& sql, const std::string& id, const pb::Evaluation& e,
                               absl::Time now);

  // Running trajectories (opened up to closing), for deadline lists.
  static std::vector<pb::Trajectory> RunningTrajectories(soci::session& sql);

  static int64_t NextGoalSeq(soci::session& sql, const std::string& id);
  static void SaveGoal(soci::session& sql, const std::string& id, int64_t seq, const pb::Goal& goal,
                       bool insert);
  static std::optional<pb::Goal> GetGoal(soci::session& sql, const std::string& id, int64_t seq);
  static std::vector<pb::Goal> ListGoals(soci::session& sql, const std::string& id);
  // Goals with a deadline before `today` ("YYYY-MM-DD") that are not achieved or dropped.
  static std::vector<pb::Goal> OverdueGoals(soci::session& sql, const std::string& today);

  // Adds an intervention and its full-text entry (FTS5 on SQLite, tsvector on PostgreSQL).
  static void InsertIntervention(platform::Transaction& tx, const std::string& trajectory_id,
                                 pb::Intervention& intervention, absl::Time now);
  struct InterventionQuery {
    std::vector<std::string> words;  // all must match (prefixes on SQLite, stems on PostgreSQL)
    common::SupportTheme theme = common::SUPPORT_THEME_UNSPECIFIED;
    common::SchoolType school_type = common::SCHOOL_TYPE_UNSPECIFIED;
    common::TrajectoryCategory category = common::TRAJECTORY_CATEGORY_UNSPECIFIED;
    pb::InterventionOutcome outcome = pb::INTERVENTION_OUTCOME_UNSPECIFIED;
    int limit = 20;
  };
  static std::vector<pb::Intervention> SearchInterventions(soci::session& sql,
                                                           platform::Dialect dialect,
                                                           const InterventionQuery& query);

  static std::optional<std::string> FindHandledRequest(soci::session& sql,
                                                       const std::string& request_id);
  static void InsertHandledRequest(soci::session& sql, const std::string& request_id,
                                   const std::string& resource, absl::Time now);
};

}  // namespace lv::coaching
