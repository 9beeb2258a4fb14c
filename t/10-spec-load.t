#!/usr/bin/perl

# Loading OpenAPI specs: JSON and YAML chosen by content, $ref resolution
# across files, the errors that make "nginx -t" fail (each naming the file,
# the JSON pointer, the YAML line and the problem), YAML safety and a spec
# with 5,000 operations.

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use Time::HiRes qw(time);
use JSON::PP;
use Apigw::Test;

plan(skip_all => 'the module is not built (make module)')
    unless Apigw::Test::have_module();

my $t = Apigw::Test->new;
my $P = $t->prefix;

###############################################################################

# helpers

# the 1-based number of the first line of $text that holds $needle

sub line_of {
    my ($text, $needle) = @_;

    my $n = 0;

    for my $line (split /\n/, $text) {
        $n++;
        return $n if index($line, $needle) >= 0;
    }

    die "line_of: \"$needle\" not found\n";
}


# a line as the module may report it for the value of the key at $line:
# an object in block style begins on the line after its key

sub value_line {
    my ($line) = @_;
    return '(?:' . $line . '|' . ($line + 1) . ')';
}


# the number of the line in nginx.conf that holds $needle

sub conf_line {
    my ($needle) = @_;
    return line_of($t->read_file('nginx.conf'), $needle);
}


# an http block that loads $spec as API "t" and serves it under /api/

