
/*
 * Copyright (C) apigw contributors
 */


/*
 * libFuzzer target: the function SDK on any event (functions/sdk/): every
 * accessor, then answers built from what they returned, as a handler would.
 *
 * Checks, besides the sanitizers:
 *   - a proxy event's payload version is 1 or 2 only with a string method
 *     or rawPath, 0 otherwise;
 *   - every answer (a proxy response echoing the values, a plain result, a
 *     function error) is JSON that jansson reads back, with the keys of
 *     its kind; what failed on the way (a result that is not UTF-8) is a
 *     function error.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_fn_int.h"


#define FUZZ_MAX_INPUT      (256 * 1024)


static void
fuzz_fail(const char *what)
{
    fprintf(stderr, "fuzz_fnevent: %s\n", what);
    abort();
}


static void
fuzz_answer(apigw_fn_request_t *req, int kind, const char *a, const char *b)
{
    int                   error, rc, failed;
    char                 *out;
    size_t                len;
    json_t               *v;
    apigw_fn_response_t  *resp;

    resp = apigw_fn_response_new(req);

    if (resp == NULL) {
        return;
    }

    rc = 0;

    switch (kind) {
    case 0:
        apigw_fn_header_set(resp, a ? a : "X-A", b);
        apigw_fn_header_add(resp, b ? b : "X-B", a ? a : "");
        apigw_fn_header_add(resp, "Set-Cookie", b ? b : "c=1");
        apigw_fn_body_set(resp, a ? a : "", a ? strlen(a) : 0);
        break;
    case 1:
        apigw_fn_jsonf(resp, 201, "{s:s?,s:s?}", "a", a, "b", b);
        break;
    case 2:
        apigw_fn_result(resp, json_string(a ? a : ""));
        break;
    default:
        rc = apigw_fn_error(resp, a, "%s", b ? b : "");
    }

    /* what failed on the way (a result that is not UTF-8) is an error */
    failed = resp->failed;

    out = apigw_fn_response_payload(resp, rc, &error, &len);

    if (out == NULL) {
        fuzz_fail("no payload");
    }

    v = json_loadb(out, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);

    if (v == NULL) {
        fuzz_fail("a payload that is not JSON");
    }

    if (error != (kind == 3 || failed)
        || (error && !json_is_string(json_object_get(v, "errorType")))
        || (!error && kind < 2
            && !json_is_integer(json_object_get(v, "statusCode")))
        || (!error && kind < 2
            && !json_is_string(json_object_get(v, "body"))))
    {
        fuzz_fail("an answer without its keys");
    }

    json_decref(v);
    free(out);
    apigw_fn_response_free(resp);
}


/* the members read alone, as the whole tree reads them */
static void
fuzz_same(const char *lazy, const char *tree, const char *what)
{
    if ((lazy == NULL) != (tree == NULL)
        || (lazy != NULL && strcmp(lazy, tree) != 0))
    {
        fuzz_fail(what);
    }
}


static void
fuzz_lazy(apigw_fn_request_t *req, const unsigned char *data, size_t size)
{
    apigw_fn_request_t  *whole;

    whole = apigw_fn_request_new((const char *) data, size);

    if (whole == NULL) {
        return;
    }

    if ((apigw_fn_event(whole) != NULL) != req->json) {
        fuzz_fail("the scan and the tree disagree on the text");
    }

    if (apigw_fn_payload_version(whole) != apigw_fn_payload_version(req)) {
        fuzz_fail("the payload version");
    }

    fuzz_same(apigw_fn_method(req), apigw_fn_method(whole), "the method");
    fuzz_same(apigw_fn_path(req), apigw_fn_path(whole), "the path");
    fuzz_same(apigw_fn_query(req, "q"), apigw_fn_query(whole, "q"),
              "a query parameter");
    fuzz_same(apigw_fn_header(req, "content-type"),
              apigw_fn_header(whole, "content-type"), "a header");
    fuzz_same(apigw_fn_context(req, "identity.sourceIp"),
              apigw_fn_context(whole, "identity.sourceIp"), "the context");
    fuzz_same(apigw_fn_get(req, "/a/0/~1b~0"),
              apigw_fn_get(whole, "/a/0/~1b~0"), "a pointer");
    fuzz_same(apigw_fn_get(req, "/0"), apigw_fn_get(whole, "/0"),
              "an array's item");

    apigw_fn_request_free(whole);
}


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    int                  version;
    size_t               len, n;
    const char          *values[4], *a, *b;
    apigw_fn_request_t  *req;

    if (size > FUZZ_MAX_INPUT) {
        return 0;
    }

    req = apigw_fn_request_new((const char *) data, size);

    if (req == NULL) {
        return 0;
    }

    fuzz_lazy(req, data, size);

    version = apigw_fn_payload_version(req);

    if (version != 0 && apigw_fn_method(req) == NULL
        && apigw_fn_path(req) == NULL)
    {
        /* 2.0 may lack requestContext.http, never rawPath */
        if (version == 1) {
            fuzz_fail("1.0 without httpMethod");
        }
    }

    a = apigw_fn_path(req);
    b = apigw_fn_route(req);
    (void) apigw_fn_path_param(req, "id");
    (void) apigw_fn_query(req, "q");
    n = apigw_fn_query_all(req, "q", values, 4);
    (void) n;
    (void) apigw_fn_header(req, "content-type");
    (void) apigw_fn_cookie(req, "session");
    (void) apigw_fn_stage_var(req, "env");
    (void) apigw_fn_context(req, "identity.sourceIp");
    (void) apigw_fn_context(req, "http.method");
    (void) apigw_fn_authorizer(req, "sub");
    (void) apigw_fn_body(req, &len);
    (void) apigw_fn_body_json(req);
    (void) apigw_fn_get(req, "/a/0/~1b~0");

    fuzz_answer(req, 0, a, b);
    fuzz_answer(req, 1, apigw_fn_header(req, "x"), apigw_fn_query(req, "q"));
    fuzz_answer(req, 2, apigw_fn_body(req, &len), NULL);
    fuzz_answer(req, 3, apigw_fn_get(req, "/errorType"),
                apigw_fn_cookie(req, "session"));

    apigw_fn_request_free(req);

    return 0;
}
