
/*
 * Copyright (C) apigw contributors
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apigw_authorizer.h"


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
 * U+FFFD for each bad byte: JSON cannot carry it.  The parts every event
 * shares are apigw_event.c's.
 */


typedef struct {
    apigw_event_t                 ev;
    const apigw_authorizer_t     *a;
    const apigw_authz_identity_t *id;
} apigw_authz_ev_t;


static int apigw_authz_put(char *buf, int n, const char *s, size_t len);
static size_t apigw_authz_canon(const char *p, size_t len, char *out,
    size_t max);
static int apigw_authz_raw_ok(int c);
static json_t *apigw_authz_token_event(apigw_authz_ev_t *ae,
    const char *arn, size_t arn_len);
static json_t *apigw_authz_v1_event(apigw_authz_ev_t *ae, const char *arn,
    size_t arn_len);
static json_t *apigw_authz_v2_event(apigw_authz_ev_t *ae, const char *arn,
    size_t arn_len);
static json_t *apigw_authz_sources_text(apigw_authz_ev_t *ae);


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

            if (apigw_uri_unreserved(c)) {
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


/* unreserved, sub-delims, "@" and "/": not ":", which splits ARNs */
static int
apigw_authz_raw_ok(int c)
{
    return apigw_uri_unreserved(c)
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
apigw_authz_method_arn(const apigw_event_request_t *rq, char *buf,
    size_t *len)
{
    int                 n;
    size_t              plen, need;
    const char         *path;
    apigw_event_str_t   region, account, stage;

    region = rq->region;
    account = rq->account;
    stage = rq->stage;

    if (region.len == 0) {
        region.data = APIGW_AUTHZ_REGION;
        region.len = sizeof(APIGW_AUTHZ_REGION) - 1;
    }

    if (account.len == 0) {
        account.data = APIGW_EVENT_ACCOUNT;
        account.len = sizeof(APIGW_EVENT_ACCOUNT) - 1;
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
apigw_authz_event(const apigw_authorizer_t *a, const apigw_event_request_t *rq,
    const apigw_authz_identity_t *id, const char *arn, size_t arn_len)
{
    json_t            *ev_json;
    apigw_authz_ev_t   ae;

    ae.a = a;
    ae.id = id;
    ae.ev.rq = rq;
    ae.ev.failed = 0;

    if (a->type == APIGW_AUTHZ_TOKEN) {
        ev_json = apigw_authz_token_event(&ae, arn, arn_len);

    } else if (a->payload == APIGW_AUTHZ_PAYLOAD_2_0) {
        ev_json = apigw_authz_v2_event(&ae, arn, arn_len);

    } else {
        ev_json = apigw_authz_v1_event(&ae, arn, arn_len);
    }

    if (ae.ev.failed) {
        json_decref(ev_json);
        return NULL;
    }

    return ev_json;
}


static json_t *
apigw_authz_token_event(apigw_authz_ev_t *ae, const char *arn,
    size_t arn_len)
{
    json_t         *e;
    apigw_event_t  *ev;

    ev = &ae->ev;

    e = json_object();
    if (e == NULL) {
        ev->failed = 1;
        return NULL;
    }

    apigw_event_set(ev, e, "type", json_string("TOKEN"));
    apigw_event_set(ev, e, "authorizationToken",
                    ae->id->n ? apigw_event_str(ae->id->values[0])
                              : json_string(""));
    apigw_event_set(ev, e, "methodArn", json_stringn(arn, arn_len));

    return e;
}


/* REST's REQUEST event, and HTTP APIs' payload 1.0 */
static json_t *
apigw_authz_v1_event(apigw_authz_ev_t *ae, const char *arn, size_t arn_len)
{
    int                           http;
    json_t                       *e;
    apigw_event_t                *ev;
    const apigw_event_request_t  *rq;

    ev = &ae->ev;
    rq = ev->rq;
    http = (ae->a->payload == APIGW_AUTHZ_PAYLOAD_1_0);

    e = json_object();
    if (e == NULL) {
        ev->failed = 1;
        return NULL;
    }

    if (http) {
        apigw_event_set(ev, e, "version", json_string("1.0"));
    }

    apigw_event_set(ev, e, "type", json_string("REQUEST"));
    apigw_event_set(ev, e, "methodArn", json_stringn(arn, arn_len));

    if (http) {
        apigw_event_set(ev, e, "identitySource",
                        apigw_authz_sources_text(ae));
        apigw_event_set(ev, e, "authorizationToken",
                        apigw_authz_sources_text(ae));
    }

    apigw_event_set(ev, e, "resource", apigw_event_str(rq->resource));
    apigw_event_set(ev, e, "path",
                    apigw_event_jdecoded(rq->path.data, rq->path.len));
    apigw_event_set(ev, e, "httpMethod", apigw_event_str(rq->method));

    apigw_event_multi(ev, e, "headers", http ? NULL : "multiValueHeaders",
                      rq->headers, rq->nheaders, 1, 0);
    apigw_event_multi(ev, e, "queryStringParameters",
                      http ? NULL : "multiValueQueryStringParameters",
                      rq->query_params, rq->nquery_params, 0, 0);

    apigw_event_set(ev, e, "pathParameters",
                    apigw_event_pairs(ev, rq->path_params, rq->npath_params,
                                      0));
    apigw_event_set(ev, e, "stageVariables",
                    apigw_event_pairs(ev, rq->stage_vars, rq->nstage_vars,
                                      0));
    apigw_event_set(ev, e, "requestContext", apigw_event_rest_context(ev));

    return e;
}


static json_t *
apigw_authz_v2_event(apigw_authz_ev_t *ae, const char *arn, size_t arn_len)
{
    size_t                        i;
    json_t                       *e, *sources, *v;
    apigw_event_t                *ev;
    const apigw_event_request_t  *rq;

    ev = &ae->ev;
    rq = ev->rq;

    e = json_object();
    sources = json_array();

    if (e == NULL || sources == NULL) {
        json_decref(e);
        json_decref(sources);
        ev->failed = 1;
        return NULL;
    }

    for (i = 0; i < ae->id->n; i++) {
        v = apigw_event_str(ae->id->values[i]);

        if (json_array_append_new(sources, v) != 0) {
            ev->failed = 1;
        }
    }

    apigw_event_set(ev, e, "version", json_string("2.0"));
    apigw_event_set(ev, e, "type", json_string("REQUEST"));
    apigw_event_set(ev, e, "routeArn", json_stringn(arn, arn_len));
    apigw_event_set(ev, e, "identitySource", sources);
    apigw_event_set(ev, e, "routeKey", apigw_event_str(rq->route_key));
    apigw_event_set(ev, e, "rawPath", apigw_event_str(rq->full_path));
    apigw_event_set(ev, e, "rawQueryString", apigw_event_str(rq->query));

    apigw_event_v2_maps(ev, e);
    apigw_event_set(ev, e, "requestContext", apigw_event_v2_context(ev));

    return e;
}


/* payload 1.0's identitySource: the values joined by commas */
static json_t *
apigw_authz_sources_text(apigw_authz_ev_t *ae)
{
    char    *text, *p;
    size_t   i, len;
    json_t  *v;

    for (len = 0, i = 0; i < ae->id->n; i++) {
        len += ae->id->values[i].len + 1;
    }

    text = malloc(len + 1);
    if (text == NULL) {
        ae->ev.failed = 1;
        return NULL;
    }

    for (p = text, i = 0; i < ae->id->n; i++) {
        if (i) {
            *p++ = ',';
        }

        memcpy(p, ae->id->values[i].data, ae->id->values[i].len);
        p += ae->id->values[i].len;
    }

    v = apigw_event_jstr(text, p - text);
    free(text);

    return v;
}
