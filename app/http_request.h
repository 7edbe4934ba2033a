#ifndef HELLO_HTTP_REQUEST_H
#define HELLO_HTTP_REQUEST_H

/* A strict parser of an HTTP/1.0 or 1.1 request's start (request line and
 * header fields, RFC 9112), for the metrics listener: it reads bytes from
 * anyone who reaches that port, so it accepts only what a client such as
 * Prometheus or curl sends and rejects the rest. It does not copy or keep
 * anything; the fields point into the buffer. tests/unit/http_request.c and
 * tests/fuzz/http_request.c exercise it. */

#include <stddef.h>

struct http_request {
    const char *method;
    size_t method_len;
    const char *target; /* origin-form: starts with '/' */
    size_t target_len;
    int minor_version; /* HTTP/1.x */
    unsigned headers;  /* how many header fields */
};

enum {
    HTTP_REQUEST_MAX_HEADERS = 64,
    HTTP_REQUEST_INCOMPLETE = 0,
    HTTP_REQUEST_BAD = -1,
};

/* Parses buf[0..len): the length of the request's start, blank line
 * included, once it is complete and valid; HTTP_REQUEST_INCOMPLETE if it
 * may yet become so with more bytes; HTTP_REQUEST_BAD otherwise. */
long http_request_parse(const char *buf, size_t len, struct http_request *r);

#endif
