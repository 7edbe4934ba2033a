#include <config.h>

#include "connection.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "fcgi_client.h"
#include "log.h"
#include "metrics.h"

/* Logs fmt, whose first %s is the connection's peer, with the rest. */
#define LOG_PEER(c, fd, fmt, ...)                                                                  \
    do {                                                                                           \
        char peer_[PEER_NAME_MAX];                                                                 \
        log_msg(fmt, peer_name(&(c)->peer, (fd), peer_, sizeof peer_), __VA_ARGS__);               \
    } while (0)

/* The bytes a connection keeps while it waits mid-request: what it had
 * read past the last whole record, the start of the request in progress,
 * and the records of requests set aside. Only slow peers have any. */
struct kept_bytes {
    size_t in_len, start_len, deferred_len;
    unsigned char bytes[]; /* in, then start, then deferred */
};

/* What became of a connection after a turn of work. */
enum turn {
    TURN_WAIT,   /* it waits in the set (or, closing, on the deadline list) */
    TURN_CLOSED, /* it is closed: nothing of it may be touched */
};

int connections_init(struct connections *cs, size_t max)
{
    /* calloc: untouched pages cost no memory (as the claims table). */
    cs->table = calloc(max, sizeof *cs->table);
    if (cs->table == NULL) {
        log_errno(errno, "connection table for %zu descriptors", max);
        return -1;
    }
    if (claims_init(&cs->claims, max) != 0) {
        log_errno(errno, "claims table for %zu descriptors", max);
        free(cs->table);
        cs->table = NULL;
        return -1;
    }
    deadlines_init(&cs->deadlines);
    return 0;
}

void connections_free(struct connections *cs)
{
    if (cs->table == NULL)
        return;
    /* Only a connection with a deadline keeps bytes: walking the list, not
     * the table, touches no page the connections did not. */
    for (struct deadline *e = cs->deadlines.head.next; e != &cs->deadlines.head; e = e->next)
        free(((struct conn *)((char *)e - offsetof(struct conn, deadline)))->kept);
    free(cs->table);
    cs->table = NULL;
    claims_free(&cs->claims);
    deadlines_destroy(&cs->deadlines);
}

