#!/bin/sh
# hello-fcgi behind HAProxy 2.6 (native FastCGI) running frontends/haproxy.cfg,
# over a unix socket and TCP, in four modes:
#   keep-conn       the file as shipped: one request at a time per
#                   connection, connections kept between requests
#   get-values      FCGI_GET_VALUES alone on each new connection, and the
#                   requests wait for its answer
#   mpxs-conns      option mpxs-conns and http-reuse always, max-reqs left
#                   at 1: a connection is shared between clients, but
#                   HAProxy still waits for each answer before the next
#   mpxs-max-reqs   the same with max-reqs 10: up to 10 requests written on
#                   one connection without waiting (pipelined, and
#                   interleaved with a body still being sent)
# The app must answer every request in every mode, promptly: a mode the
# file advises against still must not lose requests.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/frontends/suite.sh"

command -v haproxy >/dev/null || bail "haproxy not found: install the haproxy package"
command -v wrk >/dev/null || bail "wrk not found: install the wrk package"

# A request the app loses leaves HAProxy waiting for its `timeout server`
# (10 s): fail it after 5 s instead, so a broken mode costs seconds.
max_time=5

# site_conf PORT TARGET MODE: frontends/haproxy.cfg on PORT, passing to
# TARGET (a socket path or host:port), with MODE's lines uncommented.
site_conf() {
    case $3 in
        keep-conn)     on="" ;;
        get-values)    on="option get-values" ;;
        mpxs-conns)    on="http-reuse always|option mpxs-conns" ;;
        mpxs-max-reqs) on="http-reuse always|option mpxs-conns|option max-reqs 10" ;;
    esac
    sed -e "s|^    bind :8888\$|    bind 127.0.0.1:$1|" \
        -e "s|^    server app /run/hello-fcgi/fcgi.sock proto fcgi\$|    server app $2 proto fcgi|" \
        "$top_srcdir/frontends/haproxy.cfg" | sed -E "s/^    #(${on:-no such line})\$/    \\1/" \
        >"$workdir/site.cfg"
    grep -q "^    bind 127.0.0.1:$1\$" "$workdir/site.cfg" \
        && grep -q "^    server app $2 proto fcgi\$" "$workdir/site.cfg" \
        || bail "frontends/haproxy.cfg no longer has 'bind :8888' and its server line: update site_conf"
    # In the file's order: the backend's line, then the fcgi-app's.
    is "$(grep -E '^    (option|http-reuse) ' "$workdir/site.cfg" | sed 's/^    //' | paste -sd '|' -)" "$on" \
        "$label: the configuration's reuse and FastCGI options: ${on:-the defaults}"
}

# run_haproxy TARGET MODE: HAProxy in the foreground with the site, and a
# second frontend answering "Hello World!" itself for the throughput ratio.
# Only the log lines of failed requests are written (log-separate-errors
# raises them to "err"), so the log stays small under wrk and must be empty.
run_haproxy() {
    http_port=$(free_port) static_port=$(free_port)
    site_conf "$http_port" "$1" "$2"
    cat >"$workdir/haproxy.cfg" <<EOC
global
    log stdout format short local0 notice
    hard-stop-after 2s
defaults
    log global
    option httplog
    option dontlognull
    option log-separate-errors
frontend static
    mode http
    bind 127.0.0.1:$static_port
    timeout client 15s
    http-request return status 200 content-type "text/plain; charset=utf-8" string "Hello World!"
EOC
    cat "$workdir/site.cfg" >>"$workdir/haproxy.cfg"
    haproxy -db -f "$workdir/haproxy.cfg" >>"$workdir/haproxy.log" 2>&1 &
    haproxy_pid=$!
    pids="$pids $haproxy_pid"
    # The static frontend, not the app: get-values may hang on the app, and
    # that is what the checks are for.
    wait_until 5000 curl -sf --max-time 1 -o /dev/null "http://127.0.0.1:$static_port/" \
        || bail "HAProxy did not answer: $(tail -n 5 "$workdir/haproxy.log")"
}

# header NAME: "COUNT:VALUE" of header NAME in $workdir/h. HAProxy writes
# header names in lower case (names are case-insensitive, RFC 9110 5.1), so
# lib.sh's check, which compares "Content-Type: ...", does not fit.
header() {
    printf '%s:%s' "$(grep -ci "^$1:" "$workdir/h")" \
        "$(grep -i "^$1:" "$workdir/h" | sed 's/^[^:]*: *//')"
}

