#!/usr/bin/perl

# Functions that go wrong, each answered as Lambda does, and the next
# invocation of the same function succeeding: a crash (SIGSEGV), abort, an
# exit, an exit during init, an init error, a hang past the timeout, an
# infinite loop, a memory blow-up under the limit, responses over 6 MB, a
# function error, garbage; timeouts under the gateway's budget; a runtime's
# children killed with it (its process group).

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use Time::HiRes qw(time sleep);
use Apigw::Test;
use Apigw::FnHost;

plan(skip_all => 'make functions first') unless Apigw::FnHost::have_host();

my $t = Apigw::Test->new;

# under a memory limit: the plain runtime (AddressSanitizer reserves more
# address space than any limit allows)
my $h = Apigw::FnHost->new($t, <<'EOF');
listen: unix:%%SOCK%%
log: %%PREFIX%%/fnhost/host.log
runtime: %%RUNTIME%%
functions:
  trouble:
    command: [%%PLAIN_RUNTIME%%, %%FUNCTIONS%%/fixtures.so, trouble]
    timeout: 1000
    memory: 64
  initexit:
    command: [%%PLAIN_RUNTIME%%, %%FUNCTIONS%%/fixtures.so, initexit]
    environment: {MARKER: %%PREFIX%%/initexit.marker}
    memory: 0
  initfail:
    handler: %%FUNCTIONS%%/fixtures.so:initfail
    environment: {MARKER: %%PREFIX%%/initfail.marker}
    memory: 0
  nolib:
    handler: %%FUNCTIONS%%/fixtures.so:no_such_function
    memory: 0
  family:
    command: "sleep 300 & exec %%PLAIN_RUNTIME%% %%FUNCTIONS%%/fixtures.so trouble"
    timeout: 800
    memory: 0
EOF

