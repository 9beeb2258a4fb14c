
/*
 * Copyright (C) apigw contributors
 */


/*
 * unit tests for a stage's method settings (apigw_method_settings.c):
 * keys in AWS's forms and the route key's, their errors, how closely
 * they name operations of a spec; settings and their errors; what
 * applies to an operation when several keys name it
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apigw_core.h"
#include "apigw_method_settings.h"
#include "unit.h"
#include "spec_load.h"


#define MOCK  "x-apigw-integration: {type: mock}"

static const char  *spec =
    "openapi: 3.0.3\n"
    "info: {title: t, version: '1'}\n"
    "paths:\n"
    "  /:\n"
    "    get: {" MOCK "}\n"
    "  /pets:\n"
    "    get: {" MOCK "}\n"
    "    post: {" MOCK "}\n"
    "  /pets/{petId}:\n"
    "    get: {" MOCK "}\n"
    "    x-amazon-apigateway-any-method: {" MOCK "}\n"
    "  /rest?method=a:\n"
    "    get: {" MOCK "}\n"
    "  /rest?method=b:\n"
    "    get: {" MOCK "}\n";


static char  path_buf[256];
static char  why[512];


static int
key_is(const char *text, int method, const char *path)
{
    const char          *reason;
    apigw_method_key_t   key;

    reason = NULL;

    if (apigw_method_key_parse(text, strlen(text), path_buf, &key, &reason)
        != 0)
    {
        NOTE("%s: %s", text, reason ? reason : "(no reason)");
        return 0;
    }

    if (key.method != method) {
        return 0;
    }

    if (path == NULL) {
        return key.path == NULL;
    }

    return key.path != NULL && key.path_len == strlen(path)
           && memcmp(key.path, path, key.path_len) == 0
           && key.path[key.path_len] == '\0';
}


/* refused, saying something with want in it */
static int
key_refused(const char *text, const char *want)
{
    const char          *reason;
    apigw_method_key_t   key;

    reason = NULL;

    if (apigw_method_key_parse(text, strlen(text), path_buf, &key, &reason)
        == 0)
    {
        return 0;
    }

    return reason != NULL && strstr(reason, want) != NULL;
}


static void
test_keys(void)
{
    CHECK(key_is("*/*", APIGW_ANY_METHOD, NULL), "*/*: every operation");
    CHECK(key_is("/pets/{petId}/GET", APIGW_METHOD_GET, "/pets/{petId}"),
          "AWS's RESOURCE/METHOD");
    CHECK(key_is("~1pets~1{petId}/GET", APIGW_METHOD_GET, "/pets/{petId}"),
          "~1 for /");
    CHECK(key_is("/~1pets~1{petId}/GET", APIGW_METHOD_GET, "/pets/{petId}"),
          "CloudFormation's /~1pets~1{petId}");
    CHECK(key_is("pets/{petId}/GET", APIGW_METHOD_GET, "/pets/{petId}"),
          "Terraform's, without the first /");
    CHECK(key_is("/a~0b/GET", APIGW_METHOD_GET, "/a~b"), "~0 for ~");
    CHECK(key_is("//GET", APIGW_METHOD_GET, "/"), "the root, //GET");
    CHECK(key_is("/GET", APIGW_METHOD_GET, "/"), "the root, /GET");
    CHECK(key_is("/pets/*", APIGW_ANY_METHOD, "/pets"),
          "/pets/*: every method of a resource");
    CHECK(key_is("/pets/{petId}/ANY", APIGW_METHOD_ANY, "/pets/{petId}"),
          "ANY, the any-method operation");
    CHECK(key_is("GET /pets/{petId}", APIGW_METHOD_GET, "/pets/{petId}"),
          "the route key");
    CHECK(key_is("get /pets", APIGW_METHOD_GET, "/pets"),
          "a method in any case");
    CHECK(key_is("* /pets", APIGW_ANY_METHOD, "/pets"), "* /pets");
    CHECK(key_is("GET /rest?method=a", APIGW_METHOD_GET, "/rest?method=a"),
          "a route key with a discriminator");
    CHECK(key_is("GET /", APIGW_METHOD_GET, "/"), "GET /");

    CHECK(key_refused("pets", "a key is"), "no method: refused");
    CHECK(key_refused("/pets/FETCH", "method"), "an unknown method");
    CHECK(key_refused("/pets/", "method"), "an empty method");
    CHECK(key_refused("*/GET", "only in \"*/*\""), "*/GET");
    CHECK(key_refused("GET pets", "path such as"), "GET pets");
    CHECK(key_refused("GET  /pets", "path such as"), "two spaces");
    CHECK(key_refused("GET /a /b", "one space"), "a space in the path");
    CHECK(key_refused("FETCH /pets", "method"), "FETCH /pets");
}


