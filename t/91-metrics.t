#!/usr/bin/perl

# The Prometheus metrics page (apigw_prometheus): exact counts after known
# traffic, the gateway's refusals among them (403 without or with a bad
# key, 401 without or with a bad token, 429 from a bucket and a quota, 400
# and 415 from validation, 413, 504 at the deadline, no route); the
# resource label is the route's template; histograms agree with themselves
# and the counters; a stage with "apigw_metrics off" is not counted; a
# canary's requests have series of their own; two workers count exactly;
# a reload keeps the counters and drops the series of routes gone;
# promtool accepts the page; a zone too small fails nginx -t with the size
# that fits, and that size works; not set, the zone grows to fit.

use strict;
use warnings;

use lib 't/lib';
use POSIX ();
use Test::More;
use Apigw::Test;

plan(skip_all => 'module not built') unless Apigw::Test::have_module();

my $PROMTOOL = $ENV{PROMTOOL} // '/usr/bin/promtool';

my $t = Apigw::Test->new;
my $p = $t->prefix;

my $be = $t->backend(port => $t->port(2), record => 0, handler => sub {
    my ($req) = @_;
    return 'hang' if $req->{path} eq '/slow';
    return (200, ['Content-Type' => 'application/json'], '{"ok":true}');
});

my $ann = 'ann-key-0123456789abcdefgh';
my $cid = 'cid-key-0123456789abcdefgh';
my $dan = 'dan-key-0123456789abcdefgh';
my $eve = 'eve-key-0123456789abcdefgh';

$t->write_file('secret.json', '{"keys":[{"kty":"oct","kid":"hs",'
    . '"alg":"HS256","k":"YS1zaGFyZWQtc2VjcmV0LW9mLTMyLWJ5dGVzLW9rISE"}]}');

my $port2 = $t->port(2);

sub spec {
    my ($extra) = @_;
    return <<"YAML" . ($extra // '');
openapi: 3.0.3
info: {title: metrics, version: "1"}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: x-api-key}
    bearer:
      type: http
      scheme: bearer
      x-apigw-jwt: {issuer: "https://idp.test/", jwks: $p/secret.json,
                    algorithms: [HS256]}
paths:
  /pets:
    get: {}
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties: {name: {type: string}}
  /pets/{petId}:
    get:
      parameters:
        - {name: petId, in: path, required: true,
           schema: {type: integer, minimum: 1}}
  /keyed:
    get: {security: [{key: []}]}
  /token:
    get: {security: [{bearer: []}]}
  /limited:
    get:
      x-apigw-throttle: {rate: 0.001, burst: 1}
  /mock:
    get:
      x-apigw-integration: {type: mock, status: 200, body: "{}"}
  /slow:
    get:
      x-apigw-integration:
        type: http
        uri: "http://127.0.0.1:$port2/slow"
        timeout: 300
YAML
}

$t->write_file('api.yaml', spec(<<'YAML'));
  /gone:
    get: {}
YAML

$t->write_file('v2.yaml', <<'YAML');
openapi: 3.0.3
info: {title: metrics v2, version: "2"}
paths:
  /pets:
    get: {}
  /v2only:
    get: {}
YAML

$t->write_file('keys.yaml', <<"YAML");
plans:
  - id: gold
    stages: [{stage: api/prod}, {stage: api/bulk}]
  - id: counted
    quota: {limit: 1, period: DAY}
    stages: [{stage: api/prod}]
  - id: elsewhere
    stages: [{stage: api/staging}]
keys:
  - {id: ann, value: "$ann", plan: gold}
  - {id: cid, value: "$cid", plan: counted}
  - {id: dan, value: "$dan", plan: gold, enabled: false}
  - {id: eve, value: "$eve", plan: elsewhere}
YAML

my $CONF = <<'CONF';
    apigw_api api %%PREFIX%%/api.yaml;
    apigw_api v2 %%PREFIX%%/v2.yaml;
    apigw_keys %%PREFIX%%/keys.yaml;

    log_format worker $pid;

    server {
        listen 127.0.0.1:%%PORT%% reuseport;

        location /prod/ {
            apigw api stage=prod;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
            apigw_body_limit 1k;
        }

        location /staging/ {
            apigw api stage=staging;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
            apigw_metrics off;
        }

        location /bulk/ {
            apigw api stage=bulk;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
            access_log %%PREFIX%%/bulk.log worker;
        }

        location /canary/ {
            apigw api stage=canary;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
            apigw_canary v2 percent=0 header=X-Apigw-Canary;
            apigw_canary_trust 127.0.0.1;
        }

        location = /metrics {
            apigw_prometheus;
            allow 127.0.0.1;
            deny all;
        }

        location = /closed {
            apigw_prometheus;
            deny all;
        }
    }
