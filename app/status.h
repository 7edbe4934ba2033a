#ifndef HELLO_STATUS_H
#define HELLO_STATUS_H

#include "address.h"

/* --status: asks the metrics listener at a (loopback for an every-interface
 * address) for its status page and prints it on stdout, within
 * STATUS_TIMEOUT_MS; the container image has no shell and no curl, so this
 * is how `docker exec` reads it. Returns the exit status: 0, or 1 after one
 * line on stderr saying what failed. */
enum { STATUS_TIMEOUT_MS = 3000 };

int status_print(const struct address *a);

#endif
