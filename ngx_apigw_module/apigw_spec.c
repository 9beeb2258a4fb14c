
/*
 * Copyright (C) apigw contributors
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apigw_spec_int.h"
#include "apigw_schema.h"


/* compiles an OpenAPI 3.0/3.1 document into operations and a route trie */


static int apigw_spec_version(apigw_compile_t *c, apigw_loc_t *root);
static int apigw_spec_paths(apigw_compile_t *c, apigw_loc_t *root);
static int apigw_spec_path_item(apigw_compile_t *c, const char *path,
    apigw_loc_t *item);
static int apigw_spec_operation(apigw_compile_t *c, const char *path,
    int method, apigw_loc_t *item, apigw_loc_t *loc);
static int apigw_spec_path_params(apigw_compile_t *c, apigw_operation_t *op);
static int apigw_spec_discriminators(apigw_compile_t *c,
    apigw_operation_t *op, apigw_loc_t *item);
static int apigw_spec_header_param(apigw_compile_t *c, apigw_loc_t *params,
    const char *name, size_t len);
static int apigw_spec_operation_id(apigw_compile_t *c, apigw_operation_t *op);
static int apigw_spec_integration(apigw_compile_t *c, apigw_operation_t *op);
static int apigw_spec_http(apigw_compile_t *c, apigw_operation_t *op,
    apigw_loc_t *ext, int aws);
static int apigw_spec_mock(apigw_compile_t *c, apigw_operation_t *op,
    apigw_loc_t *ext, int aws);
static int apigw_spec_gateway_responses(apigw_compile_t *c,
    apigw_loc_t *root);
static int apigw_spec_gateway_response(apigw_compile_t *c, int type,
    apigw_loc_t *loc);
static int apigw_spec_unusable(apigw_compile_t *c, apigw_operation_t *op);
static void apigw_operation_strip(apigw_operation_t *op);
static void apigw_operation_free(apigw_operation_t *op);


const apigw_gr_default_t  apigw_gr_defaults[APIGW_GR_COUNT] = {
    { "DEFAULT_4XX", 400, "Bad Request", "BadRequestException" },
    { "DEFAULT_5XX", 500, "Internal server error",
      "InternalServerErrorException" },
    { "ACCESS_DENIED", 403, "User is not authorized to access this resource",
      "AccessDeniedException" },
    { "API_CONFIGURATION_ERROR", 500, "Internal server error",
      "InternalServerErrorException" },
    { "AUTHORIZER_CONFIGURATION_ERROR", 500, "Internal server error",
      "AuthorizerConfigurationException" },
    { "AUTHORIZER_FAILURE", 500, "Internal server error",
      "AuthorizerConfigurationException" },
    { "BAD_REQUEST_PARAMETERS", 400, "Bad request parameters",
      "BadRequestException" },
    { "BAD_REQUEST_BODY", 400, "Invalid request body",
      "BadRequestException" },
    { "EXPIRED_TOKEN", 403, "The security token included in the request is "
      "expired", "ExpiredTokenException" },
    { "INTEGRATION_FAILURE", 502, "Internal server error",
      "InternalServerErrorException" },
    { "INTEGRATION_TIMEOUT", 504, "Endpoint request timed out",
      "InternalServerErrorException" },
    { "INVALID_API_KEY", 403, "Forbidden", "ForbiddenException" },
    { "INVALID_SIGNATURE", 403, "Forbidden", "InvalidSignatureException" },
    { "MISSING_AUTHENTICATION_TOKEN", 403, "Missing Authentication Token",
      "MissingAuthenticationTokenException" },
    { "QUOTA_EXCEEDED", 429, "Limit Exceeded", "LimitExceededException" },
    { "REQUEST_TOO_LARGE", 413, "Request Too Long",
      "RequestTooLargeException" },
    { "RESOURCE_NOT_FOUND", 404, "Not Found", "NotFoundException" },
    { "THROTTLED", 429, "Too Many Requests", "TooManyRequestsException" },
    { "UNAUTHORIZED", 401, "Unauthorized", "UnauthorizedException" },
    { "UNSUPPORTED_MEDIA_TYPE", 415, "Unsupported Media Type",
      "UnsupportedMediaTypeException" },
    { "WAF_FILTERED", 403, "Forbidden", "WAFFilteredException" },
};


/* OpenAPI's operation keys, in apigw_method_e order */
static const char  *apigw_spec_methods[] = {
    "get", "put", "post", "delete", "options", "head", "patch", "trace", NULL
};


