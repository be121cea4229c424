// Change-feed properties, compiled once per engine (SQLite and a real PostgreSQL server).
#include "platform/change_feed.h"

#include <random>
#include <set>
#include <thread>

#include "gtest/gtest.h"
#include "platform/feed_consumer.h"
#include "platform/testing/test_db.h"
#include "platform/testing/test_service.h"

namespace lv::platform {
namespace {

using testing::EngineUnderTest;
using testing::NewTestDatabase;

const std::vector<Migration> kConsumerSchema = {
    {1, "applied", "CREATE TABLE applied (sequence BIGINT PRIMARY KEY, subject TEXT NOT NULL);"}};

class ChangeFeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = NewTestDatabase(EngineUnderTest(), &clock_, &dsn_);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    ASSERT_TRUE(db_->Migrate("producer", {}).ok());
  }

  absl::Status PublishOne(absl::string_view subject) {
    return db_->Write([&](Transaction& tx) {
      lvtest::v1::PublishRequest payload;
      payload.set_subject(std::string(subject));
      tx.Publish("test.published", subject, payload);
      return absl::OkStatus();
    });
  }

  FakeClock clock_;
  std::string dsn_;
  std::unique_ptr<Database> db_;
};

TEST_F(ChangeFeedTest, EventIsVisibleOnlyIfItsChangeCommitted) {
  ChangeFeed feed(db_.get());
  absl::Status failed = db_->Write([](Transaction& tx) {
    lvtest::v1::PublishRequest payload;
    tx.Publish("test.published", "x", payload);
    return absl::AbortedError("business rule failed after publishing");
  });
  EXPECT_FALSE(failed.ok());
  auto none = feed.ReadAfter(0, 10);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  ASSERT_TRUE(PublishOne("a").ok());
  auto one = feed.ReadAfter(0, 10);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].sequence(), 1);
  EXPECT_EQ((*one)[0].subject(), "a");
  lvtest::v1::PublishRequest payload;
  ASSERT_TRUE((*one)[0].payload().UnpackTo(&payload));
  EXPECT_EQ(payload.subject(), "a");
}

TEST_F(ChangeFeedTest, ConcurrentWritersNeverMakeAReaderSkip) {
  ChangeFeed feed(db_.get());
  constexpr int kWriters = 6, kWritesEach = 40;
  std::atomic<bool> done{false};
  std::vector<int64_t> seen;
  // The reader tails the feed while writers commit; any hole it passed would be missing at the end.
  std::thread reader([&] {
    int64_t cursor = 0;
    while (true) {
      bool finished = done.load();
      auto batch = feed.ReadAfter(cursor, 50);
      ASSERT_TRUE(batch.ok()) << batch.status();
      for (const auto& e : *batch) {
        seen.push_back(e.sequence());
        cursor = e.sequence();
      }
      if (finished && batch->empty()) break;
    }
  });
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      std::mt19937 rng(w);
      for (int i = 0; i < kWritesEach; ++i) {
        absl::Status s = db_->Write([&](Transaction& tx) {
          lvtest::v1::PublishRequest payload;
          tx.Publish("test.published", "w", payload);
          if (rng() % 2) tx.Publish("test.published", "w", payload);
          // Overlap transactions so they would commit out of start order.
          std::this_thread::sleep_for(std::chrono::microseconds(rng() % 300));
          return absl::OkStatus();
        });
        ASSERT_TRUE(s.ok()) << s;
      }
    });
  }
  for (auto& t : writers) t.join();
  done.store(true);
  reader.join();
  auto bounds = feed.Bounds();
  ASSERT_TRUE(bounds.ok());
  ASSERT_EQ(static_cast<int64_t>(seen.size()), bounds->head);
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], static_cast<int64_t>(i + 1));
}

TEST_F(ChangeFeedTest, CursorChecksAndRetention) {
  ChangeFeed feed(db_.get());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(PublishOne("s").ok());
    clock_.Advance(absl::Hours(1));
  }
  EXPECT_TRUE(feed.CheckCursor(5).ok());
  EXPECT_EQ(feed.CheckCursor(6).code(), absl::StatusCode::kOutOfRange);
  auto pruned = feed.PruneBefore(clock_.Now() - absl::Minutes(150));  // events 1..3 are older
  ASSERT_TRUE(pruned.ok()) << pruned.status();
  EXPECT_EQ(*pruned, 3);
  EXPECT_EQ(feed.CheckCursor(2).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(feed.CheckCursor(3).ok());
  // Pruning everything keeps the newest event, so numbering continues without reuse.
  ASSERT_TRUE(feed.PruneBefore(clock_.Now() + absl::Hours(1)).ok());
  ASSERT_TRUE(PublishOne("t").ok());
  auto next = feed.ReadAfter(5, 10);
  ASSERT_TRUE(next.ok());
  ASSERT_EQ(next->size(), 1u);
  EXPECT_EQ((*next)[0].sequence(), 6);
}

