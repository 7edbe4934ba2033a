#include <config.h>

#include "options.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

enum { THREADS_MAX = 1024, SLOW_REQUEST_MAX = 3600000 };

static const char usage[] =
    "Usage: " PACKAGE " [OPTION]...\n"
    "Answer every FastCGI request with 200 and \"Hello World!\".\n"
    "\n"
    "  -l, --listen=ADDRESS     where to accept FastCGI connections (default " LISTEN_DEFAULT "):\n"
    "                             HOST:PORT      a numeric IPv4 address\n"
    "                             [IPV6]:PORT    a numeric IPv6 address\n"
    "                             :PORT, *:PORT  every interface\n"
    "                             unix:PATH      a unix-domain socket\n"
    "  -m, --socket-mode=MODE   octal permissions of a unix socket (default " SOCKET_MODE_DEFAULT
    ")\n"
    "  -t, --threads=N          requests answered at once, 1-1024 (default " THREADS_DEFAULT ")\n"
    "      --metrics-listen=ADDRESS  where to serve HTTP GET /metrics (Prometheus),\n"
    "                             /status and /ping, as HOST:PORT, [IPV6]:PORT or\n"
    "                             *:PORT; 'off' (the default) serves none\n"
    "      --slow-request=MS    log and count requests that take longer, 0 for\n"
    "                             never (default " SLOW_REQUEST_DEFAULT ")\n"
    "      --healthcheck        make one FastCGI request to the --listen address\n"
    "                             and exit 0 if it is answered correctly, else 1\n"
    "                             (it sends the parameter HELLO_FCGI_HEALTHCHECK:\n"
    "                             counted as a health check, not as answered)\n"
    "      --status [ADDRESS]   print the status page of the app whose metrics\n"
    "                             listener is at ADDRESS (default: --metrics-listen,\n"
    "                             else " STATUS_DEFAULT ")\n"
    "  -h, --help               display this help and exit\n"
    "  -V, --version            output version information and exit\n"
    "\n"
    "Each option can also be set in the environment; the command line wins:\n"
    "  HELLO_FCGI_LISTEN, HELLO_FCGI_SOCKET_MODE, HELLO_FCGI_THREADS,\n"
    "  HELLO_FCGI_METRICS_LISTEN, HELLO_FCGI_SLOW_REQUEST\n"
    "\n"
    "On SIGTERM or SIGINT: refuses new connections at once, answers what still\n"
    "comes on open ones until none is open or none has carried a request for\n"
    "1 s (at most 5 s), finishes the requests in progress, and exits.\n"
    "Exit status: 0 on success, 1 on a runtime failure, 2 on bad usage.\n";

/* Digits only, so that "-1", " 4" and "4x" are refused rather than wrapped or cut.
 * Returns 0 with *out set, or -1. */
static int parse_unsigned(const char *s, int base, unsigned long max, unsigned long *out)
{
    unsigned long v = 0;
    if (*s == '\0')
        return -1;
    for (; *s != '\0'; s++) {
        int d = *s - '0';
        if (d < 0 || d >= base)
            return -1;
        v = v * (unsigned long)base + (unsigned long)d;
        if (v > max)
            return -1;
    }
    *out = v;
    return 0;
}

/* Reports a bad value of the setting name and marks the run as a usage
 * error. Returns -1. */
__attribute__((format(printf, 3, 4))) static int bad(struct options *o, const char *name,
                                                     const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    log_msg("%s: %s", name, why);
    o->action = OPTIONS_EXIT;
    o->exit_status = 2;
    return -1;
}

/* name is how the user spelled the setting: "--threads" or "HELLO_FCGI_THREADS".
 * Each set_* returns 0, or -1 after reporting a bad value. */
static int set_threads(struct options *o, const char *name, const char *v)
{
    unsigned long n;
    if (parse_unsigned(v, 10, THREADS_MAX, &n) != 0 || n == 0)
        return bad(o, name, "'%s' is not a number from 1 to %d", v, THREADS_MAX);
    o->threads = (unsigned)n;
    return 0;
}

static int set_socket_mode(struct options *o, const char *name, const char *v)
{
    unsigned long n;
    if (parse_unsigned(v, 8, 0777, &n) != 0)
        return bad(o, name, "'%s' is not an octal mode from 0 to 0777", v);
    o->socket_mode = (mode_t)n;
    return 0;
}

static int set_listen(struct options *o, const char *name, const char *v)
{
    char why[200];
    if (address_parse(v, &o->listen, why, sizeof why) != 0)
        return bad(o, name, "%s", why);
    return 0;
}

/* 'off' or nothing: no metrics listener. A unix socket is refused: its file
 * would outlive the process, whose metrics thread never closes it. */
static int set_metrics_listen(struct options *o, const char *name, const char *v)
{
    char why[200];
    o->metrics_enabled = 0;
    if (*v == '\0' || strcmp(v, "off") == 0)
        return 0;
    if (address_parse(v, &o->metrics_listen, why, sizeof why) != 0)
        return bad(o, name, "%s", why);
    if (address_unix_path(&o->metrics_listen) != NULL)
        return bad(o, name, "'%s': the metrics listener takes HOST:PORT, [IPV6]:PORT or *:PORT", v);
    o->metrics_enabled = 1;
    return 0;
}

