
/*
 * Copyright (C) apigw contributors
 */


/*
 * unit tests for response caching's nginx-free half: x-apigw-cache and
 * AWS's cacheKeyParameters and cacheNamespace compiled, their errors, the
 * fingerprint; stored statuses, Cache-Control, Vary, Accept-Encoding, key
 * fields and a stored response's bytes (apigw_cache.c,
 * apigw_spec_cache.c)
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apigw_core.h"
#include "apigw_keys.h"
#include "unit.h"
#include "spec_load.h"


#define HEAD  "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n"
#define OP    "paths:\n  /p/{id}/{sub}:\n    get:\n"
#define MOCK  "      x-apigw-integration: {type: mock}\n"
#define PTR   "/paths/~1p~1{id}~1{sub}/get"


static apigw_cache_conf_t *
load_cache(apigw_api_t **api, const char *name, const char *text)
{
    *api = load_text(text);

    CHECK(*api != NULL && (*api)->nops == 1, "%s: loads: %s", name,
          err.message);

    return *api ? &(*api)->ops[0].cache : NULL;
}


/*
 * the key parameters are these, in order: "p:sub@1 q:Type h:x-tenant"
 * (p a path parameter and its place, q a query parameter, h a header)
 */
static int
params_are(const apigw_cache_conf_t *cc, const char *want)
{
    char                        in;
    size_t                      i, len;
    const char                 *w, *at;
    const apigw_cache_param_t  *p;

    static const char  ins[] = { 'p', 'q', 'h' };

    if (cc == NULL) {
        return 0;
    }

    w = want;

    for (i = 0; *w != '\0'; i++) {
        in = w[0];
        w += 2;
        len = strcspn(w, " ");
        at = memchr(w, '@', len);

        if (i == cc->nparams) {
            return 0;
        }

        p = &cc->params[i];

        if (ins[p->in] != in
            || p->name_len != (size_t) ((at ? at : w + len) - w)
            || memcmp(p->name, w, p->name_len) != 0
            || p->name[p->name_len] != '\0'
            || (at != NULL && p->path_index != (size_t) atoi(at + 1)))
        {
            return 0;
        }

        w += len;
        w += strspn(w, " ");
    }

    return i == cc->nparams;
}


static void
test_defaults(void)
{
    size_t               i, zeros;
    apigw_api_t         *api;
    apigw_cache_conf_t  *cc;

    NOTE("an operation without x-apigw-cache");

    cc = load_cache(&api, "no x-apigw-cache", HEAD OP MOCK);

    if (cc != NULL) {
        for (i = 0, zeros = 0; i < APIGW_CACHE_FINGERPRINT_LEN; i++) {
            zeros += (cc->fingerprint[i] == 0);
        }

        CHECK(cc->ttl == -1 && cc->enabled == -1 && cc->ns == NULL
              && cc->ns_len == 0 && cc->params == NULL && cc->nparams == 0
              && cc->statuses == NULL && cc->nstatuses == 0
              && cc->require_authorization == -1
              && cc->unauthorized == APIGW_CACHE_UNAUTHORIZED_UNSET
              && !cc->shared && !cc->stale,
              "defaults: everything the stage's");
        CHECK(zeros < APIGW_CACHE_FINGERPRINT_LEN, "a fingerprint anyway");
    }

    apigw_api_free(api);

    /* the location's backend: no integration in the spec */
    cc = load_cache(&api, "no integration",
                    HEAD OP "      x-apigw-cache: {ttl: 5}\n");
    CHECK(cc != NULL && cc->ttl == 5, "no integration: x-apigw-cache read");
    apigw_api_free(api);
}


