
/*
 * Copyright (C) apigw contributors
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apigw_authorizer.h"


/*
 * What every event made from a request shares (apigw_event.h): maps of
 * headers, query and path parameters and stage variables, cookies, and
 * the requestContext of REST and HTTP APIs.  Text that is not UTF-8 (a
 * header's bytes) gets U+FFFD for each bad byte: JSON cannot carry it.
 */


/* header names: ASCII, any case */
static void apigw_event_domain(apigw_event_t *ev, json_t *c);


json_t *
apigw_event_rest_context(apigw_event_t *ev)
{
    char                          rid[8];
    json_t                       *c, *identity;
    const apigw_event_request_t  *rq;

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

    apigw_event_set(ev, c, "path",
                    apigw_event_jdecoded(rq->full_path.data,
                                         rq->full_path.len));
    apigw_event_set(ev, c, "accountId",
                    rq->account.len ? apigw_event_str(rq->account)
                                    : json_string(APIGW_EVENT_ACCOUNT));
    apigw_event_set(ev, c, "resourceId", json_string(rid));
    apigw_event_set(ev, c, "stage",
                    rq->stage.len ? apigw_event_str(rq->stage)
                                  : json_string("$default"));
    apigw_event_set(ev, c, "requestId", apigw_event_str(rq->request_id));

    apigw_event_set(ev, identity, "apiKey",
                    rq->api_key.len ? apigw_event_str(rq->api_key)
                                    : json_null());

    apigw_event_set(ev, identity, "sourceIp",
                    apigw_event_str(rq->source_ip));

    apigw_event_set(ev, c, "identity", identity);

    apigw_event_set(ev, c, "resourcePath", apigw_event_str(rq->resource));
    apigw_event_set(ev, c, "httpMethod", apigw_event_str(rq->method));
    apigw_event_set(ev, c, "apiId", apigw_event_str(rq->api_id));

    return c;
}


json_t *
apigw_event_v2_context(apigw_event_t *ev)
{
    char                          time[32];
    json_t                       *c, *http;
    const apigw_pair_t           *ua;
    const apigw_event_request_t  *rq;

    rq = ev->rq;

    c = json_object();
    http = json_object();

    if (c == NULL || http == NULL) {
        json_decref(c);
        json_decref(http);
        ev->failed = 1;
        return NULL;
    }

    ua = apigw_event_header(rq, "user-agent", 10);

    apigw_event_set(ev, c, "accountId",
                    rq->account.len ? apigw_event_str(rq->account)
                                    : json_string(APIGW_EVENT_ACCOUNT));
    apigw_event_set(ev, c, "apiId", apigw_event_str(rq->api_id));
    apigw_event_domain(ev, c);

    apigw_event_set(ev, http, "method", apigw_event_str(rq->method));
    apigw_event_set(ev, http, "path",
                    apigw_event_jdecoded(rq->full_path.data,
                                         rq->full_path.len));
    apigw_event_set(ev, http, "protocol", apigw_event_str(rq->protocol));
    apigw_event_set(ev, http, "sourceIp", apigw_event_str(rq->source_ip));
    apigw_event_set(ev, http, "userAgent",
                    ua ? apigw_event_jstr(ua->value, ua->value_len)
                       : json_string(""));
    apigw_event_set(ev, c, "http", http);

    apigw_event_set(ev, c, "requestId", apigw_event_str(rq->request_id));
    apigw_event_set(ev, c, "routeKey", apigw_event_str(rq->route_key));
    apigw_event_set(ev, c, "stage",
                    rq->stage.len ? apigw_event_str(rq->stage)
                                  : json_string("$default"));

    apigw_authz_format_time(rq->time_ms, time);
    apigw_event_set(ev, c, "time", json_string(time));
    apigw_event_set(ev, c, "timeEpoch", json_integer(rq->time_ms));

    return c;
}


/*
 * domainName and domainPrefix: the request's domain (the Host without
 * its port), or its Host header as it is; none without either
 */
static void
apigw_event_domain(apigw_event_t *ev, json_t *c)
{
    const char          *dot;
    apigw_event_str_t    host;
    const apigw_pair_t  *h;

    host = ev->rq->domain;

    if (host.len == 0) {
        h = apigw_event_header(ev->rq, "host", 4);

        if (h == NULL) {
            return;
        }

        host.data = h->value;
        host.len = h->value_len;
    }

    dot = memchr(host.data, '.', host.len);

    apigw_event_set(ev, c, "domainName", apigw_event_str(host));
    apigw_event_set(ev, c, "domainPrefix",
                    apigw_event_jstr(host.data,
                                     dot ? (size_t) (dot - host.data)
                                         : host.len));
}


