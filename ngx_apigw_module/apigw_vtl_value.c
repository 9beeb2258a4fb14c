
/*
 * Copyright (C) apigw contributors
 */


#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_vtl_int.h"


/*
 * Template values: scalars held inline, strings borrowed (from the
 * template, the request, a JSON tree kept alive by a reference) or owned
 * in a counted block, JSON arrays and objects from the body, and lists and
 * maps the template builds.  Here too: how they render, as text and as
 * JSON, and the work limits every operation charges.
 */


static void apigw_vtl_rc_release(apigw_vtl_rc_t *rc);
static int apigw_vtl_write_real(apigw_vtl_ctx_t *ctx, apigw_vtl_buf_t *buf,
    double r);
static int apigw_vtl_write_string(apigw_vtl_ctx_t *ctx, apigw_vtl_buf_t *buf,
    const char *s, size_t len);
static int apigw_vtl_write_json_val(apigw_vtl_ctx_t *ctx,
    apigw_vtl_buf_t *buf, const apigw_vtl_val_t *v, unsigned depth);


/* string blocks: the text inline, or a buffer taken over */
typedef struct {
    apigw_vtl_rc_t          rc;
    char                   *data;
    char                    inl[1];
} apigw_vtl_sblock_t;


int
apigw_vtl_error(apigw_vtl_ctx_t *ctx, const char *fmt, ...)
{
    int      n;
    va_list  args;

    if (ctx->errbuf[0] != '\0') {
        return -1;          /* the first error is the one to report */
    }

    n = snprintf(ctx->errbuf, ctx->errlen, "line %u: ", ctx->line);

    if (n > 0 && (size_t) n < ctx->errlen) {
        va_start(args, fmt);
        vsnprintf(ctx->errbuf + n, ctx->errlen - n, fmt, args);
        va_end(args);
    }

    return -1;
}


int
apigw_vtl_charge(apigw_vtl_ctx_t *ctx, size_t bytes)
{
    ctx->bytes += bytes;

    if (ctx->bytes > APIGW_VTL_MAX_BYTES) {
        return apigw_vtl_error(ctx, "the template handles more than %d MB "
                               "of text", APIGW_VTL_MAX_BYTES >> 20);
    }

    return 0;
}


int
apigw_vtl_buf_reserve(apigw_vtl_ctx_t *ctx, apigw_vtl_buf_t *buf, size_t len)
{
    char    *data;
    size_t   cap;

    if (len > APIGW_VTL_MAX_OUTPUT - buf->len) {
        return apigw_vtl_error(ctx, "%s longer than %d bytes",
                               buf == ctx->out ? "output" : "a string",
                               APIGW_VTL_MAX_OUTPUT);
    }

    if (buf->cap - buf->len > len) {
        return 0;
    }

    cap = buf->cap ? buf->cap * 2 : 256;

    if (cap < buf->len + len + 1) {
        cap = buf->len + len + 1;
    }

    if (cap > APIGW_VTL_MAX_OUTPUT + 1) {
        cap = APIGW_VTL_MAX_OUTPUT + 1;
    }

    data = realloc(buf->data, cap);
    if (data == NULL) {
        return apigw_vtl_error(ctx, "out of memory");
    }

    buf->data = data;
    buf->cap = cap;

    return 0;
}


int
apigw_vtl_buf_add(apigw_vtl_ctx_t *ctx, apigw_vtl_buf_t *buf,
    const char *data, size_t len)
{
    if (len == 0) {
        return 0;
    }

    if (buf->cap - buf->len <= len
        && apigw_vtl_buf_reserve(ctx, buf, len) != 0)
    {
        return -1;
    }

    memcpy(buf->data + buf->len, data, len);
    buf->len += len;

    return 0;
}


