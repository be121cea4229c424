#include "coaching-svc/coaching_store.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "platform/proto_util.h"

namespace lv::coaching {
namespace {

using platform::RowInt64;
using platform::RowString;

std::string Encode(const google::protobuf::Message& m) { return platform::EncodeRecord(m); }
template <typename M>
M Decode(const std::string& text) {
  return platform::DecodeRecord<M>(text);
}

std::string CurrentCoach(const pb::Trajectory& t) {
  for (auto it = t.coaches().rbegin(); it != t.coaches().rend(); ++it) {
    if (!it->has_end_time()) return it->coach();
  }
  return "";
}

std::string DateText(const common::Date& d) {
  return d.year() == 0 ? "" : absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day());
}

}  // namespace

void CoachingStore::LockTrajectory(platform::Transaction& tx, const std::string& id) {
  if (tx.dialect() == platform::Dialect::kPostgres) {
    std::string found;
    tx.sql() << "SELECT id FROM trajectories WHERE id = :id FOR UPDATE", soci::use(id),
        soci::into(found);
  }
}

std::optional<pb::Trajectory> CoachingStore::GetTrajectory(soci::session& sql,
                                                           const std::string& id) {
  std::string record;
  sql << "SELECT record FROM trajectories WHERE id = :id", soci::use(id), soci::into(record);
  if (!sql.got_data()) return std::nullopt;
  return Decode<pb::Trajectory>(record);
}

std::optional<std::string> CoachingStore::FindByMatch(soci::session& sql,
                                                      const std::string& match_id) {
  std::string id;
  sql << "SELECT id FROM trajectories WHERE match_id = :m", soci::use(match_id), soci::into(id);
  if (!sql.got_data()) return std::nullopt;
  return id;
}

void CoachingStore::InsertTrajectory(soci::session& sql, const std::string& id,
                                     const pb::Trajectory& t, absl::Time now) {
  int state = t.state(), category = t.category();
  std::string coach = CurrentCoach(t), record = Encode(t), due = DateText(t.aftercare_due_date());
  long long at = platform::ToUnixMicrosUtc(now), at2 = at;
  sql << "INSERT INTO trajectories (id, match_id, school_brin, state, category, coach, "
         "aftercare_due, record, open_us, update_us) VALUES (:id, :m, :b, :s, :c, :co, :d, :r, "
         ":o, :u)",
      soci::use(id), soci::use(t.match_id()), soci::use(t.school_brin()), soci::use(state),
      soci::use(category), soci::use(coach), soci::use(due), soci::use(record), soci::use(at),
      soci::use(at2);
  for (const auto& d : t.departments()) {
    sql << "INSERT INTO trajectory_departments (department, trajectory_id) VALUES (:d, :t)",
        soci::use(d.department()), soci::use(id);
  }
}

void CoachingStore::UpdateTrajectory(soci::session& sql, const std::string& id,
                                     const pb::Trajectory& t, absl::Time now) {
  int state = t.state(), category = t.category();
  std::string coach = CurrentCoach(t), record = Encode(t), due = DateText(t.aftercare_due_date());
  long long at = platform::ToUnixMicrosUtc(now);
  sql << "UPDATE trajectories SET state = :s, category = :c, coach = :co, aftercare_due = :d, "
         "record = :r, update_us = :u WHERE id = :id",
      soci::use(state), soci::use(category), soci::use(coach), soci::use(due), soci::use(record),
      soci::use(at), soci::use(id);
}

