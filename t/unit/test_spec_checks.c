
/*
 * Copyright (C) apigw contributors
 */


/*
 * unit tests for what the spec compiler makes of validation and mapping:
 * parameters (styles, types, overrides), request bodies, validators,
 * requestParameters, templates, integration responses, and their errors
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apigw_core.h"
#include "unit.h"
#include "spec_load.h"


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
          && strstr(err.message, message) != NULL && err.line > 0,
          "%s: got %s at \"%s\" line %u: \"%s\"", name,
          api ? "loaded" : "error", err.pointer, err.line, err.message);

    apigw_api_free(api);
}


#define HEAD  "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n"


static void
test_parameters(void)
{
    apigw_api_t        *api;
    apigw_operation_t  *op;
    apigw_parameter_t  *p;

    api = load_text(HEAD
        "components:\n"
        "  parameters:\n"
        "    Limit: {name: limit, in: query, schema: {type: integer}}\n"
        "paths:\n"
        "  /pets/{id}:\n"
        "    parameters:\n"
        "      - {name: id, in: path, required: true, schema: {type: string}}\n"
        "      - {name: X-Old, in: header, schema: {type: string}}\n"
        "    get:\n"
        "      parameters:\n"
        "        - $ref: '#/components/parameters/Limit'\n"
        "        - {name: id, in: path, required: true,\n"
        "           schema: {type: integer}}\n"
        "        - {name: tags, in: query, explode: false,\n"
        "           schema: {type: array, items: {type: number}}}\n"
        "        - {name: f, in: query, style: deepObject,\n"
        "           schema: {properties: {a: {type: boolean}}}}\n"
        "        - {name: Accept, in: header, schema: {type: string}}\n"
        "        - {name: s, in: cookie, required: true}\n"
        "        - {name: j, in: header,\n"
        "           content: {application/json: {schema: {type: object}}}}\n"
        "      x-apigw-validation: {details: false}\n");

    CHECK(api != NULL, "parameters load: %s", err.message);

    if (api == NULL) {
        return;
    }

    op = &api->ops[0];

    CHECK(op->nparameters == 7, "7 parameters (Accept ignored), got %zu",
          op->nparameters);

    p = &op->parameters[0];
    CHECK(strcmp(p->name, "id") == 0 && p->in == APIGW_IN_PATH
          && p->type == APIGW_TYPE_INTEGER && p->required
          && p->path_index == 0 && p->style == APIGW_STYLE_SIMPLE
          && !p->explode,
          "the operation's id replaces the path item's, in its place");

    p = &op->parameters[1];
    CHECK(strcmp(p->name, "X-Old") == 0 && p->in == APIGW_IN_HEADER
          && !p->required, "path item header kept");

    p = &op->parameters[2];
    CHECK(strcmp(p->name, "limit") == 0 && p->in == APIGW_IN_QUERY
          && p->style == APIGW_STYLE_FORM && p->explode
          && p->type == APIGW_TYPE_INTEGER && p->schema != NULL,
          "$ref'd query parameter: form, exploded");

    p = &op->parameters[3];
    CHECK(p->type == APIGW_TYPE_ARRAY && p->item_type == APIGW_TYPE_NUMBER
          && !p->explode, "array of numbers, not exploded");

    p = &op->parameters[4];
    CHECK(p->type == APIGW_TYPE_OBJECT && p->style == APIGW_STYLE_DEEP_OBJECT
          && p->nprops == 1 && p->props[0].type == APIGW_TYPE_BOOLEAN,
          "deepObject without type: an object from its properties");

    p = &op->parameters[5];
    CHECK(p->in == APIGW_IN_COOKIE && p->required && p->schema == NULL
          && p->style == APIGW_STYLE_FORM, "cookie without schema");

    p = &op->parameters[6];
    CHECK(p->json && p->schema != NULL, "content: application/json");

    CHECK(op->validate_params && op->validate_body && !op->error_details,
          "x-apigw-validation on the operation");

    apigw_api_free(api);
}


static void
test_bodies_and_validators(void)
{
    apigw_api_t        *api;
    apigw_operation_t  *op;

    api = load_text(HEAD
        "x-amazon-apigateway-request-validators:\n"
        "  all: {validateRequestParameters: true, validateRequestBody: true}\n"
        "  none: {}\n"
        "x-amazon-apigateway-request-validator: none\n"
        "paths:\n"
        "  /a:\n"
        "    post:\n"
        "      requestBody:\n"
        "        required: true\n"
        "        content:\n"
        "          Application/JSON; charset=utf-8: {schema: {type: object}}\n"
        "          text/*: {}\n"
        "          application/vnd.x+json: {}\n"
        "    put:\n"
        "      x-amazon-apigateway-request-validator: all\n");

    CHECK(api != NULL, "bodies load: %s", err.message);

    if (api == NULL) {
        return;
    }

    op = &api->ops[1];     /* in OpenAPI's method order: put, then post */
    CHECK(op->body.declared && op->body.required && op->body.nmedia == 3,
          "requestBody: required, 3 media types");

    if (op->body.nmedia != 3) {
        apigw_api_free(api);
        return;
    }
    CHECK(strcmp(op->body.media[0].type, "application/json") == 0
          && op->body.media[0].json && op->body.media[0].schema,
          "media type lowercased, parameters cut, JSON with a schema");
    CHECK(!op->body.media[1].schema && op->body.media[2].json,
          "text/* without schema; +json is JSON");
    CHECK(!op->validate_params && !op->validate_body,
          "the API's default validator checks nothing");

    op = &api->ops[0];
    CHECK(op->validate_params && op->validate_body && !op->body.declared,
          "the operation's validator");

    apigw_api_free(api);
}


