#include "platform/server.h"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/server_builder.h"
#include "platform/call_gate.h"
#include "platform/config.h"
#include "platform/logging.h"
#include "platform/status_macros.h"

ABSL_FLAG(std::string, listen, "0.0.0.0:8080", "address:port to serve gRPC on (port 0 = any free)");
ABSL_FLAG(
    std::string, database, "",
    "database DSN: sqlite:<path> or postgresql://...; empty = sqlite:<data_dir>/<service>.db");
ABSL_FLAG(std::string, data_dir, "data", "directory for the embedded SQLite database");
ABSL_FLAG(int, database_pool, 4, "database connections per process");
ABSL_FLAG(absl::Duration, database_wait, absl::Seconds(60),
          "how long start-up retries an unreachable database before giving up (0 = once)");
ABSL_FLAG(absl::Duration, grace_period, absl::Seconds(10),
          "how long in-flight calls may finish after SIGTERM");
ABSL_FLAG(int, max_message_bytes, 16 << 20, "largest request message accepted");
ABSL_FLAG(std::string, port_file, "", "write the bound port to this file once serving");
ABSL_FLAG(std::string, log_level, "info", "debug|info|warn|error");
ABSL_FLAG(std::string, auth_mode, "dev",
          "how callers authenticate: dev (unsigned dev.<role>.<subject> tokens, for local use)");
ABSL_FLAG(absl::Duration, watch_poll_interval, absl::Milliseconds(100),
          "how often an idle Watch stream checks its feed");
ABSL_FLAG(absl::Duration, watch_heartbeat, absl::Seconds(5), "idle Watch heartbeat interval");
// Peers: the services a service calls or consumes. Empty means "not connected"; the service
// says in its log what it cannot do then.
ABSL_FLAG(std::string, inspection_target, "",
          "inspection-svc host:port (its change feed); empty = do not consume it");
ABSL_FLAG(std::string, coaching_target, "",
          "coaching-svc host:port (opening trajectories, its feed); empty = not connected");
ABSL_FLAG(absl::Duration, feed_lease, absl::Seconds(15),
          "how long a feed consumer's lease lasts; another replica takes over when it lapses");
ABSL_FLAG(std::string, intake_target, "", "intake-svc host:port (its feed); empty = not connected");
ABSL_FLAG(std::string, jwt_public_key, "",
          "--auth_mode=jwt: PEM file with the identity provider's public key (or certificate)");
ABSL_FLAG(std::string, jwt_issuer, "", "--auth_mode=jwt: the required iss claim");
ABSL_FLAG(std::string, jwt_audience, "leren-verbeteren", "--auth_mode=jwt: the required aud claim");
ABSL_FLAG(std::string, service_token_file, "",
          "file with this service's own bearer token (role service) for calls to peers; read at "
          "each use; empty = the dev token (dev mode only)");
ABSL_FLAG(std::string, health_listen, "",
          "HOST:PORT of a plaintext port serving only the gRPC health service (for probes that "
          "cannot speak TLS); empty = none");

