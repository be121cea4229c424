// lv coaching <command>: the views people read; everything else through `lv call`.
#include <cstdio>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_format.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "lerenverbeteren/coaching/v1/coaching_service.grpc.pb.h"

ABSL_DECLARE_FLAG(std::string, name);
ABSL_FLAG(bool, json_output, false, "coaching statement: print JSON instead of a table");

namespace lv::cli {
namespace {

namespace pb = ::lerenverbeteren::coaching::v1;

std::string HalfDays(const lerenverbeteren::common::v1::HalfDays& h) {
  return absl::StrFormat("%.1f", h.half_steps() / 2.0);
}

std::string Euros(const lerenverbeteren::common::v1::Money& m) {
  return absl::StrFormat("EUR %d.%02d", m.cents() / 100, std::abs(m.cents() % 100));
}

int Statement() {
  auto stub = pb::CoachingService::NewStub(Channel());
  grpc::ClientContext context;
  Prepare(&context);
  pb::GetTransparencyStatementRequest request;
  request.set_name(absl::GetFlag(FLAGS_name));
  pb::TransparencyStatement s;
  grpc::Status status = stub->GetTransparencyStatement(&context, request, &s);
  if (!status.ok()) return Fail(status);
  if (absl::GetFlag(FLAGS_json_output)) {
    PrintJson(s);
    return 0;
  }
  std::printf("%s  (%s, policy %s, %d sessions, %d extensions)\n", s.trajectory().c_str(),
              lerenverbeteren::common::v1::TrajectoryCategory_Name(s.category()).c_str(),
              s.policy_version().c_str(), s.session_count(), s.extension_count());
  std::printf("%-14s %10s %10s %10s %16s\n", "half-days", "entitled", "used", "left",
              "school pays each");
  for (const auto& p : s.pots()) {
    std::printf("%-14s %10s %10s %10s %16s\n", pb::EntitlementPot_Name(p.pot()).substr(16).c_str(),
                HalfDays(p.entitled()).c_str(), HalfDays(p.used()).c_str(),
                HalfDays(p.remaining()).c_str(), Euros(p.school_cost_per_half_day()).c_str());
  }
  std::printf("%-14s %10s %10s %10s\n", "total", HalfDays(s.total_entitled()).c_str(),
              HalfDays(s.total_used()).c_str(), HalfDays(s.total_remaining()).c_str());
  std::printf("pace: %s half-days a week; ", HalfDays(s.weekly_pace()).c_str());
  if (s.has_runs_out_on()) {
    std::printf("runs out on %04d-%02d-%02d\n", s.runs_out_on().year(), s.runs_out_on().month(),
                s.runs_out_on().day());
  } else {
    std::printf("no date to project\n");
  }
  std::printf("cost so far %s; committed %s; an extension adds %s half-days and costs %s\n",
              Euros(s.cost_so_far()).c_str(), Euros(s.cost_committed()).c_str(),
              HalfDays(s.extension_would_add()).c_str(), Euros(s.extension_would_cost()).c_str());
  return 0;
}

}  // namespace

int RunCoaching(const std::vector<std::string>& args) {
  const std::string command = args.empty() ? "" : args[0];
  if (command == "statement") return Statement();
  if (command.empty() || command == "help") {
    std::fprintf(stderr, "  %-22s %s\n", "statement",
                 "a school's transparency statement as a table");
  }
  return RunCoachingAlias(args);
}

}  // namespace lv::cli
