#!/bin/sh
# hello-fcgi behind lighttpd 1.4 (mod_fastcgi) running frontends/lighttpd.conf,
# over a unix socket and TCP.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/frontends/suite.sh"

command -v lighttpd >/dev/null || bail "lighttpd not found: install the lighttpd package"

# site_conf PORT TARGET: frontends/lighttpd.conf on PORT, passing to TARGET
# (a socket path or host:port).
site_conf() {
    case $2 in
        /*) to="\"socket\" => \"$2\"," ;;
        *)  to="\"host\" => \"${2%:*}\", \"port\" => ${2##*:}," ;;
    esac
    sed -e "s|^server.port = 8888\$|server.port = $1|" \
        -e "s|^\( *\)\"socket\" => \"/run/hello-fcgi/fcgi.sock\",\$|\1$to|" \
        "$top_srcdir/frontends/lighttpd.conf" >"$workdir/site.conf"
    grep -q "^server.port = $1\$" "$workdir/site.conf" && grep -qF "$to" "$workdir/site.conf" \
        || bail "frontends/lighttpd.conf no longer has 'server.port = 8888' and its socket line: update site_conf"
}

run_lighttpd() {
    http_port=$(free_port) static_port=$(free_port)
    site_conf "$http_port" "$1"
    mkdir -p "$workdir/lighttpd/static" && printf 'Hello World!' >"$workdir/lighttpd/static/hello"
    cat >"$workdir/lighttpd/lighttpd.conf" <<EOC
server.document-root = "$workdir/lighttpd/static"
server.bind = "127.0.0.1"
server.username = "www-data"
server.groupname = "www-data"
include "$workdir/site.conf"
# The same server answering alone, for the throughput ratio.
\$SERVER["socket"] == "127.0.0.1:$static_port" {
    fastcgi.server = ()
}
EOC
    lighttpd -D -f "$workdir/lighttpd/lighttpd.conf" >>"$workdir/lighttpd/error.log" 2>&1 &
    lighttpd_pid=$!
    pids="$pids $lighttpd_pid"
    wait_until 5000 curl -sf -o /dev/null "http://127.0.0.1:$http_port/" \
        || bail "lighttpd did not answer: $(tail -n 5 "$workdir/lighttpd/error.log")"
}

for transport in unix tcp; do
    label="lighttpd $transport"
    start_app_on "$transport"
    run_lighttpd "$fcgi_target"
    frontend_suite "$label" "http://127.0.0.1:$http_port" "http://127.0.0.1:$static_port/hello"
    stop_pid "$lighttpd_pid"
    stop_pid "$app_pid"
    is "$stop_status" 0 "$label: the app stops cleanly"
    app_log_clean "$label"
    is "$(grep -v -e 'server started' -e 'server stopped' -e 'oversized request-header -> sending Status 431' \
        "$workdir/lighttpd/error.log")" "" \
        "$label: lighttpd logged no error"
    rm -f "$workdir/lighttpd/error.log"
done
diag "$(lighttpd -v)"

finish
