#ifndef HELLO_ADDRESS_H
#define HELLO_ADDRESS_H

#include <stddef.h>
#include <sys/socket.h>

/* A FastCGI endpoint as written on the command line:
 *   HOST:PORT      numeric IPv4 host
 *   [IPV6]:PORT    numeric IPv6 host
 *   :PORT, *:PORT  every interface (IPv6 and IPv4 where the kernel has both)
 *   unix:/PATH     a unix-domain socket */
struct address {
    struct sockaddr_storage sa;
    socklen_t len;
    int any;          /* every interface: connect to loopback instead */
    const char *text; /* as given, for messages */
};

/* Parses text (which must outlive the address) into *out. Returns 0, or -1
 * with a one-line reason, without the option's name, in why. */
int address_parse(const char *text, struct address *out, char *why, size_t whylen);

/* Returns the path of a unix address, or NULL for a TCP one. */
const char *address_unix_path(const struct address *a);

/* Where a client of this address should connect: the address itself, or
 * loopback on the same port for an every-interface address. */
void address_for_client(const struct address *a, struct sockaddr_storage *sa, socklen_t *len);

#endif
