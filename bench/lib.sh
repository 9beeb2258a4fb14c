# Shared by the bench scripts: the shape of a wrk run, checks, process
# cleanup, free ports, nginx config.  The sourcing script sets $ROOT and
# $BENCH_NAME (for messages) first, and its own defaults, which these do
# not override ($NGINX, $MODULE too).

declare -F die >/dev/null || die() { echo "bench: $*" >&2; exit 1; }

: "${NGINX:=/usr/sbin/nginx}"
export -n NGINX                 # nginx reads $NGINX as inherited sockets
: "${MODULE:=$ROOT/build/ngx_http_apigw_module.so}"

: "${WORKERS:=1}"               # front nginx worker processes
: "${THREADS:=2}"               # wrk
: "${CONNECTIONS:=64}"
: "${DURATION:=5s}"
: "${ROUNDS:=5}"                # rounds of the cases; the best run of each counts
: "${KEEPALIVE:=$CONNECTIONS}"  # idle upstream connections kept
BODY=${BODY:-'{"ok":true}'}     # the backend's answer

# the module built, and the programs named at hand
bench_require() {
    local c
    [ -f "$MODULE" ] || die "$MODULE is missing: run 'make module' first"
    for c in "$NGINX" "$@"; do
        command -v "$c" >/dev/null || die "$c is not installed"
    done
}

pids=()

cleanup() {
    for pid in ${pids[@]+"${pids[@]}"}; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'echo "$BENCH_NAME: interrupted" >&2; exit 130' INT TERM

# starts nginx on prefix $1 (which holds nginx.conf), waits for $2 to answer;
# in a session of its own, so that Ctrl-C reaches it only through cleanup()
start_nginx() {
    local dir=$1 url=$2
    setsid "$NGINX" -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log" &
    pids+=($!)

    for _ in $(seq 50); do
        curl -s -o /dev/null "$url" && return 0
        kill -0 "${pids[-1]}" 2>/dev/null || break
        sleep 0.1
    done

    tail -5 "$dir/error.log" >&2 || true
    die "nginx in $dir did not start"
}

# CPU time (clock ticks) used so far by the front nginx's workers
front_ticks() {
    local pid t=0
    for pid in $(pgrep -P "$(cat "$OUT/front/nginx.pid")"); do
        t=$((t + $(awk '{ print $14 + $15 }' "/proc/$pid/stat")))
    done
    echo "$t"
}

# wrk on $2 for $3, output kept in $OUT/wrk-$1.txt;
# prints "req/s p99-ms front-CPU-us-per-request"
run_wrk() {
    local t0 t1
    t0=$(front_ticks)
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$3" --latency \
        ${WRK_SCRIPT:+-s "$WRK_SCRIPT"} "$2" > "$OUT/wrk-$1.txt"
    t1=$(front_ticks)
    TICKS=$((t1 - t0)) HZ=$(getconf CLK_TCK) OUT=$OUT perl -0777 -ne '
        die "bench: wrk: $1 (see $ENV{OUT}/wrk-*.txt and */error.log)\n"
            if /^\s*((Non-2xx|Socket errors).*)$/m;
        my ($n) = /^\s*(\d+) requests in/m;
        my ($rps) = /^Requests\/sec:\s+([\d.]+)/m;
        my ($p99, $unit) = /^\s+99%\s+([\d.]+)(us|ms|s)$/m;
        die "bench: cannot read the wrk output\n" unless $n && $rps && $unit;
        printf "%.0f %.2f %.1f\n", $rps,
               $p99 * { us => 0.001, ms => 1, s => 1000 }->{$unit},
               $ENV{TICKS} / $ENV{HZ} * 1e6 / $n;
    ' "$OUT/wrk-$1.txt"
}

ratio() { perl -e 'printf "%.2f", $ARGV[0] / $ARGV[1]' "$@"; }

# the median of its arguments, two decimals
median() {
    printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 }
        END { printf "%.2f", (v[int((NR + 1) / 2)] + v[int(NR / 2) + 1]) / 2 }'
}

