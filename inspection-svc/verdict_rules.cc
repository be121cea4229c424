#include "inspection-svc/verdict_rules.h"

#include <algorithm>
#include <map>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace lv::inspection {

absl::StatusOr<common::Verdict> ParseVerdictText(absl::string_view text) {
  const std::string t = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  if (t == "zeer zwak") return common::VERDICT_VERY_WEAK;
  if (t == "onvoldoende") return common::VERDICT_INSUFFICIENT;
  if (t == "voldoende") return common::VERDICT_SUFFICIENT;
  if (t == "goed") return common::VERDICT_GOOD;
  if (t == "zwak") return common::VERDICT_WEAK;
  if (t == "basistoezicht" || t == "basisarrangement") return common::VERDICT_BASIC_SUPERVISION;
  if (t == "geen eindoordeel") return common::VERDICT_NO_FINAL_VERDICT;
  return absl::InvalidArgumentError(absl::StrCat("unknown verdict '", text, "'"));
}

absl::StatusOr<pb::StandardJudgement> ParseJudgementText(absl::string_view text) {
  const std::string t = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  if (t == "onvoldoende") return pb::STANDARD_JUDGEMENT_INSUFFICIENT;
  if (t == "voldoende") return pb::STANDARD_JUDGEMENT_SUFFICIENT;
  if (t == "goed") return pb::STANDARD_JUDGEMENT_GOOD;
  if (t == "niet beoordeeld") return pb::STANDARD_JUDGEMENT_NOT_ASSESSED;
  if (t == "n.t.b." || t == "niet te beoordelen") return pb::STANDARD_JUDGEMENT_CANNOT_BE_ASSESSED;
  if (t == "voldoet") return pb::STANDARD_JUDGEMENT_MEETS;
  if (t == "voldoet niet") return pb::STANDARD_JUDGEMENT_DOES_NOT_MEET;
  if (t == "hersteld binnen onderzoek") return pb::STANDARD_JUDGEMENT_RESTORED_DURING_INVESTIGATION;
  return absl::InvalidArgumentError(absl::StrCat("unknown judgement '", text, "'"));
}

bool IsVeryWeak(common::Verdict v) { return v == common::VERDICT_VERY_WEAK; }
bool IsInsufficient(common::Verdict v) {
  return v == common::VERDICT_INSUFFICIENT || v == common::VERDICT_WEAK;
}
bool IsSufficientOrBetter(common::Verdict v) {
  return v == common::VERDICT_SUFFICIENT || v == common::VERDICT_GOOD ||
         v == common::VERDICT_BASIC_SUPERVISION;
}

std::optional<std::string> VeryWeakRuleFinding(const pb::Verdict& verdict) {
  if (!IsVeryWeak(verdict.value()) || verdict.standards().empty()) return std::nullopt;
  bool results_insufficient = false;
  bool results_judged = false;
  bool other_insufficient = false;
  for (const auto& s : verdict.standards()) {
    const bool insufficient = s.judgement() == pb::STANDARD_JUDGEMENT_INSUFFICIENT;
    if (s.code() == "OR1") {
      results_judged = true;
      results_insufficient = results_insufficient || insufficient;
    } else if (s.code() == "OP2" || s.code() == "OP3" || s.code() == "VS1" || s.code() == "SK1") {
      other_insufficient = other_insufficient || insufficient;
    }
  }
  if (results_insufficient && other_insufficient) return std::nullopt;
  if (!results_judged) {
    return std::string("very weak without a judgement of learning results (OR1)");
  }
  if (!results_insufficient)
    return std::string("very weak while learning results (OR1) are not insufficient");
  return std::string("very weak without OP2, OP3 or safety (VS1/SK1) insufficient");
}

absl::CivilDay AddYears(absl::CivilDay day, int years) {
  const absl::CivilYear year = absl::CivilYear(day.year() + years);
  const absl::CivilDay same(year.year(), day.month(), day.day());
  // CivilDay normalises 29 Feb of a common year to 1 March; the term ends on 28 February instead.
  if (same.month() != day.month()) return absl::CivilDay(year.year(), day.month(), 28);
  return same;
}

std::optional<RestorationTerms> RestorationTermsFor(const pb::Verdict& verdict) {
  if (verdict.status() != pb::VERDICT_STATUS_ESTABLISHED) return std::nullopt;
  auto established = FromDate(verdict.established_date());
  if (!established) return std::nullopt;
  if (IsVeryWeak(verdict.value())) {
    RestorationTerms t{AddYears(*established, 1), std::nullopt, std::nullopt};
    t.window_start = t.deadline - 6 * 7;
    t.window_end = t.deadline - 4 * 7;
    return t;
  }
  if (IsInsufficient(verdict.value())) {
    return RestorationTerms{AddYears(*established, 2), std::nullopt, std::nullopt};
  }
  return std::nullopt;
}