static void
test_errors(void)
{
    apigw_api_t  *api;

    fails("bad in", HEAD
          "paths:\n  /a:\n    get:\n      parameters:\n"
          "        - {name: x, in: body}\n",
          "/parameters/0/in", "\"in\" must be path, query, header or cookie");

    fails("path parameter not in the path", HEAD
          "paths:\n  /a:\n    get:\n      parameters:\n"
          "        - {name: x, in: path, required: true}\n",
          "/parameters/0", "path parameter \"x\" is not in the path");

    api = load_text_flags(HEAD
                          "paths:\n  /a/{y}:\n    get:\n      parameters:\n"
                          "        - {name: x, in: path, required: true}\n"
                          "        - {name: y, in: path, required: true}\n",
                          0);
    CHECK(api && api->warnings.n == 1 && api->nops == 1
          && api->ops[0].problem == NULL && api->ops[0].nparameters == 1
          && strcmp(api->ops[0].parameters[0].name, "y") == 0
          && strstr(api->warnings.messages[0], "it is left out") != NULL,
          "a path parameter not in the path: a warning, left out, the "
          "operation loads");
    apigw_api_free(api);

    fails("style for the wrong place", HEAD
          "paths:\n  /a:\n    get:\n      parameters:\n"
          "        - {name: x, in: header, style: form}\n",
          "/parameters/0/style", "does not apply to header parameters");

    fails("bad schema in a parameter", HEAD
          "paths:\n  /a:\n    get:\n      parameters:\n"
          "        - {name: x, in: query, schema: {minimum: big}}\n",
          "/parameters/0/schema/minimum", "");

    fails("bad regex in a body schema", HEAD
          "paths:\n  /a:\n    post:\n      requestBody:\n"
          "        content:\n          application/json:\n"
          "            schema: {type: string, pattern: '(unclosed'}\n",
          "/schema/pattern", "");

    fails("unknown validator", HEAD
          "paths:\n  /a:\n    get:\n"
          "      x-amazon-apigateway-request-validator: strict\n",
          "/x-amazon-apigateway-request-validator",
          "request validator \"strict\" is not in");

    fails("x-apigw-validation key", HEAD
          "x-apigw-validation: {bodies: false}\npaths: {}\n",
          "/x-apigw-validation/bodies", "unknown key");

    fails("requestBody without content", HEAD
          "paths:\n  /a:\n    post:\n      requestBody: {required: true}\n",
          "/requestBody", "needs \"content\"");

#define INTEGRATION(m)                                                        \
    HEAD "paths:\n  /p/{id}:\n    get:\n      x-apigw-integration:\n"         \
    "        type: http\n        uri: \"http://h/x/{id}\"\n" m

    fails("unknown mapping source", INTEGRATION(
          "        requestParameters:\n"
          "          integration.request.header.X: method.request.cookie.c\n"),
          "/requestParameters/integration.request.header.X",
          "unknown mapping source");

    fails("unknown mapping target", INTEGRATION(
          "        requestParameters:\n"
          "          integration.request.body.X: \"'a'\"\n"),
          "/requestParameters/integration.request.body.X",
          "a request mapping must set");

    fails("mapping from a path parameter the route lacks", INTEGRATION(
          "        requestParameters:\n"
          "          integration.request.header.X: method.request.path.nope\n"),
          "/requestParameters/integration.request.header.X",
          "\"nope\" is not a path parameter");

    fails("unknown context variable", INTEGRATION(
          "        requestParameters:\n"
          "          integration.request.header.X: context.secret\n"),
          "/requestParameters/integration.request.header.X",
          "unknown context variable \"secret\"");

    fails("bad JSONPath", INTEGRATION(
          "        requestParameters:\n"
          "          integration.request.header.X: method.request.body.a[\n"),
          "/requestParameters/integration.request.header.X", "");

    fails("path mapping the uri does not use", INTEGRATION(
          "        requestParameters:\n"
          "          integration.request.path.other: method.request.path.id\n"),
          "/uri", "integration.request.path.other is mapped but the uri "
          "has no {other}");

    fails("template syntax", INTEGRATION(
          "        requestTemplates:\n"
          "          application/json: \"a\\n#if($x)\\nb\"\n"),
          "/requestTemplates/application~1json", "template: line ");

    fails("passthroughBehavior", INTEGRATION(
          "        passthroughBehavior: SOMETIMES\n"),
          "/passthroughBehavior", "must be WHEN_NO_MATCH");

    fails("bad response pattern", INTEGRATION(
          "        responses:\n"
          "          \"(4\": {statusCode: \"400\"}\n"),
          "/responses/(4", "bad pattern");

    fails("response mapping target", INTEGRATION(
          "        responses:\n"
          "          default:\n"
          "            responseParameters:\n"
          "              integration.request.header.X: \"'a'\"\n"),
          "/responseParameters/integration.request.header.X",
          "method.response.header.NAME");
}


