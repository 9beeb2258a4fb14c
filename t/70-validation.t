#!/usr/bin/perl

# Request validation: required parameters (AWS's message), parameter schemas
# after conversion (integer, boolean, arrays and objects by style), request
# bodies against JSON Schema (OpenAPI 3.0 and 3.1), 415, request validators,
# error details and turning them off; what reaches the backend.

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

$t->write_file('pets.yaml', <<'YAML');
openapi: 3.0.3
info: {title: pets, version: "1"}
x-amazon-apigateway-request-validators:
  params-only: {validateRequestParameters: true, validateRequestBody: false}
  nothing: {validateRequestParameters: false, validateRequestBody: false}
components:
  parameters:
    Limit:
      name: limit
      in: query
      schema: {type: integer, minimum: 1, maximum: 100}
  schemas:
    Pet:
      type: object
      required: [name, price, id]
      additionalProperties: false
      properties:
        id: {type: integer, readOnly: true}
        name: {type: string, minLength: 1}
        price: {type: number, minimum: 0}
        tags: {type: array, items: {type: string}, maxItems: 3}
        email: {type: string, format: email}
        nickname: {type: string, nullable: true}
        owner: {$ref: '#/components/schemas/Owner'}
    Owner:
      type: object
      required: [name]
      properties:
        name: {type: string}
        born: {type: string, format: date}
