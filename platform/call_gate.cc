#include "platform/call_gate.h"

#include <random>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"

namespace lv::platform {
namespace {

using grpc::experimental::InterceptionHookPoints;

// Calls in flight, keyed by their server context: the interceptor and the handler see the same
// context object, and gRPC 1.51 offers no other per-call slot to pass data between them.
class CallRegistry {
 public:
  static CallRegistry& Get() {
    static CallRegistry* registry = new CallRegistry();
    return *registry;
  }
  void Put(const grpc::ServerContextBase* ctx, std::shared_ptr<const CallInfo> info) {
    absl::MutexLock lock(&mu_);
    calls_[ctx] = std::move(info);
  }
  std::shared_ptr<const CallInfo> Find(const grpc::ServerContextBase* ctx) {
    absl::MutexLock lock(&mu_);
    auto it = calls_.find(ctx);
    return it == calls_.end() ? nullptr : it->second;
  }
  void Remove(const grpc::ServerContextBase* ctx) {
    absl::MutexLock lock(&mu_);
    calls_.erase(ctx);
  }

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<const grpc::ServerContextBase*, std::shared_ptr<const CallInfo>> calls_
      ABSL_GUARDED_BY(mu_);
};

// By AIP naming, Get*, List*, Watch* and Search* read; everything else may change state.
bool IsMutation(absl::string_view method) {
  absl::string_view name = method.substr(method.rfind('/') + 1);
  for (absl::string_view read :
       {"Get", "List", "Watch", "Search", "Check", "Suggest", "ServerReflectionInfo"}) {
    if (absl::StartsWith(name, read)) return false;
  }
  return true;
}

bool ValidRequestId(absl::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_' && c != '.' && c != ':') return false;
  }
  return true;
}

class CallGate : public grpc::experimental::Interceptor {
 public:
  CallGate(grpc::experimental::ServerRpcInfo* info, const Authenticator* authenticator,
           const PolicyTable* policy, Clock* clock)
      : rpc_(info), authenticator_(authenticator), policy_(policy), clock_(clock) {}

  ~CallGate() override {
    if (admitted_) CallRegistry::Get().Remove(rpc_->server_context());
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      Admit(*methods->GetRecvInitialMetadata());
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA) &&
        info_ != nullptr) {
      methods->GetSendInitialMetadata()->emplace("x-request-id", info_->request_id);
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS) &&
        info_ != nullptr) {
      grpc::Status status = methods->GetSendStatus();
      if (!info_->admission.ok()) {
        status = ToGrpcStatus(info_->admission);
        methods->ModifySendStatus(status);
      }
      LogFields fields = info_->LogContext();
      fields.emplace_back("code", static_cast<int>(status.error_code()));
      fields.emplace_back("duration_ms", absl::ToDoubleMilliseconds(clock_->Now() - info_->start));
      if (!status.ok()) fields.emplace_back("error", status.error_message());
      // Every call that may change something is an audit line; reads are debug unless they fail.
      const bool mutation = IsMutation(info_->method);
      if (mutation) fields.emplace_back("audit", "mutation");
      Log(status.ok() && !mutation ? LogLevel::kDebug : LogLevel::kInfo, "rpc.finish", fields);
    }
    methods->Proceed();
  }

 private:
  void Admit(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
    auto info = std::make_shared<CallInfo>();
    info->method = rpc_->method();
    info->start = clock_->Now();
    absl::Status authn = absl::OkStatus();
    for (const auto& [key, value] : metadata) {
      absl::string_view k(key.data(), key.size());
      absl::string_view v(value.data(), value.size());
      if (k == "x-request-id" && ValidRequestId(v)) {
        info->request_id = std::string(v);
      } else if (k == "authorization") {
        if (!absl::StartsWithIgnoreCase(v, "bearer ")) {
          authn = absl::UnauthenticatedError("authorization metadata must be 'Bearer <token>'");
          continue;
        }
        auto principal = authenticator_->Authenticate(v.substr(7));
        if (principal.ok()) {
          info->caller = *std::move(principal);
        } else {
          authn = principal.status();
        }
      }
    }
    if (info->request_id.empty()) info->request_id = NewRequestId();
    info->admission =
        authn.ok() ? policy_->Authorize(info->method, info->caller ? &*info->caller : nullptr)
                   : authn;
    if (!info->admission.ok()) {
      LogFields fields = info->LogContext();
      fields.emplace_back("reason", std::string(info->admission.message()));
      LogWarn("rpc.denied", fields);
    }
    info_ = info;
    CallRegistry::Get().Put(rpc_->server_context(), std::move(info));
    admitted_ = true;
  }

  grpc::experimental::ServerRpcInfo* rpc_;
  const Authenticator* authenticator_;
  const PolicyTable* policy_;
  Clock* clock_;
  std::shared_ptr<const CallInfo> info_;
  bool admitted_ = false;
};

}  // namespace

grpc::experimental::Interceptor* CallGateFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new CallGate(info, authenticator_, policy_, clock_);
}

absl::StatusOr<std::shared_ptr<const CallInfo>> Admit(grpc::ServerContextBase* context) {
  std::shared_ptr<const CallInfo> info = CallRegistry::Get().Find(context);
  if (info == nullptr) {
    return absl::InternalError("call was not admitted by the call gate (server misconfigured)");
  }
  if (!info->admission.ok()) return info->admission;
  return info;
}

std::string NewRequestId() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return absl::StrFormat("%016x", rng());
}

}  // namespace lv::platform
