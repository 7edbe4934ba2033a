#include <config.h>

#include "claims.h"

#include <errno.h>
#include <stdlib.h>

enum {
    CLAIM_HELD = 1,   /* a worker is serving it */
    CLAIM_AGAIN = 2,  /* an event came while held: look again before releasing */
    CLAIM_IN_SET = 4, /* added to the epoll set */
};

static uint64_t generation(uint64_t v)
{
    return v >> 32;
}

static _Atomic uint64_t *slot_of(struct claims *c, claim_token t)
{
    return &c->slot[claim_fd(t)];
}

int claims_init(struct claims *c, size_t size)
{
    /* calloc: untouched pages cost no memory, so a table for every
     * descriptor the process may open costs only what those in use touch. */
    c->slot = calloc(size, sizeof *c->slot);
    if (c->slot == NULL)
        return -1;
    c->size = size;
    return 0;
}

void claims_free(struct claims *c)
{
    free(c->slot);
    c->slot = NULL;
}

claim_token claims_new(struct claims *c, int fd)
{
    if (fd < 0 || (size_t)fd >= c->size) {
        errno = EMFILE;
        return 0;
    }
    /* The number is new to the caller: whoever held it before has closed
     * it, and after a close a holder calls only claims_closed(), which
     * checks the generation. So a plain store, with a generation no event
     * in the set can carry. */
    _Atomic uint64_t *p = &c->slot[fd];
    uint64_t gen = generation(atomic_load(p)) + 1;
    if ((uint32_t)gen == 0)
        gen = 1; /* tokens are never 0 */
    gen = (uint32_t)gen;
    atomic_store(p, gen << 32 | CLAIM_HELD);
    return gen << 32 | (uint32_t)fd;
}

bool claims_take(struct claims *c, claim_token t)
{
    _Atomic uint64_t *p = slot_of(c, t);
    uint64_t v = atomic_load(p);
    for (;;) {
        if (generation(v) != generation(t))
            return false; /* stale: closed since the event was queued */
        uint64_t want = v & CLAIM_HELD ? v | CLAIM_AGAIN : v | CLAIM_HELD;
        if (want == v)
            return false; /* held, and the holder already told */
        if (atomic_compare_exchange_weak(p, &v, want))
            return !(v & CLAIM_HELD);
    }
}

bool claims_release(struct claims *c, claim_token t)
{
    _Atomic uint64_t *p = slot_of(c, t);
    uint64_t v = atomic_load(p);
    for (;;) {
        uint64_t want = v & CLAIM_AGAIN ? v & ~(uint64_t)CLAIM_AGAIN : v & ~(uint64_t)CLAIM_HELD;
        if (atomic_compare_exchange_weak(p, &v, want))
            return !(v & CLAIM_AGAIN);
    }
}

void claims_closed(struct claims *c, claim_token t)
{
    _Atomic uint64_t *p = slot_of(c, t);
    uint64_t v = atomic_load(p);
    /* Fails harmlessly if the number has already been accepted again
     * (claims_new took a newer generation): the holder closes first. */
    while (generation(v) == generation(t)) {
        uint64_t next = (uint32_t)(generation(t) + 1);
        if (atomic_compare_exchange_weak(p, &v, (next == 0 ? 1 : next) << 32))
            return;
    }
}

bool claims_in_set(struct claims *c, claim_token t)
{
    return atomic_load(slot_of(c, t)) & CLAIM_IN_SET;
}

void claims_mark_in_set(struct claims *c, claim_token t)
{
    atomic_fetch_or(slot_of(c, t), (uint64_t)CLAIM_IN_SET);
}
