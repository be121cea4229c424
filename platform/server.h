#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/server.h"
#include "platform/auth.h"
#include "platform/clock.h"
#include "platform/database.h"
#include "platform/jwt_auth.h"
#include "platform/tls.h"
#include "platform/watch.h"

namespace lv::platform {

// Settings every service shares; read from the common flags (see server.cc) by LoadServerConfig.
struct ServerConfig {
  std::string service_name;  // "inspection", ...
  std::string listen = "127.0.0.1:0";
  std::string database_dsn;
  int database_pool = 4;
  // How long start-up keeps retrying an unreachable database (a pod that starts before its
  // PostgreSQL), so the first deploy does not crash-loop.
  absl::Duration database_wait = absl::Seconds(60);
  absl::Duration grace_period = absl::Seconds(10);
  int max_message_bytes = 16 << 20;
  std::string port_file;
  std::string log_level = "info";
  std::string auth_mode = "dev";
  JwtSettings jwt;  // --auth_mode=jwt
  WatchOptions watch;
  // Peers (--inspection_target, --coaching_target); empty = not connected.
  std::string inspection_target;
  std::string coaching_target;
  std::string intake_target;
  // TLS for this server (--tls_cert, --tls_key, --tls_ca).
  TlsFiles tls;
  // What this service presents when it calls its peers.
  PeerCredentials peer;
  // A second, plaintext port that serves only grpc.health.v1, for probes that cannot speak TLS
  // (Kubernetes' gRPC probes); empty = none.
  std::string health_listen;
};

// Reads and validates the common flags. Errors name the flag.
absl::StatusOr<ServerConfig> LoadServerConfig(absl::string_view service_name);

// What one service contributes to the shared bootstrap: its gRPC services, their access policy,
// and background work (feed consumers) started after the server listens.
class ServiceModule {
 public:
  struct Exposed {
    grpc::Service* service;
    std::string full_name;  // e.g. InspectionService::service_full_name()
  };
  virtual ~ServiceModule() = default;
  virtual std::vector<Exposed> GrpcServices() = 0;
  virtual void AddPolicies(PolicyTable& policy) const = 0;
  virtual void StartBackground() {}
  virtual void StopBackground() {}
};

// A running gRPC server with health, reflection, the call gate, and graceful drain.
class ServiceHost {
 public:
  ServiceHost(ServerConfig config, std::unique_ptr<Authenticator> authenticator,
              Clock* clock = &RealClock());
  ~ServiceHost();

  // Fails when a method has no access policy or the address cannot be bound.
  absl::Status Start(ServiceModule* module);
  int port() const { return port_; }
  int health_port() const { return health_port_; }
  // Drains: health NOT_SERVING, Watch streams told to resume elsewhere, in-flight calls given
  // the grace period, then the server stops.
  void Shutdown();
  void Wait();

 private:
  ServerConfig config_;
  std::unique_ptr<Authenticator> authenticator_;
  Clock* clock_;
  PolicyTable policy_;
  ServiceModule* module_ = nullptr;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<grpc::Server> health_server_;  // --health_listen
  int port_ = 0;
  int health_port_ = 0;
  bool shut_down_ = false;
};

// This process's name among a service's replicas (host-pid-random), for feed leases.
std::string ReplicaId();

// Builds the authenticator named by --auth_mode (dev or jwt).
absl::StatusOr<std::unique_ptr<Authenticator>> MakeAuthenticator(const ServerConfig& config,
                                                                 Clock* clock = &RealClock());

// The whole life of a service process: flags -> config -> database + migrations -> module ->
// serve until SIGTERM/SIGINT -> drain. Returns the process exit code.
using ModuleFactory = std::function<absl::StatusOr<std::unique_ptr<ServiceModule>>(
    Database* db, const ServerConfig& config)>;
int RunService(int argc, char** argv, absl::string_view service_name, absl::string_view usage,
               const std::vector<Migration>& migrations, const ModuleFactory& factory);

}  // namespace lv::platform
