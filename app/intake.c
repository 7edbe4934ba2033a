#include <config.h>

#include "intake.h"

#include <string.h>

#include "replies.h"

/* The most a single reply takes (a GET_VALUES_RESULT with the three names,
 * a 431 answer): FLUSH is asked for before the room left falls below it. */
enum { REPLY_MAX = 512 };

static struct intake_step event(enum intake_event e, unsigned id)
{
    return (struct intake_step){.event = e, .id = id, .value = -1};
}

static struct intake_step refused(const char *why, long value)
{
    return (struct intake_step){.event = INTAKE_REFUSED, .why = why, .value = value};
}

/* Appends a record of the request's start, without padding. */
static void keep_record(struct intake_bufs *b, unsigned type, unsigned id,
                        const unsigned char *content, size_t len)
{
    fcgi_record_encode(b->start + b->start_len, type, id, len);
    if (len > 0)
        memcpy(b->start + b->start_len + FCGI_HEADER_LEN, content, len);
    b->start_len += FCGI_HEADER_LEN + len;
}

/* Queues a reply made by fn-like code: len is what it wrote (never 0: the
 * room is kept by FLUSH). */
static void queued(struct intake_bufs *b, size_t len)
{
    b->replies_len += len;
}

/* Returns whether the request id has been set aside. */
static bool is_deferred(const struct intake *st, unsigned id)
{
    for (unsigned i = 0; i < st->deferred; i++)
        if (st->deferred_id[i] == id)
            return true;
    return false;
}

/* Sets a record of a request aside (without its padding). Returns false if
 * there is no room left. */
static bool defer_record(struct intake_bufs *b, const struct fcgi_record *r,
                         const unsigned char *content)
{
    if (sizeof b->deferred - b->deferred_len < FCGI_HEADER_LEN + r->content_len)
        return false;
    unsigned char *at = b->deferred + b->deferred_len;
    fcgi_record_encode(at, r->type, r->request_id, r->content_len);
    if (r->content_len > 0)
        memcpy(at + FCGI_HEADER_LEN, content, r->content_len);
    b->deferred_len += FCGI_HEADER_LEN + r->content_len;
    return true;
}

/* Takes a request set aside off the list, and its records out of the
 * buffer (they are in it without padding). */
static void undefer(struct intake *st, struct intake_bufs *b, unsigned id)
{
    size_t kept = 0;
    for (size_t off = 0; off < b->deferred_len;) {
        struct fcgi_record r = fcgi_record_decode(b->deferred + off);
        size_t whole = FCGI_HEADER_LEN + r.content_len;
        if (r.request_id != id) {
            memmove(b->deferred + kept, b->deferred + off, whole);
            kept += whole;
        }
        off += whole;
    }
    b->deferred_len = kept;
    for (unsigned i = 0; i < st->deferred; i++)
        if (st->deferred_id[i] == id)
            st->deferred_id[i] = st->deferred_id[--st->deferred];
}

size_t intake_requeue(struct intake *st, struct intake_bufs *b, unsigned char *buf, size_t len)
{
    memmove(buf + b->deferred_len, buf, len);
    memcpy(buf, b->deferred, b->deferred_len);
    len += b->deferred_len;
    b->deferred_len = 0;
    st->deferred = 0;
    return len;
}

/* BEGIN_REQUEST. Returns INTAKE_MORE to go on with the next record. */
static struct intake_step begin(struct intake *st, struct intake_bufs *b,
                                const struct fcgi_record *r, const unsigned char *body)
{
    unsigned id = r->request_id;
    size_t len = r->content_len;
    unsigned char *out = b->replies + b->replies_len;
    size_t room = sizeof b->replies - b->replies_len;
    if (id == FCGI_NULL_REQUEST_ID)
        return refused("a BEGIN_REQUEST record for request 0", -1);
    if (len != sizeof(FCGI_BeginRequestBody))
        return refused("a BEGIN_REQUEST record whose body is not 8 bytes", (long)len);
    if (st->phase != INTAKE_IDLE) {
        if (id == st->id || is_deferred(st, id))
            return refused("a second BEGIN_REQUEST for a request in progress", (long)id);
        /* Served after the one in progress (intake.h says why), while there
         * is room; beyond, the specification's answer from an application
         * that does not multiplex (5.5). */
        if (st->deferred < INTAKE_DEFER_MAX && defer_record(b, r, body)) {
            st->deferred_id[st->deferred++] = (uint16_t)id;
            return event(INTAKE_MORE, id);
        }
        queued(b, reply_end(out, room, id, FCGI_CANT_MPX_CONN));
        return event(INTAKE_NOT_MPX, id);
    }
    unsigned role = (unsigned)body[0] << 8 | body[1];
    st->id = (uint16_t)id;
    st->keep = (body[2] & FCGI_KEEP_CONN) != 0;
    if (role != FCGI_RESPONDER) {
        queued(b, reply_end(out, room, id, FCGI_UNKNOWN_ROLE));
        struct intake_step s = event(INTAKE_UNKNOWN_ROLE, id);
        s.value = (long)role;
        return s;
    }
    st->phase = INTAKE_START;
    st->too_large = false;
    b->start_len = 0;
    keep_record(b, FCGI_BEGIN_REQUEST, id, body, len);
    return event(INTAKE_MORE, id);
}