paths:
  /pets:
    get:
      parameters:
        - $ref: '#/components/parameters/Limit'
        - {name: status, in: query, required: true,
           schema: {type: string, enum: [available, sold]}}
        - {name: tags, in: query, schema: {type: array, items: {type: string}}}
        - {name: ids, in: query, explode: false,
           schema: {type: array, items: {type: integer}}}
        - {name: X-Trace, in: header, schema: {type: string, pattern: '^[a-z]+$'}}
        - {name: session, in: cookie, required: true, schema: {type: string}}
        - {name: filter, in: query, style: deepObject,
           schema: {type: object, properties: {min: {type: integer}},
                    additionalProperties: false}}
        - {name: verbose, in: query, schema: {type: boolean}}
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Pet'}
  /pets/{petId}:
    parameters:
      - {name: petId, in: path, required: true,
         schema: {type: integer, minimum: 1}}
    get: {}
    put:
      x-amazon-apigateway-request-validator: params-only
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Pet'}
    delete:
      x-amazon-apigateway-request-validator: nothing
  /terse:
    post:
      x-apigw-validation: {details: false}
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [a]}
  /upload:
    post:
      requestBody:
        content:
          application/octet-stream: {}
          text/*: {}
          application/vnd.pets+json:
            schema: {type: object, required: [v]}
  /secret:
    get:
      parameters:
        - {name: X-Api-Secret, in: header, required: true,
           schema: {type: string, minLength: 30}}
  /raw/{name}:
    get:
      parameters:
        - {name: name, in: path, required: true}
        - {name: note, in: query}
        - {name: X-Note, in: header}
YAML

$t->write_file('v31.yaml', <<'YAML');
openapi: 3.1.0
info: {title: v31, version: "1"}
paths:
  /things:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                kind: {const: thing}
                size: {type: [integer, "null"], exclusiveMinimum: 0}
                pair: {type: array, prefixItems: [{type: string}, {type: integer}],
                       items: false}
              dependentRequired: {size: [kind]}
              unevaluatedProperties: false
YAML

$t->write_conf(<<'CONF');
    apigw_api pets %%PREFIX%%/pets.yaml;
    apigw_api v31 %%PREFIX%%/v31.yaml;

    server {
        listen 127.0.0.1:%%PORT%%;

        location /prod/ {
            apigw pets stage=prod;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
        }

        location /quiet/ {
            apigw pets stage=quiet;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
            apigw_validation_details off;
        }

        location /v31/ {
            apigw v31;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
        }
    }
CONF

$t->run;

my @cookie = (headers => ['Cookie' => 'theme=dark; session=abc']);

sub errors_of {
    my ($r) = @_;
    return [ map { "$_->{in} $_->{path} $_->{keyword}"
                   . (defined $_->{name} ? " $_->{name}" : '') }
             @{$r->{json}{errors} // []} ];
}


# parameters

my $r = $t->http_json('GET', '/prod/pets?status=sold&limit=5', @cookie);
is($r->{status}, 200, 'valid parameters pass');
is($be->last_request->{uri}, '/pets?status=sold&limit=5',
   'the backend gets the query as sent');

$r = $t->http_json('GET', '/prod/pets?limit=5');
is($r->{status}, 400, 'missing required parameters: 400');
is($r->{json}{message}, 'Missing required request parameters: [status, session]',
   'AWS message lists them in declaration order');
is($r->{headers}{'x-amzn-errortype'}, 'BadRequestException', 'error type');
is_deeply(errors_of($r), ['query  required status', 'cookie  required session'],
          'errors name each missing parameter');
ok($r->{headers}{'x-amzn-requestid'}, 'request id on the refusal');

$r = $t->http_json('GET', '/prod/pets?status=&limit=5', @cookie);
is($r->{json}{message}, 'Missing required request parameters: [status]',
   'a blank required parameter is missing');

my $before = scalar @{[ $be->requests ]};
$r = $t->http_json('GET', '/prod/pets?status=lost&limit=500', @cookie);
is($r->{status}, 400, 'bad values: 400');
is($r->{json}{message}, 'Invalid request parameters', 'message');
is_deeply(errors_of($r), ['query  maximum limit', 'query  enum status'],
          'each bad parameter with its keyword');
is($r->{json}{errors}[0]{message}, 'must be <= 100', 'message of maximum');
is(scalar @{[ $be->requests ]}, $before, 'the backend saw none of them');

$before = scalar @{[ $be->requests ]};
$r = $t->http_json('GET', '/prod/pets?status=sold&limit=5&limit=500',
                   @cookie);
is($r->{status}, 400, 'a scalar given twice: the second value is checked too');
is_deeply(errors_of($r), ['query  maximum limit'], 'and named');
is(scalar @{[ $be->requests ]}, $before, 'the backend saw neither');

$r = $t->http_json('GET', '/prod/pets?status=sold&limit=5&limit=7', @cookie);
is($r->{status}, 200, 'a scalar given twice, both valid: 200');

$r = $t->http_json('GET', '/prod/pets?status=sold&limit=ten', @cookie);
is_deeply(errors_of($r), ['query  type limit'], 'integer that is not');

$r = $t->http_json('GET', '/prod/pets?status=sold&ids=1,2,x', @cookie);
is_deeply(errors_of($r), ['query /2 type ids'],
          'comma-separated array items converted, the bad one pointed at');

$r = $t->http_json('GET', '/prod/pets?status=sold&ids=1,2,3&tags=a&tags=b'
                   . '&verbose=true&filter[min]=3', @cookie);
is($r->{status}, 200, 'arrays (both styles), boolean and deepObject pass');

$r = $t->http_json('GET', '/prod/pets?status=sold&verbose=yes'
                   . '&filter[max]=3', @cookie);
is_deeply(errors_of($r), ['query /max additionalProperties filter',
                          'query  type verbose'],
          'boolean and deepObject checked');

$r = $t->http_json('GET', '/prod/pets?status=sold',
                   headers => ['Cookie' => 'session=abc', 'X-Trace' => 'ABC']);
is_deeply(errors_of($r), ['header  pattern X-Trace'], 'header schema');

$r = $t->http_json('GET', '/prod/pets/0');
is_deeply(errors_of($r), ['path  minimum petId'],
          'path-item parameter applies to the operation');
$r = $t->http_json('GET', '/prod/pets/abc');
is_deeply(errors_of($r), ['path  type petId'], 'path integer');
$r = $t->http_json('GET', '/prod/pets/12');
is($r->{status}, 200, 'good path parameter');

$r = $t->http_json('GET', '/prod/secret',
                   headers => ['X-Api-Secret' => 'hunter2-very-secret']);
is($r->{status}, 400, 'credential header too short');
unlike($r->{body}, qr/hunter2/, 'its value is never echoed');


# parameters that are not UTF-8: refused whatever the schema, unechoed

$r = $t->http_json('GET', '/prod/pets?status=sold&limit=%FF', @cookie);
is($r->{status}, 400, 'not UTF-8: an integer query parameter: 400');
is($r->{json}{message}, 'Invalid request parameters', 'not UTF-8: message');
is_deeply(errors_of($r), ['query  encoding limit'],
          'not UTF-8: the parameter named, keyword encoding');
is($r->{json}{errors}[0]{message}, 'is not valid UTF-8',
   'not UTF-8: what is wrong');
is($r->{headers}{'x-amzn-errortype'}, 'BadRequestException',
   'not UTF-8: BAD_REQUEST_PARAMETERS');

$r = $t->http_json('GET', '/prod/pets?status=sold&tags=ok&tags=%C3%28',
                   @cookie);
is_deeply(errors_of($r), ['query  encoding tags'],
          'not UTF-8: an item of an exploded array');

$r = $t->http_json('GET', '/prod/pets?status=sold&status=%FF', @cookie);
is_deeply(errors_of($r), ['query  encoding status'],
          'not UTF-8: a repeated scalar, the second time');

$r = $t->http_json('GET', '/prod/pets?status=sold&filter[%FF]=1', @cookie);
is_deeply(errors_of($r), ['query  encoding filter'],
          'not UTF-8: a deepObject key');

for my $case (['%C0%AF', 'an overlong form'], ['%ED%A0%80', 'a surrogate'],
              ['%F4%90%80%80', 'past U+10FFFF'], ['%E2%82', 'cut short'])
{
    $r = $t->http_json('GET', "/prod/pets?status=sold&tags=$case->[0]",
                       @cookie);
    is_deeply(errors_of($r), ['query  encoding tags'],
              "not UTF-8: $case->[1]");
}

$r = $t->http_json('GET', '/prod/pets?status=sold',
                   headers => ['Cookie' => 'session=abc',
                               'X-Trace' => "ab\xffc"]);
is_deeply(errors_of($r), ['header  encoding X-Trace'],
          'not UTF-8: a header parameter');

$r = $t->http_json('GET', '/prod/pets?status=sold',
                   headers => ['Cookie' => "session=\xfe\xff"]);
is_deeply(errors_of($r), ['cookie  encoding session'],
          'not UTF-8: a cookie parameter');
unlike($r->{body}, qr/\xfe/, 'not UTF-8: the value is not echoed');

$r = $t->http_json('GET', '/prod/pets/%FF');
is_deeply(errors_of($r), ['path  encoding petId'],
          'not UTF-8: a path parameter');
$r = $t->http_json('GET', "/prod/pets/\xff");
is_deeply(errors_of($r), ['path  encoding petId'],
          'not UTF-8: a raw byte in the path');

$r = $t->http_json('GET', '/prod/pets?limit=%FF');
is($r->{json}{message}, 'Missing required request parameters: [status, session]',
   'not UTF-8 and missing ones: the missing ones make the message');
is_deeply(errors_of($r), ['query  encoding limit', 'query  required status',
                          'cookie  required session'],
          'not UTF-8 and missing ones: all listed');

$r = $t->http_json('GET', '/prod/raw/%FF?note=%FE',
                   headers => ['X-Note' => "\xff"]);
is_deeply(errors_of($r), ['path  encoding name', 'query  encoding note',
                          'header  encoding X-Note'],
          'not UTF-8: declared parameters without a schema too');
$r = $t->http_json('GET', '/prod/raw/caf%C3%A9?note=%E2%82%AC',
                   headers => ['X-Note' => "\xe2\x82\xac"]);
is($r->{status}, 200, 'UTF-8 beyond ASCII passes');
$r = $t->http_json('GET', '/prod/pets?status=sold&undeclared=%FF', @cookie);
is($r->{status}, 200, 'an undeclared parameter is not looked at');

$r = $t->http_json('DELETE', '/prod/pets/%FF');
is($r->{status}, 200, 'not UTF-8, parameter validation off: passes');
is($be->last_request->{uri}, '/pets/%FF', 'and reaches the backend as sent');


# bodies

my $pet = '{"name":"Rex","price":12.5,"tags":["dog"],"email":"rex@example.com",'
        . '"nickname":null,"owner":{"name":"Ann","born":"2001-02-03"}}';

$r = $t->http_json('POST', '/prod/pets', body => $pet,
                   headers => ['Content-Type' => 'application/json']);
is($r->{status}, 200, 'valid body passes (readOnly id not required)');
is($be->last_request->{body}, $pet, 'the backend gets the body unchanged');

$r = $t->http_json('POST', '/prod/pets', body => $pet);
is($r->{status}, 200, 'no Content-Type counts as JSON');

$r = $t->http_json('POST', '/prod/pets',
                   headers => ['Content-Type' => 'application/json'],
                   body => '{"name":"","price":-1,"tags":["a","b","c","d"],'
                         . '"email":"nope","extra":1,'
                         . '"owner":{"born":"2001-13-45"}}');
is($r->{status}, 400, 'invalid body: 400');
is($r->{json}{message}, 'Invalid request body', 'AWS message');
my %kw = map { ("$_->{path} $_->{keyword}" => 1) } @{$r->{json}{errors}};
for my $e ('/name minLength', '/price minimum', '/tags maxItems',
           '/email format', '/extra additionalProperties', '/owner required',
           '/owner/born format')
{
    ok($kw{$e}, "error $e");
}
is($r->{json}{errors}[0]{in}, 'body', 'errors are in the body');

$r = $t->http_json('POST', '/prod/pets',
                   headers => ['Content-Type' => 'application/json'],
                   body => '{"price":"x","items":' . ('[' x 3) . (']' x 3)
                         . ',' . join(',', map { "\"p$_\":1" } 1..20) . '}');
ok(@{$r->{json}{errors}} <= 10, 'at most 10 errors');

$r = $t->http_json('POST', '/prod/pets');
is($r->{status}, 400, 'required body missing');
is_deeply(errors_of($r), ['body  required'], 'said so');

$r = $t->http_json('POST', '/prod/pets', body => 'name=x',
                   headers => ['Content-Type' => 'application/x-www-form-urlencoded']);
is($r->{status}, 415, 'undeclared media type: 415');
is($r->{json}{message}, 'Unsupported Media Type', '415 message');

$r = $t->http_json('POST', '/prod/upload', body => "\x00\x01",
                   headers => ['Content-Type' => 'application/octet-stream']);
is($r->{status}, 200, 'declared media type without schema passes');
$r = $t->http_json('POST', '/prod/upload', body => 'hello',
                   headers => ['Content-Type' => 'text/plain; charset=utf-8']);
is($r->{status}, 200, 'text/* takes text/plain');
$r = $t->http_json('POST', '/prod/upload', body => '{}',
                   headers => ['Content-Type' => 'application/vnd.pets+json']);
is_deeply(errors_of($r), ['body  required'], '+json media types are checked');


# validators, details

$r = $t->http_json('PUT', '/prod/pets/5', body => '{"bad":true}',
                   headers => ['Content-Type' => 'application/json']);
is($r->{status}, 200, 'params-only validator: body not checked');
$r = $t->http_json('PUT', '/prod/pets/0', body => '{}');
is($r->{status}, 400, 'params-only validator: parameters checked');
$r = $t->http_json('DELETE', '/prod/pets/abc');
is($r->{status}, 200, 'validator with nothing on');

$r = $t->http_json('POST', '/prod/terse', body => '{}');
is($r->{status}, 400, 'details off in the spec: still 400');
is($r->{body}, '{"message":"Invalid request body"}', 'AWS terse body');

$r = $t->http_json('POST', '/quiet/pets', body => '{}');
is($r->{body}, '{"message":"Invalid request body"}',
   'apigw_validation_details off');


# OpenAPI 3.1 (JSON Schema 2020-12)

$r = $t->http_json('POST', '/v31/things',
                   body => '{"kind":"thing","size":null,"pair":["a",1]}');
is($r->{status}, 200, '3.1 schema: valid');

$r = $t->http_json('POST', '/v31/things',
                   body => '{"kind":"other","size":0,"pair":["a",1,2],"x":1}');
%kw = map { ("$_->{path} $_->{keyword}" => 1) } @{$r->{json}{errors}};
ok($kw{'/kind const'}, '3.1 const');
ok($kw{'/size exclusiveMinimum'}, '3.1 numeric exclusiveMinimum');
ok($kw{'/pair/2 false'} || $kw{'/pair items'} || $kw{'/pair/2 items'},
   '3.1 prefixItems with items: false');
ok($kw{'/x unevaluatedProperties'} || $kw{' unevaluatedProperties'},
   '3.1 unevaluatedProperties');

$r = $t->http_json('POST', '/v31/things', body => '{"size":3}');
ok(grep({ $_->{keyword} eq 'dependentRequired' } @{$r->{json}{errors}}),
   '3.1 dependentRequired');

$t->check_log;

done_testing;
