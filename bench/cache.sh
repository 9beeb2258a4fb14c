#!/usr/bin/env bash
# apigw cache benchmark (issue 13): a cache hit against bare nginx.
#
# One front nginx, one worker, one backend (return 200 '{"ok":true}'), the
# route of bench/run.sh.  Cases, alternating round after round:
#   bare         proxy_pass with keepalive (1.00)
#   return       the front answers itself (return 200): the ceiling
#   pcache-disk  nginx's proxy_cache, a HIT, its directory in build/
#   pcache-shm   the same with its directory on tmpfs (/dev/shm)
#   gw-off       the gateway, apigw_cache off
#   gw-miss      the gateway, apigw_cache on, every request a new key
#                (the {id} path parameter) in a zone small enough that
#                storing evicts (MISS_ZONE)
#   gw-hit       the gateway, apigw_cache on, one key, warm
# Then a front with a zone of KEYS_ZONE filled with the largest of KEYS
# keys, and hits over 1, 10,000 and 1,000,000 of them at random; the
# memory an entry takes; and, with valgrind, the instructions of a hit
# against gw-off.  See bench/README.md.
#
#   bench/cache.sh                      (or: make bench-cache)
#   ROUNDS=3 DURATION=2s KEYS="1 10000" bench/cache.sh

set -euo pipefail
shopt -s inherit_errexit

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/build/bench-cache
HERE=$ROOT/bench/cache

OPS=${OPS:-1000}                # operations in the served spec
DURATION=${DURATION:-3s}
MISS_ZONE=${MISS_ZONE:-4m}      # apigw_cache_zone of the first front
KEYS_ZONE=${KEYS_ZONE:-512m}    # and of the second, which holds KEYS
KEYS=${KEYS:-1 10000 1000000}   # distinct keys the hits go over
INSTRUCTIONS=${INSTRUCTIONS:-1} # 0: no callgrind counts
PROFILE=${PROFILE:-0}           # 1: perf profiles of gw-off, gw-miss, gw-hit

BENCH_NAME=bench-cache
. "$ROOT/bench/lib.sh"
bench_require wrk curl perl
[ "$OPS" -ge 8 ] || die "OPS must be at least 8"
export THREADS CONNECTIONS      # bench/cache/keys.lua shares keys by them

rm -rf "$OUT"
mkdir -p "$OUT/backend" "$OUT/front"

# a copy: "make module" rewrites the .so, which would crash the workers
cp "$MODULE" "$OUT/"
MODULE=$OUT/${MODULE##*/}

# proxy_cache on tmpfs, where there is one; nginx makes the directory
SHM=
if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ] && [ -w /dev/shm ]
then
    SHM=$(mktemp -d /dev/shm/apigw-bench-cache.XXXXXX)
    chmod 755 "$SHM"
fi
trap 'cleanup; [ -z "$SHM" ] || rm -rf "$SHM"' EXIT

