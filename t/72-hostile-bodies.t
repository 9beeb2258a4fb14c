#!/usr/bin/perl

# Hostile request bodies against a validated operation: over the size limit
# (Content-Length and chunked), malformed JSON, duplicate keys, invalid
# UTF-8, NUL, absurd nesting, numbers out of range, bodies that arrive
# slowly or are cut short, floods of parameters.  Each gets a clear 4xx
# (or nothing, when the client is gone), and the worker carries on.

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use IO::Socket::INET;
use JSON::PP;
use Time::HiRes qw(sleep);
use Apigw::Test;

plan(skip_all => 'module not built') unless Apigw::Test::have_module();

my $t = Apigw::Test->new;

my $be = $t->backend(port => $t->port(2), handler => sub {
    return (200, ['Content-Type' => 'application/json'], '{"ok":true}');
});

$t->write_file('api.yaml', <<'YAML');
openapi: 3.0.3
info: {title: hostile, version: "1"}
paths:
  /items:
    post:
      parameters:
        - {name: q, in: query, schema: {type: integer}}
      requestBody:
        content:
          application/json:
            schema: {}
  /typed:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [id]
              additionalProperties: false
              properties:
                id: {type: integer}
                tags: {type: array, uniqueItems: true}
                one: {oneOf: [{type: integer}, {type: string}]}
                free: {type: object}
YAML

$t->write_conf(<<'CONF');
    apigw_api api %%PREFIX%%/api.yaml;

    server {
        listen 127.0.0.1:%%PORT%%;
        client_body_timeout 1s;

        location /prod/ {
            apigw api;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
        }

        location /small/ {
            apigw api;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
            apigw_body_limit 1k;
            apigw_json_max_depth 8;
        }
    }
CONF

$t->run;

my @workers = $t->worker_pids;

sub post {
    my ($path, $body, @h) = @_;
    return $t->http_json('POST', $path, body => $body,
                         headers => ['Content-Type' => 'application/json', @h]);
}

