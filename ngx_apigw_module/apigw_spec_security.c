
/*
 * Copyright (C) apigw contributors
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_spec_int.h"
#include "apigw_jwt_conf.h"
#include "apigw_authorizer.h"


/*
 * OpenAPI security, compiled: "security" (the operation's, else the
 * document's) is a list of alternatives, each a set of schemes that must
 * all be met; an empty one allows anonymous access.  Every scheme of
 * components.securitySchemes is read with where its credential is: the
 * nginx glue decides, per location, which ones the gateway checks and
 * which the backend does (apigw_security_delegate), and fails the load
 * when a required scheme is neither.  A scheme with a custom authorizer
 * (x-amazon-apigateway-authorizer, x-apigw-authorizer) is checked by it;
 * one with x-apigw-jwt, an AWS jwt or Cognito authorizer, or an
 * openIdConnectUrl is verified as a JWT (apigw_spec_jwt.c).  Also
 * x-apigw-throttle.
 */


static int apigw_spec_scheme(apigw_compile_t *c,
    apigw_security_scheme_t *ss, const char *name, apigw_loc_t *loc);
static int apigw_spec_key_scheme(apigw_compile_t *c,
    apigw_security_scheme_t *ss, apigw_loc_t *loc);
static int apigw_spec_http_scheme(apigw_compile_t *c,
    apigw_security_scheme_t *ss, apigw_loc_t *loc);
static int apigw_spec_verifier(apigw_compile_t *c,
    apigw_security_scheme_t *ss, apigw_loc_t *loc);
static int apigw_spec_scopes(apigw_compile_t *c, apigw_loc_t *loc,
    apigw_scopes_t *scopes);
static int apigw_spec_requirements(apigw_compile_t *c, apigw_operation_t *op,
    apigw_loc_t *loc);
static apigw_security_scheme_t *apigw_spec_find_scheme(apigw_compile_t *c,
    const char *name);
static char *apigw_spec_lowercase(const char *s, size_t *len);


int
apigw_spec_security_init(apigw_compile_t *c, apigw_loc_t *root)
{
    json_t       *schemes, *scheme, *source;
    const char   *name;
    apigw_loc_t   loc, child;

    source = apigw_spec_member(root, &loc,
                               "x-amazon-apigateway-api-key-source", NULL);

    if (source != NULL) {
        if (json_is_string(source)
            && strcmp(json_string_value(source), "AUTHORIZER") == 0)
        {
            c->api->key_from_authorizer = 1;

        } else if (!(json_is_string(source)
                     && strcmp(json_string_value(source), "HEADER") == 0))
        {
            apigw_loc_error(c->err, &loc, "the API key source is HEADER or "
                            "AUTHORIZER");
            return -1;
        }
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

    c->api->schemes = calloc(json_object_size(schemes) + 1,
                             sizeof(apigw_security_scheme_t));
    if (c->api->schemes == NULL) {
        apigw_loc_error(c->err, &loc, "out of memory");
        return -1;
    }

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

        if (apigw_spec_scheme(c, &c->api->schemes[c->api->nschemes++], name,
                              &child)
            != 0)
        {
            return -1;
        }
    }

    return 0;
}


static int
apigw_spec_scheme(apigw_compile_t *c, apigw_security_scheme_t *ss,
    const char *name, apigw_loc_t *loc)
{
    size_t        i;
    const char   *t;

    static const char  *types[] = {
        "apiKey", "http", "oauth2", "openIdConnect", "mutualTLS", NULL
    };

    ss->name = strdup(name);
    if (ss->name == NULL) {
        apigw_loc_error(c->err, loc, "out of memory");
        return -1;
    }

    t = json_string_value(json_object_get(loc->node, "type"));
    t = t ? t : "";

    for (i = 0; types[i]; i++) {
        if (strcmp(t, types[i]) == 0) {
            break;
        }
    }

    ss->kind = (apigw_scheme_kind_e) i;
    ss->type = types[i] ? types[i] : "unknown";

    switch (ss->kind) {

    case APIGW_SCHEME_API_KEY:
        if (apigw_spec_key_scheme(c, ss, loc) != 0) {
            return -1;
        }

        break;

    case APIGW_SCHEME_MUTUAL_TLS:
    case APIGW_SCHEME_UNKNOWN:
        return 0;

    default:
        if (apigw_spec_http_scheme(c, ss, loc) != 0) {
            return -1;
        }
    }

    return apigw_spec_verifier(c, ss, loc);
}


