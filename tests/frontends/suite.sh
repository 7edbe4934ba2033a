# The checks every front end must pass in front of hello-fcgi (and the
# protocol cases of fcgi-cases.pl for FastCGI clients), sourced
# by the scripts in this folder after tests/lib.sh.

# wrk_run URL: a short wrk load; prints "REQUESTS ERRORS REQ_PER_S", where
# ERRORS counts non-2xx answers and socket errors of every kind.
wrk_run() {
    wrk -t1 -c"${WRK_CONNECTIONS:-16}" -d"${WRK_SECONDS:-2}"s "$1" >"$workdir/wrk" 2>&1 || return 1
    awk '/requests in/ {n = $1}
         /Non-2xx/ {e += $NF}
         /Socket errors/ {gsub(/,/, ""); e += $4 + $6 + $8 + $10}
         /^Requests\/sec/ {r = $2}
         END {printf "%d %d %d\n", n, e, r}' "$workdir/wrk"
}

# frontend_suite NAME URL STATIC_URL: the service through a front end at
# URL; STATIC_URL is the same front end answering "Hello World!" alone,
# for the throughput ratio.
frontend_suite() {
    fe=$1 url=$2 static=$3
    check "$fe: GET" "$url/"
    check "$fe: GET with a path and query" "$url/some/path?a=1&b=%20two"
    head -c 1000000 /dev/zero | tr '\0' 'x' >"$workdir/body"
    check "$fe: POST 1 MB" --data-binary "@$workdir/body" "$url/upload"
    check "$fe: POST 1 MB chunked" -H 'Transfer-Encoding: chunked' \
        --data-binary "@$workdir/body" "$url/upload"
    check "$fe: PUT" -X PUT --data-binary "hello" "$url/x"
    check "$fe: DELETE" -X DELETE "$url/x"

    check_head "$fe: HEAD" "$url/"

    # Two requests on one HTTP connection: curl connects once.
    curl -s -o /dev/null -o /dev/null -w '%{num_connects} ' "$url/a" "$url/b" >"$workdir/conns"
    is "$(cat "$workdir/conns")" "1 0 " "$fe: keep-alive: the second request reuses the connection"

    # 300 requests, 50 at a time.
    for i in $(seq 1 300); do printf 'url = "%s/r%d"\noutput = /dev/null\n' "$url" "$i"; done \
        >"$workdir/many"
    curl -s --parallel --parallel-immediate --parallel-max 50 -K "$workdir/many" \
        -w '%{http_code} %{size_download}\n' >"$workdir/codes" 2>/dev/null
    is "$(grep -c '^200 12$' "$workdir/codes")" 300 "$fe: 300 requests at 50 concurrency, all 200 with 12 bytes"

    # Headers beyond the app's limit (app/fcgi_guard.h): a clear 431, from
    # the front end's own limit or from the app, never a broken connection.
    hdrs=""
    for i in $(seq 1 10); do
        hdrs="$hdrs -H X-Big-$i:$(head -c 7000 /dev/zero | tr '\0' 'y')"
    done
    # shellcheck disable=SC2086 # the headers are words
    code=$(curl -s -o /dev/null -w '%{http_code}' $hdrs "$url/")
    is "$code" 431 "$fe: 70 kB of headers: 431"
    check "$fe: and the next request is served" "$url/"

    set -- $(wrk_run "$url/")
    [ "${1:-0}" -gt 0 ] && [ "${2:-1}" -eq 0 ]
    ok $? "$fe: wrk load: ${1:-?} requests, ${2:-?} errors"
    app_rps=${3:-0}
    set -- $(wrk_run "$static")
    diag "$fe: $app_rps req/s through the app, ${3:-?} req/s for its own static answer," \
         "ratio $(awk -v a="$app_rps" -v s="${3:-0}" 'BEGIN {printf "%.2f", (s > 0 ? a / s : 0)}')"
}

# app_address TRANSPORT: starts hello-fcgi on a unix socket that any local
# user may reach (front ends drop root) or a loopback TCP port; sets
# app_addr and fcgi_target, the socket path or host:port.
start_app_on() {
    case $1 in
        unix) fcgi_target=$workdir/fcgi.sock
              start_app "unix:$fcgi_target" --socket-mode 0666 ;;
        tcp)  fcgi_target=127.0.0.1:$(free_port)
              start_app "$fcgi_target" ;;
    esac
}

# app_log_clean: the app logged nothing but its start (and stop).
app_log_clean() {
    is "$(grep -v -e ' listening on ' -e ' stopping on SIG' -e ' stopped by SIG' \
        -e ' refused a request from .*: its parameters exceed ' "$workdir/app.log")" "" \
        "$1: the app logged no error"
}

# run_cases LABEL ARGS...: fcgi-cases.pl ARGS; each of its test points
# becomes one of this script's, and its comments (TABLE lines included)
# pass through.
run_cases() {
    rc_label=$1; shift
    timeout 90 perl "$top_srcdir/tests/frontends/fcgi-cases.pl" "$@" \
        >"$workdir/cases.tap" 2>"$workdir/cases.err"
    rc_plan=
    while IFS= read -r line; do
        case $line in
            'ok '*) ok 0 "$rc_label: ${line#ok * - }" ;;
            'not ok '*) ok 1 "$rc_label: ${line#not ok * - }" ;;
            1..*) rc_plan=${line#1..} ;;
            *) printf '%s\n' "$line" ;;
        esac
    done <"$workdir/cases.tap"
    sed 's/^/# stderr: /' "$workdir/cases.err"
    [ -n "$rc_plan" ]
    ok $? "$rc_label: fcgi-cases.pl ran to its end"
}
