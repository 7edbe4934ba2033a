#include <config.h>

#include "metrics.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "fcgi_client.h"
#include "fcgi_record.h"
#include "log.h"
#include "metrics_server.h"
#include "options.h"

/*
 * Why per-thread slots of relaxed atomics
 *
 * Counters are bumped by every worker on every request; one shared counter
 * would bounce its cache line between cores on each of them. So each worker
 * thread owns a slot, aligned to a cache line, and only it writes there; the
 * metrics thread sums the slots when it is asked. Relaxed atomics make those
 * concurrent reads well defined without ordering anything: a scrape sees each
 * counter at some recent value, which is all a counter promises.
 *
 * What a sum cannot give is a maximum: max_active_requests needs the number
 * in progress at one instant, so that one gauge (with idle connections) is
 * shared, an atomic addition at the start and the end of a request.
 */

#define CACHE_LINE 64

struct slot {
    _Alignas(CACHE_LINE) atomic_ullong outcomes[METRICS_OUTCOMES];
    atomic_ullong accepted, pauses, slow, duration_ns;
    atomic_ullong buckets[METRICS_BUCKETS + 1];
};

const unsigned long long metrics_bucket_ns[METRICS_BUCKETS] = {
    25000ULL,     50000ULL,     100000ULL,     250000ULL,     500000ULL,     1000000ULL,
    2500000ULL,   5000000ULL,   10000000ULL,   25000000ULL,   50000000ULL,   100000000ULL,
    250000000ULL, 500000000ULL, 1000000000ULL, 2500000000ULL, 5000000000ULL, 10000000000ULL,
};

static struct {
    struct slot *slots;
    unsigned nslots; /* one per worker, and one shared by any other thread */
    atomic_uint claimed;
    unsigned workers;
    unsigned long long slow_ns;
    long slow_ms;
    long long start_time;
    int listen_fd;
    /* Shared: see the comment at the top. */
    _Alignas(CACHE_LINE) atomic_long active;
    atomic_long max_active;
    atomic_long idle;
    /* Written by the metrics thread only. */
    _Alignas(CACHE_LINE) atomic_uint listen_queue, max_listen_queue, listen_queue_length;
    atomic_int has_listen_queue;
} m = {.listen_fd = -1};

/* A slot that swallows the counts when metrics_start has not run (as in
 * --healthcheck, which serves nothing). */
static struct slot spare;

static _Thread_local struct slot *mine;

static struct slot *my_slot(void)
{
    if (mine == NULL) {
        unsigned i = atomic_fetch_add_explicit(&m.claimed, 1, memory_order_relaxed);
        /* More threads than slots cannot happen (one per worker); they would
         * share the last slot, whose atomic additions stay exact. */
        mine = m.slots == NULL ? &spare : &m.slots[i < m.nslots ? i : m.nslots - 1];
    }
    return mine;
}

