#ifndef HELLO_METRICS_H
#define HELLO_METRICS_H

/* The app's counters and gauges (issue 17), kept so that the request path
 * pays a few relaxed atomic additions: see app/metrics.c. They are read by
 * app/exposition.c for the metrics listener (app/metrics_server.c). */

#include <fcgiapp.h>
#include <stddef.h>

struct options;

/* How a request that reached the app ended. A request carrying the FastCGI
 * parameter METRICS_HEALTHCHECK_PARAM is counted as a health check, never as
 * answered, so that health checks do not move the traffic counters. */
enum metrics_outcome {
    METRICS_ANSWERED,
    METRICS_REFUSED_TOO_LARGE, /* 431: its start is over GUARD_WINDOW */
    METRICS_REFUSED_BY_GUARD,  /* app/fcgi_guard.c said no */
    METRICS_TIMED_OUT,         /* not whole, or its answer not read, within its bound */
    METRICS_PEER_GONE,         /* the front end closed or reset the connection */
    METRICS_HEALTHCHECK,
    METRICS_REFUSED_MULTIPLEXED, /* FCGI_CANT_MPX_CONN, or set aside and never begun */
    METRICS_REFUSED_ROLE,        /* FCGI_UNKNOWN_ROLE: not a responder request */
    METRICS_ABORTED,             /* the front end sent FCGI_ABORT_REQUEST */
    METRICS_OUTCOMES
};
#define METRICS_HEALTHCHECK_PARAM "HELLO_FCGI_HEALTHCHECK"
/* Sent by nginx (fastcgi_param REQUEST_ID $request_id); per-request log
 * lines carry it. */
#define METRICS_REQUEST_ID_PARAM "REQUEST_ID"

/* The upper bounds of the duration histogram's buckets, in nanoseconds:
 * 25 us to 10 s; one more bucket (+Inf) holds the rest. */
enum { METRICS_BUCKETS = 18 };
extern const unsigned long long metrics_bucket_ns[METRICS_BUCKETS];

/* What app/exposition.c writes: every counter summed over the workers. */
struct metrics_snapshot {
    unsigned long long outcomes[METRICS_OUTCOMES];
    unsigned long long accepted;
    unsigned long long descriptor_pauses;
    unsigned long long slow;
    unsigned long long buckets[METRICS_BUCKETS + 1]; /* not cumulative */
    unsigned long long duration_ns;                  /* sum over answered */
    long active, max_active, idle;
    unsigned workers;
    long slow_ms;         /* the threshold; 0: off */
    int has_listen_queue; /* a TCP listener: the kernel tells */
    unsigned listen_queue, max_listen_queue, listen_queue_length;
    long long start_time; /* seconds since the epoch */
};

/* Before the server starts: allocates a slot per worker, notes the start
 * time, and starts the metrics listener if --metrics-listen asks for one.
 * Logs and returns -1 on failure. */
int metrics_start(const struct options *o);

/* The FastCGI listening socket, whose queue (TCP_INFO) is sampled. */
void metrics_listener(int listen_fd);

/* Hooks on the request path (app/server.c). */
void metrics_accepted(void);
void metrics_descriptor_pause(void);
void metrics_outcome(enum metrics_outcome o);
/* A connection went into the epoll set to wait for its next request:
 * counted idle until metrics_unparked(). */
void metrics_parked(void);
/* A parked connection came out of the set, readable. */
void metrics_unparked(void);
/* A request is in progress from its first bytes read (begin, which
 * returns that time) to its answer written by libfcgi (end, which
 * classifies it from its streams' errors and its parameters: call it
 * before FCGX_Finish_r frees them), or to another outcome (dropped). */
unsigned long long metrics_request_begin(void);
void metrics_request_end(FCGX_Request *req, unsigned long long t0);
void metrics_request_dropped(enum metrics_outcome o);

/* --healthcheck's request: a request as fcgi_encode_request() makes it plus
 * METRICS_HEALTHCHECK_PARAM; its length, or 0 if buf is too small. */
size_t metrics_healthcheck_request(unsigned char *buf, size_t size);

/* The listen queue, sampled by the metrics thread every second and at
 * every read (its maximum is the largest sample). */
void metrics_sample(void);

/* For the reader (the metrics thread): samples the listen queue, then sums. */
void metrics_read(struct metrics_snapshot *s);

#endif
