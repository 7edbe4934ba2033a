#include <config.h>

#include "fcgi_guard.h"

#include <stdbool.h>
#include <stdint.h>

#include "fcgi_record.h"

/*
 * The guard reads the request's start in two layers, as nginx's FastCGI
 * module does (a record parser, then a header parser over its content):
 * framing finds where each record begins and ends and how much of it has
 * arrived (frame_at); the rules decide, record by record, what libfcgi
 * would do with it (apply_rules). The name-value pairs inside PARAMS and
 * GET_VALUES records are walked by a third, byte-wise parser (pairs_feed),
 * since a pair may be split over several records.
 *
 * Where libfcgi's reading departs from the specification, the rules follow
 * libfcgi (its FillBuffProc and ReadParams) or refuse: a front end never
 * sends those shapes, and each of them once let a pair the guard had not
 * seen reach libfcgi's allocation (tests/fuzz found two of them; the
 * others were found reading libfcgi beside those).
 */

/* Where the pair parser is inside a name-value pair. */
enum pair_state {
    PAIR_NAME_LEN,  /* reading the name's length (1 byte, or 4 if its top bit is set) */
    PAIR_VALUE_LEN, /* reading the value's length, the same way */
    PAIR_DATA,      /* passing over the name's and the value's bytes */
};

/* Walks name-value pairs whose bytes may be split over several records. */
struct pairs {
    enum pair_state state;
    int len_bytes; /* bytes of the current 4-byte length still to read */
    uint32_t len;  /* the length being read */
    uint32_t name_len;
    uint64_t skip; /* data bytes still to pass */
};

/* Feeds n content bytes to the pair parser. Returns 0, or -1 if a length is
 * longer than the window (*bad, that length). */
static int pairs_feed(struct pairs *p, const unsigned char *b, size_t n, uint32_t *bad)
{
    for (size_t i = 0; i < n;) {
        if (p->state == PAIR_DATA) {
            uint64_t take = p->skip < n - i ? p->skip : n - i;
            p->skip -= take;
            i += (size_t)take;
            if (p->skip == 0)
                p->state = PAIR_NAME_LEN;
            continue;
        }
        unsigned char c = b[i++];
        if (p->len_bytes == 0 && (c & 0x80) != 0) {
            p->len = c & 0x7fu;
            p->len_bytes = 3;
            continue;
        }
        if (p->len_bytes > 0) {
            p->len = p->len << 8 | c;
            if (--p->len_bytes > 0)
                continue;
        } else {
            p->len = c;
        }
        /* A pair longer than the window could never be seen whole; limiting
         * both lengths also keeps libfcgi's int sum far from overflow. */
        if (p->len > GUARD_WINDOW) {
            *bad = p->len;
            return -1;
        }
        if (p->state == PAIR_NAME_LEN) {
            p->name_len = p->len;
            p->state = PAIR_VALUE_LEN;
        } else {
            p->skip = (uint64_t)p->name_len + p->len;
            p->state = p->skip > 0 ? PAIR_DATA : PAIR_NAME_LEN;
        }
    }
    return 0;
}

/* Returns whether the bytes fed so far end exactly at a pair's end. */
static bool pairs_complete(const struct pairs *p)
{
    return p->state == PAIR_NAME_LEN && p->len_bytes == 0;
}

/* Returns a result that is the verdict v alone. */
static struct guard_result verdict(enum guard_verdict v)
{
    return (struct guard_result){.verdict = v, .value = -1};
}

/* Returns the result "wait until need bytes are there". */
static struct guard_result need_bytes(size_t need)
{
    return (struct guard_result){.verdict = GUARD_MORE, .need = need, .value = -1};
}

/* Returns a refusal, for why and its bad value (-1: none). */
static struct guard_result reject(const char *why, long value)
{
    return (struct guard_result){.verdict = GUARD_REJECT, .why = why, .value = value};
}

/* libfcgi parses FCGI_GET_VALUES records with the same code, one each.
 * Returns true, or false with *r the refusal. */
static bool check_values(const unsigned char *content, size_t clen, struct guard_result *r)
{
    struct pairs values = {0};
    uint32_t bad = 0;
    if (pairs_feed(&values, content, clen, &bad) != 0) {
        *r = reject("a management record's pair length is out of range", (long)bad);
        return false;
    }
    if (!pairs_complete(&values)) {
        *r = reject("a management record's pairs are cut short", -1);
        return false;
    }
    return true;
}

/* libfcgi refuses a BEGIN_REQUEST for request 0 or whose body is not 8
 * bytes, wherever it comes; and it forgets the padding of the one it
 * accepts (`first`), reading the next header from inside that padding,
 * where the guard would not look. No front end pads an 8-byte body.
 * Returns true, with *r the refusal, if rec is one of those. */
static bool begin_refused(const struct fcgi_record *rec, struct guard_result *r, bool first)
{
    if (rec->request_id == FCGI_NULL_REQUEST_ID)
        *r = reject("a BEGIN_REQUEST record for request 0", -1);
    else if (rec->content_len != sizeof(FCGI_BeginRequestBody))
        *r = reject("a BEGIN_REQUEST record whose body is not 8 bytes", (long)rec->content_len);
    else if (first && rec->padding_len != 0)
        *r = reject("a padded BEGIN_REQUEST record", (long)rec->padding_len);
    else
        return false;
    return true;
}

/* What the guard has learned of the request's start so far. */
struct start {
    struct pairs params;
    int request_id; /* -1 until BEGIN_REQUEST: libfcgi serves the first one's id */
    bool ready;     /* the parameters ended (the empty PARAMS record) */
};

