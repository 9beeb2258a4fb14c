
/*
 * Copyright (C) apigw contributors
 */


/*
 * unit tests for the proxy events functions receive (apigw_proxy_event.c):
 * payload 1.0 and 2.0 in the shapes of aws-lambda-go's testdata
 * (apigw-request.json, apigw-v2-request-jwt-authorizer.json), their text
 * read back and compared field by field, with what is empty, binary
 * bodies, authorizers
 */

#include "authorizer_fixtures.h"
#include "apigw_lambda.h"


static apigw_pair_t  v1_headers[] = {
    P("Accept", "*/*"),
    P("Content-Type", "application/json"),
    P("headerName", "headerValue"),
    P("Host", "gy415nuibc.execute-api.us-east-1.amazonaws.com"),
    P("User-Agent", "PostmanRuntime/2.4.5"),
    P("X-Forwarded-For", "54.240.196.186"),
    P("x-forwarded-for", "54.182.214.83"),
    P("Cookie", "s=1; t=2")
};

static apigw_pair_t  v1_query[] = { P("name", "me"), P("tag", "a"),
                                    P("tag", "b") };
static apigw_pair_t  v1_path[] = { P("proxy", "hello/world") };
static apigw_pair_t  v1_stage[] = { P("stageVariableName",
                                      "stageVariableValue") };

static apigw_authz_ctx_t  v1_context[] = {
    { APIGW_AUTHZ_CTX_NUMBER, S("clientId"), S("1") },
    { APIGW_AUTHZ_CTX_STRING, S("clientName"), S("Exata") },
    { APIGW_AUTHZ_CTX_BOOLEAN, S("admin"), S("true") }
};


static void
request(apigw_event_request_t *rq)
{
    static const char  body[] = "{\r\n\t\"a\": 1\r\n}";

    static const apigw_event_str_t  method = S("POST");
    static const apigw_event_str_t  path = S("/hello/world");
    static const apigw_event_str_t  full = S("/testStage/hello/world");
    static const apigw_event_str_t  query = S("name=me&tag=a&tag=b");
    static const apigw_event_str_t  resource = S("/{proxy+}");
    static const apigw_event_str_t  route_key = S("POST /{proxy+}");
    static const apigw_event_str_t  stage = S("testStage");
    static const apigw_event_str_t  api_id = S("gy415nuibc");
    static const apigw_event_str_t  request_id =
                                 S("deef4878-7910-11e6-8f14-25afc3e9ae33");
    static const apigw_event_str_t  source_ip = S("192.168.196.186");
    static const apigw_event_str_t  protocol = S("HTTP/1.1");
    static const apigw_event_str_t  api_key = S("theApiKeyOfTwentyChars");
    static const apigw_event_str_t  api_key_id = S("theApiKeyId");
    static const apigw_event_str_t  domain =
                        S("gy415nuibc.execute-api.us-east-1.amazonaws.com");

    memset(rq, 0, sizeof(apigw_event_request_t));
    rq->method = method;
    rq->path = path;
    rq->full_path = full;
    rq->query = query;
    rq->resource = resource;
    rq->route_key = route_key;
    rq->headers = v1_headers;
    rq->nheaders = sizeof(v1_headers) / sizeof(apigw_pair_t);
    rq->query_params = v1_query;
    rq->nquery_params = 3;
    rq->path_params = v1_path;
    rq->npath_params = 1;
    rq->stage_vars = v1_stage;
    rq->nstage_vars = 1;
    rq->stage = stage;
    rq->api_id = api_id;
    rq->request_id = request_id;
    rq->source_ip = source_ip;
    rq->protocol = protocol;
    rq->api_key = api_key;
    rq->api_key_id = api_key_id;
    rq->domain = domain;
    rq->time_ms = 1589522469693LL;
    rq->body.data = body;
    rq->body.len = sizeof(body) - 1;
}


/* the event's text, read back as a tree */
static json_t *
proxy_event(const apigw_event_request_t *rq, int v2)
{
    char    *text;
    size_t   len;
    json_t  *e;

    text = apigw_proxy_event_text(rq, v2, NULL, &len);
    if (text == NULL) {
        return NULL;
    }

    e = json_loadb(text, len, JSON_ALLOW_NUL, NULL);
    free(text);

    return e;
}


