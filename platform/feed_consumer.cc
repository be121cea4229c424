#include "platform/feed_consumer.h"

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "platform/logging.h"
#include "platform/status_macros.h"

// Defined with the other common flags in server.cc (always linked into a service).
ABSL_DECLARE_FLAG(absl::Duration, feed_lease);

namespace lv::platform {

namespace {
FeedConsumer::Options WithLease(FeedConsumer::Options o) {
  if (o.lease <= absl::ZeroDuration()) o.lease = absl::GetFlag(FLAGS_feed_lease);
  return o;
}
}  // namespace

FeedConsumer::FeedConsumer(Database* db, Options options, FeedStreamOpener opener, ApplyFn apply)
    : db_(db),
      options_(WithLease(std::move(options))),
      opener_(std::move(opener)),
      apply_(std::move(apply)),
      state_(db, options_.source, options_.holder, options_.lease) {}

FeedConsumer::~FeedConsumer() { Stop(); }

void FeedConsumer::Start() {
  thread_ = std::thread([this] { Run(); });
}

void FeedConsumer::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  {
    absl::MutexLock lock(&mu_);
    if (active_context_ != nullptr) active_context_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
}

bool FeedConsumer::is_leader() const {
  absl::MutexLock lock(&mu_);
  return leader_;
}

void FeedConsumer::Run() {
  const LogFields who = {{"source", options_.source}, {"holder", options_.holder}};
  while (!stop_.HasBeenNotified()) {
    auto held = state_.TryAcquire();
    {
      absl::MutexLock lock(&mu_);
      leader_ = held.ok() && *held;
    }
    if (!held.ok() || !*held) {
      if (!held.ok()) {
        LogFields f = who;
        f.emplace_back("error", std::string(held.status().message()));
        LogWarn("feed.lease_error", f);
      }
      stop_.WaitForNotificationWithTimeout(options_.lease / 3);
      continue;
    }
    absl::Status status = ConsumeOnce();
    if (!status.ok() && !stop_.HasBeenNotified()) {
      LogFields f = who;
      f.emplace_back("error", std::string(status.message()));
      LogWarn("feed.consume_interrupted", f);
      stop_.WaitForNotificationWithTimeout(options_.retry_backoff);
    }
  }
  {
    absl::MutexLock lock(&mu_);
    leader_ = false;
  }
  (void)state_.Release();
}

absl::Status FeedConsumer::ConsumeOnce() {
  LV_ASSIGN_OR_RETURN(int64_t cursor, state_.Cursor());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoMilliseconds(options_.stream_max_age));
  if (options_.bearer_token) {
    context.AddMetadata("authorization", absl::StrCat("Bearer ", options_.bearer_token()));
  }
  {
    absl::MutexLock lock(&mu_);
    if (stop_.HasBeenNotified()) return absl::CancelledError("stopping");
    active_context_ = &context;
  }
  std::unique_ptr<FeedStream> stream = opener_(&context, cursor);
  std::vector<ChangeEvent> events;
  int64_t head = 0;
  absl::Status result = absl::OkStatus();
  while (stream->Next(&events, &head)) {
    const int64_t from = cursor;
    const int64_t to = events.empty() ? cursor : events.back().sequence();
    absl::Time last_time = absl::InfinitePast();
    if (!events.empty()) {
      const auto& ts = events.back().create_time();
      last_time = absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
    }
    // Applying and moving the cursor commit together; a heartbeat only renews the lease.
    result = db_->Write([&](Transaction& tx) -> absl::Status {
      for (const ChangeEvent& e : events) {
        if (e.sequence() <= from) continue;  // redelivered after a reconnect
        LV_RETURN_IF_ERROR(apply_(tx, e));
      }
      return state_.Advance(tx, from, to, last_time, head);
    });
    if (!result.ok()) break;
    cursor = to;
  }
  {
    absl::MutexLock lock(&mu_);
    active_context_ = nullptr;
  }
  if (!result.ok()) {
    context.TryCancel();
    (void)stream->Finish();
    return result;
  }
  absl::Status end = stream->Finish();
  // A stream reaching its own deadline is the normal way to cycle connections.
  if (end.code() == absl::StatusCode::kDeadlineExceeded) return absl::OkStatus();
  return end;
}

}  // namespace lv::platform
