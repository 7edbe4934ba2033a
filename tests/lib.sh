# Shared by the test scripts: TAP output, free ports, and starting and
# stopping hello-fcgi and nginx. Everything a test starts is stopped on exit,
# also when the test fails or is interrupted.
#
# The automake harness sets top_srcdir and top_builddir.

set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
APP=$top_builddir/app/hello-fcgi
PROBE=$top_builddir/tests/probes/fcgi-probe
RESPONDER=$top_builddir/tests/probes/fcgi-responder

tap_n=0
tap_failed=0
pids=""
workdir=$(mktemp -d "${TMPDIR:-/tmp}/hello-fcgi-test.XXXXXX") || exit 99
# nginx workers drop root privileges and must reach their temp paths in here.
chmod 755 "$workdir"
mkdir -p "$workdir/nginx/logs" || exit 99

# SIGTERM first: an nginx master killed outright would leave its workers
# behind, holding the harness's pipe open.
cleanup() {
    for p in $pids; do
        kill -TERM "$p" 2>/dev/null
    done
    limit=$(( $(date +%s) + 5 ))
    for p in $pids; do
        while kill -0 "$p" 2>/dev/null && [ "$(date +%s)" -lt "$limit" ]; do
            sleep 0.05
        done
        kill -KILL "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT
# The harness's timeout sends TERM once a test has run TEST_TIME_LIMIT s.
trap 'echo "Bail out! terminated: over the time limit of ${TEST_TIME_LIMIT:-?} s, or stopped"; exit 124' TERM

# ok CONDITION_STATUS DESCRIPTION: records one test point from an exit status.
ok() {
    tap_n=$((tap_n + 1))
    if [ "$1" -eq 0 ]; then
        echo "ok $tap_n - $2"
    else
        echo "not ok $tap_n - $2"
        tap_failed=$((tap_failed + 1))
    fi
}

# is GOT EXPECTED DESCRIPTION
is() {
    if [ "$1" = "$2" ]; then
        ok 0 "$3"
    else
        ok 1 "$3"
        printf '#   got:      %s\n#   expected: %s\n' "$1" "$2" | sed 's/\r/\\r/g'
    fi
}

diag() { echo "# $*"; }
bail() { echo "Bail out! $*"; exit 99; }

free_port() { "$PROBE" port || bail "no free port"; }

now_ms() { date +%s%3N; }

# wait_until TIMEOUT_MS COMMAND...: polls COMMAND until it succeeds.
wait_until() {
    wait_limit=$(( $(now_ms) + $1 )); shift
    until "$@" >/dev/null 2>&1; do
        [ "$(now_ms)" -lt "$wait_limit" ] || return 1
        sleep 0.05
    done
}

# start_app ADDRESS [OPTION...]: starts hello-fcgi in the background, its
# stderr in $workdir/app.log, and waits until it answers. Sets app_pid.
start_app() {
    app_addr=$1; shift
    # APP_WRAPPER: a command to run the app under, such as valgrind.
    ${APP_WRAPPER:-} "$APP" --listen "$app_addr" "$@" 2>"$workdir/app.log" &
    app_pid=$!
    pids="$pids $app_pid"
    wait_until 5000 "$APP" --healthcheck --listen "$app_addr" \
        || bail "hello-fcgi did not start on $app_addr: $(cat "$workdir/app.log")"
}

# stop_pid PID: SIGTERM, then waits; sets stop_status and stop_ms.
stop_pid() {
    t0=$(now_ms)
    kill -TERM "$1"
    wait "$1"
    stop_status=$?
    stop_ms=$(( $(now_ms) - t0 ))
}

find_nginx() {
    for n in "${NGINX:-}" "$(command -v nginx 2>/dev/null)" /usr/sbin/nginx /usr/local/sbin/nginx; do
        [ -n "$n" ] && [ -x "$n" ] && { echo "$n"; return 0; }
    done
    return 1
}

# server_conf PORT UPSTREAM: the project's nginx/hello-fcgi.conf, listening
# on 127.0.0.1:PORT and passing to UPSTREAM (host:port or unix:path), a
# fixed address: its `resolver` line goes, since only Docker has a DNS
# server at 127.0.0.11 (and nginx before 1.27.3 refuses it in an upstream).
server_conf() {
    server_src=$top_srcdir/nginx/hello-fcgi.conf
    server_out=$(sed -e "s/^\( *listen \)8888;/\1127.0.0.1:$1;/" \
              -e "s|^\( *server \)app:9000 resolve;|\1$2;|" \
              -e '/^ *resolver 127\.0\.0\.11 /d' "$server_src")
    if ! printf '%s\n' "$server_out" | grep -v '^ *#' | grep -q resolve; then
        case $server_out in
            *"listen 127.0.0.1:$1;"*"server $2;"* | *"server $2;"*"listen 127.0.0.1:$1;"*)
                printf '%s\n' "$server_out"; return 0 ;;
        esac
    fi
    echo "$server_src no longer has 'listen 8888;', 'server app:9000 resolve;' and 'resolver 127.0.0.11 ...;': update server_conf" >&2
    return 1
}

