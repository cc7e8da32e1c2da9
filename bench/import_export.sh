#!/usr/bin/env bash
# How long `bantin import` takes for N articles with their meetings (default 100,000 articles,
# 20,000 meetings) on SQLite and on PostgreSQL, and how fast `bantin export` writes them back.
# Usage: bench/import_export.sh [ARTICLES] [MEETINGS]
# Needs: cargo, python3, psql; PostgreSQL at $BANTIN_BENCH_POSTGRES_URL
# (default postgres://postgres@127.0.0.1:5432/postgres), where it creates and drops bantin_bench_io.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
articles=${1:-100000}
meetings=${2:-20000}
admin_url=${BANTIN_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
work=$(mktemp -d)
trap 'rm -rf "$work"; psql "$admin_url" -qc "DROP DATABASE IF EXISTS bantin_bench_io WITH (FORCE)" >/dev/null 2>&1 || true' EXIT

echo "== building the release binary"
cargo build --release --quiet
bin=target/release/bantin
export BANTIN_JWT_SECRET=bench-secret-0123456789abcdef0123456789 BANTIN_LOG=warn

echo "== generating $articles articles with $meetings meetings"
python3 bench/gen_dataset.py "$articles" "$meetings" > "$work/in.jsonl"
size=$(stat -c %s "$work/in.jsonl")
lines=$(wc -l < "$work/in.jsonl")
echo "dataset: $lines records, $((size / 1024 / 1024)) MiB"

run() { # name url
  local name=$1 url=$2 t0 t1 t2
  t0=$(date +%s.%N)
  BANTIN_DATABASE_URL=$url "$bin" import "$work/in.jsonl" >/dev/null
  t1=$(date +%s.%N)
  BANTIN_DATABASE_URL=$url "$bin" export "$work/out-$name.jsonl" >/dev/null
  t2=$(date +%s.%N)
  python3 - "$name" "$t0" "$t1" "$t2" "$lines" "$size" <<'PY'
import sys
name, t0, t1, t2, lines, size = sys.argv[1], *map(float, sys.argv[2:5]), int(sys.argv[5]), int(sys.argv[6])
imp, exp = t1 - t0, t2 - t1
print(f"{name:10} import {imp:7.1f} s ({lines / imp:9.0f} records/s)   export {exp:6.1f} s ({lines / exp:9.0f} records/s, {size / exp / 2**20:6.1f} MiB/s)")
PY
  cmp -s "$work/in.jsonl" "$work/out-$name.jsonl" && echo "$name: export is identical to the imported file" \
    || echo "$name: export DIFFERS from the imported file"
}

echo "== measuring"
run sqlite "sqlite://$work/bench.db"
psql "$admin_url" -qc "DROP DATABASE IF EXISTS bantin_bench_io WITH (FORCE)" >/dev/null
psql "$admin_url" -qc "CREATE DATABASE bantin_bench_io" >/dev/null
pg_url="${admin_url%/*}/bantin_bench_io"
run postgres "$pg_url"
