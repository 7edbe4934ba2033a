#ifndef HELLO_REPLIES_H
#define HELLO_REPLIES_H

#include <stddef.h>

/* Replies: the records the app writes itself, without libfcgi, where the
 * protocol has an answer that libfcgi cannot give from where the app calls
 * it (app/intake.c decides when). Each writes its records at out, which has
 * room bytes, and returns their length, or 0 if they do not fit. */

/* What FCGI_GET_VALUES_RESULT says, set once at start (app/server.c): the
 * connections and requests this server really takes. */
struct reply_values {
    unsigned long max_conns; /* FCGI_MAX_CONNS */
    unsigned long max_reqs;  /* FCGI_MAX_REQS */
};
void replies_set_values(const struct reply_values *v);

/* FCGI_GET_VALUES_RESULT for the names asked for in the len bytes of a
 * GET_VALUES record's content: FCGI_MAX_CONNS, FCGI_MAX_REQS and
 * FCGI_MPXS_CONNS (always 0: one request at a time on a connection); other
 * names are left out, as the specification says (4.1). */
size_t reply_values(unsigned char *out, size_t room, const unsigned char *names, size_t len);

/* FCGI_UNKNOWN_TYPE for a management record of a type the app does not know. */
size_t reply_unknown_type(unsigned char *out, size_t room, unsigned type);

/* FCGI_END_REQUEST for request id with protocol_status (FCGI_CANT_MPX_CONN,
 * FCGI_UNKNOWN_ROLE, or FCGI_REQUEST_COMPLETE for an aborted request). */
size_t reply_end(unsigned char *out, size_t room, unsigned id, unsigned protocol_status);

/* A whole answer to request id with an HTTP status of the app's own, such as
 * "431 Request Header Fields Too Large": STDOUT with the status and a short
 * text, the empty STDOUT, END_REQUEST. */
size_t reply_status(unsigned char *out, size_t room, unsigned id, const char *status);

#endif
