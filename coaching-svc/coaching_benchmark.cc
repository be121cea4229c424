// coaching throughput (Google Benchmark; not part of the test run):
//   build/coaching-svc/coaching_benchmark
// Through the domain layer on the embedded SQLite default (no gRPC in the loop).
#include "benchmark/benchmark.h"
#include "coaching-svc/coaching.h"
#include "coaching-svc/coaching_service.h"
#include "platform/testing/test_db.h"

namespace lv::coaching {
namespace {

struct Fixture {
  platform::FakeClock clock{
      absl::FromCivil(absl::CivilSecond(2026, 9, 1, 9, 0, 0), absl::UTCTimeZone())};
  std::unique_ptr<platform::Database> db;
  std::unique_ptr<Coaching> coaching;
  std::string id;
  Actor coach{{platform::Role::kCoach, "c-1"}, ""};

  Fixture() {
    db = *platform::testing::NewTestDatabase(platform::testing::Engine::kSqlite, &clock);
    (void)db->Migrate("coaching", Migrations());
    pb::EntitlementPolicy policy = *ParsePolicy(DefaultPolicyText());
    for (auto& g : *policy.mutable_grants()) g.mutable_co_financed()->set_half_steps(1000000);
    coaching = std::make_unique<Coaching>(db.get(), &clock, policy);
    pb::OpenTrajectoryRequest open;
    open.set_match_id("bench");
    open.set_school_brin("12AB");
    open.set_coach("c-1");
    auto* d = open.add_departments();
    d->set_department("departments/12AB-00-havo");
    d->set_verdict(common::VERDICT_VERY_WEAK);
    open.mutable_start_date()->set_year(2026);
    open.mutable_start_date()->set_month(1);
    open.mutable_start_date()->set_day(5);
    id = coaching->OpenTrajectory(open, coach)->name().substr(13);
  }

  bool Log(int n) {
    pb::Session s;
    s.mutable_date()->set_year(2026);
    s.mutable_date()->set_month(2 + n % 7);
    s.mutable_date()->set_day(1 + n % 28);
    s.mutable_half_days()->set_half_steps(2);
    s.set_theme(common::SUPPORT_THEME_LESSON_QUALITY);
    s.set_activity("lesson visits");
    return coaching->LogSession(id, s, "", "", coach).ok();
  }
};

void BM_LogSession(benchmark::State& state) {
  Fixture f;
  int n = 0;
  for (auto _ : state) {
    if (!f.Log(n++)) state.SkipWithError("LogSession failed");
  }
  state.counters["sessions/s"] = benchmark::Counter(n, benchmark::Counter::kIsRate);
}

void BM_TransparencyStatement1000Sessions(benchmark::State& state) {
  Fixture f;
  for (int i = 0; i < 1000; ++i) f.Log(i);
  const platform::Principal school{platform::Role::kSchool, "12AB"};
  for (auto _ : state) {
    auto st = f.coaching->Statement(f.id, school);
    if (!st.ok() || st->session_count() != 1000) state.SkipWithError("statement failed");
  }
}

BENCHMARK(BM_LogSession)->Unit(benchmark::kMicrosecond)->Iterations(2000)->UseRealTime();
BENCHMARK(BM_TransparencyStatement1000Sessions)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace lv::coaching

BENCHMARK_MAIN();
