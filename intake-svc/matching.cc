#include "intake-svc/matching.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <queue>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace lv::intake {
namespace {

bool Contains(const google::protobuf::RepeatedPtrField<std::string>& list, const std::string& v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

absl::CivilDay Day(const common::Date& d) { return absl::CivilDay(d.year(), d.month(), d.day()); }

}  // namespace

absl::StatusOr<MatchingWeights> ParseWeights(const std::string& text) {
  MatchingWeights w;
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(part, '=');
    double value = 0;
    if (!absl::SimpleAtod(absl::StripAsciiWhitespace(kv.second), &value) || value < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("weight '", part, "' is not name=non-negative number"));
    }
    const absl::string_view name = absl::StripAsciiWhitespace(kv.first);
    if (name == "theme_fit") {
      w.theme_fit = value;
    } else if (name == "school_type_experience") {
      w.school_type_experience = value;
    } else if (name == "free_capacity") {
      w.free_capacity = value;
    } else if (name == "region") {
      w.region = value;
    } else if (name == "continuity") {
      w.continuity = value;
    } else if (name == "workload_balance") {
      w.workload_balance = value;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown matching criterion '", name, "'"));
    }
  }
  return w;
}

Evaluation EvaluateCoach(const MatchRequest& r, const CoachLoad& load, const MatchingWeights& w,
                         int max_active_of_all, absl::CivilDay today) {
  Evaluation e;
  const pb::Coach& c = load.coach;
  auto exclude = [&](const char* rule, std::string detail) {
    e.excluded = true;
    e.exclusion.set_coach(c.name());
    e.exclusion.set_rule(rule);
    e.exclusion.set_detail(std::move(detail));
    return e;
  };
  if (!c.active()) return exclude("inactive", "the coach is not active in the programme");
  if (Contains(c.conflict_schools(), r.school_brin)) {
    return exclude("conflict_of_interest", absl::StrCat("linked to school ", r.school_brin));
  }
  if (!r.board_number.empty() && Contains(c.conflict_boards(), r.board_number)) {
    return exclude("conflict_of_interest", absl::StrCat("linked to board ", r.board_number));
  }
  if (c.weekly_capacity().half_steps() <= 0 || load.active_trajectories >= c.max_trajectories()) {
    return exclude("no_capacity", absl::StrCat(load.active_trajectories, " of ",
                                               c.max_trajectories(), " trajectories in use"));
  }
  for (const auto& a : c.absences()) {
    // Absent in the coming week: the first visit should be within a week.
    if (Day(a.start_date()) <= today + 7 && Day(a.end_date()) >= today) {
      return exclude("absent", absl::StrCat("away until ", a.end_date().year(), "-",
                                            a.end_date().month(), "-", a.end_date().day()));
    }
  }
  std::vector<std::pair<const char*, std::pair<double, double>>> parts;
  // Theme fit: expertise level (of 3) over the themes of the help request.
  double theme = 0.5;
  if (!r.themes.empty()) {
    double sum = 0;
    for (auto t : r.themes) {
      for (const auto& x : c.expertise()) {
        if (x.theme() == t) sum += std::clamp(x.level(), 0, 3) / 3.0;
      }
    }
    theme = sum / r.themes.size();
  }
  parts.push_back({"theme_fit", {theme, w.theme_fit}});
  double types = 0.5;
  if (!r.school_types.empty()) {
    int known = 0;
    for (auto t : r.school_types) {
      known +=
          std::find(c.school_types().begin(), c.school_types().end(), t) != c.school_types().end();
    }
    types = static_cast<double>(known) / r.school_types.size();
  }
  parts.push_back({"school_type_experience", {types, w.school_type_experience}});
  const double free =
      c.max_trajectories() <= 0
          ? 0
          : 1.0 - static_cast<double>(load.active_trajectories) / c.max_trajectories();
  parts.push_back({"free_capacity", {free, w.free_capacity}});
  const double region =
      r.region.empty() || c.region().empty() ? 0.5 : (r.region == c.region() ? 1 : 0);
  parts.push_back({"region", {region, w.region}});
  const bool earlier = std::find(r.earlier_coaches.begin(), r.earlier_coaches.end(), c.name()) !=
                       r.earlier_coaches.end();
  parts.push_back({"continuity", {earlier ? 1.0 : 0.0, w.continuity}});
  const double balance =
      max_active_of_all <= 0
          ? 1.0
          : 1.0 - static_cast<double>(load.active_trajectories) / max_active_of_all;
  parts.push_back({"workload_balance", {balance, w.workload_balance}});
  double score = 0;
  e.suggestion.set_coach(c.name());
  for (const auto& [name, vw] : parts) {
    auto* comp = e.suggestion.add_components();
    comp->set_criterion(name);
    comp->set_value(vw.first);
    comp->set_weight(vw.second);
    score += vw.first * vw.second;
  }
  e.suggestion.set_score(score);
  return e;
}

namespace {
int MaxActive(const std::vector<CoachLoad>& coaches) {
  int m = 0;
  for (const auto& c : coaches) m = std::max(m, c.active_trajectories);
  return m;
}
}  // namespace

pb::SuggestCoachesResponse RankCoaches(const MatchRequest& request,
                                       const std::vector<CoachLoad>& coaches,
                                       const MatchingWeights& weights, absl::CivilDay today,
                                       int limit) {
  pb::SuggestCoachesResponse out;
  const int max_active = MaxActive(coaches);
  std::vector<pb::CoachSuggestion> ranked;
  for (const auto& c : coaches) {
    Evaluation e = EvaluateCoach(request, c, weights, max_active, today);
    if (e.excluded) {
      *out.add_exclusions() = e.exclusion;
    } else {
      ranked.push_back(e.suggestion);
    }
  }
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return a.score() != b.score() ? a.score() > b.score() : a.coach() < b.coach();
  });
  for (int i = 0; i < static_cast<int>(ranked.size()) && i < limit; ++i) {
    *out.add_suggestions() = ranked[i];
  }
  return out;
}