BACKEND_PORT=$(free_port)
FRONT_PORT=$(free_port)
STATS_PORT=$(free_port)
ROUTE=$("$ROOT/bench/gen-spec.pl" -r "$OPS")
ITEMS=${ROUTE%/*}/               # the route less its {id}
"$ROOT/bench/gen-spec.pl" "$OPS" > "$OUT/spec.json"

backend_conf > "$OUT/backend/nginx.conf"

PCACHES=(pcache-disk)
declare -A pcache_dir=([pcache-disk]=$OUT/pcache-disk)
if [ -n "$SHM" ]; then
    PCACHES+=(pcache-shm)
    pcache_dir[pcache-shm]=$SHM/pcache
fi

# the cases' locations, beside those of front_servers: proxy_cache as a
# user writes it (the bare case's lines, proxy_cache, a validity since the
# backend says none, the status in a header), and the gateway as
# docs/configuration.md has it (apigw_cache on, apigw_cache_zone)
# shellcheck disable=SC2089,SC2090   # nginx's quotes, as text
cache_conf() {
    local zone=$1 c

    FRONT_HTTP="    apigw_cache_zone $zone;"
    FRONT_LOCATIONS=
    for c in "${PCACHES[@]}"; do
        FRONT_HTTP+="
    proxy_cache_path ${pcache_dir[$c]} keys_zone=$c:10m inactive=1h
                     use_temp_path=off;"
        FRONT_LOCATIONS+="
        location /$c/ {
            proxy_pass http://backend/;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
            proxy_cache $c;
            proxy_cache_valid 200 1h;
            add_header X-Cache-Status \$upstream_cache_status;
        }
"
    done

    FRONT_HTTP+="

    server {
        listen 127.0.0.1:$STATS_PORT;

        location = /cache {
            apigw_cache_flush /gw-on/;
        }
    }
"
    FRONT_LOCATIONS+="
        location /return/ {
            default_type application/json;
            return 200 '$BODY';
        }

        location /gw-off/ {
            apigw bench stage=prod;
            apigw_backend http://be/;
            apigw_cache off;
        }

        location /gw-on/ {
            apigw bench stage=prod;
            apigw_backend http://be/;
            apigw_cache on;
        }"
    export FRONT_HTTP FRONT_LOCATIONS

    {
        echo "load_module $MODULE;"
        conf_head "$OUT/front" "$WORKERS"
        front_servers
        echo "}"
    } > "$OUT/front/nginx.conf"
}

# the front (again) with a zone of $1
start_front() {
    if [ -f "$OUT/front/nginx.pid" ]; then
        kill -TERM "${pids[-1]}"
        wait "${pids[-1]}" 2>/dev/null || true
        unset 'pids[-1]'
    fi
    cache_conf "$1"
    start_nginx "$OUT/front" "http://127.0.0.1:$FRONT_PORT/bare$ROUTE"
}

# the zone, as apigw_cache_flush's GET tells it: "entries bytes"
zone() {
    curl -sf "http://127.0.0.1:$STATS_PORT/cache" | perl -ne '
        print "$1 $2\n" if /"entries":(\d+),"bytes":(\d+)/' \
        | grep . || die "GET /cache: no zone figures"
}

# kB of the zone's shared memory (the mapping of $1 kB) that the worker
# has touched
zone_rss() {
    local pid
    pid=$(pgrep -P "$(cat "$OUT/front/nginx.pid")" | head -1)
    awk -v size="$1" '
        /^[0-9a-f]+-[0-9a-f]+ / { mapping = 1; next }
        mapping && /^Size:/ { mapping = ($2 == size); next }
        mapping && /^Rss:/ { print $2; found = 1; exit }
        END { if (!found) exit 1 }
    ' "/proc/$pid/smaps" || die "no mapping of $1 kB in the worker"
}

kib() {
    perl -e '%u = (k => 1, m => 1024, g => 1048576);
        $ARGV[0] =~ /^(\d+)([kmg]?)$/i or die "bench-cache: size $ARGV[0]\n";
        print $1 * ($2 ? $u{lc $2} : 1 / 1024), "\n"' "$1"
}

# the URL of a case, and the keys it asks for (keys.lua): "" none (the
# route as it is), "new" every request its own, N one of N at random
url() {
    local base=http://127.0.0.1:$FRONT_PORT
    case $1 in
        bare|return|pcache-*) echo "$base/$1$ROUTE" ;;
        gw-hit) echo "$base/gw-on$ROUTE" ;;
        gw-off) echo "$base/gw-off$ITEMS" ;;
        gw-miss|hit-*) echo "$base/gw-on$ITEMS" ;;
        keys-bare) echo "$base/bare$ITEMS" ;;
    esac
}

keys_of() {
    case $1 in
        gw-off|gw-miss) echo new ;;
        keys-bare) echo 1 ;;
        hit-*) echo "${1#hit-}" ;;
    esac
}

# requests wrk completed in run $1
answered() {
    perl -ne 'print "$1\n" if /^\s*(\d+) requests in/' "$OUT/wrk-$1.txt"
}

# wrk on case $1 as run $2 for $3, with keys.lua where the case asks for
# keys; a hit case must not reach the backend, a miss must for each
# request
wrk_case() {
    local c=$1 keys before res n d
    keys=$(keys_of "$c")
    # a miss run's new keys evicted gw-hit's
    [ "$c" = gw-hit ] && curl -s -o /dev/null "$(url "$c")"
    before=$(backend_requests)
    res=$(KEYS=${keys/new/0} KEYS_FROM=$(($(date +%s%N) / 1000)) \
          WRK_SCRIPT=${keys:+$HERE/keys.lua} run_wrk "$2" "$(url "$c")" "$3")
    d=$(($(backend_requests) - before - 1))
    n=$(answered "$2")
    case $c in
        pcache-*|gw-hit|hit-*)
            [ "$d" = 0 ] || die "$2: $d of $n requests reached the backend:" \
                                "not all hits" ;;
        gw-miss)
            [ "$d" -ge "$n" ] || die "$2: $d of $n requests reached the" \
                                     "backend: not all misses" ;;
    esac
    echo "$res"
}

# the median of the rounds' ratios of case $2 to case $3 in compare_cases'
# runs $1 (CMP_RUNS: req/s, CMP_CPU: CPU per request)
pair() {
    local -n runs=$1
    local a b i r=()
    read -ra a <<< "${runs[$2]}"
    read -ra b <<< "${runs[$3]}"
    for i in "${!a[@]}"; do r+=("$(ratio "${a[$i]}" "${b[$i]}")"); done
    median "${r[@]}"
}

# perf on the front's worker while wrk runs gw-off, gw-miss and gw-hit;
# then the functions whose microseconds a request grow most from gw-off,
# samples over the sampling rate over the requests wrk completed
profile() {
    local c perf worker hz=997
    worker=$(pgrep -P "$(cat "$OUT/front/nginx.pid")" | head -1)
    for c in gw-off gw-miss gw-hit; do
        perf record -F "$hz" -p "$worker" -o "$OUT/perf-$c.data" \
            -- sleep 600 2> "$OUT/perf-$c.log" &
        perf=$!
        sleep 0.5
        wrk_case "$c" "perf-$c" "$DURATION" > /dev/null
        kill -INT "$perf"
        wait "$perf" || true
        perf report -i "$OUT/perf-$c.data" --stdio --no-children \
            -F sample,dso,sym -g none 2> /dev/null \
            | awk -v n="$(answered "perf-$c")" -v hz="$hz" '
                /^ +[0-9]/ {
                    s = $1; $1 = ""; sub(/^ +/, "");
                    if (/^\[kernel/) $0 = "the kernel, all of it";
                    printf "%.3f\t%s\n", s / hz * 1e6 / n, $0
                }' \
            > "$OUT/perf-$c.txt"
    done

    echo
    echo "perf (-F $hz) on the worker, microseconds a request by function," \
         "largest gw-miss - gw-off first (gw-hit beside):"
    perl -F'\t' -lane '
        BEGIN { @c = qw(gw-off gw-miss gw-hit) }
        ($i) = grep { $ARGV =~ /perf-$c[$_]\.txt$/ } 0 .. 2;
        $us{$F[1]}[$i] += $F[0];
        $all[$i] += $F[0];
        END {
            printf "  %7s %7s %7s  %s\n", @c, "function";
            printf "  %7.2f %7.2f %7.2f  %s\n", @all, "all: the worker";
            my %d = map { $_ => ($us{$_}[1] // 0) - ($us{$_}[0] // 0) }
                    keys %us;
            my @f = sort { $d{$b} <=> $d{$a} or $a cmp $b } keys %us;
            for my $f (@f[0 .. 14]) {
                next unless defined $f;
                printf "  %7.2f %7.2f %7.2f  %s\n",
                    map({ $us{$f}[$_] // 0 } 0 .. 2), $f;
            }
        }
    ' "$OUT"/perf-gw-off.txt "$OUT"/perf-gw-miss.txt "$OUT"/perf-gw-hit.txt
}

# "met" or "missed": $1 >= $2
verdict() {
    perl -e 'print $ARGV[0] >= $ARGV[1] ? "met" : "MISSED"' "$1" "$2"
}

start_nginx "$OUT/backend" "http://127.0.0.1:$BACKEND_PORT/"
start_front "$MISS_ZONE"

# each case answers with the backend's body; proxy_cache says HIT the
# second time, the gateway gives Age
for c in bare return "${PCACHES[@]}" gw-off gw-hit; do
    for i in 1 2; do
        out=$(curl -s -D "$OUT/headers-$c" "$(url "$c")")
        [ "$out" = "$BODY" ] \
            || die "GET $(url "$c"): $out (see $OUT/*/error.log)"
    done
    case $c in
        pcache-*) grep -qi '^X-Cache-Status: HIT' "$OUT/headers-$c" \
                      || die "$c: the second request is not a HIT" ;;
        gw-hit) grep -qi '^Age: ' "$OUT/headers-$c" \
                    || die "gw-hit: the second request is not a hit" ;;
    esac
