
/*
 * Copyright (C) apigw contributors
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_spec_int.h"
#include "apigw_keys.h"


/*
 * An operation's cache settings:
 *
 *   x-apigw-cache:
 *     ttl: 60                         # s, 0..3600; default: the stage's
 *     enabled: true                   # default: GET and HEAD only
 *     namespace: pets                 # default: the route
 *     key: [method.request.querystring.type, method.request.header.Accept]
 *     shared: false                   # entries shared across callers
 *     statuses: [200, 404]            # default: 200..299
 *     requireAuthorizationForCacheControl: true
 *     unauthorizedCacheControlHeaderStrategy: FAIL_WITH_403
 *     stale: false
 *
 * and AWS's, on the integration: cacheKeyParameters (joined with key) and
 * cacheNamespace (namespace wins).  A problem leaves the operation
 * unusable, as one of its integration does.
 */


typedef struct {
    const char                 *prefix;
    apigw_cache_param_in_e      in;
} apigw_cache_source_t;


static int apigw_spec_cache_ext(apigw_compile_t *c, apigw_operation_t *op,
    apigw_loc_t *ext);
static int apigw_spec_cache_flag(apigw_compile_t *c, apigw_loc_t *ext,
    const char *name, int *flag);
static int apigw_spec_cache_statuses(apigw_compile_t *c,
    apigw_cache_conf_t *conf, apigw_loc_t *ext);
static int apigw_spec_cache_strategy(apigw_compile_t *c,
    apigw_cache_conf_t *conf, apigw_loc_t *ext);
static int apigw_spec_cache_keys(apigw_compile_t *c, apigw_operation_t *op,
    apigw_loc_t *parent, const char *name);
static int apigw_spec_cache_key(apigw_compile_t *c, apigw_operation_t *op,
    apigw_loc_t *loc);
static int apigw_spec_cache_name(apigw_cache_param_in_e in, const char *s,
    size_t len);
static int apigw_spec_cache_ns(apigw_compile_t *c, apigw_cache_conf_t *conf,
    apigw_loc_t *loc);


static const char  *apigw_spec_cache_members[] = {
    "ttl", "enabled", "namespace", "key", "shared", "statuses",
    "requireAuthorizationForCacheControl",
    "unauthorizedCacheControlHeaderStrategy", "stale", NULL
};


/* in apigw_cache_unauthorized_e order */
static const char  *apigw_spec_cache_strategies[] = {
    "FAIL_WITH_403", "SUCCEED_WITH_RESPONSE_HEADER",
    "SUCCEED_WITHOUT_RESPONSE_HEADER", NULL
};


static const apigw_cache_source_t  apigw_spec_cache_sources[] = {
    { "method.request.path.", APIGW_CACHE_PARAM_PATH },
    { "method.request.querystring.", APIGW_CACHE_PARAM_QUERY },
    { "method.request.multivaluequerystring.", APIGW_CACHE_PARAM_QUERY },
    { "method.request.header.", APIGW_CACHE_PARAM_HEADER },
    { "method.request.multivalueheader.", APIGW_CACHE_PARAM_HEADER },
    { NULL, 0 }
};


int
apigw_spec_cache(apigw_compile_t *c, apigw_operation_t *op)
{
    char         *text;
    json_t       *ext;
    apigw_loc_t   loc;

    /* the operation as written, its keys sorted: the same text each load */
    text = json_dumps(op->loc.node, JSON_SORT_KEYS | JSON_COMPACT);
    if (text == NULL) {
        apigw_loc_error(c->err, &op->loc, "out of memory");
        return -1;
    }

    apigw_sha256(text, strlen(text), op->cache.fingerprint);
    free(text);

    ext = apigw_spec_member(&op->loc, &loc, "x-apigw-cache", NULL);

    if (ext != NULL && apigw_spec_cache_ext(c, op, &loc) != 0) {
        return -1;
    }

    ext = apigw_spec_member(&op->loc, &loc, "x-apigw-integration",
                            "x-amazon-apigateway-integration");
    if (!json_is_object(ext)) {
        return 0;
    }

    if (apigw_spec_cache_keys(c, op, &loc, "cacheKeyParameters") != 0) {
        return -1;
    }

    if (apigw_spec_member(&loc, &loc, "cacheNamespace", NULL) == NULL) {
        return 0;
    }

    if (!json_is_string(loc.node)) {
        apigw_loc_error(c->err, &loc, "cacheNamespace must be a string");
        return -1;
    }

    /* AWS exports the resource's id: x-apigw-cache's namespace wins */
    if (op->cache.ns != NULL || json_string_length(loc.node) == 0) {
        return 0;
    }

    return apigw_spec_cache_ns(c, &op->cache, &loc);
}


