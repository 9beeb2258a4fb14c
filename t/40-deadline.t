#!/usr/bin/perl

# The integration deadline and backend failures: a backend that hangs gets
# 504 "Endpoint request timed out" at the operation's timeout; refused,
# reset, closed or malformed answers get 502 "Internal server error".

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use Apigw::Test;

plan(skip_all => 'module not built') unless Apigw::Test::have_module();

my $t = Apigw::Test->new;

my %answer = (
    '/hang' => sub { 'hang' },
    '/slow' => sub { { delay => 0.2, status => 200, body => 'slow ok' } },
    '/too-slow' => sub { { delay => 1.5, status => 200, body => 'late' } },
    '/stall-body' => sub {
        { raw => "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial",
          then => 'hang' }
    },
    '/stall-headers' => sub {
        { raw => "HTTP/1.1 200 OK\r\nX-Slow: 1\r\n", then => 'hang' }
    },
    '/close' => sub { 'close' },
    '/reset' => sub { 'reset' },
    '/garbage' => sub { { raw => "this is not HTTP\r\n\r\n" } },
    '/fast' => sub { (200, ['Content-Type' => 'text/plain'], 'fast') },
);

my $be = $t->backend(port => $t->port(2), handler => sub {
    my ($req) = @_;
    my $h = $answer{$req->{path}} or return (404, [], 'no such stub');
    return $h->($req);
});

my $ops = '';

for my $path (sort keys %answer) {
    $ops .= <<"YAML";
  $path:
    get:
      x-apigw-integration:
        type: http
        uri: "http://127.0.0.1:%%PORT_2%%$path"
        timeout: 500
    post:
      x-apigw-integration:
        type: http
        uri: "http://127.0.0.1:%%PORT_2%%$path"
        timeout: 500
YAML
}

$t->write_file('api.yaml', $t->expand(<<"YAML"));
openapi: 3.0.3
info: {title: deadline, version: "1"}
paths:
$ops
  /refused:
    get:
      x-apigw-integration:
        type: http
        uri: "http://127.0.0.1:%%PORT_3%%/nobody-listens"
  /refused-fast:
    get:
      x-apigw-integration:
        type: http
        uri: "http://127.0.0.1:%%PORT_3%%/nobody-listens"
        timeout: 500
  /default-timeout:
    get:
      x-apigw-integration:
        type: http
        uri: "http://127.0.0.1:%%PORT_2%%/fast"
YAML

$t->write_conf(<<'CONF');
    log_format apigw '$apigw_route $status $apigw_integration_latency';

    apigw_api api %%PREFIX%%/api.yaml;

    server {
        listen 127.0.0.1:%%PORT%%;
        access_log %%PREFIX%%/apigw.log apigw;

        location / {
            apigw api;
        }

        # a user's error_page: the request leaves apigw's location (and its
        # module context) while the deadline is armed
        location /redirected/ {
            apigw api;
            error_page 502 = /elsewhere/hang;
        }

        location /elsewhere/ {
            internal;
            proxy_pass http://127.0.0.1:%%PORT_2%%/;
            proxy_read_timeout 3s;
        }
    }
CONF

$t->run;

# nothing may listen on port 3: it is the refused backend
$t->port(3);

sub gateway_error {
    my ($r, $status, $message, $name) = @_;
    is($r->{status}, $status, "$name: $status");
    is($r->{body}, qq({"message":"$message"}), "$name: AWS body");
    is($r->{headers}{'content-type'}, 'application/json',
       "$name: JSON content type");
    like($r->{headers}{'x-amzn-requestid'}, qr/^[0-9a-f-]{36}$/,
         "$name: request id");
    ok($r->{headers}{'x-amzn-errortype'}, "$name: error type");
}

my $r = $t->http('GET', '/hang');
gateway_error($r, 504, 'Endpoint request timed out', 'hanging backend');
cmp_ok($r->{elapsed}, '>=', 0.45, 'hanging backend: waited the timeout');
cmp_ok($r->{elapsed}, '<', 3, 'hanging backend: not much longer');

$r = $t->http('POST', '/hang', body => '{"x":1}');
gateway_error($r, 504, 'Endpoint request timed out',
              'hanging backend, POST with a body');

$r = $t->http('GET', '/stall-headers');
gateway_error($r, 504, 'Endpoint request timed out',
              'backend stalls inside its headers');

$r = $t->http('GET', '/too-slow');
gateway_error($r, 504, 'Endpoint request timed out',
              'backend slower than the timeout');

$r = $t->http('HEAD', '/hang');
is($r->{status}, 504, 'HEAD to a hanging backend: 504');
is($r->{body}, '', 'HEAD: no body');

$r = $t->http('GET', '/slow');
is($r->{status}, 200, 'backend within the timeout: 200');
is($r->{body}, 'slow ok', 'backend within the timeout: its body');

# headers already went to the client: the deadline can only cut the body
$r = $t->http('GET', '/stall-body', timeout => 5);
is($r->{status}, 200, 'stalled body: the status was already sent');
ok($r->{incomplete} || length($r->{body}) < 100,
   'stalled body: the response is cut, not completed');
cmp_ok($r->{elapsed}, '<', 3, 'stalled body: cut at the deadline');

$r = $t->http('GET', '/refused');
gateway_error($r, 502, 'Internal server error', 'connection refused');
is($r->{headers}{'x-amzn-errortype'}, 'InternalServerErrorException',
   'connection refused: error type');

gateway_error($t->http('GET', '/reset'), 502, 'Internal server error',
              'connection reset');
gateway_error($t->http('GET', '/close'), 502, 'Internal server error',
              'closed without an answer');
gateway_error($t->http('GET', '/garbage'), 502, 'Internal server error',
              'malformed answer');

$r = $t->http('GET', '/default-timeout');
is($r->{status}, 200, 'default timeout (29 s) lets a fast backend answer');

# error_page away from the apigw location, to a backend that hangs
$r = $t->http('GET', '/redirected/refused-fast');
is($r->{status}, 504, 'after an error_page redirect the deadline still holds');
cmp_ok($r->{elapsed}, '<', 2.5, 'cut at the deadline, not proxy_read_timeout');

# the worker is unharmed: a normal request right after the failures
$r = $t->http('GET', '/fast');
is($r->{body}, 'fast', 'worker still serves after the failures');

$t->stop;

my %latency = map { /^GET (\S+) \d+ (\S+)$/ ? ($1 => $2) : () }
              split /\n/, $t->read_file('apigw.log');
cmp_ok($latency{'/hang'}, '>=', 450, 'integration latency of the timeout');
like($latency{'/fast'}, qr/^\d+$/, 'integration latency logged');

$t->check_log;

done_testing;
