
/*
 * Copyright (C) apigw contributors
 */


#ifndef _GNU_SOURCE
#define _GNU_SOURCE             /* memmem() */
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "apigw_vtl_int.h"


/*
 * The Java methods templates call on values ($s.trim(), $list.size(),
 * $map.keySet()...), and the regexes of replaceAll(), replaceFirst(),
 * matches() and split().  String indexes count Unicode
 * characters (code points), not bytes.  A method given a value of the
 * wrong kind, or arguments out of range, gives null.
 */


typedef struct {
    const char             *data;
    size_t                  len;
    apigw_vtl_buf_t         tmp;
    char                    small[32];
} apigw_vtl_arg_t;


static int apigw_vtl_method_any(apigw_vtl_ctx_t *ctx,
    const apigw_vtl_acc_t *acc, apigw_vtl_val_t *self, apigw_vtl_val_t *args,
    apigw_vtl_val_t *out);
static int apigw_vtl_method_str(apigw_vtl_ctx_t *ctx,
    const apigw_vtl_acc_t *acc, apigw_vtl_val_t *self, apigw_vtl_val_t *args,
    apigw_vtl_val_t *out);
static int apigw_vtl_method_seq(apigw_vtl_ctx_t *ctx,
    const apigw_vtl_acc_t *acc, apigw_vtl_val_t *self, apigw_vtl_val_t *args,
    apigw_vtl_val_t *out);
static int apigw_vtl_method_map(apigw_vtl_ctx_t *ctx,
    const apigw_vtl_acc_t *acc, apigw_vtl_val_t *self, apigw_vtl_val_t *args,
    apigw_vtl_val_t *out);
static int apigw_vtl_map_entries(apigw_vtl_ctx_t *ctx,
    apigw_vtl_method_e method, apigw_vtl_val_t *self, apigw_vtl_val_t *args,
    apigw_vtl_val_t *out);
static int apigw_vtl_entry(apigw_vtl_ctx_t *ctx, apigw_vtl_method_e method,
    apigw_vtl_val_t *slot, apigw_vtl_val_t *k, apigw_vtl_val_t *v,
    unsigned depth);
static int apigw_vtl_arg(apigw_vtl_ctx_t *ctx, const apigw_vtl_val_t *v,
    apigw_vtl_arg_t *arg);
static size_t apigw_vtl_char_len(const char *p, const char *end);
static size_t apigw_vtl_chars(const char *s, size_t len);
static size_t apigw_vtl_char_offset(const char *s, size_t len, int64_t index);
static const char *apigw_vtl_find(apigw_vtl_ctx_t *ctx, const char *s,
    size_t len, const char *n, size_t nlen, int last);
static int apigw_vtl_replace(apigw_vtl_ctx_t *ctx, const char *s, size_t len,
    const char *from, size_t flen, const char *to, size_t tlen,
    apigw_vtl_val_t *out);
static int apigw_vtl_regex_method(apigw_vtl_ctx_t *ctx,
    const apigw_vtl_acc_t *acc, const char *s, size_t len,
    apigw_vtl_val_t *args, apigw_vtl_val_t *out);
static int apigw_vtl_regex_match(apigw_vtl_ctx_t *ctx, pcre2_code *re,
    pcre2_match_data *md, const char *s, size_t len, size_t offset,
    uint32_t options);
static int apigw_vtl_regex_expand(apigw_vtl_ctx_t *ctx, pcre2_code *re,
    PCRE2_SIZE *ov, const char *s, const char *repl, size_t rlen,
    apigw_vtl_buf_t *buf);
static int apigw_vtl_regex_split(apigw_vtl_ctx_t *ctx, pcre2_code *re,
    pcre2_match_data *md, const char *s, size_t len, apigw_vtl_val_t *out);


#define apigw_vtl_is_seq(v)                                                   \
    ((v)->type == APIGW_VTL_V_LIST                                            \
     || ((v)->type == APIGW_VTL_V_JSON && json_is_array((v)->u.json)))

#define apigw_vtl_is_map(v)                                                   \
    ((v)->type == APIGW_VTL_V_MAP                                             \
     || ((v)->type == APIGW_VTL_V_JSON && json_is_object((v)->u.json)))

#define apigw_vtl_set_int(v, n)                                               \
    do { (v)->type = APIGW_VTL_V_INT; (v)->u.i = (n); } while (0)

#define apigw_vtl_set_bool(v, b)                                              \
    do { (v)->type = APIGW_VTL_V_BOOL; (v)->u.i = (b) ? 1 : 0; } while (0)