/* A PARAMS record of the request in progress. */
static struct intake_step params(struct intake *st, struct intake_bufs *b,
                                 const unsigned char *content, size_t len)
{
    if (st->phase == INTAKE_BODY) {
        /* Two client libraries end a request without parameters with two
         * empty PARAMS records: the second says nothing new. */
        if (len == 0)
            return event(INTAKE_MORE, st->id);
        return refused("a PARAMS record after the parameters ended", (long)len);
    }
    if (len > 0) {
        /* The empty PARAMS and STDIN records that end the request must
         * still fit. */
        if (b->start_len + 3 * FCGI_HEADER_LEN + len > INTAKE_START_MAX)
            st->too_large = true;
        if (!st->too_large)
            keep_record(b, FCGI_PARAMS, st->id, content, len);
        return event(INTAKE_MORE, st->id);
    }
    st->phase = INTAKE_BODY;
    if (st->too_large)
        return event(INTAKE_MORE, st->id);
    keep_record(b, FCGI_PARAMS, st->id, NULL, 0);
    /* libfcgi trusts the pairs' lengths (app/fcgi_guard.h). */
    struct guard_result g = fcgi_guard(b->start, b->start_len);
    if (g.verdict == GUARD_TOO_LARGE)
        st->too_large = true;
    else if (g.verdict == GUARD_REJECT)
        return refused(g.why, g.value);
    else if (g.verdict != GUARD_READY)
        return refused("the guard did not find the end of the parameters", -1);
    return event(INTAKE_MORE, st->id);
}

/* A STDIN record of the request in progress. */
static struct intake_step body(struct intake *st, struct intake_bufs *b, size_t len)
{
    if (st->phase == INTAKE_START)
        return refused("a STDIN record before the parameters ended", (long)len);
    if (len > 0)
        return event(INTAKE_MORE, st->id); /* this responder never reads a body */
    st->phase = INTAKE_IDLE;
    if (st->too_large) {
        queued(b,
               reply_status(b->replies + b->replies_len, sizeof b->replies - b->replies_len, st->id,
                            "431 Request Header Fields Too Large"));
        return event(INTAKE_TOO_LARGE, st->id);
    }
    keep_record(b, FCGI_STDIN, st->id, NULL, 0);
    return event(INTAKE_REQUEST, st->id);
}

/* One whole record. Returns INTAKE_MORE to go on with the next one. */
static struct intake_step record(struct intake *st, struct intake_bufs *b,
                                 const struct fcgi_record *r, const unsigned char *content)
{
    unsigned char *out = b->replies + b->replies_len;
    size_t room = sizeof b->replies - b->replies_len;
    if (r->type == FCGI_BEGIN_REQUEST)
        return begin(st, b, r, content);
    if (r->request_id == FCGI_NULL_REQUEST_ID) {
        if (r->type == FCGI_GET_VALUES)
            queued(b, reply_values(out, room, content, r->content_len));
        else
            queued(b, reply_unknown_type(out, room, r->type));
        return event(INTAKE_MORE, 0);
    }
    if (st->phase != INTAKE_IDLE && r->request_id != st->id && is_deferred(st, r->request_id)) {
        /* A body's content is thrown away in any case, and so is a
         * filter's data stream. */
        if ((r->type == FCGI_STDIN || r->type == FCGI_DATA) && r->content_len > 0)
            return event(INTAKE_MORE, r->request_id);
        if (defer_record(b, r, content))
            return event(INTAKE_MORE, r->request_id);
        /* No room left: this one is refused as if it had come with none. */
        undefer(st, b, r->request_id);
        queued(b, reply_end(out, room, r->request_id, FCGI_CANT_MPX_CONN));
        return event(INTAKE_NOT_MPX, r->request_id);
    }
    if (st->phase == INTAKE_IDLE || r->request_id != st->id)
        return event(INTAKE_MORE, r->request_id); /* not a request in progress */
    switch (r->type) {
    case FCGI_PARAMS:
        return params(st, b, content, r->content_len);
    case FCGI_STDIN:
        return body(st, b, r->content_len);
    case FCGI_ABORT_REQUEST:
        st->phase = INTAKE_IDLE;
        queued(b, reply_end(out, room, st->id, FCGI_REQUEST_COMPLETE));
        return event(INTAKE_ABORTED, st->id);
    case FCGI_DATA:
        return event(INTAKE_MORE, st->id); /* a filter's stream: not for a responder */
    default:
        return refused("a record of a type a front end does not send", (long)r->type);
    }
}

struct intake_step intake_next(struct intake *st, struct intake_bufs *b, const unsigned char *buf,
                               size_t len)
{
    size_t off = 0;
    for (;;) {
        struct intake_step s;
        if (sizeof b->replies - b->replies_len < REPLY_MAX) {
            s = event(INTAKE_FLUSH, st->id);
        } else if (len - off < FCGI_HEADER_LEN) {
            s = event(INTAKE_MORE, st->id);
        } else {
            struct fcgi_record r = fcgi_record_decode(buf + off);
            size_t whole = FCGI_HEADER_LEN + r.content_len + r.padding_len;
            if (r.version != FCGI_VERSION_1)
                s = refused("unsupported FastCGI protocol version", (long)r.version);
            else if (len - off < whole)
                s = event(INTAKE_MORE, st->id);
            else {
                s = record(st, b, &r, buf + off + FCGI_HEADER_LEN);
                off += whole;
                if (s.event == INTAKE_MORE)
                    continue;
            }
        }
        s.used = off;
        return s;
    }
}
