# hello-fcgi: a static binary built and tested with autotools, shipped alone
# in an empty image.
#   docker build -t hello-fcgi .

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
RUN ./autogen.sh

COPY app/ app/
COPY tests/ tests/
# Static, so that the final image needs nothing but the binary. The tests that
# need only the app run here (those needing nginx run in CI): no untested
# binary ships.
RUN ./configure --enable-static-binary \
 && make \
 && make check 'TESTS=$(APP_TESTS)' \
 || { cat test-suite.log 2>/dev/null; exit 1; }
# Where docker-compose.yml mounts the socket volume; a new volume takes this
# directory's owner and mode, so the app can create the socket in it and
# nginx (group 101) can reach it.
RUN mkdir -p /out/run/hello-fcgi && chmod 0750 /out/run/hello-fcgi

# --- image -------------------------------------------------------------------
FROM scratch
COPY --from=build /src/app/hello-fcgi /hello-fcgi
COPY --from=build --chown=10001:101 /out/run/ /run/
# Numeric: there is no /etc/passwd to look a name up in. Group 101 is the
# nginx image's nginx group: a unix socket the app creates (mode 0660) is
# then open to nginx and to nobody else.
USER 10001:101
# Alone, the image serves TCP on every interface of its container network
# (the compose stack switches to a unix socket); the health check reads the
# same variable and connects to loopback.
ENV HELLO_FCGI_LISTEN=*:9000
EXPOSE 9000
HEALTHCHECK --interval=10s --timeout=5s --start-period=5s --retries=3 \
    CMD ["/hello-fcgi", "--healthcheck"]
# Exec form: hello-fcgi is PID 1 and gets docker stop's SIGTERM itself.
ENTRYPOINT ["/hello-fcgi"]
