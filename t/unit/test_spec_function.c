
/*
 * Copyright (C) apigw contributors
 */


/*
 * unit tests for functions as integrations: x-apigw-integration of type
 * function, x-amazon-apigateway-integration of type aws_proxy, Lambda
 * ARNs, function names with stage variables, payload format versions,
 * binary media types, and their errors (apigw_spec_function.c)
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apigw_core.h"
#include "unit.h"
#include "spec_load.h"


#define HEAD  "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n"
#define OP    "paths:\n  /pets/{id}:\n    get:\n"


/* fails at this pointer (suffix) with a message holding this text */
static void
fails(const char *name, const char *text, const char *pointer,
    const char *message)
{
    size_t        plen, elen;
    apigw_api_t  *api;

    api = load_text(text);

    plen = strlen(pointer);
    elen = strlen(err.pointer);

    CHECK(api == NULL && elen >= plen
          && strcmp(err.pointer + elen - plen, pointer) == 0
          && strstr(err.message, message) != NULL && err.line > 0
          && strstr(err.file, "spec.yaml") != NULL,
          "%s: got %s at \"%s\" line %u: \"%s\"", name,
          api ? "loaded" : "error", err.pointer, err.line, err.message);

    apigw_api_free(api);
}


/* the template as text: literals as they are, stage variables as ${x} */
static const char *
tpl_text(const apigw_tpl_t *tpl, char *buf, size_t size)
{
    size_t  i, n;

    buf[0] = '\0';

    if (tpl == NULL) {
        return "(none)";
    }

    for (n = 0, i = 0; i < tpl->nparts; i++) {
        n += snprintf(buf + n, size - n,
                      tpl->parts[i].kind == APIGW_TPL_STAGE_VAR
                      ? "${%.*s}" : "%.*s",
                      (int) tpl->parts[i].len, tpl->parts[i].text);
    }

    return buf;
}


static void
test_function_integration(void)
{
    char                buf[256], qbuf[64];
    apigw_api_t        *api;
    apigw_integration_t  *in;

    NOTE("x-apigw-integration: type function");

    api = load_text(HEAD OP
        "      x-apigw-integration: {type: function, function: hello}\n");
    CHECK(api != NULL, "a function by its name: %s", err.message);

    if (api) {
        in = &api->ops[0].integration;
        CHECK(in->type == APIGW_INTEGRATION_FUNCTION
              && strcmp(tpl_text(in->function, buf, sizeof(buf)), "hello")
                 == 0
              && in->qualifier == NULL && !in->payload_v2
              && in->timeout_ms == APIGW_TIMEOUT_MAX && api->functions,
              "hello: payload 1.0, 29 s, no qualifier, the API has "
              "functions");
        CHECK(in->uri == NULL && in->nrequest_params == 0,
              "hello: no URI, no mapping");
        apigw_api_free(api);
    }

    api = load_text(HEAD OP
        "      x-apigw-integration:\n"
        "        type: function\n"
        "        function: '${stageVariables.fn}'\n"
        "        payloadFormatVersion: '2.0'\n"
        "        timeout: 3000\n");
    CHECK(api != NULL, "a stage variable names it: %s", err.message);

    if (api) {
        in = &api->ops[0].integration;
        CHECK(in->function->nparts == 1
              && in->function->parts[0].kind == APIGW_TPL_STAGE_VAR
              && strcmp(tpl_text(in->function, buf, sizeof(buf)), "${fn}")
                 == 0
              && in->payload_v2 && in->timeout_ms == 3000,
              "${stageVariables.fn}, payload 2.0, 3000 ms");
        apigw_api_free(api);
    }

    api = load_text(HEAD OP
        "      x-apigw-integration:\n"
        "        type: function\n"
        "        function: 'items-${stageVariables.env}:live'\n"
        "        payloadFormatVersion: 1.0\n");
    CHECK(api != NULL, "a name with a qualifier: %s", err.message);

    if (api) {
        in = &api->ops[0].integration;
        CHECK(strcmp(tpl_text(in->function, buf, sizeof(buf)),
                     "items-${env}") == 0
              && strcmp(tpl_text(in->qualifier, qbuf, sizeof(qbuf)), "live")
                 == 0
              && !in->payload_v2,
              "items-${env}, qualifier live, 1.0 as a number");
        apigw_api_free(api);
    }

    api = load_text(HEAD OP
        "      x-apigw-integration:\n"
        "        type: function\n"
        "        function: 'arn:aws:lambda:eu-west-1:123456789012:function:"
        "crud:$LATEST'\n");
    CHECK(api != NULL, "a Lambda ARN: %s", err.message);

    if (api) {
        in = &api->ops[0].integration;
        CHECK(strcmp(tpl_text(in->function, buf, sizeof(buf)), "crud") == 0
              && strcmp(tpl_text(in->qualifier, qbuf, sizeof(qbuf)),
                        "$LATEST") == 0,
              "the ARN's name and qualifier");
        apigw_api_free(api);
    }

    fails("no function", HEAD OP
          "      x-apigw-integration: {type: function}\n",
          "/get/x-apigw-integration", "needs \"function\"");
    fails("an empty name", HEAD OP
          "      x-apigw-integration: {type: function, function: ''}\n",
          "/get/x-apigw-integration/function", "needs \"function\"");
    fails("a name with a space", HEAD OP
          "      x-apigw-integration: {type: function, function: 'a b'}\n",
          "/get/x-apigw-integration/function", "bad function name \"a b\"");
    fails("a path parameter in the name", HEAD OP
          "      x-apigw-integration: {type: function, function: 'f{id}'}\n",
          "/get/x-apigw-integration/function", "bad function name");
    fails("a bad qualifier", HEAD OP
          "      x-apigw-integration: {type: function, function: 'f:a.b'}\n",
          "/get/x-apigw-integration/function", "bad qualifier");
    fails("a bad ARN", HEAD OP
          "      x-apigw-integration: {type: function,\n"
          "        function: 'arn:aws:lambda:us-east-1:1:layer:x'}\n",
          "/get/x-apigw-integration/function", "not a Lambda function's ARN");
    fails("payload 3.0", HEAD OP
          "      x-apigw-integration: {type: function, function: f,\n"
          "        payloadFormatVersion: '3.0'}\n",
          "/get/x-apigw-integration/payloadFormatVersion",
          "\"1.0\" or \"2.0\"");
    fails("a timeout past 29 s", HEAD OP
          "      x-apigw-integration: {type: function, function: f,\n"
          "        timeout: 30000}\n",
          "/get/x-apigw-integration/timeout", "from 50 to 29000 ms");
    fails("an unknown member", HEAD OP
          "      x-apigw-integration: {type: function, function: f,\n"
          "        uri: 'http://x/'}\n",
          "/get/x-apigw-integration/uri", "");
}


