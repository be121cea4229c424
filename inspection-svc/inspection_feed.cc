#include "inspection-svc/inspection_feed.h"

#include "lerenverbeteren/inspection/v1/inspection_service.grpc.pb.h"

namespace lv::inspection {

std::unique_ptr<platform::FeedConsumer> NewInspectionFeedConsumer(
    platform::Database* db, const std::string& target, const platform::PeerCredentials& peer,
    const std::string& replica_id, platform::FeedConsumer::ApplyFn apply) {
  namespace pb = ::lerenverbeteren::inspection::v1;
  auto stub = std::shared_ptr<pb::InspectionService::Stub>(
      pb::InspectionService::NewStub(platform::NewChannel(target, peer.tls)));
  platform::FeedConsumer::Options options;
  options.source = "inspection";
  options.holder = replica_id;
  options.bearer_token = [peer] { return peer.Token(); };
  return std::make_unique<platform::FeedConsumer>(
      db, options, platform::MakeWatchOpener<pb::WatchRequest, pb::WatchResponse>(stub),
      std::move(apply));
}

}  // namespace lv::inspection
