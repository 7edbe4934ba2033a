#ifndef HELLO_DEADLINES_H
#define HELLO_DEADLINES_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Deadlines: the connections that wait in the set with a bound (a request
 * not yet whole, a close that drains), so that a sweep at every tick of the
 * server's timer can end those past it. A connection waiting for its next
 * request has none, and never touches the list: the list's lock is taken
 * only by connections that are slow, or closing. */

struct deadline {
    struct deadline *prev, *next; /* in the list while listed */
    long long at;                 /* ms on the monotonic clock */
    bool every_tick;              /* looked at on every tick, not only at `at` */
    bool listed;                  /* read without the lock by the holder only */
    uint64_t token;               /* the connection's claim token */
};

struct deadlines {
    pthread_mutex_t lock;
    struct deadline head; /* of a circular list */
    size_t count;         /* listed */
};

void deadlines_init(struct deadlines *d);
void deadlines_destroy(struct deadlines *d);

/* Lists e (with its token set) until at, or moves it there. */
void deadlines_set(struct deadlines *d, struct deadline *e, long long at, bool every_tick);

/* Takes e off the list, if it is listed. */
void deadlines_clear(struct deadlines *d, struct deadline *e);

/* Writes the tokens of at most max listed connections that are past their
 * time at now, or looked at every tick, to out. Returns how many. A next
 * call goes on behind the last one written. */
size_t deadlines_due(struct deadlines *d, long long now, uint64_t *out, size_t max);

/* How many are listed: enough calls of deadlines_due() to see them all. */
size_t deadlines_count(struct deadlines *d);

#endif
