#include "intake-svc/intake_service.h"

#include "platform/watch.h"

namespace lv::intake {

using platform::Role;

IntakeService::IntakeService(platform::Database* db, const platform::ServerConfig& config)
    : feed_(db), watch_(config.watch) {}

std::vector<platform::ServiceModule::Exposed> IntakeService::GrpcServices() {
  return {{this, pb::IntakeService::service_full_name()}};
}

void IntakeService::AddPolicies(platform::PolicyTable& policy) const {
  // Feeds carry personal data of schools and coaches: only the suite's own services read them.
  policy.Allow("/lerenverbeteren.intake.v1.IntakeService/Watch", {Role::kService});
}

grpc::ServerWriteReactor<pb::WatchResponse>* IntakeService::Watch(
    grpc::CallbackServerContext* context, const pb::WatchRequest* request) {
  return new platform::WatchStream<pb::WatchRequest, pb::WatchResponse>(context, *request, &feed_,
                                                                        watch_);
}

}  // namespace lv::intake
