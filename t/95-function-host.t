#!/usr/bin/perl

# The function host's Invoke API, over the unix socket and TCP: the example
# functions' answers (hello, CRUD, the authorizer), the event as a function
# sees it (payload 1.0 and 2.0), the Runtime API's headers with an honest
# deadline under X-Apigw-Timeout-Ms, the environment, Lambda's refusals
# (404, 413, 400), and the functions' output in the log with request ids.

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use Time::HiRes qw(time);
use Apigw::Test;
use Apigw::FnHost;

plan(skip_all => 'make functions first') unless Apigw::FnHost::have_host();

my $t = Apigw::Test->new;
my $json = Apigw::FnHost::json();

my $h = Apigw::FnHost->new($t, <<'EOF');
listen:
  - unix:%%SOCK%%
  - 127.0.0.1:%%PORT_1%%
log: %%PREFIX%%/fnhost/host.log
runtime: %%RUNTIME%%
functions:
  hello:
    handler: %%FUNCTIONS%%/hello.so:hello
    memory: 0
  crud:
    handler: %%FUNCTIONS%%/crud.so:crud
    concurrency: 1
    memory: 0
  authorizer:
    handler: %%FUNCTIONS%%/authorizer.so:authorizer
    memory: 0
  echo:
    handler: %%FUNCTIONS%%/fixtures.so:echo
    timeout: 5000
    memory: 0
    environment:
      GREETING: hi there
      COUNT: 3
EOF

my $body = \&Apigw::FnHost::proxy_body;

###############################################################################
# hello, over both listeners

my $r = $h->invoke('hello', { httpMethod => 'GET', path => '/hello',
                              queryStringParameters => { name => 'ann' } });

is($r->{status}, 200, 'hello: 200 over the unix socket');
is($r->{headers}{'content-type'}, 'application/json', 'hello: JSON');
like($r->{headers}{'x-amzn-requestid'} // '', qr/^[0-9a-f-]{36}$/,
     'hello: x-amzn-RequestId');
is($r->{headers}{'x-amz-executed-version'}, '$LATEST',
   'hello: X-Amz-Executed-Version');
ok(!exists $r->{headers}{'x-amz-function-error'}, 'hello: no function error');
is($r->{json}{statusCode}, 200, 'hello: statusCode');
is_deeply($body->($r), { message => 'hello', name => 'ann' }, 'hello: body');
is($r->{json}{headers}{'X-Served-By'}, 'apigw-fn hello',
   'hello: a header it set');
is($r->{json}{headers}{'Content-Type'}, 'application/json',
   'hello: its Content-Type');
is_deeply($r->{json}{multiValueHeaders}, {}, 'hello: multiValueHeaders');
is($r->{json}{isBase64Encoded}, JSON::PP::false, 'hello: isBase64Encoded');

$r = $h->invoke('hello', { httpMethod => 'GET', path => '/hello' },
                tcp => 1);
is($r->{status}, 200, 'hello: 200 over TCP');
is($body->($r)->{name}, 'world', 'hello: no query');

###############################################################################
# CRUD with path parameters

sub crud {
    my ($method, $path, $id, $item) = @_;

    return $h->invoke('crud', {
        httpMethod => $method, path => $path,
        resource => defined $id ? '/items/{id}' : '/items',
        pathParameters => defined $id ? { id => $id } : undef,
        body => defined $item ? $json->encode($item) : undef,
    });
}

$r = crud('POST', '/items', undef, { name => 'pen', price => 2 });
is($r->{json}{statusCode}, 201, 'crud: POST 201');
my $id = $body->($r)->{id};
ok(defined $id, 'crud: an id');
is($r->{json}{headers}{Location}, $id, 'crud: Location');

$r = crud('POST', '/items', undef, { name => 'ink' });
my $id2 = $body->($r)->{id};

$r = crud('GET', "/items/$id", $id);
is_deeply($body->($r), { id => $id, name => 'pen', price => 2 },
          'crud: GET one');

$r = crud('PUT', "/items/$id", $id, { name => 'pen', price => 3 });
is($body->($r)->{price}, 3, 'crud: PUT');

$r = crud('GET', '/items');
is(scalar(@{$body->($r)}), 2, 'crud: the list');

$r = crud('DELETE', "/items/$id2", $id2);
is($r->{json}{statusCode}, 204, 'crud: DELETE 204');

$r = crud('GET', "/items/$id2", $id2);
is($r->{json}{statusCode}, 404, 'crud: gone');
is($body->($r)->{message}, 'no such item', 'crud: 404 body');

$r = crud('POST', '/items', undef, [1]);
is($r->{json}{statusCode}, 400, 'crud: not an object');

