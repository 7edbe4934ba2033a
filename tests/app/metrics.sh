#!/bin/sh
# The app's metrics (issue 17): driven through a real nginx and through the
# tests' FastCGI client, every counter moves as it should and by exactly as
# much: answered requests, 431, the guard's refusals, a stalled start, a
# peer gone, health checks apart from answered, requests in progress and
# their maximum, idle kept connections, slow requests (with nginx's request
# id in the log line), the duration histogram; the listener's own answers
# (/ping, 404, 405, 400, 431) and `hello-fcgi --status`.
. "$top_srcdir/tests/lib.sh"

port=$(free_port)
mport=$(free_port)
start_app "127.0.0.1:$port" --threads 4 --metrics-listen "127.0.0.1:$mport" --slow-request 300
M=http://127.0.0.1:$mport

# metric NAME: the value of one series (NAME with its labels, as written).
metric() {
    curl -sf "$M/metrics" | awk -v n="$1" '$1 == n {print $2; found = 1} END {exit !found}'
}
answered() { metric 'hello_fcgi_requests_total{outcome="answered"}'; }
outcome() { metric "hello_fcgi_requests_total{outcome=\"$1\"}"; }
# metric_is NAME EXPECTED DESCRIPTION: waits up to 5 s for the value.
metric_is() {
    wait_until 5000 sh -c "[ \"\$(curl -sf '$M/metrics' | awk -v n='$1' '\$1 == n {print \$2}')\" = '$2' ]"
    is "$(metric "$1")" "$2" "$3"
}

# A stalled start, in the background: closed after the 10 s I/O timeout.
"$PROBE" stall "127.0.0.1:$port" 15000 >"$workdir/stall" 2>&1 &
stall_pid=$!; pids="$pids $stall_pid"

# Health checks, start_app's included, never count as answered.
"$APP" --healthcheck --listen "127.0.0.1:$port"
is "$(answered)" 0 "health checks are not counted as answered"
hc=$(outcome healthcheck)
[ "${hc:-0}" -ge 2 ]
ok $? "health checks have their own outcome ($hc)"

# Exactly N answered through nginx.
start_nginx "127.0.0.1:$port"
a0=$(answered)
N=40
curl -s --parallel --parallel-max 8 -o /dev/null -w '%{http_code}\n' \
    "http://127.0.0.1:$http_port/r[1-$N]" >"$workdir/codes" 2>/dev/null
is "$(grep -c '^200$' "$workdir/codes")" "$N" "$N requests through nginx: all 200"
is "$(answered)" "$((a0 + N))" "answered grew by exactly $N"

# One FastCGI connection accepted per probe connection.
c0=$(metric hello_fcgi_accepted_connections_total)
"$PROBE" get "127.0.0.1:$port" >/dev/null
is "$(metric hello_fcgi_accepted_connections_total)" "$((c0 + 1))" "a new connection: accepted +1"

# 431: refused_too_large, and the connection then serves one request.
a0=$(answered)
is "$("$PROBE" large "127.0.0.1:$port" 70000)" 431 "a start over 64 kB is answered 431"
is "$(outcome refused_too_large)" 1 "refused_too_large: 1"
is "$(answered)" "$((a0 + 1))" "the request after it on the kept connection is answered"

# The guard's refusals, and a peer that leaves before its start is complete.
"$PROBE" hostile "127.0.0.1:$port" bad-version 2>/dev/null
"$PROBE" hostile "127.0.0.1:$port" random 2>/dev/null
metric_is 'hello_fcgi_requests_total{outcome="refused_by_guard"}' 2 "two refusals by the guard: refused_by_guard 2"
"$PROBE" hostile "127.0.0.1:$port" truncated 2>/dev/null
metric_is 'hello_fcgi_requests_total{outcome="peer_gone"}' 1 "a start cut short: peer_gone 1"
# A body cut short: the request was admitted, then its peer went away.
"$PROBE" hostile "127.0.0.1:$port" disconnect 2>/dev/null
metric_is 'hello_fcgi_requests_total{outcome="peer_gone"}' 2 "a body cut short: peer_gone 2"

# Idle kept connections: 5 more while a probe holds them.
i0=$(metric hello_fcgi_idle_connections)
"$PROBE" hold "127.0.0.1:$port" 5 2000 >"$workdir/hold" &
hold_pid=$!; pids="$pids $hold_pid"
metric_is hello_fcgi_idle_connections "$((i0 + 5))" "5 kept connections held: idle_connections +5"
wait "$hold_pid"
metric_is hello_fcgi_idle_connections "$i0" "their close: idle_connections back to $i0"

# Three requests whose bodies trickle in, at once: 3 more in progress (the
# stalled start is one already), the most ever; each of their 6 requests
# takes over --slow-request's 300 ms, from its first bytes to its answer.
s0=$(metric hello_fcgi_slow_requests_total)
a0=$(metric hello_fcgi_active_requests)
is "$a0" 1 "the stalled start is a request in progress: active_requests 1"
split_pids=""
for i in 1 2 3; do
    "$PROBE" split "127.0.0.1:$port" 400 >"$workdir/split$i" 2>&1 &
    split_pids="$split_pids $!"; pids="$pids $!"
