
/*
 * Copyright (C) apigw contributors
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_schema_int.h"


/*
 * Keywords: each schema object's keywords decoded into its checks, in a
 * fixed order (apigw_sch_kind_e), whatever their order in the document.
 * Unknown keywords are annotations and ignored; a bad value of a known
 * one is a compile error at its JSON pointer.
 */


#define APIGW_SCH_MAX_HOPS      16

#define APIGW_SCH_D4            0x1
#define APIGW_SCH_D2020         0x2
#define APIGW_SCH_ANY           0x3


typedef struct apigw_sch_kw_s  apigw_sch_kw_t;

typedef int (*apigw_sch_kw_pt)(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw);

struct apigw_sch_kw_s {
    const char             *name;
    unsigned                dialects;
    apigw_sch_kw_pt         handler;
    apigw_sch_kind_e        kind;
};


static int apigw_sch_number(json_t *v, apigw_sch_num_t *n);
static int apigw_sch_count(json_t *v, size_t *n);
static int apigw_sch_regex(apigw_sch_cctx_t *cc, const char *src,
    size_t len, apigw_sch_re_t *re, const char *kw, const char *key);
static int apigw_sch_regex_warn(apigw_sch_cctx_t *cc, const char *kw,
    const char *msg);
static int apigw_sch_kw_type(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw);
static int apigw_sch_kw_values(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw);
static int apigw_sch_kw_multiple(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw);
static int apigw_sch_kw_bound(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw);
static int apigw_sch_kw_count(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw);
static int apigw_sch_kw_pattern(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw);
static int apigw_sch_kw_format(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw);
static int apigw_sch_kw_items(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw);
static int apigw_sch_kw_contains(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw);
static int apigw_sch_kw_unique(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw);
static int apigw_sch_names(apigw_sch_cctx_t *cc, json_t *v, const char *kw,
    const char *key, json_t *props, apigw_sch_names_t *names);
static int apigw_sch_prop_flag(apigw_sch_cctx_t *cc, json_t *prop,
    const char *flag);
static int apigw_sch_merge_required(apigw_sch_cctx_t *cc);
static int apigw_sch_kw_required(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw);
static int apigw_sch_kw_properties(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw);
static unsigned apigw_sch_plain_name(const char *name, size_t len);
static int apigw_sch_kw_dependencies(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw);
static int apigw_sch_kw_single(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw);
static int apigw_sch_kw_ref(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw);
static int apigw_sch_kw_list(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw);
static int apigw_sch_kw_if(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw);


static const apigw_sch_kw_t  apigw_sch_keywords[] = {
    { "type", APIGW_SCH_ANY, apigw_sch_kw_type, APIGW_SCH_TYPE },
    { "enum", APIGW_SCH_ANY, apigw_sch_kw_values, APIGW_SCH_ENUM },
    { "const", APIGW_SCH_D2020, apigw_sch_kw_values, APIGW_SCH_CONST },
    { "multipleOf", APIGW_SCH_ANY, apigw_sch_kw_multiple,
      APIGW_SCH_MULTIPLE_OF },
    { "maximum", APIGW_SCH_ANY, apigw_sch_kw_bound, APIGW_SCH_MAXIMUM },
    { "minimum", APIGW_SCH_ANY, apigw_sch_kw_bound, APIGW_SCH_MINIMUM },
    { "maxLength", APIGW_SCH_ANY, apigw_sch_kw_count, APIGW_SCH_MAX_LENGTH },
    { "minLength", APIGW_SCH_ANY, apigw_sch_kw_count, APIGW_SCH_MIN_LENGTH },
    { "pattern", APIGW_SCH_ANY, apigw_sch_kw_pattern, APIGW_SCH_PATTERN },
    { "format", APIGW_SCH_ANY, apigw_sch_kw_format, APIGW_SCH_FORMAT },
    { "items", APIGW_SCH_ANY, apigw_sch_kw_items, APIGW_SCH_ITEMS },
    { "contains", APIGW_SCH_D2020, apigw_sch_kw_contains,
      APIGW_SCH_CONTAINS },
    { "maxItems", APIGW_SCH_ANY, apigw_sch_kw_count, APIGW_SCH_MAX_ITEMS },
    { "minItems", APIGW_SCH_ANY, apigw_sch_kw_count, APIGW_SCH_MIN_ITEMS },
    { "uniqueItems", APIGW_SCH_ANY, apigw_sch_kw_unique,
      APIGW_SCH_UNIQUE_ITEMS },
    { "maxProperties", APIGW_SCH_ANY, apigw_sch_kw_count,
      APIGW_SCH_MAX_PROPERTIES },
    { "minProperties", APIGW_SCH_ANY, apigw_sch_kw_count,
      APIGW_SCH_MIN_PROPERTIES },
    { "required", APIGW_SCH_ANY, apigw_sch_kw_required, APIGW_SCH_REQUIRED },
    { "properties", APIGW_SCH_ANY, apigw_sch_kw_properties,
      APIGW_SCH_PROPERTIES },
    { "dependencies", APIGW_SCH_D4, apigw_sch_kw_dependencies,
      APIGW_SCH_DEP_REQUIRED },
    { "dependentRequired", APIGW_SCH_D2020, apigw_sch_kw_dependencies,
      APIGW_SCH_DEP_REQUIRED },
    { "dependentSchemas", APIGW_SCH_D2020, apigw_sch_kw_dependencies,
      APIGW_SCH_DEP_SCHEMAS },
    { "propertyNames", APIGW_SCH_D2020, apigw_sch_kw_single,
      APIGW_SCH_PROPERTY_NAMES },
    { "$ref", APIGW_SCH_ANY, apigw_sch_kw_ref, APIGW_SCH_REF },
    { "$dynamicRef", APIGW_SCH_D2020, apigw_sch_kw_ref,
      APIGW_SCH_DYNAMIC_REF },
    { "allOf", APIGW_SCH_ANY, apigw_sch_kw_list, APIGW_SCH_ALL_OF },
    { "anyOf", APIGW_SCH_ANY, apigw_sch_kw_list, APIGW_SCH_ANY_OF },
    { "oneOf", APIGW_SCH_ANY, apigw_sch_kw_list, APIGW_SCH_ONE_OF },
    { "not", APIGW_SCH_ANY, apigw_sch_kw_single, APIGW_SCH_NOT },
    { "if", APIGW_SCH_D2020, apigw_sch_kw_if, APIGW_SCH_IF },
    { "unevaluatedItems", APIGW_SCH_D2020, apigw_sch_kw_single,
      APIGW_SCH_UNEVALUATED_ITEMS },
    { "unevaluatedProperties", APIGW_SCH_D2020, apigw_sch_kw_single,
      APIGW_SCH_UNEVALUATED_PROPERTIES }
};