static void
test_members(void)
{
    apigw_api_t          *api;
    apigw_cache_conf_t   *cc;

    NOTE("x-apigw-cache's members");

    cc = load_cache(&api, "every member", HEAD OP MOCK
        "      x-apigw-cache:\n"
        "        ttl: 3600\n"
        "        enabled: true\n"
        "        namespace: pets\n"
        "        key:\n"
        "          - method.request.path.sub\n"
        "          - method.request.querystring.Type\n"
        "          - method.request.multivaluequerystring.tag\n"
        "          - method.request.header.X-Tenant\n"
        "          - method.request.multivalueheader.Accept\n"
        "          - method.request.path.id\n"
        "        shared: true\n"
        "        statuses: [200, 404, 599, 100]\n"
        "        requireAuthorizationForCacheControl: false\n"
        "        unauthorizedCacheControlHeaderStrategy: "
        "SUCCEED_WITH_RESPONSE_HEADER\n"
        "        stale: true\n");

    if (cc != NULL) {
        CHECK(cc->ttl == 3600 && cc->enabled == 1 && cc->shared && cc->stale
              && cc->require_authorization == 0
              && cc->unauthorized == APIGW_CACHE_SUCCEED_WITH_RESPONSE_HEADER,
              "ttl, enabled, shared, stale, authorization, strategy");
        CHECK(cc->ns != NULL && cc->ns_len == 4
              && strcmp(cc->ns, "pets") == 0, "namespace");
        CHECK(cc->nstatuses == 4 && cc->statuses[0] == 200
              && cc->statuses[1] == 404 && cc->statuses[2] == 599
              && cc->statuses[3] == 100, "statuses, in order");

        CHECK(params_are(cc, "p:sub@1 q:Type q:tag h:x-tenant h:accept "
                             "p:id@0"),
              "key: paths with their places, query names as written, "
              "headers in lower case, multivalue forms as single");
        CHECK(!params_are(cc, "p:sub@0 q:Type q:tag h:x-tenant h:accept "
                              "p:id@0")
              && !params_are(cc, "p:sub@1 q:type q:tag h:x-tenant h:accept "
                                 "p:id@0")
              && !params_are(cc, "p:sub@1 q:Type q:tag h:x-tenant h:accept")
              && !params_are(cc, "p:sub@1 q:Type q:tag h:x-tenant h:accept "
                                 "p:id@0 q:x"),
              "(other places, cases, lists are told apart)");
    }

    apigw_api_free(api);

    cc = load_cache(&api, "the other values", HEAD OP MOCK
        "      x-apigw-cache:\n"
        "        ttl: 0\n"
        "        enabled: false\n"
        "        requireAuthorizationForCacheControl: true\n"
        "        unauthorizedCacheControlHeaderStrategy: FAIL_WITH_403\n"
        "        shared: false\n"
        "        key: []\n");
    CHECK(cc != NULL && cc->ttl == 0 && cc->enabled == 0
          && cc->require_authorization == 1
          && cc->unauthorized == APIGW_CACHE_FAIL_WITH_403 && !cc->shared
          && params_are(cc, "") && cc->statuses == NULL,
          "ttl 0, enabled false, FAIL_WITH_403, an empty key");
    apigw_api_free(api);

    cc = load_cache(&api, "the third strategy", HEAD OP MOCK
        "      x-apigw-cache: {unauthorizedCacheControlHeaderStrategy: "
        "SUCCEED_WITHOUT_RESPONSE_HEADER}\n");
    CHECK(cc != NULL
          && cc->unauthorized == APIGW_CACHE_SUCCEED_WITHOUT_RESPONSE_HEADER,
          "SUCCEED_WITHOUT_RESPONSE_HEADER");
    apigw_api_free(api);

    cc = load_cache(&api, "duplicates", HEAD OP MOCK
        "      x-apigw-cache:\n"
        "        key: [method.request.header.A, method.request.header.a,\n"
        "              method.request.multivalueheader.A,\n"
        "              method.request.querystring.q,\n"
        "              method.request.querystring.Q,\n"
        "              method.request.multivaluequerystring.q,\n"
        "              method.request.path.id, method.request.path.id]\n");
    CHECK(params_are(cc, "h:a q:q q:Q p:id@0"),
          "a parameter twice is one; query names are case-sensitive");
    apigw_api_free(api);
}


static void
test_aws(void)
{
    apigw_api_t          *api;
    apigw_cache_conf_t   *cc;

    NOTE("cacheKeyParameters and cacheNamespace");

    /* as AWS exports it */
    cc = load_cache(&api, "AWS export", HEAD OP
        "      x-amazon-apigateway-integration:\n"
        "        type: http_proxy\n"
        "        httpMethod: GET\n"
        "        uri: http://backend/p/{id}\n"
        "        passthroughBehavior: when_no_match\n"
        "        cacheNamespace: abc123\n"
        "        cacheKeyParameters: []\n");
    CHECK(cc != NULL && cc->ns != NULL && strcmp(cc->ns, "abc123") == 0
          && cc->ns_len == 6 && cc->nparams == 0 && cc->ttl == -1
          && cc->enabled == -1, "AWS's export: the namespace, no key");
    apigw_api_free(api);

    cc = load_cache(&api, "AWS keys", HEAD OP
        "      x-amazon-apigateway-integration:\n"
        "        type: http\n"
        "        uri: http://backend/p/{id}\n"
        "        requestParameters:\n"
        "          integration.request.path.id: method.request.path.id\n"
        "        cacheNamespace: ''\n"
        "        cacheKeyParameters: [method.request.path.id,\n"
        "          method.request.querystring.type,\n"
        "          method.request.header.Accept]\n");
    CHECK(cc != NULL && cc->ns == NULL
          && params_are(cc, "p:id@0 q:type h:accept"),
          "cacheKeyParameters; an empty cacheNamespace is none");
    apigw_api_free(api);

    cc = load_cache(&api, "union", HEAD OP
        "      x-amazon-apigateway-integration:\n"
        "        type: mock\n"
        "        cacheNamespace: abc123\n"
        "        cacheKeyParameters: [method.request.header.x-a,\n"
        "          method.request.path.sub, method.request.querystring.q]\n"
        "      x-apigw-cache:\n"
        "        namespace: mine\n"
        "        key: [method.request.querystring.q,\n"
        "              method.request.header.X-A]\n");
    CHECK(params_are(cc, "q:q h:x-a p:sub@1"),
          "the two lists joined, x-apigw-cache's first, none twice");
    CHECK(cc != NULL && cc->ns != NULL && strcmp(cc->ns, "mine") == 0,
          "x-apigw-cache's namespace wins over cacheNamespace");
    apigw_api_free(api);

    cc = load_cache(&api, "x-apigw-integration", HEAD OP
        "      x-apigw-integration:\n"
        "        type: function\n"
        "        function: pets\n"
        "        cacheNamespace: fn\n"
        "        cacheKeyParameters: [method.request.path.id]\n");
    CHECK(cc != NULL && cc->ns != NULL && strcmp(cc->ns, "fn") == 0
          && params_are(cc, "p:id@0"), "x-apigw-integration (a function) "
          "too");
    apigw_api_free(api);

    cc = load_cache(&api, "x-apigw-integration first", HEAD OP
        "      x-apigw-integration: {type: mock, cacheNamespace: a}\n"
        "      x-amazon-apigateway-integration: {type: mock,\n"
        "        cacheNamespace: b}\n");
    CHECK(cc != NULL && cc->ns != NULL && strcmp(cc->ns, "a") == 0,
          "the integration that is used is the one read");
    apigw_api_free(api);
}


