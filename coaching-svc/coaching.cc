#include "coaching-svc/coaching.h"

#include <map>
#include <random>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "coaching-svc/trajectory_rules.h"
#include "lerenverbeteren/coaching/v1/events.pb.h"
#include "lerenverbeteren/inspection/v1/events.pb.h"
#include "platform/errors.h"
#include "platform/proto_util.h"
#include "platform/status_macros.h"

namespace lv::coaching {
namespace {

using platform::Role;
namespace inspection = ::lerenverbeteren::inspection::v1;

google::protobuf::Timestamp Timestamp(absl::Time t) { return platform::ToTimestamp(t); }

common::Date ToDate(absl::CivilDay d) {
  common::Date out;
  out.set_year(static_cast<int32_t>(d.year()));
  out.set_month(d.month());
  out.set_day(d.day());
  return out;
}

absl::CivilDay FromDate(const common::Date& d) {
  return absl::CivilDay(d.year(), d.month(), d.day());
}

std::string TrajectoryName(const std::string& id) { return absl::StrCat("trajectories/", id); }

std::string NewId(absl::Time now) {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return absl::StrCat(absl::FormatTime("%Y%m%d", now, absl::UTCTimeZone()), "-",
                      absl::StrFormat("%08x", rng() & 0xffffffff));
}

std::string CurrentCoach(const pb::Trajectory& t) {
  for (auto it = t.coaches().rbegin(); it != t.coaches().rend(); ++it) {
    if (!it->has_end_time()) return it->coach();
  }
  return "";
}

bool EverCoached(const pb::Trajectory& t, const std::string& coach) {
  for (const auto& c : t.coaches()) {
    if (c.coach() == coach) return true;
  }
  return false;
}

absl::Status CheckCanSee(const platform::Principal& viewer, const pb::Trajectory& t) {
  if (viewer.role == Role::kCoach && !EverCoached(t, viewer.subject)) {
    return absl::PermissionDeniedError(
        absl::StrCat("coach ", viewer.subject, " is not on ", t.name()));
  }
  if (viewer.role == Role::kSchool && viewer.subject != t.school_brin()) {
    return absl::PermissionDeniedError(
        absl::StrCat("school ", viewer.subject, " may only see its own trajectories"));
  }
  if (viewer.role == Role::kInspectorate) {
    return absl::PermissionDeniedError("the inspectorate does not see trajectories");
  }
  return absl::OkStatus();
}

// Coaches act on the trajectories they currently coach; project leaders on all.
absl::Status CheckCanAct(const platform::Principal& actor, const pb::Trajectory& t) {
  if (actor.role == Role::kProjectLeader || actor.role == Role::kService) return absl::OkStatus();
  if (actor.role == Role::kCoach && CurrentCoach(t) == actor.subject) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat(actor.ToString(), " is not the current coach of ", t.name()));
}

bool SupportRunning(pb::TrajectoryState s) {
  return s == pb::TRAJECTORY_STATE_OPENED || s == pb::TRAJECTORY_STATE_IN_REVIEW ||
         s == pb::TRAJECTORY_STATE_ACTIVE || s == pb::TRAJECTORY_STATE_EXTENDED ||
         s == pb::TRAJECTORY_STATE_CLOSING;
}

absl::Status NotFound(const std::string& what) {
  return absl::NotFoundError(absl::StrCat(what, " does not exist"));
}

// Writes a session change's ledger entries and publishes them with the session.
void RecordSessionChange(platform::Transaction& tx, const std::string& id,
                         const std::string& trajectory, const pb::Session& session,
                         std::vector<pb::LedgerEntry> entries, absl::string_view event_type) {
  auto written = CoachingStore::AppendLedger(tx.sql(), id, std::move(entries), tx.now());
  pb::SessionEvent event;
  event.set_trajectory(trajectory);
  *event.mutable_session() = session;
  for (const auto& e : written) *event.add_ledger_entries() = e;
  tx.Publish(event_type, session.name(), event);
}

// The audit trail on the session itself: who changed it, when, why.
void AddSessionChange(pb::Session& session, const Actor& actor, absl::Time now,
                      const std::string& reason, pb::SessionState to) {
  pb::SessionChange* change = session.add_changes();
  change->set_actor(actor.principal.ToString());
  *change->mutable_time() = Timestamp(now);
  change->set_reason(reason);
  change->set_to_state(to);
}

}  // namespace

absl::CivilDay Coaching::Today() const { return absl::ToCivilDay(Now(), absl::UTCTimeZone()); }

absl::StatusOr<pb::Trajectory> Coaching::LoadForUpdate(platform::Transaction& tx,
                                                       const std::string& id) {
  CoachingStore::LockTrajectory(tx, id);
  auto t = CoachingStore::GetTrajectory(tx.sql(), id);
  if (!t) return NotFound(TrajectoryName(id));
  return *t;
}

void Coaching::Save(platform::Transaction& tx, const std::string& id, pb::Trajectory& t,
                    absl::string_view event_type, const std::vector<pb::LedgerEntry>& entries,
                    absl::string_view reason) {
  *t.mutable_update_time() = Timestamp(tx.now());
  CoachingStore::UpdateTrajectory(tx.sql(), id, t, tx.now());
  pb::TrajectoryEvent event;
  *event.mutable_trajectory() = t;
  for (const auto& e : entries) *event.add_ledger_entries() = e;
  event.set_reason(std::string(reason));
  tx.Publish(event_type, t.name(), event);
}