static void
apigw_vtl_rc_release(apigw_vtl_rc_t *rc)
{
    size_t               i;
    apigw_vtl_map_t     *map;
    apigw_vtl_list_t    *list;
    apigw_vtl_sblock_t  *s;

    if (--rc->refs) {
        return;
    }

    switch (rc->kind) {

    case APIGW_VTL_V_LIST:
        list = (apigw_vtl_list_t *) rc;

        for (i = 0; i < list->n; i++) {
            apigw_vtl_val_release(&list->items[i]);
        }

        free(list->items);
        break;

    case APIGW_VTL_V_MAP:
        map = (apigw_vtl_map_t *) rc;

        for (i = 0; i < map->n; i++) {
            apigw_vtl_val_release(&map->keys[i]);
            apigw_vtl_val_release(&map->vals[i]);
        }

        free(map->keys);
        free(map->vals);
        break;

    default:
        s = (apigw_vtl_sblock_t *) rc;

        if (s->data != s->inl) {
            free(s->data);
        }

        break;
    }

    free(rc);
}


void
apigw_vtl_val_release(apigw_vtl_val_t *v)
{
    if (v->jref != NULL) {
        json_decref(v->jref);
    }

    if (v->ref != NULL) {
        apigw_vtl_rc_release(v->ref);
    }

    v->type = APIGW_VTL_V_NULL;
    v->jref = NULL;
    v->ref = NULL;
}


void
apigw_vtl_val_copy(apigw_vtl_val_t *dst, const apigw_vtl_val_t *src)
{
    *dst = *src;

    if (dst->jref != NULL) {
        json_incref(dst->jref);
    }

    if (dst->ref != NULL) {
        dst->ref->refs++;
    }
}


/* a value for a JSON node: the node is not taken, a reference is added */
void
apigw_vtl_val_from_json(apigw_vtl_val_t *v, json_t *json)
{
    memset(v, 0, sizeof(apigw_vtl_val_t));

    switch (json_typeof(json)) {

    case JSON_OBJECT:
    case JSON_ARRAY:
        v->type = APIGW_VTL_V_JSON;
        v->u.json = json;
        v->jref = json_incref(json);
        break;

    case JSON_STRING:
        v->type = APIGW_VTL_V_STR;
        v->u.s.data = json_string_value(json);
        v->u.s.len = json_string_length(json);
        v->jref = json_incref(json);
        break;

    case JSON_INTEGER:
        v->type = APIGW_VTL_V_INT;
        v->u.i = json_integer_value(json);
        break;

    case JSON_REAL:
        v->type = APIGW_VTL_V_REAL;
        v->u.r = json_real_value(json);
        break;

    case JSON_TRUE:
    case JSON_FALSE:
        v->type = APIGW_VTL_V_BOOL;
        v->u.i = json_is_true(json);
        break;

    default:
        break;
    }
}


/* an owned copy of data */
int
apigw_vtl_val_string(apigw_vtl_ctx_t *ctx, apigw_vtl_val_t *v,
    const char *data, size_t len)
{
    apigw_vtl_sblock_t  *s;

    memset(v, 0, sizeof(apigw_vtl_val_t));

    if (len > APIGW_VTL_MAX_OUTPUT) {
        return apigw_vtl_error(ctx, "a string longer than %d bytes",
                               APIGW_VTL_MAX_OUTPUT);
    }

    if (apigw_vtl_charge(ctx, len) != 0) {
        return -1;
    }

    s = malloc(sizeof(apigw_vtl_sblock_t) + len);
    if (s == NULL) {
        return apigw_vtl_error(ctx, "out of memory");
    }

    s->rc.refs = 1;
    s->rc.kind = APIGW_VTL_V_STR;
    s->data = s->inl;
    memcpy(s->inl, data, len);
    s->inl[len] = '\0';

    v->type = APIGW_VTL_V_STR;
    v->u.s.data = s->data;
    v->u.s.len = len;
    v->ref = &s->rc;

    return 0;
}


