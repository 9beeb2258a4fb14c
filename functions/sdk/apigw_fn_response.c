
/*
 * Copyright (C) apigw contributors
 */


/*
 * The answer of a handler, as the payload posted to the Runtime API:
 *
 * - a proxy response, payload 1.0: {"statusCode", "headers",
 *   "multiValueHeaders", "body", "isBase64Encoded"}; 2.0: the values of a
 *   header joined by commas, Set-Cookie values in "cookies";
 * - a JSON value as it is (apigw_fn_result(): authorizers, plain events);
 * - a function error, {"errorMessage", "errorType", "stackTrace": []},
 *   posted to .../error.
 */

#define _GNU_SOURCE

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_fn_int.h"
#include "apigw_core.h"


static int apigw_fn_header_remove(json_t *obj, const char *name);
static json_t *apigw_fn_headers_v2(apigw_fn_response_t *resp,
    json_t **cookies);
static char *apigw_fn_dump(const json_t *v, size_t *len);
static char *apigw_fn_proxy_answer(apigw_fn_response_t *resp, size_t *len);


apigw_fn_response_t *
apigw_fn_response_new(apigw_fn_request_t *req)
{
    apigw_fn_response_t  *resp;

    resp = calloc(1, sizeof(apigw_fn_response_t));

    if (resp == NULL) {
        return NULL;
    }

    resp->req = req;
    resp->status = 200;
    resp->headers = json_object();
    resp->multi = json_object();

    if (resp->headers == NULL || resp->multi == NULL) {
        apigw_fn_response_free(resp);
        return NULL;
    }

    return resp;
}


void
apigw_fn_response_free(apigw_fn_response_t *resp)
{
    if (resp == NULL) {
        return;
    }

    json_decref(resp->headers);
    json_decref(resp->multi);
    json_decref(resp->result);
    free(resp->body);
    free(resp->error_type);
    free(resp->error_message);
    free(resp);
}


void
apigw_fn_status(apigw_fn_response_t *resp, int status)
{
    resp->status = status;
}


int
apigw_fn_header_set(apigw_fn_response_t *resp, const char *name,
    const char *value)
{
    json_t  *v;

    apigw_fn_header_remove(resp->headers, name);
    apigw_fn_header_remove(resp->multi, name);

    if (value == NULL) {
        return 0;
    }

    v = json_string(value);

    if (v == NULL || json_object_set_new(resp->headers, name, v) != 0) {
        resp->failed = 1;
        return -1;
    }

    return 0;
}


int
apigw_fn_header_add(apigw_fn_response_t *resp, const char *name,
    const char *value)
{
    json_t      *list, *one, *found, *v;
    const char  *key;

    list = NULL;

    json_object_foreach(resp->multi, key, v) {
        if (apigw_fn_strcaseeq(key, name)) {
            list = v;
            break;
        }
    }

    if (list == NULL) {
        list = json_array();
        found = NULL;

        /* a value set before goes first, under its name */
        json_object_foreach(resp->headers, key, one) {
            if (apigw_fn_strcaseeq(key, name)) {
                name = key;
                found = one;
                break;
            }
        }

        if (list == NULL || json_object_set_new(resp->multi, name, list)) {
            resp->failed = 1;
            return -1;
        }

        if (found != NULL) {
            json_array_append(list, found);
            json_object_del(resp->headers, name);
        }
    }

    if (json_array_append_new(list, json_string(value)) != 0) {
        resp->failed = 1;
        return -1;
    }

    return 0;
}


int
apigw_fn_body_set(apigw_fn_response_t *resp, const char *data, size_t len)
{
    json_t  *check;

    free(resp->body);
    resp->body = NULL;
    resp->base64 = 0;

    /* JSON strings are UTF-8: other bytes go base64 */
    check = json_stringn(data, len);

    if (check == NULL) {
        return apigw_fn_binary(resp, data, len);
    }

    json_decref(check);

    resp->body = malloc(len + 1);

    if (resp->body == NULL) {
        resp->failed = 1;
        return -1;
    }

    memcpy(resp->body, data, len);
    resp->body[len] = '\0';
    resp->len = len;

    return 0;
}


int
apigw_fn_binary(apigw_fn_response_t *resp, const void *data, size_t len)
{
    free(resp->body);
    resp->body = apigw_fn_base64_encode(data, len, &resp->len);
    resp->base64 = 1;

    if (resp->body == NULL) {
        resp->failed = 1;
        return -1;
    }

    return 0;
}


