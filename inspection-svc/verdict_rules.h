#pragma once

// The inspectorate's rules as the programme applies them (DOMAIN.md): verdict vocabulary and its
// pre-2017 mapping, the very-weak rule, restoration deadlines and year-end counts. Pure functions.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "lerenverbeteren/common/v1/types.pb.h"
#include "lerenverbeteren/inspection/v1/inspection_service.pb.h"

namespace lv::inspection {

namespace common = ::lerenverbeteren::common::v1;
namespace pb = ::lerenverbeteren::inspection::v1;

// "Zeer zwak", "Onvoldoende", "Voldoende", "Goed", "Zwak", "Basistoezicht"/"Basisarrangement",
// "Geen eindoordeel" (case-insensitive) to a verdict; anything else is INVALID_ARGUMENT.
absl::StatusOr<common::Verdict> ParseVerdictText(absl::string_view text);
// A standard's cell: "Voldoende", "Onvoldoende", "Goed", "Niet beoordeeld", "N.t.b.",
// "Niet te beoordelen", "Voldoet", "Voldoet niet", "Hersteld binnen onderzoek".
absl::StatusOr<pb::StandardJudgement> ParseJudgementText(absl::string_view text);

// Very weak (zeer zwak).
bool IsVeryWeak(common::Verdict v);
// Insufficient, counting the pre-2017 weak (zwak) as insufficient.
bool IsInsufficient(common::Verdict v);
// Sufficient or better, counting the pre-2017 basic supervision as sufficient.
bool IsSufficientOrBetter(common::Verdict v);

// The very-weak rule: learning results (OR1) insufficient AND at least one of view of development
// (OP2), didactic practice (OP3) or safety (VS1; SK1 in the 2017 framework) insufficient.
// Returns a finding when a very-weak verdict has standard judgements that do not satisfy it;
// nullopt when the rule holds, the verdict is not very weak, or no standards were given.
std::optional<std::string> VeryWeakRuleFinding(const pb::Verdict& verdict);

// A date one or more years on; 29 February becomes 28 February in a common year.
absl::CivilDay AddYears(absl::CivilDay day, int years);

struct RestorationTerms {
  absl::CivilDay deadline;
  // Very weak only: the restoration investigation happens 6 to 4 weeks before the deadline.
  std::optional<absl::CivilDay> window_start;
  std::optional<absl::CivilDay> window_end;
};
// Very weak: one year after establishment (statutory); insufficient or weak: two years (sector
// accord). Only established verdicts have terms.
std::optional<RestorationTerms> RestorationTermsFor(const pb::Verdict& verdict);

// Fills the verdict's restoration_* fields from RestorationTermsFor.
void SetRestorationTerms(pb::Verdict* verdict);

// One verdict record of one department, for timelines.
struct TimelineEntry {
  std::string department_id;
  int64_t sequence = 0;  // order of recording within the department
  common::Verdict value = common::VERDICT_UNSPECIFIED;
  pb::VerdictStatus status = pb::VERDICT_STATUS_UNSPECIFIED;
  std::optional<absl::CivilDay> established;
};

// Per year from first to last: departments whose verdict in force on 31 December (the newest
// established, non-withdrawn record established on or before that day) is very weak or
// insufficient. A department still judged so at year end counts again the next year.
std::vector<pb::YearEndCount> YearEndCounts(std::vector<TimelineEntry> entries, int first_year,
                                            int last_year);

// A stable digest of what a verdict says (value, status, investigation, dates, standards), so an
// unchanged re-import is recognised without comparing every field.
std::string VerdictFingerprint(const pb::Verdict& verdict);

// Dates in the inspectorate's formats: "20250918" and "01-03-2026".
absl::StatusOr<absl::CivilDay> ParseCompactDate(absl::string_view yyyymmdd);
absl::StatusOr<absl::CivilDay> ParseDutchDate(absl::string_view dd_mm_yyyy);
common::Date ToDate(absl::CivilDay day);
std::optional<absl::CivilDay> FromDate(const common::Date& date);
// Validates a proto date (all zero = unset is allowed).
bool IsValidOrUnset(const common::Date& date);

}  // namespace lv::inspection
