#include <config.h>

#include "handover.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "intake.h"
#include "log.h"
#include "metrics.h"
#include "respond.h"

/*
 * Why libfcgi reads from a pipe and writes to the connection
 *
 * libfcgi reads a connection in reads of up to 8 KiB and keeps what it read
 * past the request: the next request of a front end that sends two at once,
 * or a management record, is then lost with the request's buffers. And it
 * waits in read() for the rest of a request that is slow to come, holding
 * a worker. So the server reads the connection itself (app/intake.c), and
 * only a whole request, exactly its bytes, reaches libfcgi: written into a
 * pipe of the worker's own, from which FCGX_Accept_r reads its start
 * and respond() its (empty) body, neither of which can wait, since every
 * byte is already there. A pipe, not a socket pair: a write and a read
 * through a pipe cost about half what they cost through a unix socket
 * (docs/performance.md), and a whole request (INTAKE_START_MAX) fits in a
 * pipe's default 64 KiB, so no pipe needs enlarging against the per-user
 * limit on pipe pages.
 *
 * libfcgi takes the descriptor to use from FCGX_Request.ipcFd on each read
 * and each write. Once the request has been read to its end, ipcFd becomes
 * the connection, and respond() writes its answer there, as it would on any
 * connection libfcgi had accepted itself. The request is then finished here
 * rather than by FCGX_Finish_r, which closes the connection when a write
 * failed: the connection is the server's to close, once it is done with
 * it, since its number can be taken by the next accept at once.
 */

static int open_pipe(struct handover *h)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
        log_errno(errno, "pipe2");
        return -1;
    }
    h->rd = fds[0];
    h->wr = fds[1];
    /* A user past its soft limit on pipe pages gets pipes of one page. */
    int size = fcntl(h->wr, F_GETPIPE_SZ);
    if (size < 0) {
        log_errno(errno, "fcntl F_GETPIPE_SZ");
        return -1;
    }
    if (size < INTAKE_START_MAX) {
        log_msg("a pipe holds %d bytes, not a whole request (%d): the user is past its limit on"
                " pipe pages (fs.pipe-user-pages-soft)",
                size, (int)INTAKE_START_MAX);
        return -1;
    }
    return 0;
}

static void close_pipe(struct handover *h)
{
    if (h->rd >= 0)
        close(h->rd);
    if (h->wr >= 0)
        close(h->wr);
    h->rd = h->wr = -1;
}

int handover_init(struct handover *h)
{
    h->rd = h->wr = -1;
    /* listen_sock -1: libfcgi never accepts a connection itself. */
    if (FCGX_InitRequest(&h->req, -1, 0) != 0) {
        log_msg("FCGX_InitRequest failed");
        return -1;
    }
    if (open_pipe(h) != 0) {
        close_pipe(h);
        return -1;
    }
    return 0;
}

void handover_free(struct handover *h)
{
    FCGX_Free(&h->req, 0);
    close_pipe(h);
}

/* After a failed handover: what is left in the pipe would be read as the
 * start of the next request. FCGX_Accept_r closes the descriptor it failed
 * on and sets ipcFd to -1; then the read end is already closed. */
static void renew_pipe(struct handover *h)
{
    if (h->req.ipcFd != h->rd)
        h->rd = -1;
    h->req.ipcFd = -1;
    close_pipe(h);
    if (open_pipe(h) != 0)
        close_pipe(h); /* the next handover fails with a log line */
}

/* Reads the request's body (intake sent it empty) to its end, from the
 * pipe. Returns 0, or -1 if libfcgi found an error. */
static int read_to_end(FCGX_Stream *in)
{
    char buf[64];
    while (FCGX_GetStr(buf, sizeof buf, in) > 0)
        ;
    return FCGX_GetError(in) == 0 ? 0 : -1;
}

enum handover_result handover_serve(struct handover *h, int sock, const unsigned char *request,
                                    size_t len, unsigned long long t0, bool *served)
{
    FCGX_Request *req = &h->req;
    *served = false;
    ssize_t n = h->wr >= 0 ? write(h->wr, request, len) : -1;
    if (n < 0 || (size_t)n != len) {
        log_errno(n < 0 ? errno : EAGAIN, "could not hand a request to libfcgi: write");
        h->req.ipcFd = h->rd;
        renew_pipe(h);
        metrics_request_dropped(METRICS_PEER_GONE);
        return HANDOVER_FAILED;
    }
    req->ipcFd = h->rd;
    /* FCGX_Accept_r starts by finishing the previous request, which closes
     * the descriptor unless it is marked as kept; detached, so that should
     * it fail, it closes without waiting up to 2 s for a peer's end. */
    req->keepConnection = 1;
    req->detached = 1;
    int rc = FCGX_Accept_r(req);
    if (rc < 0 || read_to_end(req->in) != 0) {
        /* The guard lets through only what libfcgi reads: a bug. */
        log_msg("libfcgi refused a request the guard let through (%d)",
                rc < 0 ? rc : FCGX_GetError(req->in));
        if (rc >= 0)
            FCGX_Free(req, 0);
        renew_pipe(h);
        metrics_request_dropped(METRICS_REFUSED_BY_GUARD);
        return HANDOVER_FAILED;
    }
    req->ipcFd = sock;
    bool responded = respond(req) == 0;
    /* What FCGX_Finish_r does but the close: the streams' last records
     * (END_REQUEST with the last writer), written now, so that the outcome
     * is counted from what the writes did. */
    int closed = FCGX_FClose(req->err);
    closed |= FCGX_FClose(req->out);
    *served = responded && closed == 0;
    metrics_request_end(req, t0); /* before FCGX_Free frees the parameters */
    FCGX_Free(req, 0);
    req->ipcFd = -1;
    return closed == 0 ? HANDOVER_ANSWERED : HANDOVER_UNWRITTEN;
}
