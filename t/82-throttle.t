#!/usr/bin/perl

# Throttling and quotas in the shared memory zone: the stage default
# (apigw_throttle), the operation's x-apigw-throttle, the plan of the
# caller's key and its per-operation throttle, quotas; 429 with
# Retry-After, RateLimit-Policy and RateLimit; a refused request consumes
# nothing anywhere; two workers share the buckets; a reload keeps them;
# apigw_throttled_total counts each refusal by the level that refused.
# Rates are tiny (a token every 1,000 s or more) so nothing refills during
# the test; the refill itself is unit-tested (t/unit/test_keys.c).

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use Apigw::Test;
use Apigw::Metrics qw(scrape count);

plan(skip_all => 'module not built') unless Apigw::Test::have_module();

my $t = Apigw::Test->new;

my $be = $t->backend(port => $t->port(2), handler => sub {
    return (200, ['Content-Type' => 'application/json'], '{"ok":true}');
});

my $ann = 'ann-key-0123456789abcdefgh';
my $ben = 'ben-key-0123456789abcdefgh';
my $cid = 'cid-key-0123456789abcdefgh';

$t->write_file('api.yaml', <<'YAML');
openapi: 3.0.3
info: {title: throttle, version: "1"}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: x-api-key}
paths:
  /free:
    get: {}
  /other:
    get: {}
  /limited:
    get:
      x-apigw-throttle: {rate: 0.001, burst: 1}
  /shared:
    get:
      x-apigw-throttle: {rate: 0.001, burst: 5}
  /keyed:
    get: {security: [{key: []}]}
  /keyed-op:
    get: {security: [{key: []}]}
YAML

$t->write_file('keys.yaml', <<"YAML");
plans:
  - id: small
    throttle: {rate: 0.001, burst: 2}
    stages:
      - stage: api/prod
        throttle: {"GET /keyed-op": {rate: 0.001, burst: 1}}
      - stage: api/open
  - id: counted
    quota: {limit: 3, period: DAY}
    stages: [{stage: api/prod}]
keys:
  - {id: ann, value: "$ann", plan: small}
  - {id: ben, value: "$ben", plan: small}
  - {id: cid, value: "$cid", plan: counted}
YAML

$t->write_conf(<<'CONF', workers => 2);
    apigw_api api %%PREFIX%%/api.yaml;
    apigw_keys %%PREFIX%%/keys.yaml;

    server {
        listen 127.0.0.1:%%PORT%%;

        location /prod/ {
            apigw api stage=prod;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
        }

        location /stage/ {
            apigw api stage=stage;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
            apigw_throttle rate=0.001 burst=3;
        }

        location /open/ {
            apigw api stage=open;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
        }

        location = /metrics {
            apigw_prometheus;
        }
    }
CONF

$t->run;

sub get {
    my ($uri, @h) = @_;
    return $t->http_json('GET', $uri, headers => \@h);
}

sub throttled {
    my ($r, $name) = @_;
    is($r->{status}, 429, "$name: 429");
    is($r->{json}{message}, 'Too Many Requests', "$name: Too Many Requests");
    is($r->{headers}{'x-amzn-errortype'}, 'TooManyRequestsException',
       "$name: TooManyRequestsException");
    like($r->{headers}{'retry-after'} // '', qr/^\d+$/,
         "$name: Retry-After");
}

# the stage's bucket: 3 at once, then none; the headers count down
my $r = get('/stage/free');
is($r->{status}, 200, 'stage: the first passes');
is($r->{headers}{'ratelimit-policy'}, '"stage";q=3;w=3000',
   'stage: RateLimit-Policy');
is($r->{headers}{'ratelimit'}, '"stage";r=2;t=1000', 'stage: RateLimit');
is(get('/stage/free')->{headers}{'ratelimit'}, '"stage";r=1;t=2000',
   'stage: the second');
is(get('/stage/free')->{headers}{'ratelimit'}, '"stage";r=0;t=3000',
   'stage: the third, the last');
$r = get('/stage/free');
throttled($r, 'stage: the fourth');
is($r->{headers}{'retry-after'}, 1000, 'stage: Retry-After 1000 s');
is($r->{headers}{'ratelimit'}, '"stage";r=0;t=3000',
   'stage: RateLimit on the 429');
is(get('/stage/other')->{status}, 429, 'stage: every operation shares it');
is(get('/prod/free')->{status}, 200, 'another stage is not throttled');
ok(!exists get('/prod/free')->{headers}{'ratelimit'},
   'and has no RateLimit headers');

# the operation's bucket, per stage
is(get('/prod/limited')->{status}, 200, 'operation: the first passes');
throttled(get('/prod/limited'), 'operation: the second');
is(get('/open/limited')->{status}, 200,
   'operation: another stage has its own bucket');

