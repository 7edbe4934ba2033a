#!/bin/bash
# The benchmark: hello-fcgi behind nginx against nginx answering alone (the
# ceiling), against the least a FastCGI responder can do behind the same
# nginx (the limit, tests/bench/limit.c) and against the usual libfcgi
# deployment, all in one run.
#
#   make bench                         full run (about 17 minutes)
#   BENCH_ROUNDS=1 BENCH_SECONDS=1 make bench     a smoke run
#   make bench BENCH_MODE=compose      through the compose stack (root, Docker)
#
# Everything runs on loopback and is stopped at the end. Rounds interleave the
# peers (A B C … A B C …) so that drift on a shared machine hits all alike.
# Ratios to the ceiling and to the limit measured in the same run are the
# result; absolute numbers are only context.
set -u
. "$top_srcdir/tests/lib.sh"

ROUNDS=${BENCH_ROUNDS:-5}
SECONDS_PER=${BENCH_SECONDS:-8}
CONCURRENCY=${BENCH_CONCURRENCY:-32 256}
CLASSIC=$top_builddir/tests/bench/classic
LIMIT=$top_builddir/tests/bench/limit
command -v wrk >/dev/null || bail "wrk not found: install the wrk package"

results=$workdir/results      # peer conc round rps p50_ms p99_ms errors
: >"$results"

# to_ms VALUE: wrk prints 812.00us, 1.20ms or 1.02s.
to_ms() {
    case $1 in
        *us) awk -v v="${1%us}" 'BEGIN { printf "%.3f", v / 1000 }' ;;
        *ms) awk -v v="${1%ms}" 'BEGIN { printf "%.3f", v }' ;;
        *s) awk -v v="${1%s}" 'BEGIN { printf "%.3f", v * 1000 }' ;;
        *) echo "$1" ;;
    esac
}

# load PEER URL CONC ROUND: one wrk run, one line in $results; sets
# requests to the number of requests it completed.
load() {
    out=$(wrk -t1 -c"$3" -d"${SECONDS_PER}s" --timeout 5s --latency "$2" 2>&1)
    rps=$(echo "$out" | awk '/^Requests\/sec/ {print $2}')
    requests=$(echo "$out" | awk '/ requests in / {print $1}')
    requests=${requests:-0}
    p50=$(to_ms "$(echo "$out" | awk '$1 == "50%" {print $2}')")
    p99=$(to_ms "$(echo "$out" | awk '$1 == "99%" {print $2}')")
    errs=$(echo "$out" | awk '/Non-2xx/ {n += $NF} /Socket errors/ {gsub(/,/, ""); n += $4 + $6 + $8 + $10} END {print n + 0}')
    echo "$1 $3 $4 ${rps:-0} ${p50:-0} ${p99:-0} $errs" >>"$results"
}

# median_rps PEER CONC: the peer's median req/s over the rounds, or nothing.
median_rps() {
    awk -v p="$1" -v c="$2" '$1 == p && $2 == c {print $4}' "$results" | sort -n \
        | awk '{v[NR] = $1} END {if (NR > 0) print v[int((NR + 1) / 2)]}'
}

# table PEERS...: median req/s over the rounds, its ratio to the ceiling,
# and its ratio to the limit row of the same transport and keep-alive
# (limit_for_PEER, set by add_peer; "-" for a peer without one).
table() {
    printf '\n%-34s %5s %10s %9s %9s %7s %9s %7s\n' peer conc "req/s" "p50 ms" "p99 ms" errors "x ceiling" "x limit"
    for c in $CONCURRENCY; do
        ceil=$(median_rps ceiling "$c")
        for p in "$@"; do
            eval "lp=\${limit_for_$p:-}"
            lim=
            [ -n "$lp" ] && lim=$(median_rps "$lp" "$c")
            awk -v p="$p" -v c="$c" '$1 == p && $2 == c' "$results" | sort -k4,4n \
                | awk -v ceil="${ceil:-0}" -v lim="${lim:-0}" '
                {rps[NR] = $4; p50[NR] = $5; p99[NR] = $6; err += $7
                 if (min == "" || $4 < min) min = $4}
                END {
                    m = int((NR + 1) / 2)
                    printf("%-34s %5s %10.0f %9.2f %9.2f %7d %9.2f %7s%s\n", $1, $2, rps[m], p50[m], p99[m], err,
                        (ceil > 0 ? rps[m] / ceil : 0), (lim > 0 ? sprintf("%.2f", rps[m] / lim) : "-"),
                        (min < rps[m] / 2 ? "  COLLAPSED in a round" : ""))
                }'
        done
    done
}

proc_stat() {  # PID -> "utime+stime in ticks"
    awk '{print $14 + $15}' "/proc/$1/stat"
}

if [ "${BENCH_MODE:-local}" = compose ]; then
    . "$top_srcdir/tests/bench/compose-mode.sh"
    exit $?
