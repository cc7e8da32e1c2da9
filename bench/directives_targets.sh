#!/usr/bin/env bash
# Times the directive and target reads that reports lean on, with 100,000 directives and 100,000
# targets, on SQLite and on PostgreSQL:
#   GET /api/v1/directives?progress=overdue&limit=20
#   GET /api/v1/directives/summary
#   GET /api/v1/targets/summary
# Each request is sent 200 times in a row (after a short warm-up) to a release build of
# `bantin serve --no-demo`; the median and the 95th percentile are printed per endpoint and per
# backend, followed by the query plans of the statements behind them.
#
# Needs: cargo, python3, psql and a PostgreSQL that trusts the local user (see bench/README.md).
# Settings: BENCH_POSTGRES_URL (an admin URL, default postgres://postgres@127.0.0.1:5432/postgres),
# BENCH_ROWS (default 100000), BENCH_REQUESTS (default 200).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

ROWS=${BENCH_ROWS:-100000}
REQUESTS=${BENCH_REQUESTS:-200}
PG_ADMIN_URL=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
PG_DB=bantin_bench_dt
PG_URL="${PG_ADMIN_URL%/*}/$PG_DB"
SECRET=bench-secret-0123456789abcdef-0123456789
BIN=target/release/bantin
WORK=$(mktemp -d)
SERVER_PID=

for tool in cargo python3 psql; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is not on PATH" >&2; exit 1; }
done

cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  psql -q "$PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "==> building the release binary"
cargo build --release --quiet

# Today in Vietnam, which the server also uses; the generated deadlines are spread around it.
TODAY=$(python3 -c 'import datetime as d; print((d.datetime.now(d.timezone.utc) + d.timedelta(hours=7)).date())')
SOON=$(python3 -c "import datetime as d; print(d.date.fromisoformat('$TODAY') + d.timedelta(days=7))")

# The shape of the data, the same on both backends (n runs over 1..ROWS):
# 200 organizations (the first 20 are parents of the others), 1,000 meetings over three years;
# directive n: lead organization n % 200 + 1, a co-ordinating body for every other one; status
# open 50 %, in_progress 20 %, done 20 %, cancelled 10 %; no deadline for 1 in 7, otherwise a due
# date from 540 days before today to 190 days after; done ones completed within ±20 days of it
# (never after today).
# target n: organization n % 200 + 1, seven periods, plan and actual for most, a reported percent
# for 1 in 5, lower_is_better for 1 in 10.

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

serve() { # $1 = database URL
  local port; port=$(free_port)
  BASE="http://127.0.0.1:$port"
  BANTIN_DATABASE_URL="$1" BANTIN_BIND="127.0.0.1:$port" BANTIN_JWT_SECRET="$SECRET" \
    BANTIN_LOG=warn "$BIN" serve --no-demo >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 100); do
    if python3 -c "import urllib.request,sys; urllib.request.urlopen('$BASE/health/ready', timeout=1)" 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  echo "bench: the server did not become ready:" >&2; cat "$WORK/server.log" >&2; exit 1
}

stop() {
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
}

measure() { # $1 = backend name
  python3 - "$BASE" "$REQUESTS" "$1" <<'PY'
import http.client, statistics, sys, time, urllib.parse
base, n, backend = sys.argv[1], int(sys.argv[2]), sys.argv[3]
host = urllib.parse.urlparse(base)
conn = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
paths = ["/api/v1/directives?progress=overdue&limit=20", "/api/v1/directives/summary", "/api/v1/targets/summary"]
for path in paths:
    def get():
        conn.request("GET", path, headers={"Accept-Encoding": "identity"})
        res = conn.getresponse()
        body = res.read()
        if res.status != 200:
            sys.exit(f"{path}: {res.status} {body[:300]!r}")
        return body
    for _ in range(10):
        get()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        get()
        times.append((time.perf_counter() - t0) * 1000)
    p95 = statistics.quantiles(times, n=100)[94]
    print(f"{backend:<10} {path:<48} median {statistics.median(times):7.2f} ms   p95 {p95:7.2f} ms   ({n} requests)")
PY
}

# The statements behind the three requests are in bench/sql/, as PostgreSQL logs them; their
# bound values are today's date in Vietnam, that date + 7 days, and the page size + 1.
plan_statements() { # prints "name<TAB>file<TAB>values" lines
  printf '%s\t%s\t%s\n' \
    "GET /directives?progress=overdue&limit=20" bench/sql/directives_overdue.sql "$TODAY,$TODAY,$SOON,$TODAY,21" \
    "GET /directives/summary" bench/sql/directives_summary.sql "1,1,$TODAY,1,$TODAY,$SOON,1,$SOON,1,1,1" \
    "GET /targets/summary" bench/sql/targets_summary.sql "21"
}

