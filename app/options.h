#ifndef HELLO_OPTIONS_H
#define HELLO_OPTIONS_H

#include <sys/types.h>

#include "address.h"

#define LISTEN_DEFAULT "127.0.0.1:9000"
#define THREADS_DEFAULT "2"
#define SOCKET_MODE_DEFAULT "0660"
#define METRICS_LISTEN_DEFAULT "off"
#define SLOW_REQUEST_DEFAULT "1000"
/* Where --status asks when no metrics address is given. */
#define STATUS_DEFAULT "127.0.0.1:9101"

enum options_action { OPTIONS_SERVE, OPTIONS_HEALTHCHECK, OPTIONS_STATUS, OPTIONS_EXIT };

struct options {
    struct address listen;
    unsigned threads;
    mode_t socket_mode;
    struct address metrics_listen; /* if metrics_enabled */
    int metrics_enabled;
    long slow_request_ms;  /* 0: off */
    struct address status; /* for OPTIONS_STATUS */
    enum options_action action;
    int exit_status; /* for OPTIONS_EXIT */
};

/* Reads the command line, and for each setting it leaves out the environment
 * (HELLO_FCGI_LISTEN, HELLO_FCGI_THREADS, HELLO_FCGI_SOCKET_MODE,
 * HELLO_FCGI_METRICS_LISTEN, HELLO_FCGI_SLOW_REQUEST). Prints --help
 * and --version itself (OPTIONS_EXIT, status 0); a bad value gets one line on
 * stderr naming the option and OPTIONS_EXIT with status 2. */
void options_parse(int argc, char **argv, struct options *o);

#endif
