/* Unit tests of http_request_parse() (app/http_request.c), the parser of
 * the metrics listener's requests, table-driven in the manner of
 * picohttpparser's tests: each case is a whole input; every case is also
 * fed one byte short of each of its prefixes, which must all be
 * "incomplete" for a valid request and never "valid" early. */
#include <config.h>

#include <string.h>

#include "app/http_request.h"
#include "tap.h"

struct http_case {
    const char *name;
    const char *in;
    size_t len; /* sizeof the literal: NULs inside count */
    long want;  /* > 0: valid, that many bytes; 0: incomplete; -1: bad */
    const char *method, *target;
    int minor;
    unsigned headers;
};

#define VALID(name, in, method, target, minor, headers)                                            \
    {                                                                                              \
        name, in, sizeof in - 1, (long)sizeof in - 1, method, target, minor, headers               \
    }
#define BAD(name, in)                                                                              \
    {                                                                                              \
        name, in, sizeof in - 1, HTTP_REQUEST_BAD, NULL, NULL, 0, 0                                \
    }
#define MORE(name, in)                                                                             \
    {                                                                                              \
        name, in, sizeof in - 1, HTTP_REQUEST_INCOMPLETE, NULL, NULL, 0, 0                         \
    }

static const struct http_case cases[] = {
    VALID("simple GET", "GET /metrics HTTP/1.1\r\n\r\n", "GET", "/metrics", 1, 0),
    VALID("HTTP/1.0", "GET /status HTTP/1.0\r\n\r\n", "GET", "/status", 0, 0),
    VALID("Prometheus's scrape",
          "GET /metrics HTTP/1.1\r\nHost: app:9101\r\nUser-Agent: Prometheus/2.45.0\r\n"
          "Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5\r\n"
          "Accept-Encoding: gzip\r\nX-Prometheus-Scrape-Timeout-Seconds: 10\r\n\r\n",
          "GET", "/metrics", 1, 5),
    VALID("HEAD with a query", "HEAD /ping?x=1 HTTP/1.1\r\nHost: a\r\n\r\n", "HEAD", "/ping?x=1", 1,
          1),
    VALID("empty value", "GET / HTTP/1.1\r\nX-Empty:\r\n\r\n", "GET", "/", 1, 1),
    VALID("value with tabs and obs-text", "GET / HTTP/1.1\r\nX: a\tb \xff\r\n\r\n", "GET", "/", 1,
          1),
    VALID("unknown method is a token", "PURGE / HTTP/1.1\r\n\r\n", "PURGE", "/", 1, 0),
    MORE("nothing", ""),
    MORE("request line only", "GET /metrics HTTP/1.1\r\n"),
    MORE("inside a header", "GET / HTTP/1.1\r\nHost: a"),
    MORE("CR of the blank line", "GET / HTTP/1.1\r\nHost: a\r\n\r"),
    BAD("bare LF ends the line", "GET / HTTP/1.1\n\n"),
    BAD("bare LF after a header", "GET / HTTP/1.1\r\nHost: a\n\r\n"),
    BAD("lower-case version", "GET / http/1.1\r\n\r\n"),
    BAD("HTTP/2.0", "GET / HTTP/2.0\r\n\r\n"),
    BAD("HTTP/1.2", "GET / HTTP/1.2\r\n\r\n"),
    BAD("HTTP/0.9, no version", "GET /\r\n\r\n"),
    BAD("absolute-form target", "GET http://a/metrics HTTP/1.1\r\n\r\n"),
    BAD("asterisk-form", "OPTIONS * HTTP/1.1\r\n\r\n"),
    BAD("two spaces", "GET  / HTTP/1.1\r\n\r\n"),
    BAD("tab as separator", "GET\t/ HTTP/1.1\r\n\r\n"),
    BAD("empty method", " / HTTP/1.1\r\n\r\n"),
    BAD("control byte in the target", "GET /a\x01 HTTP/1.1\r\n\r\n"),
    BAD("NUL in the target", "GET /\0 HTTP/1.1\r\n\r\n"),
    BAD("space before the colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n"),
    BAD("no colon", "GET / HTTP/1.1\r\nHost\r\n\r\n"),
    BAD("obs-fold", "GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n"),
    BAD("empty field name", "GET / HTTP/1.1\r\n: a\r\n\r\n"),
    BAD("control byte in a value", "GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n"),
    BAD("NUL in a value", "GET / HTTP/1.1\r\nX: a\0b\r\n\r\n"),
    BAD("junk after the version", "GET / HTTP/1.1x\r\n\r\n"),
};

int main(void)
{
    char many[8192];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct http_case *c = &cases[i];
        size_t len = c->len;
        struct http_request r;
        long got = http_request_parse(c->in, len, &r);
        if (!ok(got == c->want, "%s: %s", c->name,
                c->want > 0        ? "valid"
                    : c->want == 0 ? "incomplete"
                                   : "bad"))
            diag("got %ld, wanted %ld", got, c->want);
        if (c->want > 0) {
            ok(r.method_len == strlen(c->method) && memcmp(r.method, c->method, r.method_len) == 0
                   && r.target_len == strlen(c->target)
                   && memcmp(r.target, c->target, r.target_len) == 0 && r.minor_version == c->minor
                   && r.headers == c->headers,
               "%s: method, target, version, header count", c->name);
            /* Bytes after the blank line belong to no one: ignored. */
            char more[1024];
            memcpy(more, c->in, len);
            memcpy(more + len, "XYZ", 3);
            ok(http_request_parse(more, len + 3, &r) == c->want, "%s: trailing bytes ignored",
               c->name);
        }
        /* Every prefix: a valid request is incomplete until its last byte;
         * a bad one is incomplete or bad, never valid. */
        int prefixes_ok = 1;
        for (size_t k = 0; k < len; k++) {
            long p = http_request_parse(c->in, k, &r);
            if (c->want >= 0 ? p != HTTP_REQUEST_INCOMPLETE : p > 0)
                prefixes_ok = 0;
        }
        ok(prefixes_ok, "%s: every prefix is %s", c->name,
           c->want >= 0 ? "incomplete" : "never valid");
    }

    /* HTTP_REQUEST_MAX_HEADERS fields pass; one more is bad. */
    for (unsigned n = HTTP_REQUEST_MAX_HEADERS; n <= HTTP_REQUEST_MAX_HEADERS + 1; n++) {
        size_t len = 0;
        len += (size_t)snprintf(many, sizeof many, "GET / HTTP/1.1\r\n");
        for (unsigned i = 0; i < n; i++)
            len += (size_t)snprintf(many + len, sizeof many - len, "X%u: v\r\n", i);
        len += (size_t)snprintf(many + len, sizeof many - len, "\r\n");
        struct http_request r;
        long got = http_request_parse(many, len, &r);
        ok(n == HTTP_REQUEST_MAX_HEADERS ? got == (long)len : got == HTTP_REQUEST_BAD,
           "%u header fields: %s", n, n == HTTP_REQUEST_MAX_HEADERS ? "valid" : "bad");
    }
    return done_testing();
}
