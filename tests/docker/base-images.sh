#!/bin/sh
# Makes sure the base images the Dockerfiles start FROM exist: pulled from the
# registry, or, where no registry can be reached, stand-ins built under the
# same tags from this machine's own Debian mirror. Prints which.
#
#   tests/docker/base-images.sh        needs docker, and debootstrap for a stand-in
set -eu

DEBIAN_TAG=debian:trixie-slim
NGINX_TAG=nginx:1.30
# The monitoring profile's images (docker-compose.yml, docs/operate.md).
PROMETHEUS_TAG=prom/prometheus:v3.5.3
EXPORTER_TAG=nginx/nginx-prometheus-exporter:1.5.1
STANDIN_LABEL=org.hello-fcgi.stand-in

have() { docker image inspect "$1" >/dev/null 2>&1; }

report() {
    if [ "$(docker image inspect -f "{{index .Config.Labels \"$STANDIN_LABEL\"}}" "$1" 2>/dev/null)" = true ]; then
        echo "base image $1: STAND-IN built from the Debian mirror (no registry reachable)"
    else
        echo "base image $1: from the registry"
    fi
}

# The first Debian archive this machine's apt is configured with.
debian_mirror() {
    { cat /etc/apt/sources.list.d/*.sources 2>/dev/null | sed -n 's/^URIs: *//p' | tr ' ' '\n'
      sed -n 's/^deb  *\(\[[^]]*\] *\)\{0,1\}\([^ ]*\).*/\2/p' /etc/apt/sources.list 2>/dev/null
    } | grep -v -e security -e '^$' | head -n 1
}

standin_debian() {
    mirror=$(debian_mirror)
    [ -n "$mirror" ] || { echo "no Debian mirror in /etc/apt sources" >&2; exit 1; }
    command -v debootstrap >/dev/null || { echo "debootstrap is needed for a stand-in $DEBIAN_TAG" >&2; exit 1; }
    root=$(mktemp -d)
    trap 'rm -rf "$root"' EXIT
    echo "building a stand-in $DEBIAN_TAG with debootstrap"
    debootstrap --variant=minbase trixie "$root" "$mirror" >"$root.log" 2>&1 \
        || { tail -n 20 "$root.log" >&2; rm -f "$root.log"; exit 1; }
    rm -f "$root.log"
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin
    # mktemp made / 0700 and tar carries that into the image: an engine
    # running inside a container (a Swarm node in tests) honours it, and a
    # non-root process there could not even load libc.
    chmod 755 "$root"
    tar -C "$root" -c . | docker import --change "LABEL $STANDIN_LABEL=true" \
        --change 'CMD ["bash"]' - "$DEBIAN_TAG" >/dev/null
    rm -rf "$root"
    trap - EXIT
}

# What the tests rely on in the official image: nginx of the same branch
# (1.30: `server NAME resolve` needs 1.27.3 or later, which trixie lacks, so
# it comes from sid, pinned low so that only nginx and what it needs come
# from there), curl, the nginx user (uid 101), logs on stdout and stderr,
# conf.d included, SIGQUIT to stop.
standin_nginx() {
    dir=$(mktemp -d)
    cat >"$dir/Dockerfile" <<'EOD'
FROM debian:trixie-slim
ARG MIRROR
RUN echo "deb $MIRROR sid main" >/etc/apt/sources.list.d/sid.list \
 && printf 'Package: *\nPin: release n=sid\nPin-Priority: 100\n' >/etc/apt/preferences.d/sid \
 && apt-get -o Acquire::Check-Valid-Until=false update \
 && apt-get install -y --no-install-recommends -t sid nginx curl ca-certificates \
 && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/* \
 && groupadd --system --gid 101 nginx \
 && useradd --system --uid 101 --gid nginx --no-create-home --home /nonexistent --shell /bin/false nginx \
 && mkdir -p /etc/nginx/conf.d /var/cache/nginx \
 && ln -sf /dev/stdout /var/log/nginx/access.log \
 && ln -sf /dev/stderr /var/log/nginx/error.log
LABEL org.hello-fcgi.stand-in=true
EXPOSE 80
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
EOD
    mirror=$(debian_mirror)
    echo "building a stand-in $NGINX_TAG from Debian sid's nginx"
    docker build -q --build-arg "MIRROR=$mirror" -t "$NGINX_TAG" "$dir" >/dev/null
    rm -rf "$dir"
}

# What .prometheus/Dockerfile and the stack rely on in the official
# Prometheus image: /bin/prometheus as the entrypoint, the same default
# command, uid 65534 owning /prometheus (its data), and wget (the official
# image is busybox-based) for the health check and the tests' API queries.
# Debian's package is an older Prometheus (2.x): the scrape configuration and
# the HTTP API the project uses are the same in both.
standin_prometheus() {
    dir=$(mktemp -d)
    cat >"$dir/Dockerfile" <<'EOD'
FROM debian:trixie-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends prometheus wget \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /prometheus \
 && chown 65534:65534 /prometheus
LABEL org.hello-fcgi.stand-in=true
USER 65534:65534
EXPOSE 9090
VOLUME ["/prometheus"]
WORKDIR /prometheus
ENTRYPOINT ["/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
EOD
    echo "building a stand-in $PROMETHEUS_TAG from Debian's prometheus"
    docker build -q -t "$PROMETHEUS_TAG" "$dir" >/dev/null
    rm -rf "$dir"
}

# The official exporter image: the binary as /usr/bin/nginx-prometheus-exporter,
# its entrypoint, port 9113, no shell.
standin_exporter() {
    dir=$(mktemp -d)
    cat >"$dir/Dockerfile" <<'EOD'
FROM debian:trixie-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends prometheus-nginx-exporter \
 && rm -rf /var/lib/apt/lists/* \
 && ln -s prometheus-nginx-exporter /usr/bin/nginx-prometheus-exporter
LABEL org.hello-fcgi.stand-in=true
USER 65534:65534
EXPOSE 9113
ENTRYPOINT ["/usr/bin/nginx-prometheus-exporter"]
EOD
    echo "building a stand-in $EXPORTER_TAG from Debian's prometheus-nginx-exporter"
    docker build -q -t "$EXPORTER_TAG" "$dir" >/dev/null
    rm -rf "$dir"
}

# nginx_branch TAG: "1.30" for an image whose nginx is 1.30.x.
nginx_branch() {
    docker run --rm --entrypoint nginx "$1" -v 2>&1 | sed -n 's|.*nginx/\([0-9]*\.[0-9]*\).*|\1|p'
}

ensure() {
    tag=$1
    if ! have "$tag" && ! docker pull -q "$tag" >/dev/null 2>&1; then
        "$2"
    fi
    report "$tag"
}

ensure "$DEBIAN_TAG" standin_debian
# An older stand-in (another nginx branch under this tag) is rebuilt.
if have "$NGINX_TAG" && [ "$(nginx_branch "$NGINX_TAG")" != "${NGINX_TAG#nginx:}" ]; then
    echo "base image $NGINX_TAG holds nginx $(nginx_branch "$NGINX_TAG"): rebuilding it"
    docker image rm "$NGINX_TAG" >/dev/null
fi
ensure "$NGINX_TAG" standin_nginx
ensure "$PROMETHEUS_TAG" standin_prometheus
ensure "$EXPORTER_TAG" standin_exporter
