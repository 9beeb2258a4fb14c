
/*
 * Copyright (C) apigw contributors
 */


/*
 * unit tests for custom authorizers: definitions (apigw_authorizer.c),
 * identities, cache keys, events and methodArns (apigw_authorizer_event.c,
 * apigw_authorizer_identity.c); test_policy.c has answers and policies
 */

#include "authorizer_fixtures.h"


static void
test_definitions(void)
{
    char                buf[256];
    apigw_authorizer_t  a, b;

    NOTE("definitions");

    /* AWS's export of a token authorizer: the token in the scheme's header */
    CHECK(compile("{'type': 'apiKey', 'in': 'header', 'name': 'Authorization',"
                  " 'x-amazon-apigateway-authtype': 'custom',"
                  " 'x-amazon-apigateway-authorizer': {'type': 'token',"
                  "  'authorizerUri': 'arn:aws:apigateway:us-east-1:lambda:"
                  "path/2015-03-31/functions/arn:aws:lambda:us-east-1:"
                  "123456789012:function:auth-fn/invocations',"
                  "  'authorizerCredentials': 'arn:aws:iam::1:role/x',"
                  "  'identityValidationExpression': '^Bearer [a-z]+$'}}",
                  &a) == 0, "token authorizer as AWS exports it");
    CHECK(a.type == APIGW_AUTHZ_TOKEN && a.aws && a.ttl == 300
          && a.timeout_ms == 10000 && a.payload == APIGW_AUTHZ_PAYLOAD_REST,
          "token: type, TTL 300 and timeout 10 s by default");
    CHECK(a.nsources == 1 && a.sources[0].in == APIGW_AUTHZ_SOURCE_HEADER
          && strcmp(a.sources[0].name, "authorization") == 0,
          "token: the scheme's header, in lower case");
    CHECK(a.endpoint == APIGW_AUTHZ_ENDPOINT_FUNCTION
          && strcmp(tpl_text(a.function, buf, sizeof(buf)), "auth-fn") == 0
          && a.qualifier == NULL, "token: the Lambda function's name");
    CHECK(a.regex != NULL && strcmp(a.validation, "^Bearer [a-z]+$") == 0,
          "token: validation expression compiled");
    apigw_authorizer_free(&a);

    CHECK(compile("{'type': 'apiKey', 'in': 'header', 'name': 'X',"
                  " 'x-amazon-apigateway-authorizer': {'type': 'TOKEN',"
                  "  'identitySource': 'method.request.header.X-Token',"
                  "  'authorizerResultTtlInSeconds': '60',"
                  "  'authorizerUri': 'arn:aws:apigateway:eu-west-1:lambda:"
                  "path/2015-03-31/functions/arn:aws:lambda:eu-west-1:1:"
                  "function:${stageVariables.fn}:live/invocations'}}",
                  &a) == 0, "token: identitySource, TTL as a string");
    CHECK(a.ttl == 60 && strcmp(a.sources[0].name, "x-token") == 0
          && strcmp(tpl_text(a.function, buf, sizeof(buf)),
                    "${fn}") == 0
          && a.function->parts[0].kind == APIGW_TPL_STAGE_VAR
          && a.qualifier && strcmp(a.qualifier, "live") == 0,
          "token: a stage variable names the function, a qualifier");
    apigw_authorizer_free(&a);

    CHECK(compile("{'x-amazon-apigateway-authorizer': {'type': 'request',"
                  " 'identitySource': 'method.request.header.A, "
                  "method.request.querystring.q,stageVariables.sv, "
                  "context.identity.sourceIp',"
                  " 'authorizerResultTtlInSeconds': 0,"
                  " 'authorizerUri': 'arn:aws:lambda:us-east-1:1:function:f'}}",
                  &a) == 0, "request authorizer, four sources");
    CHECK(a.type == APIGW_AUTHZ_REQUEST && a.nsources == 4 && a.ttl == 0
          && a.sources[0].in == APIGW_AUTHZ_SOURCE_HEADER
          && strcmp(a.sources[0].name, "a") == 0
          && a.sources[1].in == APIGW_AUTHZ_SOURCE_QUERY
          && strcmp(a.sources[1].name, "q") == 0
          && a.sources[2].in == APIGW_AUTHZ_SOURCE_STAGE_VAR
          && strcmp(a.sources[2].name, "sv") == 0
          && a.sources[3].in == APIGW_AUTHZ_SOURCE_CONTEXT
          && a.sources[3].context == APIGW_CTX_SOURCE_IP,
          "request: the sources, in order");
    CHECK(a.endpoint == APIGW_AUTHZ_ENDPOINT_FUNCTION
          && strcmp(tpl_text(a.function, buf, sizeof(buf)), "f") == 0,
          "request: a bare Lambda function ARN");
    apigw_authorizer_free(&a);

    CHECK(compile("{'x-apigw-authorizer': {'type': 'request',"
                  " 'identitySource': ['$request.header.Auth',"
                  " '$request.querystring.k'],"
                  " 'authorizerPayloadFormatVersion': '2.0',"
                  " 'enableSimpleResponses': true, 'timeout': 2500,"
                  " 'uri': 'http://${stageVariables.authz}/check'}}",
                  &a) == 0, "x-apigw-authorizer: HTTP endpoint, 2.0");
    CHECK(!a.aws && a.payload == APIGW_AUTHZ_PAYLOAD_2_0 && a.simple
          && a.timeout_ms == 2500 && a.nsources == 2
          && a.endpoint == APIGW_AUTHZ_ENDPOINT_HTTP
          && strcmp(tpl_text(a.url, buf, sizeof(buf)),
                    "http://${authz}/check") == 0,
          "x-apigw-authorizer: URL with a stage variable, simple");
    apigw_authorizer_free(&a);

    CHECK(compile("{'x-apigw-authorizer': {'type': 'request',"
                  " 'identitySource': 'method.request.header.A',"
                  " 'authorizerPayloadFormatVersion': 1.0,"
                  " 'function': 'my-authorizer'}}", &a) == 0
          && a.payload == APIGW_AUTHZ_PAYLOAD_1_0
          && a.endpoint == APIGW_AUTHZ_ENDPOINT_FUNCTION
          && strcmp(tpl_text(a.function, buf, sizeof(buf)),
                    "my-authorizer") == 0,
          "x-apigw-authorizer: function, payload 1.0 written as a number");
    apigw_authorizer_free(&a);

    CHECK(compile("{'x-amazon-apigateway-authorizer': {'type': 'jwt',"
                  " 'jwtConfiguration': {'issuer': 'https://id.example.com/',"
                  " 'audience': ['a1', 'a2']}}}", &a) == 0
          && a.type == APIGW_AUTHZ_JWT
          && a.endpoint == APIGW_AUTHZ_ENDPOINT_NONE
          && a.jwt.nissuers == 1
          && strcmp(a.jwt.issuers[0], "https://id.example.com/") == 0
          && a.jwt.jwks[0] == NULL && a.jwt.naudiences == 2
          && strcmp(a.jwt.audiences[1], "a2") == 0
          && a.nsources == 1 && strcmp(a.sources[0].name, "authorization") == 0,
          "jwt: issuer, audiences, Authorization by default");
    apigw_authorizer_free(&a);

    CHECK(compile("{'x-apigw-authorizer': {'type': 'jwt',"
                  " 'jwtConfiguration': {'issuer': 'https://id.example.com',"
                  " 'audience': 'api', 'jwks': '/etc/apigw/jwks.json'}}}",
                  &a) == 0
          && strcmp(a.jwt.jwks[0], "/etc/apigw/jwks.json") == 0
          && a.jwt.naudiences == 1, "jwt: jwks in x-apigw-authorizer");
    apigw_authorizer_free(&a);

    CHECK(compile("{'type': 'apiKey', 'in': 'header', 'name': 'Authorization',"
                  " 'x-amazon-apigateway-authtype': 'cognito_user_pools',"
                  " 'x-amazon-apigateway-authorizer': {'type': "
                  "'cognito_user_pools', 'identityValidationExpression': "
                  "'client-[0-9]+', 'providerARNs': ["
                  "'arn:aws:cognito-idp:us-east-1:123:userpool/us-east-1_Ab12',"
                  "'arn:aws:cognito-idp:eu-west-2:123:userpool/eu-west-2_Z']}}",
                  &a) == 0, "cognito user pools");
    CHECK(a.type == APIGW_AUTHZ_COGNITO && a.jwt.nissuers == 2
          && strcmp(a.jwt.issuers[0], "https://cognito-idp.us-east-1."
                    "amazonaws.com/us-east-1_Ab12") == 0
          && strcmp(a.jwt.jwks[1], "https://cognito-idp.eu-west-2."
                    "amazonaws.com/eu-west-2_Z/.well-known/jwks.json") == 0
          && strcmp(a.sources[0].name, "authorization") == 0,
          "cognito: issuers and JWKS URLs from the pools' ARNs");
    CHECK(apigw_authz_valid(&a, "client-42", 9) == 1
          && apigw_authz_valid(&a, "client-42x", 10) == 0,
          "cognito: the expression for aud, whole");
    apigw_authorizer_free(&a);

    /* the digest tells definitions apart */
    CHECK(compile("{'x-apigw-authorizer': {'type': 'token', 'identitySource':"
                  " 'method.request.header.A', 'uri': 'http://a/'}}", &a) == 0
          && compile("{'x-apigw-authorizer': {'type': 'token', "
                     "'identitySource': 'method.request.header.A', "
                     "'uri': 'http://b/'}}", &b) == 0
          && memcmp(a.id, b.id, APIGW_SHA256_LEN) != 0,
          "the definition's digest differs with the endpoint");
    apigw_authorizer_free(&b);
    CHECK(compile("{'x-apigw-authorizer': {'uri': 'http://a/',"
                  " 'identitySource': 'method.request.header.A',"
                  " 'type': 'token'}}", &b) == 0
          && memcmp(a.id, b.id, APIGW_SHA256_LEN) == 0,
          "the digest does not depend on the members' order");
    apigw_authorizer_free(&a);
    apigw_authorizer_free(&b);

    NOTE("definitions that do not compile");

    CHECK(compile_fails("{'type': 'apiKey'}",
                        "/components/securitySchemes/auth",
                        "has no x-amazon-apigateway-authorizer"),
          "no authorizer");
    CHECK(compile_fails("{'x-amazon-apigateway-authorizer': {'type': 'token'},"
                        " 'x-apigw-authorizer': {'type': 'token'}}",
                        "/components/securitySchemes/auth", "not both"),
          "both extensions");
    CHECK(compile_fails("{'x-apigw-authorizer': []}",
                        "/components/securitySchemes/auth/x-apigw-authorizer",
                        "must be an object"), "not an object");
    CHECK(compile_fails("{'x-apigw-authorizer': {'type': 'iam'}}",
                        "/components/securitySchemes/auth/x-apigw-authorizer"
                        "/type", "unknown authorizer type"), "unknown type");
    CHECK(compile_fails("{'x-amazon-apigateway-authorizer': {'type': 'token',"
                        " 'identitySource': 'method.request.header.A',"
                        " 'authorizerUri': 'http://x/', 'timeout': 10}}",
                        "/components/securitySchemes/auth/"
                        "x-amazon-apigateway-authorizer/timeout",
                        "unknown member"), "timeout is apigw's own");
    CHECK(compile_fails("{'x-apigw-authorizer': {'type': 'token',"
                        " 'identitySource': 'method.request.header.A',"
                        " 'uri': 'http://x/', 'timeout': 10}}",
                        "/components/securitySchemes/auth/"
                        "x-apigw-authorizer/timeout", "from 50 to 29000"),
          "timeout out of range");
    CHECK(compile_fails("{'x-apigw-authorizer': {'type': 'token',"
                        " 'identitySource': 'method.request.header.A, "
                        "method.request.header.B', 'uri': 'http://x/'}}",
                        "/components/securitySchemes/auth/"
                        "x-apigw-authorizer/identitySource", "one header"),
          "token: two identity sources");
    CHECK(compile_fails("{'x-apigw-authorizer': {'type': 'token',"
                        " 'identitySource': 'method.request.querystring.t',"
                        " 'uri': 'http://x/'}}",
                        "/components/securitySchemes/auth/"
                        "x-apigw-authorizer/identitySource", "one header"),
          "token: a query parameter");
    CHECK(compile_fails("{'type': 'apiKey', 'in': 'query', 'name': 't',"
                        " 'x-apigw-authorizer': {'type': 'token',"
                        " 'uri': 'http://x/'}}",
                        "/components/securitySchemes/auth",
                        "needs \"identitySource\""),
          "token: no source, the scheme's is not a header");
    CHECK(compile_fails("{'x-apigw-authorizer': {'type': 'request',"
                        " 'uri': 'http://x/'}}",
                        "/components/securitySchemes/auth/x-apigw-authorizer",
                        "cached needs \"identitySource\""),
          "request: cached without identity sources");
    CHECK(compile("{'x-apigw-authorizer': {'type': 'request',"
                  " 'authorizerResultTtlInSeconds': 0, 'uri': 'http://x/'}}",
                  &a) == 0 && a.nsources == 0,
          "request: no identity sources when not cached");
    apigw_authorizer_free(&a);
    CHECK(compile_fails("{'x-apigw-authorizer': {'type': 'request',"
                        " 'identitySource': 'method.request.header.A,',"
                        " 'uri': 'http://x/'}}",
                        "/components/securitySchemes/auth/"
                        "x-apigw-authorizer/identitySource", "empty"),
          "request: an empty source");
    CHECK(compile_fails("{'x-apigw-authorizer': {'type': 'request',"
                        " 'identitySource': 'method.request.body.a',"
                        " 'uri': 'http://x/'}}",
                        "/components/securitySchemes/auth/"
                        "x-apigw-authorizer/identitySource",
                        "unknown identity source"), "request: a body source");
    CHECK(compile_fails("{'x-apigw-authorizer': {'type': 'request',"
                        " 'identitySource': 'context.authorizer.x',"
                        " 'uri': 'http://x/'}}",
                        "/components/securitySchemes/auth/"
                        "x-apigw-authorizer/identitySource",
                        "unknown context variable"),
          "request: an unknown context variable");
    CHECK(compile_fails("{'x-apigw-authorizer': {'type': 'request',"
                        " 'identitySource': 'context.error.message',"
                        " 'uri': 'http://x/'}}",
                        "/components/securitySchemes/auth/"
                        "x-apigw-authorizer/identitySource",
                        "unknown context variable"),
          "request: $context.error.* is no identity");
    CHECK(compile_fails("{'x-apigw-authorizer': {'type': 'request',"
                        " 'identitySource': 'method.request.header.A B',"
                        " 'uri': 'http://x/'}}",
                        "/components/securitySchemes/auth/"
                        "x-apigw-authorizer/identitySource", "bad name"),
          "request: a header name with a space");
    CHECK(compile_fails("{'x-apigw-authorizer': {'type': 'request',"
                        " 'identitySource': 'method.request.header.A',"
                        " 'identityValidationExpression': 'x',"
                        " 'uri': 'http://x/'}}",
                        "/components/securitySchemes/auth/x-apigw-authorizer"
                        "/identityValidationExpression",
                        "does not apply to a request"),
          "request: a validation expression");
    CHECK(compile_fails("{'x-apigw-authorizer': {'type': 'token',"
                        " 'identitySource': 'method.request.header.A',"
                        " 'identityValidationExpression': '(', "
                        " 'uri': 'http://x/'}}",
                        "/components/securitySchemes/auth/x-apigw-authorizer"
                        "/identityValidationExpression", "offset 1"),
          "token: a bad regex");
    CHECK(compile_fails("{'x-apigw-authorizer': {'type': 'token',"
                        " 'identitySource': 'method.request.header.A',"
                        " 'authorizerResultTtlInSeconds': 3601,"
                        " 'uri': 'http://x/'}}",
                        "/components/securitySchemes/auth/x-apigw-authorizer"
                        "/authorizerResultTtlInSeconds", "0 (no caching) to "
                        "3600"), "TTL past 3600");
    CHECK(compile_fails("{'x-apigw-authorizer': {'type': 'token',"
                        " 'identitySource': 'method.request.header.A',"
                        " 'authorizerResultTtlInSeconds': '5m',"
                        " 'uri': 'http://x/'}}",
                        "/components/securitySchemes/auth/x-apigw-authorizer"
                        "/authorizerResultTtlInSeconds", "integer"),
          "TTL not a number");
    CHECK(compile_fails("{'x-apigw-authorizer': {'type': 'token',"
                        " 'identitySource': 'method.request.header.A',"
                        " 'authorizerResultTtlInSeconds': -1,"
                        " 'uri': 'http://x/'}}",
                        "/components/securitySchemes/auth/x-apigw-authorizer"
                        "/authorizerResultTtlInSeconds", "integer"),
          "TTL negative");
    CHECK(compile_fails("{'x-apigw-authorizer': {'type': 'token',"
                        " 'identitySource': 'method.request.header.A'}}",
                        "/components/securitySchemes/auth/x-apigw-authorizer",
                        "needs one endpoint"), "no endpoint");
    CHECK(compile_fails("{'x-apigw-authorizer': {'type': 'token',"
                        " 'identitySource': 'method.request.header.A',"
                        " 'uri': 'http://x/', 'function': 'f'}}",
                        "/components/securitySchemes/auth/x-apigw-authorizer"
                        "/function", "needs one endpoint"),
          "two endpoints");
    CHECK(compile_fails("{'x-apigw-authorizer': {'type': 'token',"
                        " 'identitySource': 'method.request.header.A',"
                        " 'uri': 'ftp://x/'}}",
                        "/components/securitySchemes/auth/x-apigw-authorizer"
                        "/uri", "http(s) URL"), "not a URL");
    CHECK(compile_fails("{'x-apigw-authorizer': {'type': 'token',"
                        " 'identitySource': 'method.request.header.A',"
                        " 'uri': 'http://x/{id}'}}",
                        "/components/securitySchemes/auth/x-apigw-authorizer"
                        "/uri", "no path parameters"), "a path parameter");
    CHECK(compile_fails("{'x-apigw-authorizer': {'type': 'token',"
                        " 'identitySource': 'method.request.header.A',"
                        " 'uri': 'arn:aws:apigateway:us-east-1:lambda:path/"
                        "2015-03-31/functions/arn:aws:s3:::b/invocations'}}",
                        "/components/securitySchemes/auth/x-apigw-authorizer"
                        "/uri", "not a Lambda function's ARN"), "an S3 ARN");
    CHECK(compile_fails("{'x-apigw-authorizer': {'type': 'token',"
                        " 'identitySource': 'method.request.header.A',"
                        " 'function': 'a/b'}}",
                        "/components/securitySchemes/auth/x-apigw-authorizer"
                        "/function", "bad function name"),
          "a function name with a slash");
    CHECK(compile_fails("{'x-amazon-apigateway-authorizer': {'type': 'token',"
                        " 'identitySource': 'method.request.header.A',"
                        " 'authorizerUri': 'arn:aws:x', "
                        " 'authorizerPayloadFormatVersion': '2.0'}}",
                        "/components/securitySchemes/auth/"
                        "x-amazon-apigateway-authorizer/"
                        "authorizerPayloadFormatVersion",
                        "does not apply to a token"),
          "token: a payload version");
    CHECK(compile_fails("{'x-amazon-apigateway-authorizer': {'type': 'request',"
                        " 'identitySource': 'method.request.header.A',"
                        " 'authorizerUri': 'arn:aws:lambda:r:1:function:f',"
                        " 'authorizerPayloadFormatVersion': '1.0',"
                        " 'enableSimpleResponses': true}}",
                        "/components/securitySchemes/auth/"
                        "x-amazon-apigateway-authorizer/enableSimpleResponses",
                        "need authorizerPayloadFormatVersion \"2.0\""),
          "simple responses with 1.0");
    CHECK(compile_fails("{'x-amazon-apigateway-authorizer': {'type': 'request',"
                        " 'identitySource': 'method.request.header.A',"
                        " 'authorizerUri': 'arn:aws:lambda:r:1:function:f',"
                        " 'authorizerPayloadFormatVersion': '3.0'}}",
                        "/components/securitySchemes/auth/"
                        "x-amazon-apigateway-authorizer/"
                        "authorizerPayloadFormatVersion", "\"1.0\" or"),
          "payload 3.0");
    CHECK(compile_fails("{'x-amazon-apigateway-authorizer': {'type': 'jwt',"
                        " 'jwtConfiguration': {'audience': ['a']}}}",
                        "/components/securitySchemes/auth/"
                        "x-amazon-apigateway-authorizer/jwtConfiguration",
                        "\"issuer\""), "jwt: no issuer");
    CHECK(compile_fails("{'x-amazon-apigateway-authorizer': {'type': 'jwt',"
                        " 'jwtConfiguration': {'issuer': 'https://i',"
                        " 'jwks': 'x'}}}",
                        "/components/securitySchemes/auth/"
                        "x-amazon-apigateway-authorizer/jwtConfiguration/jwks",
                        "unknown member"), "jwt: jwks is apigw's own");
    CHECK(compile_fails("{'type': 'apiKey', 'in': 'header', 'name': 'A',"
                        " 'x-amazon-apigateway-authorizer': {'type': "
                        "'cognito_user_pools', 'providerARNs': "
                        "['arn:aws:cognito-idp:us-east-1:1:pool/x']}}",
                        "/components/securitySchemes/auth/"
                        "x-amazon-apigateway-authorizer/providerARNs/0",
                        "not a user pool's ARN"), "cognito: a bad ARN");
    CHECK(compile_fails("{'type': 'apiKey', 'in': 'header', 'name': 'A',"
                        " 'x-amazon-apigateway-authorizer': {'type': "
                        "'cognito_user_pools', 'authorizerUri': 'arn:x'}}",
                        "/components/securitySchemes/auth/"
                        "x-amazon-apigateway-authorizer/authorizerUri",
                        "does not apply"), "cognito: an endpoint");
}


