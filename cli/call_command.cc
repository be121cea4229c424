// lv call --method=pkg.Service/Method --json='{...}': any unary method of the suite, with the
// request and response as JSON. The descriptors come from the contracts compiled into lv, so no
// server reflection is needed and the same token and deadline flags apply.
#include <cstdio>
#include <memory>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"

ABSL_FLAG(std::string, method, "",
          "call: the method, e.g. lerenverbeteren.coaching.v1.CoachingService/LogSession");
ABSL_DECLARE_FLAG(std::string, json);

namespace lv::cli {

int RunCall() {
  const std::string method = absl::GetFlag(FLAGS_method);
  const size_t slash = method.rfind('/');
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  const google::protobuf::ServiceDescriptor* service =
      slash == std::string::npos ? nullptr : pool->FindServiceByName(method.substr(0, slash));
  const google::protobuf::MethodDescriptor* md =
      service == nullptr ? nullptr : service->FindMethodByName(method.substr(slash + 1));
  if (md == nullptr) {
    std::fprintf(stderr, "lv call: unknown --method '%s' (package.Service/Method)\n",
                 method.c_str());
    return 2;
  }
  if (md->client_streaming() || md->server_streaming()) {
    std::fprintf(stderr, "lv call: %s streams; use its own command\n", method.c_str());
    return 2;
  }
  google::protobuf::DynamicMessageFactory factory(pool);
  std::unique_ptr<google::protobuf::Message> request(factory.GetPrototype(md->input_type())->New());
  const std::string json = absl::GetFlag(FLAGS_json);
  if (!json.empty() && !ParseJson(json, request.get())) return 2;

  std::string wire = request->SerializeAsString();
  grpc::Slice slice(wire);
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::GenericStub stub(Channel());
  grpc::ClientContext context;
  Prepare(&context);
  grpc::CompletionQueue cq;
  auto call = stub.PrepareUnaryCall(
      &context, absl::StrCat("/", service->full_name(), "/", md->name()), request_buffer, &cq);
  call->StartCall();
  grpc::ByteBuffer response_buffer;
  grpc::Status status;
  call->Finish(&response_buffer, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  cq.Next(&tag, &ok);
  if (!status.ok()) return Fail(status);
  std::vector<grpc::Slice> slices;
  (void)response_buffer.Dump(&slices);
  std::string bytes;
  for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  std::unique_ptr<google::protobuf::Message> response(
      factory.GetPrototype(md->output_type())->New());
  if (!response->ParseFromString(bytes)) {
    std::fprintf(stderr, "lv call: the response does not parse as %s\n",
                 md->output_type()->full_name().c_str());
    return 1;
  }
  PrintJson(*response);
  return 0;
}

}  // namespace lv::cli
