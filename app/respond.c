#include <config.h>

#include "respond.h"

#include <string.h>

static const char answer[] =
    "Status: 200 OK\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Length: 12\r\n"
    "\r\n"
    "Hello World!";
static const size_t body_len = sizeof "Hello World!" - 1;

static int discard_body(FCGX_Stream *in)
{
    char buf[4096];
    while (FCGX_GetStr(buf, sizeof buf, in) > 0)
        ;
    return FCGX_GetError(in) == 0 ? 0 : -1;
}

int respond(FCGX_Request *req)
{
    if (discard_body(req->in) != 0)
        return -1;
    const char *method = FCGX_GetParam("REQUEST_METHOD", req->envp);
    size_t len = sizeof answer - 1;
    if (method != NULL && strcmp(method, "HEAD") == 0)
        len -= body_len;
    if (FCGX_PutStr(answer, (int)len, req->out) != (int)len)
        return -1;
    return 0;
}
