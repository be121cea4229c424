#include "inspection-svc/inspection_store.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "inspection-svc/department_key.h"
#include "platform/proto_util.h"

namespace lv::inspection {
namespace {

using platform::RowInt64;
using platform::RowString;

constexpr long long kWriteLockKey = 0x4c56494e53;  // "LVINS"

std::string Encode(const google::protobuf::Message& m) { return platform::EncodeRecord(m); }
template <typename M>
M Decode(const std::string& text) {
  return platform::DecodeRecord<M>(text);
}

google::protobuf::Timestamp ToTimestamp(int64_t us) {
  google::protobuf::Timestamp t;
  t.set_seconds(us / 1000000);
  t.set_nanos(static_cast<int32_t>(us % 1000000) * 1000);
  return t;
}

constexpr char kDepartmentColumns[] =
    "d.id, d.brin, d.location, d.school_type, d.track, d.board_number, d.board_name, "
    "d.display_name, d.region, d.risk_signal, d.closed, d.close_us, d.close_reason, d.create_us, "
    "d.update_us, v.record";
constexpr char kDepartmentFrom[] =
    " FROM departments d LEFT JOIN verdicts v ON v.department_id = d.id AND v.seq = "
    "d.current_verdict_seq";

pb::Department DepartmentFromRow(const soci::row& r) {
  pb::Department d;
  d.set_name(DepartmentName(RowString(r, 0)));
  d.mutable_ref()->set_brin(RowString(r, 1));
  d.mutable_ref()->set_location(RowString(r, 2));
  d.mutable_ref()->set_school_type(static_cast<common::SchoolType>(RowInt64(r, 3)));
  d.mutable_ref()->set_track(RowString(r, 4));
  d.mutable_board()->set_number(RowString(r, 5));
  d.mutable_board()->set_name(RowString(r, 6));
  d.set_display_name(RowString(r, 7));
  d.set_region(RowString(r, 8));
  d.set_risk_signal(static_cast<common::RiskSignalKind>(RowInt64(r, 9)));
  d.set_closed(RowInt64(r, 10) != 0);
  if (d.closed()) *d.mutable_close_time() = ToTimestamp(RowInt64(r, 11));
  d.set_close_reason(RowString(r, 12));
  *d.mutable_create_time() = ToTimestamp(RowInt64(r, 13));
  *d.mutable_update_time() = ToTimestamp(RowInt64(r, 14));
  const std::string record = RowString(r, 15);
  if (!record.empty()) *d.mutable_current_verdict() = Decode<pb::Verdict>(record);
  return d;
}

}  // namespace

std::string DateKey(const common::Date& date) {
  if (date.year() == 0) return "";
  return absl::StrFormat("%04d-%02d-%02d", date.year(), date.month(), date.day());
}

std::string EffectiveDateKey(const pb::Verdict& v) {
  for (const auto* d : {&v.established_date(), &v.investigation_date(), &v.publication_date()}) {
    if (d->year() != 0) return DateKey(*d);
  }
  return "";
}

void InspectionStore::LockForWrite(platform::Transaction& tx) {
  if (tx.dialect() == platform::Dialect::kPostgres) {
    tx.sql() << "SELECT pg_advisory_xact_lock(" << kWriteLockKey << ")";
  }
}

absl::StatusOr<KnownState> InspectionStore::LoadKnownState(soci::session& sql) {
  KnownState state;
  soci::rowset<soci::row> depts =
      (sql.prepare << "SELECT id, brin, location, school_type, track, board_number, board_name, "
                      "display_name, region, next_verdict_seq, current_verdict_seq, "
                      "current_verdict, closed FROM departments");
  for (const soci::row& r : depts) {
    KnownDepartment k;
    const std::string id = RowString(r, 0);
    k.department.set_name(DepartmentName(id));
    k.department.mutable_ref()->set_brin(RowString(r, 1));
    k.department.mutable_ref()->set_location(RowString(r, 2));
    k.department.mutable_ref()->set_school_type(static_cast<common::SchoolType>(RowInt64(r, 3)));
    k.department.mutable_ref()->set_track(RowString(r, 4));
    k.department.mutable_board()->set_number(RowString(r, 5));
    k.department.mutable_board()->set_name(RowString(r, 6));
    k.department.set_display_name(RowString(r, 7));
    k.department.set_region(RowString(r, 8));
    k.next_seq = RowInt64(r, 9);
    k.current_seq = RowInt64(r, 10);
    k.current_value = static_cast<common::Verdict>(RowInt64(r, 11));
    k.department.set_closed(RowInt64(r, 12) != 0);
    state.departments.emplace(id, std::move(k));
  }
  soci::rowset<soci::row> verdicts =
      (sql.prepare << "SELECT department_id, seq, investigation_number, fingerprint, "
                      "effective_date FROM verdicts ORDER BY department_id, seq");
  for (const soci::row& r : verdicts) {
    auto it = state.departments.find(RowString(r, 0));
    if (it == state.departments.end()) continue;
    const int64_t seq = RowInt64(r, 1);
    it->second.by_investigation[RowString(r, 2)] = {seq, RowString(r, 3)};
    if (seq == it->second.current_seq) it->second.current_effective_date = RowString(r, 4);
  }
  soci::rowset<soci::row> boards = (sql.prepare << "SELECT number, name, verdict_text FROM boards");
  for (const soci::row& r : boards) {
    pb::Board b;
    b.set_number(RowString(r, 0));
    b.set_name(RowString(r, 1));
    state.board_verdicts[b.number()] = RowString(r, 2);
    state.boards.emplace(b.number(), std::move(b));
  }
  return state;
}

absl::StatusOr<std::optional<KnownDepartment>> InspectionStore::LoadKnownDepartment(
    soci::session& sql, const std::string& id) {
  // Small enough per department: reuse the full loader's row handling on one id.
  KnownDepartment k;
  soci::rowset<soci::row> depts =
      (sql.prepare << "SELECT next_verdict_seq, current_verdict_seq, current_verdict FROM "
                      "departments WHERE id = :id",
       soci::use(id));
  bool found = false;
  for (const soci::row& r : depts) {
    found = true;
    k.next_seq = RowInt64(r, 0);
    k.current_seq = RowInt64(r, 1);
    k.current_value = static_cast<common::Verdict>(RowInt64(r, 2));
  }
  if (!found) return std::optional<KnownDepartment>();
  auto dept = GetDepartment(sql, id);
  if (dept) k.department = *dept;
  k.department.clear_current_verdict();
  soci::rowset<soci::row> verdicts =
      (sql.prepare << "SELECT seq, investigation_number, fingerprint, effective_date FROM verdicts "
                      "WHERE department_id = :id ORDER BY seq",
       soci::use(id));
  for (const soci::row& r : verdicts) {
    const int64_t seq = RowInt64(r, 0);
    k.by_investigation[RowString(r, 1)] = {seq, RowString(r, 2)};
    if (seq == k.current_seq) k.current_effective_date = RowString(r, 3);
  }
  return std::optional<KnownDepartment>(std::move(k));
}

std::optional<pb::Department> InspectionStore::GetDepartment(soci::session& sql,
                                                             const std::string& id) {
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT " << kDepartmentColumns << kDepartmentFrom << " WHERE d.id = :id",
       soci::use(id));
  for (const soci::row& r : rows) return DepartmentFromRow(r);
  return std::nullopt;
}

