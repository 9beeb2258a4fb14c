#!/usr/bin/perl

# Gateway responses customised from the spec (x-apigw-gateway-responses and
# AWS's x-amazon-apigateway-gateway-responses), DEFAULT_4XX / DEFAULT_5XX
# fallbacks, and nginx's own errors (413) turned into gateway responses.

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use JSON::PP;
use Apigw::Test;

plan(skip_all => 'module not built') unless Apigw::Test::have_module();

my $t = Apigw::Test->new;
my $be = $t->backend(port => $t->port(2));

# nothing listens on port 3
my $dead = $t->port(3);

$t->write_file('ours.yaml', <<"YAML");
openapi: 3.0.3
info: {title: ours, version: "1"}
x-apigw-gateway-responses:
  MISSING_AUTHENTICATION_TOKEN:
    status: 404
    headers: {X-Why: no-route, Access-Control-Allow-Origin: "*"}
    body: '{"error":\$context.error.messageString,"id":"\$context.requestId","type":"\$context.error.responseType","stage":"\$context.stage","env":"\$stageVariables.env"}'
  DEFAULT_5XX:
    body: {fault: "\$context.error.message"}
paths:
  /down:
    get:
      x-apigw-integration: {type: http, uri: "http://127.0.0.1:$dead/"}
  /upload:
    post: {}
YAML

$t->write_file('aws.json', <<"JSON");
{
  "openapi": "3.0.1",
  "info": {"title": "aws", "version": "1"},
  "x-amazon-apigateway-gateway-responses": {
    "DEFAULT_4XX": {
      "statusCode": "418",
      "responseParameters": {
        "gatewayresponse.header.X-Aws": "'teapot'"
      },
      "responseTemplates": {
        "application/json": "{\\"msg\\":\$context.error.messageString}"
      }
    }
  },
  "paths": {
    "/down": {
      "get": {
        "x-amazon-apigateway-integration": {
          "type": "http_proxy", "httpMethod": "GET",
          "uri": "http://127.0.0.1:$dead/"
        }
      }
    }
  }
}
JSON

$t->write_conf(<<'CONF');
    apigw_api ours %%PREFIX%%/ours.yaml;
    apigw_api aws %%PREFIX%%/aws.json;

    server {
        listen 127.0.0.1:%%PORT%%;
        client_max_body_size 1k;

        location /ours/ {
            apigw ours stage=beta;
            apigw_stage_variable env blue;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
        }

        location /aws/ {
            apigw aws;
        }

        location /plain/ {
            apigw aws;
        }
    }
CONF

$t->run;

my $r = $t->http('GET', '/ours/nowhere');
my $json = eval { decode_json($r->{body}) } // {};
is($r->{status}, 404, 'custom status for MISSING_AUTHENTICATION_TOKEN');
is($r->{headers}{'x-why'}, 'no-route', 'custom header');
is($r->{headers}{'access-control-allow-origin'}, '*', 'CORS-style header');
is($r->{headers}{'x-amzn-errortype'}, 'MissingAuthenticationTokenException',
   'error type kept');
is($json->{error}, 'Missing Authentication Token',
   '$context.error.messageString');
is($json->{id}, $r->{headers}{'x-amzn-requestid'}, '$context.requestId');
is($json->{type}, 'MISSING_AUTHENTICATION_TOKEN',
   '$context.error.responseType');
is($json->{stage}, 'beta', '$context.stage');
is($json->{env}, 'blue', '$stageVariables.env');

$r = $t->http('GET', '/ours/down');
is($r->{status}, 502, 'DEFAULT_5XX keeps the 502 status');
is($r->{body}, '{"fault":"Internal server error"}',
   'DEFAULT_5XX body used for INTEGRATION_FAILURE');

# nginx's own 413, turned into REQUEST_TOO_LARGE
$r = $t->http('POST', '/ours/upload', body => 'x' x 4096);
is($r->{status}, 413, 'body over client_max_body_size: 413');
is($r->{body}, '{"message":"Request Too Long"}',
   'REQUEST_TOO_LARGE gateway response');
is($r->{headers}{'content-type'}, 'application/json', '413 is JSON');
is(scalar $be->requests, 0, '413: backend not called');

$r = $t->http('GET', '/aws/nowhere');
is($r->{status}, 418, 'AWS DEFAULT_4XX statusCode');
is($r->{headers}{'x-aws'}, 'teapot', 'AWS responseParameters header');
is($r->{body}, '{"msg":"Missing Authentication Token"}',
   'AWS responseTemplates body');

$r = $t->http('GET', '/aws/down');
is($r->{status}, 502, 'AWS spec: 5xx not touched by DEFAULT_4XX');
is($r->{body}, '{"message":"Internal server error"}', 'AWS default body');

$t->check_log;

done_testing;
