
/*
 * Copyright (C) apigw contributors
 */


/*
 * libFuzzer target: response caching's header rules and stored bytes
 * (apigw_cache.c).  The input, whole, is a Cache-Control, a Vary and an
 * Accept-Encoding value, and a stored response for
 * apigw_cache_response_read(); split at its first "\n", two headers of
 * each; split at every "\n", the parts of a response to write.
 *
 * Checks, besides the sanitizers: Cache-Control folds the same whatever
 * the order of its headers and however often one comes, its numbers are
 * -1 or 0 to 2^31 - 1, storable and refresh agree with the flags; Vary
 * and Accept-Encoding (without quotes) decide a list as they decide its
 * elements one by one, and Vary covers no more with fewer key parameters;
 * a response read lies within the bytes, and writing it again gives those
 * bytes exactly; a response written reads back the same.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_cache.h"


#define FUZZ_ALL  (APIGW_CACHE_GZIP | APIGW_CACHE_DEFLATE | APIGW_CACHE_BR   \
                   | APIGW_CACHE_ZSTD | APIGW_CACHE_COMPRESS)


static void
fuzz_fail(const char *what)
{
    fprintf(stderr, "fuzz_cache: %s\n", what);
    abort();
}


static int
fuzz_cc_equal(const apigw_cache_control_t *a, const apigw_cache_control_t *b)
{
    return a->max_age == b->max_age && a->s_maxage == b->s_maxage
           && a->no_store == b->no_store && a->no_cache == b->no_cache
           && a->private_ == b->private_ && a->public_ == b->public_;
}


static void
fuzz_cache_control(const char *v, size_t len, size_t cut)
{
    apigw_cache_control_t  one, ab, ba, twice;

    apigw_cache_control_init(&one);
    apigw_cache_control_parse(&one, v, len);

    twice = one;
    apigw_cache_control_parse(&twice, v, len);

    if (!fuzz_cc_equal(&one, &twice)) {
        fuzz_fail("Cache-Control: a header twice folds otherwise");
    }

    if (one.max_age < -1 || one.max_age > 2147483647L
        || one.s_maxage < -1 || one.s_maxage > 2147483647L)
    {
        fuzz_fail("Cache-Control: a number out of range");
    }

    if (apigw_cache_control_storable(&one)
        != (!one.no_store && !one.private_ && !one.no_cache)
        || apigw_cache_control_refresh(&one)
           != (one.max_age == 0 || one.no_cache))
    {
        fuzz_fail("Cache-Control: storable or refresh disagrees");
    }

    apigw_cache_control_init(&ab);
    apigw_cache_control_parse(&ab, v, cut);
    apigw_cache_control_parse(&ab, v + cut, len - cut);

    apigw_cache_control_init(&ba);
    apigw_cache_control_parse(&ba, v + cut, len - cut);
    apigw_cache_control_parse(&ba, v, cut);

    if (!fuzz_cc_equal(&ab, &ba)) {
        fuzz_fail("Cache-Control: two headers fold otherwise in the other "
                  "order");
    }
}


static void
fuzz_lists(const char *v, size_t len, const apigw_cache_conf_t *conf,
    const apigw_cache_conf_t *bare)
{
    int          vary, each, star;
    size_t       n;
    unsigned     enc, all;
    const char  *p, *end, *comma;

    vary = apigw_cache_vary_covered(conf, v, len);
    enc = apigw_cache_encodings(v, len);

    if ((vary != 0 && vary != 1) || (enc & ~FUZZ_ALL)) {
        fuzz_fail("Vary or Accept-Encoding: out of range");
    }

    if (apigw_cache_vary_covered(bare, v, len) && !vary) {
        fuzz_fail("Vary: covered by fewer key parameters, not by more");
    }

    /* quotes may hold commas: only lists without them split simply */
    if (memchr(v, '"', len) != NULL) {
        return;
    }

    each = 1;
    all = 0;
    star = 0;
    end = v + len;

    for (p = v; /* void */; p = comma + 1) {
        comma = memchr(p, ',', end - p);
        n = (comma ? comma : end) - p;

        each &= apigw_cache_vary_covered(conf, p, n);
        all |= apigw_cache_encodings(p, n);
        star |= (memchr(p, '*', n) != NULL);

        if (comma == NULL) {
            break;
        }
    }

    if (each != vary) {
        fuzz_fail("Vary: the list and its elements disagree");
    }

    /* "*" stands for what the others do not name: not element-wise */
    if (!star && all != enc) {
        fuzz_fail("Accept-Encoding: the list and its elements disagree");
    }
}


