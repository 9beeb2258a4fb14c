#!/usr/bin/perl

# Per-method settings (apigw_method_settings, AWS's stage methodSettings):
# one spec, stages that differ on single operations: throttling, caching,
# metrics, the error log's level, validation details; what nginx -t
# refuses.

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use JSON::PP;
use Apigw::Test;

plan(skip_all => 'module not built') unless Apigw::Test::have_module();

my $t = Apigw::Test->new;

# every answer says which backend call made it
my $be = $t->backend(port => $t->port(2), handler => sub {
    my ($req) = @_;
    return (200, ['Content-Type' => 'application/json'],
            encode_json({ seq => $req->{seq}, path => $req->{path} }));
});

my $body_schema = <<'YAML';
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties: {name: {type: string}}
YAML

$t->write_file('api.yaml', <<"YAML");
openapi: 3.0.3
info: {title: pets, version: "1"}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: x-api-key}
paths:
  /pets:
    get:
      x-apigw-throttle: {rate: 0.5, burst: 2}
  /pets/{petId}:
    get: {}
  /keyed:
    get:
      security: [{key: []}]
      x-apigw-integration: {type: mock, status: 200}
  /secret:
    get:
      security: [{key: []}]
      x-apigw-integration: {type: mock, status: 200}
  /orders:
    post:
$body_schema      x-apigw-validation: {details: false}
      x-apigw-integration: {type: mock, status: 201}
  /notes:
    post:
$body_schema      x-apigw-integration: {type: mock, status: 201}
YAML

$t->write_file('keys.yaml', <<'YAML');
plans: []
keys: []
YAML

$t->write_conf(<<'CONF');
    apigw_api pets %%PREFIX%%/api.yaml;
    apigw_keys %%PREFIX%%/keys.yaml;
    apigw_backend http://127.0.0.1:%%PORT_2%%;

    log_format cache '$uri $status $apigw_cache_status';

    server {
        listen 127.0.0.1:%%PORT%%;

        location /staging/ {
            apigw pets stage=staging;
            error_log %%PREFIX%%/staging-error.log info;
            access_log %%PREFIX%%/staging.log cache;
            apigw_metrics off;

            apigw_method_settings "/pets/GET" throttle=off;
            apigw_method_settings "GET /pets/{petId}" cache=on
                                  cache_ttl=60;
            apigw_method_settings "~1keyed/GET" log_level=error
                                  metrics=on;
            apigw_method_settings "/orders/POST" validation_details=on;
        }

        location /prod/ {
            apigw pets stage=prod;
            error_log %%PREFIX%%/prod-error.log error;
            access_log %%PREFIX%%/prod.log cache;
            apigw_cache on;
            apigw_validation_details on;

            apigw_method_settings "*/*" throttle=100/100;
            apigw_method_settings "/pets/GET" throttle=0.5/4;
            apigw_method_settings "/pets/{petId}/GET" cache=off
                                  metrics=off;
            apigw_method_settings "/keyed/*" log_level=INFO;
            apigw_method_settings "POST /orders" validation_details=off;
        }

        location /dev/ {
            apigw pets stage=dev;
        }

        location = /metrics {
            apigw_prometheus;
        }
    }
CONF

$t->run;

# throttling: the spec's 0.5/2 on dev, none on staging, 0.5/4 on prod

my @dev = map { $t->http('GET', '/dev/pets')->{status} } 1 .. 3;
is_deeply(\@dev, [200, 200, 429], "dev: the spec's x-apigw-throttle");

my @staging = map { $t->http('GET', '/staging/pets')->{status} } 1 .. 6;
is_deeply(\@staging, [(200) x 6], 'staging: throttle=off, no bucket');

my @prod = map { $t->http('GET', '/prod/pets') } 1 .. 5;
is_deeply([map { $_->{status} } @prod], [200, 200, 200, 200, 429],
          'prod: its method setting 0.5/4 over the spec\'s 0.5/2');
like($prod[0]{headers}{'ratelimit-policy'} // '', qr/"operation";q=4;w=8/,
     '... the operation\'s bucket says so');

my $r = $t->http('GET', '/prod/pets/1');
like($r->{headers}{'ratelimit-policy'} // '', qr/"operation";q=100;w=1/,
     'prod: */* gives every other operation a bucket of its own');

# caching: one method on staging, every method but one on prod

