
/*
 * Copyright (C) apigw contributors
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apigw_authorizer.h"
#include "apigw_lambda.h"


/*
 * The proxy event a function receives, as API Gateway builds it:
 *
 *   1.0 (REST):  {resource, path, httpMethod, headers, multiValueHeaders,
 *                 queryStringParameters, multiValueQueryStringParameters,
 *                 pathParameters, stageVariables, requestContext, body,
 *                 isBase64Encoded}; empty maps and a missing body null
 *   2.0 (HTTP):  {version, routeKey, rawPath, rawQueryString, cookies,
 *                 headers, queryStringParameters, pathParameters,
 *                 stageVariables, requestContext, body, isBase64Encoded};
 *                 what is empty left out
 *
 * requestContext.authorizer: a custom authorizer's principalId and
 * context (1.0) or {lambda: context} (2.0); a token's {claims} (1.0) or
 * {jwt: {claims, scopes}} (2.0).
 *
 * The text is written as it goes (apigw_json_writer.c), no tree made: it
 * is the one json_dumps(JSON_COMPACT) made of the tree apigw_event.c's
 * helpers build for authorizers, rules and all (the order of keys, a
 * repeated name's place and value, U+FFFD for what is not UTF-8), as
 * t/unit/test_proxy_event_text.c holds it to.
 */


/* how a map's names are told apart */
typedef enum {
    APIGW_PROXY_OWN = 0,        /* each its own name, as UTF-8 */
    APIGW_PROXY_ICASE,          /* the first spelling of any case */
    APIGW_PROXY_LOWER           /* in lower case, Cookie left out */
} apigw_proxy_names_e;

/* a pair's name in a map */
typedef struct {
    const char               *key;      /* UTF-8 without NUL */
    size_t                    len;
    size_t                    group;    /* the first pair of that key;
                                           APIGW_PROXY_OUT: left out */
} apigw_proxy_name_t;

#define APIGW_PROXY_OUT     ((size_t) -1)
#define APIGW_PROXY_NAMES   32


/* header names: ASCII, any case */
static void apigw_proxy_v1(apigw_json_writer_t *w,
    const apigw_event_request_t *rq);
static void apigw_proxy_v2(apigw_json_writer_t *w,
    const apigw_event_request_t *rq);
static void apigw_proxy_rest_context(apigw_json_writer_t *w,
    const apigw_event_request_t *rq);
static void apigw_proxy_v2_context(apigw_json_writer_t *w,
    const apigw_event_request_t *rq);
static void apigw_proxy_domain(apigw_json_writer_t *w,
    const apigw_event_request_t *rq);
static void apigw_proxy_authorizer(apigw_json_writer_t *w,
    const apigw_event_request_t *rq, int v2);
static void apigw_proxy_scopes(apigw_json_writer_t *w, json_t *claims);
static void apigw_proxy_body(apigw_json_writer_t *w,
    const apigw_event_request_t *rq, int v2);
static void apigw_proxy_multi(apigw_json_writer_t *w, const char *single,
    size_t slen, const char *multi, size_t mlen, const apigw_pair_t *pairs,
    size_t n, apigw_proxy_names_e how);
static void apigw_proxy_map(apigw_json_writer_t *w, const char *key,
    size_t klen, const apigw_pair_t *pairs, size_t n,
    apigw_proxy_names_e how, int joined);
static apigw_proxy_name_t *apigw_proxy_names(apigw_json_writer_t *w,
    const apigw_pair_t *pairs, size_t n, apigw_proxy_names_e how,
    apigw_proxy_name_t *stack, char **scratch);
static void apigw_proxy_names_free(apigw_proxy_name_t *names,
    apigw_proxy_name_t *stack, char *scratch);
static void apigw_proxy_joined(apigw_json_writer_t *w,
    const apigw_pair_t *pairs, const apigw_proxy_name_t *names, size_t first,
    size_t n);
static void apigw_proxy_cookies(apigw_json_writer_t *w,
    const apigw_event_request_t *rq);
static void apigw_proxy_str(apigw_json_writer_t *w, const char *s,
    size_t len);
static void apigw_proxy_decoded(apigw_json_writer_t *w, const char *s,
    size_t len);
static size_t apigw_proxy_estimate(const apigw_event_request_t *rq);