sub api_conf {
    my ($spec, %o) = @_;

    my $backend = exists $o{backend} ? $o{backend}
                  : 'http://127.0.0.1:%%PORT_2%%';

    my $c = "    apigw_api t $spec;\n\n"
            . "    server {\n"
            . "        listen 127.0.0.1:%%PORT%%;\n\n"
            . "        location /api/ {\n"
            . "            apigw " . ($o{name} // 't') . ";\n";

    $c .= "            apigw_backend $backend;\n" if defined $backend;
    $c .= "        }\n    }\n";
    $c .= "    apigw_strict on;\n" if $o{strict};

    return $c;
}


# writes the files (name => content pairs, the first one the root spec),
# and runs nginx -t on a config that serves the root spec; returns the
# exit code, the output, the time taken and the absolute root path

sub try_spec {
    my ($files, %o) = @_;

    my @f = @$files;
    my $root = "$P/$f[0]";

    for (my $i = 0; $i < @f; $i += 2) {
        $t->write_file($f[$i], $f[$i + 1]);
    }

    $t->write_conf(api_conf($root, %o));

    my $start = time;
    my ($rc, $out) = $t->nginx_test;

    return ($rc, $out, time - $start, $root);
}


# the EMERG line for API "t": file, " at POINTER (line N)" as given,
# the message, and the place of the apigw_api directive

sub emerg {
    my ($file, $where, $msg) = @_;

    my $conf = quotemeta("$P/nginx.conf:" . conf_line('apigw_api t '));

    $file = quotemeta($file);

    my $re = '\[emerg\] (?:\d+#\d+: )?apigw_api "t": '
             . "\"$file\"$where: $msg in $conf\$";

    return qr/$re/m;
}


sub at {
    my ($pointer, $line) = @_;

    return ' at ' . quotemeta($pointer) . " \\(line $line\\)"
        if defined $pointer && defined $line;
    return ' at ' . quotemeta($pointer) if defined $pointer;
    return " at line $line" if defined $line;
    return '';
}


# a spec that nginx -t must refuse with the EMERG matching $re (a code ref
# gets the root path and returns the regex)

sub refused {
    my ($name, $files, $re, %o) = @_;

    my ($rc, $out, $elapsed, $root) = try_spec($files, %o);
    $re = $re->($root) if ref $re eq 'CODE';

    isnt($rc, 0, "$name: nginx -t fails");
    like($out, $re, "$name: the emerg names file, place and problem");

    return ($rc, $out, $elapsed);
}


# a problem confined to one operation: nginx -t warns with what $re says
# (at [warn] in place of [emerg]) and goes on; with apigw_strict on it is
# the error $re says

sub warned {
    my ($name, $files, $re, %o) = @_;

    my ($rc, $out, $elapsed, $root) = try_spec($files, %o);
    my $emerg = ref $re eq 'CODE' ? $re->($root) : $re;
    (my $warn = "$emerg") =~ s/\\\[emerg\\\]/\\[warn\\]/;

    is($rc, 0, "$name: nginx -t goes on") or diag($out);
    like($out, qr/$warn/, "$name: a warning names file, place and problem");

    ($rc, $out) = try_spec($files, %o, strict => 1);

    isnt($rc, 0, "$name: apigw_strict on: nginx -t fails");
    like($out, $emerg, "$name: apigw_strict on: the emerg says the same");
    like($out, qr/\[emerg\] .*apigw_strict is on: 1 problem confined to an /,
         "$name: apigw_strict on: and why it fails");
}


sub accepted {
    my ($name, $files, %o) = @_;

    my ($rc, $out, $elapsed) = try_spec($files, %o);
    is($rc, 0, "$name: nginx -t accepts it") or diag($out);

    return ($rc, $out, $elapsed);
}


my $HEAD = <<'EOF';
openapi: 3.0.3
info:
  title: t
  version: "1"
EOF

my $MOCK = '{type: mock, status: 200, body: ok}';

###############################################################################

# the same API in JSON and in YAML, and each one under the other's extension

my %pet = (
    openapi => '3.0.3',
    info => { title => 'petstore', version => '1' },
    paths => {
        '/pets' => {
            get => {
                operationId => 'listPets',
                responses => { 200 => { description => 'ok' } },
                'x-apigw-integration' => {
                    type => 'mock',
                    status => 200,
                    headers => { 'X-Mock' => 'pets' },
                    body => { pets => [ { id => 1, name => 'rex' } ] },
                },
            },
        },
        '/pets/{petId}' => {
            get => {
                operationId => 'getPet',
                parameters => [ { name => 'petId', in => 'path',
                                  required => JSON::PP::true,
                                  schema => { type => 'integer' } } ],
                responses => { 201 => { description => 'ok' } },
                'x-apigw-integration' => {
                    type => 'mock', status => 201, body => 'one pet',
                },
            },
        },
    },
);

my $PET_JSON = JSON::PP->new->canonical->pretty->encode(\%pet);

my $PET_YAML = <<'EOF';
# the petstore, in YAML
openapi: 3.0.3
info:
  title: petstore
  version: "1"
paths:
  /pets:
    get:
      operationId: listPets
      responses:
        200:
          description: ok
      x-apigw-integration:
        type: mock
        status: 200
        headers:
          X-Mock: pets
        body:
          pets:
            - id: 1
              name: rex
  /pets/{petId}:
    get:
      operationId: getPet
      parameters:
        - name: petId
          in: path
          required: true
          schema:
            type: integer
      responses:
        201:
          description: ok
      x-apigw-integration:
        type: mock
        status: 201
        body: one pet
EOF

# YAML features: anchors, aliases, merge keys, numeric plain keys

my $FEATURES_YAML = <<'EOF';
openapi: 3.0.3
info: {title: features, version: "1"}
x-defs:
  mock: &mock
    type: mock
    status: 202
  headers: &headers
    X-From: anchor
paths:
  /a:
    get:
      responses:
        200: {description: numeric key}
        4XX: {description: range key}
      x-apigw-integration:
        <<: *mock
        headers: *headers
        body: merged
  /b:
    get:
      x-apigw-integration:
        <<: *mock
        status: 203
        headers: *headers
        body: overridden
  /c:
    get:
      x-apigw-integration: *mock
  /d:
    get:
      x-apigw-integration:
        type: mock
        body:
          200: numeric key
          words: [yes, no, on, off, y, n]
          typed: [true, False, ~, null, 0x1F, 0o17, 012, 1e3, '42']
EOF

# refs: local path item refs (plain and percent-encoded), component
# parameter refs, a path item in a relative file, a ref into a
# subdirectory whose file refs a sibling relative to itself; the refs in
# referenced files ("../schemas.yaml#/Pets", "#/Pet") resolve only against
# the file that holds them, so nginx -t fails if they are resolved against
# the root spec

my $REFS_YAML = <<'EOF';
openapi: 3.0.3
info: {title: refs, version: "1"}
paths:
  /pets/{petId}:
    get:
      parameters:
        - $ref: '#/components/parameters/PetId'
        - $ref: '#/components/parameters/Verbose'
      x-apigw-integration: {type: mock, status: 200, body: local pet item}
  /animals/{petId}:
    $ref: '#/paths/~1pets~1{petId}'
  /beasts/{petId}:
    $ref: '#/paths/~1pets~1%7BpetId%7D'
  /pets:
    $ref: paths/pets.yaml
  /owners:
    $ref: 'sub/dir/owners.yaml#/owners'
components:
  parameters:
    PetId:
      name: petId
      in: path
      required: true
      schema: {type: integer}
    Verbose:
      name: verbose
      in: query
      schema: {$ref: '#/components/schemas/Flag'}
  schemas:
    Flag: {type: boolean}
EOF

my $REFS_PETS = <<'EOF';
get:
  responses:
    200:
      description: pets
      content:
        application/json:
          schema: {$ref: '../schemas.yaml#/Pets'}
  x-apigw-integration: {type: mock, status: 200, body: from paths/pets.yaml}
EOF

my $REFS_SCHEMAS = <<'EOF';
Pets:
  type: array
  items: {$ref: '#/Pet'}
Pet:
  type: object
  properties:
    name: {type: string}
EOF

my $REFS_OWNERS = <<'EOF';
owners:
  $ref: owner-item.yaml
EOF

my $REFS_OWNER_ITEM = <<'EOF';
get:
  responses:
    200:
      description: owners
      content:
        application/json:
          schema: {$ref: 'owner-schema.yaml#/Owner'}
  x-apigw-integration: {type: mock, status: 200, body: sibling of owners.yaml}
EOF

my $REFS_OWNER_SCHEMA = <<'EOF';
Owner:
  type: object
  properties:
    name: {type: string}
EOF

# decoys: what a ref would reach if resolved against the root spec

my $DECOY_ITEM = <<'EOF';
get:
  x-apigw-integration: {type: mock, status: 500, body: WRONG resolved at root}
EOF

# cyclic schemas: a tree and a pair that refer to each other

my $CYCLE_YAML = <<'EOF';
openapi: 3.1.0
info: {title: cycles, version: "1"}
paths:
  /tree:
    get:
      responses:
        200:
          description: a tree
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Node'}
      x-apigw-integration: {type: mock, status: 200, body: tree}
components:
  schemas:
    Node:
      type: object
      properties:
        name: {type: string}
        parent: {$ref: '#/components/schemas/Node'}
        children:
          type: array
          items: {$ref: '#/components/schemas/Node'}
        forest: {$ref: '#/components/schemas/Forest'}
    Forest:
      type: array
      items: {$ref: '#/components/schemas/Node'}
EOF

# what an edge-valid spec may hold: the timeout bounds 50 and 29000, the
# AWS extensions (any-method, http_proxy, httpMethod, timeoutInMillis),
# one template under two parameter names for two methods

my $EDGE_YAML = <<'EOF';
openapi: 3.1.0
info: {title: edges, version: "1"}
paths:
  /t50:
    get:
      x-apigw-integration:
        type: http
        uri: 'http://127.0.0.1:%%BE%%/t50'
        timeout: 50
  /t29000:
    get:
      x-apigw-integration:
        type: http
        uri: 'http://127.0.0.1:%%BE%%/t29000'
        timeout: 29000
  /aws/{id}:
    x-amazon-apigateway-any-method:
      x-amazon-apigateway-integration:
        type: http_proxy
        uri: 'http://127.0.0.1:%%BE%%/aws/{id}'
        httpMethod: GET
        timeoutInMillis: 29000
  /same/{x}:
    get:
      x-apigw-integration: {type: mock, status: 200, body: 'get {x}'}
  /same/{y}:
    post:
      x-apigw-integration: {type: mock, status: 201, body: 'post {y}'}
EOF

my $be_port = $t->port(2);
$EDGE_YAML =~ s/%%BE%%/$be_port/g;

# YAML in flow style: it starts with "{" but it is not JSON

my $FLOW_YAML = <<'EOF';
{openapi: 3.0.3, info: {title: flow, version: '1'},
 paths: {/pets: {get: {x-apigw-integration: {type: mock, body: flow}}}}}
EOF

my $WEBHOOKS_YAML = <<'EOF';
openapi: 3.1.0
info: {title: no paths in 3.1, version: "1"}
webhooks: {}
EOF

###############################################################################

# each valid spec on its own passes nginx -t

$t->write_file('ok/pet.json', $PET_JSON);
$t->write_file('ok/pet.yaml', $PET_YAML);
$t->write_file('ok/yaml-inside.json', $PET_YAML);
$t->write_file('ok/json-inside.yaml', $PET_JSON);
$t->write_file('ok/features.yaml', $FEATURES_YAML);
$t->write_file('ok/refs/api.yaml', $REFS_YAML);
$t->write_file('ok/refs/paths/pets.yaml', $REFS_PETS);
$t->write_file('ok/refs/schemas.yaml', $REFS_SCHEMAS);
$t->write_file('ok/refs/sub/dir/owners.yaml', $REFS_OWNERS);
$t->write_file('ok/refs/sub/dir/owner-item.yaml', $REFS_OWNER_ITEM);
$t->write_file('ok/refs/sub/dir/owner-schema.yaml', $REFS_OWNER_SCHEMA);
$t->write_file('ok/refs/owner-item.yaml', $DECOY_ITEM);
$t->write_file('ok/cycle.yaml', $CYCLE_YAML);
$t->write_file('ok/edge.yaml', $EDGE_YAML);
$t->write_file('ok/webhooks.yaml', $WEBHOOKS_YAML);

my %valid = (
    json => 'ok/pet.json',
    yaml => 'ok/pet.yaml',
    yamljson => 'ok/yaml-inside.json',
    jsonyaml => 'ok/json-inside.yaml',
    features => 'ok/features.yaml',
    refs => 'ok/refs/api.yaml',
    cycle => 'ok/cycle.yaml',
    edge => 'ok/edge.yaml',
    webhooks => 'ok/webhooks.yaml',
);

for my $name (sort keys %valid) {
    my ($rc, $out, $elapsed) = accepted("spec $valid{$name}",
                                        [$valid{$name},
                                         $t->read_file($valid{$name})]);

    ok($elapsed < 5, "cyclic schema refs load quickly ("
                     . sprintf('%.3f', $elapsed) . ' s)')
        if $name eq 'cycle';
}

# and all of them together serve their routes

my $conf = '';
$conf .= "    apigw_api $_ $P/$valid{$_};\n" for sort keys %valid;
$conf .= "    apigw_api relative ok/pet.yaml;\n";
$conf .= "\n    server {\n        listen 127.0.0.1:%%PORT%%;\n\n";
$conf .= "        location /$_/ {\n            apigw $_;\n        }\n\n"
    for sort(keys %valid), 'relative';
$conf .= "    }\n";

my $be = $t->backend(port => $t->port(2), handler => sub {
    my ($req) = @_;
    return (200, ['Content-Type' => 'text/plain'], "backend $req->{path}");
});

$t->write_conf($conf);
$t->run;

for my $name (qw(json yaml yamljson jsonyaml)) {
    my $r = $t->http_json('GET', "/$name/pets");

    is($r->{status}, 200, "$valid{$name}: mock status");
    is($r->{headers}{'x-mock'}, 'pets', "$valid{$name}: mock header");
    is($r->{headers}{'content-type'}, 'application/json',
       "$valid{$name}: mock content type");
    is_deeply($r->{json}, { pets => [ { id => 1, name => 'rex' } ] },
              "$valid{$name}: an object mock body is sent as JSON");

    $r = $t->http('GET', "/$name/pets/42");
    is($r->{status}, 201, "$valid{$name}: templated route, mock status");
    is($r->{body}, 'one pet', "$valid{$name}: templated route, mock body");

    $r = $t->http('GET', "/$name/cats");
    is($r->{status}, 403, "$valid{$name}: an unknown path gets 403");
}

my $r = $t->http('GET', '/features/a');
is($r->{status}, 202, 'YAML merge key brings the anchored mapping');
is($r->{headers}{'x-from'}, 'anchor', 'YAML alias to a mapping');
is($r->{body}, 'merged', 'YAML merge: explicit keys kept');

$r = $t->http('GET', '/features/b');
is($r->{status}, 203, 'YAML merge: an explicit key wins over the merge');
is($r->{body}, 'overridden', 'YAML merge: second use of the anchor');

is($t->http('GET', '/features/c')->{status}, 202,
   'YAML alias as a whole integration object');

$r = $t->http_json('GET', '/features/d');
is($r->{json}{200}, 'numeric key', 'YAML plain key 200: is the string "200"');
is_deeply($r->{json}{words}, [qw(yes no on off y n)],
          'YAML 1.2: yes/no/on/off/y/n stay strings');
is_deeply($r->{json}{typed}, [JSON::PP::true, JSON::PP::false, undef, undef,
                              31, 15, 12, 1000, '42'],
          'YAML 1.2 core schema: booleans, nulls, hex, octal, 012, floats');

$r = $t->http('GET', '/relative/pets');
is($r->{status}, 200, 'apigw_api with a relative path: served');
is($r->{headers}{'x-mock'}, 'pets',
   'apigw_api: a relative path resolves against the conf directory');

$r = $t->http('GET', '/refs/pets/7?verbose=true');
is($r->{status}, 200, 'component parameter refs: route served');
is($r->{body}, 'local pet item', 'component parameter refs: mock body');

$r = $t->http('GET', '/refs/animals/7');
is($r->{status}, 200, 'local path item ref #/paths/~1pets~1{petId}');
is($r->{body}, 'local pet item', 'local path item ref: the target item');

$r = $t->http('GET', '/refs/beasts/7');
is($r->{status}, 200, 'percent-encoded local path item ref');
is($r->{body}, 'local pet item', 'percent-encoded ref: the target item');

$r = $t->http('GET', '/refs/pets');
is($r->{status}, 200, 'path item $ref to a relative file');
is($r->{body}, 'from paths/pets.yaml', 'relative file: its operation');

$r = $t->http('GET', '/refs/owners');
is($r->{status}, 200, 'ref into a subdirectory file that refs a sibling');
is($r->{body}, 'sibling of owners.yaml',
   'a ref in a referenced file resolves relative to that file');

$r = $t->http('GET', '/cycle/tree');
is($r->{status}, 200, 'cyclic schema refs: served');
is($r->{body}, 'tree', 'cyclic schema refs: mock body');

$r = $t->http('GET', '/edge/same/1');
is($r->{body}, 'get {x}', 'one template, GET under the name {x}');
$r = $t->http('POST', '/edge/same/1');
is($r->{status}, 201, 'one template, POST under the name {y}');

$r = $t->http('GET', '/edge/t50');
is($r->{status}, 200, 'http integration with timeout 50: served');
is($be->last_request->{uri}, '/t50', 'timeout 50: backend got its uri');

$r = $t->http('GET', '/edge/t29000');
is($r->{status}, 200, 'http integration with timeout 29000: served');
is($be->last_request->{uri}, '/t29000',
   'timeout 29000: backend got its uri');

$r = $t->http('POST', '/edge/aws/5');
is($r->{status}, 200, 'AWS http_proxy integration, timeoutInMillis 29000');
is($be->last_request->{method}, 'GET', 'AWS integration: httpMethod used');
is($be->last_request->{uri}, '/aws/5',
   'AWS integration: {id} filled in the uri');

is($t->http('GET', '/webhooks/anything')->{status}, 403,
   'OpenAPI 3.1 without paths loads and routes nothing');

$t->stop;

# a YAML document in flow style is YAML content too

{
    my ($rc) = accepted('YAML in flow style (starts with "{", is not JSON)',
                        ['ok/flow.yaml' => $FLOW_YAML]);

    SKIP: {
        skip 'the flow-style YAML spec does not load', 2 if $rc;

        $t->run;

        $r = $t->http('GET', '/api/pets');
        is($r->{status}, 200, 'YAML in flow style: served');
        is($r->{body}, 'flow', 'YAML in flow style: mock body');

        $t->stop;
    }
}

###############################################################################

# errors: each fails nginx -t with an EMERG naming the file, the pointer,
# the YAML line and the problem

# files and contents

{
    my $missing = "$P/err/does-not-exist.yaml";
    $t->write_conf(api_conf($missing));
    my ($rc, $out) = $t->nginx_test;

    isnt($rc, 0, 'missing file: nginx -t fails');
    like($out, emerg($missing, '', 'cannot open: No such file or directory'),
         'missing file: the emerg names the file and the reason');
}

# a directory where a file should be: not "larger than 64 MB" (what
# ftell() says of a directory on ext4) nor another misleading reason

{
    my $dir = "$P/err/specdir";
    $t->write_file('err/specdir/openapi.yaml', $HEAD . "paths: {}\n");
    $t->write_conf(api_conf($dir));
    my ($rc, $out) = $t->nginx_test;

    isnt($rc, 0, 'a directory as the spec: nginx -t fails');
    like($out, emerg($dir, '', '[^\n]*(?i:director|not a regular file)'
                               . '[^\n]*'),
         'a directory as the spec: the emerg says it is a directory');
    unlike($out, qr/larger than/,
           'a directory as the spec: no "file is larger than" message');
}

{
    my $root = $HEAD . "paths:\n  /pets: {\$ref: 'specdir'}\n";
    my ($rc, $out) = try_spec(['err/ref-dir.yaml' => $root]);

    isnt($rc, 0, '$ref to a directory: nginx -t fails');
    like($out, qr/\[emerg\]\ [^\n]*apigw_api\ "t":\ "\Q$P\E\/err\/[^\n]*
                  (?i:director|not\ a\ regular\ file)/x,
         '$ref to a directory: the emerg says it is a directory');
    unlike($out, qr/larger than/,
           '$ref to a directory: no "file is larger than" message');
}

refused('empty file', ['err/empty.yaml' => ''],
    sub { emerg($_[0], '', 'the document is empty') });

refused('whitespace-only file', ['err/blank.json' => "\n  \n\t\n"],
    sub { emerg($_[0], '', 'the document is empty') });

refused('comment-only YAML', ['err/comment.yaml' => "# nothing here\n"],
    sub { emerg($_[0], '', 'empty YAML document') });

{
    my $bad = <<'EOF';
{
  "openapi": "3.0.3",
  "info": {"title": "t", "version": "1"}
  "paths": {}
}
EOF

    refused('invalid JSON', ['err/invalid.json' => $bad],
        sub { emerg($_[0], at(undef, 4), 'invalid JSON: .+') });
}

{
    my $bad = <<'EOF';
{
  "openapi": "3.0.3",
  "info": {"title": "t", "version": "1"},
  "paths": {},
  "openapi": "3.1.0"
}
EOF

    refused('duplicate JSON key', ['err/dup-key.json' => $bad],
        sub { emerg($_[0], at(undef, 5),
                    'invalid JSON: duplicate object key[^\n]*') });
}

{
    my $bad = $HEAD . <<'EOF';
paths:
  /a:
    get:
      summary: broken: here
      x-apigw-integration: {type: mock}
EOF
    my $l = line_of($bad, 'broken: here');

    refused('YAML syntax error', ['err/syntax.yaml' => $bad],
        sub { emerg($_[0], "(?: at \\S+ \\(line $l\\)| at line $l)",
                    'YAML syntax error: mapping values are not allowed'
                    . '[^\n]*') });
}

refused('JSON root is an array',
    ['err/array.json' => '["openapi", "3.0.3"]'],
    sub { emerg($_[0], '', 'an OpenAPI document must be an object') });

refused('YAML root is a sequence',
    ['err/seq.yaml' => "- openapi: 3.0.3\n"],
    sub { emerg($_[0], at(undef, 1),
                'an OpenAPI document must be an object') });

refused('YAML root is a scalar',
    ['err/scalar.yaml' => "just some text\n"],
    sub { emerg($_[0], at(undef, 1),
                'an OpenAPI document must be an object') });

# versions

refused('Swagger 2.0',
    ['err/swagger.yaml' => "swagger: \"2.0\"\n"
                           . "info: {title: t, version: \"1\"}\n"
                           . "paths: {}\n"],
    sub { emerg($_[0], at(undef, 1),
                'Swagger 2.0 documents are not supported[^\n]*') });

refused('missing openapi',
    ['err/no-openapi.yaml' => "info: {title: t, version: \"1\"}\npaths: {}\n"],
    sub { emerg($_[0], at(undef, 1), '"openapi" is missing[^\n]*') });

refused('openapi: 2.5',
    ['err/v25.yaml' => "info: {title: t, version: \"1\"}\nopenapi: 2.5\n"
                       . "paths: {}\n"],
    sub { emerg($_[0], at('/openapi', 2),
                'OpenAPI version must be 3.0.x or 3.1.x') });

refused('openapi "3.2.0" in JSON: a pointer and no line',
    ['err/v32.json' => '{"openapi": "3.2.0", "info": {}, "paths": {}}'],
    sub { emerg($_[0], at('/openapi'),
                'OpenAPI version must be 3.0.x or 3.1.x') });

refused('missing paths in 3.0',
    ['err/no-paths.yaml' => $HEAD],
    sub { emerg($_[0], at(undef, 1), '"paths" is missing') });

# paths

{
    my $bad = $HEAD . <<"EOF";
paths:
  /ok:
    get:
      x-apigw-integration: $MOCK
  pets:
    get:
      x-apigw-integration: $MOCK
EOF
    my $l = value_line(line_of($bad, '  pets:'));

    warned('path without a leading slash', ['err/slash.yaml' => $bad],
        sub { emerg($_[0], " at /paths/pets \\(line $l\\)",
                    'a path must start with "/"') });
}

# refs

{
    my $bad = $HEAD . <<"EOF";
paths:
  /pets:
    get:
      parameters:
        - \$ref: '#/components/parameters/Limit'
        - \$ref: '#/components/parameters/Nope'
      x-apigw-integration: $MOCK
components:
  parameters:
    Limit: {name: limit, in: query}
EOF
    my $l = line_of($bad, 'parameters/Nope');

    refused('$ref to a missing pointer', ['err/ref-pointer.yaml' => $bad],
        sub { emerg($_[0], at('/paths/~1pets/get/parameters/1', $l),
                    '\$ref "#/components/parameters/Nope" points to nothing')
        });
}

{
    my $bad = $HEAD . <<"EOF";
paths:
  /pets: {\$ref: 'paths/missing.yaml'}
EOF
    my $l = line_of($bad, 'missing.yaml');

    refused('$ref to a missing file', ['err/ref-file.yaml' => $bad],
        sub { emerg($_[0], at('/paths/~1pets', $l),
                    '\$ref "paths/missing.yaml": cannot open '
                    . "\"\Q$P\E/err/paths/missing.yaml\": "
                    . 'No such file or directory') });
}

{
    my $bad = $HEAD . <<"EOF";
paths:
  /pets:
    get:
      parameters:
        - \$ref: '#/components/parameters/A'
      x-apigw-integration: $MOCK
components:
  parameters:
    A: {\$ref: '#/components/parameters/B'}
    B: {\$ref: '#/components/parameters/A'}
EOF
    my $l = line_of($bad, "- \$ref: '#/components/parameters/A'");

    refused('$ref cycle between two parameters',
        ['err/ref-cycle.yaml' => $bad],
        sub { emerg($_[0], at('/paths/~1pets/get/parameters/0', $l),
                    '\$ref cycle: [^\n]*') });
}

{
    my $bad = $HEAD . <<"EOF";
paths:
  /pets:
    get:
      x-apigw-integration: $MOCK
components:
  parameters:
    Self: {\$ref: '#/components/parameters/Self'}
EOF
    my $l = line_of($bad, 'Self:');

    refused('$ref to itself, unused', ['err/ref-self.yaml' => $bad],
        sub { emerg($_[0], at('/components/parameters/Self', $l),
                    '\$ref cycle: [^\n]*') });
}

{
    my $bad = $HEAD . <<"EOF";
paths:
  /pets:
    get:
      responses:
        200:
          description: ok
          content:
            application/json:
              schema: {\$ref: 'https://example.com/schemas/pet.yaml'}
      x-apigw-integration: $MOCK
EOF
    my $l = line_of($bad, 'https://example.com');

    refused('remote $ref', ['err/ref-remote.yaml' => $bad],
        sub { emerg($_[0],
                    at('/paths/~1pets/get/responses/200/content/'
                       . 'application~1json/schema', $l),
                    '\$ref "https://example\.com/schemas/pet\.yaml" is not '
                    . 'supported[^\n]*') });
}

{
    my $bad = <<'EOF';
get:
  x-apigw-integration:
    type: http
    uri: http://127.0.0.1:1/pets
    timeout: 10
EOF
    my $l = line_of($bad, 'timeout: 10');
    my $root = $HEAD . "paths:\n  /pets: {\$ref: 'paths/bad-item.yaml'}\n";

    warned('an error inside a referenced file',
        ['err/ref-inner.yaml' => $root, 'err/paths/bad-item.yaml' => $bad],
        emerg("$P/err/paths/bad-item.yaml",
              at('/get/x-apigw-integration/timeout', $l),
              'timeout must be from 50 to 29000 ms'));
}

{
    my $bad = "get:\n  summary: broken: here\n";
    my $root = $HEAD . "paths:\n  /pets: {\$ref: 'paths/bad-syntax.yaml'}\n";

    refused('a YAML syntax error in a referenced file',
        ['err/ref-syntax.yaml' => $root,
         'err/paths/bad-syntax.yaml' => $bad],
        emerg("$P/err/paths/bad-syntax.yaml",
              '(?: at \S+ \(line 2\)| at line 2)',
              'YAML syntax error: [^\n]*'));
}

# operations

{
    my $bad = $HEAD . <<"EOF";
paths:
  /a:
    get:
      operationId: getThing
      x-apigw-integration: $MOCK
  /b:
    get:
      operationId: getThing
      x-apigw-integration: $MOCK
EOF
    my $l = value_line(line_of($bad, '  /b:') + 1);

    warned('duplicate operationId', ['err/dup-id.yaml' => $bad],
        sub { emerg($_[0], " at /paths/~1b/get \\(line $l\\)",
                    'operationId "getThing" is already used by GET /a') });
}

{
    my $bad = $HEAD . <<"EOF";
paths:
  /a/{x}:
    get:
      x-apigw-integration: $MOCK
  /a/{y}:
    get:
      x-apigw-integration: $MOCK
EOF
    my $l = value_line(line_of($bad, '  /a/{y}:') + 1);

    warned('conflicting templates /a/{x} and /a/{y}',
        ['err/conflict.yaml' => $bad],
        sub { emerg($_[0], " at /paths/~1a~1\\{y\\}/get \\(line $l\\)",
                    'GET /a/\{y\} conflicts with GET /a/\{x\} declared '
                    . 'before it \(same path template, method and '
                    . 'discriminators\): requests go to the first') });
}

# integrations

sub integration_spec {
    my ($ext) = @_;

    return $HEAD . <<"EOF";
x-note: ~
x-flag: true
paths:
  /pets/{petId}:
    get:
      x-apigw-integration: {type: mock}
    put:
$ext
EOF
}

{
    my $bad = integration_spec(<<'EOF');
      x-apigw-integration:
        type: aws
        uri: http://127.0.0.1:1/
EOF
    my $l = line_of($bad, 'type: aws');

    warned('bad integration type', ['err/int-type.yaml' => $bad],
        sub { emerg($_[0],
                    at('/paths/~1pets~1{petId}/put/x-apigw-integration/type',
                       $l),
                    'integration type "aws" is not supported[^\n]*') });
}

{
    my $bad = integration_spec(<<'EOF');
      x-apigw-integration: {type: http, method: GET}
EOF
    my $l = line_of($bad, 'type: http');

    warned('http integration without uri', ['err/int-nouri.yaml' => $bad],
        sub { emerg($_[0],
                    at('/paths/~1pets~1{petId}/put/x-apigw-integration', $l),
                    'an http integration needs a "uri" string') });
}

for my $case (['timeout: 49', 'timeout', 'x-apigw-integration'],
              ['timeout: 29001', 'timeout', 'x-apigw-integration'],
              ['timeoutInMillis: 30000', 'timeoutInMillis',
               'x-amazon-apigateway-integration'])
{
    my ($text, $key, $ext) = @$case;
    my $type = $ext =~ /amazon/ ? 'http_proxy' : 'http';

    my $bad = integration_spec(<<"EOF");
      $ext:
        type: $type
        uri: http://127.0.0.1:1/pets/{petId}
        $text
EOF
    my $l = line_of($bad, $text);
    (my $file = "err/int-$text.yaml") =~ s/[: ]+/-/g;

    warned("integration $text", [$file => $bad],
        sub { emerg($_[0], at("/paths/~1pets~1{petId}/put/$ext/$key", $l),
                    'timeout must be from 50 to 29000 ms') });
}

# a null, true or false value is reported on its own line, not on the line
# of the first null, true or false in the file (integration_spec has an
# "x-note: ~" and an "x-flag: true" near the top)

{
    my $bad = integration_spec(<<'EOF');
      x-apigw-integration:
        type: http
        uri:
EOF
    my $l = line_of($bad, 'uri:');

    warned('http integration with an empty "uri:", reported on its line',
        ['err/int-emptyuri.yaml' => $bad],
        sub { emerg($_[0],
                    at('/paths/~1pets~1{petId}/put/x-apigw-integration/uri',
                       $l),
                    'an http integration needs a "uri" string') });
}

{
    my $bad = integration_spec(<<'EOF');
      x-apigw-integration:
        type: http
        uri: http://127.0.0.1:1/pets/{petId}
        timeout: true
EOF
    my $l = line_of($bad, 'timeout: true');

    warned('integration "timeout: true", reported on its line',
        ['err/int-timeout-true.yaml' => $bad],
        sub { emerg($_[0],
                    at('/paths/~1pets~1{petId}/put/x-apigw-integration/'
                       . 'timeout', $l),
                    'timeout must be from 50 to 29000 ms') });
}

{
    my $bad = integration_spec(<<'EOF');
      x-apigw-integration:
        type: http
        uri: http://127.0.0.1:1/pets/{nope}
EOF
    my $l = line_of($bad, '{nope}');

    warned('{nope} in uri is not a path parameter',
        ['err/int-param.yaml' => $bad],
        sub { emerg($_[0],
                    at('/paths/~1pets~1{petId}/put/x-apigw-integration/uri',
                       $l),
                    '\{nope\} is neither a path parameter of "/pets/\{petId\}" '
                    . 'nor mapped by integration\.request\.path\.nope')
        });
}

{
    my $bad = $HEAD . <<"EOF";
x-apigw-gateway-responses:
  DEFAULT_4XX: {status: 400}
  MISSING_AUTH_TOKEN:
    status: 404
paths:
  /a:
    get:
      x-apigw-integration: $MOCK
EOF
    my $l = value_line(line_of($bad, 'MISSING_AUTH_TOKEN'));

    refused('unknown gateway response type', ['err/gr.yaml' => $bad],
        sub { emerg($_[0],
                    " at /x-apigw-gateway-responses/MISSING_AUTH_TOKEN "
                    . "\\(line $l\\)",
                    'unknown gateway response type "MISSING_AUTH_TOKEN"') });
}

# YAML safety

{
    my $bad = $HEAD . <<"EOF";
paths:
  /a:
    get:
      summary: !foo bar
      x-apigw-integration: $MOCK
EOF
    my $l = line_of($bad, '!foo');

    refused('custom YAML tag !foo', ['err/tag-foo.yaml' => $bad],
        sub { emerg($_[0], at('/paths/~1a/get/summary', $l),
                    'custom YAML tag "!foo" is not supported') });
}

{
    my $bad = $HEAD . <<"EOF";
x-exploit: !!python/object/apply:os.system ["echo pwned"]
paths:
  /a:
    get:
      x-apigw-integration: $MOCK
EOF
    my $l = line_of($bad, '!!python');

    refused('YAML tag !!python/object', ['err/tag-python.yaml' => $bad],
        sub { emerg($_[0], at('/x-exploit', $l),
                    'custom YAML tag "!!python/object/apply:os\.system" is '
                    . 'not supported') });
}

{
    my $bad = $HEAD . <<"EOF";
paths:
  /a:
    get:
      x-apigw-integration: $MOCK
    post:
      x-apigw-integration: $MOCK
    get: # again
      x-apigw-integration: $MOCK
EOF
    my $l = line_of($bad, '# again');

    refused('duplicate YAML key', ['err/dup-key.yaml' => $bad],
        sub { emerg($_[0], at('/paths/~1a/get', $l),
                    'duplicate key "get"') });
}

{
    my $bad = $HEAD . <<"EOF";
x-weird:
  ? [a, b]
  : c
paths:
  /a:
    get:
      x-apigw-integration: $MOCK
EOF
    my $l = line_of($bad, '? [a, b]');

    refused('non-scalar YAML key', ['err/key-seq.yaml' => $bad],
        sub { emerg($_[0], at('/x-weird', $l),
                    'mapping keys must be strings') });
}

{
    my $lol = $HEAD . "x-lol:\n";
    $lol .= '  a: &a [' . join(', ', ('"lol"') x 10) . "]\n";

    for my $c ('b' .. 'i') {
        my $p = chr(ord($c) - 1);
        $lol .= "  $c: &$c [" . join(', ', ("*$p") x 10) . "]\n";
    }

    $lol .= "paths:\n  /a:\n    get:\n      x-apigw-integration: $MOCK\n";

    my $l = line_of($lol, '  g: ');

    # 10 * 1,111,111 nodes: the list at g goes over 2,000,000
    my ($rc, $out, $elapsed) = refused('billion laughs',
        ['err/lol.yaml' => $lol],
        sub { emerg($_[0], ' at /x-lol/g/\d+ \(line ' . $l . '\)',
                    'YAML alias expansion exceeds 2000000 nodes[^\n]*') });

    ok($elapsed < 10, 'billion laughs: nginx -t is over in under 10 s ('
                      . sprintf('%.3f', $elapsed) . ' s)');
}

# configuration

{
    my $spec = $HEAD . <<"EOF";
paths:
  /pets:
    get:
      x-apigw-integration: $MOCK
    post:
      summary: no integration
EOF

    my ($rc, $out) = try_spec(['err/no-backend.yaml' => $spec],
                              backend => undef);

    my $conf = quotemeta("$P/nginx.conf");

    isnt($rc, 0, 'operation without integration and no apigw_backend: '
                 . 'nginx -t fails');
    my $re = '\[emerg\] (?:\d+#\d+: )?apigw "t": POST /pets has no '
             . 'x-apigw-integration and this location has no apigw_backend '
             . "in $conf:\\d+\$";

    like($out, qr/$re/m,
         'operation without integration: the emerg names the operation');

    $t->write_conf("    apigw_api t $P/err/no-backend.yaml;\n\n"
                   . "    server {\n"
                   . "        listen 127.0.0.1:%%PORT%%;\n"
                   . "        apigw_backend http://127.0.0.1:%%PORT_2%%;\n\n"
                   . "        location /api/ {\n"
                   . "            apigw t;\n"
                   . "        }\n"
                   . "    }\n");

    ($rc, $out) = $t->nginx_test;
    is($rc, 0, 'apigw_backend inherited from the server block is enough')
        or diag($out);
}

{
    my ($rc, $out) = try_spec(['err/unknown-api.yaml' => $HEAD
                                   . "paths: {}\n"],
                              name => 'unknown_api');

    isnt($rc, 0, 'apigw unknown_api: nginx -t fails');
    like($out, qr/\[emerg\] (?:\d+#\d+: )?apigw: no API named "unknown_api"/,
         'apigw unknown_api: the emerg names the API');
}

{
    $t->write_file('err/dup-name.yaml', $HEAD . "paths: {}\n");
    $t->write_conf("    apigw_api t $P/err/dup-name.yaml;\n"
                   . "    apigw_api t $P/err/dup-name.yaml;\n");

    my ($rc, $out) = $t->nginx_test;
    my $cl = line_of($t->read_file('nginx.conf'), 'apigw_api t ') + 1;

    my $conf = quotemeta("$P/nginx.conf:$cl");

    isnt($rc, 0, 'apigw_api declared twice: nginx -t fails');

    like($out, qr/"apigw_api" directive is duplicate in $conf$/m,
         'apigw_api declared twice: the emerg names the second one');
}

###############################################################################

# 5,000 operations: 2,500 templated paths, GET a mock, POST to apigw_backend

my $N = 2500;

my $big = "openapi: 3.0.3\ninfo: {title: big, version: \"1\"}\npaths:\n";
my %bigjson = (openapi => '3.0.3', info => { title => 'big', version => '1' },
               paths => {});

for my $i (0 .. $N - 1) {
    $big .= "  /r$i/{id}:\n"
            . "    get:\n"
            . "      operationId: get$i\n"
            . "      x-apigw-integration: {type: mock, status: 200, "
            . "body: 'mock $i'}\n"
            . "    post:\n"
            . "      operationId: post$i\n"
            . "      responses: {200: {description: ok}}\n";

    $bigjson{paths}{"/r$i/{id}"} = {
        get => { operationId => "get$i",
                 'x-apigw-integration' => { type => 'mock', status => 200,
                                            body => "mock $i" } },
        post => { operationId => "post$i",
                  responses => { 200 => { description => 'ok' } } },
    };
}

$t->write_file('big/big.yaml', $big);
$t->write_file('big/big.json', JSON::PP->new->canonical->encode(\%bigjson));

$t->write_conf(<<"EOF");
    apigw_api bigyaml $P/big/big.yaml;
    apigw_api bigjson $P/big/big.json;

    server {
        listen 127.0.0.1:%%PORT%%;

        location /y/ {
            apigw bigyaml;
            apigw_backend http://127.0.0.1:%%PORT_2%%/base;
        }

        location /j/ {
            apigw bigjson;
            apigw_backend http://127.0.0.1:%%PORT_2%%/base;
        }
    }
EOF

my $start = time;
my ($rc, $out) = $t->nginx_test;
my $big_elapsed = time - $start;

is($rc, 0, '5,000 operations in YAML and in JSON: nginx -t accepts them')
    or diag($out);
ok($big_elapsed < 10, '5,000 operations load in under 10 s ('
                      . sprintf('%.3f', $big_elapsed) . ' s)');

$t->run;

for my $loc (qw(y j)) {
    my $fmt = $loc eq 'y' ? 'YAML' : 'JSON';
    my $last = $N - 1;

    $r = $t->http('GET', "/$loc/r0/abc");
    is($r->{status}, 200, "$fmt 5,000 ops: the first operation");
    is($r->{body}, 'mock 0', "$fmt 5,000 ops: the first mock body");

    $r = $t->http('GET', "/$loc/r$last/xyz");
    is($r->{status}, 200, "$fmt 5,000 ops: the last GET operation");
    is($r->{body}, "mock $last", "$fmt 5,000 ops: the last mock body");

    $be->clear;

    $r = $t->http('POST', "/$loc/r$last/xyz?q=1", body => 'data');
    is($r->{status}, 200, "$fmt 5,000 ops: the last operation, to backend");
    is($r->{body}, "backend /base/r$last/xyz",
       "$fmt 5,000 ops: backend answer relayed");

    my $req = $be->last_request;
    is($req && $req->{method}, 'POST', "$fmt 5,000 ops: backend got POST");
    is($req && $req->{uri}, "/base/r$last/xyz?q=1",
       "$fmt 5,000 ops: backend got the routed path and query");
    is($req && $req->{body}, 'data', "$fmt 5,000 ops: backend got the body");

    is($t->http('GET', "/$loc/r$N/xyz")->{status}, 403,
       "$fmt 5,000 ops: a path beyond the last one gets 403");
    is(scalar($be->requests), 1, "$fmt 5,000 ops: the backend saw one "
                                 . 'request');
}

$t->check_log;

done_testing;