/* fails at this pointer (after PTR) with a message holding this text */
static void
fails(const char *name, const char *text, const char *pointer,
    const char *message)
{
    char          want[512];
    apigw_api_t  *api;

    snprintf(want, sizeof(want), PTR "%s", pointer);

    api = load_text(text);

    CHECK(api == NULL && strcmp(err.pointer, want) == 0
          && strstr(err.message, message) != NULL && err.line > 0
          && strstr(err.file, "spec.yaml") != NULL,
          "%s: got %s at \"%s\" line %u: \"%s\"", name,
          api ? "loaded" : "error", err.pointer, err.line, err.message);

    apigw_api_free(api);
}


#define EXT  HEAD OP MOCK "      x-apigw-cache: "


/* x-apigw-cache's errors: its value, the member at fault, the message */
static const struct {
    const char  *ext;
    const char  *pointer;
    const char  *message;
} ext_errors[] = {
    { "[ttl]", "/x-apigw-cache", "x-apigw-cache must be an object" },
    { "{ttl: 1, TTL: 2}",
      "/x-apigw-cache/TTL",
      "unknown member \"TTL\" (x-apigw-cache takes ttl, enabled," },
    { "{ttl: 3601}",
      "/x-apigw-cache/ttl",
      "ttl must be an integer of seconds from 0 to 3600" },
    { "{ttl: -1}", "/x-apigw-cache/ttl", "from 0 to 3600" },
    { "{ttl: '60'}", "/x-apigw-cache/ttl", "from 0 to 3600" },
    { "{ttl: 1.5}", "/x-apigw-cache/ttl", "from 0 to 3600" },
    { "{enabled: 'true'}",
      "/x-apigw-cache/enabled",
      "enabled must be a boolean" },
    { "{shared: 1}", "/x-apigw-cache/shared", "shared must be a boolean" },
    { "{stale: null}", "/x-apigw-cache/stale", "stale must be a boolean" },
    { "{requireAuthorizationForCacheControl: yes}",
      "/x-apigw-cache/requireAuthorizationForCacheControl",
      "requireAuthorizationForCacheControl must be a boolean" },
    { "{namespace: ''}",
      "/x-apigw-cache/namespace",
      "namespace must be a non-empty string" },
    { "{namespace: 5}", "/x-apigw-cache/namespace", "non-empty string" },
    { "{unauthorizedCacheControlHeaderStrategy: fail_with_403}",
      "/x-apigw-cache/unauthorizedCacheControlHeaderStrategy",
      "must be FAIL_WITH_403, SUCCEED_WITH_RESPONSE_HEADER or "
      "SUCCEED_WITHOUT_RESPONSE_HEADER" },
    { "{unauthorizedCacheControlHeaderStrategy: [FAIL_WITH_403]}",
      "/x-apigw-cache/unauthorizedCacheControlHeaderStrategy",
      "must be FAIL_WITH_403" },
    { "{statuses: []}",
      "/x-apigw-cache/statuses",
      "statuses must be a non-empty array of status codes" },
    { "{statuses: 200}", "/x-apigw-cache/statuses", "non-empty array" },
    { "{statuses: [200, 99]}",
      "/x-apigw-cache/statuses/1",
      "a status code must be an integer from 100 to 599" },
    { "{statuses: [600]}", "/x-apigw-cache/statuses/0", "from 100 to 599" },
    { "{statuses: ['200']}", "/x-apigw-cache/statuses/0", "from 100 to 599" },
    { "{statuses: [200, 404, 200]}",
      "/x-apigw-cache/statuses/2",
      "status 200 is listed twice" },
    { "{key: method.request.path.id}",
      "/x-apigw-cache/key",
      "key must be an array of method.request parameters" },
    { "{key: [method.request.path.id, 1]}",
      "/x-apigw-cache/key/1",
      "a cache key parameter must be a string" },
    { "{key: [method.request.body]}",
      "/x-apigw-cache/key/0",
      "unknown cache key parameter \"method.request.body\" (expected "
      "method.request.{path|querystring|multivaluequerystring|header|"
      "multivalueheader}.NAME)" },
    { "{key: [context.authorizer.principalId]}",
      "/x-apigw-cache/key/0",
      "unknown cache key parameter" },
    { "{key: [method.request.header.]}",
      "/x-apigw-cache/key/0",
      "unknown cache key parameter" },
    { "{key: [Method.Request.Header.a]}",
      "/x-apigw-cache/key/0",
      "unknown cache key parameter" },
    { "{key: [method.request.path.ID]}",
      "/x-apigw-cache/key/0",
      "\"ID\" is not a path parameter of \"/p/{id}/{sub}\"" },
    { "{key: ['method.request.header.a b']}",
      "/x-apigw-cache/key/0",
      "bad parameter name \"a b\"" },
    { "{key: ['method.request.header.a:b']}",
      "/x-apigw-cache/key/0",
      "bad parameter name" },
    { "{key: [\"method.request.querystring.a\\tb\"]}",
      "/x-apigw-cache/key/0",
      "bad parameter name" },
};