#define apigw_proxy_estr(w, s)                                                \
    apigw_proxy_str(w, (s).data, (s).len)


char *
apigw_proxy_event_text(const apigw_event_request_t *rq, int v2,
    const apigw_json_arena_t *arena, size_t *len)
{
    apigw_json_writer_t  w;

    apigw_json_writer_init(&w, arena, apigw_proxy_estimate(rq));

    if (v2) {
        apigw_proxy_v2(&w, rq);

    } else {
        apigw_proxy_v1(&w, rq);
    }

    if (w.failed) {
        if (arena == NULL) {
            free(w.start);
        }

        return NULL;
    }

    *len = w.p - w.start;

    return w.start;
}


static void
apigw_proxy_v1(apigw_json_writer_t *w, const apigw_event_request_t *rq)
{
    apigw_json_write_begin(w, '{');

    apigw_json_write_keyl(w, "resource");
    apigw_proxy_estr(w, rq->resource);
    apigw_json_write_keyl(w, "path");
    apigw_proxy_decoded(w, rq->path.data, rq->path.len);
    apigw_json_write_keyl(w, "httpMethod");
    apigw_proxy_estr(w, rq->method);

    apigw_proxy_multi(w, "headers", 7, "multiValueHeaders", 17, rq->headers,
                      rq->nheaders, APIGW_PROXY_ICASE);
    apigw_proxy_multi(w, "queryStringParameters", 21,
                      "multiValueQueryStringParameters", 31,
                      rq->query_params, rq->nquery_params, APIGW_PROXY_OWN);

    if (rq->npath_params) {
        apigw_proxy_map(w, "pathParameters", 14, rq->path_params,
                        rq->npath_params, APIGW_PROXY_OWN, 0);

    } else {
        apigw_json_write_keyl(w, "pathParameters");
        apigw_json_write_rawl(w, "null");
    }

    if (rq->nstage_vars) {
        apigw_proxy_map(w, "stageVariables", 14, rq->stage_vars,
                        rq->nstage_vars, APIGW_PROXY_OWN, 0);

    } else {
        apigw_json_write_keyl(w, "stageVariables");
        apigw_json_write_rawl(w, "null");
    }

    apigw_json_write_keyl(w, "requestContext");
    apigw_proxy_rest_context(w, rq);

    apigw_proxy_body(w, rq, 0);

    apigw_json_write_end(w, '}');
}


static void
apigw_proxy_v2(apigw_json_writer_t *w, const apigw_event_request_t *rq)
{
    apigw_json_write_begin(w, '{');

    apigw_json_write_keyl(w, "version");
    apigw_json_write_stringl(w, "2.0");
    apigw_json_write_keyl(w, "routeKey");
    apigw_proxy_estr(w, rq->route_key);
    apigw_json_write_keyl(w, "rawPath");
    apigw_proxy_estr(w, rq->full_path);
    apigw_json_write_keyl(w, "rawQueryString");
    apigw_proxy_estr(w, rq->query);

    apigw_proxy_cookies(w, rq);

    apigw_proxy_map(w, "headers", 7, rq->headers, rq->nheaders,
                    APIGW_PROXY_LOWER, 1);

    if (rq->nquery_params) {
        apigw_proxy_map(w, "queryStringParameters", 21, rq->query_params,
                        rq->nquery_params, APIGW_PROXY_OWN, 1);
    }

    if (rq->npath_params) {
        apigw_proxy_map(w, "pathParameters", 14, rq->path_params,
                        rq->npath_params, APIGW_PROXY_OWN, 0);
    }

    if (rq->nstage_vars) {
        apigw_proxy_map(w, "stageVariables", 14, rq->stage_vars,
                        rq->nstage_vars, APIGW_PROXY_OWN, 0);
    }

    apigw_json_write_keyl(w, "requestContext");
    apigw_proxy_v2_context(w, rq);

    apigw_proxy_body(w, rq, 1);

    apigw_json_write_end(w, '}');
}


