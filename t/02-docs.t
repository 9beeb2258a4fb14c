#!/usr/bin/perl

# The documentation: every relative link in README.md and docs/*.md leads to
# a file of the repository and, with a #fragment, to a heading of that page;
# every directive of the module's command tables has its entry in
# docs/configuration.md, every $apigw_* variable is documented, every gateway
# response type is in docs/gateway-responses.md with its status, every
# x-apigw-* and x-amazon-apigateway-* extension the spec loader reads is
# named somewhere in docs/; README.md stays under 300 lines.  No nginx runs.

use strict;
use warnings;

use Test::More;
use File::Basename qw(dirname);
use File::Spec;
use Cwd qw(realpath);

my $root = realpath(dirname(__FILE__) . '/..');
my $src = "$root/ngx_apigw_module";

sub slurp {
    my ($path) = @_;
    open(my $fh, '<', $path) or return undef;
    local $/;
    my $text = <$fh>;
    close($fh);
    return $text;
}

# GitHub's anchor for a heading: inline markup and link targets dropped,
# lower case, punctuation but "-" and "_" removed, spaces made hyphens
sub slug {
    my ($text) = @_;
    $text =~ s/\[([^\]]*)\]\([^)]*\)/$1/g;
    $text = lc($text);
    $text =~ s/[^\w\- ]//g;
    $text =~ s/ /-/g;
    return $text;
}

# a page's lines outside fenced and indented code blocks, and its anchors
my %pages;

sub page {
    my ($path) = @_;

    return $pages{$path} if exists $pages{$path};

    my $text = slurp($path);
    return $pages{$path} = undef unless defined $text;

    my (@lines, %anchors, %seen);
    my ($fence, $indented, $prev_blank) = (undef, 0, 1);
    my $n = 0;

    for my $line (split(/\n/, $text)) {
        $n++;

        if (defined $fence) {
            undef $fence if $line =~ /^\s*\Q$fence\E\s*$/;
            next;
        }

        if ($line =~ /^\s*(```+|~~~+)/) {
            $fence = $1;
            next;
        }

        if ($line =~ /^(?: {4}|\t)/ && ($prev_blank || $indented)) {
            $indented = 1;
            next;
        }

        $indented = 0 if $line =~ /\S/;
        $prev_blank = $line !~ /\S/;

        if ($line =~ /^#{1,6}\s+(.*?)\s*#*\s*$/) {
            my $slug = slug($1);
            my $id = $seen{$slug}++ ? "$slug-" . ($seen{$slug} - 1) : $slug;
            $anchors{$id} = 1;
        }

        push @lines, [$n, $line];
    }

    return $pages{$path} = { lines => \@lines, anchors => \%anchors,
                             text => $text };
}

my @docs = ("$root/README.md", sort glob("$root/docs/*.md"));

ok(-f "$root/docs/README.md", 'docs/README.md indexes the pages');

for my $doc (@docs) {
    (my $name = $doc) =~ s{^\Q$root\E/}{};
    my $page = page($doc);
    my @bad;

    for my $l (@{$page->{lines}}) {
        my ($n, $line) = @$l;

        # inline code may hold "](" of its own
        $line =~ s/(`+).*?\1//g;

        while ($line =~ /\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g) {
            my $target = $1;

            next if $target =~ m{^[a-z][a-z0-9+.-]*:}i;  # http:, mailto:

            my ($file, $frag) = split(/#/, $target, 2);
            my $path = $file eq ''
                ? $doc
                : File::Spec->canonpath(dirname($doc) . "/$file");

            if (!-e $path) {
                push @bad, "line $n: $target: no such file";
                next;
            }

            if (index(realpath($path) // '', "$root/") != 0) {
                push @bad, "line $n: $target: outside the repository";
                next;
            }

            next unless defined $frag && $frag ne '';

            if ($path !~ /\.md$/ || -d $path) {
                push @bad, "line $n: $target: a fragment of a non-page";
                next;
            }

            my $target_page = page($path);

            push @bad, "line $n: $target: no heading \"#$frag\""
                unless $target_page->{anchors}{$frag};
        }
    }

    is(join("\n", @bad), '', "$name: links resolve");

    my @outside = grep { m{\.\./shared/|/work/} } split(/\n/, $page->{text});
    is(join("\n", @outside), '',
       "$name: nothing outside the repository referred to");
}

# README.md leads; the reference lives in docs/

my @readme = split(/\n/, slurp("$root/README.md"), -1);
pop @readme if @readme && $readme[-1] eq '';
cmp_ok(scalar(@readme), '<=', 300, 'README.md has at most 300 lines');

# every directive has its entry in docs/configuration.md

my $config = page("$root/docs/configuration.md");
my $config_text = $config ? $config->{text} : '';
my @directives;

for my $c (sort glob("$src/*.c")) {
    my $text = slurp($c);

    while ($text =~ /ngx_command_t\s+\w+\[\]\s*=\s*\{(.*?)ngx_null_command/sg)
    {
        my $table = $1;
        push @directives, $table =~ /ngx_string\("([^"]+)"\)/g;
    }
}

cmp_ok(scalar(@directives), '>=', 13, 'directives found in command tables');

for my $d (@directives) {
    ok($config && $config->{anchors}{slug($d)},
       "directive $d has a heading in docs/configuration.md");
    ok($config_text =~ /^Syntax:\s+\Q$d\E\b.*\nDefault:.*\nContext:/m,
       "directive $d: syntax, default and context");
}

# every variable is documented

my $vtext = slurp("$src/ngx_http_apigw_variables.c") // '';
my ($vtable) = $vtext =~ /ngx_http_variable_t\s+\w+\[\]\s*=\s*\{(.*?)
                          ngx_http_null_variable/sx;
my @variables = ($vtable // '') =~ /ngx_string\("([^"]+)"\)/g;
my $var_docs = join('', map { slurp("$root/docs/$_") // '' }
                            qw(configuration.md operations.md));

cmp_ok(scalar(@variables), '>=', 11, 'variables found');

for my $v (@variables) {
    ok($var_docs =~ /`\$\Q$v\E`/, "variable \$$v is documented");
}

# every gateway response type, with its status

my $gr = slurp("$root/docs/gateway-responses.md") // '';
my $stext = slurp("$src/apigw_spec.c") // '';
my ($grtable) = $stext =~ /apigw_gr_defaults\[[^\]]*\]\s*=\s*\{(.*?)\};/s;
my %types = ($grtable // '') =~ /\{\s*"([A-Z0-9_]+)",\s*(\d+)/g;

cmp_ok(scalar(keys %types), '>=', 20, 'gateway response types found');

for my $t (sort keys %types) {
    ok($gr =~ /^\|\s*`?$t`?\s*\|\s*$types{$t}\b/m,
       "gateway response $t ($types{$t}) is documented");
}

# every extension the spec loader reads

my $all_docs = join('', map { slurp($_) // '' } glob("$root/docs/*.md"));
my %ext;

for my $c (glob("$src/*.c")) {
    $ext{$_} = 1 for (slurp($c) // '') =~
        /"(x-(?:apigw|amazon-apigateway)-[a-z-]+)"/g;
}

cmp_ok(scalar(keys %ext), '>=', 5, 'extensions found');

for my $e (sort keys %ext) {
    ok($all_docs =~ /`\Q$e\E`/, "extension $e is documented");
}

done_testing();
