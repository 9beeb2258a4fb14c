#!/usr/bin/perl

# Keys fetched from an identity provider: a real local HTTP server that
# serves an OpenID Connect discovery document and a JWK set, and can be
# made to rotate its keys, fail or hang.  The fetches go through nginx's
# proxy module; the set is shared by the workers; an unknown kid makes one
# refetch per interval; a provider that fails leaves the keys there were.

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use Time::HiRes qw(time sleep);
use Apigw::Test;

plan(skip_all => 'module not built') unless Apigw::Test::have_module();

plan(skip_all => 'build/apigw-jwt-mint not built (make tools)')
    unless -x Apigw::Test::mint_tool();

*openssl = \&Apigw::Test::openssl;
*mint_out = \&Apigw::Test::mint;

my $t = Apigw::Test->new;
my $p = $t->prefix;
my $be = $t->backend(port => $t->port(2));
my $idp_port = $t->port(3);
my $IDP = "http://127.0.0.1:$idp_port";

openssl("genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out $p/k1.key");
openssl("genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out $p/k2.key");

my $k1 = mint_out('--jwk', "$p/k1.key", '--kid', 'k1', '--alg', 'RS256');
my $k2 = mint_out('--jwk', "$p/k2.key", '--kid', 'k2', '--alg', 'ES256');

sub idp_keys { $t->write_file('idp-jwks.json', '{"keys":[' . join(',', @_) . ']}') }
sub idp_mode { $t->write_file('idp-mode', $_[0]) }

idp_keys($k1);
idp_mode('ok');

# the provider: discovery documents, the set, as the files say now
my $idp = $t->backend(port => $idp_port, handler => sub {
    my ($req) = @_;
    my $mode = do { local (@ARGV, $/) = "$p/idp-mode"; <> } // 'ok';

    return 'hang' if $mode eq 'hang';
    return 503 if $mode eq 'down';

    my $path = $req->{path};
    my %doc = (
        '/.well-known/openid-configuration' =>
            qq({"issuer":"$IDP","jwks_uri":"$IDP/jwks"}),
        '/liar/.well-known/openid-configuration' =>
            qq({"issuer":"https://elsewhere.test","jwks_uri":"$IDP/jwks"}),
    );

    if ($doc{$path}) {
        return (200, ['Content-Type' => 'application/json'], $doc{$path});
    }

    if ($path eq '/jwks' || $path eq '/w2/jwks') {
        my $keys = do { local (@ARGV, $/) = "$p/idp-jwks.json"; <> };
        return (200, ['Content-Type' => 'application/json'], $keys);
    }

    if ($path eq '/huge') {
        return (200, [], '{"keys":[' . join(',', ($k1) x 1000) . ']}');
    }

    return 404;
});

