#include "inspection-svc/inspection_service.h"

#include "platform/watch.h"

namespace lv::inspection {

using platform::Role;

InspectionService::InspectionService(platform::Database* db, const platform::ServerConfig& config)
    : feed_(db), watch_(config.watch) {}

std::vector<platform::ServiceModule::Exposed> InspectionService::GrpcServices() {
  return {{this, pb::InspectionService::service_full_name()}};
}

void InspectionService::AddPolicies(platform::PolicyTable& policy) const {
  // Feeds carry personal data of schools and coaches: only the suite's own services read them.
  policy.Allow("/lerenverbeteren.inspection.v1.InspectionService/Watch", {Role::kService});
}

grpc::ServerWriteReactor<pb::WatchResponse>* InspectionService::Watch(
    grpc::CallbackServerContext* context, const pb::WatchRequest* request) {
  return new platform::WatchStream<pb::WatchRequest, pb::WatchResponse>(context, *request, &feed_,
                                                                        watch_);
}

}  // namespace lv::inspection