int connection_set_send_timeout(int fd)
{
    const struct timeval tv = {.tv_sec = CONNECTION_BOUND_S};
    return setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

claim_token connection_accept(struct connections *cs, int listen_fd)
{
    /* Counted open before it exists, so that a stop never reads none open
     * while a connection is being taken. */
    atomic_fetch_add(&cs->open, 1);
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int fd = accept4(listen_fd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
    if (fd < 0) {
        atomic_fetch_sub(&cs->open, 1);
        return 0;
    }
    claim_token t = claims_new(&cs->claims, fd);
    if (t == 0) {
        /* Only past the table, with the limit raised from outside: EMFILE
         * makes the caller pause as when out of descriptors. */
        log_msg("closed a connection: descriptor %d is beyond the connection table", fd);
        close(fd);
        atomic_fetch_sub(&cs->open, 1);
        errno = EMFILE;
        return 0;
    }
    struct conn *c = &cs->table[fd];
    memset(c, 0, sizeof *c);
    c->deadline.token = t;
    peer_take(&c->peer, (const struct sockaddr *)&ss, len);
    /* Without its timeout only the bound on a write would be lost: a
     * setsockopt on a socket accept4 just returned does not fail. */
    if (cs->unix_listener && connection_set_send_timeout(fd) != 0)
        log_errno(errno, "setsockopt SO_SNDTIMEO");
    metrics_accepted();
    return t;
}

/* Puts the connection in the set, once: edge-triggered, it stays until it
 * is closed, so no epoll_ctl per request. EPOLLRDHUP: an event says when
 * the peer's end has come with it (work() reads to the end then). Returns
 * 0, or -1 with errno. */
static int enlist(struct connections *cs, claim_token t)
{
    if (claims_in_set(&cs->claims, t))
        return 0;
    struct epoll_event ev = {.events = CONNECTION_EVENTS, .data.u64 = t};
    if (epoll_ctl(cs->epoll_fd, EPOLL_CTL_ADD, claim_fd(t), &ev) != 0)
        return -1;
    claims_mark_in_set(&cs->claims, t);
    return 0;
}

/* The connection's request is in progress from now, if it was not yet:
 * from its first bytes, whether they complete it or not. */
static void begin_request(struct connections *cs, struct conn *c)
{
    if (c->t0 != 0)
        return;
    c->t0 = metrics_request_begin();
    atomic_fetch_add(&cs->in_progress, 1);
}

/* The connection's request, if one is in progress, ended with outcome o
 * (or a connection that had none was refused: o all the same). */
static void end_request(struct connections *cs, struct conn *c, enum metrics_outcome o)
{
    if (c->t0 == 0) {
        metrics_outcome(o);
        return;
    }
    metrics_request_dropped(o);
    atomic_fetch_sub(&cs->in_progress, 1);
    c->t0 = 0;
}

/* The requests set aside on a connection that ends before their turn: each
 * refused as multiplexed, counted and logged. */
static void drop_deferred(struct conn *c, int fd)
{
    for (unsigned i = 0; i < c->intake.deferred; i++) {
        metrics_outcome(METRICS_REFUSED_MULTIPLEXED);
        LOG_PEER(c, fd,
                 "closed a FastCGI connection from %s with request %u set aside, not yet"
                 " begun: the connection ended first",
                 (unsigned)c->intake.deferred_id[i]);
    }
    c->intake.deferred = 0;
}

/* Closes the connection; after this nothing of it may be touched, since
 * its number may be accepted again at once. A request still in progress
 * ends with it: its peer could not be written to. */
static enum turn close_conn(struct connections *cs, struct conn *c, int fd)
{
    drop_deferred(c, fd);
    if (c->t0 != 0) {
        end_request(cs, c, METRICS_PEER_GONE);
        LOG_PEER(c, fd, "closed a FastCGI connection from %s with its request in progress (%s)",
                 "the peer could not be written to, or a call failed");
    }
    deadlines_clear(&cs->deadlines, &c->deadline);
    free(c->kept);
    c->kept = NULL;
    close(fd);
    return TURN_CLOSED;
}

/* Half-closes a connection whose last answer is written, and lets it wait
 * for its peer to close: a close with bytes unread, or before a peer that
 * writes once more after the answer has read it, would reset the
 * connection and could destroy the answer (libfcgi's OS_Close, php-fpm and
 * nginx's lingering close do the same). It waits on the deadline list, not
 * in a worker, looked at every tick, for CONNECTION_CLOSE_DRAIN_MS. */
static enum turn begin_close(struct connections *cs, struct conn *c, int fd)
{
    drop_deferred(c, fd);
    if (shutdown(fd, SHUT_WR) != 0)
        return close_conn(cs, c, fd); /* already reset: nothing to keep */
    c->closing = true;
    deadlines_set(&cs->deadlines, &c->deadline, fcgi_now_ms() + CONNECTION_CLOSE_DRAIN_MS, true);
    return TURN_WAIT;
}

/* A closing connection: reads what its peer still sends and closes it at
 * its end, or at the bound. */
static enum turn drain(struct connections *cs, struct worker *w, struct conn *c, int fd)
{
    for (int i = 0; i < 16; i++) {
        ssize_t n = recv(fd, w->in, sizeof w->in, MSG_DONTWAIT);
        if (n > 0 || (n < 0 && errno == EINTR))
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        return close_conn(cs, c, fd); /* its end, or a reset */
    }
    if (fcgi_now_ms() >= c->deadline.at)
        return close_conn(cs, c, fd);
    return TURN_WAIT;
}

/* Sends the replies intake queued. Returns 0, or -1 if the peer is gone. */
static int send_replies(struct worker *w, int fd)
{
    struct intake_bufs *b = &w->bufs;
    size_t off = 0;
    while (off < b->replies_len) {
        ssize_t n = send(fd, b->replies + off, b->replies_len - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            b->replies_len = 0;
            return -1;
        }
        off += (size_t)n;
    }
    b->replies_len = 0;
    return 0;
}

/* Hands a whole request to libfcgi and answers it. */
static enum turn answer(struct connections *cs, struct worker *w, struct conn *c, int fd)
{
    bool served;
    begin_request(cs, c);
    enum handover_result r = handover_serve(&w->handover, fd, w->bufs.start, w->bufs.start_len,
                                            c->t0, &served);
    if (served)
        atomic_fetch_add_explicit(&cs->served, 1, memory_order_relaxed);
    /* Its outcome is counted: by libfcgi's streams, or as a failure. */
    c->t0 = 0;
    atomic_fetch_sub(&cs->in_progress, 1);
    if (r != HANDOVER_ANSWERED)
        return close_conn(cs, c, fd);
    if (!c->intake.keep)
        return begin_close(cs, c, fd);
    return TURN_WAIT;
}

/* Ends a request that intake refused, with a log line and its outcome.
 * Returns TURN_WAIT if the connection goes on. */
static enum turn refused(struct connections *cs, struct worker *w, struct conn *c, int fd,
                         const struct intake_step *s)
{
    int replied = send_replies(w, fd);
    if (s->event != INTAKE_NOT_MPX && s->event != INTAKE_REFUSED)
        begin_request(cs, c);
    switch (s->event) {
    case INTAKE_TOO_LARGE:
        end_request(cs, c, METRICS_REFUSED_TOO_LARGE);
        LOG_PEER(c, fd, "refused a request from %s: its parameters exceed %d bytes; answered 431",
                 GUARD_WINDOW);
        break;
    case INTAKE_NOT_MPX:
        metrics_outcome(METRICS_REFUSED_MULTIPLEXED);
        LOG_PEER(c, fd,
                 "refused a request from %s: request %u came while request %u was in progress"
                 " and %u more were set aside on its connection; answered FCGI_CANT_MPX_CONN",
                 s->id, (unsigned)c->intake.id, c->intake.deferred);
        return replied == 0 ? TURN_WAIT : close_conn(cs, c, fd);
    case INTAKE_UNKNOWN_ROLE:
        end_request(cs, c, METRICS_REFUSED_ROLE);
        LOG_PEER(c, fd,
                 "refused a request from %s: role %ld is not responder;"
                 " answered FCGI_UNKNOWN_ROLE",
                 s->value);
        break;
    case INTAKE_ABORTED:
        end_request(cs, c, METRICS_ABORTED);
        LOG_PEER(c, fd, "a request from %s was aborted by the front end (request %u)", s->id);
        break;
    default:
        end_request(cs, c, METRICS_REFUSED_BY_GUARD);
        if (s->value >= 0)
            LOG_PEER(c, fd, "refused a FastCGI connection from %s: %s: %ld", s->why, s->value);
        else
            LOG_PEER(c, fd, "refused a FastCGI connection from %s: %s", s->why);
        return begin_close(cs, c, fd);
    }
    if (replied != 0)
        return close_conn(cs, c, fd);
    if (!c->intake.keep)
        return begin_close(cs, c, fd);
    return TURN_WAIT;
}

/* Takes the whole records in the worker's read buffer and acts on them.
 * Returns TURN_WAIT with the bytes of an unfinished record left at the
 * buffer's start, or what ended the connection. */
static enum turn take_records(struct connections *cs, struct worker *w, struct conn *c, int fd)
{
    size_t used = 0;
    for (;;) {
        struct intake_step s = intake_next(&c->intake, &w->bufs, w->in + used, w->in_len - used);
        used += s.used;
        enum turn t = TURN_WAIT;
        switch (s.event) {
        case INTAKE_MORE:
            memmove(w->in, w->in + used, w->in_len - used);
            w->in_len -= used;
            return TURN_WAIT;
        case INTAKE_FLUSH:
            if (send_replies(w, fd) != 0)
                t = close_conn(cs, c, fd);
            break;
        case INTAKE_REQUEST:
            deadlines_clear(&cs->deadlines, &c->deadline);
            if (send_replies(w, fd) != 0)
                t = close_conn(cs, c, fd);
            else
                t = answer(cs, w, c, fd);
            break;
        default:
            if (s.event != INTAKE_NOT_MPX)
                deadlines_clear(&cs->deadlines, &c->deadline);
            t = refused(cs, w, c, fd, &s);
            break;
        }
        /* After a close, or a close begun, what follows is not a request
         * the front end expects an answer to. */
        if (t == TURN_CLOSED || c->closing) {
            w->in_len = 0;
            return t;
        }
        /* The request in progress ended: the ones set aside come next. */
        bool ended = s.event == INTAKE_REQUEST || s.event == INTAKE_TOO_LARGE
            || s.event == INTAKE_ABORTED;
        if (ended && w->bufs.deferred_len > 0) {
            memmove(w->in, w->in + used, w->in_len - used);
            w->in_len = intake_requeue(&c->intake, &w->bufs, w->in, w->in_len - used);
            used = 0;
        }
    }
}

/* Gives the worker what the connection kept while it waited. */
static void restore(struct worker *w, struct conn *c)
{
    w->in_len = 0;
    w->bufs.replies_len = 0;
    w->bufs.deferred_len = 0;
    if (c->kept == NULL)
        return;
    struct kept_bytes *k = c->kept;
    memcpy(w->in, k->bytes, k->in_len);
    memcpy(w->bufs.start, k->bytes + k->in_len, k->start_len);
    memcpy(w->bufs.deferred, k->bytes + k->in_len + k->start_len, k->deferred_len);
    w->in_len = k->in_len;
    w->bufs.start_len = k->start_len;
    w->bufs.deferred_len = k->deferred_len;
    free(k);
    c->kept = NULL;
}

/* Whether the bytes the worker holds for the connection are part of a
 * request: one in progress, or the first bytes of a BEGIN_REQUEST record
 * (not those of a management record, nor of records passed over). */
static bool request_begun(const struct worker *w, const struct conn *c)
{
    return c->intake.phase != INTAKE_IDLE || (w->in_len >= 2 && w->in[1] == FCGI_BEGIN_REQUEST);
}

/* Lets the connection wait in the set for more bytes: with what it has of
 * a record not yet whole, and a deadline for it. Returns TURN_WAIT, or
 * TURN_CLOSED if it could not. At a stop, once its linger is over, a
 * connection that has no request in progress is closed instead. */
static enum turn wait_for_more(struct connections *cs, struct worker *w, struct conn *c, int fd,
                               claim_token t)
{
    bool mid_request = w->in_len > 0 || c->intake.phase != INTAKE_IDLE;
    if (!mid_request && atomic_load(&cs->leaving)) {
        if (send_replies(w, fd) != 0)
            return close_conn(cs, c, fd);
        return begin_close(cs, c, fd);
    }
    if (mid_request) {
        size_t start = c->intake.phase == INTAKE_IDLE ? 0 : w->bufs.start_len;
        size_t deferred = w->bufs.deferred_len;
        struct kept_bytes *k = malloc(sizeof *k + w->in_len + start + deferred);
        if (k == NULL) {
            log_errno(errno, "keeping a request's bytes");
            return close_conn(cs, c, fd);
        }
        k->in_len = w->in_len;
        k->start_len = start;
        k->deferred_len = deferred;
        memcpy(k->bytes, w->in, w->in_len);
        memcpy(k->bytes + w->in_len, w->bufs.start, start);
        memcpy(k->bytes + w->in_len + start, w->bufs.deferred, deferred);
        c->kept = k;
        if (request_begun(w, c))
            begin_request(cs, c);
        if (!c->deadline.listed)
            deadlines_set(&cs->deadlines, &c->deadline, fcgi_now_ms() + CONNECTION_BOUND_S * 1000LL,
                          false);
    } else {
        deadlines_clear(&cs->deadlines, &c->deadline);
    }
    if (send_replies(w, fd) != 0)
        return close_conn(cs, c, fd);
    if (enlist(cs, t) != 0) {
        log_errno(errno, "epoll_ctl connection");
        return close_conn(cs, c, fd);
    }
    c->idle = !mid_request;
    return TURN_WAIT;
}

/* A request not whole at its deadline: closed, counted and logged. */
static enum turn expire(struct connections *cs, struct conn *c, int fd)
{
    end_request(cs, c, METRICS_TIMED_OUT);
    LOG_PEER(c, fd,
             "closed a FastCGI connection from %s: its request's %s did not arrive whole"
             " within %d s",
             c->intake.phase == INTAKE_BODY ? "body" : "start", CONNECTION_BOUND_S);
    return close_conn(cs, c, fd);
}

/* The peer closed or reset the connection: counted and logged if it left
 * a request unfinished. */
static enum turn peer_gone(struct connections *cs, struct worker *w, struct conn *c, int fd)
{
    if (request_begun(w, c)) {
        end_request(cs, c, METRICS_PEER_GONE);
        LOG_PEER(c, fd,
                 "closed a FastCGI connection from %s: the peer closed it before its"
                 " request was whole (%s)",
                 c->intake.phase == INTAKE_BODY ? "in its body" : "in its start");
    }
    return close_conn(cs, c, fd);
}

/* One turn of work on a held connection: read what has arrived, act on
 * each whole record, and wait again. to_end: read until nothing is left,
 * even after a short read (the peer's end may have come with the last
 * bytes, under the same edge). */
static enum turn work(struct connections *cs, struct worker *w, struct conn *c, claim_token t,
                      bool to_end)
{
    int fd = claim_fd(t);
    if (c->closing)
        return drain(cs, w, c, fd);
    if (c->deadline.listed && fcgi_now_ms() >= c->deadline.at) {
        free(c->kept);
        c->kept = NULL;
        return expire(cs, c, fd);
    }
    restore(w, c);
    for (;;) {
        size_t room = CONNECTION_READ_MAX - w->in_len;
        ssize_t n = recv(fd, w->in + w->in_len, room, MSG_DONTWAIT);
        if (n > 0) {
            w->in_len += (size_t)n;
            enum turn r = take_records(cs, w, c, fd);
            if (r == TURN_CLOSED || c->closing)
                return r;
            /* A short read took all there was: the next bytes, or the
             * peer's end, bring an event of their own, unless the peer's
             * end came already. */
            if ((size_t)n < room && !to_end)
                break;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        return peer_gone(cs, w, c, fd);
    }
    return wait_for_more(cs, w, c, fd, t);
}

void connection_serve(struct connections *cs, struct worker *w, claim_token t, uint32_t events)
{
    struct conn *c = &cs->table[claim_fd(t)];
    /* Looking again after a release that failed, nothing says what came. */
    for (bool to_end = (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0;; to_end = true) {
        if (work(cs, w, c, t, to_end) == TURN_CLOSED) {
            claims_closed(&cs->claims, t);
            atomic_fetch_sub(&cs->open, 1);
            return;
        }
        bool idle = c->idle && !c->closing;
        /* Counted idle before it is released: a worker may take it, and
         * count it out, as soon as it is. */
        if (idle)
            metrics_parked();
        if (claims_release(&cs->claims, t))
            return;
        /* An event came while it was held: bytes arrived that no other
         * event will announce. */
        if (idle)
            metrics_unparked();
    }
}

void connection_event(struct connections *cs, struct worker *w, claim_token t, uint32_t events)
{
    if (!claims_take(&cs->claims, t))
        return;
    struct conn *c = &cs->table[claim_fd(t)];
    if (c->idle && !c->closing)
        metrics_unparked();
    c->idle = false;
    connection_serve(cs, w, t, events);
}

void connection_adopt(struct connections *cs, claim_token t)
{
    int fd = claim_fd(t);
    struct conn *c = &cs->table[fd];
    /* Released before it is added: this thread serves nothing, so the
     * first event must find it free for a worker to take. Nothing can have
     * come for it while it was out of the set. */
    claims_mark_in_set(&cs->claims, t);
    c->idle = true;
    metrics_parked();
    (void)claims_release(&cs->claims, t);
    struct epoll_event ev = {.events = CONNECTION_EVENTS, .data.u64 = t};
    if (epoll_ctl(cs->epoll_fd, EPOLL_CTL_ADD, fd, &ev) == 0)
        return;
    log_errno(errno, "epoll_ctl connection");
    if (claims_take(&cs->claims, t)) {
        metrics_unparked();
        close_conn(cs, c, fd);
        claims_closed(&cs->claims, t);
        atomic_fetch_sub(&cs->open, 1);
    }
}
