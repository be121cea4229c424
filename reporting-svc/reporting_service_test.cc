// reporting-svc fed by a real coaching-svc over its Watch feed: a generated programme goes in
// through coaching's API, the report comes out of reporting's, and every figure is checked
// against numbers computed here from the generated plan. reporting restarts halfway.
#include "reporting-svc/reporting_service.h"

#include <map>
#include <random>
#include <thread>

#include "absl/strings/str_format.h"
#include "coaching-svc/coaching_service.h"
#include "gtest/gtest.h"
#include "platform/testing/test_db.h"
#include "platform/testing/test_service.h"

namespace lv::reporting {
namespace {

using platform::testing::ContextAs;
namespace cpb = ::lerenverbeteren::coaching::v1;
namespace common = ::lerenverbeteren::common::v1;

common::Date Day(absl::CivilDay d) {
  common::Date out;
  out.set_year(static_cast<int>(d.year()));
  out.set_month(d.month());
  out.set_day(d.day());
  return out;
}

struct Planned {
  common::TrajectoryCategory category;
  absl::CivilDay start;
  int departments;
  int extensions;
  bool review;
  bool closed;
  int school_score;
  std::string coach;
  int half_steps;  // logged in sessions
};

class ReportingServiceTest : public ::testing::Test {
 protected:
  const absl::CivilDay kToday{2026, 11, 20};

  void SetUp() override {
    // Each server its own options: a server's drain flag must not end another's streams.
    platform::ServerConfig server;
    server.watch = platform::testing::TestServer::FastWatch();
    {
      auto opened = platform::testing::NewTestDatabase(platform::testing::Engine::kSqlite, &clock_);
      ASSERT_TRUE(opened.ok()) << opened.status();
      coaching_db_ = *std::move(opened);
    }
    ASSERT_TRUE(coaching_db_->Migrate("coaching", coaching::Migrations()).ok());
    coaching::CoachingConfig cc;
    cc.policy = *coaching::ParsePolicy(coaching::DefaultPolicyText());
    coaching_ =
        std::make_unique<coaching::CoachingService>(coaching_db_.get(), server, cc, &clock_);
    coaching_server_ =
        std::make_unique<platform::testing::TestServer>(coaching_.get(), server.watch);
    ASSERT_TRUE(coaching_server_->status().ok());
    coaching_stub_ = cpb::CoachingService::NewStub(coaching_server_->Channel());
    {
      auto opened = platform::testing::NewTestDatabase(platform::testing::Engine::kSqlite,
                                                       &platform::RealClock(), &dsn_);
      ASSERT_TRUE(opened.ok()) << opened.status();
      db_ = *std::move(opened);
    }
    ASSERT_TRUE(db_->Migrate("reporting", Migrations()).ok());
    StartReporting();
  }

  void StartReporting() {
    platform::ServerConfig server;
    server.watch = platform::testing::TestServer::FastWatch();
    ReportingConfig config;
    config.coaching_target = absl::StrCat("127.0.0.1:", coaching_server_->port());
    config.replica_id = absl::StrCat("test-", ++starts_);
    config.peer.dev_token = "dev.service.reporting";
    config.policy = *coaching::ParsePolicy(coaching::DefaultPolicyText());
    service_ = std::make_unique<ReportingService>(db_.get(), server, config, &clock_);
    server_ = std::make_unique<platform::testing::TestServer>(service_.get(), server.watch);
    ASSERT_TRUE(server_->status().ok());
    stub_ = pb::ReportingService::NewStub(server_->Channel());
  }

  void StopReporting() {
    server_.reset();
    service_.reset();
  }

  void TearDown() override { StopReporting(); }

