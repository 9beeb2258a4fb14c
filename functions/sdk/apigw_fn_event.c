
/*
 * Copyright (C) apigw contributors
 */


/*
 * Reading an API Gateway proxy event: payload 1.0 (REST: httpMethod, path,
 * resource, headers, multiValueHeaders, queryStringParameters, ...) and
 * 2.0 (HTTP API: version "2.0", rawPath, routeKey, cookies,
 * requestContext.http, ...).  Every accessor returns NULL where the event
 * has nothing, whatever its shape.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "apigw_fn_int.h"
#include "apigw_core.h"
#include "apigw_json_int.h"


static int apigw_fn_event_scan(apigw_fn_request_t *req);
static const char *apigw_fn_string(apigw_fn_request_t *req, json_t *v);


apigw_fn_request_t *
apigw_fn_request_new(const char *event, size_t len)
{
    json_t              *v;
    apigw_fn_request_t  *req;

    req = calloc(1, sizeof(apigw_fn_request_t));

    if (req == NULL) {
        return NULL;
    }

    req->text = malloc(len + 1);

    if (req->text == NULL) {
        free(req);
        return NULL;
    }

    memcpy(req->text, event, len);
    req->text[len] = '\0';
    req->len = len;

    /*
     * checked whole, but only the members a handler asks for become trees:
     * most of an event (requestContext, the multi-value maps) is never
     * read, and building a tree was most of an invocation's work
     */
    req->json = (apigw_fn_event_scan(req) == 0);

    v = apigw_fn_top(req, "version");

    if (json_is_string(v) && strcmp(json_string_value(v), "2.0") == 0
        && apigw_fn_top(req, "rawPath") != NULL)
    {
        req->version = 2;

    } else if (json_is_string(apigw_fn_top(req, "httpMethod"))) {
        req->version = 1;
    }

    return req;
}


/* the event's text checked, and an object's members found */

static int
apigw_fn_event_scan(apigw_fn_request_t *req)
{
    int                   rc;
    size_t                n, len;
    const char           *name;
    apigw_fn_top_t       *top;
    apigw_json_parser_t   jp;

    apigw_json_init(&jp, req->text, req->len, APIGW_JSON_LENIENT_DEPTH,
                    NULL, 0);
    jp.lenient = 1;

    rc = -1;
    apigw_json_skip_ws(&jp);

    if (jp.p == jp.end) {
        goto done;
    }

    if (*jp.p != '{') {
        /* any other JSON: a tree when asked for */
        if (apigw_json_skip(&jp) == 0) {
            apigw_json_skip_ws(&jp);
            rc = (jp.p == jp.end) ? 0 : -1;
        }

        goto done;
    }

    jp.p++;
    jp.depth = 1;
    apigw_json_skip_ws(&jp);

    if (jp.p < jp.end && *jp.p == '}') {
        jp.p++;
        goto end;
    }

    for ( ;; ) {
        if (jp.p == jp.end || *jp.p != '"'
            || apigw_json_string(&jp, &name, &len) != 0)
        {
            goto done;
        }

        if (name < req->text || name >= req->text + req->len) {
            /* unescaped in the scanner's scratch */
            name = apigw_fn_keep(req, name, len);

            if (name == NULL) {
                goto done;
            }
        }

        apigw_json_skip_ws(&jp);

        if (jp.p == jp.end || *jp.p != ':') {
            goto done;
        }

        jp.p++;
        apigw_json_skip_ws(&jp);

        if (jp.p == jp.end) {
            goto done;
        }

        if (req->ntop % 16 == 0) {
            n = req->ntop + 16;
            top = realloc(req->top, n * sizeof(apigw_fn_top_t));

            if (top == NULL) {
                goto done;
            }

            req->top = top;
        }

        top = &req->top[req->ntop];
        top->name = name;
        top->name_len = len;
        top->text = (const char *) jp.p;
        top->value = NULL;

        if (apigw_json_skip(&jp) != 0) {
            goto done;
        }

        top->len = (const char *) jp.p - top->text;
        req->ntop++;

        apigw_json_skip_ws(&jp);

        if (jp.p < jp.end && *jp.p == '}') {
            jp.p++;
            break;
        }

        if (jp.p == jp.end || *jp.p != ',') {
            goto done;
        }

        jp.p++;
        apigw_json_skip_ws(&jp);
    }

end:

    apigw_json_skip_ws(&jp);
    rc = (jp.p == jp.end) ? 0 : -1;
    req->object = (rc == 0);

done:

    apigw_json_done(&jp);

    if (rc != 0) {
        req->ntop = 0;
    }

    return rc;
}


