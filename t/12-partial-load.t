#!/usr/bin/perl

# One operation's problem does not sink the API, as AWS import has it: an
# unsupported integration type (AWS's "aws"), a bad media-type key, a bad
# timeout, an operation that is not an object, a path that cannot be
# routed, a taken operationId.  nginx -t warns about each, naming the file
# and the JSON pointer; the rest of the API serves; the operation that did
# not load answers API_CONFIGURATION_ERROR, after its security and
# throttling as any other; one left out for its path finds no route.
# apigw_strict on makes each an error.  Whole-document problems still fail.

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use Apigw::Test;

plan(skip_all => 'module not built') unless Apigw::Test::have_module();

my $t = Apigw::Test->new;
my $be = $t->backend(port => $t->port(2));

my $spec = <<'YAML';
openapi: 3.0.3
info: {title: partial, version: "1"}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: x-api-key}
paths:
  /good:
    get:
      operationId: getGood
  /aws:
    post:
      x-amazon-apigateway-integration:
        type: aws
        httpMethod: POST
        uri: "arn:aws:apigateway:us-east-1:sqs:path/123/queue"
  /media:
    post:
      requestBody:
        content:
          "": {schema: {type: object}}
  /slow:
    get:
      x-apigw-integration: {type: http, uri: "http://127.0.0.1:1/", timeout: 99999}
  /keyed:
    get:
      security: [{key: []}]
      x-apigw-integration: {type: websocket}
  /scalar:
    get: 42
  /twice:
    get:
      operationId: getGood
  /open/{id:
    get: {}
  /elsewhere:
    get:
      x-apigw-integration: {type: http, uri: "http://no-such-host.invalid/x"}
  notaslash:
    get: {}
YAML

$t->write_file('api.yaml', $spec);
$t->write_file('keys.yaml', <<'YAML');
plans:
  - id: basic
    stages: [{stage: partial/prod}]
keys:
  - {id: k1, value: "key-for-the-partial-test-0001", plan: basic}
YAML

$t->write_conf(<<'CONF');
    apigw_api partial %%PREFIX%%/api.yaml;
    apigw_keys %%PREFIX%%/keys.yaml;

    server {
        listen 127.0.0.1:%%PORT%%;

        location /prod/ {
            apigw partial stage=prod;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
        }
    }
CONF

my ($rc, $out) = $t->nginx_test;
is($rc, 0, 'nginx -t goes on past problems confined to operations')
    or diag($out);

my $file = quotemeta($t->prefix . '/api.yaml');

for (['/paths/~1aws/post/x-amazon-apigateway-integration/type',
      'integration type "aws" is not supported'],
     ['/paths/~1media/post/requestBody/content/',
      'a media type must look like'],
     ['/paths/~1slow/get/x-apigw-integration/timeout',
      'timeout must be from 50 to 29000 ms'],
     ['/paths/~1keyed/get/x-apigw-integration/type',
      'integration type "websocket" is not supported'],
     ['/paths/~1scalar/get', 'an operation must be an object'],
     ['/paths/~1twice/get', 'operationId "getGood" is already used by'],
     ['/paths/~1open~1{id/get', 'unclosed'],
     ['/paths/notaslash', 'a path must start with "/"'])
{
    my ($pointer, $what) = @$_;
    like($out, qr/\[warn\] .*apigw_api "partial": "$file" at \Q$pointer\E.*\Q$what\E/,
         "warned: $pointer");
}

like($out, qr/\[warn\] .*GET \/elsewhere: the host of "http:\/\/no-such-host\.invalid" is not found now: it is looked up for each request, which needs a "resolver"/,
     'a host the DNS does not know now: a warning, not a failure');

$t->run;

my $r = $t->http('GET', '/prod/good');
is($r->{status}, 200, 'the rest of the API serves');

$r = $t->http_json('POST', '/prod/aws', body => '{}');
is($r->{status}, 500, 'an operation that did not load: 500');
is($r->{json}{message}, 'Internal server error',
   'an operation that did not load: AWS\'s message');
is($r->{headers}{'x-amzn-errortype'}, 'InternalServerErrorException',
   'an operation that did not load: its error type');
like((($t->log_lines(qr/did not load/))[-1]) // '',
     qr/\[error\].*POST \/aws did not load: integration type "aws"/,
     'the error log says which and why');

$r = $t->http('POST', '/prod/media', body => '{}',
              headers => ['Content-Type' => 'application/json']);
is($r->{status}, 500, 'a bad media-type key: the operation answers 500');

$r = $t->http('GET', '/prod/keyed');
is($r->{status}, 403, 'an operation that did not load still asks for its key');
$r = $t->http('GET', '/prod/keyed',
              headers => ['x-api-key' => 'key-for-the-partial-test-0001']);
is($r->{status}, 500, 'and, with it, answers 500');

is($t->http('GET', '/prod/twice')->{status}, 200,
   'a taken operationId: the operation serves');
is($t->http('GET', '/prod/open/{id')->{status}, 403,
   'a path that cannot be routed: no route');
is($t->http('GET', '/prod/scalar')->{status}, 403,
   'an operation that is not an object: no route');

$r = $t->http_json('GET', '/prod/elsewhere');
is($r->{status}, 502, 'that host, with no resolver: 502 for its requests');
is($r->{headers}{'x-amzn-errortype'}, 'InternalServerErrorException',
   'as a gateway response');

$be->clear;
$t->http('POST', '/prod/aws', body => '{}');
is(scalar $be->requests, 0, 'nothing reached the backend for them');

$t->check_log;

# apigw_strict on: the same problems fail the load

my $s = Apigw::Test->new;
$s->write_file('api.yaml', $spec);
$s->write_conf(<<'CONF');
    apigw_api partial %%PREFIX%%/api.yaml;
    apigw_strict on;
CONF
($rc, $out) = $s->nginx_test;
isnt($rc, 0, 'apigw_strict on: nginx -t fails');
like($out, qr/\[emerg\] .*integration type "aws" is not supported/,
     'apigw_strict on: each problem is an emerg');
like($out, qr/apigw_strict is on: 8 problems confined to an operation or a keyword fail the load/,
     'apigw_strict on: and the count');

# whole-document problems fail whatever apigw_strict says

for (['not YAML or JSON', "openapi: [3.0.3\n"],
     ['Swagger 2.0', "swagger: '2.0'\ninfo: {title: x, version: '1'}\npaths: {}\n"],
     ['a dangling $ref', "openapi: 3.0.3\ninfo: {title: x, version: '1'}\n"
      . "paths:\n  /a:\n    get:\n      parameters:\n"
      . "        - \$ref: '#/components/parameters/Nope'\n"])
{
    my ($name, $text) = @$_;
    my $d = Apigw::Test->new;
    $d->write_file('api.yaml', $text);
    $d->write_conf("    apigw_api doc %%PREFIX%%/api.yaml;\n");
    ($rc, $out) = $d->nginx_test;
    isnt($rc, 0, "$name: nginx -t fails");
    like($out, qr/\[emerg\] .*apigw_api "doc"/, "$name: an emerg says so");
}

done_testing;
