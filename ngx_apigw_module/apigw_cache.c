
/*
 * Copyright (C) apigw contributors
 */


#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apigw_cache.h"


/*
 * Response caching without nginx: the rules that decide what is stored
 * and what a key holds, and a stored response's bytes:
 *
 *     "AGC1"                      magic, the last byte the version
 *     u16 status, u16 headers
 *     u32 length, content type
 *     each header: u32 length, name, u32 length, value
 *     u32 length, body
 *
 * integers big-endian, nothing after the body.
 */


#define APIGW_CACHE_MAGIC       "AGC1"
#define APIGW_CACHE_MAGIC_LEN   4
#define APIGW_CACHE_FIXED_LEN   (APIGW_CACHE_MAGIC_LEN + 4)

/* RFC 9111 5.1: a larger delta-seconds is taken as 2^31 (here, less 1) */
#define APIGW_CACHE_DELTA_MAX   2147483647L

#define APIGW_CACHE_ALL         (APIGW_CACHE_GZIP | APIGW_CACHE_DEFLATE     \
                                 | APIGW_CACHE_BR | APIGW_CACHE_ZSTD        \
                                 | APIGW_CACHE_COMPRESS)


/* one element of a header's comma-separated list */
typedef struct {
    const char               *name;     /* the token before "=" or ";" */
    size_t                    name_len;
    const char               *value;    /* after "=", unquoted; NULL: none */
    size_t                    value_len;
    const char               *params;   /* after the name and value */
    size_t                    params_len;
} apigw_cache_item_t;


static const char *apigw_cache_next(const char *p, const char *end,
    apigw_cache_item_t *item);
static const char *apigw_cache_skip_quoted(const char *p, const char *end);
static int apigw_cache_is(const apigw_cache_item_t *item, const char *name);
static long apigw_cache_seconds(const apigw_cache_item_t *item);
static void apigw_cache_min(long *field, long value);
static int apigw_cache_header_covered(const apigw_cache_conf_t *conf,
    const char *name, size_t len);
static unsigned apigw_cache_coding(const char *name, size_t len);
static const char *apigw_cache_q(const char *p, const char *end);
static int apigw_cache_q_zero(const char *p, const char *end);
static uint32_t apigw_cache_get_u32(const unsigned char *p);
static const unsigned char *apigw_cache_get_field(const unsigned char *p,
    const unsigned char *end, const char **data, size_t *len);


void
apigw_cache_conf_init(apigw_cache_conf_t *conf)
{
    memset(conf, 0, sizeof(apigw_cache_conf_t));

    conf->ttl = -1;
    conf->enabled = -1;
    conf->require_authorization = -1;
    conf->unauthorized = APIGW_CACHE_UNAUTHORIZED_UNSET;
}


void
apigw_cache_conf_free(apigw_cache_conf_t *conf)
{
    size_t  i;

    for (i = 0; i < conf->nparams; i++) {
        free(conf->params[i].name);
    }

    free(conf->params);
    free(conf->ns);
    free(conf->statuses);

    conf->params = NULL;
    conf->nparams = 0;
    conf->ns = NULL;
    conf->ns_len = 0;
    conf->statuses = NULL;
    conf->nstatuses = 0;
}


int
apigw_cache_status_stored(const apigw_cache_conf_t *conf, int status)
{
    size_t  i;

    if (conf->statuses == NULL) {
        return status >= 200 && status <= 299;
    }

    for (i = 0; i < conf->nstatuses; i++) {
        if (conf->statuses[i] == status) {
            return 1;
        }
    }

    return 0;
}


void
apigw_cache_control_init(apigw_cache_control_t *cc)
{
    memset(cc, 0, sizeof(apigw_cache_control_t));

    cc->max_age = -1;
    cc->s_maxage = -1;
}


/*
 * a directive given twice, in one header or in several, keeps the
 * smaller value: the one that keeps a response fresh for less
 */
