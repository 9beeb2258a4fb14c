#!/usr/bin/perl

# A stage's spec exported (apigw_export), as AWS's GetExport does it: JSON
# by default, YAML when asked (Accept, ?format=); servers the stage's URL
# (the request's scheme, Host and the stage's prefix, or server=); the
# gateway's extensions stripped but those ?extensions= names, the user's
# own kept; stage variables' values never in any export; a spec split
# across files bundled into one document; 405 and 400.  Every export is
# checked by a real OpenAPI validator (tools/openapi-validate.js, from
# scripts/npm-tools), YAML read back as the JSON.  The docs page
# (apigw_docs): its HTML, policy, script and openapi.json, and Swagger UI's
# files fetched through nginx from the npm-installed swagger-ui-dist.
# nginx -t refuses an unknown or ambiguous stage prefix.

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use JSON::PP;
use Apigw::Test;

plan(skip_all => 'module not built') unless Apigw::Test::have_module();

my $repo = abs_path(dirname(abs_path(__FILE__)) . '/..');
my $tools = $ENV{APIGW_NPM_TOOLS} // "$repo/build/npm-tools";
my $validator = "$repo/tools/openapi-validate.js";
my $dist = "$tools/node_modules/swagger-ui-dist";

# the npm peers are part of the test: missing, the test fails
my $node = `command -v node 2>/dev/null`;
chomp $node;

ok($node ne '', 'node is installed (scripts/bootstrap-deps)');
ok(-f "$tools/node_modules/\@apidevtools/swagger-parser/package.json"
   && -f "$dist/swagger-ui-bundle.js",
   "the npm tools are installed in $tools (scripts/npm-tools)")
    or do { done_testing(); exit 1 };

my $t = Apigw::Test->new;
my $p = $t->prefix;

# values that must never leave the gateway
my %secret = (
    backend => '127.0.0.1:1/sv-backend-prod-9f1c',
    token => 'sv-token-prod-e81c2',
    staging => '127.0.0.1:1/sv-backend-staging-44d1',
    authz => '127.0.0.1:1/sv-authz-prod-17aa',
);

$t->write_file('api.yaml', <<'YAML');
openapi: 3.0.3
info:
  title: Pets <&> "store"
  version: "1.0"
  x-logo: {url: /logo.png}
servers:
  - url: http://backend.internal:8080/v1
x-team: payments
x-apigw-gateway-responses:
  DEFAULT_4XX: {status: 400}
x-amazon-apigateway-request-validators:
  all: {validateRequestBody: true, validateRequestParameters: true}