TEST_F(ChangeFeedTest, LeaseHasOneHolderAndFencesTheOldOne) {
  ConsumerState a(db_.get(), "producer", "replica-a", absl::Seconds(15));
  ConsumerState b(db_.get(), "producer", "replica-b", absl::Seconds(15));
  ASSERT_TRUE(*a.TryAcquire());
  EXPECT_FALSE(*b.TryAcquire());
  clock_.Advance(absl::Seconds(16));  // a stops renewing: its lease runs out
  ASSERT_TRUE(*b.TryAcquire());
  absl::Status stale =
      db_->Write([&](Transaction& tx) { return a.Advance(tx, 0, 1, clock_.Now(), 1); });
  EXPECT_EQ(stale.code(), absl::StatusCode::kAborted);
  ASSERT_TRUE(
      db_->Write([&](Transaction& tx) { return b.Advance(tx, 0, 1, clock_.Now(), 1); }).ok());
  EXPECT_EQ(*b.Cursor(), 1);
  ASSERT_TRUE(b.Release().ok());
  EXPECT_TRUE(*a.TryAcquire());  // released: taken over at once
}

// A consumer in a second database, fed over real gRPC by the producer's Watch.
class ConsumerFixture : public ChangeFeedTest {
 protected:
  void SetUp() override {
    ChangeFeedTest::SetUp();
    auto consumer_db = NewTestDatabase(EngineUnderTest(), &RealClock(), &consumer_dsn_);
    ASSERT_TRUE(consumer_db.ok()) << consumer_db.status();
    consumer_db_ = *std::move(consumer_db);
    ASSERT_TRUE(consumer_db_->Migrate("consumer", kConsumerSchema).ok());
    const WatchOptions watch = testing::TestServer::FastWatch();
    module_ = std::make_unique<testing::TestModule>(db_.get(), watch);
    server_ = std::make_unique<testing::TestServer>(module_.get(), watch);
    ASSERT_TRUE(server_->status().ok()) << server_->status();
    stub_ = lvtest::v1::TestService::NewStub(server_->Channel());
  }

  std::unique_ptr<FeedConsumer> NewConsumer(Database* db, const std::string& holder,
                                            std::atomic<int>* fail_at = nullptr) {
    FeedConsumer::Options options;
    options.source = "producer";
    options.holder = holder;
    options.lease = absl::Seconds(2);
    options.retry_backoff = absl::Milliseconds(20);
    options.bearer_token = [] { return std::string("dev.service.consumer"); };
    auto opener = MakeWatchOpener<lvtest::v1::WatchRequest, lvtest::v1::WatchResponse>(
        std::shared_ptr<lvtest::v1::TestService::Stub>(
            lvtest::v1::TestService::NewStub(server_->Channel())),
        7);
    return std::make_unique<FeedConsumer>(
        db, options, opener, [fail_at](Transaction& tx, const ChangeEvent& e) -> absl::Status {
          if (fail_at != nullptr && e.sequence() == fail_at->load()) {
            return absl::InternalError("simulated crash while applying");
          }
          long long seq = e.sequence();
          tx.sql() << "INSERT INTO applied (sequence, subject) VALUES (:s, :sub)", soci::use(seq),
              soci::use(e.subject());
          return absl::OkStatus();
        });
  }

  int64_t AppliedCount() {
    long long n = 0;
    EXPECT_TRUE(consumer_db_
                    ->Read([&](soci::session& sql) {
                      sql << "SELECT COUNT(*) FROM applied", soci::into(n);
                      return absl::OkStatus();
                    })
                    .ok());
    return n;
  }