/* a string value that takes the buffer over, the buffer emptied */
int
apigw_vtl_val_take_buf(apigw_vtl_ctx_t *ctx, apigw_vtl_val_t *v,
    apigw_vtl_buf_t *buf)
{
    apigw_vtl_sblock_t  *s;

    memset(v, 0, sizeof(apigw_vtl_val_t));

    if (buf->data == NULL) {
        v->type = APIGW_VTL_V_STR;
        v->u.s.data = "";
        return 0;
    }

    if (apigw_vtl_charge(ctx, buf->len) != 0) {
        return -1;
    }

    s = malloc(sizeof(apigw_vtl_sblock_t));
    if (s == NULL) {
        return apigw_vtl_error(ctx, "out of memory");
    }

    s->rc.refs = 1;
    s->rc.kind = APIGW_VTL_V_STR;
    s->data = buf->data;
    s->data[buf->len] = '\0';       /* buffers keep a byte spare */

    v->type = APIGW_VTL_V_STR;
    v->u.s.data = s->data;
    v->u.s.len = buf->len;
    v->ref = &s->rc;

    buf->data = NULL;
    buf->len = 0;
    buf->cap = 0;

    return 0;
}


/* a list of n nulls, owned by v */
apigw_vtl_list_t *
apigw_vtl_list_new(apigw_vtl_ctx_t *ctx, size_t n, apigw_vtl_val_t *v)
{
    apigw_vtl_list_t  *list;

    memset(v, 0, sizeof(apigw_vtl_val_t));

    if (apigw_vtl_charge(ctx, (n + 1) * sizeof(apigw_vtl_val_t)) != 0) {
        return NULL;
    }

    list = calloc(1, sizeof(apigw_vtl_list_t));
    if (list == NULL) {
        apigw_vtl_error(ctx, "out of memory");
        return NULL;
    }

    list->items = calloc(n ? n : 1, sizeof(apigw_vtl_val_t));
    if (list->items == NULL) {
        free(list);
        apigw_vtl_error(ctx, "out of memory");
        return NULL;
    }

    list->rc.refs = 1;
    list->rc.kind = APIGW_VTL_V_LIST;
    list->rc.depth = 1;
    list->n = n;

    v->type = APIGW_VTL_V_LIST;
    v->u.list = list;
    v->ref = &list->rc;

    return list;
}


/* a map with room for n entries, none used yet, owned by v */
apigw_vtl_map_t *
apigw_vtl_map_new(apigw_vtl_ctx_t *ctx, size_t n, apigw_vtl_val_t *v)
{
    apigw_vtl_map_t  *map;

    memset(v, 0, sizeof(apigw_vtl_val_t));

    if (apigw_vtl_charge(ctx, (2 * n + 1) * sizeof(apigw_vtl_val_t)) != 0) {
        return NULL;
    }

    map = calloc(1, sizeof(apigw_vtl_map_t));
    if (map == NULL) {
        apigw_vtl_error(ctx, "out of memory");
        return NULL;
    }

    map->keys = calloc(n ? n : 1, sizeof(apigw_vtl_val_t));
    map->vals = calloc(n ? n : 1, sizeof(apigw_vtl_val_t));

    if (map->keys == NULL || map->vals == NULL) {
        free(map->keys);
        free(map->vals);
        free(map);
        apigw_vtl_error(ctx, "out of memory");
        return NULL;
    }

    map->rc.refs = 1;
    map->rc.kind = APIGW_VTL_V_MAP;
    map->rc.depth = 1;

    v->type = APIGW_VTL_V_MAP;
    v->u.map = map;
    v->ref = &map->rc;

    return map;
}


/*
 * a list or map made by the template holds item: its nesting grows, and
 * is bounded, so that releasing and writing values never recurse deeply
 */
int
apigw_vtl_nest(apigw_vtl_ctx_t *ctx, apigw_vtl_rc_t *rc,
    const apigw_vtl_val_t *item)
{
    unsigned  depth;

    if (item->type != APIGW_VTL_V_LIST && item->type != APIGW_VTL_V_MAP) {
        return 0;
    }

    depth = item->ref->depth + 1;

    if (depth > APIGW_VTL_MAX_NEST) {
        return apigw_vtl_error(ctx, "lists and maps nest deeper than %d "
                               "levels", APIGW_VTL_MAX_NEST);
    }

    if (rc->depth < depth) {
        rc->depth = depth;
    }

    return 0;
}


