#!/usr/bin/perl

# API keys: OpenAPI security with apiKey schemes (header, query, cookie),
# alternatives and anonymous access, the keys file of apigw_keys (clear
# values and SHA-256 digests, disabled keys, plans and the API stages they
# cover), 403 Forbidden for everything else, $apigw_api_key_id, keys never
# in the logs, reload with a changed keys file, and load errors.

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use Digest::SHA qw(sha256_hex);
use Apigw::Test;

plan(skip_all => 'module not built') unless Apigw::Test::have_module();

my $t = Apigw::Test->new;

my $be = $t->backend(port => $t->port(2), handler => sub {
    return (200, ['Content-Type' => 'application/json'], '{"ok":true}');
});

my $alice = 'alice-key-0123456789abcdef';
my $bob = 'bob-key-0123456789abcdefgh';
my $carol = 'carol-key-0123456789abcdef';
my $dave = 'dave-key-0123456789abcdefg';

$t->write_file('api.yaml', <<'YAML');
openapi: 3.0.3
info: {title: keys, version: "1"}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-API-Key}
    qkey: {type: apiKey, in: query, name: api_key}
    ckey: {type: apiKey, in: cookie, name: session_key}
security: [{key: []}]
paths:
  /pets:
    get: {}
  /open:
    get: {security: []}
  /either:
    get:
      security: [{key: []}, {qkey: []}]
  /cookie:
    get:
      security: [{ckey: []}]
  /maybe:
    get:
      security: [{key: []}, {}]
YAML

