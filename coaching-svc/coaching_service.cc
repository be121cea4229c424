#include "coaching-svc/coaching_service.h"

#include "platform/watch.h"

namespace lv::coaching {

using platform::Role;

CoachingService::CoachingService(platform::Database* db, const platform::ServerConfig& config)
    : feed_(db), watch_(config.watch) {}

std::vector<platform::ServiceModule::Exposed> CoachingService::GrpcServices() {
  return {{this, pb::CoachingService::service_full_name()}};
}

void CoachingService::AddPolicies(platform::PolicyTable& policy) const {
  // Feeds carry personal data of schools and coaches: only the suite's own services read them.
  policy.Allow("/lerenverbeteren.coaching.v1.CoachingService/Watch", {Role::kService});
}

grpc::ServerWriteReactor<pb::WatchResponse>* CoachingService::Watch(
    grpc::CallbackServerContext* context, const pb::WatchRequest* request) {
  return new platform::WatchStream<pb::WatchRequest, pb::WatchResponse>(context, *request, &feed_,
                                                                        watch_);
}

}  // namespace lv::coaching
