#!/usr/bin/perl
# FastCGI protocol cases that any client may hit, each record written by
# hand, so that nothing here shares code (or a misreading of the
# specification) with the app or with libfcgi.
#
#   perl fcgi-cases.pl ADDRESS MODE [SCRIPT_FILENAME]
#
# ADDRESS is unix:PATH or HOST:PORT. MODE app asserts what hello-fcgi must
# do; MODE php-fpm asserts what php-fpm 8.2 does, observed and pinned here
# so that the table in docs/frontends.md stays true (php-fpm is the
# reference: the FastCGI server most front ends are tested against).
# SCRIPT_FILENAME is sent as that parameter: php-fpm needs a script that
# prints exactly the app's answer (tests/frontends/php-fpm.sh writes one);
# the app ignores it. Every case prints "# TABLE case | result".
#
# Core Perl only. Every socket operation waits at most $IO_TIMEOUT s, every
# loop is bounded by a deadline or a count, and each case by an alarm.
use strict;
use warnings;
use IO::Socket::INET;
use IO::Socket::UNIX;
use Socket qw(SOCK_STREAM SOL_SOCKET SO_ERROR);
use Time::HiRes qw(time sleep);

my ($address, $mode, $script) = @ARGV;
die "usage: $0 unix:PATH|HOST:PORT app|php-fpm [SCRIPT_FILENAME]\n"
    unless defined $mode && $mode =~ /^(?:app|php-fpm)$/;
$script = '/srv/hello.php' unless defined $script;
my ($unix_path, $host, $port);
if ($address =~ /^unix:(.+)$/) {
    $unix_path = $1;
} elsif ($address =~ /^(.+):(\d+)$/) {
    ($host, $port) = ($1, $2);
} else {
    die "$0: bad address '$address'\n";
}

my $IO_TIMEOUT = 3;
# A peer that closes turns our writes into EPIPE, which is a result here.
$SIG{PIPE} = 'IGNORE';

use constant {
    BEGIN_REQUEST => 1, END_REQUEST => 3, PARAMS => 4, FCGI_STDIN => 5, FCGI_STDOUT => 6,
    FCGI_STDERR => 7, GET_VALUES => 9, GET_VALUES_RESULT => 10, UNKNOWN_TYPE => 11,
    RESPONDER => 1, AUTHORIZER => 2, KEEP_CONN => 1,
};
my @PROTOCOL_STATUS = qw(FCGI_REQUEST_COMPLETE FCGI_CANT_MPX_CONN FCGI_OVERLOADED FCGI_UNKNOWN_ROLE);

# The app's whole answer; php-fpm's script prints the same bytes.
my $ANSWER = "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 12\r\n\r\nHello World!";
my @CGI = (
    REQUEST_METHOD => 'GET', SCRIPT_FILENAME => $script, SCRIPT_NAME => '/hello.php',
    REQUEST_URI => '/', QUERY_STRING => '', SERVER_PROTOCOL => 'HTTP/1.1',
    GATEWAY_INTERFACE => 'CGI/1.1', SERVER_NAME => 'localhost', SERVER_PORT => '80',
    REMOTE_ADDR => '127.0.0.1',
);
my @QUERY = (FCGI_MAX_CONNS => '', FCGI_MAX_REQS => '', FCGI_MPXS_CONNS => '');

# --- TAP ---------------------------------------------------------------------

my ($tests, $failed) = (0, 0);
sub ok {
    my ($cond, $name) = @_;
    $tests++;
    $failed++ unless $cond;
    print(($cond ? 'ok' : 'not ok') . " $tests - $name\n");
    return $cond;
}
sub diag { print map { "# $_\n" } split /\n/, join '', @_ }

# --- records -----------------------------------------------------------------

