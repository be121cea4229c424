#include "platform/testing/test_service.h"

#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "platform/call_gate.h"
#include "platform/watch.h"

namespace lv::platform::testing {

TestModule::TestModule(Database* db, WatchOptions watch) : db_(db), feed_(db), watch_(watch) {}

std::vector<ServiceModule::Exposed> TestModule::GrpcServices() {
  return {{this, lvtest::v1::TestService::service_full_name()}};
}

void TestModule::AddPolicies(PolicyTable& policy) const {
  policy.Allow("/lvtest.v1.TestService/Watch", {Role::kService});
  policy.Allow("/lvtest.v1.TestService/Publish", {Role::kProjectLeader, Role::kService});
  if (list_unlisted) policy.Allow("/lvtest.v1.TestService/Unlisted", {Role::kProjectLeader});
}

grpc::ServerWriteReactor<lvtest::v1::WatchResponse>* TestModule::Watch(
    grpc::CallbackServerContext* context, const lvtest::v1::WatchRequest* request) {
  return new WatchStream<lvtest::v1::WatchRequest, lvtest::v1::WatchResponse>(context, *request,
                                                                              &feed_, watch_);
}

grpc::ServerUnaryReactor* TestModule::Publish(grpc::CallbackServerContext* context,
                                              const lvtest::v1::PublishRequest* request,
                                              lvtest::v1::PublishResponse* response) {
  return Unary(context, [&](const CallInfo& call) -> absl::Status {
    handler_runs_.fetch_add(1);
    if (request->count() < 0 || request->count() > 1000) {
      return FieldError("count", "must be between 0 and 1000");
    }
    response->set_request_id(call.request_id);
    response->set_caller(call.CallerName());
    return db_->Write(
        [&](Transaction& tx) {
          for (int i = 0; i < request->count(); ++i) {
            tx.Publish("test.published", request->subject(), *request);
          }
          return absl::OkStatus();
        },
        call.request_id);
  });
}

grpc::ServerUnaryReactor* TestModule::Unlisted(grpc::CallbackServerContext* context,
                                               const lvtest::v1::PublishRequest* request,
                                               lvtest::v1::PublishResponse* response) {
  return Publish(context, request, response);
}

WatchOptions TestServer::FastWatch() {
  WatchOptions w;
  w.poll_interval = absl::Milliseconds(10);
  w.heartbeat_interval = absl::Milliseconds(200);
  return w;
}

TestServer::TestServer(ServiceModule* module, WatchOptions watch) {
  ServerConfig config;
  config.service_name = "test";
  config.listen = "127.0.0.1:0";
  config.grace_period = absl::Seconds(2);
  config.watch = watch;
  host_ = std::make_unique<ServiceHost>(config, NewDevTokenAuthenticator());
  status_ = host_->Start(module);
}

TestServer::~TestServer() { host_->Shutdown(); }

std::shared_ptr<grpc::Channel> TestServer::Channel() const {
  return grpc::CreateChannel(absl::StrCat("127.0.0.1:", port()),
                             grpc::InsecureChannelCredentials());
}

std::unique_ptr<grpc::ClientContext> ContextAs(absl::string_view role, absl::string_view subject,
                                               absl::Duration timeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout));
  if (!role.empty()) {
    context->AddMetadata("authorization", absl::StrCat("Bearer dev.", role, ".", subject));
  }
  return context;
}

}  // namespace lv::platform::testing