static void
test_errors(void)
{
    int     i, n;
    char    text[4096];
    size_t  e;

    NOTE("x-apigw-cache's errors");

    for (e = 0; e < sizeof(ext_errors) / sizeof(ext_errors[0]); e++) {
        snprintf(text, sizeof(text), EXT "%s\n", ext_errors[e].ext);
        fails(ext_errors[e].ext, text, ext_errors[e].pointer,
              ext_errors[e].message);
    }

    n = snprintf(text, sizeof(text), "%s", EXT "\n        key:\n");

    for (i = 0; i <= APIGW_CACHE_MAX_PARAMS; i++) {
        n += snprintf(text + n, sizeof(text) - n,
                      "          - method.request.querystring.q%d\n", i);
    }

    fails("17 parameters", text, "/x-apigw-cache/key/16",
          "a cache key takes at most 16 parameters");

    NOTE("cacheKeyParameters' and cacheNamespace's errors");

    fails("cacheKeyParameters not a list", HEAD OP
          "      x-amazon-apigateway-integration: {type: mock,\n"
          "        cacheKeyParameters: method.request.path.id}\n",
          "/x-amazon-apigateway-integration/cacheKeyParameters",
          "cacheKeyParameters must be an array of method.request "
          "parameters");
    fails("cacheKeyParameters: not a path parameter", HEAD OP
          "      x-amazon-apigateway-integration: {type: mock,\n"
          "        cacheKeyParameters: [method.request.path.petId]}\n",
          "/x-amazon-apigateway-integration/cacheKeyParameters/0",
          "\"petId\" is not a path parameter");
    fails("cacheKeyParameters: the union past 16", HEAD OP
          "      x-amazon-apigateway-integration: {type: mock,\n"
          "        cacheKeyParameters: [method.request.path.id]}\n"
          "      x-apigw-cache:\n"
          "        key: [method.request.header.h0, method.request.header.h1,"
          "\n          method.request.header.h2, method.request.header.h3,\n"
          "          method.request.header.h4, method.request.header.h5,\n"
          "          method.request.header.h6, method.request.header.h7,\n"
          "          method.request.header.h8, method.request.header.h9,\n"
          "          method.request.header.ha, method.request.header.hb,\n"
          "          method.request.header.hc, method.request.header.hd,\n"
          "          method.request.header.he, method.request.header.hf]\n",
          "/x-amazon-apigateway-integration/cacheKeyParameters/0",
          "at most 16 parameters");
    fails("cacheNamespace not a string", HEAD OP
          "      x-amazon-apigateway-integration: {type: mock,\n"
          "        cacheNamespace: 5}\n",
          "/x-amazon-apigateway-integration/cacheNamespace",
          "cacheNamespace must be a string");
    fails("x-apigw-integration's cacheNamespace", HEAD OP
          "      x-apigw-integration: {type: mock, cacheNamespace: [a]}\n",
          "/x-apigw-integration/cacheNamespace",
          "cacheNamespace must be a string");
}


static void
test_unusable(void)
{
    apigw_api_t        *api;
    apigw_operation_t  *op;

    NOTE("a problem makes the operation unusable, as its integration's do");

    api = load_text_flags(HEAD OP MOCK
        "      x-apigw-cache: {ttl: 9999, key: [method.request.path.id]}\n"
        "  /ok:\n"
        "    get:\n"
        MOCK
        "      x-apigw-cache: {ttl: 10, key: [method.request.header.a]}\n",
        0);

    op = api ? &api->ops[0] : NULL;

    CHECK(api != NULL && api->nops == 2 && api->warnings.n == 1
          && op->problem != NULL
          && strstr(op->problem, "from 0 to 3600") != NULL
          && strstr(api->warnings.messages[0], PTR "/x-apigw-cache/ttl")
             != NULL
          && op->integration.type == APIGW_INTEGRATION_NONE
          && op->cache.enabled == 0 && op->cache.params == NULL
          && op->cache.nparams == 0,
          "not strict: a warning at the member, the operation never cached");
    CHECK(api != NULL && api->ops[1].problem == NULL
          && api->ops[1].cache.ttl == 10 && api->ops[1].cache.nparams == 1,
          "not strict: the other operation loads");
    apigw_api_free(api);

    /* a key parameter, then the failure: what was taken is freed */
    api = load_text_flags(HEAD OP MOCK
        "      x-apigw-cache: {namespace: n, statuses: [200],\n"
        "        key: [method.request.path.id, method.request.path.nope]}\n",
        0);
    op = api ? &api->ops[0] : NULL;
    CHECK(op != NULL && op->problem != NULL && op->cache.ns == NULL
          && op->cache.statuses == NULL && op->cache.params == NULL,
          "what was compiled before the problem is gone");
    apigw_api_free(api);

    /* the integration's problem comes first; the cache is not read */
    api = load_text_flags(HEAD OP
        "      x-apigw-integration: {type: nope}\n"
        "      x-apigw-cache: {ttl: 9999}\n", 0);
    op = api ? &api->ops[0] : NULL;
    CHECK(op != NULL && op->problem != NULL
          && strstr(op->problem, "not supported") != NULL
          && api->warnings.n == 1 && op->cache.enabled == 0,
          "a bad integration: its problem only, never cached");
    apigw_api_free(api);
}


static void
test_fingerprint(void)
{
    unsigned char        want[APIGW_SHA256_LEN];
    apigw_api_t         *a, *b;
    apigw_cache_conf_t  *ca, *cb;
    const char          *text;

    NOTE("the fingerprint: the operation as written");

    ca = load_cache(&a, "fingerprint a", HEAD OP
        "      summary: s\n"
        "      x-apigw-integration: {type: mock}\n");
    cb = load_cache(&b, "fingerprint b", HEAD OP
        "      x-apigw-integration:\n"
        "        type: mock\n"
        "      summary: s\n");

    text = "{\"summary\":\"s\",\"x-apigw-integration\":{\"type\":\"mock\"}}";
    apigw_sha256(text, strlen(text), want);

    CHECK(ca != NULL && memcmp(ca->fingerprint, want, sizeof(want)) == 0,
          "SHA-256 of the operation's JSON, keys sorted, compact");
    CHECK(ca != NULL && cb != NULL
          && memcmp(ca->fingerprint, cb->fingerprint, sizeof(want)) == 0,
          "the same operation in another order and style: the same");
    apigw_api_free(b);

    cb = load_cache(&b, "fingerprint c", HEAD OP
        "      summary: t\n"
        "      x-apigw-integration: {type: mock}\n");
    CHECK(ca != NULL && cb != NULL
          && memcmp(ca->fingerprint, cb->fingerprint, sizeof(want)) != 0,
          "a changed operation: another");
    apigw_api_free(b);

    cb = load_cache(&b, "fingerprint d", HEAD OP
        "      summary: s\n"
        "      x-apigw-integration: {type: mock}\n"
        "      x-apigw-cache: {ttl: 5}\n");
    CHECK(ca != NULL && cb != NULL
          && memcmp(ca->fingerprint, cb->fingerprint, sizeof(want)) != 0,
          "its cache settings count too");
    apigw_api_free(b);
    apigw_api_free(a);
}