int
apigw_fn_printf(apigw_fn_response_t *resp, int status, const char *fmt, ...)
{
    int       n;
    char     *text;
    va_list   args;

    va_start(args, fmt);
    n = vasprintf(&text, fmt, args);
    va_end(args);

    if (n < 0) {
        resp->failed = 1;
        return -1;
    }

    resp->status = status;

    if (apigw_fn_member_nocase(resp->headers, "Content-Type") == NULL) {
        apigw_fn_header_set(resp, "Content-Type", "text/plain; charset=utf-8");
    }

    n = apigw_fn_body_set(resp, text, n);
    free(text);

    return n;
}


int
apigw_fn_json(apigw_fn_response_t *resp, int status, json_t *body)
{
    int      rc;
    char    *text;
    size_t   len;

    if (body == NULL) {
        resp->failed = 1;
        return -1;
    }

    text = apigw_fn_dump(body, &len);
    json_decref(body);

    if (text == NULL) {
        resp->failed = 1;
        return -1;
    }

    resp->status = status;
    apigw_fn_header_set(resp, "Content-Type", "application/json");

    rc = apigw_fn_body_set(resp, text, len);
    free(text);

    return rc;
}


int
apigw_fn_jsonf(apigw_fn_response_t *resp, int status, const char *fmt, ...)
{
    json_t   *body;
    va_list   args;

    va_start(args, fmt);
    body = json_vpack_ex(NULL, 0, fmt, args);
    va_end(args);

    return apigw_fn_json(resp, status, body);
}


int
apigw_fn_result(apigw_fn_response_t *resp, json_t *result)
{
    json_decref(resp->result);
    resp->result = result;

    if (result == NULL) {
        resp->failed = 1;
        return -1;
    }

    return 0;
}


int
apigw_fn_authorize(apigw_fn_response_t *resp, const char *principal,
    int allow, const char *resource, json_t *context)
{
    json_t  *answer;

    answer = json_pack("{s:s,s:{s:s,s:[{s:s,s:s,s:s}]}}",
                       "principalId", principal,
                       "policyDocument",
                         "Version", "2012-10-17",
                         "Statement",
                           "Action", "execute-api:Invoke",
                           "Effect", allow ? "Allow" : "Deny",
                           "Resource", resource ? resource : "*");

    if (answer != NULL && context != NULL) {
        json_object_set(answer, "context", context);
    }

    json_decref(context);

    return apigw_fn_result(resp, answer);
}


int
apigw_fn_error(apigw_fn_response_t *resp, const char *type,
    const char *fmt, ...)
{
    int      n;
    char    *msg;
    va_list  args;

    va_start(args, fmt);
    n = vasprintf(&msg, fmt, args);
    va_end(args);

    free(resp->error_type);
    free(resp->error_message);

    resp->error_type = strdup(type ? type : "HandlerError");
    resp->error_message = n >= 0 ? msg : NULL;

    return -1;
}


char *
apigw_fn_response_payload(apigw_fn_response_t *resp, int rc, int *error,
    size_t *len)
{
    char    *out;
    json_t  *obj;

    *error = 0;
    obj = NULL;

    if (rc != 0 || resp->error_type != NULL || resp->failed) {
        *error = 1;

        obj = json_pack("{s:s,s:s,s:[]}",
                        "errorMessage", resp->error_message
                                        ? resp->error_message
                                        : resp->failed ? "out of memory"
                                        : "the handler failed",
                        "errorType", resp->error_type ? resp->error_type
                                                      : "HandlerError",
                        "stackTrace");

        if (obj == NULL) {
            obj = json_pack("{s:s,s:s}", "errorMessage", "the handler "
                            "failed (its message is not UTF-8)",
                            "errorType", "HandlerError");
        }

    } else if (resp->result != NULL) {
        return apigw_fn_dump(resp->result, len);

    } else {
        /* written as it goes: json_pack() and a tree cost twice as much */
        out = apigw_fn_proxy_answer(resp, len);

        if (out != NULL) {
            return out;
        }
    }

    if (obj == NULL) {
        *error = 1;
        out = strdup("{\"errorMessage\":\"out of memory\","
                     "\"errorType\":\"HandlerError\"}");
        *len = out ? strlen(out) : 0;

        return out;
    }

    out = apigw_fn_dump(obj, len);
    json_decref(obj);

    return out;
}