  // Polls the consumer's database (no sleeps standing in for synchronization).
  bool WaitForApplied(int64_t n) {
    for (int i = 0; i < 2000; ++i) {
      if (AppliedCount() >= n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }

  std::string consumer_dsn_;
  std::unique_ptr<Database> consumer_db_;
  std::unique_ptr<testing::TestModule> module_;
  std::unique_ptr<testing::TestServer> server_;
  std::unique_ptr<lvtest::v1::TestService::Stub> stub_;
};

TEST_F(ConsumerFixture, RestartResumesExactlyAfterTheLastAppliedEvent) {
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(PublishOne("e").ok());
  std::atomic<int> fail_at{18};  // applying event 18 "crashes": its batch rolls back
  auto first = NewConsumer(consumer_db_.get(), "r1", &fail_at);
  first->Start();
  ASSERT_TRUE(WaitForApplied(14));  // batches of 7: 1..14 committed, 15..21 keeps failing
  first->Stop();
  EXPECT_EQ(AppliedCount(), 14);
  EXPECT_EQ(*first->state().Cursor(), 14);

  auto second = NewConsumer(consumer_db_.get(), "r1");
  second->Start();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(PublishOne("late").ok());
  ASSERT_TRUE(WaitForApplied(40));
  second->Stop();
  EXPECT_EQ(AppliedCount(), 40);  // every event once: the primary key would reject a repeat
  auto lag = second->state().GetLag();
  ASSERT_TRUE(lag.ok());
  EXPECT_EQ(lag->cursor, 40);
  EXPECT_EQ(lag->source_head, 40);
}

TEST_F(ConsumerFixture, TwoReplicasApplyEachEventOnceAndHandOver) {
  auto replica_db = testing::OpenTestDatabase(consumer_dsn_, &RealClock());
  ASSERT_TRUE(replica_db.ok());
  auto a = NewConsumer(consumer_db_.get(), "replica-a");
  auto b = NewConsumer((*replica_db).get(), "replica-b");
  a->Start();
  b->Start();
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(PublishOne("x").ok());
  ASSERT_TRUE(WaitForApplied(50));
  // Stop whichever leads; the other takes over and applies the rest.
  FeedConsumer* leader = a->is_leader() ? a.get() : b.get();
  FeedConsumer* other = leader == a.get() ? b.get() : a.get();
  leader->Stop();
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(PublishOne("y").ok());
  ASSERT_TRUE(WaitForApplied(70));
  EXPECT_TRUE(other->is_leader());
  a->Stop();
  b->Stop();
  EXPECT_EQ(AppliedCount(), 70);
}

TEST_F(ConsumerFixture, SlowConsumerDoesNotBlockWriters) {
  // A Watch stream nobody reads from holds no lock a writer needs.
  auto context = testing::ContextAs("service", "slow");
  lvtest::v1::WatchRequest request;
  request.set_max_batch_size(1);
  auto reader = stub_->Watch(context.get(), request);
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(PublishOne("w").ok());
  lvtest::v1::WatchResponse first;
  do {
    ASSERT_TRUE(reader->Read(&first));  // the opening response may be an empty heartbeat
  } while (first.events_size() == 0);
  EXPECT_EQ(first.events(0).sequence(), 1);
  context->TryCancel();
  EXPECT_EQ(ChangeFeed(db_.get()).Bounds()->head, 300);
}

TEST_F(ConsumerFixture, WatchRejectsCursorsOutsideTheFeed) {
  ASSERT_TRUE(PublishOne("a").ok());
  {
    auto context = testing::ContextAs("service", "c");
    lvtest::v1::WatchRequest request;
    request.set_after_sequence(99);
    auto reader = stub_->Watch(context.get(), request);
    lvtest::v1::WatchResponse r;
    EXPECT_FALSE(reader->Read(&r));
    grpc::Status s = reader->Finish();
    EXPECT_EQ(s.error_code(), grpc::StatusCode::OUT_OF_RANGE) << s.error_message();
  }
  ASSERT_TRUE(PublishOne("b").ok());
  ChangeFeed feed(db_.get());
  clock_.Advance(absl::Hours(1));
  ASSERT_TRUE(feed.PruneBefore(clock_.Now()).ok());  // prunes event 1, keeps the head
  {
    auto context = testing::ContextAs("service", "c");
    lvtest::v1::WatchRequest request;
    request.set_after_sequence(0);
    auto reader = stub_->Watch(context.get(), request);
    lvtest::v1::WatchResponse r;
    EXPECT_FALSE(reader->Read(&r));
    grpc::Status s = reader->Finish();
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
  }
}

#ifdef LV_TEST_ENGINE_POSTGRES
// A PostgreSQL restart or fail-over drops every pooled connection; the next reads and writes
// must get fresh ones instead of failing until the process restarts.
TEST_F(ChangeFeedTest, ConnectionsTheServerDroppedAreReplaced) {
  ASSERT_TRUE(PublishOne("before").ok());
  auto admin = testing::OpenTestDatabase(dsn_, &clock_);
  ASSERT_TRUE(admin.ok()) << admin.status();
  int terminated = 0;
  ASSERT_TRUE((*admin)
                  ->Read([&](soci::session& sql) {
                    sql << "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity"
                           " WHERE datname = current_database() AND pid <> pg_backend_pid()",
                        soci::into(terminated);
                    return absl::OkStatus();
                  })
                  .ok());
  ASSERT_GT(terminated, 0);
  ChangeFeed feed(db_.get());
  // Every pooled connection is dead now: each of these takes one and must replace it.
  for (int i = 0; i < 8; ++i) {
    auto events = feed.ReadAfter(0, 10);
    ASSERT_TRUE(events.ok()) << "read " << i << ": " << events.status();
  }
  for (int i = 0; i < 8; ++i) {
    absl::Status written = PublishOne(absl::StrCat("after-", i));
    ASSERT_TRUE(written.ok()) << "write " << i << ": " << written;
  }
  auto events = feed.ReadAfter(0, 100);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->size(), 9u);
}
#endif

}  // namespace
}  // namespace lv::platform