json_t *
apigw_fn_top(apigw_fn_request_t *req, const char *name)
{
    size_t           i, n;
    apigw_fn_top_t  *top;

    if (req->event_done) {
        /* the tree, as the handler may have changed it */
        return apigw_fn_member(req->event, name);
    }

    n = strlen(name);

    for (i = req->ntop; i-- > 0; /* void */ ) {
        top = &req->top[i];

        if (top->name_len == n && memcmp(top->name, name, n) == 0) {
            if (top->value == NULL) {
                top->value = apigw_json_parse_lenient(top->text, top->len,
                                                      NULL, 0);
            }

            return top->value;
        }
    }

    return NULL;
}


void
apigw_fn_request_set(apigw_fn_request_t *req, const char *id,
    const char *arn, const char *trace, int64_t deadline)
{
    free(req->id);
    free(req->arn);
    free(req->trace);

    req->id = id ? strdup(id) : NULL;
    req->arn = arn ? strdup(arn) : NULL;
    req->trace = trace ? strdup(trace) : NULL;
    req->deadline = deadline;
}


void
apigw_fn_request_free(apigw_fn_request_t *req)
{
    size_t  i;

    if (req == NULL) {
        return;
    }

    for (i = 0; i < req->ntop; i++) {
        json_decref(req->top[i].value);
    }

    free(req->top);
    free(req->text);
    json_decref(req->event);
    json_decref(req->body_json);
    json_decref(req->scratch);
    free(req->body);
    free(req->id);
    free(req->arn);
    free(req->trace);
    free(req);
}


json_t *
apigw_fn_event(apigw_fn_request_t *req)
{
    if (!req->event_done) {
        req->event_done = 1;

        if (req->json) {
            req->event = apigw_json_parse_lenient(req->text, req->len, NULL,
                                                  0);
        }
    }

    return req->event;
}


int
apigw_fn_payload_version(apigw_fn_request_t *req)
{
    return req->version;
}


const char *
apigw_fn_method(apigw_fn_request_t *req)
{
    json_t  *http;

    if (req->version == 2) {
        http = apigw_fn_member(apigw_fn_top(req, "requestContext"), "http");
        return apigw_fn_string(req, apigw_fn_member(http, "method"));
    }

    return apigw_fn_string(req, apigw_fn_top(req, "httpMethod"));
}


const char *
apigw_fn_path(apigw_fn_request_t *req)
{
    return apigw_fn_string(req, apigw_fn_top(req, req->version == 2
                                                  ? "rawPath" : "path"));
}


const char *
apigw_fn_route(apigw_fn_request_t *req)
{
    return apigw_fn_string(req, apigw_fn_top(req, req->version == 2
                                                  ? "routeKey" : "resource"));
}


const char *
apigw_fn_path_param(apigw_fn_request_t *req, const char *name)
{
    return apigw_fn_string(req, apigw_fn_member(
               apigw_fn_top(req, "pathParameters"), name));
}


const char *
apigw_fn_query(apigw_fn_request_t *req, const char *name)
{
    return apigw_fn_string(req, apigw_fn_member(
               apigw_fn_top(req, "queryStringParameters"), name));
}


