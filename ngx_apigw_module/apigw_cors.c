
/*
 * Copyright (C) apigw contributors
 */


#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apigw_core.h"


/*
 * CORS decisions, as AWS's HTTP APIs make them: whether an origin, a
 * preflight's method and headers are allowed, and the Access-Control-*
 * values to send.  Origins match exactly (scheme://host[:port]) in any
 * case; methods and headers in any case.  GET, HEAD and POST are
 * CORS-safelisted: a browser sends them whatever Allow-Methods says.
 */


static int apigw_cors_listed(const apigw_cors_list_t *l, const char *s,
    size_t len);
static int apigw_cors_method_allowed(const apigw_cors_t *cors,
    const char *m, size_t len);
static int apigw_cors_headers_allowed(const apigw_cors_t *cors,
    const char *s, size_t len);
static void apigw_cors_origin_answer(const apigw_cors_t *cors,
    const char *origin, size_t olen, apigw_cors_answer_t *a);
static void apigw_cors_list_free(apigw_cors_list_t *l);


int
apigw_cors_preflight(const apigw_cors_t *cors, const char *origin,
    size_t olen, const char *method, size_t mlen, const char *headers,
    size_t hlen, apigw_cors_answer_t *a)
{
    memset(a, 0, sizeof(apigw_cors_answer_t));
    a->max_age = -1;

    while (hlen && (headers[hlen - 1] == ' ' || headers[hlen - 1] == '\t'
                    || headers[hlen - 1] == ','))
    {
        hlen--;
    }

    if (!apigw_cors_origin_allowed(cors, origin, olen)
        || !apigw_cors_method_allowed(cors, method, mlen)
        || !apigw_cors_headers_allowed(cors, headers, hlen))
    {
        return 0;
    }

    apigw_cors_origin_answer(cors, origin, olen, a);

    /* "*" echoes what was asked: a literal "*" is no wildcard with
     * credentials, nor does it cover Authorization */

    if (cors->methods.any) {
        a->allow_methods.data = method;
        a->allow_methods.len = mlen;

    } else if (cors->methods.n) {
        a->allow_methods.data = cors->methods.joined;
        a->allow_methods.len = cors->methods.joined_len;
    }

    if (cors->headers.any) {
        if (hlen) {
            a->allow_headers.data = headers;
            a->allow_headers.len = hlen;
        }

    } else if (cors->headers.n) {
        a->allow_headers.data = cors->headers.joined;
        a->allow_headers.len = cors->headers.joined_len;
    }

    a->max_age = cors->max_age;

    return 1;
}


int
apigw_cors_actual(const apigw_cors_t *cors, const char *origin, size_t olen,
    apigw_cors_answer_t *a)
{
    memset(a, 0, sizeof(apigw_cors_answer_t));
    a->max_age = -1;

    if (!apigw_cors_origin_allowed(cors, origin, olen)) {
        return 0;
    }

    apigw_cors_origin_answer(cors, origin, olen, a);

    if (cors->expose.any) {
        /* the load refuses it with credentials */
        a->expose_headers.data = "*";
        a->expose_headers.len = 1;

    } else if (cors->expose.n) {
        a->expose_headers.data = cors->expose.joined;
        a->expose_headers.len = cors->expose.joined_len;
    }

    return 1;
}


int
apigw_cors_origin_allowed(const apigw_cors_t *cors, const char *origin,
    size_t len)
{
    if (origin == NULL || len == 0) {
        return 0;
    }

    if (cors->origins.any) {
        return 1;
    }

    return apigw_cors_listed(&cors->origins, origin, len);
}


/* "scheme://host[:port]" with nothing after, or "*" */
int
apigw_cors_origin_valid(const char *s, size_t len, int any)
{
    size_t       i, host, digits;
    unsigned     port;
    const char  *end;

    if (len == 1 && s[0] == '*') {
        return any ? 0 : -1;
    }

    end = s + len;

    for (i = 0; i < len; i++) {
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')
              || (i && ((s[i] >= '0' && s[i] <= '9') || s[i] == '+'
                        || s[i] == '-' || s[i] == '.'))))
        {
            break;
        }
    }

    if (i == 0 || len - i < 4 || memcmp(s + i, "://", 3) != 0) {
        return -1;
    }

    s += i + 3;
    host = 0;

    if (s < end && *s == '[') {
        while (s < end && *s != ']') {
            s++;
        }

        if (s == end) {
            return -1;
        }

        s++;
        host = 3;
    }

    while (s < end && *s != ':') {
        if (*s <= ' ' || *s >= 0x7f || strchr("/?#@[]\\", *s) != NULL) {
            return -1;
        }

        s++;
        host++;
    }

    if (host == 0) {
        return -1;
    }

    if (s == end) {
        return 0;
    }

    s++;
    port = 0;

    for (digits = 0; s < end; s++, digits++) {
        if (*s < '0' || *s > '9' || digits == 5) {
            return -1;
        }

        port = port * 10 + (*s - '0');
    }

    return (digits && port <= 65535) ? 0 : -1;
}


void
apigw_cors_free(apigw_cors_t *cors)
{
    if (cors == NULL) {
        return;
    }

    apigw_cors_list_free(&cors->origins);
    apigw_cors_list_free(&cors->methods);
    apigw_cors_list_free(&cors->headers);
    apigw_cors_list_free(&cors->expose);
    free(cors);
}


static void
apigw_cors_list_free(apigw_cors_list_t *l)
{
    size_t  i;

    for (i = 0; i < l->n; i++) {
        free(l->items[i]);
    }

    free(l->items);
    free(l->joined);
}


static int
apigw_cors_listed(const apigw_cors_list_t *l, const char *s, size_t len)
{
    size_t  i;

    for (i = 0; i < l->n; i++) {
        if (strlen(l->items[i]) == len
            && strncasecmp(l->items[i], s, len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


static int
apigw_cors_method_allowed(const apigw_cors_t *cors, const char *m,
    size_t len)
{
    if (m == NULL || len == 0) {
        return 0;
    }

    if (cors->methods.any || apigw_cors_listed(&cors->methods, m, len)) {
        return 1;
    }

    return (len == 3 && strncasecmp(m, "GET", 3) == 0)
           || (len == 4 && strncasecmp(m, "HEAD", 4) == 0)
           || (len == 4 && strncasecmp(m, "POST", 4) == 0);
}


/* Access-Control-Request-Headers: "a, b,c"; every one must be allowed */
static int
apigw_cors_headers_allowed(const apigw_cors_t *cors, const char *s,
    size_t len)
{
    const char  *p, *end, *name;

    if (cors->headers.any) {
        return 1;
    }

    p = s;
    end = s + len;

    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == ',')) {
            p++;
        }

        name = p;

        while (p < end && *p != ',' && *p != ' ' && *p != '\t') {
            p++;
        }

        if (p > name && !apigw_cors_listed(&cors->headers, name, p - name)) {
            return 0;
        }
    }

    return 1;
}


/* the origin itself, or "*" when any goes and there are no credentials */
static void
apigw_cors_origin_answer(const apigw_cors_t *cors, const char *origin,
    size_t olen, apigw_cors_answer_t *a)
{
    if (cors->origins.any && !cors->credentials) {
        a->allow_origin.data = "*";
        a->allow_origin.len = 1;

    } else {
        a->allow_origin.data = origin;
        a->allow_origin.len = olen;
    }

    a->credentials = cors->credentials;
}
