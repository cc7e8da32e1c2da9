#!/usr/bin/env bash
# CPU instructions per request of bantin's reads, counted by valgrind's callgrind: unlike requests
# per second, the count is the same from run to run whatever else the machine is doing, so two
# builds (two commits) can be compared on a shared machine. Counts the server process only (not
# the database server), after a warm-up, over sequential requests on one connection.
#
# Usage: bench/instructions.sh [BINARY]   (default: builds and uses target/release/bantin)
#   INSTR_ARTICLES      articles in the generated dataset (default 2000)
#   INSTR_REQUESTS      measured requests per scenario (default 300)
#   INSTR_POSTGRES_URL  a PostgreSQL URL whose user may create and drop databases
#                       (default postgres://postgres@127.0.0.1:5432/postgres; "skip" for SQLite only)
# Prints, per backend and scenario, instructions per request. Needs valgrind, python3, psql.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

ARTICLES=${INSTR_ARTICLES:-2000}
REQUESTS=${INSTR_REQUESTS:-300}
PG_ADMIN=${INSTR_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
DB=bantin_bench_instructions
LIST_FIELDS=slug,title,summary,published_at,cover_media_id,category

for tool in valgrind callgrind_control python3 curl; do
  command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 1; }
done
if [ $# -ge 1 ]; then
  BIN=$(realpath "$1")
else
  cargo build --release --quiet --bin bantin
  BIN=$(realpath "${CARGO_TARGET_DIR:-target}/release/bantin")
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/bantin-instr.XXXXXX")
SERVER=
cleanup() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  if [ "$PG_ADMIN" != skip ]; then
    psql "$PG_ADMIN" -qAt -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

export BANTIN_JWT_SECRET=bench-secret-0123456789abcdef-0123456789
export BANTIN_LOG=warn BANTIN_RATE_LIMIT=0 BANTIN_WEBHOOKS_WORKER=false BANTIN_WORKERS=1 BANTIN_POOL_SIZE=2

python3 bench/gen_dataset.py "$ARTICLES" $((ARTICLES / 5)) --full >"$WORK/dataset.jsonl"
# The newest article: its id is the count, as the generator numbers them.
SCENARIOS=(
  "article by id|/api/v1/articles/$ARTICLES"
  "page of 20 articles|/api/v1/articles?limit=20"
  "page of 20, list fields|/api/v1/articles?limit=20&fields=$LIST_FIELDS"
)

# GET PATH N times on one connection; fails on anything but 200.
cat >"$WORK/client.py" <<'EOF'
import http.client, sys
port, path, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
for _ in range(n):
    c.request("GET", path)
    r = c.getresponse()
    r.read()
    if r.status != 200:
        sys.exit(f"{path} answered {r.status}")
EOF

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Serves BANTIN_DATABASE_URL under callgrind and counts each scenario.
measure() {
  local backend=$1 scenario name path port out before after
  for scenario in "${SCENARIOS[@]}"; do
    name=${scenario%%|*}
    path=${scenario#*|}
    port=$(free_port)
    out=$WORK/cg.out
    BANTIN_BIND=127.0.0.1:$port valgrind --tool=callgrind --instr-atstart=no \
      --callgrind-out-file="$out" "$BIN" serve --no-demo >"$WORK/serve.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 1 600); do
      curl -fs -o /dev/null --max-time 5 "http://127.0.0.1:$port/health/ready" && break
      kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }
      sleep 0.5
    done
    callgrind_control -i on "$SERVER" >/dev/null 2>&1
    python3 "$WORK/client.py" "$port" "$path" 30
    callgrind_control -z "$SERVER" >/dev/null 2>&1
    python3 "$WORK/client.py" "$port" "$path" "$REQUESTS"
    callgrind_control -d "$SERVER" >/dev/null 2>&1
    kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
    SERVER=
    # The dump made after zeroing holds the measured requests only.
    after=$(ls "$out".* | sort -t. -k3 -n | tail -n 1)
    before=$(sed -n 's/^summary: //p' "$after")
    printf '%-9s %-26s %12d instructions/request\n' "$backend" "$name" $((before / REQUESTS))
    rm -f "$out"*
  done
}

echo "$BIN: $ARTICLES articles, $REQUESTS requests per scenario after 30 of warm-up"
export BANTIN_DATABASE_URL=sqlite://$WORK/bench.db
"$BIN" migrate >/dev/null
"$BIN" import "$WORK/dataset.jsonl" >/dev/null
measure sqlite

if [ "$PG_ADMIN" != skip ]; then
  psql "$PG_ADMIN" -qAt -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
  export BANTIN_DATABASE_URL=${PG_ADMIN%/*}/$DB?sslmode=disable
  "$BIN" migrate >/dev/null
  "$BIN" import "$WORK/dataset.jsonl" >/dev/null
  psql "${PG_ADMIN%/*}/$DB" -qAt -c "VACUUM ANALYZE"
  measure postgres
fi
