#include <config.h>

#include "fcgi_record.h"

#include <string.h>

struct fcgi_record fcgi_record_decode(const unsigned char *h)
{
    FCGI_Header w;
    memcpy(&w, h, sizeof w);
    return (struct fcgi_record){
        .version = w.version,
        .type = w.type,
        .request_id = (unsigned)w.requestIdB1 << 8 | w.requestIdB0,
        .content_len = (size_t)w.contentLengthB1 << 8 | w.contentLengthB0,
        .padding_len = w.paddingLength,
    };
}

void fcgi_record_encode(unsigned char *h, unsigned type, unsigned id, size_t len)
{
    const FCGI_Header w = {
        .version = FCGI_VERSION_1,
        .type = (unsigned char)type,
        .requestIdB1 = (unsigned char)(id >> 8),
        .requestIdB0 = (unsigned char)id,
        .contentLengthB1 = (unsigned char)(len >> 8),
        .contentLengthB0 = (unsigned char)len,
    };
    memcpy(h, &w, sizeof w);
}
