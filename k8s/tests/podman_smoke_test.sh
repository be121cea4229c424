#!/usr/bin/env bash
# Deployment smoke test: builds the five images, starts the dev overlay (PostgreSQL included)
# with `podman kube play`, with mutual TLS and signed tokens as in prod, runs one scenario
# through the cli across all four services and the database, and tears everything down again,
# also when it fails.
# Where podman cannot run containers, this fails and says why: it never passes by skipping.
# Usage: podman_smoke_test.sh <build-dir> <source-dir>
set -euo pipefail
BUILD="$(cd "${1:?build dir}" && pwd)"
SRC="$(cd "${2:?source dir}" && pwd)"
LV="$BUILD/cli/lv"
WORK="$(mktemp -d /tmp/lv-smoke.XXXXXX)"
PORTS=(17101 17102 17103 17104 17111 17112 17113 17114 17432)  # k8s/tests/podman/kustomization.yaml

cd "$SRC"
source tests/lib.sh  # mint
fail() {  # this test's own: the pods' logs are printed by its teardown
  echo "FAIL: $*" >&2
  exit 1
}
CERTS="$SRC/k8s/tests/podman/tls"
KEYS="$SRC/k8s/tests/podman/idp"
trap 'rm -rf "$WORK" "$CERTS" "$KEYS"' EXIT  # until the pods exist; then teardown() below

# podman as TOOLCHAIN.md describes it for this machine (runc with explicit ulimits; crun fails
# on rlimits here), from a config of our own rather than /etc.
command -v podman >/dev/null || fail "podman is not installed (scripts/setup.sh installs it)"
command -v kubectl >/dev/null || fail "kubectl is not installed: it renders the overlays"
printf '[containers]\ndefault_ulimits = ["nofile=4096:4096","nproc=4096:4096"]\n[engine]\nruntime = "runc"\n' \
  >"$WORK/containers.conf"
export CONTAINERS_CONF="$WORK/containers.conf"
if ! podman run --rm --pull=never --network=none "${LV_BASE_IMAGE:-localhost/lv-debian:12}" true \
    >/dev/null 2>&1; then
  # Either there is no base image yet (made below) or containers cannot run at all; tell which.
  bash k8s/image/make-base.sh || fail "cannot make the local base image"
  podman run --rm --pull=never --network=none "${LV_BASE_IMAGE:-localhost/lv-debian:12}" true \
    || fail "podman cannot run a container on this machine (see the error above)"
fi
for port in "${PORTS[@]}"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    fail "port $port is in use; the smoke test needs ${PORTS[*]}"
  fi
done

echo "== images"
bash k8s/image/build-images.sh

echo "== certificates, identity provider keys and tokens, render the dev overlay for podman"
# The services' certificate (they call each other on 127.0.0.1) and a client one for lv; the
# overlay's lv-tls Secret is generated from tls/.
rm -rf "$CERTS"
bash tests/make_test_certs.sh "$CERTS" "DNS:localhost,IP:127.0.0.1"
# The identity provider: its key pair, and each service's own token (role service).
rm -rf "$KEYS"
mkdir -p "$KEYS"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$KEYS/idp.key" 2>/dev/null
openssl pkey -in "$KEYS/idp.key" -pubout -out "$KEYS/public-key.pem"
for s in inspection intake coaching reporting; do mint idp service "$s" 3600 >"$KEYS/$s.token"; done
kubectl kustomize k8s/tests/podman >"$WORK/rendered.yaml"
node k8s/tests/podman_play.mjs "$WORK/rendered.yaml" "$WORK/play"
# The servers (uid 65532) read the certificate folder podman mounts for the Secret.
chmod 711 "$WORK" "$WORK/play"
chmod -R a+rX "$WORK/play/secret-volumes"
TLS=(--tls_ca="$CERTS/ca.crt" --tls_cert="$CERTS/operator.crt" --tls_key="$CERTS/operator.key")

secrets=()
teardown() {
  local rc=$?
  if [ $rc -ne 0 ]; then
    echo "== logs of the pods (the test failed)"
    for c in $(podman ps -a --format '{{.Names}}' | grep -v infra || true); do
      echo "--- $c"
      podman logs --tail 15 "$c" 2>&1 | sed 's/^/    /'
    done
  fi
  echo "== tear down"
  podman kube down "$WORK/play/play.yaml" >/dev/null 2>&1 || true
  for s in "${secrets[@]}"; do podman secret rm "$s" >/dev/null 2>&1 || true; done
  # podman 4.3 makes each emptyDir and claim a named volume; remove them with the pods.
  podman volume rm -f data-lv-postgres-0 tmp >/dev/null 2>&1 || true
  rm -rf "$WORK" "$CERTS" "$KEYS"
  exit $rc
}
trap teardown EXIT

