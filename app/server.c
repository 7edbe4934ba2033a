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
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "connection.h"
#include "fcgi_client.h"
#include "log.h"
#include "metrics.h"
#include "replies.h"

/*
 * Why the workers wait in epoll, and never on a peer
 *
 * libfcgi's own loop (FCGX_Accept_r on a listening socket) blocks a thread
 * in read() for as long as a peer takes to send its request, and with
 * fastcgi_keep_conn for as long as a kept connection stays idle: each
 * connection of nginx's keepalive pool, and each peer that sends half a
 * request, would pin a thread. So no worker ever waits on a peer. Every
 * connection waits in one epoll set that all workers wait on; the worker
 * that takes a ready connection reads what has arrived, and libfcgi gets a
 * request only once all of it is there (app/connection.c, app/handover.c).
 * A connection whose request is not whole waits in the set again, holding
 * no thread, until the rest comes or its deadline (app/deadlines.c) passes;
 * the timer's tick in the set wakes a worker to end those past it. The
 * threads only bound how many requests are *in progress*; any number of
 * idle or slow connections cost a descriptor each. No accept mutex: the
 * listening socket is non-blocking and every worker may accept from it.
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
 * the same number. A deadline's sweep takes connections the same way.
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
enum { QUIET_MS = 1000, LINGER_MAX_MS = 5000 };

/* The most descriptors the app keeps open: 2^20, the kernel's default
 * fs.nr_open and Docker's default limit. The claims and connection tables
 * take about 150 bytes a descriptor, touched only as descriptors are used. */
enum { CONNECTIONS_MAX = 1 << 20 };

/* The events a worker takes from the set at once. Since no turn waits on
 * a peer (a request reaches libfcgi whole), a worker holding a few ready
 * connections keeps none of them waiting long, and one epoll_wait serves
 * several requests under load. */
enum { EVENTS_MAX = 16 };

/* How often the deadlines are looked at: the granularity of every bound. */
enum { TICK_MS = 100 };
/* The connections a sweep takes from the list at a time. */
enum { SWEEP_MAX = 256 };

struct server {
    int listen_fd;
    int wake_fd;  /* readable once a stop is requested */
    int timer_fd; /* ticks every TICK_MS */
    pthread_t main_thread;
    atomic_bool failed;
    struct connections cs;
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

/* Arms fd (the listener or the timer) in the set for one wake-up
 * (EPOLLONESHOT), so that one worker wakes for it instead of all, with op
 * EPOLL_CTL_ADD or EPOLL_CTL_MOD. Returns epoll_ctl's result. */
static int arm_once(struct server *s, int fd, int op)
{
    struct epoll_event ev = {.events = EPOLLIN | EPOLLONESHOT, .data.u64 = (unsigned)fd};
    return epoll_ctl(s->cs.epoll_fd, op, fd, &ev);
}

/* Arms fd for its next wake-up. Only MOD: a stop has removed the listener
 * from the set (ENOENT), and it must stay out. */
static void rearm(struct server *s, int fd)
{
    if (arm_once(s, fd, EPOLL_CTL_MOD) != 0 && errno != ENOENT) {
        log_errno(errno, "epoll_ctl rearm");
        stop_on_failure(s);
    }
}

/* Accepts one connection and serves it at once if its request is already
 * there, as it usually is: no epoll round trip for a new connection. */
static void accept_connection(struct server *s, struct worker *w)
{
    claim_token t = connection_accept(&s->cs, s->listen_fd);
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
        rearm(s, s->listen_fd);
        return;
    }
    rearm(s, s->listen_fd);
    /* Not yet in the set: if it waits, adding it there reports what has
     * come since, the peer's end included. */
    connection_serve(&s->cs, w, t, 0);
}

/* A tick: every connection past its deadline, or closing, gets a turn.
 * All of them, in batches: a connection closing waits for its turn to see
 * its peer's end, and a front end that opens a connection per request
 * closes thousands a second, which must not pile up. */
