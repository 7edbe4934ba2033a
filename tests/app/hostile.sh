#!/bin/sh
# Bad FastCGI input sent straight to the app's socket. After each case the
# responder still answers a well-formed request.
. "$top_srcdir/tests/lib.sh"

port=$(free_port)
addr=127.0.0.1:$port
# One thread: any case that pinned it would starve the check that follows.
start_app "$addr" --threads 1

for case in random bad-version truncated unknown-type huge-param param-overflow \
    padded-begin empty-other-request unknown-management disconnect; do
    "$PROBE" hostile "$addr" "$case" 2>"$workdir/err"
    ok $? "$case: sent; the app closed the connection or answered, within 3 s $(cat "$workdir/err")"
    "$APP" --healthcheck --listen "$addr" 2>"$workdir/err"
    ok $? "$case: the app still answers $(cat "$workdir/err")"
done

grep -q '^hello-fcgi: refused a request from 127\.0\.0\.1:[0-9]* whose parameters exceed 65536 bytes, and could not answer 431: ' \
    "$workdir/app.log"
ok $? "param-overflow (CVE-2025-23016's shape) is refused before libfcgi reads it"
for refusal in 'a padded BEGIN_REQUEST record: 8' \
    'an empty record of another request before the parameters end: 9' \
    'a management record of unknown type before the parameters end: 11'; do
    grep -qF ": $refusal" "$workdir/app.log"
    ok $? "refused before libfcgi misreads it: $refusal"
done
# A refusal's log line names the bad value and the peer, as nginx's do.
grep -q '^hello-fcgi: refused a FastCGI connection from 127\.0\.0\.1:[0-9]*: unsupported FastCGI protocol version: 2$' \
    "$workdir/app.log"
ok $? "bad-version: the log line names the version and the peer"

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
