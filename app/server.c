#include <config.h>

#include "server.h"

#include <errno.h>
#include <fcgiapp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "admission.h"
#include "claims.h"
#include "log.h"
#include "metrics.h"
#include "peer.h"
#include "refuse.h"
#include "respond.h"

/*
 * Why the workers wait in epoll and not in FCGX_Accept_r
 *
 * With fastcgi_keep_conn, libfcgi keeps the connection after a request and the
 * next FCGX_Accept_r on that request blocks reading it, with no timeout. Each
 * idle connection in nginx's keepalive pool would pin a worker thread, and
 * once the pool held as many connections as there are threads, new
 * connections would wait in the backlog until nginx gave up on them.
 *
 * So idle connections do not occupy a worker. Every kept connection waits
 * in one epoll set that all workers wait on. The worker that takes a ready
 * connection hands its descriptor to libfcgi through FCGX_Request.ipcFd,
 * and FCGX_Accept_r reads the request from it instead of accepting; after
 * FCGX_Finish_r a kept connection waits in the set again. The threads only
 * bound how many requests are *in progress*; any number of idle
 * connections cost a descriptor each. No accept mutex: the listening
 * socket is non-blocking and every worker may accept from it.
 *
 * Why a connection is claimed
 *
 * A connection is added to the set once, edge-triggered, and stays there
 * until it is closed: re-arming it after every request (EPOLLONESHOT) cost
 * an epoll_ctl per request, the largest single cost against the limit
 * (docs/performance.md, "What each part costs"). Without one-shot, a
 * connection can wake a second worker while the first still serves it
 * (the rest of a request that arrives in pieces, a close). The claims
 * table (app/claims.c) keeps that second worker out: it takes a connection
 * only if no worker holds it, and otherwise tells the holder, which looks
 * at the connection again before it lets go, since the edge that woke the
 * second worker will not come back. Each connection a descriptor number
 * carries has a generation of its own, in the event's data, so that an
 * event queued for a connection since closed cannot take the next one on
 * the same number.
 *
 * A request that has started but stalls (a peer that sends half a record)
 * pins its worker for at most IO_TIMEOUT_S: the socket's receive and send
 * timeouts make libfcgi's blocking reads and writes fail.
 *
 * Before libfcgi reads a request, admission_check() (app/admission.c) peeks
 * at its start and lets it through only once fcgi_guard() has seen all of
 * its parameters with sane lengths: libfcgi would abort the whole process
 * on some lengths. A request whose start is too long to be checked is
 * answered 431 without libfcgi (app/refuse.c).
 *
 * Why a stop lingers, and never closes a connection in use
 *
 * A front end learns of a stop late: in a Swarm, a node's nginx goes on
 * sending to a replica on another node until Docker's DNS there drops it,
 * which can take seconds after the replica's own node did. nginx retries a
 * request whose connect fails, even a POST, but never a POST it has written
 * to a kept connection: any close of a kept connection races nginx's next
 * request on it, and loses that request if it is a POST. Closing the idle
 * connections at SIGTERM lost POSTs that way, and so did closing each one
 * right after its answer (tests/nginx/replica-stop.sh). So at a stop the
 * app takes what waits in the backlog, the listener then refuses (a
 * refused connect is retried elsewhere), and the connections open are
 * served and kept as before. The app closes them only once no connection
 * is open, or none has carried a request (answered, or in progress) for
 * QUIET_MS (nginx no longer chooses this replica: the DNS change reached
 * it), or after LINGER_MAX_MS in all, below Docker's default 10 s stop
 * grace period, for a front end that never learns.
 */
enum { IO_TIMEOUT_S = 10, QUIET_MS = 1000, LINGER_MAX_MS = 5000 };

/* The most descriptors the app keeps open: 2^20, the kernel's default
 * fs.nr_open and Docker's default limit. The claims table takes 8 bytes a
 * descriptor, touched only as descriptors are used. */
enum { CLAIMS_MAX = 1 << 20 };

