#!/usr/bin/env bash
# apigw metrics benchmark: what counting a request costs.
#
# The front nginx of bench/run.sh (front_servers in bench/lib.sh): the
# README's fronting configuration counted (on: /gw/, the default) and the
# same with "apigw_metrics off" (off: /gu/), one backend, one
# spec; wrk alternates them, round after round (off first in odd rounds,
# on first in even ones), and the script prints on/off per round and its
# median, for requests a second and for front CPU time per request.  The
# page (apigw_prometheus, on a server of its own) must show every request
# of "on" counted, and none of "off".  With valgrind installed, then
# bench/instructions.sh counts the instructions per request of both, the
# figure a shared machine does not blur (INSTRUCTIONS=0 skips it).
#
#   bench/metrics.sh                    (or: make bench-metrics)
#   ROUNDS=9 DURATION=5s bench/metrics.sh

set -euo pipefail
shopt -s inherit_errexit

ROOT=$(cd "$(dirname "$0")/.." && pwd)
NGINX=${NGINX:-/usr/sbin/nginx}
export -n NGINX          # nginx reads $NGINX as inherited sockets
MODULE=$ROOT/build/ngx_http_apigw_module.so
OUT=$ROOT/build/bench-metrics

OPS=${OPS:-1000}                # operations in the served spec
BENCH_NAME=bench-metrics
. "$ROOT/bench/lib.sh"
bench_require wrk curl perl

rm -rf "$OUT"
mkdir -p "$OUT/backend" "$OUT/front"

# a copy: "make module" rewrites the .so, which would crash the workers
cp "$MODULE" "$OUT/"
MODULE=$OUT/${MODULE##*/}

BACKEND_PORT=$(free_port)
FRONT_PORT=$(free_port)
PAGE_PORT=$(free_port)
ROUTE=$("$ROOT/bench/gen-spec.pl" -r "$OPS")
"$ROOT/bench/gen-spec.pl" "$OPS" > "$OUT/spec.json"

backend_conf > "$OUT/backend/nginx.conf"

{
    echo "load_module $MODULE;"
    conf_head "$OUT/front" "$WORKERS"
    front_servers
    cat <<CONF

    server {
        listen 127.0.0.1:$PAGE_PORT;

        location = /metrics {
            apigw_prometheus;
            allow 127.0.0.1;
            deny all;
        }
    }
}
CONF
} > "$OUT/front/nginx.conf"

CASES=(off on)
PAGE=http://127.0.0.1:$PAGE_PORT/metrics
declare -A location=([on]=gw [off]=gu)

url() {
    echo "http://127.0.0.1:$FRONT_PORT/${location[$1]}$ROUTE"
}

# the requests counted on the page
counted() {
    curl -sf "$PAGE" | perl -ne '
        $n += $1 if /^apigw_requests_total\{.*\} (\d+)$/;
        END { print $n // 0, "\n" }'
}

start_nginx "$OUT/backend" "http://127.0.0.1:$BACKEND_PORT/"
start_nginx "$OUT/front" "$(url off)"

# off counts nothing, on counts
for c in "${CASES[@]}"; do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$(url "$c")")
    [ "$code" = 200 ] || die "GET $(url "$c") answers $code, not 200"
    n=$(counted)
    [ "$c" = off ] && [ "$n" != 0 ] && die "off is counted"
    [ "$c" = on ] && [ "$n" != 1 ] && die "on is not counted"
done

echo "apigw metrics benchmark: $("$NGINX" -v 2>&1 | sed 's/.*: //')," \
     "$(nproc) CPUs (load average $(cut -d' ' -f1 /proc/loadavg))," \
     "front workers: $WORKERS"
echo "spec: $OPS operations, route GET $ROUTE; on: /gw/ (the README's" \
     "fronting configuration), off: /gu/ (the same," \
     "apigw_metrics off)"
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency, off and on" \
     "alternating $ROUNDS times"
echo

for c in "${CASES[@]}"; do
    WRK_SCRIPT= run_wrk "warmup-$c" "$(url "$c")" 2s > /dev/null
done

declare -A rps p99 cpu last lastcpu
for c in "${CASES[@]}"; do rps[$c]=0; done
ratios=() cpu_ratios=()

for round in $(seq "$ROUNDS"); do
    order=("${CASES[@]}")
    [ $((round % 2)) = 0 ] && order=(on off)

    for c in "${order[@]}"; do
        read -r r p u <<< "$(WRK_SCRIPT= run_wrk "$c-$round" "$(url "$c")" \
                                                 "$DURATION")"
        printf '  run %d %-3s %8d req/s  p99 %6.2f ms  front CPU %5.1f us/req\n' \
            "$round" "$c" "$r" "$p" "$u"
        last[$c]=$r lastcpu[$c]=$u
        if [ "$r" -gt "${rps[$c]}" ]; then rps[$c]=$r p99[$c]=$p cpu[$c]=$u; fi
    done

    ratios+=("$(ratio "${last[on]}" "${last[off]}")")
    cpu_ratios+=("$(ratio "${lastcpu[on]}" "${lastcpu[off]}")")
done

echo
printf '%-4s %8s %10s %14s\n' case "best req/s" p99 "front CPU"
for c in "${CASES[@]}"; do
    printf '%-4s %8d %7.2f ms %7.1f us/req\n' "$c" "${rps[$c]}" \
        "${p99[$c]}" "${cpu[$c]}"
done
echo "on/off req/s per round:       ${ratios[*]}  (median $(median "${ratios[@]}"))"
echo "on/off CPU per request, per round: ${cpu_ratios[*]}  (median $(median "${cpu_ratios[@]}"))"
n=$(counted)
[ "$n" -gt 1 ] || die "nothing counted"
echo "counted on the page: $n requests (on's, warm-up included; none of off's)"

if [ "${INSTRUCTIONS:-1}" != 0 ] && command -v callgrind_control >/dev/null
then
    echo
    cleanup
    pids=()
    BASE_CASE=gu GW_CASE=gw TOP=${TOP:-0} OPS=$OPS \
        "$ROOT/bench/instructions.sh"
fi