CONF

$t->write_conf($CONF, workers => 2);
$t->run;

sub get {
    my ($uri, @h) = @_;
    return $t->http_json('GET', $uri, headers => \@h);
}

# the page as { 'name{labels}' => value }, and its text
sub scrape {
    my $r = $t->http('GET', '/metrics');
    my %m;

    for my $line (split /\n/, $r->{body} // '') {
        next if $line =~ /^#/;
        $m{$1} = $2 if $line =~ /^(\S+(?:\{.*\})?) (\S+)$/;
    }

    return (\%m, $r);
}

sub series {
    my ($stage, $method, $resource, @extra) = @_;
    my $l = "api=\"api\",stage=\"$stage\",canary=\"false\","
            . "deployment=\"api\",method=\"$method\",resource=\"$resource\"";
    while (@extra) {
        my ($k, $v) = splice(@extra, 0, 2);
        $l .= ",$k=\"$v\"";
    }
    return "{$l}";
}

sub requests {
    my ($m, $stage, $method, $resource, $code) = @_;
    return $m->{'apigw_requests_total'
                . series($stage, $method, $resource, code => $code)} // 0;
}

###############################################################################

# the page itself
my ($m, $r) = scrape();
is($r->{status}, 200, 'the page: 200');
is($r->{headers}{'content-type'}, 'text/plain; version=0.0.4; charset=utf-8',
   'the page: text format 0.0.4');
is($m->{apigw_metrics_series}, 3 * 10 + 3, 'the page: 10 series for each '
   . 'stage counted (9 routes and no route), 3 stages, and 3 for the '
   . 'canary\'s 2 routes');
is(scalar(grep { /^apigw_requests_total/ } keys %$m), 0,
   'nothing counted yet: no samples');
like($r->{body}, qr/^apigw_build_info\{nginx_version="[\d.]+"\} 1$/m,
     'build info');
