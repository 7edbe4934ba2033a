#!/bin/sh
# Instructions the app executes per request, counted by callgrind: the app
# behind nginx with the shipped parameters and with Debian's fastcgi_params,
# for GET and for a POST with a 1 kB body. Instruction counts repeat from
# run to run where req/s does not, so this is the measure for the app's own
# work. Each figure is the difference between two runs of N1 and N2
# requests divided by N2 - N1: start-up and stop cancel out.
#
#   make bench          (this runs after the throughput benchmark)
#   BENCH_REQUESTS=2000 sh tests/bench/instructions.sh
. "$top_srcdir/tests/lib.sh"

command -v valgrind >/dev/null || bail "valgrind not found: install the valgrind package"
N2=${BENCH_REQUESTS:-4000}
N1=$((N2 / 4))
PARAMS=/etc/nginx/fastcgi_params
head -c 1024 /dev/zero | tr '\0' 'x' >"$workdir/body"

# total_ir PARAMS_SET METHOD N: the app's instructions for N requests.
total_ir() {
    sock=$workdir/ir.sock
    APP_WRAPPER="valgrind --tool=callgrind --callgrind-out-file=$workdir/cg.out" \
        start_app "unix:$sock" --socket-mode 0666
    main_conf 1 1024 off >"$workdir/nginx.conf"
    http_port=$(free_port)
    server_conf "$http_port" "unix:$sock" >"$workdir/server.conf" || bail "no usable nginx/hello-fcgi.conf"
    if [ "$1" = debian ]; then
        # Debian's full set in place of the shipped one.
        sed -e '/^ *fastcgi_param /d' -e "s|^\( *\)fastcgi_keep_conn on;|&\n\1include $PARAMS;|" \
            "$workdir/server.conf" >>"$workdir/nginx.conf"
    else
        cat "$workdir/server.conf" >>"$workdir/nginx.conf"
    fi
    echo "}" >>"$workdir/nginx.conf"
    run_nginx "$workdir/nginx.conf"
    wait_until 10000 curl -sf -o /dev/null "http://127.0.0.1:$http_port/" || bail "nginx did not answer"
    case $2 in
        GET)  set -- "$1" "$2" "$3" ;;
        POST) set -- "$1" "$2" "$3" --data-binary "@$workdir/body" ;;
    esac
    n=$3; shift 3
    curl -s --parallel --parallel-max 8 -o /dev/null "$@" "http://127.0.0.1:$http_port/r[1-$n]" 2>/dev/null \
        || bail "the load failed"
    stop_pid "$nginx_pid"
    stop_pid "$app_pid"
    awk '/^summary:/ {print $2}' "$workdir/cg.out"
    rm -f "$workdir/cg.out"
}

printf '%-10s %-6s %12s\n' params method "Ir/request"
for params in shipped debian; do
    for method in GET POST; do
        a=$(total_ir "$params" "$method" "$N1")
        b=$(total_ir "$params" "$method" "$N2")
        printf '%-10s %-6s %12d\n' "$params" "$method" $(( (b - a) / (N2 - N1) ))
    done
done
