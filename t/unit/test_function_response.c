
/*
 * Copyright (C) apigw contributors
 */


/*
 * unit tests for what a function's answer makes of the response
 * (apigw_function_response.c): each row of the reference's table of
 * AWS-validated cases (functions.md section 3.3), payload 2.0's
 * inference, binary bodies, and what the gateway refuses besides
 */

#include "authorizer_fixtures.h"
#include "apigw_lambda.h"


typedef struct {
    apigw_fn_response_rc_e   rc;
    apigw_fn_response_t     *resp;
    char                     headers[1024];     /* "name: value\n"... */
    char                     body[256];
} answer_t;


/* the answer ('-quoted JSON, or raw when raw) parsed, flattened */
static answer_t *
parse(const char *text, int raw, int v2, int binary)
{
    char                *json;
    size_t               i, n;
    apigw_pair_t        *h;
    static answer_t      a;

    json = raw ? strdup(text) : Jtext(text);

    apigw_fn_response_free(a.resp);
    memset(&a, 0, sizeof(answer_t));

    a.rc = apigw_fn_response_parse(json, strlen(json), v2, binary, &a.resp,
                                   errbuf, sizeof(errbuf));

    if (a.resp != NULL) {
        for (n = 0, i = 0; i < a.resp->nheaders; i++) {
            h = &a.resp->headers[i];
            n += snprintf(a.headers + n, sizeof(a.headers) - n,
                          "%.*s: %.*s\n", (int) h->name_len, h->name,
                          (int) h->value_len, h->value);
        }

        snprintf(a.body, sizeof(a.body), "%.*s", (int) a.resp->body_len,
                 a.resp->body ? a.resp->body : "");

        /* the body may point into the answer: it goes now */
        if (a.resp->body >= json && a.resp->body < json + strlen(json)) {
            a.resp->body = NULL;
        }
    }

    free(json);

    return &a;
}


static int
ok(answer_t *a, int status, const char *headers, const char *body)
{
    if (a->rc != APIGW_FN_RESPONSE_OK) {
        printf("# refused: %s\n", errbuf);
        return 0;
    }

    if (a->resp->status != status || strcmp(a->headers, headers) != 0
        || strcmp(a->body, body) != 0)
    {
        printf("# got %d, headers \"%s\", body \"%s\"\n", a->resp->status,
               a->headers, a->body);
        return 0;
    }

    return 1;
}


static int
refused(answer_t *a, apigw_fn_response_rc_e rc, const char *why)
{
    if (a->rc != rc || a->resp != NULL || strstr(errbuf, why) == NULL) {
        printf("# got rc %d: \"%s\"\n", a->rc, errbuf);
        return 0;
    }

    return 1;
}


static int
content_type(answer_t *a, const char *type)
{
    if (a->resp == NULL) {
        return 0;
    }

    if (type == NULL) {
        return a->resp->content_type == NULL;
    }

    return a->resp->content_type != NULL
           && a->resp->content_type_len == strlen(type)
           && strncmp(a->resp->content_type, type, strlen(type)) == 0;
}


