#include "reporting-svc/report.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"

namespace lv::reporting {
namespace {

constexpr int kClosed = 6, kAftercare = 7, kFinished = 8;  // coaching.v1.TrajectoryState
constexpr int kRunningFrom = 1, kRunningTo = 5;

bool Completed(const TrajectoryRow& t) {
  return t.close.has_value() &&
         (t.state == kClosed || t.state == kAftercare || t.state == kFinished);
}

void Count(pb::CategoryCounts* c, common::TrajectoryCategory category, int n = 1) {
  switch (category) {
    case common::TRAJECTORY_CATEGORY_VERY_WEAK:
      c->set_very_weak(c->very_weak() + n);
      break;
    case common::TRAJECTORY_CATEGORY_INSUFFICIENT:
      c->set_insufficient(c->insufficient() + n);
      break;
    default:
      c->set_risk(c->risk() + n);
      break;
  }
  c->set_total(c->total() + n);
}

bool Passes(const TrajectoryRow& t, const pb::ReportFilter& f) {
  if (f.start_year() != 0 && (!t.start || t.start->year() < f.start_year())) return false;
  if (f.end_year() != 0 && (!t.start || t.start->year() > f.end_year())) return false;
  if (f.category() != common::TRAJECTORY_CATEGORY_UNSPECIFIED && t.start_category != f.category()) {
    return false;
  }
  if (f.school_type() != common::SCHOOL_TYPE_UNSPECIFIED &&
      std::find(t.department_types.begin(), t.department_types.end(), f.school_type()) ==
          t.department_types.end()) {
    return false;
  }
  if (!f.coach().empty() && t.coach != f.coach()) return false;
  if (!f.board_number().empty() && t.board_number != f.board_number()) return false;
  return true;
}

std::string Csv(const std::string& v) {
  if (v.find_first_of(",\"\n") == std::string::npos) return v;
  return absl::StrCat("\"", absl::StrReplaceAll(v, {{"\"", "\"\""}}), "\"");
}

}  // namespace

common::SchoolType SchoolTypeOfDepartment(const std::string& name) {
  const std::string token = name.substr(name.rfind('-') + 1);
  if (token == "pro") return common::SCHOOL_TYPE_PRAKTIJKONDERWIJS;
  if (token == "vmbob") return common::SCHOOL_TYPE_VMBO_B;
  if (token == "vmbok") return common::SCHOOL_TYPE_VMBO_K;
  if (token == "vmbogt") return common::SCHOOL_TYPE_VMBO_GT;
  if (token == "havo") return common::SCHOOL_TYPE_HAVO;
  if (token == "vwo") return common::SCHOOL_TYPE_VWO;
  return common::SCHOOL_TYPE_OTHER;
}

pb::ProgrammeReport BuildReport(const ReadModel& model, const pb::ReportFilter& filter,
                                absl::CivilDay today) {
  pb::ProgrammeReport r;
  *r.mutable_filter() = filter;
  std::set<std::string> included;
  std::map<int, pb::YearRow> years;
  std::map<int, std::vector<double>> months;  // per category
  std::map<common::SchoolType, int> types;
  std::vector<int> extensions(4, 0);
  int departments = 0, reviewed_departments = 0, single = 0, trajectories = 0, completed = 0;
  std::map<std::string, std::pair<int, double>> workload;  // coach -> (active, half-days)
  std::map<std::string, double> recent;                    // coach -> half-days, last 30 days
  std::map<std::string, int> supported;                    // department -> trajectories
  for (const TrajectoryRow& t : model.trajectories) {
    if (!Passes(t, filter)) continue;
    included.insert(t.id);
    ++trajectories;
    const int n = static_cast<int>(t.department_types.size());
    departments += n;
    single += n == 1;
    Count(r.mutable_departments_by_category(), t.start_category, n);
    for (auto type : t.department_types) ++types[type];
    for (const auto& d : t.departments) ++supported[d];
    if (t.start) {
      pb::YearRow& y = years[static_cast<int>(t.start->year())];
      y.set_year(static_cast<int>(t.start->year()));
      Count(y.mutable_trajectories_started(), t.start_category);
      Count(y.mutable_departments_started(), t.start_category, n);
    }
    if (Completed(t)) {
      ++completed;
      pb::YearRow& y = years[static_cast<int>(t.close->year())];
      y.set_year(static_cast<int>(t.close->year()));
      y.set_trajectories_completed(y.trajectories_completed() + 1);
      if (t.start) months[t.start_category].push_back((*t.close - *t.start) / 30.4375);
    }
    ++extensions[std::min(t.extensions, 3)];
    if (t.reviews > 0) reviewed_departments += n;
    if (t.relapsed) r.set_relapses(r.relapses() + 1);
    if (t.state >= kRunningFrom && t.state <= kRunningTo && !t.coach.empty()) {
      ++workload[t.coach].first;
    }
  }
  r.set_trajectories(trajectories);
  r.set_completed_trajectories(completed);
  for (auto& [year, row] : years) *r.add_years() = row;
  for (auto c : {common::TRAJECTORY_CATEGORY_VERY_WEAK, common::TRAJECTORY_CATEGORY_INSUFFICIENT,
                 common::TRAJECTORY_CATEGORY_RISK}) {
    const auto& m = months[c];
    pb::DurationRow* d = r.add_durations();
    d->set_category(c);
    d->set_n(static_cast<int>(m.size()));
    if (m.empty()) continue;
    double sum = 0;
    for (double x : m) sum += x;
    d->set_min_months(*std::min_element(m.begin(), m.end()));
    d->set_max_months(*std::max_element(m.begin(), m.end()));
    d->set_mean_months(sum / m.size());
  }
  for (auto& [type, n] : types) {
    pb::SchoolTypeRow* row = r.add_departments_by_school_type();
    row->set_school_type(type);
    row->set_departments(n);
  }
  for (int e : extensions) r.add_extensions_histogram(e);
  if (departments > 0) r.set_review_share(static_cast<double>(reviewed_departments) / departments);
  if (trajectories > 0) {
    r.set_departments_per_trajectory(static_cast<double>(departments) / trajectories);
    r.set_share_single_department(static_cast<double>(single) / trajectories);
  }
  for (const SessionRow& s : model.sessions) {
    if (s.cancelled || !included.count(s.trajectory) || s.coach.empty()) continue;
    workload[s.coach].second += s.half_steps / 2.0;
    if (s.day && *s.day > today - 30 && *s.day <= today) recent[s.coach] += s.half_steps / 2.0;
  }
  for (const auto& [dept, n] : supported) {
    if (n > 1)
      r.set_departments_supported_more_than_once(r.departments_supported_more_than_once() + 1);
  }
  for (auto& [coach, w] : workload) {
    pb::CoachWorkloadRow* row = r.add_coach_workload();
    row->set_coach(coach);
    row->set_active_trajectories(w.first);
    row->set_half_days(w.second);
    row->set_half_days_last_30_days(recent[coach]);
    auto capacity = model.coach_weekly_half_steps.find(coach);
    if (capacity != model.coach_weekly_half_steps.end() && capacity->second > 0) {
      // weekly half steps -> half-days over 30 days
      row->set_capacity_use(recent[coach] / (capacity->second / 2.0 * 30.0 / 7.0));
    }
  }
  for (bool school : {true, false}) {
    pb::SatisfactionRow row;
    row.set_respondent(school ? "school_leadership" : "coach");
    double o = 0, res = 0, fit = 0, add = 0;
    for (const EvaluationRow& e : model.evaluations) {
      if (e.school_leadership != school || !included.count(e.trajectory)) continue;
      row.set_forms(row.forms() + 1);
      o += e.overall;
      res += e.results_achieved;
      fit += e.fit_with_request;
      add += e.added_value;
    }
    if (row.forms() > 0) {
      row.set_overall(o / row.forms());
      row.set_results_achieved(res / row.forms());
      row.set_fit_with_request(fit / row.forms());
      row.set_added_value_of_coach(add / row.forms());
    }
    *r.add_satisfaction() = row;
  }
  // Outcomes and time to start, per department of the included trajectories.
  std::map<int, pb::OutcomeRow> outcomes;
  std::map<int, std::pair<int, double>> delays;
  auto rank = [](common::Verdict v) {
    switch (v) {
      case common::VERDICT_VERY_WEAK:
        return 0;
      case common::VERDICT_INSUFFICIENT:
      case common::VERDICT_WEAK:
        return 1;
      case common::VERDICT_SUFFICIENT:
      case common::VERDICT_BASIC_SUPERVISION:
        return 2;
      case common::VERDICT_GOOD:
        return 3;
      default:
        return -1;
    }
  };
  for (const TrajectoryRow& t : model.trajectories) {
    if (!included.count(t.id) || !t.start) continue;
    const int cat = t.start_category;
    pb::OutcomeRow& o = outcomes[cat];
    o.set_category(t.start_category);
    for (size_t i = 0; i < t.departments.size(); ++i) {
      const auto it = model.verdicts.find(t.departments[i]);
      const std::vector<VerdictRow> empty;
      const auto& rows = it == model.verdicts.end() ? empty : it->second;
      // The verdict in force at the start, and the latest one established after it.
      std::optional<absl::CivilDay> in_force;
      const VerdictRow* later = nullptr;
      for (const VerdictRow& v : rows) {
        if (v.withdrawn || !v.effective) continue;
        if (*v.effective <= *t.start) {
          if (!in_force || *v.effective > *in_force) in_force = v.effective;
        } else if (v.established && rank(v.value) >= 0 &&
                   (later == nullptr || *v.effective > *later->effective)) {
          later = &v;
        }
      }
      const int start_rank = i < t.start_verdicts.size() ? rank(t.start_verdicts[i]) : -1;
      if (later == nullptr || start_rank < 0) {
        o.set_no_later_verdict(o.no_later_verdict() + 1);
      } else if (rank(later->value) > start_rank) {
        o.set_improved(o.improved() + 1);
      } else if (rank(later->value) == start_rank) {
        o.set_same(o.same() + 1);
      } else {
        o.set_worse(o.worse() + 1);
      }
      std::optional<absl::CivilDay> signal = in_force;
      auto risk = model.risk_signals.find(t.departments[i]);
      if (t.start_category == common::TRAJECTORY_CATEGORY_RISK &&
          risk != model.risk_signals.end() && risk->second <= *t.start) {
        signal = risk->second;
      }
      if (signal) {
        delays[cat].first += 1;
        delays[cat].second += static_cast<double>(*t.start - *signal);
      }
    }
  }
  for (auto& [cat, o] : outcomes) *r.add_outcomes() = o;
  for (auto& [cat, d] : delays) {
    pb::StartDelayRow* row = r.add_verdict_to_start();
    row->set_category(static_cast<common::TrajectoryCategory>(cat));
    row->set_n(d.first);
    row->set_mean_days(d.second / d.first);
  }
  // Year-end counts over every department the feed brought: the verdict in force on 31 December.
  int first_year = 0, last_year = 0;
  for (const auto& [dept, rows] : model.verdicts) {
    for (const VerdictRow& v : rows) {
      if (!v.established_on) continue;
      const int y = static_cast<int>(v.established_on->year());
      first_year = first_year == 0 ? y : std::min(first_year, y);
      last_year = std::max(last_year, y);
    }
  }
  if (first_year != 0) {
    std::map<int, pb::YearEndRow> year_end;
    for (int y = first_year; y <= last_year; ++y) year_end[y].set_year(y);
    for (const auto& [dept, rows] : model.verdicts) {
      for (int y = first_year; y <= last_year; ++y) {
        const VerdictRow* in_force = nullptr;
        for (const VerdictRow& v : rows) {
          if (v.withdrawn || !v.established || !v.established_on) continue;
          if (*v.established_on > absl::CivilDay(y, 12, 31)) continue;
          if (in_force == nullptr || *v.established_on >= *in_force->established_on) in_force = &v;
        }
        if (in_force == nullptr) continue;
        if (in_force->value == common::VERDICT_VERY_WEAK) {
          year_end[y].set_very_weak(year_end[y].very_weak() + 1);
        } else if (in_force->value == common::VERDICT_INSUFFICIENT ||
                   in_force->value == common::VERDICT_WEAK) {
          year_end[y].set_insufficient(year_end[y].insufficient() + 1);
        }
      }
    }
    for (auto& [y, row] : year_end) *r.add_year_end_counts() = row;
  }
  for (const OutreachRow& o : model.outreach) {
    if (!o.contacted) continue;
    r.set_outreach_contacted(r.outreach_contacted() + 1);
    if (o.registered) r.set_outreach_registered(r.outreach_registered() + 1);
    if (o.declined) (*r.mutable_outreach_declines())[o.decline_reason] += 1;
  }
  return r;
}

std::string ReportCsv(const pb::ProgrammeReport& r) {
  std::string out = "section,key,column,value\r\n";
  auto row = [&](const std::string& section, const std::string& key, const std::string& column,
                 const std::string& value) {
    absl::StrAppend(&out, Csv(section), ",", Csv(key), ",", Csv(column), ",", Csv(value), "\r\n");
  };
  auto counts = [&](const std::string& section, const std::string& key,
                    const pb::CategoryCounts& c) {
    row(section, key, "very_weak", absl::StrCat(c.very_weak()));
    row(section, key, "insufficient", absl::StrCat(c.insufficient()));
    row(section, key, "risk", absl::StrCat(c.risk()));
    row(section, key, "total", absl::StrCat(c.total()));
  };
  row("totals", "trajectories", "count", absl::StrCat(r.trajectories()));
  row("totals", "completed", "count", absl::StrCat(r.completed_trajectories()));
  counts("departments_by_category", "all", r.departments_by_category());
  for (const auto& t : r.departments_by_school_type()) {
    row("departments_by_school_type", common::SchoolType_Name(t.school_type()), "departments",
        absl::StrCat(t.departments()));
  }
  for (const auto& y : r.years()) {
    counts("trajectories_started", absl::StrCat(y.year()), y.trajectories_started());
    counts("departments_started", absl::StrCat(y.year()), y.departments_started());
    row("trajectories_completed", absl::StrCat(y.year()), "count",
        absl::StrCat(y.trajectories_completed()));
  }
  for (const auto& d : r.durations()) {
    const std::string key = common::TrajectoryCategory_Name(d.category());
    row("duration_months", key, "n", absl::StrCat(d.n()));
    row("duration_months", key, "min", absl::StrFormat("%.1f", d.min_months()));
    row("duration_months", key, "max", absl::StrFormat("%.1f", d.max_months()));
    row("duration_months", key, "mean", absl::StrFormat("%.1f", d.mean_months()));
  }
  const char* buckets[] = {"0", "1", "2", "3+"};
  for (int i = 0; i < r.extensions_histogram_size(); ++i) {
    row("extensions", buckets[i], "trajectories", absl::StrCat(r.extensions_histogram(i)));
  }
  row("reviews", "departments", "share", absl::StrFormat("%.3f", r.review_share()));
  row("departments_per_trajectory", "all", "mean",
      absl::StrFormat("%.2f", r.departments_per_trajectory()));
  row("departments_per_trajectory", "all", "share_single",
      absl::StrFormat("%.3f", r.share_single_department()));
  for (const auto& s : r.satisfaction()) {
    row("satisfaction", s.respondent(), "forms", absl::StrCat(s.forms()));
    row("satisfaction", s.respondent(), "overall", absl::StrFormat("%.1f", s.overall()));
    row("satisfaction", s.respondent(), "results_achieved",
        absl::StrFormat("%.1f", s.results_achieved()));
    row("satisfaction", s.respondent(), "fit_with_request",
        absl::StrFormat("%.1f", s.fit_with_request()));
    row("satisfaction", s.respondent(), "added_value_of_coach",
        absl::StrFormat("%.1f", s.added_value_of_coach()));
  }
  row("relapses", "trajectories", "count", absl::StrCat(r.relapses()));
  row("relapses", "departments_supported_more_than_once", "count",
      absl::StrCat(r.departments_supported_more_than_once()));
  for (const auto& w : r.coach_workload()) {
    row("coach_workload", w.coach(), "active_trajectories", absl::StrCat(w.active_trajectories()));
    row("coach_workload", w.coach(), "half_days", absl::StrFormat("%.1f", w.half_days()));
    row("coach_workload", w.coach(), "half_days_last_30_days",
        absl::StrFormat("%.1f", w.half_days_last_30_days()));
    row("coach_workload", w.coach(), "capacity_use", absl::StrFormat("%.2f", w.capacity_use()));
  }
  for (const auto& o : r.outcomes()) {
    const std::string key = common::TrajectoryCategory_Name(o.category());
    row("outcomes", key, "improved", absl::StrCat(o.improved()));
    row("outcomes", key, "same", absl::StrCat(o.same()));
    row("outcomes", key, "worse", absl::StrCat(o.worse()));
    row("outcomes", key, "no_later_verdict", absl::StrCat(o.no_later_verdict()));
  }
  for (const auto& d : r.verdict_to_start()) {
    const std::string key = common::TrajectoryCategory_Name(d.category());
    row("verdict_to_start_days", key, "n", absl::StrCat(d.n()));
    row("verdict_to_start_days", key, "mean", absl::StrFormat("%.1f", d.mean_days()));
  }
  for (const auto& y : r.year_end_counts()) {
    row("inspectorate_year_end", absl::StrCat(y.year()), "very_weak", absl::StrCat(y.very_weak()));
    row("inspectorate_year_end", absl::StrCat(y.year()), "insufficient",
        absl::StrCat(y.insufficient()));
  }
  row("outreach", "contacted", "count", absl::StrCat(r.outreach_contacted()));
  row("outreach", "registered", "count", absl::StrCat(r.outreach_registered()));
  std::map<std::string, int> declines(r.outreach_declines().begin(), r.outreach_declines().end());
  for (const auto& [reason, n] : declines)
    row("outreach_declines", reason, "count", absl::StrCat(n));
  return out;
}

std::string RenderChartSvg(const pb::ProgrammeReport& r, pb::ChartKind kind) {
  constexpr int kWidth = 640, kHeight = 360, kLeft = 60, kBottom = 300, kTop = 40;
  const char* colors[] = {"#b2182b", "#ef8a62", "#67a9cf"};  // very weak, insufficient, risk
  const char* names[] = {"very weak", "insufficient", "risk"};
  std::string svg = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" "
      "fill=\"white\"/>\n",
      kWidth, kHeight);
  auto legend = [&]() {
    for (int i = 0; i < 3; ++i) {
      absl::StrAppendFormat(&svg,
                            "<rect x=\"%d\" y=\"12\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                            "<text x=\"%d\" y=\"22\">%s</text>\n",
                            kLeft + i * 130, colors[i], kLeft + i * 130 + 16, names[i]);
    }
  };
  absl::StrAppendFormat(&svg, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n",
                        kLeft, kBottom, kWidth - 20, kBottom);
  absl::StrAppendFormat(&svg, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n",
                        kLeft, kTop, kLeft, kBottom);
  if (kind == pb::CHART_KIND_DURATION_BY_CATEGORY) {
    double top = 1;
    for (const auto& d : r.durations()) top = std::max(top, d.max_months());
    absl::StrAppendFormat(&svg, "<text x=\"%d\" y=\"%d\">months from start to completion</text>\n",
                          kLeft, kTop - 4);
    for (int i = 0; i < r.durations_size() && i < 3; ++i) {
      const auto& d = r.durations(i);
      const int x = kLeft + 60 + i * 180;
      auto y = [&](double v) {
        return kBottom - static_cast<int>(v / top * (kBottom - kTop - 10));
      };
      if (d.n() > 0) {
        absl::StrAppendFormat(&svg,
                              "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
                              "stroke-width=\"3\"/>\n<rect x=\"%d\" y=\"%d\" width=\"40\" "
                              "height=\"4\" fill=\"%s\"/>\n<text x=\"%d\" y=\"%d\">%.1f</text>\n",
                              x + 20, y(d.max_months()), x + 20, y(d.min_months()), colors[i], x,
                              y(d.mean_months()) - 2, colors[i], x + 46, y(d.mean_months()) + 4,
                              d.mean_months());
      }
      absl::StrAppendFormat(&svg, "<text x=\"%d\" y=\"%d\">%s (n=%d)</text>\n", x - 10,
                            kBottom + 18, names[i], d.n());
    }
    svg += "</svg>\n";
    return svg;
  }
  legend();
  int top = 1;
  for (const auto& y : r.years()) top = std::max(top, y.trajectories_started().total());
  const int n = std::max(1, r.years_size());
  const int slot = (kWidth - kLeft - 30) / n;
  for (int i = 0; i < r.years_size(); ++i) {
    const auto& y = r.years(i);
    const int x = kLeft + 10 + i * slot;
    int base = kBottom;
    const int values[] = {y.trajectories_started().very_weak(),
                          y.trajectories_started().insufficient(), y.trajectories_started().risk()};
    for (int k = 0; k < 3; ++k) {
      const int h = values[k] * (kBottom - kTop - 10) / top;
      if (h <= 0) continue;
      absl::StrAppendFormat(&svg,
                            "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>\n", x,
                            base - h, std::clamp(slot - 12, 4, 80), h, colors[k]);
      base -= h;
    }
    absl::StrAppendFormat(&svg,
                          "<text x=\"%d\" y=\"%d\">%d</text>\n<text x=\"%d\" y=\"%d\">%d</text>\n",
                          x, kBottom + 16, y.year(), x, base - 4, y.trajectories_started().total());
  }
  absl::StrAppendFormat(&svg, "<text x=\"%d\" y=\"%d\">trajectories started per year</text>\n",
                        kLeft + 400, kTop - 4);
  svg += "</svg>\n";
  return svg;
}

}  // namespace lv::reporting
