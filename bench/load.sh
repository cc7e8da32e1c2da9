#!/usr/bin/env bash
# bantin under load, on SQLite and on PostgreSQL: a generated dataset (default 100,000 articles and
# 20,000 meetings with attendees, directives and targets) loaded with `bantin import`, a release
# server on 127.0.0.1, and wrk at 32 connections for a bounded time on five scenarios: one article
# by id, a page of 20 articles (whole, and with the fields a list of headlines shows), a page of
# 20 meetings with every include, a search, and an
# authenticated write (create, then patch). Prints requests/s, p50 and p99 of each, the server's
# start-up time and peak memory, and `pgbench -S` on the same PostgreSQL as the yardstick each
# PostgreSQL figure is divided by. See bench/README.md.
#
# Usage: bench/load.sh
#   BENCH_ARTICLES        articles in the dataset (default 100000)
#   BENCH_MEETINGS        meetings in the dataset, each with 6 attendees, 4 directives and
#                         3 targets (default 20000)
#   BENCH_SECONDS         measured length of each scenario (default 15)
#   BENCH_WARMUP          warm-up before each scenario, not measured (default 3)
#   BENCH_CONNECTIONS     concurrent connections (default 32)
#   BENCH_THREADS         wrk threads and pgbench threads (default 2)
#   BENCH_PGBENCH_SCALE   pgbench -i scale factor (default 10: a million accounts)
#   BENCH_POSTGRES_URL    a PostgreSQL URL whose user may create and drop databases
#                         (default postgres://postgres@127.0.0.1:5432/postgres; "skip" for SQLite only)
#   BENCH_SQLITE          "skip" for PostgreSQL only (default: both backends)
#   BENCH_POSTGRES_PARAMS connection parameters added to the URLs of bantin and pgbench alike
#                         (default sslmode=disable: no TLS on loopback; empty for libpq's default)
# Exits non-zero when any scenario had a non-2xx answer or a socket error.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

ARTICLES=${BENCH_ARTICLES:-100000}
MEETINGS=${BENCH_MEETINGS:-20000}
SECONDS_PER_RUN=${BENCH_SECONDS:-15}
WARMUP=${BENCH_WARMUP:-3}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-2}
PGBENCH_SCALE=${BENCH_PGBENCH_SCALE:-10}
PG_ADMIN=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
# Connection parameters for bantin and pgbench alike: on loopback, TLS only adds cost to both.
PG_PARAMS=${BENCH_POSTGRES_PARAMS-sslmode=disable}
BIN=${CARGO_TARGET_DIR:-target}/release/bantin
LOAD_DB=bantin_bench_load
PGBENCH_DB=bantin_bench_pgbench
USERNAME=bench
PASSWORD="bench password 0123456789"
# What a phone's list of headlines shows (`fields`).
LIST_FIELDS=slug,title,summary,published_at,cover_media_id,category
# Words typed without diacritics, as on a phone; each pair is in many generated articles.
QUERIES=(ngan+sach dang+uy phat+trien quoc+phong giao+duc an+sinh thanh+uy nghi+quyet do+thi
  dang+vien %22trat+tu%22 kinh+te)

export BANTIN_JWT_SECRET=bench-secret-0123456789abcdef-0123456789
export BANTIN_LOG=warn
export BANTIN_RATE_LIMIT=0

step() { printf '\n== %s\n' "$*"; }
now_ns() { date +%s%N; }

if ! command -v wrk >/dev/null && command -v apt-get >/dev/null; then
  echo "installing wrk (Debian package)"
  apt-get install -y -qq wrk >/dev/null </dev/null \
    || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null </dev/null; } || true
fi
for tool in wrk curl python3; do
  command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 1; }
done
if [ "$PG_ADMIN" != skip ]; then
  for tool in psql pgbench; do
    command -v "$tool" >/dev/null || { echo "needs $tool (or BENCH_POSTGRES_URL=skip)" >&2; exit 1; }
  done
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/bantin-load.XXXXXX")
RESULTS=$WORK/results.tsv
FAILED=0
SERVER=

