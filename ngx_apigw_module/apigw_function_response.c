
/*
 * Copyright (C) apigw contributors
 */


#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apigw_lambda.h"


/*
 * A function's answer made into the response, strictly, by API Gateway's
 * rules (reference: the LocalStack snapshots recorded against AWS, and
 * the developer guide's payload 2.0 inference).  Two passes over the
 * tree: one checks and measures, the other fills the headers in.
 */


#define APIGW_FN_NUMBER_LEN     32      /* a number or boolean as text */
#define APIGW_FN_REMAPPED       "x-amzn-Remapped-"


typedef struct {
    apigw_fn_response_t      *resp;
    size_t                    nheaders;
    size_t                    text_len;
    char                     *text;         /* where the next text goes */
    char                     *errbuf;
    size_t                    errlen;
    unsigned                  fill:1;       /* the second pass */
} apigw_fn_parse_t;


static apigw_fn_response_rc_e apigw_fn_response_object(apigw_fn_parse_t *p,
    json_t *json, int v2, int binary);
static apigw_fn_response_rc_e apigw_fn_response_inferred(
    apigw_fn_parse_t *p, json_t *json, const char *payload, size_t len);
static int apigw_fn_response_status(json_t *v, int *status);
static int apigw_fn_response_headers(apigw_fn_parse_t *p, json_t *obj,
    int multi);
static int apigw_fn_response_cookies(apigw_fn_parse_t *p, json_t *list);
static int apigw_fn_response_header(apigw_fn_parse_t *p, const char *name,
    size_t nlen, json_t *v);
static int apigw_fn_response_body(apigw_fn_parse_t *p, json_t *body,
    json_t *b64, int binary);
