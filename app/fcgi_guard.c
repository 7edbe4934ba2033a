#include <config.h>

#include "fcgi_guard.h"

#include <stdint.h>

#include "fcgi_protocol.h"

/* Walks name-value pairs whose bytes may be split over several records. */
struct pairs {
    int field;          /* 0: name length, 1: value length, 2: data */
    int len_bytes;      /* bytes of the current 4-byte length still to read */
    uint32_t len;       /* the length being read */
    uint32_t name_len;
    uint64_t skip;      /* data bytes still to pass */
};

/* Feeds content bytes; -1 if a pair is longer than the window. */
static int pairs_feed(struct pairs *p, const unsigned char *b, size_t n)
{
    for (size_t i = 0; i < n;) {
        if (p->field == 2) {
            uint64_t take = p->skip < n - i ? p->skip : n - i;
            p->skip -= take;
            i += (size_t)take;
            if (p->skip == 0)
                p->field = 0;
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
        if (p->len > GUARD_WINDOW)
            return -1;
        if (p->field == 0) {
            p->name_len = p->len;
            p->field = 1;
        } else {
            p->skip = (uint64_t)p->name_len + p->len;
            p->field = p->skip > 0 ? 2 : 0;
        }
    }
    return 0;
}

static int pairs_complete(const struct pairs *p)
{
    return p->field == 0 && p->len_bytes == 0;
}

/* libfcgi parses FCGI_GET_VALUES records with the same code, one each. */
static int check_values(const unsigned char *content, size_t clen, const char **why)
{
    struct pairs values = {0};
    if (pairs_feed(&values, content, clen) != 0 || !pairs_complete(&values)) {
        *why = "a management record's lengths are out of range";
        return -1;
    }
    return 0;
}

/* The verdict on the records in buf, not yet bounded by the window. */
static enum guard_verdict judge(const unsigned char *buf, size_t len, size_t *need,
                                const char **why)
{
    struct pairs params = {0};
    int ready = 0;
    int request_id = -1;        /* libfcgi serves the first BEGIN_REQUEST's id */
    size_t off = 0;
    /* After the parameters, the records already here are still checked:
     * libfcgi parses a management record whenever it meets one. */
    for (;;) {
        if (len - off < FCGI_HEADER_LEN) {
            *need = off + FCGI_HEADER_LEN;
            return ready ? GUARD_READY : GUARD_MORE;
        }
        const unsigned char *h = buf + off;
        if (h[0] != FCGI_VERSION_1) {
            if (ready)
                return GUARD_READY;     /* libfcgi will refuse it itself */
            *why = "not FastCGI version 1";
            return GUARD_REJECT;
        }
        size_t clen = (size_t)h[4] << 8 | h[5];
        int id = h[2] << 8 | h[3];
        /* libfcgi delivers the end of a stream (its empty record) before it
         * skips that record's padding, and then forgets the padding: after
         * the empty PARAMS record it reads the next header right behind it,
         * and after the empty STDIN record nothing more of this request
         * (found by tests/fuzz: padding hid a management record). */
        if (ready && h[1] == FCGI_STDIN && id == request_id && clen == 0)
            return GUARD_READY;
        int params_end = h[1] == FCGI_PARAMS && id == request_id && !ready && clen == 0;
        size_t end = off + FCGI_HEADER_LEN + clen + (params_end ? 0 : h[6]);
        const unsigned char *content = h + FCGI_HEADER_LEN;
        if (len < end) {
            int values = h[1] == FCGI_GET_VALUES && id == 0;
            if (!ready || (values && len < end - h[6])) {
                /* libfcgi would parse that record's content as it came. */
                *need = ready ? end - h[6] : end;
                return GUARD_MORE;
            }
            if (values && check_values(content, clen, why) != 0)
                return GUARD_REJECT;
            return GUARD_READY;
        }
        if (h[1] == FCGI_BEGIN_REQUEST && request_id < 0) {
            request_id = id;
        } else if (h[1] == FCGI_PARAMS && id == request_id && !ready) {
            if (clen == 0) {
                if (!pairs_complete(&params)) {
                    *why = "a parameter is cut short";
                    return GUARD_REJECT;
                }
                ready = 1;
            } else if (pairs_feed(&params, content, clen) != 0) {
                return GUARD_TOO_LARGE;
            }
        } else if (h[1] == FCGI_GET_VALUES && id == 0 && check_values(content, clen, why) != 0) {
            return GUARD_REJECT;
        }
        off = end;
    }
}

enum guard_verdict fcgi_guard(const unsigned char *buf, size_t len, size_t *need,
                              const char **why)
{
    enum guard_verdict v = judge(buf, len, need, why);
    return v == GUARD_MORE && *need > GUARD_WINDOW ? GUARD_TOO_LARGE : v;
}
