
/*
 * Copyright (C) apigw contributors
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apigw_authorizer.h"


/* header names: ASCII, any case */
#define APIGW_AUTHZ_CASEEQ(a, alen, b, blen)                                  \
    ((alen) == (blen) && strncasecmp(a, b, alen) == 0)


/*
 * What an authorizer receives, as AWS sends it:
 *
 *   TOKEN (REST):    {type, authorizationToken, methodArn}
 *   REQUEST (REST):  {type, methodArn, resource, path, httpMethod, headers,
 *                     multiValueHeaders, queryStringParameters,
 *                     multiValueQueryStringParameters, pathParameters,
 *                     stageVariables, requestContext}
 *   HTTP API 1.0:    REST's REQUEST, with version, identitySource and
 *                    authorizationToken ("a,b"), without multiValue*
 *   HTTP API 2.0:    {version, type, routeArn, identitySource [], routeKey,
 *                     rawPath, rawQueryString, cookies, headers,
 *                     queryStringParameters, requestContext, pathParameters,
 *                     stageVariables}
 *
 * REST and 1.0 maps are {} when empty, as AWS's samples have them; 2.0
 * leaves empty ones out.  Text that is not UTF-8 (a header's bytes) gets
 * U+FFFD for each bad byte: JSON cannot carry it.
 */


typedef struct {
    const apigw_authorizer_t     *a;
    const apigw_authz_request_t  *rq;
    const apigw_authz_identity_t *id;
    unsigned                      failed:1;
} apigw_authz_ev_t;


static int apigw_authz_put(char *buf, int n, const char *s, size_t len);
static size_t apigw_authz_canon(const char *p, size_t len, char *out,
    size_t max);
static int apigw_authz_unreserved(int c);
static int apigw_authz_raw_ok(int c);
static json_t *apigw_authz_token_event(apigw_authz_ev_t *ev, const char *arn,
    size_t arn_len);
static json_t *apigw_authz_v1_event(apigw_authz_ev_t *ev, const char *arn,
    size_t arn_len);
static json_t *apigw_authz_v2_event(apigw_authz_ev_t *ev, const char *arn,
    size_t arn_len);
static json_t *apigw_authz_rest_context(apigw_authz_ev_t *ev);
static json_t *apigw_authz_v2_context(apigw_authz_ev_t *ev);
static void apigw_authz_multi(apigw_authz_ev_t *ev, json_t *obj,
    const char *single, const char *multi, const apigw_pair_t *pairs,
    size_t n, int icase);
static json_t *apigw_authz_v2_headers(apigw_authz_ev_t *ev);
static json_t *apigw_authz_v2_cookies(apigw_authz_ev_t *ev);
static json_t *apigw_authz_pairs(apigw_authz_ev_t *ev,
    const apigw_pair_t *pairs, size_t n, int joined);
static json_t *apigw_authz_sources_text(apigw_authz_ev_t *ev);
static void apigw_authz_set(apigw_authz_ev_t *ev, json_t *obj,
    const char *key, json_t *value);
static void apigw_authz_setn(apigw_authz_ev_t *ev, json_t *obj,
    const char *key, size_t len, json_t *value);
static json_t *apigw_authz_jstr(const char *s, size_t len);
static json_t *apigw_authz_jdecoded(const char *s, size_t len);
static char *apigw_authz_utf8(const char *s, size_t len, size_t *olen);
static const apigw_pair_t *apigw_authz_header(const apigw_authz_request_t *rq,
    const char *name, size_t len);


#define apigw_authz_str(s)                                                   \
    apigw_authz_jstr((s).data ? (s).data : "", (s).len)


size_t
apigw_authz_canonical_path(const char *path, size_t len, char *out)
{
    return apigw_authz_canon(path, len, out, 3 * len);
}