static void
fuzz_read(const unsigned char *buf, size_t len)
{
    size_t                   i;
    unsigned char           *out;
    const unsigned char     *b, *e;
    apigw_cache_header_t     headers[APIGW_CACHE_MAX_HEADERS];
    apigw_cache_response_t   resp;

    if (apigw_cache_response_read(buf, len, &resp, headers) != 0) {
        return;
    }

    b = buf;
    e = buf + len;

#define FUZZ_WITHIN(p, n)                                                     \
    ((const unsigned char *) (p) >= b && (n) <= (size_t) (e - b)              \
     && (const unsigned char *) (p) <= e - (n))

    if (resp.status < 100 || resp.status > 999
        || resp.nheaders > APIGW_CACHE_MAX_HEADERS
        || resp.headers != headers
        || !FUZZ_WITHIN(resp.content_type, resp.content_type_len)
        || !FUZZ_WITHIN(resp.body, resp.body_len))
    {
        fuzz_fail("read: a response out of bounds");
    }

    for (i = 0; i < resp.nheaders; i++) {
        if (!FUZZ_WITHIN(headers[i].name, headers[i].name_len)
            || !FUZZ_WITHIN(headers[i].value, headers[i].value_len))
        {
            fuzz_fail("read: a header out of bounds");
        }
    }

#undef FUZZ_WITHIN

    if (apigw_cache_response_size(&resp) != len) {
        fuzz_fail("read: the size of what was read is not the input's");
    }

    out = malloc(len);

    if (apigw_cache_response_write(out, &resp) != out + len
        || memcmp(out, buf, len) != 0)
    {
        fuzz_fail("read: written again, other bytes");
    }

    free(out);
}


/* the parts of the input as a response: written, read back the same */
static void
fuzz_write(const unsigned char *data, size_t size)
{
    size_t                   i, n, len;
    unsigned char           *buf;
    const unsigned char     *p, *end, *nl;
    apigw_cache_header_t     headers[APIGW_CACHE_MAX_HEADERS];
    apigw_cache_header_t     got_h[APIGW_CACHE_MAX_HEADERS];
    apigw_cache_response_t   resp, got;
    struct {
        const unsigned char *p;
        size_t               len;
    } parts[2 * APIGW_CACHE_MAX_HEADERS + 2];

    if (size < 2) {
        return;
    }

    p = data + 2;
    end = data + size;

    for (n = 0; n < sizeof(parts) / sizeof(parts[0]) - 1; n++) {
        nl = memchr(p, '\n', end - p);

        if (nl == NULL) {
            break;
        }

        parts[n].p = p;
        parts[n].len = nl - p;
        p = nl + 1;
    }

    /* the rest is the body */
    parts[n].p = p;
    parts[n].len = end - p;
    n++;

    resp.status = 100 + ((data[0] << 8) | data[1]) % 900;
    resp.content_type = (const char *) parts[0].p;
    resp.content_type_len = n > 1 ? parts[0].len : 0;
    resp.headers = headers;
    resp.nheaders = n > 1 ? (n - 2) / 2 : 0;
    resp.body = parts[n - 1].p;
    resp.body_len = parts[n - 1].len;

    for (i = 0; i < resp.nheaders; i++) {
        headers[i].name = (const char *) parts[1 + 2 * i].p;
        headers[i].name_len = parts[1 + 2 * i].len;
        headers[i].value = (const char *) parts[2 + 2 * i].p;
        headers[i].value_len = parts[2 + 2 * i].len;
    }

    len = apigw_cache_response_size(&resp);
    buf = malloc(len);

    if (apigw_cache_response_write(buf, &resp) != buf + len
        || apigw_cache_response_read(buf, len, &got, got_h) != 0)
    {
        fuzz_fail("write: not read back");
    }

    if (got.status != resp.status || got.nheaders != resp.nheaders
        || got.content_type_len != resp.content_type_len
        || memcmp(got.content_type, resp.content_type,
                  resp.content_type_len) != 0
        || got.body_len != resp.body_len
        || memcmp(got.body, resp.body, resp.body_len) != 0)
    {
        fuzz_fail("write: read back otherwise");
    }

    for (i = 0; i < resp.nheaders; i++) {
        if (got_h[i].name_len != headers[i].name_len
            || got_h[i].value_len != headers[i].value_len
            || memcmp(got_h[i].name, headers[i].name, headers[i].name_len)
               != 0
            || memcmp(got_h[i].value, headers[i].value, headers[i].value_len)
               != 0)
        {
            fuzz_fail("write: a header read back otherwise");
        }
    }

    /* one byte short: refused */
    if (apigw_cache_response_read(buf, len - 1, &got, got_h) != -1) {
        fuzz_fail("write: a truncated response read");
    }

    free(buf);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char                 *copy;
    size_t                cut;
    const char           *nl;
    apigw_cache_conf_t    conf, bare;

    static apigw_cache_param_t  params[] = {
        { APIGW_CACHE_PARAM_HEADER, "x-tenant", 8, 0 },
        { APIGW_CACHE_PARAM_QUERY, "origin", 6, 0 },
        { APIGW_CACHE_PARAM_HEADER, "accept", 6, 0 },
    };

    if (size > 65536) {
        return 0;
    }

    /* an exact copy: reads past the input's end are caught */
    copy = malloc(size ? size : 1);
    memcpy(copy, data, size);

    nl = memchr(copy, '\n', size);
    cut = nl ? (size_t) (nl - copy) : size;

    fuzz_cache_control(copy, size, cut);

    apigw_cache_conf_init(&bare);
    apigw_cache_conf_init(&conf);

    conf.params = params;
    conf.nparams = sizeof(params) / sizeof(params[0]);

    fuzz_lists(copy, size, &conf, &bare);
    fuzz_read((const unsigned char *) copy, size);
    fuzz_write((const unsigned char *) copy, size);

    free(copy);

    return 0;
}