size_t
apigw_fn_query_all(apigw_fn_request_t *req, const char *name,
    const char **values, size_t n)
{
    size_t       i, count;
    json_t      *multi, *v;
    const char  *s, *comma;

    multi = apigw_fn_member(apigw_fn_top(req,
                                         "multiValueQueryStringParameters"),
                            name);

    if (json_is_array(multi)) {
        count = 0;

        json_array_foreach(multi, i, v) {
            if (count < n) {
                values[count] = apigw_fn_string(req, v);
            }

            count++;
        }

        return count;
    }

    s = apigw_fn_query(req, name);

    if (s == NULL) {
        return 0;
    }

    if (req->version != 2) {
        if (n > 0) {
            values[0] = s;
        }

        return 1;
    }

    /* 2.0 joins the values with commas */

    for (count = 0; ; count++) {
        comma = strchr(s, ',');

        if (count < n) {
            values[count] = apigw_fn_keep(req, s,
                                          comma ? (size_t) (comma - s)
                                                : strlen(s));
        }

        if (comma == NULL) {
            return count + 1;
        }

        s = comma + 1;
    }
}


const char *
apigw_fn_header(apigw_fn_request_t *req, const char *name)
{
    json_t  *v;

    v = apigw_fn_member_nocase(apigw_fn_top(req, "headers"), name);

    if (v != NULL) {
        return apigw_fn_string(req, v);
    }

    v = apigw_fn_member_nocase(apigw_fn_top(req, "multiValueHeaders"), name);

    return json_is_array(v) ? apigw_fn_string(req, json_array_get(v, 0))
                            : NULL;
}


/* from 2.0's cookies, or from the Cookie header */

const char *
apigw_fn_cookie(apigw_fn_request_t *req, const char *name)
{
    size_t       i, n;
    json_t      *cookies, *c;
    const char  *s, *end, *eq;

    n = strlen(name);
    cookies = apigw_fn_top(req, "cookies");

    json_array_foreach(cookies, i, c) {
        s = json_string_value(c);

        if (s != NULL && strncmp(s, name, n) == 0 && s[n] == '=') {
            return s + n + 1;
        }
    }

    s = apigw_fn_header(req, "Cookie");

    while (s != NULL && *s) {
        while (*s == ' ' || *s == ';') {
            s++;
        }

        end = strchr(s, ';');

        if (end == NULL) {
            end = s + strlen(s);
        }

        eq = memchr(s, '=', end - s);

        if (eq != NULL && (size_t) (eq - s) == n && strncmp(s, name, n) == 0)
        {
            return apigw_fn_keep(req, eq + 1, end - eq - 1);
        }

        s = end;
    }

    return NULL;
}


const char *
apigw_fn_stage_var(apigw_fn_request_t *req, const char *name)
{
    return apigw_fn_string(req, apigw_fn_member(
               apigw_fn_top(req, "stageVariables"), name));
}


const char *
apigw_fn_context(apigw_fn_request_t *req, const char *path)
{
    char         key[256];
    size_t       n;
    json_t      *v;
    const char  *dot;

    v = apigw_fn_top(req, "requestContext");

    while (v != NULL && *path) {
        dot = strchr(path, '.');
        n = dot ? (size_t) (dot - path) : strlen(path);

        if (n >= sizeof(key)) {
            return NULL;
        }

        memcpy(key, path, n);
        key[n] = '\0';
        v = apigw_fn_member(v, key);
        path += n + (dot != NULL);
    }

    return apigw_fn_string(req, v);
}


const char *
apigw_fn_authorizer(apigw_fn_request_t *req, const char *name)
{
    json_t  *a, *v;

    a = apigw_fn_member(apigw_fn_top(req, "requestContext"), "authorizer");

    v = apigw_fn_member(apigw_fn_member(a, "lambda"), name);

    if (v == NULL) {
        v = apigw_fn_member(apigw_fn_member(apigw_fn_member(a, "jwt"),
                                            "claims"), name);
    }

    if (v == NULL) {
        v = apigw_fn_member(apigw_fn_member(a, "claims"), name);
    }

    if (v == NULL) {
        v = apigw_fn_member(a, name);
    }

    return apigw_fn_string(req, v);
}