is($t->http('GET', '/closed')->{status}, 403, 'allow and deny guard it');
$r = $t->http('POST', '/metrics', body => 'x');
is($r->{status}, 405, 'POST: 405');
is($r->{headers}{allow}, 'GET, HEAD', 'with Allow');
$r = $t->http('HEAD', '/metrics');
is($r->{status}, 200, 'HEAD: 200');
is($r->{body} // '', '', 'HEAD: no body');

# known traffic, one of each outcome (a 504 at the deadline among them)
is(get('/prod/pets')->{status}, 200, 'GET /pets') for 1 .. 3;
is(get('/prod/pets/7')->{status}, 200, 'GET /pets/7') for 1 .. 2;
is(get('/prod/pets/0')->{status}, 400, 'GET /pets/0: 400 parameters');
is($t->http('POST', '/prod/pets', body => '{"name":"rex"}',
            headers => ['Content-Type' => 'application/json'])->{status},
   200, 'POST /pets');
is($t->http('POST', '/prod/pets', body => '{}',
            headers => ['Content-Type' => 'application/json'])->{status},
   400, 'POST /pets {}: 400 body');
is($t->http('POST', '/prod/pets', body => 'rex',
            headers => ['Content-Type' => 'text/plain'])->{status},
   415, 'POST /pets text/plain: 415');
is($t->http('POST', '/prod/pets', body => '{"name":"' . 'x' x 2000 . '"}',
            headers => ['Content-Type' => 'application/json'])->{status},
   413, 'POST /pets past the limit: 413');
is(get('/prod/keyed')->{status}, 403, 'keyed: no key, 403');
is(get('/prod/keyed', 'x-api-key' => 'nobody-0123456789abcdef')->{status},
   403, 'keyed: an unknown key, 403');
is(get('/prod/keyed', 'x-api-key' => $dan)->{status}, 403,
   'keyed: a disabled key, 403');
is(get('/prod/keyed', 'x-api-key' => $eve)->{status}, 403,
   'keyed: a key of another stage, 403');
is(get('/prod/keyed', 'x-api-key' => $ann)->{status}, 200, 'keyed: 200');
is(get('/prod/keyed', 'x-api-key' => $cid)->{status}, 200,
   'keyed: the quota\'s one');
is(get('/prod/keyed', 'x-api-key' => $cid)->{status}, 429,
   'keyed: past the quota, 429');
is(get('/prod/token')->{status}, 401, 'token: none, 401');
is(get('/prod/token', Authorization => 'Bearer abc.def.ghi')->{status}, 401,
   'token: not valid, 401');
is(get('/prod/limited')->{status}, 200, 'limited: the bucket\'s one');
is(get('/prod/limited')->{status}, 429, 'limited: then 429');
is(get('/prod/mock')->{status}, 200, 'a mock');
is(get('/prod/slow')->{status}, 504, 'a backend that hangs: 504 at 300 ms');
is(get('/prod/nowhere/7?secret=1')->{status}, 403, 'no route: 403');
is($t->http('DELETE', '/prod/pets')->{status}, 403,
   'no operation for the method: 403');
is(get('/staging/pets')->{status}, 200, 'staging, not counted') for 1 .. 2;

($m, $r) = scrape();

is(requests($m, 'prod', 'GET', '/pets', 200), 3, 'GET /pets 200: 3');
is(requests($m, 'prod', 'GET', '/pets/{petId}', 200), 2,
   'GET /pets/7 counts as /pets/{petId}: 2');
is(requests($m, 'prod', 'GET', '/pets/{petId}', 400), 1,
   '/pets/{petId} 400: 1');
is(requests($m, 'prod', 'POST', '/pets', 200), 1, 'POST /pets 200: 1');
is(requests($m, 'prod', 'POST', '/pets', 400), 1, 'POST /pets 400: 1');
is(requests($m, 'prod', 'POST', '/pets', 415), 1, 'POST /pets 415: 1');
is(requests($m, 'prod', '', '', 413), 1,
   'a Content-Length past the limit, refused by nginx before routing: '
   . '413 with no route');
is(requests($m, 'prod', 'GET', '/keyed', 403), 4, '/keyed 403: 4');
is(requests($m, 'prod', 'GET', '/keyed', 200), 2, '/keyed 200: 2');
is(requests($m, 'prod', 'GET', '/keyed', 429), 1, '/keyed 429: 1');
is(requests($m, 'prod', 'GET', '/token', 401), 2, '/token 401: 2');
is(requests($m, 'prod', 'GET', '/limited', 200), 1, '/limited 200: 1');
is(requests($m, 'prod', 'GET', '/limited', 429), 1, '/limited 429: 1');
is(requests($m, 'prod', 'GET', '/mock', 200), 1, '/mock 200: 1');
is(requests($m, 'prod', 'GET', '/slow', 504), 1, '/slow 504: 1');
is($m->{'apigw_integration_duration_seconds_count'
       . series('prod', 'GET', '/slow')}, 1,
   '/slow: its integration observed once, to its deadline');
is(requests($m, 'prod', '', '', 403), 2,
   'no route: method="" resource="", 403: 2');
ok(!grep({ /nowhere|secret|DELETE/ } keys %$m),
   'the raw path, query and method are never labels');
ok(!grep({ /stage="staging"/ } keys %$m),
   'apigw_metrics off: the staging stage is not counted');

my $total = 0;
$total += $m->{$_} for grep { /^apigw_requests_total\{/ } keys %$m;
is($total, 25, 'every request counted once: 25');

is($m->{'apigw_validation_failures_total'
       . series('prod', 'GET', '/pets/{petId}', kind => 'parameters')}, 1,
   'validation: parameters');
is($m->{'apigw_validation_failures_total'
       . series('prod', 'POST', '/pets', kind => 'body')}, 1,
   'validation: body');
is($m->{'apigw_validation_failures_total'
       . series('prod', 'POST', '/pets', kind => 'content_type')}, 1,
   'validation: content type');
is(scalar(grep { /^apigw_validation_failures_total/ } keys %$m), 3,
   'validation: nothing else (413 is not a validation failure)');

for (['missing_key', '/keyed'], ['unknown_key', '/keyed'],
     ['disabled_key', '/keyed'], ['key_not_in_plan', '/keyed'],
     ['no_credentials', '/token'], ['invalid_token', '/token'])
{
    my ($reason, $route) = @$_;
    is($m->{'apigw_auth_failures_total'
           . series('prod', 'GET', $route, reason => $reason)}, 1,
       "auth failures: $reason");
}
is(scalar(grep { /^apigw_auth_failures_total/ } keys %$m), 6,
   'auth failures: nothing else');

is($m->{'apigw_throttled_total'
       . series('prod', 'GET', '/limited', level => 'operation')}, 1,
   'throttled: the operation\'s bucket');
is($m->{'apigw_throttled_total'
       . series('prod', 'GET', '/keyed', level => 'quota')}, 1,
   'throttled: the quota');
is(scalar(grep { /^apigw_throttled_total/ } keys %$m), 2,
   'throttled: nothing else');

# histograms: cumulative, +Inf the count, the count the requests
my $s = series('prod', 'GET', '/pets');
my $prev = 0;
my $monotonic = 1;
for my $le (qw(0.005 0.01 0.025 0.05 0.1 0.25 0.5 1 2.5 5 10 29 +Inf)) {
    (my $l = $s) =~ s/\}$/,le="$le"}/;
    my $v = $m->{"apigw_request_duration_seconds_bucket$l"};
    $monotonic = 0 unless defined $v && $v >= $prev;
    $prev = $v // 0;
}
ok($monotonic, 'request duration: 13 buckets, cumulative');
is($prev, 3, 'request duration: +Inf is 3');
is($m->{"apigw_request_duration_seconds_count$s"}, 3,
   'request duration: the count is 3');