int
apigw_vtl_method(apigw_vtl_ctx_t *ctx, const apigw_vtl_acc_t *acc,
    apigw_vtl_val_t *self, apigw_vtl_val_t *args, apigw_vtl_val_t *out)
{
    memset(out, 0, sizeof(apigw_vtl_val_t));

    if (self->type == APIGW_VTL_V_NULL) {
        return 0;
    }

    if (acc->method == APIGW_VTL_M_TO_STRING
        || acc->method == APIGW_VTL_M_EQUALS)
    {
        return apigw_vtl_method_any(ctx, acc, self, args, out);
    }

    if (self->type == APIGW_VTL_V_STR) {
        return apigw_vtl_method_str(ctx, acc, self, args, out);
    }

    if (apigw_vtl_is_seq(self)) {
        return apigw_vtl_method_seq(ctx, acc, self, args, out);
    }

    if (apigw_vtl_is_map(self)) {
        return apigw_vtl_method_map(ctx, acc, self, args, out);
    }

    return 0;
}


static int
apigw_vtl_method_any(apigw_vtl_ctx_t *ctx, const apigw_vtl_acc_t *acc,
    apigw_vtl_val_t *self, apigw_vtl_val_t *args, apigw_vtl_val_t *out)
{
    int              rc;
    apigw_vtl_arg_t  a;

    if (acc->method == APIGW_VTL_M_EQUALS) {
        rc = apigw_vtl_equal(ctx, self, &args[0]);
        if (rc < 0) {
            return -1;
        }

        apigw_vtl_set_bool(out, rc);
        return 0;
    }

    if (self->type == APIGW_VTL_V_STR) {
        apigw_vtl_val_copy(out, self);
        return 0;
    }

    if (apigw_vtl_arg(ctx, self, &a) != 0) {
        return -1;
    }

    rc = apigw_vtl_val_string(ctx, out, a.data, a.len);
    free(a.tmp.data);

    return rc;
}


