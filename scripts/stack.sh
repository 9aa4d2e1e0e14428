#!/usr/bin/env bash
# Starts or stops Tandem's local stack: FerretDB (embedded, SQLite backend) and Redis.
# Idempotent: a server that already answers is left alone, and only what this
# script started is stopped. MONGODB_URI / REDIS_URL, when set, are used as given.
set -euo pipefail
cd "$(dirname "$0")/.."

LOCAL=.local
RUN=$LOCAL/run
FERRET_BIN=$LOCAL/bin/ferretdb
FERRET_ADDR=${FERRETDB_LISTEN:-127.0.0.1:27017}
REDIS_PORT=${REDIS_PORT:-6379}
mkdir -p "$RUN" "$LOCAL/bin" "$LOCAL/data"

say() { printf 'stack: %s\n' "$*" >&2; }

port_open() { (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null; }

wait_for() { # name addr seconds
  local i
  for ((i = 0; i < $3 * 10; i++)); do port_open "$2" && return 0; sleep 0.1; done
  say "$1 did not answer on $2 within $3 s"; return 1
}

go_bin() {
  if command -v go >/dev/null 2>&1; then command -v go; elif [ -x /usr/local/go/bin/go ]; then echo /usr/local/go/bin/go
  else say "Go is needed to build FerretDB (https://go.dev/dl) or set MONGODB_URI to a MongoDB you run"; exit 1; fi
}

build_ferretdb() {
  # FerretDB 1.24's SQLite backend creates the _id index on `->"_id"` but queries `->'$._id'`, so SQLite never uses
  # the index and every find, update and delete by _id scans its whole collection. FerretDB is built from a copy of
  # its module whose one query expression is written as the index's (`->'_id'`, the same JSON path), through an
  # alternate go.mod (-modfile) that points at the copy; tools/ferretdb/go.mod stays as published.
  local go root src
  go=$(go_bin)
  root=$PWD
  src=$PWD/$LOCAL/ferretdb-src
  (
    cd tools/ferretdb
    "$go" mod download github.com/FerretDB/FerretDB
    rm -rf "$src"
    cp -r "$("$go" list -m -f '{{.Dir}}' github.com/FerretDB/FerretDB)" "$src"
    chmod -R u+w "$src"
    local meta=$src/internal/backends/sqlite/metadata/metadata.go old new content
    old="IDColumn = DefaultColumn + \"->'\$._id'\""
    new="IDColumn = DefaultColumn + \"->'_id'\""
    content=$(<"$meta")
    [[ $content == *"$old"* ]] || { say "FerretDB's $meta no longer has $old: review the _id index fix"; exit 1; }
    printf '%s\n' "${content/"$old"/"$new"}" >"$meta"
    # FerretDB 1.24 runs update, findAndModify, delete and insert as read -> change in Go -> write, separate backend
    # calls with nothing between them: 50 concurrent $inc on one document left 3, and a guarded findAndModify
    # ({count: {$lt: 5}}) let 7 of 20 through. MongoDB applies a write to one document atomically, and Tandem relies
    # on it. tools/ferretdb/_patch/tandem_serialise_writes.go wraps those four commands' handlers in one lock per
    # database, hooked in right after the handler builds its command table. Chosen over running each
    # read-modify-write in one SQLite immediate transaction because SQLite admits one writer per database file
    # anyway (so the lock costs little: bench/README.md, "FerretDB writes"), and because it is one new file plus a
    # one-line hook instead of edits through the handler and the backend. FERRETDB_ATOMIC_WRITES=off builds without
    # it, only to measure that cost.
    if [ "${FERRETDB_ATOMIC_WRITES:-on}" != off ]; then
      local hook=$src/internal/handler/handler.go
      old=$'\th.initCommands()\n'
      content=$(<"$hook")
      [[ $content == *"$old"* && ${content#*"$old"} != *"$old"* ]] || {
        say "FerretDB's $hook no longer calls h.initCommands() once: review the atomic writes patch"; exit 1; }
      printf '%s\n' "${content/"$old"/"$old"$'\th.serialiseWrites()\n'}" >"$hook"
      grep -q 'cmd.Handler(connCtx, msg)' "$src/internal/clientconn/conn.go" || {
        say "FerretDB no longer dispatches through h.Commands(): review the atomic writes patch"; exit 1; }
      cp _patch/tandem_serialise_writes.go "$src/internal/handler/"
    fi
    { cat go.mod; printf '\nreplace github.com/FerretDB/FerretDB => %s\n' "$src"; } >"$root/$RUN/ferretdb.mod"
    cp go.sum "$root/$RUN/ferretdb.sum"
    # go build is incremental (content-addressed cache): quick when nothing changed.
    "$go" build -trimpath -modfile "$root/$RUN/ferretdb.mod" -o "$root/$FERRET_BIN" .
  ) || { say "building FerretDB failed"; exit 1; }
}

start_ferretdb() {
  if [ -n "${MONGODB_URI:-}" ]; then say "MONGODB_URI is set: using it, not starting FerretDB"; return; fi
  if port_open "$FERRET_ADDR"; then say "MongoDB-compatible server already answers on $FERRET_ADDR"; return; fi
  build_ferretdb
  nohup "$FERRET_BIN" -listen "$FERRET_ADDR" -data-dir "$LOCAL/data/ferretdb" -log-level error ${FERRETDB_DEBUG_ADDR:+-debug-addr "$FERRETDB_DEBUG_ADDR"} >"$RUN/ferretdb.log" 2>&1 &
  echo $! >"$RUN/ferretdb.pid"
  wait_for FerretDB "$FERRET_ADDR" 60 || { cat "$RUN/ferretdb.log" >&2; exit 1; }
  say "FerretDB started on $FERRET_ADDR (data in $LOCAL/data/ferretdb)"
}

start_redis() {
  if [ -n "${REDIS_URL:-}" ]; then say "REDIS_URL is set: using it, not starting Redis"; return; fi
  if port_open "127.0.0.1:$REDIS_PORT"; then say "Redis already answers on 127.0.0.1:$REDIS_PORT"; return; fi
  if ! command -v redis-server >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      say "installing redis-server"; (apt-get update -qq && apt-get install -y -qq redis-server) >/dev/null
    else say "redis-server is not installed (apt-get install redis-server, or set REDIS_URL)"; exit 1; fi
  fi
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
    --pidfile "$PWD/$RUN/redis.pid" --logfile "$PWD/$RUN/redis.log" --dir "$PWD/$LOCAL/data"
  wait_for Redis "127.0.0.1:$REDIS_PORT" 20
  say "Redis started on 127.0.0.1:$REDIS_PORT"
}

stop_one() { # name pidfile
  [ -f "$2" ] || return 0
  local pid; pid=$(cat "$2")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    say "$1 stopped"
  fi
  rm -f "$2"
}

case "${1:-}" in
  start) start_ferretdb; start_redis ;;
  stop) stop_one FerretDB "$RUN/ferretdb.pid"; stop_one Redis "$RUN/redis.pid" ;;
  build) build_ferretdb ;;
  *) echo "usage: $0 start|stop|build" >&2; exit 2 ;;
esac
