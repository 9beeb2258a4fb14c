#!/usr/bin/perl

# Function calls signed with AWS SigV4 (apigw_functions URL aws_sigv4 ...)
# through nginx, to a stub of the Invoke API that records what it gets and,
# as AWS does, answers 403 to a signature it does not find again: each
# call's X-Amz-Date, X-Amz-Content-Sha256 (the SHA-256 of the event
# received) and Authorization, whose signature is computed again here
# with Digest::SHA from AWS's rules and by two other signers from npm,
# AWS's own (@smithy/signature-v4) and aws4 (tools/sigv4-sign.js,
# scripts/npm-tools); a session token signed; a qualifier in the
# query; the region from an endpoint's host name (an upstream{} named as
# Lambda's); credentials from nginx's environment and from a shared
# credentials file; a function authorizer's calls signed too; a wrong
# secret (AWS's 403: 500, its message logged); calls without aws_sigv4
# unsigned; the secret keys in no log line, at debug level; nginx -t
# refusing what is wrong, without showing a secret.

use strict;
use warnings;

use lib 't/lib';
use Test::More;
use Digest::SHA qw(sha256_hex hmac_sha256 hmac_sha256_hex);
use Encode qw(decode);
use JSON::PP;
use Time::Local qw(timegm);
use Apigw::Test;

plan(skip_all => 'module not built') unless Apigw::Test::have_module();

# the other signers are part of the test: missing, the test fails
my %signers = Apigw::Test::sigv4_signers();

ok($signers{npm}, 'node, @smithy/signature-v4 and aws4 are installed '
                  . '(scripts/npm-tools)')
    or do { done_testing(); exit 1 };

my $t = Apigw::Test->new;
my $json = JSON::PP->new->utf8->canonical;

my $AKID = 'AKIDEXAMPLE';
my $SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
my $TOKEN = 'FwoGZXIvYXdzEXAMPLE//////////sessionToken+/=';

my %ENVCREDS = (AWS_ACCESS_KEY_ID => 'AKIDFROMENV',
                AWS_SECRET_ACCESS_KEY => 'env/Secret+Key/0123456789EXAMPLE',
                AWS_SESSION_TOKEN => 'envTokenEXAMPLE==');
my $FILE_SECRET = 'file/Secret+Key/0123456789EXAMPLE';
my $WRONG = 'wrong/Secret+Key/0123456789EXAMPLE';

# the keys the Invoke API knows
my %KEYS = ($AKID => $SECRET,
            $ENVCREDS{AWS_ACCESS_KEY_ID} => $ENVCREDS{AWS_SECRET_ACCESS_KEY},
            AKIDFROMFILE => $FILE_SECRET);

my $BAD_SIGNATURE = 'The request signature we calculated does not match the '
    . 'signature you provided. Check your AWS Secret Access Key and signing '
    . 'method. Consult the service documentation for details.';

# the Invoke API: AWS's 403 for a signature that is not the one expected; a
# proxy response naming the function; the authorizer allows

my $be = $t->backend(port => $t->port(2), handler => sub {
    my ($req) = @_;

    my ($fn) = $req->{path} =~ m{^/2015-03-31/functions/([^/]+)/invocations$};

    return (404, ['Content-Type' => 'application/json'],
            '{"Type":"User","message":"Function not found"}')
        unless $req->{method} eq 'POST' && defined $fn;

    my $auth = authorization($req);

    if (defined $req->{headers}{authorization}
        && !($auth && defined $KEYS{$auth->{akid}}
             && $auth->{sig} eq expected_signature($req, $auth,
                                                   $KEYS{$auth->{akid}})))
    {
        return (403, ['Content-Type' => 'application/json',
                      'x-amzn-ErrorType' => 'InvalidSignatureException'],
                $json->encode({ message => $BAD_SIGNATURE }));
    }

    if ($fn eq 'authorizer') {
        return (200, ['Content-Type' => 'application/json'], $json->encode({
            principalId => 'user-1',
            policyDocument => {
                Version => '2012-10-17',
                Statement => [{ Action => 'execute-api:Invoke',
                                Effect => 'Allow', Resource => '*' }],
            },
        }));
    }

    return (200, ['Content-Type' => 'application/json'], $json->encode({
        statusCode => 200,
        headers => { 'content-type' => 'application/json' },
        body => $json->encode({ function => $fn }),
    }));
});

