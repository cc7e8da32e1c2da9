#!/usr/bin/env bash
# Full-text search under load: 100,000 generated Vietnamese articles (~3 KB each) on SQLite and on
# PostgreSQL, indexed by `bantin migrate` (the same search::index code every write uses), then 200
# mixed queries through HTTP against a release build. Prints median and p95 latency and the index
# size for each backend. See bench/README.md. Takes about ten minutes.
#
# Usage: bench/search.sh
#   BENCH_ARTICLES       how many articles (default 100000)
#   BENCH_POSTGRES_URL   a PostgreSQL server to create the bench database on
#                        (default postgres://postgres@127.0.0.1:5432/postgres; "skip" to skip)
#   BENCH_DIR            where the data and the SQLite database go (default target/bench-search)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

ARTICLES=${BENCH_ARTICLES:-100000}
PG_ADMIN=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
DIR=${BENCH_DIR:-target/bench-search}
BIN=target/release/bantin
PORT=${BENCH_PORT:-18471}
export BANTIN_JWT_SECRET=bench-secret-0123456789abcdef-0123456789
export BANTIN_LOG=warn
export BANTIN_BIND=127.0.0.1:$PORT

step() { printf '\n== %s\n' "$*"; }
seconds() { date +%s%N; }
elapsed() { local ms=$(( ($(date +%s%N) - $1) / 1000000 )); printf '%d.%d s' $((ms / 1000)) $((ms % 1000 / 100)); }

step "release build"
cargo build --release --quiet --bin bantin

mkdir -p "$DIR"
DATA=$DIR/articles-$ARTICLES.csv
QUERIES=$DIR/queries.txt
if [ ! -s "$DATA" ] || [ ! -s "$QUERIES" ]; then
  step "generating $ARTICLES articles from the demo data's words"
  python3 bench/search.py generate "$ARTICLES" "$DATA.tmp" "$QUERIES"
  mv "$DATA.tmp" "$DATA"
fi

SERVER=
stop_server() {
  if [ -n "$SERVER" ]; then
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
    SERVER=
  fi
}
trap stop_server EXIT

serve_and_measure() {
  "$BIN" serve --no-demo >"$DIR/serve.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1 && break
    sleep 0.2
  done
  curl -fs "http://127.0.0.1:$PORT/health/ready" >/dev/null || { cat "$DIR/serve.log"; exit 1; }
  echo "latency (sequential, keep-alive, after one warm-up pass; limit=20, anonymous):"
  python3 bench/search.py run "http://127.0.0.1:$PORT" "$QUERIES" /api/v1/search
  python3 bench/search.py run "http://127.0.0.1:$PORT" "$QUERIES" /api/v1/articles
  stop_server
}

step "SQLite"
DB=$DIR/bench.db
rm -f "$DB" "$DB-wal" "$DB-shm"
export BANTIN_DATABASE_URL=sqlite://$DB
"$BIN" migrate
t=$(seconds)
python3 bench/search.py load-sqlite "$DB" "$DATA"
echo "articles inserted in $(elapsed "$t")"
t=$(seconds)
"$BIN" migrate
echo "indexed by bantin migrate in $(elapsed "$t")"
serve_and_measure
sqlite3 "$DB" "SELECT 'index size: FTS5 ' || printf('%.1f', SUM(pgsize) / 1048576.0) || ' MiB' FROM dbstat WHERE name LIKE 'search_fts%';
  SELECT 'search_documents (both texts, folded and as written): ' || printf('%.1f', SUM(pgsize) / 1048576.0) || ' MiB' FROM dbstat WHERE name LIKE 'search_documents%';"

if [ "$PG_ADMIN" != skip ]; then
  step "PostgreSQL"
  NAME=bantin_bench_search
  psql "$PG_ADMIN" -qAt -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $NAME WITH (FORCE)" -c "CREATE DATABASE $NAME"
  PG=${PG_ADMIN%/*}/$NAME
  export BANTIN_DATABASE_URL=$PG
  "$BIN" migrate
  t=$(seconds)
  psql "$PG" -qAt -v ON_ERROR_STOP=1 \
    -c "\\copy articles (slug, title, summary, body, category, status, published_at, created_at, updated_at, version) FROM '$DATA' WITH (FORMAT csv)"
  echo "articles inserted in $(elapsed "$t")"
  t=$(seconds)
  "$BIN" migrate
  psql "$PG" -qAt -c "VACUUM ANALYZE search_documents" -c "VACUUM ANALYZE search_fts"
  echo "indexed by bantin migrate (and vacuumed) in $(elapsed "$t")"
  serve_and_measure
  psql "$PG" -qAt -c "SELECT 'index size: GIN ' || pg_size_pretty(pg_relation_size('search_fts_document_idx') + pg_relation_size('search_fts_title_idx')) || ', search_fts vectors ' || pg_size_pretty(pg_table_size('search_fts')) || ', search_documents (both texts, folded and as written) ' || pg_size_pretty(pg_table_size('search_documents'))"
  psql "$PG_ADMIN" -qAt -c "DROP DATABASE IF EXISTS $NAME WITH (FORCE)"
fi
