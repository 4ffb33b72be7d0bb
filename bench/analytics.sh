#!/usr/bin/env bash
# Analytics benchmark: `make bench-analytics` runs it after the release build.
#
# For each engine: a fresh database, `squid demo --users $USERS --days $DAYS` (timed), the
# release server on a free port, an admin signed in (admin@bench.test through
# ADMIN_EMAILS), then every admin analytics route timed $RUNS times with curl. Prints the
# minimum, median and maximum in ms per route, and PASS when the median is under 1 s.
#
# Environment:
#   BENCH_ANALYTICS_BACKENDS  engines to run, among sqlite and postgres (default both)
#   USERS, DAYS, SEED         the demo data (default 10000, 90, 42: about 1,000,000 page views)
#   RUNS                      timed requests per route (default 5)
#   SQUID_BIN                 server binary (default target/release/squid)
#   SQUID_SITE_ROOT           site directory (default target/site)
#   BENCH_POSTGRES            default postgres://postgres@127.0.0.1:5432
#
# Exits 1 when the demo, the server or the admin's sign-in fails; a slow route or one that
# answers an error is reported (MISS, or its HTTP status) but does not fail the run.
set -euo pipefail

cd "$(dirname "$0")/.."

USERS=${USERS:-10000}
DAYS=${DAYS:-90}
SEED=${SEED:-42}
RUNS=${RUNS:-5}
BIN=${SQUID_BIN:-target/release/squid}
SITE=${SQUID_SITE_ROOT:-target/site}
PG_SERVER=${BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432}
BACKENDS=${BENCH_ANALYTICS_BACKENDS:-sqlite postgres}
LIMIT_MS=1000
ADMIN=admin@bench.test
ADMIN_PW=bench-admin-password

die() {
    echo "bench-analytics: $*" >&2
    exit 1
}

for n in USERS DAYS RUNS; do
    [[ ${!n} =~ ^[1-9][0-9]*$ ]] || die "$n must be a positive whole number, not '${!n}'"
done
for b in $BACKENDS; do
    [[ $b == sqlite || $b == postgres ]] || die "BENCH_ANALYTICS_BACKENDS lists sqlite and postgres, not '$b'"
done
[[ -x $BIN ]] || die "no server binary at $BIN: build it first (make bench-analytics does)"

TMP=$(mktemp -d)
SERVER_PID=
PG_DB=
cleanup() {
    stop_server
    if [[ -n $PG_DB ]]; then
        psql "$PG_SERVER/postgres" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" || true
    fi
    rm -rf "$TMP"
}
stop_server() {
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A port nothing listens on.
free_port() {
    local p
    for p in $(seq 3410 3499); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return
        fi
    done
    die "no free port in 3410-3499"
}

iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%S.000Z; }

# The demo's period: the DAYS whole UTC days before today, up to now.
now=$(date -u +%s)
FROM=$(iso $((now - now % 86400 - DAYS * 86400)))
TO=$(iso "$now")
# Each period figure twice: over the API's default period (the last 30 days) and over the
# whole demo period, the heaviest a dashboard asks for.
ROUTES=(
    "overview (30 days)|/api/admin/analytics/overview"
    "overview (${DAYS} days)|/api/admin/analytics/overview?from=$FROM&to=$TO"
    "funnel 3 steps (30 d)|/api/admin/analytics/funnel?steps=home,pricing,signup"
    "funnel 3 steps (${DAYS} d)|/api/admin/analytics/funnel?steps=home,pricing,signup&from=$FROM&to=$TO"
    "paths of 3 (30 days)|/api/admin/analytics/paths?length=3&limit=10"
    "paths of 3 (${DAYS} days)|/api/admin/analytics/paths?length=3&limit=10&from=$FROM&to=$TO"
    "retention (8 weeks)|/api/admin/analytics/retention?weeks=8"
    "timeseries (${DAYS} days)|/api/admin/analytics/timeseries?metric=activeUsers&interval=day&from=$FROM&to=$TO"
    "realtime|/api/admin/analytics/realtime"
    "sessions/stats|/api/admin/sessions/stats"
)

SUMMARY=()