/*
 * HTTP APIs' cookies, headers, queryStringParameters, pathParameters and
 * stageVariables, each left out when empty
 */
void
apigw_event_v2_maps(apigw_event_t *ev, json_t *e)
{
    json_t                       *v;
    const apigw_event_request_t  *rq;

    rq = ev->rq;

    v = apigw_event_v2_cookies(ev);

    if (v != NULL && json_array_size(v) == 0) {
        json_decref(v);

    } else {
        apigw_event_set(ev, e, "cookies", v);
    }

    apigw_event_set(ev, e, "headers", apigw_event_v2_headers(ev));

    if (rq->nquery_params) {
        apigw_event_set(ev, e, "queryStringParameters",
                        apigw_event_pairs(ev, rq->query_params,
                                          rq->nquery_params, 1));
    }

    if (rq->npath_params) {
        apigw_event_set(ev, e, "pathParameters",
                        apigw_event_pairs(ev, rq->path_params,
                                          rq->npath_params, 0));
    }

    if (rq->nstage_vars) {
        apigw_event_set(ev, e, "stageVariables",
                        apigw_event_pairs(ev, rq->stage_vars,
                                          rq->nstage_vars, 0));
    }
}


void
apigw_event_multi(apigw_event_t *ev, json_t *obj, const char *single,
    const char *multi, const apigw_pair_t *pairs, size_t n, int icase,
    int empty_null)
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
            if (icase ? APIGW_EVENT_CASEEQ(pairs[j].name, pairs[j].name_len,
                                           pairs[i].name, pairs[i].name_len)
                      : (pairs[j].name_len == pairs[i].name_len
                         && memcmp(pairs[j].name, pairs[i].name,
                                   pairs[i].name_len) == 0))
            {
                break;
            }
        }

        key = apigw_event_utf8(pairs[j].name, pairs[j].name_len, &klen);
        if (key == NULL) {
            ev->failed = 1;
            break;
        }

        apigw_event_setn(ev, s, key, klen,
                         apigw_event_jstr(pairs[i].value,
                                          pairs[i].value_len));

        if (m != NULL) {
            list = json_object_getn(m, key, klen);

            if (list == NULL) {
                list = json_array();
                apigw_event_setn(ev, m, key, klen, list);
            }

            if (list == NULL
                || json_array_append_new(list,
                                         apigw_event_jstr(pairs[i].value,
                                                          pairs[i].value_len))
                   != 0)
            {
                ev->failed = 1;
            }
        }

        free(key);
    }

    if (empty_null && n == 0) {
        json_decref(s);
        json_decref(m);
        s = json_null();
        m = multi ? json_null() : NULL;
    }

    apigw_event_set(ev, obj, single, s);

    if (multi) {
        apigw_event_set(ev, obj, multi, m);
    }
}


/* 2.0: names in lower case, repeats joined by commas, no Cookie */
json_t *
apigw_event_v2_headers(apigw_event_t *ev)
{
    size_t                        i, j;
    json_t                       *h;
    apigw_pair_t                 *kept;
    const apigw_event_request_t  *rq;

    rq = ev->rq;

    kept = malloc((rq->nheaders + 1) * sizeof(apigw_pair_t));
    if (kept == NULL) {
        ev->failed = 1;
        return NULL;
    }

    for (j = 0, i = 0; i < rq->nheaders; i++) {
        if (!APIGW_EVENT_CASEEQ(rq->headers[i].name, rq->headers[i].name_len,
                                "cookie", 6))
        {
            kept[j++] = rq->headers[i];
        }
    }

    h = apigw_event_pairs(ev, kept, j, 2);
    free(kept);

    return h;
}


json_t *
apigw_event_v2_cookies(apigw_event_t *ev)
{
    size_t       header, at, len;
    json_t      *list;
    const char  *cookie;

    list = json_array();
    if (list == NULL) {
        ev->failed = 1;
        return NULL;
    }

    header = 0;
    at = 0;

    while (apigw_event_next_cookie(ev->rq, &header, &at, &cookie, &len)) {
        if (json_array_append_new(list, apigw_event_jstr(cookie, len)) != 0) {
            ev->failed = 1;
        }
    }

    return list;
}


