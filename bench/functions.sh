#!/usr/bin/env bash
# Functions through the gateway (make bench-functions, docs/benchmarks.md),
# in one run on one machine, each answering {"message":"hello",...}:
#
#   bare   a bare proxy_pass to a static nginx backend (the limit);
#   http   the gateway to the same backend (an http integration);
#   fn     the gateway to the C hello function (examples/functions/hello.c)
#          on the function host, over its unix socket;
#   slso   serverless-offline (scripts/npm-serverless-offline) running the
#          same function in Node.js (bench/functions/handler.js), the tool
#          people use to run Lambda and API Gateway locally.
#
# For each: requests/s (wrk, $CONNECTIONS connections, the best of $ROUNDS
# rounds, the cases alternating within each round),
# then p50 and p99 at one connection, the latency added to bare's, and the
# CPU per request of each process (the front nginx, the host, the
# runtimes; serverless-offline's node).  Then the cold start of a function
# through the gateway.  SLSO=0 leaves serverless-offline out.
#
#   bench/functions.sh                    (or: make bench-functions)
#   CONNECTIONS=32 DURATION=10s bench/functions.sh

set -euo pipefail
shopt -s inherit_errexit

ROOT=$(cd "$(dirname "$0")/.." && pwd)
NGINX=${NGINX:-/usr/sbin/nginx}
export -n NGINX          # nginx reads $NGINX as inherited sockets
MODULE=$ROOT/build/ngx_http_apigw_module.so
OUT=$ROOT/build/bench-functions

: "${CONNECTIONS:=16}"
: "${ROUNDS:=3}"
: "${CONCURRENCY:=4}"           # the hello function's runtimes
: "${SLSO:=1}"
BODY='{"message":"hello","name":"world"}'
BENCH_NAME=bench-functions
. "$ROOT/bench/lib.sh"
bench_require wrk curl perl

HOST=$ROOT/build/apigw-fnhost
[ -x "$HOST" ] && [ -f "$ROOT/build/functions/hello.so" ] \
    || die "the function host is missing: run 'make functions' first"

rm -rf "$OUT"
mkdir -p "$OUT/backend" "$OUT/front" "$OUT/host" "$OUT/slso"

cp "$MODULE" "$OUT/"
MODULE=$OUT/${MODULE##*/}

BACKEND_PORT=$(free_port)
FRONT_PORT=$(free_port)
SLSO_PORT=$(free_port)
SLSO_LAMBDA_PORT=$(free_port)
SOCK=$OUT/host/fn.sock

# the CPU time (clock ticks) of processes so far
ticks() {
    local pid t=0
    for pid in "$@"; do
        [ -r "/proc/$pid/stat" ] || continue
        t=$((t + $(awk '{ print $14 + $15 }' "/proc/$pid/stat")))
    done
    echo "$t"
}

host_pid() { cat "$OUT/host/pid"; }
runtime_pids() { pgrep -P "$(host_pid)" || true; }
slso_pids() {
    local p=${pids[-1]}
    echo "$p" $(pgrep -P "$p" || true)
}

start_host() {
    local warm=$1
    cat > "$OUT/host/functions.yaml" <<YAML
listen: unix:$SOCK
socket_mode: "0666"
log: $OUT/host/host.log
log_level: warn
functions:
  hello:
    handler: $ROOT/build/functions/hello.so:hello
    concurrency: $CONCURRENCY
    warm: $warm
    memory: 0
YAML
    rm -f "$SOCK"
    setsid "$HOST" -c "$OUT/host/functions.yaml" 2>>"$OUT/host/stderr" &
    echo $! > "$OUT/host/pid"
    pids+=($!)

    for _ in $(seq 1000); do
        [ -S "$SOCK" ] && return 0
        sleep 0.002
    done

    die "the function host did not start (see $OUT/host/stderr)"
}

stop_host() {
    kill -TERM "$(host_pid)" 2>/dev/null || true
    wait "$(host_pid)" 2>/dev/null || true
}

# the spec: GET /hello to the backend (no integration) or to hello
cat > "$OUT/http.yaml" <<YAML
openapi: 3.0.3
info: {title: http, version: "1"}
paths:
  /hello:
    get: {}
YAML

cat > "$OUT/fn.yaml" <<YAML
openapi: 3.0.3
info: {title: fn, version: "1"}
paths:
  /hello:
    get:
      x-apigw-integration: {type: function, function: hello}
YAML

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

    upstream be {
        server 127.0.0.1:$BACKEND_PORT;
    }

    apigw_api http $OUT/http.yaml;
    apigw_api fn $OUT/fn.yaml;

    server {
        listen 127.0.0.1:$FRONT_PORT;

        location /bare/ {
            proxy_pass http://backend/;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }

        location /http/ {
            apigw http stage=prod;
            apigw_backend http://be/;
        }

        location /fn/ {
            apigw fn stage=prod;
            apigw_functions http://unix:$SOCK;
        }
    }
}
CONF
} > "$OUT/front/nginx.conf"

