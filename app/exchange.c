#include <config.h>

#include "exchange.h"

#include <errno.h>
#include <unistd.h>

#include "fcgi_client.h"
#include "log.h"

int exchange(const char *who, const struct address *a, const void *req, size_t len,
             exchange_read_fn *read_answer, void *ctx, int timeout_ms)
{
    long long deadline = fcgi_now_ms() + timeout_ms;
    struct sockaddr_storage sa;
    socklen_t sa_len;

    address_for_client(a, &sa, &sa_len);
    int fd = fcgi_connect((const struct sockaddr *)&sa, sa_len, deadline);
    if (fd < 0) {
        log_errno(errno, "%s: %s: connect", who, a->text);
        return -1;
    }
    const char *step = "send request";
    int rc = fcgi_write_all(fd, req, len, deadline);
    if (rc == 0) {
        step = "read answer";
        rc = read_answer(fd, ctx, deadline);
    }
    int err = errno;
    /* A failed close after a good answer still fails: the exit status must
     * not hide an error the kernel reported. */
    if (close(fd) != 0 && rc == 0) {
        rc = -1;
        err = errno;
        step = "close";
    }
    if (rc != 0)
        log_errno(err, "%s: %s: %s", who, a->text, step);
    return rc;
}