void
apigw_cache_control_parse(apigw_cache_control_t *cc, const char *v,
    size_t len)
{
    const char          *p;
    apigw_cache_item_t   item;

    p = v;

    while ((p = apigw_cache_next(p, v + len, &item)) != NULL) {
        if (apigw_cache_is(&item, "max-age")) {
            apigw_cache_min(&cc->max_age, apigw_cache_seconds(&item));

        } else if (apigw_cache_is(&item, "s-maxage")) {
            apigw_cache_min(&cc->s_maxage, apigw_cache_seconds(&item));

        } else if (apigw_cache_is(&item, "no-store")) {
            cc->no_store = 1;

        } else if (apigw_cache_is(&item, "no-cache")) {
            /* no-cache="Set-Cookie": all of it, not only those fields */
            cc->no_cache = 1;

        } else if (apigw_cache_is(&item, "private")) {
            cc->private_ = 1;

        } else if (apigw_cache_is(&item, "public")) {
            cc->public_ = 1;
        }
    }
}


int
apigw_cache_control_storable(const apigw_cache_control_t *cc)
{
    return !cc->no_store && !cc->private_ && !cc->no_cache;
}


int
apigw_cache_control_refresh(const apigw_cache_control_t *cc)
{
    return cc->max_age == 0 || cc->no_cache;
}


int
apigw_cache_vary_covered(const apigw_cache_conf_t *conf, const char *v,
    size_t len)
{
    const char          *p;
    apigw_cache_item_t   item;

    p = v;

    while ((p = apigw_cache_next(p, v + len, &item)) != NULL) {
        /* "a b", "a=b": no header's name, so none the key covers */
        if (item.value != NULL || item.params_len != 0
            || (item.name_len == 1 && item.name[0] == '*'))
        {
            return 0;
        }

        if (apigw_cache_is(&item, "accept-encoding")) {
            continue;
        }

        if (!apigw_cache_header_covered(conf, item.name, item.name_len)) {
            return 0;
        }
    }

    return 1;
}


unsigned
apigw_cache_encodings(const char *v, size_t len)
{
    unsigned             coding, accepted, listed, star;
    const char          *p, *q;
    apigw_cache_item_t   item;

    accepted = 0;
    listed = 0;
    star = 0;

    p = v;

    while ((p = apigw_cache_next(p, v + len, &item)) != NULL) {
        coding = apigw_cache_coding(item.name, item.name_len);

        if (coding == 0 && !(item.name_len == 1 && item.name[0] == '*')) {
            continue;
        }

        /* the weight: ";q=0" (to ";q=0.000") refuses the coding */
        q = apigw_cache_q(item.params, item.params + item.params_len);

        if (q != NULL
            && apigw_cache_q_zero(q, item.params + item.params_len))
        {
            listed |= coding;
            continue;
        }

        if (coding == 0) {
            star = 1;

        } else {
            listed |= coding;
            accepted |= coding;
        }
    }

    /* "*" stands for the codings not named */
    if (star) {
        accepted |= APIGW_CACHE_ALL & ~listed;
    }

    return accepted;
}


unsigned char *
apigw_cache_key_field(unsigned char *p, const void *data, size_t len)
{
    p[0] = (unsigned char) (len >> 24);
    p[1] = (unsigned char) (len >> 16);
    p[2] = (unsigned char) (len >> 8);
    p[3] = (unsigned char) len;

    if (len) {
        memcpy(p + 4, data, len);
    }

    return p + 4 + len;
}


size_t
apigw_cache_response_size(const apigw_cache_response_t *resp)
{
    size_t  i, size;

    size = APIGW_CACHE_FIXED_LEN
           + APIGW_CACHE_FIELD_LEN(resp->content_type_len)
           + APIGW_CACHE_FIELD_LEN(resp->body_len);

    for (i = 0; i < resp->nheaders; i++) {
        size += APIGW_CACHE_FIELD_LEN(resp->headers[i].name_len)
                + APIGW_CACHE_FIELD_LEN(resp->headers[i].value_len);
    }

    return size;
}