std::vector<pb::Department> InspectionStore::ListDepartments(soci::session& sql,
                                                             const DepartmentFilter& f,
                                                             const std::string& after_id, int limit,
                                                             int* total) {
  // Filters are fixed fragments with bound values; nothing from the caller is spliced into SQL.
  std::vector<std::string> where;
  std::vector<std::string> text_values;
  std::vector<int> int_values;
  text_values.reserve(8);
  int_values.reserve(16);
  std::vector<std::pair<std::string, int>> bind_ints;
  std::vector<std::pair<std::string, int>> bind_texts;
  auto text = [&](const std::string& v) {
    const std::string name = absl::StrCat("t", text_values.size());
    text_values.push_back(v);
    bind_texts.emplace_back(name, static_cast<int>(text_values.size() - 1));
    return absl::StrCat(":", name);
  };
  auto integer = [&](int v) {
    const std::string name = absl::StrCat("i", int_values.size());
    int_values.push_back(v);
    bind_ints.emplace_back(name, static_cast<int>(int_values.size() - 1));
    return absl::StrCat(":", name);
  };
  if (!f.show_closed) where.push_back("d.closed = 0");
  if (!f.verdicts.empty()) {
    std::vector<std::string> in;
    for (auto v : f.verdicts) in.push_back(integer(v));
    where.push_back(absl::StrCat("d.current_verdict IN (", absl::StrJoin(in, ","), ")"));
  }
  if (f.risk_signal != common::RISK_SIGNAL_KIND_UNSPECIFIED) {
    where.push_back(absl::StrCat("d.risk_signal = ", integer(f.risk_signal)));
  }
  if (!f.board_number.empty())
    where.push_back(absl::StrCat("d.board_number = ", text(f.board_number)));
  if (f.school_type != common::SCHOOL_TYPE_UNSPECIFIED) {
    where.push_back(absl::StrCat("d.school_type = ", integer(f.school_type)));
  }
  if (!f.region.empty()) where.push_back(absl::StrCat("d.region = ", text(f.region)));
  if (!f.brin.empty()) where.push_back(absl::StrCat("d.brin = ", text(f.brin)));
  const std::string filter_sql =
      where.empty() ? "" : absl::StrCat(" WHERE ", absl::StrJoin(where, " AND "));
  auto bind = [&](soci::statement& st) {
    for (const auto& [name, i] : bind_texts) st.exchange(soci::use(text_values[i], name));
    for (const auto& [name, i] : bind_ints) st.exchange(soci::use(int_values[i], name));
  };
  {
    long long count = 0;
    soci::statement st(sql);
    st.exchange(soci::into(count));
    bind(st);
    st.alloc();
    st.prepare(absl::StrCat("SELECT COUNT(*) FROM departments d", filter_sql));
    st.define_and_bind();
    st.execute(true);
    *total = static_cast<int>(count);
  }
  std::string page_where = filter_sql;
  if (!after_id.empty()) {
    page_where = absl::StrCat(filter_sql.empty() ? " WHERE " : filter_sql + " AND ", "d.id > ",
                              text(after_id));
  }
  soci::row row;
  soci::statement st(sql);
  st.exchange(soci::into(row));
  bind(st);
  st.alloc();
  st.prepare(absl::StrCat("SELECT ", kDepartmentColumns, kDepartmentFrom, page_where,
                          " ORDER BY d.id LIMIT ", limit));
  st.define_and_bind();
  std::vector<pb::Department> out;
  if (st.execute(true)) {
    do {
      out.push_back(DepartmentFromRow(row));
    } while (st.fetch());
  }
  return out;
}

