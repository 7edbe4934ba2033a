#ifndef HELLO_INTAKE_H
#define HELLO_INTAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fcgi_guard.h"
#include "fcgi_record.h"

/* Intake: the records a connection brings, taken one whole record at a
 * time from the bytes the server has read, as nginx's FastCGI module and
 * php-fpm read them. It never reads or writes a socket: the server feeds it
 * bytes and acts on what it says (app/connection.c).
 *
 * Of a request it keeps the start (BEGIN_REQUEST and the PARAMS records, one
 * after the other and without padding) and, once the body has ended, hands
 * it to the server with an empty STDIN record after it: exactly the bytes
 * libfcgi will read (app/handover.c). The body itself is taken and thrown
 * away as it comes, since this responder never reads it, so that a request
 * is handed to libfcgi only when all of it has arrived.
 *
 * Management records, and a request this app will not serve (a role other
 * than responder), get the protocol's reply at once (app/replies.c), queued
 * in the caller's replies buffer. Records of a request that is not in
 * progress are passed over, as the specification says (3.3).
 *
 * Why a request that comes while another is in progress is served after it
 *
 * The app answers one request at a time on a connection and says so
 * (FCGI_MPXS_CONNS 0), but a client may send a second request before the
 * first is whole: HAProxy with `option max-reqs` above 1 starts one while
 * another's body is still coming, even after it has asked FCGI_GET_VALUES
 * (requests queued while it waited for the answer go out under its own
 * setting). The specification's answer, FCGI_END_REQUEST with
 * FCGI_CANT_MPX_CONN, made HAProxy 2.6 neither retry nor answer: its client
 * got 504 after HAProxy's timeout. So intake sets such a request aside, its
 * records as they come (the body's content is dropped, as for any request),
 * and once the request in progress ends, the caller puts them back in front
 * of what it has not read (intake_requeue()): each request is then taken
 * whole, in the order they began. Only past INTAKE_DEFER_MAX requests, or
 * INTAKE_DEFER_BYTES of their starts, does a request get
 * FCGI_CANT_MPX_CONN. */

/* The most a request as libfcgi reads it may take: its start and the empty
 * STDIN record (app/handover.c: it fits in a pipe's 64 KiB). */
enum { INTAKE_START_MAX = GUARD_WINDOW };
/* The room for replies; intake asks for them to be sent (INTAKE_FLUSH)
 * before it could run out. */
enum { INTAKE_REPLIES_MAX = 4096 };
/* The most requests set aside on a connection while another is in
 * progress, and the most bytes their records may take. */
enum { INTAKE_DEFER_MAX = 16, INTAKE_DEFER_BYTES = GUARD_WINDOW };

enum intake_phase {
    INTAKE_IDLE,  /* between requests */
    INTAKE_START, /* BEGIN_REQUEST read; its parameters have not ended */
    INTAKE_BODY,  /* the parameters ended; the body (STDIN) has not */
};

/* A connection's place in its records: a few bytes, kept with it while it
 * waits for more. */
struct intake {
    enum intake_phase phase;
    uint16_t id;       /* the request in progress, or the last one */
    bool keep;         /* its BEGIN_REQUEST asked to keep the connection */
    bool too_large;    /* its start is over GUARD_WINDOW: it will be answered 431 */
    unsigned deferred; /* requests set aside */
    uint16_t deferred_id[INTAKE_DEFER_MAX]; /* their ids */
};

/* The caller's buffers, for the time of one call. A request's start that
 * has not ended when the connection waits must be kept with the
 * connection, and given back here on the next call. */
struct intake_bufs {
    unsigned char start[INTAKE_START_MAX];
    size_t start_len;
    unsigned char replies[INTAKE_REPLIES_MAX];
    size_t replies_len;
    unsigned char deferred[INTAKE_DEFER_BYTES]; /* records of the requests set aside */
    size_t deferred_len;
};

enum intake_event {
    INTAKE_MORE,         /* no whole record left: wait for more bytes */
    INTAKE_FLUSH,        /* send the replies queued, then call again */
    INTAKE_REQUEST,      /* start holds a whole request for libfcgi */
    INTAKE_TOO_LARGE,    /* a request over GUARD_WINDOW ended: its 431 is queued */
    INTAKE_NOT_MPX,      /* a request beyond those set aside: FCGI_CANT_MPX_CONN */
    INTAKE_UNKNOWN_ROLE, /* a request was refused FCGI_UNKNOWN_ROLE (value: the role) */
    INTAKE_ABORTED,      /* the front end aborted the request: its END_REQUEST is queued */
    INTAKE_REFUSED,      /* not FastCGI that can be served: close the connection */
};

/* What one call found, and how many bytes of the buffer it used up. */
struct intake_step {
    enum intake_event event;
    size_t used;
    unsigned id;     /* the request the event is about */
    const char *why; /* REFUSED: what is wrong */
    long value;      /* REFUSED, UNKNOWN_ROLE: the value concerned, or -1 */
};

/* Takes whole records from the len bytes at buf until one of them needs the
 * caller, or none is left whole (MORE). The caller drops the bytes used and
 * calls again with the rest, after intake_requeue() if the event ended the
 * request in progress (REQUEST, TOO_LARGE, ABORTED). After those and
 * UNKNOWN_ROLE, st->keep says whether the front end keeps the connection. */
struct intake_step intake_next(struct intake *st, struct intake_bufs *b, const unsigned char *buf,
                               size_t len);

/* Puts the records set aside back in front of the len bytes at buf (which
 * has room for INTAKE_DEFER_BYTES more), to be taken next. Returns the new
 * length. */
size_t intake_requeue(struct intake *st, struct intake_bufs *b, unsigned char *buf, size_t len);

#endif
