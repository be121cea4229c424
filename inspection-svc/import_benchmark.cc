// Import throughput (Google Benchmark; not part of the test run):
//   build/inspection-svc/inspection_import_benchmark
// Real publication: shared/data/inspectorate/oordelen-20260305-scholen.ods (11,400 rows).
// Synthetic: 100,000 secondary-school rows in the same ODS format, generated here.
#include <zip.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "benchmark/benchmark.h"
#include "inspection-svc/inspection.h"
#include "inspection-svc/inspection_service.h"
#include "platform/testing/test_db.h"

namespace lv::inspection {
namespace {

std::string RealPublication() {
  std::ifstream in(absl::StrCat(LV_INSPECTORATE_DATA, "/oordelen-20260305-scholen.ods"),
                   std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Cell(absl::string_view text) {
  return absl::StrCat(R"(<table:table-cell office:value-type="string"><text:p>)", text,
                      "</text:p></table:table-cell>");
}

// An ODS file like the inspectorate's: the school file's columns, `rows` VO rows.
std::string SyntheticPublication(int rows) {
  const char* columns[] = {"Peildatum",
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
                           "TypeOVT",
                           "BetrokkenVestigingen",
                           "BRIN",
                           "Vestiging",
                           "Kader",
                           "OP2",
                           "OP3",
                           "VS1",
                           "OR1"};
  const char* tracks[] = {"VMBOB", "VMBOK", "VMBOGT", "HAVO", "VWO", "PRO"};
  const char* verdicts[] = {"Voldoende",   "Voldoende", "Voldoende",
                            "Onvoldoende", "Zeer zwak", "Goed"};
  std::string xml =
      R"(<?xml version="1.0" encoding="UTF-8"?><office:document-content )"
      R"(xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" )"
      R"(xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" )"
      R"(xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">)"
      R"(<office:body><office:spreadsheet><table:table table:name="Sheet_1"><table:table-row>)";
  for (const char* c : columns) xml += Cell(c);
  xml += "</table:table-row>";
  for (int i = 0; i < rows; ++i) {
    const int school = i / 6;
    const std::string brin = absl::StrFormat("%02d%c%c", school % 100, 'A' + (school / 100) % 26,
                                             'A' + (school / 2600) % 26);
    const std::string location = absl::StrFormat("%02d", (school / 67600) % 100);
    const char* track = tracks[i % 6];
    const char* verdict = verdicts[(i / 7) % 6];
    const bool weak = verdict[0] == 'Z';
    xml += "<table:table-row>";
    for (const std::string& v : {std::string("01-03-2026"),
                                 std::string("VO"),
                                 absl::StrCat(brin, "|", location, "|", track),
                                 std::string(track),
                                 std::string("ODS"),
                                 std::string(verdict),
                                 absl::StrCat(300000 + i),
                                 std::string("KORISICO21"),
                                 std::string("Kwaliteitsonderzoek"),
                                 std::string("20250918"),
                                 std::string("20251009"),
                                 absl::StrCat(40000 + school % 1000),
                                 std::string("Stichting Synthetisch"),
                                 std::string("VOS"),
                                 absl::StrCat(brin, "|", location),
                                 brin,
                                 location,
                                 std::string("VO2021_V23"),
                                 std::string(weak ? "Onvoldoende" : "Voldoende"),
                                 std::string("Voldoende"),
                                 std::string("Voldoende"),
                                 std::string(weak ? "Onvoldoende" : "Voldoende")}) {
      xml += Cell(v);
    }
    xml += "</table:table-row>";
  }
  xml += "</table:table></office:spreadsheet></office:body></office:document-content>";

  const std::string path = std::filesystem::temp_directory_path() / "lv-synthetic.ods";
  int error = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  static const char kMime[] = "application/vnd.oasis.opendocument.spreadsheet";
  zip_file_add(z, "mimetype", zip_source_buffer(z, kMime, sizeof(kMime) - 1, 0), 0);
  zip_file_add(z, "content.xml", zip_source_buffer(z, xml.data(), xml.size(), 0), 0);
  zip_close(z);
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const Actor kActor{{platform::Role::kProjectLeader, "bench"}, "bench"};

void Parse(benchmark::State& state, const std::string& bytes) {
  int rows = 0;
  for (auto _ : state) {
    auto parsed = ParseOordelenFile(bytes, pb::FILE_FORMAT_ODS);
    rows = parsed->rows_read;
  }
  state.counters["rows/s"] = benchmark::Counter(static_cast<double>(rows) * state.iterations(),
                                                benchmark::Counter::kIsRate);
}

void Import(benchmark::State& state, const std::string& bytes, bool reimport) {
  int rows = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto db = platform::testing::NewTestDatabase(platform::testing::Engine::kSqlite,
                                                 &platform::RealClock());
    (void)(*db)->Migrate("inspection", Migrations());
    Inspection inspection(db->get(), &platform::RealClock());
    if (reimport) (void)inspection.ImportFile(bytes, {}, kActor);
    state.ResumeTiming();
    auto run = inspection.ImportFile(bytes, {}, kActor);
    if (!run.ok() || run->state() != pb::IMPORT_RUN_STATE_SUCCEEDED) {
      state.SkipWithError("import failed");
      break;
    }
    rows = run->rows_read();
  }
  state.counters["rows/s"] = benchmark::Counter(static_cast<double>(rows) * state.iterations(),
                                                benchmark::Counter::kIsRate);
}

void BM_ParseRealPublication(benchmark::State& s) { Parse(s, RealPublication()); }
void BM_ImportRealPublicationFirst(benchmark::State& s) { Import(s, RealPublication(), false); }
void BM_ImportRealPublicationUnchanged(benchmark::State& s) { Import(s, RealPublication(), true); }
void BM_ParseSynthetic100k(benchmark::State& s) { Parse(s, SyntheticPublication(100000)); }
void BM_ImportSynthetic100kFirst(benchmark::State& s) {
  Import(s, SyntheticPublication(100000), false);
}
void BM_ImportSynthetic100kUnchanged(benchmark::State& s) {
  Import(s, SyntheticPublication(100000), true);
}

BENCHMARK(BM_ParseRealPublication)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ImportRealPublicationFirst)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ImportRealPublicationUnchanged)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParseSynthetic100k)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_ImportSynthetic100kFirst)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_ImportSynthetic100kUnchanged)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace lv::inspection

BENCHMARK_MAIN();
