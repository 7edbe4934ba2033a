#!/bin/sh
# End-to-end: the compose stack on a real Docker engine, as a user runs it.
#   sh tests/docker/compose.sh      (as root, from the top of the tree; TAP output)
# Starts an engine if none answers (and stops it after), makes sure the base
# images exist (tests/docker/base-images.sh), builds and starts the stack, checks it
# from the host through the published port, stops it and removes it.
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib.sh"


# --- the engine -----------------------------------------------------------
started_dockerd=""
stop_engine() {
    compose down --volumes --remove-orphans >/dev/null 2>&1
    docker image rm hello-fcgi:buildkit >/dev/null 2>&1
    if [ -n "$started_dockerd" ]; then
        kill -TERM "$started_dockerd" 2>/dev/null
        wait "$started_dockerd" 2>/dev/null
        diag "stopped the Docker engine this test started"
    fi
    cleanup
}
trap stop_engine EXIT
if ! docker info >/dev/null 2>&1; then
    command -v dockerd >/dev/null || bail "no Docker engine answers and dockerd is not installed"
    dockerd >"$workdir/dockerd.log" 2>&1 &
    started_dockerd=$!
    wait_until 60000 docker info || bail "dockerd did not start: $(tail -n 5 "$workdir/dockerd.log")"
    diag "started a Docker engine (dockerd pid $started_dockerd)"
fi

# --- base images, build, start ------------------------------------------------
sh "$top_srcdir/tests/docker/base-images.sh" >"$workdir/base" 2>&1
ok $? "base images are present"
while read -r line; do diag "$line"; done <"$workdir/base"

export COMPOSE_PROJECT_NAME=hellofcgie2e
http_port=$(free_port)
# Users get ${HTTP_PORT:-8888}. The file's host-mode port takes a number, so
# it is published on every interface; the test sends to loopback only.
export HTTP_PORT=$http_port
cd "$top_srcdir" || bail "no $top_srcdir"

t0=$(now_ms)
compose build >"$workdir/build" 2>&1
ok $? "docker compose build" || tail -n 30 "$workdir/build" | sed 's/^/# /'
diag "stack built in $(( ($(now_ms) - t0) / 1000 )) s"

compose up -d >"$workdir/up" 2>&1
ok $? "docker compose up -d" || sed 's/^/# /' "$workdir/up"
apps=$(compose ps -q app)
app=$(echo "$apps" | head -n 1)
nginx=$(compose ps -q nginx)

health() { echo $(docker inspect -f '{{.State.Health.Status}}' "$@" 2>/dev/null); }
t0=$(now_ms)
wait_until 90000 sh -c "[ \"\$(docker inspect -f '{{.State.Health.Status}}' $apps $nginx | sort -u)\" = healthy ]"
ok $? "both services become healthy (app: $(health $apps), nginx: $(health "$nginx"))"
diag "healthy $(( $(now_ms) - t0 )) ms after up"

# --- through the published port ------------------------------------------------
url=http://127.0.0.1:$http_port
for path in / /another/path?q=1; do
    curl -s -D "$workdir/h" -o "$workdir/b" "$url$path"
    ok $? "GET $path: curl succeeds"
    is "$(head -n 1 "$workdir/h")" "$(printf 'HTTP/1.1 200 OK\r')" "GET $path: status 200"
    grep -q "$(printf '^Content-Type: text/plain; charset=utf-8\r$')" "$workdir/h"
    ok $? "GET $path: Content-Type: text/plain; charset=utf-8"
    grep -q "$(printf '^Content-Length: 12\r$')" "$workdir/h"
    ok $? "GET $path: Content-Length: 12"
    printf 'Hello World!' | cmp -s - "$workdir/b"
    ok $? "GET $path: body is exactly 'Hello World!'"
done
rm -f "$workdir/b"
curl -s --http1.0 -X HEAD -o "$workdir/b" --max-time 5 "$url/"
is "$?:$(cat "$workdir/b" 2>/dev/null | wc -c)" "18:0" "HEAD: headers only, no body"
is "$(curl -s -D - -o /dev/null "$url/" | grep -i '^server:')" "$(printf 'Server: nginx\r')" \
    "nginx hides its version"

# --- what is exposed, and how the app runs ---------------------------------------
is "$(docker inspect -f '{{len .NetworkSettings.Ports}}' $apps | sort -u)" 0 "no app replica publishes a port"
is "$(docker port "$nginx" | cut -d ' ' -f 1 | sort -u)" 8888/tcp "nginx publishes only 8888"
is "$(docker inspect -f '{{range $name, $n := .NetworkSettings.Networks}}{{$name}} {{end}}' "$app")" \
    "${COMPOSE_PROJECT_NAME}_fcgi ${COMPOSE_PROJECT_NAME}_metrics " \
    "the app is on two networks: fcgi (nginx) and metrics (Prometheus)"
is "$(docker network inspect -f '{{.Internal}}' "${COMPOSE_PROJECT_NAME}_fcgi") $(docker network inspect \
    -f '{{range .Containers}}{{.Name}} {{end}}' "${COMPOSE_PROJECT_NAME}_fcgi" | tr ' ' '\n' | sed 's/-[0-9]*$//' | grep . | sort -u | tr '\n' ' ')" \
    "true ${COMPOSE_PROJECT_NAME}-app ${COMPOSE_PROJECT_NAME}-nginx " \
    "fcgi is internal (no route out), and only the app and nginx are on it"
is "$(docker exec "$app" /hello-fcgi --healthcheck 2>&1; echo "exit $?")" "exit 0" \
    "the app answers FastCGI on its port (its own health check)"
app_pid=$(docker inspect -f '{{.State.Pid}}' "$app")
uid=$(awk '/^Uid:/ {print $2}' "/proc/$app_pid/status")

[ -n "$uid" ] && [ "$uid" -ne 0 ]
ok $? "the app runs as a non-root uid ($uid)"
is "$(docker inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$app")" true "the app's root filesystem is read-only"
size=$(docker image inspect -f '{{.Size}}' hello-fcgi)
[ "$size" -lt 1000000 ]
ok $? "the app image is under 1 MB ($size bytes)"

# --- the same Dockerfile under BuildKit -------------------------------------------
bk=/usr/bin/docker
[ -x "$bk" ] || bk=docker
t0=$(now_ms)
DOCKER_BUILDKIT=1 "$bk" build -q -t hello-fcgi:buildkit . >"$workdir/bk" 2>&1
ok $? "the app image builds with BuildKit" || tail -n 30 "$workdir/bk" | sed 's/^/# /'
diag "BuildKit build took $(( ($(now_ms) - t0) / 1000 )) s"

# --- stop --------------------------------------------------------------------------
t0=$(now_ms)
compose stop >"$workdir/stop" 2>&1
ok $? "docker compose stop"
took=$(( $(now_ms) - t0 ))
diag "the stack stopped in $took ms"
is "$(docker inspect -f '{{.State.ExitCode}}' $apps | sort -u)" 0 \
    "every app replica exited 0 (137 would be a SIGKILL after the grace period)"
is "$(docker inspect -f '{{.State.ExitCode}}' "$nginx")" 0 "nginx exited 0"
for c in $apps; do
    docker logs "$c" 2>&1 | tail -n 1 | grep -q '^hello-fcgi: stopped by SIGTERM, [0-9]* requests served$'
    ok $? "an app replica logged its stop: $(docker logs "$c" 2>&1 | tail -n 1)"
done

compose down --volumes --remove-orphans >/dev/null 2>&1
ok $? "docker compose down"

finish
