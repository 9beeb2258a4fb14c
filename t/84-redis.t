#!/usr/bin/perl

# Throttling in Redis (apigw_redis) with a real redis-server: buckets and
# quotas shared by two gateways, what Redis holds, and its failure modes:
# killed, frozen (SIGSTOP) past the timeout, restarted empty, a key of
# the wrong type; the on_failure policies local (the default), open and
# closed; each failure and fallback in the metrics.

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use IO::Socket::INET;
use Time::HiRes qw(sleep time);
use Digest::SHA qw(sha256_hex);
use Apigw::Test;
use Apigw::Metrics qw(scrape count promtool);

plan(skip_all => 'module not built') unless Apigw::Test::have_module();
plan(skip_all => 'no redis-server') unless -x '/usr/bin/redis-server';

my $a = Apigw::Test->new;
my $b = Apigw::Test->new;
my $redis_port = $a->port(3);
my $redis_pid;

sub redis_start {
    $a->_release_port($redis_port);
    $redis_pid = fork // die "fork: $!";

    if ($redis_pid == 0) {
        open STDOUT, '>', '/dev/null';
        open STDERR, '>', '/dev/null';
        exec '/usr/bin/redis-server', '--port', $redis_port,
             '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no';
        exit 1;
    }

    for (1 .. 100) {
        return if (redis('PING') // '') eq 'PONG';
        sleep 0.05;
    }

    die "redis-server did not start";
}

sub redis_kill {
    kill 'KILL', $redis_pid;
    waitpid $redis_pid, 0;
}

# one command, one reply: a status, an integer or a bulk string
sub redis {
    my @args = @_;
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$redis_port",
                                  Timeout => 1) or return undef;
    print $s '*' . @args . "\r\n",
             map { '$' . length($_) . "\r\n$_\r\n" } @args;
    my $line = <$s> // return undef;
    $line =~ s/\r\n$//;
    return substr($line, 1) if $line =~ /^[+:-]/;
    return undef if $line eq '$-1';
    read($s, my $v, substr($line, 1));
    return $v;
}

my $be = $a->backend(port => $a->port(2), handler => sub {
    return (200, ['Content-Type' => 'application/json'], '{"ok":true}');
});

my $key = 'redis-key-0123456789abcdefgh';
my $key2 = 'tight-key-0123456789abcdefgh';

my $spec = <<'YAML';
openapi: 3.0.3
info: {title: redis, version: "1"}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: x-api-key}
paths:
  /free:
    get: {}
  /keyed:
    get: {security: [{key: []}]}
  /keyed2:
    get: {security: [{key: []}]}
  /limited:
    get:
      x-apigw-throttle: {rate: 0.001, burst: 1}
YAML

my $keys = <<"YAML";
plans:
  - id: q
    quota: {limit: 2, period: DAY}
    stages: [{stage: api/quota}]
  - id: free
    stages: [{stage: api/quota}]
  - id: tight
    throttle: {rate: 0.001, burst: 2}
    stages:
      - stage: api/tight
        throttle: {"GET /keyed": {rate: 0.001, burst: 1}}
keys:
  - {id: k1, value: "$key", plan: q}
  - {id: k2, value: "$key2", plan: tight}
YAML

sub conf {
    my ($t, $policy) = @_;
    $t->write_file('api.yaml', $spec);
    $t->write_file('keys.yaml', $keys);
    $t->write_conf(<<"CONF");
    apigw_api api %%PREFIX%%/api.yaml;
    apigw_keys %%PREFIX%%/keys.yaml;
    apigw_redis 127.0.0.1:$redis_port timeout=200ms $policy;

    log_format t '\$uri \$status \$apigw_throttle';

    server {
        listen 127.0.0.1:%%PORT%%;
        access_log %%PREFIX%%/t.log t;

        location /prod/ {
            apigw api stage=prod;
            apigw_backend http://127.0.0.1:${\ $a->port(2)};
            apigw_throttle rate=0.001 burst=3;
        }

        location /tight/ {
            apigw api stage=tight;
            apigw_backend http://127.0.0.1:${\ $a->port(2)};
        }

        location /lease/ {
            apigw api stage=lease;
            apigw_backend http://127.0.0.1:${\ $a->port(2)};
            apigw_throttle rate=100000 burst=1600;
        }

        location /quota/ {
            apigw api stage=quota;
            apigw_backend http://127.0.0.1:${\ $a->port(2)};
        }

        location = /metrics {
            apigw_prometheus;
        }
    }
CONF
}