/* Velocity 1.7: null and false are false, everything else is true */
int
apigw_vtl_truthy(const apigw_vtl_val_t *v)
{
    if (v->type == APIGW_VTL_V_NULL) {
        return 0;
    }

    if (v->type == APIGW_VTL_V_BOOL) {
        return v->u.i != 0;
    }

    return 1;
}


/* a value in the output: strings raw, null as nothing, the rest JSON */
int
apigw_vtl_write(apigw_vtl_ctx_t *ctx, apigw_vtl_buf_t *buf,
    const apigw_vtl_val_t *v)
{
    switch (v->type) {

    case APIGW_VTL_V_NULL:
        return 0;

    case APIGW_VTL_V_STR:
        return apigw_vtl_buf_add(ctx, buf, v->u.s.data, v->u.s.len);

    default:
        return apigw_vtl_write_json_val(ctx, buf, v, 0);
    }
}


int
apigw_vtl_write_json(apigw_vtl_ctx_t *ctx, apigw_vtl_buf_t *buf,
    const apigw_vtl_val_t *v)
{
    return apigw_vtl_write_json_val(ctx, buf, v, 0);
}


/* the shortest text that reads back as the same double; 2.0 stays "2.0" */
static int
apigw_vtl_write_real(apigw_vtl_ctx_t *ctx, apigw_vtl_buf_t *buf, double r)
{
    int   prec, n;
    char  text[40];

    if (!isfinite(r)) {
        return apigw_vtl_buf_add(ctx, buf, "null", 4);
    }

    n = 0;

    for (prec = 1; prec <= 17; prec++) {
        n = snprintf(text, sizeof(text) - 2, "%.*g", prec, r);

        if (strtod(text, NULL) == r) {
            break;
        }
    }

    if (strpbrk(text, ".eE") == NULL) {
        text[n++] = '.';
        text[n++] = '0';
    }

    return apigw_vtl_buf_add(ctx, buf, text, n);
}


/* a JSON string; bytes that are not UTF-8 become U+FFFD */
static int
apigw_vtl_write_string(apigw_vtl_ctx_t *ctx, apigw_vtl_buf_t *buf,
    const char *s, size_t len)
{
    char         esc[8];
    size_t       n;
    uint32_t     cp;
    const char  *p, *end, *run;

    if (apigw_vtl_buf_add(ctx, buf, "\"", 1) != 0) {
        return -1;
    }

    end = s + len;
    run = s;

    for (p = s; p < end; ) {
        unsigned char c = (unsigned char) *p;

        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            p++;
            continue;
        }

        if (c >= 0x80) {
            n = apigw_utf8_char(p, end, &cp);

            if (n) {
                p += n;
                continue;
            }
        }

        if (apigw_vtl_buf_add(ctx, buf, run, p - run) != 0) {
            return -1;
        }

        switch (c) {
        case '"':
            memcpy(esc, "\\\"", 2);
            n = 2;
            break;
        case '\\':
            memcpy(esc, "\\\\", 2);
            n = 2;
            break;
        case '\n':
            memcpy(esc, "\\n", 2);
            n = 2;
            break;
        case '\r':
            memcpy(esc, "\\r", 2);
            n = 2;
            break;
        case '\t':
            memcpy(esc, "\\t", 2);
            n = 2;
            break;
        case '\b':
            memcpy(esc, "\\b", 2);
            n = 2;
            break;
        case '\f':
            memcpy(esc, "\\f", 2);
            n = 2;
            break;
        case 0x7f:
            esc[0] = 0x7f;
            n = 1;
            break;
        default:
            n = snprintf(esc, sizeof(esc), "\\u%04x",
                         c >= 0x80 ? 0xfffd : c);
            break;
        }

        if (apigw_vtl_buf_add(ctx, buf, esc, n) != 0) {
            return -1;
        }

        p++;
        run = p;
    }

    if (apigw_vtl_buf_add(ctx, buf, run, p - run) != 0) {
        return -1;
    }

    return apigw_vtl_buf_add(ctx, buf, "\"", 1);
}


