/* Unit tests of options_parse() (app/options.c): the command line and the
 * environment against the settings, the action and the exit status, and
 * what it prints. tests/app/options.sh checks the same through the program. */
#include <config.h>

#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/options.h"
#include "tap.h"

enum { ARGS_MAX = 6 };

struct options_case {
    const char *args[ARGS_MAX]; /* after the program's name */
    const char *env_listen;     /* NULL: unset */
    const char *env_threads;
    const char *env_mode;
    enum options_action action;
    int exit_status;
    unsigned threads; /* these three for SERVE and HEALTHCHECK */
    unsigned mode;
    const char *listen;
    const char *out; /* part of stdout; NULL: nothing printed */
    const char *err; /* part of stderr; NULL: nothing printed */
    int stdout_full; /* stdout is /dev/full */
};

#define SERVE OPTIONS_SERVE, 0
#define HEALTHCHECK OPTIONS_HEALTHCHECK, 0
#define USAGE_ERROR OPTIONS_EXIT, 2, 0, 0, NULL, NULL

/* One case a line, aligned by hand. */
/* clang-format off */
static const struct options_case cases[] = {
    {{NULL}, NULL, NULL, NULL, SERVE, 2, 0660, "127.0.0.1:9000", NULL, NULL, 0},

    {{"--threads", "1"}, NULL, NULL, NULL, SERVE, 1, 0660, "127.0.0.1:9000", NULL, NULL, 0},
    {{"-t", "1024"}, NULL, NULL, NULL, SERVE, 1024, 0660, "127.0.0.1:9000", NULL, NULL, 0},
    {{"-t4"}, NULL, NULL, NULL, SERVE, 4, 0660, "127.0.0.1:9000", NULL, NULL, 0},
    {{"--threads=1025"}, NULL, NULL, NULL, USAGE_ERROR,
     "hello-fcgi: --threads: '1025' is not a number from 1 to 1024\n", 0},
    {{"-t", "0"}, NULL, NULL, NULL, USAGE_ERROR, "--threads: '0' is not a number", 0},
    {{"--threads", "4x"}, NULL, NULL, NULL, USAGE_ERROR, "--threads: '4x' is not a number", 0},
    {{"--threads=-1"}, NULL, NULL, NULL, USAGE_ERROR, "--threads: '-1' is not a number", 0},
    {{"--threads", " 4"}, NULL, NULL, NULL, USAGE_ERROR, "--threads: ' 4' is not a number", 0},
    {{"--threads", ""}, NULL, NULL, NULL, USAGE_ERROR, "--threads: '' is not a number", 0},
    {{"--threads", "99999999999999999999"}, NULL, NULL, NULL, USAGE_ERROR,
     "is not a number from 1 to 1024", 0},

    {{"--socket-mode", "0660"}, NULL, NULL, NULL, SERVE, 2, 0660, "127.0.0.1:9000", NULL, NULL, 0},
    {{"-m", "0777"}, NULL, NULL, NULL, SERVE, 2, 0777, "127.0.0.1:9000", NULL, NULL, 0},
    {{"-m", "600"}, NULL, NULL, NULL, SERVE, 2, 0600, "127.0.0.1:9000", NULL, NULL, 0},
    {{"-m", "0"}, NULL, NULL, NULL, SERVE, 2, 0, "127.0.0.1:9000", NULL, NULL, 0},
    {{"-m", "8"}, NULL, NULL, NULL, USAGE_ERROR,
     "hello-fcgi: --socket-mode: '8' is not an octal mode from 0 to 0777\n", 0},
    {{"-m", "01000"}, NULL, NULL, NULL, USAGE_ERROR, "--socket-mode: '01000' is not", 0},
    {{"-m", "0999"}, NULL, NULL, NULL, USAGE_ERROR, "--socket-mode: '0999' is not", 0},
    {{"-m", "u=rw"}, NULL, NULL, NULL, USAGE_ERROR, "--socket-mode: 'u=rw' is not", 0},
    {{"-m", ""}, NULL, NULL, NULL, USAGE_ERROR, "--socket-mode: '' is not", 0},

    {{"-l", "[::1]:9001"}, NULL, NULL, NULL, SERVE, 2, 0660, "[::1]:9001", NULL, NULL, 0},
    {{"--listen=unix:/run/h.sock"}, NULL, NULL, NULL, SERVE, 2, 0660, "unix:/run/h.sock", NULL,
     NULL, 0},
    {{"--listen", "localhost:9000"}, NULL, NULL, NULL, USAGE_ERROR,
     "hello-fcgi: --listen: 'localhost' is not a numeric IPv4 or [IPv6] address\n", 0},
    {{"-l", "127.0.0.1:0"}, NULL, NULL, NULL, USAGE_ERROR, "--listen: port 0 is out of range", 0},

    {{NULL}, ":8000", NULL, NULL, SERVE, 2, 0660, ":8000", NULL, NULL, 0},
    {{NULL}, NULL, "8", NULL, SERVE, 8, 0660, "127.0.0.1:9000", NULL, NULL, 0},
    {{NULL}, NULL, NULL, "0600", SERVE, 2, 0600, "127.0.0.1:9000", NULL, NULL, 0},
    {{NULL}, "unix:/run/h.sock", "16", "0666", SERVE, 16, 0666, "unix:/run/h.sock", NULL, NULL, 0},
    {{NULL}, "db:5432", NULL, NULL, USAGE_ERROR,
     "hello-fcgi: HELLO_FCGI_LISTEN: 'db' is not a numeric IPv4 or [IPv6] address\n", 0},
    {{NULL}, NULL, "many", NULL, USAGE_ERROR, "HELLO_FCGI_THREADS: 'many' is not a number", 0},
    {{NULL}, NULL, "1025", NULL, USAGE_ERROR, "HELLO_FCGI_THREADS: '1025' is not a number", 0},
    /* Set but empty is set: it is not the default. */
    {{NULL}, NULL, "", NULL, USAGE_ERROR, "HELLO_FCGI_THREADS: '' is not a number", 0},
    {{NULL}, NULL, NULL, "0800", USAGE_ERROR, "HELLO_FCGI_SOCKET_MODE: '0800' is not", 0},

    /* The flag wins, even over a value that would be refused. */
    {{"-t", "3"}, NULL, "8", NULL, SERVE, 3, 0660, "127.0.0.1:9000", NULL, NULL, 0},
    {{"-t", "3"}, NULL, "many", NULL, SERVE, 3, 0660, "127.0.0.1:9000", NULL, NULL, 0},
    {{"-l", "127.0.0.1:9001"}, "db:5432", NULL, NULL, SERVE, 2, 0660, "127.0.0.1:9001", NULL,
     NULL, 0},
    {{"-m", "0640"}, NULL, NULL, "9", SERVE, 2, 0640, "127.0.0.1:9000", NULL, NULL, 0},
    /* A bad flag is reported under the flag's name, not the variable's. */
    {{"-t", "0"}, NULL, "4", NULL, USAGE_ERROR, "hello-fcgi: --threads: '0'", 0},

    {{"--bogus"}, NULL, NULL, NULL, USAGE_ERROR,
     "hello-fcgi: --bogus: unknown option (see --help)\n", 0},
    {{"-x"}, NULL, NULL, NULL, USAGE_ERROR, "-x: unknown option", 0},
    {{"--threads"}, NULL, NULL, NULL, USAGE_ERROR, "hello-fcgi: --threads: missing value\n", 0},
    {{"-l"}, NULL, NULL, NULL, USAGE_ERROR, "-l: missing value", 0},
    {{"extra"}, NULL, NULL, NULL, USAGE_ERROR,
     "hello-fcgi: extra: unexpected argument (see --help)\n", 0},
    {{"-t", "3", "extra"}, NULL, NULL, NULL, USAGE_ERROR, "extra: unexpected argument", 0},

    /* Help that cannot be written is a failure, not a success. What stdout
     * failed to write must not come out later: the next case prints nothing
     * and checks so. */
    {{"--help"}, NULL, NULL, NULL, OPTIONS_EXIT, 1, 0, 0, NULL, NULL, NULL, 1},
    {{"--version"}, NULL, NULL, NULL, OPTIONS_EXIT, 1, 0, 0, NULL, NULL, NULL, 1},
    {{"--healthcheck"}, NULL, NULL, NULL, HEALTHCHECK, 2, 0660, "127.0.0.1:9000", NULL, NULL, 0},
    {{"--healthcheck", "--listen", "unix:/run/h.sock"}, NULL, NULL, NULL, HEALTHCHECK, 2, 0660,
     "unix:/run/h.sock", NULL, NULL, 0},
    {{"--healthcheck"}, "[::1]:9002", NULL, NULL, HEALTHCHECK, 2, 0660, "[::1]:9002", NULL, NULL,
     0},
    {{"--healthcheck", "-l", "nowhere"}, NULL, NULL, NULL, USAGE_ERROR,
     "--listen: 'nowhere' is not HOST:PORT", 0},

    {{"--help"}, NULL, NULL, NULL, OPTIONS_EXIT, 0, 0, 0, NULL, "Usage: hello-fcgi [OPTION]",
     NULL, 0},
    {{"-h"}, NULL, "many", NULL, OPTIONS_EXIT, 0, 0, 0, NULL, "HELLO_FCGI_LISTEN", NULL, 0},
    {{"--version"}, NULL, NULL, NULL, OPTIONS_EXIT, 0, 0, 0, NULL, PACKAGE " " VERSION "\n", NULL,
     0},
    {{"-V"}, NULL, NULL, NULL, OPTIONS_EXIT, 0, 0, 0, NULL, PACKAGE " " VERSION "\n", NULL, 0},
};
/* clang-format on */

