# A Docker engine in a container: one Swarm node of tests/docker/cluster.sh.
# Built with no context:  docker build -t hello-fcgi-cluster-node - <tests/docker/node.Dockerfile
# Runs without --privileged (this kernel refuses it); cluster.sh gives the
# capabilities and paths an engine needs (docs/cluster.md).
FROM debian:trixie-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends docker.io iproute2 iptables ca-certificates \
 && rm -rf /var/lib/apt/lists/*
# Images and containers of the node: a volume, so that overlay2 works inside.
VOLUME /var/lib/docker
ENTRYPOINT ["dockerd"]
