// coaching-svc over real gRPC on an ephemeral port, on the engine this binary was built for.
#include "coaching-svc/coaching_service.h"

#include <thread>

#include "gtest/gtest.h"
#include "inspection-svc/inspection_service.h"
#include "lerenverbeteren/inspection/v1/events.pb.h"
#include "platform/errors.h"
#include "platform/testing/test_db.h"
#include "platform/testing/test_service.h"

namespace lv::coaching {
namespace {

using platform::testing::ContextAs;

common::Date Day(int y, int m, int d) {
  common::Date out;
  out.set_year(y);
  out.set_month(m);
  out.set_day(d);
  return out;
}

std::string Field(const grpc::Status& s) {
  auto v = platform::FieldViolations(platform::FromGrpcStatus(s));
  return v.empty() ? "" : v[0].first;
}

class CoachingServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(""); }

  void Start(const std::string& inspection_target) {
    auto db = platform::testing::NewTestDatabase(platform::testing::EngineUnderTest(), &clock_);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    ASSERT_TRUE(db_->Migrate("coaching", Migrations()).ok());
    platform::ServerConfig server;
    server.watch = platform::testing::TestServer::FastWatch();
    CoachingConfig config;
    config.policy = *ParsePolicy(DefaultPolicyText());
    config.inspection_target = inspection_target;
    config.replica_id = "test";
    config.peer.dev_token = "dev.service.coaching";
    service_ = std::make_unique<CoachingService>(db_.get(), server, config, &clock_);
    server_ = std::make_unique<platform::testing::TestServer>(service_.get(), server.watch);
    ASSERT_TRUE(server_->status().ok()) << server_->status();
    stub_ = pb::CoachingService::NewStub(server_->Channel());
  }

  pb::Trajectory Open(const std::string& match, common::Verdict verdict,
                      const char* department = "departments/12AB-00-havo") {
    pb::OpenTrajectoryRequest r;
    r.set_match_id(match);
    r.set_school_brin("12AB");
    r.set_coach("c-1");
    auto* d = r.add_departments();
    d->set_department(department);
    d->set_verdict(verdict);
    *r.mutable_start_date() = Day(2026, 3, 2);
    auto ctx = ContextAs("service", "intake");
    pb::Trajectory t;
    grpc::Status s = stub_->OpenTrajectory(ctx.get(), r, &t);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return t;
  }

  grpc::Status Log(const pb::Trajectory& t, int half_steps, const char* role = "coach",
                   const char* who = "c-1", const std::string& request_id = "",
                   const std::string& approval = "", pb::Session* out = nullptr,
                   common::Date date = Day(2026, 3, 9)) {
    pb::LogSessionRequest r;
    r.set_parent(t.name());
    *r.mutable_session()->mutable_date() = date;
    r.mutable_session()->mutable_half_days()->set_half_steps(half_steps);
    r.mutable_session()->set_theme(common::SUPPORT_THEME_QUALITY_ASSURANCE);
    r.mutable_session()->set_activity("quality agenda with the team leaders");
    r.set_request_id(request_id);
    r.set_overrun_approval(approval);
    auto ctx = ContextAs(role, who);
    pb::Session session;
    grpc::Status s = stub_->LogSession(ctx.get(), r, &session);
    if (out != nullptr) *out = session;
    return s;
  }

  pb::TransparencyStatement Statement(const pb::Trajectory& t, const char* role = "project_leader",
                                      const char* who = "pl") {
    auto ctx = ContextAs(role, who);
    pb::GetTransparencyStatementRequest r;
    r.set_name(t.name());
    pb::TransparencyStatement s;
    EXPECT_TRUE(stub_->GetTransparencyStatement(ctx.get(), r, &s).ok());
    return s;
  }

  int64_t FeedHead() { return platform::ChangeFeed(db_.get()).Bounds()->head; }

