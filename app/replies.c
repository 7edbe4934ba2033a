#include <config.h>

#include "replies.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fcgi_record.h"

static struct reply_values values = {1, 1};

void replies_set_values(const struct reply_values *v)
{
    values = *v;
}

/* Reads a name-value pair's length (1 byte, or 4 with the top bit set) at
 * *off. Returns false if it runs past len. */
static bool pair_length(const unsigned char *b, size_t len, size_t *off, uint32_t *out)
{
    if (*off >= len)
        return false;
    if ((b[*off] & 0x80) == 0) {
        *out = b[(*off)++];
        return true;
    }
    if (len - *off < 4)
        return false;
    *out = (uint32_t)(b[*off] & 0x7f) << 24 | (uint32_t)b[*off + 1] << 16
        | (uint32_t)b[*off + 2] << 8 | b[*off + 3];
    *off += 4;
    return true;
}

/* Appends the pair name=value (both short) at *at, if it fits before end. */
static bool put_pair(unsigned char **at, const unsigned char *end, const char *name,
                     const char *value)
{
    size_t n = strlen(name), v = strlen(value);
    if ((size_t)(end - *at) < 2 + n + v)
        return false;
    *(*at)++ = (unsigned char)n;
    *(*at)++ = (unsigned char)v;
    memcpy(*at, name, n);
    memcpy(*at + n, value, v);
    *at += n + v;
    return true;
}

size_t reply_values(unsigned char *out, size_t room, const unsigned char *names, size_t len)
{
    if (room < FCGI_HEADER_LEN)
        return 0;
    unsigned char *at = out + FCGI_HEADER_LEN, *end = out + room;
    char conns[24], reqs[24];
    snprintf(conns, sizeof conns, "%lu", values.max_conns);
    snprintf(reqs, sizeof reqs, "%lu", values.max_reqs);
    /* A pair cut short ends the list: what came before it is answered.
     * Each name once, however often it is asked, so that the answer always
     * fits. */
    bool done[3] = {false, false, false};
    for (size_t off = 0; off < len;) {
        uint32_t n, v;
        if (!pair_length(names, len, &off, &n) || !pair_length(names, len, &off, &v)
            || len - off < (size_t)n + v)
            break;
        const char *name = (const char *)names + off;
        off += (size_t)n + v;
        const char *value = NULL;
        int which = -1;
        if (n == sizeof FCGI_MAX_CONNS - 1 && memcmp(name, FCGI_MAX_CONNS, n) == 0)
            value = conns, which = 0;
        else if (n == sizeof FCGI_MAX_REQS - 1 && memcmp(name, FCGI_MAX_REQS, n) == 0)
            value = reqs, which = 1;
        else if (n == sizeof FCGI_MPXS_CONNS - 1 && memcmp(name, FCGI_MPXS_CONNS, n) == 0)
            value = "0", which = 2;
        if (value != NULL && !done[which]) {
            done[which] = true;
            char copy[sizeof FCGI_MPXS_CONNS];
            memcpy(copy, name, n);
            copy[n] = '\0';
            if (!put_pair(&at, end, copy, value))
                return 0;
        }
    }
    size_t content = (size_t)(at - out) - FCGI_HEADER_LEN;
    fcgi_record_encode(out, FCGI_GET_VALUES_RESULT, FCGI_NULL_REQUEST_ID, content);
    return FCGI_HEADER_LEN + content;
}

size_t reply_unknown_type(unsigned char *out, size_t room, unsigned type)
{
    FCGI_UnknownTypeRecord r = {.body.type = (unsigned char)type};
    if (room < sizeof r)
        return 0;
    fcgi_record_encode((unsigned char *)&r.header, FCGI_UNKNOWN_TYPE, FCGI_NULL_REQUEST_ID,
                       sizeof r.body);
    memcpy(out, &r, sizeof r);
    return sizeof r;
}

size_t reply_end(unsigned char *out, size_t room, unsigned id, unsigned protocol_status)
{
    FCGI_EndRequestRecord r = {.body.protocolStatus = (unsigned char)protocol_status};
    if (room < sizeof r)
        return 0;
    fcgi_record_encode((unsigned char *)&r.header, FCGI_END_REQUEST, id, sizeof r.body);
    memcpy(out, &r, sizeof r);
    return sizeof r;
}

size_t reply_status(unsigned char *out, size_t room, unsigned id, const char *status)
{
    enum { TAIL = 2 * FCGI_HEADER_LEN + 8 }; /* the empty STDOUT, END_REQUEST */
    if (room < FCGI_HEADER_LEN + TAIL)
        return 0;
    char *text = (char *)out + FCGI_HEADER_LEN;
    size_t text_room = room - FCGI_HEADER_LEN - TAIL;
    int n = snprintf(text, text_room,
                     "Status: %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
                     "Content-Length: %zu\r\n\r\n%s\n",
                     status, strlen(status) + 1, status);
    if (n < 0 || (size_t)n >= text_room)
        return 0;
    size_t off = FCGI_HEADER_LEN + (size_t)n;
    fcgi_record_encode(out, FCGI_STDOUT, id, (size_t)n);
    fcgi_record_encode(out + off, FCGI_STDOUT, id, 0);
    off += FCGI_HEADER_LEN;
    return off + reply_end(out + off, room - off, id, FCGI_REQUEST_COMPLETE);
}
