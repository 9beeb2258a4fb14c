#!/usr/bin/perl

# Response caching through nginx: TTL and Age, key parameters, callers who
# never share an entry, what is not stored, invalidation with and without
# authorization, a stage's flush, one backend call for many concurrent
# misses, a reload, a full zone, mock responses, HEAD and content codings;
# the metrics of each result.

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use JSON::PP;
use MIME::Base64 qw(encode_base64url);
use Time::HiRes qw(time sleep);
use Apigw::Test;
use Apigw::Metrics qw(scrape count promtool);

plan(skip_all => 'module not built') unless Apigw::Test::have_module();
plan(skip_all => 'build/apigw-jwt-mint not built (make tools)')
    unless -x Apigw::Test::mint_tool();

my $t = Apigw::Test->new;
my $p = $t->prefix;

# every answer says which backend call made it: its sequence number
my $be = $t->backend(port => $t->port(2), handler => sub {
    my ($req) = @_;
    my $path = $req->{path};
    my @h = ('Content-Type' => 'application/json');
    my $body = encode_json({ seq => $req->{seq}, path => $path,
                             query => $req->{query} // '' });

    if ($path eq '/slow') {
        sleep 0.5;
    } elsif ($path eq '/big') {
        return (200, ['Content-Type' => 'text/plain'],
                ('x' x (2 * 1024 * 1024 - length $req->{seq}))
                . $req->{seq});
    } elsif ($path eq '/nostore') {
        push @h, 'Cache-Control' => 'no-store';
    } elsif ($path eq '/private') {
        push @h, 'Cache-Control' => 'private, max-age=60';
    } elsif ($path eq '/public') {
        push @h, 'Cache-Control' => 'public, max-age=60';
    } elsif ($path eq '/cookie') {
        push @h, 'Set-Cookie' => 'session=abc';
    } elsif ($path eq '/vary') {
        push @h, 'Vary' => 'X-Other';
    } elsif ($path eq '/vary-ok') {
        push @h, 'Vary' => 'Accept-Encoding, X-Tenant';
    } elsif ($path eq '/error') {
        return (500, \@h, $body);
    } elsif ($path eq '/missing') {
        return (404, \@h, $body);
    } elsif ($path eq '/coded') {
        my $gzip = ($req->{headers}{'accept-encoding'} // '') =~ /gzip/;
        push @h, 'Content-Encoding' => 'gzip' if $gzip;
        $body = ($gzip ? 'gzip:' : 'plain:') . $req->{seq};
    } elsif ($path eq '/tagged') {
        push @h, 'ETag' => '"v1"',
                 'Last-Modified' => 'Tue, 01 Dec 2026 10:00:00 GMT';
    } elsif ($path eq '/range' && ($req->{headers}{range} // '') =~ /^bytes=0-3$/) {
        return (206, ['Content-Type' => 'application/json',
                      'Content-Range' => 'bytes 0-3/100'], substr($body, 0, 4));
    } elsif ($path =~ m{^/fill/}) {
        $body = $path . ('.' x 60000);
    }

    return (200, \@h, $body);
});

my $secret = 'a-shared-secret-of-32-bytes-ok!!';
$t->write_file('secret.json', '{"keys":[{"kty":"oct","kid":"hs",'
    . '"alg":"HS256","k":"' . encode_base64url($secret) . '"}]}');

my $ISS = 'https://idp.test/';

$t->write_file('api.yaml', <<"YAML");
openapi: 3.0.3
info: {title: cache, version: "1"}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: x-api-key}
    bearer:
      type: http
      scheme: bearer
      x-apigw-jwt: {issuer: "$ISS", jwks: $p/secret.json, algorithms: [HS256]}
paths:
  /items/{id}:
    get:
      x-apigw-cache:
        ttl: 2
        key: [method.request.querystring.lang, method.request.header.X-Tenant]
  /long:
    get: {}
  /off:
    get:
      x-apigw-cache: {ttl: 0}
  /mine:
    get:
      security: [{key: []}]
  /shared:
    get:
      security: [{key: []}]
      x-apigw-cache: {shared: true}
  /jwt:
    get:
      security: [{bearer: []}]
  /big: {get: {}}
  /nostore: {get: {}}
  /private: {get: {}}
  /public: {get: {}}
  /cookie: {get: {}}
  /vary: {get: {}}
  /vary-ok:
    get:
      x-apigw-cache: {key: [method.request.header.X-Tenant]}
  /error: {get: {}}
  /missing:
    get:
      x-apigw-cache: {statuses: [200, 404]}
  /coded: {get: {}}
  /range: {get: {}}
  /tagged: {get: {}}
  /slow: {get: {}}
  /fill/{n}: {get: {}}
  /mock:
    get:
      x-apigw-integration:
        type: mock
        status: 200
        body: '{"mocked":true}'
  /search:
    post:
      x-apigw-cache: {enabled: true}
  /unsafe:
    post: {}
  /ns-a:
    get:
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: "http://127.0.0.1:%%PORT_2%%/ns-a"
        cacheNamespace: together
        cacheKeyParameters: [method.request.querystring.q]
  /ns-b:
    get:
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: "http://127.0.0.1:%%PORT_2%%/ns-b"
        cacheNamespace: together
        cacheKeyParameters: [method.request.querystring.q]
  /inval/fail:
    get:
      x-apigw-cache: {unauthorizedCacheControlHeaderStrategy: FAIL_WITH_403}
  /inval/header: {get: {}}
  /inval/quiet:
    get:
      x-apigw-cache:
        unauthorizedCacheControlHeaderStrategy: SUCCEED_WITHOUT_RESPONSE_HEADER
  /inval/free:
    get:
      x-apigw-cache: {requireAuthorizationForCacheControl: false}
  /inval/keyed:
    get:
      security: [{key: []}]
      x-apigw-cache: {shared: true}
  /inval/jwt:
    get:
      security: [{bearer: []}]
      x-apigw-cache: {shared: true}
YAML

$t->write_file('api.yaml', $t->expand($t->read_file('api.yaml')));

$t->write_file('keys.yaml', <<'YAML');
plans:
  - {id: basic, stages: [{stage: cache/prod}]}
  - {id: ops, cacheInvalidation: true, stages: [{stage: cache/prod}]}
keys:
  - {id: alice, value: alice-key-0123456789abcdef, plan: basic}
  - {id: bob, value: bob-key-0123456789abcdef00, plan: basic}
  - {id: operator, value: ops-key-0123456789abcdef00, plan: ops}
YAML

$t->write_conf(<<'CONF');
    apigw_api cache %%PREFIX%%/api.yaml;
    apigw_keys %%PREFIX%%/keys.yaml;
    apigw_cache_zone 1m;

    log_format cache '$uri $status $apigw_cache_status';

    server {
        listen 127.0.0.1:%%PORT%%;

        location /prod/ {
            apigw cache stage=prod;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
            apigw_cache on;
            access_log %%PREFIX%%/cache.log cache;
        }

        location /staging/ {
            apigw cache stage=staging;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
            apigw_cache on;
        }

        location /nocache/ {
            apigw cache stage=nocache;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
        }

        location = /ops/prod/cache {
            apigw_cache_flush /prod/;
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

sub jwt {
    my ($sub) = @_;
    my $file = "$p/claims-$sub.json";
    $t->write_file("claims-$sub.json",
                   encode_json({ iss => $ISS, sub => $sub,
                                 scope => $sub eq 'ops'
                                     ? 'read execute-api:InvalidateCache'
                                     : 'read' }));
    return Apigw::Test::mint('--alg', 'HS256', '--secret', "'$secret'",
                             '--kid', 'hs', '--ttl', 600, $file);
}

###############################################################################
# hits, TTL, Age

my $r1 = get('/prod/items/1');
my $r2 = get('/prod/items/1');
is($r1->{status}, 200, 'a miss answers');
is(seq($r2), seq($r1), 'the second request is a hit: one backend call');
is(calls('/items/1'), 1, 'the backend saw one request');
like($r2->{headers}{age} // '', qr/^\d+$/, 'a hit has Age');
ok(!defined $r1->{headers}{age}, 'a miss has none');
is($r2->{headers}{'content-type'}, 'application/json',
   'the stored Content-Type');
like($r2->{headers}{'x-amzn-requestid'} // '', qr/^[0-9a-f-]{36}$/,
     'a hit has its own request id');
isnt($r2->{headers}{'x-amzn-requestid'}, $r1->{headers}{'x-amzn-requestid'},
     '... not the stored one');

sleep 2.2;
my $r3 = get('/prod/items/1');
isnt(seq($r3), seq($r1), 'past its ttl of 2 s the entry is fetched again');
like(get('/prod/items/1')->{headers}{age}, qr/^[01]$/,
     'Age counts from the new fetch');

# the stage's TTL (300 s) and ttl 0

my $l1 = get('/prod/long');
sleep 1.1;
my $l2 = get('/prod/long');
is(seq($l2), seq($l1), 'the stage default keeps an entry past 1 s');
cmp_ok($l2->{headers}{age}, '>=', 1, 'Age counts the seconds');
isnt(seq(get('/prod/off')), seq(get('/prod/off')), 'ttl 0: never cached');
isnt(seq(get('/nocache/long')), seq(get('/nocache/long')),
     'a stage without apigw_cache: never cached');

###############################################################################
# the key

is(seq(get('/prod/items/2')), seq(get('/prod/items/2')), 'a hit for /items/2');
isnt(seq(get('/prod/items/2')), seq(get('/prod/items/3')),
     'path parameters always split entries (AWS shares them)');
isnt(seq(get('/prod/items/4?lang=en')), seq(get('/prod/items/4?lang=fr')),
     'a declared query parameter splits entries');
is(seq(get('/prod/items/5?page=1')), seq(get('/prod/items/5?page=2')),
   'an undeclared one shares them');
isnt(seq(get('/prod/items/6', 'X-Tenant' => 'a')),
     seq(get('/prod/items/6', 'X-Tenant' => 'b')),
     'a declared header splits entries');
is(seq(get('/prod/items/7', 'X-Other' => 'a')),
   seq(get('/prod/items/7', 'X-Other' => 'b')),
   'an undeclared header shares them');
isnt(seq(get('/prod/items/8?lang=en&lang=fr')), seq(get('/prod/items/8?lang=en')),
     'every value of a repeated parameter counts');
isnt(seq(get('/prod/long')), seq(get('/staging/long')),
     'one cache per stage');

my $na = get('/prod/ns-a?q=1');
is(seq(get('/prod/ns-b?q=1')), seq($na),
   'cacheNamespace: two resources share entries');
isnt(seq(get('/prod/ns-b?q=2')), seq($na),
     'cacheKeyParameters still split them');

###############################################################################
# callers never share an entry unless the operation says so

my $alice = get('/prod/mine', 'x-api-key' => 'alice-key-0123456789abcdef');
my $bob = get('/prod/mine', 'x-api-key' => 'bob-key-0123456789abcdef00');
is($alice->{status}, 200, 'alice gets hers');
isnt(seq($bob), seq($alice), 'bob never gets alice\'s entry');
is(seq(get('/prod/mine', 'x-api-key' => 'alice-key-0123456789abcdef')),
   seq($alice), 'alice hits her own');
is(get('/prod/mine')->{status}, 403, 'no key: refused before the cache');

my $s1 = get('/prod/shared', 'x-api-key' => 'alice-key-0123456789abcdef');
is(seq(get('/prod/shared', 'x-api-key' => 'bob-key-0123456789abcdef00')),
   seq($s1), 'shared: true lets callers share');

my ($tok_a, $tok_b) = (jwt('user-a'), jwt('user-b'));
my $ja = get('/prod/jwt', Authorization => "Bearer $tok_a");
my $jb = get('/prod/jwt', Authorization => "Bearer $tok_b");
is($ja->{status}, 200, 'a token\'s caller gets an answer');
isnt(seq($jb), seq($ja), 'another subject never gets it');
is(seq(get('/prod/jwt', Authorization => 'Bearer ' . jwt('user-a'))),
   seq($ja), 'a new token of the same subject hits');

# RFC 9111 3.5: Authorization on an operation without security

my $auth1 = get('/prod/long', Authorization => 'Basic dTpw');
isnt(seq($auth1), seq($l1), 'a request with Authorization is not served '
     . 'a shared entry');

###############################################################################
# not stored

my $big1 = get('/prod/big');
is(length $big1->{body}, 2 * 1024 * 1024, 'a 2 MB response passes');
isnt(get('/prod/big')->{body}, $big1->{body}, '... uncached');

for my $case (qw(nostore private cookie vary error)) {
    my $a = get("/prod/$case");
    my $b = get("/prod/$case");
    isnt(seq($b), seq($a), "$case: not stored");
}

is(seq(get('/prod/public')), seq(get('/prod/public')),
   'Cache-Control: public is stored');
is(seq(get('/prod/vary-ok', 'X-Tenant' => 't')),
   seq(get('/prod/vary-ok', 'X-Tenant' => 't')),
   'a Vary the key covers is stored');
my $m1 = get('/prod/missing');
is($m1->{status}, 404, 'a 404');
is(seq(get('/prod/missing')), seq($m1), '... stored where statuses say so');
is(get('/prod/cookie')->{headers}{'set-cookie'}, 'session=abc',
   'Set-Cookie reaches the client');

###############################################################################
# content codings, HEAD, POST, mock

my $plain = get('/prod/coded');
my $gz = get('/prod/coded', 'Accept-Encoding' => 'gzip');
like($plain->{body}, qr/^plain:/, 'identity first');
like($gz->{body}, qr/^gzip:/, 'a gzip client never gets the plain entry');
like(get('/prod/coded')->{body}, qr/^plain:/,
     'and a plain client never the gzip one');

my $rg = get('/prod/range', Range => 'bytes=0-3');
is($rg->{status}, 206, 'a Range request gets its part');
is(get('/prod/range')->{status}, 200, 'the next request gets the whole');
my $whole = get('/prod/range');
like($whole->{headers}{age} // '', qr/^\d+$/, '... which is cached');
is(get('/prod/range', Range => 'bytes=0-3')->{status}, 206,
   'a Range request never takes the whole entry');

my $tag = get('/prod/tagged');
is($tag->{headers}{etag}, '"v1"', 'a stored ETag');
my $nm = get('/prod/tagged', 'If-None-Match' => '"v1"');
is($nm->{status}, 304, 'a hit answers If-None-Match with 304');
like($nm->{headers}{age} // '', qr/^\d+$/, '... from the cache');
is(get('/prod/tagged', 'If-Modified-Since' => 'Tue, 01 Dec 2026 10:00:00 GMT')
   ->{status}, 304, '... and If-Modified-Since');
is(get('/prod/tagged', 'If-None-Match' => '"v0"')->{status}, 200,
   'another tag gets the whole response');

my $h = $t->http('HEAD', '/prod/items/1');
is($h->{status}, 200, 'HEAD is answered');
like($h->{headers}{age} // '', qr/^\d+$/, '... from the GET\'s entry');
is($h->{body}, '', '... without a body');
my $before = calls('/items/9');
$t->http('HEAD', '/prod/items/9');
is(seq(get('/prod/items/9')), seq(get('/prod/items/9')),
   'a HEAD miss stores nothing the GET could take for a body');

sub post {
    my ($uri, $body) = @_;
    return $t->http('POST', $uri, body => $body,
                    headers => ['Content-Type' => 'application/json']);
}

is(seq(post('/prod/search', '{"q":1}')), seq(post('/prod/search', '{"q":1}')),
   'enabled: true caches a POST');
isnt(seq(post('/prod/search', '{"q":1}')), seq(post('/prod/search', '{"q":2}')),
     '... keyed by its body');
isnt(seq(post('/prod/unsafe', '{}')), seq(post('/prod/unsafe', '{}')),
     'a POST is never cached otherwise');

my $mk = get('/prod/mock');
is($mk->{body}, '{"mocked":true}', 'a mock answers');
my $mk2 = get('/prod/mock');
is($mk2->{body}, '{"mocked":true}', 'a cached mock answers the same');
like($mk2->{headers}{age} // '', qr/^\d+$/, '... from the cache');

###############################################################################
# invalidation: Cache-Control: max-age=0

my $i1 = get('/prod/inval/header');
my $i2 = get('/prod/inval/header', 'Cache-Control' => 'max-age=0');
is(seq($i2), seq($i1), 'an unauthorized refresh is ignored');
like($i2->{headers}{warning} // '', qr/^199 .*not authorized/,
     '... and says so (SUCCEED_WITH_RESPONSE_HEADER, the default)');

my $q1 = get('/prod/inval/quiet');
my $q2 = get('/prod/inval/quiet', 'Cache-Control' => 'max-age=0');
is(seq($q2), seq($q1), 'SUCCEED_WITHOUT_RESPONSE_HEADER: ignored');
ok(!defined $q2->{headers}{warning}, '... silently');

get('/prod/inval/fail');
my $f = get('/prod/inval/fail', 'Cache-Control' => 'max-age=0');
is($f->{status}, 403, 'FAIL_WITH_403: refused');
like($f->{body}, qr/Not authorized to invalidate the cache/, '... saying why');

my $fr1 = get('/prod/inval/free');
my $fr2 = get('/prod/inval/free', 'Cache-Control' => 'max-age=0');
isnt(seq($fr2), seq($fr1), 'no authorization required: anyone refreshes');
is(seq(get('/prod/inval/free')), seq($fr2), '... and the new entry stays');

my $k1 = get('/prod/inval/keyed', 'x-api-key' => 'alice-key-0123456789abcdef');
is(seq(get('/prod/inval/keyed', 'x-api-key' => 'alice-key-0123456789abcdef',
           'Cache-Control' => 'max-age=0')), seq($k1),
   'a key whose plan lacks cacheInvalidation cannot refresh');
my $k2 = get('/prod/inval/keyed', 'x-api-key' => 'ops-key-0123456789abcdef00',
             'Cache-Control' => 'max-age=0');
isnt(seq($k2), seq($k1), 'a plan with cacheInvalidation refreshes');
is(seq(get('/prod/inval/keyed', 'x-api-key' => 'alice-key-0123456789abcdef')),
   seq($k2), '... for every caller of the shared entry');

my $j1 = get('/prod/inval/jwt', Authorization => "Bearer $tok_a");
is(seq(get('/prod/inval/jwt', Authorization => "Bearer $tok_a",
           'Cache-Control' => 'max-age=0')), seq($j1),
   'a token without the scope cannot refresh');
my $j2 = get('/prod/inval/jwt', Authorization => 'Bearer ' . jwt('ops'),
             'Cache-Control' => 'no-cache');
isnt(seq($j2), seq($j1), 'a token with execute-api:InvalidateCache can');

###############################################################################
# a stage's flush

my $before_flush = get('/prod/long');
my $st = get('/staging/long');
my $fl = $t->http('DELETE', '/ops/prod/cache');
is($fl->{status}, 202, 'DELETE flushes: 202, as AWS\'s FlushStageCache');
like($fl->{body}, qr/"stage":"cache\/prod","flushed":true/, '... naming it');
isnt(seq(get('/prod/long')), seq($before_flush), 'the stage refetches');
is(seq(get('/staging/long')), seq($st), 'another stage keeps its entries');
my $stats = $t->http('GET', '/ops/prod/cache');
like($stats->{body}, qr/"entries":\d+,"bytes":\d+/, 'GET tells the zone');
is($t->http('POST', '/ops/prod/cache')->{status}, 405, 'POST: 405');

###############################################################################
# single flight: 100 concurrent misses, one backend call

my @ok = grep { /^HTTP\/1.1 200 / }
         $t->concurrent_get('/prod/slow', 100, timeout => 15);
is(scalar @ok, 100, 'all 100 concurrent requests answered');
is(calls('/slow'), 1, 'the backend was called once');
my %bodies = map { (split /\r\n\r\n/, $_, 2)[1] => 1 } @ok;
is(scalar keys %bodies, 1, 'every one got the same response');

###############################################################################
# a reload keeps entries; a full zone evicts without errors

my $kept = get('/prod/items/10');
$t->reload;
my $after = get('/prod/items/10');
is(seq($after), seq($kept), 'a reload keeps entries');

for my $n (1 .. 40) {
    get("/prod/fill/$n");
}
my $last = get('/prod/fill/40');
like($last->{headers}{age} // '', qr/^\d+$/,
     'a full zone still stores the newest (the oldest evicted)');
my $first = get('/prod/fill/1');
ok(!defined $first->{headers}{age}, 'the least recently used went');
is($first->{status}, 200, '... and is fetched again');

###############################################################################
# metrics: AWS's CacheHitCount and CacheMissCount, by route

my ($m, $metrics) = scrape($t);

sub cached {
    my ($resource, $result) = @_;
    return count($m, 'apigw_cache_requests_total', stage => 'prod',
                 resource => $resource, result => $result);
}

is(cached('/slow', 'hit'), 99, 'metrics: 99 hits of /slow');
is(cached('/slow', 'miss'), 1, '... and its one miss');
is(cached('/inval/free', 'refresh'), 1,
   'metrics: the refresh anyone may make');
is(cached('/inval/keyed', 'refresh'), 1,
   'metrics: the refresh of a plan with cacheInvalidation');
is(cached('/inval/jwt', 'refresh'), 1,
   'metrics: the refresh of a token with the scope');
is(cached('/inval/header', 'refresh') + cached('/inval/quiet', 'refresh'),
   0, 'metrics: refreshes ignored are not refreshes');
is(count($m, 'apigw_cache_requests_total', result => 'refresh'), 3,
   'metrics: 3 refreshes in all');
is(cached('/long', 'bypass'), 1, 'metrics: a request with Authorization, '
   . 'bypass');
is(cached('/range', 'bypass'), 2, 'metrics: the two Range requests, bypass');
is(cached('/items/{id}', 'bypass'), 1, 'metrics: the HEAD miss, bypass');
is(count($m, 'apigw_cache_requests_total', result => 'bypass'), 4,
   'metrics: 4 bypasses in all');
unlike($metrics, qr/^apigw_cache_requests_total\{[^}]*stage="nocache"/m,
       'a stage without a cache has no cache counts');
my ($lint_ok, $lint) = promtool($t, $metrics);
ok($lint_ok, 'promtool: the page of the cache passes') or diag($lint);

###############################################################################
# the access log

my $log = $t->read_file('cache.log');
like($log, qr{^/prod/items/1 200 MISS$}m, '$apigw_cache_status: MISS');
like($log, qr{^/prod/items/1 200 HIT$}m, 'HIT');
like($log, qr{^/prod/inval/free 200 REFRESH$}m, 'REFRESH');
like($log, qr{^/prod/long 200 BYPASS$}m, 'BYPASS (Authorization)');
like($log, qr{^/prod/off 200 -$}m,
     'empty ("-") where caching does not apply');

$t->check_log;

done_testing;
