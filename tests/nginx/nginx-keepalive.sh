#!/bin/sh
# Idle kept connections through nginx: two nginx workers, each with its own
# keepalive pool, fill them against a single app thread; new requests are
# still answered promptly. (libfcgi alone would pin the thread to the first
# idle connection and leave the rest waiting.)
. "$top_srcdir/tests/lib.sh"

port=$(free_port)
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