/* as apigw_event_rest_context() with a proxy event's fields */
static void
apigw_proxy_rest_context(apigw_json_writer_t *w,
    const apigw_event_request_t *rq)
{
    char                 rid[8], time[32];
    const char         **name;
    const apigw_pair_t  *ua;

    static const char  *none[] = {
        "accessKey", "accountId", "caller", "cognitoAuthenticationProvider",
        "cognitoAuthenticationType", "cognitoIdentityId",
        "cognitoIdentityPoolId", "principalOrgId", "user", "userArn", NULL
    };

    apigw_json_write_begin(w, '{');

    apigw_json_write_keyl(w, "path");
    apigw_proxy_decoded(w, rq->full_path.data, rq->full_path.len);

    apigw_json_write_keyl(w, "accountId");

    if (rq->account.len) {
        apigw_proxy_estr(w, rq->account);

    } else {
        apigw_json_write_stringl(w, APIGW_EVENT_ACCOUNT);
    }

    apigw_json_write_keyl(w, "resourceId");
    apigw_json_write_string(w, rid,
                            apigw_authz_resource_id(&rq->resource, rid));

    apigw_json_write_keyl(w, "stage");

    if (rq->stage.len) {
        apigw_proxy_estr(w, rq->stage);

    } else {
        apigw_json_write_stringl(w, "$default");
    }

    apigw_json_write_keyl(w, "requestId");
    apigw_proxy_estr(w, rq->request_id);

    apigw_json_write_keyl(w, "identity");
    apigw_json_write_begin(w, '{');

    apigw_json_write_keyl(w, "apiKey");

    if (rq->api_key.len) {
        apigw_proxy_estr(w, rq->api_key);

    } else {
        apigw_json_write_rawl(w, "null");
    }

    apigw_json_write_keyl(w, "apiKeyId");

    if (rq->api_key_id.len) {
        apigw_proxy_estr(w, rq->api_key_id);

    } else {
        apigw_json_write_rawl(w, "null");
    }

    apigw_json_write_keyl(w, "sourceIp");
    apigw_proxy_estr(w, rq->source_ip);

    ua = apigw_event_header(rq, "user-agent", 10);

    apigw_json_write_keyl(w, "userAgent");

    if (ua) {
        apigw_proxy_str(w, ua->value, ua->value_len);

    } else {
        apigw_json_write_rawl(w, "null");
    }

    for (name = none; *name; name++) {
        apigw_json_write_key(w, *name, strlen(*name));
        apigw_json_write_rawl(w, "null");
    }

    apigw_json_write_end(w, '}');

    apigw_json_write_keyl(w, "resourcePath");
    apigw_proxy_estr(w, rq->resource);
    apigw_json_write_keyl(w, "httpMethod");
    apigw_proxy_estr(w, rq->method);
    apigw_json_write_keyl(w, "apiId");
    apigw_proxy_estr(w, rq->api_id);

    apigw_proxy_domain(w, rq);

    apigw_json_write_keyl(w, "extendedRequestId");
    apigw_proxy_estr(w, rq->request_id);
    apigw_json_write_keyl(w, "protocol");
    apigw_proxy_estr(w, rq->protocol);
    apigw_json_write_keyl(w, "requestTime");
    apigw_json_write_string(w, time,
                            apigw_authz_format_time(rq->time_ms, time));
    apigw_json_write_keyl(w, "requestTimeEpoch");
    apigw_json_write_integer(w, rq->time_ms);

    apigw_proxy_authorizer(w, rq, 0);

    apigw_json_write_end(w, '}');
}