/* a request: GET /prod/pets/a%20b?q=1&q=2&x=y */
static apigw_pair_t  rq_headers[] = {
    P("Host", "api.example.com"),
    P("Authorization", "Bearer abc"),
    P("Accept", "*/*"),
    P("accept", "text/html"),
    P("Cookie", "a=1; b=2"),
    P("User-Agent", "curl/8")
};

static apigw_pair_t  rq_query[] = { P("q", "1"), P("q", "2"), P("x", "y") };
static apigw_pair_t  rq_path[] = { P("petId", "a b") };
static apigw_pair_t  rq_stage[] = { P("backend", "10.0.0.1") };


static void
request(apigw_event_request_t *rq)
{
    static const apigw_event_str_t  method = S("GET");
    static const apigw_event_str_t  path = S("/pets/a%20b");
    static const apigw_event_str_t  full = S("/prod/pets/a%20b");
    static const apigw_event_str_t  query = S("q=1&q=2&x=y");
    static const apigw_event_str_t  resource = S("/pets/{petId}");
    static const apigw_event_str_t  route_key = S("GET /pets/{petId}");
    static const apigw_event_str_t  stage = S("prod");
    static const apigw_event_str_t  api_id = S("petstore");
    static const apigw_event_str_t  request_id = S("rid-1");
    static const apigw_event_str_t  source_ip = S("192.0.2.1");
    static const apigw_event_str_t  protocol = S("HTTP/1.1");

    memset(rq, 0, sizeof(apigw_event_request_t));
    rq->method = method;
    rq->path = path;
    rq->full_path = full;
    rq->query = query;
    rq->resource = resource;
    rq->route_key = route_key;
    rq->headers = rq_headers;
    rq->nheaders = sizeof(rq_headers) / sizeof(apigw_pair_t);
    rq->query_params = rq_query;
    rq->nquery_params = 3;
    rq->path_params = rq_path;
    rq->npath_params = 1;
    rq->stage_vars = rq_stage;
    rq->nstage_vars = 1;
    rq->stage = stage;
    rq->api_id = api_id;
    rq->request_id = request_id;
    rq->source_ip = source_ip;
    rq->protocol = protocol;
    rq->time_ms = 1583348638390LL;
}


