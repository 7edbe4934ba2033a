#include <config.h>

#include "deadlines.h"

/* The lock is a default mutex, used by no thread that could hold it
 * already: pthread_mutex_lock and unlock cannot fail on it. */

void deadlines_init(struct deadlines *d)
{
    pthread_mutex_init(&d->lock, NULL);
    d->head.prev = d->head.next = &d->head;
}

void deadlines_destroy(struct deadlines *d)
{
    pthread_mutex_destroy(&d->lock);
}

static void unlink_entry(struct deadline *e)
{
    e->prev->next = e->next;
    e->next->prev = e->prev;
    e->prev = e->next = NULL;
    e->listed = false;
}

size_t deadlines_count(struct deadlines *d)
{
    pthread_mutex_lock(&d->lock);
    size_t n = d->count;
    pthread_mutex_unlock(&d->lock);
    return n;
}

void deadlines_set(struct deadlines *d, struct deadline *e, long long at, bool every_tick)
{
    pthread_mutex_lock(&d->lock);
    e->at = at;
    e->every_tick = every_tick;
    if (!e->listed) {
        e->next = &d->head;
        e->prev = d->head.prev;
        d->head.prev->next = e;
        d->head.prev = e;
        e->listed = true;
        d->count++;
    }
    pthread_mutex_unlock(&d->lock);
}

void deadlines_clear(struct deadlines *d, struct deadline *e)
{
    if (!e->listed)
        return;
    pthread_mutex_lock(&d->lock);
    unlink_entry(e);
    d->count--;
    pthread_mutex_unlock(&d->lock);
}

size_t deadlines_due(struct deadlines *d, long long now, uint64_t *out, size_t max)
{
    size_t n = 0;
    struct deadline *e, *last = NULL;
    pthread_mutex_lock(&d->lock);
    for (e = d->head.next; e != &d->head && n < max; e = e->next) {
        if (e->every_tick || e->at <= now) {
            out[n++] = e->token;
            last = e;
        }
    }
    /* More may be due than one sweep takes: the next sweep starts behind the
     * last one taken, so that none waits behind the same few for ever. */
    if (n == max && last->next != &d->head) {
        struct deadline *h = &d->head;
        h->prev->next = h->next;
        h->next->prev = h->prev;
        h->next = last->next;
        h->prev = last;
        last->next->prev = h;
        last->next = h;
    }
    pthread_mutex_unlock(&d->lock);
    return n;
}
