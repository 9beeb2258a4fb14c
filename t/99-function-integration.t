#!/usr/bin/perl

# Functions as integrations, through nginx with a real function host: the
# proxy events 1.0 and 2.0 as a function sees them (an echo function that
# answers its event); every response rule of functions.md 3.3 through
# nginx; binary bodies both ways; stage variables naming functions (two
# stages, two functions); an aws_proxy operation imported from AWS; a
# crash, a hang past the function's timeout (502) and past the gateway's
# deadline (504), garbage, an answer too large, a host that is down (500),
# each followed by a request that succeeds; the host's 429 (500); several
# hosts in an upstream{}; the log variables, and the metrics of every
# outcome and of function authorizers; a reload under load that loses
# nothing; nginx -t without apigw_functions.

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use JSON::PP;
use MIME::Base64;
use POSIX ();
use Time::HiRes qw(time sleep);
use Apigw::Test;
use Apigw::FnHost;
use Apigw::Metrics qw(scrape count promtool);

plan(skip_all => 'module not built') unless Apigw::Test::have_module();
plan(skip_all => 'make functions first') unless Apigw::FnHost::have_host()
    && -f Apigw::FnHost::functions_dir() . '/gateway.so';

my $t = Apigw::Test->new;
my $json = JSON::PP->new->utf8->canonical->allow_nonref;

my $h = Apigw::FnHost->new($t, <<'EOF');
listen:
  - unix:%%SOCK%%
  - 127.0.0.1:%%PORT_5%%
log: %%PREFIX%%/fnhost/host.log
runtime: %%RUNTIME%%
functions:
  event:
    handler: %%FUNCTIONS%%/gateway.so:event
    timeout: 5000
    memory: 0
  answer:
    handler: %%FUNCTIONS%%/gateway.so:answer
    memory: 0
  # it crashes on purpose: the plain runtime, whose crash AddressSanitizer
  # would report
  misbehave:
    command: [%%PLAIN_RUNTIME%%, %%FUNCTIONS%%/gateway.so, misbehave]
    timeout: 1500
    concurrency: 2
    memory: 0
  narrow:
    handler: %%FUNCTIONS%%/gateway.so:misbehave
    concurrency: 1
    warm: 1
    max_queue: 1
    queue_timeout: 0
    memory: 0
  hello:
    handler: %%FUNCTIONS%%/hello.so:hello
    memory: 0
  authorizer:
    handler: %%FUNCTIONS%%/authorizer.so:authorizer
    memory: 0
EOF

$t->write_file('api.yaml', <<'YAML');
openapi: 3.0.3
info: {title: functions, version: "1"}
x-amazon-apigateway-binary-media-types: [image/png, application/octet-stream]
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: x-api-key}
    fnauth:
      type: apiKey
      in: header
      name: Authorization
      x-amazon-apigateway-authtype: custom
      x-amazon-apigateway-authorizer:
        type: token
        authorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:authorizer/invocations
        authorizerResultTtlInSeconds: 0
paths:
  /keyed:
    get:
      security: [{key: []}]
      x-apigw-integration: {type: function, function: event}
  /secure:
    get:
      security: [{fnauth: []}]
      x-apigw-integration: {type: function, function: event}
  /secure2:
    get:
      security: [{fnauth: []}]
      x-apigw-integration: {type: function, function: event,
                            payloadFormatVersion: "2.0"}
  /v1/echo/{id}:
    x-apigw-integration: &v1 {type: function, function: event}
    get: {x-apigw-integration: *v1}
    post: {x-apigw-integration: *v1}
  /v2/echo/{id}:
    get: &v2
      x-apigw-integration:
        type: function
        function: event
        payloadFormatVersion: "2.0"
    post: *v2
  /answer:
    post:
      x-apigw-integration: {type: function, function: answer}
  /answer2:
    post:
      x-apigw-integration: {type: function, function: answer,
                            payloadFormatVersion: "2.0"}
  /misbehave:
    get:
      x-apigw-integration: {type: function, function: misbehave}
  /deadline:
    get:
      x-apigw-integration: {type: function, function: misbehave,
                            timeout: 600}
  /narrow:
    get:
      x-apigw-integration: {type: function, function: narrow}
  /timed:
    get:
      x-apigw-integration: {type: function, function: event, timeout: 2000}
  /staged:
    get:
      x-apigw-integration: {type: function,
                            function: "${stageVariables.fn}"}
  /nosuch:
    get:
      x-apigw-integration: {type: function, function: nosuch}
