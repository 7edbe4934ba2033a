/* fcgi-probe: a FastCGI client for the tests. It plays nginx's side, well
 * behaved or hostile, against a running hello-fcgi.
 *
 *   fcgi-probe port                      print a free loopback TCP port
 *   fcgi-probe get ADDR [METHOD [BODY]]  one request; print the raw answer
 *   fcgi-probe idle ADDR N MAX_MS        N kept idle connections, then a new
 *                                        request must be answered in MAX_MS
 *   fcgi-probe hold ADDR N MS            N kept idle connections for MS
 *   fcgi-probe slow ADDR MS              half a request, "sent" on stdout,
 *                                        the rest MS later; check the answer
 *   fcgi-probe values ADDR MS            FCGI_GET_VALUES in two writes MS
 *                                        apart, its answer, "answered", the
 *                                        connection held MS more
 *   fcgi-probe last ADDR                 200 times: a kept connection's last
 *                                        request and its end in one go; the
 *                                        server must answer, then close
 *   fcgi-probe kept ADDR                 one request on a kept connection,
 *                                        "ready"; a line on stdin; a second
 *                                        request; "answered"
 *   fcgi-probe drip ADDR N COUNT MS      N kept connections, "ready"; a line
 *                                        on stdin; COUNT requests, MS apart,
 *                                        on the N in turn, until one fails;
 *                                        "answered K"
 *   fcgi-probe split ADDR MS [COUNT]     COUNT (2) POSTs on a kept connection, every
 *                                        record in its own write(), MS apart
 *   fcgi-probe large ADDR BYTES          a request with BYTES more of
 *                                        parameters; print the answer's
 *                                        status; the connection must then
 *                                        serve a request as usual
 *   fcgi-probe stall ADDR MAX_MS         half a request's parameters, then
 *                                        nothing: the server must close the
 *                                        connection within MAX_MS
 *   fcgi-probe hostile ADDR CASE         send bad input (see hostile_bytes)
 *   fcgi-probe blackhole PORT MS         listen on loopback, never answer
 *   fcgi-probe http PORT MS              answer connections in HTTP, not FastCGI
 *
 * Exit status 0 when what was asked for happened, 1 otherwise, with one line
 * on stderr saying why. */
#include <config.h>

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/address.h"
#include "app/fcgi_client.h"

enum { TIMEOUT_MS = 5000 };

static struct fcgi_answer answer;

