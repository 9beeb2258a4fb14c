#!/usr/bin/env bash
# apigw throttling benchmark.
#
# Speed: GET through the gateway without throttling (off), with the
# stage's bucket in the shared zone (stage), and with an API key whose plan
# has a bucket and a quota (key: identity, two levels, one lock); buckets
# too large to refuse anything, so all three do the same work otherwise.
# Same backend, same run, rounds alternating; ratios to off.
#
# With redis-server installed, also the stage's bucket in Redis (redis: a
# second front nginx with apigw_redis, the same spec and backend).
#
# Accuracy: one gateway with two workers, a bucket of rate 200/s burst 100,
# driven at three times its rate (6 connections, one request every 10 ms
# each) for 10 s: the admitted count against rate x seconds + burst; then
# the same through two gateways sharing one Redis, each driven at half of
# that.
#
#   bench/throttle.sh
#   ROUNDS=3 DURATION=3s bench/throttle.sh

set -euo pipefail
shopt -s inherit_errexit

ROOT=$(cd "$(dirname "$0")/.." && pwd)
NGINX=${NGINX:-/usr/sbin/nginx}
export -n NGINX
MODULE=$ROOT/build/ngx_http_apigw_module.so
OUT=$ROOT/build/bench-throttle
HERE=$ROOT/bench/throttle

ACCURACY_RATE=${ACCURACY_RATE:-200}
ACCURACY_BURST=${ACCURACY_BURST:-100}
ACCURACY_SECONDS=${ACCURACY_SECONDS:-10}

CASES=(off stage key)
REDIS_SERVER=${REDIS_SERVER:-/usr/bin/redis-server}
[ -x "$REDIS_SERVER" ] && CASES+=(redis)
KEY=bench-key-0123456789abcdefghij

BENCH_NAME=bench-throttle
. "$ROOT/bench/lib.sh"
bench_require wrk curl perl

rm -rf "$OUT"
mkdir -p "$OUT/backend" "$OUT/front" "$OUT/accuracy" "$OUT/redis/front" \
         "$OUT/redis-a" "$OUT/redis-b"
cp "$MODULE" "$OUT/"
MODULE=$OUT/${MODULE##*/}

BACKEND_PORT=$(free_port)
FRONT_PORT=$(free_port)
ACCURACY_PORT=$(free_port)
REDIS_PORT=$(free_port)
REDIS_FRONT_PORT=$(free_port)
REDIS_A_PORT=$(free_port)
REDIS_B_PORT=$(free_port)

cp "$HERE/spec.yaml" "$OUT/spec.yaml"
sed "s/%%KEY%%/$KEY/" "$HERE/keys.yaml" > "$OUT/keys.yaml"

backend_conf > "$OUT/backend/nginx.conf"

front_conf() {
    local dir=$1 workers=$2 port=$3 redis=${4:-}
    echo "load_module $MODULE;"
    conf_head "$dir" "$workers"
    [ -n "$redis" ] && echo "    apigw_redis 127.0.0.1:$REDIS_PORT;"
    cat <<CONF
    upstream backend {
        server 127.0.0.1:$BACKEND_PORT;
        keepalive $KEEPALIVE;
        keepalive_requests 1000000;
    }

    apigw_api api $OUT/spec.yaml;
    apigw_keys $OUT/keys.yaml;

    proxy_http_version 1.1;
    proxy_set_header Connection "";

    server {
        listen 127.0.0.1:$port;

        location /off/ {
            apigw api stage=off;
            apigw_backend http://backend;
        }

        location /stage/ {
            apigw api stage=stage;
            apigw_backend http://backend;
            apigw_throttle rate=1000000 burst=10000000;
        }

        location /key/ {
            apigw api stage=key;
            apigw_backend http://backend;
        }

        location /accuracy/ {
            apigw api stage=accuracy;
            apigw_backend http://backend;
            apigw_throttle rate=$ACCURACY_RATE burst=$ACCURACY_BURST;
        }
    }
}
CONF
}

