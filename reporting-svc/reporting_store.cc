#include "reporting-svc/reporting_store.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "platform/proto_util.h"

namespace lv::reporting {
namespace {

using platform::RowInt64;
using platform::RowString;
namespace coaching = ::lerenverbeteren::coaching::v1;

std::string Day(const common::Date& d) {
  return d.year() == 0 ? "" : absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day());
}

std::string Day(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0) return "";
  const absl::CivilDay d =
      absl::ToCivilDay(absl::FromUnixSeconds(t.seconds()), absl::UTCTimeZone());
  return absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day());
}

std::optional<absl::CivilDay> ParseDay(const std::string& s) {
  int y = 0, m = 0, d = 0;
  if (std::sscanf(s.c_str(), "%d-%d-%d", &y, &m, &d) != 3) return std::nullopt;
  return absl::CivilDay(y, m, d);
}

std::string CurrentCoach(const coaching::Trajectory& t) {
  for (auto it = t.coaches().rbegin(); it != t.coaches().rend(); ++it) {
    if (!it->has_end_time()) return it->coach();
  }
  return "";
}

}  // namespace

void ReportingStore::UpsertTrajectory(soci::session& sql, const coaching::Trajectory& t,
                                      bool opened) {
  const std::string id = t.name().substr(13);
  std::string start = Day(t.start_date()), close = Day(t.close_time()), coach = CurrentCoach(t);
  int category = t.category(), state = t.state(), extensions = t.extension_count(),
      reviews = t.reviews_size(), relapsed = t.relapsed() ? 1 : 0;
  // The category a trajectory started with is what the programme reports count by; later
  // changes (a stricter verdict during support) keep it.
  std::string record = platform::EncodeRecord(t);
  sql << "INSERT INTO rm_trajectories (id, school_brin, board_number, start_category, category, "
         "state, start_day, close_day, extensions, reviews, relapsed, coach, record) VALUES (:id, "
         ":b, :bn, :sc, :c, :s, :sd, :cd, :e, :r, :rl, :co, :rec) ON CONFLICT (id) DO UPDATE SET "
         "category = excluded.category, state = excluded.state, start_day = excluded.start_day, "
         "close_day = excluded.close_day, extensions = excluded.extensions, reviews = "
         "excluded.reviews, relapsed = excluded.relapsed, coach = excluded.coach, record = "
         "excluded.record",
      soci::use(id), soci::use(t.school_brin()), soci::use(t.board_number()), soci::use(category),
      soci::use(category), soci::use(state), soci::use(start), soci::use(close),
      soci::use(extensions), soci::use(reviews), soci::use(relapsed), soci::use(coach),
      soci::use(record);
  if (!opened) return;
  for (const auto& d : t.departments()) {
    int type = SchoolTypeOfDepartment(d.department()), verdict = d.verdict();
    sql << "INSERT INTO rm_trajectory_departments (trajectory_id, department, school_type, "
           "start_verdict) VALUES (:t, :d, :s, :v) ON CONFLICT (trajectory_id, department) DO "
           "NOTHING",
        soci::use(id), soci::use(d.department()), soci::use(type), soci::use(verdict);
  }
}

void ReportingStore::UpsertVerdict(soci::session& sql, const std::string& department,
                                   const lerenverbeteren::inspection::v1::Verdict& v) {
  namespace insp = ::lerenverbeteren::inspection::v1;
  int value = v.value(), status = v.status();
  std::string effective =
      Day(v.established_date().year() != 0 ? v.established_date() : v.investigation_date());
  std::string established =
      v.status() == insp::VERDICT_STATUS_ESTABLISHED ? Day(v.established_date()) : "";
  sql << "INSERT INTO rm_verdicts (verdict, department, value, status, effective_day, "
         "established_day) VALUES (:n, :d, :v, :s, :e, :es) ON CONFLICT (verdict) DO UPDATE SET "
         "value = excluded.value, status = excluded.status, effective_day = "
         "excluded.effective_day, established_day = excluded.established_day",
      soci::use(v.name()), soci::use(department), soci::use(value), soci::use(status),
      soci::use(effective), soci::use(established);
}

