#ifndef HELLO_FCGI_GUARD_H
#define HELLO_FCGI_GUARD_H

#include <stddef.h>

/* A check of the start of a request before libfcgi reads it.
 *
 * libfcgi trusts the name and value lengths of FastCGI parameters: in the
 * Debian builds (2.4.2 with its CVE-2025-23016 patch, 2.4.5) two lengths
 * that each pass its check can still overflow their int sum, and one record
 * then makes it abort (found by tests/fuzz). So a request's start, as
 * intake keeps it (app/intake.c: BEGIN_REQUEST and the PARAMS records, one
 * after the other, without padding), reaches libfcgi only once the guard
 * has seen every length sane; anything else is refused before libfcgi
 * allocates a byte. The guard reads records as libfcgi would, so that it
 * also holds for bytes libfcgi would read from a connection itself
 * (tests/unit/guard.c drives it that way). */

/* The most a request's start (BEGIN_REQUEST and every PARAMS record) may
 * take, with the record that ends its body (app/intake.h). nginx as configured here forwards at most about 33 kB (4 x 8 kB of
 * headers plus the request line and the parameters); Apache and Caddy
 * forward far more (hundreds of kB of headers): such a request is answered
 * 431 (app/intake.c), not served and not dropped. */
enum { GUARD_WINDOW = 65536 };

enum guard_verdict {
    GUARD_READY,     /* the parameters are complete and sane */
    GUARD_MORE,      /* wait until `need` bytes are there, then ask again */
    GUARD_TOO_LARGE, /* a well-formed start longer than GUARD_WINDOW */
    GUARD_REJECT,    /* not FastCGI that can be served; `why` says why */
};

/* The guard's verdict and what goes with it. */
struct guard_result {
    enum guard_verdict verdict;
    size_t need;     /* GUARD_MORE: the bytes to wait for (from buf's start) */
    const char *why; /* GUARD_REJECT: what is wrong, for a log line */
    long value;      /* GUARD_REJECT: the bad value why speaks of, or -1 if none */
};

/* Judges the len bytes of a request's start at buf.
 * Returns the verdict: ready, wait for more, too large, or refused and why. */
struct guard_result fcgi_guard(const unsigned char *buf, size_t len);

#endif