static const char *
arn_of(apigw_event_request_t *rq, const char *path)
{
    size_t       len;
    static char  buf[APIGW_AUTHZ_ARN_MAX + 1];

    rq->path.data = path;
    rq->path.len = strlen(path);

    if (apigw_authz_method_arn(rq, buf, &len) != APIGW_AUTHZ_OK
        || len != strlen(buf))
    {
        return "(too long)";
    }

    return buf;
}


static void
test_method_arn(void)
{
    char                   big[2048], out[64];
    size_t                 len, n;
    apigw_event_request_t  rq;
    static char            buf[APIGW_AUTHZ_ARN_MAX + 1];

    NOTE("methodArn");

    request(&rq);

    CHECK(strcmp(arn_of(&rq, "/"), ARN_PREFIX "GET/") == 0,
          "the root resource ends /GET/");
    CHECK(strcmp(arn_of(&rq, "/pets/a1b2"), ARN_PREFIX "GET/pets/a1b2") == 0,
          "the request's path, not the template");
    CHECK(strcmp(arn_of(&rq, "/files/a/b/c.txt"),
                 ARN_PREFIX "GET/files/a/b/c.txt") == 0,
          "a greedy path, every segment");
    CHECK(strcmp(arn_of(&rq, "/pets/"), ARN_PREFIX "GET/pets/") == 0,
          "a trailing slash stays");
    CHECK(strcmp(arn_of(&rq, "/%61dmin"), ARN_PREFIX "GET/admin") == 0,
          "escaped unreserved characters decoded: /%%61dmin is /admin");
    CHECK(strcmp(arn_of(&rq, "/a%2fb%20c%3a"), ARN_PREFIX "GET/a%2Fb%20c%3A")
          == 0, "other escapes kept, in capitals");
    CHECK(strcmp(arn_of(&rq, "/a:b"), ARN_PREFIX "GET/a%3Ab") == 0,
          "a raw colon escaped: the path stays one ARN segment");
    CHECK(strcmp(arn_of(&rq, "/caf\xc3\xa9"), ARN_PREFIX "GET/caf%C3%A9") == 0,
          "raw bytes past ASCII escaped");
    CHECK(strcmp(arn_of(&rq, "/x%zz%4"), ARN_PREFIX "GET/x%25zz%254") == 0,
          "a bad escape: its %% escaped");
    CHECK(strcmp(arn_of(&rq, "/a*b(c)@d;e=f"), ARN_PREFIX "GET/a*b(c)@d;e=f")
          == 0, "sub-delims and @ raw");

    rq.method.data = "DELETE";
    rq.method.len = 6;
    rq.stage.len = 0;
    rq.region.data = "eu-west-3";
    rq.region.len = 9;
    rq.account.data = "123456789012";
    rq.account.len = 12;
    CHECK(strcmp(arn_of(&rq, "/x"), "arn:aws:execute-api:eu-west-3:"
                 "123456789012:petstore/$default/DELETE/x") == 0,
          "configured region and account; no stage is $default");

    request(&rq);
    memset(big, 'a', sizeof(big));
    big[0] = '/';
    n = APIGW_AUTHZ_ARN_MAX - (sizeof(ARN_PREFIX "GET/") - 1) + 1;
    big[n] = '\0';
    CHECK(strlen(arn_of(&rq, big)) == APIGW_AUTHZ_ARN_MAX,
          "a methodArn of exactly 1600 bytes");
    big[n] = 'a';
    big[n + 1] = '\0';
    rq.path.data = big;
    rq.path.len = n + 1;
    CHECK(apigw_authz_method_arn(&rq, buf, &len) == APIGW_AUTHZ_URI_TOO_LONG,
          "past 1600 bytes: 414");
    memcpy(big + n - 2, "%3a", 3);
    rq.path.len = n + 1;
    CHECK(apigw_authz_method_arn(&rq, buf, &len) == APIGW_AUTHZ_URI_TOO_LONG,
          "the length counts escapes");

    CHECK(apigw_authz_canonical_path("%7e%7E~", 7, out) == 3
          && memcmp(out, "~~~", 3) == 0, "canonical: %%7e is ~");
}


