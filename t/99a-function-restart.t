#!/usr/bin/perl

# A reload of nginx and a restart of the function host under load, through
# real nginx and a real host: six clients call a C function that takes
# 100 ms, without a pause, for some seconds.  Meanwhile nginx is reloaded
# twice, then the host gets SIGTERM, exits and is started again on the same
# socket.  Every request sent is answered; the answers are 200, or the
# gateway's 500 for a host that is not there, and those only while it was
# not (from SIGTERM to the new host's first answer); the invocations in
# flight at SIGTERM finish with 200; the old host exits 0 and leaves no
# runtime and no zombie; the new host serves.

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use POSIX ();
use Time::HiRes qw(time sleep);
use Apigw::Test;
use Apigw::FnHost;

plan(skip_all => 'module not built') unless Apigw::Test::have_module();
plan(skip_all => 'make functions first') unless Apigw::FnHost::have_host()
    && -f Apigw::FnHost::functions_dir() . '/gateway.so';

my $t = Apigw::Test->new;

my $h = Apigw::FnHost->new($t, <<'EOF');
listen: unix:%%SOCK%%
log: %%PREFIX%%/fnhost/host.log
runtime: %%RUNTIME%%
shutdown_timeout: 10000
functions:
  slow:
    handler: %%FUNCTIONS%%/gateway.so:misbehave
    concurrency: 8
    warm: 2
    memory: 0
EOF

$t->write_file('api.yaml', <<'YAML');
openapi: 3.0.3
info: {title: restart, version: "1"}
paths:
  /slow:
    get:
      x-apigw-integration: {type: function, function: slow, timeout: 3000}
YAML

$t->write_conf(<<'CONF');
    apigw_api fn %%PREFIX%%/api.yaml;

    server {
        listen 127.0.0.1:%%PORT%%;

        location /prod/ {
            apigw fn stage=prod;
            apigw_functions http://unix:%%PREFIX%%/fn.sock;
        }
    }
CONF

$t->run;

my $uri = '/prod/slow?do=sleep&ms=100';
my $clients = 6;

my $r = $t->http('GET', $uri);
is($r->{status}, 200, 'the function answers before the load');

###############################################################################
# the load: each client sends one request after another until told to stop,
# and writes down each one: sent, answered, status, whether a 500 is the
# gateway's, and how long it took

my $stop = $t->prefix . '/stop-load';
my @kids;

