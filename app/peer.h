#ifndef HELLO_PEER_H
#define HELLO_PEER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Room for any peer_name(): an IPv6 address in brackets and a port. */
enum { PEER_NAME_MAX = 64 };

/* A connection's peer as accept4 gave it: kept with the connection, since a
 * peer that has reset the connection can no longer be asked for it. */
struct peer {
    sa_family_t family; /* AF_INET, AF_INET6, AF_UNIX, or 0: unknown */
    uint16_t port;      /* host order */
    unsigned char addr[16];
};

/* Keeps the address that accept4 wrote at sa (len bytes). */
void peer_take(struct peer *p, const struct sockaddr *sa, socklen_t len);

/* Names the peer p of the connected socket fd for a log line, as nginx
 * names its client: "127.0.0.1:40212", "[::1]:40212", or on a unix socket
 * "unix socket peer pid 1234" (SO_PEERCRED, which holds after the peer has
 * gone). Returns buf, which holds the name, or "an unknown peer". */
const char *peer_name(const struct peer *p, int fd, char *buf, size_t size);

#endif
