/* The limit, for the benchmark only: the least a FastCGI responder can do
 * for the app's answer behind nginx, so that the app can be measured against
 * what the FastCGI hop allows at all. No libfcgi, one thread, one epoll set.
 * It reads a request's records (BEGIN_REQUEST, PARAMS, STDIN up to the
 * empty STDIN record) without keeping them, and writes one precomputed
 * answer, the app's bytes, in one write. It keeps the connection when
 * FCGI_KEEP_CONN is set and closes it otherwise.
 *
 *   limit ADDRESS      (as the app's --listen: HOST:PORT, [IPV6]:PORT,
 *                       unix:/PATH; a path starting with / is a unix socket)
 *
 * A unix socket is created with the mode the umask leaves (the caller
 * chmods it for nginx's workers); an existing path is refused. It runs
 * until it is killed. */
#include <config.h>

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "app/address.h"

static const char *prog = "limit";

/* The FastCGI record types and the one flag this reads or writes. */
enum {
    HEADER_LEN = 8,
    BEGIN_REQUEST = 1,
    END_REQUEST = 3,
    STDIN = 5,
    STDOUT = 6,
    KEEP_CONN = 1,
};

/* The app's answer, byte for byte as app/respond.c gives it to libfcgi.
 * Keep the two in step: bench.sh compares them through nginx. */
#define BODY "Hello World!"
/* clang-format off */
#define ANSWER \
    "Content-Type: text/plain; charset=utf-8\r\n" \
    "Content-Length: 12\r\n" \
    "\r\n" \
    BODY
/* clang-format on */
#define ANSWER_LEN (sizeof ANSWER - 1)
/* libfcgi pads a record's content to a multiple of 8 bytes, closes the
 * STDOUT stream with an empty record and then ends the request: the same
 * bytes go to nginx here, so that the wire carries the same load. */
#define ANSWER_PAD ((8 - ANSWER_LEN % 8) % 8)
_Static_assert(ANSWER_LEN <= 0xffff, "the answer fits one record");

static unsigned char reply[HEADER_LEN + ANSWER_LEN + ANSWER_PAD + HEADER_LEN + HEADER_LEN + 8];
enum { ID_AT_1 = 2, ID_AT_2 = HEADER_LEN + ANSWER_LEN + ANSWER_PAD + 2, ID_AT_3 = ID_AT_2 + 8 };

/* What a connection carries between reads: the start of a record that was
 * cut (a header, or a BEGIN_REQUEST's header and body), and how many bytes
 * of content and padding are still to be skipped. Indexed by descriptor:
 * no allocation per connection. */
struct conn {
    unsigned char part[HEADER_LEN + 8];
    uint8_t part_len;
    bool keep;
    uint32_t skip;
};

static struct conn *conns;
static size_t nconns;

static void put_header(unsigned char *p, int type, size_t len, size_t pad)
{
    p[0] = 1;
    p[1] = (unsigned char)type;
    p[2] = 0;
    p[3] = 1;
    p[4] = (unsigned char)(len >> 8);
    p[5] = (unsigned char)len;
    p[6] = (unsigned char)pad;
    p[7] = 0;
}

/* Builds the reply once, for request id 1 (nginx's); answer() patches the
 * id for any other. */
static void build_reply(void)
{
    unsigned char *p = reply;
    put_header(p, STDOUT, ANSWER_LEN, ANSWER_PAD);
    memcpy(p + HEADER_LEN, ANSWER, ANSWER_LEN);
    p += HEADER_LEN + ANSWER_LEN + ANSWER_PAD;
    put_header(p, STDOUT, 0, 0);
    p += HEADER_LEN;
    put_header(p, END_REQUEST, 8, 0); /* app status 0, FCGI_REQUEST_COMPLETE */
}

/* Writes the answer to request id in one write. Returns 0, or -1 if the
 * connection is to be closed. */
