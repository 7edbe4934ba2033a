#include <config.h>

#include "peer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>

const char *peer_name(int fd, char *buf, size_t size)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    char host[INET6_ADDRSTRLEN];
    int n = -1;
    if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0) {
        const struct sockaddr_in *in4 = (const struct sockaddr_in *)&ss;
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;
        struct ucred cred;
        socklen_t clen = sizeof cred;
        if (ss.ss_family == AF_INET && inet_ntop(AF_INET, &in4->sin_addr, host, sizeof host))
            n = snprintf(buf, size, "%s:%u", host, (unsigned)ntohs(in4->sin_port));
        else if (ss.ss_family == AF_INET6
                 && inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host))
            n = snprintf(buf, size, "[%s]:%u", host, (unsigned)ntohs(in6->sin6_port));
        else if (ss.ss_family == AF_UNIX
                 && getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0)
            n = snprintf(buf, size, "unix socket peer pid %ld", (long)cred.pid);
    }
    /* A peer that is already gone, or an unknown family: the line still
     * names the refusal. */
    if (n < 0 || (size_t)n >= size)
        snprintf(buf, size, "an unknown peer");
    return buf;
}