int
apigw_vtl_write_json_node(apigw_vtl_ctx_t *ctx, apigw_vtl_buf_t *buf,
    json_t *json, unsigned depth)
{
    int          n;
    char         text[32];
    size_t       i, size, klen;
    json_t      *item;
    const char  *key;

    if (depth > APIGW_VTL_MAX_JSON_DEPTH) {
        return apigw_vtl_error(ctx, "JSON nested deeper than %d levels",
                               APIGW_VTL_MAX_JSON_DEPTH);
    }

    switch (json_typeof(json)) {

    case JSON_OBJECT:
        if (apigw_vtl_buf_add(ctx, buf, "{", 1) != 0) {
            return -1;
        }

        i = 0;

        json_object_keylen_foreach(json, key, klen, item) {
            if ((i++ && apigw_vtl_buf_add(ctx, buf, ",", 1) != 0)
                || apigw_vtl_write_string(ctx, buf, key, klen) != 0
                || apigw_vtl_buf_add(ctx, buf, ":", 1) != 0
                || apigw_vtl_write_json_node(ctx, buf, item, depth + 1) != 0)
            {
                return -1;
            }
        }

        return apigw_vtl_buf_add(ctx, buf, "}", 1);

    case JSON_ARRAY:
        if (apigw_vtl_buf_add(ctx, buf, "[", 1) != 0) {
            return -1;
        }

        size = json_array_size(json);

        for (i = 0; i < size; i++) {
            if ((i && apigw_vtl_buf_add(ctx, buf, ",", 1) != 0)
                || apigw_vtl_write_json_node(ctx, buf,
                                             json_array_get(json, i),
                                             depth + 1)
                   != 0)
            {
                return -1;
            }
        }

        return apigw_vtl_buf_add(ctx, buf, "]", 1);

    case JSON_STRING:
        return apigw_vtl_write_string(ctx, buf, json_string_value(json),
                                      json_string_length(json));

    case JSON_INTEGER:
        n = snprintf(text, sizeof(text), "%" JSON_INTEGER_FORMAT,
                     json_integer_value(json));
        return apigw_vtl_buf_add(ctx, buf, text, n);

    case JSON_REAL:
        return apigw_vtl_write_real(ctx, buf, json_real_value(json));

    case JSON_TRUE:
        return apigw_vtl_buf_add(ctx, buf, "true", 4);

    case JSON_FALSE:
        return apigw_vtl_buf_add(ctx, buf, "false", 5);

    default:
        return apigw_vtl_buf_add(ctx, buf, "null", 4);
    }
}


static int
apigw_vtl_write_json_val(apigw_vtl_ctx_t *ctx, apigw_vtl_buf_t *buf,
    const apigw_vtl_val_t *v, unsigned depth)
{
    int                n;
    char               text[32];
    size_t             i;
    apigw_vtl_map_t   *map;
    apigw_vtl_list_t  *list;

    switch (v->type) {

    case APIGW_VTL_V_NULL:
        return apigw_vtl_buf_add(ctx, buf, "null", 4);

    case APIGW_VTL_V_BOOL:
        return v->u.i ? apigw_vtl_buf_add(ctx, buf, "true", 4)
                      : apigw_vtl_buf_add(ctx, buf, "false", 5);

    case APIGW_VTL_V_INT:
        n = snprintf(text, sizeof(text), "%" PRId64, v->u.i);
        return apigw_vtl_buf_add(ctx, buf, text, n);

    case APIGW_VTL_V_REAL:
        return apigw_vtl_write_real(ctx, buf, v->u.r);

    case APIGW_VTL_V_STR:
        return apigw_vtl_write_string(ctx, buf, v->u.s.data, v->u.s.len);

    case APIGW_VTL_V_JSON:
        return apigw_vtl_write_json_node(ctx, buf, v->u.json, depth);

    case APIGW_VTL_V_LIST:
        list = v->u.list;

        if (apigw_vtl_buf_add(ctx, buf, "[", 1) != 0) {
            return -1;
        }

        for (i = 0; i < list->n; i++) {
            if ((i && apigw_vtl_buf_add(ctx, buf, ",", 1) != 0)
                || apigw_vtl_write_json_val(ctx, buf, &list->items[i],
                                            depth + 1)
                   != 0)
            {
                return -1;
            }
        }

        return apigw_vtl_buf_add(ctx, buf, "]", 1);

    default:
        map = v->u.map;

        if (apigw_vtl_buf_add(ctx, buf, "{", 1) != 0) {
            return -1;
        }

        for (i = 0; i < map->n; i++) {
            if ((i && apigw_vtl_buf_add(ctx, buf, ",", 1) != 0)
                || apigw_vtl_write_string(ctx, buf, map->keys[i].u.s.data,
                                          map->keys[i].u.s.len) != 0
                || apigw_vtl_buf_add(ctx, buf, ":", 1) != 0
                || apigw_vtl_write_json_val(ctx, buf, &map->vals[i],
                                            depth + 1)
                   != 0)
            {
                return -1;
            }
        }

        return apigw_vtl_buf_add(ctx, buf, "}", 1);
    }
}


