#!/usr/bin/env bash
# Starts or stops Tandem's local stack: FerretDB (embedded, SQLite backend) and Redis.
# Idempotent: a server that already answers is left alone, and only what this
# script started is stopped.
#
# Where: FERRETDB_LISTEN (host:port, default 127.0.0.1:27017; MONGODB_PORT=27018 is a
# shorthand) and REDIS_PORT (default 6379). MONGODB_URI / REDIS_URL, when set, are used as
# given: a server on this machine (127.0.0.1, localhost) is started on the URL's port if
# nothing answers there; a server elsewhere is left to whoever runs it.
#
# STACK_OWN_REDIS=1 (npm run demo sets it) refuses a Redis already answering on the port
# unless this stack started it (its pidfile is a Tandem stack's .local/run/redis*.pid
# holding that server's pid), instead of silently sharing another program's Redis;
# REDIS_REUSE=1 reuses it knowingly.
set -euo pipefail
cd "$(dirname "$0")/.."

LOCAL=.local
RUN=$LOCAL/run
FERRET_BIN=$LOCAL/bin/ferretdb
FERRET_ADDR=${FERRETDB_LISTEN:-127.0.0.1:${MONGODB_PORT:-27017}}
REDIS_PORT_GIVEN=${REDIS_PORT:-${REDIS_URL:-}}
REDIS_PORT=${REDIS_PORT:-6379}
START_FERRETDB=1
START_REDIS=1

