#!/usr/bin/perl

# Two gateways, each with its own cache, sharing one redis-server and one
# backend: a refresh on one drops the entry on the other, a flush on one
# flushes the other and no other stage, a flush published while the
# subscribers are gone is found by the generations read again, a reload
# keeps one subscriber per gateway, Redis frozen delays nothing, Redis
# killed under a stream of requests: every request answered, the caches
# local, and invalidations across gateways back once Redis is; a fast
# shutdown leaves no leak.

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use IO::Socket::INET;
use JSON::PP;
use POSIX ();
use Time::HiRes qw(time sleep);
use Apigw::Test;

plan(skip_all => 'module not built') unless Apigw::Test::have_module();
plan(skip_all => 'no redis-server') unless -x '/usr/bin/redis-server';

my $ga = Apigw::Test->new;
my $gb = Apigw::Test->new;
my $redis = $ga->redis;
my $rport = $redis->port;
my $GEN = '{apigw}:cache:gen:cache/prod';

# every answer says which backend call made it
my $be = $ga->backend(port => $ga->port(2), handler => sub {
    my ($req) = @_;
    return (200, ['Content-Type' => 'application/json'],
            encode_json({ seq => $req->{seq}, path => $req->{path} }));
});
my $be_port = $be->port;

my $spec = <<'YAML';
openapi: 3.0.3
info: {title: cache, version: "1"}
paths:
  /items/{id}:
    get: {}
YAML

for my $t ($ga, $gb) {
    $t->write_file('api.yaml', $spec);
    $t->write_conf(<<"CONF", workers => 2);
    apigw_api cache %%PREFIX%%/api.yaml;
    apigw_redis 127.0.0.1:$rport;

    log_format cache '\$uri \$status \$apigw_cache_status';

    server {
        listen 127.0.0.1:%%PORT%%;
        access_log %%PREFIX%%/cache.log cache;

        location /prod/ {
            apigw cache stage=prod;
            apigw_backend http://127.0.0.1:$be_port;
            apigw_cache on;
            apigw_cache_require_authorization off;
        }

        location /staging/ {
            apigw cache stage=staging;
            apigw_backend http://127.0.0.1:$be_port;
            apigw_cache on;
        }

        location = /ops/prod/cache {
            apigw_cache_flush /prod/;
        }
    }
CONF
}

$ga->run;
$gb->run;

sub get {
    my ($t, $uri, @h) = @_;
    return $t->http('GET', $uri, headers => \@h);
}

sub seq {
    my ($r) = @_;
    my $j = eval { decode_json($r->{body}) } or return "status $r->{status}";
    return $j->{seq};
}

sub flush {
    my ($t) = @_;
    return $t->http('DELETE', '/ops/prod/cache');
}

# true once $check is, polling for $secs at most
sub eventually {
    my ($check, $secs) = @_;
    my $deadline = time + ($secs // 10);

    while (time < $deadline) {
        my $v = $check->();
        return $v if $v;
        sleep 0.05;
    }

    return undef;
}

# the entry is fetched again by $t: a new sequence number
sub refetched {
    my ($t, $uri, $old, $secs) = @_;
    return eventually(sub {
        my $r = get($t, $uri);
        return $r->{status} == 200 && seq($r) ne $old ? $r : undef;
    }, $secs);
}

sub subscribers {
    my $r = eval { $redis->command('PUBSUB', 'NUMSUB', 'apigw:cache') };
    return $r ? $r->[1] : -1;
}

# commands on one connection, their replies
sub redis_session {
    my @cmds = @_;
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$rport",
                                  Timeout => 2) or die "redis: $!";
    for my $c (@cmds) {
        print $s '*' . @$c . "\r\n",
                 map { '$' . length($_) . "\r\n$_\r\n" } @$c;
    }
    my @r = map { Apigw::Test::Redis::_reply($s) } @cmds;
    close $s;
    return @r;
}

# an entry on both gateways: the first request of each fetches
sub cached_on_both {
    my ($uri) = @_;
    my ($ra, $rb) = (get($ga, $uri), get($gb, $uri));
    return (seq($ra), seq($rb));
}

ok(eventually(sub { subscribers() == 2 }),
   'one subscriber per gateway, not per worker');

###############################################################################
# a refresh on A: B drops its entry, A keeps the one it refreshed

my ($a1, $b1) = cached_on_both('/prod/items/1');
my ($a2, $b2) = cached_on_both('/prod/items/2');
isnt($b1, $a1, 'each gateway has a cache of its own');
is(seq(get($ga, '/prod/items/1')), $a1, 'A hits');
is(seq(get($gb, '/prod/items/1')), $b1, 'B hits');

