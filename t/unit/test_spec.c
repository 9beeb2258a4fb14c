
/*
 * Copyright (C) apigw contributors
 */


/*
 * unit tests for apigw_api_load(): documents, $refs, the compiled model
 * and the errors.  Runs with cwd = t/unit, the fixtures are in specs/.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "apigw_core.h"
#include "apigw_schema.h"
#include "unit.h"


#define ANY_LINE    ((unsigned) -1)


static apigw_error_t  err;


static const char *
basename_of(const char *path)
{
    const char  *slash;

    slash = strrchr(path, '/');

    return slash ? slash + 1 : path;
}


static apigw_api_t *
load(const char *path)
{
    char          buf[sizeof(apigw_error_t) + 64];
    apigw_api_t  *api;

    memset(&err, 0, sizeof(err));

    api = apigw_api_load(path, APIGW_LOAD_STRICT, &err);

    if (api == NULL) {
        apigw_error_format(&err, buf, sizeof(buf));
        NOTE("%s: %s", path, buf);
    }

    return api;
}


/*
 * The spec must fail with this file (basename), pointer (a trailing "*"
 * matches a prefix), line (ANY_LINE: not checked) and message substring.
 */
static int
fails(const char *path, const char *file, const char *pointer,
    unsigned line, const char *message)
{
    int           ok;
    char          buf[sizeof(apigw_error_t) + 64];
    size_t        plen;
    apigw_api_t  *api;

    memset(&err, 0, sizeof(err));

    api = apigw_api_load(path, APIGW_LOAD_STRICT, &err);

    if (api) {
        NOTE("%s: loaded, %zu operations", path, api->nops);
        apigw_api_free(api);
        return 0;
    }

    plen = strlen(pointer);

    if (plen && pointer[plen - 1] == '*') {
        ok = (strncmp(err.pointer, pointer, plen - 1) == 0);

    } else {
        ok = (strcmp(err.pointer, pointer) == 0);
    }

    ok = ok && (strcmp(file, "*") == 0
                || strcmp(basename_of(err.file), file) == 0)
         && (line == ANY_LINE || err.line == line)
         && strstr(err.message, message) != NULL;

    if (!ok) {
        apigw_error_format(&err, buf, sizeof(buf));
        NOTE("%s: got %s", path, buf);
        NOTE("expected file \"%s\", pointer \"%s\", line %d, message \"%s\"",
             file, pointer, (int) line, message);
    }

    return ok;
}


static apigw_operation_t *
find_op(apigw_api_t *api, const char *route_key)
{
    size_t  i;

    for (i = 0; i < api->nops; i++) {
        if (strcmp(api->ops[i].route_key, route_key) == 0) {
            return &api->ops[i];
        }
    }

    NOTE("no operation \"%s\"", route_key);

    return NULL;
}


/* "L:text|P:name|S:name|C:name" */
static int
tpl_is(const apigw_tpl_t *tpl, const char *expect)
{
    char          buf[2048];
    size_t        i, n;
    const char   *kind;

    if (tpl == NULL) {
        NOTE("no template, expected \"%s\"", expect);
        return 0;
    }

    buf[0] = '\0';
    n = 0;

    for (i = 0; i < tpl->nparts; i++) {
        kind = (tpl->parts[i].kind == APIGW_TPL_LITERAL) ? "L"
               : (tpl->parts[i].kind == APIGW_TPL_PATH_PARAM) ? "P"
               : (tpl->parts[i].kind == APIGW_TPL_STAGE_VAR) ? "S"
               : (tpl->parts[i].kind == APIGW_TPL_CONTEXT) ? "C" : "?";

        n += snprintf(buf + n, n < sizeof(buf) ? sizeof(buf) - n : 0,
                      "%s%s:%.*s", i ? "|" : "", kind,
                      (int) tpl->parts[i].len, tpl->parts[i].text);
    }

    if (strcmp(buf, expect) != 0) {
        NOTE("template \"%s\", expected \"%s\"", buf, expect);
        return 0;
    }

    return 1;
}


static int
header_is(const apigw_header_t *headers, size_t n, size_t i,
    const char *name, const char *value)
{
    if (i >= n) {
        NOTE("no header %zu", i);
        return 0;
    }

    if (strcmp(headers[i].name, name) != 0
        || strcmp(headers[i].value, value) != 0)
    {
        NOTE("header %zu is \"%s: %s\"", i, headers[i].name,
             headers[i].value);
        return 0;
    }

    return 1;
}


static int
str_is(const char *s, const char *expect)
{
    if (s == NULL || strcmp(s, expect) != 0) {
        NOTE("\"%s\", expected \"%s\"", s ? s : "(null)", expect);
        return 0;
    }

    return 1;
}


/* the request's discriminator parameters: "a=1&b=2", names in any case */
static const char  *req_header;
static const char  *req_query;


static int
lookup(void *data, apigw_param_in_e in, const char *name, size_t len,
    const char **value, size_t *vlen)
{
    const char  *p;

    (void) data;

    p = (in == APIGW_IN_HEADER) ? req_header : req_query;

    while (p && *p) {
        if (strncasecmp(p, name, len) == 0 && p[len] == '=') {
            *value = p + len + 1;
            *vlen = strcspn(*value, "&");
            return 1;
        }

        p = strchr(p, '&');
        p = p ? p + 1 : NULL;
    }

    return 0;
}


/* routes a request through the compiled router */
static apigw_operation_t *
route(apigw_api_t *api, int method, const char *path, apigw_route_rc_e *rc,
    apigw_match_t *m)
{
    char              *scratch;
    size_t             len;
    apigw_route_rc_e   res;

    len = strlen(path);
    scratch = malloc(len + 1);

    res = apigw_router_match(api->router, path, len, method, scratch, m,
                             lookup, NULL);

    free(scratch);

    if (rc) {
        *rc = res;
    }

    return (res == APIGW_ROUTE_OK) ? m->value : NULL;
}


static void
test_pointer(void)
{
    json_t  *doc;

    doc = json_loads("{\"a\": {\"b\": [10, 20, {\"c\": true}]},"
                     " \"x/y\": 1, \"m~n\": 2, \"\": 3, \"p q\": 4,"
                     " \"%41\": 5}", 0, NULL);

#define PTR(s)  apigw_pointer_get(doc, s, strlen(s))

    CHECK(PTR("") == doc, "pointer \"\" is the root");
    CHECK(PTR("/a/b") == json_object_get(json_object_get(doc, "a"), "b"),
          "pointer /a/b");
    CHECK(json_integer_value(PTR("/a/b/1")) == 20, "pointer /a/b/1");
    CHECK(json_is_true(PTR("/a/b/2/c")), "pointer /a/b/2/c");
    CHECK(PTR("/a/b/3") == NULL && PTR("/a/b/-") == NULL
          && PTR("/a/b/01") == NULL && PTR("/a/b/+1") == NULL
          && PTR("/a/b/1x") == NULL, "bad array indexes");
    CHECK(json_integer_value(PTR("/x~1y")) == 1, "~1 is /");
    CHECK(json_integer_value(PTR("/m~0n")) == 2, "~0 is ~");
    CHECK(json_integer_value(PTR("/")) == 3, "pointer / is the key \"\"");
    CHECK(json_integer_value(PTR("/p%20q")) == 4, "fragments are "
          "percent-decoded");
    CHECK(json_integer_value(PTR("/%2541")) == 5, "%%25 is %%");
    CHECK(PTR("a") == NULL, "a pointer starts with /");
    CHECK(PTR("/nope") == NULL && PTR("/a/nope") == NULL
          && PTR("/a/b/2/c/d") == NULL, "missing members");
    CHECK(PTR("/a%00") == NULL && PTR("/a%") == NULL && PTR("/a%g0") == NULL,
          "bad escapes in a pointer");

#undef PTR

    json_decref(doc);
}