like($m->{"apigw_request_duration_seconds_sum$s"}, qr/^\d+\.\d{3}$/,
     'request duration: the sum in seconds');
is($m->{"apigw_integration_duration_seconds_count$s"}, 3,
   'integration duration: 3 calls of the backend');
is($m->{'apigw_integration_duration_seconds_count'
       . series('prod', 'GET', '/mock')}, undef,
   'integration duration: a mock calls nothing');
is($m->{'apigw_request_duration_seconds_count'
       . series('prod', 'GET', '/mock')}, 1, 'but its request counts');

my $consistent = 1;
for my $k (grep { /^apigw_request_duration_seconds_count\{/ } keys %$m) {
    (my $labels = $k) =~ s/^[^{]*//;
    my $n = 0;
    (my $prefix = $labels) =~ s/\}$//;
    $n += $m->{$_} for grep { /^apigw_requests_total\Q$prefix\E,code=/ }
                       keys %$m;
    $consistent = 0 unless $n == $m->{$k};
}
ok($consistent, 'each series: the duration count is its requests');

# promtool: the page is valid
ok(-x $PROMTOOL, "promtool is installed ($PROMTOOL; scripts/bootstrap-deps)");
$t->write_file('page.txt', $r->{body});
my $lint = `$PROMTOOL check metrics < $p/page.txt 2>&1`;
is($?, 0, 'promtool check metrics passes') or diag($lint);

# two workers: 200 requests from 4 clients at once, each on a connection
# of its own, counted exactly
my @kids;
for my $k (1 .. 4) {
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        my $ok = grep { get('/bulk/pets/1')->{status} == 200 } 1 .. 50;
        POSIX::_exit($ok == 50 ? 0 : 1);
    }
    push @kids, $pid;
}
is(scalar(grep { waitpid($_, 0) == $_ && $? == 0 } @kids), 4,
   'bulk: 4 clients, 50 requests each, all 200');
my %pids = map { $_ => 1 } split /\n/, $t->read_file('bulk.log');
is(scalar(keys %pids), 2, 'both workers served some');
($m) = scrape();
is(requests($m, 'bulk', 'GET', '/pets/{petId}', 200), 200,
   'two workers: 200 counted');
is($m->{'apigw_request_duration_seconds_count'
       . series('bulk', 'GET', '/pets/{petId}')}, 200,
   'two workers: histogram count 200');

# a reload keeps the counters; a route gone, its series gone
is(get('/prod/gone')->{status}, 200, 'a route about to go');
$t->write_file('api.yaml', spec());
ok($t->reload, 'reload without /gone');
($m, $r) = scrape();
is(requests($m, 'prod', 'GET', '/pets', 200), 3,
   'after the reload: GET /pets still 3');
is(requests($m, 'bulk', 'GET', '/pets/{petId}', 200), 200,
   'after the reload: bulk still 200');
is(requests($m, 'prod', 'GET', '/gone', 200), 0,
   'after the reload: /gone is gone');

