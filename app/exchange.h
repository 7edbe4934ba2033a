#ifndef HELLO_EXCHANGE_H
#define HELLO_EXCHANGE_H

#include <stddef.h>

#include "address.h"

/* The program's client modes (--healthcheck, --status) each make one
 * request on a fresh connection and read one answer; this is that exchange,
 * so that both report a failed step the same way. */

/* Reads the answer from fd before the deadline into what ctx points at.
 * Returns 0, or -1 with errno set. */
typedef int exchange_read_fn(int fd, void *ctx, long long deadline);

/* Connects to a (loopback for an every-interface address), sends req,
 * calls read_answer, and closes, all within timeout_ms. Returns 0, or -1
 * after one line on stderr: "WHO: ADDRESS: STEP: strerror". */
int exchange(const char *who, const struct address *a, const void *req, size_t len,
             exchange_read_fn *read_answer, void *ctx, int timeout_ms);

#endif
