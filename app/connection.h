#ifndef HELLO_CONNECTION_H
#define HELLO_CONNECTION_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>

#include "claims.h"
#include "deadlines.h"
#include "handover.h"
#include "intake.h"
#include "peer.h"

/* A connection's life after accept: reading its records (app/intake.c),
 * handing whole requests to libfcgi (app/handover.c), waiting in the set
 * between reads, and a close that keeps the answer. No call here waits for
 * a peer: every read takes what has arrived, and a connection whose
 * request is not whole waits in the set, with a deadline, holding no
 * worker. */

/* What a connection keeps while it waits in the set: small, since the set
 * may hold a great many. Touched only by the worker that holds the
 * connection (app/claims.h), except its deadline entry (under the lock of
 * app/deadlines.h). */
struct conn {
    struct intake intake;
    struct deadline deadline;
    struct kept_bytes *kept; /* what it had read of a request not yet whole */
    struct peer peer;        /* as accepted */
    unsigned long long t0;   /* when its request in progress began, or 0 */
    bool idle;               /* counted in the idle gauge while it waits */
    bool closing;            /* answered, half-closed, drained until its peer closes */
};

/* The connections of one server: what the workers share. */
struct connections {
    struct claims claims;
    struct conn *table; /* by descriptor, as the claims */
    struct deadlines deadlines;
    int epoll_fd;
    bool unix_listener;  /* its connections need their send timeout set */
    atomic_bool leaving; /* the stop's linger is over: close after answers */
    atomic_ullong served;
    atomic_uint in_progress; /* requests begun and not yet ended */
    atomic_uint open;        /* accepted and not yet closed */
};

/* A worker's own buffers: what it read (room for two whole records at
 * least, and for the records set aside to go back in front), the start of
 * the request being taken, the replies to send, and the pipe to
 * libfcgi. */
enum { CONNECTION_READ_MAX = 2 * (FCGI_HEADER_LEN + FCGI_MAX_LENGTH + FCGI_PADDING_MAX) };
struct worker {
    struct handover handover;
    struct intake_bufs bufs;
    unsigned char in[CONNECTION_READ_MAX + INTAKE_DEFER_BYTES];
    size_t in_len;
};

/* The most a request may take from its first bytes to the end of its
 * body, and the most an answer's write may wait for the peer to read. */
enum { CONNECTION_BOUND_S = 10 };
/* How long a close waits for the peer to close its end. */
enum { CONNECTION_CLOSE_DRAIN_MS = 2000 };

/* Sized for descriptors below max. Returns 0, or -1 after a log line. */
int connections_init(struct connections *cs, size_t max);
/* Frees what waiting connections kept; closes nothing. */
void connections_free(struct connections *cs);

/* Accepts one connection from listen_fd, counted open and held by the
 * caller. Returns its token, or 0 with errno set by accept4 (EMFILE if
 * the descriptor is beyond the table). */
claim_token connection_accept(struct connections *cs, int listen_fd);

/* How a connection waits in the set (app/connection.c, enlist()). */
#define CONNECTION_EVENTS (EPOLLIN | EPOLLRDHUP | EPOLLET)

/* Serves the held connection t until it waits in the set, released, or is
 * closed. events: what epoll said of it; CONNECTION_TO_END when nothing
 * did (a deadline's sweep), or for a connection just accepted, 0. */
void connection_serve(struct connections *cs, struct worker *w, claim_token t, uint32_t events);

/* An event (or a deadline) for t: serves it unless another worker holds it
 * (which then looks again) or it has closed since. */
void connection_event(struct connections *cs, struct worker *w, claim_token t, uint32_t events);

/* For a turn without an event: read until nothing is left. */
#define CONNECTION_TO_END EPOLLRDHUP

/* Puts a held connection just accepted in the set, released, for the
 * workers: at a stop, from the backlog, by a thread that serves nothing. */
void connection_adopt(struct connections *cs, claim_token t);

/* The send timeout that bounds a write, for the listening socket (TCP
 * connections inherit it) or a unix connection. Returns 0, or -1 with
 * errno set. */
int connection_set_send_timeout(int fd);

#endif