std::vector<pb::Trajectory> CoachingStore::ListTrajectories(soci::session& sql,
                                                            const TrajectoryFilter& f,
                                                            int64_t before_open_us,
                                                            const std::string& before_id,
                                                            int limit) {
  // Filters are fixed fragments; values are bound, never spliced.
  std::vector<std::string> where = {"(open_us < :b1 OR (open_us = :b2 AND id < :bid))"};
  std::string states;
  for (auto s : f.states) absl::StrAppend(&states, states.empty() ? "" : ",", static_cast<int>(s));
  if (!states.empty()) where.push_back(absl::StrCat("state IN (", states, ")"));  // integers only
  if (!f.coach.empty()) where.push_back("coach = :coach");
  if (!f.school_brin.empty()) where.push_back("school_brin = :brin");
  long long b1 = before_open_us, b2 = before_open_us;
  soci::row row;
  soci::statement st(sql);
  st.exchange(soci::into(row));
  st.exchange(soci::use(b1, "b1"));
  st.exchange(soci::use(b2, "b2"));
  st.exchange(soci::use(before_id, "bid"));
  if (!f.coach.empty()) st.exchange(soci::use(f.coach, "coach"));
  if (!f.school_brin.empty()) st.exchange(soci::use(f.school_brin, "brin"));
  st.alloc();
  st.prepare(absl::StrCat("SELECT record FROM trajectories WHERE ", absl::StrJoin(where, " AND "),
                          " ORDER BY open_us DESC, id DESC LIMIT ", limit));
  st.define_and_bind();
  std::vector<pb::Trajectory> out;
  if (st.execute(true)) {
    do {
      out.push_back(Decode<pb::Trajectory>(RowString(row, 0)));
    } while (st.fetch());
  }
  return out;
}

std::vector<std::string> CoachingStore::TrajectoriesOfDepartment(soci::session& sql,
                                                                 const std::string& department) {
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT trajectory_id FROM trajectory_departments WHERE department = :d",
       soci::use(department));
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(RowString(r, 0));
  return out;
}

std::vector<pb::Trajectory> CoachingStore::DueAftercare(soci::session& sql,
                                                        const std::string& until_date) {
  int closed = pb::TRAJECTORY_STATE_CLOSED, aftercare = pb::TRAJECTORY_STATE_AFTERCARE;
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT record FROM trajectories WHERE state IN (:c, :a) AND "
                      "aftercare_due <> '' AND aftercare_due <= :d ORDER BY aftercare_due, id",
       soci::use(closed), soci::use(aftercare), soci::use(until_date));
  std::vector<pb::Trajectory> out;
  for (const auto& r : rows) out.push_back(Decode<pb::Trajectory>(RowString(r, 0)));
  return out;
}

std::vector<pb::LedgerEntry> CoachingStore::Ledger(soci::session& sql, const std::string& id) {
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT record FROM ledger_entries WHERE trajectory_id = :t ORDER BY seq",
       soci::use(id));
  std::vector<pb::LedgerEntry> out;
  for (const auto& r : rows) out.push_back(Decode<pb::LedgerEntry>(RowString(r, 0)));
  return out;
}

std::vector<pb::LedgerEntry> CoachingStore::LedgerTotals(soci::session& sql,
                                                         const std::string& id) {
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT pot, kind, SUM(half_steps), SUM(cost_cents) FROM ledger_entries "
                      "WHERE trajectory_id = :t GROUP BY pot, kind",
       soci::use(id));
  std::vector<pb::LedgerEntry> out;
  for (const auto& r : rows) {
    pb::LedgerEntry& e = out.emplace_back();
    e.set_pot(static_cast<pb::EntitlementPot>(RowInt64(r, 0)));
    e.set_kind(static_cast<pb::LedgerEntryKind>(RowInt64(r, 1)));
    e.mutable_half_days()->set_half_steps(RowInt64(r, 2));
    e.mutable_school_cost()->set_cents(RowInt64(r, 3));
  }
  return out;
}

std::vector<pb::LedgerEntry> CoachingStore::AppendLedger(soci::session& sql, const std::string& id,
                                                         std::vector<pb::LedgerEntry> entries,
                                                         absl::Time now) {
  long long seq = 0;
  soci::indicator ind;
  sql << "SELECT MAX(seq) FROM ledger_entries WHERE trajectory_id = :t", soci::use(id),
      soci::into(seq, ind);
  if (ind == soci::i_null) seq = 0;
  long long at = platform::ToUnixMicrosUtc(now);
  for (pb::LedgerEntry& e : entries) {
    ++seq;
    e.set_name(absl::StrCat("trajectories/", id, "/ledgerEntries/", seq));
    e.mutable_create_time()->set_seconds(at / 1000000);
    e.mutable_create_time()->set_nanos(static_cast<int32_t>(at % 1000000) * 1000);
    int kind = e.kind(), pot = e.pot();
    long long half = e.half_days().half_steps(), cents = e.school_cost().cents();
    std::string session = e.session(), record = Encode(e);
    sql << "INSERT INTO ledger_entries (trajectory_id, seq, kind, pot, half_steps, cost_cents, "
           "session_id, record, create_us) VALUES (:t, :s, :k, :p, :h, :c, :sid, :r, :at)",
        soci::use(id), soci::use(seq), soci::use(kind), soci::use(pot), soci::use(half),
        soci::use(cents), soci::use(session), soci::use(record), soci::use(at);
  }
  return entries;
}

