#!/usr/bin/env bash
# Two Squid instances on the local PostgreSQL and Redis, behind nginx on
# http://127.0.0.1:3000 (`make run-cluster`). Ctrl-C stops the instances and nginx; the
# database `squid_cluster` and the Redis keys under `squid_cluster:` stay for the next run.
#
#   SQUID_BIN        server binary (default target/release/squid)
#   SQUID_SITE_ROOT  the built site (default target/site)
#   POSTGRES_URL     the server to create the database on (default postgres://postgres@127.0.0.1:5432)
#   REDIS_URL        the Redis (default redis://127.0.0.1:6379/0)
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${SQUID_BIN:-target/release/squid}
SITE=${SQUID_SITE_ROOT:-target/site}
PG=${POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}
REDIS=${REDIS_URL:-redis://127.0.0.1:6379/0}
DB=squid_cluster
RUN=target/cluster
mkdir -p "$RUN/tmp"

psql "$PG/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 \
  || psql "$PG/postgres" -qc "CREATE DATABASE $DB"
# One key for both instances (a cookie signed by one is read by the other), kept out of
# the repository with the rest of the run's files.
[ -s "$RUN/cookie-key" ] || head -c 64 /dev/urandom | base64 -w0 > "$RUN/cookie-key"

pids=()
stop() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap stop EXIT INT TERM

for port in 3101 3102; do
  env DATABASE_URL="$PG/$DB" SESSION_STORE_URL="$REDIS?prefix=$DB:" \
      COOKIE_KEY="$(cat "$RUN/cookie-key")" TRUSTED_PROXIES=127.0.0.1 \
      PUBLIC_URL=http://127.0.0.1:3000 \
      LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT="$SITE" LEPTOS_OUTPUT_NAME=squid \
      RUST_LOG="${RUST_LOG:-info}" "$BIN" serve &
  pids+=($!)
done
nginx -p "$PWD/$RUN/" -c "$PWD/deploy/nginx.conf" -e stderr &
pids+=($!)
echo ">> two instances (3101, 3102) behind nginx on http://127.0.0.1:3000; Ctrl-C stops them"
wait -n "${pids[@]}"
