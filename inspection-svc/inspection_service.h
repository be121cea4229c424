#pragma once

#include <memory>
#include <vector>

#include "inspection-svc/inspection.h"
#include "lerenverbeteren/inspection/v1/inspection_service.grpc.pb.h"
#include "platform/change_feed.h"
#include "platform/server.h"

namespace lv::inspection {

namespace pb = ::lerenverbeteren::inspection::v1;

// This service's schema, embedded from migrations/ at build time.
const std::vector<platform::Migration>& Migrations();

struct InspectionConfig {
  // The largest file ImportVerdictFile accepts (the inspectorate's files are about 1 MB).
  int64_t max_import_bytes = 64 << 20;
  int max_push_records = 10000;
};

// The gRPC edge of inspection-svc: validates, authorizes (through the call gate and the policy
// table below), calls the domain (Inspection) and maps its status.
class InspectionService : public platform::ServiceModule,
                          public pb::InspectionService::CallbackService {
 public:
  InspectionService(platform::Database* db, const platform::ServerConfig& config,
                    InspectionConfig inspection = {},
                    platform::Clock* clock = &platform::RealClock());

  std::vector<Exposed> GrpcServices() override;
  void AddPolicies(platform::PolicyTable& policy) const override;

  grpc::ServerWriteReactor<pb::WatchResponse>* Watch(grpc::CallbackServerContext* context,
                                                     const pb::WatchRequest* request) override;
  grpc::ServerUnaryReactor* GetDepartment(grpc::CallbackServerContext* context,
                                          const pb::GetDepartmentRequest* request,
                                          pb::Department* response) override;
  grpc::ServerUnaryReactor* ListDepartments(grpc::CallbackServerContext* context,
                                            const pb::ListDepartmentsRequest* request,
                                            pb::ListDepartmentsResponse* response) override;
  grpc::ServerUnaryReactor* CreateDepartment(grpc::CallbackServerContext* context,
                                             const pb::CreateDepartmentRequest* request,
                                             pb::Department* response) override;
  grpc::ServerUnaryReactor* CloseDepartment(grpc::CallbackServerContext* context,
                                            const pb::CloseDepartmentRequest* request,
                                            pb::Department* response) override;
  grpc::ServerUnaryReactor* ListVerdicts(grpc::CallbackServerContext* context,
                                         const pb::ListVerdictsRequest* request,
                                         pb::ListVerdictsResponse* response) override;
  grpc::ServerUnaryReactor* RecordVerdict(grpc::CallbackServerContext* context,
                                          const pb::RecordVerdictRequest* request,
                                          pb::Verdict* response) override;
  grpc::ServerUnaryReactor* WithdrawVerdict(grpc::CallbackServerContext* context,
                                            const pb::WithdrawVerdictRequest* request,
                                            pb::Verdict* response) override;
  grpc::ServerUnaryReactor* RecordRiskSignal(grpc::CallbackServerContext* context,
                                             const pb::RecordRiskSignalRequest* request,
                                             pb::RiskSignal* response) override;
  grpc::ServerUnaryReactor* ListRiskSignals(grpc::CallbackServerContext* context,
                                            const pb::ListRiskSignalsRequest* request,
                                            pb::ListRiskSignalsResponse* response) override;
  grpc::ServerReadReactor<pb::PushRecordsRequest>* PushRecords(
      grpc::CallbackServerContext* context, pb::PushRecordsResponse* response) override;
  grpc::ServerReadReactor<pb::ImportVerdictFileRequest>* ImportVerdictFile(
      grpc::CallbackServerContext* context, pb::ImportRun* response) override;
  grpc::ServerUnaryReactor* GetImportRun(grpc::CallbackServerContext* context,
                                         const pb::GetImportRunRequest* request,
                                         pb::ImportRun* response) override;
  grpc::ServerUnaryReactor* ListImportRuns(grpc::CallbackServerContext* context,
                                           const pb::ListImportRunsRequest* request,
                                           pb::ListImportRunsResponse* response) override;
  grpc::ServerUnaryReactor* ListDueRestorations(grpc::CallbackServerContext* context,
                                                const pb::ListDueRestorationsRequest* request,
                                                pb::ListDueRestorationsResponse* response) override;
  grpc::ServerUnaryReactor* ListVeryWeakDepartments(
      grpc::CallbackServerContext* context, const pb::ListVeryWeakDepartmentsRequest* request,
      pb::ListVeryWeakDepartmentsResponse* response) override;
  grpc::ServerUnaryReactor* GetYearEndCounts(grpc::CallbackServerContext* context,
                                             const pb::GetYearEndCountsRequest* request,
                                             pb::GetYearEndCountsResponse* response) override;

 private:
  platform::ChangeFeed feed_;
  platform::WatchOptions watch_;
  InspectionConfig config_;
  Inspection inspection_;
};

}  // namespace lv::inspection
