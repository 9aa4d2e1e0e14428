#!/usr/bin/env bash
# One command for a fresh machine: local stack, demo organisation, Tandem with the console.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
bash scripts/stack.sh start
export DEMO_MODE=${DEMO_MODE:-true} CONSOLE_ENABLED=true
export MONGODB_URI=${MONGODB_URI:-mongodb://127.0.0.1:27017/tandem_demo}
exec npx tsx src/main.ts
