#include <config.h>

#include "listen.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"

/* A socket file is only stale if nobody accepts on it: unlinking a live
 * server's socket would silently take its traffic. Returns 0 once the path
 * is free, or -1 after a log line. */
static int unix_path_clear(const struct address *a)
{
    const char *path = address_unix_path(a);
    struct stat st;
    if (lstat(path, &st) != 0) {
        if (errno == ENOENT)
            return 0;
        log_errno(errno, "%s: stat", path);
        return -1;
    }
    if (!S_ISSOCK(st.st_mode)) {
        log_msg("%s: exists and is not a socket; refusing to replace it", path);
        return -1;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        log_errno(errno, "%s: socket", path);
        return -1;
    }
    int rc = connect(fd, (const struct sockaddr *)&a->sa, a->len);
    int err = errno;
    close(fd);
    if (rc == 0) {
        log_msg("%s: another server is listening on this socket", path);
        return -1;
    }
    if (err != ECONNREFUSED) {
        log_errno(err, "%s: connect to check for a live server", path);
        return -1;
    }
    if (unlink(path) != 0 && errno != ENOENT) {
        log_errno(errno, "%s: unlink stale socket", path);
        return -1;
    }
    return 0;
}

/* Binds a wildcard address to IPv6 with IPV6_V6ONLY cleared, so one socket
 * serves both families; a kernel or container without IPv6 gets IPv4 alone.
 * Returns bind's result: 0, or -1 with errno set. */
static int bind_any(int fd, const struct address *a)
{
    int off = 0;
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) != 0)
        return -1;
    return bind(fd, (const struct sockaddr *)&a->sa, a->len);
}

/* The IPv4-only fallback for a wildcard address. Returns a bound socket, or
 * -1 with errno set. */
static int open_any_ipv4(const struct address *a)
{
    struct sockaddr_in v4 = {
        .sin_family = AF_INET,
        .sin_port = ((const struct sockaddr_in6 *)&a->sa)->sin6_port,
        .sin_addr.s_addr = htonl(INADDR_ANY),
    };
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    int on = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0
        || bind(fd, (const struct sockaddr *)&v4, sizeof v4) != 0) {
        int err = errno;
        close(fd);
        errno = err;
        return -1;
    }
    return fd;
}

/* socket + bind. Returns the bound socket, or -1 with errno set and the
 * failing step's name in *step. */
static int open_bound(const struct address *a, const char **step)
{
    *step = "socket";
    int fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        if (a->any && (errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT)) {
            *step = "bind";
            return open_any_ipv4(a);
        }
        return -1;
    }
    int rc = 0;
    if (a->sa.ss_family != AF_UNIX) {
        /* Restarting must not wait for the last run's TIME_WAIT connections. */
        int on = 1;
        *step = "setsockopt SO_REUSEADDR";
        rc = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    }
    if (rc == 0) {
        *step = "bind";
        rc = a->any ? bind_any(fd, a) : bind(fd, (const struct sockaddr *)&a->sa, a->len);
    }
    if (rc != 0) {
        int err = errno;
        close(fd);
        errno = err;
        return -1;
    }
    return fd;
}

int listen_open(const struct address *a, mode_t unix_mode)
{
    const char *path = address_unix_path(a);
    if (path != NULL && unix_path_clear(a) != 0)
        return -1;

    const char *step;
    int fd = open_bound(a, &step);
    if (fd < 0) {
        log_errno(errno, "listen on %s: %s", a->text, step);
        return -1;
    }
    /* Nobody can connect before listen(), so setting the mode here leaves no
     * window in which the socket is open to more users than asked. */
    if (path != NULL && chmod(path, unix_mode) != 0) {
        log_errno(errno, "listen on %s: chmod %04o", a->text, (unsigned)unix_mode);
        goto fail;
    }
    if (listen(fd, SOMAXCONN) != 0) {
        log_errno(errno, "listen on %s: listen", a->text);
        goto fail;
    }
    return fd;

fail:
    close(fd);
    if (path != NULL && unlink(path) != 0)
        log_errno(errno, "%s: unlink", path);
    return -1;
}

int listen_close(int fd, const struct address *a)
{
    int rc = 0;
    if (close(fd) != 0) {
        log_errno(errno, "close listening socket");
        rc = -1;
    }
    const char *path = address_unix_path(a);
    if (path != NULL && unlink(path) != 0 && errno != ENOENT) {
        log_errno(errno, "%s: unlink", path);
        rc = -1;
    }
    return rc;
}