###############################################################################
# the authorizer example: TOKEN and REQUEST

my $arn = 'arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/items';

$r = $h->invoke('authorizer', { type => 'TOKEN', methodArn => $arn,
                                authorizationToken => 'allow' });
is($r->{json}{principalId}, 'user-1', 'authorizer: principalId');
is_deeply($r->{json}{policyDocument}, {
    Version => '2012-10-17',
    Statement => [{ Action => 'execute-api:Invoke', Effect => 'Allow',
                    Resource => 'arn:aws:execute-api:us-east-1:'
                                . '123456789012:abc/prod/*' }],
}, 'authorizer: an Allow policy for the whole stage, as a cached answer '
   . 'needs');
is_deeply($r->{json}{context}, { user => 'user-1', level => 3 },
          'authorizer: context');

$r = $h->invoke('authorizer', { type => 'TOKEN', methodArn => $arn,
                                authorizationToken => 'Bearer deny' });
is($r->{json}{policyDocument}{Statement}[0]{Effect}, 'Deny',
   'authorizer: Deny');

$r = $h->invoke('authorizer', { type => 'TOKEN', methodArn => $arn,
                                authorizationToken => 'unauthorized' });
is($r->{headers}{'x-amz-function-error'}, 'Unhandled',
   'authorizer: Unauthorized is a function error');
is($r->{json}{errorMessage}, 'Unauthorized', 'authorizer: its message');

$r = $h->invoke('authorizer', { type => 'REQUEST', methodArn => $arn,
                                headers => { authorization => 'allow' } });
is($r->{json}{policyDocument}{Statement}[0]{Effect}, 'Allow',
   'authorizer: REQUEST from a header');

$r = $h->invoke('authorizer', { type => 'REQUEST', methodArn => $arn,
                                queryStringParameters => { token => 'x' } });
is($r->{json}{errorType}, 'InvalidToken', 'authorizer: an invalid token');

###############################################################################
# the event as the function sees it: payload 1.0

my $v1 = {
    resource => '/items/{id}', path => '/items/42', httpMethod => 'GET',
    headers => { 'X-Test' => 'one', Cookie => 'a=1; session=s1' },
    multiValueHeaders => { 'X-Test' => ['one'] },
    queryStringParameters => { name => 'ann', tag => 'b' },
    multiValueQueryStringParameters => { name => ['ann'], tag => ['a', 'b'] },
    pathParameters => { id => '42' },
    stageVariables => { env => 'prod' },
    requestContext => { identity => { sourceIp => '192.0.2.7' },
                        authorizer => { user => 'u-1' }, stage => 'prod' },
    body => 'plain text', isBase64Encoded => JSON::PP::false,
};

my $before = time;
$r = $h->invoke('echo', $v1);
my $seen = $body->($r);

is($seen->{version}, 1, '1.0: recognised');
is($seen->{method}, 'GET', '1.0: method');
is($seen->{path}, '/items/42', '1.0: path');
is($seen->{route}, '/items/{id}', '1.0: resource');
is($seen->{id}, '42', '1.0: path parameter');
is($seen->{name}, 'ann', '1.0: query');
is_deeply($seen->{tags}, ['a', 'b'], '1.0: multi-value query');
is($seen->{header}, 'one', '1.0: header in any case');
is($seen->{cookie}, 's1', '1.0: cookie from the Cookie header');
is($seen->{stage}, 'prod', '1.0: stage variable');
is($seen->{sourceIp}, '192.0.2.7', '1.0: requestContext.identity');
is($seen->{user}, 'u-1', '1.0: authorizer context');
is($seen->{body}, 'plain text', '1.0: body');
is_deeply($r->{json}{multiValueHeaders}, { 'Set-Cookie' => ['a=1', 'b=2'] },
          '1.0 answer: multiValueHeaders');
is($r->{json}{headers}{'X-Echo'}, 'yes', '1.0 answer: headers');

# the invocation, as the Runtime API told it

is($seen->{requestId}, $r->{headers}{'x-amzn-requestid'},
   'Lambda-Runtime-Aws-Request-Id is the invocation\'s id');
is($seen->{arn}, 'arn:aws:lambda:us-east-1:000000000000:function:echo',
   'Lambda-Runtime-Invoked-Function-Arn');
like($seen->{trace}, qr/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/,
     'Lambda-Runtime-Trace-Id made up');
is($seen->{traceEnv}, $seen->{trace}, '_X_AMZN_TRACE_ID set from it');
my $budget = $seen->{deadline} - $before * 1000;
ok($budget > 4500 && $budget <= 5100,
   "Lambda-Runtime-Deadline-Ms: the function's timeout ($budget ms)");

