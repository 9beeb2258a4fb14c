#!/usr/bin/env bash
# apigw export benchmark: how long one request to an apigw_export location
# takes for a large spec (bench/gen-spec.pl, EXPORT_OPS operations), JSON
# and YAML, without and with every extension, one worker, one request at a
# time with curl; the median and the fastest of ROUNDS requests of each,
# and the size.  The export is CPU work in the worker: while it runs, the
# worker serves nothing else.  See docs/export-and-docs-page.md.
#
#   make bench-export
#   EXPORT_OPS=1000 ROUNDS=50 bench/export.sh

set -euo pipefail
shopt -s inherit_errexit


ROOT=$(cd "$(dirname "$0")/.." && pwd)
NGINX=${NGINX:-/usr/sbin/nginx}
export -n NGINX          # nginx reads $NGINX as inherited sockets
MODULE=$ROOT/build/ngx_http_apigw_module.so
OUT=$ROOT/build/bench-export
export OUT

EXPORT_OPS=${EXPORT_OPS:-5000}
ROUNDS=${ROUNDS:-20}
BENCH_NAME=bench-export
. "$ROOT/bench/lib.sh"
bench_require curl perl

BUILT=$(date -r "$MODULE" '+%F %T')
rm -rf "$OUT"
mkdir -p "$OUT"
cp "$MODULE" "$OUT/"
MODULE=$OUT/${MODULE##*/}

"$ROOT/bench/gen-spec.pl" "$EXPORT_OPS" > "$OUT/spec.json"
PORT=$(free_port)

{
    echo "load_module $MODULE;"
    conf_head "$OUT" 1
    cat <<CONF
    apigw_api bench $OUT/spec.json;

    server {
        listen 127.0.0.1:$PORT;

        location /prod/ {
            apigw bench stage=prod;
            apigw_backend http://127.0.0.1:1;
        }

        location = /export {
            apigw_export /prod/;
        }
    }
}
CONF
} > "$OUT/nginx.conf"

start_nginx "$OUT" "http://127.0.0.1:$PORT/export?format=json"

echo "$("$NGINX" -v 2>&1 | sed 's/.*: //'), module built" \
     "$BUILT, $(nproc) CPUs" \
     "(load average $(cut -d' ' -f1 /proc/loadavg)); a spec of" \
     "$EXPORT_OPS operations ($(wc -c < "$OUT/spec.json") bytes of JSON)," \
     "$ROUNDS requests each"
printf '%-34s %12s %10s %10s\n' case bytes median-ms best-ms

for c in "JSON|" "YAML|format=yaml" \
         "JSON, every extension|extensions=apigateway,apigw" \
         "YAML, every extension|format=yaml&extensions=apigateway,apigw"
do
    name=${c%%|*}
    query=${c#*|}
    times=$OUT/times-${name//[^A-Za-z]/_}

    for _ in $(seq "$ROUNDS"); do
        curl -s -o "$OUT/body" -w '%{http_code} %{time_total} %{size_download}\n' \
            "http://127.0.0.1:$PORT/export?$query" >> "$times"
    done

    NAME=$name perl -ane '
        die "bench-export: HTTP $F[0] (see $ENV{OUT}/error.log)\n"
            if $F[0] != 200;
        push @t, $F[1] * 1000;
        $size = $F[2];
        END {
            @t = sort { $a <=> $b } @t;
            printf "%-34s %12d %10.1f %10.1f\n", $ENV{NAME}, $size,
                   $t[$#t / 2], $t[0];
        }' "$times"
done
