#include "coaching-svc/entitlement.h"

#include "gtest/gtest.h"

namespace lv::coaching {
namespace {

pb::EntitlementPolicy Policy() { return *ParsePolicy(DefaultPolicyText()); }

std::vector<pb::LedgerEntry> Apply(std::vector<pb::LedgerEntry> ledger,
                                   const std::vector<pb::LedgerEntry>& more,
                                   const std::string& session = "") {
  for (auto e : more) {
    if (!session.empty()) e.set_session(session);
    ledger.push_back(e);
  }
  return ledger;
}

TEST(Policy, TheDefaultPolicyParsesAndBrokenOnesAreRefused) {
  auto p = ParsePolicy(DefaultPolicyText());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->version(), "2019-1");
  auto broken = ParsePolicy("version: \"x\" school_share_percent: 140");
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find("school_share_percent"), std::string::npos);
  EXPECT_NE(broken.status().message().find("no grant for TRAJECTORY_CATEGORY_RISK"),
            std::string::npos);
  EXPECT_FALSE(ParsePolicy("this is not a policy {").ok());
}

TEST(Grants, EachCategoryGetsItsOffer) {
  const auto p = Policy();
  auto sum = [](const std::vector<pb::LedgerEntry>& g) { return Summarize(g); };
  Balance very_weak = sum(InitialGrants(p, common::TRAJECTORY_CATEGORY_VERY_WEAK));
  EXPECT_EQ(very_weak.pots[pb::ENTITLEMENT_POT_CO_FINANCED].entitled, 80);
  EXPECT_EQ(very_weak.pots.count(pb::ENTITLEMENT_POT_FREE), 0u);
  Balance insufficient = sum(InitialGrants(p, common::TRAJECTORY_CATEGORY_INSUFFICIENT));
  EXPECT_EQ(insufficient.pots[pb::ENTITLEMENT_POT_FREE].entitled, 20);
  EXPECT_EQ(insufficient.pots[pb::ENTITLEMENT_POT_CO_FINANCED].entitled, 12);
  EXPECT_EQ(insufficient.pots[pb::ENTITLEMENT_POT_TEACHERS].entitled, 12);
  Balance risk = sum(InitialGrants(p, common::TRAJECTORY_CATEGORY_RISK));
  EXPECT_EQ(risk.pots[pb::ENTITLEMENT_POT_FREE].entitled, 8);
  EXPECT_EQ(risk.pots[pb::ENTITLEMENT_POT_CO_FINANCED].entitled, 4);
  EXPECT_EQ(sum(ReviewGrant(p)).pots[pb::ENTITLEMENT_POT_REVIEW].entitled, 4);
  // Extension: the same size as the initial grant, or what the project leader decides.
  EXPECT_EQ(sum(ExtensionGrants(p, common::TRAJECTORY_CATEGORY_RISK, std::nullopt)).entitled(), 12);
  EXPECT_EQ(sum(ExtensionGrants(p, common::TRAJECTORY_CATEGORY_RISK, 6)).entitled(), 6);
  // Risk -> insufficient adds the differences and takes nothing away.
  Balance up = sum(CategoryGrants(p, common::TRAJECTORY_CATEGORY_RISK,
                                  common::TRAJECTORY_CATEGORY_INSUFFICIENT));
  EXPECT_EQ(up.pots[pb::ENTITLEMENT_POT_FREE].entitled, 12);
  EXPECT_EQ(up.pots[pb::ENTITLEMENT_POT_CO_FINANCED].entitled, 8);
  EXPECT_EQ(up.pots[pb::ENTITLEMENT_POT_TEACHERS].entitled, 12);
}

TEST(Consumption, FreeBeforeCoFinancedThenExhaustionThenApproval) {
  const auto p = Policy();
  auto ledger = InitialGrants(p, common::TRAJECTORY_CATEGORY_RISK);  // 4 free, 2 co-financed
  auto first = PlanConsumption(Summarize(ledger), p, pb::SESSION_AUDIENCE_LEADERSHIP, 10, false);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].pot(), pb::ENTITLEMENT_POT_FREE);
  EXPECT_EQ((*first)[0].half_days().half_steps(), -8);
  EXPECT_EQ((*first)[0].school_cost().cents(), 0);
  EXPECT_EQ((*first)[1].pot(), pb::ENTITLEMENT_POT_CO_FINANCED);
  EXPECT_EQ((*first)[1].half_days().half_steps(), -2);
  EXPECT_EQ((*first)[1].school_cost().cents(), 30000);  // 1 half-day x EUR 600 x 50 %
  ledger = Apply(ledger, *first, "s1");

  auto exact = PlanConsumption(Summarize(ledger), p, pb::SESSION_AUDIENCE_LEADERSHIP, 2, false);
  ASSERT_TRUE(exact.ok());  // capacity exactly exhausted
  ledger = Apply(ledger, *exact, "s2");
  EXPECT_EQ(Summarize(ledger).entitled() - Summarize(ledger).used(), 0);

  auto refused = PlanConsumption(Summarize(ledger), p, pb::SESSION_AUDIENCE_LEADERSHIP, 1, false);
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("only 0 are left"), std::string::npos)
      << refused.status();
  auto approved = PlanConsumption(Summarize(ledger), p, pb::SESSION_AUDIENCE_LEADERSHIP, 3, true);
  ASSERT_TRUE(approved.ok());
  ASSERT_EQ(approved->size(), 2u);
  EXPECT_EQ((*approved)[0].kind(), pb::LEDGER_ENTRY_KIND_OVERRUN_GRANT);
  EXPECT_EQ((*approved)[0].half_days().half_steps(), 3);
  EXPECT_EQ((*approved)[1].half_days().half_steps(), -3);
  EXPECT_EQ((*approved)[1].school_cost().cents(), 45000);
}