static void
test_aws_proxy(void)
{
    char                   buf[256], qbuf[64];
    apigw_api_t           *api;
    apigw_integration_t   *in;

    NOTE("x-amazon-apigateway-integration: type aws_proxy");

    /* as AWS exports it */
    api = load_text(HEAD OP
        "      x-amazon-apigateway-integration:\n"
        "        type: aws_proxy\n"
        "        httpMethod: POST\n"
        "        uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/"
        "functions/arn:aws:lambda:us-east-1:123456789012:function:"
        "petstore-get/invocations\n"
        "        passthroughBehavior: when_no_match\n"
        "        contentHandling: CONVERT_TO_TEXT\n"
        "        timeoutInMillis: 5000\n"
        "        credentials: arn:aws:iam::123456789012:role/apigw\n"
        "        cacheNamespace: abc\n"
        "        cacheKeyParameters: []\n"
        "        responses: {default: {statusCode: '200'}}\n");
    CHECK(api != NULL, "aws_proxy as AWS exports it: %s", err.message);

    if (api) {
        in = &api->ops[0].integration;
        CHECK(in->type == APIGW_INTEGRATION_FUNCTION
              && strcmp(tpl_text(in->function, buf, sizeof(buf)),
                        "petstore-get") == 0
              && in->qualifier == NULL && in->timeout_ms == 5000
              && !in->payload_v2 && in->nresponses == 0,
              "aws_proxy: the ARN's function, 5000 ms, responses ignored");
        apigw_api_free(api);
    }

    api = load_text(HEAD OP
        "      x-amazon-apigateway-integration:\n"
        "        type: AWS_PROXY\n"
        "        uri: 'arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/"
        "functions/arn:aws:lambda:eu-west-1:1:function:"
        "${stageVariables.fn}:${stageVariables.alias}/invocations'\n"
        "        payloadFormatVersion: '2.0'\n"
        "        timeoutInMillis: '800'\n");
    CHECK(api != NULL, "aws_proxy with stage variables: %s", err.message);

    if (api) {
        in = &api->ops[0].integration;
        CHECK(strcmp(tpl_text(in->function, buf, sizeof(buf)), "${fn}") == 0
              && strcmp(tpl_text(in->qualifier, qbuf, sizeof(qbuf)),
                        "${alias}") == 0
              && in->payload_v2 && in->timeout_ms == 800,
              "aws_proxy: stage variables in name and qualifier, HTTP "
              "API's 2.0, a timeout as text");
        apigw_api_free(api);
    }

    fails("aws_proxy without uri", HEAD OP
          "      x-amazon-apigateway-integration: {type: aws_proxy}\n",
          "/get/x-amazon-apigateway-integration", "a Lambda function's ARN");
    fails("aws_proxy to an http uri", HEAD OP
          "      x-amazon-apigateway-integration: {type: aws_proxy,\n"
          "        uri: 'http://backend/pets'}\n",
          "/get/x-amazon-apigateway-integration/uri",
          "a Lambda function's ARN");
    fails("aws_proxy to an ARN without /invocations", HEAD OP
          "      x-amazon-apigateway-integration: {type: aws_proxy,\n"
          "        uri: 'arn:aws:apigateway:us-east-1:lambda:path/"
          "2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:f'}\n",
          "/get/x-amazon-apigateway-integration/uri",
          "not a Lambda function's ARN");
    fails("aws_proxy with GET", HEAD OP
          "      x-amazon-apigateway-integration: {type: aws_proxy,\n"
          "        httpMethod: GET,\n"
          "        uri: 'arn:aws:lambda:us-east-1:1:function:f'}\n",
          "/get/x-amazon-apigateway-integration/httpMethod",
          "\"httpMethod\": \"POST\"");
    fails("aws (a service integration) still refused", HEAD OP
          "      x-amazon-apigateway-integration: {type: aws,\n"
          "        uri: 'arn:aws:apigateway:us-east-1:s3:path/b'}\n",
          "/get/x-amazon-apigateway-integration/type", "not supported");
    fails("function is x-apigw-integration's word", HEAD OP
          "      x-amazon-apigateway-integration: {type: function,\n"
          "        uri: 'arn:aws:lambda:us-east-1:1:function:f'}\n",
          "/get/x-amazon-apigateway-integration/type", "not supported");

    /* apigw_strict off: the operation answers a configuration error */
    api = load_text_flags(HEAD OP
        "      x-amazon-apigateway-integration: {type: aws_proxy,\n"
        "        uri: 'arn:aws:lambda:us-east-1:1:function:a b'}\n"
        "  /ok:\n"
        "    get:\n"
        "      x-apigw-integration: {type: function, function: ok}\n", 0);
    CHECK(api != NULL && api->nops == 2
          && api->ops[0].integration.type == APIGW_INTEGRATION_NONE
          && api->ops[0].problem != NULL
          && strstr(api->ops[0].problem, "bad function name") != NULL
          && api->ops[0].integration.function == NULL
          && api->ops[1].integration.type == APIGW_INTEGRATION_FUNCTION
          && api->warnings.n == 1,
          "not strict: a warning, the other operation loads");
    apigw_api_free(api);
}


