#!/bin/sh
# How a request's start may reach the app: split over many writes, too
# large for the guard, or stalled, on both transports.
. "$top_srcdir/tests/lib.sh"

for transport in unix tcp; do
    case $transport in
        unix) addr=unix:$workdir/fcgi.sock ;;
        tcp)  addr=127.0.0.1:$(free_port) ;;
    esac
    start_app "$addr"

    # cgi-fcgi, Apache and Caddy write BEGIN_REQUEST and the PARAMS in
    # separate write()s; on a unix socket a plain peek does not wait for
    # the second one.
    "$PROBE" split "$addr" 200 >/dev/null 2>"$workdir/err"
    ok $? "$transport: every record in its own write, 200 ms apart, twice on a kept connection $(cat "$workdir/err")"
    # With no pause, records arrive while a worker holds the connection:
    # that worker must look again before it lets go (app/claims.h), or the
    # rest of the request waits for its deadline. (Over TCP the probe's
    # small writes would wait on Nagle and delayed ACKs instead.)
    if [ "$transport" = unix ]; then
        "$PROBE" split "$addr" 0 2000 >/dev/null 2>"$workdir/err"
        ok $? "$transport: 2000 requests on a kept connection, every record in its own write, no pause $(cat "$workdir/err")"
    fi

    # app/fcgi_guard.h: GUARD_WINDOW.
    is "$("$PROBE" large "$addr" 60000 2>&1)" 200 "$transport: 60 kB of parameters: served"
    is "$("$PROBE" large "$addr" 70000 2>&1)" 431 \
        "$transport: 70 kB of parameters: answered 431, and the kept connection serves the next request"
    # The log line names the peer, as nginx's do.
    case $transport in
        tcp) peer='127\.0\.0\.1:[0-9]*' ;;
        *) peer='unix socket peer pid [0-9]*' ;;
    esac
    limit=$(sed -n "s/^hello-fcgi: refused a request from $peer: its parameters exceed \([0-9]*\) bytes; answered 431\$/\1/p" \
        "$workdir/app.log")
    [ -n "$limit" ]
    ok $? "$transport: the 431 has its log line, naming the peer"
    grep -q "may take at most $limit bytes" "$top_builddir/app/hello-fcgi.1"
    ok $? "$transport: the man page gives the limit the app applies (${limit:-none})"

    stop_pid "$app_pid"
    is "$stop_status" 0 "$transport: the app stops cleanly"
done

# A start that stops half-way holds no thread: with one thread, others are
# served at once while it waits, and it is closed at its bound (10 s from
# its first bytes, app/connection.h), with a log line.
addr=unix:$workdir/fcgi.sock
start_app "$addr" --threads 1
"$PROBE" stall "$addr" 30000 >"$workdir/took" 2>"$workdir/err" &
stall=$!; pids="$pids $stall"
sleep 0.5
t0=$(now_ms)
"$APP" --healthcheck --listen "$addr"
ok $? "a stalled start holds no thread: the only one serves"
took=$(( $(now_ms) - t0 ))
[ "$took" -lt 1000 ]
ok $? "at once ($took ms)"
wait "$stall"
ok $? "the stalled connection is closed by the app $(cat "$workdir/err")"
took=$(cat "$workdir/took")
[ "${took:-0}" -ge 9900 ] && [ "${took:-0}" -le 11000 ]
ok $? "at its bound, 10 s (${took:-?} ms)"
grep -q "^hello-fcgi: closed a FastCGI connection from unix socket peer pid [0-9]*: its request's start did not arrive whole within 10 s\$" \
    "$workdir/app.log"
ok $? "with a log line saying why"
stop_pid "$app_pid"

finish