static int
apigw_vtl_method_str(apigw_vtl_ctx_t *ctx, const apigw_vtl_acc_t *acc,
    apigw_vtl_val_t *self, apigw_vtl_val_t *args, apigw_vtl_val_t *out)
{
    int               rc;
    char             *p;
    size_t            len, off, end, n;
    const char       *s, *hit;
    apigw_vtl_arg_t   a, b;
    apigw_vtl_buf_t   buf;

    s = self->u.s.data;
    len = self->u.s.len;
    rc = 0;

    memset(&a, 0, sizeof(apigw_vtl_arg_t));
    memset(&b, 0, sizeof(apigw_vtl_arg_t));

    if (acc->method != APIGW_VTL_M_SUBSTRING
        && acc->method != APIGW_VTL_M_CHAR_AT && acc->nargs > 0)
    {
        if (args[0].type == APIGW_VTL_V_NULL) {
            /* Java would throw: null */
            return 0;
        }

        if (!apigw_vtl_methods[acc->method].regex || acc->regex == NULL) {
            if (apigw_vtl_arg(ctx, &args[0], &a) != 0) {
                return -1;
            }
        }
    }

    if (apigw_vtl_charge(ctx, len) != 0) {
        rc = -1;
        goto done;
    }

    switch (acc->method) {

    case APIGW_VTL_M_SIZE:
    case APIGW_VTL_M_LENGTH:
        apigw_vtl_set_int(out, apigw_vtl_chars(s, len));
        break;

    case APIGW_VTL_M_IS_EMPTY:
        apigw_vtl_set_bool(out, len == 0);
        break;

    case APIGW_VTL_M_CONTAINS:
        apigw_vtl_set_bool(out, a.len == 0
                                || memmem(s, len, a.data, a.len) != NULL);
        break;

    case APIGW_VTL_M_STARTS_WITH:
        apigw_vtl_set_bool(out, a.len <= len
                                && memcmp(s, a.data, a.len) == 0);
        break;

    case APIGW_VTL_M_ENDS_WITH:
        apigw_vtl_set_bool(out, a.len <= len
                                && memcmp(s + len - a.len, a.data, a.len)
                                   == 0);
        break;

    case APIGW_VTL_M_INDEX_OF:
    case APIGW_VTL_M_LAST_INDEX_OF:
        hit = apigw_vtl_find(ctx, s, len, a.data, a.len,
                             acc->method == APIGW_VTL_M_LAST_INDEX_OF);

        if (hit == (const char *) -1) {
            rc = -1;
            break;
        }

        apigw_vtl_set_int(out, hit ? (int64_t) apigw_vtl_chars(s, hit - s)
                                   : -1);
        break;

    case APIGW_VTL_M_EQUALS_IGNORE_CASE:
        apigw_vtl_set_bool(out, a.len == len
                                && apigw_vtl_casecmp(s, a.data, len) == 0);
        break;

    case APIGW_VTL_M_SUBSTRING:
        if (args[0].type != APIGW_VTL_V_INT
            || (acc->nargs == 2 && args[1].type != APIGW_VTL_V_INT))
        {
            break;
        }

        off = apigw_vtl_char_offset(s, len, args[0].u.i);
        end = (acc->nargs == 2) ? apigw_vtl_char_offset(s, len, args[1].u.i)
                                : len;

        if (off == (size_t) -1 || end == (size_t) -1 || end < off) {
            break;
        }

        rc = apigw_vtl_val_string(ctx, out, s + off, end - off);
        break;

    case APIGW_VTL_M_CHAR_AT:
        if (args[0].type != APIGW_VTL_V_INT) {
            break;
        }

        off = apigw_vtl_char_offset(s, len, args[0].u.i);

        if (off == (size_t) -1 || off == len) {
            break;
        }

        rc = apigw_vtl_val_string(ctx, out, s + off,
                                  apigw_vtl_char_len(s + off, s + len));
        break;

    case APIGW_VTL_M_TO_LOWER:
    case APIGW_VTL_M_TO_UPPER:
        rc = apigw_vtl_val_string(ctx, out, s, len);

        if (rc == 0) {
            /* ASCII letters only */
            p = (char *) out->u.s.data;

            for (n = 0; n < len; n++) {
                if (acc->method == APIGW_VTL_M_TO_LOWER) {
                    if (p[n] >= 'A' && p[n] <= 'Z') {
                        p[n] |= 0x20;
                    }

                } else if (p[n] >= 'a' && p[n] <= 'z') {
                    p[n] &= ~0x20;
                }
            }
        }

        break;

    case APIGW_VTL_M_TRIM:
        /* Java's trim(): every byte up to the space */
        for (off = 0; off < len && (unsigned char) s[off] <= ' '; off++) {
            /* void */
        }

        for (end = len; end > off && (unsigned char) s[end - 1] <= ' ';
             end--)
        {
            /* void */
        }

        rc = apigw_vtl_val_string(ctx, out, s + off, end - off);
        break;

    case APIGW_VTL_M_CONCAT:
        memset(&buf, 0, sizeof(apigw_vtl_buf_t));

        rc = apigw_vtl_buf_add(ctx, &buf, s, len);

        if (rc == 0) {
            rc = apigw_vtl_buf_add(ctx, &buf, a.data, a.len);
        }

        if (rc == 0) {
            rc = apigw_vtl_buf_reserve(ctx, &buf, 1);
        }

        if (rc == 0) {
            rc = apigw_vtl_val_take_buf(ctx, out, &buf);
        }

        free(buf.data);
        break;

    case APIGW_VTL_M_REPLACE:
        if (args[1].type == APIGW_VTL_V_NULL) {
            break;
        }

        if (apigw_vtl_arg(ctx, &args[1], &b) != 0) {
            rc = -1;
            break;
        }

        rc = apigw_vtl_replace(ctx, s, len, a.data, a.len, b.data, b.len,
                               out);
        break;

    case APIGW_VTL_M_REPLACE_ALL:
    case APIGW_VTL_M_REPLACE_FIRST:
    case APIGW_VTL_M_MATCHES:
    case APIGW_VTL_M_SPLIT:
        rc = apigw_vtl_regex_method(ctx, acc, s, len, args, out);
        break;

    default:
        /* get(), keySet()... on a string: null */
        break;
    }

done:

    free(a.tmp.data);
    free(b.tmp.data);

    return rc;
}


