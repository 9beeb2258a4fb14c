
/*
 * Copyright (C) apigw contributors
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <openssl/crypto.h>

#include "apigw_authorizer.h"


/*
 * A request's identity, for an authorizer: the values of its identity
 * sources (a header in any case, a query parameter, a stage variable, a
 * $context variable), the token checked against the validation
 * expression, and the key of the result cache, a digest of them.
 */


static int apigw_authz_find(const apigw_pair_t *pairs, size_t n,
    const char *name, size_t len, int icase, apigw_event_str_t *value);
static int apigw_authz_context_value(const apigw_event_request_t *rq,
    int index, char *scratch, apigw_event_str_t *value);
static unsigned char *apigw_authz_put_len(unsigned char *p, uint64_t len);


apigw_authz_rc_e
apigw_authz_identity(const apigw_authorizer_t *a,
    const apigw_event_request_t *rq, apigw_authz_identity_t *id,
    char *errbuf, size_t errlen)
{
    int                          rc;
    size_t                       i;
    apigw_event_str_t           *v;
    const apigw_authz_source_t  *src;

    static const char  *where[] = {
        "header", "query parameter", "stage variable", "context variable"
    };

    id->n = 0;

    for (i = 0; i < a->nsources; i++) {
        src = &a->sources[i];
        v = &id->values[i];
        v->data = NULL;
        v->len = 0;

        switch (src->in) {

        case APIGW_AUTHZ_SOURCE_HEADER:
            rc = apigw_authz_find(rq->headers, rq->nheaders, src->name,
                                  src->name_len, 1, v);
            break;

        case APIGW_AUTHZ_SOURCE_QUERY:
            rc = apigw_authz_find(rq->query_params, rq->nquery_params,
                                  src->name, src->name_len, 0, v);
            break;

        case APIGW_AUTHZ_SOURCE_STAGE_VAR:
            rc = apigw_authz_find(rq->stage_vars, rq->nstage_vars,
                                  src->name, src->name_len, 0, v);
            break;

        default: /* APIGW_AUTHZ_SOURCE_CONTEXT */
            rc = apigw_authz_context_value(rq, src->context, id->scratch[i],
                                           v);
            break;
        }

        if (rc < 0) {
            snprintf(errbuf, errlen, "the identity source %s \"%s\" is "
                     "given twice with different values", where[src->in],
                     src->name);
            return APIGW_AUTHZ_UNAUTHORIZED;
        }

        if (v->len == 0) {
            snprintf(errbuf, errlen, "the identity source %s \"%s\" is "
                     "missing or empty", where[src->in], src->name);
            return APIGW_AUTHZ_UNAUTHORIZED;
        }

        if (v->len > APIGW_AUTHZ_IDENTITY_MAX) {
            snprintf(errbuf, errlen, "the identity source %s \"%s\" is "
                     "longer than %d bytes", where[src->in], src->name,
                     APIGW_AUTHZ_IDENTITY_MAX);
            return APIGW_AUTHZ_UNAUTHORIZED;
        }

        id->n = i + 1;
    }

    if (a->type != APIGW_AUTHZ_TOKEN) {
        return APIGW_AUTHZ_OK;
    }

    rc = apigw_authz_valid(a, id->values[0].data, id->values[0].len);

    if (rc != 1) {
        snprintf(errbuf, errlen, "the token does not match the "
                 "identityValidationExpression%s",
                 rc == 0 ? "" : " (the match gave up)");
        return APIGW_AUTHZ_UNAUTHORIZED;
    }

    return APIGW_AUTHZ_OK;
}


int
apigw_authz_valid(const apigw_authorizer_t *a, const char *s, size_t len)
{
    int                rc;
    pcre2_match_data  *md;

    if (a->regex == NULL) {
        return 1;
    }

    md = pcre2_match_data_create_from_pattern(a->regex, NULL);
    if (md == NULL) {
        return -1;
    }

    rc = pcre2_match(a->regex, (PCRE2_SPTR) s, len, 0, 0, md, a->match_ctx);
    pcre2_match_data_free(md);

    if (rc >= 0) {
        return 1;
    }

    return rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}


/* 1 found (or not: value empty), -1 given twice with different values */
static int
apigw_authz_find(const apigw_pair_t *pairs, size_t n, const char *name,
    size_t len, int icase, apigw_event_str_t *value)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        if (pairs[i].name_len != len
            || (icase ? strncasecmp(pairs[i].name, name, len) != 0
                      : memcmp(pairs[i].name, name, len) != 0))
        {
            continue;
        }

        if (value->data == NULL) {
            value->data = pairs[i].value ? pairs[i].value : "";
            value->len = pairs[i].value ? pairs[i].value_len : 0;
            continue;
        }

        if (pairs[i].value_len != value->len
            || (value->len
                && memcmp(pairs[i].value, value->data, value->len) != 0))
        {
            return -1;
        }
    }

    return 1;
}