absl::StatusOr<pb::Trajectory> Coaching::Mutate(const std::string& id, const Actor& actor,
                                                bool check_actor, absl::string_view event_type,
                                                const TrajectoryChange& change) {
  pb::Trajectory out;
  LV_RETURN_IF_ERROR(db_->Write(
      [&](platform::Transaction& tx) -> absl::Status {
        LV_ASSIGN_OR_RETURN(pb::Trajectory t, LoadForUpdate(tx, id));
        if (check_actor) LV_RETURN_IF_ERROR(CheckCanAct(actor.principal, t));
        std::vector<pb::LedgerEntry> grants;
        std::string reason;
        LV_RETURN_IF_ERROR(change(tx, t, &grants, &reason));
        Save(tx, id, t, event_type, grants, reason);
        out = t;
        return absl::OkStatus();
      },
      actor.request_id));
  return out;
}

absl::StatusOr<pb::Trajectory> Coaching::OpenTrajectory(const pb::OpenTrajectoryRequest& request,
                                                        const Actor& actor) {
  pb::Trajectory out;
  LV_RETURN_IF_ERROR(db_->Write(
      [&](platform::Transaction& tx) -> absl::Status {
        if (auto existing = CoachingStore::FindByMatch(tx.sql(), request.match_id())) {
          out = *CoachingStore::GetTrajectory(tx.sql(), *existing);
          if (out.school_brin() != request.school_brin()) {
            return absl::AlreadyExistsError(absl::StrCat("match ", request.match_id(),
                                                         " already opened ", out.name(),
                                                         " for another school"));
          }
          return absl::OkStatus();  // a retried open: the first result
        }
        const std::string id = NewId(tx.now());
        pb::Trajectory& t = out;
        t.set_name(TrajectoryName(id));
        t.set_match_id(request.match_id());
        t.set_school_brin(request.school_brin());
        t.set_board_number(request.board_number());
        *t.mutable_departments() = request.departments();
        t.set_category(CategoryFor(t));
        t.set_state(pb::TRAJECTORY_STATE_OPENED);
        pb::CoachAssignment* coach = t.add_coaches();
        coach->set_coach(request.coach());
        *coach->mutable_start_time() = Timestamp(tx.now());
        t.set_improvement_step(common::IMPROVEMENT_STEP_MAP_SITUATION);
        t.set_policy_version(policy_.version());
        *t.mutable_start_date() =
            request.start_date().year() != 0 ? request.start_date() : ToDate(Today());
        *t.mutable_open_time() = Timestamp(tx.now());
        *t.mutable_update_time() = Timestamp(tx.now());
        CoachingStore::InsertTrajectory(tx.sql(), id, t, tx.now());
        auto grants = CoachingStore::AppendLedger(tx.sql(), id,
                                                  InitialGrants(policy_, t.category()), tx.now());
        pb::TrajectoryEvent event;
        *event.mutable_trajectory() = t;
        for (const auto& g : grants) *event.add_ledger_entries() = g;
        tx.Publish("coaching.trajectory.opened", t.name(), event);
        return absl::OkStatus();
      },
      actor.request_id));
  return out;
}

absl::StatusOr<pb::Trajectory> Coaching::GetTrajectory(const std::string& id,
                                                       const platform::Principal& viewer) {
  std::optional<pb::Trajectory> t;
  LV_RETURN_IF_ERROR(db_->Read([&](soci::session& sql) {
    t = CoachingStore::GetTrajectory(sql, id);
    return absl::OkStatus();
  }));
  if (!t) return NotFound(TrajectoryName(id));
  LV_RETURN_IF_ERROR(CheckCanSee(viewer, *t));
  return *t;
}

absl::StatusOr<std::vector<pb::Trajectory>> Coaching::ListTrajectories(
    TrajectoryFilter filter, const std::string& page_token, int page_size,
    const platform::Principal& viewer, std::string* next) {
  if (viewer.role == Role::kCoach) filter.coach = viewer.subject;
  if (viewer.role == Role::kSchool) filter.school_brin = viewer.subject;
  if (viewer.role == Role::kInspectorate) {
    return absl::PermissionDeniedError("the inspectorate does not see trajectories");
  }
  int64_t before_us = INT64_MAX;
  std::string before_id;
  LV_RETURN_IF_ERROR(platform::DecodePageToken(page_token, &before_us, &before_id));
  std::vector<pb::Trajectory> page;
  LV_RETURN_IF_ERROR(db_->Read([&](soci::session& sql) {
    page = CoachingStore::ListTrajectories(sql, filter, before_us, before_id, page_size + 1);
    return absl::OkStatus();
  }));
  next->clear();
  if (static_cast<int>(page.size()) > page_size) {
    page.pop_back();
    const auto& last = page.back();
    *next = platform::EncodePageToken(platform::TimestampMicros(last.open_time()),
                                      last.name().substr(13));
  }
  return page;
}

