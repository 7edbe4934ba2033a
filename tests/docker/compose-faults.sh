#!/bin/sh
# Faults and hardening on the compose stack, on a real Docker engine (root).
#   sh tests/docker/compose-faults.sh      (after tests/docker/compose.sh: engine and images)
# Drain on `docker compose stop app` under load, recovery from a SIGKILL,
# nginx started while the app is down, and the containers' privileges. One
# app replica, so that its faults reach the port with no other replica to
# fail over to (tests/docker/swarm.sh has replicas fail over).
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib.sh"

docker info >/dev/null 2>&1 || bail "no Docker engine answers"
sh "$top_srcdir/tests/docker/base-images.sh" >/dev/null 2>&1 || bail "base images missing"
export COMPOSE_PROJECT_NAME=hellofcgifaults
http_port=$(free_port)
# A number: published on every interface; the test sends to loopback only.
export HTTP_PORT=$http_port
url=http://127.0.0.1:$http_port
cd "$top_srcdir" || bail "no $top_srcdir"
teardown() {
    compose down --volumes --remove-orphans >/dev/null 2>&1
    cleanup
}
trap teardown EXIT

compose up -d --build --scale app=1 >"$workdir/up" 2>&1 || bail "compose up failed: $(tail -n 5 "$workdir/up")"
wait_until 90000 curl -sf -o /dev/null "$url/" || bail "the stack does not answer"
app=$(compose ps -q app)
nginx=$(compose ps -q nginx)

# --- hardening ---------------------------------------------------------------
for c in app nginx; do
    id=$(compose ps -q "$c")
    pid=$(docker inspect -f '{{.State.Pid}}' "$id")
    status=/proc/$pid/status
    uid=$(awk '/^Uid:/ {print $2}' "$status")
    [ "$uid" -ne 0 ]
    ok $? "$c: PID 1 runs as a non-root uid ($uid)"
    is "$(awk '/^CapEff:/ {print $2}' "$status")" 0000000000000000 "$c: no effective capabilities"
    is "$(awk '/^NoNewPrivs:/ {print $2}' "$status")" 1 "$c: no-new-privileges"
    is "$(docker inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$id")" true "$c: read-only root filesystem"
done
docker export "$app" | tar -t >"$workdir/files"
is "$(grep -E '(^|/)(sh|bash|dash|busybox)$' "$workdir/files" | wc -l)" 0 "the app image has no shell"
is "$(grep -v -e '/$' -e '^\.dockerenv$' -e '^etc/' -e '^dev/' -e '^proc/' -e '^sys/' "$workdir/files")" hello-fcgi \
    "the app image holds one file: hello-fcgi"

# load N NAME: N requests over 8 connections in the background; one line per
# request: status, body bytes, curl's exit code.
load() {
    curl -s --parallel --parallel-max 8 --max-time 10 -o /dev/null \
        -w '%{http_code} %{size_download} %{exitcode}\n' "$url/$2[1-$1]" \
        >"$workdir/$2" 2>/dev/null &
    load_pid=$!; pids="$pids $load_pid"
    wait_until 10000 sh -c "[ \$(wc -l <'$workdir/$2') -ge 300 ]"
}
# account NAME: prints the counts; fails if any reply was neither a full 200
# nor a gateway error: 502, or 504 when nginx's connect to a stopped
# container's address timed out before Docker's DNS dropped it.
account() {
    sent=$(wc -l <"$workdir/$1")
    full=$(grep -c '^200 12 0$' "$workdir/$1")
    gw=$(grep -c '^50[24] ' "$workdir/$1")
    diag "$1: $sent requests, $full answered 200 in full, $gw answered 502 or 504 ($(grep -c '^504 ' "$workdir/$1") 504), $((sent - full - gw)) other"
    grep -v -e '^200 12 0$' -e '^50[24] ' "$workdir/$1" | sort | uniq -c | sed 's/^/#   other: /'
    [ $((sent - full - gw)) -eq 0 ] && [ "$full" -ge 300 ]
}

# --- 1. drain on docker compose stop app ------------------------------------
# Compose drops no address from DNS before the stop, so nginx goes on
# sending on its kept connections: the app serves them until its 5 s bound
# (app/server.c, "Why a stop lingers"), then leaves; the rest get 502.
load 40000 drain
t0=$(now_ms)
compose stop app >/dev/null 2>&1
took=$(( $(now_ms) - t0 ))
diag "$(docker logs "$app" 2>&1 | grep -E 'stopp(ing|ed)' | tail -n 2 | tr '\n' ' ')"
is "$(docker inspect -f '{{.State.ExitCode}}' "$app")" 0 "compose stop app under load: the app exits 0"
[ "$took" -lt 7000 ]
ok $? "the stop took $took ms: the 5 s bound and the drain, under the 10 s grace"
wait "$load_pid"
account drain
ok $? "under stop: every reply was a full 200 or a gateway error, none cut"
[ "$gw" -gt 0 ]
ok $? "the stop came in the middle of the load ($gw requests after it got a gateway error)"

# --- 3. nginx started while the app is down -----------------------------------------
compose restart nginx >/dev/null 2>&1
wait_until 30000 sh -c "curl -s -o /dev/null -w '%{http_code}' '$url/' | grep -q 502"
ok $? "nginx (re)started with the app down serves"
t0=$(now_ms)
code=$(curl -s -o /dev/null --max-time 5 -w '%{http_code}' "$url/")
took=$(( $(now_ms) - t0 ))
is "$code" 502 "with the app down: 502"
[ "$took" -lt 1000 ]
ok $? "promptly ($took ms), not a hang"
compose start app >/dev/null 2>&1
t0=$(now_ms)
wait_until 30000 sh -c "[ \"\$(curl -s --max-time 2 '$url/')\" = 'Hello World!' ]"
ok $? "the app back: requests succeed again ($(( $(now_ms) - t0 )) ms after start), nginx untouched"

# --- 2. crash and recover -------------------------------------------------------------
wait_until 60000 sh -c "[ \"\$(docker inspect -f '{{.State.Health.Status}}' $app)\" = healthy ]"
load 20000 crash
app_pid=$(docker inspect -f '{{.State.Pid}}' "$app")
restarts=$(docker inspect -f '{{.RestartCount}}' "$app")
t0=$(now_ms)
kill -KILL "$app_pid"
# The next request gets nginx's 502 at once, or a 200 if Docker has already
# restarted the app: a poll for 502 alone can miss so short a window (the
# load's replies are counted below).
t1=$(now_ms)
code=$(curl -s -o /dev/null --max-time 10 -w '%{http_code}' "$url/")
took=$(( $(now_ms) - t1 ))
case $code in 502 | 200) [ "$took" -lt 5000 ] ;; *) false ;; esac
ok $? "app killed: the next request gets $code in $took ms, not a hang"
wait_until 30000 sh -c "[ \"\$(curl -s --max-time 2 '$url/')\" = 'Hello World!' ]"
ok $? "the restart policy brings it back"
took=$(( $(now_ms) - t0 ))
diag "recovered $took ms after the SIGKILL"
is "$(docker inspect -f '{{.RestartCount}}' "$app")" $((restarts + 1)) "restarted by Docker once"
wait "$load_pid"
account crash
ok $? "across the crash: every reply was a full 200 or a gateway error, none hung or cut"

finish
