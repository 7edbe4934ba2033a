#!/bin/sh
# Out of descriptors: more connections than the app may open. It logs the
# accept failure, pauses accepting instead of spinning or stopping, keeps
# the connections it has, and serves again once some close.
. "$top_srcdir/tests/lib.sh"

nofile=32
port=$(free_port)
# Soft and hard limit both: the app raises its soft limit to the hard one.
APP_WRAPPER="prlimit --nofile=$nofile:$nofile" start_app "127.0.0.1:$port"

# Silent connections hold a descriptor each for 3 s.
i=0
while [ "$i" -lt $((nofile + 8)) ]; do
    "$PROBE" hostile "127.0.0.1:$port" silent >/dev/null 2>&1 &
    pids="$pids $!"
    i=$((i + 1))
done
wait_until 5000 grep -q '^hello-fcgi: accept: Too many open files$' "$workdir/app.log"
ok $? "$((nofile + 8)) connections against $nofile descriptors: the accept failure is logged"
kill -0 "$app_pid"
ok $? "the app still runs"

wait_until 10000 "$APP" --healthcheck --listen "127.0.0.1:$port"
ok $? "once the silent connections close, it serves again"
count=$(grep -c 'Too many open files' "$workdir/app.log")
[ "$count" -le 200 ]
ok $? "logged $count times in about 3 s: 100 ms pause before the listener is armed again (app/server.c), no spin"
stop_pid "$app_pid"
is "$stop_status" 0 "and it stops cleanly"

# A soft limit below the hard one: the app takes the hard one, as every idle
# kept connection holds a descriptor.
port=$(free_port)
APP_WRAPPER="prlimit --nofile=16:$((nofile * 2))" start_app "127.0.0.1:$port"
i=0
while [ "$i" -lt $((nofile - 8)) ]; do
    "$PROBE" hostile "127.0.0.1:$port" silent >/dev/null 2>&1 &
    pids="$pids $!"
    i=$((i + 1))
done
sleep 0.5
"$APP" --healthcheck --listen "127.0.0.1:$port"
ok $? "soft limit 16, hard $((nofile * 2)): with $((nofile - 8)) connections open it still serves"
is "$(grep -c 'Too many open files' "$workdir/app.log")" 0 "and never ran out"
stop_pid "$app_pid"

finish