std::vector<pb::Department> InspectionStore::ListByCurrentVerdict(
    soci::session& sql, const std::vector<common::Verdict>& values) {
  DepartmentFilter f;
  f.verdicts = values;
  int total = 0;
  std::vector<pb::Department> out;
  std::string after;
  while (true) {
    auto page = ListDepartments(sql, f, after, 1000, &total);
    if (page.empty()) break;
    after = page.back().name().substr(std::string("departments/").size());
    for (auto& d : page) out.push_back(std::move(d));
  }
  return out;
}

std::optional<pb::Verdict> InspectionStore::GetVerdict(soci::session& sql,
                                                       const std::string& department_id,
                                                       int64_t seq) {
  long long s = seq;
  std::string record;
  soci::indicator ind;
  sql << "SELECT record FROM verdicts WHERE department_id = :d AND seq = :s",
      soci::use(department_id), soci::use(s), soci::into(record, ind);
  if (!sql.got_data()) return std::nullopt;
  return Decode<pb::Verdict>(record);
}

std::vector<pb::Verdict> InspectionStore::ListVerdicts(soci::session& sql,
                                                       const std::string& department_id,
                                                       int64_t before_seq, int limit) {
  long long before = before_seq;
  int lim = limit;
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT record FROM verdicts WHERE department_id = :d AND seq < :b "
                      "ORDER BY seq DESC LIMIT :l",
       soci::use(department_id), soci::use(before), soci::use(lim));
  std::vector<pb::Verdict> out;
  for (const soci::row& r : rows) out.push_back(Decode<pb::Verdict>(RowString(r, 0)));
  return out;
}

