#!/bin/sh
# Hostile HTTP through nginx: each request gets the right refusal from nginx
# (or a correct 200), and the app keeps answering everyone else.
. "$top_srcdir/tests/lib.sh"
HTTP_PROBE=$top_builddir/tests/probes/http-probe

port=$(free_port)
start_app "127.0.0.1:$port"
start_nginx "127.0.0.1:$port"
url=http://127.0.0.1:$http_port

# request FORMAT ARG...: the raw bytes of the next request (printf).
request() {
    # shellcheck disable=SC2059
    printf "$@" >"$workdir/request"
}
# expect_raw EXPECTED_STATUS_LINE DESCRIPTION: sends it, checks the answer.
expect_raw() {
    got=$("$HTTP_PROBE" raw "$http_port" <"$workdir/request")
    is "$got" "$1" "$2"
}
still_serves() {
    is "$(curl -s --max-time 5 "$url/")" "Hello World!" "$1: the service still answers"
}

long=$(head -c 9000 /dev/zero | tr '\0' a)
request 'GET /%s HTTP/1.1\r\nHost: x\r\n\r\n' "$long"
expect_raw "HTTP/1.1 414 Request-URI Too Large" "a 9 kB request line: 414"
request 'GET / HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n' "$long"
expect_raw "HTTP/1.1 400 Bad Request" "a 9 kB header: 400"
head -c 1100000 /dev/zero >"$workdir/big"
is "$(curl -s -o /dev/null -w '%{http_code}' --data-binary "@$workdir/big" "$url/")" 413 \
    "a 1.1 MB body: 413"
head -c 1000000 /dev/zero >"$workdir/fits"
is "$(curl -s --data-binary "@$workdir/fits" "$url/")" "Hello World!" "a 1 MB body, within the limit: 200"
request 'G@T / HTTP/1.1\r\nHost: x\r\n\r\n'
expect_raw "HTTP/1.1 400 Bad Request" "an invalid method: 400"
request 'BREW / HTTP/1.1\r\nHost: x\r\n\r\n'
expect_raw "HTTP/1.1 200 OK" "an unknown but valid method reaches the app: 200"
request 'GET / HTTP/2.7\r\nHost: x\r\n\r\n'
expect_raw "HTTP/1.1 505 HTTP Version Not Supported" "HTTP/2.7: 505"
request 'GET / HTTQ/1.1\r\nHost: x\r\n\r\n'
expect_raw "HTTP/1.1 400 Bad Request" "a malformed version: 400"
request 'GET /a\000b HTTP/1.1\r\nHost: x\r\n\r\n'
expect_raw "HTTP/1.1 400 Bad Request" "a NUL in the path: 400"
request 'GET / HTTP/1.1\r\nHost: x\r\nX-Ctl: a\001\033b\r\n\r\n'
expect_raw "HTTP/1.1 200 OK" \
    "control bytes in a header value are passed as data: 200"
request 'GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n'
expect_raw "HTTP/1.1 400 Bad Request" \
    "a path above the root: 400"
request 'GET /a/../b/./c HTTP/1.1\r\nHost: x\r\n\r\n'
expect_raw "HTTP/1.1 200 OK" "a path with .. inside the root: 200"
request 'GET / HTTP/1.1\r\n\r\n'
expect_raw "HTTP/1.1 400 Bad Request" "HTTP/1.1 without Host: 400"
still_serves "after the malformed requests"

# Many idle client connections and a slow client at once: others are served.
"$HTTP_PROBE" idle "$http_port" 200 15000 >"$workdir/idle" &
idle=$!; pids="$pids $idle"
wait_until 5000 grep -q holding "$workdir/idle"
ok $? "200 idle client connections are open"
"$HTTP_PROBE" slow "$http_port" 14 >"$workdir/slow" &
slow=$!; pids="$pids $slow"
sleep 1
n=0
for i in 1 2 3 4 5; do
    [ "$(curl -s --max-time 5 "$url/$i")" = "Hello World!" ] && n=$((n + 1))
done
is "$n" 5 "meanwhile other clients are answered"
wait "$slow"
status=$?
is "$status:$(cat "$workdir/slow")" "0:closed after 10 s" \
    "a client sending one byte a second is cut off by client_header_timeout (10 s)"
kill "$idle"
still_serves "after the slow and idle clients"

finish
