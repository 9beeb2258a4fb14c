#!/usr/bin/perl

# Every security scheme gets a verdict.  A scheme a location delegates to
# the backend (apigw_security_delegate) only needs its credential present,
# and it reaches the backend untouched: no API key gives 403, no
# Authorization of the scheme 401 with WWW-Authenticate.  mutualTLS is the
# client certificate nginx verified; its refusal counts in the metrics as
# no_certificate.  A required scheme that is neither checked nor
# delegated fails nginx -t, saying how to fix it.

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use Apigw::Test;
use Apigw::Metrics qw(scrape count);

plan(skip_all => 'module not built') unless Apigw::Test::have_module();

my $t = Apigw::Test->new;
my $p = $t->prefix;
my $be = $t->backend(port => $t->port(2));

$t->write_file('api.yaml', <<'YAML');
openapi: 3.0.3
info: {title: schemes, version: "1"}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Api-Key}
    qkey: {type: apiKey, in: query, name: api_key}
    user: {type: http, scheme: bearer, bearerFormat: JWT}
    basic: {type: http, scheme: basic}
    oauth:
      type: oauth2
      flows: {clientCredentials: {tokenUrl: "https://id.example/token", scopes: {}}}
    oidc: {type: openIdConnect, openIdConnectUrl: "https://id.example/.well-known/openid-configuration"}
paths:
  /keyed:
    get: {security: [{key: []}]}
  /query-keyed:
    get: {security: [{qkey: []}]}
  /bearer:
    get: {security: [{user: []}]}
  /basic:
    get: {security: [{basic: []}]}
  /oauth:
    get: {security: [{oauth: [read]}]}
  /oidc:
    get: {security: [{oidc: []}]}
  /either:
    get: {security: [{key: []}, {user: []}]}
  /both:
    get: {security: [{key: [], user: []}]}
  /open:
    get: {security: [{}, {user: []}]}
YAML

$t->write_conf(<<'CONF');
    apigw_api schemes %%PREFIX%%/api.yaml;

    server {
        listen 127.0.0.1:%%PORT%%;

        location /prod/ {
            apigw schemes stage=prod;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
            apigw_security_delegate all;
        }
    }
CONF

$t->run;

sub get {
    my ($uri, @h) = @_;
    return $t->http_json('GET', $uri, headers => \@h);
}

my $r = get('/prod/keyed');
is($r->{status}, 403, 'a delegated API key, missing: 403');
is($r->{json}{message}, 'Forbidden', 'as AWS answers');

$be->clear;
$r = get('/prod/keyed', 'X-Api-Key' => 'whatever-the-backend-says');
is($r->{status}, 200, 'a delegated API key, present: 200');
is($be->last_request->{headers}{'x-api-key'}, 'whatever-the-backend-says',
   'and it reaches the backend untouched');

$be->clear;
$r = get('/prod/query-keyed?api_key=secret-for-the-backend&x=1');
is($r->{status}, 200, 'a delegated key in the query: 200');
is($be->last_request->{query}, 'api_key=secret-for-the-backend&x=1',
   'not masked: the backend checks it');

$r = get('/prod/bearer');
is($r->{status}, 401, 'a delegated bearer scheme, no Authorization: 401');
is($r->{json}{message}, 'Unauthorized', 'Unauthorized');
is($r->{headers}{'www-authenticate'}, 'Bearer', 'WWW-Authenticate: Bearer');
is($r->{headers}{'x-amzn-errortype'}, 'UnauthorizedException',
   'x-amzn-ErrorType');

$r = get('/prod/bearer', Authorization => 'Basic dXNlcjpwYXNz');
is($r->{status}, 401, 'another Authorization scheme: 401');

$r = get('/prod/bearer', Authorization => 'Bearer');
is($r->{status}, 401, 'the scheme with nothing after it: 401');