start_nginx "$OUT/backend" "http://127.0.0.1:$BACKEND_PORT/"
start_nginx "$OUT/front" "http://127.0.0.1:$FRONT_PORT/bare/"
start_host "$CONCURRENCY"

declare -A URL=(
    [bare]="http://127.0.0.1:$FRONT_PORT/bare/hello"
    [http]="http://127.0.0.1:$FRONT_PORT/http/hello"
    [fn]="http://127.0.0.1:$FRONT_PORT/fn/hello"
    [slso]="http://127.0.0.1:$SLSO_PORT/hello"
)
CASES=(bare http fn)

if [ "$SLSO" = 1 ]; then
    if "$ROOT/scripts/npm-serverless-offline" > "$OUT/slso/install.log" 2>&1
    then
        SLSO_DIR=$ROOT/build/serverless-offline
        cp "$ROOT/bench/functions/handler.js" "$OUT/slso/"
        ln -s "$SLSO_DIR/node_modules" "$OUT/slso/node_modules"
        cat > "$OUT/slso/serverless.yml" <<YAML
service: apigw-bench
frameworkVersion: '3'
plugins:
  - serverless-offline
provider:
  name: aws
  runtime: nodejs20.x
  stage: prod
functions:
  hello:
    handler: handler.hello
    events:
      - http: {path: hello, method: get}
custom:
  serverless-offline:
    host: 127.0.0.1
    httpPort: $SLSO_PORT
    lambdaPort: $SLSO_LAMBDA_PORT
    noPrependStageInUrl: true
YAML
        (cd "$OUT/slso" \
         && NODE_OPTIONS=--no-experimental-require-module \
            SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off \
            exec setsid node_modules/.bin/serverless offline start \
            > "$OUT/slso/offline.log" 2>&1) &
        pids+=($!)

        for _ in $(seq 150); do
            curl -s -o /dev/null "${URL[slso]}" && break
            sleep 0.2
        done

        curl -s -o /dev/null "${URL[slso]}" \
            || die "serverless-offline did not start (see $OUT/slso/offline.log)"
        CASES+=(slso)

    else
        echo "# serverless-offline could not be installed (see" \
             "$OUT/slso/install.log): left out" >&2
    fi
fi

for c in "${CASES[@]}"; do
    out=$(curl -s "${URL[$c]}")
    [ "$out" = "$BODY" ] || die "$c answered $out, not $BODY"
done

echo "# $CONNECTIONS connections, $DURATION a run, best of $ROUNDS" \
     "alternating; the host: $CONCURRENCY runtimes; $(nproc) cores"

# throughput: the cases one after the other in each of ROUNDS rounds, so
# that a machine whose speed drifts weighs on every case alike; each
# case's best run, its CPU per request by process, and the median of the
# rounds' ratios
declare -A RPS CPU RUNS
for c in "${CASES[@]}"; do
    wrk -t2 -c"$CONNECTIONS" -d2s "${URL[$c]}" > /dev/null     # warm up
    RPS[$c]=0
done

