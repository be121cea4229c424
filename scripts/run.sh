#!/usr/bin/env bash
# The suite's main job on the embedded default: builds, starts the four services on SQLite files
# under ./data, shows each one's health and the methods it serves, and keeps them running until
# Ctrl-C (or, with --once, stops them again).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

once=false
[ "${1:-}" = "--once" ] && once=true
DATA_DIR="${LV_DATA_DIR:-$PWD/data}"
mkdir -p "$DATA_DIR"
RUN_DIR="$(mktemp -d)"
declare -A PORTS=([inspection]=7101 [intake]=7102 [coaching]=7103 [reporting]=7104)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$RUN_DIR"
}
trap cleanup EXIT INT TERM

for svc in inspection intake coaching reporting; do
  port="${PORTS[$svc]}"
  extra=()
  # coaching follows inspection's change feed (verdict changes during a trajectory).
  [ "$svc" = coaching ] && extra=(--inspection_target="127.0.0.1:${PORTS[inspection]}")
  [ "$svc" = intake ] && extra=(--inspection_target="127.0.0.1:${PORTS[inspection]}"
                                --coaching_target="127.0.0.1:${PORTS[coaching]}")
  [ "$svc" = reporting ] && extra=(--inspection_target="127.0.0.1:${PORTS[inspection]}"
                                   --intake_target="127.0.0.1:${PORTS[intake]}"
                                   --coaching_target="127.0.0.1:${PORTS[coaching]}")
  "build/$svc-svc/$svc-svc" --listen="127.0.0.1:$port" --data_dir="$DATA_DIR" \
    --port_file="$RUN_DIR/$svc.port" "${extra[@]}" >"$RUN_DIR/$svc.log" 2>&1 &
  pids+=($!)
done
for svc in inspection intake coaching reporting; do
  for _ in $(seq 1 100); do [ -s "$RUN_DIR/$svc.port" ] && break; sleep 0.1; done
  if [ ! -s "$RUN_DIR/$svc.port" ]; then
    echo "$svc-svc did not start:"; cat "$RUN_DIR/$svc.log"; exit 1
  fi
done

echo
echo "== Leren verbeteren suite: four services on SQLite under $DATA_DIR"
for svc in inspection intake coaching reporting; do
  port="${PORTS[$svc]}"
  printf '%-12s health: ' "$svc"
  build/cli/lv health --target="127.0.0.1:$port"
  node_modules/.bin/buf curl --protocol grpc --http2-prior-knowledge --list-methods \
    "http://127.0.0.1:$port" | sed 's/^/               serves /'
done
LATEST="$(ls ../shared/data/inspectorate/oordelen-*-scholen.ods 2>/dev/null | sort | tail -1 || true)"
if [ -n "$LATEST" ]; then
  echo "== Importing the inspectorate's newest publication: $(basename "$LATEST")"
  build/cli/lv inspection import --target=127.0.0.1:7101 --token=dev.project_leader.demo \
    --file="$LATEST" >/dev/null
  printf 'very weak departments now: '
  build/cli/lv inspection very-weak --target=127.0.0.1:7101 --token=dev.project_leader.demo \
    | grep -o '"name":"departments/[^/"]*"' | wc -l
  bash scripts/demo_programme.sh
fi
echo
echo
if $once; then
  echo "Stopping (--once)."
  exit 0
fi
echo "Running. Try:  build/cli/lv watch --target=127.0.0.1:7101 --feed=inspection --token=dev.service.me"
echo "Logs: $RUN_DIR/*.log   Stop with Ctrl-C."
wait
