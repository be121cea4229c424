#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lerenverbeteren/common/v1/types.pb.h"

namespace lv::inspection {

namespace common = ::lerenverbeteren::common::v1;

// A BRIN code: two digits and two capital letters, e.g. "00AH".
absl::Status ValidateBrin(absl::string_view brin);
// A location (vestiging) number: two digits, e.g. "00".
absl::Status ValidateLocation(absl::string_view location);

// The inspectorate's track code (OVTNaam of an ODS row) to a school type: PRO, VMBOB, VMBOK,
// VMBOGT, HAVO, VWO; anything else (OVERIG, free text abroad) is OTHER with the code kept as track.
common::SchoolType SchoolTypeFromTrack(absl::string_view track);
// The key token of a department's type: "pro", "vmbob", ... "vwo"; for OTHER a slug of the track,
// or "location" for a location-level object without track.
std::string TypeToken(const common::DepartmentRef& ref);

// The stable department id "BRIN-LOCATION-TOKEN", e.g. "00AH-00-havo", after validating the ref.
// Errors are field errors under `field_prefix` (e.g. "department.brin").
absl::StatusOr<std::string> DepartmentId(const common::DepartmentRef& ref,
                                         absl::string_view field_prefix = "department");

// "departments/{id}" <-> id.
std::string DepartmentName(absl::string_view id);
absl::StatusOr<std::string> DepartmentIdFromName(absl::string_view name,
                                                 absl::string_view field = "name");

}  // namespace lv::inspection
