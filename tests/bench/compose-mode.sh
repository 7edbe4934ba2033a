# Sourced by bench.sh for BENCH_MODE=compose: the same load through the
# compose stack's published port, against a container of the same nginx
# image answering `return 200` itself. Needs root and a running Docker engine
# with the stack's images built (tests/docker/compose.sh builds them).

docker info >/dev/null 2>&1 || bail "no Docker engine answers"
export COMPOSE_PROJECT_NAME=hellofcgibench
stack_port=$(free_port)
ceiling_port=$(free_port)
# The file's host-mode port takes a number; the load goes to loopback only.
export HTTP_PORT=$stack_port
ceiling_name=hellofcgibench-ceiling
teardown() {
    docker rm -f "$ceiling_name" >/dev/null 2>&1
    (cd "$top_srcdir" && compose down --volumes --remove-orphans >/dev/null 2>&1)
    cleanup
}
trap teardown EXIT

(cd "$top_srcdir" && compose up -d --build >"$workdir/up" 2>&1) || bail "compose up failed: $(tail -n 5 "$workdir/up")"
cat >"$workdir/ceiling.conf" <<'EOC'
server {
    listen 8888;
    location / {
        default_type "text/plain; charset=utf-8";
        return 200 "Hello World!";
    }
}
EOC
# The image's internal side (status.conf) passes to the app's upstream,
# which the ceiling does not define: it is emptied.
: >"$workdir/empty.conf"
chmod 644 "$workdir/ceiling.conf" "$workdir/empty.conf"
docker run -d --name "$ceiling_name" --read-only --tmpfs /tmp -p "127.0.0.1:$ceiling_port:8888" \
    -v "$workdir/ceiling.conf:/etc/nginx/conf.d/default.conf:ro" \
    -v "$workdir/empty.conf:/etc/nginx/conf.d/status.conf:ro" hello-fcgi-nginx >/dev/null \
    || bail "the ceiling container did not start"
wait_until 60000 curl -sf -o /dev/null "http://127.0.0.1:$stack_port/" || bail "the stack does not answer"
wait_until 30000 curl -sf -o /dev/null "http://127.0.0.1:$ceiling_port/" || bail "the ceiling does not answer"

echo "# compose stack: $(nproc) cores, nginx image hello-fcgi-nginx (worker_processes auto), the file's app replicas over TCP"
echo "# wrk -t1, ${ROUNDS} rounds of ${SECONDS_PER} s per peer and concurrency"
for r in $(seq 1 "$ROUNDS"); do
    for c in $CONCURRENCY; do
        load ceiling "http://127.0.0.1:$ceiling_port/" "$c" "$r"
        load compose_stack "http://127.0.0.1:$stack_port/" "$c" "$r"
    done
    echo "# round $r of $ROUNDS done"
done
# No limit runs here (tests/bench/limit.c is for the local mode): the table's
# "x limit" column shows "-" for both rows.
table ceiling compose_stack
app_pid=$(docker inspect -f '{{.State.Pid}}' "$(compose ps -q app 2>/dev/null | head -n 1)" 2>/dev/null)
[ -n "$app_pid" ] && echo "app peak RSS: $(awk '/^VmHWM/ {print $2, $3}' "/proc/$app_pid/status")"
