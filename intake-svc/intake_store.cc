#include "intake-svc/intake_store.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "platform/proto_util.h"

namespace lv::intake {
namespace {

using platform::RowInt64;
using platform::RowString;

std::string Encode(const google::protobuf::Message& m) { return platform::EncodeRecord(m); }
template <typename M>
M Decode(const std::string& text) {
  return platform::DecodeRecord<M>(text);
}

constexpr char kKnownColumns[] =
    "department, brin, school_type, board_number, region, verdict, established, verdict_date, "
    "risk_signal, risk_date, supported_before, possible_relapse";

KnownDepartment KnownFromRow(const soci::row& r) {
  KnownDepartment d;
  d.department = RowString(r, 0);
  d.brin = RowString(r, 1);
  d.school_type = static_cast<common::SchoolType>(RowInt64(r, 2));
  d.board_number = RowString(r, 3);
  d.region = RowString(r, 4);
  d.verdict = static_cast<common::Verdict>(RowInt64(r, 5));
  d.established = RowInt64(r, 6) != 0;
  d.verdict_date = RowString(r, 7);
  d.risk_signal = static_cast<common::RiskSignalKind>(RowInt64(r, 8));
  d.risk_date = RowString(r, 9);
  d.supported_before = RowInt64(r, 10) != 0;
  d.possible_relapse = RowInt64(r, 11) != 0;
  return d;
}

std::vector<KnownDepartment> KnownWhere(soci::session& sql, const std::string& where,
                                        const std::string* value) {
  std::vector<KnownDepartment> out;
  const std::string q = absl::StrCat("SELECT ", kKnownColumns, " FROM known_departments WHERE ",
                                     where, " ORDER BY verdict_date, department");
  if (value != nullptr) {
    soci::rowset<soci::row> rows = (sql.prepare << q, soci::use(*value));
    for (const auto& r : rows) out.push_back(KnownFromRow(r));
  } else {
    soci::rowset<soci::row> rows = (sql.prepare << q);
    for (const auto& r : rows) out.push_back(KnownFromRow(r));
  }
  return out;
}

}  // namespace

void IntakeStore::LockRegistration(platform::Transaction& tx, const std::string& id) {
  if (tx.dialect() == platform::Dialect::kPostgres) {
    std::string found;
    tx.sql() << "SELECT id FROM registrations WHERE id = :id FOR UPDATE", soci::use(id),
        soci::into(found);
  }
}

std::optional<pb::Registration> IntakeStore::GetRegistration(soci::session& sql,
                                                             const std::string& id) {
  std::string record;
  sql << "SELECT record FROM registrations WHERE id = :id", soci::use(id), soci::into(record);
  if (!sql.got_data()) return std::nullopt;
  return Decode<pb::Registration>(record);
}

std::optional<std::string> IntakeStore::FindRegistrationByRequest(soci::session& sql,
                                                                  const std::string& request_id) {
  std::string id;
  sql << "SELECT id FROM registrations WHERE request_id = :r", soci::use(request_id),
      soci::into(id);
  if (!sql.got_data()) return std::nullopt;
  return id;
}

void IntakeStore::SaveRegistration(soci::session& sql, const std::string& id,
                                   const pb::Registration& r, const std::string& request_id,
                                   absl::Time now, bool insert) {
  int state = r.state();
  std::string record = Encode(r), coach = r.coach();
  long long at = platform::ToUnixMicrosUtc(now), at2 = at;
  if (insert) {
    sql << "INSERT INTO registrations (id, school_brin, state, coach, request_id, record, "
           "create_us, update_us) VALUES (:id, :b, :s, :c, :r, :rec, :t1, :t2)",
        soci::use(id), soci::use(r.school_brin()), soci::use(state), soci::use(coach),
        soci::use(request_id), soci::use(record), soci::use(at), soci::use(at2);
    for (const auto& d : r.departments()) {
      sql << "INSERT INTO registration_departments (department, registration_id) VALUES (:d, :r)",
          soci::use(d.department()), soci::use(id);
    }
  } else {
    sql << "UPDATE registrations SET state = :s, coach = :c, record = :rec, update_us = :t "
           "WHERE id = :id",
        soci::use(state), soci::use(coach), soci::use(record), soci::use(at), soci::use(id);
  }
}

std::vector<pb::Registration> IntakeStore::ListRegistrations(soci::session& sql,
                                                             const std::vector<int>& states,
                                                             int64_t before_us,
                                                             const std::string& before_id,
                                                             int limit) {
  std::string filter;
  if (!states.empty()) filter = absl::StrCat(" AND state IN (", absl::StrJoin(states, ","), ")");
  long long b1 = before_us, b2 = before_us;
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT record FROM registrations WHERE (create_us < :b1 OR (create_us = :b2 "
                      "AND id < :id))"
                   << filter << " ORDER BY create_us DESC, id DESC LIMIT " << limit,
       soci::use(b1), soci::use(b2), soci::use(before_id));
  std::vector<pb::Registration> out;
  for (const auto& r : rows) out.push_back(Decode<pb::Registration>(RowString(r, 0)));
  return out;
}

std::vector<pb::Registration> IntakeStore::RegistrationsOfDepartment(
    soci::session& sql, const std::string& department) {
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT r.record FROM registrations r JOIN registration_departments d ON "
                      "d.registration_id = r.id WHERE d.department = :d ORDER BY r.create_us",
       soci::use(department));
  std::vector<pb::Registration> out;
  for (const auto& r : rows) out.push_back(Decode<pb::Registration>(RowString(r, 0)));
  return out;
}

int IntakeStore::ActiveTrajectories(soci::session& sql, const std::string& coach) {
  int matched = pb::REGISTRATION_STATE_MATCHED, opened = pb::REGISTRATION_STATE_TRAJECTORY_OPENED;
  int n = 0;
  sql << "SELECT COUNT(*) FROM registrations WHERE coach = :c AND state IN (:m, :o)",
      soci::use(coach), soci::use(matched), soci::use(opened), soci::into(n);
  return n;
}

std::optional<pb::Coach> IntakeStore::GetCoach(soci::session& sql, const std::string& id) {
  std::string record;
  sql << "SELECT record FROM coaches WHERE id = :id", soci::use(id), soci::into(record);
  if (!sql.got_data()) return std::nullopt;
  return Decode<pb::Coach>(record);
}

void IntakeStore::SaveCoach(soci::session& sql, const std::string& id, const pb::Coach& c,
                            bool insert) {
  int active = c.active() ? 1 : 0;
  std::string record = Encode(c);
  if (insert) {
    sql << "INSERT INTO coaches (id, active, record) VALUES (:id, :a, :r)", soci::use(id),
        soci::use(active), soci::use(record);
  } else {
    sql << "UPDATE coaches SET active = :a, record = :r WHERE id = :id", soci::use(active),
        soci::use(record), soci::use(id);
  }
}

std::vector<pb::Coach> IntakeStore::ListCoaches(soci::session& sql, bool include_inactive) {
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT record FROM coaches" << (include_inactive ? "" : " WHERE active = 1")
                   << " ORDER BY id");
  std::vector<pb::Coach> out;
  for (const auto& r : rows) out.push_back(Decode<pb::Coach>(RowString(r, 0)));
  return out;
}

