#!/bin/sh
# The reference: php-fpm 8.2, the FastCGI server that front ends are most
# often run against, through the protocol cases of fcgi-cases.pl, over a
# unix socket and TCP. The cases assert what php-fpm does today, so the
# php-fpm column of the table in docs/frontends.md stays true; a php-fpm
# that changes fails here first. The app is not involved.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/frontends/suite.sh"

fpm=
for f in "${PHP_FPM:-}" "$(command -v php-fpm8.2 2>/dev/null)" /usr/sbin/php-fpm8.2 \
    "$(command -v php-fpm 2>/dev/null)" /usr/sbin/php-fpm; do
    [ -n "$f" ] && [ -x "$f" ] && { fpm=$f; break; }
done
[ -n "$fpm" ] || bail "php-fpm not found: install the php-fpm package"
version=$("$fpm" -n -v 2>/dev/null | head -n 1)
case $version in
    "PHP 8.2."*) diag "$version" ;;
    *) diag "$version: the pinned results are php-fpm 8.2's; others may differ" ;;
esac

# A script that prints exactly the app's answer, so that a complete answer
# is the same bytes from both.
mkdir -p "$workdir/www"
printf '%s\n' "<?php header('Content-Type: text/plain; charset=utf-8'); header('Content-Length: 12'); echo 'Hello World!';" \
    >"$workdir/www/hello.php"

# Two pools of two static workers each, one per transport: the same
# worker count in front of either. -n: no php.ini, no host's settings.
port=$(free_port)
cat >"$workdir/php-fpm.conf" <<EOF
[global]
pid = $workdir/php-fpm.pid
error_log = $workdir/php-fpm.log
daemonize = no
[unix]
listen = $workdir/fpm.sock
pm = static
pm.max_children = 2
[tcp]
listen = 127.0.0.1:$port
pm = static
pm.max_children = 2
EOF
# php-fpm refuses to run as root unless told to.
as_root=
[ "$(id -u)" -eq 0 ] && as_root=-R
# expose_php=0: no X-Powered-By header, so the bytes match the app's.
"$fpm" -F -n $as_root -d expose_php=0 -y "$workdir/php-fpm.conf" >"$workdir/php-fpm.out" 2>&1 &
fpm_pid=$!
pids="$pids $fpm_pid"
wait_until 5000 sh -c "test -S '$workdir/fpm.sock' && ss -Htln '( sport = :$port )' | grep -q ." \
    || bail "php-fpm did not start: $(tail -n 5 "$workdir/php-fpm.out" "$workdir/php-fpm.log" 2>/dev/null)"


run_cases "php-fpm unix" "unix:$workdir/fpm.sock" php-fpm "$workdir/www/hello.php"
run_cases "php-fpm tcp" "127.0.0.1:$port" php-fpm "$workdir/www/hello.php"

stop_pid "$fpm_pid"
is "$stop_status" 0 "php-fpm stops cleanly"
[ "$tap_failed" -eq 0 ] || sed 's/^/# php-fpm: /' "$workdir/php-fpm.out" "$workdir/php-fpm.log" 2>/dev/null

finish