apigw_api_t *
apigw_api_load(const char *path, unsigned flags, apigw_error_t *err)
{
    apigw_loc_t       root;
    apigw_compile_t   c;

    memset(&c, 0, sizeof(c));
    c.err = err;

    c.ids = json_object();
    if (c.ids == NULL) {
        snprintf(err->file, sizeof(err->file), "%s", path);
        apigw_error_set(err, "", 0, "out of memory");
        return NULL;
    }

    c.api = calloc(1, sizeof(apigw_api_t));
    if (c.api == NULL) {
        json_decref(c.ids);
        snprintf(err->file, sizeof(err->file), "%s", path);
        apigw_error_set(err, "", 0, "out of memory");
        return NULL;
    }

    c.api->warnings.strict = (flags & APIGW_LOAD_STRICT) != 0;

    c.api->docs = apigw_docset_load(path, err);
    if (c.api->docs == NULL) {
        goto failed;
    }

    c.api->router = apigw_router_create();
    if (c.api->router == NULL) {
        apigw_error_set(err, "", 0, "out of memory");
        goto failed;
    }

    root.doc = c.api->docs->docs;
    root.node = root.doc->root;
    root.key = NULL;
    root.pointer[0] = '\0';

    if (!json_is_object(root.node)) {
        apigw_loc_error(err, &root, "an OpenAPI document must be an object");
        goto failed;
    }

    if (apigw_spec_version(&c, &root) != 0
        || apigw_docset_check_refs(c.api->docs, err) != 0
        || apigw_spec_validation_init(&c, &root) != 0
        || apigw_spec_security_init(&c, &root) != 0
        || apigw_spec_gateway_responses(&c, &root) != 0
        || apigw_spec_cors(&c, &root) != 0
        || apigw_spec_binary_types(&c, &root) != 0
        || apigw_spec_paths(&c, &root) != 0
        || apigw_spec_cache_namespaces(&c) != 0)
    {
        goto failed;
    }

    json_decref(c.ids);

    return c.api;

failed:

    json_decref(c.ids);
    apigw_api_free(c.api);

    return NULL;
}


void
apigw_api_free(apigw_api_t *api)
{
    size_t                     i, j;
    apigw_gateway_response_t  *gr;

    if (api == NULL) {
        return;
    }

    for (i = 0; i < api->nops; i++) {
        apigw_operation_free(&api->ops[i]);
    }

    for (i = 0; i < APIGW_GR_COUNT; i++) {
        gr = api->responses[i];

        if (gr == NULL) {
            continue;
        }

        for (j = 0; j < gr->nheaders; j++) {
            free(gr->headers[j].name);
            free(gr->headers[j].value);
        }

        free(gr->headers);
        apigw_tpl_free(gr->body);
        free(gr);
    }

    for (i = 0; i < api->nbinary_types; i++) {
        free(api->binary_types[i]);
    }

    free(api->binary_types);
    free(api->ops);
    apigw_spec_security_free(api, NULL);
    apigw_cors_free(api->cors);

    if (api->schemas) {
        apigw_schema_set_free(api->schemas);
    }

    apigw_router_free(api->router);
    apigw_docset_free(api->docs);
    apigw_warnings_free(&api->warnings);
    free(api);
}


/*
 * A problem confined to the operation (c->err says what): a warning, and
 * the operation keeps its route and security only, and answers
 * API_CONFIGURATION_ERROR.  Security is not among such problems: a
 * requirement the gateway cannot check fails the load.
 */
static int
apigw_spec_unusable(apigw_compile_t *c, apigw_operation_t *op)
{
    if (strcmp(c->err->message, "out of memory") == 0) {
        return -1;
    }

    /* a second problem (its route) after the first */
    free(op->problem);

    op->problem = strdup(c->err->message);
    if (op->problem == NULL) {
        apigw_error_set(c->err, "", 0, "out of memory");
        return -1;
    }

    apigw_operation_strip(op);

    return apigw_warn(&c->api->warnings, c->err);
}


/* what validation and the integration compiled, gone */
static void
apigw_operation_strip(apigw_operation_t *op)
{
    size_t  i;

    for (i = 0; i < op->integration.nheaders; i++) {
        free(op->integration.headers[i].name);
        free(op->integration.headers[i].value);
    }

    apigw_spec_validation_free(op);
    apigw_spec_mapping_free(&op->integration);
    apigw_cache_conf_free(&op->cache);

    free(op->integration.method);
    free(op->integration.headers);
    free(op->integration.body);
    apigw_tpl_free(op->integration.uri);
    apigw_tpl_free(op->integration.function);
    apigw_tpl_free(op->integration.qualifier);

    op->parameters = NULL;
    op->nparameters = 0;
    memset(&op->body, 0, sizeof(apigw_content_t));
    op->responses = NULL;
    op->nresponses = 0;
    op->validate_params = 0;
    op->validate_body = 0;

    memset(&op->integration, 0, sizeof(apigw_integration_t));
    op->integration.type = APIGW_INTEGRATION_NONE;
    op->integration.timeout_ms = APIGW_TIMEOUT_MAX;

    /* an operation that did not load is never cached */
    op->cache.enabled = 0;
}