/*
 * a value as a string, for methods and $util: strings as they are,
 * numbers and booleans in small (32 bytes at least), lists and maps as
 * JSON in tmp (the caller frees tmp->data); null is ""
 */
int
apigw_vtl_text(apigw_vtl_ctx_t *ctx, const apigw_vtl_val_t *v,
    const char **data, size_t *len, apigw_vtl_buf_t *tmp, char *small)
{
    switch (v->type) {

    case APIGW_VTL_V_NULL:
        *data = "";
        *len = 0;
        return 0;

    case APIGW_VTL_V_STR:
        *data = v->u.s.data;
        *len = v->u.s.len;
        return 0;

    case APIGW_VTL_V_BOOL:
        *data = v->u.i ? "true" : "false";
        *len = v->u.i ? 4 : 5;
        return 0;

    case APIGW_VTL_V_INT:
        *len = snprintf(small, 32, "%" PRId64, v->u.i);
        *data = small;
        return 0;

    default:
        if (apigw_vtl_write_json_val(ctx, tmp, v, 0) != 0) {
            return -1;
        }

        if (apigw_vtl_charge(ctx, tmp->len) != 0) {
            return -1;
        }

        *data = tmp->data ? tmp->data : "";
        *len = tmp->len;
        return 0;
    }
}


/*
 * Velocity's ==: numbers by value, strings by content, null only equals
 * null; lists, maps and values of different kinds by their text (JSON for
 * lists and maps), which charges the work
 */
int
apigw_vtl_equal(apigw_vtl_ctx_t *ctx, const apigw_vtl_val_t *a,
    const apigw_vtl_val_t *b)
{
    int               eq;
    char              sa[32], sb[32];
    size_t            la, lb;
    const char       *da, *db;
    apigw_vtl_buf_t   ta, tb;

    if (a->type == APIGW_VTL_V_NULL || b->type == APIGW_VTL_V_NULL) {
        return a->type == b->type;
    }

    if ((a->type == APIGW_VTL_V_INT || a->type == APIGW_VTL_V_REAL)
        && (b->type == APIGW_VTL_V_INT || b->type == APIGW_VTL_V_REAL))
    {
        if (a->type == APIGW_VTL_V_INT && b->type == APIGW_VTL_V_INT) {
            return a->u.i == b->u.i;
        }

        return (a->type == APIGW_VTL_V_INT ? (double) a->u.i : a->u.r)
               == (b->type == APIGW_VTL_V_INT ? (double) b->u.i : b->u.r);
    }

    if (a->type == APIGW_VTL_V_BOOL && b->type == APIGW_VTL_V_BOOL) {
        return a->u.i == b->u.i;
    }

    if (a->type == APIGW_VTL_V_JSON && b->type == APIGW_VTL_V_JSON
        && a->u.json == b->u.json)
    {
        return 1;
    }

    memset(&ta, 0, sizeof(apigw_vtl_buf_t));
    memset(&tb, 0, sizeof(apigw_vtl_buf_t));
    eq = -1;

    if (apigw_vtl_text(ctx, a, &da, &la, &ta, sa) == 0
        && apigw_vtl_text(ctx, b, &db, &lb, &tb, sb) == 0)
    {
        eq = (la == lb && memcmp(da, db, la) == 0);
    }

    free(ta.data);
    free(tb.data);

    return eq;
}