  platform::FakeClock clock_{
      absl::FromCivil(absl::CivilSecond(2026, 3, 10, 9, 0, 0), absl::UTCTimeZone())};
  std::unique_ptr<platform::Database> db_;
  std::unique_ptr<CoachingService> service_;
  std::unique_ptr<platform::testing::TestServer> server_;
  std::unique_ptr<pb::CoachingService::Stub> stub_;
};

TEST_F(CoachingServiceTest, OpeningTwiceForOneMatchOpensOneTrajectory) {
  pb::Trajectory first = Open("match-1", common::VERDICT_INSUFFICIENT);
  const int64_t head = FeedHead();
  pb::Trajectory again = Open("match-1", common::VERDICT_INSUFFICIENT);
  EXPECT_EQ(again.name(), first.name());
  EXPECT_EQ(FeedHead(), head);
  EXPECT_EQ(first.category(), common::TRAJECTORY_CATEGORY_INSUFFICIENT);
  EXPECT_EQ(first.state(), pb::TRAJECTORY_STATE_OPENED);
  EXPECT_EQ(Statement(first).total_entitled().half_steps(), 44);  // 10 free, 6 + 6 co-financed
}

TEST_F(CoachingServiceTest, SessionsConsumeFreeFirstAndNeedApprovalBeyondTheEntitlement) {
  pb::Trajectory t = Open("m", common::VERDICT_SUFFICIENT);  // risk: 4 free + 2 co-financed
  pb::Session s1, retry;
  ASSERT_TRUE(Log(t, 10, "coach", "c-1", "req-1", "", &s1).ok());
  EXPECT_EQ(s1.school_cost().cents(), 30000);
  ASSERT_TRUE(Log(t, 10, "coach", "c-1", "req-1", "", &retry).ok());  // the same request again
  EXPECT_EQ(retry.name(), s1.name());
  EXPECT_EQ(Statement(t).total_used().half_steps(), 10);

  grpc::Status over = Log(t, 4);
  EXPECT_EQ(over.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(over.error_message().find("only 1 are left"), std::string::npos)
      << over.error_message();
  EXPECT_EQ(Log(t, 4, "coach", "c-1", "", "ok by me").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(Log(t, 4, "project_leader", "pl", "", "extra PTA repair, approved 2026-03-09").ok());
  auto st = Statement(t);
  EXPECT_EQ(st.total_used().half_steps(), 14);
  EXPECT_EQ(st.total_remaining().half_steps(), 0);
  EXPECT_EQ(st.cost_so_far().cents(), 30000 + 60000);
}

TEST_F(CoachingServiceTest, BadSessionsAreRejectedNamingTheField) {
  pb::Trajectory t = Open("m", common::VERDICT_INSUFFICIENT);
  EXPECT_EQ(Field(Log(t, 0)), "session.half_days");
  EXPECT_EQ(Field(Log(t, 2, "coach", "c-1", "", "", nullptr, Day(2026, 3, 20))), "session.date");
  EXPECT_EQ(Field(Log(t, 100)), "session.half_days");  // beyond the largest session
  EXPECT_EQ(Log(t, 2, "coach", "c-2").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  pb::LogSessionRequest r;
  r.set_parent(t.name());
  *r.mutable_session()->mutable_date() = Day(2026, 3, 9);
  r.mutable_session()->mutable_half_days()->set_half_steps(2);
  r.mutable_session()->set_theme(common::SUPPORT_THEME_LEADERSHIP);
  r.mutable_session()->add_coaches("c-9");
  auto ctx = ContextAs("coach", "c-1");
  pb::Session s;
  EXPECT_EQ(Field(stub_->LogSession(ctx.get(), r, &s)), "session.coaches[0]");
  EXPECT_EQ(FeedHead(), 1);  // only the opening
}

TEST_F(CoachingServiceTest, CorrectionsAndCancellationsAreCompensatingEntries) {
  pb::Trajectory t = Open("m", common::VERDICT_SUFFICIENT);
  pb::Session s;
  ASSERT_TRUE(Log(t, 10, "coach", "c-1", "", "", &s).ok());
  pb::CorrectSessionRequest fix;
  fix.set_name(s.name());
  *fix.mutable_session() = s;
  fix.mutable_session()->mutable_half_days()->set_half_steps(6);
  fix.set_reason("logged a full day, it was three half-days");
  auto ctx = ContextAs("coach", "c-1");
  pb::Session fixed;
  ASSERT_TRUE(stub_->CorrectSession(ctx.get(), fix, &fixed).ok());
  EXPECT_EQ(fixed.state(), pb::SESSION_STATE_CORRECTED);
  ASSERT_EQ(fixed.changes_size(), 1);
  EXPECT_EQ(fixed.changes(0).actor(), "coach:c-1");
  EXPECT_EQ(Statement(t).total_used().half_steps(), 6);
  EXPECT_EQ(Statement(t).cost_so_far().cents(), 0);

  pb::CancelSessionRequest cancel;
  cancel.set_name(s.name());
  cancel.set_reason("did not take place");
  auto ctx2 = ContextAs("coach", "c-1");
  pb::Session cancelled;
  ASSERT_TRUE(stub_->CancelSession(ctx2.get(), cancel, &cancelled).ok());
  EXPECT_EQ(Statement(t).total_used().half_steps(), 0);
  auto ctx3 = ContextAs("project_leader", "pl");
  pb::ListLedgerEntriesRequest lr;
  lr.set_parent(t.name());
  pb::ListLedgerEntriesResponse ledger;
  ASSERT_TRUE(stub_->ListLedgerEntries(ctx3.get(), lr, &ledger).ok());
  int reversals = 0;
  for (const auto& e : ledger.entries()) reversals += e.kind() == pb::LEDGER_ENTRY_KIND_REVERSAL;
  // The correction reversed both pots it used (free, co-financed); the cancellation the free
  // half-days the corrected session still used.
  EXPECT_EQ(reversals, 3);
}

TEST_F(CoachingServiceTest, TheLifecycleRunsToAftercareAndRefusesShortcuts) {
  pb::Trajectory t = Open("m", common::VERDICT_INSUFFICIENT);
  auto pl = [] { return ContextAs("project_leader", "pl"); };
  pb::CloseTrajectoryRequest close;
  close.set_name(t.name());
  close.mutable_assessment()->set_summary("ready");
  close.mutable_assessment()->set_can_continue_alone(true);
  pb::Trajectory out;
  EXPECT_EQ(stub_->CloseTrajectory(pl().get(), close, &out).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  pb::ExtendTrajectoryRequest extend;
  extend.set_name(t.name());
  EXPECT_EQ(Field(stub_->ExtendTrajectory(pl().get(), extend, &out)), "reason");
  pb::TransitionTrajectoryRequest active;
  active.set_name(t.name());
  active.set_to_state(pb::TRAJECTORY_STATE_ACTIVE);
  active.set_improvement_step(common::IMPROVEMENT_STEP_GOALS_AND_MEASURES);
  ASSERT_TRUE(stub_->TransitionTrajectory(pl().get(), active, &out).ok());
  extend.set_reason("PDCA cycle not yet running");
  extend.set_request_id("ext-1");
  ASSERT_TRUE(stub_->ExtendTrajectory(pl().get(), extend, &out).ok());
  ASSERT_TRUE(stub_->ExtendTrajectory(pl().get(), extend, &out).ok());  // retried: one extension
  EXPECT_EQ(out.extension_count(), 1);
  EXPECT_EQ(Statement(t).total_entitled().half_steps(), 44 + 32);
  pb::TransitionTrajectoryRequest closing = active;
  closing.set_to_state(pb::TRAJECTORY_STATE_CLOSING);
  ASSERT_TRUE(stub_->TransitionTrajectory(pl().get(), closing, &out).ok());
  ASSERT_TRUE(stub_->CloseTrajectory(pl().get(), close, &out).ok());
  EXPECT_EQ(out.state(), pb::TRAJECTORY_STATE_CLOSED);
  EXPECT_EQ(out.aftercare_due_date().month(), 9);  // six months after 10 March
  EXPECT_EQ(Log(t, 2).error_code(), grpc::StatusCode::FAILED_PRECONDITION);

  pb::SubmitEvaluationRequest eval;
  eval.set_parent(t.name());
  eval.mutable_evaluation()->set_overall(11);
  eval.mutable_evaluation()->set_results_achieved(8);
  eval.mutable_evaluation()->set_fit_with_request(8);
  eval.mutable_evaluation()->set_added_value_of_coach(9);
  pb::Evaluation form;
  auto school = ContextAs("school", "12AB");
  EXPECT_EQ(Field(stub_->SubmitEvaluation(school.get(), eval, &form)), "evaluation.overall");
  eval.mutable_evaluation()->set_overall(8);
  auto school2 = ContextAs("school", "12AB");
  ASSERT_TRUE(stub_->SubmitEvaluation(school2.get(), eval, &form).ok());
  EXPECT_EQ(form.respondent(), pb::RESPONDENT_SCHOOL_LEADERSHIP);

  clock_.Advance(absl::Hours(24 * 200));
  pb::ListDueAftercareRequest due;
  pb::ListDueAftercareResponse list;
  ASSERT_TRUE(stub_->ListDueAftercare(pl().get(), due, &list).ok());
  ASSERT_EQ(list.trajectories_size(), 1);
  pb::CompleteAftercareRequest done;
  done.set_name(t.name());
  done.set_outcome("improvements last; quality calendar in use");
  ASSERT_TRUE(stub_->CompleteAftercare(pl().get(), done, &out).ok());
  EXPECT_EQ(out.state(), pb::TRAJECTORY_STATE_FINISHED);
}

TEST_F(CoachingServiceTest, SchoolsAndCoachesSeeOnlyTheirOwn) {
  pb::Trajectory t = Open("m", common::VERDICT_INSUFFICIENT);
  EXPECT_EQ(Statement(t, "school", "12AB").total_entitled().half_steps(), 44);
  auto other = ContextAs("school", "99ZZ");
  pb::GetTransparencyStatementRequest r;
  r.set_name(t.name());
  pb::TransparencyStatement s;
  EXPECT_EQ(stub_->GetTransparencyStatement(other.get(), r, &s).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  auto coach = ContextAs("coach", "c-7");
  pb::ListTrajectoriesResponse mine;
  ASSERT_TRUE(stub_->ListTrajectories(coach.get(), {}, &mine).ok());
  EXPECT_EQ(mine.trajectories_size(), 0);
}

TEST_F(CoachingServiceTest, AStricterVerdictArrivingThroughTheFeedRaisesTheCategory) {
  // A real inspection-svc on its own database and port; coaching consumes its Watch.
  auto inspection_db = platform::testing::NewTestDatabase(platform::testing::EngineUnderTest(),
                                                          &platform::RealClock());
  ASSERT_TRUE(inspection_db.ok());
  ASSERT_TRUE((*inspection_db)->Migrate("inspection", inspection::Migrations()).ok());
  platform::ServerConfig server;
  server.watch = platform::testing::TestServer::FastWatch();
  inspection::InspectionService inspection_service(inspection_db->get(), server);
  platform::testing::TestServer inspection_server(&inspection_service, server.watch);
  ASSERT_TRUE(inspection_server.status().ok());
  server_.reset();  // the server first: it serves the service object
  service_.reset();
  Start(absl::StrCat("127.0.0.1:", inspection_server.port()));

  pb::Trajectory t = Open("m", common::VERDICT_SUFFICIENT);  // a risk department
  ASSERT_EQ(t.category(), common::TRAJECTORY_CATEGORY_RISK);

  auto insp = inspection::pb::InspectionService::NewStub(inspection_server.Channel());
  inspection::pb::RecordVerdictRequest push;
  push.mutable_department()->set_brin("12AB");
  push.mutable_department()->set_location("00");
  push.mutable_department()->set_school_type(common::SCHOOL_TYPE_HAVO);
  push.set_source_record_id("insp-42");
  push.mutable_verdict()->set_value(common::VERDICT_INSUFFICIENT);
  *push.mutable_verdict()->mutable_established_date() = Day(2026, 3, 5);
  auto ctx = ContextAs("inspectorate", "i");
  inspection::pb::Verdict recorded;
  ASSERT_TRUE(insp->RecordVerdict(ctx.get(), push, &recorded).ok());

  pb::Trajectory now;
  for (int i = 0; i < 1000; ++i) {  // poll the service, no sleep standing in for a sync point
    auto get = ContextAs("project_leader", "pl");
    pb::GetTrajectoryRequest r;
    r.set_name(t.name());
    ASSERT_TRUE(stub_->GetTrajectory(get.get(), r, &now).ok());
    if (now.category() == common::TRAJECTORY_CATEGORY_INSUFFICIENT) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(now.category(), common::TRAJECTORY_CATEGORY_INSUFFICIENT);
  EXPECT_EQ(now.departments(0).verdict(), common::VERDICT_INSUFFICIENT);
  EXPECT_EQ(now.departments(0).restoration_deadline().year(), 2028);
  // The entitlement consequence: risk (12 half steps) grows to insufficient (44).
  EXPECT_EQ(Statement(t).total_entitled().half_steps(), 44);
  service_->StopBackground();
}

TEST_F(CoachingServiceTest, ANewWeakVerdictAfterClosureMarksARelapse) {
  pb::Trajectory t = Open("m", common::VERDICT_INSUFFICIENT);
  auto pl = [] { return ContextAs("project_leader", "pl"); };
  pb::TransitionTrajectoryRequest closing;
  closing.set_name(t.name());
  closing.set_to_state(pb::TRAJECTORY_STATE_CLOSING);
  pb::Trajectory out;
  ASSERT_TRUE(stub_->TransitionTrajectory(pl().get(), closing, &out).ok());
  pb::CloseTrajectoryRequest close;
  close.set_name(t.name());
  close.mutable_assessment()->set_summary("can continue alone");
  ASSERT_TRUE(stub_->CloseTrajectory(pl().get(), close, &out).ok());

  auto deliver = [&](const char* type, common::Verdict value, int64_t sequence) {
    lerenverbeteren::inspection::v1::VerdictEvent payload;
    payload.mutable_department()->set_name("departments/12AB-00-havo");
    payload.mutable_department()->mutable_current_verdict()->set_value(value);
    common::ChangeEvent event;
    event.set_sequence(sequence);
    event.set_type(type);
    event.mutable_payload()->PackFrom(payload);
    return db_->Write([&](platform::Transaction& tx) {
      return service_->domain().ApplyInspectionEvent(tx, event);
    });
  };
  ASSERT_TRUE(deliver("inspection.verdict.recorded", common::VERDICT_SUFFICIENT, 1).ok());
  auto get = [&] {
    auto ctx = pl();
    pb::GetTrajectoryRequest r;
    r.set_name(t.name());
    pb::Trajectory now;
    EXPECT_TRUE(stub_->GetTrajectory(ctx.get(), r, &now).ok());
    return now;
  };
  EXPECT_FALSE(get().relapsed());  // recovered: no relapse
  ASSERT_TRUE(deliver("inspection.verdict.recorded", common::VERDICT_VERY_WEAK, 2).ok());
  EXPECT_TRUE(get().relapsed());
  EXPECT_EQ(get().category(), common::TRAJECTORY_CATEGORY_INSUFFICIENT);  // closed: no new grant
}

TEST_F(CoachingServiceTest, ThePlanTracksSmartGoalsAndListsOverdueOnes) {
  pb::Trajectory t = Open("m", common::VERDICT_INSUFFICIENT);
  auto coach = [] { return ContextAs("coach", "c-1"); };
  pb::CreateGoalRequest r;
  r.set_parent(t.name());
  r.mutable_goal()->set_kind(pb::GOAL_KIND_INTERIM);
  r.mutable_goal()->set_description("lesson observations with a shared instrument");
  pb::Goal goal;
  grpc::Status missing = stub_->CreateGoal(coach().get(), r, &goal);
  EXPECT_EQ(Field(missing), "goal.indicator");  // SMART: measurable
  r.mutable_goal()->set_indicator("share of lessons observed per term");
  r.mutable_goal()->set_baseline("0 %");
  r.mutable_goal()->set_target("80 %");
  r.mutable_goal()->set_owner("team leader havo");
  r.mutable_goal()->add_standards("OP3");
  r.mutable_goal()->set_restoration_assignment("zorg voor voldoende didactisch handelen");
  *r.mutable_goal()->mutable_deadline() = Day(2026, 4, 1);
  ASSERT_TRUE(stub_->CreateGoal(coach().get(), r, &goal).ok());
  EXPECT_EQ(goal.status(), pb::GOAL_STATUS_OPEN);

  pb::RecordMeasurementRequest m;
  m.set_name(goal.name());
  *m.mutable_measurement()->mutable_date() = Day(2026, 3, 9);
  m.mutable_measurement()->set_value("35 %");
  m.set_status(pb::GOAL_STATUS_AT_RISK);
  pb::Goal measured;
  ASSERT_TRUE(stub_->RecordMeasurement(coach().get(), m, &measured).ok());
  ASSERT_EQ(measured.measurements_size(), 1);
  EXPECT_EQ(measured.measurements(0).recorded_by(), "coach:c-1");

  pb::ListOverdueGoalsResponse overdue;
  ASSERT_TRUE(stub_->ListOverdueGoals(coach().get(), {}, &overdue).ok());
  EXPECT_EQ(overdue.goals_size(), 0);
  clock_.Advance(absl::Hours(24 * 30));
  ASSERT_TRUE(stub_->ListOverdueGoals(coach().get(), {}, &overdue).ok());
  ASSERT_EQ(overdue.goals_size(), 1);
  auto stranger = ContextAs("coach", "c-8");
  pb::ListOverdueGoalsResponse none;
  ASSERT_TRUE(stub_->ListOverdueGoals(stranger.get(), {}, &none).ok());
  EXPECT_EQ(none.goals_size(), 0);  // another coach's trajectory
}

TEST_F(CoachingServiceTest, InterventionsAreFoundAcrossTrajectoriesByTextAndFilters) {
  pb::OpenTrajectoryRequest open;
  open.set_match_id("m-2");
  open.set_school_brin("12AB");
  open.set_coach("c-1");
  auto* d = open.add_departments();
  d->set_department("departments/12AB-00-vmbogt");
  d->mutable_ref()->set_school_type(common::SCHOOL_TYPE_VMBO_GT);
  d->set_verdict(common::VERDICT_VERY_WEAK);
  auto svc = ContextAs("service", "intake");
  pb::Trajectory vmbo;
  ASSERT_TRUE(stub_->OpenTrajectory(svc.get(), open, &vmbo).ok());
  pb::Trajectory havo = Open("m-3", common::VERDICT_INSUFFICIENT);

  auto log = [&](const pb::Trajectory& t, common::SupportTheme theme, const char* title,
                 const char* what, pb::InterventionOutcome outcome) {
    pb::LogInterventionRequest r;
    r.set_parent(t.name());
    auto* i = r.mutable_intervention();
    *i->mutable_date() = Day(2026, 3, 9);
    i->set_theme(theme);
    i->set_title(title);
    i->set_description(what);
    i->set_rationale("the help request named it");
    i->set_outcome(outcome);
    auto ctx = ContextAs("coach", "c-1");
    pb::Intervention out;
    grpc::Status s = stub_->LogIntervention(ctx.get(), r, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  };
  log(vmbo, common::SUPPORT_THEME_LESSON_QUALITY, "Lesbezoeken met kijkwijzer",
      "Collegiale lesbezoeken met een observatie-instrument, daarna feedbackgesprekken",
      pb::INTERVENTION_OUTCOME_WORKED);
  log(havo, common::SUPPORT_THEME_QUALITY_ASSURANCE, "Kwaliteitsagenda",
      "PDCA-cyclus en nulmeting voor de havo-afdeling", pb::INTERVENTION_OUTCOME_PARTLY);
  log(havo, common::SUPPORT_THEME_EXAM_PROGRAMME, "PTA herstel",
      "Examenprogramma (PTA) met de examencommissie gerepareerd", pb::INTERVENTION_OUTCOME_WORKED);

  auto search = [&](pb::SearchInterventionsRequest r) {
    auto ctx = ContextAs("coach", "c-5");  // any coach searches the whole log
    pb::SearchInterventionsResponse out;
    grpc::Status s = stub_->SearchInterventions(ctx.get(), r, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  };
  pb::SearchInterventionsRequest q;
  q.set_query("lesbezoeken");
  auto found = search(q);
  ASSERT_EQ(found.interventions_size(), 1);
  EXPECT_EQ(found.interventions(0).category(), common::TRAJECTORY_CATEGORY_VERY_WEAK);
  EXPECT_EQ(found.interventions(0).school_types(0), common::SCHOOL_TYPE_VMBO_GT);
  q.set_query("examenprogramma PTA");
  EXPECT_EQ(search(q).interventions_size(), 1);
  q.set_query("");
  q.set_outcome(pb::INTERVENTION_OUTCOME_WORKED);
  EXPECT_EQ(search(q).interventions_size(), 2);
  q.set_school_type(common::SCHOOL_TYPE_VMBO_GT);
  EXPECT_EQ(search(q).interventions_size(), 1);
  pb::SearchInterventionsRequest injection;
  injection.set_query("\" OR 1=1 -- NEAR(");  // quotes and operators are only words
  EXPECT_EQ(search(injection).interventions_size(), 0);
}

TEST_F(CoachingServiceTest, ReviewsNeedTheIntendedCoachAndDeadlinesAreListed) {
  pb::OpenTrajectoryRequest open;
  open.set_match_id("m-r");
  open.set_school_brin("12AB");
  open.set_coach("c-1");
  auto* d = open.add_departments();
  d->set_department("departments/12AB-00-havo");
  d->set_verdict(common::VERDICT_VERY_WEAK);
  *d->mutable_restoration_deadline() = Day(2026, 5, 1);
  auto svc = ContextAs("service", "intake");
  pb::Trajectory t;
  ASSERT_TRUE(stub_->OpenTrajectory(svc.get(), open, &t).ok());
  pb::RecordReviewRequest review;
  review.set_name(t.name());
  *review.mutable_review()->mutable_date() = Day(2026, 3, 9);
  review.mutable_review()->add_coaches("c-4");
  review.mutable_review()->add_coaches("c-5");
  review.mutable_review()->set_timing(pb::REVIEW_TIMING_START);
  review.mutable_review()->set_findings("no shared view of the results yet");
  auto pl = [] { return ContextAs("project_leader", "pl"); };
  pb::Trajectory out;
  EXPECT_EQ(Field(stub_->RecordReview(pl().get(), review, &out)), "review.coaches");
  review.mutable_review()->set_coaches(0, "c-1");
  ASSERT_TRUE(stub_->RecordReview(pl().get(), review, &out).ok());
  EXPECT_EQ(out.reviews_size(), 1);
  pb::ListDueRestorationsRequest due;
  due.set_within_days(60);
  pb::ListDueRestorationsResponse list;
  ASSERT_TRUE(stub_->ListDueRestorations(pl().get(), due, &list).ok());
  ASSERT_EQ(list.restorations_size(), 1);
  EXPECT_EQ(list.restorations(0).days_left(), 52);  // 10 March -> 1 May
}

}  // namespace
}  // namespace lv::coaching
