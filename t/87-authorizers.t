#!/usr/bin/perl

# Custom authorizers with AWS's semantics, against a real authorizer (a
# local HTTP server answering policies): TOKEN and REQUEST events as the
# authorizer receives them, and nothing of the client's request beside
# them; every outcome with its status, body and x-amzn-ErrorType; the
# result cache (hit, TTL, a cached policy evaluated again for each method
# ARN, errors never cached); no call without an identity or with one the
# validation expression refuses; an authorizer that hangs, resets, answers
# garbage or 500, or too much; the timeout within the integration's; a
# reload that keeps the cache; the context in parameter mappings,
# templates and gateway responses; $apigw_principal; usageIdentifierKey as
# the API key (key source AUTHORIZER); payload 2.0 with simple responses;
# every refusal in the metrics by its reason; a function authorizer at
# nginx -t.

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use JSON::PP;
use Apigw::Test;
use Apigw::Metrics qw(scrape count);

plan(skip_all => 'module not built') unless Apigw::Test::have_module();

my $t = Apigw::Test->new;

my $json = JSON::PP->new->canonical;
my $arn = 'arn:aws:execute-api:us-east-1:000000000000';
my $key = 'usage-key-0123456789abcdef';

my $be = $t->backend(port => $t->port(2));

sub policy {
    my ($effect, $resource, %extra) = @_;

    return (200, ['Content-Type' => 'application/json'], $json->encode({
        principalId => $extra{principal} // 'user-1',
        policyDocument => {
            Version => '2012-10-17',
            Statement => [{ Action => 'execute-api:Invoke',
                            Effect => $effect, Resource => $resource }],
        },
        context => $extra{context} // {},
        defined $extra{usage} ? (usageIdentifierKey => $extra{usage}) : (),
    }));
}