static int set_slow_request(struct options *o, const char *name, const char *v)
{
    unsigned long n;
    if (parse_unsigned(v, 10, SLOW_REQUEST_MAX, &n) != 0)
        return bad(o, name, "'%s' is not a number of milliseconds from 0 to %d", v,
                   SLOW_REQUEST_MAX);
    o->slow_request_ms = (long)n;
    return 0;
}

static int set_status(struct options *o, const char *name, const char *v)
{
    char why[200];
    if (address_parse(v, &o->status, why, sizeof why) != 0)
        return bad(o, name, "%s", why);
    return 0;
}

/* One setting: the flag if given, else the environment variable, else the
 * default; a bad value is reported under the name it came from. Returns 0,
 * or -1 after reporting it. */
static int apply(struct options *o, const char *flag_value, const char *flag, const char *env,
                 const char *fallback, int (*set)(struct options *, const char *, const char *))
{
    if (flag_value != NULL)
        return set(o, flag, flag_value);
    const char *v = getenv(env);
    if (v != NULL)
        return set(o, env, v);
    return set(o, "default", fallback);
}

void options_parse(int argc, char **argv, struct options *o)
{
    enum { OPT_HEALTHCHECK = 256, OPT_METRICS_LISTEN, OPT_SLOW_REQUEST, OPT_STATUS };
    static const struct option longopts[] = {
        {"listen", required_argument, NULL, 'l'},
        {"socket-mode", required_argument, NULL, 'm'},
        {"threads", required_argument, NULL, 't'},
        {"healthcheck", no_argument, NULL, OPT_HEALTHCHECK},
        {"metrics-listen", required_argument, NULL, OPT_METRICS_LISTEN},
        {"slow-request", required_argument, NULL, OPT_SLOW_REQUEST},
        {"status", optional_argument, NULL, OPT_STATUS},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char *listen = NULL, *threads = NULL, *mode = NULL;
    const char *metrics = NULL, *slow = NULL, *status = NULL;

    memset(o, 0, sizeof *o);
    o->action = OPTIONS_SERVE;
    opterr = 0; /* our own messages, in our own format */
    int c;
    while ((c = getopt_long(argc, argv, ":l:m:t:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'l':
            listen = optarg;
            break;
        case 'm':
            mode = optarg;
            break;
        case 't':
            threads = optarg;
            break;
        case OPT_HEALTHCHECK:
            o->action = OPTIONS_HEALTHCHECK;
            break;
        case OPT_METRICS_LISTEN:
            metrics = optarg;
            break;
        case OPT_SLOW_REQUEST:
            slow = optarg;
            break;
        case OPT_STATUS:
            o->action = OPTIONS_STATUS;
            status = optarg;
            break;
        case 'h':
            fputs(usage, stdout);
            o->action = OPTIONS_EXIT;
            o->exit_status = fflush(stdout) == 0 ? 0 : 1;
            return;
        case 'V':
            printf("%s %s\n", PACKAGE, VERSION);
            o->action = OPTIONS_EXIT;
            o->exit_status = fflush(stdout) == 0 ? 0 : 1;
            return;
        case ':':
            bad(o, argv[optind - 1], "%s", "missing value");
            return;
        default:
            bad(o, argv[optind - 1], "%s", "unknown option (see --help)");
            return;
        }
    }
    /* --status ADDRESS, as well as --status=ADDRESS. */
    if (o->action == OPTIONS_STATUS && status == NULL && optind < argc)
        status = argv[optind++];
    if (optind < argc) {
        bad(o, argv[optind], "%s", "unexpected argument (see --help)");
        return;
    }
    if (apply(o, listen, "--listen", "HELLO_FCGI_LISTEN", LISTEN_DEFAULT, set_listen) != 0
        || apply(o, threads, "--threads", "HELLO_FCGI_THREADS", THREADS_DEFAULT, set_threads) != 0
        || apply(o, mode, "--socket-mode", "HELLO_FCGI_SOCKET_MODE", SOCKET_MODE_DEFAULT,
                 set_socket_mode)
            != 0
        || apply(o, metrics, "--metrics-listen", "HELLO_FCGI_METRICS_LISTEN",
                 METRICS_LISTEN_DEFAULT, set_metrics_listen)
            != 0
        || apply(o, slow, "--slow-request", "HELLO_FCGI_SLOW_REQUEST", SLOW_REQUEST_DEFAULT,
                 set_slow_request)
            != 0)
        return;
    if (o->action == OPTIONS_STATUS) {
        if (status != NULL)
            set_status(o, "--status", status);
        else if (o->metrics_enabled)
            o->status = o->metrics_listen;
        else
            set_status(o, "default", STATUS_DEFAULT);
    }
}
