#!/bin/sh
# Scale-out on Docker Swarm (root, a Docker engine not in a swarm): makes a
# one-node swarm, deploys docker-compose.yml as a stack, and under load
# through the published port (tests/docker/load.sh: GET and POST, 32 connections)
# runs the operations docs/scale-out.md promises lose no request: a forced rolling
# update, an update to a new image and a rollback from it, scaling
# 3 -> 6 -> 1 -> 3, a forced update of a single replica, an update to an app
# that never gets healthy (Swarm rolls it back), and a SIGKILL of one task
# (only requests in flight on it fail).
# Leaves the engine as it found it, also on failure.
#   sh tests/docker/swarm.sh      (after tests/docker/compose.sh: base images, Compose v2)
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/docker/load.sh"

docker info >/dev/null 2>&1 || bail "no Docker engine answers"
[ "$(docker info -f '{{.Swarm.LocalNodeState}}')" = inactive ] \
    || bail "this engine is in a swarm already: the test makes its own and leaves it"
stack=hellofcgiswarm
app=${stack}_app
. "$top_srcdir/tests/docker/one-node-swarm.sh"
teardown() {
    swarm_down "$stack"
    docker image rm hello-fcgi:swarm-next hello-fcgi:swarm-broken >/dev/null 2>&1
    cleanup
}
trap teardown EXIT
cd "$top_srcdir" || bail "no $top_srcdir"

compose build >"$workdir/build" 2>&1 || bail "compose build failed: $(tail -n 5 "$workdir/build")"
swarm_up

http_port=$(free_port)
url=http://127.0.0.1:$http_port/
t0=$(now_ms)
HTTP_PORT=$http_port docker stack deploy --resolve-image never -c docker-compose.yml "$stack" >"$workdir/deploy" 2>&1 \
    || bail "docker stack deploy -c docker-compose.yml failed: $(cat "$workdir/deploy")"
wait_until 90000 sh -c "[ \"\$(curl -s --max-time 2 $url)\" = 'Hello World!' ]" \
    || bail "the stack does not answer on the published port: $(docker service ps --no-trunc "$app" 2>&1 | head -n 5)"
ok 0 "the stack answers Hello World! on the published port ($(( $(now_ms) - t0 )) ms after deploy)"
wait_until 60000 sh -c "[ \"\$(docker service ls -f name=$app --format '{{.Replicas}}')\" = 3/3 ]"
ok $? "the app runs 3 replicas ($(docker service ls -f name="$app" --format '{{.Replicas}}'))"

# --- how it is wired ------------------------------------------------------------
is "$(docker service inspect -f '{{.Spec.EndpointSpec.Mode}} {{len .Endpoint.Ports}}' "$app")" "dnsrr 0" \
    "the app: DNS round robin, no published port"
is "$(docker service inspect -f '{{range .Endpoint.Ports}}{{.TargetPort}}:{{.PublishMode}} {{end}}' "${stack}_nginx")" \
    "8888:host " "nginx publishes only 8888, in host mode"
is "$(docker network inspect -f '{{.Driver}} internal={{.Internal}} encrypted={{index .Options "encrypted"}}' "${stack}_fcgi")" \
    "overlay internal=true encrypted=true" "the app's network: overlay, internal, encrypted"
is "$(docker service inspect -f '{{range .Spec.TaskTemplate.Networks}}{{.Target}} {{end}}' "$app" | tr ' ' '\n' \
    | xargs -r -n 1 docker network inspect -f '{{.Name}}' | sort | tr '\n' ' ')" "${stack}_fcgi ${stack}_metrics " \
    "the app is on that network and the metrics network only"
# What Swarm keeps of the hardening (it drops no-new-privileges: docs/scale-out.md).
for svc in app nginx; do
    c=$(docker ps -q -f "label=com.docker.swarm.service.name=${stack}_$svc" | head -n 1)
    status=/proc/$(docker inspect -f '{{.State.Pid}}' "$c")/status
    is "$(awk '/^Uid:/ {print ($2 != 0)} /^CapEff:/ {print $2}' "$status" | tr '\n' ' ')$(docker inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$c")" \
        "1 0000000000000000 true" "$svc: a non-root uid, no effective capabilities, a read-only root"
done

# --- operations under load ---------------------------------------------------------
. "$top_srcdir/tests/docker/swarm-ops.sh"

