#!/usr/bin/env bash
# Times safeguard's one-pass audit-log analysis against DuckDB running the same
# detections as SQL (detections.sql) over the same generated files.
#
#   bench/accesslog/run.sh [EVENTS]     # default 10000000 (about 1 GB of CSV)
#   DATA=/some/dir bench/accesslog/run.sh   # reuse data generated elsewhere
#
# Needs Go and Node.js; installs the DuckDB npm package here on first use.
# The data, node_modules and package-lock.json stay out of git (.gitignore).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
events="${1:-10000000}"
data="${DATA:-$here/data/$events}"

cd "$root"
go build -o "$here/accesslog-bench" ./bench/accesslog
if [ ! -f "$data/meta.json" ]; then
  mkdir -p "$data"
  "$here/accesslog-bench" gen -dir "$data" -events "$events"
fi
if [ ! -d "$here/node_modules/@duckdb/node-api" ]; then
  (cd "$here" && npm install --no-audit --no-fund --silent)
fi
cat /proc/cpuinfo | grep -m1 'model name' || true
echo "cores: $(nproc)   load: $(cut -d' ' -f1-3 /proc/loadavg)"
ls -l "$data/events.csv"

echo "== safeguard, one core (best of 3)"
GOMAXPROCS=1 "$here/accesslog-bench" analyze -dir "$data" -repeat 3
echo "== safeguard, all cores (best of 3; the analysis itself is one goroutine)"
"$here/accesslog-bench" analyze -dir "$data" -repeat 3
echo "== DuckDB, one thread"
(cd "$here" && node run.mjs "$data" 1)
echo "== DuckDB, all threads"
(cd "$here" && node run.mjs "$data")