int
apigw_sch_compile_node(apigw_sch_cctx_t *cc)
{
    size_t              i;
    json_t             *json;
    unsigned            dialect;
    apigw_sch_node_t   *node;
    apigw_sch_check_t  *c;

    json = cc->cur.json;
    node = cc->cur.node;
    cc->nchecks = 0;

    if (json_is_true(json)) {
        return 0;
    }

    if (json_is_false(json)) {
        node->is_false = 1;
        (void) apigw_sch_add(cc, APIGW_SCH_FALSE, "false");

    } else if (!json_is_object(json)) {
        return apigw_sch_fail(cc, cc->cur.doc, cc->cur.pointer, NULL,
                              "a schema must be an object or a boolean");

    } else if (cc->d4 && json_object_get(json, "$ref") != NULL) {
        /* draft 4: $ref replaces the whole schema */
        for (i = 0; strcmp(apigw_sch_keywords[i].name, "$ref") != 0; i++) {
            /* void */
        }

        if (apigw_sch_kw_ref(cc, json, &apigw_sch_keywords[i]) != 0) {
            return -1;
        }

    } else {
        dialect = cc->d4 ? APIGW_SCH_D4 : APIGW_SCH_D2020;

        for (i = 0; i < sizeof(apigw_sch_keywords) / sizeof(apigw_sch_kw_t);
             i++)
        {
            if ((apigw_sch_keywords[i].dialects & dialect)
                && apigw_sch_keywords[i].handler(cc, json,
                                                 &apigw_sch_keywords[i])
                   != 0)
            {
                return -1;
            }
        }
    }

    if (cc->nchecks == 0) {
        return 0;
    }

    if (apigw_sch_merge_required(cc) != 0) {
        return -1;
    }

    c = apigw_sch_alloc(cc->set, cc->nchecks * sizeof(apigw_sch_check_t));
    if (c == NULL) {
        return apigw_sch_fail(cc, cc->cur.doc, cc->cur.pointer, NULL,
                              "out of memory");
    }

    memcpy(c, cc->checks, cc->nchecks * sizeof(apigw_sch_check_t));
    node->checks = c;
    node->nchecks = cc->nchecks;

    for (i = 0; i < node->nchecks; i++) {
        switch (c[i].kind) {

        case APIGW_SCH_DYNAMIC_REF:
        case APIGW_SCH_ALL_OF:
        case APIGW_SCH_ANY_OF:
        case APIGW_SCH_ONE_OF:
        case APIGW_SCH_NOT:
        case APIGW_SCH_IF:
        case APIGW_SCH_UNEVALUATED_ITEMS:
        case APIGW_SCH_UNEVALUATED_PROPERTIES:
            node->composite = 1;
            break;

        default:
            break;
        }
    }

    apigw_sch_text_plan(node);

    return 0;
}


static int
apigw_sch_number(json_t *v, apigw_sch_num_t *n)
{
    memset(n, 0, sizeof(apigw_sch_num_t));

    if (json_is_integer(v)) {
        n->i = json_integer_value(v);
        n->d = (double) n->i;
        n->is_int = 1;
        return 0;
    }

    if (json_is_real(v)) {
        n->d = json_real_value(v);
        return 0;
    }

    return -1;
}


/* a non-negative integer; 2.0 too */
static int
apigw_sch_count(json_t *v, size_t *n)
{
    double  d;

    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *n = (size_t) json_integer_value(v);
        return 0;
    }

    if (json_is_real(v)) {
        d = json_real_value(v);

        if (d >= 0 && d < 9007199254740992.0 && d == (double) (size_t) d) {
            *n = (size_t) d;
            return 0;
        }
    }

    return -1;
}


/*
 * an ECMA-262 pattern compiled into re: 0; 1 when it cannot be and that
 * was noted as a warning (re->code NULL); -1 on error
 */
