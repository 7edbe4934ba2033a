/* Unit tests of intake_next() (app/intake.c): what the server does with
 * the records a connection brings. Each case is a list of records as a
 * client writes them; the expected events and replies are written out here
 * as text, not derived from the code. Every case runs twice: all bytes at
 * once, and one byte at a time (a peer whose records arrive in pieces must
 * get the same). */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/intake.h"
#include "app/replies.h"
#include "tap.h"

struct rec {
    unsigned type, id;
    const char *content; /* NULL: none */
    size_t len;          /* of content */
    unsigned padding;
};

/* clang-format off */
#define BEGIN(id, keep) {FCGI_BEGIN_REQUEST, id, "\0\1" keep "\0\0\0\0\0", 8, 0}
#define BEGIN_ROLE(id, role) {FCGI_BEGIN_REQUEST, id, "\0" role "\1\0\0\0\0\0", 8, 0}
#define PARAMS(id, s) {FCGI_PARAMS, id, s, sizeof s - 1, 0}
#define PARAMS_END(id) {FCGI_PARAMS, id, NULL, 0, 0}
#define STDIN(id, s) {FCGI_STDIN, id, s, sizeof s - 1, 0}
#define STDIN_END(id) {FCGI_STDIN, id, NULL, 0, 0}
#define REQUEST(id, keep) BEGIN(id, keep), PARAMS(id, "\4\3HEADGET"), PARAMS_END(id), STDIN_END(id)
#define KEEP "\1"
#define END {0, 0, NULL, 0, 0}
/* clang-format on */

struct intake_case {
    const char *name;
    struct rec recs[20];
    const char *events;  /* each event the calls gave, but MORE and FLUSH */
    const char *replies; /* the replies queued, decoded */
    const char *phase;   /* where it is after the last record */
};

