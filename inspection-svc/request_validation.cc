#include "inspection-svc/request_validation.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "inspection-svc/department_key.h"
#include "inspection-svc/verdict_rules.h"
#include "platform/errors.h"

namespace lv::inspection {
namespace {

constexpr size_t kMaxText = 1000;

void CheckDepartment(const common::DepartmentRef& ref, const std::string& field,
                     platform::FieldErrors& errors) {
  auto id = DepartmentId(ref, field);
  if (!id.ok()) {
    for (const auto& [f, why] : platform::FieldViolations(id.status())) errors.Add(f, why);
  }
}

void CheckDate(const common::Date& date, const std::string& field, platform::FieldErrors& errors) {
  if (!IsValidOrUnset(date)) errors.Add(field, "is not a valid calendar date");
}

void CheckText(const std::string& value, const std::string& field, size_t max,
               platform::FieldErrors& errors) {
  if (value.size() > max) errors.Add(field, absl::StrCat("is longer than ", max, " bytes"));
}

}  // namespace

absl::Status ValidateRecordVerdict(const pb::RecordVerdictRequest& r, bool from_inspectorate,
                                   absl::string_view prefix) {
  platform::FieldErrors errors;
  const std::string p(prefix);
  CheckDepartment(r.department(), p + "department", errors);
  const pb::Verdict& v = r.verdict();
  if (v.value() == common::VERDICT_UNSPECIFIED || !common::Verdict_IsValid(v.value())) {
    errors.Add(p + "verdict.value", "must be a known verdict");
  }
  if (!pb::VerdictStatus_IsValid(v.status()) || v.status() == pb::VERDICT_STATUS_WITHDRAWN) {
    errors.Add(p + "verdict.status", "must be PROVISIONAL or ESTABLISHED (withdraw separately)");
  }
  CheckDate(v.investigation_date(), p + "verdict.investigation_date", errors);
  CheckDate(v.established_date(), p + "verdict.established_date", errors);
  CheckDate(v.publication_date(), p + "verdict.publication_date", errors);
  auto investigated = FromDate(v.investigation_date());
  auto established = FromDate(v.established_date());
  auto published = FromDate(v.publication_date());
  if (IsValidOrUnset(v.investigation_date()) && IsValidOrUnset(v.established_date()) &&
      investigated && established && *established < *investigated) {
    errors.Add(p + "verdict.established_date", "is before the investigation date");
  }
  if (IsValidOrUnset(v.established_date()) && IsValidOrUnset(v.publication_date()) && established &&
      published && *published < *established) {
    errors.Add(p + "verdict.publication_date", "is before the established date");
  }
  if (v.status() == pb::VERDICT_STATUS_ESTABLISHED && !established) {
    errors.Add(p + "verdict.established_date", "is required for an established verdict");
  }
  CheckText(v.investigation_number(), p + "verdict.investigation_number", 64, errors);
  CheckText(v.investigation_type_code(), p + "verdict.investigation_type_code", 64, errors);
  CheckText(v.investigation_type(), p + "verdict.investigation_type", 200, errors);
  if (v.standards_size() > 200) errors.Add(p + "verdict.standards", "has more than 200 entries");
  for (int i = 0; i < v.standards_size(); ++i) {
    const auto& s = v.standards(i);
    const std::string f = absl::StrCat(p, "verdict.standards[", i, "]");
    if (s.code().empty() || s.code().size() > 16) errors.Add(f + ".code", "must be 1-16 bytes");
    if (s.judgement() == pb::STANDARD_JUDGEMENT_UNSPECIFIED ||
        !pb::StandardJudgement_IsValid(s.judgement())) {
      errors.Add(f + ".judgement", "must be a known judgement");
    }
    CheckText(s.framework(), f + ".framework", 64, errors);
  }
  if (v.restoration_assignments_size() > 100) {
    errors.Add(p + "verdict.restoration_assignments", "has more than 100 entries");
  }
  for (int i = 0; i < v.restoration_assignments_size(); ++i) {
    CheckText(v.restoration_assignments(i),
              absl::StrCat(p, "verdict.restoration_assignments[", i, "]"), kMaxText, errors);
  }
  if (from_inspectorate && r.source_record_id().empty()) {
    errors.Add(p + "source_record_id", "is required for records pushed by the inspectorate");
  }
  CheckText(r.source_record_id(), p + "source_record_id", 128, errors);
  CheckText(r.override_reason(), p + "override_reason", kMaxText, errors);
  if (!r.board().number().empty() &&
      (r.board().number().size() > 10 ||
       !std::all_of(r.board().number().begin(), r.board().number().end(),
                    [](char c) { return absl::ascii_isdigit(c); }))) {
    errors.Add(p + "board.number", "must be up to 10 digits");
  }
  CheckText(r.board().name(), p + "board.name", 300, errors);
  return errors.ToStatus();
}

absl::Status ValidateRecordRiskSignal(const pb::RecordRiskSignalRequest& r, bool from_inspectorate,
                                      absl::string_view prefix) {
  platform::FieldErrors errors;
  const std::string p(prefix);
  CheckDepartment(r.department(), p + "department", errors);
  const pb::RiskSignal& s = r.risk_signal();
  if (s.kind() == common::RISK_SIGNAL_KIND_UNSPECIFIED ||
      !common::RiskSignalKind_IsValid(s.kind())) {
    errors.Add(p + "risk_signal.kind", "must be NOTICE, WARNING or SELF_REPORTED");
  }
  if (!FromDate(s.signal_date())) {
    errors.Add(p + "risk_signal.signal_date", "is required");
  } else {
    CheckDate(s.signal_date(), p + "risk_signal.signal_date", errors);
  }
  CheckText(s.note(), p + "risk_signal.note", kMaxText, errors);
  if (from_inspectorate && r.source_record_id().empty()) {
    errors.Add(p + "source_record_id", "is required for records pushed by the inspectorate");
  }
  CheckText(r.source_record_id(), p + "source_record_id", 128, errors);
  return errors.ToStatus();
}

absl::StatusOr<int> PageSize(int requested, int default_size, int max_size,
                             absl::string_view field) {
  if (requested == 0) return default_size;
  if (requested < 0 || requested > max_size) {
    return platform::FieldError(field, absl::StrCat("must be between 1 and ", max_size));
  }
  return requested;
}

absl::Status RequiredText(absl::string_view field, const std::string& value, size_t max) {
  if (absl::StripAsciiWhitespace(value).empty()) return platform::FieldError(field, "is required");
  if (value.size() > max) {
    return platform::FieldError(field, absl::StrCat("is longer than ", max, " bytes"));
  }
  return absl::OkStatus();
}

}  // namespace lv::inspection
