#ifndef HELLO_LISTEN_H
#define HELLO_LISTEN_H

#include <sys/types.h>

#include "address.h"

/* Opens the listening socket: close-on-exec and non-blocking (the workers
 * accept from epoll). A unix path that a live server holds is refused, a
 * stale one replaced, and the new socket gets unix_mode. Returns the
 * listening socket, or -1 after a log line saying why. */
int listen_open(const struct address *a, mode_t unix_mode);

/* Closes what listen_open opened and removes a unix socket's file; logs
 * what failed. Returns 0, or -1 if anything failed. */
int listen_close(int fd, const struct address *a);

#endif