/* One case a line or a few, aligned by hand. */
/* clang-format off */
static const struct intake_case cases[] = {
    {"one request", {REQUEST(1, KEEP), END}, "REQUEST:1", "", "idle"},
    {"two requests written at once are both taken, in order",
     {REQUEST(1, KEEP), REQUEST(2, KEEP), END}, "REQUEST:1 REQUEST:2", "", "idle"},
    {"the same id again after the first ended", {REQUEST(1, KEEP), REQUEST(1, KEEP), END},
     "REQUEST:1 REQUEST:1", "", "idle"},
    {"a request id above 255", {REQUEST(300, KEEP), END}, "REQUEST:300", "", "idle"},
    {"a body is taken and thrown away",
     {BEGIN(1, KEEP), PARAMS_END(1), STDIN(1, "abc"), STDIN(1, "defgh"), STDIN_END(1), END},
     "REQUEST:1", "", "idle"},
    {"a request not yet whole waits in its body",
     {BEGIN(1, KEEP), PARAMS_END(1), STDIN(1, "abc"), END}, "", "", "body"},
    {"a request not yet whole waits in its start", {BEGIN(1, KEEP), PARAMS(1, "\1\1ab"), END},
     "", "", "start"},
    {"two empty PARAMS records, as two client libraries send no parameters",
     {BEGIN(1, KEEP), PARAMS_END(1), PARAMS_END(1), STDIN_END(1), END}, "REQUEST:1", "", "idle"},
    {"GET_VALUES alone is answered at once",
     {{FCGI_GET_VALUES, 0, "\16\0FCGI_MAX_CONNS\15\0FCGI_MAX_REQS\17\0FCGI_MPXS_CONNS", 48, 0},
      END},
     "", "VALUES(FCGI_MAX_CONNS=1000,FCGI_MAX_REQS=1000,FCGI_MPXS_CONNS=0)", "idle"},
    {"GET_VALUES answers each name once, however often it is asked",
     {{FCGI_GET_VALUES, 0, "\17\0FCGI_MPXS_CONNS\17\0FCGI_MPXS_CONNS\17\0FCGI_MPXS_CONNS", 51, 0},
      END},
     "", "VALUES(FCGI_MPXS_CONNS=0)", "idle"},
    {"GET_VALUES leaves out names it does not know",
     {{FCGI_GET_VALUES, 0, "\3\0FOO\17\0FCGI_MPXS_CONNS", 22, 0}, END},
     "", "VALUES(FCGI_MPXS_CONNS=0)", "idle"},
    {"GET_VALUES in the middle of a request's start",
     {BEGIN(1, KEEP), {FCGI_GET_VALUES, 0, "\17\0FCGI_MPXS_CONNS", 17, 0}, PARAMS_END(1),
      STDIN_END(1), END},
     "REQUEST:1", "VALUES(FCGI_MPXS_CONNS=0)", "idle"},
    {"an unknown management record", {{100, 0, "abcdefgh", 8, 0}, REQUEST(1, KEEP), END},
     "REQUEST:1", "UNKNOWN_TYPE(100)", "idle"},
    {"a second request while one is in progress is served after it",
     {BEGIN(1, KEEP), BEGIN(2, KEEP), PARAMS_END(1), PARAMS_END(2), STDIN_END(2), STDIN_END(1),
      END},
     "REQUEST:1 REQUEST:2", "", "idle"},
    {"requests interleaved with bodies, as HAProxy's max-reqs sends them",
     {BEGIN(1, KEEP), PARAMS(1, "\1\1ab"), PARAMS_END(1), STDIN(1, "body1"), BEGIN(3, KEEP),
      PARAMS_END(3), STDIN(3, "body3"), STDIN(1, "more"), STDIN_END(3), STDIN_END(1),
      REQUEST(5, KEEP), END},
     "REQUEST:1 REQUEST:3 REQUEST:5", "", "idle"},
    {"a request set aside waits for the one in progress",
     {BEGIN(1, KEEP), PARAMS_END(1), REQUEST(2, KEEP), END}, "", "", "body"},
    {"a request set aside is aborted", {BEGIN(1, KEEP), BEGIN(2, KEEP), PARAMS_END(1),
      {FCGI_ABORT_REQUEST, 2, NULL, 0, 0}, STDIN_END(1), END},
     "REQUEST:1 ABORTED:2", "END(2,REQUEST_COMPLETE)", "idle"},
    {"a BEGIN_REQUEST again for a request set aside", {BEGIN(1, KEEP), BEGIN(2, KEEP),
      BEGIN(2, KEEP), END}, "REFUSED", "", "start"},
    {"a role other than responder: FCGI_UNKNOWN_ROLE",
     {BEGIN_ROLE(1, "\2"), PARAMS_END(1), STDIN_END(1), REQUEST(2, KEEP), END},
     "UNKNOWN_ROLE:1 REQUEST:2", "END(1,UNKNOWN_ROLE)", "idle"},
    {"an aborted request", {BEGIN(1, KEEP), PARAMS_END(1), {FCGI_ABORT_REQUEST, 1, NULL, 0, 0},
     REQUEST(2, KEEP), END},
     "ABORTED:1 REQUEST:2", "END(1,REQUEST_COMPLETE)", "idle"},
    {"records of a request not in progress are passed over",
     {STDIN(7, "x"), PARAMS(7, "\1\1ab"), REQUEST(1, KEEP), STDIN_END(1), END}, "REQUEST:1", "",
     "idle"},
    {"padding is passed over",
     {{FCGI_BEGIN_REQUEST, 1, "\0\1\1\0\0\0\0\0", 8, 8}, {FCGI_PARAMS, 1, "\1\1ab", 4, 4},
      {FCGI_PARAMS, 1, NULL, 0, 7}, {FCGI_STDIN, 1, NULL, 0, 255}, END},
     "REQUEST:1", "", "idle"},
    {"a BEGIN_REQUEST for request 0", {BEGIN(0, KEEP), END}, "REFUSED", "", "idle"},
    {"a BEGIN_REQUEST whose body is not 8 bytes",
     {{FCGI_BEGIN_REQUEST, 1, "\0\1\1\0\0\0\0\0\0", 9, 0}, END}, "REFUSED", "", "idle"},
    {"a second BEGIN_REQUEST for the request in progress", {BEGIN(1, KEEP), BEGIN(1, KEEP), END},
     "REFUSED", "", "start"},
    {"a body before the parameters end", {BEGIN(1, KEEP), STDIN(1, "x"), END}, "REFUSED", "",
     "start"},
    {"parameters after they ended", {BEGIN(1, KEEP), PARAMS_END(1), PARAMS(1, "\1\1ab"), END},
     "REFUSED", "", "body"},
    {"a pair cut short at the end of the parameters",
     {BEGIN(1, KEEP), PARAMS(1, "\1\5ab"), PARAMS_END(1), END}, "REFUSED", "", "body"},
    {"a pair's length over the window is answered 431 at the request's end",
     {BEGIN(1, KEEP), PARAMS(1, "\1\xc0\0\0\0a"), PARAMS_END(1), STDIN_END(1), REQUEST(2, KEEP),
      END},
     "TOO_LARGE:1 REQUEST:2", "STATUS(1,431)", "idle"},
};
/* clang-format on */

