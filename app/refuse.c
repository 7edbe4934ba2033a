#include <config.h>

#include "refuse.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "fcgi_client.h"
#include "fcgi_guard.h"
#include "log.h"
#include "peer.h"
#include "fcgi_record.h"

/* The answer: STDOUT with the status and a short text, the empty STDOUT
 * that ends it, and END_REQUEST, in one send. Returns 0, or -1 (errno set)
 * if it could not be sent whole. */
static int answer(int fd, unsigned id, const char *status)
{
    enum { TAIL = 2 * FCGI_HEADER_LEN + 8 }; /* the empty STDOUT, END_REQUEST */
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
    fcgi_record_encode(rec, FCGI_STDOUT, id, (size_t)n);
    fcgi_record_encode(rec + off, FCGI_STDOUT, id, 0);
    fcgi_record_encode(rec + off + FCGI_HEADER_LEN, FCGI_END_REQUEST, id, 8);
    /* app status 0, FCGI_REQUEST_COMPLETE, 3 reserved bytes */
    memset(rec + off + 2 * FCGI_HEADER_LEN, 0, 8);
    off += TAIL;
    ssize_t sent = send(fd, rec, off, MSG_NOSIGNAL);
    if (sent < 0)
        return -1;
    if ((size_t)sent != off) {
        errno = EAGAIN; /* cannot happen: a few hundred bytes after a read */
        return -1;
    }
    return 0;
}

int refuse_request(int fd, const char *status, long long deadline)
{
    unsigned char h[FCGI_HEADER_LEN];
    unsigned char content[FCGI_MAX_LENGTH + FCGI_PADDING_MAX];
    int id = -1, keep = 0;
    /* The request ends with its empty STDIN record; records of other ids
     * (a multiplexing peer) and management records are passed over. */
    for (;;) {
        if (fcgi_read_all(fd, h, sizeof h, deadline) != 0)
            return -1;
        struct fcgi_record r = fcgi_record_decode(h);
        if (r.version != FCGI_VERSION_1) {
            errno = EPROTO;
            return -1;
        }
        if (fcgi_read_all(fd, content, r.content_len + r.padding_len, deadline) != 0)
            return -1;
        int rid = (int)r.request_id;
        if (r.type == FCGI_BEGIN_REQUEST && id < 0 && r.content_len >= 3) {
            id = rid;
            keep = (content[2] & FCGI_KEEP_CONN) != 0;
        } else if (r.type == FCGI_STDIN && rid == id && r.content_len == 0) {
            break;
        }
    }
    if (answer(fd, (unsigned)id, status) != 0)
        return -1;
    return keep;
}

int refuse_too_large(int fd, int timeout_ms)
{
    char peer[PEER_NAME_MAX];
    peer_name(fd, peer, sizeof peer);
    int keep = refuse_request(fd, "431 Request Header Fields Too Large",
                              fcgi_now_ms() + timeout_ms);
    if (keep < 0)
        log_errno(errno,
                  "refused a request from %s whose parameters exceed %d bytes, and could"
                  " not answer 431",
                  peer, GUARD_WINDOW);
    else
        log_msg("refused a request from %s: its parameters exceed %d bytes; answered 431", peer,
                GUARD_WINDOW);
    return keep;
}
