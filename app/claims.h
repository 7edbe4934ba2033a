#ifndef HELLO_CLAIMS_H
#define HELLO_CLAIMS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Which worker holds each connection, when all workers wait on one
 * edge-triggered epoll set (the reasoning is in app/server.c, "Why a
 * connection is claimed").
 *
 * A connection is named by a token: its descriptor and a generation, which
 * claims_new() takes afresh for every connection a descriptor number
 * carries, so that an event left over from an earlier connection on the
 * same number is recognised and dropped. The token is what the epoll set
 * holds as the event's data. claims_new(), claims_take() and
 * claims_closed() are safe from any thread; the others are for the
 * connection's holder. */
struct claims {
    _Atomic uint64_t *slot; /* per descriptor: generation << 32 | CLAIM_* bits */
    size_t size;            /* descriptors 0 .. size - 1 */
};

/* Tokens never 0: 0 is free for a caller's own events (the listener's
 * descriptor as a token has generation 0). */
typedef uint64_t claim_token;

/* Sized for descriptors below size. Returns 0, or -1 with errno set. */
int claims_init(struct claims *c, size_t size);
void claims_free(struct claims *c);

/* A connection just accepted on fd, held by the caller. Returns its token,
 * or 0 (errno EMFILE) if fd is beyond the table. */
claim_token claims_new(struct claims *c, int fd);

/* An event came for token. Returns true if the caller now holds the
 * connection. False if the event is stale (the connection has gone) or
 * another worker holds it: that worker is told to look at it again
 * (claims_release() says so). */
bool claims_take(struct claims *c, claim_token t);

/* The holder puts the connection down, waiting in the set. Returns true if
 * it is released; false if an event came while it was held: the caller
 * still holds it and must look at it again. */
bool claims_release(struct claims *c, claim_token t);

/* The holder has closed the connection (or libfcgi did): events still
 * queued for this token become stale. */
void claims_closed(struct claims *c, claim_token t);

/* Whether the connection has been added to the set (once per connection:
 * edge-triggered, it stays there until closed), and marking it so. For the
 * holder only. */
bool claims_in_set(struct claims *c, claim_token t);
void claims_mark_in_set(struct claims *c, claim_token t);

static inline int claim_fd(claim_token t)
{
    return (int)(uint32_t)t;
}

#endif
