#pragma once

// Field-level checks of incoming requests, shared by the unary handlers and the pushed batch.
// Each returns OK or INVALID_ARGUMENT listing every bad field (AIP-193 field paths).

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lerenverbeteren/inspection/v1/inspection_service.pb.h"

namespace lv::inspection {

namespace pb = ::lerenverbeteren::inspection::v1;

absl::Status ValidateRecordVerdict(const pb::RecordVerdictRequest& request, bool from_inspectorate,
                                   absl::string_view prefix = "");
absl::Status ValidateRecordRiskSignal(const pb::RecordRiskSignalRequest& request,
                                      bool from_inspectorate, absl::string_view prefix = "");
// 0 -> default; 1..max -> itself; else INVALID_ARGUMENT on `field`.
absl::StatusOr<int> PageSize(int requested, int default_size, int max_size,
                             absl::string_view field = "page_size");
// Required free text, at most `max` bytes.
absl::Status RequiredText(absl::string_view field, const std::string& value, size_t max);

}  // namespace lv::inspection
