#!/bin/sh
# Configuration: each mistake gets one line naming the option and exit 2;
# runtime refusals (address in use, a live unix socket) exit 1; --help,
# --version and the man page agree.
. "$top_srcdir/tests/lib.sh"
: "${PACKAGE_VERSION:?run by make check, which sets it from configure.ac}"

# usage_error EXPECTED_LINE ARG...: hello-fcgi ARG... must print exactly that
# one line on stderr, nothing on stdout, and exit 2.
usage_error() {
    expected=$1; shift
    "$APP" "$@" >"$workdir/out" 2>"$workdir/err"
    status=$?
    is "$status:$(cat "$workdir/out")$(cat "$workdir/err")" "2:$expected" "${*:-no options} -> exit 2, '$expected'"
}

usage_error "hello-fcgi: --bogus: unknown option (see --help)" --bogus
usage_error "hello-fcgi: --threads: missing value" --threads
usage_error "hello-fcgi: extra: unexpected argument (see --help)" extra
usage_error "hello-fcgi: --threads: 'abc' is not a number from 1 to 1024" --threads abc
usage_error "hello-fcgi: --threads: '0' is not a number from 1 to 1024" --threads 0
usage_error "hello-fcgi: --threads: '1025' is not a number from 1 to 1024" --threads 1025
usage_error "hello-fcgi: --threads: '-1' is not a number from 1 to 1024" --threads=-1
usage_error "hello-fcgi: --listen: 'localhost' is not a numeric IPv4 or [IPv6] address" --listen localhost:9000
usage_error "hello-fcgi: --listen: port 0 is out of range (1-65535)" --listen 127.0.0.1:0
usage_error "hello-fcgi: --listen: port 65536 is out of range (1-65535)" --listen 127.0.0.1:65536
usage_error "hello-fcgi: --listen: port 'http' is not a number" --listen 127.0.0.1:http
usage_error "hello-fcgi: --listen: '127.0.0.1' is not HOST:PORT, [IPV6]:PORT, :PORT or unix:PATH" --listen 127.0.0.1
usage_error "hello-fcgi: --listen: '[::1' is not a numeric IPv4 or [IPv6] address" --listen '[::1:9000'
long=/tmp/$(printf '%0120d' 0)
usage_error "hello-fcgi: --listen: socket path is 125 bytes long, the limit is 107" --listen "unix:$long"
usage_error "hello-fcgi: --socket-mode: '0999' is not an octal mode from 0 to 0777" --socket-mode 0999
HELLO_FCGI_THREADS=many usage_error "hello-fcgi: HELLO_FCGI_THREADS: 'many' is not a number from 1 to 1024"
HELLO_FCGI_LISTEN=db:5432 usage_error "hello-fcgi: HELLO_FCGI_LISTEN: 'db' is not a numeric IPv4 or [IPv6] address"
usage_error "hello-fcgi: --slow-request: '1s' is not a number of milliseconds from 0 to 3600000" --slow-request 1s
HELLO_FCGI_SLOW_REQUEST=-1 usage_error "hello-fcgi: HELLO_FCGI_SLOW_REQUEST: '-1' is not a number of milliseconds from 0 to 3600000"
usage_error "hello-fcgi: --metrics-listen: 'unix:/tmp/m.sock': the metrics listener takes HOST:PORT, [IPV6]:PORT or *:PORT" \
    --metrics-listen unix:/tmp/m.sock
usage_error "hello-fcgi: --status: 'localhost' is not a numeric IPv4 or [IPv6] address" --status localhost:9101

# The flag wins over the environment, even over a bad value there.
port=$(free_port)
HELLO_FCGI_THREADS=many "$APP" --listen "127.0.0.1:$port" --threads 3 2>"$workdir/app.log" &
app_pid=$!; pids="$pids $app_pid"
wait_until 5000 "$APP" --healthcheck --listen "127.0.0.1:$port"
is "$(head -n 1 "$workdir/app.log")" "hello-fcgi: version $PACKAGE_VERSION listening on 127.0.0.1:$port with 3 threads" \
    "--threads wins over HELLO_FCGI_THREADS; start line names version, address, threads"

# A port in use is a runtime failure: exit 1, naming the address and the cause.
"$APP" --listen "127.0.0.1:$port" 2>"$workdir/err"
is "$?:$(cat "$workdir/err")" "1:hello-fcgi: listen on 127.0.0.1:$port: bind: Address already in use" \
    "a port in use -> exit 1 and the reason"