struct server {
    int listen_fd;
    int epoll_fd;
    int wake_fd; /* readable once a stop is requested */
    pthread_t main_thread;
    atomic_bool leaving; /* the stop's linger is over: close after answers */
    atomic_bool failed;
    atomic_ullong served;
    atomic_uint in_progress; /* accepted by FCGX_Accept_r, not yet finished */
    atomic_uint open;        /* connections accepted and not yet closed */
    struct claims claims;    /* which worker holds each connection */
    bool unix_listener;      /* its connections need their timeouts set */
};

/* Ends the server from a worker that cannot go on: the main thread is
 * waiting for a signal, so it gets one, and the exit status will say so. */
static void stop_on_failure(struct server *s)
{
    atomic_store(&s->failed, true);
    int rc = pthread_kill(s->main_thread, SIGTERM);
    if (rc != 0)
        log_errno(rc, "pthread_kill");
}

/* Arms the listener in the set for one wake-up (EPOLLONESHOT) with op,
 * EPOLL_CTL_ADD or EPOLL_CTL_MOD. Returns epoll_ctl's result: 0, or -1 with
 * errno set. */
static int arm_listener(struct server *s, int op)
{
    struct epoll_event ev = {.events = EPOLLIN | EPOLLONESHOT, .data.u64 = (unsigned)s->listen_fd};
    return epoll_ctl(s->epoll_fd, op, s->listen_fd, &ev);
}

/* Makes a held connection wait in the set for its next request. It is
 * added once, edge-triggered, and stays until it is closed: no epoll_ctl
 * per request. Returns 0, or -1 with errno set. */
static int enlist(struct server *s, claim_token t)
{
    if (claims_in_set(&s->claims, t))
        return 0;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.u64 = t};
    if (epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, claim_fd(t), &ev) != 0)
        return -1;
    claims_mark_in_set(&s->claims, t);
    return 0;
}

/* The I/O timeouts that bound a stalled request, on a connection or on the
 * listening socket: TCP connections inherit the listener's options, unix
 * ones do not. Returns 0, or -1 with errno set. */
static int set_timeouts(int fd)
{
    const struct timeval tv = {.tv_sec = IO_TIMEOUT_S};
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0
        || setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0)
        return -1;
    return 0;
}

static void serve(struct server *s, FCGX_Request *req, claim_token t);

/* The listener is one-shot, so that one worker wakes per connection
 * instead of all racing to accept it; this arms it for the next one. Only
 * MOD: a stop has removed it from the set (ENOENT), and it must stay
 * out. */
static void rearm_listener(struct server *s)
{
    if (arm_listener(s, EPOLL_CTL_MOD) != 0 && errno != ENOENT) {
        log_errno(errno, "epoll_ctl listener");
        stop_on_failure(s);
    }
}

/* Takes one connection from the backlog, counted open and held by the
 * caller. Returns its token, or 0 with errno set by accept4. */
static claim_token take_connection(struct server *s)
{
    /* Counted open before it exists, so that a stop never reads none open
     * while a connection is being taken. */
    atomic_fetch_add(&s->open, 1);
    int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) {
        atomic_fetch_sub(&s->open, 1);
        return 0;
    }
    claim_token t = claims_new(&s->claims, fd);
    if (t == 0) {
        /* Only past CLAIMS_MAX descriptors, with the limit raised from
         * outside: EMFILE makes the caller pause as when out of them. */
        log_msg("closed a connection: descriptor %d is beyond the claims table", fd);
        close(fd);
        atomic_fetch_sub(&s->open, 1);
        errno = EMFILE;
        return 0;
    }
    metrics_accepted();
    return t;
}

/* Gives a new unix connection the timeouts a TCP one inherits. Cannot fail
 * on a socket accept4 just returned; without them only the stall bound
 * would be lost. */
static void inherit_timeouts(struct server *s, claim_token t)
{
    if (s->unix_listener && set_timeouts(claim_fd(t)) != 0)
        log_errno(errno, "setsockopt timeouts");
}

/* Accepts one connection and serves it at once if its request is already
 * there, as it usually is: no epoll round trip for a new connection. */
