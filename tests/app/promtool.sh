#!/bin/sh
# The metrics page passes `promtool check metrics` (Debian's prometheus
# package): the text format, HELP and TYPE for every metric, and
# Prometheus's naming rules. Run by `make check-metrics`, after traffic of
# every outcome, so that every series is written with a value.
. "$top_srcdir/tests/lib.sh"

command -v promtool >/dev/null || bail "promtool not found: install the prometheus package"
port=$(free_port)
mport=$(free_port)
start_app "127.0.0.1:$port" --metrics-listen "127.0.0.1:$mport"
"$PROBE" get "127.0.0.1:$port" >/dev/null
"$PROBE" large "127.0.0.1:$port" 70000 >/dev/null
"$PROBE" hostile "127.0.0.1:$port" bad-version 2>/dev/null
curl -sf -o "$workdir/metrics" "http://127.0.0.1:$mport/metrics"
ok $? "GET /metrics"
promtool check metrics <"$workdir/metrics" >"$workdir/promtool" 2>&1
status=$?
sed 's/^/# /' "$workdir/promtool"
is "$status:$(cat "$workdir/promtool")" "0:" "promtool check metrics: no error, no lint warning"
finish
