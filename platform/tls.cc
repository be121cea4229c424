#include "platform/tls.h"

#include <fstream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "platform/config.h"

ABSL_FLAG(std::string, tls_cert, "", "PEM certificate chain: serve TLS, and present it to peers");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM CA bundle: verify peers' certificates (a server then requires client certificates)");

namespace lv::platform {
namespace {

// How often the watched files are read again; a renewed Secret is picked up within this time.
constexpr unsigned kRefreshSeconds = 60;

absl::Status CheckPem(absl::string_view flag, const std::string& path, absl::string_view marker) {
  std::ifstream in(path);
  if (!in) return InvalidFlag(flag, absl::StrCat("cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  if (!absl::StrContains(text.str(), marker)) {
    return InvalidFlag(flag, absl::StrCat(path, " holds no PEM ", marker));
  }
  return absl::OkStatus();
}

std::shared_ptr<grpc::experimental::CertificateProviderInterface> Provider(const TlsFiles& tls) {
  if (tls.cert.empty()) {
    return std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(tls.ca,
                                                                                kRefreshSeconds);
  }
  return std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      tls.key, tls.cert, tls.ca, kRefreshSeconds);
}

}  // namespace

absl::StatusOr<TlsFiles> TlsFilesFromFlags() {
  TlsFiles tls{absl::GetFlag(FLAGS_tls_cert), absl::GetFlag(FLAGS_tls_key),
               absl::GetFlag(FLAGS_tls_ca)};
  if (tls.cert.empty() != tls.key.empty()) {
    return InvalidFlag(tls.cert.empty() ? "tls_cert" : "tls_key",
                       "--tls_cert and --tls_key go together");
  }
  if (!tls.cert.empty()) {
    if (auto s = CheckPem("tls_cert", tls.cert, "CERTIFICATE"); !s.ok()) return s;
    if (auto s = CheckPem("tls_key", tls.key, "PRIVATE KEY"); !s.ok()) return s;
  }
  if (!tls.ca.empty()) {
    if (auto s = CheckPem("tls_ca", tls.ca, "CERTIFICATE"); !s.ok()) return s;
  }
  return tls;
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentials(const TlsFiles& tls) {
  if (!tls.enabled()) return grpc::InsecureServerCredentials();
  if (tls.cert.empty()) {
    return InvalidFlag("tls_cert", "a server with --tls_ca needs its own --tls_cert and --tls_key");
  }
  grpc::experimental::TlsServerCredentialsOptions options(Provider(tls));
  options.watch_identity_key_cert_pairs();
  if (tls.ca.empty()) {
    options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  } else {
    options.watch_root_certs();
    options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  }
  return grpc::experimental::TlsServerCredentials(options);
}

std::shared_ptr<grpc::ChannelCredentials> ChannelCredentials(const TlsFiles& tls) {
  if (!tls.enabled()) return grpc::InsecureChannelCredentials();
  grpc::experimental::TlsChannelCredentialsOptions options;
  options.set_certificate_provider(Provider(tls));
  if (!tls.ca.empty()) options.watch_root_certs();
  if (!tls.cert.empty()) options.watch_identity_key_cert_pairs();
  // Without --tls_ca the system's roots verify the server (gRPC's default bundle).
  options.set_verify_server_certs(true);
  return grpc::experimental::TlsCredentials(options);
}

std::string PeerCredentials::Token() const {
  if (token_file.empty()) return dev_token;
  std::ifstream in(token_file);
  std::stringstream text;
  text << in.rdbuf();
  return std::string(absl::StripAsciiWhitespace(text.str()));
}

std::shared_ptr<grpc::Channel> NewChannel(const std::string& target, const TlsFiles& tls) {
  // Spread calls over every address the name resolves to (a headless Kubernetes Service lists
  // each replica): with the default pick_first, one long-lived HTTP/2 connection would carry
  // all of a caller's calls to a single replica.
  grpc::ChannelArguments args;
  args.SetLoadBalancingPolicyName("round_robin");
  return grpc::CreateCustomChannel(target, ChannelCredentials(tls), args);
}

}  // namespace lv::platform