static void accept_connection(struct server *s, FCGX_Request *req)
{
    claim_token t = take_connection(s);
    if (t == 0) {
        switch (errno) {
        case EAGAIN: /* none left */
        case EINTR:
        case ECONNABORTED: /* the peer gave up while in the backlog */
        case EPROTO:
        case EINVAL: /* the listener was shut down by a stop */
            break;
        case EMFILE:
        case ENFILE:
        case ENOBUFS:
        case ENOMEM: {
            /* Out of descriptors or memory: the backlog stays readable, so
             * pause before the listener is armed again instead of spinning,
             * while the other workers serve the kept connections whose
             * closing will free room. */
            log_errno(errno, "accept");
            metrics_descriptor_pause();
            const struct timespec pause = {.tv_nsec = 100 * 1000 * 1000};
            if (nanosleep(&pause, NULL) != 0 && errno != EINTR)
                log_errno(errno, "nanosleep");
            break;
        }
        default:
            log_errno(errno, "accept");
            stop_on_failure(s);
            return;
        }
        rearm_listener(s);
        return;
    }
    rearm_listener(s);
    inherit_timeouts(s, t);
    serve(s, req, t);
}

/* Logs why admission closes a connection, naming its peer, and closes
 * it. */
static void reject(int fd, const struct admission *a)
{
    char peer[PEER_NAME_MAX];
    peer_name(fd, peer, sizeof peer);
    switch (a->outcome) {
    case ADMISSION_REFUSED:
        metrics_outcome(METRICS_REFUSED_BY_GUARD);
        if (a->value >= 0)
            log_msg("refused a FastCGI connection from %s: %s: %ld", peer, a->why, a->value);
        else
            log_msg("refused a FastCGI connection from %s: %s", peer, a->why);
        break;
    case ADMISSION_STALLED:
        metrics_outcome(METRICS_TIMED_OUT);
        log_msg("closed a FastCGI connection from %s after %zu bytes: its start stalled", peer,
                a->have);
        break;
    case ADMISSION_PEER_CLOSED:
        /* have 0: a kept connection that the front end closed, or reset */
        if (a->have == 0)
            break;
        metrics_outcome(METRICS_PEER_GONE);
        log_msg("closed a FastCGI connection from %s after %zu bytes: the peer closed it"
                " before the request's start was complete",
                peer, a->have);
        break;
    case ADMISSION_ERROR:
        metrics_outcome(METRICS_PEER_GONE);
        log_errno(a->err, "closed a FastCGI connection from %s after %zu bytes: %s", peer, a->have,
                  a->why);
        break;
    case ADMISSION_READY:
    case ADMISSION_WAIT:
    case ADMISSION_TOO_LARGE:
        break;
    }
    close(fd);
}

/* Serves the request waiting on a held connection, and puts it in the set
 * if the front end keeps it. Returns true if it is to wait there, false if
 * it is closed. */
static bool serve_connection(struct server *s, FCGX_Request *req, claim_token t)
{
    int fd = claim_fd(t);
    struct admission a = admission_check(fd, IO_TIMEOUT_S * 1000);
    switch (a.outcome) {
    case ADMISSION_READY:
        break;
    case ADMISSION_WAIT:
        if (enlist(s, t) == 0)
            return true;
        log_errno(errno, "epoll_ctl connection");
        close(fd);
        return false;
    case ADMISSION_TOO_LARGE:
        metrics_outcome(METRICS_REFUSED_TOO_LARGE);
        if (refuse_too_large(fd, IO_TIMEOUT_S * 1000) > 0 && !atomic_load(&s->leaving)
            && enlist(s, t) == 0)
            return true;
        close(fd);
        return false;
    case ADMISSION_REFUSED:
    case ADMISSION_STALLED:
    case ADMISSION_PEER_CLOSED:
    case ADMISSION_ERROR:
        reject(fd, &a);
        return false;
    }
    req->ipcFd = fd;
    /* FCGX_Accept_r starts by finishing the previous request, which closes
     * the descriptor unless the connection is marked as kept. */
    req->keepConnection = 1;
    if (FCGX_Accept_r(req) < 0) {
        /* libfcgi has closed it: end of stream, a timeout or a protocol
         * error. It then tried to accept a replacement on listen_sock -1,
         * which failed at once, so no worker ever blocks in accept. */
        return false;
    }
    atomic_fetch_add(&s->in_progress, 1);
    unsigned long long t0 = metrics_request_begin();
    if (respond(req) == 0)
        atomic_fetch_add_explicit(&s->served, 1, memory_order_relaxed);
    metrics_request_end(req, t0); /* before FCGX_Finish_r frees the parameters */
    /* A connection the front end does not keep: libfcgi would half-close
     * it and then wait, up to 2 s, for the peer to close its end, holding
     * this worker for a round trip. respond() has read the request to its
     * end, so nothing unread can turn a close into a reset: close it here
     * as soon as libfcgi has written the end of the answer. */
    bool kept = req->keepConnection != 0;
    req->keepConnection = 1;
    FCGX_Finish_r(req);
    atomic_fetch_sub(&s->in_progress, 1);
    if (req->ipcFd < 0)
        return false; /* libfcgi closed it after an error */
    req->ipcFd = -1;
    if (kept && !atomic_load(&s->leaving) && enlist(s, t) == 0)
        return true;
    close(fd);
    return false;
}