$before = time;
$r = $h->invoke('echo', $v1, headers => ['X-Apigw-Timeout-Ms' => 1800,
                                         'X-Amzn-Trace-Id' => 'Root=1-abc']);
$seen = $body->($r);
$budget = $seen->{deadline} - $before * 1000;
ok($budget > 1500 && $budget <= 1900,
   "Lambda-Runtime-Deadline-Ms: the gateway's budget ($budget ms)");
ok($seen->{remaining} > 1000 && $seen->{remaining} <= 1800,
   "the remaining time the function sees ($seen->{remaining} ms)");
is($seen->{trace}, 'Root=1-abc', 'X-Amzn-Trace-Id passed on');
is($seen->{traceEnv}, 'Root=1-abc',
   '_X_AMZN_TRACE_ID: the next invocation\'s, in the same runtime');
like($r->{headers}{'x-amzn-requestid'} // '',
     qr/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
     'the request id: a version 4 UUID');

$r = $h->invoke('echo', $v1, headers => ['X-Apigw-Timeout-Ms' => 60000]);
$budget = $body->($r)->{deadline} - time * 1000;
ok($budget < 5100, 'a budget over the timeout: the timeout');

# its environment

is($seen->{fnName}, 'echo', 'AWS_LAMBDA_FUNCTION_NAME');
like($seen->{api}, qr/^127\.0\.0\.1:\d+$/, 'AWS_LAMBDA_RUNTIME_API: host:port');
my ($api_port) = $seen->{api} =~ /:(\d+)$/;
is($seen->{apiSocket}, '@apigw-fnhost.' . $h->pid . ".$api_port",
   'APIGW_RUNTIME_API_SOCKET: the same endpoint, an abstract unix socket');
my @kinds = map { socket_kinds($_) } $h->runtimes(qr/fixtures\.so echo/);
ok(@kinds && !grep({ $_ ne 'unix' } @kinds),
   "the C runtime talks to the host over it, not TCP (@kinds)");

is($seen->{handler}, Apigw::FnHost::functions_dir() . '/fixtures.so:echo',
   '_HANDLER');