static size_t encode(const struct rec *recs, unsigned char *out)
{
    size_t off = 0;
    for (const struct rec *r = recs; r->type != 0; r++) {
        fcgi_record_encode(out + off, r->type, r->id, r->len);
        out[off + 6] = (unsigned char)r->padding;
        if (r->len > 0)
            memcpy(out + off + FCGI_HEADER_LEN, r->content, r->len);
        memset(out + off + FCGI_HEADER_LEN + r->len, 0xee, r->padding);
        off += FCGI_HEADER_LEN + r->len + r->padding;
    }
    return off;
}

__attribute__((format(printf, 3, 4))) static void append(char *s, size_t size, const char *fmt, ...)
{
    size_t n = strlen(s);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s + n, size - n, fmt, ap);
    va_end(ap);
}

/* Writes the replies at b as text: one word a record. */
static void decode_replies(const unsigned char *b, size_t len, char *s, size_t size)
{
    static const char *const status[] = {"REQUEST_COMPLETE", "CANT_MPX_CONN", "OVERLOADED",
                                         "UNKNOWN_ROLE"};
    s[0] = '\0';
    for (size_t off = 0; off + FCGI_HEADER_LEN <= len;) {
        struct fcgi_record r = fcgi_record_decode(b + off);
        const unsigned char *c = b + off + FCGI_HEADER_LEN;
        const char *sep = s[0] == '\0' ? "" : " ";
        if (r.type == FCGI_GET_VALUES_RESULT) {
            append(s, size, "%sVALUES(", sep);
            for (size_t i = 0; i + 2 <= r.content_len;) {
                size_t n = c[i], v = c[i + 1];
                char pair[64];
                snprintf(pair, sizeof pair, "%s%.*s=%.*s", i == 0 ? "" : ",", (int)n,
                         (const char *)c + i + 2, (int)v, (const char *)c + i + 2 + n);
                append(s, size, "%s", pair);
                i += 2 + n + v;
            }
            append(s, size, ")");
        } else if (r.type == FCGI_UNKNOWN_TYPE) {
            append(s, size, "%sUNKNOWN_TYPE(%u)", sep, (unsigned)c[0]);
        } else if (r.type == FCGI_END_REQUEST && r.content_len == 8 && c[4] < 4) {
            char word[64];
            snprintf(word, sizeof word, "%sEND(%u,%s)", sep, r.request_id, status[c[4]]);
            append(s, size, "%s", word);
        } else if (r.type == FCGI_STDOUT && r.content_len > 0) {
            /* the first record of a reply_status(): the rest follow */
            append(s, size, "%sSTATUS(%ld,%ld)", sep, (long)r.request_id,
                   strtol((const char *)c + 8, NULL, 10));
            off += FCGI_HEADER_LEN + r.content_len + 2 * FCGI_HEADER_LEN + 8;
            continue;
        } else {
            append(s, size, "%sRECORD(%u)", sep, r.type);
        }
        off += FCGI_HEADER_LEN + r.content_len + r.padding_len;
    }
}