# A URL naming this machine says where to start the server; one naming another host means: start nothing.
if [ -n "${MONGODB_URI:-}" ]; then
  if [[ $MONGODB_URI =~ ^mongodb://([^/@]*@)?(127\.0\.0\.1|localhost)(:([0-9]+))?(/|\?|$) ]]; then
    FERRET_ADDR=127.0.0.1:${BASH_REMATCH[4]:-27017}
  else START_FERRETDB=0; fi
fi
if [ -n "${REDIS_URL:-}" ]; then
  if [[ $REDIS_URL =~ ^redis://([^/@]*@)?(127\.0\.0\.1|localhost)(:([0-9]+))?(/|$) ]]; then
    REDIS_PORT=${BASH_REMATCH[4]:-6379}
  else START_REDIS=0; fi
fi
# The default ports keep the historical file names; other ports get their own data, pid and log files.
FERRET_SUFFIX=$([ "${FERRET_ADDR##*:}" = 27017 ] && echo "" || echo "-${FERRET_ADDR##*:}")
REDIS_SUFFIX=$([ "$REDIS_PORT" = 6379 ] && echo "" || echo "-$REDIS_PORT")
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
    # FerretDB 1.24's update command defers closing each statement's query iterator to the end of the command (a
    # `defer` inside its loop over the statements), so every statement that matches a document keeps a SQLite
    # connection until the command ends: from about the 100th (the pool's size) the command waits forever, holding
    # the database's write lock. It also numbers upserted ids by upsert instead of by statement. Both fixed here:
    # the iterator is closed when its statement is done, and an upsert reports its statement's index, as MongoDB does
    # (test/integration/ferretdb-update-batch.test.ts).
    local upd=$src/internal/handler/msg_update.go
    content=$(<"$upd")
    local loop=$'\tfor _, u := range params.Updates {\n' defer=$'\t\tcloser := iterator.NewMultiCloser()\n\t\tdefer closer.Close()\n'
    local apply=$'\t\tresult, err := common.UpdateDocument(ctx, c, "update", iter, &u)\n' index=$'"index", int32(upserted.Len()),'
    for part in "$loop" "$defer" "$apply" "$index"; do
      [[ $content == *"$part"* && ${content#*"$part"} != *"$part"* ]] || { say "FerretDB's $upd changed: review the update iterator fix"; exit 1; }
    done
    content=${content/"$loop"/$'\tfor i, u := range params.Updates {\n'}
    content=${content/"$defer"/$'\t\tcloser := iterator.NewMultiCloser()\n'}
    content=${content/"$apply"/"$apply"$'\t\tcloser.Close()\n'}
    content=${content/"$index"/'"index", int32(i),'}
    printf '%s\n' "$content" >"$upd"
    # FerretDB 1.24's SQLite backend pushes an `_id` equality down to SQLite only when it is the filter's one key, so
    # a guarded write by _id ({_id: x, status: 'open'}, {_id: x, keys: {$ne: k}}) reads and decodes every row of the
    # collection. Every handler filters what the backend returns again in Go (FilterIterator, FilterDocument, $match),
    # so narrowing the SQL to the one row whose _id is x is right whatever else the filter says, as MongoDB serves
    # such a filter from its _id index. Patched in Query and Explain (where the pushdown stays reported as full only
    # for a lone _id); test/integration/store-ferretdb.test.ts checks SQLite's plan for a guarded filter.
    local coll=$src/internal/backends/sqlite/collection.go one=$'\tif params.Filter.Len() == 1 {\n\t\tv, _ := params.Filter.Get("_id")\n'
    local full=$'\t\t\tfilterPushdown = true\n'
    content=$(<"$coll")
    [[ $content == *"$one"*"$one"* && ${content#*"$one"*"$one"} != *"$one"* && $content == *"$full"* ]] || {
      say "FerretDB's $coll changed: review the guarded _id pushdown"; exit 1; }
    content=${content//"$one"/$'\tif params.Filter.Len() > 0 {\n\t\tv, _ := params.Filter.Get("_id")\n'}
    content=${content/"$full"/$'\t\t\tfilterPushdown = params.Filter.Len() == 1\n'}
    # Nor does it push down `{_id: {$in: [...]}}` (a check-in firing reads 25 members' check-ins so): every row of the
    # collection read and decoded for each such read. tools/ferretdb/_patch/tandem_id_in.go writes it as
    # `WHERE <_id> IN (...)` for strings and ObjectIDs, hooked in Query and Explain right after their _id equality;
    # FilterPushdown stays false (the same reasoning as above). test/integration/store-ferretdb.test.ts checks the plan.
    local eq=$'\t\t\targs = []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}\n\t\t}\n\t}\n'
    [[ $content == *"$eq"*"$eq"* && ${content#*"$eq"*"$eq"} != *"$eq"* ]] || {
      say "FerretDB's $coll changed: review the _id \$in pushdown"; exit 1; }
    content=${content//"$eq"/"$eq"$'\twhereClause, args = tandemIDIn(params.Filter, whereClause, args)\n'}
    printf '%s\n' "$content" >"$coll"
    cp _patch/tandem_id_in.go "$src/internal/backends/sqlite/"
    # FerretDB 1.24's SQLite ListCollections deep-copies and sorts every collection's metadata to answer for one
    # named collection, which find, explain and aggregate ask for on every command: 7.7 % of FerretDB's CPU through
    # a check-in fan-out. tools/ferretdb/_patch/tandem_list_one.go copies only the one named (bench/README.md,
    # "KPI samples to breach alerts", 2026-11-27).
    local dbgo=$src/internal/backends/sqlite/database.go
    local lc=$'ListCollections(ctx context.Context, params *backends.ListCollectionsParams) (*backends.ListCollectionsResult, error) {\n\tlist, err := db.r.CollectionList(ctx, db.name)\n'
    content=$(<"$dbgo")
    [[ $content == *"$lc"* && ${content#*"$lc"} != *"$lc"* ]] || { say "FerretDB's $dbgo changed: review the one-collection list patch"; exit 1; }
    printf '%s\n' "${content/"$lc"/${lc/db.r.CollectionList(ctx, db.name)/tandemCollectionList(ctx, db.r, db.name, params)}}" >"$dbgo"
    cp _patch/tandem_list_one.go "$src/internal/backends/sqlite/"
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
    # FerretDB 1.24 logs every SQL statement at debug level as `l.With(fields...).DebugContext(...)`: With on a text
    # handler formats its attributes at once, the statement's arguments (whole documents as JSON) quoted, before
    # DebugContext finds debug off. That was 11.5 % of FerretDB's CPU in a profile of bench:alertmanager. Each such
    # line now runs only when debug is enabled (bench/README.md, "FerretDB writes").
    local f
    for f in "$src/internal/util/fsql/db.go" "$src/internal/util/fsql/tx.go"; do
      [ "$(grep -cE $'^\t(db|tx)\\.l\\.With\\(fields\\.\\.\\.\\)\\.DebugContext\\(ctx, fmt\\.Sprintf\\(' "$f")" = 6 ] || {
        say "FerretDB's $f changed: review the debug logging patch"; exit 1; }
      sed -E -i $'s/^\t(db|tx)\\.l\\.With(.*)$/\tif \\1.l.Enabled(ctx, slog.LevelDebug) {\\n\t\t\\1.l.With\\2\\n\t}/' "$f"
    done
    # FerretDB 1.24 tracks every iterator, transaction and query result it creates (resource.Track): a pprof profile
    # entry with the creator's stack (runtime.Callers) and a finalizer that panics if the object is never closed, and
    # Untrack undoes both. A leak check for FerretDB's own tests, run in release builds too: ~8 % of FerretDB's CPU
    # in a profile of bench:alertmanager. Both now return at once unless FerretDB is a debug build (bench/README.md,
    # "FerretDB writes").
    local res=$src/internal/util/resource/resource.go
    local chk=$'\tcheckArgs(obj, token)\n'
    content=$(<"$res")
    [[ $content == *$'func Track(obj any, token *Token) {\n'"$chk"* && $content == *$'func Untrack(obj any, token *Token) {\n'"$chk"* &&
      $(grep -c 'checkArgs(obj, token)' "$res") = 2 && $content == *'"github.com/FerretDB/FerretDB/internal/util/debugbuild"'* ]] || {
      say "FerretDB's $res changed: review the resource tracking patch"; exit 1; }
    printf '%s\n' "${content//"$chk"/"$chk"$'\n\tif !debugbuild.Enabled {\n\t\treturn\n\t}\n'}" >"$res"
    # FerretDB 1.24 decodes a document's schema (`$s`) with encoding/json on every read of the document;
    # tools/ferretdb/_patch/tandem_schema_cache.go keeps decoded schemas by their JSON text, and sjson.Unmarshal
    # takes its schema from there (bench/README.md, "FerretDB writes").
    local sj=$src/internal/handler/sjson/sjson.go
    local dec=$'\tvar sch schema\n\tr = bytes.NewReader(jsch)\n\tdec = json.NewDecoder(r)\n\tdec.DisallowUnknownFields()\n\n\tif err := dec.Decode(&sch); err != nil {\n\t\treturn nil, lazyerrors.Error(err)\n\t}\n\n\tif err := checkConsumed(dec, r); err != nil {\n\t\treturn nil, lazyerrors.Error(err)\n\t}\n'
    content=$(<"$sj")
    [[ $content == *"$dec"* && ${content#*"$dec"} != *"$dec"* ]] || {
      say "FerretDB's $sj changed: review the schema cache patch"; exit 1; }
    printf '%s\n' "${content/"$dec"/$'\tsch, err := tandemSchema(jsch)\n\tif err != nil {\n\t\treturn nil, lazyerrors.Error(err)\n\t}\n'}" >"$sj"
    cp _patch/tandem_schema_cache.go "$src/internal/handler/sjson/"
    { cat go.mod; printf '\nreplace github.com/FerretDB/FerretDB => %s\n' "$src"; } >"$root/$RUN/ferretdb.mod"
    cp go.sum "$root/$RUN/ferretdb.sum"
    # go build is incremental (content-addressed cache): quick when nothing changed.
    "$go" build -trimpath -modfile "$root/$RUN/ferretdb.mod" -o "$root/$FERRET_BIN" .
  ) || { say "building FerretDB failed"; exit 1; }
}

start_ferretdb() {
  if [ "$START_FERRETDB" = 0 ]; then say "MONGODB_URI names another host: using it, not starting FerretDB"; return; fi
  if port_open "$FERRET_ADDR"; then say "MongoDB-compatible server already answers on $FERRET_ADDR"; return; fi
  build_ferretdb
  nohup "$FERRET_BIN" -listen "$FERRET_ADDR" -data-dir "$LOCAL/data/ferretdb$FERRET_SUFFIX" -log-level error ${FERRETDB_DEBUG_ADDR:+-debug-addr "$FERRETDB_DEBUG_ADDR"} >"$RUN/ferretdb$FERRET_SUFFIX.log" 2>&1 &
  echo $! >"$RUN/ferretdb$FERRET_SUFFIX.pid"
  wait_for FerretDB "$FERRET_ADDR" 60 || { cat "$RUN/ferretdb$FERRET_SUFFIX.log" >&2; exit 1; }
  say "FerretDB started on $FERRET_ADDR (data in $LOCAL/data/ferretdb$FERRET_SUFFIX)"
}

# Asks a Redis one question over a plain TCP connection (redis-cli may not be installed): prints the reply's lines.
redis_ask() { # port command...
  local port=$1; shift
  if command -v redis-cli >/dev/null 2>&1; then timeout 3 redis-cli -h 127.0.0.1 -p "$port" "$@" 2>/dev/null | tr -d '\r'; return; fi
  ( exec 3<>"/dev/tcp/127.0.0.1/$port" && printf '%s\r\n' "$*" >&3 && timeout 2 cat <&3 ) 2>/dev/null | tr -d '\r' | grep -v '^[*$]' || true
}

# Did a Tandem local stack start the Redis on this port? Its pidfile is .local/run/redis*.pid and holds its pid.
redis_is_ours() { # port
  local pidfile pid
  pidfile=$(redis_ask "$1" CONFIG GET pidfile | sed -n 2p)
  pid=$(redis_ask "$1" INFO server | sed -n 's/^process_id://p')
  [[ $pidfile == */.local/run/redis*.pid ]] && [ -n "$pid" ] && [ "$(cat "$pidfile" 2>/dev/null)" = "$pid" ]
}

start_redis() {
  if [ "$START_REDIS" = 0 ]; then say "REDIS_URL names another host: using it, not starting Redis"; return; fi
  if port_open "127.0.0.1:$REDIS_PORT"; then
    if [ "${STACK_OWN_REDIS:-0}" = 1 ] && [ "${REDIS_REUSE:-0}" != 1 ] && ! redis_is_ours "$REDIS_PORT"; then
      local found; found=$(redis_ask "$REDIS_PORT" INFO server | grep -E '^(redis_version|executable|config_file):' | tr '\n' ' ')
      say "a Redis this stack did not start already answers on 127.0.0.1:$REDIS_PORT (${found:-it does not say what it is});"
      say "  Tandem would share its data. Choose another port (REDIS_PORT=6380 npm run demo), stop that Redis,"
      say "  or reuse it knowingly (REDIS_REUSE=1 npm run demo)."
      exit 1
    fi
    say "Redis already answers on 127.0.0.1:$REDIS_PORT"; return
  fi
  if ! command -v redis-server >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      say "installing redis-server"; (apt-get update -qq && apt-get install -y -qq redis-server) >/dev/null
    else say "redis-server is not installed (apt-get install redis-server, or set REDIS_URL)"; exit 1; fi
  fi
  # Persistent like production must be: the append-only file (fsync every second) keeps queued jobs across a
  # restart, and noeviction keeps Redis from dropping BullMQ's keys when memory runs short.
  local data=$PWD/$LOCAL/data/redis$REDIS_SUFFIX
  mkdir -p "$data"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" \
    --appendonly yes --appendfsync everysec --maxmemory-policy noeviction \
    --pidfile "$PWD/$RUN/redis$REDIS_SUFFIX.pid" --logfile "$PWD/$RUN/redis$REDIS_SUFFIX.log" --dir "$data"
  wait_for Redis "127.0.0.1:$REDIS_PORT" 20
  say "Redis started on 127.0.0.1:$REDIS_PORT (append-only file in $LOCAL/data/redis$REDIS_SUFFIX)"
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
  # The servers of this configuration only (the ports above): a second FerretDB started with FERRETDB_LISTEN is
  # stopped with the same FERRETDB_LISTEN, which leaves the default FerretDB running, and the default Redis too
  # unless REDIS_PORT or REDIS_URL names it.
  stop)
    stop_one FerretDB "$RUN/ferretdb$FERRET_SUFFIX.pid"
    if [ -z "$FERRET_SUFFIX" ] || [ -n "${REDIS_PORT_GIVEN}" ]; then stop_one Redis "$RUN/redis$REDIS_SUFFIX.pid"; fi
    true ;;
  build) build_ferretdb ;;
  *) echo "usage: $0 start|stop|build" >&2; exit 2 ;;
esac
