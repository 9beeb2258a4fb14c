
/*
 * Copyright (C) apigw contributors
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_schema_int.h"


/*
 * The keywords of arrays and objects (items, contains, uniqueItems,
 * properties, dependencies, propertyNames, unevaluated*) and JSON
 * equality, for the validator.  Objects are walked once per keyword in
 * jansson's (insertion) order, so a key's index is the same for every
 * keyword: the bitmaps of evaluated keys rely on it.
 */


#define APIGW_SCH_UNIQUE_SMALL  16

#define apigw_sch_mix(h)                                                      \
    (((h) ^ ((h) >> 31)) * 0x9e3779b97f4a7c15ULL)


typedef struct {
    uint64_t                hash;
    size_t                  index;
} apigw_sch_hashed_t;


static int apigw_sch_hashed_cmp(const void *a, const void *b);
static uint64_t apigw_sch_hash(const json_t *v, unsigned depth);
static int apigw_sch_equal(const json_t *a, const json_t *b, unsigned depth);
static int apigw_sch_required_slots(apigw_sch_vctx_t *vc,
    const apigw_sch_props_t *props, const json_t *inst, void **its,
    uint8_t *slots);
static int apigw_sch_required_names(apigw_sch_vctx_t *vc,
    const apigw_sch_props_t *props, const json_t *inst);


/* prefixItems / items (array) then items / additionalItems */
int
apigw_sch_items(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const json_t *inst, apigw_sch_ev_t *ev)
{
    int                      valid;
    size_t                   i, n;
    const apigw_sch_node_t  *node;

    n = json_array_size(inst);
    vc->steps += n;
    valid = 1;

    for (i = 0; i < n; i++) {
        if (i < c->u.list.n) {
            node = c->u.list.nodes[i];

        } else if (c->u.list.rest != NULL) {
            node = c->u.list.rest;

            if (node->is_false) {
                apigw_sch_error(vc, c->u.list.rest_keyword,
                                "must NOT have more than %zu items",
                                c->u.list.n);
                return 0;
            }

        } else {
            break;
        }

        if (!apigw_sch_child(vc, node, json_array_get(inst, i), NULL, i)) {
            valid = 0;

            if (vc->aborted || apigw_sch_stop(vc)) {
                return 0;
            }
        }

        if (ev != NULL) {
            apigw_sch_ev_set(ev, i);
        }
    }

    return valid;
}


int
apigw_sch_contains(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const json_t *inst, apigw_sch_ev_t *ev)
{
    size_t  i, n, count;

    n = json_array_size(inst);
    vc->steps += n;
    count = 0;
    vc->quiet++;

    for (i = 0; i < n; i++) {
        if (apigw_sch_eval(vc, c->u.contains.node, json_array_get(inst, i),
                           NULL))
        {
            count++;

            if (ev != NULL) {
                apigw_sch_ev_set(ev, i);

            } else if (count >= c->u.contains.min
                       && c->u.contains.max == (size_t) -1)
            {
                break;
            }
        }

        if (vc->aborted) {
            break;
        }
    }

    vc->quiet--;

    if (vc->aborted) {
        return 0;
    }

    if (count < c->u.contains.min) {
        apigw_sch_error(vc, c->explicit_min ? "minContains" : "contains",
                        "must contain at least %zu valid item%s",
                        c->u.contains.min,
                        c->u.contains.min == 1 ? "" : "s");
        return 0;
    }

    if (count > c->u.contains.max) {
        apigw_sch_error(vc, "maxContains",
                        "must contain at most %zu valid item%s",
                        c->u.contains.max,
                        c->u.contains.max == 1 ? "" : "s");
        return 0;
    }

    return 1;
}


