#include "intake-svc/intake_service.h"

#include <unistd.h>

#include <thread>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "grpcpp/create_channel.h"
#include "inspection-svc/inspection_feed.h"
#include "lerenverbeteren/coaching/v1/coaching_service.grpc.pb.h"
#include "lerenverbeteren/inspection/v1/inspection_service.grpc.pb.h"
#include "platform/call_gate.h"
#include "platform/config.h"
#include "platform/errors.h"
#include "platform/logging.h"
#include "platform/status_macros.h"
#include "platform/watch.h"

ABSL_FLAG(std::string, matching_weights, "",
          "matching weights over the defaults, e.g. theme_fit=0.4,region=0.05");
ABSL_FLAG(int, intake_target_days, 14, "service level: days from first contact to intake");
ABSL_FLAG(int, match_target_days, 7, "service level: days from intake to match");
ABSL_FLAG(absl::Duration, call_timeout, absl::Seconds(5), "deadline of calls to other services");

namespace lv::intake {
namespace {

using platform::CallInfo;
using platform::FieldError;
using platform::Role;
using platform::Unary;
namespace coaching_pb = ::lerenverbeteren::coaching::v1;

constexpr char kService[] = "/lerenverbeteren.intake.v1.IntakeService/";

Actor ActorOf(const CallInfo& call) { return Actor{*call.caller, call.request_id}; }

absl::StatusOr<std::string> IdOf(const std::string& name, absl::string_view prefix,
                                 absl::string_view field) {
  absl::string_view id = name;
  if (!absl::ConsumePrefix(&id, prefix) || id.empty() || id.size() > 64 ||
      id.find('/') != absl::string_view::npos) {
    return FieldError(field, absl::StrCat("must be ", prefix, "{id}"));
  }
  return std::string(id);
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

absl::Status ValidateCoach(const pb::Coach& c) {
  platform::FieldErrors errors;
  Text(errors, "coach.display_name", c.display_name(), 200, true);
  for (int i = 0; i < c.expertise_size(); ++i) {
    const auto& x = c.expertise(i);
    if (x.theme() == common::SUPPORT_THEME_UNSPECIFIED ||
        !common::SupportTheme_IsValid(x.theme())) {
      errors.Add(absl::StrCat("coach.expertise[", i, "].theme"), "must be a known theme");
    }
    if (x.level() < 1 || x.level() > 3) {
      errors.Add(absl::StrCat("coach.expertise[", i, "].level"), "must be 1-3");
    }
  }
  for (int t : c.school_types()) {
    if (t == 0 || !common::SchoolType_IsValid(t)) errors.Add("coach.school_types", "unknown type");
  }
  if (c.weekly_capacity().half_steps() < 0) {
    errors.Add("coach.weekly_capacity", "must not be below zero");
  }
  if (c.max_trajectories() < 0 || c.max_trajectories() > 50) {
    errors.Add("coach.max_trajectories", "must be 0-50");
  }
  for (int i = 0; i < c.absences_size(); ++i) {
    const auto& a = c.absences(i);
    if (!ValidDate(a.start_date()) || !ValidDate(a.end_date()) ||
        absl::CivilDay(a.end_date().year(), a.end_date().month(), a.end_date().day()) <
            absl::CivilDay(a.start_date().year(), a.start_date().month(), a.start_date().day())) {
      errors.Add(absl::StrCat("coach.absences[", i, "]"), "needs valid dates, end after start");
    }
  }
  Text(errors, "coach.region", c.region(), 100, false);
  return errors.ToStatus();
}

class CoachingClient : public TrajectoryPort {
 public:
  CoachingClient(const std::string& target, platform::PeerCredentials peer, absl::Duration timeout)
      : stub_(coaching_pb::CoachingService::NewStub(platform::NewChannel(target, peer.tls))),
        peer_(std::move(peer)),
        timeout_(timeout) {}

  absl::StatusOr<std::string> Open(const coaching_pb::OpenTrajectoryRequest& request) override {
    coaching_pb::Trajectory t;
    // OpenTrajectory is idempotent on the match id, so retrying an unavailable peer is safe.
    absl::Status s =
        Retry([&](grpc::ClientContext* ctx) { return stub_->OpenTrajectory(ctx, request, &t); });
    if (!s.ok()) return s;
    return t.name();
  }

  absl::Status HandOver(const std::string& trajectory, const std::string& new_coach,
                        const std::string& reason) override {
    coaching_pb::HandOverTrajectoryRequest request;
    request.set_name(trajectory);
    request.set_new_coach(new_coach);
    request.set_reason(reason);
    coaching_pb::Trajectory t;
    // Not retried: a handover is not idempotent.
    grpc::ClientContext ctx;
    Prepare(&ctx);
    return platform::FromGrpcStatus(stub_->HandOverTrajectory(&ctx, request, &t));
  }

 private:
  void Prepare(grpc::ClientContext* ctx) {
    ctx->set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout_));
    ctx->AddMetadata("authorization", absl::StrCat("Bearer ", peer_.Token()));
  }
  absl::Status Retry(const std::function<grpc::Status(grpc::ClientContext*)>& call) {
    grpc::Status s;
    for (int attempt = 0; attempt < 3; ++attempt) {
      grpc::ClientContext ctx;
      Prepare(&ctx);
      s = call(&ctx);
      if (s.error_code() != grpc::StatusCode::UNAVAILABLE) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100 << attempt));
    }
    return platform::FromGrpcStatus(s);
  }

  std::unique_ptr<coaching_pb::CoachingService::Stub> stub_;
  platform::PeerCredentials peer_;
  absl::Duration timeout_;
};

}  // namespace