fi

# --- the peers (spawn-fcgi -n execs the classic program in place) -------------------------------------------------------------
tcp_port=$(free_port)
sock=$workdir/hello.sock
start_app "127.0.0.1:$tcp_port" ${BENCH_APP_ARGS:-}
tcp_pid=$app_pid
# nginx workers run as another user than the one running the benchmark.
start_app "unix:$sock" --socket-mode 0666 ${BENCH_APP_ARGS:-}
unix_pid=$app_pid
classic_port=$(free_port)
command -v spawn-fcgi >/dev/null || bail "spawn-fcgi not found: install the spawn-fcgi package"
spawn-fcgi -n -a 127.0.0.1 -p "$classic_port" -- "$CLASSIC" >/dev/null 2>&1 &
classic_pid=$!; pids="$pids $classic_pid"
wait_until 5000 "$APP" --healthcheck --listen "127.0.0.1:$classic_port" || bail "spawn-fcgi did not start"
# A plain threaded libfcgi program on a unix socket, the other usual shape.
THREADED=$top_builddir/tests/bench/threaded
threaded_sock=$workdir/threaded.sock
"$THREADED" "$threaded_sock" 32 2>/dev/null &
threaded_pid=$!; pids="$pids $threaded_pid"
wait_until 5000 "$APP" --healthcheck --listen "unix:$threaded_sock" || bail "the threaded libfcgi program did not start"
chmod 0666 "$threaded_sock"
# The limit, over both transports (the healthcheck's request gets the app's
# answer from it too).
limit_port=$(free_port)
"$LIMIT" "127.0.0.1:$limit_port" 2>"$workdir/limit-tcp.log" &
limit_tcp_pid=$!; pids="$pids $limit_tcp_pid"
limit_sock=$workdir/limit.sock
"$LIMIT" "unix:$limit_sock" 2>"$workdir/limit-unix.log" &
limit_unix_pid=$!; pids="$pids $limit_unix_pid"
wait_until 5000 "$APP" --healthcheck --listen "127.0.0.1:$limit_port" \
    || bail "the limit did not start on TCP: $(cat "$workdir/limit-tcp.log")"
wait_until 5000 "$APP" --healthcheck --listen "unix:$limit_sock" \
    || bail "the limit did not start on a unix socket: $(cat "$workdir/limit-unix.log")"
chmod 0666 "$limit_sock"

# --- one nginx, one server block per peer -----------------------------------
conf=$workdir/nginx/nginx.conf
main_conf "${BENCH_NGINX_WORKERS:-1}" 4096 off >"$conf"
peers=""
# add_peer NAME UPSTREAM KEEPALIVE(yes|no): the project's server block, with
# its own port and upstream; without keep-alive its pool and keep_conn go.
# limit_for_NAME names the limit peer of the same transport and keep-alive.
add_peer() {
    case $2 in unix:*) transport=unix ;; *) transport=tcp ;; esac
    keep=keepalive
    [ "$3" = no ] && keep=no_keepalive
    eval "limit_for_$1=limit_${transport}_$keep"
    port=$(free_port)
    drop='^$'
    [ "$3" = no ] && drop='^ *keepalive|fastcgi_keep_conn'
    server_conf "$port" "$2" >"$workdir/peer.conf" || bail "no usable nginx/hello-fcgi.conf"
    sed "s/hello_fcgi/hello_fcgi_$1/" "$workdir/peer.conf" | grep -Ev "$drop" >>"$conf"
    peers="$peers $1"
    eval "url_$1=http://127.0.0.1:$port/"
}
ceiling_port=$(free_port)
cat >>"$conf" <<EOC
    server {
        listen 127.0.0.1:$ceiling_port;
        location / {
            default_type "text/plain; charset=utf-8";
            return 200 "Hello World!";
        }
    }
EOC
url_ceiling=http://127.0.0.1:$ceiling_port/
# Each limit beside the app's peer of the same shape: adjacent in every
# round, so that drift hits the pair alike.
add_peer tcp_keepalive "127.0.0.1:$tcp_port" yes
add_peer limit_tcp_keepalive "127.0.0.1:$limit_port" yes
add_peer unix_keepalive "unix:$sock" yes
add_peer limit_unix_keepalive "unix:$limit_sock" yes
add_peer tcp_no_keepalive "127.0.0.1:$tcp_port" no
add_peer limit_tcp_no_keepalive "127.0.0.1:$limit_port" no
add_peer unix_no_keepalive "unix:$sock" no
add_peer limit_unix_no_keepalive "unix:$limit_sock" no
add_peer classic_spawn_fcgi_tcp "127.0.0.1:$classic_port" no
add_peer threaded_libfcgi_unix_no_keepalive "unix:$threaded_sock" no
echo "}" >>"$conf"
run_nginx "$conf"
for p in ceiling $peers; do
    eval "u=\$url_$p"
    wait_until 5000 curl -sf -o /dev/null "$u" || bail "$p does not answer: $(tail -n 3 "$workdir/nginx/logs/error.log")"
    [ "$(curl -s "$u")" = "Hello World!" ] || bail "$p answers something else"
