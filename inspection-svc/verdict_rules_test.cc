#include "inspection-svc/verdict_rules.h"

#include "gtest/gtest.h"

namespace lv::inspection {
namespace {

pb::Verdict VeryWeakWith(std::initializer_list<std::pair<const char*, pb::StandardJudgement>> s) {
  pb::Verdict v;
  v.set_value(common::VERDICT_VERY_WEAK);
  for (const auto& [code, judgement] : s) {
    auto* a = v.add_standards();
    a->set_framework("VO2021_V23");
    a->set_code(code);
    a->set_judgement(judgement);
  }
  return v;
}

constexpr auto kIns = pb::STANDARD_JUDGEMENT_INSUFFICIENT;
constexpr auto kSuf = pb::STANDARD_JUDGEMENT_SUFFICIENT;

TEST(VerdictText, ModernAndPre2017Vocabulary) {
  EXPECT_EQ(*ParseVerdictText("Zeer zwak"), common::VERDICT_VERY_WEAK);
  EXPECT_EQ(*ParseVerdictText(" onvoldoende "), common::VERDICT_INSUFFICIENT);
  EXPECT_EQ(*ParseVerdictText("Basistoezicht"), common::VERDICT_BASIC_SUPERVISION);
  EXPECT_EQ(*ParseVerdictText("Basisarrangement"), common::VERDICT_BASIC_SUPERVISION);
  EXPECT_EQ(*ParseVerdictText("Zwak"), common::VERDICT_WEAK);
  EXPECT_EQ(*ParseVerdictText("Geen eindoordeel"), common::VERDICT_NO_FINAL_VERDICT);
  EXPECT_FALSE(ParseVerdictText("Matig").ok());
  EXPECT_TRUE(IsInsufficient(common::VERDICT_WEAK));
  EXPECT_TRUE(IsSufficientOrBetter(common::VERDICT_BASIC_SUPERVISION));
  EXPECT_FALSE(IsInsufficient(common::VERDICT_VERY_WEAK));
}

TEST(VeryWeakRule, HoldsWithResultsAndOneOfTheOthers) {
  EXPECT_FALSE(VeryWeakRuleFinding(VeryWeakWith({{"OR1", kIns}, {"OP3", kIns}})));
  EXPECT_FALSE(VeryWeakRuleFinding(VeryWeakWith({{"OR1", kIns}, {"VS1", kIns}})));
  EXPECT_FALSE(VeryWeakRuleFinding(VeryWeakWith({{"OR1", kIns}, {"SK1", kIns}})));  // 2017 safety
}

TEST(VeryWeakRule, FlagsEachWayItFails) {
  EXPECT_NE(VeryWeakRuleFinding(VeryWeakWith({{"OP2", kIns}}))->find("OR1"), std::string::npos);
  EXPECT_NE(
      VeryWeakRuleFinding(VeryWeakWith({{"OR1", kSuf}, {"OP2", kIns}}))->find("not insufficient"),
      std::string::npos);
  EXPECT_TRUE(VeryWeakRuleFinding(VeryWeakWith({{"OR1", kIns}, {"SKA1", kIns}})));
  EXPECT_FALSE(VeryWeakRuleFinding(VeryWeakWith({})));  // nothing to check against
}

TEST(RestorationTerms, VeryWeakOneYearWithWindowInsufficientTwoYears) {
  pb::Verdict v;
  v.set_value(common::VERDICT_VERY_WEAK);
  v.set_status(pb::VERDICT_STATUS_ESTABLISHED);
  *v.mutable_established_date() = ToDate(absl::CivilDay(2025, 9, 18));
  auto t = RestorationTermsFor(v);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->deadline, absl::CivilDay(2026, 9, 18));
  EXPECT_EQ(*t->window_start, absl::CivilDay(2026, 8, 7));
  EXPECT_EQ(*t->window_end, absl::CivilDay(2026, 8, 21));
  v.set_value(common::VERDICT_WEAK);
  EXPECT_EQ(RestorationTermsFor(v)->deadline, absl::CivilDay(2027, 9, 18));
  EXPECT_FALSE(RestorationTermsFor(v)->window_start);
  v.set_status(pb::VERDICT_STATUS_PROVISIONAL);
  EXPECT_FALSE(RestorationTermsFor(v));
  v.set_status(pb::VERDICT_STATUS_ESTABLISHED);
  v.set_value(common::VERDICT_SUFFICIENT);
  EXPECT_FALSE(RestorationTermsFor(v));
}

TEST(RestorationTerms, LeapDaysAndYearEnds) {
  EXPECT_EQ(AddYears(absl::CivilDay(2024, 2, 29), 1), absl::CivilDay(2025, 2, 28));
  EXPECT_EQ(AddYears(absl::CivilDay(2024, 2, 29), 4), absl::CivilDay(2028, 2, 29));
  EXPECT_EQ(AddYears(absl::CivilDay(2025, 12, 31), 1), absl::CivilDay(2026, 12, 31));
  pb::Verdict v;
  v.set_value(common::VERDICT_VERY_WEAK);
  v.set_status(pb::VERDICT_STATUS_ESTABLISHED);
  *v.mutable_established_date() = ToDate(absl::CivilDay(2026, 1, 20));
  EXPECT_EQ(*RestorationTermsFor(v)->window_start, absl::CivilDay(2026, 12, 9));
}

TEST(YearEndCounts, ADepartmentStillWeakAtYearEndCountsAgain) {
  auto e = [](const char* d, int64_t seq, common::Verdict v, absl::CivilDay day,
              pb::VerdictStatus s = pb::VERDICT_STATUS_ESTABLISHED) {
    return TimelineEntry{d, seq, v, s, day};
  };
  std::vector<TimelineEntry> entries = {
      e("a", 1, common::VERDICT_VERY_WEAK, absl::CivilDay(2016, 5, 1)),
      e("a", 2, common::VERDICT_SUFFICIENT, absl::CivilDay(2018, 6, 1)),
      e("b", 1, common::VERDICT_INSUFFICIENT, absl::CivilDay(2017, 12, 31)),
      e("c", 1, common::VERDICT_WEAK, absl::CivilDay(2016, 3, 1)),
      e("c", 2, common::VERDICT_VERY_WEAK, absl::CivilDay(2017, 2, 1)),
      e("d", 1, common::VERDICT_INSUFFICIENT, absl::CivilDay(2017, 1, 1),
        pb::VERDICT_STATUS_WITHDRAWN),
  };
  auto counts = YearEndCounts(entries, 2016, 2018);
  ASSERT_EQ(counts.size(), 3u);
  EXPECT_EQ(counts[0].very_weak(), 1);     // 2016: a
  EXPECT_EQ(counts[0].insufficient(), 1);  // 2016: c (weak)
  EXPECT_EQ(counts[1].very_weak(), 2);     // 2017: a again, c
  EXPECT_EQ(counts[1].insufficient(), 1);  // 2017: b (established on 31 Dec); d withdrawn
  EXPECT_EQ(counts[2].very_weak(), 1);     // 2018: c; a recovered
  EXPECT_EQ(counts[2].insufficient(), 1);
}

TEST(Dates, InspectorateFormats) {
  EXPECT_EQ(*ParseCompactDate("20250918"), absl::CivilDay(2025, 9, 18));
  EXPECT_EQ(*ParseDutchDate("01-03-2026"), absl::CivilDay(2026, 3, 1));
  EXPECT_FALSE(ParseCompactDate("20250230").ok());
  EXPECT_FALSE(ParseCompactDate("2025-09-18").ok());
  EXPECT_FALSE(ParseDutchDate("2026-03-01").ok());
}

}  // namespace
}  // namespace lv::inspection