static void
apigw_operation_free(apigw_operation_t *op)
{
    size_t  i;

    for (i = 0; i < op->nparams; i++) {
        free(op->param_names[i]);
    }

    for (i = 0; i < op->nconds; i++) {
        free(op->conds[i].name);
        free(op->conds[i].value);
    }

    apigw_operation_strip(op);
    apigw_spec_security_free(NULL, op);

    free(op->param_names);
    free(op->conds);
    free(op->path);
    free(op->route_path);
    free(op->route_key);
    free(op->operation_id);
    free(op->problem);
}


char *
apigw_strndup(const char *s, size_t len)
{
    char  *p;

    p = malloc(len + 1);
    if (p == NULL) {
        return NULL;
    }

    memcpy(p, s, len);
    p[len] = '\0';

    return p;
}


/* a string as is, anything else as compact JSON */
char *
apigw_json_text(json_t *value, size_t *len)
{
    char  *text;

    if (json_is_string(value)) {
        *len = json_string_length(value);
        return apigw_strndup(json_string_value(value), *len);
    }

    text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);

    if (text) {
        *len = strlen(text);
    }

    return text;
}


json_t *
apigw_spec_member(apigw_loc_t *parent, apigw_loc_t *child, const char *name,
    const char *alias)
{
    json_t  *value;

    value = json_object_get(parent->node, name);

    if (value == NULL && alias) {
        value = json_object_get(parent->node, alias);
        name = alias;
    }

    if (value) {
        apigw_loc_child(parent, child, name, value);
    }

    return value;
}


static int
apigw_spec_version(apigw_compile_t *c, apigw_loc_t *root)
{
    json_t       *v;
    const char   *s;
    apigw_loc_t   loc;

    if (json_object_get(root->node, "swagger")) {
        apigw_loc_error(c->err, root, "Swagger 2.0 documents are not "
                        "supported: convert the spec to OpenAPI 3 first "
                        "(for example with swagger2openapi)");
        return -1;
    }

    v = apigw_spec_member(root, &loc, "openapi", NULL);

    if (v == NULL) {
        apigw_loc_error(c->err, root, "\"openapi\" is missing: this is not "
                        "an OpenAPI 3 document");
        return -1;
    }

    s = json_string_value(v);

    if (s == NULL || (strncmp(s, "3.0", 3) != 0 && strncmp(s, "3.1", 3) != 0)
        || (s[3] != '\0' && s[3] != '.'))
    {
        apigw_loc_error(c->err, &loc, "OpenAPI version must be 3.0.x or "
                        "3.1.x");
        return -1;
    }

    c->api->oas31 = (s[2] == '1');

    return 0;
}


static int
apigw_spec_paths(apigw_compile_t *c, apigw_loc_t *root)
{
    int                 rc;
    char                errbuf[APIGW_ERR_LEN];
    void               *prev;
    size_t              i;
    json_t             *paths, *item;
    const char         *path;
    apigw_loc_t         loc, iloc;
    apigw_operation_t  *op;

    paths = apigw_spec_member(root, &loc, "paths", NULL);

    if (paths == NULL) {
        if (c->api->oas31) {
            return 0;
        }

        apigw_loc_error(c->err, root, "\"paths\" is missing");
        return -1;
    }

    if (!json_is_object(paths)) {
        apigw_loc_error(c->err, &loc, "\"paths\" must be an object");
        return -1;
    }

    json_object_foreach(paths, path, item) {
        if (strncmp(path, "x-", 2) == 0) {
            continue;
        }

        apigw_loc_child(&loc, &iloc, path, item);

        if (path[0] != '/') {
            apigw_loc_error(c->err, &iloc, "a path must start with \"/\"");

            if (apigw_warn(&c->api->warnings, c->err) != 0) {
                return -1;
            }

            continue;
        }

        if (apigw_deref(c->api->docs, &iloc, c->err) != 0) {
            return -1;
        }

        if (!json_is_object(iloc.node)) {
            apigw_loc_error(c->err, &iloc, "a path item must be an object");

            if (apigw_warn(&c->api->warnings, c->err) != 0) {
                return -1;
            }

            continue;
        }

        if (apigw_spec_path_item(c, path, &iloc) != 0) {
            return -1;
        }
    }

    /*
     * the operations array is final now: the trie may point into it.  Of
     * operations that no request can tell apart, the first is routed.
     */

    for (i = 0; i < c->api->nops; i++) {
        op = &c->api->ops[i];

        rc = apigw_router_add(c->api->router, op->route_path, op->method,
                              op->conds, op->nconds, op, &prev, errbuf,
                              sizeof(errbuf));
        if (rc == 0) {
            continue;
        }

        /*
         * not routed: requests for it find no route, or go to the first
         * one; it did not load
         */

        if (rc < 0) {
            apigw_loc_error(c->err, &op->loc, "%s", errbuf);

        } else {
            apigw_loc_error(c->err, &op->loc, "%s conflicts with %s declared "
                            "before it (same path template, method and "
                            "discriminators): requests go to the first",
                            op->route_key,
                            ((apigw_operation_t *) prev)->route_key);
        }

        if (apigw_spec_unusable(c, op) != 0) {
            return -1;
        }
    }

    return 0;
}


