
/*
 * Copyright (C) apigw contributors
 */


#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "apigw_core.h"


#define APIGW_YAML_CORE       "tag:yaml.org,2002:"
#define APIGW_YAML_DIGITS     "0123456789"
#define APIGW_YAML_SHOW(len)  (int) ((len) > 64 ? 64 : (len))


/* the order of the core tags matches apigw_yaml_core_tags[] */
typedef enum {
    APIGW_YAML_TAG_NONE = 0,
    APIGW_YAML_TAG_STR,
    APIGW_YAML_TAG_INT,
    APIGW_YAML_TAG_FLOAT,
    APIGW_YAML_TAG_BOOL,
    APIGW_YAML_TAG_NULL,
    APIGW_YAML_TAG_MAP,
    APIGW_YAML_TAG_SEQ
} apigw_yaml_tag_e;


typedef struct {
    const char             *text;
    int                     type;
} apigw_yaml_word_t;


typedef struct {
    yaml_parser_t           parser;
    apigw_linemap_t        *lines;
    apigw_error_t          *err;
    json_t                 *anchors;    /* name: [node, size, text?] */
    size_t                  total;      /* nodes expanded so far */
    size_t                  plen;
    char                    pointer[APIGW_ERR_LEN];
} apigw_yaml_ctx_t;


static json_t *apigw_yaml_node(apigw_yaml_ctx_t *ctx, yaml_event_t *ev,
    unsigned depth, size_t *size);
static json_t *apigw_yaml_collection(apigw_yaml_ctx_t *ctx, yaml_event_t *ev,
    unsigned depth, size_t *size);
static json_t *apigw_yaml_key(apigw_yaml_ctx_t *ctx, yaml_event_t *ev,
    int *merge);
static int apigw_yaml_merge(apigw_yaml_ctx_t *ctx, json_t *obj,
    json_t *merges, unsigned line);
static json_t *apigw_yaml_scalar(apigw_yaml_ctx_t *ctx, yaml_event_t *ev,
    int key);
static json_t *apigw_yaml_resolve(apigw_yaml_ctx_t *ctx, const char *p,
    size_t len, int kind, unsigned line);
static int apigw_yaml_check_tag(apigw_yaml_ctx_t *ctx, const yaml_char_t *tag,
    int want, unsigned line);
static int apigw_yaml_word(const char *p, size_t len);
static int apigw_yaml_is_special(const char *p, size_t len);
static int apigw_yaml_int(const char *p, size_t len, json_t **out);
static int apigw_yaml_float(const char *p, size_t len, json_t **out);
static int apigw_yaml_next(apigw_yaml_ctx_t *ctx, yaml_event_t *ev);
static int apigw_yaml_count(apigw_yaml_ctx_t *ctx, size_t n, unsigned line);
static int apigw_yaml_track(apigw_yaml_ctx_t *ctx, json_t *node,
    yaml_event_t *ev, size_t size, unsigned line);
static int apigw_yaml_anchor(apigw_yaml_ctx_t *ctx, json_t *node,
    yaml_event_t *ev, size_t size, unsigned line);
static json_t *apigw_yaml_alias(apigw_yaml_ctx_t *ctx, yaml_event_t *ev);
static size_t apigw_yaml_push(apigw_yaml_ctx_t *ctx, const char *key,
    size_t len);
static void apigw_yaml_pop(apigw_yaml_ctx_t *ctx, size_t plen);


static const char  *apigw_yaml_core_tags[] = {
    "str", "int", "float", "bool", "null", "map", "seq"
};


static const apigw_yaml_word_t  apigw_yaml_words[] = {
    { "", JSON_NULL }, { "~", JSON_NULL }, { "null", JSON_NULL },
    { "Null", JSON_NULL }, { "NULL", JSON_NULL },
    { "true", JSON_TRUE }, { "True", JSON_TRUE }, { "TRUE", JSON_TRUE },
    { "false", JSON_FALSE }, { "False", JSON_FALSE }, { "FALSE", JSON_FALSE }
};


