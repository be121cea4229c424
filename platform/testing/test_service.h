#pragma once

#include <memory>
#include <string>

#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "lvtest/v1/test_service.grpc.pb.h"
#include "platform/change_feed.h"
#include "platform/server.h"

namespace lv::platform::testing {

// The platform's test service: Watch over its own feed, Publish writes `count` events.
class TestModule : public ServiceModule, public lvtest::v1::TestService::CallbackService {
 public:
  TestModule(Database* db, WatchOptions watch);
  std::vector<Exposed> GrpcServices() override;
  void AddPolicies(PolicyTable& policy) const override;

  grpc::ServerWriteReactor<lvtest::v1::WatchResponse>* Watch(
      grpc::CallbackServerContext* context, const lvtest::v1::WatchRequest* request) override;
  grpc::ServerUnaryReactor* Publish(grpc::CallbackServerContext* context,
                                    const lvtest::v1::PublishRequest* request,
                                    lvtest::v1::PublishResponse* response) override;
  grpc::ServerUnaryReactor* Unlisted(grpc::CallbackServerContext* context,
                                     const lvtest::v1::PublishRequest* request,
                                     lvtest::v1::PublishResponse* response) override;

  ChangeFeed& feed() { return feed_; }
  int handler_runs() const { return handler_runs_.load(); }
  bool list_unlisted = true;  // tests flip it to check the start-up policy check

 private:
  Database* db_;
  ChangeFeed feed_;
  WatchOptions watch_;
  std::atomic<int> handler_runs_{0};
};

// A ServiceHost on 127.0.0.1 with an ephemeral port and dev tokens.
class TestServer {
 public:
  // `watch` must be the options the module was built with (they share the drain flag).
  TestServer(ServiceModule* module, WatchOptions watch);
  ~TestServer();
  absl::Status status() const { return status_; }
  int port() const { return host_->port(); }
  std::shared_ptr<grpc::Channel> Channel() const;
  void Shutdown() { host_->Shutdown(); }
  static WatchOptions FastWatch();

 private:
  std::unique_ptr<ServiceHost> host_;
  absl::Status status_;
};

// A client context with a dev token for `role.subject` and a deadline.
std::unique_ptr<grpc::ClientContext> ContextAs(absl::string_view role, absl::string_view subject,
                                               absl::Duration timeout = absl::Seconds(10));

}  // namespace lv::platform::testing