/* serve_connection() until the connection is released to the set or
 * closed; keeps the count of open connections that tells a stop when none
 * is left. */
static void serve(struct server *s, FCGX_Request *req, claim_token t)
{
    while (serve_connection(s, req, t)) {
        /* Counted idle before it is released: a worker may take it, and
         * count it out, as soon as it is. */
        metrics_parked();
        if (claims_release(&s->claims, t))
            return;
        /* An event came while it was held: bytes arrived that may be its
         * next request, and no other event will say so. */
        metrics_unparked();
    }
    claims_closed(&s->claims, t);
    atomic_fetch_sub(&s->open, 1);
}

/* Serves the connection an event names, unless another worker holds it
 * (which then looks again) or it has closed since. */
static void serve_event(struct server *s, FCGX_Request *req, claim_token t)
{
    if (!claims_take(&s->claims, t))
        return;
    metrics_unparked();
    serve(s, req, t);
}

/* After a stop: serve the connections whose next request has already
 * arrived, so that nothing nginx handed over is dropped, then leave. */
static void drain(struct server *s, FCGX_Request *req)
{
    for (;;) {
        struct epoll_event evs[16];
        int n = epoll_wait(s->epoll_fd, evs, 16, 0);
        if (n < 0 && errno == EINTR)
            continue;
        int served = 0;
        for (int i = 0; i < n; i++) {
            claim_token t = evs[i].data.u64;
            if (t != (unsigned)s->wake_fd && t != (unsigned)s->listen_fd) {
                serve_event(s, req, t);
                served++;
            }
        }
        if (served == 0)
            return;
    }
}

/* A worker thread: takes ready descriptors from the set until a stop.
 * Returns NULL (how it ended shows in s->failed). */
static void *worker(void *arg)
{
    struct server *s = arg;
    FCGX_Request req;
    /* listen_sock -1: see serve_connection(). */
    if (FCGX_InitRequest(&req, -1, 0) != 0) {
        log_msg("FCGX_InitRequest failed");
        stop_on_failure(s);
        return NULL;
    }
    for (;;) {
        struct epoll_event ev;
        int n = epoll_wait(s->epoll_fd, &ev, 1, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            log_errno(errno, "epoll_wait");
            stop_on_failure(s);
            break;
        }
        if (ev.data.u64 == (unsigned)s->wake_fd) {
            drain(s, &req);
            break;
        }
        if (ev.data.u64 == (unsigned)s->listen_fd)
            accept_connection(s, &req);
        else
            serve_event(s, &req, ev.data.u64);
    }
    FCGX_Free(&req, 0);
    return NULL;
}

/* Takes the connections waiting in the backlog and parks them for the
 * workers: shutdown() would reset them, and a front end may already have
 * written a request on one, which it does not send again if it is a POST.
 * The listener does not block (listen.c), so this ends when none is left. */
