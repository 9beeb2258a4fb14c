#!/usr/bin/perl

# Path keys as real-world specs (APIs.guru) write them: "?k=v" and "#k=v"
# suffixes that tell operations of one path apart by a query parameter or
# a header, suffixes without a value, operations no request can tell
# apart (a warning, or an error with apigw_strict on), and parameters
# inside a segment ("{name}.{ext}", "@{lat},{lon}") with what the backend
# receives and how their schemas check them.

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use Apigw::Test;

plan(skip_all => 'module not built') unless Apigw::Test::have_module();

my $t = Apigw::Test->new;
my $P = $t->prefix;

###############################################################################

# operations no request tells apart: a warning at "nginx -t", the first one
# routed; with apigw_strict on, the load fails

$t->write_file('dup.yaml', <<'YAML');
openapi: 3.0.3
info: {title: dup, version: "1"}
paths:
  /access-preview/{id}:
    get:
      x-apigw-integration: {type: mock, body: first}
  /access-preview/{previewId}#analyzerArn:
    get:
      x-apigw-integration: {type: mock, body: second}
YAML

sub dup_conf {
    my ($strict) = @_;

    return ($strict ? "    apigw_strict on;\n" : '') . <<'CONF';
    apigw_api dup %%PREFIX%%/dup.yaml;

    server {
        listen 127.0.0.1:%%PORT%%;

        location /dup/ {
            apigw dup;
        }
    }
CONF
}

# the operation's line: its "get:" or the line after
my $where = quotemeta("\"$P/dup.yaml\" at /paths/~1access-preview~1"
                      . '{previewId}#analyzerArn/get')
            . ' \(line [78]\): '
            . quotemeta('GET /access-preview/{previewId}#analyzerArn '
                        . 'conflicts with GET /access-preview/{id} declared '
                        . 'before it');

