#!/bin/sh
# Nothing sent to nginx's public port reaches the app's metrics or status,
# whatever its path, Host, headers or method: the shipped nginx.conf passes
# every request to FastCGI, and the metrics listener (app/metrics_server.c)
# is another port that nginx never proxies to. Each request either gets the
# service's own answer or an error of nginx's; never a metrics or status
# page, never pong.
. "$top_srcdir/tests/lib.sh"

port=$(free_port)
mport=$(free_port)
start_app "127.0.0.1:$port" --metrics-listen "127.0.0.1:$mport"
start_nginx "127.0.0.1:$port"
# The listener is there: what follows is not passing for want of one.
is "$(curl -s "http://127.0.0.1:$mport/ping")" pong "the metrics listener answers on its own port"

U=http://127.0.0.1:$http_port
n=0
leaks=0
# try DESCRIPTION CURL_ARGS...: the answer must not be a page of the
# metrics listener.
try() {
    what=$1; shift
    n=$((n + 1))
    curl -s --max-time 5 --path-as-is -o "$workdir/b" -w '%{http_code}' "$@" >"$workdir/code" 2>/dev/null
    if grep -qE 'hello_fcgi_|^# (HELP|TYPE)|accepted conn|^pong' "$workdir/b"; then
        leaks=$((leaks + 1))
        diag "LEAK: $what: $(head -c 200 "$workdir/b")"
    fi
    echo "$what -> $(cat "$workdir/code")" >>"$workdir/tried"
}
for path in /metrics /status /ping /metrics?x=1 //metrics /./metrics /x/../metrics /%6Detrics \
    /METRICS /metrics/ /status.json "/metrics%00" /metrics%3F; do
    try "GET $path" "$U$path"
    try "HEAD $path" -I "$U$path"
    try "POST $path" --data x "$U$path"
done
for host in "127.0.0.1:$mport" "localhost:$mport" "app:9101" "[::1]:$mport"; do
    try "Host: $host" -H "Host: $host" "$U/metrics"
done
try "absolute-form to the metrics port" --request-target "http://127.0.0.1:$mport/metrics" "$U/"
try "X-Forwarded-Host" -H "X-Forwarded-Host: 127.0.0.1:$mport" "$U/metrics"
try "X-Original-URI" -H "X-Original-URI: /metrics" "$U/"
try "X-Rewrite-URL" -H "X-Rewrite-URL: /metrics" "$U/"
try "X-Accel-Redirect asked by a client" -H "X-Accel-Redirect: /metrics" "$U/metrics"
try "Upgrade: h2c" -H "Upgrade: h2c" -H "Connection: Upgrade" "$U/metrics"
try "proxy-style CONNECT" -X CONNECT --request-target "127.0.0.1:$mport" "$U/"
is "$leaks" 0 "$n requests through the public port: none reached /metrics, /status or /ping"
# Every one of them that nginx let through was answered by the FastCGI
# responder: status pages would not count there.
answered=$(curl -s "http://127.0.0.1:$mport/metrics" | awk '$1 == "hello_fcgi_requests_total{outcome=\"answered\"}" {print $2}')
passed=$(grep -c -- '-> 200$' "$workdir/tried")
[ "$passed" -gt 0 ] && [ "$answered" -ge "$passed" ]
ok $? "the $passed that got 200 were answered by the responder ($answered answered)"
finish
