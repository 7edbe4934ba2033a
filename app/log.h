#ifndef HELLO_LOG_H
#define HELLO_LOG_H

/* One line on stderr per call, prefixed with the program's name. Each line is
 * written with a single write(2) so that lines from several threads never mix. */
void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* As log_msg, followed by ": " and strerror(err). */
void log_errno(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