redis_start();

conf($a, '');
conf($b, '');
$a->run;
$b->run;

sub get {
    my ($t, $uri, @h) = @_;
    return $t->http_json('GET', $uri, headers => \@h);
}

# shared by two gateways
sleep 0.3;
is(get($a, '/prod/free')->{status}, 200, 'gateway A: 1 of 3');
is(get($a, '/prod/free')->{status}, 200, 'gateway A: 2 of 3');
my $r = get($b, '/prod/free');
is($r->{status}, 200, 'gateway B: 3 of 3');
is($r->{headers}{'ratelimit'}, '"stage";r=0;t=3000',
   'gateway B sees what A took');
$r = get($b, '/prod/free');
is($r->{status}, 429, 'gateway B: the fourth is refused');
is($r->{headers}{'retry-after'}, 1000, 'with Retry-After');
is(get($a, '/prod/free')->{status}, 429, 'and so is A');
like(redis('GET', '{apigw}:s|api/prod') // '', qr/^\d+$/,
     'Redis holds the bucket');
like(redis('PTTL', '{apigw}:s|api/prod') // '', qr/^\d+$/,
     'with an expiry');

is(get($a, '/quota/keyed', 'x-api-key' => $key)->{status}, 200,
   'quota: 1 of 2 on A');
is(get($b, '/quota/keyed', 'x-api-key' => $key)->{status}, 200,
   'quota: 2 of 2 on B');
$r = get($a, '/quota/keyed', 'x-api-key' => $key);
is($r->{status}, 429, 'quota: the third on A');
is($r->{json}{message}, 'Limit Exceeded', 'Limit Exceeded');
is(redis('HGET', '{apigw}:q|k1|' . (int(time) - int(time) % 86400), 'used'), 2,
   'Redis counts the quota: 2');

like($a->read_file('t.log'), qr{^/prod/free 200 redis$}m,
     '$apigw_throttle: redis');

# every level through Redis, shared by the two gateways
is(get($a, '/prod/limited')->{status}, 429,
   'operation and stage: the stage bucket is empty already');
is(get($a, '/tight/limited')->{status}, 200, 'operation: A takes it');
is(get($b, '/tight/limited')->{status}, 429, 'operation: B finds it empty');
$r = get($a, '/tight/keyed', 'x-api-key' => $key2);
is($r->{status}, 200, 'key and operation: A takes it');
is($r->{headers}{'ratelimit-policy'},
   '"key-operation";q=1;w=1000, "key";q=2;w=2000',
   'RateLimit-Policy through Redis');
is(get($b, '/tight/keyed', 'x-api-key' => $key2)->{status}, 429,
   'key and operation: B finds it empty');
is(get($b, '/tight/keyed2', 'x-api-key' => $key2)->{status}, 200,
   'key: B takes the plan\'s second token');
is(get($a, '/tight/keyed2', 'x-api-key' => $key2)->{status}, 429,
   'key: A finds the plan empty');

$a->reload;
is(get($a, '/tight/limited')->{status}, 429,
   'a reload: the buckets are still in Redis');

# leases: a worker takes 10 ms of a fast bucket's rate (here 100, a
# sixteenth of its burst at most) and passes the next requests itself
sub evalsha_calls {
    my $info = redis('INFO', 'commandstats') // '';
    return $info =~ /cmdstat_evalsha:calls=(\d+)/ ? $1 : 0;
}

redis('CONFIG', 'RESETSTAT');
my @leased = map { get($a, '/lease/free')->{status} } 1 .. 21;
is_deeply(\@leased, [(200) x 21], 'lease: 21 requests pass');
cmp_ok(evalsha_calls(), '<=', 2, 'with one or two script runs: the lease '
       . 'had the rest');
is(get($b, '/lease/free')->{status}, 200,
   'lease: the other gateway takes its own');
like($a->read_file('t.log'), qr{^/lease/free 200 redis$}m,
     'leased verdicts count as Redis\'s');

# keys kept in Redis: added, refused when disabled, shown, no reload
my $rkey = 'stored-in-redis-0123456789';
my @admin = ('scripts/apigw-keys', '-r', "127.0.0.1:$redis_port");

sub admin {
    my @args = @_;
    my $out = qx{@admin @args 2>&1};
    return ($? >> 8, $out);
}

