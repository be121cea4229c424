#include "intake-svc/intake.h"

#include <algorithm>
#include <cstdio>
#include <random>
#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "lerenverbeteren/inspection/v1/events.pb.h"
#include "lerenverbeteren/intake/v1/events.pb.h"
#include "platform/errors.h"
#include "platform/logging.h"
#include "platform/proto_util.h"
#include "platform/status_macros.h"

namespace lv::intake {
namespace {

using platform::Role;
namespace inspection = ::lerenverbeteren::inspection::v1;
namespace coaching = ::lerenverbeteren::coaching::v1;

google::protobuf::Timestamp Timestamp(absl::Time t) { return platform::ToTimestamp(t); }

using platform::FromTimestamp;

std::string DateText(const common::Date& d) {
  return d.year() == 0 ? "" : absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day());
}

std::string RegistrationName(const std::string& id) { return absl::StrCat("registrations/", id); }

std::string NewId(absl::Time now) {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return absl::StrCat(absl::FormatTime("%Y%m%d", now, absl::UTCTimeZone()), "-",
                      absl::StrFormat("%08x", rng() & 0xffffffff));
}

bool IsWeak(common::Verdict v) {
  return v == common::VERDICT_VERY_WEAK || v == common::VERDICT_INSUFFICIENT ||
         v == common::VERDICT_WEAK;
}

bool IsOpen(pb::RegistrationState s) {
  return s != pb::REGISTRATION_STATE_WITHDRAWN && s != pb::REGISTRATION_STATE_DECLINED;
}

// Whether an open registration takes the department in (a flanking proposal not accepted does
// not).
bool HoldsDepartment(const pb::Registration& r, const std::string& department) {
  if (!IsOpen(r.state())) return false;
  for (const auto& d : r.departments()) {
    if (d.department() == department) return !d.flanking() || d.accepted();
  }
  return false;
}

common::TrajectoryCategory CategoryOf(const pb::Registration& r) {
  common::TrajectoryCategory c = common::TRAJECTORY_CATEGORY_RISK;
  for (const auto& d : r.departments()) {
    if (d.flanking() && !d.accepted()) continue;
    if (d.verdict() == common::VERDICT_VERY_WEAK) return common::TRAJECTORY_CATEGORY_VERY_WEAK;
    if (d.verdict() == common::VERDICT_INSUFFICIENT || d.verdict() == common::VERDICT_WEAK) {
      c = common::TRAJECTORY_CATEGORY_INSUFFICIENT;
    }
  }
  return c;
}

// Registered -> intake planned -> intake done -> matched -> trajectory opened; or withdrawn /
// declined from any open state before the trajectory exists.
absl::Status CheckTransition(pb::RegistrationState from, pb::RegistrationState to) {
  using S = pb::RegistrationState;
  bool ok = false;
  switch (to) {
    case S::REGISTRATION_STATE_INTAKE_PLANNED:
      ok = from == S::REGISTRATION_STATE_REGISTERED || from == S::REGISTRATION_STATE_INTAKE_PLANNED;
      break;
    case S::REGISTRATION_STATE_INTAKE_DONE:
      ok = from == S::REGISTRATION_STATE_REGISTERED || from == S::REGISTRATION_STATE_INTAKE_PLANNED;
      break;
    case S::REGISTRATION_STATE_MATCHED:
      ok = from == S::REGISTRATION_STATE_INTAKE_DONE;
      break;
    case S::REGISTRATION_STATE_TRAJECTORY_OPENED:
      ok = from == S::REGISTRATION_STATE_MATCHED;
      break;
    case S::REGISTRATION_STATE_WITHDRAWN:
    case S::REGISTRATION_STATE_DECLINED:
      ok = from == S::REGISTRATION_STATE_REGISTERED ||
           from == S::REGISTRATION_STATE_INTAKE_PLANNED ||
           from == S::REGISTRATION_STATE_INTAKE_DONE || from == S::REGISTRATION_STATE_MATCHED;
      break;
    default:
      break;
  }
  if (ok) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("the registration is ", pb::RegistrationState_Name(from), "; it cannot move to ",
                   pb::RegistrationState_Name(to)));
}

void Move(pb::Registration& r, pb::RegistrationState to, absl::Time now, const Actor& actor,
          const std::string& reason) {
  pb::StateChange* c = r.add_history();
  c->set_from_state(r.state());
  c->set_to_state(to);
  *c->mutable_time() = Timestamp(now);
  c->set_actor(actor.principal.ToString());
  c->set_reason(reason);
  r.set_state(to);
}

