#!/usr/bin/perl

# CORS from x-amazon-apigateway-cors and x-apigw-cors, as AWS's HTTP APIs
# do it: a preflight answered by the gateway before keys, authorizers,
# throttling and validation, with or without an OPTIONS operation, never
# reaching the backend; an unknown path still 403; a disallowed origin,
# method or header a bare 204; "*" without credentials, echoed origins
# with them; the actual request's headers on the backend's responses
# (whose own Access-Control-* are replaced) and on the gateway's errors
# (403, 401, 429, 400, 502); Vary: Origin.  An API without CORS behaves
# as before, its OPTIONS mock included.  "*" with credentials fails
# nginx -t with the pointer.

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use Apigw::Test;

plan(skip_all => 'module not built') unless Apigw::Test::have_module();

my $t = Apigw::Test->new;

my $be = $t->backend(port => $t->port(2), handler => sub {
    my ($req) = @_;

    my @h = ('Content-Type' => 'application/json', 'X-Total' => '3');

    if ($req->{path} eq '/acao') {
        push @h, 'Access-Control-Allow-Origin' => 'https://evil.example',
                 'Access-Control-Allow-Methods' => 'DELETE',
                 'Vary' => 'Accept-Encoding';
    }

    return (200, \@h, '{"ok":true}');
});

my $app = 'https://app.example.com';

$t->write_file('api.yaml', $t->expand(<<'YAML'));
openapi: 3.0.3
info: {title: cors, version: "1"}
x-amazon-apigateway-cors:
  allowOrigins: ["https://App.Example.com", "http://localhost:3000"]
  allowMethods: [GET, POST, PUT]
  allowHeaders: [content-type, authorization, x-api-key]
  exposeHeaders: [x-total, x-amzn-RequestId]
  maxAge: 600
  allowCredentials: true
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: x-api-key}
    user: {type: http, scheme: bearer}
paths:
  /items:
    get: {}
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [name]}
  /items/{id}:
    put: {}
    options:
      x-apigw-integration: {type: mock, status: 200, body: {mock: true}}
  /keyed:
    get: {security: [{key: []}]}
  /bearer:
    get: {security: [{user: []}]}
  /limited:
    get:
      x-apigw-throttle: {rate: 0.001, burst: 1}
  /acao:
    get: {}
  /down:
    get:
      x-apigw-integration:
        type: http
        uri: "http://127.0.0.1:%%PORT_4%%/down"
YAML

$t->write_file('star.yaml', <<'YAML');
openapi: 3.0.3
info: {title: star, version: "1"}
x-apigw-cors:
  allowOrigins: ["*"]
  allowMethods: ["*"]
  allowHeaders: ["*"]
  exposeHeaders: ["*"]
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: x-api-key}
paths:
  /items:
    get: {}
  /keyed:
    get: {security: [{key: []}]}
YAML

$t->write_file('plain.yaml', <<'YAML');
openapi: 3.0.3
info: {title: plain, version: "1"}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: x-api-key}
paths:
  /items:
    get: {}
    options:
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates:
          application/json: '{"statusCode": 200}'
        responses:
          default:
            statusCode: "200"
            responseParameters:
              method.response.header.Access-Control-Allow-Origin: "'*'"
              method.response.header.Access-Control-Allow-Methods: "'GET,OPTIONS'"
              method.response.header.Access-Control-Allow-Headers: "'Content-Type,X-Api-Key'"
  /keyed:
    get: {security: [{key: []}]}
YAML

$t->write_conf(<<'CONF');
    apigw_api cors %%PREFIX%%/api.yaml;
    apigw_api star %%PREFIX%%/star.yaml;
    apigw_api plain %%PREFIX%%/plain.yaml;

    server {
        listen 127.0.0.1:%%PORT%%;

        location /prod/ {
            apigw cors stage=prod;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
            apigw_security_delegate all;
        }

        location /star/ {
            apigw star stage=star;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
            apigw_security_delegate all;
        }

        location /plain/ {
            apigw plain stage=plain;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
            apigw_security_delegate all;
        }
    }
