#!/usr/bin/perl

# JWTs verified by the gateway: http bearer, oauth2 and openIdConnect
# schemes with x-apigw-jwt or an apigw_jwt directive, keys from files.
# Every row of the attack checklist (docs/authorizers.md) is a token sent
# through nginx, with the status and headers the client gets: 401 with
# WWW-Authenticate error="invalid_token" for a bad token, 403 with
# error="insufficient_scope" for a good one without the scopes; the
# metrics count each by its reason.

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use MIME::Base64 qw(encode_base64url decode_base64url);
use Apigw::Test;
use Apigw::Metrics qw(scrape count);

plan(skip_all => 'module not built') unless Apigw::Test::have_module();

plan(skip_all => 'build/apigw-jwt-mint not built (make tools)')
    unless -x Apigw::Test::mint_tool();

*openssl = \&Apigw::Test::openssl;
*mint_out = \&Apigw::Test::mint;

my $t = Apigw::Test->new;
my $p = $t->prefix;
my $be = $t->backend(port => $t->port(2));


openssl("genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out $p/rsa.key");
openssl("genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out $p/evil.key");
openssl("genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out $p/small.key");
openssl("genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out $p/ec.key");
openssl("genpkey -algorithm ED25519 -out $p/ed.key");
openssl("pkey -in $p/rsa.key -pubout -out $p/rsa.pub");


sub jwk {
    my ($key, $kid, $alg) = @_;
    return mint_out('--jwk', "$p/$key", '--kid', $kid, '--alg', $alg);
}

my $now = time;
my $ISS = 'https://idp.test/';
my $AUD = 'api://pets';

# a set of usable keys, and ones each left out for a reason of their own
my $bad_curve = '{"kty":"EC","crv":"P-256","kid":"off-curve",'
    . '"x":"' . encode_base64url("\x01" x 32) . '",'
    . '"y":"' . encode_base64url("\x02" x 32) . '"}';

$t->write_file('jwks.json', '{"keys":['
    . join(',', jwk('rsa.key', 'k-rsa', 'RS256'), jwk('ec.key', 'k-ec', 'ES256'),
           jwk('ed.key', 'k-ed', 'EdDSA'), jwk('small.key', 'k-small', 'RS256'),
           $bad_curve, '{"kty":"EC","crv":"secp256k1","kid":"k1","x":"AA","y":"AA"}',
           '{"kty":"oct","k":"c2VjcmV0","kid":"sneaky"}')
    . ']}');

my $secret = 'a-shared-secret-of-32-bytes-ok!!';
$t->write_file('secret.json', '{"keys":[{"kty":"oct","kid":"hs","alg":"HS256",'
    . '"k":"' . encode_base64url($secret) . '"}]}');

$t->write_file('api.yaml', <<"YAML");
openapi: 3.0.3
info: {title: jwt, version: "1"}
components:
  securitySchemes:
    bearer:
      type: http
      scheme: bearer
      x-apigw-jwt:
        issuer: "$ISS"
        audience: ["$AUD", "api://other"]
        jwks: $p/jwks.json
        algorithms: [RS256, ES256, EdDSA, PS256]
        forward: {sub: X-User-Id, tenant: X-Tenant}
    oauth:
      type: oauth2
      flows: {clientCredentials: {tokenUrl: "https://idp.test/token", scopes: {admin: "", read: ""}}}
    hmac:
      type: http
      scheme: bearer
      x-apigw-jwt: {issuer: "$ISS", jwks: $p/secret.json, algorithms: [HS256]}
    query:
      type: http
      scheme: bearer
      x-apigw-jwt: {issuer: "$ISS", jwks: $p/jwks.json, query: access_token}
    key: {type: apiKey, in: header, name: X-Api-Key}
