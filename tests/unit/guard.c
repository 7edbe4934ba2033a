/* Unit tests of fcgi_guard() (app/fcgi_guard.c): the verdict on a request's
 * start before libfcgi may read it. The requests are built by an encoder of
 * this file's own, not app/fcgi_client.c, so that a misreading of the
 * protocol shared by the app's client and its guard cannot hide here. */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/fcgi_guard.h"
#include "app/fcgi_record.h"
#include "tap.h"

/* Bytes as a front end would send them: room for starts past the window. */
struct wire {
    unsigned char b[3 * GUARD_WINDOW];
    size_t len;
    size_t ends[64]; /* where each whole record ends */
    size_t records;
    size_t need; /* the *need a GUARD_MORE case expects */
};

static void put(struct wire *w, const void *p, size_t n)
{
    if (n == 0)
        return;
    if (n > sizeof w->b - w->len)
        bail_out("a test request outgrew its buffer");
    memcpy(w->b + w->len, p, n);
    w->len += n;
}

static void put_byte(struct wire *w, unsigned v)
{
    unsigned char c = (unsigned char)v;
    put(w, &c, 1);
}

static void header(struct wire *w, unsigned version, unsigned type, unsigned id, size_t clen,
                   unsigned pad)
{
    const unsigned char h[FCGI_HEADER_LEN] = {
        (unsigned char)version,     (unsigned char)type,
        (unsigned char)(id >> 8),   (unsigned char)id,
        (unsigned char)(clen >> 8), (unsigned char)clen,
        (unsigned char)pad,         0,
    };
    put(w, h, sizeof h);
}

/* The padding is 0xff so that, read by mistake as content, it would make
 * a length of 2 GB and turn the verdict. */
static void record(struct wire *w, unsigned type, unsigned id, const void *content, size_t clen,
                   unsigned pad)
{
    if (clen > FCGI_MAX_LENGTH || pad > FCGI_PADDING_MAX)
        bail_out("a test record is too long");
    header(w, FCGI_VERSION_1, type, id, clen, pad);
    put(w, content, clen);
    for (unsigned i = 0; i < pad; i++)
        put_byte(w, 0xff);
    if (w->records == sizeof w->ends / sizeof w->ends[0])
        bail_out("a test request has too many records");
    w->ends[w->records++] = w->len;
}

static void begin(struct wire *w, unsigned id, unsigned pad)
{
    const unsigned char body[8] = {0, FCGI_RESPONDER, 0};
    record(w, FCGI_BEGIN_REQUEST, id, body, sizeof body, pad);
}

/* Name-value pairs: a length below 128 takes one byte unless `wide`, else
 * four with the top bit set. */
static void put_length(struct wire *s, uint32_t n, int wide)
{
    if (!wide && n < 128) {
        put_byte(s, n);
        return;
    }
    put_byte(s, 0x80 | n >> 24);
    put_byte(s, n >> 16 & 0xff);
    put_byte(s, n >> 8 & 0xff);
    put_byte(s, n & 0xff);
}

static void pair(struct wire *s, const char *name, const char *value)
{
    size_t nl = strlen(name), vl = strlen(value);
    put_length(s, (uint32_t)nl, 0);
    put_length(s, (uint32_t)vl, 0);
    put(s, name, nl);
    put(s, value, vl);
}

/* A pair with a one-byte name and a value of vl bytes behind a wide length. */
static void long_pair(struct wire *s, size_t vl)
{
    put_length(s, 1, 0);
    put_length(s, (uint32_t)vl, 1);
    put_byte(s, 'N');
    for (size_t i = 0; i < vl; i++)
        put_byte(s, 'v');
}

/* The parameter stream, built apart and then cut into PARAMS records. */
static struct wire stream;

static struct wire *new_stream(void)
{
    stream.len = 0;
    return &stream;
}

static void base_pairs(struct wire *s)
{
    pair(s, "REQUEST_METHOD", "GET");
    pair(s, "SCRIPT_NAME", "/hello");
}

