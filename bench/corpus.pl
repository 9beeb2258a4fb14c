#!/usr/bin/perl
# The corpus runner's work (bench/corpus.sh installs the corpus and calls
# it): a deterministic sample of the OpenAPI documents under $CORPUS_DIR,
# each fronted by the minimal configuration of README's "Configuration"
# and loaded by `nginx -t` alone, the outcomes classified.  See
# bench/README.md, "Real-world specs".
#
#   bench/corpus.pl            (settings from the environment, below)

use strict;
use warnings;
use Config;
use Digest::MD5 qw(md5_hex);
use File::Find;
use File::Path qw(make_path remove_tree);
use IO::Socket::INET;
use JSON::PP;
use POSIX ();
use Time::HiRes qw(time);

sub env { my ($k, $d) = @_; defined $ENV{$k} && $ENV{$k} ne '' ? $ENV{$k} : $d }

my $DIR     = env('CORPUS_DIR')  // die "corpus: CORPUS_DIR is not set\n";
my $SAMPLE  = env('CORPUS_SAMPLE', 600);
my $SEED    = env('CORPUS_SEED', 1);
my $JOBS    = env('CORPUS_JOBS', 2);
my $TIMEOUT = env('CORPUS_TIMEOUT', 60);
my $RETIME  = env('CORPUS_RETIME', 5);
my $NGINX   = env('CORPUS_NGINX', env('NGINX', '/usr/sbin/nginx'));
delete $ENV{NGINX};    # nginx reads it: sockets inherited on upgrade
my $MODULE  = env('MODULE')      // die "corpus: MODULE is not set\n";
my $OUT     = env('OUT')         // die "corpus: OUT is not set\n";
my $LABEL   = env('CORPUS_LABEL', $DIR);
# CORPUS_DELEGATE=1: the fronting configuration plus "apigw_security_delegate
# all;", which lets the backend check every scheme
my $DELEGATE = env('CORPUS_DELEGATE', 0)
               ? "\n            apigw_security_delegate all;" : '';

$SAMPLE =~ /^(all|[1-9]\d*)$/ or die "corpus: CORPUS_SAMPLE must be a number or 'all'\n";
$JOBS =~ /^[1-9]\d*$/ or die "corpus: CORPUS_JOBS must be a positive number\n";
$TIMEOUT =~ /^\d+(\.\d+)?$/ && $TIMEOUT > 0
    or die "corpus: CORPUS_TIMEOUT must be a number of seconds\n";
$RETIME =~ /^\d+$/ or die "corpus: CORPUS_RETIME must be a number\n";
-d $DIR or die "corpus: $DIR is not a directory\n";
-f $MODULE or die "corpus: $MODULE is missing: run 'make module' first\n";

$DIR =~ s{/+$}{};
my $RUN = "$OUT/run";
remove_tree($RUN);
make_path($RUN);

my @children;    # nginx processes running, killed if the runner stops

sub stop_children {
    kill 'KILL', map { -$_ } @children if @children;
    @children = ();
}

$SIG{INT} = $SIG{TERM} = sub {
    stop_children();
    remove_tree($RUN);
    print STDERR "corpus: interrupted\n";
    exit 130;
};

END {
    stop_children() if @children;
    remove_tree($RUN) if defined $RUN && -d $RUN;
}


# ---- what a document is: version, operations, origin -------------------

my %METHOD = map { $_ => 1 } qw(get put post delete options head patch trace);