static void
test_rest(void)
{
    answer_t  *a;

    NOTE("payload 1.0: the reference's rows (LocalStack's AWS snapshots)");

    a = parse("{'statusCode': 200}", 0, 0, 0);
    CHECK(ok(a, 200, "", "") && content_type(a, NULL),
          "{statusCode: 200}: 200, empty body, no Content-Type given "
          "(application/json)");

    a = parse("{}", 0, 0, 0);
    CHECK(ok(a, 200, "", "") && content_type(a, NULL),
          "{}: 200, empty body");

    a = parse("{'headers': {'test-header': 'value'}}", 0, 0, 0);
    CHECK(ok(a, 200, "test-header: value\n", ""),
          "headers without statusCode: 200");

    a = parse("{'statusCode': '201', 'body': 'made'}", 0, 0, 0);
    CHECK(ok(a, 201, "", "made"), "statusCode \"201\" (a string): 201");

    a = parse("{'statusCode': 'test'}", 0, 0, 0);
    CHECK(refused(a, APIGW_FN_RESPONSE_MALFORMED, "statusCode"),
          "statusCode \"test\": 502");

    a = parse("{'statusCode': 200, 'headers': {'header-bool': true,"
              " 'header-false': false, 'n': 3, 'x': 1.5}}", 0, 0, 0);
    CHECK(ok(a, 200, "header-bool: true\nheader-false: false\nn: 3\n"
                     "x: 1.5\n", ""),
          "header values true, false, 3, 1.5: as text");

    a = parse("{'statusCode': 200, 'headers': null,"
              " 'multiValueHeaders': null, 'body': null,"
              " 'isBase64Encoded': null}", 0, 0, 0);
    CHECK(ok(a, 200, "", ""), "null members: as absent");

    a = parse("{'statusCode': 200, 'wrongValue': 1}", 0, 0, 0);
    CHECK(refused(a, APIGW_FN_RESPONSE_MALFORMED,
                  "an unknown key \"wrongValue\""),
          "an unknown top-level key: 502");

    a = parse("{'multiValueHeaders': {'a': 'not a list'}}", 0, 0, 0);
    CHECK(refused(a, APIGW_FN_RESPONSE_MALFORMED, "is not a list"),
          "a multiValueHeaders value not a list: 502");

    a = parse("{'headers': {'test-multi': 'value-solo'},"
              " 'multiValueHeaders': {'Test-Multi': ['value-multi'],"
              " 'other': ['1', 2]}}", 0, 0, 0);
    CHECK(ok(a, 200, "Test-Multi: value-multi\nother: 1\nother: 2\n"
                     "test-multi: value-solo\n", ""),
          "headers and multiValueHeaders of one name: both, multi first");

    a = parse("\"justAString\"", 1, 0, 0);
    CHECK(refused(a, APIGW_FN_RESPONSE_MALFORMED, "not an object"),
          "a JSON string: 502");

    a = parse("[1, 2]", 1, 0, 0);
    CHECK(refused(a, APIGW_FN_RESPONSE_MALFORMED, "not an object"),
          "a list: 502");

    a = parse("{'errorMessage': 'x', 'errorType': 'Error'}", 0, 0, 0);
    CHECK(refused(a, APIGW_FN_RESPONSE_MALFORMED, "unknown key"),
          "a function error's payload: 502");

    a = parse("{'body': 'aGk=', 'isBase64Encoded': true}", 0, 0, 0);
    CHECK(ok(a, 200, "", "aGk="),
          "isBase64Encoded without a binary type: sent undecoded");

    a = parse("{'body': {'a': 1}}", 0, 0, 0);
    CHECK(refused(a, APIGW_FN_RESPONSE_MALFORMED, "the body is not a string"),
          "a non-string body (an object): 502");

    a = parse("{'body': 42}", 0, 0, 0);
    CHECK(refused(a, APIGW_FN_RESPONSE_MALFORMED, "the body is not a string"),
          "a non-string body (a number): 502");

    a = parse("{'statusCode': 200, 'body': 'x'", 1, 0, 0);
    CHECK(refused(a, APIGW_FN_RESPONSE_MALFORMED, "not JSON"),
          "not JSON: 502");

    a = parse("", 1, 0, 0);
    CHECK(refused(a, APIGW_FN_RESPONSE_MALFORMED, "not JSON"),
          "nothing: 502");

    /* as jansson read it before, and as Lambda's JSON readers do */
    a = parse("{'statusCode': 200, 'statusCode': 201, 'body': 'x'}", 0, 0,
              0);
    CHECK(ok(a, 201, "", "x"), "a repeated key: its last value");

    a = parse("{'body': 'a\\u0000b'}", 0, 0, 0);
    CHECK(a->rc == APIGW_FN_RESPONSE_OK && a->resp->body_len == 3
          && memcmp(a->resp->body, "a\0b", 3) == 0,
          "\\u0000 in the body: a NUL byte");

    a = parse("{\"statusCode\": 200} x", 1, 0, 0);
    CHECK(refused(a, APIGW_FN_RESPONSE_MALFORMED, "not JSON"),
          "text after the answer: 502");
}