done
# The limit must give nginx's clients what the app gives them, byte for
# byte but for the date.
answer_of() { curl -si "$1" | grep -iv '^date:'; }
[ "$(answer_of "$url_limit_tcp_keepalive")" = "$(answer_of "$url_tcp_keepalive")" ] \
    || bail "the limit's answer differs from the app's: update tests/bench/limit.c"

echo "# $(nproc) cores, $(uname -sr), $("$nginx" -v 2>&1 | sed 's/.*: //') with ${BENCH_NGINX_WORKERS:-1} worker,"
echo "# hello-fcgi $("$APP" --version | cut -d' ' -f2) ${BENCH_APP_ARGS:-with default threads}, wrk -t1, ${ROUNDS} rounds of ${SECONDS_PER} s per peer and concurrency"

# --- rounds ---------------------------------------------------------------------
# CPU time per request of the app and of the limit over the kept transports,
# at 32 connections (or the first concurrency asked for): each process's
# user+system ticks across each such load, summed over the rounds. Only that
# load reaches the process meanwhile.
cpu_conc=${CONCURRENCY%% *}
case " $CONCURRENCY " in *" 32 "*) cpu_conc=32 ;; esac
cpu=$workdir/cpu              # peer ticks requests
: >"$cpu"
cpu_pid_tcp_keepalive=$tcp_pid
cpu_pid_unix_keepalive=$unix_pid
cpu_pid_limit_tcp_keepalive=$limit_tcp_pid
cpu_pid_limit_unix_keepalive=$limit_unix_pid
for r in $(seq 1 "$ROUNDS"); do
    for c in $CONCURRENCY; do
        for p in ceiling $peers; do
            eval "u=\$url_$p; cpu_pid=\${cpu_pid_$p:-}"
            [ "$c" = "$cpu_conc" ] || cpu_pid=
            [ -n "$cpu_pid" ] && t0=$(proc_stat "$cpu_pid")
            load "$p" "$u" "$c" "$r"
            [ -n "$cpu_pid" ] && echo "$p $(( $(proc_stat "$cpu_pid") - t0 )) $requests" >>"$cpu"
        done
    done
    echo "# round $r of $ROUNDS done"
done
table ceiling $peers

# A new connection per request (front ends without keep-alive): hello-fcgi
# against the threaded libfcgi program, over unix sockets, in the same run.
echo
for c in $CONCURRENCY; do
    awk -v c="$c" '$2 == c && ($1 == "unix_no_keepalive" || $1 == "threaded_libfcgi_unix_no_keepalive") {print $1, $4}' \
        "$results" | sort -k2,2n | awk -v c="$c" '
        {v[$1, ++n[$1]] = $2}
        END {
            a = v["unix_no_keepalive", int((n["unix_no_keepalive"] + 1) / 2)]
            b = v["threaded_libfcgi_unix_no_keepalive", int((n["threaded_libfcgi_unix_no_keepalive"] + 1) / 2)]
            if (b > 0) printf "new connection per request, unix, c=%s: hello-fcgi %.2fx the threaded libfcgi program\n", c, a / b
        }'
done

# --- the cost per request: the app against the limit ----------------------------
echo
for t in tcp_keepalive unix_keepalive; do
    awk -v t="$t" -v c="$cpu_conc" -v hz="$(getconf CLK_TCK)" '
        $1 == t {at += $2; an += $3}
        $1 == "limit_" t {lt += $2; ln += $3}
        END {
            a = an > 0 ? at / hz / an * 1e6 : 0
            l = ln > 0 ? lt / hz / ln * 1e6 : 0
            printf "CPU time per request (user+system, %s, c=%s): app %.2f us, limit %.2f us", t, c, a, l
            if (l > 0) printf "; app CPU per request / limit'"'"'s: %.1fx", a / l
            printf "\n"
        }' "$cpu"
done
for pid in $tcp_pid $unix_pid; do
    echo "app peak RSS (pid $pid): $(awk '/^VmHWM/ {print $2, $3}' "/proc/$pid/status")"
done
echo "classic peak RSS: $(awk '/^VmHWM/ {print $2, $3}' "/proc/$classic_pid/status")"
echo "limit peak RSS (tcp): $(awk '/^VmHWM/ {print $2, $3}' "/proc/$limit_tcp_pid/status")"
for f in "$workdir/limit-tcp.log" "$workdir/limit-unix.log"; do
    if [ -s "$f" ]; then
        echo "the limit's messages ($(basename "$f" .log)): $(sort "$f" | uniq -c | head -n 5)"
    fi
done
