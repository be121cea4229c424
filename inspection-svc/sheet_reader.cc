#include "inspection-svc/sheet_reader.h"

#include <expat.h>
#include <iconv.h>
#include <zip.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "csv.h"

namespace lv::inspection {
namespace {

constexpr char kTableNs[] = "urn:oasis:names:tc:opendocument:xmlns:table:1.0";
constexpr char kTextNs[] = "urn:oasis:names:tc:opendocument:xmlns:text:1.0";

// Element and attribute names with the document's own prefixes. Expat's namespace mode costs
// about a third of the parse on these files, so the parser runs without it and learns the
// prefixes from the root element's xmlns declarations instead (ODS writers use "table:" and
// "text:", which are the defaults).
struct OdsNames {
  std::string table, row, cell, covered, p, s, tab, line_break;
  std::string rows_repeated, cols_repeated, space_count;
  void Set(const std::string& table_prefix, const std::string& text_prefix) {
    const std::string t = table_prefix + ":", x = text_prefix + ":";
    table = t + "table";
    row = t + "table-row";
    cell = t + "table-cell";
    covered = t + "covered-table-cell";
    rows_repeated = t + "number-rows-repeated";
    cols_repeated = t + "number-columns-repeated";
    p = x + "p";
    s = x + "s";
    tab = x + "tab";
    line_break = x + "line-break";
    space_count = x + "c";
  }
};

const char* Attr(const XML_Char** attrs, const std::string& name) {
  for (int i = 0; attrs[i] != nullptr; i += 2) {
    if (name == attrs[i]) return attrs[i + 1];
  }
  return nullptr;
}

int RepeatCount(const XML_Char** attrs, const std::string& name) {
  const char* v = Attr(attrs, name);
  if (v == nullptr) return 1;
  long n = std::strtol(v, nullptr, 10);
  return n < 1 ? 1 : (n > 1000000 ? 1000000 : static_cast<int>(n));
}

class OdsParser {
 public:
  OdsParser(const RowVisitor& visit, int max_columns) : visit_(visit), max_columns_(max_columns) {
    parser_ = XML_ParserCreate(nullptr);
    names_.Set("table", "text");
    XML_SetUserData(parser_, this);
    XML_SetElementHandler(parser_, &OdsParser::Start, &OdsParser::End);
    XML_SetCharacterDataHandler(parser_, &OdsParser::Text);
  }
  ~OdsParser() { XML_ParserFree(parser_); }

  absl::Status Feed(const char* data, int len, bool last) {
    if (done_) return absl::OkStatus();
    if (XML_Parse(parser_, data, len, last ? 1 : 0) == XML_STATUS_ERROR) {
      if (!status_.ok()) return status_;   // stopped by the visitor
      if (done_) return absl::OkStatus();  // stopped after the first sheet
      return absl::InvalidArgumentError(absl::StrCat("content.xml is not well-formed at line ",
                                                     XML_GetCurrentLineNumber(parser_), ": ",
                                                     XML_ErrorString(XML_GetErrorCode(parser_))));
    }
    return status_;
  }
  bool saw_table() const { return tables_ > 0; }
  bool done() const { return done_; }

 private:
  static void Start(void* self, const XML_Char* name, const XML_Char** attrs) {
    static_cast<OdsParser*>(self)->OnStart(name, attrs);
  }
  static void End(void* self, const XML_Char* name) { static_cast<OdsParser*>(self)->OnEnd(name); }
  static void Text(void* self, const XML_Char* s, int len) {
    auto* p = static_cast<OdsParser*>(self);
    if (p->in_cell_ && p->tables_ == 1) p->cell_.append(s, len);
  }

