#!/bin/sh
# A replica stopped while nginx still sends it requests, as a Swarm node's
# nginx does until Docker's DNS there drops a replica stopping on another
# node: two apps behind one nginx under GET and POST load, SIGTERM to one,
# ROUNDS times. nginx retries a request whose connect fails, but never a
# POST it has written to a kept connection, so a replica that closed its
# kept connections at SIGTERM failed POSTs (app/server.c, "Why a stop
# lingers"). No request may fail, and each stop ends well within Docker's
# 10 s grace period.
. "$top_srcdir/tests/lib.sh"
command -v wrk >/dev/null || bail "wrk not found: install the wrk package"

ROUNDS=3
port_a=$(free_port)
port_b=$(free_port)
start_app "127.0.0.1:$port_b"
start_app "127.0.0.1:$port_a"
start_nginx "127.0.0.1:$port_a; server 127.0.0.1:$port_b"
url=http://127.0.0.1:$http_port/

# failed FILE: non-2xx answers and socket errors in one wrk summary.
failed() {
    awk '/Non-2xx or 3xx responses:/ {n = $NF}
         /Socket errors:/ {gsub(/,/, ""); n += $4 + $6 + $8 + $10}
         END {print n + 0}' "$1"
}

round=1
while [ "$round" -le "$ROUNDS" ]; do
    wrk -t1 -c8 -d4s --timeout 5s "$url" >"$workdir/get" 2>&1 &
    get=$!
    wrk -t1 -c24 -d4s --timeout 5s -s "$top_srcdir/tests/docker/post.lua" "$url" >"$workdir/post" 2>&1 &
    post=$!
    pids="$pids $get $post"
    sleep 1.5
    stop_pid "$app_pid"
    wait "$get" "$post"
    sent=$(( $(awk '/ requests in / {print $1}' "$workdir/get") + $(awk '/ requests in / {print $1}' "$workdir/post") ))
    is "$stop_status:$(failed "$workdir/get"):$(failed "$workdir/post")" 0:0:0 \
        "round $round: the replica stopped under load (exit 0), no GET and no POST failed of $sent"
    [ "$stop_ms" -lt 6000 ]
    ok $? "round $round: it stopped $stop_ms ms after SIGTERM"
    round=$((round + 1))
    start_app "127.0.0.1:$port_a"
done

finish
