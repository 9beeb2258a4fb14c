#!/usr/bin/perl

# The integration's response: integration responses chosen by a status
# pattern (status, responseParameters, responseTemplates), and response
# validation against the declared responses (report and enforce).

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
    my ($status) = $req->{path} =~ m{/status/(\d+)};
    return ($status, ['Content-Type' => 'application/json', 'X-Up' => 'u1'],
            '{"error":"nope","detail":{"code":7}}') if $status;
    return (200, ['Content-Type' => 'application/json', 'X-Up' => 'u1'],
            '{"id":5,"name":"Rex"}') if $req->{path} =~ m{/good};
    return (200, ['Content-Type' => 'application/json'],
            '{"id":"five"}') if $req->{path} =~ m{/bad};
    return (200, ['Content-Type' => 'text/plain'], 'plain')
        if $req->{path} =~ m{/plain};
    return (200, ['Content-Type' => 'application/json'],
            '{"big":"' . ('x' x 3000) . '"}') if $req->{path} =~ m{/big};
    return (200, ['Content-Type' => 'application/json'], '{"ok":true}');
});

$t->write_file('api.yaml', $t->expand(<<'YAML'));
openapi: 3.0.3
info: {title: responses, version: "1"}
components:
  schemas:
    Pet:
      type: object
      required: [id]
      properties:
        id: {type: integer}
        name: {type: string}
paths:
  /mapped/{code}:
    get:
      x-amazon-apigateway-integration:
        type: http
        httpMethod: GET
        uri: "http://127.0.0.1:%%PORT_2%%/status/{code}"
        responses:
          "4\\d{2}":
            statusCode: "400"
            responseParameters:
              method.response.header.X-Kind: "'client'"
              method.response.header.X-Code: integration.response.body.detail.code
              method.response.header.X-Upstream: integration.response.header.X-Up
            responseTemplates:
              application/json: '{"failed": $input.json(''$.error''), "stage": "$context.stage"}'
          "5\\d{2}":
            statusCode: "502"
          default:
            statusCode: "200"
  /headers-only:
    get:
      x-apigw-integration:
        type: http
        uri: "http://127.0.0.1:%%PORT_2%%/good"
        responses:
          default:
            statusCode: "201"
            responseParameters:
              method.response.header.X-Stage: stageVariables.color
              method.response.header.X-Req: context.requestId
  /good:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
  /bad:
    get:
      responses:
        "2XX":
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
  /plain:
    get:
      responses:
        default:
          description: any
          content:
            application/json:
              schema: {type: object}
  /big:
    get:
      x-apigw-integration:
        type: http
        uri: "http://127.0.0.1:%%PORT_2%%/big"
        responses:
          default:
            responseTemplates:
              application/json: '$input.body'
YAML

$t->write_conf(<<'CONF');
    apigw_api api %%PREFIX%%/api.yaml;

    log_format v '$uri $apigw_response_validation';

    server {
        listen 127.0.0.1:%%PORT%%;

        location /prod/ {
            apigw api stage=prod;
            apigw_stage_variable color green;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
            access_log %%PREFIX%%/validation.log v;
        }

        location /report/ {
            apigw api stage=report;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
            apigw_response_validation report;
            access_log %%PREFIX%%/validation.log v;
        }

        location /enforce/ {
            apigw api stage=enforce;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
            apigw_response_validation enforce;
            apigw_body_limit 1k;
            access_log %%PREFIX%%/validation.log v;
        }
    }
CONF

$t->run;

my $r = $t->http_json('GET', '/prod/mapped/404');
is($r->{status}, 400, 'pattern 4\d{2} maps 404 to 400');
is_deeply($r->{json}, {failed => 'nope', stage => 'prod'},
          'response template over the backend body');
is($r->{headers}{'x-kind'}, 'client', 'static response header');
is($r->{headers}{'x-code'}, '7', 'header from the body');
is($r->{headers}{'x-upstream'}, 'u1', 'header from a backend header');
is($r->{headers}{'content-length'}, length $r->{body}, 'length of the new body');
ok($r->{headers}{'x-amzn-requestid'}, 'request id kept');

$r = $t->http('HEAD', '/prod/mapped/404');
is($r->{status}, 400, 'HEAD: status mapped, nothing held');
is($r->{headers}{'x-kind'}, 'client', 'HEAD: static header');
is($r->{body}, '', 'HEAD: no body');

$r = $t->http('GET', '/prod/mapped/503');
is($r->{status}, 502, '5\d{2} to 502');
is($r->{body}, '{"error":"nope","detail":{"code":7}}', 'body as it was');

$r = $t->http('GET', '/prod/mapped/201');
is($r->{status}, 200, 'default for the rest');

$r = $t->http('GET', '/prod/headers-only');
is($r->{status}, 201, 'status without holding the body');
is($r->{headers}{'x-stage'}, 'green', 'stage variable header');
is($r->{headers}{'x-req'}, $r->{headers}{'x-amzn-requestid'},
   'context header');
is($r->{body}, '{"id":5,"name":"Rex"}', 'body streamed as is');

$r = $t->http('GET', '/report/good');
is($r->{status}, 200, 'report: valid response');
$r = $t->http('GET', '/report/bad');
is($r->{status}, 200, 'report: an invalid response still passes');
is($r->{body}, '{"id":"five"}', '... unchanged');
$r = $t->http('GET', '/report/plain');
is($r->{status}, 200, 'report: undeclared media type passes');

$r = $t->http_json('GET', '/enforce/bad');
is($r->{status}, 502, 'enforce: invalid response is 502');
is($r->{json}{message}, 'Internal server error', 'INTEGRATION_FAILURE body');
unlike($r->{body}, qr/five/, 'nothing of the bad body');
$r = $t->http('GET', '/enforce/good');
is($r->{status}, 200, 'enforce: valid response passes');
is($r->{body}, '{"id":5,"name":"Rex"}', 'whole');

$r = $t->http('GET', '/enforce/big');
is($r->{status}, 502, 'a held response over apigw_body_limit is 502');

$r = $t->http('GET', '/prod/big');
is($r->{status}, 200, 'large response through a template');
is(length $r->{body}, 3010, 'all of it');

$r = $t->http('GET', '/prod/good');
is($r->{status}, 200, 'validation off: no check');

$t->stop;

my $log = $t->read_file("validation.log");
like($log, qr{^/report/good valid$}m, '$apigw_response_validation valid');
like($log, qr{^/report/bad invalid$}m, '... invalid');
like($log, qr{^/report/plain unchecked$}m, '... unchecked');
like($log, qr{^/prod/good -$}m, '... empty when off');
my $warn = 'GET /bad: response 200 does not match its schema: '
         . 'type "/id": must be integer';
like($t->error_log, qr/\[warn\].*\Q$warn\E/, 'report logs the violations');

$t->check_log;

done_testing;
