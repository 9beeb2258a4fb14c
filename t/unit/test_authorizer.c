
/*
 * Copyright (C) apigw contributors
 */


/*
 * unit tests for custom authorizers: definitions (apigw_authorizer.c),
 * events and methodArns (apigw_authorizer_event.c), answers, policies
 * and cached results (apigw_policy.c)
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_authorizer.h"
#include "unit.h"


#define S(s)        { s, sizeof(s) - 1 }
#define P(n, v)     { n, sizeof(n) - 1, v, sizeof(v) - 1 }

#define ARN_PREFIX  "arn:aws:execute-api:us-east-1:000000000000:petstore/prod/"


static apigw_error_t  err;
static apigw_doc_t    doc;
static char           errbuf[APIGW_ERR_LEN];


/* JSON written with ' for " */
static json_t *
J(const char *text)
{
    char          *copy, *p;
    json_t        *j;
    json_error_t   jerr;

    copy = strdup(text);
    if (copy == NULL) {
        exit(2);
    }

    for (p = copy; *p; p++) {
        if (*p == '\'') {
            *p = '"';
        }
    }

    j = json_loads(copy, JSON_DECODE_ANY, &jerr);

    if (j == NULL) {
        printf("# bad test JSON: %s: %s\n", jerr.text, copy);
        exit(2);
    }

    free(copy);

    return j;
}


static char *
Jtext(const char *text)
{
    char  *copy, *p;

    copy = strdup(text);
    if (copy == NULL) {
        exit(2);
    }

    for (p = copy; *p; p++) {
        if (*p == '\'') {
            *p = '"';
        }
    }

    return copy;
}


/* a security scheme at /components/securitySchemes/auth */
static int
compile(const char *scheme, apigw_authorizer_t *a)
{
    int          rc;
    apigw_loc_t  loc;

    memset(&err, 0, sizeof(err));
    memset(&doc, 0, sizeof(doc));
    snprintf(doc.path, sizeof(doc.path), "spec.json");
    doc.root = J(scheme);

    loc.doc = &doc;
    loc.node = doc.root;
    loc.key = NULL;
    snprintf(loc.pointer, sizeof(loc.pointer),
             "/components/securitySchemes/auth");

    rc = apigw_authorizer_compile(&loc, a, &err);
    json_decref(doc.root);

    return rc;
}


static int
compile_fails(const char *scheme, const char *pointer, const char *msg)
{
    int                 ok;
    apigw_authorizer_t  a;

    if (compile(scheme, &a) == 0) {
        printf("# compiled: %s\n", scheme);
        apigw_authorizer_free(&a);
        return 0;
    }

    ok = strcmp(err.pointer, pointer) == 0
         && strstr(err.message, msg) != NULL
         && strcmp(err.file, "spec.json") == 0;

    if (!ok) {
        printf("# pointer \"%s\" message \"%s\"\n", err.pointer,
               err.message);
    }

    return ok;
}


