
/*
 * Copyright (C) apigw contributors
 */


#include <string.h>

#include "apigw_trace.h"


static int apigw_trace_unhex(const char *s, size_t len, unsigned char *out);
static int apigw_trace_zero(const unsigned char *p, size_t len);


int
apigw_traceparent_parse(const char *s, size_t len, apigw_trace_t *t)
{
    unsigned char  version, flags;

    if (len < APIGW_TRACEPARENT_LEN
        || !apigw_trace_unhex(s, 2, &version) || version == 0xff
        || s[2] != '-' || s[35] != '-' || s[52] != '-'
        || !apigw_trace_unhex(s + 3, 32, t->trace_id)
        || !apigw_trace_unhex(s + 36, 16, t->parent_id)
        || !apigw_trace_unhex(s + 53, 2, &flags))
    {
        return 0;
    }

    /* version 00 is exactly this; a later one may add "-..." */
    if ((version == 0 && len != APIGW_TRACEPARENT_LEN)
        || (version != 0 && len > APIGW_TRACEPARENT_LEN
            && s[APIGW_TRACEPARENT_LEN] != '-'))
    {
        return 0;
    }

    if (apigw_trace_zero(t->trace_id, 16) || apigw_trace_zero(t->parent_id, 8))
    {
        return 0;
    }

    t->flags = flags & 0x01;

    return 1;
}


int
apigw_xray_parse(const char *s, size_t len, apigw_trace_t *t)
{
    int          root;
    size_t       n;
    const char  *p, *end, *semi;

    root = 0;
    memset(t, 0, sizeof(apigw_trace_t));

    for (p = s, end = s + len; p < end; p = semi + 1) {
        semi = memchr(p, ';', end - p);
        if (semi == NULL) {
            semi = end;
        }

        while (p < semi && *p == ' ') {
            p++;
        }

        n = semi - p;

        if (n == 5 + 35 && memcmp(p, "Root=1-", 7) == 0 && p[15] == '-'
            && apigw_trace_unhex(p + 7, 8, t->trace_id)
            && apigw_trace_unhex(p + 16, 24, t->trace_id + 4))
        {
            root = 1;

        } else if (n == 7 + 16 && memcmp(p, "Parent=", 7) == 0) {
            if (!apigw_trace_unhex(p + 7, 16, t->parent_id)) {
                memset(t->parent_id, 0, 8);
            }

        } else if (n == 9 && memcmp(p, "Sampled=1", 9) == 0) {
            t->flags = 0x01;
        }

        if (semi == end) {
            break;
        }
    }

    return root && !apigw_trace_zero(t->trace_id, 16);
}


void
apigw_traceparent_format(const apigw_trace_t *t, const unsigned char span[8],
    char *out)
{
    memcpy(out, "00-", 3);
    apigw_trace_hex(t->trace_id, 16, out + 3);
    out[35] = '-';
    apigw_trace_hex(span, 8, out + 36);
    out[52] = '-';
    out[53] = '0';
    out[54] = (t->flags & 0x01) ? '1' : '0';
}


size_t
apigw_xray_format(const apigw_trace_t *t, const unsigned char span[8],
    char *out)
{
    char  *p;

    p = out;
    memcpy(p, "Root=1-", 7);
    p += 7;
    apigw_trace_hex(t->trace_id, 4, p);
    p += 8;
    *p++ = '-';
    apigw_trace_hex(t->trace_id + 4, 12, p);
    p += 24;
    memcpy(p, ";Parent=", 8);
    p += 8;
    apigw_trace_hex(span, 8, p);
    p += 16;
    memcpy(p, ";Sampled=", 9);
    p += 9;
    *p++ = (t->flags & 0x01) ? '1' : '0';

    return p - out;
}


void
apigw_trace_hex(const unsigned char *in, size_t len, char *out)
{
    size_t  i;

    /* two digits a byte: on every proxied request */
    static const char  pairs[] =
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
        "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
        "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
        "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
        "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
        "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
        "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
        "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

    for (i = 0; i < len; i++) {
        memcpy(out + 2 * i, pairs + 2 * in[i], 2);
    }
}


size_t
apigw_xray_from_traceparent(const char *tp, char *out)
{
    char  *p;

    p = out;
    memcpy(p, "Root=1-", 7);
    p += 7;
    memcpy(p, tp + 3, 8);
    p += 8;
    *p++ = '-';
    memcpy(p, tp + 11, 24);
    p += 24;
    memcpy(p, ";Parent=", 8);
    p += 8;
    memcpy(p, tp + 36, 16);
    p += 16;
    memcpy(p, ";Sampled=", 9);
    p += 9;
    *p++ = tp[54];

    return p - out;
}


/* lower-case hex only, as traceparent requires */
static int
apigw_trace_unhex(const char *s, size_t len, unsigned char *out)
{
    int     hi, lo;
    size_t  i;

    for (i = 0; i < len; i += 2) {
        hi = (s[i] >= '0' && s[i] <= '9') ? s[i] - '0'
             : (s[i] >= 'a' && s[i] <= 'f') ? s[i] - 'a' + 10 : -1;
        lo = (s[i + 1] >= '0' && s[i + 1] <= '9') ? s[i + 1] - '0'
             : (s[i + 1] >= 'a' && s[i + 1] <= 'f') ? s[i + 1] - 'a' + 10
             : -1;

        if (hi < 0 || lo < 0) {
            return 0;
        }

        out[i / 2] = (unsigned char) (hi << 4 | lo);
    }

    return 1;
}


static int
apigw_trace_zero(const unsigned char *p, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if (p[i]) {
            return 0;
        }
    }

    return 1;
}