static void
test_namespace_fingerprint(void)
{
    apigw_api_t  *a, *b;

    NOTE("operations that share a namespace share a fingerprint");

#define NS_SPEC(summary)                                                      \
    HEAD "paths:\n"                                                            \
    "  /a:\n    get:\n      summary: " summary "\n" MOCK                       \
    "      x-apigw-cache: {namespace: shared}\n"                              \
    "  /b:\n    get:\n" MOCK                                                  \
    "      x-apigw-cache: {namespace: shared}\n"                              \
    "  /c:\n    get:\n" MOCK

    a = load_text(NS_SPEC("one"));
    b = load_text(NS_SPEC("two"));

    CHECK(a != NULL && a->nops == 3 && b != NULL && b->nops == 3,
          "loads: %s", err.message);

    if (a != NULL && a->nops == 3 && b != NULL && b->nops == 3) {
        CHECK(memcmp(a->ops[0].cache.fingerprint, a->ops[1].cache.fingerprint,
                     APIGW_CACHE_FINGERPRINT_LEN) == 0,
              "/a and /b: one fingerprint");
        CHECK(memcmp(a->ops[0].cache.fingerprint, a->ops[2].cache.fingerprint,
                     APIGW_CACHE_FINGERPRINT_LEN) != 0,
              "/c, without the namespace: its own");
        CHECK(memcmp(a->ops[1].cache.fingerprint, b->ops[1].cache.fingerprint,
                     APIGW_CACHE_FINGERPRINT_LEN) != 0,
              "/a changed: /b's fingerprint changes with it");
        CHECK(memcmp(a->ops[2].cache.fingerprint, b->ops[2].cache.fingerprint,
                     APIGW_CACHE_FINGERPRINT_LEN) == 0,
              "/c's does not");
    }

#undef NS_SPEC

    apigw_api_free(a);
    apigw_api_free(b);
}


static void
test_statuses(void)
{
    uint16_t            list[] = { 404, 203 };
    apigw_cache_conf_t  conf;

    NOTE("statuses stored");

    apigw_cache_conf_init(&conf);

    CHECK(!apigw_cache_status_stored(&conf, 199)
          && apigw_cache_status_stored(&conf, 200)
          && apigw_cache_status_stored(&conf, 204)
          && apigw_cache_status_stored(&conf, 299)
          && !apigw_cache_status_stored(&conf, 300)
          && !apigw_cache_status_stored(&conf, 404)
          && !apigw_cache_status_stored(&conf, 429)
          && !apigw_cache_status_stored(&conf, 500),
          "no list: 200 to 299");

    conf.statuses = list;
    conf.nstatuses = 2;

    CHECK(apigw_cache_status_stored(&conf, 404)
          && apigw_cache_status_stored(&conf, 203)
          && !apigw_cache_status_stored(&conf, 200)
          && !apigw_cache_status_stored(&conf, 500),
          "a list: its statuses only");
}


typedef struct {
    const char  *v1;
    const char  *v2;            /* a second header, or NULL */
    long         max_age;
    long         s_maxage;
    const char  *flags;         /* S no-store, C no-cache, P private,
                                   U public */
    int          storable;
    int          refresh;
} cc_case_t;


static const cc_case_t  cc_cases[] = {
    { "", NULL, -1, -1, "", 1, 0 },
    { "max-age=60", NULL, 60, -1, "", 1, 0 },
    { "MAX-AGE=60, Public", NULL, 60, -1, "U", 1, 0 },
    { "public,max-age=60,s-maxage=120", NULL, 60, 120, "U", 1, 0 },
    { "s-maxage=\"120\"", NULL, -1, 120, "", 1, 0 },
    { "max-age=\"30\"", NULL, 30, -1, "", 1, 0 },
    { "max-age=0", NULL, 0, -1, "", 1, 1 },
    { "max-age=000", NULL, 0, -1, "", 1, 1 },
    { "no-cache", NULL, -1, -1, "C", 0, 1 },
    { "No-Cache=\"Set-Cookie, X-Foo\", max-age=5", NULL, 5, -1, "C", 0, 1 },
    { "private", NULL, -1, -1, "P", 0, 0 },
    { "private=\"x-a, x-b\", max-age=3", NULL, 3, -1, "P", 0, 0 },
    { "no-store", NULL, -1, -1, "S", 0, 0 },
    { "NO-STORE", NULL, -1, -1, "S", 0, 0 },
    { "max-age=abc", NULL, -1, -1, "", 1, 0 },
    { "max-age=-1", NULL, -1, -1, "", 1, 0 },
    { "max-age=", NULL, -1, -1, "", 1, 0 },
    { "max-age=\"\"", NULL, -1, -1, "", 1, 0 },
    { "max-age=1x", NULL, -1, -1, "", 1, 0 },
    { "max-age=+5", NULL, -1, -1, "", 1, 0 },
    { "max-age=5.0", NULL, -1, -1, "", 1, 0 },
    { "max-age = 5", NULL, -1, -1, "", 1, 0 },
    { "max-age=60 junk, s-maxage=1", NULL, -1, 1, "", 1, 0 },
    { "max-age=\"6", NULL, -1, -1, "", 1, 0 },
    { "max-age=\"1\\0\"", NULL, -1, -1, "", 1, 0 },
    { "max-age", NULL, -1, -1, "", 1, 0 },
    { "max-age=99999999999999999999", NULL, 2147483647L, -1, "", 1, 0 },
    { "max-age=2147483648", NULL, 2147483647L, -1, "", 1, 0 },
    { "max-age=60", "max-age=10", 10, -1, "", 1, 0 },
    { "max-age=10, max-age=60", NULL, 10, -1, "", 1, 0 },
    { "max-age=10, max-age=x", NULL, 10, -1, "", 1, 0 },
    { "max-age=10", "no-store", 10, -1, "S", 0, 0 },
    { "s-maxage=9", "max-age=0, private", 0, 9, "P", 0, 1 },
    { ",, ,max-age=5,,", NULL, 5, -1, "", 1, 0 },
    { "foo=bar, max-age=7", NULL, 7, -1, "", 1, 0 },
    { "ext=\"a,max-age=0,no-store\", max-age=9", NULL, 9, -1, "", 1, 0 },
    { "nostore, no_cache, privates", NULL, -1, -1, "", 1, 0 },
    { "\tmax-age=4\t,\tno-cache\t", NULL, 4, -1, "C", 0, 1 },
    { "=5, ;x, max-age=2", NULL, 2, -1, "", 1, 0 },
    { "must-revalidate, proxy-revalidate, no-transform", NULL, -1, -1, "",
      1, 0 },
};