my ($rc, $out);
{
    local $ENV{APIGW_KEY} = $rkey;
    ($rc, $out) = admin('add', 'k-redis', 'free', 'Stored');
}
is($rc, 0, 'apigw-keys add');
is(redis('HGET', '{apigw}:key:' . sha256_hex($rkey), 'plan'), 'free',
   'Redis holds the key by its digest');
ok(!grep({ defined && /\Q$rkey\E/ } map { redis('GET', $_) }
         '{apigw}:keyid:k-redis'), 'and not its value');
is(get($a, '/quota/keyed', 'x-api-key' => $rkey)->{status}, 200,
   'a key added in Redis works at once, no reload');
is(get($b, '/quota/keyed', 'x-api-key' => $rkey)->{status}, 200,
   'on the other gateway too');
like($a->read_file('t.log'), qr{^/quota/keyed 200 redis$}m,
     'and is throttled through Redis');
is(get($a, '/quota/keyed', 'x-api-key' => 'n' x 30)->{status}, 403,
   'a key in neither place: 403');

($rc, $out) = admin('disable', 'k-redis');
is($rc, 0, 'apigw-keys disable');
my $refused = 0;
for (1 .. 80) {
    if (get($a, '/quota/keyed', 'x-api-key' => $rkey)->{status} == 403) {
        $refused = 1;
        last;
    }
    sleep 0.1;
}
ok($refused, 'a key disabled in Redis is refused within seconds');
like($a->error_log, qr/API key disabled, key id k-redis/,
     'the log says so, by id');

($rc, $out) = admin('enable', 'k-redis');
($rc, $out) = admin('show', 'k1');
like($out, qr/quota: 2 of 2 used, 0 remaining/, 'apigw-keys show: quota')
    or diag $out;
($rc, $out) = admin('list');
like($out, qr/^k-redis\tfree\tenabled$/m, 'apigw-keys list');
($rc, $out) = admin('add', 'k-redis', 'free');
isnt($rc, 0, 'apigw-keys add: an id twice is refused');

my $ok = 0;
for (1 .. 80) {
    if (get($a, '/quota/keyed', 'x-api-key' => $rkey)->{status} == 200) {
        $ok = 1;
        last;
    }
    sleep 0.1;
}
ok($ok, 'enabled again within seconds');

# the Redis families, without route labels
sub redis_errors {
    my ($m, $error) = @_;
    return count($m, 'apigw_redis_errors_total', error => $error);
}

sub fallbacks {
    my ($m, $policy) = @_;
    return count($m, 'apigw_redis_fallbacks_total', policy => $policy);
}

# killed: throttling goes on in each node's zone, no 5xx, logged once
my ($m0) = scrape($a);
redis_kill();
my @st = map { get($a, '/quota/keyed', 'x-api-key' => $key)->{status} }
         1 .. 4;
is_deeply(\@st, [200, 200, 429, 429],
          'Redis killed: the local zone takes over (its own count)');
is((() = $a->error_log =~ /redis is down/g), 1, 'the outage is logged once');
is(get($a, '/quota/keyed', 'x-api-key' => $rkey)->{status}, 200,
   'Redis killed: a Redis key seen before still works');
is(get($a, '/quota/keyed', 'x-api-key' => 'm' x 30)->{status}, 403,
   'a key never seen cannot be checked: 403');
like($a->read_file('t.log'), qr{^/quota/keyed 200 local$}m,
     '$apigw_throttle: local');
my ($m1) = scrape($a);
cmp_ok(redis_errors($m1, 'connection'), '>', redis_errors($m0, 'connection'),
       'metrics: the connection lost, counted');
is(fallbacks($m1, 'local') - fallbacks($m0, 'local'), 4,
   'metrics: the 4 throttled requests, fallbacks of policy local');
is(count($m1, 'apigw_throttled_total', stage => 'quota', level => 'quota')
   - count($m0, 'apigw_throttled_total', stage => 'quota', level => 'quota'),
   2, 'metrics: the 2 refused by the local zone, level quota');

# restarted empty: back by itself, the script loaded again
redis_start();
my $back = 0;

for (1 .. 60) {
    $r = get($b, '/quota/keyed', 'x-api-key' => $key);
    if ($b->read_file('t.log') =~ m{^/quota/keyed \d+ redis\n\z}m) {
        $back = 1;
        last;
    }
    sleep 0.1;
}

ok($back, 'Redis restarted empty: used again');
is($r->{status}, 200, 'with the new, empty state');
like($b->error_log, qr/redis is back/, 'and says so');

