#!/usr/bin/perl

# AWS's $context variables for access logs, as $apigw_* variables, in the
# JSON access-log format docs/operations.md gives, read from there: it has
# every field of AWS's default JSON format, and each field is checked
# after known requests (a backend's answer, a mock, a gateway refusal, a
# backend that fails).  Then trace context: a caller's traceparent
# continued, one not valid replaced, none started, X-Amzn-Trace-Id, what
# the backend gets.

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use Time::HiRes qw(time);
use JSON::PP;
use File::Basename qw(dirname);
use Apigw::Test;

plan(skip_all => 'module not built') unless Apigw::Test::have_module();

my $t = Apigw::Test->new;
my $be = $t->backend(port => $t->port(2), handler => sub {
    my ($req) = @_;
    return (503, ['Content-Type' => 'application/json'], '{"down":1}')
        if $req->{path} =~ /down/;
    return (200, ['Content-Type' => 'application/json'], '{"id":1,"name":"rex"}');
});

$t->write_file('api.yaml', <<'YAML' =~ s/PORT_2/$t->port(2)/er);
openapi: 3.0.3
info: {title: logs, version: "1"}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: x-api-key}
paths:
  /pets/{petId}:
    get:
      operationId: getPet
      parameters: [{name: petId, in: path, required: true, schema: {type: integer}}]
  /down:
    get: {}
  /mock:
    get:
      x-apigw-integration: {type: mock, status: 202, body: '{"queued":true}'}
  /keyed:
    get:
      security: [{key: []}]
      x-apigw-integration:
        type: http
        uri: "http://127.0.0.1:PORT_2/keyed"
        requestParameters:
          integration.request.header.X-Key-Id: context.identity.apiKeyId
          integration.request.header.X-Trace: context.xrayTraceId
YAML

my $alice = 'alice-key-0123456789abcdef';
$t->write_file('keys.yaml', <<"YAML");
plans:
  - {id: gold, stages: [{stage: logs/prod}]}
keys:
  - {id: k-alice, value: "$alice", plan: gold}
YAML