static int
apigw_sch_regex(apigw_sch_cctx_t *cc, const char *src, size_t len,
    apigw_sch_re_t *re, const char *kw, const char *key)
{
    int                  rc;
    char                 msg[APIGW_ERR_LEN];
    size_t               cap, jit, limit;
    pcre2_code          *code, **regexes;
    apigw_schema_set_t  *set;

    set = cc->set;
    memset(re, 0, sizeof(apigw_sch_re_t));

    rc = apigw_ecma_compile(src, len, &code, &limit, msg, sizeof(msg));

    if (rc == -2) {
        return apigw_sch_kw_fail(cc, kw, "out of memory");
    }

    if (rc != 0) {
        apigw_sch_child_ptr(cc, kw, key, key ? strlen(key) : 0, -1);
        return apigw_sch_regex_warn(cc, kw, msg);
    }

    if (set->nregexes == set->regexes_cap) {
        cap = set->regexes_cap ? set->regexes_cap * 2 : 16;

        regexes = realloc(set->regexes, cap * sizeof(pcre2_code *));
        if (regexes == NULL) {
            pcre2_code_free(code);
            return apigw_sch_kw_fail(cc, kw, "out of memory");
        }

        set->regexes = regexes;
        set->regexes_cap = cap;
    }

    set->regexes[set->nregexes++] = code;

    /* no JIT (or no executable memory): the interpreter does it */
    jit = 0;

    if (pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) != 0
        || pcre2_pattern_info(code, PCRE2_INFO_JITSIZE, &jit) != 0)
    {
        jit = 0;
    }

    re->code = code;
    re->jit = (jit != 0);
    re->limit = limit;
    re->simple = apigw_sch_simple_re(set, src, len);
    re->src = apigw_sch_strndup(set, src, len);

    if (re->src == NULL) {
        return apigw_sch_kw_fail(cc, kw, "out of memory");
    }

    return 0;
}


/*
 * a pattern (at cc->ptr) that cannot be compiled: a warning in the set's
 * sink, and 1; without a sink, when strict, or out of memory, an error
 */
static int
apigw_sch_regex_warn(apigw_sch_cctx_t *cc, const char *kw, const char *msg)
{
    apigw_error_t        err;
    apigw_schema_set_t  *set;

    set = cc->set;

    if (set->warnings == NULL || cc->probing || cc->failed) {
        return apigw_sch_fail(cc, cc->cur.doc, cc->ptr, NULL,
                              "%s: cannot compile the regular expression %s",
                              kw, msg);
    }

    snprintf(err.file, sizeof(err.file), "%s",
             cc->cur.doc ? cc->cur.doc->uri : "");
    snprintf(err.pointer, sizeof(err.pointer), "%.*s",
             (int) sizeof(err.pointer) - 1, cc->ptr);
    err.line = 0;
    snprintf(err.message, sizeof(err.message),
             "%s: cannot compile the regular expression %s", kw, msg);

    if (set->locate != NULL) {
        set->locate(set->data, &err);
    }

    if (apigw_warn(set->warnings, &err) == 0) {
        return 1;
    }

    /* strict, or out of memory: the error stands */

    cc->failed = 1;

    if (cc->err != NULL) {
        *cc->err = err;
    }

    return -1;
}


static int
apigw_sch_kw_type(apigw_sch_cctx_t *cc, json_t *s, const apigw_sch_kw_t *kw)
{
    size_t              i, j;
    json_t             *v, *e;
    unsigned            types, bit;
    apigw_sch_check_t  *c;

    v = json_object_get(s, kw->name);
    if (v == NULL) {
        return 0;
    }

    types = 0;

    if (json_is_string(v) || json_is_array(v)) {
        for (i = 0; i < (json_is_array(v) ? json_array_size(v) : 1); i++) {
            e = json_is_array(v) ? json_array_get(v, i) : v;
            bit = 0;

            for (j = 0; j < 7 && json_is_string(e); j++) {
                if (strcmp(json_string_value(e), apigw_sch_types[j]) == 0) {
                    bit = 1u << j;
                }
            }

            if (bit == 0) {
                return apigw_sch_kw_fail(cc, kw->name,
                                         "must name JSON Schema types");
            }

            types |= bit;
        }

    } else {
        return apigw_sch_kw_fail(cc, kw->name,
                                 "must be a string or an array of strings");
    }

    /* OpenAPI 3.0: nullable adds null to an explicit type */
    if (cc->oas && json_is_true(json_object_get(s, "nullable"))) {
        types |= APIGW_SCH_T_NULL;
    }

    c = apigw_sch_add(cc, kw->kind, kw->name);
    c->u.types = types;

    return 0;
}


/* enum and const */
static int
apigw_sch_kw_values(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw)
{
    size_t              i, n;
    json_t             *v, *e;
    apigw_sch_check_t  *c;
    apigw_sch_names_t  *names;

    v = json_object_get(s, kw->name);
    if (v == NULL) {
        return 0;
    }

    n = 1;

    if (kw->kind == APIGW_SCH_ENUM) {
        if (!json_is_array(v)) {
            return apigw_sch_kw_fail(cc, kw->name, "must be an array");
        }

        n = json_array_size(v);
    }

    c = apigw_sch_add(cc, kw->kind, kw->name);
    c->u.values.value = v;
    c->u.values.n = n;
    c->u.values.hashes = apigw_sch_alloc(cc->set, (n + 1) * sizeof(uint64_t));

    if (c->u.values.hashes == NULL) {
        return apigw_sch_kw_fail(cc, kw->name, "out of memory");
    }

    names = &c->u.values.strings;
    names->names = apigw_sch_alloc(cc->set, n * sizeof(char *));
    names->lens = apigw_sch_alloc(cc->set, n * sizeof(size_t));

    if (names->names == NULL || names->lens == NULL) {
        return apigw_sch_kw_fail(cc, kw->name, "out of memory");
    }

    for (i = 0; i < n; i++) {
        e = (kw->kind == APIGW_SCH_ENUM) ? json_array_get(v, i) : v;
        c->u.values.hashes[i] = apigw_sch_json_hash(e);

        if (json_is_string(e)) {
            names->names[names->n] = json_string_value(e);
            names->lens[names->n++] = json_string_length(e);
        }
    }

    return 0;
}


