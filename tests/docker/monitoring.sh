#!/bin/sh
# The monitoring profile with a real Prometheus (docs/operate.md), first with
# Compose (`docker compose --profile monitoring up`, the app at its 3
# replicas), then on a one-node Swarm (`MONITORING=1 docker stack deploy`).
# On each, asking Prometheus's HTTP API: every app replica is a target of
# its own with up == 1; N requests through the public port make the sum of
# answered requests over the replicas grow by exactly N; a 431 sent on
# purpose to one replica shows in that replica's refused_too_large series;
# nginx's exporter is scraped. Also: the public port never leads to a status
# or metrics page, and nginx's access log is JSON with the request id and
# the replica that answered.
# Root (the 431 is sent from inside a replica's network namespace with
# nsenter), a Docker engine not in a swarm, the built probes (make check),
# jq. Leaves the engine as it found it, also on failure.
#   sh tests/docker/monitoring.sh      (after tests/docker/compose.sh: base images, Compose v2)
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib.sh"

docker info >/dev/null 2>&1 || bail "no Docker engine answers"
[ "$(docker info -f '{{.Swarm.LocalNodeState}}')" = inactive ] \
    || bail "this engine is in a swarm already: the test makes its own and leaves it"
command -v jq >/dev/null || bail "jq not found: install the jq package"
command -v nsenter >/dev/null || bail "nsenter not found: install util-linux"
[ -x "$PROBE" ] || bail "no $PROBE: build the probes first (make check)"
PROBE=$(cd "$(dirname "$PROBE")" && pwd)/$(basename "$PROBE")

N=500
project=hellofcgimon
export COMPOSE_PROJECT_NAME=$project
stack=hellofcgimon
http_port=$(free_port)
prom_port=$(free_port)
# The file's host-mode port takes a number: published on every interface;
# the test sends to loopback only.
export HTTP_PORT=$http_port PROMETHEUS_PORT=$prom_port
url=http://127.0.0.1:$http_port
. "$top_srcdir/tests/docker/one-node-swarm.sh"
teardown() {
    compose --profile monitoring down --volumes --remove-orphans >/dev/null 2>&1
    swarm_down "$stack"
    cleanup
}
trap teardown EXIT
cd "$top_srcdir" || bail "no $top_srcdir"

# --- Prometheus's HTTP API, asked from inside its container (the same on
# Compose and Swarm; the image has wget) ------------------------------------------
prom=""
api() { docker exec "$prom" wget -q -O - "http://127.0.0.1:9090/api/v1/$1"; }
uri() { printf '%s' "$1" | jq -sRr @uri; }
# value EXPR: the first sample of an instant query, or "none".
value() { api "query?query=$(uri "$1")" | jq -r '.data.result[0].value[1] // "none"'; }
# fresh EXPR SERIES T: EXPR once every series of SERIES has a sample scraped
# after the unix time T (waits up to 30 s: six scrapes); "stale" if never.
fresh() {
    # T is whole seconds, taken after the event: a scrape in T's own second
    # may precede it, so only one after T + 1 counts.
    after_event=$(( $3 + 1 ))
    limit=$(( $(date +%s) + 30 ))
    while [ "$(date +%s)" -lt "$limit" ]; do
        oldest=$(value "min(timestamp($2))")
        if [ "$oldest" != none ] && awk -v o="$oldest" -v t="$after_event" 'BEGIN {exit !(o > t)}'; then
            value "$1"
            return
        fi
        sleep 1
    done
    echo stale
}
answered='hello_fcgi_requests_total{outcome="answered"}'