static int answer(int fd, unsigned id)
{
    const unsigned char hi = (unsigned char)(id >> 8), lo = (unsigned char)id;
    if (reply[ID_AT_1] != hi || reply[ID_AT_1 + 1] != lo) {
        reply[ID_AT_1] = reply[ID_AT_2] = reply[ID_AT_3] = hi;
        reply[ID_AT_1 + 1] = reply[ID_AT_2 + 1] = reply[ID_AT_3 + 1] = lo;
    }
    ssize_t n = write(fd, reply, sizeof reply);
    if (n == (ssize_t)sizeof reply)
        return 0;
    /* A peer that went away is not worth a message; anything else is. nginx
     * sends one request at a time, so the send buffer is empty here and a
     * short write means something is wrong. */
    if (n < 0 && errno != EPIPE && errno != ECONNRESET)
        fprintf(stderr, "%s: write: %s\n", prog, strerror(errno));
    else if (n >= 0)
        fprintf(stderr, "%s: write: %zd of %zu bytes; closing\n", prog, n, sizeof reply);
    return -1;
}

/* Consumes len bytes read from fd, answering each request whose empty
 * STDIN record they complete. Returns 0, or -1 if the connection is to be
 * closed (an answer failed, or it was answered and not kept). */
static int consume(int fd, struct conn *c, const unsigned char *p, size_t len)
{
    while (len > 0) {
        if (c->skip > 0) {
            size_t n = len < c->skip ? len : c->skip;
            c->skip -= (uint32_t)n;
            p += n;
            len -= n;
            continue;
        }
        /* Gather a header, and a BEGIN_REQUEST's 8-byte body, across reads
         * if need be: the one record whose content matters (its flags). */
        size_t want = HEADER_LEN;
        if (c->part_len >= 2 && c->part[1] == BEGIN_REQUEST)
            want += 8;
        if (c->part_len < want) {
            size_t n = want - c->part_len < len ? want - c->part_len : len;
            memcpy(c->part + c->part_len, p, n);
            c->part_len = (uint8_t)(c->part_len + n);
            p += n;
            len -= n;
            if (c->part_len < HEADER_LEN || (c->part[1] == BEGIN_REQUEST && c->part_len < 16))
                continue;
        }
        const unsigned char *h = c->part;
        unsigned id = (unsigned)h[2] << 8 | h[3];
        uint32_t clen = (uint32_t)h[4] << 8 | h[5];
        c->skip = clen + h[6];
        c->part_len = 0;
        if (h[1] == BEGIN_REQUEST) {
            if (clen < 8) {
                fprintf(stderr, "%s: a BEGIN_REQUEST of %u bytes; closing\n", prog, (unsigned)clen);
                return -1;
            }
            c->keep = (h[HEADER_LEN + 2] & KEEP_CONN) != 0;
            c->skip -= 8; /* its body is read already */
        } else if (h[1] == STDIN && clen == 0) {
            if (answer(fd, id) != 0 || !c->keep)
                return -1;
        }
    }
    return 0;
}

/* Reads what fd has and serves it; closes it when it ends, and puts it in
 * the set if it stays open and is not there yet. One read per readiness:
 * the set is level-triggered, so what is left is reported again. */
static void serve(int fd, int epfd, bool in_set)
{
    static unsigned char buf[65536];
    struct conn *c = &conns[fd];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        n = 0;
    } else if (n <= 0) {
        /* 0: nginx closed a kept connection, the normal end of one */
        if (n < 0 && errno != ECONNRESET)
            fprintf(stderr, "%s: read: %s\n", prog, strerror(errno));
        close(fd);
        return;
    } else if (consume(fd, c, buf, (size_t)n) != 0) {
        close(fd);
        return;
    }
    if (in_set)
        return;
    /* Parked only now: a new connection's first request is served straight
     * from accept, as the app does, with no epoll round trip. */
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        fprintf(stderr, "%s: epoll_ctl add connection: %s\n", prog, strerror(errno));
        close(fd);
    }
}

