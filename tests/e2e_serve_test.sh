#!/usr/bin/env bash
# End-to-end: the four real binaries as processes on ephemeral ports. Checks health, server
# reflection (buf curl --list-methods), an authorized and a denied Watch, a clean drain on SIGTERM,
# and that bad start-up input stops a service with a message naming the cause.
set -euo pipefail
BUILD="$1"; SRC="$2"
BUF="$SRC/node_modules/.bin/buf"
LV="$BUILD/cli/lv"
[ -x "$BUF" ] || { echo "FAIL: buf is not installed ($BUF); run scripts/setup.sh"; exit 1; }
source "$(dirname "$0")/lib.sh"
start_process_test

declare -A PIDS
start() {  # start SERVICE [extra flags...]
  local svc="$1"; shift
  "$BUILD/$svc-svc/$svc-svc" --listen=127.0.0.1:0 --data_dir="$TMP/data" \
    --port_file="$TMP/$svc.port" --grace_period=2s "$@" >"$TMP/$svc.log" 2>&1 &
  PIDS[$svc]=$!
  pids+=($!)
}
wait_port() {
  for _ in $(seq 1 300); do [ -s "$TMP/$1.port" ] && return 0; sleep 0.05; done
  fail "$1-svc did not write its port"
}
# inspection first: coaching consumes its change feed.
start inspection
wait_port inspection
INSPECTION="127.0.0.1:$(cat "$TMP/inspection.port")"
start coaching --inspection_target="$INSPECTION"
wait_port coaching
start intake --inspection_target="$INSPECTION" --coaching_target="127.0.0.1:$(cat "$TMP/coaching.port")"
wait_port intake
start reporting --inspection_target="$INSPECTION" --coaching_target="127.0.0.1:$(cat "$TMP/coaching.port")" \
  --intake_target="127.0.0.1:$(cat "$TMP/intake.port")"
wait_port reporting

for svc in inspection intake coaching reporting; do
  port="$(cat "$TMP/$svc.port")"
  Svc="$(tr '[:lower:]' '[:upper:]' <<<"${svc:0:1}")${svc:1}"
  out="$("$LV" health --target="127.0.0.1:$port")" || fail "$svc health: $out"
  [[ "$out" == *SERVING* ]] || fail "$svc health says: $out"
  methods="$("$BUF" curl --protocol grpc --http2-prior-knowledge --list-methods "http://127.0.0.1:$port")" \
    || fail "$svc reflection"
  grep -q "lerenverbeteren.$svc.v1.${Svc}Service/Watch" <<<"$methods" || fail "$svc lists: $methods"
  grep -q "grpc.health.v1.Health/Check" <<<"$methods" || fail "$svc reflection lacks health: $methods"
  "$LV" watch --target="127.0.0.1:$port" --feed="$svc" --token=dev.service.e2e >"$TMP/$svc.watch" \
    || fail "$svc watch as a service"
  if "$LV" watch --target="127.0.0.1:$port" --feed="$svc" --token=dev.school.00AH 2>"$TMP/$svc.denied"; then
    fail "$svc let a school read its feed"
  fi
  grep -q "may not call" "$TMP/$svc.denied" || fail "$svc denial message: $(cat "$TMP/$svc.denied")"
  echo "ok: $svc-svc serving on $port, reflection lists $(wc -l <<<"$methods") methods"
done

# The inspection service end to end through the cli: import, query, idempotent re-import.
port="$(cat "$TMP/inspection.port")"
export LV_TARGET="127.0.0.1:$port" LV_TOKEN=dev.project_leader.e2e
FIXTURE="$SRC/inspection-svc/testdata/oordelen-fixture-scholen.ods"
"$LV" inspection import --file="$FIXTURE" >"$TMP/import1.json" 2>"$TMP/import1.txt" || fail "import: $(cat "$TMP/import1.txt")"
grep -q '"state":"IMPORT_RUN_STATE_SUCCEEDED"' "$TMP/import1.json" || fail "import state: $(cat "$TMP/import1.json")"
"$LV" inspection import --file="$FIXTURE" >"$TMP/import2.json" 2>/dev/null || fail "re-import"
grep -q '"verdicts_added"' "$TMP/import2.json" && fail "re-import added verdicts: $(cat "$TMP/import2.json")"
"$LV" inspection very-weak | grep -q 'departments/00CB-02-havo' || fail "very-weak list"
"$LV" watch --feed=inspection --token=dev.service.e2e | grep -q '"type":"inspection.verdict.recorded"' \
  || fail "verdict events on the feed"
