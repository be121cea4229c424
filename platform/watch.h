#pragma once

#include <atomic>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/alarm.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "platform/call_gate.h"
#include "platform/change_feed.h"
#include "platform/errors.h"

namespace lv::platform {

struct WatchOptions {
  absl::Duration poll_interval = absl::Milliseconds(100);  // how often an idle stream looks again
  absl::Duration heartbeat_interval = absl::Seconds(5);    // empty response while idle
  int default_batch = 500;
  int max_batch = 5000;
  // Set by the server while it drains: its open Watch streams end with UNAVAILABLE (resume from
  // the cursor elsewhere) instead of holding the shutdown up. Copies share one flag, so the
  // module's streams and the host that drains them must be built from the same options.
  std::shared_ptr<std::atomic<bool>> draining = std::make_shared<std::atomic<bool>>(false);
};

// The server side of every service's Watch RPC. The stream owns exactly one pending operation at
// any time (a write or a poll alarm), and only the owner of that turn may start the next one or
// finish the call, so there is no race between cancellation, polling and writing.
// Idle streams poll their own feed (an index range scan) every poll_interval; that keeps
// replicas correct without cross-process notification.
template <typename Request, typename Response>
class WatchStream : public grpc::ServerWriteReactor<Response> {
 public:
  WatchStream(grpc::CallbackServerContext* context, const Request& request, ChangeFeed* feed,
              const WatchOptions& options)
      : feed_(feed), options_(options), after_(request.after_sequence()) {
    auto call = Admit(context);
    if (!call.ok()) {
      this->Finish(ToGrpcStatus(call.status()));
      return;
    }
    if (request.max_batch_size() < 0) {
      this->Finish(ToGrpcStatus(FieldError("max_batch_size", "must not be negative")));
      return;
    }
    batch_ = request.max_batch_size() == 0 ? options.default_batch
                                           : std::min(request.max_batch_size(), options.max_batch);
    absl::Status cursor = feed_->CheckCursor(after_);
    if (!cursor.ok()) {
      this->Finish(ToGrpcStatus(cursor));
      return;
    }
    // The first response goes out at once, even empty, so a client learns the head immediately.
    last_send_ = absl::InfinitePast();
    Pump();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      this->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "stream closed by the client"));
      return;
    }
    Pump();
  }

  void OnCancel() override {
    cancelled_.store(true);
    alarm_.Cancel();  // wakes a waiting poll at once; a pending write fails by itself
  }

  void OnDone() override { delete this; }

 private:
  // Reads the next batch and writes it, or waits one poll interval. Runs only in the turn owner.
  void Pump() {
    if (cancelled_.load()) {
      this->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "watch cancelled"));
      return;
    }
    if (options_.draining->load()) {
      this->Finish(
          grpc::Status(grpc::StatusCode::UNAVAILABLE,
                       absl::StrCat("server is draining; resume after sequence ", after_)));
      return;
    }
    auto events = feed_->ReadAfter(after_, batch_);
    if (!events.ok()) {
      this->Finish(ToGrpcStatus(events.status()));
      return;
    }
    const bool heartbeat_due = absl::Now() - last_send_ >= options_.heartbeat_interval;
    if (events->empty() && !heartbeat_due) {
      alarm_.Set(
          std::chrono::system_clock::now() + absl::ToChronoMilliseconds(options_.poll_interval),
          [this](bool) { Pump(); });
      return;
    }
    response_.Clear();
    auto bounds = feed_->Bounds();
    response_.set_head_sequence(bounds.ok() ? bounds->head : after_);
    for (auto& e : *events) *response_.add_events() = std::move(e);
    if (response_.events_size() > 0) {
      after_ = response_.events(response_.events_size() - 1).sequence();
      if (response_.head_sequence() < after_) response_.set_head_sequence(after_);
    }
    last_send_ = absl::Now();
    this->StartWrite(&response_);
  }

  ChangeFeed* feed_;
  WatchOptions options_;
  int64_t after_;
  int batch_ = 0;
  absl::Time last_send_;
  std::atomic<bool> cancelled_{false};
  grpc::Alarm alarm_;
  Response response_;
};

}  // namespace lv::platform