static void fail(const char *what)
{
    fprintf(stderr, "fcgi-probe: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static struct address target(const char *text)
{
    struct address a;
    char why[200];
    if (address_parse(text, &a, why, sizeof why) != 0) {
        fprintf(stderr, "fcgi-probe: %s\n", why);
        exit(2);
    }
    return a;
}

static int connect_to(const struct address *a)
{
    struct sockaddr_storage sa;
    socklen_t len;
    address_for_client(a, &sa, &len);
    int fd = fcgi_connect((const struct sockaddr *)&sa, len, fcgi_now_ms() + TIMEOUT_MS);
    if (fd < 0)
        fail("connect");
    return fd;
}

/* One request on fd; exits unless the answer is the service's own. */
static void request_ok(int fd, uint16_t id, int keep)
{
    unsigned char buf[1024];
    long long deadline = fcgi_now_ms() + TIMEOUT_MS;
    size_t n = fcgi_encode_request(buf, sizeof buf, id, keep, "GET", 0);
    if (fcgi_write_all(fd, buf, n, deadline) != 0)
        fail("send request");
    if (fcgi_read_answer(fd, id, &answer, deadline) != 0)
        fail("read answer");
    const char *problem = fcgi_answer_problem(&answer);
    if (problem != NULL) {
        fprintf(stderr, "fcgi-probe: %s\n", problem);
        exit(1);
    }
}

static int cmd_port(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, len) != 0
        || getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
        fail("find a free port");
    printf("%u\n", ntohs(sa.sin_port));
    close(fd);
    return 0;
}

static int cmd_get(const char *addr, const char *method, const char *body)
{
    struct address a = target(addr);
    size_t body_len = body != NULL ? strtoul(body, NULL, 10) : 0;
    size_t size = body_len + body_len / 1024 + 4096;
    unsigned char *buf = malloc(size);
    if (buf == NULL)
        fail("malloc");
    long long deadline = fcgi_now_ms() + TIMEOUT_MS;
    size_t n = fcgi_encode_request(buf, size, 1, 0, method != NULL ? method : "GET", body_len);
    int fd = connect_to(&a);
    if (fcgi_write_all(fd, buf, n, deadline) != 0)
        fail("send request");
    if (fcgi_read_answer(fd, 1, &answer, deadline) != 0)
        fail("read answer");
    if (fwrite(answer.out, 1, answer.out_len, stdout) != answer.out_len || fflush(stdout) != 0)
        fail("write stdout");
    free(buf);
    /* The request did not ask to keep the connection: the app closes it. */
    struct pollfd p = {.fd = fd, .events = POLLIN};
    char c;
    if (poll(&p, 1, TIMEOUT_MS) != 1 || recv(fd, &c, 1, MSG_DONTWAIT) != 0) {
        fprintf(stderr, "fcgi-probe: the app did not close a connection not marked to keep\n");
        return 1;
    }
    close(fd);
    return answer.protocol_status == 0 ? 0 : 1;
}

static int *open_kept(const struct address *a, int n)
{
    int *fds = calloc((size_t)n, sizeof *fds);
    if (fds == NULL)
        fail("calloc");
    for (int i = 0; i < n; i++) {
        fds[i] = connect_to(a);
        request_ok(fds[i], 1, 1);
    }
    return fds;
}

static int cmd_idle(const char *addr, int n, long max_ms)
{
    struct address a = target(addr);
    int *fds = open_kept(&a, n);
    long long start = fcgi_now_ms();
    int fd = connect_to(&a);
    request_ok(fd, 1, 0);
    long long took = fcgi_now_ms() - start;
    close(fd);
    printf("%d idle kept connections; a new connection was answered in %lld ms\n", n, took);
    /* The kept connections must still work after sitting idle. */
    for (int i = 0; i < n; i++)
        request_ok(fds[i], 2, 1);
    free(fds);
    if (took > max_ms) {
        fprintf(stderr, "fcgi-probe: %lld ms is more than %ld ms\n", took, max_ms);
        return 1;
    }
    return 0;
}

static int cmd_hold(const char *addr, int n, long ms)
{
    struct address a = target(addr);
    int *fds = open_kept(&a, n);
    printf("holding %d\n", n);
    if (fflush(stdout) != 0)
        fail("write stdout");
    sleep_ms(ms);
    free(fds);
    return 0;
}

static int cmd_slow(const char *addr, long ms)
{
    struct address a = target(addr);
    unsigned char buf[4096];
    size_t n = fcgi_encode_request(buf, sizeof buf, 1, 0, "POST", 1000);
    int fd = connect_to(&a);
    size_t first = n - 500; /* everything but the end of the body */
    if (fcgi_write_all(fd, buf, first, fcgi_now_ms() + TIMEOUT_MS) != 0)
        fail("send first part");
    printf("sent\n");
    if (fflush(stdout) != 0)
        fail("write stdout");
    sleep_ms(ms);
    long long deadline = fcgi_now_ms() + TIMEOUT_MS;
    if (fcgi_write_all(fd, buf + first, n - first, deadline) != 0)
        fail("send the rest");
    if (fcgi_read_answer(fd, 1, &answer, deadline) != 0)
        fail("read answer");
    const char *problem = fcgi_answer_problem(&answer);
    if (problem != NULL) {
        fprintf(stderr, "fcgi-probe: %s\n", problem);
        return 1;
    }
    printf("answered\n");
    return 0;
}

/* Says "ready" on stdout, then waits for a line on stdin: the test's cue. */
static void ready_then_wait(void)
{
    printf("ready\n");
    if (fflush(stdout) != 0)
        fail("write stdout");
    char line[64];
    if (fgets(line, sizeof line, stdin) == NULL)
        fail("read stdin");
}

/* A request on a kept connection, answered; then a second, and the end of
 * the connection written at once after it: the server must answer it and
 * then close its end too, though the end came with the request's bytes. */
static int cmd_last(const char *addr)
{
    struct address a = target(addr);
    int fd = connect_to(&a);
    request_ok(fd, 1, 1);
    for (int i = 0; i < 200; i++) {
        unsigned char buf[1024];
        long long deadline = fcgi_now_ms() + TIMEOUT_MS;
        size_t n = fcgi_encode_request(buf, sizeof buf, 2, 1, "GET", 0);
        if (fcgi_write_all(fd, buf, n, deadline) != 0 || shutdown(fd, SHUT_WR) != 0)
            fail("send the last request and the end");
        if (fcgi_read_answer(fd, 2, &answer, deadline) != 0)
            fail("read the last answer");
        char c;
        if (fcgi_read_all(fd, &c, 1, fcgi_now_ms() + 3000) == 0 || errno != ECONNRESET) {
            fprintf(stderr,
                    "fcgi-probe: connection %d: the server did not close its end within"
                    " 3 s of the peer's\n",
                    i + 1);
            return 1;
        }
        close(fd);
        fd = connect_to(&a);
        request_ok(fd, 1, 1);
    }
    close(fd);
    printf("200 connections ended with their last request: each closed by the server\n");
    return 0;
}

/* FCGI_GET_VALUES in two writes MS apart; its answer read, "answered",
 * and the connection held MS more. */
static int cmd_values(const char *addr, long ms)
{
    static const unsigned char rec[] = {1,   9,   0,   0,   0,   17,  0,   0,   15,
                                        0,   'F', 'C', 'G', 'I', '_', 'M', 'P', 'X',
                                        'S', '_', 'C', 'O', 'N', 'N', 'S'};
    struct address a = target(addr);
    int fd = connect_to(&a);
    long long deadline = fcgi_now_ms() + TIMEOUT_MS + ms;
    if (fcgi_write_all(fd, rec, 5, deadline) != 0)
        fail("send half a GET_VALUES");
    sleep_ms(ms);
    if (fcgi_write_all(fd, rec + 5, sizeof rec - 5, deadline) != 0)
        fail("send the rest");
    unsigned char h[8], content[64];
    if (fcgi_read_all(fd, h, sizeof h, deadline) != 0)
        fail("read the answer's header");
    size_t len = (size_t)h[4] << 8 | h[5];
    if (h[1] != 10 || len > sizeof content || fcgi_read_all(fd, content, len, deadline) != 0) {
        fprintf(stderr, "fcgi-probe: no FCGI_GET_VALUES_RESULT\n");
        return 1;
    }
    printf("answered\n");
    fflush(stdout);
    sleep_ms(ms);
    close(fd);
    return 0;
}

static int cmd_kept(const char *addr)
{
    struct address a = target(addr);
    int fd = connect_to(&a);
    request_ok(fd, 1, 1);
    ready_then_wait();
    request_ok(fd, 2, 1);
    close(fd);
    printf("answered\n");
    return 0;
}

/* Opens n kept connections, then, once a line comes on stdin, sends count
 * requests, ms apart, on the n in turn, until one is not answered; prints
 * how many were. A front end that goes on sending to a stopping app. */
static int cmd_drip(const char *addr, int n, int count, long ms)
{
    struct address a = target(addr);
    int *fds = open_kept(&a, n);
    ready_then_wait();
    unsigned char buf[1024];
    size_t len = fcgi_encode_request(buf, sizeof buf, 2, 1, "GET", 0);
    int answered = 0;
    for (int i = 0; i < count; i++) {
        if (i > 0)
            sleep_ms(ms);
        long long deadline = fcgi_now_ms() + TIMEOUT_MS;
        if (fcgi_write_all(fds[i % n], buf, len, deadline) != 0
            || fcgi_read_answer(fds[i % n], 2, &answer, deadline) != 0
            || fcgi_answer_problem(&answer) != NULL)
            break;
        answered++;
    }
    printf("answered %d\n", answered);
    free(fds);
    return 0;
}

/* Sends a request one record per write(), ms apart, as some front ends
 * and libfcgi's own cgi-fcgi do. */
static void send_by_record(int fd, const unsigned char *req, size_t n, long ms)
{
    for (size_t off = 0; off < n;) {
        size_t rec = 8 + ((size_t)req[off + 4] << 8 | req[off + 5]) + req[off + 6];
        if (fcgi_write_all(fd, req + off, rec, fcgi_now_ms() + TIMEOUT_MS) != 0)
            fail("send a record");
        off += rec;
        if (off < n)
            sleep_ms(ms);
    }
}

static int cmd_split(const char *addr, long ms, int count)
{
    struct address a = target(addr);
    unsigned char buf[8192];
    size_t n = fcgi_encode_request(buf, sizeof buf, 1, 1, "POST", 3000);
    int fd = connect_to(&a);
    for (int i = 1; i <= count; i++) {
        send_by_record(fd, buf, n, ms);
        if (fcgi_read_answer(fd, 1, &answer, fcgi_now_ms() + TIMEOUT_MS) != 0)
            fail("read answer");
        const char *problem = fcgi_answer_problem(&answer);
        if (problem != NULL) {
            fprintf(stderr, "fcgi-probe: request %d: %s\n", i, problem);
            return 1;
        }
    }
    close(fd);
    printf("%d requests written record by record, %ld ms apart: all answered\n", count, ms);
    return 0;
}

/* The status of a CGI answer: its Status line, or 200 without one. */
static int answer_status(void)
{
    const char *end = memmem(answer.out, answer.out_len, "\r\n\r\n", 4);
    const char *st = memmem(answer.out, answer.out_len, "Status: ", 8);
    return st != NULL && st < end ? atoi(st + 8) : 200;
}

static int cmd_large(const char *addr, size_t bytes)
{
    struct address a = target(addr);
    size_t size = bytes + bytes / 1000 * 8 + 2048;
    unsigned char *buf = malloc(size);
    if (buf == NULL)
        fail("malloc");
    unsigned char req[1024];
    size_t n = fcgi_encode_request(req, sizeof req, 1, 1, "GET", 0);
    /* BEGIN_REQUEST, then PARAMS records of pairs of 1,000 bytes each
     * (HTTP_X_nnnnn), then the usual request's own records. */
    memcpy(buf, req, 16);
    size_t off = 16;
    for (size_t done = 0, i = 0; done < bytes;) {
        unsigned char *h = buf + off;
        size_t len = 0;
        for (int k = 0; k < 60 && done < bytes; k++, i++, done += 1000) {
            unsigned char *p = h + 8 + len;
            p[0] = 12;
            p[1] = 0x80;
            p[2] = 0;
            p[3] = (1000 - 18) >> 8;
            p[4] = (1000 - 18) & 0xff;
            snprintf((char *)p + 5, 13, "HTTP_X_%05zu", i);
            memset(p + 5 + 12, 'v', 1000 - 18);
            len += 1000 - 1;
        }
        memcpy(h, req + 16, 4); /* version, PARAMS, the request id */
        h[4] = (unsigned char)(len >> 8);
        h[5] = (unsigned char)len;
        h[6] = h[7] = 0;
        off += 8 + len;
    }
    memcpy(buf + off, req + 16, n - 16);
    off += n - 16;
    int fd = connect_to(&a);
    long long deadline = fcgi_now_ms() + TIMEOUT_MS;
    if (fcgi_write_all(fd, buf, off, deadline) != 0)
        fail("send request");
    if (fcgi_read_answer(fd, 1, &answer, deadline) != 0)
        fail("read answer");
    printf("%d\n", answer_status());
    free(buf);
    request_ok(fd, 1, 1);
    close(fd);
    return 0;
}

static int cmd_stall(const char *addr, long max_ms)
{
    struct address a = target(addr);
    unsigned char buf[1024];
    fcgi_encode_request(buf, sizeof buf, 1, 0, "GET", 0);
    size_t half = 16 + 8 + ((size_t)buf[20] << 8 | buf[21]) / 2;
    int fd = connect_to(&a);
    long long start = fcgi_now_ms();
    if (fcgi_write_all(fd, buf, half, start + TIMEOUT_MS) != 0)
        fail("send");
    char c;
    ssize_t n;
    /* The server's close is the answer: read returns 0 (or a reset). */
    while ((n = read(fd, &c, 1)) < 0 && errno == EAGAIN) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        long left = max_ms - (long)(fcgi_now_ms() - start);
        if (left <= 0 || poll(&p, 1, (int)left) < 0)
            break;
    }
    long long took = fcgi_now_ms() - start;
    close(fd);
    if (n > 0 || (n < 0 && errno != ECONNRESET)) {
        fprintf(stderr, "fcgi-probe: not closed within %ld ms\n", max_ms);
        return 1;
    }
    printf("%lld\n", took);
    return 0;
}

