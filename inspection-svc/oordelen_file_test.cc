#include "inspection-svc/oordelen_file.h"

#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "inspection-svc/verdict_rules.h"

namespace lv::inspection {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Fixture() {
  return ReadFile(std::string(LV_INSPECTION_TESTDATA) + "/oordelen-fixture-scholen.ods");
}

const FileEntry* Find(const ParsedFile& f, const std::string& id) {
  for (const auto& e : f.departments) {
    if (e.department.id == id) return &e;
  }
  return nullptr;
}

// The fixture's rows re-written as CSV, the way a user might save the spreadsheet.
std::string AsCsv(char delimiter) {
  std::vector<std::string> lines;
  EXPECT_TRUE(
      ReadOdsRows(Fixture(), [&](const SheetRow& row) {
        std::vector<std::string> cells;
        for (const auto& c : row.cells) {
          cells.push_back(absl::StrCat("\"", absl::StrReplaceAll(c, {{"\"", "\"\""}}), "\""));
        }
        lines.push_back(absl::StrJoin(cells, std::string(1, delimiter)));
        return absl::OkStatus();
      }).ok());
  return absl::StrJoin(lines, "\r\n") + "\r\n";
}

TEST(OordelenFile, ReadsTheRealFormatFixture) {
  auto f = ParseOordelenFile(Fixture(), pb::FILE_FORMAT_UNSPECIFIED);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->kind, pb::FILE_KIND_SCHOOLS);
  EXPECT_EQ(f->reference_date, absl::CivilDay(2026, 3, 1));
  EXPECT_EQ(f->rows_read, 22);
  EXPECT_EQ(f->rows_skipped, 5);  // primary schools
  EXPECT_EQ(f->rejected_rows, 0) << (f->errors.empty() ? "" : f->errors[0].reason());

  const FileEntry* havo = Find(*f, "00DI-02-havo");  // one investigation in two framework rows
  ASSERT_NE(havo, nullptr);
  ASSERT_EQ(havo->verdicts.size(), 1u);
  const pb::Verdict& v = havo->verdicts[0];
  EXPECT_EQ(v.value(), common::VERDICT_SUFFICIENT);
  EXPECT_EQ(v.investigation_number(), "310920");
  EXPECT_EQ(v.status(), pb::VERDICT_STATUS_ESTABLISHED);
  std::set<std::string> frameworks;
  for (const auto& s : v.standards()) frameworks.insert(s.framework());
  EXPECT_EQ(frameworks, (std::set<std::string>{"VO2021", "VO_WV2021"}));
  EXPECT_EQ(havo->department.board.number(), "41143");

  const FileEntry* very_weak = Find(*f, "00CB-02-havo");
  ASSERT_NE(very_weak, nullptr);
  EXPECT_EQ(very_weak->verdicts[0].value(), common::VERDICT_VERY_WEAK);
  EXPECT_TRUE(very_weak->verdicts[0].data_quality_findings().empty());
  EXPECT_EQ(very_weak->verdicts[0].restoration_deadline().year(), 2026);

  int flagged = 0;
  for (const auto& e : f->departments) {
    for (const auto& vd : e.verdicts) flagged += vd.data_quality_findings_size();
  }
  EXPECT_EQ(flagged, 1);  // the very-weak row without a results judgement: kept and flagged

  const FileEntry* location = Find(*f, "20CH-00-location");
  ASSERT_NE(location, nullptr);
  EXPECT_EQ(location->department.display_name, "Lycée International, NL-afd.");
  EXPECT_TRUE(location->verdicts.empty());  // Geen eindoordeel without an investigation
  const FileEntry* other = Find(*f, "02IB-05-overig");
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(other->department.ref.school_type(), common::SCHOOL_TYPE_OTHER);
  EXPECT_EQ(other->department.ref.track(), "OVERIG");
}

