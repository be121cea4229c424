#pragma once

// The entitlement as a ledger: grants add half-days to pots, sessions consume them (free before
// co-financed), corrections and cancellations reverse; every figure a school sees is a sum over
// the ledger. Money is integer cents; time is integer half steps (half of a half-day). Pure.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "lerenverbeteren/coaching/v1/coaching_service.pb.h"

namespace lv::coaching {

namespace pb = ::lerenverbeteren::coaching::v1;
namespace common = ::lerenverbeteren::common::v1;

// The policy named by --entitlement_policy (a file), or the compiled-in one when unset. Errors
// name the flag. Shared by coaching-svc and reporting-svc, so both price the same way.
absl::StatusOr<pb::EntitlementPolicy> LoadPolicyFromFlag();

// Parses and checks a policy file (text format of EntitlementPolicy).
absl::StatusOr<pb::EntitlementPolicy> ParsePolicy(const std::string& text);
// The policy compiled into the binary (coaching-svc/policy/entitlement-2019.textproto; generated
// by lv_embed_text).
const std::string& DefaultPolicyText();

struct PotTotals {
  int64_t entitled = 0;  // half steps granted
  int64_t used = 0;      // half steps consumed (net of reversals)
  int64_t remaining() const { return entitled - used; }
};

struct Balance {
  std::map<pb::EntitlementPot, PotTotals> pots;
  int64_t cost_cents = 0;  // what the school has paid so far
  int64_t entitled() const;
  int64_t used() const;
};

Balance Summarize(const std::vector<pb::LedgerEntry>& entries);

// The school's share of `half_steps` from `pot`, in cents, rounded half up (free pot: 0).
int64_t SchoolCostCents(const pb::EntitlementPolicy& policy, pb::EntitlementPot pot,
                        int64_t half_steps);

// Grants of a category (kind INITIAL_GRANT), the review grant, and an extension: by default the
// same free and co-financed amounts as the initial grant, or `half_steps` co-financed.
std::vector<pb::LedgerEntry> InitialGrants(const pb::EntitlementPolicy& policy,
                                           common::TrajectoryCategory category);
std::vector<pb::LedgerEntry> ReviewGrant(const pb::EntitlementPolicy& policy);
std::vector<pb::LedgerEntry> ExtensionGrants(const pb::EntitlementPolicy& policy,
                                             common::TrajectoryCategory category,
                                             std::optional<int64_t> half_steps);
// What moving to a stricter category adds (never takes away): per pot, the difference.
std::vector<pb::LedgerEntry> CategoryGrants(const pb::EntitlementPolicy& policy,
                                            common::TrajectoryCategory from,
                                            common::TrajectoryCategory to);

// The ledger entries a session of `half_steps` for `audience` writes: consumption from the pots
// the audience may use, free first. Beyond the entitlement it needs `overrun_approved` (then an
// OVERRUN_GRANT covers the shortfall, co-financed); without, FAILED_PRECONDITION saying how much
// is left.
absl::StatusOr<std::vector<pb::LedgerEntry>> PlanConsumption(const Balance& balance,
                                                             const pb::EntitlementPolicy& policy,
                                                             pb::SessionAudience audience,
                                                             int64_t half_steps,
                                                             bool overrun_approved);

// Entries that undo what a session still consumes (per pot, its net consumption and cost).
std::vector<pb::LedgerEntry> ReverseSession(const std::vector<pb::LedgerEntry>& entries,
                                            const std::string& session_name);

// The statement for a school. `sessions` gives the dates for the pace; `today` the reference.
pb::TransparencyStatement BuildStatement(const pb::Trajectory& trajectory,
                                         const std::vector<pb::LedgerEntry>& entries,
                                         const std::vector<pb::Session>& sessions,
                                         const pb::EntitlementPolicy& policy, absl::CivilDay today);

common::HalfDays HalfSteps(int64_t n);
common::Money Euros(int64_t cents);

}  // namespace lv::coaching