static int
apigw_sch_kw_multiple(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw)
{
    json_t             *v;
    apigw_sch_num_t     num;
    apigw_sch_check_t  *c;

    v = json_object_get(s, kw->name);
    if (v == NULL) {
        return 0;
    }

    if (apigw_sch_number(v, &num) != 0 || !(num.d > 0)) {
        return apigw_sch_kw_fail(cc, kw->name,
                                 "must be a number greater than 0");
    }

    c = apigw_sch_add(cc, kw->kind, kw->name);
    c->u.num = num;

    return 0;
}


/*
 * maximum and minimum: draft 4's boolean exclusiveMaximum modifies
 * maximum; 2020-12's exclusiveMaximum is a bound of its own
 */
static int
apigw_sch_kw_bound(apigw_sch_cctx_t *cc, json_t *s, const apigw_sch_kw_t *kw)
{
    json_t             *v, *x;
    const char         *ex;
    apigw_sch_num_t     num;
    apigw_sch_check_t  *c;

    ex = (kw->kind == APIGW_SCH_MAXIMUM) ? "exclusiveMaximum"
                                         : "exclusiveMinimum";

    v = json_object_get(s, kw->name);
    x = json_object_get(s, ex);

    if (v != NULL) {
        if (apigw_sch_number(v, &num) != 0) {
            return apigw_sch_kw_fail(cc, kw->name, "must be a number");
        }

        c = apigw_sch_add(cc, kw->kind, kw->name);
        c->u.num = num;

        if (cc->d4 && x != NULL) {
            if (!json_is_boolean(x)) {
                return apigw_sch_kw_fail(cc, ex, "must be a boolean");
            }

            if (json_is_true(x)) {
                c->exclusive = 1;
                c->keyword = ex;
            }
        }
    }

    if (!cc->d4 && x != NULL) {
        if (apigw_sch_number(x, &num) != 0) {
            return apigw_sch_kw_fail(cc, ex, "must be a number");
        }

        c = apigw_sch_add(cc, kw->kind, ex);
        c->u.num = num;
        c->exclusive = 1;
    }

    return 0;
}


static int
apigw_sch_kw_count(apigw_sch_cctx_t *cc, json_t *s, const apigw_sch_kw_t *kw)
{
    size_t   n;
    json_t  *v;

    v = json_object_get(s, kw->name);
    if (v == NULL) {
        return 0;
    }

    if (apigw_sch_count(v, &n) != 0) {
        return apigw_sch_kw_fail(cc, kw->name,
                                 "must be a non-negative integer");
    }

    apigw_sch_add(cc, kw->kind, kw->name)->u.count = n;

    return 0;
}


static int
apigw_sch_kw_pattern(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw)
{
    int              rc;
    json_t          *v;
    apigw_sch_re_t   re;

    v = json_object_get(s, kw->name);
    if (v == NULL) {
        return 0;
    }

    if (!json_is_string(v)) {
        return apigw_sch_kw_fail(cc, kw->name, "must be a string");
    }

    rc = apigw_sch_regex(cc, json_string_value(v), json_string_length(v),
                         &re, kw->name, NULL);

    /* one that cannot be compiled is a warning, and not checked */
    if (rc != 0) {
        return (rc > 0) ? 0 : -1;
    }

    apigw_sch_add(cc, kw->kind, kw->name)->u.re = re;

    return 0;
}


static int
apigw_sch_kw_format(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw)
{
    int      format;
    json_t  *v;

    v = json_object_get(s, kw->name);
    if (v == NULL) {
        return 0;
    }

    if (!json_is_string(v)) {
        return apigw_sch_kw_fail(cc, kw->name, "must be a string");
    }

    /* unknown formats are annotations */
    format = apigw_format_lookup(json_string_value(v));

    if (format != APIGW_FMT_NONE) {
        apigw_sch_add(cc, kw->kind, kw->name)->u.format = format;
    }

    return 0;
}


/* draft 4: items (schema or array) + additionalItems; 2020-12: prefixItems
 * + items */
