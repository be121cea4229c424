// lv inspection <command>: the inspection service from the command line.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "lerenverbeteren/inspection/v1/inspection_service.grpc.pb.h"

ABSL_FLAG(std::string, file, "", "inspection import: the file to upload (.ods or .csv)");
ABSL_FLAG(bool, validate_only, false, "inspection import: report, write nothing");
ABSL_FLAG(bool, skip_invalid_rows, false, "inspection import: import good rows despite bad ones");
ABSL_FLAG(std::string, json, "", "the request as JSON (record-verdict, record-risk)");
ABSL_FLAG(std::string, name, "", "a resource name, e.g. departments/00AH-00-havo");
ABSL_FLAG(std::string, verdicts, "",
          "departments: comma-separated verdicts, e.g. VERY_WEAK,INSUFFICIENT");
ABSL_FLAG(std::string, brin, "", "departments: only this school");
ABSL_FLAG(std::string, board, "", "departments: only this board number");
ABSL_FLAG(int, within_days, 90, "due: how many days ahead");
ABSL_FLAG(int, from_year, 2016, "year-end: first year");
ABSL_FLAG(int, to_year, 2026, "year-end: last year");
ABSL_FLAG(std::string, reason, "", "withdraw, close: why");

namespace lv::cli {
namespace {

namespace pb = ::lerenverbeteren::inspection::v1;
namespace common = ::lerenverbeteren::common::v1;

std::unique_ptr<pb::InspectionService::Stub> Stub() {
  return pb::InspectionService::NewStub(Channel());
}

int Import() {
  const std::string path = absl::GetFlag(FLAGS_file);
  std::ifstream in(path, std::ios::binary);
  if (path.empty() || !in) {
    std::fprintf(stderr, "lv inspection import: cannot read --file '%s'\n", path.c_str());
    return 2;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string bytes = ss.str();
  grpc::ClientContext context;
  Prepare(&context);
  pb::ImportRun run;
  auto stub = Stub();
  auto writer = stub->ImportVerdictFile(&context, &run);
  pb::ImportVerdictFileRequest first;
  first.mutable_metadata()->set_file_name(path.substr(path.rfind('/') + 1));
  first.mutable_metadata()->set_validate_only(absl::GetFlag(FLAGS_validate_only));
  first.mutable_metadata()->set_skip_invalid_rows(absl::GetFlag(FLAGS_skip_invalid_rows));
  bool open = writer->Write(first);
  constexpr size_t kChunk = 1 << 20;
  for (size_t off = 0; open && off < bytes.size(); off += kChunk) {
    pb::ImportVerdictFileRequest chunk;
    chunk.set_chunk(bytes.substr(off, kChunk));
    open = writer->Write(chunk);
  }
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  if (!status.ok()) return Fail(status);
  std::fprintf(stderr,
               "%s: %s  rows %d (other sectors %d)  departments +%d  verdicts +%d ~%d -%d  "
               "unchanged %d  rejected %d  flagged %d\n",
               run.name().c_str(), pb::ImportRunState_Name(run.state()).c_str(), run.rows_read(),
               run.rows_skipped(), run.departments_added(), run.verdicts_added(),
               run.verdicts_changed(), run.verdicts_withdrawn(), run.rows_unchanged(),
               run.rows_rejected(), run.data_quality_findings());
  for (const auto& e : run.errors()) {
    std::fprintf(stderr, "  line %d %s '%s': %s\n", e.line(), e.column().c_str(), e.value().c_str(),
                 e.reason().c_str());
  }
  PrintJson(run);
  return run.state() == pb::IMPORT_RUN_STATE_FAILED ? 1 : 0;
}

int Departments() {
  pb::ListDepartmentsRequest request;
  for (absl::string_view v :
       absl::StrSplit(absl::GetFlag(FLAGS_verdicts), ',', absl::SkipEmpty())) {
    common::Verdict verdict;
    if (!common::Verdict_Parse(absl::StrCat("VERDICT_", v), &verdict)) {
      std::fprintf(stderr, "lv: --verdicts: unknown verdict '%s'\n", std::string(v).c_str());
      return 2;
    }
    request.add_verdicts(verdict);
  }
  request.set_brin(absl::GetFlag(FLAGS_brin));
  request.set_board_number(absl::GetFlag(FLAGS_board));
  request.set_page_size(500);
  auto stub = Stub();
  do {
    grpc::ClientContext context;
    Prepare(&context);
    pb::ListDepartmentsResponse page;
    grpc::Status status = stub->ListDepartments(&context, request, &page);
    if (!status.ok()) return Fail(status);
    for (const auto& d : page.departments()) PrintJson(d);
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  return 0;
}

template <typename Request, typename Response, typename Method>
int Call(const Request& request, Method method) {
  auto stub = Stub();
  grpc::ClientContext context;
  Prepare(&context);
  Response response;
  grpc::Status status = ((*stub).*method)(&context, request, &response);
  if (!status.ok()) return Fail(status);
  PrintJson(response);
  return 0;
}

}  // namespace

int RunInspection(const std::vector<std::string>& args) {
  const std::string command = args.empty() ? "" : args[0];
  if (command == "import") return Import();
  if (command == "departments") return Departments();
  if (command == "department") {
    pb::GetDepartmentRequest r;
    r.set_name(absl::GetFlag(FLAGS_name));
    return Call<pb::GetDepartmentRequest, pb::Department>(
        r, &pb::InspectionService::Stub::GetDepartment);
  }
  if (command == "history") {
    pb::ListVerdictsRequest r;
    r.set_parent(absl::GetFlag(FLAGS_name));
    return Call<pb::ListVerdictsRequest, pb::ListVerdictsResponse>(
        r, &pb::InspectionService::Stub::ListVerdicts);
  }
  if (command == "record-verdict") {
    pb::RecordVerdictRequest r;
    if (!ParseJson(absl::GetFlag(FLAGS_json), &r)) return 2;
    return Call<pb::RecordVerdictRequest, pb::Verdict>(r,
                                                       &pb::InspectionService::Stub::RecordVerdict);
  }
  if (command == "record-risk") {
    pb::RecordRiskSignalRequest r;
    if (!ParseJson(absl::GetFlag(FLAGS_json), &r)) return 2;
    return Call<pb::RecordRiskSignalRequest, pb::RiskSignal>(
        r, &pb::InspectionService::Stub::RecordRiskSignal);
  }
  if (command == "withdraw") {
    pb::WithdrawVerdictRequest r;
    r.set_name(absl::GetFlag(FLAGS_name));
    r.set_reason(absl::GetFlag(FLAGS_reason));
    return Call<pb::WithdrawVerdictRequest, pb::Verdict>(
        r, &pb::InspectionService::Stub::WithdrawVerdict);
  }
  if (command == "close") {
    pb::CloseDepartmentRequest r;
    r.set_name(absl::GetFlag(FLAGS_name));
    r.set_reason(absl::GetFlag(FLAGS_reason));
    return Call<pb::CloseDepartmentRequest, pb::Department>(
        r, &pb::InspectionService::Stub::CloseDepartment);
  }
  if (command == "due") {
    pb::ListDueRestorationsRequest r;
    r.mutable_within()->set_seconds(int64_t{86400} * absl::GetFlag(FLAGS_within_days));
    return Call<pb::ListDueRestorationsRequest, pb::ListDueRestorationsResponse>(
        r, &pb::InspectionService::Stub::ListDueRestorations);
  }
  if (command == "very-weak") {
    return Call<pb::ListVeryWeakDepartmentsRequest, pb::ListVeryWeakDepartmentsResponse>(
        {}, &pb::InspectionService::Stub::ListVeryWeakDepartments);
  }
  if (command == "year-end") {
    pb::GetYearEndCountsRequest r;
    r.set_first_year(absl::GetFlag(FLAGS_from_year));
    r.set_last_year(absl::GetFlag(FLAGS_to_year));
    return Call<pb::GetYearEndCountsRequest, pb::GetYearEndCountsResponse>(
        r, &pb::InspectionService::Stub::GetYearEndCounts);
  }
  if (command == "runs") {
    return Call<pb::ListImportRunsRequest, pb::ListImportRunsResponse>(
        {}, &pb::InspectionService::Stub::ListImportRuns);
  }
  std::fprintf(stderr,
               "lv inspection: commands: import departments department history record-verdict "
               "record-risk withdraw close due very-weak year-end runs\n");
  return 2;
}

}  // namespace lv::cli