std::optional<KnownDepartment> IntakeStore::GetKnown(soci::session& sql,
                                                     const std::string& department) {
  auto rows = KnownWhere(sql, "department = :d", &department);
  if (rows.empty()) return std::nullopt;
  return rows[0];
}

std::vector<KnownDepartment> IntakeStore::KnownOfSchool(soci::session& sql,
                                                        const std::string& brin) {
  return KnownWhere(sql, "brin = :b", &brin);
}

std::vector<KnownDepartment> IntakeStore::KnownWeak(soci::session& sql) {
  return KnownWhere(sql,
                    absl::StrCat("verdict IN (", static_cast<int>(common::VERDICT_VERY_WEAK), ",",
                                 static_cast<int>(common::VERDICT_INSUFFICIENT), ",",
                                 static_cast<int>(common::VERDICT_WEAK), ")"),
                    nullptr);
}

std::vector<KnownDepartment> IntakeStore::KnownAtRisk(soci::session& sql) {
  return KnownWhere(
      sql,
      absl::StrCat("risk_signal IN (", static_cast<int>(common::RISK_SIGNAL_KIND_NOTICE), ",",
                   static_cast<int>(common::RISK_SIGNAL_KIND_WARNING), ") OR possible_relapse = 1"),
      nullptr);
}

void IntakeStore::UpsertKnown(soci::session& sql, const KnownDepartment& d) {
  int type = d.school_type, verdict = d.verdict, established = d.established, risk = d.risk_signal,
      supported = d.supported_before, relapse = d.possible_relapse;
  sql << "INSERT INTO known_departments (" << kKnownColumns
      << ") VALUES (:d, :b, :t, :bn, :rg, :v, :e, :vd, :rs, :rd, :sb, :pr) ON CONFLICT "
         "(department) DO UPDATE SET brin = excluded.brin, school_type = excluded.school_type, "
         "board_number = excluded.board_number, region = excluded.region, verdict = "
         "excluded.verdict, established = excluded.established, verdict_date = "
         "excluded.verdict_date, risk_signal = excluded.risk_signal, risk_date = "
         "excluded.risk_date, supported_before = excluded.supported_before, possible_relapse = "
         "excluded.possible_relapse",
      soci::use(d.department), soci::use(d.brin), soci::use(type), soci::use(d.board_number),
      soci::use(d.region), soci::use(verdict), soci::use(established), soci::use(d.verdict_date),
      soci::use(risk), soci::use(d.risk_date), soci::use(supported), soci::use(relapse);
}

std::optional<pb::OutreachEntry> IntakeStore::GetOutreach(soci::session& sql,
                                                          const std::string& department) {
  std::string record;
  sql << "SELECT record FROM outreach WHERE department = :d", soci::use(department),
      soci::into(record);
  if (!sql.got_data()) return std::nullopt;
  return Decode<pb::OutreachEntry>(record);
}

void IntakeStore::SaveOutreach(soci::session& sql, const std::string& department,
                               const pb::OutreachEntry& e) {
  std::string record = Encode(e);
  sql << "INSERT INTO outreach (department, record) VALUES (:d, :r) ON CONFLICT (department) DO "
         "UPDATE SET record = excluded.record",
      soci::use(department), soci::use(record);
}

}  // namespace lv::intake
