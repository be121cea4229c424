#pragma once

// The only place intake-svc speaks SQL.

#include <optional>
#include <string>
#include <vector>

#include "lerenverbeteren/intake/v1/intake_service.pb.h"
#include "platform/database.h"

namespace lv::intake {

namespace pb = ::lerenverbeteren::intake::v1;
namespace common = ::lerenverbeteren::common::v1;

// A department as inspection-svc's feed describes it.
struct KnownDepartment {
  std::string department;  // departments/{id}
  std::string brin;
  common::SchoolType school_type = common::SCHOOL_TYPE_UNSPECIFIED;
  std::string board_number;
  std::string region;
  common::Verdict verdict = common::VERDICT_UNSPECIFIED;
  bool established = false;
  std::string verdict_date;  // YYYY-MM-DD
  common::RiskSignalKind risk_signal = common::RISK_SIGNAL_KIND_UNSPECIFIED;
  std::string risk_date;
  bool supported_before = false;
  bool possible_relapse = false;
};

class IntakeStore {
 public:
  static void LockRegistration(platform::Transaction& tx, const std::string& id);

  static std::optional<pb::Registration> GetRegistration(soci::session& sql, const std::string& id);
  static std::optional<std::string> FindRegistrationByRequest(soci::session& sql,
                                                              const std::string& request_id);
  static void SaveRegistration(soci::session& sql, const std::string& id, const pb::Registration& r,
                               const std::string& request_id, absl::Time now, bool insert);
  static std::vector<pb::Registration> ListRegistrations(soci::session& sql,
                                                         const std::vector<int>& states,
                                                         int64_t before_us,
                                                         const std::string& before_id, int limit);
  // Registrations naming the department, any state.
  static std::vector<pb::Registration> RegistrationsOfDepartment(soci::session& sql,
                                                                 const std::string& department);
  // Trajectories per coach through intake (matched or opened).
  static int ActiveTrajectories(soci::session& sql, const std::string& coach);

  static std::optional<pb::Coach> GetCoach(soci::session& sql, const std::string& id);
  static void SaveCoach(soci::session& sql, const std::string& id, const pb::Coach& c, bool insert);
  static std::vector<pb::Coach> ListCoaches(soci::session& sql, bool include_inactive);

  static std::optional<KnownDepartment> GetKnown(soci::session& sql, const std::string& department);
  static std::vector<KnownDepartment> KnownOfSchool(soci::session& sql, const std::string& brin);
  static std::vector<KnownDepartment> KnownWeak(soci::session& sql);
  // Departments with a notice or warning, or flagged as a possible relapse.
  static std::vector<KnownDepartment> KnownAtRisk(soci::session& sql);
  static void UpsertKnown(soci::session& sql, const KnownDepartment& d);

  static std::optional<pb::OutreachEntry> GetOutreach(soci::session& sql,
                                                      const std::string& department);
  static void SaveOutreach(soci::session& sql, const std::string& department,
                           const pb::OutreachEntry& e);
};

}  // namespace lv::intake
