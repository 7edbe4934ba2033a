/* http-probe: raw HTTP clients for the tests of nginx's limits, which curl
 * cannot play: bytes curl refuses to send, a client that sends one byte a
 * second, connections that send nothing.
 *
 *   http-probe raw PORT           send stdin as is; print the status line
 *                                 of the answer, or "closed" if none came
 *   http-probe slow PORT MAX_S    send a request one byte a second; print
 *                                 "closed after N s" when nginx hangs up
 *   http-probe idle PORT N MS     hold N connections that send nothing
 *   http-probe body PORT LEN SENT MAX_S
 *                                 send a POST whose body is LEN bytes but
 *                                 send SENT of them, one a second, then
 *                                 wait; print the answer's status line, or
 *                                 "closed", and " after N s"
 *
 * All on 127.0.0.1, all bounded in time. */
#include <config.h>

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/fcgi_client.h"

enum { TIMEOUT_MS = 15000 };

static void fail(const char *what)
{
    fprintf(stderr, "http-probe: %s: %s\n", what, strerror(errno));
    exit(1);
}

static int connect_port(const char *port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                             .sin_port = htons((uint16_t)atoi(port))};
    int fd = fcgi_connect((struct sockaddr *)&sa, sizeof sa, fcgi_now_ms() + TIMEOUT_MS);
    if (fd < 0)
        fail("connect");
    return fd;
}

/* Reads until the peer closes or the deadline; returns the bytes read. */
static size_t read_until_close(int fd, char *buf, size_t size, long long deadline)
{
    size_t len = 0;
    while (fcgi_now_ms() < deadline) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 100) <= 0)
            continue;
        ssize_t n = read(fd, buf + len, size - 1 - len);
        if (n <= 0)
            break;
        len += (size_t)n;
        if (len == size - 1)
            break;
    }
    buf[len] = '\0';
    return len;
}

static int cmd_raw(const char *port)
{
    static char req[1 << 20], answer[1 << 16];
    size_t n = fread(req, 1, sizeof req, stdin);
    int fd = connect_port(port);
    if (fcgi_write_all(fd, req, n, fcgi_now_ms() + TIMEOUT_MS) != 0 && errno != ECONNRESET
        && errno != EPIPE)
        fail("send");
    size_t len = read_until_close(fd, answer, sizeof answer, fcgi_now_ms() + TIMEOUT_MS);
    close(fd);
    if (len == 0) {
        printf("closed\n");
        return 0;
    }
    char *eol = strstr(answer, "\r\n");
    if (eol != NULL)
        *eol = '\0';
    printf("%s\n", answer);
    return 0;
}

static int cmd_slow(const char *port, int max_s)
{
    static const char req[] =
        "GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    int fd = connect_port(port);
    long long start = fcgi_now_ms();
    for (size_t i = 0; i < sizeof req - 1 && fcgi_now_ms() - start < max_s * 1000LL; i++) {
        if (send(fd, req + i, 1, MSG_NOSIGNAL) != 1)
            break; /* nginx hung up */
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 1000) > 0)
            break; /* an answer or the close */
    }
    char answer[4096];
    read_until_close(fd, answer, sizeof answer, start + max_s * 1000LL);
    long long took = fcgi_now_ms() - start;
    close(fd);
    if (took >= max_s * 1000LL) {
        printf("still open after %d s\n", max_s);
        return 1;
    }
    printf("closed after %lld s\n", (took + 500) / 1000);
    return 0;
}

static int cmd_body(const char *port, int len, int sent, int max_s)
{
    char head[256];
    int n = snprintf(head, sizeof head,
                     "POST / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                     "Content-Length: %d\r\n\r\n",
                     len);
    if (n < 0 || (size_t)n >= sizeof head)
        return 2;
    int fd = connect_port(port);
    long long start = fcgi_now_ms(), deadline = start + max_s * 1000LL;
    if (fcgi_write_all(fd, head, (size_t)n, deadline) != 0)
        fail("send");
    for (int i = 0; i < sent && i < len && fcgi_now_ms() < deadline; i++) {
        if (i > 0) {
            struct pollfd p = {.fd = fd, .events = POLLIN};
            if (poll(&p, 1, 1000) > 0)
                break; /* an answer or the close */
        }
        if (send(fd, "x", 1, MSG_NOSIGNAL) != 1)
            break; /* nginx hung up */
    }
    char answer[4096];
    size_t got = read_until_close(fd, answer, sizeof answer, deadline);
    long long took = fcgi_now_ms() - start;
    close(fd);
    if (took >= max_s * 1000LL) {
        printf("still open after %d s\n", max_s);
        return 1;
    }
    char *eol = strstr(answer, "\r\n");
    if (eol != NULL)
        *eol = '\0';
    printf("%s after %lld s\n", got > 0 ? answer : "closed", (took + 500) / 1000);
    return 0;
}

static int cmd_idle(const char *port, int n, long ms)
{
    for (int i = 0; i < n; i++)
        connect_port(port); /* left open until exit */
    printf("holding %d\n", n);
    if (fflush(stdout) != 0)
        fail("write stdout");
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
    return 0;
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "";
    if (strcmp(cmd, "raw") == 0 && argc == 3)
        return cmd_raw(argv[2]);
    if (strcmp(cmd, "slow") == 0 && argc == 4)
        return cmd_slow(argv[2], atoi(argv[3]));
    if (strcmp(cmd, "idle") == 0 && argc == 5)
        return cmd_idle(argv[2], atoi(argv[3]), atol(argv[4]));
    if (strcmp(cmd, "body") == 0 && argc == 6)
        return cmd_body(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
    fprintf(stderr,
            "usage: http-probe raw PORT | slow PORT MAX_S | idle PORT N MS"
            " | body PORT LEN SENT MAX_S\n");
    return 2;
}