void Publish(platform::Transaction& tx, absl::string_view type, const pb::Registration& r,
             const std::string& reason = "") {
  pb::RegistrationEvent event;
  *event.mutable_registration() = r;
  event.mutable_registration()->clear_contact();  // no personal data in events
  event.set_reason(reason);
  tx.Publish(type, r.name(), event);
}

absl::Status NotFound(const std::string& what) {
  return absl::NotFoundError(absl::StrCat(what, " does not exist"));
}

absl::Status CheckCanSee(const platform::Principal& viewer, const pb::Registration& r) {
  if (viewer.role == Role::kSchool && viewer.subject != r.school_brin()) {
    return absl::PermissionDeniedError(
        absl::StrCat("school ", viewer.subject, " may only see its own registrations"));
  }
  if (viewer.role == Role::kCoach && r.coach() != absl::StrCat("coaches/", viewer.subject)) {
    return absl::PermissionDeniedError("a coach sees only the registrations matched to them");
  }
  return absl::OkStatus();
}

}  // namespace

absl::CivilDay Intake::Today() const {
  return absl::ToCivilDay(clock_->Now(), absl::UTCTimeZone());
}

absl::StatusOr<pb::Registration> Intake::CreateRegistration(const pb::Registration& input,
                                                            const std::string& request_id,
                                                            const Actor& actor) {
  if (actor.principal.role == Role::kSchool && actor.principal.subject != input.school_brin()) {
    return absl::PermissionDeniedError("a school registers only its own departments");
  }
  pb::Registration r;
  LV_RETURN_IF_ERROR(db_->Write(
      [&](platform::Transaction& tx) -> absl::Status {
        r = input;  // a retried transaction starts again from the request
        if (!request_id.empty()) {
          if (auto seen = IntakeStore::FindRegistrationByRequest(tx.sql(), request_id)) {
            r = *IntakeStore::GetRegistration(tx.sql(), *seen);
            return absl::OkStatus();  // a retried create
          }
        }
        platform::FieldErrors errors;
        std::set<std::string> named;
        for (int i = 0; i < r.departments_size(); ++i) {
          auto* d = r.mutable_departments(i);
          const std::string field = absl::StrCat("registration.departments[", i, "].department");
          auto known = IntakeStore::GetKnown(tx.sql(), d->department());
          if (!known) {
            errors.Add(field, absl::StrCat(d->department(), " is not known to inspection-svc"));
            continue;
          }
          for (const auto& other :
               IntakeStore::RegistrationsOfDepartment(tx.sql(), d->department())) {
            if (HoldsDepartment(other, d->department())) {
              errors.Add(field, absl::StrCat(d->department(), " is already in ", other.name(), " (",
                                             pb::RegistrationState_Name(other.state()), ")"));
            }
          }
          d->set_verdict(known->verdict);
          d->set_risk_signal(known->risk_signal);
          d->set_flanking(false);
          d->set_accepted(true);
          r.set_possible_relapse(r.possible_relapse() || known->supported_before);
          if (r.board_number().empty()) r.set_board_number(known->board_number);
          named.insert(d->department());
        }
        if (!errors.empty()) {
          // The same request may have just been committed by another replica: the lookup above
          // ran before that commit, these reads after it (READ COMMITTED). Then it is a retry.
          if (!request_id.empty()) {
            if (auto seen = IntakeStore::FindRegistrationByRequest(tx.sql(), request_id)) {
              r = *IntakeStore::GetRegistration(tx.sql(), *seen);
              return absl::OkStatus();
            }
          }
          return errors.ToStatus();
        }
        // Flanking departments of the same school that the inspection data shows weak or at risk.
        for (const KnownDepartment& k : IntakeStore::KnownOfSchool(tx.sql(), r.school_brin())) {
          if (named.count(k.department)) continue;
          if (IsWeak(k.verdict) || k.risk_signal == common::RISK_SIGNAL_KIND_NOTICE ||
              k.risk_signal == common::RISK_SIGNAL_KIND_WARNING) {
            auto* d = r.add_departments();
            d->set_department(k.department);
            d->set_verdict(k.verdict);
            d->set_risk_signal(k.risk_signal);
            d->set_flanking(true);
            d->set_accepted(false);
          }
        }
        const std::string id = NewId(tx.now());
        r.set_name(RegistrationName(id));
        r.set_state(pb::REGISTRATION_STATE_REGISTERED);
        r.clear_history();
        if (!r.has_first_contact_time()) *r.mutable_first_contact_time() = Timestamp(tx.now());
        *r.mutable_create_time() = Timestamp(tx.now());
        r.set_category(CategoryOf(r));
        for (const auto& d : r.departments()) {
          if (d.flanking()) continue;
          if (auto entry = IntakeStore::GetOutreach(tx.sql(), d.department())) {
            entry->set_registration(r.name());
            IntakeStore::SaveOutreach(tx.sql(), d.department(), *entry);
            r.add_outreach_entries(entry->name());
          }
        }
        IntakeStore::SaveRegistration(tx.sql(), id, r, request_id, tx.now(), /*insert=*/true);
        Publish(tx, "intake.registration.created", r);
        return absl::OkStatus();
      },
      actor.request_id));
  return r;
}

