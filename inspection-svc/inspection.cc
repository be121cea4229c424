#include "inspection-svc/inspection.h"

#include <algorithm>
#include <random>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "inspection-svc/department_key.h"
#include "inspection-svc/verdict_rules.h"
#include "platform/errors.h"
#include "platform/logging.h"
#include "platform/proto_util.h"
#include "platform/status_macros.h"

namespace lv::inspection {
namespace {

constexpr char kVerdictRecorded[] = "inspection.verdict.recorded";
constexpr char kVerdictChanged[] = "inspection.verdict.changed";
constexpr char kVerdictWithdrawn[] = "inspection.verdict.withdrawn";
constexpr char kRiskSignalRecorded[] = "inspection.risk_signal.recorded";
constexpr char kDepartmentRegistered[] = "inspection.department.registered";
constexpr char kDepartmentUpdated[] = "inspection.department.updated";
constexpr char kDepartmentClosed[] = "inspection.department.closed";

// Marks a validate-only run whose transaction is rolled back on purpose.
constexpr char kValidateOnly[] = "validate only: rolled back";

std::string RandomHex(int digits) {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return absl::StrFormat("%0*x", digits, rng() & ((1ULL << (4 * digits)) - 1));
}

google::protobuf::Timestamp Timestamp(absl::Time t) { return platform::ToTimestamp(t); }

std::string IdOf(const pb::Department& d) {
  return d.name().substr(std::string("departments/").size());
}

std::string VerdictName(const std::string& department_id, int64_t seq) {
  return absl::StrCat(DepartmentName(department_id), "/verdicts/", seq);
}

bool RegistryDiffers(const pb::Department& known, const FileDepartment& file) {
  return known.board().number() != file.board.number() ||
         known.board().name() != file.board.name() ||
         (!file.display_name.empty() && known.display_name() != file.display_name);
}

absl::Status NotFound(absl::string_view what, absl::string_view name) {
  return absl::NotFoundError(absl::StrCat(what, " '", name, "' does not exist"));
}

// A school sees its own departments only (department ids start with the BRIN).
absl::Status CheckCanSee(const platform::Principal& viewer, const std::string& department_id) {
  if (viewer.role != platform::Role::kSchool) return absl::OkStatus();
  if (department_id.compare(0, 5, viewer.subject + "-") == 0) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat("school ", viewer.subject, " may only see its own departments"));
}

}  // namespace

void Inspection::AppendVerdict(platform::Transaction& tx, HistoryWriter& writer,
                               KnownDepartment& known, pb::Verdict verdict, bool changed) {
  const std::string id = IdOf(known.department);
  const int64_t seq = known.next_seq++;
  verdict.set_name(VerdictName(id, seq));
  *verdict.mutable_create_time() = Timestamp(tx.now());
  SetRestorationTerms(&verdict);
  const std::string effective = EffectiveDateKey(verdict);
  const std::string fingerprint = VerdictFingerprint(verdict);
  writer.InsertVerdict(id, seq, verdict, effective, fingerprint, tx.now());
  known.by_investigation[verdict.investigation_number()] = {seq, fingerprint};

  const int64_t previous_seq = known.current_seq;
  // An undated record (a provisional push without dates) is the newest news there is.
  const bool becomes_current =
      verdict.status() != pb::VERDICT_STATUS_WITHDRAWN &&
      (previous_seq == 0 || effective.empty() || effective >= known.current_effective_date);
  if (becomes_current) {
    known.current_seq = seq;
    known.current_value = verdict.value();
    known.current_effective_date = effective;
  }
  writer.SetHistoryState(id, known.next_seq, known.current_seq, known.current_value, tx.now());

  pb::VerdictEvent event;
  *event.mutable_department() = known.department;
  if (previous_seq != 0) {
    if (auto previous = InspectionStore::GetVerdict(tx.sql(), id, previous_seq)) {
      *event.mutable_previous_verdict() = *previous;
      if (!becomes_current) *event.mutable_department()->mutable_current_verdict() = *previous;
    }
  }
  if (becomes_current) *event.mutable_department()->mutable_current_verdict() = verdict;
  *event.mutable_verdict() = std::move(verdict);
  tx.Publish(changed ? kVerdictChanged : kVerdictRecorded, DepartmentName(id), event);
}