static void
test_petstore_30(void)
{
    size_t                     i;
    apigw_api_t               *api;
    apigw_match_t              m;
    apigw_route_rc_e           rc;
    apigw_operation_t         *op;
    apigw_gateway_response_t  *gr;

    api = load("specs/petstore-30.json");
    CHECK(api != NULL, "3.0 JSON spec with file and local refs loads");

    if (api == NULL) {
        return;
    }

    CHECK(!api->oas31, "3.0 is not 3.1");
    CHECK(api->nops == 10, "10 operations (%zu)", api->nops);
    CHECK(api->docs->ndocs == 3, "3 documents: the spec, a path item file "
          "and common.yaml (%u)", api->docs->ndocs);

    op = find_op(api, "GET /pets");
    CHECK(op && op->method == APIGW_METHOD_GET
          && str_is(op->path, "/pets")
          && str_is(op->operation_id, "listPets") && op->nparams == 0,
          "GET /pets: method, path, operationId");
    CHECK(op && op->integration.type == APIGW_INTEGRATION_HTTP
          && tpl_is(op->integration.uri, "L:http://backend:8080/pets")
          && apigw_tpl_is_literal(op->integration.uri)
          && op->integration.method == NULL
          && op->integration.timeout_ms == 50,
          "GET /pets: http_proxy integration, timeout 50");
    CHECK(op && str_is(basename_of(op->loc.doc->path), "petstore-30.json")
          && str_is(op->loc.pointer, "/paths/~1pets/get"),
          "GET /pets: location");

    op = find_op(api, "POST /pets");
    CHECK(op && str_is(op->operation_id, "createPet")
          && op->integration.type == APIGW_INTEGRATION_MOCK
          && op->integration.status == 201,
          "POST /pets: mock 201");
    CHECK(op && op->integration.nheaders == 2
          && header_is(op->integration.headers, op->integration.nheaders, 0,
                       "Location", "/pets/1")
          && header_is(op->integration.headers, op->integration.nheaders, 1,
                       "X-Mock", "yes"), "POST /pets: mock headers");
    CHECK(op && str_is(op->integration.body, "{\"id\":1,\"name\":\"rex\"}")
          && op->integration.body_len == 21,
          "POST /pets: a JSON mock body is compact JSON");

    op = find_op(api, "GET /pets/{petId}");
    CHECK(op && str_is(op->operation_id, "showPetById")
          && op->nparams == 1 && str_is(op->param_names[0], "petId"),
          "GET /pets/{petId}: param_names");
    CHECK(op && op->integration.type == APIGW_INTEGRATION_HTTP
          && str_is(op->integration.method, "POST")
          && op->integration.timeout_ms == 29000
          && tpl_is(op->integration.uri,
                    "L:https://|S:host|L:/v1/pets/|P:petId"),
          "GET /pets/{petId}: type HTTP, method uppercased, timeout as a "
          "string, uri template");

    op = find_op(api, "DELETE /pets/{petId}");
    CHECK(op && str_is(op->operation_id, "")
          && op->integration.type == APIGW_INTEGRATION_DEFAULT
          && op->integration.uri == NULL
          && op->integration.timeout_ms == APIGW_TIMEOUT_MAX,
          "DELETE /pets/{petId}: no operationId, default integration");

    op = find_op(api, "HEAD /pets/{petId}");
    CHECK(op && op->integration.type == APIGW_INTEGRATION_MOCK
          && op->integration.status == 204 && op->integration.nheaders == 0
          && str_is(op->integration.body, "plain text")
          && op->integration.body_len == 10,
          "HEAD /pets/{petId}: mock statusCode \"204\", a string body");

    op = find_op(api, "GET /pets/{petId}/photos/{photoId}");
    CHECK(op && op->nparams == 2 && str_is(op->param_names[0], "petId")
          && str_is(op->param_names[1], "photoId")
          && op->integration.method == NULL
          && tpl_is(op->integration.uri,
                    "L:http://backend/photos/|P:photoId|L:?pet=|P:petId"),
          "two path params, method ANY is the request's");

    op = find_op(api, "GET /users");
    CHECK(op && str_is(op->operation_id, "listUsers")
          && str_is(basename_of(op->loc.doc->path), "users.yaml")
          && str_is(op->loc.pointer, "/get")
          && tpl_is(op->integration.uri, "L:http://users:8080/users"),
          "a path item from a relative file");

    op = find_op(api, "POST /users");
    CHECK(op && str_is(op->operation_id, "createUser")
          && op->integration.type == APIGW_INTEGRATION_DEFAULT,
          "the second operation of that file");

    op = find_op(api, "GET /users/{id}");
    CHECK(op && str_is(op->operation_id, "getUser")
          && str_is(basename_of(op->loc.doc->path), "common.yaml")
          && str_is(op->loc.pointer, "/pathItems/user/get")
          && op->nparams == 1 && str_is(op->param_names[0], "id")
          && tpl_is(op->integration.uri, "L:http://users:8080/users/|P:id"),
          "a path item from a fragment of another file");

    op = find_op(api, "ANY /files/{proxy+}");
    CHECK(op && op->method == APIGW_METHOD_ANY
          && str_is(op->operation_id, "files")
          && op->nparams == 1 && str_is(op->param_names[0], "proxy"),
          "x-amazon-apigateway-any-method: ANY, {proxy+} is \"proxy\"");
    CHECK(op && op->integration.type == APIGW_INTEGRATION_HTTP
          && str_is(op->integration.method, "GET")
          && op->integration.timeout_ms == 1000
          && tpl_is(op->integration.uri, "L:http://files/|P:proxy"),
          "x-amazon-apigateway-integration: httpMethod, timeoutInMillis");

    for (i = 0; i < api->nops; i++) {
        if (api->ops[i].route_key == NULL
            || api->ops[i].loc.doc == NULL || api->ops[i].path == NULL)
        {
            break;
        }
    }

    CHECK(i == api->nops, "every operation is complete");

    /* gateway responses */

    gr = api->responses[APIGW_GR_MISSING_AUTHENTICATION_TOKEN];
    CHECK(gr && gr->status == 404 && gr->nheaders == 2
          && header_is(gr->headers, gr->nheaders, 0, "X-Error", "not-found")
          && header_is(gr->headers, gr->nheaders, 1, "X-Second", "2"),
          "gateway response: status and headers");
    CHECK(gr && tpl_is(gr->body, "L:{\"message\":\"|C:error.messageString"
                       "|L:\",\"requestId\":\"|C:requestId|L:\"}"),
          "gateway response: a JSON body as a template");

    gr = api->responses[APIGW_GR_DEFAULT_5XX];
    CHECK(gr && gr->status == 503 && gr->nheaders == 0
          && tpl_is(gr->body, "L:oops |S:team|L: $ 5"),
          "gateway response: statusCode string, a string body");

    CHECK(api->responses[APIGW_GR_DEFAULT_4XX] == NULL
          && api->responses[APIGW_GR_THROTTLED] == NULL,
          "other gateway responses are the defaults");

    CHECK(strcmp(apigw_gr_defaults[APIGW_GR_MISSING_AUTHENTICATION_TOKEN]
                 .name, "MISSING_AUTHENTICATION_TOKEN") == 0
          && apigw_gr_defaults[APIGW_GR_MISSING_AUTHENTICATION_TOKEN]
             .status == 403
          && strcmp(apigw_gr_defaults[APIGW_GR_WAF_FILTERED].name,
                    "WAF_FILTERED") == 0
          && apigw_gr_defaults[APIGW_GR_INTEGRATION_TIMEOUT].status == 504
          && apigw_gr_defaults[APIGW_GR_RESOURCE_NOT_FOUND].status == 404,
          "gateway response defaults");

    /* the router */

    op = route(api, APIGW_METHOD_GET, "/pets/42", &rc, &m);
    CHECK(op && str_is(op->route_key, "GET /pets/{petId}")
          && m.nparams == 1 && m.params[0].raw_len == 2
          && memcmp(m.params[0].raw, "42", 2) == 0,
          "route GET /pets/42");

    op = route(api, APIGW_METHOD_HEAD, "/pets/42", &rc, &m);
    CHECK(op && str_is(op->route_key, "HEAD /pets/{petId}"),
          "route HEAD /pets/42 to its own operation");

    op = route(api, APIGW_METHOD_HEAD, "/pets", &rc, &m);
    CHECK(op && str_is(op->route_key, "GET /pets"),
          "route HEAD /pets to GET");

    op = route(api, APIGW_METHOD_GET, "/users/7", &rc, &m);
    CHECK(op && str_is(op->operation_id, "getUser"), "route GET /users/7");

    op = route(api, APIGW_METHOD_PATCH, "/files/a/b", &rc, &m);
    CHECK(op && str_is(op->operation_id, "files") && m.nparams == 1
          && m.params[0].raw_len == 3, "route PATCH /files/a/b to ANY");

    route(api, APIGW_METHOD_POST, "/pets/1", &rc, &m);
    CHECK(rc == APIGW_ROUTE_NO_METHOD, "POST /pets/1: no method");

    route(api, APIGW_METHOD_GET, "/nope", &rc, &m);
    CHECK(rc == APIGW_ROUTE_NO_ROUTE, "GET /nope: no route");

    apigw_api_free(api);
}