CONF

$t->run;

sub req {
    my ($method, $uri, @h) = @_;
    my %opts = (headers => \@h);

    if ($method eq 'POST') {
        my %h = @h;
        $opts{body} = delete $h{body} // '{}';
        $opts{headers} = [%h, 'Content-Type' => 'application/json'];
    }

    return $t->http_json($method, $uri, %opts);
}

sub preflight {
    my ($uri, $origin, $method, $headers) = @_;
    return req('OPTIONS', $uri, Origin => $origin,
               'Access-Control-Request-Method' => $method,
               defined $headers
               ? ('Access-Control-Request-Headers' => $headers) : ());
}

sub no_cors {
    my ($r, $name) = @_;
    my @ac = grep { $_->[0] =~ /^access-control-/i } @{$r->{header_list}};
    is(scalar @ac, 0, "$name: no Access-Control-* header")
        or diag(explain(\@ac));
}

# the actual request's headers, for the origin given
sub actual {
    my ($r, $origin, $name) = @_;
    is($r->{headers}{'access-control-allow-origin'}, $origin,
       "$name: Access-Control-Allow-Origin");
    is($r->{headers}{'access-control-allow-credentials'}, 'true',
       "$name: Access-Control-Allow-Credentials");
    is($r->{headers}{'access-control-expose-headers'},
       'x-total,x-amzn-RequestId', "$name: Access-Control-Expose-Headers");
    is($r->{headers}{vary}, 'Origin', "$name: Vary: Origin");
    ok(!exists $r->{headers}{'access-control-allow-methods'},
       "$name: no Allow-Methods outside a preflight");
}

# preflights

$be->clear;
my $r = preflight('/prod/items', $app, 'POST', 'Content-Type, X-Api-Key');
is($r->{status}, 204, 'preflight allowed: 204');
is($r->{headers}{'access-control-allow-origin'}, $app,
   'preflight: the origin itself, as sent');
is($r->{headers}{'access-control-allow-methods'}, 'GET,POST,PUT',
   'preflight: Allow-Methods');
is($r->{headers}{'access-control-allow-headers'},
   'content-type,authorization,x-api-key', 'preflight: Allow-Headers');
is($r->{headers}{'access-control-max-age'}, '600', 'preflight: Max-Age');
is($r->{headers}{'access-control-allow-credentials'}, 'true',
   'preflight: Allow-Credentials');
is($r->{headers}{vary}, 'Origin', 'preflight: Vary: Origin');
ok(!exists $r->{headers}{'access-control-expose-headers'},
   'preflight: no Expose-Headers');
like($r->{headers}{'x-amzn-requestid'} // '', qr/^[0-9a-f-]{36}$/,
     'preflight: x-amzn-RequestId');
is($r->{body}, '', 'preflight: no body');
is(scalar $be->requests, 0, 'preflight: the backend is not called');

$r = preflight('/prod/keyed', 'http://localhost:3000', 'GET', 'x-api-key');
is($r->{status}, 204, 'preflight before the API key check: 204');
is($r->{headers}{'access-control-allow-origin'}, 'http://localhost:3000',
   'and the origin');

$r = preflight('/prod/bearer', $app, 'GET', 'authorization');
is($r->{status}, 204, 'preflight before the bearer check: 204');

$r = preflight('/prod/limited', $app, 'GET');
is($r->{status}, 204, 'preflight: not throttled');
$r = preflight('/prod/limited', $app, 'GET');
is($r->{status}, 204, 'preflight again: still not throttled');
is($r->{headers}{'access-control-allow-origin'}, $app, 'and allowed');

$r = preflight('/prod/items', $app, 'POST', 'content-type');
is($r->{status}, 204, 'preflight of a POST with a body schema: 204, '
   . 'no validation');

$r = preflight('/prod/items/7', $app, 'PUT');
is($r->{status}, 204, 'preflight where the spec has an OPTIONS mock: 204');
is($r->{headers}{'access-control-allow-origin'}, $app,
   'answered by the gateway');
is($r->{body}, '', 'not by the mock');

