#!/bin/sh
# What nginx/hello-fcgi.conf sends the app, and how long it waits for it:
# nginx in front of a libfcgi program that lists what it received, then in
# front of a socket that never answers.
. "$top_srcdir/tests/lib.sh"

port=$(free_port)
"$RESPONDER" ":$port" params >"$workdir/responder" 2>&1 &
pids="$pids $!"
wait_until 5000 grep -q listening "$workdir/responder" || bail "fcgi-responder did not start"
start_nginx "127.0.0.1:$port"
url=http://127.0.0.1:$http_port

curl -s "$url/" >"$workdir/get"
grep -qx 'REQUEST_METHOD=GET' "$workdir/get"
ok $? "GET: REQUEST_METHOD=GET, what the app reads to leave out a HEAD's body"
curl -s --data-binary hello "$url/form" >"$workdir/post"
grep -qx 'REQUEST_METHOD=POST' "$workdir/post" && grep -qx 'CONTENT_LENGTH=5' "$workdir/post"
ok $? "POST: REQUEST_METHOD=POST and CONTENT_LENGTH=5"
# nginx's request id, for the app's log lines: 32 hex digits, another per
# request.
id1=$(sed -n 's/^REQUEST_ID=//p' "$workdir/get")
id2=$(sed -n 's/^REQUEST_ID=//p' "$workdir/post")
echo "$id1" | grep -qx '[0-9a-f]\{32\}' && echo "$id2" | grep -qx '[0-9a-f]\{32\}' && [ "$id1" != "$id2" ]
ok $? "REQUEST_ID: nginx's \$request_id, one per request ($id1, $id2)"
grep -qx 'FCGI_KEEP_CONN=1' "$workdir/get"
ok $? "nginx asks the app to keep the connection (fastcgi_keep_conn on)"
# The upstream pool: after the requests above, nginx still holds the
# connection it opened, idle and established.
held=$(ss -Htn state established "( dport = :$port )" | wc -l)
[ "$held" -ge 1 ]
ok $? "nginx keeps $held idle connection(s) to the app in its pool"
stop_pid "$nginx_pid"

# An app that accepts but never answers: nginx gives up after
# fastcgi_read_timeout (10 s) with 504, not after its default minute.
port=$(free_port)
"$PROBE" blackhole "$port" 30000 >"$workdir/hole" &
pids="$pids $!"
wait_until 5000 grep -q listening "$workdir/hole" || bail "fcgi-probe blackhole did not start"
start_nginx_only "127.0.0.1:$port"
t0=$(now_ms)
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 "http://127.0.0.1:$http_port/")
took=$(( $(now_ms) - t0 ))
is "$code" 504 "an app that never answers: 504"
[ "$took" -ge 9000 ] && [ "$took" -lt 20000 ]
ok $? "after the 10 s read timeout ($took ms)"

finish
