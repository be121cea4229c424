#include "reporting-svc/reporting_service.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "coaching-svc/entitlement.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/create_channel.h"
#include "inspection-svc/inspection_feed.h"
#include "lerenverbeteren/coaching/v1/coaching_service.grpc.pb.h"
#include "lerenverbeteren/intake/v1/intake_service.grpc.pb.h"
#include "platform/call_gate.h"
#include "platform/errors.h"
#include "platform/logging.h"
#include "platform/proto_util.h"
#include "platform/status_macros.h"
#include "platform/watch.h"
#include "reporting-svc/report.h"
#include "reporting-svc/reporting_store.h"

namespace lv::reporting {
namespace {

using platform::CallInfo;
using platform::FieldError;
using platform::Role;
using platform::Unary;
namespace coaching = ::lerenverbeteren::coaching::v1;
namespace intake = ::lerenverbeteren::intake::v1;
namespace coaching_rules = ::lv::coaching;

constexpr char kService[] = "/lerenverbeteren.reporting.v1.ReportingService/";
constexpr const char* kSources[] = {"inspection", "intake", "coaching"};

absl::Status ApplyCoaching(soci::session& sql, const platform::ChangeEvent& e) {
  const std::string& type = e.type();
  if (type.rfind("coaching.trajectory.", 0) == 0) {
    coaching::TrajectoryEvent p;
    if (!e.payload().UnpackTo(&p)) return absl::DataLossError("bad TrajectoryEvent");
    ReportingStore::UpsertTrajectory(sql, p.trajectory(), type == "coaching.trajectory.opened");
    for (const auto& l : p.ledger_entries()) {
      ReportingStore::InsertLedger(sql, p.trajectory().name().substr(13), l);
    }
  } else if (type.rfind("coaching.session.", 0) == 0) {
    coaching::SessionEvent p;
    if (!e.payload().UnpackTo(&p)) return absl::DataLossError("bad SessionEvent");
    const std::string id = p.trajectory().substr(13);
    ReportingStore::UpsertSession(sql, id, p.session());
    for (const auto& l : p.ledger_entries()) ReportingStore::InsertLedger(sql, id, l);
  } else if (type == "coaching.evaluation.submitted") {
    coaching::EvaluationEvent p;
    if (!e.payload().UnpackTo(&p)) return absl::DataLossError("bad EvaluationEvent");
    ReportingStore::UpsertEvaluation(sql, p.trajectory().substr(13), p.evaluation());
  }
  return absl::OkStatus();
}

absl::Status ApplyInspection(soci::session& sql, const platform::ChangeEvent& e) {
  namespace insp = ::lerenverbeteren::inspection::v1;
  if (e.type().rfind("inspection.verdict.", 0) == 0) {
    insp::VerdictEvent p;
    if (!e.payload().UnpackTo(&p)) return absl::DataLossError("bad VerdictEvent");
    ReportingStore::UpsertVerdict(sql, p.department().name(), p.verdict());
  } else if (e.type() == "inspection.risk_signal.recorded") {
    insp::RiskSignalEvent p;
    if (!e.payload().UnpackTo(&p)) return absl::DataLossError("bad RiskSignalEvent");
    ReportingStore::UpsertRiskSignal(sql, p.department().name(), p.risk_signal().signal_date());
  }
  return absl::OkStatus();
}

absl::Status ApplyIntake(soci::session& sql, const platform::ChangeEvent& e) {
  if (e.type().rfind("intake.outreach.", 0) == 0) {
    intake::OutreachEvent p;
    if (!e.payload().UnpackTo(&p)) return absl::DataLossError("bad OutreachEvent");
    ReportingStore::UpsertOutreach(sql, p.entry());
  } else if (e.type() == "intake.coach.created" || e.type() == "intake.coach.updated") {
    intake::CoachEvent p;
    if (!e.payload().UnpackTo(&p)) return absl::DataLossError("bad CoachEvent");
    ReportingStore::UpsertCoach(sql, p.coach());
  } else if (e.type() == "intake.registration.created") {
    intake::RegistrationEvent p;
    if (!e.payload().UnpackTo(&p)) return absl::DataLossError("bad RegistrationEvent");
    for (const auto& d : p.registration().departments()) {
      if (!d.flanking()) {
        ReportingStore::MarkOutreachRegistered(sql, d.department(), p.registration().name());
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ApplyEvent(platform::Transaction& tx, const std::string& source,
                        const platform::ChangeEvent& event) {
  if (source == "coaching") return ApplyCoaching(tx.sql(), event);
  if (source == "intake") return ApplyIntake(tx.sql(), event);
  if (source == "inspection") return ApplyInspection(tx.sql(), event);
  return absl::OkStatus();
}

absl::StatusOr<ReportingConfig> LoadReportingConfig(const platform::ServerConfig& server) {
  ReportingConfig c;
  c.inspection_target = server.inspection_target;
  c.intake_target = server.intake_target;
  c.coaching_target = server.coaching_target;
  c.peer = server.peer;
  auto policy = coaching_rules::LoadPolicyFromFlag();
  if (!policy.ok()) return policy.status();
  c.policy = *std::move(policy);
  c.replica_id = platform::ReplicaId();
  return c;
}

ReportingService::ReportingService(platform::Database* db, const platform::ServerConfig& server,
                                   ReportingConfig config, platform::Clock* clock)
    : db_(db), clock_(clock), feed_(db), watch_(server.watch), config_(std::move(config)) {}

ReportingService::~ReportingService() { StopBackground(); }

std::vector<platform::ServiceModule::Exposed> ReportingService::GrpcServices() {
  return {{this, pb::ReportingService::service_full_name()}};
}

void ReportingService::StartBackground() {
  auto options = [&](const char* source) {
    platform::FeedConsumer::Options o;
    o.source = source;
    o.holder = config_.replica_id;
    o.bearer_token = [this] { return config_.peer.Token(); };
    return o;
  };
  auto apply = [this](const std::string& source) {
    return [source](platform::Transaction& tx, const platform::ChangeEvent& e) {
      return ApplyEvent(tx, source, e);
    };
  };
  auto channel = [this](const std::string& target) {
    return platform::NewChannel(target, config_.peer.tls);
  };
  if (!config_.inspection_target.empty()) {
    consumers_.push_back(inspection::NewInspectionFeedConsumer(
        db_, config_.inspection_target, config_.peer, config_.replica_id, apply("inspection")));
  }
  if (!config_.intake_target.empty()) {
    auto stub = std::shared_ptr<intake::IntakeService::Stub>(
        intake::IntakeService::NewStub(channel(config_.intake_target)));
    consumers_.push_back(std::make_unique<platform::FeedConsumer>(
        db_, options("intake"),
        platform::MakeWatchOpener<intake::WatchRequest, intake::WatchResponse>(stub),
        apply("intake")));
  }
  if (!config_.coaching_target.empty()) {
    auto stub = std::shared_ptr<coaching::CoachingService::Stub>(
        coaching::CoachingService::NewStub(channel(config_.coaching_target)));
    consumers_.push_back(std::make_unique<platform::FeedConsumer>(
        db_, options("coaching"),
        platform::MakeWatchOpener<coaching::WatchRequest, coaching::WatchResponse>(stub),
        apply("coaching")));
  }
  if (consumers_.size() < 3) {
    platform::LogWarn("feed.not_consuming",
                      {{"why", "set --inspection_target, --intake_target and --coaching_target"},
                       {"consuming", static_cast<int>(consumers_.size())}});
  }
  for (auto& c : consumers_) c->Start();
}

void ReportingService::StopBackground() {
  for (auto& c : consumers_) c->Stop();
}

void ReportingService::AddPolicies(platform::PolicyTable& policy) const {
  auto m = [](const char* method) { return absl::StrCat(kService, method); };
  const auto readers = {Role::kProjectLeader, Role::kAnalyst, Role::kService};
  policy.Allow(m("Watch"), {Role::kService});
  policy.Allow(m("GetFeedLag"), readers);
  policy.Allow(m("GetProgrammeReport"), readers);
  policy.Allow(m("ExportReport"), readers);
  policy.Allow(m("RenderChart"), readers);
  // Row level: a school its own trajectories, a coach the ones they are or were on.
  policy.Allow(m("GetTransparencyStatement"),
               {Role::kProjectLeader, Role::kAnalyst, Role::kService, Role::kSchool, Role::kCoach});
}

absl::StatusOr<std::vector<pb::FeedLag>> ReportingService::Lags() {
  std::vector<pb::FeedLag> out;
  const absl::Time now = clock_->Now();
  for (const char* source : kSources) {
    platform::ConsumerState state(db_, source, "", absl::Seconds(15));
    LV_ASSIGN_OR_RETURN(platform::ConsumerState::Lag lag, state.GetLag());
    pb::FeedLag& f = out.emplace_back();
    f.set_source(source);
    f.set_applied_sequence(lag.cursor);
    f.set_source_head(lag.source_head);
    f.set_events_behind(std::max<int64_t>(0, lag.source_head - lag.cursor));
    if (lag.cursor > 0) {
      *f.mutable_last_applied_event_time() = platform::ToTimestamp(lag.last_applied_event_time);
      if (f.events_behind() > 0) {
        f.set_seconds_behind(absl::ToDoubleSeconds(now - lag.last_applied_event_time));
      }
    }
  }
  return out;
}

absl::StatusOr<pb::ProgrammeReport> ReportingService::Report(const pb::ReportFilter& filter) {
  ReadModel model;
  LV_RETURN_IF_ERROR(db_->Read([&](soci::session& sql) {
    model = ReportingStore::Load(sql);
    return absl::OkStatus();
  }));
  pb::ProgrammeReport report =
      BuildReport(model, filter, absl::ToCivilDay(clock_->Now(), absl::UTCTimeZone()));
  LV_ASSIGN_OR_RETURN(std::vector<pb::FeedLag> lags, Lags());
  for (auto& l : lags) *report.add_freshness() = std::move(l);
  return report;
}

namespace {
absl::Status ValidateFilter(const pb::ReportFilter& f) {
  platform::FieldErrors errors;
  if (f.start_year() != 0 && (f.start_year() < 2000 || f.start_year() > 2200)) {
    errors.Add("filter.start_year", "must be 2000-2200 or 0");
  }
  if (f.end_year() != 0 && (f.end_year() < f.start_year() || f.end_year() > 2200)) {
    errors.Add("filter.end_year", "must be from start_year to 2200, or 0");
  }
  if (!common::TrajectoryCategory_IsValid(f.category())) errors.Add("filter.category", "unknown");
  if (!common::SchoolType_IsValid(f.school_type())) errors.Add("filter.school_type", "unknown");
  if (f.coach().size() > 128) errors.Add("filter.coach", "is too long");
  if (f.board_number().size() > 16) errors.Add("filter.board_number", "is too long");
  return errors.ToStatus();
}
}  // namespace

grpc::ServerWriteReactor<pb::WatchResponse>* ReportingService::Watch(
    grpc::CallbackServerContext* context, const pb::WatchRequest* request) {
  return new platform::WatchStream<pb::WatchRequest, pb::WatchResponse>(context, *request, &feed_,
                                                                        watch_);
}

grpc::ServerUnaryReactor* ReportingService::GetFeedLag(grpc::CallbackServerContext* c,
                                                       const pb::GetFeedLagRequest*,
                                                       pb::GetFeedLagResponse* out) {
  return Unary(c, [&](const CallInfo&) -> absl::Status {
    LV_ASSIGN_OR_RETURN(std::vector<pb::FeedLag> lags, Lags());
    for (auto& l : lags) *out->add_feeds() = std::move(l);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ReportingService::GetProgrammeReport(
    grpc::CallbackServerContext* c, const pb::GetProgrammeReportRequest* r,
    pb::ProgrammeReport* out) {
  return Unary(c, [&](const CallInfo&) -> absl::Status {
    LV_RETURN_IF_ERROR(ValidateFilter(r->filter()));
    LV_ASSIGN_OR_RETURN(*out, Report(r->filter()));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ReportingService::ExportReport(grpc::CallbackServerContext* c,
                                                         const pb::ExportReportRequest* r,
                                                         pb::ExportReportResponse* out) {
  return Unary(c, [&](const CallInfo&) -> absl::Status {
    LV_RETURN_IF_ERROR(ValidateFilter(r->filter()));
    if (r->format() != pb::EXPORT_FORMAT_CSV && r->format() != pb::EXPORT_FORMAT_JSON) {
      return FieldError("format", "must be CSV or JSON");
    }
    LV_ASSIGN_OR_RETURN(pb::ProgrammeReport report, Report(r->filter()));
    if (r->format() == pb::EXPORT_FORMAT_CSV) {
      out->set_content_type("text/csv; charset=utf-8");
      out->set_data(ReportCsv(report));
    } else {
      google::protobuf::util::JsonPrintOptions options;
      options.preserve_proto_field_names = true;
      options.add_whitespace = true;
      std::string json;
      if (!google::protobuf::util::MessageToJsonString(report, &json, options).ok()) {
        return absl::InternalError("the report does not render as JSON");
      }
      out->set_content_type("application/json");
      out->set_data(json);
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ReportingService::RenderChart(grpc::CallbackServerContext* c,
                                                        const pb::RenderChartRequest* r,
                                                        pb::RenderChartResponse* out) {
  return Unary(c, [&](const CallInfo&) -> absl::Status {
    LV_RETURN_IF_ERROR(ValidateFilter(r->filter()));
    if (r->kind() == pb::CHART_KIND_UNSPECIFIED || !pb::ChartKind_IsValid(r->kind())) {
      return FieldError("kind", "must be STARTED_PER_YEAR or DURATION_BY_CATEGORY");
    }
    LV_ASSIGN_OR_RETURN(pb::ProgrammeReport report, Report(r->filter()));
    out->set_content_type("image/svg+xml");
    out->set_svg(RenderChartSvg(report, r->kind()));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ReportingService::GetTransparencyStatement(
    grpc::CallbackServerContext* c, const pb::GetTransparencyStatementRequest* r,
    coaching::TransparencyStatement* out) {
  return Unary(c, [&](const CallInfo& call) -> absl::Status {
    if (r->name().rfind("trajectories/", 0) != 0 || r->name().size() <= 13 ||
        r->name().find('/', 13) != std::string::npos) {
      return FieldError("name", "must be trajectories/{trajectory}");
    }
    std::optional<StatementInputs> in;
    LV_RETURN_IF_ERROR(db_->Read([&](soci::session& sql) {
      in = ReportingStore::LoadStatementInputs(sql, r->name().substr(13));
      return absl::OkStatus();
    }));
    if (!in) {
      return absl::NotFoundError(
          absl::StrCat(r->name(), " is not in the read model (yet): see GetFeedLag"));
    }
    const platform::Principal& who = *call.caller;
    if (who.role == Role::kSchool && who.subject != in->trajectory.school_brin()) {
      return absl::PermissionDeniedError("a school sees only its own statement");
    }
    if (who.role == Role::kCoach) {
      bool on = false;
      for (const auto& a : in->trajectory.coaches()) on |= a.coach() == who.subject;
      if (!on) return absl::PermissionDeniedError("a coach sees only their trajectories");
    }
    *out = coaching_rules::BuildStatement(in->trajectory, in->ledger, in->sessions, config_.policy,
                                          absl::ToCivilDay(clock_->Now(), absl::UTCTimeZone()));
    return absl::OkStatus();
  });
}

}  // namespace lv::reporting
