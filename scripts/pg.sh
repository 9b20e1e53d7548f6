#!/bin/sh
# A real PostgreSQL 15 server for the tests (docs/postgresql.md "Tests"):
# a temporary cluster in DIR, listening only on a Unix socket in DIR, run
# by an unprivileged user, with the database and roles a deployment has.
#
#   scripts/pg.sh start DIR   initdb DIR/data, start postgres, create the
#                             database `lofte`, the owner role lofte_owner
#                             and the read-only role lofte_analyst; prints
#                             the owner's connection URI
#   scripts/pg.sh env DIR     prints LOFTE_TEST_PG_URI=... and
#                             LOFTE_TEST_PG_ANALYST_URI=... (shell syntax)
#   scripts/pg.sh stop DIR    stop the server and remove DIR
#
# Run as root, the server runs as the `postgres` account (PostgreSQL
# refuses to run as root) and DIR is given to it; run as anyone else, it
# runs as that user. Authentication is `trust` on a socket whose directory
# only the server's user (and root) may enter: nothing else on the machine
# can reach it, and there is no TCP listener at all.
set -eu
PG_BIN=${LOFTE_PG_BIN:-/usr/lib/postgresql/15/bin}
PORT=5432 # only names the socket file (DIR/.s.PGSQL.5432): no TCP
cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || {
  echo "usage: scripts/pg.sh start|stop|env DIR" >&2
  exit 2
}
case "$dir" in /*) ;; *) dir="$(pwd)/$dir" ;; esac

as_server() {
  if [ "$(id -u)" -eq 0 ]; then
    setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
  else
    "$@"
  fi
}

uri() { # role
  echo "postgresql://$1@/lofte?host=$dir&port=$PORT"
}

case "$cmd" in
start)
  [ -x "$PG_BIN/postgres" ] || {
    echo "pg.sh: no PostgreSQL server in $PG_BIN (Debian: apt-get install postgresql)" >&2
    exit 1
  }
  if [ -f "$dir/data/postmaster.pid" ]; then
    "$0" stop "$dir" || true
  fi
  rm -rf "$dir"
  mkdir -p "$dir"
  chmod 0700 "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
  as_server "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 \
    --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    exit 1
  }
  # fsync stays on: the store's acks depend on a commit being durable, and
  # the tests measure nothing that fsync=off would make faster honestly.
  as_server "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses='' -c unix_socket_directories='$dir' -c port=$PORT \
        -c unix_socket_permissions=0700 -c max_connections=200" start >/dev/null || {
    cat "$dir/server.log" >&2
    exit 1
  }
  psql() { as_server "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p $PORT -U postgres "$@"; }
  psql -d postgres <<'EOF'
CREATE ROLE lofte_owner LOGIN CREATEDB;
CREATE ROLE lofte_analyst LOGIN;
CREATE DATABASE lofte OWNER lofte_owner;
-- the analysts' session: read only, and no query runs away with the server
ALTER ROLE lofte_analyst SET default_transaction_read_only = on;
ALTER ROLE lofte_analyst SET statement_timeout = '30s';
EOF
  psql -d lofte <<'EOF'
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO lofte_analyst;
ALTER SCHEMA public OWNER TO lofte_owner;
-- whatever the owner creates, in any schema, the analyst may read
ALTER DEFAULT PRIVILEGES FOR ROLE lofte_owner GRANT SELECT ON TABLES TO lofte_analyst;
ALTER DEFAULT PRIVILEGES FOR ROLE lofte_owner GRANT USAGE ON SCHEMAS TO lofte_analyst;
EOF
  uri lofte_owner
  ;;
env)
  echo "LOFTE_TEST_PG_URI='$(uri lofte_owner)'"
  echo "LOFTE_TEST_PG_ANALYST_URI='$(uri lofte_analyst)'"
  ;;
stop)
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_server "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null || true
  fi
  rm -rf "$dir"
  ;;
*)
  echo "usage: scripts/pg.sh start|stop|env DIR" >&2
  exit 2
  ;;
esac
