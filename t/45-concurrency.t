#!/usr/bin/perl

# Deadlines under concurrency and aborts: many requests waiting on a hung
# backend all get their 504 on time; a client that goes away mid-integration
# leaves nothing armed behind; requests on one keep-alive connection each
# get their own route and request id.

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use IO::Select;
use IO::Socket::INET;
use Time::HiRes qw(time sleep);
use Apigw::Test;

plan(skip_all => 'module not built') unless Apigw::Test::have_module();

my $t = Apigw::Test->new;

my $be = $t->backend(port => $t->port(2), handler => sub {
    my ($req) = @_;
    return 'hang' if $req->{path} eq '/hang';
    return (200, ['Content-Type' => 'text/plain'], "ok $req->{path}");
});

$t->write_file('api.yaml', $t->expand(<<'YAML'));
openapi: 3.0.3
info: {title: concurrency, version: "1"}
paths:
  /hang:
    get:
      x-apigw-integration:
        type: http
        uri: "http://127.0.0.1:%%PORT_2%%/hang"
        timeout: 700
  /a:
    get: {operationId: a}
  /b/{id}:
    get: {operationId: b}
YAML

$t->write_conf(<<'CONF');
    apigw_api api %%PREFIX%%/api.yaml;

    server {
        listen 127.0.0.1:%%PORT%%;

        location / {
            apigw api;
            apigw_backend http://127.0.0.1:%%PORT_2%%;
        }
    }
CONF

$t->run;

my $port = $t->port(1);

sub connect_gw {
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port")
        or die "connect: $!";
    return $s;
}

# 30 requests at once on a hung backend
my $n = 30;
my $start = time;
my @socks;

for (1 .. $n) {
    my $s = connect_gw();
    print $s "GET /hang HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    push @socks, $s;
}

my %answer;
my $sel = IO::Select->new(@socks);

while ($sel->count && time - $start < 10) {
    for my $s ($sel->can_read(1)) {
        my $n = sysread($s, my $buf, 65536);
        if ($n) {
            $answer{$s} .= $buf;
            next;
        }
        $answer{$s . 'at'} = time - $start;
        $sel->remove($s);
        close $s;
    }
}

my @timed_out = grep { /^HTTP\/1.1 504 .*Endpoint request timed out/s }
                map { $answer{$_} // '' } @socks;
is(scalar @timed_out, $n, "all $n concurrent requests got the 504");
my @late = grep { ($answer{$_ . 'at'} // 99) > 3 } @socks;
is(scalar @late, 0, 'each within a few seconds of its 700 ms deadline');

# a client that leaves while its integration is under way
for (1 .. 5) {
    my $s = connect_gw();
    print $s "GET /hang HTTP/1.1\r\nHost: x\r\n\r\n";
    sleep 0.05;
    close $s;
}

# past the deadlines of the abandoned requests
sleep 1.2;

my $r = $t->http('GET', '/a');
is($r->{status}, 200, 'the worker serves after abandoned integrations');

# several requests on one keep-alive connection
my $s = connect_gw();
print $s "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
       . "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
       . "GET /b/7 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

my $all = '';
$s->timeout(5);
while (sysread($s, my $buf, 65536)) {
    $all .= $buf;
}

my @status = $all =~ m{HTTP/1.1 (\d+) }g;
is("@status", "200 403 200", "pipelined keep-alive requests routed in turn")
    or diag($all);
like($all, qr/ok \/a.*Missing Authentication Token.*ok \/b\/7/s,
     'each got its own answer');
my @ids = $all =~ /^x-amzn-RequestId: (\S+)/mig;
is(scalar @ids, 3, 'each response has a request id');
my %uniq = map { $_ => 1 } @ids;
is(scalar keys %uniq, 3, 'the request ids differ');

$t->check_log;

done_testing;