const char *
apigw_fn_body(apigw_fn_request_t *req, size_t *len)
{
    json_t  *body;

    if (!req->body_done) {
        req->body_done = 1;
        body = apigw_fn_top(req, "body");

        if (!json_is_string(body)) {
            return NULL;
        }

        if (json_is_true(apigw_fn_top(req, "isBase64Encoded"))) {
            req->body = apigw_fn_base64_decode(json_string_value(body),
                                               json_string_length(body),
                                               &req->body_len);

        } else {
            req->body_len = json_string_length(body);
            req->body = malloc(req->body_len + 1);

            if (req->body != NULL) {
                memcpy(req->body, json_string_value(body), req->body_len + 1);
            }
        }
    }

    if (len != NULL) {
        *len = req->body ? req->body_len : 0;
    }

    return req->body;
}


json_t *
apigw_fn_body_json(apigw_fn_request_t *req)
{
    size_t       len;
    const char  *body;

    if (!req->body_json_done) {
        req->body_json_done = 1;
        body = apigw_fn_body(req, &len);

        if (body != NULL) {
            req->body_json = json_loadb(body, len, JSON_DECODE_ANY
                                                   | JSON_REJECT_DUPLICATES,
                                        NULL);
        }
    }

    return req->body_json;
}


const char *
apigw_fn_get(apigw_fn_request_t *req, const char *pointer)
{
    int          top;
    char         key[256];
    size_t       n, i, k;
    json_t      *v;
    const char  *p, *end;

    if (*pointer != '/' && *pointer != '\0') {
        return NULL;
    }

    /* an object's members without its tree */
    top = (req->object && !req->event_done);
    v = top ? NULL : apigw_fn_event(req);

    for (p = pointer; (top || v != NULL) && *p == '/'; p = end) {
        p++;
        end = strchr(p, '/');

        if (end == NULL) {
            end = p + strlen(p);
        }

        n = end - p;
        k = 0;

        for (i = 0; i < n && k < sizeof(key) - 1; i++) {
            if (p[i] == '~' && i + 1 < n && (p[i + 1] == '0'
                                             || p[i + 1] == '1'))
            {
                key[k++] = p[++i] == '0' ? '~' : '/';

            } else {
                key[k++] = p[i];
            }
        }

        key[k] = '\0';

        if (top) {
            top = 0;
            v = apigw_fn_top(req, key);

        } else if (json_is_array(v)) {
            v = json_array_get(v, strtoul(key, NULL, 10));

        } else {
            v = apigw_fn_member(v, key);
        }
    }

    return apigw_fn_string(req, v);
}


const char *
apigw_fn_request_id(apigw_fn_request_t *req)
{
    return req->id;
}


const char *
apigw_fn_function_arn(apigw_fn_request_t *req)
{
    return req->arn;
}


const char *
apigw_fn_trace_id(apigw_fn_request_t *req)
{
    return req->trace;
}


int64_t
apigw_fn_deadline_ms(apigw_fn_request_t *req)
{
    return req->deadline;
}


int64_t
apigw_fn_remaining_ms(apigw_fn_request_t *req)
{
    int64_t         now;
    struct timeval  tv;

    if (req->deadline == 0) {
        return 0;
    }

    gettimeofday(&tv, NULL);
    now = (int64_t) tv.tv_sec * 1000 + tv.tv_usec / 1000;

    return req->deadline > now ? req->deadline - now : 0;
}


/* a string as it is; a number or a boolean as text; NULL for the rest */

static const char *
apigw_fn_string(apigw_fn_request_t *req, json_t *v)
{
    char  buf[64];
    int   n;

    if (json_is_string(v)) {
        return json_string_value(v);
    }

    if (json_is_integer(v)) {
        n = snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT,
                     json_integer_value(v));
        return apigw_fn_keep(req, buf, n);
    }

    if (json_is_real(v)) {
        n = snprintf(buf, sizeof(buf), "%.17g", json_real_value(v));
        return apigw_fn_keep(req, buf, n);
    }

    if (json_is_boolean(v)) {
        return json_is_true(v) ? "true" : "false";
    }

    return NULL;
}
