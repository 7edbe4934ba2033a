#include <config.h>

#include "metrics_server.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "exposition.h"
#include "fcgi_client.h"
#include "http_request.h"
#include "listen.h"
#include "log.h"
#include "metrics.h"

/*
 * Why the metrics leave through a listener of the app's own
 *
 * php-fpm answers its status page as a FastCGI request, and nginx bridges
 * it. Here that would not do what an operator needs: nginx balances its
 * upstream over the replicas, so a scrape through it reaches whichever
 * replica the balancer picks, never each one on its own; and every request
 * would pay a comparison of its path to tell status from traffic, with the
 * status one nginx location away from the public port. So the app listens
 * for HTTP itself, on a second port (--metrics-listen, 9101 in the image),
 * that Prometheus reaches on every replica by Docker's DNS (tasks.app in
 * Swarm, the service name with Compose) and that nothing publishes.
 *
 * What it costs: one thread, asleep in poll() but for a sample of the listen
 * queue once a second, one descriptor and 36 kB of buffers. The request
 * path pays only the counters (app/metrics.c), whether this is on or off.
 *
 * What it exposes: counters, gauges and the version, read-only; no request's
 * content, no configuration beyond the thread count and the slow-request
 * threshold. Anyone who reaches the port can read them, so it must stay on
 * the internal network (tests/nginx/public-port.sh: nothing through nginx's
 * public port reaches it).
 *
 * What parses untrusted bytes: the HTTP request's start, by
 * app/http_request.c, a strict parser with no allocation, over at most
 * METRICS_REQUEST_MAX bytes (431 beyond), fuzzed by
 * tests/fuzz/http_request.c. One connection is served at a time and each
 * has METRICS_CONNECTION_MS in all: a slow or hostile client can delay a
 * scrape by that much, and can never reach a FastCGI worker.
 */

enum { TICK_MS = 1000, BODY_MAX = 32768 };

static int listen_fd = -1;
static char request[METRICS_REQUEST_MAX];
static char body[BODY_MAX];
static char head[512];

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Reads the request's start; its parse, or HTTP_REQUEST_INCOMPLETE when the
 * client stopped or ran out of time or room (*full says room). */