stop_server() {
  if [ -n "$SERVER" ]; then
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
    SERVER=
  fi
}
drop_db() {
  psql "$PG_ADMIN" -qAt -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning" \
    -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)"
}
create_db() {
  drop_db "$1"
  psql "$PG_ADMIN" -qAt -v ON_ERROR_STOP=1 -c "CREATE DATABASE $1"
}
cleanup() {
  stop_server
  if [ "$PG_ADMIN" != skip ]; then
    drop_db "$LOAD_DB" >/dev/null 2>&1 || true
    drop_db "$PGBENCH_DB" >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# record BACKEND SCENARIO RPS P50_MS P99_MS NON2XX SOCKET_ERRORS
record() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RESULTS"; }

# wrk_run BACKEND SCENARIO URL MODE [ARGS...]: a warm-up, then a measured run (see bench/load.lua).
wrk_run() {
  local backend=$1 scenario=$2 url=$3 out line
  shift 3
  local load=(-t"$THREADS" -c"$CONNECTIONS" -s bench/load.lua "$url" --)
  wrk -d"${WARMUP}s" "${load[@]}" "$backend-warm" "$@" >/dev/null
  out=$(wrk -d"${SECONDS_PER_RUN}s" "${load[@]}" "$backend-run" "$@")
  line=$(grep '^RESULT ' <<<"$out") || { echo "$out" >&2; echo "wrk printed no result" >&2; exit 1; }
  # RESULT requests=… seconds=… rps=… p50_ms=… p99_ms=… non2xx=… socket_errors=…
  local requests seconds rps p50 p99 non2xx socket
  read -r requests seconds rps p50 p99 non2xx socket < <(sed 's/^RESULT //; s/[a-z0-9_]*=//g' <<<"$line")
  printf '  %-26s %9s req/s   p50 %8s ms   p99 %8s ms   (%s requests in %s s, peak memory so far %s MiB' \
    "$scenario" "$rps" "$p50" "$p99" "$requests" "$seconds" \
    "$(awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$SERVER/status")"
  if [ "$non2xx" != 0 ] || [ "$socket" != 0 ]; then
    printf '; FAILED: %s non-2xx answers, %s socket errors)\n' "$non2xx" "$socket"
    FAILED=1
  else
    printf ')\n'
  fi
  record "$backend" "$scenario" "$rps" "$p50" "$p99" "$non2xx" "$socket"
}

# check METHOD URL [curl args...]: one request that must answer 2xx; prints the body.
check() {
  local method=$1 url=$2 status
  shift 2
  status=$(curl -s -o "$WORK/check.body" -w '%{http_code}' -X "$method" "$@" "$url")
  if [ "${status:0:1}" != 2 ]; then
    echo "$method $url answered $status:" >&2
    cat "$WORK/check.body" >&2
    echo >&2
    exit 1
  fi
  cat "$WORK/check.body"
}