static void
test_cache_control(void)
{
    size_t                  i;
    const cc_case_t        *t;
    apigw_cache_control_t   cc;

    NOTE("Cache-Control");

    for (i = 0; i < sizeof(cc_cases) / sizeof(cc_cases[0]); i++) {
        t = &cc_cases[i];

        apigw_cache_control_init(&cc);
        apigw_cache_control_parse(&cc, t->v1, strlen(t->v1));

        if (t->v2 != NULL) {
            apigw_cache_control_parse(&cc, t->v2, strlen(t->v2));
        }

        CHECK(cc.max_age == t->max_age && cc.s_maxage == t->s_maxage
              && cc.no_store == (strchr(t->flags, 'S') != NULL)
              && cc.no_cache == (strchr(t->flags, 'C') != NULL)
              && cc.private_ == (strchr(t->flags, 'P') != NULL)
              && cc.public_ == (strchr(t->flags, 'U') != NULL)
              && apigw_cache_control_storable(&cc) == t->storable
              && apigw_cache_control_refresh(&cc) == t->refresh,
              "Cache-Control: %s%s%s: max-age %ld, s-maxage %ld, "
              "%d%d%d%d, storable %d, refresh %d", t->v1,
              t->v2 ? " + " : "", t->v2 ? t->v2 : "", cc.max_age,
              cc.s_maxage, cc.no_store, cc.no_cache, cc.private_,
              cc.public_, apigw_cache_control_storable(&cc),
              apigw_cache_control_refresh(&cc));
    }

    /* the length, not a NUL, ends the value */
    apigw_cache_control_init(&cc);
    apigw_cache_control_parse(&cc, "max-age=12no-store", 10);
    CHECK(cc.max_age == 12 && !cc.no_store, "the value's length is its end");
}


static void
test_vary(void)
{
    size_t               i;
    apigw_cache_conf_t   conf;

    static apigw_cache_param_t  params[] = {
        { APIGW_CACHE_PARAM_HEADER, "x-tenant", 8, 0 },
        { APIGW_CACHE_PARAM_QUERY, "lang", 4, 0 },
    };

    static const struct {
        const char  *v;
        int          covered;
        int          bare;      /* with no key parameters */
    } cases[] = {
        { "", 1, 1 },
        { " , ,", 1, 1 },
        { "Accept-Encoding", 1, 1 },
        { "accept-encoding", 1, 1 },
        { "accept-encoding, X-Tenant", 1, 0 },
        { " X-TENANT ,\taccept-encoding ", 1, 0 },
        { "x-tenant,x-tenant", 1, 0 },
        { "*", 0, 0 },
        { "Accept-Encoding, *", 0, 0 },
        { "Accept", 0, 0 },
        { "Origin, X-Tenant", 0, 0 },
        { "lang", 0, 0 },
        { "x-tenant2", 0, 0 },
        { "x-tenan", 0, 0 },
        { "x-tenant;q", 0, 0 },
        { "x-tenant=1", 0, 0 },
        { "x tenant", 0, 0 },
        { "Accept-Encoding x-tenant", 0, 0 },
    };

    NOTE("Vary");

    apigw_cache_conf_init(&conf);

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        CHECK(apigw_cache_vary_covered(&conf, cases[i].v,
                                       strlen(cases[i].v))
              == cases[i].bare,
              "no key parameters: Vary \"%s\": %d", cases[i].v,
              cases[i].bare);
    }

    conf.params = params;
    conf.nparams = sizeof(params) / sizeof(params[0]);

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        CHECK(apigw_cache_vary_covered(&conf, cases[i].v,
                                       strlen(cases[i].v))
              == cases[i].covered,
              "key header x-tenant, query lang: Vary \"%s\": %d",
              cases[i].v, cases[i].covered);
    }
}


#define GZ   APIGW_CACHE_GZIP
#define DF   APIGW_CACHE_DEFLATE
#define BR   APIGW_CACHE_BR
#define ZS   APIGW_CACHE_ZSTD
#define CO   APIGW_CACHE_COMPRESS
#define ALL  (GZ | DF | BR | ZS | CO)


