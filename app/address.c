#include <config.h>

#include "address.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

static const char unix_prefix[] = "unix:";

/* Decimal digits only, 1..65535: strtoul would accept signs, spaces and hex.
 * Returns 0 with *port set, or -1 with the reason in why. */
static int parse_port(const char *s, in_port_t *port, char *why, size_t whylen)
{
    unsigned long v = 0;
    if (*s == '\0') {
        snprintf(why, whylen, "missing port number");
        return -1;
    }
    for (const char *p = s; *p != '\0'; p++) {
        if (*p < '0' || *p > '9') {
            snprintf(why, whylen, "port '%s' is not a number", s);
            return -1;
        }
        v = v * 10 + (unsigned long)(*p - '0');
        if (v > 65535)
            break;
    }
    if (v < 1 || v > 65535) {
        snprintf(why, whylen, "port %s is out of range (1-65535)", s);
        return -1;
    }
    *port = htons((in_port_t)v);
    return 0;
}

/* Fills out with the unix-domain address of path. Returns 0, or -1 with
 * the reason in why. */
static int parse_unix(const char *path, struct address *out, char *why, size_t whylen)
{
    struct sockaddr_un *un = (struct sockaddr_un *)&out->sa;
    size_t n = strlen(path);
    if (n == 0) {
        snprintf(why, whylen, "missing socket path after 'unix:'");
        return -1;
    }
    if (n >= sizeof un->sun_path) {
        snprintf(why, whylen, "socket path is %zu bytes long, the limit is %zu", n,
                 sizeof un->sun_path - 1);
        return -1;
    }
    un->sun_family = AF_UNIX;
    memcpy(un->sun_path, path, n + 1);
    out->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
    return 0;
}

int address_parse(const char *text, struct address *out, char *why, size_t whylen)
{
    memset(out, 0, sizeof *out);
    out->text = text;

    if (strncmp(text, unix_prefix, sizeof unix_prefix - 1) == 0)
        return parse_unix(text + sizeof unix_prefix - 1, out, why, whylen);

    const char *colon = strrchr(text, ':');
    if (colon == NULL) {
        snprintf(why, whylen, "'%s' is not HOST:PORT, [IPV6]:PORT, :PORT or unix:PATH", text);
        return -1;
    }
    size_t hostlen = (size_t)(colon - text);
    char host[INET6_ADDRSTRLEN + 2];
    if (hostlen >= sizeof host) {
        snprintf(why, whylen, "'%.*s' is not a numeric IPv4 or [IPv6] address", (int)hostlen, text);
        return -1;
    }
    memcpy(host, text, hostlen);
    host[hostlen] = '\0';

    in_port_t port;
    if (parse_port(colon + 1, &port, why, whylen) != 0)
        return -1;

    struct sockaddr_in *in4 = (struct sockaddr_in *)&out->sa;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&out->sa;
    if (hostlen == 0 || strcmp(host, "*") == 0) {
        /* IPv6 wildcard; the listener clears IPV6_V6ONLY so IPv4 is served too. */
        in6->sin6_family = AF_INET6;
        in6->sin6_addr = in6addr_any;
        in6->sin6_port = port;
        out->len = sizeof *in6;
        out->any = 1;
        return 0;
    }
    if (host[0] == '[' && hostlen > 2 && host[hostlen - 1] == ']') {
        host[hostlen - 1] = '\0';
        if (inet_pton(AF_INET6, host + 1, &in6->sin6_addr) == 1) {
            in6->sin6_family = AF_INET6;
            in6->sin6_port = port;
            out->len = sizeof *in6;
            return 0;
        }
        host[hostlen - 1] = ']';
    } else if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = port;
        out->len = sizeof *in4;
        return 0;
    }
    /* Host names are refused on purpose: resolving them would make start-up
     * depend on DNS and pull glibc's NSS into the static binary. */
    snprintf(why, whylen, "'%s' is not a numeric IPv4 or [IPv6] address", host);
    return -1;
}

const char *address_unix_path(const struct address *a)
{
    if (a->sa.ss_family != AF_UNIX)
        return NULL;
    return ((const struct sockaddr_un *)&a->sa)->sun_path;
}

void address_for_client(const struct address *a, struct sockaddr_storage *sa, socklen_t *len)
{
    if (!a->any) {
        *sa = a->sa;
        *len = a->len;
        return;
    }
    struct sockaddr_in lo;
    memset(&lo, 0, sizeof lo);
    lo.sin_family = AF_INET;
    lo.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    lo.sin_port = ((const struct sockaddr_in6 *)&a->sa)->sin6_port;
    memset(sa, 0, sizeof *sa);
    memcpy(sa, &lo, sizeof lo);
    *len = sizeof lo;
}
