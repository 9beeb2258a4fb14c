#!/usr/bin/env bash
# apigw benchmark, instruction counts: the front nginx of bench/run.sh runs as
# a single process under callgrind, a Perl client sends exactly REQUESTS
# requests to /bare/ and then to /gw/, and the user-space instructions the
# front executed for each are divided by the request count.  Unlike req/s on
# a shared VM, the figures repeat to within a fraction of a per cent.
# See bench/README.md.
#
#   bench/instructions.sh
#   REQUESTS=50000 TOP=20 bench/instructions.sh

set -euo pipefail
shopt -s inherit_errexit

ROOT=$(cd "$(dirname "$0")/.." && pwd)
NGINX=${NGINX:-/usr/sbin/nginx}
export -n NGINX          # nginx reads $NGINX as inherited sockets
MODULE=$ROOT/build/ngx_http_apigw_module.so
OUT=$ROOT/build/bench-instr

OPS=${OPS:-1000}                # operations in the served spec
REQUESTS=${REQUESTS:-20000}     # measured requests per case
WARMUP=${WARMUP:-2000}          # requests per case before measuring
CONNECTIONS=${CONNECTIONS:-8}   # client connections, 1 request in flight each
KEEPALIVE=${KEEPALIVE:-64}      # idle upstream connections kept
TOP=${TOP:-10}                  # functions listed (0: none)
GW_CASE=${GW_CASE:-gw}          # gw (the README's configuration), gw-tuned,
                                # or gc (gw with half of it a canary)
BASE_CASE=${BASE_CASE:-bare}    # what it is compared with: bare, gu (gw
                                # with apigw_metrics off), or gw

BODY='{"ok":true}'

die() { echo "instructions: $*" >&2; exit 1; }

cd "$ROOT"

if [ ! -f "$MODULE" ]; then
    make --no-print-directory module >&2
elif ! make -q module 2>/dev/null; then
    echo "instructions: note: $MODULE is older than its sources" \
         "('make module' rebuilds it)" >&2
fi
# valgrind is not among the packages scripts/bootstrap-deps installs
if ! command -v callgrind_control >/dev/null; then
    [ "$(id -u)" = 0 ] \
        || die "valgrind is missing: sudo apt-get install valgrind"
    echo "instructions: installing the Debian package valgrind" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends valgrind >/dev/null
fi
for c in "$NGINX" valgrind callgrind_control callgrind_annotate curl perl; do
    command -v "$c" >/dev/null || die "$c is not installed"
done
[ "$OPS" -ge 8 ] || die "OPS must be at least 8"

BENCH_NAME=instructions
. "$ROOT/bench/lib.sh"

# starts "$@" (nginx, maybe under valgrind) in a session of its own, so that
# Ctrl-C reaches it only through cleanup(); waits up to $2 s for $1 to answer
start() {
    local url=$1 wait=$2 log=$3
    shift 3
    setsid "$@" &
    pids+=($!)

    for _ in $(seq $((wait * 10))); do
        curl -s -o /dev/null "$url" && return 0
        kill -0 "${pids[-1]}" 2>/dev/null || break
        sleep 0.1
    done

    tail -5 "$log" >&2 || true
    die "$* did not start"
}

# GET $1 must answer $2 (and, for 200, the backend's body)
check() {
    local out code
    out=$(curl -s -w '\n%{http_code}' "$1") || die "GET $1 failed"
    code=${out##*$'\n'}
    [ "$code" = "$2" ] \
        || die "GET $1 returned $code, not $2 (see $OUT/*/error.log)"
    [ "$2" != 200 ] || [ "${out%$'\n'*}" = "$BODY" ] \
        || die "GET $1 returned an unexpected body"
}

# sends exactly $2 GET $1 on CONNECTIONS keep-alive connections, one request
# in flight on each (as wrk does); stops at the first answer that is not a
# 200 with the backend's body
client() {
    perl -MIO::Socket::INET -MIO::Select -e '
        my ($port, $path, $n, $c, $body) = @ARGV;
        my $req = "GET $path HTTP/1.1\r\nHost: 127.0.0.1:$port\r\n\r\n";
        my $sel = IO::Select->new;
        my (%buf, $sent, $done);
        $c = $n if $c > $n;
        for (1 .. $c) {
            my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1",
                                          PeerPort => $port)
                or die "instructions: connect: $!\n";
            $sel->add($s);
            $buf{$s} = "";
            syswrite($s, $req) == length $req or die "instructions: write\n";
            $sent++;
        }
        while ($done < $n) {
            for my $s ($sel->can_read) {
                sysread($s, $buf{$s}, 65536, length $buf{$s})
                    or die "instructions: connection closed after $done"
                           . " answers\n";
                while ($buf{$s} =~ /\A(.*?)\r\n\r\n/s) {
                    my $head = $1;
                    my ($len) = $head =~ /^content-length:\s*(\d+)/mi;
                    die "instructions: an answer without Content-Length\n"
                        unless defined $len;
                    last if length($buf{$s}) < length($head) + 4 + $len;
                    my $got = substr($buf{$s}, length($head) + 4, $len);
                    substr($buf{$s}, 0, length($head) + 4 + $len) = "";
                    $head =~ m{\AHTTP/1\.1 200 } && $got eq $body
                        or die "instructions: unexpected answer: $head\n";
                    die "instructions: the server closes the connection\n"
                        if $head =~ /^connection:\s*close/mi;
                    $done++;
                    if ($sent < $n) {
                        syswrite($s, $req) == length $req
                            or die "instructions: write\n";
                        $sent++;
                    }
                }
            }
        }
        print "$done\n";
    ' "$FRONT_PORT" "$1" "$2" "$CONNECTIONS" "$BODY"
}

