/* Unit tests of address_parse(), address_unix_path() and address_for_client()
 * (app/address.c): what --listen and HELLO_FCGI_LISTEN accept, and where
 * --healthcheck and the test clients then connect. */
#include <config.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "app/address.h"
#include "tap.h"

/* sun_path's size differs between systems: these are built to fit it
 * exactly, and to miss by one. */
#define SUN_PATH_SIZE sizeof((struct sockaddr_un *)0)->sun_path
static char unix_longest[sizeof "unix:" - 1 + SUN_PATH_SIZE];
static char unix_too_long[sizeof unix_longest + 1];

struct address_case {
    const char *text;
    int family;       /* 0: address_parse must fail */
    const char *host; /* numeric, as inet_ntop writes it; or the unix path */
    unsigned port;
    int any;
    const char *client; /* the host address_for_client() gives */
    const char *why;    /* part of the reason, for a failure */
};

/* One case a line, aligned by hand. */
/* clang-format off */
static struct address_case cases[] = {
    {"127.0.0.1:9000", AF_INET, "127.0.0.1", 9000, 0, "127.0.0.1", NULL},
    {"10.1.2.3:1", AF_INET, "10.1.2.3", 1, 0, "10.1.2.3", NULL},
    {"127.0.0.1:65535", AF_INET, "127.0.0.1", 65535, 0, "127.0.0.1", NULL},
    /* Written out, the IPv4 wildcard is an address like any other. */
    {"0.0.0.0:9000", AF_INET, "0.0.0.0", 9000, 0, "0.0.0.0", NULL},
    {"[::1]:9000", AF_INET6, "::1", 9000, 0, "::1", NULL},
    {"[2001:db8::7]:443", AF_INET6, "2001:db8::7", 443, 0, "2001:db8::7", NULL},
    {"[::ffff:127.0.0.1]:9000", AF_INET6, "::ffff:127.0.0.1", 9000, 0, "::ffff:127.0.0.1", NULL},
    {":9000", AF_INET6, "::", 9000, 1, "127.0.0.1", NULL},
    {"*:8080", AF_INET6, "::", 8080, 1, "127.0.0.1", NULL},
    {"unix:/tmp/x.sock", AF_UNIX, "/tmp/x.sock", 0, 0, "/tmp/x.sock", NULL},
    {"unix:relative.sock", AF_UNIX, "relative.sock", 0, 0, "relative.sock", NULL},
    /* After "unix:" everything is the path, colons included. */
    {"unix:/run/a:9000", AF_UNIX, "/run/a:9000", 0, 0, "/run/a:9000", NULL},
    {unix_longest, AF_UNIX, unix_longest + 5, 0, 0, unix_longest + 5, NULL},

    {unix_too_long, 0, NULL, 0, 0, NULL, "the limit is"},
    {"unix:", 0, NULL, 0, 0, NULL, "missing socket path"},
    {"", 0, NULL, 0, 0, NULL, "is not HOST:PORT"},
    {"127.0.0.1", 0, NULL, 0, 0, NULL, "is not HOST:PORT"},
    {"9000", 0, NULL, 0, 0, NULL, "is not HOST:PORT"},
    {"/tmp/x.sock", 0, NULL, 0, 0, NULL, "is not HOST:PORT"},
    {"localhost:9000", 0, NULL, 0, 0, NULL, "'localhost' is not a numeric"},
    {"example.com:80", 0, NULL, 0, 0, NULL, "is not a numeric"},
    {"1.2.3:80", 0, NULL, 0, 0, NULL, "is not a numeric"},
    {"256.0.0.1:80", 0, NULL, 0, 0, NULL, "is not a numeric"},
    {"::1:9000", 0, NULL, 0, 0, NULL, "is not a numeric"},
    {"[::1:9000", 0, NULL, 0, 0, NULL, "is not a numeric"},
    {"::1]:9000", 0, NULL, 0, 0, NULL, "is not a numeric"},
    {"[127.0.0.1]:80", 0, NULL, 0, 0, NULL, "is not a numeric"},
    {"[]:80", 0, NULL, 0, 0, NULL, "is not a numeric"},
    {"[fe80::1%lo]:80", 0, NULL, 0, 0, NULL, "is not a numeric"},
    {"[1111:2222:3333:4444:5555:6666:7777:8888:9999]:80", 0, NULL, 0, 0, NULL,
     "is not a numeric"},
    {"127.0.0.1:0", 0, NULL, 0, 0, NULL, "port 0 is out of range"},
    {":0", 0, NULL, 0, 0, NULL, "port 0 is out of range"},
    {"127.0.0.1:00", 0, NULL, 0, 0, NULL, "out of range"},
    {"127.0.0.1:65536", 0, NULL, 0, 0, NULL, "port 65536 is out of range"},
    {"[::1]:99999999999999999999999", 0, NULL, 0, 0, NULL, "out of range"},
    /* 2^32 + 80 and 2^64 + 80: ports that wrap to 80 if summed unchecked. */
    {"127.0.0.1:4294967376", 0, NULL, 0, 0, NULL, "out of range"},
    {"127.0.0.1:18446744073709551696", 0, NULL, 0, 0, NULL, "out of range"},
    {"127.0.0.1:", 0, NULL, 0, 0, NULL, "missing port"},
    {":", 0, NULL, 0, 0, NULL, "missing port"},
    {"127.0.0.1:http", 0, NULL, 0, 0, NULL, "port 'http' is not a number"},
    {"127.0.0.1:-1", 0, NULL, 0, 0, NULL, "is not a number"},
    {"127.0.0.1:+80", 0, NULL, 0, 0, NULL, "is not a number"},
    {"127.0.0.1: 80", 0, NULL, 0, 0, NULL, "is not a number"},
    {"127.0.0.1:0x50", 0, NULL, 0, 0, NULL, "is not a number"},
    {"127.0.0.1:80 ", 0, NULL, 0, 0, NULL, "is not a number"},
    {"[::1]9000", 0, NULL, 0, 0, NULL, "is not a number"},
};
/* clang-format on */

