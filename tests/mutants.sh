#!/bin/sh
# make mutants: breaks the code one line at a time and runs the tests that
# guard that line; a mutant the tests do not notice "survives". Prints one
# line per mutant and the kill rate; exits 1 if any survived.
#
# Each mutant is FILE @@ SED EXPRESSION @@ TESTS @@ WHAT IT BREAKS. It runs in a
# copy of the source tree (the work tree as it is, commits or not), built
# once; the file is restored after each mutant. A mutant whose expression no
# longer changes its file is an error: the list must follow the code.
#
#   MUTANTS='peek|drain' make mutants    only the mutants whose line matches
set -u
: "${top_srcdir:=.}"
src=$(cd "$top_srcdir" && pwd)

mutants() {
    cat <<'EOM'
app/connection.h @@ s/CONNECTION_BOUND_S = 10 }/CONNECTION_BOUND_S = 100 }/ @@ tests/app/request-start.sh @@ bound: a stalled start ends at 10 s
app/connection.c @@ s/    if (c->deadline.listed \&\& now_ms() >= c->deadline.at) {/    if (0) {/ @@ tests/app/request-start.sh @@ deadline: a request not whole is ended at its bound
app/server.c @@ s/            connection_event(\&s->cs, w, due\[i\], CONNECTION_TO_END);/            (void)due;/ @@ tests/app/request-start.sh @@ tick: the sweep gives due connections a turn
app/intake.c @@ s/        queued(b, reply_end(out, room, id, FCGI_CANT_MPX_CONN));/        (void)out;/ @@ tests/unit/intake @@ intake: FCGI_CANT_MPX_CONN for a second request
app/intake.c @@ s/        if (len == 0)$/        if (0)/ @@ tests/unit/intake @@ intake: two empty PARAMS records
app/intake.c @@ s/            queued(b, reply_unknown_type(out, room, r->type));/            (void)out;/ @@ tests/unit/intake @@ intake: FCGI_UNKNOWN_TYPE
app/replies.c @@ s/            value = "0", which = 2;/            value = "1", which = 2;/ @@ tests/unit/intake @@ replies: FCGI_MPXS_CONNS is 0
app/connection.c @@ s/            if ((size_t)n < room \&\& !to_end)/            if ((size_t)n < room)/ @@ tests/app/keepalive.sh @@ turn: read to the end when the peer's end came with the last bytes
app/connection.c @@ s/    return c->intake.phase != INTAKE_IDLE || (w->in_len >= 2 \&\& w->in\[1\] == FCGI_BEGIN_REQUEST);/    return c->intake.phase != INTAKE_IDLE || w->in_len > 0;/ @@ tests/app/metrics.sh @@ in progress: a management record is no request
app/intake.c @@ s/        if (defer_record(b, r, content))$/        if (1)/ @@ tests/unit/intake @@ intake: a request set aside that outgrows the room is refused alone
app/connection.c @@ s/        return begin_close(cs, c, fd);$/        return close_conn(cs, c, fd);/ @@ tests/frontends/fcgi-client.sh @@ close: keep the answer from a reset
app/server.c @@ s/    while (!atomic_load(\&s->failed) \&\& atomic_load(\&s->cs.in_progress) != 0/    while (0/ @@ tests/app/stop.sh @@ stop: the requests in progress end before the app leaves
app/server.c @@ s/        case EMFILE:/        case EMFILE + 1000:/ @@ tests/app/descriptors.sh @@ out of descriptors: pause, not stop
app/server.c @@ s/pause = {.tv_nsec = 100 \* 1000 \* 1000}/pause = {.tv_nsec = 0}/ @@ tests/app/descriptors.sh @@ out of descriptors: no spin
app/server.c @@ s/if (shutdown(s->listen_fd, SHUT_RDWR) != 0/if (0 \&\& shutdown(s->listen_fd, SHUT_RDWR) != 0/ @@ tests/app/stop.sh @@ stop: the socket refuses at once
app/connection.c @@ s/    if (enlist(cs, t) != 0) {/    if (1) {/ @@ tests/app/keepalive.sh @@ keep-alive: a kept connection waits in the set
app/server.c @@ s/^    linger_then_end(s);/    atomic_store(\&s->cs.leaving, true); (void)eventfd_write(s->wake_fd, 1);/ @@ tests/nginx/replica-stop.sh @@ stop: serve on while front ends still send
app/server.c @@ s/^    if (shutdown(s->listen_fd, SHUT_RDWR) != 0 \&\& errno != ENOTCONN)/    atomic_store(\&s->cs.leaving, true);\n&/ @@ tests/app/stop.sh @@ stop: never close a kept connection after its answer while lingering
app/server.c @@ s/LINGER_MAX_MS = 5000 }/LINGER_MAX_MS = 50000 }/ @@ tests/app/stop.sh @@ stop: the linger ends after 5 s
app/server.c @@ s/        } else if (now - quiet_since >= QUIET_MS) {/        } else if (0) {/ @@ tests/app/stop.sh @@ stop: leave after 1 s without a request
app/server.c @@ s/        if (atomic_load(\&s->cs.open) == 0)/        if (0)/ @@ tests/app/stop.sh @@ stop: leave at once when no connection is open
app/server.c @@ s/^    adopt_backlog(s);/    (void)0;/ @@ tests/app/stop.sh @@ stop: take the backlog before the listener is shut
app/connection.c @@ s/^            atomic_fetch_sub(\&cs->open, 1);$/            (void)0;/ @@ tests/app/stop.sh @@ stop: a closed connection is no longer counted open
app/connection.c @@ /int fd = accept4/,/return 0;/s/atomic_fetch_sub(\&cs->open, 1);/(void)0;/ @@ tests/app/stop.sh @@ stop: a failed accept is not counted open
app/server.c @@ s/    sigaddset(&stop, SIGINT);// @@ tests/app/stop.sh @@ stop on SIGINT
app/server.c @@ s/            if (t != (unsigned)s->wake_fd \&\& t != (unsigned)s->listen_fd$/            if (0/ @@ tests/app/stop.sh @@ drain: serve what arrived after the 5 s bound
app/server.c @@ s/    if (arm_once(s, fd, EPOLL_CTL_MOD) != 0 \&\& errno != ENOENT) {/    if (0) {/ @@ tests/app/keepalive.sh @@ the listener is re-armed after each accept
app/connection.c @@ s/    if (!c->intake.keep)$/    if (0)/ @@ tests/nginx/http.sh @@ a connection not kept is closed
app/connection.c @@ s/    if (claims_in_set(\&cs->claims, t))/    if (1)/ @@ tests/app/keepalive.sh @@ enlist: a kept connection is added to the set
app/connection.c @@ s/        if (claims_release(\&cs->claims, t))$/        if (claims_release(\&cs->claims, t) || 1)/ @@ tests/app/request-start.sh @@ claims: the holder looks again after an event while held
app/claims.c @@ s/            return !(v \& CLAIM_HELD);/            return true;/ @@ tests/app/request-start.sh tests/unit/claims @@ claims: a held connection is not taken by a second worker
app/claims.c @@ s/        if (generation(v) != generation(t))/        if (0)/ @@ tests/unit/claims @@ claims: an event for a closed connection is stale
app/claims.c @@ s/    while (generation(v) == generation(t)) {/    while (1) {/ @@ tests/unit/claims @@ claims: a late close leaves the next connection on the number held
app/fcgi_record.c @@ s/        .padding_len = w.paddingLength,/        .padding_len = 0,/ @@ tests/unit/guard @@ record header: padding decoded
app/peer.c @@ s/n = snprintf(buf, size, "unix socket peer pid %ld", (long)cred.pid);/n = -1;/ @@ tests/app/request-start.sh @@ log lines name a unix peer
app/fcgi_guard.c @@ s/if (p->len > GUARD_WINDOW)/if (p->len > 0x7fffffff)/ @@ tests/app/hostile.sh @@ guard: CVE-2025-23016's lengths
app/fcgi_guard.c @@ s/    else if (first \&\& rec->padding_len != 0)/    else if (0)/ @@ tests/unit/guard @@ guard: a padded BEGIN_REQUEST
app/fcgi_guard.c @@ s/\&\& rec->type != FCGI_BEGIN_REQUEST \&\& rec->content_len == 0) {/\&\& rec->type != FCGI_BEGIN_REQUEST \&\& 0) {/ @@ tests/unit/guard @@ guard: an empty record of another request
app/fcgi_guard.c @@ s/    } else if (id == FCGI_NULL_REQUEST_ID \&\& !st->ready \&\& rec->type != FCGI_GET_VALUES/    } else if (0 \&\& rec->type != FCGI_GET_VALUES/ @@ tests/unit/guard @@ guard: a management record of unknown type
app/fcgi_guard.c @@ s/    if (!st->ready \&\& rec->type == FCGI_BEGIN_REQUEST \&\& begin_refused(rec, r, st->request_id < 0))/    if (!st->ready \&\& rec->type == FCGI_BEGIN_REQUEST \&\& st->request_id < 0 \&\& begin_refused(rec, r, true))/ @@ tests/unit/guard @@ guard: a later BEGIN_REQUEST libfcgi refuses
app/fcgi_guard.c @@ s/    if (!st->ready \&\& id == st->request_id \&\& rec->type != FCGI_PARAMS/    if (0 \&\& id == st->request_id \&\& rec->type != FCGI_PARAMS/ @@ tests/unit/guard @@ guard: a record of the request amid its parameters
app/fcgi_guard.h @@ s/GUARD_WINDOW = 65536/GUARD_WINDOW = 16384/ @@ tests/app/request-start.sh tests/unit/intake @@ guard: the 64 KiB limit
app/fcgi_guard.c @@ s/return r.verdict == GUARD_MORE \&\& r.need > GUARD_WINDOW ? verdict(GUARD_TOO_LARGE) : r;/return r;/ @@ tests/unit/guard @@ guard: too large answered 431
app/respond.c @@ s/        len -= sizeof BODY - 1;/        len -= 0;/ @@ tests/nginx/http.sh @@ HEAD: no body
app/respond.c @@ s/^    "Content-Type: text\/plain; charset=utf-8\\r\\n"$/    "Status: 200 OK\\r\\n" "Content-Type: text\/plain; charset=utf-8\\r\\n"/ @@ tests/nginx/http.sh @@ no Status line
app/options.c @@ s/enum { THREADS_MAX = 1024,/enum { THREADS_MAX = 4096,/ @@ tests/app/options.sh @@ --threads: 1-1024
app/options.c @@ s/"HELLO_FCGI_SOCKET_MODE", SOCKET_MODE_DEFAULT/"HELLO_FCGI_SOCKET_MOD", SOCKET_MODE_DEFAULT/ @@ tests/app/options.sh @@ HELLO_FCGI_SOCKET_MODE
app/options.c @@ s/"HELLO_FCGI_THREADS", THREADS_DEFAULT/"HELLO_FCGI_THREAD", THREADS_DEFAULT/ @@ tests/app/options.sh @@ HELLO_FCGI_THREADS
app/options.c @@ s/"HELLO_FCGI_LISTEN", LISTEN_DEFAULT/"HELLO_FCGI_LISTE", LISTEN_DEFAULT/ @@ tests/app/options.sh @@ HELLO_FCGI_LISTEN
app/address.c @@ s/    if (v < 1 || v > 65535) {/    if (v > 65535) {/ @@ tests/app/options.sh @@ --listen: port 0 refused
app/listen.c @@ s/    if (unlink(path) != 0 && errno != ENOENT) {/    if (-1) {/ @@ tests/app/options.sh @@ a stale socket is replaced
app/listen.c @@ s/    if (path != NULL && chmod(path, unix_mode) != 0) {/    if (0) {/ @@ tests/app/options.sh @@ --socket-mode is applied
app/main.c @@ s/    raise_fd_limit();/    (void)raise_fd_limit;/ @@ tests/app/descriptors.sh @@ the soft descriptor limit is raised
app/fcgi_client.c @@ s/                return "the status is not 200";/                ;/ @@ tests/app/healthcheck.sh @@ --healthcheck: status
app/fcgi_client.c @@ s/        return "the body is not \\"Hello World!\\"";/        ;/ @@ tests/app/healthcheck.sh @@ --healthcheck: body
nginx/hello-fcgi.conf @@ s/fastcgi_keep_conn on;/fastcgi_keep_conn off;/ @@ tests/nginx/nginx-upstream.sh @@ nginx: fastcgi_keep_conn
nginx/hello-fcgi.conf @@ s/    keepalive 512;// @@ tests/nginx/nginx-upstream.sh @@ nginx: keepalive pool
nginx/hello-fcgi.conf @@ s/        fastcgi_param REQUEST_METHOD  \$request_method;// @@ tests/nginx/nginx-upstream.sh @@ nginx: REQUEST_METHOD
nginx/hello-fcgi.conf @@ s/fastcgi_param CONTENT_LENGTH  \$content_length;// @@ tests/nginx/nginx-upstream.sh @@ nginx: CONTENT_LENGTH
nginx/hello-fcgi.conf @@ s/fastcgi_param REQUEST_ID      \$request_id;// @@ tests/nginx/nginx-upstream.sh @@ nginx: REQUEST_ID
nginx/hello-fcgi.conf @@ s/fastcgi_read_timeout 10s;/fastcgi_read_timeout 60s;/ @@ tests/nginx/nginx-upstream.sh @@ nginx: fastcgi_read_timeout
nginx/hello-fcgi.conf @@ s/client_max_body_size 1m;/client_max_body_size 10m;/ @@ tests/nginx/http-limits.sh @@ nginx: client_max_body_size
nginx/hello-fcgi.conf @@ s/client_body_timeout 10s;/client_body_timeout 30s;/ @@ tests/nginx/body-timeout.sh @@ nginx: client_body_timeout
nginx/hello-fcgi.conf @@ s/client_header_timeout 10s;/client_header_timeout 60s;/ @@ tests/nginx/http-limits.sh @@ nginx: client_header_timeout
nginx/hello-fcgi.conf @@ s/large_client_header_buffers 4 8k;/large_client_header_buffers 4 64k;/ @@ tests/nginx/http-limits.sh @@ nginx: large_client_header_buffers
nginx/hello-fcgi.conf @@ s/    server_tokens off;// @@ tests/nginx/http.sh @@ nginx: server_tokens
frontends/apache.conf @@ s/^    SetEnv ap_trust_cgilike_cl 1// @@ tests/frontends/apache.sh @@ Apache: exact Content-Length
EOM
}

work=$(mktemp -d "${TMPDIR:-/tmp}/hello-fcgi-mutants.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT
echo "# copying and building the work tree in $work"
(cd "$src" && git ls-files -co --exclude-standard -z) \
    | (cd "$src" && xargs -0 cp --parents -t "$work") || exit 99
(cd "$work" && ./autogen.sh && ./configure && make -j2 && make -j2 check TESTS=) \
    >"$work/build.log" 2>&1 || { tail -n 30 "$work/build.log"; exit 99; }

total=0 killed=0 survivors=""
mutants | grep -E -- "${MUTANTS:-.}" >"$work/list"
while read -r line; do
    field() { printf '%s\n' "$line" | awk -F ' @@ ' -v n="$1" '{print $n}'; }
    file=$(field 1) expr=$(field 2) tests=$(field 3) what=$(field 4)
    total=$((total + 1))
    cp "$work/$file" "$work/mutant.orig"
    sed -i -e "$expr" "$work/$file"
    if cmp -s "$work/$file" "$work/mutant.orig"; then
        echo "ERROR  $what: the expression no longer changes $file"
        survivors="$survivors
  $what (stale)"
        continue
    fi
    if (cd "$work" && make -j2 >/dev/null 2>&1 && make check TESTS="$tests" >/dev/null 2>&1); then
        echo "LIVED  $what ($file; $tests)"
        survivors="$survivors
  $what"
    else
        echo "killed $what ($tests)"
        killed=$((killed + 1))
    fi
    cp "$work/mutant.orig" "$work/$file"
    touch "$work/$file"
done <"$work/list"
echo "# $killed of $total mutants killed${survivors:+; survivors:$survivors}"
[ "$killed" -eq "$total" ]