sub record {
    my ($type, $id, $content) = @_;
    $content = '' unless defined $content;
    return pack('CCnnCC', 1, $type, $id, length $content, 0, 0) . $content;
}
sub nv_len { my $n = length shift; $n < 128 ? pack('C', $n) : pack('N', $n | 0x80000000) }
sub nv {
    my $s = '';
    for (my $i = 0; $i + 1 < @_; $i += 2) {
        $s .= nv_len($_[$i]) . nv_len($_[$i + 1]) . $_[$i] . $_[$i + 1];
    }
    return $s;
}
sub nv_decode {
    my ($s) = @_;
    my @out;
    for (1 .. 100) {
        last if $s eq '';
        my @len;
        for (1 .. 2) {
            return @out if $s eq '';
            if (ord($s) & 0x80) {
                return @out if length $s < 4;
                push @len, unpack('N', $s) & 0x7fffffff;
                substr($s, 0, 4, '');
            } else {
                push @len, ord $s;
                substr($s, 0, 1, '');
            }
        }
        return @out if length $s < $len[0] + $len[1];
        push @out, substr($s, 0, $len[0]), substr($s, $len[0], $len[1]);
        substr($s, 0, $len[0] + $len[1], '');
    }
    return @out;
}
sub begin_request {
    my ($id, $flags, $role) = @_;
    return record(BEGIN_REQUEST, $id, pack('nCx5', defined $role ? $role : RESPONDER, $flags));
}
sub params { my $id = shift; record(PARAMS, $id, nv(@_)) . record(PARAMS, $id) }
sub request { my ($id, $flags) = @_; begin_request($id, $flags) . params($id, @CGI) . record(FCGI_STDIN, $id) }
sub get_values { record(GET_VALUES, 0, nv(@QUERY)) }

# --- connections ---------------------------------------------------------------

sub errname {
    my $e = $! + 0;
    for my $name (qw(EPIPE ECONNRESET ECONNREFUSED ENOTCONN ETIMEDOUT EAGAIN ENOENT)) {
        return $name if exists $!{$name} && $!{$name};
    }
    return "errno $e ($!)";
}

# A connection: the socket, bytes not yet parsed, the records read, and how
# its reading ended (undef while open).
sub peer {
    my $s = defined $unix_path
        ? IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => $unix_path, Timeout => $IO_TIMEOUT)
        : IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Proto => 'tcp',
                                Timeout => $IO_TIMEOUT);
    die "connect to $address: " . errname() . "\n" unless $s;
    $s->blocking(0);
    return {s => $s, buf => '', recs => [], end => undef};
}

# send_bytes CONN DATA: all of DATA, one write() if the socket takes it;
# 'ok', 'timeout' or the error's name. Zero bytes is one write of length 0.
sub send_bytes {
    my ($c, $data) = @_;
    my $deadline = time + $IO_TIMEOUT;
    my $off = 0;
    while (1) {
        my $n = syswrite($c->{s}, $data, length($data) - $off, $off);
        if (defined $n) {
            $off += $n;
            return 'ok' if $off >= length $data;
            next;
        }
        return errname() unless $!{EAGAIN} || $!{EINTR};
        my $left = $deadline - time;
        return 'timeout' if $left <= 0;
        my $w = '';
        vec($w, fileno $c->{s}, 1) = 1;
        select(undef, $w, undef, $left);
    }
}

sub parse_records {
    my ($c) = @_;
    while (length $c->{buf} >= 8) {
        my ($version, $type, $id, $clen, $plen) = unpack('CCnnC', $c->{buf});
        last if length $c->{buf} < 8 + $clen + $plen;
        push @{$c->{recs}}, {version => $version, type => $type, id => $id,
                             content => substr($c->{buf}, 8, $clen)};
        substr($c->{buf}, 0, 8 + $clen + $plen, '');
    }
}