std::unique_ptr<TrajectoryPort> NewCoachingClient(const std::string& target,
                                                  const platform::PeerCredentials& peer,
                                                  absl::Duration timeout) {
  if (target.empty()) return nullptr;
  return std::make_unique<CoachingClient>(target, peer, timeout);
}

absl::StatusOr<IntakeConfig> LoadIntakeConfig(const platform::ServerConfig& server) {
  IntakeConfig c;
  auto weights = ParseWeights(absl::GetFlag(FLAGS_matching_weights));
  if (!weights.ok()) return platform::InvalidFlag("matching_weights", weights.status().message());
  c.settings.weights = *weights;
  c.settings.intake_target_days = absl::GetFlag(FLAGS_intake_target_days);
  c.settings.match_target_days = absl::GetFlag(FLAGS_match_target_days);
  if (c.settings.intake_target_days < 1)
    return platform::InvalidFlag("intake_target_days", "must be >= 1");
  if (c.settings.match_target_days < 1)
    return platform::InvalidFlag("match_target_days", "must be >= 1");
  c.inspection_target = server.inspection_target;
  c.coaching_target = server.coaching_target;
  c.peer = server.peer;
  c.call_timeout = absl::GetFlag(FLAGS_call_timeout);
  if (c.call_timeout <= absl::ZeroDuration())
    return platform::InvalidFlag("call_timeout", "must be > 0");
  c.replica_id = platform::ReplicaId();
  return c;
}

IntakeService::IntakeService(platform::Database* db, const platform::ServerConfig& server,
                             IntakeConfig config, platform::Clock* clock)
    : db_(db),
      feed_(db),
      watch_(server.watch),
      config_(std::move(config)),
      coaching_(NewCoachingClient(config_.coaching_target, config_.peer, config_.call_timeout)),
      intake_(db, clock, coaching_.get(), config_.settings) {}

IntakeService::~IntakeService() { StopBackground(); }

std::vector<platform::ServiceModule::Exposed> IntakeService::GrpcServices() {
  return {{this, pb::IntakeService::service_full_name()}};
}

void IntakeService::StartBackground() {
  if (config_.inspection_target.empty()) {
    platform::LogWarn("feed.not_consuming",
                      {{"source", "inspection"}, {"why", "--inspection_target is not set"}});
    return;
  }
  inspection_feed_ = inspection::NewInspectionFeedConsumer(
      db_, config_.inspection_target, config_.peer, config_.replica_id,
      [this](platform::Transaction& tx, const platform::ChangeEvent& e) {
        return intake_.ApplyInspectionEvent(tx, e);
      });
  inspection_feed_->Start();
}