/* writes at most max bytes; returns how many the whole path needs */
static size_t
apigw_authz_canon(const char *p, size_t len, char *out, size_t max)
{
    int      c, h, l;
    size_t   i, n;

    static const char  hex[] = "0123456789ABCDEF";

    n = 0;

    for (i = 0; i < len; i++) {
        c = (unsigned char) p[i];

        if (c == '%' && i + 2 < len
            && (h = apigw_hex_digit((unsigned char) p[i + 1])) >= 0
            && (l = apigw_hex_digit((unsigned char) p[i + 2])) >= 0)
        {
            i += 2;
            c = h * 16 + l;

            if (apigw_authz_unreserved(c)) {
                if (n < max) {
                    out[n] = (char) c;
                }

                n++;
                continue;
            }

        } else if (apigw_authz_raw_ok(c)) {
            if (n < max) {
                out[n] = (char) c;
            }

            n++;
            continue;
        }

        if (n + 3 <= max) {
            out[n] = '%';
            out[n + 1] = hex[c >> 4];
            out[n + 2] = hex[c & 0xf];
        }

        n += 3;
    }

    return n;
}


static int
apigw_authz_unreserved(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
           || c == '~';
}


/* unreserved, sub-delims, "@" and "/": not ":", which splits ARNs */
static int
apigw_authz_raw_ok(int c)
{
    return apigw_authz_unreserved(c)
           || (c != '\0' && strchr("!$&'()*+,;=@/", c) != NULL);
}


/* len bytes at buf + n, within APIGW_AUTHZ_ARN_MAX; -1 past it */
static int
apigw_authz_put(char *buf, int n, const char *s, size_t len)
{
    if (n < 0 || len > (size_t) (APIGW_AUTHZ_ARN_MAX - n)) {
        return -1;
    }

    if (len) {
        memcpy(buf + n, s, len);
    }

    return n + (int) len;
}


apigw_authz_rc_e
apigw_authz_method_arn(const apigw_authz_request_t *rq, char *buf,
    size_t *len)
{
    int                 n;
    size_t              plen, need;
    const char         *path;
    apigw_authz_str_t   region, account, stage;

    region = rq->region;
    account = rq->account;
    stage = rq->stage;

    if (region.len == 0) {
        region.data = APIGW_AUTHZ_REGION;
        region.len = sizeof(APIGW_AUTHZ_REGION) - 1;
    }

    if (account.len == 0) {
        account.data = APIGW_AUTHZ_ACCOUNT;
        account.len = sizeof(APIGW_AUTHZ_ACCOUNT) - 1;
    }

    if (stage.len == 0) {
        stage.data = "$default";
        stage.len = 8;
    }

    if (region.len + account.len + rq->api_id.len + stage.len
        + rq->method.len > APIGW_AUTHZ_ARN_MAX)
    {
        *len = 0;
        buf[0] = '\0';
        return APIGW_AUTHZ_URI_TOO_LONG;
    }

    /* by hand: this is on every request an authorizer guards */
    n = 0;
    n = apigw_authz_put(buf, n, "arn:aws:execute-api:", 20);
    n = apigw_authz_put(buf, n, region.data, region.len);
    n = apigw_authz_put(buf, n, ":", 1);
    n = apigw_authz_put(buf, n, account.data, account.len);
    n = apigw_authz_put(buf, n, ":", 1);
    n = apigw_authz_put(buf, n, rq->api_id.data, rq->api_id.len);
    n = apigw_authz_put(buf, n, "/", 1);
    n = apigw_authz_put(buf, n, stage.data, stage.len);
    n = apigw_authz_put(buf, n, "/", 1);
    n = apigw_authz_put(buf, n, rq->method.data, rq->method.len);
    n = apigw_authz_put(buf, n, "/", 1);

    if (n < 0) {
        *len = 0;
        buf[0] = '\0';
        return APIGW_AUTHZ_URI_TOO_LONG;
    }

    path = rq->path.data;
    plen = rq->path.len;

    if (plen && path[0] == '/') {
        path++;
        plen--;
    }

    need = apigw_authz_canon(path, plen, buf + n, APIGW_AUTHZ_ARN_MAX - n);

    if (need > (size_t) (APIGW_AUTHZ_ARN_MAX - n)) {
        *len = 0;
        buf[0] = '\0';
        return APIGW_AUTHZ_URI_TOO_LONG;
    }

    *len = n + need;
    buf[*len] = '\0';

    return APIGW_AUTHZ_OK;
}