# check_fe NAME CURL_ARGS...: as lib.sh's check, bounded by max_time;
# returns non-zero if any point failed.
check_fe() {
    name=$1; shift
    failed_before=$tap_failed
    : >"$workdir/h"; : >"$workdir/b"
    curl -s --max-time "$max_time" -D "$workdir/h" -o "$workdir/b" "$@"
    ok $? "$name: curl succeeds within $max_time s"
    is "$(head -n 1 "$workdir/h")" "$(printf 'HTTP/1.1 200 OK\r')" "$name: status 200"
    is "$(header content-type)" "$(printf '1:text/plain; charset=utf-8\r')" \
        "$name: one Content-Type, text/plain; charset=utf-8"
    is "$(header content-length)" "$(printf '1:12\r')" "$name: one Content-Length: 12"
    is "$(grep -ciE '^(status|transfer-encoding):' "$workdir/h")" 0 \
        "$name: no Status or Transfer-Encoding header"
    printf 'Hello World!' | cmp -s - "$workdir/b"
    ok $? "$name: body is exactly 'Hello World!' (12 bytes, no newline)"
    [ "$tap_failed" -eq "$failed_before" ]
}

# haproxy_suite NAME URL
haproxy_suite() {
    fe=$1 url=$2
    if ! check_fe "$fe: GET" "$url/"; then
        # Each further check would wait max_time too: the mode is broken.
        ok 1 "$fe: the first GET failed: the other checks of this mode are not run"
        return 1
    fi
    check_fe "$fe: GET with a path and query" "$url/some/path?a=1&b=%20two"
    check_fe "$fe: POST 1 MB" --data-binary "@$workdir/body" "$url/upload"
    # FastCGI needs the body's length (CONTENT_LENGTH) before the body.
    # HAProxy 2.6 waits for a chunked body (use-fcgi-app turns on
    # http-buffer-request) and sends it only if all of it fits in one
    # buffer (mux_fcgi.c, fcgi_snd_buf): 10 kB pass, 64 kB get its 400
    # and never reach the app. (With 1 MB, HAProxy closes while curl is
    # still sending, and curl sometimes reports the reset, not the 400.)
    check_fe "$fe: POST 10 kB chunked" -H 'Transfer-Encoding: chunked' \
        --data-binary "@$workdir/body10k" "$url/upload"
    code=$(curl -s --max-time "$max_time" -o /dev/null -w '%{http_code}' -H 'Transfer-Encoding: chunked' \
        --data-binary "@$workdir/body64k" "$url/upload-chunked")
    is "$code" 400 "$fe: POST 64 kB chunked: HAProxy's own 400"
    check_fe "$fe: POST 5 bytes" --data-binary "hello" "$url/small"

    # HEAD, then a GET on the same HTTP connection: had a body followed the
    # HEAD's headers, the GET would read it as its answer.
    curl -s --max-time "$max_time" -I -o "$workdir/head" "$url/" \
        --next -s --max-time "$max_time" -D "$workdir/h" -o "$workdir/b" \
        -w '%{num_connects}' "$url/" >"$workdir/conns"
    is "$(head -n 1 "$workdir/head")" "$(printf 'HTTP/1.1 200 OK\r')" "$fe: HEAD: status 200"
    is "$(grep -ci "$(printf '^content-length: 12\r$')" "$workdir/head")" 1 "$fe: HEAD: Content-Length: 12"
    printf 'Hello World!' | cmp -s - "$workdir/b"
    ok $? "$fe: HEAD: no body: the GET after it on the same connection reads its own answer"
    is "$(cat "$workdir/conns")" 0 "$fe: HEAD: the GET reused the connection"

    curl -s --max-time "$max_time" -o /dev/null -o /dev/null -w '%{num_connects} ' \
        "$url/a" "$url/b" >"$workdir/conns"
    is "$(cat "$workdir/conns")" "1 0 " "$fe: keep-alive: the second request reuses the connection"

    # 300 requests, 50 at a time. timeout bounds the whole batch: six
    # rounds of lost requests would otherwise take 6 x max_time.
    for i in $(seq 1 300); do printf 'url = "%s/r%d"\noutput = /dev/null\n' "$url" "$i"; done \
        >"$workdir/many"
    timeout 15 curl -s --max-time "$max_time" --parallel --parallel-immediate --parallel-max 50 \
        -K "$workdir/many" -w '%{http_code} %{size_download}\n' >"$workdir/codes" 2>/dev/null
    is "$(grep -c '^200 12$' "$workdir/codes")" 300 "$fe: 300 requests at 50 concurrency, all 200 with 12 bytes"

    # Bodies and GETs at once: with mpxs-conns and max-reqs above 1,
    # HAProxy starts a request on a connection while another's body is
    # still being sent on it (interleaved, not only pipelined).
    # One block per transfer: options do not carry over "next".
    for i in $(seq 1 20); do
        for kind in post get; do
            [ "$i$kind" = 1post ] || echo next
            printf 'url = "%s/%s%d"\noutput = /dev/null\nsilent\nmax-time = %d\n' "$url" "$kind" "$i" "$max_time"
            printf 'write-out = "%%{http_code} %%{size_download}\\n"\n'
            [ "$kind" = get ] || printf 'data-binary = "@%s"\n' "$workdir/body100k"
        done
    done >"$workdir/mixed"
    timeout 15 curl -s --parallel --parallel-immediate --parallel-max 40 -K "$workdir/mixed" \
        >"$workdir/codes" 2>/dev/null
    is "$(grep -c '^200 12$' "$workdir/codes")" 40 "$fe: 20 POSTs of 100 kB and 20 GETs at once, all 200 with 12 bytes"

    # HAProxy holds a request's whole head in one buffer (tune.bufsize,
    # 16 kB, less tune.maxrewrite): 70 kB of headers get its own 400 and
    # never reach the app, so the app's 431 (suite.sh) cannot be seen here.
    # 12 kB fit, and reach the app as FastCGI parameters.
    hdrs=""
    for i in $(seq 1 10); do
        hdrs="$hdrs -H X-Big-$i:$(head -c 7000 /dev/zero | tr '\0' 'y')"
    done
    # shellcheck disable=SC2086 # the headers are words
    code=$(curl -s --max-time "$max_time" -o /dev/null -w '%{http_code}' $hdrs "$url/")
    is "$code" 400 "$fe: 70 kB of headers: HAProxy's own 400"
    check_fe "$fe: 12 kB of headers" -H "X-Big:$(head -c 12000 /dev/zero | tr '\0' 'y')" "$url/"

    # shellcheck disable=SC2046 # wrk_run prints three words
    set -- $(wrk_run "$url/")
    [ "${1:-0}" -gt 0 ] && [ "${2:-1}" -eq 0 ]
    wrk_status=$?
    ok $wrk_status "$fe: wrk load: ${1:-?} requests, ${2:-?} errors"
    [ $wrk_status -eq 0 ] || sed 's/^/#   wrk: /' "$workdir/wrk"
    app_rps=${3:-0}
}

