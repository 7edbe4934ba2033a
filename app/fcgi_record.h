#ifndef HELLO_FCGI_RECORD_H
#define HELLO_FCGI_RECORD_H

#include <stddef.h>

/* The FastCGI 1.0 record header, read and written in one place each, on
 * libfcgi's own definitions (fastcgi.h, from libfcgi-dev): every record
 * starts with an 8-byte FCGI_Header (version, type, request id, content
 * length, padding length, a reserved byte), then its content and padding. */
#include <fastcgi.h>

/* What fastcgi.h lacks: the most padding a record may carry (its
 * paddingLength is one byte). */
enum { FCGI_PADDING_MAX = 255 };

/* A record header, decoded. */
struct fcgi_record {
    unsigned version;
    unsigned type;       /* FCGI_BEGIN_REQUEST, FCGI_PARAMS, ... */
    unsigned request_id; /* 0 (FCGI_NULL_REQUEST_ID): a management record */
    size_t content_len;  /* 0 to FCGI_MAX_LENGTH */
    size_t padding_len;  /* 0 to FCGI_PADDING_MAX */
};

/* Reads the FCGI_HEADER_LEN bytes at h. Returns the header's fields. */
struct fcgi_record fcgi_record_decode(const unsigned char *h);

/* Writes a version 1 header without padding, for a record of type and
 * request id with len bytes of content (at most FCGI_MAX_LENGTH), into the
 * FCGI_HEADER_LEN bytes at h. */
void fcgi_record_encode(unsigned char *h, unsigned type, unsigned id, size_t len);

#endif