# requests the front nginx has handled so far (stub_status, on a port of its
# own), this one included
handled() {
    curl -s "http://127.0.0.1:$STATUS_PORT/status" \
        | awk 'NR == 3 { print $3 }'
}

ctl() {
    callgrind_control --vgdb-prefix="$OUT/vgdb" "$@" "$FRONT_PID" \
        >> "$OUT/callgrind_control.log" 2>&1 \
        || die "callgrind_control $* failed (see $OUT/callgrind_control.log)"
}

# the newest callgrind dump
last_dump() {
    ls -t "$OUT"/callgrind.out.* | head -1
}

# measures $REQUESTS GET $2; leaves the dump in $OUT/$1.callgrind and prints
# the instructions per request
measure() {
    local name=$1 path=$2 before after n total
    before=$(handled)
    ctl -z
    n=$(client "$path" "$REQUESTS")
    ctl --dump="$name"
    after=$(handled)
    # the status request that read "after" is counted in it
    [ "$n" = "$REQUESTS" ] && [ $((after - before - 1)) = "$REQUESTS" ] \
        || die "$name: sent $REQUESTS, client counted $n," \
               "nginx counted $((after - before - 1))"
    mv "$(last_dump)" "$OUT/$name.callgrind"
    total=$(awk '/^summary:/ { print $2; exit }' \
        "$OUT/$name.callgrind")
    [ -n "$total" ] || die "no totals in $OUT/$name.callgrind"
    echo "$total"
}

