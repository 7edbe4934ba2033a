#ifndef HELLO_ADMISSION_H
#define HELLO_ADMISSION_H

#include <stddef.h>

/* Admission: before libfcgi reads a request, the server peeks at the
 * request's start (its BEGIN_REQUEST and every PARAMS record, up to the
 * empty PARAMS record that ends them) and lets the connection through only
 * once fcgi_guard() has seen all of its parameters with sane lengths:
 * libfcgi would abort the whole process on some lengths (app/fcgi_guard.h).
 * Nothing is read: what is let through is still queued for libfcgi. */

enum admission_outcome {
    ADMISSION_READY,       /* the start is complete and sane: libfcgi may read it */
    ADMISSION_WAIT,        /* nothing to read yet (a spurious wake-up): park it again */
    ADMISSION_TOO_LARGE,   /* a sane start longer than GUARD_WINDOW, still unread */
    ADMISSION_REFUSED,     /* not FastCGI that can be served: why, value */
    ADMISSION_STALLED,     /* the start was not complete within the timeout */
    ADMISSION_PEER_CLOSED, /* the peer closed or reset it (have 0: a kept connection's end) */
    ADMISSION_ERROR,       /* a call failed: why names it, err is its errno value */
};

/* The outcome of admission_check() and what the log line needs. */
struct admission {
    enum admission_outcome outcome;
    size_t have;     /* bytes of the start that had arrived */
    const char *why; /* REFUSED: what is wrong; ERROR: the call that failed */
    long value;      /* REFUSED: the bad value, or -1 if why names none */
    int err;         /* ERROR: the errno value */
};

/* Peeks at the request waiting on the blocking socket fd, waiting at most
 * timeout_ms for the rest of its start. Returns the outcome; the connection
 * is left open whatever it is. */
struct admission admission_check(int fd, int timeout_ms);

#endif
