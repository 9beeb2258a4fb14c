#!/usr/bin/perl

# Tests for the test harness itself, against plain nginx (no apigw module).

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use Apigw::Test;

my $t = Apigw::Test->new;

ok(-d $t->prefix && $t->prefix =~ m{^/}, 'prefix is an absolute directory');

my %ports = map { $_ => $t->port($_) } 1 .. 5;
is(scalar(keys %{{ reverse %ports }}), 5, 'ports are distinct');
is($t->port(2), $ports{2}, 'port is stable per index');

like(Apigw::Test::module_path(), qr{/ngx_http_apigw_module\.so$},
     'module path');
is(!!Apigw::Test::have_module(), !!-f Apigw::Test::module_path(),
   'have_module matches the file');

my $file = $t->write_file('specs/a/petstore.yaml', "openapi: 3.0.0\n");
is($file, $t->prefix . '/specs/a/petstore.yaml', 'write_file returns path');
is($t->read_file('specs/a/petstore.yaml'), "openapi: 3.0.0\n",
   'write_file creates subdirectories');

my $conf = <<'EOF';
    server {
        listen 127.0.0.1:%%PORT%%;

        location / {
            return 200 "%%TEXT%%";
        }

        location /be/ {
            proxy_pass http://127.0.0.1:%%PORT_2%%/;
            proxy_read_timeout 1s;
        }

        location /echo/ {
            proxy_pass http://127.0.0.1:%%PORT_3%%/;
        }

        location /down/ {
            proxy_pass http://127.0.0.1:%%PORT_4%%/;
        }

        location /prefix {
            return 200 "%%PREFIX%%";
        }
    }
EOF

sub conf {
    my ($text) = @_;
    (my $c = $conf) =~ s/%%TEXT%%/$text/;
    return $c;
}

$t->write_conf(conf('hello'), no_module => 1);

my $nc = $t->read_file('nginx.conf');
unlike($nc, qr/load_module/, 'no_module omits load_module');
my ($p1, $p2) = ($ports{1}, $ports{2});
like($nc, qr/listen 127\.0\.0\.1:$p1;/, '%%PORT%% expanded');
like($nc, qr/:$p2\/;/, '%%PORT_2%% expanded');
like($nc, qr/proxy_temp_path \Q${\ $t->prefix}\E/, 'temp paths in prefix');

my ($rc, $out) = $t->nginx_test;
is($rc, 0, 'nginx -t accepts the config') or diag($out);

my $be = $t->backend(port => $t->port(2), handler => sub {
    my ($req) = @_;

    return 'hang' if $req->{path} eq '/hang';
    return 'close' if $req->{path} eq '/close';
    return 'reset' if $req->{path} eq '/reset';
    return { raw => "HTTP/1.1 200 OK\r\nBad Header\r\n\r\n" }
        if $req->{path} eq '/raw';
    return { delay => 0.5, status => 201, body => 'late' }
        if $req->{path} eq '/delay';
    return { status => 200, chunks => ['hel', 'lo ', 'chunks'],
             headers => ['X-Chunked' => 'yes'] }
        if $req->{path} eq '/chunked';
    return { status => 200, body => "seq=$req->{seq}" }
        if $req->{path} eq '/seq';

    return (200, ['Content-Type' => 'application/json', 'X-Backend' => 'a'],
            '{"ok":true}');
});

my $echo = $t->backend(port => $t->port(3));

is($be->port, $ports{2}, 'backend port');

$t->run;

my $r = $t->http('GET', '/');
is($r->{status}, 200, 'GET status');
is($r->{body}, 'hello', 'GET body');
is($r->{headers}{'content-length'}, 5, 'response headers lowercased');
ok(grep({ $_->[0] eq 'Server' } @{$r->{header_list}}), 'header_list');
like($r->{raw}, qr{^HTTP/1\.1 200 OK\r\n}, 'raw response');
ok($r->{elapsed} >= 0 && $r->{elapsed} < 2, 'elapsed');

$r = $t->http('GET', '/prefix');
is($r->{body}, $t->prefix, '%%PREFIX%% expanded');