/* pairs for a few items, sorted hashes for more: never n^2 on a body */
int
apigw_sch_unique(apigw_sch_vctx_t *vc, const json_t *inst)
{
    size_t               i, j, n, a, b;
    apigw_sch_hashed_t  *h;

    n = json_array_size(inst);
    vc->steps += n;
    a = 0;
    b = 0;

    if (n <= APIGW_SCH_UNIQUE_SMALL) {
        for (i = 1; i < n; i++) {
            for (j = 0; j < i; j++) {
                if (apigw_sch_equal(json_array_get(inst, j),
                                    json_array_get(inst, i), 0))
                {
                    a = j;
                    b = i;
                    goto duplicate;
                }
            }
        }

        return 1;
    }

    h = malloc(n * sizeof(apigw_sch_hashed_t));
    if (h == NULL) {
        return apigw_sch_abort(vc, "out of memory");
    }

    for (i = 0; i < n; i++) {
        h[i].hash = apigw_sch_hash(json_array_get(inst, i), 0);
        h[i].index = i;
    }

    qsort(h, n, sizeof(apigw_sch_hashed_t), apigw_sch_hashed_cmp);

    for (i = 1; i < n && b == 0; i++) {
        for (j = i; j > 0 && h[j - 1].hash == h[i].hash; j--) {
            if (apigw_sch_equal(json_array_get(inst, h[j - 1].index),
                                json_array_get(inst, h[i].index), 0))
            {
                a = h[j - 1].index;
                b = h[i].index;
                break;
            }
        }
    }

    free(h);

    if (b == 0) {
        return 1;
    }

duplicate:

    apigw_sch_error(vc, "uniqueItems", "must NOT have duplicate items "
                    "(items %zu and %zu are identical)", a, b);
    return 0;
}


static int
apigw_sch_hashed_cmp(const void *a, const void *b)
{
    const apigw_sch_hashed_t  *x, *y;

    x = a;
    y = b;

    if (x->hash != y->hash) {
        return x->hash < y->hash ? -1 : 1;
    }

    return (x->index > y->index) - (x->index < y->index);
}


/*
 * properties, patternProperties and additionalProperties in one pass;
 * before it the node's required, when it was merged here, from the same
 * lookups of the keys for a small object
 */
int
apigw_sch_properties(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const json_t *inst, apigw_sch_ev_t *ev)
{
    int                       valid, ok, matched, known;
    void                     *it;
    size_t                    i, j, p, n, klen;
    json_t                   *value;
    void                     *its[APIGW_SCH_PROPS_KEYS];
    uint8_t                   slots[APIGW_SCH_PROPS_KEYS];
    const char               *key;
    const apigw_sch_prop_t   *e;
    const apigw_sch_props_t  *props;

    props = c->u.props;
    valid = 1;
    known = 0;
    n = json_object_size(inst);

    if (props->required.n) {
        if (n <= APIGW_SCH_PROPS_KEYS) {
            valid = apigw_sch_required_slots(vc, props, inst, its, slots);
            known = 1;

        } else {
            valid = apigw_sch_required_names(vc, props, inst);
        }

        if (!valid && apigw_sch_stop(vc)) {
            return 0;
        }
    }

    vc->steps += n;
    it = known ? (n ? its[0] : NULL) : json_object_iter((json_t *) inst);

    for (i = 0; it; i++) {
        key = json_object_iter_key(it);
        klen = json_object_iter_key_len(it);
        value = json_object_iter_value(it);
        matched = 0;
        ok = 1;

        if (known) {
            it = (i + 1 < n) ? its[i + 1] : NULL;

        } else {
            it = json_object_iter_next((json_t *) inst, it);
        }

        if (known) {
            if (slots[i] != 0xff) {
                matched = 1;
                ok = apigw_sch_child(vc, props->table[slots[i]].node, value,
                                     key, klen);
            }

        } else {
            e = apigw_sch_prop_find(props, key, klen, &j);

            if (e != NULL) {
                matched = 1;
                ok = apigw_sch_child(vc, e->node, value, key, klen);
            }
        }

        for (p = 0; p < props->npatterns && (ok || !apigw_sch_stop(vc));
             p++)
        {
            if (props->pattern_nodes[p] == NULL) {
                /* a pattern that could not be compiled: not checked */
                matched = 1;

            } else if (apigw_sch_match(vc, &props->patterns[p], key, klen)) {
                matched = 1;
                ok &= apigw_sch_child(vc, props->pattern_nodes[p], value,
                                      key, klen);
            }
        }

        if (!matched && props->additional != NULL) {
            matched = 1;

            if (props->additional->is_false) {
                if (vc->npath < APIGW_SCH_MAX_PATH) {
                    vc->path[vc->npath].key = key;
                    vc->path[vc->npath].len = klen;
                }

                vc->npath++;
                apigw_sch_error(vc, "additionalProperties",
                                "must NOT have additional properties");
                vc->npath--;
                ok = 0;

            } else {
                ok = apigw_sch_child(vc, props->additional, value, key, klen);
            }
        }

        if (matched && ev != NULL) {
            apigw_sch_ev_set(ev, i);
        }

        if (!ok) {
            valid = 0;

            if (vc->aborted || apigw_sch_stop(vc)) {
                return 0;
            }
        }
    }

    return valid;
}


