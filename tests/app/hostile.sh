#!/bin/sh
# Bad FastCGI input sent straight to the app's socket. After each case the
# responder still answers a well-formed request.
. "$top_srcdir/tests/lib.sh"

port=$(free_port)
addr=127.0.0.1:$port
# One thread: any case that pinned it would starve the check that follows.
start_app "$addr" --threads 1

# CASE:WHAT the app must do: close the connection, or answer a whole
# request with that status and then close it (request 1 does not keep it).
for case in random:close bad-version:close truncated:close unknown-type:200 huge-param:431 \
    param-overflow:431 padded-begin:200 empty-other-request:200 unknown-management:200 \
    disconnect:close; do
    want=${case#*:} case=${case%%:*}
    "$PROBE" hostile "$addr" "$case" >"$workdir/out" 2>"$workdir/err"
    ok $? "$case: sent; the app closed the connection or answered, within 3 s $(cat "$workdir/err")"
    [ "$want" = close ] || is "$(cat "$workdir/out")" "$want" "$case: answered $want"
    "$APP" --healthcheck --listen "$addr" 2>"$workdir/err"
    ok $? "$case: the app still answers $(cat "$workdir/err")"
done

# CVE-2025-23016's shape reaches neither libfcgi nor its allocation: the
# pair's length is over the window, so the request is answered 431.
grep -q '^hello-fcgi: refused a request from 127\.0\.0\.1:[0-9]*: its parameters exceed 65536 bytes; answered 431$' \
    "$workdir/app.log"
ok $? "param-overflow (CVE-2025-23016's shape) is refused before libfcgi reads it"
# A refusal's log line names the bad value and the peer, as nginx's do.
grep -q '^hello-fcgi: refused a FastCGI connection from 127\.0\.0\.1:[0-9]*: unsupported FastCGI protocol version: 2$' \
    "$workdir/app.log"
ok $? "bad-version: the log line names the version and the peer"
# A peer that resets a connection is still named, from what accept gave.
grep -q '^hello-fcgi: closed a FastCGI connection from 127\.0\.0\.1:[0-9]*: the peer closed it before its request was whole (in its body)$' \
    "$workdir/app.log"
ok $? "disconnect: the log line names the peer that has gone"

# A connection that sends nothing occupies no thread: the only thread serves
# others while it is open.
"$PROBE" hostile "$addr" silent >"$workdir/silent" 2>&1 &
silent=$!; pids="$pids $silent"
sleep 0.2
t0=$(now_ms)
"$APP" --healthcheck --listen "$addr"
ok $? "silent connection open: another request is answered"
took=$(( $(now_ms) - t0 ))
[ "$took" -lt 1000 ]
ok $? "promptly ($took ms)"
wait "$silent"
is "$?:$(cat "$workdir/silent")" "0:still open after 3 s" "the app left the silent connection open"

stop_pid "$app_pid"
is "$stop_status" 0 "after all that it stops cleanly"

finish