$be->clear;
$r = get('/prod/bearer', Authorization => 'bearer eyJ.token.here');
is($r->{status}, 200, 'Bearer and a token, in any case: 200');
is($be->last_request->{headers}{authorization}, 'bearer eyJ.token.here',
   'Authorization reaches the backend untouched');

$r = get('/prod/basic');
is($r->{status}, 401, 'a delegated basic scheme, no Authorization: 401');
is($r->{headers}{'www-authenticate'}, 'Basic realm="schemes"',
   'WWW-Authenticate: Basic with a realm');
is(get('/prod/basic', Authorization => 'Basic dXNlcjpwYXNz')->{status}, 200,
   'Basic credentials: 200');

is(get('/prod/oauth')->{status}, 401, 'oauth2: a bearer token is needed');
is(get('/prod/oauth', Authorization => 'Bearer t')->{status}, 200,
   'oauth2: a bearer token passes to the backend');
is(get('/prod/oidc')->{status}, 401, 'openIdConnect: a bearer token needed');
is(get('/prod/oidc', Authorization => 'Bearer t')->{status}, 200,
   'openIdConnect: a bearer token passes to the backend');

$r = get('/prod/either');
is($r->{status}, 401, 'key or bearer, neither: 401, the token asked for');
is($r->{headers}{'www-authenticate'}, 'Bearer', 'with its challenge');
is(get('/prod/either', 'X-Api-Key' => 'k')->{status}, 200, 'the key: 200');
is(get('/prod/either', Authorization => 'Bearer t')->{status}, 200,
   'the bearer token: 200');

is(get('/prod/both', 'X-Api-Key' => 'k')->{status}, 401,
   'key and bearer, the key only: 401');
is(get('/prod/both', 'X-Api-Key' => 'k', Authorization => 'Bearer t')
   ->{status}, 200, 'key and bearer, both: 200');

is(get('/prod/open')->{status}, 200, 'anonymous or bearer: anonymous passes');

$t->check_log;

# what nginx -t says when a scheme is neither checked nor delegated

my $n = Apigw::Test->new;
$n->write_file('api.yaml', $t->read_file('api.yaml'));

# (oidc delegated throughout: its keys would come over https, which needs
# proxy_ssl_verify in the location, t/86-jwks.t)
for ([ 'apigw_security_delegate key oidc;',
       qr/GET \/query-keyed requires the apiKey scheme "qkey", which needs an apigw_keys file to check its keys; or let the backend check it: "apigw_security_delegate qkey;" \(or "all"\)/,
       'an apiKey scheme and no keys file' ],
     [ 'apigw_security_delegate key qkey oidc;',
       qr/GET \/bearer requires the http scheme "user", which needs an issuer to verify its tokens as JWTs \(x-apigw-jwt in the scheme, or "apigw_jwt SCHEME issuer=URL \.\.\.;"\); or let the backend check it: "apigw_security_delegate user;"/,
       'a bearer scheme' ],
     [ 'apigw_security_delegate key qkey user basic oidc;',
       qr/GET \/oauth requires the oauth2 scheme "oauth"/,
       'an oauth2 scheme' ])
{
    my ($line, $re, $name) = @$_;

    $n->write_conf(<<"CONF");
    apigw_api schemes %%PREFIX%%/api.yaml;

    server {
        listen 127.0.0.1:%%PORT%%;
        location /prod/ {
            apigw schemes stage=prod;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
            $line
        }
    }
CONF

    my ($rc, $out) = $n->nginx_test;
    isnt($rc, 0, "$name, not delegated: nginx -t fails");
    like($out, $re, "$name: it says which scheme and how to fix it");
}

$n->write_conf(<<'CONF');
    apigw_api schemes %%PREFIX%%/api.yaml;
    apigw_security_delegate all user;
CONF
my ($rc, $out) = $n->nginx_test;
isnt($rc, 0, '"all" with names: nginx -t fails');
like($out, qr/takes "all" alone, or scheme names/, 'and says why');

