#!/usr/bin/env bash
# The whole test suite: set-up and build, proto lint, then every test (unit, service, SQLite,
# PostgreSQL, end-to-end). PostgreSQL tests run against a throwaway server that pg_virtualenv
# starts and removes; a server that does not start fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
# podman (with runc, catatonit for its pause image and CNI plugins) runs the dev overlay in the
# deployment smoke test; debootstrap makes the local Debian base image the images build on;
# openssl makes the test certificates, keys and tokens.
LV_EXTRA_PACKAGES="podman runc catatonit containernetworking-plugins debootstrap openssl" bash scripts/setup.sh
# kubectl (with kustomize) renders the manifests; Debian does not package it and no registry
# can provide it here, so a machine without it fails now, saying so, instead of skipping tests.
command -v kubectl >/dev/null || { echo "kubectl is missing: the k8s tests need it to render k8s/overlays"; exit 1; }

echo "== buf lint"
node_modules/.bin/buf lint
echo "buf lint: clean"

echo "== tests"
# pg_virtualenv starts a throw-away cluster and exports PGHOST etc.; -t keeps that cluster in a
# temporary directory, so a cluster left behind by an interrupted run can never block this one.
pg_virtualenv -t -- ctest --test-dir build --output-on-failure --parallel "$(nproc)" "$@"