static int apigw_fn_token(const char *s, size_t len);
static int apigw_fn_remapped(const char *name, size_t len);
static int apigw_fn_error(apigw_fn_parse_t *p, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;


/* what AWS renames rather than let a function set */
static const char  *apigw_fn_remap[] = {
    "connection", "content-length", "date", "server", "transfer-encoding",
    NULL
};


apigw_fn_response_rc_e
apigw_fn_response_parse(const char *payload, size_t len, int v2, int binary,
    apigw_fn_response_t **out, char *errbuf, size_t errlen)
{
    char                     jerr[160];
    json_t                  *json;
    apigw_fn_parse_t         p;
    apigw_fn_response_t     *resp;
    apigw_fn_response_rc_e   rc;

    *out = NULL;
    errbuf[0] = '\0';

    memset(&p, 0, sizeof(apigw_fn_parse_t));
    p.errbuf = errbuf;
    p.errlen = errlen;

    json = apigw_json_parse_lenient(payload, len, jerr, sizeof(jerr));

    if (json == NULL) {
        apigw_fn_error(&p, "the answer is not JSON: %s", jerr);
        return APIGW_FN_RESPONSE_MALFORMED;
    }

    resp = calloc(1, sizeof(apigw_fn_response_t));
    if (resp == NULL) {
        json_decref(json);
        return APIGW_FN_RESPONSE_NO_MEMORY;
    }

    resp->json = json;
    resp->status = 200;
    p.resp = resp;

    if (v2 && (!json_is_object(json)
               || json_object_get(json, "statusCode") == NULL))
    {
        rc = apigw_fn_response_inferred(&p, json, payload, len);

    } else if (!json_is_object(json)) {
        apigw_fn_error(&p, "the answer is not an object");
        rc = APIGW_FN_RESPONSE_MALFORMED;

    } else {
        rc = apigw_fn_response_object(&p, json, v2, binary);
    }

    if (rc != APIGW_FN_RESPONSE_OK) {
        apigw_fn_response_free(resp);
        return rc;
    }

    *out = resp;

    return APIGW_FN_RESPONSE_OK;
}


void
apigw_fn_response_free(apigw_fn_response_t *resp)
{
    if (resp == NULL) {
        return;
    }

    json_decref(resp->json);
    free(resp->headers);
    free(resp->text);
    free(resp->decoded);
    free(resp);
}


/* {statusCode, headers, multiValueHeaders, body, isBase64Encoded} */
static apigw_fn_response_rc_e
apigw_fn_response_object(apigw_fn_parse_t *p, json_t *json, int v2,
    int binary)
{
    int                   pass;
    json_t               *v, *status, *headers, *multi, *body, *b64, *cookies;
    const char           *key;
    apigw_fn_response_t  *resp;

    resp = p->resp;
    status = headers = multi = body = b64 = cookies = NULL;

    json_object_foreach(json, key, v) {

        if (strcmp(key, "statusCode") == 0) {
            status = v;

        } else if (strcmp(key, "headers") == 0) {
            headers = v;

        } else if (strcmp(key, "multiValueHeaders") == 0) {
            multi = v;

        } else if (strcmp(key, "body") == 0) {
            body = v;

        } else if (strcmp(key, "isBase64Encoded") == 0) {
            b64 = v;

        } else if (v2 && strcmp(key, "cookies") == 0) {
            cookies = v;

        } else {
            apigw_fn_error(p, "an unknown key \"%.64s\" in the answer", key);
            return APIGW_FN_RESPONSE_MALFORMED;
        }
    }

    if (status != NULL && !json_is_null(status)
        && apigw_fn_response_status(status, &resp->status) != 0)
    {
        apigw_fn_error(p, "statusCode is not an HTTP status");
        return APIGW_FN_RESPONSE_MALFORMED;
    }

    /* the first pass checks and counts; the second fills in */

    for (pass = 0; pass < 2; pass++) {

        if ((multi && apigw_fn_response_headers(p, multi, 1) != 0)
            || (headers && apigw_fn_response_headers(p, headers, 0) != 0)
            || (cookies && apigw_fn_response_cookies(p, cookies) != 0))
        {
            return p->fill ? APIGW_FN_RESPONSE_NO_MEMORY
                           : APIGW_FN_RESPONSE_MALFORMED;
        }

        if (p->fill) {
            break;
        }

        if (p->nheaders) {
            resp->headers = malloc(p->nheaders * sizeof(apigw_pair_t));
            resp->text = malloc(p->text_len + 1);

            if (resp->headers == NULL || resp->text == NULL) {
                return APIGW_FN_RESPONSE_NO_MEMORY;
            }
        }

        p->fill = 1;
        p->text = resp->text;
    }

    switch (apigw_fn_response_body(p, body, b64, binary)) {

    case 0:
        return APIGW_FN_RESPONSE_OK;

    case 1:
        return APIGW_FN_RESPONSE_BAD_BASE64;

    case -2:
        return APIGW_FN_RESPONSE_NO_MEMORY;

    default:
        return APIGW_FN_RESPONSE_MALFORMED;
    }
}


/*
 * payload 2.0 without statusCode: a 200 of JSON, the answer itself (a
 * string: its text) as the body
 */
static apigw_fn_response_rc_e
apigw_fn_response_inferred(apigw_fn_parse_t *p, json_t *json,
    const char *payload, size_t len)
{
    apigw_fn_response_t  *resp;

    resp = p->resp;

    if (json_is_string(json)) {
        resp->body = json_string_value(json);
        resp->body_len = json_string_length(json);

    } else {
        resp->body = payload;
        resp->body_len = len;
    }

    return APIGW_FN_RESPONSE_OK;
}


/* 201, or "201"; 100 to 599 */
static int
apigw_fn_response_status(json_t *v, int *status)
{
    char        *end;
    long         n;
    const char  *s;

    if (json_is_integer(v)) {
        n = (long) json_integer_value(v);

    } else if (json_is_string(v)) {
        s = json_string_value(v);

        if (json_string_length(v) == 0 || json_string_length(v) > 3
            || s[0] < '0' || s[0] > '9')
        {
            return -1;
        }

        n = strtol(s, &end, 10);

        if (*end != '\0') {
            return -1;
        }

    } else {
        return -1;
    }

    if (n < 100 || n > 599) {
        return -1;
    }

    *status = (int) n;

    return 0;
}


void
apigw_fn_error_text(const char *payload, size_t len, char *buf, size_t size)
{
    char         *p;
    json_t       *json;
    const char   *type, *message;

    if (size == 0) {
        return;
    }

    if (payload == NULL) {
        payload = "";
        len = 0;
    }

    json = json_loadb(payload, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);

    type = json_string_value(json_object_get(json, "errorType"));
    message = json_string_value(json_object_get(json, "errorMessage"));

    if (type != NULL || message != NULL) {
        snprintf(buf, size, "%s%s%s", type ? type : "",
                 type && message ? ": " : "", message ? message : "");

    } else {
        snprintf(buf, size, "%.*s", (int) (len < size ? len : size - 1),
                 payload);
    }

    json_decref(json);

    for (p = buf; *p; p++) {
        if (*p < 0x20 || *p > 0x7e) {
            *p = '?';
        }
    }
}


/* headers: {name: value}; multiValueHeaders: {name: [values]}; null: none */
static int
apigw_fn_response_headers(apigw_fn_parse_t *p, json_t *obj, int multi)
{
    size_t       i;
    json_t      *v, *item;
    const char  *name;

    if (json_is_null(obj)) {
        return 0;
    }

    if (!json_is_object(obj)) {
        return apigw_fn_error(p, "%s is not an object",
                              multi ? "multiValueHeaders" : "headers");
    }

    json_object_foreach(obj, name, v) {

        if (!apigw_fn_token(name, strlen(name))) {
            return apigw_fn_error(p, "\"%.64s\" is not a header name", name);
        }

        if (!multi) {
            if (apigw_fn_response_header(p, name, strlen(name), v) != 0) {
                return -1;
            }

            continue;
        }

        if (json_is_null(v)) {
            continue;
        }

        if (!json_is_array(v)) {
            return apigw_fn_error(p, "multiValueHeaders' \"%.64s\" is not a "
                                  "list", name);
        }

        json_array_foreach(v, i, item) {
            if (apigw_fn_response_header(p, name, strlen(name), item) != 0) {
                return -1;
            }
        }
    }

    return 0;
}


/* 2.0's cookies: each a Set-Cookie */
static int
apigw_fn_response_cookies(apigw_fn_parse_t *p, json_t *list)
{
    size_t   i;
    json_t  *v;

    if (json_is_null(list)) {
        return 0;
    }

    if (!json_is_array(list)) {
        return apigw_fn_error(p, "cookies is not a list");
    }

    json_array_foreach(list, i, v) {
        if (!json_is_string(v)) {
            return apigw_fn_error(p, "a cookie is not a string");
        }

        if (apigw_fn_response_header(p, "Set-Cookie", 10, v) != 0) {
            return -1;
        }
    }

    return 0;
}


/* one header: a string, a number or a boolean (as text); null: none */
static int
apigw_fn_response_header(apigw_fn_parse_t *p, const char *name, size_t nlen,
    json_t *v)
{
    int                   remap, n;
    char                  number[APIGW_FN_NUMBER_LEN];
    size_t                vlen, i;
    const char           *value;
    apigw_pair_t         *h;
    apigw_fn_response_t  *resp;

    resp = p->resp;

    switch (json_typeof(v)) {

    case JSON_NULL:
        return 0;

    case JSON_STRING:
        value = json_string_value(v);
        vlen = json_string_length(v);
        break;

    case JSON_TRUE:
    case JSON_FALSE:
        value = json_is_true(v) ? "true" : "false";
        vlen = strlen(value);
        break;

    case JSON_INTEGER:
        n = snprintf(number, sizeof(number), "%" JSON_INTEGER_FORMAT,
                     json_integer_value(v));
        value = number;
        vlen = (size_t) n;
        break;

    case JSON_REAL:
        n = snprintf(number, sizeof(number), "%.17g", json_real_value(v));
        value = number;
        vlen = (size_t) n;
        break;

    default:
        return apigw_fn_error(p, "the value of header \"%.*s\" is not a "
                              "string", (int) (nlen > 64 ? 64 : nlen), name);
    }

    for (i = 0; i < vlen; i++) {
        if (value[i] == '\r' || value[i] == '\n' || value[i] == '\0') {
            return apigw_fn_error(p, "the value of header \"%.*s\" has CR, "
                                  "LF or NUL", (int) (nlen > 64 ? 64 : nlen),
                                  name);
        }
    }

    remap = apigw_fn_remapped(name, nlen);

    if (!p->fill) {
        p->nheaders++;
        p->text_len += (value == number) ? vlen : 0;
        p->text_len += remap ? sizeof(APIGW_FN_REMAPPED) - 1 + nlen : 0;

        return 0;
    }

    if (value == number) {
        value = memcpy(p->text, number, vlen);
        p->text += vlen;
    }

    if (nlen == 12 && strncasecmp(name, "content-type", 12) == 0) {
        /* the last one given stands */
        resp->content_type = value;
        resp->content_type_len = vlen;
        return 0;
    }

    h = &resp->headers[resp->nheaders++];

    h->name = name;
    h->name_len = nlen;

    if (remap) {
        h->name = p->text;
        h->name_len = sizeof(APIGW_FN_REMAPPED) - 1 + nlen;

        memcpy(p->text, APIGW_FN_REMAPPED, sizeof(APIGW_FN_REMAPPED) - 1);
        memcpy(p->text + sizeof(APIGW_FN_REMAPPED) - 1, name, nlen);
        p->text += h->name_len;
    }

    h->value = value;
    h->value_len = vlen;

    return 0;
}


/*
 * 0; -1 malformed; 1 not base64; -2 no memory.  A body is a string or
 * null; an isBase64Encoded one is decoded only when binary
 */
static int
apigw_fn_response_body(apigw_fn_parse_t *p, json_t *body, json_t *b64,
    int binary)
{
    size_t                n;
    const char           *s;
    apigw_fn_response_t  *resp;

    resp = p->resp;

    if (b64 != NULL && !json_is_boolean(b64) && !json_is_null(b64)) {
        return apigw_fn_error(p, "isBase64Encoded is not a boolean");
    }

    if (body == NULL || json_is_null(body)) {
        return 0;
    }

    if (!json_is_string(body)) {
        return apigw_fn_error(p, "the body is not a string");
    }

    s = json_string_value(body);
    n = json_string_length(body);

    if (!json_is_true(b64) || !binary) {
        resp->body = s;
        resp->body_len = n;
        return 0;
    }

    resp->decoded = malloc(n / 4 * 3 + 3);
    if (resp->decoded == NULL) {
        return -2;
    }

    if (apigw_base64_decode(s, n, resp->decoded, &resp->body_len) != 0) {
        apigw_fn_error(p, "the body is not base64");
        return 1;
    }

    resp->body = (const char *) resp->decoded;

    return 0;
}


/* RFC 9110's token */
static int
apigw_fn_token(const char *s, size_t len)
{
    size_t  i;

    if (len == 0) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')
              || (s[i] >= '0' && s[i] <= '9')
              || strchr("!#$%&'*+-.^_`|~", s[i]) != NULL)
            || s[i] == '\0')
        {
            return 0;
        }
    }

    return 1;
}


static int
apigw_fn_remapped(const char *name, size_t len)
{
    const char  **r;

    for (r = apigw_fn_remap; *r; r++) {
        if (strlen(*r) == len && strncasecmp(*r, name, len) == 0) {
            return 1;
        }
    }

    return 0;
}


/* errbuf says why; -1 */
static int
apigw_fn_error(apigw_fn_parse_t *p, const char *fmt, ...)
{
    va_list  args;

    va_start(args, fmt);
    vsnprintf(p->errbuf, p->errlen, fmt, args);
    va_end(args);

    return -1;
}