done

echo "apigw cache benchmark: $("$NGINX" -v 2>&1 | sed 's/.*: //')," \
     "$(nproc) CPUs (load average $(cut -d' ' -f1 /proc/loadavg))," \
     "front workers: $WORKERS, upstream keepalive $KEEPALIVE"
echo "spec: $OPS operations, route GET $ROUTE; wrk -t$THREADS" \
     "-c$CONNECTIONS -d$DURATION --latency, the cases in turn $ROUNDS times"
echo "  bare:        proxy_pass, keepalive (1.00)"
echo "  return:      return 200 in the front: the ceiling of any cache"
echo "  pcache-disk: proxy_cache HIT, cache in $OUT/pcache-disk"
[ -n "$SHM" ] &&
echo "  pcache-shm:  proxy_cache HIT, cache on tmpfs ($SHM)"
echo "  gw-off:      the gateway, apigw_cache off (a new {id} each request," \
     "as gw-miss)"
echo "  gw-miss:     apigw_cache on, a new {id} each request," \
     "apigw_cache_zone $MISS_ZONE (full: each store evicts)"
echo "  gw-hit:      apigw_cache on, one key, warm"
echo "hits checked: no request of pcache-*, gw-hit reaches the backend;" \
     "every one of gw-miss does"
echo