# "Ir<TAB>function [object]" for each function of dump $1, inclusive costs
# if $2 is yes.  callgrind_annotate splits a function by source file (its
# own, the headers its inlined code comes from): the parts add up for self
# costs; for inclusive ones the largest is the whole function.
functions() {
    callgrind_annotate --auto=no --inclusive="$2" --threshold=100 "$1" \
        | perl -ne '
            BEGIN { $incl = shift @ARGV eq "yes" }
            next unless /^\s*([\d,]+)\s+\([\s\d.]+%\)\s+(\S.*?)\s*$/;
            my ($ir, $fn) = ($1, $2);
            next if $fn eq "PROGRAM TOTALS";
            $ir =~ tr/,//d;
            my $obj = $fn =~ s{ \[(?:.*/)?([^/\]]+)\]$}{} ? $1 : undef;
            $fn =~ s/^.*://;                # the source file
            $obj{$fn} //= $obj;
            $ir{$fn} = $incl ? ($ir > ($ir{$fn} // 0) ? $ir : $ir{$fn})
                             : ($ir{$fn} // 0) + $ir;
            END {
                print "$ir{$_}\t$_", defined $obj{$_} ? " [$obj{$_}]" : "",
                      "\n" for keys %ir;
            }
        ' "$2"
}

# the TOP functions whose cost per request grows most from bare to gw;
# $1: yes (inclusive) or no (self).  Inclusive: the functions that hold more
# than 3/4 of the whole difference (the event loop, the request processing
# that both cases go through) are left out, they would fill the list.
top() {
    functions "$OUT/bare.callgrind" "$1" > "$OUT/bare.$1.txt"
    functions "$OUT/gw.callgrind" "$1" > "$OUT/gw.$1.txt"
    perl -F'\t' -lane '
        BEGIN { ($n, $top, $skip) = splice @ARGV, 0, 3 }
        $cost{$F[1]}[$ARGV =~ /gw\.\w+\.txt$/ ? 1 : 0] += $F[0];
        END {
            my %d = map {
                $_ => (($cost{$_}[1] // 0) - ($cost{$_}[0] // 0)) / $n
            } keys %cost;
            my @f = grep { $d{$_} < $skip }
                    sort { $d{$b} <=> $d{$a} or $a cmp $b } keys %d;
            printf "  %8.0f  %8.0f  %8.0f  %s\n", ($cost{$_}[0] // 0) / $n,
                   ($cost{$_}[1] // 0) / $n, $d{$_}, $_
                for grep defined, @f[0 .. $top - 1];
        }
    ' "$REQUESTS" "$TOP" "$2" "$OUT/bare.$1.txt" "$OUT/gw.$1.txt"
}

rm -rf "$OUT"
mkdir -p "$OUT/backend" "$OUT/front"

# a copy: "make module" rewrites the .so in place, which would crash
# the workers of an nginx that has it loaded
cp "$MODULE" "$OUT/"
MODULE=$OUT/${MODULE##*/}

BACKEND_PORT=$(free_port)
FRONT_PORT=$(free_port)
STATUS_PORT=$(free_port)
ROUTE=$("$ROOT/bench/gen-spec.pl" -r "$OPS")
"$ROOT/bench/gen-spec.pl" "$OPS" > "$OUT/spec.json"

backend_conf > "$OUT/backend/nginx.conf"

{
    echo "load_module $MODULE;"
    conf_head "$OUT/front" 1 off
    front_servers
    cat <<EOF

    # the request counter, away from the measured server
    server {
        listen 127.0.0.1:$STATUS_PORT;

        location = /status {
            stub_status;
        }
    }
}
EOF
} > "$OUT/front/nginx.conf"

BARE=/$BASE_CASE$ROUTE
GW=/${GW_CASE:-gw}$ROUTE

start "http://127.0.0.1:$BACKEND_PORT/" 10 "$OUT/backend/error.log" \
    "$NGINX" -p "$OUT/backend/" -c "$OUT/backend/nginx.conf" \
    -e "$OUT/backend/error.log"

# instrumentation starts once nginx is up: the spec load is not measured
start "http://127.0.0.1:$STATUS_PORT/status" 120 "$OUT/front/valgrind.log" \
    valgrind --tool=callgrind --instr-atstart=no \
    --vgdb-prefix="$OUT/vgdb" --callgrind-out-file="$OUT/callgrind.out" \
    --log-file="$OUT/front/valgrind.log" \
    "$NGINX" -p "$OUT/front/" -c "$OUT/front/nginx.conf" \
    -e "$OUT/front/error.log"
FRONT_PID=${pids[-1]}

check "http://127.0.0.1:$FRONT_PORT$BARE" 200
check "http://127.0.0.1:$FRONT_PORT$GW" 200
check "http://127.0.0.1:$FRONT_PORT/gw/no/such/route" 403     # apigw routes

ctl --instr=on

echo "apigw instruction counts: $NGINX" \
     "($("$NGINX" -v 2>&1 | sed 's/.*: //')), $(valgrind --version)," \
     "front: 1 process under callgrind"
echo "spec: $OPS operations, route GET $ROUTE; $CONNECTIONS keep-alive" \
     "connections, upstream keepalive $KEEPALIVE"
echo "$REQUESTS requests per case after $WARMUP of warm-up;" \
     "user-space instructions (Ir) of the front nginx"
echo

client "$BARE" "$WARMUP" > /dev/null
client "$GW" "$WARMUP" > /dev/null

bare=$(measure bare "$BARE")
gw=$(measure gw "$GW")

B=$BASE_CASE G=$GW_CASE \
TOTAL_BARE=$bare TOTAL_GW=$gw N=$REQUESTS perl -e '
    my ($b, $g) = map { $_ / $ENV{N} } @ENV{qw(TOTAL_BARE TOTAL_GW)};
    sub group {
        my $s = sprintf "%.0f", shift;
        1 while $s =~ s/^(-?\d+)(\d{3})/$1,$2/;
        return $s;
    }
    my ($bn, $gn) = @ENV{qw(B G)};
    printf "%-16s %14s %12s\n", "case", "Ir total", "Ir/request";
    printf "%-16s %14s %12s\n", $bn, group($ENV{TOTAL_BARE}), group($b);
    printf "%-16s %14s %12s\n", $gn, group($ENV{TOTAL_GW}), group($g);
    printf "%-16s %14s %12s\n", "$gn - $bn", "", group($g - $b);
    printf "%-16s %.3f\n", "$gn/$bn", $g / $b;
'

if [ "$TOP" -gt 0 ]; then
    echo
    echo "functions, Ir/request, inclusive (the function and what it calls)," \
         "largest gw - bare first,"
    echo "without those that hold more than 3/4 of the difference (the" \
         "event loop and request processing of both cases):"
    printf '  %8s  %8s  %8s  %s\n' bare gw gw-bare function
    top yes "$(perl -e 'print 0.75 * ($ARGV[1] - $ARGV[0]) / $ARGV[2]' \
        "$bare" "$gw" "$REQUESTS")"
    echo
    echo "functions, Ir/request, self (the function's own code), largest" \
         "gw - bare first:"
    printf '  %8s  %8s  %8s  %s\n' bare gw gw-bare function
    top no 1e12
    if grep -q $'\t0x' "$OUT/gw.yes.txt" "$OUT/gw.no.txt"; then
        echo "(0x...: static functions of a stripped $NGINX; an nginx" \
             "with symbols names them, see bench/README.md)"
    fi
fi
