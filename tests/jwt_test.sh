#!/usr/bin/env bash
# Signed bearer tokens between real processes: inspection-svc and coaching-svc with
# --auth_mode=jwt against an RSA key made with openssl, tokens minted here as an identity
# provider would (RS256: openssl's PKCS#1 v1.5 signature is the JWS signature as it is). Checks
# that valid tokens get in with their role, that dev, forged, expired and foreign tokens do not,
# that coaching follows inspection's feed with its own service token, and that a missing service
# token stops a server that has peers, naming the flag.
set -euo pipefail
BUILD="$1"
LV="$BUILD/cli/lv"
source "$(dirname "$0")/lib.sh"
start_process_test openssl

for k in idp forger; do
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$TMP/$k.key" 2>/dev/null
done
openssl pkey -in "$TMP/idp.key" -pubout -out "$TMP/idp.pub"
KEYS="$TMP"
JWT=(--auth_mode=jwt --jwt_public_key="$TMP/idp.pub" --jwt_issuer=https://idp.test)
start() {  # start SERVICE [extra flags...]
  local svc="$1"; shift
  "$BUILD/$svc-svc/$svc-svc" --listen=127.0.0.1:0 --data_dir="$TMP/data" --port_file="$TMP/$svc.port" \
    --grace_period=1s "${JWT[@]}" "$@" >"$TMP/$svc.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 300); do [ -s "$TMP/$svc.port" ] && break; sleep 0.05; done
  [ -s "$TMP/$svc.port" ] || fail "$svc-svc did not start"
}
start inspection
INSPECTION="127.0.0.1:$(cat "$TMP/inspection.port")"
mint idp service coaching >"$TMP/coaching.token"
start coaching --inspection_target="$INSPECTION" --service_token_file="$TMP/coaching.token"
COACHING="127.0.0.1:$(cat "$TMP/coaching.port")"

code() {  # code TOKEN: the status of a project leader's read on inspection-svc (0 = OK)
  if "$LV" inspection very-weak --target="$INSPECTION" --token="$1" >"$TMP/out" 2>&1; then echo 0; return; fi
  grep -o '^lv: [0-9]*' "$TMP/out" | head -1 | cut -d' ' -f2
}
[ "$(code "$(mint idp project_leader pl-1)")" = 0 ] || fail "a project leader's token: $(cat "$TMP/out")"
[ "$(code "$(mint idp school 00AH)")" = 7 ] || fail "a school reading the very-weak list: $(cat "$TMP/out")"
[ "$(code dev.project_leader.pl-1)" = 16 ] || fail "a dev token in jwt mode: $(cat "$TMP/out")"
[ "$(code "$(mint forger project_leader pl-1)")" = 16 ] || fail "a forged token: $(cat "$TMP/out")"
[ "$(code "$(mint idp project_leader pl-1 -600)")" = 16 ] || fail "an expired token: $(cat "$TMP/out")"
[ "$(code "$(mint idp project_leader pl-1 300 https://other.test)")" = 16 ] || fail "another issuer: $(cat "$TMP/out")"
grep -q "expired\|issuer\|signed" "$TMP/out" || fail "the refusal does not say why: $(cat "$TMP/out")"
echo "ok: tokens of the identity provider get in with their role; dev, forged, expired and foreign ones do not"

C=lerenverbeteren.coaching.v1.CoachingService
"$LV" call --target="$COACHING" --token="$(mint idp service intake)" --method=$C/OpenTrajectory \
  --json='{"match_id":"jwt-1","school_brin":"77XY","coach":"c-1","departments":[
  {"department":"departments/77XY-00-havo","verdict":"VERDICT_SUFFICIENT"}]}' >"$TMP/open.json" \
  || fail "open trajectory: $(cat "$TMP/open.json")"
T="$(grep -o '"name":"trajectories/[^"]*"' "$TMP/open.json" | head -1 | cut -d'"' -f4)"
INSPECTORATE_TOKEN="$(mint idp inspectorate inspectorate)" READER_TOKEN="$(mint idp project_leader pl-1)" \
  verdict_raises_category "$INSPECTION" "$COACHING" "$T" jwt-v1
echo "ok: coaching-svc follows inspection-svc's feed with its own service token"

if "$BUILD/coaching-svc/coaching-svc" --listen=127.0.0.1:0 --data_dir="$TMP/bad" "${JWT[@]}" \
    --inspection_target="$INSPECTION" >"$TMP/bad.out" 2>&1; then
  fail "coaching-svc started in jwt mode with peers but no service token"
fi
grep -q service_token_file "$TMP/bad.out" || fail "the error does not name --service_token_file: $(cat "$TMP/bad.out")"
if "$BUILD/inspection-svc/inspection-svc" --listen=127.0.0.1:0 --data_dir="$TMP/bad" --auth_mode=jwt \
    >"$TMP/bad.out" 2>&1; then
  fail "inspection-svc started in jwt mode without a key"
fi
grep -q jwt_public_key "$TMP/bad.out" || fail "the error does not name --jwt_public_key: $(cat "$TMP/bad.out")"
echo "ok: missing key or service token stop the server, naming the flag"
echo "1 passed, 0 failed"