static int
apigw_vtl_method_seq(apigw_vtl_ctx_t *ctx, const apigw_vtl_acc_t *acc,
    apigw_vtl_val_t *self, apigw_vtl_val_t *args, apigw_vtl_val_t *out)
{
    int              eq;
    size_t           i, n;
    int64_t          k;
    apigw_vtl_val_t  item;

    n = apigw_vtl_seq_len(self);

    switch (acc->method) {

    case APIGW_VTL_M_SIZE:
        apigw_vtl_set_int(out, n);
        return 0;

    case APIGW_VTL_M_IS_EMPTY:
        apigw_vtl_set_bool(out, n == 0);
        return 0;

    case APIGW_VTL_M_GET:
        if (args[0].type != APIGW_VTL_V_INT) {
            return 0;
        }

        k = args[0].u.i;

        if (k >= 0 && (uint64_t) k < n) {
            apigw_vtl_seq_get(self, k, out);
        }

        return 0;

    case APIGW_VTL_M_CONTAINS:
    case APIGW_VTL_M_INDEX_OF:
        for (i = 0; i < n; i++) {
            if (++ctx->steps > APIGW_VTL_MAX_STEPS) {
                return apigw_vtl_error(ctx, "more than %d steps",
                                       APIGW_VTL_MAX_STEPS);
            }

            apigw_vtl_seq_get(self, i, &item);
            eq = apigw_vtl_equal(ctx, &item, &args[0]);
            apigw_vtl_val_release(&item);

            if (eq < 0) {
                return -1;
            }

            if (eq) {
                break;
            }
        }

        if (acc->method == APIGW_VTL_M_CONTAINS) {
            apigw_vtl_set_bool(out, i < n);

        } else {
            apigw_vtl_set_int(out, i < n ? (int64_t) i : -1);
        }

        return 0;

    default:
        return 0;
    }
}


static int
apigw_vtl_method_map(apigw_vtl_ctx_t *ctx, const apigw_vtl_acc_t *acc,
    apigw_vtl_val_t *self, apigw_vtl_val_t *args, apigw_vtl_val_t *out)
{
    int              rc;
    size_t           n;
    apigw_vtl_arg_t  a;

    n = (self->type == APIGW_VTL_V_MAP) ? self->u.map->n
                                        : json_object_size(self->u.json);

    switch (acc->method) {

    case APIGW_VTL_M_SIZE:
        apigw_vtl_set_int(out, n);
        return 0;

    case APIGW_VTL_M_IS_EMPTY:
        apigw_vtl_set_bool(out, n == 0);
        return 0;

    case APIGW_VTL_M_GET:
    case APIGW_VTL_M_CONTAINS_KEY:
        if (args[0].type == APIGW_VTL_V_NULL) {
            return 0;
        }

        if (apigw_vtl_arg(ctx, &args[0], &a) != 0) {
            return -1;
        }

        if (acc->method == APIGW_VTL_M_GET) {
            rc = apigw_vtl_map_get(ctx, self, a.data, a.len, out);

        } else {
            /* a key that holds null is there */
            apigw_vtl_set_bool(out, self->type == APIGW_VTL_V_JSON
                     ? json_object_getn(self->u.json, a.data, a.len) != NULL
                     : apigw_vtl_map_find(self->u.map, a.data, a.len) >= 0);
            rc = 0;
        }

        free(a.tmp.data);
        return rc;

    case APIGW_VTL_M_KEY_SET:
    case APIGW_VTL_M_VALUES:
    case APIGW_VTL_M_ENTRY_SET:
    case APIGW_VTL_M_CONTAINS_VALUE:
        return apigw_vtl_map_entries(ctx, acc->method, self, args, out);

    default:
        return 0;
    }
}