/* BEGIN_REQUEST, then a PARAMS record of 12 bytes whose one pair declares
 * these name and value lengths. */
static size_t long_lengths(unsigned char *buf, uint32_t name_len, uint32_t value_len)
{
    static const unsigned char head[] = {1, 1, 0, 1, 0, 8, 0, 0, 0, 1,  0, 0,
                                         0, 0, 0, 0, 1, 4, 0, 1, 0, 12, 0, 0};
    uint32_t lens[2] = {name_len, value_len};
    size_t off = sizeof head;
    memcpy(buf, head, sizeof head);
    for (int i = 0; i < 2; i++) {
        buf[off++] = (unsigned char)(0x80 | lens[i] >> 24);
        buf[off++] = (unsigned char)(lens[i] >> 16);
        buf[off++] = (unsigned char)(lens[i] >> 8);
        buf[off++] = (unsigned char)lens[i];
    }
    memcpy(buf + off, "ABCD", 4);
    return off + 4;
}

/* Hostile inputs. Each is sent on its own connection; then, except where
 * the probe closes first on purpose, it reads until the server closes it,
 * and fails if that takes over 3 s. */
static size_t hostile_bytes(const char *name, unsigned char *buf, size_t size)
{
    unsigned char req[1024];
    size_t n = fcgi_encode_request(req, sizeof req, 1, 0, "GET", 0);
    if (strcmp(name, "random") == 0) {
        unsigned seed = 12345;
        for (size_t i = 0; i < size; i++) {
            seed = seed * 1103515245u + 12345u;
            buf[i] = (unsigned char)(seed >> 16);
        }
        return size;
    }
    if (strcmp(name, "bad-version") == 0) {
        memcpy(buf, req, n);
        buf[0] = 2;
        return n;
    }
    if (strcmp(name, "truncated") == 0) {
        memcpy(buf, req, 20); /* BEGIN_REQUEST and half a header */
        return 20;
    }
    if (strcmp(name, "unknown-type") == 0) {
        static const unsigned char rec[] = {1, 77, 0, 1, 0, 4, 0, 0, 'a', 'b', 'c', 'd'};
        memcpy(buf, rec, sizeof rec);
        memcpy(buf + sizeof rec, req, n);
        return sizeof rec + n;
    }
    /* CVE-2025-23016's shape: declared lengths far beyond the record. Two of
     * 2^31 - 1 fail libfcgi's own check; two of 2^30 pass it, but their int
     * sum overflows and Debian's libfcgi then aborts the process. Whole
     * requests, so that the app answers them. */
    static const unsigned char ends[] = {1, 4, 0, 1, 0, 0, 0, 0, 1, 5, 0, 1, 0, 0, 0, 0};
    if (strcmp(name, "huge-param") == 0 || strcmp(name, "param-overflow") == 0) {
        uint32_t len = strcmp(name, "huge-param") == 0 ? 0x7fffffff : 0x40000000;
        size_t m = long_lengths(buf, len, len);
        memcpy(buf + m, ends, sizeof ends);
        return m + sizeof ends;
    }
#define OVERFLOW 0xc0, 0, 0, 0, 0xc0, 0, 0, 0, 'x'
#define BEGIN 1, 1, 0, 1, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0
#define PARAMS_END 1, 4, 0, 1, 0, 0, 0, 0
#define STDIN_END 1, 5, 0, 1, 0, 0, 0, 0
    /* Three ways libfcgi, reading a connection itself, reads a pair the
     * specification says is no pair, each carrying CVE-2025-23016's shape:
     * a BEGIN_REQUEST's padding read as a PARAMS header; an empty record
     * of another request, after which libfcgi passes over the next
     * record's content too; a management record of unknown type, whose
     * content libfcgi reads as parameters. Read as the specification
     * says (app/intake.c), each is a whole request to answer. One record
     * or header a line. */
    /* clang-format off */
    static const unsigned char padded_begin[] = {
        1, 1, 0, 1, 0, 8, 8, 0,  0, 1, 0, 0, 0, 0, 0, 0,
        1, 4, 0, 1, 0, 17, 0, 0, /* the padding: a PARAMS header to libfcgi */
        1, 5, 0, 9, 0, 9, 0, 0,  /* request 9's STDIN, passed over */
        OVERFLOW,
        PARAMS_END, STDIN_END};
    static const unsigned char empty_other[] = {
        BEGIN,
        1, 5, 0, 9, 0, 0, 0, 0,
        1, 4, 0, 1, 0, 3, 0, 0,  1, 9, 'N',
        1, 4, 0, 1, 0, 9, 0, 0,  OVERFLOW,
        PARAMS_END, STDIN_END};
    static const unsigned char unknown_management[] = {
        BEGIN,
        1, 11, 0, 0, 0, 9, 0, 0,  OVERFLOW,
        PARAMS_END, STDIN_END};
    /* clang-format on */
#undef OVERFLOW
#undef BEGIN
#undef PARAMS_END
#undef STDIN_END
    static const struct {
        const char *name;
        const unsigned char *bytes;
        size_t len;
    } misread[] = {
        {"padded-begin", padded_begin, sizeof padded_begin},
        {"empty-other-request", empty_other, sizeof empty_other},
        {"unknown-management", unknown_management, sizeof unknown_management},
    };
    for (size_t i = 0; i < sizeof misread / sizeof misread[0]; i++) {
        if (strcmp(name, misread[i].name) == 0) {
            memcpy(buf, misread[i].bytes, misread[i].len);
            return misread[i].len;
        }
    }
    if (strcmp(name, "disconnect") == 0) {
        memcpy(buf, req, n - 8); /* all but the end of STDIN */
        return n - 8;
    }
    if (strcmp(name, "silent") == 0)
        return 0;
    return (size_t)-1;
}

