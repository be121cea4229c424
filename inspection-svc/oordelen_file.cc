#include "inspection-svc/oordelen_file.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "inspection-svc/department_key.h"
#include "inspection-svc/verdict_rules.h"

namespace lv::inspection {
namespace {

constexpr const char* kSchoolColumns[] = {"Peildatum",
                                          "Sector",
                                          "OVT",
                                          "OVTNaam",
                                          "Elementtype",
                                          "KwaliteitOnderwijs",
                                          "Onderzoeksnummer",
                                          "TypeOnderzoekCode",
                                          "TypeOnderzoek",
                                          "Vaststellingsdatum",
                                          "Publicatiedatum",
                                          "Bestuursnummer",
                                          "Bestuursnaam",
                                          "BRIN",
                                          "Vestiging",
                                          "Kader"};
constexpr const char* kBoardColumns[] = {"Peildatum", "Bestuursnummer", "Bestuursnaam",
                                         "SectorenBijBestuur", "Eindoordeel"};
// Columns of the school file that hold standard judgements (both frameworks, WV rules too).
constexpr const char* kStandardCodes[] = {
    "WV1", "WV2", "WV3", "WV4",  "WV5",  "WV6",  "WV7", "1.1", "2.1", "2.2",   "3.1",
    "4.1", "4.2", "5.1", "5.2",  "6.1",  "OP",   "OP0", "OP1", "OP2", "OP2SN", "OP3",
    "OP4", "OP5", "OP6", "OP7",  "OP8",  "SK",   "SK1", "SK2", "VS1", "VS2",   "OR",
    "OR1", "OR2", "OR3", "SKA1", "SKA2", "SKA3", "KA",  "KA1", "KA2", "KA3",   "BA2"};

// The board file writes numbers as Excel text formulas: ="00008".
std::string BoardNumber(absl::string_view raw) {
  absl::string_view s = absl::StripAsciiWhitespace(raw);
  if (absl::ConsumePrefix(&s, "=\"")) absl::ConsumeSuffix(&s, "\"");
  return std::string(s);
}

bool AllDigits(absl::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isdigit(c); });
}

void MergeStandards(const pb::Verdict& from, pb::Verdict* into) {
  for (const auto& s : from.standards()) {
    bool seen = false;
    for (const auto& t : into->standards()) {
      seen = seen || (t.framework() == s.framework() && t.code() == s.code() &&
                      t.judgement() == s.judgement());
    }
    if (!seen) *into->add_standards() = s;
  }
}

}  // namespace

const std::string& OordelenFileParser::Cell(const SheetRow& row, int column) const {
  static const std::string* empty = new std::string();
  return column >= 0 && column < static_cast<int>(row.cells.size()) ? row.cells[column] : *empty;
}

void OordelenFileParser::Reject(const SheetRow& row, int column, absl::string_view reason) {
  ++file_.rejected_rows;
  if (file_.errors.size() >= 1000) return;
  pb::RowError& e = file_.errors.emplace_back();
  e.set_line(row.line);
  if (column >= 0 && column < static_cast<int>(header_.size())) e.set_column(header_[column]);
  e.set_value(Cell(row, column));
  e.set_reason(std::string(reason));
}

absl::Status OordelenFileParser::ReadHeader(const SheetRow& row) {
  for (size_t i = 0; i < row.cells.size(); ++i) {
    std::string name(absl::StripAsciiWhitespace(row.cells[i]));
    header_.push_back(name);
    if (!name.empty() && !column_.contains(name)) column_[name] = static_cast<int>(i);
  }
  const bool boards = column_.contains("SectorenBijBestuur") || column_.contains("Eindoordeel");
  file_.kind = boards ? pb::FILE_KIND_BOARDS : pb::FILE_KIND_SCHOOLS;
  auto require = [&](auto& names) -> absl::Status {
    for (const char* name : names) {
      if (!column_.contains(name)) {
        return absl::InvalidArgumentError(
            absl::StrCat("the file lacks the required column '", name, "' (line ", row.line,
                         " must be the header of an inspectorate Oordelen file)"));
      }
    }
    return absl::OkStatus();
  };
  if (boards) {
    if (absl::Status s = require(kBoardColumns); !s.ok()) return s;
  } else {
    if (absl::Status s = require(kSchoolColumns); !s.ok()) return s;
    for (const char* code : kStandardCodes) {
      auto it = column_.find(code);
      if (it != column_.end()) standard_columns_.emplace_back(it->second, code);
    }
  }
  header_read_ = true;
  return absl::OkStatus();
}