RESULTS="$WORK/results.txt"
PLANS="$WORK/plans.txt"
: >"$RESULTS"; : >"$PLANS"

# ---------------------------------------------------------------- SQLite
echo "==> SQLite: migrating and filling $ROWS directives and $ROWS targets"
SQLITE_FILE="$WORK/bench.db"
BANTIN_DATABASE_URL="sqlite://$SQLITE_FILE" BANTIN_JWT_SECRET="$SECRET" BANTIN_LOG=warn "$BIN" migrate >/dev/null
python3 - "$SQLITE_FILE" "$ROWS" "$TODAY" <<'PY'
import sqlite3, sys, time
path, rows, today = sys.argv[1], int(sys.argv[2]), sys.argv[3]
db = sqlite3.connect(path)
t0 = time.time()
now = "strftime('%Y-%m-%d %H:%M:%S', 'now')"
db.executescript(f"""
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
INSERT INTO organizations (id, name, kind, level, parent_id, created_at, updated_at, version)
SELECT i, 'Đảng ủy ' || i, 'party_committee', 'commune', CASE WHEN i > 20 THEN i % 20 + 1 END, {now}, {now}, 1 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
INSERT INTO meetings (id, title, kind, date, status, created_at, updated_at, version)
SELECT i, 'Buổi làm việc ' || i, 'working_session', date('{today}', '-' || (i % 1095) || ' days'), 'held', {now}, {now}, 1 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows}),
d AS (SELECT i,
        CASE WHEN i % 10 < 5 THEN 'open' WHEN i % 10 < 7 THEN 'in_progress' WHEN i % 10 < 9 THEN 'done' ELSE 'cancelled' END AS status,
        CASE WHEN i % 7 = 0 THEN NULL ELSE date('{today}', ((i * 37) % 730 - 540) || ' days') END AS due,
        (i * 13) % 41 - 20 AS late
      FROM n)
INSERT INTO directives (id, meeting_id, ordinal, text, lead_organization_id, due_date, status, completed_at, completed_on, cancelled_on, created_at, updated_at, version)
SELECT i, i % 1000 + 1, i % 12 + 1, 'Chỉ đạo số ' || i, i % 200 + 1, due, status,
       CASE WHEN status = 'done' THEN datetime(min(date(coalesce(due, '{today}'), late || ' days'), '{today}'), '+3 hours') END,
       CASE WHEN status = 'done' THEN min(date(coalesce(due, '{today}'), late || ' days'), '{today}') END,
       CASE WHEN status = 'cancelled' THEN date('{today}', '-' || (i % 300) || ' days') END,
       {now}, {now}, 1
FROM d;
WITH RECURSIVE n(i) AS (SELECT 2 UNION ALL SELECT i + 2 FROM n WHERE i + 2 <= {rows})
INSERT INTO directive_assignees (directive_id, organization_id, position)
SELECT i, (i * 7 + 1) % 200 + 1, 0 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows})
INSERT INTO targets (id, organization_id, meeting_id, indicator, indicator_folded, unit, period_label, period_start, period_end, plan_value, actual_value, direction, reported_percent, created_at, updated_at, version)
SELECT i, i % 200 + 1, i % 1000 + 1, 'Chỉ tiêu ' || (i % 50), 'chi tieu ' || (i % 50), '%', 'năm ' || (2019 + i % 7),
       (2019 + i % 7) || '-01-01', (2019 + i % 7) || '-12-31',
       CASE WHEN i % 6 <> 0 THEN 100.0 END, CASE WHEN i % 9 <> 0 THEN 60 + (i * 17) % 80 END,
       CASE WHEN i % 10 = 0 THEN 'lower_is_better' ELSE 'higher_is_better' END,
       CASE WHEN i % 5 = 0 THEN 50 + (i * 11) % 100 END, {now}, {now}, 1
FROM n;
COMMIT;
ANALYZE;
""")
print(f"    filled in {time.time() - t0:.1f} s")
PY
serve "sqlite://$SQLITE_FILE"
measure sqlite | tee -a "$RESULTS"
stop
python3 - "$SQLITE_FILE" "$PLANS" "$(plan_statements)" <<'PY'
import re, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
with open(sys.argv[2], "a") as out:
    for line in sys.argv[3].splitlines():
        name, path, values = line.rstrip("\n").split("\t")
        sql = "".join(l for l in open(path) if not l.startswith("--"))
        # SQLite numbers its parameters ?1, ?2, ...
        sql = re.sub(r"\$(\d+)", r"?\1", sql)
        params = [int(v) if v.isdigit() else v for v in values.split(",")]
        out.write(f"\n--- SQLite: EXPLAIN QUERY PLAN of {name}\n")
        for row in db.execute("EXPLAIN QUERY PLAN " + sql, params):
            out.write(f"    {row[3]}\n")