$r = $t->http(undef, undef, raw => "GET / HTTP/1.0\r\n\r\n");
is($r->{status}, 200, 'raw request');
is($r->{protocol}, 'HTTP/1.1', 'protocol');

# proxying to a recording backend

$r = $t->http_json('POST', '/be/items?x=1&y=2',
                   headers => ['X-Api-Key' => 'abc', 'X-Dup' => '1',
                               'X-Dup' => '2',
                               'Content-Type' => 'application/json'],
                   body => '{"name":"rex"}');
is($r->{status}, 200, 'proxied status');
is($r->{headers}{'x-backend'}, 'a', 'proxied header');
is_deeply($r->{json}, { ok => JSON::PP::true }, 'http_json decodes body');

my $req = $be->last_request;
is($req->{method}, 'POST', 'backend got method');
is($req->{uri}, '/items?x=1&y=2', 'backend got uri');
is($req->{path}, '/items', 'backend got path');
is($req->{query}, 'x=1&y=2', 'backend got query');
is($req->{headers}{'x-api-key'}, 'abc', 'backend got header');
is($req->{headers}{'content-type'}, 'application/json', 'content type');
my @dup = grep { lc $_->[0] eq 'x-dup' } @{$req->{header_list}};
is_deeply([map { $_->[1] } @dup], ['1', '2'],
          'backend got repeated headers in order');
is($req->{body}, '{"name":"rex"}', 'backend got body');
is(scalar($be->requests), 1, 'one request recorded');

$r = $t->http_json('GET', '/');
is($r->{json}, undef, 'http_json: not JSON');

# upstream failures

$r = $t->http('GET', '/be/hang');
is($r->{status}, 504, 'hanging backend: 504');
ok($r->{elapsed} >= 0.9 && $r->{elapsed} < 4, 'hanging backend: after 1s')
    or diag("elapsed $r->{elapsed}");

is($t->http('GET', '/be/close')->{status}, 502, 'closing backend: 502');
is($t->http('GET', '/be/reset')->{status}, 502, 'resetting backend: 502');
is($t->http('GET', '/be/raw')->{status}, 502, 'malformed response: 502');
is($t->http('GET', '/down/')->{status}, 502, 'backend not listening: 502');

$r = $t->http('GET', '/be/delay');
is($r->{status}, 201, 'delayed answer');
is($r->{body}, 'late', 'delayed body');
ok($r->{elapsed} >= 0.5, 'delay applied');

$r = $t->http('GET', '/be/chunked');
is($r->{status}, 200, 'chunked backend');
is($r->{headers}{'transfer-encoding'}, 'chunked', 'client got chunked');
is($r->{body}, 'hello chunks', 'client decoded chunked body');
ok(!$r->{incomplete}, 'chunked body complete');

is(scalar(grep { $_->{path} eq '/hang' } $be->requests), 1,
   'hanging request recorded');

$be->clear;
is(scalar($be->requests), 0, 'clear');

is($t->http('GET', '/be/seq')->{body}, 'seq=1', 'handler sees seq 1');
is($t->http('GET', '/be/seq')->{body}, 'seq=2', 'handler sees seq 2');

# the backend stub spoken to directly

$r = $t->http_json('POST', '/x?a=%20', port => $echo->port,
                   body => "\xff\x00\xfe\n");
is($r->{json}{method}, 'POST', 'default handler echoes');
is($echo->last_request->{body}, "\xff\x00\xfe\n", 'binary body recorded');
is($echo->last_request->{query}, 'a=%20', 'raw query');

$r = $t->http(undef, undef, port => $echo->port, raw =>
              "PUT /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
              . "Transfer-Encoding: chunked\r\n\r\n"
              . "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-T: 1\r\n\r\n");
is($r->{status}, 200, 'chunked request');
is($echo->last_request->{body}, 'hello world', 'chunked request body');

