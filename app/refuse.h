#ifndef HELLO_REFUSE_H
#define HELLO_REFUSE_H

/* Answers a request that will not reach libfcgi with an HTTP status of the
 * app's own, after reading the request to its end: the front end then
 * forwards a clear status instead of a broken connection, and a kept
 * connection stays usable. fd is blocking, with a receive timeout; no read
 * goes on past the monotonic deadline (fcgi_now_ms). status is a CGI status
 * line value such as "431 Request Header Fields Too Large".
 *
 * Returns 1 if the connection may take the next request, 0 if the front end
 * asked for it to be closed, -1 (errno set) if the request could not be read
 * to its end or the answer not written. */
int refuse_request(int fd, const char *status, long long deadline);

/* Answers a request whose start is too large for the guard (GUARD_WINDOW)
 * with 431, reading it for at most timeout_ms, and logs the refusal with
 * the peer's name. Returns what refuse_request() returns: 1 to keep the
 * connection, 0 to close it, -1 if the answer failed. */
int refuse_too_large(int fd, int timeout_ms);

#endif
