#!/usr/bin/perl

# Request transformation: AWS requestParameters into the integration's
# path, query string and headers (from the path, query, headers, body
# JSONPath, stage variables, context and static values), mapping templates
# chosen by Content-Type, passthroughBehavior; text that is not UTF-8
# through both; what the backend receives.

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use JSON::PP;
use Apigw::Test;

plan(skip_all => 'module not built') unless Apigw::Test::have_module();

my $t = Apigw::Test->new;

my $be = $t->backend(port => $t->port(2), handler => sub {
    return (200, ['Content-Type' => 'application/json'], '{"ok":true}');
});

$t->write_file('api.yaml', $t->expand(<<'YAML'));
openapi: 3.0.3
info: {title: transform, version: "1"}
paths:
  /pets/{petId}:
    post:
      operationId: updatePet
      x-apigw-integration:
        type: http
        uri: "http://127.0.0.1:%%PORT_2%%/store/{id}/items"
        requestParameters:
          integration.request.path.id: method.request.path.petId
          integration.request.header.X-Pet-Name: method.request.body.name
          integration.request.header.X-Owner: method.request.body.$.owner
          integration.request.header.X-Color: stageVariables.color
          integration.request.header.X-Req: context.requestId
          integration.request.header.X-Route: context.resourcePath
          integration.request.header.X-Static: "'fixed value'"
          integration.request.header.X-Agent: method.request.header.User-Agent
          integration.request.header.X-Tags: method.request.multivalueheader.X-Tag
          integration.request.querystring.q: method.request.querystring.search
          integration.request.querystring.tags: method.request.multivaluequerystring.tag
          integration.request.querystring.op: "'update'"
        requestTemplates:
          application/json: |
            #set($root = $input.path('$'))
            {
              "pet": "$util.escapeJavaScript($root.name)",
              "id": "$input.params('petId')",
              "search": "$input.params('search')",
              "tags": [#foreach($t in $root.tags)"$t"#if($foreach.hasNext),#end#end],
              "color": "$stageVariables.color",
              "op": "$context.operationName",
              "owner": $input.json('$.owner')
            }
        passthroughBehavior: WHEN_NO_TEMPLATES
  /never:
    post:
      x-apigw-integration:
        type: http
        uri: "http://127.0.0.1:%%PORT_2%%/never"
        passthroughBehavior: NEVER
  /nomatch:
    post:
      x-apigw-integration:
        type: http
        uri: "http://127.0.0.1:%%PORT_2%%/nomatch"
        requestTemplates:
          application/xml: "<x/>"
  /aws/{proxy+}:
    get:
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: "http://127.0.0.1:%%PORT_2%%/legacy/{p}"
        requestParameters:
          integration.request.path.p: method.request.path.proxy
          integration.request.header.X-From: "'aws'"
  /inject:
    post:
      x-apigw-integration:
        type: http
        uri: "http://127.0.0.1:%%PORT_2%%/inject"
        requestParameters:
          integration.request.header.X-Name: method.request.body.name
          integration.request.header.X-Raw: method.request.body
  /get-template:
    get:
      x-apigw-integration:
        type: http
        uri: "http://127.0.0.1:%%PORT_2%%/get-template"
        requestTemplates:
          application/json: '{"q": "$input.params(''q'')"}'
  /escape/{p}:
    get:
      x-apigw-integration:
        type: http
        uri: "http://127.0.0.1:%%PORT_2%%/escape/{p}"
        requestParameters:
          integration.request.header.X-Q: method.request.querystring.q
          integration.request.querystring.qq: method.request.querystring.q
        requestTemplates:
          application/json: '{"q": "$util.escapeJavaScript($input.params(''q''))", "all": $util.toJson($input.params().querystring), "len": $input.params(''q'').length()}'
YAML

$t->write_conf(<<'CONF');
    apigw_api api %%PREFIX%%/api.yaml;

    server {
        listen 127.0.0.1:%%PORT%%;

        location /prod/ {
            apigw api stage=prod;
            apigw_stage_variable color blue;
        }
    }
CONF

$t->run;

my $body = '{"name":"Rex \"the\" dog","tags":["a","b"],"owner":{"n":1}}';
my $r = $t->http('POST', '/prod/pets/42?search=big+dog&tag=x&tag=y&q=client',
                 headers => ['Content-Type' => 'application/json',
                             'User-Agent' => 'tester/1', 'X-Tag' => 'one',
                             'X-Tag' => 'two', 'X-Static' => 'from-client'],
                 body => $body);
my $req = $be->last_request;
is($r->{status}, 200, 'mapped request forwarded');
like($req->{uri}, qr{^/store/42/items\?}, 'integration.request.path from the '
     . 'method path parameter');
my ($query) = $req->{uri} =~ /\?(.*)/;
is($query, 'search=big+dog&tag=x&tag=y&q=big%20dog&tags=x%2Cy&op=update',
   'query: mapped names take the mapped values, the rest as sent');
is($req->{headers}{'x-pet-name'}, 'Rex "the" dog', 'header from a body path');
is($req->{headers}{'x-owner'}, '{"n":1}', 'object from the body as JSON');
is($req->{headers}{'x-color'}, 'blue', 'stage variable');
is($req->{headers}{'x-req'}, $r->{headers}{'x-amzn-requestid'},
   'context.requestId');
is($req->{headers}{'x-route'}, '/pets/{petId}', 'context.resourcePath');
is($req->{headers}{'x-static'}, 'fixed value',
   'static value replaces the client header of that name');
is($req->{headers}{'x-agent'}, 'tester/1', 'from a request header');
is($req->{headers}{'x-tags'}, 'one,two', 'multivalueheader');

my $sent = eval { decode_json($req->{body}) };
ok($sent, 'template rendered JSON') or diag($req->{body});
is($sent->{pet}, 'Rex "the" dog', 'escapeJavaScript kept the JSON valid');
is($sent->{id}, '42', '$input.params() finds the path parameter');
is($sent->{search}, 'big dog', '... and the query parameter');
is_deeply($sent->{tags}, ['a', 'b'], '#foreach with $foreach.hasNext');
is($sent->{color}, 'blue', '$stageVariables');
is($sent->{op}, 'updatePet', '$context.operationName');
is_deeply($sent->{owner}, {n => 1}, '$input.json()');
is($req->{headers}{'content-length'}, length $req->{body},
   'Content-Length of the rendered body');

$r = $t->http('POST', '/prod/pets/42', body => 'x=1',
              headers => ['Content-Type' => 'text/plain']);
is($r->{status}, 415, 'WHEN_NO_TEMPLATES with templates: unmatched type 415');

$r = $t->http('POST', '/prod/never', body => '{}');
is($r->{status}, 415, 'NEVER without templates: 415');

$r = $t->http('POST', '/prod/nomatch', body => '{"a":1}');
is($r->{status}, 200, 'WHEN_NO_MATCH: passes through');
is($be->last_request->{body}, '{"a":1}', 'body unchanged');

$r = $t->http('GET', '/prod/aws/a%2Fb/c');
$req = $be->last_request;
is($req->{uri}, '/legacy/a%2Fb%2Fc', 'AWS path mapping of a greedy parameter '
   . 'is one escaped segment');
is($req->{headers}{'x-from'}, 'aws', 'AWS static header');

$r = $t->http('POST', '/prod/inject', body => '{"name":"a\r\nX-Evil: 1"}',
              headers => ['Content-Type' => 'application/json']);
$req = $be->last_request;
is($r->{status}, 200, 'CR LF in a mapped value');
is($req->{headers}{'x-name'}, 'a  X-Evil: 1', 'cannot add a header');
ok(!exists $req->{headers}{'x-evil'}, 'no injected header');

$r = $t->http('POST', '/prod/inject', body => '{"name":"n","k":[1]}',
              headers => ['Content-Type' => 'application/json']);
is($be->last_request->{headers}{'x-raw'}, '{"name":"n","k":[1]}',
   'method.request.body: the raw body');

$r = $t->http('GET', '/prod/get-template?q=abc');
$req = $be->last_request;
is($req->{body}, '{"q": "abc"}', 'a template gives a GET a body');
is($req->{headers}{'content-length'}, 12, 'with its length');

# text that is not UTF-8 where no declared parameter checks it: mappings
# carry the bytes (escaped in the path and query), templates write U+FFFD
# where they write JSON; never a 5xx

$r = $t->http('GET', '/prod/get-template?q=%FF');
$req = $be->last_request;
is($r->{status}, 200, 'not UTF-8 into a template: 200');
is($req->{body}, "{\"q\": \"\xff\"}", 'text: the byte as it is');

$r = $t->http('GET', '/prod/escape/%FE?q=a%FFb');
$req = $be->last_request;
is($r->{status}, 200, 'not UTF-8 into mappings and $util: 200');
is($req->{uri}, '/escape/%FE?q=a%FFb&qq=a%FFb',
   'path and query mappings: the bytes, escaped');
is($req->{headers}{'x-q'}, "a\xffb", 'header mapping: the bytes');
$sent = eval { decode_json($req->{body}) };
ok($sent, 'escapeJavaScript and toJson: valid JSON') or diag($req->{body});
is($sent->{q}, "a\x{fffd}b", 'escapeJavaScript: U+FFFD for the byte');
is_deeply($sent->{all}, {q => "a\x{fffd}b"}, 'toJson: U+FFFD for the byte');
is($sent->{len}, 3, 'length(): the byte counts as one');

# a template that does not parse fails nginx -t with where and why

$t->stop;

$t->write_file('api.yaml', <<'YAML');
openapi: 3.0.3
info: {title: bad template, version: "1"}
paths:
  /t:
    post:
      x-apigw-integration:
        type: http
        uri: "http://127.0.0.1:9/t"
        requestTemplates:
          application/json: |
            {
            #foreach($i in $input.path('$.items'))
              "x": 1
            }
YAML

my ($rc, $out) = $t->nginx_test;
is($rc, 0, 'a bad template is confined to its operation: nginx -t goes on');
like($out, qr/\[warn\]/, 'with a warning');
my $where = 'api.yaml" at /paths/~1t/post/x-apigw-integration/'
          . 'requestTemplates/application~1json (line 10): template: line 2: '
          . '#foreach without #end';
like($out, qr/\Q$where\E/,
     'with the spec file, the pointer, and the template line') or diag($out);

$t->check_log;

done_testing;