static void
test_petstore_31(void)
{
    apigw_api_t               *api;
    apigw_operation_t         *op;
    apigw_gateway_response_t  *gr;

    api = load("specs/petstore-31.yaml");
    CHECK(api != NULL, "3.1 YAML spec with #/components/pathItems loads");

    if (api == NULL) {
        return;
    }

    CHECK(api->oas31, "3.1 is 3.1");
    CHECK(api->nops == 4, "4 operations (%zu)", api->nops);
    CHECK(api->docs->ndocs == 1, "one document");

    op = find_op(api, "GET /pets/{petId}");
    CHECK(op && str_is(op->operation_id, "getPet")
          && str_is(op->loc.pointer, "/components/pathItems/Pet/get")
          && op->nparams == 1 && str_is(op->param_names[0], "petId"),
          "GET /pets/{petId} through a path item $ref");
    CHECK(op && op->integration.type == APIGW_INTEGRATION_HTTP
          && str_is(op->integration.method, "GET")
          && op->integration.timeout_ms == 29000
          && tpl_is(op->integration.uri, "L:http://backend/pets/|P:petId"),
          "AWS http_proxy integration");

    op = find_op(api, "PUT /pets/{petId}");
    CHECK(op && str_is(op->integration.method, "PUT")
          && op->integration.timeout_ms == 50,
          "AWS httpMethod uppercased, timeoutInMillis \"50\"");

    op = find_op(api, "GET /mock");
    CHECK(op && op->integration.type == APIGW_INTEGRATION_MOCK
          && op->integration.status == 202
          && op->integration.nheaders == 1
          && header_is(op->integration.headers, op->integration.nheaders, 0,
                       "X-Mock", "yes")
          && str_is(op->integration.body, "{\"ok\":true}")
          && op->integration.body_len == 11,
          "AWS mock: responses.default status, headers and template");

    op = find_op(api, "GET /mock2");
    CHECK(op && op->integration.type == APIGW_INTEGRATION_MOCK
          && op->integration.status == 418
          && op->integration.nheaders == 0
          && op->integration.body == NULL,
          "AWS mock: the status from requestTemplates");

    gr = api->responses[APIGW_GR_DEFAULT_4XX];
    CHECK(gr && gr->status == 400 && gr->nheaders == 2
          && header_is(gr->headers, gr->nheaders, 0,
                       "Access-Control-Allow-Origin", "*")
          && header_is(gr->headers, gr->nheaders, 1, "X-Empty", ""),
          "AWS gateway response: responseParameters unquoted");
    CHECK(gr && tpl_is(gr->body, "L:{\"message\":|C:error.messageString|L:}"),
          "AWS gateway response: the responseTemplates body");

    gr = api->responses[APIGW_GR_RESOURCE_NOT_FOUND];
    CHECK(gr && gr->status == 0 && gr->nheaders == 0
          && tpl_is(gr->body, "L:{\"error\":\"|C:error.message"
                    "|L:\",\"stage\":\"|S:stage|L:\"}"),
          "AWS gateway response: only a template");

    apigw_api_free(api);
}


static void
test_good_specs(void)
{
    apigw_api_t               *api;
    apigw_gateway_response_t  *gr;

    api = load("specs/ok-31-no-paths.yaml");
    CHECK(api && api->nops == 0 && api->oas31,
          "3.1 without paths loads");
    apigw_api_free(api);

    CHECK(fails("specs/bad-no-paths.yaml", "bad-no-paths.yaml", "", 1,
                "\"paths\" is missing"), "3.0 without paths fails");

    /* OpenAPI: the Paths Object "MAY be extended with Specification
     * Extensions" */
    api = load("specs/ok-paths-extension.yaml");
    CHECK(api && api->nops == 1, "x- extensions in paths are ignored");
    apigw_api_free(api);

    /* nothing to pick the body from: the default body stays */
    api = load("specs/ok-gr-empty-templates.yaml");
    gr = api ? api->responses[APIGW_GR_DEFAULT_4XX] : NULL;
    CHECK(gr && gr->status == 418, "empty responseTemplates loads");

    if (gr && gr->body) {
        tpl_is(gr->body, "(no body)");
    }

    CHECK(gr && gr->body == NULL,
          "empty responseTemplates: no custom body");
    apigw_api_free(api);
}


static int
cond_is(const apigw_operation_t *op, size_t i, apigw_param_in_e in,
    const char *name, const char *value)
{
    const apigw_route_cond_t  *c;

    if (op == NULL || i >= op->nconds) {
        NOTE("no discriminator %zu", i);
        return 0;
    }

    c = &op->conds[i];

    if (c->in != in || c->name_len != strlen(name)
        || memcmp(c->name, name, c->name_len) != 0
        || c->value_len != strlen(value)
        || memcmp(c->value, value, c->value_len) != 0)
    {
        NOTE("discriminator %zu: %s \"%.*s\" = \"%.*s\"", i,
             apigw_param_in_name(c->in), (int) c->name_len, c->name,
             (int) c->value_len, c->value);
        return 0;
    }

    return 1;
}


