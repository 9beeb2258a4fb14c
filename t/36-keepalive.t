#!/usr/bin/perl

# Backend connections are kept alive with no proxy_* line: HTTP/1.1, no
# "Connection: close", an idle pool per backend host, whether the host is
# an address, an upstream{} of the user's with or without keepalive, a
# static integration uri or a stage variable.  The user's own proxy_*
# settings win, headers set above the location stay, the client's
# connection headers never reach the backend, and apigw_backend_keepalive
# off gives nginx's own defaults back.

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use Apigw::Test;

plan(skip_all => 'module not built') unless Apigw::Test::have_module();

my $t = Apigw::Test->new;

my @be = map { $t->backend(port => $t->port($_)) } 2 .. 6;

$t->write_file('api.yaml', $t->expand(<<'YAML'));
openapi: 3.0.3
info: {title: keepalive, version: "1"}
paths:
  /pets:
    get: {}
  /static:
    get:
      x-apigw-integration:
        type: http
        uri: "http://127.0.0.1:%%PORT_4%%/from-uri"
  /staged:
    get:
      x-apigw-integration:
        type: http
        uri: "http://${stageVariables.host}/from-stage"
YAML

$t->write_conf(<<'CONF');
    apigw_api pets %%PREFIX%%/api.yaml;

    upstream plain {
        server 127.0.0.1:%%PORT_3%%;
    }

    upstream tuned {
        server 127.0.0.1:%%PORT_3%%;
        keepalive 1;
    }

    server {
        listen 127.0.0.1:%%PORT%%;

        proxy_set_header X-From-Server yes;

        location /address/ {
            apigw pets stage=prod;
            apigw_backend http://127.0.0.1:%%PORT_2%%/;
            apigw_stage_variable host 127.0.0.1:%%PORT_5%%;
        }

        location /plain/ {
            apigw pets stage=prod;
            apigw_backend http://plain/;
        }

        location /tuned/ {
            apigw pets stage=prod;
            apigw_backend http://tuned/;
        }

        location /http10/ {
            apigw pets stage=prod;
            apigw_backend http://127.0.0.1:%%PORT_6%%/;
            proxy_http_version 1.0;
        }

        location /close/ {
            apigw pets stage=prod;
            apigw_backend http://127.0.0.1:%%PORT_6%%/;
            proxy_set_header Connection close;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_7%%;

        apigw_backend http://127.0.0.1:%%PORT_2%%/;
        apigw_stage_variable host 127.0.0.1:%%PORT_5%%;

        location /inherited/ {
            apigw pets stage=prod;
        }
    }
CONF

$t->run;

# as many requests on one client connection as asked: the gateway's own
# keepalive is not what is measured
sub connections {
    my ($be, $uri, $n, @opts) = @_;

    $be->clear;

    for (1 .. $n) {
        my $r = $t->http('GET', $uri, @opts);
        return "status $r->{status}" unless $r->{status} == 200;
    }

    my @req = $be->requests;
    return "requests " . scalar @req unless @req == $n;

    return scalar keys %{{ map { $_->{conn} => 1 } @req }};
}

is(connections($be[0], '/address/pets', 5), 1,
   'an address in apigw_backend: five requests, one backend connection');

my $req = ($be[0]->requests)[0];
is($req->{version}, 'HTTP/1.1', 'the backend is spoken to in HTTP/1.1');
ok(!exists $req->{headers}{connection}, 'no Connection header is sent');
is($req->{headers}{'x-from-server'}, 'yes',
   'a proxy_set_header of the server level still applies');
is($req->{headers}{host}, "127.0.0.1:" . $t->port(2),
   'Host is the backend\'s');

is(connections($be[1], '/plain/pets', 5), 1,
   'an upstream{} without keepalive gets one');
is(connections($be[1], '/tuned/pets', 5), 1,
   'an upstream{} with its own keepalive keeps it');
is(connections($be[2], '/address/static', 5), 1,
   'a static integration uri: one connection');
is(connections($be[3], '/address/staged', 5), 1,
   'a host from a stage variable: one connection');
is(($be[3]->requests)[0]{path}, '/from-stage', 'the stage variable\'s host');

is(connections($be[0], '/inherited/pets', 5, port => $t->port(7)), 1,
   'apigw_backend of the server level: one connection');
is(connections($be[3], '/inherited/staged', 5, port => $t->port(7)), 1,
   'a stage variable of the server level: one connection');

is(connections($be[4], '/http10/pets', 3), 3,
   'proxy_http_version 1.0 in the location stands: no reuse');
is(($be[4]->requests)[0]{version}, 'HTTP/1.0', 'and HTTP/1.0 is spoken');

is(connections($be[4], '/close/pets', 3), 3,
   'proxy_set_header Connection close stands: no reuse');
is(($be[4]->requests)[0]{headers}{connection}, 'close',
   'and the backend is asked to close');

# the client's connection headers, and what they name, stay here

$be[0]->clear;
my $r = $t->http('GET', '/address/pets',
                 headers => ['Connection' => 'keep-alive, X-Hop',
                             'X-Hop' => 'secret', 'Keep-Alive' => '300',
                             'Proxy-Connection' => 'keep-alive',
                             'X-Kept' => 'yes']);
is($r->{status}, 200, 'connection headers from the client: 200');
$req = $be[0]->last_request;
ok(!exists $req->{headers}{connection}, 'client Connection not forwarded');
ok(!exists $req->{headers}{'x-hop'}, 'what it names not forwarded');
ok(!exists $req->{headers}{'keep-alive'}, 'Keep-Alive not forwarded');
ok(!exists $req->{headers}{'proxy-connection'},
   'Proxy-Connection not forwarded');
is($req->{headers}{'x-kept'}, 'yes', 'other headers are');

$t->check_log;

# apigw_backend_keepalive off: nginx's own defaults

my $off = Apigw::Test->new;
my $obe = $off->backend(port => $off->port(2));

$off->write_file('api.yaml', "openapi: 3.0.3\ninfo: {title: off, version: "
                 . "\"1\"}\npaths:\n  /pets:\n    get: {}\n");

$off->write_conf(<<'CONF');
    apigw_api pets %%PREFIX%%/api.yaml;
    apigw_backend_keepalive off;

    server {
        listen 127.0.0.1:%%PORT%%;

        location /prod/ {
            apigw pets stage=prod;
            apigw_backend http://127.0.0.1:%%PORT_2%%/;
        }
    }
CONF

$off->run;

$obe->clear;
$off->http('GET', '/prod/pets') for 1 .. 3;
my @off = $obe->requests;
is(scalar keys %{{ map { $_->{conn} => 1 } @off }}, 3,
   'apigw_backend_keepalive off: a connection per request');
is($off[0]{version}, 'HTTP/1.0', 'apigw_backend_keepalive off: HTTP/1.0');
is($off[0]{headers}{connection}, 'close',
   'apigw_backend_keepalive off: Connection: close');

$off->check_log;

# what apigw_backend_keepalive takes

my $bad = Apigw::Test->new;
$bad->write_file('api.yaml', "openapi: 3.0.3\ninfo: {title: bad, version: "
                 . "\"1\"}\npaths: {}\n");
$bad->write_conf(<<'CONF');
    apigw_api pets %%PREFIX%%/api.yaml;
    apigw_backend_keepalive lots;
CONF
my ($rc, $out) = $bad->nginx_test;
isnt($rc, 0, 'apigw_backend_keepalive lots: nginx -t fails');
like($out, qr/apigw_backend_keepalive.*takes a number of connections/,
     'apigw_backend_keepalive lots: says what it takes');

done_testing;