/* keySet(), values(), entrySet() as lists; containsValue() */
static int
apigw_vtl_map_entries(apigw_vtl_ctx_t *ctx, apigw_vtl_method_e method,
    apigw_vtl_val_t *self, apigw_vtl_val_t *args, apigw_vtl_val_t *out)
{
    int                eq;
    size_t             i, n, klen;
    json_t            *item;
    const char        *key;
    apigw_vtl_map_t   *map;
    apigw_vtl_val_t    k, v;
    apigw_vtl_list_t  *list;

    n = (self->type == APIGW_VTL_V_MAP) ? self->u.map->n
                                        : json_object_size(self->u.json);

    if (method == APIGW_VTL_M_CONTAINS_VALUE) {
        if (apigw_vtl_map_values(ctx, self, &v) != 0) {
            return -1;
        }

        for (i = 0, eq = 0; i < n && eq == 0; i++) {
            eq = apigw_vtl_equal(ctx, &v.u.list->items[i], &args[0]);
        }

        apigw_vtl_val_release(&v);

        if (eq < 0) {
            return -1;
        }

        apigw_vtl_set_bool(out, eq);
        return 0;
    }

    if (method == APIGW_VTL_M_VALUES) {
        return apigw_vtl_map_values(ctx, self, out);
    }

    list = apigw_vtl_list_new(ctx, n, out);
    if (list == NULL) {
        return -1;
    }

    map = (self->type == APIGW_VTL_V_MAP) ? self->u.map : NULL;
    list->rc.depth = (map != NULL) ? map->rc.depth + 1 : 2;

    if (list->rc.depth > APIGW_VTL_MAX_NEST) {
        return apigw_vtl_error(ctx, "lists and maps nest deeper than %d "
                               "levels", APIGW_VTL_MAX_NEST);
    }

    if (map != NULL) {
        for (i = 0; i < n; i++) {
            apigw_vtl_val_copy(&k, &map->keys[i]);
            apigw_vtl_val_copy(&v, &map->vals[i]);

            if (apigw_vtl_entry(ctx, method, &list->items[i], &k, &v,
                                list->rc.depth - 1)
                != 0)
            {
                return -1;
            }
        }

        return 0;
    }

    i = 0;

    json_object_keylen_foreach(self->u.json, key, klen, item) {
        /* the key borrowed from the object, which the string keeps */
        memset(&k, 0, sizeof(apigw_vtl_val_t));
        k.type = APIGW_VTL_V_STR;
        k.u.s.data = key;
        k.u.s.len = klen;
        k.jref = json_incref(self->u.json);

        apigw_vtl_val_from_json(&v, item);

        if (apigw_vtl_entry(ctx, method, &list->items[i++], &k, &v, 1) != 0)
        {
            return -1;
        }
    }

    return 0;
}


/* a keySet() or entrySet() item made of k and v, which it takes */
static int
apigw_vtl_entry(apigw_vtl_ctx_t *ctx, apigw_vtl_method_e method,
    apigw_vtl_val_t *slot, apigw_vtl_val_t *k, apigw_vtl_val_t *v,
    unsigned depth)
{
    apigw_vtl_map_t  *entry;

    if (method == APIGW_VTL_M_KEY_SET) {
        *slot = *k;
        apigw_vtl_val_release(v);
        return 0;
    }

    /* entrySet(): maps {key, value}, as $e.key and $e.value read */
    entry = apigw_vtl_map_new(ctx, 2, slot);
    if (entry == NULL) {
        apigw_vtl_val_release(k);
        apigw_vtl_val_release(v);
        return -1;
    }

    entry->keys[0].type = APIGW_VTL_V_STR;
    entry->keys[0].u.s.data = "key";
    entry->keys[0].u.s.len = 3;
    entry->keys[1].type = APIGW_VTL_V_STR;
    entry->keys[1].u.s.data = "value";
    entry->keys[1].u.s.len = 5;
    entry->vals[0] = *k;
    entry->vals[1] = *v;
    entry->n = 2;
    entry->rc.depth = depth;

    return 0;
}


/* an argument as a string */
static int
apigw_vtl_arg(apigw_vtl_ctx_t *ctx, const apigw_vtl_val_t *v,
    apigw_vtl_arg_t *arg)
{
    memset(&arg->tmp, 0, sizeof(apigw_vtl_buf_t));

    return apigw_vtl_text(ctx, v, &arg->data, &arg->len, &arg->tmp,
                          arg->small);
}


/* the bytes of one character; a byte that is not UTF-8 counts as one */
static size_t
apigw_vtl_char_len(const char *p, const char *end)
{
    size_t    n;
    uint32_t  cp;

    n = apigw_utf8_char(p, end, &cp);

    return n ? n : 1;
}


static size_t
apigw_vtl_chars(const char *s, size_t len)
{
    size_t       n;
    const char  *p, *end;

    end = s + len;

    for (p = s, n = 0; p < end; n++) {
        if ((unsigned char) *p < 0x80) {
            p++;
            continue;
        }

        p += apigw_vtl_char_len(p, end);
    }

    return n;
}


/* where character index starts (len for the end), -1 out of range */
static size_t
apigw_vtl_char_offset(const char *s, size_t len, int64_t index)
{
    const char  *p, *end;

    if (index < 0) {
        return (size_t) -1;
    }

    end = s + len;

    for (p = s; index > 0 && p < end; index--) {
        p += apigw_vtl_char_len(p, end);
    }

    return index ? (size_t) -1 : (size_t) (p - s);
}