static void
test_path_suffixes(void)
{
    size_t              i;
    apigw_api_t        *api;
    apigw_match_t       m;
    apigw_route_rc_e    rc;
    apigw_operation_t  *op;

    api = load("specs/ok-path-suffixes.yaml");
    CHECK(api != NULL, "path keys with ?query and #fragment suffixes and "
          "parameters inside segments load");

    if (api == NULL) {
        return;
    }

    CHECK(api->warnings.n == 0, "and nothing to warn about");

    op = find_op(api, "GET /rest?method=flickr.favorites.getContext");
    CHECK(op && str_is(op->path, "/rest?method=flickr.favorites.getContext")
          && str_is(op->route_path, "/rest") && op->nconds == 1
          && cond_is(op, 0, APIGW_IN_QUERY, "method",
                     "flickr.favorites.getContext"),
          "?method=...: the key kept, the template before \"?\", a query "
          "discriminator");

    op = find_op(api, "POST /#X-Amz-Target=Svc.ListThings");
    CHECK(op && str_is(op->route_path, "/") && op->nconds == 1
          && cond_is(op, 0, APIGW_IN_HEADER, "X-Amz-Target", "Svc.ListThings"),
          "#X-Amz-Target=...: a header, declared as x-amz-target");

    op = find_op(api, "GET /?Action=DescribeInstances&Version=2016-11-15");
    CHECK(op && str_is(op->route_path, "/") && op->nconds == 2
          && cond_is(op, 0, APIGW_IN_QUERY, "Action", "DescribeInstances")
          && cond_is(op, 1, APIGW_IN_QUERY, "Version", "2016-11-15"),
          "?Action=...&Version=...: two query discriminators");

    op = find_op(api, "GET /access-preview/{id}#analyzerArn");
    CHECK(op && str_is(op->route_path, "/access-preview/{id}")
          && op->nconds == 0 && op->nparams == 1
          && str_is(op->param_names[0], "id"),
          "#analyzerArn without a value is dropped");

    op = find_op(api, "POST /ref#X-Target=a");
    CHECK(op && cond_is(op, 0, APIGW_IN_HEADER, "X-Target", "a"),
          "a header declared through a $ref");

    op = find_op(api, "POST /item#x-item=b");
    CHECK(op && cond_is(op, 0, APIGW_IN_HEADER, "x-item", "b"),
          "a header declared by the path item");

    op = find_op(api, "GET /q?a%20b=c+d%2B&flag");
    CHECK(op && op->nconds == 1
          && cond_is(op, 0, APIGW_IN_QUERY, "a b", "c d+"),
          "query discriminators are form-decoded; \"flag\" is dropped");

    op = find_op(api, "GET /braces?x={y}");
    CHECK(op && op->nparams == 0 && str_is(op->route_path, "/braces")
          && cond_is(op, 0, APIGW_IN_QUERY, "x", "{y}"),
          "braces after \"?\" are no path parameters");

    op = find_op(api, "GET /files/{name}.{ext}");
    CHECK(op && op->nparams == 2 && str_is(op->param_names[0], "name")
          && str_is(op->param_names[1], "ext"),
          "{name}.{ext}: two path parameters, in order");

    for (i = 0; op && i < op->nparameters; i++) {
        if (strcmp(op->parameters[i].name, "ext") == 0) {
            CHECK(op->parameters[i].path_index == 1
                  && op->parameters[i].schema != NULL,
                  "{ext} is checked as the second value of the match");
        }
    }

    /* routing */

    req_query = "method=flickr.people.getInfo";
    op = route(api, APIGW_METHOD_GET, "/rest", NULL, &m);
    CHECK(op && str_is(op->operation_id, "getInfo"),
          "GET /rest?method=flickr.people.getInfo");

    req_query = "method=flickr.favorites.getContext";
    op = route(api, APIGW_METHOD_GET, "/rest", NULL, &m);
    CHECK(op && str_is(op->operation_id, "getContext"),
          "GET /rest?method=flickr.favorites.getContext");

    req_query = "method=other";
    op = route(api, APIGW_METHOD_GET, "/rest", NULL, &m);
    CHECK(op && str_is(op->operation_id, "restFallback"),
          "GET /rest?method=other: the operation without a discriminator");

    req_query = NULL;
    req_header = "x-amz-target=Svc.ListThings";
    op = route(api, APIGW_METHOD_POST, "/", NULL, &m);
    CHECK(op && str_is(op->operation_id, "listThings"),
          "POST / with the X-Amz-Target header");

    req_header = "x-amz-target=Svc.Other";
    route(api, APIGW_METHOD_POST, "/", &rc, &m);
    CHECK(rc == APIGW_ROUTE_NO_METHOD, "POST / with another target: no "
          "operation");

    req_header = NULL;
    req_query = "Action=DescribeInstances";
    route(api, APIGW_METHOD_GET, "/", &rc, &m);
    CHECK(rc == APIGW_ROUTE_NO_METHOD, "GET /?Action=...: Version missing");

    req_query = NULL;
    op = route(api, APIGW_METHOD_GET, "/access-preview/p1", NULL, &m);
    CHECK(op && str_is(op->operation_id, "getPreview") && m.nparams == 1,
          "GET /access-preview/p1");

    op = route(api, APIGW_METHOD_GET, "/files/report.tar.gz", NULL, &m);
    CHECK(op && str_is(op->operation_id, "getFile") && m.nparams == 2
          && m.params[0].val_len == 6 && m.params[1].val_len == 6
          && memcmp(m.params[1].val, "tar.gz", 6) == 0,
          "GET /files/report.tar.gz: {name} report, {ext} tar.gz");

    op = route(api, APIGW_METHOD_GET, "/@1.5,-2", NULL, &m);
    CHECK(op && str_is(op->operation_id, "map") && m.nparams == 2,
          "GET /@1.5,-2");

    apigw_api_free(api);

    /* operations no request tells apart: the first is routed */

    CHECK(fails("specs/warn-indistinguishable.yaml",
                "warn-indistinguishable.yaml",
                "/paths/~1access-preview~1{other}#analyzerArn/get", 7,
                "GET /access-preview/{other}#analyzerArn conflicts with "
                "GET /access-preview/{id} declared before it"),
          "strict: operations no request tells apart fail the load");

    memset(&err, 0, sizeof(err));
    api = apigw_api_load("specs/warn-indistinguishable.yaml", 0, &err);

    CHECK(api && api->nops == 5 && api->warnings.n == 2,
          "not strict: they load, with a warning each (%zu)",
          api ? api->warnings.n : 0);

    if (api && api->warnings.n == 2) {
        NOTE("%s", api->warnings.messages[0]);
        NOTE("%s", api->warnings.messages[1]);

        CHECK(strstr(api->warnings.messages[0], "warn-indistinguishable.yaml"
                     "\" at /paths/~1access-preview~1{other}#analyzerArn/get "
                     "(line 7): GET /access-preview/{other}#analyzerArn "
                     "conflicts with GET /access-preview/{id} declared "
                     "before it") != NULL
              && strstr(api->warnings.messages[1], "at /paths/~1rest?v=1"
                        "#method=x/get (line 11): GET /rest?v=1#method=x "
                        "conflicts with GET /rest?method=x&v=1") != NULL,
              "the warnings say where, what and with what");

        op = route(api, APIGW_METHOD_GET, "/access-preview/1", NULL, &m);
        CHECK(op && str_is(op->operation_id, "first") && op->problem == NULL
              && api->ops[1].problem != NULL && api->ops[3].problem != NULL
              && api->ops[4].problem == NULL,
              "the first of two is routed, the other did not load");

        req_query = "method=x";
        op = route(api, APIGW_METHOD_GET, "/rest", &rc, &m);
        CHECK(op == NULL && rc == APIGW_ROUTE_NO_METHOD,
              "one of two discriminators does not route");

        req_query = "v=1&method=x";
        op = route(api, APIGW_METHOD_POST, "/rest", NULL, &m);
        CHECK(op && str_is(op->operation_id, "fifth"),
              "another method of the same key is routed");
        req_query = NULL;
    }

    apigw_api_free(api);

    memset(&err, 0, sizeof(err));
    api = apigw_api_load("specs/warn-discriminator-param.yaml", 0, &err);
    op = api ? find_op(api, "GET /bad#X-Bad=1") : NULL;
    CHECK(op && op->problem != NULL && api->warnings.n == 1
          && cond_is(op, 0, APIGW_IN_HEADER, "X-Bad", "1"),
          "an operation whose parameters do not compile keeps its header "
          "discriminator");

    req_header = "X-Bad=1";
    CHECK(op && route(api, APIGW_METHOD_GET, "/bad", NULL, &m) == op,
          "and its route");
    req_header = NULL;
    apigw_api_free(api);

    memset(&err, 0, sizeof(err));
    api = apigw_api_load("specs/bad-conflict.yaml", 0, &err);
    CHECK(api && api->warnings.n == 1
          && route(api, APIGW_METHOD_GET, "/pets/1", NULL, &m) == &api->ops[0],
          "/pets/{a} and /pets/{b}: a warning, /pets/{a} routed");
    apigw_api_free(api);
}


