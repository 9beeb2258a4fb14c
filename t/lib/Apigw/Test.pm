package Apigw::Test;

# Test harness for the apigw nginx module, in the manner of nginx-tests:
# a private prefix, free ports, nginx started and stopped around the test,
# forked backend stubs that record what they receive, a raw-socket client.

use strict;
use warnings;

use Carp qw(croak);
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Path qw(make_path rmtree);
use File::Temp qw(tempdir tempfile);
use IO::Select;
use IO::Socket::INET;
use JSON::PP;
use POSIX qw(WNOHANG);
use Test::More ();
use Time::HiRes qw(time sleep);

my $REPO = abs_path(dirname(abs_path(__FILE__)) . '/../../..');
my $NGINX = $ENV{APIGW_NGINX} // '/usr/sbin/nginx';

# every harness object created by this process, cleaned up at END
my @INSTANCES;


sub module_path {
    return $ENV{APIGW_MODULE} // "$REPO/build/ngx_http_apigw_module.so";
}


# APIGW_STATIC=1: APIGW_NGINX has the module built in (--add-module)
sub have_module {
    return $ENV{APIGW_STATIC} || -f module_path();
}


# the token tool of tools/apigw_jwt_mint.c (make tools), and running it
sub mint_tool {
    return "$REPO/build/apigw-jwt-mint";
}


# its output, chomped; a failure ends the test file
sub mint {
    my (@args) = @_;
    my $tool = mint_tool();
    my $out = `$tool @args 2>&1`;
    $? == 0 or Test::More::BAIL_OUT("apigw-jwt-mint @args: $out");
    chomp $out;
    return $out;
}


# the SigV4 signers of the tests: build/apigw-sigv4-sign (make tools), the
# gateway's, and tools/sigv4-sign.js, AWS's @smithy/signature-v4 and aws4
# (scripts/npm-tools); each a command, or undef when it cannot run
sub sigv4_signers {
    my $tools = $ENV{APIGW_NPM_TOOLS} // "$REPO/build/npm-tools";
    my $node = `command -v node 2>/dev/null`;
    chomp $node;

    my $ours = "$REPO/build/apigw-sigv4-sign";
    my $npm = $node ne ''
              && -f "$tools/node_modules/\@smithy/signature-v4/package.json"
              && -f "$tools/node_modules/aws4/aws4.js";

    return (ours => -x $ours ? [$ours] : undef,
            npm => $npm ? [$node, "$REPO/tools/sigv4-sign.js"] : undef);
}