# a key of the wrong type: the script fails, an error reply; the request
# falls back to the zone
($m0) = scrape($a);
redis('HSET', '{apigw}:s|api/prod', 'x', '1');
is(get($a, '/prod/free')->{status}, 200,
   'a bucket in Redis that is a hash: the request passes');
like($a->error_log, qr/apigw: redis: .*WRONGTYPE/,
     'the error reply is logged');
redis('DEL', '{apigw}:s|api/prod');
($m1) = scrape($a);
is(redis_errors($m1, 'reply') - redis_errors($m0, 'reply'), 1,
   'metrics: an error reply');
is(fallbacks($m1, 'local') - fallbacks($m0, 'local'), 1,
   'metrics: its request, a fallback');
is(redis_errors($m1, 'timeout'), 0, 'metrics: no timeout yet');

# frozen past the timeout: the request does not hang
($m0) = scrape($a);
kill 'STOP', $redis_pid;
my $t0 = time;
$r = get($a, '/prod/free');
my $took = time - $t0;
kill 'CONT', $redis_pid;
isnt($r->{status}, 0, 'Redis frozen: an answer');
cmp_ok($r->{status}, '<', 500, 'not a 5xx');
cmp_ok($took, '<', 2, sprintf('within the timeout and then some (%.2f s)',
                              $took));
($m1, my $page) = scrape($a);
is(redis_errors($m1, 'timeout'), 1, 'metrics: a timeout');
is(fallbacks($m1, 'local') - fallbacks($m0, 'local'), 1,
   'metrics: its request, a fallback');
my ($lint_ok, $lint) = promtool($a, $page);
ok($lint_ok, 'promtool: the page with Redis\'s failures passes')
    or diag($lint);

$a->stop;
$b->stop;

# a unix socket
redis_kill();
my $sock = $a->{prefix} . '/redis.sock';
{
    $redis_pid = fork // die "fork: $!";

    if ($redis_pid == 0) {
        open STDOUT, '>', '/dev/null';
        open STDERR, '>', '/dev/null';
        exec '/usr/bin/redis-server', '--port', '0', '--unixsocket', $sock,
             '--save', '', '--appendonly', 'no';
        exit 1;
    }

    for (1 .. 100) {
        last if -S $sock;
        sleep 0.05;
    }
}

conf($a, '');
my $conf = $a->read_file('nginx.conf');
$conf =~ s{apigw_redis 127\.0\.0\.1:\d+}{apigw_redis unix:$sock};
$a->write_file('nginx.conf', $conf);
$a->run;
sleep 0.3;
is(get($a, '/tight/limited')->{status}, 200, 'unix socket: the first');
is(get($a, '/tight/limited')->{status}, 429, 'unix socket: the second');
like($a->read_file('t.log'), qr{^/tight/limited 429 redis$}m,
     'unix socket: decided by Redis');
$a->stop;

# the other policies, Redis down
redis_kill();

conf($a, 'on_failure=open');
$a->run;
$r = get($a, '/prod/free') for 1 .. 5;
is($r->{status}, 200, 'on_failure=open: everything passes');
ok(!exists $r->{headers}{'ratelimit'}, 'without RateLimit headers');
($m1) = scrape($a);
is(fallbacks($m1, 'open'), 5, 'metrics: 5 fallbacks, policy open');
is(count($m1, 'apigw_throttled_total'), 0, 'metrics: none throttled');
$a->stop;

conf($a, 'on_failure=closed');
$a->run;
$r = get($a, '/prod/free');
is($r->{status}, 429, 'on_failure=closed: refused');
is($r->{headers}{'retry-after'}, 1, 'Retry-After 1');
is(get($a, '/quota/free')->{status}, 200,
   'an operation with no bucket is not affected');
($m1, $page) = scrape($a);
is(count($m1, 'apigw_throttled_total', stage => 'prod', method => 'GET',
         resource => '/free', level => 'redis_down'), 1,
   'metrics: the 429, level redis_down');
is(count($m1, 'apigw_throttled_total'), 1, 'metrics: nothing else throttled');
is(fallbacks($m1, 'closed'), 1, 'metrics: a fallback, policy closed');
is(fallbacks($m1, 'local') + fallbacks($m1, 'open'), 0,
   'metrics: of no other policy');
cmp_ok(redis_errors($m1, 'connection'), '>', 0,
       'metrics: Redis refused, connection errors');
($lint_ok, $lint) = promtool($a, $page);
ok($lint_ok, 'promtool: the page of on_failure=closed passes')
    or diag($lint);
$a->stop;

$a->check_log;
$b->check_log;

done_testing;