static void
test_binary(void)
{
    answer_t  *a;

    NOTE("binary bodies");

    a = parse("{'body': 'iVBORw0KGgo=', 'isBase64Encoded': true,"
              " 'headers': {'Content-Type': 'image/png'}}", 0, 0, 1);
    CHECK(ok(a, 200, "", "\x89PNG\r\n\x1a\n") && a->resp->body_len == 8
          && content_type(a, "image/png"),
          "isBase64Encoded, Accept a binary type: decoded");

    a = parse("{'body': 'aGk', 'isBase64Encoded': true}", 0, 0, 1);
    CHECK(ok(a, 200, "", "hi"), "without padding");

    a = parse("{'body': 'not base64!', 'isBase64Encoded': true}", 0, 0, 1);
    CHECK(refused(a, APIGW_FN_RESPONSE_BAD_BASE64, "not base64"),
          "a bad base64 body to decode: 500");

    a = parse("{'body': 'not base64!', 'isBase64Encoded': false}", 0, 0, 1);
    CHECK(ok(a, 200, "", "not base64!"),
          "isBase64Encoded false: the text as it is");

    a = parse("{'body': 'x', 'isBase64Encoded': 'yes'}", 0, 0, 1);
    CHECK(refused(a, APIGW_FN_RESPONSE_MALFORMED, "not a boolean"),
          "isBase64Encoded not a boolean: 502");
}


static void
test_v2(void)
{
    answer_t  *a;

    NOTE("payload 2.0: inference, cookies");

    a = parse("{'message': 'Hello from Lambda!'}", 0, 1, 0);
    CHECK(ok(a, 200, "", "{\"message\": \"Hello from Lambda!\"}")
          && content_type(a, NULL),
          "JSON without statusCode: a 200 of that JSON");

    a = parse("\"Hello from Lambda!\"", 1, 1, 0);
    CHECK(ok(a, 200, "", "Hello from Lambda!"),
          "a string: its text is the body");

    a = parse("[1, 2]", 1, 1, 0);
    CHECK(ok(a, 200, "", "[1, 2]"), "a list: the body");

    a = parse("{'body': 'x', 'headers': {'a': 'b'}}", 0, 1, 0);
    CHECK(ok(a, 200, "", "{\"body\": \"x\", \"headers\": {\"a\": \"b\"}}"),
          "keys of a response but no statusCode: the JSON is the body");

    a = parse("{'statusCode': 201, 'cookies': ['a=1', 'b=2; Path=/'],"
              " 'headers': {'X': 'y'}, 'body': 'ok'}", 0, 1, 0);
    CHECK(ok(a, 201, "X: y\nSet-Cookie: a=1\nSet-Cookie: b=2; Path=/\n",
             "ok"),
          "cookies: each a Set-Cookie");

    a = parse("{'statusCode': 200, 'cookies': 'a=1'}", 0, 1, 0);
    CHECK(refused(a, APIGW_FN_RESPONSE_MALFORMED, "cookies is not a list"),
          "cookies not a list: 502");

    a = parse("{'statusCode': 200, 'cookies': ['a=1', 2]}", 0, 1, 0);
    CHECK(refused(a, APIGW_FN_RESPONSE_MALFORMED, "not a string"),
          "a cookie not a string: 502");

    a = parse("{'statusCode': 200, 'cookies': ['a=1']}", 0, 0, 0);
    CHECK(refused(a, APIGW_FN_RESPONSE_MALFORMED, "unknown key \"cookies\""),
          "cookies in payload 1.0: an unknown key");

    a = parse("{'statusCode': 'x'}", 0, 1, 0);
    CHECK(refused(a, APIGW_FN_RESPONSE_MALFORMED, "statusCode"),
          "2.0 with a bad statusCode: 502");
}