# read_until CONN UNTIL [TIMEOUT]: reads records until UNTIL->(CONN) holds
# ('done'), the peer closes ('EOF'), an error (its name) or the timeout
# ('timeout').
sub read_until {
    my ($c, $until, $timeout) = @_;
    my $deadline = time + (defined $timeout ? $timeout : $IO_TIMEOUT);
    while (1) {
        parse_records($c);
        return 'done' if $until->($c);
        return $c->{end} if defined $c->{end};
        my $left = $deadline - time;
        return 'timeout' if $left <= 0;
        my $r = '';
        vec($r, fileno $c->{s}, 1) = 1;
        next unless select($r, undef, undef, $left) > 0;
        my $n = sysread($c->{s}, $c->{buf}, 65536, length $c->{buf});
        if (!defined $n) {
            $c->{end} = errname() unless $!{EAGAIN} || $!{EINTR};
        } elsif ($n == 0) {
            $c->{end} = 'EOF';
        }
    }
}
sub until_end { my $c = shift; read_until($c, sub { 0 }, @_) }
sub ends { scalar grep { $_->{type} == END_REQUEST } @{$_[0]{recs}} }
sub has_type { my ($c, $type) = @_; scalar grep { $_->{type} == $type } @{$c->{recs}} }
sub first_of_type { my ($c, $type) = @_; (grep { $_->{type} == $type } @{$c->{recs}})[0] }

# answers CONN: each request's answer, in the order their END_REQUEST came:
# {id, stdout, stderr, app, proto, first, last} (indexes into the records).
sub answers {
    my ($c) = @_;
    my (%open, @done);
    my $recs = $c->{recs};
    for my $i (0 .. $#$recs) {
        my $r = $recs->[$i];
        next if $r->{id} == 0;
        my $ans = $open{$r->{id}} ||= {id => $r->{id}, stdout => '', stderr => '', first => $i};
        if ($r->{type} == FCGI_STDOUT) {
            $ans->{stdout} .= $r->{content};
        } elsif ($r->{type} == FCGI_STDERR) {
            $ans->{stderr} .= $r->{content};
        } elsif ($r->{type} == END_REQUEST) {
            @$ans{qw(app proto)} = unpack('NC', $r->{content} . "\0" x 8);
            $ans->{last} = $i;
            push @done, delete $open{$r->{id}};
        }
    }
    return @done;
}
sub answer_for { my ($c, $id) = @_; (grep { $_->{id} == $id } answers($c))[0] }
sub full { my $ans = shift; $ans && $ans->{stdout} eq $ANSWER && $ans->{proto} == 0 && $ans->{stderr} eq '' }

# A short, stable description of an answer (or of its absence) for the table.
sub describe {
    my ($ans, $end) = @_;
    unless ($ans) {
        return 'no answer within 3 s' if !defined $end || $end eq 'timeout' || $end eq 'done';
        return "no answer, the connection was closed";
    }
    my $proto = $PROTOCOL_STATUS[$ans->{proto}] || "protocolStatus $ans->{proto}";
    return '200 Hello World!' if full($ans);
    if ($ans->{proto} != 0) {
        return "END_REQUEST $proto, " .
            ($ans->{stdout} eq '' ? 'no FCGI_STDOUT' : length($ans->{stdout}) . ' bytes of FCGI_STDOUT');
    }
    return 'an empty answer (END_REQUEST with no FCGI_STDOUT)' if $ans->{stdout} eq '';
    my ($head, $body) = split /\r\n\r\n/, $ans->{stdout}, 2;
    my ($first) = split /\r\n/, $head;
    return "answered '$first' and " . (defined $body ? length($body) . ' bytes of body' : 'no end of headers');
}
sub describe_values {
    my ($rec) = @_;
    return 'no FCGI_GET_VALUES_RESULT' unless $rec;
    my %v = nv_decode($rec->{content});
    my $s = join ', ', map { "$_=" . (defined $v{$_} ? $v{$_} : 'absent') } grep { !/^$/ } @QUERY;
    return "FCGI_GET_VALUES_RESULT (id $rec->{id}): $s";
}

# --- the cases ------------------------------------------------------------------

