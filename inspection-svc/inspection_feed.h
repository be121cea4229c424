#pragma once

// For services that follow inspection-svc's change feed (coaching, intake, reporting): one
// consumer, set up the same way everywhere.

#include <memory>
#include <string>

#include "platform/feed_consumer.h"
#include "platform/tls.h"

namespace lv::inspection {

// A consumer of inspection-svc's feed at `target` (host:port), reached with `peer`'s TLS files and
// service token, applying with `apply` in the caller's database. `replica_id` holds the lease.
// Start() it once the server is up.
std::unique_ptr<platform::FeedConsumer> NewInspectionFeedConsumer(
    platform::Database* db, const std::string& target, const platform::PeerCredentials& peer,
    const std::string& replica_id, platform::FeedConsumer::ApplyFn apply);

}  // namespace lv::inspection
