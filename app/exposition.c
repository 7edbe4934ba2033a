#include <config.h>

#include "exposition.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Names follow Prometheus's conventions (a unit suffix, _total on counters)
 * and, where the meaning is the same, php-fpm_exporter's words: accepted
 * connections, listen queue, max listen queue, listen queue length, max
 * active, slow requests, start time. */
#define PREFIX "hello_fcgi_"

static const char *const outcome_label[METRICS_OUTCOMES] = {
    [METRICS_ANSWERED] = "answered",
    [METRICS_REFUSED_TOO_LARGE] = "refused_too_large",
    [METRICS_REFUSED_BY_GUARD] = "refused_by_guard",
    [METRICS_REFUSED_MULTIPLEXED] = "refused_multiplexed",
    [METRICS_REFUSED_ROLE] = "refused_role",
    [METRICS_ABORTED] = "aborted",
    [METRICS_TIMED_OUT] = "timed_out",
    [METRICS_PEER_GONE] = "peer_gone",
    [METRICS_HEALTHCHECK] = "healthcheck",
};

struct out {
    char *buf;
    size_t size, len;
    int full;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
    if (o->full)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= o->size - o->len) {
        o->full = 1;
        return;
    }
    o->len += (size_t)n;
}

static void head(struct out *o, const char *name, const char *type, const char *help)
{
    put(o, "# HELP " PREFIX "%s %s\n# TYPE " PREFIX "%s %s\n", name, help, name, type);
}

static void one(struct out *o, const char *name, const char *type, const char *help,
                unsigned long long v)
{
    head(o, name, type, help);
    put(o, PREFIX "%s %llu\n", name, v);
}

/* Nanoseconds as seconds, exactly (no floating point rounding); trim drops
 * the fraction's trailing zeros, as client libraries write bucket bounds. */
static void seconds(struct out *o, unsigned long long ns, int trim)
{
    unsigned long long frac = ns % 1000000000ULL;
    int digits = 9;
    while (trim && digits > 0 && frac % 10 == 0) {
        frac /= 10;
        digits--;
    }
    if (digits == 0)
        put(o, "%llu", ns / 1000000000ULL);
    else
        put(o, "%llu.%0*llu", ns / 1000000000ULL, digits, frac);
}

size_t exposition_prometheus(char *buf, size_t size, const struct metrics_snapshot *s)
{
    struct out o = {buf, size, 0, 0};
    head(&o, "requests_total", "counter",
         "Requests that reached the app, by how they ended; health checks apart.");
    for (int i = 0; i < METRICS_OUTCOMES; i++)
        put(&o, PREFIX "requests_total{outcome=\"%s\"} %llu\n", outcome_label[i], s->outcomes[i]);
    one(&o, "accepted_connections_total", "counter", "FastCGI connections accepted.", s->accepted);
    one(&o, "active_requests", "gauge", "Requests in progress.", (unsigned long long)s->active);
    one(&o, "max_active_requests", "gauge",
        "The most requests in progress at once since the start.",
        (unsigned long long)s->max_active);
    one(&o, "idle_connections", "gauge", "Kept connections waiting for their next request.",
        (unsigned long long)s->idle);
    one(&o, "workers", "gauge", "Worker threads: the most requests served at once.", s->workers);
    if (s->has_listen_queue) {
        one(&o, "listen_queue", "gauge", "Connections waiting to be accepted (TCP only).",
            s->listen_queue);
        one(&o, "max_listen_queue", "gauge", "The largest listen queue seen since the start.",
            s->max_listen_queue);
        one(&o, "listen_queue_length", "gauge", "The size of the listen queue (the backlog).",
            s->listen_queue_length);
    }
    one(&o, "descriptor_pauses_total", "counter",
        "Pauses in accepting because the descriptor or memory limit was reached.",
        s->descriptor_pauses);
    head(&o, "request_duration_seconds", "histogram",
         "Time to read an answered request and write its answer.");
    unsigned long long cumulative = 0;
    for (int b = 0; b < METRICS_BUCKETS; b++) {
        cumulative += s->buckets[b];
        put(&o, PREFIX "request_duration_seconds_bucket{le=\"");
        seconds(&o, metrics_bucket_ns[b], 1);
        put(&o, "\"} %llu\n", cumulative);
    }
    cumulative += s->buckets[METRICS_BUCKETS];
    put(&o, PREFIX "request_duration_seconds_bucket{le=\"+Inf\"} %llu\n", cumulative);
    put(&o, PREFIX "request_duration_seconds_sum ");
    seconds(&o, s->duration_ns, 0);
    put(&o, "\n" PREFIX "request_duration_seconds_count %llu\n", cumulative);
    one(&o, "slow_requests_total", "counter", "Requests that took longer than --slow-request.",
        s->slow);
    one(&o, "start_time_seconds", "gauge", "When the app started, in seconds since the epoch.",
        (unsigned long long)s->start_time);
    head(&o, "build_info", "gauge", "The app's version, in the label.");
    put(&o, PREFIX "build_info{version=\"%s\"} 1\n", VERSION);
    return o.full ? 0 : o.len;
}