/*
 * each key's iterator and its slot in the table, or 0xff; then required
 * from the slots
 */
static int
apigw_sch_required_slots(apigw_sch_vctx_t *vc,
    const apigw_sch_props_t *props, const json_t *inst, void **its,
    uint8_t *slots)
{
    int                      valid;
    void                    *it;
    size_t                   i, j, klen;
    uint64_t                 seen[APIGW_SCH_PROPS_SLOTS / 64];
    const char              *key;

    memset(seen, 0, sizeof(seen));

    for (i = 0, it = json_object_iter((json_t *) inst); it;
         it = json_object_iter_next((json_t *) inst, it), i++)
    {
        key = json_object_iter_key(it);
        klen = json_object_iter_key_len(it);
        its[i] = it;
        slots[i] = 0xff;

        if (apigw_sch_prop_find(props, key, klen, &j) != NULL) {
            slots[i] = (uint8_t) j;
            seen[j >> 6] |= (uint64_t) 1 << (j & 63);
        }
    }

    valid = 1;

    for (i = 0; i < props->required.n; i++) {
        j = props->required_slots[i];

        if (!(seen[j >> 6] & ((uint64_t) 1 << (j & 63)))) {
            apigw_sch_error(vc, props->required_kw,
                            "must have required property '%s'",
                            props->required.names[i]);
            valid = 0;

            if (apigw_sch_stop(vc)) {
                break;
            }
        }
    }

    return valid;
}


static int
apigw_sch_required_names(apigw_sch_vctx_t *vc,
    const apigw_sch_props_t *props, const json_t *inst)
{
    int     valid;
    size_t  i;

    valid = 1;

    for (i = 0; i < props->required.n; i++) {
        if (json_object_getn(inst, props->required.names[i],
                             props->required.lens[i]) == NULL)
        {
            apigw_sch_error(vc, props->required_kw,
                            "must have required property '%s'",
                            props->required.names[i]);
            valid = 0;

            if (apigw_sch_stop(vc)) {
                break;
            }
        }
    }

    return valid;
}


