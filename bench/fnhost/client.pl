#!/usr/bin/perl

# Warm invocations through the function host's Invoke API on its unix
# socket: C clients, each on one kept-alive connection, POSTing the same
# event for S seconds; prints requests/s and the statuses.
#
#     client.pl SOCKET FUNCTION CLIENTS SECONDS

use strict;
use warnings;

use IO::Socket::UNIX;
use Socket qw(SOCK_STREAM);
use Time::HiRes qw(time);

my ($sock, $fn, $clients, $seconds) = @ARGV;
$clients //= 4;
$seconds //= 5;

my $event = '{"httpMethod":"GET","path":"/hello",'
            . '"queryStringParameters":{"name":"bench"}}';
my $req = "POST /2015-03-31/functions/$fn/invocations HTTP/1.1\r\n"
          . "Host: fnhost\r\nContent-Type: application/json\r\n"
          . 'Content-Length: ' . length($event) . "\r\n\r\n$event";

pipe(my $r, my $w) or die;

for (1 .. $clients) {
    next if fork;
    close $r;

    my $s = IO::Socket::UNIX->new(Peer => $sock, Type => SOCK_STREAM)
        or die "connect: $!";
    my ($n, $bad, $buf) = (0, 0, '');
    my $end = time + $seconds;

    while (time < $end) {
        syswrite($s, $req) or die "write: $!";

        for (;;) {
            sysread($s, $buf, 65536, length $buf) or die "read: $!";
            next unless $buf =~ /\r\n\r\n/;
            my ($len) = $buf =~ /Content-Length: (\d+)/i;
            my $head = index($buf, "\r\n\r\n") + 4;
            next if length($buf) < $head + $len;
            $bad++ unless $buf =~ m{^HTTP/1\.1 200 };
            $buf = substr($buf, $head + $len);
            last;
        }

        $n++;
    }

    print $w "$n $bad\n";
    exit 0;
}

close $w;

my ($total, $bad) = (0, 0);

while (<$r>) {
    my ($n, $b) = split;
    $total += $n;
    $bad += $b;
}

1 while wait != -1;

printf "%d clients, %d s: %d invocations, %.0f/s, %d not 200\n",
       $clients, $seconds, $total, $total / $seconds, $bad;
