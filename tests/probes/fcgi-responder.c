/* fcgi-responder: a FastCGI application built on libfcgi alone, that
 * answers wrongly on purpose or tells what it was sent. The tests put it
 * where hello-fcgi would be, to check what talks to the app: the health
 * check's verdict and the parameters nginx's configuration passes.
 *
 *   fcgi-responder ADDR MODE
 *     ADDR  :PORT or a unix socket path (as FCGX_OpenSocket takes it)
 *     MODE  params   200, the body lists the parameters, NAME=VALUE a line,
 *                    and FCGI_KEEP_CONN=0 or 1
 *           status   503 with the body "Hello World!"
 *           body     200 with the body "Hello World?"
 *           short    200 with the body "Hello"
 *
 * It prints "listening" once it accepts, and serves until killed. */
#include <config.h>

#include <fcgiapp.h>
#include <stdio.h>
#include <string.h>

static int answer(FCGX_Request *req, const char *mode)
{
    const char *status = strcmp(mode, "status") == 0 ? "503 Service Unavailable" : "200 OK";
    const char *body = strcmp(mode, "body") == 0 ? "Hello World?"
        : strcmp(mode, "short") == 0             ? "Hello"
                                                 : "Hello World!";
    if (FCGX_FPrintF(req->out, "Status: %s\r\nContent-Type: text/plain\r\n\r\n", status) < 0)
        return -1;
    if (strcmp(mode, "params") == 0) {
        /* Not a parameter: whether the web server asked to keep the
         * connection (FCGI_KEEP_CONN in BEGIN_REQUEST). */
        if (FCGX_FPrintF(req->out, "FCGI_KEEP_CONN=%d\n", req->keepConnection) < 0)
            return -1;
        for (char **p = req->envp; *p != NULL; p++)
            if (FCGX_PutS(*p, req->out) < 0 || FCGX_PutChar('\n', req->out) < 0)
                return -1;
        return 0;
    }
    return FCGX_PutS(body, req->out) < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: fcgi-responder ADDR params|status|body|short\n");
        return 2;
    }
    if (FCGX_Init() != 0) {
        fprintf(stderr, "fcgi-responder: FCGX_Init failed\n");
        return 1;
    }
    int fd = FCGX_OpenSocket(argv[1], 64);
    if (fd < 0) {
        fprintf(stderr, "fcgi-responder: cannot listen on %s\n", argv[1]);
        return 1;
    }
    FCGX_Request req;
    if (FCGX_InitRequest(&req, fd, 0) != 0) {
        fprintf(stderr, "fcgi-responder: FCGX_InitRequest failed\n");
        return 1;
    }
    printf("listening\n");
    if (fflush(stdout) != 0)
        return 1;
    while (FCGX_Accept_r(&req) >= 0) {
        char buf[4096];
        while (FCGX_GetStr(buf, sizeof buf, req.in) > 0)
            ;
        if (answer(&req, argv[2]) != 0)
            fprintf(stderr, "fcgi-responder: writing the answer failed\n");
        FCGX_Finish_r(&req);
    }
    return 0;
}
