
/*
 * Copyright (C) apigw contributors
 */


/*
 * unit tests for the spec export: ?extensions= values, what is stripped
 * and what stays (names that look like extensions, data), servers, JSON
 * and YAML that read back as the same tree (every spec of the tests, and
 * strings and numbers a YAML reader could take for something else), a
 * spec split across files bundled into one document
 */

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "apigw_core.h"
#include "apigw_export.h"
#include "unit.h"


typedef struct {
    char                   *data;
    size_t                  len;
    size_t                  cap;
    int                     fail_after;     /* calls; 0: never fails */
    int                     calls;
} out_t;


static char  tmp[] = "/tmp/apigw-unit-export.XXXXXX";


static int
out_write(void *data, const char *buf, size_t len)
{
    out_t  *o = data;

    char   *p;

    if (o->fail_after && ++o->calls >= o->fail_after) {
        return -1;
    }

    if (o->len + len + 1 > o->cap) {
        o->cap = (o->len + len + 1) * 2;
        p = realloc(o->data, o->cap);
        if (p == NULL) {
            return -1;
        }

        o->data = p;
    }

    memcpy(o->data + o->len, buf, len);
    o->len += len;
    o->data[o->len] = '\0';

    return 0;
}


/* doc exported: the text, in *text unless NULL, read back as a tree */
static json_t *
export(const json_t *doc, unsigned ext, int yaml, char **text)
{
    char                 errbuf[256];
    out_t                o;
    json_t              *tree;
    json_error_t         jerr;
    apigw_error_t        err;
    apigw_export_opts_t  opts;

    memset(&o, 0, sizeof(out_t));
    memset(&opts, 0, sizeof(apigw_export_opts_t));
    opts.extensions = ext;
    opts.yaml = yaml;
    opts.server = "https://api.example.com/prod";
    opts.server_len = strlen(opts.server);
    opts.description = "prod";
    opts.description_len = 4;
    opts.write = out_write;
    opts.data = &o;

    if (apigw_export_write(doc, &opts, errbuf, sizeof(errbuf)) != 0) {
        NOTE("export failed: %s", errbuf);
        free(o.data);
        return NULL;
    }

    memset(&err, 0, sizeof(apigw_error_t));

    tree = yaml ? apigw_yaml_parse(o.data, o.len, NULL, &err)
                : json_loadb(o.data, o.len, JSON_REJECT_DUPLICATES, &jerr);

    if (tree == NULL) {
        NOTE("%s does not read back: %s", yaml ? "YAML" : "JSON",
             yaml ? err.message : jerr.text);
        NOTE("%s", o.data);
    }

    if (text) {
        *text = o.data;

    } else {
        free(o.data);
    }

    return tree;
}


static void
write_file(const char *name, const char *text)
{
    char   p[512];
    char  *slash;
    FILE  *f;

    snprintf(p, sizeof(p), "%s/%s", tmp, name);

    slash = strrchr(p, '/');
    *slash = '\0';
    mkdir(p, 0700);
    *slash = '/';

    f = fopen(p, "w");
    if (f == NULL) {
        perror(p);
        exit(1);
    }

    fputs(text, f);
    fclose(f);
}


static apigw_api_t *
load(const char *name)
{
    char           p[512];
    apigw_api_t   *api;
    apigw_error_t  err;

    snprintf(p, sizeof(p), "%s/%s", tmp, name);
    memset(&err, 0, sizeof(apigw_error_t));

    api = apigw_api_load(p, 0, &err);

    if (api == NULL) {
        NOTE("%s: %s %s line %u: %s", name, err.file, err.pointer, err.line,
             err.message);
    }

    return api;
}


/* the node at "a/b/0"; "~" in a segment stands for "/" */
static json_t *
at(json_t *root, const char *path)
{
    char         seg[256], *s;
    size_t       n;
    json_t      *v;
    const char  *p, *e;

    v = root;

    for (p = path; v != NULL && *p; p = *e ? e + 1 : e) {
        e = strchr(p, '/');
        if (e == NULL) {
            e = p + strlen(p);
        }

        n = (size_t) (e - p);
        memcpy(seg, p, n);
        seg[n] = '\0';

        for (s = seg; *s; s++) {
            if (*s == '~') {
                *s = '/';
            }
        }

        v = json_is_array(v) ? json_array_get(v, strtoul(seg, NULL, 10))
                             : json_object_get(v, seg);
    }

    return v;
}


static int
str_at(json_t *root, const char *path, const char *s)
{
    json_t  *v;

    v = at(root, path);

    return json_is_string(v) && strcmp(json_string_value(v), s) == 0;
}


/* keys anywhere in the tree that start with prefix, counted */
static int
count_keys(json_t *node, const char *prefix)
{
    int          n;
    size_t       i;
    json_t      *v;
    const char  *key;

    n = 0;

    if (json_is_object(node)) {
        json_object_foreach(node, key, v) {
            n += strncmp(key, prefix, strlen(prefix)) == 0;
            n += count_keys(v, prefix);
        }

    } else if (json_is_array(node)) {
        json_array_foreach(node, i, v) {
            n += count_keys(v, prefix);
        }
    }

    return n;
}