$echo->clear;
$r = $t->http(undef, undef, port => $echo->port, raw =>
              "GET /k1 HTTP/1.1\r\nHost: x\r\n\r\n"
              . "GET /k2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
my @k = $echo->requests;
is(scalar(@k), 2, 'keep-alive: two requests on one connection');
is($k[1]{conn}, $k[0]{conn}, 'keep-alive: same connection');
is($k[1]{conn_seq}, 2, 'keep-alive: second on connection');
is(() = $r->{raw} =~ m{HTTP/1\.1 200}g, 2, 'keep-alive: two answers');

$r = $t->http('GET', '/', port => $t->port(5), timeout => 1);
is($r->{status}, 0, 'connection refused: status 0');
ok($r->{error}, 'connection refused: error');

my $hang = $t->backend(handler => sub { 'hang' });
$r = $t->http('GET', '/', port => $hang->port, timeout => 0.5);
is($r->{status}, 0, 'client timeout: status 0');
is($r->{error}, 'timeout', 'client timeout: error');

is($t->http('GET', '/x', port => $t->backend(handler => sub { 204 })->port)
   ->{status}, 204, 'handler may answer a bare status');

# a forked child that exits normally must not clean up the parent's nginx

my $pid = fork;
if ($pid == 0) {
    exit 0;
}
waitpid($pid, 0);

is($t->http('GET', '/')->{body}, 'hello', 'child exit leaves nginx running');

# reload

my @old = $t->worker_pids;

$t->write_conf(conf('reloaded'), no_module => 1);
ok($t->reload, 'reload');
is($t->http('GET', '/')->{body}, 'reloaded', 'reload: new config');
my %old = map { $_ => 1 } @old;
ok(@old && !grep({ $old{$_} } $t->worker_pids), 'reload: new workers');
is(($t->nginx_test)[0], 0, 'nginx -t while running');

$t->write_conf(conf('broken') . "\n    nonsense_directive on;\n",
               no_module => 1);

($rc, $out) = $t->nginx_test;
isnt($rc, 0, 'nginx -t refuses a broken config');
like($out, qr/unknown directive "nonsense_directive"/, 'nginx -t output');

ok(!$t->reload, 'reload of a broken config fails');
is($t->http('GET', '/')->{body}, 'reloaded', 'old config still serves');

ok(scalar $t->log_lines(qr/\[emerg\].*nonsense_directive/),
   'log_lines finds the emerg');
is(scalar $t->log_alerts, 0, 'expected emerg is not an alert');

# a failed start

my $t2 = Apigw::Test->new;
$t2->write_conf("    bogus;\n", no_module => 1);
ok(!eval { $t2->run; 1 }, 'broken config: run dies');
like($@, qr/unknown directive "bogus"/, 'run error has the reason');
is(scalar $t2->log_alerts, 0, 'failed start: emerg expected');

open(my $fh, '>>', $t2->prefix . '/error.log') or die;
print $fh "2024/01/01 00:00:00 [alert] 1#1: something bad\n";
print $fh "2024/01/01 00:00:00 [emerg] 1#1: late emerg\n";
print $fh "==1==ERROR: AddressSanitizer: heap-use-after-free\n";
print $fh "x.c:1:2: runtime error: signed integer overflow\n";
print $fh "2024/01/01 00:00:00 [error] 1#1: fine\n";
close $fh;
is(scalar $t2->log_alerts, 4, 'log_alerts finds alerts, emerg, sanitizers');

# a private redis-server

SKIP: {
    skip 'no redis-server', 3 unless -x '/usr/bin/redis-server';

    my $redis = $t->redis(port => $t->port(6));
    is($redis->command('SET', 'k', "v \xff"), 'OK', 'redis SET');
    is($redis->command('GET', 'k'), "v \xff", 'redis GET');
    $redis->stop;
    ok(!eval { $redis->command('PING'); 1 }, 'redis stopped');
}

# stop

my $master = $t->master_pid;
my $bepid = $be->pid;
$t->stop;
ok(!kill(0, $master) || `cat /proc/$master/stat 2>/dev/null` =~ /\) Z /,
   'nginx stopped');
$be->stop;
ok(!kill(0, $bepid), 'backend stopped');
is($t->http('GET', '/', port => $be->port, timeout => 1)->{status}, 0,
   'backend port closed');

$t->write_conf(conf('again'), no_module => 1);
$t->run;
is($t->http('GET', '/')->{body}, 'again', 'run after stop');

$t->check_log;

done_testing;