for my $k (1 .. $clients) {
    my $pid = fork // die "fork: $!";

    if ($pid == 0) {
        my ($sent, @lines) = (0);

        until (-e $stop) {
            my $at = time;

            $sent++;
            my $r = $t->http('GET', $uri, timeout => 10);
            my $gateway = $r->{status} == 500
                && ($r->{body} // '') eq '{"message":"Internal server error"}'
                && ($r->{headers}{'x-amzn-errortype'} // '')
                   eq 'InternalServerErrorException';

            push @lines, sprintf("%.6f %.6f %d %d %.3f", $at, time,
                                 $r->{status}, $gateway ? 1 : 0,
                                 $r->{elapsed});

            # a failure comes at once: no need to spin on it
            sleep 0.02 if $r->{status} != 200;
        }

        $t->write_file("load-$k", join('', map { "$_\n" } "sent $sent",
                                       @lines));
        POSIX::_exit(0);
    }

    push @kids, $pid;
}

sleep 0.5;

# two reloads; each waits for the old worker to finish its requests

my @reloads;

for my $n (1, 2) {
    my $at = time;
    ok($t->reload, "reload $n under load");
    push @reloads, $at;
    sleep 0.5;
}

# the host restarted: SIGTERM, its exit, a moment without a host, a new one

my @groups = $h->runtimes;
ok(scalar(@groups), 'the old host has runtimes (' . scalar(@groups) . ')');

# one invocation surely in flight at SIGTERM, whatever the load's timing
# (recorded as the load's are)
my $long = fork // die "fork: $!";

if ($long == 0) {
    my $at = time;
    my $r = $t->http('GET', '/prod/slow?do=sleep&ms=800', timeout => 10);

    $t->write_file('load-' . ($clients + 1),
                   sprintf("sent 1\n%.6f %.6f %d 0 %.3f\n", $at, time,
                           $r->{status}, $r->{elapsed}));
    POSIX::_exit(0);
}

push @kids, $long;
sleep 0.3;

my $old = $h->pid;
my $term = time;
kill 'TERM', $old;
my $termed = time;

my $status = $h->wait_exit(15);
is($status, 0, 'SIGTERM: the old host exited 0');
my $exited = time;

is(join(' ', Apigw::FnHost::in_groups(@groups)), '',
   'SIGTERM: no process left in its runtimes\' groups, no zombie');
is(scalar(Apigw::FnHost::zombies($old)), 0, 'SIGTERM: no zombie of its own');

sleep 0.5;

$h->start;

my $deadline = time + 10;
sleep 0.02 until $h->answers || time > $deadline;
my $ready = time;
ok($ready < $deadline, 'the new host answers');

sleep 1;

$t->write_file($stop, '');

is(scalar(grep { waitpid($_, 0) == $_ && $? == 0 } @kids), $clients + 1,
   'the clients finished');

###############################################################################
# what the clients saw

my ($sent, @req) = (0);

for my $k (1 .. $clients + 1) {
    for my $line (split /\n/, $t->read_file("load-$k")) {
        if ($line =~ /^sent (\d+)$/) {
            $sent += $1;
            next;
        }

        my ($at, $done, $st, $gw, $took) = split ' ', $line;
        push @req, { at => $at, done => $done, status => $st,
                     gateway => $gw, took => $took };
    }
}

my @answered = grep { $_->{status} != 0 } @req;
my @ok = grep { $_->{status} == 200 } @req;
my @failed = grep { $_->{status} != 200 } @req;
my @gateway = grep { $_->{status} == 500 && $_->{gateway} } @failed;

# a request could fail only if it was out while no host listened
my @outside = grep { $_->{done} < $term || $_->{at} > $ready } @failed;

my %by;
$by{$_->{status}}++ for @req;
my $statuses = join(' ', map { "$_ x$by{$_}" } sort keys %by);

ok($sent > 100, "load: $sent requests sent ($statuses)");
is(scalar(@answered), $sent, 'load: every request sent was answered');
is(scalar(@ok) + scalar(@gateway), $sent,
   'load: every answer a 200 or the gateway\'s 500');
is(scalar(@outside), 0, 'load: failures only while the host was down ('
   . sprintf('%.2f s', $ready - $term) . ')');
ok(@gateway > 0, 'load: the requests while no host listened got the 500 ('
   . scalar(@gateway) . ')');
ok(!grep({ $_->{took} > 3 } @failed),
   'load: no failure waited for the deadline');

# the reloads: requests out across each, answered with 200

for my $n (1, 2) {
    my $at = $reloads[$n - 1];
    my @across = grep { $_->{at} < $at && $_->{done} > $at } @req;

    ok(@across && !grep({ $_->{status} != 200 } @across),
       "reload $n: the requests out across it answered 200 ("
       . scalar(@across) . ')');
}

is(scalar(grep { $_->{done} < $term && $_->{status} != 200 } @req), 0,
   'reloads: every request answered before SIGTERM a 200');

# the host's side: what it had at SIGTERM, all finished

my $log = $h->log;
my ($inflight) = $log =~ /signal 15: stopping, (\d+) invocations in flight/;
my ($after) = $log =~ /signal 15: stopping[^\n]*\n(.*?\] \d+#0: exited)/s;
my @reports = ($after // '') =~ /REPORT RequestId: [^\n]*/g;

ok($inflight, 'SIGTERM: invocations in flight (' . ($inflight // 0) . ')');
is(scalar(@reports), $inflight, 'SIGTERM: each of them ran to its end');
is(scalar(grep { /Status:/ } @reports), 0, 'SIGTERM: none failed');
unlike($after // '', qr/shutdown_timeout passed|stopping at once/,
       'SIGTERM: within shutdown_timeout');

my @out = grep { $_->{at} < $termed && $_->{done} > $term
                 && $_->{status} == 200 } @req;
ok(@out >= ($inflight // 1),
   'SIGTERM: the gateway answered 200 to the requests in flight ('
   . scalar(@out) . ')');

# the new host

my @new = grep { $_->{at} > $ready } @req;
ok(@new >= $clients && !grep({ $_->{status} != 200 } @new),
   'new host: the requests after it answered 200 (' . scalar(@new) . ')');

$r = $t->http('GET', $uri);
is($r->{status}, 200, 'new host: a request after the load');

my @groups2 = $h->runtimes;
my $new = $h->pid;
isnt($new, $old, 'new host: another process');

$h->check_log;

is(join(' ', Apigw::FnHost::in_groups(@groups2)), '',
   'new host stopped: no process left in its runtimes\' groups');

# while the socket is gone, nginx logs each connect() that fails at crit
# (ENOENT; ECONNREFUSED would be an error)
$t->check_log(allow => qr/\[crit\] .*connect\(\) to unix:\S+\/fn\.sock failed \(2: No such file or directory\) while connecting to upstream/);

done_testing();
