#ifndef HELLO_HANDOVER_H
#define HELLO_HANDOVER_H

#include <fcgiapp.h>
#include <stdbool.h>
#include <stddef.h>

/* The handover: how a whole request that intake has read (app/intake.h)
 * reaches libfcgi, and how libfcgi's answer reaches the connection. One per
 * worker. */
struct handover {
    FCGX_Request req;
    int rd, wr; /* the pipe libfcgi reads requests from */
};

/* Returns 0, or -1 after a log line. */
int handover_init(struct handover *h);
void handover_free(struct handover *h);

enum handover_result {
    HANDOVER_ANSWERED,  /* the answer is written */
    HANDOVER_UNWRITTEN, /* writing the answer failed (counted and logged) */
    HANDOVER_FAILED,    /* libfcgi did not take the request (counted and logged) */
};

/* Gives libfcgi the request in the len bytes at request (BEGIN_REQUEST, the
 * PARAMS records, the empty STDIN record), lets respond() answer it, and
 * writes the answer on sock, which is left open whatever happens. t0 is when the request began
 * (metrics_request_begin), for its outcome. *served is set if respond()
 * succeeded. */
enum handover_result handover_serve(struct handover *h, int sock, const unsigned char *request,
                                    size_t len, unsigned long long t0, bool *served);

#endif