/* dependentRequired, dependentSchemas, draft 4 dependencies */
int
apigw_sch_dependencies(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const json_t *inst, apigw_sch_ev_t *ev)
{
    int                     valid;
    size_t                  i, j;
    const apigw_sch_dep_t  *d;

    valid = 1;

    if (c->kind == APIGW_SCH_DEP_SCHEMAS) {
        for (i = 0; i < c->u.depsch.n; i++) {
            if (json_object_getn(inst, c->u.depsch.deps[i].name,
                                 c->u.depsch.deps[i].len) != NULL
                && !apigw_sch_eval(vc, c->u.depsch.deps[i].node, inst, ev))
            {
                valid = 0;

                if (vc->aborted || apigw_sch_stop(vc)) {
                    return 0;
                }
            }
        }

        return valid;
    }

    for (i = 0; i < c->u.depreq.n; i++) {
        d = &c->u.depreq.deps[i];

        if (json_object_getn(inst, d->name, d->len) == NULL) {
            continue;
        }

        for (j = 0; j < d->required.n; j++) {
            if (json_object_getn(inst, d->required.names[j],
                                 d->required.lens[j]) == NULL)
            {
                apigw_sch_error(vc, c->keyword, "must have property '%s' "
                                "when property '%s' is present",
                                d->required.names[j], d->name);
                valid = 0;

                if (apigw_sch_stop(vc)) {
                    return 0;
                }
            }
        }
    }

    return valid;
}


/* propertyNames: each key as a string instance */
int
apigw_sch_property_names(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const json_t *inst)
{
    int          valid, ok;
    void        *it;
    size_t       klen;
    json_t      *name;
    const char  *key;

    valid = 1;
    vc->steps += json_object_size(inst);

    for (it = json_object_iter((json_t *) inst); it;
         it = json_object_iter_next((json_t *) inst, it))
    {
        key = json_object_iter_key(it);
        klen = json_object_iter_key_len(it);

        name = json_stringn_nocheck(key, klen);
        if (name == NULL) {
            return apigw_sch_abort(vc, "out of memory");
        }

        vc->quiet++;
        ok = apigw_sch_eval(vc, c->u.node, name, NULL);
        vc->quiet--;
        json_decref(name);

        if (vc->aborted) {
            return 0;
        }

        if (!ok) {
            if (vc->npath < APIGW_SCH_MAX_PATH) {
                vc->path[vc->npath].key = key;
                vc->path[vc->npath].len = klen;
            }

            vc->npath++;
            apigw_sch_error(vc, c->keyword, "property name must be valid "
                            "against the propertyNames schema");
            vc->npath--;
            valid = 0;

            if (apigw_sch_stop(vc)) {
                return 0;
            }
        }
    }

    return valid;
}


/* unevaluatedItems and unevaluatedProperties: what no keyword evaluated */
int
apigw_sch_unevaluated(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const json_t *inst, apigw_sch_ev_t *ev)
{
    int          valid, ok, items;
    void        *it;
    size_t       i, n, klen;
    json_t      *value;
    const char  *key;

    items = (c->kind == APIGW_SCH_UNEVALUATED_ITEMS);

    if (items ? !json_is_array(inst) : !json_is_object(inst)) {
        return 1;
    }

    n = items ? json_array_size(inst) : json_object_size(inst);
    vc->steps += n;
    valid = 1;
    it = items ? NULL : json_object_iter((json_t *) inst);

    for (i = 0; i < n; i++) {
        if (items) {
            key = NULL;
            klen = i;
            value = json_array_get(inst, i);

        } else {
            key = json_object_iter_key(it);
            klen = json_object_iter_key_len(it);
            value = json_object_iter_value(it);
            it = json_object_iter_next((json_t *) inst, it);
        }

        if (ev != NULL && apigw_sch_ev_get(ev, i)) {
            continue;
        }

        if (c->u.node->is_false) {
            if (vc->npath < APIGW_SCH_MAX_PATH) {
                vc->path[vc->npath].key = key;
                vc->path[vc->npath].len = klen;
            }

            vc->npath++;
            apigw_sch_error(vc, c->keyword, "must NOT have unevaluated %s",
                            items ? "items" : "properties");
            vc->npath--;
            ok = 0;

        } else {
            ok = apigw_sch_child(vc, c->u.node, value, key, klen);
        }

        if (ev != NULL) {
            apigw_sch_ev_set(ev, i);
        }

        if (!ok) {
            valid = 0;

            if (vc->aborted || apigw_sch_stop(vc)) {
                return 0;
            }
        }
    }

    return valid;
}