static int
equal(const char *a, const char *b)
{
    char                 pa[64], pb[64];
    const char          *reason;
    apigw_method_key_t   ka, kb;

    if (apigw_method_key_parse(a, strlen(a), pa, &ka, &reason) != 0
        || apigw_method_key_parse(b, strlen(b), pb, &kb, &reason) != 0)
    {
        return -1;
    }

    return apigw_method_key_equal(&ka, &kb);
}


static void
test_equal(void)
{
    CHECK(equal("/pets/GET", "GET /pets") == 1, "/pets/GET is GET /pets");
    CHECK(equal("~1pets/*", "* /pets") == 1, "~1pets/* is * /pets");
    CHECK(equal("*/*", "*/*") == 1, "*/* is */*");
    CHECK(equal("/pets/GET", "/pets/*") == 0, "a method is not *");
    CHECK(equal("/pets/GET", "/pets/POST") == 0, "GET is not POST");
    CHECK(equal("/pets/GET", "/pet/GET") == 0, "/pets is not /pet");
    CHECK(equal("*/*", "/pets/*") == 0, "*/* is not /pets/*");
}


static const apigw_operation_t *
find_op(apigw_api_t *api, const char *route_key)
{
    size_t  i;

    for (i = 0; i < api->nops; i++) {
        if (strcmp(api->ops[i].route_key, route_key) == 0) {
            return &api->ops[i];
        }
    }

    return NULL;
}


static int
rank(apigw_api_t *api, const char *key_text, const char *route_key)
{
    char                      p[64];
    const char               *reason;
    apigw_method_key_t        key;
    const apigw_operation_t  *op;

    op = find_op(api, route_key);

    if (op == NULL
        || apigw_method_key_parse(key_text, strlen(key_text), p, &key,
                                  &reason)
           != 0)
    {
        return -2;
    }

    return apigw_method_key_rank(&key, op);
}


static void
test_rank(apigw_api_t *api)
{
    CHECK(rank(api, "*/*", "GET /pets") == 0, "*/*: rank 0");
    CHECK(rank(api, "/pets/*", "GET /pets") == 1, "/pets/*: 1");
    CHECK(rank(api, "/pets/*", "POST /pets") == 1, "... POST too");
    CHECK(rank(api, "/pets/GET", "GET /pets") == 2, "/pets/GET: 2");
    CHECK(rank(api, "/pets/GET", "POST /pets") == -1, "... not POST");
    CHECK(rank(api, "/pets/*", "GET /pets/{petId}") == -1,
          "/pets/* is not /pets/{petId}");
    CHECK(rank(api, "/pets/{id}/GET", "GET /pets/{petId}") == -1,
          "parameter names as the spec writes them");
    CHECK(rank(api, "/pets/{petId}/ANY", "ANY /pets/{petId}") == 2,
          "ANY names the any-method operation");
    CHECK(rank(api, "/pets/{petId}/ANY", "GET /pets/{petId}") == -1,
          "... only");
    CHECK(rank(api, "//GET", "GET /") == 2, "the root");
    CHECK(rank(api, "/rest/GET", "GET /rest?method=a") == 2,
          "a template names its discriminated operations");
    CHECK(rank(api, "/rest/GET", "GET /rest?method=b") == 2, "... each");
    CHECK(rank(api, "GET /rest?method=a", "GET /rest?method=a") == 4,
          "the operation itself: 4");
    CHECK(rank(api, "* /rest?method=a", "GET /rest?method=a") == 3,
          "... with *: 3");
    CHECK(rank(api, "GET /rest?method=a", "GET /rest?method=b") == -1,
          "not its sibling");
}