std::optional<pb::Session> CoachingStore::GetSession(soci::session& sql, const std::string& id,
                                                     int64_t seq) {
  long long s = seq;
  std::string record;
  sql << "SELECT record FROM sessions WHERE trajectory_id = :t AND seq = :s", soci::use(id),
      soci::use(s), soci::into(record);
  if (!sql.got_data()) return std::nullopt;
  return Decode<pb::Session>(record);
}

std::optional<pb::Session> CoachingStore::FindSessionByRequest(soci::session& sql,
                                                               const std::string& id,
                                                               const std::string& request_id) {
  std::string record;
  sql << "SELECT record FROM sessions WHERE trajectory_id = :t AND request_id = :r", soci::use(id),
      soci::use(request_id), soci::into(record);
  if (!sql.got_data()) return std::nullopt;
  return Decode<pb::Session>(record);
}

int64_t CoachingStore::NextSessionSeq(soci::session& sql, const std::string& id) {
  long long seq = 0;
  soci::indicator ind;
  sql << "SELECT MAX(seq) FROM sessions WHERE trajectory_id = :t", soci::use(id),
      soci::into(seq, ind);
  return ind == soci::i_null ? 1 : seq + 1;
}

void CoachingStore::InsertSession(soci::session& sql, const std::string& id, int64_t seq,
                                  const std::string& request_id, const pb::Session& s,
                                  absl::Time now) {
  long long n = seq, at = platform::ToUnixMicrosUtc(now);
  int state = s.state();
  std::string date = DateText(s.date()), record = Encode(s);
  sql << "INSERT INTO sessions (trajectory_id, seq, request_id, session_date, state, record, "
         "create_us) VALUES (:t, :s, :r, :d, :st, :rec, :at)",
      soci::use(id), soci::use(n), soci::use(request_id), soci::use(date), soci::use(state),
      soci::use(record), soci::use(at);
}

void CoachingStore::UpdateSession(soci::session& sql, const std::string& id, int64_t seq,
                                  const pb::Session& s) {
  long long n = seq;
  int state = s.state();
  std::string date = DateText(s.date()), record = Encode(s);
  sql << "UPDATE sessions SET session_date = :d, state = :st, record = :rec WHERE "
         "trajectory_id = :t AND seq = :s",
      soci::use(date), soci::use(state), soci::use(record), soci::use(id), soci::use(n);
}

std::vector<pb::Session> CoachingStore::ListSessions(soci::session& sql, const std::string& id,
                                                     int64_t after_seq, int limit) {
  long long after = after_seq;
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT record FROM sessions WHERE trajectory_id = :t AND seq > :a "
                      "ORDER BY seq LIMIT :l",
       soci::use(id), soci::use(after), soci::use(limit));
  std::vector<pb::Session> out;
  for (const auto& r : rows) out.push_back(Decode<pb::Session>(RowString(r, 0)));
  return out;
}

void CoachingStore::UpsertEvaluation(soci::session& sql, const std::string& id,
                                     const pb::Evaluation& e, absl::Time now) {
  int respondent = e.respondent();
  std::string record = Encode(e);
  long long at = platform::ToUnixMicrosUtc(now);
  sql << "INSERT INTO evaluations (trajectory_id, respondent, record, create_us) VALUES (:t, :r, "
         ":rec, :at) ON CONFLICT (trajectory_id, respondent) DO UPDATE SET record = "
         "excluded.record, create_us = excluded.create_us",
      soci::use(id), soci::use(respondent), soci::use(record), soci::use(at);
}

std::vector<pb::Trajectory> CoachingStore::RunningTrajectories(soci::session& sql) {
  int from = pb::TRAJECTORY_STATE_OPENED, to = pb::TRAJECTORY_STATE_CLOSING;
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT record FROM trajectories WHERE state >= :f AND state <= :t",
       soci::use(from), soci::use(to));
  std::vector<pb::Trajectory> out;
  for (const auto& r : rows) out.push_back(Decode<pb::Trajectory>(RowString(r, 0)));
  return out;
}