$t->write_file('api.yaml', <<"YAML");
openapi: 3.0.3
info: {title: jwks, version: "1"}
components:
  securitySchemes:
    oidc:
      type: openIdConnect
      openIdConnectUrl: "$IDP/.well-known/openid-configuration"
      x-apigw-jwt: {audience: api://pets}
    url:
      type: http
      scheme: bearer
      x-apigw-jwt: {issuer: "$IDP", jwks: "$IDP/jwks"}
    liar:
      type: openIdConnect
      openIdConnectUrl: "$IDP/liar/.well-known/openid-configuration"
    huge:
      type: http
      scheme: bearer
      x-apigw-jwt: {issuer: "$IDP", jwks: "$IDP/huge"}
paths:
  /pets:
    get: {security: [{oidc: []}]}
  /url:
    get: {security: [{url: []}]}
  /liar:
    get: {security: [{liar: []}]}
  /huge:
    get: {security: [{huge: []}]}
YAML

$t->write_conf(<<'CONF');
    apigw_api jwks %%PREFIX%%/api.yaml;

    server {
        listen 127.0.0.1:%%PORT%%;

        location /prod/ {
            apigw jwks stage=prod;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
        }
    }
CONF

$t->run;

my $seq = 0;

sub token {
    my (%o) = @_;
    my %claims = (iss => $IDP, aud => 'api://pets', sub => 'u1',
                  exp => time + 600);
    my $file = "$p/claims-" . $seq++ . '.json';
    open(my $fh, '>', $file) or die;
    print $fh JSON::PP->new->encode(\%claims);
    close $fh;
    my $kid = $o{kid} // 'k1';
    my $key = $o{key} // 'k1.key';
    my $alg = $o{alg} // 'RS256';
    return mint_out('--alg', $alg, '--key', "$p/$key", '--kid', $kid, $file);
}

sub get {
    my ($uri, $token) = @_;
    return $t->http_json('GET', "/prod$uri",
                         headers => [Authorization => "Bearer $token"],
                         timeout => 10);
}

sub fetches {
    my ($path) = @_;
    return scalar grep { $_->{path} eq $path } $idp->requests;
}

# a cold start: discovery, then the set; one wait

my $good = token();
my $r = get('/pets', $good);
is($r->{status}, 200, 'a cold start: the request waits for the keys: 200');
is(fetches('/.well-known/openid-configuration'), 1, 'discovery fetched once');
is(fetches('/jwks'), 1, 'the JWK set fetched once');

my ($fetch) = grep { $_->{path} eq '/jwks' } $idp->requests;
ok(!defined $fetch->{headers}{authorization},
   'the client\'s Authorization never goes to the provider');

is(get('/pets', $good)->{status}, 200, 'the next request: 200');
is(get('/url', $good)->{status}, 200, 'a jwks URL of its own: 200');
is(fetches('/jwks'), 2, 'that set fetched once more (another source)');
is(get('/pets', token(kid => 'k1'))->{status}, 200, 'another token: 200');
is(fetches('/jwks'), 2, 'no fetch for keys at hand');

# rotation: a new kid is fetched, without a reload, once the interval
# since the last fetch has passed

idp_keys($k1, $k2);
$r = get('/pets', token(kid => 'k2', key => 'k2.key', alg => 'ES256'));
is($r->{status}, 401, 'a new kid within 10 s of the last fetch: 401');
is(fetches('/jwks'), 2, 'and no fetch');
sleep 10.5;
$r = get('/pets', token(kid => 'k2', key => 'k2.key', alg => 'ES256'));
is($r->{status}, 200, 'rotation: a token of the new key: 200');
is(fetches('/jwks'), 3, 'one fetch for the unknown kid');

# a flood of made-up kids: no fetch within the interval

for my $i (1 .. 20) {
    $r = get('/pets', token(kid => "made-up-$i"));
    last unless $r->{status} == 401;
}
is($r->{status}, 401, 'made-up kids: 401');
is($r->{headers}{'www-authenticate'}, 'Bearer error="invalid_token"',
   'invalid_token');
is(fetches('/jwks'), 3, 'twenty made-up kids: no fetch within 10 s');

# the provider down: the keys there were are served

idp_mode('down');
sleep 10.5;
$r = get('/pets', token(kid => 'k3'));
is($r->{status}, 401, 'the provider down, a kid no key has: 401');
is(fetches('/jwks'), 4, 'after the interval, one fetch was tried');
is(get('/pets', $good)->{status}, 200, 'the keys there were still serve');
ok(scalar $t->log_lines(qr/fetching the keys at ".*\/jwks" failed/),
   'the failed fetch is logged');

# discovery naming another issuer, a set too large

idp_mode('ok');
$r = get('/liar', $good);
is($r->{status}, 500, 'discovery naming another issuer: no keys: 500');
is($r->{headers}{'x-amzn-errortype'}, 'AuthorizerConfigurationException',
   'AUTHORIZER_FAILURE');
ok(scalar $t->log_lines(qr/names the issuer "https:\/\/elsewhere.test"/),
   'the log says which issuer the document named');
my $t0 = time;
is(get('/liar', $good)->{status}, 500, 'again at once: 500');
cmp_ok(time - $t0, '<', 1, 'without waiting on the provider again');

is(get('/huge', $good)->{status}, 500, 'a JWK set past 256 KB: refused: 500');

# a provider that hangs: the cold start waits 1.5 s at most

my $h = Apigw::Test->new;
my $hbe = $h->backend(port => $h->port(2));
$h->write_file('api.yaml', <<"YAML");
openapi: 3.0.3
info: {title: jwks, version: "1"}
components:
  securitySchemes:
    url:
      type: http
      scheme: bearer
      x-apigw-jwt: {issuer: "$IDP", jwks: "$IDP/jwks"}
paths:
  /url:
    get: {security: [{url: []}]}
YAML
$h->write_conf(<<'CONF');
    apigw_api jwks %%PREFIX%%/api.yaml;
    server {
        listen 127.0.0.1:%%PORT%%;
        location /prod/ {
            apigw jwks stage=prod;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
        }
    }
CONF
$h->run;

idp_mode('hang');
$t0 = time;
$r = $h->http_json('GET', '/prod/url',
                   headers => [Authorization => "Bearer $good"], timeout => 10);
my $took = time - $t0;
is($r->{status}, 500, 'the provider hangs: 500');
cmp_ok($took, '>=', 1.2, 'after waiting for it');
cmp_ok($took, '<', 3, 'at most the fetch timeout, 1.5 s');
idp_mode('ok');
$r = $h->http_json('GET', '/prod/url',
                   headers => [Authorization => "Bearer $good"], timeout => 10);
is($r->{status}, 500, 'within 10 s of that: no new wait, 500');
sleep 10;
$r = $h->http_json('GET', '/prod/url',
                   headers => [Authorization => "Bearer $good"], timeout => 10);
is($r->{status}, 200, 'the provider back, past the interval: 200');
$h->check_log(allow => qr/failed|timed out|no keys|\[info\]/);

# two workers share what one fetched: a new kid costs one fetch in all

idp_keys($k1);
my $w = Apigw::Test->new;
$w->backend(port => $w->port(2));
$w->write_file('api.yaml', <<"YAML");
openapi: 3.0.3
info: {title: jwks, version: "1"}
components:
  securitySchemes:
    url:
      type: http
      scheme: bearer
      x-apigw-jwt: {issuer: "$IDP", jwks: "$IDP/w2/jwks"}
    aws:
      type: oauth2
      flows: {clientCredentials: {tokenUrl: "$IDP/token", scopes: {}}}
      x-amazon-apigateway-authorizer:
        type: jwt
        identitySource: \$request.header.Authorization
        jwtConfiguration: {issuer: "$IDP", audience: [api://pets]}
paths:
  /url:
    get: {security: [{url: []}]}
  /aws:
    get: {security: [{aws: []}]}
YAML
$w->write_conf(<<'CONF', workers => 2);
    apigw_api jwks %%PREFIX%%/api.yaml;
    log_format pid '$pid $status';
    server {
        # reuseport: the kernel spreads connections over the workers
        listen 127.0.0.1:%%PORT%% reuseport;
        access_log %%PREFIX%%/pid.log pid;
        location /prod/ {
            apigw jwks stage=prod;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
        }
    }
CONF
$w->run;

sub on_both {
    my ($token) = @_;
    my @s = map { $w->http_json('GET', '/prod/url',
                                headers => [Authorization => "Bearer $token"])
                    ->{status} } 1 .. 16;
    return join(' ', @s);
}

is(on_both($good), join(' ', (200) x 16),
   'two workers, sixteen connections: 200 each');
my $cold = fetches('/w2/jwks');
ok($cold >= 1 && $cold <= 2, "a cold start per worker at most ($cold)");

sleep 10.5;
idp_keys($k1, $k2);
$w->write_file('pid.log', '');
is(on_both(token(kid => 'k2', key => 'k2.key', alg => 'ES256')),
   join(' ', (200) x 16), 'a new kid, on both workers: 200 each');
my %pids = map { (split)[0] => 1 } split /\n/, $w->read_file('pid.log');
is(scalar keys %pids, 2, 'both workers answered');
is(fetches('/w2/jwks'), $cold + 1,
   'one fetch in all: the other worker took the keys from the shared zone');
# an AWS jwt authorizer: the same verifier, AWS's token rules

my $aws = token(kid => 'k2', key => 'k2.key', alg => 'ES256');
is($w->http_json('GET', '/prod/aws', headers => [Authorization => $aws])
     ->{status}, 200, 'AWS jwt authorizer: the token without "Bearer": 200');
is($w->http_json('GET', '/prod/aws',
                 headers => [Authorization => "Bearer $aws"])->{status},
   200, 'and with it: 200');
is($w->http_json('GET', '/prod/aws')->{status}, 401, 'no token: 401');
$w->check_log(allow => qr/\[info\]/);

# a provider over TLS: its certificate verified, or no keys

my $tls = Apigw::Test->new;
my $tp = $tls->prefix;
my $tls_port = $tls->port(1);
my $TIDP = "https://localhost:$tls_port";

openssl("req -x509 -newkey rsa:2048 -nodes -subj /CN=apigw-test-ca -days 1",
        "-keyout $tp/ca.key -out $tp/ca.crt");
openssl("req -newkey rsa:2048 -nodes -subj /CN=localhost",
        "-keyout $tp/idp.key -out $tp/idp.csr");
$tls->write_file('san.ext', "subjectAltName=DNS:localhost\n");
openssl("x509 -req -in $tp/idp.csr -CA $tp/ca.crt -CAkey $tp/ca.key",
        "-CAcreateserial -days 1 -extfile $tp/san.ext -out $tp/idp.crt");
openssl("req -x509 -newkey rsa:2048 -nodes -subj /CN=other-ca -days 1",
        "-keyout $tp/other.key -out $tp/other.crt");

$tls->write_file('idp/.well-known/openid-configuration',
                 qq({"issuer":"$TIDP","jwks_uri":"$TIDP/jwks"}));
$tls->write_file('idp/jwks', '{"keys":[' . $k1 . ']}');
$tls->write_conf(<<'CONF', no_module => 1);
    server {
        listen 127.0.0.1:%%PORT%% ssl;
        ssl_certificate %%PREFIX%%/idp.crt;
        ssl_certificate_key %%PREFIX%%/idp.key;
        default_type application/json;
        root %%PREFIX%%/idp;
    }
CONF
$tls->run;

my $g = Apigw::Test->new;
$g->backend(port => $g->port(2));
$g->write_file('api.yaml', <<"YAML");
openapi: 3.0.3
info: {title: jwks, version: "1"}
components:
  securitySchemes:
    oidc:
      type: openIdConnect
      openIdConnectUrl: "$TIDP/.well-known/openid-configuration"
paths:
  /pets:
    get: {security: [{oidc: []}]}
YAML

sub gateway_conf {
    my ($ssl) = @_;
    return <<"CONF";
    apigw_api jwks %%PREFIX%%/api.yaml;
    server {
        listen 127.0.0.1:%%PORT%%;
        location /prod/ {
            apigw jwks stage=prod;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
            $ssl
        }
    }
CONF
}

$g->write_conf(gateway_conf(''));
my ($rc, $out) = $g->nginx_test;
isnt($rc, 0, 'keys over https, the certificate not verified: nginx -t fails');
like($out, qr/does not verify the provider's certificate: add "proxy_ssl_verify on;"/,
     'and says what to add');

$g->write_conf(gateway_conf("proxy_ssl_verify on;\n"
    . "            proxy_ssl_trusted_certificate $tp/ca.crt;"));
$g->run;

my $iss_token = do {
    my $file = "$p/claims-tls.json";
    open(my $fh, '>', $file) or die;
    print $fh JSON::PP->new->encode({iss => $TIDP, sub => 'u1',
                                     exp => int(time) + 600});
    close $fh;
    mint_out('--alg', 'RS256', '--key', "$p/k1.key", '--kid', 'k1', $file);
};

$r = $g->http_json('GET', '/prod/pets',
                   headers => [Authorization => "Bearer $iss_token"]);
is($r->{status}, 200,
   'discovery and keys over https, the certificate verified: 200');

$g->write_conf(gateway_conf("proxy_ssl_verify on;\n"
    . "            proxy_ssl_trusted_certificate $tp/other.crt;"));
$g->reload;
$r = $g->http_json('GET', '/prod/pets',
                   headers => [Authorization => "Bearer $iss_token"]);
is($r->{status}, 500, 'a certificate another CA signed: no keys: 500');
ok(scalar $g->log_lines(qr/upstream SSL certificate verify error/),
   'nginx says why');
$g->check_log(allow => qr/failed|no keys|verify error|\[info\]/);
$tls->check_log;
$t->check_log(allow => qr/failed|refused|no keys|\[info\]/);

done_testing();