# an API no location serves is not checked: nothing would run it
$n->write_conf("    apigw_api schemes %%PREFIX%%/api.yaml;\n");
($rc, $out) = $n->nginx_test;
is($rc, 0, 'an API loaded but served nowhere: no verdict needed')
    or diag($out);

# mutualTLS: the client certificate nginx verified

*openssl = \&Apigw::Test::openssl;

openssl("req -x509 -newkey rsa:2048 -nodes -subj /CN=apigw-test-ca -days 1",
        "-keyout $p/ca.key -out $p/ca.crt");
for my $who (qw(server client)) {
    openssl("req -newkey rsa:2048 -nodes -subj /CN=" .
            ($who eq 'server' ? 'localhost' : 'apigw-client'),
            "-keyout $p/$who.key -out $p/$who.csr");
    openssl("x509 -req -in $p/$who.csr -CA $p/ca.crt -CAkey $p/ca.key",
            "-CAcreateserial -days 1 -out $p/$who.crt");
}

my $m = Apigw::Test->new;
my $mbe = $m->backend(port => $m->port(2));
$m->write_file('api.yaml', <<'YAML');
openapi: 3.1.0
info: {title: mtls, version: "1"}
components:
  securitySchemes:
    cert: {type: mutualTLS}
paths:
  /secure:
    get: {security: [{cert: []}]}
YAML

$m->write_conf(<<"CONF");
    apigw_api mtls %%PREFIX%%/api.yaml;

    server {
        listen 127.0.0.1:%%PORT%% ssl;
        ssl_certificate $p/server.crt;
        ssl_certificate_key $p/server.key;
        ssl_client_certificate $p/ca.crt;
        ssl_verify_client optional;

        location /prod/ {
            apigw mtls stage=prod;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
        }

        location = /metrics {
            apigw_prometheus;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_3%% ssl;
        ssl_certificate $p/server.crt;
        ssl_certificate_key $p/server.key;

        location /prod/ {
            apigw mtls stage=prod;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
            apigw_security_delegate cert;
        }
    }
CONF

$m->run;

sub curl {
    my ($port, @args) = @_;
    my $out = `curl -s -k -o /dev/null -w '%{http_code}' @args https://127.0.0.1:$port/prod/secure`;
    return $out;
}

is(curl($m->port), '403', 'mutualTLS, no client certificate: 403');
is(curl($m->port, "--cert $p/client.crt --key $p/client.key"), '200',
   'mutualTLS, a certificate nginx verified: 200');
is(curl($m->port(3)), '200',
   'mutualTLS delegated: left to what terminates TLS');

my ($mm) = scrape($m, undef, sub {
    `curl -s -k https://127.0.0.1:@{[$m->port]}/metrics`
});
my %secure = (stage => 'prod', method => 'GET', resource => '/secure');
is(count($mm, 'apigw_auth_failures_total', %secure,
         reason => 'no_certificate'), 1,
   'metrics: the refusal without a certificate, no_certificate');
is(count($mm, 'apigw_auth_failures_total'), 1, 'metrics: no other');
is(count($mm, 'apigw_requests_total', %secure, code => 403), 1,
   'metrics: its 403');

$m->check_log;

my $s = Apigw::Test->new;
$s->write_file('api.yaml', $m->read_file('api.yaml'));
$s->write_conf(<<"CONF");
    apigw_api mtls %%PREFIX%%/api.yaml;

    server {
        listen 127.0.0.1:%%PORT%% ssl;
        ssl_certificate $p/server.crt;
        ssl_certificate_key $p/server.key;

        location /prod/ {
            apigw mtls stage=prod;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
        }
    }
CONF
($rc, $out) = $s->nginx_test;
isnt($rc, 0, 'mutualTLS without ssl_verify_client: nginx -t fails');
like($out, qr/requires the mutualTLS scheme "cert", which needs "ssl_verify_client on" or "optional" in this server/,
     'and says what to add');

done_testing;