static void set_env(const char *name, const char *value)
{
    if ((value != NULL ? setenv(name, value, 1) : unsetenv(name)) != 0)
        bail_out("cannot set %s", name);
}

/* fd now writes to file, or /dev/full; the old target is returned. */
static int redirect(int fd, FILE *file, int full)
{
    int kept = dup(fd);
    int to = full ? open("/dev/full", O_WRONLY) : fileno(file);
    if (kept < 0 || to < 0 || dup2(to, fd) < 0)
        bail_out("cannot redirect fd %d", fd);
    if (full)
        close(to);
    return kept;
}

static void restore(int fd, int kept)
{
    if (dup2(kept, fd) < 0 || close(kept) != 0)
        bail_out("cannot restore fd %d", fd);
}

static void slurp(FILE *file, char *buf, size_t size)
{
    rewind(file);
    size_t n = fread(buf, 1, size - 1, file);
    if (ferror(file))
        bail_out("cannot read back a captured output");
    buf[n] = '\0';
    fclose(file);
}

/* The argument strings the case gave, writable: getopt_long permutes argv,
 * and the options keep pointers into it. */
static char arg_store[ARGS_MAX + 1][128];

/* Runs options_parse() on the case with its stdout and stderr captured:
 * TAP owns this program's stdout. */