my $a = $t->http('GET', '/staging/pets/7');
my $b = $t->http('GET', '/staging/pets/7');
is($b->{body}, $a->{body}, 'staging: GET /pets/{petId} cached (cache=on)');
like($b->{headers}{age} // '', qr/^\d+$/, '... a hit, with Age');

$a = $t->http('GET', '/staging/pets');
$b = $t->http('GET', '/staging/pets');
isnt($b->{body}, $a->{body}, 'staging: GET /pets not cached');
ok(!defined $b->{headers}{age}, '... no Age');

$a = $t->http('GET', '/prod/pets/8');
$b = $t->http('GET', '/prod/pets/8');
isnt($b->{body}, $a->{body}, 'prod: GET /pets/{petId} not cached (cache=off)');
ok(!defined $b->{headers}{age}, '... no Age');

my ($slog, $plog) = ('', '');
for (1 .. 30) {
    ($slog, $plog) = map { $t->read_file($_) // '' } qw(staging.log prod.log);
    last if $plog =~ m{^/prod/pets/8 }m && $slog =~ m{^/staging/pets 200 -\n}m;
    select(undef, undef, undef, 0.1);
}
like($slog, qr{^/staging/pets/7 200 MISS\n/staging/pets/7 200 HIT$}m,
     'staging: MISS then HIT');
like($slog, qr{^/staging/pets 200 -$}m, '... GET /pets: no cache status');
like($plog, qr{^/prod/pets 200 MISS$}m,
     'prod: GET /pets cached by apigw_cache on');
like($plog, qr{^/prod/pets/8 200 -$}m, '... GET /pets/{petId}: not');

# validation details: the method setting over the spec and the stage's

my $json = ['Content-Type' => 'application/json'];

$r = $t->http('POST', '/staging/orders', body => '{}', headers => $json);
is($r->{status}, 400, 'staging: an invalid order refused');
like($r->{body}, qr/"errors"/,
     '... with details: validation_details=on over the spec\'s false');

$r = $t->http('POST', '/prod/orders', body => '{}', headers => $json);
is_deeply([$r->{status}, $r->{body}],
          [400, '{"message":"Invalid request body"}'],
          'prod: terse for POST /orders (validation_details=off)');

$r = $t->http('POST', '/prod/notes', body => '{}', headers => $json);
like($r->{body}, qr/"errors"/,
     '... and detailed for POST /notes (apigw_validation_details on)');

$r = $t->http('POST', '/dev/orders', body => '{}', headers => $json);
is($r->{body}, '{"message":"Invalid request body"}', "dev: the spec's");

# the error log's level: info on staging but error for GET /keyed; error
# on prod but info for GET /keyed

$t->http('GET', '/staging/keyed');
$t->http('GET', '/staging/secret');
$t->http('GET', '/prod/keyed');
$t->http('GET', '/prod/secret');

my ($serr, $perr) = ('', '');
for (1 .. 30) {
    ($serr, $perr) = map { $t->read_file($_) // '' }
                         qw(staging-error.log prod-error.log);
    last if $serr =~ /GET \/secret/ && $perr =~ /GET \/keyed/;
    select(undef, undef, undef, 0.1);
}
like($serr, qr/\[info\].*apigw: GET \/secret: API key missing/,
     'staging: a refusal at info');
unlike($serr, qr/GET \/keyed/, '... but none for GET /keyed (log_level=error)');
like($perr, qr/\[info\].*apigw: GET \/keyed: API key missing/,
     'prod: GET /keyed at info (log_level=INFO)');
unlike($perr, qr/GET \/secret/, '... the others at error');

# metrics: staging counts GET /keyed alone; prod all but GET /pets/{petId}

$r = $t->http('GET', '/metrics');
my @series = $r->{body} =~ /^apigw_requests_total\{([^}]*)\}/mg;
my %staging = map { /resource="([^"]*)"/ ? ($1 => 1) : ('' => 1) }
              grep { /stage="staging"/ } @series;
my %prod = map { /resource="([^"]*)"/ ? ($1 => 1) : ('' => 1) }
           grep { /stage="prod"/ } @series;
is_deeply([sort keys %staging], ['/keyed'],
          'staging (apigw_metrics off): GET /keyed alone (metrics=on)');
ok($prod{'/pets'} && $prod{'/keyed'} && $prod{'/orders'},
   'prod: its operations counted');
ok(!$prod{'/pets/{petId}'}, '... but GET /pets/{petId} (metrics=off)');
my ($count) = $r->{body} =~ /^apigw_metrics_series (\d+)$/m;
# dev 6 operations + no route, prod 5 + no route, staging 1
is($count, 14, 'the series: none made for what is not counted');