json_t *
apigw_yaml_parse(const char *buf, size_t len, apigw_linemap_t *lines,
    apigw_error_t *err)
{
    size_t             size;
    json_t            *root;
    yaml_event_t       ev;
    apigw_yaml_ctx_t   ctx;

    memset(&ctx, 0, sizeof(apigw_yaml_ctx_t));
    ctx.lines = lines;
    ctx.err = err;
    ctx.anchors = json_object();

    if (ctx.anchors == NULL || !yaml_parser_initialize(&ctx.parser)) {
        json_decref(ctx.anchors);
        apigw_error_set(err, "", 0, "out of memory");
        return NULL;
    }

    yaml_parser_set_input_string(&ctx.parser, (const unsigned char *) buf,
                                 len);
    root = NULL;

    for ( ;; ) {
        if (apigw_yaml_next(&ctx, &ev) != 0) {
            goto failed;
        }

        if (ev.type == YAML_STREAM_END_EVENT) {
            if (root == NULL) {
                apigw_error_set(err, "", 0, "empty YAML document");
            }

            break;
        }

        if (ev.type == YAML_DOCUMENT_START_EVENT && root != NULL) {
            apigw_error_set(err, "", (unsigned) ev.start_mark.line + 1,
                            "multiple YAML documents are not supported");
            yaml_event_delete(&ev);
            goto failed;
        }

        if (ev.type == YAML_SCALAR_EVENT || ev.type == YAML_ALIAS_EVENT
            || ev.type == YAML_MAPPING_START_EVENT
            || ev.type == YAML_SEQUENCE_START_EVENT)
        {
            root = apigw_yaml_node(&ctx, &ev, 1, &size);
            if (root == NULL) {
                yaml_event_delete(&ev);
                goto failed;
            }
        }

        yaml_event_delete(&ev);
    }

    yaml_event_delete(&ev);

    if (root != NULL) {
        goto done;
    }

failed:

    json_decref(root);
    root = NULL;

done:

    json_decref(ctx.anchors);
    yaml_parser_delete(&ctx.parser);

    return root;
}


static json_t *
apigw_yaml_node(apigw_yaml_ctx_t *ctx, yaml_event_t *ev, unsigned depth,
    size_t *size)
{
    json_t    *node, *a;
    unsigned   line;

    line = (unsigned) ev->start_mark.line + 1;

    if (ev->type == YAML_ALIAS_EVENT) {
        a = apigw_yaml_alias(ctx, ev);
        if (a == NULL) {
            return NULL;
        }

        *size = (size_t) json_integer_value(json_array_get(a, 1));

        if (apigw_yaml_count(ctx, *size, line) != 0) {
            return NULL;
        }

        return json_incref(json_array_get(a, 0));
    }

    if (ev->type != YAML_SCALAR_EVENT) {
        return apigw_yaml_collection(ctx, ev, depth, size);
    }

    node = apigw_yaml_scalar(ctx, ev, 0);
    *size = 1;

    if (node != NULL
        && (apigw_yaml_count(ctx, 1, line) != 0
            || apigw_yaml_track(ctx, node, ev, 1, line) != 0))
    {
        json_decref(node);
        return NULL;
    }

    return node;
}