my $ar = get($ga, '/prod/items/1', 'Cache-Control' => 'max-age=0');
isnt(seq($ar), $a1, 'a refresh on A fetches again');
my $bn = refetched($gb, '/prod/items/1', $b1, 3);
ok($bn, 'B fetches the refreshed entry again');
is(seq(get($gb, '/prod/items/1')), seq($bn), '... and keeps the new one');
is(seq(get($ga, '/prod/items/1')), seq($ar),
   'A keeps what it refreshed: its own message is skipped');
is(seq(get($gb, '/prod/items/2')), $b2, 'another entry of B stays');
my $calls = grep { $_->{path} eq '/items/1' } $be->requests;
is($calls, 4, 'the backend saw A, B, the refresh and B\'s one refetch');

###############################################################################
# a flush on A: B flushes that stage, and no other

my ($a3, $b3) = cached_on_both('/prod/items/3');
my ($as, $bs) = cached_on_both('/staging/items/3');

my $fl = flush($ga);
is($fl->{status}, 202, 'a flush on A: 202');
isnt(seq(get($ga, '/prod/items/3')), $a3, 'A refetches at once');
ok(refetched($gb, '/prod/items/3', $b3, 3), 'B refetches too');
isnt(seq(get($gb, '/prod/items/2')), $b2, '... every entry of the stage');
is(seq(get($ga, '/staging/items/3')), $as, 'another stage keeps its entries '
   . 'on A');
is(seq(get($gb, '/staging/items/3')), $bs, '... and on B');
is($redis->command('GET', $GEN), 1, 'Redis holds the stage\'s generation');
like($gb->error_log, qr/the cache of stage "cache\/prod" flushed: by another /,
     'B says who flushed');

my ($a4, $b4) = cached_on_both('/prod/items/4');
flush($gb);
ok(refetched($ga, '/prod/items/4', $a4, 3), 'a flush on B reaches A');
is($redis->command('GET', $GEN), 2, 'the generation moves on');

###############################################################################
# a flush published while no subscriber listens: found once they are back

my ($a5, $b5) = cached_on_both('/prod/items/5');
my ($as5, $bs5) = cached_on_both('/staging/items/5');
ok(eventually(sub { subscribers() == 2 }), 'both subscribed');

my (undef, undef, undef, $exec) = redis_session(
    ['MULTI'],
    ['CLIENT', 'KILL', 'TYPE', 'pubsub'],
    ['EVAL', "local g = redis.call('INCR', KEYS[1]) "
             . "return redis.call('PUBLISH', ARGV[1], "
             . "'flush 0123456789abcdef ' .. g .. ' cache/prod')",
     1, $GEN, 'apigw:cache'],
    ['EXEC']);
is($exec->[0], 2, 'both subscribers killed');
is($exec->[1], 0, 'the flush published while none listened');

ok(refetched($gb, '/prod/items/5', $b5, 10),
   'B reads the generation again once subscribed: it refetches');
ok(refetched($ga, '/prod/items/5', $a5, 10), 'and so does A');
is(seq(get($gb, '/staging/items/5')), $bs5,
   'a stage whose generation did not move keeps its entries');
like($gb->error_log, qr/redis subscriber is down \(.*\): other gateways' /,
     'the subscriber\'s loss is logged');
like($gb->error_log, qr/"cache\/prod" flushed: its generation in redis moved/,
     '... and the flush it found');

###############################################################################
# a reload: the old worker 0 leaves, the new one subscribes

$ga->reload;
ok(eventually(sub { subscribers() == 2 }), 'a reload: still one subscriber '
   . 'per gateway');
my ($a6, $b6) = cached_on_both('/prod/items/6');
get($ga, '/prod/items/6', 'Cache-Control' => 'max-age=0');
ok(refetched($gb, '/prod/items/6', $b6, 3), 'a refresh after the reload '
   . 'reaches B');

###############################################################################
# Redis frozen (SIGSTOP): nothing waits for it

my ($a9, $b9) = cached_on_both('/prod/items/9');
kill 'STOP', $redis->pid;
my $t0 = time;
is(flush($ga)->{status}, 202, 'Redis frozen: a flush answers 202');
is(get($ga, '/prod/items/9', 'Cache-Control' => 'max-age=0')->{status}, 200,
   'a refresh answers');
is(get($gb, '/prod/items/9')->{status}, 200, 'a hit on B answers');
my $took = time - $t0;
cmp_ok($took, '<', 1, sprintf('at once (%.3f s)', $took));
kill 'CONT', $redis->pid;
ok(refetched($gb, '/prod/items/9', $b9, 5), 'thawed: B has the flush');