bool Inspection::WithdrawUnpublished(platform::Transaction& tx, HistoryWriter& writer,
                                     KnownDepartment& known, const FileEntry& entry,
                                     const common::Date& reference_date) {
  // The publication is a snapshot of each department's current verdict. When the record we hold
  // as current is absent while an older one is published again, the inspectorate withdrew it.
  const pb::Verdict& published = entry.verdicts.back();
  auto record = known.by_investigation.find(published.investigation_number());
  if (record == known.by_investigation.end() || record->second.seq == known.current_seq ||
      known.current_seq == 0) {
    return false;
  }
  std::string current_investigation;
  for (const auto& [investigation, r] : known.by_investigation) {
    if (r.seq == known.current_seq) current_investigation = investigation;
  }
  for (const pb::Verdict& v : entry.verdicts) {
    if (v.investigation_number() == current_investigation) return false;  // still published
  }
  const std::string id = IdOf(known.department);
  auto withdrawn = InspectionStore::GetVerdict(tx.sql(), id, known.current_seq);
  auto reinstated = InspectionStore::GetVerdict(tx.sql(), id, record->second.seq);
  if (!withdrawn || !reinstated) return false;
  withdrawn->set_status(pb::VERDICT_STATUS_WITHDRAWN);
  withdrawn->set_withdrawal_reason(
      absl::StrCat("no longer in the inspectorate's publication of ", DateKey(reference_date),
                   "; investigation ", published.investigation_number(), " is published again"));
  SetRestorationTerms(&*withdrawn);
  InspectionStore::UpdateVerdictRecord(tx.sql(), id, known.current_seq, *withdrawn);
  known.current_seq = record->second.seq;
  known.current_value = reinstated->value();
  known.current_effective_date = EffectiveDateKey(*reinstated);
  writer.SetHistoryState(id, known.next_seq, known.current_seq, known.current_value, tx.now());
  pb::VerdictEvent event;
  *event.mutable_department() = known.department;
  *event.mutable_department()->mutable_current_verdict() = *reinstated;
  *event.mutable_verdict() = *withdrawn;
  tx.Publish(kVerdictWithdrawn, DepartmentName(id), event);
  return true;
}

