#!/bin/sh
# hello-fcgi against FastCGI clients that are not web servers: Debian's
# FCGI::Client (libfcgi-client-perl), a client library nobody here wrote,
# then the protocol cases of fcgi-cases.pl (management records, pipelining,
# multiplexing, closing, stalled peers, roles); over a unix socket and TCP.
# php-fpm.sh runs the same cases against php-fpm, for docs/frontends.md.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/frontends/suite.sh"

perl -MFCGI::Client -e 1 2>/dev/null \
    || bail "FCGI::Client not found: install the libfcgi-client-perl package"

printf 'Content-Type: text/plain; charset=utf-8\r\nContent-Length: 12\r\n\r\n' >"$workdir/head"
{ cat "$workdir/head"; printf 'Hello World!'; } >"$workdir/answer"
head -c 100000 /dev/zero | tr '\0' 'p' >"$workdir/body"
: >"$workdir/many"
for _ in $(seq 1 50); do cat "$workdir/answer" >>"$workdir/many"; done

# client.pl TARGET METHOD [BODY_FILE [COUNT]]: COUNT requests through
# FCGI::Client, each on its own connection (the library closes after
# END_REQUEST); their FCGI_STDOUT on stdout. Exit 0 only if each ended
# with appStatus 0 and no FCGI_STDERR. METHOD NONE sends no parameters at
# all: FCGI::Client then writes two empty FCGI_PARAMS records.
cat >"$workdir/client.pl" <<'EOF'
use strict;
use warnings;
use FCGI::Client;
use IO::Socket::INET;
use IO::Socket::UNIX;
use Socket qw(SOCK_STREAM);

my ($target, $method, $body_file, $count) = @ARGV;
my $content;
if (defined $body_file && $body_file ne '') {
    open my $fh, '<:raw', $body_file or die "$body_file: $!\n";
    local $/;
    $content = <$fh>;
}
my %env = $method eq 'NONE' ? () : (
    REQUEST_METHOD => $method, SCRIPT_NAME => '/', REQUEST_URI => '/',
    SERVER_PROTOCOL => 'HTTP/1.1',
    (defined $content ? (CONTENT_LENGTH => length $content) : ()));
binmode STDOUT;
my $bad = 0;
for (1 .. ($count || 1)) {
    my $sock = $target =~ m{^/}
        ? IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => $target, Timeout => 3)
        : IO::Socket::INET->new(PeerAddr => $target, Proto => 'tcp', Timeout => 3);
    die "connect to $target: $!\n" unless $sock;
    # timeout: FCGI::Client's own bound on the whole request (an alarm).
    my $conn = FCGI::Client::Connection->new(sock => $sock, timeout => 3);
    my ($stdout, $stderr, $app_status) = $conn->request(\%env, $content);
    print $stdout if defined $stdout;
    if (defined $stderr && $stderr ne '') { warn "FCGI_STDERR: $stderr\n"; $bad = 1 }
    if (!defined $app_status || $app_status != 0) { warn "appStatus: " . ($app_status // 'none') . "\n"; $bad = 1 }
}
exit $bad;
EOF

# client TARGET METHOD [BODY_FILE [COUNT]]: client.pl, bounded in time, its
# complaints in $workdir/client.err.
client() {
    timeout 30 perl "$workdir/client.pl" "$@" 2>"$workdir/client.err"
}

# expect NAME FILE CLIENT_ARGS...: client's output is exactly $workdir/FILE,
# and it reports no error.
expect() {
    ex_name=$1 ex_file=$2; shift 2
    client "$@" >"$workdir/out"
    ex_status=$?
    cmp -s "$workdir/out" "$workdir/$ex_file"
    is "$ex_status:$?" "0:0" "$ex_name"
    sed 's/^/#   /' "$workdir/client.err"
}


for transport in unix tcp; do
    label="fcgi-client $transport"
    case $transport in
        unix) target=$workdir/fcgi.sock; addr=unix:$target ;;
        tcp) target=127.0.0.1:$(free_port); addr=$target ;;
    esac
    # Two threads, whatever the environment says: case h counts on them.
    start_app "$addr" --threads 2

    expect "$label: FCGI::Client GET: exactly the headers and 'Hello World!'" answer "$target" GET
    expect "$label: FCGI::Client HEAD: exactly the headers" head "$target" HEAD
    expect "$label: FCGI::Client POST of 100 kB: exactly the headers and 'Hello World!'" answer \
        "$target" POST "$workdir/body"
    expect "$label: FCGI::Client, no parameters (two empty FCGI_PARAMS): the full answer" answer \
        "$target" NONE
    expect "$label: FCGI::Client, 50 requests one after another: each answered exactly" many \
        "$target" GET "" 50

    run_cases "$label" "$addr" app

    stop_pid "$app_pid"
    is "$stop_status" 0 "$label: after all that the app stops cleanly"

    # What the cases leave in the log: their three refusals, and the
    # stalled peers of case h, which the script closes mid-request (200 in
    # their start, 20 in their body). Anything else is a surprise.
    grep -v -e ' listening on ' -e ' stopping on SIG' -e ' stopped by SIG' \
        -e ' refused a request from .*: role [0-9]* is not responder; answered FCGI_UNKNOWN_ROLE$' \
        -e ' refused a request from .*: request [0-9]* came while request [0-9]* was in progress and [0-9]* more were set aside on its connection; answered FCGI_CANT_MPX_CONN$' \
        -e ' closed a FastCGI connection from .*: the peer closed it before its request was whole (in its start)$' \
        -e ' closed a FastCGI connection from .*: the peer closed it before its request was whole (in its body)$' \
        "$workdir/app.log" >"$workdir/unexpected"
    is "$(head -n 5 "$workdir/unexpected")" "" "$label: the app logged nothing unexpected"
    for role in 2 9; do
        is "$(grep -c ": role $role is not responder; answered FCGI_UNKNOWN_ROLE\$" "$workdir/app.log")" 1 \
            "$label: one log line for the refused role $role"
    done
    is "$(grep -c ': request 18 came while request 1 was in progress and 16 more were set aside on its connection; answered FCGI_CANT_MPX_CONN$' \
        "$workdir/app.log")" 1 "$label: one log line for the multiplexed request it refused, beyond the 16 set aside"
    sed -e 's/[0-9][0-9]*/N/g' "$workdir/app.log" | sort | uniq -c | sed 's/^/# log: /'
done

finish
