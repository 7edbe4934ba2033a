#ifndef HELLO_SERVER_H
#define HELLO_SERVER_H

/* The words the server's comments use are defined once, in the glossary
 * of docs/HACKING.md. */

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