absl::Status OordelenFileParser::AddRow(const SheetRow& row) {
  if (!header_read_) return ReadHeader(row);
  ++file_.rows_read;
  if (!file_.reference_date) {
    auto date = ParseDutchDate(Cell(row, column_["Peildatum"]));
    if (date.ok()) file_.reference_date = *date;
  }
  if (file_.kind == pb::FILE_KIND_BOARDS) {
    AddBoardRow(row);
  } else {
    AddSchoolRow(row);
  }
  return absl::OkStatus();
}

void OordelenFileParser::AddBoardRow(const SheetRow& row) {
  const std::string sectors = Cell(row, column_["SectorenBijBestuur"]);
  bool vo = false;
  for (absl::string_view s : absl::StrSplit(sectors, absl::ByAnyChar(",; "))) vo = vo || s == "VO";
  if (!vo) {
    ++file_.rows_skipped;
    return;
  }
  const int number_col = column_["Bestuursnummer"];
  const std::string number = BoardNumber(Cell(row, number_col));
  if (!AllDigits(number)) {
    Reject(row, number_col, "board number must be digits");
    return;
  }
  FileBoard& b = file_.boards.emplace_back();
  b.board.set_number(number);
  b.board.set_name(Cell(row, column_["Bestuursnaam"]));
  b.verdict_text = Cell(row, column_["Eindoordeel"]);
  b.sectors = sectors;
}

