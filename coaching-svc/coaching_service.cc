#include "coaching-svc/coaching_service.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "grpcpp/create_channel.h"
#include "inspection-svc/inspection_feed.h"
#include "lerenverbeteren/inspection/v1/inspection_service.grpc.pb.h"
#include "platform/call_gate.h"
#include "platform/config.h"
#include "platform/errors.h"
#include "platform/logging.h"
#include "platform/status_macros.h"
#include "platform/watch.h"

namespace lv::coaching {
namespace {

using platform::CallInfo;
using platform::FieldError;
using platform::Role;
using platform::Unary;

constexpr char kService[] = "/lerenverbeteren.coaching.v1.CoachingService/";

Actor ActorOf(const CallInfo& call) { return Actor{*call.caller, call.request_id}; }

absl::StatusOr<std::string> TrajectoryId(const std::string& name,
                                         absl::string_view field = "name") {
  absl::string_view id = name;
  if (!absl::ConsumePrefix(&id, "trajectories/") || id.empty() || id.size() > 64 ||
      id.find('/') != absl::string_view::npos) {
    return FieldError(field, "must be trajectories/{trajectory}");
  }
  return std::string(id);
}

// trajectories/{t}/sessions/{n}
absl::Status SessionName(const std::string& name, std::string* id, int64_t* seq) {
  const size_t at = name.find("/sessions/");
  if (at == std::string::npos || !absl::SimpleAtoi(name.substr(at + 10), seq) || *seq < 1) {
    return FieldError("name", "must be trajectories/{trajectory}/sessions/{number}");
  }
  auto t = TrajectoryId(name.substr(0, at));
  if (!t.ok()) return FieldError("name", "must be trajectories/{trajectory}/sessions/{number}");
  *id = *t;
  return absl::OkStatus();
}

void Text(platform::FieldErrors& errors, absl::string_view field, const std::string& v, size_t max,
          bool required) {
  if (required && absl::StripAsciiWhitespace(v).empty()) errors.Add(field, "is required");
  if (v.size() > max) errors.Add(field, absl::StrCat("is longer than ", max, " bytes"));
}

bool ValidDate(const common::Date& d) {
  absl::CivilDay day(d.year(), d.month(), d.day());
  return d.year() >= 2000 && d.year() <= 2200 && day.month() == d.month() && day.day() == d.day();
}

absl::Status ValidateSession(const pb::Session& s, absl::string_view prefix) {
  platform::FieldErrors errors;
  const std::string p(prefix);
  if (!ValidDate(s.date())) errors.Add(p + "date", "is required and must be a valid date");
  if (s.half_days().half_steps() <= 0) {
    errors.Add(p + "half_days", "must be positive, in steps of half a half-day");
  }
  if (!common::SupportTheme_IsValid(s.theme()) || s.theme() == common::SUPPORT_THEME_UNSPECIFIED) {
    errors.Add(p + "theme", "must be a known support theme");
  }
  if (!pb::SessionAudience_IsValid(s.audience())) errors.Add(p + "audience", "is not known");
  if (s.coaches_size() > 8) errors.Add(p + "coaches", "has more than 8 coaches");
  Text(errors, p + "activity", s.activity(), 500, false);
  Text(errors, p + "notes", s.notes(), 4000, false);
  return errors.ToStatus();
}

}  // namespace

absl::StatusOr<CoachingConfig> LoadCoachingConfig(const platform::ServerConfig& server) {
  CoachingConfig c;
  c.inspection_target = server.inspection_target;
  c.peer = server.peer;
  auto policy = LoadPolicyFromFlag();
  if (!policy.ok()) return policy.status();
  c.policy = *policy;
  c.replica_id = platform::ReplicaId();
  return c;
}

CoachingService::CoachingService(platform::Database* db, const platform::ServerConfig& server,
                                 CoachingConfig config, platform::Clock* clock)
    : db_(db),
      feed_(db),
      watch_(server.watch),
      config_(std::move(config)),
      coaching_(db, clock, config_.policy) {}

CoachingService::~CoachingService() { StopBackground(); }

std::vector<platform::ServiceModule::Exposed> CoachingService::GrpcServices() {
  return {{this, pb::CoachingService::service_full_name()}};
}

void CoachingService::StartBackground() {
  if (config_.inspection_target.empty()) {
    platform::LogWarn("feed.not_consuming",
                      {{"source", "inspection"}, {"why", "--inspection_target is not set"}});
    return;
  }
  inspection_feed_ = inspection::NewInspectionFeedConsumer(
      db_, config_.inspection_target, config_.peer, config_.replica_id,
      [this](platform::Transaction& tx, const platform::ChangeEvent& e) {
        return coaching_.ApplyInspectionEvent(tx, e);
      });
  inspection_feed_->Start();
}

void CoachingService::StopBackground() {
  if (inspection_feed_) inspection_feed_->Stop();
}

void CoachingService::AddPolicies(platform::PolicyTable& policy) const {
  auto m = [](const char* method) { return absl::StrCat(kService, method); };
  const auto readers = {Role::kProjectLeader, Role::kCoach, Role::kSchool, Role::kAnalyst,
                        Role::kService};
  policy.Allow(m("Watch"), {Role::kService});
  policy.Allow(m("OpenTrajectory"), {Role::kService, Role::kProjectLeader});
  policy.Allow(m("GetTrajectory"), readers);
  policy.Allow(m("ListTrajectories"), readers);
  policy.Allow(m("TransitionTrajectory"), {Role::kProjectLeader, Role::kCoach});
  // intake-svc hands over when the project leader rematches there.
  policy.Allow(m("HandOverTrajectory"), {Role::kProjectLeader, Role::kService});
  policy.Allow(m("ExtendTrajectory"), {Role::kProjectLeader});
  policy.Allow(m("CloseTrajectory"), {Role::kProjectLeader, Role::kCoach});
  policy.Allow(m("CompleteAftercare"), {Role::kProjectLeader, Role::kCoach});
  policy.Allow(m("ListDueAftercare"), {Role::kProjectLeader, Role::kAnalyst});
  policy.Allow(m("LogSession"), {Role::kCoach, Role::kProjectLeader});
  policy.Allow(m("CorrectSession"), {Role::kCoach, Role::kProjectLeader});
  policy.Allow(m("CancelSession"), {Role::kCoach, Role::kProjectLeader});
  policy.Allow(m("ListSessions"), readers);
  policy.Allow(m("ListLedgerEntries"), readers);
  policy.Allow(m("GetTransparencyStatement"), readers);
  policy.Allow(m("SubmitEvaluation"), {Role::kSchool, Role::kCoach, Role::kProjectLeader});
  policy.Allow(m("RecordReview"), {Role::kCoach, Role::kProjectLeader});
  policy.Allow(m("RecordProgressTalk"), {Role::kCoach, Role::kProjectLeader});
  policy.Allow(m("ListDueRestorations"), {Role::kCoach, Role::kProjectLeader, Role::kAnalyst});
  policy.Allow(m("CreateGoal"), {Role::kCoach, Role::kProjectLeader});
  policy.Allow(m("RecordMeasurement"), {Role::kCoach, Role::kProjectLeader});
  policy.Allow(m("ListGoals"), readers);
  policy.Allow(m("ListOverdueGoals"), {Role::kCoach, Role::kProjectLeader, Role::kAnalyst});
  policy.Allow(m("LogIntervention"), {Role::kCoach, Role::kProjectLeader});
  // The intervention log is the programme's shared knowledge: every coach searches all of it.
  policy.Allow(m("SearchInterventions"), {Role::kCoach, Role::kProjectLeader, Role::kAnalyst});
}

grpc::ServerWriteReactor<pb::WatchResponse>* CoachingService::Watch(
    grpc::CallbackServerContext* context, const pb::WatchRequest* request) {
  return new platform::WatchStream<pb::WatchRequest, pb::WatchResponse>(context, *request, &feed_,
                                                                        watch_);
}

grpc::ServerUnaryReactor* CoachingService::OpenTrajectory(grpc::CallbackServerContext* context,
                                                          const pb::OpenTrajectoryRequest* r,
                                                          pb::Trajectory* response) {
  return Unary(context, [&](const CallInfo& call) -> absl::Status {
    platform::FieldErrors errors;
    Text(errors, "match_id", r->match_id(), 128, true);
    if (r->school_brin().size() != 4) errors.Add("school_brin", "must be a BRIN code, e.g. 00AH");
    Text(errors, "coach", r->coach(), 128, true);
    if (r->departments().empty()) errors.Add("departments", "needs at least one department");
    for (int i = 0; i < r->departments_size(); ++i) {
      const auto& d = r->departments(i);
      const std::string f = absl::StrCat("departments[", i, "]");
      if (d.department().rfind("departments/", 0) != 0) {
        errors.Add(f + ".department", "must be departments/{department}");
      } else if (d.department().compare(12, 4, r->school_brin()) != 0) {
        errors.Add(f + ".department", "belongs to another school");
      }
      if (!common::Verdict_IsValid(d.verdict())) errors.Add(f + ".verdict", "is not known");
    }
    if (r->start_date().year() != 0 && !ValidDate(r->start_date())) {
      errors.Add("start_date", "is not a valid date");
    }
    LV_RETURN_IF_ERROR(errors.ToStatus());
    LV_ASSIGN_OR_RETURN(*response, coaching_.OpenTrajectory(*r, ActorOf(call)));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CoachingService::GetTrajectory(grpc::CallbackServerContext* context,
                                                         const pb::GetTrajectoryRequest* r,
                                                         pb::Trajectory* response) {
  return Unary(context, [&](const CallInfo& call) -> absl::Status {
    LV_ASSIGN_OR_RETURN(std::string id, TrajectoryId(r->name()));
    LV_ASSIGN_OR_RETURN(*response, coaching_.GetTrajectory(id, *call.caller));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CoachingService::ListTrajectories(
    grpc::CallbackServerContext* context, const pb::ListTrajectoriesRequest* r,
    pb::ListTrajectoriesResponse* response) {
  return Unary(context, [&](const CallInfo& call) -> absl::Status {
    if (r->page_size() < 0 || r->page_size() > 1000) {
      return FieldError("page_size", "must be between 0 and 1000");
    }
    TrajectoryFilter filter;
    for (int s : r->states()) {
      if (!pb::TrajectoryState_IsValid(s) || s == 0) return FieldError("states", "unknown state");
      filter.states.push_back(static_cast<pb::TrajectoryState>(s));
    }
    filter.coach = r->coach();
    filter.school_brin = r->school_brin();
    std::string next;
    LV_ASSIGN_OR_RETURN(std::vector<pb::Trajectory> page,
                        coaching_.ListTrajectories(filter, r->page_token(),
                                                   r->page_size() == 0 ? 100 : r->page_size(),
                                                   *call.caller, &next));
    for (auto& t : page) *response->add_trajectories() = std::move(t);
    response->set_next_page_token(next);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CoachingService::TransitionTrajectory(
    grpc::CallbackServerContext* context, const pb::TransitionTrajectoryRequest* r,
    pb::Trajectory* response) {
  return Unary(context, [&](const CallInfo& call) -> absl::Status {
    LV_ASSIGN_OR_RETURN(std::string id, TrajectoryId(r->name()));
    platform::FieldErrors errors;
    if (!pb::TrajectoryState_IsValid(r->to_state()) ||
        r->to_state() == pb::TRAJECTORY_STATE_UNSPECIFIED) {
      errors.Add("to_state", "must be a known state");
    }
    if (!common::ImprovementStep_IsValid(r->improvement_step())) {
      errors.Add("improvement_step", "must be 1-6");
    }
    Text(errors, "reason", r->reason(), 1000, false);
    LV_RETURN_IF_ERROR(errors.ToStatus());
    LV_ASSIGN_OR_RETURN(*response, coaching_.Transition(id, r->to_state(), r->improvement_step(),
                                                        r->reason(), ActorOf(call)));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CoachingService::HandOverTrajectory(
    grpc::CallbackServerContext* context, const pb::HandOverTrajectoryRequest* r,
    pb::Trajectory* response) {
  return Unary(context, [&](const CallInfo& call) -> absl::Status {
    LV_ASSIGN_OR_RETURN(std::string id, TrajectoryId(r->name()));
    platform::FieldErrors errors;
    Text(errors, "new_coach", r->new_coach(), 128, true);
    Text(errors, "reason", r->reason(), 1000, true);
    LV_RETURN_IF_ERROR(errors.ToStatus());
    LV_ASSIGN_OR_RETURN(*response,
                        coaching_.HandOver(id, r->new_coach(), r->reason(), ActorOf(call)));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CoachingService::ExtendTrajectory(grpc::CallbackServerContext* context,
                                                            const pb::ExtendTrajectoryRequest* r,
                                                            pb::Trajectory* response) {
  return Unary(context, [&](const CallInfo& call) -> absl::Status {
    LV_ASSIGN_OR_RETURN(std::string id, TrajectoryId(r->name()));
    platform::FieldErrors errors;
    Text(errors, "reason", r->reason(), 1000, true);
    if (r->has_half_days() &&
        (r->half_days().half_steps() <= 0 || r->half_days().half_steps() > 400)) {
      errors.Add("half_days", "must be between half a half-day and 200 half-days");
    }
    LV_RETURN_IF_ERROR(errors.ToStatus());
    std::optional<int64_t> size;
    if (r->has_half_days()) size = r->half_days().half_steps();
    LV_ASSIGN_OR_RETURN(*response,
                        coaching_.Extend(id, r->reason(), size, r->request_id(), ActorOf(call)));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CoachingService::CloseTrajectory(grpc::CallbackServerContext* context,
                                                           const pb::CloseTrajectoryRequest* r,
                                                           pb::Trajectory* response) {
  return Unary(context, [&](const CallInfo& call) -> absl::Status {
    LV_ASSIGN_OR_RETURN(std::string id, TrajectoryId(r->name()));
    platform::FieldErrors errors;
    Text(errors, "assessment.summary", r->assessment().summary(), 4000, true);
    if (!common::Verdict_IsValid(r->assessment().expected_verdict())) {
      errors.Add("assessment.expected_verdict", "is not known");
    }
    LV_RETURN_IF_ERROR(errors.ToStatus());
    LV_ASSIGN_OR_RETURN(*response, coaching_.Close(id, r->assessment(), ActorOf(call)));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CoachingService::CompleteAftercare(grpc::CallbackServerContext* context,
                                                             const pb::CompleteAftercareRequest* r,
                                                             pb::Trajectory* response) {
  return Unary(context, [&](const CallInfo& call) -> absl::Status {
    LV_ASSIGN_OR_RETURN(std::string id, TrajectoryId(r->name()));
    platform::FieldErrors errors;
    Text(errors, "outcome", r->outcome(), 4000, true);
    LV_RETURN_IF_ERROR(errors.ToStatus());
    LV_ASSIGN_OR_RETURN(*response, coaching_.CompleteAftercare(id, r->outcome(), ActorOf(call)));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CoachingService::ListDueAftercare(
    grpc::CallbackServerContext* context, const pb::ListDueAftercareRequest* r,
    pb::ListDueAftercareResponse* response) {
  return Unary(context, [&](const CallInfo&) -> absl::Status {
    if (r->within_days() < 0 || r->within_days() > 3660) {
      return FieldError("within_days", "must be between 0 and 3660");
    }
    LV_ASSIGN_OR_RETURN(std::vector<pb::Trajectory> due,
                        coaching_.ListDueAftercare(r->within_days() == 0 ? 30 : r->within_days()));
    for (auto& t : due) *response->add_trajectories() = std::move(t);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CoachingService::LogSession(grpc::CallbackServerContext* context,
                                                      const pb::LogSessionRequest* r,
                                                      pb::Session* response) {
  return Unary(context, [&](const CallInfo& call) -> absl::Status {
    LV_ASSIGN_OR_RETURN(std::string id, TrajectoryId(r->parent(), "parent"));
    LV_RETURN_IF_ERROR(ValidateSession(r->session(), "session."));
    if (r->request_id().size() > 128) return FieldError("request_id", "is longer than 128 bytes");
    LV_ASSIGN_OR_RETURN(*response, coaching_.LogSession(id, r->session(), r->request_id(),
                                                        r->overrun_approval(), ActorOf(call)));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CoachingService::CorrectSession(grpc::CallbackServerContext* context,
                                                          const pb::CorrectSessionRequest* r,
                                                          pb::Session* response) {
  return Unary(context, [&](const CallInfo& call) -> absl::Status {
    std::string id;
    int64_t seq = 0;
    LV_RETURN_IF_ERROR(SessionName(r->name(), &id, &seq));
    LV_RETURN_IF_ERROR(ValidateSession(r->session(), "session."));
    platform::FieldErrors errors;
    Text(errors, "reason", r->reason(), 1000, true);
    LV_RETURN_IF_ERROR(errors.ToStatus());
    LV_ASSIGN_OR_RETURN(*response, coaching_.CorrectSession(id, seq, r->session(), r->reason(),
                                                            r->overrun_approval(), ActorOf(call)));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CoachingService::CancelSession(grpc::CallbackServerContext* context,
                                                         const pb::CancelSessionRequest* r,
                                                         pb::Session* response) {
  return Unary(context, [&](const CallInfo& call) -> absl::Status {
    std::string id;
    int64_t seq = 0;
    LV_RETURN_IF_ERROR(SessionName(r->name(), &id, &seq));
    platform::FieldErrors errors;
    Text(errors, "reason", r->reason(), 1000, true);
    LV_RETURN_IF_ERROR(errors.ToStatus());
    LV_ASSIGN_OR_RETURN(*response, coaching_.CancelSession(id, seq, r->reason(), ActorOf(call)));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CoachingService::ListSessions(grpc::CallbackServerContext* context,
                                                        const pb::ListSessionsRequest* r,
                                                        pb::ListSessionsResponse* response) {
  return Unary(context, [&](const CallInfo& call) -> absl::Status {
    LV_ASSIGN_OR_RETURN(std::string id, TrajectoryId(r->parent(), "parent"));
    if (r->page_size() < 0 || r->page_size() > 1000) {
      return FieldError("page_size", "must be between 0 and 1000");
    }
    const int size = r->page_size() == 0 ? 100 : r->page_size();
    int64_t after = 0;
    if (!r->page_token().empty() && !absl::SimpleAtoi(r->page_token(), &after)) {
      return FieldError("page_token", "is not a token this service issued");
    }
    LV_ASSIGN_OR_RETURN(std::vector<pb::Session> sessions,
                        coaching_.ListSessions(id, after, size + 1, *call.caller));
    if (static_cast<int>(sessions.size()) > size) {
      sessions.pop_back();
      const std::string& last = sessions.back().name();
      response->set_next_page_token(last.substr(last.rfind('/') + 1));
    }
    for (auto& s : sessions) *response->add_sessions() = std::move(s);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CoachingService::ListLedgerEntries(
    grpc::CallbackServerContext* context, const pb::ListLedgerEntriesRequest* r,
    pb::ListLedgerEntriesResponse* response) {
  return Unary(context, [&](const CallInfo& call) -> absl::Status {
    LV_ASSIGN_OR_RETURN(std::string id, TrajectoryId(r->parent(), "parent"));
    LV_ASSIGN_OR_RETURN(std::vector<pb::LedgerEntry> entries, coaching_.Ledger(id, *call.caller));
    for (auto& e : entries) *response->add_entries() = std::move(e);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CoachingService::GetTransparencyStatement(
    grpc::CallbackServerContext* context, const pb::GetTransparencyStatementRequest* r,
    pb::TransparencyStatement* response) {
  return Unary(context, [&](const CallInfo& call) -> absl::Status {
    LV_ASSIGN_OR_RETURN(std::string id, TrajectoryId(r->name()));
    LV_ASSIGN_OR_RETURN(*response, coaching_.Statement(id, *call.caller));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CoachingService::SubmitEvaluation(grpc::CallbackServerContext* context,
                                                            const pb::SubmitEvaluationRequest* r,
                                                            pb::Evaluation* response) {
  return Unary(context, [&](const CallInfo& call) -> absl::Status {
    LV_ASSIGN_OR_RETURN(std::string id, TrajectoryId(r->parent(), "parent"));
    platform::FieldErrors errors;
    const auto& e = r->evaluation();
    for (const auto& [field, score] :
         {std::pair<const char*, int>{"evaluation.overall", e.overall()},
          {"evaluation.results_achieved", e.results_achieved()},
          {"evaluation.fit_with_request", e.fit_with_request()},
          {"evaluation.added_value_of_coach", e.added_value_of_coach()}}) {
      if (score < 1 || score > 10) errors.Add(field, "must be a score from 1 to 10");
    }
    if (!pb::Respondent_IsValid(e.respondent()))
      errors.Add("evaluation.respondent", "is not known");
    Text(errors, "evaluation.comments", e.comments(), 4000, false);
    LV_RETURN_IF_ERROR(errors.ToStatus());
    LV_ASSIGN_OR_RETURN(*response, coaching_.SubmitEvaluation(id, e, ActorOf(call)));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CoachingService::RecordReview(grpc::CallbackServerContext* context,
                                                        const pb::RecordReviewRequest* r,
                                                        pb::Trajectory* response) {
  return Unary(context, [&](const CallInfo& call) -> absl::Status {
    LV_ASSIGN_OR_RETURN(std::string id, TrajectoryId(r->name()));
    platform::FieldErrors errors;
    const auto& review = r->review();
    if (!ValidDate(review.date())) errors.Add("review.date", "is required and must be valid");
    if (review.coaches_size() != 2 || review.coaches(0) == review.coaches(1)) {
      errors.Add("review.coaches", "must name two different coaches");
    }
    if (review.timing() == pb::REVIEW_TIMING_UNSPECIFIED ||
        !pb::ReviewTiming_IsValid(review.timing())) {
      errors.Add("review.timing", "must be START or MIDWAY");
    }
    Text(errors, "review.findings", review.findings(), 8000, true);
    LV_RETURN_IF_ERROR(errors.ToStatus());
    LV_ASSIGN_OR_RETURN(*response, coaching_.RecordReview(id, review, ActorOf(call)));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CoachingService::RecordProgressTalk(
    grpc::CallbackServerContext* context, const pb::RecordProgressTalkRequest* r,
    pb::Trajectory* response) {
  return Unary(context, [&](const CallInfo& call) -> absl::Status {
    LV_ASSIGN_OR_RETURN(std::string id, TrajectoryId(r->name()));
    platform::FieldErrors errors;
    if (!ValidDate(r->progress_talk().date())) {
      errors.Add("progress_talk.date", "is required and must be valid");
    }
    Text(errors, "progress_talk.summary", r->progress_talk().summary(), 8000, true);
    LV_RETURN_IF_ERROR(errors.ToStatus());
    LV_ASSIGN_OR_RETURN(*response,
                        coaching_.RecordProgressTalk(id, r->progress_talk(), ActorOf(call)));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CoachingService::ListDueRestorations(
    grpc::CallbackServerContext* context, const pb::ListDueRestorationsRequest* r,
    pb::ListDueRestorationsResponse* response) {
  return Unary(context, [&](const CallInfo& call) -> absl::Status {
    if (r->within_days() < 0 || r->within_days() > 3660) {
      return FieldError("within_days", "must be between 0 and 3660");
    }
    LV_ASSIGN_OR_RETURN(
        std::vector<pb::DueRestoration> due,
        coaching_.ListDueRestorations(r->within_days() == 0 ? 90 : r->within_days(), *call.caller));
    for (auto& d : due) *response->add_restorations() = std::move(d);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CoachingService::CreateGoal(grpc::CallbackServerContext* context,
                                                      const pb::CreateGoalRequest* r,
                                                      pb::Goal* response) {
  return Unary(context, [&](const CallInfo& call) -> absl::Status {
    LV_ASSIGN_OR_RETURN(std::string id, TrajectoryId(r->parent(), "parent"));
    platform::FieldErrors errors;
    const auto& g = r->goal();
    if (g.kind() == pb::GOAL_KIND_UNSPECIFIED || !pb::GoalKind_IsValid(g.kind())) {
      errors.Add("goal.kind", "must be AMBITION, INTERIM or TARGET");
    }
    Text(errors, "goal.description", g.description(), 2000, true);
    // SMART: measurable and time-bound goals; an ambition may stay qualitative.
    const bool smart = g.kind() != pb::GOAL_KIND_AMBITION;
    Text(errors, "goal.indicator", g.indicator(), 500, smart);
    Text(errors, "goal.target", g.target(), 500, smart);
    Text(errors, "goal.owner", g.owner(), 200, smart);
    Text(errors, "goal.baseline", g.baseline(), 500, false);
    Text(errors, "goal.restoration_assignment", g.restoration_assignment(), 1000, false);
    if (smart && !ValidDate(g.deadline()))
      errors.Add("goal.deadline", "is required and must be valid");
    if (!pb::GoalStatus_IsValid(g.status())) errors.Add("goal.status", "is not known");
    if (g.standards_size() > 20) errors.Add("goal.standards", "has more than 20 entries");
    LV_RETURN_IF_ERROR(errors.ToStatus());
    LV_ASSIGN_OR_RETURN(*response, coaching_.CreateGoal(id, g, ActorOf(call)));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CoachingService::RecordMeasurement(grpc::CallbackServerContext* context,
                                                             const pb::RecordMeasurementRequest* r,
                                                             pb::Goal* response) {
  return Unary(context, [&](const CallInfo& call) -> absl::Status {
    const size_t at = r->name().find("/goals/");
    int64_t seq = 0;
    if (at == std::string::npos || !absl::SimpleAtoi(r->name().substr(at + 7), &seq) || seq < 1) {
      return FieldError("name", "must be trajectories/{trajectory}/goals/{number}");
    }
    LV_ASSIGN_OR_RETURN(std::string id, TrajectoryId(r->name().substr(0, at)));
    platform::FieldErrors errors;
    if (!ValidDate(r->measurement().date())) errors.Add("measurement.date", "is required");
    Text(errors, "measurement.value", r->measurement().value(), 200, true);
    Text(errors, "measurement.note", r->measurement().note(), 2000, false);
    if (!pb::GoalStatus_IsValid(r->status())) errors.Add("status", "is not known");
    LV_RETURN_IF_ERROR(errors.ToStatus());
    LV_ASSIGN_OR_RETURN(*response, coaching_.RecordMeasurement(id, seq, r->measurement(),
                                                               r->status(), ActorOf(call)));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CoachingService::ListGoals(grpc::CallbackServerContext* context,
                                                     const pb::ListGoalsRequest* r,
                                                     pb::ListGoalsResponse* response) {
  return Unary(context, [&](const CallInfo& call) -> absl::Status {
    LV_ASSIGN_OR_RETURN(std::string id, TrajectoryId(r->parent(), "parent"));
    LV_ASSIGN_OR_RETURN(std::vector<pb::Goal> goals, coaching_.ListGoals(id, *call.caller));
    for (auto& g : goals) *response->add_goals() = std::move(g);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CoachingService::ListOverdueGoals(
    grpc::CallbackServerContext* context, const pb::ListOverdueGoalsRequest*,
    pb::ListOverdueGoalsResponse* response) {
  return Unary(context, [&](const CallInfo& call) -> absl::Status {
    LV_ASSIGN_OR_RETURN(std::vector<pb::Goal> goals, coaching_.ListOverdueGoals(*call.caller));
    for (auto& g : goals) *response->add_goals() = std::move(g);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CoachingService::LogIntervention(grpc::CallbackServerContext* context,
                                                           const pb::LogInterventionRequest* r,
                                                           pb::Intervention* response) {
  return Unary(context, [&](const CallInfo& call) -> absl::Status {
    LV_ASSIGN_OR_RETURN(std::string id, TrajectoryId(r->parent(), "parent"));
    platform::FieldErrors errors;
    const auto& i = r->intervention();
    if (!ValidDate(i.date())) errors.Add("intervention.date", "is required and must be valid");
    if (i.theme() == common::SUPPORT_THEME_UNSPECIFIED ||
        !common::SupportTheme_IsValid(i.theme())) {
      errors.Add("intervention.theme", "must be a known support theme");
    }
    Text(errors, "intervention.title", i.title(), 200, true);
    Text(errors, "intervention.description", i.description(), 4000, true);
    Text(errors, "intervention.rationale", i.rationale(), 4000, true);
    Text(errors, "intervention.result", i.result(), 4000, false);
    if (!pb::InterventionOutcome_IsValid(i.outcome()))
      errors.Add("intervention.outcome", "unknown");
    LV_RETURN_IF_ERROR(errors.ToStatus());
    LV_ASSIGN_OR_RETURN(*response, coaching_.LogIntervention(id, i, ActorOf(call)));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CoachingService::SearchInterventions(
    grpc::CallbackServerContext* context, const pb::SearchInterventionsRequest* r,
    pb::SearchInterventionsResponse* response) {
  return Unary(context, [&](const CallInfo&) -> absl::Status {
    platform::FieldErrors errors;
    if (r->query().size() > 500) errors.Add("query", "is longer than 500 bytes");
    if (r->page_size() < 0 || r->page_size() > 100) errors.Add("page_size", "must be 0-100");
    if (!common::SupportTheme_IsValid(r->theme())) errors.Add("theme", "unknown");
    if (!common::SchoolType_IsValid(r->school_type())) errors.Add("school_type", "unknown");
    if (!common::TrajectoryCategory_IsValid(r->category())) errors.Add("category", "unknown");
    if (!pb::InterventionOutcome_IsValid(r->outcome())) errors.Add("outcome", "unknown");
    LV_RETURN_IF_ERROR(errors.ToStatus());
    CoachingStore::InterventionQuery q;
    // Words: letters and digits (any UTF-8 beyond ASCII counts as a letter); at most 10.
    std::string word;
    for (char c : r->query() + " ") {
      if (absl::ascii_isalnum(c) || static_cast<unsigned char>(c) >= 0x80) {
        word.push_back(absl::ascii_tolower(c));
      } else if (!word.empty()) {
        if (q.words.size() < 10) q.words.push_back(word.substr(0, 50));
        word.clear();
      }
    }
    q.theme = r->theme();
    q.school_type = r->school_type();
    q.category = r->category();
    q.outcome = r->outcome();
    q.limit = r->page_size() == 0 ? 20 : r->page_size();
    LV_ASSIGN_OR_RETURN(std::vector<pb::Intervention> found, coaching_.SearchInterventions(q));
    for (auto& i : found) *response->add_interventions() = std::move(i);
    return absl::OkStatus();
  });
}

}  // namespace lv::coaching
