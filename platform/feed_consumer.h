#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/sync_stream.h"
#include "platform/change_feed.h"
#include "platform/errors.h"

namespace lv::platform {

// One open Watch stream of another service, whatever its generated types.
class FeedStream {
 public:
  virtual ~FeedStream() = default;
  // Blocks for the next batch; false when the stream ended (then call Finish).
  virtual bool Next(std::vector<ChangeEvent>* events, int64_t* head) = 0;
  virtual absl::Status Finish() = 0;
};

// Opens a stream after `cursor` on a prepared client context.
using FeedStreamOpener =
    std::function<std::unique_ptr<FeedStream>(grpc::ClientContext* context, int64_t cursor)>;

// Adapts a generated stub's Watch method: MakeWatchOpener<WatchRequest, WatchResponse>(stub).
template <typename Request, typename Response, typename Stub>
FeedStreamOpener MakeWatchOpener(std::shared_ptr<Stub> stub, int max_batch = 500) {
  class Stream : public FeedStream {
   public:
    explicit Stream(std::unique_ptr<grpc::ClientReader<Response>> reader)
        : reader_(std::move(reader)) {}
    bool Next(std::vector<ChangeEvent>* events, int64_t* head) override {
      Response response;
      if (!reader_->Read(&response)) return false;
      events->assign(response.events().begin(), response.events().end());
      *head = response.head_sequence();
      return true;
    }
    absl::Status Finish() override { return FromGrpcStatus(reader_->Finish()); }

   private:
    std::unique_ptr<grpc::ClientReader<Response>> reader_;
  };
  return [stub, max_batch](grpc::ClientContext* context, int64_t cursor) {
    Request request;
    request.set_after_sequence(cursor);
    request.set_max_batch_size(max_batch);
    return std::unique_ptr<FeedStream>(new Stream(stub->Watch(context, request)));
  };
}

// Applies another service's change feed to this service's database: each batch is applied and the
// cursor advanced in one transaction (at-least-once delivery, exactly-once effect), and only the
// replica holding the lease applies. Runs on its own thread until Stop().
class FeedConsumer {
 public:
  // Applies one event inside the transaction; must be idempotent in effect only through the
  // cursor (it runs once per committed cursor move). A non-OK status rolls the batch back and
  // the consumer retries after a back-off.
  using ApplyFn = std::function<absl::Status(Transaction& tx, const ChangeEvent& event)>;

  struct Options {
    std::string source;  // feed name, e.g. "inspection"
    std::string holder;  // this replica's id (pod name + random suffix)
    // Zero means --feed_lease (default 15 s): when the holder dies, another replica takes over
    // after this long; an orderly stop releases it at once.
    absl::Duration lease = absl::ZeroDuration();
    absl::Duration stream_max_age = absl::Minutes(5);  // deadline of one Watch call
    absl::Duration retry_backoff = absl::Milliseconds(500);
    // The service's own credential for the source, asked for at each stream (tokens renew).
    std::function<std::string()> bearer_token;
  };

  FeedConsumer(Database* db, Options options, FeedStreamOpener opener, ApplyFn apply);
  ~FeedConsumer();

  void Start();
  // Stops the loop, releases the lease, and joins the thread.
  void Stop();

  const ConsumerState& state() const { return state_; }
  // Whether this replica holds the lease right now (as last seen).
  bool is_leader() const;

 private:
  void Run();
  // One leadership period: stream and apply until the stream ends, leadership is lost or Stop().
  absl::Status ConsumeOnce();

  Database* db_;
  Options options_;
  FeedStreamOpener opener_;
  ApplyFn apply_;
  ConsumerState state_;
  absl::Notification stop_;
  std::thread thread_;
  mutable absl::Mutex mu_;
  grpc::ClientContext* active_context_ ABSL_GUARDED_BY(mu_) = nullptr;
  bool leader_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace lv::platform