absl::StatusOr<pb::ImportRun> Inspection::ImportFile(absl::string_view bytes,
                                                     const ImportOptions& options,
                                                     const Actor& actor) {
  const absl::Time start = clock_->Now();
  pb::ImportRun run;
  const std::string run_id = absl::StrCat(
      absl::FormatTime("%Y%m%dT%H%M%SZ", start, absl::UTCTimeZone()), "-", RandomHex(6));
  run.set_name(absl::StrCat("importRuns/", run_id));
  run.set_file_name(options.file_name);
  run.set_actor(actor.principal.ToString());
  *run.mutable_start_time() = Timestamp(start);
  run.set_bytes(static_cast<int64_t>(bytes.size()));
  run.set_format(options.format != pb::FILE_FORMAT_UNSPECIFIED
                     ? options.format
                     : (LooksLikeZip(bytes) ? pb::FILE_FORMAT_ODS : pb::FILE_FORMAT_CSV));

  auto record_failed = [&](pb::ImportRun failed) -> absl::StatusOr<pb::ImportRun> {
    failed.set_state(pb::IMPORT_RUN_STATE_FAILED);
    *failed.mutable_end_time() = Timestamp(clock_->Now());
    LV_RETURN_IF_ERROR(db_->Write([&](platform::Transaction& tx) {
      InspectionStore::InsertImportRun(tx.sql(), failed, start);
      return absl::OkStatus();
    }));
    platform::LogInfo("import.failed", {{"run", failed.name()},
                                        {"request_id", actor.request_id},
                                        {"rejected", failed.rows_rejected()}});
    return failed;
  };

  auto parsed = ParseOordelenFile(bytes, run.format());
  if (!parsed.ok()) {
    pb::RowError* e = run.add_errors();
    e->set_reason(std::string(parsed.status().message()));
    return record_failed(run);
  }
  run.set_kind(parsed->kind);
  run.set_rows_read(parsed->rows_read);
  run.set_rows_skipped(parsed->rows_skipped);
  run.set_rows_rejected(parsed->rejected_rows);
  if (parsed->reference_date) *run.mutable_reference_date() = ToDate(*parsed->reference_date);
  for (const auto& e : parsed->errors) *run.add_errors() = e;
  if (parsed->rejected_rows > 0 && !options.skip_invalid_rows) return record_failed(run);

  const pb::ImportRun before_apply = run;
  absl::Status applied = db_->Write(
      [&](platform::Transaction& tx) -> absl::Status {
        // A retried transaction starts from the parsed file again, with fresh counts.
        pb::ImportRun counts = before_apply;
        InspectionStore::LockForWrite(tx);
        LV_ASSIGN_OR_RETURN(KnownState known, InspectionStore::LoadKnownState(tx.sql()));
        HistoryWriter writer(tx.sql());
        int findings = 0;
        for (const FileEntry& entry : parsed->departments) {
          bool touched = false;
          auto it = known.departments.find(entry.department.id);
          const bool is_new = it == known.departments.end();
          if (is_new) {
            KnownDepartment fresh;
            pb::Department& d = fresh.department;
            d.set_name(DepartmentName(entry.department.id));
            *d.mutable_ref() = entry.department.ref;
            *d.mutable_board() = entry.department.board;
            d.set_display_name(entry.department.display_name);
            *d.mutable_create_time() = Timestamp(tx.now());
            writer.InsertDepartment(d, tx.now());
            it = known.departments.emplace(entry.department.id, std::move(fresh)).first;
            counts.set_departments_added(counts.departments_added() + 1);
            touched = true;
          } else if (RegistryDiffers(it->second.department, entry.department)) {
            pb::Department& d = it->second.department;
            *d.mutable_board() = entry.department.board;
            if (!entry.department.display_name.empty()) {
              d.set_display_name(entry.department.display_name);
            }
            writer.UpdateRegistry(d, tx.now());
            pb::DepartmentEvent event;
            *event.mutable_department() = d;
            tx.Publish(kDepartmentUpdated, d.name(), event);
            touched = true;
          }
          KnownDepartment& k = it->second;
          bool any_verdict = false;
          for (pb::Verdict verdict : entry.verdicts) {
            auto known_record = k.by_investigation.find(verdict.investigation_number());
            verdict.set_source_record_id(run.name());
            const std::string fingerprint = [&] {
              pb::Verdict probe = verdict;
              SetRestorationTerms(&probe);
              return VerdictFingerprint(probe);
            }();
            if (known_record != k.by_investigation.end() &&
                known_record->second.fingerprint == fingerprint) {
              continue;  // the same investigation, saying the same
            }
            const bool changed = known_record != k.by_investigation.end();
            findings += verdict.data_quality_findings_size();
            AppendVerdict(tx, writer, k, std::move(verdict), changed);
            if (changed) {
              counts.set_verdicts_changed(counts.verdicts_changed() + 1);
            } else {
              counts.set_verdicts_added(counts.verdicts_added() + 1);
            }
            any_verdict = touched = true;
          }
          if (!entry.verdicts.empty() &&
              WithdrawUnpublished(tx, writer, k, entry, run.reference_date())) {
            counts.set_verdicts_withdrawn(counts.verdicts_withdrawn() + 1);
            touched = true;
          }
          if (is_new && !any_verdict) {
            pb::DepartmentEvent event;
            *event.mutable_department() = k.department;
            tx.Publish(kDepartmentRegistered, k.department.name(), event);
          }
          if (!touched) counts.set_rows_unchanged(counts.rows_unchanged() + 1);
        }
        for (const FileBoard& b : parsed->boards) {
          auto known_board = known.boards.find(b.board.number());
          if (known_board == known.boards.end()) {
            counts.set_boards_added(counts.boards_added() + 1);
          } else if (known_board->second.name() != b.board.name() ||
                     known.board_verdicts[b.board.number()] != b.verdict_text) {
            counts.set_boards_changed(counts.boards_changed() + 1);
          } else {
            counts.set_rows_unchanged(counts.rows_unchanged() + 1);
            continue;
          }
          InspectionStore::UpsertBoard(tx.sql(), b.board, b.verdict_text, b.sectors, tx.now());
        }
        counts.set_data_quality_findings(findings);
        counts.set_state(options.validate_only ? pb::IMPORT_RUN_STATE_VALIDATED
                                               : pb::IMPORT_RUN_STATE_SUCCEEDED);
        *counts.mutable_end_time() = Timestamp(clock_->Now());
        run = counts;
        if (options.validate_only) return absl::AbortedError(kValidateOnly);
        InspectionStore::InsertImportRun(tx.sql(), run, start);
        return absl::OkStatus();
      },
      actor.request_id);
  if (options.validate_only && applied.code() == absl::StatusCode::kAborted &&
      applied.message() == kValidateOnly) {
    LV_RETURN_IF_ERROR(db_->Write([&](platform::Transaction& tx) {
      InspectionStore::InsertImportRun(tx.sql(), run, start);
      return absl::OkStatus();
    }));
    applied = absl::OkStatus();
  }
  LV_RETURN_IF_ERROR(applied);
  platform::LogInfo("import.done", {{"run", run.name()},
                                    {"request_id", actor.request_id},
                                    {"state", pb::ImportRunState_Name(run.state())},
                                    {"rows", run.rows_read()},
                                    {"added", run.verdicts_added()},
                                    {"changed", run.verdicts_changed()},
                                    {"unchanged", run.rows_unchanged()},
                                    {"ms", absl::ToDoubleMilliseconds(clock_->Now() - start)}});
  return run;
}