# Serves the filled database BANTIN_DATABASE_URL and runs every scenario against it.
measure() {
  local backend=$1 port base t0 ms token id q
  "$BIN" migrate
  "$BIN" user create --username "$USERNAME" --role editor <<<"$PASSWORD" >/dev/null
  port=$(free_port)
  base=http://127.0.0.1:$port
  t0=$(now_ns)
  BANTIN_BIND=127.0.0.1:$port "$BIN" serve --no-demo >"$WORK/serve-$backend.log" 2>&1 &
  SERVER=$!
  until curl -fs -o /dev/null "$base/health/ready" 2>/dev/null; do
    if ! kill -0 "$SERVER" 2>/dev/null || [ $(( ($(now_ns) - t0) / 1000000000 )) -ge 120 ]; then
      echo "bantin did not become ready:" >&2
      cat "$WORK/serve-$backend.log" >&2
      exit 1
    fi
    sleep 0.01
  done
  ms=$(( ($(now_ns) - t0) / 1000000 ))
  echo "start-up (launch until /health/ready answers 200): $ms ms"

  token=$(check POST "$base/api/v1/auth/token" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$USERNAME\",\"password\":\"$PASSWORD\"}" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
  local includes=attendees,directives,targets,articles,organizations
  local meetings_url="$base/api/v1/meetings?limit=20&include=$includes"
  # Each scenario answers 2xx once before it is put under load.
  check GET "$base/api/v1/articles/$ARTICLES" >/dev/null
  check GET "$base/api/v1/articles?limit=20" >/dev/null
  check GET "$base/api/v1/articles?limit=20&fields=$LIST_FIELDS" | python3 -c '
import json, sys
page = json.load(sys.stdin)["data"]
assert page and all("body" not in a for a in page), "fields left the body in"
print(f"  list fields: {len(page)} articles with {sorted(page[0])}")'
  check GET "$meetings_url" | python3 -c '
import json, sys
page = json.load(sys.stdin)["data"]
kinds = ("attendees", "directives", "targets", "articles", "organizations")
counts = {k: sum(len(m.get(k) or []) for m in page) for k in kinds}
print(f"  meetings page: {len(page)} meetings embedding " + ", ".join(f"{n} {k}" for k, n in counts.items()))'
  for q in "${QUERIES[@]}"; do
    check GET "$base/api/v1/search?limit=20&q=$q" >/dev/null
  done
  id=$(check POST "$base/api/v1/articles" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"title":"Bài viết kiểm tra","body":"Nội dung","status":"published"}' \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
  check PATCH "$base/api/v1/articles/$id" -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/merge-patch+json' -d '{"category":"kinh tế"}' >/dev/null

  # One sitemap page (the first 50,000 articles) streamed whole, five times on a quiet server.
  python3 - "$base/sitemaps/articles-1.xml" <<'PY'
import statistics, sys, time, urllib.request
url, times, size = sys.argv[1], [], 0
for _ in range(5):
    t0 = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as r:
        size = len(r.read())
    times.append((time.perf_counter() - t0) * 1000)
print(f"  /sitemaps/articles-1.xml: {size / 1048576:.1f} MiB in {statistics.median(times):.0f} ms (median of 5; min {min(times):.0f}, max {max(times):.0f})")
PY

  echo "wrk: $CONNECTIONS connections, $THREADS threads, ${WARMUP} s warm-up then ${SECONDS_PER_RUN} s:"
  wrk_run "$backend" "article by id" "$base" article "$ARTICLES"
  wrk_run "$backend" "page of 20 articles" "$base/api/v1/articles?limit=20" get
  wrk_run "$backend" "page of 20, list fields" "$base/api/v1/articles?limit=20&fields=$LIST_FIELDS" get
  wrk_run "$backend" "page of 20 meetings+all" "$meetings_url" get
  wrk_run "$backend" "search" "$base" search "${QUERIES[@]}"
  wrk_run "$backend" "write (create, patch)" "$base" write "$token" "$MEETINGS"
  # The server's own count, as a check that the writes were both creates and patches.
  curl -fs "$base/metrics" | python3 -c '
import re, sys
seen = {}
for m in re.finditer(r"^bantin_http_requests_total\{route=\"/api/v1/articles[^\"]*\",method=\"(POST|PATCH)\",status=\"(\d+)\"\} (\d+)", sys.stdin.read(), re.M):
    key = f"{m[1]} {m[2]}"
    seen[key] = seen.get(key, 0) + int(m[3])
print("  the server answered on /api/v1/articles (warm-up included): " + ", ".join(f"{n} {k}" for k, n in sorted(seen.items())))'

  local hwm
  hwm=$(awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$SERVER/status")
  echo "peak memory (VmHWM): $hwm MiB"
  printf '%s\t%s\t%s\n' "$backend" "$ms" "$hwm" >>"$WORK/server.tsv"
  stop_server
}

# Imports the dataset into BANTIN_DATABASE_URL (empty) and prints how long it took.
fill() {
  local t0 ms
  t0=$(now_ns)
  "$BIN" import "$WORK/dataset.jsonl" >/dev/null
  ms=$(( ($(now_ns) - t0) / 1000000 ))
  echo "imported in $((ms / 1000)).$((ms % 1000 / 100)) s"
}

step "release build"
cargo build --release --quiet --bin bantin

step "generating $ARTICLES articles and $MEETINGS meetings with attendees, directives and targets"
python3 bench/gen_dataset.py "$ARTICLES" "$MEETINGS" --full >"$WORK/dataset.jsonl"
echo "dataset: $(wc -l <"$WORK/dataset.jsonl") records, $(( $(stat -c %s "$WORK/dataset.jsonl") / 1048576 )) MiB"

PGBENCH_TPS=
if [ "$PG_ADMIN" != skip ]; then
  step "pgbench -S on the same PostgreSQL (scale $PGBENCH_SCALE)"
  create_db "$PGBENCH_DB"
  PGBENCH_URL=${PG_ADMIN%/*}/$PGBENCH_DB${PG_PARAMS:+?$PG_PARAMS}
  pgbench -i -q -s "$PGBENCH_SCALE" "$PGBENCH_URL" >/dev/null 2>&1
  pgbench -S -n -c "$CONNECTIONS" -j "$THREADS" -T "$WARMUP" "$PGBENCH_URL" >/dev/null 2>&1
  mkdir -p "$WORK/pgbench"
  pgbench -S -n -c "$CONNECTIONS" -j "$THREADS" -T "$SECONDS_PER_RUN" -l --log-prefix="$WORK/pgbench/log" \
    "$PGBENCH_URL" >"$WORK/pgbench.out" 2>&1 || { cat "$WORK/pgbench.out" >&2; exit 1; }
  PGBENCH_TPS=$(sed -n 's/^tps = \([0-9]*\.[0-9]\).*/\1/p' "$WORK/pgbench.out" | head -n 1)
  # Per-transaction log lines: client, transaction, latency in µs, script, epoch seconds, µs.
  read -r p50 p99 < <(cat "$WORK"/pgbench/log* | python3 -c '
import sys
lat = sorted(int(line.split()[2]) for line in sys.stdin)
pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] / 1000
print(f"{pick(0.50):.3f} {pick(0.99):.3f}")')
  failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$WORK/pgbench.out")
  echo "  pgbench -S: $PGBENCH_TPS tps   p50 $p50 ms   p99 $p99 ms   (${failed:-0} failed transactions)"
  record postgres "pgbench -S" "$PGBENCH_TPS" "$p50" "$p99" "${failed:-0}" 0
  drop_db "$PGBENCH_DB"
  rm -rf "$WORK/pgbench"
fi

if [ "${BENCH_SQLITE:-}" != skip ]; then
  step "SQLite"
  export BANTIN_DATABASE_URL=sqlite://$WORK/bench.db
  fill
  python3 -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute("ANALYZE")' "$WORK/bench.db"
  measure sqlite
  rm -f "$WORK"/bench.db*
fi

if [ "$PG_ADMIN" != skip ]; then
  step "PostgreSQL"
  create_db "$LOAD_DB"
  export BANTIN_DATABASE_URL=${PG_ADMIN%/*}/$LOAD_DB${PG_PARAMS:+?$PG_PARAMS}
  fill
  psql "$BANTIN_DATABASE_URL" -qAt -c "VACUUM ANALYZE"
  measure postgres
  drop_db "$LOAD_DB"
fi

step "summary ($ARTICLES articles, $MEETINGS meetings; $CONNECTIONS connections, ${SECONDS_PER_RUN} s each)"
python3 - "$RESULTS" "$WORK/server.tsv" "${PGBENCH_TPS:-}" <<'PY'
import sys
results, server, pgbench = sys.argv[1], sys.argv[2], sys.argv[3]
pgbench = float(pgbench) if pgbench else None
rows = [line.rstrip("\n").split("\t") for line in open(results)]
print(f"{'backend':9} {'scenario':26} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>7}  {'/ pgbench -S':>12}")
for backend, scenario, rps, p50, p99, non2xx, socket in rows:
    ratio = f"{float(rps) / pgbench:.2f}" if pgbench and backend == "postgres" else "-"
    bad = int(non2xx) + int(socket)
    print(f"{backend:9} {scenario:26} {float(rps):9.0f} {float(p50):8.2f} {float(p99):8.2f} {bad:7d}  {ratio:>12}")
print()
for backend, ms, hwm in (line.rstrip("\n").split("\t") for line in open(server)):
    print(f"{backend:9} start-up {int(ms)} ms, peak memory (VmHWM) {hwm} MiB")
PY

if [ "$FAILED" != 0 ]; then
  echo "FAILED: some scenarios had non-2xx answers or socket errors (see above)" >&2
  exit 1
fi