# The app's own count of FastCGI connections and answered requests, to show
# what each mode does with connections (diagnostics only).
app_counts() {
    curl -s --max-time 2 "http://127.0.0.1:$metrics_port/metrics" | awk '
        /^hello_fcgi_accepted_connections_total / {c = $2}
        /^hello_fcgi_requests_total\{outcome="answered"\} / {r = $2}
        END {printf "%s requests answered over %s FastCGI connections", r == "" ? "?" : r, c == "" ? "?" : c}'
}

head -c 1000000 /dev/zero | tr '\0' 'x' >"$workdir/body"
head -c 100000 "$workdir/body" >"$workdir/body100k"
head -c 64000 "$workdir/body" >"$workdir/body64k"
head -c 10000 "$workdir/body" >"$workdir/body10k"
for transport in unix tcp; do
    for mode in keep-conn get-values mpxs-conns mpxs-max-reqs; do
        label="HAProxy $transport $mode"
        # start_app_on (suite.sh), with the metrics listener for app_counts.
        metrics_port=$(free_port)
        case $transport in
            unix) fcgi_target=$workdir/fcgi.sock
                  start_app "unix:$fcgi_target" --socket-mode 0666 --metrics-listen "127.0.0.1:$metrics_port" ;;
            tcp)  fcgi_target=127.0.0.1:$(free_port)
                  start_app "$fcgi_target" --metrics-listen "127.0.0.1:$metrics_port" ;;
        esac
        run_haproxy "$fcgi_target" "$mode"
        t0=$(now_ms)
        if haproxy_suite "$label" "http://127.0.0.1:$http_port"; then
            if [ "$mode" = keep-conn ]; then
                # shellcheck disable=SC2046 # wrk_run prints three words
                set -- $(wrk_run "http://127.0.0.1:$static_port/")
                diag "$label: $app_rps req/s through the app, ${3:-?} req/s for HAProxy's own answer," \
                     "ratio $(awk -v a="$app_rps" -v s="${3:-0}" 'BEGIN {printf "%.2f", (s > 0 ? a / s : 0)}')"
            else
                diag "$label: $app_rps req/s through the app"
            fi
        fi
        diag "$label: $(app_counts); $(( ($(now_ms) - t0) / 1000 )) s"
        # SIGUSR1 is HAProxy's graceful stop (SIGTERM kills it at once),
        # bounded by hard-stop-after: a request still open by then has failed.
        t0=$(now_ms)
        kill -USR1 "$haproxy_pid"
        wait "$haproxy_pid"
        is "$?" 0 "$label: HAProxy stops cleanly"
        diag "$label: HAProxy stopped in $(( $(now_ms) - t0 )) ms"
        stop_pid "$app_pid"
        is "$stop_status" 0 "$label: the app stops cleanly"
        app_log_clean "$label"
        # Left: HAProxy's start notices, its stop (a warning, and a log
        # line), and the two requests it refused. A request the client gave
        # up on is no error to HAProxy: the checks above count those.
        is "$(grep -v -e '^\[NOTICE\] ' -e 'Proxy [^ ]* stopped (cumulated conns: ' \
            -e ' 400 .* PR-- .*"<BADREQ>"$' \
            -e ' 400 .* PH-- .*"POST /upload-chunked HTTP/1.1"$' "$workdir/haproxy.log")" "" \
            "$label: HAProxy logged no error or failed request"
        rm -f "$workdir/haproxy.log"
    done
done
diag "$(haproxy -v | head -n 1)"

finish