/* got equals the JSON text */
static int
eqj(json_t *got, const char *text)
{
    int      ok;
    json_t  *want;

    want = J(text);
    ok = json_equal(got, want);
    json_decref(want);

    return ok;
}


/* got is this string */
static int
eqs(json_t *got, const char *s)
{
    return json_is_string(got) && strcmp(json_string_value(got), s) == 0;
}


/* every key of want in got, equal, and no other; each difference said */
static int
same(json_t *got, json_t *want, const char *where)
{
    int          ok;
    char        *g, *w;
    json_t      *v;
    const char  *key;

    if (got == NULL) {
        printf("# %s: no event\n", where);
        return 0;
    }

    ok = 1;

    json_object_foreach(want, key, v) {
        if (!json_equal(json_object_get(got, key), v)) {
            g = json_dumps(json_object_get(got, key),
                           JSON_SORT_KEYS | JSON_ENCODE_ANY);
            w = json_dumps(v, JSON_SORT_KEYS | JSON_ENCODE_ANY);
            printf("# %s.%s:\n#   got  %s\n#   want %s\n", where, key,
                   g ? g : "(absent)", w);
            free(g);
            free(w);
            ok = 0;
        }
    }

    json_object_foreach(got, key, v) {
        if (json_object_get(want, key) == NULL) {
            printf("# %s.%s: not expected\n", where, key);
            ok = 0;
        }
    }

    return ok;
}


/* the requestContext compared on its own, the resource id set first */
static int
event_is(json_t *got, const char *expected, const apigw_event_request_t *rq,
    const char *name)
{
    int      ok;
    char     rid[8], where[128];
    json_t  *want, *ctx;

    want = J(expected);
    ctx = json_object_get(want, "requestContext");

    if (json_is_string(json_object_get(ctx, "resourceId"))) {
        apigw_authz_resource_id(&rq->resource, rid);
        json_object_set_new(ctx, "resourceId", json_string(rid));
    }

    snprintf(where, sizeof(where), "%s", name);
    ok = same(got, want, where);

    if (got != NULL && ctx != NULL) {
        snprintf(where, sizeof(where), "%s.requestContext", name);
        ok = same(json_object_get(got, "requestContext"), ctx, where) && ok;
    }

    json_decref(want);

    return ok;
}