# a key's plan: per key, per operation, then plan-wide
$r = get('/prod/keyed-op', 'x-api-key' => $ann);
is($r->{status}, 200, 'plan: ann on keyed-op');
is($r->{headers}{'ratelimit-policy'},
   '"key-operation";q=1;w=1000, "key";q=2;w=2000',
   'plan: both buckets in RateLimit-Policy');
is($r->{headers}{'ratelimit'}, '"key-operation";r=0;t=1000',
   'plan: RateLimit names the nearest');
throttled(get('/prod/keyed-op', 'x-api-key' => $ann),
          'plan: ann on keyed-op again');
is(get('/prod/keyed', 'x-api-key' => $ann)->{status}, 200,
   'plan: ann elsewhere: the refused request took no plan token');
throttled(get('/prod/keyed', 'x-api-key' => $ann), 'plan: ann is out');
is(get('/prod/keyed', 'x-api-key' => $ben)->{status}, 200,
   'plan: ben has buckets of his own');
is(get('/open/keyed', 'x-api-key' => $ann)->{status}, 429,
   'plan: the plan-wide bucket spans the plan\'s stages');

# quotas: 3 a day, counted only when admitted
for my $i (1 .. 3) {
    $r = get('/prod/keyed', 'x-api-key' => $cid);
    is($r->{status}, 200, "quota: request $i passes");
}

like($r->{headers}{'ratelimit-policy'}, qr/^"quota";q=3;w=86400$/,
     'quota: RateLimit-Policy');
like($r->{headers}{'ratelimit'}, qr/^"quota";r=0;t=\d+$/,
     'quota: RateLimit');
$r = get('/prod/keyed', 'x-api-key' => $cid);
is($r->{status}, 429, 'quota: the fourth: 429');
is($r->{json}{message}, 'Limit Exceeded', 'quota: Limit Exceeded');
my $midnight = 86400 - time % 86400;
ok(abs(($r->{headers}{'retry-after'} // 0) - $midnight) <= 2,
   'quota: Retry-After at midnight UTC');

# two workers, one zone: exactly the burst passes, whichever worker
# takes each connection
my $passed = grep { get('/prod/shared?x=' . $_)->{status} == 200 } 1 .. 12;
is($passed, 5, 'two workers: 5 of 12 pass a bucket of 5');

# the metrics: each 429 above by the most specific level that refused
my ($m) = scrape($t);
for (['stage', 'GET', '/free', 'stage', 1],
     ['stage', 'GET', '/other', 'stage', 1],
     ['prod', 'GET', '/limited', 'operation', 1],
     ['prod', 'GET', '/shared', 'operation', 7],
     ['prod', 'GET', '/keyed-op', 'key_operation', 1],
     ['prod', 'GET', '/keyed', 'key', 1],
     ['open', 'GET', '/keyed', 'key', 1],
     ['prod', 'GET', '/keyed', 'quota', 1])
{
    my ($stage, $method, $resource, $level, $n) = @$_;
    is(count($m, 'apigw_throttled_total', stage => $stage, method => $method,
             resource => $resource, level => $level), $n,
       "metrics: $stage $method $resource, level=\"$level\": $n");
}
is(count($m, 'apigw_throttled_total'), 14, 'metrics: 14 throttled in all');
is(count($m, 'apigw_requests_total', code => 429), 14,
   'metrics: as many 429s');

# a reload keeps the buckets
$t->reload;
throttled(get('/stage/free'), 'after a reload: still throttled');
throttled(get('/prod/limited'), 'after a reload: the operation too');

like($t->error_log, qr/apigw: GET \/keyed: throttled, key id ann/,
     'the error log says who was throttled, by key id');

$t->stop;

# bad directives
$t->write_conf(<<'CONF');
    apigw_api api %%PREFIX%%/api.yaml;
    apigw_keys %%PREFIX%%/keys.yaml;
    server {
        listen 127.0.0.1:%%PORT%%;
        location / {
            apigw api;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
            apigw_throttle rate=0 burst=3;
        }
    }
CONF

my ($rc, $out) = $t->nginx_test;
isnt($rc, 0, 'rate=0: nginx -t fails');
like($out, qr/invalid rate "rate=0"/, 'and says so');

$t->write_file('api.yaml', <<'YAML');
openapi: 3.0.3
info: {title: throttle, version: "1"}
paths:
  /x:
    get:
      x-apigw-throttle: {rate: 5}
YAML

($rc, $out) = $t->nginx_test;
isnt($rc, 0, 'x-apigw-throttle without burst: nginx -t fails');
like($out, qr{/paths/~1x/get/x-apigw-throttle .*needs "burst"},
     'and says where');

$t->check_log;

done_testing;