# ROUNDS rounds of the CASES in turn through the caller's
# wrk_case CASE NAME DURATION; then each case's best run against the best
# of case $1, and the median of the rounds' ratios to it ($2: the width
# of the case column).  $3 "median": each case's medians of its runs
# (req/s, p99, CPU, each on its own) in place of its best run.  Each
# case's runs stay in CMP_RUNS (req/s) and CMP_CPU (us/req), round by round
compare_cases() {
    local base=$1 w=$2 pick=${3:-best} round c r p u what
    declare -A rps p99 cpu last rounds runs_r runs_p runs_u

    for c in "${CASES[@]}"; do rps[$c]=0 rounds[$c]=; done

    for round in $(seq "$ROUNDS"); do
        for c in "${CASES[@]}"; do
            read -r r p u <<< "$(wrk_case "$c" "$c-$round" "$DURATION")"
            printf "  run %d %-${w}s %8d req/s  p99 %6.2f ms  front CPU %5.1f us/req\n" \
                "$round" "$c" "$r" "$p" "$u"
            last[$c]=$r
            runs_r[$c]+="$r " runs_p[$c]+="$p " runs_u[$c]+="$u "
            if [ "$r" -gt "${rps[$c]}" ]; then
                rps[$c]=$r p99[$c]=$p cpu[$c]=$u
            fi
        done
        for c in "${CASES[@]}"; do
            rounds[$c]+="$(ratio "${last[$c]}" "${last[$base]}") "
        done
    done

    what="best against best"
    if [ "$pick" = median ]; then
        what="median against median"
        for c in "${CASES[@]}"; do
            # shellcheck disable=SC2086
            rps[$c]=$(median ${runs_r[$c]}) p99[$c]=$(median ${runs_p[$c]}) \
                cpu[$c]=$(median ${runs_u[$c]})
        done
    fi

    echo
    printf "%-${w}s %8s %10s %14s %7s %8s\n" case req/s p99 "front CPU" \
        "/$base" median
    for c in "${CASES[@]}"; do
        # shellcheck disable=SC2086
        printf "%-${w}s %8.0f %7.2f ms %7.1f us/req %7s %8s\n" "$c" \
            "${rps[$c]}" "${p99[$c]}" "${cpu[$c]}" \
            "$(ratio "${rps[$c]}" "${rps[$base]}")" \
            "$(median ${rounds[$c]})"
    done
    echo "(req/s, p99, front CPU: each case's $pick; /$base: $what;" \
         "median: of the rounds' ratios to $base)"
    for c in "${CASES[@]}"; do
        [ "$c" = "$base" ] || echo "$c/$base per round: ${rounds[$c]}"
    done

    declare -gA CMP_RUNS CMP_CPU
    for c in "${CASES[@]}"; do
        CMP_RUNS[$c]=${runs_r[$c]} CMP_CPU[$c]=${runs_u[$c]}
    done
}


free_port() {
    perl -MIO::Socket::INET -e 'print IO::Socket::INET->new(Listen => 1,
        LocalAddr => "127.0.0.1", LocalPort => 0)->sockport'
}

# the main context and the start of http{};
# $1: prefix, $2: worker processes, $3: master_process (default on)
conf_head() {
    cat <<CONF
daemon off;
master_process ${3:-on};
worker_processes $2;
pid $1/nginx.pid;
error_log $1/error.log warn;

events {
    worker_connections 4096;
}

http {
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path $1/client_body_temp;
    proxy_temp_path $1/proxy_temp;
    fastcgi_temp_path $1/fastcgi_temp;
    uwsgi_temp_path $1/uwsgi_temp;
    scgi_temp_path $1/scgi_temp;
CONF
}


# what is measured, on one backend: a bare proxy_pass as well tuned as a
# user writes it (keepalive, HTTP/1.1, no Connection header); the gateway
# configured as the README's "Fronting a service" has it (an upstream{} of
# the user's, no proxy_* line); the same not counted in the metrics
# (apigw_metrics off, bench/metrics.sh; a name as long as gw's, as the
# path's length costs instructions); the gateway with the bare case's
# tuning (uses BACKEND_PORT, KEEPALIVE, OUT, FRONT_PORT)
front_servers() {
    cat <<CONF
    upstream backend {
        server 127.0.0.1:$BACKEND_PORT;
        keepalive $KEEPALIVE;
        keepalive_requests 1000000;
    }

    upstream be {
        server 127.0.0.1:$BACKEND_PORT;
    }

    apigw_api bench $OUT/spec.json;
${FRONT_HTTP-}
    server {
        listen 127.0.0.1:$FRONT_PORT;
${FRONT_LOCATIONS-}

        location /bare/ {
            proxy_pass http://backend/;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }

        location /gw/ {
            apigw bench stage=prod;
            apigw_backend http://be/;
        }

        location /gu/ {
            apigw bench stage=prod;
            apigw_backend http://be/;
            apigw_metrics off;
        }

        location /gc/ {
            apigw bench stage=prod;
            apigw_backend http://be/;
            apigw_canary bench percent=50;
        }

        location /gw-tuned/ {
            apigw bench stage=prod;
            apigw_backend http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
CONF
}


# the backend both cases share: a small JSON answer, and the count of
# requests it has answered (backend_requests) (uses OUT, BACKEND_PORT, BODY)
backend_conf() {
    conf_head "$OUT/backend" 1
    cat <<CONF
    server {
        listen 127.0.0.1:$BACKEND_PORT;

        location / {
            default_type application/json;
            return 200 '$BODY';
        }

        location = /backend-status {
            stub_status;
        }
    }
}
CONF
}

# the requests the backend has answered so far, this one included: two
# readings differ by one more than the requests between them
backend_requests() {
    curl -sf "http://127.0.0.1:$BACKEND_PORT/backend-status" \
        | awk 'NR == 3 { print $3 }' | grep . || die "the backend's status"
}