# Each case returns the result for the table and, for the app, the
# assertions [condition, name]. php-fpm's results are pinned in %PHP_FPM.
my %PHP_FPM;
my @CASES;
sub case { push @CASES, [@_] }

case 'a. FCGI_GET_VALUES alone on a new connection' => sub {
    my $c = peer();
    my $t0 = time;
    send_bytes($c, get_values());
    my $st = read_until($c, sub { has_type($_[0], GET_VALUES_RESULT) });
    my $ms = int((time - $t0) * 1000);
    my $rec = first_of_type($c, GET_VALUES_RESULT);
    my %v = $rec ? nv_decode($rec->{content}) : ();
    diag("GET_VALUES_RESULT after $ms ms") if $rec;
    my ($next, $ans) = ('not tried', undef);
    if ($rec) {
        my $w = send_bytes($c, request(1, KEEP_CONN));
        my $r = read_until($c, sub { ends($_[0]) >= 1 });
        $ans = answer_for($c, 1);
        $next = describe($ans, $w eq 'ok' ? $r : $w);
    }
    return (describe_values($rec) . "; then a keep-conn request: $next",
        [$rec && $ms < 1000, "FCGI_GET_VALUES_RESULT within 1 s ($ms ms, $st)"],
        [$rec && $rec->{id} == 0, 'the result has request id 0'],
        [defined $v{FCGI_MPXS_CONNS} && $v{FCGI_MPXS_CONNS} eq '0', 'FCGI_MPXS_CONNS is "0"'],
        [defined $v{FCGI_MAX_CONNS} && $v{FCGI_MAX_CONNS} =~ /^[1-9][0-9]*$/,
            'FCGI_MAX_CONNS is a positive integer'],
        [defined $v{FCGI_MAX_REQS} && $v{FCGI_MAX_REQS} =~ /^[1-9][0-9]*$/,
            'FCGI_MAX_REQS is a positive integer'],
        [full($ans), 'the connection stays open: a keep-conn request on it is answered']);
};
$PHP_FPM{'a. FCGI_GET_VALUES alone on a new connection'} =
    'FCGI_GET_VALUES_RESULT (id 0): FCGI_MAX_CONNS=absent, FCGI_MAX_REQS=absent, FCGI_MPXS_CONNS=0; '
    . 'then a keep-conn request: 200 Hello World!';

case 'b1. FCGI_GET_VALUES and a request in one write' => sub {
    my $c = peer();
    send_bytes($c, get_values() . request(1, KEEP_CONN));
    my $st = read_until($c, sub { has_type($_[0], GET_VALUES_RESULT) && ends($_[0]) >= 1 });
    my $rec = first_of_type($c, GET_VALUES_RESULT);
    my $ans = answer_for($c, 1);
    return (describe_values($rec) . '; the request: ' . describe($ans, $st),
        [$rec && $rec->{id} == 0, 'FCGI_GET_VALUES_RESULT'],
        [full($ans), 'and the request is answered']);
};
$PHP_FPM{'b1. FCGI_GET_VALUES and a request in one write'} =
    'FCGI_GET_VALUES_RESULT (id 0): FCGI_MAX_CONNS=absent, FCGI_MAX_REQS=absent, FCGI_MPXS_CONNS=0; '
    . 'the request: 200 Hello World!';

