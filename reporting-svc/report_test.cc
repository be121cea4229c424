#include "reporting-svc/report.h"

#include <map>

#include "gtest/gtest.h"

namespace lv::reporting {
namespace {

VerdictRow Verdict(common::Verdict v, absl::CivilDay day, bool withdrawn = false) {
  VerdictRow r;
  r.value = v;
  r.effective = day;
  r.established_on = day;
  r.established = true;
  r.withdrawn = withdrawn;
  return r;
}

TrajectoryRow Trajectory(const std::string& id, common::TrajectoryCategory c, absl::CivilDay start,
                         const std::string& dept, common::Verdict start_verdict) {
  TrajectoryRow t;
  t.id = id;
  t.start_category = c;
  t.state = 3;
  t.start = start;
  t.departments = {dept};
  t.department_types = {SchoolTypeOfDepartment(dept)};
  t.start_verdicts = {start_verdict};
  return t;
}

TEST(Report, OutcomesCompareTheLaterVerdictWithTheStartingOne) {
  ReadModel m;
  m.trajectories.push_back(Trajectory("a", common::TRAJECTORY_CATEGORY_VERY_WEAK,
                                      absl::CivilDay(2024, 3, 1), "departments/11AA-00-havo",
                                      common::VERDICT_VERY_WEAK));
  m.trajectories.push_back(Trajectory("b", common::TRAJECTORY_CATEGORY_INSUFFICIENT,
                                      absl::CivilDay(2024, 3, 1), "departments/22BB-00-vwo",
                                      common::VERDICT_INSUFFICIENT));
  m.trajectories.push_back(Trajectory("c", common::TRAJECTORY_CATEGORY_INSUFFICIENT,
                                      absl::CivilDay(2024, 3, 1), "departments/33CC-00-vwo",
                                      common::VERDICT_INSUFFICIENT));
  m.trajectories.push_back(Trajectory("d", common::TRAJECTORY_CATEGORY_RISK,
                                      absl::CivilDay(2024, 3, 1), "departments/44DD-00-pro",
                                      common::VERDICT_SUFFICIENT));
  m.verdicts["departments/11AA-00-havo"] = {
      Verdict(common::VERDICT_VERY_WEAK, absl::CivilDay(2024, 1, 10)),
      Verdict(common::VERDICT_SUFFICIENT, absl::CivilDay(2025, 1, 15))};
  m.verdicts["departments/22BB-00-vwo"] = {
      Verdict(common::VERDICT_INSUFFICIENT, absl::CivilDay(2024, 2, 20)),
      Verdict(common::VERDICT_VERY_WEAK, absl::CivilDay(2025, 6, 1)),
      Verdict(common::VERDICT_GOOD, absl::CivilDay(2025, 9, 1), /*withdrawn=*/true)};
  m.verdicts["departments/33CC-00-vwo"] = {
      Verdict(common::VERDICT_INSUFFICIENT, absl::CivilDay(2023, 12, 1))};
  m.risk_signals["departments/44DD-00-pro"] = absl::CivilDay(2024, 2, 1);

  SessionRow recent;
  recent.trajectory = "a";
  recent.coach = "c-1";
  recent.half_steps = 6;
  recent.day = absl::CivilDay(2025, 12, 20);
  SessionRow old = recent;
  old.day = absl::CivilDay(2025, 10, 1);
  m.trajectories[0].coach = "c-1";
  m.sessions = {recent, old};
  m.coach_weekly_half_steps["c-1"] = 14;  // 7 half-days a week: 30 in 30 days
  m.trajectories.push_back(Trajectory("e", common::TRAJECTORY_CATEGORY_VERY_WEAK,
                                      absl::CivilDay(2023, 6, 1), "departments/11AA-00-havo",
                                      common::VERDICT_SUFFICIENT));

  pb::ProgrammeReport r = BuildReport(m, {}, absl::CivilDay(2025, 12, 31));
  EXPECT_EQ(r.departments_supported_more_than_once(), 1);  // 11AA-00-havo twice
  ASSERT_EQ(r.coach_workload_size(), 1);
  EXPECT_DOUBLE_EQ(r.coach_workload(0).half_days(), 6);
  EXPECT_DOUBLE_EQ(r.coach_workload(0).half_days_last_30_days(), 3);
  EXPECT_DOUBLE_EQ(r.coach_workload(0).capacity_use(), 0.1);
  std::map<int, pb::OutcomeRow> outcomes;
  for (const auto& o : r.outcomes()) outcomes[o.category()] = o;
  EXPECT_EQ(outcomes[common::TRAJECTORY_CATEGORY_VERY_WEAK].improved(), 1);
  EXPECT_EQ(outcomes[common::TRAJECTORY_CATEGORY_INSUFFICIENT].worse(), 1);  // withdrawn ignored
  EXPECT_EQ(outcomes[common::TRAJECTORY_CATEGORY_INSUFFICIENT].no_later_verdict(), 1);
  EXPECT_EQ(outcomes[common::TRAJECTORY_CATEGORY_RISK].no_later_verdict(), 1);

  std::map<int, pb::StartDelayRow> delays;
  for (const auto& d : r.verdict_to_start()) delays[d.category()] = d;
  EXPECT_DOUBLE_EQ(delays[common::TRAJECTORY_CATEGORY_VERY_WEAK].mean_days(),
                   51);  // 10 Jan -> 1 Mar
  EXPECT_DOUBLE_EQ(delays[common::TRAJECTORY_CATEGORY_INSUFFICIENT].mean_days(), (10 + 91) / 2.0);
  EXPECT_DOUBLE_EQ(delays[common::TRAJECTORY_CATEGORY_RISK].mean_days(), 29);  // risk signal

  // Year ends 2023..2025: a department still judged so at a year end counts again.
  std::map<int, pb::YearEndRow> years;
  for (const auto& y : r.year_end_counts()) years[y.year()] = y;
  EXPECT_EQ(years[2023].insufficient(), 1);  // 33CC
  EXPECT_EQ(years[2024].very_weak(), 1);     // 11AA
  EXPECT_EQ(years[2024].insufficient(), 2);  // 22BB, 33CC
  EXPECT_EQ(years[2025].very_weak(), 1);     // 22BB
  EXPECT_EQ(years[2025].insufficient(), 1);  // 33CC
}

TEST(Report, CsvAndChartsRender) {
  ReadModel m;
  m.trajectories.push_back(Trajectory("a", common::TRAJECTORY_CATEGORY_RISK,
                                      absl::CivilDay(2025, 3, 1), "departments/11AA-00-havo",
                                      common::VERDICT_SUFFICIENT));
  pb::ProgrammeReport r = BuildReport(m, {});
  const std::string csv = ReportCsv(r);
  EXPECT_EQ(csv.rfind("section,key,column,value\r\n", 0), 0u);
  EXPECT_NE(csv.find("trajectories_started,2025,risk,1"), std::string::npos);
  for (auto kind : {pb::CHART_KIND_STARTED_PER_YEAR, pb::CHART_KIND_DURATION_BY_CATEGORY}) {
    const std::string svg = RenderChartSvg(r, kind);
    EXPECT_EQ(svg.rfind("<svg", 0), 0u);
    EXPECT_NE(svg.find("</svg>"), std::string::npos);
  }
}

}  // namespace
}  // namespace lv::reporting