/* The stream in records of at most `chunk` content bytes, each padded. */
static void params(struct wire *w, unsigned id, const struct wire *s, size_t from, size_t to,
                   size_t chunk, unsigned pad)
{
    for (size_t off = from; off < to; off += chunk) {
        size_t n = to - off < chunk ? to - off : chunk;
        record(w, FCGI_PARAMS, id, s->b + off, n, pad);
    }
}

static void params_end(struct wire *w, unsigned id)
{
    record(w, FCGI_PARAMS, id, NULL, 0, 0);
}

static void expect_next_header(struct wire *w)
{
    w->need = w->len + FCGI_HEADER_LEN;
}

/* A plain request start; pad is the padding of every record but
 * BEGIN_REQUEST (b_begin_padded). */
static void b_get(struct wire *w, size_t pad)
{
    struct wire *s = new_stream();
    base_pairs(s);
    begin(w, 1, 0);
    params(w, 1, s, 0, s->len, FCGI_MAX_LENGTH, (unsigned)pad);
    record(w, FCGI_PARAMS, 1, NULL, 0, (unsigned)pad);
}

static void b_empty(struct wire *w, size_t unused)
{
    (void)unused;
    expect_next_header(w);
}

static void b_no_params(struct wire *w, size_t unused)
{
    (void)unused;
    begin(w, 1, 0);
    params_end(w, 1);
}

/* The stream: "A"="b", then a pair with both lengths wide (bytes 4-7 and
 * 8-11), a 3-byte name and a 200-byte value; cut into two records at `at`. */
static void b_split(struct wire *w, size_t at)
{
    struct wire *s = new_stream();
    pair(s, "A", "b");
    put_length(s, 3, 1);
    put_length(s, 200, 1);
    put(s, "abc", 3);
    for (int i = 0; i < 200; i++)
        put_byte(s, 'x');
    begin(w, 1, 0);
    params(w, 1, s, 0, at, FCGI_MAX_LENGTH, 0);
    params(w, 1, s, at, s->len, FCGI_MAX_LENGTH, 1);
    params_end(w, 1);
}

static void b_bytewise(struct wire *w, size_t unused)
{
    (void)unused;
    struct wire *s = new_stream();
    pair(s, "A", "b");
    put_length(s, 2, 1);
    put_length(s, 1, 1);
    put(s, "cde", 3);
    begin(w, 1, 0);
    params(w, 1, s, 0, s->len, 1, 0);
    params_end(w, 1);
}

/* An empty value is common (QUERY_STRING); an empty name too is odd, but
 * a pair of no bytes at all must not be awaited. */
static void b_empty_last(struct wire *w, size_t empty_name)
{
    struct wire *s = new_stream();
    base_pairs(s);
    pair(s, empty_name ? "" : "QUERY_STRING", "");
    begin(w, 1, 0);
    params(w, 1, s, 0, s->len, FCGI_MAX_LENGTH, 0);
    params_end(w, 1);
}

static void b_long_value(struct wire *w, size_t vl)
{
    struct wire *s = new_stream();
    long_pair(s, vl);
    base_pairs(s);
    begin(w, 1, 0);
    params(w, 1, s, 0, s->len, FCGI_MAX_LENGTH, 0);
    params_end(w, 1);
}

static void b_long_name(struct wire *w, size_t nl)
{
    struct wire *s = new_stream();
    put_length(s, (uint32_t)nl, 1);
    put_length(s, 1, 0);
    for (size_t i = 0; i < nl; i++)
        put_byte(s, 'n');
    put_byte(s, 'v');
    begin(w, 1, 0);
    params(w, 1, s, 0, s->len, FCGI_MAX_LENGTH, 0);
    params_end(w, 1);
}

/* Only the lengths and the name of a pair whose value is vl bytes: the
 * rest is awaited unless the pair cannot fit the window. */
static void b_value_announced(struct wire *w, size_t vl)
{
    struct wire *s = new_stream();
    put_length(s, 1, 0);
    put_length(s, (uint32_t)vl, 1);
    put_byte(s, 'N');
    begin(w, 1, 0);
    params(w, 1, s, 0, s->len, FCGI_MAX_LENGTH, 0);
    expect_next_header(w);
}

