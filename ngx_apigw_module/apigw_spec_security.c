
/*
 * Copyright (C) apigw contributors
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_spec_int.h"


/*
 * OpenAPI security as the gateway enforces it: "security" (the
 * operation's, else the document's) is a list of alternatives, each a set
 * of schemes that must all be met; an empty one allows anonymous access.
 * apiKey schemes (in a header, the query string or a cookie) are what
 * apigw checks today; a requirement naming another kind of scheme fails
 * the load rather than go unenforced.  Also x-apigw-throttle.
 */


static int apigw_spec_key_scheme(apigw_compile_t *c,
    apigw_api_key_scheme_t *ks, const char *name, apigw_loc_t *loc);
static int apigw_spec_requirements(apigw_compile_t *c, apigw_operation_t *op,
    apigw_loc_t *loc);
static apigw_api_key_scheme_t *apigw_spec_find_scheme(apigw_compile_t *c,
    const char *name);


int
apigw_spec_security_init(apigw_compile_t *c, apigw_loc_t *root)
{
    size_t        n;
    json_t       *schemes, *scheme, *source;
    const char   *name, *type;
    apigw_loc_t   loc, child;

    source = apigw_spec_member(root, &loc,
                               "x-amazon-apigateway-api-key-source", NULL);

    if (source != NULL
        && !(json_is_string(source)
             && strcmp(json_string_value(source), "HEADER") == 0))
    {
        apigw_loc_error(c->err, &loc, "only HEADER is supported as the API "
                        "key source (AUTHORIZER needs custom authorizers, "
                        "which apigw does not run yet)");
        return -1;
    }

    if (apigw_spec_member(root, &c->security, "security", NULL) == NULL) {
        c->security.node = NULL;
    }

    if (apigw_spec_member(root, &loc, "components", NULL) == NULL
        || (schemes = apigw_spec_member(&loc, &loc, "securitySchemes",
                                        NULL))
           == NULL)
    {
        return 0;
    }

    if (!json_is_object(schemes)) {
        apigw_loc_error(c->err, &loc, "\"securitySchemes\" must be an "
                        "object");
        return -1;
    }

    c->api->key_schemes = calloc(json_object_size(schemes) + 1,
                                 sizeof(apigw_api_key_scheme_t));
    if (c->api->key_schemes == NULL) {
        apigw_loc_error(c->err, &loc, "out of memory");
        return -1;
    }

    n = 0;

    json_object_foreach(schemes, name, scheme) {
        apigw_loc_child(&loc, &child, name, scheme);

        if (apigw_deref(c->api->docs, &child, c->err) != 0) {
            return -1;
        }

        if (!json_is_object(child.node)) {
            apigw_loc_error(c->err, &child, "a security scheme must be an "
                            "object");
            return -1;
        }

        type = json_string_value(json_object_get(child.node, "type"));

        if (type == NULL || strcmp(type, "apiKey") != 0) {
            /* checked if a requirement names it */
            continue;
        }

        c->api->nkey_schemes = n + 1;

        if (apigw_spec_key_scheme(c, &c->api->key_schemes[n++], name, &child)
            != 0)
        {
            return -1;
        }
    }

    return 0;
}


/* {type: apiKey, in: header|query|cookie, name: x-api-key} */
static int
apigw_spec_key_scheme(apigw_compile_t *c, apigw_api_key_scheme_t *ks,
    const char *name, apigw_loc_t *loc)
{
    char         *p;
    json_t       *in, *param;
    const char   *s;
    apigw_loc_t   child;

    ks->name = strdup(name);

    in = apigw_spec_member(loc, &child, "in", NULL);
    s = json_is_string(in) ? json_string_value(in) : "";

    if (strcmp(s, "header") == 0) {
        ks->in = APIGW_IN_HEADER;

    } else if (strcmp(s, "query") == 0) {
        ks->in = APIGW_IN_QUERY;

    } else if (strcmp(s, "cookie") == 0) {
        ks->in = APIGW_IN_COOKIE;

    } else {
        apigw_loc_error(c->err, in ? &child : loc, "an apiKey scheme needs "
                        "\"in\": header, query or cookie");
        return -1;
    }

    param = apigw_spec_member(loc, &child, "name", NULL);

    if (!json_is_string(param) || json_string_length(param) == 0) {
        apigw_loc_error(c->err, param ? &child : loc, "an apiKey scheme "
                        "needs \"name\": the header, query parameter or "
                        "cookie that holds the key");
        return -1;
    }

    ks->param = strdup(json_string_value(param));

    if (ks->name == NULL || ks->param == NULL) {
        apigw_loc_error(c->err, loc, "out of memory");
        return -1;
    }

    ks->param_len = strlen(ks->param);

    /* header names compare case-insensitively: kept in lower case */
    if (ks->in == APIGW_IN_HEADER) {
        for (p = ks->param; *p; p++) {
            if (*p >= 'A' && *p <= 'Z') {
                *p = (char) (*p - 'A' + 'a');
            }
        }
    }

    return 0;
}


