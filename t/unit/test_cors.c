
/*
 * Copyright (C) apigw contributors
 */


/*
 * unit tests for CORS: x-amazon-apigateway-cors and x-apigw-cors compiled,
 * their load errors, origins, preflights and actual requests decided
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apigw_core.h"
#include "unit.h"
#include "spec_load.h"


#define HEAD  "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n"


static void
fails(const char *name, const char *text, const char *pointer,
    const char *message)
{
    apigw_api_t  *api;

    api = load_text(text);

    CHECK(api == NULL && strcmp(err.pointer, pointer) == 0
          && strstr(err.message, message) != NULL && err.line > 0,
          "%s: got %s at \"%s\" line %u: \"%s\"", name,
          api ? "loaded" : "error", err.pointer, err.line, err.message);

    apigw_api_free(api);
}


static int
value_is(apigw_cors_value_t *v, const char *s)
{
    if (s == NULL) {
        return v->data == NULL;
    }

    return v->data != NULL && v->len == strlen(s)
           && memcmp(v->data, s, v->len) == 0;
}


#define O(s)  s, strlen(s)


static apigw_cors_t *
load_cors(apigw_api_t **api, const char *text)
{
    *api = load_text(text);

    if (*api == NULL || (*api)->cors == NULL) {
        CHECK(0, "loads with CORS: %s", err.message);
        return NULL;
    }

    return (*api)->cors;
}


static void
test_compile(void)
{
    apigw_api_t   *api;
    apigw_cors_t  *c;

    api = load_text(HEAD);
    CHECK(api != NULL && api->cors == NULL, "no extension: no CORS");
    apigw_api_free(api);

    api = load_text(HEAD
        "x-amazon-apigateway-cors:\n"
        "  allowOrigins: [https://App.Example.com, 'http://[::1]:8080']\n"
        "  allowMethods: [GET, PUT]\n"
        "  allowHeaders: [Content-Type, X-Api-Key]\n"
        "  exposeHeaders: [X-Total]\n"
        "  maxAge: 300\n"
        "  allowCredentials: true\n");

    c = api ? api->cors : NULL;

    CHECK(c != NULL, "x-amazon-apigateway-cors loads: %s", err.message);

    if (c != NULL) {
        CHECK(c->origins.n == 2
              && strcmp(c->origins.items[0], "https://app.example.com") == 0
              && !c->origins.any, "origins, lowercase");
        CHECK(strcmp(c->methods.joined, "GET,PUT") == 0
              && c->methods.joined_len == 7, "methods joined");
        CHECK(strcmp(c->headers.joined, "Content-Type,X-Api-Key") == 0,
              "headers joined as written");
        CHECK(c->max_age == 300 && c->credentials, "maxAge, credentials");
    }

    apigw_api_free(api);

    api = load_text(HEAD "x-apigw-cors: {allowOrigins: ['*']}\n");
    c = api ? api->cors : NULL;
    CHECK(c != NULL && c->origins.any && c->origins.n == 0
          && c->max_age == -1 && !c->credentials && c->methods.n == 0,
          "x-apigw-cors, \"*\", defaults");
    apigw_api_free(api);

    fails("* with credentials",
          HEAD "x-amazon-apigateway-cors:\n"
          "  allowOrigins: ['*']\n  allowCredentials: true\n",
          "/x-amazon-apigateway-cors/allowOrigins",
          "\"*\" cannot be used with allowCredentials");
    fails("exposeHeaders * with credentials",
          HEAD "x-apigw-cors:\n  allowOrigins: [https://a.example]\n"
          "  exposeHeaders: ['*']\n  allowCredentials: true\n",
          "/x-apigw-cors/exposeHeaders", "cannot be used");
    fails("not an object", HEAD "x-apigw-cors: [1]\n", "/x-apigw-cors",
          "must be an object");
    fails("unknown member", HEAD "x-apigw-cors: {allowOrigin: ['*']}\n",
          "/x-apigw-cors/allowOrigin", "unknown member");
    fails("origins not an array", HEAD "x-apigw-cors: {allowOrigins: '*'}\n",
          "/x-apigw-cors/allowOrigins", "must be an array of strings");
    fails("an origin with a path",
          HEAD "x-apigw-cors: {allowOrigins: ['https://a.example/']}\n",
          "/x-apigw-cors/allowOrigins/0", "scheme://host[:port]");
    fails("an origin without a scheme",
          HEAD "x-apigw-cors: {allowOrigins: [a.example, b]}\n",
          "/x-apigw-cors/allowOrigins/0", "scheme://host[:port]");
    fails("a bad port",
          HEAD "x-apigw-cors: {allowOrigins: ['http://a:99999']}\n",
          "/x-apigw-cors/allowOrigins/0", "scheme://host[:port]");
    fails("a method with a space",
          HEAD "x-apigw-cors: {allowMethods: [GET, 'P UT']}\n",
          "/x-apigw-cors/allowMethods/1", "header or method name");
    fails("a header \"x-*\"",
          HEAD "x-apigw-cors: {allowHeaders: ['x-*']}\n",
          "/x-apigw-cors/allowHeaders/0", "header or method name");
    fails("a number as a header",
          HEAD "x-apigw-cors: {exposeHeaders: [1]}\n",
          "/x-apigw-cors/exposeHeaders/0", "header or method name");
    fails("on an operation",
          "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n"
          "paths:\n  /a:\n    get:\n"
          "      x-apigw-cors: {allowOrigins: ['*']}\n",
          "/paths/~1a/get/x-apigw-cors", "document's root only");
    fails("on a path item",
          "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n"
          "paths:\n  /a:\n"
          "    x-amazon-apigateway-cors: {allowOrigins: ['*']}\n"
          "    get: {}\n",
          "/paths/~1a/x-amazon-apigateway-cors", "document's root only");
    fails("maxAge negative", HEAD "x-apigw-cors: {maxAge: -1}\n",
          "/x-apigw-cors/maxAge", "from 0 to 86400");
    fails("maxAge a string", HEAD "x-apigw-cors: {maxAge: '10'}\n",
          "/x-apigw-cors/maxAge", "from 0 to 86400");
    fails("allowCredentials a string",
          HEAD "x-apigw-cors: {allowCredentials: 'true'}\n",
          "/x-apigw-cors/allowCredentials", "must be a boolean");
}


static void
test_origins(void)
{
    CHECK(apigw_cors_origin_valid(O("https://a.example"), 0) == 0,
          "an origin");
    CHECK(apigw_cors_origin_valid(O("http://a.example:8080"), 0) == 0,
          "with a port");
    CHECK(apigw_cors_origin_valid(O("http://[::1]:3000"), 0) == 0,
          "an IPv6 host");
    CHECK(apigw_cors_origin_valid(O("*"), 1) == 0
          && apigw_cors_origin_valid(O("*"), 0) == -1, "\"*\" when any");
    CHECK(apigw_cors_origin_valid(O("https://"), 0) == -1, "no host");
    CHECK(apigw_cors_origin_valid(O("https://a:"), 0) == -1, "empty port");
    CHECK(apigw_cors_origin_valid(O("https://a:1x"), 0) == -1, "bad port");
    CHECK(apigw_cors_origin_valid(O("https://u@a"), 0) == -1, "userinfo");
    CHECK(apigw_cors_origin_valid(O("https://a?q"), 0) == -1, "a query");
    CHECK(apigw_cors_origin_valid(O("1http://a"), 0) == -1, "bad scheme");
    CHECK(apigw_cors_origin_valid(O("https://[::1"), 0) == -1,
          "an open bracket");
}


static void
test_decisions(void)
{
    apigw_api_t          *api;
    apigw_cors_t         *c;
    apigw_cors_answer_t   a;

    c = load_cors(&api, HEAD
        "x-apigw-cors:\n"
        "  allowOrigins: [https://app.example, 'http://localhost:3000']\n"
        "  allowMethods: [PUT, DELETE]\n"
        "  allowHeaders: [content-type, authorization]\n"
        "  exposeHeaders: [x-total, x-next]\n"
        "  maxAge: 60\n"
        "  allowCredentials: true\n");

    if (c == NULL) {
        return;
    }

    CHECK(apigw_cors_origin_allowed(c, O("https://app.example")),
          "an origin listed");
    CHECK(apigw_cors_origin_allowed(c, O("HTTPS://APP.EXAMPLE")),
          "in any case");
    CHECK(!apigw_cors_origin_allowed(c, O("https://app.example:443")),
          "an explicit port is another origin");
    CHECK(!apigw_cors_origin_allowed(c, O("https://app.example.evil")),
          "a longer host is another origin");
    CHECK(!apigw_cors_origin_allowed(c, O("https://app.exampl")),
          "a prefix is another origin");
    CHECK(!apigw_cors_origin_allowed(c, NULL, 0), "no origin");

    CHECK(apigw_cors_preflight(c, O("https://app.example"), O("PUT"),
                               O("Content-Type, Authorization"), &a)
          && value_is(&a.allow_origin, "https://app.example")
          && value_is(&a.allow_methods, "PUT,DELETE")
          && value_is(&a.allow_headers, "content-type,authorization")
          && value_is(&a.expose_headers, NULL)
          && a.max_age == 60 && a.credentials,
          "a preflight allowed: its answer");
    CHECK(apigw_cors_preflight(c, O("http://localhost:3000"), O("GET"),
                               NULL, 0, &a),
          "GET is safelisted, headers none");
    CHECK(apigw_cors_preflight(c, O("http://localhost:3000"), O("POST"),
                               O(" ,content-type,, "), &a),
          "empty items in the requested headers");
    CHECK(!apigw_cors_preflight(c, O("https://evil.example"), O("PUT"),
                                NULL, 0, &a)
          && a.allow_origin.data == NULL, "an origin refused");
    CHECK(!apigw_cors_preflight(c, O("https://app.example"), O("PATCH"),
                                NULL, 0, &a), "a method refused");
    CHECK(!apigw_cors_preflight(c, O("https://app.example"), O(""),
                                NULL, 0, &a), "no method");
    CHECK(!apigw_cors_preflight(c, O("https://app.example"), O("PUT"),
                                O("content-type,x-secret"), &a),
          "a header refused");
    CHECK(!apigw_cors_preflight(c, O("https://app.example"), O("PUT"),
                                O("content-typ"), &a),
          "a header's prefix refused");

    CHECK(apigw_cors_actual(c, O("https://app.example"), &a)
          && value_is(&a.allow_origin, "https://app.example")
          && value_is(&a.expose_headers, "x-total,x-next")
          && value_is(&a.allow_methods, NULL)
          && a.credentials && a.max_age == -1,
          "an actual request: its answer");
    CHECK(!apigw_cors_actual(c, O("https://evil.example"), &a),
          "an actual request from an origin refused");

    apigw_api_free(api);

    c = load_cors(&api, HEAD
        "x-apigw-cors:\n"
        "  allowOrigins: ['*']\n"
        "  allowMethods: ['*']\n"
        "  allowHeaders: ['*']\n"
        "  exposeHeaders: ['*']\n");

    if (c == NULL) {
        return;
    }

    CHECK(apigw_cors_preflight(c, O("https://any.example"), O("PATCH"),
                               O("X-A, Authorization"), &a)
          && value_is(&a.allow_origin, "*")
          && value_is(&a.allow_methods, "PATCH")
          && value_is(&a.allow_headers, "X-A, Authorization")
          && !a.credentials && a.max_age == -1,
          "\"*\": any origin, the method and headers echoed");
    CHECK(apigw_cors_preflight(c, O("null"), O("GET"), NULL, 0, &a)
          && value_is(&a.allow_headers, NULL), "\"*\": none requested");
    CHECK(apigw_cors_actual(c, O("https://any.example"), &a)
          && value_is(&a.allow_origin, "*")
          && value_is(&a.expose_headers, "*"), "\"*\": an actual request");

    apigw_api_free(api);

    api = load_text(HEAD
        "x-apigw-cors:\n"
        "  allowOrigins: [https://app.example]\n"
        "  allowHeaders: ['*']\n"
        "  allowCredentials: true\n");

    c = api ? api->cors : NULL;

    CHECK(c != NULL
          && apigw_cors_preflight(c, O("https://app.example"), O("GET"),
                                  O("authorization"), &a)
          && value_is(&a.allow_headers, "authorization")
          && value_is(&a.allow_methods, NULL),
          "\"*\" headers with credentials: echoed, never \"*\"");

    apigw_api_free(api);
}


int
main(void)
{
    if (spec_dir_open() != 0) {
        return 1;
    }

    test_compile();
    test_origins();
    test_decisions();

    spec_dir_close();

    return unit_done();
}
