
/*
 * Copyright (C) apigw contributors
 */


/* base64 for isBase64Encoded bodies, strings kept by a request */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_fn_int.h"


static const char  apigw_fn_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";


char *
apigw_fn_base64_encode(const void *data, size_t len, size_t *out)
{
    char                 *dst, *p;
    size_t                i;
    unsigned              v;
    const unsigned char  *s;

    s = data;
    dst = malloc((len + 2) / 3 * 4 + 1);

    if (dst == NULL) {
        return NULL;
    }

    p = dst;

    for (i = 0; i + 2 < len; i += 3) {
        v = s[i] << 16 | s[i + 1] << 8 | s[i + 2];
        *p++ = apigw_fn_b64[v >> 18 & 63];
        *p++ = apigw_fn_b64[v >> 12 & 63];
        *p++ = apigw_fn_b64[v >> 6 & 63];
        *p++ = apigw_fn_b64[v & 63];
    }

    if (i < len) {
        v = s[i] << 16 | (i + 1 < len ? s[i + 1] << 8 : 0);
        *p++ = apigw_fn_b64[v >> 18 & 63];
        *p++ = apigw_fn_b64[v >> 12 & 63];
        *p++ = i + 1 < len ? apigw_fn_b64[v >> 6 & 63] : '=';
        *p++ = '=';
    }

    *p = '\0';

    if (out != NULL) {
        *out = p - dst;
    }

    return dst;
}


/* standard or URL alphabet, padding optional; NULL on anything else */

char *
apigw_fn_base64_decode(const char *in, size_t len, size_t *out)
{
    int            v;
    char          *dst;
    size_t         i, n;
    unsigned       acc, bits;
    unsigned char  c;

    dst = malloc(len / 4 * 3 + 4);

    if (dst == NULL) {
        return NULL;
    }

    acc = 0;
    bits = 0;
    n = 0;

    for (i = 0; i < len; i++) {
        c = in[i];

        if (c == '=') {
            break;
        }

        if (c >= 'A' && c <= 'Z') {
            v = c - 'A';

        } else if (c >= 'a' && c <= 'z') {
            v = c - 'a' + 26;

        } else if (c >= '0' && c <= '9') {
            v = c - '0' + 52;

        } else if (c == '+' || c == '-') {
            v = 62;

        } else if (c == '/' || c == '_') {
            v = 63;

        } else {
            free(dst);
            return NULL;
        }

        acc = (acc << 6 | v) & 0xffffff;
        bits += 6;

        if (bits >= 8) {
            bits -= 8;
            dst[n++] = (char) (acc >> bits);
        }
    }

    for ( ; i < len; i++) {
        if (in[i] != '=') {
            free(dst);
            return NULL;
        }
    }

    dst[n] = '\0';
    *out = n;

    return dst;
}


const char *
apigw_fn_keep(apigw_fn_request_t *req, const char *s, size_t len)
{
    json_t  *str;

    if (req->scratch == NULL) {
        req->scratch = json_array();

        if (req->scratch == NULL) {
            return NULL;
        }
    }

    str = json_stringn_nocheck(s, len);

    if (str == NULL || json_array_append_new(req->scratch, str) != 0) {
        return NULL;
    }

    return json_string_value(str);
}


int
apigw_fn_strcaseeq(const char *a, const char *b)
{
    for ( ; *a && *b; a++, b++) {
        if (tolower((unsigned char) *a) != tolower((unsigned char) *b)) {
            return 0;
        }
    }

    return *a == *b;
}


json_t *
apigw_fn_member(json_t *obj, const char *name)
{
    return json_is_object(obj) ? json_object_get(obj, name) : NULL;
}


json_t *
apigw_fn_member_nocase(json_t *obj, const char *name)
{
    json_t      *v;
    const char  *key;

    if (!json_is_object(obj)) {
        return NULL;
    }

    v = json_object_get(obj, name);

    if (v != NULL) {
        return v;
    }

    json_object_foreach(obj, key, v) {
        if (apigw_fn_strcaseeq(key, name)) {
            return v;
        }
    }

    return NULL;
}
