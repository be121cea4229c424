#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_interceptor.h"
#include "platform/auth.h"
#include "platform/clock.h"
#include "platform/errors.h"
#include "platform/logging.h"

namespace lv::platform {

// What the gate learned about one incoming call before any handler ran.
struct CallInfo {
  std::string method;      // "/pkg.Service/Method"
  std::string request_id;  // from x-request-id metadata, or generated
  std::optional<Principal> caller;
  absl::Status admission;  // OK, UNAUTHENTICATED or PERMISSION_DENIED
  absl::Time start;

  std::string CallerName() const { return caller ? caller->ToString() : "anonymous"; }
  // Fields every log line of this request carries.
  LogFields LogContext() const {
    return {{"request_id", request_id}, {"method", method}, {"caller", CallerName()}};
  }
};

// The interceptor every server installs: authenticates the bearer token, checks the method in
// the policy table, assigns the request id, and logs one line per finished call. A denied call
// ends with the denial status whatever its handler does; handlers reach their caller only through
// Admit(), which refuses denied calls, so no handler can skip authorization.
class CallGateFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  CallGateFactory(const Authenticator* authenticator, const PolicyTable* policy, Clock* clock)
      : authenticator_(authenticator), policy_(policy), clock_(clock) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  const Authenticator* authenticator_;
  const PolicyTable* policy_;
  Clock* clock_;
};

// The call's admission record, or the reason it may not proceed.
absl::StatusOr<std::shared_ptr<const CallInfo>> Admit(grpc::ServerContextBase* context);

// Runs a unary handler body after admission and maps its status at the edge:
//   return lv::platform::Unary(ctx, [&](const CallInfo& call) { ...; return absl::OkStatus(); });
template <typename Body>
grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* context, Body&& body) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto call = Admit(context);
  if (!call.ok()) {
    reactor->Finish(ToGrpcStatus(call.status()));
    return reactor;
  }
  absl::Status status = body(**call);
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

// A fresh random request id (hex).
std::string NewRequestId();

}  // namespace lv::platform
