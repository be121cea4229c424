// inspection-svc over real gRPC on an ephemeral port, against the engine this binary was built
// for (SQLite, or the PostgreSQL server the test command starts).
#include "inspection-svc/inspection_service.h"

#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "lerenverbeteren/inspection/v1/events.pb.h"
#include "platform/errors.h"
#include "platform/testing/test_db.h"
#include "platform/testing/test_service.h"

namespace lv::inspection {
namespace {

using platform::testing::ContextAs;

std::string Fixture() {
  std::ifstream in(std::string(LV_INSPECTION_TESTDATA) + "/oordelen-fixture-scholen.ods",
                   std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

common::DepartmentRef Ref(const char* brin, const char* location, common::SchoolType type) {
  common::DepartmentRef r;
  r.set_brin(brin);
  r.set_location(location);
  r.set_school_type(type);
  return r;
}

class InspectionServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = platform::testing::NewTestDatabase(platform::testing::EngineUnderTest(), &clock_);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    ASSERT_TRUE(db_->Migrate("inspection", Migrations()).ok());
    platform::ServerConfig config;
    config.watch = platform::testing::TestServer::FastWatch();
    InspectionConfig limits;
    limits.max_import_bytes = 4 << 20;
    service_ = std::make_unique<InspectionService>(db_.get(), config, limits, &clock_);
    server_ = std::make_unique<platform::testing::TestServer>(service_.get(), config.watch);
    ASSERT_TRUE(server_->status().ok()) << server_->status();
    stub_ = pb::InspectionService::NewStub(server_->Channel());
  }

  pb::ImportRun Import(const std::string& bytes, bool validate_only = false,
                       grpc::Status* status_out = nullptr, size_t chunk = 1000) {
    auto context = ContextAs("project_leader", "pl-1");
    pb::ImportRun run;
    auto writer = stub_->ImportVerdictFile(context.get(), &run);
    pb::ImportVerdictFileRequest first;
    first.mutable_metadata()->set_file_name("oordelen-fixture-scholen.ods");
    first.mutable_metadata()->set_validate_only(validate_only);
    writer->Write(first);
    for (size_t off = 0; off < bytes.size(); off += chunk) {
      pb::ImportVerdictFileRequest piece;
      piece.set_chunk(bytes.substr(off, chunk));
      if (!writer->Write(piece)) break;
    }
    writer->WritesDone();
    grpc::Status status = writer->Finish();
    if (status_out != nullptr) {
      *status_out = status;
    } else {
      EXPECT_TRUE(status.ok()) << status.error_message();
    }
    return run;
  }

  int64_t FeedHead() { return platform::ChangeFeed(db_.get()).Bounds()->head; }

  std::vector<platform::ChangeEvent> Events(int64_t after) {
    return *platform::ChangeFeed(db_.get()).ReadAfter(after, 100000);
  }

  grpc::Status Record(const char* role, const pb::RecordVerdictRequest& request, pb::Verdict* out) {
    auto context = ContextAs(role, "x");
    return stub_->RecordVerdict(context.get(), request, out);
  }

  pb::RecordVerdictRequest VeryWeakPush(const char* id) {
    pb::RecordVerdictRequest r;
    *r.mutable_department() = Ref("12AB", "00", common::SCHOOL_TYPE_HAVO);
    r.mutable_board()->set_number("41000");
    r.mutable_board()->set_name("Stichting Test");
    r.set_source_record_id(id);
    pb::Verdict& v = *r.mutable_verdict();
    v.set_value(common::VERDICT_VERY_WEAK);
    v.set_investigation_number("900001");
    *v.mutable_investigation_date() = ToDate(absl::CivilDay(2025, 9, 1));
    for (const char* code : {"OR1", "OP3"}) {
      auto* s = v.add_standards();
      s->set_framework("VO2021_V23");
      s->set_code(code);
      s->set_judgement(pb::STANDARD_JUDGEMENT_INSUFFICIENT);
    }
    return r;
  }

  platform::FakeClock clock_{
      absl::FromCivil(absl::CivilSecond(2026, 3, 10, 9, 0, 0), absl::UTCTimeZone())};
  std::unique_ptr<platform::Database> db_;
  std::unique_ptr<InspectionService> service_;
  std::unique_ptr<platform::testing::TestServer> server_;
  std::unique_ptr<pb::InspectionService::Stub> stub_;
};

TEST_F(InspectionServiceTest, ImportingTheSameFileTwiceChangesNothingTheSecondTime) {
  pb::ImportRun first = Import(Fixture());
  ASSERT_EQ(first.state(), pb::IMPORT_RUN_STATE_SUCCEEDED) << first.DebugString();
  EXPECT_EQ(first.rows_read(), 22);
  EXPECT_EQ(first.rows_skipped(), 5);
  EXPECT_GT(first.departments_added(), 10);
  EXPECT_EQ(first.data_quality_findings(), 1);
  const int64_t head = FeedHead();
  EXPECT_GE(head, first.verdicts_added());

  pb::ImportRun second = Import(Fixture());
  ASSERT_EQ(second.state(), pb::IMPORT_RUN_STATE_SUCCEEDED);
  EXPECT_EQ(second.departments_added(), 0);
  EXPECT_EQ(second.verdicts_added(), 0);
  EXPECT_EQ(second.verdicts_changed(), 0);
  EXPECT_EQ(second.rows_unchanged(), first.departments_added());
  EXPECT_EQ(FeedHead(), head);  // no events

  auto context = ContextAs("analyst", "a");
  pb::ListImportRunsResponse runs;
  ASSERT_TRUE(stub_->ListImportRuns(context.get(), pb::ListImportRunsRequest(), &runs).ok());
  EXPECT_EQ(runs.import_runs_size(), 2);
}

TEST_F(InspectionServiceTest, ValidateOnlyReportsWithoutWriting) {
  pb::ImportRun run = Import(Fixture(), /*validate_only=*/true);
  EXPECT_EQ(run.state(), pb::IMPORT_RUN_STATE_VALIDATED);
  EXPECT_GT(run.verdicts_added(), 0);
  EXPECT_EQ(FeedHead(), 0);
  auto context = ContextAs("project_leader", "pl");
  pb::ListDepartmentsResponse list;
  ASSERT_TRUE(stub_->ListDepartments(context.get(), pb::ListDepartmentsRequest(), &list).ok());
  EXPECT_EQ(list.total_size(), 0);
}

TEST_F(InspectionServiceTest, BrokenFilesFailTheRunAndWriteNothing) {
  std::string ods = Fixture();
  pb::ImportRun truncated = Import(ods.substr(0, ods.size() - 100));
  EXPECT_EQ(truncated.state(), pb::IMPORT_RUN_STATE_FAILED);
  ASSERT_EQ(truncated.errors_size(), 1);
  const std::string csv = "Peildatum;Sector;OVT\n01-03-2026;VO;00AH|00|HAVO\n";
  pb::ImportRun missing = Import(csv);
  EXPECT_EQ(missing.state(), pb::IMPORT_RUN_STATE_FAILED);
  EXPECT_NE(missing.errors(0).reason().find("required column"), std::string::npos);
  EXPECT_EQ(FeedHead(), 0);

  grpc::Status status;
  Import(std::string(5 << 20, 'x'), false, &status, 1 << 20);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(status.error_message().find("4194304 bytes"), std::string::npos);
}

TEST_F(InspectionServiceTest, APushedRecordIsIdempotentByItsSourceId) {
  pb::Verdict first, again;
  ASSERT_TRUE(Record("inspectorate", VeryWeakPush("insp-1"), &first).ok());
  const int64_t head = FeedHead();
  ASSERT_TRUE(Record("inspectorate", VeryWeakPush("insp-1"), &again).ok());
  EXPECT_EQ(again.name(), first.name());
  EXPECT_EQ(FeedHead(), head);
  EXPECT_EQ(first.status(), pb::VERDICT_STATUS_PROVISIONAL);
  EXPECT_EQ(first.source(), pb::RECORD_SOURCE_PUSH);

  pb::RecordVerdictRequest no_id = VeryWeakPush("");
  grpc::Status missing = Record("inspectorate", no_id, &again);
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(platform::FieldViolations(platform::FromGrpcStatus(missing))[0].first,
            "source_record_id");
}

TEST_F(InspectionServiceTest, TheVeryWeakRuleBindsManualEntriesUnlessOverridden) {
  pb::RecordVerdictRequest r = VeryWeakPush("");
  r.mutable_verdict()->mutable_standards(0)->set_judgement(pb::STANDARD_JUDGEMENT_SUFFICIENT);
  pb::Verdict out;
  grpc::Status refused = Record("project_leader", r, &out);
  ASSERT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(platform::FieldViolations(platform::FromGrpcStatus(refused))[0].first,
            "verdict.standards");
  EXPECT_EQ(FeedHead(), 0);
  r.set_override_reason("inspectorate letter of 2025-09-20 confirms the decision");
  ASSERT_TRUE(Record("project_leader", r, &out).ok());
  EXPECT_EQ(out.source(), pb::RECORD_SOURCE_MANUAL);
  EXPECT_EQ(out.data_quality_findings_size(), 1);
  // The inspectorate is the authority: the same contradiction is kept and flagged.
  pb::RecordVerdictRequest pushed = r;
  pushed.clear_override_reason();
  pushed.set_source_record_id("insp-7");
  ASSERT_TRUE(Record("inspectorate", pushed, &out).ok());
  EXPECT_EQ(out.data_quality_findings_size(), 1);
}

TEST_F(InspectionServiceTest, HistoryRunsFromProvisionalToEstablishedToRecovered) {
  pb::Verdict out;
  const int64_t start = FeedHead();
  ASSERT_TRUE(Record("inspectorate", VeryWeakPush("p-1"), &out).ok());
  pb::RecordVerdictRequest established = VeryWeakPush("p-2");
  *established.mutable_verdict()->mutable_established_date() = ToDate(absl::CivilDay(2025, 11, 10));
  ASSERT_TRUE(Record("inspectorate", established, &out).ok());
  EXPECT_EQ(out.status(), pb::VERDICT_STATUS_ESTABLISHED);
  EXPECT_EQ(out.restoration_deadline().year(), 2026);
  EXPECT_EQ(out.restoration_deadline().month(), 11);

  auto pl = ContextAs("project_leader", "pl");
  pb::ListVeryWeakDepartmentsResponse list;
  ASSERT_TRUE(stub_->ListVeryWeakDepartments(pl.get(), {}, &list).ok());
  ASSERT_EQ(list.departments_size(), 1);
  pb::ListDueRestorationsRequest due_request;
  due_request.mutable_within()->set_seconds(365 * 86400);
  pb::ListDueRestorationsResponse due;
  auto pl2 = ContextAs("project_leader", "pl");
  ASSERT_TRUE(stub_->ListDueRestorations(pl2.get(), due_request, &due).ok());
  ASSERT_EQ(due.restorations_size(), 1);
  EXPECT_EQ(due.restorations(0).days_left(), 245);  // 2026-03-10 -> 2026-11-10

  pb::RecordVerdictRequest recovered = VeryWeakPush("p-3");
  pb::Verdict& v = *recovered.mutable_verdict();
  v.set_value(common::VERDICT_SUFFICIENT);
  v.set_investigation_number("900002");
  v.clear_standards();
  *v.mutable_investigation_date() = ToDate(absl::CivilDay(2026, 10, 1));
  *v.mutable_established_date() = ToDate(absl::CivilDay(2026, 10, 20));
  ASSERT_TRUE(Record("inspectorate", recovered, &out).ok());

  auto events = Events(start);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].type(), "inspection.verdict.recorded");
  EXPECT_EQ(events[1].type(), "inspection.verdict.changed");  // same investigation, established
  EXPECT_EQ(events[2].type(), "inspection.verdict.recorded");
  pb::VerdictEvent last;
  ASSERT_TRUE(events[2].payload().UnpackTo(&last));
  EXPECT_EQ(last.previous_verdict().value(), common::VERDICT_VERY_WEAK);
  EXPECT_EQ(last.department().current_verdict().value(), common::VERDICT_SUFFICIENT);

