#pragma once

// Debian's Abseil (20220623) has no status macros; these are the two everyone writes.
#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define LV_STATUS_CONCAT_INNER(a, b) a##b
#define LV_STATUS_CONCAT(a, b) LV_STATUS_CONCAT_INNER(a, b)

// Returns from the current function when `expr` (an absl::Status) is not OK.
#define LV_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::absl::Status lv_status_ = (expr);      \
    if (!lv_status_.ok()) return lv_status_; \
  } while (false)

// `LV_ASSIGN_OR_RETURN(auto x, F());` declares x from an OK StatusOr, or returns its status.
#define LV_ASSIGN_OR_RETURN(lhs, expr) \
  LV_ASSIGN_OR_RETURN_IMPL(LV_STATUS_CONCAT(lv_statusor_, __LINE__), lhs, expr)
#define LV_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()