$t->write_conf(dup_conf(0));
my ($rc, $out) = $t->nginx_test;
is($rc, 0, 'indistinguishable operations: nginx -t passes');
like($out, qr/\[warn\] (?:\d+#\d+: )?apigw_api "dup": $where/m,
     'indistinguishable operations: a warning names the file, the pointer '
     . 'and both operations');

$t->write_conf(dup_conf(1));
($rc, $out) = $t->nginx_test;
isnt($rc, 0, 'indistinguishable operations, apigw_strict on: nginx -t fails');
like($out, qr/\[emerg\] (?:\d+#\d+: )?apigw_api "dup": $where/m,
     'indistinguishable operations, apigw_strict on: the same message, as '
     . 'an error');
like($out, qr/\[emerg\] .*apigw_strict is on: 1 problem/,
     'indistinguishable operations, apigw_strict on: and why it fails');

###############################################################################

my $be = $t->backend(port => $t->port(2));

$t->write_file('suffixes.yaml', $t->expand(<<'YAML'));
openapi: 3.0.3
info: {title: suffixes, version: "1"}
paths:
  /rest?method=flickr.favorites.getContext:
    get:
      x-apigw-integration: {type: mock, body: getContext}
  /rest?method=flickr.people.getInfo:
    get:
      parameters:
        - {name: method, in: query, required: true, schema: {type: string}}
      x-apigw-integration:
        type: http
        uri: http://127.0.0.1:%%PORT_2%%/people/info
  /rest:
    get: {operationId: restFallback}
  /#X-Amz-Target=Svc.ListThings:
    post:
      parameters:
        - {name: x-amz-target, in: header, required: true,
           schema: {type: string}}
      x-apigw-integration: {type: mock, body: listThings}
  /#X-Amz-Target=Svc.GetThing:
    post:
      x-apigw-integration: {type: mock, body: getThing}
  /?Action=DescribeInstances&Version=2016-11-15:
    get:
      x-apigw-integration: {type: mock, body: describe-2016-11-15}
  /?Action=DescribeInstances:
    get:
      x-apigw-integration: {type: mock, body: describe-any}
  /access-preview/{id}#analyzerArn:
    get: {operationId: getPreview}
  /buckets/{bucket}?uploads:
    post:
      x-apigw-integration: {type: mock, body: uploads}
  /files/{name}.{ext}:
    get:
      parameters:
        - {name: name, in: path, required: true, schema: {type: string}}
        - {name: ext, in: path, required: true,
           schema: {type: string, enum: [txt, json, tar.gz]}}
      x-apigw-integration:
        type: http
        uri: http://127.0.0.1:%%PORT_2%%/store/{ext}/{name}
  /files/index.html:
    get:
      x-apigw-integration: {type: mock, body: literal}
  /files/{any}:
    get:
      x-apigw-integration: {type: mock, body: bare-param}
  /@{lat},{lon}:
    get:
      parameters:
        - {name: lat, in: path, required: true,
           schema: {type: number, minimum: -90, maximum: 90}}
        - {name: lon, in: path, required: true, schema: {type: number}}
      x-apigw-integration:
        type: http
        uri: http://127.0.0.1:%%PORT_2%%/map/{lat}/{lon}
  /api/articles{mediaTypeExtension}:
    get: {operationId: articles}
  /entries/{lang}/{id}/regions={region}:
    get:
      x-apigw-integration:
        type: http
        uri: http://127.0.0.1:%%PORT_2%%/r/{region}/{lang}/{id}
YAML

$t->write_conf(<<'CONF');
    log_format apigw '"$apigw_route" $apigw_operation';

    apigw_api suffixes %%PREFIX%%/suffixes.yaml;

    server {
        listen 127.0.0.1:%%PORT%%;
        access_log %%PREFIX%%/apigw.log apigw;

        location /prod/ {
            apigw suffixes stage=prod;
            apigw_backend http://127.0.0.1:%%PORT_2%%/base;
        }
    }
CONF

$t->run;

sub req {
    my ($method, $uri, @headers) = @_;
    $be->clear;
    return $t->http($method, $uri, headers => \@headers);
}

# a mock answered it: its body, and the backend saw nothing
sub mocked {
    my ($method, $uri, $body, $name, @headers) = @_;
    my $r = req($method, $uri, @headers);
    is($r->{status}, 200, "$name: 200");
    is($r->{body}, $body, "$name: answered by the \"$body\" operation");
    is(scalar $be->requests, 0, "$name: backend not called");
}

# the backend got it, at $path
sub proxied {
    my ($method, $uri, $path, $name, @headers) = @_;
    my $r = req($method, $uri, @headers);
    my $req = $be->last_request;
    is($r->{status}, 200, "$name: 200");
    is($req && $req->{uri}, $path, "$name: backend got $path");
    return $req;
}

sub denied {
    my ($method, $uri, $name, @headers) = @_;
    my $r = req($method, $uri, @headers);
    is($r->{status}, 403, "$name: 403");
    is($r->{body}, '{"message":"Missing Authentication Token"}',
       "$name: AWS body");
    is(scalar $be->requests, 0, "$name: backend not called");
}

sub invalid {
    my ($uri, $errors, $name) = @_;
    my $r = $t->http_json('GET', $uri);
    is($r->{status}, 400, "$name: 400");
    is_deeply([ map { "$_->{in} $_->{keyword} $_->{name}" }
                @{$r->{json}{errors} // []} ], $errors,
              "$name: the errors name the parameter");
}

# discriminators in the query

mocked('GET', '/prod/rest?method=flickr.favorites.getContext', 'getContext',
       'GET /rest?method=flickr.favorites.getContext');
proxied('GET', '/prod/rest?x=1&method=flickr.people.getInfo',
        '/people/info?x=1&method=flickr.people.getInfo',
        'GET /rest?method=flickr.people.getInfo, among other parameters');
proxied('GET', '/prod/rest?method=flickr%2Epeople%2egetInfo',
        '/people/info?method=flickr%2Epeople%2egetInfo',
        'query values compare decoded');
proxied('GET', '/prod/rest?method=flickr.people.getinfo',
        '/base/rest?method=flickr.people.getinfo',
        'values are case-sensitive: the operation without a discriminator');
proxied('GET', '/prod/rest', '/base/rest',
        'no query: the operation without a discriminator');
proxied('GET', '/prod/rest?Method=flickr.people.getInfo',
        '/base/rest?Method=flickr.people.getInfo',
        'query names are case-sensitive');

# discriminators in headers, as the operation declares them

mocked('POST', '/prod/', 'listThings', 'POST /#X-Amz-Target=Svc.ListThings',
       'X-Amz-Target' => 'Svc.ListThings');
mocked('POST', '/prod/', 'listThings', 'the header name in any case',
       'x-amz-TARGET' => 'Svc.ListThings');
denied('POST', '/prod/', 'a repeated header is its values joined by commas',
       'X-Amz-Target' => 'Svc.ListThings', 'X-Amz-Target' => 'Svc.ListThings');
denied('POST', '/prod/?X-Amz-Target=Svc.ListThings',
       'a header discriminator is not read from the query');
mocked('POST', '/prod/?X-Amz-Target=Svc.GetThing', 'getThing',
       'an undeclared discriminator is a query parameter');
denied('POST', '/prod/', 'an undeclared discriminator is not a header',
       'X-Amz-Target' => 'Svc.GetThing');
denied('POST', '/prod/', 'no discriminator holds and no operation without '
       . 'one');

# several discriminators: all must hold; the first in document order wins

mocked('GET', '/prod/?Action=DescribeInstances&Version=2016-11-15',
       'describe-2016-11-15', 'two discriminators hold');
mocked('GET', '/prod/?Version=2016-11-15&Action=DescribeInstances',
       'describe-2016-11-15', 'in any order');
mocked('GET', '/prod/?Action=DescribeInstances&Version=2014-01-01',
       'describe-any', 'one of two does not: the next operation');
mocked('GET', '/prod/?Action=DescribeInstances', 'describe-any',
       'one discriminator');
denied('GET', '/prod/?Action=RunInstances', 'no operation takes it');

# a suffix part without a value is dropped

proxied('GET', '/prod/access-preview/p-1?analyzerArn=arn',
        '/base/access-preview/p-1?analyzerArn=arn', '#analyzerArn dropped');
proxied('GET', '/prod/access-preview/p-1', '/base/access-preview/p-1',
        '#analyzerArn dropped: the parameter is not needed');
mocked('POST', '/prod/buckets/b1?uploads', 'uploads', '?uploads');
mocked('POST', '/prod/buckets/b1', 'uploads',
       '?uploads dropped: a flag it does not need');

# parameters inside a segment

proxied('GET', '/prod/files/report.txt', '/store/txt/report',
        '{name}.{ext}');
proxied('GET', '/prod/files/report.tar.gz', '/store/tar.gz/report',
        '{name} stops at the first ".", {ext} takes the rest');
proxied('GET', '/prod/files/my%20report.txt', '/store/txt/my%20report',
        'percent-encoded characters forwarded as they came');
proxied('GET', '/prod/files/caf%C3%A9%2Ejson', '/store/json/caf%C3%A9',
        'an encoded "." separates as "." does');
mocked('GET', '/prod/files/index.html', 'literal',
       'a literal segment wins over a pattern');
mocked('GET', '/prod/files/readme', 'bare-param',
       'no "." : the bare {param}');
mocked('GET', '/prod/files/x..', 'bare-param',
       '{ext} would be ".": the pattern does not match');
invalid('/prod/files/a.exe', ['path enum ext'],
        'a parameter inside a segment is checked by its schema');

proxied('GET', '/prod/@51.5,-0.12', '/map/51.5/-0.12', '@{lat},{lon}');
proxied('GET', '/prod/@51%2E5%2C-0.12', '/map/51%2E5/-0.12',
        '@{lat},{lon}: raw values when the separator is encoded');
invalid('/prod/@north,-0.12', ['path type lat'], '@{lat},{lon}: a number');
invalid('/prod/@91,0', ['path maximum lat'], '@{lat},{lon}: its maximum');
denied('GET', '/prod/@..,1', 'a parameter is never a dot segment');

proxied('GET', '/prod/api/articles.json', '/base/api/articles.json',
        'articles{mediaTypeExtension}');
denied('GET', '/prod/api/articles', 'articles{x}: {x} takes a character');
proxied('GET', '/prod/entries/en/42/regions=eu', '/r/eu/en/42',
        'regions={region} after two parameters');

# the route key keeps the suffix: logs tell the operations apart

$t->stop;

my @log = split /\n/, $t->read_file('apigw.log');
ok((grep { $_ eq '"GET /rest?method=flickr.favorites.getContext" -' } @log),
   'access log: the route key with its ?query suffix');
ok((grep { $_ eq '"POST /#X-Amz-Target=Svc.ListThings" -' } @log),
   'access log: the route key with its #fragment suffix');
ok((grep { $_ eq '"GET /rest" restFallback' } @log),
   'access log: the fallback');

$t->check_log;

done_testing;