/* a custom authorizer, or what a JWT must satisfy, or neither */
static int
apigw_spec_verifier(apigw_compile_t *c, apigw_security_scheme_t *ss,
    apigw_loc_t *loc)
{
    int                  rc;
    json_t              *url;
    apigw_loc_t          child;
    apigw_authorizer_t  *a;

    if (ss->kind == APIGW_SCHEME_OPENID_CONNECT) {
        url = apigw_spec_member(loc, &child, "openIdConnectUrl", NULL);

        if (url != NULL) {
            if (!json_is_string(url)
                || (strncmp(json_string_value(url), "https://", 8) != 0
                    && strncmp(json_string_value(url), "http://", 7) != 0))
            {
                apigw_loc_error(c->err, &child, "\"openIdConnectUrl\" must "
                                "be an http(s) URL");
                return -1;
            }

            ss->oidc_url = strdup(json_string_value(url));
            if (ss->oidc_url == NULL) {
                apigw_loc_error(c->err, &child, "out of memory");
                return -1;
            }
        }
    }

    a = NULL;

    if (apigw_authorizer_declared(loc)) {
        a = malloc(sizeof(apigw_authorizer_t));
        if (a == NULL) {
            apigw_loc_error(c->err, loc, "out of memory");
            return -1;
        }

        if (apigw_authorizer_compile(loc, a, c->err) != 0) {
            free(a);
            return -1;
        }

        if (a->type == APIGW_AUTHZ_TOKEN || a->type == APIGW_AUTHZ_REQUEST) {
            ss->authorizer = a;
            return 0;
        }
    }

    /* jwt and cognito_user_pools authorizers: the JWT verifier's */

    rc = apigw_jwt_conf_from_scheme(loc, ss, a, &ss->jwt, c->err);

    if (a != NULL) {
        apigw_authorizer_free(a);
        free(a);
    }

    return rc;
}


/* {type: apiKey, in: header|query|cookie, name: x-api-key} */
static int
apigw_spec_key_scheme(apigw_compile_t *c, apigw_security_scheme_t *ss,
    apigw_loc_t *loc)
{
    json_t       *in, *param;
    const char   *s;
    apigw_loc_t   child;

    in = apigw_spec_member(loc, &child, "in", NULL);
    s = json_is_string(in) ? json_string_value(in) : "";

    if (strcmp(s, "header") == 0) {
        ss->in = APIGW_IN_HEADER;

    } else if (strcmp(s, "query") == 0) {
        ss->in = APIGW_IN_QUERY;

    } else if (strcmp(s, "cookie") == 0) {
        ss->in = APIGW_IN_COOKIE;

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

    /* header names compare case-insensitively: kept in lower case */
    ss->param = (ss->in == APIGW_IN_HEADER)
                ? apigw_spec_lowercase(json_string_value(param),
                                       &ss->param_len)
                : strdup(json_string_value(param));

    if (ss->param == NULL) {
        apigw_loc_error(c->err, loc, "out of memory");
        return -1;
    }

    ss->param_len = strlen(ss->param);

    return 0;
}


/* http {scheme: basic|bearer|...}; oauth2 and openIdConnect: bearer */
static int
apigw_spec_http_scheme(apigw_compile_t *c, apigw_security_scheme_t *ss,
    apigw_loc_t *loc)
{
    json_t       *scheme;
    const char   *s;
    apigw_loc_t   child;

    s = "bearer";

    if (ss->kind == APIGW_SCHEME_HTTP) {
        scheme = apigw_spec_member(loc, &child, "scheme", NULL);

        if (!json_is_string(scheme) || json_string_length(scheme) == 0
            || strpbrk(json_string_value(scheme), " \t\r\n,") != NULL)
        {
            apigw_loc_error(c->err, scheme ? &child : loc, "an http scheme "
                            "needs \"scheme\": the Authorization scheme, "
                            "such as basic or bearer");
            return -1;
        }

        s = json_string_value(scheme);
    }

    ss->in = APIGW_IN_HEADER;
    ss->param = strdup("authorization");
    ss->auth_scheme = apigw_spec_lowercase(s, &ss->auth_scheme_len);

    if (ss->param == NULL || ss->auth_scheme == NULL) {
        apigw_loc_error(c->err, loc, "out of memory");
        return -1;
    }

    ss->param_len = sizeof("authorization") - 1;

    return 0;
}


static char *
apigw_spec_lowercase(const char *s, size_t *len)
{
    char  *p, *copy;

    copy = strdup(s);
    if (copy == NULL) {
        return NULL;
    }

    for (p = copy; *p; p++) {
        if (*p >= 'A' && *p <= 'Z') {
            *p = (char) (*p - 'A' + 'a');
        }
    }

    *len = p - copy;

    return copy;
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
    size_t                   i, n, count;
    json_t                  *scopes;
    const char              *name;
    apigw_loc_t              item, child;
    apigw_security_t        *alt;
    apigw_security_scheme_t *ss;

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
        count = json_object_size(item.node) + 1;
        alt->schemes = calloc(count, sizeof(apigw_security_scheme_t *));
        alt->scopes = calloc(count, sizeof(apigw_scopes_t));

        if (alt->schemes == NULL || alt->scopes == NULL) {
            apigw_loc_error(c->err, &item, "out of memory");
            return -1;
        }

        n = 0;

        json_object_foreach(item.node, name, scopes) {
            apigw_loc_child(&item, &child, name, scopes);
            ss = apigw_spec_find_scheme(c, name);

            if (ss == NULL) {
                apigw_loc_error(c->err, &child, "security scheme \"%s\" is "
                                "not in components.securitySchemes", name);
                return -1;
            }

            if (ss->kind == APIGW_SCHEME_UNKNOWN) {
                apigw_loc_error(c->err, &child, "security scheme \"%s\" has "
                                "no type of OpenAPI's (apiKey, http, oauth2, "
                                "openIdConnect, mutualTLS)", name);
                return -1;
            }

            if (apigw_spec_scopes(c, &child, &alt->scopes[n]) != 0) {
                return -1;
            }

            alt->schemes[n++] = ss;
            alt->nschemes = n;
        }
    }

    return 0;
}


