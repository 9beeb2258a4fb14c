#!/usr/bin/perl

# HTTP and mock integrations: URI templates with path parameters and stage
# variables, method override, what the backend receives (headers, body),
# apigw_backend through an upstream{} block, the AWS extension aliases, an
# HTTP/0.9 request.

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use JSON::PP;
use Apigw::Test;

plan(skip_all => 'module not built') unless Apigw::Test::have_module();

my $t = Apigw::Test->new;

my $be = $t->backend(port => $t->port(2), handler => sub {
    my ($req) = @_;
    return (502, ['Content-Type' => 'text/plain'], 'backend says 502')
        if $req->{path} =~ m{/own-error$};
    return (200, ['Content-Type' => 'application/json',
                  'X-Backend' => 'yes', 'Connection' => 'close'],
            '{"from":"backend"}');
});

$t->write_file('api.yaml', $t->expand(<<'YAML'));
openapi: 3.1.0
info: {title: integrations, version: "1"}
paths:
  /pets/{petId}:
    get:
      operationId: getPet
      x-apigw-integration:
        type: http
        uri: "http://${stageVariables.host}/v1/pets/{petId}?source=gw"
        timeout: 5000
  /pets/{petId}/owner:
    post:
      x-apigw-integration:
        type: http
        method: PUT
        uri: "http://127.0.0.1:%%PORT_2%%/owners/{petId}"
  /proxy/{proxy+}:
    get:
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: ANY
        uri: "http://127.0.0.1:%%PORT_2%%/raw/{proxy}"
        timeoutInMillis: 3000
  /by-name:
    get:
      x-apigw-integration:
        type: http
        uri: "http://localhost:%%PORT_2%%/named/host"
  /own-error:
    get: {}
  /echo:
    post: {}
  /mock:
    get:
      x-apigw-integration:
        type: mock
        status: 201
        headers: {X-Mock: "yes", Content-Type: "application/hal+json"}
        body: {hello: world}
  /aws-mock:
    get:
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates:
          application/json: '{"statusCode": 200}'
        responses:
          default:
            statusCode: "202"
            responseParameters:
              method.response.header.X-Aws: "'static'"
            responseTemplates:
              application/json: '{"aws":"mock"}'
YAML

