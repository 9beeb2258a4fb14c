
/*
 * Copyright (C) apigw contributors
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_vtl_int.h"


/*
 * What a template reads of the request: $input.json() and $input.path()
 * over the body (parsed on first use), $input.params(), and $context and
 * $stageVariables through the caller's lookups.
 */


/* a name/value pair being deduplicated for $input.params() */
typedef struct {
    const apigw_kv_t       *kv;
    const apigw_kv_t       *value;      /* the last one of the name */
    size_t                  first;      /* where the name first appears */
    size_t                  index;
} apigw_vtl_param_t;


static const apigw_kv_t *apigw_vtl_kv_find(const apigw_kv_list_t *list,
    const char *name, size_t len, int caseless);
static int apigw_vtl_params_map(apigw_vtl_ctx_t *ctx,
    const apigw_kv_list_t *list, int caseless, apigw_vtl_val_t *out);
static int apigw_vtl_param_name_cmp(const apigw_vtl_param_t *x,
    const apigw_vtl_param_t *y, int caseless);
static int apigw_vtl_param_cmp(const void *a, const void *b);
static int apigw_vtl_param_cmp_caseless(const void *a, const void *b);
static int apigw_vtl_param_cmp_first(const void *a, const void *b);


/*
 * $input.json() and $input.path(): the body parsed on first use and left
 * in in->json; an invalid body selects nothing, as does a bad JSONPath
 * built at render time
 */
json_t *
apigw_vtl_select(apigw_vtl_ctx_t *ctx, const apigw_vtl_expr_t *e)
{
    char               err[APIGW_ERR_LEN], small[32];
    size_t             len;
    json_t            *json;
    const char        *data;
    apigw_vtl_val_t    v;
    apigw_vtl_buf_t    tmp;
    apigw_jsonpath_t  *path;

    if (ctx->in->json == NULL) {
        if (ctx->json_failed || ctx->in->body == NULL) {
            return NULL;
        }

        if (apigw_vtl_charge(ctx, ctx->in->body_len) != 0) {
            return NULL;
        }

        ctx->in->json = apigw_json_parse(ctx->in->body, ctx->in->body_len,
                                         APIGW_VTL_JSON_DEPTH, err,
                                         sizeof(err));

        if (ctx->in->json == NULL) {
            ctx->json_failed = 1;
            return NULL;
        }
    }

    path = e->u.call.path;

    if (path == NULL) {
        if (apigw_vtl_eval(ctx, e->u.call.arg, &v) != 0) {
            return NULL;
        }

        memset(&tmp, 0, sizeof(apigw_vtl_buf_t));

        if (apigw_vtl_text(ctx, &v, &data, &len, &tmp, small) == 0) {
            path = apigw_jsonpath_compile(data, len, err, sizeof(err));
        }

        free(tmp.data);
        apigw_vtl_val_release(&v);

        if (path == NULL) {
            return NULL;
        }
    }

    /* a wildcard or descent may walk the whole body */
    if (!apigw_jsonpath_definite(path)
        && apigw_vtl_charge(ctx, ctx->in->body_len + 64) != 0)
    {
        json = NULL;

    } else {
        json = apigw_jsonpath_eval(path, ctx->in->json);
    }

    if (path != e->u.call.path) {
        apigw_jsonpath_free(path);
    }

    return json;
}


/* $context.NAME, $stageVariables.NAME through the caller's lookups */
int
apigw_vtl_lookup(apigw_vtl_ctx_t *ctx, const apigw_vtl_expr_t *e,
    const char **value, size_t *len)
{
    apigw_vtl_lookup_pt  lookup;

    lookup = (e->kind == APIGW_VTL_E_CONTEXT) ? ctx->in->context
                                              : ctx->in->stage_variable;

    if (lookup == NULL
        || !lookup(ctx->in->data, e->u.str.data, e->u.str.len, value, len))
    {
        return 0;
    }

    if (*value == NULL) {
        *value = "";
        *len = 0;
    }

    return 1;
}


/*
 * $input.params('x'): a path parameter, else a query string parameter,
 * else a header (the name caseless); the last of repeated ones; "" when
 * there is none, as AWS gives
 */
int
apigw_vtl_param(apigw_vtl_ctx_t *ctx, const apigw_vtl_expr_t *e,
    const char **value, size_t *len)
{
    char                small[32];
    size_t              nlen;
    const char         *name;
    apigw_vtl_val_t     v;
    apigw_vtl_buf_t     tmp;
    const apigw_kv_t   *kv;

    if (apigw_vtl_eval(ctx, e->u.call.arg, &v) != 0) {
        return -1;
    }

    memset(&tmp, 0, sizeof(apigw_vtl_buf_t));

    if (apigw_vtl_text(ctx, &v, &name, &nlen, &tmp, small) != 0) {
        apigw_vtl_val_release(&v);
        return -1;
    }

    kv = apigw_vtl_kv_find(&ctx->in->path, name, nlen, 0);

    if (kv == NULL) {
        kv = apigw_vtl_kv_find(&ctx->in->querystring, name, nlen, 0);
    }

    if (kv == NULL) {
        kv = apigw_vtl_kv_find(&ctx->in->header, name, nlen, 1);
    }

    free(tmp.data);
    apigw_vtl_val_release(&v);

    if (kv == NULL || kv->value == NULL) {
        *value = "";
        *len = 0;

    } else {
        *value = kv->value;
        *len = kv->value_len;
    }

    return 0;
}


