#!/usr/bin/perl

# A tiny in-memory petstore behind the apigw demo (core Perl only).
#
#   perl backend.pl [PORT]        listens on 127.0.0.1:PORT (default 9000)
#
# One process serves one connection at a time and answers with
# "Connection: close", so every request sees the same store.
# GET /pets/{id}/photo?delay=SECONDS answers late, to show the gateway's
# 2 s integration timeout.

use strict;
use warnings;

use IO::Socket::INET;
use JSON::PP;
use POSIX qw(strftime);

my $port = shift // 9000;
die "usage: $0 [PORT]\n" unless $port =~ /^\d+$/ && $port > 0 && $port < 65536;

# nginx's default client_max_body_size: the gateway never sends more
my $MAX_BODY = 1024 * 1024;

my %REASON = (
    200 => 'OK', 201 => 'Created', 204 => 'No Content',
    400 => 'Bad Request', 404 => 'Not Found', 405 => 'Method Not Allowed',
    408 => 'Request Timeout', 413 => 'Payload Too Large',
    415 => 'Unsupported Media Type',
);

my $json = JSON::PP->new->utf8->canonical;

my %pets = (
    1 => { id => 1, name => 'Fido', tag => 'dog' },
    2 => { id => 2, name => 'Tom', tag => 'cat' },
    3 => { id => 3, name => 'Bubbles', tag => 'fish' },
);
my $next_id = 4;

# a client that gave up (the gateway's timeout) must not kill the server
$SIG{PIPE} = 'IGNORE';

# log lines reach backend.log as they happen
$| = 1;

my $server = IO::Socket::INET->new(
    LocalAddr => '127.0.0.1',
    LocalPort => $port,
    Proto     => 'tcp',
    Listen    => 64,
    ReuseAddr => 1,
) or die "backend: cannot listen on 127.0.0.1:$port: ",
         $@ =~ s/^IO::Socket::INET: //r, "\n";

logmsg("listening on 127.0.0.1:$port");

while (1) {
    my $c = $server->accept or next;
    serve($c);
    close $c;
}


sub logmsg {
    print strftime('[%Y-%m-%d %H:%M:%S] ', localtime), @_, "\n";
}


sub serve {
    my ($c) = @_;

    my $req = eval {
        # a silent client must not hold up everyone else
        local $SIG{ALRM} = sub { die "timeout\n" };
        alarm 5;
        my $r = read_request($c);
        alarm 0;
        $r;
    };
    alarm 0;

    if (!defined $req) {
        # a timeout, or a connection closed before a request (a port probe)
        respond($c, 408, { message => 'Request Timeout' }) if $@;
        return;
    }

    my ($status, $data) = $req->{error} ? @{ $req->{error} } : route($req);

    respond($c, $status, $data, $req->{method} eq 'HEAD');

    logmsg("$req->{method} $req->{target} -> $status (x-amzn-RequestId: ",
           $req->{headers}{'x-amzn-requestid'} // '-', ')');
}


# undef when the connection closes before a request; {error => [status,
# data]} for a request that cannot be served
sub read_request {
    my ($c) = @_;

    my $line = <$c>;
    return undef unless defined $line;

    $line =~ s/\r?\n\z//;
    my ($method, $target) = $line =~ m{^([A-Z]+) (/\S*) HTTP/1\.[01]$};
    my %req = (method => $method // '-', target => $target // '-',
               headers => {});

    return { %req, error => [400, { message => 'Bad request line' }] }
        unless defined $method;

    my $headers = $req{headers};

    while (defined(my $h = <$c>)) {
        $h =~ s/\r?\n\z//;
        last if $h eq '';
        my ($name, $value) = $h =~ /^([^:\s]+):\s*(.*?)\s*$/ or next;
        $headers->{lc $name} = $value;
    }

    my $body = '';
    my $len = $headers->{'content-length'} // 0;

    return { %req, error => [400, { message => 'Bad Content-Length' }] }
        unless $len =~ /^\d+$/;
    return { %req, error => [413, { message => 'Payload Too Large' }] }
        if $len > $MAX_BODY;

    while (length($body) < $len) {
        my $n = read($c, $body, $len - length($body), length($body));
        last unless $n;
    }

    my ($path, $query) = split /\?/, $req{target}, 2;
    my %args = map { my ($k, $v) = split /=/, $_, 2; ($k => $v // '') }
               grep { length } split /&/, $query // '';

    return { %req, path => $path, args => \%args, body => $body };
}


sub route {
    my ($req) = @_;
    my $m = $req->{method} eq 'HEAD' ? 'GET' : $req->{method};
    my $path = $req->{path};

    if ($path eq '/pets') {
        return list_pets($req) if $m eq 'GET';
        return create_pet($req) if $m eq 'POST';
        return 405, { message => 'Method Not Allowed' };
    }

    if ($path =~ m{^/pets/([^/]+)(/photo)?$}) {
        my ($id, $photo) = ($1, $2);

        return 405, { message => 'Method Not Allowed' }
            unless $m eq 'GET' || ($m eq 'DELETE' && !$photo);
        return 400, { message => 'petId must be a positive integer' }
            unless $id =~ /^[1-9][0-9]{0,17}$/;
        return 404, { message => "Pet $id not found" } unless $pets{$id};

        return get_photo($req, $id) if $photo;
        return 200, $pets{$id} if $m eq 'GET';

        delete $pets{$id};
        return 204, undef;
    }

    return 404, { message => 'Not Found' };
}


sub list_pets {
    my ($req) = @_;
    my $limit = $req->{args}{limit} // 20;

    return 400, { message => 'limit must be an integer from 1 to 100' }
        unless $limit =~ /^[0-9]{1,3}$/ && $limit >= 1 && $limit <= 100;

    my @ids = sort { $a <=> $b } keys %pets;
    splice @ids, $limit if @ids > $limit;

    return 200, [map { $pets{$_} } @ids];
}


sub create_pet {
    my ($req) = @_;
    my $type = $req->{headers}{'content-type'} // '';

    return 415, { message => 'Send the pet as application/json' }
        unless $type =~ m{^application/json\b}i;

    my $in = eval { $json->decode($req->{body}) };

    return 400, { message => 'The body is not valid JSON' }
        unless defined $in;
    return 400, { message => 'The body must be an object with a "name"' }
        unless ref $in eq 'HASH' && defined $in->{name} && !ref $in->{name}
               && length $in->{name};
    return 400, { message => '"tag" must be a string' }
        if defined $in->{tag} && ref $in->{tag};

    my $pet = { id => $next_id++, name => "$in->{name}" };
    $pet->{tag} = "$in->{tag}" if defined $in->{tag};
    $pets{$pet->{id}} = $pet;

    return 201, $pet;
}


sub get_photo {
    my ($req, $id) = @_;
    my $delay = $req->{args}{delay};

    if (defined $delay) {
        return 400, { message => 'delay must be from 0 to 10 seconds' }
            unless $delay =~ /^\d+(\.\d+)?$/ && $delay <= 10;
        select(undef, undef, undef, $delay);
    }

    return 200, { petId => $id + 0,
                  url => "https://images.example.com/pets/$id.jpg" };
}


sub respond {
    my ($c, $status, $data, $head_only) = @_;

    my $body = defined $data ? $json->encode($data) : '';
    my $head = "HTTP/1.1 $status $REASON{$status}\r\nConnection: close\r\n";

    # a 204 has neither a body nor a length
    if ($status != 204) {
        $head .= "Content-Type: application/json\r\n"
                 . 'Content-Length: ' . length($body) . "\r\n";
    }

    print $c $head, "\r\n", $head_only ? '' : $body;
}
