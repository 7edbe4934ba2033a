#!/bin/sh
# Drain on stop: SIGTERM to the app while nginx sends it steady load. Every
# request the app had accepted gets its whole answer, and so do those nginx
# sends on its kept connections while the app lingers (at most 5 s,
# app/server.c, "Why a stop lingers"); later ones get a prompt 502 from
# nginx; none is cut mid-body; the app exits 0 within its bound.
. "$top_srcdir/tests/lib.sh"

sock=$workdir/app.sock
start_app "unix:$sock" --socket-mode 0666
start_nginx "unix:$sock"

# curl prints, for each of 4000 requests over 16 connections: status, body
# bytes, curl's exit code (18 would be a body cut short).
curl -s --parallel --parallel-max 16 --max-time 10 -o /dev/null \
    -w '%{http_code} %{size_download} %{exitcode}\n' \
    "http://127.0.0.1:$http_port/load[1-4000]" >"$workdir/results" 2>"$workdir/curl.err" &
load=$!; pids="$pids $load"
wait_until 5000 sh -c "[ \$(wc -l <'$workdir/results') -ge 500 ]"
ok $? "load is running"
stop_pid "$app_pid"
is "$stop_status" 0 "SIGTERM under load: exit 0"
[ "$stop_ms" -lt 7000 ]
ok $? "stopped in $stop_ms ms: at most the 5 s bound and the drain, under docker's 10 s grace"
wait "$load"

sent=$(wc -l <"$workdir/results")
full=$(grep -c '^200 12 0$' "$workdir/results")
gw=$(grep -c '^502 ' "$workdir/results")
other=$((sent - full - gw))
diag "$(grep stopping "$workdir/app.log")"
diag "requests: $sent sent, $full answered 200 in full, $gw answered 502, $other other"
is "$sent" 4000 "every request got a reply"
is "$other" 0 "none was cut mid-body or failed otherwise"
[ "$full" -ge 500 ]
ok $? "the requests before the stop were answered in full"
grep -q '^hello-fcgi: stopping on SIGTERM with [0-9]* requests in progress$' "$workdir/app.log"
ok $? "the app logged the requests in progress at the stop"

finish
