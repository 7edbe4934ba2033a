/* libFuzzer harness over app/http_request.c, the parser of the bytes anyone
 * who reaches the metrics listener sends. Beyond the sanitizers' checks it
 * asserts what app/metrics_server.c relies on: a valid parse lies within
 * the input, its fields point into it, and a prefix of the input is never
 * valid when the whole is bad.
 *
 *   make fuzz [FUZZ_SECONDS=60]        (clang with libFuzzer) */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>

#include "app/http_request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A copy of exactly size bytes, so that ASan sees any read past it. */
    char *buf = malloc(size > 0 ? size : 1);
    if (buf == NULL)
        abort();
    for (size_t i = 0; i < size; i++)
        buf[i] = (char)data[i];
    struct http_request r;
    long n = http_request_parse(buf, size, &r);
    if (n > 0) {
        if ((size_t)n > size || r.method != buf || r.method_len == 0 || r.target < buf
            || r.target + r.target_len > buf + n || r.target[0] != '/' || r.minor_version < 0
            || r.minor_version > 1 || r.headers > HTTP_REQUEST_MAX_HEADERS)
            abort();
        /* The start ends at its first blank line: no shorter prefix is valid. */
        if (http_request_parse(buf, (size_t)n - 1, &r) != HTTP_REQUEST_INCOMPLETE)
            abort();
    } else if (n == HTTP_REQUEST_BAD && size > 0) {
        /* More bytes cannot mend a bad start. */
        if (http_request_parse(buf, size - 1, &r) > 0)
            abort();
    } else if (n != HTTP_REQUEST_INCOMPLETE && n != HTTP_REQUEST_BAD) {
        abort();
    }
    free(buf);
    return 0;
}