/* as apigw_event_v2_context() */
static void
apigw_proxy_v2_context(apigw_json_writer_t *w,
    const apigw_event_request_t *rq)
{
    char                 time[32];
    const apigw_pair_t  *ua;

    apigw_json_write_begin(w, '{');

    apigw_json_write_keyl(w, "accountId");

    if (rq->account.len) {
        apigw_proxy_estr(w, rq->account);

    } else {
        apigw_json_write_stringl(w, APIGW_EVENT_ACCOUNT);
    }

    apigw_json_write_keyl(w, "apiId");
    apigw_proxy_estr(w, rq->api_id);

    apigw_proxy_domain(w, rq);

    apigw_json_write_keyl(w, "http");
    apigw_json_write_begin(w, '{');
    apigw_json_write_keyl(w, "method");
    apigw_proxy_estr(w, rq->method);
    apigw_json_write_keyl(w, "path");
    apigw_proxy_decoded(w, rq->full_path.data, rq->full_path.len);
    apigw_json_write_keyl(w, "protocol");
    apigw_proxy_estr(w, rq->protocol);
    apigw_json_write_keyl(w, "sourceIp");
    apigw_proxy_estr(w, rq->source_ip);

    ua = apigw_event_header(rq, "user-agent", 10);

    apigw_json_write_keyl(w, "userAgent");

    if (ua) {
        apigw_proxy_str(w, ua->value, ua->value_len);

    } else {
        apigw_json_write_stringl(w, "");
    }

    apigw_json_write_end(w, '}');

    apigw_json_write_keyl(w, "requestId");
    apigw_proxy_estr(w, rq->request_id);
    apigw_json_write_keyl(w, "routeKey");
    apigw_proxy_estr(w, rq->route_key);
    apigw_json_write_keyl(w, "stage");

    if (rq->stage.len) {
        apigw_proxy_estr(w, rq->stage);

    } else {
        apigw_json_write_stringl(w, "$default");
    }

    apigw_json_write_keyl(w, "time");
    apigw_json_write_string(w, time,
                            apigw_authz_format_time(rq->time_ms, time));
    apigw_json_write_keyl(w, "timeEpoch");
    apigw_json_write_integer(w, rq->time_ms);

    apigw_proxy_authorizer(w, rq, 1);

    apigw_json_write_end(w, '}');
}


/*
 * domainName and domainPrefix: the request's domain (the Host without
 * its port), or its Host header as it is; none without either
 */
static void
apigw_proxy_domain(apigw_json_writer_t *w, const apigw_event_request_t *rq)
{
    const char          *dot;
    apigw_event_str_t    host;
    const apigw_pair_t  *h;

    host = rq->domain;

    if (host.len == 0) {
        h = apigw_event_header(rq, "host", 4);

        if (h == NULL) {
            return;
        }

        host.data = h->value;
        host.len = h->value_len;
    }

    dot = memchr(host.data, '.', host.len);

    apigw_json_write_keyl(w, "domainName");
    apigw_proxy_estr(w, host);
    apigw_json_write_keyl(w, "domainPrefix");
    apigw_proxy_str(w, host.data,
                    dot ? (size_t) (dot - host.data) : host.len);
}


static void
apigw_proxy_authorizer(apigw_json_writer_t *w,
    const apigw_event_request_t *rq, int v2)
{
    json_t  *a;

    if (rq->authz == NULL && rq->claims == NULL) {
        return;
    }

    apigw_json_write_keyl(w, "authorizer");

    if (rq->authz != NULL) {
        a = apigw_authz_result_json(rq->authz, v2);

        if (a == NULL) {
            w->failed = 1;
            return;
        }

        apigw_json_write_value(w, a);
        json_decref(a);
        return;
    }

    apigw_json_write_begin(w, '{');

    if (v2) {
        apigw_json_write_keyl(w, "jwt");
        apigw_json_write_begin(w, '{');
    }

    apigw_json_write_keyl(w, "claims");
    apigw_json_write_value(w, rq->claims);

    if (v2) {
        apigw_json_write_keyl(w, "scopes");
        apigw_proxy_scopes(w, rq->claims);
        apigw_json_write_end(w, '}');
    }

    apigw_json_write_end(w, '}');
}


/* a token's scopes: "scope" (space-separated) or "scp"; null for none */
static void
apigw_proxy_scopes(apigw_json_writer_t *w, json_t *claims)
{
    json_t      *v;
    const char  *s, *end, *sp;

    v = json_object_get(claims, "scope");

    if (v == NULL) {
        v = json_object_get(claims, "scp");
    }

    if (json_is_array(v)) {
        apigw_json_write_value(w, v);
        return;
    }

    s = json_string_value(v);

    if (s == NULL) {
        apigw_json_write_rawl(w, "null");
        return;
    }

    apigw_json_write_begin(w, '[');

    end = s + json_string_length(v);

    for ( /* void */ ; s < end; s = sp + 1) {
        sp = memchr(s, ' ', end - s);

        if (sp == NULL) {
            sp = end;
        }

        if (sp > s) {
            apigw_json_write_string(w, s, sp - s);
        }
    }

    apigw_json_write_end(w, ']');
}


