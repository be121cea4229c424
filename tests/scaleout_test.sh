#!/usr/bin/env bash
# Scale-out on PostgreSQL with real processes: two replicas of every service against one database
# each. Checks that concurrent writers on two replicas leave a gapless feed, that idempotent
# creates stay idempotent across replicas (also when the same request reaches both at once), that
# two consumer replicas apply every event exactly once, and that the lease hands over when the
# leading replica is killed.
# Needs the PG* environment of pg_virtualenv (the test command provides it).
set -euo pipefail
BUILD="$1"; SRC="$2"
LV="$BUILD/cli/lv"
[ -n "${PGHOST:-}${PGPORT:-}" ] || { echo "FAIL: no PostgreSQL server (run through scripts/test.sh)"; exit 1; }
TMP="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done; rm -rf "$TMP"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; for f in "$TMP"/*.log; do echo "--- $f"; tail -3 "$f"; done; exit 1; }

suffix="s$$"
for db in insp intk coach rep; do createdb "${db}_$suffix"; done
declare -A PID PORT
start() {  # start NAME SERVICE DB [flags...]
  local name="$1" svc="$2" db="$3"; shift 3
  "$BUILD/$svc-svc/$svc-svc" --listen=127.0.0.1:0 --database="postgresql:///${db}_$suffix" \
    --port_file="$TMP/$name.port" --grace_period=2s --feed_lease=2s "$@" >"$TMP/$name.log" 2>&1 &
  PID[$name]=$!
  pids+=($!)
  for _ in $(seq 1 300); do [ -s "$TMP/$name.port" ] && break; sleep 0.05; done
  [ -s "$TMP/$name.port" ] || fail "$name did not start"
  PORT[$name]="127.0.0.1:$(cat "$TMP/$name.port")"
}
start insp_a inspection insp
start insp_b inspection insp
start coach_a coaching coach --inspection_target="${PORT[insp_a]}"
start coach_b coaching coach --inspection_target="${PORT[insp_b]}"
start intake_a intake intk --inspection_target="${PORT[insp_a]}" --coaching_target="${PORT[coach_a]}"
start intake_b intake intk --inspection_target="${PORT[insp_b]}" --coaching_target="${PORT[coach_b]}"
start rep_a reporting rep --coaching_target="${PORT[coach_a]}"
start rep_b reporting rep --coaching_target="${PORT[coach_b]}"
echo "ok: two replicas each of inspection, intake, coaching and reporting on PostgreSQL"

# 1. Writers on both inspection replicas at once: the outbox stays gapless.
FIXTURE="$SRC/inspection-svc/testdata/oordelen-fixture-scholen.ods"
"$LV" inspection import --target="${PORT[insp_a]}" --token=dev.project_leader.t --file="$FIXTURE" \
  >/dev/null 2>&1 &
writers=($!)
for i in $(seq 1 15); do
  "$LV" call --target="${PORT[insp_b]}" --token=dev.inspectorate.t \
    --method=lerenverbeteren.inspection.v1.InspectionService/RecordVerdict --json="{\"department\":
    {\"brin\":\"$(printf %02d "$i")XY\",\"location\":\"00\",\"school_type\":\"SCHOOL_TYPE_HAVO\"},
    \"source_record_id\":\"so-$i\",\"verdict\":{\"value\":\"VERDICT_INSUFFICIENT\"}}" >/dev/null &
  writers+=($!)
done
for w in "${writers[@]}"; do wait "$w" || fail "a writer failed"; done
read -r count max < <(psql -At -F' ' -d "insp_$suffix" -c "SELECT COUNT(*), MAX(sequence) FROM outbox")
[ "$count" = "$max" ] && [ "$count" -gt 15 ] || fail "inspection outbox has $count events up to $max"
echo "ok: $count events from two writer replicas, sequences 1..$max without a gap"

# 1b. Both intake replicas follow that feed; one applies it (the lease), up to the last event.
head="$max"
for _ in $(seq 1 300); do
  cursor=$(psql -At -d "intk_$suffix" -c "SELECT cursor_sequence FROM feed_consumers WHERE source = 'inspection'")
  [ "$cursor" = "$head" ] && break
  sleep 0.05
done
[ "$cursor" = "$head" ] || fail "intake applied the inspection feed up to ${cursor:-nothing}, not $head"
consumers=$(psql -At -d "intk_$suffix" -c "SELECT COUNT(*) FROM feed_consumers")
[ "$consumers" = 1 ] || fail "intake has $consumers consumer rows"

# 1c. The same registration (one request_id) on both intake replicas at once, then the same
# match confirmed on both at once: one registration, one trajectory in coaching.
I=lerenverbeteren.intake.v1.IntakeService
REG='{"request_id":"scale-r1","registration":{"school_brin":"00CB","channel":"CHANNEL_PROGRAMME_OUTREACH",
  "contact":{"name":"Scale","role":"school leader"},"departments":[{"department":"departments/00CB-02-havo"}]}}'
