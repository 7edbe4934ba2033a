#!/bin/sh
# A client that stops sending its request body is cut by nginx at
# client_body_timeout, read from nginx/hello-fcgi.conf: nginx logs 408 and
# closes the connection; the app never sees the request. The limit is the
# header's (client_header_timeout): one limit for a stalled client.
#
# What it does not promise: nginx restarts the body timer on every read, so
# a body dribbled a byte a second is never cut; it is served once complete.
# That is pinned here too, so that the docs cannot promise more.
. "$top_srcdir/tests/lib.sh"
HTTP_PROBE=$top_builddir/tests/probes/http-probe

conf=$top_srcdir/nginx/hello-fcgi.conf
seconds() { sed -n "s/^ *$1 \([0-9]*\)s;.*/\1/p" "$conf"; }
body_timeout=$(seconds client_body_timeout)
header_timeout=$(seconds client_header_timeout)
[ -n "$body_timeout" ] || bail "no client_body_timeout in seconds in $conf"
is "$body_timeout" "$header_timeout" \
    "client_body_timeout is client_header_timeout (${header_timeout:-none} s): one limit for a stalled client"

port=$(free_port)
start_app "127.0.0.1:$port"
start_nginx "127.0.0.1:$port"

# Both at once: a body that stops after 1 byte, and one dribbled a byte a
# second for longer than the limit.
max=$((body_timeout + 10))
"$HTTP_PROBE" body "$http_port" 100 1 "$max" >"$workdir/stalled" &
stalled=$!
dribble=$((body_timeout + 3))
"$HTTP_PROBE" body "$http_port" "$dribble" "$dribble" "$max" >"$workdir/dribbled" &
dribbled=$!
pids="$pids $stalled $dribbled"

# ended_as PID FILE WHAT S: the probe PID exited 0 having printed "WHAT after
# S s" or S + 1 s (the second may round either way); $got holds what it printed.
ended_as() {
    wait "$1"
    status=$?
    got=$(cat "$2")
    [ "$status" -eq 0 ] && { [ "$got" = "$3 after $4 s" ] || [ "$got" = "$3 after $(($4 + 1)) s" ]; }
}

# nginx ends a request that timed out without an answer: it closes.
ended_as "$stalled" "$workdir/stalled" closed "$body_timeout"
ok $? "a body that stops after 1 byte is cut at client_body_timeout ($body_timeout s): $got"
grep -q '"POST / HTTP/1.1" 408 ' "$workdir/nginx/logs/access.log"
ok $? "nginx logs it as 408"

# Its last byte leaves after dribble - 1 s.
ended_as "$dribbled" "$workdir/dribbled" "HTTP/1.1 200 OK" $((dribble - 1))
ok $? "a body dribbled a byte a second past the limit is not cut (the timer restarts on each read): $got"
is "$(curl -s --max-time 5 "http://127.0.0.1:$http_port/")" "Hello World!" "the service still answers"

finish