/* a body for the one operation of specs/warn-pattern.yaml */
static int
body_valid(apigw_api_t *api, const char *text)
{
    int            valid;
    json_t        *body;
    json_error_t   jerr;

    body = json_loads(text, 0, &jerr);
    if (body == NULL) {
        NOTE("bad JSON in the test: %s", text);
        return -1;
    }

    valid = apigw_schema_validate(api->ops[0].body.media[0].schema, body,
                                  NULL);
    json_decref(body);

    return valid;
}


/*
 * patterns: ECMA-262 translated (a script, a surrogate pair split in two
 * atoms, a repeat over 65535); one PCRE2 cannot compile is a warning and
 * only that keyword is unchecked, or an error when strict
 */
static void
test_pattern_warnings(void)
{
    const char   *w0, *w1, *w2;
    apigw_api_t  *api;

    CHECK(fails("specs/warn-pattern.yaml", "warn-pattern.yaml",
                "/paths/~1names/post/requestBody/content/application~1json"
                "/schema/patternProperties/^x-(?i)", 18,
                "patternProperties: cannot compile the regular expression at"
                " offset 3:"
                " invalid group"),
          "strict: a pattern that cannot be compiled fails the load");

    memset(&err, 0, sizeof(err));
    api = apigw_api_load("specs/warn-pattern.yaml", 0, &err);

    CHECK(api != NULL, "not strict: the spec loads");

    if (api == NULL) {
        NOTE("%s", err.message);
        return;
    }

    CHECK(api->warnings.n == 3, "three warnings (%zu)", api->warnings.n);

    w0 = api->warnings.n > 0 ? api->warnings.messages[0] : "";
    w1 = api->warnings.n > 1 ? api->warnings.messages[1] : "";
    w2 = api->warnings.n > 2 ? api->warnings.messages[2] : "";

    CHECK(strstr(w0, "warn-pattern.yaml\" at /paths/~1names/post/requestBody"
                 "/content/application~1json/schema/patternProperties"
                 "/^x-(?i) (line 18): patternProperties: cannot compile the"
                 " regular expression at offset 3: invalid group") != NULL,
          "the warning names file, pointer, line and problem: %s", w0);
    CHECK(strstr(w1, "/schema/properties/word/pattern (line 15): pattern:"
                 " cannot compile the regular expression at offset 0:"
                 " lookbehind assertion is not fixed length") != NULL,
          "PCRE2's refusal, at the offset of the atom: %s", w1);
    CHECK(strstr(w2, "at /components/schemas/Tag/pattern (line 28): pattern:"
                 " cannot compile the regular expression at offset 1:"
                 " unknown Unicode property") != NULL,
          "a $ref'd schema: at its own place: %s", w2);

    CHECK(apigw_api_compile_responses(api, &err) == 0
          && api->warnings.n == 3,
          "compiled again for a response: the same warning, noted once");

    CHECK(body_valid(api, "{\"greek\": \"\\u03b1\\u03b2\\u03b3\","
                     " \"emoji\": \"\\ud83d\\ude0e\", \"code\": \"ABC\","
                     " \"word\": \"xyz\", \"x-Any\": \"str\"}") == 1,
          "valid body: Greek, an emoji in the range, a repeat, the"
          " unchecked pattern and patternProperties");
    CHECK(body_valid(api, "{\"greek\": \"abc\"}") == 0,
          "\\p{Script=Greek} refuses Latin");
    CHECK(body_valid(api, "{\"emoji\": \"\\ud83d\\udc32\"}") == 0,
          "\\uD83D[\\uDE00-\\uDE4F] refuses U+1F432");
    CHECK(body_valid(api, "{\"code\": \"abc\"}") == 0,
          "[A-Z]{1,100000} refuses lowercase");
    CHECK(body_valid(api, "{\"word\": \"toolong\"}") == 0,
          "the rest of the schema is checked: maxLength");
    CHECK(body_valid(api, "{\"word\": 5}") == 0, "and type");

    apigw_api_free(api);
}