static const char *
apigw_vtl_find(apigw_vtl_ctx_t *ctx, const char *s, size_t len,
    const char *n, size_t nlen, int last)
{
    size_t       i;
    char        *rs, *rn;
    const char  *hit;

    if (nlen > len) {
        return NULL;
    }

    if (nlen == 0) {
        return last ? s + len : s;
    }

    if (!last) {
        return memmem(s, len, n, nlen);
    }

    /* the last one: the first one in both reversed, in linear time */
    rs = malloc(len + nlen);
    if (rs == NULL) {
        apigw_vtl_error(ctx, "out of memory");
        return (const char *) -1;
    }

    rn = rs + len;

    for (i = 0; i < len; i++) {
        rs[i] = s[len - 1 - i];
    }

    for (i = 0; i < nlen; i++) {
        rn[i] = n[nlen - 1 - i];
    }

    hit = memmem(rs, len, rn, nlen);
    hit = hit ? s + len - (hit - rs) - nlen : NULL;

    free(rs);

    return hit;
}


/* Java's String.replace(): every occurrence, literally */
static int
apigw_vtl_replace(apigw_vtl_ctx_t *ctx, const char *s, size_t len,
    const char *from, size_t flen, const char *to, size_t tlen,
    apigw_vtl_val_t *out)
{
    int               rc;
    size_t            n;
    const char       *p, *end, *hit;
    apigw_vtl_buf_t   buf;

    memset(&buf, 0, sizeof(apigw_vtl_buf_t));
    end = s + len;
    rc = -1;

    if (flen == 0) {
        /* "abc".replace("", "-") is "-a-b-c-" */
        for (p = s; p < end; p += n) {
            n = apigw_vtl_char_len(p, end);

            if (apigw_vtl_buf_add(ctx, &buf, to, tlen) != 0
                || apigw_vtl_buf_add(ctx, &buf, p, n) != 0)
            {
                goto done;
            }
        }

        if (apigw_vtl_buf_add(ctx, &buf, to, tlen) != 0) {
            goto done;
        }

    } else {
        for (p = s; p < end; p = hit + flen) {
            hit = memmem(p, end - p, from, flen);

            if (hit == NULL) {
                break;
            }

            if (apigw_vtl_buf_add(ctx, &buf, p, hit - p) != 0
                || apigw_vtl_buf_add(ctx, &buf, to, tlen) != 0)
            {
                goto done;
            }
        }

        if (apigw_vtl_buf_add(ctx, &buf, p, end - p) != 0) {
            goto done;
        }
    }

    if (apigw_vtl_buf_reserve(ctx, &buf, 1) != 0) {
        goto done;
    }

    rc = apigw_vtl_val_take_buf(ctx, out, &buf);

done:

    free(buf.data);

    return rc;
}


void *
apigw_vtl_regex_compile(const char *src, size_t len, char *errbuf,
    size_t errlen)
{
    int          rc;
    PCRE2_SIZE   off;
    pcre2_code  *re;
    PCRE2_UCHAR  msg[128];

    re = pcre2_compile((PCRE2_SPTR) src, len,
                       PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &rc, &off, NULL);

    if (re == NULL) {
        pcre2_get_error_message(rc, msg, sizeof(msg));
        snprintf(errbuf, errlen, "%s at offset %d", (char *) msg, (int) off);
    }

    return re;
}


void
apigw_vtl_regex_free(void *re)
{
    if (re != NULL) {
        pcre2_code_free(re);
    }
}


void
apigw_vtl_match_ctx_free(void *mctx)
{
    if (mctx != NULL) {
        pcre2_match_context_free(mctx);
    }
}