case 'b2. FCGI_GET_VALUES between two requests on a kept connection' => sub {
    my $c = peer();
    send_bytes($c, request(1, KEEP_CONN));
    read_until($c, sub { ends($_[0]) >= 1 });
    my $a1 = answer_for($c, 1);
    my $w = send_bytes($c, get_values());
    my $st = read_until($c, sub { has_type($_[0], GET_VALUES_RESULT) });
    my $rec = first_of_type($c, GET_VALUES_RESULT);
    my $w2 = send_bytes($c, request(2, KEEP_CONN));
    my $st2 = read_until($c, sub { ends($_[0]) >= 2 });
    my $a2 = answer_for($c, 2);
    return ('request 1: ' . describe($a1) . '; ' . describe_values($rec) . '; request 2: '
            . describe($a2, $w2 eq 'ok' ? $st2 : $w2),
        [full($a1), 'the first request is answered'],
        [$rec && $rec->{id} == 0, "then FCGI_GET_VALUES_RESULT ($w, $st)"],
        [full($a2), 'then the second request is answered']);
};
$PHP_FPM{'b2. FCGI_GET_VALUES between two requests on a kept connection'} =
    'request 1: 200 Hello World!; FCGI_GET_VALUES_RESULT (id 0): FCGI_MAX_CONNS=absent, '
    . 'FCGI_MAX_REQS=absent, FCGI_MPXS_CONNS=0; request 2: 200 Hello World!';

case 'b3. request, FCGI_GET_VALUES, request in one write' => sub {
    my $c = peer();
    send_bytes($c, request(1, KEEP_CONN) . get_values() . request(2, KEEP_CONN));
    my $st = read_until($c, sub { has_type($_[0], GET_VALUES_RESULT) && ends($_[0]) >= 2 });
    my $rec = first_of_type($c, GET_VALUES_RESULT);
    my ($a1, $a2) = (answer_for($c, 1), answer_for($c, 2));
    return ('request 1: ' . describe($a1, $st) . '; ' . describe_values($rec) . '; request 2: '
            . describe($a2, $st),
        [full($a1), 'the first request is answered'],
        [$rec && $rec->{id} == 0, 'FCGI_GET_VALUES_RESULT'],
        [full($a2), 'the second request is answered']);
};
$PHP_FPM{'b3. request, FCGI_GET_VALUES, request in one write'} =
    'request 1: 200 Hello World!; FCGI_GET_VALUES_RESULT (id 0): FCGI_MAX_CONNS=absent, '
    . 'FCGI_MAX_REQS=absent, FCGI_MPXS_CONNS=0; request 2: 200 Hello World!';

case 'c. an unknown management record (type 100)' => sub {
    my $c = peer();
    send_bytes($c, record(100, 0, "\0" x 8));
    my $st = read_until($c, sub { has_type($_[0], UNKNOWN_TYPE) });
    my $rec = first_of_type($c, UNKNOWN_TYPE);
    my $result = $rec ? 'FCGI_UNKNOWN_TYPE (id ' . $rec->{id} . ', type '
        . ord($rec->{content}) . ')' : ($st eq 'timeout' ? 'nothing within 3 s' : 'the connection was closed');
    my $ans;
    if ($rec) {
        my $w = send_bytes($c, request(1, KEEP_CONN));
        my $r = read_until($c, sub { ends($_[0]) >= 1 });
        $ans = answer_for($c, 1);
        $result .= '; then a request: ' . describe($ans, $w eq 'ok' ? $r : $w);
    }
    return ($result,
        [$rec && $rec->{id} == 0 && $rec->{content} eq "\x64" . "\0" x 7,
            "FCGI_UNKNOWN_TYPE, id 0, body: the type and 7 zero bytes ($st)"],
        [full($ans), 'the connection then serves a request']);
};
$PHP_FPM{'c. an unknown management record (type 100)'} = 'the connection was closed';

case 'd1. two keep-conn requests, ids 1 and 2, in one write' => sub {
    my $c = peer();
    send_bytes($c, request(1, KEEP_CONN) . request(2, KEEP_CONN));
    my $st = read_until($c, sub { ends($_[0]) >= 2 });
    my @ans = answers($c);
    my $in_order = @ans == 2 && $ans[0]{id} == 1 && $ans[1]{id} == 2 && $ans[0]{last} < $ans[1]{first};
    return ('first: ' . describe($ans[0], $st) . ' (id ' . ($ans[0] ? $ans[0]{id} : '-') . '); second: '
            . describe($ans[1], $st) . ' (id ' . ($ans[1] ? $ans[1]{id} : '-') . ')',
        [full($ans[0]) && full($ans[1]), "both answered in full ($st)"],
        [$in_order, 'in order: all of 1, then all of 2']);
};
$PHP_FPM{'d1. two keep-conn requests, ids 1 and 2, in one write'} =
    'first: 200 Hello World! (id 1); second: 200 Hello World! (id 2)';

