// intake-svc over real gRPC, with a real inspection-svc (whose feed it consumes) and a real
// coaching-svc (where confirmed matches open trajectories), each on its own port and database.
#include "intake-svc/intake_service.h"

#include <fstream>
#include <sstream>
#include <thread>

#include "coaching-svc/coaching_service.h"
#include "gtest/gtest.h"
#include "inspection-svc/inspection.h"
#include "inspection-svc/inspection_service.h"
#include "platform/errors.h"
#include "platform/testing/test_db.h"
#include "platform/testing/test_service.h"

namespace lv::intake {
namespace {

using platform::testing::ContextAs;

std::string Field(const grpc::Status& s) {
  auto v = platform::FieldViolations(platform::FromGrpcStatus(s));
  return v.empty() ? "" : v[0].first;
}

std::string Fixture() {
  std::ifstream in(std::string(LV_INSPECTION_TESTDATA) + "/oordelen-fixture-scholen.ods",
                   std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class IntakeServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto engine = platform::testing::EngineUnderTest();
    watch_ = platform::testing::TestServer::FastWatch();
    platform::ServerConfig server;
    server.watch = watch_;
    // inspection-svc with the real-format fixture imported.
    {
      auto opened = platform::testing::NewTestDatabase(engine, &platform::RealClock());
      ASSERT_TRUE(opened.ok()) << opened.status();
      inspection_db_ = *std::move(opened);
    }
    ASSERT_TRUE(inspection_db_->Migrate("inspection", inspection::Migrations()).ok());
    inspection::Inspection importer(inspection_db_.get(), &platform::RealClock());
    ASSERT_TRUE(
        importer.ImportFile(Fixture(), {}, {{platform::Role::kProjectLeader, "pl"}, "t"}).ok());
    inspection_ = std::make_unique<inspection::InspectionService>(inspection_db_.get(), server);
    inspection_server_ =
        std::make_unique<platform::testing::TestServer>(inspection_.get(), server.watch);
    server.watch = platform::testing::TestServer::FastWatch();  // each server its own drain flag
    ASSERT_TRUE(inspection_server_->status().ok());
    // coaching-svc.
    {
      auto opened = platform::testing::NewTestDatabase(engine, &platform::RealClock());
      ASSERT_TRUE(opened.ok()) << opened.status();
      coaching_db_ = *std::move(opened);
    }
    ASSERT_TRUE(coaching_db_->Migrate("coaching", coaching::Migrations()).ok());
    coaching::CoachingConfig cc;
    cc.policy = *coaching::ParsePolicy(coaching::DefaultPolicyText());
    coaching_ = std::make_unique<coaching::CoachingService>(coaching_db_.get(), server, cc);
    coaching_server_ =
        std::make_unique<platform::testing::TestServer>(coaching_.get(), server.watch);
    server.watch = platform::testing::TestServer::FastWatch();
    ASSERT_TRUE(coaching_server_->status().ok());
    // intake-svc, consuming inspection and calling coaching.
    {
      auto opened = platform::testing::NewTestDatabase(engine, &clock_);
      ASSERT_TRUE(opened.ok()) << opened.status();
      db_ = *std::move(opened);
    }
    ASSERT_TRUE(db_->Migrate("intake", Migrations()).ok());
    IntakeConfig config;
    config.inspection_target = absl::StrCat("127.0.0.1:", inspection_server_->port());
    config.coaching_target = absl::StrCat("127.0.0.1:", coaching_server_->port());
    config.replica_id = "test";
    config.peer.dev_token = "dev.service.intake";
    service_ = std::make_unique<IntakeService>(db_.get(), server, config, &clock_);
    server_ = std::make_unique<platform::testing::TestServer>(service_.get(), server.watch);
    ASSERT_TRUE(server_->status().ok());
    stub_ = pb::IntakeService::NewStub(server_->Channel());
    // The inspection feed has reached intake once the very-weak department is on the worklist.
    for (int i = 0; i < 1000 && Outreach().entries_size() == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_GT(Outreach().entries_size(), 0);
    CreateCoach("c-1", "41202");  // linked to the board of 00CB: conflicted
    CreateCoach("c-2", "");
  }

  void TearDown() override {
    server_.reset();
    service_.reset();
  }

  pb::ListOutreachResponse Outreach() {
    auto ctx = ContextAs("project_leader", "pl");
    pb::ListOutreachResponse out;
    EXPECT_TRUE(stub_->ListOutreach(ctx.get(), {}, &out).ok());
    return out;
  }

  void CreateCoach(const std::string& id, const std::string& conflict_board) {
    pb::CreateCoachRequest r;
    r.set_coach_id(id);
    pb::Coach& c = *r.mutable_coach();
    c.set_display_name("Coach " + id);
    auto* e = c.add_expertise();
    e->set_theme(common::SUPPORT_THEME_LESSON_QUALITY);
    e->set_level(3);
    c.add_school_types(common::SCHOOL_TYPE_HAVO);
    c.mutable_weekly_capacity()->set_half_steps(8);
    c.set_max_trajectories(3);
    c.set_active(true);
    if (!conflict_board.empty()) c.add_conflict_boards(conflict_board);
    auto ctx = ContextAs("project_leader", "pl");
    pb::Coach out;
    ASSERT_TRUE(stub_->CreateCoach(ctx.get(), r, &out).ok());
  }

  grpc::Status Register(const std::vector<std::string>& departments, pb::Registration* out,
                        const std::string& request_id = "") {
    pb::CreateRegistrationRequest r;
    r.set_request_id(request_id);
    auto& reg = *r.mutable_registration();
    reg.set_school_brin("00CB");
    reg.set_channel(pb::CHANNEL_PROGRAMME_OUTREACH);
    reg.mutable_contact()->set_name("A. de Vries");
    reg.mutable_contact()->set_role("school leader");
    reg.mutable_contact()->set_email("a.devries@example.nl");
    reg.add_problem_themes(common::SUPPORT_THEME_LESSON_QUALITY);
    for (const auto& d : departments) reg.add_departments()->set_department(d);
    auto ctx = ContextAs("project_leader", "pl");
    return stub_->CreateRegistration(ctx.get(), r, out);
  }

  grpc::Status Intake(const pb::Registration& r, pb::Registration* out) {
    auto ctx = ContextAs("project_leader", "pl");
    pb::RecordIntakeRequest req;
    req.set_name(r.name());
    auto* in = req.mutable_intake();
    in->mutable_date()->set_year(2026);
    in->mutable_date()->set_month(3);
    in->mutable_date()->set_day(12);
    in->set_help_request("lesson quality in havo: shared view of good teaching");
    in->set_severity(pb::SEVERITY_HIGH);
    in->add_themes(common::SUPPORT_THEME_LESSON_QUALITY);
    for (const auto& d : r.departments()) {
      if (d.flanking()) req.add_accept_flanking(d.department());
    }
    return stub_->RecordIntake(ctx.get(), req, out);
  }

  grpc::Status Confirm(const pb::Registration& r, const std::string& coach, pb::Registration* out) {
    auto ctx = ContextAs("project_leader", "pl");
    pb::ConfirmMatchRequest req;
    req.set_registration(r.name());
    req.set_coach(coach);
    return stub_->ConfirmMatch(ctx.get(), req, out);
  }

  int CoachingTrajectories() {
    auto ctx = ContextAs("project_leader", "pl");
    auto stub = coaching::pb::CoachingService::NewStub(coaching_server_->Channel());
    coaching::pb::ListTrajectoriesResponse out;
    EXPECT_TRUE(stub->ListTrajectories(ctx.get(), {}, &out).ok());
    return out.trajectories_size();
  }

  platform::FakeClock clock_{
      absl::FromCivil(absl::CivilSecond(2026, 3, 10, 9, 0, 0), absl::UTCTimeZone())};
  platform::WatchOptions watch_;
  std::unique_ptr<platform::Database> inspection_db_, coaching_db_, db_;
  std::unique_ptr<inspection::InspectionService> inspection_;
  std::unique_ptr<coaching::CoachingService> coaching_;
  std::unique_ptr<IntakeService> service_;
  std::unique_ptr<platform::testing::TestServer> inspection_server_, coaching_server_, server_;
  std::unique_ptr<pb::IntakeService::Stub> stub_;
};

TEST_F(IntakeServiceTest, AVerdictFromTheInspectorateAppearsOnTheOutreachList) {
  auto list = Outreach();
  bool found = false;
  for (const auto& e : list.entries()) {
    if (e.department() != "departments/00CB-02-havo") continue;
    found = true;
    EXPECT_EQ(e.verdict(), common::VERDICT_VERY_WEAK);
    EXPECT_TRUE(e.established());
    EXPECT_GT(e.days_since_verdict(), 100);  // established 2025-09-18
  }
  EXPECT_TRUE(found);
  for (int i = 1; i < list.entries_size(); ++i) {  // oldest verdict first
    EXPECT_GE(list.entries(i - 1).days_since_verdict(), list.entries(i).days_since_verdict());
  }
  auto ctx = ContextAs("project_leader", "pl");
  pb::RecordOutreachContactRequest contact;
  contact.set_name("outreach/00CB-02-havo");
  contact.set_note("called the school leader");
  pb::OutreachEntry entry;
  ASSERT_TRUE(stub_->RecordOutreachContact(ctx.get(), contact, &entry).ok());
  EXPECT_EQ(entry.contacts_size(), 1);
  pb::Registration r;
  ASSERT_TRUE(Register({"departments/00CB-02-havo"}, &r).ok());
  ASSERT_EQ(r.outreach_entries_size(), 1) << r.DebugString();
  EXPECT_EQ(r.outreach_entries(0), "outreach/00CB-02-havo");
  const pb::ListOutreachResponse after = Outreach();
  for (const auto& e : after.entries()) EXPECT_NE(e.department(), "departments/00CB-02-havo");
}

TEST_F(IntakeServiceTest, RegistrationChecksDepartmentsAndProposesFlankingOnes) {
  pb::Registration r;
  grpc::Status unknown = Register({"departments/00CB-09-havo"}, &r);
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Field(unknown), "registration.departments[0].department");
  ASSERT_TRUE(Register({"departments/00CB-02-havo"}, &r, "req-1").ok());
  EXPECT_EQ(r.state(), pb::REGISTRATION_STATE_REGISTERED);
  EXPECT_EQ(r.category(), common::TRAJECTORY_CATEGORY_VERY_WEAK);
  bool flanking = false;
  for (const auto& d : r.departments()) {
    flanking |= d.flanking() && d.department() == "departments/00CB-02-vwo";
  }
  EXPECT_TRUE(flanking);  // the vwo department of the same location is very weak too
  pb::Registration again;
  ASSERT_TRUE(Register({"departments/00CB-02-havo"}, &again, "req-1").ok());  // retried create
  EXPECT_EQ(again.name(), r.name());
  grpc::Status twice = Register({"departments/00CB-02-havo"}, &again, "req-2");
  EXPECT_EQ(Field(twice), "registration.departments[0].department");
  EXPECT_NE(twice.error_message().find("already in"), std::string::npos);
}

TEST_F(IntakeServiceTest, ConfirmingAMatchOpensOneTrajectoryInCoaching) {
  pb::Registration r, out;
  ASSERT_TRUE(Register({"departments/00CB-02-havo"}, &r).ok());
  grpc::Status early = Confirm(r, "coaches/c-2", &out);
  EXPECT_EQ(early.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(early.error_message().find("REGISTRATION_STATE_REGISTERED"), std::string::npos);
  ASSERT_TRUE(Intake(r, &r).ok());
  EXPECT_EQ(r.state(), pb::REGISTRATION_STATE_INTAKE_DONE);

  auto ctx = ContextAs("project_leader", "pl");
  pb::SuggestCoachesRequest suggest;
  suggest.set_registration(r.name());
  pb::SuggestCoachesResponse ranked;
  ASSERT_TRUE(stub_->SuggestCoaches(ctx.get(), suggest, &ranked).ok());
  ASSERT_EQ(ranked.suggestions_size(), 1);
  EXPECT_EQ(ranked.suggestions(0).coach(), "coaches/c-2");
  ASSERT_EQ(ranked.exclusions_size(), 1);
  EXPECT_EQ(ranked.exclusions(0).rule(), "conflict_of_interest");

  EXPECT_EQ(Confirm(r, "coaches/c-1", &out).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  ASSERT_TRUE(Confirm(r, "coaches/c-2", &out).ok());
  EXPECT_EQ(out.state(), pb::REGISTRATION_STATE_TRAJECTORY_OPENED);
  EXPECT_FALSE(out.trajectory().empty());
  pb::Registration retried;
  ASSERT_TRUE(Confirm(r, "coaches/c-2", &retried).ok());  // a retried confirm
  EXPECT_EQ(retried.trajectory(), out.trajectory());
  EXPECT_EQ(CoachingTrajectories(), 1);
  EXPECT_EQ(Confirm(r, "coaches/c-3", &retried).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  // A new weak verdict for the supported department reaches intake through the feed as a
  // possible relapse on the early-warning list.
  auto insp = inspection::pb::InspectionService::NewStub(inspection_server_->Channel());
  inspection::pb::RecordVerdictRequest push;
  push.mutable_department()->set_brin("00CB");
  push.mutable_department()->set_location("02");
  push.mutable_department()->set_school_type(common::SCHOOL_TYPE_HAVO);
  push.set_source_record_id("relapse-1");
  push.mutable_verdict()->set_value(common::VERDICT_INSUFFICIENT);
  push.mutable_verdict()->set_investigation_number("999001");
  auto ictx = ContextAs("inspectorate", "i");
  inspection::pb::Verdict recorded;
  ASSERT_TRUE(insp->RecordVerdict(ictx.get(), push, &recorded).ok());
  bool flagged = false;
  for (int i = 0; i < 500 && !flagged; ++i) {
    auto wctx = ContextAs("project_leader", "pl");
    pb::ListEarlyWarningsResponse warnings;
    ASSERT_TRUE(stub_->ListEarlyWarnings(wctx.get(), {}, &warnings).ok());
    for (const auto& w : warnings.warnings()) {
      flagged |= w.department() == "departments/00CB-02-havo" && w.possible_relapse();
    }
    if (!flagged) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(flagged);
}

// The coaching port with a switch: coaching-svc "down" until the test brings it back.
class SwitchablePort : public TrajectoryPort {
 public:
  explicit SwitchablePort(std::unique_ptr<TrajectoryPort> real) : real_(std::move(real)) {}
  absl::StatusOr<std::string> Open(const coaching::pb::OpenTrajectoryRequest& r) override {
    if (!up) return absl::UnavailableError("connection refused");
    return real_->Open(r);
  }
  absl::Status HandOver(const std::string& t, const std::string& c, const std::string& r) override {
    return up ? real_->HandOver(t, c, r) : absl::UnavailableError("connection refused");
  }
  bool up = false;

 private:
  std::unique_ptr<TrajectoryPort> real_;
};

TEST_F(IntakeServiceTest, WithCoachingDownTheMatchStaysPendingAndARetryCompletesIt) {
  SwitchablePort port(NewCoachingClient(absl::StrCat("127.0.0.1:", coaching_server_->port()),
                                        platform::PeerCredentials{{}, "", "dev.service.intake"},
                                        absl::Seconds(5)));
  lv::intake::Intake domain(db_.get(), &clock_, &port, IntakeSettings());
  const Actor pl{{platform::Role::kProjectLeader, "pl"}, "t"};
  pb::Registration r;
  ASSERT_TRUE(Register({"departments/00CB-02-havo"}, &r).ok());
  ASSERT_TRUE(Intake(r, &r).ok());
  const std::string id = r.name().substr(14);
  auto down = domain.ConfirmMatch(id, "coaches/c-2", pl);
  EXPECT_EQ(down.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(domain.GetRegistration(id, pl.principal)->state(), pb::REGISTRATION_STATE_MATCHED);
  EXPECT_EQ(CoachingTrajectories(), 0);
  port.up = true;
  auto done = domain.ConfirmMatch(id, "coaches/c-2", pl);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->state(), pb::REGISTRATION_STATE_TRAJECTORY_OPENED);
  EXPECT_EQ(CoachingTrajectories(), 1);

  auto rematch = domain.Rematch(id, "coaches/c-1", "no click", pl);  // c-1 is conflicted
  EXPECT_EQ(rematch.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(IntakeServiceTest, StateChangesAreValidatedAndKeptAsHistory) {
  pb::Registration r;
  ASSERT_TRUE(Register({"departments/00CB-02-havo"}, &r).ok());
  auto ctx = ContextAs("project_leader", "pl");
  pb::CloseRegistrationRequest close;
  close.set_name(r.name());
  close.set_to_state(pb::REGISTRATION_STATE_DECLINED);
  pb::Registration out;
  EXPECT_EQ(Field(stub_->CloseRegistration(ctx.get(), close, &out)), "reason");
  close.set_reason(pb::DECLINE_REASON_HAS_EXTERNAL_SUPPORT);
  auto ctx2 = ContextAs("project_leader", "pl");
  ASSERT_TRUE(stub_->CloseRegistration(ctx2.get(), close, &out).ok());
  ASSERT_EQ(out.history_size(), 1);
  EXPECT_EQ(out.history(0).to_state(), pb::REGISTRATION_STATE_DECLINED);
  EXPECT_EQ(Intake(out, &out).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  // A declined registration frees its departments for a new one.
  pb::Registration again;
  EXPECT_TRUE(Register({"departments/00CB-02-havo"}, &again).ok());
}

TEST_F(IntakeServiceTest, ServiceLevelBreachesAreListed) {
  pb::Registration r;
  ASSERT_TRUE(Register({"departments/00CB-02-havo"}, &r).ok());
  clock_.Advance(absl::Hours(24 * 20));
  auto ctx = ContextAs("analyst", "a");
  pb::ListServiceLevelBreachesResponse out;
  ASSERT_TRUE(stub_->ListServiceLevelBreaches(ctx.get(), {}, &out).ok());
  ASSERT_EQ(out.breaches_size(), 1);
  EXPECT_EQ(out.breaches(0).measure(), "first_contact_to_intake");
  EXPECT_EQ(out.breaches(0).days(), 20);
}

}  // namespace
}  // namespace lv::intake