void ReportingStore::UpsertRiskSignal(soci::session& sql, const std::string& department,
                                      const common::Date& day) {
  std::string d = Day(day);
  sql << "INSERT INTO rm_risk_signals (department, signal_day) VALUES (:d, :s) ON CONFLICT "
         "(department) DO UPDATE SET signal_day = excluded.signal_day",
      soci::use(department), soci::use(d);
}

void ReportingStore::UpsertCoach(soci::session& sql, const lerenverbeteren::intake::v1::Coach& c) {
  std::string id = c.name().substr(c.name().rfind('/') + 1);
  long long weekly = c.weekly_capacity().half_steps();
  sql << "INSERT INTO rm_coaches (coach, weekly_half_steps) VALUES (:c, :w) ON CONFLICT (coach) "
         "DO UPDATE SET weekly_half_steps = excluded.weekly_half_steps",
      soci::use(id), soci::use(weekly);
}

void ReportingStore::UpsertSession(soci::session& sql, const std::string& trajectory_id,
                                   const coaching::Session& s) {
  long long half = s.half_days().half_steps();
  int state = s.state();
  std::string coach = s.coaches().empty() ? "" : s.coaches(0);
  std::string record = platform::EncodeRecord(s), day = Day(s.date());
  sql << "INSERT INTO rm_sessions (name, trajectory_id, half_steps, state, coach, record, "
         "session_day) VALUES (:n, :t, :h, :s, :c, :r, :d) ON CONFLICT (name) DO UPDATE SET "
         "half_steps = excluded.half_steps, state = excluded.state, coach = excluded.coach, "
         "record = excluded.record, session_day = excluded.session_day",
      soci::use(s.name()), soci::use(trajectory_id), soci::use(half), soci::use(state),
      soci::use(coach), soci::use(record), soci::use(day);
}

void ReportingStore::InsertLedger(soci::session& sql, const std::string& trajectory_id,
                                  const coaching::LedgerEntry& e) {
  int pot = e.pot(), kind = e.kind();
  long long half = e.half_days().half_steps(), cents = e.school_cost().cents();
  std::string record = platform::EncodeRecord(e);
  sql << "INSERT INTO rm_ledger (name, trajectory_id, pot, kind, half_steps, cost_cents, record) "
         "VALUES (:n, :t, :p, :k, :h, :c, :r) ON CONFLICT (name) DO NOTHING",
      soci::use(e.name()), soci::use(trajectory_id), soci::use(pot), soci::use(kind),
      soci::use(half), soci::use(cents), soci::use(record);
}

void ReportingStore::UpsertEvaluation(soci::session& sql, const std::string& trajectory_id,
                                      const coaching::Evaluation& e) {
  int respondent = e.respondent(), o = e.overall(), r = e.results_achieved(),
      f = e.fit_with_request(), a = e.added_value_of_coach();
  sql << "INSERT INTO rm_evaluations (name, trajectory_id, respondent, overall, results_achieved, "
         "fit_with_request, added_value) VALUES (:n, :t, :r, :o, :ra, :f, :a) ON CONFLICT (name) "
         "DO UPDATE SET overall = excluded.overall, results_achieved = excluded.results_achieved, "
         "fit_with_request = excluded.fit_with_request, added_value = excluded.added_value",
      soci::use(e.name()), soci::use(trajectory_id), soci::use(respondent), soci::use(o),
      soci::use(r), soci::use(f), soci::use(a);
}