  auto pl3 = ContextAs("project_leader", "pl");
  pb::ListVerdictsRequest history_request;
  history_request.set_parent("departments/12AB-00-havo");
  pb::ListVerdictsResponse history;
  ASSERT_TRUE(stub_->ListVerdicts(pl3.get(), history_request, &history).ok());
  ASSERT_EQ(history.verdicts_size(), 3);
  EXPECT_EQ(history.verdicts(0).value(), common::VERDICT_SUFFICIENT);  // newest first
  auto pl4 = ContextAs("project_leader", "pl");
  ASSERT_TRUE(stub_->ListVeryWeakDepartments(pl4.get(), {}, &list).ok());
  EXPECT_EQ(list.departments_size(), 0);

  auto analyst = ContextAs("analyst", "a");
  pb::GetYearEndCountsRequest counts_request;
  counts_request.set_first_year(2025);
  counts_request.set_last_year(2026);
  pb::GetYearEndCountsResponse counts;
  ASSERT_TRUE(stub_->GetYearEndCounts(analyst.get(), counts_request, &counts).ok());
  EXPECT_EQ(counts.counts(0).very_weak(), 1);  // still very weak at the end of 2025
  EXPECT_EQ(counts.counts(1).very_weak(), 0);  // recovered in 2026

  // Withdrawing the recovery (appeal) makes the very-weak verdict current again.
  auto insp = ContextAs("inspectorate", "i");
  pb::WithdrawVerdictRequest withdraw;
  withdraw.set_name(out.name());
  withdraw.set_reason("appeal upheld");
  pb::Verdict withdrawn;
  ASSERT_TRUE(stub_->WithdrawVerdict(insp.get(), withdraw, &withdrawn).ok());
  EXPECT_EQ(withdrawn.status(), pb::VERDICT_STATUS_WITHDRAWN);
  auto pl5 = ContextAs("project_leader", "pl");
  pb::GetDepartmentRequest get;
  get.set_name("departments/12AB-00-havo");
  pb::Department department;
  ASSERT_TRUE(stub_->GetDepartment(pl5.get(), get, &department).ok());
  EXPECT_EQ(department.current_verdict().value(), common::VERDICT_VERY_WEAK);
}

