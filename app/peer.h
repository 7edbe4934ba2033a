#ifndef HELLO_PEER_H
#define HELLO_PEER_H

#include <stddef.h>

/* Room for any peer_name(): an IPv6 address in brackets and a port. */
enum { PEER_NAME_MAX = 64 };

/* Names the other end of the connected socket fd for a log line, as nginx
 * names its client: "127.0.0.1:40212", "[::1]:40212", or on a unix socket
 * "unix socket peer pid 1234" (SO_PEERCRED). Returns buf, which holds the
 * name, or "an unknown peer" if the socket does not say. */
const char *peer_name(int fd, char *buf, size_t size);

#endif