static int cmd_hostile(const char *addr, const char *name)
{
    static unsigned char buf[1 << 20];
    size_t n = hostile_bytes(name, buf, sizeof buf);
    if (n == (size_t)-1) {
        fprintf(stderr, "fcgi-probe: unknown case '%s'\n", name);
        return 2;
    }
    struct address a = target(addr);
    int fd = connect_to(&a);
    /* The server may close before all is sent: that is a correct answer. */
    if (n > 0 && fcgi_write_all(fd, buf, n, fcgi_now_ms() + TIMEOUT_MS) != 0 && errno != EPIPE
        && errno != ECONNRESET)
        fail("send");
    if (strcmp(name, "silent") == 0) {
        sleep_ms(3000); /* the test serves others meanwhile */
        char c;
        if (recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) >= 0 || errno != EAGAIN) {
            fprintf(stderr, "fcgi-probe: the server closed a silent connection within 3 s\n");
            return 1;
        }
        printf("still open after 3 s\n");
    } else if (strcmp(name, "disconnect") == 0 || strcmp(name, "truncated") == 0) {
        /* Closing with the request half sent is the point. */
    } else if (strcmp(name, "random") != 0 && strcmp(name, "bad-version") != 0) {
        /* A whole request: it must be answered, and the connection closed
         * (request 1 does not keep it). */
        long long deadline = fcgi_now_ms() + 3000;
        if (fcgi_read_answer(fd, 1, &answer, deadline) != 0)
            fail("read the answer");
        const char *problem = fcgi_answer_problem(&answer);
        if (problem != NULL && answer_status() != 431) {
            fprintf(stderr, "fcgi-probe: %s\n", problem);
            return 1;
        }
        printf("%d\n", answer_status());
        char c;
        if (fcgi_read_all(fd, &c, 1, deadline) == 0 || errno != ECONNRESET) {
            fprintf(stderr, "fcgi-probe: the connection was not closed after the answer\n");
            return 1;
        }
    } else {
        /* Drain until the server closes, or give up after 3 s. */
        long long deadline = fcgi_now_ms() + 3000;
        while (fcgi_read_answer(fd, 1, &answer, deadline) == 0)
            ;
        if (errno == ETIMEDOUT) {
            fprintf(stderr,
                    "fcgi-probe: the server neither closed the connection nor"
                    " answered within 3 s\n");
            return 1;
        }
    }
    close(fd);
    return 0;
}