TEST_F(InspectionServiceTest, DatesOutOfOrderAreRejectedNamingTheField) {
  pb::RecordVerdictRequest r = VeryWeakPush("d-1");
  *r.mutable_verdict()->mutable_established_date() = ToDate(absl::CivilDay(2025, 8, 1));
  pb::Verdict out;
  grpc::Status status = Record("inspectorate", r, &out);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(platform::FieldViolations(platform::FromGrpcStatus(status))[0].first,
            "verdict.established_date");
  r.mutable_department()->set_brin("12ab");
  status = Record("inspectorate", r, &out);
  EXPECT_EQ(platform::FieldViolations(platform::FromGrpcStatus(status))[0].first,
            "department.brin");
}

TEST_F(InspectionServiceTest, SchoolsSeeOnlyTheirOwnDepartmentsAndPagesCoverAll) {
  ASSERT_EQ(Import(Fixture()).state(), pb::IMPORT_RUN_STATE_SUCCEEDED);
  auto school = ContextAs("school", "00CB");
  pb::ListDepartmentsResponse own;
  ASSERT_TRUE(stub_->ListDepartments(school.get(), pb::ListDepartmentsRequest(), &own).ok());
  ASSERT_GE(own.departments_size(), 2);
  for (const auto& d : own.departments()) EXPECT_EQ(d.ref().brin(), "00CB");
  auto school2 = ContextAs("school", "00CB");
  pb::GetDepartmentRequest other;
  other.set_name("departments/00DI-02-havo");
  pb::Department d;
  EXPECT_EQ(stub_->GetDepartment(school2.get(), other, &d).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  std::set<std::string> seen;
  pb::ListDepartmentsRequest request;
  request.set_page_size(4);
  int total = -1;
  do {
    auto pl = ContextAs("project_leader", "pl");
    pb::ListDepartmentsResponse page;
    ASSERT_TRUE(stub_->ListDepartments(pl.get(), request, &page).ok());
    total = page.total_size();
    for (const auto& dep : page.departments()) EXPECT_TRUE(seen.insert(dep.name()).second);
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  EXPECT_EQ(static_cast<int>(seen.size()), total);
}

TEST_F(InspectionServiceTest, ABatchWithOneBadRecordRecordsNothing) {
  auto context = ContextAs("inspectorate", "i");
  pb::PushRecordsResponse response;
  auto writer = stub_->PushRecords(context.get(), &response);
  pb::PushRecordsRequest good;
  *good.mutable_verdict() = VeryWeakPush("b-1");
  pb::PushRecordsRequest bad;
  *bad.mutable_risk_signal()->mutable_department() = Ref("12AB", "00", common::SCHOOL_TYPE_VWO);
  bad.mutable_risk_signal()->set_source_record_id("r-1");  // no kind, no date
  ASSERT_TRUE(writer->Write(good));
  ASSERT_TRUE(writer->Write(bad));
  writer->WritesDone();
  ASSERT_TRUE(writer->Finish().ok());
  EXPECT_EQ(response.recorded(), 0);
  ASSERT_GE(response.errors_size(), 2);
  EXPECT_EQ(response.errors(0).line(), 1);
  EXPECT_EQ(FeedHead(), 0);
}

}  // namespace
}  // namespace lv::inspection