sub trouble {
    my ($what, %opts) = @_;
    return $h->invoke('trouble', { do => $what, %{$opts{event} // {}} },
                      %opts);
}

sub is_ok_after {
    my ($name, $what) = @_;

    my $r = $h->invoke($name, { do => 'ok' });
    is($r->{status}, 200, "$what: the next invocation: 200");
    ok(!exists $r->{headers}{'x-amz-function-error'},
       "$what: the next invocation succeeds");
}

sub is_fn_error {
    my ($r, $type, $message, $what) = @_;

    is($r->{status}, 200, "$what: 200");
    is($r->{headers}{'x-amz-function-error'}, 'Unhandled',
       "$what: X-Amz-Function-Error: Unhandled");
    is($r->{json}{errorType}, $type, "$what: $type");
    like($r->{json}{errorMessage} // '', $message, "$what: errorMessage");
}

my $r = trouble('ok');
is($r->{status}, 200, 'a function that works');
my $pid = Apigw::FnHost::proxy_body($r)->{pid};

###############################################################################
# crashes and exits: Runtime.ExitError, "RequestId: ... Error: ..."

$r = trouble('segv');
is_fn_error($r, 'Runtime.ExitError',
            qr/^RequestId: [0-9a-f-]{36} Error: Runtime exited with error: signal: segmentation fault$/,
            'SIGSEGV');
is_ok_after('trouble', 'SIGSEGV');
ok(!kill(0, $pid), 'the crashed process is gone');

$r = trouble('abort');
is_fn_error($r, 'Runtime.ExitError', qr/Runtime exited with error: signal: aborted$/,
            'abort()');
is_ok_after('trouble', 'abort()');

$r = trouble('exit');
is_fn_error($r, 'Runtime.ExitError', qr/Runtime exited with error: exit status 3$/,
            'exit(3)');
is_ok_after('trouble', 'exit(3)');

$r = trouble('exit0');
is_fn_error($r, 'Runtime.ExitError', qr/Runtime exited without providing a reason$/,
            'exit(0)');
is_ok_after('trouble', 'exit(0)');

# the request id of the error is the invocation's
$r = trouble('segv');
my $rid = $r->{headers}{'x-amzn-requestid'};
like($r->{json}{errorMessage}, qr/^RequestId: \Q$rid\E /,
     'the error names the invocation');
like($h->log, qr/trouble REPORT RequestId: \Q$rid\E .* Status: error$/m,
     'REPORT with Status: error');

###############################################################################
# past the timeout: Sandbox.Timedout, the process killed and replaced

$r = trouble('hang');
is_fn_error($r, 'Sandbox.Timedout',
            qr/^RequestId: [0-9a-f-]{36} Error: Task timed out after 1\.00 seconds$/,
            'a hang');
ok($r->{elapsed} >= 0.9 && $r->{elapsed} < 2.5,
   sprintf('a hang: answered at the timeout (%.2f s)', $r->{elapsed}));
is_ok_after('trouble', 'a hang');

$r = trouble('loop');
is_fn_error($r, 'Sandbox.Timedout', qr/Task timed out after 1\.00 seconds$/,
            'an infinite loop');
is_ok_after('trouble', 'an infinite loop');

# the budget counts from the request's arrival: a runtime still starting
# takes its share, and the message says how long the function had
$r = trouble('hang', headers => ['X-Apigw-Timeout-Ms' => 500]);
is_fn_error($r, 'Sandbox.Timedout',
            qr/Task timed out after 0\.(?:[34]\d|50) seconds$/,
            'the gateway\'s budget first');
ok($r->{elapsed} < 0.9, sprintf('answered within the budget (%.2f s)',
                                $r->{elapsed}));
is_ok_after('trouble', 'a budget passed');

$rid = $r->{headers}{'x-amzn-requestid'};
like($h->log, qr/trouble REPORT RequestId: \Q$rid\E .* Status: timeout$/m,
     'REPORT with Status: timeout');

###############################################################################
# memory: RLIMIT_DATA; malloc() fails and careless C code faults

$r = trouble('blowup');
is_fn_error($r, 'Runtime.ExitError',
            qr/Runtime exited with error: signal: segmentation fault$/,
            'a memory blow-up');
ok($r->{elapsed} < 1, 'a memory blow-up: stopped by the limit, not the time');
is_ok_after('trouble', 'a memory blow-up');

###############################################################################
# answers: over 6 MB, a function error, not a proxy response

$r = trouble('big');
is($r->{status}, 200, 'a response just under 6 MB');
ok(!exists $r->{headers}{'x-amz-function-error'}, 'just under 6 MB: no error');
is(length($r->{json}{body} // ''), 6 * 1024 * 1024 - 1024,
   'just under 6 MB: all of it');

$r = trouble('huge');
is_fn_error($r, 'Function.ResponseSizeTooLarge',
            qr/^Response payload size exceeded maximum allowed payload size \(6291556 bytes\)\.$/,
            'a response over 6 MB');
is_ok_after('trouble', 'a response over 6 MB');

$r = trouble('huger');
is_fn_error($r, 'Function.ResponseSizeTooLarge', qr/6291556 bytes/,
            'a response over 9 MB (refused before it is read)');
is_ok_after('trouble', 'a response over 9 MB');

$r = trouble('error');
is_fn_error($r, 'TroubleError', qr/^something went wrong$/,
            'a function error');
is_deeply($r->{json}{stackTrace}, [], 'a function error: stackTrace');
is_ok_after('trouble', 'a function error');

$r = trouble('error-type');
is_fn_error($r, "Trouble\r\nInjected: 1", qr/^a type with a line break$/,
            'an error type with a line break');
is_ok_after('trouble', 'an error type with a line break');

$r = trouble('garbage');
is($r->{status}, 200, 'not a proxy response: passed on as it is');
is($r->{json}, "\x01not a proxy answer", 'not a proxy response: the JSON');

$r = trouble('logs');
is($r->{status}, 200, '1,000 lines of output');
my @lines = grep { /trouble \Q$r->{headers}{'x-amzn-requestid'}\E: log line \d+ of 1000$/ }
            split /\n/, $h->log;
is(scalar(@lines), 1000, 'every line in the log with its request id');

###############################################################################
# init: an exit, an init error, a missing symbol

$r = $h->invoke('initexit', {});
is_fn_error($r, 'Runtime.ExitError', qr/Runtime exited with error: exit status 2$/,
            'an exit during init');
is_ok_after('initexit', 'an exit during init');

$r = $h->invoke('initfail', {});
is_fn_error($r, 'Runtime.InitError', qr/init failed/, 'an init error');
is_ok_after('initfail', 'an init error');
like($h->log, qr/initfail: runtime \d+ init error: .*Runtime\.InitError/,
     'an init error in the log');

$r = $h->invoke('nolib', {});
is_fn_error($r, 'Runtime.HandlerNotFound', qr/has no function no_such_function/,
            'a handler that is not there');

###############################################################################
# the process group: a runtime's children die with it

# the sleepers in the process groups of this host's runtimes (another
# test's host may have its own)
sub sleepers_in {
    my %group = map { $_ => 1 } @_;
    return grep { my $st = Apigw::Test::_stat($_); $st && $group{$st->{pgrp}} }
           Apigw::FnHost::processes(qr/^sleep 300 $/);
}

$r = $h->invoke('family', { do => 'ok' });
is($r->{status}, 200, 'a runtime with a child');
my @groups = $h->runtimes;
is(scalar(sleepers_in(@groups)), 1, 'its child runs');

$r = $h->invoke('family', { do => 'hang' });
is($r->{json}{errorType}, 'Sandbox.Timedout', 'it times out');

my $deadline = time + 3;
sleep 0.05 while sleepers_in(@groups) && time < $deadline;
is(scalar(sleepers_in(@groups)), 0, 'its child was killed with it');
is_ok_after('family', 'a runtime with a child');

is(scalar(Apigw::FnHost::zombies($h->pid)), 0, 'no zombies');

$h->check_log;

done_testing();
