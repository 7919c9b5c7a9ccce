#!/usr/bin/env bash
# Start a throwaway PostgreSQL server on 127.0.0.1 for the store tests (Debian's packages).
# Prints the SQLAlchemy URL on its last line. Idempotent: a server already running is reused.
set -euo pipefail
PORT="${REVIEWLENS_PG_PORT:-55432}"
DIR="${REVIEWLENS_PG_DIR:-/tmp/reviewlens-pg}"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  echo "installing PostgreSQL (apt-get)..." >&2
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >&2
fi
BIN="$(dirname "$(ls -d /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -1)")"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if ! as_pg "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
  if [ ! -f "$DIR/PG_VERSION" ]; then
    mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$DIR"
    as_pg "$BIN/initdb" -D "$DIR" -U reviewlens --auth=trust >/dev/null
  fi
  as_pg "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$DIR -c fsync=off" start >&2
fi
as_pg "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U reviewlens -d postgres -tAc \
  "SELECT 1 FROM pg_database WHERE datname='reviewlens_test'" | grep -q 1 || \
  as_pg "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U reviewlens reviewlens_test
echo "postgresql://reviewlens@127.0.0.1:$PORT/reviewlens_test"