static void
test_errors(void)
{
    char          buf[sizeof(apigw_error_t) + 64];
    apigw_api_t  *api;

    /* documents */

    CHECK(fails("specs/does-not-exist.yaml", "does-not-exist.yaml", "", 0,
                "cannot open"), "a missing file");
    CHECK(fails("specs/bad-empty.yaml", "bad-empty.yaml", "", 0,
                "empty"), "an empty file");
    CHECK(fails("specs/bad-json.json", "bad-json.json", "", 4,
                "invalid JSON"), "invalid JSON with its line");
    CHECK(fails("specs/bad-json-leading-lines.json",
                "bad-json-leading-lines.json", "", 6, "invalid JSON"),
          "invalid JSON after blank lines: the line in the file");
    CHECK(fails("specs/bad-json-dup.json", "bad-json-dup.json", "", 3,
                "duplicate"), "a duplicate key in JSON");
    CHECK(fails("specs/bad-yaml.yaml", "bad-yaml.yaml", "/paths*", 6,
                "YAML syntax error"), "a YAML syntax error with its line");
    CHECK(fails("specs/bad-not-object.yaml", "bad-not-object.yaml", "", 1,
                "must be an object"), "not an object (YAML)");
    CHECK(fails("specs/bad-not-object.json", "bad-not-object.json", "",
                ANY_LINE, "must be an object"), "not an object (JSON)");

    /* versions */

    CHECK(fails("specs/bad-swagger2.json", "bad-swagger2.json", "", ANY_LINE,
                "Swagger 2.0"), "swagger 2.0");
    CHECK(fails("specs/bad-no-openapi.yaml", "bad-no-openapi.yaml", "", 1,
                "\"openapi\" is missing"), "missing openapi");
    CHECK(fails("specs/bad-version.yaml", "bad-version.yaml", "/openapi", 2,
                "3.0.x or 3.1.x"), "openapi 2.5.0");
    CHECK(fails("specs/bad-version-310.yaml", "bad-version-310.yaml",
                "/openapi", 1, "3.0.x or 3.1.x"), "openapi 3.10.0");
    CHECK(fails("specs/bad-version-number.json", "bad-version-number.json",
                "/openapi", ANY_LINE, "3.0.x or 3.1.x"),
          "openapi as a number");

    /* paths */

    CHECK(fails("specs/bad-paths-type.yaml", "bad-paths-type.yaml", "/paths",
                3, "must be an object"), "paths is not an object");
    CHECK(fails("specs/bad-path-slash.yaml", "bad-path-slash.yaml",
                "/paths/pets", 6, "must start with \"/\""),
          "a path not starting with /");
    CHECK(fails("specs/bad-operation-type.yaml", "bad-operation-type.yaml",
                "/paths/~1a/get", 5, "must be an object"),
          "an operation is not an object");
    CHECK(fails("specs/bad-path-template.yaml", "bad-path-template.yaml",
                "/paths/~1pets~1x{a}{b}/get", 5,
                "need literal text between them"),
          "a bad path template: {a}{b}");
    CHECK(fails("specs/bad-path-unclosed.yaml", "bad-path-unclosed.yaml",
                "/paths/~1pets~1{a/get", 5, "unclosed"),
          "an unclosed { in a path");
    CHECK(fails("specs/bad-conflict.yaml", "bad-conflict.yaml",
                "/paths/~1pets~1{b}/get", 8, "conflicts"),
          "conflicting routes");
    CHECK(fails("specs/bad-dup-opid.yaml", "bad-dup-opid.yaml",
                "/paths/~1b/post", 8,
                "operationId \"same\" is already used by GET /a"),
          "a duplicate operationId");
    CHECK(fails("specs/bad-param-twice.yaml", "bad-param-twice.yaml",
                "/paths/~1a~1{id}~1b~1{id}/get", 5, "names {id} twice"),
          "a path parameter named twice");
    CHECK(fails("specs/bad-opid-type.yaml", "bad-opid-type.yaml",
                "/paths/~1a/get", 5, "must be a string"),
          "operationId is not a string");

    /* refs */

    CHECK(fails("specs/bad-ref-nothing.yaml", "bad-ref-nothing.yaml",
                "/paths/~1pets/get/parameters/0", 7, "points to nothing"),
          "$ref to nothing");
    CHECK(fails("specs/bad-ref-missing-file.yaml", "bad-ref-missing-file.yaml",
                "/paths/~1pets", 4, "cannot open"),
          "$ref to a missing file");
    CHECK(fails("specs/bad-ref-cycle.yaml", "bad-ref-cycle.yaml",
                "/components/schemas/A", 6, "$ref cycle"),
          "a $ref cycle A -> B -> A");
    CHECK(fails("specs/bad-ref-self.yaml", "bad-ref-self.yaml",
                "/paths/~1a", 4, "$ref cycle"), "a $ref to itself");
    CHECK(fails("specs/bad-ref-cycle-files.yaml", "bad-ref-cycle-files.yaml",
                "/paths/~1x", 4, "$ref cycle"),
          "a $ref cycle across two files");
    CHECK(fails("specs/bad-ref-remote.yaml", "bad-ref-remote.yaml",
                "/paths/~1pets/get/responses/200", 7, "not supported"),
          "a remote https:// $ref");
    CHECK(fails("specs/bad-ref-anchor.yaml", "bad-ref-anchor.yaml",
                "/paths/~1pets/get/parameters/0", 7, "not supported"),
          "a #anchor $ref");
    CHECK(fails("specs/bad-ref-type.yaml", "bad-ref-type.yaml",
                "/paths/~1pets", 4, "must be a string"),
          "a $ref that is not a string");
    CHECK(fails("specs/bad-ref-in-file.yaml", "broken.yaml",
                "/get/parameters/0", 4, "points to nothing"),
          "a bad $ref in a referenced file: that file's error");
    CHECK(fails("specs/bad-ref-syntax-file.yaml", "bad-syntax.yaml",
                "/get*", 3, "YAML syntax error"),
          "a syntax error in a referenced file");
    CHECK(fails("specs/bad-ref-directory.yaml", "bad-ref-directory.yaml",
                "/paths/~1pets", 4, "regular file"), "a $ref to a directory");
    CHECK(fails("specs/bad-ref-default-response.yaml",
                "bad-ref-default-response.yaml",
                "/paths/~1pets/get/responses/default", 7,
                "points to nothing"),
          "$ref to nothing under responses.default");

    /* integrations */

    CHECK(fails("specs/bad-integration-type.yaml",
                "bad-integration-type.yaml",
                "/paths/~1pets~1{petId}/get/x-apigw-integration/type", 7,
                "not supported"), "a bad integration type");
    CHECK(fails("specs/bad-integration-notype.yaml",
                "bad-integration-notype.yaml",
                "/paths/~1pets~1{petId}/get/x-apigw-integration", 6,
                "\"type\""), "an integration without a type");
    CHECK(fails("specs/bad-http-no-uri.yaml", "bad-http-no-uri.yaml",
                "/paths/~1pets~1{petId}/get/x-apigw-integration", 6,
                "needs a \"uri\""), "an http integration without uri");
    CHECK(fails("specs/bad-uri-scheme.yaml", "bad-uri-scheme.yaml",
                "/paths/~1pets~1{petId}/get/x-apigw-integration/uri", 8,
                "http:// or https://"), "a uri that is not http(s)");
    CHECK(fails("specs/bad-uri-param.yaml", "bad-uri-param.yaml",
                "/paths/~1pets~1{petId}/get/x-apigw-integration/uri", 8,
                "{id} is neither a path parameter"),
          "a {param} in the uri that is not in the path");
    CHECK(fails("specs/bad-uri-stagevar.yaml", "bad-uri-stagevar.yaml",
                "/paths/~1pets~1{petId}/get/x-apigw-integration/uri", 8,
                "${stageVariables.host}"),
          "$stageVariables.x without braces in the uri");
    CHECK(fails("specs/bad-timeout-low.yaml", "bad-timeout-low.yaml",
                "/paths/~1pets~1{petId}/get/x-apigw-integration/timeout", 9,
                "from 50 to 29000"), "timeout 49");
    CHECK(fails("specs/bad-timeout-high.yaml", "bad-timeout-high.yaml",
                "/paths/~1pets~1{petId}/get/x-apigw-integration/timeout", 9,
                "from 50 to 29000"), "timeout 29001");
    CHECK(fails("specs/bad-timeout-aws.yaml", "bad-timeout-aws.yaml",
                "/paths/~1pets~1{petId}/get/x-amazon-apigateway-integration/"
                "timeoutInMillis", 10, "from 50 to 29000"),
          "AWS timeoutInMillis 29001");
    CHECK(fails("specs/bad-timeout-string.yaml", "bad-timeout-string.yaml",
                "/paths/~1pets~1{petId}/get/x-apigw-integration/timeout",
                9, ""), "timeout \"1000ms\"");
    CHECK(fails("specs/bad-method.yaml", "bad-method.yaml",
                "/paths/~1pets~1{petId}/get/x-apigw-integration/method", 9,
                "unknown integration method"), "a bad method");
    CHECK(fails("specs/bad-method-aws.yaml", "bad-method-aws.yaml",
                "/paths/~1pets~1{petId}/get/x-amazon-apigateway-integration/"
                "httpMethod", 9, "unknown integration method"),
          "a bad AWS httpMethod");
    CHECK(fails("specs/bad-mock-status.yaml", "bad-mock-status.yaml",
                "/paths/~1pets~1{petId}/get/x-apigw-integration/status", 8,
                "from 100 to 599"), "mock status 600");
    CHECK(fails("specs/bad-mock-status-string.yaml",
                "bad-mock-status-string.yaml",
                "/paths/~1pets~1{petId}/get/x-apigw-integration/statusCode",
                8, "from 100 to 599"), "mock statusCode \"20x\"");
    CHECK(fails("specs/bad-mock-status-aws.yaml", "bad-mock-status-aws.yaml",
                "/paths/~1pets~1{petId}/get/x-amazon-apigateway-integration/"
                "responses/default/statusCode", 10, "from 100 to 599"),
          "AWS mock responses.default.statusCode 999");
    CHECK(fails("specs/bad-mock-status-aws-template.yaml",
                "bad-mock-status-aws-template.yaml",
                "/paths/~1pets~1{petId}/get/x-amazon-apigateway-integration*",
                ANY_LINE, "status"),
          "AWS mock requestTemplates statusCode 999");
    CHECK(fails("specs/bad-mock-header.yaml", "bad-mock-header.yaml",
                "/paths/~1pets~1{petId}/get/x-apigw-integration/headers/X-A",
                9, "CR, LF"), "a mock header value with CRLF");
    CHECK(fails("specs/bad-line-null.yaml", "bad-line-null.yaml",
                "/paths/~1pets~1{petId}/get/x-apigw-integration/status", 11,
                "from 100 to 599"),
          "the line of a null value is its own");

    /* gateway responses */

    CHECK(fails("specs/bad-gr-type.yaml", "bad-gr-type.yaml",
                "/x-apigw-gateway-responses/NOT_A_TYPE", 4,
                "unknown gateway response type \"NOT_A_TYPE\""),
          "an unknown gateway response type");
    CHECK(fails("specs/bad-gr-header.yaml", "bad-gr-header.yaml",
                "/x-amazon-apigateway-gateway-responses/DEFAULT_4XX/"
                "responseParameters/gatewayresponse.header.X-A", 6,
                "('quoted')"), "an unquoted AWS gateway response header");
    CHECK(fails("specs/bad-gr-header-prefix.yaml",
                "bad-gr-header-prefix.yaml",
                "/x-amazon-apigateway-gateway-responses/DEFAULT_4XX/"
                "responseParameters/X-A", 6, "gatewayresponse.header."),
          "an AWS gateway response header without its prefix");
    CHECK(fails("specs/bad-gr-status.yaml", "bad-gr-status.yaml",
                "/x-apigw-gateway-responses/DEFAULT_5XX/status", 5,
                "from 100 to 599"), "a gateway response status 99");
    CHECK(fails("specs/bad-gr-body.yaml", "bad-gr-body.yaml",
                "/x-apigw-gateway-responses/THROTTLED", 4,
                "must be an object"), "a gateway response that is a string");

    /* the formatted error */

    memset(&err, 0, sizeof(err));
    api = apigw_api_load("specs/bad-path-slash.yaml", APIGW_LOAD_STRICT,
                         &err);
    apigw_error_format(&err, buf, sizeof(buf));
    CHECK(api == NULL && buf[0] == '"'
          && strstr(buf, "bad-path-slash.yaml\" at /paths/pets (line 6): "
                    "a path must start with \"/\"") != NULL,
          "apigw_error_format: %s", buf);

    memset(&err, 0, sizeof(err));
    api = apigw_api_load("specs/bad-json.json", APIGW_LOAD_STRICT, &err);
    apigw_error_format(&err, buf, sizeof(buf));
    CHECK(api == NULL && strstr(buf, "bad-json.json\" at line 4: invalid "
                                "JSON") != NULL,
          "apigw_error_format without a pointer: %s", buf);
}


