#!/usr/bin/env bash
# One command for a fresh machine: local stack, demo organisation, Tandem with the console.
#
# Ports: PORT (Tandem, 3000), MONGODB_PORT (FerretDB, 27017; or FERRETDB_LISTEN=host:port)
# and REDIS_PORT (6379). MONGODB_URI / REDIS_URL may name a server instead; one on this
# machine is still started when nothing answers there. Values come from the environment,
# else from .env (see .env.example), else these defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund

# The variables this script itself reads, from .env unless the environment sets them
# (Tandem reads the whole file itself through node's --env-file-if-exists).
if [ -f .env ]; then
  while IFS= read -r line || [ -n "$line" ]; do
    [[ $line =~ ^[[:space:]]*(PORT|HOST|MONGODB_PORT|FERRETDB_LISTEN|REDIS_PORT|MONGODB_URI|REDIS_URL|QUEUE_PREFIX|LOG_LEVEL|TEAMS_ENABLED)[[:space:]]*=[[:space:]]*(.*)$ ]] || continue
    name=${BASH_REMATCH[1]} value=${BASH_REMATCH[2]}
    value=${value%\"} value=${value#\"} value=${value%\'} value=${value#\'}
    [ -n "${!name:-}" ] || export "$name=$value"
  done <.env
fi

export FERRETDB_LISTEN=${FERRETDB_LISTEN:-127.0.0.1:${MONGODB_PORT:-27017}}
export REDIS_PORT=${REDIS_PORT:-6379}
export MONGODB_URI=${MONGODB_URI:-mongodb://${FERRETDB_LISTEN}/tandem_demo}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:${REDIS_PORT}}
# The demo refuses to share a Redis it did not start (stack.sh says how to choose another port).
STACK_OWN_REDIS=1 bash scripts/stack.sh start

export NODE_ENV=${NODE_ENV:-development}
export DEMO_MODE=${DEMO_MODE:-true} CONSOLE_ENABLED=true
# Teams stays on, unauthenticated as with the Bot Framework Emulator (no MICROSOFT_APP_ID): the console
# is the demo's chat platform, and Teams answers whoever posts to /api/messages on this machine.
export TEAMS_ENABLED=${TEAMS_ENABLED:-true} LOG_LEVEL=${LOG_LEVEL:-warn}
export QUEUE_PREFIX=${QUEUE_PREFIX:-tandem_demo}
export HOST=${HOST:-127.0.0.1} PORT=${PORT:-3000}

# Node reads .env itself; variables set above or in the environment win over the file.
envfile=()
[ -f .env ] && envfile=(--env-file=.env)
npx tsx "${envfile[@]}" scripts/seed-demo.ts

npx tsx "${envfile[@]}" src/main.ts &
tandem=$!
trap 'kill -TERM "$tandem" 2>/dev/null || true; wait "$tandem" 2>/dev/null || true' INT TERM
url="http://${HOST}:${PORT}"
for _ in $(seq 1 120); do
  if curl -fsS "$url/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$tandem" 2>/dev/null; then echo "demo: Tandem did not start (see the log above)" >&2; exit 1; fi
  sleep 0.5
done
cat <<EOF

  ┌──────────────────────────────────────────────────────────────┐
    Tandem is running with the demo organisation.
    Open the console:  ${url}/console
    Pick a person, type "help", give /kudos, answer check-ins;
    "Jump to next event" moves the demo clock.   Ctrl-C stops.
  └──────────────────────────────────────────────────────────────┘
EOF
wait "$tandem"