static int listen_loopback(const char *port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                             .sin_port = htons((uint16_t)atoi(port))};
    int on = 1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0
        || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 16) != 0)
        fail("listen");
    printf("listening\n");
    if (fflush(stdout) != 0)
        fail("write stdout");
    return fd;
}

static int cmd_blackhole(const char *port, long ms)
{
    int fd = listen_loopback(port);
    sleep_ms(ms); /* connections complete in the backlog and wait there */
    close(fd);
    return 0;
}

static int cmd_http(const char *port, long ms)
{
    static const char reply[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    int fd = listen_loopback(port);
    long long end = fcgi_now_ms() + ms;
    while (fcgi_now_ms() < end) {
        int c = accept(fd, NULL, NULL);
        if (c < 0)
            fail("accept");
        if (fcgi_write_all(c, reply, sizeof reply - 1, fcgi_now_ms() + TIMEOUT_MS) != 0)
            fail("send");
        close(c);
    }
    close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "";
    if (strcmp(cmd, "port") == 0)
        return cmd_port();
    if (strcmp(cmd, "get") == 0 && argc >= 3 && argc <= 5)
        return cmd_get(argv[2], argc > 3 ? argv[3] : NULL, argc > 4 ? argv[4] : NULL);
    if (strcmp(cmd, "idle") == 0 && argc == 5)
        return cmd_idle(argv[2], atoi(argv[3]), atol(argv[4]));
    if (strcmp(cmd, "hold") == 0 && argc == 5)
        return cmd_hold(argv[2], atoi(argv[3]), atol(argv[4]));
    if (strcmp(cmd, "slow") == 0 && argc == 4)
        return cmd_slow(argv[2], atol(argv[3]));
    if (strcmp(cmd, "kept") == 0 && argc == 3)
        return cmd_kept(argv[2]);
    if (strcmp(cmd, "last") == 0 && argc == 3)
        return cmd_last(argv[2]);
    if (strcmp(cmd, "values") == 0 && argc == 4)
        return cmd_values(argv[2], atol(argv[3]));
    if (strcmp(cmd, "drip") == 0 && argc == 6 && atoi(argv[3]) > 0 && atoi(argv[4]) > 0
        && atol(argv[5]) >= 0)
        return cmd_drip(argv[2], atoi(argv[3]), atoi(argv[4]), atol(argv[5]));
    if (strcmp(cmd, "split") == 0 && (argc == 4 || argc == 5))
        return cmd_split(argv[2], atol(argv[3]), argc == 5 ? atoi(argv[4]) : 2);
    if (strcmp(cmd, "large") == 0 && argc == 4)
        return cmd_large(argv[2], strtoul(argv[3], NULL, 10));
    if (strcmp(cmd, "stall") == 0 && argc == 4)
        return cmd_stall(argv[2], atol(argv[3]));
    if (strcmp(cmd, "hostile") == 0 && argc == 4)
        return cmd_hostile(argv[2], argv[3]);
    if (strcmp(cmd, "blackhole") == 0 && argc == 4)
        return cmd_blackhole(argv[2], atol(argv[3]));
    if (strcmp(cmd, "http") == 0 && argc == 4)
        return cmd_http(argv[2], atol(argv[3]));
    fprintf(
        stderr,
        "usage: fcgi-probe port | get ADDR [METHOD [BODY]] | idle ADDR N MAX_MS"
        " | hold ADDR N MS | slow ADDR MS | kept ADDR | last ADDR | values ADDR MS | drip ADDR N COUNT MS | split ADDR MS [COUNT] | large ADDR BYTES | stall ADDR MAX_MS | hostile ADDR CASE | blackhole PORT MS"
        " | http PORT MS\n");
    return 2;
}