CASES=(bare return "${PCACHES[@]}" gw-off gw-miss gw-hit)
for c in "${CASES[@]}"; do
    wrk_case "$c" "warmup-$c" 2s > /dev/null
done

compare_cases bare 11 median

read -r entries bytes <<< "$(zone)"
echo
echo "targets (medians of the rounds' ratios):"
v=$(pair CMP_RUNS gw-hit bare)
echo "  gw-hit / bare          $v  (>= 1.50: $(verdict "$v" 1.5));" \
     "return / bare $(pair CMP_RUNS return bare)"
for c in "${PCACHES[@]}"; do
    v=$(pair CMP_RUNS gw-hit "$c")
    printf '  gw-hit / %-13s %s  (>= 1.00: %s)\n' "$c" "$v" "$(verdict "$v" 1)"
done
v=$(pair CMP_RUNS gw-miss gw-off)
u=$(pair CMP_CPU gw-off gw-miss)
echo "  gw-miss / gw-off       $v  (>= 0.97: $(verdict "$v" 0.97));" \
     "CPU per request gw-off / gw-miss $u ($(verdict "$u" 0.97))"
echo "the full $MISS_ZONE zone after the miss runs: $entries entries," \
     "$bytes bytes of responses: $(($(kib "$MISS_ZONE") * 1024 / entries))" \
     "bytes of zone per entry"

if [ "$PROFILE" != 0 ]; then
    command -v perf >/dev/null || die "PROFILE=1 needs perf (linux-perf)"
    profile
fi

###############################################################################
# hits over many keys

read -ra KEY_COUNTS <<< "$KEYS"
most=0
for k in "${KEY_COUNTS[@]}"; do [ "$k" -gt "$most" ] && most=$k; done

start_front "$KEYS_ZONE"
size=$(kib "$KEYS_ZONE")
rss0=$(zone_rss "$size")

echo
echo "apigw_cache_zone $KEYS_ZONE, filled with $most keys (GET" \
     "/gw-on$ITEMS{0..$((most - 1))}, wrk -t$THREADS -c$CONNECTIONS," \
     "each key once, bench/cache/keys.lua):"
for pass in 1 2; do
    before=$(backend_requests)
    rm -f "$OUT/fill-done".*
    t0=$(date +%s%N)
    KEYS=$most FILL=1 FILL_DONE=$OUT/fill-done \
        wrk -t"$THREADS" -c"$CONNECTIONS" -d600s -s "$HERE/keys.lua" \
        "$(url hit-1)" > "$OUT/wrk-fill-$pass.txt" &
    wrk=$!
    # every thread has its keys answered
    while [ "$(find "$OUT" -maxdepth 1 -name 'fill-done.*' | wc -l)" \
            -lt "$THREADS" ]
    do
        kill -0 "$wrk" 2>/dev/null || die "wrk ended before the zone was full"
        sleep 0.1
    done
    t1=$(date +%s%N)
    kill -INT "$wrk"
    wait "$wrk"
    read -r entries bytes <<< "$(zone)"
    echo "  fill $pass: $(answered "fill-$pass") requests," \
         "$(($(backend_requests) - before - 1)) to the backend," \
         "$(perl -e 'printf "%.1f", $ARGV[0] / 1e9' $((t1 - t0))) s;" \
         "the zone holds $entries entries, $bytes bytes of responses"
    [ "$entries" -ge "$most" ] && break
done
[ "$entries" -ge "$most" ] || die "the zone holds $entries of $most keys"

rss=$(zone_rss "$size")
echo "  memory: the worker touched $((rss - rss0)) kB more of the zone:" \
     "$(( (rss - rss0) * 1024 / most )) bytes an entry" \
     "($((bytes / entries)) of them the response)"

CASES=(keys-bare)
for k in "${KEY_COUNTS[@]}"; do CASES+=("hit-$k"); done
echo
echo "hits at random over N of those keys (hit-N, keys.lua), against bare" \
     "through the same script (keys-bare):"
for c in "${CASES[@]}"; do
    wrk_case "$c" "warmup-$c" 2s > /dev/null
done
compare_cases keys-bare 12 median

###############################################################################
# instructions of a hit

if [ "$INSTRUCTIONS" != 0 ] && command -v callgrind_control >/dev/null; then
    echo
    cleanup
    pids=()
    # bench/instructions.sh builds its front with front_servers, and so
    # with these cases' locations
    cache_conf "$MISS_ZONE"
    NGINX=$NGINX BASE_CASE=gw-off GW_CASE=gw-on TOP=${TOP:-10} OPS=$OPS \
        "$ROOT/bench/instructions.sh"
fi
