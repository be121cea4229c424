#pragma once

// The only place inspection-svc speaks SQL. Every method takes the session to run on, so the
// domain decides transaction boundaries (Database::Write) and several calls share one.

#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "inspection-svc/verdict_rules.h"
#include "lerenverbeteren/inspection/v1/inspection_service.pb.h"
#include "platform/database.h"

namespace lv::inspection {

namespace pb = ::lerenverbeteren::inspection::v1;

// A department's registry fields and where its history stands, as imports and pushes need it.
struct KnownDepartment {
  pb::Department department;  // registry fields only; current_verdict unset
  int64_t next_seq = 1;
  int64_t current_seq = 0;
  common::Verdict current_value = common::VERDICT_UNSPECIFIED;
  std::string current_effective_date;  // "YYYY-MM-DD" or ""
  struct Record {
    int64_t seq;
    std::string fingerprint;
  };
  // The newest record per investigation number.
  absl::flat_hash_map<std::string, Record> by_investigation;
};

struct KnownState {
  absl::flat_hash_map<std::string, KnownDepartment> departments;
  absl::flat_hash_map<std::string, pb::Board> boards;
  absl::flat_hash_map<std::string, std::string> board_verdicts;
};

struct DepartmentFilter {
  std::vector<common::Verdict> verdicts;
  common::RiskSignalKind risk_signal = common::RISK_SIGNAL_KIND_UNSPECIFIED;
  std::string board_number;
  common::SchoolType school_type = common::SCHOOL_TYPE_UNSPECIFIED;
  std::string region;
  std::string brin;
  bool show_closed = false;
};

class InspectionStore {
 public:
  // Serializes the service's writers on PostgreSQL (SQLite writers are serialized already), so
  // an import or push plans against a state nobody changes underneath it.
  static void LockForWrite(platform::Transaction& tx);

  static absl::StatusOr<KnownState> LoadKnownState(soci::session& sql);
  static absl::StatusOr<std::optional<KnownDepartment>> LoadKnownDepartment(soci::session& sql,
                                                                            const std::string& id);

  static std::optional<pb::Department> GetDepartment(soci::session& sql, const std::string& id);
  static std::vector<pb::Department> ListDepartments(soci::session& sql,
                                                     const DepartmentFilter& filter,
                                                     const std::string& after_id, int limit,
                                                     int* total);
  // Departments whose current verdict is one of `values`, with their current verdict.
  static std::vector<pb::Department> ListByCurrentVerdict(
      soci::session& sql, const std::vector<common::Verdict>& values);

  static std::optional<pb::Verdict> GetVerdict(soci::session& sql, const std::string& department_id,
                                               int64_t seq);
  // Newest first.
  static std::vector<pb::Verdict> ListVerdicts(soci::session& sql, const std::string& department_id,
                                               int64_t before_seq, int limit);
  // The newest record pushed with this source id, as (department id, seq).
  static std::optional<std::pair<std::string, int64_t>> FindVerdictBySource(
      soci::session& sql, pb::RecordSource source, const std::string& source_record_id);
  static std::vector<TimelineEntry> LoadTimeline(soci::session& sql);

  static std::optional<pb::RiskSignal> FindRiskSignalBySource(soci::session& sql,
                                                              const std::string& source_record_id);
  static std::vector<pb::RiskSignal> ListRiskSignals(soci::session& sql,
                                                     const std::string& department_id);
  static void InsertRiskSignal(soci::session& sql, const std::string& department_id,
                               const std::string& id, const pb::RiskSignal& signal, absl::Time now);
  static void SetRiskSignal(soci::session& sql, const std::string& department_id,
                            common::RiskSignalKind kind, absl::Time now);

  static void UpdateVerdictRecord(soci::session& sql, const std::string& department_id, int64_t seq,
                                  const pb::Verdict& verdict);
  static void CloseDepartment(soci::session& sql, const std::string& id, const std::string& reason,
                              absl::Time now);
  static void UpdateRegion(soci::session& sql, const std::string& id, const std::string& region,
                           absl::Time now);

  static void UpsertBoard(soci::session& sql, const pb::Board& board,
                          const std::string& verdict_text, const std::string& sectors,
                          absl::Time now);

  static void InsertImportRun(soci::session& sql, const pb::ImportRun& run, absl::Time start);
  static std::optional<pb::ImportRun> GetImportRun(soci::session& sql, const std::string& id);
  static std::vector<pb::ImportRun> ListImportRuns(soci::session& sql, int64_t before_start_us,
                                                   const std::string& before_id, int limit);

  static std::optional<std::string> FindCreateRequest(soci::session& sql,
                                                      const std::string& request_id);
  static void InsertCreateRequest(soci::session& sql, const std::string& request_id,
                                  const std::string& resource, absl::Time now);
};

// Writes many departments and verdicts in one transaction with statements prepared once (an
// import of 100,000 rows would otherwise spend most of its time preparing SQL).
class HistoryWriter {
 public:
  explicit HistoryWriter(soci::session& sql);
  void InsertDepartment(const pb::Department& department, absl::Time now);
  void UpdateRegistry(const pb::Department& department, absl::Time now);
  void InsertVerdict(const std::string& department_id, int64_t seq, const pb::Verdict& verdict,
                     const std::string& effective_date, const std::string& fingerprint,
                     absl::Time now);
  void SetHistoryState(const std::string& department_id, int64_t next_seq, int64_t current_seq,
                       common::Verdict current_value, absl::Time now);

 private:
  soci::session& sql_;
  // Bound variables of the prepared statements.
  std::string id_, brin_, location_, track_, board_number_, board_name_, display_name_, region_;
  int school_type_ = 0;
  long long seq_ = 0, next_seq_ = 0, current_seq_ = 0, now_us_ = 0;
  int value_ = 0, status_ = 0, source_ = 0;
  std::string investigation_, effective_date_, source_record_id_, fingerprint_, record_;
  soci::statement insert_department_, update_registry_, insert_verdict_, set_state_;
};

// "YYYY-MM-DD" for storage; "" for unset.
std::string DateKey(const common::Date& date);
// The date a record takes effect for ordering: established, else investigation, else publication.
std::string EffectiveDateKey(const pb::Verdict& verdict);

}  // namespace lv::inspection