static void
test_v1(void)
{
    json_t                 *e;
    apigw_event_request_t   rq;
    apigw_authz_result_t    res;

    NOTE("payload 1.0 (REST)");

    request(&rq);

    memset(&res, 0, sizeof(apigw_authz_result_t));
    res.principal.data = "admin";
    res.principal.len = 5;
    res.context = v1_context;
    res.ncontext = 3;
    rq.authz = &res;

    e = proxy_event(&rq, 0);

    CHECK(event_is(e,
        "{'resource': '/{proxy+}', 'path': '/hello/world',"
        " 'httpMethod': 'POST',"
        " 'headers': {'Accept': '*/*', 'Content-Type': 'application/json',"
        "  'headerName': 'headerValue',"
        "  'Host': 'gy415nuibc.execute-api.us-east-1.amazonaws.com',"
        "  'User-Agent': 'PostmanRuntime/2.4.5',"
        "  'X-Forwarded-For': '54.182.214.83', 'Cookie': 's=1; t=2'},"
        " 'multiValueHeaders': {'Accept': ['*/*'],"
        "  'Content-Type': ['application/json'],"
        "  'headerName': ['headerValue'],"
        "  'Host': ['gy415nuibc.execute-api.us-east-1.amazonaws.com'],"
        "  'User-Agent': ['PostmanRuntime/2.4.5'],"
        "  'X-Forwarded-For': ['54.240.196.186', '54.182.214.83'],"
        "  'Cookie': ['s=1; t=2']},"
        " 'queryStringParameters': {'name': 'me', 'tag': 'b'},"
        " 'multiValueQueryStringParameters': {'name': ['me'],"
        "  'tag': ['a', 'b']},"
        " 'pathParameters': {'proxy': 'hello/world'},"
        " 'stageVariables': {'stageVariableName': 'stageVariableValue'},"
        " 'requestContext': {'accountId': '000000000000',"
        "  'resourceId': '', 'stage': 'testStage',"
        "  'domainName': 'gy415nuibc.execute-api.us-east-1.amazonaws.com',"
        "  'domainPrefix': 'gy415nuibc',"
        "  'requestId': 'deef4878-7910-11e6-8f14-25afc3e9ae33',"
        "  'extendedRequestId': 'deef4878-7910-11e6-8f14-25afc3e9ae33',"
        "  'protocol': 'HTTP/1.1',"
        "  'identity': {'cognitoIdentityPoolId': null, 'accountId': null,"
        "   'cognitoIdentityId': null, 'caller': null,"
        "   'apiKey': 'theApiKeyOfTwentyChars', 'apiKeyId': 'theApiKeyId',"
        "   'accessKey': null, 'sourceIp': '192.168.196.186',"
        "   'cognitoAuthenticationType': null,"
        "   'cognitoAuthenticationProvider': null, 'userArn': null,"
        "   'userAgent': 'PostmanRuntime/2.4.5', 'user': null,"
        "   'principalOrgId': null},"
        "  'authorizer': {'principalId': 'admin', 'clientId': 1,"
        "   'clientName': 'Exata', 'admin': true},"
        "  'resourcePath': '/{proxy+}', 'httpMethod': 'POST',"
        "  'path': '/testStage/hello/world',"
        "  'requestTime': '15/May/2020:06:01:09 +0000',"
        "  'requestTimeEpoch': 1589522469693, 'apiId': 'gy415nuibc'},"
        " 'body': '{\\r\\n\\t\\'a\\': 1\\r\\n}',"
        " 'isBase64Encoded': false}", &rq, "1.0"),
        "1.0: aws-lambda-go's apigw-request.json, field by field");

    json_decref(e);

    /* nothing at all: maps null, as REST APIs send them */

    rq.nheaders = 0;
    rq.nquery_params = 0;
    rq.npath_params = 0;
    rq.nstage_vars = 0;
    rq.body.data = NULL;
    rq.body.len = 0;
    rq.authz = NULL;
    rq.api_key.len = 0;
    rq.api_key_id.len = 0;
    rq.domain.len = 0;
    rq.query.len = 0;

    e = proxy_event(&rq, 0);

    CHECK(e != NULL
          && json_is_null(json_object_get(e, "headers"))
          && json_is_null(json_object_get(e, "multiValueHeaders"))
          && json_is_null(json_object_get(e, "queryStringParameters"))
          && json_is_null(json_object_get(e,
                                      "multiValueQueryStringParameters"))
          && json_is_null(json_object_get(e, "pathParameters"))
          && json_is_null(json_object_get(e, "stageVariables"))
          && json_is_null(json_object_get(e, "body"))
          && json_is_false(json_object_get(e, "isBase64Encoded")),
          "1.0: empty maps and no body are null");

    CHECK(e != NULL
          && json_object_get(json_object_get(e, "requestContext"),
                             "authorizer") == NULL
          && json_object_get(json_object_get(e, "requestContext"),
                             "domainName") == NULL
          && json_is_null(json_object_get(
                 json_object_get(json_object_get(e, "requestContext"),
                                 "identity"), "apiKey"))
          && json_is_null(json_object_get(
                 json_object_get(json_object_get(e, "requestContext"),
                                 "identity"), "userAgent")),
          "1.0: no authorizer, no domain, no key, no user agent");

    json_decref(e);
}


static apigw_pair_t  v2_headers[] = {
    P("Header1", "value1"),
    P("Cookie", "cookie1; cookie2"),
    P("header1", "value2"),
    P("Host", "id.execute-api.us-east-1.amazonaws.com:8443"),
    P("User-Agent", "agent")
};

static apigw_pair_t  v2_query[] = { P("parameter1", "value1"),
                                    P("parameter1", "value2"),
                                    P("parameter2", "value") };