/* replaceAll(), replaceFirst(), matches(), split() */
static int
apigw_vtl_regex_method(apigw_vtl_ctx_t *ctx, const apigw_vtl_acc_t *acc,
    const char *s, size_t len, apigw_vtl_val_t *args, apigw_vtl_val_t *out)
{
    int                 rc, m;
    char                err[APIGW_ERR_LEN];
    size_t              offset, last;
    pcre2_code         *re;
    PCRE2_SIZE         *ov;
    apigw_vtl_arg_t     a, b;
    apigw_vtl_buf_t     buf;
    pcre2_match_data   *md;

    memset(&a, 0, sizeof(apigw_vtl_arg_t));
    memset(&b, 0, sizeof(apigw_vtl_arg_t));
    memset(&buf, 0, sizeof(apigw_vtl_buf_t));
    md = NULL;
    rc = -1;

    re = acc->regex;

    if (re == NULL) {
        /* a pattern made at render time: compiled each time */
        if (apigw_vtl_arg(ctx, &args[0], &a) != 0
            || apigw_vtl_charge(ctx, 64 * a.len) != 0)
        {
            goto done;
        }

        re = apigw_vtl_regex_compile(a.data, a.len, err, sizeof(err));
        if (re == NULL) {
            rc = 0;             /* a bad pattern: null */
            goto done;
        }
    }

    if (ctx->match_ctx == NULL) {
        ctx->match_ctx = pcre2_match_context_create(NULL);
        if (ctx->match_ctx == NULL) {
            apigw_vtl_error(ctx, "out of memory");
            goto done;
        }

        pcre2_set_match_limit(ctx->match_ctx, APIGW_VTL_MATCH_LIMIT);
        pcre2_set_depth_limit(ctx->match_ctx, APIGW_VTL_MATCH_LIMIT / 100);
        pcre2_set_heap_limit(ctx->match_ctx, 16 * 1024);
    }

    md = pcre2_match_data_create_from_pattern(re, NULL);
    if (md == NULL) {
        apigw_vtl_error(ctx, "out of memory");
        goto done;
    }

    ov = pcre2_get_ovector_pointer(md);

    if (acc->method == APIGW_VTL_M_MATCHES) {
        m = apigw_vtl_regex_match(ctx, re, md, s, len, 0,
                                  PCRE2_ANCHORED | PCRE2_ENDANCHORED);
        if (m >= 0) {
            apigw_vtl_set_bool(out, m);
            rc = 0;
        }

        goto done;
    }

    if (acc->method == APIGW_VTL_M_SPLIT) {
        rc = apigw_vtl_regex_split(ctx, re, md, s, len, out);
        goto done;
    }

    if (args[1].type == APIGW_VTL_V_NULL) {
        rc = 0;
        goto done;
    }

    if (apigw_vtl_arg(ctx, &args[1], &b) != 0) {
        goto done;
    }

    offset = 0;
    last = 0;

    while (offset <= len) {
        m = apigw_vtl_regex_match(ctx, re, md, s, len, offset, 0);

        if (m < 0) {
            goto done;
        }

        if (m == 0) {
            break;
        }

        if (apigw_vtl_buf_add(ctx, &buf, s + last, ov[0] - last) != 0) {
            goto done;
        }

        m = apigw_vtl_regex_expand(ctx, re, ov, s, b.data, b.len, &buf);

        if (m != 0) {
            rc = (m > 0) ? 0 : -1;      /* a bad replacement: null */
            goto done;
        }

        last = ov[1];

        if (acc->method == APIGW_VTL_M_REPLACE_FIRST) {
            break;
        }

        if (ov[1] > ov[0]) {
            offset = ov[1];

        } else if (ov[1] < len) {
            /* an empty match: the next try starts a character later */
            offset = ov[1] + apigw_vtl_char_len(s + ov[1], s + len);

        } else {
            break;
        }
    }

    if (apigw_vtl_buf_add(ctx, &buf, s + last, len - last) != 0
        || apigw_vtl_buf_reserve(ctx, &buf, 1) != 0)
    {
        goto done;
    }

    rc = apigw_vtl_val_take_buf(ctx, out, &buf);

done:

    if (re != acc->regex) {
        apigw_vtl_regex_free(re);
    }

    if (md != NULL) {
        pcre2_match_data_free(md);
    }

    free(a.tmp.data);
    free(b.tmp.data);
    free(buf.data);

    return rc;
}


/* 1 matched (ovector set), 0 not, -1 error (limits) */
static int
apigw_vtl_regex_match(apigw_vtl_ctx_t *ctx, pcre2_code *re,
    pcre2_match_data *md, const char *s, size_t len, size_t offset,
    uint32_t options)
{
    int          rc;
    PCRE2_UCHAR  msg[128];

    if (++ctx->steps > APIGW_VTL_MAX_STEPS) {
        return apigw_vtl_error(ctx, "more than %d steps",
                               APIGW_VTL_MAX_STEPS);
    }

    rc = pcre2_match(re, (PCRE2_SPTR) s, len, offset, options, md,
                     ctx->match_ctx);

    if (rc >= 0) {
        return 1;
    }

    if (rc == PCRE2_ERROR_NOMATCH) {
        return 0;
    }

    pcre2_get_error_message(rc, msg, sizeof(msg));

    return apigw_vtl_error(ctx, "regular expression: %s", (char *) msg);
}


/*
 * Java's replacement syntax: $1, ${name}, \x for x; 1: a bad reference
 * (the result is null), -1: error
 */