front_conf "$OUT/front" "$WORKERS" "$FRONT_PORT" > "$OUT/front/nginx.conf"
front_conf "$OUT/accuracy" 2 "$ACCURACY_PORT" > "$OUT/accuracy/nginx.conf"
front_conf "$OUT/redis/front" "$WORKERS" "$REDIS_FRONT_PORT" redis \
    > "$OUT/redis/front/nginx.conf"
front_conf "$OUT/redis-a" 2 "$REDIS_A_PORT" redis > "$OUT/redis-a/nginx.conf"
front_conf "$OUT/redis-b" 2 "$REDIS_B_PORT" redis > "$OUT/redis-b/nginx.conf"

url() {
    if [ "$1" = key ]; then
        echo "http://127.0.0.1:$FRONT_PORT/key/keyed"
    elif [ "$1" = redis ]; then
        echo "http://127.0.0.1:$REDIS_FRONT_PORT/stage/items"
    else
        echo "http://127.0.0.1:$FRONT_PORT/$1/items"
    fi
}

start_nginx "$OUT/backend" "http://127.0.0.1:$BACKEND_PORT/"
start_nginx "$OUT/front" "$(url off)"

if [ -x "$REDIS_SERVER" ]; then
    setsid "$REDIS_SERVER" --port "$REDIS_PORT" --bind 127.0.0.1 --save '' \
        --appendonly no > "$OUT/redis.log" 2>&1 &
    pids+=($!)
    sleep 0.3
    start_nginx "$OUT/redis/front" "$(url redis)"
    curl -sf -o /dev/null -D "$OUT/redis.h" "$(url redis)"
    grep -qi '^RateLimit: "stage"' "$OUT/redis.h" \
        || die "redis is not throttled"
fi

# each case does what it says
curl -sf -o /dev/null "$(url off)" || die "off does not answer 200"
curl -sf -o /dev/null -D "$OUT/stage.h" "$(url stage)"
grep -qi '^RateLimit: "stage"' "$OUT/stage.h" || die "stage is not throttled"
code=$(curl -s -o /dev/null -w '%{http_code}' "$(url key)")
[ "$code" = 403 ] || die "key without a key answers $code, not 403"
curl -sf -o /dev/null -D "$OUT/key.h" -H "x-api-key: $KEY" "$(url key)"
grep -qi '^RateLimit: "key"' "$OUT/key.h" || die "key is not throttled"

echo "apigw throttling benchmark: $("$NGINX" -v 2>&1 | sed 's/.*: //')," \
     "$(nproc) CPUs (load average $(cut -d' ' -f1 /proc/loadavg))," \
     "front workers: $WORKERS"
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency, cases" \
     "${CASES[*]} alternating $ROUNDS times, the best run of each counts"
echo

export APIGW_BENCH_KEY=$KEY

wrk_case() {
    if [ "$1" = key ]; then
        WRK_SCRIPT=$HERE/key.lua run_wrk "$2" "$(url "$1")" "$3"
    elif [ "$1" = redis ]; then
        # the CPU column is the redis front's (redis-server's not counted)
        OUT=$OUT/redis WRK_SCRIPT= run_wrk "$2" "$(url "$1")" "$3"
    else
        WRK_SCRIPT= run_wrk "$2" "$(url "$1")" "$3"
    fi
}

for c in "${CASES[@]}"; do
    wrk_case "$c" "warmup-$c" 2s > /dev/null
done

declare -A rps p99 cpu last
for c in "${CASES[@]}"; do rps[$c]=0; done
stage_ratios=() key_ratios=() redis_ratios=()

