#include "cli/cli_common.h"

#include <cstdio>
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/create_channel.h"
#include "platform/errors.h"
#include "platform/tls.h"

ABSL_FLAG(std::string, target, "127.0.0.1:8080", "service address HOST:PORT");
ABSL_FLAG(std::string, token, "", "bearer token (dev mode: dev.<role>.<subject>)");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(30), "deadline of one call");

namespace lv::cli {

std::shared_ptr<grpc::Channel> Channel() {
  // --tls_ca (and --tls_cert/--tls_key for mutual TLS) as the services take them.
  auto tls = platform::TlsFilesFromFlags();
  if (!tls.ok()) {
    std::fprintf(stderr, "lv: %s\n", std::string(tls.status().message()).c_str());
    std::exit(2);
  }
  return platform::NewChannel(absl::GetFlag(FLAGS_target), *tls);
}

void Prepare(grpc::ClientContext* context, bool with_deadline) {
  if (with_deadline) {
    context->set_deadline(std::chrono::system_clock::now() +
                          absl::ToChronoMilliseconds(absl::GetFlag(FLAGS_timeout)));
  }
  const std::string token = absl::GetFlag(FLAGS_token);
  if (!token.empty()) context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
}

int Fail(const grpc::Status& status) {
  std::fprintf(stderr, "lv: %d %s\n", static_cast<int>(status.error_code()),
               status.error_message().c_str());
  for (const auto& [field, why] : platform::FieldViolations(platform::FromGrpcStatus(status))) {
    std::fprintf(stderr, "  %s: %s\n", field.c_str(), why.c_str());
  }
  return 1;
}

void PrintJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string line;
  if (!google::protobuf::util::MessageToJsonString(message, &line, options).ok()) {
    line = message.ShortDebugString();
  }
  std::cout << line << "\n";
}

bool ParseJson(const std::string& json, google::protobuf::Message* message) {
  auto status = google::protobuf::util::JsonStringToMessage(json, message);
  if (!status.ok()) {
    std::fprintf(stderr, "lv: --json does not parse as %s: %s\n",
                 message->GetDescriptor()->full_name().c_str(),
                 std::string(status.message()).c_str());
    return false;
  }
  return true;
}

}  // namespace lv::cli