static void
test_identity(void)
{
    char                    buf[64];
    apigw_authorizer_t      a;
    apigw_event_request_t   rq;
    apigw_authz_identity_t  id;

    static apigw_pair_t  twice[] = {
        P("Authorization", "Bearer abc"), P("authorization", "Bearer xyz")
    };
    static apigw_pair_t  same[] = {
        P("Authorization", "Bearer abc"), P("AUTHORIZATION", "Bearer abc")
    };
    static apigw_pair_t  empty[] = { P("Authorization", "") };
    static apigw_pair_t  bad[] = { P("Authorization", "Bearer ABC") };
    static apigw_pair_t  prefixed[] = { P("Authorization", "xBearer abc") };

    NOTE("identity sources");

    CHECK(compile("{'type': 'apiKey', 'in': 'header', 'name': 'Authorization',"
                  " 'x-apigw-authorizer': {'type': 'token', 'uri': 'http://a',"
                  " 'identityValidationExpression': 'Bearer [a-z]+'}}", &a)
          == 0, "token with an unanchored expression");

    request(&rq);
    CHECK(apigw_authz_identity(&a, &rq, &id, errbuf, sizeof(errbuf))
          == APIGW_AUTHZ_OK && id.n == 1 && id.values[0].len == 10
          && memcmp(id.values[0].data, "Bearer abc", 10) == 0,
          "the token, its header in any case");

    rq.headers = bad;
    rq.nheaders = 1;
    CHECK(apigw_authz_identity(&a, &rq, &id, errbuf, sizeof(errbuf))
          == APIGW_AUTHZ_UNAUTHORIZED
          && strstr(errbuf, "identityValidationExpression") != NULL,
          "no match: 401 without calling");

    rq.headers = prefixed;
    CHECK(apigw_authz_identity(&a, &rq, &id, errbuf, sizeof(errbuf))
          == APIGW_AUTHZ_UNAUTHORIZED,
          "the expression matches the whole token, not a part");

    rq.headers = empty;
    CHECK(apigw_authz_identity(&a, &rq, &id, errbuf, sizeof(errbuf))
          == APIGW_AUTHZ_UNAUTHORIZED && strstr(errbuf, "empty") != NULL,
          "an empty token: 401");

    rq.nheaders = 0;
    CHECK(apigw_authz_identity(&a, &rq, &id, errbuf, sizeof(errbuf))
          == APIGW_AUTHZ_UNAUTHORIZED && strstr(errbuf, "missing") != NULL,
          "no token: 401");

    rq.headers = twice;
    rq.nheaders = 2;
    CHECK(apigw_authz_identity(&a, &rq, &id, errbuf, sizeof(errbuf))
          == APIGW_AUTHZ_UNAUTHORIZED && strstr(errbuf, "twice") != NULL,
          "two different tokens: 401");

    rq.headers = same;
    CHECK(apigw_authz_identity(&a, &rq, &id, errbuf, sizeof(errbuf))
          == APIGW_AUTHZ_OK, "the same token twice");
    apigw_authorizer_free(&a);

    CHECK(compile("{'x-apigw-authorizer': {'type': 'request',"
                  " 'uri': 'http://a',"
                  " 'identitySource': 'method.request.querystring.q, "
                  "stageVariables.backend, context.identity.sourceIp, "
                  "context.requestTimeEpoch, context.resourceId, "
                  "context.stage, context.identity.userAgent'}}", &a) == 0,
          "request with query, stage and context sources");

    request(&rq);
    rq.query_params = rq_query + 1;
    rq.nquery_params = 2;
    CHECK(apigw_authz_identity(&a, &rq, &id, errbuf, sizeof(errbuf))
          == APIGW_AUTHZ_OK && id.n == 7, "request: all found");
    CHECK(id.values[0].len == 1 && id.values[0].data[0] == '2'
          && id.values[1].len == 8
          && memcmp(id.values[1].data, "10.0.0.1", 8) == 0
          && id.values[2].len == 9
          && memcmp(id.values[2].data, "192.0.2.1", 9) == 0
          && id.values[3].len == 13
          && memcmp(id.values[3].data, "1583348638390", 13) == 0
          && id.values[4].len == 6
          && apigw_authz_resource_id(&rq.resource, buf) == 6
          && memcmp(id.values[4].data, buf, 6) == 0
          && id.values[5].len == 4 && id.values[6].len == 6,
          "request: the values");

    rq.nquery_params = 3;
    rq.query_params = rq_query;
    CHECK(apigw_authz_identity(&a, &rq, &id, errbuf, sizeof(errbuf))
          == APIGW_AUTHZ_UNAUTHORIZED, "request: q=1&q=2 is ambiguous");

    rq.nquery_params = 0;
    CHECK(apigw_authz_identity(&a, &rq, &id, errbuf, sizeof(errbuf))
          == APIGW_AUTHZ_UNAUTHORIZED
          && strstr(errbuf, "query parameter \"q\"") != NULL,
          "request: a query parameter missing");

    rq.nquery_params = 2;
    rq.query_params = rq_query + 1;
    rq.nstage_vars = 0;
    CHECK(apigw_authz_identity(&a, &rq, &id, errbuf, sizeof(errbuf))
          == APIGW_AUTHZ_UNAUTHORIZED, "request: a stage variable missing");
    apigw_authorizer_free(&a);

    CHECK(apigw_authz_format_time(0, buf) == 26
          && strcmp(buf, "01/Jan/1970:00:00:00 +0000") == 0
          && apigw_authz_format_time(1583348638390LL, buf) == 26
          && strcmp(buf, "04/Mar/2020:19:03:58 +0000") == 0,
          "requestTime's format");
}


