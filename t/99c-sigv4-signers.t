#!/usr/bin/perl

# The gateway's SigV4 signer (apigw_sigv4.c, run by build/apigw-sigv4-sign)
# beside two others on a set of requests of our own (t/sigv4-requests.json):
# AWS's own signer, @smithy/signature-v4, the one the AWS SDK for
# JavaScript v3 signs with, and the aws4 package (tools/sigv4-sign.js; both
# from npm, scripts/npm-tools). Each request gets the same canonical
# request, string to sign and Authorization header from the three; where
# aws4 signs a request otherwise, the data file says why, the gateway is
# held to AWS's signer and aws4 is checked to still differ. Where the data
# file states a canonical URI, query or header lines, the gateway's are
# those. Keys and date are fixed: nothing depends on the clock. No nginx is
# started.

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use Cwd qw(abs_path);
use Digest::SHA qw(sha256_hex);
use Encode qw(encode);
use File::Basename qw(dirname);
use JSON::PP;
use Apigw::Test;

my $repo = abs_path(dirname(abs_path(__FILE__)) . '/..');
my $json = JSON::PP->new->utf8->canonical;

# every signer is part of the test: one missing, the test fails

my %signers = Apigw::Test::sigv4_signers();

ok($signers{ours}, 'build/apigw-sigv4-sign is built (make tools)')
    or do { done_testing(); exit 1 };
ok($signers{npm}, 'node, @smithy/signature-v4 and aws4 are installed '
                  . '(scripts/npm-tools)')
    or do { done_testing(); exit 1 };

my $data = do {
    open(my $fh, '<', "$repo/t/sigv4-requests.json")
        or die "t/sigv4-requests.json: $!";
    local $/;
    $json->decode(<$fh>);
};

my %defaults = %{$data->{defaults}};
my @requests = @{$data->{requests}};

# each request as the tools read it: Host and X-Amz-Date first unless it
# has its own, its keys, region and service

my @lines;

for my $rq (@requests) {
    my %has = map { lc $_->[0] => 1 } @{$rq->{headers} // []};
    my @headers;

    push @headers, ['Host', $rq->{host} // $defaults{host}]
        unless $has{host};
    push @headers, ['X-Amz-Date', $defaults{date}]
        unless $has{'x-amz-date'};
    push @headers, @{$rq->{headers} // []};

    my %d = (method => $rq->{method}, target => $rq->{target},
             headers => \@headers, body => $rq->{body} // '');

    $d{$_} = $rq->{$_} // $defaults{$_}
        for qw(access_key secret_key region service);

    my ($sha) = map { $_->[1] } grep { lc $_->[0] eq 'x-amz-content-sha256' }
                                     @headers;

    # the data file's own mistake, not a signer's
    is($sha, sha256_hex(encode('UTF-8', $d{body})),
       "$rq->{name}: X-Amz-Content-Sha256 is the body's SHA-256")
        if defined $sha;

    push @lines, \%d;
}

my ($rc, @ours) = Apigw::Test::json_lines($signers{ours}, @lines);
is($rc, 0, 'build/apigw-sigv4-sign exits 0');

($rc, my @peers) = Apigw::Test::json_lines($signers{npm}, @lines);
is($rc, 0, 'tools/sigv4-sign.js exits 0');

is(scalar @ours, scalar @requests,
   'build/apigw-sigv4-sign signed every request');
is(scalar @peers, scalar @requests,
   'tools/sigv4-sign.js signed every request');

for my $i (0 .. $#requests) {
    my $rq = $requests[$i];
    my $name = $rq->{name};
    my $our = $ours[$i] // {};
    my $smithy = $peers[$i]{smithy} // {};
    my $aws4 = $peers[$i]{aws4} // {};

    my $region = $rq->{region} // $defaults{region};
    my $service = $rq->{service} // $defaults{service};

    like($our->{authorization} // '',
         qr{^AWS4-HMAC-SHA256[ ]Credential=$defaults{access_key}/
            \Q@{[substr($defaults{date}, 0, 8)]}/$region/$service\E
            /aws4_request,[ ]SignedHeaders=[a-z0-9;-]+,[ ]
            Signature=[0-9a-f]{64}$}x,
         "$name: an Authorization header ($rq->{what})");

    for my $part (qw(canonical_request string_to_sign authorization)) {
        is($our->{$part}, $smithy->{$part},
           "$name: the $part of \@smithy/signature-v4")
            or diag("ours:\n" . ($our->{$part} // '(none)')
                    . "\n\@smithy/signature-v4's:\n"
                    . ($smithy->{$part} // '(none)'));
    }

    if (defined $rq->{aws4}) {
        # AWS's own signer decides; aws4's difference is still there
        isnt($aws4->{authorization}, $our->{authorization},
             "$name: aws4 signs it otherwise, as the data file says");

    } else {
        for my $part (qw(canonical_request string_to_sign authorization)) {
            is($our->{$part}, $aws4->{$part}, "$name: the $part of aws4")
                or diag("ours:\n" . ($our->{$part} // '(none)')
                        . "\naws4's:\n" . ($aws4->{$part} // '(none)'));
        }
    }

    my (undef, $uri, $query) = split /\n/, $our->{canonical_request} // '', 4;

    is($uri, $rq->{uri}, "$name: the canonical URI is $rq->{uri}")
        if defined $rq->{uri};
    is($query, $rq->{query}, "$name: the canonical query is $rq->{query}")
        if defined $rq->{query};

    for my $lines (@{$rq->{contains} // []}) {
        (my $shown = $lines) =~ s/\n/\\n/g;

        ok(index("\n" . ($our->{canonical_request} // '') . "\n",
                 "\n$lines\n") >= 0,
           "$name: the canonical request has $shown");
    }
}

done_testing();
