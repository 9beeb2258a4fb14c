#!/usr/bin/perl

# Writes an OpenAPI 3.0.3 JSON spec with N operations to stdout, for the
# benchmark (bench/run.sh).  Core modules only.
#
#   bench/gen-spec.pl 1000 > spec.json    # 1000 operations
#   bench/gen-spec.pl -r 1000             # prints the path the benchmark hits
#
# Each resource svcI has 8 operations on 4 paths, 2 to 4 segments deep:
#
#   GET POST        /svcI/items                  (query: limit, cursor)
#   GET PUT DELETE  /svcI/items/{id}             (header: X-Request-Tag)
#   GET PUT         /svcI/items/{id}/tags
#   GET             /svcI/search                 (query: q, limit)
#
# Resources are numbered from 0 and the last one may be partial.  The
# benchmark hits "GET /svcL/items/{id}" of the last full resource L, one of
# the last operations defined.

use strict;
use warnings;

use JSON::PP;

my $route_only = @ARGV && $ARGV[0] eq '-r' ? shift : 0;
my $n = shift // '';

die "usage: $0 [-r] N  (N operations, N >= 1)\n" unless $n =~ /^[1-9]\d*$/;

my $PER = 8;
my $last = $n >= $PER ? int($n / $PER) - 1 : 0;

if ($route_only) {
    print "/svc$last/items/12345\n";
    exit 0;
}

sub param {
    my ($name, $in, $type, $required) = @_;
    return { name => $name, in => $in, required => $required ? JSON::PP::true
                                                             : JSON::PP::false,
             schema => { type => $type } };
}

my $item_body = {
    required => JSON::PP::true,
    content  => { 'application/json' => { schema =>
                  { '$ref' => '#/components/schemas/Item' } } },
};

sub op {
    my ($id, $summary, $params, $body) = @_;
    my $op = {
        operationId => $id,
        summary     => $summary,
        parameters  => $params,
        responses   => { 200 => { description => 'OK' },
                         404 => { description => 'Not Found' } },
    };
    $op->{requestBody} = $item_body if $body;
    return $op;
}

my $id = param('id', 'path', 'string', 1);
my $tag = param('X-Request-Tag', 'header', 'string', 0);
my $limit = param('limit', 'query', 'integer', 0);

# [path, method, operationId prefix, parameters, has a body]
my @shape = (
    ['/items',           'get',    'listItems',   [$limit, param('cursor', 'query', 'string', 0)]],
    ['/items',           'post',   'createItem',  [$tag], 1],
    ['/items/{id}',      'get',    'getItem',     [$id, $tag]],
    ['/items/{id}',      'put',    'putItem',     [$id, $tag], 1],
    ['/items/{id}',      'delete', 'deleteItem',  [$id]],
    ['/items/{id}/tags', 'get',    'listTags',    [$id]],
    ['/items/{id}/tags', 'put',    'putTags',     [$id], 1],
    ['/search',          'get',    'search',      [param('q', 'query', 'string', 1), $limit]],
);

my %paths;

for my $i (0 .. $n - 1) {
    my $r = int($i / $PER);
    my ($suffix, $method, $name, $params, $body) = @{ $shape[$i % $PER] };
    my $path = "/svc$r$suffix";

    $paths{$path}{$method} = op("$name$r", "$name on svc$r", $params, $body);
}

my $spec = {
    openapi => '3.0.3',
    info    => { title => "apigw benchmark ($n operations)", version => '1.0.0' },
    paths   => \%paths,
    components => { schemas => { Item => {
        type       => 'object',
        required   => ['name'],
        properties => { name => { type => 'string' },
                        tags => { type => 'array',
                                  items => { type => 'string' } } },
    } } },
};

# keep paths in definition order, so the benchmark route is defined last
my $json = JSON::PP->new->canonical->pretty->indent_length(2);
$json->sort_by(sub {
    my ($pa, $pb) = ($JSON::PP::a, $JSON::PP::b);
    my ($ia, $ib) = map { /^\/svc(\d+)/ ? $1 : -1 } $pa, $pb;
    $ia <=> $ib or $pa cmp $pb;
});
print $json->encode($spec);