static void
test_lambda_arn(void)
{
    size_t               i;
    apigw_lambda_ref_t   ref;

    static const struct {
        const char  *arn;
        const char  *name;
        const char  *qualifier;
    } good[] = {
        { "arn:aws:lambda:us-east-1:123456789012:function:f", "f", NULL },
        { "arn:aws-cn:lambda:cn-north-1:1:function:my-fn_2:7", "my-fn_2",
          "7" },
        { "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
          "arn:aws:lambda:us-east-1:1:function:f:$LATEST/invocations", "f",
          "$LATEST" },
        { "arn:aws:apigateway:r:lambda:path/2015-03-31/functions/"
          "arn:aws:lambda:r:1:function:${stageVariables.x}/invocations",
          "${stageVariables.x}", NULL },
    };

    static const char  *bad[] = {
        "", "arn:", "arn:aws:lambda:us-east-1:1:function:",
        "arn:aws:lambda:us-east-1:1:function:f:",
        "arn:aws:lambda:us-east-1:1:function:f:1:2",
        "arn:aws:lambda:us-east-1::function:f",
        "arn:aws:s3:::bucket",
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:us-east-1:1:function:f",
        "arn:aws:apigateway:us-east-1:s3:path/2015-03-31/functions/"
        "arn:aws:lambda:us-east-1:1:function:f/invocations",
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        "/invocations",
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        "f/invocations",
    };

    NOTE("Lambda ARNs");

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        CHECK(apigw_lambda_arn(good[i].arn, strlen(good[i].arn), &ref) == 0
              && ref.name_len == strlen(good[i].name)
              && strncmp(ref.name, good[i].name, ref.name_len) == 0
              && (good[i].qualifier == NULL
                  ? ref.qualifier == NULL
                  : (ref.qualifier_len == strlen(good[i].qualifier)
                     && strncmp(ref.qualifier, good[i].qualifier,
                                ref.qualifier_len) == 0)),
              "ARN %s", good[i].arn);
    }

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK(apigw_lambda_arn(bad[i], strlen(bad[i]), &ref) == -1,
              "not an ARN: \"%s\"", bad[i]);
    }

    CHECK(apigw_function_name_valid("hello-1_x", 9, 0)
          && !apigw_function_name_valid("", 0, 0)
          && !apigw_function_name_valid("a/b", 3, 0)
          && !apigw_function_name_valid("$LATEST", 7, 0)
          && apigw_function_name_valid("$LATEST", 7, 1)
          && !apigw_function_name_valid("../x", 4, 0)
          && apigw_function_name_valid("x123456789012345678901234567890"
                                       "123456789012345678901234567890"
                                       "123", 64, 0)
          && !apigw_function_name_valid("x123456789012345678901234567890"
                                        "123456789012345678901234567890"
                                        "1234", 65, 0),
          "names rendered at run time: 1 to 64 of Lambda's characters");
}


