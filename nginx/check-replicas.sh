#!/bin/sh
# Is every replica of the app reachable from every nginx? Run it against each
# edge node's engine after a deploy or an update:
#   sh nginx/check-replicas.sh STACK                 (this node)
#   DOCKER_HOST=ssh://edge2 sh nginx/check-replicas.sh STACK
# For each nginx task of STACK on that engine, it asks Docker's DNS inside the
# task for tasks.app (every running replica, cluster-wide) and opens a TCP
# connection to each on port 9000, from inside the task. It prints one line
# per pair and exits 1 if any replica is unreachable or none is found.
# Why: nginx marks an unreachable replica down and serves from the others,
# so a broken overlay (an encrypted one on a kernel without IPsec's ESP
# AEAD, a firewall closing 4789/udp) only shows as replicas taking no
# traffic (docs/cluster.md, "Is every replica reachable?").
set -u
stack=${1:?usage: check-replicas.sh STACK}
timeout_s=${CHECK_TIMEOUT:-3}

tasks=$(docker ps -q -f "label=com.docker.swarm.service.name=${stack}_nginx") || exit 2
[ -n "$tasks" ] || { echo "check-replicas: no nginx task of $stack on this engine" >&2; exit 2; }
status=0
for t in $tasks; do
    node=$(docker inspect -f '{{index .Config.Labels "com.docker.swarm.node.id"}}' "$t")
    addrs=$(docker exec "$t" getent ahostsv4 tasks.app | awk '{print $1}' | sort -u)
    if [ -z "$addrs" ]; then
        echo "nginx task $t (node $node): tasks.app resolves to nothing"
        status=1
        continue
    fi
    for a in $addrs; do
        # bash's /dev/tcp: the nginx image has bash, the app's has no shell.
        if docker exec "$t" timeout "$timeout_s" bash -c ": </dev/tcp/$a/9000" 2>/dev/null; then
            echo "nginx task $t (node $node) -> $a:9000 reachable"
        else
            echo "nginx task $t (node $node) -> $a:9000 UNREACHABLE"
            status=1
        fi
    done
done
exit $status