YAML

# as AWS exports an API of Lambda proxy integrations
$t->write_file('aws.json', <<'JSON');
{
  "openapi": "3.0.1",
  "info": {"title": "imported", "version": "2026-12-03T10:00:00Z"},
  "paths": {
    "/hello": {
      "get": {
        "x-amazon-apigateway-integration": {
          "type": "aws_proxy",
          "httpMethod": "POST",
          "uri": "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:hello/invocations",
          "passthroughBehavior": "when_no_match",
          "contentHandling": "CONVERT_TO_TEXT",
          "timeoutInMillis": 5000
        }
      }
    },
    "/{proxy+}": {
      "x-amazon-apigateway-any-method": {
        "parameters": [{"name": "proxy", "in": "path", "required": true,
                        "schema": {"type": "string"}}],
        "x-amazon-apigateway-integration": {
          "type": "aws_proxy",
          "httpMethod": "POST",
          "uri": "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:${stageVariables.fn}/invocations",
          "timeoutInMillis": 29000
        }
      }
    }
  }
}
JSON

my $conf = <<'CONF';
    apigw_api fn %%PREFIX%%/api.yaml;
    apigw_api aws %%PREFIX%%/aws.json;
    apigw_keys %%PREFIX%%/keys.yaml;

    log_format fn '$uri $status int=$apigw_integration_status '
                  'lat=$apigw_integration_latency '
                  'url=$apigw_integration_url';

    upstream fnhosts {
        server unix:%%PREFIX%%/fn.sock;
        server 127.0.0.1:%%PORT_5%%;
    }

    server {
        listen 127.0.0.1:%%PORT%%;
        access_log %%PREFIX%%/fn.log fn;

        apigw_functions http://unix:%%PREFIX%%/fn.sock;

        location /prod/ {
            apigw fn stage=prod;
            apigw_stage_variable fn hello;
        }

        location /beta/ {
            apigw fn stage=beta;
            apigw_stage_variable fn event;
        }

        location /tcp/ {
            apigw aws stage=tcp;
            apigw_functions http://127.0.0.1:%%PORT_5%%;
            apigw_stage_variable fn event;
        }

        location /hosts/ {
            apigw fn stage=hosts;
            apigw_functions http://fnhosts;
            apigw_stage_variable fn event;
        }

        location /down/ {
            apigw fn stage=down;
            apigw_functions http://127.0.0.1:%%PORT_6%%;
        }

        location /metrics {
            apigw_prometheus;
        }
    }
CONF

my $key = 'fn-key-0123456789abcdefghij';

$t->write_file('keys.yaml', <<"YAML");
plans:
  - id: gold
    stages: [{stage: fn/prod}]
keys:
  - {id: k-fn, value: "$key", plan: gold}
YAML

$t->write_conf($conf);
$t->run;

