#!/usr/bin/perl

# The function host's pools and life: concurrency 2 with 6 invocations at
# once (queued, then Lambda's 429 when they cannot start in time), the
# queue's bound, the warm minimum and idle retirement seen as processes,
# SIGTERM letting the invocation in flight finish and leaving no runtime
# and no zombie, a second signal stopping at once, the scheduling policy
# (SCHED_BATCH by default, the host's own with "scheduling: inherit"), and
# configuration files that fail at start with the file, the pointer and
# the reason.

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use Time::HiRes qw(time sleep);
use Apigw::Test;
use Apigw::FnHost;

plan(skip_all => 'make functions first') unless Apigw::FnHost::have_host();

my $t = Apigw::Test->new;

my $h = Apigw::FnHost->new($t, <<'EOF');
listen: [unix:%%SOCK%%, 127.0.0.1:%%PORT_1%%]
log: %%PREFIX%%/fnhost/host.log
runtime: %%RUNTIME%%
shutdown_timeout: 5000
functions:
  pool:
    handler: %%FUNCTIONS%%/fixtures.so:trouble
    concurrency: 2
    warm: 2
    queue_timeout: 900
    memory: 0
  short:
    handler: %%FUNCTIONS%%/fixtures.so:trouble
    concurrency: 1
    warm: 1
    max_queue: 2
    memory: 0
  idle:
    handler: %%FUNCTIONS%%/fixtures.so:trouble
    concurrency: 3
    warm: 1
    idle_timeout: 500
    memory: 0
EOF

my $pool = qr/fixtures\.so trouble/;