# A previous run that was killed may have left its pods or volumes behind.
podman kube down "$WORK/play/play.yaml" >/dev/null 2>&1 || true
podman volume rm -f data-lv-postgres-0 tmp >/dev/null 2>&1 || true
for f in "$WORK"/play/secrets/*.json; do
  name="$(basename "$f" .json)"
  podman secret rm "$name" >/dev/null 2>&1 || true
  podman secret create "$name" "$f" >/dev/null
  secrets+=("$name")
done

echo "== podman kube play"
podman kube play "$WORK/play/play.yaml" >/dev/null

echo "== waiting for the four services (each waits for PostgreSQL, then migrates)"
# First the plaintext health ports, as the kubelet's probes ask; then the API ports, which only
# answer mutual TLS.
for port in 17111 17112 17113 17114; do
  ok=false
  for _ in $(seq 1 180); do
    if "$LV" health --target="127.0.0.1:$port" 2>/dev/null | grep -q ' SERVING$'; then ok=true; break; fi
    sleep 0.5
  done
  $ok || fail "health port $port never said SERVING"
done
for port in 17101 17102 17103 17104; do
  "$LV" health --target="127.0.0.1:$port" "${TLS[@]}" | grep -q ' SERVING$' || fail "$port over mutual TLS"
  "$LV" health --target="127.0.0.1:$port" --timeout=3s >/dev/null 2>&1 && fail "$port answered plaintext"
done
podman ps --format '{{.Names}} {{.Status}}' | grep -v infra | sed 's/^/   /'
for c in inspection intake coaching reporting; do
  user="$(podman inspect "$c-svc-pod-0-server" --format '{{.Config.User}}')"
  ro="$(podman inspect "$c-svc-pod-0-server" --format '{{.HostConfig.ReadonlyRootfs}}')"
  [ "$user" = "65532:65532" ] || [ "$user" = "65532" ] || fail "$c runs as '$user'"
  [ "$ro" = "true" ] || fail "$c has a writable root filesystem"
done
echo "ok: four services SERVING (mutual TLS only, signed tokens only), as uid 65532 on read-only root filesystems"

echo "== scenario through the cli"
PL=(--token="$(mint idp project_leader pl-smoke 3600)" "${TLS[@]}")
"$LV" inspection very-weak --target=127.0.0.1:17101 --token=dev.project_leader.smoke "${TLS[@]}" \
  >/dev/null 2>&1 && fail "a dev token got in where signed tokens are required"
INSPECTION=(--target=127.0.0.1:17101 "${PL[@]}")
INTAKE=(--target=127.0.0.1:17102 "${PL[@]}")
COACHING=(--target=127.0.0.1:17103 "${PL[@]}")
REPORTING=(--target=127.0.0.1:17104 "${PL[@]}")
I=lerenverbeteren.intake.v1.IntakeService
C=lerenverbeteren.coaching.v1.CoachingService
TODAY="{\"year\":$(date -u +%Y),\"month\":$((10#$(date -u +%m))),\"day\":$((10#$(date -u +%d)))}"

"$LV" inspection import "${INSPECTION[@]}" --file=inspection-svc/testdata/oordelen-fixture-scholen.ods \
  >"$WORK/import.json" || fail "import"
grep -q '"state":"IMPORT_RUN_STATE_SUCCEEDED"' "$WORK/import.json" || fail "import: $(cat "$WORK/import.json")"
echo "ok: inspection import of the fixture publication"

# intake learns of the very weak department through inspection's feed (over PostgreSQL).
for _ in $(seq 1 100); do
  "$LV" intake outreach "${INTAKE[@]}" | grep -q 'departments/00CB-02-havo' && break
  sleep 0.2
done
"$LV" intake outreach "${INTAKE[@]}" | grep -q 'departments/00CB-02-havo' || fail "outreach list"
"$LV" call "${INTAKE[@]}" --method=$I/CreateCoach --json='{"coach_id":"smoke-1","coach":{
  "display_name":"Smoke coach","expertise":[{"theme":"SUPPORT_THEME_LESSON_QUALITY","level":3}],
  "school_types":["SCHOOL_TYPE_HAVO"],"weekly_capacity":{"half_steps":"8"},"max_trajectories":3,
  "active":true}}' >/dev/null || fail "coach"
"$LV" call "${INTAKE[@]}" --method=$I/CreateRegistration --json='{"request_id":"smoke-r1",
  "registration":{"school_brin":"00CB","channel":"CHANNEL_PROGRAMME_OUTREACH",
  "contact":{"name":"Smoke","role":"school leader"},"departments":[{"department":"departments/00CB-02-havo"}]}}' \
  >"$WORK/reg.json" || fail "register"
R="$(grep -o '"name":"registrations/[^"]*"' "$WORK/reg.json" | head -1 | cut -d'"' -f4)"
[ -n "$R" ] || fail "no registration name: $(cat "$WORK/reg.json")"
"$LV" call "${INTAKE[@]}" --method=$I/RecordIntake --json="{\"name\":\"$R\",\"intake\":{\"date\":$TODAY,
  \"help_request\":\"lesson quality\",\"severity\":\"SEVERITY_HIGH\"}}" >/dev/null || fail "intake"
"$LV" call "${INTAKE[@]}" --method=$I/ConfirmMatch --json="{\"registration\":\"$R\",\"coach\":\"coaches/smoke-1\"}" \
  >"$WORK/match.json" || fail "confirm match"
grep -q '"state":"REGISTRATION_STATE_TRAJECTORY_OPENED"' "$WORK/match.json" || fail "match: $(cat "$WORK/match.json")"
T="$(grep -o '"trajectory":"trajectories/[^"]*"' "$WORK/match.json" | head -1 | cut -d'"' -f4)"
[ -n "$T" ] || fail "no trajectory in $(cat "$WORK/match.json")"
echo "ok: registration, intake and a match that opened $T in coaching-svc"

"$LV" call "${COACHING[@]}" --method=$C/LogSession --json="{\"parent\":\"$T\",\"request_id\":\"smoke-s1\",
  \"session\":{\"date\":$TODAY,\"half_days\":{\"half_steps\":\"2\"},\"theme\":\"SUPPORT_THEME_LESSON_QUALITY\"}}" \
  >/dev/null || fail "log session"
"$LV" coaching statement --target=127.0.0.1:17103 "${TLS[@]}" --token="$(mint idp school 00CB)" --name="$T" \
  | grep -q '^total' || fail "the school's transparency statement"
echo "ok: a session logged and the school's statement"

# reporting follows all three feeds; the report counts the trajectory and its session.
RP=lerenverbeteren.reporting.v1.ReportingService
for _ in $(seq 1 100); do
  "$LV" call "${REPORTING[@]}" --method=$RP/GetProgrammeReport | grep -q '"trajectories":1' && break
  sleep 0.2
done
"$LV" call "${REPORTING[@]}" --method=$RP/GetProgrammeReport >"$WORK/report.json"
grep -q '"trajectories":1' "$WORK/report.json" || fail "report: $(head -c 600 "$WORK/report.json")"
echo "ok: the programme report in reporting-svc counts the trajectory"

# Each service wrote its own database in the PostgreSQL pod (dev credentials of the overlay).
in_db() {
  PGPASSWORD="dev-only-$1" psql -h 127.0.0.1 -p 17432 -U "$1" -d "$1" -tAc "$2"
}
for svc in inspection intake coaching; do
  events="$(in_db $svc "SELECT count(*) FROM outbox")" || fail "$svc database"
  [ "$events" -gt 0 ] || fail "$svc wrote no events to its PostgreSQL database"
done
consumers="$(in_db reporting "SELECT count(*) FROM feed_consumers")" || fail "reporting database"
[ "$consumers" -eq 3 ] || fail "reporting follows $consumers feeds in its database, not 3"
PGPASSWORD=dev-only-intake psql -h 127.0.0.1 -p 17432 -U intake -d inspection -tAc "SELECT 1" \
  >/dev/null 2>&1 && fail "intake's role can read inspection's database"
echo "ok: each service's data is in its own PostgreSQL database, closed to the others"

# Restart PostgreSQL: the data is on its volume claim and the services reconnect.
podman stop --time 20 lv-postgres-pod-0-postgres >/dev/null
podman start lv-postgres-pod-0-postgres >/dev/null
for _ in $(seq 1 120); do
  pg_isready -q -h 127.0.0.1 -p 17432 && break
  sleep 0.5
done
pg_isready -h 127.0.0.1 -p 17432 || fail "PostgreSQL did not come back: $(podman ps -a --format '{{.Names}} {{.Status}}' | grep postgres)"
for _ in $(seq 1 60); do
  "$LV" call "${COACHING[@]}" --method=$C/GetTrajectory --json="{\"name\":\"$T\"}" >/dev/null 2>&1 && break
  sleep 0.5
done
"$LV" call "${COACHING[@]}" --method=$C/GetTrajectory --json="{\"name\":\"$T\"}" | grep -q "\"name\":\"$T\"" \
  || fail "trajectory gone after PostgreSQL restarted"
echo "ok: PostgreSQL restarted with its data; coaching-svc reconnected"
echo "PASS: dev overlay started with podman kube play, scenario ran, torn down"