case 'd2. two keep-conn requests, both id 1, in one write' => sub {
    my $c = peer();
    send_bytes($c, request(1, KEEP_CONN) . request(1, KEEP_CONN));
    my $st = read_until($c, sub { ends($_[0]) >= 2 });
    my @ans = answers($c);
    return ('first: ' . describe($ans[0], $st) . '; second: ' . describe($ans[1], $st),
        [@ans == 2 && full($ans[0]) && full($ans[1]), "both answered in full ($st)"]);
};
$PHP_FPM{'d2. two keep-conn requests, both id 1, in one write'} =
    'first: 200 Hello World!; second: 200 Hello World!';

case 'e. multiplexed: ids 1 and 2 begun, then interleaved' => sub {
    my $c = peer();
    send_bytes($c, begin_request(1, KEEP_CONN) . begin_request(2, KEEP_CONN)
        . record(PARAMS, 1, nv(@CGI)) . record(PARAMS, 2, nv(@CGI))
        . record(PARAMS, 1) . record(PARAMS, 2) . record(FCGI_STDIN, 1) . record(FCGI_STDIN, 2));
    my $st = read_until($c, sub { ends($_[0]) >= 2 });
    my ($a1, $a2) = (answer_for($c, 1), answer_for($c, 2));
    my @ans = answers($c);
    my $in_order = @ans == 2 && $ans[0]{id} == 1 && $ans[1]{id} == 2 && $ans[0]{last} < $ans[1]{first};
    return ('id 1: ' . describe($a1, $st) . '; id 2: ' . describe($a2, $st),
        [full($a1), "request 1 is answered in full ($st)"],
        [full($a2), 'request 2 is answered in full: set aside, not refused'],
        [$in_order, 'in order: all of 1, then all of 2']);
};
$PHP_FPM{'e. multiplexed: ids 1 and 2 begun, then interleaved'} =
    "id 1: answered 'Content-type: text/html; charset=UTF-8' and 0 bytes of body; "
    . 'id 2: no answer, the connection was closed';

case 'e2. multiplexed: 18 requests begun before the first ends' => sub {
    my $c = peer();
    my $bytes = join '', map { begin_request($_, KEEP_CONN) } 1 .. 18;
    $bytes .= join '', map { record(PARAMS, $_, nv(@CGI)) . record(PARAMS, $_) . record(FCGI_STDIN, $_) }
        2 .. 18, 1;
    send_bytes($c, $bytes);
    my $st = read_until($c, sub { ends($_[0]) >= 18 });
    my @full = grep { full(answer_for($c, $_)) } 1 .. 18;
    my @refused = grep { my $a = answer_for($c, $_); $a && $a->{proto} == 1 } 1 .. 18;
    return (scalar(@full) . ' answered in full, ' . scalar(@refused) . ' FCGI_CANT_MPX_CONN'
            . (@refused ? " (id @refused)" : ''),
        [@full == 17, "17 answered in full: the first and 16 set aside ($st)"],
        [@refused == 1 && $refused[0] == 18, 'the 18th gets END_REQUEST FCGI_CANT_MPX_CONN']);
};
$PHP_FPM{'e2. multiplexed: 18 requests begun before the first ends'} =
    '0 answered in full, 0 FCGI_CANT_MPX_CONN';