static int
apigw_sch_kw_items(apigw_sch_cctx_t *cc, json_t *s, const apigw_sch_kw_t *kw)
{
    size_t              i;
    json_t             *items, *prefix, *rest, *e;
    const char         *pkw;
    apigw_sch_check_t  *c;

    items = json_object_get(s, "items");

    if (cc->d4) {
        prefix = json_is_array(items) ? items : NULL;
        rest = prefix ? json_object_get(s, "additionalItems") : items;
        pkw = "items";

    } else {
        prefix = json_object_get(s, "prefixItems");
        rest = items;
        pkw = "prefixItems";

        if (prefix != NULL && !json_is_array(prefix)) {
            return apigw_sch_kw_fail(cc, pkw, "must be an array of schemas");
        }

        if (json_is_array(items)) {
            return apigw_sch_kw_fail(cc, "items", "must be a schema (an "
                                     "array of schemas is prefixItems)");
        }
    }

    if (prefix == NULL && rest == NULL) {
        return 0;
    }

    c = apigw_sch_add(cc, kw->kind, prefix ? pkw : "items");

    if (prefix != NULL) {
        c->u.list.n = json_array_size(prefix);
        c->u.list.nodes = apigw_sch_alloc(cc->set, (c->u.list.n + 1)
                                                   * sizeof(void *));
        if (c->u.list.nodes == NULL) {
            return apigw_sch_kw_fail(cc, pkw, "out of memory");
        }

        json_array_foreach(prefix, i, e) {
            c->u.list.nodes[i] = apigw_sch_sub(cc, e, pkw, NULL, 0, i);

            if (c->u.list.nodes[i] == NULL) {
                return -1;
            }
        }
    }

    if (rest != NULL) {
        c->u.list.rest_keyword = (prefix && cc->d4) ? "additionalItems"
                                                    : "items";
        c->u.list.rest = apigw_sch_sub(cc, rest, c->u.list.rest_keyword,
                                       NULL, 0, -1);
        if (c->u.list.rest == NULL) {
            return -1;
        }
    }

    return 0;
}


static int
apigw_sch_kw_contains(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw)
{
    json_t             *v, *min, *max;
    apigw_sch_check_t  *c;

    v = json_object_get(s, kw->name);
    if (v == NULL) {
        return 0;
    }

    c = apigw_sch_add(cc, kw->kind, kw->name);
    c->u.contains.min = 1;
    c->u.contains.max = (size_t) -1;

    min = json_object_get(s, "minContains");
    max = json_object_get(s, "maxContains");

    if (min != NULL) {
        if (apigw_sch_count(min, &c->u.contains.min) != 0) {
            return apigw_sch_kw_fail(cc, "minContains",
                                     "must be a non-negative integer");
        }

        c->explicit_min = 1;
    }

    if (max != NULL && apigw_sch_count(max, &c->u.contains.max) != 0) {
        return apigw_sch_kw_fail(cc, "maxContains",
                                 "must be a non-negative integer");
    }

    c->u.contains.node = apigw_sch_sub(cc, v, kw->name, NULL, 0, -1);

    return c->u.contains.node ? 0 : -1;
}


static int
apigw_sch_kw_unique(apigw_sch_cctx_t *cc, json_t *s, const apigw_sch_kw_t *kw)
{
    json_t  *v;

    v = json_object_get(s, kw->name);
    if (v == NULL) {
        return 0;
    }

    if (!json_is_boolean(v)) {
        return apigw_sch_kw_fail(cc, kw->name, "must be a boolean");
    }

    if (json_is_true(v)) {
        (void) apigw_sch_add(cc, kw->kind, kw->name);
    }

    return 0;
}


/*
 * an array of property names; with props, the names of readOnly
 * (APIGW_SCHEMA_REQUEST) or writeOnly (APIGW_SCHEMA_RESPONSE) properties
 * are left out
 */
static int
apigw_sch_names(apigw_sch_cctx_t *cc, json_t *v, const char *kw,
    const char *key, json_t *props, apigw_sch_names_t *names)
{
    size_t       i, n;
    json_t      *e, *prop;
    const char  *name;

    if (!json_is_array(v)) {
        apigw_sch_child_ptr(cc, kw, key, key ? strlen(key) : 0, -1);
        return apigw_sch_fail(cc, cc->cur.doc, cc->ptr, NULL,
                              "%s: must be an array of strings", kw);
    }

    n = json_array_size(v);
    names->n = 0;
    names->names = apigw_sch_alloc(cc->set, (n + 1) * sizeof(char *));
    names->lens = apigw_sch_alloc(cc->set, (n + 1) * sizeof(size_t));

    if (names->names == NULL || names->lens == NULL) {
        return apigw_sch_kw_fail(cc, kw, "out of memory");
    }

    json_array_foreach(v, i, e) {
        if (!json_is_string(e)) {
            apigw_sch_child_ptr(cc, kw, key, key ? strlen(key) : 0, -1);
            return apigw_sch_fail(cc, cc->cur.doc, cc->ptr, NULL,
                                  "%s: must be an array of strings", kw);
        }

        name = json_string_value(e);
        prop = props ? json_object_get(props, name) : NULL;

        if (prop != NULL
            && (((cc->flags & APIGW_SCHEMA_REQUEST)
                 && apigw_sch_prop_flag(cc, prop, "readOnly"))
                || ((cc->flags & APIGW_SCHEMA_RESPONSE)
                    && apigw_sch_prop_flag(cc, prop, "writeOnly"))))
        {
            continue;
        }

        names->names[names->n] = apigw_sch_strndup(cc->set, name,
                                                   json_string_length(e));
        names->lens[names->n] = json_string_length(e);

        if (names->names[names->n++] == NULL) {
            return apigw_sch_kw_fail(cc, kw, "out of memory");
        }
    }

    return 0;
}