is($seen->{greeting}, 'hi there', 'environment: a string');
is($seen->{memory}, '3008', 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE without limit');
is($seen->{cwd}, $t->prefix . '/fnhost', 'LAMBDA_TASK_ROOT');

# the C runtime, given a unix socket it cannot use
for my $case (
    ['@apigw-fnhost.nobody', qr/cannot connect \(\@apigw-fnhost\.nobody\)/],
    ['@' . 'x' x 120, qr/APIGW_RUNTIME_API_SOCKET is longer than/])
{
    my ($name, $says) = @$case;
    local $ENV{AWS_LAMBDA_RUNTIME_API} = '127.0.0.1:1';
    local $ENV{APIGW_RUNTIME_API_SOCKET} = $name;
    my $hello = Apigw::FnHost::functions_dir() . '/hello.so';
    my $out = `'${\ Apigw::FnHost::runtime_path()}' '$hello' hello 2>&1`;
    isnt($? >> 8, 0, 'the C runtime exits: ' . substr($name, 0, 24));
    like($out, $says, 'and says why, naming the socket');
}

# payload 2.0

$r = $h->invoke('echo', {
    version => '2.0', routeKey => 'GET /items/{id}', rawPath => '/items/7',
    rawQueryString => 'tag=a&tag=b', cookies => ['session=s2', 'x=y'],
    headers => { 'x-test' => 'two' },
    queryStringParameters => { tag => 'a,b' },
    pathParameters => { id => '7' },
    requestContext => { http => { method => 'POST', sourceIp => '::1' },
                        authorizer => { jwt => { claims => { user => 'j' } } } },
    body => 'aGVsbG8=', isBase64Encoded => JSON::PP::true,
}, tcp => 1);
$seen = $body->($r);

is($seen->{version}, 2, '2.0: recognised');
is($seen->{method}, 'POST', '2.0: requestContext.http.method');
is($seen->{path}, '/items/7', '2.0: rawPath');
is($seen->{route}, 'GET /items/{id}', '2.0: routeKey');
is_deeply($seen->{tags}, ['a', 'b'], '2.0: values joined by commas');
is($seen->{header}, 'two', '2.0: header');
is($seen->{cookie}, 's2', '2.0: cookies');
is($seen->{user}, 'j', '2.0: JWT claim');
is($seen->{body}, 'hello', '2.0: base64 body decoded');
is_deeply($r->{json}{cookies}, ['a=1', 'b=2'], '2.0 answer: cookies');
ok(!exists $r->{json}{multiValueHeaders},
   '2.0 answer: no multiValueHeaders');

# not a proxy event

$r = $h->invoke('echo', '[1,2]');
is($body->($r)->{version}, 0, 'a plain event');
is($body->($r)->{method}, undef, 'a plain event: no method');

###############################################################################
# Lambda's refusals

$r = $h->invoke('nope', {});
is($r->{status}, 404, 'unknown function: 404');
is($r->{headers}{'x-amzn-errortype'}, 'ResourceNotFoundException',
   'unknown function: x-amzn-ErrorType');
is_deeply($r->{json}, { Type => 'User', Message => 'Function not found: '
                        . 'arn:aws:lambda:us-east-1:000000000000:function:nope' },
          'unknown function: the body');

$r = $h->invoke('arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Ahello',
                {});
is($r->{status}, 200, 'a function by its ARN');

$r = $h->invoke('hello', {}, qualifier => '$LATEST');
is($r->{status}, 200, 'Qualifier=$LATEST');

$r = $h->invoke('hello', {}, qualifier => '7');
is($r->{status}, 404, 'another qualifier: 404');

$r = $h->invoke('hello', {}, path => '/2015-03-31/functions/hello');
is($r->{headers}{'x-amzn-errortype'}, 'UnknownOperationException',
   'another operation');

$r = $h->invoke('hello', {}, method => 'GET');
is($r->{status}, 404, 'GET on invocations: unknown operation');

$r = $h->invoke('hello', 'x' x (6291456 + 1));
is($r->{status}, 413, 'a body over 6 MB: 413');
is($r->{headers}{'x-amzn-errortype'}, 'RequestEntityTooLargeException',
   '413: x-amzn-ErrorType');
like($r->{json}{message}, qr/smaller than 6291456 bytes/, '413: message');

$r = $h->invoke('hello', 'x' x (9 * 1024 * 1024));
is($r->{status}, 413, 'a body over 7 MB: 413');
is($r->{headers}{'x-amzn-errortype'}, 'RequestEntityTooLargeException',
   'a body over 7 MB: Lambda\'s 413, answered before it is read');

$r = $h->invoke('hello', 'x' x 6291456);
is($r->{status}, 200, 'a body of 6 MB: taken');

$r = $h->invoke('hello', {}, headers => ['X-Apigw-Timeout-Ms' => 'soon']);
is($r->{status}, 400, 'a bad X-Apigw-Timeout-Ms: 400');

$r = $h->invoke('hello', {}, headers => ['X-Amz-Invocation-Type' => 'DryRun']);
is($r->{status}, 204, 'DryRun: 204');

$r = $h->invoke('hello', {}, headers => ['X-Amz-Invocation-Type' => 'Event']);
is($r->{status}, 400, 'Event invocations are not served');

###############################################################################
# the functions' output, by request id, with START, END and REPORT

$r = $h->invoke('echo', $v1);
my $rid = $r->{headers}{'x-amzn-requestid'};
my $log = $h->log;

like($log, qr/\[info\] \d+#0: echo \Q$rid\E: echo says hello on stdout$/m,
     'stdout in the log with the request id');
like($log, qr/\[info\] \d+#0: echo \Q$rid\E: echo says hello on stderr$/m,
     'stderr in the log with the request id');
like($log, qr/echo START RequestId: \Q$rid\E Version: \$LATEST/,
     'START line');
like($log, qr/echo END RequestId: \Q$rid\E$/m, 'END line');
like($log, qr/echo REPORT RequestId: \Q$rid\E Duration: \d+ ms Billed Duration: \d+ ms Memory Size: 0 MB Max Memory Used: \d+ MB$/m,
     'REPORT line');
like($log, qr/echo: runtime \d+ ready, Init Duration: \d+ ms/,
     'the init duration');

$h->check_log;

done_testing();

###############################################################################

# the kind of each socket a process holds open: unix, tcp or other
sub socket_kinds {
    my ($pid) = @_;

    my %kind;

    for my $table (qw(unix tcp tcp6)) {
        open(my $fh, '<', "/proc/$pid/net/$table") or next;
        <$fh>;

        while (my $line = <$fh>) {
            my @f = split ' ', $line;
            my $inode = $table eq 'unix' ? $f[6] : $f[9];
            $kind{$inode} = $table =~ /^tcp/ ? 'tcp' : 'unix';
        }

        close $fh;
    }

    my @kinds;

    opendir(my $dh, "/proc/$pid/fd") or return ();

    for my $fd (sort readdir $dh) {
        my $target = readlink("/proc/$pid/fd/$fd") // next;
        push @kinds, $kind{$1} // 'other' if $target =~ /^socket:\[(\d+)\]$/;
    }

    closedir $dh;

    return @kinds;
}