# what a path key holds that the router may refuse, whatever the module
# reports first: {frag => 1} for a fragment or query (AWS SDK models put
# the action there), {partial => 1} for a parameter inside a segment
sub path_traits {
    my ($k, $t) = @_;
    $t->{frag} = 1 if $k =~ /[#?]/;
    (my $p = $k) =~ s/[#?].*//s;
    $t->{partial} = 1 if grep { /[{}]/ && !/^\{[^{}]+\}$/ } split m{/}, $p;
}

# one pass over JSON text, strings skipped as wholes: the top-level
# openapi/swagger version, the operations under the top-level "paths"
sub scan_json {
    my ($s, $traits) = @_;
    my ($depth, $ops, $ver) = (0, 0, undef);
    my @key = ('');

    while ($$s =~ /\G[^"{}\[\]]*+(?:"((?:[^"\\]++|\\.)*+)"(\s*+:)?|([{\[])|([}\]]))/gcs) {
        if (defined $2) {
            $key[$depth] = $1;
            $ops++ if $depth == 3 && $key[1] eq 'paths' && $METHOD{$1};
            path_traits($1, $traits)
                if $traits && $depth == 2 && $key[1] eq 'paths';

        } elsif (defined $1) {
            $ver //= "$key[1] $1"
                if $depth == 1 && ($key[1] eq 'openapi' || $key[1] eq 'swagger');

        } elsif (defined $3) {
            $key[++$depth] = '';

        } else {
            $depth--;
        }
    }

    return ($ver, $ops);
}

# block-style YAML, by indentation: good enough for a count
sub scan_yaml {
    my ($s, $traits) = @_;
    my ($ver, $ops);

    $ver = "$1 $3" if $$s =~ /^(openapi|swagger):[ \t]*(["']?)([^"'\s#]+)\2/m;

    if ($$s =~ /^paths:[ \t]*(?:#.*)?\n((?:(?:[ \t]*(?:#.*)?|[ \t]+.*)\n)*)/m) {
        my ($body, $pi, $mi) = ($1, undef, undef);
        $ops = 0;
        for (split /\n/, $body) {
            next unless /^( *)(["']?)([^\s"':#][^"':]*|\/[^"']*)\2:(?:\s|$)/;
            my ($ind, $k) = (length $1, $3);
            $pi //= $ind;
            if ($ind == $pi) { path_traits($k, $traits) if $traits; next }
            $mi //= $ind if $ind > $pi;
            $ops++ if defined $mi && $ind == $mi && $METHOD{$k};
        }
    } elsif ($$s =~ /^paths:[ \t]*\{\s*\}/m) {
        $ops = 0;
    }

    return ($ver, $ops);
}

sub read_file {
    my ($f) = @_;
    open my $fh, '<', $f or die "corpus: $f: $!\n";
    binmode $fh;
    local $/;
    my $s = <$fh>;
    return \$s;
}

# what the document says it is, from its head when that suffices
sub version_of {
    my ($f) = @_;
    open my $fh, '<', $f or die "corpus: $f: $!\n";
    binmode $fh;
    read $fh, my $head, 4096;
    $head //= '';
    if ($head =~ /^\s*\{/) {
        return "$1 $2" if $head =~ /^\s*\{\s*"(openapi|swagger)"\s*:\s*"([^"]*)"/;
        return (scan_json(read_file($f)))[0];
    }
    return (scan_yaml(\$head))[0] // (scan_yaml(read_file($f)))[0];
}

# where APIs.guru had the document from (info/x-origin, its first entry):
# an OpenAPI 3 original, or one the directory converted
sub origin_of {
    my ($s) = @_;
    my ($o) = $$s =~ /"x-origin"\s*:\s*\[\s*(\{.{0,2000}?\})/s;
    ($o) = $$s =~ /^[ \t]+x-origin:[ \t]*\n((?:[ \t]+.*\n){1,10})/m
        unless defined $o;
    return '-' unless defined $o;
    my ($fmt) = $o =~ /"?\bformat"?\s*:\s*["']?(\w+)/;
    my ($v) = $o =~ /"?\bversion"?\s*:\s*["']?(\d+)\./;
    return "openapi $v" if defined $fmt && $fmt eq 'openapi' && $v && $v >= 3;
    return "$fmt $v (converted)" if defined $fmt && defined $v
                                    && $fmt =~ /^(swagger|openapi)$/;
    return "$fmt (converted)" if defined $fmt;
    return 'aws sdk (converted)' if $o =~ /aws2openapi/;
    return '-';
}

sub inspect {
    my ($f) = @_;
    my $s = read_file($f);
    my %t;
    my ($ver, $ops) = $$s =~ /^\s*\{/ ? scan_json($s, \%t) : scan_yaml($s, \%t);
    return ($ver, $ops, length $$s, origin_of($s), \%t);
}


# ---- the documents, the sample -----------------------------------------

my @files;
find({ no_chdir => 1, wanted => sub {
    push @files, substr($_, length($DIR) + 1)
        if -f $_ && /\.(json|ya?ml)$/i;
} }, $DIR);
@files = sort @files;
@files or die "corpus: no .json, .yaml or .yml file under $DIR\n";

my (@candidates, %skipped);
for my $f (@files) {
    my $v = version_of("$DIR/$f");
    if (defined $v && $v !~ /^openapi 3\./) {
        $skipped{$f} = $v;
    } else {
        push @candidates, $f;    # OpenAPI 3.x, or unreadable: nginx -t says
    }
}

# ordered by a hash of the seed and the name: the same sample for the same
# seed, and mostly the same when the directory gains or loses documents
my @sample = sort {
    md5_hex("$SEED/$a") cmp md5_hex("$SEED/$b") or $a cmp $b
} @candidates;
splice @sample, $SAMPLE if $SAMPLE ne 'all' && $SAMPLE < @sample;
@sample = sort @sample;

sub name_of { my $n = shift; $n =~ s/\.(json|ya?ml)$//i; $n }

# read each sampled document once before loading: its figures, and the
# page cache warm so that nginx -t is not timed reading the disk
my %doc;
for my $f (@sample) {
    my ($ver, $ops, $bytes, $origin, $traits) = inspect("$DIR/$f");
    $doc{$f} = { ver => $ver // '-', ops => $ops // '-', bytes => $bytes,
                 origin => $origin, traits => $traits };
}


# ---- nginx -t, one document per run --------------------------------------

sub free_port {
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
                                  LocalPort => 0, ReuseAddr => 1)
        or die "corpus: no free port: $!\n";
    return $s->sockport;
}

sub quote {    # an nginx configuration string
    my $s = shift;
    $s =~ s/(["\\])/\\$1/g;
    return "\"$s\"";
}

# the configuration a newcomer writes (README, "Configuration"), with the
# run's own prefix for everything nginx writes
sub write_conf {
    my ($dir, $spec, $port) = @_;
    my $q = quote($spec);
    open my $fh, '>', "$dir/nginx.conf" or die "corpus: $dir: $!\n";
    print $fh <<CONF;
load_module $MODULE;
pid $dir/nginx.pid;

events {
}

http {
    access_log off;
    client_body_temp_path $dir/client_body_temp;
    proxy_temp_path $dir/proxy_temp;
    fastcgi_temp_path $dir/fastcgi_temp;
    uwsgi_temp_path $dir/uwsgi_temp;
    scgi_temp_path $dir/scgi_temp;

    apigw_api api $q;

    server {
        listen 127.0.0.1:$port;

        location /prod/ {
            apigw api stage=prod;
            apigw_backend http://127.0.0.1:$port/;$DELEGATE
        }
    }
}
CONF
    close $fh or die "corpus: $dir/nginx.conf: $!\n";
}

my @slots = map {
    my $d = "$RUN/slot$_";
    make_path($d);
    { dir => $d, port => free_port(), pid => 0 };
} 1 .. $JOBS;

sub start {
    my ($slot, $spec) = @_;
    my $d = $slot->{dir};
    write_conf($d, $spec, $slot->{port});
    unlink "$d/error.log";
    my $t0 = time;
    my $pid = fork // die "corpus: fork: $!\n";
    if ($pid == 0) {
        setpgrp(0, 0);
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', "$d/out" or POSIX::_exit(127);
        open STDERR, '>&', \*STDOUT or POSIX::_exit(127);
        no warnings 'exec';
        exec $NGINX, '-t', '-q', '-p', "$d/", '-c', "$d/nginx.conf",
             '-e', "$d/error.log";
        POSIX::_exit(127);
    }
    push @children, $pid;
    @$slot{qw(pid t0 spec)} = ($pid, $t0, $spec);
}

# what one run said: status, ms, first [emerg], [warn]s
sub finish {
    my ($slot, $status, $t1, $timed_out, $cpu) = @_;
    my $ms = ($t1 - $slot->{t0}) * 1000;
    @children = grep { $_ != $slot->{pid} } @children;
    $slot->{pid} = 0;

    my (@emerg, @warn, @other);
    if (open my $fh, '<', "$slot->{dir}/out") {
        while (<$fh>) {
            chomp;
            s/\t/ /g;
            if (/^nginx: \[(emerg|alert|crit)\] (.*)/) { push @emerg, $2 }
            elsif (/^nginx: \[warn\] (.*)/) { push @warn, $1 }
            elsif (/\S/) { push @other, $_ }
        }
    }

    my $r = { ms => $ms, cpu => $cpu, emerg => $emerg[0] // '', warn => \@warn };
    if ($timed_out) {
        $r->{status} = 'timeout';
    } elsif ($status & 127) {
        $r->{status} = 'crash';
        $r->{signal} = $status & 127;
    } elsif ($status == 0) {
        $r->{status} = 'pass';
    } else {
        $r->{status} = 'fail';
        $r->{emerg} ||= $other[0] // "exit status " . ($status >> 8);
    }
    return $r;
}

# wait4(2), for the CPU time of the child reaped: steadier than its wall
# time on a machine that runs other things; waitpid() where the system
# call's number is not known here (no CPU times then)
my $SYS_wait4 = $Config{archname} =~ /^x86_64-linux/ ? 61
              : $Config{archname} =~ /^aarch64-linux/ ? 260 : undef;

sub wait_any {
    my ($pid) = @_;
    return (waitpid($pid, 0), $?, undef) unless defined $SYS_wait4;
    my ($st, $ru) = (pack('i', 0), "\0" x 256);
    my $got = syscall($SYS_wait4, $pid + 0, $st, 0, $ru);
    return ($got, 0, undef) if $got <= 0;
    my ($us, $uu, $ss, $su) = unpack('q4', $ru);    # ru_utime, ru_stime
    return ($got, unpack('i', $st), ($us + $ss) * 1e3 + ($uu + $su) / 1e3);
}

# runs nginx -t on each of @$specs, $jobs at a time; calls $done->(spec, r)
sub run_all {
    my ($specs, $jobs, $done) = @_;
    my @queue = @$specs;
    my %tries;

    while (@queue || grep { $_->{pid} } @slots) {
        for my $slot (@slots[0 .. $jobs - 1]) {
            start($slot, shift @queue) if !$slot->{pid} && @queue;
        }

        # the deadline of the oldest run, checked every second at least
        my ($pid, $status, $cpu);
        eval {
            local $SIG{ALRM} = sub { die "alarm\n" };
            Time::HiRes::alarm(1);
            ($pid, $status, $cpu) = wait_any(-1);
            Time::HiRes::alarm(0);
        };
        Time::HiRes::alarm(0);
        my $t1 = time;
        die "corpus: $@" if $@ && $@ ne "alarm\n";

        if (defined $pid && $pid > 0) {
            my ($slot) = grep { $_->{pid} == $pid } @slots;
            next unless $slot;
            my $spec = $slot->{spec};
            my $r = finish($slot, $status, $t1, 0, $cpu);
            # the port taken meanwhile by someone else: another, once more
            if ($r->{status} eq 'fail' && $r->{emerg} =~ /^bind\(\) to /
                && ++$tries{$spec} < 3)
            {
                $slot->{port} = free_port();
                unshift @queue, $spec;
                next;
            }
            $done->($spec, $r);
        }

        for my $slot (@slots) {
            next unless $slot->{pid} && time - $slot->{t0} > $TIMEOUT;
            kill 'KILL', -$slot->{pid};
            my (undef, $status, $cpu) = wait_any($slot->{pid});
            $done->($slot->{spec}, finish($slot, $status, time, 1, $cpu));
        }
    }
}


# ---- what the messages say -----------------------------------------------

# the module's message without where it was said: nginx's " in FILE:LINE",
# apigw_api "NAME": ["FILE" [at POINTER] [(line N)]: ]
sub bare_message {
    my ($m) = @_;
    $m =~ s/ in \S+:\d+$//;
    $m =~ s/^apigw(?:_api)? "[^"]*": //;
    $m =~ s/^"(?:[^"\\]|\\.)*"(?: at \S+(?: \(line \d+\))?| at line \d+)?: //;
    return $m;
}

# classes, first match wins: [class, regex on the bare message].  Grown from
# the messages the directory's documents actually get (bench/README.md);
# what matches none is "other", with its message in the table.
my @CLASSES = (
    # the document as a whole
    ['not OpenAPI 3',                     qr/^Swagger 2\.0 documents|this is not an OpenAPI 3 document|^OpenAPI version must be/],
    ['YAML/JSON parse',                   qr/^invalid JSON|^YAML |YAML (syntax|alias|nesting|tag|value|string|document)|^unexpected text after the JSON|^multiple YAML|^empty YAML|^custom YAML tag|duplicate key/],
    ['dangling $ref',                     qr/^\$ref .*(points to nothing|cannot open|is not a regular)/],
    ['$ref not supported (remote, cycle)', qr/^\$ref/],
    # security
    ['security scheme not supported',     qr/scheme "[^"]*", which apigw does not verify/],
    ['bearer token with no issuer',       qr/scheme "[^"]*", which needs an issuer to verify its tokens/],
    ['keys over https, certificate not verified', qr/are fetched from "https:[^"]*", and this location does not verify/],
    ['apiKey with no keys file',          qr/scheme "[^"]*", which needs an apigw_keys file/],
    ['mutualTLS without ssl_verify_client', qr/scheme "[^"]*", which needs "ssl_verify_client/],
    ['security scheme not in the document', qr/^security scheme "[^"]*" (is not in components|has no type)/],
    ['API key source not HEADER',         qr/as the API key source/],
    # paths
    ['path key with fragment or query',   qr/^path "[^"]*[#?][^"]*": /],
    ['parameter inside a segment',        qr/a parameter must be a whole segment|^path "[^"]*": bad parameter segment/],
    ['path parameter name or repeat',     qr/^path "[^"]*":? (a parameter name may hold|names \{[^}]*\} twice)/],
    ['duplicate route',                   qr/conflicts with an operation declared before it/],
    ['bad path key',                      qr/^path "/],
    # operations
    ['pattern PCRE2 refuses',             qr/^pattern: invalid regular expression/],
    ['bad media type key',                qr/a media type must look like/],
    ['parameter without a name',          qr/a parameter needs a "name" string/],
    ['unsupported integration type',      qr/^integration type "[^"]*" is not supported/],
    ['mapping: unknown context variable', qr/unknown context variable/],
    ['bad schema keyword value',          qr/^(type|format|(min|max)\w*|exclusive\w+|multipleOf|enum|const|required|properties|additionalProperties|items|(all|any|one)Of|not|uniqueItems|nullable|discriminator) must be/],
);

# what kind of scheme an operation asks for, from the document: the figure
# that says which verifier to write next
sub scheme_detail {
    my ($file, $m) = @_;
    my ($name) = $m =~ /requires the \w+ scheme "((?:[^"\\]|\\.)*)"/ or return '';
    my $s = read_file($file);
    return '' unless $$s =~ /^\s*\{/;
    return 'no securitySchemes' unless $$s =~ /"securitySchemes"\s*:\s*\{/g;
    my ($depth, $key, $start) = (1, '', undef);
    while ($$s =~ /\G[^"{}\[\]]*+(?:"((?:[^"\\]++|\\.)*+)"(\s*+:)?|([{\[])|([}\]]))/gcs) {
        if (defined $2) { $key = $1 if $depth == 1 }
        elsif (defined $3) {
            $start = pos($$s) - 1 if ++$depth == 2 && $key eq $name;
        } elsif (defined $4) {
            last if --$depth == 0;
            next unless $depth == 1 && defined $start;
            my $o = eval { JSON::PP->new->decode(substr($$s, $start, pos($$s) - $start)) }
                or return '?';
            my $t = $o->{type} // '?';
            return $t eq 'http' ? "http " . lc($o->{scheme} // '?')
                 : $t eq 'apiKey' ? "apiKey in " . ($o->{in} // '?')
                 : $t;
        }
    }
    return 'not in securitySchemes';
}

sub classify {
    my ($r) = @_;
    return "timeout (killed after ${TIMEOUT}s)" if $r->{status} eq 'timeout';
    return "crash (signal $r->{signal})" if $r->{status} eq 'crash';
    return classify_message($r->{emerg});
}

sub classify_message {
    my ($line) = @_;
    return 'nginx (not apigw)' if $line !~ /^apigw(?:_api)? /;
    my $m = bare_message($line);
    for (@CLASSES) {
        return $_->[0] if $m =~ $_->[1];
    }
    return 'other';
}


# ---- the run ------------------------------------------------------------

my @results;
my $n = scalar @sample;
my $t_start = time;
local $| = 1;

print "apigw corpus: $LABEL\n";
my @skipped_names = sort keys %skipped;
printf "%d documents: %d OpenAPI 3.x (or saying no version), %d not OpenAPI 3\n",
    scalar @files, scalar @candidates, scalar @skipped_names;
printf "sample: %s of them (CORPUS_SAMPLE=%s, CORPUS_SEED=%s), %d nginx -t at a time\n",
    $n, $SAMPLE, $SEED, $JOBS;

# what nginx -t costs with a spec of one operation: the floor of every load
my ($floor, $floor_cpu);
{
    my $f = "$RUN/one.json";
    open my $fh, '>', $f or die "corpus: $f: $!\n";
    print $fh '{"openapi":"3.0.3","info":{"title":"one","version":"1"},'
            . '"paths":{"/ping":{"get":{"responses":{"200":{"description":"ok"}}}}}}';
    close $fh;
    my (@t, @c);
    run_all([($f) x 3], 1, sub {
        my ($s, $r) = @_;
        die "corpus: nginx -t fails with a one-operation spec: $r->{emerg}\n"
            unless $r->{status} eq 'pass';
        push @t, $r->{ms};
        push @c, $r->{cpu} if defined $r->{cpu};
    });
    ($floor) = sort { $a <=> $b } @t;
    ($floor_cpu) = sort { $a <=> $b } @c;
}

run_all([map { "$DIR/$_" } @sample], $JOBS, sub {
    my ($path, $r) = @_;
    $r->{file} = substr($path, length($DIR) + 1);
    push @results, $r;
    printf STDERR "\r  %d/%d loaded", scalar @results, $n if -t STDERR;
});
print STDERR "\r" . (' ' x 30) . "\r" if -t STDERR;
my $elapsed = time - $t_start;

# classified once every run is over: nothing in the parent delays noticing
# that a run has ended
for my $r (@results) {
    my $f = $r->{file};
    $r->{name} = name_of($f);
    $r->{class} = $r->{status} eq 'pass' ? '' : classify($r);
    $r->{detail} = $r->{class} eq 'security scheme not supported'
        ? scheme_detail("$DIR/$f", bare_message($r->{emerg})) : '';
    $r->{wclasses} = [map { classify_message($_) } @{$r->{warn}}];
    $r->{$_} = $doc{$f}{$_} for qw(ver ops bytes origin traits);
}

# the slowest, timed again alone (best of 3): the figures above ran in
# parallel, beside whatever else the machine does
my @slow = (sort { $b->{ms} <=> $a->{ms} }
            grep { $_->{status} ne 'timeout' } @results)[0 .. 2 * $RETIME - 1];
@slow = grep { defined } @slow;
for my $r (@slow) {
    my (@t, @c);
    run_all([("$DIR/$r->{file}") x 3], 1, sub {
        push @t, $_[1]{ms};
        push @c, $_[1]{cpu} if defined $_[1]{cpu};
    });
    ($r->{alone}) = sort { $a <=> $b } @t;
    ($r->{alone_cpu}) = sort { $a <=> $b } @c;
}
@slow = (sort { $b->{alone} <=> $a->{alone} } @slow)[0 .. $RETIME - 1];
@slow = grep { defined } @slow;


# ---- the report ---------------------------------------------------------

@results = sort { $a->{file} cmp $b->{file} } @results;

open my $tsv, '>', "$OUT/results.tsv" or die "corpus: $OUT/results.tsv: $!\n";
print $tsv join("\t", qw(spec file status ms cpu_ms class detail ops bytes
                         openapi origin warnings warn_classes emerg warns)), "\n";
for my $r (@results) {
    my %wc;
    $wc{$_}++ for @{$r->{wclasses}};
    print $tsv join("\t", $r->{name}, $r->{file}, $r->{status},
        sprintf('%.1f', $r->{ms}),
        defined $r->{cpu} ? sprintf('%.1f', $r->{cpu}) : '-',
        $r->{class} || '-', $r->{detail} || '-',
        $r->{ops}, $r->{bytes},
        $r->{ver}, $r->{origin}, scalar @{$r->{warn}},
        join('; ', map { "$_ ($wc{$_})" } sort keys %wc) || '-',
        nowhere($r->{emerg}) || '-',
        join(' | ', map { nowhere($_) } @{$r->{warn}}) || '-'), "\n";
}
for my $f (@skipped_names) {    # all of the directory's, not a sample
    print $tsv join("\t", name_of($f), $f, 'skipped', '-', '-',
        'not OpenAPI 3', $skipped{$f}, '-', -s "$DIR/$f", $skipped{$f},
        '-', 0, '-', '-', '-'), "\n";
}
close $tsv or die "corpus: $OUT/results.tsv: $!\n";

sub nowhere { my $m = shift; $m =~ s/ in \Q$RUN\E\/\S+:\d+$//; $m }
sub pct { $_[1] ? sprintf('%.1f %%', 100 * $_[0] / $_[1]) : '-' }
sub short {    # a message for the table: the spec by name, no nginx.conf
    my ($m, $r) = @_;
    $m =~ s/ in \S+:\d+$//;
    $m =~ s/"\Q$DIR\/$r->{file}\E"/$r->{name}/g;
    $m = substr($m, 0, 237) . '...' if length $m > 240;
    return $m;
}

my @pass = grep { $_->{status} eq 'pass' } @results;
print "\n";
printf "loaded: %d of %d (%s) in %.0f s\n", scalar @pass, $n, pct(scalar @pass, $n),
    $elapsed;

my %origins;
$origins{$_->{origin}}{n}++ for @results;
$origins{$_->{origin}}{pass}++ for @pass;
if (keys %origins > 1) {
    for my $o (sort { $origins{$b}{n} <=> $origins{$a}{n} } keys %origins) {
        printf "  %-32s %4d of %4d (%s)\n", $o eq '-' ? 'no x-origin' : "from $o",
            $origins{$o}{pass} // 0, $origins{$o}{n},
            pct($origins{$o}{pass} // 0, $origins{$o}{n});
    }
}

my (%fail, %fail_ex, %detail);
for my $r (grep { $_->{status} ne 'pass' } @results) {
    $fail{$r->{class}}++;
    $fail_ex{$r->{class}} //= $r;
    $detail{$r->{class}}{$r->{detail}}++ if $r->{detail};
}
if (%fail) {
    print "\nfailures by class (count, one example):\n";
    for my $c (sort { $fail{$b} <=> $fail{$a} or $a cmp $b } keys %fail) {
        my $r = $fail_ex{$c};
        printf "  %4d  %s\n        e.g. %s: %s\n", $fail{$c}, $c, $r->{name},
            $r->{status} eq 'fail' ? short($r->{emerg}, $r)
                : $r->{status} eq 'crash' ? "killed by signal $r->{signal}"
                : sprintf('still running after %.0f s', $r->{ms} / 1000);
        my $d = $detail{$c} or next;
        printf "        by %s: %s\n", $c =~ /security/ ? 'scheme type' : 'detail',
            join(', ', map { "$_ $d->{$_}" }
                       sort { $d->{$b} <=> $d->{$a} or $a cmp $b } keys %$d);
    }
}
# the path classes hide behind whatever the module reports first
{
    my @f = grep { $_->{traits}{frag} } @results;
    my @p = grep { $_->{traits}{partial} } @results;
    printf "\npath keys, whatever fails first: %d specs have a fragment or query"
         . " in one (%d load), %d a parameter inside a segment (%d load)\n",
        scalar @f, scalar(grep { $_->{status} eq 'pass' } @f),
        scalar @p, scalar(grep { $_->{status} eq 'pass' } @p);
}

if (@skipped_names) {
    printf "\nnot OpenAPI 3, not sampled nor loaded: %d in the directory\n",
        scalar @skipped_names;
    my %v;
    $v{$skipped{$_}}++ for @skipped_names;
    printf "  %4d  %s\n", $v{$_}, $_ for sort keys %v;
}

my (%warn, %warn_specs, %warn_ex);
for my $r (@results) {
    my %seen;
    for my $i (0 .. $#{$r->{warn}}) {
        my $c = $r->{wclasses}[$i];
        $warn{$c}++;
        $warn_specs{$c}++ unless $seen{$c}++;
        $warn_ex{$c} //= [$r, $r->{warn}[$i]];
    }
}
my $warned = grep { @{$_->{warn}} } @results;
printf "\nwarnings: %d in %d specs (%d loaded with warnings)\n",
    scalar(map { @{$_->{warn}} } @results), $warned,
    scalar grep { @{$_->{warn}} } @pass;
for my $c (sort { $warn{$b} <=> $warn{$a} or $a cmp $b } keys %warn) {
    my ($r, $m) = @{$warn_ex{$c}};
    printf "  %4d in %3d specs  %s\n        e.g. %s: %s\n", $warn{$c},
        $warn_specs{$c}, $c, $r->{name}, short($m, $r);
}

sub median {
    my @v = sort { $a <=> $b } grep { defined } @_;
    return undef unless @v;
    return @v % 2 ? $v[$#v / 2] : ($v[@v / 2 - 1] + $v[@v / 2]) / 2;
}
sub ms { defined $_[0] ? sprintf('%.0f ms', $_[0]) : '-' }

my @timed = grep { $_->{status} ne 'timeout' } @results;
printf "\nnginx -t per spec, %d at a time: median %s wall, %s CPU"
     . " (those that load: %s wall, %s CPU)\n", $JOBS,
     ms(median(map { $_->{ms} } @timed)), ms(median(map { $_->{cpu} } @timed)),
     ms(median(map { $_->{ms} } @pass)), ms(median(map { $_->{cpu} } @pass));
printf "floor (a one-operation spec, alone, best of 3): %s wall, %s CPU\n",
    ms($floor), ms($floor_cpu);
if (@slow) {
    print "slowest (alone, best of 3: wall, CPU; then wall in the run):\n";
    for my $r (@slow) {
        printf "  %7s %7s %7s  %-36s %6s ops %6.1f MB  %s\n", ms($r->{alone}),
            ms($r->{alone_cpu}), ms($r->{ms}), $r->{name}, $r->{ops},
            $r->{bytes} / 1e6,
            $r->{status} eq 'pass' ? 'loads' : $r->{class};
    }
}
print "\nper spec: $OUT/results.tsv\n";

# a directory of fixtures says what each must give: the runner's own test
if (open my $fh, '<', "$DIR/expected.tsv") {
    my %got = map { $_->{file} => $_->{status} eq 'pass' ? 'pass' : $_->{class} }
              @results;
    $got{$_} = 'skipped' for @skipped_names;
    my ($ok, $bad) = (0, 0);
    while (<$fh>) {
        chomp;
        next if /^\s*(#|$)/;
        my ($f, $want) = split /\t/, $_, 2;
        my $g = $got{$f} // next;    # not in the sample
        if (grep { $_ eq $g } split /\|/, $want // '') {
            $ok++;
        } else {
            $bad++;
            print "fixture $f: got \"$g\", expected \"$want\"\n";
        }
    }
    print "fixtures: $ok passed, $bad failed\n";
    exit 1 if $bad;
}
