# hello-fcgi: a static binary built and tested with autotools, shipped alone
# in an empty image.
#   docker build -t hello-fcgi .
# A release also labels the image with its version and commit
# (docs/releasing.md):
#   docker build --build-arg VERSION=1.2.3 --build-arg REVISION=$(git rev-parse HEAD) ...

# --- builder ---------------------------------------------------------------
FROM debian:trixie-slim AS build

# Build tools in one cached layer: changing the sources does not redo it.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        gcc libc6-dev make autoconf automake autoconf-archive pkg-config libfcgi-dev \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# The build system first: autogen's output stays cached when only app/ changes.
COPY configure.ac Makefile.am autogen.sh ./
COPY app/hello-fcgi.1.in app/
RUN ./autogen.sh

COPY app/ app/
COPY tests/ tests/
# Static (a static PIE, hardened: configure's defaults), so that the final
# image needs nothing but the binary. The tests that need only the app run
# here, tests/app/hardening.sh on the unstripped binary among them (those needing
# nginx run in CI): no untested binary ships. Stripped only then.
RUN ./configure --enable-static-binary \
 && make \
 && make check 'TESTS=$(UNIT_TESTS) $(APP_TESTS)' \
 || { cat test-suite.log 2>/dev/null; exit 1; }
# The image's files, with fixed times so that two builds of one commit give
# the same layers; every directory the image gets is copied, not created by
# COPY (which would stamp it with the time of the build). /run/hello-fcgi is
# for a unix socket on a volume shared with nginx (--listen
# unix:/run/hello-fcgi/..., one replica only): a new volume takes this
# directory's owner and mode, so the app can create the socket in it and
# nginx (group 101) can reach it.
RUN mkdir -p /out/app-owned/run/hello-fcgi \
 && strip -o /out/hello-fcgi app/hello-fcgi \
 && chmod 0750 /out/app-owned/run/hello-fcgi \
 && find /out -exec touch -h -d @0 {} +
# A version label must be the version configure.ac gives the binary.
ARG VERSION
RUN v=$(./configure --version | sed -n '1s/.* //p') \
 && { [ -z "$VERSION" ] || [ "$VERSION" = "$v" ] \
      || { echo "VERSION=$VERSION, but configure.ac says $v" >&2; exit 1; }; }

# --- image -------------------------------------------------------------------
FROM scratch
COPY --from=build /out/hello-fcgi /hello-fcgi
COPY --from=build --chown=10001:101 /out/app-owned/ /
ARG VERSION
ARG REVISION
ARG SOURCE
LABEL org.opencontainers.image.title="hello-fcgi" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="$VERSION" \
      org.opencontainers.image.revision="$REVISION" \
      org.opencontainers.image.source="$SOURCE"
# Numeric: there is no /etc/passwd to look a name up in. Group 101 is the
# nginx image's nginx group: a unix socket the app creates (mode 0660) is
# then open to nginx and to nobody else.
USER 10001:101
# The image serves TCP on every interface of its container network (the
# compose stack and Swarm use it as is); the health check reads the same
# variable and connects to loopback.
ENV HELLO_FCGI_LISTEN=*:9000
EXPOSE 9000
# The metrics listener (app/metrics_server.c): Prometheus scrapes each
# replica here on the internal network; nothing publishes it. `docker exec
# CONTAINER /hello-fcgi --status` reads the same variable.
ENV HELLO_FCGI_METRICS_LISTEN=*:9101
EXPOSE 9101
# The one place the app's health check is set: docker run, Compose and Swarm
# all take it from here. Every 2 s, because a new Swarm replica receives
# requests only once it has passed (docs/scale-out.md); the check itself
# gives up after 3 s (HEALTHCHECK_TIMEOUT_MS, app/healthcheck.h).
HEALTHCHECK --interval=2s --timeout=4s --start-period=10s --retries=3 \
    CMD ["/hello-fcgi", "--healthcheck"]
# Exec form: hello-fcgi is PID 1 and gets docker stop's SIGTERM itself.
ENTRYPOINT ["/hello-fcgi"]
