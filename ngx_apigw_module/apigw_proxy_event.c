
/*
 * Copyright (C) apigw contributors
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
 */


static json_t *apigw_proxy_v1(apigw_event_t *ev);
static json_t *apigw_proxy_v2(apigw_event_t *ev);
static void apigw_proxy_context(apigw_event_t *ev, json_t *e, int v2);
static json_t *apigw_proxy_authorizer(apigw_event_t *ev, int v2);
static json_t *apigw_proxy_scopes(json_t *claims);
static void apigw_proxy_body(apigw_event_t *ev, json_t *e, int v2);


json_t *
apigw_proxy_event(const apigw_event_request_t *rq, int v2)
{
    json_t         *e;
    apigw_event_t   ev;

    ev.rq = rq;
    ev.failed = 0;
    ev.proxy = 1;

    e = v2 ? apigw_proxy_v2(&ev) : apigw_proxy_v1(&ev);

    if (ev.failed) {
        json_decref(e);
        return NULL;
    }

    return e;
}


static json_t *
apigw_proxy_v1(apigw_event_t *ev)
{
    json_t                       *e;
    const apigw_event_request_t  *rq;

    rq = ev->rq;

    e = json_object();
    if (e == NULL) {
        ev->failed = 1;
        return NULL;
    }

    apigw_event_set(ev, e, "resource", apigw_event_str(rq->resource));
    apigw_event_set(ev, e, "path",
                    apigw_event_jdecoded(rq->path.data, rq->path.len));
    apigw_event_set(ev, e, "httpMethod", apigw_event_str(rq->method));

    apigw_event_multi(ev, e, "headers", "multiValueHeaders", rq->headers,
                      rq->nheaders, 1, 1);
    apigw_event_multi(ev, e, "queryStringParameters",
                      "multiValueQueryStringParameters", rq->query_params,
                      rq->nquery_params, 0, 1);

    apigw_event_set(ev, e, "pathParameters",
                    rq->npath_params
                    ? apigw_event_pairs(ev, rq->path_params,
                                        rq->npath_params, 0)
                    : json_null());
    apigw_event_set(ev, e, "stageVariables",
                    rq->nstage_vars
                    ? apigw_event_pairs(ev, rq->stage_vars, rq->nstage_vars,
                                        0)
                    : json_null());

    apigw_proxy_context(ev, e, 0);
    apigw_proxy_body(ev, e, 0);

    return e;
}


static json_t *
apigw_proxy_v2(apigw_event_t *ev)
{
    json_t                       *e;
    const apigw_event_request_t  *rq;

    rq = ev->rq;

    e = json_object();
    if (e == NULL) {
        ev->failed = 1;
        return NULL;
    }

    apigw_event_set(ev, e, "version", json_string("2.0"));
    apigw_event_set(ev, e, "routeKey", apigw_event_str(rq->route_key));
    apigw_event_set(ev, e, "rawPath", apigw_event_str(rq->full_path));
    apigw_event_set(ev, e, "rawQueryString", apigw_event_str(rq->query));

    apigw_event_v2_maps(ev, e);
    apigw_proxy_context(ev, e, 1);
    apigw_proxy_body(ev, e, 1);

    return e;
}


static void
apigw_proxy_context(apigw_event_t *ev, json_t *e, int v2)
{
    json_t  *c, *authorizer;

    c = v2 ? apigw_event_v2_context(ev) : apigw_event_rest_context(ev);

    if (c == NULL) {
        ev->failed = 1;
        return;
    }

    if (ev->rq->authz != NULL || ev->rq->claims != NULL) {
        authorizer = apigw_proxy_authorizer(ev, v2);
        apigw_event_set(ev, c, "authorizer", authorizer);
    }

    apigw_event_set(ev, e, "requestContext", c);
}


static json_t *
apigw_proxy_authorizer(apigw_event_t *ev, int v2)
{
    json_t  *a, *jwt;

    if (ev->rq->authz != NULL) {
        return apigw_authz_result_json(ev->rq->authz, v2);
    }

    a = json_object();
    if (a == NULL) {
        return NULL;
    }

    if (!v2) {
        apigw_event_set(ev, a, "claims", json_deep_copy(ev->rq->claims));
        return a;
    }

    jwt = json_object();
    apigw_event_set(ev, a, "jwt", jwt);

    if (jwt != NULL) {
        apigw_event_set(ev, jwt, "claims", json_deep_copy(ev->rq->claims));
        apigw_event_set(ev, jwt, "scopes", apigw_proxy_scopes(ev->rq->claims));
    }

    return a;
}


/* a token's scopes: "scope" (space-separated) or "scp"; null for none */
static json_t *
apigw_proxy_scopes(json_t *claims)
{
    json_t      *v, *list;
    const char  *s, *end, *sp;

    v = json_object_get(claims, "scope");

    if (v == NULL) {
        v = json_object_get(claims, "scp");
    }

    if (json_is_array(v)) {
        return json_deep_copy(v);
    }

    s = json_string_value(v);

    if (s == NULL) {
        return json_null();
    }

    list = json_array();
    if (list == NULL) {
        return NULL;
    }

    end = s + json_string_length(v);

    for ( /* void */ ; s < end; s = sp + 1) {
        sp = memchr(s, ' ', end - s);

        if (sp == NULL) {
            sp = end;
        }

        if (sp > s && json_array_append_new(list, json_stringn(s, sp - s))
                      != 0)
        {
            json_decref(list);
            return NULL;
        }
    }

    return list;
}


/*
 * the body as text, or base64 when its Content-Type is a binary media
 * type or it is not UTF-8 (JSON cannot carry it)
 */
static void
apigw_proxy_body(apigw_event_t *ev, json_t *e, int v2)
{
    int                           binary;
    char                         *b64;
    size_t                        n;
    const apigw_pair_t           *type;
    const apigw_event_request_t  *rq;

    rq = ev->rq;

    if (rq->body.data == NULL) {
        if (!v2) {
            apigw_event_set(ev, e, "body", json_null());
        }

        apigw_event_set(ev, e, "isBase64Encoded", json_false());
        return;
    }

    type = apigw_event_header(rq, "content-type", 12);

    binary = (type != NULL
              && apigw_binary_type(rq->binary_types, rq->nbinary_types,
                                   type->value, type->value_len))
             || !apigw_utf8_valid(rq->body.data, rq->body.len);

    if (!binary) {
        apigw_event_set(ev, e, "body",
                        json_stringn(rq->body.data, rq->body.len));
        apigw_event_set(ev, e, "isBase64Encoded", json_false());
        return;
    }

    b64 = malloc((rq->body.len + 2) / 3 * 4 + 1);
    if (b64 == NULL) {
        ev->failed = 1;
        return;
    }

    n = apigw_base64_encode((const unsigned char *) rq->body.data,
                            rq->body.len, b64);

    apigw_event_set(ev, e, "body", json_stringn(b64, n));
    apigw_event_set(ev, e, "isBase64Encoded", json_true());

    free(b64);
}