static json_t *
apigw_yaml_collection(apigw_yaml_ctx_t *ctx, yaml_event_t *ev, unsigned depth,
    size_t *size)
{
    int                 map, merge;
    char                idx[32];
    size_t              i, n, plen, total;
    json_t             *coll, *key, *value, *merges;
    unsigned            line, kline, mline;
    yaml_event_t        cev;
    const yaml_char_t  *tag;

    map = (ev->type == YAML_MAPPING_START_EVENT);
    tag = map ? ev->data.mapping_start.tag : ev->data.sequence_start.tag;
    line = (unsigned) ev->start_mark.line + 1;

    if (depth > APIGW_YAML_MAX_DEPTH) {
        apigw_error_set(ctx->err, ctx->pointer, line,
                        "YAML nesting exceeds %d levels",
                        APIGW_YAML_MAX_DEPTH);
        return NULL;
    }

    if (apigw_yaml_check_tag(ctx, tag, map ? APIGW_YAML_TAG_MAP
                                           : APIGW_YAML_TAG_SEQ, line)
        < 0
        || apigw_yaml_count(ctx, 1, line) != 0)
    {
        return NULL;
    }

    coll = map ? json_object() : json_array();
    key = NULL;
    merges = NULL;
    merge = 0;
    mline = 0;
    total = 1;

    if (coll == NULL) {
        goto nomem;
    }

    for (i = 0; /* void */; i++) {
        if (apigw_yaml_next(ctx, &cev) != 0) {
            goto failed;
        }

        if (cev.type == YAML_MAPPING_END_EVENT
            || cev.type == YAML_SEQUENCE_END_EVENT)
        {
            yaml_event_delete(&cev);
            break;
        }

        if (map) {
            key = apigw_yaml_key(ctx, &cev, &merge);
            kline = (unsigned) cev.start_mark.line + 1;
            yaml_event_delete(&cev);

            if (key == NULL) {
                goto failed;
            }

            plen = apigw_yaml_push(ctx, json_string_value(key),
                                   json_string_length(key));

            if (merge ? merges != NULL
                      : json_object_getn(coll, json_string_value(key),
                                         json_string_length(key))
                        != NULL)
            {
                apigw_error_set(ctx->err, ctx->pointer, kline,
                                "duplicate key \"%.200s\"",
                                json_string_value(key));
                goto failed;
            }

            if (apigw_yaml_next(ctx, &cev) != 0) {
                goto failed;
            }

        } else {
            n = (size_t) snprintf(idx, sizeof(idx), "%zu", i);
            plen = apigw_yaml_push(ctx, idx, n);
        }

        mline = merge ? (unsigned) cev.start_mark.line + 1 : mline;
        value = apigw_yaml_node(ctx, &cev, depth + 1, &n);
        yaml_event_delete(&cev);

        if (value == NULL) {
            goto failed;
        }

        total += n;

        if (merge) {
            merges = value;

        } else if ((map ? json_object_setn_new(coll, json_string_value(key),
                                               json_string_length(key), value)
                        : json_array_append_new(coll, value))
                   != 0)
        {
            goto nomem;
        }

        json_decref(key);
        key = NULL;
        apigw_yaml_pop(ctx, plen);
    }

    if ((merges != NULL && apigw_yaml_merge(ctx, coll, merges, mline) != 0)
        || apigw_yaml_track(ctx, coll, ev, total, line) != 0)
    {
        goto failed;
    }

    json_decref(merges);
    *size = total;

    return coll;

nomem:

    apigw_error_set(ctx->err, ctx->pointer, line, "out of memory");

failed:

    json_decref(key);
    json_decref(merges);
    json_decref(coll);

    return NULL;
}


static json_t *
apigw_yaml_key(apigw_yaml_ctx_t *ctx, yaml_event_t *ev, int *merge)
{
    json_t    *key;
    unsigned   line;

    line = (unsigned) ev->start_mark.line + 1;
    *merge = 0;

    if (ev->type == YAML_ALIAS_EVENT) {
        key = apigw_yaml_alias(ctx, ev);
        if (key == NULL) {
            return NULL;
        }

        key = json_array_get(key, 2);
        if (key != NULL) {
            return json_incref(key);
        }

    } else if (ev->type == YAML_SCALAR_EVENT) {

        /* an anchored key is registered as a string, as JSON keys are */

        key = apigw_yaml_scalar(ctx, ev, 1);

        if (key != NULL && apigw_yaml_anchor(ctx, key, ev, 1, line) != 0) {
            json_decref(key);
            return NULL;
        }

        *merge = (ev->data.scalar.tag == NULL
                  && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE
                  && strcmp((char *) ev->data.scalar.value, "<<") == 0);

        return key;
    }

    apigw_error_set(ctx->err, ctx->pointer, line,
                    "mapping keys must be strings");
    return NULL;
}


/* merged keys go in last: explicit keys and earlier mappings win */

static int
apigw_yaml_merge(apigw_yaml_ctx_t *ctx, json_t *obj, json_t *merges,
    unsigned line)
{
    size_t       i, n, plen;
    json_t      *src, *value;
    const char  *key;

    n = json_is_array(merges) ? json_array_size(merges) : 1;

    for (i = 0; i < n; i++) {
        src = json_is_array(merges) ? json_array_get(merges, i) : merges;

        if (!json_is_object(src)) {
            plen = apigw_yaml_push(ctx, "<<", 2);
            apigw_error_set(ctx->err, ctx->pointer, line, "merge key \"<<\" "
                            "needs a mapping or a list of mappings");
            apigw_yaml_pop(ctx, plen);
            return -1;
        }
    }

    for (i = 0; i < n; i++) {
        src = json_is_array(merges) ? json_array_get(merges, i) : merges;

        json_object_foreach(src, key, value) {
            if (json_object_get(obj, key) == NULL
                && json_object_set(obj, key, value) != 0)
            {
                apigw_error_set(ctx->err, ctx->pointer, line, "out of memory");
                return -1;
            }
        }
    }

    return 0;
}


