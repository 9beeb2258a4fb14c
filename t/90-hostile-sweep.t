#!/usr/bin/perl

# The hostile sweep: no 5xx for bad client input, anywhere (issue 15).
#
# Valid requests to an unmodified third-party spec (petstore-expanded, from
# the OpenAPI examples: t/specs/openapi-examples) and to a spec of our own
# that uses every parameter location and style, body checks, API keys,
# parameter mappings and templates, made hostile at random: text that is
# not UTF-8 (invalid, overlong, surrogates, past U+10FFFF), NUL and control
# characters in each location, huge and empty values, repeats, numbers at
# and past every boundary, malformed escapes, odd content types, bodies
# cut short, chunked wrongly or nested too deep, junk in cookies, methods
# the route lacks, raw bytes in the request line.
#
# Every answer must be below 500, but for the 5xx the gateway documents
# (its backend here always answers 200, so only the operation that did not
# load may answer 500 API_CONFIGURATION_ERROR) and nginx's own 501 and 505
# for transfer codings and HTTP versions it does not know.  A refusal by
# the gateway is its JSON gateway response; one by nginx itself (a request
# it cannot parse, before any location is chosen) is nginx's own page.
# The worker lives, and no request leaves an [alert], [crit], sanitizer
# or "exited on signal" line in the error log.
#
# The run is seeded and prints its seed: APIGW_SWEEP_SEED=N replays it,
# APIGW_SWEEP=N sends N requests instead of 5,000, APIGW_SWEEP_TRACE=1
# shows each before it goes.

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use Cwd qw(abs_path);
use JSON::PP;
use Time::HiRes qw(time);
use Apigw::Test;

plan(skip_all => 'module not built') unless Apigw::Test::have_module();

my $COUNT = $ENV{APIGW_SWEEP} // 5000;
my $SEED = $ENV{APIGW_SWEEP_SEED}
           // ((int(time() * 1000) ^ ($$ << 10)) & 0x7fffffff);

diag("hostile sweep: $COUNT requests, seed $SEED "
     . "(APIGW_SWEEP_SEED=$SEED replays it)");

my $PETSTORE = abs_path('t/specs/openapi-examples/petstore-expanded.yaml');
my $KEY = 'sweep-key-0123456789abcdef';
my $UUID = '123e4567-e89b-12d3-a456-426614174000';

my $t = Apigw::Test->new;

$t->backend(port => $t->port(2), record => 0, handler => sub {
    return (200, ['Content-Type' => 'application/json',
                  'X-Backend' => 'stub'], '{"ok":true}');
});

$t->write_file('sweep.yaml', $t->expand(<<'YAML'));
openapi: 3.0.3
info: {title: sweep, version: "1"}
x-apigw-gateway-responses:
  API_CONFIGURATION_ERROR:
    headers: {X-Response-Type: API_CONFIGURATION_ERROR}
  DEFAULT_4XX:
    body: '{"message":$context.error.messageString,"type":"$context.error.responseType"}'
  DEFAULT_5XX:
    body: '{"message":$context.error.messageString,"type":"$context.error.responseType"}'
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-API-Key}
    qkey: {type: apiKey, in: query, name: api_key}
    ckey: {type: apiKey, in: cookie, name: api_key}
  parameters:
    Id:
      name: id
      in: path
      required: true
      schema: {type: integer, format: int32, minimum: 1, maximum: 2147483647}
  schemas:
    Item:
      type: object
      required: [name, price]
      additionalProperties: false
      properties:
        name: {type: string, minLength: 1, maxLength: 64, pattern: '^[\w .-]+$'}
        price: {type: number, minimum: 0, maximum: 1000000, exclusiveMaximum: true}
        count: {type: integer, format: int64}
        small: {type: integer, format: int32, minimum: -2147483648, maximum: 2147483647}
        ratio: {type: number, multipleOf: 0.01}
        tags: {type: array, items: {type: string, maxLength: 16}, uniqueItems: true, maxItems: 8}
        kind: {type: string, enum: [a, b, c]}
        when: {type: string, format: date-time}
        mail: {type: string, format: email}
        ref: {type: string, format: uuid}
        owner: {$ref: '#/components/schemas/Owner'}
        any: {}
        choice: {oneOf: [{type: integer}, {type: string, maxLength: 3}]}
        maybe: {type: string, nullable: true}
    Owner:
      type: object
      properties:
        name: {type: string, pattern: '^\p{L}+$'}
        friends: {type: array, items: {$ref: '#/components/schemas/Owner'}}
