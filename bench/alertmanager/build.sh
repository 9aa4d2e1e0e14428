#!/usr/bin/env bash
# Builds Prometheus Alertmanager v0.35.0 for bench:alertmanager into .local/bin/alertmanager (bench only: never part
# of the product). `go install github.com/prometheus/alertmanager/cmd/alertmanager@v0.35.0` does not build: the
# module as published lacks ui/app/dist, the web UI's generated assets that ui/web.go embeds (`pattern app/dist: no
# matching files found`). So the module is copied from Go's module cache into .local/alertmanager-src, given a
# placeholder UI (the benchmark only uses the v2 API), and ./cmd/alertmanager is built there with the version
# stamped as upstream's .promu.yml does. Quick when the binary is there already (AM_REBUILD=1 forces a build).
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION=0.35.0
LOCAL=${LOCAL_DIR:-.local}
BIN=$LOCAL/bin/alertmanager
if [ -x "$BIN" ] && [ -z "${AM_REBUILD:-}" ] && "$BIN" --version 2>&1 | grep -q "version $VERSION"; then exit 0; fi
if command -v go >/dev/null 2>&1; then GO=$(command -v go); elif [ -x /usr/local/go/bin/go ]; then GO=/usr/local/go/bin/go
else echo "Go is needed to build Alertmanager (https://go.dev/dl)" >&2; exit 1; fi
mod=github.com/prometheus/alertmanager@v$VERSION
dir=$(GOFLAGS=-mod=mod "$GO" mod download -json "$mod" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -d "$dir" ] || { echo "go mod download $mod gave no directory" >&2; exit 1; }
src=$PWD/$LOCAL/alertmanager-src
rm -rf "$src"
mkdir -p "$LOCAL/bin"
cp -r "$dir" "$src"
chmod -R u+w "$src"
for ui in elm mantine; do
  mkdir -p "$src/ui/app/dist/$ui"
  printf '<!doctype html><title>Alertmanager</title><p>UI not built (bench:alertmanager uses the API only).</p>\n' >"$src/ui/app/dist/$ui/index.html"
done
pkg=github.com/prometheus/common/version
ldflags="-X $pkg.Version=$VERSION -X $pkg.Revision=v$VERSION -X $pkg.Branch=HEAD -X $pkg.BuildUser=tandem-bench -X $pkg.BuildDate=$(date -u +%Y%m%d-%H:%M:%S)"
(cd "$src" && "$GO" build -tags netgo -ldflags "$ldflags" -o "$OLDPWD/$BIN" ./cmd/alertmanager)
"$BIN" --version
