# Helpers shared by the cross-service shell tests. Expects LV (the cli) to be defined.

# start_process_test [COMMAND...]: a temp dir TMP, removed at exit with every process listed in
# pids killed; fail() then prints the tail of each *.log in TMP before failing. Fails at once
# when one of the COMMANDs the test needs is missing.
start_process_test() {
  TMP="$(mktemp -d)"
  pids=()
  trap 'for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done; rm -rf "$TMP"' EXIT
  for c in "$@"; do command -v "$c" >/dev/null || fail "$c is not installed"; done
}
fail() {
  echo "FAIL: $*"
  for f in "${TMP:-/nonexistent}"/*.log; do
    [ -e "$f" ] && { echo "--- $f"; tail -5 "$f"; }
  done
  exit 1
}

# verdict_raises_category INSPECTION COACHING TRAJECTORY SOURCE_ID [lv flags...]: the inspectorate
# pushes an INSUFFICIENT verdict for 77XY-00-havo to inspection-svc; coaching-svc must see it on
# the feed and raise the trajectory's category to INSUFFICIENT. The callers' tokens are
# $INSPECTORATE_TOKEN and $READER_TOKEN (dev tokens by default).
verdict_raises_category() {
  local inspection="$1" coaching="$2" trajectory="$3" source_id="$4"; shift 4
  "$LV" call --target="$inspection" "$@" --token="${INSPECTORATE_TOKEN:-dev.inspectorate.t}" \
    --method=lerenverbeteren.inspection.v1.InspectionService/RecordVerdict --json="{\"department\":
    {\"brin\":\"77XY\",\"location\":\"00\",\"school_type\":\"SCHOOL_TYPE_HAVO\"},
    \"source_record_id\":\"$source_id\",\"verdict\":{\"value\":\"VERDICT_INSUFFICIENT\",
    \"established_date\":{\"year\":2026,\"month\":3,\"day\":1}}}" >/dev/null || fail "push a verdict"
  local category="" want='"category":"TRAJECTORY_CATEGORY_INSUFFICIENT"'
  for _ in $(seq 1 200); do
    category="$("$LV" call --target="$coaching" "$@" --token="${READER_TOKEN:-dev.project_leader.t}" \
      --method=lerenverbeteren.coaching.v1.CoachingService/GetTrajectory \
      --json="{\"name\":\"$trajectory\"}" | grep -o '"category":"[A-Z_]*"')"
    [ "$category" = "$want" ] && return 0
    sleep 0.05
  done
  fail "category via the inspection feed: $category"
}

# mint KEY ROLE SUB [EXP_OFFSET_SECONDS] [ISSUER]: a JWT as the identity provider issues it, signed
# RS256 with $KEYS/KEY.key (openssl's PKCS#1 v1.5 signature is the JWS signature as it is).
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
mint() {
  local now exp header payload
  now=$(date +%s); exp=$((now + ${4:-300}))
  header=$(printf '{"alg":"RS256","typ":"JWT"}' | b64url)
  payload=$(printf '{"iss":"%s","aud":"leren-verbeteren","sub":"%s","role":"%s","iat":%d,"exp":%d}' \
    "${5:-https://idp.test}" "$3" "$2" "$now" "$exp" | b64url)
  printf '%s.%s.%s' "$header" "$payload" \
    "$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -sign "$KEYS/$1.key" | b64url)"
}
