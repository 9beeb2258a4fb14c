#!/usr/bin/perl

# Canary releases: a stage sends a share of its requests to another
# deployment (another apigw_api document) with stage variables of its own.
# The share over many requests, a fractional one too; the canary's
# routes, variables and context; a key stuck to one release (a cookie,
# the client's address, the caller's API key from the keys file or from
# Redis), and kept there when the share grows or a reload keeps it; the
# header that forces a release, trusted only from the addresses
# apigw_canary_trust names; usage plans that name the stage admit the
# canary's requests; 0 % and 100 %; $apigw_canary and $apigw_deployment in
# the access log; what nginx -t refuses.

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use JSON::PP;
use Digest::SHA qw(sha256_hex);
use Apigw::Test;

plan(skip_all => 'module not built') unless Apigw::Test::have_module();

my $t = Apigw::Test->new;
my $be = $t->backend(port => $t->port(2), handler => sub {
    my ($req) = @_;
    return (200, ['Content-Type' => 'application/json'],
            encode_json({ method => $req->{method},
                          path => $req->{path},
                          color => $req->{headers}{'x-color'} // '',
                          extra => $req->{headers}{'x-extra'} // '',
                          deployment => $req->{headers}{'x-deployment'} // '',
                          canary => $req->{headers}{'x-canary'} // '' }));
});

my $params = <<'YAML';
      x-apigw-integration:
        type: http
        uri: "http://127.0.0.1:PORT_2/echo"
        requestParameters:
          integration.request.header.X-Color: stageVariables.color
          integration.request.header.X-Extra: stageVariables.extra
          integration.request.header.X-Deployment: context.deploymentId
          integration.request.header.X-Canary: context.isCanaryRequest
YAML

for my $v (1, 2) {
    my $only = $v == 2 ? <<"YAML" . $params =~ s/echo/new/r : '';
  /new:
    get:
YAML
    # the canary's deployment posts where the stage's gets
    my $moved = $v == 2 ? <<"YAML" . $params =~ s/echo/moved/r
  /moved:
    get:
YAML
        =~ s/type: http\n/type: http\n        method: POST\n/r : <<'YAML';
  /moved:
    get:
      x-apigw-integration: {type: mock, status: 200, body: '{"moved":false}'}
YAML

    $t->write_file("v$v.yaml", (<<"YAML" . $params . $only . $moved)
openapi: 3.0.3
info: {title: pets, version: "$v"}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: x-api-key}
paths:
  /which:
    get:
      x-apigw-integration: {type: mock, status: 200, body: '{"v":$v}'}
  /keyed:
    get:
      security: [{key: []}]
      x-apigw-integration: {type: mock, status: 200, body: '{"keyed":$v}'}
  /echo:
    get:
YAML
        =~ s/PORT_2/$t->port(2)/ger);
}

# a spec without API keys, and one whose keys come from an authorizer
$t->write_file('bare.yaml', <<'YAML');
openapi: 3.0.3
info: {title: bare, version: "1"}
paths:
  /which:
    get:
      x-apigw-integration: {type: mock, status: 200, body: '{"v":1}'}
YAML
my $source = "x-amazon-apigateway-api-key-source: AUTHORIZER\n";
$t->write_file('authkeys.yaml',
               $t->read_file('bare.yaml') =~ s/^paths:/${source}paths:/mr);

# twenty callers' keys, kept as digests; one disabled
my $alice = 'alice-key-0123456789abcdef';
my @callers = map { sprintf('caller-%02d-0123456789abcdef', $_) } 1 .. 20;
my $off = 'disabled-key-0123456789abcdef';
$t->write_file('keys.yaml', <<"YAML"
plans:
  - {id: gold, stages: [{stage: pets/prod}, {stage: pets/bykey}]}
keys:
  - {id: k-alice, value: "$alice", plan: gold}
  - {id: k-off, value: "$off", plan: gold, enabled: false}
YAML
    . join('', map { sprintf("  - {id: k-%02d, sha256: \"%s\", plan: gold}\n",
                              $_ + 1, sha256_hex($callers[$_])) } 0 .. 19));

sub conf {
    my ($percent, $sticky_percent) = @_;

    return <<"CONF";
    apigw_api pets %%PREFIX%%/v1.yaml;
    apigw_api pets2 %%PREFIX%%/v2.yaml;
    apigw_keys %%PREFIX%%/keys.yaml;

    log_format canary '\$apigw_canary \$apigw_deployment \$apigw_api '
                      '\$apigw_stage \$uri';
    log_format bykey '\$status \$apigw_canary \$apigw_api_key_id';

    server {
        listen 127.0.0.1:%%PORT%%;
        access_log %%PREFIX%%/canary.log canary;
        apigw_canary_trust 127.0.0.1 ::1;

        location /prod/ {
            apigw pets stage=prod;
            apigw_stage_variable color blue;
            apigw_canary pets2 percent=$percent header=X-Canary;
            apigw_canary_stage_variable color green;
            apigw_canary_stage_variable extra added;
        }

        location /sticky/ {
            apigw_canary pets2 percent=$sticky_percent
                         sticky=\$cookie_user;
            apigw pets stage=sticky;
        }

        location /bykey/ {
            apigw pets stage=bykey;
            apigw_canary pets2 percent=50 sticky=\$apigw_api_key_id;
            access_log %%PREFIX%%/bykey.log bykey;
        }

        location /byaddr/ {
            apigw pets stage=byaddr;
            apigw_canary pets2 percent=50 sticky=\${apigw_source_ip};
        }

        location /frac/ {
            apigw pets stage=frac;
            apigw_canary pets2 percent=2.5;
        }

        location /all/ {
            apigw pets stage=all;
            apigw_canary pets2 percent=100;
        }

        location /none/ {
            apigw pets stage=none;
            apigw_canary pets2 percent=0 header=X-Canary;
        }

        location /untrusted/ {
            apigw pets stage=untrusted;
            apigw_canary pets2 percent=0 header=X-Canary;
            apigw_canary_trust 192.0.2.0/24;
        }

        location /plain/ {
            apigw pets stage=plain;
        }
    }
CONF
}

$t->write_conf(conf(25, 50));
$t->run;

sub which {
    my ($uri, @headers) = @_;
    my $r = $t->http('GET', $uri, headers => [@headers]);
    return $r->{status} == 200 && $r->{body} =~ /"v":(\d)/ ? $1 : "$r->{status}";
}

# the share: 25 % of 1,000 requests, within 5 standard deviations (13.7)

my %n;
$n{which('/prod/which')}++ for 1 .. 1000;
is(($n{1} // 0) + ($n{2} // 0), 1000, 'every request answered by a release');
cmp_ok($n{2} // 0, '>=', 250 - 69, '25 %: not too few canary requests');
cmp_ok($n{2} // 0, '<=', 250 + 69, '25 %: not too many');

# the canary's own stage variables, routes and context

my (%seen, %body);
for (1 .. 60) {
    my $r = $t->http('GET', '/prod/echo');
    my $b = decode_json($r->{body});
    $seen{$b->{deployment}}++;
    $body{$b->{deployment}} = $b;
}
ok($seen{pets} && $seen{pets2}, 'both releases serve /echo');
is_deeply($body{pets}, { method => 'GET', path => '/echo', color => 'blue',
                         extra => '', deployment => 'pets',
                         canary => 'false' },
          "the stage's release: its variables, context.isCanaryRequest false");
is_deeply($body{pets2}, { method => 'GET', path => '/echo', color => 'green',
                          extra => 'added', deployment => 'pets2',
                          canary => 'true' },
          "the canary: its variables replace and add to the stage's");

# forced by a trusted caller

my @forced = map { which('/prod/which', 'X-Canary' => 'true') } 1 .. 20;
is_deeply([sort { $a <=> $b } keys %{{ map { $_ => 1 } @forced }}], [2],
          'X-Canary: true from a trusted address: always the canary');
@forced = map { which('/prod/which', 'X-Canary' => 'false') } 1 .. 20;
is_deeply([keys %{{ map { $_ => 1 } @forced }}], [1],
          'X-Canary: false: always the stage\'s release');

my $r = $t->http('GET', '/prod/new', headers => ['X-Canary' => 'true']);
is($r->{status}, 200, 'a route only the canary has, on the canary');
is(decode_json($r->{body})->{path}, '/new', '... reaching its backend');
$r = $t->http('GET', '/prod/new', headers => ['X-Canary' => 'false']);
is($r->{status}, 403, '... and Missing Authentication Token on the stage');

$r = $t->http('GET', '/prod/moved', headers => ['X-Canary' => 'true']);
is(decode_json($r->{body})->{method}, 'POST',
   "the canary's integration method, though the stage's changes none");
$r = $t->http('GET', '/prod/moved', headers => ['X-Canary' => 'false']);
is($r->{body}, '{"moved":false}', "... and the stage's own answer");

is(which('/none/which', 'X-Canary' => 'true'), 2,
   '0 %: the header still reaches the canary, to test it before any share');
is(which('/none/which'), 1, '0 %: no request otherwise');
my %all;
$all{which('/all/which')}++ for 1 .. 20;
is_deeply(\%all, { 2 => 20 }, '100 %: every request');

my $from = length($t->error_log);
is(which('/untrusted/which', 'X-Canary' => 'true'), 1,
   'the header from an address not in apigw_canary_trust: ignored');
like(substr($t->error_log, $from), qr/"X-Canary" ignored: 127\.0\.0\.1 is not in apigw_canary_trust/,
     '... and said so in the log');

# usage plans name the stage: its canary's requests are the stage's

$r = $t->http('GET', '/prod/keyed', headers => ['X-Canary' => 'true',
                                                'x-api-key' => $alice]);
is_deeply([$r->{status}, $r->{body}], [200, '{"keyed":2}'],
          "a key whose plan names pets/prod calls the stage's canary");
$r = $t->http('GET', '/prod/keyed', headers => ['X-Canary' => 'true']);
is($r->{status}, 403, '... and the canary wants a key as its spec says');

# sticky: each user stays with one release; half of them on the canary

sub user_release {
    my ($user) = @_;
    my %r = map { which('/sticky/which', Cookie => "user=$user") => 1 } 1 .. 3;
    return join(',', sort keys %r);
}

my %release = map { $_ => user_release("u$_") } 1 .. 200;
is(scalar(grep { !/^[12]$/ } values %release), 0,
   'sticky: every user gets one release, request after request');
my $canaries = grep { $_ eq '2' } values %release;
cmp_ok($canaries, '>=', 100 - 36, 'sticky 50 %: about half the users');
cmp_ok($canaries, '<=', 100 + 36, '... not more');

my %anonymous;
$anonymous{which('/sticky/which')}++ for 1 .. 100;
ok($anonymous{1} && $anonymous{2}, 'no key: assigned at random');

# sticky by the caller's API key: 20 keys, 8 requests each, at 50 %

sub keyed {
    my ($uri, $key) = @_;
    my $r = $t->http('GET', $uri, headers => [defined $key
                                               ? ('x-api-key' => $key)
                                               : ()]);
    return $r->{status} == 200 && $r->{body} =~ /"keyed":(\d)/
           ? $1 : "$r->{status}";
}

sub key_releases {
    my ($uri, $n, @keys) = @_;
    my %release;

    for my $key (@keys) {
        my %r = map { keyed($uri, $key) => 1 } 1 .. $n;
        $release{$key} = join(',', sort keys %r);
    }

    return %release;
}

my %bykey = key_releases('/bykey/keyed', 8, @callers);
is(scalar(grep { !/^[12]$/ } values %bykey), 0,
   'sticky=$apigw_api_key_id: every key gets one release, 8 times of 8');
my $on_canary = grep { $_ eq '2' } values %bykey;
ok($on_canary > 0 && $on_canary < 20,
   "... both releases have keys ($on_canary of 20 on the canary)");
is_deeply([map { keyed('/bykey/keyed', 'unknown-key-0123456789abcdef') }
           1 .. 10], [(403) x 10],
          'an unknown key: assigned at random, refused by the key check');
is(keyed('/bykey/keyed'), 403, 'no key: the same');
is(keyed('/bykey/keyed', $off), 403, 'a disabled key: the same');

my @bylog;
for (1 .. 50) {
    @bylog = grep { /\S/ } split /\n/, $t->read_file('bykey.log');
    last if @bylog >= 172;
    select(undef, undef, undef, 0.1);
}
is(scalar(grep { !/^(200 (true|false) k-\d\d|403 (true|false) -)$/ }
          @bylog), 0,
   '$apigw_api_key_id in the log: the id of an admitted key only');
my %logged = map { /^200 (\w+) (k-\d\d)$/ ? ($2 => $1) : () } @bylog;
is_deeply(\%logged,
          { map { sprintf('k-%02d', $_ + 1)
                  => $bykey{$callers[$_]} eq '2' ? 'true' : 'false' }
                0 .. 19 },
          '... and $apigw_canary says the release each key got');

my %byaddr;
$byaddr{which('/byaddr/which')}++ for 1 .. 30;
is(scalar(keys %byaddr), 1,
   'sticky=${apigw_source_ip}: one client address, one release');

# a fractional share: 2.5 % of 4,000 requests, within 5 standard
# deviations (9.9)

my %frac;
for (1 .. 16) {
    for my $raw ($t->concurrent_get('/frac/which', 250)) {
        $frac{$raw =~ /^HTTP\/1\.1 200 .*"v":(\d)/s ? $1 : 'other'}++;
    }
}
is(($frac{1} // 0) + ($frac{2} // 0), 4000,
   '2.5 %: every request answered by a release');
cmp_ok($frac{2} // 0, '>=', 100 - 49, '2.5 %: not too few canary requests');
cmp_ok($frac{2} // 0, '<=', 100 + 49, '2.5 %: not too many');

# plain stages, and the access log

is(which('/plain/which'), 1, 'a stage with no canary');

# a larger share keeps every user who was on the canary there

$t->write_conf(conf(25, 80));
ok($t->reload, 'reloaded with the sticky share at 80 %');
my %after = map { $_ => user_release("u$_") } 1 .. 200;
is(scalar(grep { $release{$_} eq '2' && $after{$_} ne '2' } keys %release),
   0, 'every user on the canary at 50 % is still there at 80 %');
my $more = grep { $_ eq '2' } values %after;
cmp_ok($more, '>', $canaries, '... and more users join it');
is_deeply({ key_releases('/bykey/keyed', 2, @callers) }, \%bykey,
          'the share unchanged: every API key keeps its release');

my @log;
for (1 .. 50) {
    @log = grep { /\S/ } split /\n/, $t->read_file('canary.log');
    last if grep { m{/plain/which$} } @log;
    select(undef, undef, undef, 0.1);
}
my %lines = map { $_ => 1 } grep { m{/prod/which$|/plain/which$} } @log;
is_deeply([sort keys %lines],
          ['- pets pets plain /plain/which',
           'false pets pets prod /prod/which',
           'true pets2 pets prod /prod/which'],
          '$apigw_canary (empty without a canary), $apigw_deployment, and '
          . '$apigw_api the stage\'s API');
is(scalar(grep { m{^true pets2 pets prod /prod/which$} } @log), $n{2} + 20,
   'one "true" log line per canary request (the shared, the forced)');

$t->stop;

# what nginx -t refuses

my @bad = (
    ['apigw_canary nope percent=10;', qr/no API named "nope"/,
     'a canary API not declared'],
    ['apigw_canary pets2 percent=101;', qr/invalid percent "101"/,
     'a share over 100'],
    ['apigw_canary pets2 percent=1.23456;', qr/invalid percent/,
     'more than 4 decimals'],
    ['apigw_canary pets2 percent=ten;', qr/invalid percent/,
     'not a number'],
    ['apigw_canary pets2;', qr/needs percent=/, 'no share'],
    ['apigw_canary pets2 percent=5 header=X-Canary;',
     qr/header=X-Canary needs apigw_canary_trust/,
     'a forcing header with no trusted address'],
    ['apigw_canary_stage_variable color red;',
     qr/apigw_canary_stage_variable without apigw_canary/,
     'canary variables with no canary'],
    ['apigw_canary pets2 percent=5 color=red;',
     qr/invalid parameter "color=red"/, 'an unknown parameter'],
    ['apigw_canary pets2 percent=5 sticky=$apigw_principal;',
     qr/sticky=\$apigw_principal\ cannot\ choose\ a\ release:
        \ \$apigw_principal\ is\ set\ by\ an\ authorizer\ or\ a\ token,
        \ after\ a\ request's\ release\ is\ picked;\ a\ sticky\ key\ may
        \ use\ \$apigw_api_key_id,\ \$apigw_source_ip,\ cookies\ and
        \ headers/x,
     'a sticky key set by an authorizer'],
    ['apigw_canary pets2 percent=5 sticky=u${apigw_route}x;',
     qr/cannot choose a release: \$apigw_route comes from the route/,
     'a sticky key from the route'],
    ['apigw_canary pets2 percent=5 sticky=$apigw_request_id;',
     qr/\$apigw_request_id differs from request to request/,
     'a sticky key that changes every time'],
    ['apigw_canary pets2 percent=5 sticky=$apigw_api_key_id;',
     qr/a\ sticky\ key\ with\ \$apigw_api_key_id\ needs\ the\ caller's
        \ key,\ but\ API\ "bare"\ has\ no\ apiKey\ security\ scheme\ that
        \ the\ gateway\ checks/x,
     'a sticky API key where the API has none', 'bare'],
    ['apigw_canary pets2 percent=5 sticky=$apigw_api_key_id;',
     qr/API "authkeys" takes its API keys from an authorizer/,
     'a sticky API key that an authorizer would give', 'authkeys'],
    ['apigw_security_delegate key;
            apigw_canary pets2 percent=5 sticky=$apigw_api_key_id;',
     qr/API "pets" has no apiKey security scheme that the gateway checks/,
     'a sticky API key the backend checks'],
);

for my $case (@bad) {
    my ($line, $re, $name, $api) = @$case;
    $api //= 'pets';
    $t->write_conf(<<"CONF");
    apigw_api pets %%PREFIX%%/v1.yaml;
    apigw_api pets2 %%PREFIX%%/v2.yaml;
    apigw_api bare %%PREFIX%%/bare.yaml;
    apigw_api authkeys %%PREFIX%%/authkeys.yaml;
    apigw_keys %%PREFIX%%/keys.yaml;

    server {
        listen 127.0.0.1:%%PORT%%;

        location /prod/ {
            apigw $api stage=prod;
            $line
        }
    }
CONF
    my ($rc, $out) = $t->nginx_test;
    isnt($rc, 0, "nginx -t fails: $name");
    like($out, $re, '... saying why');
}

$t->check_log;

# keys kept in Redis only: a key's first request waits for Redis to name
# it, and every request of that key goes where the first went

SKIP: {
    skip 'no redis-server', 5 unless -x '/usr/bin/redis-server';

    my $k = Apigw::Test->new;
    my $redis = $k->redis;
    my @stored = map { sprintf('stored-%02d-0123456789abcdef', $_) } 1 .. 10;

    $k->write_file($_, $t->read_file($_)) for qw(v1.yaml v2.yaml keys.yaml);
    $redis->command('HSET', '{apigw}:key:' . sha256_hex($stored[$_]),
                    id => sprintf('k-redis-%02d', $_), plan => 'gold')
        for 0 .. 9;

    $k->write_conf(<<"CONF");
    apigw_api pets %%PREFIX%%/v1.yaml;
    apigw_api pets2 %%PREFIX%%/v2.yaml;
    apigw_keys %%PREFIX%%/keys.yaml;
    apigw_redis 127.0.0.1:${\ $redis->port} timeout=500ms;

    server {
        listen 127.0.0.1:%%PORT%%;

        location /bykey/ {
            apigw pets stage=bykey;
            apigw_canary pets2 percent=50 sticky=\$apigw_api_key_id;
        }
    }
CONF
    $k->run;

    my %stored;
    for my $key (@stored) {
        my %r;
        for (1 .. 4) {
            my $r = $k->http('GET', '/bykey/keyed',
                             headers => ['x-api-key' => $key]);
            $r{$r->{status} == 200 && $r->{body} =~ /"keyed":(\d)/
               ? $1 : $r->{status}} = 1;
        }
        $stored{$key} = join(',', sort keys %r);
    }

    is(scalar(grep { !/^[12]$/ } values %stored), 0,
       'keys in Redis: every key gets one release, its first request too');
    my $canary = grep { $_ eq '2' } values %stored;
    ok($canary > 0 && $canary < 10,
       "... both releases have keys ($canary of 10 on the canary)");
    is($k->http('GET', '/bykey/keyed',
                headers => ['x-api-key' => 'nowhere-0123456789abcdef'])
       ->{status}, 403, 'a key in neither place: 403');
    is($k->http('GET', '/bykey/keyed', headers => ['x-api-key' => $alice])
       ->{status}, 200, 'a key of the keys file beside Redis: 200');

    $k->check_log;
}

done_testing;