$t->write_file('api.yaml', <<'YAML');
openapi: 3.0.3
info: {title: signed, version: "1"}
components:
  securitySchemes:
    # a function authorizer, as AWS exports one
    fnauth: {type: apiKey, in: header, name: Authorization,
             x-amazon-apigateway-authtype: custom,
             x-amazon-apigateway-authorizer: {type: token,
               authorizerResultTtlInSeconds: 0,
               authorizerUri: "arn:aws:apigateway:us-east-1:lambda:path/\
                 2015-03-31/functions/arn:aws:lambda:us-east-1:\
                 123456789012:function:authorizer/invocations"}}
paths:
  /hello:
    get:
      x-apigw-integration: {type: function, function: hello}
    post:
      x-apigw-integration: {type: function, function: hello}
  /latest:
    get:
      x-apigw-integration: {type: function, function: "hello:$LATEST"}
  /secure:
    get:
      security: [{fnauth: []}]
      x-apigw-integration: {type: function, function: hello}
YAML

$t->write_file('credentials', <<"INI");
[default]
aws_access_key_id = AKIDDEFAULT
aws_secret_access_key = not/the/one/used

[ci]
aws_access_key_id = AKIDFROMFILE
aws_secret_access_key = $FILE_SECRET
INI

my $signed = "aws_sigv4 region=us-east-1 access_key=$AKID secret_key=$SECRET";

my $conf = <<"CONF";
    apigw_api fn %%PREFIX%%/api.yaml;

    upstream lambda.eu-west-1.amazonaws.com {
        server 127.0.0.1:%%PORT_2%%;
    }

    server {
        listen 127.0.0.1:%%PORT%%;

        apigw_functions http://127.0.0.1:%%PORT_2%% $signed;

        location /keys/ {
            apigw fn stage=keys;
        }

        location /token/ {
            apigw fn stage=token;
            apigw_functions http://127.0.0.1:%%PORT_2%%/ $signed
                            session_token=$TOKEN;
        }

        location /named/ {
            apigw fn stage=named;
            apigw_functions http://lambda.eu-west-1.amazonaws.com
                            aws_sigv4 access_key=$AKID secret_key=$SECRET;
        }

        location /env/ {
            apigw fn stage=env;
            apigw_functions http://127.0.0.1:%%PORT_2%% aws_sigv4
                            region=ap-south-1;
        }

        location /file/ {
            apigw fn stage=file;
            apigw_functions http://127.0.0.1:%%PORT_2%% aws_sigv4
                            region=us-west-2
                            credentials=credentials profile=ci;
        }

        location /wrong/ {
            apigw fn stage=wrong;
            apigw_functions http://127.0.0.1:%%PORT_2%% aws_sigv4
                            region=us-east-1 access_key=$AKID
                            secret_key=$WRONG;
        }

        location /plain/ {
            apigw fn stage=plain;
            apigw_functions http://127.0.0.1:%%PORT_2%%;
        }
    }
CONF

# the credentials file is named relative to the configuration's folder
$t->write_conf($conf, log_level => 'debug');

{
    local @ENV{keys %ENVCREDS} = values %ENVCREDS;
    $t->run;
}

###############################################################################

# AWS's rules (the SigV4 documentation's "Create a canonical request"),
# written again without apigw_sigv4.c

sub aws_escape {
    my ($s) = @_;
    $s =~ s/([^A-Za-z0-9\-._~])/sprintf('%%%02X', ord $1)/ge;
    return $s;
}