/*
 * the body as text, or base64 when its Content-Type is a binary media
 * type or it is not UTF-8 (JSON cannot carry it)
 */
static void
apigw_proxy_body(apigw_json_writer_t *w, const apigw_event_request_t *rq,
    int v2)
{
    int                  binary;
    const apigw_pair_t  *type;

    if (rq->body.data == NULL) {
        if (!v2) {
            apigw_json_write_keyl(w, "body");
            apigw_json_write_rawl(w, "null");
        }

        apigw_json_write_keyl(w, "isBase64Encoded");
        apigw_json_write_rawl(w, "false");
        return;
    }

    type = apigw_event_header(rq, "content-type", 12);

    binary = (type != NULL
              && apigw_binary_type(rq->binary_types, rq->nbinary_types,
                                   type->value, type->value_len))
             || !apigw_utf8_valid(rq->body.data, rq->body.len);

    apigw_json_write_keyl(w, "body");

    if (binary) {
        apigw_json_write_base64(w, rq->body.data, rq->body.len);
        apigw_json_write_keyl(w, "isBase64Encoded");
        apigw_json_write_rawl(w, "true");
        return;
    }

    apigw_json_write_string(w, rq->body.data, rq->body.len);
    apigw_json_write_keyl(w, "isBase64Encoded");
    apigw_json_write_rawl(w, "false");
}


/*
 * 1.0's single and multi-value maps, as apigw_event_multi() builds them
 * (empty: null): each name in the place of its first pair, with its
 * last value and the list of all of them
 */
static void
apigw_proxy_multi(apigw_json_writer_t *w, const char *single, size_t slen,
    const char *multi, size_t mlen, const apigw_pair_t *pairs, size_t n,
    apigw_proxy_names_e how)
{
    char                *scratch;
    size_t               i, k, last;
    apigw_proxy_name_t  *names, stack[APIGW_PROXY_NAMES];

    if (n == 0) {
        apigw_json_write_key(w, single, slen);
        apigw_json_write_rawl(w, "null");
        apigw_json_write_key(w, multi, mlen);
        apigw_json_write_rawl(w, "null");
        return;
    }

    names = apigw_proxy_names(w, pairs, n, how, stack, &scratch);
    if (names == NULL) {
        return;
    }

    apigw_json_write_key(w, single, slen);
    apigw_json_write_begin(w, '{');

    for (i = 0; i < n; i++) {
        if (names[i].group != i) {
            continue;
        }

        for (last = i, k = i + 1; k < n; k++) {
            if (names[k].group == i) {
                last = k;
            }
        }

        apigw_json_write_key(w, names[i].key, names[i].len);
        apigw_proxy_str(w, pairs[last].value, pairs[last].value_len);
    }

    apigw_json_write_end(w, '}');

    apigw_json_write_key(w, multi, mlen);
    apigw_json_write_begin(w, '{');

    for (i = 0; i < n; i++) {
        if (names[i].group != i) {
            continue;
        }

        apigw_json_write_key(w, names[i].key, names[i].len);
        apigw_json_write_begin(w, '[');

        for (k = i; k < n; k++) {
            if (names[k].group == i) {
                apigw_proxy_str(w, pairs[k].value, pairs[k].value_len);
            }
        }

        apigw_json_write_end(w, ']');
    }

    apigw_json_write_end(w, '}');

    apigw_proxy_names_free(names, stack, scratch);
}


/*
 * a map as apigw_event_pairs() builds it: each name in the place of its
 * first pair, with its last value, or (joined) all of them joined by
 * commas
 */
static void
apigw_proxy_map(apigw_json_writer_t *w, const char *key, size_t klen,
    const apigw_pair_t *pairs, size_t n, apigw_proxy_names_e how,
    int joined)
{
    char                *scratch;
    size_t               i, k, last;
    apigw_proxy_name_t  *names, stack[APIGW_PROXY_NAMES];

    names = apigw_proxy_names(w, pairs, n, how, stack, &scratch);
    if (names == NULL) {
        return;
    }

    apigw_json_write_key(w, key, klen);
    apigw_json_write_begin(w, '{');

    for (i = 0; i < n; i++) {
        if (names[i].group != i) {
            continue;
        }

        apigw_json_write_key(w, names[i].key, names[i].len);

        if (joined) {
            apigw_proxy_joined(w, pairs, names, i, n);
            continue;
        }

        for (last = i, k = i + 1; k < n; k++) {
            if (names[k].group == i) {
                last = k;
            }
        }

        apigw_proxy_str(w, pairs[last].value, pairs[last].value_len);
    }

    apigw_json_write_end(w, '}');

    apigw_proxy_names_free(names, stack, scratch);
}


