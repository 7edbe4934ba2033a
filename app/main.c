#include <config.h>

#include <errno.h>
#include <fcgiapp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "healthcheck.h"
#include "listen.h"
#include "log.h"
#include "metrics.h"
#include "options.h"
#include "server.h"
#include "status.h"

/* libfcgi's FCGX_Init installs a do-nothing SIGPIPE handler without
 * SA_RESTART; a write to a closed connection should just fail with EPIPE.
 * Returns 0, or -1 with errno set. */
static int ignore_sigpipe(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    if (sigemptyset(&sa.sa_mask) != 0 || sigaction(SIGPIPE, &sa, NULL) != 0) {
        log_errno(errno, "sigaction SIGPIPE");
        return -1;
    }
    return 0;
}

/* Every idle kept connection holds a descriptor (app/server.c), so take all
 * the descriptors the hard limit allows, as nginx's worker_rlimit_nofile does
 * (server.c lowers it again past the claims table's CLAIMS_MAX). */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        log_errno(errno, "getrlimit RLIMIT_NOFILE");
        return;
    }
    if (rl.rlim_cur == rl.rlim_max)
        return;
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
        log_errno(errno, "setrlimit RLIMIT_NOFILE");
}

/* Starts libfcgi, opens the socket and serves until a stop. Returns the
 * exit status. */
static int run_server(const struct options *o)
{
    int rc = FCGX_Init();
    if (rc != 0) {
        log_msg("FCGX_Init failed (%d)", rc);
        return EXIT_FAILURE;
    }
    if (ignore_sigpipe() != 0)
        return EXIT_FAILURE;
    raise_fd_limit();

    if (metrics_start(o) != 0)
        return EXIT_FAILURE;
    int fd = listen_open(&o->listen, o->socket_mode);
    if (fd < 0)
        return EXIT_FAILURE;
    metrics_listener(fd);
    log_msg("version %s listening on %s with %u threads", VERSION, o->listen.text, o->threads);

    struct server_result r;
    int status = EXIT_SUCCESS;
    if (server_run(fd, o->threads, &r) != 0) {
        status = EXIT_FAILURE;
    } else if (r.failed) {
        log_msg("stopped after an error, %llu requests served", r.served);
        status = EXIT_FAILURE;
    } else {
        log_msg("stopped by SIG%s, %llu requests served", sigabbrev_np(r.signo), r.served);
    }
    if (listen_close(fd, &o->listen) != 0)
        status = EXIT_FAILURE;
    return status;
}

/* Returns the exit status: 0 after a clean stop, 1 on a failure, 2 on a
 * usage error. */
int main(int argc, char **argv)
{
    struct options o;
    options_parse(argc, argv, &o);
    switch (o.action) {
    case OPTIONS_EXIT:
        return o.exit_status;
    case OPTIONS_HEALTHCHECK:
        return healthcheck(&o.listen);
    case OPTIONS_STATUS:
        return status_print(&o.status);
    case OPTIONS_SERVE:
        break;
    }
    return run_server(&o);
}