json_t *
apigw_authz_event(const apigw_authorizer_t *a, const apigw_authz_request_t *rq,
    const apigw_authz_identity_t *id, const char *arn, size_t arn_len)
{
    json_t            *ev_json;
    apigw_authz_ev_t   ev;

    ev.a = a;
    ev.rq = rq;
    ev.id = id;
    ev.failed = 0;

    if (a->type == APIGW_AUTHZ_TOKEN) {
        ev_json = apigw_authz_token_event(&ev, arn, arn_len);

    } else if (a->payload == APIGW_AUTHZ_PAYLOAD_2_0) {
        ev_json = apigw_authz_v2_event(&ev, arn, arn_len);

    } else {
        ev_json = apigw_authz_v1_event(&ev, arn, arn_len);
    }

    if (ev.failed) {
        json_decref(ev_json);
        return NULL;
    }

    return ev_json;
}


static json_t *
apigw_authz_token_event(apigw_authz_ev_t *ev, const char *arn,
    size_t arn_len)
{
    json_t  *e;

    e = json_object();
    if (e == NULL) {
        ev->failed = 1;
        return NULL;
    }

    apigw_authz_set(ev, e, "type", json_string("TOKEN"));
    apigw_authz_set(ev, e, "authorizationToken",
                    ev->id->n ? apigw_authz_str(ev->id->values[0])
                              : json_string(""));
    apigw_authz_set(ev, e, "methodArn", json_stringn(arn, arn_len));

    return e;
}


/* REST's REQUEST event, and HTTP APIs' payload 1.0 */
static json_t *
apigw_authz_v1_event(apigw_authz_ev_t *ev, const char *arn, size_t arn_len)
{
    int                           http;
    json_t                       *e;
    const apigw_authz_request_t  *rq;

    rq = ev->rq;
    http = (ev->a->payload == APIGW_AUTHZ_PAYLOAD_1_0);

    e = json_object();
    if (e == NULL) {
        ev->failed = 1;
        return NULL;
    }

    if (http) {
        apigw_authz_set(ev, e, "version", json_string("1.0"));
    }

    apigw_authz_set(ev, e, "type", json_string("REQUEST"));
    apigw_authz_set(ev, e, "methodArn", json_stringn(arn, arn_len));

    if (http) {
        apigw_authz_set(ev, e, "identitySource",
                        apigw_authz_sources_text(ev));
        apigw_authz_set(ev, e, "authorizationToken",
                        apigw_authz_sources_text(ev));
    }

    apigw_authz_set(ev, e, "resource", apigw_authz_str(rq->resource));
    apigw_authz_set(ev, e, "path",
                    apigw_authz_jdecoded(rq->path.data, rq->path.len));
    apigw_authz_set(ev, e, "httpMethod", apigw_authz_str(rq->method));

    apigw_authz_multi(ev, e, "headers", http ? NULL : "multiValueHeaders",
                      rq->headers, rq->nheaders, 1);
    apigw_authz_multi(ev, e, "queryStringParameters",
                      http ? NULL : "multiValueQueryStringParameters",
                      rq->query_params, rq->nquery_params, 0);

    apigw_authz_set(ev, e, "pathParameters",
                    apigw_authz_pairs(ev, rq->path_params, rq->npath_params,
                                      0));
    apigw_authz_set(ev, e, "stageVariables",
                    apigw_authz_pairs(ev, rq->stage_vars, rq->nstage_vars,
                                      0));
    apigw_authz_set(ev, e, "requestContext", apigw_authz_rest_context(ev));

    return e;
}