/* "readOnly: true" on a property schema, or on what its $ref leads to */
static int
apigw_sch_prop_flag(apigw_sch_cctx_t *cc, json_t *prop, const char *flag)
{
    int                  rc, hops;
    json_t              *v;
    apigw_sch_uri_t     *res;
    apigw_sch_target_t  *t;

    t = malloc(sizeof(apigw_sch_target_t));
    if (t == NULL) {
        return 0;
    }

    res = cc->cur.res;
    rc = 0;

    for (hops = 0; hops < APIGW_SCH_MAX_HOPS && json_is_object(prop); hops++)
    {
        v = json_object_get(prop, flag);

        if (v != NULL) {
            rc = json_is_true(v);
            break;
        }

        v = json_object_get(prop, "$ref");

        if (!json_is_string(v)) {
            break;
        }

        /* an unresolvable $ref fails when the property is compiled */
        cc->probing = 1;
        res = apigw_sch_base(cc, prop, res);

        if (res == NULL
            || apigw_sch_resolve(cc, res, json_string_value(v), t, "$ref")
               != 0)
        {
            break;
        }

        cc->probing = 0;
        prop = t->json;
        res = t->res;
    }

    cc->probing = 0;
    cc->failed = 0;
    free(t);

    return rc;
}


/*
 * required followed by properties whose table has every required name:
 * properties checks it, first, from the lookups of the keys it makes
 * anyway
 */
static int
apigw_sch_merge_required(apigw_sch_cctx_t *cc)
{
    size_t              i, j, r;
    uint32_t            h;
    apigw_sch_check_t  *req;
    apigw_sch_props_t  *props;

    for (r = 0; r + 1 < cc->nchecks; r++) {
        if (cc->checks[r].kind == APIGW_SCH_REQUIRED) {
            break;
        }
    }

    if (r + 1 >= cc->nchecks
        || cc->checks[r + 1].kind != APIGW_SCH_PROPERTIES)
    {
        return 0;
    }

    req = &cc->checks[r];
    props = cc->checks[r + 1].u.props;

    if (props->size == 0 || props->size > APIGW_SCH_PROPS_SLOTS) {
        return 0;
    }

    props->required_slots = apigw_sch_alloc(cc->set, req->u.required.n);
    if (props->required_slots == NULL) {
        return apigw_sch_kw_fail(cc, req->keyword, "out of memory");
    }

    for (i = 0; i < req->u.required.n; i++) {
        h = apigw_sch_name_hash(req->u.required.names[i],
                                req->u.required.lens[i]);

        for (j = h & (props->size - 1); props->table[j].name != NULL;
             j = (j + 1) & (props->size - 1))
        {
            if (props->table[j].hash == h
                && props->table[j].len == req->u.required.lens[i]
                && memcmp(props->table[j].name, req->u.required.names[i],
                          req->u.required.lens[i])
                   == 0)
            {
                break;
            }
        }

        if (props->table[j].name == NULL) {
            /* not a property: required stays a check of its own */
            return 0;
        }

        props->required_slots[i] = (uint8_t) j;
    }

    props->required_kw = req->keyword;
    props->required = req->u.required;

    memmove(req, req + 1, (cc->nchecks - r - 1) * sizeof(apigw_sch_check_t));
    cc->nchecks--;

    return 0;
}


static int
apigw_sch_kw_required(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw)
{
    json_t             *v;
    apigw_sch_check_t  *c;

    v = json_object_get(s, kw->name);
    if (v == NULL) {
        return 0;
    }

    c = apigw_sch_add(cc, kw->kind, kw->name);

    if (apigw_sch_names(cc, v, kw->name, NULL,
                        json_object_get(s, "properties"), &c->u.required)
        != 0)
    {
        return -1;
    }

    if (c->u.required.n == 0) {
        cc->nchecks--;
    }

    return 0;
}


/* properties, patternProperties, additionalProperties: one check */
static int
apigw_sch_kw_properties(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw)
{
    int                 rc;
    size_t              i, n, klen;
    void               *it;
    json_t             *p, *pp, *ap;
    const char         *key;
    apigw_sch_prop_t   *e;
    apigw_sch_props_t  *props;

    p = json_object_get(s, "properties");
    pp = json_object_get(s, "patternProperties");
    ap = json_object_get(s, "additionalProperties");

    if (p == NULL && pp == NULL && ap == NULL) {
        return 0;
    }

    if ((p && !json_is_object(p)) || (pp && !json_is_object(pp))) {
        return apigw_sch_kw_fail(cc, (p && !json_is_object(p))
                                     ? "properties" : "patternProperties",
                                 "must be an object");
    }

    props = apigw_sch_alloc(cc->set, sizeof(apigw_sch_props_t));
    if (props == NULL) {
        return apigw_sch_kw_fail(cc, kw->name, "out of memory");
    }

    apigw_sch_add(cc, kw->kind, kw->name)->u.props = props;

    if (p != NULL && json_object_size(p) > 0) {
        for (n = 4; n < json_object_size(p) * 2; n *= 2) {
            /* void */
        }

        props->size = n;
        props->table = apigw_sch_alloc(cc->set, n * sizeof(apigw_sch_prop_t));

        if (props->table == NULL) {
            return apigw_sch_kw_fail(cc, kw->name, "out of memory");
        }

        if (n <= APIGW_SCH_PROPS_SLOTS) {
            props->order = apigw_sch_alloc(cc->set, n);
            if (props->order == NULL) {
                return apigw_sch_kw_fail(cc, kw->name, "out of memory");
            }
        }

        for (it = json_object_iter(p); it; it = json_object_iter_next(p, it))
        {
            key = json_object_iter_key(it);
            klen = json_object_iter_key_len(it);
            i = apigw_sch_name_hash(key, klen) & (n - 1);

            while (props->table[i].name != NULL) {
                i = (i + 1) & (n - 1);
            }

            e = &props->table[i];
            e->name = apigw_sch_strndup(cc->set, key, klen);
            e->len = klen;
            e->hash = apigw_sch_name_hash(key, klen);
            e->node = apigw_sch_sub(cc, json_object_iter_value(it),
                                    "properties", key, klen, -1);

            if (e->name == NULL || e->node == NULL) {
                return apigw_sch_kw_fail(cc, kw->name, "out of memory");
            }

            e->plain = apigw_sch_plain_name(key, klen);

            if (props->order != NULL) {
                e->rank = (uint8_t) props->nprops;
                props->order[props->nprops] = (uint8_t) i;
            }

            props->nprops++;
        }
    }

    if (pp != NULL && json_object_size(pp) > 0) {
        n = json_object_size(pp);
        props->patterns = apigw_sch_alloc(cc->set, n * sizeof(apigw_sch_re_t));
        props->pattern_nodes = apigw_sch_alloc(cc->set, n * sizeof(void *));

        if (props->patterns == NULL || props->pattern_nodes == NULL) {
            return apigw_sch_kw_fail(cc, kw->name, "out of memory");
        }

        for (it = json_object_iter(pp); it;
             it = json_object_iter_next(pp, it))
        {
            key = json_object_iter_key(it);
            klen = json_object_iter_key_len(it);
            i = props->npatterns++;

            rc = apigw_sch_regex(cc, key, klen, &props->patterns[i],
                                 "patternProperties", key);

            if (rc < 0) {
                return -1;
            }

            if (rc > 0) {
                /* not compiled: names match it, its schema is not applied */
                props->pattern_nodes[i] = NULL;
                continue;
            }

            props->pattern_nodes[i] = apigw_sch_sub(cc,
                                          json_object_iter_value(it),
                                          "patternProperties", key, klen, -1);
            if (props->pattern_nodes[i] == NULL) {
                return -1;
            }
        }
    }

    if (ap != NULL) {
        props->additional = apigw_sch_sub(cc, ap, "additionalProperties",
                                          NULL, 0, -1);
        if (props->additional == NULL) {
            return -1;
        }
    }

    return 0;
}


