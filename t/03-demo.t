#!/usr/bin/perl

# The petstore demo's configuration (examples/petstore/nginx.conf.in),
# filled in by examples/petstore/nginx-conf.sh as demo.sh fills it in, run
# with the demo's backend (backend.pl): the prod stage answers, its docs
# page is Swagger UI's, the metrics pass promtool, X-Apigw-Canary picks
# either release, the stage's spec exports as JSON with its servers.  The
# function host is not started: /fn/ is not tried.

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use JSON::PP;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use IO::Socket::INET;
use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep time);
use Apigw::Test;

plan(skip_all => 'module not built') unless Apigw::Test::have_module();

my $repo = abs_path(dirname(__FILE__) . '/..');
my $demo = "$repo/examples/petstore";
my $tools = $ENV{APIGW_NPM_TOOLS} // "$repo/build/npm-tools";
my $dist = "$tools/node_modules/swagger-ui-dist";
my $promtool = $ENV{PROMTOOL} // '/usr/bin/promtool';

my $t = Apigw::Test->new;
my $prefix = $t->prefix;
my $port = $t->port(1);
my $backend_port = $t->port(2);

# the configuration, as demo.sh writes it

my $conf = do {
    local $ENV{PREFIX} = $prefix;
    local $ENV{MODULE} = Apigw::Test::module_path();
    local $ENV{PORT} = $port;
    local $ENV{BACKEND_PORT} = $backend_port;
    local $ENV{SWAGGER_UI} = $dist;
    `$demo/nginx-conf.sh`;
};
is($?, 0, 'nginx-conf.sh fills in nginx.conf.in');
unlike($conf, qr/\@[A-Z_]+\@/, '... every placeholder');
$conf =~ s/^load_module .*\n//m if $ENV{APIGW_STATIC};
$t->write_file('nginx.conf', $conf);
mkdir "$prefix/tmp";

# the demo's backend

$t->_release_port($backend_port);
my $owner = $$;
my $backend = fork // die "fork: $!";

if ($backend == 0) {
    open(STDIN, '<', '/dev/null');
    open(STDOUT, '>', "$prefix/backend.log");
    open(STDERR, '>&', \*STDOUT);
    no warnings 'exec';
    exec { $^X } $^X, "$demo/backend.pl", $backend_port;
    POSIX::_exit(127);
}

END {
    if ($backend && $$ == $owner) {
        local $?;
        kill 'TERM', $backend;
        waitpid($backend, 0);
    }
}

my $deadline = time + 5;
until (IO::Socket::INET->new("127.0.0.1:$backend_port") || time > $deadline)
{
    sleep 0.05;
}
ok(waitpid($backend, WNOHANG) == 0, 'backend.pl runs');

$t->run;

# the prod stage

my $r = $t->http_json('GET', '/prod/pets?limit=2');
is($r->{status}, 200, '/prod/pets: 200');
is(ref $r->{json}, 'ARRAY', '... a list of pets, from backend.pl');
$r = $t->http_json('GET', '/prod/pets/1');
is($r->{json}{name}, 'Fido', '/prod/pets/1: Fido');
is($t->http('GET', '/prod/owners')->{status}, 403,
   'no such route: 403');

# the canary, forced from 127.0.0.1 (apigw_canary_trust)

my %version;
for my $force (qw(true false)) {
    my %seen;
    for (1 .. 5) {
        $r = $t->http_json('GET', '/prod/health',
                           headers => ['X-Apigw-Canary' => $force]);
        $seen{$r->{status} == 200 ? $r->{json}{version} // 1 : 'error'} = 1;
    }
    $version{$force} = join(',', sort keys %seen);
}
is($version{true}, 2, 'X-Apigw-Canary: true: version 2 answers');
is($version{false}, 1, 'X-Apigw-Canary: false: version 1 answers');

# the docs page, with Swagger UI's files

SKIP: {
    skip("no swagger-ui-dist in $dist: scripts/npm-tools installs it", 4)
        unless -f "$dist/swagger-ui-bundle.js";

    $r = $t->http('GET', '/docs/prod/');
    is($r->{status}, 200, '/docs/prod/: 200');
    like($r->{headers}{'content-type'}, qr{^text/html}, '... HTML');
    like($r->{body}, qr{/swagger-ui/swagger-ui-bundle\.js},
         '... the Swagger UI page');
    $r = $t->http('GET', '/swagger-ui/swagger-ui-bundle.js');
    my $size = -s "$dist/swagger-ui-bundle.js";
    ok($r->{status} == 200 && length($r->{body}) == $size,
       '... and its script, from swagger-ui-dist');
}

# the operators' endpoints

$r = $t->http_json('GET', '/ops/prod/openapi');
is($r->{status}, 200, '/ops/prod/openapi: 200');
like($r->{headers}{'content-type'}, qr{^application/json}, '... JSON');
is($r->{json}{info}{title}, 'Petstore', "... prod's spec");
like(ref $r->{json}{servers} eq 'ARRAY' && $r->{json}{servers}[0]{url}
     // '', qr{/prod/?$}, '... with the stage\'s URL in servers');

$r = $t->http('GET', '/ops/metrics');
is($r->{status}, 200, '/ops/metrics: 200');
like($r->{body}, qr/^apigw_requests_total\{.*stage="prod".*canary="true"/m,
     '... prod\'s requests, the canary\'s among them');
ok(-x $promtool, "promtool is installed ($promtool; scripts/bootstrap-deps)");
$t->write_file('metrics.txt', $r->{body});
my $lint = `$promtool check metrics < $prefix/metrics.txt 2>&1`;
is($?, 0, 'promtool check metrics passes') or diag($lint);

$t->check_log;

done_testing;
