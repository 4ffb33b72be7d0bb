#!/usr/bin/env bash
# Load benchmark for Squid: `make bench` runs it as `bash bench/run.sh` after
# `cargo leptos build --release`.
#
# Starts the release server on CPU 0 with a fresh SQLite database, runs the
# goose load generator (bench/, 64 users) on CPU 1 over loopback, and reports
# requests, failures, throughput, latency, the server's CPU time per request
# and its peak RSS against the targets.
#
# Environment:
#   BENCH_SECONDS    seconds at full load, after a ~2 s ramp (default 30)
#   SQUID_BIN        server binary (default target/release/squid)
#   SQUID_SITE_ROOT  site directory (default target/site)
#   (the last two only to try the script against a stand-in server)
#   BENCH_BACKEND    sqlite (default), postgres, sqlite-redis or postgres-redis: the
#                    local PostgreSQL (a database of the run's, dropped after) and Redis
#                    (a key prefix of the run's, deleted after); their own CPU time per
#                    request is reported beside the server's
#   BENCH_POSTGRES   default postgres://postgres@127.0.0.1:5432
#   BENCH_REDIS      default redis://127.0.0.1:6379/0
#
# Exits 1 when a request failed, the server died or could not start; a missed
# target is reported but does not fail the run.
set -euo pipefail

cd "$(dirname "$0")/.."

ADDR=127.0.0.1:3400
BASE=http://$ADDR
SECONDS_RUN=${BENCH_SECONDS:-30}
BIN=${SQUID_BIN:-target/release/squid}
SITE=${SQUID_SITE_ROOT:-target/site}

# Targets.
MAX_CPU_US=60
MAX_P99_MS=15
MAX_RSS_MB=64

die() {
    echo "bench: $*" >&2
    exit 1
}