std::optional<std::pair<std::string, int64_t>> InspectionStore::FindVerdictBySource(
    soci::session& sql, pb::RecordSource source, const std::string& source_record_id) {
  int src = source;
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT department_id, seq FROM verdicts WHERE source = :s AND "
                      "source_record_id = :r ORDER BY create_us DESC, seq DESC LIMIT 1",
       soci::use(src), soci::use(source_record_id));
  for (const soci::row& r : rows) return std::make_pair(RowString(r, 0), RowInt64(r, 1));
  return std::nullopt;
}

std::vector<TimelineEntry> InspectionStore::LoadTimeline(soci::session& sql) {
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT department_id, seq, value, status, record FROM verdicts");
  std::vector<TimelineEntry> out;
  for (const soci::row& r : rows) {
    TimelineEntry e;
    e.department_id = RowString(r, 0);
    e.sequence = RowInt64(r, 1);
    e.value = static_cast<common::Verdict>(RowInt64(r, 2));
    e.status = static_cast<pb::VerdictStatus>(RowInt64(r, 3));
    e.established = FromDate(Decode<pb::Verdict>(RowString(r, 4)).established_date());
    out.push_back(std::move(e));
  }
  return out;
}

std::optional<pb::RiskSignal> InspectionStore::FindRiskSignalBySource(
    soci::session& sql, const std::string& source_record_id) {
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT record FROM risk_signals WHERE source_record_id = :r "
                      "ORDER BY create_us DESC LIMIT 1",
       soci::use(source_record_id));
  for (const soci::row& r : rows) return Decode<pb::RiskSignal>(RowString(r, 0));
  return std::nullopt;
}

std::vector<pb::RiskSignal> InspectionStore::ListRiskSignals(soci::session& sql,
                                                             const std::string& department_id) {
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT record FROM risk_signals WHERE department_id = :d "
                      "ORDER BY signal_date DESC, create_us DESC",
       soci::use(department_id));
  std::vector<pb::RiskSignal> out;
  for (const soci::row& r : rows) out.push_back(Decode<pb::RiskSignal>(RowString(r, 0)));
  return out;
}

void InspectionStore::InsertRiskSignal(soci::session& sql, const std::string& department_id,
                                       const std::string& id, const pb::RiskSignal& signal,
                                       absl::Time now) {
  int kind = signal.kind();
  std::string date = DateKey(signal.signal_date());
  std::string record = Encode(signal);
  long long at = platform::ToUnixMicrosUtc(now);
  sql << "INSERT INTO risk_signals (id, department_id, kind, signal_date, source_record_id, "
         "record, create_us) VALUES (:id, :d, :k, :sd, :r, :rec, :t)",
      soci::use(id), soci::use(department_id), soci::use(kind), soci::use(date),
      soci::use(signal.source_record_id()), soci::use(record), soci::use(at);
}

void InspectionStore::SetRiskSignal(soci::session& sql, const std::string& department_id,
                                    common::RiskSignalKind kind, absl::Time now) {
  int k = kind;
  long long at = platform::ToUnixMicrosUtc(now);
  sql << "UPDATE departments SET risk_signal = :k, update_us = :t WHERE id = :id", soci::use(k),
      soci::use(at), soci::use(department_id);
}

void InspectionStore::UpdateVerdictRecord(soci::session& sql, const std::string& department_id,
                                          int64_t seq, const pb::Verdict& verdict) {
  int status = verdict.status();
  std::string record = Encode(verdict);
  long long s = seq;
  sql << "UPDATE verdicts SET status = :st, record = :r WHERE department_id = :d AND seq = :s",
      soci::use(status), soci::use(record), soci::use(department_id), soci::use(s);
}