  // Drives one planned trajectory through coaching-svc's API.
  void Run(const Planned& p, int n) {
    auto ctx = [&](const char* role, const std::string& who) { return ContextAs(role, who); };
    cpb::OpenTrajectoryRequest open;
    open.set_match_id(absl::StrCat("m-", n));
    open.set_school_brin(absl::StrFormat("%02dAB", n));
    open.set_coach(p.coach);
    const char* types[] = {"havo", "vwo", "vmbogt"};
    for (int d = 0; d < p.departments; ++d) {
      auto* td = open.add_departments();
      td->set_department(absl::StrFormat("departments/%02dAB-00-%s", n, types[d]));
      td->set_verdict(d == 0 ? (p.category == common::TRAJECTORY_CATEGORY_VERY_WEAK
                                    ? common::VERDICT_VERY_WEAK
                                : p.category == common::TRAJECTORY_CATEGORY_INSUFFICIENT
                                    ? common::VERDICT_INSUFFICIENT
                                    : common::VERDICT_SUFFICIENT)
                             : common::VERDICT_SUFFICIENT);
    }
    *open.mutable_start_date() = Day(p.start);
    cpb::Trajectory t;
    ASSERT_TRUE(coaching_stub_->OpenTrajectory(ctx("service", "intake").get(), open, &t).ok());
    auto move = [&](cpb::TrajectoryState to) {
      cpb::TransitionTrajectoryRequest r;
      r.set_name(t.name());
      r.set_to_state(to);
      ASSERT_TRUE(
          coaching_stub_->TransitionTrajectory(ctx("project_leader", "pl").get(), r, &t).ok());
    };
    if (p.review) move(cpb::TRAJECTORY_STATE_IN_REVIEW);
    move(cpb::TRAJECTORY_STATE_ACTIVE);
    for (int s = 0, left = p.half_steps; left > 0; ++s) {
      const int steps = std::min(left, 4);
      left -= steps;
      cpb::LogSessionRequest r;
      r.set_parent(t.name());
      *r.mutable_session()->mutable_date() = Day(p.start + 7 * s);
      r.mutable_session()->mutable_half_days()->set_half_steps(steps);
      r.mutable_session()->set_theme(common::SUPPORT_THEME_LEADERSHIP);
      r.set_overrun_approval("generated programme");
      cpb::Session out;
      ASSERT_TRUE(coaching_stub_->LogSession(ctx("project_leader", "pl").get(), r, &out).ok());
    }
    for (int e = 0; e < p.extensions; ++e) {
      cpb::ExtendTrajectoryRequest r;
      r.set_name(t.name());
      r.set_reason("problems not solved yet");
      ASSERT_TRUE(coaching_stub_->ExtendTrajectory(ctx("project_leader", "pl").get(), r, &t).ok());
    }
    if (!p.closed) return;
    move(cpb::TRAJECTORY_STATE_CLOSING);
    cpb::CloseTrajectoryRequest close;
    close.set_name(t.name());
    close.mutable_assessment()->set_summary("can continue alone");
    ASSERT_TRUE(coaching_stub_->CloseTrajectory(ctx("project_leader", "pl").get(), close, &t).ok());
    cpb::SubmitEvaluationRequest eval;
    eval.set_parent(t.name());
    auto* f = eval.mutable_evaluation();
    f->set_overall(p.school_score);
    f->set_results_achieved(p.school_score - 1);
    f->set_fit_with_request(p.school_score);
    f->set_added_value_of_coach(p.school_score);
    cpb::Evaluation form;
    ASSERT_TRUE(
        coaching_stub_->SubmitEvaluation(ctx("school", t.school_brin()).get(), eval, &form).ok());
  }

