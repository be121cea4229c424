#!/usr/bin/env bash
# Builds the five images of the suite from the binaries in build/ (run scripts/setup.sh first):
# localhost/lv-{inspection,intake,coaching,reporting}:dev and localhost/lv-postgres:dev.
# Uses BASE_IMAGE if set, else the local debootstrap base (made on first use), and never pulls.
set -euo pipefail
cd "$(dirname "$0")/../.."
TAG="${LV_IMAGE_TAG:-dev}"
BASE="${BASE_IMAGE:-localhost/lv-debian:12}"
if [ -z "${BASE_IMAGE:-}" ]; then bash k8s/image/make-base.sh; fi
for service in inspection intake coaching reporting; do
  [ -x "build/$service-svc/$service-svc" ] || { echo "build/$service-svc/$service-svc missing: run scripts/setup.sh"; exit 1; }
done
for service in inspection intake coaching reporting; do
  echo "== image localhost/lv-$service:$TAG"
  podman build --pull=never -q -f k8s/image/Containerfile --build-arg BASE_IMAGE="$BASE" \
    --build-arg BINARIES=prebuilt --build-arg SERVICE="$service" -t "localhost/lv-$service:$TAG" . >/dev/null
done
echo "== image localhost/lv-postgres:$TAG"
podman build --pull=never -q -f k8s/image/postgres.Containerfile --build-arg BASE_IMAGE="$BASE" \
  -t "localhost/lv-postgres:$TAG" . >/dev/null
# The intermediate stages (a full Debian with the libraries, ~550 MB each) and the images these
# tags pointed to before are not needed again; the labels keep anyone else's untagged images out.
podman image prune -f --filter label=lerenverbeteren.build-stage=true >/dev/null
podman image prune -f --filter label=lerenverbeteren.suite=true >/dev/null
podman images --filter reference='localhost/lv-*' --format '{{.Repository}}:{{.Tag}} {{.Size}}'