"$LV" call --target="${PORT[intake_a]}" --token=dev.project_leader.t --method=$I/CreateRegistration \
  --json="$REG" >"$TMP/reg_a" &
registrar=$!
"$LV" call --target="${PORT[intake_b]}" --token=dev.project_leader.t --method=$I/CreateRegistration \
  --json="$REG" >"$TMP/reg_b" || fail "register on intake_b: $(cat "$TMP/reg_b")"
wait "$registrar" || fail "register on intake_a: $(cat "$TMP/reg_a")"
registrations=$(psql -At -d "intk_$suffix" -c "SELECT COUNT(*) FROM registrations")
[ "$registrations" = 1 ] || fail "$registrations registrations for one request"
R="$(grep -o '"name":"registrations/[^"]*"' "$TMP/reg_a" | head -1 | cut -d'"' -f4)"
grep -q "\"name\":\"$R\"" "$TMP/reg_b" || fail "the replicas answered different registrations"
TODAY="{\"year\":$(date -u +%Y),\"month\":$((10#$(date -u +%m))),\"day\":$((10#$(date -u +%d)))}"
"$LV" call --target="${PORT[intake_a]}" --token=dev.project_leader.t --method=$I/RecordIntake \
  --json="{\"name\":\"$R\",\"intake\":{\"date\":$TODAY,\"help_request\":\"scale\",\"severity\":\"SEVERITY_HIGH\"}}" \
  >/dev/null || fail "intake"
"$LV" call --target="${PORT[intake_b]}" --token=dev.project_leader.t --method=$I/CreateCoach --json='{
  "coach_id":"scale-c","coach":{"display_name":"Scale coach","weekly_capacity":{"half_steps":"8"},
  "max_trajectories":3,"active":true}}' >/dev/null || fail "coach"
MATCH="{\"registration\":\"$R\",\"coach\":\"coaches/scale-c\"}"
"$LV" call --target="${PORT[intake_a]}" --token=dev.project_leader.t --method=$I/ConfirmMatch --json="$MATCH" \
  >"$TMP/match_a" 2>&1 &
matcher=$!
"$LV" call --target="${PORT[intake_b]}" --token=dev.project_leader.t --method=$I/ConfirmMatch --json="$MATCH" \
  >"$TMP/match_b" 2>&1 || true
wait "$matcher" || true
# One of the two may be told the registration is matched already; neither may fail otherwise,
# and the registration ends with exactly one trajectory.
for f in "$TMP/match_a" "$TMP/match_b"; do
  grep -q 'TRAJECTORY_OPENED\|FAILED_PRECONDITION\|ABORTED' "$f" || fail "confirm match: $(cat "$f")"
done
"$LV" call --target="${PORT[intake_a]}" --token=dev.project_leader.t --method=$I/GetRegistration \
  --json="{\"name\":\"$R\"}" | grep -q '"state":"REGISTRATION_STATE_TRAJECTORY_OPENED"' \
  || fail "registration not opened after two confirmations"
matched=$(psql -At -d "coach_$suffix" -c "SELECT COUNT(*) FROM trajectories")
[ "$matched" = 1 ] || fail "$matched trajectories for one confirmed match"
answers="$(for f in "$TMP/match_a" "$TMP/match_b"; do
  grep -o 'REGISTRATION_STATE_TRAJECTORY_OPENED\|FAILED_PRECONDITION\|ABORTED' "$f" | head -1; done | tr '\n' ' ')"