static void sweep(struct server *s, struct worker *w)
{
    uint64_t ticks;
    if (read(s->timer_fd, &ticks, sizeof ticks) < 0 && errno != EAGAIN)
        log_errno(errno, "read timerfd");
    long long now = fcgi_now_ms();
    size_t batches = deadlines_count(&s->cs.deadlines) / SWEEP_MAX + 1;
    uint64_t due[SWEEP_MAX];
    for (size_t b = 0; b < batches; b++) {
        size_t n = deadlines_due(&s->cs.deadlines, now, due, SWEEP_MAX);
        for (size_t i = 0; i < n; i++)
            connection_event(&s->cs, w, due[i], CONNECTION_TO_END);
        if (n < SWEEP_MAX)
            break;
    }
    rearm(s, s->timer_fd);
}

/* After a stop: serve the connections whose next request has already
 * arrived, so that nothing nginx handed over is dropped, then leave. */
static void drain(struct server *s, struct worker *w)
{
    for (;;) {
        struct epoll_event evs[16];
        int n = epoll_wait(s->cs.epoll_fd, evs, 16, 0);
        if (n < 0 && errno == EINTR)
            continue;
        int served = 0;
        for (int i = 0; i < n; i++) {
            claim_token t = evs[i].data.u64;
            if (t != (unsigned)s->wake_fd && t != (unsigned)s->listen_fd
                && t != (unsigned)s->timer_fd) {
                connection_event(&s->cs, w, t, evs[i].events);
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
    struct worker *w = malloc(sizeof *w);
    if (w == NULL || handover_init(&w->handover) != 0) {
        if (w == NULL)
            log_errno(errno, "malloc worker");
        free(w);
        stop_on_failure(s);
        return NULL;
    }
    for (bool stop = false; !stop;) {
        struct epoll_event evs[EVENTS_MAX];
        int n = epoll_wait(s->cs.epoll_fd, evs, EVENTS_MAX, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            log_errno(errno, "epoll_wait");
            stop_on_failure(s);
            break;
        }
        for (int i = 0; i < n; i++) {
            uint64_t id = evs[i].data.u64;
            if (id == (unsigned)s->wake_fd)
                stop = true;
            else if (id == (unsigned)s->listen_fd)
                accept_connection(s, w);
            else if (id == (unsigned)s->timer_fd)
                sweep(s, w);
            else
                connection_event(&s->cs, w, id, evs[i].events);
        }
    }
    drain(s, w);
    handover_free(&w->handover);
    free(w);
    return NULL;
}

/* Takes the connections waiting in the backlog and parks them for the
 * workers: shutdown() would reset them, and a front end may already have
 * written a request on one, which it does not send again if it is a POST.
 * The listener does not block (listen.c), so this ends when none is left. */
static void adopt_backlog(struct server *s)
{
    for (;;) {
        claim_token t = connection_accept(&s->cs, s->listen_fd);
        if (t == 0) {
            if (errno == ECONNABORTED || errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                log_errno(errno, "accept at stop");
            return;
        }
        connection_adopt(&s->cs, t);
    }
}

/* Stops accepting at once; the connections already open, and those waiting
 * in the backlog, are still served and kept ("Why a stop lingers" above). */
static void begin_stop(struct server *s)
{
    if (epoll_ctl(s->cs.epoll_fd, EPOLL_CTL_DEL, s->listen_fd, NULL) != 0)
        log_errno(errno, "epoll_ctl del listener");
    adopt_backlog(s);
    /* shutdown() makes new connections fail now while leaving the descriptor
     * valid for a worker that is still inside accept4(). */
    if (shutdown(s->listen_fd, SHUT_RDWR) != 0 && errno != ENOTCONN)
        log_errno(errno, "shutdown listener");
}

/* After begin_stop: serves on while front ends may still send on the
 * connections already open ("Why a stop lingers" above), then wakes the
 * workers to finish what has arrived and leave; the connections still
 * parked close when the process exits. */
static void linger_then_end(struct server *s)
{
    const struct timespec tick = {.tv_nsec = 20 * 1000 * 1000};
    long long start = fcgi_now_ms(), quiet_since = start;
    unsigned long long seen = atomic_load(&s->cs.served);
    while (!atomic_load(&s->failed)) {
        if (atomic_load(&s->cs.open) == 0)
            break;
        unsigned busy = atomic_load(&s->cs.in_progress);
        long long now = fcgi_now_ms();
        unsigned long long served = atomic_load(&s->cs.served);
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
    atomic_store(&s->cs.leaving, true);
    /* The requests begun are finished, or end at their bound: a stop loses
     * none that has started (their connections then close). */
    const long long until = fcgi_now_ms() + CONNECTION_BOUND_S * 1000LL + 2 * TICK_MS;
    while (!atomic_load(&s->failed) && atomic_load(&s->cs.in_progress) != 0
           && fcgi_now_ms() < until) {
        if (nanosleep(&tick, NULL) != 0 && errno != EINTR) {
            log_errno(errno, "nanosleep");
            break;
        }
    }
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
    s->cs.unix_listener = domain == AF_UNIX;
    if (s->cs.unix_listener)
        return 0;
    if (connection_set_send_timeout(s->listen_fd) != 0
        || setsockopt(s->listen_fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) != 0) {
        log_errno(errno, "setsockopt on the listening socket");
        return -1;
    }
    return 0;
}

/* Makes the connection tables for CONNECTIONS_MAX descriptors and lowers
 * the soft descriptor limit to that if it is above, so that accept4 fails
 * with EMFILE (a pause, not an error) before a descriptor falls outside the
 * tables. What FCGI_GET_VALUES_RESULT says follows from that limit.
 * Returns 0, or -1 after a log line. */
static int setup_connections(struct server *s)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        log_errno(errno, "getrlimit RLIMIT_NOFILE");
        return -1;
    }
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > CONNECTIONS_MAX) {
        rl.rlim_cur = CONNECTIONS_MAX;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
            log_errno(errno, "setrlimit RLIMIT_NOFILE");
            return -1;
        }
    }
    /* Every descriptor may be a connection, and each connection carries
     * one request at a time; whatever waits beyond the workers waits in
     * the set. */
    const struct reply_values v = {.max_conns = rl.rlim_cur, .max_reqs = rl.rlim_cur};
    replies_set_values(&v);
    return connections_init(&s->cs, CONNECTIONS_MAX);
}

/* Opens the epoll set, the wake event and the timer and puts them and the
 * listener in the set. Returns 0, or -1 after a log line; what it opened
 * is in s either way (-1 if not opened), for server_run() to close. */
static int setup(struct server *s, int listen_fd)
{
    s->listen_fd = listen_fd;
    if (configure_listener(s) != 0 || setup_connections(s) != 0)
        return -1;
    s->main_thread = pthread_self();
    s->cs.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (s->cs.epoll_fd < 0) {
        log_errno(errno, "epoll_create1");
        return -1;
    }
    s->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (s->wake_fd < 0) {
        log_errno(errno, "eventfd");
        return -1;
    }
    s->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    const struct itimerspec every = {.it_interval.tv_nsec = TICK_MS * 1000000L,
                                     .it_value.tv_nsec = TICK_MS * 1000000L};
    if (s->timer_fd < 0 || timerfd_settime(s->timer_fd, 0, &every, NULL) != 0) {
        log_errno(errno, "timerfd");
        return -1;
    }
    /* The wake event is level-triggered: it stays ready so that every
     * worker sees it. The listener and the timer wake one worker each. */
    struct epoll_event wev = {.events = EPOLLIN, .data.u64 = (unsigned)s->wake_fd};
    if (arm_once(s, s->listen_fd, EPOLL_CTL_ADD) != 0
        || arm_once(s, s->timer_fd, EPOLL_CTL_ADD) != 0
        || epoll_ctl(s->cs.epoll_fd, EPOLL_CTL_ADD, s->wake_fd, &wev) != 0) {
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
                    atomic_load(&s->cs.in_progress));
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
    s.cs.epoll_fd = s.wake_fd = s.timer_fd = -1;
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
    result->served = atomic_load(&s.cs.served);
    result->failed = atomic_load(&s.failed);
    result->signo = result->failed ? 0 : signo;
    status = 0;

cleanup:
    /* The one way out: whatever setup() opened is closed here. */
    if (s.timer_fd >= 0)
        close(s.timer_fd);
    if (s.wake_fd >= 0)
        close(s.wake_fd);
    if (s.cs.epoll_fd >= 0)
        close(s.cs.epoll_fd);
    connections_free(&s.cs);
    return status;
}