static void
test_v2(void)
{
    json_t                 *e, *claims;
    apigw_event_request_t   rq;
    apigw_authz_result_t    res;

    static const apigw_event_str_t  raw_query =
                   S("parameter1=value1&parameter1=value2&parameter2=value");

    NOTE("payload 2.0 (HTTP API)");

    request(&rq);
    rq.headers = v2_headers;
    rq.nheaders = sizeof(v2_headers) / sizeof(apigw_pair_t);
    rq.query_params = v2_query;
    rq.nquery_params = 3;
    rq.query = raw_query;
    rq.domain.len = 0;
    rq.api_key.len = 0;

    claims = J("{'claim1': 'value1', 'claim2': 'value2',"
               " 'scope': 'scope1 scope2'}");
    rq.claims = claims;

    e = proxy_event(&rq, 1);

    CHECK(event_is(e,
        "{'version': '2.0', 'routeKey': 'POST /{proxy+}',"
        " 'rawPath': '/testStage/hello/world',"
        " 'rawQueryString':"
        "  'parameter1=value1&parameter1=value2&parameter2=value',"
        " 'cookies': ['cookie1', 'cookie2'],"
        " 'headers': {'header1': 'value1,value2',"
        "  'host': 'id.execute-api.us-east-1.amazonaws.com:8443',"
        "  'user-agent': 'agent'},"
        " 'queryStringParameters': {'parameter1': 'value1,value2',"
        "  'parameter2': 'value'},"
        " 'pathParameters': {'proxy': 'hello/world'},"
        " 'stageVariables': {'stageVariableName': 'stageVariableValue'},"
        " 'requestContext': {'accountId': '000000000000',"
        "  'apiId': 'gy415nuibc',"
        "  'authorizer': {'jwt': {'claims': {'claim1': 'value1',"
        "   'claim2': 'value2', 'scope': 'scope1 scope2'},"
        "   'scopes': ['scope1', 'scope2']}},"
        "  'domainName': 'id.execute-api.us-east-1.amazonaws.com:8443',"
        "  'domainPrefix': 'id',"
        "  'http': {'method': 'POST', 'path': '/testStage/hello/world',"
        "   'protocol': 'HTTP/1.1', 'sourceIp': '192.168.196.186',"
        "   'userAgent': 'agent'},"
        "  'requestId': 'deef4878-7910-11e6-8f14-25afc3e9ae33',"
        "  'routeKey': 'POST /{proxy+}', 'stage': 'testStage',"
        "  'time': '15/May/2020:06:01:09 +0000',"
        "  'timeEpoch': 1589522469693},"
        " 'body': '{\\r\\n\\t\\'a\\': 1\\r\\n}',"
        " 'isBase64Encoded': false}", &rq, "2.0"),
        "2.0: aws-lambda-go's apigw-v2-request-jwt-authorizer.json, field "
        "by field");

    json_decref(e);
    json_decref(claims);

    /* scp as a list; a custom authorizer's context under lambda */

    claims = J("{'sub': 'u', 'scp': ['a', 'b']}");
    rq.claims = claims;
    e = proxy_event(&rq, 1);

    CHECK(e != NULL
          && eqj(json_object_get(json_object_get(json_object_get(
                 json_object_get(e, "requestContext"), "authorizer"), "jwt"),
                 "scopes"), "['a', 'b']"),
          "2.0: scopes from scp");
    json_decref(e);

    rq.claims = NULL;
    memset(&res, 0, sizeof(apigw_authz_result_t));
    res.context = v1_context;
    res.ncontext = 2;
    rq.authz = &res;

    e = proxy_event(&rq, 1);
    CHECK(e != NULL
          && eqj(json_object_get(json_object_get(e, "requestContext"),
                                 "authorizer"),
                 "{'lambda': {'clientId': 1, 'clientName': 'Exata'}}"),
          "2.0: a custom authorizer's context under lambda");
    json_decref(e);

    /* 1.0 with claims: {claims} */
    rq.authz = NULL;
    rq.claims = claims;
    e = proxy_event(&rq, 0);
    CHECK(e != NULL
          && eqj(json_object_get(json_object_get(e, "requestContext"),
                                 "authorizer"),
                 "{'claims': {'sub': 'u', 'scp': ['a', 'b']}}"),
          "1.0: a token's claims");
    json_decref(e);
    json_decref(claims);
    rq.claims = NULL;

    /* nothing: left out */

    rq.nheaders = 0;
    rq.nquery_params = 0;
    rq.npath_params = 0;
    rq.nstage_vars = 0;
    rq.query.len = 0;
    rq.body.data = NULL;
    rq.body.len = 0;

    e = proxy_event(&rq, 1);

    CHECK(e != NULL
          && json_object_get(e, "cookies") == NULL
          && eqj(json_object_get(e, "headers"), "{}")
          && json_object_get(e, "queryStringParameters") == NULL
          && json_object_get(e, "pathParameters") == NULL
          && json_object_get(e, "stageVariables") == NULL
          && json_object_get(e, "body") == NULL
          && eqs(json_object_get(e, "rawQueryString"), "")
          && json_is_false(json_object_get(e, "isBase64Encoded"))
          && json_object_get(json_object_get(e, "requestContext"),
                             "authorizer") == NULL,
          "2.0: what is empty left out");

    json_decref(e);
}