int64_t CoachingStore::NextGoalSeq(soci::session& sql, const std::string& id) {
  long long seq = 0;
  soci::indicator ind;
  sql << "SELECT MAX(seq) FROM goals WHERE trajectory_id = :t", soci::use(id), soci::into(seq, ind);
  return ind == soci::i_null ? 1 : seq + 1;
}

void CoachingStore::SaveGoal(soci::session& sql, const std::string& id, int64_t seq,
                             const pb::Goal& goal, bool insert) {
  long long n = seq;
  int status = goal.status();
  std::string deadline = DateText(goal.deadline()), record = Encode(goal);
  if (insert) {
    sql << "INSERT INTO goals (trajectory_id, seq, deadline, status, record) VALUES (:t, :s, :d, "
           ":st, :r)",
        soci::use(id), soci::use(n), soci::use(deadline), soci::use(status), soci::use(record);
  } else {
    sql << "UPDATE goals SET deadline = :d, status = :st, record = :r WHERE trajectory_id = :t "
           "AND seq = :s",
        soci::use(deadline), soci::use(status), soci::use(record), soci::use(id), soci::use(n);
  }
}

std::optional<pb::Goal> CoachingStore::GetGoal(soci::session& sql, const std::string& id,
                                               int64_t seq) {
  long long n = seq;
  std::string record;
  sql << "SELECT record FROM goals WHERE trajectory_id = :t AND seq = :s", soci::use(id),
      soci::use(n), soci::into(record);
  if (!sql.got_data()) return std::nullopt;
  return Decode<pb::Goal>(record);
}

std::vector<pb::Goal> CoachingStore::ListGoals(soci::session& sql, const std::string& id) {
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT record FROM goals WHERE trajectory_id = :t ORDER BY seq",
       soci::use(id));
  std::vector<pb::Goal> out;
  for (const auto& r : rows) out.push_back(Decode<pb::Goal>(RowString(r, 0)));
  return out;
}

std::vector<pb::Goal> CoachingStore::OverdueGoals(soci::session& sql, const std::string& today) {
  int achieved = pb::GOAL_STATUS_ACHIEVED, dropped = pb::GOAL_STATUS_DROPPED;
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT record FROM goals WHERE deadline <> '' AND deadline < :d AND "
                      "status <> :a AND status <> :dr ORDER BY deadline, trajectory_id, seq",
       soci::use(today), soci::use(achieved), soci::use(dropped));
  std::vector<pb::Goal> out;
  for (const auto& r : rows) out.push_back(Decode<pb::Goal>(RowString(r, 0)));
  return out;
}

void CoachingStore::InsertIntervention(platform::Transaction& tx, const std::string& trajectory_id,
                                       pb::Intervention& intervention, absl::Time now) {
  soci::session& sql = tx.sql();
  long long id = 0;
  soci::indicator ind;
  sql << "SELECT MAX(id) FROM interventions", soci::into(id, ind);
  id = (ind == soci::i_null ? 0 : id) + 1;
  intervention.set_name(absl::StrCat("trajectories/", trajectory_id, "/interventions/", id));
  std::string types = ",";
  for (int t : intervention.school_types()) absl::StrAppend(&types, t, ",");
  const std::string text =
      absl::StrCat(intervention.title(), "\n", intervention.description(), "\n",
                   intervention.rationale(), "\n", intervention.result());
  int theme = intervention.theme(), category = intervention.category(),
      outcome = intervention.outcome();
  long long at = platform::ToUnixMicrosUtc(now);
  std::string record = Encode(intervention);
  sql << "INSERT INTO interventions (id, trajectory_id, theme, category, outcome, school_types, "
         "search_text, record, create_us) VALUES (:id, :t, :th, :c, :o, :st, :tx, :r, :at)",
      soci::use(id), soci::use(trajectory_id), soci::use(theme), soci::use(category),
      soci::use(outcome), soci::use(types), soci::use(text), soci::use(record), soci::use(at);
  if (tx.dialect() == platform::Dialect::kSqlite) {
    sql << "INSERT INTO interventions_fts (rowid, search_text) VALUES (:id, :tx)", soci::use(id),
        soci::use(text);
  } else {
    sql << "UPDATE interventions SET search_vector = to_tsvector('dutch', search_text) "
           "WHERE id = :id",
        soci::use(id);
  }
}