static void
test_encodings(void)
{
    size_t  i;

    static const struct {
        const char  *v;
        unsigned     set;
    } cases[] = {
        { "", 0 },
        { "gzip", GZ },
        { "gzip, deflate, br, zstd", GZ | DF | BR | ZS },
        { "x-gzip", GZ },
        { "X-Compress", CO },
        { "compress", CO },
        { "GZIP;q=0.5", GZ },
        { "gzip;q=0", 0 },
        { "gzip;q=0.", 0 },
        { "gzip;q=0.0", 0 },
        { "gzip; q=0.00", 0 },
        { "gzip;Q=0.000", 0 },
        { "gzip ;q=0", 0 },
        { "gzip;q=0 ", 0 },
        { "gzip;level=1;q=0", 0 },
        { "gzip;q=0;level=1", 0 },
        { "gzip;q=0.001", GZ },
        { "gzip;q=0.0001", GZ },
        { "gzip;q=1", GZ },
        { "gzip;q=1.000", GZ },
        { "gzip;q=00", GZ },
        { "*", ALL },
        { "*;q=0", 0 },
        { "*;q=0.1", ALL },
        { "gzip;q=0, *", ALL & ~GZ },
        { "*, br;q=0, zstd;q=0", GZ | DF | CO },
        { "identity", 0 },
        { "identity, *;q=0", 0 },
        { "identity;q=1, gzip", GZ },
        { "br;q=0.5, gzip;q=0", BR },
        { "zstd,unknown,br", ZS | BR },
        { "gzip;foo=\"a,br\", deflate", GZ | DF },
        { "gzip, gzip;q=0", GZ },
        { " ,\tbr\t, ", BR },
        { "gzipx, xgzip, gzip-x", 0 },
    };

    NOTE("Accept-Encoding");

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        CHECK(apigw_cache_encodings(cases[i].v, strlen(cases[i].v))
              == cases[i].set,
              "Accept-Encoding \"%s\": 0x%02x", cases[i].v, cases[i].set);
    }

    CHECK(apigw_cache_encodings("gzip;q=0", 6) == GZ,
          "the value's length is its end");
}


static void
test_key_field(void)
{
    unsigned char   buf[512], *p;
    unsigned char   big[300];

    NOTE("key fields");

    memset(buf, 0xee, sizeof(buf));

    p = apigw_cache_key_field(buf, "abc", 3);
    CHECK(p == buf + APIGW_CACHE_FIELD_LEN(3)
          && memcmp(buf, "\0\0\0\3abc", 7) == 0 && buf[7] == 0xee,
          "a length of four bytes, then the bytes");

    p = apigw_cache_key_field(p, NULL, 0);
    CHECK(p == buf + 11 && memcmp(buf + 7, "\0\0\0\0", 4) == 0,
          "an empty field: its length only");

    memset(big, 'x', sizeof(big));
    p = apigw_cache_key_field(buf, big, sizeof(big));
    CHECK(p == buf + 304 && memcmp(buf, "\0\0\1\54", 4) == 0
          && buf[4] == 'x' && buf[303] == 'x', "300 bytes: 00 00 01 2c");

    /* "ab" + "c" and "a" + "bc" differ */
    apigw_cache_key_field(apigw_cache_key_field(buf, "ab", 2), "c", 1);
    apigw_cache_key_field(apigw_cache_key_field(buf + 100, "a", 1), "bc", 2);
    CHECK(memcmp(buf, buf + 100, 11) != 0, "no two lists collide");
}


static int
response_equal(const apigw_cache_response_t *a,
    const apigw_cache_response_t *b)
{
    size_t  i;

    if (a->status != b->status || a->nheaders != b->nheaders
        || a->content_type_len != b->content_type_len
        || a->body_len != b->body_len
        || memcmp(a->content_type, b->content_type, a->content_type_len) != 0
        || memcmp(a->body, b->body, a->body_len) != 0)
    {
        return 0;
    }

    for (i = 0; i < a->nheaders; i++) {
        if (a->headers[i].name_len != b->headers[i].name_len
            || a->headers[i].value_len != b->headers[i].value_len
            || memcmp(a->headers[i].name, b->headers[i].name,
                      a->headers[i].name_len) != 0
            || memcmp(a->headers[i].value, b->headers[i].value,
                      a->headers[i].value_len) != 0)
        {
            return 0;
        }
    }

    return 1;
}


/* what the reader gives lies within the buffer */
static int
response_within(const apigw_cache_response_t *r, const unsigned char *buf,
    size_t len)
{
    size_t       i;
    const char  *b, *e;

    b = (const char *) buf;
    e = b + len;

#define WITHIN(p, n)  ((const char *) (p) >= b && (n) <= (size_t) (e - b)     \
                       && (const char *) (p) <= e - (n))

    if (!WITHIN(r->content_type, r->content_type_len)
        || !WITHIN(r->body, r->body_len)
        || r->nheaders > APIGW_CACHE_MAX_HEADERS)
    {
        return 0;
    }

    for (i = 0; i < r->nheaders; i++) {
        if (!WITHIN(r->headers[i].name, r->headers[i].name_len)
            || !WITHIN(r->headers[i].value, r->headers[i].value_len))
        {
            return 0;
        }
    }

#undef WITHIN

    return 1;
}