static const char *family_name(int family)
{
    switch (family) {
    case AF_INET:
        return "IPv4";
    case AF_INET6:
        return "IPv6";
    case AF_UNIX:
        return "unix";
    }
    return "none";
}

/* The text under test, cut short for the TAP line. */
static const char *shown(const char *text)
{
    static char buf[64];
    if (snprintf(buf, sizeof buf, "%s", text) >= (int)sizeof buf)
        memcpy(buf + sizeof buf - 4, "...", 4);
    return buf;
}

/* What the case expects, in words. */
static const char *expected(const struct address_case *c, int family, const char *host)
{
    static char buf[96];
    if (family == AF_UNIX)
        snprintf(buf, sizeof buf, "unix socket %.40s%s (%zu bytes)", host,
                 strlen(host) > 40 ? "..." : "", strlen(host));
    else
        snprintf(buf, sizeof buf, "%s %s port %u%s", family_name(family), host, c->port,
                 c->any && family == AF_INET6 ? ", every interface" : "");
    return buf;
}

/* The host or path and the port of sa, in the table's terms. */
static void describe(const struct sockaddr_storage *sa, char *host, size_t hostlen, unsigned *port,
                     socklen_t *want_len)
{
    const struct sockaddr_in *in4 = (const struct sockaddr_in *)sa;
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
    const struct sockaddr_un *un = (const struct sockaddr_un *)sa;
    host[0] = '\0';
    *port = 0;
    switch (sa->ss_family) {
    case AF_INET:
        if (inet_ntop(AF_INET, &in4->sin_addr, host, (socklen_t)hostlen) == NULL)
            bail_out("inet_ntop failed");
        *port = ntohs(in4->sin_port);
        *want_len = sizeof *in4;
        break;
    case AF_INET6:
        if (inet_ntop(AF_INET6, &in6->sin6_addr, host, (socklen_t)hostlen) == NULL)
            bail_out("inet_ntop failed");
        *port = ntohs(in6->sin6_port);
        *want_len = sizeof *in6;
        break;
    case AF_UNIX:
        /* connect() and bind() take the path's length from len. */
        snprintf(host, hostlen, "%.*s", (int)sizeof un->sun_path, un->sun_path);
        *want_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(host) + 1);
        break;
    default:
        *want_len = 0;
        break;
    }
}

/* Two checks, whatever happens: the address, and where a client goes. */
static void check_parsed(const struct address_case *c, int rc, const char *why,
                         const struct address *a)
{
    if (rc != 0) {
        ok(0, "'%s': accepted", shown(c->text));
        diag("    refused: %s", why);
        ok(0, "'%s': a client can connect", shown(c->text));
        return;
    }
    char host[SUN_PATH_SIZE + 1];
    unsigned port;
    socklen_t want_len;
    describe(&a->sa, host, sizeof host, &port, &want_len);
    const char *path = address_unix_path(a);
    int pass = a->sa.ss_family == c->family && strcmp(host, c->host) == 0 && port == c->port
        && a->len == want_len && a->any == c->any && a->text == c->text
        && (c->family == AF_UNIX ? path != NULL && strcmp(path, c->host) == 0 : path == NULL);
    if (!ok(pass, "'%s': %s", shown(c->text), expected(c, c->family, c->host)))
        diag("    got %s %s port %u, len %u (%u expected), any %d, unix path %s",
             family_name(a->sa.ss_family), host, port, (unsigned)a->len, (unsigned)want_len, a->any,
             path ? path : "none");

    struct sockaddr_storage sa;
    socklen_t len = 0;
    memset(&sa, 0xa5, sizeof sa);
    address_for_client(a, &sa, &len);
    describe(&sa, host, sizeof host, &port, &want_len);
    /* Every interface is reached on IPv4 loopback: it is served whether or
     * not the kernel has IPv6. */
    int want_family = c->any ? AF_INET : c->family;
    pass = sa.ss_family == want_family && strcmp(host, c->client) == 0 && port == c->port
        && len == want_len;
    if (!ok(pass, "'%s': a client connects to %s", shown(c->text),
            expected(c, want_family, c->client)))
        diag("    got %s %s port %u, len %u", family_name(sa.ss_family), host, port, (unsigned)len);
}

static void check_refused(const struct address_case *c, int rc, const char *why)
{
    int pass = rc == -1 && strstr(why, c->why) != NULL;
    if (!ok(pass, "'%s': refused, \"%s\"", shown(c->text), c->why))
        diag("    got %d, \"%s\"", rc, why);
}

int main(void)
{
    /* "unix:/000...0": the path fills sun_path but for its final NUL. */
    int n = snprintf(unix_longest, sizeof unix_longest, "unix:/%0*d", (int)SUN_PATH_SIZE - 2, 0);
    if (n < 0 || (size_t)n != sizeof unix_longest - 1)
        bail_out("cannot build the longest unix path");
    n = snprintf(unix_too_long, sizeof unix_too_long, "%sx", unix_longest);
    if (n < 0 || (size_t)n != sizeof unix_too_long - 1)
        bail_out("cannot build a unix path one too long");

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct address_case *c = &cases[i];
        struct address a;
        char why[200] = "";
        int rc = address_parse(c->text, &a, why, sizeof why);
        if (c->family == 0)
            check_refused(c, rc, why);
        else
            check_parsed(c, rc, why, &a);
    }
    return done_testing();
}
