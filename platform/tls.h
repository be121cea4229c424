#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"

namespace lv::platform {

// PEM files (--tls_cert, --tls_key, --tls_ca). All empty: plaintext, for a developer machine and
// the tests. cert + key: the server speaks TLS and a client presents them. ca: a client verifies
// servers against it, and a server then requires and verifies client certificates (mutual TLS
// between the services in the cluster). Files are watched, so rotated certificates (a renewed
// Kubernetes Secret) take effect without a restart.
struct TlsFiles {
  std::string cert;
  std::string key;
  std::string ca;
  bool enabled() const { return !cert.empty() || !ca.empty(); }
};

// The files named by the --tls_* flags, checked: both or neither of cert and key, every named
// file readable and PEM. Errors name the flag.
absl::StatusOr<TlsFiles> TlsFilesFromFlags();

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentials(const TlsFiles& tls);
std::shared_ptr<grpc::ChannelCredentials> ChannelCredentials(const TlsFiles& tls);

// What a service presents when it calls another: its TLS files and a bearer token with the
// service role. The token comes from --service_token_file (issued by the identity provider,
// mounted from a Secret, read again at each use so a renewed token applies); without one, in dev
// mode, it is the dev token "dev.service.<name>".
struct PeerCredentials {
  TlsFiles tls;
  std::string token_file;
  std::string dev_token;
  std::string Token() const;
};

// A channel to another service (or, from the cli, to any of them) with these credentials.
std::shared_ptr<grpc::Channel> NewChannel(const std::string& target, const TlsFiles& tls);

}  // namespace lv::platform
