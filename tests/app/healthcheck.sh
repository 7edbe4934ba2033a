#!/bin/sh
# --healthcheck: exit 0 against a working server; exit 1 with one line, in
# bounded time, against a closed port, a server that never answers, one
# that does not speak FastCGI and FastCGI servers that answer wrongly.
. "$top_srcdir/tests/lib.sh"

port=$(free_port)
start_app "127.0.0.1:$port"
"$APP" --healthcheck --listen "127.0.0.1:$port" >"$workdir/out" 2>&1
is "$?:$(cat "$workdir/out")" "0:" "a running server: exit 0, silent"
stop_pid "$app_pid"

# expect_failure DESCRIPTION ADDRESS EXPECTED_LINE
expect_failure() {
    t0=$(now_ms)
    "$APP" --healthcheck --listen "$2" >"$workdir/out" 2>&1
    status=$?
    took=$(( $(now_ms) - t0 ))
    is "$status:$(cat "$workdir/out")" "1:$3" "$1: exit 1, '$3'"
    [ "$took" -lt 4000 ]
    ok $? "$1: gave up in $took ms"
}

expect_failure "closed port" "127.0.0.1:$port" \
    "hello-fcgi: healthcheck: 127.0.0.1:$port: connect: Connection refused"

# serve COMMAND...: a test server in the background, once it says
# "listening"; stop_server ends it.
serve() {
    "$@" >"$workdir/server" 2>&1 &
    server=$!; pids="$pids $server"
    wait_until 5000 grep -q listening "$workdir/server" || bail "$1 $2 did not start"
}
stop_server() {
    kill "$server"
    wait "$server"
}

serve "$PROBE" blackhole "$port" 10000
expect_failure "a server that never answers" "127.0.0.1:$port" \
    "hello-fcgi: healthcheck: 127.0.0.1:$port: read answer: Connection timed out"
stop_server

port=$(free_port)
serve "$PROBE" http "$port" 10000
expect_failure "an HTTP server" "127.0.0.1:$port" \
    "hello-fcgi: healthcheck: 127.0.0.1:$port: read answer: Protocol error"
stop_server

# FastCGI servers whose answer is not the service's: each one must fail.
for case in "status:the status is not 200" 'body:the body is not "Hello World!"' \
            'short:the body is not "Hello World!"'; do
    mode=${case%%:*}
    port=$(free_port)
    serve "$RESPONDER" ":$port" "$mode"
    expect_failure "a FastCGI server answering '$mode'" "127.0.0.1:$port" \
        "hello-fcgi: healthcheck: 127.0.0.1:$port: ${case#*:}"
    stop_server
done

finish
