#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL 15 on 127.0.0.1, e.g.
#
#   scripts/with-postgres.sh cargo test --release --test api
#
# The server gets its own data, socket and log directories in a temporary directory, a free port, and the
# durability settings production needs (fsync, synchronous_commit and full_page_writes on). A role that may
# create databases is made for the command, which finds the server in
#   ATLAS_INVITES_TEST_POSTGRES_URL=postgres://USER:PASSWORD@127.0.0.1:PORT/DATABASE
# (the integration tests then create a fresh database per test on it). The server is stopped and the directory
# removed however the command ends; the command's exit status is the script's. If PostgreSQL cannot be started
# the script fails: it never runs the command without it.
set -euo pipefail

PG_VERSION=15
PG_BIN=/usr/lib/postgresql/$PG_VERSION/bin

die() {
  echo "with-postgres.sh: $*" >&2
  exit 1
}

[ $# -gt 0 ] || die "usage: scripts/with-postgres.sh COMMAND [ARGS...]"

if ! ls "$PG_BIN"/initdb "$PG_BIN"/pg_ctl "$PG_BIN"/postgres "$PG_BIN"/psql >/dev/null 2>&1; then
  [ "$(id -u)" -eq 0 ] || die "PostgreSQL $PG_VERSION is not installed in $PG_BIN; install postgresql-$PG_VERSION (as root)"
  echo "with-postgres.sh: installing postgresql-$PG_VERSION" >&2
  apt-get update >&2 || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y "postgresql-$PG_VERSION" >&2 ||
    die "apt-get install postgresql-$PG_VERSION failed"
  ls "$PG_BIN"/initdb "$PG_BIN"/pg_ctl "$PG_BIN"/postgres "$PG_BIN"/psql >/dev/null ||
    die "postgresql-$PG_VERSION installed, but $PG_BIN is incomplete"
fi

# PostgreSQL refuses to run as root: as root, run it as the postgres user; otherwise as ourselves.
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || die "running as root, but there is no postgres user to run the server as"
  as_pg=(runuser -u postgres --)
  pg_owner=postgres
else
  as_pg=()
  pg_owner=$(id -un)
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/atlas-invites-pg.XXXXXX")
data=$dir/data
run=$dir/run
log=$dir/postgres.log
started=

cleanup() {
  local status=$?
  if [ -n "$started" ]; then
    "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 ||
      "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

chown "$pg_owner" "$dir"
chmod 700 "$dir"
"${as_pg[@]}" mkdir -m 700 "$run"

"${as_pg[@]}" "$PG_BIN/initdb" -D "$data" -U postgres --encoding=UTF8 --auth-local=trust \
  --auth-host=scram-sha-256 --no-instructions >"$dir/initdb.log" 2>&1 ||
  { cat "$dir/initdb.log" >&2; die "initdb failed"; }

# A port nothing listens on; if another process takes it before the server binds, try another.
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
}

for attempt in 1 2 3 4 5; do
  port=$(free_port)
  if "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$data" -l "$log" -w -t 60 start -o "-c listen_addresses=127.0.0.1 \
      -c port=$port -c unix_socket_directories=$run -c max_connections=200 \
      -c fsync=on -c synchronous_commit=on -c full_page_writes=on" >/dev/null; then
    started=1
    break
  fi
  "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
done
if [ -z "$started" ]; then
  [ -f "$log" ] && tail -n 30 "$log" >&2
  die "PostgreSQL $PG_VERSION did not start (log above)"
fi

password=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
"${as_pg[@]}" "$PG_BIN/psql" -X -q -h "$run" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
  -c "CREATE ROLE atlas_test LOGIN CREATEDB PASSWORD '$password'" \
  -c "CREATE DATABASE atlas_test OWNER atlas_test" >&2 ||
  die "could not create the test role and database"

export ATLAS_INVITES_TEST_POSTGRES_URL="postgres://atlas_test:$password@127.0.0.1:$port/atlas_test"
echo "with-postgres.sh: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2

set +e
"$@"
status=$?
set -e
exit "$status"
