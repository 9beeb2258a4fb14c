#!/usr/bin/env bash
# The function path's floor (docs/benchmarks.md, "Functions through the
# gateway"): what its pattern of messages costs when every process in it
# is nginx, the leanest HTTP there is here.  A call through the gateway
# crosses three processes (the front, the function host, a runtime) and
# six messages between them; these chains of kept-alive proxy_pass hops
# have the same shapes, with nothing else to do:
#
#   bare    wrk -> front -> backend                 (2 messages)
#   chain1  wrk -> front -> hop -> backend          (4 messages)
#   chain2  wrk -> front -> hop -> hop -> backend   (6 messages)
#
# The front and the hops talk over unix sockets as the gateway does to the
# host, the last hop to the backend over loopback TCP as a runtime does.
# Each case's req/s against bare, the rounds alternating.
#
#   bench/functions-floor.sh
#   ROUNDS=5 CONNECTIONS=16 bench/functions-floor.sh

set -euo pipefail
shopt -s inherit_errexit

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/build/bench-floor

: "${CONNECTIONS:=16}"
: "${ROUNDS:=3}"
BODY='{"message":"hello","name":"world"}'
BENCH_NAME=bench-floor
. "$ROOT/bench/lib.sh"

command -v wrk >/dev/null || die "wrk is not installed"
command -v curl >/dev/null || die "curl is not installed"

rm -rf "$OUT"
mkdir -p "$OUT/backend" "$OUT/hop2" "$OUT/hop1" "$OUT/front"

BACKEND_PORT=$(free_port)
FRONT_PORT=$(free_port)

# a proxy_pass to $2 in a location $1, tuned as a user writes it
hop() {
    cat <<CONF
        location $1 {
            proxy_pass $2;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
CONF
}

# an upstream $1 of server $2, kept alive
kept() {
    cat <<CONF
    upstream $1 {
        server $2;
        keepalive $CONNECTIONS;
        keepalive_requests 1000000;
    }
CONF
}

backend_conf > "$OUT/backend/nginx.conf"

{
    conf_head "$OUT/hop2" 1
    kept backend "127.0.0.1:$BACKEND_PORT"
    echo "    server {"
    echo "        listen unix:$OUT/hop2.sock;"
    hop / http://backend
    echo "    }"
    echo "}"
} > "$OUT/hop2/nginx.conf"

{
    conf_head "$OUT/hop1" 1
    kept backend "127.0.0.1:$BACKEND_PORT"
    kept hop2 "unix:$OUT/hop2.sock"
    echo "    server {"
    echo "        listen unix:$OUT/hop1.sock;"
    hop /chain1/ http://backend/
    hop /chain2/ http://hop2/
    echo "    }"
    echo "}"
} > "$OUT/hop1/nginx.conf"

{
    conf_head "$OUT/front" 1
    kept backend "127.0.0.1:$BACKEND_PORT"
    kept hop1 "unix:$OUT/hop1.sock"
    echo "    server {"
    echo "        listen 127.0.0.1:$FRONT_PORT;"
    hop /bare/ http://backend/
    hop /chain1/ http://hop1/chain1/
    hop /chain2/ http://hop1/chain2/
    echo "    }"
    echo "}"
} > "$OUT/front/nginx.conf"

start_nginx "$OUT/backend" "http://127.0.0.1:$BACKEND_PORT/"
for p in hop2 hop1; do
    setsid "$NGINX" -p "$OUT/$p/" -c "$OUT/$p/nginx.conf" \
        -e "$OUT/$p/error.log" &
    pids+=($!)
done
start_nginx "$OUT/front" "http://127.0.0.1:$FRONT_PORT/bare/"

CASES=(bare chain1 chain2)

for c in "${CASES[@]}"; do
    for _ in $(seq 50); do
        out=$(curl -s "http://127.0.0.1:$FRONT_PORT/$c/hello" || true)
        [ "$out" = "$BODY" ] && break
        sleep 0.1
    done
    [ "$out" = "$BODY" ] || die "$c answered '$out', not $BODY"
done

wrk_case() {
    run_wrk "$2" "http://127.0.0.1:$FRONT_PORT/$1/hello" "$3"
}

echo "# $CONNECTIONS connections, $DURATION a run, $ROUNDS rounds;" \
     "$(nproc) cores"
compare_cases bare 7
