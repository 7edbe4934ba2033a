#!/bin/sh
# hello-fcgi behind Apache 2.4 (mod_proxy_fcgi) running frontends/apache.conf,
# over a unix socket and TCP, with and without enablereuse.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/frontends/suite.sh"

modules=/usr/lib/apache2/modules
command -v apache2 >/dev/null && [ -d "$modules" ] \
    || bail "Apache not found: install the apache2 package"

# site_conf PORT TARGET REUSE: frontends/apache.conf on PORT, passing to
# TARGET (a socket path or host:port), with enablereuse=on or off.
site_conf() {
    case $2 in
        /*) pass="unix:$2|fcgi://localhost/" ;;
        *)  pass="fcgi://$2/" ;;
    esac
    sed -e "s|^Listen 8888\$|Listen 127.0.0.1:$1|" -e "s|^<VirtualHost \*:8888>|<VirtualHost *:$1>|" \
        -e "s#\"unix:/run/hello-fcgi/fcgi.sock|fcgi://localhost/\" enablereuse=on#\"$pass\" enablereuse=$3#" \
        "$top_srcdir/frontends/apache.conf" >"$workdir/site.conf"
    grep -q "^Listen 127.0.0.1:$1\$" "$workdir/site.conf" \
        && grep -qF "ProxyPass \"/\" \"$pass\" enablereuse=$3" "$workdir/site.conf" \
        || bail "frontends/apache.conf no longer has 'Listen 8888' and its ProxyPass line: update site_conf"
}

run_apache() {
    http_port=$(free_port) static_port=$(free_port)
    site_conf "$http_port" "$1" "$2"
    mkdir -p "$workdir/apache/static" && printf 'Hello World!' >"$workdir/apache/static/hello"
    cat >"$workdir/apache/httpd.conf" <<EOC
ServerRoot $workdir/apache
ServerName localhost
PidFile $workdir/apache/httpd.pid
DefaultRuntimeDir $workdir/apache
ErrorLog $workdir/apache/error.log
LogLevel warn
User www-data
Group www-data
LoadModule mpm_event_module $modules/mod_mpm_event.so
LoadModule authz_core_module $modules/mod_authz_core.so
LoadModule env_module $modules/mod_env.so
LoadModule proxy_module $modules/mod_proxy.so
LoadModule proxy_fcgi_module $modules/mod_proxy_fcgi.so
Include $workdir/site.conf
Listen 127.0.0.1:$static_port
<VirtualHost *:$static_port>
    DocumentRoot $workdir/apache/static
    <Directory $workdir/apache/static>
        Require all granted
    </Directory>
</VirtualHost>
EOC
    apache2 -f "$workdir/apache/httpd.conf" -DFOREGROUND >>"$workdir/apache/error.log" 2>&1 &
    apache_pid=$!
    pids="$pids $apache_pid"
    wait_until 5000 curl -sf -o /dev/null "http://127.0.0.1:$http_port/" \
        || bail "Apache did not answer: $(tail -n 5 "$workdir/apache/error.log")"
}

for transport in unix tcp; do
    for reuse in on off; do
        label="Apache $transport enablereuse=$reuse"
        start_app_on "$transport"
        run_apache "$fcgi_target" "$reuse"
        frontend_suite "$label" "http://127.0.0.1:$http_port" "http://127.0.0.1:$static_port/hello"
        stop_pid "$apache_pid"
        stop_pid "$app_pid"
        is "$stop_status" 0 "$label: the app stops cleanly"
        app_log_clean "$label"
        is "$(grep -E '^\[[^]]*\] \[[a-z_]+:(emerg|alert|crit|error|warn)\]' "$workdir/apache/error.log")" "" \
            "$label: Apache logged no error or warning"
        rm -f "$workdir/apache/error.log"
    done
done
diag "$(apache2 -v | head -n 1)"

finish
