#ifndef HELLO_EXPOSITION_H
#define HELLO_EXPOSITION_H

#include <stddef.h>

#include "metrics.h"

#define EXPOSITION_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* The snapshot in Prometheus's text format 0.0.4 (HELP and TYPE for every
 * metric), into buf; its length, or 0 if it does not fit. */
size_t exposition_prometheus(char *buf, size_t size, const struct metrics_snapshot *s);

/* The same for a person, in the manner of php-fpm's status page: one
 * "name: value" line each; now is the current time (seconds since the
 * epoch). Its length, or 0 if it does not fit. */
size_t exposition_status(char *buf, size_t size, const struct metrics_snapshot *s, long long now);

#endif