  void OnStart(const XML_Char* name, const XML_Char** attrs) {
    if (!root_seen_) {
      root_seen_ = true;
      std::string table = "table", text = "text";
      for (int i = 0; attrs[i] != nullptr; i += 2) {
        if (std::strncmp(attrs[i], "xmlns:", 6) != 0) continue;
        if (std::strcmp(attrs[i + 1], kTableNs) == 0) table = attrs[i] + 6;
        if (std::strcmp(attrs[i + 1], kTextNs) == 0) text = attrs[i] + 6;
      }
      names_.Set(table, text);
    }
    if (names_.table == name) {
      ++tables_;
      return;
    }
    if (tables_ != 1) return;  // only the first sheet
    if (names_.row == name) {
      row_.cells.clear();
      rows_repeated_ = RepeatCount(attrs, names_.rows_repeated);
    } else if (names_.cell == name || names_.covered == name) {
      in_cell_ = true;
      paragraphs_ = 0;
      cell_.clear();
      cols_repeated_ = RepeatCount(attrs, names_.cols_repeated);
    } else if (in_cell_ && names_.p == name) {
      if (paragraphs_++ > 0) cell_.push_back('\n');
    } else if (in_cell_ && names_.s == name) {
      const char* c = Attr(attrs, names_.space_count);
      cell_.append(c == nullptr ? 1 : std::max(1L, std::min(1000L, std::strtol(c, nullptr, 10))),
                   ' ');
    } else if (in_cell_ && names_.tab == name) {
      cell_.push_back('\t');
    } else if (in_cell_ && names_.line_break == name) {
      cell_.push_back('\n');
    }
  }

  void OnEnd(const XML_Char* name) {
    if (names_.table == name) {
      if (tables_ == 1) {  // the first sheet is all we read
        done_ = true;
        XML_StopParser(parser_, XML_FALSE);
      }
      return;
    }
    if (tables_ != 1) return;
    if (names_.cell == name || names_.covered == name) {
      in_cell_ = false;
      const int room = max_columns_ - static_cast<int>(row_.cells.size());
      for (int i = 0; i < std::min(cols_repeated_, room); ++i) row_.cells.push_back(cell_);
    } else if (names_.row == name) {
      while (!row_.cells.empty() && row_.cells.back().empty()) row_.cells.pop_back();
      if (row_.cells.empty()) {
        line_ += rows_repeated_;  // runs of empty rows (often 1,048,000 of them) only count
        return;
      }
      for (int i = 0; i < rows_repeated_ && status_.ok(); ++i) {
        row_.line = ++line_;
        status_ = visit_(row_);
      }
      if (!status_.ok()) XML_StopParser(parser_, XML_FALSE);
    }
  }

  const RowVisitor& visit_;
  int max_columns_;
  XML_Parser parser_;
  OdsNames names_;
  bool root_seen_ = false;
  int tables_ = 0;
  bool done_ = false;
  bool in_cell_ = false;
  int paragraphs_ = 0;
  int cols_repeated_ = 1;
  int rows_repeated_ = 1;
  int line_ = 0;
  std::string cell_;
  SheetRow row_;
  absl::Status status_;
};

struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};
struct ZipFileCloser {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};

bool ValidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = s[i];
    int n;
    if (c < 0x80) {
      n = 0;
    } else if ((c >> 5) == 0x6) {
      n = 1;
    } else if ((c >> 4) == 0xe) {
      n = 2;
    } else if ((c >> 3) == 0x1e) {
      n = 3;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (int k = 1; k <= n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
    }
    i += n + 1;
  }
  return true;
}

absl::StatusOr<std::string> Windows1252ToUtf8(absl::string_view in) {
  iconv_t cd = iconv_open("UTF-8", "WINDOWS-1252");
  if (cd == reinterpret_cast<iconv_t>(-1)) return absl::InternalError("iconv lacks WINDOWS-1252");
  std::string out(in.size() * 3 + 4, '\0');
  char* src = const_cast<char*>(in.data());
  size_t src_left = in.size();
  char* dst = out.data();
  size_t dst_left = out.size();
  size_t rc = iconv(cd, &src, &src_left, &dst, &dst_left);
  iconv_close(cd);
  if (rc == static_cast<size_t>(-1)) {
    return absl::InvalidArgumentError("file is neither UTF-8 nor Windows-1252 text");
  }
  out.resize(out.size() - dst_left);
  return out;
}

struct CsvState {
  const RowVisitor* visit;
  SheetRow row;
  int line = 0;
  absl::Status status;
};

