# Sourced by the deploy tests (after lib.sh): load through the published
# port for the whole of an operation, and its count. wrk sends GET on
# LOAD_GET connections and POST with a 2 kB body (tests/docker/post.lua) on
# LOAD_POST more, from load_start until load_stop, bounded by
# LOAD_MAX_SECONDS.
command -v wrk >/dev/null || bail "wrk not found: install the wrk package"
LOAD_GET=24
LOAD_POST=8
LOAD_MAX_SECONDS=240

# load_start URL: both wrk runs in the background.
load_start() {
    wrk -t1 -c"$LOAD_GET" -d"${LOAD_MAX_SECONDS}s" --timeout 10s "$1" >"$workdir/load.get" 2>&1 &
    load_get_pid=$!
    wrk -t1 -c"$LOAD_POST" -d"${LOAD_MAX_SECONDS}s" --timeout 10s -s "$top_srcdir/tests/docker/post.lua" "$1" \
        >"$workdir/load.post" 2>&1 &
    load_post_pid=$!
    pids="$pids $load_get_pid $load_post_pid"
    load_t0=$(now_ms)
}

# wrk_counts FILE: "requests non2xx socket_errors" from one wrk summary.
wrk_counts() {
    awk '/ requests in / {r = $1}
         /Non-2xx or 3xx responses:/ {n = $NF}
         /Socket errors:/ {gsub(/,/, ""); s = $4 + $6 + $8 + $10}
         END {print r + 0, n + 0, s + 0}' "$1"
}

# load_stop NAME: SIGINT makes wrk stop and print its summary; sets
# load_sent, load_failed (non-2xx + socket errors), load_rps, and prints
# one line NAME: sent, 2xx, non-2xx, socket errors, seconds. Fails if a wrk
# ended before it was stopped (the operation outlasted the load) or printed
# no summary.
load_stop() {
    load_ms=$(( $(now_ms) - load_t0 ))
    early=0
    for p in $load_get_pid $load_post_pid; do
        kill -0 "$p" 2>/dev/null || early=1
        kill -INT "$p" 2>/dev/null
        wait "$p"
    done
    set -- "$1" $(wrk_counts "$workdir/load.get") $(wrk_counts "$workdir/load.post")
    load_sent=$(( $2 + $5 + $4 + $7 ))
    load_non2xx=$(( $3 + $6 ))
    load_sockerr=$(( $4 + $7 ))
    load_failed=$(( load_non2xx + load_sockerr ))
    load_rps=$(( ($2 + $5) * 1000 / (load_ms > 0 ? load_ms : 1) ))
    diag "$1: $load_sent requests sent ($LOAD_GET GET + $LOAD_POST POST connections), $(( load_sent - load_failed )) 2xx, $load_non2xx non-2xx ($3 GET, $6 POST), $load_sockerr socket errors, $(( load_ms / 1000 )).$(( load_ms % 1000 / 100 )) s, $load_rps req/s"
    grep -q ' requests in ' "$workdir/load.get" && grep -q ' requests in ' "$workdir/load.post" && [ "$early" -eq 0 ]
}
