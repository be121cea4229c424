#pragma once

#include <memory>
#include <vector>

#include "lerenverbeteren/coaching/v1/coaching_service.pb.h"
#include "lerenverbeteren/reporting/v1/reporting_service.grpc.pb.h"
#include "platform/change_feed.h"
#include "platform/feed_consumer.h"
#include "platform/server.h"

namespace lv::reporting {

namespace pb = ::lerenverbeteren::reporting::v1;

// This service's schema, embedded from migrations/ at build time.
const std::vector<platform::Migration>& Migrations();

// The read model's feeds: where they come from and who this replica is.
struct ReportingConfig {
  // The entitlement policy (--entitlement_policy), the same as coaching-svc's.
  lerenverbeteren::coaching::v1::EntitlementPolicy policy;
  std::string inspection_target;
  std::string intake_target;
  std::string coaching_target;
  platform::PeerCredentials peer;  // how to reach peers (TLS, service token)
  std::string replica_id;
};

absl::StatusOr<ReportingConfig> LoadReportingConfig(const platform::ServerConfig& server);

// Applies one event of `source` ("inspection", "intake", "coaching") to the read model.
absl::Status ApplyEvent(platform::Transaction& tx, const std::string& source,
                        const platform::ChangeEvent& event);

// The gRPC edge of reporting-svc, and the three feed consumers that fill its read model.
class ReportingService : public platform::ServiceModule,
                         public pb::ReportingService::CallbackService {
 public:
  ReportingService(platform::Database* db, const platform::ServerConfig& server,
                   ReportingConfig config, platform::Clock* clock = &platform::RealClock());
  ~ReportingService() override;

  std::vector<Exposed> GrpcServices() override;
  void AddPolicies(platform::PolicyTable& policy) const override;
  void StartBackground() override;
  void StopBackground() override;

  grpc::ServerWriteReactor<pb::WatchResponse>* Watch(grpc::CallbackServerContext* context,
                                                     const pb::WatchRequest* request) override;
  grpc::ServerUnaryReactor* GetFeedLag(grpc::CallbackServerContext* c,
                                       const pb::GetFeedLagRequest* r,
                                       pb::GetFeedLagResponse* out) override;
  grpc::ServerUnaryReactor* GetProgrammeReport(grpc::CallbackServerContext* c,
                                               const pb::GetProgrammeReportRequest* r,
                                               pb::ProgrammeReport* out) override;
  grpc::ServerUnaryReactor* ExportReport(grpc::CallbackServerContext* c,
                                         const pb::ExportReportRequest* r,
                                         pb::ExportReportResponse* out) override;
  grpc::ServerUnaryReactor* RenderChart(grpc::CallbackServerContext* c,
                                        const pb::RenderChartRequest* r,
                                        pb::RenderChartResponse* out) override;
  grpc::ServerUnaryReactor* GetTransparencyStatement(
      grpc::CallbackServerContext* c, const pb::GetTransparencyStatementRequest* r,
      lerenverbeteren::coaching::v1::TransparencyStatement* out) override;

 private:
  absl::StatusOr<pb::ProgrammeReport> Report(const pb::ReportFilter& filter);
  absl::StatusOr<std::vector<pb::FeedLag>> Lags();

  platform::Database* db_;
  platform::Clock* clock_;
  platform::ChangeFeed feed_;
  platform::WatchOptions watch_;
  ReportingConfig config_;
  std::vector<std::unique_ptr<platform::FeedConsumer>> consumers_;
};

}  // namespace lv::reporting