static void bump(atomic_ullong *c, unsigned long long n)
{
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static unsigned long long now_ns(void)
{
    struct timespec ts;
    /* CLOCK_MONOTONIC cannot fail on Linux. */
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
}

int metrics_start(const struct options *o)
{
    m.workers = o->threads;
    m.nslots = o->threads + 1;
    m.slots = aligned_alloc(CACHE_LINE, m.nslots * sizeof *m.slots);
    if (m.slots == NULL) {
        log_errno(errno, "aligned_alloc metrics");
        return -1;
    }
    memset(m.slots, 0, m.nslots * sizeof *m.slots);
    m.slow_ms = o->slow_request_ms;
    m.slow_ns = (unsigned long long)o->slow_request_ms * 1000000ULL;
    m.start_time = (long long)time(NULL);
    if (o->metrics_enabled)
        return metrics_server_start(&o->metrics_listen);
    return 0;
}

void metrics_listener(int listen_fd)
{
    m.listen_fd = listen_fd;
}

void metrics_accepted(void)
{
    bump(&my_slot()->accepted, 1);
}

void metrics_descriptor_pause(void)
{
    bump(&my_slot()->pauses, 1);
}

void metrics_outcome(enum metrics_outcome o)
{
    bump(&my_slot()->outcomes[o], 1);
}

void metrics_request_dropped(enum metrics_outcome o)
{
    atomic_fetch_sub_explicit(&m.active, 1, memory_order_relaxed);
    bump(&my_slot()->outcomes[o], 1);
}

void metrics_parked(void)
{
    atomic_fetch_add_explicit(&m.idle, 1, memory_order_relaxed);
}

void metrics_unparked(void)
{
    atomic_fetch_sub_explicit(&m.idle, 1, memory_order_relaxed);
}

unsigned long long metrics_request_begin(void)
{
    long now = atomic_fetch_add_explicit(&m.active, 1, memory_order_relaxed) + 1;
    long max = atomic_load_explicit(&m.max_active, memory_order_relaxed);
    while (now > max
           && !atomic_compare_exchange_weak_explicit(&m.max_active, &max, now, memory_order_relaxed,
                                                     memory_order_relaxed))
        ;
    return now_ns();
}

/* FCGX_GetParam's strncmp over every parameter, but with its first two
 * characters compared inline: this runs on every request, and no parameter
 * that nginx sends starts with "HE". */
static int is_healthcheck(char **envp)
{
    static const char name[] = METRICS_HEALTHCHECK_PARAM "=";
    for (; *envp != NULL; envp++) {
        const char *p = *envp;
        if (p[0] == name[0] && p[1] == name[1] && strncmp(p, name, sizeof name - 1) == 0)
            return 1;
    }
    return 0;
}

static const char *request_id(FCGX_Request *req)
{
    const char *id = FCGX_GetParam(METRICS_REQUEST_ID_PARAM, req->envp);
    return id != NULL ? id : "-";
}

void metrics_request_end(FCGX_Request *req, unsigned long long t0)
{
    unsigned long long ns = now_ns() - t0;
    struct slot *s = my_slot();
    atomic_fetch_sub_explicit(&m.active, 1, memory_order_relaxed);
    int in_err = FCGX_GetError(req->in), out_err = FCGX_GetError(req->out);
    if (in_err == 0 && out_err == 0) {
        if (is_healthcheck(req->envp)) {
            bump(&s->outcomes[METRICS_HEALTHCHECK], 1);
            return;
        }
        bump(&s->outcomes[METRICS_ANSWERED], 1);
        bump(&s->duration_ns, ns);
        unsigned b = 0;
        while (b < METRICS_BUCKETS && ns > metrics_bucket_ns[b])
            b++;
        bump(&s->buckets[b], 1);
        /* Slow covers answered requests only, as the histogram does: a
         * health check is not traffic, and a request that failed has its
         * own outcome and log line. */
        if (m.slow_ns != 0 && ns > m.slow_ns) {
            bump(&s->slow, 1);
            log_msg("a slow request: %llu ms, over --slow-request %ld ms (request_id=%s)",
                    ns / 1000000ULL, m.slow_ms, request_id(req));
        }
        return;
    }
    /* libfcgi's stream errors are errno values, or negative codes of its
     * own (a protocol error). Its body is read from the handover's pipe,
     * so an error is in writing the answer. */
    int err = in_err != 0 ? in_err : out_err;
    const char *what = in_err != 0 ? "reading its body" : "writing its answer";
    if (err == EAGAIN || err == EWOULDBLOCK) {
        bump(&s->outcomes[METRICS_TIMED_OUT], 1);
        log_msg("a request timed out %s (request_id=%s)", what, request_id(req));
    } else {
        bump(&s->outcomes[METRICS_PEER_GONE], 1);
        if (err > 0)
            log_errno(err, "a request failed %s (request_id=%s)", what, request_id(req));
        else
            log_msg("a request failed %s: libfcgi error %d (request_id=%s)", what, err,
                    request_id(req));
    }
}

size_t metrics_healthcheck_request(unsigned char *buf, size_t size)
{
    static const char name[] = METRICS_HEALTHCHECK_PARAM, value[] = "1";
    enum { PAIR = 2 + sizeof name - 1 + sizeof value - 1, RECORD = FCGI_HEADER_LEN + PAIR };
    size_t n = fcgi_encode_request(buf, size, 1, 0, "GET", 0);
    if (n == 0 || n + RECORD > size)
        return 0;
    /* A second PARAMS record, right behind the first (after BEGIN_REQUEST,
     * then the first PARAMS record's header and content). */
    size_t begin = FCGI_HEADER_LEN + sizeof(FCGI_BeginRequestBody);
    size_t at = begin + FCGI_HEADER_LEN + fcgi_record_decode(buf + begin).content_len;
    memmove(buf + at + RECORD, buf + at, n - at);
    unsigned char *r = buf + at;
    fcgi_record_encode(r, FCGI_PARAMS, 1, PAIR);
    r[FCGI_HEADER_LEN] = sizeof name - 1;
    r[FCGI_HEADER_LEN + 1] = sizeof value - 1;
    memcpy(r + FCGI_HEADER_LEN + 2, name, sizeof name - 1);
    memcpy(r + FCGI_HEADER_LEN + 2 + sizeof name - 1, value, sizeof value - 1);
    return n + RECORD;
}

/* As php-fpm does: on a listening TCP socket, TCP_INFO's tcpi_unacked is the
 * number of connections waiting to be accepted and tcpi_sacked the backlog.
 * A unix socket does not say. */
void metrics_sample(void)
{
    struct tcp_info ti;
    socklen_t len = sizeof ti;
    if (m.listen_fd < 0 || getsockopt(m.listen_fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
        return;
    atomic_store_explicit(&m.has_listen_queue, 1, memory_order_relaxed);
    atomic_store_explicit(&m.listen_queue, ti.tcpi_unacked, memory_order_relaxed);
    atomic_store_explicit(&m.listen_queue_length, ti.tcpi_sacked, memory_order_relaxed);
    if (ti.tcpi_unacked > atomic_load_explicit(&m.max_listen_queue, memory_order_relaxed))
        atomic_store_explicit(&m.max_listen_queue, ti.tcpi_unacked, memory_order_relaxed);
}

void metrics_read(struct metrics_snapshot *s)
{
    metrics_sample();
    memset(s, 0, sizeof *s);
    for (unsigned i = 0; i < m.nslots; i++) {
        struct slot *t = &m.slots[i];
        for (int o = 0; o < METRICS_OUTCOMES; o++)
            s->outcomes[o] += atomic_load_explicit(&t->outcomes[o], memory_order_relaxed);
        s->accepted += atomic_load_explicit(&t->accepted, memory_order_relaxed);
        s->descriptor_pauses += atomic_load_explicit(&t->pauses, memory_order_relaxed);
        s->slow += atomic_load_explicit(&t->slow, memory_order_relaxed);
        s->duration_ns += atomic_load_explicit(&t->duration_ns, memory_order_relaxed);
        for (int b = 0; b <= METRICS_BUCKETS; b++)
            s->buckets[b] += atomic_load_explicit(&t->buckets[b], memory_order_relaxed);
    }
    s->active = atomic_load_explicit(&m.active, memory_order_relaxed);
    s->max_active = atomic_load_explicit(&m.max_active, memory_order_relaxed);
    s->idle = atomic_load_explicit(&m.idle, memory_order_relaxed);
    s->workers = m.workers;
    s->slow_ms = m.slow_ms;
    s->has_listen_queue = atomic_load_explicit(&m.has_listen_queue, memory_order_relaxed);
    s->listen_queue = atomic_load_explicit(&m.listen_queue, memory_order_relaxed);
    s->max_listen_queue = atomic_load_explicit(&m.max_listen_queue, memory_order_relaxed);
    s->listen_queue_length = atomic_load_explicit(&m.listen_queue_length, memory_order_relaxed);
    s->start_time = m.start_time;
}