static void b_name_announced(struct wire *w, size_t nl)
{
    struct wire *s = new_stream();
    put_length(s, (uint32_t)nl, 1);
    put_length(s, 0, 0);
    begin(w, 1, 0);
    params(w, 1, s, 0, s->len, FCGI_MAX_LENGTH, 0);
    expect_next_header(w);
}

/* The shape of CVE-2025-23016: a name and a value length whose sum
 * overflows the int libfcgi computes it in. */
static void b_cve_2025_23016(struct wire *w, size_t len)
{
    struct wire *s = new_stream();
    put_length(s, (uint32_t)len, 1);
    put_length(s, (uint32_t)len, 1);
    put(s, "abcdefgh", 8);
    begin(w, 1, 0);
    params(w, 1, s, 0, s->len, FCGI_MAX_LENGTH, 0);
    params_end(w, 1);
}

/* A whole start of exactly `total` bytes: BEGIN_REQUEST, one PARAMS record
 * and the empty one take FIXED, the one pair's value the rest. */
static void b_total(struct wire *w, size_t total)
{
    enum { FIXED = 2 * FCGI_HEADER_LEN + FCGI_HEADER_LEN + 6 + FCGI_HEADER_LEN };
    struct wire *s = new_stream();
    long_pair(s, total - FIXED);
    begin(w, 1, 0);
    params(w, 1, s, 0, s->len, FCGI_MAX_LENGTH, 0);
    params_end(w, 1);
    if (w->len != total)
        bail_out("b_total built %zu bytes, not %zu", w->len, total);
}

/* All but the last byte of a start of exactly the window: the window
 * itself is the most that may be awaited. */
static void b_total_but_one(struct wire *w, size_t total)
{
    b_total(w, total);
    w->len--;
    w->need = total;
}

/* Many sane pairs, `total` bytes of them, in full records. */
static void b_many_pairs(struct wire *w, size_t total)
{
    struct wire *s = new_stream();
    while (s->len < total)
        long_pair(s, 1000);
    begin(w, 1, 0);
    params(w, 1, s, 0, s->len, FCGI_MAX_LENGTH, 0);
    params_end(w, 1);
}

static void b_begin_version(struct wire *w, size_t version)
{
    const unsigned char body[8] = {0, FCGI_RESPONDER, 0};
    header(w, (unsigned)version, FCGI_BEGIN_REQUEST, 1, sizeof body, 0);
    put(w, body, sizeof body);
}

static void b_params_version(struct wire *w, size_t version)
{
    begin(w, 1, 0);
    header(w, (unsigned)version, FCGI_PARAMS, 1, 0, 0);
}

static void b_http(struct wire *w, size_t unused)
{
    (void)unused;
    static const char get[] = "GET / HTTP/1.1\r\nHost: example\r\n\r\n";
    put(w, get, sizeof get - 1);
}

/* The stream "\x80\0\0\x03" "\x80\0\0\x02" "abc" "de" ended after `at` of its
 * 13 bytes by an empty PARAMS record. */
static void b_cut_short(struct wire *w, size_t at)
{
    struct wire *s = new_stream();
    put_length(s, 3, 1);
    put_length(s, 2, 1);
    put(s, "abcde", 5);
    begin(w, 1, 0);
    params(w, 1, s, 0, at, FCGI_MAX_LENGTH, 0);
    params_end(w, 1);
}

/* GET_VALUES content: 0 a sane query, 1 a name length of 1 GB, 2 a pair cut
 * short. */
static void values(struct wire *w, unsigned id, size_t kind)
{
    /* Not the shared stream: a caller may be half-way through sending it. */
    static struct wire v;
    struct wire *s = &v;
    v.len = 0;
    switch (kind) {
    case 0:
        pair(s, "FCGI_MPXS_CONNS", "");
        break;
    case 1:
        put_length(s, 0x40000000, 1);
        put_length(s, 0, 0);
        put(s, "FCGI", 4);
        break;
    default:
        put_length(s, 15, 0);
        put_length(s, 0, 0);
        put(s, "FCGI", 4);
        break;
    }
    record(w, FCGI_GET_VALUES, id, s->b, s->len, 3);
}

static void b_values_before(struct wire *w, size_t kind)
{
    values(w, 0, kind);
    b_get(w, 0);
}

