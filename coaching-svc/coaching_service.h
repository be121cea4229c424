#pragma once

#include <memory>
#include <vector>

#include "coaching-svc/coaching.h"
#include "lerenverbeteren/coaching/v1/coaching_service.grpc.pb.h"
#include "platform/change_feed.h"
#include "platform/feed_consumer.h"
#include "platform/server.h"

namespace lv::coaching {

namespace pb = ::lerenverbeteren::coaching::v1;

// This service's schema, embedded from migrations/ at build time.
const std::vector<platform::Migration>& Migrations();

struct CoachingConfig {
  pb::EntitlementPolicy policy;
  // inspection-svc's address for its change feed; empty = not consuming (verdict changes during
  // a trajectory then go unnoticed).
  std::string inspection_target;
  platform::PeerCredentials peer;  // how to reach peers (TLS, service token)
  std::string replica_id;          // this process, for the feed lease
};

// Reads --entitlement_policy (default: the compiled-in policy); peers come from ServerConfig.
absl::StatusOr<CoachingConfig> LoadCoachingConfig(const platform::ServerConfig& server);

// The gRPC edge of coaching-svc: validates, authorizes (call gate + policy table below, row-level
// rules in Coaching), calls the domain and maps its status. Also runs the inspection-feed consumer.
class CoachingService : public platform::ServiceModule,
                        public pb::CoachingService::CallbackService {
 public:
  CoachingService(platform::Database* db, const platform::ServerConfig& server,
                  CoachingConfig config, platform::Clock* clock = &platform::RealClock());
  ~CoachingService() override;

  std::vector<Exposed> GrpcServices() override;
  void AddPolicies(platform::PolicyTable& policy) const override;
  void StartBackground() override;
  void StopBackground() override;
  Coaching& domain() { return coaching_; }

  grpc::ServerWriteReactor<pb::WatchResponse>* Watch(grpc::CallbackServerContext* context,
                                                     const pb::WatchRequest* request) override;
  grpc::ServerUnaryReactor* OpenTrajectory(grpc::CallbackServerContext* context,
                                           const pb::OpenTrajectoryRequest* request,
                                           pb::Trajectory* response) override;
  grpc::ServerUnaryReactor* GetTrajectory(grpc::CallbackServerContext* context,
                                          const pb::GetTrajectoryRequest* request,
                                          pb::Trajectory* response) override;
  grpc::ServerUnaryReactor* ListTrajectories(grpc::CallbackServerContext* context,
                                             const pb::ListTrajectoriesRequest* request,
                                             pb::ListTrajectoriesResponse* response) override;
  grpc::ServerUnaryReactor* TransitionTrajectory(grpc::CallbackServerContext* context,
                                                 const pb::TransitionTrajectoryRequest* request,
                                                 pb::Trajectory* response) override;
  grpc::ServerUnaryReactor* HandOverTrajectory(grpc::CallbackServerContext* context,
                                               const pb::HandOverTrajectoryRequest* request,
                                               pb::Trajectory* response) override;
  grpc::ServerUnaryReactor* ExtendTrajectory(grpc::CallbackServerContext* context,
                                             const pb::ExtendTrajectoryRequest* request,
                                             pb::Trajectory* response) override;
  grpc::ServerUnaryReactor* CloseTrajectory(grpc::CallbackServerContext* context,
                                            const pb::CloseTrajectoryRequest* request,
                                            pb::Trajectory* response) override;
  grpc::ServerUnaryReactor* CompleteAftercare(grpc::CallbackServerContext* context,
                                              const pb::CompleteAftercareRequest* request,
                                              pb::Trajectory* response) override;
  grpc::ServerUnaryReactor* ListDueAftercare(grpc::CallbackServerContext* context,
                                             const pb::ListDueAftercareRequest* request,
                                             pb::ListDueAftercareResponse* response) override;
  grpc::ServerUnaryReactor* LogSession(grpc::CallbackServerContext* context,
                                       const pb::LogSessionRequest* request,
                                       pb::Session* response) override;
  grpc::ServerUnaryReactor* CorrectSession(grpc::CallbackServerContext* context,
                                           const pb::CorrectSessionRequest* request,
                                           pb::Session* response) override;
  grpc::ServerUnaryReactor* CancelSession(grpc::CallbackServerContext* context,
                                          const pb::CancelSessionRequest* request,
                                          pb::Session* response) override;
  grpc::ServerUnaryReactor* ListSessions(grpc::CallbackServerContext* context,
                                         const pb::ListSessionsRequest* request,
                                         pb::ListSessionsResponse* response) override;
  grpc::ServerUnaryReactor* ListLedgerEntries(grpc::CallbackServerContext* context,
                                              const pb::ListLedgerEntriesRequest* request,
                                              pb::ListLedgerEntriesResponse* response) override;
  grpc::ServerUnaryReactor* GetTransparencyStatement(
      grpc::CallbackServerContext* context, const pb::GetTransparencyStatementRequest* request,
      pb::TransparencyStatement* response) override;
  grpc::ServerUnaryReactor* SubmitEvaluation(grpc::CallbackServerContext* context,
                                             const pb::SubmitEvaluationRequest* request,
                                             pb::Evaluation* response) override;
  grpc::ServerUnaryReactor* RecordReview(grpc::CallbackServerContext* context,
                                         const pb::RecordReviewRequest* request,
                                         pb::Trajectory* response) override;
  grpc::ServerUnaryReactor* RecordProgressTalk(grpc::CallbackServerContext* context,
                                               const pb::RecordProgressTalkRequest* request,
                                               pb::Trajectory* response) override;
  grpc::ServerUnaryReactor* ListDueRestorations(grpc::CallbackServerContext* context,
                                                const pb::ListDueRestorationsRequest* request,
                                                pb::ListDueRestorationsResponse* response) override;
  grpc::ServerUnaryReactor* CreateGoal(grpc::CallbackServerContext* context,
                                       const pb::CreateGoalRequest* request,
                                       pb::Goal* response) override;
  grpc::ServerUnaryReactor* RecordMeasurement(grpc::CallbackServerContext* context,
                                              const pb::RecordMeasurementRequest* request,
                                              pb::Goal* response) override;
  grpc::ServerUnaryReactor* ListGoals(grpc::CallbackServerContext* context,
                                      const pb::ListGoalsRequest* request,
                                      pb::ListGoalsResponse* response) override;
  grpc::ServerUnaryReactor* ListOverdueGoals(grpc::CallbackServerContext* context,
                                             const pb::ListOverdueGoalsRequest* request,
                                             pb::ListOverdueGoalsResponse* response) override;
  grpc::ServerUnaryReactor* LogIntervention(grpc::CallbackServerContext* context,
                                            const pb::LogInterventionRequest* request,
                                            pb::Intervention* response) override;
  grpc::ServerUnaryReactor* SearchInterventions(grpc::CallbackServerContext* context,
                                                const pb::SearchInterventionsRequest* request,
                                                pb::SearchInterventionsResponse* response) override;

 private:
  platform::Database* db_;
  platform::ChangeFeed feed_;
  platform::WatchOptions watch_;
  CoachingConfig config_;
  Coaching coaching_;
  std::unique_ptr<platform::FeedConsumer> inspection_feed_;
};

}  // namespace lv::coaching