/*
 * a property name's hash, a word at a time: 8-byte words and the last 8
 * bytes, both 4-byte ends of 4 to 8 bytes, or the first, middle and last
 * of 1 to 3 bytes cover every byte
 */
uint32_t
apigw_sch_name_hash(const char *p, size_t len)
{
    size_t    i;
    uint32_t  a, b;
    uint64_t  h, w;

    h = len * 0x9e3779b97f4a7c15ULL;

    if (len > 8) {
        for (i = 0; i + 8 < len; i += 8) {
            memcpy(&w, p + i, 8);
            h = apigw_sch_mix(h ^ w);
        }

        memcpy(&w, p + len - 8, 8);

    } else if (len >= 4) {
        memcpy(&a, p, 4);
        memcpy(&b, p + len - 4, 4);
        w = ((uint64_t) a << 32) | b;

    } else if (len > 0) {
        w = ((uint64_t) (unsigned char) p[0] << 16)
            | ((uint64_t) (unsigned char) p[len / 2] << 8)
            | (unsigned char) p[len - 1];

    } else {
        w = 0;
    }

    h = apigw_sch_mix(h ^ w);

    return (uint32_t) (h ^ (h >> 32));
}


uint64_t
apigw_sch_json_hash(const json_t *v)
{
    return apigw_sch_hash(v, 0);
}


int
apigw_sch_json_equal(const json_t *a, const json_t *b)
{
    return apigw_sch_equal(a, b, 0);
}


/* JSON equality's hash: 1 and 1.0 agree, key order does not matter */
static uint64_t
apigw_sch_hash(const json_t *v, unsigned depth)
{
    void                *it;
    size_t               i, n;
    uint64_t             h, k;
    const char          *p;
    apigw_sch_scalar_t   sv;

    switch (json_typeof(v)) {

    case JSON_ARRAY:
        h = 0x11;

        if (depth < APIGW_SCH_EQ_DEPTH) {
            for (i = 0; i < json_array_size(v); i++) {
                h = apigw_sch_mix(h * 31 + apigw_sch_hash(json_array_get(v, i),
                                                          depth + 1));
            }
        }

        return h;

    case JSON_OBJECT:
        h = 0x13;

        if (depth < APIGW_SCH_EQ_DEPTH) {
            for (it = json_object_iter((json_t *) v); it;
                 it = json_object_iter_next((json_t *) v, it))
            {
                p = json_object_iter_key(it);
                n = json_object_iter_key_len(it);

                for (k = 0xcbf29ce484222325ULL, i = 0; i < n; i++) {
                    k = (k ^ (unsigned char) p[i]) * 0x100000001b3ULL;
                }

                /* a sum: the order of the members does not count */
                h += apigw_sch_mix(k ^ apigw_sch_hash(
                                         json_object_iter_value(it),
                                         depth + 1));
            }
        }

        return h;

    default:
        apigw_sch_scalar_of(v, &sv);
        return apigw_sch_scalar_hash(&sv);
    }
}


/* the hash of a scalar: 1 and 1.0 agree */
uint64_t
apigw_sch_scalar_hash(const apigw_sch_scalar_t *sv)
{
    size_t    i;
    uint64_t  h;

    switch (sv->type) {

    case JSON_STRING:
        for (h = 0xcbf29ce484222325ULL, i = 0; i < sv->len; i++) {
            h = (h ^ (unsigned char) sv->s[i]) * 0x100000001b3ULL;
        }

        return apigw_sch_mix(h ^ 0x5);

    case JSON_INTEGER:
        h = (uint64_t) sv->i;
        return apigw_sch_mix(apigw_sch_mix(h));

    case JSON_REAL:
        if (sv->d >= -9223372036854775808.0 && sv->d < 9223372036854775808.0
            && sv->d == (double) (long long) sv->d)
        {
            h = (uint64_t) (long long) sv->d;
            return apigw_sch_mix(apigw_sch_mix(h));
        }

        memcpy(&h, &sv->d, sizeof(double));
        return apigw_sch_mix(apigw_sch_mix(h ^ 0x7));

    case JSON_TRUE:
        return 0x21;

    case JSON_FALSE:
        return 0x23;

    default:
        return 0x25;
    }
}


