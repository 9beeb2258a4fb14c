#!/usr/bin/perl

# Response caching, continued: a function's response cached, integration
# responses run again on hits, a canary's entries apart from its stage's
# (and shared with use_stage_cache), stale entries served while one
# request refreshes (counted as stale in the metrics), one fetch across
# two workers, waiters bounded by the deadline, and nginx -t's refusals.

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use JSON::PP;
use Time::HiRes qw(time sleep);
use Apigw::Test;
use Apigw::FnHost;
use Apigw::Metrics qw(scrape count);

plan(skip_all => 'module not built') unless Apigw::Test::have_module();
plan(skip_all => 'make functions first') unless Apigw::FnHost::have_host()
    && -f Apigw::FnHost::functions_dir() . '/gateway.so';

my $t = Apigw::Test->new;

my $be = $t->backend(port => $t->port(2), handler => sub {
    my ($req) = @_;
    my $path = $req->{path};

    sleep 0.4 if $path =~ m{/slow$};
    sleep 3 if $path =~ m{/hang$};

    return (200, ['Content-Type' => 'application/json', 'X-Seq' => $req->{seq}],
            encode_json({ seq => $req->{seq}, path => $path,
                          color => $req->{headers}{'x-color'} // '' }));
});

my $h = Apigw::FnHost->new($t, <<'EOF');
listen:
  - unix:%%SOCK%%
log: %%PREFIX%%/fnhost/host.log
runtime: %%RUNTIME%%
functions:
  event:
    handler: %%FUNCTIONS%%/gateway.so:event
    memory: 0
  authorizer:
    handler: %%FUNCTIONS%%/authorizer.so:authorizer
    memory: 0
EOF

$t->write_file('api.yaml', $t->expand(<<'YAML'));
openapi: 3.0.3
info: {title: more, version: "1"}
components:
  securitySchemes:
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
  /authz:
    get:
      security: [{fnauth: []}]
  /fn/{id}:
    get:
      x-apigw-integration: {type: function, function: event}
  /checked/{id}:
    get:
      responses:
        "200":
          description: the event
          content:
            application/json:
              schema: {type: object, required: [requestContext]}
      x-apigw-integration: {type: function, function: event}
  /unchecked/{id}:
    get:
      responses:
        "200":
          description: not what the function answers
          content:
            application/json:
              schema: {type: object, required: [nope]}
      x-apigw-integration: {type: function, function: event}
  /mapped:
    get:
      x-amazon-apigateway-integration:
        type: http
        httpMethod: GET
        uri: "http://127.0.0.1:%%PORT_2%%/mapped"
        responses:
          default:
            statusCode: "200"
            responseParameters:
              method.response.header.X-Backend-Seq: integration.response.header.X-Seq
              method.response.header.X-Req: context.requestId
            responseTemplates:
              application/json: '{"seq": $input.json(''$.seq''), "id": "$context.requestId"}'
  /colored:
    get:
      x-apigw-integration:
        type: http
        uri: "http://127.0.0.1:%%PORT_2%%/colored"
        requestParameters:
          integration.request.header.X-Color: stageVariables.color
  /stale/slow:
    get:
      x-apigw-cache: {ttl: 1, stale: true}
  /fresh/slow:
    get:
      x-apigw-cache: {ttl: 1}
  /both/slow: {get: {}}
  /hang:
    get:
      x-apigw-integration:
        type: http
        uri: "http://127.0.0.1:%%PORT_2%%/hang"
        timeout: 800
YAML

$t->write_conf(<<'CONF', workers => 2);
    apigw_api more %%PREFIX%%/api.yaml;
    apigw_api next %%PREFIX%%/api.yaml;

    log_format cache '$uri $apigw_cache_status $apigw_canary';

    server {
        listen 127.0.0.1:%%PORT%%;

        location /prod/ {
            apigw more stage=prod;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
            apigw_functions http://unix:%%PREFIX%%/fn.sock;
            apigw_stage_variable color blue;
            apigw_cache on;
            apigw_canary next percent=0 header=X-Canary;
            apigw_canary_stage_variable color green;
            apigw_canary_trust 127.0.0.1;
            access_log %%PREFIX%%/cache.log cache;
        }

        location /enforce/ {
            apigw more stage=enforce;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
            apigw_functions http://unix:%%PREFIX%%/fn.sock;
            apigw_response_validation enforce;
            apigw_cache on;
        }

        location /shared/ {
            apigw more stage=shared;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
            apigw_functions http://unix:%%PREFIX%%/fn.sock;
            apigw_stage_variable color blue;
            apigw_cache on;
            apigw_canary next percent=0 header=X-Canary use_stage_cache;
            apigw_canary_trust 127.0.0.1;
        }

        location = /metrics {
            apigw_prometheus;
        }
    }
CONF

$t->run;

sub get {
    my ($uri, @h) = @_;
    return $t->http('GET', $uri, headers => \@h);
}

sub seq {
    my ($r) = @_;
    my $j = eval { decode_json($r->{body}) } or return "status $r->{status}";
    return $j->{seq};
}

sub calls {
    my ($path) = @_;
    return scalar grep { $_->{path} eq $path } $be->requests;
}

###############################################################################
# a function's response

my $f1 = get('/prod/fn/1');
is($f1->{status}, 200, 'a function answers');
my $f2 = get('/prod/fn/1');
is($f2->{body}, $f1->{body}, 'its response is cached');
like($f2->{headers}{age} // '', qr/^\d+$/, '... a hit, with Age');
isnt(get('/prod/fn/2')->{body}, $f1->{body},
     'another path parameter, another invocation');

###############################################################################
# a custom authorizer's callers: its principal and the identity it allowed

my $a1 = get('/prod/authz', Authorization => 'Bearer allow');
is($a1->{status}, 200, 'an authorizer lets the caller in');
is(seq(get('/prod/authz', Authorization => 'Bearer allow')), seq($a1),
   'the same identity hits');
isnt(seq(get('/prod/authz', Authorization => 'allow')), seq($a1),
     'another identity with the same principalId does not');
is(get('/prod/authz', Authorization => 'Bearer deny')->{status}, 403,
   'a denied caller never reaches the cache');

###############################################################################
# a function's response validated, on a miss and on a hit

is(get('/enforce/checked/1')->{status}, 200,
   'enforce: a function\'s response that matches its schema passes');
is(get('/enforce/checked/1')->{status}, 200, '... and its hit');
my $bad = get('/enforce/unchecked/1');
is($bad->{status}, 502, 'enforce: one that does not is a 502');
is($bad->{body}, '{"message":"Internal server error"}',
   '... AWS\'s integration failure');
is(get('/enforce/unchecked/1')->{status}, 502,
   '... and so is a hit of it: validation runs on every hit');
is(get('/prod/unchecked/1')->{status}, 200,
   'validation off: the same response passes');

###############################################################################
# integration responses run on every hit

my $m1 = get('/prod/mapped');
my $m2 = get('/prod/mapped');
my ($b1, $b2) = (decode_json($m1->{body}), decode_json($m2->{body}));
is($b2->{seq}, $b1->{seq}, 'a hit of a mapped response');
is($m2->{headers}{'x-backend-seq'}, $m1->{headers}{'x-backend-seq'},
   'a header mapped from the stored response');
is($b2->{id}, $m2->{headers}{'x-amzn-requestid'},
   'the template ran for the hit: its own request id');
is($m2->{headers}{'x-req'}, $m2->{headers}{'x-amzn-requestid'},
   '... and so did the header mapping');
isnt($b2->{id}, $b1->{id}, '... not the miss\'s');

###############################################################################
# a canary's entries

my $s1 = get('/prod/colored');
is(decode_json($s1->{body})->{color}, 'blue', 'the stage\'s variable');
my $c1 = get('/prod/colored', 'X-Canary' => 'true');
is(decode_json($c1->{body})->{color}, 'green',
   'the canary never gets the stage\'s entry');
is(seq(get('/prod/colored', 'X-Canary' => 'true')), seq($c1),
   'the canary hits its own');
is(seq(get('/prod/colored')), seq($s1), 'the stage hits its own');

my $u1 = get('/shared/colored');
is(seq(get('/shared/colored', 'X-Canary' => 'true')), seq($u1),
   'use_stage_cache: the canary serves the stage\'s entry');

my $log = $t->read_file('cache.log');
like($log, qr{^/prod/colored HIT true$}m, 'the log says which release hit');

###############################################################################
# stale while one request refreshes

get('/prod/stale/slow');
get('/prod/fresh/slow');
sleep 1.2;

my $start = time;
my @stale = $t->concurrent_get('/prod/stale/slow', 10);
my $took = time - $start;
is(scalar(grep { /^HTTP\/1.1 200 / } @stale), 10, 'stale: all answered');
is(calls('/stale/slow'), 2, 'stale: one refresh reached the backend');
$log = $t->read_file('cache.log');
my $n_stale = () = $log =~ m{^/prod/stale/slow STALE }mg;
is($n_stale, 9, 'stale: the others got the expired entry');

my @fresh = $t->concurrent_get('/prod/fresh/slow', 10);
is(calls('/fresh/slow'), 2, 'without stale: one refresh too');
my @bodies = map { (split /\r\n\r\n/, $_, 2)[1] // '' } @fresh;
my %distinct = map { $_ => 1 } @bodies;
is(scalar keys %distinct, 1, '... and every waiter got the new response');

my ($m) = scrape($t);
my %stale = (stage => 'prod', resource => '/stale/slow');
is(count($m, 'apigw_cache_requests_total', %stale, result => 'stale'), 9,
   'metrics: the 9 served the expired entry, stale');
is(count($m, 'apigw_cache_requests_total', %stale, result => 'miss'), 2,
   'metrics: the first fetch and the refresh, miss');
is(count($m, 'apigw_cache_requests_total', stage => 'prod',
         resource => '/fresh/slow', result => 'stale'), 0,
   'metrics: without stale, none');

###############################################################################
# two workers: one fetch

my @both = $t->concurrent_get('/prod/both/slow', 60);
is(scalar(grep { /^HTTP\/1.1 200 / } @both), 60, '2 workers: all answered');
is(calls('/both/slow'), 1, '... by one backend call');

###############################################################################
# waiters bounded by the deadline; a 504 never stored

$start = time;
my @hang = $t->concurrent_get('/prod/hang', 5);
$took = time - $start;
is(scalar(grep { /^HTTP\/1.1 504 / } @hang), 5,
   'a hung backend: the fetch and its waiters get 504');
cmp_ok($took, '<', 3, '... within about the operation\'s timeout');
is(calls('/hang'), 1, '... from one backend call');
$be->clear;
get('/prod/hang');
is(calls('/hang'), 1, 'the 504 was not stored: the next request fetches');

$h->check_log;
$t->check_log;

###############################################################################
# nginx -t

my $f = Apigw::Test->new;

for my $case (
    ['apigw_cache_ttl 3601s;', qr/over AWS's maximum of 3600 s/,
     'a TTL over 3600 s'],
    ['apigw_cache_zone 4k;', qr/apigw_cache_zone of 4096 bytes is too small/,
     'a zone too small'],
    ['', qr/apigw_cache_flush "\/nope\/": no stage has that location prefix/,
     'a flush of no stage', '/nope/'],
    ['', qr/apigw_cache_flush "\/plain\/": the stage has no "apigw_cache on"/,
     'a flush of a stage without a cache', '/plain/'],
) {
    my ($line, $re, $name, $flush) = @$case;
    $flush //= '/prod/';
    $f->write_file('api.yaml', $t->read_file('api.yaml'));
    $f->write_conf(<<"CONF");
    apigw_api more %%PREFIX%%/api.yaml;
    @{[ $line =~ /zone/ ? $line : '' ]}

    server {
        listen 127.0.0.1:%%PORT%%;

        location /prod/ {
            apigw more stage=prod;
            apigw_backend http://127.0.0.1:1;
            apigw_functions http://unix:/nonexistent.sock;
            apigw_cache on;
            @{[ $line =~ /zone/ ? '' : $line ]}
        }

        location /plain/ {
            apigw more stage=plain;
            apigw_backend http://127.0.0.1:1;
            apigw_functions http://unix:/nonexistent.sock;
        }

        location = /flush {
            apigw_cache_flush $flush;
        }
    }
CONF
    my ($rc, $out) = $f->nginx_test;
    isnt($rc, 0, "nginx -t refuses $name");
    like($out, $re, '... saying why');
}

done_testing;