void CsvField(void* s, size_t len, void* data) {
  auto* st = static_cast<CsvState*>(data);
  st->row.cells.emplace_back(static_cast<const char*>(s), len);
}

void CsvRowEnd(int, void* data) {
  auto* st = static_cast<CsvState*>(data);
  ++st->line;
  while (!st->row.cells.empty() && st->row.cells.back().empty()) st->row.cells.pop_back();
  if (!st->row.cells.empty() && st->status.ok()) {
    st->row.line = st->line;
    st->status = (*st->visit)(st->row);
  }
  st->row.cells.clear();
}

}  // namespace

bool LooksLikeZip(absl::string_view bytes) {
  return bytes.size() >= 4 && bytes.substr(0, 4) == absl::string_view("PK\x03\x04", 4);
}

absl::Status ReadOdsRows(absl::string_view bytes, const RowVisitor& visit, int max_columns) {
  if (!LooksLikeZip(bytes)) {
    return absl::InvalidArgumentError("not an OpenDocument spreadsheet (no zip signature)");
  }
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  if (source == nullptr) return absl::InternalError(zip_error_strerror(&error));
  std::unique_ptr<zip_t, ZipCloser> archive(zip_open_from_source(source, ZIP_RDONLY, &error));
  if (archive == nullptr) {
    zip_source_free(source);
    std::string why = zip_error_strerror(&error);
    zip_error_fini(&error);
    return absl::InvalidArgumentError(absl::StrCat("damaged or truncated file: ", why));
  }
  std::unique_ptr<zip_file_t, ZipFileCloser> content(zip_fopen(archive.get(), "content.xml", 0));
  if (content == nullptr) {
    return absl::InvalidArgumentError("not an OpenDocument spreadsheet: no content.xml inside");
  }
  OdsParser parser(visit, max_columns);
  std::vector<char> buffer(1 << 16);
  while (true) {
    zip_int64_t n = zip_fread(content.get(), buffer.data(), buffer.size());
    if (n < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("damaged or truncated file: ", zip_file_strerror(content.get())));
    }
    absl::Status st = parser.Feed(buffer.data(), static_cast<int>(n), n == 0);
    if (!st.ok()) return st;
    if (n == 0 || parser.done()) break;
  }
  if (!parser.saw_table()) return absl::InvalidArgumentError("the spreadsheet has no sheet");
  return absl::OkStatus();
}

absl::Status ReadCsvRows(absl::string_view bytes, const RowVisitor& visit) {
  std::string converted;
  if (bytes.size() >= 3 && bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);
  if (bytes.find('\0') != absl::string_view::npos) {
    return absl::InvalidArgumentError("not a CSV text file (contains NUL bytes)");
  }
  if (!ValidUtf8(bytes)) {
    auto utf8 = Windows1252ToUtf8(bytes);
    if (!utf8.ok()) return utf8.status();
    converted = *std::move(utf8);
    bytes = converted;
  }
  const absl::string_view header = bytes.substr(0, bytes.find('\n'));
  const unsigned char delimiter =
      std::count(header.begin(), header.end(), ';') >= std::count(header.begin(), header.end(), ',')
          ? ';'
          : ',';
  csv_parser parser;
  if (csv_init(&parser, CSV_APPEND_NULL) != 0) return absl::InternalError("csv_init failed");
  csv_set_delim(&parser, delimiter);
  CsvState state{&visit, {}, 0, absl::OkStatus()};
  // Feed in pieces so a visitor error stops early on big files.
  constexpr size_t kPiece = 1 << 16;
  for (size_t off = 0; off < bytes.size() && state.status.ok(); off += kPiece) {
    const size_t len = std::min(kPiece, bytes.size() - off);
    if (csv_parse(&parser, bytes.data() + off, len, CsvField, CsvRowEnd, &state) != len) {
      std::string why = csv_strerror(csv_error(&parser));
      csv_free(&parser);
      return absl::InvalidArgumentError(
          absl::StrCat("malformed CSV near line ", state.line + 1, ": ", why));
    }
  }
  if (state.status.ok()) csv_fini(&parser, CsvField, CsvRowEnd, &state);
  csv_free(&parser);
  return state.status;
}

}  // namespace lv::inspection
