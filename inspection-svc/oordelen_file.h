#pragma once

// The inspectorate's "Oordelen" open-data files (README in shared/data/inspectorate): turning
// their rows into departments, boards and verdicts. Pure: no storage, no gRPC.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "inspection-svc/sheet_reader.h"
#include "lerenverbeteren/inspection/v1/inspection_service.pb.h"

namespace lv::inspection {

namespace pb = ::lerenverbeteren::inspection::v1;
namespace common = ::lerenverbeteren::common::v1;

// A department as a file row describes it.
struct FileDepartment {
  std::string id;  // "00AH-00-havo"
  common::DepartmentRef ref;
  pb::Board board;
  std::string display_name;
};

// Everything one file says about one department: the department and its verdicts, one per
// investigation, oldest first (rows of the same investigation under several frameworks merged).
struct FileEntry {
  FileDepartment department;
  std::vector<pb::Verdict> verdicts;
  int first_line = 0;
};

struct FileBoard {
  pb::Board board;
  std::string verdict_text;  // Eindoordeel, as published
  std::string sectors;
};

// What a whole file holds once read.
struct ParsedFile {
  pb::FileKind kind = pb::FILE_KIND_UNSPECIFIED;
  std::optional<absl::CivilDay> reference_date;  // Peildatum
  int rows_read = 0;                             // data rows (without the header)
  int rows_skipped = 0;                          // other sectors
  std::vector<FileEntry> departments;            // in file order of first appearance
  std::vector<FileBoard> boards;                 // board files: VO boards
  std::vector<pb::RowError> errors;              // rejected rows
  int rejected_rows = 0;
};

// Reads rows one by one (streaming): the first row must be the header of a school or board
// file (detected from its columns); a missing required column fails at once, naming it. Bad rows
// are collected as RowErrors (line, column, value, reason) and left out.
class OordelenFileParser {
 public:
  absl::Status AddRow(const SheetRow& row);
  // Merges what was read. Call once after the last row.
  ParsedFile Finish();

 private:
  absl::Status ReadHeader(const SheetRow& row);
  void AddSchoolRow(const SheetRow& row);
  void AddBoardRow(const SheetRow& row);
  const std::string& Cell(const SheetRow& row, int column) const;
  void Reject(const SheetRow& row, int column, absl::string_view reason);

  ParsedFile file_;
  std::vector<std::string> header_;
  absl::flat_hash_map<std::string, int> column_;
  std::vector<std::pair<int, std::string>> standard_columns_;  // (index, code)
  // department id -> position in file_.departments; investigation -> verdict index per department
  absl::flat_hash_map<std::string, size_t> department_index_;
  std::vector<std::map<std::string, size_t>> investigation_index_;
  bool header_read_ = false;
};

// Reads a whole upload (ODS or CSV, detected when `format` is unspecified).
absl::StatusOr<ParsedFile> ParseOordelenFile(absl::string_view bytes, pb::FileFormat format);

}  // namespace lv::inspection