static json_t *
apigw_yaml_scalar(apigw_yaml_ctx_t *ctx, yaml_event_t *ev, int key)
{
    int          kind;
    size_t       len;
    unsigned     line;
    const char  *p;

    p = (const char *) ev->data.scalar.value;
    len = ev->data.scalar.length;
    line = (unsigned) ev->start_mark.line + 1;

    kind = apigw_yaml_check_tag(ctx, ev->data.scalar.tag, APIGW_YAML_TAG_STR,
                                line);
    if (kind < 0) {
        return NULL;
    }

    if (memchr(p, '\0', len) != NULL) {
        apigw_error_set(ctx->err, ctx->pointer, line,
                        "YAML string contains a NUL character");
        return NULL;
    }

    /* only untagged plain scalars are typed by their text */

    if (key || (kind == APIGW_YAML_TAG_NONE
                && ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE))
    {
        kind = APIGW_YAML_TAG_STR;
    }

    return apigw_yaml_resolve(ctx, p, len, kind, line);
}


static json_t *
apigw_yaml_resolve(apigw_yaml_ctx_t *ctx, const char *p, size_t len,
    int kind, unsigned line)
{
    int      rc, word, any;
    json_t  *node;

    node = NULL;
    any = (kind == APIGW_YAML_TAG_NONE);
    word = (kind == APIGW_YAML_TAG_STR) ? -1 : apigw_yaml_word(p, len);
    rc = 1;

    if (kind == APIGW_YAML_TAG_STR) {
        node = json_stringn(p, len);

    } else if (word == JSON_NULL && (any || kind == APIGW_YAML_TAG_NULL)) {
        node = json_null();

    } else if (word >= 0 && word != JSON_NULL
               && (any || kind == APIGW_YAML_TAG_BOOL))
    {
        node = json_boolean(word == JSON_TRUE);

    } else if (kind == APIGW_YAML_TAG_NULL || kind == APIGW_YAML_TAG_BOOL) {
        goto invalid;

    } else if (apigw_yaml_is_special(p, len)) {
        apigw_error_set(ctx->err, ctx->pointer, line,
                        "YAML value .inf/.nan has no JSON equivalent");
        return NULL;

    } else {
        rc = (kind == APIGW_YAML_TAG_FLOAT) ? 0 : apigw_yaml_int(p, len, &node);

        if (rc == 0 && kind != APIGW_YAML_TAG_INT) {
            rc = apigw_yaml_float(p, len, &node);
        }

        if (rc == 0 && !any) {
            goto invalid;
        }

        if (rc == 0) {
            node = json_stringn(p, len);
            rc = 1;
        }
    }

    if (rc < 0) {
        apigw_error_set(ctx->err, ctx->pointer, line,
                        "number \"%.*s\" is out of range",
                        APIGW_YAML_SHOW(len), p);
        return NULL;
    }

    if (node == NULL) {
        apigw_error_set(ctx->err, ctx->pointer, line, "out of memory");
    }

    return node;

invalid:

    apigw_error_set(ctx->err, ctx->pointer, line, "invalid !!%s value \"%.*s\"",
                    apigw_yaml_core_tags[kind - APIGW_YAML_TAG_STR],
                    APIGW_YAML_SHOW(len), p);
    return NULL;
}


static int
apigw_yaml_check_tag(apigw_yaml_ctx_t *ctx, const yaml_char_t *tag, int want,
    unsigned line)
{
    int          kind, core;
    size_t       i, n;
    const char  *t;

    /* the non-specific "!" makes a scalar a string */

    if (tag == NULL || strcmp((const char *) tag, "!") == 0) {
        return (tag == NULL) ? APIGW_YAML_TAG_NONE : want;
    }

    t = (const char *) tag;
    n = sizeof(APIGW_YAML_CORE) - 1;
    core = (strncmp(t, APIGW_YAML_CORE, n) == 0);
    kind = -1;

    for (i = 0; core && i < sizeof(apigw_yaml_core_tags) / sizeof(char *); i++)
    {
        if (strcmp(t + n, apigw_yaml_core_tags[i]) == 0) {
            kind = APIGW_YAML_TAG_STR + (int) i;
        }
    }

    if (kind < 0) {
        apigw_error_set(ctx->err, ctx->pointer, line,
                        "custom YAML tag \"%s%.200s\" is not supported",
                        core ? "!!" : "", core ? t + n : t);
        return -1;
    }

    if (want == APIGW_YAML_TAG_STR
        ? kind == APIGW_YAML_TAG_MAP || kind == APIGW_YAML_TAG_SEQ
        : kind != want)
    {
        apigw_error_set(ctx->err, ctx->pointer, line,
                        "YAML tag \"!!%s\" cannot be applied to a %s", t + n,
                        want == APIGW_YAML_TAG_STR ? "scalar"
                        : want == APIGW_YAML_TAG_MAP ? "mapping" : "sequence");
        return -1;
    }

    return kind;
}


