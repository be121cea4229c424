#pragma once

#include <memory>
#include <string>

#include "google/protobuf/message.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"

namespace lv::cli {

// A channel to --target.
std::shared_ptr<grpc::Channel> Channel();
// Adds --token as a bearer token and, unless streaming without end, a --timeout deadline.
void Prepare(grpc::ClientContext* context, bool with_deadline = true);
// Prints "lv: CODE message" (and field violations) to stderr; returns exit code 1.
int Fail(const grpc::Status& status);
// One message as a JSON line on stdout.
void PrintJson(const google::protobuf::Message& message);
// Parses --json into a request; false (after printing why) when it does not parse.
bool ParseJson(const std::string& json, google::protobuf::Message* message);

}  // namespace lv::cli