void InspectionStore::CloseDepartment(soci::session& sql, const std::string& id,
                                      const std::string& reason, absl::Time now) {
  long long at = platform::ToUnixMicrosUtc(now);
  long long at2 = at;
  sql << "UPDATE departments SET closed = 1, close_us = :c, close_reason = :r, update_us = :u "
         "WHERE id = :id",
      soci::use(at), soci::use(reason), soci::use(at2), soci::use(id);
}

void InspectionStore::UpdateRegion(soci::session& sql, const std::string& id,
                                   const std::string& region, absl::Time now) {
  long long at = platform::ToUnixMicrosUtc(now);
  sql << "UPDATE departments SET region = :r, update_us = :u WHERE id = :id", soci::use(region),
      soci::use(at), soci::use(id);
}

void InspectionStore::UpsertBoard(soci::session& sql, const pb::Board& board,
                                  const std::string& verdict_text, const std::string& sectors,
                                  absl::Time now) {
  long long at = platform::ToUnixMicrosUtc(now);
  sql << "INSERT INTO boards (number, name, verdict_text, sectors, update_us) "
         "VALUES (:n, :nm, :v, :s, :t) ON CONFLICT (number) DO UPDATE SET name = excluded.name, "
         "verdict_text = excluded.verdict_text, sectors = excluded.sectors, "
         "update_us = excluded.update_us",
      soci::use(board.number()), soci::use(board.name()), soci::use(verdict_text),
      soci::use(sectors), soci::use(at);
}

void InspectionStore::InsertImportRun(soci::session& sql, const pb::ImportRun& run,
                                      absl::Time start) {
  const std::string id = run.name().substr(std::string("importRuns/").size());
  long long at = platform::ToUnixMicrosUtc(start);
  std::string record = Encode(run);
  sql << "INSERT INTO import_runs (id, start_us, record) VALUES (:id, :t, :r)", soci::use(id),
      soci::use(at), soci::use(record);
}

std::optional<pb::ImportRun> InspectionStore::GetImportRun(soci::session& sql,
                                                           const std::string& id) {
  std::string record;
  sql << "SELECT record FROM import_runs WHERE id = :id", soci::use(id), soci::into(record);
  if (!sql.got_data()) return std::nullopt;
  return Decode<pb::ImportRun>(record);
}

std::vector<pb::ImportRun> InspectionStore::ListImportRuns(soci::session& sql,
                                                           int64_t before_start_us,
                                                           const std::string& before_id,
                                                           int limit) {
  long long before = before_start_us;
  long long before2 = before_start_us;
  int lim = limit;
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT record FROM import_runs WHERE start_us < :b OR (start_us = :b2 "
                      "AND id < :id) ORDER BY start_us DESC, id DESC LIMIT :l",
       soci::use(before), soci::use(before2), soci::use(before_id), soci::use(lim));
  std::vector<pb::ImportRun> out;
  for (const soci::row& r : rows) out.push_back(Decode<pb::ImportRun>(RowString(r, 0)));
  return out;
}

std::optional<std::string> InspectionStore::FindCreateRequest(soci::session& sql,
                                                              const std::string& request_id) {
  std::string resource;
  sql << "SELECT resource FROM create_requests WHERE request_id = :r", soci::use(request_id),
      soci::into(resource);
  if (!sql.got_data()) return std::nullopt;
  return resource;
}

void InspectionStore::InsertCreateRequest(soci::session& sql, const std::string& request_id,
                                          const std::string& resource, absl::Time now) {
  long long at = platform::ToUnixMicrosUtc(now);
  sql << "INSERT INTO create_requests (request_id, resource, create_us) VALUES (:r, :res, :t)",
      soci::use(request_id), soci::use(resource), soci::use(at);
}