/*
 * every "$ref" string in the tree: internal ones that resolve in root
 * counted in *good, the others in *bad (printed)
 */
static void
check_refs(json_t *root, json_t *node, int *good, int *bad)
{
    size_t       i;
    json_t      *v;
    const char  *key, *s;

    if (json_is_object(node)) {
        json_object_foreach(node, key, v) {
            s = json_string_value(v);

            if (strcmp(key, "example") == 0 || strncmp(key, "x-", 2) == 0) {
                continue;       /* data */
            }

            if (strcmp(key, "$ref") == 0 && s != NULL) {
                if (s[0] == '#'
                    && apigw_pointer_get(root, s + 1, strlen(s + 1)))
                {
                    (*good)++;

                } else {
                    NOTE("unresolved $ref \"%s\"", s);
                    (*bad)++;
                }

                continue;
            }

            check_refs(root, v, good, bad);
        }

    } else if (json_is_array(node)) {
        json_array_foreach(node, i, v) {
            check_refs(root, v, good, bad);
        }
    }
}


static void
test_extensions(void)
{
    char      errbuf[256];
    unsigned  ext;

    ext = 99;
    CHECK(apigw_export_extensions("", 0, &ext, errbuf, sizeof(errbuf)) == 0
          && ext == 0, "extensions: empty, none");

    CHECK(apigw_export_extensions("integrations", 12, &ext, errbuf,
                                  sizeof(errbuf)) == 0
          && ext == APIGW_EXPORT_INTEGRATIONS, "extensions: integrations");

    CHECK(apigw_export_extensions("authorizers, Integrations,,", 27, &ext,
                                  errbuf, sizeof(errbuf)) == 0
          && ext == (APIGW_EXPORT_INTEGRATIONS | APIGW_EXPORT_AUTHORIZERS),
          "extensions: comma-separated, spaces, any case");

    CHECK(apigw_export_extensions("apigateway,apigw", 16, &ext, errbuf,
                                  sizeof(errbuf)) == 0
          && ext == (APIGW_EXPORT_APIGATEWAY | APIGW_EXPORT_APIGW),
          "extensions: apigateway,apigw");

    CHECK(apigw_export_extensions("integrations,postman", 20, &ext, errbuf,
                                  sizeof(errbuf)) == -1
          && strstr(errbuf, "\"postman\"") != NULL,
          "extensions: AWS's postman refused: %s", errbuf);

    CHECK(apigw_export_extensions("a\"b\\\x01", 5, &ext, errbuf,
                                  sizeof(errbuf)) == -1
          && strstr(errbuf, "\"a?b??\"") != NULL,
          "extensions: the client's text made printable: %s", errbuf);
}


static void
test_keep(void)
{
    static const struct {
        const char  *key;
        unsigned     ext;
        int          keep;
    } cases[] = {
        { "x-amazon-apigateway-integration", 0, 0 },
        { "x-amazon-apigateway-integration", APIGW_EXPORT_INTEGRATIONS, 1 },
        { "x-amazon-apigateway-integration", APIGW_EXPORT_APIGATEWAY, 1 },
        { "x-amazon-apigateway-integration", APIGW_EXPORT_APIGW, 0 },
        { "X-Amazon-Apigateway-Integration", 0, 0 },
        { "x-amazon-apigateway-integrations", APIGW_EXPORT_INTEGRATIONS, 1 },
        { "x-amazon-apigateway-authorizer", APIGW_EXPORT_AUTHORIZERS, 1 },
        { "x-amazon-apigateway-authtype", APIGW_EXPORT_AUTHORIZERS, 1 },
        { "x-amazon-apigateway-authorizer", APIGW_EXPORT_INTEGRATIONS, 0 },
        { "x-amazon-apigateway-request-validators", 0, 0 },
        { "x-amazon-apigateway-request-validators",
          APIGW_EXPORT_INTEGRATIONS | APIGW_EXPORT_AUTHORIZERS, 0 },
        { "x-amazon-apigateway-request-validators",
          APIGW_EXPORT_APIGATEWAY, 1 },
        { "x-amazon-apigateway-any-method", 0, 1 },
        { "x-apigw-integration", 0, 0 },
        { "x-apigw-integration", APIGW_EXPORT_INTEGRATIONS, 1 },
        { "x-apigw-integration", APIGW_EXPORT_APIGATEWAY, 0 },
        { "x-apigw-jwt", APIGW_EXPORT_AUTHORIZERS, 1 },
        { "x-apigw-authorizer", APIGW_EXPORT_AUTHORIZERS, 1 },
        { "x-apigw-throttle", APIGW_EXPORT_INTEGRATIONS
                              | APIGW_EXPORT_AUTHORIZERS, 0 },
        { "x-apigw-throttle", APIGW_EXPORT_APIGW, 1 },
        { "X-APIGW-CORS", 0, 0 },
        { "x-logo", 0, 1 },
        { "x-apigwfoo", 0, 1 },
        { "x-amazon", 0, 1 },
        { NULL, 0, 0 }
    };

    int  i;

    for (i = 0; cases[i].key; i++) {
        CHECK(apigw_export_keep(cases[i].key, cases[i].ext)
              == cases[i].keep, "keep %s with 0x%x: %d", cases[i].key,
              cases[i].ext, cases[i].keep);
    }
}