sub syntax_error {
    my ($r, $name, $re) = @_;
    is($r->{status}, 400, "$name: 400");
    is($r->{json}{message}, 'Invalid request body', "$name: message");
    is($r->{json}{errors}[0]{keyword}, 'syntax', "$name: a syntax error");
    like($r->{json}{errors}[0]{message} // '', $re, "$name: says what") if $re;
}

my $r = post('/prod/items', '{"a":[1,2,{"b":null}]}');
is($r->{status}, 200, 'a sound body passes');

syntax_error(post('/prod/items', '{"a":'), 'truncated JSON');
syntax_error(post('/prod/items', '{"a":1}garbage'), 'trailing garbage');
syntax_error(post('/prod/items', '{"a":1,"a":2}'), 'duplicate keys',
             qr/duplicate/i);
syntax_error(post('/prod/items', "{\"a\":\"\xff\xfe\"}"), 'invalid UTF-8',
             qr/UTF-8/i);
syntax_error(post('/prod/items', '{"a":"x\u0000y"}'), 'escaped NUL');
syntax_error(post('/prod/items', "{\"a\":\"x\x00y\"}"), 'raw NUL');
syntax_error(post('/prod/items', '{"n":1e400}'), 'real overflow');
syntax_error(post('/prod/items', '{"n":123456789012345678901234567890}'),
             'integer overflow');
syntax_error(post('/prod/items', ('[' x 65) . (']' x 65)), 'nesting 65',
             qr/nest|deep|depth/i);
$r = post('/prod/items', ('[' x 64) . (']' x 64));
is($r->{status}, 200, 'nesting 64 is allowed by default');
syntax_error(post('/prod/items', '[' x 200000), 'a flood of brackets');

# bodies read without a tree (see "Inside the module") and with one
my $many = join(',', map { "\"k$_\":$_" } 0 .. 99);
$r = post('/prod/items', "{$many}");
is($r->{status}, 200, '100 distinct keys pass');
is($be->last_request->{body}, "{$many}", 'and are forwarded as sent');
syntax_error(post('/prod/items', "{$many,\"k63\":0}"),
             'a duplicate among 100 keys', qr/duplicate/i);
syntax_error(post('/prod/items', '{"x":{"ab":1,"\u0061b":2}}'),
             'a duplicate spelt with an escape', qr/duplicate/i);

my $typed = '{"id":7,"tags":["a","b"],"one":"x","free":{"k":[1,{}]}}';
$r = post('/prod/typed', $typed);
is($r->{status}, 200, 'typed: a valid body passes');
is($be->last_request->{body}, $typed, 'typed: forwarded as sent');
syntax_error(post('/prod/typed', '{"id":7,"id":8}'),
             'typed: a duplicate declared property', qr/duplicate/i);
syntax_error(post('/prod/typed', '{"id":7,"free":{"a":1,"a":1}}'),
             'typed: a duplicate in a free object', qr/duplicate/i);

for my $case (['{"id":7,"tags":["a","a"]}', '/tags', 'uniqueItems'],
              ['{"id":7,"one":true}', '/one', 'oneOf'],
              ['{"id":7,"x":1}', '/x', 'additionalProperties'],
              ['{"id":"7"}', '/id', 'type'])
{
    my ($body, $path, $kw) = @$case;
    $r = post('/prod/typed', $body);
    is($r->{status}, 400, "typed: $kw: 400");
    is($r->{json}{errors}[0]{path}, $path, "typed: $kw: the path");
    is($r->{json}{errors}[0]{keyword}, $kw, "typed: $kw: the keyword");
}

syntax_error(post('/small/items', ('{"a":' x 9) . '1' . ('}' x 9)),
             'apigw_json_max_depth 8');
$r = post('/small/items', ('{"a":' x 7) . '1' . ('}' x 7));
is($r->{status}, 200, 'depth within the limit');

$r = post('/small/items', '{"a":"' . ('x' x 2000) . '"}');
is($r->{status}, 413, 'over apigw_body_limit: 413');
is($r->{json}{message}, 'Request Too Long', 'AWS message');

$r = $t->http_json('POST', '/small/items',
                   headers => ['Content-Type' => 'application/json',
                               'Transfer-Encoding' => 'chunked'],
                   body => "400\r\n" . ('x' x 1024) . "\r\n400\r\n"
                           . ('x' x 1024) . "\r\n0\r\n\r\n");
is($r->{status}, 413, 'chunked over the limit: 413');

$r = $t->http_json('POST', '/prod/items',
                   headers => ['Content-Type' => 'application/json',
                               'Transfer-Encoding' => 'chunked'],
                   body => "3\r\n{\"a\r\n4\r\n\":1}\r\n0\r\n\r\n");
is($r->{status}, 200, 'a chunked body is validated whole');
is($be->last_request->{body}, '{"a":1}', 'and forwarded whole');

# the whole body with the headers, on a kept-alive connection: reading it
# ends before it returns, the refusal is sent from within, and the request
# is gone when the pipeline gets back (the sweep's finding: ASan saw the
# pipeline read it)

for my $case (["Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
               'an empty chunked body', 400],
              ["Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n"
               . "\r\n3\r\nabc\r\n0\r\n\r\n", 'a chunked body', 415],
              ["Content-Type: text/plain\r\nContent-Length: 3\r\n\r\nabc",
               'a body', 415])
{
    my ($rest, $name, $status) = @$case;
    my $path = $status == 400 ? '/prod/typed' : '/prod/items';

    $r = $t->http(undef, undef,
                  raw => "POST $path HTTP/1.1\r\nHost: x\r\n$rest"
                         . "GET /prod/nothing HTTP/1.1\r\nHost: x\r\n"
                         . "Connection: close\r\n\r\n");
    is($r->{status}, $status, "$name in with the headers, refused at once, "
                              . "kept alive: $status");
    like($r->{raw}, qr{\r\n\r\n\{"message.*HTTP/1\.1 403 }s,
         "$name in with the headers, kept alive: the next request answered");
}

$r = post('/prod/items', '{"big":"' . ('y' x (2 * 1024 * 1024)) . '"}');
is($r->{status}, 200, 'a 2 MB body (in a temporary file) is validated');
is(length $be->last_request->{body}, 2 * 1024 * 1024 + 10, 'and forwarded');

# a body that stops coming

my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $t->port(1));
print $s "POST /prod/items HTTP/1.1\r\nHost: x\r\nContent-Type: "
       . "application/json\r\nContent-Length: 100\r\n\r\n{\"a\":";
my $raw = '';
my $sel = IO::Select->new($s);
while ($sel->can_read(5)) {
    last unless sysread($s, $raw, 4096, length $raw);
}
close $s;
ok($raw eq '' || $raw =~ m{^HTTP/1\.1 408}, 'slow body: 408 or closed')
    or diag($raw);

# a body cut short

$s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $t->port(1));
print $s "POST /prod/items HTTP/1.1\r\nHost: x\r\nContent-Type: "
       . "application/json\r\nContent-Length: 100\r\n\r\n{\"a\":";
close $s;
sleep(0.3);

# floods of parameters

my $q = join('&', map { "p$_=$_" } 1..2000) . '&q=notanumber';
$r = $t->http_json('POST', "/prod/items?$q", body => '{}',
                   headers => ['Content-Type' => 'application/json']);
ok($r->{status} == 200 || $r->{status} == 400 || $r->{status} == 414,
   'thousands of query parameters: answered') or diag($r->{status});

$r = post('/prod/items', '{}');
is($r->{status}, 200, 'the gateway still answers');
is_deeply([ $t->worker_pids ], \@workers, 'the same worker, unharmed');

$t->check_log;

done_testing;