/* writes text to dir/name */
static int
write_file(const char *dir, const char *name, const char *text)
{
    char   path[512];
    FILE  *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);

    f = fopen(path, "w");
    if (f == NULL) {
        return -1;
    }

    fputs(text, f);

    return fclose(f);
}


static void
remove_dir(const char *dir, int nfiles)
{
    int   i;
    char  path[512];

    for (i = 0; i < nfiles; i++) {
        snprintf(path, sizeof(path), "%s/f%d.yaml", dir, i);
        unlink(path);
    }

    snprintf(path, sizeof(path), "%s/spec.yaml", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/spec.json", dir);
    unlink(path);
    rmdir(dir);
}


/* a spec whose path /a is a chain of n $refs */
static int
ref_chain(const char *dir, int n)
{
    int     i;
    char   *text, *p;
    size_t  size;

    size = 256 + (size_t) n * 80;
    text = malloc(size);
    if (text == NULL) {
        return -1;
    }

    p = text;
    p += sprintf(p, "openapi: 3.0.3\ninfo: {title: x, version: '1'}\n"
                 "paths:\n  /a:\n    $ref: '#/components/x-chain/c0'\n"
                 "components:\n  x-chain:\n");

    for (i = 0; i < n; i++) {
        p += sprintf(p, "    c%d: {$ref: '#/components/x-chain/c%d'}\n", i,
                     i + 1);
    }

    sprintf(p, "    c%d: {get: {operationId: end}}\n", n);

    i = write_file(dir, "spec.yaml", text);
    free(text);

    return i;
}


/* a spec referencing n more files */
static int
many_files(const char *dir, int n)
{
    int     i;
    char    name[64], *text, *p;

    text = malloc(256 + (size_t) n * 64);
    if (text == NULL) {
        return -1;
    }

    p = text;
    p += sprintf(p, "openapi: 3.0.3\ninfo: {title: x, version: '1'}\n"
                 "paths:\n");

    for (i = 0; i < n; i++) {
        p += sprintf(p, "  /p%d:\n    $ref: 'f%d.yaml'\n", i, i);
        snprintf(name, sizeof(name), "f%d.yaml", i);

        if (write_file(dir, name, "get: {}\n") != 0) {
            free(text);
            return -1;
        }
    }

    i = write_file(dir, "spec.yaml", text);
    free(text);

    return i;
}


/* JSON nested n arrays deep inside info */
static int
deep_json(const char *dir, int n)
{
    int     i;
    char   *text, *p;

    text = malloc(256 + (size_t) n * 2);
    if (text == NULL) {
        return -1;
    }

    p = text;
    p += sprintf(p, "{\"openapi\": \"3.0.3\", \"paths\": {}, \"info\": ");

    for (i = 0; i < n; i++) {
        *p++ = '[';
    }

    for (i = 0; i < n; i++) {
        *p++ = ']';
    }

    strcpy(p, "}\n");

    i = write_file(dir, "spec.json", text);
    free(text);

    return i;
}


static int alias_refs(const char *dir);
static double now(void);


static void
test_limits(void)
{
    char          dir[64], path[128];
    double        start;
    apigw_api_t  *api;

    strcpy(dir, "/tmp/apigw-unit-dir-XXXXXX");

    if (mkdtemp(dir) == NULL) {
        CHECK(0, "mkdtemp");
        return;
    }

    snprintf(path, sizeof(path), "%s/spec.yaml", dir);

    /* /a's own $ref and n more */

    ref_chain(dir, APIGW_MAX_REF_HOPS - 1);
    api = load(path);
    CHECK(api && api->nops == 1, "a chain of %d $refs", APIGW_MAX_REF_HOPS);
    apigw_api_free(api);

    ref_chain(dir, APIGW_MAX_REF_HOPS);
    CHECK(fails(path, "spec.yaml", "/paths/~1a", 4, "longer than"),
          "a chain of %d $refs", APIGW_MAX_REF_HOPS + 1);

    many_files(dir, APIGW_MAX_DOCS - 1);
    api = load(path);
    CHECK(api && api->nops == APIGW_MAX_DOCS - 1
          && api->docs->ndocs == APIGW_MAX_DOCS, "%d documents",
          APIGW_MAX_DOCS);
    apigw_api_free(api);

    many_files(dir, APIGW_MAX_DOCS);
    CHECK(fails(path, "*", "", ANY_LINE, "more than"),
          "%d documents are too many", APIGW_MAX_DOCS + 1);

    snprintf(path, sizeof(path), "%s/spec.json", dir);

    deep_json(dir, APIGW_MAX_WALK_DEPTH - 8);
    api = load(path);
    CHECK(api != NULL, "JSON nested %d deep", APIGW_MAX_WALK_DEPTH - 8);
    apigw_api_free(api);

    deep_json(dir, APIGW_MAX_WALK_DEPTH + 8);
    CHECK(fails(path, "spec.json", "/info*", ANY_LINE, "deeper than"),
          "JSON nested %d deep", APIGW_MAX_WALK_DEPTH + 8);

    /*
     * YAML aliases fan file $refs out 600,000 times: the refs are
     * checked once per node, not once per expansion (found by fuzz_spec:
     * 35 s before); the bound guards against a hang, it is no benchmark
     */
    snprintf(path, sizeof(path), "%s/spec.yaml", dir);
    alias_refs(dir);
    start = now();
    api = load(path);
    CHECK(api != NULL && now() - start < 5,
          "$refs shared by 600,000 aliases are checked once");
    apigw_api_free(api);

    snprintf(path, sizeof(path), "%s/common.yaml", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/sub", dir);
    rmdir(path);
    remove_dir(dir, APIGW_MAX_DOCS);
}


/* five levels of ten aliases over $refs to a sibling file */
static int
alias_refs(const char *dir)
{
    int     i, j;
    char    text[4096], *p;

    /* a long way round to the file: each resolution of it costs */

    snprintf(text, sizeof(text), "%s/sub", dir);
    mkdir(text, 0700);

    p = text;
    p += sprintf(p, "openapi: 3.0.3\ninfo: {title: x, version: '1'}\n"
                 "paths: {}\ncomponents:\n  schemas:\n"
                 "    l0: &l0 [{$ref: '");

    for (i = 0; i < 40; i++) {
        p += sprintf(p, "sub/../");
    }

    p += sprintf(p, "common.yaml#/schemas/Count'}");

    for (i = 0; i < 5; i++) {
        p += sprintf(p, ", {$ref: 'common.yaml#/schemas/Count'}");
    }

    p += sprintf(p, "]\n");

    for (i = 1; i < 6; i++) {
        p += sprintf(p, "    l%d: &l%d [", i, i);

        for (j = 0; j < 10; j++) {
            p += sprintf(p, "%s*l%d", j ? ", " : "", i - 1);
        }

        p += sprintf(p, "]\n");
    }

    if (write_file(dir, "common.yaml", "schemas:\n  Count: {type: integer}\n")
        != 0)
    {
        return -1;
    }

    return write_file(dir, "spec.yaml", text);
}


static double
now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return ts.tv_sec + ts.tv_nsec / 1e9;
}


/* a spec with n operations, JSON or YAML, written to a temporary file */
static int
big_spec(char *path, int n, int yaml)
{
    int    i, fd;
    FILE  *f;

    strcpy(path, "/tmp/apigw-unit-spec-XXXXXX");

    fd = mkstemp(path);
    if (fd < 0) {
        return -1;
    }

    f = fdopen(fd, "w");
    if (f == NULL) {
        close(fd);
        unlink(path);
        return -1;
    }

    if (yaml) {
        fprintf(f, "openapi: 3.0.3\ninfo:\n  title: big\n  version: '1'\n"
                "paths:\n");

        for (i = 0; i < n; i++) {
            fprintf(f, "  /res%d/{id}:\n"
                    "    get:\n"
                    "      operationId: op%d\n"
                    "      parameters:\n"
                    "        - $ref: '#/components/parameters/Id'\n"
                    "      x-apigw-integration:\n"
                    "        type: http\n"
                    "        uri: http://backend/res%d/{id}\n"
                    "        timeout: %d\n", i, i, i, 50 + i);
        }

        fprintf(f, "components:\n  parameters:\n    Id:\n      name: id\n"
                "      in: path\n      required: true\n");

    } else {
        fprintf(f, "{\"openapi\": \"3.0.3\", \"info\": {\"title\": \"big\", "
                "\"version\": \"1\"}, \"paths\": {\n");

        for (i = 0; i < n; i++) {
            fprintf(f, "%s\"/res%d/{id}\": {\"get\": {\"operationId\": "
                    "\"op%d\", \"parameters\": [{\"$ref\": "
                    "\"#/components/parameters/Id\"}], "
                    "\"x-apigw-integration\": {\"type\": \"http\", "
                    "\"uri\": \"http://backend/res%d/{id}\", "
                    "\"timeout\": %d}}}\n", i ? "," : "", i, i, i, 50 + i);
        }

        fprintf(f, "}, \"components\": {\"parameters\": {\"Id\": "
                "{\"name\": \"id\", \"in\": \"path\", \"required\": true}}}}"
                "\n");
    }

    if (fclose(f) != 0) {
        unlink(path);
        return -1;
    }

    return 0;
}


static void
test_big(int yaml)
{
    int                 n;
    char                path[64];
    double              t;
    const char         *kind;
    apigw_api_t        *api;
    apigw_match_t       m;
    apigw_operation_t  *op;

    n = 5000;
    kind = yaml ? "YAML" : "JSON";

    if (big_spec(path, n, yaml) != 0) {
        CHECK(0, "write a %s spec with %d operations", kind, n);
        return;
    }

    t = now();
    api = load(path);
    t = now() - t;

    NOTE("apigw_api_load: %d operations (%s) in %.3f s", n, kind, t);

    CHECK(api && api->nops == (size_t) n, "a %s spec with %d operations "
          "loads", kind, n);

    if (api) {
        op = &api->ops[n - 1];
        CHECK(str_is(op->route_key, "GET /res4999/{id}")
              && str_is(op->operation_id, "op4999")
              && op->integration.timeout_ms == 5049,
              "the last operation (%s)", kind);

        op = route(api, APIGW_METHOD_GET, "/res4999/x", NULL, &m);
        CHECK(op == &api->ops[n - 1] && m.nparams == 1,
              "the last operation is routed (%s)", kind);

        op = route(api, APIGW_METHOD_GET, "/res0/x", NULL, &m);
        CHECK(op == &api->ops[0], "the first operation is routed (%s)",
              kind);
    }

    apigw_api_free(api);
    unlink(path);
}


int
main(void)
{
    test_pointer();
    test_petstore_30();
    test_petstore_31();
    test_good_specs();
    test_path_suffixes();
    test_errors();
    test_pattern_warnings();
    test_limits();
    test_big(0);
    test_big(1);

    return unit_done();
}