static json_t *
apigw_authz_rest_context(apigw_authz_ev_t *ev)
{
    char                          rid[8];
    json_t                       *c, *identity;
    const apigw_authz_request_t  *rq;

    rq = ev->rq;

    c = json_object();
    identity = json_object();

    if (c == NULL || identity == NULL) {
        json_decref(c);
        json_decref(identity);
        ev->failed = 1;
        return NULL;
    }

    apigw_authz_resource_id(&rq->resource, rid);

    apigw_authz_set(ev, c, "path",
                    apigw_authz_jdecoded(rq->full_path.data,
                                         rq->full_path.len));
    apigw_authz_set(ev, c, "accountId",
                    rq->account.len ? apigw_authz_str(rq->account)
                                    : json_string(APIGW_AUTHZ_ACCOUNT));
    apigw_authz_set(ev, c, "resourceId", json_string(rid));
    apigw_authz_set(ev, c, "stage",
                    rq->stage.len ? apigw_authz_str(rq->stage)
                                  : json_string("$default"));
    apigw_authz_set(ev, c, "requestId", apigw_authz_str(rq->request_id));

    apigw_authz_set(ev, identity, "apiKey",
                    rq->api_key.len ? apigw_authz_str(rq->api_key)
                                    : json_null());
    apigw_authz_set(ev, identity, "sourceIp",
                    apigw_authz_str(rq->source_ip));
    apigw_authz_set(ev, c, "identity", identity);

    apigw_authz_set(ev, c, "resourcePath", apigw_authz_str(rq->resource));
    apigw_authz_set(ev, c, "httpMethod", apigw_authz_str(rq->method));
    apigw_authz_set(ev, c, "apiId", apigw_authz_str(rq->api_id));

    return c;
}


static json_t *
apigw_authz_v2_event(apigw_authz_ev_t *ev, const char *arn, size_t arn_len)
{
    size_t                        i;
    json_t                       *e, *sources, *v;
    const apigw_authz_request_t  *rq;

    rq = ev->rq;

    e = json_object();
    sources = json_array();

    if (e == NULL || sources == NULL) {
        json_decref(e);
        json_decref(sources);
        ev->failed = 1;
        return NULL;
    }

    for (i = 0; i < ev->id->n; i++) {
        v = apigw_authz_str(ev->id->values[i]);

        if (json_array_append_new(sources, v) != 0) {
            ev->failed = 1;
        }
    }

    apigw_authz_set(ev, e, "version", json_string("2.0"));
    apigw_authz_set(ev, e, "type", json_string("REQUEST"));
    apigw_authz_set(ev, e, "routeArn", json_stringn(arn, arn_len));
    apigw_authz_set(ev, e, "identitySource", sources);
    apigw_authz_set(ev, e, "routeKey", apigw_authz_str(rq->route_key));
    apigw_authz_set(ev, e, "rawPath", apigw_authz_str(rq->full_path));
    apigw_authz_set(ev, e, "rawQueryString", apigw_authz_str(rq->query));

    v = apigw_authz_v2_cookies(ev);

    if (v != NULL && json_array_size(v) == 0) {
        json_decref(v);

    } else {
        apigw_authz_set(ev, e, "cookies", v);
    }

    apigw_authz_set(ev, e, "headers", apigw_authz_v2_headers(ev));

    if (rq->nquery_params) {
        apigw_authz_set(ev, e, "queryStringParameters",
                        apigw_authz_pairs(ev, rq->query_params,
                                          rq->nquery_params, 1));
    }

    apigw_authz_set(ev, e, "requestContext", apigw_authz_v2_context(ev));

    if (rq->npath_params) {
        apigw_authz_set(ev, e, "pathParameters",
                        apigw_authz_pairs(ev, rq->path_params,
                                          rq->npath_params, 0));
    }

    if (rq->nstage_vars) {
        apigw_authz_set(ev, e, "stageVariables",
                        apigw_authz_pairs(ev, rq->stage_vars,
                                          rq->nstage_vars, 0));
    }

    return e;
}


