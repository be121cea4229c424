#!/usr/bin/env bash
# A small demo programme through the real APIs of the running suite (ports 7101-7104): coaches,
# registrations of departments on the outreach list, intakes, matches (trajectories opened in
# coaching), sessions, closures and evaluations; then the programme report and its charts in
# ./report. Safe to run again: it skips departments that are registered already.
set -eu  # no pipefail: `head` may close a pipe early on purpose
cd "$(dirname "$0")/.."
LV=build/cli/lv
PL=(--token=dev.project_leader.demo)
INTAKE=(--target=127.0.0.1:7102 "${PL[@]}")
COACHING=(--target=127.0.0.1:7103 "${PL[@]}")
TODAY="{\"year\":$(date -u +%Y),\"month\":$((10#$(date -u +%m))),\"day\":$((10#$(date -u +%d)))}"

echo "== Demo programme through the APIs"
for i in 1 2 3; do
  $LV intake add-coach "${INTAKE[@]}" --json="{\"coach_id\":\"demo-$i\",\"coach\":{
    \"display_name\":\"Demo coach $i\",\"expertise\":[{\"theme\":\"SUPPORT_THEME_LESSON_QUALITY\",
    \"level\":$i},{\"theme\":\"SUPPORT_THEME_QUALITY_ASSURANCE\",\"level\":3}],
    \"weekly_capacity\":{\"half_steps\":\"8\"},\"max_trajectories\":4,\"active\":true}}" \
    >/dev/null 2>&1 || true  # already there on a second run
done
# The outreach list fills from inspection's feed; wait for it.
for _ in $(seq 1 100); do
  $LV intake outreach "${INTAKE[@]}" | grep -q '"department"' && break
  sleep 0.2
done
departments=$($LV intake outreach "${INTAKE[@]}" | grep -o '"department":"departments/[^"]*"' \
  | cut -d'"' -f4 | head -8)
n=0
for d in $departments; do
  n=$((n + 1))
  brin=$(echo "$d" | cut -d/ -f2 | cut -d- -f1)
  reg=$($LV intake register "${INTAKE[@]}" --json="{\"request_id\":\"demo-$d\",\"registration\":{
    \"school_brin\":\"$brin\",\"channel\":\"CHANNEL_PROGRAMME_OUTREACH\",
    \"contact\":{\"name\":\"Demo contact\",\"role\":\"school leader\"},
    \"departments\":[{\"department\":\"$d\"}]}}" 2>/dev/null \
    | grep -o '"name":"registrations/[^"]*"' | head -1 | cut -d'"' -f4) || continue
  [ -n "$reg" ] || continue
  $LV intake record-intake "${INTAKE[@]}" --json="{\"name\":\"$reg\",\"intake\":{\"date\":$TODAY,
    \"help_request\":\"demo help request\",\"severity\":\"SEVERITY_HIGH\",
    \"themes\":[\"SUPPORT_THEME_LESSON_QUALITY\"]}}" >/dev/null 2>&1 || true
  coach=$($LV intake suggest "${INTAKE[@]}" --json="{\"registration\":\"$reg\",\"limit\":1}" \
    | grep -o '"coach":"coaches/[^"]*"' | head -1 | cut -d'"' -f4) || true
  [ -n "$coach" ] || { echo "  $d: no coach free"; continue; }
  t=$($LV intake confirm "${INTAKE[@]}" --json="{\"registration\":\"$reg\",\"coach\":\"$coach\"}" \
    | grep -o '"trajectory":"trajectories/[^"]*"' | cut -d'"' -f4) || true
  [ -n "$t" ] || continue
  for s in 1 2 3; do
    $LV coaching log-session "${COACHING[@]}" --json="{\"parent\":\"$t\",\"request_id\":\"demo-$t-$s\",
      \"session\":{\"date\":$TODAY,\"half_days\":{\"half_steps\":\"2\"},
      \"theme\":\"SUPPORT_THEME_LESSON_QUALITY\"}}" >/dev/null 2>&1 || true
  done
  if [ $((n % 2)) -eq 0 ]; then
    $LV coaching transition "${COACHING[@]}" --json="{\"name\":\"$t\",\"to_state\":\"TRAJECTORY_STATE_CLOSING\"}" >/dev/null 2>&1 || true
    $LV coaching close "${COACHING[@]}" --json="{\"name\":\"$t\",\"assessment\":{
      \"summary\":\"demo: can continue alone\",\"can_continue_alone\":true}}" >/dev/null 2>&1 || true
    $LV coaching evaluate --target=127.0.0.1:7103 --token=dev.school.$brin --json="{\"parent\":\"$t\",
      \"evaluation\":{\"overall\":8,\"results_achieved\":8,\"fit_with_request\":9,
      \"added_value_of_coach\":8}}" >/dev/null 2>&1 || true
  fi
  echo "  $d -> $reg -> $t ($coach)"
done
# The report follows the feeds; give the read model a moment to catch up.
sleep 1
$LV report --target=127.0.0.1:7104 "${PL[@]}" --out=report >/dev/null
echo "== Programme report and charts in $(pwd)/report:"
ls -1 report | sed 's/^/   /'
