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

finish
