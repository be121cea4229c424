// Reporting at 100 times the evaluated programme (Google Benchmark; not part of the test run):
//   build/reporting-svc/reporting_benchmark
// 17,200 trajectories, 31,100 departments, 516,000 sessions in the read model on SQLite.
//   BM_FullReport       load the read model and compute every table (one report)
//   BM_CatchUp          a cold read model consuming a coaching feed of session events
#include <random>
#include <thread>

#include "absl/strings/str_format.h"
#include "benchmark/benchmark.h"
#include "coaching-svc/coaching_service.h"
#include "lerenverbeteren/coaching/v1/events.pb.h"
#include "platform/testing/test_db.h"
#include "platform/testing/test_service.h"
#include "reporting-svc/report.h"
#include "reporting-svc/reporting_service.h"
#include "reporting-svc/reporting_store.h"

namespace lv::reporting {
namespace {

namespace cpb = ::lerenverbeteren::coaching::v1;

cpb::Trajectory MakeTrajectory(int i, std::mt19937& rng) {
  cpb::Trajectory t;
  t.set_name(absl::StrCat("trajectories/t", i));
  t.set_school_brin(absl::StrFormat("%02dAB", i % 100));
  t.set_category(static_cast<common::TrajectoryCategory>(1 + rng() % 3));
  t.set_state(static_cast<cpb::TrajectoryState>(rng() % 3 == 0 ? 3 : 6));
  t.mutable_start_date()->set_year(2016 + i % 4);
  t.mutable_start_date()->set_month(1 + rng() % 12);
  t.mutable_start_date()->set_day(1 + rng() % 28);
  if (t.state() == cpb::TRAJECTORY_STATE_CLOSED) {
    t.mutable_close_time()->set_seconds(1577836800 + (rng() % 600) * 86400);
  }
  t.set_extension_count(rng() % 4);
  auto* c = t.add_coaches();
  c->set_coach(absl::StrCat("c-", rng() % 15));
  const char* types[] = {"havo", "vwo", "vmbogt"};
  const int departments = (i % 5 == 0) ? 1 : 2;  // 31,100 departments over 17,200 trajectories
  for (int d = 0; d < departments; ++d) {
    auto* td = t.add_departments();
    td->set_department(absl::StrFormat("departments/%04d-00-%s", i, types[d]));
    td->set_verdict(common::VERDICT_INSUFFICIENT);
  }
  return t;
}

void Fill(platform::Database* db, int trajectories, int sessions_each) {
  std::mt19937 rng(5);
  (void)db->Write([&](platform::Transaction& tx) {
    for (int i = 0; i < trajectories; ++i) {
      cpb::Trajectory t = MakeTrajectory(i, rng);
      ReportingStore::UpsertTrajectory(tx.sql(), t, /*opened=*/true);
      for (int s = 0; s < sessions_each; ++s) {
        cpb::Session session;
        session.set_name(absl::StrCat(t.name(), "/sessions/", s));
        session.mutable_half_days()->set_half_steps(2);
        session.set_state(cpb::SESSION_STATE_LOGGED);
        session.add_coaches(t.coaches(0).coach());
        ReportingStore::UpsertSession(tx.sql(), t.name().substr(13), session);
      }
    }
    return absl::OkStatus();
  });
}

void BM_FullReport(benchmark::State& state) {
  auto db = *platform::testing::NewTestDatabase(platform::testing::Engine::kSqlite,
                                                &platform::RealClock());
  (void)db->Migrate("reporting", Migrations());
  Fill(db.get(), 17200, 30);  // 516,000 sessions
  for (auto _ : state) {
    ReadModel model;
    (void)db->Read([&](soci::session& sql) {
      model = ReportingStore::Load(sql);
      return absl::OkStatus();
    });
    auto report = BuildReport(model, {});
    benchmark::DoNotOptimize(report);
    state.counters["trajectories"] = report.trajectories();
    state.counters["departments"] = report.departments_by_category().total();
  }
}

void BM_CatchUp(benchmark::State& state) {
  const int events = static_cast<int>(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    auto coaching_db = *platform::testing::NewTestDatabase(platform::testing::Engine::kSqlite,
                                                           &platform::RealClock());
    (void)coaching_db->Migrate("coaching", coaching::Migrations());
    std::mt19937 rng(3);
    // A coaching feed: one trajectory opening per 30 session events.
    (void)coaching_db->Write([&](platform::Transaction& tx) {
      for (int i = 0; i < events; ++i) {
        if (i % 31 == 0) {
          cpb::TrajectoryEvent e;
          *e.mutable_trajectory() = MakeTrajectory(i / 31, rng);
          tx.Publish("coaching.trajectory.opened", e.trajectory().name(), e);
          continue;
        }
        cpb::SessionEvent e;
        e.set_trajectory(absl::StrCat("trajectories/t", i / 31));
        e.mutable_session()->set_name(absl::StrCat(e.trajectory(), "/sessions/", i));
        e.mutable_session()->mutable_half_days()->set_half_steps(2);
        e.mutable_session()->set_state(cpb::SESSION_STATE_LOGGED);
        tx.Publish("coaching.session.logged", e.session().name(), e);
      }
      return absl::OkStatus();
    });
    platform::ServerConfig server;
    server.watch = platform::testing::TestServer::FastWatch();
    coaching::CoachingConfig cc;
    cc.policy = *coaching::ParsePolicy(coaching::DefaultPolicyText());
    coaching::CoachingService coaching_service(coaching_db.get(), server, cc);
    platform::testing::TestServer coaching_server(&coaching_service, server.watch);
    auto db = *platform::testing::NewTestDatabase(platform::testing::Engine::kSqlite,
                                                  &platform::RealClock());
    (void)db->Migrate("reporting", Migrations());
    ReportingConfig config;
    config.coaching_target = absl::StrCat("127.0.0.1:", coaching_server.port());
    config.replica_id = "bench";
    config.policy = cc.policy;
    platform::ServerConfig own;
    own.watch = platform::testing::TestServer::FastWatch();
    ReportingService reporting(db.get(), own, config);
    platform::ConsumerState cursor(db.get(), "coaching", "", absl::Seconds(15));
    state.ResumeTiming();
    reporting.StartBackground();
    while (*cursor.Cursor() < events) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    state.PauseTiming();
    reporting.StopBackground();
    state.ResumeTiming();
  }
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(events) * state.iterations(),
                                                  benchmark::Counter::kIsRate);
}

BENCHMARK(BM_FullReport)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_CatchUp)->Arg(100000)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

}  // namespace
}  // namespace lv::reporting

BENCHMARK_MAIN();