# the format of docs/operations.md, "AWS's access log fields", as it is
# there, and the fields of this test after its own
my $ops = do {
    open(my $fh, '<', dirname(__FILE__) . '/../docs/operations.md') or die;
    local $/;
    <$fh>;
};
my ($format) = $ops =~ /^(log_format apigw_json escape=json .*?\}';)$/ms;
ok($format, 'docs/operations.md has the apigw_json format');
my @fields = ($format // '') =~ /[{,']"(\w+)":/g;

# AWS's default JSON format, the console's and the CDK's
# (AccessLogFormat.jsonWithStandardFields)
my @aws = qw(requestId ip caller user requestTime httpMethod resourcePath
             status protocol responseLength);
my %documented = map { $_ => 1 } @fields;
is_deeply([grep { !$documented{$_} } @aws], [],
          'the format has every field of AWS\'s default JSON format');
my %rank = map { $fields[$_] => $_ } 0 .. $#fields;
is_deeply([sort { $rank{$a} <=> $rank{$b} } grep { $documented{$_} } @aws],
          \@aws, '... in AWS\'s order');

# this test's own fields after the documented ones
my $own = <<'FIELDS' =~ s/\n\z//r;
,'
        '"stage":"$apigw_stage","routeKey":"$apigw_route",'
        '"traceId":"$apigw_trace_id","spanId":"$apigw_span_id",'
        '"parentSpanId":"$apigw_parent_span_id"}';
FIELDS
(my $conf_format = $format // '') =~ s/\}';\z/$own/;

$t->write_conf(<<"CONF" . <<'CONF');
    apigw_api logs %%PREFIX%%/api.yaml;
    apigw_keys %%PREFIX%%/keys.yaml;

    $conf_format

CONF
    server {
        listen 127.0.0.1:%%PORT%%;
        access_log %%PREFIX%%/json.log apigw_json;

        location /prod/ {
            apigw logs stage=prod;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
        }
    }
CONF

$t->run;

my $t0 = time;
my @r = (
    $t->http('GET', '/prod/pets/7'),
    $t->http('GET', '/prod/mock'),
    $t->http('GET', '/prod/keyed'),
    $t->http('GET', '/prod/keyed', headers => ['x-api-key' => $alice]),
    $t->http('GET', '/prod/down'),
    $t->http('GET', '/prod/nowhere'),
);
my $t1 = time;

# nginx writes the access log as each request ends
my @log;
for (1 .. 50) {
    @log = map { decode_json($_) } grep { /\S/ } split /\n/,
           $t->read_file('json.log');
    last if @log >= @r;
    select(undef, undef, undef, 0.1);
}
is(scalar @log, scalar @r, 'a JSON line per request, each valid JSON');

my ($pet, $mock, $refused, $keyed, $down, $nowhere) = @log;

is(scalar(grep { my $l = $_; !grep { !exists $l->{$_} } @fields } @log),
   scalar @log, 'every line has every field of the documented format');

is($pet->{requestId}, $r[0]{headers}{'x-amzn-requestid'},
   'requestId: the x-amzn-RequestId the client got');
like($pet->{extendedRequestId}, qr/^\d+-\d+-\d+$/,
     'extendedRequestId: worker, connection, request');
is($pet->{ip}, '127.0.0.1', 'ip: identity.sourceIp');
is_deeply([map { "$_->{caller} $_->{user}" } @log], [('- -') x @log],
          'caller, user: "-", as AWS logs them without IAM authorization');
is($pet->{httpMethod}, 'GET', 'httpMethod');
is($pet->{protocol}, 'HTTP/1.1', 'protocol');
like($pet->{requestTime}, qr{^\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000$},
     'requestTime: CLF, as AWS');
my $epoch = $pet->{requestTimeEpoch} / 1000;
ok($epoch >= $t0 - 1 && $epoch <= $t1 + 1, 'requestTimeEpoch: milliseconds');
like($pet->{requestTimeEpoch}, qr/^\d{13}$/, 'of thirteen digits');
is($pet->{resourcePath}, '/pets/{petId}', 'resourcePath: the template');
is($pet->{routeKey}, 'GET /pets/{petId}', 'the route');
is($pet->{status}, '200', 'status');
is($pet->{responseLength}, length $r[0]{body}, 'responseLength: the body');
like($pet->{responseLatency}, qr/^\d+$/, 'responseLatency: milliseconds');
cmp_ok($pet->{responseLatency}, '>=', $pet->{integrationLatency},
       'at least the integration latency');
is($pet->{integrationStatus}, '200', 'integration.status');
is($pet->{errorResponseType}, '', 'no error: no error type');

is($mock->{status}, '202', 'a mock: its status');
is($mock->{integrationStatus}, '202', 'a mock: integration.status');
is($mock->{integrationLatency}, '0', 'a mock: integrationLatency 0');

is($refused->{status}, '403', 'no key: 403');
is($refused->{errorResponseType}, 'INVALID_API_KEY', 'error.responseType');
is($refused->{errorMessage}, 'Forbidden', 'error.message');
is($refused->{integrationStatus}, '', 'no integration: no status');
is($refused->{apiKeyId}, '', 'no key id');

is($keyed->{apiKeyId}, 'k-alice', 'identity.apiKeyId: the key id');
my ($keyed_seen) = grep { $_->{path} eq '/keyed' } $be->requests;
is($keyed_seen->{headers}{'x-key-id'}, 'k-alice',
   'context.identity.apiKeyId in a mapping');
my $root = $keyed->{traceId};
$root = '1-' . substr($root, 0, 8) . '-' . substr($root, 8);
is($keyed_seen->{headers}{'x-trace'}, $root,
   'context.xrayTraceId: the Root of X-Amzn-Trace-Id');

is($down->{status}, '503', 'a failing backend: its status');
is($down->{integrationStatus}, '503', 'integration.status: the backend\'s');

is($nowhere->{status}, '403', 'no route: 403');
is($nowhere->{errorResponseType}, 'MISSING_AUTHENTICATION_TOKEN',
   'error.responseType of no route');
is($nowhere->{resourcePath}, '', 'no route: no resourcePath');

# trace context

my $TP = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

sub traced {
    my (@h) = @_;
    $t->write_file('json.log', '');
    $be->clear;
    my $r = $t->http('GET', '/prod/pets/7', headers => \@h);
    my ($line, $seen);
    for (1 .. 50) {
        ($line) = grep { /\S/ } split /\n/, $t->read_file('json.log');
        last if $line;
        select(undef, undef, undef, 0.1);
    }
    return ($r, decode_json($line), $be->last_request);
}

my ($r, $l, $seen) = traced(traceparent => $TP, tracestate => 'vendor=x');
is($l->{traceId}, '4bf92f3577b34da6a3ce929d0e0e4736',
   'a caller\'s traceparent: its trace');
is($l->{parentSpanId}, '00f067aa0ba902b7', 'its span as the parent');
like($l->{spanId}, qr/^[0-9a-f]{16}$/, 'a span of the gateway\'s own');
isnt($l->{spanId}, '00f067aa0ba902b7', 'not the caller\'s');
is($seen->{headers}{traceparent},
   "00-4bf92f3577b34da6a3ce929d0e0e4736-$l->{spanId}-01",
   'the backend gets the trace, the gateway\'s span, the sampled flag');
is($seen->{headers}{tracestate}, 'vendor=x', 'and tracestate');
is($seen->{headers}{'x-amzn-trace-id'},
   "Root=1-4bf92f35-77b34da6a3ce929d0e0e4736;Parent=$l->{spanId};Sampled=1",
   'and X-Amzn-Trace-Id with the same ids');
is(scalar(grep { lc($_->[0]) eq 'traceparent' } @{$seen->{header_list}}), 1,
   'one traceparent');

($r, $l, $seen) = traced(traceparent => uc $TP, tracestate => 'vendor=x');
isnt($l->{traceId}, '4bf92f3577b34da6a3ce929d0e0e4736',
     'a traceparent not valid (upper case): a new trace');
is($l->{parentSpanId}, '', 'with no parent');
is($seen->{headers}{traceparent}, "00-$l->{traceId}-$l->{spanId}-00",
   'the backend gets the new one');
ok(!defined $seen->{headers}{tracestate}, 'and no tracestate');

($r, $l, $seen) = traced();
like($l->{traceId}, qr/^[0-9a-f]{32}$/, 'no trace: one started');
my $start = hex(substr($l->{traceId}, 0, 8));
ok(abs($start - time) < 60, 'its first 4 bytes the time, as X-Ray\'s are');
is($seen->{headers}{traceparent}, "00-$l->{traceId}-$l->{spanId}-00",
   'the backend gets it');

($r, $l, $seen) = traced('X-Amzn-Trace-Id' =>
    'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1');
is($l->{traceId}, '5759e988bd862e3fe1be46a994272793',
   'an X-Amzn-Trace-Id alone: its Root is the trace');
is($seen->{headers}{'x-amzn-trace-id'},
   "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=$l->{spanId};Sampled=1",
   'the backend gets it with the gateway\'s span');

$t->check_log(allow => qr/\[info\]/);

done_testing();