absl::StatusOr<pb::Verdict> Inspection::RecordVerdictInTx(platform::Transaction& tx,
                                                          HistoryWriter& writer,
                                                          const pb::RecordVerdictRequest& request,
                                                          const Actor& actor, bool* unchanged) {
  *unchanged = false;
  LV_ASSIGN_OR_RETURN(const std::string id, DepartmentId(request.department()));
  const bool manual = actor.principal.role != platform::Role::kInspectorate;
  pb::Verdict verdict = request.verdict();
  // Output-only fields are the service's to set.
  verdict.clear_name();
  verdict.clear_create_time();
  verdict.clear_data_quality_findings();
  verdict.clear_withdrawal_reason();
  verdict.set_source(manual ? pb::RECORD_SOURCE_MANUAL : pb::RECORD_SOURCE_PUSH);
  verdict.set_source_record_id(request.source_record_id());
  verdict.set_override_reason(request.override_reason());
  if (verdict.status() == pb::VERDICT_STATUS_UNSPECIFIED) {
    verdict.set_status(verdict.established_date().year() != 0 ? pb::VERDICT_STATUS_ESTABLISHED
                                                              : pb::VERDICT_STATUS_PROVISIONAL);
  }
  if (auto finding = VeryWeakRuleFinding(verdict)) {
    if (manual && request.override_reason().empty()) {
      return platform::FieldError(
          "verdict.standards",
          absl::StrCat(*finding, "; give override_reason to record it anyway"));
    }
    verdict.add_data_quality_findings(*finding);
  }
  SetRestorationTerms(&verdict);
  const std::string fingerprint = VerdictFingerprint(verdict);

  if (!request.source_record_id().empty()) {
    if (auto seen = InspectionStore::FindVerdictBySource(tx.sql(), verdict.source(),
                                                         request.source_record_id())) {
      auto record = InspectionStore::GetVerdict(tx.sql(), seen->first, seen->second);
      if (record && seen->first == id && VerdictFingerprint(*record) == fingerprint) {
        *unchanged = true;  // a retry of what we already have
        return *record;
      }
    }
  }
  LV_ASSIGN_OR_RETURN(std::optional<KnownDepartment> loaded,
                      InspectionStore::LoadKnownDepartment(tx.sql(), id));
  KnownDepartment known;
  if (loaded) {
    known = *std::move(loaded);
    if (known.department.closed()) {
      return absl::FailedPreconditionError(
          absl::StrCat("department ", id, " is closed; reopen it before recording verdicts"));
    }
    if (request.has_board() && !request.board().number().empty() &&
        (known.department.board().number() != request.board().number() ||
         known.department.board().name() != request.board().name())) {
      *known.department.mutable_board() = request.board();
      writer.UpdateRegistry(known.department, tx.now());
    }
  } else {
    pb::Department& d = known.department;
    d.set_name(DepartmentName(id));
    *d.mutable_ref() = request.department();
    if (d.ref().school_type() != common::SCHOOL_TYPE_OTHER) d.mutable_ref()->clear_track();
    *d.mutable_board() = request.board();
    *d.mutable_create_time() = Timestamp(tx.now());
    writer.InsertDepartment(d, tx.now());
  }
  const bool changed = known.by_investigation.contains(verdict.investigation_number()) &&
                       !verdict.investigation_number().empty();
  AppendVerdict(tx, writer, known, verdict, changed);
  return InspectionStore::GetVerdict(tx.sql(), id, known.next_seq - 1).value_or(verdict);
}