void IntakeService::StopBackground() {
  if (inspection_feed_) inspection_feed_->Stop();
}

void IntakeService::AddPolicies(platform::PolicyTable& policy) const {
  auto m = [](const char* method) { return absl::StrCat(kService, method); };
  const auto pl = {Role::kProjectLeader};
  policy.Allow(m("Watch"), {Role::kService});
  policy.Allow(m("CreateRegistration"), {Role::kProjectLeader, Role::kSchool});
  policy.Allow(m("GetRegistration"),
               {Role::kProjectLeader, Role::kSchool, Role::kCoach, Role::kAnalyst});
  policy.Allow(m("ListRegistrations"),
               {Role::kProjectLeader, Role::kSchool, Role::kCoach, Role::kAnalyst});
  policy.Allow(m("PlanIntake"), pl);
  policy.Allow(m("RecordIntake"), pl);
  policy.Allow(m("CloseRegistration"), {Role::kProjectLeader, Role::kSchool});
  policy.Allow(m("CreateCoach"), pl);
  policy.Allow(m("UpdateCoach"), pl);
  policy.Allow(m("GetCoach"), {Role::kProjectLeader, Role::kCoach, Role::kAnalyst});
  policy.Allow(m("ListCoaches"), {Role::kProjectLeader, Role::kAnalyst});
  policy.Allow(m("SuggestCoaches"), pl);
  policy.Allow(m("ConfirmMatch"), pl);
  policy.Allow(m("Rematch"), pl);
  policy.Allow(m("ProposeAssignments"), pl);
  policy.Allow(m("ListOutreach"), pl);
  policy.Allow(m("RecordOutreachContact"), pl);
  policy.Allow(m("ListEarlyWarnings"), {Role::kProjectLeader, Role::kAnalyst});
  policy.Allow(m("ListServiceLevelBreaches"), {Role::kProjectLeader, Role::kAnalyst});
}

grpc::ServerWriteReactor<pb::WatchResponse>* IntakeService::Watch(
    grpc::CallbackServerContext* context, const pb::WatchRequest* request) {
  return new platform::WatchStream<pb::WatchRequest, pb::WatchResponse>(context, *request, &feed_,
                                                                        watch_);
}