namespace lv::platform {

absl::StatusOr<ServerConfig> LoadServerConfig(absl::string_view service_name) {
  ServerConfig c;
  c.service_name = std::string(service_name);
  c.listen = absl::GetFlag(FLAGS_listen);
  if (c.listen.find(':') == std::string::npos) {
    return InvalidFlag("listen", absl::StrCat("'", c.listen, "' is not address:port"));
  }
  c.database_dsn = absl::GetFlag(FLAGS_database);
  if (c.database_dsn.empty()) {
    const std::string dir = absl::GetFlag(FLAGS_data_dir);
    if (dir.empty()) return InvalidFlag("data_dir", "must not be empty when --database is unset");
    c.database_dsn = absl::StrCat("sqlite:", dir, "/", service_name, ".db");
  } else if (c.database_dsn.rfind("sqlite:", 0) != 0 &&
             c.database_dsn.rfind("postgresql:", 0) != 0 &&
             c.database_dsn.rfind("postgres:", 0) != 0) {
    return InvalidFlag("database", "must start with sqlite: or postgresql://");
  }
  c.database_pool = absl::GetFlag(FLAGS_database_pool);
  if (c.database_pool < 1 || c.database_pool > 64) {
    return InvalidFlag("database_pool", "must be between 1 and 64");
  }
  c.database_wait = absl::GetFlag(FLAGS_database_wait);
  if (c.database_wait < absl::ZeroDuration()) return InvalidFlag("database_wait", "must be >= 0");
  c.grace_period = absl::GetFlag(FLAGS_grace_period);
  if (c.grace_period < absl::ZeroDuration()) return InvalidFlag("grace_period", "must be >= 0");
  c.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  if (c.max_message_bytes < 1024) return InvalidFlag("max_message_bytes", "must be >= 1024");
  c.port_file = absl::GetFlag(FLAGS_port_file);
  c.log_level = absl::GetFlag(FLAGS_log_level);
  if (c.log_level != "debug" && c.log_level != "info" && c.log_level != "warn" &&
      c.log_level != "error") {
    return InvalidFlag("log_level",
                       absl::StrCat("'", c.log_level, "' is not debug|info|warn|error"));
  }
  c.auth_mode = absl::GetFlag(FLAGS_auth_mode);
  if (c.auth_mode == "jwt") {
    const std::string key_file = absl::GetFlag(FLAGS_jwt_public_key);
    if (key_file.empty()) return InvalidFlag("jwt_public_key", "is required with --auth_mode=jwt");
    std::ifstream in(key_file);
    if (!in) return InvalidFlag("jwt_public_key", absl::StrCat("cannot read ", key_file));
    std::stringstream pem;
    pem << in.rdbuf();
    c.jwt.public_key_pem = pem.str();
    c.jwt.issuer = absl::GetFlag(FLAGS_jwt_issuer);
    if (c.jwt.issuer.empty()) return InvalidFlag("jwt_issuer", "is required with --auth_mode=jwt");
    c.jwt.audience = absl::GetFlag(FLAGS_jwt_audience);
    if (c.jwt.audience.empty()) return InvalidFlag("jwt_audience", "must not be empty");
  }
  if (auto made = MakeAuthenticator(c); !made.ok()) {
    return InvalidFlag(c.auth_mode == "jwt" ? "jwt_public_key" : "auth_mode",
                       made.status().message());
  }
  c.watch.poll_interval = absl::GetFlag(FLAGS_watch_poll_interval);
  if (c.watch.poll_interval <= absl::ZeroDuration()) {
    return InvalidFlag("watch_poll_interval", "must be > 0");
  }
  c.watch.heartbeat_interval = absl::GetFlag(FLAGS_watch_heartbeat);
  if (c.watch.heartbeat_interval <= absl::ZeroDuration()) {
    return InvalidFlag("watch_heartbeat", "must be > 0");
  }
  c.inspection_target = absl::GetFlag(FLAGS_inspection_target);
  c.coaching_target = absl::GetFlag(FLAGS_coaching_target);
  c.intake_target = absl::GetFlag(FLAGS_intake_target);
  c.health_listen = absl::GetFlag(FLAGS_health_listen);
  auto tls = TlsFilesFromFlags();
  if (!tls.ok()) return tls.status();
  if (tls->enabled() && tls->cert.empty()) {
    return InvalidFlag("tls_cert", "a server with --tls_ca needs its own --tls_cert and --tls_key");
  }
  c.tls = *std::move(tls);
  c.peer.tls = c.tls;
  c.peer.token_file = absl::GetFlag(FLAGS_service_token_file);
  c.peer.dev_token = absl::StrCat("dev.service.", service_name);
  const bool has_peers =
      !c.inspection_target.empty() || !c.coaching_target.empty() || !c.intake_target.empty();
  if (c.auth_mode != "dev" && has_peers && c.peer.token_file.empty()) {
    return InvalidFlag(
        "service_token_file",
        "is required to call peers unless --auth_mode=dev (peers refuse dev tokens)");
  }
  if (!c.peer.token_file.empty() && !std::ifstream(c.peer.token_file)) {
    return InvalidFlag("service_token_file", absl::StrCat("cannot read ", c.peer.token_file));
  }
  return c;
}

std::string ReplicaId() {
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  return absl::StrCat(host, "-", getpid(), "-", NewRequestId());
}

absl::StatusOr<std::unique_ptr<Authenticator>> MakeAuthenticator(const ServerConfig& config,
                                                                 Clock* clock) {
  if (config.auth_mode == "dev") return NewDevTokenAuthenticator();
  if (config.auth_mode == "jwt") return NewJwtAuthenticator(config.jwt, clock);
  return absl::InvalidArgumentError(
      absl::StrCat("unknown mode '", config.auth_mode, "' (dev or jwt)"));
}

ServiceHost::ServiceHost(ServerConfig config, std::unique_ptr<Authenticator> authenticator,
                         Clock* clock)
    : config_(std::move(config)), authenticator_(std::move(authenticator)), clock_(clock) {}

ServiceHost::~ServiceHost() { Shutdown(); }

absl::Status ServiceHost::Start(ServiceModule* module) {
  module_ = module;
  module->AddPolicies(policy_);
  std::vector<ServiceModule::Exposed> services = module->GrpcServices();
  // Every method the server exposes must have a policy entry; refuse to run otherwise.
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  for (const auto& exposed : services) {
    const auto* desc = pool->FindServiceByName(exposed.full_name);
    if (desc == nullptr) {
      return absl::InternalError(absl::StrCat("no descriptor for service ", exposed.full_name));
    }
    LV_RETURN_IF_ERROR(policy_.CheckCovers(*desc));
  }
  // Force the health contract into this binary's descriptor pool so reflection can describe it.
  (void)grpc::health::v1::HealthCheckRequest::descriptor();

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  auto credentials = ServerCredentials(config_.tls);
  if (!credentials.ok()) return credentials.status();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(config_.listen, *credentials, &port_);
  builder.SetMaxReceiveMessageSize(config_.max_message_bytes);
  // Clients may ping every 20 s while streaming Watch without being told too_many_pings.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // Connections are closed (gracefully) after a while, so clients resolve the service name again
  // and spread onto replicas that started since they connected.
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS, 5 * 60 * 1000);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS, 60 * 1000);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> gates;
  gates.push_back(std::make_unique<CallGateFactory>(authenticator_.get(), &policy_, clock_));
  builder.experimental().SetInterceptorCreators(std::move(gates));
  for (const auto& exposed : services) builder.RegisterService(exposed.service);
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    server_.reset();
    return absl::UnavailableError(absl::StrCat("cannot listen on ", config_.listen));
  }
  if (!config_.health_listen.empty()) {
    // Only the health service (and reflection describing it): nothing else is reachable here,
    // which is why it may be plaintext while the main port requires TLS.
    grpc::ServerBuilder health;
    health.AddListeningPort(config_.health_listen, grpc::InsecureServerCredentials(),
                            &health_port_);
    health_server_ = health.BuildAndStart();
    if (health_server_ == nullptr || health_port_ == 0) {
      health_server_.reset();
      server_->Shutdown();
      server_.reset();
      return absl::UnavailableError(absl::StrCat("cannot listen on ", config_.health_listen));
    }
    health_server_->GetHealthCheckService()->SetServingStatus(true);
  }
  server_->GetHealthCheckService()->SetServingStatus(true);
  if (!config_.port_file.empty()) {
    std::ofstream out(config_.port_file + ".tmp");
    out << port_ << "\n";
    out.close();
    std::rename((config_.port_file + ".tmp").c_str(), config_.port_file.c_str());
  }
  module->StartBackground();
  LogInfo("server.serving",
          {{"listen", config_.listen},
           {"port", port_},
           {"tls", config_.tls.enabled() ? (config_.tls.ca.empty() ? "server" : "mutual") : "off"},
           {"health_port", health_port_}});
  return absl::OkStatus();
}

