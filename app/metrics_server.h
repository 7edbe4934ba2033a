#ifndef HELLO_METRICS_SERVER_H
#define HELLO_METRICS_SERVER_H

#include "address.h"

/* The metrics listener (--metrics-listen): a thread of its own serving
 * GET/HEAD /metrics, /status and /ping over HTTP/1.x. Opens the socket and
 * starts the thread, which runs until the process exits; logs and returns
 * -1 on failure. */
int metrics_server_start(const struct address *a);

/* The longest an HTTP client may take over one connection. */
enum { METRICS_CONNECTION_MS = 2000, METRICS_REQUEST_MAX = 4096 };

#endif