#define STRIP_SPEC                                                            \
    "openapi: 3.0.3\n"                                                        \
    "info:\n"                                                                 \
    "  title: strip\n"                                                        \
    "  version: '1'\n"                                                        \
    "  x-logo: {url: /logo.png, x-apigw-nested: kept}\n"                      \
    "servers: [{url: 'http://backend.internal:8080/v1'}]\n"                   \
    "x-apigw-gateway-responses:\n"                                            \
    "  DEFAULT_4XX: {status: 400}\n"                                          \
    "x-amazon-apigateway-api-key-source: HEADER\n"                            \
    "x-amazon-apigateway-request-validators:\n"                               \
    "  all: {validateRequestBody: true, validateRequestParameters: true}\n"   \
    "x-apigw-cors: {allowOrigins: ['*']}\n"                                   \
    "x-team: payments\n"                                                      \
    "paths:\n"                                                                \
    "  x-apigw-paths-note: dropped\n"                                         \
    "  /pets:\n"                                                              \
    "    servers: [{url: 'http://other.internal'}]\n"                         \
    "    get:\n"                                                              \
    "      servers: [{url: 'http://third.internal'}]\n"                       \
    "      x-internal-note: kept\n"                                           \
    "      x-apigw-throttle: {rate: 5, burst: 10}\n"                          \
    "      x-apigw-integration:\n"                                            \
    "        type: http\n"                                                    \
    "        uri: 'http://${stageVariables.host}/pets'\n"                     \
    "      x-amazon-apigateway-request-validator: all\n"                      \
    "      parameters:\n"                                                     \
    "        - name: x-apigw-mode\n"                                          \
    "          in: header\n"                                                  \
    "          schema: {type: string, x-apigw-format: dropped}\n"             \
    "          example: {x-apigw-integration: data}\n"                        \
    "      responses:\n"                                                      \
    "        '200':\n"                                                        \
    "          description: ok\n"                                             \
    "          headers:\n"                                                    \
    "            x-apigw-request-id: {schema: {type: string}}\n"              \
    "          content:\n"                                                    \
    "            application/json:\n"                                         \
    "              schema:\n"                                                 \
    "                type: object\n"                                          \
    "                properties:\n"                                           \
    "                  x-amazon-apigateway-integration: {type: string}\n"     \
    "                default: {x-apigw-jwt: data}\n"                          \
    "                enum: [{x-apigw-cors: data}]\n"                          \
    "                x-amazon-apigateway-foo: dropped\n"                      \
    "              examples:\n"                                               \
    "                one: {value: {x-apigw-integration: data}}\n"             \
    "        x-apigw-responses-note: dropped\n"                               \
    "      callbacks:\n"                                                      \
    "        onEvent:\n"                                                      \
    "          '{$request.body#/url}':\n"                                     \
    "            servers: [{url: 'http://callee'}]\n"                         \
    "            post:\n"                                                     \
    "              x-apigw-integration: {type: mock}\n"                       \
    "              responses: {'200': {description: ok}}\n"                   \
    "  /files/{proxy+}:\n"                                                    \
    "    x-amazon-apigateway-any-method:\n"                                   \
    "      parameters:\n"                                                     \
    "        - {name: proxy, in: path, required: true, "                      \
    "schema: {type: string}}\n"                                               \
    "      x-amazon-apigateway-integration:\n"                                \
    "        type: http_proxy\n"                                              \
    "        httpMethod: ANY\n"                                               \
    "        uri: 'http://files/{proxy}'\n"                                   \
    "      responses: {'200': {description: ok}}\n"                           \
    "components:\n"                                                           \
    "  schemas:\n"                                                            \
    "    x-apigw-named: {type: string}\n"                                     \
    "  securitySchemes:\n"                                                    \
    "    user:\n"                                                             \
    "      type: http\n"                                                      \
    "      scheme: bearer\n"                                                  \
    "      x-apigw-jwt: {issuer: 'https://id.example.com', "                  \
    "jwks: /etc/jwks.json}\n"                                                 \
    "    custom:\n"                                                           \
    "      type: apiKey\n"                                                    \
    "      in: header\n"                                                      \
    "      name: Authorization\n"                                             \
    "      x-amazon-apigateway-authtype: custom\n"                            \
    "      x-amazon-apigateway-authorizer:\n"                                 \
    "        type: token\n"                                                   \
    "        authorizerUri: 'http://auth.internal/check'\n"                   \
    "    oauth:\n"                                                            \
    "      type: oauth2\n"                                                    \
    "      flows:\n"                                                          \
    "        implicit:\n"                                                     \
    "          authorizationUrl: 'https://id.example.com/auth'\n"             \
    "          scopes: {x-apigw-scope: a scope}\n"                            \
    "          x-apigw-flow-note: dropped\n"                                  \
    "  x-apigw-components-note: dropped\n"


