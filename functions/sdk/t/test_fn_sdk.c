
/*
 * Copyright (C) apigw contributors
 */


/*
 * The SDK without the Runtime API: the event accessors on payloads 1.0 and
 * 2.0 (the shapes of aws-lambda-go's testdata), plain and authorizer
 * events, and the answers built: proxy responses 1.0 and 2.0, binary
 * bodies, plain results, authorizer policies, function errors.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "apigw_fn_int.h"


static const char  v1_event[] =
    "{\"resource\":\"/items/{id}\",\"path\":\"/items/42\","
    "\"httpMethod\":\"PUT\","
    "\"headers\":{\"Content-Type\":\"application/json\","
    "\"Cookie\":\"a=1; session=abc; z=\"},"
    "\"multiValueHeaders\":{\"Content-Type\":[\"application/json\"],"
    "\"X-Multi\":[\"m1\",\"m2\"]},"
    "\"queryStringParameters\":{\"q\":\"last\",\"n\":\"1\"},"
    "\"multiValueQueryStringParameters\":{\"q\":[\"first\",\"last\"]},"
    "\"pathParameters\":{\"id\":\"42\"},"
    "\"stageVariables\":{\"env\":\"prod\"},"
    "\"requestContext\":{\"stage\":\"prod\",\"requestTimeEpoch\":1428582896000,"
    "\"identity\":{\"sourceIp\":\"192.0.2.1\",\"userAgent\":\"ua\"},"
    "\"authorizer\":{\"principalId\":\"me\",\"claims\":{\"sub\":\"u-1\"}}},"
    "\"body\":\"{\\\"name\\\":\\\"pen\\\",\\\"price\\\":2}\","
    "\"isBase64Encoded\":false}";

static const char  v2_event[] =
    "{\"version\":\"2.0\",\"routeKey\":\"POST /items/{id}\","
    "\"rawPath\":\"/my/path\",\"rawQueryString\":\"q=1&q=2\","
    "\"cookies\":[\"c1=v1\",\"session=s2\"],"
    "\"headers\":{\"header1\":\"value1\",\"header2\":\"value1,value2\"},"
    "\"queryStringParameters\":{\"q\":\"1,2\"},"
    "\"pathParameters\":{\"id\":\"7\"},"
    "\"requestContext\":{\"http\":{\"method\":\"POST\",\"path\":\"/my/path\","
    "\"sourceIp\":\"IP\"},\"authorizer\":{\"jwt\":{\"claims\":"
    "{\"sub\":\"j-1\"},\"scopes\":[\"read\"]},\"lambda\":{\"user\":\"l-1\"}}},"
    "\"body\":\"AAEC/w==\",\"isBase64Encoded\":true}";


static apigw_fn_request_t *
request(const char *event)
{
    return apigw_fn_request_new(event, strlen(event));
}


static int
streq(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}


static void
test_v1(void)
{
    size_t               n, len;
    json_t              *body;
    const char          *values[4], *b;
    apigw_fn_request_t  *req;

    req = request(v1_event);

    CHECK(apigw_fn_payload_version(req) == 1, "1.0: version");
    CHECK(streq(apigw_fn_method(req), "PUT"), "1.0: method");
    CHECK(streq(apigw_fn_path(req), "/items/42"), "1.0: path");
    CHECK(streq(apigw_fn_route(req), "/items/{id}"), "1.0: resource");
    CHECK(streq(apigw_fn_path_param(req, "id"), "42"), "1.0: path param");
    CHECK(apigw_fn_path_param(req, "nope") == NULL, "1.0: no such param");
    CHECK(streq(apigw_fn_query(req, "q"), "last"), "1.0: query, last value");

    n = apigw_fn_query_all(req, "q", values, 4);
    CHECK(n == 2 && streq(values[0], "first") && streq(values[1], "last"),
          "1.0: multi-value query");
    n = apigw_fn_query_all(req, "n", values, 4);
    CHECK(n == 1 && streq(values[0], "1"), "1.0: a single-value query");
    CHECK(apigw_fn_query_all(req, "none", values, 4) == 0, "1.0: no query");

    CHECK(streq(apigw_fn_header(req, "content-type"), "application/json"),
          "1.0: header in any case");
    CHECK(streq(apigw_fn_header(req, "x-multi"), "m1"),
          "1.0: a header in multiValueHeaders only");
    CHECK(apigw_fn_header(req, "x-none") == NULL, "1.0: no header");
    CHECK(streq(apigw_fn_cookie(req, "session"), "abc"), "1.0: cookie");
    CHECK(streq(apigw_fn_cookie(req, "z"), ""), "1.0: empty cookie");
    CHECK(apigw_fn_cookie(req, "sess") == NULL, "1.0: cookie prefix");
    CHECK(streq(apigw_fn_stage_var(req, "env"), "prod"), "1.0: stage var");
    CHECK(streq(apigw_fn_context(req, "identity.sourceIp"), "192.0.2.1"),
          "1.0: context path");
    CHECK(streq(apigw_fn_context(req, "requestTimeEpoch"), "1428582896000"),
          "1.0: context number as text");
    CHECK(apigw_fn_context(req, "identity.nope.deeper") == NULL,
          "1.0: no context");
    CHECK(streq(apigw_fn_authorizer(req, "principalId"), "me"),
          "1.0: authorizer context");
    CHECK(streq(apigw_fn_authorizer(req, "sub"), "u-1"),
          "1.0: authorizer claims");

    b = apigw_fn_body(req, &len);
    CHECK(b != NULL && len == 24 && b[0] == '{', "1.0: body");

    body = apigw_fn_body_json(req);
    CHECK(json_is_object(body)
          && json_integer_value(json_object_get(body, "price")) == 2,
          "1.0: body as JSON");
    CHECK(apigw_fn_body_json(req) == body, "1.0: parsed once");
    CHECK(streq(apigw_fn_get(req, "/requestContext/identity/userAgent"),
                "ua"), "JSON pointer");
    CHECK(streq(apigw_fn_get(req, "/multiValueHeaders/X-Multi/1"), "m2"),
          "JSON pointer into an array");
    CHECK(apigw_fn_get(req, "nope") == NULL, "not a JSON pointer");

    apigw_fn_request_free(req);
}


static void
test_v2(void)
{
    size_t               n, len;
    const char          *values[4], *b;
    apigw_fn_request_t  *req;

    req = request(v2_event);

    CHECK(apigw_fn_payload_version(req) == 2, "2.0: version");
    CHECK(streq(apigw_fn_method(req), "POST"), "2.0: method");
    CHECK(streq(apigw_fn_path(req), "/my/path"), "2.0: rawPath");
    CHECK(streq(apigw_fn_route(req), "POST /items/{id}"), "2.0: routeKey");
    CHECK(streq(apigw_fn_path_param(req, "id"), "7"), "2.0: path param");
    CHECK(streq(apigw_fn_query(req, "q"), "1,2"), "2.0: query joined");

    n = apigw_fn_query_all(req, "q", values, 4);
    CHECK(n == 2 && streq(values[0], "1") && streq(values[1], "2"),
          "2.0: query values split");
    n = apigw_fn_query_all(req, "q", values, 1);
    CHECK(n == 2 && streq(values[0], "1"), "2.0: the count past n");

    CHECK(streq(apigw_fn_header(req, "Header2"), "value1,value2"),
          "2.0: header");
    CHECK(streq(apigw_fn_cookie(req, "session"), "s2"), "2.0: cookies");
    CHECK(streq(apigw_fn_context(req, "http.sourceIp"), "IP"),
          "2.0: requestContext.http");
    CHECK(streq(apigw_fn_authorizer(req, "user"), "l-1"),
          "2.0: lambda authorizer context");
    CHECK(streq(apigw_fn_authorizer(req, "sub"), "j-1"), "2.0: JWT claim");

    b = apigw_fn_body(req, &len);
    CHECK(b != NULL && len == 4 && memcmp(b, "\x00\x01\x02\xff", 4) == 0,
          "2.0: base64 body decoded");
    CHECK(apigw_fn_body_json(req) == NULL, "2.0: binary is no JSON");

    apigw_fn_request_free(req);
}


static void
test_other_events(void)
{
    apigw_fn_request_t  *req;

    req = request("{\"type\":\"TOKEN\",\"authorizationToken\":\"allow\","
                  "\"methodArn\":\"arn:x\"}");
    CHECK(apigw_fn_payload_version(req) == 0, "authorizer: not a proxy");
    CHECK(apigw_fn_method(req) == NULL && apigw_fn_path(req) == NULL,
          "authorizer: no method, no path");
    CHECK(streq(apigw_fn_get(req, "/authorizationToken"), "allow"),
          "authorizer: the token");
    CHECK(apigw_fn_body(req, NULL) == NULL, "authorizer: no body");
    apigw_fn_request_free(req);

    req = request("not json");
    CHECK(apigw_fn_event(req) == NULL && apigw_fn_query(req, "a") == NULL
          && apigw_fn_header(req, "a") == NULL
          && apigw_fn_cookie(req, "a") == NULL
          && apigw_fn_get(req, "/a") == NULL, "not JSON: NULLs");
    apigw_fn_request_free(req);

    req = request("[1,true,null]");
    CHECK(streq(apigw_fn_get(req, "/1"), "true"), "a boolean as text");
    CHECK(apigw_fn_get(req, "/2") == NULL, "null: NULL");
    CHECK(apigw_fn_get(req, "") == NULL, "the whole array: NULL");
    apigw_fn_request_free(req);

    req = request("{\"queryStringParameters\":{\"a\":\"1\"},\"x\":[{}],"
                  "\"queryStringParameters\":{\"a\":\"2\"}}");
    CHECK(streq(apigw_fn_query(req, "a"), "2")
          && streq(apigw_fn_get(req, "/queryStringParameters/a"), "2"),
          "a repeated member: the last one, as the tree keeps");
    CHECK(json_is_array(apigw_fn_top(req, "x")), "a member read alone");
    apigw_fn_request_free(req);

    req = request("{\"\\u0070ath\":\"/x\",\"httpMethod\":\"GET\"}");
    CHECK(apigw_fn_payload_version(req) == 1
          && streq(apigw_fn_path(req), "/x"), "an escaped member name");
    apigw_fn_request_free(req);

    req = request("{\"path\":\"/x\"} {}");
    CHECK(apigw_fn_path(req) == NULL && apigw_fn_event(req) == NULL,
          "text after the object: not JSON");
    apigw_fn_request_free(req);

    req = request("{\"path\":\"/x\",\"b\":[1,}");
    CHECK(apigw_fn_path(req) == NULL && apigw_fn_get(req, "/path") == NULL,
          "an error after a member: nothing read");
    apigw_fn_request_free(req);

    req = request("{\"httpMethod\":\"GET\",\"path\":\"/x\"}");
    CHECK(streq(apigw_fn_path(req), "/x"), "before a change");
    json_object_set_new(apigw_fn_event(req), "path", json_string("/y"));
    CHECK(streq(apigw_fn_path(req), "/y"), "the event changed: the tree");
    apigw_fn_request_free(req);

    req = request("{\"body\":\"%%%\",\"isBase64Encoded\":true}");
    CHECK(apigw_fn_body(req, NULL) == NULL, "bad base64: no body");
    apigw_fn_request_free(req);

    req = request("{}");
    apigw_fn_request_set(req, "id-1", "arn:fn", "Root=1", 0);
    CHECK(streq(apigw_fn_request_id(req), "id-1")
          && streq(apigw_fn_function_arn(req), "arn:fn")
          && streq(apigw_fn_trace_id(req), "Root=1"), "the invocation");
    CHECK(apigw_fn_remaining_ms(req) == 0, "no deadline: 0 left");
    apigw_fn_request_set(req, NULL, NULL, NULL, 1);
    CHECK(apigw_fn_remaining_ms(req) == 0, "a deadline passed: 0 left");
    apigw_fn_request_set(req, NULL, NULL, NULL, (int64_t) 1 << 50);
    CHECK(apigw_fn_remaining_ms(req) > 0, "a deadline ahead");
    apigw_fn_request_free(req);
}


/* the payload, parsed back */