# the refusals counted before it, kept too
my @refusals = (
    ['GET', '/keyed', 403, 4], ['GET', '/keyed', 429, 1],
    ['GET', '/limited', 429, 1], ['GET', '/pets/{petId}', 400, 1],
    ['POST', '/pets', 400, 1], ['POST', '/pets', 415, 1],
    ['GET', '/token', 401, 2], ['GET', '/slow', 504, 1],
    ['', '', 403, 2], ['', '', 413, 1]);

for (@refusals) {
    my ($method, $resource, $code, $n) = @$_;
    is(requests($m, 'prod', $method, $resource, $code), $n,
       "after the reload: $method $resource $code still $n");
}

sub family_total {
    my ($m, $family) = @_;
    my $n = 0;
    $n += $m->{$_} for grep { /^\Q$family\E\{/ } keys %$m;
    return $n;
}

is(family_total($m, 'apigw_auth_failures_total'), 6,
   'after the reload: the 6 auth failures');
is(family_total($m, 'apigw_throttled_total'), 2,
   'after the reload: the 2 throttled');
is(family_total($m, 'apigw_validation_failures_total'), 3,
   'after the reload: the 3 validation failures');
is($m->{'apigw_throttled_total'
       . series('prod', 'GET', '/keyed', level => 'quota')}, 1,
   'after the reload: the quota\'s 429, level quota');
is($m->{'apigw_auth_failures_total'
       . series('prod', 'GET', '/keyed', reason => 'missing_key')}, 1,
   'after the reload: the 403 without a key, missing_key');
is($m->{'apigw_validation_failures_total'
       . series('prod', 'GET', '/pets/{petId}', kind => 'parameters')}, 1,
   'after the reload: the 400, parameters');
is($m->{apigw_metrics_series}, 3 * 9 + 3,
   'after the reload: 9 series a stage');
is(get('/prod/pets')->{status}, 200, 'one more');
($m) = scrape();
is(requests($m, 'prod', 'GET', '/pets', 200), 4, 'and it counts: 4');
$t->write_file('page.txt', $r->{body});
$lint = `$PROMTOOL check metrics < $p/page.txt 2>&1`;
is($?, 0, 'promtool: the page after the reload passes') or diag($lint);

# another reload frees what no worker alive counts; the route back, its
# series anew, the others kept
ok($t->reload, 'reload again, the workers that had /gone gone');
$t->write_file('api.yaml', spec(<<'YAML'));
  /gone:
    get: {}
YAML
ok($t->reload, 'reload with /gone back');
is(get('/prod/gone')->{status}, 200, '/gone again');
($m) = scrape();
is(requests($m, 'prod', 'GET', '/gone', 200), 1, '/gone counts anew');
is(requests($m, 'prod', 'GET', '/pets', 200), 4, 'GET /pets kept: 4');
is(scalar(grep { requests($m, 'prod', $_->[0], $_->[1], $_->[2]) == $_->[3] }
          @refusals), scalar @refusals,
   'the refusals kept across three reloads');
is(family_total($m, 'apigw_auth_failures_total')
   + family_total($m, 'apigw_throttled_total')
   + family_total($m, 'apigw_validation_failures_total'), 11,
   'and their auth, throttling and validation counts');

# a canary: its requests in series of their own, canary="true", the
# deployment its apigw_api; the stage's with canary="false"
is(get('/canary/pets')->{status}, 200, 'canary stage: its release');
is(get('/canary/pets', 'X-Apigw-Canary' => 'true')->{status}, 200,
   'canary stage: the canary, forced');
is(get('/canary/v2only', 'X-Apigw-Canary' => 'true')->{status}, 200,
   'canary stage: a route only the canary has');
is(get('/canary/v2only')->{status}, 403, 'which the release has not');
($m, $r) = scrape();
is(requests($m, 'canary', 'GET', '/pets', 200), 1,
   'canary="false", deployment="api": 1');
my $cs = 'api="api",stage="canary",canary="true",deployment="v2"';
is($m->{"apigw_requests_total{$cs,method=\"GET\",resource=\"/pets\","
        . 'code="200"}'}, 1, 'canary="true", deployment="v2", /pets: 1');
is($m->{"apigw_requests_total{$cs,method=\"GET\",resource=\"/v2only\","
        . 'code="200"}'}, 1, 'canary="true", /v2only: 1');
is(requests($m, 'canary', '', '', 403), 1,
   'the release\'s no route: 1');
$t->write_file('page.txt', $r->{body});
$lint = `$PROMTOOL check metrics < $p/page.txt 2>&1`;
is($?, 0, 'promtool: the page with a canary passes') or diag($lint);

$t->check_log;

###############################################################################

# a zone too small: nginx -t fails and says what fits, and that fits
my $z = Apigw::Test->new;
my $ops = join('', map { "  /r$_:\n    get: {}\n" } 1 .. 300);
$z->write_file('api.yaml', "openapi: 3.0.3\ninfo: {title: z, version: "
               . "\"1\"}\npaths:\n$ops");

sub zone_conf {
    my ($size) = @_;
    return <<"CONF";
    apigw_api big %%PREFIX%%/api.yaml;
    apigw_metrics_zone $size;
    apigw_redis 127.0.0.1:%%PORT_3%% on_failure=local;

    server {
        listen 127.0.0.1:%%PORT%%;

        location /a/ {
            apigw big stage=a;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
        }

        location /b/ {
            apigw big stage=b;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
            apigw_throttle rate=1000 burst=1000;
        }

        location = /metrics {
            apigw_prometheus;
        }
    }
CONF
}

# what nginx -t refuses besides
my ($rc, $out);
(my $both = zone_conf('4m')) =~ s/(apigw big stage=a;)/$1\n            apigw_prometheus;/;
$z->write_conf($both);
($rc, $out) = $z->nginx_test;
like($out, qr/apigw_prometheus in the location of "apigw" in .*: the page needs a location of its own/,
     'apigw_prometheus in an apigw location: refused');
$z->write_conf(zone_conf('16k'));
($rc, $out) = $z->nginx_test;
like($out, qr/apigw_metrics_zone "16k" is too small: 32k at least/,
     'a zone under 8 pages: refused');

$z->write_conf(zone_conf('64k'));
($rc, $out) = $z->nginx_test;
isnt($rc, 0, 'a zone too small: nginx -t fails');
like($out, qr/apigw_metrics_zone: the configuration has 602 series, which take (\d+)k; the zone holds 64k: set "apigw_metrics_zone (\d+)k;" or more/,
     'it says how many series, what they take, what the zone holds');
my ($fit) = $out =~ /set "apigw_metrics_zone (\d+k);"/;
ok($fit, "the size that fits: $fit");

$z->write_conf(zone_conf($fit));
($rc, $out) = $z->nginx_test;
is($rc, 0, "with $fit: nginx -t passes") or diag($out);
$z->run;
($r) = $z->http('GET', '/metrics');
like($r->{body}, qr/^apigw_metrics_series 602$/m,
     "with $fit: nginx runs, 602 series");
is($z->http('GET', '/b/r300')->{status}, 502, 'the last route counts');
$r = $z->http('GET', '/metrics');
like($r->{body},
     qr/^apigw_requests_total\{api="big",stage="b",canary="false",deployment="big",method="GET",resource="\/r300",code="502"\} 1$/m,
     'in its series');

# Redis (apigw_redis to a port where nothing listens): its failures, and
# the request throttled by the failure policy, without route labels
like($r->{body}, qr/^apigw_redis_errors_total\{error="connection"\} [1-9]\d*$/m,
     'Redis refused: connection errors counted');
like($r->{body}, qr/^apigw_redis_fallbacks_total\{policy="local"\} 1$/m,
     'the throttled request decided in the zone: a fallback, local');

# not set, the zone grows to the power of two that holds the series:
# 2,100 operations in two stages need more than 4m
$ops = join('', map { "  /r$_:\n    get: {}\n" } 1 .. 2100);
$z->write_file('api.yaml', "openapi: 3.0.3\ninfo: {title: z, version: "
               . "\"1\"}\npaths:\n$ops");
(my $unset = zone_conf('4m')) =~ s/^\s*apigw_metrics_zone .*\n//m;
$z->write_conf($unset);
($rc, $out) = $z->nginx_test;
is($rc, 0, 'apigw_metrics_zone not set, 4,202 series: nginx -t passes')
    or diag($out);
$z->write_conf(zone_conf('4m'));
($rc, $out) = $z->nginx_test;
like($out, qr/has 4202 series, which take \d+k; the zone holds 4096k/,
     'set to 4m, it does not');

$z->check_log;

done_testing();