for round in $(seq "$ROUNDS"); do
    for c in "${CASES[@]}"; do
        f=$(front_ticks)
        h=$(ticks "$(host_pid)")
        rt=$(ticks $(runtime_pids))
        s=0
        [ "$c" != slso ] || s=$(ticks $(slso_pids))

        r=$(run_wrk "$c" "${URL[$c]}" "$DURATION")
        n=$(perl -ne 'print $1 if /^\s*(\d+) requests in/' "$OUT/wrk-$c.txt")

        f=$(( $(front_ticks) - f ))
        h=$(( $(ticks "$(host_pid)") - h ))
        rt=$(( $(ticks $(runtime_pids)) - rt ))
        [ "$c" != slso ] || s=$(( $(ticks $(slso_pids)) - s ))

        rps=${r%% *}
        RUNS[$c]="${RUNS[$c]:-} $rps"
        printf '  run %d %-4s %8d req/s\n' "$round" "$c" "$rps" \
            | tee -a "$OUT/rounds.txt"

        if [ "$rps" -gt "${RPS[$c]}" ]; then
            RPS[$c]=$rps
            CPU[$c]=$(perl -e '
                my ($n, $hz, @t) = @ARGV;
                printf join(" ", map { sprintf "%.1f", $_ / $hz * 1e6 / $n }
                                 @t);' "$n" "$(getconf CLK_TCK)" \
                "$f" "$h" "$rt" "$s")
        fi
    done
done

# the median of the rounds' ratios of case $1 to case $2
round_ratio() {
    perl -e 'my @a = split " ", $ARGV[0]; my @b = split " ", $ARGV[1];
             my @r = sort { $a <=> $b } map { $a[$_] / $b[$_] } 0 .. $#a;
             printf "%.2f", @r % 2 ? $r[$#r / 2]
                                   : ($r[@r / 2 - 1] + $r[@r / 2]) / 2' \
        "${RUNS[$1]}" "${RUNS[$2]}"
}

# latency at one connection: p50, p99 (ms)
declare -A P50 P99
for c in "${CASES[@]}"; do
    wrk -t1 -c1 -d"$DURATION" --latency "${URL[$c]}" > "$OUT/lat-$c.txt"
    read -r P50[$c] P99[$c] < <(perl -0777 -ne '
        my %u = (us => 0.001, ms => 1, s => 1000);
        my ($a, $au) = /^\s+50%\s+([\d.]+)(us|ms|s)$/m;
        my ($b, $bu) = /^\s+99%\s+([\d.]+)(us|ms|s)$/m;
        printf "%.3f %.3f\n", $a * $u{$au}, $b * $u{$bu};' "$OUT/lat-$c.txt")
done

printf '\n%-6s %10s %8s %9s %9s %12s %12s  %s\n' case req/s vs-bare \
       p50-ms p99-ms "+p50-ms" "+p99-ms" \
       "CPU us/request: front nginx, host, runtimes, node"
for c in "${CASES[@]}"; do
    printf '%-6s %10s %8s %9s %9s %12s %12s  %s\n' "$c" "${RPS[$c]}" \
           "$(ratio "${RPS[$c]}" "${RPS[bare]}")" "${P50[$c]}" "${P99[$c]}" \
           "$(perl -e 'printf "%.3f", $ARGV[0] - $ARGV[1]' "${P50[$c]}" "${P50[bare]}")" \
           "$(perl -e 'printf "%.3f", $ARGV[0] - $ARGV[1]' "${P99[$c]}" "${P99[bare]}")" \
           "${CPU[$c]}"
done

echo
echo "fn / bare: $(ratio "${RPS[fn]}" "${RPS[bare]}") best against best," \
     "$(round_ratio fn bare) median of the rounds (target >= 0.40)"
if [ -n "${RPS[slso]:-}" ]; then
    echo "fn / serverless-offline: $(ratio "${RPS[fn]}" "${RPS[slso]}")" \
         "best against best, $(round_ratio fn slso) median of the rounds" \
         "(target >= 10)"
fi

# cold start: a host with no runtime started, its first request through
# the gateway (the runtime forked, hello.so loaded, its first invocation);
# and from the host's start, with the host's own start in it
echo
echo "# cold start through the gateway (ms), 10 runs: first request to a" \
     "running host with no runtime; host start to first answer"
: > "$OUT/cold.txt"
for i in $(seq 10); do
    stop_host
    t0=$(perl -MTime::HiRes=time -e 'printf "%.6f", time')
    start_host 0
    t1=$(perl -MTime::HiRes=time -e 'printf "%.6f", time')
    first=$(curl -s -o /dev/null -w '%{time_total}' "${URL[fn]}")
    perl -e 'printf "%.2f %.2f\n", $ARGV[0] * 1000,
             ($ARGV[2] - $ARGV[1]) * 1000 + $ARGV[0] * 1000' \
         "$first" "$t0" "$t1" >> "$OUT/cold.txt"
done

perl -ne 'push @a, (split)[0]; push @b, (split)[1];
    END { @a = sort { $a <=> $b } @a; @b = sort { $a <=> $b } @b;
          printf "first request: median %s (min %s, max %s)\n",
                 $a[$#a / 2], $a[0], $a[-1];
          printf "host start to first answer: median %s (min %s, max %s)\n",
                 $b[$#b / 2], $b[0], $b[-1] }' "$OUT/cold.txt"