size_t
apigw_vtl_seq_len(const apigw_vtl_val_t *v)
{
    if (v->type == APIGW_VTL_V_LIST) {
        return v->u.list->n;
    }

    if (v->type == APIGW_VTL_V_JSON && json_is_array(v->u.json)) {
        return json_array_size(v->u.json);
    }

    return 0;
}


void
apigw_vtl_seq_get(const apigw_vtl_val_t *v, size_t i, apigw_vtl_val_t *out)
{
    if (v->type == APIGW_VTL_V_LIST) {
        apigw_vtl_val_copy(out, &v->u.list->items[i]);
        return;
    }

    apigw_vtl_val_from_json(out, json_array_get(v->u.json, i));
}


/* ASCII letters without case, every byte compared, NULs included */
int
apigw_vtl_casecmp(const char *a, const char *b, size_t n)
{
    size_t         i;
    unsigned char  x, y;

    for (i = 0; i < n; i++) {
        x = (unsigned char) a[i];
        y = (unsigned char) b[i];

        x = (x >= 'A' && x <= 'Z') ? (x | 0x20) : x;
        y = (y >= 'A' && y <= 'Z') ? (y | 0x20) : y;

        if (x != y) {
            return (int) x - (int) y;
        }
    }

    return 0;
}


/* the entry index of a key, -1 if none; header maps ignore case */
int
apigw_vtl_map_find(const apigw_vtl_map_t *map, const char *key, size_t len)
{
    size_t  i;

    for (i = 0; i < map->n; i++) {
        if (map->keys[i].u.s.len == len
            && (map->rc.caseless
                ? apigw_vtl_casecmp(map->keys[i].u.s.data, key, len) == 0
                : memcmp(map->keys[i].u.s.data, key, len) == 0))
        {
            return (int) i;
        }
    }

    return -1;
}


/* map.get(key); null when v is not a map or has no such key */
int
apigw_vtl_map_get(apigw_vtl_ctx_t *ctx, const apigw_vtl_val_t *map,
    const char *key, size_t len, apigw_vtl_val_t *out)
{
    int      i;
    json_t  *json;

    (void) ctx;

    memset(out, 0, sizeof(apigw_vtl_val_t));

    if (map->type == APIGW_VTL_V_JSON) {
        if (json_is_object(map->u.json)) {
            json = json_object_getn(map->u.json, key, len);

            if (json != NULL) {
                apigw_vtl_val_from_json(out, json);
            }
        }

        return 0;
    }

    if (map->type == APIGW_VTL_V_MAP) {
        i = apigw_vtl_map_find(map->u.map, key, len);

        if (i >= 0) {
            apigw_vtl_val_copy(out, &map->u.map->vals[i]);
        }
    }

    return 0;
}


/* the values of a map as a list: what #foreach walks over a map */
int
apigw_vtl_map_values(apigw_vtl_ctx_t *ctx, const apigw_vtl_val_t *map,
    apigw_vtl_val_t *out)
{
    size_t             i, n;
    json_t            *item;
    const char        *key;
    apigw_vtl_list_t  *list;

    n = (map->type == APIGW_VTL_V_MAP) ? map->u.map->n
                                       : json_object_size(map->u.json);

    list = apigw_vtl_list_new(ctx, n, out);
    if (list == NULL) {
        return -1;
    }

    if (map->type == APIGW_VTL_V_MAP) {
        for (i = 0; i < n; i++) {
            apigw_vtl_val_copy(&list->items[i], &map->u.map->vals[i]);
        }

        list->rc.depth = map->u.map->rc.depth;

        return 0;
    }

    i = 0;

    json_object_foreach(map->u.json, key, item) {
        apigw_vtl_val_from_json(&list->items[i++], item);
    }

    return 0;
}