static int
apigw_spec_path_item(apigw_compile_t *c, const char *path, apigw_loc_t *item)
{
    int           m;
    json_t       *op;
    apigw_loc_t   oloc;

    if (apigw_spec_cors_elsewhere(c, item) != 0) {
        return -1;
    }

    for (m = 0; apigw_spec_methods[m]; m++) {
        op = apigw_spec_member(item, &oloc, apigw_spec_methods[m], NULL);

        if (op == NULL) {
            continue;
        }

        if (apigw_spec_operation(c, path, m, item, &oloc) != 0) {
            return -1;
        }
    }

    op = apigw_spec_member(item, &oloc, "x-amazon-apigateway-any-method",
                           NULL);

    if (op && apigw_spec_operation(c, path, APIGW_METHOD_ANY, item,
                                   &oloc) != 0) {
        return -1;
    }

    return 0;
}


static int
apigw_spec_operation(apigw_compile_t *c, const char *path, int method,
    apigw_loc_t *item, apigw_loc_t *loc)
{
    size_t             n;
    apigw_api_t       *api;
    apigw_operation_t *op, *ops;

    api = c->api;

    if (!json_is_object(loc->node)) {
        apigw_loc_error(c->err, loc, "an operation must be an object");
        return apigw_warn(&api->warnings, c->err);
    }

    if (api->nops == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;

        ops = realloc(api->ops, c->cap * sizeof(apigw_operation_t));
        if (ops == NULL) {
            goto nomem;
        }

        api->ops = ops;
    }

    op = &api->ops[api->nops++];
    memset(op, 0, sizeof(apigw_operation_t));

    apigw_cache_conf_init(&op->cache);

    op->method = method;
    op->loc = *loc;
    op->path = strdup(path);
    op->route_path = apigw_strndup(path, strcspn(path, "?#"));

    n = strlen(path) + 16;
    op->route_key = malloc(n);

    op->operation_id = strdup("");

    if (op->path == NULL || op->route_path == NULL || op->route_key == NULL
        || op->operation_id == NULL)
    {
        goto nomem;
    }

    snprintf(op->route_key, n, "%s %s", apigw_method_name(method), path);

    if (apigw_spec_path_params(c, op) != 0) {
        /* a path that cannot be routed: the operation is left out */
        apigw_operation_free(op);
        api->nops--;

        return strcmp(c->err->message, "out of memory") == 0
               ? -1 : apigw_warn(&api->warnings, c->err);
    }

    if (apigw_spec_discriminators(c, op, item) != 0
        || apigw_spec_operation_id(c, op) != 0
        || apigw_spec_security(c, op) != 0)
    {
        return -1;
    }

    if (apigw_spec_validation(c, op, item) != 0
        || apigw_spec_integration(c, op) != 0
        || apigw_spec_cache(c, op) != 0)
    {
        return apigw_spec_unusable(c, op);
    }

    return 0;

nomem:

    apigw_loc_error(c->err, loc, "out of memory");
    return -1;
}


/* an operationId that is not a string, or taken, is a warning and unused */
static int
apigw_spec_operation_id(apigw_compile_t *c, apigw_operation_t *op)
{
    char         *s;
    json_t       *id, *prev;
    apigw_api_t  *api;

    api = c->api;
    id = json_object_get(op->loc.node, "operationId");

    if (id == NULL) {
        return 0;
    }

    if (!json_is_string(id)) {
        apigw_loc_error(c->err, &op->loc, "\"operationId\" must be a string");
        return apigw_warn(&api->warnings, c->err);
    }

    prev = json_object_get(c->ids, json_string_value(id));

    if (prev) {
        apigw_loc_error(c->err, &op->loc, "operationId \"%s\" is already "
                        "used by %s", json_string_value(id),
                        api->ops[json_integer_value(prev)].route_key);
        return apigw_warn(&api->warnings, c->err);
    }

    s = strdup(json_string_value(id));

    if (s == NULL
        || json_object_set_new(c->ids, s, json_integer(op - api->ops)) != 0)
    {
        free(s);
        apigw_loc_error(c->err, &op->loc, "out of memory");
        return -1;
    }

    free(op->operation_id);
    op->operation_id = s;

    return 0;
}