absl::StatusOr<pb::Verdict> Inspection::RecordVerdict(const pb::RecordVerdictRequest& request,
                                                      const Actor& actor) {
  pb::Verdict out;
  LV_RETURN_IF_ERROR(db_->Write(
      [&](platform::Transaction& tx) -> absl::Status {
        InspectionStore::LockForWrite(tx);
        HistoryWriter writer(tx.sql());
        bool unchanged = false;
        LV_ASSIGN_OR_RETURN(out, RecordVerdictInTx(tx, writer, request, actor, &unchanged));
        return absl::OkStatus();
      },
      actor.request_id));
  return out;
}

absl::StatusOr<pb::RiskSignal> Inspection::RecordRiskSignalInTx(
    platform::Transaction& tx, const pb::RecordRiskSignalRequest& request, bool* unchanged) {
  *unchanged = false;
  LV_ASSIGN_OR_RETURN(const std::string id, DepartmentId(request.department()));
  if (!request.source_record_id().empty()) {
    if (auto seen = InspectionStore::FindRiskSignalBySource(tx.sql(), request.source_record_id())) {
      *unchanged = true;
      return *seen;
    }
  }
  auto department = InspectionStore::GetDepartment(tx.sql(), id);
  if (!department) {
    pb::Department d;
    d.set_name(DepartmentName(id));
    *d.mutable_ref() = request.department();
    *d.mutable_create_time() = Timestamp(tx.now());
    HistoryWriter writer(tx.sql());
    writer.InsertDepartment(d, tx.now());
    department = d;
  }
  pb::RiskSignal signal = request.risk_signal();
  const std::string signal_id = absl::StrCat(absl::ToUnixMicros(tx.now()), "-", RandomHex(6));
  signal.set_name(absl::StrCat(DepartmentName(id), "/riskSignals/", signal_id));
  signal.set_source_record_id(request.source_record_id());
  *signal.mutable_create_time() = Timestamp(tx.now());
  InspectionStore::InsertRiskSignal(tx.sql(), id, signal_id, signal, tx.now());
  InspectionStore::SetRiskSignal(tx.sql(), id, signal.kind(), tx.now());
  department->set_risk_signal(signal.kind());
  pb::RiskSignalEvent event;
  *event.mutable_department() = *department;
  *event.mutable_risk_signal() = signal;
  tx.Publish(kRiskSignalRecorded, DepartmentName(id), event);
  return signal;
}

absl::StatusOr<pb::RiskSignal> Inspection::RecordRiskSignal(
    const pb::RecordRiskSignalRequest& request, const Actor& actor) {
  pb::RiskSignal out;
  LV_RETURN_IF_ERROR(db_->Write(
      [&](platform::Transaction& tx) -> absl::Status {
        InspectionStore::LockForWrite(tx);
        bool unchanged = false;
        LV_ASSIGN_OR_RETURN(out, RecordRiskSignalInTx(tx, request, &unchanged));
        return absl::OkStatus();
      },
      actor.request_id));
  return out;
}

absl::StatusOr<pb::PushRecordsResponse> Inspection::PushRecords(
    const std::vector<pb::PushRecordsRequest>& records, const Actor& actor) {
  pb::PushRecordsResponse response;
  absl::Status status = db_->Write(
      [&](platform::Transaction& tx) -> absl::Status {
        response.Clear();
        response.set_received(static_cast<int32_t>(records.size()));
        InspectionStore::LockForWrite(tx);
        HistoryWriter writer(tx.sql());
        for (size_t i = 0; i < records.size(); ++i) {
          bool unchanged = false;
          absl::Status one;
          if (records[i].has_verdict()) {
            one = RecordVerdictInTx(tx, writer, records[i].verdict(), actor, &unchanged).status();
          } else if (records[i].has_risk_signal()) {
            one = RecordRiskSignalInTx(tx, records[i].risk_signal(), &unchanged).status();
          } else {
            one = absl::InvalidArgumentError("record is empty: set verdict or risk_signal");
          }
          if (!one.ok()) {
            pb::RowError* e = response.add_errors();
            e->set_line(static_cast<int32_t>(i));
            auto violations = platform::FieldViolations(one);
            if (!violations.empty()) e->set_column(violations[0].first);
            e->set_reason(std::string(one.message()));
            continue;
          }
          if (unchanged) {
            response.set_unchanged(response.unchanged() + 1);
          } else {
            response.set_recorded(response.recorded() + 1);
          }
        }
        if (response.errors_size() > 0) {
          // All or nothing: roll back, and report every bad record.
          return absl::AbortedError("batch has invalid records");
        }
        return absl::OkStatus();
      },
      actor.request_id);
  if (!status.ok() && response.errors_size() > 0) {
    response.set_recorded(0);
    response.set_unchanged(0);
    return response;
  }
  LV_RETURN_IF_ERROR(status);
  return response;
}

