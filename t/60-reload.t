#!/usr/bin/perl

# nginx -s reload with a changed spec: new routes take effect, removed ones
# answer 403, and a request in flight during the reload completes.

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use IO::Socket::INET;
use Apigw::Test;

plan(skip_all => 'module not built') unless Apigw::Test::have_module();

my $t = Apigw::Test->new;

my $be = $t->backend(port => $t->port(2), handler => sub {
    my ($req) = @_;
    return { delay => 1.5, status => 200, body => 'slow done' }
        if $req->{path} eq '/slow';
    return (200, [], "backend $req->{path}");
});

sub spec {
    my ($extra) = @_;
    $t->write_file('api.yaml', <<"YAML");
openapi: 3.0.3
info: {title: reload, version: "1"}
paths:
  /slow:
    get: {}
$extra
YAML
}

spec("  /old:\n    get: {}\n");

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

is($t->http('GET', '/old')->{status}, 200, 'before reload: /old routed');
is($t->http('GET', '/new')->{status}, 403, 'before reload: /new unknown');

# a request in flight across the reload
my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1:' . $t->port(1))
    or die "connect: $!";
print $s "GET /slow HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
select(undef, undef, undef, 0.3);

spec("  /new:\n    get: {}\n");
ok($t->reload, 'reload with a changed spec');

is($t->http('GET', '/new')->{status}, 200, 'after reload: /new routed');
is($t->http('GET', '/old')->{status}, 403, 'after reload: /old is gone');

my $answer = '';
$s->timeout(10);
while (sysread($s, my $buf, 4096)) {
    $answer .= $buf;
}
like($answer, qr{^HTTP/1.1 200}, 'in-flight request completed after reload');
like($answer, qr{slow done$}, 'in-flight request got its whole body');

# a broken spec is refused by reload: the running configuration stays
spec("  /broken:\n    get:\n      parameters:\n"
     . "        - \$ref: '#/components/parameters/Nope'\n");
my ($rc, $out) = $t->nginx_test;
isnt($rc, 0, 'nginx -t refuses the broken spec');
like($out, qr/Nope/, 'nginx -t says why');
$t->reload;
is($t->http('GET', '/new')->{status}, 200,
   'a failed reload keeps the previous spec');

$t->check_log(allow => qr/Nope/);

done_testing;
