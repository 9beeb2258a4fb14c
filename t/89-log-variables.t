#!/usr/bin/perl

# AWS's $context variables for access logs, as $apigw_* variables, in the
# JSON access-log format docs/operations.md gives: each field after known
# requests (a backend's answer, a mock, a gateway refusal, a backend that
# fails).

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use Time::HiRes qw(time);
use JSON::PP;
use Apigw::Test;

plan(skip_all => 'module not built') unless Apigw::Test::have_module();

my $t = Apigw::Test->new;
my $be = $t->backend(port => $t->port(2), handler => sub {
    my ($req) = @_;
    return (503, ['Content-Type' => 'application/json'], '{"down":1}')
        if $req->{path} =~ /down/;
    return (200, ['Content-Type' => 'application/json'], '{"id":1,"name":"rex"}');
});

$t->write_file('api.yaml', <<'YAML');
openapi: 3.0.3
info: {title: logs, version: "1"}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: x-api-key}
paths:
  /pets/{petId}:
    get:
      operationId: getPet
      parameters: [{name: petId, in: path, required: true, schema: {type: integer}}]
  /down:
    get: {}
  /mock:
    get:
      x-apigw-integration: {type: mock, status: 202, body: '{"queued":true}'}
  /keyed:
    get: {security: [{key: []}]}
YAML

my $alice = 'alice-key-0123456789abcdef';
$t->write_file('keys.yaml', <<"YAML");
plans:
  - {id: gold, stages: [{stage: logs/prod}]}
keys:
  - {id: k-alice, value: "$alice", plan: gold}
YAML

# the format of docs/operations.md, "AWS's access log fields"
$t->write_conf(<<'CONF');
    apigw_api logs %%PREFIX%%/api.yaml;
    apigw_keys %%PREFIX%%/keys.yaml;

    log_format apigw_json escape=json '{"requestId":"$apigw_request_id",'
        '"extendedRequestId":"$apigw_extended_request_id",'
        '"ip":"$apigw_source_ip","requestTime":"$apigw_request_time",'
        '"requestTimeEpoch":"$apigw_request_time_epoch",'
        '"httpMethod":"$request_method",'
        '"resourcePath":"$apigw_resource_path","status":"$apigw_status",'
        '"protocol":"$server_protocol",'
        '"responseLength":"$apigw_response_length",'
        '"responseLatency":"$apigw_response_latency",'
        '"integrationLatency":"$apigw_integration_latency",'
        '"integrationStatus":"$apigw_integration_status",'
        '"apiKeyId":"$apigw_api_key_id","principalId":"$apigw_principal",'
        '"errorMessage":"$apigw_error_message",'
        '"errorResponseType":"$apigw_error_response_type",'
        '"stage":"$apigw_stage","routeKey":"$apigw_route"}';

    server {
        listen 127.0.0.1:%%PORT%%;
        access_log %%PREFIX%%/json.log apigw_json;

        location /prod/ {
            apigw logs stage=prod;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
        }
    }
CONF

$t->run;

my $t0 = time;
my @r = (
    $t->http('GET', '/prod/pets/7'),
    $t->http('GET', '/prod/mock'),
    $t->http('GET', '/prod/keyed'),
    $t->http('GET', '/prod/keyed', headers => ['x-api-key' => $alice]),
    $t->http('GET', '/prod/down'),
    $t->http('GET', '/prod/nowhere'),
);
my $t1 = time;

# nginx writes the access log as each request ends
my @log;
for (1 .. 50) {
    @log = map { decode_json($_) } grep { /\S/ } split /\n/,
           $t->read_file('json.log');
    last if @log >= @r;
    select(undef, undef, undef, 0.1);
}
is(scalar @log, scalar @r, 'a JSON line per request, each valid JSON');

my ($pet, $mock, $refused, $keyed, $down, $nowhere) = @log;

is($pet->{requestId}, $r[0]{headers}{'x-amzn-requestid'},
   'requestId: the x-amzn-RequestId the client got');
like($pet->{extendedRequestId}, qr/^\d+-\d+-\d+$/,
     'extendedRequestId: worker, connection, request');
is($pet->{ip}, '127.0.0.1', 'ip: identity.sourceIp');
like($pet->{requestTime}, qr{^\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000$},
     'requestTime: CLF, as AWS');
my $epoch = $pet->{requestTimeEpoch} / 1000;
ok($epoch >= $t0 - 1 && $epoch <= $t1 + 1, 'requestTimeEpoch: milliseconds');
like($pet->{requestTimeEpoch}, qr/^\d{13}$/, 'of thirteen digits');
is($pet->{resourcePath}, '/pets/{petId}', 'resourcePath: the template');
is($pet->{routeKey}, 'GET /pets/{petId}', 'the route');
is($pet->{status}, '200', 'status');
is($pet->{responseLength}, length $r[0]{body}, 'responseLength: the body');
like($pet->{responseLatency}, qr/^\d+$/, 'responseLatency: milliseconds');
cmp_ok($pet->{responseLatency}, '>=', $pet->{integrationLatency},
       'at least the integration latency');
is($pet->{integrationStatus}, '200', 'integration.status');
is($pet->{errorResponseType}, '', 'no error: no error type');

is($mock->{status}, '202', 'a mock: its status');
is($mock->{integrationStatus}, '202', 'a mock: integration.status');
is($mock->{integrationLatency}, '0', 'a mock: integrationLatency 0');

is($refused->{status}, '403', 'no key: 403');
is($refused->{errorResponseType}, 'INVALID_API_KEY', 'error.responseType');
is($refused->{errorMessage}, 'Forbidden', 'error.message');
is($refused->{integrationStatus}, '', 'no integration: no status');
is($refused->{apiKeyId}, '', 'no key id');

is($keyed->{apiKeyId}, 'k-alice', 'identity.apiKeyId: the key id');

is($down->{status}, '503', 'a failing backend: its status');
is($down->{integrationStatus}, '503', 'integration.status: the backend\'s');

is($nowhere->{status}, '403', 'no route: 403');
is($nowhere->{errorResponseType}, 'MISSING_AUTHENTICATION_TOKEN',
   'error.responseType of no route');
is($nowhere->{resourcePath}, '', 'no route: no resourcePath');

$t->check_log(allow => qr/\[info\]/);

done_testing();