$r = preflight('/prod/nowhere', $app, 'GET');
is($r->{status}, 403, 'preflight for an unknown path: 403');
is($r->{json}{message}, 'Missing Authentication Token', 'as without CORS');

$r = preflight('/prod/items', 'https://evil.example', 'GET');
is($r->{status}, 204, 'preflight from a disallowed origin: 204');
no_cors($r, 'disallowed origin');
is($r->{headers}{vary}, 'Origin', 'disallowed origin: Vary: Origin');

$r = preflight('/prod/items', 'https://app.example.com:8443', 'GET');
no_cors($r, 'another port is another origin');

$r = preflight('/prod/items', 'http://app.example.com', 'GET');
no_cors($r, 'another scheme is another origin');

$r = preflight('/prod/items', 'HTTPS://APP.EXAMPLE.COM', 'GET');
is($r->{headers}{'access-control-allow-origin'}, 'HTTPS://APP.EXAMPLE.COM',
   'the host in any case');

$r = preflight('/prod/items', $app, 'DELETE');
is($r->{status}, 204, 'preflight of a disallowed method: 204');
no_cors($r, 'disallowed method');

$r = preflight('/prod/items', $app, 'GET', 'content-type, x-secret');
is($r->{status}, 204, 'preflight with a disallowed header: 204');
no_cors($r, 'disallowed header');

$r = preflight('/prod/items', $app, 'GET', 'Authorization,CONTENT-TYPE');
is($r->{headers}{'access-control-allow-origin'}, $app,
   'requested headers in any case: allowed');

is(scalar $be->requests, 0, 'no preflight reached the backend');

# an OPTIONS that is no preflight: routed as before

$r = req('OPTIONS', '/prod/items/7', Origin => $app);
is($r->{status}, 200, 'OPTIONS without Access-Control-Request-Method: '
   . 'the mock');
is($r->{json}{mock}, JSON::PP::true(), 'its body');
actual($r, $app, 'OPTIONS without a request method');

$r = req('OPTIONS', '/prod/items', 'Access-Control-Request-Method' => 'GET');
is($r->{status}, 403, 'OPTIONS without Origin, no OPTIONS operation: 403');

# actual requests

$be->clear;
$r = req('GET', '/prod/items', Origin => $app);
is($r->{status}, 200, 'GET with an allowed origin: 200');
actual($r, $app, 'GET');
is(scalar $be->requests, 1, 'GET: the backend is called');

$r = req('POST', '/prod/items', Origin => $app, body => '{"name":"x"}');
is($r->{status}, 200, 'POST with an allowed origin: 200');
actual($r, $app, 'POST');

$r = req('GET', '/prod/items', Origin => 'https://evil.example');
is($r->{status}, 200, 'GET from a disallowed origin: 200');
no_cors($r, 'GET from a disallowed origin');
is($r->{headers}{vary}, 'Origin', 'Vary: Origin all the same');

$r = req('GET', '/prod/items');
no_cors($r, 'GET without Origin');

$r = req('GET', '/prod/acao', Origin => $app);
actual($r, $app, "the backend's own Access-Control-* replaced");
my @acao = grep { lc $_->[0] eq 'access-control-allow-origin' }
           @{$r->{header_list}};
is(scalar @acao, 1, 'one Access-Control-Allow-Origin');
like(join(',', map { $_->[1] } grep { lc $_->[0] eq 'vary' }
                                    @{$r->{header_list}}),
     qr/Accept-Encoding.*Origin|Origin.*Accept-Encoding/,
     "the backend's Vary kept, Origin added");

$r = req('GET', '/prod/acao', Origin => 'https://evil.example');
no_cors($r, "disallowed origin: the backend's Access-Control-* dropped");

# the gateway's own errors carry them

is(req('GET', '/prod/limited', Origin => $app)->{status}, 200,
   'the first within the burst');

