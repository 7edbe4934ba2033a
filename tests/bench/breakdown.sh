#!/bin/bash
# Where a request's cost goes: the app against the limit (tests/bench/limit.c)
# side by side, over TCP with keep-alive at 32 connections, each behind the
# same nginx and the shipped server block, as in `make bench`. Per request:
# the system calls by name (perf stat on the syscall tracepoints: counted in
# the kernel, not traced call by call as strace -c or perf trace -s would,
# which slows the process and so changes how many events one epoll_wait
# returns), context switches, CPU migrations and CPU time (perf stat -e
# context-switches,cpu-migrations,task-clock; user and system time apart
# from /proc/PID/stat). Then, if perf record works, the app's ten hottest
# symbols and its samples by object.
#
#   make bench-breakdown
#   BREAKDOWN_ROUNDS=3 BREAKDOWN_SECONDS=5 make bench-breakdown   (the defaults)
#
# Requests are counted by wrk over each measured run; a run ends with at
# most 32 requests in flight, which the count misses. The runs interleave
# the two (app, limit, app, limit, ...) and the table gives medians.
set -u
. "$top_srcdir/tests/lib.sh"

ROUNDS=${BREAKDOWN_ROUNDS:-3}
SECONDS_PER=${BREAKDOWN_SECONDS:-5}
CONC=32
LIMIT=$top_builddir/tests/bench/limit
command -v wrk >/dev/null || bail "wrk not found: install the wrk package"
command -v perf >/dev/null || bail "perf not found: install the linux-perf package"

# --- the app and the limit behind one nginx ------------------------------------------
app_port=$(free_port)
start_app "127.0.0.1:$app_port" ${BENCH_APP_ARGS:-}
limit_port=$(free_port)
"$LIMIT" "127.0.0.1:$limit_port" 2>"$workdir/limit.log" &
limit_pid=$!; pids="$pids $limit_pid"
wait_until 5000 "$APP" --healthcheck --listen "127.0.0.1:$limit_port" \
    || bail "the limit did not start: $(cat "$workdir/limit.log")"

conf=$workdir/nginx/nginx.conf
main_conf "${BENCH_NGINX_WORKERS:-1}" 4096 off >"$conf"
# add_server NAME UPSTREAM: the shipped server block, as bench.sh's keep-alive
# peers have it; sets url_NAME.
add_server() {
    port=$(free_port)
    server_conf "$port" "$2" | sed "s/hello_fcgi/hello_fcgi_$1/" >>"$conf" \
        || bail "no usable nginx/hello-fcgi.conf"
    eval "url_$1=http://127.0.0.1:$port/"
}
add_server app "127.0.0.1:$app_port"
add_server limit "127.0.0.1:$limit_port"
echo "}" >>"$conf"
run_nginx "$conf"
for t in app limit; do
    eval "u=\$url_$t"
    wait_until 5000 curl -sf -o /dev/null "$u" || bail "$t does not answer: $(tail -n 3 "$workdir/nginx/logs/error.log")"
done
pid_app=$app_pid
pid_limit=$limit_pid

# load URL: one wrk run; prints the number of requests it completed.
load() {
    wrk -t1 -c"$CONC" -d"${SECONDS_PER}s" --timeout 5s "$1" 2>&1 | awk '/ requests in / {print $1}'
}

# measured TARGET OUT COMMAND...: runs COMMAND (a tool attached to the
# target's process, writing to OUT) around one load of the target; prints
# the number of requests. The tool is stopped with SIGINT, as on a terminal.
measured() {
    t=$1; out=$2; shift 2
    eval "u=\$url_$t"
    "$@" >"$out.stdout" 2>&1 &
    tool=$!
    sleep 1 # the tool is attached before the load starts
    n=$(load "$u")
    kill -INT "$tool" 2>/dev/null
    wait "$tool"
    echo "${n:-0}"
}

echo "# $(nproc) cores, $(uname -sr), $("$(find_nginx)" -v 2>&1 | sed 's/.*: //') with ${BENCH_NGINX_WORKERS:-1} worker,"
echo "# hello-fcgi $("$APP" --version | cut -d' ' -f2) ${BENCH_APP_ARGS:-with default threads} and the limit, tcp keep-alive, wrk -t1 -c$CONC,"
echo "# ${ROUNDS} rounds; in each, per target, a run of ${SECONDS_PER} s for CPU and switches and one counting system calls"
for t in app limit; do # warm both up: the pool of kept connections fills
    eval "u=\$url_$t"
    wrk -t1 -c"$CONC" -d1s "$u" >/dev/null 2>&1
done

# --- perf stat, interleaved: app, limit, app, limit, ... ----------------------------
# Two runs per target and round: one for CPU time, context switches and
# migrations; one counting system calls on the syscall tracepoints (counting
# only, nothing is recorded per call, but an enabled tracepoint slows every
# call a little, so the CPU figures come from the other run).
SYSCALLS="accept4 close epoll_ctl epoll_wait epoll_pwait futex getsockopt poll read readv recvfrom
recvmsg sendmsg sendto setsockopt shutdown write writev"
sys_events=raw_syscalls:sys_enter
for c in $SYSCALLS; do
    sys_events=$sys_events,syscalls:sys_enter_$c