for round in $(seq "$ROUNDS"); do
    for c in "${CASES[@]}"; do
        read -r r p u <<< "$(wrk_case "$c" "$c-$round" "$DURATION")"
        printf '  run %d %-5s %8d req/s  p99 %6.2f ms  front CPU %5.1f us/req\n' \
            "$round" "$c" "$r" "$p" "$u"
        last[$c]=$r
        if [ "$r" -gt "${rps[$c]}" ]; then rps[$c]=$r p99[$c]=$p cpu[$c]=$u; fi
    done
    stage_ratios+=("$(ratio "${last[stage]}" "${last[off]}")")
    key_ratios+=("$(ratio "${last[key]}" "${last[off]}")")
    [ -n "${last[redis]:-}" ] \
        && redis_ratios+=("$(ratio "${last[redis]}" "${last[off]}")")
done

echo
printf '%-6s %8s %10s %14s %8s\n' case req/s p99 "front CPU" "/off"
for c in "${CASES[@]}"; do
    printf '%-6s %8d %7.2f ms %7.1f us/req %8s\n' "$c" "${rps[$c]}" \
        "${p99[$c]}" "${cpu[$c]}" "$(ratio "${rps[$c]}" "${rps[off]}")"
done
echo "stage/off per round: ${stage_ratios[*]}  (median $(median "${stage_ratios[@]}"))"
echo "key/off per round:   ${key_ratios[*]}  (median $(median "${key_ratios[@]}"))"
[ ${#redis_ratios[@]} -gt 0 ] \
    && echo "redis/off per round: ${redis_ratios[*]}  (median $(median "${redis_ratios[@]}"))"

# accuracy: three times the rate, through one gateway or two
accuracy() {
    local name=$1; shift
    local connections=6 delay_ms n=$# i=0 url admitted=0 total=0 f w
    local wrks=()

    # the same total pace, shared by the gateways
    delay_ms=$((connections * n * 1000 / (3 * ACCURACY_RATE)))

    for url in "$@"; do
        i=$((i + 1))
        APIGW_BENCH_DELAY=$delay_ms wrk -t2 -c"$connections" \
            -d"${ACCURACY_SECONDS}s" -s "$HERE/paced.lua" "$url" \
            > "$OUT/wrk-accuracy-$i.txt" &
        wrks+=($!)
    done

    for w in "${wrks[@]}"; do
        wait "$w"
    done

    for f in "$OUT"/wrk-accuracy-*.txt; do
        read -r a t <<< "$(perl -0777 -ne '
            my ($n) = /^\s*(\d+) requests in/m;
            my ($refused) = /Non-2xx or 3xx responses: (\d+)/;
            print $n - ($refused // 0), " $n\n"' "$f")"
        admitted=$((admitted + a)) total=$((total + t))
        rm "$f"
    done

    RATE=$ACCURACY_RATE BURST=$ACCURACY_BURST SECS=$ACCURACY_SECONDS \
    N=$n NAME=$name A=$admitted T=$total perl -e '
        my $expected = $ENV{RATE} * $ENV{SECS} + $ENV{BURST};
        printf "accuracy, %s: rate %s/s burst %s, %d requests in %d s " .
               "(%.0f/s): %d admitted, %d expected (rate x %d s + burst), " .
               "%+.1f %%\n", $ENV{NAME}, $ENV{RATE}, $ENV{BURST}, $ENV{T},
               $ENV{SECS}, $ENV{T} / $ENV{SECS}, $ENV{A}, $expected,
               $ENV{SECS}, 100 * ($ENV{A} - $expected) / $expected;'
}

echo
start_nginx "$OUT/accuracy" "http://127.0.0.1:$ACCURACY_PORT/off/items"
accuracy "one gateway, 2 workers, shared zone" \
    "http://127.0.0.1:$ACCURACY_PORT/accuracy/items"

if [ -x "$REDIS_SERVER" ]; then
    start_nginx "$OUT/redis-a" "http://127.0.0.1:$REDIS_A_PORT/off/items"
    start_nginx "$OUT/redis-b" "http://127.0.0.1:$REDIS_B_PORT/off/items"
    accuracy "two gateways of 2 workers, one Redis" \
        "http://127.0.0.1:$REDIS_A_PORT/accuracy/items" \
        "http://127.0.0.1:$REDIS_B_PORT/accuracy/items"
fi