std::vector<pb::Intervention> CoachingStore::SearchInterventions(soci::session& sql,
                                                                 platform::Dialect dialect,
                                                                 const InterventionQuery& q) {
  // Each engine's own full-text search; the filters and the result are the same.
  std::vector<std::string> where;
  std::string from = "interventions i";
  std::string order = "i.create_us DESC, i.id DESC";
  std::string match;
  if (!q.words.empty()) {
    if (dialect == platform::Dialect::kSqlite) {
      // FTS5 query: every word quoted (no operator injection) and matched as a prefix.
      for (const auto& w : q.words)
        absl::StrAppend(&match, match.empty() ? "" : " ", "\"", w, "\"*");
      from = "interventions i JOIN interventions_fts f ON f.rowid = i.id";
      where.push_back("interventions_fts MATCH :q");
      order = "bm25(interventions_fts), i.id DESC";
    } else {
      match = absl::StrJoin(q.words, " ");
      where.push_back("i.search_vector @@ plainto_tsquery('dutch', :q)");
      order = "ts_rank(i.search_vector, plainto_tsquery('dutch', :q2)) DESC, i.id DESC";
    }
  }
  int theme = q.theme, category = q.category, outcome = q.outcome;
  std::string school_type = absl::StrCat("%,", static_cast<int>(q.school_type), ",%");
  if (q.theme != common::SUPPORT_THEME_UNSPECIFIED) where.push_back("i.theme = :th");
  if (q.category != common::TRAJECTORY_CATEGORY_UNSPECIFIED) where.push_back("i.category = :c");
  if (q.outcome != pb::INTERVENTION_OUTCOME_UNSPECIFIED) where.push_back("i.outcome = :o");
  if (q.school_type != common::SCHOOL_TYPE_UNSPECIFIED) where.push_back("i.school_types LIKE :st");
  soci::row row;
  soci::statement st(sql);
  st.exchange(soci::into(row));
  std::string match2 = match;
  if (!q.words.empty()) {
    st.exchange(soci::use(match, "q"));
    if (dialect == platform::Dialect::kPostgres) st.exchange(soci::use(match2, "q2"));
  }
  if (q.theme != common::SUPPORT_THEME_UNSPECIFIED) st.exchange(soci::use(theme, "th"));
  if (q.category != common::TRAJECTORY_CATEGORY_UNSPECIFIED) st.exchange(soci::use(category, "c"));
  if (q.outcome != pb::INTERVENTION_OUTCOME_UNSPECIFIED) st.exchange(soci::use(outcome, "o"));
  if (q.school_type != common::SCHOOL_TYPE_UNSPECIFIED) st.exchange(soci::use(school_type, "st"));
  st.alloc();
  st.prepare(
      absl::StrCat("SELECT i.record FROM ", from,
                   where.empty() ? "" : absl::StrCat(" WHERE ", absl::StrJoin(where, " AND ")),
                   " ORDER BY ", order, " LIMIT ", q.limit));
  st.define_and_bind();
  std::vector<pb::Intervention> out;
  if (st.execute(true)) {
    do {
      out.push_back(Decode<pb::Intervention>(RowString(row, 0)));
    } while (st.fetch());
  }
  return out;
}

std::optional<std::string> CoachingStore::FindHandledRequest(soci::session& sql,
                                                             const std::string& request_id) {
  std::string resource;
  sql << "SELECT resource FROM handled_requests WHERE request_id = :r", soci::use(request_id),
      soci::into(resource);
  if (!sql.got_data()) return std::nullopt;
  return resource;
}

void CoachingStore::InsertHandledRequest(soci::session& sql, const std::string& request_id,
                                         const std::string& resource, absl::Time now) {
  long long at = platform::ToUnixMicrosUtc(now);
  sql << "INSERT INTO handled_requests (request_id, resource, create_us) VALUES (:r, :res, :t)",
      soci::use(request_id), soci::use(resource), soci::use(at);
}

}  // namespace lv::coaching
