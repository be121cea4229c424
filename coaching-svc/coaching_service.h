#pragma once

#include <memory>
#include <vector>

#include "lerenverbeteren/coaching/v1/coaching_service.grpc.pb.h"
#include "platform/change_feed.h"
#include "platform/server.h"

namespace lv::coaching {

namespace pb = ::lerenverbeteren::coaching::v1;

// This service's schema, embedded from migrations/ at build time.
const std::vector<platform::Migration>& Migrations();

// The gRPC edge of coaching-svc: validates, authorizes (through the call gate) and calls the
// domain.
class CoachingService : public platform::ServiceModule,
                        public pb::CoachingService::CallbackService {
 public:
  CoachingService(platform::Database* db, const platform::ServerConfig& config);

  std::vector<Exposed> GrpcServices() override;
  void AddPolicies(platform::PolicyTable& policy) const override;

  grpc::ServerWriteReactor<pb::WatchResponse>* Watch(grpc::CallbackServerContext* context,
                                                     const pb::WatchRequest* request) override;

 private:
  platform::ChangeFeed feed_;
  platform::WatchOptions watch_;
};

}  // namespace lv::coaching
