
/*
 * Copyright (C) apigw contributors
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_spec_int.h"


/*
 * x-amazon-apigateway-cors (AWS HTTP APIs) or x-apigw-cors, at the
 * document's root: allowOrigins, allowMethods, allowHeaders,
 * exposeHeaders, maxAge, allowCredentials.  "*" with credentials is
 * refused: a browser takes no wildcard then.
 */


#define APIGW_CORS_ORIGINS  0
#define APIGW_CORS_TOKENS   1


static int apigw_spec_cors_list(apigw_compile_t *c, apigw_loc_t *parent,
    const char *name, int kind, apigw_cors_list_t *l);
static int apigw_spec_cors_token(const char *s, size_t len);
static int apigw_spec_cors_misplaced(apigw_compile_t *c, apigw_loc_t *loc);


static const char  *apigw_cors_members[] = {
    "allowOrigins", "allowMethods", "allowHeaders", "exposeHeaders",
    "maxAge", "allowCredentials", NULL
};


int
apigw_spec_cors(apigw_compile_t *c, apigw_loc_t *root)
{
    json_t        *ext, *v;
    json_int_t     n;
    apigw_loc_t    loc, vloc;
    apigw_cors_t  *cors;

    ext = apigw_spec_member(root, &loc, "x-apigw-cors",
                            "x-amazon-apigateway-cors");
    if (ext == NULL) {
        return 0;
    }

    if (!json_is_object(ext)) {
        apigw_loc_error(c->err, &loc, "CORS settings must be an object");
        return -1;
    }

    if (apigw_loc_check_members(&loc, apigw_cors_members,
                                "(CORS takes allowOrigins, allowMethods, "
                                "allowHeaders, exposeHeaders, maxAge, "
                                "allowCredentials)", c->err)
        != 0)
    {
        return -1;
    }

    cors = calloc(1, sizeof(apigw_cors_t));
    if (cors == NULL) {
        apigw_loc_error(c->err, &loc, "out of memory");
        return -1;
    }

    c->api->cors = cors;
    cors->max_age = -1;

    v = apigw_spec_member(&loc, &vloc, "allowCredentials", NULL);

    if (v) {
        if (!json_is_boolean(v)) {
            apigw_loc_error(c->err, &vloc, "allowCredentials must be a "
                            "boolean");
            return -1;
        }

        cors->credentials = json_is_true(v);
    }

    v = apigw_spec_member(&loc, &vloc, "maxAge", NULL);

    if (v) {
        n = json_is_integer(v) ? json_integer_value(v) : -1;

        if (n < 0 || n > 86400) {
            apigw_loc_error(c->err, &vloc, "maxAge must be an integer of "
                            "seconds from 0 to 86400");
            return -1;
        }

        cors->max_age = (int) n;
    }

    if (apigw_spec_cors_list(c, &loc, "allowOrigins", APIGW_CORS_ORIGINS,
                             &cors->origins) != 0
        || apigw_spec_cors_list(c, &loc, "allowMethods", APIGW_CORS_TOKENS,
                                &cors->methods) != 0
        || apigw_spec_cors_list(c, &loc, "allowHeaders", APIGW_CORS_TOKENS,
                                &cors->headers) != 0
        || apigw_spec_cors_list(c, &loc, "exposeHeaders", APIGW_CORS_TOKENS,
                                &cors->expose) != 0)
    {
        return -1;
    }

    if (cors->credentials && cors->origins.any) {
        apigw_spec_member(&loc, &vloc, "allowOrigins", NULL);
        apigw_loc_error(c->err, &vloc, "\"*\" cannot be used with "
                        "allowCredentials: true, browsers refuse it: list "
                        "the origins");
        return -1;
    }

    if (cors->credentials && cors->expose.any) {
        apigw_spec_member(&loc, &vloc, "exposeHeaders", NULL);
        apigw_loc_error(c->err, &vloc, "\"*\" cannot be used with "
                        "allowCredentials: true, browsers refuse it: list "
                        "the headers");
        return -1;
    }

    return 0;
}