int
apigw_event_next_cookie(const apigw_event_request_t *rq, size_t *header,
    size_t *at, const char **cookie, size_t *len)
{
    size_t       n;
    const char  *p, *end, *semi;

    for ( /* void */ ; *header < rq->nheaders; (*header)++, *at = 0) {
        if (!APIGW_EVENT_CASEEQ(rq->headers[*header].name,
                                rq->headers[*header].name_len, "cookie", 6))
        {
            continue;
        }

        p = rq->headers[*header].value + *at;
        end = rq->headers[*header].value + rq->headers[*header].value_len;

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

            *at = semi - rq->headers[*header].value + (semi < end);

            if (n) {
                *cookie = p;
                *len = n;
                return 1;
            }

            p = semi + 1;
        }
    }

    return 0;
}


/*
 * a map of pairs: joined 0, the last value of a name; 1, values joined
 * by commas; 2, the same with names in lower case and compared so
 */
json_t *
apigw_event_pairs(apigw_event_t *ev, const apigw_pair_t *pairs, size_t n,
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
        key = apigw_event_utf8(pairs[i].name, pairs[i].name_len, &klen);
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
            apigw_event_setn(ev, obj, key, klen,
                             apigw_event_jstr(pairs[i].value,
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

        apigw_event_setn(ev, obj, key, klen,
                         apigw_event_jstr(text,
                                          tlen + 1 + pairs[i].value_len));
        free(text);
        free(key);
    }

    return obj;
}


void
apigw_event_set(apigw_event_t *ev, json_t *obj, const char *key,
    json_t *value)
{
    if (value == NULL || json_object_set_new(obj, key, value) != 0) {
        ev->failed = 1;
    }
}


void
apigw_event_setn(apigw_event_t *ev, json_t *obj, const char *key,
    size_t len, json_t *value)
{
    if (value == NULL || json_object_setn_new(obj, key, len, value) != 0) {
        ev->failed = 1;
    }
}


json_t *
apigw_event_jstr(const char *s, size_t len)
{
    char    *copy;
    size_t   n;
    json_t  *v;

    if (apigw_utf8_valid(s, len)) {
        return json_stringn(s, len);
    }

    copy = apigw_event_utf8(s, len, &n);
    if (copy == NULL) {
        return NULL;
    }

    v = json_stringn(copy, n);
    free(copy);

    return v;
}


/* a raw path, percent-decoded (a bad escape stays as it is) */
json_t *
apigw_event_jdecoded(const char *s, size_t len)
{
    char    *buf;
    size_t   n;
    json_t  *v;

    buf = malloc(len + 1);
    if (buf == NULL) {
        return NULL;
    }

    n = apigw_event_decode_to(s, len, buf);
    v = apigw_event_jstr(buf, n);
    free(buf);

    return v;
}


size_t
apigw_event_decode_to(const char *s, size_t len, char *out)
{
    int     h, l;
    size_t  i, n;

    for (n = 0, i = 0; i < len; i++) {
        if (s[i] == '%' && i + 2 < len
            && (h = apigw_hex_digit((unsigned char) s[i + 1])) >= 0
            && (l = apigw_hex_digit((unsigned char) s[i + 2])) >= 0)
        {
            out[n++] = (char) (h * 16 + l);
            i += 2;
            continue;
        }

        out[n++] = s[i];
    }

    return n;
}


/*
 * a copy that is UTF-8 without NUL (an object's key cannot hold one for
 * jansson's reader): each bad byte and each NUL becomes U+FFFD
 */
char *
apigw_event_utf8(const char *s, size_t len, size_t *olen)
{
    char  *copy;

    copy = malloc(3 * len + 1);
    if (copy == NULL) {
        return NULL;
    }

    *olen = apigw_event_utf8_to(s, len, copy);
    copy[*olen] = '\0';

    return copy;
}


size_t
apigw_event_utf8_to(const char *s, size_t len, char *out)
{
    char        *p;
    size_t       n;
    uint32_t     cp;
    const char  *end;

    p = out;
    end = s + len;

    while (s < end) {
        n = apigw_utf8_char(s, end, &cp);

        if (n == 0 || cp == 0) {
            memcpy(p, "\xEF\xBF\xBD", 3);
            p += 3;
            s++;
            continue;
        }

        memcpy(p, s, n);
        p += n;
        s += n;
    }

    return p - out;
}


const apigw_pair_t *
apigw_event_header(const apigw_event_request_t *rq, const char *name,
    size_t len)
{
    size_t  i;

    for (i = 0; i < rq->nheaders; i++) {
        if (APIGW_EVENT_CASEEQ(rq->headers[i].name, rq->headers[i].name_len,
                               name, len))
        {
            return &rq->headers[i];
        }
    }

    return NULL;
}
