#include <config.h>

#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void log_line(int err, const char *fmt, va_list ap)
{
    char line[512];
    size_t len = 0;
    int n = snprintf(line, sizeof line, "%s: ", PACKAGE);
    if (n > 0)
        len = (size_t)n;
    n = vsnprintf(line + len, sizeof line - len, fmt, ap);
    if (n > 0)
        len += (size_t)n;
    if (len > sizeof line - 2)
        len = sizeof line - 2; /* truncated: keep room for the newline */
    if (err != 0) {
        n = snprintf(line + len, sizeof line - len, ": %s", strerror(err));
        if (n > 0)
            len += (size_t)n;
        if (len > sizeof line - 2)
            len = sizeof line - 2;
    }
    line[len++] = '\n';
    /* Nothing sensible is left to do if stderr itself fails. */
    (void)!write(STDERR_FILENO, line, len);
}

void log_msg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_line(0, fmt, ap);
    va_end(ap);
}

void log_errno(int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_line(err, fmt, ap);
    va_end(ap);
}