sub wait_for {
    my ($cond, $timeout) = @_;

    my $deadline = time + ($timeout // 5);

    until ($cond->()) {
        return 0 if time > $deadline;
        sleep 0.05;
    }

    return 1;
}

###############################################################################
# the warm minimum: started with the host

ok(wait_for(sub { scalar($h->runtimes($pool)) == 4 }),
   'warm: pool\'s 2, short\'s 1 and idle\'s 1 runtimes at start');

my @warm = $h->runtimes($pool);

for my $pid (@warm) {
    is(getpgrp() != $pid && (split ' ', `cat /proc/$pid/stat`)[4], $pid,
       "runtime $pid leads its own process group");
}

# the scheduling policy (3: SCHED_BATCH)

sub policy { Apigw::FnHost::sched_policy(@_) }

is(policy($h->pid), 3, 'scheduling: the host runs as SCHED_BATCH');
is(join(' ', map { policy($_) } @warm), join(' ', (3) x @warm),
   'scheduling: its runtimes inherit SCHED_BATCH');

###############################################################################
# concurrency 2, 6 at once: 2 run, 2 wait and run, 2 cannot start in time

my @r = $h->invoke_many([map { ['pool', { do => 'sleep', ms => 600 }] }
                         1 .. 6]);
my @status = map { $_->{status} } @r;
my @ok = grep { $_->{status} == 200 } @r;
my @throttled = grep { $_->{status} == 429 } @r;

is(scalar(@ok), 4, '6 at once: 4 ran (' . join(' ', @status) . ')');
is(scalar(@throttled), 2, '6 at once: 2 throttled');
is(scalar(grep { $_->{elapsed} > 1.0 } @ok), 2,
   '6 at once: 2 waited for a runtime');
ok(!grep({ $_->{elapsed} < 0.85 || $_->{elapsed} > 1.15 } @throttled),
   '6 at once: 429 at queue_timeout (' . join(' ', map {
       sprintf('%.2f', $_->{elapsed}) } @throttled) . ')');
is($throttled[0]{headers}{'x-amzn-errortype'}, 'TooManyRequestsException',
   '429: x-amzn-ErrorType');
is_deeply($throttled[0]{json}, {
    Type => 'User', message => 'Rate Exceeded.',
    Reason => 'ReservedFunctionConcurrentInvocationLimitExceeded',
}, '429: Lambda\'s body');
is(scalar($h->runtimes($pool)), 4, 'no more runtimes than the concurrency');

# the gateway's budget bounds the run and the wait too; the runtimes are
# busy past the waiting call's budget (a runtime replaced after a timeout
# starts in a few ms, and could take it just before its budget ended)

sub budget { ['pool', { do => 'sleep', ms => 600 },
              headers => ['X-Apigw-Timeout-Ms' => $_[0]]] }

@r = $h->invoke_many([budget(300), budget(300)]);
is(scalar(grep { $_->{status} == 200 && $_->{json}
                 && ref $_->{json} eq 'HASH'
                 && ($_->{json}{errorType} // '') eq 'Sandbox.Timedout' } @r),
   2, 'a budget of 300 ms: those running timed out at it');

@r = $h->invoke_many([budget(2000), budget(2000), budget(300)]);
@status = map { $_->{status} } @r;
is("@status", '200 200 429', 'a budget of 300 ms: no wait past it');
ok($r[2]{elapsed} > 0.25 && $r[2]{elapsed} < 0.5,
   sprintf('a budget of 300 ms: refused at it (%.2f s)', $r[2]{elapsed}));

# the queue's bound: max_queue 2 on concurrency 1

@r = $h->invoke_many([map { ['short', { do => 'sleep', ms => 300 }] } 1 .. 4]);
@status = map { $_->{status} } @r;
is(scalar(grep { $_ == 429 } @status), 1,
   "max_queue 2: the fourth refused at once (@status)");
ok(!grep({ $_->{status} == 429 && $_->{elapsed} > 0.2 } @r),
   'max_queue: refused without waiting');

###############################################################################
# idle retirement down to the warm minimum

@r = $h->invoke_many([map { ['idle', { do => 'sleep', ms => 300 }] } 1 .. 3]);
is(scalar(grep { $_->{status} == 200 } @r), 3, 'idle: 3 at once');

my $idle = qr/trouble/;
my $count = sub {
    scalar(grep { `cat /proc/$_/environ 2>/dev/null` =~ /FUNCTION_NAME=idle\0/ }
           $h->runtimes($idle));
};

is($count->(), 3, 'idle: 3 runtimes after them');
ok(wait_for(sub { $count->() == 1 }, 4),
   'idle: retired after idle_timeout, down to the warm minimum');
like($h->log, qr/idle: runtime \d+ killed: idle/, 'idle: in the log');

###############################################################################
# SIGTERM: the invocation in flight finishes, nothing is left behind

my @before = $h->runtimes;
my $sock = $h->sock;
my $pid = $h->pid;

my $s = IO::Socket::UNIX->new(Peer => $sock, Type => Socket::SOCK_STREAM);
print $s Apigw::FnHost::request('pool', { do => 'sleep', ms => 700 });
sleep 0.2;

kill 'TERM', $pid;
sleep 0.2;

ok(!-e $sock, 'SIGTERM: the unix socket is gone at once');

my $raw = '';
$raw .= $_ while <$s>;
my $answer = Apigw::Test::_parse_response($raw);
is($answer && $answer->{status}, 200,
   'SIGTERM: the invocation in flight finished');
like($answer && $answer->{body}, qr/"did\\":\\"sleep\\"/,
     'SIGTERM: with its answer');

ok(wait_for(sub { waitpid($pid, POSIX::WNOHANG()) == $pid }, 5),
   'SIGTERM: the host exited');
is($? >> 8, 0, 'SIGTERM: exit status 0');
delete $h->{pid};

ok(!grep({ kill 0, $_ } @before), 'SIGTERM: no runtime left');
is(scalar(Apigw::FnHost::zombies($pid)), 0, 'SIGTERM: no zombies');
like($h->log, qr/signal 15: stopping, 1 invocations in flight/,
     'SIGTERM: in the log');

$h->check_log;

###############################################################################
# a second signal stops at once

my $h2 = Apigw::FnHost->new($t, <<'EOF', name => 'twice');
listen: unix:%%PREFIX%%/twice.sock
log: %%PREFIX%%/twice/host.log
runtime: %%RUNTIME%%
functions:
  slow:
    handler: %%FUNCTIONS%%/fixtures.so:trouble
    timeout: 20000
    memory: 0
EOF

$s = IO::Socket::UNIX->new(Peer => $h2->sock, Type => Socket::SOCK_STREAM);
print $s Apigw::FnHost::request('slow', { do => 'hang' });
sleep 0.3;

my @rt = $h2->runtimes;
is(scalar(@rt), 1, 'twice: a runtime busy');

my $start = time;
kill 'TERM', $h2->pid;
sleep 0.2;
kill 'TERM', $h2->pid;

$raw = '';
$raw .= $_ while <$s>;
$answer = Apigw::Test::_parse_response($raw);

ok(time - $start < 3, 'twice: stopped at once');
like($answer && $answer->{body}, qr/Runtime exited with error: signal: killed/,
     'twice: the invocation in flight told');
ok(wait_for(sub { !grep { kill 0, $_ } @rt }, 3), 'twice: no runtime left');

$h2->check_log;

###############################################################################
# the host killed with SIGKILL: its runtimes die with it (PR_SET_PDEATHSIG)

my $h3 = Apigw::FnHost->new($t, <<'EOF', name => 'killed');
listen: unix:%%PREFIX%%/killed.sock
log: %%PREFIX%%/killed/host.log
runtime: %%RUNTIME%%
scheduling: inherit
functions:
  warm:
    handler: %%FUNCTIONS%%/fixtures.so:trouble
    concurrency: 3
    warm: 3
    memory: 0
EOF

ok(wait_for(sub { scalar($h3->runtimes) == 3 }), 'SIGKILL: 3 warm runtimes');
@rt = $h3->runtimes;
is(join(' ', map { policy($_) } $h3->pid, @rt),
   join(' ', (policy($$)) x (@rt + 1)),
   'scheduling: inherit: the host and its runtimes keep the policy they '
   . 'were started with');
$h3->stop(signal => 'KILL');
ok(wait_for(sub { !grep { kill 0, $_ } @rt }, 3),
   'SIGKILL: the runtimes died with the host');

###############################################################################
# bad configuration files: the file, the pointer, the reason

my $bin = Apigw::FnHost::host_path();

my @bad = (
    [ "listen: '9000'\nfunctions: {}\n", '/functions (line 2)',
      'must be an object naming one function or more' ],
    [ "functions: {a: {handler: x.so:f}}\n", 'line 1',
      '"listen" is required' ],
    [ "listen: [unix:/tmp/x.sock]\nfunctions:\n  hello:\n"
      . "    handler: %%FUNCTIONS%%/hello.so:hello\n    timeout: 30000\n",
      '/functions/hello/timeout (line 5)',
      'must be an integer from 1 to 29000' ],
    [ "listen: nowhere\nfunctions: {a: {command: [/bin/true]}}\n",
      '/listen (line 1)', 'is not an address' ],
    [ "listen: '9000'\nfunctions:\n  a:\n    handler: missing.so:f\n",
      '/functions/a/handler (line 4)', 'is not a readable file' ],
    [ "listen: '9000'\nfunctions:\n  a:\n    command: [/bin/true]\n"
      . "    colour: red\n", '/functions/a/colour (line 5)',
      'unknown key "colour"' ],
    [ "listen: '9000'\nfunctions:\n  a:\n    command: [/bin/true]\n"
      . "    environment: {AWS_LAMBDA_RUNTIME_API: x}\n",
      '/functions/a/environment/AWS_LAMBDA_RUNTIME_API (line 5)',
      'is reserved' ],
    [ "listen: '9000'\nfunctions:\n  a:\n    command: [/bin/true]\n"
      . "    environment: {APIGW_RUNTIME_API_SOCKET: '\@x'}\n",
      '/functions/a/environment/APIGW_RUNTIME_API_SOCKET (line 5)',
      'is reserved' ],
    [ "listen: '9000'\nfunctions:\n  a:\n    command: [no-such-program]\n",
      '/functions/a/command (line 4)', 'is not an executable file' ],
    [ "listen: '9000'\nfunctions:\n  'a b': {command: [/bin/true]}\n",
      '/functions/a b (line 3)', 'a function name has 1 to 64' ],
    [ "{\"listen\": \"9000\", \"functions\": {\"a\": {\"command\": [\"/bin/true\"],"
      . " \"warm\": 9, \"concurrency\": 2}}}\n",
      '/functions/a/warm', 'must be an integer from 0 to 2' ],
    [ "listen: '9000'\nscheduling: fifo\n"
      . "functions: {a: {command: [/bin/true]}}\n",
      '/scheduling (line 2)', 'must be "batch" or "inherit"' ],
    [ "listen: '9000'\nfunctions: [1\n", '/functions (line 3)',
      'YAML syntax error' ],
);

my $n = 0;

for my $case (@bad) {
    my ($text, $pointer, $reason) = @$case;
    my $file = $t->write_file('bad-' . ++$n . '.yaml',
                              Apigw::FnHost::expand($t, $text));
    my $out = `$bin -t -c $file 2>&1`;
    my $rc = $? >> 8;

    is($rc, 1, "bad file $n: -t fails");
    my $at = $pointer eq '' ? '' : " at \Q$pointer\E";
    like($out, qr/^apigw-fnhost: \[emerg\] "\Q$file\E"$at: .*\Q$reason\E/m,
         "bad file $n: \"$pointer\": $reason");

    $out = `$bin -c $file 2>&1`;
    is($? >> 8, 1, "bad file $n: the host does not start");
}

my $good = $t->write_file('good.yaml', Apigw::FnHost::expand($t,
    "listen: '9000'\nfunctions: {a: {handler: %%FUNCTIONS%%/hello.so:hello}}\n"));
like(`$bin -t -c $good 2>&1`, qr/syntax is ok/, 'a good file: -t says so');
is($? >> 8, 0, 'a good file: -t succeeds');

done_testing();