static void
test_strip(void)
{
    char         *text;
    json_t       *doc, *y, *op;
    apigw_api_t  *api;

    write_file("strip.yaml", STRIP_SPEC);
    api = load("strip.yaml");

    if (!CHECK(api != NULL, "strip: the spec loads")) {
        return;
    }

    doc = export(api->docs->docs->root, 0, 0, &text);

    if (!CHECK(doc != NULL, "strip: exported JSON parses")) {
        apigw_api_free(api);
        return;
    }

    CHECK(count_keys(doc, "x-amazon-apigateway-") == 2
          && at(doc, "paths/~files~{proxy+}/x-amazon-apigateway-any-method")
          && !at(doc, "paths/~files~{proxy+}/x-amazon-apigateway-any-method"
                      "/x-amazon-apigateway-integration"),
          "strip: no x-amazon-apigateway-* but the any-method operation and "
          "a property's name, the operation's integration gone");
    CHECK(!at(doc, "x-apigw-gateway-responses") && !at(doc, "x-apigw-cors")
          && !at(doc, "paths/x-apigw-paths-note")
          && !at(doc, "paths/~pets/get/x-apigw-throttle")
          && !at(doc, "paths/~pets/get/x-apigw-integration")
          && !at(doc, "paths/~pets/get/parameters/0/schema/x-apigw-format")
          && !at(doc, "paths/~pets/get/responses/x-apigw-responses-note")
          && !at(doc, "components/securitySchemes/user/x-apigw-jwt")
          && !at(doc, "components/securitySchemes/oauth/flows/implicit/"
                      "x-apigw-flow-note")
          && !at(doc, "components/x-apigw-components-note"),
          "strip: every x-apigw-* extension dropped");
    CHECK(str_at(doc, "x-team", "payments")
          && str_at(doc, "info/x-logo/x-apigw-nested", "kept")
          && str_at(doc, "paths/~pets/get/x-internal-note", "kept"),
          "strip: the user's own extensions stay, as they are");
    CHECK(str_at(doc, "paths/~pets/get/parameters/0/name", "x-apigw-mode")
          && str_at(doc, "paths/~pets/get/parameters/0/example/"
                         "x-apigw-integration", "data")
          && at(doc, "paths/~pets/get/responses/200/headers/"
                     "x-apigw-request-id/schema")
          && at(doc, "paths/~pets/get/responses/200/content/"
                     "application~json/schema/properties/"
                     "x-amazon-apigateway-integration")
          && str_at(doc, "paths/~pets/get/responses/200/content/"
                         "application~json/schema/default/x-apigw-jwt",
                    "data")
          && str_at(doc, "paths/~pets/get/responses/200/content/"
                         "application~json/schema/enum/0/x-apigw-cors",
                    "data")
          && str_at(doc, "paths/~pets/get/responses/200/content/"
                         "application~json/examples/one/value/"
                         "x-apigw-integration", "data")
          && at(doc, "components/schemas/x-apigw-named")
          && str_at(doc, "components/securitySchemes/oauth/flows/implicit/"
                         "scopes/x-apigw-scope", "a scope"),
          "strip: names and data that look like extensions stay");
    CHECK(!at(doc, "paths/~pets/get/responses/200/content/application~json/"
                   "schema/x-amazon-apigateway-foo"),
          "strip: a schema's extension dropped");

    CHECK(json_array_size(at(doc, "servers")) == 1
          && str_at(doc, "servers/0/url", "https://api.example.com/prod")
          && str_at(doc, "servers/0/description", "prod")
          && !at(doc, "paths/~pets/servers")
          && !at(doc, "paths/~pets/get/servers")
          && str_at(doc, "paths/~pets/get/callbacks/onEvent/"
                         "{$request.body#~url}/servers/0/url",
                    "http://callee"),
          "strip: servers replaced, dropped from the API's paths, a "
          "callback's kept");
    CHECK(strstr(text, "stageVariables") == NULL
          && strstr(text, ".internal") == NULL,
          "strip: nothing of the integrations in the text");

    op = at(doc, "paths/~pets/get/callbacks/onEvent/{$request.body#~url}/"
                 "post");
    CHECK(op && !at(op, "x-apigw-integration"),
          "strip: in callbacks too");

    /* the same in YAML */

    y = export(api->docs->docs->root, 0, 1, NULL);
    CHECK(y && json_equal(y, doc), "strip: YAML reads back as the JSON");

    json_decref(y);
    json_decref(doc);
    free(text);

    /* each group asked for */

    doc = export(api->docs->docs->root, APIGW_EXPORT_INTEGRATIONS, 0, NULL);
    CHECK(doc && at(doc, "paths/~pets/get/x-apigw-integration")
          && at(doc, "paths/~files~{proxy+}/x-amazon-apigateway-any-method/"
                     "x-amazon-apigateway-integration")
          && !at(doc, "paths/~pets/get/x-apigw-throttle")
          && !at(doc, "paths/~pets/get/"
                      "x-amazon-apigateway-request-validator")
          && !at(doc, "components/securitySchemes/user/x-apigw-jwt"),
          "extensions=integrations: both integrations, nothing else");
    json_decref(doc);

    doc = export(api->docs->docs->root, APIGW_EXPORT_AUTHORIZERS, 0, NULL);
    CHECK(doc && at(doc, "components/securitySchemes/user/x-apigw-jwt")
          && at(doc, "components/securitySchemes/custom/"
                     "x-amazon-apigateway-authorizer")
          && str_at(doc, "components/securitySchemes/custom/"
                         "x-amazon-apigateway-authtype", "custom")
          && !at(doc, "paths/~pets/get/x-apigw-integration"),
          "extensions=authorizers: the authorizers, no integration");
    json_decref(doc);

    doc = export(api->docs->docs->root, APIGW_EXPORT_APIGATEWAY, 0, NULL);
    CHECK(doc && count_keys(doc, "x-amazon-apigateway-") == 9
          && count_keys(doc, "x-apigw-") == 8,
          "extensions=apigateway: every x-amazon-apigateway-*, no "
          "x-apigw-* but names and data");
    json_decref(doc);

    doc = export(api->docs->docs->root, APIGW_EXPORT_APIGW, 0, NULL);
    CHECK(doc && count_keys(doc, "x-apigw-") == 19
          && count_keys(doc, "x-amazon-apigateway-") == 2,
          "extensions=apigw: every x-apigw-*, no x-amazon-apigateway-* but "
          "the operation and a property's name");

    y = export(api->docs->docs->root, APIGW_EXPORT_APIGW, 1, NULL);
    CHECK(y && json_equal(y, doc), "extensions=apigw: YAML reads back as "
          "the JSON");
    json_decref(y);
    json_decref(doc);

    apigw_api_free(api);
}


