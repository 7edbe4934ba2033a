#!/bin/sh
# hello-fcgi behind Caddy 2 (reverse_proxy with transport fastcgi) running
# frontends/Caddyfile, over a unix socket and TCP.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/frontends/suite.sh"

command -v caddy >/dev/null || bail "Caddy not found: install the caddy package"

# site_conf PORT TARGET: frontends/Caddyfile on PORT, passing to TARGET (a
# socket path or host:port).
site_conf() {
    case $2 in
        /*) to="unix/$2" ;;
        *)  to=$2 ;;
    esac
    sed -e "s|^:8888 {\$|:$1 {|" -e "s|^\(\treverse_proxy \)unix//run/hello-fcgi/fcgi.sock {\$|\1$to {|" \
        "$top_srcdir/frontends/Caddyfile" >"$workdir/site.conf"
    grep -q "^:$1 {\$" "$workdir/site.conf" && grep -qF "reverse_proxy $to {" "$workdir/site.conf" \
        || bail "frontends/Caddyfile no longer has ':8888 {' and its reverse_proxy line: update site_conf"
}

run_caddy() {
    http_port=$(free_port) static_port=$(free_port)
    mkdir -p "$workdir/caddy"
    # No admin endpoint, no certificates: only what the test asks for.
    printf '{\n\tadmin off\n\tauto_https off\n}\n' >"$workdir/caddy/Caddyfile"
    site_conf "$http_port" "$1"
    cat "$workdir/site.conf" >>"$workdir/caddy/Caddyfile"
    # The same server answering alone, for the throughput ratio.
    printf ':%s {\n\trespond "Hello World!"\n}\n' "$static_port" >>"$workdir/caddy/Caddyfile"
    HOME=$workdir/caddy XDG_DATA_HOME=$workdir/caddy XDG_CONFIG_HOME=$workdir/caddy \
        caddy run --adapter caddyfile --config "$workdir/caddy/Caddyfile" \
        >>"$workdir/caddy/log" 2>&1 &
    caddy_pid=$!
    pids="$pids $caddy_pid"
    wait_until 5000 curl -sf -o /dev/null "http://127.0.0.1:$http_port/" \
        || bail "Caddy did not answer: $(tail -n 5 "$workdir/caddy/log")"
}

for transport in unix tcp; do
    label="Caddy $transport"
    start_app_on "$transport"
    run_caddy "$fcgi_target"
    frontend_suite "$label" "http://127.0.0.1:$http_port" "http://127.0.0.1:$static_port/"
    stop_pid "$caddy_pid"
    stop_pid "$app_pid"
    is "$stop_status" 0 "$label: the app stops cleanly"
    app_log_clean "$label"
    is "$(grep '"level":"error"' "$workdir/caddy/log")" "" "$label: Caddy logged no error"
    rm -f "$workdir/caddy/log"
done
diag "Caddy $(caddy version)"

finish
