# Sourced by the tests that turn this machine's engine into a one-node swarm
# (after lib.sh): swarm_up makes it, swarm_down STACK undoes all of it, also
# after a failure half-way. swarm_down does nothing before swarm_up.

swarm_made=""
# swarm_up: a swarm of this engine alone, its node labelled edge (nginx runs
# on edge nodes: docker-compose.yml).
swarm_up() {
    # The swarm makes docker_gwbridge; it goes with the swarm unless it was
    # there before.
    docker network inspect docker_gwbridge >/dev/null 2>&1 && had_gwbridge=1 || had_gwbridge=""
    docker swarm init --advertise-addr 127.0.0.1 >"$workdir/init" 2>&1 \
        || bail "docker swarm init failed: $(cat "$workdir/init")"
    swarm_made=1
    docker node update --label-add edge=true "$(docker node ls -q)" >"$workdir/label" 2>&1 \
        || bail "docker node update --label-add edge=true failed: $(cat "$workdir/label")"
}

# swarm_down STACK: the stack, then its volumes (docker stack rm leaves them,
# and they stay in use until its containers are gone), the swarm, and
# docker_gwbridge if the swarm made it.
swarm_down() {
    [ -n "$swarm_made" ] || return 0
    docker stack rm "$1" >/dev/null 2>&1
    wait_until 60000 sh -c "[ -z \"\$(docker ps -aq -f label=com.docker.stack.namespace=$1)\" ]" \
        || echo "# containers of $1 still there after 60 s"
    for v in $(docker volume ls -q -f "label=com.docker.stack.namespace=$1"); do
        wait_until 30000 docker volume rm "$v" || echo "# volume $v still in use after 30 s"
    done
    docker swarm leave --force >/dev/null 2>&1
    [ -n "$had_gwbridge" ] || docker network rm docker_gwbridge >/dev/null 2>&1
    swarm_made=""
}