void ServiceHost::Shutdown() {
  if (server_ == nullptr || shut_down_) return;
  shut_down_ = true;
  LogInfo("server.draining",
          {{"grace_ms", static_cast<long long>(absl::ToInt64Milliseconds(config_.grace_period))}});
  server_->GetHealthCheckService()->SetServingStatus(false);
  if (health_server_ != nullptr) health_server_->GetHealthCheckService()->SetServingStatus(false);
  config_.watch.draining->store(true);
  if (module_ != nullptr) module_->StopBackground();
  server_->Shutdown(std::chrono::system_clock::now() +
                    absl::ToChronoMilliseconds(config_.grace_period));
  server_->Wait();
  if (health_server_ != nullptr) {
    health_server_->Shutdown();
    health_server_->Wait();
  }
  LogInfo("server.stopped");
}

void ServiceHost::Wait() {
  if (server_ != nullptr) server_->Wait();
}

}  // namespace lv::platform

namespace lv::platform {

int RunService(int argc, char** argv, absl::string_view service_name, absl::string_view usage,
               const std::vector<Migration>& migrations, const ModuleFactory& factory) {
  // Block the stop signals before any thread exists, so only sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  ParseFlagsWithEnv(argc, argv, usage);
  auto fail = [&](absl::string_view stage, const absl::Status& status) {
    std::fprintf(stderr, "%s-svc: %s: %s\n", std::string(service_name).c_str(),
                 std::string(stage).c_str(), status.ToString().c_str());
    LogError("server.start_failed", {{"stage", stage}, {"error", status.ToString()}});
    return 1;
  };
  auto config = LoadServerConfig(service_name);
  if (!config.ok()) {
    std::fprintf(stderr, "configuration error: %s\n",
                 std::string(config.status().message()).c_str());
    return 2;
  }
  InitLogging(absl::StrCat(service_name, "-svc"), config->log_level);
  if (config->database_dsn.rfind("sqlite:", 0) == 0) {
    // The embedded default keeps its file under --data_dir; create the directory on first run.
    std::string path = config->database_dsn.substr(7);
    auto slash = path.rfind('/');
    if (slash != std::string::npos) {
      std::string cmd_dir = path.substr(0, slash);
      std::error_code ec;
      std::filesystem::create_directories(cmd_dir, ec);
      if (ec) return fail("data directory", absl::UnavailableError(ec.message()));
    }
  }
  // Retry only a PostgreSQL server that is not up yet (UNAVAILABLE); a bad DSN or password, or a
  // SQLite file that cannot be opened, fails at once. The pause
  // between attempts waits on the stop signals, so SIGTERM still ends a waiting process.
  absl::Time give_up = absl::Now() + config->database_wait;
  absl::Duration pause = absl::Milliseconds(250);
  auto db = Database::Open({config->database_dsn, config->database_pool, &RealClock()});
  const bool server_database = config->database_dsn.rfind("sqlite:", 0) != 0;
  while (!db.ok() && server_database && absl::IsUnavailable(db.status()) && absl::Now() < give_up) {
    LogWarn("database.waiting",
            {{"error", std::string(db.status().message())},
             {"retry_in_ms", static_cast<long long>(absl::ToInt64Milliseconds(pause))}});
    timespec ts = absl::ToTimespec(pause);
    if (sigtimedwait(&stop_signals, nullptr, &ts) > 0) return 0;
    pause = std::min(pause * 2, absl::Seconds(5));
    db = Database::Open({config->database_dsn, config->database_pool, &RealClock()});
  }
  if (!db.ok()) return fail("database", db.status());
  absl::Status migrated = (*db)->Migrate(service_name, migrations);
  if (!migrated.ok()) return fail("migration", migrated);
  auto module = factory(db->get(), *config);
  if (!module.ok()) return fail("wiring", module.status());
  auto authenticator = MakeAuthenticator(*config);
  if (!authenticator.ok()) return fail("auth", authenticator.status());
  ServiceHost host(*config, *std::move(authenticator));
  absl::Status started = host.Start(module->get());
  if (!started.ok()) return fail("serve", started);

  int signal = 0;
  sigwait(&stop_signals, &signal);
  LogInfo("server.signal", {{"signal", signal}});
  host.Shutdown();
  return 0;
}

}  // namespace lv::platform