/*
 * The proxy answer, as json_dumps() writes {statusCode, headers,
 * multiValueHeaders (1.0), body, isBase64Encoded, cookies (2.0, if any)}
 */
static char *
apigw_fn_proxy_answer(apigw_fn_response_t *resp, size_t *len)
{
    int                   v2;
    json_t               *headers, *cookies;
    apigw_json_writer_t   w;

    headers = resp->headers;
    cookies = NULL;
    v2 = (resp->req != NULL && resp->req->version == 2);

    if (v2) {
        headers = apigw_fn_headers_v2(resp, &cookies);

        if (headers == NULL) {
            json_decref(cookies);
            return NULL;
        }
    }

    apigw_json_writer_init(&w, NULL, 256 + resp->len + resp->len / 8);

    apigw_json_write_begin(&w, '{');
    apigw_json_write_keyl(&w, "statusCode");
    apigw_json_write_integer(&w, resp->status);
    apigw_json_write_keyl(&w, "headers");
    apigw_json_write_value(&w, headers);

    if (!v2) {
        apigw_json_write_keyl(&w, "multiValueHeaders");
        apigw_json_write_value(&w, resp->multi);
    }

    apigw_json_write_keyl(&w, "body");
    apigw_json_write_string(&w, resp->body ? resp->body : "",
                            resp->body ? resp->len : 0);
    apigw_json_write_keyl(&w, "isBase64Encoded");

    if (resp->base64) {
        apigw_json_write_rawl(&w, "true");

    } else {
        apigw_json_write_rawl(&w, "false");
    }

    if (cookies != NULL) {
        apigw_json_write_keyl(&w, "cookies");
        apigw_json_write_value(&w, cookies);
    }

    apigw_json_write_end(&w, '}');

    if (v2) {
        json_decref(headers);
    }

    json_decref(cookies);

    if (apigw_json_writer_reserve(&w, 1) == NULL) {
        free(w.start);
        return NULL;
    }

    *w.p = '\0';
    *len = w.p - w.start;

    return w.start;
}


/* compact JSON as json_dumps() writes it, without its cycle check's cost */
static char *
apigw_fn_dump(const json_t *v, size_t *len)
{
    char    *out;
    size_t   n;

    n = apigw_json_dump_size(v);

    if (n == (size_t) -1) {
        return NULL;
    }

    out = malloc(n + 1);

    if (out == NULL) {
        return NULL;
    }

    *apigw_json_dump_write(v, out) = '\0';
    *len = n;

    return out;
}


/* 2.0: one value a header, "," between several; Set-Cookie in cookies */

static json_t *
apigw_fn_headers_v2(apigw_fn_response_t *resp, json_t **cookies)
{
    char        *joined, *p;
    size_t       i, n;
    json_t      *headers, *list, *v;
    const char  *key;

    headers = json_deep_copy(resp->headers);

    if (headers == NULL) {
        return NULL;
    }

    json_object_foreach(resp->multi, key, list) {
        if (apigw_fn_strcaseeq(key, "Set-Cookie")) {
            *cookies = json_deep_copy(list);
            continue;
        }

        n = 1;

        json_array_foreach(list, i, v) {
            n += json_string_length(v) + 1;
        }

        joined = malloc(n);

        if (joined == NULL) {
            continue;
        }

        p = joined;

        json_array_foreach(list, i, v) {
            if (i > 0) {
                *p++ = ',';
            }

            memcpy(p, json_string_value(v), json_string_length(v));
            p += json_string_length(v);
        }

        *p = '\0';
        json_object_set_new(headers, key, json_string(joined));
        free(joined);
    }

    v = apigw_fn_member_nocase(headers, "Set-Cookie");

    if (v != NULL && *cookies == NULL) {
        *cookies = json_pack("[O]", v);
        apigw_fn_header_remove(headers, "Set-Cookie");
    }

    return headers;
}


static int
apigw_fn_header_remove(json_t *obj, const char *name)
{
    void        *tmp;
    json_t      *v;
    const char  *key;

    json_object_foreach_safe(obj, tmp, key, v) {
        if (apigw_fn_strcaseeq(key, name)) {
            json_object_del(obj, key);
        }
    }

    return 0;
}
