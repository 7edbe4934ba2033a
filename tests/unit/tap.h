#ifndef HELLO_TAP_H
#define HELLO_TAP_H

/* Just enough TAP for automake's tap-driver.sh, which reads stdout only:
 * one "ok N - ..." line per check, the plan last (the number of cases is
 * known only once the tables have run), and a failing exit status so that
 * a crash or a failure also shows when the program is run by hand. */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int tap_run, tap_failed;

/* Descriptions must not hold '#': the driver would read a directive. */
__attribute__((format(printf, 2, 3))) static inline int ok(int pass, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%sok %d - ", pass ? "" : "not ", ++tap_run);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    if (!pass)
        tap_failed++;
    return pass;
}

/* A comment line, for what a failed check actually got. */
__attribute__((format(printf, 1, 2))) static inline void diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("# ", stdout);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

/* For a test that cannot go on (its own setup failed): the driver counts
 * it as an error, not as a passing run with fewer checks. */
__attribute__((format(printf, 1, 2), noreturn)) static inline void bail_out(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("Bail out! ", stdout);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
    exit(99);
}

static inline int done_testing(void)
{
    printf("1..%d\n", tap_run);
    if (fflush(stdout) != 0)
        return 99;
    return tap_failed == 0 ? 0 : 1;
}

#endif
