#ifndef HELLO_FCGI_CLIENT_H
#define HELLO_FCGI_CLIENT_H

/* The web server's side of FastCGI, just enough to make one request and read
 * its answer. The health check uses it, and so do the tests that speak
 * FastCGI to the responder directly. Every call takes a deadline on the
 * monotonic clock (milliseconds, see fcgi_now_ms) and fails with ETIMEDOUT
 * past it. */

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

enum { FCGI_ANSWER_MAX = 65536 };

struct fcgi_answer {
    char out[FCGI_ANSWER_MAX]; /* FCGI_STDOUT: headers and body */
    size_t out_len;
    uint32_t app_status;      /* from FCGI_END_REQUEST */
    unsigned protocol_status; /* from FCGI_END_REQUEST */
};

/* Returns the monotonic clock in milliseconds: the clock of every deadline. */
long long fcgi_now_ms(void);

/* Connects to sa. Returns a connected, non-blocking, close-on-exec socket,
 * or -1 with errno set. */
int fcgi_connect(const struct sockaddr *sa, socklen_t len, long long deadline);

/* Writes all of buf. Returns 0, or -1 with errno set. */
int fcgi_write_all(int fd, const void *buf, size_t len, long long deadline);

/* Reads exactly len bytes. Returns 0, or -1 with errno set (ECONNRESET for
 * the peer's end). Blocking or not, fd is waited on until the deadline. */
int fcgi_read_all(int fd, void *buf, size_t len, long long deadline);

/* Encodes a whole request (BEGIN_REQUEST, PARAMS with REQUEST_METHOD and the
 * usual CGI names, the empty PARAMS, body_len bytes of STDIN and the empty
 * STDIN) into buf; returns its length, or 0 if buf is too small. */
size_t fcgi_encode_request(unsigned char *buf, size_t size, uint16_t id, int keep_conn,
                           const char *method, size_t body_len);

/* Reads records for request id until FCGI_END_REQUEST. Returns 0, or -1
 * with errno set (EPROTO for a malformed answer, ECONNRESET for a connection
 * closed early). */
int fcgi_read_answer(int fd, uint16_t id, struct fcgi_answer *a, long long deadline);

/* Returns NULL if the answer is the service's 200 with body "Hello World!",
 * or else what is wrong with it. */
const char *fcgi_answer_problem(const struct fcgi_answer *a);

#endif
