#include "coaching-svc/coaching_service.h"

#include "gtest/gtest.h"
#include "platform/testing/test_db.h"
#include "platform/testing/test_service.h"

namespace lv::coaching {
namespace {

TEST(CoachingService, ServesItsFeedToServicesOnly) {
  auto db = platform::testing::NewTestDatabase(platform::testing::Engine::kSqlite,
                                               &platform::RealClock());
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE((*db)->Migrate("coaching", Migrations()).ok());
  platform::ServerConfig config;
  config.watch = platform::testing::TestServer::FastWatch();
  CoachingService service(db->get(), config);
  platform::testing::TestServer server(&service, config.watch);
  ASSERT_TRUE(server.status().ok()) << server.status();
  auto stub = pb::CoachingService::NewStub(server.Channel());
  pb::WatchResponse response;
  {
    auto context = platform::testing::ContextAs("service", "reporting");
    auto reader = stub->Watch(context.get(), pb::WatchRequest());
    ASSERT_TRUE(reader->Read(&response));  // heartbeat on an empty feed
    EXPECT_EQ(response.head_sequence(), 0);
    context->TryCancel();
  }
  {
    auto context = platform::testing::ContextAs("school", "00AH");
    auto reader = stub->Watch(context.get(), pb::WatchRequest());
    EXPECT_FALSE(reader->Read(&response));
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
  }
}

}  // namespace
}  // namespace lv::coaching
