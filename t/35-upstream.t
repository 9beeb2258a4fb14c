#!/usr/bin/perl

# The proxy module does the forwarding, so what nginx users expect of it
# holds: an HTTPS backend, a large body streamed through, a chunked answer
# with proxy_buffering off.

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use Apigw::Test;

plan(skip_all => 'module not built') unless Apigw::Test::have_module();

my $t = Apigw::Test->new;
my $p = $t->prefix;

system("openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost "
       . "-days 1 -keyout $p/backend.key -out $p/backend.crt "
       . ">/dev/null 2>&1") == 0
    or BAIL_OUT('openssl cannot make a certificate');

my $big = join '', map { sprintf "%07d\n", $_ } 1 .. 300000;     # 2.4 MB

my $be = $t->backend(port => $t->port(2), handler => sub {
    my ($req) = @_;
    return (200, ['Content-Type' => 'text/plain'], $big)
        if $req->{path} eq '/big';
    return { status => 200, headers => ['Content-Type' => 'text/plain'],
             chunks => ['one ', 'two ', 'three'] }
        if $req->{path} eq '/chunked';
    return (200, [], "plain $req->{path}");
});

$t->write_file('api.yaml', $t->expand(<<'YAML'));
openapi: 3.0.3
info: {title: upstream, version: "1"}
paths:
  /tls/{id}:
    get:
      x-apigw-integration:
        type: http
        uri: "https://127.0.0.1:%%PORT_3%%/secure/{id}"
        timeout: 5000
  /big:
    get: {}
  /chunked:
    get: {}
  /upload:
    post: {}
YAML

$t->write_conf(<<'CONF');
    apigw_api api %%PREFIX%%/api.yaml;

    upstream pool {
        server 127.0.0.1:%%PORT_2%%;
        keepalive 2;
    }

    server {
        listen 127.0.0.1:%%PORT%%;
        client_max_body_size 10m;

        location /gw/ {
            apigw api;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
        }

        location /unbuffered/ {
            apigw api;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
            proxy_buffering off;
        }

        location /keepalive/ {
            apigw api;
            apigw_backend http://pool;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }

        location /tls-backend/ {
            apigw api;
            apigw_backend https://127.0.0.1:%%PORT_3%%;
        }
    }

    # the HTTPS backend
    server {
        listen 127.0.0.1:%%PORT_3%% ssl;
        ssl_certificate %%PREFIX%%/backend.crt;
        ssl_certificate_key %%PREFIX%%/backend.key;

        location / {
            return 200 "tls $request_uri via $scheme";
        }
    }
CONF

$t->run;

my $r = $t->http('GET', '/gw/tls/42');
is($r->{status}, 200, 'https integration: 200');
is($r->{body}, 'tls /secure/42 via https', 'https integration: TLS backend');

$r = $t->http('GET', '/tls-backend/big');
is($r->{body}, 'tls /big via https', 'apigw_backend over https');

$r = $t->http('GET', '/gw/big', timeout => 20);
is($r->{status}, 200, 'large response: 200');
is(length $r->{body}, length $big, 'large response: every byte');
ok($r->{body} eq $big, 'large response: intact');

my $upload = 'u' x (3 * 1024 * 1024);
$be->clear;
$r = $t->http('POST', '/gw/upload', body => $upload, timeout => 20);
is($r->{status}, 200, 'large request body: 200');
is(length($be->last_request->{body} // ''), length $upload,
   'large request body reaches the backend whole');

$r = $t->http('GET', '/unbuffered/chunked');
is($r->{status}, 200, 'proxy_buffering off: 200');
is($r->{body}, 'one two three', 'proxy_buffering off: chunked body relayed');
like($r->{headers}{'x-amzn-requestid'}, qr/^[0-9a-f-]{36}$/,
     'proxy_buffering off: request id');

# upstream keepalive: one backend connection for several requests
$be->clear;
$t->http('POST', '/keepalive/upload', body => "k$_") for 1 .. 3;
my @conns = map { $_->{conn} } $be->requests;
is(scalar @conns, 3, 'keepalive: three requests reached the backend');
is(scalar(keys %{{ map { $_ => 1 } @conns }}), 1,
   'keepalive: all on one backend connection');

$t->check_log;

done_testing;
