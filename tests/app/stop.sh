#!/bin/sh
# Graceful stop: on SIGTERM or SIGINT the listening socket closes at once,
# requests in progress complete, requests that still come on kept
# connections are answered and those connections stay usable, and the
# process exits 0 once no connection is open, or none has carried a request
# for 1 s, or 5 s after the signal (app/server.c, "Why a stop lingers");
# libfcgi's own handler would leave threads blocked in accept and read.
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

# kept_and_busy MS: an app with one thread, an idle kept connection (its
# next request is sent when a line is written to fd 3) and a request in
# progress for MS ms.
mkfifo "$workdir/go"
kept_and_busy() {
    start_app "127.0.0.1:$port" --threads 1
    "$PROBE" kept "127.0.0.1:$port" <"$workdir/go" >"$workdir/kept" 2>&1 &
    kept=$!; pids="$pids $kept"
    exec 3>"$workdir/go"
    wait_until 5000 grep -q ready "$workdir/kept"
    ok $? "a kept connection is open and idle"
    "$PROBE" slow "127.0.0.1:$port" "$1" >"$workdir/slow" 2>&1 &
    slow=$!; pids="$pids $slow"
    wait_until 5000 grep -q sent "$workdir/slow"
}

# A request that arrives on a kept connection after SIGTERM, while the only
# thread is busy: the web server could not know of the stop, so the request
# is served before the app leaves.
kept_and_busy 1000
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

# A connection still in the backlog at SIGTERM (the only thread is busy, so
# nobody has accepted it), its request already sent: shutting the listener
# would reset it, and a front end does not send a POST again. It is taken
# and answered.
start_app "127.0.0.1:$port" --threads 1
"$PROBE" slow "127.0.0.1:$port" 1000 >"$workdir/slow" 2>&1 &
slow=$!; pids="$pids $slow"
wait_until 5000 grep -q sent "$workdir/slow"
"$PROBE" slow "127.0.0.1:$port" 100 >"$workdir/queued" 2>&1 &
queued=$!; pids="$pids $queued"
wait_until 5000 grep -q sent "$workdir/queued"
sleep 0.3
kill -TERM "$app_pid"
wait "$queued"
is "$?:$(tail -n 1 "$workdir/queued")" "0:answered" \
    "a request waiting in the backlog at SIGTERM is answered"
wait "$slow"
wait "$app_pid"
is "$?" 0 "and the app exits 0"

# The same past the linger's 5 s bound: the only thread is still busy when
# the bound ends, and a request arrives on the kept connection meanwhile.
# The last drain (drain() in app/server.c) serves it before the app leaves.
kept_and_busy 6500
kill -TERM "$app_pid"
sleep 5.5
echo go >&3
exec 3>&-
wait "$kept"
is "$?:$(tail -n 1 "$workdir/kept")" "0:answered" \
    "a request on the kept connection after the 5 s bound, the thread busy, is answered in the drain"
wait "$slow"
is "$?:$(tail -n 1 "$workdir/slow")" "0:answered" "and so is the request in progress"
wait "$app_pid"
is "$?" 0 "and the app exits 0"

# dripping N COUNT MS: an app with two threads, and fcgi-probe drip on N kept
# connections: COUNT requests MS apart, from when a line is written to fd 3;
# its output in $workdir/drip.out.
mkfifo "$workdir/drip"
dripping() {
    start_app "127.0.0.1:$port" --threads 2
    "$PROBE" drip "127.0.0.1:$port" "$1" "$2" "$3" <"$workdir/drip" >"$workdir/drip.out" 2>&1 &
    drip=$!; pids="$pids $drip"
    exec 3>"$workdir/drip"
    wait_until 5000 grep -q ready "$workdir/drip.out"
}

# A front end that learns of the stop late sends on a kept connection after
# SIGTERM: its requests are answered and the connection stays usable, and
# once the front end closes it, no connection is open and the app leaves.
dripping 1 3 300
ok $? "a kept connection is open and idle"
t0=$(now_ms)
kill -TERM "$app_pid"
sleep 0.2
echo go >&3
exec 3>&-
wait "$drip"
is "$?:$(tail -n 1 "$workdir/drip.out")" "0:answered 3" \
    "3 requests sent on it from 0.2 s after SIGTERM, 0.3 s apart, are all answered on it"
wait "$app_pid"
is "$?" 0 "and the app exits 0"
took=$(( $(now_ms) - t0 ))
[ "$took" -lt 1500 ]
ok $? "as soon as the front end closed it, with no other open ($took ms after SIGTERM)"

# A front end that goes on sending, a request every 0.7 s on 4 kept
# connections in turn, would hold the stop forever: it ends at its 5 s
# bound.
dripping 4 12 700
ok $? "4 kept connections are open"
t0=$(now_ms)
kill -TERM "$app_pid"
echo go >&3
exec 3>&-
wait "$app_pid"
status=$?
took=$(( $(now_ms) - t0 ))
wait "$drip"
is "$status" 0 "SIGTERM while requests keep coming: exit 0"
[ "$took" -ge 5000 ] && [ "$took" -lt 6000 ] && ! grep -q '^answered 12$' "$workdir/drip.out"
ok $? "at the 5 s bound: $took ms after SIGTERM, after $(tail -n 1 "$workdir/drip.out") of the 12 requests"

# Idle, with kept connections held open by a client that sends nothing: the
# app leaves once none has carried a request for 1 s.
start_app "127.0.0.1:$port" --threads 2
"$PROBE" hold "127.0.0.1:$port" 8 10000 >"$workdir/hold" &
hold=$!; pids="$pids $hold"
wait_until 5000 grep -q holding "$workdir/hold"
ok $? "8 idle kept connections are open"
stop_pid "$app_pid"
is "$stop_status" 0 "SIGTERM with idle kept connections: exit 0"
[ "$stop_ms" -ge 1000 ] && [ "$stop_ms" -lt 2000 ]
ok $? "stopped after 1 s without a request: $stop_ms ms"
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
