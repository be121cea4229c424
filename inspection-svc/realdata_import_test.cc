// The seven real publications of the inspectorate (shared/data/inspectorate), imported in date
// order through the domain on SQLite. Expected counts are computed here independently from the
// parsed rows, then compared with what each import run reports and what the store holds.
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "gtest/gtest.h"
#include "inspection-svc/inspection.h"
#include "inspection-svc/inspection_service.h"
#include "inspection-svc/verdict_rules.h"
#include "platform/testing/test_db.h"

namespace lv::inspection {
namespace {

const char* kDates[] = {"20250901", "20251001", "20251101", "20251201",
                        "20260101", "20260202", "20260305"};

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string SchoolFile(const char* date) {
  return absl::StrCat(LV_INSPECTORATE_DATA, "/oordelen-", date, "-scholen.ods");
}

TEST(RealPublications, SevenImportsBuildTheVerdictHistory) {
  ASSERT_TRUE(std::filesystem::exists(SchoolFile(kDates[0])))
      << "the inspectorate's files are missing: " << LV_INSPECTORATE_DATA;
  platform::FakeClock clock;
  auto db = platform::testing::NewTestDatabase(platform::testing::Engine::kSqlite, &clock);
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE((*db)->Migrate("inspection", Migrations()).ok());
  Inspection inspection(db->get(), &clock);
  const Actor actor{{platform::Role::kProjectLeader, "pl"}, "test"};

  int withdrawn = 0;
  // What the history must hold: per department, per investigation, the last fingerprint seen.
  std::map<std::string, std::map<std::string, std::string>> expected;
  std::map<std::string, std::string> latest_value;
  for (const char* date : kDates) {
    const std::string bytes = Read(SchoolFile(date));
    auto parsed = ParseOordelenFile(bytes, pb::FILE_FORMAT_ODS);
    ASSERT_TRUE(parsed.ok()) << date << ": " << parsed.status();
    EXPECT_EQ(parsed->rejected_rows, 0) << date;
    int added = 0, changed = 0, new_departments = 0;
    for (const FileEntry& e : parsed->departments) {
      auto [dept, fresh] = expected.try_emplace(e.department.id);
      new_departments += fresh;
      for (pb::Verdict v : e.verdicts) {
        SetRestorationTerms(&v);
        const std::string fp = VerdictFingerprint(v);
        auto it = dept->second.find(v.investigation_number());
        if (it == dept->second.end()) {
          ++added;
        } else if (it->second != fp) {
          ++changed;
        } else {
          continue;
        }
        dept->second[v.investigation_number()] = fp;
      }
      if (!e.verdicts.empty()) {
        latest_value[e.department.id] = common::Verdict_Name(e.verdicts.back().value());
      }
    }
    ImportOptions options;
    options.file_name = absl::StrCat("oordelen-", date, "-scholen.ods");
    auto run = inspection.ImportFile(bytes, options, actor);
    ASSERT_TRUE(run.ok()) << run.status();
    ASSERT_EQ(run->state(), pb::IMPORT_RUN_STATE_SUCCEEDED) << date;
    EXPECT_EQ(run->departments_added(), new_departments) << date;
    EXPECT_EQ(run->verdicts_added(), added) << date;
    EXPECT_EQ(run->verdicts_changed(), changed) << date;
    withdrawn += run->verdicts_withdrawn();
    EXPECT_EQ(ToDate(*parsed->reference_date).year() > 2024, true);
    if (date != kDates[0]) {
      // Consecutive publications differ by what was established in between: a small share.
      EXPECT_LT(added + changed, parsed->departments.size() / 4) << date;
    }
    clock.Advance(absl::Hours(24 * 30));
  }

  // Exactly one department per object and its current verdict is the last file's.
  DepartmentFilter all;
  all.show_closed = true;
  auto page = inspection.ListDepartments(all, "", 100000, {platform::Role::kProjectLeader, "pl"});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total_size, static_cast<int>(expected.size()));
  int checked = 0;
  for (const pb::Department& d : page->departments) {
    const std::string id = d.name().substr(12);
    auto want = latest_value.find(id);
    if (want == latest_value.end()) continue;
    EXPECT_EQ(common::Verdict_Name(d.current_verdict().value()), want->second) << id;
    ++checked;
  }
  EXPECT_GT(checked, 1000);

  // 20BC-01-vmbob was judged insufficient in the December 2025 publication, and in January the
  // old "no final verdict" row was published again: that verdict was withdrawn.
  EXPECT_GE(withdrawn, 1);
  auto history = inspection.ListVerdicts("20BC-01-vmbob", INT64_MAX, 10,
                                         {platform::Role::kProjectLeader, "pl"});
  ASSERT_TRUE(history.ok());
  bool found_withdrawn = false;
  for (const auto& v : *history) {
    found_withdrawn |=
        v.status() == pb::VERDICT_STATUS_WITHDRAWN && v.value() == common::VERDICT_INSUFFICIENT;
  }
  EXPECT_TRUE(found_withdrawn);

  // Re-importing the newest file changes nothing.
  auto again = inspection.ImportFile(Read(SchoolFile(kDates[6])), {}, actor);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->verdicts_added() + again->verdicts_changed() + again->departments_added(), 0);

  // The board file of the same date.
  auto boards = inspection.ImportFile(
      Read(absl::StrCat(LV_INSPECTORATE_DATA, "/oordelen-20260305-besturen.ods")), {}, actor);
  ASSERT_TRUE(boards.ok());
  EXPECT_EQ(boards->kind(), pb::FILE_KIND_BOARDS);
  EXPECT_EQ(boards->state(), pb::IMPORT_RUN_STATE_SUCCEEDED);
  EXPECT_GT(boards->boards_added(), 100);
}

}  // namespace
}  // namespace lv::inspection
