
/*
 * Copyright (C) apigw contributors
 */


#ifndef _APIGW_EVENT_H_INCLUDED_
#define _APIGW_EVENT_H_INCLUDED_


/*
 * Events as AWS builds them from a request, nginx-free: the request as
 * the glue sees it, and the parts every event shares (apigw_event.c):
 * headers and multi-value headers, query parameters, path parameters,
 * stage variables, cookies, the requestContext of REST APIs and of HTTP
 * APIs.  Custom authorizers' events (apigw_authorizer_event.c) are made
 * of them; the proxy events functions receive (apigw_proxy_event.c) are
 * written as text by the same rules, the text helpers here shared.
 */

#include "apigw_core.h"


/* ARN placeholders, when the configuration names none */
#define APIGW_EVENT_REGION          "us-east-1"
#define APIGW_EVENT_ACCOUNT         "000000000000"

#define APIGW_EVENT_CASEEQ(a, alen, b, blen)                                  \
    ((alen) == (blen) && strncasecmp(a, b, alen) == 0)


typedef struct {
    const char               *data;
    size_t                    len;
} apigw_event_str_t;


struct apigw_authz_result_s;

/* the request, as the glue sees it; strings need no NUL */
typedef struct {
    apigw_event_str_t         method;       /* the request's verb */
    apigw_event_str_t         path;         /* raw, the location's prefix
                                               off: "/pets/a%20b" */
    apigw_event_str_t         full_path;    /* raw, as received, with the
                                               stage: "/prod/pets/a%20b" */
    apigw_event_str_t         query;        /* raw, without "?" */
    apigw_event_str_t         resource;     /* "/pets/{petId}" */
    apigw_event_str_t         route_key;    /* "GET /pets/{petId}" */
    apigw_event_str_t         operation;    /* operationId, or empty */
    const apigw_pair_t       *headers;      /* as received, in order */
    size_t                    nheaders;
    const apigw_pair_t       *query_params; /* decoded, in order */
    size_t                    nquery_params;
    const apigw_pair_t       *path_params;  /* decoded */
    size_t                    npath_params;
    const apigw_pair_t       *stage_vars;
    size_t                    nstage_vars;
    apigw_event_str_t         stage;        /* empty: "$default" */
    apigw_event_str_t         api_id;
    apigw_event_str_t         region;       /* empty: APIGW_EVENT_REGION */
    apigw_event_str_t         account;      /* empty: APIGW_EVENT_ACCOUNT */
    apigw_event_str_t         request_id;
    apigw_event_str_t         source_ip;
    apigw_event_str_t         protocol;     /* "HTTP/1.1" */
    apigw_event_str_t         api_key;      /* the caller's, or empty */
    apigw_event_str_t         domain;       /* the Host, without its port;
                                               empty: the Host header */
    int64_t                   time_ms;      /* the request's start */

    /* proxy events only */
    apigw_event_str_t         api_key_id;   /* the caller's key's id */
    apigw_event_str_t         body;         /* data NULL: none */
    const struct apigw_authz_result_s  *authz;  /* a custom authorizer's
                                                   result, or NULL */
    json_t                   *claims;       /* a verified token's, or NULL */
    char                    **binary_types; /* binaryMediaTypes */
    size_t                    nbinary_types;
} apigw_event_request_t;


/* an event under construction: any failure (memory) sets failed */
typedef struct {
    const apigw_event_request_t  *rq;
    unsigned                      failed:1;
} apigw_event_t;

/* obj[key] = value (its reference taken); NULL value: failed */
void apigw_event_set(apigw_event_t *ev, json_t *obj, const char *key,
    json_t *value);
void apigw_event_setn(apigw_event_t *ev, json_t *obj, const char *key,
    size_t len, json_t *value);

/* a JSON string of any bytes: each byte that is not UTF-8 becomes U+FFFD */
json_t *apigw_event_jstr(const char *s, size_t len);
#define apigw_event_str(s)                                                    \
    apigw_event_jstr((s).data ? (s).data : "", (s).len)
/* a raw path, percent-decoded (a bad escape stays as it is) */
json_t *apigw_event_jdecoded(const char *s, size_t len);
/* the same into out, len bytes at most: its length */
size_t apigw_event_decode_to(const char *s, size_t len, char *out);
/*
 * a malloc()ed UTF-8 copy, NUL-terminated, for keys: bad bytes and NUL
 * become U+FFFD
 */
char *apigw_event_utf8(const char *s, size_t len, size_t *olen);
/* the same into out, 3 * len bytes at most: its length */
size_t apigw_event_utf8_to(const char *s, size_t len, char *out);
/*
 * the request's cookies one by one, as 2.0's cookies list them: each of
 * every Cookie header, trimmed, empty ones left out; *header and *at 0 at
 * first.  1 with *cookie and *len; 0 when there are no more
 */
int apigw_event_next_cookie(const apigw_event_request_t *rq, size_t *header,
    size_t *at, const char **cookie, size_t *len);
/* the first header of that name (any case), or NULL */
const apigw_pair_t *apigw_event_header(const apigw_event_request_t *rq,
    const char *name, size_t len);

/*
 * obj[single]: the last value of each name; obj[multi] (unless NULL): all
 * of them, in lists; names that differ in case only are one (icase),
 * spelled as first seen; empty_null: an empty map is null
 */
void apigw_event_multi(apigw_event_t *ev, json_t *obj, const char *single,
    const char *multi, const apigw_pair_t *pairs, size_t n, int icase,
    int empty_null);
/*
 * a map of pairs: joined 0, the last value of a name; 1, values joined
 * by commas; 2, the same with names in lower case and compared so
 */
json_t *apigw_event_pairs(apigw_event_t *ev, const apigw_pair_t *pairs,
    size_t n, int joined);
/* HTTP APIs' headers: names in lower case, repeats joined, no Cookie */
json_t *apigw_event_v2_headers(apigw_event_t *ev);
/* HTTP APIs' cookies: each of every Cookie header, in order */
json_t *apigw_event_v2_cookies(apigw_event_t *ev);
/*
 * e's cookies, headers, queryStringParameters, pathParameters and
 * stageVariables as HTTP APIs send them: each left out when empty
 */
void apigw_event_v2_maps(apigw_event_t *ev, json_t *e);

/*
 * requestContext of REST APIs ({path, accountId, resourceId, stage,
 * requestId, identity, resourcePath, httpMethod, apiId}) and of HTTP APIs
 * ({accountId, apiId, domainName, domainPrefix, http, requestId, routeKey,
 * stage, time, timeEpoch}); a proxy event's are apigw_proxy_event.c's
 */
json_t *apigw_event_rest_context(apigw_event_t *ev);
json_t *apigw_event_v2_context(apigw_event_t *ev);


#endif /* _APIGW_EVENT_H_INCLUDED_ */