for my $e (['GET', '/prod/keyed', 403, 'no API key'],
           ['GET', '/prod/bearer', 401, 'no bearer token'],
           ['GET', '/prod/limited', 429, 'throttled'],
           ['POST', '/prod/items', 400, 'an invalid body'],
           ['GET', '/prod/down', 502, 'the integration down'],
           ['GET', '/prod/nowhere', 403, 'no route'])
{
    my ($method, $uri, $status, $name) = @$e;

    $r = req($method, $uri, Origin => $app);
    is($r->{status}, $status, "$name: $status");
    actual($r, $app, "$name: $status");
}

# "*" without credentials

$r = preflight('/star/items', 'https://anyone.example', 'PATCH',
               'X-Custom, Authorization');
is($r->{status}, 204, '"*": preflight 204');
is($r->{headers}{'access-control-allow-origin'}, '*',
   '"*": Allow-Origin *');
is($r->{headers}{'access-control-allow-methods'}, 'PATCH',
   '"*" methods: the requested one echoed');
is($r->{headers}{'access-control-allow-headers'}, 'X-Custom, Authorization',
   '"*" headers: the requested ones echoed');
ok(!exists $r->{headers}{'access-control-allow-credentials'},
   '"*": no Allow-Credentials');
ok(!exists $r->{headers}{'access-control-max-age'}, 'no maxAge: none sent');

$r = req('GET', '/star/items', Origin => 'null');
is($r->{headers}{'access-control-allow-origin'}, '*', '"*": any origin');
is($r->{headers}{'access-control-expose-headers'}, '*', 'Expose-Headers *');

$r = req('GET', '/star/keyed', Origin => 'https://anyone.example');
is($r->{status}, 403, '"*": no API key, 403');
is($r->{headers}{'access-control-allow-origin'}, '*', 'with Allow-Origin');

# no CORS extension: as before

$be->clear;
$r = req('OPTIONS', '/plain/items', Origin => $app,
         'Access-Control-Request-Method' => 'GET');
is($r->{status}, 200, 'no CORS: the spec\'s OPTIONS mock answers');
is($r->{headers}{'access-control-allow-origin'}, '*',
   'with its own Allow-Origin');
is($r->{headers}{'access-control-allow-methods'}, 'GET,OPTIONS',
   'and Allow-Methods');
ok(!exists $r->{headers}{vary}, 'no Vary added');

$r = req('OPTIONS', '/plain/keyed', Origin => $app,
         'Access-Control-Request-Method' => 'GET');
is($r->{status}, 403, 'no CORS, no OPTIONS operation: 403');
no_cors($r, 'no CORS, a preflight');

$r = req('GET', '/plain/items', Origin => $app);
is($r->{status}, 200, 'no CORS: GET 200');
no_cors($r, 'no CORS, GET');
ok(!exists $r->{headers}{vary}, 'no CORS: no Vary');

is(scalar(grep { $_->{method} eq 'OPTIONS' } $be->requests), 0,
   'no OPTIONS reached the backend');

$t->stop;
$t->check_log;

# "*" with credentials fails nginx -t, naming the pointer

my $n = Apigw::Test->new;

$n->write_file('bad.yaml', <<'YAML');
openapi: 3.0.3
info: {title: bad, version: "1"}
x-amazon-apigateway-cors:
  allowOrigins: ["*"]
  allowCredentials: true
paths:
  /items:
    get: {}
YAML

$n->write_conf("    apigw_api bad %%PREFIX%%/bad.yaml;\n");
my ($rc, $out) = $n->nginx_test;
isnt($rc, 0, '"*" with credentials: nginx -t fails');
like($out, qr{bad\.yaml.*/x-amazon-apigateway-cors/allowOrigins}s,
     'naming the file and the pointer');
like($out, qr/"\*" cannot be used with allowCredentials/, 'and why');

$n->write_file('bad.yaml', <<'YAML');
openapi: 3.0.3
info: {title: bad, version: "1"}
x-apigw-cors:
  allowOrigins: ["https://app.example.com/path"]
paths: {}
YAML

($rc, $out) = $n->nginx_test;
isnt($rc, 0, 'an origin with a path: nginx -t fails');
like($out, qr{/x-apigw-cors/allowOrigins/0}, 'at the item');

$n->check_log;

done_testing();