static void b_values_after(struct wire *w, size_t kind)
{
    b_get(w, 0);
    values(w, 0, kind);
}

static void b_values_between(struct wire *w, size_t kind)
{
    struct wire *s = new_stream();
    base_pairs(s);
    begin(w, 1, 0);
    params(w, 1, s, 0, 5, FCGI_MAX_LENGTH, 0);
    values(w, 0, kind);
    params(w, 1, s, 5, s->len, FCGI_MAX_LENGTH, 0);
    params_end(w, 1);
}

/* The empty PARAMS record that ends the parameters announces `kind`'s
 * GET_VALUES record as its padding: libfcgi ends the parameters before it
 * skips padding and then forgets it, so it reads that record as one
 * (tests/fuzz/corpus/padded-params-end). After the empty STDIN record,
 * nothing more of the request is read. */
static void b_values_in_padding(struct wire *w, size_t kind)
{
    struct wire *s = new_stream();
    base_pairs(s);
    begin(w, 1, 0);
    params(w, 1, s, 0, s->len, FCGI_MAX_LENGTH, 0);
    struct wire rec = {0};
    values(&rec, 0, kind);
    header(w, FCGI_VERSION_1, FCGI_PARAMS, 1, 0, (unsigned)rec.len);
    put(w, rec.b, rec.len);
}

static void b_values_after_stdin_end(struct wire *w, size_t kind)
{
    b_get(w, 0);
    record(w, FCGI_STDIN, 1, NULL, 0, 0);
    values(w, 0, kind);
}

/* A GET_VALUES record that names a request is not a management record. */
static void b_values_of_request(struct wire *w, size_t unused)
{
    (void)unused;
    values(w, 1, 1);
    b_get(w, 0);
}

/* After the parameters, the first `have` of a GET_VALUES record's 20 content
 * bytes and 4 of padding. */
static void b_values_partial(struct wire *w, size_t have)
{
    b_get(w, 0);
    size_t start = w->len;
    header(w, FCGI_VERSION_1, FCGI_GET_VALUES, 0, 20, 4);
    struct wire *s = new_stream();
    pair(s, "FCGI_MAX_CONNS", "1234");
    put(w, s->b, have < s->len ? have : s->len);
    for (size_t i = s->len; i < have; i++)
        put_byte(w, 0xff);
    w->need = start + FCGI_HEADER_LEN + 20;
}

static void b_stdin_partial(struct wire *w, size_t unused)
{
    (void)unused;
    b_get(w, 0);
    header(w, FCGI_VERSION_1, FCGI_STDIN, 1, 100, 0);
    put(w, "body", 4);
}

static void b_then_version(struct wire *w, size_t version)
{
    b_get(w, 0);
    header(w, (unsigned)version, FCGI_STDIN, 1, 0, 0);
}

/* The pair of CVE-2025-23016's shape (b_cve_2025_23016), as the content of
 * a record the guard must not take for anything else. */
static const unsigned char cve_pair[] = {0xc0, 0, 0, 0, 0xc0, 0, 0, 0, 'x'};

/* Request 2's records, insane ones included, come between request 1's. */
static void b_other_request(struct wire *w, size_t unused)
{
    (void)unused;
    struct wire *s = new_stream();
    base_pairs(s);
    begin(w, 1, 0);
    params(w, 1, s, 0, 3, FCGI_MAX_LENGTH, 0);
    record(w, FCGI_PARAMS, 2, cve_pair, sizeof cve_pair, 0);
    params(w, 1, s, 3, s->len, FCGI_MAX_LENGTH, 0);
    params_end(w, 1);
}

/* An empty record of request 9 (`before` the BEGIN_REQUEST, or amid the
 * parameters): libfcgi then passes over the next record's content as well,
 * a pair's lengths and name, and reads the pair of CVE-2025-23016's shape
 * that the guard takes for that pair's value. */