/* servers absent: after info */
static void
test_servers(void)
{
    char        *text;
    void        *iter;
    json_t      *doc, *y;

    doc = json_pack("{s:s, s:{s:s, s:s}, s:{}}", "openapi", "3.1.0", "info",
                    "title", "t", "version", "1", "paths");

    y = export(doc, 0, 0, &text);
    iter = y ? json_object_iter(y) : NULL;
    iter = iter ? json_object_iter_next(y, iter) : NULL;
    iter = iter ? json_object_iter_next(y, iter) : NULL;

    CHECK(iter && strcmp(json_object_iter_key(iter), "servers") == 0
          && str_at(y, "servers/0/url", "https://api.example.com/prod"),
          "servers: added after info when the spec has none");
    CHECK(strncmp(text, "{\n  \"openapi\": \"3.1.0\",\n  \"info\": {\n"
                  "    \"title\": \"t\",", 41) == 0,
          "servers: JSON indented by two spaces");

    json_decref(y);
    json_decref(doc);
    free(text);
}


static void
test_yaml_values(void)
{
    char        *text;
    size_t       i;
    json_t      *doc, *data, *keys, *y;

    static const char  *strings[] = {
        "", "true", "True", "TRUE", "false", "yes", "No", "ON", "off", "y",
        "N", "null", "Null", "~", "1", "1.0", "-1", "+1", ".5", "0x1f",
        "0o17", "017", "1e3", "1_000", "12:30:00", "2001-12-14",
        "2001-12-14t21:59:43.10-05:00", ".inf", "-.inf", ".NaN", "<<", "=",
        "-", "- item", "? x", "?x", ": x", ":x", "#c", "a #b", "a# b",
        "a: b", "a:b", "{x}", "[x]", "x]", "'q'", "\"dq\"", "|", ">", "!tag",
        "&anchor", "*alias", "%directive", "@x", "`x", ",x", " lead",
        "trail ", "tab\there", "line1\nline2", "line1\nline2\n", "\n",
        "\n\n", "end\n\n", " indented\nblock", "cr\r\nlf", "nel\xc2\x85x",
        "ls\xe2\x80\xa8x", "ps\xe2\x80\xa9x", "bom\xef\xbb\xbfx",
        "\xef\xbb\xbf", "ctrl\x01x", "del\x7fx", "\xc3\xa9t\xc3\xa9",
        "\xe6\x97\xa5\xe6\x9c\xac", "\xf0\x9f\x98\x80 emoji", "---", "...",
        "--- x", "a\\b", "\\", "/pets/{id}", "#/components/schemas/Pet",
        "${stageVariables.x}", "$ref", "x-apigw-integration",
        "text  with  spaces", "trailing space \nnext", "a\n b\n  c",
        NULL
    };

    static const double  reals[] = {
        0.1, 1.5, -2.25, 1e300, 1e-300, -0.0, 123456789.125, 5e-324,
        1.7976931348623157e308, 1e21, 1e22, 0.3, 2.0 / 3.0, 100.0, 1e-7
    };

    data = json_array();
    keys = json_object();

    for (i = 0; strings[i]; i++) {
        json_array_append_new(data, json_string(strings[i]));
        json_object_set_new(keys, strings[i], json_integer(i));
    }

    for (i = 0; i < sizeof(reals) / sizeof(reals[0]); i++) {
        json_array_append_new(data, json_real(reals[i]));
    }

    json_array_append_new(data, json_integer(0));
    json_array_append_new(data, json_integer(-1));
    json_array_append_new(data, json_integer(INT64_MAX));
    json_array_append_new(data, json_integer(INT64_MIN));
    json_array_append_new(data, json_true());
    json_array_append_new(data, json_false());
    json_array_append_new(data, json_null());
    json_array_append_new(data, json_object());
    json_array_append_new(data, json_array());
    json_array_append_new(data, json_pack("[[],{},[[1]],{s:{}}]", "a"));

    /* a key longer than a simple key may be: "? key" */
    json_object_set_new(keys, "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
                        "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
                        "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
                        "kkkkkkkkkkkkkkkkkkkkk", json_true());
    json_object_set_new(keys, "multi\nline key", json_true());

    doc = json_pack("{s:s, s:{s:s, s:s}, s:{}, s:o, s:o}", "openapi",
                    "3.0.3", "info", "title", "t", "version", "1", "paths",
                    "x-data", data, "x-keys", keys);

    y = export(doc, 0, 1, &text);

    json_object_del(y, "servers");

    CHECK(y && json_equal(y, doc),
          "YAML: %zu strings a reader could take for something else, "
          "numbers, booleans, null, empty collections: read back the same",
          i);

    if (y && !json_equal(y, doc)) {
        NOTE("%s", text);
    }

    free(text);
    json_decref(y);

    y = export(doc, 0, 0, &text);
    json_object_del(y, "servers");
    CHECK(y && json_equal(y, doc), "JSON: the same read back");
    if (!CHECK(strstr(text, "\"ctrl\\u0001x\"")
               && strstr(text, "\"cr\\r\\nlf\"")
               && strstr(text, "0.1,") && strstr(text, "1.0e+300,")
               && strstr(text, "100.0,") && strstr(text, "-0.0,"),
               "JSON: control characters escaped, reals short and with a "
               "dot"))
    {
        NOTE("%s", text);
    }

    free(text);
    json_decref(y);
    json_decref(doc);
}