static void
test_binary_types(void)
{
    apigw_api_t  *api;

    NOTE("x-amazon-apigateway-binary-media-types");

    api = load_text(HEAD
        "x-amazon-apigateway-binary-media-types:\n"
        "  - image/PNG\n"
        "  - application~1octet-stream\n"
        "  - 'audio/*'\n"
        "paths: {}\n");
    CHECK(api != NULL && api->nbinary_types == 3
          && strcmp(api->binary_types[0], "image/png") == 0
          && strcmp(api->binary_types[1], "application/octet-stream") == 0
          && strcmp(api->binary_types[2], "audio/*") == 0
          && !api->functions,
          "three types, in lower case, ~1 read as /: %s", err.message);

    if (api) {
        CHECK(apigw_binary_type(api->binary_types, api->nbinary_types,
                                "image/png", 9)
              && apigw_binary_type(api->binary_types, api->nbinary_types,
                                   " Image/Png; q=0.9", 17)
              && apigw_binary_type(api->binary_types, api->nbinary_types,
                                   "application/octet-stream", 24)
              && apigw_binary_type(api->binary_types, api->nbinary_types,
                                   "audio/ogg,text/html", 19)
              && !apigw_binary_type(api->binary_types, api->nbinary_types,
                                    "image/jpeg", 10)
              && !apigw_binary_type(api->binary_types, api->nbinary_types,
                                    "image/pngx", 10)
              && !apigw_binary_type(api->binary_types, api->nbinary_types,
                                    "text/plain", 10)
              && !apigw_binary_type(api->binary_types, api->nbinary_types,
                                    "", 0)
              && !apigw_binary_type(api->binary_types, api->nbinary_types,
                                    "image", 5),
              "matching: parameters, case, a wildcard subtype, the first of "
              "a list");
        apigw_api_free(api);
    }

    api = load_text(HEAD
        "x-amazon-apigateway-binary-media-types: ['*/*']\n"
        "paths: {}\n");
    CHECK(api != NULL
          && apigw_binary_type(api->binary_types, api->nbinary_types,
                               "text/html", 9)
          && !apigw_binary_type(api->binary_types, api->nbinary_types,
                                "html", 4)
          && !apigw_binary_type(NULL, 0, "text/html", 9),
          "*/* matches any type, none matches nothing");
    apigw_api_free(api);

    fails("binary media types not a list", HEAD
          "x-amazon-apigateway-binary-media-types: image/png\n"
          "paths: {}\n",
          "/x-amazon-apigateway-binary-media-types", "a list of media types");
    fails("a binary media type without /", HEAD
          "x-amazon-apigateway-binary-media-types: [image, 3]\n"
          "paths: {}\n",
          "/x-amazon-apigateway-binary-media-types", "a list of media types");
}


int
main(void)
{
    if (spec_dir_open() != 0) {
        return 1;
    }

    test_function_integration();
    test_aws_proxy();
    test_lambda_arn();
    test_binary_types();

    spec_dir_close();

    return unit_done();
}
