/* libFuzzer harness over the app's request path: the bytes a web server (or
 * anyone who reaches the FastCGI socket) sends in one burst, checked by
 * app/fcgi_guard.c, then read by libfcgi as app/server.c drives it
 * (FCGX_Accept_r on a handed-in connection, kept between requests) and
 * answered by app/respond.c.
 *
 *   make fuzz [FUZZ_SECONDS=60]        (clang with libFuzzer) */
#include <config.h>

#include <fcgiapp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "app/fcgi_guard.h"
#include "app/respond.h"

/* The answers to every request in one input must fit in the socket's buffer,
 * as nobody reads them: 16 kB of input is at most a few hundred requests. */
enum { MAX_INPUT = 16384 };

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (FCGX_Init() != 0 || signal(SIGPIPE, SIG_IGN) == SIG_ERR)
        abort();
    return 0;
}

/* What the server refuses or keeps waiting on never reaches libfcgi. */
static bool guard_socket(int fd)
{
    static unsigned char buf[GUARD_WINDOW];
    ssize_t n = recv(fd, buf, sizeof buf, MSG_PEEK | MSG_DONTWAIT);
    return n > 0 && fcgi_guard(buf, (size_t)n).verdict == GUARD_READY;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int sv[2];
    if (size > MAX_INPUT)
        return 0;

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        abort();
    for (size_t off = 0; off < size;) {
        ssize_t n = write(sv[0], data + off, size - off);
        if (n <= 0)
            abort();
        off += (size_t)n;
    }
    if (shutdown(sv[0], SHUT_WR) != 0)
        abort();

    FCGX_Request req;
    if (FCGX_InitRequest(&req, -1, 0) != 0)
        abort();
    req.ipcFd = sv[1];
    req.keepConnection = 1;
    /* As app/server.c: every request on a kept connection is checked again,
     * on the bytes still waiting in the socket. */
    while (guard_socket(sv[1]) && FCGX_Accept_r(&req) >= 0) {
        respond(&req);
        FCGX_Finish_r(&req);
        if (req.ipcFd < 0)
            break;
        req.keepConnection = 1;
    }
    /* libfcgi closes sv[1] itself when the input runs out; not otherwise. */
    if (req.ipcFd >= 0)
        close(req.ipcFd);
    FCGX_Free(&req, 0);
    close(sv[0]);
    return 0;
}
