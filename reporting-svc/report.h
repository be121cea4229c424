#pragma once

// The programme report computed from the read model: the tables of the 2020 evaluation report
// (chapters 3-4), a CSV rendering and SVG charts. Pure: no SQL, no gRPC.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "lerenverbeteren/reporting/v1/reporting_service.pb.h"

namespace lv::reporting {

namespace pb = ::lerenverbeteren::reporting::v1;
namespace common = ::lerenverbeteren::common::v1;

struct TrajectoryRow {
  std::string id;
  std::string school_brin;
  std::string board_number;
  std::string coach;
  common::TrajectoryCategory start_category = common::TRAJECTORY_CATEGORY_UNSPECIFIED;
  int state = 0;  // coaching.v1.TrajectoryState
  std::optional<absl::CivilDay> start;
  std::optional<absl::CivilDay> close;
  int extensions = 0;
  int reviews = 0;
  bool relapsed = false;
  std::vector<common::SchoolType> department_types;  // one per department
  std::vector<std::string> departments;              // departments/{id}, same order
  std::vector<common::Verdict> start_verdicts;       // same order
};

// One verdict record of a department, from inspection's feed.
struct VerdictRow {
  common::Verdict value = common::VERDICT_UNSPECIFIED;
  bool withdrawn = false;
  bool established = false;
  std::optional<absl::CivilDay> effective;  // established, else investigation date
  std::optional<absl::CivilDay> established_on;
};

struct SessionRow {
  std::optional<absl::CivilDay> day;
  std::string trajectory;
  int64_t half_steps = 0;
  bool cancelled = false;
  std::string coach;
};

struct EvaluationRow {
  std::string trajectory;
  bool school_leadership = false;  // else the coach
  int overall = 0, results_achieved = 0, fit_with_request = 0, added_value = 0;
};

struct OutreachRow {
  bool contacted = false;
  bool declined = false;
  std::string decline_reason;
  bool registered = false;
};

struct ReadModel {
  std::vector<TrajectoryRow> trajectories;
  std::vector<SessionRow> sessions;
  std::vector<EvaluationRow> evaluations;
  std::vector<OutreachRow> outreach;
  std::map<std::string, std::vector<VerdictRow>> verdicts;  // per department
  std::map<std::string, absl::CivilDay> risk_signals;       // latest signal day per department
  std::map<std::string, int64_t> coach_weekly_half_steps;   // from intake's coach registry
};

// The school type of a department id "BRIN-LOC-token" (havo, vwo, vmbogt, ...).
common::SchoolType SchoolTypeOfDepartment(const std::string& department_name);

// `today` anchors the workload of the last 30 days.
pb::ProgrammeReport BuildReport(const ReadModel& model, const pb::ReportFilter& filter,
                                absl::CivilDay today = absl::CivilDay(2026, 1, 1));

// One CSV (RFC 4180): section,key,column,value rows, so every table fits one file.
std::string ReportCsv(const pb::ProgrammeReport& report);

// An SVG chart of the report. Hand-written SVG: a few rectangles and labels need no library,
// and Debian's plotting libraries would pull a toolkit into a service.
std::string RenderChartSvg(const pb::ProgrammeReport& report, pb::ChartKind kind);

}  // namespace lv::reporting