done
metric_is hello_fcgi_active_requests 4 "3 bodies trickling in: active_requests 4"
split_ok=0
for p in $split_pids; do wait "$p" || split_ok=1; done
ok $split_ok "the 6 trickling requests are answered"
is "$(metric hello_fcgi_max_active_requests)" 4 "max_active_requests: 4"
is "$(metric hello_fcgi_active_requests)" 1 "then active_requests: 1, the stalled start"
is "$(metric hello_fcgi_slow_requests_total)" "$((s0 + 6))" "6 requests over 300 ms: slow_requests_total +6"
is "$(grep -c 'a slow request: .* over --slow-request 300 ms (request_id=-)' "$workdir/app.log")" 6 \
    "one log line per slow request; no request id from the probe"

# A slow request through nginx carries nginx's request id into the log line:
# the body unbuffered, sent at 1 kB/s.
stop_pid "$nginx_pid"
sed -e 's|^\( *\)fastcgi_keep_conn on;|&\n\1fastcgi_request_buffering off;\n\1fastcgi_param REQUEST_ID $request_id;|' \
    "$workdir/nginx.conf" >"$workdir/nginx-id.conf"
run_nginx "$workdir/nginx-id.conf"
wait_until 5000 curl -sf -o /dev/null "http://127.0.0.1:$http_port/" || bail "nginx did not restart"
head -c 1500 /dev/zero >"$workdir/body"
curl -s -o /dev/null --limit-rate 1000 -H 'Expect:' --data-binary "@$workdir/body" "http://127.0.0.1:$http_port/"
grep -qE 'a slow request: [0-9]+ ms, over --slow-request 300 ms \(request_id=[0-9a-f]{32}\)$' "$workdir/app.log"
ok $? "a slow request through nginx: its log line carries request_id=\$request_id"

# The stalled start: timed out after the I/O timeout.
wait "$stall_pid"
ok $? "the stalled start was closed: $(cat "$workdir/stall")"
is "$(outcome timed_out)" 1 "timed_out: 1"
is "$(metric hello_fcgi_active_requests)" 0 "and active_requests: 0"

# A management record that comes in two writes is no request: nothing in
# progress while its first bytes wait, nor after its answer.
"$PROBE" values "127.0.0.1:$port" 500 >"$workdir/values" 2>&1 &
values_pid=$!; pids="$pids $values_pid"
sleep 0.25
is "$(metric hello_fcgi_active_requests)" 0 "half a GET_VALUES: active_requests 0"
wait_until 2000 grep -q answered "$workdir/values"
is "$(metric hello_fcgi_active_requests)" 0 "GET_VALUES answered, the connection held: active_requests 0"
wait "$values_pid"
ok $? "the GET_VALUES was answered $(cat "$workdir/values")"

# The histogram counts every answered request, and only those.
is "$(metric hello_fcgi_request_duration_seconds_count)" "$(answered)" "histogram count == answered"
is "$(metric 'hello_fcgi_request_duration_seconds_bucket{le="+Inf"}')" "$(answered)" "bucket +Inf == answered"
is "$(metric hello_fcgi_workers)" 4 "workers: --threads"
is "$(metric "hello_fcgi_build_info{version=\"${PACKAGE_VERSION:-?}\"}")" 1 "build_info carries the version"

# --status: the human page, by address and from the environment.
"$APP" --status "127.0.0.1:$mport" >"$workdir/status"
ok $? "--status ADDRESS exits 0"
is "$(awk '$1 == "answered:" {print $2}' "$workdir/status")" "$(answered)" "--status: answered as in /metrics"
is "$(awk '/^accepted conn:/ {print $3}' "$workdir/status")" "$(metric hello_fcgi_accepted_connections_total)" \
    "--status: accepted conn as in /metrics"
HELLO_FCGI_METRICS_LISTEN="127.0.0.1:$mport" "$APP" --status >"$workdir/status2"
ok $? "--status finds the listener in HELLO_FCGI_METRICS_LISTEN"
"$APP" --status "127.0.0.1:$port" >"$workdir/out" 2>&1
is "$?" 1 "--status against the FastCGI port: exit 1 ($(cat "$workdir/out"))"

# The listener's own answers.
is "$(curl -s "$M/ping")" pong "/ping: pong"
is "$(curl -s -o /dev/null -w '%{http_code}' "$M/")" 404 "/: 404"
is "$(curl -s -o /dev/null -w '%{http_code}' "$M/metricsx")" 404 "/metricsx: 404"
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$M/metrics")" 405 "POST /metrics: 405"
is "$(curl -s -o /dev/null -w '%{http_code}' --request-target 'x' "$M/metrics")" 400 "a target not in origin-form: 400"
is "$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $(head -c 5000 /dev/zero | tr '\0' x)" "$M/metrics")" 431 \
    "a start over 4 kB: 431"
is "$(curl -s -I "$M/metrics" | tr -d '\r' | awk -F': ' '$1 == "Content-Type" {print $2}')" \
    "text/plain; version=0.0.4; charset=utf-8" "HEAD /metrics: Prometheus's content type"

stop_pid "$app_pid"
is "$stop_status" 0 "the app stops with the metrics listener running: exit 0"
finish