/* One record, as framing sees it. */
struct frame {
    struct fcgi_record rec;
    const unsigned char *content;
    size_t content_end; /* the offset just past its content */
    size_t end;         /* the offset where libfcgi reads the next header */
    size_t len;         /* the bytes in the buffer */
};

/* Framing: the record whose header is at off. Returns false if that header
 * is not all in the buffer yet. */
static bool frame_at(const struct start *st, const unsigned char *buf, size_t len, size_t off,
                     struct frame *f)
{
    if (len - off < FCGI_HEADER_LEN)
        return false;
    f->rec = fcgi_record_decode(buf + off);
    f->content = buf + off + FCGI_HEADER_LEN;
    f->content_end = off + FCGI_HEADER_LEN + f->rec.content_len;
    /* libfcgi delivers the end of a stream (its empty record) before it
     * skips that record's padding, and then forgets the padding: after the
     * empty PARAMS record it reads the next header right behind it, and
     * after the empty STDIN record nothing more of this request (found by
     * tests/fuzz: padding hid a management record). */
    bool params_end = f->rec.type == FCGI_PARAMS && (int)f->rec.request_id == st->request_id
        && !st->ready && f->rec.content_len == 0;
    f->end = f->content_end + (params_end ? 0 : f->rec.padding_len);
    f->len = len;
    return true;
}

/* The rules: what libfcgi would do with the record in f. Returns true with
 * *r the verdict once there is one, false to go on to the next record. */
static bool apply_rules(struct start *st, const struct frame *f, struct guard_result *r)
{
    const struct fcgi_record *rec = &f->rec;
    int id = (int)rec->request_id;
    if (rec->version != FCGI_VERSION_1) {
        /* After the parameters libfcgi refuses such a record itself. */
        *r = st->ready ? verdict(GUARD_READY)
                       : reject("unsupported FastCGI protocol version", (long)rec->version);
        return true;
    }
    if (st->ready && rec->type == FCGI_STDIN && id == st->request_id && rec->content_len == 0) {
        *r = verdict(GUARD_READY);
        return true;
    }
    bool values = rec->type == FCGI_GET_VALUES && id == FCGI_NULL_REQUEST_ID;
    if (f->len < f->end) {
        /* After the parameters, the records already here are still checked:
         * libfcgi parses a management record whenever it meets one, and
         * parses its content as it comes. */
        if (!st->ready || (values && f->len < f->content_end))
            *r = need_bytes(st->ready ? f->content_end : f->end);
        else if (!values || check_values(f->content, rec->content_len, r))
            *r = verdict(GUARD_READY);
        return true;
    }
    /* Before the parameters end, a record that makes libfcgi's header
     * parsing fail must be refused: ReadParams takes the failure for the
     * end of the parameters, and the body is then read from right behind
     * that record's header, inside its content or padding (found by
     * tests/fuzz: a management record hidden there). */
    if (!st->ready && rec->type == FCGI_BEGIN_REQUEST && begin_refused(rec, r, st->request_id < 0))
        return true;
    if (!st->ready && id == st->request_id && rec->type != FCGI_PARAMS
        && rec->type != FCGI_BEGIN_REQUEST) {
        *r = reject("a record of the request other than its parameters before they end",
                    (long)rec->type);
        return true;
    }
    if (rec->type == FCGI_BEGIN_REQUEST && st->request_id < 0) {
        st->request_id = id;
    } else if (id == FCGI_NULL_REQUEST_ID && !st->ready && rec->type != FCGI_GET_VALUES
               && rec->type != FCGI_BEGIN_REQUEST) {
        /* libfcgi answers FCGI_UNKNOWN_TYPE and then hands the record's
         * content to whatever stream it is reading: the parameters, where
         * it would be parsed unchecked. */
        *r = reject("a management record of unknown type before the parameters end",
                    (long)rec->type);
        return true;
    } else if (id != FCGI_NULL_REQUEST_ID && id != st->request_id && !st->ready
               && rec->type != FCGI_BEGIN_REQUEST && rec->content_len == 0) {
        /* libfcgi passes over another request's records, but an empty one
         * leaves it passing over the next record's content too: one of the
         * parameters, which the guard would then read out of step with it. */
        *r = reject("an empty record of another request before the parameters end", id);
        return true;
    } else if (rec->type == FCGI_PARAMS && id == st->request_id && !st->ready) {
        uint32_t bad = 0;
        if (rec->content_len == 0) {
            if (!pairs_complete(&st->params)) {
                *r = reject("a parameter is cut short", -1);
                return true;
            }
            st->ready = true;
        } else if (pairs_feed(&st->params, f->content, rec->content_len, &bad) != 0) {
            *r = verdict(GUARD_TOO_LARGE);
            return true;
        }
    } else if (values && !check_values(f->content, rec->content_len, r)) {
        return true;
    }
    return false;
}

/* Returns the verdict on the records in buf, not yet bounded by the window. */
static struct guard_result judge(const unsigned char *buf, size_t len)
{
    struct start st = {.request_id = -1};
    struct guard_result r;
    struct frame f;
    for (size_t off = 0;; off = f.end) {
        if (!frame_at(&st, buf, len, off, &f))
            return st.ready ? verdict(GUARD_READY) : need_bytes(off + FCGI_HEADER_LEN);
        if (apply_rules(&st, &f, &r))
            return r;
    }
}

struct guard_result fcgi_guard(const unsigned char *buf, size_t len)
{
    struct guard_result r = judge(buf, len);
    return r.verdict == GUARD_MORE && r.need > GUARD_WINDOW ? verdict(GUARD_TOO_LARGE) : r;
}
