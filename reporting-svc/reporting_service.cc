#include "reporting-svc/reporting_service.h"

#include "platform/watch.h"

namespace lv::reporting {

using platform::Role;

ReportingService::ReportingService(platform::Database* db, const platform::ServerConfig& config)
    : feed_(db), watch_(config.watch) {}

std::vector<platform::ServiceModule::Exposed> ReportingService::GrpcServices() {
  return {{this, pb::ReportingService::service_full_name()}};
}

void ReportingService::AddPolicies(platform::PolicyTable& policy) const {
  // Feeds carry personal data of schools and coaches: only the suite's own services read them.
  policy.Allow("/lerenverbeteren.reporting.v1.ReportingService/Watch", {Role::kService});
}

grpc::ServerWriteReactor<pb::WatchResponse>* ReportingService::Watch(
    grpc::CallbackServerContext* context, const pb::WatchRequest* request) {
  return new platform::WatchStream<pb::WatchRequest, pb::WatchResponse>(context, *request, &feed_,
                                                                        watch_);
}

}  // namespace lv::reporting
