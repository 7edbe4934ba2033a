# Sourced by the Swarm tests (after lib.sh and load.sh), with $stack set to
# the stack, $app to the app's service and $url to where the load goes: an
# operation under load,
# its verdict, and the service's state. The docker commands go to whatever
# engine DOCKER_HOST names (a manager).

# Bounds every docker command that waits for the service to converge.
OP_TIMEOUT=180
# under NAME COMMAND...: COMMAND in the middle of load; sets op_status, op_ms.
under() {
    name=$1; shift
    op_since=$(date +%s)
    load_start "$url"
    sleep 1
    t0=$(now_ms)
    if [ "$1" = docker ]; then
        timeout "$OP_TIMEOUT" "$@" >"$workdir/op" 2>&1
    else
        "$@" >"$workdir/op" 2>&1
    fi
    op_status=$?
    op_ms=$(( $(now_ms) - t0 ))
    sleep 2
    load_stop "$name (the operation: $(( op_ms / 1000 )).$(( op_ms % 1000 / 100 )) s)"
    ok $? "$name: the load ran for the whole operation"
}
# op_ok DESCRIPTION: the operation's command succeeded (its output otherwise).
op_ok() {
    ok $op_status "$1"
    [ "$op_status" -eq 0 ] || sed 's/^/# /' "$workdir/op"
}
# lossless NAME: the load before it saw no failed request; when some failed,
# what nginx logged meanwhile: its errors, the replicas it took out, and
# the requests it did not answer 200.
lossless() {
    [ "$load_failed" -eq 0 ] && [ "$load_sent" -gt 1000 ]
    ok $? "$1: no request failed ($load_failed of $load_sent)"
    [ "$load_failed" -eq 0 ] && return
    docker service logs --raw --since "$op_since" "${stack}_nginx" 2>&1 \
        | grep -e '\[error\]' -e 'temporarily disabled' -e '"status":[^2]' | head -n 30 | sed 's/^/# nginx: /'
}
image_of() { docker service inspect -f '{{.Spec.TaskTemplate.ContainerSpec.Image}}' "$app"; }
update_state() { docker service inspect -f '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}' "$app"; }
# replicas_of SERVICE: its running/desired replicas ("3/3"). By exact name:
# `docker service ls -f name=` matches prefixes (nginx, nginx-exporter).
replicas_of() { docker service ls --format '{{.Name}} {{.Replicas}}' | awk -v s="$1" '$1 == s {print $2}'; }
replicas() { replicas_of "$app"; }
# converged SERVICE N: SERVICE runs N of N replicas.
converged() { [ "$(replicas_of "$1")" = "$2/$2" ]; }
# scale N...: scales the app to each N in turn; prints "scaled to N: R/R".
# `docker service scale --detach=false` returns on a scale-down while the
# removed tasks still drain for their stop grace period: a scale is done
# when only the wanted tasks run.
scale() {
    for n in "$@"; do
        timeout "$OP_TIMEOUT" docker service scale --detach=false "$app=$n" || return 1
        wait_until $(( OP_TIMEOUT * 1000 )) sh -c "[ \"\$(docker service ls -f name=$app --format '{{.Replicas}}')\" = $n/$n ]"
        echo "scaled to $n: $(replicas)"
    done
}
# scaled_through N...: scale's output shows each step converged.
scaled_through() {
    for n in "$@"; do
        grep -q "^scaled to $n: $n/$n\$" "$workdir/op" || return 1
    done
}
# broken_image TAG: an app that serves, but on loopback port 9001, so that
# neither its health check (the image's address, *:9000) nor nginx can ever
# reach it: Swarm must roll an update to it back.
broken_image() {
    printf 'FROM hello-fcgi\nENTRYPOINT ["/hello-fcgi", "--listen", "127.0.0.1:9001"]\n' >"$workdir/Dockerfile.broken"
    docker build -q -t "$1" -f "$workdir/Dockerfile.broken" "$workdir" >"$workdir/build" 2>&1 \
        || bail "docker build of the broken app failed: $(tail -n 5 "$workdir/build")"
}