[[ $SECONDS_RUN =~ ^[1-9][0-9]*$ ]] || die "BENCH_SECONDS must be a positive whole number, not '$SECONDS_RUN'"
BACKEND=${BENCH_BACKEND:-sqlite}
case $BACKEND in
sqlite | postgres | sqlite-redis | postgres-redis) ;;
*) die "BENCH_BACKEND is sqlite, postgres, sqlite-redis or postgres-redis, not '$BACKEND'" ;;
esac
PG_SERVER=${BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432}
REDIS_URL=${BENCH_REDIS:-redis://127.0.0.1:6379/0}
RUN_NAME=squid_bench_$$
[[ -x $BIN ]] || die "no server binary at $BIN: build it first with 'cargo leptos build --release' (or 'make bench')"
[[ -d $SITE ]] || die "no site at $SITE: build it first with 'cargo leptos build --release' (or 'make bench')"

# Server on CPU 0, load generator on CPU 1, so neither steals the other's time.
PIN_SERVER=()
PIN_LOAD=()
if ! command -v taskset >/dev/null; then
    echo "bench: WARNING: taskset not found (util-linux); running without CPU pinning" >&2
elif ! taskset -c 0,1 true 2>/dev/null; then
    echo "bench: WARNING: CPUs 0 and 1 are not both available; running without CPU pinning" >&2
else
    PIN_SERVER=(taskset -c 0)
    PIN_LOAD=(taskset -c 1)
fi

echo "bench: building the load generator"
CARGO_TARGET_DIR=target/bench cargo build --release --locked --quiet --manifest-path bench/Cargo.toml
LOADGEN=target/bench/release/squid-bench

if curl -s -o /dev/null --max-time 2 "$BASE/" 2>/dev/null; then
    die "something already listens on $ADDR; stop it first"
fi

TMP=$(mktemp -d)
SERVER_PID=
cleanup() {
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [[ $BACKEND == postgres* ]]; then
        psql "$PG_SERVER/postgres" -qc "DROP DATABASE IF EXISTS $RUN_NAME WITH (FORCE)" || true
    fi
    if [[ $BACKEND == *redis ]]; then
        redis-cli -u "$REDIS_URL" --scan --pattern "$RUN_NAME:*" | xargs -r -n 500 redis-cli -u "$REDIS_URL" del >/dev/null || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

DB_URL="sqlite://$TMP/bench.db"
STORE_ENV=()
if [[ $BACKEND == postgres* ]]; then
    psql "$PG_SERVER/postgres" -qc "CREATE DATABASE $RUN_NAME" || die "cannot create a database at $PG_SERVER"
    DB_URL="$PG_SERVER/$RUN_NAME"
    STORE_ENV+=(COOKIE_KEY="$(head -c 64 /dev/urandom | base64 -w0)")
fi
if [[ $BACKEND == *redis ]]; then
    redis-cli -u "$REDIS_URL" ping >/dev/null || die "no Redis answers at $REDIS_URL"
    STORE_ENV+=(SESSION_STORE_URL="$REDIS_URL?prefix=$RUN_NAME:")
fi

# CPU ticks of every process of the backend's services (PostgreSQL's backends come and
# go with connections, so all processes named postgres are summed; the machine's services
# are otherwise idle during a run, which is what a bench needs anyway).
service_ticks() {
    local names=() total=0 pid line
    [[ $BACKEND == postgres* ]] && names+=(postgres)
    [[ $BACKEND == *redis ]] && names+=(redis-server)
    ((${#names[@]})) || { echo 0; return; }
    for pid in $(pgrep -x -d ' ' "$(IFS='|'; echo "${names[*]}")" || true); do
        line=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
        read -ra S <<<"${line##*) }"
        total=$((total + S[11] + S[12] + S[13] + S[14]))
    done
    echo $total
}

echo "bench: starting $BIN on $ADDR ($BACKEND)"
# taskset and env both exec, so $! is the server process itself.
"${PIN_SERVER[@]}" env DATABASE_URL="$DB_URL" "${STORE_ENV[@]}" LEPTOS_SITE_ADDR="$ADDR" \
    LEPTOS_SITE_ROOT="$SITE" LEPTOS_OUTPUT_NAME=squid RUST_LOG=warn \
    "$BIN" serve >"$TMP/server.log" 2>&1 &
SERVER_PID=$!

server_log() {
    if [[ -s $TMP/server.log ]]; then
        echo "--- server log (last 20 lines) ---" >&2
        tail -n 20 "$TMP/server.log" >&2
    fi
}

# Fields of /proc/PID/stat after the command name (which may hold spaces and
# parentheses): STAT[0] is field 3 (state), so field N is STAT[N-3].
# Fails when the server is gone or a zombie.
read_stat() {
    local line
    line=$(cat "/proc/$SERVER_PID/stat" 2>/dev/null) || return 1
    read -ra STAT <<<"${line##*) }"
    [[ ${STAT[0]} != Z ]]
}

deadline=$((SECONDS + 60))
until [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASE/api/health" || true) == 200 ]]; do
    if ! read_stat; then
        server_log
        die "the server exited before answering $BASE/api/health"
    fi
    if ((SECONDS >= deadline)); then
        server_log
        die "$BASE/api/health did not answer 200 within 60 s"
    fi
    sleep 0.2
done

TICK=$(getconf CLK_TCK)
read_stat || die "cannot read /proc/$SERVER_PID/stat"
ticks_before=$((STAT[11] + STAT[12])) # utime (14) + stime (15)
service_before=$(service_ticks)

echo "bench: ${SECONDS_RUN} s with 64 users against $BASE"
loadgen_status=0
BENCH_HOST=$BASE BENCH_SECONDS=$SECONDS_RUN BENCH_USERS=64 BENCH_SUMMARY="$TMP/summary.txt" \
    "${PIN_LOAD[@]}" "$LOADGEN" || loadgen_status=$?

if ! read_stat; then
    server_log
    die "the server died during the run"
fi
ticks_after=$((STAT[11] + STAT[12]))
service_after=$(service_ticks)
rss_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SERVER_PID/status")

if ((loadgen_status != 0)) || [[ ! -s $TMP/summary.txt ]]; then
    server_log
    die "the load generator failed (exit $loadgen_status)"
fi

declare -A R
while IFS='=' read -r key value; do
    R[$key]=$value
done <"$TMP/summary.txt"

requests=${R[requests]}
failures=${R[failures]}
((requests > 0)) || die "no request was made"

read -r cpu_us rss_mb < <(awk -v t=$((ticks_after - ticks_before)) -v hz="$TICK" \
    -v n="$requests" -v kb="$rss_kb" 'BEGIN { printf "%.1f %.1f\n", t * 1e6 / hz / n, kb / 1024 }')

# PASS when value < limit (or <= when inclusive is 1).
verdict() {
    awk -v v="$1" -v l="$2" -v inc="$3" 'BEGIN { print ((inc ? v <= l : v < l) ? "PASS" : "MISS") }'
}

service_us=$(awk -v t=$((service_after - service_before)) -v hz="$TICK" -v n="$requests" \
    'BEGIN { printf "%.1f", t * 1e6 / hz / n }')

echo
[[ $BACKEND == sqlite ]] || echo "backend $BACKEND: PostgreSQL/Redis cpu/request: $service_us µs (beside the server's below)"
echo "requests: $requests  failures: $failures  rps: ${R[rps]}  p50: ${R[p50_ms]} ms  p99: ${R[p99_ms]} ms  server cpu/request: $cpu_us µs  server peak RSS (VmHWM): $rss_mb MB"
echo "  cpu/request $cpu_us µs <= $MAX_CPU_US µs: $(verdict "$cpu_us" $MAX_CPU_US 1)"
echo "  p99 ${R[p99_ms]} ms < $MAX_P99_MS ms: $(verdict "${R[p99_ms]}" $MAX_P99_MS 0)"
echo "  peak RSS $rss_mb MB < $MAX_RSS_MB MB: $(verdict "$rss_mb" $MAX_RSS_MB 0)"

if ((failures > 0)); then
    server_log
    die "$failures of $requests requests failed (see the FAILED lines and goose's error summary above)"
fi