unsigned char *
apigw_cache_response_write(unsigned char *p,
    const apigw_cache_response_t *resp)
{
    size_t                       i;
    const apigw_cache_header_t  *h;

    memcpy(p, APIGW_CACHE_MAGIC, APIGW_CACHE_MAGIC_LEN);
    p += APIGW_CACHE_MAGIC_LEN;

    *p++ = (unsigned char) (resp->status >> 8);
    *p++ = (unsigned char) resp->status;
    *p++ = (unsigned char) (resp->nheaders >> 8);
    *p++ = (unsigned char) resp->nheaders;

    p = apigw_cache_key_field(p, resp->content_type, resp->content_type_len);

    for (i = 0; i < resp->nheaders; i++) {
        h = &resp->headers[i];

        p = apigw_cache_key_field(p, h->name, h->name_len);
        p = apigw_cache_key_field(p, h->value, h->value_len);
    }

    return apigw_cache_key_field(p, resp->body, resp->body_len);
}


int
apigw_cache_response_read(const unsigned char *buf, size_t len,
    apigw_cache_response_t *resp, apigw_cache_header_t *headers)
{
    size_t                i, n;
    const char           *body;
    apigw_cache_header_t *h;
    const unsigned char  *p, *end;

    if (buf == NULL || len < APIGW_CACHE_FIXED_LEN
        || memcmp(buf, APIGW_CACHE_MAGIC, APIGW_CACHE_MAGIC_LEN) != 0)
    {
        return -1;
    }

    p = buf + APIGW_CACHE_MAGIC_LEN;
    end = buf + len;
    body = NULL;

    resp->status = (p[0] << 8) | p[1];
    n = (p[2] << 8) | p[3];
    p += 4;

    if (resp->status < 100 || resp->status > 999
        || n > APIGW_CACHE_MAX_HEADERS)
    {
        return -1;
    }

    p = apigw_cache_get_field(p, end, &resp->content_type,
                              &resp->content_type_len);

    for (i = 0; i < n && p != NULL; i++) {
        h = &headers[i];

        p = apigw_cache_get_field(p, end, &h->name, &h->name_len);

        if (p != NULL) {
            p = apigw_cache_get_field(p, end, &h->value, &h->value_len);
        }
    }

    if (p != NULL) {
        p = apigw_cache_get_field(p, end, &body, &resp->body_len);
    }

    if (p != end) {
        return -1;
    }

    resp->headers = headers;
    resp->nheaders = n;
    resp->body = (const unsigned char *) body;

    return 0;
}


/*
 * the list element at p: "name", "name=token", "name="quoted, with ,""
 * and anything up to the next comma outside quotes as its parameters;
 * NULL when the list is done.  Empty elements are skipped.
 */
static const char *
apigw_cache_next(const char *p, const char *end, apigw_cache_item_t *item)
{
    const char  *start;

    for ( ;; ) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == ',')) {
            p++;
        }

        if (p == end) {
            return NULL;
        }

        item->name = p;

        while (p < end && *p != '=' && *p != ';' && *p != ',' && *p != ' '
               && *p != '\t')
        {
            p++;
        }

        item->name_len = p - item->name;
        item->value = NULL;
        item->value_len = 0;

        if (p < end && *p == '=') {
            p++;
            start = p;

            if (p < end && *p == '"') {
                p = apigw_cache_skip_quoted(p, end);

                /* without its closing quote: no value */
                if (p < end) {
                    item->value = start + 1;
                    item->value_len = p - start - 1;
                    p++;
                }

            } else {
                while (p < end && *p != ',' && *p != ';' && *p != ' '
                       && *p != '\t')
                {
                    p++;
                }

                item->value = start;
                item->value_len = p - start;
            }
        }

        while (p < end && (*p == ' ' || *p == '\t')) {
            p++;
        }

        start = p;

        while (p < end && *p != ',') {
            if (*p == '"') {
                p = apigw_cache_skip_quoted(p, end);

                if (p == end) {
                    break;
                }
            }

            p++;
        }

        item->params = start;
        item->params_len = p - start;

        if (item->name_len != 0) {
            return p;
        }
    }
}


