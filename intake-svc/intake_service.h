#pragma once

#include <memory>
#include <vector>

#include "intake-svc/intake.h"
#include "lerenverbeteren/intake/v1/intake_service.grpc.pb.h"
#include "platform/change_feed.h"
#include "platform/feed_consumer.h"
#include "platform/server.h"

namespace lv::intake {

namespace pb = ::lerenverbeteren::intake::v1;

// This service's schema, embedded from migrations/ at build time.
const std::vector<platform::Migration>& Migrations();

struct IntakeConfig {
  IntakeSettings settings;
  std::string inspection_target;   // empty = not consuming inspection's feed
  std::string coaching_target;     // empty = ConfirmMatch cannot open trajectories
  platform::PeerCredentials peer;  // how to reach peers (TLS, service token)
  absl::Duration call_timeout = absl::Seconds(5);
  std::string replica_id;
};

// Reads --matching_weights, --intake_target_days, --match_target_days, --call_timeout; peers
// come from ServerConfig.
absl::StatusOr<IntakeConfig> LoadIntakeConfig(const platform::ServerConfig& server);

// coaching-svc over gRPC: deadline on every call, retries only for these idempotent calls.
std::unique_ptr<TrajectoryPort> NewCoachingClient(const std::string& target,
                                                  const platform::PeerCredentials& peer,
                                                  absl::Duration timeout);

// The gRPC edge of intake-svc.
class IntakeService : public platform::ServiceModule, public pb::IntakeService::CallbackService {
 public:
  IntakeService(platform::Database* db, const platform::ServerConfig& server, IntakeConfig config,
                platform::Clock* clock = &platform::RealClock());
  ~IntakeService() override;

  std::vector<Exposed> GrpcServices() override;
  void AddPolicies(platform::PolicyTable& policy) const override;
  void StartBackground() override;
  void StopBackground() override;
  Intake& domain() { return intake_; }

  grpc::ServerWriteReactor<pb::WatchResponse>* Watch(grpc::CallbackServerContext* context,
                                                     const pb::WatchRequest* request) override;
  grpc::ServerUnaryReactor* CreateRegistration(grpc::CallbackServerContext* c,
                                               const pb::CreateRegistrationRequest* r,
                                               pb::Registration* out) override;
  grpc::ServerUnaryReactor* GetRegistration(grpc::CallbackServerContext* c,
                                            const pb::GetRegistrationRequest* r,
                                            pb::Registration* out) override;
  grpc::ServerUnaryReactor* ListRegistrations(grpc::CallbackServerContext* c,
                                              const pb::ListRegistrationsRequest* r,
                                              pb::ListRegistrationsResponse* out) override;
  grpc::ServerUnaryReactor* PlanIntake(grpc::CallbackServerContext* c,
                                       const pb::PlanIntakeRequest* r,
                                       pb::Registration* out) override;
  grpc::ServerUnaryReactor* RecordIntake(grpc::CallbackServerContext* c,
                                         const pb::RecordIntakeRequest* r,
                                         pb::Registration* out) override;
  grpc::ServerUnaryReactor* CloseRegistration(grpc::CallbackServerContext* c,
                                              const pb::CloseRegistrationRequest* r,
                                              pb::Registration* out) override;
  grpc::ServerUnaryReactor* CreateCoach(grpc::CallbackServerContext* c,
                                        const pb::CreateCoachRequest* r, pb::Coach* out) override;
  grpc::ServerUnaryReactor* UpdateCoach(grpc::CallbackServerContext* c,
                                        const pb::UpdateCoachRequest* r, pb::Coach* out) override;
  grpc::ServerUnaryReactor* GetCoach(grpc::CallbackServerContext* c, const pb::GetCoachRequest* r,
                                     pb::Coach* out) override;
  grpc::ServerUnaryReactor* ListCoaches(grpc::CallbackServerContext* c,
                                        const pb::ListCoachesRequest* r,
                                        pb::ListCoachesResponse* out) override;
  grpc::ServerUnaryReactor* SuggestCoaches(grpc::CallbackServerContext* c,
                                           const pb::SuggestCoachesRequest* r,
                                           pb::SuggestCoachesResponse* out) override;
  grpc::ServerUnaryReactor* ConfirmMatch(grpc::CallbackServerContext* c,
                                         const pb::ConfirmMatchRequest* r,
                                         pb::Registration* out) override;
  grpc::ServerUnaryReactor* Rematch(grpc::CallbackServerContext* c, const pb::RematchRequest* r,
                                    pb::Registration* out) override;
  grpc::ServerUnaryReactor* ProposeAssignments(grpc::CallbackServerContext* c,
                                               const pb::ProposeAssignmentsRequest* r,
                                               pb::ProposeAssignmentsResponse* out) override;
  grpc::ServerUnaryReactor* ListOutreach(grpc::CallbackServerContext* c,
                                         const pb::ListOutreachRequest* r,
                                         pb::ListOutreachResponse* out) override;
  grpc::ServerUnaryReactor* RecordOutreachContact(grpc::CallbackServerContext* c,
                                                  const pb::RecordOutreachContactRequest* r,
                                                  pb::OutreachEntry* out) override;
  grpc::ServerUnaryReactor* ListEarlyWarnings(grpc::CallbackServerContext* c,
                                              const pb::ListEarlyWarningsRequest* r,
                                              pb::ListEarlyWarningsResponse* out) override;
  grpc::ServerUnaryReactor* ListServiceLevelBreaches(
      grpc::CallbackServerContext* c, const pb::ListServiceLevelBreachesRequest* r,
      pb::ListServiceLevelBreachesResponse* out) override;

 private:
  platform::Database* db_;
  platform::ChangeFeed feed_;
  platform::WatchOptions watch_;
  IntakeConfig config_;
  std::unique_ptr<TrajectoryPort> coaching_;
  Intake intake_;
  std::unique_ptr<platform::FeedConsumer> inspection_feed_;
};

}  // namespace lv::intake