static int
apigw_vtl_regex_expand(apigw_vtl_ctx_t *ctx, pcre2_code *re,
    PCRE2_SIZE *ov, const char *s, const char *repl, size_t rlen,
    apigw_vtl_buf_t *buf)
{
    int          num, d;
    char         name[64];
    size_t       i, n;
    uint32_t     groups;
    const char  *close;

    pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &groups);

    for (i = 0; i < rlen; i++) {
        if (repl[i] == '\\') {
            if (++i == rlen) {
                return 1;
            }

            if (apigw_vtl_buf_add(ctx, buf, &repl[i], 1) != 0) {
                return -1;
            }

            continue;
        }

        if (repl[i] != '$') {
            n = 1;

            while (i + n < rlen && repl[i + n] != '$' && repl[i + n] != '\\')
            {
                n++;
            }

            if (apigw_vtl_buf_add(ctx, buf, &repl[i], n) != 0) {
                return -1;
            }

            i += n - 1;
            continue;
        }

        if (++i == rlen) {
            return 1;
        }

        if (repl[i] == '{') {
            close = memchr(&repl[i], '}', rlen - i);

            if (close == NULL || close - &repl[i] - 1 <= 0
                || (size_t) (close - &repl[i]) > sizeof(name))
            {
                return 1;
            }

            n = close - &repl[i] - 1;
            memcpy(name, &repl[i + 1], n);
            name[n] = '\0';

            num = pcre2_substring_number_from_name(re, (PCRE2_SPTR) name);
            if (num < 0) {
                return 1;
            }

            i += n + 1;

        } else if (repl[i] >= '0' && repl[i] <= '9') {
            num = repl[i] - '0';

            /* more digits while they still name a group, as Java does */
            while (i + 1 < rlen && repl[i + 1] >= '0' && repl[i + 1] <= '9')
            {
                d = num * 10 + (repl[i + 1] - '0');

                if ((uint32_t) d > groups) {
                    break;
                }

                num = d;
                i++;
            }

        } else {
            return 1;
        }

        if ((uint32_t) num > groups) {
            return 1;
        }

        if (ov[2 * num] != PCRE2_UNSET
            && apigw_vtl_buf_add(ctx, buf, s + ov[2 * num],
                                 ov[2 * num + 1] - ov[2 * num])
               != 0)
        {
            return -1;
        }
    }

    return 0;
}


/*
 * Java's split(regex): no empty string from a zero-width match at the
 * start, trailing empty strings dropped
 */
static int
apigw_vtl_regex_split(apigw_vtl_ctx_t *ctx, pcre2_code *re,
    pcre2_match_data *md, const char *s, size_t len, apigw_vtl_val_t *out)
{
    int                m;
    size_t             offset, last, n, cap, i;
    PCRE2_SIZE        *ov;
    apigw_vtl_list_t  *list;
    struct {
        size_t         start;
        size_t         end;
    }                 *parts, *tmp;

    ov = pcre2_get_ovector_pointer(md);
    parts = NULL;
    n = 0;
    cap = 0;
    offset = 0;
    last = 0;

    for ( ;; ) {
        m = 0;

        if (offset <= len) {
            m = apigw_vtl_regex_match(ctx, re, md, s, len, offset, 0);

            if (m < 0) {
                free(parts);
                return -1;
            }
        }

        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            tmp = realloc(parts, cap * sizeof(*parts));
            if (tmp == NULL) {
                free(parts);
                return apigw_vtl_error(ctx, "out of memory");
            }

            parts = tmp;
        }

        if (m == 0) {
            parts[n].start = last;
            parts[n].end = len;
            n++;
            break;
        }

        if (!(ov[0] == 0 && ov[1] == 0)) {
            parts[n].start = last;
            parts[n].end = ov[0];
            n++;
            last = ov[1];
        }

        if (ov[1] > ov[0]) {
            offset = ov[1];

        } else {
            offset = ov[1] + (ov[1] < len
                              ? apigw_vtl_char_len(s + ov[1], s + len) : 1);
        }
    }

    /* "".split(",") is [""]; otherwise trailing empty strings go */
    if (!(n == 1 && len == 0)) {
        while (n > 0 && parts[n - 1].start == parts[n - 1].end) {
            n--;
        }
    }

    list = apigw_vtl_list_new(ctx, n, out);
    if (list == NULL) {
        free(parts);
        return -1;
    }

    for (i = 0; i < n; i++) {
        if (apigw_vtl_val_string(ctx, &list->items[i], s + parts[i].start,
                                 parts[i].end - parts[i].start)
            != 0)
        {
            free(parts);
            return -1;
        }
    }

    free(parts);

    return 0;
}
