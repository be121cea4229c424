#pragma once

// The only place reporting-svc speaks SQL: applying feed events to the read model and loading it.

#include "lerenverbeteren/coaching/v1/events.pb.h"
#include "lerenverbeteren/inspection/v1/events.pb.h"
#include "lerenverbeteren/intake/v1/events.pb.h"
#include "platform/database.h"
#include "reporting-svc/report.h"

namespace lv::reporting {

// What a transparency statement is computed from.
struct StatementInputs {
  lerenverbeteren::coaching::v1::Trajectory trajectory;
  std::vector<lerenverbeteren::coaching::v1::LedgerEntry> ledger;  // in ledger order
  std::vector<lerenverbeteren::coaching::v1::Session> sessions;
};

class ReportingStore {
 public:
  static void UpsertTrajectory(soci::session& sql,
                               const lerenverbeteren::coaching::v1::Trajectory& t, bool opened);
  static void UpsertVerdict(soci::session& sql, const std::string& department,
                            const lerenverbeteren::inspection::v1::Verdict& verdict);
  static void UpsertRiskSignal(soci::session& sql, const std::string& department,
                               const common::Date& day);
  static void UpsertCoach(soci::session& sql, const lerenverbeteren::intake::v1::Coach& coach);
  static void UpsertSession(soci::session& sql, const std::string& trajectory_id,
                            const lerenverbeteren::coaching::v1::Session& s);
  static void InsertLedger(soci::session& sql, const std::string& trajectory_id,
                           const lerenverbeteren::coaching::v1::LedgerEntry& e);
  static void UpsertEvaluation(soci::session& sql, const std::string& trajectory_id,
                               const lerenverbeteren::coaching::v1::Evaluation& e);
  static void UpsertOutreach(soci::session& sql,
                             const lerenverbeteren::intake::v1::OutreachEntry& e);
  static void MarkOutreachRegistered(soci::session& sql, const std::string& department,
                                     const std::string& registration);
  static ReadModel Load(soci::session& sql);
  static std::optional<StatementInputs> LoadStatementInputs(soci::session& sql,
                                                            const std::string& trajectory_id);
};

}  // namespace lv::reporting
