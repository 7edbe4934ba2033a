#include <config.h>

#include "status.h"

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "exchange.h"
#include "fcgi_client.h"
#include "log.h"

struct page {
    char *buf;
    size_t size;
    size_t len;
};

/* Reads until the server closes (it always does: Connection: close). */
static int read_to_end(int fd, void *ctx, long long deadline)
{
    struct page *p = ctx;
    for (;;) {
        if (p->len == p->size) {
            errno = EMSGSIZE;
            return -1;
        }
        ssize_t n = recv(fd, p->buf + p->len, p->size - p->len, 0);
        if (n == 0)
            return 0;
        if (n > 0) {
            p->len += (size_t)n;
            continue;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN)
            return -1;
        long long left = deadline - fcgi_now_ms();
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (left <= 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
            return -1;
    }
}

int status_print(const struct address *a)
{
    static char answer[65536];
    static const char request[] =
        "GET /status HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    struct page page = {.buf = answer, .size = sizeof answer};

    if (exchange("status", a, request, sizeof request - 1, read_to_end, &page, STATUS_TIMEOUT_MS)
        != 0)
        return 1;
    size_t n = page.len;
    const char *body = memmem(answer, n, "\r\n\r\n", 4);
    if (n < 12 || memcmp(answer, "HTTP/1.1 200", 12) != 0 || body == NULL) {
        const char *eol = memchr(answer, '\r', n);
        log_msg("status: %s: not a status page: '%.*s'", a->text,
                (int)(eol != NULL ? eol - answer : (n > 80 ? 80 : (ptrdiff_t)n)), answer);
        return 1;
    }
    body += 4;
    size_t blen = (size_t)(answer + n - body);
    if (fwrite(body, 1, blen, stdout) != blen || fflush(stdout) != 0) {
        log_errno(errno, "status: write stdout");
        return 1;
    }
    return 0;
}