bench_engine() {
    local engine=$1 db_url size
    local key
    key=$(head -c 64 /dev/urandom | base64 -w0)
    if [[ $engine == postgres ]]; then
        PG_DB=squid_bench_analytics_$$
        psql "$PG_SERVER/postgres" -qc "CREATE DATABASE $PG_DB" || die "cannot create a database at $PG_SERVER"
        db_url="$PG_SERVER/$PG_DB"
    else
        db_url="sqlite://$TMP/analytics.db"
    fi
    # Retention must not purge the oldest demo day while the server runs.
    local env=(DATABASE_URL="$db_url" COOKIE_KEY="$key" DATA_RETENTION_DAYS=$((DAYS + 2)) RUST_LOG=warn)

    echo "== $engine: squid demo --users $USERS --days $DAYS --seed $SEED"
    local t0 t1 demo_s
    t0=$(date +%s.%N)
    env "${env[@]}" "$BIN" demo --users "$USERS" --days "$DAYS" --seed "$SEED" || die "squid demo failed on $engine"
    t1=$(date +%s.%N)
    demo_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
    if [[ $engine == postgres ]]; then
        # The demo leaves hundreds of MB of dirty buffers that the checkpointer would
        # write out during the timed requests; write them now.
        psql "$db_url" -qc CHECKPOINT || true
        size=$(psql "$PG_SERVER/postgres" -tAc "SELECT pg_size_pretty(pg_database_size('$PG_DB'))")
    else
        size=$(du -ch "$TMP"/analytics.db* | awk 'END { print $1 }')
    fi
    echo "   demo: ${demo_s} s (the command, connection and migrations included); database: $size"

    local port base
    port=$(free_port)
    base=http://127.0.0.1:$port
    env "${env[@]}" ADMIN_EMAILS=$ADMIN LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT="$SITE" \
        LEPTOS_OUTPUT_NAME=squid "$BIN" serve >"$TMP/server.log" 2>&1 &
    SERVER_PID=$!
    local deadline=$((SECONDS + 60))
    until [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$base/api/health" || true) == 200 ]]; do
        if ! kill -0 "$SERVER_PID" 2>/dev/null || ((SECONDS >= deadline)); then
            tail -n 20 "$TMP/server.log" >&2
            die "the server on $engine did not answer $base/api/health"
        fi
        sleep 0.2
    done

    local jar=$TMP/cookies.txt status
    rm -f "$jar"
    status=$(curl -s -o "$TMP/register.json" -w '%{http_code}' -c "$jar" -b "$jar" \
        -H 'Content-Type: application/json' \
        -d "{\"email\":\"$ADMIN\",\"password\":\"$ADMIN_PW\"}" "$base/api/auth/register")
    [[ $status == 201 ]] || die "registering $ADMIN answered $status: $(cat "$TMP/register.json")"
    grep -q '"role":"admin"' "$TMP/register.json" || die "$ADMIN is not an admin: $(cat "$TMP/register.json")"

    printf '   %-22s %9s %9s %9s  %s\n' route "min ms" "median ms" "max ms" "< ${LIMIT_MS} ms"
    local route name path i out code times verdict
    for route in "${ROUTES[@]}"; do
        name=${route%%|*}
        path=${route#*|}
        times=()
        code=
        for ((i = 0; i < RUNS; i++)); do
            out=$(curl -s -o "$TMP/body.json" -w '%{http_code} %{time_total}' -b "$jar" --max-time 120 "$base$path") || out="000 0"
            code=${out%% *}
            [[ $code == 200 ]] || break
            times+=("${out#* }")
        done
        if [[ $code != 200 ]]; then
            printf '   %-22s %31s  %s\n' "$name" "HTTP $code" "n/a: $(head -c 120 "$TMP/body.json" 2>/dev/null)"
            SUMMARY+=("$engine|$name|HTTP $code|||n/a")
            continue
        fi
        read -r min med max < <(printf '%s\n' "${times[@]}" | sort -g |
            awk '{ v[NR] = $1 * 1000 } END { printf "%.1f %.1f %.1f\n", v[1], v[int((NR + 1) / 2)], v[NR] }')
        verdict=$(awk -v m="$med" -v l=$LIMIT_MS 'BEGIN { print (m < l ? "PASS" : "MISS") }')
        printf '   %-22s %9s %9s %9s  %s\n' "$name" "$min" "$med" "$max" "$verdict"
        SUMMARY+=("$engine|$name|$min|$med|$max|$verdict")
    done
    stop_server
    if [[ $engine == postgres ]]; then
        psql "$PG_SERVER/postgres" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" || true
        PG_DB=
    else
        rm -f "$TMP"/analytics.db*
    fi
}

for engine in $BACKENDS; do
    bench_engine "$engine"
done

echo
echo "== summary: $USERS users, $DAYS days, $RUNS runs per route (median against ${LIMIT_MS} ms)"
printf '%-9s %-22s %9s %9s %9s  %s\n' engine route "min ms" "median ms" "max ms" verdict
for row in "${SUMMARY[@]}"; do
    IFS='|' read -r e n a b c v <<<"$row"
    printf '%-9s %-22s %9s %9s %9s  %s\n' "$e" "$n" "$a" "$b" "$c" "$v"
done
