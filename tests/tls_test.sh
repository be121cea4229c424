#!/usr/bin/env bash
# Mutual TLS between real processes: a CA and certificates made with openssl, inspection-svc and
# coaching-svc serving mutual TLS, coaching following inspection's feed over it, and the cli as a
# client. Checks that only a client with a certificate of the CA gets in, that the plaintext
# health port answers probes and nothing else, and that bad TLS flags stop a server naming the flag.
set -euo pipefail
BUILD="$1"
LV="$BUILD/cli/lv"
source "$(dirname "$0")/lib.sh"
start_process_test openssl

# A CA, the services' certificate (127.0.0.1 and the Kubernetes Service names), a client
# certificate, and a second CA with a client certificate of its own that must be refused.
"$(dirname "$0")/make_test_certs.sh" "$TMP" "DNS:localhost,IP:127.0.0.1,DNS:inspection-svc,DNS:coaching-svc"
TLS=(--tls_cert="$TMP/tls.crt" --tls_key="$TMP/tls.key" --tls_ca="$TMP/ca.crt")

start() {  # start SERVICE [extra flags...]
  local svc="$1"; shift
  "$BUILD/$svc-svc/$svc-svc" --listen=127.0.0.1:0 --health_listen=127.0.0.1:0 --data_dir="$TMP/data" \
    --port_file="$TMP/$svc.port" --grace_period=1s "${TLS[@]}" "$@" >"$TMP/$svc.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 300); do [ -s "$TMP/$svc.port" ] && break; sleep 0.05; done
  [ -s "$TMP/$svc.port" ] || fail "$svc-svc did not start"
}
health_port() {  # the plaintext health port, from the server's start line
  grep -o '"event":"server.serving".*' "$TMP/$1.log" | grep -o '"health_port":[0-9]*' | cut -d: -f2
}
start inspection
INSPECTION="127.0.0.1:$(cat "$TMP/inspection.port")"
grep -q '"tls":"mutual"' "$TMP/inspection.log" || fail "inspection-svc does not say it serves mutual TLS"
start coaching --inspection_target="$INSPECTION"
COACHING="127.0.0.1:$(cat "$TMP/coaching.port")"

OPERATOR=(--tls_ca="$TMP/ca.crt" --tls_cert="$TMP/operator.crt" --tls_key="$TMP/operator.key")
out="$("$LV" health --target="$INSPECTION" "${OPERATOR[@]}")" || fail "mutual TLS health: $out"
[[ "$out" == *" SERVING" ]] || fail "health says: $out"
"$LV" health --target="$INSPECTION" --timeout=3s >/dev/null 2>&1 && fail "a plaintext client got in"
"$LV" health --target="$INSPECTION" --timeout=3s --tls_ca="$TMP/ca.crt" >/dev/null 2>&1 \
  && fail "a client without a certificate got in"
"$LV" health --target="$INSPECTION" --timeout=3s --tls_ca="$TMP/ca.crt" \
  --tls_cert="$TMP/intruder.crt" --tls_key="$TMP/intruder.key" >/dev/null 2>&1 \
  && fail "a client with another CA's certificate got in"
"$LV" health --target="$INSPECTION" --timeout=3s --tls_ca="$TMP/rogue-ca.crt" \
  --tls_cert="$TMP/intruder.crt" --tls_key="$TMP/intruder.key" >/dev/null 2>&1 \
  && fail "the client trusted a server its CA did not sign"
echo "ok: only clients with a certificate of the CA get in, and they verify the server"

hp="$(health_port inspection)"
[ -n "$hp" ] && [ "$hp" -gt 0 ] || fail "no health port in the start line"
out="$("$LV" health --target="127.0.0.1:$hp")" || fail "plaintext health port: $out"
[[ "$out" == *" SERVING" ]] || fail "health port says: $out"
if "$LV" inspection very-weak --target="127.0.0.1:$hp" --token=dev.project_leader.t >"$TMP/hp.out" 2>&1; then
  fail "the health port serves the inspection API"
fi
grep -q "^lv: 12 " "$TMP/hp.out" || fail "health port answered the API with: $(cat "$TMP/hp.out")"
echo "ok: the plaintext health port answers health (port $hp) and nothing else (UNIMPLEMENTED)"

# coaching follows inspection's feed over mutual TLS: a verdict pushed to inspection raises the
# category of a trajectory in coaching.
C=lerenverbeteren.coaching.v1.CoachingService
"$LV" call --target="$COACHING" "${OPERATOR[@]}" --token=dev.service.intake --method=$C/OpenTrajectory \
  --json='{"match_id":"tls-1","school_brin":"77XY","coach":"c-1","departments":[
  {"department":"departments/77XY-00-havo","verdict":"VERDICT_SUFFICIENT"}]}' >"$TMP/open.json" \
  || fail "open trajectory over TLS"
T="$(grep -o '"name":"trajectories/[^"]*"' "$TMP/open.json" | head -1 | cut -d'"' -f4)"
verdict_raises_category "$INSPECTION" "$COACHING" "$T" tls-v1 "${OPERATOR[@]}"
echo "ok: coaching-svc follows inspection-svc's feed over mutual TLS"

# Bad TLS flags stop a server at start, naming the flag.
bad() {  # bad FLAG_NAME FLAGS...
  local name="$1"; shift
  if "$BUILD/inspection-svc/inspection-svc" --listen=127.0.0.1:0 --data_dir="$TMP/bad" "$@" \
      >"$TMP/bad.out" 2>&1; then
    fail "inspection-svc started with $*"
  fi
  grep -q -- "$name" "$TMP/bad.out" || fail "the error for $* does not name $name: $(cat "$TMP/bad.out")"
}
bad tls_key --tls_cert="$TMP/tls.crt"
bad tls_ca --tls_cert="$TMP/tls.crt" --tls_key="$TMP/tls.key" --tls_ca="$TMP/missing.crt"
bad tls_key --tls_cert="$TMP/tls.crt" --tls_key="$TMP/tls.crt"
bad tls_cert --tls_ca="$TMP/ca.crt"
echo "ok: bad TLS flags stop the server with an error naming the flag"
echo "1 passed, 0 failed"