###############################################################################
# Redis killed under a stream of requests to both gateways

my ($a7, $b7) = cached_on_both('/prod/items/7');
my ($as7, $bs7) = cached_on_both('/staging/items/7');

my $stream = $ga->prefix . '/stream.log';
my $stop = $ga->prefix . '/stream.stop';
my $pid = fork // die "fork: $!";

# the stream: both stages on both gateways, a line per request (gateway,
# path, status, seconds taken, a hit or not, when), 60 s at most
if ($pid == 0) {
    open(my $fh, '>', $stream) or POSIX::_exit(1);
    $fh->autoflush(1);
    my $end = time + 60;
    while (!-e $stop && time < $end) {
        for my $t ($ga, $gb) {
            for my $uri ('/prod/items/7', '/staging/items/7') {
                my $r = get($t, $uri);
                printf $fh "%s %s %d %.3f %d %.3f\n", $t == $ga ? 'A' : 'B',
                       $uri, $r->{status}, $r->{elapsed},
                       defined $r->{headers}{age} ? 1 : 0, time;
            }
        }
        sleep 0.01;
    }
    close $fh;
    POSIX::_exit(0);
}

sleep 0.3;
my $killed = time;
kill 'KILL', $redis->pid;
$redis->stop;

ok(eventually(sub { $gb->error_log =~ /redis subscriber is down/
                    && $ga->error_log =~ /redis is down/ }, 5),
   'Redis killed: the gateways see it');
like(get($ga, '/staging/items/7')->{headers}{age} // '', qr/^\d+$/,
     'A serves hits from its cache');
is(seq(get($gb, '/staging/items/7')), $bs7, 'so does B');
my $fd = flush($ga);
is($fd->{status}, 202, 'a flush on A: 202');
isnt(seq(get($ga, '/prod/items/7')), $a7, '... and A flushed');
like($ga->error_log, qr/the flush of stage "cache\/prod" reaches no other /,
     '... saying it stays there');
my $rr = get($ga, '/prod/items/7', 'Cache-Control' => 'max-age=0');
is($rr->{status}, 200, 'a refresh answers too');

# down for a while: the reconnections back off
sleep 1.5;
my $restarted = time;
$redis = $ga->redis(port => $rport);

ok(eventually(sub { subscribers() == 2 }, 15),
   'Redis back: both subscribe again');

# restarted empty: each read a generation it had not seen, and flushed
my $empty = qr/flushed: its generation in redis moved on \(generation 0\)/;
ok(eventually(sub { $ga->error_log =~ $empty && $gb->error_log =~ $empty },
              15), 'Redis restarted empty: both flush the stage');

# the command connections come back on their own backoff (5 s at most):
# a flush on A is tried again until B has it
my $after = seq(get($gb, '/prod/items/7'));
my $back = eventually(sub {
    flush($ga);
    return refetched($gb, '/prod/items/7', $after, 0.5);
}, 15);
ok($back, 'a flush on A reaches B again');

my ($a8, $b8) = cached_on_both('/prod/items/8');
my $back2 = eventually(sub {
    get($ga, '/prod/items/8', 'Cache-Control' => 'max-age=0');
    return refetched($gb, '/prod/items/8', $b8, 0.5);
}, 15);
ok($back2, 'and so does a refresh');

$ga->write_file($stop, '');
waitpid($pid, 0);

my @lines = map { [split / /] } split /\n/, $ga->read_file($stream);
my @down = grep { $_->[5] > $killed && $_->[5] < $restarted } @lines;
cmp_ok(scalar @down, '>', 20, scalar(@lines) . ' requests in the stream, '
       . scalar(@down) . ' while Redis was down');
my @bad = grep { $_->[2] != 200 } @lines;
is(scalar @bad, 0, 'every one answered 200') or diag explain \@bad;
my ($slowest) = sort { $b <=> $a } map { $_->[3] } @lines;
cmp_ok($slowest, '<', 1, "none waited for Redis (slowest: $slowest s)");
ok((grep { $_->[0] eq 'A' } @down) && (grep { $_->[0] eq 'B' } @down),
   'to both gateways');
my @staging = grep { $_->[1] eq '/staging/items/7' } @lines;
is(scalar(grep { !$_->[4] } @staging), 0,
   'the stage never flushed: hits all along, on both');

# a fast shutdown closes the Redis connections too (LeakSanitizer looks
# at each worker's exit)
my @procs = ($gb->master_pid, $gb->worker_pids);
kill 'TERM', $gb->master_pid;
ok(eventually(sub { !grep { kill 0, $_ } @procs }, 10),
   'B stopped with SIGTERM');

$ga->check_log;
$gb->check_log;

done_testing;