case 'f1. no parameters: BEGIN, empty PARAMS twice, empty FCGI_STDIN' => sub {
    my $c = peer();
    send_bytes($c, begin_request(1, 0) . record(PARAMS, 1) . record(PARAMS, 1) . record(FCGI_STDIN, 1));
    my $st = read_until($c, sub { ends($_[0]) >= 1 });
    my $ans = answer_for($c, 1);
    return (describe($ans, $st), [full($ans), "the full 200 Hello World! answer ($st)"]);
};
# Without SCRIPT_FILENAME php-fpm runs no script: headers, no body.
$PHP_FPM{'f1. no parameters: BEGIN, empty PARAMS twice, empty FCGI_STDIN'} =
    "answered 'Content-type: text/html; charset=UTF-8' and 0 bytes of body";

case 'f2. parameters, then empty PARAMS twice' => sub {
    my $c = peer();
    send_bytes($c, begin_request(1, 0) . record(PARAMS, 1, nv(@CGI)) . record(PARAMS, 1)
        . record(PARAMS, 1) . record(FCGI_STDIN, 1));
    my $st = read_until($c, sub { ends($_[0]) >= 1 });
    my $ans = answer_for($c, 1);
    return (describe($ans, $st), [full($ans), "the full 200 Hello World! answer ($st)"]);
};
$PHP_FPM{'f2. parameters, then empty PARAMS twice'} = '200 Hello World!';

# How the connection ends after reading: 'EOF', or the error a reset left.
sub end_state {
    my ($c, $st) = @_;
    return $st unless $st eq 'EOF';
    # A reset that came after the FIN leaves its error pending: the client's
    # next operation would get it.
    sleep 0.05;
    my $err = unpack('i', getsockopt($c->{s}, SOL_SOCKET, SO_ERROR) || pack('i', 0));
    return 'EOF' unless $err;
    $! = $err;
    return 'EOF, then ' . errname();
}

case 'g1. no keep-conn: the client writes again 100 ms after the answer' => sub {
    my $c = peer();
    send_bytes($c, request(1, 0));
    sleep 0.1;
    # As clients that end a request with an empty write do: zero bytes on a
    # unix socket (EPIPE if the peer has closed), a few on TCP (a reset).
    my $w = send_bytes($c, defined $unix_path ? '' : "\0" x 8);
    my $st = end_state($c, until_end($c));
    my $ans = answer_for($c, 1);
    return ("the write: $w; the answer: " . describe($ans, $st) . "; then $st",
        [$w eq 'ok', "the write after the answer succeeds ($w)"],
        [full($ans), 'every byte of the answer is read'],
        [$st eq 'EOF', "then EOF, no reset ($st)"]);
};
$PHP_FPM{'g1. no keep-conn: the client writes again 100 ms after the answer'} =
    'the write: ok; the answer: 200 Hello World!; then EOF';

case 'g2. no keep-conn, 64 kB of FCGI_STDIN after the empty FCGI_STDIN, one write' => sub {
    my $c = peer();
    my $junk = join '', map { record(FCGI_STDIN, 1, 'j' x 32768) } 1 .. 2;
    my $w = send_bytes($c, request(1, 0) . $junk);
    my $st = end_state($c, until_end($c));
    my $ans = answer_for($c, 1);
    diag("the write: $w; the connection then: $st");
    return ('the answer: ' . describe($ans, $st) . "; then $st",
        [full($ans), "the answer is read in full (write: $w, then $st)"]);
};
$PHP_FPM{'g2. no keep-conn, 64 kB of FCGI_STDIN after the empty FCGI_STDIN, one write'} =
    'the answer: 200 Hello World!; then EOF';

case 'i1. role FCGI_AUTHORIZER (2)' => sub {
    my $c = peer();
    send_bytes($c, begin_request(1, 0, AUTHORIZER) . params(1, @CGI) . record(FCGI_STDIN, 1));
    my $st = read_until($c, sub { ends($_[0]) >= 1 });
    my $ans = answer_for($c, 1);
    return (describe($ans, $st),
        [$ans && $ans->{proto} == 3 && $ans->{stdout} eq '', "END_REQUEST FCGI_UNKNOWN_ROLE, no FCGI_STDOUT ($st)"]);
};
$PHP_FPM{'i1. role FCGI_AUTHORIZER (2)'} = '200 Hello World!';