grpc::ServerUnaryReactor* IntakeService::CreateRegistration(grpc::CallbackServerContext* c,
                                                            const pb::CreateRegistrationRequest* r,
                                                            pb::Registration* out) {
  return Unary(c, [&](const CallInfo& call) -> absl::Status {
    platform::FieldErrors errors;
    const auto& reg = r->registration();
    if (reg.school_brin().size() != 4)
      errors.Add("registration.school_brin", "must be a BRIN code");
    if (reg.departments().empty()) {
      errors.Add("registration.departments", "needs at least one department");
    }
    if (reg.departments_size() > 20) errors.Add("registration.departments", "has more than 20");
    for (int i = 0; i < reg.departments_size(); ++i) {
      const std::string& d = reg.departments(i).department();
      if (d.rfind("departments/", 0) != 0 || d.compare(12, 4, reg.school_brin()) != 0) {
        errors.Add(absl::StrCat("registration.departments[", i, "].department"),
                   "must be departments/{department} of the registering school");
      }
    }
    if (reg.channel() == pb::CHANNEL_UNSPECIFIED || !pb::Channel_IsValid(reg.channel())) {
      errors.Add("registration.channel",
                 "must be SELF, INSPECTORATE_REFERRAL, PROGRAMME_OUTREACH or ADVISER");
    }
    Text(errors, "registration.contact.name", reg.contact().name(), 200, true);
    Text(errors, "registration.contact.role", reg.contact().role(), 200, true);
    Text(errors, "registration.contact.email", reg.contact().email(), 200, false);
    if (!reg.contact().email().empty() && reg.contact().email().find('@') == std::string::npos) {
      errors.Add("registration.contact.email", "is not an e-mail address");
    }
    for (int t : reg.problem_themes()) {
      if (t == 0 || !common::SupportTheme_IsValid(t)) {
        errors.Add("registration.problem_themes", "has an unknown theme");
      }
    }
    if (reg.problem_standards_size() > 30) errors.Add("registration.problem_standards", "too many");
    if (r->request_id().size() > 128) errors.Add("request_id", "is longer than 128 bytes");
    LV_RETURN_IF_ERROR(errors.ToStatus());
    LV_ASSIGN_OR_RETURN(*out, intake_.CreateRegistration(reg, r->request_id(), ActorOf(call)));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* IntakeService::GetRegistration(grpc::CallbackServerContext* c,
                                                         const pb::GetRegistrationRequest* r,
                                                         pb::Registration* out) {
  return Unary(c, [&](const CallInfo& call) -> absl::Status {
    LV_ASSIGN_OR_RETURN(std::string id, IdOf(r->name(), "registrations/", "name"));
    LV_ASSIGN_OR_RETURN(*out, intake_.GetRegistration(id, *call.caller));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* IntakeService::ListRegistrations(grpc::CallbackServerContext* c,
                                                           const pb::ListRegistrationsRequest* r,
                                                           pb::ListRegistrationsResponse* out) {
  return Unary(c, [&](const CallInfo& call) -> absl::Status {
    if (r->page_size() < 0 || r->page_size() > 1000)
      return FieldError("page_size", "must be 0-1000");
    std::vector<int> states;
    for (int s : r->states()) {
      if (s == 0 || !pb::RegistrationState_IsValid(s)) return FieldError("states", "unknown state");
      states.push_back(s);
    }
    std::string next;
    LV_ASSIGN_OR_RETURN(
        std::vector<pb::Registration> list,
        intake_.ListRegistrations(states, r->page_token(),
                                  r->page_size() == 0 ? 100 : r->page_size(), *call.caller, &next));
    for (auto& reg : list) *out->add_registrations() = std::move(reg);
    out->set_next_page_token(next);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* IntakeService::PlanIntake(grpc::CallbackServerContext* c,
                                                    const pb::PlanIntakeRequest* r,
                                                    pb::Registration* out) {
  return Unary(c, [&](const CallInfo& call) -> absl::Status {
    LV_ASSIGN_OR_RETURN(std::string id, IdOf(r->name(), "registrations/", "name"));
    if (!ValidDate(r->date())) return FieldError("date", "is required and must be valid");
    LV_ASSIGN_OR_RETURN(*out, intake_.PlanIntake(id, r->date(), ActorOf(call)));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* IntakeService::RecordIntake(grpc::CallbackServerContext* c,
                                                      const pb::RecordIntakeRequest* r,
                                                      pb::Registration* out) {
  return Unary(c, [&](const CallInfo& call) -> absl::Status {
    LV_ASSIGN_OR_RETURN(std::string id, IdOf(r->name(), "registrations/", "name"));
    platform::FieldErrors errors;
    const auto& in = r->intake();
    if (!ValidDate(in.date())) errors.Add("intake.date", "is required and must be valid");
    Text(errors, "intake.help_request", in.help_request(), 8000, true);
    Text(errors, "intake.problems", in.problems(), 8000, false);
    Text(errors, "intake.causes", in.causes(), 8000, false);
    Text(errors, "intake.roles", in.roles(), 4000, false);
    Text(errors, "intake.scope", in.scope(), 2000, false);
    if (in.severity() == pb::SEVERITY_UNSPECIFIED || !pb::Severity_IsValid(in.severity())) {
      errors.Add("intake.severity", "must be LOW, MEDIUM, HIGH or URGENT");
    }
    for (int t : in.themes()) {
      if (t == 0 || !common::SupportTheme_IsValid(t)) errors.Add("intake.themes", "unknown theme");
    }
    LV_RETURN_IF_ERROR(errors.ToStatus());
    std::vector<std::string> accept(r->accept_flanking().begin(), r->accept_flanking().end());
    LV_ASSIGN_OR_RETURN(*out, intake_.RecordIntake(id, in, accept, ActorOf(call)));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* IntakeService::CloseRegistration(grpc::CallbackServerContext* c,
                                                           const pb::CloseRegistrationRequest* r,
                                                           pb::Registration* out) {
  return Unary(c, [&](const CallInfo& call) -> absl::Status {
    LV_ASSIGN_OR_RETURN(std::string id, IdOf(r->name(), "registrations/", "name"));
    platform::FieldErrors errors;
    if (r->to_state() != pb::REGISTRATION_STATE_WITHDRAWN &&
        r->to_state() != pb::REGISTRATION_STATE_DECLINED) {
      errors.Add("to_state", "must be WITHDRAWN or DECLINED");
    }
    if (r->reason() == pb::DECLINE_REASON_UNSPECIFIED || !pb::DeclineReason_IsValid(r->reason())) {
      errors.Add("reason", "must be a known reason code");
    }
    Text(errors, "note", r->note(), 2000, false);
    LV_RETURN_IF_ERROR(errors.ToStatus());
    LV_ASSIGN_OR_RETURN(
        *out, intake_.CloseRegistration(id, r->to_state(), r->reason(), r->note(), ActorOf(call)));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* IntakeService::CreateCoach(grpc::CallbackServerContext* c,
                                                     const pb::CreateCoachRequest* r,
                                                     pb::Coach* out) {
  return Unary(c, [&](const CallInfo& call) -> absl::Status {
    bool id_ok = !r->coach_id().empty() && r->coach_id().size() <= 40;
    for (char ch : r->coach_id()) id_ok = id_ok && (absl::ascii_isalnum(ch) || ch == '-');
    if (!id_ok) return FieldError("coach_id", "must be 1-40 letters, digits or dashes");
    LV_RETURN_IF_ERROR(ValidateCoach(r->coach()));
    LV_ASSIGN_OR_RETURN(*out, intake_.CreateCoach(r->coach_id(), r->coach(), ActorOf(call)));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* IntakeService::UpdateCoach(grpc::CallbackServerContext* c,
                                                     const pb::UpdateCoachRequest* r,
                                                     pb::Coach* out) {
  return Unary(c, [&](const CallInfo& call) -> absl::Status {
    LV_RETURN_IF_ERROR(IdOf(r->coach().name(), "coaches/", "coach.name").status());
    LV_RETURN_IF_ERROR(ValidateCoach(r->coach()));
    LV_ASSIGN_OR_RETURN(*out, intake_.UpdateCoach(r->coach(), ActorOf(call)));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* IntakeService::GetCoach(grpc::CallbackServerContext* c,
                                                  const pb::GetCoachRequest* r, pb::Coach* out) {
  return Unary(c, [&](const CallInfo& call) -> absl::Status {
    LV_ASSIGN_OR_RETURN(std::string id, IdOf(r->name(), "coaches/", "name"));
    if (call.caller->role == Role::kCoach && call.caller->subject != id) {
      return absl::PermissionDeniedError("a coach reads only their own registry entry");
    }
    LV_ASSIGN_OR_RETURN(*out, intake_.GetCoach(id));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* IntakeService::ListCoaches(grpc::CallbackServerContext* c,
                                                     const pb::ListCoachesRequest* r,
                                                     pb::ListCoachesResponse* out) {
  return Unary(c, [&](const CallInfo&) -> absl::Status {
    LV_ASSIGN_OR_RETURN(std::vector<pb::Coach> coaches, intake_.ListCoaches(r->include_inactive()));
    for (auto& coach : coaches) *out->add_coaches() = std::move(coach);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* IntakeService::SuggestCoaches(grpc::CallbackServerContext* c,
                                                        const pb::SuggestCoachesRequest* r,
                                                        pb::SuggestCoachesResponse* out) {
  return Unary(c, [&](const CallInfo&) -> absl::Status {
    LV_ASSIGN_OR_RETURN(std::string id, IdOf(r->registration(), "registrations/", "registration"));
    if (r->limit() < 0 || r->limit() > 200) return FieldError("limit", "must be 0-200");
    if (!r->review_partner_of().empty()) {
      LV_RETURN_IF_ERROR(IdOf(r->review_partner_of(), "coaches/", "review_partner_of").status());
    }
    LV_ASSIGN_OR_RETURN(*out, intake_.SuggestCoaches(id, r->limit() == 0 ? 10 : r->limit(),
                                                     r->review_partner_of()));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* IntakeService::ConfirmMatch(grpc::CallbackServerContext* c,
                                                      const pb::ConfirmMatchRequest* r,
                                                      pb::Registration* out) {
  return Unary(c, [&](const CallInfo& call) -> absl::Status {
    LV_ASSIGN_OR_RETURN(std::string id, IdOf(r->registration(), "registrations/", "registration"));
    LV_RETURN_IF_ERROR(IdOf(r->coach(), "coaches/", "coach").status());
    LV_ASSIGN_OR_RETURN(*out, intake_.ConfirmMatch(id, r->coach(), ActorOf(call)));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* IntakeService::Rematch(grpc::CallbackServerContext* c,
                                                 const pb::RematchRequest* r,
                                                 pb::Registration* out) {
  return Unary(c, [&](const CallInfo& call) -> absl::Status {
    LV_ASSIGN_OR_RETURN(std::string id, IdOf(r->registration(), "registrations/", "registration"));
    LV_RETURN_IF_ERROR(IdOf(r->new_coach(), "coaches/", "new_coach").status());
    platform::FieldErrors errors;
    Text(errors, "reason", r->reason(), 2000, true);
    LV_RETURN_IF_ERROR(errors.ToStatus());
    LV_ASSIGN_OR_RETURN(*out, intake_.Rematch(id, r->new_coach(), r->reason(), ActorOf(call)));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* IntakeService::ProposeAssignments(grpc::CallbackServerContext* c,
                                                            const pb::ProposeAssignmentsRequest*,
                                                            pb::ProposeAssignmentsResponse* out) {
  return Unary(c, [&](const CallInfo&) -> absl::Status {
    LV_ASSIGN_OR_RETURN(*out, intake_.ProposeAssignments());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* IntakeService::ListOutreach(grpc::CallbackServerContext* c,
                                                      const pb::ListOutreachRequest* r,
                                                      pb::ListOutreachResponse* out) {
  return Unary(c, [&](const CallInfo&) -> absl::Status {
    LV_ASSIGN_OR_RETURN(std::vector<pb::OutreachEntry> entries,
                        intake_.ListOutreach(r->include_declined()));
    for (auto& e : entries) *out->add_entries() = std::move(e);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* IntakeService::RecordOutreachContact(
    grpc::CallbackServerContext* c, const pb::RecordOutreachContactRequest* r,
    pb::OutreachEntry* out) {
  return Unary(c, [&](const CallInfo& call) -> absl::Status {
    LV_ASSIGN_OR_RETURN(std::string id, IdOf(r->name(), "outreach/", "name"));
    platform::FieldErrors errors;
    Text(errors, "note", r->note(), 2000, false);
    if (!pb::DeclineReason_IsValid(r->decline_reason())) errors.Add("decline_reason", "unknown");
    LV_RETURN_IF_ERROR(errors.ToStatus());
    LV_ASSIGN_OR_RETURN(*out,
                        intake_.RecordOutreachContact(absl::StrCat("departments/", id), r->note(),
                                                      r->decline_reason(), ActorOf(call)));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* IntakeService::ListEarlyWarnings(grpc::CallbackServerContext* c,
                                                           const pb::ListEarlyWarningsRequest*,
                                                           pb::ListEarlyWarningsResponse* out) {
  return Unary(c, [&](const CallInfo&) -> absl::Status {
    LV_ASSIGN_OR_RETURN(std::vector<pb::EarlyWarning> warnings, intake_.ListEarlyWarnings());
    for (auto& w : warnings) *out->add_warnings() = std::move(w);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* IntakeService::ListServiceLevelBreaches(
    grpc::CallbackServerContext* c, const pb::ListServiceLevelBreachesRequest*,
    pb::ListServiceLevelBreachesResponse* out) {
  return Unary(c, [&](const CallInfo&) -> absl::Status {
    LV_ASSIGN_OR_RETURN(std::vector<pb::ServiceLevelBreach> breaches,
                        intake_.ListServiceLevelBreaches());
    for (auto& b : breaches) *out->add_breaches() = std::move(b);
    return absl::OkStatus();
  });
}

}  // namespace lv::intake