absl::StatusOr<pb::Verdict> Inspection::WithdrawVerdict(const std::string& department_id,
                                                        int64_t seq, const std::string& reason,
                                                        const Actor& actor) {
  pb::Verdict out;
  LV_RETURN_IF_ERROR(db_->Write(
      [&](platform::Transaction& tx) -> absl::Status {
        InspectionStore::LockForWrite(tx);
        auto verdict = InspectionStore::GetVerdict(tx.sql(), department_id, seq);
        if (!verdict) return NotFound("verdict", VerdictName(department_id, seq));
        if (verdict->status() == pb::VERDICT_STATUS_WITHDRAWN) {
          return absl::FailedPreconditionError(
              absl::StrCat("verdict ", verdict->name(), " is already withdrawn"));
        }
        LV_ASSIGN_OR_RETURN(std::optional<KnownDepartment> known,
                            InspectionStore::LoadKnownDepartment(tx.sql(), department_id));
        verdict->set_status(pb::VERDICT_STATUS_WITHDRAWN);
        verdict->set_withdrawal_reason(reason);
        SetRestorationTerms(&*verdict);
        InspectionStore::UpdateVerdictRecord(tx.sql(), department_id, seq, *verdict);
        // The current verdict is the newest record still standing.
        int64_t current_seq = 0;
        common::Verdict current_value = common::VERDICT_UNSPECIFIED;
        std::string current_date;
        std::optional<pb::Verdict> current;
        for (const pb::Verdict& v :
             InspectionStore::ListVerdicts(tx.sql(), department_id, INT64_MAX, 100000)) {
          if (v.status() == pb::VERDICT_STATUS_WITHDRAWN) continue;
          int64_t s = 0;
          absl::SimpleAtoi(v.name().substr(v.name().rfind('/') + 1), &s);
          const std::string date = EffectiveDateKey(v);
          if (current_seq == 0 || date > current_date) {
            current_seq = s;
            current_value = v.value();
            current_date = date;
            current = v;
          }
        }
        HistoryWriter writer(tx.sql());
        writer.SetHistoryState(department_id, known->next_seq, current_seq, current_value,
                               tx.now());
        pb::VerdictEvent event;
        *event.mutable_department() = known->department;
        if (current) *event.mutable_department()->mutable_current_verdict() = *current;
        *event.mutable_verdict() = *verdict;
        tx.Publish(kVerdictWithdrawn, DepartmentName(department_id), event);
        out = *verdict;
        return absl::OkStatus();
      },
      actor.request_id));
  return out;
}

