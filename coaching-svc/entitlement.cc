#include "coaching-svc/entitlement.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/text_format.h"
#include "platform/config.h"

ABSL_FLAG(std::string, entitlement_policy, "",
          "entitlement policy file (EntitlementPolicy text); empty = the compiled-in 2019 policy");

namespace lv::coaching {
namespace {

const pb::EntitlementPolicy::CategoryGrant* GrantFor(const pb::EntitlementPolicy& policy,
                                                     common::TrajectoryCategory category) {
  for (const auto& g : policy.grants()) {
    if (g.category() == category) return &g;
  }
  return nullptr;
}

pb::LedgerEntry Entry(pb::LedgerEntryKind kind, pb::EntitlementPot pot, int64_t half_steps,
                      const pb::EntitlementPolicy& policy, absl::string_view reason) {
  pb::LedgerEntry e;
  e.set_kind(kind);
  e.set_pot(pot);
  *e.mutable_half_days() = HalfSteps(half_steps);
  *e.mutable_school_cost() = Euros(0);
  e.set_reason(std::string(reason));
  e.set_policy_version(policy.version());
  return e;
}

void AddGrant(std::vector<pb::LedgerEntry>& out, pb::LedgerEntryKind kind, pb::EntitlementPot pot,
              int64_t half_steps, const pb::EntitlementPolicy& policy, absl::string_view reason) {
  if (half_steps > 0) out.push_back(Entry(kind, pot, half_steps, policy, reason));
}

std::string Describe(int64_t half_steps) {
  return half_steps % 2 == 0 ? absl::StrCat(half_steps / 2)
                             : absl::StrFormat("%d.5", half_steps / 2);
}

}  // namespace

common::HalfDays HalfSteps(int64_t n) {
  common::HalfDays h;
  h.set_half_steps(n);
  return h;
}

common::Money Euros(int64_t cents) {
  common::Money m;
  m.set_currency_code("EUR");
  m.set_cents(cents);
  return m;
}

absl::StatusOr<pb::EntitlementPolicy> LoadPolicyFromFlag() {
  std::string text = DefaultPolicyText();
  const std::string path = absl::GetFlag(FLAGS_entitlement_policy);
  if (!path.empty()) {
    std::ifstream in(path);
    if (!in) return platform::InvalidFlag("entitlement_policy", absl::StrCat("cannot read ", path));
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  auto policy = ParsePolicy(text);
  if (!policy.ok()) return platform::InvalidFlag("entitlement_policy", policy.status().message());
  return policy;
}

absl::StatusOr<pb::EntitlementPolicy> ParsePolicy(const std::string& text) {
  pb::EntitlementPolicy p;
  if (!google::protobuf::TextFormat::ParseFromString(text, &p)) {
    return absl::InvalidArgumentError("entitlement policy is not valid EntitlementPolicy text");
  }
  std::vector<std::string> problems;
  if (p.version().empty()) problems.push_back("version is empty");
  if (p.half_day_rate().cents() <= 0) problems.push_back("half_day_rate must be positive");
  if (p.school_share_percent() < 0 || p.school_share_percent() > 100) {
    problems.push_back("school_share_percent must be 0-100");
  }
  for (auto c : {common::TRAJECTORY_CATEGORY_VERY_WEAK, common::TRAJECTORY_CATEGORY_INSUFFICIENT,
                 common::TRAJECTORY_CATEGORY_RISK}) {
    const auto* g = GrantFor(p, c);
    if (g == nullptr) {
      problems.push_back(absl::StrCat("no grant for ", common::TrajectoryCategory_Name(c)));
    } else if (g->free().half_steps() < 0 || g->co_financed().half_steps() < 0 ||
               g->teachers().half_steps() < 0) {
      problems.push_back(absl::StrCat("negative grant for ", common::TrajectoryCategory_Name(c)));
    }
  }
  if (p.review().half_steps() < 0) problems.push_back("review must not be negative");
  if (p.max_session().half_steps() <= 0) problems.push_back("max_session must be positive");
  if (p.aftercare_months() < 1 || p.aftercare_months() > 36) {
    problems.push_back("aftercare_months must be 1-36");
  }
  if (p.session_days_ahead() < 0) problems.push_back("session_days_ahead must not be negative");
  if (!problems.empty()) {
    std::string all;
    for (const auto& s : problems) absl::StrAppend(&all, all.empty() ? "" : "; ", s);
    return absl::InvalidArgumentError(absl::StrCat("entitlement policy: ", all));
  }
  return p;
}

int64_t Balance::entitled() const {
  int64_t n = 0;
  for (const auto& [pot, t] : pots) n += t.entitled;
  return n;
}

int64_t Balance::used() const {
  int64_t n = 0;
  for (const auto& [pot, t] : pots) n += t.used;
  return n;
}

Balance Summarize(const std::vector<pb::LedgerEntry>& entries) {
  Balance b;
  for (const auto& e : entries) {
    PotTotals& t = b.pots[e.pot()];
    switch (e.kind()) {
      case pb::LEDGER_ENTRY_KIND_CONSUMPTION:
      case pb::LEDGER_ENTRY_KIND_REVERSAL:
        t.used -= e.half_days().half_steps();  // consumption is negative, reversal positive
        break;
      default:
        t.entitled += e.half_days().half_steps();
    }
    b.cost_cents += e.school_cost().cents();
  }
  return b;
}

int64_t SchoolCostCents(const pb::EntitlementPolicy& policy, pb::EntitlementPot pot,
                        int64_t half_steps) {
  if (pot == pb::ENTITLEMENT_POT_FREE || half_steps == 0) return 0;
  // rate is per half-day, a half step is half of that, share is in percent: / 200.
  const int64_t numerator =
      half_steps * policy.half_day_rate().cents() * policy.school_share_percent();
  const int64_t sign = numerator < 0 ? -1 : 1;
  return sign * ((sign * numerator + 100) / 200);
}

std::vector<pb::LedgerEntry> InitialGrants(const pb::EntitlementPolicy& policy,
                                           common::TrajectoryCategory category) {
  std::vector<pb::LedgerEntry> out;
  const auto* g = GrantFor(policy, category);
  if (g == nullptr) return out;
  const auto kind = pb::LEDGER_ENTRY_KIND_INITIAL_GRANT;
  const std::string reason =
      absl::StrCat("entitlement of ", common::TrajectoryCategory_Name(category));
  AddGrant(out, kind, pb::ENTITLEMENT_POT_FREE, g->free().half_steps(), policy, reason);
  AddGrant(out, kind, pb::ENTITLEMENT_POT_CO_FINANCED, g->co_financed().half_steps(), policy,
           reason);
  AddGrant(out, kind, pb::ENTITLEMENT_POT_TEACHERS, g->teachers().half_steps(), policy, reason);
  return out;
}

std::vector<pb::LedgerEntry> ReviewGrant(const pb::EntitlementPolicy& policy) {
  std::vector<pb::LedgerEntry> out;
  AddGrant(out, pb::LEDGER_ENTRY_KIND_INITIAL_GRANT, pb::ENTITLEMENT_POT_REVIEW,
           policy.review().half_steps(), policy, "review by two coaches");
  return out;
}

std::vector<pb::LedgerEntry> ExtensionGrants(const pb::EntitlementPolicy& policy,
                                             common::TrajectoryCategory category,
                                             std::optional<int64_t> half_steps) {
  std::vector<pb::LedgerEntry> out;
  const auto kind = pb::LEDGER_ENTRY_KIND_EXTENSION_GRANT;
  if (half_steps) {
    AddGrant(out, kind, pb::ENTITLEMENT_POT_CO_FINANCED, *half_steps, policy, "extension");
    return out;
  }
  const auto* g = GrantFor(policy, category);
  if (g == nullptr) return out;
  AddGrant(out, kind, pb::ENTITLEMENT_POT_FREE, g->free().half_steps(), policy,
           "extension of the initial size");
  AddGrant(out, kind, pb::ENTITLEMENT_POT_CO_FINANCED, g->co_financed().half_steps(), policy,
           "extension of the initial size");
  return out;
}

std::vector<pb::LedgerEntry> CategoryGrants(const pb::EntitlementPolicy& policy,
                                            common::TrajectoryCategory from,
                                            common::TrajectoryCategory to) {
  std::vector<pb::LedgerEntry> out;
  const auto* a = GrantFor(policy, from);
  const auto* b = GrantFor(policy, to);
  if (a == nullptr || b == nullptr) return out;
  const auto kind = pb::LEDGER_ENTRY_KIND_CATEGORY_GRANT;
  const std::string reason =
      absl::StrCat("category changed from ", common::TrajectoryCategory_Name(from), " to ",
                   common::TrajectoryCategory_Name(to));
  AddGrant(out, kind, pb::ENTITLEMENT_POT_FREE, b->free().half_steps() - a->free().half_steps(),
           policy, reason);
  AddGrant(out, kind, pb::ENTITLEMENT_POT_CO_FINANCED,
           b->co_financed().half_steps() - a->co_financed().half_steps(), policy, reason);
  AddGrant(out, kind, pb::ENTITLEMENT_POT_TEACHERS,
           b->teachers().half_steps() - a->teachers().half_steps(), policy, reason);
  return out;
}

absl::StatusOr<std::vector<pb::LedgerEntry>> PlanConsumption(const Balance& balance,
                                                             const pb::EntitlementPolicy& policy,
                                                             pb::SessionAudience audience,
                                                             int64_t half_steps,
                                                             bool overrun_approved) {
  std::vector<pb::EntitlementPot> order;
  switch (audience) {
    case pb::SESSION_AUDIENCE_TEACHERS:
      order = {pb::ENTITLEMENT_POT_TEACHERS};
      break;
    case pb::SESSION_AUDIENCE_REVIEW:
      order = {pb::ENTITLEMENT_POT_REVIEW};
      break;
    default:
      order = {pb::ENTITLEMENT_POT_FREE, pb::ENTITLEMENT_POT_CO_FINANCED};
  }
  auto remaining = [&](pb::EntitlementPot pot) {
    auto it = balance.pots.find(pot);
    return it == balance.pots.end() ? int64_t{0} : std::max<int64_t>(0, it->second.remaining());
  };
  int64_t available = 0;
  for (auto pot : order) available += remaining(pot);
  std::vector<pb::LedgerEntry> out;
  const int64_t shortfall = half_steps - available;
  if (shortfall > 0) {
    if (!overrun_approved) {
      std::string left;
      for (auto pot : order) {
        absl::StrAppend(&left, left.empty() ? "" : ", ",
                        absl::AsciiStrToLower(pb::EntitlementPot_Name(pot).substr(16)), " ",
                        Describe(remaining(pot)));
      }
      return absl::FailedPreconditionError(
          absl::StrCat("the session needs ", Describe(half_steps), " half-days but only ",
                       Describe(available), " are left (", left,
                       "); going beyond the entitlement needs a project leader's approval"));
    }
    out.push_back(Entry(pb::LEDGER_ENTRY_KIND_OVERRUN_GRANT, order.back(), shortfall, policy,
                        "approved beyond the entitlement"));
  }
  int64_t need = half_steps;
  for (auto pot : order) {
    int64_t take = std::min(
        need, remaining(pot) + (pot == order.back() ? std::max<int64_t>(0, shortfall) : 0));
    if (take <= 0) continue;
    pb::LedgerEntry e = Entry(pb::LEDGER_ENTRY_KIND_CONSUMPTION, pot, -take, policy, "session");
    *e.mutable_school_cost() = Euros(SchoolCostCents(policy, pot, take));
    out.push_back(std::move(e));
    need -= take;
  }
  return out;
}

std::vector<pb::LedgerEntry> ReverseSession(const std::vector<pb::LedgerEntry>& entries,
                                            const std::string& session_name) {
  std::map<pb::EntitlementPot, std::pair<int64_t, int64_t>> net;  // half steps, cents
  std::map<pb::EntitlementPot, std::string> version;
  for (const auto& e : entries) {
    if (e.session() != session_name) continue;
    if (e.kind() != pb::LEDGER_ENTRY_KIND_CONSUMPTION &&
        e.kind() != pb::LEDGER_ENTRY_KIND_REVERSAL) {
      continue;
    }
    net[e.pot()].first += e.half_days().half_steps();
    net[e.pot()].second += e.school_cost().cents();
    version[e.pot()] = e.policy_version();
  }
  std::vector<pb::LedgerEntry> out;
  for (const auto& [pot, amounts] : net) {
    if (amounts.first == 0 && amounts.second == 0) continue;
    pb::LedgerEntry e;
    e.set_kind(pb::LEDGER_ENTRY_KIND_REVERSAL);
    e.set_pot(pot);
    *e.mutable_half_days() = HalfSteps(-amounts.first);
    *e.mutable_school_cost() = Euros(-amounts.second);
    e.set_session(session_name);
    e.set_policy_version(version[pot]);
    out.push_back(std::move(e));
  }
  return out;
}

pb::TransparencyStatement BuildStatement(const pb::Trajectory& trajectory,
                                         const std::vector<pb::LedgerEntry>& entries,
                                         const std::vector<pb::Session>& sessions,
                                         const pb::EntitlementPolicy& policy,
                                         absl::CivilDay today) {
  pb::TransparencyStatement s;
  s.set_trajectory(trajectory.name());
  s.set_category(trajectory.category());
  s.set_policy_version(trajectory.policy_version());
  s.set_extension_count(trajectory.extension_count());
  const Balance b = Summarize(entries);
  int64_t committed = 0;
  for (const auto& [pot, t] : b.pots) {
    pb::PotBalance* p = s.add_pots();
    p->set_pot(pot);
    *p->mutable_entitled() = HalfSteps(t.entitled);
    *p->mutable_used() = HalfSteps(t.used);
    *p->mutable_remaining() = HalfSteps(t.remaining());
    *p->mutable_school_cost_per_half_day() = Euros(SchoolCostCents(policy, pot, 2));
    committed += SchoolCostCents(policy, pot, std::max<int64_t>(0, t.remaining()));
  }
  *s.mutable_total_entitled() = HalfSteps(b.entitled());
  *s.mutable_total_used() = HalfSteps(b.used());
  *s.mutable_total_remaining() = HalfSteps(b.entitled() - b.used());
  *s.mutable_cost_so_far() = Euros(b.cost_cents);
  *s.mutable_cost_committed() = Euros(committed);

  // Pace over the last eight weeks, or since the start when that is shorter (at least a week).
  absl::CivilDay start = today - 56;
  if (trajectory.start_date().year() != 0) {
    absl::CivilDay begun(trajectory.start_date().year(), trajectory.start_date().month(),
                         trajectory.start_date().day());
    start = std::max(start, std::min(begun, today - 7));
  }
  int64_t recent = 0;
  int count = 0;
  for (const auto& session : sessions) {
    if (session.state() == pb::SESSION_STATE_CANCELLED) continue;
    ++count;
    absl::CivilDay d(session.date().year(), session.date().month(), session.date().day());
    if (d > start && d <= today) recent += session.half_days().half_steps();
  }
  s.set_session_count(count);
  const int64_t window_days = today - start;
  *s.mutable_weekly_pace() = HalfSteps(recent * 7 / window_days);
  const int64_t remaining = b.entitled() - b.used();
  if (recent > 0 && remaining > 0) {
    const int64_t days = (remaining * window_days + recent - 1) / recent;
    const absl::CivilDay runs_out = today + days;
    s.mutable_runs_out_on()->set_year(static_cast<int32_t>(runs_out.year()));
    s.mutable_runs_out_on()->set_month(runs_out.month());
    s.mutable_runs_out_on()->set_day(runs_out.day());
  }
  int64_t add = 0, cost = 0;
  for (const auto& e : ExtensionGrants(policy, trajectory.category(), std::nullopt)) {
    add += e.half_days().half_steps();
    cost += SchoolCostCents(policy, e.pot(), e.half_days().half_steps());
  }
  *s.mutable_extension_would_add() = HalfSteps(add);
  *s.mutable_extension_would_cost() = Euros(cost);
  return s;
}

}  // namespace lv::coaching
