// lv intake <command> / lv coaching <command>: named commands for the methods people use most.
// Each maps to one unary method; the request is --json, or built from --name / --parent for the
// commands that need no more. The table is the documentation: `lv intake` lists it.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "cli/commands.h"
#include "platform/errors.h"

ABSL_DECLARE_FLAG(std::string, method);
ABSL_DECLARE_FLAG(std::string, json);
ABSL_DECLARE_FLAG(std::string, name);
ABSL_FLAG(std::string, parent, "", "the parent resource, e.g. trajectories/ID");

namespace lv::cli {
namespace {

struct Alias {
  const char* command;
  const char* method;
  // How the request is built without --json: "" (empty request), "name" or "parent".
  const char* from_flag;
  const char* help;
};

constexpr Alias kIntake[] = {
    {"register", "CreateRegistration", "",
     "register departments (--json=CreateRegistrationRequest)"},
    {"registration", "GetRegistration", "name", "one registration (--name=registrations/ID)"},
    {"registrations", "ListRegistrations", "", "registrations, newest first"},
    {"plan-intake", "PlanIntake", "", "plan the intake visit (--json)"},
    {"record-intake", "RecordIntake", "", "record the intake (--json)"},
    {"close", "CloseRegistration", "", "withdraw or decline (--json)"},
    {"add-coach", "CreateCoach", "", "add a coach to the registry (--json)"},
    {"coaches", "ListCoaches", "", "the coach registry"},
    {"suggest", "SuggestCoaches", "", "rank coaches (--json={\"registration\":...})"},
    {"confirm", "ConfirmMatch", "", "confirm a coach, open the trajectory (--json)"},
    {"rematch", "Rematch", "", "hand over to another coach (--json)"},
    {"propose", "ProposeAssignments", "", "assign all waiting registrations at once"},
    {"outreach", "ListOutreach", "", "the outreach worklist"},
    {"contact", "RecordOutreachContact", "", "log an outreach contact or decline (--json)"},
    {"warnings", "ListEarlyWarnings", "", "early warnings and possible relapses"},
    {"sla", "ListServiceLevelBreaches", "", "registrations over a service-level target"},
};

constexpr Alias kCoaching[] = {
    {"open", "OpenTrajectory", "", "open a trajectory (--json=OpenTrajectoryRequest)"},
    {"trajectory", "GetTrajectory", "name", "one trajectory (--name=trajectories/ID)"},
    {"trajectories", "ListTrajectories", "", "trajectories, newest first"},
    {"transition", "TransitionTrajectory", "", "move along the lifecycle (--json)"},
    {"handover", "HandOverTrajectory", "", "hand over to another coach (--json)"},
    {"extend", "ExtendTrajectory", "", "extend (--json, reason required)"},
    {"close", "CloseTrajectory", "", "closure assessment (--json)"},
    {"aftercare", "CompleteAftercare", "", "record the aftercare outcome (--json)"},
    {"due-aftercare", "ListDueAftercare", "", "aftercare reviews due"},
    {"log-session", "LogSession", "", "log a session (--json=LogSessionRequest)"},
    {"correct-session", "CorrectSession", "", "correct a session (--json)"},
    {"cancel-session", "CancelSession", "", "cancel a session (--json)"},
    {"sessions", "ListSessions", "parent", "sessions (--parent=trajectories/ID)"},
    {"ledger", "ListLedgerEntries", "parent", "the entitlement ledger (--parent=trajectories/ID)"},
    {"evaluate", "SubmitEvaluation", "", "an evaluation form (--json)"},
    {"review", "RecordReview", "", "a review by two coaches (--json)"},
    {"progress-talk", "RecordProgressTalk", "", "a progress talk with the inspectorate (--json)"},
    {"due-restorations", "ListDueRestorations", "", "restoration deadlines coming up"},
    {"add-goal", "CreateGoal", "", "a goal of the improvement plan (--json)"},
    {"measure", "RecordMeasurement", "", "a measurement of a goal (--json)"},
    {"goals", "ListGoals", "parent", "the improvement plan (--parent=trajectories/ID)"},
    {"overdue-goals", "ListOverdueGoals", "", "goals past their deadline"},
    {"log-intervention", "LogIntervention", "", "an intervention (--json)"},
    {"search-interventions", "SearchInterventions", "", "search the intervention log (--json)"},
};

template <size_t N>
int Run(const std::vector<std::string>& args, const Alias (&table)[N], const char* service,
        const char* group) {
  const std::string command = args.empty() ? "" : args[0];
  for (const Alias& a : table) {
    if (command != a.command) continue;
    absl::SetFlag(&FLAGS_method, absl::StrCat(service, "/", a.method));
    if (absl::GetFlag(FLAGS_json).empty()) {
      const std::string from = a.from_flag;
      const std::string value = from == "name"     ? absl::GetFlag(FLAGS_name)
                                : from == "parent" ? absl::GetFlag(FLAGS_parent)
                                                   : "";
      if (!from.empty()) {
        if (value.empty()) {
          std::fprintf(stderr, "lv %s %s: --%s is required\n", group, a.command, from.c_str());
          return 2;
        }
        absl::SetFlag(&FLAGS_json, absl::StrCat("{\"", from, "\":\"", value, "\"}"));
      }
    }
    return RunCall();
  }
  std::fprintf(stderr, "lv %s <command> [--json=...]\n", group);
  for (const Alias& a : table) std::fprintf(stderr, "  %-22s %s\n", a.command, a.help);
  return 2;
}

}  // namespace

int RunIntakeAlias(const std::vector<std::string>& args) {
  return Run(args, kIntake, "lerenverbeteren.intake.v1.IntakeService", "intake");
}

int RunCoachingAlias(const std::vector<std::string>& args) {
  return Run(args, kCoaching, "lerenverbeteren.coaching.v1.CoachingService", "coaching");
}

}  // namespace lv::cli