absl::StatusOr<pb::Department> Inspection::CreateDepartment(
    const pb::CreateDepartmentRequest& request, const Actor& actor) {
  LV_ASSIGN_OR_RETURN(const std::string id, DepartmentId(request.ref(), "ref"));
  pb::Department out;
  LV_RETURN_IF_ERROR(db_->Write(
      [&](platform::Transaction& tx) -> absl::Status {
        InspectionStore::LockForWrite(tx);
        if (!request.request_id().empty()) {
          if (auto seen = InspectionStore::FindCreateRequest(tx.sql(), request.request_id())) {
            auto d = InspectionStore::GetDepartment(tx.sql(), *seen);
            if (d) {
              out = *d;
              return absl::OkStatus();
            }
          }
        }
        if (InspectionStore::GetDepartment(tx.sql(), id)) {
          return absl::AlreadyExistsError(absl::StrCat("department ", id, " already exists"));
        }
        pb::Department d;
        d.set_name(DepartmentName(id));
        *d.mutable_ref() = request.ref();
        if (d.ref().school_type() != common::SCHOOL_TYPE_OTHER) d.mutable_ref()->clear_track();
        *d.mutable_board() = request.board();
        d.set_display_name(request.display_name());
        d.set_region(request.region());
        HistoryWriter writer(tx.sql());
        writer.InsertDepartment(d, tx.now());
        if (!request.request_id().empty()) {
          InspectionStore::InsertCreateRequest(tx.sql(), request.request_id(), id, tx.now());
        }
        out = *InspectionStore::GetDepartment(tx.sql(), id);
        pb::DepartmentEvent event;
        *event.mutable_department() = out;
        tx.Publish(kDepartmentRegistered, out.name(), event);
        return absl::OkStatus();
      },
      actor.request_id));
  return out;
}

absl::StatusOr<pb::Department> Inspection::CloseDepartment(const std::string& id,
                                                           const std::string& reason,
                                                           const Actor& actor) {
  pb::Department out;
  LV_RETURN_IF_ERROR(db_->Write(
      [&](platform::Transaction& tx) -> absl::Status {
        InspectionStore::LockForWrite(tx);
        auto d = InspectionStore::GetDepartment(tx.sql(), id);
        if (!d) return NotFound("department", DepartmentName(id));
        if (d->closed()) {
          return absl::FailedPreconditionError(
              absl::StrCat("department ", id, " is closed already"));
        }
        InspectionStore::CloseDepartment(tx.sql(), id, reason, tx.now());
        out = *InspectionStore::GetDepartment(tx.sql(), id);
        pb::DepartmentEvent event;
        *event.mutable_department() = out;
        tx.Publish(kDepartmentClosed, out.name(), event);
        return absl::OkStatus();
      },
      actor.request_id));
  return out;
}

absl::StatusOr<pb::Department> Inspection::GetDepartment(const std::string& id,
                                                         const platform::Principal& viewer) {
  LV_RETURN_IF_ERROR(CheckCanSee(viewer, id));
  std::optional<pb::Department> d;
  LV_RETURN_IF_ERROR(db_->Read([&](soci::session& sql) {
    d = InspectionStore::GetDepartment(sql, id);
    return absl::OkStatus();
  }));
  if (!d) return NotFound("department", DepartmentName(id));
  return *d;
}

absl::StatusOr<DepartmentPage> Inspection::ListDepartments(DepartmentFilter filter,
                                                           const std::string& page_token,
                                                           int page_size,
                                                           const platform::Principal& viewer) {
  if (viewer.role == platform::Role::kSchool) {
    if (!filter.brin.empty() && filter.brin != viewer.subject) {
      return CheckCanSee(viewer, filter.brin + "-");
    }
    filter.brin = viewer.subject;
  }
  std::string after;
  if (!page_token.empty() && !absl::WebSafeBase64Unescape(page_token, &after)) {
    return platform::FieldError("page_token", "is not a token this service issued");
  }
  DepartmentPage page;
  LV_RETURN_IF_ERROR(db_->Read([&](soci::session& sql) {
    // One more than asked tells whether another page exists.
    page.departments =
        InspectionStore::ListDepartments(sql, filter, after, page_size + 1, &page.total_size);
    return absl::OkStatus();
  }));
  if (static_cast<int>(page.departments.size()) > page_size) {
    page.departments.pop_back();
    page.next_page_token = absl::WebSafeBase64Escape(IdOf(page.departments.back()));
  }
  return page;
}

absl::StatusOr<std::vector<pb::Verdict>> Inspection::ListVerdicts(
    const std::string& department_id, int64_t before_seq, int limit,
    const platform::Principal& viewer) {
  LV_RETURN_IF_ERROR(CheckCanSee(viewer, department_id));
  std::vector<pb::Verdict> out;
  bool exists = false;
  LV_RETURN_IF_ERROR(db_->Read([&](soci::session& sql) {
    exists = InspectionStore::GetDepartment(sql, department_id).has_value();
    if (exists) out = InspectionStore::ListVerdicts(sql, department_id, before_seq, limit);
    return absl::OkStatus();
  }));
  if (!exists) return NotFound("department", DepartmentName(department_id));
  return out;
}