static const char *
tpl_text(apigw_tpl_t *tpl, char *buf, size_t size)
{
    size_t  i, n;

    buf[0] = '\0';

    for (n = 0, i = 0; tpl && i < tpl->nparts && n < size; i++) {
        n += snprintf(buf + n, size - n, "%s%s%s",
                      tpl->parts[i].kind == APIGW_TPL_STAGE_VAR ? "${" : "",
                      tpl->parts[i].text,
                      tpl->parts[i].kind == APIGW_TPL_STAGE_VAR ? "}" : "");
    }

    return buf;
}


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
request(apigw_authz_request_t *rq)
{
    static const apigw_authz_str_t  method = S("GET");
    static const apigw_authz_str_t  path = S("/pets/a%20b");
    static const apigw_authz_str_t  full = S("/prod/pets/a%20b");
    static const apigw_authz_str_t  query = S("q=1&q=2&x=y");
    static const apigw_authz_str_t  resource = S("/pets/{petId}");
    static const apigw_authz_str_t  route_key = S("GET /pets/{petId}");
    static const apigw_authz_str_t  stage = S("prod");
    static const apigw_authz_str_t  api_id = S("petstore");
    static const apigw_authz_str_t  request_id = S("rid-1");
    static const apigw_authz_str_t  source_ip = S("192.0.2.1");
    static const apigw_authz_str_t  protocol = S("HTTP/1.1");

    memset(rq, 0, sizeof(apigw_authz_request_t));
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
arn_of(apigw_authz_request_t *rq, const char *path)
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
    apigw_authz_request_t  rq;
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
    apigw_authz_request_t   rq;
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
event_is(const apigw_authorizer_t *a, const apigw_authz_request_t *rq,
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
    apigw_authz_request_t  rq;

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


static apigw_authorizer_t  rest, simple;


static apigw_authz_rc_e
parse_as(apigw_authorizer_t *a, unsigned status, unsigned flags,
    const char *body, apigw_authz_result_t **res)
{
    char              *text;
    apigw_authz_rc_e   rc;

    text = Jtext(body);
    errbuf[0] = '\0';
    rc = apigw_authz_parse(a, status, flags, text, strlen(text), res,
                           errbuf, sizeof(errbuf));
    free(text);

    return rc;
}


/* the answer's verdict for GET /pets/a1 (or the rc of a refusal) */
static apigw_authz_rc_e
verdict(const char *body, const char *arn)
{
    apigw_authz_rc_e       rc;
    apigw_authz_result_t  *res;

    rc = parse_as(&rest, 200, 0, body, &res);

    if (rc != APIGW_AUTHZ_OK) {
        return rc == APIGW_AUTHZ_CONFIG_ERROR ? APIGW_AUTHZ_RC_COUNT : rc;
    }

    rc = apigw_authz_evaluate(res, arn, strlen(arn));
    free(res);

    return rc;
}


#define ARN     ARN_PREFIX "GET/pets/a1"

#define POLICY(stmts)                                                        \
    "{'principalId': 'u1', 'policyDocument': {'Version': '2012-10-17',"      \
    " 'Statement': " stmts "}}"

#define STMT(effect, action, resource)                                       \
    "{'Effect': '" effect "', 'Action': " action ", 'Resource': "             \
    resource "}"

#define ALLOW(resource)    STMT("Allow", "'execute-api:Invoke'", resource)
#define DENY(resource)     STMT("Deny", "'execute-api:Invoke'", resource)

#define OK          APIGW_AUTHZ_OK
#define EXPLICIT    APIGW_AUTHZ_EXPLICIT_DENY
#define IMPLICIT    APIGW_AUTHZ_IMPLICIT_DENY
#define INVALID     APIGW_AUTHZ_RC_COUNT


static void
test_policies(void)
{
    NOTE("policy evaluation");

    CHECK(verdict(POLICY("[" ALLOW("'" ARN "'") "]"), ARN) == OK,
          "an Allow of the method");
    CHECK(verdict(POLICY(ALLOW("'" ARN "'")), ARN) == OK,
          "Statement as an object");
    CHECK(verdict(POLICY("[]"), ARN) == IMPLICIT, "no statement: implicit");
    CHECK(verdict(POLICY("[" ALLOW("'" ARN_PREFIX "POST/pets/a1'") "]"), ARN)
          == IMPLICIT, "an Allow of another method: implicit deny");
    CHECK(verdict(POLICY("[" ALLOW("'*'") "," DENY("'" ARN "'") "]"), ARN)
          == EXPLICIT, "Deny wins over Allow");
    CHECK(verdict(POLICY("[" DENY("'" ARN "'") "," ALLOW("'*'") "]"), ARN)
          == EXPLICIT, "Deny wins, whatever the order");
    CHECK(verdict(POLICY("[" DENY("'" ARN_PREFIX "DELETE/*'") ","
                         ALLOW("'*'") "]"), ARN) == OK,
          "a Deny of another method does not apply");
    CHECK(verdict(POLICY("[" DENY("'" ARN "'") "]"), ARN) == EXPLICIT,
          "a Deny alone: explicit");
    CHECK(verdict(POLICY("[" ALLOW("['arn:x', '" ARN "', 'arn:y']") "]"), ARN)
          == OK, "a Resource list");
    CHECK(verdict(POLICY("[" ALLOW("['arn:x']") "," ALLOW("['arn:y']") "]"),
                  ARN) == IMPLICIT, "a Resource list that misses");

    NOTE("resources: wildcards in each ARN segment");

    CHECK(verdict(POLICY(ALLOW("'*'")), ARN) == OK, "*");
    CHECK(verdict(POLICY(ALLOW("'arn:aws:execute-api:*:*:*'")), ARN) == OK,
          "arn:aws:execute-api:*:*:*");
    CHECK(verdict(POLICY(ALLOW("'arn:aws:execute-api:us-east-1:*:"
                               "petstore/*'")), ARN) == OK,
          "api-id/*");
    CHECK(verdict(POLICY(ALLOW("'arn:aws:execute-api:us-east-1:*:"
                               "petstore/prod/*'")), ARN) == OK,
          "api-id/stage/*");
    CHECK(verdict(POLICY(ALLOW("'arn:aws:execute-api:us-east-?:000000000000:"
                               "petstore/prod/GET/pets/a1'")), ARN) == OK,
          "? in the region");
    CHECK(verdict(POLICY(ALLOW("'arn:aws:execute-api:us-*-1:000000000000:"
                               "petstore/prod/GET/pets/a1'")), ARN) == OK,
          "* inside the region");
    CHECK(verdict(POLICY(ALLOW("'arn:aws:execute-api:us-east-1:0000*0000:"
                               "petstore/prod/GET/pets/a1'")), ARN) == OK,
          "* inside the account");
    CHECK(verdict(POLICY(ALLOW("'arn:aws:execute-api:us-east-1:000000000000:"
                               "pet*/prod/*/pets/*'")), ARN) == OK,
          "* in the api id, the verb and the path");
    CHECK(verdict(POLICY(ALLOW("'arn:aws:execute-api:us-east-1:000000000000:"
                               "petstore/*/GET/pets/a?'")), ARN) == OK,
          "? in the path");
    CHECK(verdict(POLICY(ALLOW("'arn:aws:execute-api:us-east-1:000000000000:"
                               "petstore/prod/GE?/pets/a1'")), ARN) == OK,
          "? in the verb");
    CHECK(verdict(POLICY(ALLOW("'arn:aws:execute-api:us-east-1:000000000000:"
                               "petstore/prod/GET/pets/a?" "?'")), ARN)
          == IMPLICIT, "? is one character, not none");
    CHECK(verdict(POLICY(ALLOW("'arn:aws:execute-api:us-east-1:000000000000:"
                               "petstore/prod/GET/*'")),
                  ARN_PREFIX "GET/a/b/c") == OK, "* spans slashes");
    CHECK(verdict(POLICY(ALLOW("'arn:aws:execute-api:us-east-1:000000000000:"
                               "petstore/prod/GET/'")), ARN_PREFIX "GET/")
          == OK, "the root resource");
    CHECK(verdict(POLICY(ALLOW("'arn:aws:execute-api:us-east-1:000000000000:"
                               "petstore/prod/GET/'")), ARN) == IMPLICIT,
          "the root resource is not its children");

    NOTE("resources: * at the end of a segment runs past colons");

    CHECK(verdict(POLICY(ALLOW("'arn:aws:*'")), ARN) == OK, "arn:aws:*");
    CHECK(verdict(POLICY(ALLOW("'arn:aws:execute-api:us*:petstore/prod/GET/"
                               "pets/a1'")), ARN) == OK,
          "us* ends a segment: it takes \"-east-1:000000000000\"");
    CHECK(verdict(POLICY(ALLOW("'arn:aws:execute-api:us*0:petstore/prod/GET/"
                               "pets/a1'")), ARN) == IMPLICIT,
          "us*0: a * inside a segment stops at colons");
    CHECK(verdict(POLICY(ALLOW("'arn:aws:execute-api:*:petstore/*'")), ARN)
          == OK, "*: one pattern segment for region and account");
    CHECK(verdict(POLICY(ALLOW("'arn:aws:execute-api:us-east-1?000000000000:"
                               "petstore/*'")), ARN) == IMPLICIT,
          "? does not match a colon");
    CHECK(verdict(POLICY(ALLOW("'arn:aws:execute-api:us-east-1:*/prod/*'")),
                  ARN) == IMPLICIT,
          "* before / (not a segment's end) stops at colons");

    NOTE("resources: case-sensitive");

    CHECK(verdict(POLICY(ALLOW("'" ARN_PREFIX "get/pets/a1'")), ARN)
          == IMPLICIT, "get is not GET");
    CHECK(verdict(POLICY(ALLOW("'ARN:AWS:execute-api:*'")), ARN) == IMPLICIT,
          "ARN:AWS is not arn:aws");
    CHECK(verdict(POLICY("[" DENY("'" ARN_PREFIX "GET/PETS/*'") ","
                         ALLOW("'*'") "]"), ARN) == OK,
          "a Deny of /PETS does not cover /pets");

    NOTE("actions");

    CHECK(verdict(POLICY(STMT("Allow", "'*'", "'*'")), ARN) == OK,
          "Action *");
    CHECK(verdict(POLICY(STMT("Allow", "'execute-api:*'", "'*'")), ARN) == OK,
          "Action execute-api:*");
    CHECK(verdict(POLICY(STMT("Allow", "'execute-api:Inv*'", "'*'")), ARN)
          == OK, "Action execute-api:Inv*");
    CHECK(verdict(POLICY(STMT("Allow", "'execute-api:invoke'", "'*'")), ARN)
          == OK, "actions in any case, as IAM has them");
    CHECK(verdict(POLICY(STMT("Allow", "['s3:GetObject', "
                              "'execute-api:Invoke']", "'*'")), ARN) == OK,
          "an Action list");
    CHECK(verdict(POLICY(STMT("Allow", "'execute-api:ManageConnections'",
                              "'*'")), ARN) == IMPLICIT,
          "another action grants nothing");
    CHECK(verdict(POLICY("[" STMT("Deny", "'s3:*'", "'*'") "," ALLOW("'*'")
                         "]"), ARN) == OK,
          "a Deny of another action does not apply");
    CHECK(verdict(POLICY("[" STMT("Deny", "'*'", "'*'") "," ALLOW("'*'")
                         "]"), ARN) == EXPLICIT, "a Deny of * applies");

    NOTE("elements apigw does not evaluate: safe side");

    CHECK(verdict(POLICY("{'Effect': 'Allow', 'Action': '*',"
                         " 'NotResource': 'arn:x'}"), ARN) == IMPLICIT,
          "Allow with NotResource grants nothing");
    CHECK(verdict(POLICY("[{'Effect': 'Deny', 'Action': '*',"
                         " 'NotResource': '" ARN "'}," ALLOW("'*'") "]"), ARN)
          == EXPLICIT, "Deny with NotResource denies everything");
    CHECK(verdict(POLICY("{'Effect': 'Allow', 'Action': '*', 'Resource': '*',"
                         " 'Condition': {'IpAddress': {'aws:SourceIp': "
                         "'10.0.0.0/8'}}}"), ARN) == IMPLICIT,
          "Allow with Condition grants nothing");
    CHECK(verdict(POLICY("[{'Effect': 'Deny', 'Action': '*', 'Resource': '"
                         ARN "', 'Condition': {'Bool': {'x': 'false'}}},"
                         ALLOW("'*'") "]"), ARN) == EXPLICIT,
          "Deny with Condition: the condition taken as true");
    CHECK(verdict(POLICY("[{'Effect': 'Deny', 'Action': '*', 'Resource': "
                         "'arn:x', 'Condition': {'Bool': {'x': 'false'}}},"
                         ALLOW("'*'") "]"), ARN) == OK,
          "Deny with Condition of another resource does not apply");
    CHECK(verdict(POLICY("[{'Effect': 'Deny', 'NotAction': 's3:*',"
                         " 'Resource': '" ARN "'}," ALLOW("'*'") "]"), ARN)
          == EXPLICIT, "Deny with NotAction applies");
    CHECK(verdict(POLICY("{'Effect': 'Allow', 'NotAction': 's3:*',"
                         " 'Resource': '*'}"), ARN) == IMPLICIT,
          "Allow with NotAction grants nothing");
    CHECK(verdict(POLICY("{'Effect': 'Allow', 'Action': '*', 'Resource': '*',"
                         " 'Principal': '*'}"), ARN) == IMPLICIT,
          "Allow with an element IAM does not have grants nothing");
    CHECK(verdict(POLICY("[{'Effect': 'Deny', 'Action': '*', 'Resource': '*',"
                         " 'Principal': '*'}," ALLOW("'*'") "]"), ARN)
          == EXPLICIT, "Deny with such an element applies");
    CHECK(verdict(POLICY("{'Sid': 's1', 'Effect': 'Allow', 'Action': '*',"
                         " 'Resource': '*'}"), ARN) == OK, "Sid is fine");

    NOTE("policies that are not valid: 500");

    CHECK(verdict(POLICY(STMT("allow", "'*'", "'*'")), ARN) == INVALID,
          "Effect allow (lower case)");
    CHECK(verdict(POLICY("{'Effect': 'Allow', 'Resource': '*'}"), ARN)
          == INVALID, "no Action");
    CHECK(verdict(POLICY("{'Effect': 'Allow', 'Action': '*'}"), ARN)
          == INVALID, "no Resource");
    CHECK(verdict(POLICY("{'Effect': 'Allow', 'Action': '*', 'Resource': '*',"
                         " 'NotResource': '*'}"), ARN) == INVALID,
          "Resource and NotResource");
    CHECK(verdict(POLICY(STMT("Allow", "[]", "'*'")), ARN) == INVALID,
          "an empty Action list");
    CHECK(verdict(POLICY(STMT("Allow", "'*'", "[]")), ARN) == INVALID,
          "an empty Resource list");
    CHECK(verdict(POLICY(STMT("Allow", "'*'", "[1]")), ARN) == INVALID,
          "a Resource that is a number");
    CHECK(verdict(POLICY("['x']"), ARN) == INVALID, "a statement string");
    CHECK(verdict(POLICY("'x'"), ARN) == INVALID, "Statement a string");
    CHECK(verdict(POLICY("[{'Effect': 'Allow', 'Action': '*', 'Resource': '*',"
                         " 'Condition': 'x'}]"), ARN) == INVALID,
          "Condition a string");
    CHECK(verdict("{'principalId': 'u1', 'policyDocument': {'Version': "
                  "'2013-01-01', 'Statement': []}}", ARN) == INVALID,
          "Version 2013-01-01");
    CHECK(verdict("{'principalId': 'u1', 'policyDocument': {'Statement': "
                  "[]}}", ARN) == IMPLICIT, "no Version is fine");
}


static void
test_answers(void)
{
    char                  *big, *p;
    size_t                 i;
    apigw_authz_rc_e       rc;
    apigw_authz_result_t  *res;
    const apigw_authz_ctx_t  *c;

    NOTE("answers");

    rc = parse_as(&rest, 200, 0,
                  "{'principalId': 'user|a1', 'usageIdentifierKey': "
                  "'key-0123456789abcdefghij', 'policyDocument': {'Version': "
                  "'2012-10-17', 'Statement': [{'Action': "
                  "'execute-api:Invoke', 'Effect': 'Allow', 'Resource': "
                  "'" ARN_PREFIX "GET/pets/*'}]}, 'context': {'s': 'x', "
                  "'n': 1, 'f': 1.5, 'big': 1e300, 't': true, 'b': false, "
                  "'e': ''}}", &res);
    CHECK(rc == APIGW_AUTHZ_OK && res != NULL, "a full answer parses");
    CHECK(res->principal.len == 7
          && strcmp(res->principal.data, "user|a1") == 0
          && res->usage_key.data != NULL
          && strcmp(res->usage_key.data, "key-0123456789abcdefghij") == 0
          && !res->simple && res->nstmts == 1 && res->ncontext == 7,
          "principal, usage key, statements, context");
    c = apigw_authz_context_find(res, "s", 1);
    CHECK(c && c->type == APIGW_AUTHZ_CTX_STRING
          && strcmp(c->value.data, "x") == 0, "context string");
    c = apigw_authz_context_find(res, "n", 1);
    CHECK(c && c->type == APIGW_AUTHZ_CTX_NUMBER
          && strcmp(c->value.data, "1") == 0, "context number 1 is \"1\"");
    c = apigw_authz_context_find(res, "f", 1);
    CHECK(c && strcmp(c->value.data, "1.5") == 0, "1.5 is \"1.5\"");
    c = apigw_authz_context_find(res, "big", 3);
    CHECK(c && strcmp(c->value.data, "1e+300") == 0, "1e300 is \"1e+300\"");
    c = apigw_authz_context_find(res, "t", 1);
    CHECK(c && c->type == APIGW_AUTHZ_CTX_BOOLEAN
          && strcmp(c->value.data, "true") == 0, "true is \"true\"");
    c = apigw_authz_context_find(res, "b", 1);
    CHECK(c && strcmp(c->value.data, "false") == 0, "false is \"false\"");
    c = apigw_authz_context_find(res, "e", 1);
    CHECK(c && c->value.len == 0, "an empty string");
    CHECK(apigw_authz_context_find(res, "z", 1) == NULL, "no such key");
    free(res);

    NOTE("answers that are refused");

    rc = parse_as(&rest, 200, 0, POLICY("[]") , &res);
    CHECK(rc == OK, "a minimal answer");
    free(res);

#define REFUSED(body, what)                                                  \
    rc = parse_as(&rest, 200, 0, body, &res);                                 \
    CHECK(rc == APIGW_AUTHZ_CONFIG_ERROR && res == NULL                       \
          && strstr(errbuf, what) != NULL, "refused: %s (%s)", what, errbuf)

    REFUSED("{'principalId': 'u', 'policyDocument': {'Statement': []},"
            " 'context': {'o': {'a': 1}}}", "an object or array");
    REFUSED("{'principalId': 'u', 'policyDocument': {'Statement': []},"
            " 'context': {'a': [1]}}", "an object or array");
    REFUSED("{'principalId': 'u', 'policyDocument': {'Statement': []},"
            " 'context': {'a': null}}", "null");
    REFUSED("{'principalId': 'u', 'policyDocument': {'Statement': []},"
            " 'context': []}", "\"context\" is not an object");
    REFUSED("{'policyDocument': {'Statement': []}}",
            "\"principalId\" is missing");
    REFUSED("{'principalId': 7, 'policyDocument': {'Statement': []}}",
            "\"principalId\" is not");
    REFUSED("{'principalId': '', 'policyDocument': {'Statement': []}}",
            "\"principalId\" is not");
    REFUSED("{'principalId': 'u'}", "\"policyDocument\" is missing");
    REFUSED("{'principalId': 'u', 'policyDocument': 'x'}",
            "\"policyDocument\" is not");
    REFUSED("{'principalId': 'u', 'policyDocument': {}}",
            "\"Statement\" is missing");
    REFUSED("{'principalId': 'u', 'usageIdentifierKey': 3,"
            " 'policyDocument': {'Statement': []}}", "usageIdentifierKey");
    REFUSED("{'isAuthorized': true}", "\"principalId\" is missing");
    REFUSED("[]", "not an object");
    REFUSED("'Unauthorized'", "not an object");
    REFUSED("", "not valid JSON");
    REFUSED("{'principalId': 'u',", "not valid JSON");
    REFUSED("{'principalId': 'u', 'principalId': 'v', "
            "'policyDocument': {'Statement': []}}", "not valid JSON");

    p = Jtext("{'principalId': 'u\xff', 'policyDocument': {'Statement': []}}");
    rc = apigw_authz_parse(&rest, 200, 0, p, strlen(p), &res, errbuf,
                           sizeof(errbuf));
    CHECK(rc == APIGW_AUTHZ_CONFIG_ERROR && strstr(errbuf, "JSON") != NULL,
          "refused: not UTF-8 (%s)", errbuf);
    free(p);

    big = malloc(APIGW_AUTHZ_ANSWER_MAX + 64);
    if (big == NULL) {
        exit(2);
    }

    p = big + sprintf(big, "{\"principalId\": \"u\", \"policyDocument\": "
                      "{\"Statement\": []}, \"context\": {\"k\": \"");
    memset(p, 'x', APIGW_AUTHZ_ANSWER_MAX - (p - big));
    strcpy(big + APIGW_AUTHZ_ANSWER_MAX - 3, "\"}}");
    rc = apigw_authz_parse(&rest, 200, 0, big, strlen(big), &res, errbuf,
                           sizeof(errbuf));
    CHECK(rc == APIGW_AUTHZ_OK && res && res->context[0].value.len
          == (size_t) (APIGW_AUTHZ_ANSWER_MAX - 3 - (p - big)),
          "an answer of exactly 64 KB");
    free(res);
    strcpy(big + APIGW_AUTHZ_ANSWER_MAX - 3, "x\"}}");
    rc = apigw_authz_parse(&rest, 200, 0, big, strlen(big), &res, errbuf,
                           sizeof(errbuf));
    CHECK(rc == APIGW_AUTHZ_CONFIG_ERROR && strstr(errbuf, "larger") != NULL,
          "refused: past 64 KB");

    p = big + sprintf(big, "{\"principalId\": \"u\", \"policyDocument\": "
                      "{\"Statement\": []}, \"x\": ");
    for (i = 0; i < 40; i++) {
        *p++ = '[';
    }
    for (i = 0; i < 40; i++) {
        *p++ = ']';
    }
    strcpy(p, "}");
    rc = apigw_authz_parse(&rest, 200, 0, big, strlen(big), &res, errbuf,
                           sizeof(errbuf));
    CHECK(rc == APIGW_AUTHZ_CONFIG_ERROR && strstr(errbuf, "JSON") != NULL,
          "refused: 40 levels deep (%s)", errbuf);
    free(big);

    NOTE("how an authorizer says Unauthorized");

    CHECK(parse_as(&rest, 401, 0, "{'message': 'Unauthorized'}", &res)
          == APIGW_AUTHZ_UNAUTHORIZED, "an HTTP 401");
    CHECK(parse_as(&rest, 401, 0, "", &res) == APIGW_AUTHZ_UNAUTHORIZED,
          "an HTTP 401, no body");
    CHECK(parse_as(&rest, 403, 0, POLICY("[]"), &res)
          == APIGW_AUTHZ_CONFIG_ERROR, "an HTTP 403: 500");
    CHECK(parse_as(&rest, 500, 0, POLICY("[]"), &res)
          == APIGW_AUTHZ_CONFIG_ERROR, "an HTTP 500: 500");
    CHECK(parse_as(&rest, 204, 0, "", &res) == APIGW_AUTHZ_CONFIG_ERROR,
          "an HTTP 204: 500");
    CHECK(parse_as(&rest, 200, APIGW_AUTHZ_ANSWER_FUNCTION_ERROR,
                   "{'errorMessage': 'Unauthorized', 'errorType': 'Error'}",
                   &res) == APIGW_AUTHZ_UNAUTHORIZED,
          "a function's error \"Unauthorized\"");
    CHECK(parse_as(&rest, 200, APIGW_AUTHZ_ANSWER_FUNCTION_ERROR,
                   "{'errorMessage': 'unauthorized'}", &res)
          == APIGW_AUTHZ_CONFIG_ERROR, "\"unauthorized\": 500");
    CHECK(parse_as(&rest, 200, APIGW_AUTHZ_ANSWER_FUNCTION_ERROR,
                   "{'errorMessage': 'Unauthorized: bad token'}", &res)
          == APIGW_AUTHZ_CONFIG_ERROR, "other text: 500");
    CHECK(parse_as(&rest, 200, APIGW_AUTHZ_ANSWER_FUNCTION_ERROR,
                   "{'errorMessage': 'boom', 'errorType': 'TypeError'}", &res)
          == APIGW_AUTHZ_CONFIG_ERROR && strstr(errbuf, "TypeError") != NULL,
          "a function's error: 500, its type logged");
    CHECK(parse_as(&rest, 200, APIGW_AUTHZ_ANSWER_FUNCTION_ERROR, "x", &res)
          == APIGW_AUTHZ_CONFIG_ERROR, "a function's error, not JSON");

    NOTE("simple responses");

    rc = parse_as(&simple, 200, 0, "{'isAuthorized': true, 'context': "
                  "{'user': 'u1', 'roles': ['a', 'b'], 'm': {'k': 1}, "
                  "'z': null, 'n': 2}}", &res);
    CHECK(rc == OK && res->simple && res->authorized && res->ncontext == 5,
          "isAuthorized true, context of anything");
    CHECK(apigw_authz_evaluate(res, ARN, strlen(ARN)) == OK
          && apigw_authz_evaluate(res, "x", 1) == OK,
          "allows every method");
    c = apigw_authz_context_find(res, "roles", 5);
    CHECK(c && c->type == APIGW_AUTHZ_CTX_JSON
          && strcmp(c->value.data, "[\"a\",\"b\"]") == 0,
          "an array in the context, as JSON");
    c = apigw_authz_context_find(res, "z", 1);
    CHECK(c && c->type == APIGW_AUTHZ_CTX_JSON
          && strcmp(c->value.data, "null") == 0, "null in the context");
    free(res);

    rc = parse_as(&simple, 200, 0, "{'isAuthorized': false}", &res);
    CHECK(rc == OK && res->simple && !res->authorized
          && apigw_authz_evaluate(res, ARN, strlen(ARN))
             == APIGW_AUTHZ_FORBIDDEN, "isAuthorized false: 403");
    free(res);

    CHECK(parse_as(&simple, 200, 0, "{'isAuthorized': 'false'}", &res)
          == APIGW_AUTHZ_CONFIG_ERROR, "isAuthorized \"false\" is no boolean");
    CHECK(parse_as(&simple, 200, 0, "{'isAuthorized': 'true'}", &res)
          == APIGW_AUTHZ_CONFIG_ERROR, "isAuthorized \"true\" is no boolean");
    CHECK(parse_as(&simple, 200, 0, "{'isAuthorized': 1}", &res)
          == APIGW_AUTHZ_CONFIG_ERROR, "isAuthorized 1 is no boolean");
    CHECK(parse_as(&simple, 200, 0, POLICY("[" ALLOW("'*'") "]"), &res)
          == APIGW_AUTHZ_CONFIG_ERROR, "a policy where a simple answer is due");
    CHECK(parse_as(&simple, 200, 0, "{'isAuthorized': true, 'context': 1}",
                   &res) == APIGW_AUTHZ_CONFIG_ERROR, "context 1");
}


static void
test_results(void)
{
    size_t                 i, n;
    json_t                *j, *want;
    unsigned char         *bytes;
    apigw_authz_rc_e       rc;
    apigw_authz_result_t  *res, *copy;

    NOTE("cached results");

    rc = parse_as(&rest, 200, 0,
                  "{'principalId': 'u1', 'usageIdentifierKey': 'k',"
                  " 'policyDocument': {'Statement': ["
                  "{'Effect': 'Allow', 'Action': 'execute-api:Invoke',"
                  " 'Resource': ['" ARN_PREFIX "GET/pets/*', "
                  "'" ARN_PREFIX "HEAD/pets/*']},"
                  "{'Effect': 'Deny', 'Action': 'execute-api:Invoke',"
                  " 'Resource': '" ARN_PREFIX "GET/pets/secret'},"
                  "{'Effect': 'Deny', 'Action': 's3:*', 'Resource': '*'},"
                  "{'Effect': 'Allow', 'Action': '*', 'Resource': '*',"
                  " 'Condition': {}}]},"
                  " 'context': {'a': 'x', 'n': 3, 'principalId': 'evil'}}",
                  &res);
    CHECK(rc == OK && res->nstmts == 2,
          "statements that cannot concern the method are not kept");

    copy = apigw_authz_result_decode(res->bytes, res->nbytes);
    CHECK(copy != NULL && copy->nbytes == res->nbytes
          && memcmp(copy->bytes, res->bytes, res->nbytes) == 0
          && strcmp(copy->principal.data, "u1") == 0
          && strcmp(copy->usage_key.data, "k") == 0
          && copy->nstmts == 2 && copy->stmts[0].nresources == 2
          && !copy->stmts[0].deny && copy->stmts[1].deny
          && copy->ncontext == 3
          && strcmp(copy->context[1].value.data, "3") == 0,
          "the bytes decode to the same result");

    CHECK(apigw_authz_evaluate(copy, ARN_PREFIX "GET/pets/a1",
                               strlen(ARN_PREFIX "GET/pets/a1")) == OK
          && apigw_authz_evaluate(copy, ARN_PREFIX "HEAD/pets/a1",
                                  strlen(ARN_PREFIX "HEAD/pets/a1")) == OK
          && apigw_authz_evaluate(copy, ARN_PREFIX "POST/pets",
                                  strlen(ARN_PREFIX "POST/pets")) == IMPLICIT
          && apigw_authz_evaluate(copy, ARN_PREFIX "GET/pets/secret",
                                  strlen(ARN_PREFIX "GET/pets/secret"))
             == EXPLICIT,
          "a cached policy, evaluated again for other methods");

    j = apigw_authz_result_json(copy, 0);
    want = J("{'principalId': 'u1', 'a': 'x', 'n': 3}");
    CHECK(j && json_equal(j, want), "requestContext.authorizer (1.0): the "
          "principal wins over a context key of its name");
    json_decref(j);
    json_decref(want);
    j = apigw_authz_result_json(copy, 1);
    want = J("{'lambda': {'principalId': 'u1', 'a': 'x', 'n': 3}}");
    CHECK(j && json_equal(j, want), "requestContext.authorizer (2.0)");
    json_decref(j);
    json_decref(want);
    free(copy);

    /* every cut, and every byte changed, either decodes or is refused */
    n = 0;

    for (i = 0; i < res->nbytes; i++) {
        copy = apigw_authz_result_decode(res->bytes, i);
        n += (copy != NULL);
        free(copy);
    }

    CHECK(n == 0, "a cut entry never decodes");

    bytes = malloc(res->nbytes);
    memcpy(bytes, res->bytes, res->nbytes);
    bytes[0] = 'X';
    CHECK(apigw_authz_result_decode(bytes, res->nbytes) == NULL, "bad magic");
    memcpy(bytes, res->bytes, res->nbytes);
    bytes[8] = 0xff;
    CHECK(apigw_authz_result_decode(bytes, res->nbytes) == NULL,
          "a statement count past the entry");
    memcpy(bytes, res->bytes, res->nbytes);
    bytes[4] |= 0x2;
    CHECK(apigw_authz_result_decode(bytes, res->nbytes) == NULL,
          "authorized without simple");
    memcpy(bytes, res->bytes, res->nbytes);
    bytes[res->nbytes - 1] = 'x';
    CHECK(apigw_authz_result_decode(bytes, res->nbytes) == NULL,
          "a string without its NUL");

    for (i = 0; i < res->nbytes; i++) {
        memcpy(bytes, res->bytes, res->nbytes);
        bytes[i] ^= 0x80;
        copy = apigw_authz_result_decode(bytes, res->nbytes);

        if (copy != NULL) {
            (void) apigw_authz_evaluate(copy, ARN, strlen(ARN));
            free(copy);
        }
    }

    CHECK(1, "every byte flipped: no crash");
    free(bytes);
    free(res);

    rc = parse_as(&simple, 200, 0, "{'isAuthorized': false, 'context': "
                  "{'x': [1]}}", &res);
    copy = rc == OK ? apigw_authz_result_decode(res->bytes, res->nbytes)
                    : NULL;
    CHECK(copy && copy->simple && !copy->authorized && copy->ncontext == 1
          && apigw_authz_evaluate(copy, ARN, strlen(ARN))
             == APIGW_AUTHZ_FORBIDDEN, "a simple result, round trip");
    j = copy ? apigw_authz_result_json(copy, 1) : NULL;
    want = J("{'lambda': {'x': [1]}}");
    CHECK(j && json_equal(j, want), "a simple result's context, raw");
    json_decref(j);
    json_decref(want);
    free(copy);
    free(res);
}


static void
test_iam_match(void)
{
    NOTE("apigw_iam_match");

    CHECK(apigw_iam_match("", 0, "", 0, 0), "empty matches empty");
    CHECK(!apigw_iam_match("", 0, "a", 1, 0), "empty is not a");
    CHECK(apigw_iam_match("*", 1, "", 0, 0), "* matches nothing");
    CHECK(apigw_iam_match("*", 1, "a:b/c", 5, 0),
          "* matches colons at the end");
    CHECK(apigw_iam_match("a*:c", 4, "ab:b:c", 6, 0),
          "a* ends a segment: runs past a colon");
    CHECK(!apigw_iam_match("a*b:c", 5, "ab:b:c", 6, 0),
          "a*b: * inside a segment does not");
    CHECK(apigw_iam_match("**:x", 4, "a:b:x", 5, 0), "** before :");
    CHECK(apigw_iam_match("a?c", 3, "abc", 3, 0), "?");
    CHECK(!apigw_iam_match("a?c", 3, "a:c", 3, 0), "? is not :");
    CHECK(!apigw_iam_match("abc", 3, "ABC", 3, 0), "case-sensitive");
    CHECK(apigw_iam_match("abc", 3, "ABC", 3, 1), "icase");
    CHECK(!apigw_iam_match("ab", 2, "abc", 3, 0), "a literal is whole");
    CHECK(apigw_iam_match("*a*a*a*a*a*a*b", 14,
                          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", 41, 0),
          "no exponential backtracking");
}


static void
test_responses(void)
{
    apigw_authz_response_t  r;

    NOTE("outcomes");

    CHECK(apigw_authz_response(APIGW_AUTHZ_OK, &r) == 0, "OK: no response");
    CHECK(apigw_authz_response(APIGW_AUTHZ_UNAUTHORIZED, &r) == 1
          && r.type == APIGW_GR_UNAUTHORIZED && r.status == 0
          && r.message == NULL
          && apigw_gr_defaults[r.type].status == 401,
          "UNAUTHORIZED: 401 Unauthorized");
    CHECK(apigw_authz_response(APIGW_AUTHZ_EXPLICIT_DENY, &r) == 1
          && r.type == APIGW_GR_ACCESS_DENIED
          && strcmp(r.message, "User is not authorized to access this "
                    "resource with an explicit deny") == 0,
          "EXPLICIT_DENY: 403, AWS's message");
    CHECK(apigw_authz_response(APIGW_AUTHZ_IMPLICIT_DENY, &r) == 1
          && r.type == APIGW_GR_ACCESS_DENIED
          && strcmp(r.message, "User is not authorized to access this "
                    "resource") == 0
          && apigw_gr_defaults[r.type].status == 403,
          "IMPLICIT_DENY: 403, AWS's message");
    CHECK(apigw_authz_response(APIGW_AUTHZ_FORBIDDEN, &r) == 1
          && r.type == APIGW_GR_ACCESS_DENIED
          && strcmp(r.message, "Forbidden") == 0, "FORBIDDEN: 403");
    CHECK(apigw_authz_response(APIGW_AUTHZ_CONFIG_ERROR, &r) == 1
          && r.type == APIGW_GR_AUTHORIZER_CONFIGURATION_ERROR
          && apigw_gr_defaults[r.type].status == 500
          && strcmp(apigw_gr_defaults[r.type].error_type,
                    "AuthorizerConfigurationException") == 0,
          "CONFIG_ERROR: 500 AuthorizerConfigurationException");
    CHECK(apigw_authz_response(APIGW_AUTHZ_FAILURE, &r) == 1
          && r.type == APIGW_GR_AUTHORIZER_FAILURE, "FAILURE: 500");
    CHECK(apigw_authz_response(APIGW_AUTHZ_URI_TOO_LONG, &r) == 1
          && r.type == APIGW_GR_DEFAULT_4XX && r.status == 414,
          "URI_TOO_LONG: 414");
    CHECK(strcmp(apigw_authz_rc_name(APIGW_AUTHZ_EXPLICIT_DENY),
                 "EXPLICIT_DENY") == 0
          && strcmp(apigw_authz_rc_name(APIGW_AUTHZ_RC_COUNT), "?") == 0,
          "names for logs");
}


int
main(void)
{
    test_definitions();
    test_method_arn();
    test_identity();
    test_cache_key();
    test_events();

    if (compile("{'type': 'apiKey', 'in': 'header', 'name': 'Authorization',"
                " 'x-amazon-apigateway-authorizer': {'type': 'token',"
                " 'authorizerUri': 'arn:aws:lambda:r:1:function:f'}}", &rest)
        != 0
        || compile("{'x-amazon-apigateway-authorizer': {'type': 'request',"
                   " 'identitySource': '$request.header.A',"
                   " 'authorizerPayloadFormatVersion': '2.0',"
                   " 'enableSimpleResponses': true,"
                   " 'authorizerUri': 'arn:aws:lambda:r:1:function:f'}}",
                   &simple) != 0)
    {
        printf("# %s\n", err.message);
        return 2;
    }

    test_policies();
    test_answers();
    test_results();
    test_iam_match();
    test_responses();

    apigw_authorizer_free(&rest);
    apigw_authorizer_free(&simple);
    apigw_sha256_free();

    return unit_done();
}
