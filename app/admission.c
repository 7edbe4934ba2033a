#include <config.h>

#include "admission.h"

#include <errno.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "fcgi_client.h"
#include "fcgi_guard.h"

/* Returns the admission that a final guard verdict on have bytes means. */
static struct admission settle(struct guard_result g, size_t have)
{
    struct admission a = {.outcome = ADMISSION_READY, .have = have, .value = -1};
    if (g.verdict == GUARD_TOO_LARGE) {
        a.outcome = ADMISSION_TOO_LARGE;
    } else if (g.verdict == GUARD_REJECT) {
        a.outcome = ADMISSION_REFUSED;
        a.why = g.why;
        a.value = g.value;
    }
    return a;
}

/* Returns the admission for a call that failed with err. */
static struct admission failed(const char *call, int err, size_t have)
{
    return (struct admission){
        .outcome = ADMISSION_ERROR, .have = have, .why = call, .value = -1, .err = err};
}

/* Returns an admission that ended with outcome and no reason. */
static struct admission ended(enum admission_outcome outcome, size_t have)
{
    return (struct admission){.outcome = outcome, .have = have, .value = -1};
}

/* Waits for the rest of a request's start, of which have bytes are in buf,
 * until the guard (whose last answer is g) has a verdict, within
 * timeout_ms. Returns the admission.
 *
 * A peek always starts at the head of the queue, and on a unix socket a
 * blocking peek returns what is queued without waiting for more, even with
 * MSG_WAITALL (a front end that writes BEGIN_REQUEST and PARAMS in two
 * write()s would look like one that stopped). With SO_PEEK_OFF each peek
 * goes on where the last one stopped and blocks until bytes beyond it
 * arrive. TCP has SO_PEEK_OFF since Linux 6.9; before that MSG_WAITALL
 * waits on TCP, so that is the way there. */
static struct admission peek_rest(int fd, unsigned char *buf, size_t have, struct guard_result g,
                                  int timeout_ms)
{
    int off = (int)have;
    bool offset = setsockopt(fd, SOL_SOCKET, SO_PEEK_OFF, &off, sizeof off) == 0;
    long long deadline = fcgi_now_ms() + timeout_ms;
    struct admission a;
    for (;;) {
        if (g.verdict != GUARD_MORE) {
            a = settle(g, have);
            break;
        }
        if (fcgi_now_ms() > deadline) {
            a = ended(ADMISSION_STALLED, have);
            break;
        }
        size_t need = g.need;
        ssize_t n = offset ? recv(fd, buf + have, need - have, MSG_PEEK)
                           : recv(fd, buf, need, MSG_PEEK | MSG_WAITALL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0) {
            a = ended(ADMISSION_PEER_CLOSED, have);
            break;
        }
        if (n < 0) {
            /* EAGAIN: the receive timeout (the socket's, IO_TIMEOUT_S) */
            a = errno == EAGAIN ? ended(ADMISSION_STALLED, have) : failed("recv", errno, have);
            break;
        }
        if (!offset && (size_t)n < need) {
            a = ended(ADMISSION_STALLED, have); /* MSG_WAITALL timed out */
            break;
        }
        have = offset ? have + (size_t)n : (size_t)n;
        g = fcgi_guard(buf, have);
    }
    off = -1;
    if (offset && setsockopt(fd, SOL_SOCKET, SO_PEEK_OFF, &off, sizeof off) != 0)
        a = failed("setsockopt SO_PEEK_OFF", errno, have);
    return a;
}

struct admission admission_check(int fd, int timeout_ms)
{
    unsigned char buf[GUARD_WINDOW];
    ssize_t n = recv(fd, buf, sizeof buf, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return ended(ADMISSION_WAIT, 0);
    if (n <= 0)
        return ended(ADMISSION_PEER_CLOSED, 0); /* a kept connection closed, or reset */
    struct guard_result g = fcgi_guard(buf, (size_t)n);
    if (g.verdict != GUARD_MORE)
        return settle(g, (size_t)n);
    return peek_rest(fd, buf, (size_t)n, g, timeout_ms);
}