absl::StatusOr<std::vector<pb::RiskSignal>> Inspection::ListRiskSignals(
    const std::string& department_id, const platform::Principal& viewer) {
  LV_RETURN_IF_ERROR(CheckCanSee(viewer, department_id));
  std::vector<pb::RiskSignal> out;
  LV_RETURN_IF_ERROR(db_->Read([&](soci::session& sql) {
    out = InspectionStore::ListRiskSignals(sql, department_id);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<pb::ImportRun> Inspection::GetImportRun(const std::string& id) {
  std::optional<pb::ImportRun> run;
  LV_RETURN_IF_ERROR(db_->Read([&](soci::session& sql) {
    run = InspectionStore::GetImportRun(sql, id);
    return absl::OkStatus();
  }));
  if (!run) return NotFound("import run", absl::StrCat("importRuns/", id));
  return *run;
}

absl::StatusOr<std::vector<pb::ImportRun>> Inspection::ListImportRuns(const std::string& page_token,
                                                                      int page_size,
                                                                      std::string* next) {
  int64_t before_us = INT64_MAX;
  std::string before_id;
  LV_RETURN_IF_ERROR(platform::DecodePageToken(page_token, &before_us, &before_id));
  std::vector<pb::ImportRun> runs;
  LV_RETURN_IF_ERROR(db_->Read([&](soci::session& sql) {
    runs = InspectionStore::ListImportRuns(sql, before_us, before_id, page_size + 1);
    return absl::OkStatus();
  }));
  next->clear();
  if (static_cast<int>(runs.size()) > page_size) {
    runs.pop_back();
    const pb::ImportRun& last = runs.back();
    *next = platform::EncodePageToken(platform::TimestampMicros(last.start_time()),
                                      last.name().substr(std::string("importRuns/").size()));
  }
  return runs;
}

absl::StatusOr<std::vector<pb::DueRestoration>> Inspection::ListDueRestorations(
    absl::Duration within) {
  std::vector<pb::Department> departments;
  LV_RETURN_IF_ERROR(db_->Read([&](soci::session& sql) {
    departments = InspectionStore::ListByCurrentVerdict(
        sql, {common::VERDICT_VERY_WEAK, common::VERDICT_INSUFFICIENT, common::VERDICT_WEAK});
    return absl::OkStatus();
  }));
  const absl::CivilDay today = absl::ToCivilDay(clock_->Now(), absl::UTCTimeZone());
  const absl::CivilDay horizon = today + absl::ToInt64Hours(within) / 24;
  std::vector<pb::DueRestoration> out;
  for (pb::Department& d : departments) {
    auto terms = RestorationTermsFor(d.current_verdict());
    if (!terms || terms->deadline > horizon) continue;
    pb::DueRestoration& due = out.emplace_back();
    *due.mutable_deadline() = ToDate(terms->deadline);
    due.set_days_left(static_cast<int32_t>(terms->deadline - today));
    *due.mutable_department() = std::move(d);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.days_left() != b.days_left() ? a.days_left() < b.days_left()
                                          : a.department().name() < b.department().name();
  });
  return out;
}

absl::StatusOr<std::vector<pb::Department>> Inspection::ListVeryWeakDepartments() {
  std::vector<pb::Department> departments;
  LV_RETURN_IF_ERROR(db_->Read([&](soci::session& sql) {
    departments = InspectionStore::ListByCurrentVerdict(sql, {common::VERDICT_VERY_WEAK});
    return absl::OkStatus();
  }));
  // The published list holds established decisions only.
  departments.erase(std::remove_if(departments.begin(), departments.end(),
                                   [](const pb::Department& d) {
                                     return d.current_verdict().status() !=
                                            pb::VERDICT_STATUS_ESTABLISHED;
                                   }),
                    departments.end());
  return departments;
}

absl::StatusOr<std::vector<pb::YearEndCount>> Inspection::YearEndCounts(int first_year,
                                                                        int last_year) {
  std::vector<TimelineEntry> timeline;
  LV_RETURN_IF_ERROR(db_->Read([&](soci::session& sql) {
    timeline = InspectionStore::LoadTimeline(sql);
    return absl::OkStatus();
  }));
  return lv::inspection::YearEndCounts(std::move(timeline), first_year, last_year);
}

}  // namespace lv::inspection
