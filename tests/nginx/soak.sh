#!/bin/sh
# Soak: sustained load through nginx for a bounded time, in rounds: zero
# errors, no round collapsing against the first, flat app memory.
#   sh tests/nginx/soak.sh      (after make; SOAK_ROUNDS, SOAK_SECONDS)
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib.sh"
ROUNDS=${SOAK_ROUNDS:-4}
SECONDS_PER=${SOAK_SECONDS:-30}
command -v wrk >/dev/null || bail "wrk not found: install the wrk package"

sock=$workdir/app.sock
start_app "unix:$sock" --socket-mode 0666
start_nginx "unix:$sock"
rss() { awk '/^VmRSS/ {print $2}' "/proc/$app_pid/status"; }

first_rps=""
first_rss=""
total=0
for r in $(seq 1 "$ROUNDS"); do
    out=$(wrk -t1 -c64 -d"${SECONDS_PER}s" --timeout 5s "http://127.0.0.1:$http_port/" 2>&1)
    rps=$(echo "$out" | awk '/^Requests\/sec/ {printf "%d", $2}')
    n=$(echo "$out" | awk '/requests in/ {print $1}')
    errs=$(echo "$out" | awk '/Non-2xx/ {e += $NF} /Socket errors/ {gsub(/,/, ""); e += $4 + $6 + $8 + $10} END {print e + 0}')
    mem=$(rss)
    total=$((total + ${n:-0}))
    [ -n "$first_rps" ] || { first_rps=$rps; first_rss=$mem; }
    diag "round $r: $n requests, $rps req/s, $errs errors, app RSS $mem kB"
    is "$errs" 0 "round $r: no errors"
    [ "${rps:-0}" -ge $((first_rps / 2)) ]
    ok $? "round $r: no collapse ($rps req/s against $first_rps in round 1)"
done
last_rss=$(rss)
diag "total: $total requests in $ROUNDS rounds of $SECONDS_PER s; app RSS $first_rss kB after round 1, $last_rss kB at the end"
[ "$last_rss" -le $((first_rss + 512)) ]
ok $? "app memory is flat ($first_rss -> $last_rss kB)"
"$APP" --healthcheck --listen "unix:$sock"
ok $? "the app still answers"
stop_pid "$app_pid"
is "$stop_status" 0 "and stops cleanly"

finish