static void
test_cache_key(void)
{
    unsigned char           k1[APIGW_SHA256_LEN], k2[APIGW_SHA256_LEN];
    apigw_authorizer_t      a, b;
    apigw_authz_identity_t  id;

    NOTE("cache keys");

    CHECK(compile("{'x-apigw-authorizer': {'type': 'request',"
                  " 'uri': 'http://a',"
                  " 'identitySource': 'method.request.header.A, "
                  "method.request.header.B'}}", &a) == 0
          && compile("{'x-apigw-authorizer': {'type': 'request', "
                     "'uri': 'http://b', 'identitySource': "
                     "'method.request.header.A, method.request.header.B'}}",
                     &b) == 0, "two request authorizers");

    memset(&id, 0, sizeof(id));
    id.n = 2;
    id.values[0].data = "a";
    id.values[0].len = 1;
    id.values[1].data = "bc";
    id.values[1].len = 2;
    apigw_authz_cache_key(&a, "petstore/prod/auth", 18, &id, k1);

    id.values[0].data = "ab";
    id.values[0].len = 2;
    id.values[1].data = "c";
    id.values[1].len = 1;
    apigw_authz_cache_key(&a, "petstore/prod/auth", 18, &id, k2);
    CHECK(memcmp(k1, k2, sizeof(k1)) != 0, "\"a\"+\"bc\" is not \"ab\"+\"c\"");

    apigw_authz_cache_key(&a, "petstore/prod/auth", 18, &id, k1);
    CHECK(memcmp(k1, k2, sizeof(k1)) == 0, "the same values, the same key");

    apigw_authz_cache_key(&a, "petstore/test/auth", 18, &id, k1);
    CHECK(memcmp(k1, k2, sizeof(k1)) != 0, "another scope, another key");

    apigw_authz_cache_key(&b, "petstore/prod/auth", 18, &id, k1);
    CHECK(memcmp(k1, k2, sizeof(k1)) != 0, "another definition, another key");

    id.values[1].data = "c,";
    id.values[1].len = 2;
    id.n = 2;
    apigw_authz_cache_key(&a, "petstore/prod/auth", 18, &id, k1);
    id.values[0].data = "ab";
    id.values[0].len = 2;
    id.values[1].data = "c";
    id.values[1].len = 1;
    id.n = 3;
    id.values[2].data = "";
    id.values[2].len = 0;
    apigw_authz_cache_key(&a, "petstore/prod/auth", 18, &id, k2);
    CHECK(memcmp(k1, k2, sizeof(k1)) != 0,
          "a comma in a value is no separator");

    id.n = 1;
    id.values[0].data = "petstore/prod/auth";
    id.values[0].len = 18;
    apigw_authz_cache_key(&a, "", 0, &id, k1);
    id.n = 0;
    apigw_authz_cache_key(&a, "petstore/prod/auth", 18, &id, k2);
    CHECK(memcmp(k1, k2, sizeof(k1)) != 0,
          "the scope and the values are apart");

    apigw_authorizer_free(&a);
    apigw_authorizer_free(&b);
}