echo "ok: intake replicas: feed applied once to the head, one registration and one trajectory for"
echo "    requests sent to both replicas at once (the two confirmations answered: $answers)"

# 2. The same OpenTrajectory on both coaching replicas at once: one more trajectory.
C=lerenverbeteren.coaching.v1.CoachingService
OPEN='{"match_id":"scale-1","school_brin":"77XY","coach":"c-1","departments":[{"department":"departments/77XY-00-havo","verdict":"VERDICT_INSUFFICIENT"}]}'
"$LV" call --target="${PORT[coach_a]}" --token=dev.service.intake --method=$C/OpenTrajectory --json="$OPEN" >"$TMP/open_a" &
opener=$!
"$LV" call --target="${PORT[coach_b]}" --token=dev.service.intake --method=$C/OpenTrajectory --json="$OPEN" >"$TMP/open_b" \
  || fail "open on coach_b: $(cat "$TMP/open_b")"
wait "$opener" || fail "open on coach_a: $(cat "$TMP/open_a")"
trajectories=$(psql -At -d "coach_$suffix" -c "SELECT COUNT(*) FROM trajectories")
[ "$trajectories" = 2 ] || fail "$((trajectories - 1)) trajectories for one match"
T="$(grep -o '"name":"trajectories/[^"]*"' "$TMP/open_b" | head -1 | cut -d'"' -f4)"
grep -q "\"name\":\"$T\"" "$TMP/open_a" || fail "the replicas opened different trajectories"
echo "ok: one trajectory for one match opened on both replicas at once"

# 3. Sessions on both coaching replicas, retries included; both reporting replicas consume.
log() {  # log REPLICA N
  "$LV" call --target="${PORT[$1]}" --token=dev.project_leader.t --method=$C/LogSession --json="{
    \"parent\":\"$T\",\"request_id\":\"r-$2\",\"overrun_approval\":\"scale test\",\"session\":{
    \"date\":{\"year\":$(date -u +%Y),\"month\":$((10#$(date -u +%m))),\"day\":$((10#$(date -u +%d)))},
    \"half_days\":{\"half_steps\":\"1\"},\"theme\":\"SUPPORT_THEME_LEADERSHIP\"}}" >/dev/null
}
for n in $(seq 1 30); do
  if [ $((n % 2)) = 0 ]; then log coach_a "$n"; else log coach_b "$n"; fi
done
for n in 3 4 5; do log coach_a "$n"; log coach_b "$n"; done  # retries on the other replica
wait_sessions() {  # wait_sessions N: the read model holds N sessions
  for _ in $(seq 1 300); do
    got=$(psql -At -d "rep_$suffix" -c "SELECT COUNT(*) FROM rm_sessions")
    [ "$got" = "$1" ] && return 0
    sleep 0.05
  done
  fail "reporting holds $got sessions, expected $1"
}
wait_sessions 30
echo "ok: 30 sessions (and 6 retried requests) applied once by two reporting replicas"

# 4. Kill the leading reporting replica: the other takes over when its lease lapses.
holder=$(psql -At -d "rep_$suffix" -c "SELECT holder FROM feed_consumers WHERE source = 'coaching'")
victim=rep_a
[[ "$holder" == *"-${PID[rep_b]}-"* ]] && victim=rep_b
kill -KILL "${PID[$victim]}"
for n in $(seq 31 40); do log coach_a "$n"; done
wait_sessions 40
new_holder=$(psql -At -d "rep_$suffix" -c "SELECT holder FROM feed_consumers WHERE source = 'coaching'")
[ "$new_holder" != "$holder" ] || fail "the lease did not move from $holder"
ledger=$(psql -At -d "rep_$suffix" -c "SELECT COUNT(*) FROM rm_ledger WHERE kind = 5")
expected=$(psql -At -d "coach_$suffix" -c "SELECT COUNT(*) FROM ledger_entries WHERE kind = 5")
[ "$ledger" = "$expected" ] || fail "reporting has $ledger consumption entries, coaching $expected"
echo "ok: leader $victim killed; the other replica took over; nothing lost or applied twice"
echo "1 passed, 0 failed"
