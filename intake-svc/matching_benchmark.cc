// Matching (Google Benchmark; not part of the test run): build/intake-svc/intake_benchmark
#include <random>

#include "benchmark/benchmark.h"
#include "intake-svc/matching.h"

namespace lv::intake {
namespace {

const absl::CivilDay kToday(2026, 3, 10);

std::vector<CoachLoad> Coaches(int n, std::mt19937& rng) {
  std::vector<CoachLoad> out;
  for (int j = 0; j < n; ++j) {
    CoachLoad c;
    c.coach.set_name("coaches/c" + std::to_string(j));
    c.coach.set_active(true);
    c.coach.mutable_weekly_capacity()->set_half_steps(8);
    c.coach.set_max_trajectories(3 + rng() % 5);
    c.coach.set_region(rng() % 2 ? "north" : "south");
    for (int k = 0; k < 3; ++k) {
      auto* e = c.coach.add_expertise();
      e->set_theme(static_cast<common::SupportTheme>(1 + rng() % 6));
      e->set_level(1 + rng() % 3);
    }
    c.coach.add_school_types(static_cast<common::SchoolType>(1 + rng() % 7));
    if (rng() % 10 == 0) c.coach.add_conflict_schools("00AA");
    c.active_trajectories = rng() % 3;
    out.push_back(c);
  }
  return out;
}

std::vector<MatchRequest> Requests(int n, std::mt19937& rng) {
  std::vector<MatchRequest> out;
  for (int i = 0; i < n; ++i) {
    MatchRequest r;
    r.registration = "registrations/r" + std::to_string(i);
    r.school_brin = i % 20 == 0 ? "00AA" : "12AB";
    r.region = rng() % 2 ? "north" : "south";
    r.themes = {static_cast<common::SupportTheme>(1 + rng() % 6),
                static_cast<common::SupportTheme>(1 + rng() % 6)};
    r.school_types = {static_cast<common::SchoolType>(1 + rng() % 7)};
    out.push_back(r);
  }
  return out;
}

void BM_ProposeAssignments_1000x200(benchmark::State& state) {
  std::mt19937 rng(1);
  auto coaches = Coaches(200, rng);
  auto requests = Requests(1000, rng);
  for (auto _ : state) {
    auto out = ProposeAssignments(requests, coaches, MatchingWeights(), kToday);
    benchmark::DoNotOptimize(out);
    state.counters["placed"] = out.proposals_size();
  }
}

void BM_SuggestCoaches_200(benchmark::State& state) {
  std::mt19937 rng(2);
  auto coaches = Coaches(200, rng);
  auto requests = Requests(1, rng);
  for (auto _ : state) {
    benchmark::DoNotOptimize(RankCoaches(requests[0], coaches, MatchingWeights(), kToday, 10));
  }
}

BENCHMARK(BM_ProposeAssignments_1000x200)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_SuggestCoaches_200)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace lv::intake

BENCHMARK_MAIN();