static int
event_is(const apigw_authorizer_t *a, const apigw_event_request_t *rq,
    const char *expected, const char *name)
{
    int                     ok;
    char                   *text, *want_text, rid[8];
    char                    arn[APIGW_AUTHZ_ARN_MAX + 1];
    size_t                  len;
    json_t                 *got, *want, *ctx;
    apigw_authz_identity_t  id;

    if (apigw_authz_identity(a, rq, &id, errbuf, sizeof(errbuf))
        != APIGW_AUTHZ_OK
        || apigw_authz_method_arn(rq, arn, &len) != APIGW_AUTHZ_OK)
    {
        printf("# %s: %s\n", name, errbuf);
        return 0;
    }

    got = apigw_authz_event(a, rq, &id, arn, len);
    want = J(expected);

    /* the resource id is a digest: checked on its own */
    ctx = json_object_get(want, "requestContext");

    if (json_is_string(json_object_get(ctx, "resourceId"))) {
        apigw_authz_resource_id(&rq->resource, rid);
        json_object_set_new(ctx, "resourceId", json_string(rid));
    }

    ok = got != NULL && json_equal(got, want);

    if (!ok) {
        text = got ? json_dumps(got, JSON_SORT_KEYS) : NULL;
        want_text = json_dumps(want, JSON_SORT_KEYS);
        printf("# %s\n# got:  %s\n# want: %s\n", name, text ? text : "NULL",
               want_text);
        free(text);
        free(want_text);
    }

    json_decref(got);
    json_decref(want);

    return ok;
}