# a query read as RFC 3986 has it, as AWS reads it: "+" is a plus sign
sub unescape {
    my ($s) = @_;
    $s =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge;
    return $s;
}

sub canonical_request {
    my ($req, @names) = @_;

    my ($path, $query) = $req->{uri} =~ /^([^?]*)(?:\?(.*))?$/s;

    # not S3: normalized, and each segment encoded once more than sent
    my @seg;

    for my $s (split m{/}, $path) {
        next if $s eq '' || $s eq '.';
        if ($s eq '..') {
            pop @seg;
            next;
        }
        push @seg, aws_escape($s);
    }

    my $uri = '/' . join('/', @seg);
    $uri .= '/' if @seg && $path =~ m{/$};

    my @q = map { my ($k, $v) = split /=/, $_, 2;
                  [aws_escape(unescape($k)), aws_escape(unescape($v // ''))] }
            grep { length } split /&/, $query // '';

    my $q = join '&', map { "$_->[0]=$_->[1]" }
                      sort { $a->[0] cmp $b->[0] || $a->[1] cmp $b->[1] } @q;

    my %h;

    for my $pair (@{$req->{header_list}}) {
        (my $v = $pair->[1]) =~ s/^\s+|\s+$//g;
        $v =~ s/\s+/ /g;
        push @{$h{lc $pair->[0]}}, $v;
    }

    my $headers = join '', map { "$_:" . join(',', @{$h{$_} // []}) . "\n" }
                           @names;

    return join("\n", $req->{method}, $uri, $q, $headers, join(';', @names),
                $req->{headers}{'x-amz-content-sha256'} // '');
}

# an Authorization header's fields, or undef
sub authorization {
    my ($req) = @_;

    my %a;

    @a{qw(akid day region service names sig)} =
        ($req->{headers}{authorization} // '') =~ m{
            ^AWS4-HMAC-SHA256[ ]Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)
            /aws4_request,[ ]SignedHeaders=([^,]+),[ ]Signature=([0-9a-f]{64})$
        }x or return undef;

    return \%a;
}

# the signature of the request, by the fields of its Authorization
sub expected_signature {
    my ($req, $a, $secret) = @_;

    my $creq = canonical_request($req, split /;/, $a->{names});
    my $scope = "$a->{day}/$a->{region}/$a->{service}/aws4_request";
    my $sts = join("\n", 'AWS4-HMAC-SHA256',
                   $req->{headers}{'x-amz-date'} // '', $scope,
                   sha256_hex($creq));

    my $k = hmac_sha256($a->{day}, "AWS4$secret");
    $k = hmac_sha256($a->{region}, $k);
    $k = hmac_sha256($a->{service}, $k);
    $k = hmac_sha256('aws4_request', $k);

    return wantarray ? (hmac_sha256_hex($sts, $k), $creq)
                     : hmac_sha256_hex($sts, $k);
}

# the signed headers of the request signed by @smithy/signature-v4 and
# aws4 (tools/sigv4-sign.js): {smithy => {authorization => ...}, aws4 => ...}
sub peers {
    my ($req, $names, $region, $akid, $secret) = @_;

    my @headers = grep { my $n = lc $_->[0]; grep { $_ eq $n } @$names }
                  @{$req->{header_list}};

    my ($rc, $signed) = Apigw::Test::json_lines($signers{npm}, {
        method => $req->{method}, target => $req->{uri},
        headers => \@headers, body => decode('UTF-8', $req->{body}),
        access_key => $akid, secret_key => $secret,
        region => $region, service => 'lambda',
    });

    return $signed // {};
}

# one call as the Invoke API got it, checked against the credentials meant
sub check_signed {
    my ($req, $what, %want) = @_;

    my $h = $req->{headers};
    my $a = authorization($req);

    ok($a, "$what: Authorization: AWS4-HMAC-SHA256 ...")
        or return diag('Authorization: ' . ($h->{authorization} // ''));

    is($a->{akid}, $want{akid}, "$what: the access key id");
    is("$a->{region}/$a->{service}", "$want{region}/lambda",
       "$what: the region, lambda");

    my $date = $h->{'x-amz-date'} // '';
    my @t = $date =~ /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/;

    ok(@t && abs(time - timegm($t[5], $t[4], $t[3], $t[2], $t[1] - 1, $t[0]))
             < 300, "$what: X-Amz-Date is now ($date)");
    is($a->{day}, substr($date, 0, 8),
       "$what: the scope's day is X-Amz-Date's");

    is($h->{'x-amz-content-sha256'}, sha256_hex($req->{body}),
       "$what: X-Amz-Content-Sha256 is the SHA-256 of the event received");

    is($a->{names}, 'content-type;host;x-amz-content-sha256;x-amz-date'
                    . ($want{token} ? ';x-amz-security-token' : ''),
       "$what: the headers signed");
    is($h->{'x-amz-security-token'}, $want{token},
       "$what: X-Amz-Security-Token");

    my ($sig, $creq) = expected_signature($req, $a, $want{secret});

    is($a->{sig}, $sig, "$what: the signature, computed again (Digest::SHA)")
        or diag("canonical request:\n$creq");

    my $peers = peers($req, [split /;/, $a->{names}], $a->{region},
                      $a->{akid}, $want{secret});

    is($peers->{smithy}{authorization}, $h->{authorization},
       "$what: AWS's own signer's Authorization (\@smithy/signature-v4)");
    is($peers->{aws4}{authorization}, $h->{authorization},
       "$what: the aws4 package's Authorization");
}

sub call {
    my ($method, $uri, %opts) = @_;

    $be->clear;

    my $r = $t->http_json($method, $uri, %opts);
    my @calls = $be->requests;

    return ($r, @calls);
}

###############################################################################
# an integration: the proxy event, signed with the directive's keys

my ($r, @calls) = call('GET', "/keys/hello?name=caf\xc3\xa9&tag=a+b");

is($r->{status}, 200, 'keys: 200');
is($r->{json}{function}, 'hello', "keys: the function's answer");
is(scalar @calls, 1, 'keys: one call');

my $call = $calls[0];

is("$call->{method} $call->{uri}",
   'POST /2015-03-31/functions/hello/invocations', 'keys: the Invoke API');
is($call->{headers}{host}, '127.0.0.1:' . $t->port(2),
   'keys: Host, as the URL has it');

my $event = eval { JSON::PP->new->utf8->decode($call->{body}) } // {};
is($event->{path}, '/hello', 'keys: the body is the proxy event');
is($event->{queryStringParameters}{name}, "caf\x{e9}",
   'keys: the event, UTF-8 in it');

check_signed($call, 'keys', akid => $AKID, secret => $SECRET,
             region => 'us-east-1');

# a body of the client's in the event

($r, @calls) = call('POST', '/keys/hello', body => '{"n": [1, 2, 3]}',
                    headers => ['Content-Type' => 'application/json']);
is($r->{status}, 200, 'keys, POST: 200');
like($calls[0]{body}, qr/\\"n\\": \[1, 2, 3\]/,
     "keys, POST: the client's body in the event");
check_signed($calls[0], 'keys, POST', akid => $AKID, secret => $SECRET,
             region => 'us-east-1');

# a qualifier: a query signed

($r, @calls) = call('GET', '/keys/latest');
is($r->{status}, 200, 'qualifier: 200');
like($calls[0]{uri}, qr{/functions/hello/invocations\?Qualifier=\$LATEST$},
     'qualifier: ?Qualifier=$LATEST');
check_signed($calls[0], 'qualifier', akid => $AKID, secret => $SECRET,
             region => 'us-east-1');

###############################################################################
# a session token; the region of Lambda's endpoint's name; the environment;
# a credentials file

($r, @calls) = call('GET', '/token/hello');
is($r->{status}, 200, 'token: 200');
check_signed($calls[0], 'token', akid => $AKID, secret => $SECRET,
             region => 'us-east-1', token => $TOKEN);

($r, @calls) = call('GET', '/named/hello');
is($r->{status}, 200, 'named: 200');
is($calls[0]{headers}{host}, 'lambda.eu-west-1.amazonaws.com',
   "named: Host, the endpoint's name");
check_signed($calls[0], 'named', akid => $AKID, secret => $SECRET,
             region => 'eu-west-1');

($r, @calls) = call('GET', '/env/hello');
is($r->{status}, 200, 'env: 200');
check_signed($calls[0], 'env', akid => $ENVCREDS{AWS_ACCESS_KEY_ID},
             secret => $ENVCREDS{AWS_SECRET_ACCESS_KEY},
             region => 'ap-south-1', token => $ENVCREDS{AWS_SESSION_TOKEN});

($r, @calls) = call('GET', '/file/hello');
is($r->{status}, 200, 'file: 200');
check_signed($calls[0], 'file', akid => 'AKIDFROMFILE',
             secret => $FILE_SECRET, region => 'us-west-2');

###############################################################################
# a function authorizer's call is signed as the integration's

($r, @calls) = call('GET', '/token/secure',
                    headers => ['Authorization' => 'Bearer let-me-in']);
is($r->{status}, 200, 'authorizer: 200');
is(join(' ', map { $_->{path} =~ m{functions/([^/]+)/} } @calls),
   'authorizer hello', 'authorizer: the authorizer, then the function');
check_signed($calls[0], 'authorizer', akid => $AKID, secret => $SECRET,
             region => 'us-east-1', token => $TOKEN);
like($calls[0]{body}, qr/Bearer let-me-in/,
     "authorizer: the client's token in the event signed");

###############################################################################
# a wrong secret: AWS's 403, the client's 500, AWS's message logged

($r, @calls) = call('GET', '/wrong/hello');
is($r->{status}, 500, 'wrong secret: 500');
is($r->{json}{message}, 'Internal server error',
   'wrong secret: INTEGRATION_FAILURE');
is(scalar @calls, 1, 'wrong secret: one call, not repeated');
ok(scalar $t->log_lines(qr/function[ ]"hello":[ ]the[ ]Invoke[ ]API[ ]refused:
                           [ ].*The[ ]request[ ]signature[ ]we[ ]calculated
                           .*\(status[ ]403/x),
   "wrong secret: AWS's message logged");

###############################################################################
# without aws_sigv4: nothing of it

($r, @calls) = call('GET', '/plain/hello');
is($r->{status}, 200, 'plain: 200');
ok(!grep({ /^(?:authorization|x-amz-date|x-amz-content-sha256)$/ }
         keys %{$calls[0]{headers}}), 'plain: no signature');

###############################################################################
# nginx -t: what is wrong, said; no secret shown

$t->stop;

my $SHOWN = 'SECRETthatMUSTnotBEshown';

my @bad = (
    ["aws_sigv4 region=us-east-1",
     qr/aws_sigv4 has no credentials: .*AWS_ACCESS_KEY_ID is not set/,
     'no credentials anywhere'],
    ["aws_sigv4 region=us-east-1 access_key=$AKID",
     qr/access_key= without secret_key=/, 'access_key= alone'],
    ["aws_sigv4 region=us-east-1 secret_key=$SHOWN",
     qr/secret_key= without access_key=/, 'secret_key= alone'],
    ["aws_sigv4 access_key=$AKID secret_key=$SHOWN",
     qr/no region= and the host is not lambda\.REGION\.amazonaws\.com/,
     'no region'],
    ["aws_sigv4 region=US_EAST access_key=$AKID secret_key=$SHOWN",
     qr/the region is not one/, 'a region that is not one'],
    ["aws_sigv4 region=us-east-1 region=eu-west-1 access_key=$AKID "
     . "secret_key=$SHOWN", qr/region= is duplicate/, 'region= twice'],
    ["aws_sigv4 region=us-east-1 access_key=$AKID secret_key=$SHOWN "
     . "credentials=credentials", qr/or credentials=, not both/,
     'keys and a file'],
    ["aws_sigv4 region=us-east-1 credentials=nosuchfile",
     qr/cannot open the credentials file ".*nosuchfile"/, 'no such file'],
    ["aws_sigv4 region=us-east-1 credentials=credentials profile=prod",
     qr/has no profile \[prod\] with aws_access_key_id/, 'no such profile'],
    ["aws_sigv4 region=us-east-1 profile=ci", qr/profile= without /,
     'profile= without a file'],
    ["aws_sigv4 region=us-east-1 access_key=$AKID secret=$SHOWN",
     qr/not "secret=\.\.\."/, 'an unknown parameter'],
    ["aws_sigv4 region=us-east-1 access_key=$AKID $SHOWN",
     qr/not a parameter without "="/, 'a parameter without "="'],
    ["aws_sigv4 region=us-east-1 access_key=AKID/EX secret_key=$SHOWN",
     qr/the access key id is not one/, 'an access key id that is not one'],
    ["aws_sigv4 region=us-east-1 access_key=$AKID \"secret_key=a $SHOWN\"",
     qr/the secret key is empty or has a space/, 'a secret with a space'],
    ["aws_sigv4 region=us-east-1 access_key=$AKID secret_key=$SHOWN "
     . "\"session_token=a\tb\"", qr/the session token is empty or has/,
     'a session token with a tab'],
    ["$SHOWN", qr/what follows the URL is aws_sigv4 and its parameters/,
     'a parameter before aws_sigv4'],
);

for my $b (@bad) {
    my ($params, $re, $what) = @$b;

    $t->write_conf(<<"CONF");
    server {
        listen 127.0.0.1:%%PORT%%;
        apigw_functions http://127.0.0.1:%%PORT_2%% $params;
    }
CONF

    local @ENV{keys %ENVCREDS};
    delete @ENV{keys %ENVCREDS};

    my ($rc, $out) = $t->nginx_test;

    isnt($rc, 0, "nginx -t: $what: refused");
    like($out, qr/\[emerg\].*$re/, "nginx -t: $what: why");
    unlike($out, qr/\Q$SHOWN\E|\Q$SECRET\E/,
           "nginx -t: $what: no secret in what it says");
}

$t->write_conf(<<'CONF');
    server {
        listen 127.0.0.1:%%PORT%%;
        apigw_functions http://unix:/tmp/fn.sock aws_sigv4 region=us-east-1
                        access_key=AKIDEXAMPLE secret_key=x;
    }
CONF

my ($rc, $out) = $t->nginx_test;
like($out, qr/aws_sigv4 signs for a host, not a unix socket/,
     'nginx -t: a unix socket refused');

$t->write_conf(<<"CONF");
    upstream lambda.us-east-2.api.aws {
        server 127.0.0.1:%%PORT_2%%;
    }

    server {
        listen 127.0.0.1:%%PORT%%;
        apigw_functions http://lambda.us-east-2.api.aws aws_sigv4
                        access_key=$AKID secret_key=$SECRET;
    }
CONF

($rc, $out) = $t->nginx_test;
is($rc, 0, 'nginx -t: the region of lambda.us-east-2.api.aws') or diag($out);

###############################################################################

my $log = $t->error_log;

ok(!grep({ index($log, $_) >= 0 }
         $SECRET, $FILE_SECRET, $WRONG, $SHOWN,
         $ENVCREDS{AWS_SECRET_ACCESS_KEY}),
   'no secret key in error.log, debug lines included');
like($log, qr/apigw sigv4: \d{8}T\d{6}Z/,
     'error.log has the debug lines');

$t->check_log;

done_testing();