PY

# ---------------------------------------------------------------- PostgreSQL
echo "==> PostgreSQL: migrating and filling $ROWS directives and $ROWS targets"
psql -q "$PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" -c "CREATE DATABASE $PG_DB" >/dev/null
BANTIN_DATABASE_URL="$PG_URL" BANTIN_JWT_SECRET="$SECRET" BANTIN_LOG=warn "$BIN" migrate >/dev/null
start=$(date +%s%N)
psql -q -v ON_ERROR_STOP=1 "$PG_URL" >/dev/null <<SQL
BEGIN;
INSERT INTO organizations (id, name, kind, level, parent_id, created_at, updated_at, version)
SELECT i, 'Đảng ủy ' || i, 'party_committee', 'commune', CASE WHEN i > 20 THEN i % 20 + 1 END, now(), now(), 1
FROM generate_series(1, 200) AS i;
INSERT INTO meetings (id, title, kind, date, status, created_at, updated_at, version)
SELECT i, 'Buổi làm việc ' || i, 'working_session', DATE '$TODAY' - i % 1095, 'held', now(), now(), 1
FROM generate_series(1, 1000) AS i;
INSERT INTO directives (id, meeting_id, ordinal, text, lead_organization_id, due_date, status, completed_at, completed_on, cancelled_on, created_at, updated_at, version)
SELECT i, i % 1000 + 1, i % 12 + 1, 'Chỉ đạo số ' || i, i % 200 + 1, due, status,
       CASE WHEN status = 'done' THEN LEAST(COALESCE(due, DATE '$TODAY') + late, DATE '$TODAY') + TIME '03:00' END,
       CASE WHEN status = 'done' THEN LEAST(COALESCE(due, DATE '$TODAY') + late, DATE '$TODAY') END,
       CASE WHEN status = 'cancelled' THEN DATE '$TODAY' - i % 300 END,
       now(), now(), 1
FROM (SELECT i,
        CASE WHEN i % 10 < 5 THEN 'open' WHEN i % 10 < 7 THEN 'in_progress' WHEN i % 10 < 9 THEN 'done' ELSE 'cancelled' END AS status,
        CASE WHEN i % 7 = 0 THEN NULL ELSE DATE '$TODAY' + ((i * 37) % 730 - 540) END AS due,
        (i * 13) % 41 - 20 AS late
      FROM generate_series(1, $ROWS) AS i) AS d;
INSERT INTO directive_assignees (directive_id, organization_id, position)
SELECT i, (i * 7 + 1) % 200 + 1, 0 FROM generate_series(2, $ROWS, 2) AS i;
INSERT INTO targets (id, organization_id, meeting_id, indicator, indicator_folded, unit, period_label, period_start, period_end, plan_value, actual_value, direction, reported_percent, created_at, updated_at, version)
SELECT i, i % 200 + 1, i % 1000 + 1, 'Chỉ tiêu ' || (i % 50), 'chi tieu ' || (i % 50), '%', 'năm ' || (2019 + i % 7),
       make_date(2019 + i % 7, 1, 1), make_date(2019 + i % 7, 12, 31),
       CASE WHEN i % 6 <> 0 THEN 100.0 END, CASE WHEN i % 9 <> 0 THEN 60 + (i * 17) % 80 END,
       CASE WHEN i % 10 = 0 THEN 'lower_is_better' ELSE 'higher_is_better' END,
       CASE WHEN i % 5 = 0 THEN 50 + (i * 11) % 100 END, now(), now(), 1
FROM generate_series(1, $ROWS) AS i;
COMMIT;
VACUUM ANALYZE;
SQL
python3 -c 'import sys; print(f"    filled in {(int(sys.argv[2]) - int(sys.argv[1])) / 1e9:.1f} s")' "$start" "$(date +%s%N)"
serve "$PG_URL"
measure postgresql | tee -a "$RESULTS"
stop
plan_statements | while IFS=$'\t' read -r name path values; do
  {
    echo; echo "--- PostgreSQL: EXPLAIN (ANALYZE) of $name"
    # Prepared and executed with its values, as the App does.
    params=$(echo "$values" | sed "s/\([0-9-][0-9-]*\)/'\1'/g")
    psql -At -v ON_ERROR_STOP=1 "$PG_URL" <<SQL | sed 's/^/    /'
PREPARE bench_statement AS $(grep -v '^--' "$path");
EXPLAIN (ANALYZE, COSTS OFF) EXECUTE bench_statement($params);
SQL
  } >>"$PLANS"
done

echo
echo "==> Results ($ROWS directives, $ROWS targets; today in Vietnam: $TODAY)"
cat "$RESULTS"
cat "$PLANS"