/* the scopes a requirement lists: strings, each required of a token */
static int
apigw_spec_scopes(apigw_compile_t *c, apigw_loc_t *loc, apigw_scopes_t *sc)
{
    size_t       i, n;
    const char  *s;

    if (!json_is_array(loc->node)) {
        apigw_loc_error(c->err, loc, "a security requirement lists scopes: "
                        "[] or [\"read:pets\", ...]");
        return -1;
    }

    n = json_array_size(loc->node);
    if (n == 0) {
        return 0;
    }

    sc->names = calloc(n, sizeof(char *));
    if (sc->names == NULL) {
        apigw_loc_error(c->err, loc, "out of memory");
        return -1;
    }

    for (i = 0; i < n; i++) {
        s = json_string_value(json_array_get(loc->node, i));

        /* a scope with a space can still be in a token's "scp" array */
        if (s == NULL) {
            apigw_loc_error(c->err, loc, "a scope is a string");
            return -1;
        }

        sc->names[i] = strdup(s);
        if (sc->names[i] == NULL) {
            apigw_loc_error(c->err, loc, "out of memory");
            return -1;
        }

        sc->n++;
    }

    return 0;
}


static apigw_security_scheme_t *
apigw_spec_find_scheme(apigw_compile_t *c, const char *name)
{
    size_t  i;

    for (i = 0; i < c->api->nschemes; i++) {
        if (strcmp(c->api->schemes[i].name, name) == 0) {
            return &c->api->schemes[i];
        }
    }

    return NULL;
}


void
apigw_spec_security_free(apigw_api_t *api, apigw_operation_t *op)
{
    size_t             i, j, k;
    apigw_security_t  *alt;

    if (op != NULL) {
        for (i = 0; i < op->nsecurity; i++) {
            alt = &op->security[i];

            for (j = 0; alt->scopes && j < alt->nschemes; j++) {
                for (k = 0; k < alt->scopes[j].n; k++) {
                    free(alt->scopes[j].names[k]);
                }

                free(alt->scopes[j].names);
            }

            free(alt->scopes);
            free(alt->schemes);
        }

        free(op->security);
        return;
    }

    for (i = 0; i < api->nschemes; i++) {
        free(api->schemes[i].name);
        free(api->schemes[i].param);
        free(api->schemes[i].auth_scheme);
        free(api->schemes[i].oidc_url);
        apigw_jwt_conf_free(api->schemes[i].jwt);

        if (api->schemes[i].authorizer != NULL) {
            apigw_authorizer_free(api->schemes[i].authorizer);
            free(api->schemes[i].authorizer);
        }
    }

    free(api->schemes);
}