/* a name a body spells as its bytes in quotes: no quote, escape or control */
static unsigned
apigw_sch_plain_name(const char *name, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if (name[i] == '"' || name[i] == '\\'
            || (unsigned char) name[i] < 0x20)
        {
            return 0;
        }
    }

    return 1;
}


/*
 * draft 4 dependencies (arrays and schemas), 2020-12 dependentRequired
 * (arrays) and dependentSchemas (schemas)
 */
static int
apigw_sch_kw_dependencies(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw)
{
    int                 schemas;
    void               *it;
    size_t              n, k, klen;
    json_t             *v, *e;
    const char         *key;
    apigw_sch_check_t  *c;

    v = json_object_get(s, kw->name);
    if (v == NULL) {
        return 0;
    }

    if (!json_is_object(v)) {
        return apigw_sch_kw_fail(cc, kw->name, "must be an object");
    }

    for (schemas = 0; schemas <= 1; schemas++) {
        n = 0;

        for (it = json_object_iter(v); it; it = json_object_iter_next(v, it))
        {
            e = json_object_iter_value(it);

            if (!cc->d4 && (kw->kind == APIGW_SCH_DEP_REQUIRED)
                           != json_is_array(e))
            {
                return apigw_sch_kw_fail(cc, kw->name, "values must be %s",
                                         json_is_array(e) ? "schemas"
                                                          : "arrays");
            }

            n += (json_is_array(e) != schemas);
        }

        if (n == 0 || (!cc->d4 && (kw->kind == APIGW_SCH_DEP_SCHEMAS)
                                  != schemas))
        {
            continue;
        }

        c = apigw_sch_add(cc, schemas ? APIGW_SCH_DEP_SCHEMAS
                                      : APIGW_SCH_DEP_REQUIRED, kw->name);

        if (schemas) {
            c->u.depsch.deps = apigw_sch_alloc(cc->set,
                                               n * sizeof(apigw_sch_prop_t));
        } else {
            c->u.depreq.deps = apigw_sch_alloc(cc->set,
                                               n * sizeof(apigw_sch_dep_t));
        }

        if (c->u.depsch.deps == NULL && c->u.depreq.deps == NULL) {
            return apigw_sch_kw_fail(cc, kw->name, "out of memory");
        }

        k = 0;

        for (it = json_object_iter(v); it; it = json_object_iter_next(v, it))
        {
            e = json_object_iter_value(it);
            key = json_object_iter_key(it);
            klen = json_object_iter_key_len(it);

            if (json_is_array(e) == schemas) {
                continue;
            }

            if (schemas) {
                c->u.depsch.deps[k].name = apigw_sch_strndup(cc->set, key,
                                                             klen);
                c->u.depsch.deps[k].len = klen;
                c->u.depsch.deps[k].node = apigw_sch_sub(cc, e, kw->name,
                                                         key, klen, -1);
                if (c->u.depsch.deps[k].node == NULL) {
                    return -1;
                }

            } else {
                c->u.depreq.deps[k].name = apigw_sch_strndup(cc->set, key,
                                                             klen);
                c->u.depreq.deps[k].len = klen;

                if (apigw_sch_names(cc, e, kw->name, key, NULL,
                                    &c->u.depreq.deps[k].required) != 0)
                {
                    return -1;
                }
            }

            k++;
        }

        c->u.depreq.n = k;
    }

    return 0;
}


