#!/usr/bin/perl

# Runtimes from outside this repository, unchanged, through the Runtime
# API: a custom runtime in Perl (t/functions/perl-bootstrap, core modules
# only, written as a provided.al2023 bootstrap), which also checks the
# Runtime API's answers to its mistakes and writes garbage to it; and AWS's
# Node.js runtime interface client, aws-lambda-ric from npm
# (scripts/npm-functions; skipped where it is not installed).  Both run
# as SCHED_BATCH, inherited from the host, every thread of them.

use strict;
use warnings;

use lib 't/lib';
use MIME::Base64 qw(encode_base64);
use Test::More;
use Time::HiRes qw(time);
use Apigw::Test;
use Apigw::FnHost;

plan(skip_all => 'make functions first') unless Apigw::FnHost::have_host();

my $t = Apigw::Test->new;
my $ric = Apigw::FnHost::expand($t,
    '%%REPO%%/build/npm-functions/node_modules/.bin/aws-lambda-ric');

$t->write_file('node/index.mjs', <<'EOF');
export const handler = async (event, context) => {
  console.log("node saw", JSON.stringify(event));
  if (event.fail) {
    throw new Error("node failed");
  }
  return {
    statusCode: 200,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ hi: event.name, id: context.awsRequestId,
                           left: context.getRemainingTimeInMillis(),
                           fn: context.functionName }),
  };
};
EOF

my $node = -x $ric ? <<"EOF" : '';
  node:
    command: [$ric, index.handler]
    directory: %%PREFIX%%/node
    memory: 512
EOF

my $h = Apigw::FnHost->new($t, <<"EOF");
listen: unix:%%SOCK%%
log: %%PREFIX%%/fnhost/host.log
functions:
  perl:
    command: [%%REPO%%/t/functions/perl-bootstrap]
    handler: echo
    memory: 256
  perlfail:
    command: [%%REPO%%/t/functions/perl-bootstrap]
    handler: fail
    memory: 256
  perlgarbage:
    command: [%%REPO%%/t/functions/perl-bootstrap]
    handler: garbage
    timeout: 5000
    memory: 256
  perlinit:
    command: [%%REPO%%/t/functions/perl-bootstrap]
    handler: initerr
    memory: 256
$node
EOF

# a line that a runtime writes after its answer: in the log in a moment
sub log_like {
    my ($re, $name) = @_;

    my $deadline = time + 3;
    Time::HiRes::sleep(0.05) while $h->log !~ $re && time < $deadline;

    local $Test::Builder::Level = $Test::Builder::Level + 1;
    like($h->log, $re, $name);
}

###############################################################################
# a custom runtime in Perl

my $ctx = encode_base64('{"custom":{"k":"v"}}', '');
my $before = time;

my $r = $h->invoke('perl', { a => 1 },
                   headers => ['X-Amz-Client-Context' => $ctx,
                               'X-Apigw-Timeout-Ms' => 2000,
                               'Content-Type' => 'application/json']);
is($r->{status}, 200, 'perl: 200');
my $seen = $r->{json};
is_deeply($seen->{event}, { a => 1 }, 'perl: the event');