TEST(Consumption, TeacherSessionsUseTheirOwnPot) {
  const auto p = Policy();
  auto ledger = InitialGrants(p, common::TRAJECTORY_CATEGORY_INSUFFICIENT);
  auto planned = PlanConsumption(Summarize(ledger), p, pb::SESSION_AUDIENCE_TEACHERS, 4, false);
  ASSERT_TRUE(planned.ok());
  ASSERT_EQ(planned->size(), 1u);
  EXPECT_EQ((*planned)[0].pot(), pb::ENTITLEMENT_POT_TEACHERS);
  auto risk = InitialGrants(p, common::TRAJECTORY_CATEGORY_RISK);
  EXPECT_EQ(
      PlanConsumption(Summarize(risk), p, pb::SESSION_AUDIENCE_TEACHERS, 1, false).status().code(),
      absl::StatusCode::kFailedPrecondition);
}

TEST(Consumption, ReversalRestoresBalanceAndCostExactly) {
  const auto p = Policy();
  auto ledger = InitialGrants(p, common::TRAJECTORY_CATEGORY_RISK);
  ledger = Apply(ledger,
                 *PlanConsumption(Summarize(ledger), p, pb::SESSION_AUDIENCE_LEADERSHIP, 11, false),
                 "s1");
  const Balance before = Summarize(ledger);
  EXPECT_EQ(before.used(), 11);
  EXPECT_EQ(before.cost_cents, 45000);
  ledger = Apply(ledger, ReverseSession(ledger, "s1"));
  const Balance after = Summarize(ledger);
  EXPECT_EQ(after.used(), 0);
  EXPECT_EQ(after.cost_cents, 0);
  EXPECT_TRUE(ReverseSession(ledger, "s1").empty());  // nothing left to reverse
}

TEST(Cost, IntegerCentsRoundHalfUp) {
  pb::EntitlementPolicy p = Policy();
  p.mutable_half_day_rate()->set_cents(33333);
  p.set_school_share_percent(33);
  EXPECT_EQ(SchoolCostCents(p, pb::ENTITLEMENT_POT_CO_FINANCED, 1), 5500);   // 5499.945
  EXPECT_EQ(SchoolCostCents(p, pb::ENTITLEMENT_POT_CO_FINANCED, 2), 11000);  // 10999.89
  EXPECT_EQ(SchoolCostCents(p, pb::ENTITLEMENT_POT_CO_FINANCED, -1), -5500);
  EXPECT_EQ(SchoolCostCents(p, pb::ENTITLEMENT_POT_FREE, 7), 0);
}

TEST(Statement, PaceAndRunOutDate) {
  const auto p = Policy();
  pb::Trajectory t;
  t.set_name("trajectories/x");
  t.set_category(common::TRAJECTORY_CATEGORY_RISK);
  t.mutable_start_date()->set_year(2026);
  t.mutable_start_date()->set_month(1);
  t.mutable_start_date()->set_day(5);
  auto ledger = InitialGrants(p, common::TRAJECTORY_CATEGORY_RISK);  // 12 half steps
  std::vector<pb::Session> sessions;
  for (int week = 0; week < 4; ++week) {  // 2 half-days a week for four weeks = 16 steps
    pb::Session s;
    s.set_name("trajectories/x/sessions/" + std::to_string(week));
    s.mutable_date()->set_year(2026);
    s.mutable_date()->set_month(1);
    s.mutable_date()->set_day(6 + 7 * week);
    *s.mutable_half_days() = HalfSteps(2);
    s.set_state(pb::SESSION_STATE_LOGGED);
    sessions.push_back(s);
    ledger = Apply(
        ledger, *PlanConsumption(Summarize(ledger), p, pb::SESSION_AUDIENCE_LEADERSHIP, 2, false),
        s.name());
  }
  auto st = BuildStatement(t, ledger, sessions, p, absl::CivilDay(2026, 2, 2));
  EXPECT_EQ(st.total_entitled().half_steps(), 12);
  EXPECT_EQ(st.total_used().half_steps(), 8);
  EXPECT_EQ(st.total_remaining().half_steps(), 4);
  EXPECT_EQ(st.weekly_pace().half_steps(), 2);  // 8 steps over 28 days
  EXPECT_EQ(st.runs_out_on().month(), 2);       // 4 steps at 2 a week: two weeks on
  EXPECT_EQ(st.runs_out_on().day(), 16);
  EXPECT_EQ(st.cost_so_far().cents(), 0);         // all free so far
  EXPECT_EQ(st.cost_committed().cents(), 60000);  // the 2 co-financed half-days left
  EXPECT_EQ(st.extension_would_add().half_steps(), 12);
  EXPECT_EQ(st.extension_would_cost().cents(), 60000);
}

}  // namespace
}  // namespace lv::coaching
