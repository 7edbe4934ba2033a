#!/bin/sh
# Draws docs/rolling-update.png (docs/operate.md): requests answered per
# second by each app replica over a rolling update, from Prometheus's own
# data. Makes a one-node swarm, deploys the stack with its monitoring
# (MONITORING=1), puts it under the deploy tests' load (tests/docker/load.sh),
# forces a rolling update of the app in the middle, then asks Prometheus for
# the range and hands it to gnuplot. Leaves the engine as it found it.
#   make plot-rolling-update      (root, a Docker engine not in a swarm, the
#                                  base images (tests/docker/base-images.sh),
#                                  wrk, jq, gnuplot-nox)
#   OUT=FILE sh tests/docker/plot-rolling-update.sh    (another file)
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/docker/load.sh"

command -v gnuplot >/dev/null || bail "gnuplot not found: install the gnuplot-nox package"
command -v jq >/dev/null || bail "jq not found: install the jq package"
docker info >/dev/null 2>&1 || bail "no Docker engine answers"
[ "$(docker info -f '{{.Swarm.LocalNodeState}}')" = inactive ] \
    || bail "this engine is in a swarm already: the script makes its own and leaves it"
out=${OUT:-$top_srcdir/docs/rolling-update.png}
case $out in /*) ;; *) out=$(pwd)/$out ;; esac
stack=hellofcgiplot
. "$top_srcdir/tests/docker/one-node-swarm.sh"
teardown() {
    swarm_down "$stack"
    cleanup
}
trap teardown EXIT
cd "$top_srcdir" || bail "no $top_srcdir"

compose --profile monitoring build >"$workdir/build" 2>&1 \
    || bail "compose --profile monitoring build failed: $(tail -n 5 "$workdir/build")"
swarm_up
http_port=$(free_port)
url=http://127.0.0.1:$http_port/
HTTP_PORT=$http_port MONITORING=1 docker stack deploy --resolve-image never -c docker-compose.yml "$stack" \
    >"$workdir/deploy" 2>&1 || bail "docker stack deploy failed: $(cat "$workdir/deploy")"
wait_until 120000 sh -c "[ \"\$(curl -s --max-time 2 $url)\" = 'Hello World!' ] \
    && [ -n \"\$(docker ps -q -f label=com.docker.swarm.service.name=${stack}_prometheus)\" ]" \
    || bail "the stack did not come up: $(docker stack ps "$stack" 2>&1 | head -n 8)"
prom=$(docker ps -q -f "label=com.docker.swarm.service.name=${stack}_prometheus")
api() { docker exec "$prom" wget -q -O - "http://127.0.0.1:9090/api/v1/$1"; }
uri() { printf '%s' "$1" | jq -sRr @uri; }
up3() { [ "$(api "query?query=$(uri 'count(up{job="hello-fcgi"} == 1)')" | jq -r '.data.result[0].value[1]')" = 3 ]; }
wait_until 120000 up3 || bail "Prometheus does not see 3 app replicas up"

# 35 s steady, the update, 25 s after it. The picture starts 15 s into the
# load, once the rate's 15 s window holds only loaded seconds.
load_start "$url"
sleep 15
t0=$(date +%s)
sleep 20
u0=$(date +%s)
timeout 180 docker service update --detach=false --force "${stack}_app" >"$workdir/update" 2>&1 \
    || bail "docker service update --force failed: $(tail -n 5 "$workdir/update")"
u1=$(date +%s)
sleep 25
load_stop "rolling update for the picture" || bail "the load did not run for the whole update"
t1=$(date +%s)
# Two more scrapes, so that the last seconds are in the data.
sleep 11

# Per replica (its address: a new task has a new one) and in total, per
# second over 15 s (three scrapes).
rate='rate(hello_fcgi_requests_total{outcome="answered"}[15s])'
range() { api "query_range?query=$(uri "$1")&start=$t0&end=$t1&step=1"; }
{
    range "sum by (instance) ($rate)" | jq -r --argjson t0 "$t0" '.data.result | sort_by(.values[0][0])[]
        | "\"replica \(.metric.instance | sub(":9101$"; ""))\"", (.values[] | "\(.[0] - $t0) \(.[1])"), "", ""'
    range "sum($rate)" | jq -r --argjson t0 "$t0" '.data.result[] | "\"total\"", (.values[] | "\(.[0] - $t0) \(.[1])")'
} >"$workdir/data"
blocks=$(grep -c '^"' "$workdir/data")
[ "$blocks" -ge 5 ] || bail "Prometheus gave $blocks series; expected 3 replicas before, 3 after, and the total"

mkdir -p "$(dirname "$out")"
gnuplot <<EOF || bail "gnuplot failed"
set terminal pngcairo size 900,480 font "sans,10"
set output "$out"
set title "Requests answered per second by each replica, forced rolling update (one-node swarm, wrk: $load_failed failed of $load_sent)"
set xlabel "seconds"
set ylabel "requests/s (rate over 15 s)"
set key outside right top
set grid
set yrange [0:*]
set arrow from $((u0 - t0)), graph 0 to $((u0 - t0)), graph 1 nohead dashtype 2
set arrow from $((u1 - t0)), graph 0 to $((u1 - t0)), graph 1 nohead dashtype 2
set label "update starts" at $((u0 - t0)), graph 0.97 right offset -0.5,0
set label "update done" at $((u1 - t0)), graph 0.97 left offset 0.5,0
plot for [i=0:$((blocks - 1))] "$workdir/data" index i using 1:2 with lines linewidth 2 title columnheader(1)
EOF
diag "wrote $out: $((blocks - 1)) replicas over $((t1 - t0)) s, update $((u0 - t0))-$((u1 - t0)) s; $load_sent requests, $load_failed failed"
ok 0 "plotted the rolling update"
finish