pb::ProposeAssignmentsResponse ProposeAssignments(const std::vector<MatchRequest>& requests,
                                                  const std::vector<CoachLoad>& coaches,
                                                  const MatchingWeights& weights,
                                                  absl::CivilDay today) {
  // Nodes: source 0, registrations 1..R, coaches R+1..R+C, sink R+C+1. Costs are scores scaled
  // to integers and negated; we stop augmenting once no path improves the total.
  const int R = static_cast<int>(requests.size()), C = static_cast<int>(coaches.size());
  const int S = 0, T = R + C + 1, N = R + C + 2;
  struct Edge {
    int to, rev, cap;
    int64_t cost;
  };
  std::vector<std::vector<Edge>> g(N);
  auto add = [&](int u, int v, int cap, int64_t cost) {
    g[u].push_back({v, static_cast<int>(g[v].size()), cap, cost});
    g[v].push_back({u, static_cast<int>(g[u].size()) - 1, 0, -cost});
  };
  const int max_active = MaxActive(coaches);
  std::vector<std::string> why(R, "no coach may take it");
  std::vector<bool> eligible(R, false);
  std::map<std::pair<int, int>, double> score;
  for (int i = 0; i < R; ++i) {
    add(S, 1 + i, 1, 0);
    for (int j = 0; j < C; ++j) {
      Evaluation e = EvaluateCoach(requests[i], coaches[j], weights, max_active, today);
      if (e.excluded) continue;
      eligible[i] = true;
      score[{i, j}] = e.suggestion.score();
      add(1 + i, 1 + R + j, 1, -static_cast<int64_t>(std::llround(e.suggestion.score() * 1e6)));
    }
  }
  for (int j = 0; j < C; ++j) {
    const int room = coaches[j].coach.max_trajectories() - coaches[j].active_trajectories;
    if (room > 0) add(1 + R + j, T, room, 0);
  }
  // Potentials: the graph is a DAG at the start, so one Bellman-Ford pass in topological order.
  const int64_t kInf = std::numeric_limits<int64_t>::max() / 4;
  std::vector<int64_t> potential(N, kInf);
  potential[S] = 0;
  for (int i = 1; i <= R; ++i) potential[i] = 0;
  for (int i = 1; i <= R; ++i) {
    for (const Edge& e : g[i]) {
      if (e.cap > 0 && e.to > R) potential[e.to] = std::min(potential[e.to], potential[i] + e.cost);
    }
  }
  for (int j = R + 1; j <= R + C; ++j) {
    if (potential[j] == kInf) potential[j] = 0;
    for (const Edge& e : g[j]) {
      if (e.cap > 0 && e.to == T) potential[T] = std::min(potential[T], potential[j]);
    }
  }
  if (potential[T] == kInf) potential[T] = 0;
  std::vector<int64_t> dist(N);
  std::vector<int> prev_node(N), prev_edge(N);
  while (true) {
    std::fill(dist.begin(), dist.end(), kInf);
    dist[S] = 0;
    using Item = std::pair<int64_t, int>;
    std::priority_queue<Item, std::vector<Item>, std::greater<Item>> queue;
    queue.push({0, S});
    while (!queue.empty()) {
      auto [d, u] = queue.top();
      queue.pop();
      if (d != dist[u]) continue;
      for (int k = 0; k < static_cast<int>(g[u].size()); ++k) {
        const Edge& e = g[u][k];
        if (e.cap <= 0) continue;
        const int64_t nd = d + e.cost + potential[u] - potential[e.to];
        if (nd < dist[e.to]) {
          dist[e.to] = nd;
          prev_node[e.to] = u;
          prev_edge[e.to] = k;
          queue.push({nd, e.to});
        }
      }
    }
    if (dist[T] == kInf) break;
    for (int v = 0; v < N; ++v) {
      if (dist[v] < kInf) potential[v] += dist[v];
    }
    // Real cost of the path (potentials telescope): stop when it no longer improves the total.
    if (potential[T] - potential[S] >= 0) break;
    for (int v = T; v != S; v = prev_node[v]) {
      Edge& e = g[prev_node[v]][prev_edge[v]];
      e.cap -= 1;
      g[v][e.rev].cap += 1;
    }
  }
  pb::ProposeAssignmentsResponse out;
  double total = 0;
  std::vector<bool> placed(R, false);
  for (int i = 0; i < R; ++i) {
    for (const Edge& e : g[1 + i]) {
      if (e.to > R && e.to <= R + C && e.cap == 0 && e.cost <= 0 &&
          score.count({i, e.to - R - 1})) {
        const int j = e.to - R - 1;
        pb::Proposal* p = out.add_proposals();
        p->set_registration(requests[i].registration);
        p->set_coach(coaches[j].coach.name());
        p->set_score(score[{i, j}]);
        total += p->score();
        placed[i] = true;
      }
    }
  }
  for (int i = 0; i < R; ++i) {
    if (placed[i]) continue;
    pb::Unplaced* u = out.add_unplaced();
    u->set_registration(requests[i].registration);
    u->set_reason(eligible[i] ? "the coaches it fits are full with better fits"
                              : "no coach may take it (every coach is excluded)");
  }
  out.set_total_score(total);
  return out;
}

}  // namespace lv::intake
