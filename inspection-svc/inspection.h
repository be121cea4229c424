#pragma once

// inspection-svc's use cases: what happens when the inspectorate's data arrives (file or push)
// and what the other services and people ask of it. Decides transactions and events; talks to
// storage only through InspectionStore; knows nothing of gRPC.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "inspection-svc/inspection_store.h"
#include "inspection-svc/oordelen_file.h"
#include "lerenverbeteren/inspection/v1/events.pb.h"
#include "lerenverbeteren/inspection/v1/inspection_service.pb.h"
#include "platform/auth.h"
#include "platform/clock.h"
#include "platform/database.h"

namespace lv::inspection {

// Who asks, for audit fields and the manual/inspectorate distinction.
struct Actor {
  platform::Principal principal;
  std::string request_id;
};

struct ImportOptions {
  std::string file_name;
  pb::FileFormat format = pb::FILE_FORMAT_UNSPECIFIED;
  bool validate_only = false;
  bool skip_invalid_rows = false;
};

struct DepartmentPage {
  std::vector<pb::Department> departments;
  std::string next_page_token;
  int total_size = 0;
};

class Inspection {
 public:
  Inspection(platform::Database* db, platform::Clock* clock) : db_(db), clock_(clock) {}

  // Imports one published file (school or board file) in one transaction. Rejected rows make
  // the run FAILED with nothing written, unless skip_invalid_rows. Every run is recorded.
  absl::StatusOr<pb::ImportRun> ImportFile(absl::string_view bytes, const ImportOptions& options,
                                           const Actor& actor);

  absl::StatusOr<pb::Verdict> RecordVerdict(const pb::RecordVerdictRequest& request,
                                            const Actor& actor);
  absl::StatusOr<pb::RiskSignal> RecordRiskSignal(const pb::RecordRiskSignalRequest& request,
                                                  const Actor& actor);
  // All records or none; errors name the record's position.
  absl::StatusOr<pb::PushRecordsResponse> PushRecords(
      const std::vector<pb::PushRecordsRequest>& records, const Actor& actor);
  absl::StatusOr<pb::Verdict> WithdrawVerdict(const std::string& department_id, int64_t seq,
                                              const std::string& reason, const Actor& actor);

  absl::StatusOr<pb::Department> CreateDepartment(const pb::CreateDepartmentRequest& request,
                                                  const Actor& actor);
  absl::StatusOr<pb::Department> CloseDepartment(const std::string& id, const std::string& reason,
                                                 const Actor& actor);
  // Row-level rule: a school (subject = its BRIN) sees only its own departments.
  absl::StatusOr<pb::Department> GetDepartment(const std::string& id,
                                               const platform::Principal& viewer);
  absl::StatusOr<DepartmentPage> ListDepartments(DepartmentFilter filter,
                                                 const std::string& page_token, int page_size,
                                                 const platform::Principal& viewer);
  absl::StatusOr<std::vector<pb::Verdict>> ListVerdicts(const std::string& department_id,
                                                        int64_t before_seq, int limit,
                                                        const platform::Principal& viewer);
  absl::StatusOr<std::vector<pb::RiskSignal>> ListRiskSignals(const std::string& department_id,
                                                              const platform::Principal& viewer);

  absl::StatusOr<pb::ImportRun> GetImportRun(const std::string& id);
  absl::StatusOr<std::vector<pb::ImportRun>> ListImportRuns(const std::string& page_token,
                                                            int page_size,
                                                            std::string* next_page_token);

  absl::StatusOr<std::vector<pb::DueRestoration>> ListDueRestorations(absl::Duration within);
  absl::StatusOr<std::vector<pb::Department>> ListVeryWeakDepartments();
  absl::StatusOr<std::vector<pb::YearEndCount>> YearEndCounts(int first_year, int last_year);

 private:
  // Applies one verdict record to a department inside a transaction: appends it to the history,
  // moves the current verdict when the record is newer, and publishes the event.
  void AppendVerdict(platform::Transaction& tx, HistoryWriter& writer, KnownDepartment& known,
                     pb::Verdict verdict, bool changed);
  // Import: withdraws the current record when the publication no longer shows it.
  bool WithdrawUnpublished(platform::Transaction& tx, HistoryWriter& writer, KnownDepartment& known,
                           const FileEntry& entry, const common::Date& reference_date);
  absl::StatusOr<pb::Verdict> RecordVerdictInTx(platform::Transaction& tx, HistoryWriter& writer,
                                                const pb::RecordVerdictRequest& request,
                                                const Actor& actor, bool* unchanged);
  absl::StatusOr<pb::RiskSignal> RecordRiskSignalInTx(platform::Transaction& tx,
                                                      const pb::RecordRiskSignalRequest& request,
                                                      bool* unchanged);

  platform::Database* db_;
  platform::Clock* clock_;
};

}  // namespace lv::inspection
