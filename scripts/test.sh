#!/usr/bin/env bash
# The whole test suite: set-up and build, proto lint, then every test (unit, service, SQLite,
# PostgreSQL, end-to-end). PostgreSQL tests run against a throwaway server that pg_virtualenv
# starts and removes; a server that does not start fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

echo "== buf lint"
node_modules/.bin/buf lint
echo "buf lint: clean"

echo "== tests"
# pg_virtualenv starts a throw-away cluster and exports PGHOST etc.; -t keeps that cluster in a
# temporary directory, so a cluster left behind by an interrupted run can never block this one.
pg_virtualenv -t -- ctest --test-dir build --output-on-failure --parallel "$(nproc)" "$@"
