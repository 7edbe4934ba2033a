/* Unit tests of the claims table (app/claims.c): which worker holds a
 * connection when every worker waits on one edge-triggered epoll set. Each
 * case is a sequence of steps by workers, as they would interleave, and
 * what each step must return. */
#include <config.h>

#include "app/claims.h"
#include "tap.h"

enum op { NEW, TAKE, RELEASE, CLOSED, IN_SET, MARK };

struct step {
    enum op op;
    int conn;   /* which connection's token: 0 or 1 (two on one number) */
    int expect; /* the call's result (NEW: 1 for a token other than 0) */
};

struct claims_case {
    const char *name;
    struct step steps[8];
    int n;
};

/* clang-format off */
static const struct claims_case cases[] = {
    {"a new connection is held: an event cannot take it",
     {{NEW, 0, 1}, {TAKE, 0, 0}}, 2},
    {"released, the next event takes it",
     {{NEW, 0, 1}, {RELEASE, 0, 1}, {TAKE, 0, 1}}, 3},
    {"an event while held makes the holder look again",
     {{NEW, 0, 1}, {TAKE, 0, 0}, {RELEASE, 0, 0}, {RELEASE, 0, 1}, {TAKE, 0, 1}}, 5},
    {"several events while held: one more look",
     {{NEW, 0, 1}, {TAKE, 0, 0}, {TAKE, 0, 0}, {RELEASE, 0, 0}, {RELEASE, 0, 1}}, 5},
    {"taken, then held: a second event cannot take it",
     {{NEW, 0, 1}, {RELEASE, 0, 1}, {TAKE, 0, 1}, {TAKE, 0, 0}, {RELEASE, 0, 0}}, 5},
    {"an event queued before a close is stale",
     {{NEW, 0, 1}, {CLOSED, 0, 0}, {TAKE, 0, 0}}, 3},
    {"a stale event cannot take the next connection on the number",
     {{NEW, 0, 1}, {CLOSED, 0, 0}, {NEW, 1, 1}, {RELEASE, 1, 1}, {TAKE, 0, 0}, {TAKE, 1, 1}}, 6},
    {"closed by libfcgi, accepted again before the holder says so",
     {{NEW, 0, 1}, {NEW, 1, 1}, {CLOSED, 0, 0}, {TAKE, 1, 0}, {RELEASE, 1, 0}, {RELEASE, 1, 1}, {TAKE, 1, 1}}, 7},
    {"in the set once marked, not before",
     {{NEW, 0, 1}, {IN_SET, 0, 0}, {MARK, 0, 0}, {IN_SET, 0, 1}, {RELEASE, 0, 1}, {TAKE, 0, 1}, {IN_SET, 0, 1}}, 7},
    {"the next connection on the number is not in the set",
     {{NEW, 0, 1}, {MARK, 0, 0}, {CLOSED, 0, 0}, {NEW, 1, 1}, {IN_SET, 1, 0}}, 5},
};
/* clang-format on */

static int run(struct claims *c, const struct claims_case *k)
{
    claim_token tok[2] = {0, 0};
    for (int i = 0; i < k->n; i++) {
        const struct step *st = &k->steps[i];
        int got = 0;
        switch (st->op) {
        case NEW:
            tok[st->conn] = claims_new(c, 7);
            got = tok[st->conn] != 0;
            break;
        case TAKE:
            got = claims_take(c, tok[st->conn]);
            break;
        case RELEASE:
            got = claims_release(c, tok[st->conn]);
            break;
        case CLOSED:
            claims_closed(c, tok[st->conn]);
            break;
        case IN_SET:
            got = claims_in_set(c, tok[st->conn]);
            break;
        case MARK:
            claims_mark_in_set(c, tok[st->conn]);
            break;
        }
        if (got != st->expect) {
            diag("step %d: got %d, want %d", i + 1, got, st->expect);
            return 0;
        }
    }
    return 1;
}

int main(void)
{
    int ncases = (int)(sizeof cases / sizeof cases[0]);
    for (int i = 0; i < ncases; i++) {
        struct claims c;
        if (claims_init(&c, 16) != 0)
            bail_out("claims_init failed");
        ok(run(&c, &cases[i]), "%s", cases[i].name);
        claims_free(&c);
    }

    struct claims c;
    if (claims_init(&c, 16) != 0)
        bail_out("claims_init failed");
    claim_token t = claims_new(&c, 15);
    ok(t != 0 && claim_fd(t) == 15, "the token names its descriptor");
    ok(claims_new(&c, 16) == 0, "a descriptor beyond the table gets no token");
    /* The listener's and the wake event's tokens are their descriptors:
     * generation 0, which no connection's token has. */
    ok(t >> 32 != 0, "a connection's token has a generation");
    claims_free(&c);
    return done_testing();
}
