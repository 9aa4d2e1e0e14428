#!/usr/bin/env bash
# One command for a fresh machine: local stack, demo organisation, Tandem with the console.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
bash scripts/stack.sh start
export NODE_ENV=${NODE_ENV:-development}
export DEMO_MODE=${DEMO_MODE:-true} CONSOLE_ENABLED=true
# The console is the demo's chat platform; Teams and Slack need real registrations.
export TEAMS_ENABLED=${TEAMS_ENABLED:-false} LOG_LEVEL=${LOG_LEVEL:-warn}
export MONGODB_URI=${MONGODB_URI:-mongodb://127.0.0.1:27017/tandem_demo}
export QUEUE_PREFIX=${QUEUE_PREFIX:-tandem_demo}
export HOST=${HOST:-127.0.0.1} PORT=${PORT:-3000}

npx tsx scripts/seed-demo.ts

npx tsx src/main.ts &
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
