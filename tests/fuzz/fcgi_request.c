/* libFuzzer harness over the app's request path: the bytes a web server (or
 * anyone who reaches the FastCGI socket) sends on a connection, taken record
 * by record by app/intake.c (with app/fcgi_guard.c), and each whole request
 * then read by libfcgi from a pipe and answered by app/respond.c, as
 * app/handover.c does. libfcgi failing on a request intake let through is a
 * bug: the harness aborts.
 *
 *   make fuzz [FUZZ_SECONDS=60]        (clang with libFuzzer) */
#include <config.h>

#include <fcgiapp.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "app/intake.h"
#include "app/respond.h"

/* The answers to every request in one input must fit in the socket's buffer,
 * as nobody reads them: 16 kB of input is at most a few hundred requests. */
enum { MAX_INPUT = 16384 };

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int out_fd, answers_fd, pipe_rd, pipe_wr;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    int sv[2], p[2];
    if (FCGX_Init() != 0 || signal(SIGPIPE, SIG_IGN) == SIG_ERR
        || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0
        || pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0)
        abort();
    out_fd = sv[1];
    answers_fd = sv[0];
    pipe_rd = p[0];
    pipe_wr = p[1];
    return 0;
}

/* Empties the answers of the last input, so that they never fill up. */
static void discard_answers(void)
{
    char buf[4096];
    while (recv(answers_fd, buf, sizeof buf, MSG_DONTWAIT) > 0)
        ;
}

/* One whole request, through libfcgi as app/handover.c drives it. */
static void serve(const unsigned char *request, size_t len)
{
    FCGX_Request req;
    char buf[64];
    if (FCGX_InitRequest(&req, -1, 0) != 0 || write(pipe_wr, request, len) != (ssize_t)len)
        abort();
    req.ipcFd = pipe_rd;
    req.keepConnection = 1;
    if (FCGX_Accept_r(&req) < 0)
        abort();
    while (FCGX_GetStr(buf, sizeof buf, req.in) > 0)
        ;
    if (FCGX_GetError(req.in) != 0 || read(pipe_rd, buf, 1) != -1)
        abort(); /* libfcgi did not read the request, exactly, to its end */
    req.ipcFd = out_fd;
    respond(&req);
    req.keepConnection = 1;
    req.detached = 1;
    FCGX_Finish_r(&req);
    if (req.ipcFd < 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct intake_bufs b;
    struct intake st = {0};
    if (size > MAX_INPUT)
        return 0;
    for (size_t off = 0;;) {
        struct intake_step s = intake_next(&st, &b, data + off, size - off);
        off += s.used;
        b.replies_len = 0;
        if (s.event == INTAKE_MORE || s.event == INTAKE_REFUSED)
            break;
        if (s.event == INTAKE_REQUEST)
            serve(b.start, b.start_len);
    }
    discard_answers();
    return 0;
}
