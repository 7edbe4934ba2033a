#!/bin/sh
# 200 concurrent requests through nginx, served by worker threads that all
# accept from one listening socket (no accept mutex).
. "$top_srcdir/tests/lib.sh"

port=$(free_port)
start_app "127.0.0.1:$port" --threads 4
NGINX_WORKERS=2 start_nginx "127.0.0.1:$port"

mkdir "$workdir/out"
curl -s --parallel --parallel-immediate --parallel-max 200 \
    -w '%{http_code}\n' -o "$workdir/out/#1" "http://127.0.0.1:$http_port/r[1-200]" \
    >"$workdir/codes"
ok $? "200 parallel requests complete"
is "$(grep -c '^200$' "$workdir/codes")" 200 "all 200 answered 200"
bad=0
for i in $(seq 1 200); do
    [ "$(cat "$workdir/out/$i" 2>/dev/null)" = "Hello World!" ] || bad=$((bad + 1))
done
is "$bad" 0 "all 200 bodies are 'Hello World!'"

"$APP" --healthcheck --listen "127.0.0.1:$port"
ok $? "the app still answers"

finish