static void b_empty_other(struct wire *w, size_t before)
{
    if (before)
        record(w, FCGI_STDIN, 9, NULL, 0, 0);
    begin(w, 1, 0);
    if (!before)
        record(w, FCGI_STDIN, 9, NULL, 0, 0);
    static const unsigned char announce[] = {1, sizeof cve_pair, 'N'};
    record(w, FCGI_PARAMS, 1, announce, sizeof announce, 0);
    record(w, FCGI_PARAMS, 1, cve_pair, sizeof cve_pair, 0);
    params_end(w, 1);
}

/* A management record of an unknown type (11) carrying the pair of
 * CVE-2025-23016's shape: libfcgi reads its content as parameters. `where`:
 * 0 before the BEGIN_REQUEST, 1 amid the parameters, 2 after them. */
static void b_unknown_management(struct wire *w, size_t where)
{
    struct wire *s = new_stream();
    base_pairs(s);
    if (where == 0)
        record(w, 11, FCGI_NULL_REQUEST_ID, cve_pair, sizeof cve_pair, 0);
    begin(w, 1, 0);
    params(w, 1, s, 0, 5, FCGI_MAX_LENGTH, 0);
    if (where == 1)
        record(w, 11, FCGI_NULL_REQUEST_ID, cve_pair, sizeof cve_pair, 0);
    params(w, 1, s, 5, s->len, FCGI_MAX_LENGTH, 0);
    params_end(w, 1);
    if (where == 2)
        record(w, 11, FCGI_NULL_REQUEST_ID, cve_pair, sizeof cve_pair, 0);
}

/* A BEGIN_REQUEST padded by 8 bytes that are a PARAMS header: libfcgi reads
 * them as one, and its content, a record of request 9 to the guard, as a
 * pair that ends just before the pair of CVE-2025-23016's shape. */
static void b_begin_padded(struct wire *w, size_t unused)
{
    (void)unused;
    const unsigned char body[8] = {0, FCGI_RESPONDER, 0};
    header(w, FCGI_VERSION_1, FCGI_BEGIN_REQUEST, 1, sizeof body, FCGI_HEADER_LEN);
    put(w, body, sizeof body);
    header(w, FCGI_VERSION_1, FCGI_PARAMS, 1, FCGI_HEADER_LEN + sizeof cve_pair, 0);
    header(w, FCGI_VERSION_1, FCGI_STDIN, 9, sizeof cve_pair, 0);
    put(w, cve_pair, sizeof cve_pair);
    params_end(w, 1);
}

/* Amid the parameters, a record that makes libfcgi's header parsing fail
 * (`kind` 0: a BEGIN_REQUEST for request 0 padded by 16 bytes; 1: a STDIN
 * record of the request), then a GET_VALUES of a 1 GB length: libfcgi
 * takes the failure for the end of the parameters and reads the body from
 * right behind the failing header, inside its padding (kind 0), or meets
 * the GET_VALUES next (tests/fuzz/corpus/begin-zero-amid-params). */
static void b_fails_amid_params(struct wire *w, size_t kind)
{
    struct wire *s = new_stream();
    base_pairs(s);
    begin(w, 1, 0);
    params(w, 1, s, 0, 5, FCGI_MAX_LENGTH, 0);
    if (kind == 0) {
        struct wire rec = {0};
        values(&rec, 0, 1);
        header(w, FCGI_VERSION_1, FCGI_BEGIN_REQUEST, 0, 0, (unsigned)rec.len);
        put(w, rec.b, rec.len);
    } else {
        record(w, FCGI_STDIN, 1, "x", 1, 0);
    }
    params(w, 1, s, 5, s->len, FCGI_MAX_LENGTH, 0);
    params_end(w, 1);
}

/* A BEGIN_REQUEST that libfcgi refuses: 0 for request 0, else one whose
 * body is `kind` bytes. */
static void b_begin_refused(struct wire *w, size_t kind)
{
    static const unsigned char body[16] = {0, FCGI_RESPONDER, 0};
    record(w, FCGI_BEGIN_REQUEST, kind == 0 ? 0 : 1, body, kind == 0 ? 8 : kind, 0);
    params_end(w, 1);
}

/* libfcgi serves the first BEGIN_REQUEST's id: another id's parameters
 * complete nothing. */