static apigw_pair_t  png_headers[] = { P("Content-Type", "Image/PNG") };
static apigw_pair_t  text_headers[] = {
    P("Content-Type", "text/plain; charset=utf-8"),
    P("User-Agent", "\xff\xfe" "agent")
};


static void
test_bodies(void)
{
    json_t                 *e;
    const char             *b;
    apigw_event_request_t   rq;

    static char  *types[] = { "image/png", "application/octet-stream" };
    static const char  png[] = "\x89PNG\r\n\x1a\n\0\0";
    static const char  latin[] = "caf\xe9";
    static const char  text[] = "caf\xc3\xa9 \"ok\"";

    NOTE("bodies: text, binary media types, not UTF-8");

    request(&rq);
    rq.binary_types = types;
    rq.nbinary_types = 2;
    rq.headers = png_headers;
    rq.nheaders = 1;
    rq.body.data = png;
    rq.body.len = sizeof(png) - 1;

    e = proxy_event(&rq, 0);
    b = json_string_value(json_object_get(e, "body"));
    CHECK(b != NULL && strcmp(b, "iVBORw0KGgoAAA==") == 0
          && json_is_true(json_object_get(e, "isBase64Encoded")),
          "a binary media type: base64, isBase64Encoded (%s)", b);
    json_decref(e);

    e = proxy_event(&rq, 1);
    b = json_string_value(json_object_get(e, "body"));
    CHECK(b != NULL && strcmp(b, "iVBORw0KGgoAAA==") == 0
          && json_is_true(json_object_get(e, "isBase64Encoded")),
          "2.0 too");
    json_decref(e);

    rq.headers = text_headers;
    rq.nheaders = 2;
    rq.body.data = latin;
    rq.body.len = sizeof(latin) - 1;

    e = proxy_event(&rq, 0);
    b = json_string_value(json_object_get(e, "body"));
    CHECK(b != NULL && strcmp(b, "Y2Fm6Q==") == 0
          && json_is_true(json_object_get(e, "isBase64Encoded")),
          "text that is not UTF-8: base64 (%s)", b);
    CHECK(eqs(json_object_get(json_object_get(e, "headers"), "User-Agent"),
              "\xef\xbf\xbd\xef\xbf\xbd" "agent"),
          "a header that is not UTF-8: U+FFFD for each bad byte");
    json_decref(e);

    rq.body.data = text;
    rq.body.len = sizeof(text) - 1;
    rq.nbinary_types = 0;

    e = proxy_event(&rq, 0);
    CHECK(eqs(json_object_get(e, "body"), text)
          && json_is_false(json_object_get(e, "isBase64Encoded")),
          "UTF-8 text as it is");
    json_decref(e);

    rq.body.len = 0;
    e = proxy_event(&rq, 0);
    CHECK(eqs(json_object_get(e, "body"), "")
          && json_is_false(json_object_get(e, "isBase64Encoded")),
          "an empty body: \"\"");
    json_decref(e);
}


int
main(void)
{
    test_v1();
    test_v2();
    test_bodies();

    return unit_done();
}