static int
setting(apigw_method_settings_t *s, const char *arg)
{
    return apigw_method_setting_parse(s, arg, strlen(arg), why, sizeof(why));
}


static int
refused(const char *arg, const char *want)
{
    apigw_method_settings_t  s;

    apigw_method_settings_init(&s);
    why[0] = '\0';

    if (setting(&s, arg) == 0) {
        return 0;
    }

    if (strstr(why, want) == NULL) {
        NOTE("%s: %s", arg, why);
        return 0;
    }

    return 1;
}


static void
test_settings(void)
{
    apigw_method_settings_t  s;

    apigw_method_settings_init(&s);

    CHECK(s.throttle == APIGW_SETTING_UNSET && s.cache == APIGW_SETTING_UNSET
          && s.cache_ttl == APIGW_SETTING_UNSET
          && s.cache_require_authorization == APIGW_SETTING_UNSET
          && s.cache_unauthorized == APIGW_SETTING_UNSET
          && s.log_level == APIGW_SETTING_UNSET
          && s.metrics == APIGW_SETTING_UNSET
          && s.validation_details == APIGW_SETTING_UNSET,
          "every setting unset at first");

    CHECK(setting(&s, "throttle=0.5/3") == 0 && s.throttle == 1
          && s.limits.rate == 0.5 && s.limits.burst == 3,
          "throttle=0.5/3");
    CHECK(setting(&s, "cache=on") == 0 && s.cache == 1, "cache=on");
    CHECK(setting(&s, "cache_ttl=60s") == 0 && s.cache_ttl == 60,
          "cache_ttl=60s");
    CHECK(setting(&s, "cache_require_authorization=off") == 0
          && s.cache_require_authorization == 0,
          "cache_require_authorization=off");
    CHECK(setting(&s, "cache_unauthorized_strategy=FAIL_WITH_403") == 0
          && s.cache_unauthorized == APIGW_CACHE_FAIL_WITH_403,
          "cache_unauthorized_strategy=FAIL_WITH_403");
    CHECK(setting(&s, "log_level=INFO") == 0
          && s.log_level == APIGW_LOG_INFO, "log_level=INFO, AWS's");
    CHECK(setting(&s, "metrics=off") == 0 && s.metrics == 0, "metrics=off");
    CHECK(setting(&s, "validation_details=on") == 0
          && s.validation_details == 1, "validation_details=on");

    CHECK(setting(&s, "metrics=on") == -1 && strstr(why, "twice") != NULL,
          "a setting twice: refused");

    apigw_method_settings_init(&s);

    CHECK(setting(&s, "throttle=off") == 0 && s.throttle == 0,
          "throttle=off");
    CHECK(setting(&s, "cache_ttl=0") == 0 && s.cache_ttl == 0, "cache_ttl=0");
    CHECK(setting(&s, "log_level=off") == 0 && s.log_level == APIGW_LOG_CRIT,
          "log_level=off: crit");

    CHECK(refused("throttle=10", "RATE/BURST"), "throttle=10");
    CHECK(refused("throttle=0/10", "RATE/BURST"), "throttle=0/10");
    CHECK(refused("throttle=10/0", "RATE/BURST"), "throttle=10/0");
    CHECK(refused("throttle=10/", "RATE/BURST"), "throttle=10/");
    CHECK(refused("throttle=10/2x", "RATE/BURST"), "throttle=10/2x");
    CHECK(refused("throttle=nan/2", "RATE/BURST"), "throttle=nan/2");
    CHECK(refused("throttle=2000000/2", "RATE/BURST"),
          "throttle=2000000/2: over the maximum");
    CHECK(refused("throttle=1/20000000", "RATE/BURST"),
          "a burst over the maximum");
    CHECK(refused("cache=yes", "on or off"), "cache=yes");
    CHECK(refused("cache_ttl=3601", "0 to 3600"), "cache_ttl=3601");
    CHECK(refused("cache_ttl=5m", "0 to 3600"), "cache_ttl=5m");
    CHECK(refused("cache_ttl=", "0 to 3600"), "cache_ttl=");
    CHECK(refused("cache_ttl=99999", "0 to 3600"), "cache_ttl=99999");
    CHECK(refused("cache_unauthorized_strategy=fail_with_403",
                  "FAIL_WITH_403"), "strategies in capitals");
    CHECK(refused("log_level=debug", "log_level is"), "log_level=debug");
    CHECK(refused("metrics", "NAME=VALUE"), "no value");
    CHECK(refused("caching=on", "unknown setting \"caching\""),
          "an unknown setting, named");
    CHECK(refused("throttlingRateLimit=10", "unknown setting"),
          "AWS's own names are not settings");
}