/* p at an opening quote: the closing one, or end */
static const char *
apigw_cache_skip_quoted(const char *p, const char *end)
{
    for (p++; p < end && *p != '"'; p++) {
        if (*p == '\\' && p + 1 < end) {
            p++;
        }
    }

    return p;
}


static int
apigw_cache_is(const apigw_cache_item_t *item, const char *name)
{
    return item->name_len == strlen(name)
           && strncasecmp(item->name, name, item->name_len) == 0;
}


/* delta-seconds, quoted or not; -1 when it is not one */
static long
apigw_cache_seconds(const apigw_cache_item_t *item)
{
    int     d;
    long    n;
    size_t  i;

    if (item->value == NULL || item->value_len == 0
        || item->params_len != 0)
    {
        return -1;
    }

    n = 0;

    for (i = 0; i < item->value_len; i++) {
        if (item->value[i] < '0' || item->value[i] > '9') {
            return -1;
        }

        d = item->value[i] - '0';
        n = (n > (APIGW_CACHE_DELTA_MAX - d) / 10) ? APIGW_CACHE_DELTA_MAX
                                                   : n * 10 + d;
    }

    return n;
}


static void
apigw_cache_min(long *field, long value)
{
    if (value >= 0 && (*field < 0 || value < *field)) {
        *field = value;
    }
}


static int
apigw_cache_header_covered(const apigw_cache_conf_t *conf, const char *name,
    size_t len)
{
    size_t                      i;
    const apigw_cache_param_t  *param;

    for (i = 0; i < conf->nparams; i++) {
        param = &conf->params[i];

        if (param->in == APIGW_CACHE_PARAM_HEADER && param->name_len == len
            && strncasecmp(param->name, name, len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


static unsigned
apigw_cache_coding(const char *name, size_t len)
{
    size_t  i;

    static const struct {
        const char  *name;
        unsigned     coding;
    } codings[] = {
        { "gzip", APIGW_CACHE_GZIP },
        { "x-gzip", APIGW_CACHE_GZIP },
        { "deflate", APIGW_CACHE_DEFLATE },
        { "br", APIGW_CACHE_BR },
        { "zstd", APIGW_CACHE_ZSTD },
        { "compress", APIGW_CACHE_COMPRESS },
        { "x-compress", APIGW_CACHE_COMPRESS },
        { NULL, 0 }
    };

    for (i = 0; codings[i].name; i++) {
        if (strlen(codings[i].name) == len
            && strncasecmp(codings[i].name, name, len) == 0)
        {
            return codings[i].coding;
        }
    }

    return 0;
}


/* the value of the parameter "q" among ";a=b;q=1": NULL when none */
static const char *
apigw_cache_q(const char *p, const char *end)
{
    while ((p = memchr(p, ';', end - p)) != NULL) {
        for (p++; p < end && (*p == ' ' || *p == '\t'); p++) {
            /* void */
        }

        if (end - p >= 2 && (*p == 'q' || *p == 'Q') && p[1] == '=') {
            return p + 2;
        }
    }

    return NULL;
}


/* "0", "0.", "0.0" to "0.000", then white space or the next parameter */
static int
apigw_cache_q_zero(const char *p, const char *end)
{
    size_t  zeros;

    if (p == end || *p++ != '0') {
        return 0;
    }

    if (p < end && *p == '.') {
        for (p++, zeros = 0; p < end && *p == '0'; p++, zeros++) {
            /* void */
        }

        if (zeros > 3) {
            return 0;
        }
    }

    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }

    return p == end || *p == ';';
}


static uint32_t
apigw_cache_get_u32(const unsigned char *p)
{
    return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16)
           | ((uint32_t) p[2] << 8) | p[3];
}


/* the field at p, within end: the next one, or NULL */
static const unsigned char *
apigw_cache_get_field(const unsigned char *p, const unsigned char *end,
    const char **data, size_t *len)
{
    uint32_t  n;

    if (end - p < 4) {
        return NULL;
    }

    n = apigw_cache_get_u32(p);
    p += 4;

    if ((size_t) (end - p) < n) {
        return NULL;
    }

    *data = (const char *) p;
    *len = n;

    return p + n;
}