# check_platform NAME NETWORK APP_FILTER PROM NGINX: the checks, on a
# running stack whose app containers `docker ps -q $APP_FILTER` lists, on
# NETWORK (the metrics network's full name).
check_platform() {
    name=$1 net=$2 filter=$3 prom=$4 nginx_c=$5
    apps=$(docker ps -q $filter)
    ips=$(for c in $apps; do
        docker inspect -f "{{(index .NetworkSettings.Networks \"$net\").IPAddress}}" "$c"
    done | sort)
    is "$(echo "$ips" | grep -c .)" 3 "$name: 3 app replicas on the metrics network"

    # Every replica a target of its own, up: the instances are exactly the
    # replicas' addresses (one task = one target, no duplicate from the two
    # DNS names in prometheus.yml).
    wait_until 60000 sh -c "[ \"\$(docker exec $prom wget -q -O - 'http://127.0.0.1:9090/api/v1/query?query=$(uri 'count(up{job="hello-fcgi"} == 1)')' \
        | jq -r '.data.result[0].value[1]')\" = 3 ]"
    targets=$(api targets | jq -r '.data.activeTargets[] | select(.labels.job == "hello-fcgi")
        | "\(.labels.instance) \(.health)"' | sort)
    is "$targets" "$(echo "$ips" | sed 's/$/:9101 up/')" \
        "$name: Prometheus scrapes each app replica as its own target, all up"
    is "$(value 'count(up{job="hello-fcgi"} == 1)')" 3 "$name: up == 1 for the 3 replicas"

    wait_until 30000 sh -c "docker exec $prom wget -q -O - 'http://127.0.0.1:9090/api/v1/query?query=$(uri 'up{job="nginx"} == 1')' \
        | jq -e '.data.result | length == 1'"
    ok $? "$name: nginx's exporter is a target, up"
    [ "$(value 'nginx_connections_accepted')" != none ] && [ "$(value 'nginx_up')" = 1 ]
    ok $? "$name: nginx_connections_accepted is scraped and the exporter reaches nginx (nginx_up 1)"

    # The public port leads to the app's answer, whatever the path: never to
    # nginx's status, the health check, or the app's metrics.
    leaks=""
    for path in /stub_status /healthz /metrics /status /ping /stub_status?full /metrics/ //metrics; do
        [ "$(curl -s --max-time 5 "$url$path")" = 'Hello World!' ] || leaks="$leaks $path"
        [ "$(curl -s --max-time 5 -H 'Host: localhost:8080' "$url$path")" = 'Hello World!' ] || leaks="$leaks $path(Host)"
    done
    is "${leaks:-none}" none "$name: status and metrics paths on the public port get the app's Hello World!"

    # Exactly N through the public port, counted once each over the replicas
    # (health checks and scrapes are not requests answered).
    t=$(date +%s)
    sleep 1
    before=$(fresh "sum($answered)" "$answered" "$t")
    for i in $(seq 1 "$N"); do printf 'url = "%s/n%d"\noutput = /dev/null\n' "$url" "$i"; done >"$workdir/many"
    curl -s --parallel --parallel-max 20 -K "$workdir/many" -w '%{http_code} %{size_download}\n' \
        >"$workdir/codes" 2>/dev/null
    is "$(grep -c '^200 12$' "$workdir/codes")" "$N" "$name: $N requests through the public port, all 200"
    t=$(date +%s)
    sleep 1
    after=$(fresh "sum($answered)" "$answered" "$t")
    is "$(awk -v a="$after" -v b="$before" 'BEGIN {print a - b}')" "$N" \
        "$name: sum over the replicas of answered requests grew by exactly $N ($before -> $after)"
    spread=$(api "query?query=$(uri "$answered")" | jq -r '.data.result | length')
    is "$spread" 3 "$name: one answered series per replica"

    # A request too large for the app, straight to one replica (nginx's own
    # limits stop such a request before it): answered 431, and counted in
    # that replica's own series.
    victim=$(echo "$apps" | head -n 1)
    victim_ip=$(docker inspect -f "{{(index .NetworkSettings.Networks \"$net\").IPAddress}}" "$victim")
    series="hello_fcgi_requests_total{outcome=\"refused_too_large\",instance=\"$victim_ip:9101\"}"
    t=$(date +%s)
    sleep 1
    r0=$(fresh "sum($series)" "$series" "$t")
    is "$(nsenter -t "$(docker inspect -f '{{.State.Pid}}' "$victim")" -n "$PROBE" large 127.0.0.1:9000 70000 2>&1)" 431 \
        "$name: 70 kB of parameters to one replica: 431"
    t=$(date +%s)
    sleep 1
    r1=$(fresh "sum($series)" "$series" "$t")
    is "$(awk -v a="$r1" -v b="$r0" 'BEGIN {print a - b}')" 1 \
        "$name: the 431 shows in that replica's refused_too_large series ($r0 -> $r1)"
    [ "$r1" != "$r0" ] || api "query?query=$(uri 'hello_fcgi_requests_total{outcome="refused_too_large"}')" \
        | jq -c '.data.result[] | [.metric.instance, .value]' | sed "s/^/# victim $victim_ip: /"
    # The probe then sends one ordinary request on the same connection
    # (the connection survives a 431): that one, and only that one, is
    # answered.
    is "$(fresh "sum($answered)" "$answered" "$t")" "$((after + 1))" \
        "$name: and not as an answered request (only the probe's next, ordinary request is)"

    # nginx's access log: one JSON object per request, with the request id
    # (sent to the app as REQUEST_ID) and the replica that answered.
    # (nginx reaches the replicas on the fcgi network: their addresses there.)
    fcgi_ips=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}' $apps | tr '\n' ' ')
    docker logs "$nginx_c" 2>/dev/null | grep '^{' | tail -n 1 >"$workdir/line"
    jq -e --arg ips "$fcgi_ips" '
        (.request_id | test("^[0-9a-f]{32}$")) and .status == 200 and (.request_time | type == "number")
        and (.upstream_addr | test("^[0-9.]+:9000$")) and ((.upstream_addr | sub(":9000$"; "")) as $a | $ips | split(" ") | index($a) != null)
        and (.upstream_response_time | test("^[0-9.]+$"))' "$workdir/line" >/dev/null
    status=$?
    ok $status "$name: nginx's access log is JSON with the request id, timings and the replica's address"
    [ $status -eq 0 ] || sed 's/^/#   /' "$workdir/line"
}