static int
apigw_spec_cache_ext(apigw_compile_t *c, apigw_operation_t *op,
    apigw_loc_t *ext)
{
    int                  shared, stale;
    json_t              *v;
    json_int_t           ttl;
    apigw_loc_t          loc;
    apigw_cache_conf_t  *conf;

    conf = &op->cache;

    if (!json_is_object(ext->node)) {
        apigw_loc_error(c->err, ext, "x-apigw-cache must be an object");
        return -1;
    }

    if (apigw_loc_check_members(ext, apigw_spec_cache_members,
                                "(x-apigw-cache takes ttl, enabled, "
                                "namespace, key, shared, statuses, "
                                "requireAuthorizationForCacheControl, "
                                "unauthorizedCacheControlHeaderStrategy, "
                                "stale)", c->err)
        != 0)
    {
        return -1;
    }

    v = apigw_spec_member(ext, &loc, "ttl", NULL);

    if (v != NULL) {
        ttl = json_is_integer(v) ? json_integer_value(v) : -1;

        if (ttl < 0 || ttl > APIGW_CACHE_TTL_MAX) {
            apigw_loc_error(c->err, &loc, "ttl must be an integer of seconds "
                            "from 0 to %d", APIGW_CACHE_TTL_MAX);
            return -1;
        }

        conf->ttl = (int) ttl;
    }

    v = apigw_spec_member(ext, &loc, "namespace", NULL);

    if (v != NULL) {
        if (!json_is_string(v) || json_string_length(v) == 0) {
            apigw_loc_error(c->err, &loc, "namespace must be a non-empty "
                            "string");
            return -1;
        }

        if (apigw_spec_cache_ns(c, conf, &loc) != 0) {
            return -1;
        }
    }

    shared = 0;
    stale = 0;

    if (apigw_spec_cache_flag(c, ext, "enabled", &conf->enabled) != 0
        || apigw_spec_cache_flag(c, ext, "shared", &shared) != 0
        || apigw_spec_cache_flag(c, ext, "stale", &stale) != 0
        || apigw_spec_cache_flag(c, ext, "requireAuthorizationForCacheControl",
                                 &conf->require_authorization) != 0
        || apigw_spec_cache_strategy(c, conf, ext) != 0
        || apigw_spec_cache_statuses(c, conf, ext) != 0
        || apigw_spec_cache_keys(c, op, ext, "key") != 0)
    {
        return -1;
    }

    conf->shared = shared;
    conf->stale = stale;

    return 0;
}


/* a boolean member: *flag 0 or 1 when there, as it was when not */
static int
apigw_spec_cache_flag(apigw_compile_t *c, apigw_loc_t *ext, const char *name,
    int *flag)
{
    json_t       *v;
    apigw_loc_t   loc;

    v = apigw_spec_member(ext, &loc, name, NULL);

    if (v == NULL) {
        return 0;
    }

    if (!json_is_boolean(v)) {
        apigw_loc_error(c->err, &loc, "%s must be a boolean", name);
        return -1;
    }

    *flag = json_is_true(v);

    return 0;
}


static int
apigw_spec_cache_statuses(apigw_compile_t *c, apigw_cache_conf_t *conf,
    apigw_loc_t *ext)
{
    size_t        i, j;
    json_t       *list, *v;
    json_int_t    status;
    apigw_loc_t   loc, vloc;

    list = apigw_spec_member(ext, &loc, "statuses", NULL);

    if (list == NULL) {
        return 0;
    }

    if (!json_is_array(list) || json_array_size(list) == 0) {
        apigw_loc_error(c->err, &loc, "statuses must be a non-empty array of "
                        "status codes");
        return -1;
    }

    conf->statuses = calloc(json_array_size(list), sizeof(uint16_t));
    if (conf->statuses == NULL) {
        apigw_loc_error(c->err, &loc, "out of memory");
        return -1;
    }

    json_array_foreach(list, i, v) {
        apigw_loc_index(&loc, &vloc, i, v);

        status = json_is_integer(v) ? json_integer_value(v) : -1;

        if (status < 100 || status > 599) {
            apigw_loc_error(c->err, &vloc, "a status code must be an integer "
                            "from 100 to 599");
            return -1;
        }

        for (j = 0; j < conf->nstatuses; j++) {
            if (conf->statuses[j] == status) {
                apigw_loc_error(c->err, &vloc, "status %d is listed twice",
                                (int) status);
                return -1;
            }
        }

        conf->statuses[conf->nstatuses++] = (uint16_t) status;
    }

    return 0;
}