static void
entry(apigw_method_entry_t *e, char *path, const char *key, const char *a,
    const char *b)
{
    const char  *reason;

    memset(e, 0, sizeof(apigw_method_entry_t));
    apigw_method_settings_init(&e->settings);

    if (apigw_method_key_parse(key, strlen(key), path, &e->key, &reason)
        != 0)
    {
        NOTE("%s: %s", key, reason);
    }

    if (a) {
        (void) setting(&e->settings, a);
    }

    if (b) {
        (void) setting(&e->settings, b);
    }
}


static void
test_resolve(apigw_api_t *api)
{
    char                      paths[5][64];
    apigw_method_entry_t      e[5];
    apigw_method_settings_t   s;
    const apigw_operation_t  *op;

    /* written from the most specific to the least: order does not count */
    entry(&e[0], paths[0], "GET /rest?method=a", "metrics=on", NULL);
    entry(&e[1], paths[1], "/rest/GET", "metrics=off", "cache=on");
    entry(&e[2], paths[2], "/pets/*", "throttle=5/10", "cache_ttl=30");
    entry(&e[3], paths[3], "*/*", "throttle=100/200", "cache=off");
    entry(&e[4], paths[4], "/pets/GET", "cache=on", NULL);

    op = find_op(api, "GET /pets");
    apigw_method_settings_resolve(e, 5, op, &s);

    CHECK(s.throttle == 1 && s.limits.rate == 5 && s.limits.burst == 10,
          "GET /pets: the resource's throttle over */*'s");
    CHECK(s.cache == 1 && s.cache_method_named,
          "... its method's cache=on over */*'s off, named");
    CHECK(s.cache_ttl == 30, "... the resource's cache_ttl");
    CHECK(s.metrics == APIGW_SETTING_UNSET
          && s.log_level == APIGW_SETTING_UNSET,
          "... what none sets stays unset");

    op = find_op(api, "POST /pets");
    apigw_method_settings_resolve(e, 5, op, &s);

    CHECK(s.cache == 0 && !s.cache_method_named,
          "POST /pets: */*'s cache=off");

    op = find_op(api, "GET /pets/{petId}");
    apigw_method_settings_resolve(e, 5, op, &s);

    CHECK(s.throttle == 1 && s.limits.rate == 100 && s.limits.burst == 200
          && s.cache_ttl == APIGW_SETTING_UNSET,
          "GET /pets/{petId}: */* alone");

    op = find_op(api, "GET /rest?method=a");
    apigw_method_settings_resolve(e, 5, op, &s);

    CHECK(s.metrics == 1 && s.cache == 1,
          "GET /rest?method=a: its own metrics, its template's cache");

    op = find_op(api, "GET /rest?method=b");
    apigw_method_settings_resolve(e, 5, op, &s);

    CHECK(s.metrics == 0, "GET /rest?method=b: its template's metrics");

    apigw_method_settings_resolve(e, 0, op, &s);

    CHECK(s.throttle == APIGW_SETTING_UNSET && s.cache == APIGW_SETTING_UNSET,
          "no entries: nothing set");
}


int
main(void)
{
    apigw_api_t  *api;

    test_keys();
    test_equal();
    test_settings();

    if (spec_dir_open() != 0) {
        return 1;
    }

    api = load_text(spec);

    CHECK(api != NULL, "the spec loads: %s", err.message);

    if (api) {
        test_rank(api);
        test_resolve(api);
        apigw_api_free(api);
    }

    spec_dir_close();

    return unit_done();
}