# --- Compose --------------------------------------------------------------------
compose --profile monitoring up -d --build >"$workdir/up" 2>&1 \
    || bail "compose --profile monitoring up failed: $(tail -n 5 "$workdir/up")"
prom_c=$(compose ps -q prometheus)
wait_until 120000 sh -c "[ \"\$(docker inspect -f '{{.State.Health.Status}}' $(compose ps -q app) $(compose ps -q nginx) $prom_c | sort -u)\" = healthy ]" \
    || bail "the stack did not get healthy: $(compose ps 2>&1 | tail -n 6)"
ok 0 "compose: the stack and Prometheus are healthy"
is "$(docker port "$prom_c" | sort -u)" "9090/tcp -> 127.0.0.1:$prom_port" \
    "compose: Prometheus is published on the host's loopback only"
is "$(curl -s --max-time 5 "http://127.0.0.1:$prom_port/-/ready" | grep -c .)" 1 \
    "compose: Prometheus answers on 127.0.0.1:$prom_port"
is "$(docker network inspect -f '{{.Internal}}' "${project}_metrics")" true "compose: the metrics network is internal"
check_platform compose "${project}_metrics" "--filter label=com.docker.compose.project=$project --filter label=com.docker.compose.service=app" \
    "$prom_c" "$(compose ps -q nginx)"
# Off unless asked for: without the profile, no Prometheus, no exporter.
compose --profile monitoring down --volumes >/dev/null 2>&1
is "$(compose config --services | sort | tr '\n' ' ')" "app nginx " "compose: without the profile, only the app and nginx"

# --- Swarm ----------------------------------------------------------------------
swarm_up
# The images were built by the compose run above.
MONITORING=1 docker stack deploy --resolve-image never -c docker-compose.yml "$stack" >"$workdir/deploy" 2>&1 \
    || bail "MONITORING=1 docker stack deploy failed: $(cat "$workdir/deploy")"
wait_until 120000 sh -c "[ \"\$(curl -s --max-time 2 $url/)\" = 'Hello World!' ] \
    && [ \"\$(docker service ls -f name=${stack}_app --format '{{.Replicas}}')\" = 3/3 ] \
    && [ \"\$(docker service ls -f name=${stack}_prometheus --format '{{.Replicas}}')\" = 1/1 ] \
    && [ \"\$(docker service ls -f name=${stack}_nginx-exporter --format '{{.Replicas}}')\" = 1/1 ]" \
    || bail "the stack did not come up: $(docker stack ps --no-trunc "$stack" 2>&1 | head -n 8)"
ok 0 "swarm: MONITORING=1 docker stack deploy runs the stack, Prometheus and the exporter"
prom_c=$(docker ps -q -f "label=com.docker.swarm.service.name=${stack}_prometheus")
wait_until 60000 sh -c "[ \"\$(docker inspect -f '{{.State.Health.Status}}' $prom_c)\" = healthy ]"
ok $? "swarm: Prometheus is healthy"
is "$(docker service inspect -f '{{len .Endpoint.Ports}}' "${stack}_prometheus" "${stack}_nginx-exporter" | sort -u)" 0 \
    "swarm: Prometheus and the exporter publish nothing"
check_platform swarm "${stack}_metrics" "--filter label=com.docker.swarm.service.name=${stack}_app" \
    "$prom_c" "$(docker ps -q -f "label=com.docker.swarm.service.name=${stack}_nginx")"

finish
