#!/bin/sh
# First start: initdb, then one role and one database per service (each service owns its own
# database; none reads another's). Passwords come from the environment (a Secret), never from a
# file in the image. Later starts only run the server.
#
# Everything written lives on the data volume, sockets included: the root filesystem is read-only
# and an emptyDir is not writable for this user everywhere (podman's is root's).
# The cluster is made in a side directory and renamed into place when complete, so a start that
# dies half-way leaves nothing that a later start would take for a finished one.
set -eu
: "${PGDATA:?}" "${POSTGRES_PASSWORD:?set from the lv-postgres Secret}"
PGPORT="${PGPORT:-5432}"
volume="$(dirname "$PGDATA")"
sockets="$volume/sockets"
mkdir -p "$sockets"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  init="$PGDATA.init"
  rm -rf "$init"
  mkdir -m 700 "$init"
  pwfile="$volume/.pwfile"
  (umask 077 && printf '%s' "$POSTGRES_PASSWORD" >"$pwfile")
  initdb -D "$init" -U postgres --pwfile="$pwfile" --auth-local=trust \
    --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
  echo "host all all all scram-sha-256" >>"$init/pg_hba.conf"
  pg_ctl -D "$init" -l "$volume/init.log" -o "-c listen_addresses='' -p $PGPORT -k $sockets" -w start >/dev/null
  for service in inspection intake coaching reporting; do
    var="$(echo "${service}_PASSWORD" | tr a-z A-Z)"
    password="$(printenv "$var" || true)"
    [ -n "$password" ] || { echo "postgres-entrypoint: $var is not set" >&2; exit 1; }
    psql -v ON_ERROR_STOP=1 -q -h "$sockets" -p "$PGPORT" -U postgres -d postgres \
      -v role="$service" -v password="$password" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"role" OWNER :"role";
REVOKE ALL ON DATABASE :"role" FROM PUBLIC;
SQL
  done
  pg_ctl -D "$init" -m fast -w stop >/dev/null
  rm -rf "$PGDATA"
  mv "$init" "$PGDATA"
  echo "postgres-entrypoint: initialised $PGDATA with databases for the four services"
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' -p "$PGPORT" -c unix_socket_directories="$sockets"
