#ifndef HELLO_FCGI_PROTOCOL_H
#define HELLO_FCGI_PROTOCOL_H

/* The FastCGI 1.0 wire format, the one place the project writes it down
 * (libfcgi installs no header with these). Every record starts with an
 * 8-byte header: version, type, request id (2 bytes), content length
 * (2 bytes), padding length, a reserved byte. */

enum {
    FCGI_HEADER_LEN = 8,
    FCGI_VERSION_1 = 1,
    FCGI_CONTENT_MAX = 65535,
    FCGI_PADDING_MAX = 255,

    /* record types */
    FCGI_BEGIN_REQUEST = 1,
    FCGI_END_REQUEST = 3,
    FCGI_PARAMS = 4,
    FCGI_STDIN = 5,
    FCGI_STDOUT = 6,
    FCGI_GET_VALUES = 9,

    /* FCGI_BEGIN_REQUEST's body: role (2 bytes), flags */
    FCGI_RESPONDER = 1,
    FCGI_KEEP_CONN = 1,

    /* FCGI_END_REQUEST's protocol status */
    FCGI_REQUEST_COMPLETE = 0,
};

#endif