void ReportingStore::UpsertOutreach(soci::session& sql,
                                    const lerenverbeteren::intake::v1::OutreachEntry& e) {
  int contacted = e.contacts_size() > 0 ? 1 : 0, declined = e.declined() ? 1 : 0;
  std::string reason =
      e.declined() ? lerenverbeteren::intake::v1::DeclineReason_Name(e.decline_reason()) : "";
  sql << "INSERT INTO rm_outreach (department, contacted, declined, decline_reason, registration) "
         "VALUES (:d, :c, :dc, :r, '') ON CONFLICT (department) DO UPDATE SET contacted = "
         "excluded.contacted, declined = excluded.declined, decline_reason = "
         "excluded.decline_reason",
      soci::use(e.department()), soci::use(contacted), soci::use(declined), soci::use(reason);
}

void ReportingStore::MarkOutreachRegistered(soci::session& sql, const std::string& department,
                                            const std::string& registration) {
  sql << "UPDATE rm_outreach SET registration = :r WHERE department = :d", soci::use(registration),
      soci::use(department);
}

std::optional<StatementInputs> ReportingStore::LoadStatementInputs(soci::session& sql,
                                                                   const std::string& id) {
  std::string record;
  sql << "SELECT record FROM rm_trajectories WHERE id = :id", soci::use(id), soci::into(record);
  if (!sql.got_data() || record.empty()) return std::nullopt;
  StatementInputs in;
  in.trajectory = platform::DecodeRecord<coaching::Trajectory>(record);
  // The ledger in the order coaching wrote it: entries are named .../ledgerEntries/{n}.
  soci::rowset<soci::row> ledger =
      (sql.prepare << "SELECT record FROM rm_ledger WHERE trajectory_id = :t", soci::use(id));
  for (const auto& r : ledger) {
    in.ledger.push_back(platform::DecodeRecord<coaching::LedgerEntry>(RowString(r, 0)));
  }
  auto seq = [](const std::string& name) { return std::stoll(name.substr(name.rfind('/') + 1)); };
  std::sort(in.ledger.begin(), in.ledger.end(),
            [&](const auto& a, const auto& b) { return seq(a.name()) < seq(b.name()); });
  soci::rowset<soci::row> sessions =
      (sql.prepare << "SELECT record FROM rm_sessions WHERE trajectory_id = :t", soci::use(id));
  for (const auto& r : sessions) {
    in.sessions.push_back(platform::DecodeRecord<coaching::Session>(RowString(r, 0)));
  }
  return in;
}

