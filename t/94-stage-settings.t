#!/usr/bin/perl

# Per-stage settings: one spec, a staging and a prod stage that differ by
# their locations alone: validation details, the error log's level (AWS's
# loggingLevel), throttling, stage variables, access logs and metrics.

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
    return (200, ['Content-Type' => 'application/json'],
            encode_json({ photos => $req->{headers}{'x-photos'} // '' }));
});

$t->write_file('api.yaml', <<'YAML');
openapi: 3.0.3
info: {title: pets, version: "1"}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: x-api-key}
paths:
  /pets:
    get:
      x-apigw-integration:
        type: http
        uri: "http://${stageVariables.backend}/pets"
        requestParameters:
          integration.request.header.X-Photos: stageVariables.photos
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties: {name: {type: string}}
      x-apigw-integration: {type: mock, status: 201}
  /keyed:
    get:
      security: [{key: []}]
      x-apigw-integration: {type: mock, status: 200}
YAML

$t->write_file('keys.yaml', <<'YAML');
plans:
  - {id: gold, stages: [{stage: pets/prod}, {stage: pets/staging}]}
keys: []
YAML

$t->write_conf(<<'CONF');
    apigw_api pets %%PREFIX%%/api.yaml;
    apigw_keys %%PREFIX%%/keys.yaml;
    apigw_stage_variable backend 127.0.0.1:%%PORT_2%%;

    log_format stage '$apigw_stage $status $uri';

    server {
        listen 127.0.0.1:%%PORT%%;

        location /staging/ {
            apigw pets stage=staging;
            apigw_stage_variable backend 127.0.0.1:%%PORT_2%%;
            apigw_stage_variable photos staging-photos;
            apigw_validation_details on;
            error_log %%PREFIX%%/staging-error.log info;
            access_log %%PREFIX%%/staging.log stage;
        }

        location /prod/ {
            apigw pets stage=prod;
            apigw_stage_variable backend 127.0.0.1:%%PORT_2%%;
            apigw_stage_variable photos prod-photos;
            apigw_validation_details off;
            apigw_throttle rate=0.5 burst=3;   # one taken by the POST above
            error_log %%PREFIX%%/prod-error.log error;
            access_log %%PREFIX%%/prod.log stage;
            apigw_metrics off;
        }

        location = /metrics {
            apigw_prometheus;
        }
    }
CONF

$t->run;

# validation details

my $r = $t->http('POST', '/staging/pets', body => '{}',
                 headers => ['Content-Type' => 'application/json']);
is($r->{status}, 400, 'staging: an invalid body refused');
like($r->{body}, qr/name/, '... saying what is wrong (details on)');

$r = $t->http('POST', '/prod/pets', body => '{}',
              headers => ['Content-Type' => 'application/json']);
is_deeply([$r->{status}, $r->{body}],
          [400, '{"message":"Invalid request body"}'],
          "prod: AWS's terse answer (details off)");

# the error log's level: refusals logged with their reason at info

$t->http('GET', '/staging/keyed');
$t->http('GET', '/prod/keyed');

my ($staging, $prod) = ('', '');
for (1 .. 30) {
    $staging = $t->read_file('staging-error.log') // '';
    last if $staging =~ /GET \/keyed/;
    select(undef, undef, undef, 0.1);
}
like($staging, qr/\[info\].*apigw: GET \/keyed: API key missing/,
     'staging at info: the refusal and its reason');
$prod = $t->read_file('prod-error.log') // '';
unlike($prod, qr/GET \/keyed/, 'prod at error: no line for a refusal');

# throttling on prod only

my @prod = map { $t->http('GET', '/prod/pets')->{status} } 1 .. 4;
is_deeply([@prod[0, 1]], [200, 200], 'prod: the burst admitted');
is($prod[3], 429, '... then throttled');
my @staging = map { $t->http('GET', '/staging/pets')->{status} } 1 .. 6;
is_deeply(\@staging, [(200) x 6], 'staging: no throttle');

# stage variables

$r = $t->http('GET', '/staging/pets');
is(decode_json($r->{body})->{photos}, 'staging-photos',
   "staging's stage variables");
sleep 2;
$r = $t->http('GET', '/prod/pets');
is(decode_json($r->{body})->{photos}, 'prod-photos', "prod's");

# access logs per stage

my ($slog, $plog) = ('', '');
for (1 .. 30) {
    ($slog, $plog) = map { $t->read_file($_) // '' } qw(staging.log prod.log);
    last if $plog =~ /prod 200 \/prod\/pets\n\z/;
    select(undef, undef, undef, 0.1);
}
unlike($slog, qr/^prod /m, "staging's access log: no prod request");
unlike($plog, qr/^staging /m, "prod's: no staging request");
like($plog, qr/^prod 429 /m, "... and prod's throttled requests");

# metrics: staging's requests counted, prod's not

$r = $t->http('GET', '/metrics');
like($r->{body}, qr/^apigw_requests_total\{[^}]*stage="staging"[^}]*\} \d+$/m,
     "staging's requests in the metrics");
unlike($r->{body}, qr/stage="prod"/, "prod's not: apigw_metrics off there");

$t->check_log;

done_testing;