static json_t *
apigw_authz_v2_context(apigw_authz_ev_t *ev)
{
    char                          time[32];
    json_t                       *c, *http;
    const char                   *dot;
    const apigw_pair_t           *host, *ua;
    const apigw_authz_request_t  *rq;

    rq = ev->rq;

    c = json_object();
    http = json_object();

    if (c == NULL || http == NULL) {
        json_decref(c);
        json_decref(http);
        ev->failed = 1;
        return NULL;
    }

    host = apigw_authz_header(rq, "host", 4);
    ua = apigw_authz_header(rq, "user-agent", 10);

    apigw_authz_set(ev, c, "accountId",
                    rq->account.len ? apigw_authz_str(rq->account)
                                    : json_string(APIGW_AUTHZ_ACCOUNT));
    apigw_authz_set(ev, c, "apiId", apigw_authz_str(rq->api_id));

    if (host != NULL) {
        dot = memchr(host->value, '.', host->value_len);
        apigw_authz_set(ev, c, "domainName",
                        apigw_authz_jstr(host->value, host->value_len));
        apigw_authz_set(ev, c, "domainPrefix",
                        apigw_authz_jstr(host->value,
                                         dot ? (size_t) (dot - host->value)
                                             : host->value_len));
    }

    apigw_authz_set(ev, http, "method", apigw_authz_str(rq->method));
    apigw_authz_set(ev, http, "path",
                    apigw_authz_jdecoded(rq->full_path.data,
                                         rq->full_path.len));
    apigw_authz_set(ev, http, "protocol", apigw_authz_str(rq->protocol));
    apigw_authz_set(ev, http, "sourceIp", apigw_authz_str(rq->source_ip));
    apigw_authz_set(ev, http, "userAgent",
                    ua ? apigw_authz_jstr(ua->value, ua->value_len)
                       : json_string(""));
    apigw_authz_set(ev, c, "http", http);

    apigw_authz_set(ev, c, "requestId", apigw_authz_str(rq->request_id));
    apigw_authz_set(ev, c, "routeKey", apigw_authz_str(rq->route_key));
    apigw_authz_set(ev, c, "stage",
                    rq->stage.len ? apigw_authz_str(rq->stage)
                                  : json_string("$default"));

    apigw_authz_format_time(rq->time_ms, time);
    apigw_authz_set(ev, c, "time", json_string(time));
    apigw_authz_set(ev, c, "timeEpoch", json_integer(rq->time_ms));

    return c;
}


/*
 * single: the last value of each name; multi (unless NULL): all of them;
 * names that differ in case only are one (icase), spelled as first seen
 */
static void
apigw_authz_multi(apigw_authz_ev_t *ev, json_t *obj, const char *single,
    const char *multi, const apigw_pair_t *pairs, size_t n, int icase)
{
    char    *key;
    size_t   i, j, klen;
    json_t  *s, *m, *list;

    s = json_object();
    m = multi ? json_object() : NULL;

    if (s == NULL || (multi && m == NULL)) {
        json_decref(s);
        ev->failed = 1;
        return;
    }

    for (i = 0; i < n; i++) {
        for (j = 0; j < i; j++) {
            if (icase ? APIGW_AUTHZ_CASEEQ(pairs[j].name, pairs[j].name_len,
                                           pairs[i].name, pairs[i].name_len)
                      : (pairs[j].name_len == pairs[i].name_len
                         && memcmp(pairs[j].name, pairs[i].name,
                                   pairs[i].name_len) == 0))
            {
                break;
            }
        }

        key = apigw_authz_utf8(pairs[j].name, pairs[j].name_len, &klen);
        if (key == NULL) {
            ev->failed = 1;
            break;
        }

        apigw_authz_setn(ev, s, key, klen,
                         apigw_authz_jstr(pairs[i].value,
                                          pairs[i].value_len));

        if (m != NULL) {
            list = json_object_getn(m, key, klen);

            if (list == NULL) {
                list = json_array();
                apigw_authz_setn(ev, m, key, klen, list);
            }

            if (list == NULL
                || json_array_append_new(list,
                                         apigw_authz_jstr(pairs[i].value,
                                                          pairs[i].value_len))
                   != 0)
            {
                ev->failed = 1;
            }
        }

        free(key);
    }

    apigw_authz_set(ev, obj, single, s);

    if (multi) {
        apigw_authz_set(ev, obj, multi, m);
    }
}