components:
  securitySchemes:
    token:
      type: apiKey
      in: header
      name: X-Token
      x-apigw-authorizer:
        type: token
        uri: "http://${stageVariables.authz}/check"
  schemas:
    Pet:
      type: object
      required: [id]
      properties:
        id: {type: integer, format: int64}
        name: {type: string}
        x-apigw-integration: {type: string, description: a property's name}
paths:
  /pets:
    get:
      operationId: listPets
      x-internal-owner: team-pets
      parameters:
        - {name: limit, in: query, schema: {type: integer, minimum: 1}}
      responses:
        "200":
          description: the pets
          headers:
            x-apigw-request-id: {schema: {type: string}}
          content:
            application/json:
              schema: {type: array, items: {$ref: '#/components/schemas/Pet'}}
      x-apigw-throttle: {rate: 100, burst: 200}
      x-apigw-integration:
        type: http
        uri: "http://${stageVariables.backend}/pets"
        requestParameters:
          integration.request.header.X-Token: stageVariables.token
      x-amazon-apigateway-request-validator: all
  /pets/{id}:
    get:
      operationId: getPet
      security: [{token: []}]
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
      responses:
        "200":
          description: a pet
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: "http://${stageVariables.backend}/pets/{id}"
YAML

# a spec split across files: path items, responses, schemas elsewhere
$t->write_file('parts/root.yaml', <<'YAML');
openapi: 3.1.0
info: {title: parts, version: "2"}
paths:
  /orders:
    $ref: paths/orders.yaml
  /orders/{id}:
    get:
      operationId: getOrder
      parameters:
        - $ref: common.yaml#/components/parameters/Id
      responses:
        "200": {$ref: 'common.yaml#/components/responses/Order'}
        "404": {$ref: '#/components/responses/NotFound'}
      x-apigw-integration: {type: mock, status: 200}
components:
  responses:
    NotFound: {description: no such order}
YAML

$t->write_file('parts/paths/orders.yaml', <<'YAML');
get:
  operationId: listOrders
  responses:
    "200":
      description: orders
      content:
        application/json:
          schema:
            type: array
            items: {$ref: '../common.yaml#/components/schemas/Order'}
  x-apigw-integration: {type: mock, status: 200}
YAML

$t->write_file('parts/common.yaml', <<'YAML');
components:
  parameters:
    Id: {name: id, in: path, required: true, schema: {type: string}}
  responses:
    Order:
      description: an order
      content:
        application/json:
          schema: {$ref: '#/components/schemas/Order'}
  schemas:
    Order:
      type: object
      properties:
        id: {type: string}
        lines: {type: array, items: {$ref: 'line.yaml'}}
        next: {$ref: '#/components/schemas/Order'}
YAML

$t->write_file('parts/line.yaml', <<'YAML');
type: object
properties:
  sku: {type: string}
  quantity: {type: integer, minimum: 1}
YAML

$t->write_conf(<<"CONF");
    apigw_api pets %%PREFIX%%/api.yaml;
    apigw_api parts %%PREFIX%%/parts/root.yaml;

    server {
        listen 127.0.0.1:%%PORT%%;

        location /prod/ {
            apigw pets stage=prod;
            apigw_stage_variable backend $secret{backend};
            apigw_stage_variable token $secret{token};
            apigw_stage_variable authz $secret{authz};
        }

        location /staging/ {
            apigw pets stage=staging;
            apigw_stage_variable backend $secret{staging};
            apigw_stage_variable token $secret{token}-staging;
            apigw_stage_variable authz $secret{authz};
        }

        location /parts/ {
            apigw parts stage=v2;
        }

        location = /export/prod {
            allow 127.0.0.1;
            deny all;
            apigw_export /prod/;
        }

        location = /export/staging {
            apigw_export /staging server=https://staging.example.com/api/;
        }

        location = /export/parts {
            apigw_export /parts/;
        }

        location = /export/denied {
            deny all;
            apigw_export /prod/;
        }

        location /docs/ {
            allow 127.0.0.1;
            deny all;
            apigw_docs /prod/ assets=/swagger-ui;
        }

        location /swagger-ui/ {
            alias $dist/;
        }
    }
CONF

$t->run;

my $n = 0;
my @bodies;

# a document written to a file and checked by the validator; --json: the
# document as the validator read it
sub validate {
    my ($body, $name, $ext) = @_;

    my $file = $t->write_file(sprintf('out/%02d-%s.%s', ++$n, $name, $ext),
                              $body);
    my $out = `'$node' '$validator' --bundled --json '$file' 2>&1`;
    my $rc = $? >> 8;

    is($rc, 0, "$name: a valid OpenAPI document, self-contained")
        or diag($out);

    my ($json) = $out =~ /^(\{.*\})$/m;
    return $json ? JSON::PP->new->utf8->decode($json) : undef;
}

sub export {
    my ($uri, @headers) = @_;

    my $r = $t->http('GET', $uri, headers => \@headers);
    push @bodies, $r->{body} // '';

    return $r;
}

# every x-apigw-* and x-amazon-apigateway-* key where it is an extension:
# the paths below name the keys this spec has in names and data
sub extension_keys {
    my ($node, $at, $keys) = @_;

    if (ref $node eq 'HASH') {
        for my $k (sort keys %$node) {
            my $here = "$at/" . ($k =~ s/~/~0/gr =~ s{/}{~1}gr);
            push @$keys, $here
                if $k =~ /^x-(?:apigw|amazon-apigateway)-/i
                   && $here !~ m{/properties/x-apigw-integration$}
                   && $here !~ m{/headers/x-apigw-request-id$};
            extension_keys($node->{$k}, $here, $keys);
        }

    } elsif (ref $node eq 'ARRAY') {
        extension_keys($node->[$_], "$at/$_", $keys) for 0 .. $#$node;
    }

    return $keys;
}

# JSON, by default; servers from the request's Host and the stage

my $r = export('/export/prod', Host => "gw.example.com:$t->{ports}{1}");
is($r->{status}, 200, 'prod: 200');
is($r->{headers}{'content-type'}, 'application/json', 'prod: JSON');
is($r->{headers}{vary}, 'Accept', 'prod: Vary: Accept');
is($r->{headers}{'x-content-type-options'}, 'nosniff', 'prod: nosniff');

my $prod = JSON::PP->new->utf8->decode($r->{body});
is_deeply($prod->{servers},
          [{ url => "http://gw.example.com:$t->{ports}{1}/prod",
             description => 'prod' }],
          'prod: servers is the stage\'s URL, from Host');
is_deeply(extension_keys($prod, '', []), [],
          'prod: no gateway extension left');
is($prod->{'x-team'}, 'payments', 'prod: the user\'s own extension kept');
is($prod->{paths}{'/pets'}{get}{'x-internal-owner'}, 'team-pets',
   'prod: an operation\'s own extension kept');
ok($prod->{components}{schemas}{Pet}{properties}{'x-apigw-integration'}
   && $prod->{paths}{'/pets'}{get}{responses}{200}{headers}
      {'x-apigw-request-id'},
   'prod: a property and a header named like extensions kept');
is($prod->{info}{title}, 'Pets <&> "store"', 'prod: info as the spec has it');
validate($r->{body}, 'prod', 'json');

# YAML: by Accept, by ?format=; ?format=json over Accept

for my $case (['application/yaml', '', 'application/yaml'],
              ['application/x-yaml', '', 'application/x-yaml'],
              ['text/html', '?format=yaml', 'application/yaml'],
              ['application/json;q=0.5, application/yaml', '',
               'application/yaml'],
              ['application/yaml', '?format=json', 'application/json'],
              ['application/json, application/yaml;q=0.9', '',
               'application/json'],
              ['*/*', '', 'application/json'])
{
    my ($accept, $query, $type) = @$case;

    $r = export("/export/prod$query",
                Host => "gw.example.com:$t->{ports}{1}", Accept => $accept);
    is($r->{status} . ' ' . ($r->{headers}{'content-type'} // ''),
       "200 $type", "Accept: $accept$query: $type");
}

$r = export('/export/prod', Host => "gw.example.com:$t->{ports}{1}",
            Accept => 'application/yaml');
unlike($r->{body}, qr/^\s*\{/, 'YAML: not JSON');
my $yaml = validate($r->{body}, 'prod', 'yaml');
is_deeply($yaml, $prod, 'YAML: reads back as the JSON export');

# server=, another stage

$r = export('/export/staging?format=yaml');
is($r->{status}, 200, 'staging: 200');
my $staging = validate($r->{body}, 'staging', 'yaml');
is_deeply($staging->{servers},
          [{ url => 'https://staging.example.com/api',
             description => 'staging' }],
          'staging: servers from server=, without the "/" at the end');

$r = export('/export/prod', Host => 'localhost');
is(JSON::PP->new->utf8->decode($r->{body})->{servers}[0]{url},
   'http://localhost/prod', 'prod: Host without a port');

$r = export('/export/prod?format=yaml', Host => "gw\xe9\"<x>.example.com");
is($r->{status}, 200, 'a Host with a byte past ASCII, a quote, <>: 200');
is(validate($r->{body}, 'odd-host', 'yaml')->{servers}[0]{url},
   'http://gw%E9%22%3Cx%3E.example.com/prod',
   'those bytes escaped in servers');

# ?extensions=

my %want = (
    integrations => ['/paths/~1pets/get/x-apigw-integration',
                     '/paths/~1pets~1{id}/get/x-amazon-apigateway-integration'],
    authorizers => ['/components/securitySchemes/token/x-apigw-authorizer'],
    apigateway => ['/paths/~1pets/get/x-amazon-apigateway-request-validator',
                   '/paths/~1pets~1{id}/get/x-amazon-apigateway-integration',
                   '/x-amazon-apigateway-request-validators'],
    apigw => ['/components/securitySchemes/token/x-apigw-authorizer',
              '/paths/~1pets/get/x-apigw-integration',
              '/paths/~1pets/get/x-apigw-throttle',
              '/x-apigw-gateway-responses'],
);

sub pointers {
    my ($doc) = @_;
    return [sort @{extension_keys($doc, '', [])}];
}

for my $ext (sort keys %want) {
    $r = export("/export/prod?extensions=$ext");
    is($r->{status}, 200, "extensions=$ext: 200");
    my $doc = JSON::PP->new->utf8->decode($r->{body});
    is_deeply(pointers($doc), [sort @{$want{$ext}}],
              "extensions=$ext: those, no other");
    validate($r->{body}, "ext-$ext", 'json');
}

$r = export('/export/prod?extensions=integrations%2Cauthorizers&format=yaml');
my $both = validate($r->{body}, 'ext-both', 'yaml');
is_deeply(pointers($both),
          [sort @{$want{integrations}}, @{$want{authorizers}}],
          'extensions=integrations,authorizers: both');
is($both->{paths}{'/pets'}{get}{'x-apigw-integration'}{uri},
   'http://${stageVariables.backend}/pets',
   'integrations: stage variables as references, never values');

# refusals

$r = export('/export/prod?extensions=integrations,postman');
is($r->{status}, 400, 'extensions=postman: 400');
like($r->{body}, qr/unknown extensions value \\?"postman\\?"/,
     'naming the value');
is($r->{headers}{'content-type'}, 'application/json', 'a JSON message');

$r = export('/export/prod?format=xml');
is($r->{status}, 400, 'format=xml: 400');

for my $method (qw(POST PUT DELETE PATCH OPTIONS)) {
    $r = $t->http($method, '/export/prod', body => '{}');
    is($r->{status}, 405, "$method: 405");
}

is($r->{headers}{allow}, 'GET, HEAD', 'Allow: GET, HEAD');

$r = $t->http('HEAD', '/export/prod');
my $get = $t->http('GET', '/export/prod');
is($r->{status}, 200, 'HEAD: 200');
is($r->{headers}{'content-length'}, length($get->{body}),
   'HEAD: the length GET has');
is($r->{body}, '', 'HEAD: no body');

is($t->http('GET', '/export/denied')->{status}, 403,
   'deny all: the operator\'s access rules apply');

# a spec in four files: one document

$r = export('/export/parts');
is($r->{status}, 200, 'parts: 200');
my $parts = validate($r->{body}, 'parts', 'json');
ok($parts && $parts->{paths}{'/orders'}{get}, 'parts: the path item in place');
is_deeply([sort keys %{$parts->{components}{schemas} // {}}],
          [qw(Order line)], 'parts: the schemas made components');
is($parts->{components}{schemas}{Order}{properties}{lines}{items}{'$ref'},
   '#/components/schemas/line', 'parts: a whole file named after it');
is($parts->{paths}{'/orders/{id}'}{get}{responses}{404}{'$ref'},
   '#/components/responses/NotFound', 'parts: the root\'s own refs kept');
unlike($r->{body}, qr/"\$ref":\s*"[^#]/, 'parts: no ref to a file');
$r = export('/export/parts?format=yaml');
is_deeply(validate($r->{body}, 'parts', 'yaml'), $parts,
          'parts: YAML reads back as the JSON');

# the docs page

$r = $t->http('GET', '/docs/');
is($r->{status}, 200, 'docs: 200');
is($r->{headers}{'content-type'}, 'text/html; charset=utf-8', 'docs: HTML');

my $html = $r->{body};
like($html, qr{<title>Pets &lt;&amp;&gt; &quot;store&quot; \(stage prod\)</title>},
     'docs: the title escaped');
unlike($html, qr/<script>|\son\w+=/, 'docs: no inline script');
like($html, qr{data-url="/docs/openapi\.json"}, 'docs: the document');

my $csp = $r->{headers}{'content-security-policy'} // '';
like($csp, qr/default-src 'none'/, 'docs: a Content-Security-Policy');
like($csp, qr/script-src 'self';/, 'docs: scripts from this origin only');
like($csp, qr/frame-ancestors 'none'/, 'docs: not in frames');

my @assets = $html =~ /(?:href|src)="([^"]+)"/g;
is_deeply([sort @assets],
          [sort qw(/swagger-ui/swagger-ui.css /swagger-ui/swagger-ui-bundle.js
                   /docs/init.js)],
          'docs: Swagger UI\'s files from assets=, the page\'s script');

for my $a (grep { m{^/swagger-ui/} } @assets) {
    (my $file = $a) =~ s{^/swagger-ui/}{$dist/};
    my $got = $t->http('GET', $a, timeout => 20);
    is($got->{status}, 200, "$a: 200");
    ok(length($got->{body}) > 1000 && $got->{body} eq $t->read_file($file),
       "$a: the bytes of swagger-ui-dist's file");
}

$r = $t->http('GET', '/docs/init.js');
is($r->{status}, 200, 'init.js: 200');
like($r->{headers}{'content-type'}, qr{^text/javascript}, 'init.js: script');
like($r->{body}, qr/SwaggerUIBundle\(/, 'init.js: starts Swagger UI');
like($r->{body}, qr/validatorUrl: null/,
     'init.js: the spec not sent to the public validator');

$r = export('/docs/openapi.json', Host => "gw.example.com:$t->{ports}{1}");
is($r->{status}, 200, 'openapi.json: 200');
my $docs = validate($r->{body}, 'docs', 'json');
is_deeply($docs, $prod, 'openapi.json: the export, no extensions');

$r = $t->http('GET', '/docs');
is($r->{status}, 301, '/docs: redirected');
like($r->{headers}{location} // '', qr{/docs/$}, 'to /docs/');
is($t->http('GET', '/docs/other')->{status}, 404, '/docs/other: 404');
is($t->http('POST', '/docs/openapi.json', body => 'x')->{status}, 405,
   'docs: POST 405');

# stage variables' values: in no export

my $leaks = grep { my $b = $_; grep { index($b, $_) >= 0 } values %secret }
            @bodies;
is($leaks, 0, scalar(@bodies) . ' exports: no stage variable\'s value in any');

# the API works as ever beside its exports

is($t->http('GET', '/parts/orders')->{status}, 200, 'the parts API serves');

$t->check_log;

# nginx -t: a prefix no stage has, a prefix two stages have

my $c = Apigw::Test->new;
$c->write_file('api.yaml', $t->read_file('api.yaml'));
$c->write_file('other.yaml', "openapi: 3.0.3\ninfo: {title: o, version: '1'}\n"
               . "paths:\n  /a:\n    get:\n"
               . "      x-apigw-integration: {type: mock, status: 200}\n");

sub conf_test {
    my ($server2, $export) = @_;

    $c->write_conf(<<"CONF");
    apigw_api pets %%PREFIX%%/api.yaml;
    apigw_api other %%PREFIX%%/other.yaml;

    server {
        listen 127.0.0.1:%%PORT%%;

        location /prod/ {
            apigw pets stage=prod;
        }

        location /export/ {
            $export
        }
    }

    server {
        listen 127.0.0.1:%%PORT_2%%;
        $server2
    }
CONF

    return $c->nginx_test;
}

my ($rc, $out) = conf_test('', 'apigw_export /nope/;');
isnt($rc, 0, 'an unknown prefix: nginx -t fails');
like($out, qr{apigw_export "/nope/": no stage has that location prefix \(the stages' locations: /prod/\)},
     'naming the prefix and the stages there are');

($rc, $out) = conf_test('location /prod/ { apigw other stage=prod; }',
                        'apigw_export /prod;');
isnt($rc, 0, 'a prefix two stages have: nginx -t fails');
like($out, qr/"\/prod": the prefix is ambiguous: API "pets" stage "prod" .* API "other" stage "prod"/,
     'naming both');

($rc, $out) = conf_test('location /prod/ { apigw pets stage=prod; }',
                        'apigw_export /prod/;');
is($rc, 0, 'the same stage in two servers: one document, nginx -t passes')
    or diag($out);

($rc, $out) = conf_test('', 'apigw_docs /prod/;');
isnt($rc, 0, 'apigw_docs without assets=: nginx -t fails');
like($out, qr/needs assets=URL/, 'saying so');

($rc, $out) = conf_test('location = /d { apigw_docs /prod/ assets=/s/; }',
                        'apigw_export /prod/;');
isnt($rc, 0, 'apigw_docs in an exact location: nginx -t fails');
like($out, qr/needs a prefix location ending in "\/"/, 'saying so');

($rc, $out) = conf_test('', 'apigw_export /prod/ server=ftp://x;');
isnt($rc, 0, 'server= not http(s): nginx -t fails');

($rc, $out) = conf_test('location /x/ { apigw pets; apigw_export /prod/; }',
                        'apigw_export /prod/;');
isnt($rc, 0, 'apigw_export beside apigw: nginx -t fails');
like($out, qr/apigw_export cannot share a location with "apigw"/, 'saying so');

$c->check_log;

done_testing();
