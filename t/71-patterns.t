#!/usr/bin/perl

# JSON Schema patterns are ECMA-262 regular expressions: what PCRE2 would
# refuse or read otherwise is translated (\p{Script=...}, a surrogate pair
# split in two atoms, a repeat over 65535, [\w-.]), so requests are
# accepted and refused as ECMA-262 says; a pattern that still cannot be
# compiled is a [warn] at nginx -t naming the file and the JSON pointer,
# only that keyword goes unchecked and the rest of the API serves; with
# apigw_strict on it fails nginx -t.

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use Apigw::Test;

plan(skip_all => 'module not built') unless Apigw::Test::have_module();

my $t = Apigw::Test->new;
my $P = $t->prefix;

my $be = $t->backend(port => $t->port(2), handler => sub {
    return (200, ['Content-Type' => 'application/json'], '{"ok":true}');
});

my $spec = <<'YAML';
openapi: 3.0.3
info: {title: patterns, version: "1"}
paths:
  /words:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                greek: {type: string, pattern: '^\p{Script=Greek}+$'}
                emoji: {type: string, pattern: '^(?:\uD83D[\uDE00-\uDE4F])+$'}
                smile: {type: string, pattern: '^\uD83D\uDE00$'}
                code: {type: string, pattern: '^[A-Z0-9]{1,100000}$'}
                name: {type: string, pattern: '^[\w-.]+$'}
  /notes/{id}:
    parameters:
      - {name: id, in: path, required: true,
         schema: {type: string, pattern: '^\p{L}{2}-\d{3}$'}}
    put:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                text: {type: string, maxLength: 10, pattern: '(?<=a+)b'}
              patternProperties:
                '(?i)^x-': {type: integer}
              additionalProperties: false
  /ping:
    get: {}
YAML

$t->write_file('patterns.yaml', $spec);

my $server = <<'CONF';
    apigw_api p %%PREFIX%%/patterns.yaml;

    server {
        listen 127.0.0.1:%%PORT%%;

        location /prod/ {
            apigw p;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
        }
    }
CONF

my $file = quotemeta("$P/patterns.yaml");
my $body = '/paths/~1notes~1\{id\}/put/requestBody/content/application~1json'
           . '/schema';

# the line of the first line of the spec that holds $needle
sub spec_line {
    my ($needle) = @_;
    my $n = 0;
    for (split /\n/, $spec) {
        $n++;
        return $n if index($_, $needle) >= 0;
    }
    die "spec_line: $needle\n";
}

my $lookbehind = qr/"$file"[ ]at[ ]$body\/properties\/text\/pattern
                    [ ]\(line[ ]${\ spec_line('text: ')}\):[ ]pattern:
                    [ ]cannot[ ]compile[ ]the[ ]regular[ ]expression
                    [ ]at[ ]offset[ ]0:[ ]lookbehind[ ]assertion[ ]is[ ]not
                    [ ]fixed[ ]length[ ]in[ ]\S+nginx\.conf:\d+$/xm;
my $inline = qr/"$file"[ ]at[ ]$body\/patternProperties\/\(\?i\)\^x-
                [ ]\(line[ ]${\ spec_line("'(?i)^x-'")}\):
                [ ]patternProperties:[ ]cannot[ ]compile[ ]the[ ]regular
                [ ]expression[ ]at[ ]offset[ ]0:[ ]invalid[ ]group/x;


# apigw_strict on: the pattern is an error

$t->write_conf("    apigw_strict on;\n" . $server);

my ($rc, $out) = $t->nginx_test;
isnt($rc, 0, 'apigw_strict on: a pattern that cannot be compiled fails');
like($out, qr/\[emerg\] [^\n]*apigw_api "p": $inline/,
     'the emerg names the file, the pointer, the line and the problem');


# without: a warning for each, and the rest loads

$t->write_conf($server);

($rc, $out) = $t->nginx_test;
is($rc, 0, 'nginx -t passes with patterns that cannot be compiled')
    or diag($out);
like($out, qr/\[warn\] [^\n]*apigw_api "p": $lookbehind/,
     'warn: PCRE2 refuses a variable-length lookbehind, at its offset');
like($out, qr/\[warn\] [^\n]*apigw_api "p": $inline/,
     'warn: (?i) is not ECMA-262');
is(scalar(() = $out =~ /\[warn\]/g), 2, 'one warning each, no more');

