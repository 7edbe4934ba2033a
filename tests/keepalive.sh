#!/bin/sh
# Idle kept connections must not starve new ones. libfcgi alone pins a thread
# to every kept connection; hello-fcgi parks them (app/server.c).
. "$top_srcdir/tests/lib.sh"

port=$(free_port)
start_app "127.0.0.1:$port" --threads 2

# Straight FastCGI: 16 idle kept connections against 2 threads.
"$PROBE" idle "127.0.0.1:$port" 16 1000 >"$workdir/out" 2>&1
ok $? "16 idle kept connections, 2 threads: a new request is answered within 1 s, and the kept ones still work"
diag "$(cat "$workdir/out")"

# Through nginx: 2 workers with keepalive 16 each fill their pools against a
# single app thread, then requests keep being answered promptly.
stop_pid "$app_pid"
start_app "127.0.0.1:$port" --threads 1
NGINX_WORKERS=2 start_nginx "127.0.0.1:$port"
curl -s --parallel --parallel-immediate --parallel-max 64 -o /dev/null \
    -w '%{http_code}\n' "http://127.0.0.1:$http_port/fill[1-256]" >"$workdir/codes"
is "$(grep -c '^200$' "$workdir/codes")" 256 "256 requests over 64 connections fill nginx's pools"
t0=$(now_ms)
n=0
for i in 1 2 3 4 5 6 7 8 9 10; do
    [ "$(curl -s --max-time 5 "http://127.0.0.1:$http_port/after$i")" = "Hello World!" ] && n=$((n + 1))
done
took=$(( $(now_ms) - t0 ))
is "$n" 10 "then 10 new requests through nginx are all answered"
[ "$took" -lt 2000 ]
ok $? "promptly: 10 sequential requests took $took ms with 1 app thread"

finish
