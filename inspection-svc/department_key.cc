#include "inspection-svc/department_key.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "platform/errors.h"

namespace lv::inspection {

absl::Status ValidateBrin(absl::string_view brin) {
  if (brin.size() == 4 && absl::ascii_isdigit(brin[0]) && absl::ascii_isdigit(brin[1]) &&
      absl::ascii_isupper(brin[2]) && absl::ascii_isupper(brin[3])) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("'", brin, "' is not a BRIN code (two digits and two capitals, e.g. 00AH)"));
}

absl::Status ValidateLocation(absl::string_view location) {
  if (location.size() == 2 && absl::ascii_isdigit(location[0]) &&
      absl::ascii_isdigit(location[1])) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("'", location, "' is not a location number (two digits, e.g. 00)"));
}

common::SchoolType SchoolTypeFromTrack(absl::string_view track) {
  if (track == "PRO") return common::SCHOOL_TYPE_PRAKTIJKONDERWIJS;
  if (track == "VMBOB") return common::SCHOOL_TYPE_VMBO_B;
  if (track == "VMBOK") return common::SCHOOL_TYPE_VMBO_K;
  if (track == "VMBOGT") return common::SCHOOL_TYPE_VMBO_GT;
  if (track == "HAVO") return common::SCHOOL_TYPE_HAVO;
  if (track == "VWO") return common::SCHOOL_TYPE_VWO;
  return common::SCHOOL_TYPE_OTHER;
}

std::string TypeToken(const common::DepartmentRef& ref) {
  switch (ref.school_type()) {
    case common::SCHOOL_TYPE_PRAKTIJKONDERWIJS:
      return "pro";
    case common::SCHOOL_TYPE_VMBO_B:
      return "vmbob";
    case common::SCHOOL_TYPE_VMBO_K:
      return "vmbok";
    case common::SCHOOL_TYPE_VMBO_GT:
      return "vmbogt";
    case common::SCHOOL_TYPE_HAVO:
      return "havo";
    case common::SCHOOL_TYPE_VWO:
      return "vwo";
    default:
      break;
  }
  if (ref.track().empty()) return "location";
  std::string slug;
  for (char c : ref.track()) {
    if (absl::ascii_isalnum(c)) {
      slug.push_back(absl::ascii_tolower(c));
    } else if (!slug.empty() && slug.back() != '_') {
      slug.push_back('_');
    }
  }
  while (!slug.empty() && slug.back() == '_') slug.pop_back();
  return slug.empty() ? "other" : slug;
}

absl::StatusOr<std::string> DepartmentId(const common::DepartmentRef& ref,
                                         absl::string_view field_prefix) {
  platform::FieldErrors errors;
  if (absl::Status s = ValidateBrin(ref.brin()); !s.ok()) {
    errors.Add(absl::StrCat(field_prefix, ".brin"), s.message());
  }
  if (absl::Status s = ValidateLocation(ref.location()); !s.ok()) {
    errors.Add(absl::StrCat(field_prefix, ".location"), s.message());
  }
  if (ref.school_type() == common::SCHOOL_TYPE_UNSPECIFIED ||
      !common::SchoolType_IsValid(ref.school_type())) {
    errors.Add(absl::StrCat(field_prefix, ".school_type"), "must be a known school type");
  }
  if (!errors.empty()) return errors.ToStatus();
  return absl::StrCat(ref.brin(), "-", ref.location(), "-", TypeToken(ref));
}

std::string DepartmentName(absl::string_view id) { return absl::StrCat("departments/", id); }

absl::StatusOr<std::string> DepartmentIdFromName(absl::string_view name, absl::string_view field) {
  absl::string_view id = name;
  if (!absl::ConsumePrefix(&id, "departments/") || id.size() < 9 || id.size() > 80 ||
      id.find('/') != absl::string_view::npos) {
    return platform::FieldError(
        field, absl::StrCat("'", name, "' is not a department name (departments/00AH-00-havo)"));
  }
  return std::string(id);
}

}  // namespace lv::inspection