stop_pid "$app_pid"

# The environment alone configures it.
port=$(free_port)
HELLO_FCGI_LISTEN="*:$port" "$APP" 2>"$workdir/app.log" &
app_pid=$!; pids="$pids $app_pid"
wait_until 5000 "$APP" --healthcheck --listen "127.0.0.1:$port"
ok $? "HELLO_FCGI_LISTEN='*:PORT' listens on every interface (reached on 127.0.0.1)"
stop_pid "$app_pid"
# IPv6 where this machine has ::1 (a Docker build container may not): it
# serves; where it has none, the bind fails with the reason, exit 1.
if grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null; then
    "$APP" --listen "[::1]:$port" 2>"$workdir/err" &
    v6=$!; pids="$pids $v6"
    wait_until 5000 "$APP" --healthcheck --listen "[::1]:$port"
    ok $? "[::1]:PORT serves IPv6"
    stop_pid "$v6"
else
    "$APP" --listen "[::1]:$port" 2>"$workdir/err"
    is "$?:$(cat "$workdir/err")" "1:hello-fcgi: listen on [::1]:$port: bind: Cannot assign requested address" \
        "[::1]:PORT on a machine without IPv6 loopback: exit 1 and the reason"
fi

# Unix sockets: mode, live server refused, stale socket replaced, other files kept.
sock=$workdir/fcgi.sock
start_app "unix:$sock"
is "$(stat -c %a "$sock")" 660 "a unix socket gets mode 0660 by default"
"$APP" --listen "unix:$sock" 2>"$workdir/err"
is "$?:$(cat "$workdir/err")" "1:hello-fcgi: $sock: another server is listening on this socket" \
    "a unix socket with a live server is refused"
kill -KILL "$app_pid"; wait "$app_pid" 2>/dev/null
[ -S "$sock" ]
ok $? "a killed server leaves a stale socket behind"
start_app "unix:$sock" --socket-mode 0600
ok $? "a stale unix socket is replaced"
is "$(stat -c %a "$sock")" 600 "--socket-mode 0600 is applied"
stop_pid "$app_pid"
[ ! -e "$sock" ]
ok $? "the socket is removed at exit"
HELLO_FCGI_SOCKET_MODE=0604 HELLO_FCGI_THREADS=3 start_app "unix:$sock"
is "$(stat -c %a "$sock")" 604 "HELLO_FCGI_SOCKET_MODE sets the socket's mode"
is "$(head -n 1 "$workdir/app.log")" "hello-fcgi: version 1.0.0 listening on unix:$sock with 3 threads" \
    "HELLO_FCGI_THREADS sets the threads"
stop_pid "$app_pid"
echo data >"$workdir/file"
"$APP" --listen "unix:$workdir/file" 2>"$workdir/err"
is "$?:$(cat "$workdir/file")" "1:data" "a path that is not a socket is refused and left alone"

# --help, --version and the man page agree. configure writes the man page.
man=$top_builddir/app/hello-fcgi.1
"$APP" --help >"$workdir/help"
ok $? "--help exits 0"
is "$("$APP" --version)" "hello-fcgi $PACKAGE_VERSION" "--version: configure.ac's version"
is "$(sed -n '1s/^\.TH [^"]*"[^"]*" "\([^"]*\)".*/\1/p' "$man")" "hello-fcgi $PACKAGE_VERSION" \
    "the man page carries the same version"
help_opts=$(grep -o -- '--[a-z][a-z-]*' "$workdir/help" | sort -u | tr '\n' ' ')
man_opts=$(sed -n '/^\.SH OPTIONS/,/^\.SH ENVIRONMENT/p' "$man" \
    | sed 's/\\-/-/g' | grep -o -- '--[a-z][a-z-]*' | sort -u | tr '\n' ' ')
is "$man_opts" "$help_opts" "the man page documents exactly the options of --help"
help_env=$(grep -o 'HELLO_FCGI_[A-Z_]*' "$workdir/help" | sort -u | tr '\n' ' ')
man_env=$(grep -o 'HELLO_FCGI_[A-Z_]*' "$man" | sed 's/\\//g' | sort -u | tr '\n' ' ')
is "$man_env" "$help_env" "the man page documents exactly the variables of --help"

finish
