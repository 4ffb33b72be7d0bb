#!/usr/bin/env bash
# The Playwright suite again on PostgreSQL + Redis: a database and a Redis key prefix of the
# run's own, on the servers TEST_POSTGRES_URL and TEST_REDIS_URL name, removed after.
set -euo pipefail
cd "$(dirname "$0")"

PG=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
REDIS=${TEST_REDIS_URL:-redis://127.0.0.1:6379/0}
NAME=squid_e2e_$$
SERVER=${PG%/*}

cleanup() {
    psql "$PG" -qc "DROP DATABASE IF EXISTS $NAME WITH (FORCE)" || true
    redis-cli -u "$REDIS" --scan --pattern "$NAME:*" | xargs -r -n 500 redis-cli -u "$REDIS" del >/dev/null || true
}
trap cleanup EXIT
psql "$PG" -qc "CREATE DATABASE $NAME"

SQUID_E2E_DATABASE_URL="$SERVER/$NAME" \
SQUID_E2E_SESSION_STORE_URL="$REDIS?prefix=$NAME:" \
SQUID_E2E_COOKIE_KEY="$(head -c 64 /dev/urandom | base64 -w0)" \
    npx playwright test
