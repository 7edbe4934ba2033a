/* Linked into the static binary only (--enable-static-binary).
 *
 * libfcgi's FCGX_OpenSocket, which hello-fcgi does not call (listen.c sets up
 * the socket), resolves host names with gethostbyname. It shares an object
 * file with functions that are called, so a static link pulls glibc's
 * gethostbyname in, and with it a link-time warning and a run-time need for
 * the NSS shared libraries, which a FROM scratch image does not have.
 * hello-fcgi only takes numeric addresses, so this definition, which resolves
 * nothing, replaces glibc's. */
#include <config.h>

#include <netdb.h>
#include <stddef.h>

/* Returns NULL: no name resolves. */
struct hostent *gethostbyname(const char *name)
{
    (void)name;
    h_errno = HOST_NOT_FOUND;
    return NULL;
}