static void
test_mappings(void)
{
    apigw_api_t                   *api;
    apigw_mapping_t               *m;
    apigw_operation_t             *op;
    apigw_integration_t           *in;
    apigw_integration_response_t  *ir;

    api = load_text(INTEGRATION(
        "        requestParameters:\n"
        "          integration.request.path.id: method.request.path.id\n"
        "          integration.request.querystring.q: \"'a b'\"\n"
        "          integration.request.header.X-B: method.request.body.a.b\n"
        "          integration.request.header.X-C: context.requestId\n"
        "        requestTemplates:\n"
        "          Application/JSON: '{\"id\": \"$input.params(''id'')\"}'\n"
        "        passthroughBehavior: never\n"
        "        responses:\n"
        "          default: {statusCode: \"200\"}\n"
        "          \"5\\\\d{2}\":\n"
        "            statusCode: \"502\"\n"
        "            responseParameters:\n"
        "              method.response.header.X-E: integration.response.body\n"
        "          \"404\": {statusCode: \"410\"}\n"));

    CHECK(api != NULL, "mappings load: %s", err.message);

    if (api == NULL) {
        return;
    }

    op = &api->ops[0];
    in = &op->integration;

    CHECK(in->nrequest_params == 4, "4 request mappings");

    m = &in->request_params[0];
    CHECK(m->target == APIGW_MAP_TO_PATH && strcmp(m->name, "id") == 0
          && m->source == APIGW_MAP_PATH && strcmp(m->value, "id") == 0,
          "path from path");
    CHECK(in->uri->parts[1].param == op->nparams + 0,
          "the uri's {id} takes the mapping");

    m = &in->request_params[1];
    CHECK(m->target == APIGW_MAP_TO_QUERY && m->source == APIGW_MAP_STATIC
          && strcmp(m->value, "a b") == 0, "static query value unquoted");

    m = &in->request_params[2];
    CHECK(m->source == APIGW_MAP_BODY_PATH && m->jsonpath != NULL
          && in->needs_body, "body JSONPath compiled; the body is needed");

    m = &in->request_params[3];
    CHECK(m->source == APIGW_MAP_CONTEXT, "context source");

    CHECK(in->nrequest_templates == 1
          && strcmp(in->request_templates[0].content_type,
                    "application/json") == 0
          && in->passthrough == APIGW_PASSTHROUGH_NEVER,
          "template lowercased, passthrough NEVER");

    CHECK(in->nresponses == 3 && in->needs_response_body,
          "3 integration responses, the body needed for one");

    ir = apigw_integration_response_select(in, "503", 3);
    CHECK(ir && ir->status == 502 && ir->nmappings == 1, "503 -> 5\\d{2}");
    ir = apigw_integration_response_select(in, "404", 3);
    CHECK(ir && ir->status == 410, "404 -> its own");
    ir = apigw_integration_response_select(in, "4040", 4);
    CHECK(ir && ir->status == 200, "patterns match the whole status");
    ir = apigw_integration_response_select(in, "200", 3);
    CHECK(ir && ir->pattern == NULL, "default last");

    apigw_api_free(api);
}


int
main(void)
{
    if (spec_dir_open() != 0) {
        return 1;
    }

    test_parameters();
    test_bodies_and_validators();
    test_errors();
    test_mappings();

    spec_dir_close();

    return unit_done();
}