/*
 * the keys pairs' names make, as jansson's objects tell them apart:
 * UTF-8 without NUL (apigw_event_utf8()), compared byte for byte
 */
static apigw_proxy_name_t *
apigw_proxy_names(apigw_json_writer_t *w, const apigw_pair_t *pairs,
    size_t n, apigw_proxy_names_e how, apigw_proxy_name_t *stack,
    char **scratch)
{
    char                *p;
    size_t               i, j, size;
    apigw_proxy_name_t  *names;
    const apigw_pair_t  *pr;

    *scratch = NULL;

    names = n <= APIGW_PROXY_NAMES ? stack
                                   : malloc(n * sizeof(apigw_proxy_name_t));
    if (names == NULL) {
        w->failed = 1;
        return NULL;
    }

    /* what must be copied: not UTF-8, NUL, or letters to lower */

    size = 0;

    for (i = 0; i < n; i++) {
        pr = &pairs[i];

        if (how == APIGW_PROXY_LOWER
            || memchr(pr->name, '\0', pr->name_len) != NULL
            || !apigw_utf8_valid(pr->name, pr->name_len))
        {
            size += 3 * pr->name_len;
        }
    }

    if (size) {
        *scratch = malloc(size);
        if (*scratch == NULL) {
            apigw_proxy_names_free(names, stack, NULL);
            w->failed = 1;
            return NULL;
        }
    }

    p = *scratch;

    for (i = 0; i < n; i++) {
        pr = &pairs[i];

        if (how == APIGW_PROXY_LOWER
            && APIGW_EVENT_CASEEQ(pr->name, pr->name_len, "cookie", 6))
        {
            names[i].group = APIGW_PROXY_OUT;
            continue;
        }

        if (how == APIGW_PROXY_ICASE) {
            for (j = 0; j < i; j++) {
                if (APIGW_EVENT_CASEEQ(pairs[j].name, pairs[j].name_len,
                                       pr->name, pr->name_len))
                {
                    break;
                }
            }

            if (j < i) {
                names[i] = names[j];
                continue;
            }
        }

        if (how == APIGW_PROXY_LOWER
            || memchr(pr->name, '\0', pr->name_len) != NULL
            || !apigw_utf8_valid(pr->name, pr->name_len))
        {
            names[i].key = p;
            names[i].len = apigw_event_utf8_to(pr->name, pr->name_len, p);

            if (how == APIGW_PROXY_LOWER) {
                for (j = 0; j < names[i].len; j++) {
                    if (p[j] >= 'A' && p[j] <= 'Z') {
                        p[j] = (char) (p[j] - 'A' + 'a');
                    }
                }
            }

            p += names[i].len;

            if (names[i].len == 0) {
                names[i].key = "";
            }

        } else {
            names[i].key = pr->name_len ? pr->name : "";
            names[i].len = pr->name_len;
        }

        for (j = 0; j < i; j++) {
            if (names[j].group != APIGW_PROXY_OUT
                && names[j].len == names[i].len
                && memcmp(names[j].key, names[i].key, names[i].len) == 0)
            {
                break;
            }
        }

        names[i].group = j < i ? names[j].group : i;
    }

    return names;
}


static void
apigw_proxy_names_free(apigw_proxy_name_t *names, apigw_proxy_name_t *stack,
    char *scratch)
{
    if (names != stack) {
        free(names);
    }

    free(scratch);
}


/*
 * a name's values joined by commas, as apigw_event_pairs() joins them:
 * each time the text so far with the next value is made UTF-8 again
 * (apigw_event_jstr()), so a NUL so far becomes U+FFFD once a value
 * that is not UTF-8 follows
 */