static int
apigw_spec_path_params(apigw_compile_t *c, apigw_operation_t *op)
{
    char        **names;
    size_t        i, len;
    const char   *p, *close;

    for (p = op->route_path; (p = strchr(p, '{')) != NULL; p = close) {
        close = strchr(p, '}');

        if (close == NULL) {
            apigw_loc_error(c->err, &op->loc, "path \"%s\" has an unclosed "
                            "\"{\"", op->route_path);
            return -1;
        }

        len = close - p - 1;

        if (len && p[len] == '+') {
            len--;
        }

        for (i = 0; i < op->nparams; i++) {
            if (strlen(op->param_names[i]) == len
                && strncmp(op->param_names[i], p + 1, len) == 0)
            {
                apigw_loc_error(c->err, &op->loc, "path \"%s\" names "
                                "{%.*s} twice", op->path, (int) len, p + 1);
                return -1;
            }
        }

        names = realloc(op->param_names, (op->nparams + 1) * sizeof(char *));
        if (names == NULL) {
            goto nomem;
        }

        op->param_names = names;
        names[op->nparams] = apigw_strndup(p + 1, len);

        if (names[op->nparams] == NULL) {
            goto nomem;
        }

        op->nparams++;
    }

    return 0;

nomem:

    apigw_loc_error(c->err, &op->loc, "out of memory");
    return -1;
}


/*
 * "/rest?method=x", "/#X-Amz-Target=Svc.Op", "/?Action=A&Version=V": the
 * part of a path key after "?" or "#" tells operations of one path apart
 * (APIs.guru's way).  Each "k=v" holds when the request's parameter k is
 * v: a header when the operation or its path item declares k in: header,
 * else a query parameter (its name and value form-decoded, as the
 * request's are).  A part without "=" ("#analyzerArn", "?uploads") is
 * dropped.  The declarations are read as written: an operation whose
 * parameters do not compile keeps its route.
 */
static int
apigw_spec_discriminators(apigw_compile_t *c, apigw_operation_t *op,
    apigw_loc_t *item)
{
    int                  header;
    char                *buf;
    size_t               i, n, len;
    const char          *p, *part, *eq, *end;
    apigw_loc_t          ploc, iloc;
    apigw_pair_t         pair;
    apigw_route_cond_t  *cond;

    p = op->path + strlen(op->route_path);

    if (*p == '\0') {
        return 0;
    }

    len = strlen(p);

    /* at most one discriminator per separator */
    for (i = 0, n = 0; i < len; i++) {
        n += (p[i] == '?' || p[i] == '#' || p[i] == '&');
    }

    op->conds = calloc(n, sizeof(apigw_route_cond_t));
    buf = malloc(len);

    if (op->conds == NULL || buf == NULL) {
        free(buf);
        goto nomem;
    }

    if (apigw_spec_member(&op->loc, &ploc, "parameters", NULL) == NULL) {
        ploc.node = NULL;
    }

    if (apigw_spec_member(item, &iloc, "parameters", NULL) == NULL) {
        iloc.node = NULL;
    }

    end = p + len;

    while (p < end) {
        p++;
        part = p;
        p += strcspn(p, "?#&");

        eq = memchr(part, '=', p - part);

        if (eq == NULL || eq == part) {
            continue;
        }

        header = apigw_spec_header_param(c, &ploc, part, eq - part);

        if (header == 0) {
            header = apigw_spec_header_param(c, &iloc, part, eq - part);
        }

        if (header) {
            pair.name = part;
            pair.name_len = eq - part;
            pair.value = eq + 1;
            pair.value_len = p - eq - 1;

        } else if (apigw_query_parse(part, p - part, buf, &pair, 1) != 1) {
            continue;
        }

        cond = &op->conds[op->nconds++];

        cond->in = header ? APIGW_IN_HEADER : APIGW_IN_QUERY;
        cond->name = apigw_strndup(pair.name, pair.name_len);
        cond->name_len = pair.name_len;
        cond->value = apigw_strndup(pair.value, pair.value_len);
        cond->value_len = pair.value_len;

        if (cond->name == NULL || cond->value == NULL) {
            free(buf);
            goto nomem;
        }
    }

    free(buf);

    return 0;

nomem:

    apigw_loc_error(c->err, &op->loc, "out of memory");
    return -1;
}