done
stats=$workdir/stats # target round requests task_clock_ms switches migrations user_s system_s
: >"$stats"
sys=$workdir/sys # target round requests name calls ("all" for the total)
: >"$sys"
unsupported=""
for r in $(seq 1 "$ROUNDS"); do
    for t in app limit; do
        eval "pid=\$pid_$t"
        f=$workdir/perf-stat-$t-$r
        # user and system time apart, from the process's own accounting
        ticks0=$(awk '{print $14, $15}' "/proc/$pid/stat")
        n=$(measured "$t" "$f" perf stat -x, -o "$f" \
            -e context-switches,cpu-migrations,task-clock,cycles,instructions -p "$pid")
        ticks1=$(awk '{print $14, $15}' "/proc/$pid/stat")
        # -x, lines: value,unit,event,...; "<not supported>" where the VM has
        # no hardware counters.
        awk -F, -v t="$t" -v r="$r" -v n="$n" -v a="$ticks0" -v b="$ticks1" -v hz="$(getconf CLK_TCK)" '
            $3 == "context-switches" {cs = $1}
            $3 == "cpu-migrations" {mig = $1}
            $3 == "task-clock" {ms = $1}
            END {
                split(a, x, " "); split(b, y, " ")
                print t, r, n, ms + 0, cs + 0, mig + 0, (y[1] - x[1]) / hz, (y[2] - x[2]) / hz
            }' "$f" >>"$stats"
        unsupported="$unsupported $(awk -F, '$1 ~ /not supported|not counted/ {print $3}' "$f")"
        f=$workdir/perf-sys-$t-$r
        n=$(measured "$t" "$f" perf stat -x, -o "$f" -e "$sys_events" -p "$pid")
        awk -F, -v t="$t" -v r="$r" -v n="$n" '
            $3 == "raw_syscalls:sys_enter" {print t, r, n, "all", $1 + 0}
            $3 ~ /^syscalls:sys_enter_/ {sub(/^syscalls:sys_enter_/, "", $3); print t, r, n, $3, $1 + 0}' \
            "$f" >>"$sys"
    done
    echo "# round $r of $ROUNDS done"
done
grep -q ' all ' "$sys" || bail "perf stat counted no system calls: $(tail -n 2 "$workdir"/perf-sys-app-1*)"

# --- the table -----------------------------------------------------------------
# median FILE TARGET KEY FIELD SCALE: the median over the rounds of FIELD per
# request times SCALE, among FILE's lines of TARGET (and, in $sys, of KEY).
median() {
    awk -v t="$2" -v k="$3" -v f="$4" -v s="$5" '$1 == t && $3 > 0 && (k == "" || $4 == k) {print $f / $3 * s}' "$1" \
        | sort -g | awk '{v[NR] = $1} END {if (NR > 0) print v[int((NR + 1) / 2)]; else print 0}'
}
# row NAME APP LIMIT
row() {
    awk -v name="$1" -v a="$2" -v l="$3" 'BEGIN {
        printf "%-26s %9.2f %9.2f %9s\n", name, a, l, (l >= 0.005 ? sprintf("%.1fx", a / l) : "-") }'
}
echo
echo "per request, medians of $ROUNDS rounds (perf stat; system calls counted on their tracepoints)"
printf '%-26s %9s %9s %9s\n' "" app limit "app/limit"
named_app=0; named_limit=0
for c in $SYSCALLS; do
    a=$(median "$sys" app "$c" 5 1); l=$(median "$sys" limit "$c" 5 1)
    # Calls neither makes per request (start-up, a stray one) are left out.
    awk -v a="$a" -v l="$l" 'BEGIN {exit !(a >= 0.005 || l >= 0.005)}' || continue
    row "  $c" "$a" "$l"
done
a=$(median "$sys" app all 5 1); l=$(median "$sys" limit all 5 1)
row "syscalls, total" "$a" "$l"
row "context switches" "$(median "$stats" app "" 5 1)" "$(median "$stats" limit "" 5 1)"
row "CPU migrations" "$(median "$stats" app "" 6 1)" "$(median "$stats" limit "" 6 1)"
row "CPU us (task-clock)" "$(median "$stats" app "" 4 1000)" "$(median "$stats" limit "" 4 1000)"
row "  user us (/proc stat)" "$(median "$stats" app "" 7 1000000)" "$(median "$stats" limit "" 7 1000000)"
row "  system us (/proc stat)" "$(median "$stats" app "" 8 1000000)" "$(median "$stats" limit "" 8 1000000)"
for t in app limit; do
    echo "# requests per run, $t: $(awk -v t="$t" '$1 == t {printf "%s%s", sep, $3; sep = ", "}' "$stats") (CPU);" \
        "$(awk -v t="$t" '$1 == t && $4 == "all" {printf "%s%s", sep, $3; sep = ", "}' "$sys") (system calls)"
done
unsupported=$(echo "$unsupported" | tr ' ' '\n' | grep . | sort -u | tr '\n' ' ')
[ -n "$unsupported" ] && echo "# perf stat: not supported here: ${unsupported}(this VM has no hardware counters)"

# --- where the app's CPU goes: perf record -g, if it works -----------------------
echo
f=$workdir/perf.data
measured app "$f" perf record -g -o "$f" -p "$pid_app" >/dev/null
if [ -s "$f" ] && perf report -i "$f" --stdio --no-children --sort symbol >"$workdir/report" 2>/dev/null; then
    echo "the app's 10 hottest symbols (perf record -g, self time, one run of ${SECONDS_PER} s):"
    grep -E '^ +[0-9.]+%' "$workdir/report" | head -n 10 | sed 's/[ -]*$//'
    echo "the same samples by object:"
    perf report -i "$f" --stdio --no-children --sort dso 2>/dev/null | grep -E '^ +[0-9.]+%' | head -n 6 \
        | sed 's/[ -]*$//'
else
    echo "perf record did not work here: no profile ($(tail -n 1 "$f.stdout" 2>/dev/null))"
fi
