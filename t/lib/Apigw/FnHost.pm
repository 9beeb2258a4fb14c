package Apigw::FnHost;

# The function host (apigw-fnhost) for the tests: started in a test's prefix
# with a configuration, called through its Invoke API over the unix socket
# or TCP, its runtime processes seen through /proc, stopped with SIGTERM,
# its log checked for alerts and sanitizer reports.

use strict;
use warnings;

use Carp qw(croak);
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Path qw(make_path);
use IO::Select;
use IO::Socket::INET;
use IO::Socket::UNIX;
use JSON::PP;
use POSIX qw(WNOHANG);
use Socket qw(SOCK_STREAM);
use Test::More ();
use Time::HiRes qw(time sleep);

use Apigw::Test;

my $REPO = abs_path(dirname(abs_path(__FILE__)) . '/../../..');

# every host started by this process, stopped at END
my @HOSTS;


sub host_path {
    return $ENV{APIGW_FNHOST} // "$REPO/build/apigw-fnhost";
}


# the C runtime of the tests (ASan under make test-asan), and the plain one
# for functions under a memory limit, which AddressSanitizer cannot run in
sub runtime_path {
    return $ENV{APIGW_FN_RUNTIME} // "$REPO/build/apigw-fn-runtime";
}


sub plain_runtime_path {
    return "$REPO/build/apigw-fn-runtime";
}


sub functions_dir {
    return "$REPO/build/functions";
}


sub have_host {
    return -x host_path() && -x runtime_path()
           && -f functions_dir() . '/fixtures.so';
}


sub json {
    return JSON::PP->new->utf8->canonical->allow_nonref;
}


# %%SOCK%%, %%RUNTIME%%, %%PLAIN_RUNTIME%%, %%FUNCTIONS%%, %%REPO%% and the
# harness's %%PORT_N%%, %%PREFIX%%
sub expand {
    my ($t, $text) = @_;

    my $prefix = $t->prefix;

    $text =~ s/%%SOCK%%/$prefix\/fn.sock/g;
    $text =~ s/%%RUNTIME%%/runtime_path()/ge;
    $text =~ s/%%PLAIN_RUNTIME%%/plain_runtime_path()/ge;
    $text =~ s/%%FUNCTIONS%%/functions_dir()/ge;
    $text =~ s/%%REPO%%/$REPO/g;

    return $t->expand($text);
}


