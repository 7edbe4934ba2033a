#!/bin/sh
# A replica stopped while nginx still sends it requests, as a Swarm node's
# nginx does until Docker's DNS there drops a replica stopping on another
# node: two apps behind one nginx under GET and POST load, SIGTERM to one,
# and LEARN_MS later nginx learns of it (a reload without that replica
# stands for the DNS change), ROUNDS times. nginx retries a request whose
# connect fails, but never a POST it has written to a kept connection, so a
# replica that closed its kept connections at SIGTERM failed POSTs
# (app/server.c, "Why a stop lingers"). nginx must answer every request it
# read with the app's 200, and the stopped replica must have lingered until
# nginx learned.
. "$top_srcdir/tests/lib.sh"
command -v wrk >/dev/null || bail "wrk not found: install the wrk package"

ROUNDS=3
LEARN_MS=700
port_a=$(free_port)
port_b=$(free_port)
start_app "127.0.0.1:$port_b"
start_app "127.0.0.1:$port_a"
start_nginx "127.0.0.1:$port_a; server 127.0.0.1:$port_b"
conf=$workdir/nginx.conf
cp "$conf" "$workdir/both.conf"
sed "s/server 127\.0\.0\.1:$port_a; //" "$conf" >"$workdir/b-only.conf"
cmp -s "$conf" "$workdir/b-only.conf" && bail "could not take replica A out of $conf"
url=http://127.0.0.1:$http_port/
log=$workdir/nginx/logs/access.log

# reload CONF: makes nginx run CONF; the old worker finishes what it holds.
reload() {
    cp "$1" "$conf"
    kill -HUP "$nginx_pid"
}

round=1
while [ "$round" -le "$ROUNDS" ]; do
    : >"$log"
    : >"$workdir/nginx/logs/error.log"
    wrk -t1 -c8 -d4s --timeout 5s "$url" >"$workdir/get" 2>&1 &
    get=$!
    wrk -t1 -c24 -d4s --timeout 5s -s "$top_srcdir/tests/docker/post.lua" "$url" >"$workdir/post" 2>&1 &
    post=$!
    pids="$pids $get $post"
    sleep 1.5
    t0=$(now_ms)
    kill -TERM "$app_pid"
    sleep "$(echo "$LEARN_MS" | awk '{print $1 / 1000}')"
    # kill -0 would not tell: a stopped app stays a zombie until waited for.
    grep -q 'stopped by' "$workdir/app.log"
    lingered=$?
    reload "$workdir/b-only.conf"
    wait "$app_pid"
    status=$?
    took=$(( $(now_ms) - t0 ))
    wait "$get" "$post"
    read=$(wc -l <"$log")
    posts=$(awk '$6 == "\"POST" && $9 == 200' "$log" | wc -l)
    # 499: wrk closed the connection when its 4 s were up, not a failure.
    bad=$(awk '$9 != 200 && $9 != 499' "$log" | wc -l)
    diag "round $round: wrk: $(grep -h 'Socket errors' "$workdir/get" "$workdir/post" | tr '\n' ' ')"
    [ "$bad" -eq 0 ] || diag "$(awk '$9 != 200 && $9 != 499 {print $6, $9}' "$log" | sort | uniq -c | tr '\n' ' ')"
    is "$status:$bad" 0:0 \
        "round $round: the replica stopped under load (exit 0); nginx answered all $read requests it read 200"
    [ "$posts" -gt 1000 ]
    ok $? "round $round: POSTs were among them ($posts)"
    # A refused connect is expected: nginx takes the replica out and sends
    # the request to the other one.
    grep upstream "$workdir/nginx/logs/error.log" | grep -v -e 'connect() failed (111' \
        -e 'upstream server temporarily disabled while connecting' >"$workdir/upstream-errors"
    sed -n '1,5s/^/# /p' "$workdir/upstream-errors"
    is "$(wc -l <"$workdir/upstream-errors")" 0 \
        "round $round: nginx logged no upstream error but refused connects"
    [ "$lingered" -ne 0 ] && [ "$took" -lt 6000 ]
    ok $? "round $round: it still ran when nginx learned, $LEARN_MS ms after SIGTERM, and left $took ms after it"
    round=$((round + 1))
    start_app "127.0.0.1:$port_a"
    reload "$workdir/both.conf"
    wait_until 5000 sh -c "! pgrep -P $nginx_pid -f 'shutting down' >/dev/null"
done

finish