paths:
  /pets:
    get: {security: [{bearer: []}]}
  /admin:
    get: {security: [{oauth: [admin, read]}]}
  /hs:
    get: {security: [{hmac: []}]}
  /q:
    get: {security: [{query: []}]}
  /either:
    get: {security: [{key: []}, {bearer: []}]}
  /both:
    get: {security: [{key: [], bearer: []}]}
  /open:
    get: {security: [{}, {bearer: []}]}
  /claims:
    post:
      security: [{bearer: []}]
      x-apigw-integration:
        type: http
        uri: "http://127.0.0.1:@{[$t->port(2)]}/claims"
        requestParameters:
          integration.request.header.X-Sub: context.authorizer.claims.sub
          integration.request.header.X-Groups: context.authorizer.claims.groups
          integration.request.header.X-Principal: context.authorizer.principalId
        requestTemplates:
          application/json: '{"email": "\$context.authorizer.claims.email", "sub": "\$context.authorizer.claims.sub"}'
YAML

my $alice = 'alice-key-0123456789abcdef';
$t->write_file('keys.yaml', <<"YAML");
plans:
  - id: gold
    stages: [{stage: jwt/prod}]
keys:
  - {id: k-alice, value: "$alice", plan: gold}
YAML

$t->write_conf(<<'CONF');
    apigw_api jwt %%PREFIX%%/api.yaml;
    apigw_keys %%PREFIX%%/keys.yaml;

    log_format who '$uri $status principal=$apigw_principal';

    server {
        listen 127.0.0.1:%%PORT%%;
        large_client_header_buffers 4 64k;
        access_log %%PREFIX%%/who.log who;

        location /prod/ {
            apigw jwt stage=prod;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
            apigw_jwt oauth issuer=https://idp.test/ audience=api://pets
                      jwks=%%PREFIX%%/jwks.json algorithms=RS256,ES256
                      typ=at+jwt leeway=0s;
        }

        location = /metrics {
            apigw_prometheus;
        }
    }
CONF

$t->run;

my $seq = 0;