absl::StatusOr<pb::Trajectory> Coaching::Transition(const std::string& id, pb::TrajectoryState to,
                                                    common::ImprovementStep step,
                                                    const std::string& reason, const Actor& actor) {
  return Mutate(
      id, actor, /*check_actor=*/true, "coaching.trajectory.transitioned",
      [&](platform::Transaction& tx, pb::Trajectory& t, std::vector<pb::LedgerEntry>* grants,
          std::string* why) -> absl::Status {
        if (to == pb::TRAJECTORY_STATE_CLOSED || to == pb::TRAJECTORY_STATE_FINISHED ||
            to == pb::TRAJECTORY_STATE_EXTENDED) {
          return platform::FieldError(
              "to_state", "use CloseTrajectory, CompleteAftercare or ExtendTrajectory for that");
        }
        if (to != t.state()) {
          LV_RETURN_IF_ERROR(CheckTransition(t.state(), to));
          if (to == pb::TRAJECTORY_STATE_IN_REVIEW) {
            *grants = CoachingStore::AppendLedger(tx.sql(), id, ReviewGrant(policy_), tx.now());
          }
          t.set_state(to);
        }
        if (step != common::IMPROVEMENT_STEP_UNSPECIFIED) t.set_improvement_step(step);
        *why = reason;
        return absl::OkStatus();
      });
}

absl::StatusOr<pb::Trajectory> Coaching::HandOver(const std::string& id,
                                                  const std::string& new_coach,
                                                  const std::string& reason, const Actor& actor) {
  return Mutate(id, actor, /*check_actor=*/false, "coaching.trajectory.handed_over",
                [&](platform::Transaction& tx, pb::Trajectory& t, std::vector<pb::LedgerEntry>*,
                    std::string* why) -> absl::Status {
                  if (!SupportRunning(t.state())) {
                    return absl::FailedPreconditionError(
                        absl::StrCat(t.name(), " is ", pb::TrajectoryState_Name(t.state()),
                                     "; no handover after closing"));
                  }
                  if (CurrentCoach(t) == new_coach) {
                    return platform::FieldError("new_coach", "is already the coach");
                  }
                  for (auto& c : *t.mutable_coaches()) {
                    if (!c.has_end_time()) {
                      *c.mutable_end_time() = Timestamp(tx.now());
                      c.set_handover_reason(reason);
                    }
                  }
                  pb::CoachAssignment* next = t.add_coaches();
                  next->set_coach(new_coach);
                  *next->mutable_start_time() = Timestamp(tx.now());
                  *why = reason;
                  return absl::OkStatus();
                });
}

absl::StatusOr<pb::Trajectory> Coaching::Extend(const std::string& id, const std::string& reason,
                                                std::optional<int64_t> half_steps,
                                                const std::string& request_id, const Actor& actor) {
  pb::Trajectory out;
  LV_RETURN_IF_ERROR(db_->Write(
      [&](platform::Transaction& tx) -> absl::Status {
        LV_ASSIGN_OR_RETURN(pb::Trajectory t, LoadForUpdate(tx, id));
        if (!request_id.empty()) {
          if (auto seen = CoachingStore::FindHandledRequest(tx.sql(), request_id)) {
            out = t;  // a retried extension
            return absl::OkStatus();
          }
        }
        LV_RETURN_IF_ERROR(CheckTransition(t.state(), pb::TRAJECTORY_STATE_EXTENDED));
        auto grants = CoachingStore::AppendLedger(
            tx.sql(), id, ExtensionGrants(policy_, t.category(), half_steps), tx.now());
        for (auto& g : grants) g.set_reason(reason);
        t.set_state(pb::TRAJECTORY_STATE_EXTENDED);
        t.set_extension_count(t.extension_count() + 1);
        if (!request_id.empty()) {
          CoachingStore::InsertHandledRequest(tx.sql(), request_id, t.name(), tx.now());
        }
        Save(tx, id, t, "coaching.trajectory.extended", grants, reason);
        out = t;
        return absl::OkStatus();
      },
      actor.request_id));
  return out;
}

absl::StatusOr<pb::Trajectory> Coaching::Close(const std::string& id,
                                               const pb::ClosureAssessment& assessment,
                                               const Actor& actor) {
  return Mutate(id, actor, /*check_actor=*/true, "coaching.trajectory.closed",
                [&](platform::Transaction& tx, pb::Trajectory& t, std::vector<pb::LedgerEntry>*,
                    std::string* why) -> absl::Status {
                  LV_RETURN_IF_ERROR(CheckTransition(t.state(), pb::TRAJECTORY_STATE_CLOSED));
                  t.set_state(pb::TRAJECTORY_STATE_CLOSED);
                  *t.mutable_closure() = assessment;
                  *t.mutable_close_time() = Timestamp(tx.now());
                  const absl::CivilDay today = Today();
                  const absl::CivilMonth due_month =
                      absl::CivilMonth(today.year(), today.month()) + policy_.aftercare_months();
                  absl::CivilDay due(due_month.year(), due_month.month(), today.day());
                  if (due.month() != due_month.month()) {  // 31 August + 6 months: 28/29 Feb
                    due = absl::CivilDay(due_month.year(), due_month.month() + 1, 1) - 1;
                  }
                  *t.mutable_aftercare_due_date() = ToDate(due);
                  *why = assessment.summary();
                  return absl::OkStatus();
                });
}