static void b_second_begin(struct wire *w, size_t unused)
{
    (void)unused;
    struct wire *s = new_stream();
    base_pairs(s);
    begin(w, 1, 0);
    begin(w, 2, 0);
    params(w, 2, s, 0, s->len, FCGI_MAX_LENGTH, 0);
    expect_next_header(w);
}

struct guard_case {
    const char *name;
    void (*build)(struct wire *, size_t);
    size_t arg;
    enum guard_verdict verdict;
    const char *why; /* part of *why, for GUARD_REJECT */
};

/* One case a line, aligned by hand. */
/* clang-format off */
static const struct guard_case cases[] = {
    {"a GET: BEGIN_REQUEST, PARAMS, empty PARAMS", b_get, 0, GUARD_READY, NULL},
    {"every record but BEGIN_REQUEST padded by 7", b_get, 7, GUARD_READY, NULL},
    {"every record but BEGIN_REQUEST padded by 255 bytes of 0xff", b_get, 255, GUARD_READY,
     NULL},
    {"a padded BEGIN_REQUEST, its padding a PARAMS header to libfcgi", b_begin_padded, 0,
     GUARD_REJECT, "padded BEGIN_REQUEST"},
    {"a BEGIN_REQUEST for request 0", b_begin_refused, 0, GUARD_REJECT, "request 0"},
    {"a BEGIN_REQUEST with a 7-byte body", b_begin_refused, 7, GUARD_REJECT, "not 8 bytes"},
    {"a BEGIN_REQUEST with a 16-byte body", b_begin_refused, 16, GUARD_REJECT, "not 8 bytes"},
    {"no bytes yet", b_empty, 0, GUARD_MORE, NULL},
    {"no parameters at all", b_no_params, 0, GUARD_READY, NULL},

    {"PARAMS split between a pair's two short lengths", b_split, 1, GUARD_READY, NULL},
    {"PARAMS split between a name and its value", b_split, 3, GUARD_READY, NULL},
    {"PARAMS split after 1 byte of a 4-byte name length", b_split, 5, GUARD_READY, NULL},
    {"PARAMS split after 2 bytes of a 4-byte name length", b_split, 6, GUARD_READY, NULL},
    {"PARAMS split after 3 bytes of a 4-byte name length", b_split, 7, GUARD_READY, NULL},
    {"PARAMS split inside a 4-byte value length", b_split, 10, GUARD_READY, NULL},
    {"PARAMS split between the lengths and the name", b_split, 12, GUARD_READY, NULL},
    {"PARAMS split inside a value", b_split, 100, GUARD_READY, NULL},
    {"PARAMS one byte per record", b_bytewise, 0, GUARD_READY, NULL},

    {"an empty value, last in its record", b_empty_last, 0, GUARD_READY, NULL},
    {"an empty name and value, last in its record", b_empty_last, 1, GUARD_READY, NULL},
    {"a 4-byte length of 0", b_long_value, 0, GUARD_READY, NULL},
    {"a 4-byte length of 127", b_long_value, 127, GUARD_READY, NULL},
    {"a 4-byte length of 300", b_long_value, 300, GUARD_READY, NULL},
    {"a value of 60000 bytes, in one record", b_long_value, 60000, GUARD_READY, NULL},
    {"a 4-byte name length of 200", b_long_name, 200, GUARD_READY, NULL},

    {"a value length of exactly the window: awaited", b_value_announced, GUARD_WINDOW,
     GUARD_MORE, NULL},
    {"a value length of the window + 1", b_value_announced, GUARD_WINDOW + 1,
     GUARD_TOO_LARGE, NULL},
    {"a value length of 2^31 - 1", b_value_announced, 0x7fffffff, GUARD_TOO_LARGE, NULL},
    {"a name length of exactly the window: awaited", b_name_announced, GUARD_WINDOW,
     GUARD_MORE, NULL},
    {"a name length of the window + 1", b_name_announced, GUARD_WINDOW + 1,
     GUARD_TOO_LARGE, NULL},
    {"CVE-2025-23016: name and value lengths of 0x40000000", b_cve_2025_23016, 0x40000000,
     GUARD_TOO_LARGE, NULL},
    {"CVE-2025-23016: name and value lengths of 0x7fffffff", b_cve_2025_23016, 0x7fffffff,
     GUARD_TOO_LARGE, NULL},

    {"a start of exactly the window", b_total, GUARD_WINDOW, GUARD_READY, NULL},
    {"a start of exactly the window, its last byte awaited", b_total_but_one, GUARD_WINDOW,
     GUARD_MORE, NULL},
    {"a start of the window + 1", b_total, GUARD_WINDOW + 1, GUARD_TOO_LARGE, NULL},
    {"100 kB of sane pairs", b_many_pairs, 100000, GUARD_TOO_LARGE, NULL},

    {"BEGIN_REQUEST of version 0", b_begin_version, 0, GUARD_REJECT, "version"},
    {"BEGIN_REQUEST of version 2", b_begin_version, 2, GUARD_REJECT, "version"},
    {"PARAMS of version 2", b_params_version, 2, GUARD_REJECT, "version"},
    {"HTTP instead of FastCGI", b_http, 0, GUARD_REJECT, "version"},

    {"PARAMS ended inside a 4-byte name length", b_cut_short, 1, GUARD_REJECT, "cut short"},
    {"PARAMS ended before a value length", b_cut_short, 4, GUARD_REJECT, "cut short"},
    {"PARAMS ended inside a 4-byte value length", b_cut_short, 6, GUARD_REJECT, "cut short"},
    {"PARAMS ended before a name", b_cut_short, 8, GUARD_REJECT, "cut short"},
    {"PARAMS ended one byte short of a value", b_cut_short, 12, GUARD_REJECT, "cut short"},
    {"PARAMS ended after a whole pair", b_cut_short, 13, GUARD_READY, NULL},

    {"a sane GET_VALUES before the parameters", b_values_before, 0, GUARD_READY, NULL},
    {"GET_VALUES with a 1 GB length before the parameters", b_values_before, 1,
     GUARD_REJECT, "management record"},
    {"GET_VALUES with a pair cut short before the parameters", b_values_before, 2,
     GUARD_REJECT, "management record"},
    {"a sane GET_VALUES amid the parameters", b_values_between, 0, GUARD_READY, NULL},
    {"GET_VALUES with a 1 GB length amid the parameters", b_values_between, 1,
     GUARD_REJECT, "management record"},
    {"a sane GET_VALUES after the parameters", b_values_after, 0, GUARD_READY, NULL},
    {"GET_VALUES with a 1 GB length after the parameters", b_values_after, 1,
     GUARD_REJECT, "management record"},
    {"GET_VALUES with a pair cut short after the parameters", b_values_after, 2,
     GUARD_REJECT, "management record"},
    {"GET_VALUES of request 1 is not checked", b_values_of_request, 0, GUARD_READY, NULL},
    {"a sane GET_VALUES as the padding of the empty PARAMS record", b_values_in_padding, 0,
     GUARD_READY, NULL},
    {"GET_VALUES with a 1 GB length as the padding of the empty PARAMS record: read by libfcgi",
     b_values_in_padding, 1, GUARD_REJECT, "management record"},
    {"after the empty STDIN record nothing more is this request's", b_values_after_stdin_end, 1,
     GUARD_READY, NULL},
    {"after the parameters, a GET_VALUES header alone: its content awaited",
     b_values_partial, 0, GUARD_MORE, NULL},
    {"after the parameters, half a GET_VALUES: its content awaited",
     b_values_partial, 10, GUARD_MORE, NULL},
    {"after the parameters, a GET_VALUES short of its padding only",
     b_values_partial, 20, GUARD_READY, NULL},
    {"after the parameters, part of a STDIN record", b_stdin_partial, 0, GUARD_READY, NULL},
    {"after the parameters, a record of version 2 is libfcgi's to refuse", b_then_version, 2,
     GUARD_READY, NULL},

    {"request 2's records, insane lengths included, are passed over", b_other_request, 0,
     GUARD_READY, NULL},
    {"a second BEGIN_REQUEST's parameters complete nothing", b_second_begin, 0,
     GUARD_MORE, NULL},
    {"an empty record of another request before BEGIN_REQUEST", b_empty_other, 1,
     GUARD_REJECT, "empty record of another request"},
    {"an empty record of another request amid the parameters", b_empty_other, 0,
     GUARD_REJECT, "empty record of another request"},
    {"a management record of unknown type before BEGIN_REQUEST", b_unknown_management, 0,
     GUARD_REJECT, "unknown type"},
    {"a management record of unknown type amid the parameters", b_unknown_management, 1,
     GUARD_REJECT, "unknown type"},
    {"amid the parameters, a BEGIN_REQUEST for request 0 hiding a GET_VALUES in its padding",
     b_fails_amid_params, 0, GUARD_REJECT, "request 0"},
    {"amid the parameters, a STDIN record of the request", b_fails_amid_params, 1, GUARD_REJECT,
     "other than its parameters"},
    {"a management record of unknown type after the parameters is the body's",
     b_unknown_management, 2, GUARD_READY, NULL},
};
/* clang-format on */