/* JSON equality; values nested deeper than 1024 levels are not equal */
static int
apigw_sch_equal(const json_t *a, const json_t *b, unsigned depth)
{
    void    *it;
    size_t   i, n;
    json_t  *v;

    apigw_sch_scalar_t  sv;

    if (a == b) {
        return 1;
    }

    if (!json_is_array(b) && !json_is_object(b)) {
        apigw_sch_scalar_of(b, &sv);
        return apigw_sch_scalar_equal(a, &sv);
    }

    if (json_typeof(a) != json_typeof(b) || depth >= APIGW_SCH_EQ_DEPTH) {
        return 0;
    }

    switch (json_typeof(a)) {

    case JSON_ARRAY:
        n = json_array_size(a);

        if (n != json_array_size(b)) {
            return 0;
        }

        for (i = 0; i < n; i++) {
            if (!apigw_sch_equal(json_array_get(a, i), json_array_get(b, i),
                                 depth + 1))
            {
                return 0;
            }
        }

        return 1;

    case JSON_OBJECT:
        if (json_object_size(a) != json_object_size(b)) {
            return 0;
        }

        for (it = json_object_iter((json_t *) a); it;
             it = json_object_iter_next((json_t *) a, it))
        {
            v = json_object_getn(b, json_object_iter_key(it),
                                 json_object_iter_key_len(it));

            if (v == NULL
                || !apigw_sch_equal(json_object_iter_value(it), v, depth + 1))
            {
                return 0;
            }
        }

        return 1;

    default:
        return 1;
    }
}


/* JSON equality of a value and a scalar: 1 == 1.0 */
int
apigw_sch_scalar_equal(const json_t *a, const apigw_sch_scalar_t *sv)
{
    double      d;
    json_int_t  i;

    if (json_is_number(a)
        && (sv->type == JSON_INTEGER || sv->type == JSON_REAL))
    {
        if (json_is_integer(a) && sv->type == JSON_INTEGER) {
            return json_integer_value(a) == sv->i;
        }

        if (json_is_real(a) && sv->type == JSON_REAL) {
            return json_real_value(a) == sv->d;
        }

        i = json_is_integer(a) ? json_integer_value(a) : sv->i;
        d = json_is_real(a) ? json_real_value(a) : sv->d;

        return d >= -9223372036854775808.0 && d < 9223372036854775808.0
               && d == (double) (long long) d && (json_int_t) d == i;
    }

    if (json_typeof(a) != sv->type) {
        return 0;
    }

    if (sv->type == JSON_STRING) {
        return json_string_length(a) == sv->len
               && memcmp(json_string_value(a), sv->s, sv->len) == 0;
    }

    /* true, false, null: the types are equal */
    return 1;
}


/* the property named key, and its slot in the table; NULL: none */
const apigw_sch_prop_t *
apigw_sch_prop_find(const apigw_sch_props_t *props, const char *key,
    size_t klen, size_t *slot)
{
    size_t                   j;
    uint32_t                 h;
    const apigw_sch_prop_t  *e;

    if (props == NULL || props->size == 0) {
        return NULL;
    }

    h = apigw_sch_name_hash(key, klen);

    for (j = h & (props->size - 1), e = &props->table[j];
         e->name != NULL;
         j = (j + 1) & (props->size - 1), e = &props->table[j])
    {
        if (e->hash == h && e->len == klen
            && memcmp(e->name, key, klen) == 0)
        {
            *slot = j;
            return e;
        }
    }

    return NULL;
}