static void run(const struct options_case *c, struct options *o, char *out, size_t outsize,
                char *err, size_t errsize)
{
    char *argv[ARGS_MAX + 2];
    int argc = 0;
    strcpy(arg_store[0], PACKAGE);
    argv[argc++] = arg_store[0];
    for (int i = 0; i < ARGS_MAX && c->args[i] != NULL; i++) {
        if (strlen(c->args[i]) >= sizeof arg_store[0])
            bail_out("an argument is too long for the test");
        strcpy(arg_store[argc], c->args[i]);
        argv[argc] = arg_store[argc];
        argc++;
    }
    argv[argc] = NULL;
    set_env("HELLO_FCGI_LISTEN", c->env_listen);
    set_env("HELLO_FCGI_THREADS", c->env_threads);
    set_env("HELLO_FCGI_SOCKET_MODE", c->env_mode);

    FILE *fout = tmpfile(), *ferr = tmpfile();
    if (fout == NULL || ferr == NULL || fflush(stdout) != 0)
        bail_out("cannot capture the output");
    int kept_out = redirect(STDOUT_FILENO, fout, c->stdout_full);
    int kept_err = redirect(STDERR_FILENO, ferr, 0);
    optind = 0; /* glibc: start afresh, as for a new program */
    options_parse(argc, argv, o);
    if (fflush(stdout) != 0 && !c->stdout_full)
        bail_out("cannot write the captured output");
    restore(STDOUT_FILENO, kept_out);
    restore(STDERR_FILENO, kept_err);
    clearerr(stdout);
    slurp(fout, out, outsize);
    slurp(ferr, err, errsize);
}

