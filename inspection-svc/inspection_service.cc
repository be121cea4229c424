#include "inspection-svc/inspection_service.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/time_util.h"
#include "inspection-svc/department_key.h"
#include "inspection-svc/request_validation.h"
#include "platform/client_stream.h"
#include "platform/errors.h"
#include "platform/status_macros.h"
#include "platform/watch.h"

namespace lv::inspection {
namespace {

using platform::CallInfo;
using platform::FieldError;
using platform::Role;
using platform::Unary;

constexpr char kService[] = "/lerenverbeteren.inspection.v1.InspectionService/";

Actor ActorOf(const CallInfo& call) { return Actor{*call.caller, call.request_id}; }

// departments/{department}/verdicts/{seq}
absl::Status ParseVerdictName(const std::string& name, std::string* department_id, int64_t* seq) {
  const size_t at = name.find("/verdicts/");
  int64_t n = 0;
  if (at == std::string::npos || !absl::SimpleAtoi(name.substr(at + 10), &n) || n < 1) {
    return FieldError("name", "must be departments/{department}/verdicts/{number}");
  }
  auto id = DepartmentIdFromName(name.substr(0, at));
  if (!id.ok()) return FieldError("name", "must be departments/{department}/verdicts/{number}");
  *department_id = *id;
  *seq = n;
  return absl::OkStatus();
}

}  // namespace

InspectionService::InspectionService(platform::Database* db, const platform::ServerConfig& config,
                                     InspectionConfig inspection, platform::Clock* clock)
    : feed_(db), watch_(config.watch), config_(inspection), inspection_(db, clock) {}

std::vector<platform::ServiceModule::Exposed> InspectionService::GrpcServices() {
  return {{this, pb::InspectionService::service_full_name()}};
}

void InspectionService::AddPolicies(platform::PolicyTable& policy) const {
  auto m = [](const char* method) { return absl::StrCat(kService, method); };
  const auto readers = {Role::kProjectLeader, Role::kCoach,        Role::kAnalyst,
                        Role::kService,       Role::kInspectorate, Role::kSchool};
  // Feeds carry every change: only the suite's own services read them.
  policy.Allow(m("Watch"), {Role::kService});
  policy.Allow(m("GetDepartment"), readers);
  policy.Allow(m("ListDepartments"), readers);
  policy.Allow(m("ListVerdicts"), readers);
  policy.Allow(m("ListRiskSignals"), readers);
  policy.Allow(m("CreateDepartment"), {Role::kProjectLeader});
  policy.Allow(m("CloseDepartment"), {Role::kProjectLeader, Role::kInspectorate});
  policy.Allow(m("RecordVerdict"), {Role::kInspectorate, Role::kProjectLeader});
  policy.Allow(m("WithdrawVerdict"), {Role::kInspectorate, Role::kProjectLeader});
  policy.Allow(m("RecordRiskSignal"), {Role::kInspectorate, Role::kProjectLeader});
  policy.Allow(m("PushRecords"), {Role::kInspectorate});
  policy.Allow(m("ImportVerdictFile"), {Role::kProjectLeader, Role::kInspectorate});
  policy.Allow(m("GetImportRun"), {Role::kProjectLeader, Role::kInspectorate, Role::kAnalyst});
  policy.Allow(m("ListImportRuns"), {Role::kProjectLeader, Role::kInspectorate, Role::kAnalyst});
  policy.Allow(m("ListDueRestorations"),
               {Role::kProjectLeader, Role::kCoach, Role::kAnalyst, Role::kService});
  policy.Allow(m("ListVeryWeakDepartments"),
               {Role::kProjectLeader, Role::kCoach, Role::kAnalyst, Role::kService});
  policy.Allow(m("GetYearEndCounts"), {Role::kProjectLeader, Role::kAnalyst, Role::kService});
}

grpc::ServerWriteReactor<pb::WatchResponse>* InspectionService::Watch(
    grpc::CallbackServerContext* context, const pb::WatchRequest* request) {
  return new platform::WatchStream<pb::WatchRequest, pb::WatchResponse>(context, *request, &feed_,
                                                                        watch_);
}

grpc::ServerUnaryReactor* InspectionService::GetDepartment(grpc::CallbackServerContext* context,
                                                           const pb::GetDepartmentRequest* request,
                                                           pb::Department* response) {
  return Unary(context, [&](const CallInfo& call) -> absl::Status {
    LV_ASSIGN_OR_RETURN(std::string id, DepartmentIdFromName(request->name()));
    LV_ASSIGN_OR_RETURN(*response, inspection_.GetDepartment(id, *call.caller));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* InspectionService::ListDepartments(
    grpc::CallbackServerContext* context, const pb::ListDepartmentsRequest* request,
    pb::ListDepartmentsResponse* response) {
  return Unary(context, [&](const CallInfo& call) -> absl::Status {
    LV_ASSIGN_OR_RETURN(int page_size, PageSize(request->page_size(), 100, 1000));
    platform::FieldErrors errors;
    DepartmentFilter filter;
    for (int v : request->verdicts()) {
      if (v == common::VERDICT_UNSPECIFIED || !common::Verdict_IsValid(v)) {
        errors.Add("verdicts", absl::StrCat(v, " is not a known verdict"));
      }
      filter.verdicts.push_back(static_cast<common::Verdict>(v));
    }
    if (!common::RiskSignalKind_IsValid(request->risk_signal())) {
      errors.Add("risk_signal", "is not a known risk signal kind");
    }
    if (!common::SchoolType_IsValid(request->school_type())) {
      errors.Add("school_type", "is not a known school type");
    }
    if (!request->brin().empty() && !ValidateBrin(request->brin()).ok()) {
      errors.Add("brin", ValidateBrin(request->brin()).message());
    }
    LV_RETURN_IF_ERROR(errors.ToStatus());
    filter.risk_signal = request->risk_signal();
    filter.board_number = request->board_number();
    filter.school_type = request->school_type();
    filter.region = request->region();
    filter.brin = request->brin();
    filter.show_closed = request->show_closed();
    LV_ASSIGN_OR_RETURN(
        DepartmentPage page,
        inspection_.ListDepartments(filter, request->page_token(), page_size, *call.caller));
    for (auto& d : page.departments) *response->add_departments() = std::move(d);
    response->set_next_page_token(page.next_page_token);
    response->set_total_size(page.total_size);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* InspectionService::CreateDepartment(
    grpc::CallbackServerContext* context, const pb::CreateDepartmentRequest* request,
    pb::Department* response) {
  return Unary(context, [&](const CallInfo& call) -> absl::Status {
    if (request->display_name().size() > 300) {
      return FieldError("display_name", "is longer than 300 bytes");
    }
    if (request->region().size() > 100) return FieldError("region", "is longer than 100 bytes");
    LV_ASSIGN_OR_RETURN(*response, inspection_.CreateDepartment(*request, ActorOf(call)));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* InspectionService::CloseDepartment(
    grpc::CallbackServerContext* context, const pb::CloseDepartmentRequest* request,
    pb::Department* response) {
  return Unary(context, [&](const CallInfo& call) -> absl::Status {
    LV_ASSIGN_OR_RETURN(std::string id, DepartmentIdFromName(request->name()));
    LV_RETURN_IF_ERROR(RequiredText("reason", request->reason(), 1000));
    LV_ASSIGN_OR_RETURN(*response,
                        inspection_.CloseDepartment(id, request->reason(), ActorOf(call)));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* InspectionService::ListVerdicts(grpc::CallbackServerContext* context,
                                                          const pb::ListVerdictsRequest* request,
                                                          pb::ListVerdictsResponse* response) {
  return Unary(context, [&](const CallInfo& call) -> absl::Status {
    LV_ASSIGN_OR_RETURN(std::string id, DepartmentIdFromName(request->parent(), "parent"));
    LV_ASSIGN_OR_RETURN(int page_size, PageSize(request->page_size(), 100, 1000));
    int64_t before = INT64_MAX;
    if (!request->page_token().empty() &&
        (!absl::SimpleAtoi(request->page_token(), &before) || before < 1)) {
      return FieldError("page_token", "is not a token this service issued");
    }
    LV_ASSIGN_OR_RETURN(std::vector<pb::Verdict> verdicts,
                        inspection_.ListVerdicts(id, before, page_size + 1, *call.caller));
    if (static_cast<int>(verdicts.size()) > page_size) {
      verdicts.pop_back();
      const std::string& last = verdicts.back().name();
      response->set_next_page_token(last.substr(last.rfind('/') + 1));
    }
    for (auto& v : verdicts) *response->add_verdicts() = std::move(v);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* InspectionService::RecordVerdict(grpc::CallbackServerContext* context,
                                                           const pb::RecordVerdictRequest* request,
                                                           pb::Verdict* response) {
  return Unary(context, [&](const CallInfo& call) -> absl::Status {
    LV_RETURN_IF_ERROR(ValidateRecordVerdict(*request, call.caller->role == Role::kInspectorate));
    LV_ASSIGN_OR_RETURN(*response, inspection_.RecordVerdict(*request, ActorOf(call)));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* InspectionService::WithdrawVerdict(
    grpc::CallbackServerContext* context, const pb::WithdrawVerdictRequest* request,
    pb::Verdict* response) {
  return Unary(context, [&](const CallInfo& call) -> absl::Status {
    std::string department_id;
    int64_t seq = 0;
    LV_RETURN_IF_ERROR(ParseVerdictName(request->name(), &department_id, &seq));
    LV_RETURN_IF_ERROR(RequiredText("reason", request->reason(), 1000));
    LV_ASSIGN_OR_RETURN(*response, inspection_.WithdrawVerdict(department_id, seq,
                                                               request->reason(), ActorOf(call)));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* InspectionService::RecordRiskSignal(
    grpc::CallbackServerContext* context, const pb::RecordRiskSignalRequest* request,
    pb::RiskSignal* response) {
  return Unary(context, [&](const CallInfo& call) -> absl::Status {
    LV_RETURN_IF_ERROR(
        ValidateRecordRiskSignal(*request, call.caller->role == Role::kInspectorate));
    LV_ASSIGN_OR_RETURN(*response, inspection_.RecordRiskSignal(*request, ActorOf(call)));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* InspectionService::ListRiskSignals(
    grpc::CallbackServerContext* context, const pb::ListRiskSignalsRequest* request,
    pb::ListRiskSignalsResponse* response) {
  return Unary(context, [&](const CallInfo& call) -> absl::Status {
    LV_ASSIGN_OR_RETURN(std::string id, DepartmentIdFromName(request->parent(), "parent"));
    LV_ASSIGN_OR_RETURN(std::vector<pb::RiskSignal> signals,
                        inspection_.ListRiskSignals(id, *call.caller));
    for (auto& s : signals) *response->add_risk_signals() = std::move(s);
    return absl::OkStatus();
  });
}

grpc::ServerReadReactor<pb::PushRecordsRequest>* InspectionService::PushRecords(
    grpc::CallbackServerContext* context, pb::PushRecordsResponse* response) {
  auto records = std::make_shared<std::vector<pb::PushRecordsRequest>>();
  auto invalid = std::make_shared<pb::PushRecordsResponse>();
  return new platform::ClientStream<pb::PushRecordsRequest>(
      context,
      [this, records, invalid](const CallInfo& call, pb::PushRecordsRequest& record) {
        if (static_cast<int>(records->size()) >= config_.max_push_records) {
          return absl::ResourceExhaustedError(absl::StrCat(
              "a batch holds at most ", config_.max_push_records, " records; split it"));
        }
        const int position = static_cast<int>(records->size());
        absl::Status valid =
            record.has_verdict() ? ValidateRecordVerdict(record.verdict(), true, "verdict.")
            : record.has_risk_signal()
                ? ValidateRecordRiskSignal(record.risk_signal(), true, "risk_signal.")
                : FieldError("record", "set verdict or risk_signal");
        for (const auto& [field, why] : platform::FieldViolations(valid)) {
          pb::RowError* e = invalid->add_errors();
          e->set_line(position);
          e->set_column(field);
          e->set_reason(why);
        }
        records->push_back(std::move(record));
        return absl::OkStatus();
      },
      [this, records, invalid, response](const CallInfo& call) -> absl::Status {
        if (invalid->errors_size() > 0) {
          *response = *invalid;
          response->set_received(static_cast<int32_t>(records->size()));
          return absl::OkStatus();
        }
        LV_ASSIGN_OR_RETURN(*response, inspection_.PushRecords(*records, ActorOf(call)));
        return absl::OkStatus();
      });
}

grpc::ServerReadReactor<pb::ImportVerdictFileRequest>* InspectionService::ImportVerdictFile(
    grpc::CallbackServerContext* context, pb::ImportRun* response) {
  struct Upload {
    bool has_metadata = false;
    pb::ImportVerdictFileRequest::Metadata metadata;
    std::string bytes;
  };
  auto upload = std::make_shared<Upload>();
  return new platform::ClientStream<pb::ImportVerdictFileRequest>(
      context,
      [this, upload](const CallInfo&, pb::ImportVerdictFileRequest& message) -> absl::Status {
        if (message.has_metadata()) {
          if (upload->has_metadata) return FieldError("metadata", "must be sent once, first");
          const auto& md = message.metadata();
          if (md.file_name().size() > 255) return FieldError("metadata.file_name", "is too long");
          if (!pb::FileFormat_IsValid(md.format())) {
            return FieldError("metadata.format", "is not a known format");
          }
          upload->has_metadata = true;
          upload->metadata = md;
          return absl::OkStatus();
        }
        if (!upload->has_metadata) return FieldError("metadata", "must come before any chunk");
        if (static_cast<int64_t>(upload->bytes.size() + message.chunk().size()) >
            config_.max_import_bytes) {
          return absl::ResourceExhaustedError(
              absl::StrCat("the upload exceeds the limit of ", config_.max_import_bytes, " bytes"));
        }
        upload->bytes += message.chunk();
        return absl::OkStatus();
      },
      [this, upload, response](const CallInfo& call) -> absl::Status {
        if (!upload->has_metadata) return FieldError("metadata", "is required");
        ImportOptions options;
        options.file_name = upload->metadata.file_name();
        options.format = upload->metadata.format();
        options.validate_only = upload->metadata.validate_only();
        options.skip_invalid_rows = upload->metadata.skip_invalid_rows();
        LV_ASSIGN_OR_RETURN(*response,
                            inspection_.ImportFile(upload->bytes, options, ActorOf(call)));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* InspectionService::GetImportRun(grpc::CallbackServerContext* context,
                                                          const pb::GetImportRunRequest* request,
                                                          pb::ImportRun* response) {
  return Unary(context, [&](const CallInfo&) -> absl::Status {
    absl::string_view id = request->name();
    if (!absl::ConsumePrefix(&id, "importRuns/") || id.empty()) {
      return FieldError("name", "must be importRuns/{id}");
    }
    LV_ASSIGN_OR_RETURN(*response, inspection_.GetImportRun(std::string(id)));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* InspectionService::ListImportRuns(
    grpc::CallbackServerContext* context, const pb::ListImportRunsRequest* request,
    pb::ListImportRunsResponse* response) {
  return Unary(context, [&](const CallInfo&) -> absl::Status {
    LV_ASSIGN_OR_RETURN(int page_size, PageSize(request->page_size(), 50, 500));
    std::string next;
    LV_ASSIGN_OR_RETURN(std::vector<pb::ImportRun> runs,
                        inspection_.ListImportRuns(request->page_token(), page_size, &next));
    for (auto& r : runs) *response->add_import_runs() = std::move(r);
    response->set_next_page_token(next);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* InspectionService::ListDueRestorations(
    grpc::CallbackServerContext* context, const pb::ListDueRestorationsRequest* request,
    pb::ListDueRestorationsResponse* response) {
  return Unary(context, [&](const CallInfo&) -> absl::Status {
    absl::Duration within = absl::Hours(24 * 90);
    if (request->has_within()) {
      within = absl::Seconds(request->within().seconds());
      if (within < absl::ZeroDuration() || within > absl::Hours(24 * 366 * 5)) {
        return FieldError("within", "must be between 0 and 5 years");
      }
    }
    LV_ASSIGN_OR_RETURN(std::vector<pb::DueRestoration> due,
                        inspection_.ListDueRestorations(within));
    for (auto& d : due) *response->add_restorations() = std::move(d);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* InspectionService::ListVeryWeakDepartments(
    grpc::CallbackServerContext* context, const pb::ListVeryWeakDepartmentsRequest*,
    pb::ListVeryWeakDepartmentsResponse* response) {
  return Unary(context, [&](const CallInfo&) -> absl::Status {
    LV_ASSIGN_OR_RETURN(std::vector<pb::Department> list, inspection_.ListVeryWeakDepartments());
    for (auto& d : list) *response->add_departments() = std::move(d);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* InspectionService::GetYearEndCounts(
    grpc::CallbackServerContext* context, const pb::GetYearEndCountsRequest* request,
    pb::GetYearEndCountsResponse* response) {
  return Unary(context, [&](const CallInfo&) -> absl::Status {
    platform::FieldErrors errors;
    if (request->first_year() < 1990 || request->first_year() > 2200) {
      errors.Add("first_year", "must be between 1990 and 2200");
    }
    if (request->last_year() < request->first_year() ||
        request->last_year() - request->first_year() > 100) {
      errors.Add("last_year", "must be from first_year up to 100 years later");
    }
    LV_RETURN_IF_ERROR(errors.ToStatus());
    LV_ASSIGN_OR_RETURN(std::vector<pb::YearEndCount> counts,
                        inspection_.YearEndCounts(request->first_year(), request->last_year()));
    for (auto& c : counts) *response->add_counts() = std::move(c);
    return absl::OkStatus();
  });
}

}  // namespace lv::inspection