$t->write_conf(<<'CONF');
    upstream pool {
        server 127.0.0.1:%%PORT_2%%;
        keepalive 4;
    }

    apigw_api api %%PREFIX%%/api.yaml;

    server {
        listen 127.0.0.1:%%PORT%%;

        location /named/ {
            apigw api;
            apigw_backend http://localhost:%%PORT_2%%/via-name;
        }

        location /prod/ {
            apigw api stage=prod;
            apigw_stage_variable host 127.0.0.1:%%PORT_2%%;
            apigw_backend http://pool/svc/;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
CONF

$t->run;

my $r = $t->http('GET', '/prod/pets/7?verbose=1');
my $req = $be->last_request;
is($r->{status}, 200, 'http integration: 200');
is($r->{body}, '{"from":"backend"}', 'backend body passed through');
is($r->{headers}{'x-backend'}, 'yes', 'backend header passed through');
is($req->{uri}, '/v1/pets/7?source=gw&verbose=1',
   'path parameter and stage variable in the uri, query appended');
is($req->{method}, 'GET', 'method kept');
is($req->{headers}{'x-amzn-requestid'}, $r->{headers}{'x-amzn-requestid'},
   'backend and client see the same request id');
is($req->{headers}{'x-forwarded-for'}, '127.0.0.1',
   'X-Forwarded-For set to the client address');

$be->clear;
$r = $t->http('POST', '/prod/pets/9/owner',
              headers => ['Content-Type' => 'application/json'],
              body => '{"owner":"ann"}');
$req = $be->last_request;
is($r->{status}, 200, 'method override: 200');
is($req->{method}, 'PUT', 'integration method replaces POST');
is($req->{uri}, '/owners/9', 'static uri with a path parameter');
is($req->{body}, '{"owner":"ann"}', 'request body forwarded');
is($req->{headers}{'content-type'}, 'application/json',
   'content type forwarded');

$be->clear;
$r = $t->http('GET', '/prod/proxy/a/b%20c/d');
is($be->last_request->{uri}, '/raw/a/b%20c/d',
   'AWS http_proxy alias: greedy {proxy} substituted raw');

# apigw_backend through an upstream{} block with keepalive
$be->clear;
$r = $t->http('POST', '/prod/echo?a=1', headers => [
    'X-Forwarded-For' => '10.1.1.1',
    'x-amzn-RequestId' => 'client-chosen',
    'Connection' => 'close, X-Hop',
    'X-Hop' => 'secret',
    'Proxy-Authorization' => 'Basic Zm9vOmJhcg==',
    'TE' => 'trailers',
    'Keep-Alive' => 'timeout=5',
    'X-Custom' => 'kept',
], body => 'plain body');
$req = $be->last_request;
is($r->{status}, 200, 'apigw_backend via upstream block: 200');
is($req->{uri}, '/svc/echo?a=1', 'base path, routed path and query');
is($req->{body}, 'plain body', 'body forwarded to apigw_backend');
is($req->{headers}{'x-forwarded-for'}, '10.1.1.1, 127.0.0.1',
   'X-Forwarded-For appended to');
isnt($req->{headers}{'x-amzn-requestid'}, 'client-chosen',
     'a client cannot choose the request id');
is($req->{headers}{'x-custom'}, 'kept', 'end-to-end header forwarded');
ok(!exists $req->{headers}{$_}, "hop-by-hop $_ not forwarded")
    for qw(x-hop proxy-authorization te keep-alive);

# host names are resolved at load time: no resolver needed
$be->clear;
$r = $t->http('GET', '/prod/by-name');
is($r->{status}, 200, 'host name in a static uri: 200 without a resolver');
is($be->last_request->{uri}, '/named/host', 'host name in a static uri');

$be->clear;
$r = $t->http('POST', '/named/echo', body => 'x');
is($r->{status}, 200, 'host name in apigw_backend: 200 without a resolver');
is($be->last_request->{uri}, '/via-name/echo', 'host name in apigw_backend');

# the backend's own errors are the backend's answer, not the gateway's
$r = $t->http('GET', '/prod/own-error');
is($r->{status}, 502, "backend's own 502 passed through");
is($r->{body}, 'backend says 502', "backend's body kept");
ok(!defined $r->{headers}{'x-amzn-errortype'}, 'no gateway error type');

$be->clear;
$r = $t->http('GET', '/prod/mock');
is($r->{status}, 201, 'mock: status');
is($r->{body}, '{"hello":"world"}', 'mock: JSON body');
is($r->{headers}{'x-mock'}, 'yes', 'mock: header');
is($r->{headers}{'content-type'}, 'application/hal+json',
   'mock: content type');
is(scalar $be->requests, 0, 'mock: no backend call');

$r = $t->http('GET', '/prod/aws-mock');
is($r->{status}, 202, 'AWS mock: status from responses.default');
is($r->{body}, '{"aws":"mock"}', 'AWS mock: response template');
is($r->{headers}{'x-aws'}, 'static', 'AWS mock: static response parameter');

$r = $t->http('HEAD', '/prod/mock');
is($r->{status}, 201, 'mock answers HEAD for GET');
is($r->{body}, '', 'HEAD: no body');

# an HTTP/0.9 request has no header list of its own: the integration's is
# made for it (the sweep's finding: the worker crashed on pushing to it)
my @workers = $t->worker_pids;
$be->clear;
$r = $t->http(undef, undef, raw => "GET /prod/pets/5?via=0.9\r\n");
is($r->{raw}, '{"from":"backend"}', 'HTTP/0.9: the backend\'s body alone');
$req = $be->last_request;
is($req->{uri}, '/v1/pets/5?source=gw&via=0.9', 'HTTP/0.9: the backend called');
is($req->{headers}{'x-forwarded-for'}, '127.0.0.1',
   'HTTP/0.9: X-Forwarded-For set');
$r = $t->http('GET', '/prod/mock');
is($r->{status}, 201, 'HTTP/0.9: the gateway still answers');
is_deeply([ $t->worker_pids ], \@workers, 'HTTP/0.9: the same worker');

$t->check_log;

done_testing;