static void
test_gateway(void)
{
    answer_t  *a;

    NOTE("what the gateway refuses or changes besides");

    a = parse("{'statusCode': 99}", 0, 0, 0);
    CHECK(refused(a, APIGW_FN_RESPONSE_MALFORMED, "statusCode"),
          "statusCode 99: 502");

    a = parse("{'statusCode': 600}", 0, 0, 0);
    CHECK(refused(a, APIGW_FN_RESPONSE_MALFORMED, "statusCode"),
          "statusCode 600: 502");

    a = parse("{'statusCode': 200.5}", 0, 0, 0);
    CHECK(refused(a, APIGW_FN_RESPONSE_MALFORMED, "statusCode"),
          "statusCode 200.5: 502");

    a = parse("{'statusCode': ' 201'}", 0, 0, 0);
    CHECK(refused(a, APIGW_FN_RESPONSE_MALFORMED, "statusCode"),
          "statusCode \" 201\": 502");

    a = parse("{'statusCode': null}", 0, 0, 0);
    CHECK(ok(a, 200, "", ""), "statusCode null: 200");

    a = parse("{'headers': {'a b': 'x'}}", 0, 0, 0);
    CHECK(refused(a, APIGW_FN_RESPONSE_MALFORMED, "not a header name"),
          "a header name with a space: 502");

    a = parse("{'headers': {'': 'x'}}", 0, 0, 0);
    CHECK(refused(a, APIGW_FN_RESPONSE_MALFORMED, "not a header name"),
          "an empty header name: 502");

    a = parse("{'headers': {'X': 'a\\r\\nSet-Cookie: evil=1'}}", 0, 0, 0);
    CHECK(refused(a, APIGW_FN_RESPONSE_MALFORMED, "CR, LF or NUL"),
          "a header value with CR LF (no injection): 502");

    a = parse("{'multiValueHeaders': {'X': ['ok', 'a\\u0000b']}}", 0, 0, 0);
    CHECK(refused(a, APIGW_FN_RESPONSE_MALFORMED, "CR, LF or NUL"),
          "a header value with NUL: 502");

    a = parse("{'headers': {'X': {'a': 1}}}", 0, 0, 0);
    CHECK(refused(a, APIGW_FN_RESPONSE_MALFORMED, "is not a string"),
          "a header value that is an object: 502");

    a = parse("{'headers': 'x'}", 0, 0, 0);
    CHECK(refused(a, APIGW_FN_RESPONSE_MALFORMED, "headers is not an object"),
          "headers not an object: 502");

    a = parse("{'headers': {'Content-Length': '5', 'Connection': 'close',"
              " 'Server': 'fn', 'Date': 'today',"
              " 'Transfer-Encoding': 'chunked', 'X-Ok': 'y'}}", 0, 0, 0);
    CHECK(ok(a, 200, "x-amzn-Remapped-Content-Length: 5\n"
                     "x-amzn-Remapped-Connection: close\n"
                     "x-amzn-Remapped-Server: fn\n"
                     "x-amzn-Remapped-Date: today\n"
                     "x-amzn-Remapped-Transfer-Encoding: chunked\n"
                     "X-Ok: y\n", ""),
          "Content-Length, Connection, Server, Date, Transfer-Encoding "
          "remapped, as AWS does");

    a = parse("{'headers': {'content-type': 'text/plain'},"
              " 'multiValueHeaders': {'Content-Type': ['text/html']}}",
              0, 0, 0);
    CHECK(ok(a, 200, "", "") && content_type(a, "text/plain"),
          "Content-Type taken out of the list: the headers' one stands");

    a = parse("{'body': 'caf\\u00e9 \\u0000!'}", 0, 0, 0);
    CHECK(a->rc == APIGW_FN_RESPONSE_OK && a->resp->body_len == 8
          && memcmp(a->resp->body ? a->resp->body : a->body,
                    "caf\xc3\xa9 \0!", 8) == 0,
          "a body with NUL and UTF-8: all of it");

    apigw_fn_response_free(a->resp);
    a->resp = NULL;
}


static void
test_error_text(void)
{
    char         buf[64];
    const char  *e;

    NOTE("a function error, for the log");

    e = "{\"errorType\":\"Runtime.ExitError\","
        "\"errorMessage\":\"signal: killed\"}";
    apigw_fn_error_text(e, strlen(e), buf, sizeof(buf));
    CHECK(strcmp(buf, "Runtime.ExitError: signal: killed") == 0,
          "errorType: errorMessage (%s)", buf);

    e = "{\"errorMessage\":\"a\\nb\"}";
    apigw_fn_error_text(e, strlen(e), buf, 8);
    CHECK(strcmp(buf, "a?b") == 0, "controls made ? (%s)", buf);

    apigw_fn_error_text("not json at all, and long enough to be cut", 42,
                        buf, 10);
    CHECK(strcmp(buf, "not json ") == 0, "not JSON: its text, cut (%s)",
          buf);

    apigw_fn_error_text(NULL, 0, buf, sizeof(buf));
    CHECK(buf[0] == '\0', "nothing: empty");
}


int
main(void)
{
    test_error_text();
    test_rest();
    test_binary();
    test_v2();
    test_gateway();

    return unit_done();
}