/* every spec of the unit and Perl tests that loads: JSON and YAML agree */
static void
test_all_specs(void)
{
    int             n, bad;
    DIR            *d;
    char            p[1024];
    json_t         *bundle, *j, *y;
    apigw_api_t    *api;
    apigw_error_t   err;
    struct dirent  *de;

    static const char  *dirs[] = {
        "specs", "../specs", "../specs/openapi-examples", NULL
    };

    n = 0;
    bad = 0;

    for (const char **dir = dirs; *dir; dir++) {
        d = opendir(*dir);
        if (d == NULL) {
            continue;
        }

        while ((de = readdir(d)) != NULL) {
            if (!strstr(de->d_name, ".yaml") && !strstr(de->d_name, ".json"))
            {
                continue;
            }

            snprintf(p, sizeof(p), "%s/%s", *dir, de->d_name);
            memset(&err, 0, sizeof(apigw_error_t));

            api = apigw_api_load(p, 0, &err);
            if (api == NULL) {
                continue;
            }

            bundle = apigw_export_bundle(api->docs, &err);
            j = bundle ? export(bundle, APIGW_EXPORT_APIGW
                                        | APIGW_EXPORT_APIGATEWAY, 0, NULL)
                       : NULL;
            y = bundle ? export(bundle, APIGW_EXPORT_APIGW
                                        | APIGW_EXPORT_APIGATEWAY, 1, NULL)
                       : NULL;

            if (j == NULL || y == NULL || !json_equal(j, y)) {
                NOTE("%s: JSON and YAML differ", p);
                bad++;
            }

            n++;

            json_decref(j);
            json_decref(y);
            json_decref(bundle);
            apigw_api_free(api);
        }

        closedir(d);
    }

    CHECK(n >= 10 && bad == 0, "%d specs of the tests: JSON and YAML "
          "exports read back the same (%d differ)", n, bad);
}


#define ROOT_SPEC                                                             \
    "openapi: 3.0.3\n"                                                        \
    "info: {title: bundle, version: '1'}\n"                                   \
    "paths:\n"                                                                \
    "  /pets:\n"                                                              \
    "    $ref: paths/pets.yaml\n"                                             \
    "  /errors:\n"                                                            \
    "    get:\n"                                                              \
    "      responses:\n"                                                      \
    "        '400':\n"                                                        \
    "          description: bad\n"                                            \
    "          content:\n"                                                    \
    "            application/json:\n"                                         \
    "              schema: {$ref: 'common.yaml#/components/schemas/Error'}\n" \
    "        '500':\n"                                                        \
    "          description: ours\n"                                           \
    "          content:\n"                                                    \
    "            application/json:\n"                                         \
    "              schema: {$ref: '#/components/schemas/Error'}\n"            \
    "components:\n"                                                           \
    "  schemas:\n"                                                            \
    "    Error: {type: object, properties: {code: {type: integer}}}\n"        \
    "    Animal:\n"                                                           \
    "      type: object\n"                                                    \
    "      discriminator:\n"                                                  \
    "        propertyName: kind\n"                                            \
    "        mapping:\n"                                                      \
    "          dog: 'common.yaml#/components/schemas/Dog'\n"                  \
    "          cat: Cat\n"                                                    \
    "      properties: {kind: {type: string}}\n"

