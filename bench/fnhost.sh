#!/bin/bash
# The function host alone (make bench-fnhost, docs/functions.md#performance):
#   - cold start: from starting apigw-fnhost to the first answer of the
#     hello example (no warm runtime: the invocation starts one), 10 runs;
#   - warm invocations/s of hello through the Invoke API: on the unix
#     socket (bench/fnhost/client.pl, kept-alive connections) and on TCP
#     (wrk with bench/fnhost/post.lua).
# The host logs START, END, REPORT of each invocation to a file, as it
# does by default.

set -euo pipefail

cd "$(dirname "$0")/.."

HOST=build/apigw-fnhost
SECONDS_RUN=${BENCH_SECONDS:-5}
CLIENTS=${BENCH_CLIENTS:-4}
CONC=${BENCH_CONCURRENCY:-2}
DIR=$(mktemp -d /tmp/apigw-fnhost-bench.XXXXXX)
PORT=${BENCH_PORT:-18931}

trap 'kill $PID 2>/dev/null || true; wait 2>/dev/null || true; rm -rf $DIR' EXIT

cat > $DIR/functions.yaml <<YAML
listen: [unix:$DIR/fn.sock, 127.0.0.1:$PORT]
log: $DIR/host.log
functions:
  hello:
    handler: $PWD/build/functions/hello.so:hello
    concurrency: $CONC
YAML

echo "# cold start: host start to the first answer of hello (ms)"

for i in $(seq 10); do
    perl -MTime::HiRes=time -MIO::Socket::UNIX -MSocket=SOCK_STREAM -e '
        my ($host, $conf, $sock) = @ARGV;
        my $t0 = time;
        my $pid = fork;
        if (!$pid) { open(STDERR, ">", "/dev/null"); exec $host, "-c", $conf }
        my $s;
        until ($s = IO::Socket::UNIX->new(Peer => $sock, Type => SOCK_STREAM))
        { Time::HiRes::sleep(0.0002) }
        my $e = q({"httpMethod":"GET","path":"/hello"});
        print $s "POST /2015-03-31/functions/hello/invocations HTTP/1.1\r\n"
               . "Host: x\r\nConnection: close\r\nContent-Length: "
               . length($e) . "\r\n\r\n$e";
        my $r = join "", <$s>;
        my $ms = (time - $t0) * 1000;
        die "no answer: $r" unless $r =~ /^HTTP\/1.1 200/ && $r =~ /hello/;
        kill "TERM", $pid; waitpid($pid, 0);
        printf "%.1f\n", $ms;
    ' $HOST $DIR/functions.yaml $DIR/fn.sock
done | sort -n | awk '{ a[NR] = $1 } END { printf "min %s median %s max %s\n", a[1], a[int((NR + 1) / 2)], a[NR] }'

$HOST -c $DIR/functions.yaml 2>/dev/null &
PID=$!
sleep 0.3

# warm the runtimes
bench/fnhost/client.pl $DIR/fn.sock hello $CONC 1 > /dev/null

echo "# warm, unix socket: $CLIENTS clients, concurrency $CONC"
bench/fnhost/client.pl $DIR/fn.sock hello $CLIENTS $SECONDS_RUN

echo "# warm, TCP (wrk -t2 -c$CLIENTS)"
wrk -t2 -c$CLIENTS -d${SECONDS_RUN}s -s bench/fnhost/post.lua \
    http://127.0.0.1:$PORT/ | grep -E "Requests/sec|Latency|Non-2xx"

kill -TERM $PID
wait $PID || true