$t->run;

my $r = $t->http_json('GET', '/prod/ping');
is($r->{status}, 200, 'the rest of the API serves');

sub post {
    my ($json) = @_;
    return $t->http_json('POST', '/prod/words', body => $json,
                         headers => ['Content-Type' => 'application/json']);
}

sub refused {
    my ($r, $path) = @_;
    return $r->{status} == 400
           && grep { $_->{path} eq $path && $_->{keyword} eq 'pattern' }
                   @{$r->{json}{errors} // []};
}


# \p{Script=Greek}

is(post('{"greek":"\u03b1\u03b2\u03b3"}')->{status}, 200,
   '\p{Script=Greek}: Greek letters pass (\u escapes in JSON)');
is(post("{\"greek\":\"\xce\xbb\xce\xbf\xce\xb3\xce\xbf\xcf\x82\"}")->{status},
   200, '\p{Script=Greek}: Greek letters pass (UTF-8)');
ok(refused(post('{"greek":"abc"}'), '/greek'),
   '\p{Script=Greek}: Latin letters refused');
ok(refused(post('{"greek":"\u03b1b"}'), '/greek'),
   '\p{Script=Greek}: one Latin letter refused');


# surrogate pairs

is(post('{"emoji":"\ud83d\ude00\ud83d\ude0e"}')->{status}, 200,
   '\uD83D[\uDE00-\uDE4F]: U+1F600 and U+1F60E pass');
is(post("{\"emoji\":\"\xf0\x9f\x99\x8f\"}")->{status}, 200,
   '\uD83D[\uDE00-\uDE4F]: U+1F64F, the last, passes (UTF-8)');
ok(refused(post('{"emoji":"\ud83d\udc32"}'), '/emoji'),
   '\uD83D[\uDE00-\uDE4F]: U+1F432 refused');
ok(refused(post('{"emoji":"a"}'), '/emoji'),
   '\uD83D[\uDE00-\uDE4F]: ASCII refused');
is(post('{"smile":"\ud83d\ude00"}')->{status}, 200,
   '\uD83D\uDE00: one code point');
ok(refused(post('{"smile":"\ud83d\ude01"}'), '/smile'),
   '\uD83D\uDE00: the next one refused');


# a repeat over PCRE2's 65535

is(post('{"code":"' . ('A' x 100000) . '"}')->{status}, 200,
   '{1,100000}: 100000 characters pass');
ok(refused(post('{"code":"' . ('A' x 100001) . '"}'), '/code'),
   '{1,100000}: 100001 refused');
ok(refused(post('{"code":"abc"}'), '/code'),
   '{1,100000}: the class still applies');


# Annex B: [\w-.] is \w, "-" and "."

is(post('{"name":"a-b.c_d"}')->{status}, 200, '[\w-.]: word, -, .');
ok(refused(post('{"name":"a b"}'), '/name'), '[\w-.]: no space');


# a path parameter

is($t->http_json('PUT', '/prod/notes/%CE%B1%CE%B2-123', body => '{}')
   ->{status}, 200, 'path \p{L}{2}-\d{3}: Greek letters pass');
$r = $t->http_json('PUT', '/prod/notes/a1-123', body => '{}');
is($r->{status}, 400, 'path \p{L}{2}-\d{3}: a digit refused');


# the keywords that could not be compiled, and the rest of their schema

is($t->http_json('PUT', '/prod/notes/ab-123', body => '{"text":"b"}')
   ->{status}, 200, 'the pattern that could not be compiled is not checked');
$r = $t->http_json('PUT', '/prod/notes/ab-123', body => '{"text":"abcdefghijk"}');
ok($r->{status} == 400
   && grep({ $_->{path} eq '/text' && $_->{keyword} eq 'maxLength' }
           @{$r->{json}{errors}}),
   'its siblings are: maxLength');
is($t->http_json('PUT', '/prod/notes/ab-123', body => '{"x-a":"str"}')
   ->{status}, 200, 'patternProperties that could not be compiled: its'
   . ' schema is not applied');
is($t->http_json('PUT', '/prod/notes/ab-123', body => '{"other":1}')
   ->{status}, 200, 'and every name counts as matching it, not as'
   . ' additional');

like($t->error_log, qr/\[warn\] [^\n]*$lookbehind/,
     'the warning is in error.log at start too');

$t->check_log;

done_testing;
