#ifndef HELLO_SERVER_H
#define HELLO_SERVER_H

/* Terms the server's comments use:
 *   connection     one FastCGI connection from the front end (nginx); with
 *                  fastcgi_keep_conn it carries one request after another.
 *   kept           a connection the front end asked to keep open after its
 *                  request (FCGI_KEEP_CONN in BEGIN_REQUEST).
 *   the set        the one epoll set every worker waits on: the listener,
 *                  the wake event and every parked connection.
 *   parked         a connection waiting in the set, holding no thread, until
 *                  its next request arrives (enlist() in app/server.c).
 *   held           a connection a worker is serving: claimed in the claims
 *                  table (app/claims.c), so that no other worker reads it.
 *   request's start  a request's BEGIN_REQUEST record and all its PARAMS
 *                  records, up to the empty one that ends them: what
 *                  admission (app/admission.c) checks before libfcgi reads.
 *   the window     GUARD_WINDOW (app/fcgi_guard.h), the most bytes a
 *                  request's start may take: the guard peeks at them in the
 *                  socket's receive queue, so they must fit there.
 *   admission      the check of a request's start, by peeking, before
 *                  libfcgi reads any of it.
 *   in progress    accepted by FCGX_Accept_r and not yet finished.
 *   drain          after a stop, serving the requests that have already
 *                  arrived on parked connections, then leaving. */

/* How the server ended. */
struct server_result {
    unsigned long long served; /* requests answered */
    int signo;                 /* the signal that stopped it, or 0 */
    int failed;                /* stopped by an internal error */
};

/* Serves FastCGI on listen_fd with `threads` workers until SIGTERM or SIGINT.
 * Requests already accepted are completed; the listening socket stops
 * accepting at once. Returns 0, or -1 if the server could not start. */
int server_run(int listen_fd, unsigned threads, struct server_result *result);

#endif