sub keys_file {
    my ($extra) = @_;
    my $digest = sha256_hex($bob);
    return <<"YAML" . ($extra // '');
plans:
  - id: gold
    stages: [{stage: keys/prod}]
  - id: staging-only
    stages: [{stage: keys/staging}]
keys:
  - {id: k-alice, name: Alice, value: "$alice", plan: gold}
  - {id: k-bob, sha256: "$digest", plan: gold}
  - {id: k-carol, value: "$carol", plan: gold, enabled: false}
  - {id: k-dave, value: "$dave", plan: staging-only}
YAML
}

$t->write_file('keys.yaml', keys_file());

$t->write_conf(<<'CONF');
    apigw_api keys %%PREFIX%%/api.yaml;
    apigw_keys %%PREFIX%%/keys.yaml;

    log_format keys '$uri $status key=$apigw_api_key_id';

    server {
        listen 127.0.0.1:%%PORT%%;
        access_log %%PREFIX%%/keys.log keys;

        location /prod/ {
            apigw keys stage=prod;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
        }

        location /staging/ {
            apigw keys stage=staging;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
        }
    }
CONF

$t->run;

sub get {
    my ($uri, @h) = @_;
    return $t->http_json('GET', $uri, headers => \@h);
}

sub forbidden {
    my ($r, $name) = @_;
    is($r->{status}, 403, "$name: 403");
    is($r->{json}{message}, 'Forbidden', "$name: Forbidden");
    is($r->{headers}{'x-amzn-errortype'}, 'ForbiddenException',
       "$name: ForbiddenException");
}

my $before = $be->requests;

forbidden(get('/prod/pets'), 'no key');
forbidden(get('/prod/pets', 'X-API-Key' => 'x' x 30), 'an unknown key');
forbidden(get('/prod/pets', 'X-API-Key' => 'short'), 'a key too short');
forbidden(get('/prod/pets', 'X-API-Key' => $carol), 'a disabled key');
forbidden(get('/prod/pets', 'X-API-Key' => $dave),
          'a key whose plan does not cover the stage');
forbidden(get('/prod/pets', 'X-Other' => $alice), 'a key in another header');
is($be->requests, $before, 'nothing refused reached the backend');

is(get('/prod/pets', 'X-API-Key' => $alice)->{status}, 200,
   'a key given by value');
is(get('/prod/pets', 'x-api-key' => $bob)->{status}, 200,
   'a key given by digest, header name in any case');
is(get('/staging/pets', 'X-API-Key' => $dave)->{status}, 200,
   'a staging key on staging');
forbidden(get('/staging/pets', 'X-API-Key' => $alice),
          'a prod key on staging');

is(get('/prod/open')->{status}, 200, 'security: [] needs no key');
is(get('/prod/either?api_key=' . $alice)->{status}, 200,
   'the query alternative');
like($be->last_request->{uri} // '', qr{api_key=\*{26}$},
     'a query key reaches the backend masked');
is(get('/prod/either', 'X-API-Key' => $bob)->{status}, 200,
   'the header alternative');
forbidden(get('/prod/either?api_key=' . $carol), 'a disabled query key');
is(get('/prod/cookie', Cookie => "a=b; session_key=$alice")->{status}, 200,
   'a key in a cookie');
forbidden(get('/prod/cookie', Cookie => "session_key=$carol"),
          'a disabled key in a cookie');
is(get('/prod/maybe')->{status}, 200, 'anonymous alternative: no key');
is(get('/prod/maybe', 'X-API-Key' => 'y' x 25)->{status}, 200,
   'anonymous alternative: a bad key is not needed');

my $log = $t->read_file('keys.log');
like($log, qr{^/prod/pets 200 key=k-alice$}m, '$apigw_api_key_id: k-alice');
like($log, qr{^/prod/pets 200 key=k-bob$}m, '$apigw_api_key_id: k-bob');
like($log, qr{^/prod/open 200 key=-$}m, '$apigw_api_key_id: none');

# (the default access log's $request would show a key in the query string)
my $all = $log . $t->error_log;
for my $k ($alice, $bob, $carol, $dave) {
    unlike($all, qr/\Q$k\E/, 'no key value in the logs');
}
like($t->error_log, qr/API key disabled, key id k-carol/,
     'the error log says why, by key id');

# reload: carol enabled, alice gone
my $file = keys_file();
$file =~ s/, enabled: false//;
$file =~ s/^  - \{id: k-alice.*\n//m;
$t->write_file('keys.yaml', $file);
$t->reload;

is(get('/prod/pets', 'X-API-Key' => $carol)->{status}, 200,
   'reload: a key enabled');
forbidden(get('/prod/pets', 'X-API-Key' => $alice), 'reload: a key removed');

$t->stop;

# load errors: nginx -t says where
my @bad = (
    ["plans: []\nkeys:\n  - {id: a, value: short, plan: x}\n",
     qr{keys\.yaml" at /keys/0/value \(line 3\): a key's value must be a string of 20 to 128}],
    ["plans: []\nkeys:\n  - {id: a, value: \"$alice\", plan: x}\n",
     qr{/keys/0/plan .*no plan "x"}],
    ["plans:\n  - {id: p, stages: [{stage: nostage}]}\n",
     qr{/plans/0/stages/0/stage .*not "api/stage"}],
    ["plans:\n  - {id: p, stages: [{stage: a/b}], throttle: {rate: 0, burst: 1}}\n",
     qr{/plans/0/throttle/rate .*above 0}],
    ["plans: []\nkeys:\n  - {id: a, sha256: abc, plan: p}\n",
     qr{/keys/0/sha256 .*64 hex digits}],
    ["plans:\n  - {id: p, stages: [{stage: a/b}]}\nkeys:\n"
     . "  - {id: a, value: \"$alice\", plan: p}\n"
     . "  - {id: b, value: \"$alice\", plan: p}\n",
     qr{/keys/1 .*same value as key "a"}],
    ["plans: []\nkeyz: []\n", qr{/keyz .*unknown member "keyz"}],
);

for my $case (@bad) {
    $t->write_file('keys.yaml', $case->[0]);
    my ($rc, $out) = $t->nginx_test;
    isnt($rc, 0, "nginx -t fails: $case->[1]");
    like($out, $case->[1], 'and says where and why');
}

# a spec that asks for keys needs a keys file
$t->write_conf(<<'CONF');
    apigw_api keys %%PREFIX%%/api.yaml;

    server {
        listen 127.0.0.1:%%PORT%%;
        location /prod/ {
            apigw keys stage=prod;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
        }
    }
CONF

my ($rc, $out) = $t->nginx_test;
isnt($rc, 0, 'keys asked for, no apigw_keys: nginx -t fails');
like($out, qr{apigw "keys": GET /pets requires the apiKey scheme "key", which needs an apigw_keys file to check its keys; or let the backend check it: "apigw_security_delegate key;"},
     'and says which operation, and the ways out');

# a scheme apigw does not check is refused, not ignored
$t->write_file('jwt.yaml', <<'YAML');
openapi: 3.0.3
info: {title: jwt, version: "1"}
components:
  securitySchemes:
    user: {type: http, scheme: bearer}
paths:
  /me:
    get: {security: [{user: []}]}
YAML

$t->write_conf(<<'CONF');
    apigw_api jwt %%PREFIX%%/jwt.yaml;

    server {
        listen 127.0.0.1:%%PORT%%;
        location /prod/ {
            apigw jwt stage=prod;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
        }
    }
CONF

($rc, $out) = $t->nginx_test;
isnt($rc, 0, 'a bearer scheme: nginx -t fails');
like($out, qr{GET /me requires the http scheme "user", which needs an issuer to verify its tokens as JWTs \(x-apigw-jwt in the scheme, or "apigw_jwt SCHEME issuer=URL ...;"\); or let the backend check it: "apigw_security_delegate user;"},
     'and says which requirement, and the way out');

$t->check_log;

done_testing;