static const char *verdict_name(enum guard_verdict v)
{
    switch (v) {
    case GUARD_READY:
        return "READY";
    case GUARD_MORE:
        return "MORE";
    case GUARD_TOO_LARGE:
        return "TOO_LARGE";
    case GUARD_REJECT:
        return "REJECT";
    }
    return "?";
}

/* Judges the start as admit() in app/server.c sees it: at most the window,
 * in a buffer of exactly that size so that a sanitizer catches a read past
 * it. */
static void check(const char *name, const struct wire *w, enum guard_verdict want, size_t want_need,
                  const char *want_why)
{
    size_t len = w->len < GUARD_WINDOW ? w->len : GUARD_WINDOW;
    unsigned char *copy = malloc(len > 0 ? len : 1);
    if (copy == NULL)
        bail_out("out of memory");
    if (len > 0)
        memcpy(copy, w->b, len);
    struct guard_result r = fcgi_guard(copy, len);
    free(copy);
    enum guard_verdict v = r.verdict;
    size_t need = r.need;
    const char *why = r.why;

    int pass = v == want;
    if (pass && want == GUARD_MORE)
        pass = need == want_need;
    if (pass && want == GUARD_REJECT)
        pass = why != NULL && strstr(why, want_why) != NULL;
    if (!ok(pass, "%s: %s", name, verdict_name(want))) {
        diag("    got %s, need %zu, why \"%s\"", verdict_name(v), need, why ? why : "");
        diag("    expected need %zu, why containing \"%s\"", want_need, want_why ? want_why : "");
    }
}