void OordelenFileParser::AddSchoolRow(const SheetRow& row) {
  if (Cell(row, column_["Sector"]) != "VO") {
    ++file_.rows_skipped;
    return;
  }
  const int brin_col = column_["BRIN"], loc_col = column_["Vestiging"], ovt_col = column_["OVT"];
  const std::string& brin = Cell(row, brin_col);
  const std::string& location = Cell(row, loc_col);
  if (!ValidateBrin(brin).ok()) return Reject(row, brin_col, ValidateBrin(brin).message());
  if (!ValidateLocation(location).ok()) {
    return Reject(row, loc_col, ValidateLocation(location).message());
  }
  // OVT is BRIN|location|track; location-level objects (elementtype VST) have no track.
  std::vector<std::string> ovt = absl::StrSplit(Cell(row, ovt_col), '|');
  if (ovt.size() < 2 || ovt[0] != brin || ovt[1] != location) {
    return Reject(row, ovt_col, "OVT does not match BRIN and Vestiging");
  }
  const std::string track = ovt.size() >= 3 ? ovt[2] : "";
  FileDepartment dept;
  dept.ref.set_brin(brin);
  dept.ref.set_location(location);
  dept.ref.set_school_type(track.empty() ? common::SCHOOL_TYPE_OTHER : SchoolTypeFromTrack(track));
  if (dept.ref.school_type() == common::SCHOOL_TYPE_OTHER) dept.ref.set_track(track);
  auto id = DepartmentId(dept.ref);
  if (!id.ok()) return Reject(row, ovt_col, id.status().message());
  dept.id = *id;
  const int board_col = column_["Bestuursnummer"];
  const std::string board_number = BoardNumber(Cell(row, board_col));
  if (!board_number.empty() && !AllDigits(board_number)) {
    return Reject(row, board_col, "board number must be digits");
  }
  dept.board.set_number(board_number);
  dept.board.set_name(Cell(row, column_["Bestuursnaam"]));
  // For location-level rows OVTNaam is the school's name; for departments it repeats the track.
  if (track.empty()) dept.display_name = Cell(row, column_["OVTNaam"]);

  const int verdict_col = column_["KwaliteitOnderwijs"];
  auto value = ParseVerdictText(Cell(row, verdict_col));
  if (!value.ok()) return Reject(row, verdict_col, value.status().message());
  const std::string& investigation = Cell(row, column_["Onderzoeksnummer"]);
  std::optional<pb::Verdict> verdict;
  if (!investigation.empty() || *value != common::VERDICT_NO_FINAL_VERDICT) {
    pb::Verdict v;
    v.set_value(*value);
    v.set_investigation_number(investigation);
    v.set_investigation_type_code(Cell(row, column_["TypeOnderzoekCode"]));
    v.set_investigation_type(Cell(row, column_["TypeOnderzoek"]));
    v.set_source(pb::RECORD_SOURCE_FILE);
    const int est_col = column_["Vaststellingsdatum"], pub_col = column_["Publicatiedatum"];
    std::optional<absl::CivilDay> established, published;
    if (!Cell(row, est_col).empty()) {
      auto d = ParseCompactDate(Cell(row, est_col));
      if (!d.ok()) return Reject(row, est_col, d.status().message());
      established = *d;
      *v.mutable_established_date() = ToDate(*d);
    }
    if (!Cell(row, pub_col).empty()) {
      auto d = ParseCompactDate(Cell(row, pub_col));
      if (!d.ok()) return Reject(row, pub_col, d.status().message());
      published = *d;
      *v.mutable_publication_date() = ToDate(*d);
    }
    if (established && published && *published < *established) {
      return Reject(row, pub_col, "published before it was established");
    }
    // The open data lists decisions: a dated row is established, an undated one provisional.
    v.set_status(established ? pb::VERDICT_STATUS_ESTABLISHED : pb::VERDICT_STATUS_PROVISIONAL);
    const std::string& framework = Cell(row, column_["Kader"]);
    for (const auto& [col, code] : standard_columns_) {
      const std::string& cell = Cell(row, col);
      if (cell.empty()) continue;
      auto judgement = ParseJudgementText(cell);
      if (!judgement.ok()) return Reject(row, col, judgement.status().message());
      auto* s = v.add_standards();
      s->set_framework(framework);
      s->set_code(code);
      s->set_judgement(*judgement);
    }
    verdict = std::move(v);
  }

  auto [it, inserted] = department_index_.try_emplace(dept.id, file_.departments.size());
  if (inserted) {
    file_.departments.push_back(FileEntry{dept, {}, row.line});
    investigation_index_.emplace_back();
  }
  FileEntry& entry = file_.departments[it->second];
  if (!verdict) return;
  auto& by_investigation = investigation_index_[it->second];
  auto [inv, fresh] =
      by_investigation.try_emplace(verdict->investigation_number(), entry.verdicts.size());
  if (fresh) {
    entry.verdicts.push_back(std::move(*verdict));
    return;
  }
  // The same investigation under another framework: one verdict, every judgement kept.
  pb::Verdict& known = entry.verdicts[inv->second];
  if (known.value() != verdict->value()) {
    known.add_data_quality_findings(absl::StrCat("line ", row.line,
                                                 ": the same investigation is also recorded as ",
                                                 common::Verdict_Name(verdict->value())));
  }
  MergeStandards(*verdict, &known);
}

ParsedFile OordelenFileParser::Finish() {
  for (FileEntry& entry : file_.departments) {
    std::stable_sort(entry.verdicts.begin(), entry.verdicts.end(),
                     [](const pb::Verdict& a, const pb::Verdict& b) {
                       auto da = FromDate(a.established_date()),
                            db = FromDate(b.established_date());
                       return da < db;
                     });
    for (pb::Verdict& v : entry.verdicts) {
      if (auto finding = VeryWeakRuleFinding(v)) v.add_data_quality_findings(*finding);
      SetRestorationTerms(&v);
    }
  }
  return std::move(file_);
}

absl::StatusOr<ParsedFile> ParseOordelenFile(absl::string_view bytes, pb::FileFormat format) {
  if (bytes.empty()) return absl::InvalidArgumentError("the file is empty");
  if (format == pb::FILE_FORMAT_UNSPECIFIED) {
    format = LooksLikeZip(bytes) ? pb::FILE_FORMAT_ODS : pb::FILE_FORMAT_CSV;
  }
  OordelenFileParser parser;
  auto visit = [&](const SheetRow& row) { return parser.AddRow(row); };
  absl::Status read =
      format == pb::FILE_FORMAT_ODS ? ReadOdsRows(bytes, visit) : ReadCsvRows(bytes, visit);
  if (!read.ok()) return read;
  ParsedFile parsed = parser.Finish();
  if (parsed.kind == pb::FILE_KIND_UNSPECIFIED) {
    return absl::InvalidArgumentError("the file has no header row");
  }
  return parsed;
}

}  // namespace lv::inspection