int
apigw_spec_security(apigw_compile_t *c, apigw_operation_t *op)
{
    apigw_loc_t  loc;

    if (apigw_spec_member(&op->loc, &loc, "x-apigw-throttle", NULL)
        && apigw_throttle_parse(&loc, &op->throttle, c->err) != 0)
    {
        return -1;
    }

    if (apigw_spec_member(&op->loc, &loc, "security", NULL) == NULL) {
        if (c->security.node == NULL) {
            return 0;
        }

        loc = c->security;
    }

    return apigw_spec_requirements(c, op, &loc);
}


static int
apigw_spec_requirements(apigw_compile_t *c, apigw_operation_t *op,
    apigw_loc_t *loc)
{
    size_t                   i, n;
    json_t                  *scopes;
    const char              *name;
    apigw_loc_t              item, child;
    apigw_security_t        *alt;
    apigw_api_key_scheme_t  *ks;

    if (!json_is_array(loc->node)) {
        apigw_loc_error(c->err, loc, "\"security\" must be an array of "
                        "security requirements");
        return -1;
    }

    /* security: [] turns the document's requirement off */
    if (json_array_size(loc->node) == 0) {
        return 0;
    }

    op->security = calloc(json_array_size(loc->node),
                          sizeof(apigw_security_t));
    if (op->security == NULL) {
        apigw_loc_error(c->err, loc, "out of memory");
        return -1;
    }

    for (i = 0; i < json_array_size(loc->node); i++) {
        apigw_loc_index(loc, &item, i, json_array_get(loc->node, i));

        if (!json_is_object(item.node)) {
            apigw_loc_error(c->err, &item, "a security requirement must be "
                            "an object");
            return -1;
        }

        alt = &op->security[op->nsecurity++];
        alt->schemes = calloc(json_object_size(item.node) + 1,
                              sizeof(apigw_api_key_scheme_t *));
        if (alt->schemes == NULL) {
            apigw_loc_error(c->err, &item, "out of memory");
            return -1;
        }

        n = 0;

        json_object_foreach(item.node, name, scopes) {
            apigw_loc_child(&item, &child, name, scopes);
            ks = apigw_spec_find_scheme(c, name);

            if (ks != NULL) {
                alt->schemes[n++] = ks;
                alt->nschemes = n;
                continue;
            }

            apigw_loc_error(c->err, &child, "security scheme \"%s\" is not "
                            "an apiKey scheme of components.securitySchemes; "
                            "apigw enforces apiKey schemes only so far, and "
                            "does not ignore the others", name);
            return -1;
        }
    }

    return 0;
}


static apigw_api_key_scheme_t *
apigw_spec_find_scheme(apigw_compile_t *c, const char *name)
{
    size_t  i;

    for (i = 0; i < c->api->nkey_schemes; i++) {
        if (strcmp(c->api->key_schemes[i].name, name) == 0) {
            return &c->api->key_schemes[i];
        }
    }

    return NULL;
}


void
apigw_spec_security_free(apigw_api_t *api, apigw_operation_t *op)
{
    size_t  i;

    if (op != NULL) {
        for (i = 0; i < op->nsecurity; i++) {
            free(op->security[i].schemes);
        }

        free(op->security);
        return;
    }

    for (i = 0; i < api->nkey_schemes; i++) {
        free(api->key_schemes[i].name);
        free(api->key_schemes[i].param);
    }

    free(api->key_schemes);
}
