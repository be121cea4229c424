#pragma once

#include <functional>
#include <memory>

#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "platform/call_gate.h"
#include "platform/errors.h"

namespace lv::platform {

// The server side of a client-streaming RPC after admission: `on_message` sees each message (a
// non-OK status ends the call with it), `on_end` runs once the client has sent everything and
// gives the call's status. Only admitted calls reach either.
template <typename Request>
class ClientStream : public grpc::ServerReadReactor<Request> {
 public:
  using OnMessage = std::function<absl::Status(const CallInfo& call, Request& message)>;
  using OnEnd = std::function<absl::Status(const CallInfo& call)>;

  ClientStream(grpc::CallbackServerContext* context, OnMessage on_message, OnEnd on_end)
      : context_(context), on_message_(std::move(on_message)), on_end_(std::move(on_end)) {
    auto call = Admit(context);
    if (!call.ok()) {
      this->Finish(ToGrpcStatus(call.status()));
      return;
    }
    call_ = *std::move(call);
    this->StartRead(&message_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client half-closed, or the call broke
      if (context_->IsCancelled()) {
        this->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by the client"));
        return;
      }
      this->Finish(ToGrpcStatus(on_end_(*call_)));
      return;
    }
    absl::Status status = on_message_(*call_, message_);
    if (!status.ok()) {
      this->Finish(ToGrpcStatus(status));
      return;
    }
    message_.Clear();
    this->StartRead(&message_);
  }

  void OnDone() override { delete this; }

 private:
  grpc::CallbackServerContext* context_;
  OnMessage on_message_;
  OnEnd on_end_;
  std::shared_ptr<const CallInfo> call_;
  Request message_;
};

}  // namespace lv::platform
