#include "intake-svc/matching.h"

#include <functional>
#include <map>
#include <random>

#include "gtest/gtest.h"

namespace lv::intake {
namespace {

const absl::CivilDay kToday(2026, 3, 10);

CoachLoad Coach(const std::string& id,
                std::initializer_list<std::pair<common::SupportTheme, int>> x,
                int max_trajectories = 3, int active = 0) {
  CoachLoad c;
  c.coach.set_name("coaches/" + id);
  c.coach.set_active(true);
  c.coach.mutable_weekly_capacity()->set_half_steps(8);
  c.coach.set_max_trajectories(max_trajectories);
  for (const auto& [theme, level] : x) {
    auto* e = c.coach.add_expertise();
    e->set_theme(theme);
    e->set_level(level);
  }
  c.active_trajectories = active;
  return c;
}

MatchRequest Request(const std::string& id, std::initializer_list<common::SupportTheme> themes) {
  MatchRequest r;
  r.registration = "registrations/" + id;
  r.school_brin = "12AB";
  r.board_number = "41000";
  r.themes = themes;
  return r;
}

constexpr auto kLead = common::SUPPORT_THEME_LEADERSHIP;
constexpr auto kLessons = common::SUPPORT_THEME_LESSON_QUALITY;

TEST(Matching, ScoresCarryTheirBreakdownAndRankBestFirst) {
  auto r = Request("r", {kLead});
  auto ranked = RankCoaches(r, {Coach("a", {{kLead, 1}}), Coach("b", {{kLead, 3}})},
                            MatchingWeights(), kToday, 10);
  ASSERT_EQ(ranked.suggestions_size(), 2);
  EXPECT_EQ(ranked.suggestions(0).coach(), "coaches/b");
  EXPECT_EQ(ranked.suggestions(0).components_size(), 6);
  EXPECT_EQ(ranked.suggestions(0).components(0).criterion(), "theme_fit");
  EXPECT_DOUBLE_EQ(ranked.suggestions(0).components(0).value(), 1.0);
  EXPECT_DOUBLE_EQ(ranked.suggestions(1).components(0).value(), 1.0 / 3);
}

TEST(Matching, EveryHardRuleExcludesWithItsName) {
  auto r = Request("r", {kLead});
  CoachLoad inactive = Coach("inactive", {{kLead, 3}});
  inactive.coach.set_active(false);
  CoachLoad school = Coach("school", {{kLead, 3}});
  school.coach.add_conflict_schools("12AB");
  CoachLoad board = Coach("board", {{kLead, 3}});
  board.coach.add_conflict_boards("41000");
  CoachLoad full = Coach("full", {{kLead, 3}}, 2, 2);
  CoachLoad away = Coach("away", {{kLead, 3}});
  auto* a = away.coach.add_absences();
  a->mutable_start_date()->set_year(2026);
  a->mutable_start_date()->set_month(3);
  a->mutable_start_date()->set_day(14);
  a->mutable_end_date()->set_year(2026);
  a->mutable_end_date()->set_month(4);
  a->mutable_end_date()->set_day(1);
  auto ranked =
      RankCoaches(r, {inactive, school, board, full, away}, MatchingWeights(), kToday, 10);
  EXPECT_EQ(ranked.suggestions_size(), 0);
  std::map<std::string, std::string> rules;
  for (const auto& e : ranked.exclusions()) rules[e.coach()] = e.rule();
  EXPECT_EQ(rules["coaches/inactive"], "inactive");
  EXPECT_EQ(rules["coaches/school"], "conflict_of_interest");
  EXPECT_EQ(rules["coaches/board"], "conflict_of_interest");
  EXPECT_EQ(rules["coaches/full"], "no_capacity");
  EXPECT_EQ(rules["coaches/away"], "absent");
}

TEST(Matching, WeightsAreConfiguration) {
  auto w = ParseWeights("theme_fit=0, region = 1");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->theme_fit, 0);
  EXPECT_EQ(w->region, 1);
  EXPECT_EQ(w->continuity, MatchingWeights().continuity);
  EXPECT_FALSE(ParseWeights("charm=1").ok());
  EXPECT_FALSE(ParseWeights("region=-1").ok());
}

TEST(Assignment, BeatsGreedyWhereGreedyIsWorse) {
  // Greedy gives r1 its best coach (a, leadership expert) and leaves r2 (only a fits) unplaced or
  // poorly placed; the optimum gives r1 coach b and r2 coach a.
  MatchingWeights w;
  w = MatchingWeights{1, 0, 0, 0, 0, 0};  // theme fit only, so the numbers are easy to follow
  auto r1 = Request("r1", {kLead, kLessons});
  auto r2 = Request("r2", {kLead});
  CoachLoad a = Coach("a", {{kLead, 3}, {kLessons, 3}}, 1);
  CoachLoad b = Coach("b", {{kLessons, 3}}, 1);
  // r1: a = 1.0, b = 0.5; r2: a = 1.0, b = 0.
  auto out = ProposeAssignments({r1, r2}, {a, b}, w, kToday);
  ASSERT_EQ(out.proposals_size(), 2);
  std::map<std::string, std::string> got;
  for (const auto& p : out.proposals()) got[p.registration()] = p.coach();
  EXPECT_EQ(got["registrations/r1"], "coaches/b");
  EXPECT_EQ(got["registrations/r2"], "coaches/a");
  EXPECT_DOUBLE_EQ(out.total_score(), 1.5);  // greedy: r1->a (1.0), r2 unplaced: 1.0
}

TEST(Assignment, CapacityExactlyExhaustedLeavesTheRestWithAReason) {
  MatchingWeights w{1, 0, 0, 0, 0, 0};
  CoachLoad a = Coach("a", {{kLead, 3}}, 3, 1);  // room for exactly two more
  auto out = ProposeAssignments(
      {Request("1", {kLead}), Request("2", {kLead}), Request("3", {kLead})}, {a}, w, kToday);
  EXPECT_EQ(out.proposals_size(), 2);
  ASSERT_EQ(out.unplaced_size(), 1);
  EXPECT_NE(out.unplaced(0).reason().find("full"), std::string::npos);
  CoachLoad conflicted = Coach("c", {{kLead, 3}});
  conflicted.coach.add_conflict_schools("12AB");
  auto none = ProposeAssignments({Request("x", {kLead})}, {conflicted}, w, kToday);
  ASSERT_EQ(none.unplaced_size(), 1);
  EXPECT_NE(none.unplaced(0).reason().find("excluded"), std::string::npos);
}

TEST(Assignment, MatchesBruteForceOnSmallRandomCases) {
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    const int nr = 1 + rng() % 4, nc = 1 + rng() % 3;
    std::vector<MatchRequest> reqs;
    std::vector<CoachLoad> coaches;
    const common::SupportTheme themes[] = {kLead, kLessons, common::SUPPORT_THEME_EXAM_PROGRAMME};
    for (int i = 0; i < nr; ++i) reqs.push_back(Request(std::to_string(i), {themes[rng() % 3]}));
    for (int j = 0; j < nc; ++j) {
      coaches.push_back(Coach(std::string(1, 'a' + j),
                              {{themes[rng() % 3], static_cast<int>(1 + rng() % 3)},
                               {themes[rng() % 3], static_cast<int>(1 + rng() % 3)}},
                              1 + rng() % 2));
    }
    MatchingWeights w{1, 0, 0, 0, 0, 0};
    const double got = ProposeAssignments(reqs, coaches, w, kToday).total_score();
    // Brute force: every way to give each registration a coach or nobody.
    double best = 0;
    std::vector<int> pick(nr, -1);
    std::function<void(int, std::vector<int>&, double)> go = [&](int i, std::vector<int>& used,
                                                                 double sum) {
      if (i == nr) {
        best = std::max(best, sum);
        return;
      }
      go(i + 1, used, sum);
      for (int j = 0; j < nc; ++j) {
        if (used[j] >= coaches[j].coach.max_trajectories()) continue;
        auto e = EvaluateCoach(reqs[i], coaches[j], w, 0, kToday);
        if (e.excluded) continue;
        ++used[j];
        go(i + 1, used, sum + e.suggestion.score());
        --used[j];
      }
    };
    std::vector<int> used(nc, 0);
    go(0, used, 0);
    EXPECT_NEAR(got, best, 1e-5) << "round " << round;
  }
}

}  // namespace
}  // namespace lv::intake
