#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace lv::inspection {

// One row of a spreadsheet: its 1-based line (the header is line 1) and its cells as text.
struct SheetRow {
  int line = 0;
  std::vector<std::string> cells;
};

// Called for every non-empty row in order; a non-OK status stops reading and is returned.
using RowVisitor = std::function<absl::Status(const SheetRow& row)>;

// Streams the first sheet of an OpenDocument spreadsheet held in `bytes`: libzip inflates
// content.xml piece by piece into expat, so no document tree is ever built. Repeated cells and rows
// (table:number-*-repeated) are expanded, capped at `max_columns`; trailing empty cells are
// dropped. A damaged, truncated or non-ODS file is INVALID_ARGUMENT saying what is wrong.
absl::Status ReadOdsRows(absl::string_view bytes, const RowVisitor& visit, int max_columns = 256);

// Reads CSV with the same visitor: ';' or ',' separated (whichever the header uses), quoted fields
// per RFC 4180 (libcsv), UTF-8 (with or without BOM) or Windows-1252 (converted to UTF-8).
absl::Status ReadCsvRows(absl::string_view bytes, const RowVisitor& visit);

// True when `bytes` starts like a zip archive (an ODS file).
bool LooksLikeZip(absl::string_view bytes);

}  // namespace lv::inspection
