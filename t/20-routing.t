#!/usr/bin/perl

# Routing: literal segments over {param} over {greedy+}, percent-decoding,
# method handling, stage prefix stripping, AWS's 403 for unknown routes.

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use Apigw::Test;

plan(skip_all => 'module not built') unless Apigw::Test::have_module();

my $t = Apigw::Test->new;
my $be = $t->backend(port => $t->port(2));

$t->write_file('routes.yaml', <<'YAML');
openapi: 3.0.3
info: {title: routes, version: "1"}
paths:
  /:
    get: {operationId: root}
  /pets:
    get: {operationId: listPets}
    post: {operationId: createPet}
  /pets/mine:
    get: {operationId: myPets}
  /pets/mine/photos:
    get: {operationId: myPhotos}
  /pets/{petId}:
    get: {operationId: getPet}
    delete: {operationId: deletePet}
  /pets/{petId}/toys:
    get: {operationId: petToys}
  /files/{proxy+}:
    get: {operationId: getFile}
  /files/special:
    get: {operationId: specialFile}
  /any:
    x-amazon-apigateway-any-method: {operationId: anyMethod}
YAML

$t->write_conf(<<'CONF');
    log_format apigw '$apigw_api $apigw_stage "$apigw_route" $apigw_operation '
                     '$apigw_request_id';

    apigw_api routes %%PREFIX%%/routes.yaml;

    server {
        listen 127.0.0.1:%%PORT%%;
        access_log %%PREFIX%%/apigw.log apigw;

        location /prod/ {
            apigw routes stage=prod;
            apigw_backend http://127.0.0.1:%%PORT_2%%/base;
        }

        location /staging {
            apigw routes stage=staging;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
        }
    }
CONF

$t->run;

# the harness sends the request line as given: nothing normalises the path
sub get {
    my ($uri, $method) = @_;
    $be->clear;
    return $t->http($method // 'GET', $uri);
}

sub routed {
    my ($uri, $path, $name, $method) = @_;
    my $r = get($uri, $method);
    my $req = $be->last_request;
    is($r->{status}, 200, "$name: 200");
    is($req && $req->{uri}, $path, "$name: backend got $path");
    return $req;
}

sub denied {
    my ($uri, $name, $method) = @_;
    my $r = get($uri, $method);
    is($r->{status}, 403, "$name: 403");
    is($r->{body}, '{"message":"Missing Authentication Token"}',
       "$name: AWS body");
    is($r->{headers}{'x-amzn-errortype'},
       'MissingAuthenticationTokenException', "$name: error type");
    like($r->{headers}{'x-amzn-requestid'}, qr/^[0-9a-f-]{36}$/,
         "$name: request id");
    is(scalar $be->requests, 0, "$name: backend not called");
}

routed('/prod/pets', '/base/pets', 'literal route');
routed('/prod/pets?limit=5&x=%20y', '/base/pets?limit=5&x=%20y',
       'query string forwarded as is');
routed('/prod/pets/mine', '/base/pets/mine', 'literal beats {param}');
routed('/prod/pets/42', '/base/pets/42', '{param} route');
routed('/prod/pets/mine/toys', '/base/pets/mine/toys',
       'backtracks from a literal dead end to {param}');
routed('/prod/pets/a%2Fb', '/base/pets/a%2Fb',
       'encoded slash stays inside one segment');
routed('/prod/pets/caf%C3%A9/toys', '/base/pets/caf%C3%A9/toys',
       'percent-encoded parameter forwarded encoded');
routed('/prod/p%65ts/mine', '/base/p%65ts/mine',
       'encoded literal segment matches its decoded route');
routed('/prod/files/a/b/c.txt', '/base/files/a/b/c.txt',
       'greedy parameter takes the rest');
routed('/prod/files/special', '/base/files/special',
       'literal beats greedy');
routed('/prod/', '/base/', 'root route');
routed('/prod//pets//', '/base/pets//', 'empty segments do not count');
routed('/prod/pets', '/base/pets', 'POST routed', 'POST');
routed('/prod/pets/7', '/base/pets/7', 'DELETE routed', 'DELETE');
routed('/prod/any', '/base/any', 'any-method takes PATCH', 'PATCH');
routed('/prod/any', '/base/any', 'any-method takes an unknown method',
       'PROPFIND');

my $r = get('/prod/pets/1', 'HEAD');
is($r->{status}, 200, 'HEAD answered by the GET operation');
is($be->last_request->{method}, 'HEAD', 'HEAD forwarded as HEAD');

denied('/prod/nothing', 'unknown path');
denied('/prod/pets', 'known path, unknown method', 'PUT');
denied('/prod/pets/1/toys/2', 'too many segments');
denied('/prod/files', 'greedy needs one segment');

# a location prefix without a trailing slash ends at a segment boundary
routed('/staging/pets', '/pets', 'prefix "/staging" stripped');
$r = get('/stagingpets');
is($r->{status}, 403, '"/stagingpets" is not under the "/staging" stage');

# nginx itself refuses bad escapes and NUL while parsing the request line
for my $bad ('/prod/pets/%zz', '/prod/pets/a%00b') {
    $r = get($bad);
    is($r->{status}, 400, "bad escape $bad: 400 from nginx");
    is(scalar $be->requests, 0, "bad escape $bad: backend not called");
}

# dot segments would let a backend climb out of the route
for my $bad ('/prod/pets/..', '/prod/pets/%2e%2e', '/prod/files/a/%2E/b') {
    $r = get($bad);
    is($r->{status}, 400, "bad path $bad: 400");
    is($r->{headers}{'content-type'}, 'application/json',
       "bad path $bad: JSON gateway response");
    is(scalar $be->requests, 0, "bad path $bad: backend not called");
}

# access log variables
get('/prod/pets/42?x=1');
$t->stop;
my ($line) = grep { /getPet/ } split /\n/, $t->read_file('apigw.log');
like($line, qr{^routes prod "GET /pets/\{petId\}" getPet [0-9a-f-]{36}$},
     'access log: api, stage, route, operation, request id');

$t->check_log;

done_testing;
