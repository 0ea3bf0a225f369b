#!/usr/bin/env bash
# A throwaway PostgreSQL server for the store's tests.
#
#   eval "$(bash scripts/test-postgres.sh start)"   # starts it (or finds it running)
#   go test ./internal/store/...                    # now also runs against PostgreSQL
#   bash scripts/test-postgres.sh stop              # stops it and deletes its data
#
# start prints one line on stdout, for eval:
#   export SAMIZDAT_TEST_POSTGRES=postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable
# Everything else goes to stderr. Running start again while the server runs
# only prints that line again.
#
# The cluster lives in $SAMIZDAT_PG_DIR (default /tmp/samizdat-test-postgres),
# listens on 127.0.0.1 only, on $SAMIZDAT_PG_PORT (default 55432, or the next
# free port), trusts local connections and runs with fsync off: test data only.
# As root, the server runs as the postgres user (initdb refuses root).
set -euo pipefail

DIR="${SAMIZDAT_PG_DIR:-/tmp/samizdat-test-postgres}"
PORT="${SAMIZDAT_PG_PORT:-55432}"
DATA="$DIR/data"

log() { echo "test-postgres: $*" >&2; }

# bindir finds the server binaries: $PG_BIN, Debian's newest, or the PATH.
bindir() {
  if [ -n "${PG_BIN:-}" ]; then echo "$PG_BIN"; return; fi
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -n "$d" ] && [ -x "$d/initdb" ]; then echo "$d"; return; fi
  if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return; fi
  return 1
}

# as_owner runs a command as the user who owns the cluster.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

export_line() {
  echo "export SAMIZDAT_TEST_POSTGRES='postgres://postgres@127.0.0.1:$(cat "$DIR/port")/postgres?sslmode=disable'"
}

running() {
  [ -f "$DIR/port" ] && [ -f "$DATA/postmaster.pid" ] && as_owner "$BIN/pg_ctl" status -D "$DATA" >/dev/null 2>&1
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

install_server() {
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    log "PostgreSQL server binaries not found (set PG_BIN=/path/to/bin)"
    exit 1
  fi
  log "installing PostgreSQL (Debian package)..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
}

start() {
  BIN="$(bindir || true)"
  if [ -z "$BIN" ]; then
    install_server
    BIN="$(bindir)"
  fi
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    log "running as root but there is no postgres user to run the server"
    exit 1
  fi
  if running; then
    export_line
    return
  fi
  mkdir -p "$DIR"
  chmod 700 "$DIR"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$DIR"; fi
  if [ ! -f "$DATA/PG_VERSION" ]; then
    rm -rf "$DATA"
    log "initdb $DATA"
    if ! as_owner "$BIN/initdb" -D "$DATA" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1; then
      rm -rf "$DATA"
      as_owner "$BIN/initdb" -D "$DATA" -A trust -U postgres -E UTF8 --locale=C >"$DIR/initdb.log" 2>&1 ||
        { cat "$DIR/initdb.log" >&2; exit 1; }
    fi
  fi
  rm -f "$DATA/postmaster.pid" # left by a server killed with its machine
  local p=$PORT
  while port_busy "$p"; do
    p=$((p + 1))
    if [ "$p" -gt $((PORT + 100)) ]; then log "no free port from $PORT"; exit 1; fi
  done
  echo "$p" >"$DIR/port"
  log "starting $BIN/postgres on 127.0.0.1:$p"
  if ! as_owner "$BIN/pg_ctl" start -D "$DATA" -l "$DIR/server.log" -w -t 60 \
    -o "-p $p -h 127.0.0.1 -k $DIR -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=200 -c shared_buffers=128MB" >&2; then
    tail -n 30 "$DIR/server.log" >&2 || true
    exit 1
  fi
  for _ in $(seq 1 60); do
    if "$BIN/pg_isready" -q -h 127.0.0.1 -p "$p" -U postgres; then
      export_line
      return
    fi
    sleep 0.5
  done
  log "server did not become ready; see $DIR/server.log"
  exit 1
}

stop() {
  BIN="$(bindir || true)"
  if [ -n "$BIN" ] && [ -f "$DATA/postmaster.pid" ]; then
    as_owner "$BIN/pg_ctl" stop -D "$DATA" -m immediate >&2 || true
  fi
  rm -rf "$DIR"
  log "stopped"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status)
  BIN="$(bindir)"
  if running; then export_line; else log "not running"; exit 1; fi
  ;;
*)
  echo "usage: $0 start|stop|status" >&2
  exit 2
  ;;
esac