/* 2.0: names in lower case, repeats joined by commas, no Cookie */
static json_t *
apigw_authz_v2_headers(apigw_authz_ev_t *ev)
{
    size_t                        i, j;
    json_t                       *h;
    apigw_pair_t                 *kept;
    const apigw_authz_request_t  *rq;

    rq = ev->rq;

    kept = malloc((rq->nheaders + 1) * sizeof(apigw_pair_t));
    if (kept == NULL) {
        ev->failed = 1;
        return NULL;
    }

    for (j = 0, i = 0; i < rq->nheaders; i++) {
        if (!APIGW_AUTHZ_CASEEQ(rq->headers[i].name, rq->headers[i].name_len,
                                "cookie", 6))
        {
            kept[j++] = rq->headers[i];
        }
    }

    h = apigw_authz_pairs(ev, kept, j, 2);
    free(kept);

    return h;
}


static json_t *
apigw_authz_v2_cookies(apigw_authz_ev_t *ev)
{
    size_t                        i, n;
    json_t                       *list;
    const char                   *p, *end, *semi;
    const apigw_authz_request_t  *rq;

    rq = ev->rq;

    list = json_array();
    if (list == NULL) {
        ev->failed = 1;
        return NULL;
    }

    for (i = 0; i < rq->nheaders; i++) {
        if (!APIGW_AUTHZ_CASEEQ(rq->headers[i].name, rq->headers[i].name_len,
                                "cookie", 6))
        {
            continue;
        }

        p = rq->headers[i].value;
        end = p + rq->headers[i].value_len;

        while (p < end) {
            semi = memchr(p, ';', end - p);
            if (semi == NULL) {
                semi = end;
            }

            while (p < semi && (*p == ' ' || *p == '\t')) {
                p++;
            }

            for (n = semi - p; n && (p[n - 1] == ' ' || p[n - 1] == '\t');
                 n--)
            {
                /* void */
            }

            if (n && json_array_append_new(list, apigw_authz_jstr(p, n))
                     != 0)
            {
                ev->failed = 1;
            }

            p = semi + 1;
        }
    }

    return list;
}


/*
 * a map of pairs: joined 0, the last value of a name; 1, values joined
 * by commas; 2, the same with names in lower case and compared so
 */
static json_t *
apigw_authz_pairs(apigw_authz_ev_t *ev, const apigw_pair_t *pairs, size_t n,
    int joined)
{
    char        *key, *text;
    size_t       i, j, klen, tlen;
    json_t      *obj, *prev;
    const char  *old;

    obj = json_object();
    if (obj == NULL) {
        ev->failed = 1;
        return NULL;
    }

    for (i = 0; i < n; i++) {
        key = apigw_authz_utf8(pairs[i].name, pairs[i].name_len, &klen);
        if (key == NULL) {
            ev->failed = 1;
            break;
        }

        if (joined == 2) {
            for (j = 0; j < klen; j++) {
                if (key[j] >= 'A' && key[j] <= 'Z') {
                    key[j] = (char) (key[j] - 'A' + 'a');
                }
            }
        }

        prev = joined ? json_object_getn(obj, key, klen) : NULL;

        if (prev == NULL) {
            apigw_authz_setn(ev, obj, key, klen,
                             apigw_authz_jstr(pairs[i].value,
                                              pairs[i].value_len));
            free(key);
            continue;
        }

        old = json_string_value(prev);
        tlen = json_string_length(prev);
        text = malloc(tlen + 1 + pairs[i].value_len);

        if (text == NULL) {
            free(key);
            ev->failed = 1;
            break;
        }

        memcpy(text, old, tlen);
        text[tlen] = ',';

        if (pairs[i].value_len) {
            memcpy(text + tlen + 1, pairs[i].value, pairs[i].value_len);
        }

        apigw_authz_setn(ev, obj, key, klen,
                         apigw_authz_jstr(text,
                                          tlen + 1 + pairs[i].value_len));
        free(text);
        free(key);
    }

    return obj;
}