HistoryWriter::HistoryWriter(soci::session& sql)
    : sql_(sql),
      insert_department_((
          sql.prepare << "INSERT INTO departments (id, brin, location, school_type, track, "
                         "board_number, board_name, display_name, region, next_verdict_seq, "
                         "current_verdict_seq, current_verdict, risk_signal, closed, close_us, "
                         "close_reason, create_us, update_us) VALUES (:id, :brin, :loc, :st, "
                         ":track, :bn, :bname, :dn, :region, 1, 0, 0, 0, 0, 0, '', :c, :u)",
          soci::use(id_, "id"), soci::use(brin_, "brin"), soci::use(location_, "loc"),
          soci::use(school_type_, "st"), soci::use(track_, "track"), soci::use(board_number_, "bn"),
          soci::use(board_name_, "bname"), soci::use(display_name_, "dn"),
          soci::use(region_, "region"), soci::use(now_us_, "c"), soci::use(now_us_, "u"))),
      update_registry_(
          (sql.prepare << "UPDATE departments SET board_number = :bn, board_name = :bname, "
                          "display_name = :dn, update_us = :u WHERE id = :id",
           soci::use(board_number_, "bn"), soci::use(board_name_, "bname"),
           soci::use(display_name_, "dn"), soci::use(now_us_, "u"), soci::use(id_, "id"))),
      insert_verdict_((sql.prepare
                           << "INSERT INTO verdicts (department_id, seq, value, status, "
                              "investigation_number, effective_date, source, source_record_id, "
                              "fingerprint, record, create_us) VALUES (:d, :s, :v, :st, :inv, :ed, "
                              ":src, :sr, :fp, :rec, :c)",
                       soci::use(id_, "d"), soci::use(seq_, "s"), soci::use(value_, "v"),
                       soci::use(status_, "st"), soci::use(investigation_, "inv"),
                       soci::use(effective_date_, "ed"), soci::use(source_, "src"),
                       soci::use(source_record_id_, "sr"), soci::use(fingerprint_, "fp"),
                       soci::use(record_, "rec"), soci::use(now_us_, "c"))),
      set_state_((sql.prepare << "UPDATE departments SET next_verdict_seq = :n, "
                                 "current_verdict_seq = :cs, current_verdict = :cv, update_us = :u "
                                 "WHERE id = :id",
                  soci::use(next_seq_, "n"), soci::use(current_seq_, "cs"), soci::use(value_, "cv"),
                  soci::use(now_us_, "u"), soci::use(id_, "id"))) {}

void HistoryWriter::InsertDepartment(const pb::Department& d, absl::Time now) {
  id_ = d.name().substr(std::string("departments/").size());
  brin_ = d.ref().brin();
  location_ = d.ref().location();
  school_type_ = d.ref().school_type();
  track_ = d.ref().track();
  board_number_ = d.board().number();
  board_name_ = d.board().name();
  display_name_ = d.display_name();
  region_ = d.region();
  now_us_ = platform::ToUnixMicrosUtc(now);
  insert_department_.execute(true);
}

void HistoryWriter::UpdateRegistry(const pb::Department& d, absl::Time now) {
  id_ = d.name().substr(std::string("departments/").size());
  board_number_ = d.board().number();
  board_name_ = d.board().name();
  display_name_ = d.display_name();
  now_us_ = platform::ToUnixMicrosUtc(now);
  update_registry_.execute(true);
}

void HistoryWriter::InsertVerdict(const std::string& department_id, int64_t seq,
                                  const pb::Verdict& verdict, const std::string& effective_date,
                                  const std::string& fingerprint, absl::Time now) {
  id_ = department_id;
  seq_ = seq;
  value_ = verdict.value();
  status_ = verdict.status();
  investigation_ = verdict.investigation_number();
  effective_date_ = effective_date;
  source_ = verdict.source();
  source_record_id_ = verdict.source_record_id();
  fingerprint_ = fingerprint;
  record_ = Encode(verdict);
  now_us_ = platform::ToUnixMicrosUtc(now);
  insert_verdict_.execute(true);
}

void HistoryWriter::SetHistoryState(const std::string& department_id, int64_t next_seq,
                                    int64_t current_seq, common::Verdict current_value,
                                    absl::Time now) {
  id_ = department_id;
  next_seq_ = next_seq;
  current_seq_ = current_seq;
  value_ = current_value;
  now_us_ = platform::ToUnixMicrosUtc(now);
  set_state_.execute(true);
}

}  // namespace lv::inspection