under steady sleep 5
ok $(( load_failed != 0 )) "steady: no request failed"
diag "swarm throughput: $load_rps req/s (3 replicas, the same load as the operations)"

under "rolling update (--force)" docker service update --detach=false --force "$app"
ok $op_status "docker service update --force"
[ "$op_status" -eq 0 ] || sed 's/^/# /' "$workdir/op"
is "$(update_state)" completed "the update completed"
lossless "rolling update (--force)"

docker build -q --label "org.hello-fcgi.test-build=$(now_ms)" -t hello-fcgi:swarm-next . >"$workdir/build" 2>&1 \
    || bail "docker build failed: $(tail -n 5 "$workdir/build")"
under "update to a new image" docker service update --detach=false --no-resolve-image --image hello-fcgi:swarm-next "$app"
ok $op_status "docker service update --image hello-fcgi:swarm-next"
[ "$op_status" -eq 0 ] || sed 's/^/# /' "$workdir/op"
is "$(image_of) $(update_state)" "hello-fcgi:swarm-next completed" "the new image is deployed"
lossless "update to a new image"

under "rollback (docker service rollback)" docker service rollback --detach=false "$app"
ok $op_status "docker service rollback"
[ "$op_status" -eq 0 ] || sed 's/^/# /' "$workdir/op"
is "$(image_of)" hello-fcgi:latest "the previous image is back"
lossless "rollback (docker service rollback)"

under "scale 3 -> 6 -> 1 -> 3" scale 6 1 3
ok $op_status "docker service scale"
[ "$op_status" -eq 0 ] || sed 's/^/# /' "$workdir/op"
scaled_through 6 1 3
ok $? "each scale converged: $(grep '^scaled' "$workdir/op" | tr '\n' ' ')"
lossless "scale 3 -> 6 -> 1 -> 3"

# One replica: start-first is what keeps the service from having none.
timeout "$OP_TIMEOUT" docker service scale --detach=false "$app=1" >/dev/null 2>&1 || bail "could not scale to 1"
under "rolling update of a single replica" docker service update --detach=false --force "$app"
ok $op_status "docker service update --force, 1 replica"
lossless "rolling update of a single replica"
timeout "$OP_TIMEOUT" docker service scale --detach=false "$app=3" >/dev/null 2>&1 || bail "could not scale back to 3"

broken_image hello-fcgi:swarm-broken
under "update to a broken app" docker service update --detach=false --no-resolve-image --image hello-fcgi:swarm-broken "$app"
is "$(image_of) $(update_state)" "hello-fcgi:latest rollback_completed" "Swarm rolled back by itself"
is "$(docker service ls -f name="$app" --format '{{.Replicas}}')" 3/3 "3 replicas after the rollback"
lossless "update to a broken app"

# SIGKILL of one task: only the requests it had in flight may fail. nginx
# logs one error for each request that died with the task's connection; it
# sends GET again to another replica, never POST (the app might have acted
# on it), and requests not yet sent go elsewhere.
victim=$(docker ps -q -f "label=com.docker.swarm.service.name=$app" | head -n 1)
victim_ip=$(docker inspect -f "{{(index .NetworkSettings.Networks \"${stack}_fcgi\").IPAddress}}" "$victim")
nginx_c=$(docker ps -q -f "label=com.docker.swarm.service.name=${stack}_nginx")
kill_one() {
    docker kill -s KILL "$victim" >/dev/null || return 1
    wait_until 60000 sh -c "[ \"\$(docker service ls -f name=$app --format '{{.Replicas}}')\" = 3/3 ] \
        && [ \$(docker ps -q -f label=com.docker.swarm.service.name=$app | grep -vc $victim) -eq 3 ]"
}
since=$(date +%s)
under "SIGKILL of one task" kill_one
ok $op_status "one task killed, Swarm brings the service back to 3 replicas"
in_flight=$(docker logs --since "$since" "$nginx_c" 2>&1 \
    | grep '\[error\].* while \(sending request to\|reading response header from\) upstream' \
    | grep -c "upstream: \"fastcgi://$victim_ip:9000\"")
diag "requests in flight on the killed task (nginx errors on requests sent to $victim_ip): $in_flight"
[ "$load_failed" -le "$in_flight" ]
ok $? "SIGKILL of one task: failed requests ($load_failed) at most those in flight on it ($in_flight)"

finish
