#include "platform/server.h"

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "platform/errors.h"
#include "platform/testing/test_db.h"
#include "platform/testing/test_service.h"
#include "platform/tls.h"

namespace lv::platform {
namespace {

using testing::ContextAs;

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = testing::NewTestDatabase(testing::Engine::kSqlite, &RealClock());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    ASSERT_TRUE(db_->Migrate("test", {}).ok());
    module_ = std::make_unique<testing::TestModule>(db_.get(), watch_);
  }
  void StartServer() {
    server_ = std::make_unique<testing::TestServer>(module_.get(), watch_);
    ASSERT_TRUE(server_->status().ok()) << server_->status();
    stub_ = lvtest::v1::TestService::NewStub(server_->Channel());
  }

  WatchOptions watch_ = testing::TestServer::FastWatch();
  std::unique_ptr<Database> db_;
  std::unique_ptr<testing::TestModule> module_;
  std::unique_ptr<testing::TestServer> server_;
  std::unique_ptr<lvtest::v1::TestService::Stub> stub_;
};

TEST_F(ServerTest, HealthIsServingWithoutAToken) {
  StartServer();
  auto health = grpc::health::v1::Health::NewStub(server_->Channel());
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  auto context = ContextAs("", "");
  ASSERT_TRUE(health->Check(context.get(), request, &response).ok());
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST_F(ServerTest, DeniedCallsNeverReachTheHandler) {
  StartServer();
  lvtest::v1::PublishRequest request;
  lvtest::v1::PublishResponse response;
  {
    auto context = ContextAs("", "");
    EXPECT_EQ(stub_->Publish(context.get(), request, &response).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    auto context = ContextAs("school", "00AH");
    EXPECT_EQ(stub_->Publish(context.get(), request, &response).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  {
    auto context = ContextAs("", "");
    context->AddMetadata("authorization", "Bearer forged");
    EXPECT_EQ(stub_->Publish(context.get(), request, &response).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  EXPECT_EQ(module_->handler_runs(), 0);
}

TEST_F(ServerTest, RequestIdIsTakenFromMetadataAndEchoed) {
  StartServer();
  auto context = ContextAs("project_leader", "pl-1");
  context->AddMetadata("x-request-id", "req-42");
  lvtest::v1::PublishRequest request;
  request.set_count(1);
  lvtest::v1::PublishResponse response;
  ASSERT_TRUE(stub_->Publish(context.get(), request, &response).ok());
  EXPECT_EQ(response.request_id(), "req-42");
  EXPECT_EQ(response.caller(), "project_leader:pl-1");
  auto it = context->GetServerInitialMetadata().find("x-request-id");
  ASSERT_NE(it, context->GetServerInitialMetadata().end());
  EXPECT_EQ(std::string(it->second.data(), it->second.size()), "req-42");
  auto events = module_->feed().ReadAfter(0, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].request_id(), "req-42");
}

TEST_F(ServerTest, BadInputComesBackWithFieldDetails) {
  StartServer();
  auto context = ContextAs("project_leader", "pl-1");
  lvtest::v1::PublishRequest request;
  request.set_count(-1);
  lvtest::v1::PublishResponse response;
  grpc::Status status = stub_->Publish(context.get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  auto violations = FieldViolations(FromGrpcStatus(status));
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].first, "count");
}

TEST_F(ServerTest, AMethodWithoutPolicyStopsStartUp) {
  module_->list_unlisted = false;
  testing::TestServer server(module_.get(), watch_);
  EXPECT_EQ(server.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(server.status().message().find("/lvtest.v1.TestService/Unlisted"), std::string::npos);
}

TEST_F(ServerTest, DrainEndsOpenWatchStreamsWithUnavailable) {
  StartServer();
  auto context = ContextAs("service", "consumer", absl::Seconds(30));
  lvtest::v1::WatchRequest request;
  auto reader = stub_->Watch(context.get(), request);
  lvtest::v1::WatchResponse heartbeat;
  ASSERT_TRUE(reader->Read(&heartbeat));  // a heartbeat arrives while the feed is empty
  EXPECT_EQ(heartbeat.events_size(), 0);
  server_->Shutdown();
  while (reader->Read(&heartbeat)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
}

// A peer name that resolves to several replicas (a headless Service) gets its calls spread over
// all of them from one channel, not pinned to the first.
TEST_F(ServerTest, PeerChannelsSpreadCallsOverEveryReplica) {
  StartServer();
  auto second_db = testing::NewTestDatabase(testing::Engine::kSqlite, &RealClock());
  ASSERT_TRUE(second_db.ok());
  ASSERT_TRUE((*second_db)->Migrate("test", {}).ok());
  testing::TestModule second_module(second_db->get(), watch_);
  testing::TestServer second(&second_module, watch_);
  ASSERT_TRUE(second.status().ok()) << second.status();

  auto channel = NewChannel(
      absl::StrCat("ipv4:127.0.0.1:", server_->port(), ",127.0.0.1:", second.port()), TlsFiles{});
  auto stub = lvtest::v1::TestService::NewStub(channel);
  for (int i = 0; i < 20; ++i) {
    auto context = ContextAs("project_leader", "pl-1");
    lvtest::v1::PublishRequest request;
    request.set_count(1);
    lvtest::v1::PublishResponse response;
    ASSERT_TRUE(stub->Publish(context.get(), request, &response).ok());
  }
  EXPECT_GE(module_->handler_runs(), 5);
  EXPECT_GE(second_module.handler_runs(), 5);
  EXPECT_EQ(module_->handler_runs() + second_module.handler_runs(), 20);
}

}  // namespace
}  // namespace lv::platform