#define PETS_SPEC                                                             \
    "get:\n"                                                                  \
    "  parameters:\n"                                                         \
    "    - $ref: '../common.yaml#/components/parameters/Limit'\n"             \
    "  responses:\n"                                                          \
    "    '200': {$ref: '../common.yaml#/components/responses/Pets'}\n"        \
    "post:\n"                                                                 \
    "  requestBody:\n"                                                        \
    "    content:\n"                                                          \
    "      application/json:\n"                                               \
    "        schema: {$ref: '../common.yaml#/components/schemas/Pet'}\n"      \
    "  responses:\n"                                                          \
    "    '201': {description: made}\n"

#define COMMON_SPEC                                                           \
    "components:\n"                                                           \
    "  parameters:\n"                                                         \
    "    Limit:\n"                                                            \
    "      name: limit\n"                                                     \
    "      in: query\n"                                                       \
    "      schema: {$ref: '#/components/schemas/Count'}\n"                    \
    "  responses:\n"                                                          \
    "    Pets:\n"                                                             \
    "      description: pets\n"                                               \
    "      content:\n"                                                        \
    "        application/json:\n"                                             \
    "          schema: {type: array, items: "                                 \
    "{$ref: '#/components/schemas/Pet'}}\n"                                   \
    "  schemas:\n"                                                            \
    "    Count: {type: integer, minimum: 0}\n"                                \
    "    Error: {type: object, properties: {message: {type: string}}}\n"      \
    "    Pet:\n"                                                              \
    "      type: object\n"                                                    \
    "      properties:\n"                                                     \
    "        parent: {$ref: '#/components/schemas/Pet'}\n"                    \
    "        tag: {$ref: 'tag.yaml'}\n"                                       \
    "        owner_error: {$ref: 'root.yaml#/components/schemas/Error'}\n"    \
    "        x-apigw-integration: {type: string}\n"                           \
    "      example: {$ref: not-a-ref.yaml}\n"                                 \
    "    Dog: {type: object, properties: {bark: {type: boolean}}}\n"

#define TAG_SPEC                                                              \
    "type: object\n"                                                          \
    "properties:\n"                                                           \
    "  name: {type: string}\n"                                                \
    "  self: {$ref: '#'}\n"


static void
test_bundle(void)
{
    int             good, bad;
    char           *text;
    json_t         *before, *out, *j, *y;
    apigw_api_t    *api;
    apigw_error_t   err;

    write_file("root.yaml", ROOT_SPEC);
    write_file("paths/pets.yaml", PETS_SPEC);
    write_file("common.yaml", COMMON_SPEC);
    write_file("tag.yaml", TAG_SPEC);

    api = load("root.yaml");

    if (!CHECK(api != NULL && api->docs->ndocs == 4,
               "bundle: a spec in four files loads"))
    {
        apigw_api_free(api);
        return;
    }

    before = json_deep_copy(api->docs->docs->root);

    memset(&err, 0, sizeof(apigw_error_t));
    out = apigw_export_bundle(api->docs, &err);

    if (!CHECK(out != NULL, "bundle: done (%s)", err.message)) {
        json_decref(before);
        apigw_api_free(api);
        return;
    }

    CHECK(json_equal(before, api->docs->docs->root),
          "bundle: the loaded document is left as it is");

    good = 0;
    bad = 0;
    check_refs(out, out, &good, &bad);

    CHECK(good >= 10 && bad == 0, "bundle: %d refs, every one internal and "
          "resolving (%d not)", good, bad);

    CHECK(at(out, "paths/~pets/get") && at(out, "paths/~pets/post")
          && !at(out, "paths/~pets/$ref"),
          "bundle: a path item in its own file copied in place");
    CHECK(str_at(out, "paths/~pets/get/parameters/0/$ref",
                 "#/components/parameters/Limit")
          && str_at(out, "components/parameters/Limit/schema/$ref",
                    "#/components/schemas/Count")
          && str_at(out, "paths/~pets/get/responses/200/$ref",
                    "#/components/responses/Pets")
          && str_at(out, "components/responses/Pets/content/"
                         "application~json/schema/items/$ref",
                    "#/components/schemas/Pet"),
          "bundle: parameters, responses and schemas made components of "
          "their kind, under their names");
    CHECK(str_at(out, "components/schemas/Pet/properties/parent/$ref",
                 "#/components/schemas/Pet")
          && str_at(out, "components/schemas/Pet/properties/tag/$ref",
                    "#/components/schemas/tag")
          && str_at(out, "components/schemas/tag/properties/self/$ref",
                    "#/components/schemas/tag"),
          "bundle: recursive schemas, a whole file named after it");
    CHECK(str_at(out, "paths/~errors/get/responses/400/content/"
                      "application~json/schema/$ref",
                 "#/components/schemas/Error_2")
          && str_at(out, "components/schemas/Error_2/properties/message/"
                         "type", "string")
          && str_at(out, "components/schemas/Error/properties/code/type",
                    "integer")
          && str_at(out, "paths/~errors/get/responses/500/content/"
                         "application~json/schema/$ref",
                    "#/components/schemas/Error")
          && str_at(out, "components/schemas/Pet/properties/owner_error/"
                         "$ref", "#/components/schemas/Error"),
          "bundle: a name taken by the root's own gets a suffix; refs "
          "within the root and back to it are the root's");
    CHECK(str_at(out, "components/schemas/Animal/discriminator/mapping/dog",
                 "#/components/schemas/Dog")
          && str_at(out, "components/schemas/Animal/discriminator/mapping/"
                         "cat", "Cat")
          && at(out, "components/schemas/Dog/properties/bark"),
          "bundle: a discriminator's mapping to another file follows");
    CHECK(str_at(out, "components/schemas/Pet/example/$ref",
                 "not-a-ref.yaml"),
          "bundle: data is left alone");
    CHECK(json_object_size(at(out, "components/schemas")) == 7
          && json_object_get(at(out, "components"), "responses")
          && json_object_get(at(out, "components"), "parameters"),
          "bundle: each target once");

    j = export(out, 0, 0, &text);
    y = export(out, 0, 1, NULL);

    CHECK(j && y && json_equal(j, y)
          && at(j, "components/schemas/Pet/properties/x-apigw-integration"),
          "bundle: exported, JSON and YAML agree, a property named like an "
          "extension kept");

    free(text);
    json_decref(j);
    json_decref(y);
    json_decref(out);
    json_decref(before);
    apigw_api_free(api);

    /* one file: nothing to change, nothing copied */

    write_file("one.yaml", "openapi: 3.1.0\ninfo: {title: t, version: '1'}\n"
               "paths:\n  /a: {get: {responses: {'200': {$ref: "
               "'#/components/responses/ok'}}}}\n"
               "components: {responses: {ok: {description: ok}}}\n");

    api = load("one.yaml");
    out = api ? apigw_export_bundle(api->docs, &err) : NULL;

    CHECK(out != NULL && out == api->docs->docs->root,
          "bundle: one file is its own bundle, shared");

    json_decref(out);
    apigw_api_free(api);

    /* the tests' petstore: a path item in a file, one in another's key */

    memset(&err, 0, sizeof(apigw_error_t));
    api = apigw_api_load("specs/petstore-30.json", 0, &err);
    out = api ? apigw_export_bundle(api->docs, &err) : NULL;

    good = 0;
    bad = 0;

    if (out) {
        check_refs(out, out, &good, &bad);
    }

    CHECK(out && bad == 0 && at(out, "paths/~users/get")
          && at(out, "paths/~users~{id}/get")
          && str_at(out, "paths/~users/get/parameters/0/$ref",
                    "#/components/parameters/Limit_2")
          && str_at(out, "components/parameters/Limit_2/schema/$ref",
                    "#/components/schemas/Count"),
          "bundle: the tests' petstore, %d refs, all internal", good);

    json_decref(out);
    apigw_api_free(api);
}