/* JSON_NULL, JSON_TRUE or JSON_FALSE for the core schema words, or -1 */

static int
apigw_yaml_word(const char *p, size_t len)
{
    size_t  i;

    for (i = 0; i < sizeof(apigw_yaml_words) / sizeof(apigw_yaml_word_t); i++)
    {
        if (strlen(apigw_yaml_words[i].text) == len
            && memcmp(apigw_yaml_words[i].text, p, len) == 0)
        {
            return apigw_yaml_words[i].type;
        }
    }

    return -1;
}


/* [-+]?.inf and .nan in any case */

static int
apigw_yaml_is_special(const char *p, size_t len)
{
    char    s[4];
    size_t  i;

    if (len == 5 && (p[0] == '-' || p[0] == '+')) {
        p++;
        len--;
    }

    if (len != 4 || p[0] != '.') {
        return 0;
    }

    for (i = 0; i < 3; i++) {
        s[i] = (char) tolower((unsigned char) p[i + 1]);
    }

    s[3] = '\0';

    return strcmp(s, "inf") == 0 || strcmp(s, "nan") == 0;
}


/*
 * 1: an integer (*out is NULL if out of memory), 0: not one, -1: too big;
 * libyaml scalars end with NUL and NULs inside were refused already
 */

static int
apigw_yaml_int(const char *p, size_t len, json_t **out)
{
    int                  base;
    double               d;
    const char          *q, *digits;
    unsigned long long   v;

    base = 10;
    digits = APIGW_YAML_DIGITS;
    q = p + (p[0] == '-' || p[0] == '+');

    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'o')) {
        base = (p[1] == 'x') ? 16 : 8;
        digits = (base == 16) ? "0123456789abcdefABCDEF" : "01234567";
        q = p + 2;
    }

    if (*q == '\0' || strspn(q, digits) != len - (size_t) (q - p)) {
        return 0;
    }

    errno = 0;
    v = strtoull(q, NULL, base);

    if (errno == 0 && v <= (unsigned long long) INT64_MAX + (p[0] == '-')) {
        *out = json_integer(p[0] == '-' ? (json_int_t) (0 - v)
                                        : (json_int_t) v);
        return 1;
    }

    /* too big for int64: a real if a double holds it */

    if (base == 10) {
        return apigw_yaml_float(p, len, out);
    }

    for (d = 0.0; *q; q++) {
        d = d * base + (isdigit((unsigned char) *q) ? *q - '0'
                                                    : (*q | 0x20) - 'a' + 10);
    }

    if (isinf(d)) {
        return -1;
    }

    *out = json_real(d);

    return 1;
}


/* [-+]? ( \.[0-9]+ | [0-9]+ ( \.[0-9]* )? ) ( [eE] [-+]? [0-9]+ )? */

static int
apigw_yaml_float(const char *p, size_t len, json_t **out)
{
    double  d;
    size_t  i, n, digits;

    i = (p[0] == '-' || p[0] == '+');
    digits = strspn(p + i, APIGW_YAML_DIGITS);
    i += digits;

    if (p[i] == '.') {
        n = strspn(p + i + 1, APIGW_YAML_DIGITS);
        digits += n;
        i += 1 + n;
    }

    if (p[i] == 'e' || p[i] == 'E') {
        i += 1 + (p[i + 1] == '-' || p[i + 1] == '+');
        n = strspn(p + i, APIGW_YAML_DIGITS);
        i += n;
        digits = n ? digits : 0;
    }

    if (digits == 0 || i != len) {
        return 0;
    }

    d = strtod(p, NULL);

    if (isinf(d)) {
        return -1;
    }

    *out = json_real(d);

    return 1;
}