# main_conf WORKERS CONNECTIONS ACCESS_LOG: the top of an nginx.conf whose
# writable paths are all in $workdir/nginx; the caller adds servers and "}".
main_conf() {
    cat <<EOC
worker_processes $1;
pid $workdir/nginx/nginx.pid;
error_log $workdir/nginx/logs/error.log warn;
events { worker_connections $2; }
http {
    access_log $3;
    client_body_temp_path $workdir/nginx/body;
    fastcgi_temp_path $workdir/nginx/fastcgi;
    proxy_temp_path $workdir/nginx/proxy;
    uwsgi_temp_path $workdir/nginx/uwsgi;
    scgi_temp_path $workdir/nginx/scgi;
EOC
}

# run_nginx CONF: starts nginx in the foreground of a background job; sets
# nginx_pid.
run_nginx() {
    nginx=$(find_nginx) || bail "nginx not found: install the nginx package"
    "$nginx" -e "$workdir/nginx/logs/error.log" -p "$workdir/nginx" -c "$1" -g 'daemon off;' \
        >>"$workdir/nginx/logs/error.log" 2>&1 &
    nginx_pid=$!
    pids="$pids $nginx_pid"
}

# start_nginx UPSTREAM: nginx on a free loopback port with the project's own
# server configuration; the test supplies only the listen port, the upstream
# address and writable paths. Sets http_port and nginx_pid. start_nginx
# waits for an answer through the app; start_nginx_only for nginx to listen.
start_nginx_only() {
    command -v curl >/dev/null || bail "curl not found: install the curl package"
    http_port=$(free_port)
    main_conf "${NGINX_WORKERS:-1}" 1024 "$workdir/nginx/logs/access.log" >"$workdir/nginx.conf"
    server_conf "$http_port" "$1" >>"$workdir/nginx.conf" || bail "no usable nginx/hello-fcgi.conf"
    echo "}" >>"$workdir/nginx.conf"
    run_nginx "$workdir/nginx.conf"
    wait_until 5000 sh -c "ss -Htln '( sport = :$http_port )' | grep -q ." \
        || bail "nginx did not start: $(tail -n 5 "$workdir/nginx/logs/error.log")"
}
start_nginx() {
    start_nginx_only "$1"
    wait_until 5000 curl -sf -o /dev/null "http://127.0.0.1:$http_port/" \
        || bail "nginx did not answer: $(tail -n 5 "$workdir/nginx/logs/error.log")"
}

# check NAME CURL_ARGS...: one HTTP exchange through a front end gets the
# service's answer: status 200, the two headers once each, nothing the app
# should not have said (a Status header, chunking), the exact body.
check() {
    name=$1; shift
    curl -s -D "$workdir/h" -o "$workdir/b" "$@"
    ok $? "$name: curl succeeds"
    is "$(head -n 1 "$workdir/h")" "$(printf 'HTTP/1.1 200 OK\r')" "$name: status 200"
    is "$(grep -ci '^content-type:' "$workdir/h"):$(grep -i '^content-type:' "$workdir/h")" \
        "$(printf '1:Content-Type: text/plain; charset=utf-8\r')" "$name: one Content-Type, text/plain; charset=utf-8"
    is "$(grep -ci '^content-length:' "$workdir/h"):$(grep -i '^content-length:' "$workdir/h")" \
        "$(printf '1:Content-Length: 12\r')" "$name: one Content-Length: 12"
    is "$(grep -ciE '^(status|transfer-encoding):' "$workdir/h")" 0 \
        "$name: no Status or Transfer-Encoding header"
    printf 'Hello World!' | cmp -s - "$workdir/b"
    ok $? "$name: body is exactly 'Hello World!' (12 bytes, no newline)"
}

# check_head NAME URL: HEAD gets status 200 and the body's length, no body.
check_head() {
    curl -s -I "$2" >"$workdir/h"
    is "$(head -n 1 "$workdir/h")" "$(printf 'HTTP/1.1 200 OK\r')" "$1: status 200"
    grep -q "$(printf '^Content-Length: 12\r$')" "$workdir/h"
    ok $? "$1: Content-Length: 12"
}

# compose ARGS...: Compose v2 where the docker CLI has it, else docker-compose.
compose() {
    if docker compose version >/dev/null 2>&1; then
        docker compose "$@"
    else
        docker-compose "$@"
    fi
}

# finish: the plan (at the end: a script that dies early has none, and the
# harness counts that as an error) and the exit status.
finish() {
    echo "1..$tap_n"
    [ "$tap_failed" -eq 0 ]
}

# project_version: the version in configure.ac's AC_INIT, read without
# running configure.
project_version() {
    sed -n 's/^AC_INIT(\[[^]]*\], *\[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac"
}

# release_build TAG [OPTION...]: docker build of the app image, labelled as a
# release: the version from configure.ac, the commit, and the repository when
# its origin is a public URL (credentials removed).
release_build() {
    tag=$1; shift
    revision=$(git -C "$top_srcdir" rev-parse HEAD) || return 1
    source=$(git -C "$top_srcdir" remote get-url origin 2>/dev/null | sed -n 's|^\(https://\)[^/@]*@|\1|; /^https:\/\//p')
    docker build "$@" --build-arg "VERSION=$(project_version)" --build-arg "REVISION=$revision" \
        --build-arg "SOURCE=$source" -t "$tag" "$top_srcdir"
}

# image_file IMAGE PATH DEST: copies one file out of an image (which may have
# no shell to run) through a stopped container.
image_file() {
    cid=$(docker create "$1") || return 1
    docker cp "$cid:$2" "$3"
    cp_status=$?
    docker rm "$cid" >/dev/null
    return $cp_status
}