void SetRestorationTerms(pb::Verdict* verdict) {
  verdict->clear_restoration_deadline();
  verdict->clear_restoration_window_start();
  verdict->clear_restoration_window_end();
  auto terms = RestorationTermsFor(*verdict);
  if (!terms) return;
  *verdict->mutable_restoration_deadline() = ToDate(terms->deadline);
  if (terms->window_start)
    *verdict->mutable_restoration_window_start() = ToDate(*terms->window_start);
  if (terms->window_end) *verdict->mutable_restoration_window_end() = ToDate(*terms->window_end);
}

std::vector<pb::YearEndCount> YearEndCounts(std::vector<TimelineEntry> entries, int first_year,
                                            int last_year) {
  std::vector<pb::YearEndCount> out;
  if (last_year < first_year) return out;
  // Per department, established non-withdrawn records in the order they took effect.
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    if (a.department_id != b.department_id) return a.department_id < b.department_id;
    if (a.established != b.established) return a.established < b.established;
    return a.sequence < b.sequence;
  });
  std::map<int, pb::YearEndCount> by_year;
  for (int y = first_year; y <= last_year; ++y) by_year[y].set_year(y);
  size_t i = 0;
  while (i < entries.size()) {
    size_t j = i;
    std::vector<const TimelineEntry*> effective;
    for (; j < entries.size() && entries[j].department_id == entries[i].department_id; ++j) {
      if (entries[j].established && entries[j].status == pb::VERDICT_STATUS_ESTABLISHED) {
        effective.push_back(&entries[j]);
      }
    }
    size_t k = 0;
    const TimelineEntry* in_force = nullptr;
    for (int y = first_year; y <= last_year; ++y) {
      const absl::CivilDay year_end(y, 12, 31);
      while (k < effective.size() && *effective[k]->established <= year_end)
        in_force = effective[k++];
      if (in_force == nullptr) continue;
      if (IsVeryWeak(in_force->value)) by_year[y].set_very_weak(by_year[y].very_weak() + 1);
      if (IsInsufficient(in_force->value))
        by_year[y].set_insufficient(by_year[y].insufficient() + 1);
    }
    i = j;
  }
  for (auto& [year, count] : by_year) out.push_back(count);
  return out;
}

std::string VerdictFingerprint(const pb::Verdict& v) {
  std::string out = absl::StrCat(v.value(), "|", v.status(), "|", v.investigation_number(), "|",
                                 v.investigation_type_code(), "|");
  auto date = [&](const common::Date& d) {
    absl::StrAppend(&out, d.year(), "-", d.month(), "-", d.day(), "|");
  };
  date(v.investigation_date());
  date(v.established_date());
  date(v.publication_date());
  std::vector<std::string> standards;
  for (const auto& s : v.standards()) {
    standards.push_back(absl::StrCat(s.framework(), ":", s.code(), "=", s.judgement()));
  }
  std::sort(standards.begin(), standards.end());
  for (const auto& s : standards) absl::StrAppend(&out, s, ",");
  absl::StrAppend(&out, "|");
  for (const auto& a : v.restoration_assignments()) absl::StrAppend(&out, a.size(), ":", a, ",");
  return out;
}

absl::StatusOr<absl::CivilDay> ParseCompactDate(absl::string_view s) {
  int y, m, d;
  if (s.size() != 8 || !absl::SimpleAtoi(s.substr(0, 4), &y) ||
      !absl::SimpleAtoi(s.substr(4, 2), &m) || !absl::SimpleAtoi(s.substr(6, 2), &d)) {
    return absl::InvalidArgumentError(absl::StrCat("'", s, "' is not a date YYYYMMDD"));
  }
  absl::CivilDay day(y, m, d);
  if (day.year() != y || day.month() != m || day.day() != d || y < 1900 || y > 2200) {
    return absl::InvalidArgumentError(absl::StrCat("'", s, "' is not a valid date"));
  }
  return day;
}

absl::StatusOr<absl::CivilDay> ParseDutchDate(absl::string_view s) {
  if (s.size() != 10 || s[2] != '-' || s[5] != '-') {
    return absl::InvalidArgumentError(absl::StrCat("'", s, "' is not a date DD-MM-YYYY"));
  }
  return ParseCompactDate(absl::StrCat(s.substr(6, 4), s.substr(3, 2), s.substr(0, 2)));
}

common::Date ToDate(absl::CivilDay day) {
  common::Date d;
  d.set_year(static_cast<int>(day.year()));
  d.set_month(day.month());
  d.set_day(day.day());
  return d;
}

std::optional<absl::CivilDay> FromDate(const common::Date& d) {
  if (d.year() == 0 && d.month() == 0 && d.day() == 0) return std::nullopt;
  return absl::CivilDay(d.year(), d.month(), d.day());
}

bool IsValidOrUnset(const common::Date& d) {
  if (d.year() == 0 && d.month() == 0 && d.day() == 0) return true;
  absl::CivilDay day(d.year(), d.month(), d.day());
  return day.year() == d.year() && day.month() == d.month() && day.day() == d.day() &&
         d.year() >= 1900 && d.year() <= 2200;
}

}  // namespace lv::inspection