static int
apigw_authz_context_value(const apigw_event_request_t *rq, int index,
    char *scratch, apigw_event_str_t *value)
{
    apigw_event_str_t  none;

    none.data = NULL;
    none.len = 0;

    switch (index) {

    case APIGW_CTX_REQUEST_ID:
    case APIGW_CTX_EXTENDED_REQUEST_ID:
        *value = rq->request_id;
        break;

    case APIGW_CTX_STAGE:
        *value = rq->stage;

        if (value->len == 0) {
            value->data = "$default";
            value->len = 8;
        }

        break;

    case APIGW_CTX_API_ID:
        *value = rq->api_id;
        break;

    case APIGW_CTX_HTTP_METHOD:
        *value = rq->method;
        break;

    case APIGW_CTX_RESOURCE_PATH:
        *value = rq->resource;
        break;

    case APIGW_CTX_RESOURCE_ID:
        value->len = apigw_authz_resource_id(&rq->resource, scratch);
        value->data = scratch;
        break;

    case APIGW_CTX_PATH:
        *value = rq->full_path;
        break;

    case APIGW_CTX_PROTOCOL:
        *value = rq->protocol;
        break;

    case APIGW_CTX_DOMAIN_NAME:
        *value = none;
        return apigw_authz_find(rq->headers, rq->nheaders, "host", 4, 1,
                                value);

    case APIGW_CTX_REQUEST_TIME:
        value->len = apigw_authz_format_time(rq->time_ms, scratch);
        value->data = scratch;
        break;

    case APIGW_CTX_REQUEST_TIME_EPOCH:
        value->len = snprintf(scratch, 32, "%lld", (long long) rq->time_ms);
        value->data = scratch;
        break;

    case APIGW_CTX_SOURCE_IP:
        *value = rq->source_ip;
        break;

    case APIGW_CTX_USER_AGENT:
        *value = none;
        return apigw_authz_find(rq->headers, rq->nheaders, "user-agent", 10,
                                1, value);

    case APIGW_CTX_OPERATION_NAME:
        *value = rq->operation;
        break;

    default:
        *value = none;
        break;
    }

    return 1;
}


/*
 * "05c7jb": six base-36 characters from the resource's template.  The last
 * template's, and the last second's text below, are kept (a worker is one
 * thread): a function's calls mostly repeat both.
 */
size_t
apigw_authz_resource_id(const apigw_event_str_t *resource, char *out)
{
    size_t         i;
    unsigned char  md[APIGW_SHA256_LEN];

    static char    last[128], last_id[7];
    static size_t  last_len = (size_t) -1;

    if (resource->len == last_len
        && (last_len == 0 || memcmp(resource->data, last, last_len) == 0))
    {
        memcpy(out, last_id, 7);
        return 6;
    }

    apigw_sha256(resource->data ? resource->data : "", resource->len, md);

    for (i = 0; i < 6; i++) {
        out[i] = "0123456789abcdefghijklmnopqrstuvwxyz"[md[i] % 36];
    }

    out[6] = '\0';

    if (resource->len <= sizeof(last)) {
        if (resource->len) {
            memcpy(last, resource->data, resource->len);
        }

        last_len = resource->len;
        memcpy(last_id, out, 7);
    }

    return 6;
}


/* "12/Mar/2020:19:03:58 +0000", what requestTime looks like */
size_t
apigw_authz_format_time(int64_t ms, char *out)
{
    time_t     t;
    struct tm  tm;

    static time_t       last = -1;
    static size_t       last_len;
    static char         last_text[32];
    static const char  *months[] = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
        "Nov", "Dec"
    };

    t = (time_t) (ms >= 0 ? ms / 1000 : 0);

    if (t == last) {
        memcpy(out, last_text, last_len + 1);
        return last_len;
    }

    if (gmtime_r(&t, &tm) == NULL || tm.tm_year > 8099) {
        memset(&tm, 0, sizeof(struct tm));
        tm.tm_mday = 1;
        tm.tm_year = 70;
    }

    last_len = (size_t) snprintf(last_text, sizeof(last_text),
                                 "%02d/%s/%04d:%02d:%02d:%02d +0000",
                                 tm.tm_mday, months[tm.tm_mon],
                                 tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                                 tm.tm_sec);
    last = t;

    memcpy(out, last_text, last_len + 1);

    return last_len;
}


int
apigw_authz_cache_key(const apigw_authorizer_t *a, const char *scope,
    size_t scope_len, const apigw_authz_identity_t *id,
    unsigned char key[APIGW_SHA256_LEN])
{
    size_t          i, len;
    unsigned char   stack[2048], *buf, *p;

    /* "apigw-authz-1", the definition, then length-prefixed parts */
    len = 14 + APIGW_SHA256_LEN + 8 + scope_len + 8;

    for (i = 0; i < id->n; i++) {
        len += 8 + id->values[i].len;
    }

    buf = (len <= sizeof(stack)) ? stack : malloc(len);
    if (buf == NULL) {
        return -1;
    }

    p = buf;
    memcpy(p, "apigw-authz-1", 14);
    p += 14;
    memcpy(p, a->id, APIGW_SHA256_LEN);
    p += APIGW_SHA256_LEN;
    p = apigw_authz_put_len(p, scope_len);

    if (scope_len) {
        memcpy(p, scope, scope_len);
        p += scope_len;
    }

    p = apigw_authz_put_len(p, id->n);

    for (i = 0; i < id->n; i++) {
        p = apigw_authz_put_len(p, id->values[i].len);

        if (id->values[i].len) {
            memcpy(p, id->values[i].data, id->values[i].len);
            p += id->values[i].len;
        }
    }

    apigw_sha256(buf, p - buf, key);

    /* identity values are credentials */
    OPENSSL_cleanse(buf, p - buf);

    if (buf != stack) {
        free(buf);
    }

    return 0;
}


/* 8 bytes, big-endian */
static unsigned char *
apigw_authz_put_len(unsigned char *p, uint64_t len)
{
    int  i;

    for (i = 7; i >= 0; i--) {
        *p++ = (unsigned char) (len >> (i * 8));
    }

    return p;
}


