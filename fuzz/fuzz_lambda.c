
/*
 * Copyright (C) apigw contributors
 */


/*
 * libFuzzer target: the Lambda proxy integration's core.  The first byte
 * picks the payload format (bit 0: 2.0) and whether the request's Accept
 * is a binary media type (bit 1); the rest is a function's answer for
 * apigw_fn_response_parse() (apigw_function_response.c), and the bytes of
 * a request (a header's value, a query parameter, a path parameter, the
 * body) for apigw_proxy_event_text() (apigw_proxy_event.c).
 *
 * Checks, besides the sanitizers: a refusal has a reason and no response;
 * a response has a status of 100 to 599, header names that are tokens,
 * values without CR, LF or NUL, a body no longer than the answer, and
 * comes from JSON as an answer is read (an object for 1.0, or 2.0 with a
 * statusCode); 2.0 JSON without statusCode is always a 200; an event's
 * text reads back as JSON that jansson dumps as the same text, its body
 * (base64 or not) the request's.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_lambda.h"


#define FUZZ_MAX  (256 * 1024)


static void
fuzz_fail(const char *what)
{
    fprintf(stderr, "fuzz_lambda: %s\n", what);
    abort();
}


static int
fuzz_token(const char *s, size_t len)
{
    size_t  i;

    if (len == 0) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')
              || (s[i] >= '0' && s[i] <= '9')
              || (s[i] != '\0' && strchr("!#$%&'*+-.^_`|~", s[i]) != NULL)))
        {
            return 0;
        }
    }

    return 1;
}


static void
fuzz_response(const char *payload, size_t len, int v2, int binary)
{
    char                     errbuf[APIGW_ERR_LEN];
    size_t                   i;
    json_t                  *json;
    apigw_pair_t            *h;
    apigw_fn_response_t     *resp;
    apigw_fn_response_rc_e   rc;

    rc = apigw_fn_response_parse(payload, len, v2, binary, &resp, errbuf,
                                 sizeof(errbuf));

    /* JSON as an answer is read: NUL escaped only, repeated keys allowed */
    json = apigw_json_parse_lenient(payload, len, NULL, 0);

    if (rc != APIGW_FN_RESPONSE_OK) {
        if (resp != NULL || (rc != APIGW_FN_RESPONSE_NO_MEMORY
                             && errbuf[0] == '\0'))
        {
            fuzz_fail("a refusal with a response or without a reason");
        }

        if (v2 && json != NULL && (!json_is_object(json)
                                   || !json_object_get(json, "statusCode")))
        {
            fuzz_fail("2.0 JSON without statusCode refused");
        }

        json_decref(json);
        return;
    }

    if (json == NULL) {
        fuzz_fail("a response from what jansson does not read");
    }

    if (!v2 && !json_is_object(json)) {
        fuzz_fail("1.0: a response from JSON that is not an object");
    }

    if (resp->status < 100 || resp->status > 599) {
        fuzz_fail("a status out of range");
    }

    if (v2 && !(json_is_object(json) && json_object_get(json, "statusCode"))
        && resp->status != 200)
    {
        fuzz_fail("2.0 inferred, not a 200");
    }

    for (i = 0; i < resp->nheaders; i++) {
        h = &resp->headers[i];

        if (!fuzz_token(h->name, h->name_len)
            || memchr(h->value, '\r', h->value_len)
            || memchr(h->value, '\n', h->value_len)
            || memchr(h->value, '\0', h->value_len))
        {
            fuzz_fail("a header that is not one");
        }
    }

    if (resp->content_type
        && (memchr(resp->content_type, '\r', resp->content_type_len)
            || memchr(resp->content_type, '\n', resp->content_type_len)))
    {
        fuzz_fail("a Content-Type with CR or LF");
    }

    if (resp->body_len > len) {
        fuzz_fail("a body longer than the answer");
    }

    json_decref(json);
    apigw_fn_response_free(resp);
}


static void
fuzz_event(const char *data, size_t len, int v2, int binary)
{
    char                   *text, *again, *b64;
    size_t                  n, tlen;
    json_t                 *e, *back, *body;
    apigw_pair_t            headers[3], query[1], path[1];
    apigw_event_request_t   rq;

    static char  *types[] = { "application/octet-stream", "image/*" };

    memset(&rq, 0, sizeof(apigw_event_request_t));

    headers[0].name = "Content-Type";
    headers[0].name_len = 12;
    headers[0].value = binary ? "image/png" : "text/plain";
    headers[0].value_len = strlen(headers[0].value);
    headers[1].name = data;
    headers[1].name_len = len > 16 ? 16 : len;
    headers[1].value = data;
    headers[1].value_len = len;
    headers[2].name = "Cookie";
    headers[2].name_len = 6;
    headers[2].value = data;
    headers[2].value_len = len;

    query[0] = headers[1];
    path[0] = headers[1];

    rq.method.data = "POST";
    rq.method.len = 4;
    rq.path.data = data;
    rq.path.len = len;
    rq.full_path = rq.path;
    rq.query = rq.path;
    rq.headers = headers;
    rq.nheaders = 3;
    rq.query_params = query;
    rq.nquery_params = 1;
    rq.path_params = path;
    rq.npath_params = 1;
    rq.body.data = data;
    rq.body.len = len;
    rq.binary_types = types;
    rq.nbinary_types = 2;
    rq.time_ms = 1;

    text = apigw_proxy_event_text(&rq, v2, NULL, &tlen);

    if (text == NULL) {
        fuzz_fail("no event");
    }

    e = json_loadb(text, tlen, JSON_ALLOW_NUL, NULL);

    if (e == NULL) {
        fuzz_fail("an event that is not JSON");
    }

    /* the very text jansson writes of what it read */
    again = json_dumps(e, JSON_COMPACT);
    back = again ? json_loads(again, JSON_ALLOW_NUL, NULL) : NULL;

    if (back == NULL || !json_equal(back, e) || strlen(again) != tlen
        || memcmp(again, text, tlen) != 0)
    {
        fuzz_fail("an event that does not read back");
    }

    body = json_object_get(e, "body");

    if (json_is_true(json_object_get(e, "isBase64Encoded"))) {
        b64 = malloc((len + 2) / 3 * 4 + 1);
        n = apigw_base64_encode((const unsigned char *) data, len, b64);

        if (json_string_length(body) != n
            || memcmp(json_string_value(body), b64, n) != 0)
        {
            fuzz_fail("a base64 body that is not the request's");
        }

        free(b64);

    } else if (json_string_length(body) != len
               || memcmp(json_string_value(body), data, len) != 0)
    {
        fuzz_fail("a text body that is not the request's");
    }

    free(text);
    free(again);
    json_decref(back);
    json_decref(e);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int    v2, binary;
    char  *copy;

    if (size == 0 || size > FUZZ_MAX) {
        return 0;
    }

    v2 = data[0] & 1;
    binary = (data[0] >> 1) & 1;

    copy = malloc(size);
    memcpy(copy, data + 1, size - 1);

    fuzz_response(copy, size - 1, v2, binary);
    fuzz_event(copy, size - 1, v2, binary);

    free(copy);

    return 0;
}
