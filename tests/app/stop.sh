#!/bin/sh
# Graceful stop: on SIGTERM or SIGINT the listening socket closes at once,
# requests in progress complete, and the process exits 0 promptly, also with
# idle kept connections open (libfcgi's own handler would leave threads
# blocked in accept and read).
. "$top_srcdir/tests/lib.sh"

port=$(free_port)
start_app "127.0.0.1:$port" --threads 2

# A request in progress: half of it sent; the rest follows 1 s after SIGTERM.
"$PROBE" slow "127.0.0.1:$port" 1000 >"$workdir/slow" 2>&1 &
slow=$!; pids="$pids $slow"
wait_until 5000 grep -q sent "$workdir/slow"
ok $? "a request is in progress"
t0=$(now_ms)
kill -TERM "$app_pid"
wait_until 500 sh -c "! '$PROBE' get 127.0.0.1:$port 2>&1 | grep -q 'Connection refused' && exit 1 || exit 0"
ok $? "the listening socket refuses new connections at once"
sleep 0.5
kill -0 "$app_pid"
ok $? "500 ms after SIGTERM the app still runs: the request in progress needs 1000"
wait "$slow"
is "$?:$(tail -n 1 "$workdir/slow")" "0:answered" "the request in progress gets its full answer"
wait "$app_pid"
status=$?
took=$(( $(now_ms) - t0 ))
is "$status" 0 "exit status 0 after SIGTERM"
[ "$took" -lt 3000 ]
ok $? "stopped $took ms after SIGTERM (the request in progress needed 1000)"
is "$(tail -n 1 "$workdir/app.log")" "hello-fcgi: stopped by SIGTERM, 2 requests served" \
    "the stop line names the signal and the requests served"

# A request that arrives on a kept connection after SIGTERM, while the only
# thread is busy: the web server could not know of the stop, so the request
# is served before the app leaves.
start_app "127.0.0.1:$port" --threads 1
mkfifo "$workdir/go"
"$PROBE" kept "127.0.0.1:$port" <"$workdir/go" >"$workdir/kept" 2>&1 &
kept=$!; pids="$pids $kept"
exec 3>"$workdir/go"
wait_until 5000 grep -q ready "$workdir/kept"
ok $? "a kept connection is open and idle"
"$PROBE" slow "127.0.0.1:$port" 1000 >"$workdir/slow" 2>&1 &
slow=$!; pids="$pids $slow"
wait_until 5000 grep -q sent "$workdir/slow"
kill -TERM "$app_pid"
sleep 0.2
echo go >&3
exec 3>&-
wait "$slow"
is "$?:$(tail -n 1 "$workdir/slow")" "0:answered" "the request in progress is answered"
wait "$kept"
is "$?:$(tail -n 1 "$workdir/kept")" "0:answered" \
    "the request sent on the kept connection after the stop is answered too"
wait "$app_pid"
is "$?" 0 "and the app exits 0"
grep -q '^hello-fcgi: stopping on SIGTERM with 1 requests in progress$' "$workdir/app.log"
ok $? "the stop line counted the request in progress"

# Idle, with kept connections held open by a client.
start_app "127.0.0.1:$port" --threads 2
"$PROBE" hold "127.0.0.1:$port" 8 10000 >"$workdir/hold" &
hold=$!; pids="$pids $hold"
wait_until 5000 grep -q holding "$workdir/hold"
ok $? "8 idle kept connections are open"
stop_pid "$app_pid"
is "$stop_status" 0 "SIGTERM with idle kept connections: exit 0"
[ "$stop_ms" -lt 1000 ]
ok $? "stopped in $stop_ms ms"
kill "$hold"

# SIGINT, idle.
start_app "127.0.0.1:$port"
t0=$(now_ms)
kill -INT "$app_pid"
wait "$app_pid"
is "$?" 0 "SIGINT: exit 0"
took=$(( $(now_ms) - t0 ))
[ "$took" -lt 1000 ]
ok $? "stopped in $took ms"
is "$(tail -n 1 "$workdir/app.log")" "hello-fcgi: stopped by SIGINT, 1 requests served" "the stop line names SIGINT"

finish