absl::StatusOr<pb::Registration> Intake::GetRegistration(const std::string& id,
                                                         const platform::Principal& viewer) {
  std::optional<pb::Registration> r;
  LV_RETURN_IF_ERROR(db_->Read([&](soci::session& sql) {
    r = IntakeStore::GetRegistration(sql, id);
    return absl::OkStatus();
  }));
  if (!r) return NotFound(RegistrationName(id));
  LV_RETURN_IF_ERROR(CheckCanSee(viewer, *r));
  return *r;
}

absl::StatusOr<std::vector<pb::Registration>> Intake::ListRegistrations(
    const std::vector<int>& states, const std::string& page_token, int page_size,
    const platform::Principal& viewer, std::string* next) {
  int64_t before_us = INT64_MAX;
  std::string before_id;
  LV_RETURN_IF_ERROR(platform::DecodePageToken(page_token, &before_us, &before_id));
  std::vector<pb::Registration> out;
  next->clear();
  // Rows a viewer may not see are skipped; pages may then hold fewer than page_size.
  LV_RETURN_IF_ERROR(db_->Read([&](soci::session& sql) {
    auto page = IntakeStore::ListRegistrations(sql, states, before_us, before_id, page_size + 1);
    const bool more = static_cast<int>(page.size()) > page_size;
    if (more) page.pop_back();
    if (more && !page.empty()) {
      const auto& last = page.back();
      *next = platform::EncodePageToken(platform::TimestampMicros(last.create_time()),
                                        last.name().substr(14));
    }
    for (auto& r : page) {
      if (CheckCanSee(viewer, r).ok()) out.push_back(std::move(r));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<pb::Registration> Intake::Change(
    const std::string& id, const Actor& actor, absl::string_view event_type,
    const std::function<absl::Status(platform::Transaction&, pb::Registration&)>& change) {
  pb::Registration out;
  LV_RETURN_IF_ERROR(db_->Write(
      [&](platform::Transaction& tx) -> absl::Status {
        IntakeStore::LockRegistration(tx, id);
        auto r = IntakeStore::GetRegistration(tx.sql(), id);
        if (!r) return NotFound(RegistrationName(id));
        LV_RETURN_IF_ERROR(change(tx, *r));
        IntakeStore::SaveRegistration(tx.sql(), id, *r, "", tx.now(), /*insert=*/false);
        if (!event_type.empty()) Publish(tx, event_type, *r);
        out = *r;
        return absl::OkStatus();
      },
      actor.request_id));
  return out;
}

absl::StatusOr<pb::Registration> Intake::PlanIntake(const std::string& id, const common::Date& date,
                                                    const Actor& actor) {
  return Change(
      id, actor, "intake.registration.intake_planned",
      [&](platform::Transaction& tx, pb::Registration& r) -> absl::Status {
        LV_RETURN_IF_ERROR(CheckTransition(r.state(), pb::REGISTRATION_STATE_INTAKE_PLANNED));
        *r.mutable_intake_planned_date() = date;
        Move(r, pb::REGISTRATION_STATE_INTAKE_PLANNED, tx.now(), actor, DateText(date));
        return absl::OkStatus();
      });
}

absl::StatusOr<pb::Registration> Intake::RecordIntake(
    const std::string& id, const pb::IntakeRecord& intake,
    const std::vector<std::string>& accept_flanking, const Actor& actor) {
  return Change(
      id, actor, "intake.registration.intake_done",
      [&](platform::Transaction& tx, pb::Registration& r) -> absl::Status {
        LV_RETURN_IF_ERROR(CheckTransition(r.state(), pb::REGISTRATION_STATE_INTAKE_DONE));
        for (size_t i = 0; i < accept_flanking.size(); ++i) {
          bool found = false;
          for (auto& d : *r.mutable_departments()) {
            if (d.flanking() && d.department() == accept_flanking[i]) {
              d.set_accepted(true);
              found = true;
            }
          }
          if (!found) {
            return platform::FieldError(absl::StrCat("accept_flanking[", i, "]"),
                                        "is not a flanking department proposed here");
          }
        }
        *r.mutable_intake() = intake;
        r.set_category(CategoryOf(r));
        Move(r, pb::REGISTRATION_STATE_INTAKE_DONE, tx.now(), actor, "");
        return absl::OkStatus();
      });
}

absl::StatusOr<pb::Registration> Intake::CloseRegistration(const std::string& id,
                                                           pb::RegistrationState to,
                                                           pb::DeclineReason reason,
                                                           const std::string& note,
                                                           const Actor& actor) {
  return Change(
      id, actor, "intake.registration.closed",
      [&](platform::Transaction& tx, pb::Registration& r) -> absl::Status {
        if (actor.principal.role == Role::kSchool && (actor.principal.subject != r.school_brin() ||
                                                      to != pb::REGISTRATION_STATE_WITHDRAWN)) {
          return absl::PermissionDeniedError("a school can only withdraw its own");
        }
        LV_RETURN_IF_ERROR(CheckTransition(r.state(), to));
        r.set_close_reason(reason);
        r.set_close_note(note);
        Move(r, to, tx.now(), actor, pb::DeclineReason_Name(reason));
        return absl::OkStatus();
      });
}

absl::StatusOr<pb::Coach> Intake::CreateCoach(const std::string& id, pb::Coach coach,
                                              const Actor& actor) {
  LV_RETURN_IF_ERROR(db_->Write(
      [&](platform::Transaction& tx) -> absl::Status {
        if (IntakeStore::GetCoach(tx.sql(), id)) {
          return absl::AlreadyExistsError(absl::StrCat("coaches/", id, " already exists"));
        }
        coach.set_name(absl::StrCat("coaches/", id));
        coach.set_active_trajectories(0);
        IntakeStore::SaveCoach(tx.sql(), id, coach, /*insert=*/true);
        pb::CoachEvent event;
        *event.mutable_coach() = coach;
        tx.Publish("intake.coach.created", coach.name(), event);
        return absl::OkStatus();
      },
      actor.request_id));
  return coach;
}

absl::StatusOr<pb::Coach> Intake::UpdateCoach(pb::Coach coach, const Actor& actor) {
  const std::string id = coach.name().substr(8);
  LV_RETURN_IF_ERROR(db_->Write(
      [&](platform::Transaction& tx) -> absl::Status {
        if (!IntakeStore::GetCoach(tx.sql(), id)) return NotFound(coach.name());
        coach.set_active_trajectories(0);
        IntakeStore::SaveCoach(tx.sql(), id, coach, /*insert=*/false);
        pb::CoachEvent event;
        *event.mutable_coach() = coach;
        tx.Publish("intake.coach.updated", coach.name(), event);
        return absl::OkStatus();
      },
      actor.request_id));
  return coach;
}

absl::StatusOr<pb::Coach> Intake::GetCoach(const std::string& id) {
  std::optional<pb::Coach> c;
  LV_RETURN_IF_ERROR(db_->Read([&](soci::session& sql) {
    c = IntakeStore::GetCoach(sql, id);
    if (c) c->set_active_trajectories(IntakeStore::ActiveTrajectories(sql, c->name()));
    return absl::OkStatus();
  }));
  if (!c) return NotFound(absl::StrCat("coaches/", id));
  return *c;
}

absl::StatusOr<std::vector<pb::Coach>> Intake::ListCoaches(bool include_inactive) {
  std::vector<pb::Coach> out;
  LV_RETURN_IF_ERROR(db_->Read([&](soci::session& sql) {
    out = IntakeStore::ListCoaches(sql, include_inactive);
    for (auto& c : out) c.set_active_trajectories(IntakeStore::ActiveTrajectories(sql, c.name()));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<MatchRequest> Intake::MatchRequestFor(soci::session& sql,
                                                     const pb::Registration& r) {
  MatchRequest m;
  m.registration = r.name();
  m.school_brin = r.school_brin();
  m.board_number = r.board_number();
  std::set<int> themes(r.problem_themes().begin(), r.problem_themes().end());
  for (int t : r.intake().themes()) themes.insert(t);
  for (int t : themes) m.themes.push_back(static_cast<common::SupportTheme>(t));
  std::set<int> types;
  for (const auto& d : r.departments()) {
    if (d.flanking() && !d.accepted()) continue;
    if (auto k = IntakeStore::GetKnown(sql, d.department())) {
      types.insert(k->school_type);
      if (m.region.empty()) m.region = k->region;
    }
    for (const auto& earlier : IntakeStore::RegistrationsOfDepartment(sql, d.department())) {
      if (earlier.name() != r.name() && !earlier.coach().empty()) {
        m.earlier_coaches.push_back(earlier.coach());
      }
    }
  }
  for (int t : types) m.school_types.push_back(static_cast<common::SchoolType>(t));
  return m;
}

absl::StatusOr<std::vector<CoachLoad>> Intake::CoachLoads(soci::session& sql) {
  std::vector<CoachLoad> out;
  for (auto& c : IntakeStore::ListCoaches(sql, /*include_inactive=*/true)) {
    CoachLoad load;
    load.active_trajectories = IntakeStore::ActiveTrajectories(sql, c.name());
    c.set_active_trajectories(load.active_trajectories);
    load.coach = std::move(c);
    out.push_back(std::move(load));
  }
  return out;
}

absl::StatusOr<pb::SuggestCoachesResponse> Intake::SuggestCoaches(
    const std::string& id, int limit, const std::string& review_partner_of) {
  pb::SuggestCoachesResponse out;
  LV_RETURN_IF_ERROR(db_->Read([&](soci::session& sql) -> absl::Status {
    auto r = IntakeStore::GetRegistration(sql, id);
    if (!r) return NotFound(RegistrationName(id));
    LV_ASSIGN_OR_RETURN(MatchRequest request, MatchRequestFor(sql, *r));
    LV_ASSIGN_OR_RETURN(std::vector<CoachLoad> coaches, CoachLoads(sql));
    if (!review_partner_of.empty()) {
      // A review duo: the intended coach is not their own partner.
      coaches.erase(
          std::remove_if(coaches.begin(), coaches.end(),
                         [&](const CoachLoad& c) { return c.coach.name() == review_partner_of; }),
          coaches.end());
      pb::CoachExclusion* e = out.add_exclusions();
      e->set_coach(review_partner_of);
      e->set_rule("excluded_partner");
      e->set_detail("the intended coach of the duo");
    }
    pb::SuggestCoachesResponse ranked =
        RankCoaches(request, coaches, settings_.weights, Today(), limit);
    for (auto& s : *ranked.mutable_suggestions()) *out.add_suggestions() = std::move(s);
    for (auto& e : *ranked.mutable_exclusions()) *out.add_exclusions() = std::move(e);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<pb::Registration> Intake::ConfirmMatch(const std::string& id,
                                                      const std::string& coach,
                                                      const Actor& actor) {
  // 1. Record the match (or find it already recorded: a retry).
  LV_ASSIGN_OR_RETURN(
      pb::Registration r,
      Change(id, actor, "", [&](platform::Transaction& tx, pb::Registration& reg) -> absl::Status {
        if (reg.state() == pb::REGISTRATION_STATE_MATCHED ||
            reg.state() == pb::REGISTRATION_STATE_TRAJECTORY_OPENED) {
          if (reg.coach() != coach) {
            return absl::FailedPreconditionError(absl::StrCat(
                reg.name(), " is already matched to ", reg.coach(), "; use Rematch to change"));
          }
          return absl::OkStatus();  // the same confirmation again: complete what is pending
        }
        LV_RETURN_IF_ERROR(CheckTransition(reg.state(), pb::REGISTRATION_STATE_MATCHED));
        auto c = IntakeStore::GetCoach(tx.sql(), coach.substr(8));
        if (!c) return platform::FieldError("coach", absl::StrCat(coach, " does not exist"));
        LV_ASSIGN_OR_RETURN(MatchRequest request, MatchRequestFor(tx.sql(), reg));
        CoachLoad load{*c, IntakeStore::ActiveTrajectories(tx.sql(), coach)};
        Evaluation e = EvaluateCoach(request, load, settings_.weights, 0, Today());
        if (e.excluded) {
          return absl::FailedPreconditionError(absl::StrCat(coach, " may not take ", reg.name(),
                                                            ": ", e.exclusion.rule(), " (",
                                                            e.exclusion.detail(), ")"));
        }
        reg.set_coach(coach);
        Move(reg, pb::REGISTRATION_STATE_MATCHED, tx.now(), actor, coach);
        Publish(tx, "intake.match.made", reg);
        return absl::OkStatus();
      }));
  if (r.state() == pb::REGISTRATION_STATE_TRAJECTORY_OPENED) return r;
  // 2. Open the trajectory in coaching-svc, idempotent on the registration as match id.
  coaching::OpenTrajectoryRequest open;
  open.set_match_id(r.name());
  open.set_school_brin(r.school_brin());
  open.set_board_number(r.board_number());
  open.set_coach(r.coach().substr(8));
  for (const auto& d : r.departments()) {
    if (d.flanking() && !d.accepted()) continue;
    auto* td = open.add_departments();
    td->set_department(d.department());
    td->set_verdict(d.verdict());
    td->set_risk_signal(d.risk_signal());
  }
  if (trajectories_ == nullptr) {
    return absl::FailedPreconditionError(
        "coaching-svc is not configured (--coaching_target); the match stays pending");
  }
  auto trajectory = trajectories_->Open(open);
  if (!trajectory.ok()) {
    return absl::UnavailableError(
        absl::StrCat("the match is recorded but coaching-svc did not open the trajectory (",
                     trajectory.status().message(), "); confirm again to complete it"));
  }
  // 3. Record the opened trajectory.
  return Change(
      id, actor, "intake.trajectory.opened",
      [&](platform::Transaction& tx, pb::Registration& reg) -> absl::Status {
        if (reg.state() == pb::REGISTRATION_STATE_TRAJECTORY_OPENED) return absl::OkStatus();
        LV_RETURN_IF_ERROR(CheckTransition(reg.state(), pb::REGISTRATION_STATE_TRAJECTORY_OPENED));
        reg.set_trajectory(*trajectory);
        Move(reg, pb::REGISTRATION_STATE_TRAJECTORY_OPENED, tx.now(), actor, *trajectory);
        // Its departments now count as supported: a later weak verdict is a relapse.
        for (const auto& d : reg.departments()) {
          if (d.flanking() && !d.accepted()) continue;
          if (auto k = IntakeStore::GetKnown(tx.sql(), d.department())) {
            k->supported_before = true;
            IntakeStore::UpsertKnown(tx.sql(), *k);
          }
        }
        return absl::OkStatus();
      });
}

absl::StatusOr<pb::Registration> Intake::Rematch(const std::string& id,
                                                 const std::string& new_coach,
                                                 const std::string& reason, const Actor& actor) {
  std::string trajectory;
  LV_ASSIGN_OR_RETURN(
      pb::Registration r,
      Change(
          id, actor, "intake.match.changed",
          [&](platform::Transaction& tx, pb::Registration& reg) -> absl::Status {
            if (reg.state() != pb::REGISTRATION_STATE_MATCHED &&
                reg.state() != pb::REGISTRATION_STATE_TRAJECTORY_OPENED) {
              return absl::FailedPreconditionError(
                  absl::StrCat(reg.name(), " is ", pb::RegistrationState_Name(reg.state()),
                               "; only a matched registration can be rematched"));
            }
            if (reg.coach() == new_coach) {
              return platform::FieldError("new_coach", "is already the coach");
            }
            auto c = IntakeStore::GetCoach(tx.sql(), new_coach.substr(8));
            if (!c)
              return platform::FieldError("new_coach", absl::StrCat(new_coach, " does not exist"));
            LV_ASSIGN_OR_RETURN(MatchRequest request, MatchRequestFor(tx.sql(), reg));
            Evaluation e =
                EvaluateCoach(request, {*c, IntakeStore::ActiveTrajectories(tx.sql(), new_coach)},
                              settings_.weights, 0, Today());
            if (e.excluded) {
              return absl::FailedPreconditionError(
                  absl::StrCat(new_coach, " may not take ", reg.name(), ": ", e.exclusion.rule()));
            }
            reg.add_previous_coaches(reg.coach());
            reg.set_coach(new_coach);
            pb::StateChange* ch = reg.add_history();
            ch->set_from_state(reg.state());
            ch->set_to_state(reg.state());
            *ch->mutable_time() = Timestamp(tx.now());
            ch->set_actor(actor.principal.ToString());
            ch->set_reason(absl::StrCat("rematch to ", new_coach, ": ", reason));
            trajectory = reg.trajectory();
            return absl::OkStatus();
          }));
  if (!trajectory.empty() && trajectories_ != nullptr) {
    absl::Status handed = trajectories_->HandOver(trajectory, new_coach.substr(8), reason);
    if (!handed.ok()) {
      return absl::UnavailableError(
          absl::StrCat("the rematch is recorded; coaching-svc did not hand the trajectory over (",
                       handed.message(), ")"));
    }
  }
  return r;
}

absl::StatusOr<pb::ProposeAssignmentsResponse> Intake::ProposeAssignments() {
  pb::ProposeAssignmentsResponse out;
  LV_RETURN_IF_ERROR(db_->Read([&](soci::session& sql) -> absl::Status {
    std::vector<MatchRequest> waiting;
    for (const auto& r : IntakeStore::ListRegistrations(sql, {pb::REGISTRATION_STATE_INTAKE_DONE},
                                                        INT64_MAX, "", 100000)) {
      LV_ASSIGN_OR_RETURN(MatchRequest m, MatchRequestFor(sql, r));
      waiting.push_back(std::move(m));
    }
    LV_ASSIGN_OR_RETURN(std::vector<CoachLoad> coaches, CoachLoads(sql));
    out = lv::intake::ProposeAssignments(waiting, coaches, settings_.weights, Today());
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<pb::OutreachEntry>> Intake::ListOutreach(bool include_declined) {
  std::vector<pb::OutreachEntry> out;
  const absl::CivilDay today = Today();
  LV_RETURN_IF_ERROR(db_->Read([&](soci::session& sql) {
    for (const KnownDepartment& k : IntakeStore::KnownWeak(sql)) {
      bool registered = false;
      for (const auto& r : IntakeStore::RegistrationsOfDepartment(sql, k.department)) {
        registered = registered || HoldsDepartment(r, k.department);
      }
      if (registered) continue;
      pb::OutreachEntry e =
          IntakeStore::GetOutreach(sql, k.department).value_or(pb::OutreachEntry());
      if (e.declined() && !include_declined) continue;
      e.set_name(absl::StrCat("outreach/", k.department.substr(12)));
      e.set_department(k.department);
      e.set_verdict(k.verdict);
      e.set_established(k.established);
      e.set_possible_relapse(k.possible_relapse);
      if (!k.verdict_date.empty()) {
        int y = 0, m = 0, d = 0;
        if (std::sscanf(k.verdict_date.c_str(), "%d-%d-%d", &y, &m, &d) == 3) {
          e.mutable_verdict_date()->set_year(y);
          e.mutable_verdict_date()->set_month(m);
          e.mutable_verdict_date()->set_day(d);
          e.set_days_since_verdict(static_cast<int32_t>(today - absl::CivilDay(y, m, d)));
        }
      }
      out.push_back(std::move(e));
    }
    return absl::OkStatus();
  }));
  // Oldest verdict first (KnownWeak is ordered by verdict date; undated ones last).
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    const bool da = a.has_verdict_date(), db = b.has_verdict_date();
    if (da != db) return da;
    return a.days_since_verdict() > b.days_since_verdict();
  });
  return out;
}

absl::StatusOr<pb::OutreachEntry> Intake::RecordOutreachContact(const std::string& department,
                                                                const std::string& note,
                                                                pb::DeclineReason decline,
                                                                const Actor& actor) {
  pb::OutreachEntry entry;
  LV_RETURN_IF_ERROR(db_->Write(
      [&](platform::Transaction& tx) -> absl::Status {
        auto k = IntakeStore::GetKnown(tx.sql(), department);
        if (!k || !IsWeak(k->verdict)) {
          return absl::NotFoundError(absl::StrCat(department, " is not on the outreach list"));
        }
        entry = IntakeStore::GetOutreach(tx.sql(), department).value_or(pb::OutreachEntry());
        entry.set_name(absl::StrCat("outreach/", department.substr(12)));
        entry.set_department(department);
        entry.set_verdict(k->verdict);
        pb::OutreachContact* c = entry.add_contacts();
        *c->mutable_time() = Timestamp(tx.now());
        c->set_by(actor.principal.ToString());
        c->set_note(note);
        if (decline != pb::DECLINE_REASON_UNSPECIFIED) {
          entry.set_declined(true);
          entry.set_decline_reason(decline);
        }
        IntakeStore::SaveOutreach(tx.sql(), department, entry);
        pb::OutreachEvent event;
        *event.mutable_entry() = entry;
        tx.Publish(entry.declined() ? "intake.outreach.declined" : "intake.outreach.contacted",
                   entry.name(), event);
        return absl::OkStatus();
      },
      actor.request_id));
  return entry;
}

absl::StatusOr<std::vector<pb::EarlyWarning>> Intake::ListEarlyWarnings() {
  std::vector<pb::EarlyWarning> out;
  LV_RETURN_IF_ERROR(db_->Read([&](soci::session& sql) {
    for (const KnownDepartment& k : IntakeStore::KnownAtRisk(sql)) {
      pb::EarlyWarning w;
      w.set_department(k.department);
      w.set_risk_signal(k.risk_signal);
      w.set_possible_relapse(k.possible_relapse);
      int y = 0, m = 0, d = 0;
      if (std::sscanf(k.risk_date.c_str(), "%d-%d-%d", &y, &m, &d) == 3) {
        w.mutable_signal_date()->set_year(y);
        w.mutable_signal_date()->set_month(m);
        w.mutable_signal_date()->set_day(d);
      }
      for (const auto& r : IntakeStore::RegistrationsOfDepartment(sql, k.department)) {
        w.set_registered(w.registered() || HoldsDepartment(r, k.department));
      }
      out.push_back(std::move(w));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<pb::ServiceLevelBreach>> Intake::ListServiceLevelBreaches() {
  std::vector<pb::ServiceLevelBreach> out;
  const absl::Time now = clock_->Now();
  LV_RETURN_IF_ERROR(db_->Read([&](soci::session& sql) {
    for (const auto& r : IntakeStore::ListRegistrations(sql, {}, INT64_MAX, "", 100000)) {
      if (!IsOpen(r.state())) continue;
      absl::Time intake_done = absl::InfinitePast(), matched = absl::InfinitePast();
      for (const auto& h : r.history()) {
        if (h.to_state() == pb::REGISTRATION_STATE_INTAKE_DONE)
          intake_done = FromTimestamp(h.time());
        if (h.to_state() == pb::REGISTRATION_STATE_MATCHED) matched = FromTimestamp(h.time());
      }
      const absl::Time first = FromTimestamp(r.first_contact_time());
      const absl::Time intake_end = intake_done == absl::InfinitePast() ? now : intake_done;
      const int to_intake = static_cast<int>(absl::ToInt64Hours(intake_end - first) / 24);
      if (to_intake > settings_.intake_target_days) {
        pb::ServiceLevelBreach& x = out.emplace_back();
        x.set_registration(r.name());
        x.set_measure("first_contact_to_intake");
        x.set_days(to_intake);
        x.set_target_days(settings_.intake_target_days);
      }
      if (intake_done != absl::InfinitePast()) {
        const absl::Time match_end = matched == absl::InfinitePast() ? now : matched;
        const int to_match = static_cast<int>(absl::ToInt64Hours(match_end - intake_done) / 24);
        if (to_match > settings_.match_target_days) {
          pb::ServiceLevelBreach& x = out.emplace_back();
          x.set_registration(r.name());
          x.set_measure("intake_to_match");
          x.set_days(to_match);
          x.set_target_days(settings_.match_target_days);
        }
      }
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::Status Intake::ApplyInspectionEvent(platform::Transaction& tx,
                                          const common::ChangeEvent& event) {
  inspection::Department department;
  const bool verdict_event = event.type().rfind("inspection.verdict.", 0) == 0;
  if (verdict_event) {
    inspection::VerdictEvent payload;
    if (!event.payload().UnpackTo(&payload)) {
      return absl::DataLossError(absl::StrCat("event ", event.sequence(), " has no VerdictEvent"));
    }
    department = payload.department();
  } else if (event.type() == "inspection.risk_signal.recorded") {
    inspection::RiskSignalEvent payload;
    if (!event.payload().UnpackTo(&payload)) {
      return absl::DataLossError(
          absl::StrCat("event ", event.sequence(), " has no RiskSignalEvent"));
    }
    department = payload.department();
    KnownDepartment k =
        IntakeStore::GetKnown(tx.sql(), department.name()).value_or(KnownDepartment());
    k.risk_date = DateText(payload.risk_signal().signal_date());
    k.risk_signal = payload.risk_signal().kind();
    department.set_risk_signal(k.risk_signal);
  } else if (event.type().rfind("inspection.department.", 0) == 0) {
    inspection::DepartmentEvent payload;
    if (!event.payload().UnpackTo(&payload)) {
      return absl::DataLossError(
          absl::StrCat("event ", event.sequence(), " has no DepartmentEvent"));
    }
    department = payload.department();
  } else {
    return absl::OkStatus();
  }
  KnownDepartment k =
      IntakeStore::GetKnown(tx.sql(), department.name()).value_or(KnownDepartment());
  k.department = department.name();
  k.brin = department.ref().brin();
  k.school_type = department.ref().school_type();
  k.board_number = department.board().number();
  k.region = department.region();
  const auto& v = department.current_verdict();
  k.verdict = v.value();
  k.established = v.status() == inspection::VERDICT_STATUS_ESTABLISHED;
  k.verdict_date =
      DateText(v.established_date().year() != 0 ? v.established_date() : v.investigation_date());
  if (event.type() == "inspection.risk_signal.recorded") {
    k.risk_signal = department.risk_signal();
  } else if (department.risk_signal() != common::RISK_SIGNAL_KIND_UNSPECIFIED) {
    k.risk_signal = department.risk_signal();
  }
  // A new weak verdict (a new investigation) or a risk signal for a department supported before:
  // possible relapse. intake does not follow coaching's feed, so it cannot tell a closed
  // trajectory from a running one; coaching-svc marks the confirmed relapse on the trajectory.
  const bool signal =
      (verdict_event && event.type() == "inspection.verdict.recorded" && IsWeak(k.verdict)) ||
      event.type() == "inspection.risk_signal.recorded";
  if (k.supported_before && signal && !k.possible_relapse) {
    k.possible_relapse = true;
    platform::LogInfo("intake.possible_relapse", {{"department", k.department}});
  }
  IntakeStore::UpsertKnown(tx.sql(), k);
  return absl::OkStatus();
}

}  // namespace lv::intake