/* not, propertyNames, unevaluatedItems, unevaluatedProperties */
static int
apigw_sch_kw_single(apigw_sch_cctx_t *cc, json_t *s,
    const apigw_sch_kw_t *kw)
{
    json_t            *v;
    apigw_sch_node_t  *node;

    v = json_object_get(s, kw->name);
    if (v == NULL) {
        return 0;
    }

    node = apigw_sch_sub(cc, v, kw->name, NULL, 0, -1);
    if (node == NULL) {
        return -1;
    }

    apigw_sch_add(cc, kw->kind, kw->name)->u.node = node;

    if (kw->kind == APIGW_SCH_UNEVALUATED_ITEMS
        || kw->kind == APIGW_SCH_UNEVALUATED_PROPERTIES)
    {
        cc->cur.node->uneval = 1;
    }

    return 0;
}


/*
 * $ref and $dynamicRef; a $dynamicRef whose fragment names the
 * $dynamicAnchor it lands on is resolved again in the dynamic scope
 * when validating
 */
static int
apigw_sch_kw_ref(apigw_sch_cctx_t *cc, json_t *s, const apigw_sch_kw_t *kw)
{
    int                  rc;
    char                *name;
    json_t              *v, *anchor;
    apigw_sch_node_t    *node;
    apigw_sch_check_t   *c;
    apigw_sch_target_t  *t;

    v = json_object_get(s, kw->name);
    if (v == NULL) {
        return 0;
    }

    if (!json_is_string(v)) {
        return apigw_sch_kw_fail(cc, kw->name, "must be a string");
    }

    t = malloc(sizeof(apigw_sch_target_t));
    if (t == NULL) {
        return apigw_sch_kw_fail(cc, kw->name, "out of memory");
    }

    rc = -1;

    if (apigw_sch_resolve(cc, cc->cur.res, json_string_value(v), t, kw->name)
        != 0)
    {
        goto done;
    }

    if (!json_is_object(t->json) && !json_is_boolean(t->json)) {
        apigw_sch_kw_fail(cc, kw->name, "\"%s\" is not a schema",
                          json_string_value(v));
        goto done;
    }

    node = apigw_sch_node_get(cc, t->json, t->res, t->doc, t->pointer);
    if (node == NULL) {
        goto done;
    }

    c = apigw_sch_add(cc, kw->kind, kw->name);
    c->u.dynref.node = node;

    name = strchr(json_string_value(v), '#');

    if (kw->kind == APIGW_SCH_DYNAMIC_REF && name != NULL && name[1] != '\0'
        && name[1] != '/')
    {
        name = strdup(name + 1);

        if (name == NULL || apigw_uri_unescape(name) != 0) {
            free(name);
            apigw_sch_kw_fail(cc, kw->name, "bad fragment");
            goto done;
        }

        anchor = json_object_get(t->json, "$dynamicAnchor");

        if (json_is_string(anchor)
            && strcmp(json_string_value(anchor), name) == 0)
        {
            c->u.dynref.dyn = apigw_sch_dyn_get(cc, name);
            cc->set->has_dynamic = 1;

            if (c->u.dynref.dyn == NULL) {
                free(name);
                goto done;
            }
        }

        free(name);
    }

    rc = 0;

done:

    free(t);

    return rc;
}


/* allOf, anyOf, oneOf */
static int
apigw_sch_kw_list(apigw_sch_cctx_t *cc, json_t *s, const apigw_sch_kw_t *kw)
{
    size_t              i;
    json_t             *v, *e;
    apigw_sch_check_t  *c;

    v = json_object_get(s, kw->name);
    if (v == NULL) {
        return 0;
    }

    if (!json_is_array(v) || json_array_size(v) == 0) {
        return apigw_sch_kw_fail(cc, kw->name,
                                 "must be a non-empty array of schemas");
    }

    c = apigw_sch_add(cc, kw->kind, kw->name);
    c->u.list.n = json_array_size(v);
    c->u.list.nodes = apigw_sch_alloc(cc->set, c->u.list.n * sizeof(void *));

    if (c->u.list.nodes == NULL) {
        return apigw_sch_kw_fail(cc, kw->name, "out of memory");
    }

    json_array_foreach(v, i, e) {
        c->u.list.nodes[i] = apigw_sch_sub(cc, e, kw->name, NULL, 0, i);

        if (c->u.list.nodes[i] == NULL) {
            return -1;
        }
    }

    return 0;
}


/* if, then, else; an "if" alone still yields annotations */
static int
apigw_sch_kw_if(apigw_sch_cctx_t *cc, json_t *s, const apigw_sch_kw_t *kw)
{
    json_t             *v, *then, *otherwise;
    apigw_sch_check_t  *c;

    v = json_object_get(s, kw->name);
    if (v == NULL) {
        return 0;
    }

    then = json_object_get(s, "then");
    otherwise = json_object_get(s, "else");

    c = apigw_sch_add(cc, kw->kind, kw->name);
    c->u.cond.cond = apigw_sch_sub(cc, v, kw->name, NULL, 0, -1);

    if (c->u.cond.cond == NULL) {
        return -1;
    }

    if (then != NULL) {
        c->u.cond.then = apigw_sch_sub(cc, then, "then", NULL, 0, -1);

        if (c->u.cond.then == NULL) {
            return -1;
        }
    }

    if (otherwise != NULL) {
        c->u.cond.otherwise = apigw_sch_sub(cc, otherwise, "else", NULL, 0,
                                            -1);
        if (c->u.cond.otherwise == NULL) {
            return -1;
        }
    }

    return 0;
}