static long read_request(int fd, long long deadline, struct http_request *r, int *full)
{
    size_t have = 0;
    *full = 0;
    for (;;) {
        long rc = http_request_parse(request, have, r);
        if (rc != HTTP_REQUEST_INCOMPLETE)
            return rc;
        if (have == sizeof request) {
            *full = 1;
            return HTTP_REQUEST_INCOMPLETE;
        }
        long long left = deadline - fcgi_now_ms();
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            return HTTP_REQUEST_INCOMPLETE;
        ssize_t n = recv(fd, request + have, sizeof request - have, 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            return HTTP_REQUEST_INCOMPLETE;
        have += (size_t)n;
    }
}

static int send_all(int fd, const char *p, size_t len, long long deadline)
{
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            long long left = deadline - fcgi_now_ms();
            struct pollfd pf = {.fd = fd, .events = POLLOUT};
            if (left <= 0 || poll(&pf, 1, (int)left) < 0)
                return -1;
            continue;
        }
        if (n < 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int target_is(const struct http_request *r, const char *path)
{
    size_t n = strlen(path);
    /* A query string is allowed and ignored. */
    return r->target_len >= n && memcmp(r->target, path, n) == 0
        && (r->target_len == n || r->target[n] == '?');
}

static void answer(int fd, long long deadline, const char *status, const char *type,
                   const char *extra, const char *text, size_t len, int with_body)
{
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s"
                     "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
                     status, type, len, extra);
    if (n < 0 || (size_t)n >= sizeof head)
        return;
    if (send_all(fd, head, (size_t)n, deadline) == 0 && with_body && len > 0)
        (void)send_all(fd, text, len, deadline); /* nothing to do if the client left */
}

#define TEXT "text/plain; charset=utf-8"
#define PLAIN(fd, deadline, status, extra, with_body)                                              \
    answer(fd, deadline, status, TEXT, extra, status "\n", sizeof status, with_body)

static void serve(int fd)
{
    long long deadline = fcgi_now_ms() + METRICS_CONNECTION_MS;
    struct http_request r;
    int full;
    long rc = read_request(fd, deadline, &r, &full);
    if (rc == HTTP_REQUEST_INCOMPLETE) {
        if (full)
            PLAIN(fd, deadline, "431 Request Header Fields Too Large", "", 1);
        return; /* gone or out of time: nothing to answer */
    }
    if (rc == HTTP_REQUEST_BAD) {
        PLAIN(fd, deadline, "400 Bad Request", "", 1);
        return;
    }
    int is_head = r.method_len == 4 && memcmp(r.method, "HEAD", 4) == 0;
    int is_get = r.method_len == 3 && memcmp(r.method, "GET", 3) == 0;
    int is_metrics = target_is(&r, "/metrics"), is_status = target_is(&r, "/status");
    int is_ping = target_is(&r, "/ping");
    if (!is_metrics && !is_status && !is_ping) {
        PLAIN(fd, deadline, "404 Not Found", "", !is_head);
        return;
    }
    if (!is_get && !is_head) {
        PLAIN(fd, deadline, "405 Method Not Allowed", "Allow: GET, HEAD\r\n", 1);
        return;
    }
    if (is_ping) {
        answer(fd, deadline, "200 OK", TEXT, "", "pong\n", 5, is_get);
        return;
    }
    struct metrics_snapshot s;
    metrics_read(&s);
    size_t len = is_metrics ? exposition_prometheus(body, sizeof body, &s)
                            : exposition_status(body, sizeof body, &s, (long long)time(NULL));
    if (len == 0) {
        log_msg("metrics: the %s page does not fit in %d bytes", is_metrics ? "metrics" : "status",
                BODY_MAX);
        PLAIN(fd, deadline, "500 Internal Server Error", "", is_get);
        return;
    }
    answer(fd, deadline, "200 OK", is_metrics ? EXPOSITION_CONTENT_TYPE : TEXT, "", body, len,
           is_get);
}

static void *run(void *arg)
{
    (void)arg;
    for (;;) {
        struct pollfd p = {.fd = listen_fd, .events = POLLIN};
        int n = poll(&p, 1, TICK_MS);
        metrics_sample();
        if (n <= 0) {
            if (n < 0 && errno != EINTR) {
                log_errno(errno, "metrics: poll");
                sleep_ms(TICK_MS);
            }
            continue;
        }
        int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
                /* Out of descriptors, say: wait rather than spin. */
                log_errno(errno, "metrics: accept");
                sleep_ms(100);
            }
            continue;
        }
        serve(fd);
        /* Tell the client we are done before the close, so that unread
         * bytes of its do not turn the close into a reset over the answer. */
        if (shutdown(fd, SHUT_WR) == 0) {
            char drain[512];
            long long deadline = fcgi_now_ms() + 100;
            struct pollfd d = {.fd = fd, .events = POLLIN};
            while (fcgi_now_ms() < deadline && poll(&d, 1, 100) > 0
                   && recv(fd, drain, sizeof drain, 0) > 0)
                ;
        }
        if (close(fd) != 0)
            log_errno(errno, "metrics: close");
    }
    return NULL;
}

int metrics_server_start(const struct address *a)
{
    listen_fd = listen_open(a, 0600);
    if (listen_fd < 0)
        return -1;
    /* Started before the server blocks its stop signals (app/server.c takes
     * them with sigwait), so block them here: a SIGTERM delivered to this
     * thread would run libfcgi's handler instead of stopping the server. */
    sigset_t all, old;
    if (sigfillset(&all) != 0) {
        log_errno(errno, "sigfillset");
        return -1;
    }
    int rc = pthread_sigmask(SIG_SETMASK, &all, &old);
    if (rc != 0) {
        log_errno(rc, "pthread_sigmask");
        return -1;
    }
    pthread_t tid;
    pthread_attr_t attr;
    rc = pthread_attr_init(&attr);
    if (rc == 0)
        rc = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (rc == 0)
        rc = pthread_create(&tid, &attr, run, NULL);
    int rc2 = pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        log_errno(rc, "metrics: pthread_create");
        return -1;
    }
    if (rc2 != 0) {
        log_errno(rc2, "pthread_sigmask");
        return -1;
    }
    if ((rc = pthread_attr_destroy(&attr)) != 0)
        log_errno(rc, "pthread_attr_destroy");
    return 0;
}