# the command's answers to objects given one a JSON line on its standard
# input, a JSON line each: its exit status, then the objects
sub json_lines {
    my ($cmd, @in) = @_;

    my $json = JSON::PP->new->utf8->canonical;
    my ($fh, $file) = tempfile(UNLINK => 1);

    print $fh map { $json->encode($_) . "\n" } @in;
    close $fh;

    my $pid = open(my $out, '-|');
    defined $pid or croak("fork: $!");

    # the child never returns to the test (its END would stop nginx)
    if ($pid == 0) {
        no warnings 'exec';
        open(STDIN, '<', $file) and exec(@$cmd);
        print STDERR "$cmd->[0]: $!\n";
        POSIX::_exit(127);
    }

    my @answers = map { eval { $json->decode($_) } // {} } <$out>;
    close $out;

    return ($?, @answers);
}


# "openssl ARGS" quietly; a failure ends the test file
sub openssl {
    system("openssl @_ >/dev/null 2>&1") == 0
        or Test::More::BAIL_OUT("openssl @_ failed");
}


sub new {
    my ($class) = @_;

    my $dir = tempdir('apigw-test-XXXXXXXX', TMPDIR => 1, CLEANUP => 0)
        or croak "cannot create temp dir: $!";

    # workers that run as another user must be able to reach the prefix
    chmod 0755, $dir;

    my $self = bless {
        prefix => abs_path($dir),
        owner => $$,
        ports => {},
        held => {},
        backends => [],
        daemons => [],
        expected => [],
        workers => 1,
    }, $class;

    push @INSTANCES, $self;

    return $self;
}


sub prefix {
    my ($self) = @_;
    return $self->{prefix};
}


# a free port on 127.0.0.1, the same one for the same index; the socket stays
# bound (not listening) until nginx or a backend needs it, so that nothing
# else takes the port in between

sub port {
    my ($self, $n) = @_;

    $n //= 1;

    return $self->{ports}{$n} if defined $self->{ports}{$n};

    my %used = map { $_ => 1 } values %{$self->{ports}};
    my @extra;

    for (1 .. 20) {
        my $s = IO::Socket::INET->new(
            LocalAddr => '127.0.0.1',
            LocalPort => 0,
            Proto => 'tcp',
        ) or croak "cannot bind a free port: $!";

        if ($used{$s->sockport}) {
            push @extra, $s;
            next;
        }

        $self->{ports}{$n} = $s->sockport;
        $self->{held}{$s->sockport} = $s;
        last;
    }

    close $_ for @extra;

    croak "cannot find a free port" unless defined $self->{ports}{$n};

    return $self->{ports}{$n};
}


sub _release_port {
    my ($self, $port) = @_;
    my $s = delete $self->{held}{$port};
    close $s if $s;
}


sub _release_ports {
    my ($self) = @_;
    $self->_release_port($_) for keys %{$self->{held}};
}


# in a forked child: drop the copies of the held sockets, or the ports would
# stay taken after the parent releases them

sub _forget_ports {
    for my $t (@INSTANCES) {
        close $_ for values %{$t->{held}};
        $t->{held} = {};
    }
}


sub expand {
    my ($self, $text) = @_;

    $text =~ s/%%PORT%%/$self->port(1)/ge;
    $text =~ s/%%PORT_(\d+)%%/$self->port($1)/ge;
    $text =~ s/%%PREFIX%%/$self->{prefix}/g;

    return $text;
}


sub write_file {
    my ($self, $name, $content) = @_;

    my $path = $name =~ m{^/} ? $name : "$self->{prefix}/$name";
    make_path(dirname($path));

    open(my $fh, '>', $path) or croak "cannot write $path: $!";
    binmode $fh;
    print $fh $content;
    close $fh or croak "cannot write $path: $!";

    return $path;
}


sub read_file {
    my ($self, $name) = @_;

    my $path = $name =~ m{^/} ? $name : "$self->{prefix}/$name";
    open(my $fh, '<', $path) or return '';
    binmode $fh;
    local $/;
    my $content = <$fh>;
    close $fh;

    return $content // '';
}


sub error_log {
    my ($self) = @_;
    return $self->read_file('error.log');
}


sub access_log {
    my ($self) = @_;
    return $self->read_file('access.log');
}


sub write_conf {
    my ($self, $http, %opts) = @_;

    my $p = $self->{prefix};
    my $workers = $opts{workers} // 1;
    my $level = $opts{log_level} // 'info';
    my $user = $opts{user} // ($> == 0 ? 'root' : '');

    my $conf = '';

    $conf .= 'load_module ' . module_path() . ";\n"
        unless $opts{no_module} || $ENV{APIGW_STATIC};
    $conf .= "user $user;\n" if $user ne '';
    $conf .= "worker_processes $workers;\n";
    $conf .= "daemon on;\n";
    $conf .= "master_process on;\n";
    $conf .= "pid $p/nginx.pid;\n";
    $conf .= "lock_file $p/nginx.lock;\n";
    $conf .= "error_log $p/error.log $level;\n";
    $conf .= $self->expand($opts{main}) . "\n" if defined $opts{main};
    $conf .= "\nevents {\n    worker_connections 1024;\n}\n\n";
    $conf .= "http {\n";
    $conf .= "    access_log $p/access.log;\n";
    $conf .= "    client_body_temp_path $p/client_body_temp;\n";
    $conf .= "    proxy_temp_path $p/proxy_temp;\n";
    $conf .= "    fastcgi_temp_path $p/fastcgi_temp;\n";
    $conf .= "    uwsgi_temp_path $p/uwsgi_temp;\n";
    $conf .= "    scgi_temp_path $p/scgi_temp;\n\n";
    $conf .= $self->expand($http);
    $conf .= "\n}\n";

    $self->{workers} = $workers =~ /^\d+$/ ? $workers : 1;

    return $self->write_file('nginx.conf', $conf);
}


# APIGW_PRELOAD: a sanitizer runtime for nginx alone (make test-asan)
sub _nginx_args {
    my ($self) = @_;
    my $p = $self->{prefix};
    my @pre = $ENV{APIGW_PRELOAD} ? ('env', "LD_PRELOAD=$ENV{APIGW_PRELOAD}")
                                  : ();
    return (@pre, $NGINX, '-p', "$p/", '-c', "$p/nginx.conf",
            '-e', "$p/error.log");
}


# runs a command, returns its exit code and stdout and stderr together

sub _run_cmd {
    my (@cmd) = @_;

    my $pid = open(my $fh, '-|');
    croak "cannot fork: $!" unless defined $pid;

    if ($pid == 0) {
        open(STDERR, '>&', \*STDOUT);
        no warnings 'exec';
        exec { $cmd[0] } @cmd;
        print "cannot exec $cmd[0]: $!\n";
        POSIX::_exit(127);
    }

    local $/;
    my $out = <$fh> // '';
    close $fh;

    my $rc = $? & 127 ? 128 + ($? & 127) : $? >> 8;

    return ($rc, $out);
}


# error.log offsets where an emerg is expected: a failed start, test or reload

sub _log_size {
    my ($self) = @_;
    return (-s "$self->{prefix}/error.log") || 0;
}


sub _expect_emerg {
    my ($self, $from) = @_;
    push @{$self->{expected}}, [$from, $self->_log_size];
}


sub _log_tail {
    my ($self, $lines) = @_;
    my @l = split /\n/, $self->error_log;
    splice(@l, 0, @l - $lines) if @l > $lines;
    return join("\n", @l);
}


sub nginx_test {
    my ($self) = @_;

    $self->_release_ports;

    my $from = $self->_log_size;
    my ($rc, $out) = _run_cmd($self->_nginx_args, '-t');
    $self->_expect_emerg($from) if $rc != 0;

    return ($rc, $out);
}


sub run {
    my ($self, %opts) = @_;

    croak "nginx is already running" if $self->{master};

    $self->_release_ports;

    my $pidfile = "$self->{prefix}/nginx.pid";
    unlink $pidfile;

    my $from = $self->_log_size;
    my ($rc, $out) = _run_cmd($self->_nginx_args);

    if ($rc != 0) {
        $self->_expect_emerg($from);
        croak "nginx failed to start (exit $rc):\n$out\n"
              . "error.log:\n" . $self->_log_tail(20) . "\n";
    }

    my $deadline = time + 5;
    my $master;

    while (time < $deadline) {
        $master = $self->read_file($pidfile);
        last if $master =~ s/^\s*(\d+)\s*$/$1/;
        $master = undef;
        sleep 0.05;
    }

    croak "nginx did not write its pid file\nerror.log:\n"
          . $self->_log_tail(20) . "\n" unless $master;

    $self->{master} = $master;

    while (time < $deadline) {
        last if _children($master) >= $self->{workers};
        sleep 0.05;
    }

    my $wait = exists $opts{wait_port} ? $opts{wait_port}
               : $self->{ports}{1};

    while ($wait && time < $deadline) {
        if (_listening($wait)) {
            $wait = 0;
            last;
        }
        sleep 0.05;
    }

    if ($wait || _children($master) < $self->{workers}) {
        my $tail = $self->_log_tail(20);
        $self->stop;
        croak "nginx did not become ready\nerror.log:\n$tail\n";
    }

    return $self;
}


sub reload {
    my ($self) = @_;

    my $master = $self->{master} or croak "nginx is not running";

    $self->_release_ports;

    my %old = map { $_ => 1 } _children($master);
    my $from = $self->_log_size;

    kill 'HUP', $master;

    my $deadline = time + 5;
    my $new = 0;

    while (time < $deadline) {
        my @now = _children($master);
        $new = grep { !$old{$_} } @now;

        last if $new >= $self->{workers} && !grep { $old{$_} } @now;

        if (!$new && substr($self->error_log, $from) =~ /\[emerg\]/) {
            $self->_expect_emerg($from);
            return 0;
        }

        sleep 0.05;
    }

    # old workers still busy with long requests are fine
    return $new >= $self->{workers} ? 1 : 0;
}


sub stop {
    my ($self) = @_;

    my $master = delete $self->{master} or return $self;

    my @procs = ($master, _children($master));

    kill 'QUIT', $master;

    if (!_wait_gone(5, $master)) {
        kill 'TERM', $master;
        _wait_gone(3, $master);
    }

    # whatever is left, workers of a master that died among them
    my @left = grep { _alive($_) && _comm($_) eq 'nginx' }
               @procs, _children($master);

    if (@left) {
        kill 'KILL', @left;
        _wait_gone(2, @left);
    }

    return $self;
}


sub master_pid {
    my ($self) = @_;
    return $self->{master};
}


sub worker_pids {
    my ($self) = @_;
    return $self->{master} ? _children($self->{master}) : ();
}


sub log_lines {
    my ($self, $re) = @_;
    return grep { $_ =~ $re } split /\n/, $self->error_log;
}


# error.log lines that mean a test failed whatever it asserted

sub log_alerts {
    my ($self, %opts) = @_;

    my $log = $self->error_log;
    # any sanitizer message (a leak report, an unreadable suppression file)
    # and any process that exits with a failure code
    my $sanitizer = qr/Sanitizer|runtime[ ]error:|exited[ ]with[ ]code[ ][1-9]/x;
    my @bad;
    my $off = 0;

    for my $line (split /\n/, $log) {
        my $at = $off;
        $off += length($line) + 1;

        next if $opts{allow} && $line =~ $opts{allow};

        if ($line =~ /\[emerg\]/) {
            next if grep { $at >= $_->[0] && $at < $_->[1] }
                         @{$self->{expected}};
            push @bad, $line;
            next;
        }

        push @bad, $line
            if $line =~ /\[(?:alert|crit)\]/ || $line =~ $sanitizer;
    }

    return @bad;
}


# the end-of-file check; stops nginx first so that exit-time sanitizer
# reports are in the log

sub check_log {
    my ($self, %opts) = @_;

    $_->stop for @{$self->{backends}};
    $self->stop;

    local $Test::Builder::Level = $Test::Builder::Level + 1;
    return Test::More::is(join("\n", $self->log_alerts(%opts)), '',
                          'no alerts in error.log');
}


###############################################################################

# processes, through /proc

sub _stat {
    my ($pid) = @_;

    open(my $fh, '<', "/proc/$pid/stat") or return;
    my $s = <$fh>;
    close $fh;

    return unless defined $s && $s =~ /^\d+ \((.*)\) (\S) (\d+) (\d+)/s;
    return { comm => $1, state => $2, ppid => $3, pgrp => $4 };
}


sub _comm {
    my ($pid) = @_;
    my $st = _stat($pid);
    return $st ? $st->{comm} : '';
}


sub _alive {
    my ($pid) = @_;

    return 0 unless kill 0, $pid;

    # a daemon is not our child: nobody may reap it, so a zombie is gone
    my $st = _stat($pid);
    return $st ? $st->{state} ne 'Z' : 1;
}


sub _children {
    my ($ppid) = @_;
    my @pids;

    opendir(my $dh, '/proc') or return ();

    for my $pid (grep { /^\d+$/ } readdir $dh) {
        my $st = _stat($pid) or next;
        push @pids, $pid if $st->{ppid} == $ppid && $st->{state} ne 'Z';
    }

    closedir $dh;

    @pids = sort { $a <=> $b } @pids;

    return @pids;
}


# a probe connection would leave "client closed connection" in the log,
# so look for the listening socket instead

sub _listening {
    my ($port) = @_;

    open(my $fh, '<', '/proc/net/tcp') or return 0;

    while (my $line = <$fh>) {
        my ($local, $state) = (split ' ', $line)[1, 3];
        next unless defined $state && $state eq '0A';
        return 1 if $local =~ /:([0-9A-F]{4})$/ && hex($1) == $port;
    }

    return 0;
}


sub _wait_gone {
    my ($timeout, @pids) = @_;

    my $deadline = time + $timeout;

    for (;;) {
        for my $pid (@pids) {
            waitpid($pid, WNOHANG);
        }

        return 1 unless grep { _alive($_) } @pids;
        return 0 if time >= $deadline;

        sleep 0.05;
    }
}


###############################################################################

# raw-socket HTTP/1.1 client: raw sends the bytes given as they are (any
# byte, in the request line too); half_close shuts the socket for writing
# once they are sent, as a client that stops mid-request does

sub http {
    my ($self, $method, $uri, %opts) = @_;

    my $port = $opts{port} // $self->port(1);
    my $timeout = $opts{timeout} // 5;
    my $request = $opts{raw} // _request($method, $uri, %opts);

    local $SIG{PIPE} = 'IGNORE';

    my $start = time;
    my $deadline = $start + $timeout;

    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                  Proto => 'tcp', Timeout => $timeout);

    return { status => 0, error => "connect: $!", elapsed => time - $start }
        unless $s;

    my $error = _write_all($s, $request, $deadline);
    shutdown($s, 1) if $opts{half_close} && !defined $error;

    my $raw = '';
    my $sel = IO::Select->new($s);

    for (;;) {
        my $left = $deadline - time;

        if ($left <= 0) {
            $error = 'timeout';
            last;
        }

        next unless $sel->can_read($left);

        my $n = sysread($s, $raw, 65536, length $raw);

        if (!defined $n) {
            $error = "read: $!";
            last;
        }

        last if $n == 0;
    }

    close $s;

    my $r = _parse_response($raw);
    my $elapsed = time - $start;

    return { status => 0, error => $error // 'no response', raw => $raw,
             elapsed => $elapsed } unless $r;

    $r->{error} = $error if defined $error;
    $r->{raw} = $raw;
    $r->{elapsed} = $elapsed;

    return $r;
}


