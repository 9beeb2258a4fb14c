#!/usr/bin/env bash
# apigw benchmark: one front nginx proxies the same route to the same backend
# twice, once with a bare proxy_pass and once through apigw; wrk measures
# both, and nginx -t times the load of a large spec.  See bench/README.md.
#
#   bench/run.sh                        (or: make bench)
#   WORKERS=2 DURATION=20s bench/run.sh

set -euo pipefail
shopt -s inherit_errexit

ROOT=$(cd "$(dirname "$0")/.." && pwd)
NGINX=${NGINX:-/usr/sbin/nginx}
export -n NGINX          # nginx reads $NGINX as inherited sockets
MODULE=$ROOT/build/ngx_http_apigw_module.so
OUT=$ROOT/build/bench

OPS=${OPS:-1000}                # operations in the served spec
LOAD_OPS=${LOAD_OPS:-5000}      # operations in the spec whose load is timed
BENCH_NAME=bench
. "$ROOT/bench/lib.sh"
bench_require wrk curl perl
[ "$OPS" -ge 8 ] || die "OPS must be at least 8"

# GET $1 must answer $2 (and, for 200, the backend's body)
check() {
    local out code
    out=$(curl -s -w '\n%{http_code}' "$1") || die "GET $1 failed"
    code=${out##*$'\n'}
    [ "$code" = "$2" ] || die "GET $1 returned $code, not $2 (see $OUT/*/error.log)"
    [ "$2" != 200 ] || [ "${out%$'\n'*}" = "$BODY" ] \
        || die "GET $1 returned an unexpected body"
}

# milliseconds for nginx -t with a spec of $1 operations, best of 3
load_time() {
    local dir=$OUT/load-$1
    mkdir -p "$dir"
    "$ROOT/bench/gen-spec.pl" "$1" > "$dir/spec.json"
    {
        echo "load_module $MODULE;"
        conf_head "$dir" 1
        cat <<EOF
    apigw_api bench $dir/spec.json;

    server {
        listen 127.0.0.1:$(free_port);

        location /gw/ {
            apigw bench stage=prod;
            apigw_backend http://127.0.0.1:$BACKEND_PORT;
        }
    }
}
EOF
    } > "$dir/nginx.conf"

    DIR=$dir perl -MTime::HiRes=time -e '
        my $best;
        for (1 .. 3) {
            my $t = time;
            system(@ARGV) == 0
                or die "bench: nginx -t failed (see $ENV{DIR}/error.log)\n";
            $t = time - $t;
            $best = $t if !defined $best || $t < $best;
        }
        printf "%.0f\n", $best * 1000;
    ' "$NGINX" -t -q -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log"
}


rm -rf "$OUT"
mkdir -p "$OUT/backend" "$OUT/front"

# a copy: "make module" rewrites the .so in place, which would crash
# the workers of an nginx that has it loaded
cp "$MODULE" "$OUT/"
MODULE=$OUT/${MODULE##*/}

BACKEND_PORT=$(free_port)
FRONT_PORT=$(free_port)
ROUTE=$("$ROOT/bench/gen-spec.pl" -r "$OPS")
"$ROOT/bench/gen-spec.pl" "$OPS" > "$OUT/spec.json"

backend_conf > "$OUT/backend/nginx.conf"

{
    echo "load_module $MODULE;"
    conf_head "$OUT/front" "$WORKERS"
    front_servers
    cat <<EOF
}
EOF
} > "$OUT/front/nginx.conf"

CASES=(bare gw gw-tuned)
declare -A url
for c in "${CASES[@]}"; do
    url[$c]=http://127.0.0.1:$FRONT_PORT/$c$ROUTE
done
BARE=${url[bare]}

start_nginx "$OUT/backend" "http://127.0.0.1:$BACKEND_PORT/"
start_nginx "$OUT/front" "$BARE"
for c in "${CASES[@]}"; do
    check "${url[$c]}" 200
done
check "http://127.0.0.1:$FRONT_PORT/gw/no/such/route" 403     # apigw routes

echo "apigw benchmark: $("$NGINX" -v 2>&1 | sed 's/.*: //'), $(nproc) CPUs" \
     "(load average $(cut -d' ' -f1 /proc/loadavg)), front workers: $WORKERS," \
     "upstream keepalive $KEEPALIVE"
echo "spec: $OPS operations, route GET $ROUTE"
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency," \
     "the cases in turn $ROUNDS times, the best run of each counts"
echo "  bare:     proxy_pass, keepalive, proxy_http_version 1.1, Connection \"\""
echo "  gw:       the README's fronting configuration: apigw_backend" \
     "http://be/, no proxy_* line"
echo "  gw-tuned: the gateway with the bare case's upstream and proxy_* lines"
echo

for c in "${CASES[@]}"; do
    run_wrk "warmup-$c" "${url[$c]}" 2s > /dev/null
done

declare -A rps p99 cpu last ratios
for c in "${CASES[@]}"; do rps[$c]=0; ratios[$c]=; done

for round in $(seq "$ROUNDS"); do
    for c in "${CASES[@]}"; do
        res=$(run_wrk "$c-$round" "${url[$c]}" "$DURATION")
        read -r r p u <<< "$res"
        printf '  run %d %-8s %8d req/s  p99 %6.2f ms  front CPU %5.1f us/req\n' \
            "$round" "$c" "$r" "$p" "$u"
        last[$c]=$r
        if [ "$r" -gt "${rps[$c]}" ]; then rps[$c]=$r p99[$c]=$p cpu[$c]=$u; fi
    done
    for c in gw gw-tuned; do
        ratios[$c]+="$(ratio "${last[$c]}" "${last[bare]}") "
    done
done

echo
printf '%-8s %8s %10s %14s %8s %8s\n' case req/s p99 "front CPU" /bare \
    "median"
for c in "${CASES[@]}"; do
    printf '%-8s %8d %7.2f ms %7.1f us/req %8s %8s\n' "$c" "${rps[$c]}" \
        "${p99[$c]}" "${cpu[$c]}" "$(ratio "${rps[$c]}" "${rps[bare]}")" \
        "$([ "$c" = bare ] && echo 1.00 || median ${ratios[$c]})"
done
for c in gw gw-tuned; do
    echo "$c/bare per round: ${ratios[$c]}"
done

echo
base=$(load_time 1)
big=$(load_time "$LOAD_OPS")
echo "nginx -t, best of 3:  1 operation: $base ms,  $LOAD_OPS operations:" \
     "$big ms  (spec load: ~$((big - base)) ms)"