static void
test_response(void)
{
    int                      bad;
    char                     names[APIGW_CACHE_MAX_HEADERS + 1][8];
    size_t                   i, size, len;
    uint32_t                 seed;
    unsigned char           *buf, *end, *copy;
    apigw_cache_header_t     hs[APIGW_CACHE_MAX_HEADERS + 1];
    apigw_cache_header_t     got_h[APIGW_CACHE_MAX_HEADERS];
    apigw_cache_response_t   resp, got;

    static const unsigned char  body[] = "{\"id\":1,\"name\":\"\0x\"}";

    static const apigw_cache_header_t  two[] = {
        { "X-Total", 7, "12", 2 },
        { "ETag", 4, "", 0 },
    };

    NOTE("a stored response's bytes");

    memcpy(hs, two, sizeof(two));

    resp.status = 203;
    resp.content_type = "application/json";
    resp.content_type_len = 16;
    resp.headers = hs;
    resp.nheaders = 2;
    resp.body = body;
    resp.body_len = sizeof(body) - 1;

    size = apigw_cache_response_size(&resp);
    buf = malloc(size + 1);
    end = apigw_cache_response_write(buf, &resp);

    CHECK(end == buf + size
          && size == 8 + 4 + 16 + (4 + 7 + 4 + 2) + (4 + 4 + 4) + 4
                     + sizeof(body) - 1,
          "the size is what is written: %zu", size);
    CHECK(memcmp(buf, "AGC1\0\313\0\2\0\0\0\20application/json", 28) == 0,
          "magic, version, status, headers, content type");

    memset(&got, 0, sizeof(got));
    CHECK(apigw_cache_response_read(buf, size, &got, got_h) == 0
          && response_equal(&resp, &got) && got.headers == got_h
          && response_within(&got, buf, size),
          "read back: the same, pointing into the buffer");

    /* cut short anywhere: refused */
    for (bad = 0, len = 0; len < size; len++) {
        copy = malloc(len ? len : 1);
        memcpy(copy, buf, len);
        bad += (apigw_cache_response_read(copy, len, &got, got_h) != -1);
        free(copy);
    }

    CHECK(bad == 0, "every truncation refused");

    buf[size] = 0;
    CHECK(apigw_cache_response_read(buf, size + 1, &got, got_h) == -1,
          "a byte after the body refused");

    buf[3] = '2';
    CHECK(apigw_cache_response_read(buf, size, &got, got_h) == -1,
          "another version refused");
    buf[3] = '1';
    buf[0] = 'X';
    CHECK(apigw_cache_response_read(buf, size, &got, got_h) == -1,
          "bad magic refused");
    buf[0] = 'A';

    buf[4] = 0;
    buf[5] = 99;
    CHECK(apigw_cache_response_read(buf, size, &got, got_h) == -1,
          "status 99 refused");
    buf[4] = 0x03;
    buf[5] = 0xe8;
    CHECK(apigw_cache_response_read(buf, size, &got, got_h) == -1,
          "status 1000 refused");
    buf[4] = 0;
    buf[5] = 203;

    buf[7] = 3;
    CHECK(apigw_cache_response_read(buf, size, &got, got_h) == -1,
          "more headers than there are refused");
    buf[7] = 1;
    CHECK(apigw_cache_response_read(buf, size, &got, got_h) == -1,
          "fewer headers than there are refused");
    buf[7] = 2;

    memset(buf + 8, 0xff, 4);
    CHECK(apigw_cache_response_read(buf, size, &got, got_h) == -1,
          "a length past the end refused");
    memcpy(buf + 8, "\0\0\0\20", 4);

    CHECK(apigw_cache_response_read(NULL, 0, &got, got_h) == -1
          && apigw_cache_response_read(buf, 0, &got, got_h) == -1
          && apigw_cache_response_read((unsigned char *) "AGC1", 4, &got,
                                       got_h) == -1,
          "nothing, or the magic alone, refused");

    /* garbled: refused, or what it reads lies within the bytes */
    copy = malloc(size);
    seed = 1;

    for (bad = 0, i = 0; i < 20000; i++) {
        memcpy(copy, buf, size);

        for (len = 0; len < 1 + i % 4; len++) {
            seed = seed * 1103515245 + 12345;
            copy[(seed >> 8) % size] ^= (unsigned char) (1 + (seed >> 20));
        }

        if (apigw_cache_response_read(copy, size, &got, got_h) == 0
            && !response_within(&got, copy, size))
        {
            bad++;
        }
    }

    CHECK(bad == 0, "20,000 garbled copies: refused or within bounds");
    free(copy);
    free(buf);

    /* empty content type and body; the most headers */
    for (i = 0; i <= APIGW_CACHE_MAX_HEADERS; i++) {
        snprintf(names[i], sizeof(names[i]), "h%zu", i);
        hs[i].name = names[i];
        hs[i].name_len = strlen(names[i]);
        hs[i].value = names[i];
        hs[i].value_len = 1;
    }

    resp.status = 404;
    resp.content_type = "";
    resp.content_type_len = 0;
    resp.nheaders = APIGW_CACHE_MAX_HEADERS;
    resp.body = (const unsigned char *) "";
    resp.body_len = 0;

    size = apigw_cache_response_size(&resp);
    buf = malloc(size);

    CHECK(apigw_cache_response_write(buf, &resp) == buf + size
          && apigw_cache_response_read(buf, size, &got, got_h) == 0
          && response_equal(&resp, &got) && got.content_type_len == 0
          && got.body_len == 0,
          "64 headers, no content type, no body: read back");
    free(buf);

    resp.nheaders = APIGW_CACHE_MAX_HEADERS + 1;
    size = apigw_cache_response_size(&resp);
    buf = malloc(size);
    apigw_cache_response_write(buf, &resp);

    CHECK(apigw_cache_response_read(buf, size, &got, got_h) == -1,
          "65 headers refused");
    free(buf);
}


int
main(void)
{
    if (spec_dir_open() != 0) {
        return 1;
    }

    test_defaults();
    test_members();
    test_aws();
    test_errors();
    test_unusable();
    test_fingerprint();
    test_namespace_fingerprint();
    test_statuses();
    test_cache_control();
    test_vary();
    test_encodings();
    test_key_field();
    test_response();

    spec_dir_close();
    apigw_sha256_free();

    return unit_done();
}