  void WaitForCatchUp() {
    const int64_t head = platform::ChangeFeed(coaching_db_.get()).Bounds()->head;
    for (int i = 0; i < 2000; ++i) {
      auto c = ContextAs("analyst", "a");
      pb::GetFeedLagResponse lag;
      ASSERT_TRUE(stub_->GetFeedLag(c.get(), {}, &lag).ok());
      for (const auto& f : lag.feeds()) {
        if (f.source() == "coaching" && f.applied_sequence() == head) return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    FAIL() << "reporting did not catch up with coaching's feed";
  }

  platform::FakeClock clock_{
      absl::FromCivil(absl::CivilSecond(2026, 11, 20, 12, 0, 0), absl::UTCTimeZone())};
  std::string dsn_;
  int starts_ = 0;
  std::unique_ptr<platform::Database> coaching_db_, db_;
  std::unique_ptr<coaching::CoachingService> coaching_;
  std::unique_ptr<platform::testing::TestServer> coaching_server_, server_;
  std::unique_ptr<cpb::CoachingService::Stub> coaching_stub_;
  std::unique_ptr<ReportingService> service_;
  std::unique_ptr<pb::ReportingService::Stub> stub_;
};

TEST_F(ReportingServiceTest, TheReportMatchesTheProgrammeThroughARestart) {
  std::mt19937 rng(11);
  const common::TrajectoryCategory categories[] = {common::TRAJECTORY_CATEGORY_VERY_WEAK,
                                                   common::TRAJECTORY_CATEGORY_INSUFFICIENT,
                                                   common::TRAJECTORY_CATEGORY_RISK};
  std::vector<Planned> plan;
  for (int i = 0; i < 24; ++i) {
    Planned p;
    p.category = categories[rng() % 3];
    p.start = absl::CivilDay(2024 + rng() % 3, 1 + rng() % 9, 1 + rng() % 28);
    if (p.start > kToday - 30) p.start = kToday - 30;
    p.departments = 1 + rng() % 3;
    p.extensions = rng() % 4;
    p.review = rng() % 3 == 0;
    p.closed = rng() % 2 == 0;
    p.school_score = 6 + rng() % 5;
    p.coach = absl::StrCat("c-", rng() % 3);
    p.half_steps = 2 + rng() % 10;
    plan.push_back(p);
  }
  for (int i = 0; i < 12; ++i) Run(plan[i], i);
  WaitForCatchUp();
  StopReporting();  // mid-stream: the rest arrives while reporting is down
  for (int i = 12; i < 24; ++i) Run(plan[i], i);
  StartReporting();
  WaitForCatchUp();

  // Expected figures, from the plan.
  std::map<int, std::map<int, int>> started, departments_started;
  std::map<int, int> completed_per_year;
  std::map<int, std::vector<double>> months;
  std::vector<int> extensions(4, 0);
  int departments = 0, single = 0, reviewed = 0, closed = 0;
  double school_sum = 0;
  std::map<std::string, double> half_days;
  std::map<std::string, int> active;
  for (const Planned& p : plan) {
    started[p.start.year()][p.category]++;
    departments_started[p.start.year()][p.category] += p.departments;
    departments += p.departments;
    single += p.departments == 1;
    reviewed += p.review ? p.departments : 0;
    ++extensions[std::min(p.extensions, 3)];
    half_days[p.coach] += p.half_steps / 2.0;
    if (p.closed) {
      ++closed;
      completed_per_year[kToday.year()]++;
      months[p.category].push_back((kToday - p.start) / 30.4375);
      school_sum += p.school_score;
    } else {
      ++active[p.coach];
    }
  }

  auto ctx = ContextAs("analyst", "a");
  pb::ProgrammeReport r;
  ASSERT_TRUE(stub_->GetProgrammeReport(ctx.get(), {}, &r).ok());
  EXPECT_EQ(r.trajectories(), 24);
  EXPECT_EQ(r.completed_trajectories(), closed);
  EXPECT_EQ(r.departments_by_category().total(), departments);
  for (const auto& y : r.years()) {
    auto& s = started[y.year()];
    EXPECT_EQ(y.trajectories_started().very_weak(), s[common::TRAJECTORY_CATEGORY_VERY_WEAK])
        << y.year();
    EXPECT_EQ(y.trajectories_started().insufficient(), s[common::TRAJECTORY_CATEGORY_INSUFFICIENT]);
    EXPECT_EQ(y.trajectories_started().risk(), s[common::TRAJECTORY_CATEGORY_RISK]);
    EXPECT_EQ(y.departments_started().total(), departments_started[y.year()][1] +
                                                   departments_started[y.year()][2] +
                                                   departments_started[y.year()][3]);
    EXPECT_EQ(y.trajectories_completed(), completed_per_year[y.year()]);
  }
  for (const auto& d : r.durations()) {
    const auto& m = months[d.category()];
    ASSERT_EQ(d.n(), static_cast<int>(m.size()));
    if (m.empty()) continue;
    double sum = 0;
    for (double x : m) sum += x;
    EXPECT_NEAR(d.mean_months(), sum / m.size(), 1e-9);
    EXPECT_NEAR(d.min_months(), *std::min_element(m.begin(), m.end()), 1e-9);
    EXPECT_NEAR(d.max_months(), *std::max_element(m.begin(), m.end()), 1e-9);
  }
  ASSERT_EQ(r.extensions_histogram_size(), 4);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(r.extensions_histogram(i), extensions[i]);
  EXPECT_NEAR(r.review_share(), static_cast<double>(reviewed) / departments, 1e-9);
  EXPECT_NEAR(r.departments_per_trajectory(), departments / 24.0, 1e-9);
  EXPECT_NEAR(r.share_single_department(), single / 24.0, 1e-9);
  ASSERT_EQ(r.satisfaction_size(), 2);
  EXPECT_EQ(r.satisfaction(0).forms(), closed);
  if (closed > 0) EXPECT_NEAR(r.satisfaction(0).overall(), school_sum / closed, 1e-9);
  for (const auto& w : r.coach_workload()) {
    EXPECT_NEAR(w.half_days(), half_days[w.coach()], 1e-9) << w.coach();
    EXPECT_EQ(w.active_trajectories(), active[w.coach()]) << w.coach();
  }
  // Filters: one category, one coach.
  pb::GetProgrammeReportRequest only;
  only.mutable_filter()->set_category(common::TRAJECTORY_CATEGORY_RISK);
  auto c2 = ContextAs("analyst", "a");
  ASSERT_TRUE(stub_->GetProgrammeReport(c2.get(), only, &r).ok());
  int risk = 0;
  for (const Planned& p : plan) risk += p.category == common::TRAJECTORY_CATEGORY_RISK;
  EXPECT_EQ(r.trajectories(), risk);

  pb::ExportReportRequest csv;
  csv.set_format(pb::EXPORT_FORMAT_CSV);
  pb::ExportReportResponse file;
  auto c3 = ContextAs("analyst", "a");
  ASSERT_TRUE(stub_->ExportReport(c3.get(), csv, &file).ok());
  EXPECT_NE(file.data().find(absl::StrCat("totals,trajectories,count,24")), std::string::npos);
  pb::RenderChartRequest chart;
  chart.set_kind(pb::CHART_KIND_STARTED_PER_YEAR);
  pb::RenderChartResponse svg;
  auto c4 = ContextAs("analyst", "a");
  ASSERT_TRUE(stub_->RenderChart(c4.get(), chart, &svg).ok());
  EXPECT_EQ(svg.svg().rfind("<svg", 0), 0u);
  auto school = ContextAs("school", "01AB");
  EXPECT_EQ(stub_->GetProgrammeReport(school.get(), {}, &r).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // Every trajectory's statement from the read model equals coaching-svc's own.
  auto list_ctx = ContextAs("project_leader", "pl");
  cpb::ListTrajectoriesResponse all;
  ASSERT_TRUE(coaching_stub_->ListTrajectories(list_ctx.get(), {}, &all).ok());
  ASSERT_EQ(all.trajectories_size(), 24);
  for (const auto& t : all.trajectories()) {
    cpb::GetTransparencyStatementRequest cr;
    cr.set_name(t.name());
    cpb::TransparencyStatement from_coaching, from_reporting;
    auto a = ContextAs("school", t.school_brin());
    ASSERT_TRUE(coaching_stub_->GetTransparencyStatement(a.get(), cr, &from_coaching).ok());
    pb::GetTransparencyStatementRequest rr;
    rr.set_name(t.name());
    auto b = ContextAs("school", t.school_brin());
    ASSERT_TRUE(stub_->GetTransparencyStatement(b.get(), rr, &from_reporting).ok());
    EXPECT_EQ(from_reporting.DebugString(), from_coaching.DebugString()) << t.name();
  }
}

}  // namespace
}  // namespace lv::reporting