static void adopt_backlog(struct server *s)
{
    for (;;) {
        claim_token t = take_connection(s);
        if (t == 0) {
            if (errno == ECONNABORTED || errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                log_errno(errno, "accept at stop");
            return;
        }
        inherit_timeouts(s, t);
        /* Released before it is added: this thread serves nothing, so the
         * first event must find it free for a worker to take. Nothing can
         * have come for it while it was out of the set. */
        claims_mark_in_set(&s->claims, t);
        metrics_parked();
        (void)claims_release(&s->claims, t);
        struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.u64 = t};
        if (epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, claim_fd(t), &ev) != 0) {
            log_errno(errno, "epoll_ctl connection");
            if (claims_take(&s->claims, t)) {
                metrics_unparked();
                close(claim_fd(t));
                claims_closed(&s->claims, t);
                atomic_fetch_sub(&s->open, 1);
            }
        }
    }
}

/* Stops accepting at once; the connections already open, and those waiting
 * in the backlog, are still served and kept ("Why a stop lingers" above). */
static void begin_stop(struct server *s)
{
    if (epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, s->listen_fd, NULL) != 0)
        log_errno(errno, "epoll_ctl del listener");
    adopt_backlog(s);
    /* shutdown() makes new connections fail now while leaving the descriptor
     * valid for a worker that is still inside accept4(). */
    if (shutdown(s->listen_fd, SHUT_RDWR) != 0 && errno != ENOTCONN)
        log_errno(errno, "shutdown listener");
}

static long long monotonic_ms(void)
{
    struct timespec t;
    if (clock_gettime(CLOCK_MONOTONIC, &t) != 0)
        return 0; /* cannot fail for CLOCK_MONOTONIC */
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* After begin_stop: serves on while front ends may still send on the
 * connections already open ("Why a stop lingers" above), then wakes the
 * workers to finish what has arrived and leave; the connections still
 * parked close when the process exits. */
static void linger_then_end(struct server *s)
{
    const struct timespec tick = {.tv_nsec = 20 * 1000 * 1000};
    long long start = monotonic_ms(), quiet_since = start;
    unsigned long long seen = atomic_load(&s->served);
    while (!atomic_load(&s->failed)) {
        if (atomic_load(&s->open) == 0)
            break;
        unsigned busy = atomic_load(&s->in_progress);
        long long now = monotonic_ms();
        unsigned long long served = atomic_load(&s->served);
        if (busy != 0 || served != seen) {
            seen = served;
            quiet_since = now;
        } else if (now - quiet_since >= QUIET_MS) {
            break;
        }
        if (now - start >= LINGER_MAX_MS)
            break;
        if (nanosleep(&tick, NULL) != 0 && errno != EINTR) {
            log_errno(errno, "nanosleep");
            break;
        }
    }
    atomic_store(&s->leaving, true);
    if (eventfd_write(s->wake_fd, 1) != 0)
        log_errno(errno, "eventfd_write");
}

/* TCP connections inherit these from the listener: set once, not per
 * connection. libfcgi sets TCP_NODELAY for IPv4 only; the answer's records
 * must not wait for delayed ACKs on IPv6 either. Returns 0, or -1 after a
 * log line. */
static int configure_listener(struct server *s)
{
    int domain, on = 1;
    socklen_t len = sizeof domain;
    if (getsockopt(s->listen_fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0) {
        log_errno(errno, "getsockopt SO_DOMAIN");
        return -1;
    }
    s->unix_listener = domain == AF_UNIX;
    if (s->unix_listener)
        return 0;
    if (set_timeouts(s->listen_fd) != 0
        || setsockopt(s->listen_fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) != 0) {
        log_errno(errno, "setsockopt on the listening socket");
        return -1;
    }
    return 0;
}

/* Makes the claims table for CLAIMS_MAX descriptors and lowers the soft
 * descriptor limit to that if it is above, so that accept4 fails with
 * EMFILE (a pause, not an error) before a descriptor falls outside the
 * table. Returns 0, or -1 after a log line. */
static int setup_claims(struct server *s)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        log_errno(errno, "getrlimit RLIMIT_NOFILE");
        return -1;
    }
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > CLAIMS_MAX) {
        rl.rlim_cur = CLAIMS_MAX;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
            log_errno(errno, "setrlimit RLIMIT_NOFILE");
            return -1;
        }
    }
    if (claims_init(&s->claims, CLAIMS_MAX) != 0) {
        log_errno(errno, "claims table for %d descriptors", CLAIMS_MAX);
        return -1;
    }
    return 0;
}