sub get {
    my ($uri, %opts) = @_;
    return $t->http_json($opts{method} // 'GET', $uri, %opts);
}

# the function's answer: the event it received
sub event_of {
    my ($r) = @_;
    return $r->{json} // {};
}

###############################################################################
# payload 1.0 as the function sees it

my $r = get('/prod/v1/echo/42?name=me&tag=a&tag=b',
            headers => ['X-Test' => 'one', 'x-test' => 'two',
                        'User-Agent' => 'apigw-test/1',
                        'Cookie' => 's=1; t=2']);
is($r->{status}, 200, '1.0: 200');
is($r->{headers}{'content-type'}, 'application/json', '1.0: its type');
like($r->{headers}{'x-amzn-requestid'} // '', qr/^[0-9a-f-]{36}$/,
     '1.0: x-amzn-RequestId');

my $e = event_of($r);
is($e->{resource}, '/v1/echo/{id}', '1.0: resource');
is($e->{path}, '/v1/echo/42', '1.0: path');
is($e->{httpMethod}, 'GET', '1.0: httpMethod');
is($e->{headers}{'X-Test'}, 'two', '1.0: headers, the last value');
is_deeply($e->{multiValueHeaders}{'X-Test'}, ['one', 'two'],
          '1.0: multiValueHeaders, all of them, spelled as first seen');
is($e->{headers}{Cookie}, 's=1; t=2', '1.0: Cookie among the headers');
is_deeply($e->{queryStringParameters}, { name => 'me', tag => 'b' },
          '1.0: queryStringParameters');
is_deeply($e->{multiValueQueryStringParameters},
          { name => ['me'], tag => ['a', 'b'] },
          '1.0: multiValueQueryStringParameters');
is_deeply($e->{pathParameters}, { id => '42' }, '1.0: pathParameters');
is_deeply($e->{stageVariables}, { fn => 'hello' }, '1.0: stageVariables');
is($e->{body}, undef, '1.0: no body: null');
is($e->{isBase64Encoded}, JSON::PP::false, '1.0: isBase64Encoded false');
ok(!exists $e->{version}, '1.0: no version, as REST APIs send');

my $c = $e->{requestContext} // {};
is($c->{stage}, 'prod', '1.0: requestContext.stage');
is($c->{requestId}, $r->{headers}{'x-amzn-requestid'},
   '1.0: requestContext.requestId, the response\'s x-amzn-RequestId');
is($c->{resourcePath}, '/v1/echo/{id}', '1.0: resourcePath');
is($c->{httpMethod}, 'GET', '1.0: requestContext.httpMethod');
is($c->{path}, '/prod/v1/echo/42', '1.0: requestContext.path, with the stage');
is($c->{apiId}, 'fn', '1.0: apiId');
is($c->{accountId}, '000000000000', '1.0: accountId');
is($c->{protocol}, 'HTTP/1.1', '1.0: protocol');
is($c->{domainName}, 'localhost', '1.0: domainName');
is($c->{domainPrefix}, 'localhost', '1.0: domainPrefix');
like($c->{requestTime} // '', qr{^\d\d/\w\w\w/\d{4}:\d\d:\d\d:\d\d \+0000$},
     '1.0: requestTime');
ok(abs(($c->{requestTimeEpoch} // 0) / 1000 - time) < 10,
   '1.0: requestTimeEpoch in ms');
like($c->{resourceId} // '', qr/^[0-9a-z]{6}$/, '1.0: resourceId');
is($c->{identity}{sourceIp}, '127.0.0.1', '1.0: identity.sourceIp');
is($c->{identity}{userAgent}, 'apigw-test/1', '1.0: identity.userAgent');
ok(exists $c->{identity}{apiKey} && !defined $c->{identity}{apiKey},
   '1.0: identity.apiKey null without a key');
ok(!exists $c->{authorizer}, '1.0: no authorizer');

# the host is told the time left (X-Apigw-Timeout-Ms): an honest deadline
$r = get('/prod/timed');
ok(($r->{headers}{'x-remaining-ms'} // 0) <= 2000
   && ($r->{headers}{'x-remaining-ms'} // 0) > 1500,
   'the function had the operation\'s 2000 ms, less what passed ('
   . ($r->{headers}{'x-remaining-ms'} // '') . ')');
$r = get('/prod/v1/echo/1');
ok(($r->{headers}{'x-remaining-ms'} // 0) <= 5000,
   'without a timeout: the function\'s own 5 s stands');

# the caller's trace goes on to the function, as Lambda-Runtime-Trace-Id
$r = get('/prod/v1/echo/1', headers => [traceparent =>
         '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01']);
like($r->{headers}{'x-trace-id'} // '',
     qr/^Root=1-4bf92f35-77b34da6a3ce929d0e0e4736;Parent=[0-9a-f]{16};Sampled=1$/,
     'the function\'s trace id: the caller\'s trace, the gateway\'s span');
unlike($r->{headers}{'x-trace-id'} // '', qr/Parent=00f067aa0ba902b7/,
       '... not the caller\'s span');
$r = get('/prod/v1/echo/1');
like($r->{headers}{'x-trace-id'} // '', qr/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};/,
     'without one: a trace the gateway started');

# empty maps are null
$r = get('/prod/v1/echo/7', headers => []);
$e = event_of($r);
is($e->{queryStringParameters}, undef, '1.0: no query: null');
is($e->{multiValueQueryStringParameters}, undef,
   '1.0: no query: multiValue null');

# a body
$r = get('/prod/v1/echo/7', method => 'POST',
         headers => ['Content-Type' => 'application/json'],
         body => '{"a": 1, "é": "ü"}');
$e = event_of($r);
is($e->{body}, "{\"a\": 1, \"\x{e9}\": \"\x{fc}\"}", '1.0: a UTF-8 body as text');
is($e->{isBase64Encoded}, JSON::PP::false, '1.0: not base64');

###############################################################################
# payload 2.0 as the function sees it

$r = get('/prod/v2/echo/42?p1=v1&p1=v2&p2=v',
         headers => ['Header1' => 'value1', 'header1' => 'value2',
                     'Cookie' => 'cookie1; cookie2', 'User-Agent' => 'agent']);
is($r->{status}, 200, '2.0: 200');
$e = event_of($r);
is($e->{version}, '2.0', '2.0: version');
is($e->{routeKey}, 'GET /v2/echo/{id}', '2.0: routeKey');
is($e->{rawPath}, '/prod/v2/echo/42', '2.0: rawPath');
is($e->{rawQueryString}, 'p1=v1&p1=v2&p2=v', '2.0: rawQueryString');
is_deeply($e->{cookies}, ['cookie1', 'cookie2'], '2.0: cookies');
is($e->{headers}{header1}, 'value1,value2',
   '2.0: headers in lower case, joined by commas');
ok(!exists $e->{headers}{cookie}, '2.0: no cookie among the headers');
is_deeply($e->{queryStringParameters}, { p1 => 'v1,v2', p2 => 'v' },
          '2.0: queryStringParameters joined');
is_deeply($e->{pathParameters}, { id => '42' }, '2.0: pathParameters');
ok(!exists $e->{body}, '2.0: no body: left out');
$c = $e->{requestContext} // {};
is($c->{http}{method}, 'GET', '2.0: requestContext.http.method');
is($c->{http}{path}, '/prod/v2/echo/42', '2.0: requestContext.http.path');
is($c->{http}{sourceIp}, '127.0.0.1', '2.0: requestContext.http.sourceIp');
is($c->{http}{userAgent}, 'agent', '2.0: requestContext.http.userAgent');
is($c->{routeKey}, 'GET /v2/echo/{id}', '2.0: requestContext.routeKey');
is($c->{stage}, 'prod', '2.0: requestContext.stage');
like($c->{time} // '', qr{^\d\d/\w\w\w/\d{4}}, '2.0: time');
ok($c->{timeEpoch}, '2.0: timeEpoch');

# an API key: identity.apiKey and apiKeyId
$r = get('/prod/keyed', headers => ['x-api-key' => $key]);
is($r->{status}, 200, 'a key: 200');
is(event_of($r)->{requestContext}{identity}{apiKey}, $key,
   '1.0: identity.apiKey, as AWS sends it');
is(event_of($r)->{requestContext}{identity}{apiKeyId}, 'k-fn',
   '1.0: identity.apiKeyId');
is(get('/prod/keyed')->{status}, 403, 'no key: 403, no call');

###############################################################################
# a custom authorizer that is a function; its context in the event

$r = get('/prod/secure', headers => ['Authorization' => 'Bearer allow']);
is($r->{status}, 200, 'function authorizer: allowed');
is_deeply(event_of($r)->{requestContext}{authorizer},
          { principalId => 'user-1', user => 'user-1', level => 3 },
          '1.0: requestContext.authorizer, principalId and context');

$r = get('/prod/secure2', headers => ['Authorization' => 'allow']);
is_deeply(event_of($r)->{requestContext}{authorizer},
          { lambda => { principalId => 'user-1', user => 'user-1',
                        level => 3 } },
          '2.0: requestContext.authorizer.lambda');

$r = get('/prod/secure', headers => ['Authorization' => 'deny']);
is($r->{status}, 403, 'function authorizer: an explicit deny, 403');

$r = get('/prod/secure', headers => ['Authorization' => 'unauthorized']);
is($r->{status}, 401, 'function authorizer: its "Unauthorized" error, 401');

$r = get('/prod/secure', headers => ['Authorization' => 'what']);
is($r->{status}, 500, 'function authorizer: another error, 500');

$r = get('/prod/secure');
is($r->{status}, 401, 'function authorizer: no token, 401 without a call');

###############################################################################
# binary bodies, both ways

my $png = "\x89PNG\r\n\x1a\n" . join('', map { chr } 0 .. 255);
$r = get('/prod/v1/echo/1', method => 'POST',
         headers => ['Content-Type' => 'image/png'], body => $png);
$e = event_of($r);
is($e->{isBase64Encoded}, JSON::PP::true,
   'binary: a binary media type arrives base64');
is(decode_base64($e->{body} // ''), $png, 'binary: the bytes, all of them');

$r = get('/prod/v1/echo/1', method => 'POST',
         headers => ['Content-Type' => 'text/plain'], body => "caf\xe9");
$e = event_of($r);
is($e->{isBase64Encoded}, JSON::PP::true, 'binary: text not UTF-8, base64');
is(decode_base64($e->{body} // ''), "caf\xe9", 'binary: its bytes');

$r = get('/prod/v2/echo/1', method => 'POST',
         headers => ['Content-Type' => 'application/octet-stream'],
         body => "\0\1\2");
$e = event_of($r);
is($e->{isBase64Encoded}, JSON::PP::true, 'binary: 2.0 too');
is(decode_base64($e->{body} // ''), "\0\1\2", 'binary: 2.0 bytes');

sub answer {
    my ($answer, %opts) = @_;

    my $text = ref $answer ? $json->encode($answer) : $answer;

    return $t->http('POST', $opts{path} // '/prod/answer',
                    headers => ['Content-Type' => 'application/json',
                                @{$opts{headers} // []}],
                    body => $text);
}

my $b64 = encode_base64($png, '');
$r = answer({ statusCode => 200, isBase64Encoded => JSON::PP::true,
              headers => { 'Content-Type' => 'image/png' }, body => $b64 },
            headers => ['Accept' => 'image/png']);
is($r->{status}, 200, 'binary answer: 200');
is($r->{headers}{'content-type'}, 'image/png', 'binary answer: its type');
is($r->{body}, $png, 'binary answer: decoded for an Accept that is binary');

$r = answer({ statusCode => 200, isBase64Encoded => JSON::PP::true,
              body => $b64 },
            headers => ['Accept' => 'text/html, image/png']);
is($r->{body}, $b64, 'binary answer: only the first Accept type counts');

$r = answer({ statusCode => 200, isBase64Encoded => JSON::PP::true,
              body => 'not base64!' },
            headers => ['Accept' => 'image/png']);
is($r->{status}, 500, 'binary answer: bad base64: 500');
is(decode_json($r->{body})->{message}, 'Internal server error',
   'binary answer: bad base64: the message');

###############################################################################
# every response rule (functions.md 3.3), through nginx

my @rules = (
    [ '{statusCode: 200}', { statusCode => 200 }, 200, '' ],
    [ '{}', {}, 200, '' ],
    [ 'headers without statusCode', { headers => { 'test-header' => 'v' } },
      200, '' ],
    [ 'statusCode "201"', { statusCode => '201', body => 'made' }, 201,
      'made' ],
    [ 'statusCode "test"', { statusCode => 'test' }, 502,
      '{"message":"Internal server error"}' ],
    [ 'an unknown key', { statusCode => 200, wrongValue => 1 }, 502,
      '{"message":"Internal server error"}' ],
    [ 'multiValueHeaders not a list', { multiValueHeaders => { a => 'b' } },
      502, '{"message":"Internal server error"}' ],
    [ 'a bare string', '"justAString"', 502,
      '{"message":"Internal server error"}' ],
    [ 'a non-string body', { statusCode => 200, body => { a => 1 } }, 502,
      '{"message":"Internal server error"}' ],
    [ 'isBase64Encoded without a binary Accept',
      { statusCode => 200, isBase64Encoded => JSON::PP::true,
        body => 'aGk=' }, 200, 'aGk=' ],
);

for my $rule (@rules) {
    my ($name, $answer, $status, $body) = @$rule;

    $r = answer($answer);
    is($r->{status}, $status, "rule $name: $status");
    is($r->{body}, $body, "rule $name: body");
}

$r = answer({ statusCode => 200 });
is($r->{headers}{'content-type'}, 'application/json',
   'rule {statusCode: 200}: Content-Type application/json');

$r = answer({ statusCode => 200, headers => { 'header-bool' => JSON::PP::true,
                                              'x-n' => 3 } });
is($r->{headers}{'header-bool'}, 'true', 'rule: a boolean header value');
is($r->{headers}{'x-n'}, '3', 'rule: a number header value');

$r = answer({ statusCode => 200, headers => undef });
is($r->{status}, 200, 'rule: headers null');

$r = answer({ statusCode => 201, headers => { 'x-both' => 'value-solo' },
              multiValueHeaders => { 'x-both' => ['value-multi'] } });
like($r->{raw}, qr/x-both: value-multi\r\n(?:.*\r\n)*?x-both: value-solo\r\n/i,
     'rule: headers and multiValueHeaders: both sent, multi first');

$r = answer({ statusCode => 200, headers => { 'Content-Type' => 'text/csv',
                                              'Content-Length' => 99 },
              body => "a,b\n" });
is($r->{headers}{'content-type'}, 'text/csv', 'rule: its Content-Type');
is($r->{headers}{'content-length'}, 4, 'rule: nginx\'s Content-Length');
is($r->{headers}{'x-amzn-remapped-content-length'}, 99,
   'rule: the function\'s, remapped');

$r = answer({ statusCode => 200, headers => { 'X' => "a\r\nInjected: 1" } });
is($r->{status}, 502, 'rule: a header value with CR LF: 502');
ok(!exists $r->{headers}{injected}, 'rule: nothing injected');

$r = answer('{"statusCode": 200, "body": "x"', path => '/prod/answer');
is($r->{status}, 502, 'rule: not JSON: 502');

# 2.0's inference and cookies
$r = answer({ message => 'Hello from Lambda!' }, path => '/prod/answer2');
is($r->{status}, 200, '2.0 rule: JSON without statusCode: 200');
is($r->{headers}{'content-type'}, 'application/json', '2.0 rule: JSON');
is_deeply(decode_json($r->{body}), { message => 'Hello from Lambda!' },
          '2.0 rule: that JSON is the body');

$r = answer('"Hello from Lambda!"', path => '/prod/answer2');
is($r->{body}, 'Hello from Lambda!', '2.0 rule: a string is the body');

$r = answer({ statusCode => 200, cookies => ['a=1', 'b=2; Path=/'],
              body => 'c' }, path => '/prod/answer2');
my @cookies = $r->{raw} =~ /^Set-Cookie: (.*?)\r$/mgi;
is_deeply(\@cookies, ['a=1', 'b=2; Path=/'], '2.0 rule: cookies, Set-Cookie');

###############################################################################
# stage variables name functions: two stages, two functions

$r = get('/prod/staged?name=ann');
is($r->{status}, 200, 'stages: prod 200');
is($r->{json}{message}, 'hello', 'stages: prod calls hello');
is($r->{json}{name}, 'ann', 'stages: hello got the query');

$r = get('/beta/staged?name=ann');
is($r->{status}, 200, 'stages: beta 200');
is($r->{json}{requestContext}{stage}, 'beta', 'stages: beta calls event');
is_deeply($r->{json}{stageVariables}, { fn => 'event' },
          'stages: beta\'s variables');

$r = get('/down/staged');
is($r->{status}, 500, 'stages: no such variable: 500');

###############################################################################
# aws_proxy, as AWS exports it, on the host's TCP listener

$r = get('/tcp/hello?name=bo');
is($r->{status}, 200, 'aws_proxy: 200');
is($r->{json}{name}, 'bo', 'aws_proxy: hello by the ARN\'s name');

$r = get('/tcp/any/thing/here', method => 'DELETE');
is($r->{status}, 200, 'aws_proxy: {proxy+}, any method');
is($r->{json}{pathParameters}{proxy}, 'any/thing/here',
   'aws_proxy: the greedy parameter');
is($r->{json}{httpMethod}, 'DELETE', 'aws_proxy: the method');
is($r->{json}{resource}, '/{proxy+}', 'aws_proxy: the resource');

###############################################################################
# failures, each followed by a request that succeeds

sub ok_after {
    my ($what) = @_;

    my $r = get('/prod/misbehave?do=ok');
    is($r->{status}, 200, "$what: the next request succeeds");
}

$r = get('/prod/misbehave?do=segv');
is($r->{status}, 502, 'crash: 502');
is($r->{body}, '{"message":"Internal server error"}', 'crash: the body');
is($r->{headers}{'x-amzn-errortype'}, 'InternalServerErrorException',
   'crash: x-amzn-ErrorType');
ok_after('crash');

$r = get('/prod/misbehave?do=exit');
is($r->{status}, 502, 'exit: 502');
ok_after('exit');

$r = get('/prod/misbehave?do=error');
is($r->{status}, 502, 'function error: 502');
ok_after('function error');

my $start = time;
$r = get('/prod/misbehave?do=hang', timeout => 10);
my $took = time - $start;
is($r->{status}, 502, 'hang past the function\'s timeout (1.5 s): 502');
ok($took > 1.2 && $took < 5, "hang: at its timeout ($took s)");
ok_after('hang past the function\'s timeout');

$start = time;
$r = get('/prod/deadline?do=hang', timeout => 10);
$took = time - $start;
is($r->{status}, 504, 'hang past the gateway\'s deadline (600 ms): 504');
is($r->{body}, '{"message":"Endpoint request timed out"}',
   'deadline: the body');
ok($took > 0.5 && $took < 1.4, "deadline: on time ($took s)");
ok_after('past the deadline');

$start = time;
$r = get('/prod/deadline?do=sleep&ms=900', timeout => 10);
$took = time - $start;
is($r->{status}, 504, 'a slow answer past the deadline: 504');
sleep 0.5;
ok_after('a slow answer');

$r = answer('"\u0001garbage"');
is($r->{status}, 502, 'garbage: 502');
ok_after('garbage');

$r = get('/prod/misbehave?do=huge', timeout => 20);
is($r->{status}, 502, 'an answer over 6 MB: 502');
ok_after('too large');

$r = get('/prod/misbehave?do=big', timeout => 20);
is($r->{status}, 200, 'an answer of 5 MB: 200');
is(length($r->{body}), 5 * 1024 * 1024, 'an answer of 5 MB: all of it');

$r = get('/prod/nosuch');
is($r->{status}, 500, 'an unknown function (404 from the host): 500');
is($r->{body}, '{"message":"Internal server error"}',
   'unknown function: the body');
ok_after('an unknown function');

$r = get('/down/v1/echo/1');
is($r->{status}, 500, 'a host that is down: 500');
is($r->{headers}{'x-amzn-errortype'}, 'InternalServerErrorException',
   'host down: x-amzn-ErrorType');
ok_after('a host that is down');

# concurrency: the host's 429 is the client's 500

sub parallel {
    my ($n, $uri) = @_;

    my @kids;

    for my $i (1 .. $n) {
        my $pid = fork // die "fork: $!";

        if ($pid == 0) {
            my $r = $t->http('GET', $uri, timeout => 20);
            $t->write_file("par-$i", $r->{status});
            POSIX::_exit(0);
        }

        push @kids, $pid;
    }

    waitpid($_, 0) for @kids;

    return sort map { $t->read_file("par-$_") } 1 .. $n;
}

my @st = parallel(3, '/prod/narrow?do=sleep&ms=700');
is(scalar(grep { $_ == 200 } @st), 1, 'concurrency 1: one of three runs');
is(scalar(grep { $_ == 500 } @st), 2,
   'concurrency 1: the host\'s 429 is a 500 for the others');

###############################################################################
# several hosts in an upstream{}

my %seen;
for (1 .. 6) {
    $r = get('/hosts/v1/echo/1');
    $seen{$r->{status}}++;
}
is($seen{200}, 6, 'upstream of hosts: every request answered');

###############################################################################
# variables and metrics

my @log = split /\n/, $t->read_file('fn.log');
my ($line) = grep { m{^/prod/v1/echo/42 } } @log;
like($line // '', qr/ 200 int=200 lat=\d+ url=http:\/\/unix:\S+fn\.sock:\/2015-03-31\/functions\/event\/invocations$/,
     'log: $apigw_integration_status, _latency, _url');
($line) = grep { m{^/prod/deadline } } @log;
like($line // '', qr/ 504 int=- lat=\d+/, 'log: the deadline');
($line) = grep { m{^/prod/nosuch } } @log;
like($line // '', qr/ 500 int=404 /, 'log: the Invoke API\'s 404');

# the metrics: every call above by its outcome, in its route's series
my ($m, $page) = scrape($t);

sub invoked {
    my ($stage, $method, $resource, $outcome) = @_;
    return count($m, 'apigw_function_invocations_total', stage => $stage,
                 method => $method, resource => $resource,
                 outcome => $outcome);
}

# POST /answer: the binary answers (200, 200, bad base64), the rules'
# table (5 answered, 5 not proxy responses), five answers after it, a
# header with CR LF, garbage; and "not JSON", which the answer function
# refuses to echo: its own error
is(invoked('prod', 'POST', '/answer', 'ok'), 12,
   'metrics: the answers made responses, ok: 12');
is(invoked('prod', 'POST', '/answer', 'malformed'), 8,
   'metrics: the answers that are not proxy responses, malformed: 8');
is(invoked('prod', 'POST', '/answer', 'function_error'), 1,
   'metrics: the function\'s error, function_error: 1');
is(count($m, 'apigw_requests_total', stage => 'prod', resource => '/answer',
         code => 502), 8, '... 8 of them 502');
is(count($m, 'apigw_requests_total', stage => 'prod', resource => '/answer',
         code => 500), 1, '... and a 500, the body not base64');
is(invoked('prod', 'POST', '/answer2', 'ok'), 3, 'metrics: 2.0, ok: 3');
# GET /misbehave: a crash, an exit, an error, a hang past its own timeout,
# an answer over 6 MB (the host's Function.ResponseSizeTooLarge); the 10
# requests after each failure, the 5 MB one
is(invoked('prod', 'GET', '/misbehave', 'function_error'), 5,
   'metrics: function errors counted');
is(invoked('prod', 'GET', '/misbehave', 'ok'), 11,
   'metrics: the ones that succeeded, ok');
is(invoked('prod', 'GET', '/deadline', 'timeout'), 2,
   'metrics: deadlines counted');
is(invoked('prod', 'GET', '/narrow', 'refused'), 2,
   'metrics: the Invoke API\'s refusals counted');
is(invoked('prod', 'GET', '/nosuch', 'refused'), 1,
   'metrics: an unknown function (the host\'s 404), refused');
is(invoked('down', 'GET', '/v1/echo/{id}', 'unreachable'), 1,
   'metrics: a host down counted');
cmp_ok(count($m, 'apigw_integration_duration_seconds_count',
             stage => 'prod', resource => '/v1/echo/{id}'), '>', 0,
       'metrics: the integration histogram counts functions');

# function authorizers count as other authorizers do
my %secure = (stage => 'prod', method => 'GET', resource => '/secure');
is(count($m, 'apigw_auth_failures_total', %secure,
         reason => 'authorizer_denied'), 1,
   'metrics: a function authorizer\'s deny, authorizer_denied');
is(count($m, 'apigw_auth_failures_total', %secure,
         reason => 'authorizer_unauthorized'), 2,
   'metrics: its Unauthorized and no token, authorizer_unauthorized');
is(count($m, 'apigw_auth_failures_total', %secure,
         reason => 'authorizer_error'), 1,
   'metrics: its other error, authorizer_error');

my ($lint_ok, $lint) = promtool($t, $page);
ok($lint_ok, 'promtool: the page with functions passes') or diag($lint);

###############################################################################
# a reload under load loses nothing

my @kids;
for my $k (1 .. 3) {
    my $pid = fork // die "fork: $!";

    if ($pid == 0) {
        my $bad = 0;

        for (1 .. 40) {
            my $r = $t->http('GET', '/prod/misbehave?do=sleep&ms=20');
            $bad++ unless $r->{status} == 200;
        }

        POSIX::_exit($bad ? 1 : 0);
    }

    push @kids, $pid;
}

sleep 0.3;
ok($t->reload, 'reload under load');
is(scalar(grep { waitpid($_, 0) == $_ && $? == 0 } @kids), 3,
   'reload: 120 requests during it, all 200');

###############################################################################
# nginx -t: a function needs apigw_functions

(my $none = $conf) =~ s/^\s*apigw_functions http:\/\/unix:\S+\n//m;
my $f = Apigw::Test->new;
$f->write_file('api.yaml', <<'YAML');
openapi: 3.0.3
info: {title: functions, version: "1"}
paths:
  /v1/echo/{id}:
    get:
      x-apigw-integration: {type: function, function: event}
YAML
$f->write_file('aws.json', $t->read_file('aws.json'));
$f->write_file('keys.yaml', $t->read_file('keys.yaml'));
$f->write_conf($none);
my ($rc, $out) = $f->nginx_test;
isnt($rc, 0, 'nginx -t: a function without apigw_functions fails');
like($out, qr/apigw "fn": GET \/v1\/echo\/\{id\} is a function and this location has no apigw_functions/,
     'nginx -t: and says which');

$f->check_log;
$h->check_log;
$t->check_log;

done_testing();