static const char *const event_name[] = {
    [INTAKE_REQUEST] = "REQUEST", [INTAKE_TOO_LARGE] = "TOO_LARGE",
    [INTAKE_NOT_MPX] = "NOT_MPX", [INTAKE_UNKNOWN_ROLE] = "UNKNOWN_ROLE",
    [INTAKE_ABORTED] = "ABORTED", [INTAKE_REFUSED] = "REFUSED",
};
static const char *const phase_name[] = {"idle", "start", "body"};

/* Feeds the len bytes at in, step bytes at a time as a peer's reads would
 * bring them, and writes what happened to events, replies and phase. */
static void run(const unsigned char *in, size_t len, size_t step, struct intake_bufs *b,
                char *events, char *replies, const char **phase)
{
    static unsigned char buf[1 << 17];
    static unsigned char all_replies[1 << 14];
    struct intake st = {0};
    size_t have = 0, fed = 0, all = 0;
    events[0] = '\0';
    b->start_len = b->replies_len = b->deferred_len = 0;
    for (;;) {
        struct intake_step s = intake_next(&st, b, buf, have);
        memmove(buf, buf + s.used, have - s.used);
        have -= s.used;
        if (s.event == INTAKE_FLUSH || s.event == INTAKE_MORE || s.event == INTAKE_REFUSED) {
            memcpy(all_replies + all, b->replies, b->replies_len);
            all += b->replies_len;
            b->replies_len = 0;
        }
        if (s.event == INTAKE_REFUSED) {
            append(events, 256, "%sREFUSED", events[0] ? " " : "");
            break;
        }
        if (s.event == INTAKE_REQUEST || s.event == INTAKE_TOO_LARGE || s.event == INTAKE_ABORTED)
            have = intake_requeue(&st, b, buf, have);
        if (s.event != INTAKE_MORE && s.event != INTAKE_FLUSH) {
            char word[32];
            snprintf(word, sizeof word, "%s%s:%u", events[0] ? " " : "", event_name[s.event], s.id);
            append(events, 256, "%s", word);
            continue;
        }
        if (s.event == INTAKE_FLUSH)
            continue;
        if (fed == len)
            break;
        size_t n = len - fed < step ? len - fed : step;
        memcpy(buf + have, in + fed, n);
        have += n;
        fed += n;
    }
    decode_replies(all_replies, all, replies, 512);
    *phase = phase_name[st.phase];
}