/* Opens the epoll set and the wake event and puts the listener and the
 * wake event in the set. Returns 0, or -1 after a log line; what it opened
 * is in s either way (-1 if not opened), for server_run() to close. */
static int setup(struct server *s, int listen_fd)
{
    s->listen_fd = listen_fd;
    if (configure_listener(s) != 0 || setup_claims(s) != 0)
        return -1;
    s->main_thread = pthread_self();
    s->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (s->epoll_fd < 0) {
        log_errno(errno, "epoll_create1");
        return -1;
    }
    s->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (s->wake_fd < 0) {
        log_errno(errno, "eventfd");
        return -1;
    }
    /* The wake event is level-triggered: it stays ready so that every
     * worker sees it. The listener is one-shot (accept_connection()). */
    struct epoll_event wev = {.events = EPOLLIN, .data.u64 = (unsigned)s->wake_fd};
    if (arm_listener(s, EPOLL_CTL_ADD) != 0
        || epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, s->wake_fd, &wev) != 0) {
        log_errno(errno, "epoll_ctl add");
        return -1;
    }
    return 0;
}

/* Starts the workers and waits for a stop signal. Returns the signal's
 * number, or 0 if a worker failed or a call did (with a log line). The
 * workers have all left when it returns. */
static int run_workers(struct server *s, unsigned threads, const sigset_t *stop)
{
    pthread_t *tids = calloc(threads, sizeof *tids);
    if (tids == NULL) {
        log_errno(errno, "calloc");
        atomic_store(&s->failed, true);
        return 0;
    }
    unsigned started = 0;
    int rc;
    for (; started < threads; started++) {
        rc = pthread_create(&tids[started], NULL, worker, s);
        if (rc != 0) {
            log_errno(rc, "pthread_create (thread %u of %u)", started + 1, threads);
            atomic_store(&s->failed, true);
            break;
        }
    }

    int signo = 0;
    if (started == threads) {
        rc = sigwait(stop, &signo);
        if (rc != 0) {
            log_errno(rc, "sigwait");
            atomic_store(&s->failed, true);
        } else if (!atomic_load(&s->failed)) {
            log_msg("stopping on SIG%s with %u requests in progress", sigabbrev_np(signo),
                    atomic_load(&s->in_progress));
        }
    }
    begin_stop(s);
    linger_then_end(s);
    for (unsigned i = 0; i < started; i++) {
        rc = pthread_join(tids[i], NULL);
        if (rc != 0)
            log_errno(rc, "pthread_join");
    }
    free(tids);
    return signo;
}

int server_run(int listen_fd, unsigned threads, struct server_result *result)
{
    struct server s;
    memset(&s, 0, sizeof s);
    s.epoll_fd = s.wake_fd = -1;
    memset(result, 0, sizeof *result);
    int status = -1;
    if (setup(&s, listen_fd) != 0)
        goto cleanup;

    /* Block the stop signals in every thread and take them with sigwait()
     * here. libfcgi's own SIGTERM handler (installed by FCGX_Init) then never
     * runs, and no worker is interrupted in the middle of a request. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    int rc = pthread_sigmask(SIG_BLOCK, &stop, NULL);
    if (rc != 0) {
        log_errno(rc, "pthread_sigmask");
        goto cleanup;
    }

    int signo = run_workers(&s, threads, &stop);
    result->served = atomic_load(&s.served);
    result->failed = atomic_load(&s.failed);
    result->signo = result->failed ? 0 : signo;
    status = 0;

cleanup:
    /* The one way out: whatever setup() opened is closed here. */
    if (s.wake_fd >= 0)
        close(s.wake_fd);
    if (s.epoll_fd >= 0)
        close(s.epoll_fd);
    claims_free(&s.claims);
    return status;
}
