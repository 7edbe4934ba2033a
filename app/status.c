#include <config.h>

#include "status.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fcgi_client.h"
#include "log.h"

/* Reads until the server closes (it always does: Connection: close). */
static ssize_t read_to_end(int fd, char *buf, size_t size, long long deadline)
{
    size_t have = 0;
    for (;;) {
        if (have == size) {
            errno = EMSGSIZE;
            return -1;
        }
        ssize_t n = recv(fd, buf + have, size - have, 0);
        if (n == 0)
            return (ssize_t)have;
        if (n > 0) {
            have += (size_t)n;
            continue;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN)
            return -1;
        long long left = deadline - fcgi_now_ms();
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (left <= 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
            return -1;
    }
}

int status_print(const struct address *a)
{
    static char answer[65536];
    static const char request[] =
        "GET /status HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    long long deadline = fcgi_now_ms() + STATUS_TIMEOUT_MS;
    struct sockaddr_storage sa;
    socklen_t len;

    address_for_client(a, &sa, &len);
    int fd = fcgi_connect((const struct sockaddr *)&sa, len, deadline);
    if (fd < 0) {
        log_errno(errno, "status: %s: connect", a->text);
        return 1;
    }
    const char *step = "send request";
    ssize_t n = fcgi_write_all(fd, request, sizeof request - 1, deadline);
    if (n == 0) {
        step = "read answer";
        n = read_to_end(fd, answer, sizeof answer, deadline);
    }
    int err = errno;
    if (close(fd) != 0 && n >= 0) {
        n = -1;
        err = errno;
        step = "close";
    }
    if (n < 0) {
        log_errno(err, "status: %s: %s", a->text, step);
        return 1;
    }
    const char *body = memmem(answer, (size_t)n, "\r\n\r\n", 4);
    if ((size_t)n < 12 || memcmp(answer, "HTTP/1.1 200", 12) != 0 || body == NULL) {
        const char *eol = memchr(answer, '\r', (size_t)n);
        log_msg("status: %s: not a status page: '%.*s'", a->text,
                (int)(eol != NULL ? eol - answer : (n > 80 ? 80 : n)), answer);
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
