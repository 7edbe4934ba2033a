#ifndef HELLO_HEALTHCHECK_H
#define HELLO_HEALTHCHECK_H

#include "address.h"

/* One complete FastCGI request to the server at a (loopback for an
 * every-interface address), within HEALTHCHECK_TIMEOUT_MS. Returns the exit
 * status: 0 if the answer is 200 "Hello World!", or 1 after one line on
 * stderr saying what failed. The container image has no shell and no curl:
 * this is its health check. */
enum { HEALTHCHECK_TIMEOUT_MS = 3000 };

int healthcheck(const struct address *a);

#endif