paths:
  /items:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Item'}
          application/x-www-form-urlencoded: {}
          text/*: {}
  /items/{id}:
    get:
      parameters:
        - $ref: '#/components/parameters/Id'
        - {name: limit, in: query,
           schema: {type: integer, format: int32, minimum: 1, maximum: 100}}
        - {name: offset, in: query, schema: {type: integer, format: int64, minimum: 0}}
        - {name: price, in: query,
           schema: {type: number, minimum: 0, exclusiveMinimum: true, multipleOf: 0.01}}
        - {name: flag, in: query, schema: {type: boolean}}
        - {name: tags, in: query, explode: false,
           schema: {type: array, items: {type: string, enum: [a, b, c]}}}
        - {name: ids, in: query, schema: {type: array, items: {type: integer}, maxItems: 5}}
        - {name: filter, in: query, style: deepObject,
           schema: {type: object, additionalProperties: false,
                    properties: {min: {type: integer}, name: {type: string, maxLength: 5}}}}
        - {name: sort, in: query, schema: {type: string, pattern: '^[a-z_]+$'}}
        - {name: since, in: query, schema: {type: string, format: date-time}}
        - {name: mail, in: query, schema: {type: string, format: email}}
        - {name: ref, in: query, schema: {type: string, format: uuid}}
        - {name: note, in: query}
        - {name: X-Request-Id, in: header, schema: {type: string, format: uuid}}
        - {name: X-Count, in: header, schema: {type: integer, minimum: 0}}
        - {name: X-Tags, in: header, schema: {type: array, items: {type: string}}}
        - {name: session, in: cookie, schema: {type: string, minLength: 3}}
        - {name: pref, in: cookie, schema: {type: string, enum: [dark, light]}}
    put:
      x-apigw-validation: {parameters: false}
      parameters:
        - $ref: '#/components/parameters/Id'
        - {name: q, in: query, schema: {type: string}}
      requestBody:
        content:
          application/json: {}
          text/plain: {}
      x-apigw-integration:
        type: http
        uri: "http://127.0.0.1:%%PORT_2%%/store/{sid}"
        requestParameters:
          integration.request.path.sid: method.request.path.id
          integration.request.header.X-Q: method.request.querystring.q
          integration.request.header.X-Tags: method.request.multivaluequerystring.tag
          integration.request.header.X-Agent: method.request.header.User-Agent
          integration.request.header.X-All: method.request.multivalueheader.X-Tag
          integration.request.header.X-Name: method.request.body.name
          integration.request.header.X-Owner: method.request.body.$.owner
          integration.request.querystring.qq: method.request.querystring.q
          integration.request.querystring.where: context.path
        requestTemplates:
          application/json: |
            #set($all = $input.params())
            #set($q = $input.params('q'))
            {"id": "$input.params('id')",
             "q": "$util.escapeJavaScript($q)",
             "raw": "$q",
             "enc": "$util.urlEncode($q)",
             "dec": "$util.escapeJavaScript($util.urlDecode($q))",
             "b64": "$util.base64Encode($q)",
             "unb64": "$util.escapeJavaScript($util.base64Decode($q))",
             "parsed": $util.toJson($util.parseJson($input.params('j'))),
             "upper": "$q.toUpperCase().trim()",
             "len": $q.length(),
             "sub": "$q.substring(0, 1)",
             "at": "$q.indexOf('a')",
             "match": $q.matches('^[a-z]+$'),
             "split": $util.toJson($q.split(',')),
             "repl": "$q.replaceAll('a+', 'b')",
             "name": "$util.escapeJavaScript($input.path('$.name'))",
             "owner": $util.toJson($input.path('$.owner')),
             "body": $util.toJson($input.json('$')),
             "size": $input.body.length(),
             "params": {#foreach($type in $all.keySet())"$type": {#foreach($k in $all.get($type).keySet())"$util.escapeJavaScript($k)": "$util.escapeJavaScript($all.get($type).get($k))"#if($foreach.hasNext),#end#end}#if($foreach.hasNext),#end#end},
             "path": "$context.path",
             "agent": "$context.identity.userAgent"}
          text/plain: '$input.body|$input.params("q")|$input.params().querystring|$input.params().header'
        responses:
          default:
            statusCode: "200"
            responseParameters:
              method.response.header.X-Echo: "'echo'"
            responseTemplates:
              application/json: '{"q": "$util.escapeJavaScript($input.params(''q''))", "got": $input.json(''$'')}'
  /styles/{m}/{l}:
    get:
      parameters:
        - {name: m, in: path, required: true, style: matrix,
           schema: {type: array, items: {type: integer}}}
        - {name: l, in: path, required: true, style: label,
           schema: {type: object, properties: {x: {type: integer}}}}
        - {name: doc, in: query,
           content: {application/json: {schema: {type: object, properties: {a: {type: integer}}}}}}
        - {name: pipes, in: query, style: pipeDelimited, explode: false,
           schema: {type: array, items: {type: number}}}
        - {name: spaces, in: query, style: spaceDelimited, explode: false,
           schema: {type: array, items: {type: string}}}
        - {name: obj, in: query, style: form, explode: true,
           schema: {type: object, properties: {lo: {type: integer}, hi: {type: integer}}}}
        - {name: X-Obj, in: header, explode: true,
           schema: {type: object, properties: {k: {type: string}}}}
  /keyed:
    get:
      security: [{key: []}, {qkey: []}, {ckey: []}]
      parameters:
        - {name: q, in: query, required: true, schema: {type: string}}
  /mock/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: string, maxLength: 8}}
      x-apigw-integration:
        type: mock
        status: 200
        body: {ok: true}
  /files/{path+}:
    get:
      parameters:
        - {name: path, in: path, required: true,
           schema: {type: string, pattern: '^[a-z/.]+$'}}
  /broken:
    get:
      x-apigw-integration: {type: websocket}
YAML

$t->write_file('keys.yaml', <<"YAML");
plans:
  - id: sweep
    stages: [{stage: sweep/v1}, {stage: sweep/small}]
keys:
  - {id: k-sweep, value: "$KEY", plan: sweep}
YAML

$t->write_conf(<<"CONF");
    apigw_api petstore $PETSTORE;
    apigw_api sweep %%PREFIX%%/sweep.yaml;
    apigw_keys %%PREFIX%%/keys.yaml;

    server {
        listen 127.0.0.1:%%PORT%%;
        client_body_timeout 2s;
        client_header_timeout 2s;

        location /prod/ {
            apigw petstore stage=prod;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
        }

        location /sweep/ {
            apigw sweep stage=v1;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
            apigw_throttle rate=1000000 burst=1000000;
        }

        location /small/ {
            apigw sweep stage=small;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
            apigw_body_limit 1k;
            apigw_json_max_depth 8;
        }
    }
CONF

$t->run;

my @workers = $t->worker_pids;


###############################################################################

# issue 15, as reported: petstore-expanded, unmodified

sub raw_get {
    my ($target) = @_;
    return $t->http_json(undef, undef, raw => "GET $target HTTP/1.1\r\n"
                         . "Host: localhost\r\nConnection: close\r\n\r\n");
}

for my $case (['/prod/pets?tags=%FF', 'query', 'tags'],
              ['/prod/pets?tags=%C3%28', 'query', 'tags'],
              ['/prod/pets?limit=%FF', 'query', 'limit'],
              ['/prod/pets/%FF', 'path', 'id'],
              ["/prod/pets?tags=\xff", 'query', 'tags'],
              ["/prod/pets?limit=\xff", 'query', 'limit'],
              ["/prod/pets/\xff", 'path', 'id'])
{
    my ($target, $in, $name) = @$case;
    (my $shown = $target) =~ s/\xff/<0xFF>/;
    my $r = raw_get($target);

    is($r->{status}, 400, "issue 15: GET $shown: 400");
    is($r->{json}{message}, 'Invalid request parameters',
       "issue 15: GET $shown: Invalid request parameters");
    is($r->{headers}{'x-amzn-errortype'}, 'BadRequestException',
       "issue 15: GET $shown: BAD_REQUEST_PARAMETERS");
    is(join(' ', map { "$_->{in} $_->{name} $_->{keyword}" }
                 @{$r->{json}{errors} // []}),
       "$in $name encoding", "issue 15: GET $shown: $in $name named");
}

my $r = raw_get('/prod/pets?tags=caf%C3%A9&limit=5');
is($r->{status}, 200, 'issue 15: UTF-8 tags and a good limit pass');


###############################################################################

# what hostile values are made of

my @BAD_UTF8 = ("\xff", "\xfe\xff", "\xc3\x28", "\xa0\xa1", "\xe2\x28\xa1",
                "\xe2\x82", "\xf0\x28\x8c\xbc", "\x80", "\xbf", "a\xffb",
                "\xf8\x88\x80\x80\x80", "\xfc\x84\x80\x80\x80\x80",
                "ok\xc3");
my @OVERLONG = ("\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xf0\x80\x80\xaf",
                "\xc0\x80", "\xe0\x9f\xbf");
my @SURROGATE = ("\xed\xa0\x80", "\xed\xbf\xbf", "\xed\xa0\xbd\xed\xb8\x80");
my @BEYOND = ("\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xf7\xbf\xbf\xbf");
my @CONTROL = ("\x00", "a\x00b", "\x01", "\x1f", "\x7f", "\t", "\r", "\n",
               "\r\n", "\x1b[31m", "\x08", "x\x00");
my @UNICODE = ("caf\xc3\xa9", "\xef\xbb\xbf", "\xe2\x80\xae",
               "\xf0\x9f\x98\x80",
               "\xf4\x8f\xbf\xbf", "\xef\xbf\xbf", "\xef\xbc\x91",
               "\xd9\xa3", "\xe2\x80\x8b");
my @NUMBERS = ('-0', '0', '1e3', '1E3', '1e400', '-1e400', '1e-400',
               '99999999999999999999', '-99999999999999999999', '0x10',
               '+1', '2147483647', '2147483648', '-2147483648',
               '-2147483649', '9223372036854775807', '9223372036854775808',
               '-9223372036854775808', '-9223372036854775809',
               '18446744073709551616', '1.0', '1.', '.5', '-.5', '1.5',
               '00', '01', '0e0', 'NaN', 'nan', 'Infinity', '-Infinity',
               'inf', ' 1', '1 ', '1_000', '1,2', '--1', '+-1', '1e', 'e1',
               '-', '+', '.', '0.1e-2', '1' x 400, '-' . ('9' x 30),
               '4.9e-324', '1.7976931348623157e308',
               '1.7976931348623159e308', '0.0000000000000000000001',
               '100', '101', '0.001', '0.01', '-1');
my @STRINGS = ('', ' ', 'a', 'a' x 300, "' OR 1=1 --", '<script>',
               '${jndi:ldap://x}', '$context.requestId', '#set($x=1)',
               '\\', '"', '\\u0000', '\\ud800', '{"a":', '[]', '{}', 'null',
               'true', '..', '../../etc/passwd', '/', ';', ',', '=',
               'a,b,', ',,,', '.', 'k=v,k', '|', '  ', 'x' x 70);
my @ESCAPES = ('%', '%%', '%G1', '%4', '%u0041', '%FF%', '%00', '%2500',
               '%C0%AF', '%ED%A0%80', '%F4%90%80%80', '%%41', '%4%41',
               'a%', '%0', '%e2%82', '%2F', '%2e%2e', '%0d%0a', '%20');

my @KINDS = (
    [bad_utf8 => \@BAD_UTF8], [overlong => \@OVERLONG],
    [surrogate => \@SURROGATE], [beyond => \@BEYOND],
    [control => \@CONTROL], [unicode => \@UNICODE], [number => \@NUMBERS],
    [string => \@STRINGS], [escape => \@ESCAPES], [huge => undef],
);

sub pick { return $_[int(rand(@_))] }
sub chance { return rand() < $_[0] }

sub pct {
    my ($s, $ascii_only) = @_;
    my $keep = $ascii_only ? qr/[A-Za-z0-9._~\x80-\xff-]/
                           : qr/[A-Za-z0-9._~-]/;
    return join('', map { $_ =~ $keep ? $_ : sprintf('%%%02X', ord $_) }
                    split(//, $s));
}


# a hostile value and its kind; for the path and query, encoded, raw or
# half of each (bytes past ASCII raw, the rest escaped)
sub hostile {
    my ($where) = @_;

    my ($kind, $list) = @{ pick(@KINDS) };
    my $v = $list ? pick(@$list)
                  : pick('a', "\xc3\xa9", '9', '%FF') x pick(2000, 5000, 9000);

    return ($v, $kind) if $where eq 'header' || $kind eq 'escape'
                          || ($kind eq 'huge' && $v =~ /%/);

    my $how = rand();

    if ($how < 0.5) {
        $v = pct($v);
    } elsif ($how < 0.7) {
        $v = pct($v, 1);
    }

    return ($v, $kind);
}


###############################################################################

# valid requests, each with its mutable parts: the path's parameters, the
# query's pairs (as sent, encoded), headers, cookies, body

sub item_json {
    return '{"name":"Rex the dog","price":12.5,"count":3,"small":-5,'
           . '"ratio":0.25,"tags":["a","b"],"kind":"a",'
           . '"when":"2024-01-01T00:00:00Z","mail":"rex@example.com",'
           . "\"ref\":\"$UUID\",\"owner\":{\"name\":\"Ann\","
           . '"friends":[{"name":"Bob"}]},"any":[1,{"x":null}],'
           . '"choice":"ab","maybe":null}';
}

my %BASES = (
    pets_list => sub {
        return { method => 'GET', path => '/prod/pets',
                 query => [[tags => 'dog'], [tags => 'cat'], [limit => '10']],
                 numeric => ['q:limit'] };
    },
    pets_add => sub {
        return { method => 'POST', path => '/prod/pets',
                 body => '{"name":"Rex","tag":"dog"}',
                 ctype => 'application/json', json => 1 };
    },
    pet_get => sub {
        return { method => 'GET', path => '/prod/pets/{}', params => ['42'],
                 numeric => ['p:0'] };
    },
    pet_delete => sub {
        return { method => 'DELETE', path => '/prod/pets/{}', params => ['42'],
                 numeric => ['p:0'] };
    },
    item_get => sub {
        return { method => 'GET', path => '/sweep/items/{}', params => ['7'],
                 query => [[limit => '10'], [offset => '0'],
                           [price => '9.99'], [flag => 'true'],
                           [tags => 'a,b'], [ids => '1'], [ids => '2'],
                           ['filter[min]' => '1'], ['filter[name]' => 'ab'],
                           [sort => 'by_name'],
                           [since => '2024-01-01T00%3A00%3A00Z'],
                           [mail => 'a%40example.com'], [ref => $UUID],
                           [note => 'hi']],
                 headers => [['X-Request-Id' => $UUID], ['X-Count' => '3'],
                             ['X-Tags' => 'a,b']],
                 cookies => [[session => 'abcdef'], [pref => 'dark']],
                 numeric => ['p:0', 'q:limit', 'q:offset', 'q:price', 'q:ids',
                             'q:filter[min]', 'h:X-Count'] };
    },
    item_add => sub {
        return { method => 'POST', path => '/sweep/items', body => item_json(),
                 ctype => 'application/json', json => 1 };
    },
    item_form => sub {
        return { method => 'POST', path => '/sweep/items', body => 'a=1&b=%FF',
                 ctype => 'application/x-www-form-urlencoded' };
    },
    item_put => sub {
        return { method => 'PUT', path => '/sweep/items/{}', params => ['7'],
                 query => [[q => 'hello'], [tag => 'a'], [tag => 'b'],
                           [j => '%7B%22a%22%3A1%7D']],
                 headers => [['X-Tag' => 'one'], ['X-Tag' => 'two'],
                             ['User-Agent' => 'sweep/1']],
                 body => '{"name":"Rex","owner":{"name":"Ann"}}',
                 ctype => 'application/json', json => 1,
                 numeric => ['p:0'] };
    },
    item_put_text => sub {
        return { method => 'PUT', path => '/sweep/items/{}', params => ['8'],
                 query => [[q => 'plain']], body => 'some text',
                 ctype => 'text/plain' };
    },
    styles => sub {
        return { method => 'GET', path => '/sweep/styles/{}/{}',
                 params => [';m=1,2', '.x,3'],
                 query => [[doc => '%7B%22a%22%3A1%7D'], [pipes => '1|2.5'],
                           [spaces => 'a%20b'], [lo => '1'], [hi => '9']],
                 headers => [['X-Obj' => 'k=v']],
                 numeric => ['p:0', 'q:lo', 'q:hi', 'q:pipes'] };
    },
    keyed => sub {
        return { method => 'GET', path => '/sweep/keyed',
                 query => [[q => 'x']], headers => [['X-API-Key' => $KEY]] };
    },
    keyed_query => sub {
        return { method => 'GET', path => '/sweep/keyed',
                 query => [[q => 'x'], [api_key => $KEY]] };
    },
    keyed_cookie => sub {
        return { method => 'GET', path => '/sweep/keyed',
                 query => [[q => 'x']], cookies => [[api_key => $KEY]] };
    },
    mock => sub {
        return { method => 'GET', path => '/sweep/mock/{}', params => ['abc'] };
    },
    files => sub {
        return { method => 'GET', path => '/sweep/files/{}',
                 params => ['a/b/c.txt'] };
    },
    broken => sub {
        return { method => 'GET', path => '/sweep/broken', broken => 1 };
    },
    small_add => sub {
        return { method => 'POST', path => '/small/items', body => item_json(),
                 ctype => 'application/json', json => 1 };
    },
);

my @BASE_NAMES = sort keys %BASES;


###############################################################################

# mutations: each changes a request and says what it did

sub m_path {
    my ($q) = @_;
    return undef unless @{$q->{params} // []};
    my $i = int(rand(@{$q->{params}}));
    my ($v, $kind) = hostile('path');
    $q->{params}[$i] = $v;
    return "path[$i] $kind";
}

sub m_query_value {
    my ($q) = @_;
    return undef unless @{$q->{query} // []};
    my $p = pick(@{$q->{query}});
    my ($v, $kind) = hostile('query');
    $p->[1] = $v;
    return "query $p->[0] $kind";
}

sub m_query_name {
    my ($q) = @_;
    my ($v, $kind) = hostile('query');
    if (@{$q->{query} // []} && chance(0.5)) {
        pick(@{$q->{query}})->[0] = $v;
    } else {
        push @{$q->{query}}, [$v => '1'];
    }
    return "query name $kind";
}

sub m_query_repeat {
    my ($q) = @_;
    return undef unless @{$q->{query} // []};
    my $p = pick(@{$q->{query}});
    my $n = pick(2, 3, 10, 100, 300);
    my ($v, $kind) = chance(0.5) ? hostile('query') : ($p->[1], 'same');
    push @{$q->{query}}, [$p->[0] => $p->[1]] for 2 .. $n;
    push @{$q->{query}}, [$p->[0] => $v];
    return "query $p->[0] x$n $kind";
}

sub m_query_flood {
    my ($q) = @_;
    my $n = pick(257, 300, 1000);
    push @{$q->{query}}, ["p$_" => $_] for 1 .. $n;
    return "query flood $n";
}

sub m_query_junk {
    my ($q) = @_;
    $q->{query_tail} = pick('&', '&&', '=', '==', '&=&', 'a==b', '%', '?x',
                            '#frag', '&;', 'a[=1', 'filter[=1', 'filter[]=1',
                            'filter[min][x]=1', 'filter[min=1', 'ids[]=1',
                            'filter%5Bmin%5D=1', '+=+', 'tags', 'limit',
                            'limit=&limit=', 'obj=1', 'lo=&hi=',
                            'filter[' . ('x' x 300) . ']=1');
    return "query junk";
}

my @HEADER_NAMES = ('Host', 'X-Request-Id', 'X-Count', 'X-Tags', 'X-Obj',
                    'X-Tag', 'X-API-Key', 'User-Agent', 'Accept', 'X-Other',
                    'Content-Type', 'Authorization', 'Cookie');

sub m_header {
    my ($q) = @_;
    my ($v, $kind) = hostile('header');
    my $name = @{$q->{headers} // []} && chance(0.5)
               ? pick(@{$q->{headers}})->[0] : pick(@HEADER_NAMES);
    @{$q->{headers}} = grep { lc $_->[0] ne lc $name } @{$q->{headers} // []}
        if chance(0.7);
    push @{$q->{headers}}, [$name => $v];
    return "header $name $kind";
}

sub m_header_junk {
    my ($q) = @_;
    my $junk = pick("X-Count:", "X-Count : 1", " X-Count: 1",
                    "X-\xff: 1", "X-Count: 1\r\n\t2", "X-Co\x00unt: 1",
                    "X-Count", ": 1", "X Count: 1", "X-Count:: 1",
                    ("X-Tags: a\r\n" x 200) . "X-Tags: b",
                    "X-Big: " . ('b' x 9000), "X-Count: \xff\xfe",
                    "Host: a\r\nHost: b", "Content-Length: 0",
                    "Content-Length: 5\r\nContent-Length: 6",
                    "Expect: 100-continue", "Expect: nonsense",
                    "X-API-Key: $KEY\r\nX-API-Key: other",
                    "Connection: keep-alive, close",
                    "Transfer-Encoding: identity", "Range: bytes=0-1",
                    "Range: bytes=99999-", "Range: bytes=1-0,0-0,-1",
                    "If-None-Match: *", "If-Modified-Since: \xff",
                    "Accept-Encoding: gzip", "Content-Encoding: gzip",
                    "X-HTTP-Method-Override: DELETE",
                    "X-Forwarded-For: \xff, ::1, 300.1.1.1",
                    "x-amzn-RequestId: \xff");
    push @{$q->{raw_headers}}, $junk;
    $q->{nginx_5xx} = 1 if $junk =~ /^Transfer-Encoding/;
    return "header junk";
}

sub m_cookie {
    my ($q) = @_;
    my ($v, $kind) = hostile('header');
    my $name = @{$q->{cookies} // []} && chance(0.6)
               ? pick(@{$q->{cookies}})->[0] : pick('session', 'pref', 'x');
    @{$q->{cookies}} = grep { $_->[0] ne $name } @{$q->{cookies} // []};
    push @{$q->{cookies}}, [$name => $v];
    return "cookie $name $kind";
}

sub m_cookie_junk {
    my ($q) = @_;
    $q->{cookie_raw} = pick(';;;', '=', 'a', '==x', ' ; ', ',', "\t",
                            'session="abc', 'session=""', 'session="',
                            'session=abc; session=d', 'session=a,b; pref=x',
                            '; session=abcdef;', 'session==abcdef',
                            'session=abcdef;pref=dark;;pref=',
                            '=session; =; ;=',
                            join('; ', map { "c$_=$_" } 1 .. 300),
                            "session=\xff\xfe; pref=\xc0\xaf",
                            "sess\xffion=abc", 'session=' . ('s' x 5000),
                            "session=a\x00b", 'session=%FF',
                            "session=abcdef\x01");
    return "cookie junk";
}

sub m_number {
    my ($q) = @_;
    return undef unless @{$q->{numeric} // []};
    my ($where, $name) = split /:/, pick(@{$q->{numeric}}), 2;
    my $v = pick(@NUMBERS);
    $v = pct($v) if $where ne 'h' && chance(0.5);

    if ($where eq 'p') {
        $q->{params}[$name] = $q->{path} =~ /styles/ ? ";m=$v" : $v;
    } elsif ($where eq 'q') {
        push @{$q->{query}}, [$name => '']
            unless grep { $_->[0] eq $name } @{$q->{query}};
        $_->[1] = $v for grep { $_->[0] eq $name } @{$q->{query}};
    } else {
        @{$q->{headers}} = grep { $_->[0] ne $name } @{$q->{headers}};
        push @{$q->{headers}}, [$name => $v];
    }

    return "number $where:$name";
}

sub m_method {
    my ($q) = @_;
    $q->{method} = pick('PATCH', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'HEAD',
                        'GET', 'TRACE', 'PROPFIND', 'MKCOL', 'FOO', 'get',
                        "G\xffT", 'CONNECT', 'X' x 40, 'LOCK', 'PURGE');
    return "method";
}

sub m_ctype {
    my ($q) = @_;
    $q->{body} //= '{}';
    $q->{ctype} = pick('application/json; charset=latin1',
                       'application/json;;',
                       'application/json; charset="utf-8"',
                       'APPLICATION/JSON', 'application/json ; x',
                       'application/', '/json', ';', '', 'application/json'
                       . "\x01", 'application/json; charset=utf-8; a=b; c',
                       'text/plain', 'text/', 'multipart/form-data; boundary=x',
                       'application/x-www-form-urlencoded',
                       'application/problem+json', '+json', '*/*',
                       "application/json; x=\xff", 'application/json' x 50,
                       'application/json, text/plain', 'text/plain; charset=');
    return "content type";
}