int main(void)
{
    static struct intake_bufs b;
    static unsigned char in[1 << 17];
    const struct reply_values v = {1000, 1000};
    replies_set_values(&v);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct intake_case *c = &cases[i];
        size_t len = encode(c->recs, in);
        const size_t steps[] = {len, 1};
        for (size_t k = 0; k < 2; k++) {
            char events[256], replies[512];
            const char *phase;
            run(in, len, steps[k], &b, events, replies, &phase);
            int pass = strcmp(events, c->events) == 0 && strcmp(replies, c->replies) == 0
                && strcmp(phase, c->phase) == 0;
            if (!ok(pass, "%s (%s)", c->name, k == 0 ? "at once" : "a byte at a time"))
                diag("got events [%s] replies [%s] phase %s; expected [%s] [%s] %s", events,
                     replies, phase, c->events, c->replies, c->phase);
        }
    }
    /* Requests set aside while one is in progress: INTAKE_DEFER_MAX of
     * them, then FCGI_CANT_MPX_CONN; those set aside are served in order. */
    {
        enum { LAST = INTAKE_DEFER_MAX + 2 }; /* ids 2 .. LAST - 1 fit */
        static struct rec recs[3 * LAST + 4]; /* the BEGINs, two records each, the end */
        static const char flags[] = "\0\1\1\0\0\0\0\0";
        size_t n = 0;
        for (unsigned id = 1; id <= LAST; id++)
            recs[n++] = (struct rec){FCGI_BEGIN_REQUEST, id, flags, 8, 0};
        for (unsigned id = 2; id <= LAST; id++) {
            recs[n++] = (struct rec){FCGI_PARAMS, id, NULL, 0, 0};
            recs[n++] = (struct rec){FCGI_STDIN, id, NULL, 0, 0};
        }
        recs[n++] = (struct rec){FCGI_PARAMS, 1, NULL, 0, 0};
        recs[n++] = (struct rec){FCGI_STDIN, 1, NULL, 0, 0};
        recs[n] = (struct rec){0, 0, NULL, 0, 0};
        char want[256], want_replies[64];
        int w = snprintf(want, sizeof want, "NOT_MPX:%d", LAST);
        for (unsigned id = 1; id < LAST; id++)
            w += snprintf(want + w, sizeof want - (size_t)w, " REQUEST:%u", id);
        snprintf(want_replies, sizeof want_replies, "END(%d,CANT_MPX_CONN)", LAST);
        size_t len = encode(recs, in);
        char events[256], replies[512];
        const char *phase;
        run(in, len, len, &b, events, replies, &phase);
        if (!ok(strcmp(events, want) == 0 && strcmp(replies, want_replies) == 0,
                "%d requests set aside are served in order; one more: FCGI_CANT_MPX_CONN",
                INTAKE_DEFER_MAX))
            diag("got [%s] [%s]; expected [%s] [%s]", events, replies, want, want_replies);
    }
    /* A request set aside whose records outgrow the room left is refused
     * FCGI_CANT_MPX_CONN alone: the others set aside are served. */
    {
        static char big[INTAKE_DEFER_BYTES / 2];
        memset(big, 'v', sizeof big);
        big[0] = 1;
        big[1] = (char)0x80;
        big[2] = 0;
        big[3] = (char)((sizeof big - 6) >> 8);
        big[4] = (char)(sizeof big - 6);
        big[5] = 'N';
        struct rec r[] = {BEGIN(1, KEEP),
                          BEGIN(2, KEEP),
                          BEGIN(3, KEEP),
                          {FCGI_PARAMS, 3, big, sizeof big, 0},
                          {FCGI_PARAMS, 2, big, sizeof big, 0},
                          PARAMS_END(2),
                          STDIN_END(2),
                          PARAMS_END(3),
                          STDIN_END(3),
                          PARAMS_END(1),
                          STDIN_END(1),
                          END};
        size_t len = encode(r, in);
        char events[256], replies[512];
        const char *phase;
        run(in, len, len, &b, events, replies, &phase);
        if (!ok(strcmp(events, "NOT_MPX:2 REQUEST:1 REQUEST:3") == 0
                    && strcmp(replies, "END(2,CANT_MPX_CONN)") == 0,
                "a request set aside beyond the room left: FCGI_CANT_MPX_CONN, the rest served"))
            diag("got [%s] [%s]", events, replies);
    }
    /* A request's start may take GUARD_WINDOW bytes and no more. */
    {
        static struct rec recs[8];
        static char big[GUARD_WINDOW];
        memset(big, 'v', sizeof big);
        for (size_t over = 0; over < 2; over++) {
            /* BEGIN, one PARAMS record with a pair name=value, the empty
             * PARAMS and STDIN: 16 + 8 + (2 + 4 + n) + 8 + 8 bytes. */
            size_t n = GUARD_WINDOW - 16 - 8 - 6 - 8 - 8 + over;
            big[0] = 1;
            big[1] = (char)0x80;
            big[2] = (char)(n >> 16);
            big[3] = (char)(n >> 8);
            big[4] = (char)n;
            big[5] = 'N';
            struct rec r[] = {
                BEGIN(1, KEEP), {FCGI_PARAMS, 1, big, 6 + n, 0}, PARAMS_END(1), STDIN_END(1), END};
            memcpy(recs, r, sizeof r);
            size_t len = encode(recs, in);
            char events[256], replies[512];
            const char *phase;
            run(in, len, len, &b, events, replies, &phase);
            const char *want = over ? "TOO_LARGE:1" : "REQUEST:1";
            if (!ok(strcmp(events, want) == 0,
                    "a request of GUARD_WINDOW%s bytes as libfcgi reads it: %s", over ? " + 1" : "",
                    want))
                diag("got [%s]", events);
        }
    }
    return done_testing();
}