absl::StatusOr<pb::Trajectory> Coaching::CompleteAftercare(const std::string& id,
                                                           const std::string& outcome,
                                                           const Actor& actor) {
  return Mutate(id, actor, /*check_actor=*/true, "coaching.trajectory.aftercare_completed",
                [&](platform::Transaction&, pb::Trajectory& t, std::vector<pb::LedgerEntry>*,
                    std::string* why) -> absl::Status {
                  LV_RETURN_IF_ERROR(CheckTransition(t.state(), pb::TRAJECTORY_STATE_FINISHED));
                  t.set_state(pb::TRAJECTORY_STATE_FINISHED);
                  t.set_aftercare_outcome(outcome);
                  *why = outcome;
                  return absl::OkStatus();
                });
}

absl::StatusOr<std::vector<pb::Trajectory>> Coaching::ListDueAftercare(int within_days) {
  const absl::CivilDay until = Today() + within_days;
  std::vector<pb::Trajectory> out;
  LV_RETURN_IF_ERROR(db_->Read([&](soci::session& sql) {
    out = CoachingStore::DueAftercare(
        sql, absl::StrFormat("%04d-%02d-%02d", until.year(), until.month(), until.day()));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<pb::LedgerEntry>> Coaching::PlanSession(
    platform::Transaction& tx, const std::string& id, const pb::Trajectory& t,
    const pb::Session& session, std::vector<pb::LedgerEntry> ledger, const std::string& approval,
    const Actor& actor) {
  if (!AcceptsSessions(t.state())) {
    return absl::FailedPreconditionError(absl::StrCat(
        t.name(), " is ", pb::TrajectoryState_Name(t.state()), "; no sessions can be logged"));
  }
  platform::FieldErrors errors;
  const int64_t half_steps = session.half_days().half_steps();
  if (half_steps > policy_.max_session().half_steps()) {
    errors.Add("session.half_days",
               absl::StrCat("is more than the largest session of ",
                            policy_.max_session().half_steps() / 2.0, " half-days"));
  }
  const absl::CivilDay date = FromDate(session.date());
  if (date > Today() + policy_.session_days_ahead()) {
    errors.Add("session.date", absl::StrCat("is in the future (at most ",
                                            policy_.session_days_ahead(), " days ahead)"));
  }
  if (t.start_date().year() != 0 && date < FromDate(t.start_date())) {
    errors.Add("session.date", "is before the trajectory started");
  }
  for (int i = 0; i < session.coaches_size(); ++i) {
    if (!EverCoached(t, session.coaches(i)) && session.audience() != pb::SESSION_AUDIENCE_REVIEW) {
      errors.Add(absl::StrCat("session.coaches[", i, "]"),
                 absl::StrCat("coach ", session.coaches(i), " is not on this trajectory"));
    }
  }
  for (int i = 0; i < session.departments_size(); ++i) {
    bool known = false;
    for (const auto& d : t.departments()) known |= d.department() == session.departments(i);
    if (!known) {
      errors.Add(absl::StrCat("session.departments[", i, "]"), "is not in this trajectory");
    }
  }
  LV_RETURN_IF_ERROR(errors.ToStatus());
  if (!approval.empty() && actor.principal.role != Role::kProjectLeader) {
    return absl::PermissionDeniedError(
        "only a project leader can approve going beyond the entitlement");
  }
  LV_ASSIGN_OR_RETURN(std::vector<pb::LedgerEntry> planned,
                      PlanConsumption(Summarize(ledger), policy_, session.audience(), half_steps,
                                      !approval.empty()));
  for (auto& e : planned) {
    e.set_session(session.name());
    e.set_actor(actor.principal.ToString());
    if (e.kind() == pb::LEDGER_ENTRY_KIND_OVERRUN_GRANT) e.set_reason(approval);
  }
  return planned;
}

absl::StatusOr<pb::Session> Coaching::LogSession(const std::string& id, pb::Session session,
                                                 const std::string& request_id,
                                                 const std::string& overrun_approval,
                                                 const Actor& actor) {
  pb::Session out;
  LV_RETURN_IF_ERROR(db_->Write(
      [&](platform::Transaction& tx) -> absl::Status {
        LV_ASSIGN_OR_RETURN(pb::Trajectory t, LoadForUpdate(tx, id));
        LV_RETURN_IF_ERROR(CheckCanAct(actor.principal, t));
        if (!request_id.empty()) {
          if (auto seen = CoachingStore::FindSessionByRequest(tx.sql(), id, request_id)) {
            out = *seen;  // a retried log: no second consumption
            return absl::OkStatus();
          }
        }
        if (session.coaches().empty()) *session.add_coaches() = CurrentCoach(t);
        if (session.audience() == pb::SESSION_AUDIENCE_UNSPECIFIED) {
          session.set_audience(pb::SESSION_AUDIENCE_LEADERSHIP);
        }
        const int64_t seq = CoachingStore::NextSessionSeq(tx.sql(), id);
        session.set_name(absl::StrCat(t.name(), "/sessions/", seq));
        LV_ASSIGN_OR_RETURN(
            std::vector<pb::LedgerEntry> planned,
            PlanSession(tx, id, t, session, CoachingStore::LedgerTotals(tx.sql(), id),
                        overrun_approval, actor));
        int64_t cost = 0;
        for (const auto& e : planned) cost += e.school_cost().cents();
        session.set_state(pb::SESSION_STATE_LOGGED);
        *session.mutable_school_cost() = Euros(cost);
        *session.mutable_create_time() = Timestamp(tx.now());
        session.set_logged_by(actor.principal.ToString());
        session.clear_changes();
        CoachingStore::InsertSession(tx.sql(), id, seq, request_id, session, tx.now());
        RecordSessionChange(tx, id, t.name(), session, std::move(planned),
                            "coaching.session.logged");
        out = session;
        return absl::OkStatus();
      },
      actor.request_id));
  return out;
}

absl::StatusOr<pb::Session> Coaching::CorrectSession(const std::string& id, int64_t seq,
                                                     const pb::Session& corrected,
                                                     const std::string& reason,
                                                     const std::string& overrun_approval,
                                                     const Actor& actor) {
  pb::Session out;
  LV_RETURN_IF_ERROR(db_->Write(
      [&](platform::Transaction& tx) -> absl::Status {
        LV_ASSIGN_OR_RETURN(pb::Trajectory t, LoadForUpdate(tx, id));
        LV_RETURN_IF_ERROR(CheckCanAct(actor.principal, t));
        auto current = CoachingStore::GetSession(tx.sql(), id, seq);
        if (!current) return NotFound(absl::StrCat(t.name(), "/sessions/", seq));
        if (current->state() == pb::SESSION_STATE_CANCELLED) {
          return absl::FailedPreconditionError("a cancelled session cannot be corrected");
        }
        // Never a silent edit: reverse what the session consumed, then consume again.
        std::vector<pb::LedgerEntry> ledger = CoachingStore::Ledger(tx.sql(), id);
        std::vector<pb::LedgerEntry> entries = ReverseSession(ledger, current->name());
        for (auto& e : entries) {
          e.set_reason(reason);
          e.set_actor(actor.principal.ToString());
        }
        std::vector<pb::LedgerEntry> after = ledger;
        after.insert(after.end(), entries.begin(), entries.end());
        pb::Session next = *current;
        *next.mutable_date() = corrected.date();
        *next.mutable_half_days() = corrected.half_days();
        if (!corrected.coaches().empty()) *next.mutable_coaches() = corrected.coaches();
        *next.mutable_departments() = corrected.departments();
        next.set_theme(corrected.theme());
        if (corrected.audience() != pb::SESSION_AUDIENCE_UNSPECIFIED) {
          next.set_audience(corrected.audience());
        }
        next.set_activity(corrected.activity());
        next.set_notes(corrected.notes());
        LV_ASSIGN_OR_RETURN(std::vector<pb::LedgerEntry> planned,
                            PlanSession(tx, id, t, next, after, overrun_approval, actor));
        int64_t cost = 0;
        for (const auto& e : planned) cost += e.school_cost().cents();
        entries.insert(entries.end(), planned.begin(), planned.end());
        next.set_state(pb::SESSION_STATE_CORRECTED);
        *next.mutable_school_cost() = Euros(cost);
        AddSessionChange(next, actor, tx.now(), reason, pb::SESSION_STATE_CORRECTED);
        CoachingStore::UpdateSession(tx.sql(), id, seq, next);
        RecordSessionChange(tx, id, t.name(), next, std::move(entries),
                            "coaching.session.corrected");
        out = next;
        return absl::OkStatus();
      },
      actor.request_id));
  return out;
}

absl::StatusOr<pb::Session> Coaching::CancelSession(const std::string& id, int64_t seq,
                                                    const std::string& reason, const Actor& actor) {
  pb::Session out;
  LV_RETURN_IF_ERROR(db_->Write(
      [&](platform::Transaction& tx) -> absl::Status {
        LV_ASSIGN_OR_RETURN(pb::Trajectory t, LoadForUpdate(tx, id));
        LV_RETURN_IF_ERROR(CheckCanAct(actor.principal, t));
        auto session = CoachingStore::GetSession(tx.sql(), id, seq);
        if (!session) return NotFound(absl::StrCat(t.name(), "/sessions/", seq));
        if (session->state() == pb::SESSION_STATE_CANCELLED) {
          out = *session;  // cancelling twice changes nothing
          return absl::OkStatus();
        }
        std::vector<pb::LedgerEntry> entries =
            ReverseSession(CoachingStore::Ledger(tx.sql(), id), session->name());
        for (auto& e : entries) {
          e.set_reason(reason);
          e.set_actor(actor.principal.ToString());
        }
        session->set_state(pb::SESSION_STATE_CANCELLED);
        *session->mutable_school_cost() = Euros(0);
        AddSessionChange(*session, actor, tx.now(), reason, pb::SESSION_STATE_CANCELLED);
        CoachingStore::UpdateSession(tx.sql(), id, seq, *session);
        RecordSessionChange(tx, id, t.name(), *session, std::move(entries),
                            "coaching.session.cancelled");
        out = *session;
        return absl::OkStatus();
      },
      actor.request_id));
  return out;
}

absl::StatusOr<std::vector<pb::Session>> Coaching::ListSessions(const std::string& id,
                                                                int64_t after_seq, int limit,
                                                                const platform::Principal& viewer) {
  LV_RETURN_IF_ERROR(GetTrajectory(id, viewer).status());
  std::vector<pb::Session> out;
  LV_RETURN_IF_ERROR(db_->Read([&](soci::session& sql) {
    out = CoachingStore::ListSessions(sql, id, after_seq, limit);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<pb::LedgerEntry>> Coaching::Ledger(const std::string& id,
                                                              const platform::Principal& viewer) {
  LV_RETURN_IF_ERROR(GetTrajectory(id, viewer).status());
  std::vector<pb::LedgerEntry> out;
  LV_RETURN_IF_ERROR(db_->Read([&](soci::session& sql) {
    out = CoachingStore::Ledger(sql, id);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<pb::TransparencyStatement> Coaching::Statement(const std::string& id,
                                                              const platform::Principal& viewer) {
  LV_ASSIGN_OR_RETURN(pb::Trajectory t, GetTrajectory(id, viewer));
  std::vector<pb::LedgerEntry> ledger;
  std::vector<pb::Session> sessions;
  // One read session, so the statement is taken from one state of the ledger.
  LV_RETURN_IF_ERROR(db_->Read([&](soci::session& sql) {
    ledger = CoachingStore::Ledger(sql, id);
    sessions = CoachingStore::ListSessions(sql, id, 0, 1000000);
    return absl::OkStatus();
  }));
  return BuildStatement(t, ledger, sessions, policy_, Today());
}

absl::StatusOr<pb::Evaluation> Coaching::SubmitEvaluation(const std::string& id,
                                                          pb::Evaluation evaluation,
                                                          const Actor& actor) {
  LV_RETURN_IF_ERROR(db_->Write(
      [&](platform::Transaction& tx) -> absl::Status {
        LV_ASSIGN_OR_RETURN(pb::Trajectory t, LoadForUpdate(tx, id));
        // The form's respondent follows from who submits it.
        if (actor.principal.role == Role::kSchool) {
          if (actor.principal.subject != t.school_brin()) {
            return absl::PermissionDeniedError("a school evaluates only its own trajectories");
          }
          evaluation.set_respondent(pb::RESPONDENT_SCHOOL_LEADERSHIP);
        } else if (actor.principal.role == Role::kCoach) {
          if (!EverCoached(t, actor.principal.subject)) {
            return absl::PermissionDeniedError(
                absl::StrCat("coach ", actor.principal.subject, " is not on ", t.name()));
          }
          evaluation.set_respondent(pb::RESPONDENT_COACH);
        } else if (evaluation.respondent() == pb::RESPONDENT_UNSPECIFIED) {
          return platform::FieldError("evaluation.respondent",
                                      "is required when entered on someone's behalf");
        }
        if (SupportRunning(t.state()) && t.state() != pb::TRAJECTORY_STATE_CLOSING) {
          return absl::FailedPreconditionError(
              absl::StrCat("evaluation forms are filled in at closure; ", t.name(), " is ",
                           pb::TrajectoryState_Name(t.state())));
        }
        evaluation.set_name(absl::StrCat(
            t.name(), "/evaluations/",
            absl::AsciiStrToLower(pb::Respondent_Name(evaluation.respondent()).substr(11))));
        *evaluation.mutable_create_time() = Timestamp(tx.now());
        CoachingStore::UpsertEvaluation(tx.sql(), id, evaluation, tx.now());
        pb::EvaluationEvent event;
        event.set_trajectory(t.name());
        *event.mutable_evaluation() = evaluation;
        tx.Publish("coaching.evaluation.submitted", evaluation.name(), event);
        return absl::OkStatus();
      },
      actor.request_id));
  return evaluation;
}

absl::StatusOr<pb::Trajectory> Coaching::RecordReview(const std::string& id,
                                                      const pb::Review& review,
                                                      const Actor& actor) {
  return Mutate(id, actor, /*check_actor=*/true, "coaching.trajectory.review_recorded",
                [&](platform::Transaction&, pb::Trajectory& t, std::vector<pb::LedgerEntry>*,
                    std::string*) -> absl::Status {
                  if (!SupportRunning(t.state())) {
                    return absl::FailedPreconditionError(absl::StrCat(t.name(), " is not running"));
                  }
                  bool intended = false;
                  for (const auto& c : review.coaches()) intended |= EverCoached(t, c);
                  if (!intended) {
                    return platform::FieldError(
                        "review.coaches",
                        "one of the two must be the trajectory's (intended) coach");
                  }
                  *t.add_reviews() = review;
                  return absl::OkStatus();
                });
}

absl::StatusOr<pb::Trajectory> Coaching::RecordProgressTalk(const std::string& id,
                                                            const pb::ProgressTalk& talk,
                                                            const Actor& actor) {
  return Mutate(id, actor, /*check_actor=*/true, "coaching.trajectory.progress_talk_recorded",
                [&](platform::Transaction&, pb::Trajectory& t, std::vector<pb::LedgerEntry>*,
                    std::string*) -> absl::Status {
                  *t.add_progress_talks() = talk;
                  return absl::OkStatus();
                });
}

absl::StatusOr<std::vector<pb::DueRestoration>> Coaching::ListDueRestorations(
    int within_days, const platform::Principal& viewer) {
  std::vector<pb::Trajectory> running;
  LV_RETURN_IF_ERROR(db_->Read([&](soci::session& sql) {
    running = CoachingStore::RunningTrajectories(sql);
    return absl::OkStatus();
  }));
  const absl::CivilDay today = Today();
  std::vector<pb::DueRestoration> out;
  for (const auto& t : running) {
    if (!CheckCanSee(viewer, t).ok()) continue;
    for (const auto& d : t.departments()) {
      if (d.restoration_deadline().year() == 0) continue;
      const int64_t days = FromDate(d.restoration_deadline()) - today;
      if (days > within_days) continue;
      pb::DueRestoration& due = out.emplace_back();
      due.set_trajectory(t.name());
      due.set_department(d.department());
      due.set_verdict(d.verdict());
      *due.mutable_deadline() = d.restoration_deadline();
      due.set_days_left(static_cast<int32_t>(days));
      due.set_coach(CurrentCoach(t));
    }
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.days_left() < b.days_left(); });
  return out;
}

absl::StatusOr<pb::Goal> Coaching::CreateGoal(const std::string& id, pb::Goal goal,
                                              const Actor& actor) {
  LV_RETURN_IF_ERROR(db_->Write(
      [&](platform::Transaction& tx) -> absl::Status {
        LV_ASSIGN_OR_RETURN(pb::Trajectory t, LoadForUpdate(tx, id));
        LV_RETURN_IF_ERROR(CheckCanAct(actor.principal, t));
        const int64_t seq = CoachingStore::NextGoalSeq(tx.sql(), id);
        goal.set_name(absl::StrCat(t.name(), "/goals/", seq));
        if (goal.status() == pb::GOAL_STATUS_UNSPECIFIED) goal.set_status(pb::GOAL_STATUS_OPEN);
        goal.clear_measurements();
        *goal.mutable_create_time() = Timestamp(tx.now());
        CoachingStore::SaveGoal(tx.sql(), id, seq, goal, /*insert=*/true);
        pb::GoalEvent event;
        event.set_trajectory(t.name());
        *event.mutable_goal() = goal;
        tx.Publish("coaching.goal.created", goal.name(), event);
        return absl::OkStatus();
      },
      actor.request_id));
  return goal;
}

absl::StatusOr<pb::Goal> Coaching::RecordMeasurement(const std::string& id, int64_t seq,
                                                     pb::Measurement measurement,
                                                     pb::GoalStatus status, const Actor& actor) {
  pb::Goal out;
  LV_RETURN_IF_ERROR(db_->Write(
      [&](platform::Transaction& tx) -> absl::Status {
        LV_ASSIGN_OR_RETURN(pb::Trajectory t, LoadForUpdate(tx, id));
        LV_RETURN_IF_ERROR(CheckCanAct(actor.principal, t));
        auto goal = CoachingStore::GetGoal(tx.sql(), id, seq);
        if (!goal) return NotFound(absl::StrCat(t.name(), "/goals/", seq));
        measurement.set_recorded_by(actor.principal.ToString());
        *goal->add_measurements() = measurement;
        if (status != pb::GOAL_STATUS_UNSPECIFIED) goal->set_status(status);
        CoachingStore::SaveGoal(tx.sql(), id, seq, *goal, /*insert=*/false);
        pb::GoalEvent event;
        event.set_trajectory(t.name());
        *event.mutable_goal() = *goal;
        tx.Publish("coaching.goal.measured", goal->name(), event);
        out = *goal;
        return absl::OkStatus();
      },
      actor.request_id));
  return out;
}

absl::StatusOr<std::vector<pb::Goal>> Coaching::ListGoals(const std::string& id,
                                                          const platform::Principal& viewer) {
  LV_RETURN_IF_ERROR(GetTrajectory(id, viewer).status());
  std::vector<pb::Goal> out;
  LV_RETURN_IF_ERROR(db_->Read([&](soci::session& sql) {
    out = CoachingStore::ListGoals(sql, id);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<pb::Goal>> Coaching::ListOverdueGoals(
    const platform::Principal& viewer) {
  const absl::CivilDay today = Today();
  std::vector<pb::Goal> overdue;
  std::vector<pb::Goal> out;
  LV_RETURN_IF_ERROR(db_->Read([&](soci::session& sql) {
    overdue = CoachingStore::OverdueGoals(
        sql, absl::StrFormat("%04d-%02d-%02d", today.year(), today.month(), today.day()));
    std::map<std::string, bool> visible;
    for (auto& g : overdue) {
      const std::string trajectory_id = g.name().substr(13, g.name().find("/goals/") - 13);
      auto seen = visible.find(trajectory_id);
      if (seen == visible.end()) {
        auto t = CoachingStore::GetTrajectory(sql, trajectory_id);
        seen = visible.emplace(trajectory_id, t && CheckCanSee(viewer, *t).ok()).first;
      }
      if (seen->second) out.push_back(std::move(g));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<pb::Intervention> Coaching::LogIntervention(const std::string& id,
                                                           pb::Intervention intervention,
                                                           const Actor& actor) {
  LV_RETURN_IF_ERROR(db_->Write(
      [&](platform::Transaction& tx) -> absl::Status {
        LV_ASSIGN_OR_RETURN(pb::Trajectory t, LoadForUpdate(tx, id));
        LV_RETURN_IF_ERROR(CheckCanAct(actor.principal, t));
        intervention.set_category(t.category());
        intervention.clear_school_types();
        std::set<int> types;
        for (const auto& d : t.departments()) types.insert(d.ref().school_type());
        for (int type : types) {
          if (type != common::SCHOOL_TYPE_UNSPECIFIED) {
            intervention.add_school_types(static_cast<common::SchoolType>(type));
          }
        }
        intervention.set_coach(actor.principal.role == Role::kCoach ? actor.principal.subject
                                                                    : CurrentCoach(t));
        *intervention.mutable_create_time() = Timestamp(tx.now());
        CoachingStore::InsertIntervention(tx, id, intervention, tx.now());
        pb::InterventionEvent event;
        event.set_trajectory(t.name());
        *event.mutable_intervention() = intervention;
        tx.Publish("coaching.intervention.logged", intervention.name(), event);
        return absl::OkStatus();
      },
      actor.request_id));
  return intervention;
}

absl::StatusOr<std::vector<pb::Intervention>> Coaching::SearchInterventions(
    const CoachingStore::InterventionQuery& query) {
  std::vector<pb::Intervention> out;
  LV_RETURN_IF_ERROR(db_->Read([&](soci::session& sql) {
    out = CoachingStore::SearchInterventions(sql, db_->dialect(), query);
    return absl::OkStatus();
  }));
  return out;
}

absl::Status Coaching::ApplyInspectionEvent(platform::Transaction& tx,
                                            const common::ChangeEvent& event) {
  std::string department;
  common::Verdict verdict = common::VERDICT_UNSPECIFIED;
  common::RiskSignalKind risk = common::RISK_SIGNAL_KIND_UNSPECIFIED;
  common::Date deadline;
  if (event.type().rfind("inspection.verdict.", 0) == 0) {
    inspection::VerdictEvent payload;
    if (!event.payload().UnpackTo(&payload)) {
      return absl::DataLossError(absl::StrCat("event ", event.sequence(), " has no VerdictEvent"));
    }
    department = payload.department().name();
    verdict = payload.department().current_verdict().value();
    risk = payload.department().risk_signal();
    deadline = payload.department().current_verdict().restoration_deadline();
  } else if (event.type() == "inspection.risk_signal.recorded") {
    inspection::RiskSignalEvent payload;
    if (!event.payload().UnpackTo(&payload)) {
      return absl::DataLossError(
          absl::StrCat("event ", event.sequence(), " has no RiskSignalEvent"));
    }
    department = payload.department().name();
    verdict = payload.department().current_verdict().value();
    risk = payload.risk_signal().kind();
  } else {
    return absl::OkStatus();  // registry events do not concern trajectories
  }
  for (const std::string& id : CoachingStore::TrajectoriesOfDepartment(tx.sql(), department)) {
    auto loaded = CoachingStore::GetTrajectory(tx.sql(), id);
    if (!loaded) continue;
    pb::Trajectory t = *loaded;
    bool changed = false;
    for (auto& d : *t.mutable_departments()) {
      if (d.department() != department) continue;
      changed = changed || d.verdict() != verdict || d.risk_signal() != risk;
      d.set_verdict(verdict);
      d.set_risk_signal(risk);
      *d.mutable_restoration_deadline() = deadline;
    }
    if (!changed) continue;
    if (SupportRunning(t.state())) {
      const common::TrajectoryCategory now = CategoryFor(t);
      if (Stricter(now, t.category())) {
        const std::string reason =
            absl::StrCat(department, " is now ", common::Verdict_Name(verdict));
        auto grants = CategoryGrants(policy_, t.category(), now);
        for (auto& g : grants) g.set_reason(reason);
        grants = CoachingStore::AppendLedger(tx.sql(), id, std::move(grants), tx.now());
        t.set_category(now);
        Save(tx, id, t, "coaching.trajectory.category_changed", grants, reason);
        continue;
      }
      Save(tx, id, t, "coaching.trajectory.verdict_updated", {}, "");
    } else if (IsWeak(verdict) && !t.relapsed() && event.type() == "inspection.verdict.recorded") {
      t.set_relapsed(true);
      Save(tx, id, t, "coaching.trajectory.relapsed", {},
           absl::StrCat(department, " is judged ", common::Verdict_Name(verdict),
                        " again after the trajectory closed"));
    } else {
      Save(tx, id, t, "coaching.trajectory.verdict_updated", {}, "");
    }
  }
  return absl::OkStatus();
}

}  // namespace lv::coaching