/* on a path item or its operations: refused, never silently ignored */
int
apigw_spec_cors_elsewhere(apigw_compile_t *c, apigw_loc_t *item)
{
    json_t       *op;
    const char   *key;
    apigw_loc_t   oloc;

    if (apigw_spec_cors_misplaced(c, item) != 0) {
        return -1;
    }

    json_object_foreach(item->node, key, op) {
        if (json_is_object(op)) {
            apigw_loc_child(item, &oloc, key, op);

            if (apigw_spec_cors_misplaced(c, &oloc) != 0) {
                return -1;
            }
        }
    }

    return 0;
}


static int
apigw_spec_cors_misplaced(apigw_compile_t *c, apigw_loc_t *loc)
{
    apigw_loc_t  vloc;

    if (apigw_spec_member(loc, &vloc, "x-apigw-cors",
                          "x-amazon-apigateway-cors") == NULL)
    {
        return 0;
    }

    apigw_loc_error(c->err, &vloc, "CORS is set for the whole API, at the "
                    "document's root only");
    return -1;
}


static int
apigw_spec_cors_list(apigw_compile_t *c, apigw_loc_t *parent,
    const char *name, int kind, apigw_cors_list_t *l)
{
    char         *item, *p;
    size_t        i, len, total;
    json_t       *list, *v;
    const char   *s;
    apigw_loc_t   loc, vloc;

    list = apigw_spec_member(parent, &loc, name, NULL);
    if (list == NULL) {
        return 0;
    }

    if (!json_is_array(list)) {
        apigw_loc_error(c->err, &loc, "%s must be an array of strings", name);
        return -1;
    }

    l->items = calloc(json_array_size(list) + 1, sizeof(char *));
    if (l->items == NULL) {
        goto nomem;
    }

    total = 0;

    json_array_foreach(list, i, v) {
        apigw_loc_index(&loc, &vloc, i, v);

        s = json_string_value(v);
        len = s ? json_string_length(v) : 0;

        if (s == NULL
            || (kind == APIGW_CORS_ORIGINS
                && apigw_cors_origin_valid(s, len, 1) != 0)
            || (kind == APIGW_CORS_TOKENS
                && apigw_spec_cors_token(s, len) != 0))
        {
            apigw_loc_error(c->err, &vloc, "%s",
                            kind == APIGW_CORS_ORIGINS
                            ? "an origin must be \"*\" or "
                              "\"scheme://host[:port]\", nothing after"
                            : "must be \"*\" or a header or method name");
            return -1;
        }

        if (len == 1 && s[0] == '*') {
            l->any = 1;
            continue;
        }

        item = apigw_strndup(s, len);
        if (item == NULL) {
            goto nomem;
        }

        if (kind == APIGW_CORS_ORIGINS) {
            for (p = item; *p; p++) {
                if (*p >= 'A' && *p <= 'Z') {
                    *p = (char) (*p - 'A' + 'a');
                }
            }
        }

        l->items[l->n++] = item;
        total += len + 1;
    }

    if (l->n == 0) {
        return 0;
    }

    l->joined = malloc(total);
    if (l->joined == NULL) {
        goto nomem;
    }

    p = l->joined;

    for (i = 0; i < l->n; i++) {
        if (i) {
            *p++ = ',';
        }

        len = strlen(l->items[i]);
        memcpy(p, l->items[i], len);
        p += len;
    }

    *p = '\0';
    l->joined_len = p - l->joined;

    return 0;

nomem:

    apigw_loc_error(c->err, &loc, "out of memory");
    return -1;
}


/* an RFC 9110 token, or "*" */
static int
apigw_spec_cors_token(const char *s, size_t len)
{
    size_t  i;

    if (len == 0) {
        return -1;
    }

    for (i = 0; i < len; i++) {
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')
              || (s[i] >= '0' && s[i] <= '9')
              || strchr("!#$%&'*+-.^_`|~", s[i]) != NULL)
            || s[i] == '\0')
        {
            return -1;
        }
    }

    return (memchr(s, '*', len) == NULL || len == 1) ? 0 : -1;
}