static struct wire w;

static void reset(void)
{
    w.len = 0;
    w.records = 0;
    w.need = 0;
}

/* Every proper prefix of a start (BEGIN_REQUEST, PARAMS with a wide length
 * padded by 3, empty PARAMS) must wait for the rest of the
 * record it cuts: its header first, then the whole record with padding. */
static void prefixes(void)
{
    reset();
    struct wire *s = new_stream();
    put_length(s, 1, 0);
    put_length(s, 2, 1);
    put(s, "Abc", 3);
    begin(&w, 1, 0);
    params(&w, 1, s, 0, s->len, FCGI_MAX_LENGTH, 3);
    params_end(&w, 1);

    const size_t whole = w.len;
    for (size_t cut = 0; cut < whole; cut++) {
        size_t r = 0;
        while (w.ends[r] <= cut)
            r++;
        size_t start = r == 0 ? 0 : w.ends[r - 1];
        size_t need = cut < start + FCGI_HEADER_LEN ? start + FCGI_HEADER_LEN : w.ends[r];
        char name[128];
        snprintf(name, sizeof name, "the first %zu of %zu bytes (record %zu's %s)", cut, whole,
                 r + 1, cut < start + FCGI_HEADER_LEN ? "header" : "body");
        w.len = cut;
        check(name, &w, GUARD_MORE, need, NULL);
    }
    w.len = whole;
    check("the whole of the start cut into prefixes above", &w, GUARD_READY, 0, NULL);
}

int main(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct guard_case *c = &cases[i];
        reset();
        c->build(&w, c->arg);
        check(c->name, &w, c->verdict, w.need, c->why);
    }
    prefixes();
    return done_testing();
}