if "$LV" inspection import --file=/etc/hostname >/dev/null 2>&1; then fail "a non-Oordelen file was accepted"; fi
echo "ok: inspection import, very-weak list and feed through the cli"

# coaching: open a trajectory, log a session, read the school's statement; then a verdict pushed
# to inspection-svc reaches coaching-svc through the feed and raises the trajectory's category.
export LV_TARGET="127.0.0.1:$(cat "$TMP/coaching.port")"
C=lerenverbeteren.coaching.v1.CoachingService
TODAY="{\"year\":$(date -u +%Y),\"month\":$((10#$(date -u +%m))),\"day\":$((10#$(date -u +%d)))}"
"$LV" call --token=dev.service.intake --method=$C/OpenTrajectory --json='{"match_id":"e2e-1",
  "school_brin":"77XY","coach":"c-1","departments":[{"department":"departments/77XY-00-havo",
  "verdict":"VERDICT_SUFFICIENT"}]}' >"$TMP/open.json" || fail "open trajectory"
T="$(grep -o '"name":"trajectories/[^"]*"' "$TMP/open.json" | head -1 | cut -d'"' -f4)"
[ -n "$T" ] || fail "no trajectory name: $(cat "$TMP/open.json")"
"$LV" call --token=dev.coach.c-1 --method=$C/LogSession --json="{\"parent\":\"$T\",
  \"request_id\":\"e2e-s1\",\"session\":{\"date\":$TODAY,\"half_days\":{\"half_steps\":\"3\"},
  \"theme\":\"SUPPORT_THEME_LEADERSHIP\"}}" >/dev/null || fail "log session"
"$LV" call --token=dev.school.77XY --method=$C/GetTransparencyStatement --json="{\"name\":\"$T\"}" \
  | grep -q '"total_used":{"half_steps":"3"}' || fail "statement after one session"
"$LV" call --token=dev.school.00AH --method=$C/GetTransparencyStatement --json="{\"name\":\"$T\"}" \
  2>/dev/null && fail "another school read the statement"
"$LV" coaching ledger --token=dev.project_leader.e2e --parent="$T" \
  | grep -q 'LEDGER_ENTRY_KIND_CONSUMPTION' || fail "ledger through lv coaching ledger"
"$LV" coaching statement --token=dev.school.77XY --name="$T" | tee "$TMP/statement.txt" | grep -q "^total" \
  || fail "statement table: $(cat "$TMP/statement.txt")"
verdict_raises_category "127.0.0.1:$(cat "$TMP/inspection.port")" "$LV_TARGET" "$T" e2e-v1
echo "ok: coaching trajectory, session, statement, and a verdict change through the inspection feed"

# intake: the imported very-weak department is on the outreach list (inspection feed), it
# registers, has its intake, and the confirmed match opens its trajectory in coaching-svc.
export LV_TARGET="127.0.0.1:$(cat "$TMP/intake.port")" LV_TOKEN=dev.project_leader.e2e
I=lerenverbeteren.intake.v1.IntakeService
for _ in $(seq 1 200); do
  "$LV" intake outreach | grep -q 'departments/00CB-02-havo' && break
  sleep 0.05
done
"$LV" intake outreach | grep -q 'departments/00CB-02-havo' || fail "outreach list"
"$LV" call --method=$I/CreateCoach --json='{"coach_id":"c-9","coach":{"display_name":"Coach nine",
  "expertise":[{"theme":"SUPPORT_THEME_LESSON_QUALITY","level":3}],"school_types":["SCHOOL_TYPE_HAVO"],
  "weekly_capacity":{"half_steps":"8"},"max_trajectories":3,"active":true}}' >/dev/null || fail "coach"