/* Accepts one connection and reads from it at once. */
static void accept_one(int lfd, int epfd)
{
    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
            fprintf(stderr, "%s: accept4: %s\n", prog, strerror(errno));
        return;
    }
    if ((size_t)fd >= nconns) {
        fprintf(stderr, "%s: descriptor %d beyond the open-file limit of %zu; closing it\n", prog,
                fd, nconns);
        close(fd);
        return;
    }
    conns[fd] = (struct conn){0};
    serve(fd, epfd, false);
}

/* Opens the listening socket for a: non-blocking, as the app's. Returns it,
 * or -1 after a message. */
static int open_listener(const struct address *a)
{
    int fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        fprintf(stderr, "%s: socket: %s\n", prog, strerror(errno));
        return -1;
    }
    /* Connections inherit TCP_NODELAY, as the app's do: the answer must not
     * wait for a delayed ACK. An existing socket path is not replaced. */
    int on = 1;
    if (address_unix_path(a) == NULL
        && (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0
            || setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) != 0)) {
        fprintf(stderr, "%s: setsockopt on the listening socket: %s\n", prog, strerror(errno));
        close(fd);
        return -1;
    }
    if (bind(fd, (const struct sockaddr *)&a->sa, a->len) != 0 || listen(fd, 4096) != 0) {
        fprintf(stderr, "%s: bind or listen on %s: %s\n", prog, a->text, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* Raises the soft open-file limit to the hard one, as the app does, and
 * sizes the connection table to it. Returns 0, or -1 after a message. */
static int size_table(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        fprintf(stderr, "%s: getrlimit: %s\n", prog, strerror(errno));
        return -1;
    }
    rl.rlim_cur = rl.rlim_max;
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1 << 20)
        rl.rlim_cur = 1 << 20;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
        fprintf(stderr, "%s: setrlimit: %s\n", prog, strerror(errno));
        return -1;
    }
    nconns = rl.rlim_cur;
    conns = calloc(nconns, sizeof *conns);
    if (conns == NULL) {
        fprintf(stderr, "%s: calloc %zu connections: %s\n", prog, nconns, strerror(errno));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s ADDRESS (HOST:PORT, [IPV6]:PORT, unix:/PATH or /PATH)\n", prog);
        return 2;
    }
    char text[4096];
    const char *arg = argv[1];
    if (arg[0] == '/') {
        if (snprintf(text, sizeof text, "unix:%s", arg) >= (int)sizeof text) {
            fprintf(stderr, "%s: %s: path too long\n", prog, arg);
            return 2;
        }
        arg = text;
    }
    struct address a;
    char why[256];
    if (address_parse(arg, &a, why, sizeof why) != 0) {
        fprintf(stderr, "%s: %s: %s\n", prog, argv[1], why);
        return 2;
    }
    /* A peer gone during a write is an EPIPE to handle, not a death. */
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
        fprintf(stderr, "%s: signal SIGPIPE: %s\n", prog, strerror(errno));
        return 1;
    }
    build_reply();
    if (size_table() != 0)
        return 1;
    int lfd = open_listener(&a);
    if (lfd < 0)
        return 1;
    int epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) {
        fprintf(stderr, "%s: epoll_create1: %s\n", prog, strerror(errno));
        return 1;
    }
    /* Level-triggered throughout: a kept connection is registered once and
     * never re-armed, and one read per wake-up is enough. */
    struct epoll_event lev = {.events = EPOLLIN, .data.fd = lfd};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &lev) != 0) {
        fprintf(stderr, "%s: epoll_ctl add listener: %s\n", prog, strerror(errno));
        return 1;
    }
    for (;;) {
        struct epoll_event evs[64];
        int n = epoll_wait(epfd, evs, 64, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "%s: epoll_wait: %s\n", prog, strerror(errno));
            return 1;
        }
        for (int i = 0; i < n; i++) {
            if (evs[i].data.fd == lfd)
                accept_one(lfd, epfd);
            else
                serve(evs[i].data.fd, epfd, true);
        }
    }
}