/* The case as a TAP description: the environment, then the arguments. */
static const char *describe(const struct options_case *c)
{
    static char buf[256];
    size_t len = 0;
    buf[0] = '\0';
    const char *env[][2] = {
        {"HELLO_FCGI_LISTEN", c->env_listen},
        {"HELLO_FCGI_THREADS", c->env_threads},
        {"HELLO_FCGI_SOCKET_MODE", c->env_mode},
    };
    for (size_t i = 0; i < sizeof env / sizeof env[0]; i++)
        if (env[i][1] != NULL && len < sizeof buf)
            len += (size_t)snprintf(buf + len, sizeof buf - len, "%s='%s' ", env[i][0], env[i][1]);
    if (len < sizeof buf)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s", PACKAGE);
    for (int i = 0; i < ARGS_MAX && c->args[i] != NULL && len < sizeof buf; i++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, " '%s'", c->args[i]);
    if (c->stdout_full && len < sizeof buf)
        snprintf(buf + len, sizeof buf - len, " >/dev/full");
    return buf;
}

static const char *action_name(enum options_action a)
{
    switch (a) {
    case OPTIONS_SERVE:
        return "serve";
    case OPTIONS_HEALTHCHECK:
        return "healthcheck";
    case OPTIONS_STATUS:
        return "status";
    case OPTIONS_EXIT:
        return "exit";
    }
    return "?";
}

static int printed(const char *got, const char *want)
{
    return want == NULL ? got[0] == '\0' : strstr(got, want) != NULL;
}

/* Captured output as TAP comments, one per line, so that it cannot be
 * read as a test line. */
static void diag_lines(const char *label, const char *text)
{
    for (int n = 0; *text != '\0' && n < 5; n++) {
        size_t len = strcspn(text, "\n");
        diag("    %s: %.*s", label, (int)len, text);
        text += len + (text[len] == '\n');
    }
}

int main(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct options_case *c = &cases[i];
        struct options o;
        char out[4096], err[1024];
        run(c, &o, out, sizeof out, err, sizeof err);

        int pass = o.action == c->action && printed(out, c->out) && printed(err, c->err);
        if (c->action == OPTIONS_EXIT)
            pass = pass && o.exit_status == c->exit_status;
        else
            pass = pass && o.threads == c->threads && o.socket_mode == c->mode
                && o.listen.text != NULL && strcmp(o.listen.text, c->listen) == 0;
        int shown;
        if (c->action == OPTIONS_EXIT)
            shown = ok(pass, "%s: exit %d", describe(c), c->exit_status);
        else
            shown = ok(pass, "%s: %s on %s, %u threads, mode %04o", describe(c),
                       action_name(c->action), c->listen, c->threads, c->mode);
        if (!shown) {
            diag("    got: %s, exit %d, %u threads, mode %04o, listen %s", action_name(o.action),
                 o.exit_status, o.threads, (unsigned)o.socket_mode,
                 o.listen.text ? o.listen.text : "none");
            diag_lines("stdout", out);
            diag_lines("stderr", err);
        }
    }
    return done_testing();
}
