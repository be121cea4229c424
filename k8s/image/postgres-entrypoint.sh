#!/bin/sh
# First start: initdb, then one role and one database per service (each service owns its own
# database; none reads another's). Passwords come from the environment (a Secret), never from a
# file in the image. Later starts only run the server.
set -eu
: "${PGDATA:?}" "${POSTGRES_PASSWORD:?set from the lv-postgres Secret}"
PGPORT="${PGPORT:-5432}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  mkdir -p "$PGDATA"
  chmod 700 "$PGDATA"
  pwfile="$(mktemp)"
  printf '%s' "$POSTGRES_PASSWORD" >"$pwfile"
  initdb -D "$PGDATA" -U postgres --pwfile="$pwfile" --auth-local=trust \
    --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p $PGPORT" -w start >/dev/null
  for service in inspection intake coaching reporting; do
    var="$(echo "${service}_PASSWORD" | tr a-z A-Z)"
    password="$(printenv "$var" || true)"
    [ -n "$password" ] || { echo "postgres-entrypoint: $var is not set" >&2; exit 1; }
    psql -v ON_ERROR_STOP=1 -q -p "$PGPORT" -U postgres -d postgres \
      -v role="$service" -v password="$password" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"role" OWNER :"role";
REVOKE ALL ON DATABASE :"role" FROM PUBLIC;
SQL
  done
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  echo "postgres-entrypoint: initialised $PGDATA with databases for the four services"
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' -p "$PGPORT"