static json_t *
payload(apigw_fn_response_t *resp, int rc, int *error)
{
    char    *out;
    size_t   len;
    json_t  *v;

    out = apigw_fn_response_payload(resp, rc, error, &len);
    v = out ? json_loadb(out, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL)
            : NULL;
    free(out);

    return v;
}


static void
test_responses(void)
{
    int                   error;
    json_t               *p, *h;
    apigw_fn_request_t   *req;
    apigw_fn_response_t  *resp;

    req = request(v1_event);

    /* a default: 200, an empty body */
    resp = apigw_fn_response_new(req);
    p = payload(resp, 0, &error);
    CHECK(!error && json_integer_value(json_object_get(p, "statusCode"))
          == 200, "default: 200");
    CHECK(streq(json_string_value(json_object_get(p, "body")), ""),
          "default: empty body");
    CHECK(json_object_size(p) == 5, "1.0: the five keys");
    json_decref(p);
    apigw_fn_response_free(resp);

    /* text, headers set, replaced, added */
    resp = apigw_fn_response_new(req);
    apigw_fn_header_set(resp, "X-One", "1");
    apigw_fn_header_set(resp, "x-one", "2");
    apigw_fn_header_set(resp, "X-Gone", "x");
    apigw_fn_header_set(resp, "X-GONE", NULL);
    apigw_fn_header_set(resp, "Set-Cookie", "a=1");
    apigw_fn_header_add(resp, "set-cookie", "b=2");
    apigw_fn_printf(resp, 201, "made %d", 3);
    p = payload(resp, 0, &error);
    h = json_object_get(p, "headers");
    CHECK(json_integer_value(json_object_get(p, "statusCode")) == 201,
          "printf: status");
    CHECK(streq(json_string_value(json_object_get(p, "body")), "made 3"),
          "printf: body");
    CHECK(streq(json_string_value(json_object_get(h, "x-one")), "2")
          && json_object_get(h, "X-One") == NULL, "set: replaces any case");
    CHECK(json_object_get(h, "X-Gone") == NULL, "set NULL: removes");
    CHECK(streq(json_string_value(json_object_get(h, "Content-Type")),
                "text/plain; charset=utf-8"), "printf: text/plain");
    h = json_object_get(json_object_get(p, "multiValueHeaders"),
                        "Set-Cookie");
    CHECK(json_array_size(h) == 2
          && streq(json_string_value(json_array_get(h, 0)), "a=1")
          && streq(json_string_value(json_array_get(h, 1)), "b=2"),
          "add: the values in multiValueHeaders, the first one moved");
    json_decref(p);
    apigw_fn_response_free(resp);

    /* JSON */
    resp = apigw_fn_response_new(req);
    apigw_fn_jsonf(resp, 200, "{s:i}", "n", 1);
    p = payload(resp, 0, &error);
    CHECK(streq(json_string_value(json_object_get(p, "body")), "{\"n\":1}"),
          "json: the body as text");
    CHECK(streq(json_string_value(json_object_get(json_object_get(p,
                "headers"), "Content-Type")), "application/json"),
          "json: application/json");
    json_decref(p);
    apigw_fn_response_free(resp);

    /* bytes that are not UTF-8 */
    resp = apigw_fn_response_new(req);
    apigw_fn_body_set(resp, "\xff\x00\x01", 3);
    p = payload(resp, 0, &error);
    CHECK(streq(json_string_value(json_object_get(p, "body")), "/wAB"),
          "binary: base64");
    CHECK(json_is_true(json_object_get(p, "isBase64Encoded")),
          "binary: isBase64Encoded");
    json_decref(p);
    apigw_fn_response_free(resp);

    /* a NUL in text is kept */
    resp = apigw_fn_response_new(req);
    apigw_fn_body_set(resp, "a\0b", 3);
    p = payload(resp, 0, &error);
    CHECK(json_string_length(json_object_get(p, "body")) == 3
          && json_is_false(json_object_get(p, "isBase64Encoded")),
          "a NUL in UTF-8 text: kept as text");
    json_decref(p);
    apigw_fn_response_free(resp);

    /* errors */
    resp = apigw_fn_response_new(req);
    CHECK(apigw_fn_error(resp, "Bad", "no %s", "way") == -1,
          "error: returns -1");
    p = payload(resp, -1, &error);
    CHECK(error, "error: posted to /error");
    CHECK(streq(json_string_value(json_object_get(p, "errorType")), "Bad")
          && streq(json_string_value(json_object_get(p, "errorMessage")),
                   "no way")
          && json_is_array(json_object_get(p, "stackTrace")),
          "error: errorType, errorMessage, stackTrace");
    json_decref(p);
    apigw_fn_response_free(resp);

    resp = apigw_fn_response_new(req);
    p = payload(resp, -1, &error);
    CHECK(error && streq(json_string_value(json_object_get(p, "errorType")),
                         "HandlerError"), "-1 alone: HandlerError");
    json_decref(p);
    apigw_fn_response_free(resp);

    apigw_fn_request_free(req);

    /* 2.0: joined headers, cookies, no multiValueHeaders */
    req = request(v2_event);
    resp = apigw_fn_response_new(req);
    apigw_fn_header_add(resp, "X-Two", "a");
    apigw_fn_header_add(resp, "X-Two", "b");
    apigw_fn_header_add(resp, "Set-Cookie", "c=1");
    apigw_fn_header_add(resp, "Set-Cookie", "d=2");
    apigw_fn_printf(resp, 200, "ok");
    p = payload(resp, 0, &error);
    CHECK(json_object_get(p, "multiValueHeaders") == NULL,
          "2.0: no multiValueHeaders");
    CHECK(streq(json_string_value(json_object_get(json_object_get(p,
                "headers"), "X-Two")), "a,b"), "2.0: values joined");
    CHECK(json_array_size(json_object_get(p, "cookies")) == 2,
          "2.0: Set-Cookie as cookies");
    CHECK(json_object_get(json_object_get(p, "headers"), "Set-Cookie")
          == NULL, "2.0: no Set-Cookie header");
    json_decref(p);
    apigw_fn_response_free(resp);

    resp = apigw_fn_response_new(req);
    apigw_fn_header_set(resp, "Set-Cookie", "one=1");
    p = payload(resp, 0, &error);
    CHECK(json_array_size(json_object_get(p, "cookies")) == 1,
          "2.0: a single Set-Cookie as cookies");
    json_decref(p);
    apigw_fn_response_free(resp);

    /* a plain result and an authorizer's policy */
    resp = apigw_fn_response_new(req);
    apigw_fn_result(resp, json_integer(5));
    p = payload(resp, 0, &error);
    CHECK(!error && json_integer_value(p) == 5, "result: as it is");
    json_decref(p);
    apigw_fn_response_free(resp);

    resp = apigw_fn_response_new(req);
    apigw_fn_authorize(resp, "user", 0, "arn:x",
                       json_pack("{s:s}", "k", "v"));
    p = payload(resp, 0, &error);
    CHECK(streq(json_string_value(json_object_get(p, "principalId")), "user"),
          "authorize: principalId");
    h = json_array_get(json_object_get(json_object_get(p, "policyDocument"),
                                       "Statement"), 0);
    CHECK(streq(json_string_value(json_object_get(h, "Effect")), "Deny")
          && streq(json_string_value(json_object_get(h, "Resource")), "arn:x")
          && streq(json_string_value(json_object_get(h, "Action")),
                   "execute-api:Invoke"), "authorize: the statement");
    CHECK(streq(json_string_value(json_object_get(json_object_get(p,
                "context"), "k")), "v"), "authorize: context");
    json_decref(p);
    apigw_fn_response_free(resp);

    apigw_fn_request_free(req);
}


static void
test_base64(void)
{
    char    *e, *d;
    size_t   n;

    e = apigw_fn_base64_encode("any carnal pleas", 16, &n);
    CHECK(streq(e, "YW55IGNhcm5hbCBwbGVhcw==") && n == 24, "encode");
    d = apigw_fn_base64_decode(e, n, &n);
    CHECK(d && n == 16 && memcmp(d, "any carnal pleas", 16) == 0, "decode");
    free(e);
    free(d);

    d = apigw_fn_base64_decode("YQ", 2, &n);
    CHECK(d && n == 1 && d[0] == 'a', "decode without padding");
    free(d);

    CHECK(apigw_fn_base64_decode("YQ=a", 4, &n) == NULL,
          "decode: data after padding");
    CHECK(apigw_fn_base64_decode("Y Q", 3, &n) == NULL, "decode: a space");
}


int
main(void)
{
    test_v1();
    test_v2();
    test_other_events();
    test_responses();
    test_base64();

    return unit_done();
}