my $az = $t->backend(port => $t->port(3), handler => sub {
    my ($req) = @_;

    my $ev = eval { decode_json($req->{body}) } // {};
    my $path = $req->{path};

    if ($path eq '/simple') {
        my $yes = ($ev->{headers}{'x-simple'} // '') eq 'yes';
        return (200, ['Content-Type' => 'application/json'],
                $json->encode({ isAuthorized => $yes ? JSON::PP::true
                                                     : JSON::PP::false,
                                context => { plan => 'free' } }));
    }

    if ($path =~ m{^/request/}) {
        return policy(($ev->{headers}{'X-User'} // '') eq 'alice'
                      ? 'Allow' : 'Deny', $ev->{methodArn},
                      principal => 'alice');
    }

    if ($path eq '/keyed') {
        my ($which) = ($ev->{authorizationToken} // '') =~ /key-(\w+)/;
        return policy('Allow', $ev->{methodArn},
                      $which eq 'good' ? (usage => $key)
                      : $which eq 'bad' ? (usage => 'x' x 26) : ());
    }

    my $tok = $ev->{authorizationToken} // '';
    my ($word) = $tok =~ /^Bearer (\S+)/;
    $word //= $tok;

    return 'hang' if $word eq 'hang';
    return 'reset' if $word eq 'reset';
    return (200, ['Content-Type' => 'text/plain'], 'not json') if $word eq 'garbage';
    return (500, ['Content-Type' => 'application/json'], '{}') if $word eq 'error';
    return (401, ['Content-Type' => 'application/json'], '{}') if $word eq 'unauth';
    return (200, [], '{"principalId":"' . ('x' x 70000) . '"}') if $word eq 'big';
    return { chunks => ['{"principalId":"', ('x' x 40000) x 8, '"}'] }
        if $word eq 'chunks';

    return policy('Deny', $ev->{methodArn},
                  context => { reason => 'suspended' }) if $word eq 'deny';
    return policy('Allow', "$arn:other/prod/GET/elsewhere") if $word eq 'nothing';
    return policy('Allow', "$arn:authz/*/GET/*", principal => 'wild')
        if $word eq 'wildcard';

    return policy('Allow', $ev->{methodArn}, principal => "user-$word",
                  context => { tenant => 't1', n => 1, ok => JSON::PP::true });
});

$t->write_file('api.yaml', $t->expand(<<'YAML'));
openapi: 3.0.3
info: {title: authz, version: "1"}
x-apigw-gateway-responses:
  ACCESS_DENIED:
    body: '{"message":"$context.error.message","reason":"$context.authorizer.reason"}'
components:
  securitySchemes:
    tok:
      type: apiKey
      in: header
      name: Authorization
      x-apigw-authorizer:
        type: token
        uri: "http://127.0.0.1:%%PORT_3%%/token"
        identityValidationExpression: "^Bearer [-0-9a-zA-Z._]+$"
        timeout: 1000
    short:
      type: apiKey
      in: header
      name: X-Token
      x-apigw-authorizer:
        type: token
        uri: "http://127.0.0.1:%%PORT_3%%/short"
        authorizerResultTtlInSeconds: 1
    slow:
      type: apiKey
      in: header
      name: X-Slow
      x-apigw-authorizer:
        type: token
        uri: "http://127.0.0.1:%%PORT_3%%/slow"
        timeout: 10000
    req:
      type: apiKey
      in: header
      name: X-User
      x-apigw-authorizer:
        type: request
        uri: "http://127.0.0.1:%%PORT_3%%/request/${stageVariables.authz_path}"
        identitySource: "method.request.header.X-User, method.request.querystring.tenant, stageVariables.zone"
    simple:
      type: apiKey
      in: header
      name: X-Simple
      x-apigw-authorizer:
        type: request
        uri: "http://127.0.0.1:%%PORT_3%%/simple"
        identitySource: "$request.header.X-Simple"
        authorizerPayloadFormatVersion: "2.0"
        enableSimpleResponses: true
        authorizerResultTtlInSeconds: 0
security: [{tok: []}]
paths:
  /pets:
    get: {}
    post: {}
  /pets/{id}:
    get: {}
  /ctx:
    get:
      x-apigw-integration:
        type: http
        uri: "http://127.0.0.1:%%PORT_2%%/ctx"
        requestParameters:
          integration.request.header.X-Tenant: context.authorizer.tenant
          integration.request.header.X-Principal: context.authorizer.principalId
          integration.request.header.X-Missing: context.authorizer.claims.email
        requestTemplates:
          application/json: '{"tenant": "$context.authorizer.tenant", "n": "$context.authorizer.n", "ok": "$context.authorizer.ok", "principal": "$context.authorizer.principalId"}'
  /short:
    get: {security: [{short: []}]}
  /slow:
    get:
      security: [{slow: []}]
      x-apigw-integration:
        type: http
        uri: "http://127.0.0.1:%%PORT_2%%/slow"
        timeout: 400
  /req/{id}:
    get: {security: [{req: []}]}
  /simple:
    get: {security: [{simple: []}]}
YAML

$t->write_file('keyed.yaml', $t->expand(<<'YAML'));
openapi: 3.0.3
info: {title: keyed, version: "1"}
x-amazon-apigateway-api-key-source: AUTHORIZER
components:
  securitySchemes:
    api_key: {type: apiKey, in: header, name: x-api-key}
    ktok:
      type: apiKey
      in: header
      name: Authorization
      x-apigw-authorizer:
        type: token
        uri: "http://127.0.0.1:%%PORT_3%%/keyed"
security: [{ktok: [], api_key: []}]
paths:
  /things:
    get: {}
YAML

$t->write_file('keys.yaml', <<"YAML");
plans:
  - id: gold
    stages: [{stage: keyed/prod}]
keys:
  - {id: k-usage, value: "$key", plan: gold}
YAML

$t->write_conf(<<'CONF');
    apigw_api authz %%PREFIX%%/api.yaml;
    apigw_api keyed %%PREFIX%%/keyed.yaml;
    apigw_keys %%PREFIX%%/keys.yaml;
    apigw_authorizer_cache 64k;

    log_format authz '$uri $status principal=$apigw_principal '
                     'key=$apigw_api_key_id';

    server {
        listen 127.0.0.1:%%PORT%%;
        access_log %%PREFIX%%/authz.log authz;

        location /prod/ {
            apigw authz stage=prod;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
            apigw_stage_variable authz_path v1;
            apigw_stage_variable zone eu;
        }

        location /keyed/ {
            apigw keyed stage=prod;
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

sub calls {
    my ($path) = @_;
    return scalar grep { $_->{path} =~ $path } $az->requests;
}

sub refused {
    my ($r, $status, $message, $type, $name) = @_;

    is($r->{status}, $status, "$name: $status");
    is($r->{json}{message}, $message, "$name: \"$message\"");
    is($r->{headers}{'x-amzn-errortype'}, $type, "$name: $type");
}

my $be_before = $be->requests;

###############################################################################

# a TOKEN authorizer: the event, and nothing else of the client's request

my $r = $t->http_json('POST', '/prod/pets', body => '{"secret":"body"}',
                      headers => ['Authorization' => 'Bearer first',
                                  'Cookie' => 'session=s3cr3t',
                                  'X-Client' => 'c']);
is($r->{status}, 200, 'token: allowed');

my $call = $az->last_request;
my $ev = decode_json($call->{body});
is($call->{method}, 'POST', 'token: the event is POSTed');
is($call->{path}, '/token', 'token: to the authorizer\'s URL');
is($call->{headers}{'content-type'}, 'application/json',
   'token: as JSON');
is_deeply($ev, { type => 'TOKEN', authorizationToken => 'Bearer first',
                 methodArn => "$arn:authz/prod/POST/pets" },
          'token: the event, as AWS sends it');
is_deeply([sort map { lc $_->[0] } @{$call->{header_list}}],
          [qw(content-length content-type host)],
          'token: no header of the client\'s goes to the authorizer');
unlike($call->{body}, qr/secret|s3cr3t/, 'token: nor its body or cookie');
is($be->last_request->{headers}{authorization}, 'Bearer first',
   'token: the backend gets the request as it came');

# the cache: the policy is kept, and evaluated again for each method ARN

my $n = calls(qr{^/token$});
is(get('/prod/pets', Authorization => 'Bearer second')->{status}, 200,
   'cache: a first call');
is(get('/prod/pets', Authorization => 'Bearer second')->{status}, 200,
   'cache: the same token again');
is(calls(qr{^/token$}), $n + 1, 'cache: the second request made no call');

refused($t->http_json('POST', '/prod/pets',
                      headers => [Authorization => 'Bearer second']),
        403, 'User is not authorized to access this resource',
        'AccessDeniedException', 'cache: a policy for GET, on POST');
is(calls(qr{^/token$}), $n + 1,
   'cache: the other method was denied without a call');

$n = calls(qr{^/token$});
is(get('/prod/pets', Authorization => 'Bearer wildcard')->{status}, 200,
   'cache: a wildcard policy, GET /pets');
is(get('/prod/pets/7', Authorization => 'Bearer wildcard')->{status}, 200,
   'cache: the wildcard allows GET /pets/{id} too');
refused($t->http_json('POST', '/prod/pets',
                      headers => [Authorization => 'Bearer wildcard']),
        403, 'User is not authorized to access this resource',
        'AccessDeniedException', 'cache: */GET/* does not allow POST');
is(calls(qr{^/token$}), $n + 1, 'cache: one call for all three');

# the cache survives a reload

ok($t->reload, 'reload');
$n = calls(qr{^/token$});
is(get('/prod/pets', Authorization => 'Bearer second')->{status}, 200,
   'reload: the same token');
is(calls(qr{^/token$}), $n, 'reload: still cached, no call');

# the TTL

$n = calls(qr{^/short$});
is(get('/prod/short', 'X-Token' => 'abc')->{status}, 200, 'ttl: a call');
is(get('/prod/short', 'X-Token' => 'abc')->{status}, 200, 'ttl: cached');
is(calls(qr{^/short$}), $n + 1, 'ttl: one call within the TTL');
select(undef, undef, undef, 1.3);
is(get('/prod/short', 'X-Token' => 'abc')->{status}, 200, 'ttl: expired');
is(calls(qr{^/short$}), $n + 2, 'ttl: a new call once the TTL is over');

# every outcome

$n = calls(qr{^/token$});

$r = get('/prod/pets', Authorization => 'Bearer deny');
refused($r, 403, 'User is not authorized to access this resource with an '
        . 'explicit deny', 'AccessDeniedException', 'explicit deny');
is($r->{json}{reason}, 'suspended',
   'explicit deny: the gateway response has the authorizer\'s context');
get('/prod/pets', Authorization => 'Bearer deny');
is(calls(qr{^/token$}), $n + 1, 'explicit deny: a Deny policy is cached');

refused(get('/prod/pets', Authorization => 'Bearer nothing'), 403,
        'User is not authorized to access this resource',
        'AccessDeniedException', 'implicit deny');

refused(get('/prod/pets', Authorization => 'Bearer unauth'), 401,
        'Unauthorized', 'UnauthorizedException', 'the authorizer\'s 401');

$n = calls(qr{^/token$});

# big: over the answer's 64 KB; chunks: over subrequest_output_buffer_size,
# with no Content-Length
for my $bad (qw(error garbage reset big chunks)) {
    refused(get('/prod/pets', Authorization => "Bearer $bad"), 500,
            'Internal server error', 'AuthorizerConfigurationException',
            "an authorizer that answers $bad");
}

is(get('/prod/pets', Authorization => 'Bearer error')->{status}, 500,
   'an error again');
is(calls(qr{^/token$}), $n + 6, 'errors are never cached');

$r = get('/prod/pets', Authorization => 'Bearer hang');
refused($r, 500, 'Internal server error', 'AuthorizerConfigurationException',
        'an authorizer that hangs');
cmp_ok($r->{elapsed}, '<', 2.5, 'a hang ends at the authorizer\'s timeout');
cmp_ok($r->{elapsed}, '>', 0.8, '... not before');
is(get('/prod/pets', Authorization => 'Bearer after-hang')->{status}, 200,
   'the next request on a new connection is served');

# the integration's timeout caps the authorizer's

$r = get('/prod/slow', 'X-Slow' => 'hang');
is($r->{status}, 500, 'a slow authorizer: 500');
cmp_ok($r->{elapsed}, '<', 1.5,
       'a slow authorizer: cut at the integration\'s 400 ms');

# no call without an identity, or with one the expression refuses

$n = calls(qr{^/token$});
refused(get('/prod/pets'), 401, 'Unauthorized', 'UnauthorizedException',
        'no token');
refused(get('/prod/pets', Authorization => ''), 401, 'Unauthorized',
        'UnauthorizedException', 'an empty token');
refused(get('/prod/pets', Authorization => 'Basic dXNlcjpwYXNz'), 401,
        'Unauthorized', 'UnauthorizedException',
        'a token the validation expression refuses');
refused(get('/prod/pets/' . ('a' x 1700), Authorization => 'Bearer allow'),
        414, 'Request URI too long', 'BadRequestException',
        'a method ARN over 1600 bytes');
is(calls(qr{^/token$}), $n, 'none of them called the authorizer');

###############################################################################

# a REQUEST authorizer: headers, query string and stage variables

$n = calls(qr{^/request/});
$r = get('/prod/req/42?tenant=acme&x=1', 'X-User' => 'alice',
         Cookie => 'a=b');
is($r->{status}, 200, 'request: allowed');

$call = $az->last_request;
$ev = decode_json($call->{body});
is($call->{path}, '/request/v1',
   'request: ${stageVariables.authz_path} in the URL');
is($ev->{type}, 'REQUEST', 'request: type');
is($ev->{methodArn}, "$arn:authz/prod/GET/req/42", 'request: methodArn');
is($ev->{headers}{'X-User'}, 'alice', 'request: headers');
is_deeply($ev->{queryStringParameters}, { tenant => 'acme', x => '1' },
          'request: queryStringParameters');
is_deeply($ev->{stageVariables}, { authz_path => 'v1', zone => 'eu' },
          'request: stageVariables');
is_deeply($ev->{pathParameters}, { id => '42' }, 'request: pathParameters');
is($ev->{httpMethod}, 'GET', 'request: httpMethod');
is($ev->{resource}, '/req/{id}', 'request: resource');
is($ev->{requestContext}{stage}, 'prod', 'request: requestContext.stage');
ok(!grep({ lc $_->[0] =~ /^(?:x-user|cookie)$/ } @{$call->{header_list}}),
   'request: the client\'s headers are in the event only');

is(get('/prod/req/42?tenant=acme', 'X-User' => 'alice')->{status}, 200,
   'request: the same identity sources');
refused(get('/prod/req/43?tenant=acme', 'X-User' => 'alice'), 403,
        'User is not authorized to access this resource',
        'AccessDeniedException',
        'request: the cached policy names /req/42 only');
is(calls(qr{^/request/}), $n + 1, 'request: both from the cache');
get('/prod/req/42?tenant=other', 'X-User' => 'alice');
is(calls(qr{^/request/}), $n + 2, 'request: another query value, a call');

refused(get('/prod/req/42?tenant=acme', 'X-User' => 'bob'), 403,
        'User is not authorized to access this resource with an explicit '
        . 'deny', 'AccessDeniedException', 'request: denied');

$n = calls(qr{^/request/});
refused(get('/prod/req/42', 'X-User' => 'alice'), 401, 'Unauthorized',
        'UnauthorizedException', 'request: a query source missing');
is(calls(qr{^/request/}), $n, 'request: no call without every source');

###############################################################################

# the context reaches the integration

$r = get('/prod/ctx', Authorization => 'Bearer ctx');
is($r->{status}, 200, 'context: allowed');

my $got = $be->last_request;
is($got->{headers}{'x-tenant'}, 't1', 'context: authorizer.KEY mapped');
is($got->{headers}{'x-principal'}, 'user-ctx',
   'context: authorizer.principalId mapped');
ok(!exists $got->{headers}{'x-missing'}, 'context: no claims, no header');
is_deeply(decode_json($got->{body}),
          { tenant => 't1', n => '1', ok => 'true', principal => 'user-ctx' },
          'context: in a template, stringified as AWS does');

###############################################################################

# payload 2.0, simple responses

$r = get('/prod/simple', 'X-Simple' => 'yes');
is($r->{status}, 200, 'simple: isAuthorized true');

$ev = decode_json($az->last_request->{body});
is($ev->{version}, '2.0', 'simple: version 2.0');
is($ev->{type}, 'REQUEST', 'simple: type');
is($ev->{routeArn}, "$arn:authz/prod/GET/simple", 'simple: routeArn');
is_deeply($ev->{identitySource}, ['yes'], 'simple: identitySource');
is($ev->{routeKey}, 'GET /simple', 'simple: routeKey');

refused(get('/prod/simple', 'X-Simple' => 'no'), 403, 'Forbidden',
        'AccessDeniedException', 'simple: isAuthorized false');

$n = calls(qr{^/simple$});
get('/prod/simple', 'X-Simple' => 'yes');
is(calls(qr{^/simple$}), $n + 1, 'simple: TTL 0, never cached');

###############################################################################

# the API key from the authorizer (x-amazon-apigateway-api-key-source)

is(get('/keyed/things', Authorization => 'key-good')->{status}, 200,
   'usage key: a known key');
refused(get('/keyed/things', Authorization => 'key-bad', 'x-api-key' => $key),
        403, 'Forbidden', 'ForbiddenException',
        'usage key: unknown (the header does not count)');
refused(get('/keyed/things', Authorization => 'key-none', 'x-api-key' => $key),
        403, 'Forbidden', 'ForbiddenException', 'usage key: none');

###############################################################################

# the metrics: each refusal above by its reason, in its route's series
my ($m) = scrape($t);
for (['authz', 'GET', '/pets', 'authorizer_denied', 3,
      'explicit deny twice, implicit deny'],
     ['authz', 'POST', '/pets', 'authorizer_denied', 2,
      'a policy for GET, */GET/*'],
     ['authz', 'GET', '/req/{id}', 'authorizer_denied', 2,
      'the cached policy, Deny'],
     ['authz', 'GET', '/simple', 'authorizer_denied', 1,
      'isAuthorized false'],
     ['authz', 'GET', '/pets', 'authorizer_unauthorized', 4,
      'the authorizer\'s 401; no, an empty and a refused token'],
     ['authz', 'GET', '/req/{id}', 'authorizer_unauthorized', 1,
      'a source missing'],
     ['authz', 'GET', '/pets', 'authorizer_error', 7,
      'error twice, garbage, reset, big, chunks, a hang'],
     ['authz', 'GET', '/slow', 'authorizer_error', 1,
      'cut by the integration\'s timeout'],
     ['authz', 'GET', '/pets/{id}', 'uri_too_long', 1,
      'a method ARN over 1600 bytes'],
     ['keyed', 'GET', '/things', 'unknown_key', 1,
      'an unknown usage key'],
     ['keyed', 'GET', '/things', 'missing_key', 1, 'no usage key'])
{
    my ($api, $method, $resource, $reason, $n, $what) = @$_;
    is(count($m, 'apigw_auth_failures_total', api => $api, method => $method,
             resource => $resource, reason => $reason), $n,
       "metrics: $method $resource, $reason: $n ($what)");
}
is(count($m, 'apigw_auth_failures_total'), 24,
   'metrics: 24 refusals in all');
is(count($m, 'apigw_requests_total', resource => '/pets/{id}', code => 414),
   1, 'metrics: the 414');

###############################################################################

my $log = $t->read_file('authz.log');
like($log, qr{^/prod/pets 200 principal=user-first key=-$}m,
     '$apigw_principal: the principalId');
like($log, qr{^/keyed/things 200 principal=user-1 key=k-usage$}m,
     '$apigw_principal and the key from the authorizer');
like($log, qr{^/prod/pets 401 principal=- }m,
     '$apigw_principal: none without an authorizer\'s answer');

my @info = $t->log_lines(qr/authorizer of "tok"/);
ok(@info, 'outcomes are logged');
ok(!grep({ /Bearer|dXNlcjpwYXNz/ } @info),
   'no token in the log');
ok(grep({ /EXPLICIT_DENY, principal "user-1"/ } @info),
   'an explicit deny is logged with its principal');

is($be->requests, $be_before + 17, 'only what was allowed reached the backend');

###############################################################################

# a function authorizer needs apigw_functions: nginx -t says so

my $f = Apigw::Test->new;

$f->write_file('fn.yaml', <<'YAML');
openapi: 3.0.3
info: {title: fn, version: "1"}
components:
  securitySchemes:
    fn:
      type: apiKey
      in: header
      name: Authorization
      x-amazon-apigateway-authorizer:
        type: token
        authorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations
security: [{fn: []}]
paths:
  /a:
    get: {}
YAML

my $fconf = <<'CONF';
    apigw_api fn %%PREFIX%%/fn.yaml;

    server {
        listen 127.0.0.1:%%PORT%%;

        location /prod/ {
            apigw fn stage=prod;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
            %%DELEGATE%%
        }
    }
CONF

(my $plain = $fconf) =~ s/%%DELEGATE%%//;
$f->write_conf($plain);
my ($rc, $out) = $f->nginx_test;
isnt($rc, 0, 'function authorizer: nginx -t fails');
like($out, qr/"fn", which is a function, and this location has no apigw_functions to invoke it/,
     'function authorizer: and says why');

(my $delegated = $fconf) =~ s/%%DELEGATE%%/apigw_security_delegate fn;/;
$f->write_conf($delegated);
($rc, $out) = $f->nginx_test;
is($rc, 0, 'function authorizer: delegated, it loads') or diag($out);

$f->check_log;
$t->check_log;

done_testing;