static void
apigw_proxy_joined(apigw_json_writer_t *w, const apigw_pair_t *pairs,
    const apigw_proxy_name_t *names, size_t first, size_t n)
{
    char    *buf, *cur, *tmp, *swap;
    size_t   k, len, size, count;

    size = 0;
    count = 0;

    for (k = first; k < n; k++) {
        if (names[k].group == first) {
            size += pairs[k].value_len + 1;
            count++;
        }
    }

    if (count == 1) {
        apigw_proxy_str(w, pairs[first].value, pairs[first].value_len);
        return;
    }

    buf = malloc(2 * 3 * size);
    if (buf == NULL) {
        w->failed = 1;
        return;
    }

    cur = buf;
    tmp = buf + 3 * size;
    len = 0;

    for (k = first; k < n; k++) {
        if (names[k].group != first) {
            continue;
        }

        if (k != first) {
            cur[len++] = ',';
        }

        if (pairs[k].value_len) {
            memcpy(cur + len, pairs[k].value, pairs[k].value_len);
            len += pairs[k].value_len;
        }

        if (!apigw_utf8_valid(cur, len)) {
            len = apigw_event_utf8_to(cur, len, tmp);
            swap = cur;
            cur = tmp;
            tmp = swap;
        }
    }

    apigw_json_write_string(w, cur, len);

    free(buf);
}


/* 2.0's cookies, when the request has any */
static void
apigw_proxy_cookies(apigw_json_writer_t *w, const apigw_event_request_t *rq)
{
    size_t       header, at, len;
    const char  *cookie;

    header = 0;
    at = 0;

    if (!apigw_event_next_cookie(rq, &header, &at, &cookie, &len)) {
        return;
    }

    apigw_json_write_keyl(w, "cookies");
    apigw_json_write_begin(w, '[');

    do {
        apigw_proxy_str(w, cookie, len);
    } while (apigw_event_next_cookie(rq, &header, &at, &cookie, &len));

    apigw_json_write_end(w, ']');
}


/* any bytes, as apigw_event_jstr() makes them a string */
static void
apigw_proxy_str(apigw_json_writer_t *w, const char *s, size_t len)
{
    char    *copy;
    size_t   n;

    if (len == 0) {
        apigw_json_write_stringl(w, "");
        return;
    }

    if (apigw_utf8_valid(s, len)) {
        apigw_json_write_string(w, s, len);
        return;
    }

    copy = malloc(3 * len);
    if (copy == NULL) {
        w->failed = 1;
        return;
    }

    n = apigw_event_utf8_to(s, len, copy);
    apigw_json_write_string(w, copy, n);

    free(copy);
}


/* a raw path, percent-decoded, as apigw_event_jdecoded() makes it */
static void
apigw_proxy_decoded(apigw_json_writer_t *w, const char *s, size_t len)
{
    char    *buf, stack[256];
    size_t   n;

    if (len == 0 || memchr(s, '%', len) == NULL) {
        apigw_proxy_str(w, s, len);
        return;
    }

    buf = len <= sizeof(stack) ? stack : malloc(len);
    if (buf == NULL) {
        w->failed = 1;
        return;
    }

    n = apigw_event_decode_to(s, len, buf);
    apigw_proxy_str(w, buf, n);

    if (buf != stack) {
        free(buf);
    }
}


/* room for the event, mostly enough: the request's bytes, some escaped */
static size_t
apigw_proxy_estimate(const apigw_event_request_t *rq)
{
    size_t  i, size;

    size = 1536 + 2 * (rq->full_path.len + rq->resource.len)
           + rq->path.len + rq->query.len + rq->route_key.len;

    for (i = 0; i < rq->nheaders; i++) {
        size += 2 * (rq->headers[i].name_len + rq->headers[i].value_len) + 8;
    }

    for (i = 0; i < rq->nquery_params; i++) {
        size += 2 * (rq->query_params[i].name_len
                     + rq->query_params[i].value_len) + 8;
    }

    for (i = 0; i < rq->npath_params; i++) {
        size += rq->path_params[i].name_len + rq->path_params[i].value_len
                + 6;
    }

    for (i = 0; i < rq->nstage_vars; i++) {
        size += rq->stage_vars[i].name_len + rq->stage_vars[i].value_len + 6;
    }

    return size + rq->body.len / 3 * 4 + 8;
}