static int
apigw_spec_cache_strategy(apigw_compile_t *c, apigw_cache_conf_t *conf,
    apigw_loc_t *ext)
{
    int           i;
    json_t       *v;
    const char   *s;
    apigw_loc_t   loc;

    v = apigw_spec_member(ext, &loc, "unauthorizedCacheControlHeaderStrategy",
                          NULL);
    if (v == NULL) {
        return 0;
    }

    s = json_string_value(v);

    for (i = 0; s != NULL && apigw_spec_cache_strategies[i]; i++) {
        if (strcmp(s, apigw_spec_cache_strategies[i]) == 0) {
            conf->unauthorized = (apigw_cache_unauthorized_e) i;
            return 0;
        }
    }

    apigw_loc_error(c->err, &loc, "unauthorizedCacheControlHeaderStrategy "
                    "must be FAIL_WITH_403, SUCCEED_WITH_RESPONSE_HEADER or "
                    "SUCCEED_WITHOUT_RESPONSE_HEADER");
    return -1;
}


static int
apigw_spec_cache_keys(apigw_compile_t *c, apigw_operation_t *op,
    apigw_loc_t *parent, const char *name)
{
    size_t        i;
    json_t       *list, *v;
    apigw_loc_t   loc, vloc;

    list = apigw_spec_member(parent, &loc, name, NULL);

    if (list == NULL) {
        return 0;
    }

    if (!json_is_array(list)) {
        apigw_loc_error(c->err, &loc, "%s must be an array of "
                        "method.request parameters", name);
        return -1;
    }

    json_array_foreach(list, i, v) {
        apigw_loc_index(&loc, &vloc, i, v);

        if (apigw_spec_cache_key(c, op, &vloc) != 0) {
            return -1;
        }
    }

    return 0;
}


/* method.request.{path|querystring|header}.NAME, once in the key */
static int
apigw_spec_cache_key(apigw_compile_t *c, apigw_operation_t *op,
    apigw_loc_t *loc)
{
    char                        *name;
    size_t                       i, len, plen;
    const char                  *s;
    apigw_cache_conf_t          *conf;
    apigw_cache_param_t         *param;
    const apigw_cache_source_t  *src;

    conf = &op->cache;
    s = json_string_value(loc->node);

    if (s == NULL) {
        apigw_loc_error(c->err, loc, "a cache key parameter must be a "
                        "string");
        return -1;
    }

    len = json_string_length(loc->node);

    for (src = apigw_spec_cache_sources; src->prefix; src++) {
        plen = strlen(src->prefix);

        if (len > plen && strncmp(s, src->prefix, plen) == 0) {
            break;
        }
    }

    if (src->prefix == NULL) {
        apigw_loc_error(c->err, loc, "unknown cache key parameter \"%s\" "
                        "(expected method.request.{path|querystring|"
                        "multivaluequerystring|header|multivalueheader}."
                        "NAME)", s);
        return -1;
    }

    s += plen;
    len -= plen;

    if (apigw_spec_cache_name(src->in, s, len) != 0) {
        apigw_loc_error(c->err, loc, "bad parameter name \"%s\"", s);
        return -1;
    }

    name = apigw_strndup(s, len);
    if (name == NULL) {
        goto nomem;
    }

    if (src->in == APIGW_CACHE_PARAM_HEADER) {
        for (i = 0; i < len; i++) {
            if (name[i] >= 'A' && name[i] <= 'Z') {
                name[i] = (char) (name[i] - 'A' + 'a');
            }
        }
    }

    for (i = 0; i < conf->nparams; i++) {
        param = &conf->params[i];

        if (param->in == src->in && param->name_len == len
            && memcmp(param->name, name, len) == 0)
        {
            /* in both lists, or twice in one: the key takes it once */
            free(name);
            return 0;
        }
    }

    i = 0;

    if (src->in == APIGW_CACHE_PARAM_PATH) {
        while (i < op->nparams && strcmp(op->param_names[i], name) != 0) {
            i++;
        }

        if (i == op->nparams) {
            apigw_loc_error(c->err, loc, "\"%s\" is not a path parameter of "
                            "\"%s\"", name, op->path);
            free(name);
            return -1;
        }
    }

    if (conf->nparams == APIGW_CACHE_MAX_PARAMS) {
        apigw_loc_error(c->err, loc, "a cache key takes at most %d "
                        "parameters", APIGW_CACHE_MAX_PARAMS);
        free(name);
        return -1;
    }

    param = realloc(conf->params,
                    (conf->nparams + 1) * sizeof(apigw_cache_param_t));
    if (param == NULL) {
        free(name);
        goto nomem;
    }

    conf->params = param;
    param = &param[conf->nparams++];

    param->in = src->in;
    param->name = name;
    param->name_len = len;
    param->path_index = i;

    return 0;

nomem:

    apigw_loc_error(c->err, loc, "out of memory");
    return -1;
}


