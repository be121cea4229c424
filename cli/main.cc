// lv: the command-line client of the suite, for people and scripts.
//   lv health  --target=HOST:PORT [--service=NAME]
//   lv watch   --target=HOST:PORT --feed=inspection|intake|coaching|reporting [--after=N]
//   [--follow]
// Every call carries --token (env LV_TOKEN) as a bearer token and a deadline (--timeout).
#include <cstdio>
#include <iostream>
#include <string>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "google/protobuf/util/json_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "lerenverbeteren/coaching/v1/coaching_service.grpc.pb.h"
#include "lerenverbeteren/inspection/v1/inspection_service.grpc.pb.h"
#include "lerenverbeteren/intake/v1/intake_service.grpc.pb.h"
#include "lerenverbeteren/reporting/v1/reporting_service.grpc.pb.h"
#include "platform/config.h"

ABSL_DECLARE_FLAG(std::string, target);
ABSL_FLAG(std::string, service, "", "health: the service name to check (empty = the server)");
ABSL_FLAG(std::string, feed, "", "watch: which service's feed the target serves");
ABSL_FLAG(int64_t, after, 0, "watch: start after this sequence");
ABSL_FLAG(bool, follow, false, "watch: keep streaming new events (until interrupted)");

using lv::cli::Channel;
using lv::cli::Fail;
using lv::cli::Prepare;

namespace {

constexpr char kUsage[] =
    "lv <command> [flags]\n"
    "commands:\n"
    "  health   check a server's health (grpc.health.v1)\n"
    "  watch    print a service's change feed as JSON lines\n"
    "  inspection <command>   departments, verdicts, imports (lv inspection for the list)\n"
    "  intake <command>       registrations, coaches, matching, outreach (lv intake for the list)\n"
    "  coaching <command>     trajectories, sessions, ledger, statement (lv coaching for the "
    "list)\n"
    "  report   write the programme report (CSV, JSON) and its charts (SVG) to --out\n"
    "  call     any unary method: --method=package.Service/Method --json='{...}'\n"
    "Flags may also be set as LV_<FLAG> environment variables (LV_TOKEN, LV_TARGET).";

int Health() {
  auto stub = grpc::health::v1::Health::NewStub(Channel());
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(absl::GetFlag(FLAGS_service));
  grpc::health::v1::HealthCheckResponse response;
  grpc::ClientContext context;
  Prepare(&context, true);
  grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) return Fail(status);
  std::printf("%s %s\n", absl::GetFlag(FLAGS_target).c_str(),
              grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status()).c_str());
  return response.status() == grpc::health::v1::HealthCheckResponse::SERVING ? 0 : 3;
}

template <typename Service, typename Request, typename Response>
int Watch() {
  auto stub = Service::NewStub(Channel());
  Request request;
  request.set_after_sequence(absl::GetFlag(FLAGS_after));
  grpc::ClientContext context;
  const bool follow = absl::GetFlag(FLAGS_follow);
  Prepare(&context, !follow);
  auto reader = stub->Watch(&context, request);
  Response response;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  while (reader->Read(&response)) {
    for (const auto& event : response.events()) {
      std::string line;
      if (!google::protobuf::util::MessageToJsonString(event, &line, options).ok()) {
        line =
            absl::StrCat("{\"sequence\":", event.sequence(), ",\"type\":\"", event.type(), "\"}");
      }
      std::cout << line << "\n";
    }
    std::cout.flush();
    if (!follow &&
        response.head_sequence() <= (response.events_size() ? response.events().rbegin()->sequence()
                                                            : absl::GetFlag(FLAGS_after))) {
      context.TryCancel();  // caught up
      break;
    }
  }
  grpc::Status status = reader->Finish();
  if (!status.ok() && status.error_code() != grpc::StatusCode::CANCELLED) return Fail(status);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> args = lv::platform::ParseFlagsWithEnv(argc, argv, kUsage);
  if (args.size() < 2) {
    std::fprintf(stderr, "%s\n", kUsage);
    return 2;
  }
  const std::string command = args[1];
  if (command == "health") return Health();
  if (command == "call") return lv::cli::RunCall();
  if (command == "report") return lv::cli::RunReport();
  if (command == "intake") {
    return lv::cli::RunIntakeAlias(std::vector<std::string>(args.begin() + 2, args.end()));
  }
  if (command == "coaching") {
    return lv::cli::RunCoaching(std::vector<std::string>(args.begin() + 2, args.end()));
  }
  if (command == "inspection") {
    return lv::cli::RunInspection(std::vector<std::string>(args.begin() + 2, args.end()));
  }
  if (command == "watch") {
    const std::string feed = absl::GetFlag(FLAGS_feed);
    namespace insp = lerenverbeteren::inspection::v1;
    namespace intk = lerenverbeteren::intake::v1;
    namespace coach = lerenverbeteren::coaching::v1;
    namespace rep = lerenverbeteren::reporting::v1;
    if (feed == "inspection") {
      return Watch<insp::InspectionService, insp::WatchRequest, insp::WatchResponse>();
    }
    if (feed == "intake")
      return Watch<intk::IntakeService, intk::WatchRequest, intk::WatchResponse>();
    if (feed == "coaching") {
      return Watch<coach::CoachingService, coach::WatchRequest, coach::WatchResponse>();
    }
    if (feed == "reporting")
      return Watch<rep::ReportingService, rep::WatchRequest, rep::WatchResponse>();
    std::fprintf(stderr, "lv watch: --feed must be inspection|intake|coaching|reporting\n");
    return 2;
  }
  std::fprintf(stderr, "lv: unknown command '%s'\n%s\n", command.c_str(), kUsage);
  return 2;
}
