#include <config.h>

#include "refuse.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "fcgi_client.h"
#include "fcgi_protocol.h"

static void put_header(unsigned char *h, unsigned type, unsigned id, size_t len)
{
    const unsigned char header[FCGI_HEADER_LEN] = {
        FCGI_VERSION_1, (unsigned char)type, (unsigned char)(id >> 8), (unsigned char)id,
        (unsigned char)(len >> 8), (unsigned char)len, 0, 0};
    memcpy(h, header, sizeof header);
}

/* The answer: STDOUT with the status and a short text, the empty STDOUT
 * that ends it, and END_REQUEST, in one send. */
static int answer(int fd, unsigned id, const char *status)
{
    enum { TAIL = 2 * FCGI_HEADER_LEN + 8 };    /* the empty STDOUT, END_REQUEST */
    unsigned char rec[1024];
    char *out = (char *)rec + FCGI_HEADER_LEN;
    size_t room = sizeof rec - FCGI_HEADER_LEN - TAIL;
    int n = snprintf(out, room,
                     "Status: %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
                     "Content-Length: %zu\r\n\r\n%s\n",
                     status, strlen(status) + 1, status);
    if (n < 0 || (size_t)n >= room) {
        errno = EMSGSIZE;
        return -1;
    }
    size_t off = FCGI_HEADER_LEN + (size_t)n;
    put_header(rec, FCGI_STDOUT, id, (size_t)n);
    put_header(rec + off, FCGI_STDOUT, id, 0);
    put_header(rec + off + FCGI_HEADER_LEN, FCGI_END_REQUEST, id, 8);
    /* app status 0, FCGI_REQUEST_COMPLETE, 3 reserved bytes */
    memset(rec + off + 2 * FCGI_HEADER_LEN, 0, 8);
    off += TAIL;
    ssize_t sent = send(fd, rec, off, MSG_NOSIGNAL);
    if (sent < 0)
        return -1;
    if ((size_t)sent != off) {
        errno = EAGAIN;     /* cannot happen: a few hundred bytes after a read */
        return -1;
    }
    return 0;
}

int refuse_request(int fd, const char *status, long long deadline)
{
    unsigned char h[FCGI_HEADER_LEN];
    unsigned char content[FCGI_CONTENT_MAX + FCGI_PADDING_MAX];
    int id = -1, keep = 0;
    /* The request ends with its empty STDIN record; records of other ids
     * (a multiplexing peer) and management records are passed over. */
    for (;;) {
        if (fcgi_read_all(fd, h, sizeof h, deadline) != 0)
            return -1;
        if (h[0] != FCGI_VERSION_1) {
            errno = EPROTO;
            return -1;
        }
        size_t clen = (size_t)h[4] << 8 | h[5];
        if (fcgi_read_all(fd, content, clen + h[6], deadline) != 0)
            return -1;
        int rid = h[2] << 8 | h[3];
        if (h[1] == FCGI_BEGIN_REQUEST && id < 0 && clen >= 3) {
            id = rid;
            keep = (content[2] & FCGI_KEEP_CONN) != 0;
        } else if (h[1] == FCGI_STDIN && rid == id && clen == 0) {
            break;
        }
    }
    if (answer(fd, (unsigned)id, status) != 0)
        return -1;
    return keep;
}