# JSON bodies made hostile

sub m_body {
    my ($q) = @_;
    my $b = $q->{json} ? $q->{body} : '{"name":"x","price":1}';
    my $what = pick(qw(utf8 escape cut deep number dup garbage huge top
                       empty));

    if ($what eq 'utf8') {
        my $bad = pick(@BAD_UTF8, @OVERLONG, @SURROGATE, @BEYOND, @CONTROL);
        my @ends;
        push @ends, $+[0] - 1 while $b =~ /"[^"]*"/g;
        substr($b, pick(@ends), 0) = $bad if @ends;
    } elsif ($what eq 'escape') {
        my $e = pick('\\ud800', '\\udc00', '\\u0000', '\\uDBFF\\uDFFF',
                     '\\ud800\\u0041', '\\x41', '\\', '\\u12', '\\U0041');
        $b =~ s/"name":"/"name":"$e/;
    } elsif ($what eq 'cut') {
        $b = substr($b, 0, int(rand(length $b)));
    } elsif ($what eq 'deep') {
        my $n = pick(7, 8, 9, 63, 64, 65, 1000, 100000);
        my ($open, $close) = chance(0.5) ? ('[', ']') : ('{"a":', '}');
        my $v = ($open x $n) . '1' . ($close x $n);
        $b =~ s/"any":[^,]*,/"any":$v,/ or $b = $v;
    } elsif ($what eq 'number') {
        my $n = pick(grep { /^-?[0-9]/ } @NUMBERS);
        my $field = pick('price', 'count', 'small', 'ratio', 'choice');
        $b =~ s/"$field":[^,}]*/"$field":$n/ or $b =~ s/\{/{"$field":$n,/;
    } elsif ($what eq 'dup') {
        $b =~ s/\{/{"name":"a",/;
    } elsif ($what eq 'garbage') {
        $b = pick("\xef\xbb\xbf$b", "$b garbage", "$b\x00", "// c\n$b",
                  "{'name':'x'}", '{"price":NaN}', "$b$b", "\x00",
                  '{"name":"x",}', "[1,]");
    } elsif ($what eq 'huge') {
        $b = '{"name":"' . ('n' x pick(1000, 70000, 300000)) . '","price":1}';
    } elsif ($what eq 'top') {
        $b = pick('[]', '"str"', '1', 'null', 'true', '[{}]', ' ', "\n");
    } else {
        $b = '';
    }

    $q->{body} = $b;
    $q->{ctype} //= 'application/json';
    return "body $what";
}

# the body stops before Content-Length says it ends
sub m_body_cut {
    my ($q) = @_;
    $q->{body} //= '{"a":1}';
    $q->{cl} = length($q->{body}) + pick(1, 10, 100000);
    $q->{half_close} = 1;
    $q->{may_close} = 1;
    return "body cut short";
}

sub m_chunked {
    my ($q) = @_;
    my $b = $q->{body} // '{"name":"x","price":1}';
    my $how = pick(qw(good good split hex ext nocrlf short noend overflow
                      lf trailer zero both));
    my $c = '';

    if ($how eq 'good' || $how eq 'split') {
        my $rest = $b;
        while (length $rest) {
            my $n = 1 + int(rand($how eq 'split' ? 3 : length $rest));
            $c .= sprintf("%x\r\n%s\r\n", $n, substr($rest, 0, $n, ''));
        }
        $c .= "0\r\n\r\n";
    } else {
        $c = {
            hex => "zz\r\n$b\r\n0\r\n\r\n",
            ext => sprintf("%x;x=\xff;y\r\n%s\r\n0\r\n\r\n", length $b, $b),
            nocrlf => sprintf("%x\r\n%sXX0\r\n\r\n", length $b, $b),
            short => sprintf("%x\r\n%s", length($b) + 50, $b),
            noend => sprintf("%x\r\n%s\r\n", length $b, $b),
            overflow => "ffffffffffffffffffff\r\n$b\r\n0\r\n\r\n",
            lf => sprintf("%x\n%s\n0\n\n", length $b, $b),
            trailer => sprintf("%x\r\n%s\r\n0\r\nX-T\xff: \x01\r\n\r\n",
                               length $b, $b),
            zero => "0\r\n\r\n",
            both => sprintf("%x\r\n%s\r\n0\r\n\r\n", length $b, $b),
        }->{$how};
        $q->{half_close} = 1;
        $q->{may_close} = 1;
    }

    $q->{chunked} = $c;
    $q->{cl} = length $b if $how eq 'both';
    $q->{ctype} //= 'application/json';
    return "chunked $how";
}

sub m_te {
    my ($q) = @_;
    $q->{body} //= '{}';
    $q->{te} = pick('gzip', 'chunked, gzip', 'gzip, chunked', 'identity',
                    'chunked, chunked', 'CHUNKED', "chunked\xff", 'x');
    $q->{nginx_5xx} = 1;
    $q->{half_close} = 1;
    $q->{may_close} = 1;
    return "transfer-encoding";
}

sub m_line {
    my ($q) = @_;
    my $how = pick(qw(raw raw version version10 absolute dots slashes
                      nohost long fragment spaces tab));

    if ($how eq 'raw') {
        my $bad = pick(@BAD_UTF8, @OVERLONG, @SURROGATE, @BEYOND, @CONTROL,
                       ' ', '#', '"', '<', '\\', '{', '}');
        if (@{$q->{params} // []} && chance(0.5)) {
            $q->{params}[0] .= $bad;
        } else {
            push @{$q->{query}}, [pick('limit', 'tags', 'q', 'note') => $bad];
        }
    } elsif ($how eq 'version') {
        $q->{version} = pick('HTTP/2.0', 'HTTP/9.9', 'HTTP/1.9', 'HTTP/0.9',
                             'HTTP/1', 'http/1.1', 'HTTP/1.1 x', 'HTTP/1.01');
        $q->{nginx_5xx} = 1;
        $q->{may_close} = 1;
    } elsif ($how eq 'version10') {
        $q->{version} = 'HTTP/1.0';
    } elsif ($how eq 'absolute') {
        $q->{absolute} = 1;
    } elsif ($how eq 'dots') {
        my $dots = pick('./', 'x/../', '%2e/', '%2E%2E/x/');
        $q->{path} =~ s{^(/\w+/)}{$1$dots};
    } elsif ($how eq 'slashes') {
        $q->{path} =~ s{/}{pick('//', '/', '%2F')}ge;
    } elsif ($how eq 'nohost') {
        $q->{no_host} = 1;
    } elsif ($how eq 'long') {
        push @{$q->{query}}, [note => 'n' x pick(5000, 9000, 70000)];
    } elsif ($how eq 'fragment') {
        $q->{query_tail} = '#' . pick('x', "\xff", '%FF');
    } elsif ($how eq 'spaces') {
        $q->{method} .= pick(' ', '  ');
    } else {
        $q->{version} = "\t" . ($q->{version} // 'HTTP/1.1');
    }

    return "request line $how";
}

sub m_empty {
    my ($q) = @_;
    my @places;
    push @places, 'param' if @{$q->{params} // []};
    push @places, 'query' if @{$q->{query} // []};
    push @places, 'header' if @{$q->{headers} // []};
    push @places, 'cookie' if @{$q->{cookies} // []};
    return undef unless @places;

    my $where = pick(@places);

    if ($where eq 'param') {
        $q->{params}[int(rand(@{$q->{params}}))] = '';
    } elsif ($where eq 'query') {
        pick(@{$q->{query}})->[1] = pick('', undef);
    } elsif ($where eq 'header') {
        pick(@{$q->{headers}})->[1] = '';
    } else {
        pick(@{$q->{cookies}})->[1] = '';
    }

    return "empty $where";
}

my @MUTATIONS = (
    [path => \&m_path, 4], [query_value => \&m_query_value, 5],
    [query_name => \&m_query_name, 1], [query_repeat => \&m_query_repeat, 2],
    [query_flood => \&m_query_flood, 1], [query_junk => \&m_query_junk, 1],
    [header => \&m_header, 3], [header_junk => \&m_header_junk, 1],
    [cookie => \&m_cookie, 2], [cookie_junk => \&m_cookie_junk, 1],
    [number => \&m_number, 4], [method => \&m_method, 1],
    [ctype => \&m_ctype, 1], [body => \&m_body, 3],
    [body_cut => \&m_body_cut, 1], [chunked => \&m_chunked, 2],
    [te => \&m_te, 1], [line => \&m_line, 2], [empty => \&m_empty, 1],
);

my @WEIGHTED = map { ($_) x $_->[2] } @MUTATIONS;


# the bytes of a request

sub serialize {
    my ($q) = @_;

    my @params = @{$q->{params} // []};
    (my $path = $q->{path}) =~ s/\{\}/shift @params/ge;
    my $query = join('&', map { defined $_->[1] ? "$_->[0]=$_->[1]" : $_->[0] }
                          @{$q->{query} // []});

    $query .= ($query eq '' ? '' : '&') . $q->{query_tail}
        if defined $q->{query_tail};

    my $target = $path . ($query ne '' ? "?$query" : '');
    $target = "http://localhost$target" if $q->{absolute};

    my $s = "$q->{method} $target " . ($q->{version} // 'HTTP/1.1') . "\r\n";

    $s .= "Host: localhost\r\n"
        unless $q->{no_host} || grep { lc $_->[0] eq 'host' }
                                     @{$q->{headers} // []};
    $s .= 'Connection: ' . ($q->{keepalive} ? 'keep-alive' : 'close') . "\r\n";
    $s .= "$_->[0]: $_->[1]\r\n" for @{$q->{headers} // []};
    $s .= "$_\r\n" for @{$q->{raw_headers} // []};

    if (defined $q->{cookie_raw}) {
        $s .= "Cookie: $q->{cookie_raw}\r\n";
    } elsif (@{$q->{cookies} // []}) {
        $s .= 'Cookie: ' . join('; ', map { "$_->[0]=$_->[1]" }
                                      @{$q->{cookies}}) . "\r\n";
    }

    $s .= "Content-Type: $q->{ctype}\r\n" if defined $q->{ctype};

    if (defined $q->{chunked}) {
        $s .= "Transfer-Encoding: chunked\r\n";
        $s .= "Content-Length: $q->{cl}\r\n" if defined $q->{cl};
        return "$s\r\n$q->{chunked}";
    }

    if (defined $q->{te}) {
        $s .= "Transfer-Encoding: $q->{te}\r\n";
    }

    if (defined $q->{body}) {
        $s .= 'Content-Length: ' . ($q->{cl} // length $q->{body}) . "\r\n";
        return "$s\r\n$q->{body}";
    }

    return "$s\r\n";
}


###############################################################################

# what every answer must be

my %NGINX_OWN = map { $_ => 1 } (400, 404, 405, 408, 411, 413, 414, 431, 494,
                                  501, 505);
my $JSON = JSON::PP->new->utf8->allow_nonref;

sub judge {
    my ($q, $r) = @_;

    my $st = $r->{status};
    my $h = $r->{headers};

    if (!$st) {
        # a line feed in the target makes an HTTP/0.9 request: its answer
        # is a body alone
        return (undef, 'HTTP/0.9') if ($r->{raw} // '') ne ''
                                      && $q->{sent} =~ m{^[^\n]*\n}
                                      && $q->{sent} !~ m{^[^\n]* HTTP/[^\n]*\n};
        return (undef, 'closed') if $q->{may_close};
        return ('answer', 'no answer: ' . ($r->{error} // ''));
    }

    if (!defined $h->{'x-amzn-requestid'}) {
        # nginx's own, before any location is chosen
        return ('shape', "$st without x-amzn-RequestId") unless $NGINX_OWN{$st};
        return ('status', "nginx's own $st") if $st >= 500 && !$q->{nginx_5xx};
        return ('shape', "nginx's $st is not its own page")
            unless $q->{method} =~ /^HEAD/
                   || ($r->{body} // '') =~ m{<center>nginx[/0-9.]*</center>};
        return (undef, 'nginx');
    }

    if ($st >= 500) {
        return ('status', "the backend's $st") if $h->{'x-backend'};
        return (undef, 'configuration error')
            if $q->{broken} && $st == 500
               && ($h->{'x-response-type'} // '') eq 'API_CONFIGURATION_ERROR';
        my $j = eval { $JSON->decode($r->{body} // '') } // {};
        return ('status', "$st " . ($j->{type} // $r->{body} // ''));
    }

    return (undef, 'passed') if $st < 400;

    return ('shape', "$st without x-amzn-ErrorType")
        unless $h->{'x-amzn-errortype'};
    return (undef, 'refused') if $q->{method} =~ /^HEAD/;

    my $j = eval { $JSON->decode($r->{body} // '') };
    return ('shape', "$st is not a JSON gateway response")
        unless ref $j eq 'HASH' && defined $j->{message} && !ref $j->{message};

    return (undef, 'refused');
}

# the answer to the second of two requests on a connection
sub second_answer {
    my ($q, $r) = @_;

    my $raw = $r->{raw} // '';
    my ($head) = $raw =~ /\A(.*?\r\n\r\n)/s;
    my ($len) = ($head // '') =~ /^Content-Length:\s*(\d+)/mi;

    if (!defined $len || $head =~ /^Connection:\s*close/mi) {
        $q->{may_close} = 1 unless ($head // '') =~ m{^HTTP/1.1 [23]};
        return { status => 0, raw => '', error => 'the first answer closed' };
    }

    my $rest = substr($raw, length($head) + $len);
    my $second = Apigw::Test::_parse_response($rest);

    return { status => 0, raw => $rest, error => 'no second answer' }
        unless $second;

    $second->{raw} = $rest;

    return $second;
}

sub shown {
    my ($s, $max) = @_;
    $s = substr($s, 0, $max) . '...' if length $s > $max;
    $s =~ s/([^\x20-\x7e])/sprintf('\\x%02x', ord $1)/ge;
    return $s;
}

open(my $log, '<', $t->prefix . '/error.log') or die "error.log: $!";
seek($log, 0, 2);

my $BAD_LOG = qr/\[(?:alert|crit)\]|Sanitizer|runtime[ ]error:
                 |exited[ ]on[ ]signal|exited[ ]with[ ]code[ ][1-9]/x;

srand($SEED);

my (%failed, %outcomes, %statuses);
my $previous = '';
my $start = time;

for my $i (1 .. $COUNT) {
    my $base = pick(@BASE_NAMES);
    my $q = $BASES{$base}->();
    my @did;

    my $n = chance(0.7) ? 1 : chance(0.8) ? 2 : 3;

    while (@did < $n) {
        my $m = pick(@WEIGHTED);
        my $what = $m->[1]->($q);
        push @did, $what if defined $what;
    }

    my $raw = serialize($q);
    $q->{sent} = $raw;

    # now and then behind a valid request on the same connection, or
    # before one, which must then be answered too
    my ($lead, $trail) = ('', '');

    if (chance(0.05)) {
        my $v = $BASES{$base}->();
        $v->{keepalive} = 1;
        $lead = serialize($v);
        push @did, 'pipelined';

    } elsif (!$q->{may_close} && !$q->{half_close} && chance(0.05)) {
        $q->{keepalive} = 1;
        $raw = serialize($q);
        $q->{sent} = $raw;
        $trail = serialize($BASES{$base}->());
        push @did, 'followed';
    }

    diag("#$i $base: " . join(', ', @did) . "\n    " . shown($raw, 2000))
        if $ENV{APIGW_SWEEP_TRACE};

    my $r = $t->http(undef, undef, raw => $lead . $raw . $trail,
                     timeout => 10, half_close => $q->{half_close});

    $r = second_answer($q, $r) if $lead ne '';

    my ($fault, $outcome) = judge($q, $r);

    if (!$fault && $trail ne '' && $r->{status}
        && ($r->{headers}{connection} // '') !~ /close/i
        && (() = $r->{raw} =~ m{HTTP/1\.[01] [2-5]\d\d }g) < 2)
    {
        ($fault, $outcome) = ('answer', 'the request that followed it '
                                        . 'was not answered');
    }

    my $what = "#$i $base: " . join(', ', @did);

    my $new = '';
    1 while sysread($log, $new, 65536, length $new);

    if ($new =~ $BAD_LOG) {
        # the master may tell of a worker's death a request late
        my ($line) = grep { $_ =~ $BAD_LOG } split /\n/, $new;
        $fault = 'log';
        $outcome = "error.log: $line\n    (or the request before: "
                   . shown($previous, 600) . ")";
    }

    $previous = $raw;

    $statuses{$r->{status}}++;

    if ($fault) {
        push @{$failed{$fault}}, "$what: $outcome\n    " . shown($raw, 600);
        next;
    }

    $outcomes{$outcome}++;

    if ($i % 500 == 0) {
        my @now = $t->worker_pids;
        if ("@now" ne "@workers") {
            push @{$failed{worker}}, "$what: workers @workers became @now";
            @workers = @now;
        }
    }
}

my $took = time - $start;

sub no_failures {
    my ($kind, $name) = @_;
    my @f = @{$failed{$kind} // []};
    ok(!@f, $name)
        or diag(scalar(@f) . " failed (seed $SEED):\n"
                . join("\n", @f[0 .. ($#f < 9 ? $#f : 9)]));
}

no_failures('status', 'no 5xx but the documented ones');
no_failures('shape', 'refusals are JSON gateway responses, or nginx\'s own');
no_failures('answer', 'every request that does not stop midway is answered');
no_failures('log', 'no request leaves an alert, crit or sanitizer line');
no_failures('worker', 'the worker lives through the sweep');
is_deeply([ $t->worker_pids ], \@workers, 'the same worker at the end');

note(sprintf('%d requests in %.1f s: %s; statuses %s', $COUNT, $took,
             join(', ', map { "$outcomes{$_} $_" } sort keys %outcomes),
             join(', ', map { "$_: $statuses{$_}" } sort keys %statuses)));

close $log;

$t->check_log;

done_testing;