/* no control characters; a header's name is a token */
static int
apigw_spec_cache_name(apigw_cache_param_in_e in, const char *s, size_t len)
{
    size_t         i;
    unsigned char  ch;

    for (i = 0; i < len; i++) {
        ch = (unsigned char) s[i];

        if (ch < 0x20 || ch == 0x7f) {
            return -1;
        }

        if (in == APIGW_CACHE_PARAM_HEADER
            && (ch == ' ' || ch >= 0x80
                || strchr("\"(),/:;<=>?@[\\]{}", ch) != NULL))
        {
            return -1;
        }
    }

    return 0;
}


static int
apigw_spec_cache_ns(apigw_compile_t *c, apigw_cache_conf_t *conf,
    apigw_loc_t *loc)
{
    conf->ns_len = json_string_length(loc->node);
    conf->ns = apigw_strndup(json_string_value(loc->node), conf->ns_len);

    if (conf->ns == NULL) {
        apigw_loc_error(c->err, loc, "out of memory");
        return -1;
    }

    return 0;
}


/*
 * Operations that share a namespace share one fingerprint, made of all
 * of theirs in the spec's order: their entries stay shared, and a reload
 * that changes one of them never serves what the old ones stored
 */
int
apigw_spec_cache_namespaces(apigw_compile_t *c)
{
    size_t              i, j, n;
    json_t             *groups, *group, *v;
    const char         *name;
    unsigned char      *buf;
    apigw_api_t        *api;
    apigw_operation_t  *op;

    api = c->api;
    groups = json_object();

    if (groups == NULL) {
        goto nomem;
    }

    for (i = 0; i < api->nops; i++) {
        op = &api->ops[i];

        if (op->cache.ns == NULL) {
            continue;
        }

        group = json_object_get(groups, op->cache.ns);

        if (group == NULL) {
            group = json_array();

            if (group == NULL || json_object_set_new(groups, op->cache.ns,
                                                     group)
                                 != 0)
            {
                goto nomem;
            }
        }

        if (json_array_append_new(group, json_integer((json_int_t) i)) != 0)
        {
            goto nomem;
        }
    }

    json_object_foreach(groups, name, group) {
        n = json_array_size(group);

        if (n < 2) {
            continue;
        }

        buf = malloc(n * APIGW_CACHE_FINGERPRINT_LEN);
        if (buf == NULL) {
            goto nomem;
        }

        json_array_foreach(group, j, v) {
            op = &api->ops[json_integer_value(v)];
            memcpy(buf + j * APIGW_CACHE_FINGERPRINT_LEN,
                   op->cache.fingerprint, APIGW_CACHE_FINGERPRINT_LEN);
        }

        json_array_foreach(group, j, v) {
            op = &api->ops[json_integer_value(v)];
            apigw_sha256(buf, n * APIGW_CACHE_FINGERPRINT_LEN,
                         op->cache.fingerprint);
        }

        free(buf);
    }

    json_decref(groups);

    return 0;

nomem:

    json_decref(groups);
    apigw_error_set(c->err, "", 0, "out of memory");

    return -1;
}
