#include <config.h>

#include "respond.h"

#include <string.h>

/* No Status line: 200 is CGI's default, and some front ends (Caddy) would
 * pass a Status line on to the client as a header of its own. */
#define BODY "Hello World!"
#define BODY_LENGTH 12
#define TEXT(x) #x
#define NUMBER(x) TEXT(x)
_Static_assert(sizeof BODY - 1 == BODY_LENGTH, "BODY_LENGTH must be the length of BODY");
/* clang-format off */
static const char answer[] =
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Length: " NUMBER(BODY_LENGTH) "\r\n"
    "\r\n"
    BODY;
/* clang-format on */

/* Reads the request body to its end. Returns 0, or -1 if the stream failed. */
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
        len -= sizeof BODY - 1;
    if (FCGX_PutStr(answer, (int)len, req->out) != (int)len)
        return -1;
    return 0;
}