/* path items that lead back to themselves cannot be copied in place */
static void
test_bundle_cycle(void)
{
    json_t         *out;
    apigw_api_t    *api;
    apigw_error_t   err;

    write_file("cyc.yaml", "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n"
               "paths:\n  /a: {$ref: 'cyc-item.yaml'}\n");
    write_file("cyc-item.yaml",
               "get:\n  callbacks:\n    again:\n      '{$url}': "
               "{$ref: 'cyc-item.yaml'}\n"
               "  responses: {'200': {description: ok}}\n");

    api = load("cyc.yaml");

    if (!CHECK(api != NULL, "cycle: loads")) {
        return;
    }

    memset(&err, 0, sizeof(apigw_error_t));
    out = apigw_export_bundle(api->docs, &err);

    CHECK(out == NULL && strstr(err.message, "leads back to itself")
          && strstr(err.file, "cyc-item.yaml"),
          "cycle: through path items, refused: %s: %s", err.file,
          err.message);

    json_decref(out);
    apigw_api_free(api);
}


static void
test_write_fails(void)
{
    int                  rc, yaml;
    char                 errbuf[128];
    out_t                o;
    json_t              *doc;
    apigw_export_opts_t  opts;

    doc = json_pack("{s:s, s:{s:s, s:s}, s:{}}", "openapi", "3.0.3", "info",
                    "title", "t", "version", "1", "paths");

    for (yaml = 0; yaml <= 1; yaml++) {
        memset(&o, 0, sizeof(out_t));
        o.fail_after = 1;

        memset(&opts, 0, sizeof(apigw_export_opts_t));
        opts.yaml = yaml;
        opts.write = out_write;
        opts.data = &o;

        errbuf[0] = '\0';
        rc = apigw_export_write(doc, &opts, errbuf, sizeof(errbuf));

        CHECK(rc == -1 && strstr(errbuf, "could not be written"),
              "%s: a writer that fails stops the export: %s",
              yaml ? "YAML" : "JSON", errbuf);

        free(o.data);
    }

    json_decref(doc);
}


static void
cleanup(void)
{
    char  cmd[sizeof(tmp) + 16];

    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);

    if (system(cmd) != 0) {
        NOTE("could not remove %s", tmp);
    }
}


int
main(void)
{
    if (mkdtemp(tmp) == NULL) {
        perror("mkdtemp");
        return 1;
    }

    test_extensions();
    test_keep();
    test_strip();
    test_servers();
    test_yaml_values();
    test_all_specs();
    test_bundle();
    test_bundle_cycle();
    test_write_fails();

    cleanup();

    return unit_done();
}