ReadModel ReportingStore::Load(soci::session& sql) {
  ReadModel m;
  std::map<std::string, size_t> index;
  soci::rowset<soci::row> ts =
      (sql.prepare
       << "SELECT id, school_brin, board_number, start_category, state, start_day, "
          "close_day, extensions, reviews, relapsed, coach FROM rm_trajectories ORDER BY id");
  for (const auto& r : ts) {
    TrajectoryRow t;
    t.id = RowString(r, 0);
    t.school_brin = RowString(r, 1);
    t.board_number = RowString(r, 2);
    t.start_category = static_cast<common::TrajectoryCategory>(RowInt64(r, 3));
    t.state = static_cast<int>(RowInt64(r, 4));
    t.start = ParseDay(RowString(r, 5));
    t.close = ParseDay(RowString(r, 6));
    t.extensions = static_cast<int>(RowInt64(r, 7));
    t.reviews = static_cast<int>(RowInt64(r, 8));
    t.relapsed = RowInt64(r, 9) != 0;
    t.coach = RowString(r, 10);
    index[t.id] = m.trajectories.size();
    m.trajectories.push_back(std::move(t));
  }
  soci::rowset<soci::row> ds =
      (sql.prepare << "SELECT trajectory_id, school_type, department, start_verdict FROM "
                      "rm_trajectory_departments ORDER BY trajectory_id, department");
  for (const auto& r : ds) {
    auto it = index.find(RowString(r, 0));
    if (it == index.end()) continue;
    TrajectoryRow& t = m.trajectories[it->second];
    t.department_types.push_back(static_cast<common::SchoolType>(RowInt64(r, 1)));
    t.departments.push_back(RowString(r, 2));
    t.start_verdicts.push_back(static_cast<common::Verdict>(RowInt64(r, 3)));
  }
  soci::rowset<soci::row> vs =
      (sql.prepare << "SELECT department, value, status, effective_day, established_day FROM "
                      "rm_verdicts");
  for (const auto& r : vs) {
    VerdictRow v;
    v.value = static_cast<common::Verdict>(RowInt64(r, 1));
    v.withdrawn = RowInt64(r, 2) == 3;  // inspection.v1.VERDICT_STATUS_WITHDRAWN
    v.effective = ParseDay(RowString(r, 3));
    v.established_on = ParseDay(RowString(r, 4));
    v.established = v.established_on.has_value();
    m.verdicts[RowString(r, 0)].push_back(v);
  }
  soci::rowset<soci::row> cs = (sql.prepare << "SELECT coach, weekly_half_steps FROM rm_coaches");
  for (const auto& r : cs) m.coach_weekly_half_steps[RowString(r, 0)] = RowInt64(r, 1);
  soci::rowset<soci::row> rs =
      (sql.prepare << "SELECT department, signal_day FROM rm_risk_signals");
  for (const auto& r : rs) {
    if (auto d = ParseDay(RowString(r, 1))) m.risk_signals[RowString(r, 0)] = *d;
  }
  // A review shows in the ledger (its co-financed grant) even when no findings were recorded.
  int review_pot = coaching::ENTITLEMENT_POT_REVIEW;
  soci::rowset<soci::row> reviewed =
      (sql.prepare << "SELECT DISTINCT trajectory_id FROM rm_ledger WHERE pot = :p",
       soci::use(review_pot));
  for (const auto& r : reviewed) {
    auto it = index.find(RowString(r, 0));
    if (it != index.end()) {
      m.trajectories[it->second].reviews = std::max(m.trajectories[it->second].reviews, 1);
    }
  }
  soci::rowset<soci::row> ss =
      (sql.prepare
       << "SELECT trajectory_id, half_steps, state, coach, session_day FROM rm_sessions");
  for (const auto& r : ss) {
    SessionRow s;
    s.day = ParseDay(RowString(r, 4));
    s.trajectory = RowString(r, 0);
    s.half_steps = RowInt64(r, 1);
    s.cancelled = RowInt64(r, 2) == coaching::SESSION_STATE_CANCELLED;
    s.coach = RowString(r, 3);
    m.sessions.push_back(std::move(s));
  }
  soci::rowset<soci::row> es =
      (sql.prepare << "SELECT trajectory_id, respondent, overall, results_achieved, "
                      "fit_with_request, added_value FROM rm_evaluations");
  for (const auto& r : es) {
    EvaluationRow e;
    e.trajectory = RowString(r, 0);
    e.school_leadership = RowInt64(r, 1) == coaching::RESPONDENT_SCHOOL_LEADERSHIP;
    e.overall = static_cast<int>(RowInt64(r, 2));
    e.results_achieved = static_cast<int>(RowInt64(r, 3));
    e.fit_with_request = static_cast<int>(RowInt64(r, 4));
    e.added_value = static_cast<int>(RowInt64(r, 5));
    m.evaluations.push_back(std::move(e));
  }
  soci::rowset<soci::row> os =
      (sql.prepare << "SELECT contacted, declined, decline_reason, registration FROM rm_outreach");
  for (const auto& r : os) {
    OutreachRow o;
    o.contacted = RowInt64(r, 0) != 0;
    o.declined = RowInt64(r, 1) != 0;
    o.decline_reason = RowString(r, 2);
    o.registered = !RowString(r, 3).empty();
    m.outreach.push_back(std::move(o));
  }
  return m;
}

}  // namespace lv::reporting
