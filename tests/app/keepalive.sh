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

# The end of a kept connection written right behind its last request: an
# edge-triggered wait sees both under one event, and the server must read
# on to the end after the request, or the connection stays open for ever.
"$PROBE" last "127.0.0.1:$port" >"$workdir/out" 2>&1
ok $? "a kept connection's last request and its end at once: answered, then closed $(cat "$workdir/out")"

finish
