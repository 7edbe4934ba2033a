/* Unit tests of fcgi_answer_problem() (app/fcgi_client.c): the verdict
 * that --healthcheck and the test probes give on an answer. Each case is
 * an answer as the web server's side reads it; the expected verdict is
 * written out here, not derived from the app's own answer. */
#include <config.h>

#include <string.h>

#include "app/fcgi_client.h"
#include "app/fcgi_record.h"
#include "tap.h"

struct answer_case {
    const char *name;
    const char *out; /* FCGI_STDOUT, headers and body */
    unsigned protocol_status;
    const char *problem; /* NULL: the service's answer */
};

/* One case a line, aligned by hand. */
/* clang-format off */
static const struct answer_case cases[] = {
    {"the service's answer", "Content-Type: text/plain\r\nContent-Length: 12\r\n\r\nHello World!",
     FCGI_REQUEST_COMPLETE, NULL},
    {"with Status: 200", "Status: 200 OK\r\n\r\nHello World!", FCGI_REQUEST_COMPLETE, NULL},
    {"status in lower case", "status: 200\r\n\r\nHello World!", FCGI_REQUEST_COMPLETE, NULL},
    {"no headers at all", "\r\n\r\nHello World!", FCGI_REQUEST_COMPLETE, NULL},
    {"Status: 503", "Status: 503 Service Unavailable\r\n\r\nHello World!",
     FCGI_REQUEST_COMPLETE, "the status is not 200"},
    {"Status: 20, too short", "Status: 20\r\n\r\nHello World!", FCGI_REQUEST_COMPLETE,
     "the status is not 200"},
    {"Status after another header", "Content-Type: text/plain\r\nStatus: 404\r\n\r\nHello World!",
     FCGI_REQUEST_COMPLETE, "the status is not 200"},
    {"a wrong body", "\r\n\r\nHello World?", FCGI_REQUEST_COMPLETE,
     "the body is not \"Hello World!\""},
    {"a short body", "\r\n\r\nHello", FCGI_REQUEST_COMPLETE, "the body is not \"Hello World!\""},
    {"a body with a newline", "\r\n\r\nHello World!\n", FCGI_REQUEST_COMPLETE,
     "the body is not \"Hello World!\""},
    {"an empty body", "Content-Length: 0\r\n\r\n", FCGI_REQUEST_COMPLETE,
     "the body is not \"Hello World!\""},
    {"no end of headers", "Content-Type: text/plain\r\nHello World!", FCGI_REQUEST_COMPLETE,
     "the answer has no end of headers"},
    {"nothing at all", "", FCGI_REQUEST_COMPLETE, "the answer has no end of headers"},
    {"not completed (overloaded)", "\r\n\r\nHello World!", 2, "the request was not completed"},
    {"not completed (unknown role)", "\r\n\r\nHello World!", 3, "the request was not completed"},
};
/* clang-format on */

int main(void)
{
    static struct fcgi_answer a;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct answer_case *c = &cases[i];
        memset(&a, 0, sizeof a);
        a.out_len = strlen(c->out);
        memcpy(a.out, c->out, a.out_len);
        a.protocol_status = c->protocol_status;
        const char *got = fcgi_answer_problem(&a);
        int pass = c->problem == NULL ? got == NULL : got != NULL && strcmp(got, c->problem) == 0;
        if (!ok(pass, "%s: %s", c->name, c->problem != NULL ? c->problem : "accepted"))
            diag("got: %s", got != NULL ? got : "accepted");
    }
    return done_testing();
}