static const apigw_kv_t *
apigw_vtl_kv_find(const apigw_kv_list_t *list, const char *name, size_t len,
    int caseless)
{
    size_t             i;
    const apigw_kv_t  *kv;

    for (i = list->n; i > 0; i--) {
        kv = &list->items[i - 1];

        if (kv->name_len == len
            && (caseless ? apigw_vtl_casecmp(kv->name, name, len) == 0
                         : memcmp(kv->name, name, len) == 0))
        {
            return kv;
        }
    }

    return NULL;
}


/*
 * $input.params(): {"path": {...}, "querystring": {...}, "header": {...}},
 * built once per render
 */
int
apigw_vtl_params(apigw_vtl_ctx_t *ctx, apigw_vtl_val_t *out)
{
    size_t            i;
    apigw_vtl_map_t  *map;

    static const struct {
        const char           *name;
        size_t                len;
    } keys[3] = { { "path", 4 }, { "querystring", 11 }, { "header", 6 } };

    if (!ctx->has_params) {
        map = apigw_vtl_map_new(ctx, 3, &ctx->params);
        if (map == NULL) {
            return -1;
        }

        for (i = 0; i < 3; i++) {
            map->keys[i].type = APIGW_VTL_V_STR;
            map->keys[i].u.s.data = keys[i].name;
            map->keys[i].u.s.len = keys[i].len;

            if (apigw_vtl_params_map(ctx, i == 0 ? &ctx->in->path
                                          : i == 1 ? &ctx->in->querystring
                                                   : &ctx->in->header,
                                     i == 2, &map->vals[i])
                != 0)
            {
                apigw_vtl_val_release(&ctx->params);
                return -1;
            }

            map->n++;
        }

        map->rc.depth = 2;
        ctx->has_params = 1;
    }

    apigw_vtl_val_copy(out, &ctx->params);

    return 0;
}


/*
 * a map of one list: a name given more than once keeps its first spelling
 * and place and its last value; sorting finds them in O(n log n)
 */
static int
apigw_vtl_params_map(apigw_vtl_ctx_t *ctx, const apigw_kv_list_t *list,
    int caseless, apigw_vtl_val_t *out)
{
    size_t              i, j, n;
    apigw_vtl_map_t    *map;
    apigw_vtl_param_t  *p;

    if (apigw_vtl_charge(ctx, list->n * sizeof(apigw_vtl_param_t)) != 0) {
        return -1;
    }

    p = malloc((list->n ? list->n : 1) * sizeof(apigw_vtl_param_t));
    if (p == NULL) {
        return apigw_vtl_error(ctx, "out of memory");
    }

    for (i = 0; i < list->n; i++) {
        p[i].kv = &list->items[i];
        p[i].index = i;
    }

    qsort(p, list->n, sizeof(apigw_vtl_param_t),
          caseless ? apigw_vtl_param_cmp_caseless : apigw_vtl_param_cmp);

    /* a run of equal names becomes one entry */
    for (i = 0, n = 0; i < list->n; i = j) {
        for (j = i + 1; j < list->n; j++) {
            if (apigw_vtl_param_name_cmp(&p[i], &p[j], caseless) != 0) {
                break;
            }
        }

        /* the first name and place, the last value */
        p[n] = p[i];
        p[n].first = p[i].index;
        p[n].value = p[j - 1].kv;
        n++;
    }

    qsort(p, n, sizeof(apigw_vtl_param_t), apigw_vtl_param_cmp_first);

    map = apigw_vtl_map_new(ctx, n, out);
    if (map == NULL) {
        free(p);
        return -1;
    }

    map->rc.caseless = caseless;

    for (i = 0; i < n; i++) {
        map->keys[i].type = APIGW_VTL_V_STR;
        map->keys[i].u.s.data = p[i].kv->name ? p[i].kv->name : "";
        map->keys[i].u.s.len = p[i].kv->name_len;
        map->vals[i].type = APIGW_VTL_V_STR;
        map->vals[i].u.s.data = p[i].value->value ? p[i].value->value : "";
        map->vals[i].u.s.len = p[i].value->value_len;
    }

    map->n = n;
    free(p);

    return 0;
}


static int
apigw_vtl_param_name_cmp(const apigw_vtl_param_t *x,
    const apigw_vtl_param_t *y, int caseless)
{
    int     c;
    size_t  n;

    n = x->kv->name_len < y->kv->name_len ? x->kv->name_len
                                          : y->kv->name_len;

    if (n == 0) {
        c = 0;

    } else {
        c = caseless ? apigw_vtl_casecmp(x->kv->name, y->kv->name, n)
                     : memcmp(x->kv->name, y->kv->name, n);
    }

    if (c == 0) {
        c = (x->kv->name_len > y->kv->name_len)
            - (x->kv->name_len < y->kv->name_len);
    }

    return c;
}


/* by name, then by place */
static int
apigw_vtl_param_cmp(const void *a, const void *b)
{
    int                       c;
    const apigw_vtl_param_t  *x, *y;

    x = a;
    y = b;
    c = apigw_vtl_param_name_cmp(x, y, 0);

    return c ? c : (x->index > y->index) - (x->index < y->index);
}


static int
apigw_vtl_param_cmp_caseless(const void *a, const void *b)
{
    int                       c;
    const apigw_vtl_param_t  *x, *y;

    x = a;
    y = b;
    c = apigw_vtl_param_name_cmp(x, y, 1);

    return c ? c : (x->index > y->index) - (x->index < y->index);
}


static int
apigw_vtl_param_cmp_first(const void *a, const void *b)
{
    const apigw_vtl_param_t  *x, *y;

    x = a;
    y = b;

    return (x->first > y->first) - (x->first < y->first);
}
