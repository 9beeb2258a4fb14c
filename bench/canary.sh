#!/usr/bin/env bash
# apigw canary benchmark: the README's staging-and-prod configuration,
# a stage with no canary (stage), the same stage sending half of its
# requests to a canary (canary: another apigw_api document of the same
# spec, the same backend), and the same with sticky assignment by a header
# (sticky: the hash of the header, on every request).  Same
# backend, same run, rounds alternating; ratios to stage.
#
#   bench/canary.sh
#   ROUNDS=3 DURATION=3s bench/canary.sh

set -euo pipefail
shopt -s inherit_errexit

ROOT=$(cd "$(dirname "$0")/.." && pwd)
NGINX=${NGINX:-/usr/sbin/nginx}
export -n NGINX
MODULE=$ROOT/build/ngx_http_apigw_module.so
OUT=$ROOT/build/bench-canary
HERE=$ROOT/bench/canary

CASES=(stage canary sticky)

BENCH_NAME=bench-canary
. "$ROOT/bench/lib.sh"
bench_require wrk curl perl

rm -rf "$OUT"
mkdir -p "$OUT/backend" "$OUT/front"
cp "$MODULE" "$OUT/"
MODULE=$OUT/${MODULE##*/}

BACKEND_PORT=$(free_port)
FRONT_PORT=$(free_port)

cp "$HERE/spec.yaml" "$OUT/spec.yaml"
cp "$HERE/spec.yaml" "$OUT/spec-v2.yaml"

backend_conf > "$OUT/backend/nginx.conf"

{
    echo "load_module $MODULE;"
    conf_head "$OUT/front" "$WORKERS"
    cat <<CONF
    upstream be {
        server 127.0.0.1:$BACKEND_PORT;
    }

    apigw_api api    $OUT/spec.yaml;
    apigw_api api-v2 $OUT/spec-v2.yaml;

    server {
        listen 127.0.0.1:$FRONT_PORT;

        location /stage/ {
            apigw api stage=prod;
            apigw_backend http://be/;
            apigw_stage_variable photos 127.0.0.1:$BACKEND_PORT;
        }

        location /canary/ {
            apigw api stage=prod;
            apigw_backend http://be/;
            apigw_stage_variable photos 127.0.0.1:$BACKEND_PORT;
            apigw_canary api-v2 percent=50;
            apigw_canary_stage_variable photos 127.0.0.1:$BACKEND_PORT;
        }

        location /sticky/ {
            apigw api stage=prod;
            apigw_backend http://be/;
            apigw_stage_variable photos 127.0.0.1:$BACKEND_PORT;
            apigw_canary api-v2 percent=50 sticky=\$http_x_user;
            apigw_canary_stage_variable photos 127.0.0.1:$BACKEND_PORT;
        }
    }
}
CONF
} > "$OUT/front/nginx.conf"

start_nginx "$OUT/backend" "http://127.0.0.1:$BACKEND_PORT/"
start_nginx "$OUT/front" "http://127.0.0.1:$FRONT_PORT/stage/items"

url() { echo "http://127.0.0.1:$FRONT_PORT/$1/items/7"; }

for c in "${CASES[@]}"; do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$(url "$c")")
    [ "$code" = 200 ] || die "$c answers $code, not 200 (see $OUT/*/error.log)"
done

echo "apigw canary benchmark: $("$NGINX" -v 2>&1 | sed 's/.*: //')," \
     "$(nproc) CPUs (load average $(cut -d' ' -f1 /proc/loadavg))," \
     "front workers: $WORKERS"
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency, cases" \
     "${CASES[*]} alternating $ROUNDS times, the best run of each counts"
echo

wrk_case() {
    local script=
    [ "$1" = sticky ] && script=$HERE/user.lua
    WRK_SCRIPT=$script run_wrk "$2" "$(url "$1")" "$3"
}

for c in "${CASES[@]}"; do
    wrk_case "$c" "warmup-$c" 2s > /dev/null
done

compare_cases stage 8