/* Writes t (seconds since the epoch) as php-fpm's status page does,
 * "05/Dec/2026:16:13:17 +0000", into buf. By hand: glibc's gmtime_r and
 * strftime bring its time zone and locale code (sscanf, strtod) into the
 * static binary, past the image's 1 MB. The date is Howard Hinnant's
 * civil_from_days. */
static void format_utc(char *buf, size_t size, long long t)
{
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    long long days = t / 86400, secs = t % 86400;
    if (secs < 0)
        secs += 86400, days--;
    long long z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    long long day = doy - (153 * mp + 2) / 5 + 1, month = mp < 10 ? mp + 3 : mp - 9;
    long long year = yoe + era * 400 + (month <= 2);
    snprintf(buf, size, "%02lld/%s/%04lld:%02lld:%02lld:%02lld +0000", day, months[month - 1], year,
             secs / 3600, secs / 60 % 60, secs % 60);
}

size_t exposition_status(char *buf, size_t size, const struct metrics_snapshot *s, long long now)
{
    struct out o = {buf, size, 0, 0};
    char started[64];
    format_utc(started, sizeof started, s->start_time);
    put(&o, "%-21s %s %s\n", "version:", PACKAGE, VERSION);
    put(&o, "%-21s %s\n", "start time:", started);
    put(&o, "%-21s %lld\n", "start since:", now - s->start_time);
    put(&o, "%-21s %llu\n", "accepted conn:", s->accepted);
    if (s->has_listen_queue) {
        put(&o, "%-21s %u\n", "listen queue:", s->listen_queue);
        put(&o, "%-21s %u\n", "max listen queue:", s->max_listen_queue);
        put(&o, "%-21s %u\n", "listen queue len:", s->listen_queue_length);
    }
    put(&o, "%-21s %ld\n", "idle connections:", s->idle);
    put(&o, "%-21s %ld\n", "active requests:", s->active);
    put(&o, "%-21s %u\n", "workers:", s->workers);
    put(&o, "%-21s %ld\n", "max active requests:", s->max_active);
    put(&o, "%-21s %llu\n", "descriptor pauses:", s->descriptor_pauses);
    put(&o, "%-21s %llu\n", "slow requests:", s->slow);
    put(&o, "%-21s %ld ms%s\n", "slow request limit:", s->slow_ms, s->slow_ms == 0 ? " (off)" : "");
    for (int i = 0; i < METRICS_OUTCOMES; i++) {
        int pad = 20 - (int)strlen(outcome_label[i]);
        put(&o, "%s:%*s %llu\n", outcome_label[i], pad > 0 ? pad : 0, "", s->outcomes[i]);
    }
    return o.full ? 0 : o.len;
}