# new($t, $yaml, name => 'fnhost'): writes the configuration, starts the
# host and waits for its first listening address
sub new {
    my ($class, $t, $conf, %opts) = @_;

    my $name = $opts{name} // 'fnhost';
    my $dir = $t->prefix . "/$name";
    make_path($dir);

    $conf = expand($t, $conf);

    my $file = $t->write_file("$name/functions.yaml", $conf);
    my $self = bless {
        t => $t, dir => $dir, file => $file, owner => $$,
        log => "$dir/host.log", stderr => "$dir/stderr.log",
        sock => $t->prefix . '/fn.sock',
    }, $class;

    ($self->{tcp}) = $conf =~ /^\s*-?\s*"?127\.0\.0\.1:(\d+)/m;
    ($self->{unix}) = $conf =~ /unix:([^\s",\]]+)/;

    for my $p ($conf =~ /127\.0\.0\.1:(\d+)/g) {
        $t->_release_port($p);
    }

    $self->start;

    push @HOSTS, $self;

    return $self;
}


sub start {
    my ($self) = @_;

    my $bin = host_path();
    my $pid = fork;
    croak "cannot fork: $!" unless defined $pid;

    if ($pid == 0) {
        Apigw::Test::_forget_ports();
        open(STDIN, '<', '/dev/null');
        open(STDOUT, '>>', $self->{stderr});
        open(STDERR, '>>', $self->{stderr});
        no warnings 'exec';
        exec { $bin } $bin, '-c', $self->{file};
        POSIX::_exit(127);
    }

    $self->{pid} = $pid;
    $self->{started} = time;

    my $deadline = time + 10;

    while (time < $deadline) {
        return $self if $self->{unix} && -S $self->{unix};
        return $self if !$self->{unix} && $self->{tcp}
                        && Apigw::Test::_listening($self->{tcp});

        if (waitpid($pid, WNOHANG) == $pid) {
            $self->{status} = $?;
            delete $self->{pid};
            croak "apigw-fnhost exited at start: " . $self->stderr;
        }

        sleep 0.01;
    }

    croak "apigw-fnhost did not listen: " . $self->stderr;
}


sub pid { $_[0]{pid} }
sub file { $_[0]{file} }
sub sock { $_[0]{unix} }
sub tcp_port { $_[0]{tcp} }


sub log {
    my ($self) = @_;
    return $self->{t}->read_file($self->{log});
}


sub stderr {
    my ($self) = @_;
    return $self->{t}->read_file($self->{stderr});
}


# the runtime processes: the host's children, by their command
sub runtimes {
    my ($self, $re) = @_;

    return () unless $self->{pid};

    my @pids = Apigw::Test::_children($self->{pid});

    return grep { !defined $re || _cmdline($_) =~ $re } @pids;
}


sub _cmdline {
    my ($pid) = @_;

    open(my $fh, '<', "/proc/$pid/cmdline") or return '';
    local $/;
    my $s = <$fh> // '';
    close $fh;
    $s =~ tr/\0/ /;

    return $s;
}


# processes whose command line matches: left behind anywhere
sub processes {
    my ($re) = @_;

    my @pids;

    opendir(my $dh, '/proc') or return ();

    for my $pid (grep { /^\d+$/ } readdir $dh) {
        next if $pid == $$;
        my $st = Apigw::Test::_stat($pid) or next;
        next if $st->{state} eq 'Z';
        push @pids, $pid if _cmdline($pid) =~ $re;
    }

    closedir $dh;

    return @pids;
}


# processes in these process groups, zombies too: what a host left of its
# runtimes, each of which leads a group of its own
sub in_groups {
    my (@pgids) = @_;

    my %want = map { $_ => 1 } @pgids;
    my @pids;

    opendir(my $dh, '/proc') or return ();

    for my $pid (grep { /^\d+$/ } readdir $dh) {
        my $st = Apigw::Test::_stat($pid) or next;
        push @pids, $pid if $want{$st->{pgrp}};
    }

    closedir $dh;

    return @pids;
}


# the scheduling policies of a process's threads, the distinct ones joined
# by commas (field 41 of /proc/PID/task/TID/stat; 0: SCHED_OTHER, 3:
# SCHED_BATCH)
sub sched_policy {
    my ($pid) = @_;

    my %seen;

    for my $file (glob "/proc/$pid/task/*/stat") {
        open(my $fh, '<', $file) or next;
        my $s = <$fh> // '';
        close $fh;
        $s =~ s/.*\) //s or next;
        $seen{(split ' ', $s)[38]} = 1;
    }

    return join(',', sort { $a <=> $b } keys %seen);
}


# zombies whose parent is pid
sub zombies {
    my ($pid) = @_;

    my @z;

    opendir(my $dh, '/proc') or return ();

    for my $p (grep { /^\d+$/ } readdir $dh) {
        my $st = Apigw::Test::_stat($p) or next;
        push @z, $p if $st->{state} eq 'Z' && $st->{ppid} == $pid;
    }

    closedir $dh;

    return @z;
}


# the request of an invocation, as the Invoke API takes it
sub request {
    my ($name, $event, %opts) = @_;

    my $body = ref $event ? json()->encode($event) : $event // '';
    my @h = @{$opts{headers} // []};
    my $path = $opts{path}
               // "/2015-03-31/functions/$name/invocations"
                  . (defined $opts{qualifier}
                     ? "?Qualifier=$opts{qualifier}" : '');
    my $method = $opts{method} // 'POST';

    return Apigw::Test::_request($method, $path, %opts, body => $body,
                                 headers => \@h);
}


sub _connect {
    my ($self, %opts) = @_;

    if ($opts{tcp}) {
        return IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                     PeerPort => $self->{tcp},
                                     Proto => 'tcp', Timeout => 5);
    }

    return IO::Socket::UNIX->new(Peer => $self->{unix}, Type => SOCK_STREAM);
}


# invoke(NAME, EVENT, tcp => 1, headers => [...], timeout => s): the answer,
# {status, headers, body, json, elapsed}
sub invoke {
    my ($self, $name, $event, %opts) = @_;

    my @r = $self->invoke_many([[$name, $event, %opts]], %opts);

    return $r[0];
}


# several invocations at once, each on its own connection; the answers in
# the order of the requests
sub invoke_many {
    my ($self, $list, %opts) = @_;

    my $timeout = $opts{timeout} // 40;
    my $start = time;
    my (@socks, @raw, @done, @elapsed);

    local $SIG{PIPE} = 'IGNORE';

    for my $i (0 .. $#$list) {
        my ($name, $event, %o) = @{$list->[$i]};
        my $s = $self->_connect(%opts, %o);

        unless ($s) {
            $done[$i] = 1;
            $raw[$i] = '';
            next;
        }

        my $err = Apigw::Test::_write_all($s, request($name, $event, %o),
                                          $start + $timeout);
        $socks[$i] = $s;
        $raw[$i] = '';
    }

    my $sel = IO::Select->new(grep { defined } @socks);
    my %index = map { (defined $socks[$_] ? ("$socks[$_]" => $_) : ()) }
                0 .. $#socks;

    while ($sel->count && time < $start + $timeout) {
        for my $s ($sel->can_read(0.5)) {
            my $i = $index{"$s"};
            my $n = sysread($s, $raw[$i], 1 << 20, length $raw[$i]);

            if (!$n) {
                $sel->remove($s);
                close $s;
                $elapsed[$i] = time - $start;
            }
        }
    }

    my @answers;

    for my $i (0 .. $#$list) {
        my $r = Apigw::Test::_parse_response($raw[$i] // '')
                // { status => 0, body => '', headers => {} };
        $r->{elapsed} = $elapsed[$i] // (time - $start);
        $r->{json} = eval { json()->decode($r->{body}) }
            if defined $r->{body} && length $r->{body};
        push @answers, $r;
    }

    return @answers;
}


# the proxy response's body, decoded when JSON
sub proxy_body {
    my ($r) = @_;

    my $b = $r->{json} && ref $r->{json} eq 'HASH' ? $r->{json}{body} : undef;
    return undef unless defined $b;

    my $v = eval { json()->decode($b) };

    return defined $v ? $v : $b;
}


# whether the Invoke API answers, whatever the status: the host is past
# listen(), not only bind() that makes its unix socket appear
sub answers {
    my ($self) = @_;

    my $r = $self->invoke('-', '', method => 'GET', timeout => 2);

    return $r->{status} != 0;
}


# waits, at most $timeout s, for the host to exit after a signal the test
# sent: its wait status, or undef while it runs
sub wait_exit {
    my ($self, $timeout) = @_;

    my $pid = $self->{pid} or return $self->{status};
    my $deadline = time + $timeout;

    while (time < $deadline) {
        if (waitpid($pid, WNOHANG) == $pid) {
            $self->{status} = $?;
            delete $self->{pid};
            return $self->{status};
        }

        sleep 0.02;
    }

    return undef;
}


# SIGTERM (or another signal), then waits for the host to exit
sub stop {
    my ($self, %opts) = @_;

    return if $self->{owner} != $$;

    my $pid = $self->{pid} or return;

    kill($opts{signal} // 'TERM', $pid);

    my $status = $self->wait_exit($opts{wait} // 40);

    return $status if defined $status;

    kill 'KILL', $pid;
    waitpid($pid, 0);
    $self->{status} = $?;
    delete $self->{pid};

    return -1;
}


sub status { $_[0]{status} }


# the log lines that fail a test, whatever it asserted: alerts, crits,
# sanitizer reports in the log or on stderr
sub alerts {
    my ($self, %opts) = @_;

    my $sanitizer = qr/Sanitizer|runtime[ ]error:|LeakSanitizer/;
    my @bad;

    for my $line (split /\n/, $self->log . "\n" . $self->stderr) {
        next if $opts{allow} && $line =~ $opts{allow};
        push @bad, $line if $line =~ /\[(?:alert|crit)\]/
                            || $line =~ $sanitizer;
    }

    return @bad;
}


sub check_log {
    my ($self, %opts) = @_;

    $self->stop;

    local $Test::Builder::Level = $Test::Builder::Level + 1;

    Test::More::is(join("\n", $self->alerts(%opts)), '',
                   'no alerts in the function host\'s log');
}


END {
    my $status = $?;

    for my $h (@HOSTS) {
        eval { $h->stop(wait => 10) };
    }

    $? = $status;
}


1;
