#include <config.h>

#include "healthcheck.h"

#include <errno.h>
#include <unistd.h>

#include "fcgi_client.h"
#include "log.h"
#include "metrics.h"

int healthcheck(const struct address *a)
{
    static struct fcgi_answer answer; /* 64 KiB: not on the stack */
    unsigned char req[1024];
    long long deadline = fcgi_now_ms() + HEALTHCHECK_TIMEOUT_MS;
    struct sockaddr_storage sa;
    socklen_t len;

    address_for_client(a, &sa, &len);
    int fd = fcgi_connect((const struct sockaddr *)&sa, len, deadline);
    if (fd < 0) {
        log_errno(errno, "healthcheck: %s: connect", a->text);
        return 1;
    }
    size_t n = metrics_healthcheck_request(req, sizeof req);
    const char *step = "send request";
    int rc = n == 0 ? (errno = ENOBUFS, -1) : fcgi_write_all(fd, req, n, deadline);
    if (rc == 0) {
        step = "read answer";
        rc = fcgi_read_answer(fd, 1, &answer, deadline);
    }
    int err = errno;
    if (close(fd) != 0 && rc == 0) {
        rc = -1;
        err = errno;
        step = "close";
    }
    if (rc != 0) {
        log_errno(err, "healthcheck: %s: %s", a->text, step);
        return 1;
    }
    const char *problem = fcgi_answer_problem(&answer);
    if (problem != NULL) {
        log_msg("healthcheck: %s: %s", a->text, problem);
        return 1;
    }
    return 0;
}
