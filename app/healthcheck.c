#include <config.h>

#include "healthcheck.h"

#include <errno.h>

#include "exchange.h"
#include "fcgi_client.h"
#include "log.h"
#include "metrics.h"

static int read_answer(int fd, void *answer, long long deadline)
{
    return fcgi_read_answer(fd, 1, answer, deadline);
}

int healthcheck(const struct address *a)
{
    static struct fcgi_answer answer; /* 64 KiB: not on the stack */
    unsigned char req[1024];

    size_t n = metrics_healthcheck_request(req, sizeof req);
    if (n == 0) {
        log_errno(ENOBUFS, "healthcheck: %s: encode request", a->text);
        return 1;
    }
    if (exchange("healthcheck", a, req, n, read_answer, &answer, HEALTHCHECK_TIMEOUT_MS) != 0)
        return 1;
    const char *problem = fcgi_answer_problem(&answer);
    if (problem != NULL) {
        log_msg("healthcheck: %s: %s", a->text, problem);
        return 1;
    }
    return 0;
}