TEST(OordelenFile, CsvInEitherSeparatorAndEncodingReadsTheSame) {
  auto ods = ParseOordelenFile(Fixture(), pb::FILE_FORMAT_ODS);
  ASSERT_TRUE(ods.ok());
  std::string semicolon_utf8 = "\xEF\xBB\xBF" + AsCsv(';');
  // Windows-1252: the one non-ASCII character of the fixture (é) as a single byte.
  std::string comma_1252 = absl::StrReplaceAll(AsCsv(','), {{"\xC3\xA9", "\xE9"}});
  for (const std::string& csv : {semicolon_utf8, comma_1252}) {
    auto parsed = ParseOordelenFile(csv, pb::FILE_FORMAT_UNSPECIFIED);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    ASSERT_EQ(parsed->departments.size(), ods->departments.size());
    for (size_t i = 0; i < parsed->departments.size(); ++i) {
      const auto& a = parsed->departments[i];
      const auto& b = ods->departments[i];
      EXPECT_EQ(a.department.id, b.department.id);
      EXPECT_EQ(a.department.display_name, b.department.display_name);
      ASSERT_EQ(a.verdicts.size(), b.verdicts.size());
      for (size_t k = 0; k < a.verdicts.size(); ++k) {
        EXPECT_EQ(VerdictFingerprint(a.verdicts[k]), VerdictFingerprint(b.verdicts[k]));
      }
    }
  }
}

TEST(OordelenFile, MissingRequiredColumnIsNamed) {
  std::string csv = AsCsv(';');
  csv = absl::StrReplaceAll(csv, {{"\"Vestiging\"", "\"Locatie\""}});
  auto parsed = ParseOordelenFile(csv, pb::FILE_FORMAT_CSV);
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("'Vestiging'"), std::string::npos) << parsed.status();
}

TEST(OordelenFile, TruncatedAndBinaryFilesAreRefused) {
  std::string ods = Fixture();
  auto truncated = ParseOordelenFile(ods.substr(0, ods.size() / 2), pb::FILE_FORMAT_UNSPECIFIED);
  EXPECT_EQ(truncated.status().code(), absl::StatusCode::kInvalidArgument) << truncated.status();
  std::string binary(
      "\x7f"
      "ELF\x02\x01\x01\x00\x00\x00\x81\x8d",
      14);
  auto garbage = ParseOordelenFile(binary, pb::FILE_FORMAT_UNSPECIFIED);
  EXPECT_EQ(garbage.status().code(), absl::StatusCode::kInvalidArgument) << garbage.status();
  EXPECT_FALSE(ParseOordelenFile("", pb::FILE_FORMAT_UNSPECIFIED).ok());
}

TEST(OordelenFile, BadRowsAreReportedWithLineColumnValueAndReason) {
  const std::string header =
      "Peildatum;Sector;OVT;OVTNaam;Elementtype;KwaliteitOnderwijs;Onderzoeksnummer;"
      "TypeOnderzoekCode;TypeOnderzoek;Vaststellingsdatum;Publicatiedatum;Bestuursnummer;"
      "Bestuursnaam;TypeOVT;BetrokkenVestigingen;BRIN;Vestiging;Kader;OR1\n";
  const std::string rows =
      "01-03-2026;VO;0AAH|00|HAVO;HAVO;ODS;Voldoende;1;X;x;20250101;20250102;1;B;VOS;;0AAH;00;K;\n"
      "01-03-2026;VO;00AH|00|HAVO;HAVO;ODS;Matig;2;X;x;20250101;20250102;1;B;VOS;;00AH;00;K;\n"
      "01-03-2026;VO;00AH|00|VWO;VWO;ODS;Voldoende;3;X;x;20250301;20250102;1;B;VOS;;00AH;00;K;\n"
      "01-03-2026;VO;00AH|00|VMBOK;VMBOK;ODS;Voldoende;4;X;x;20250101;20250102;1;B;VOS;;00AH;00;K;"
      "Slecht\n"
      "01-03-2026;VO;00AH|00|PRO;PRO;ODS;Voldoende;5;X;x;20250101;20250102;1;B;VOS;;00AH;00;K;\n";
  auto parsed = ParseOordelenFile(header + rows, pb::FILE_FORMAT_CSV);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->errors.size(), 4u);
  EXPECT_EQ(parsed->errors[0].line(), 2);
  EXPECT_EQ(parsed->errors[0].column(), "BRIN");
  EXPECT_EQ(parsed->errors[0].value(), "0AAH");
  EXPECT_EQ(parsed->errors[1].column(), "KwaliteitOnderwijs");
  EXPECT_EQ(parsed->errors[1].value(), "Matig");
  EXPECT_EQ(parsed->errors[2].column(), "Publicatiedatum");
  EXPECT_NE(parsed->errors[2].reason().find("before"), std::string::npos);
  EXPECT_EQ(parsed->errors[3].column(), "OR1");
  EXPECT_EQ(parsed->departments.size(), 1u);  // only the good row
}

}  // namespace
}  // namespace lv::inspection