"$LV" call --method=$I/CreateRegistration --json='{"request_id":"e2e-r1","registration":{
  "school_brin":"00CB","channel":"CHANNEL_PROGRAMME_OUTREACH","contact":{"name":"E2E","role":"school leader"},
  "departments":[{"department":"departments/00CB-02-havo"}]}}' >"$TMP/reg.json" || fail "register"
R="$(grep -o '"name":"registrations/[^"]*"' "$TMP/reg.json" | head -1 | cut -d'"' -f4)"
"$LV" call --method=$I/RecordIntake --json="{\"name\":\"$R\",\"intake\":{\"date\":$TODAY,
  \"help_request\":\"lesson quality\",\"severity\":\"SEVERITY_HIGH\"}}" >/dev/null || fail "intake"
"$LV" call --method=$I/ConfirmMatch --json="{\"registration\":\"$R\",\"coach\":\"coaches/c-9\"}" \
  | grep -q '"state":"REGISTRATION_STATE_TRAJECTORY_OPENED"' || fail "confirm match"
"$LV" call --target="127.0.0.1:$(cat "$TMP/coaching.port")" --method=$C/ListTrajectories \
  | grep -q "\"match_id\":\"$R\"" || fail "no trajectory in coaching for $R"
echo "ok: intake outreach, registration, intake and a confirmed match opening a trajectory"

# reporting: the read model follows all three feeds; the report counts both trajectories.
export LV_TARGET="127.0.0.1:$(cat "$TMP/reporting.port")"
RP=lerenverbeteren.reporting.v1.ReportingService
for _ in $(seq 1 200); do
  "$LV" call --method=$RP/GetProgrammeReport | grep -q '"trajectories":2' && break
  sleep 0.05
done
"$LV" call --method=$RP/GetProgrammeReport | grep -q '"trajectories":2' \
  || fail "report: $("$LV" call --method=$RP/GetProgrammeReport)"
"$LV" call --method=$RP/GetFeedLag | grep -q '"source":"intake"' || fail "feed lag"
"$LV" report --out="$TMP/report" >/dev/null || fail "lv report"
[ -s "$TMP/report/programme-report.csv" ] && grep -q '^<svg' "$TMP/report/started-per-year.svg" \
  || fail "report files: $(ls "$TMP/report")"
echo "ok: reporting follows the three feeds; report, CSV and charts written"
unset LV_TARGET LV_TOKEN

for svc in inspection intake coaching reporting; do
  kill -TERM "${PIDS[$svc]}"
  wait "${PIDS[$svc]}" || fail "$svc-svc exited non-zero after SIGTERM"
  grep -q '"event":"server.stopped"' "$TMP/$svc.log" || fail "$svc-svc did not log a drain"
done
echo "ok: all four drained on SIGTERM"

# Bad start-up input: the message names the flag or the cause, and the exit code is non-zero.
if out="$("$BUILD/inspection-svc/inspection-svc" --no_such_flag 2>&1)"; then fail "unknown flag accepted"; fi
grep -q "no_such_flag" <<<"$out" || fail "unknown flag message: $out"
if out="$(LV_DATABASE_POOL=lots "$BUILD/intake-svc/intake-svc" 2>&1)"; then fail "bad env accepted"; fi
grep -q "LV_DATABASE_POOL" <<<"$out" || fail "bad env message: $out"
if out="$("$BUILD/coaching-svc/coaching-svc" --listen=127.0.0.1:0 \
     --database='postgresql://127.0.0.1:1/none?connect_timeout=2' 2>&1)"; then
  fail "unreachable database accepted"
fi
grep -q "cannot open database" <<<"$out" || fail "unreachable database message: $out"
echo "ok: bad start-up input is refused with a named cause"
echo "1 passed, 0 failed"