/* does the parameters array at loc (node NULL: none) declare a header? */
static int
apigw_spec_header_param(apigw_compile_t *c, apigw_loc_t *params,
    const char *name, size_t len)
{
    size_t        i;
    json_t       *p, *in, *pname;
    apigw_loc_t   loc;

    if (!json_is_array(params->node)) {
        return 0;
    }

    json_array_foreach(params->node, i, p) {
        apigw_loc_index(params, &loc, i, p);

        /* a $ref that goes nowhere is the validation's to report */
        if (apigw_deref(c->api->docs, &loc, c->err) != 0) {
            continue;
        }

        in = json_object_get(loc.node, "in");
        pname = json_object_get(loc.node, "name");

        if (json_is_string(in) && strcmp(json_string_value(in), "header") == 0
            && json_is_string(pname) && json_string_length(pname) == len
            && strncasecmp(json_string_value(pname), name, len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


static int
apigw_spec_integration(apigw_compile_t *c, apigw_operation_t *op)
{
    int           aws;
    json_t       *ext, *type;
    const char   *t;
    apigw_loc_t   eloc, tloc;

    op->integration.timeout_ms = APIGW_TIMEOUT_MAX;

    ext = apigw_spec_member(&op->loc, &eloc, "x-apigw-integration",
                            "x-amazon-apigateway-integration");
    if (ext == NULL) {
        return 0;
    }

    aws = (json_object_get(op->loc.node, "x-apigw-integration") == NULL);

    if (!json_is_object(ext)) {
        apigw_loc_error(c->err, &eloc, "the integration must be an object");
        return -1;
    }

    type = apigw_spec_member(&eloc, &tloc, "type", NULL);
    t = json_string_value(type);

    if (t == NULL) {
        apigw_loc_error(c->err, type ? &tloc : &eloc,
                        "the integration needs a \"type\" string");
        return -1;
    }

    if (strcasecmp(t, "http") == 0 || strcasecmp(t, "http_proxy") == 0) {
        return apigw_spec_http(c, op, &eloc, aws);
    }

    if (strcasecmp(t, "mock") == 0) {
        return apigw_spec_mock(c, op, &eloc, aws);
    }

    if ((!aws && strcmp(t, "function") == 0)
        || strcasecmp(t, "aws_proxy") == 0)
    {
        return apigw_spec_function(c, op, &eloc, aws);
    }

    apigw_loc_error(c->err, &tloc, "integration type \"%s\" is not supported "
                    "(use http, http_proxy, mock, %s)", t,
                    aws ? "aws_proxy" : "function or aws_proxy");
    return -1;
}


static int
apigw_spec_http(apigw_compile_t *c, apigw_operation_t *op, apigw_loc_t *ext,
    int aws)
{
    char              errbuf[APIGW_ERR_LEN];
    size_t            i;
    json_t           *uri, *method;
    const char       *s;
    apigw_loc_t       loc;

    op->integration.type = APIGW_INTEGRATION_HTTP;

    uri = apigw_spec_member(ext, &loc, "uri", NULL);

    if (!json_is_string(uri)) {
        apigw_loc_error(c->err, uri ? &loc : ext,
                        "an http integration needs a \"uri\" string");
        return -1;
    }

    s = json_string_value(uri);

    if (strncasecmp(s, "http://", 7) != 0 && strncasecmp(s, "https://", 8) != 0)
    {
        apigw_loc_error(c->err, &loc, "the uri must start with http:// or "
                        "https://");
        return -1;
    }

    op->integration.uri = apigw_tpl_parse(s, json_string_length(uri),
                                          APIGW_TPL_URI, errbuf,
                                          sizeof(errbuf));
    if (op->integration.uri == NULL) {
        apigw_loc_error(c->err, &loc, "%s", errbuf);
        return -1;
    }

    method = apigw_spec_member(ext, &loc, aws ? "httpMethod" : "method",
                               NULL);
    if (method) {
        s = json_string_value(method);

        if (s == NULL || apigw_method_index(s, strlen(s)) < 0) {
            apigw_loc_error(c->err, &loc, "unknown integration method");
            return -1;
        }

        if (strcasecmp(s, "ANY") != 0) {
            op->integration.method = strdup(s);

            if (op->integration.method == NULL) {
                apigw_loc_error(c->err, &loc, "out of memory");
                return -1;
            }

            for (i = 0; op->integration.method[i]; i++) {
                op->integration.method[i] &= ~0x20;
            }
        }
    }

    if (apigw_spec_timeout(c, op, ext, aws) != 0) {
        return -1;
    }

    return apigw_spec_mapping(c, op, ext);
}


/* timeout (timeoutInMillis), an integer or its text: 50 to 29000 ms */
int
apigw_spec_timeout(apigw_compile_t *c, apigw_operation_t *op,
    apigw_loc_t *ext, int aws)
{
    char         *end;
    json_t       *timeout;
    json_int_t    ms;
    const char   *s;
    apigw_loc_t   loc;

    timeout = apigw_spec_member(ext, &loc, aws ? "timeoutInMillis" : "timeout",
                                NULL);
    if (timeout == NULL) {
        return 0;
    }

    ms = json_is_integer(timeout) ? json_integer_value(timeout) : -1;

    if (json_is_string(timeout)) {
        s = json_string_value(timeout);
        ms = strtoll(s, &end, 10);

        if (*s == '\0' || *end != '\0') {
            ms = -1;
        }
    }

    if (ms < APIGW_TIMEOUT_MIN || ms > APIGW_TIMEOUT_MAX) {
        apigw_loc_error(c->err, &loc, "timeout must be from %d to %d ms",
                        APIGW_TIMEOUT_MIN, APIGW_TIMEOUT_MAX);
        return -1;
    }

    op->integration.timeout_ms = (unsigned) ms;

    return 0;
}


static int
apigw_spec_mock(apigw_compile_t *c, apigw_operation_t *op, apigw_loc_t *ext,
    int aws)
{
    int           status;
    json_t       *v, *tpl, *parsed;
    const char   *key;
    apigw_loc_t   loc, rloc;

    op->integration.type = APIGW_INTEGRATION_MOCK;
    op->integration.status = 200;

    if (!aws) {
        if (apigw_spec_member(ext, &loc, "status", "statusCode")
            && apigw_spec_status(c, &loc, &op->integration.status) != 0)
        {
            return -1;
        }

        if (apigw_spec_member(ext, &loc, "headers", NULL)
            && apigw_spec_headers(c, &loc, NULL, &op->integration.headers,
                                  &op->integration.nheaders) != 0)
        {
            return -1;
        }

        v = apigw_spec_member(ext, &loc, "body", NULL);

        if (v) {
            op->integration.body = apigw_json_text(v,
                                                   &op->integration.body_len);
            if (op->integration.body == NULL) {
                apigw_loc_error(c->err, &loc, "out of memory");
                return -1;
            }
        }

        return 0;
    }

    /*
     * AWS mocks: the status from requestTemplates' {"statusCode": N},
     * then responses.default: statusCode, static responseParameters and
     * the first responseTemplates entry as the body
     */

    v = apigw_spec_member(ext, &loc, "requestTemplates", NULL);

    json_object_foreach(v, key, tpl) {
        parsed = json_is_string(tpl)
                 ? json_loads(json_string_value(tpl), 0, NULL) : NULL;

        apigw_loc_child(&loc, &rloc, key, json_object_get(parsed,
                                                          "statusCode"));
        status = 0;

        if (rloc.node && apigw_spec_status(c, &rloc, &status) != 0) {
            json_decref(parsed);
            return -1;
        }

        json_decref(parsed);

        if (status) {
            op->integration.status = status;
        }

        break;
    }

    v = json_object_get(ext->node, "responses");
    v = json_object_get(v, "default");

    if (v == NULL) {
        return 0;
    }

    loc = *ext;
    apigw_loc_child(&loc, &loc, "responses", json_object_get(ext->node,
                                                             "responses"));
    apigw_loc_child(&loc, &loc, "default", v);

    if (apigw_spec_member(&loc, &rloc, "statusCode", NULL)) {
        if (apigw_spec_status(c, &rloc, &status) != 0) {
            return -1;
        }

        op->integration.status = status;
    }

    if (apigw_spec_member(&loc, &rloc, "responseParameters", NULL)
        && apigw_spec_headers(c, &rloc, "method.response.header.",
                              &op->integration.headers,
                              &op->integration.nheaders) != 0)
    {
        return -1;
    }

    v = json_object_get(loc.node, "responseTemplates");

    json_object_foreach(v, key, tpl) {
        if (json_is_string(tpl)) {
            op->integration.body = apigw_json_text(tpl,
                                                   &op->integration.body_len);
        }

        break;
    }

    return 0;
}


/* {"X-A": "v"}, or AWS {"<prefix>X-A": "'v'"}: static values only */
int
apigw_spec_headers(apigw_compile_t *c, apigw_loc_t *loc, const char *prefix,
    apigw_header_t **headers, size_t *n)
{
    size_t           len, plen;
    json_t          *value;
    const char      *name, *header, *s;
    apigw_loc_t      hloc;
    apigw_header_t  *h;

    if (!json_is_object(loc->node)) {
        apigw_loc_error(c->err, loc, "headers must be an object");
        return -1;
    }

    plen = prefix ? strlen(prefix) : 0;

    json_object_foreach(loc->node, name, value) {
        apigw_loc_child(loc, &hloc, name, value);

        header = name;

        if (plen) {
            if (strncasecmp(name, prefix, plen) != 0) {
                apigw_loc_error(c->err, &hloc, "expected a name starting "
                                "with \"%s\"", prefix);
                return -1;
            }

            header += plen;
        }

        if (header[0] == '\0' || strpbrk(header, " \t\r\n:") != NULL) {
            apigw_loc_error(c->err, &hloc, "bad header name");
            return -1;
        }

        s = json_string_value(value);

        if (s == NULL) {
            apigw_loc_error(c->err, &hloc, "a header value must be a string");
            return -1;
        }

        len = json_string_length(value);

        if (plen) {
            if (len < 2 || s[0] != '\'' || s[len - 1] != '\'') {
                apigw_loc_error(c->err, &hloc, "only static values "
                                "('quoted') are supported here");
                return -1;
            }

            s++;
            len -= 2;
        }

        if (memchr(s, '\r', len) || memchr(s, '\n', len)
            || memchr(s, '\0', len))
        {
            apigw_loc_error(c->err, &hloc, "a header value must not hold "
                            "CR, LF or NUL");
            return -1;
        }

        h = realloc(*headers, (*n + 1) * sizeof(apigw_header_t));
        if (h == NULL) {
            goto nomem;
        }

        *headers = h;
        h = &h[*n];
        h->name = strdup(header);
        h->value = apigw_strndup(s, len);
        (*n)++;

        if (h->name == NULL || h->value == NULL) {
            goto nomem;
        }
    }

    return 0;

nomem:

    apigw_loc_error(c->err, loc, "out of memory");
    return -1;
}


int
apigw_spec_status(apigw_compile_t *c, apigw_loc_t *loc, int *status)
{
    char        *end;
    long         n;
    const char  *s;

    if (json_is_integer(loc->node)) {
        n = (long) json_integer_value(loc->node);

    } else if ((s = json_string_value(loc->node)) != NULL) {
        n = strtol(s, &end, 10);

        if (*s == '\0' || *end != '\0') {
            n = -1;
        }

    } else {
        n = -1;
    }

    if (n < 100 || n > 599) {
        apigw_loc_error(c->err, loc, "a status code must be from 100 to 599");
        return -1;
    }

    *status = (int) n;

    return 0;
}


static int
apigw_spec_gateway_responses(apigw_compile_t *c, apigw_loc_t *root)
{
    int           type;
    json_t       *responses, *value;
    const char   *name;
    apigw_loc_t   loc, rloc;

    responses = apigw_spec_member(root, &loc, "x-apigw-gateway-responses",
                                  "x-amazon-apigateway-gateway-responses");
    if (responses == NULL) {
        return 0;
    }

    if (!json_is_object(responses)) {
        apigw_loc_error(c->err, &loc, "gateway responses must be an object");
        return -1;
    }

    json_object_foreach(responses, name, value) {
        apigw_loc_child(&loc, &rloc, name, value);

        for (type = 0; type < APIGW_GR_COUNT; type++) {
            if (strcmp(name, apigw_gr_defaults[type].name) == 0) {
                break;
            }
        }

        if (type == APIGW_GR_COUNT) {
            apigw_loc_error(c->err, &rloc, "unknown gateway response type "
                            "\"%s\"", name);
            return -1;
        }

        if (!json_is_object(value)) {
            apigw_loc_error(c->err, &rloc, "a gateway response must be an "
                            "object");
            return -1;
        }

        if (apigw_spec_gateway_response(c, type, &rloc) != 0) {
            return -1;
        }
    }

    return 0;
}


static int
apigw_spec_gateway_response(apigw_compile_t *c, int type, apigw_loc_t *loc)
{
    char                      *text, errbuf[APIGW_ERR_LEN];
    size_t                     len;
    json_t                    *body, *tpl;
    const char                *key;
    apigw_loc_t                vloc;
    apigw_gateway_response_t  *gr;

    gr = calloc(1, sizeof(apigw_gateway_response_t));
    if (gr == NULL) {
        apigw_loc_error(c->err, loc, "out of memory");
        return -1;
    }

    c->api->responses[type] = gr;

    if (apigw_spec_member(loc, &vloc, "status", "statusCode")
        && apigw_spec_status(c, &vloc, &gr->status) != 0)
    {
        return -1;
    }

    if (apigw_spec_member(loc, &vloc, "headers", NULL)
        && apigw_spec_headers(c, &vloc, NULL, &gr->headers, &gr->nheaders)
           != 0)
    {
        return -1;
    }

    if (apigw_spec_member(loc, &vloc, "responseParameters", NULL)
        && apigw_spec_headers(c, &vloc, "gatewayresponse.header.",
                              &gr->headers, &gr->nheaders) != 0)
    {
        return -1;
    }

    body = apigw_spec_member(loc, &vloc, "body", NULL);

    if (body == NULL) {
        body = apigw_spec_member(loc, &vloc, "responseTemplates", NULL);

        if (body) {
            if (!json_is_object(body)) {
                apigw_loc_error(c->err, &vloc, "responseTemplates must be "
                                "an object");
                return -1;
            }

            /* only JSON bodies: the first template stands for all */
            tpl = NULL;

            json_object_foreach(vloc.node, key, tpl) {
                apigw_loc_child(&vloc, &vloc, key, tpl);
                break;
            }

            body = tpl;
        }
    }

    if (body == NULL) {
        return 0;
    }

    text = apigw_json_text(body, &len);
    if (text == NULL) {
        apigw_loc_error(c->err, &vloc, "out of memory");
        return -1;
    }

    gr->body = apigw_tpl_parse(text, len, APIGW_TPL_BODY, errbuf,
                               sizeof(errbuf));
    free(text);

    if (gr->body == NULL) {
        apigw_loc_error(c->err, &vloc, "%s", errbuf);
        return -1;
    }

    return 0;
}