/* payload 1.0's identitySource: the values joined by commas */
static json_t *
apigw_authz_sources_text(apigw_authz_ev_t *ev)
{
    char    *text, *p;
    size_t   i, len;
    json_t  *v;

    for (len = 0, i = 0; i < ev->id->n; i++) {
        len += ev->id->values[i].len + 1;
    }

    text = malloc(len + 1);
    if (text == NULL) {
        ev->failed = 1;
        return NULL;
    }

    for (p = text, i = 0; i < ev->id->n; i++) {
        if (i) {
            *p++ = ',';
        }

        memcpy(p, ev->id->values[i].data, ev->id->values[i].len);
        p += ev->id->values[i].len;
    }

    v = apigw_authz_jstr(text, p - text);
    free(text);

    return v;
}


static void
apigw_authz_set(apigw_authz_ev_t *ev, json_t *obj, const char *key,
    json_t *value)
{
    if (value == NULL || json_object_set_new(obj, key, value) != 0) {
        ev->failed = 1;
    }
}


static void
apigw_authz_setn(apigw_authz_ev_t *ev, json_t *obj, const char *key,
    size_t len, json_t *value)
{
    if (value == NULL || json_object_setn_new(obj, key, len, value) != 0) {
        ev->failed = 1;
    }
}


static json_t *
apigw_authz_jstr(const char *s, size_t len)
{
    char    *copy;
    size_t   n;
    json_t  *v;

    if (apigw_utf8_valid(s, len)) {
        return json_stringn(s, len);
    }

    copy = apigw_authz_utf8(s, len, &n);
    if (copy == NULL) {
        return NULL;
    }

    v = json_stringn(copy, n);
    free(copy);

    return v;
}


/* a raw path, percent-decoded (a bad escape stays as it is) */
static json_t *
apigw_authz_jdecoded(const char *s, size_t len)
{
    int      h, l;
    char    *buf;
    size_t   i, n;
    json_t  *v;

    buf = malloc(len + 1);
    if (buf == NULL) {
        return NULL;
    }

    for (n = 0, i = 0; i < len; i++) {
        if (s[i] == '%' && i + 2 < len
            && (h = apigw_hex_digit((unsigned char) s[i + 1])) >= 0
            && (l = apigw_hex_digit((unsigned char) s[i + 2])) >= 0)
        {
            buf[n++] = (char) (h * 16 + l);
            i += 2;
            continue;
        }

        buf[n++] = s[i];
    }

    v = apigw_authz_jstr(buf, n);
    free(buf);

    return v;
}


/* a copy that is UTF-8: each bad byte becomes U+FFFD */
static char *
apigw_authz_utf8(const char *s, size_t len, size_t *olen)
{
    char        *copy, *p;
    size_t       n;
    uint32_t     cp;
    const char  *end;

    copy = malloc(3 * len + 1);
    if (copy == NULL) {
        return NULL;
    }

    p = copy;
    end = s + len;

    while (s < end) {
        n = apigw_utf8_char(s, end, &cp);

        if (n == 0) {
            memcpy(p, "\xEF\xBF\xBD", 3);
            p += 3;
            s++;
            continue;
        }

        memcpy(p, s, n);
        p += n;
        s += n;
    }

    *p = '\0';
    *olen = p - copy;

    return copy;
}


static const apigw_pair_t *
apigw_authz_header(const apigw_authz_request_t *rq, const char *name,
    size_t len)
{
    size_t  i;

    for (i = 0; i < rq->nheaders; i++) {
        if (APIGW_AUTHZ_CASEEQ(rq->headers[i].name, rq->headers[i].name_len,
                               name, len))
        {
            return &rq->headers[i];
        }
    }

    return NULL;
}


