#!/usr/bin/env bash
# apigw validation benchmark: the same POST route with a ~1 KB JSON body,
# through apigw with validation off, with parameter and body validation on
# (a schema of ~20 properties: nested objects, an array of objects,
# formats, patterns), and with a mapping template instead; bare proxy_pass
# for reference.  Same backend, same run, rounds alternating.
# See bench/README.md.
#
#   bench/validation.sh
#   WORKERS=2 DURATION=10s bench/validation.sh

set -euo pipefail
shopt -s inherit_errexit

ROOT=$(cd "$(dirname "$0")/.." && pwd)
NGINX=${NGINX:-/usr/sbin/nginx}
export -n NGINX
MODULE=$ROOT/build/ngx_http_apigw_module.so
OUT=$ROOT/build/bench-validation
HERE=$ROOT/bench/validation


CASES=(bare off on tpl)

BENCH_NAME=bench-validation
. "$ROOT/bench/lib.sh"
bench_require wrk curl perl

# the spec with validation on or off, with the template integration or not
spec() {
    local integration=
    [ "$2" = tpl ] && integration=$(cat "$HERE/template.yaml")
    VALIDATE=$1 INTEGRATION=$integration perl -pe '
        s/%%VALIDATE%%/$ENV{VALIDATE}/g;
        s/%%INTEGRATION%%/$ENV{INTEGRATION}/g;
    ' "$HERE/spec.yaml.in"
}

# POST $1 with the order must answer $2
check() {
    local code
    code=$(curl -s -o "$OUT/check.out" -w '%{http_code}' -X POST \
           -H 'Content-Type: application/json' --data-binary "@$3" "$1") \
        || die "POST $1 failed"
    [ "$code" = "$2" ] \
        || die "POST $1 returned $code, not $2: $(cat "$OUT/check.out")"
}

rm -rf "$OUT"
mkdir -p "$OUT/backend" "$OUT/front"
cp "$MODULE" "$OUT/"
MODULE=$OUT/${MODULE##*/}

BACKEND_PORT=$(free_port)
FRONT_PORT=$(free_port)

spec false plain > "$OUT/off.yaml"
spec true plain > "$OUT/on.yaml"
spec false tpl > "$OUT/tpl.yaml"

backend_conf > "$OUT/backend/nginx.conf"

{
    echo "load_module $MODULE;"
    conf_head "$OUT/front" "$WORKERS"
    cat <<CONF
    upstream backend {
        server 127.0.0.1:$BACKEND_PORT;
        keepalive $KEEPALIVE;
        keepalive_requests 1000000;
    }

    apigw_api off $OUT/off.yaml;
    apigw_api on $OUT/on.yaml;
    apigw_api tpl $OUT/tpl.yaml;

    proxy_http_version 1.1;
    proxy_set_header Connection "";
    client_body_buffer_size 16k;

    server {
        listen 127.0.0.1:$FRONT_PORT;

        location /bare/ {
            proxy_pass http://backend/;
        }

        location /off/ {
            apigw off;
            apigw_backend http://backend;
        }

        location /on/ {
            apigw on;
            apigw_backend http://backend;
        }

        location /tpl/ {
            apigw tpl;
            apigw_stage_variable backend backend;
        }
    }
}
CONF
} > "$OUT/front/nginx.conf"

ROUTE=/orders/1042?trace=3f2b8c1e-9a4d-4e6b-8f00-2c5d7e9a1b34
url() { echo "http://127.0.0.1:$FRONT_PORT/$1$ROUTE"; }

start_nginx "$OUT/backend" "http://127.0.0.1:$BACKEND_PORT/"
start_nginx "$OUT/front" "$(url bare)"

for c in "${CASES[@]}"; do
    check "$(url "$c")" 200 "$HERE/order.json"
done

# validation is on where it should be, and off where it should be
echo '{"id":0}' > "$OUT/bad.json"
check "$(url on)" 400 "$OUT/bad.json"
check "$(url off)" 200 "$OUT/bad.json"

export ORDER_JSON=$HERE/order.json
WRK_SCRIPT=$HERE/post.lua

echo "apigw validation benchmark: $("$NGINX" -v 2>&1 | sed 's/.*: //')," \
     "$(nproc) CPUs (load average $(cut -d' ' -f1 /proc/loadavg))," \
     "front workers: $WORKERS"
echo "POST $ROUTE, $(wc -c < "$ORDER_JSON")-byte JSON body"
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency, cases" \
     "${CASES[*]} alternating $ROUNDS times, the best run of each counts"
echo

for c in "${CASES[@]}"; do
    run_wrk "warmup-$c" "$(url "$c")" 2s > /dev/null
done

declare -A rps p99 cpu last
for c in "${CASES[@]}"; do rps[$c]=0; done
on_ratios=() tpl_ratios=()

for round in $(seq "$ROUNDS"); do
    for c in "${CASES[@]}"; do
        read -r r p u <<< "$(run_wrk "$c-$round" "$(url "$c")" "$DURATION")"
        printf '  run %d %-4s %8d req/s  p99 %6.2f ms  front CPU %5.1f us/req\n' \
            "$round" "$c" "$r" "$p" "$u"
        last[$c]=$r
        if [ "$r" -gt "${rps[$c]}" ]; then rps[$c]=$r p99[$c]=$p cpu[$c]=$u; fi
    done
    on_ratios+=("$(ratio "${last[on]}" "${last[off]}")")
    tpl_ratios+=("$(ratio "${last[tpl]}" "${last[off]}")")
done

echo
printf '%-5s %8s %10s %14s %8s\n' case req/s p99 "front CPU" "/off"
for c in "${CASES[@]}"; do
    printf '%-5s %8d %7.2f ms %7.1f us/req %8s\n' "$c" "${rps[$c]}" \
        "${p99[$c]}" "${cpu[$c]}" "$(ratio "${rps[$c]}" "${rps[off]}")"
done
echo "on/off per round:  ${on_ratios[*]}  (median $(median "${on_ratios[@]}"))"
echo "tpl/off per round: ${tpl_ratios[*]}  (median $(median "${tpl_ratios[@]}"))"