static void
test_events(void)
{
    char                   rid[8];
    apigw_authorizer_t     a;
    apigw_event_request_t  rq;

    static apigw_pair_t  odd[] = {
        P("Authorization", "Bearer abc"), P("X-Bin", "a\xff" "b"),
        P("X-\xc3", "v")
    };

    NOTE("events");

    request(&rq);

    CHECK(apigw_authz_resource_id(&rq.resource, rid) == 6
          && strspn(rid, "0123456789abcdefghijklmnopqrstuvwxyz") == 6,
          "resourceId: six base-36 characters");

    compile("{'type': 'apiKey', 'in': 'header', 'name': 'Authorization',"
            " 'x-amazon-apigateway-authorizer': {'type': 'token',"
            " 'authorizerUri': 'arn:aws:lambda:r:1:function:f'}}", &a);
    CHECK(event_is(&a, &rq,
                   "{'type': 'TOKEN', 'authorizationToken': 'Bearer abc',"
                   " 'methodArn': '" ARN_PREFIX "GET/pets/a%20b'}",
                   "token"), "TOKEN event");
    apigw_authorizer_free(&a);

    compile("{'x-amazon-apigateway-authorizer': {'type': 'request',"
            " 'identitySource': 'method.request.header.Authorization, "
            "method.request.querystring.x',"
            " 'authorizerUri': 'arn:aws:lambda:r:1:function:f'}}", &a);
    CHECK(event_is(&a, &rq,
                   "{'type': 'REQUEST',"
                   " 'methodArn': '" ARN_PREFIX "GET/pets/a%20b',"
                   " 'resource': '/pets/{petId}',"
                   " 'path': '/pets/a b',"
                   " 'httpMethod': 'GET',"
                   " 'headers': {'Host': 'api.example.com',"
                   "   'Authorization': 'Bearer abc', 'Accept': 'text/html',"
                   "   'Cookie': 'a=1; b=2', 'User-Agent': 'curl/8'},"
                   " 'multiValueHeaders': {'Host': ['api.example.com'],"
                   "   'Authorization': ['Bearer abc'],"
                   "   'Accept': ['*/*', 'text/html'],"
                   "   'Cookie': ['a=1; b=2'], 'User-Agent': ['curl/8']},"
                   " 'queryStringParameters': {'q': '2', 'x': 'y'},"
                   " 'multiValueQueryStringParameters': {'q': ['1', '2'],"
                   "   'x': ['y']},"
                   " 'pathParameters': {'petId': 'a b'},"
                   " 'stageVariables': {'backend': '10.0.0.1'},"
                   " 'requestContext': {'path': '/prod/pets/a b',"
                   "   'accountId': '000000000000', 'resourceId': '',"
                   "   'stage': 'prod', 'requestId': 'rid-1',"
                   "   'identity': {'apiKey': null, 'sourceIp': '192.0.2.1'},"
                   "   'resourcePath': '/pets/{petId}', 'httpMethod': 'GET',"
                   "   'apiId': 'petstore'}}",
                   "request"), "REQUEST event (REST), field by field");

    rq.nquery_params = 0;
    rq.npath_params = 0;
    rq.nstage_vars = 0;
    rq.headers = odd;
    rq.nheaders = 3;
    rq.api_key.data = "k-123";
    rq.api_key.len = 5;
    rq.stage.len = 0;
    rq.path.data = "/";
    rq.path.len = 1;
    rq.full_path = rq.path;
    rq.query_params = rq_query + 2;
    rq.nquery_params = 1;
    CHECK(event_is(&a, &rq,
                   "{'type': 'REQUEST',"
                   " 'methodArn': 'arn:aws:execute-api:us-east-1:"
                   "000000000000:petstore/$default/GET/',"
                   " 'resource': '/pets/{petId}', 'path': '/',"
                   " 'httpMethod': 'GET',"
                   " 'headers': {'Authorization': 'Bearer abc',"
                   "   'X-Bin': 'a\\ufffdb', 'X-\\ufffd': 'v'},"
                   " 'multiValueHeaders': {'Authorization': ['Bearer abc'],"
                   "   'X-Bin': ['a\\ufffdb'], 'X-\\ufffd': ['v']},"
                   " 'queryStringParameters': {'x': 'y'},"
                   " 'multiValueQueryStringParameters': {'x': ['y']},"
                   " 'pathParameters': {}, 'stageVariables': {},"
                   " 'requestContext': {'path': '/',"
                   "   'accountId': '000000000000', 'resourceId': '',"
                   "   'stage': '$default', 'requestId': 'rid-1',"
                   "   'identity': {'apiKey': 'k-123',"
                   "   'sourceIp': '192.0.2.1'},"
                   "   'resourcePath': '/pets/{petId}', 'httpMethod': 'GET',"
                   "   'apiId': 'petstore'}}",
                   "request, empty maps"),
          "REQUEST event: empty maps {}, bytes that are not UTF-8, apiKey");
    apigw_authorizer_free(&a);

    request(&rq);
    compile("{'x-amazon-apigateway-authorizer': {'type': 'request',"
            " 'identitySource': 'method.request.header.Authorization, "
            "method.request.querystring.x',"
            " 'authorizerPayloadFormatVersion': '1.0',"
            " 'authorizerUri': 'arn:aws:lambda:r:1:function:f'}}", &a);
    CHECK(event_is(&a, &rq,
                   "{'version': '1.0', 'type': 'REQUEST',"
                   " 'methodArn': '" ARN_PREFIX "GET/pets/a%20b',"
                   " 'identitySource': 'Bearer abc,y',"
                   " 'authorizationToken': 'Bearer abc,y',"
                   " 'resource': '/pets/{petId}',"
                   " 'path': '/pets/a b',"
                   " 'httpMethod': 'GET',"
                   " 'headers': {'Host': 'api.example.com',"
                   "   'Authorization': 'Bearer abc', 'Accept': 'text/html',"
                   "   'Cookie': 'a=1; b=2', 'User-Agent': 'curl/8'},"
                   " 'queryStringParameters': {'q': '2', 'x': 'y'},"
                   " 'pathParameters': {'petId': 'a b'},"
                   " 'stageVariables': {'backend': '10.0.0.1'},"
                   " 'requestContext': {'path': '/prod/pets/a b',"
                   "   'accountId': '000000000000', 'resourceId': '',"
                   "   'stage': 'prod', 'requestId': 'rid-1',"
                   "   'identity': {'apiKey': null, 'sourceIp': '192.0.2.1'},"
                   "   'resourcePath': '/pets/{petId}', 'httpMethod': 'GET',"
                   "   'apiId': 'petstore'}}",
                   "1.0"), "HTTP API payload 1.0 event");
    apigw_authorizer_free(&a);

    compile("{'x-amazon-apigateway-authorizer': {'type': 'request',"
            " 'identitySource': '$request.header.Authorization, "
            "$request.querystring.x',"
            " 'authorizerPayloadFormatVersion': '2.0',"
            " 'enableSimpleResponses': true,"
            " 'authorizerUri': 'arn:aws:lambda:r:1:function:f'}}", &a);
    CHECK(event_is(&a, &rq,
                   "{'version': '2.0', 'type': 'REQUEST',"
                   " 'routeArn': '" ARN_PREFIX "GET/pets/a%20b',"
                   " 'identitySource': ['Bearer abc', 'y'],"
                   " 'routeKey': 'GET /pets/{petId}',"
                   " 'rawPath': '/prod/pets/a%20b',"
                   " 'rawQueryString': 'q=1&q=2&x=y',"
                   " 'cookies': ['a=1', 'b=2'],"
                   " 'headers': {'host': 'api.example.com',"
                   "   'authorization': 'Bearer abc',"
                   "   'accept': '*/*,text/html', 'user-agent': 'curl/8'},"
                   " 'queryStringParameters': {'q': '1,2', 'x': 'y'},"
                   " 'requestContext': {'accountId': '000000000000',"
                   "   'apiId': 'petstore', 'domainName': 'api.example.com',"
                   "   'domainPrefix': 'api',"
                   "   'http': {'method': 'GET', 'path': '/prod/pets/a b',"
                   "     'protocol': 'HTTP/1.1', 'sourceIp': '192.0.2.1',"
                   "     'userAgent': 'curl/8'},"
                   "   'requestId': 'rid-1', 'routeKey': 'GET /pets/{petId}',"
                   "   'stage': 'prod', 'time': '04/Mar/2020:19:03:58 +0000',"
                   "   'timeEpoch': 1583348638390},"
                   " 'pathParameters': {'petId': 'a b'},"
                   " 'stageVariables': {'backend': '10.0.0.1'}}",
                   "2.0"), "HTTP API payload 2.0 event");

    rq.nheaders = 2;
    rq.npath_params = 0;
    rq.nstage_vars = 0;
    rq.query_params = rq_query + 2;
    rq.nquery_params = 1;
    rq.query.data = "x=y";
    rq.query.len = 3;
    CHECK(event_is(&a, &rq,
                   "{'version': '2.0', 'type': 'REQUEST',"
                   " 'routeArn': '" ARN_PREFIX "GET/pets/a%20b',"
                   " 'identitySource': ['Bearer abc', 'y'],"
                   " 'routeKey': 'GET /pets/{petId}',"
                   " 'rawPath': '/prod/pets/a%20b',"
                   " 'rawQueryString': 'x=y',"
                   " 'headers': {'host': 'api.example.com',"
                   "   'authorization': 'Bearer abc'},"
                   " 'queryStringParameters': {'x': 'y'},"
                   " 'requestContext': {'accountId': '000000000000',"
                   "   'apiId': 'petstore', 'domainName': 'api.example.com',"
                   "   'domainPrefix': 'api',"
                   "   'http': {'method': 'GET', 'path': '/prod/pets/a b',"
                   "     'protocol': 'HTTP/1.1', 'sourceIp': '192.0.2.1',"
                   "     'userAgent': ''},"
                   "   'requestId': 'rid-1', 'routeKey': 'GET /pets/{petId}',"
                   "   'stage': 'prod', 'time': '04/Mar/2020:19:03:58 +0000',"
                   "   'timeEpoch': 1583348638390}}",
                   "2.0 empty"), "payload 2.0 leaves empty maps out");
    apigw_authorizer_free(&a);
}


int
main(void)
{
    test_definitions();
    test_method_arn();
    test_identity();
    test_cache_key();
    test_events();

    apigw_sha256_free();

    return unit_done();
}