$t->check_log;
$t->stop;

# a canary: keys may name the canary's operations

$t->write_file('v2.yaml', <<'YAML');
openapi: 3.0.3
info: {title: pets, version: "2"}
paths:
  /pets:
    get: {}
  /extra:
    get:
      x-apigw-integration: {type: mock, status: 200}
YAML

sub conf {
    my ($lines, $canary) = @_;
    $canary = $canary ? "apigw_canary v2 percent=$canary;" : '';
    $t->write_conf(<<"CONF");
    apigw_api pets %%PREFIX%%/api.yaml;
    apigw_api v2 %%PREFIX%%/v2.yaml;
    apigw_keys %%PREFIX%%/keys.yaml;
    apigw_backend http://127.0.0.1:%%PORT_2%%;

    server {
        listen 127.0.0.1:%%PORT%%;

        location /prod/ {
            apigw pets stage=prod;
            $canary
$lines
        }
    }
CONF
}

conf('apigw_method_settings "/extra/GET" metrics=off;'
     . ' apigw_method_settings "/orders/POST" metrics=off;', 1);
my ($rc, $out) = $t->nginx_test;
is($rc, 0, "nginx -t: a key of the canary's document alone, and one of the "
   . "stage's alone") or diag($out);

conf('apigw_method_settings "/extra/GET" throttle=0.5/1;', 100);
$t->run;
is_deeply([map { $t->http('GET', '/prod/extra')->{status} } 1 .. 2],
          [200, 429], "the canary's operation: its setting applies");
$t->stop;

# what nginx -t refuses

my @bad = (
    ['apigw_method_settings "GET /nope" metrics=off;',
     qr/settings "GET \/nope": no operation of apigw_api "pets" has that/,
     'a path the spec has not'],
    ['apigw_method_settings "/pets/DELETE" metrics=off;',
     qr/"\/pets\/DELETE": no operation/, 'a method the path has not'],
    ['apigw_method_settings "/pets/{id}/GET" metrics=off;',
     qr/"\/pets\/\{id\}\/GET": no operation.*parameter names/,
     'a parameter named otherwise'],
    ['apigw_method_settings "/nothing/GET" metrics=off;',
     qr/no operation of apigw_api "pets" nor of its canary "v2"/,
     'with a canary: in neither document', 1],
    ['apigw_method_settings "/pets/GET" throttle=fast;',
     qr/settings "\/pets\/GET": invalid "throttle=fast": throttle is RATE/,
     'a bad throttle'],
    ['apigw_method_settings "/pets/GET" cache_ttl=4000;',
     qr/invalid "cache_ttl=4000": cache_ttl is whole seconds from 0 to 3600/,
     'a TTL over AWS\'s maximum'],
    ['apigw_method_settings "/pets/GET" log_level=debug;',
     qr/invalid "log_level=debug"/, 'log_level=debug'],
    ['apigw_method_settings "/pets/GET" caching=on;',
     qr/unknown setting "caching"/, 'an unknown setting'],
    ['apigw_method_settings "/pets/GET" metrics=on metrics=off;',
     qr/metrics is set twice/, 'a setting twice'],
    ['apigw_method_settings "pets" metrics=on;',
     qr/apigw_method_settings: invalid key "pets"/, 'a key without a method'],
    ['apigw_method_settings "*/GET" metrics=on;',
     qr/invalid key "\*\/GET"/, '*/GET'],
    ['apigw_method_settings "/pets/GET" metrics=on;'
     . ' apigw_method_settings "GET /pets" throttle=off;',
     qr/"GET \/pets" names the operations of "\/pets\/GET" in \S+:\d+ again/,
     'one key twice, in two forms'],
    ['apigw_method_settings "/pets/GET";',
     qr/invalid number of arguments/, 'no setting'],
    ['} location /other/ { apigw_method_settings "/pets/GET" metrics=on;',
     qr/"\/pets\/GET" in a location without "apigw"/,
     'in a location that serves no stage'],
);

for my $case (@bad) {
    my ($lines, $re, $name, $canary) = @$case;
    conf($lines, $canary);
    ($rc, $out) = $t->nginx_test;
    isnt($rc, 0, "nginx -t fails: $name");
    like($out, $re, '... saying why');
    like($out, qr/ in \S+\/nginx\.conf:\d+\n/, '... where');
}

$t->check_log;

done_testing;
