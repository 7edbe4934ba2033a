#include <config.h>

#include "peer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

void peer_take(struct peer *p, const struct sockaddr *sa, socklen_t len)
{
    memset(p, 0, sizeof *p);
    if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in4 = (const struct sockaddr_in *)sa;
        p->family = AF_INET;
        p->port = ntohs(in4->sin_port);
        memcpy(p->addr, &in4->sin_addr, sizeof in4->sin_addr);
    } else if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        p->family = AF_INET6;
        p->port = ntohs(in6->sin6_port);
        memcpy(p->addr, &in6->sin6_addr, sizeof in6->sin6_addr);
    } else if (sa->sa_family == AF_UNIX) {
        p->family = AF_UNIX;
    }
}

const char *peer_name(const struct peer *p, int fd, char *buf, size_t size)
{
    char host[INET6_ADDRSTRLEN];
    struct ucred cred;
    socklen_t clen = sizeof cred;
    int n = -1;
    if (p->family == AF_INET && inet_ntop(AF_INET, p->addr, host, sizeof host))
        n = snprintf(buf, size, "%s:%u", host, (unsigned)p->port);
    else if (p->family == AF_INET6 && inet_ntop(AF_INET6, p->addr, host, sizeof host))
        n = snprintf(buf, size, "[%s]:%u", host, (unsigned)p->port);
    else if (p->family == AF_UNIX && getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0)
        n = snprintf(buf, size, "unix socket peer pid %ld", (long)cred.pid);
    if (n < 0 || (size_t)n >= size)
        snprintf(buf, size, "an unknown peer");
    return buf;
}
