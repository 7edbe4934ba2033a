#include <config.h>

#include "http_request.h"

#include <string.h>

/* RFC 9110's tchar: the characters of a method and a field name. */
static int is_tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return 1;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* A field value's characters: visible ASCII, obs-text, space and tab. */
static int is_value_char(unsigned char c)
{
    return c == ' ' || c == '\t' || (c >= 0x21 && c != 0x7f);
}

struct cursor {
    const char *p;
    size_t left;
};

/* Takes a run of characters that pass is(); at least one. Returns its
 * length, 0 if none, or -1 when the input ends inside it. */
static long run(struct cursor *c, int (*is)(unsigned char))
{
    size_t n = 0;
    while (n < c->left && is((unsigned char)c->p[n]))
        n++;
    if (n == c->left)
        return -1;
    c->p += n;
    c->left -= n;
    return (long)n;
}

/* Takes the exact bytes lit: 1, 0 if they differ, -1 if the input ends
 * while they agree so far. */
static int literal(struct cursor *c, const char *lit)
{
    size_t n = strlen(lit);
    size_t k = n < c->left ? n : c->left;
    if (memcmp(c->p, lit, k) != 0)
        return 0;
    if (k < n)
        return -1;
    c->p += n;
    c->left -= n;
    return 1;
}

static int is_target_char(unsigned char c)
{
    return c >= 0x21 && c <= 0x7e;
}

/* The outcome of a step that failed: more input could still make it. */
static long failed(long step)
{
    return step < 0 ? HTTP_REQUEST_INCOMPLETE : HTTP_REQUEST_BAD;
}

long http_request_parse(const char *buf, size_t len, struct http_request *r)
{
    struct cursor c = {buf, len};
    long n;
    memset(r, 0, sizeof *r);

    /* request-line = method SP request-target SP HTTP-version CRLF */
    r->method = c.p;
    if ((n = run(&c, is_tchar)) <= 0)
        return failed(n);
    r->method_len = (size_t)n;
    if ((n = literal(&c, " ")) <= 0)
        return failed(n);
    /* Only origin-form: this server has no proxy or OPTIONS * to serve. */
    if (c.left > 0 && c.p[0] != '/')
        return HTTP_REQUEST_BAD;
    r->target = c.p;
    if ((n = run(&c, is_target_char)) <= 0)
        return failed(n);
    r->target_len = (size_t)n;
    if ((n = literal(&c, " HTTP/1.")) <= 0)
        return failed(n);
    if (c.left == 0)
        return HTTP_REQUEST_INCOMPLETE;
    if (c.p[0] != '0' && c.p[0] != '1')
        return HTTP_REQUEST_BAD;
    r->minor_version = c.p[0] - '0';
    c.p++;
    c.left--;
    if ((n = literal(&c, "\r\n")) <= 0)
        return failed(n);

    /* *( field-name ":" OWS field-value OWS CRLF ) CRLF; no obs-fold, no
     * bare LF, no space before the colon. */
    for (;;) {
        if ((n = literal(&c, "\r\n")) < 0)
            return HTTP_REQUEST_INCOMPLETE;
        if (n == 1)
            return (long)(c.p - buf);
        if (r->headers == HTTP_REQUEST_MAX_HEADERS)
            return HTTP_REQUEST_BAD;
        if ((n = run(&c, is_tchar)) <= 0)
            return failed(n);
        if ((n = literal(&c, ":")) <= 0)
            return failed(n);
        if ((n = run(&c, is_value_char)) < 0)
            return HTTP_REQUEST_INCOMPLETE;
        if ((n = literal(&c, "\r\n")) <= 0)
            return failed(n);
        r->headers++;
    }
}