case 'i2. role 9, undefined' => sub {
    my $c = peer();
    send_bytes($c, begin_request(1, 0, 9) . params(1, @CGI) . record(FCGI_STDIN, 1));
    my $st = read_until($c, sub { ends($_[0]) >= 1 });
    my $ans = answer_for($c, 1);
    return (describe($ans, $st),
        [$ans && $ans->{proto} == 3 && $ans->{stdout} eq '', "END_REQUEST FCGI_UNKNOWN_ROLE, no FCGI_STDOUT ($st)"]);
};
$PHP_FPM{'i2. role 9, undefined'} = 'no answer, the connection was closed';

# Last: it fills the peer's backlog and workers, and the cases above need
# neither.
case 'h. stalled peers: 200 half headers, 20 trickling bodies, 50 silent' => sub {
    my (@half, @trickle, @silent);
    push @half, peer() for 1 .. 200;
    send_bytes($_, substr(begin_request(1, 0), 0, 4)) for @half;
    # The start is complete; the body announces 200 bytes and sends one at a
    # time.
    push @trickle, peer() for 1 .. 20;
    send_bytes($_, begin_request(1, 0) . params(1, @CGI, CONTENT_LENGTH => 200)
        . pack('CCnnCC', 1, FCGI_STDIN, 1, 200, 0, 0)) for @trickle;
    push @silent, peer() for 1 .. 50;
    my $next = time;
    my $trickle = sub {
        return if time < $next;
        send_bytes($_, 't') for @trickle;
        $next += 0.3;
    };
    # Long enough for every stalled peer to have reached the server.
    my $settle = time + 0.7;
    while (time < $settle) {
        $trickle->();
        sleep 0.05;
    }
    my $t0 = time;
    my $c = peer();
    send_bytes($c, request(1, 0));
    my $st = 'timeout';
    for (1 .. 100) {
        $trickle->();
        $st = read_until($c, sub { ends($_[0]) >= 1 }, 0.05);
        last unless $st eq 'timeout' && time - $t0 < $IO_TIMEOUT;
    }
    my $ms = int((time - $t0) * 1000);
    my $ans = answer_for($c, 1);
    diag("the fresh request: " . ($ans ? "answered in $ms ms" : "$st after $ms ms"));
    close $_->{s} for @half, @trickle, @silent, $c;
    my $result = !$ans ? describe($ans, $st) : full($ans) && $ms < 1000 ? '200 Hello World! within 1 s'
        : describe($ans, $st) . ', after more than 1 s';
    return ($result, [full($ans) && $ms < 1000, "a fresh request is answered within 1000 ms ($ms ms)"]);
};
$PHP_FPM{'h. stalled peers: 200 half headers, 20 trickling bodies, 50 silent'} = 'no answer within 3 s';

# --- run -------------------------------------------------------------------------

for my $case (@CASES) {
    my ($name, $code) = @$case;
    my ($result, @checks);
    my $ok = eval {
        local $SIG{ALRM} = sub { die "case over 20 s\n" };
        alarm 20;
        ($result, @checks) = $code->();
        alarm 0;
        1;
    };
    alarm 0;
    unless ($ok) {
        chomp(my $why = $@);
        ok(0, "$name: ran ($why)");
        print "# TABLE $name | error: $why\n";
        next;
    }
    print "# TABLE $name | $result\n";
    if ($mode eq 'app') {
        ok($_->[0], "$name: $_->[1]") for @checks;
    } else {
        ok($result eq $PHP_FPM{$name}, "$name: as php-fpm 8.2 does")
            or diag("  got:      $result\n  expected: $PHP_FPM{$name}");
    }
}
print "1..$tests\n";
exit($failed ? 1 : 0);