# n GET requests of uri sent at once, each on its own connection; their
# raw answers in order, empty for one that got none within timeout

sub concurrent_get {
    my ($self, $uri, $n, %opts) = @_;

    my $timeout = $opts{timeout} // 10;
    my $port = $self->port(1);
    my @socks;

    for (1 .. $n) {
        my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port")
            or croak "concurrent_get: connect: $!";
        print $s "GET $uri HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        push @socks, $s;
    }

    my %answer;
    my $sel = IO::Select->new(@socks);
    my $start = time;

    while ($sel->count && time - $start < $timeout) {
        for my $s ($sel->can_read(1)) {
            my $got = sysread($s, my $buf, 65536);
            if ($got) {
                $answer{$s} .= $buf;
                next;
            }
            $sel->remove($s);
            close $s;
        }
    }

    return map { $answer{$_} // '' } @socks;
}


sub http_json {
    my ($self, @args) = @_;

    my $r = $self->http(@args);
    $r->{json} = _decode_json($r->{body});

    return $r;
}


sub _decode_json {
    my ($text) = @_;

    return undef unless defined $text && length $text;

    my $v = eval { JSON::PP->new->utf8->allow_nonref->decode($text) };
    return $v;
}


sub _request {
    my ($method, $uri, %opts) = @_;

    my @h = @{$opts{headers} // []};
    my $body = $opts{body};
    my %has;

    for (my $i = 0; $i < @h; $i += 2) {
        $has{lc $h[$i]} = 1;
    }

    if (defined $body) {
        utf8::encode($body) if $body =~ /[^\x00-\xff]/;
        utf8::downgrade($body);
    }

    my $s = "$method $uri HTTP/1.1\r\n";

    $s .= "Host: localhost\r\n" unless $has{host};
    $s .= "Connection: close\r\n" unless $has{connection};
    $s .= 'Content-Length: ' . length($body) . "\r\n"
        if defined $body && !$has{'content-length'}
           && !$has{'transfer-encoding'};

    for (my $i = 0; $i < @h; $i += 2) {
        $s .= "$h[$i]: $h[$i + 1]\r\n";
    }

    $s .= "\r\n";
    $s .= $body if defined $body;

    return $s;
}


sub _write_all {
    my ($s, $data, $deadline) = @_;

    my $sel = IO::Select->new($s);
    my $off = 0;

    while ($off < length $data) {
        my $left = $deadline - time;
        return 'timeout' if $left <= 0;
        next unless $sel->can_write($left);

        my $n = syswrite($s, $data, length($data) - $off, $off);
        return "write: $!" unless defined $n;
        $off += $n;
    }

    return undef;
}


sub _parse_headers {
    my ($head) = @_;

    my (%h, @list);

    for my $line (split /\r?\n/, $head) {
        next unless $line =~ /^([^:\s]+)\s*:[ \t]*(.*?)[ \t]*$/;
        push @list, [$1, $2];
        $h{lc $1} = $2;
    }

    return (\%h, \@list);
}


sub _parse_response {
    my ($raw) = @_;

    my ($head, $body);

    for (;;) {
        return undef unless $raw =~ m{^HTTP/\d\.\d \d{3}};

        if ($raw =~ /\A(.*?)\r?\n\r?\n(.*)\z/s) {
            ($head, $body) = ($1, $2);
        } else {
            ($head, $body) = ($raw, '');
        }

        # skip interim responses such as 100 Continue
        last unless $head =~ m{^HTTP/\S+ 1\d\d} && $head !~ m{^HTTP/\S+ 101};
        $raw = $body;
    }

    my ($line, $rest) = split /\r?\n/, $head, 2;
    my ($proto, $status, $reason) = $line =~ m{^(HTTP/\d\.\d) (\d{3}) ?(.*)$};
    my ($h, $list) = _parse_headers($rest // '');

    my $r = { status => $status + 0, reason => $reason, protocol => $proto,
              headers => $h, header_list => $list };

    if (($h->{'transfer-encoding'} // '') =~ /chunked/i) {
        my ($data, $complete) = _dechunk($body);
        $r->{body} = $data;
        $r->{incomplete} = 1 unless $complete;

    } elsif (defined $h->{'content-length'}
             && $h->{'content-length'} =~ /^\d+$/)
    {
        $r->{body} = substr($body, 0, $h->{'content-length'});
        $r->{incomplete} = 1 if length($body) < $h->{'content-length'};

    } else {
        $r->{body} = $body;
    }

    return $r;
}


sub _dechunk {
    my ($body) = @_;

    my $out = '';

    while ($body =~ /\G([0-9a-fA-F]+)[^\r\n]*\r\n/gc) {
        my $len = hex $1;
        return ($out, 1) if $len == 0;

        my $at = pos($body);
        return ($out, 0) if $at + $len > length $body;

        $out .= substr($body, $at, $len);
        pos($body) = $at + $len;
        $body =~ /\G\r\n/gc;
    }

    return ($out, 0);
}


###############################################################################

# backend stubs: handler answers, every request is recorded (record => 0:
# none is)

sub backend {
    my ($self, %opts) = @_;

    my $port = $opts{port};

    if (defined $port) {
        $self->_release_port($port);
    }

    my $listen = IO::Socket::INET->new(
        LocalAddr => '127.0.0.1',
        LocalPort => $port // 0,
        Proto => 'tcp',
        Listen => 128,
        ReuseAddr => 1,
    ) or croak "backend: cannot listen on 127.0.0.1:" . ($port // 0) . ": $!";

    $port = $listen->sockport;

    my $be = bless {
        port => $port,
        file => "$self->{prefix}/backend-$port.jsonl",
        handler => $opts{handler} // \&_echo,
        record => $opts{record} // 1,
        owner => $$,
    }, 'Apigw::Test::Backend';

    open(my $fh, '>', $be->{file}) or croak "cannot create $be->{file}: $!";
    close $fh;

    my $pid = fork;
    croak "cannot fork: $!" unless defined $pid;

    if ($pid == 0) {
        _forget_ports();
        eval { Apigw::Test::Backend::_server($be, $listen) };
        warn "backend: $@" if $@;
        POSIX::_exit(1);
    }

    # in both processes, so that stop() never races the child's setpgid
    POSIX::setpgid($pid, $pid);

    close $listen;

    $be->{pid} = $pid;
    push @{$self->{backends}}, $be;

    return $be;
}


sub _echo {
    my ($req) = @_;

    my %echo = map { $_ => $req->{$_} }
               qw(method uri path query headers body);

    return (200, ['Content-Type' => 'application/json'],
            JSON::PP->new->ascii->canonical->encode(\%echo));
}


###############################################################################

# a private redis-server

sub redis {
    my ($self, %opts) = @_;

    my $port = $opts{port} // $self->port('redis');
    my $bin = $ENV{APIGW_REDIS} // '/usr/bin/redis-server';

    $self->_release_port($port);

    my $dir = "$self->{prefix}/redis-$port";
    make_path($dir);

    my $pid = fork;
    croak "cannot fork: $!" unless defined $pid;

    if ($pid == 0) {
        open(STDIN, '<', '/dev/null');
        open(STDOUT, '>', "$dir/stdout.log");
        open(STDERR, '>&', \*STDOUT);
        no warnings 'exec';
        exec { $bin } $bin, '--port', $port, '--bind', '127.0.0.1',
             '--dir', $dir, '--save', '', '--appendonly', 'no',
             '--daemonize', 'no', '--logfile', "$dir/redis.log",
             @{$opts{args} // []};
        POSIX::_exit(127);
    }

    my $r = bless { port => $port, pid => $pid, owner => $$ },
                  'Apigw::Test::Redis';

    push @{$self->{daemons}}, $r;

    my $deadline = time + 5;

    while (time < $deadline) {
        my $reply = eval { $r->command('PING') };
        return $r if defined $reply && $reply eq 'PONG';
        last unless _alive($pid);
        sleep 0.05;
    }

    $r->stop;
    croak "redis-server did not start on port $port: "
          . $self->read_file("$dir/stdout.log")
          . $self->read_file("$dir/redis.log");
}


###############################################################################

sub _cleanup {
    my ($self) = @_;

    return if $self->{owner} != $$;

    $_->stop for @{$self->{backends}}, @{$self->{daemons}};
    $self->stop;

    if ($ENV{APIGW_TEST_KEEP}) {
        print STDERR "# apigw test prefix kept: $self->{prefix}\n"
            unless $self->{kept}++;
        return;
    }

    rmtree($self->{prefix}) if -d $self->{prefix};
}


# a test killed by a signal still stops what it started

my %SIGNO = (HUP => 1, INT => 2, TERM => 15);

for my $sig (keys %SIGNO) {
    $SIG{$sig} //= sub { exit(128 + $SIGNO{$sig}) };
}


END {
    my $status = $?;

    for my $t (@INSTANCES) {
        eval { $t->_cleanup };
    }

    $? = $status;
}


###############################################################################

package Apigw::Test::Backend;

use strict;
use warnings;

use Fcntl qw(:flock);
use IO::Select;
use JSON::PP;
use POSIX ();
use Socket qw(SOL_SOCKET SO_LINGER);
use Time::HiRes qw(time sleep);

my %REASON = (
    100 => 'Continue', 200 => 'OK', 201 => 'Created', 202 => 'Accepted',
    204 => 'No Content', 301 => 'Moved Permanently', 302 => 'Found',
    304 => 'Not Modified', 400 => 'Bad Request', 401 => 'Unauthorized',
    403 => 'Forbidden', 404 => 'Not Found', 405 => 'Method Not Allowed',
    409 => 'Conflict', 413 => 'Payload Too Large',
    415 => 'Unsupported Media Type',
    422 => 'Unprocessable Entity', 429 => 'Too Many Requests',
    500 => 'Internal Server Error', 502 => 'Bad Gateway',
    503 => 'Service Unavailable', 504 => 'Gateway Timeout',
);


sub port { $_[0]{port} }
sub pid { $_[0]{pid} }


sub requests {
    my ($self) = @_;

    open(my $fh, '<', $self->{file}) or return ();
    flock($fh, LOCK_SH);
    my @lines = <$fh>;
    close $fh;

    my $json = JSON::PP->new->ascii;

    return map { $json->decode($_) } grep { /\S/ } @lines;
}


sub last_request {
    my ($self) = @_;
    my @r = $self->requests;
    return $r[-1];
}


sub clear {
    my ($self) = @_;

    open(my $fh, '+<', $self->{file}) or return;
    flock($fh, LOCK_EX);
    truncate($fh, 0);
    close $fh;
}


sub stop {
    my ($self) = @_;

    return if $self->{owner} != $$;

    my $pid = delete $self->{pid} or return;

    # the server and its connection children share a process group
    kill 'TERM', -$pid;
    kill 'TERM', $pid;

    my $deadline = time + 3;

    while (time < $deadline) {
        last if waitpid($pid, POSIX::WNOHANG()) != 0;
        sleep 0.02;
    }

    kill 'KILL', -$pid;
    waitpid($pid, 0);
}


# the forked server: one process per connection; it never returns

sub _server {
    my ($self, $listen) = @_;

    POSIX::setpgid(0, 0);

    $SIG{$_} = 'DEFAULT' for qw(TERM INT HUP QUIT ALRM __DIE__ __WARN__);
    $SIG{PIPE} = 'IGNORE';
    $SIG{CHLD} = 'IGNORE';

    open(STDIN, '<', '/dev/null');
    open(STDOUT, '>', '/dev/null');

    for (;;) {
        my $c = $listen->accept or next;

        my $pid = fork;

        if (!defined $pid) {
            close $c;
            next;
        }

        if ($pid == 0) {
            close $listen;
            eval { $self->_connection($c) };
            warn "backend: $@" if $@;
            POSIX::_exit(0);
        }

        close $c;
    }
}


sub _connection {
    my ($self, $c) = @_;

    binmode $c;

    my $buf = '';
    my $n = 0;

    for (;;) {
        my $req = _read_request($c, \$buf) or last;

        $req->{conn} = $$;
        $req->{conn_seq} = ++$n;
        $req->{time} = time;

        # record => 0: for many requests none looks at (each record reads
        # the whole file to number itself)
        $self->_record($req) if $self->{record};

        my @res = eval { $self->{handler}->($req) };

        if ($@) {
            warn "backend handler died: $@";
            @res = (500, ['Content-Type' => 'text/plain'], "handler died: $@");
        }

        last unless _respond($c, $req, @res);
    }

    close $c;
}


# appends the request to the record file under a lock, numbering it

sub _record {
    my ($self, $req) = @_;

    open(my $fh, '+<', $self->{file}) or die "cannot open $self->{file}: $!";
    flock($fh, LOCK_EX);

    my $count = 0;
    $count++ while <$fh>;
    $req->{seq} = $count + 1;

    seek($fh, 0, 2);
    syswrite($fh, JSON::PP->new->ascii->canonical->encode($req) . "\n");
    close $fh;
}


sub _fill {
    my ($c, $buf) = @_;
    my $n = sysread($c, $$buf, 65536, length $$buf);
    return $n;
}


sub _read_request {
    my ($c, $buf) = @_;

    for (;;) {
        $$buf =~ s/\A(?:\r?\n)+//;
        last if $$buf =~ /\r?\n\r?\n/;
        return undef unless _fill($c, $buf);
    }

    $$buf =~ s/\A(.*?)\r?\n\r?\n//s;
    my ($line, $rest) = split /\r?\n/, $1, 2;

    my ($method, $uri, $version) = $line =~ /^(\S+) (.*?)(?: (HTTP\/\d\.\d))?$/;
    return undef unless defined $method;

    my ($h, $list) = Apigw::Test::_parse_headers($rest // '');
    my ($path, $query) = $uri =~ /^([^?]*)(?:\?(.*))?$/s;

    my $req = {
        method => $method, uri => $uri, path => $path, query => $query,
        version => $version // 'HTTP/0.9', headers => $h,
        header_list => $list, body => '',
    };

    if (($h->{expect} // '') =~ /100-continue/i) {
        syswrite($c, "HTTP/1.1 100 Continue\r\n\r\n");
    }

    if (($h->{'transfer-encoding'} // '') =~ /chunked/i) {
        $req->{chunked} = 1;

        for (;;) {
            if ($$buf !~ s/\A([0-9a-fA-F]+)[^\r\n]*\r\n//) {
                return $req unless _fill($c, $buf);
                next;
            }

            my $len = hex $1;

            if ($len == 0) {
                # trailers up to the empty line
                until ($$buf =~ s/\A(?:[^\r\n]+\r\n)*\r\n//) {
                    return $req unless _fill($c, $buf);
                }
                last;
            }

            while (length($$buf) < $len + 2) {
                return $req unless _fill($c, $buf);
            }

            $req->{body} .= substr($$buf, 0, $len);
            substr($$buf, 0, $len + 2) = '';
        }

    } elsif (($h->{'content-length'} // '') =~ /^\d+$/) {
        my $len = $h->{'content-length'};

        while (length($$buf) < $len) {
            last unless _fill($c, $buf);
        }

        $req->{body} = substr($$buf, 0, $len);
        substr($$buf, 0, length $req->{body}) = '';
    }

    return $req;
}


# writes the answer; returns true if the connection stays open

sub _respond {
    my ($c, $req, @res) = @_;

    my $res;

    if (@res == 1 && ref $res[0] eq 'HASH') {
        $res = $res[0];

    } elsif (@res == 1 && !ref $res[0]) {
        my $what = $res[0];

        return _respond($c, $req, { status => $what }) if $what =~ /^\d+$/;

        return _hang($c) if $what eq 'hang';

        if ($what eq 'reset') {
            setsockopt($c, SOL_SOCKET, SO_LINGER, pack('ii', 1, 0));
        }

        return 0 if $what eq 'close' || $what eq 'reset';

        die "backend: unknown handler answer '$what'\n";

    } else {
        $res = { status => $res[0], headers => $res[1], body => $res[2] };
    }

    sleep $res->{delay} if $res->{delay};

    if (defined $res->{raw}) {
        _send($c, $res->{raw});
        return _hang($c) if ($res->{then} // '') eq 'hang';
        return 0;
    }

    my $status = $res->{status} // 200;
    my @h = @{$res->{headers} // []};
    my $body = $res->{body} // '';
    my %has;

    for (my $i = 0; $i < @h; $i += 2) {
        $has{lc $h[$i]} = $h[$i + 1];
    }

    utf8::encode($body) if $body =~ /[^\x00-\xff]/;

    my $keep = ($req->{version} eq 'HTTP/1.1')
               && ($req->{headers}{connection} // '') !~ /close/i;

    if (defined $has{connection}) {
        $keep = $keep && $has{connection} !~ /close/i;
    }

    my $out = "HTTP/1.1 $status " . ($REASON{$status} // 'Unknown') . "\r\n";

    for (my $i = 0; $i < @h; $i += 2) {
        $out .= "$h[$i]: $h[$i + 1]\r\n";
    }

    if ($res->{chunks}) {
        $out .= "Transfer-Encoding: chunked\r\n"
            unless defined $has{'transfer-encoding'};

    } elsif (!defined $has{'content-length'}
             && !defined $has{'transfer-encoding'})
    {
        $out .= 'Content-Length: ' . length($body) . "\r\n";
    }

    $out .= "Connection: close\r\n" if !$keep && !defined $has{connection};
    $out .= "\r\n";

    if ($req->{method} ne 'HEAD') {
        if ($res->{chunks}) {
            for my $chunk (@{$res->{chunks}}) {
                next unless length $chunk;
                $out .= sprintf("%x\r\n%s\r\n", length $chunk, $chunk);
            }
            $out .= "0\r\n\r\n";

        } else {
            $out .= $body;
        }
    }

    _send($c, $out) or return 0;

    return $keep;
}


# holds the connection until the peer goes away or the stub is killed
sub _hang {
    my ($c) = @_;

    my $sel = IO::Select->new($c);
    my $junk;

    for (;;) {
        $sel->can_read;
        my $n = sysread($c, $junk, 65536);
        return 0 unless $n;
    }
}


sub _send {
    my ($c, $data) = @_;

    my $off = 0;

    while ($off < length $data) {
        my $n = syswrite($c, $data, length($data) - $off, $off);
        return 0 unless defined $n;
        $off += $n;
    }

    return 1;
}


###############################################################################

package Apigw::Test::Redis;

use strict;
use warnings;

use IO::Socket::INET;
use POSIX ();
use Time::HiRes qw(time sleep);

sub port { $_[0]{port} }
sub pid { $_[0]{pid} }


# one command over a fresh connection; returns the decoded reply
# (error replies die)

sub command {
    my ($self, @args) = @_;

    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                  PeerPort => $self->{port}, Proto => 'tcp',
                                  Timeout => 2)
        or die "redis: cannot connect: $!\n";

    my $cmd = '*' . @args . "\r\n";
    $cmd .= '$' . length($_) . "\r\n$_\r\n" for @args;

    print $s $cmd;

    my $reply = _reply($s);
    close $s;

    return $reply;
}


sub _reply {
    my ($s) = @_;

    my $line = <$s>;
    die "redis: no reply\n" unless defined $line;
    $line =~ s/\r\n$//;

    my ($type, $rest) = (substr($line, 0, 1), substr($line, 1));

    return $rest if $type eq '+';
    return $rest + 0 if $type eq ':';
    die "redis: $rest\n" if $type eq '-';

    if ($type eq '$') {
        return undef if $rest < 0;
        my $data = '';
        read($s, $data, $rest + 2);
        return substr($data, 0, $rest);
    }

    if ($type eq '*') {
        return undef if $rest < 0;
        return [map { _reply($s) } 1 .. $rest];
    }

    die "redis: bad reply '$line'\n";
}


sub stop {
    my ($self) = @_;

    return if $self->{owner} != $$;

    my $pid = delete $self->{pid} or return;

    kill 'TERM', $pid;

    my $deadline = time + 3;

    while (time < $deadline) {
        return if waitpid($pid, POSIX::WNOHANG()) != 0;
        sleep 0.02;
    }

    kill 'KILL', $pid;
    waitpid($pid, 0);
}


1;
