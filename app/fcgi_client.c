#include <config.h>

#include "fcgi_client.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "fcgi_record.h"

long long fcgi_now_ms(void)
{
    struct timespec ts;
    /* CLOCK_MONOTONIC cannot fail on Linux; a zero clock would only shorten
     * deadlines, never hang. */
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd is ready for events or the deadline passes. Returns 0 once
 * it is ready, or -1 with errno set (ETIMEDOUT past the deadline). */
static int wait_for(int fd, short events, long long deadline)
{
    for (;;) {
        long long left = deadline - fcgi_now_ms();
        if (left <= 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        struct pollfd p = {.fd = fd, .events = events};
        int n = poll(&p, 1, left > 60000 ? 60000 : (int)left);
        if (n > 0)
            return 0;
        if (n < 0 && errno != EINTR)
            return -1;
    }
}

int fcgi_connect(const struct sockaddr *sa, socklen_t len, long long deadline)
{
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, sa, len) == 0)
        return fd;
    if (errno == EINPROGRESS && wait_for(fd, POLLOUT, deadline) == 0) {
        int err = 0;
        socklen_t errlen = sizeof err;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) == 0 && err == 0)
            return fd;
        errno = err != 0 ? err : errno;
    } else if (errno == EAGAIN) {
        errno = ECONNREFUSED; /* a unix listener's backlog is full */
    }
    int err = errno;
    close(fd);
    errno = err;
    return -1;
}

int fcgi_write_all(int fd, const void *buf, size_t len, long long deadline)
{
    const unsigned char *p = buf;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN || wait_for(fd, POLLOUT, deadline) != 0)
                return -1;
            continue;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int fcgi_read_all(int fd, void *buf, size_t len, long long deadline)
{
    unsigned char *p = buf;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n == 0) {
            errno = ECONNRESET;
            return -1;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN || wait_for(fd, POLLIN, deadline) != 0)
                return -1;
            continue;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Writes one name-value pair at p (short or long lengths as needed).
 * Returns the bytes written. */
static size_t put_pair(unsigned char *p, const char *name, const char *value)
{
    size_t nl = strlen(name), vl = strlen(value), off = 0;
    size_t lens[2] = {nl, vl};
    for (int i = 0; i < 2; i++) {
        if (lens[i] < 128) {
            p[off++] = (unsigned char)lens[i];
        } else {
            p[off++] = (unsigned char)(0x80 | (lens[i] >> 24));
            p[off++] = (unsigned char)(lens[i] >> 16);
            p[off++] = (unsigned char)(lens[i] >> 8);
            p[off++] = (unsigned char)lens[i];
        }
    }
    memcpy(p + off, name, nl);
    memcpy(p + off + nl, value, vl);
    return off + nl + vl;
}

size_t fcgi_encode_request(unsigned char *buf, size_t size, uint16_t id, int keep_conn,
                           const char *method, size_t body_len)
{
    enum { CHUNK = 32768 };
    size_t chunks = (body_len + CHUNK - 1) / CHUNK;
    size_t need = 16 + FCGI_HEADER_LEN + 512 + 2 * FCGI_HEADER_LEN + chunks * FCGI_HEADER_LEN
        + body_len + FCGI_HEADER_LEN;
    if (size < need || strlen(method) > 64)
        return 0;

    size_t off = 0;
    fcgi_record_encode(buf, FCGI_BEGIN_REQUEST, id, 8);
    memset(buf + 8, 0, 8);
    buf[9] = FCGI_RESPONDER;
    buf[10] = keep_conn ? FCGI_KEEP_CONN : 0;
    off = 16;

    char length[32];
    int n = snprintf(length, sizeof length, "%zu", body_len);
    if (n < 0)
        return 0;
    unsigned char *params = buf + off + FCGI_HEADER_LEN;
    size_t plen = 0;
    plen += put_pair(params + plen, "REQUEST_METHOD", method);
    plen += put_pair(params + plen, "SCRIPT_NAME", "/");
    plen += put_pair(params + plen, "REQUEST_URI", "/");
    plen += put_pair(params + plen, "QUERY_STRING", "");
    plen += put_pair(params + plen, "SERVER_PROTOCOL", "HTTP/1.1");
    plen += put_pair(params + plen, "CONTENT_LENGTH", body_len > 0 ? length : "");
    fcgi_record_encode(buf + off, FCGI_PARAMS, id, plen);
    off += FCGI_HEADER_LEN + plen;
    fcgi_record_encode(buf + off, FCGI_PARAMS, id, 0);
    off += FCGI_HEADER_LEN;

    for (size_t sent = 0; sent < body_len;) {
        size_t len = body_len - sent < CHUNK ? body_len - sent : CHUNK;
        fcgi_record_encode(buf + off, FCGI_STDIN, id, len);
        memset(buf + off + FCGI_HEADER_LEN, 'x', len);
        off += FCGI_HEADER_LEN + len;
        sent += len;
    }
    fcgi_record_encode(buf + off, FCGI_STDIN, id, 0);
    off += FCGI_HEADER_LEN;
    return off;
}

int fcgi_read_answer(int fd, uint16_t id, struct fcgi_answer *a, long long deadline)
{
    a->out_len = 0;
    for (;;) {
        unsigned char h[FCGI_HEADER_LEN];
        unsigned char content[FCGI_MAX_LENGTH + FCGI_PADDING_MAX];
        if (fcgi_read_all(fd, h, sizeof h, deadline) != 0)
            return -1;
        struct fcgi_record r = fcgi_record_decode(h);
        size_t clen = r.content_len;
        if (r.version != FCGI_VERSION_1) {
            errno = EPROTO;
            return -1;
        }
        if (fcgi_read_all(fd, content, clen + r.padding_len, deadline) != 0)
            return -1;
        if (r.request_id != id)
            continue;
        if (r.type == FCGI_STDOUT) {
            if (clen > sizeof a->out - a->out_len) {
                errno = EMSGSIZE;
                return -1;
            }
            memcpy(a->out + a->out_len, content, clen);
            a->out_len += clen;
        } else if (r.type == FCGI_END_REQUEST) {
            if (clen < 8) {
                errno = EPROTO;
                return -1;
            }
            a->app_status = (uint32_t)content[0] << 24 | (uint32_t)content[1] << 16
                | (uint32_t)content[2] << 8 | content[3];
            a->protocol_status = content[4];
            return 0;
        }
        /* FCGI_STDERR and anything else for this request: not part of the answer. */
    }
}

const char *fcgi_answer_problem(const struct fcgi_answer *a)
{
    static const char body[] = "Hello World!";
    if (a->protocol_status != FCGI_REQUEST_COMPLETE)
        return "the request was not completed";
    const char *end = memmem(a->out, a->out_len, "\r\n\r\n", 4);
    if (end == NULL)
        return "the answer has no end of headers";
    /* Status is optional in a CGI answer; present, it must be 200. */
    for (const char *line = a->out; line < end;) {
        const char *eol = memmem(line, (size_t)(end + 2 - line), "\r\n", 2);
        if (eol - line >= 7 && strncasecmp(line, "Status:", 7) == 0) {
            const char *v = line + 7;
            while (*v == ' ')
                v++;
            if (end - v < 3 || strncmp(v, "200", 3) != 0)
                return "the status is not 200";
        }
        line = eol + 2;
    }
    const char *got = end + 4;
    size_t got_len = a->out_len - (size_t)(got - a->out);
    if (got_len != sizeof body - 1 || memcmp(got, body, got_len) != 0)
        return "the body is not \"Hello World!\"";
    return NULL;
}