static int
apigw_yaml_next(apigw_yaml_ctx_t *ctx, yaml_event_t *ev)
{
    char            where[64];
    unsigned        line;
    const char     *problem;
    yaml_parser_t  *parser;

    if (yaml_parser_parse(&ctx->parser, ev)) {
        return 0;
    }

    parser = &ctx->parser;
    problem = parser->problem ? parser->problem : "out of memory";
    line = (unsigned) parser->problem_mark.line + 1;
    where[0] = '\0';

    if (parser->error == YAML_READER_ERROR) {
        line = 0;
        snprintf(where, sizeof(where), " at byte %zu", parser->problem_offset);

    } else if (parser->context != NULL) {
        snprintf(where, sizeof(where), " (%.30s at line %u)", parser->context,
                 (unsigned) parser->context_mark.line + 1);
    }

    apigw_error_set(ctx->err, ctx->pointer, line, "YAML syntax error: %s%s",
                    problem, where);
    return -1;
}


static int
apigw_yaml_count(apigw_yaml_ctx_t *ctx, size_t n, unsigned line)
{
    ctx->total += n;

    if (ctx->total > APIGW_YAML_MAX_NODES) {
        apigw_error_set(ctx->err, ctx->pointer, line,
                        "YAML alias expansion exceeds %d nodes "
                        "(a \"billion laughs\" document?)",
                        APIGW_YAML_MAX_NODES);
        return -1;
    }

    return 0;
}


static int
apigw_yaml_track(apigw_yaml_ctx_t *ctx, json_t *node, yaml_event_t *ev,
    size_t size, unsigned line)
{
    if (apigw_linemap_add(ctx->lines, node, line) != 0) {
        apigw_error_set(ctx->err, ctx->pointer, line, "out of memory");
        return -1;
    }

    return apigw_yaml_anchor(ctx, node, ev, size, line);
}


/* a redefined anchor is replaced: later aliases get the newest node */

static int
apigw_yaml_anchor(apigw_yaml_ctx_t *ctx, json_t *node, yaml_event_t *ev,
    size_t size, unsigned line)
{
    json_t             *a;
    const yaml_char_t  *name;

    name = (ev->type == YAML_SCALAR_EVENT) ? ev->data.scalar.anchor
           : (ev->type == YAML_MAPPING_START_EVENT)
           ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;

    if (name == NULL) {
        return 0;
    }

    /* a scalar keeps its text too, in case it is aliased as a key */

    a = (ev->type == YAML_SCALAR_EVENT)
        ? json_pack("[O,I,s%]", node, (json_int_t) size,
                    (const char *) ev->data.scalar.value,
                    ev->data.scalar.length)
        : json_pack("[O,I]", node, (json_int_t) size);

    if (json_object_set_new(ctx->anchors, (const char *) name, a) != 0) {
        apigw_error_set(ctx->err, ctx->pointer, line, "out of memory");
        return -1;
    }

    return 0;
}


static json_t *
apigw_yaml_alias(apigw_yaml_ctx_t *ctx, yaml_event_t *ev)
{
    json_t  *a;

    a = json_object_get(ctx->anchors, (const char *) ev->data.alias.anchor);

    if (a == NULL) {
        apigw_error_set(ctx->err, ctx->pointer,
                        (unsigned) ev->start_mark.line + 1,
                        "unknown YAML alias \"*%.200s\"",
                        (const char *) ev->data.alias.anchor);
    }

    return a;
}


/* RFC 6901 escaping; a pointer too long for the error buffer is cut short */

static size_t
apigw_yaml_push(apigw_yaml_ctx_t *ctx, const char *key, size_t len)
{
    char    *p, *last;
    size_t   i, plen;

    plen = ctx->plen;
    p = ctx->pointer + plen;
    last = ctx->pointer + sizeof(ctx->pointer) - 1;

    if (p < last) {
        *p++ = '/';
    }

    for (i = 0; i < len && p < last; i++) {
        if (key[i] != '~' && key[i] != '/') {
            *p++ = key[i];

        } else if (last - p >= 2) {
            *p++ = '~';
            *p++ = (key[i] == '~') ? '0' : '1';

        } else {
            break;
        }
    }

    *p = '\0';
    ctx->plen = (size_t) (p - ctx->pointer);

    return plen;
}


static void
apigw_yaml_pop(apigw_yaml_ctx_t *ctx, size_t plen)
{
    ctx->plen = plen;
    ctx->pointer[plen] = '\0';
}