my %hd = %{$seen->{headers} // {}};
is($hd{'lambda-runtime-aws-request-id'}, $r->{headers}{'x-amzn-requestid'},
   'perl: Lambda-Runtime-Aws-Request-Id');
my $budget = ($hd{'lambda-runtime-deadline-ms'} // 0) - $before * 1000;
ok($budget > 1700 && $budget <= 2100,
   "perl: Lambda-Runtime-Deadline-Ms, epoch ms within the budget ($budget)");
is($hd{'lambda-runtime-invoked-function-arn'},
   'arn:aws:lambda:us-east-1:000000000000:function:perl',
   'perl: Lambda-Runtime-Invoked-Function-Arn');
like($hd{'lambda-runtime-trace-id'} // '', qr/^Root=1-/,
     'perl: Lambda-Runtime-Trace-Id');
is($hd{'lambda-runtime-client-context'}, '{"custom":{"k":"v"}}',
   'perl: Lambda-Runtime-Client-Context, decoded');
is($hd{'content-type'}, 'application/json', 'perl: Content-Type');

is($seen->{codes}{wrong_id}, 400, 'Runtime API: another id: 400');
is($seen->{codes}{init_late}, 403, 'Runtime API: init/error after init: 403');
is($seen->{codes}{unknown}, 404, 'Runtime API: unknown path: 404');

my ($perl) = $h->runtimes(qr/perl-bootstrap/);
is($perl && Apigw::FnHost::sched_policy($perl), 3,
   'perl: the runtime inherits SCHED_BATCH from the host');

log_like(qr/perl \S+: response posted: 202 \{"status":"OK"\}/,
         'Runtime API: response: 202 {"status":"OK"}');
log_like(qr/perl -: second response: 400$/m,
         'Runtime API: a second answer: 400');
log_like(qr/perl -: perl bootstrap ready \(echo\)/,
         'perl: its init output, with no request id');

$r = $h->invoke('perl', { a => 2 });
is_deeply($r->{json}{event}, { a => 2 }, 'perl: the next one, same process');

$r = $h->invoke('perl', { a => 3 },
                headers => ['X-Amz-Client-Context' => '!!not base64']);
is($r->{status}, 400, 'a bad client context: 400');

# an error that is not JSON

$r = $h->invoke('perlfail', {});
is($r->{headers}{'x-amz-function-error'}, 'Unhandled', 'perl error: Unhandled');
is_deeply($r->{json}, { errorMessage => 'it went wrong in perl',
                        errorType => 'Function.PerlError' },
          'perl error: its text and Lambda-Runtime-Function-Error-Type');
log_like(qr/perlfail -: error posted: 202$/m, 'Runtime API: error: 202');

# garbage on the Runtime API, then "next" without an answer

$r = $h->invoke('perlgarbage', {});
is($r->{headers}{'x-amz-function-error'}, 'Unhandled',
   'garbage: a function error');
is($r->{json}{errorType}, 'Runtime.Unknown', 'garbage: Runtime.Unknown');
like($r->{json}{errorMessage},
     qr/asked for the next invocation without answering/, 'garbage: why');

$r = $h->invoke('perl', { a => 4 });
is($r->{status}, 200, 'garbage: other functions unharmed');

# an init error

$r = $h->invoke('perlinit', {});
is_deeply($r->{json}, { errorMessage => 'perl init failed',
                        errorType => 'Runtime.PerlInitError' },
          'init error: the runtime\'s payload');
log_like(qr/perlinit: runtime \d+ init error: .*perl init failed/,
         'init error: in the log');

###############################################################################
# AWS's Node.js runtime interface client

SKIP: {
    skip 'aws-lambda-ric is not installed (scripts/npm-functions)', 10
        unless $node;

    $before = time;
    $r = $h->invoke('node', { name => 'ann' },
                    headers => ['X-Apigw-Timeout-Ms' => 2500]);
    is($r->{status}, 200, 'node: 200');
    is($r->{json}{statusCode}, 200, "node: a proxy answer") or diag($r->{raw} // $r->{body});

    my $b = eval { Apigw::FnHost::json()->decode($r->{json}{body}) } // {};
    is($b->{hi}, 'ann', 'node: the event');
    is($b->{id}, $r->{headers}{'x-amzn-requestid'}, 'node: awsRequestId');
    is($b->{fn}, 'node', 'node: functionName');
    ok($b->{left} > 2000 && $b->{left} <= 2500,
       "node: getRemainingTimeInMillis() within the budget ($b->{left})");

    $r = $h->invoke('node', { fail => 1 });
    is($r->{headers}{'x-amz-function-error'}, 'Unhandled', 'node: an error');
    is($r->{json}{errorMessage}, 'node failed', 'node: its message');

    my $rid = $r->{headers}{'x-amzn-requestid'};
    log_like(qr/node \Q$rid\E: \S+\t\Q$rid\E\tINFO\tnode saw/,
             'node: console.log in the log with the request id');

    my ($pid) = $h->runtimes(qr/index\.handler/);
    is($pid && Apigw::FnHost::sched_policy($pid), 3,
       'node: every thread inherits SCHED_BATCH from the host');
}

$h->check_log;

done_testing();
