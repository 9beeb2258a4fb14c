package Apigw::Metrics;

# The Prometheus page (apigw_prometheus) for the tests of the features
# that count in it: the page scraped into its samples, a family's count
# for some of its labels, and promtool's verdict on the page.

use strict;
use warnings;

use Exporter qw(import);

our @EXPORT_OK = qw(scrape count promtool);

my $PROMTOOL = $ENV{PROMTOOL} // '/usr/bin/promtool';

# the page of $t at $uri ("/metrics"): { 'name{labels}' => value } and the
# page's text; $get, when given, fetches it instead ($get->() returns the
# text), for a page that $t->http cannot reach (TLS)
sub scrape {
    my ($t, $uri, $get) = @_;
    my $body = $get ? $get->() : $t->http('GET', $uri // '/metrics')->{body};
    my %m;

    for my $line (split /\n/, $body // '') {
        next if $line =~ /^#/;
        $m{$1} = $2 if $line =~ /^(\S+(?:\{.*\})?) (\S+)$/;
    }

    return (\%m, $body // '');
}

# the sum of $family's samples whose labels include every pair of %labels
# (0 when none has counted)
sub count {
    my ($m, $family, %labels) = @_;
    my $n = 0;

    SAMPLE:
    for my $k (keys %$m) {
        my ($name, $l) = $k =~ /^([^{]+)(?:\{(.*)\})?$/ or next;
        next unless $name eq $family;

        my %have = ($l // '') =~ /(\w+)="((?:[^"\\]|\\.)*)"/g;

        for my $want (keys %labels) {
            next SAMPLE unless defined $have{$want}
                               && $have{$want} eq $labels{$want};
        }

        $n += $m->{$k};
    }

    return $n;
}

# promtool check metrics on the text: (1, '') when it passes, else (0, what
# it said); (0, why) without promtool (scripts/bootstrap-deps installs it)
sub promtool {
    my ($t, $text) = @_;

    return (0, "no promtool at $PROMTOOL") unless -x $PROMTOOL;

    $t->write_file('promtool-page.txt', $text);
    my $file = $t->prefix . '/promtool-page.txt';
    my $out = `$PROMTOOL check metrics < $file 2>&1`;

    return ($? == 0 ? 1 : 0, $out);
}

1;
