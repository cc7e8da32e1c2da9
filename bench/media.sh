#!/usr/bin/env bash
# Media uploads and file reads on each store: the database on SQLite, the database on PostgreSQL,
# a directory, and an S3 bucket (moto in server mode on 127.0.0.1). For each, prints the upload
# throughput (distinct JPEGs, each decoded, cleaned and resized into three variants) and the
# requests per second of GET /api/v1/media/{id}/medium. See bench/README.md.
#
# Usage: bench/media.sh
#   BENCH_UPLOADS        uploads per store (default 200)
#   BENCH_SECONDS        length of each GET run (default 10)
#   BENCH_CONNECTIONS    concurrent GET connections (default 32)
#   BENCH_POSTGRES_URL   a PostgreSQL server to create the bench database on
#                        (default postgres://postgres@127.0.0.1:5432/postgres; "skip" to skip)
#   BENCH_DIR            scratch directory (default target/bench-media)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

UPLOADS=${BENCH_UPLOADS:-200}
SECONDS_PER_RUN=${BENCH_SECONDS:-10}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
PG_ADMIN=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
DIR=${BENCH_DIR:-target/bench-media}
BIN=${CARGO_TARGET_DIR:-target}/release/bantin
PORT=${BENCH_PORT:-18472}
S3_PORT=${BENCH_S3_PORT:-18473}
BASE=http://127.0.0.1:$PORT
export BANTIN_JWT_SECRET=bench-secret-0123456789abcdef-0123456789
export BANTIN_LOG=warn
export BANTIN_BIND=127.0.0.1:$PORT

step() { printf '\n== %s\n' "$*"; }

command -v wrk >/dev/null || command -v oha >/dev/null \
  || { echo "needs wrk (apt-get install wrk) or oha (cargo install oha)" >&2; exit 1; }

step "release build"
cargo build --release --quiet --bin bantin

rm -rf "$DIR"
mkdir -p "$DIR"
python3 bench/media.py png 2400 1600 "$DIR/photo.png"

SERVER=
S3=
stop_server() {
  if [ -n "$SERVER" ]; then
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
    SERVER=
  fi
}
stop_all() {
  stop_server
  if [ -n "$S3" ]; then
    kill "$S3" 2>/dev/null || true
    wait "$S3" 2>/dev/null || true
  fi
}
trap stop_all EXIT

get_rps() {
  local url=$1
  if command -v oha >/dev/null; then
    oha --no-tui -z "${SECONDS_PER_RUN}s" -c "$CONNECTIONS" "$url" | grep -E "Requests/sec|Success rate"
  else
    wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" "$url" | grep -E "Requests/sec|Non-2xx|Socket errors" || true
  fi
}

# Serves the configured store, uploads, and reads one medium variant under load.
measure() {
  "$BIN" user create --username bench --role editor <<<"bench password 0123456789" >/dev/null
  "$BIN" serve --no-demo >"$DIR/serve.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do
    curl -fs "$BASE/health/ready" >/dev/null 2>&1 && break
    sleep 0.2
  done
  curl -fs "$BASE/health/ready" >/dev/null || { cat "$DIR/serve.log"; exit 1; }
  local token id
  token=$(curl -fs -H 'Content-Type: application/json' \
    -d '{"username":"bench","password":"bench password 0123456789"}' "$BASE/api/v1/auth/token" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  # A realistic JPEG to upload: the server's own large variant of the generated photo.
  id=$(curl -fs -H "Authorization: Bearer $token" -H 'Content-Type: image/png' \
    --data-binary "@$DIR/photo.png" "$BASE/api/v1/media" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  curl -fs -o "$DIR/photo.jpg" "$BASE/api/v1/media/$id/large"
  local out
  out=$(python3 bench/media.py upload "$BASE" "$token" "$DIR/photo.jpg" "$UPLOADS" 2)
  echo "$out" | head -n -1
  id=$(echo "$out" | tail -n 1)
  echo "GET /api/v1/media/$id/medium, $CONNECTIONS connections, ${SECONDS_PER_RUN} s:"
  get_rps "$BASE/api/v1/media/$id/medium"
  stop_server
}

step "store: db, on SQLite"
export BANTIN_DATABASE_URL=sqlite://$DIR/bench.db
export BANTIN_MEDIA_STORE=db
"$BIN" migrate
measure

if [ "$PG_ADMIN" != skip ]; then
  step "store: db, on PostgreSQL"
  NAME=bantin_bench_media
  psql "$PG_ADMIN" -qAt -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $NAME WITH (FORCE)" -c "CREATE DATABASE $NAME"
  export BANTIN_DATABASE_URL=${PG_ADMIN%/*}/$NAME
  "$BIN" migrate
  measure
  psql "$PG_ADMIN" -qAt -c "DROP DATABASE IF EXISTS $NAME WITH (FORCE)"
fi

step "store: file (a directory), database on SQLite"
export BANTIN_DATABASE_URL=sqlite://$DIR/bench-file.db
export BANTIN_MEDIA_STORE=file://$(realpath "$DIR")/files
"$BIN" migrate
measure

if command -v moto_server >/dev/null; then
  step "store: s3 (moto in server mode), database on SQLite"
  moto_server -H 127.0.0.1 -p "$S3_PORT" >"$DIR/moto.log" 2>&1 &
  S3=$!
  for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$S3_PORT/" >/dev/null 2>&1 && break
    sleep 0.2
  done
  curl -fs -X PUT "http://127.0.0.1:$S3_PORT/bantin-bench" >/dev/null
  export AWS_ENDPOINT_URL=http://127.0.0.1:$S3_PORT AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_REGION=us-east-1
  export BANTIN_DATABASE_URL=sqlite://$DIR/bench-s3.db
  export BANTIN_MEDIA_STORE=s3://bantin-bench/media
  "$BIN" migrate
  measure
else
  step "store: s3 skipped: moto_server not found (pip install 'moto[server]')"
fi
