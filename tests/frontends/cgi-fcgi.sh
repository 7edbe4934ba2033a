#!/bin/sh
# hello-fcgi behind libfcgi's own client, cgi-fcgi, which writes each record
# of a request with a write() of its own: over a unix socket and TCP, the
# exact bytes of the CGI answer.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/frontends/suite.sh"

command -v cgi-fcgi >/dev/null || bail "cgi-fcgi not found: install the libfcgi-bin package"

printf 'Content-Type: text/plain; charset=utf-8\r\nContent-Length: 12\r\n\r\n' >"$workdir/head"
{ cat "$workdir/head"; printf 'Hello World!'; } >"$workdir/answer"
head -c 1000000 /dev/zero | tr '\0' 'x' >"$workdir/body"

# ask METHOD [BODY_FILE]: one request through cgi-fcgi; the answer on stdout.
# cgi-fcgi passes its whole environment as the FastCGI parameters.
ask() {
    env -i REQUEST_METHOD="$1" SCRIPT_NAME=/ REQUEST_URI=/ SERVER_PROTOCOL=HTTP/1.1 \
        CONTENT_LENGTH="$(if [ -n "${2:-}" ]; then wc -c <"$2"; fi)" \
        ${BIG:+HTTP_X_BIG="$BIG"} \
        cgi-fcgi -bind -connect "$fcgi_target" <"${2:-/dev/null}"
}

for transport in unix tcp; do
    label="cgi-fcgi $transport"
    start_app_on "$transport"
    for m in GET PUT DELETE; do
        ask "$m" | cmp -s - "$workdir/answer"
        ok $? "$label: $m: exactly the headers and 'Hello World!'"
    done
    ask POST "$workdir/body" | cmp -s - "$workdir/answer"
    ok $? "$label: POST 1 MB: exactly the headers and 'Hello World!'"
    ask HEAD | cmp -s - "$workdir/head"
    ok $? "$label: HEAD: exactly the headers"

    good=0
    for i in $(seq 1 200); do
        ask GET | cmp -s - "$workdir/answer" && good=$((good + 1))
    done
    is "$good" 200 "$label: 200 requests one after another, all answered"

    export fcgi_target workdir
    seq 1 300 | xargs -P 50 -I{} sh -c \
        'env -i REQUEST_METHOD=GET cgi-fcgi -bind -connect "$fcgi_target" | cmp -s - "$workdir/answer" && echo ok' \
        >"$workdir/many"
    is "$(grep -c '^ok$' "$workdir/many")" 300 "$label: 300 requests at 50 concurrency, all answered"

    BIG=$(head -c 70000 /dev/zero | tr '\0' 'b')
    ask GET | head -n 1 >"$workdir/status"
    BIG=
    is "$(cat "$workdir/status")" "$(printf 'Status: 431 Request Header Fields Too Large\r')" \
        "$label: 70 kB of parameters: 431"

    stop_pid "$app_pid"
    is "$stop_status" 0 "$label: the app stops cleanly"
    app_log_clean "$label"
done

finish