# a token: claims over the defaults, signed with key and alg
sub token {
    my (%o) = @_;
    my %claims = (iss => $ISS, aud => $AUD, sub => 'user-1',
                  exp => $now + 600, iat => $now);
    %claims = (%claims, %{$o{claims} // {}});
    delete @claims{@{$o{drop} // []}};

    my $json = $o{payload} // JSON::PP->new->canonical->encode(\%claims);
    my $file = "$p/payload-" . $seq++ . '.json';
    open(my $fh, '>:raw', $file) or die;
    print $fh $json;
    close $fh;

    my @args = ('--alg', $o{alg} // 'RS256');
    push @args, '--key', "$p/" . ($o{key} // 'rsa.key') unless $o{secret};
    push @args, '--secret', "'$o{secret}'" if $o{secret};
    push @args, '--kid', $o{kid} // 'k-rsa' unless exists $o{kid} && !defined $o{kid};
    push @args, '--header', "'$o{header}'" if $o{header};
    push @args, '--raw-header', "'$o{raw_header}'" if $o{raw_header};

    return mint_out(@args, $file);
}

sub get {
    my ($uri, $token, @h) = @_;
    push @h, Authorization => "Bearer $token" if defined $token;
    return $t->http_json('GET', "/prod$uri", headers => \@h);
}

sub refused {
    my ($r, $name, $error) = @_;
    $error //= 'invalid_token';
    is($r->{status}, 401, "$name: 401");
    is($r->{json}{message}, 'Unauthorized', "$name: Unauthorized");
    is($r->{headers}{'www-authenticate'}, qq{Bearer error="$error"},
       "$name: WWW-Authenticate error=\"$error\"");
}

# the good ones

my $good = token();
my $r = get('/pets', $good);
is($r->{status}, 200, 'RS256 from the JWK set: 200');
my $seen = $be->last_request;
is($seen->{headers}{'x-user-id'}, 'user-1', 'sub forwarded as X-User-Id');
is($seen->{headers}{authorization}, "Bearer $good",
   'the token reaches the backend as it came');

is(get('/pets', token(alg => 'ES256', key => 'ec.key', kid => 'k-ec'))->{status},
   200, 'ES256: 200');
is(get('/pets', token(alg => 'EdDSA', key => 'ed.key', kid => 'k-ed'))->{status},
   200, 'EdDSA: 200');
is(get('/pets', token(kid => undef))->{status}, 200,
   'no kid: the keys of the alg are tried');
is(get('/pets', token(claims => {aud => ['api://x', 'api://other']}))->{status},
   200, 'aud as an array with one configured audience: 200');
is(get('/pets', token(claims => {exp => $now + 600.5}))->{status}, 200,
   'a fractional exp: 200');
is(get('/pets', token(claims => {exp => $now - 30}))->{status}, 200,
   'expired 30 s ago, within the 60 s leeway: 200');

$r = $t->http_json('GET', '/prod/pets',
                   headers => [Authorization => "bearer   $good"]);
is($r->{status}, 200, 'the scheme name in any case, spaces after it: 200');

# no token

$r = get('/pets');
is($r->{status}, 401, 'no token: 401');
is($r->{headers}{'www-authenticate'}, 'Bearer', 'a bare Bearer challenge');
is($r->{headers}{'x-amzn-errortype'}, 'UnauthorizedException',
   'x-amzn-ErrorType');
is($t->http_json('GET', '/prod/pets',
                 headers => [Authorization => "Basic dXNlcjpwYXNz"])->{status},
   401, 'Basic credentials: 401');

# the attack checklist

refused(get('/pets', token(alg => 'none', kid => undef)), '1. alg none');
refused(get('/pets', token(alg => 'none', kid => undef,
                           header => '{"alg":"NONE"}')), '1. alg NONE');
refused(get('/pets', token(alg => 'HS256', secret => scalar(`cat $p/rsa.pub`),
                           kid => 'k-rsa')),
        '2. HS256 signed with the RSA public key');
refused(get('/pets', token(alg => 'HS256', secret => 'c2VjcmV0', kid => 'sneaky')),
        '2. an oct key in a fetched set is never a secret');
refused(get('/pets', token(alg => 'RS512')), '3. RS512 with the RS256 key');
refused(get('/pets', token(alg => 'PS256')),
        '3. PS256 allowed, but not the key\'s algorithm');
refused(get('/pets', token(kid => '../../../../etc/passwd')),
        '4. a kid that is a path');
refused(get('/pets', token(kid => "k-rsa' OR '1'='1")), '4. a kid that is SQL');

my $evil_jwk = jwk('evil.key', 'k-rsa', 'RS256');
refused(get('/pets', token(key => 'evil.key',
                           header => qq({"jwk":$evil_jwk}))),
        '5. signed by an embedded jwk');
refused(get('/pets', token(key => 'evil.key',
                           header => '{"jku":"https://evil.test/jwks"}')),
        '5. signed by a key at jku');
refused(get('/pets', token(key => 'evil.key',
                           header => '{"x5u":"https://evil.test/cert"}')),
        '5. signed by a key at x5u');
refused(get('/pets', token(header => '{"crit":["exp"]}')),
        '6. crit listing a claim');
refused(get('/pets', token(header => '{"crit":["b64"]}')),
        '6. crit listing an extension not understood');
refused(get('/pets', token(header => '{"crit":[]}')), '6. crit empty');

# ES256: the signature DER-encoded, and zero
my $es = token(alg => 'ES256', key => 'ec.key', kid => 'k-ec');
my ($h, $b, $s) = split /\./, $es;
my $raw = decode_base64url($s);
my ($rr, $ss) = (substr($raw, 0, 32), substr($raw, 32));
sub der_int { my $v = shift; $v =~ s/^\x00+//; $v = "\x00$v" if ord($v) & 0x80;
              return "\x02" . chr(length $v) . $v }
my $der = der_int($rr) . der_int($ss);
$der = "\x30" . chr(length $der) . $der;
refused(get('/pets', "$h.$b." . encode_base64url($der)),
        '7. ES256 signature DER-encoded');
refused(get('/pets', "$h.$b." . encode_base64url("\0" x 64)),
        '8. ES256 signature r = s = 0');
refused(get('/pets', "$h.$b." . encode_base64url("\0" x 32 . $ss)),
        '8. ES256 signature r = 0');

# 9, 10: keys refused at load (below); 11-13: times
refused(get('/pets', token(claims => {exp => $now - 120})),
        '11. expired past the leeway');
refused(get('/pets', token(claims => {nbf => $now + 120})),
        '11. not valid before a time to come');
refused(get('/pets', token(drop => ['exp'])), '11. no exp');
refused(get('/pets', token(claims => {exp => "" . ($now + 600)})),
        '13. exp a string');
is(get('/pets', token(claims => {exp => 1e300}))->{status}, 200,
   '13. exp huge: a NumericDate far ahead, kept within 2^53 s: 200');

# 14-16: audience, issuer, type
refused(get('/pets', token(claims => {aud => 'api://else'})),
        '14. another audience');
refused(get('/pets', token(claims => {aud => []})), '14. no audience');
refused(get('/pets', token(drop => ['aud'])), '14. aud missing');
refused(get('/pets', token(claims => {iss => 'https://idp.test'})),
        '15. the issuer without its trailing slash');
refused(get('/pets', token(claims => {iss => 'https://IDP.test/'})),
        '15. the issuer in another case');
refused(get('/pets', token(claims => {iss => 'https://idp.test/x'})),
        '15. an issuer the configured one prefixes');
refused(get('/admin', token(claims => {scope => 'admin read'})),
        '16. a JWT typ where at+jwt is required');

# 17-21: the form
refused(get('/pets', token(raw_header => '{"alg":"RS256","alg":"HS256","kid":"k-rsa"}')),
        '17. duplicate members in the header');
refused(get('/pets', token(payload => qq({"iss":"$ISS","aud":"$AUD","sub":"a","sub":"admin","exp":@{[$now + 600]}}))),
        '17. duplicate members in the payload');
($h, $b, $s) = split /\./, $good;
(my $std = $s) =~ tr{-_}{+/};
refused(get('/pets', "$h.$b.$std"), '18. base64 not base64url')
    if $std ne $s;
refused(get('/pets', "$h.$b.$s=="), '18. padding');
refused(get('/pets', "$h.$b.${s}AAAA"), '18. bytes after the signature');
refused(get('/pets', "$h.$b.$s!"), '18. a character not base64url');
refused(get('/pets', token(payload => qq({"iss":"$ISS","aud":"$AUD","sub":"a","exp":@{[$now + 600]}}\0{"sub":"admin"}))),
        '19. a NUL and more JSON after the payload');
refused(get('/pets', "$h.$b"), '20. two segments');
refused(get('/pets', "$h.$b.$s.$s"), '20. four segments');
refused(get('/pets', "$h.$b.$s.$s.$s"), '20. five segments (JWE)');
refused(get('/pets', token(claims => {pad => 'x' x 12000})),
        '21. a token past the 8 KB cap');

# 23: the query string
my $q = token();
is(get("/q?access_token=$q")->{status}, 200,
   '23. a token in the query where the scheme declares it: 200');
like($be->last_request->{uri}, qr/access_token=\*+$/,
     '23. the backend sees it masked');
is(get("/pets?access_token=$q")->{status}, 401,
   '23. not where it does not');
refused(get("/q?access_token=$q", token(claims => {sub => 'other'})),
        '23. two different tokens, query and header');
is($t->http_json('GET', '/prod/pets', headers => [
       Authorization => "Bearer $good",
       Authorization => 'Bearer ' . token(claims => {sub => 'x'})])->{status},
   400, '23. two Authorization headers: nginx refuses the request');

# scopes
my $at = '{"typ":"at+jwt"}';
is(get('/admin', token(header => $at, claims => {scope => 'read admin'}))->{status},
   200, 'scopes in "scope": 200');
is(get('/admin', token(header => $at, claims => {scp => ['admin', 'read']}))->{status},
   200, 'scopes in "scp": 200');
$r = get('/admin', token(header => $at, claims => {scope => 'read'}));
is($r->{status}, 403, 'a scope missing: 403');
is($r->{headers}{'www-authenticate'}, 'Bearer error="insufficient_scope"',
   'error="insufficient_scope"');
is($r->{headers}{'x-amzn-errortype'}, 'AccessDeniedException',
   'x-amzn-ErrorType AccessDeniedException');
refused(get('/admin', token(header => $at, claims => {scope => 'admin read',
                                                      exp => $now - 5})),
        'expired, with leeway=0s in apigw_jwt');

# the metrics of GET /admin so far: the 403 above, two tokens not valid
# (its typ, expired)
my ($m) = scrape($t);
my %admin = (stage => 'prod', method => 'GET', resource => '/admin');
is(count($m, 'apigw_auth_failures_total', %admin,
         reason => 'insufficient_scope'), 1,
   'metrics: a scope missing, insufficient_scope');
is(count($m, 'apigw_auth_failures_total', %admin, reason => 'invalid_token'),
   2, 'metrics: not valid, invalid_token');
is(count($m, 'apigw_requests_total', %admin, code => 403), 1,
   'metrics: the 403');

# HS256 with a configured secret
is(get('/hs', token(alg => 'HS256', secret => $secret, kid => 'hs'))->{status},
   200, 'HS256 with the configured secret: 200');
refused(get('/hs', token(alg => 'HS256', secret => 'x' x 32, kid => 'hs')),
        'HS256 with another secret');

# alternatives
is(get('/either', undef, 'X-Api-Key' => $alice)->{status}, 200,
   'key or token: the key');
is(get('/either', $good)->{status}, 200, 'key or token: the token');
$r = get('/either', token(claims => {exp => $now - 999}));
is($r->{status}, 401, 'key or token: a bad token, no key: 401');
is(get('/both', $good, 'X-Api-Key' => $alice)->{status}, 200,
   'key and token: both: 200');
is(get('/both', $good)->{status}, 403, 'key and token: no key: 403');
is(get('/both', 'x.y.z', 'X-Api-Key' => $alice)->{status}, 401,
   'key and token: a bad token: 401');

# claims' headers come from tokens only
$be->clear;
is(get('/open', undef, 'X-User-Id' => 'admin', 'X-Tenant' => 'acme')->{status},
   200, 'anonymous access');
$seen = $be->last_request;
ok(!defined $seen->{headers}{'x-user-id'} && !defined $seen->{headers}{'x-tenant'},
   'a client\'s own X-User-Id and X-Tenant never reach the backend');
get('/pets', token(claims => {tenant => {id => 7}}), 'X-User-Id' => 'admin');
$seen = $be->last_request;
is($seen->{headers}{'x-user-id'}, 'user-1', 'the token\'s sub replaces it');
is($seen->{headers}{'x-tenant'}, '{"id":7}', 'a claim not a string: its JSON');

# claims passed on: mappings, templates, the access log

$r = $t->http_json('POST', '/prod/claims', body => '{}', headers => [
    'Content-Type' => 'application/json',
    Authorization => 'Bearer ' . token(claims => {email => 'a@example.com',
                                                  groups => ['x', 'y']})]);
is($r->{status}, 200, 'claims: 200');
$seen = $be->last_request;
is($seen->{headers}{'x-sub'}, 'user-1', 'context.authorizer.claims.sub mapped');
is($seen->{headers}{'x-groups'}, '["x","y"]',
   'an array claim mapped as its JSON');
is($seen->{headers}{'x-principal'}, 'user-1',
   'context.authorizer.principalId: the sub');
is($seen->{body}, '{"email": "a@example.com", "sub": "user-1"}',
   '$context.authorizer.claims.NAME in a template');
like($t->read_file('who.log'), qr{^/prod/claims 200 principal=user-1$}m,
     '$apigw_principal in the access log');

# a cached token's times are checked again
my $short = token(header => $at, claims => {scope => 'admin read',
                                            exp => time + 2});
is(get('/admin', $short)->{status}, 200, 'a token good for 2 s: 200');
is(get('/admin', $short)->{status}, 200, 'again, from the cache: 200');
select(undef, undef, undef, 3.2);
refused(get('/admin', $short), 'the cached token, now expired');

$t->check_log(allow => qr/left out|\[info\]/);
# nginx itself logs a duplicate Authorization line, and a query parameter
# no scheme declares is not known to be a token; apigw logs none
my @ours = grep { /apigw/ && !/duplicate header/ && !/pets\?access_token/ }
           split /\n/, $t->error_log;
ok(!grep({ index($_, (split /\./, $good)[2]) >= 0 || index($_, $secret) >= 0
           || /access_token=eyJ/ && /GET \/prod\/q/ } @ours),
   'no token, signature or secret in error.log');

# configuration refused

my $n = Apigw::Test->new;
$n->write_file('api.yaml', <<"YAML");
openapi: 3.0.3
info: {title: jwt, version: "1"}
components:
  securitySchemes:
    oauth:
      type: oauth2
      flows: {clientCredentials: {tokenUrl: "https://idp.test/token", scopes: {}}}
paths:
  /a:
    get: {security: [{oauth: []}]}
YAML
$n->write_file('short.json', '{"keys":[{"kty":"oct","alg":"HS256","k":"'
    . encode_base64url('x' x 16) . '"}]}');
$n->write_file('small.json', '{"keys":[' . jwk('small.key', 's', 'RS256') . ']}');
$n->write_file("rsa.pem", scalar(`cat $p/rsa.pub`));

for my $case (
    ['issuer=https://idp.test/ jwks=%%PREFIX%%/short.json algorithms=HS256',
     qr/no key usable/, '9. an HMAC secret shorter than the hash'],
    ['issuer=https://idp.test/ jwks=%%PREFIX%%/small.json',
     qr/no key usable/, '10. an RSA key of 1024 bits'],
    ['issuer=https://idp.test/ jwks=%%PREFIX%%/none.json',
     qr/cannot open/, 'a keys file that is not there'],
    ['jwks=%%PREFIX%%/rsa.pem', qr/needs "issuer=URL"/, 'no issuer'],
    ['issuer=idp.test jwks=%%PREFIX%%/rsa.pem', qr/must be the issuer's URL/,
     'an issuer not a URL'],
    ['issuer=https://idp.test/ algorithms=none', qr/unknown algorithm "none"/,
     'alg none'],
    ['issuer=https://idp.test/ color=red', qr/unknown option "color"/,
     'an unknown option'])
{
    my ($opts, $re, $name) = @$case;
    $n->write_conf(<<"CONF");
    apigw_api jwt %%PREFIX%%/api.yaml;
    server {
        listen 127.0.0.1:%%PORT%%;
        location /prod/ {
            apigw jwt stage=prod;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
            apigw_jwt oauth $opts;
        }
    }
CONF
    my ($rc, $out) = $n->nginx_test;
    isnt($rc, 0, "$name: nginx -t fails");
    like($out, $re, "$name: it says why");
}

$n->write_conf(<<'CONF');
    apigw_api jwt %%PREFIX%%/api.yaml;
    server {
        listen 127.0.0.1:%%PORT%%;
        location /prod/ {
            apigw jwt stage=prod;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
            apigw_jwt other issuer=https://idp.test/ jwks=%%PREFIX%%/rsa.pem;
        }
    }
CONF
my ($rc, $out) = $n->nginx_test;
like($out, qr/apigw_jwt names the scheme "other", which the API does not have/,
     'apigw_jwt for a scheme the API does not have: nginx -t fails');

$n->write_conf(<<'CONF');
    apigw_api jwt %%PREFIX%%/api.yaml;
    apigw_jwt_cache off;
    server {
        listen 127.0.0.1:%%PORT%%;
        location /prod/ {
            apigw jwt stage=prod;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
            apigw_jwt oauth issuer=https://idp.test/ jwks=%%PREFIX%%/rsa.pem
                      audience=api://pets;
        }
    }
CONF
($rc, $out) = $n->nginx_test;
is($rc, 0, "a PEM public key as the keys; the token cache off") or diag($out);

done_testing();
