
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
    APIGW_YAML_NONE = 0,
    APIGW_YAML_STR,
    APIGW_YAML_INT,
    APIGW_YAML_FLOAT,
    APIGW_YAML_BOOL,
    APIGW_YAML_NULL,
    APIGW_YAML_MAP,
    APIGW_YAML_SEQ
} apigw_yaml_tag_e;


typedef struct {
    yaml_parser_t           parser;
    apigw_linemap_t        *lines;
    apigw_error_t          *err;
    const char             *input;
    json_t                 *anchors;    /* name: [node, size, height, text?] */
    unsigned                height;     /* of the node parsed last */
    size_t                  total;      /* nodes expanded so far */
    size_t                  plen;
    char                    pointer[APIGW_ERR_LEN];
} apigw_yaml_ctx_t;


static json_t *apigw_yaml_node(apigw_yaml_ctx_t *ctx, yaml_event_t *ev,
    unsigned depth, int unmapped, size_t *size);
static json_t *apigw_yaml_collection(apigw_yaml_ctx_t *ctx, yaml_event_t *ev,
    unsigned depth, int unmapped, size_t *size);
static json_t *apigw_yaml_key(apigw_yaml_ctx_t *ctx, yaml_event_t *ev,
    int *merge);
static int apigw_yaml_merge(apigw_yaml_ctx_t *ctx, json_t *obj,
    json_t *merges, unsigned line);
static json_t *apigw_yaml_scalar(apigw_yaml_ctx_t *ctx, yaml_event_t *ev,
    int key);
static int apigw_yaml_check_tag(apigw_yaml_ctx_t *ctx, const yaml_char_t *tag,
    int want, unsigned line);
static int apigw_yaml_word(const char *p, size_t len, int *truth);
static int apigw_yaml_number(const char *p, size_t len, int kind,
    json_t **out);
static int apigw_yaml_next(apigw_yaml_ctx_t *ctx, yaml_event_t *ev);
static int apigw_yaml_track(apigw_yaml_ctx_t *ctx, json_t *node,
    yaml_event_t *ev, size_t size, int unmapped);
static size_t apigw_yaml_push(apigw_yaml_ctx_t *ctx, const char *key,
    size_t len);


static const char  *apigw_yaml_core_tags[] = {
    "str", "int", "float", "bool", "null", "map", "seq"
};


/* 5 nulls, 3 trues, 3 falses */
static const char  *apigw_yaml_words[] = {
    "", "~", "null", "Null", "NULL", "true", "True", "TRUE",
    "false", "False", "FALSE"
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
    ctx.input = buf;
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
            break;
        }

        if (ev.type == YAML_DOCUMENT_START_EVENT && root != NULL) {
            apigw_error_set(err, "", (unsigned) ev.start_mark.line + 1,
                            "multiple YAML documents are not supported");
            goto failed;
        }

        /* the alias, scalar and collection events come last in the enum */

        if (ev.type >= YAML_ALIAS_EVENT) {
            root = apigw_yaml_node(&ctx, &ev, 1, 0, &size);
            if (root == NULL) {
                goto failed;
            }
        }

        yaml_event_delete(&ev);
    }

    if (root != NULL) {
        goto done;
    }

    apigw_error_set(err, "", 0, "empty YAML document");

failed:

    json_decref(root);
    root = NULL;

done:

    /* deleting an event twice is harmless: libyaml zeroes it */

    yaml_event_delete(&ev);
    json_decref(ctx.anchors);
    yaml_parser_delete(&ctx.parser);

    return root;
}


static json_t *
apigw_yaml_node(apigw_yaml_ctx_t *ctx, yaml_event_t *ev, unsigned depth,
    int unmapped, size_t *size)
{
    json_t    *node, *a;
    unsigned   line;

    line = (unsigned) ev->start_mark.line + 1;

    if (ev->type == YAML_ALIAS_EVENT) {
        a = json_object_get(ctx->anchors, (char *) ev->data.alias.anchor);

        if (a == NULL) {
            apigw_error_set(ctx->err, ctx->pointer, line,
                            "unknown YAML alias \"*%.200s\"",
                            (char *) ev->data.alias.anchor);
            return NULL;
        }

        /* aliases stack depth: the expanded document is bounded too */

        ctx->height = (unsigned) json_integer_value(json_array_get(a, 2));

        if (ctx->height && depth + ctx->height - 1 > APIGW_YAML_MAX_DEPTH) {
            apigw_error_set(ctx->err, ctx->pointer, line,
                            "YAML aliases nest deeper than %d levels",
                            APIGW_YAML_MAX_DEPTH);
            return NULL;
        }

        node = json_incref(json_array_get(a, 0));
        *size = (size_t) json_integer_value(json_array_get(a, 1));
        ctx->total += *size;

    } else {
        *size = 1;
        ctx->height = 0;
        node = (ev->type == YAML_SCALAR_EVENT)
               ? apigw_yaml_scalar(ctx, ev, 0)
               : apigw_yaml_collection(ctx, ev, depth, unmapped, size);
        ctx->total++;

        if (node != NULL
            && apigw_yaml_track(ctx, node, ev, *size, unmapped) != 0)
        {
            json_decref(node);
            return NULL;
        }
    }

    /* an alias counts all that it expands to: no "billion laughs" */

    if (node != NULL && ctx->total > APIGW_YAML_MAX_NODES) {
        apigw_error_set(ctx->err, ctx->pointer, line,
                        "YAML alias expansion exceeds %d nodes "
                        "(a \"billion laughs\" document?)",
                        APIGW_YAML_MAX_NODES);
        json_decref(node);
        return NULL;
    }

    return node;
}


static json_t *
apigw_yaml_collection(apigw_yaml_ctx_t *ctx, yaml_event_t *ev, unsigned depth,
    int unmapped, size_t *size)
{
    int           map, merge;
    char          idx[32];
    size_t        i, n, plen, klen, total;
    json_t       *coll, *key, *value, *merges;
    unsigned      line, kline, height;
    const char   *k;
    yaml_event_t  cev;

    map = (ev->type == YAML_MAPPING_START_EVENT);
    line = (unsigned) ev->start_mark.line + 1;
    kline = line;
    height = 1;

    if (depth > APIGW_YAML_MAX_DEPTH) {
        apigw_error_set(ctx->err, ctx->pointer, line,
                        "YAML nesting exceeds %d levels",
                        APIGW_YAML_MAX_DEPTH);
        return NULL;
    }

    if (apigw_yaml_check_tag(ctx, ev->data.scalar.tag,
                             map ? APIGW_YAML_MAP : APIGW_YAML_SEQ, line)
        < 0)
    {
        return NULL;
    }

    coll = map ? json_object() : json_array();
    key = NULL;
    merges = NULL;
    merge = 0;
    total = 1;

    if (coll == NULL) {
        goto nomem;
    }

    for (i = 0; /* void */ ; i++) {
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

            k = json_string_value(key);
            klen = json_string_length(key);
            plen = apigw_yaml_push(ctx, k, klen);

            if (merge ? merges != NULL
                      : json_object_getn(coll, k, klen) != NULL)
            {
                apigw_error_set(ctx->err, ctx->pointer, kline,
                                "duplicate key \"%.200s\"", k);
                goto failed;
            }

            if (apigw_yaml_next(ctx, &cev) != 0) {
                goto failed;
            }

        } else {
            k = idx;
            klen = (size_t) snprintf(idx, sizeof(idx), "%zu", i);
            plen = apigw_yaml_push(ctx, k, klen);
        }

        /* "<<" values are freed after merging: no line, as addresses recur */

        value = apigw_yaml_node(ctx, &cev, depth + 1, map ? merge : unmapped,
                                &n);
        yaml_event_delete(&cev);

        if (value == NULL) {
            goto failed;
        }

        if (ctx->height + 1 > height) {
            height = ctx->height + 1;
        }

        total += n;

        if (merge) {
            merges = value;

        } else if ((map ? json_object_setn_new(coll, k, klen, value)
                        : json_array_append_new(coll, value))
                   != 0)
        {
            goto nomem;

        } else if (map
                   && apigw_linemap_add(ctx->lines, (json_t *)
                          json_object_iter_key(json_object_iter_at(coll, k)),
                          kline)
                      != 0)
        {
            /* the key's own line: exact even for shared null/true/false */
            goto nomem;
        }

        json_decref(key);
        key = NULL;
        ctx->plen = plen;
        ctx->pointer[plen] = '\0';
    }

    if (merges != NULL && apigw_yaml_merge(ctx, coll, merges, line) != 0) {
        goto failed;
    }

    json_decref(merges);
    *size = total;
    ctx->height = height;

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
    size_t   n;
    json_t  *key;

    *merge = 0;

    if (ev->type == YAML_ALIAS_EVENT) {

        /* node() looks the alias up; a scalar anchor has its text */

        key = apigw_yaml_node(ctx, ev, 0, 1, &n);
        if (key == NULL) {
            return NULL;
        }

        json_decref(key);
        key = json_object_get(ctx->anchors, (char *) ev->data.alias.anchor);
        key = json_array_get(key, 3);

        if (key != NULL) {
            return json_incref(key);
        }

    } else if (ev->type == YAML_SCALAR_EVENT) {

        /* an anchored key is registered as a string, as JSON keys are */

        key = apigw_yaml_scalar(ctx, ev, 1);

        if (key != NULL && apigw_yaml_track(ctx, key, ev, 1, 1) != 0) {
            json_decref(key);
            return NULL;
        }

        *merge = (ev->data.scalar.tag == NULL
                  && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE
                  && strcmp((char *) ev->data.scalar.value, "<<") == 0);

        return key;
    }

    apigw_error_set(ctx->err, ctx->pointer,
                    (unsigned) ev->start_mark.line + 1,
                    "mapping keys must be strings");
    return NULL;
}


/* merged keys go in last: explicit keys and earlier mappings win */

static int
apigw_yaml_merge(apigw_yaml_ctx_t *ctx, json_t *obj, json_t *merges,
    unsigned line)
{
    size_t       i, n;
    json_t      *src, *value;
    unsigned     kline;
    const char  *key;

    n = json_is_array(merges) ? json_array_size(merges) : 1;

    for (i = 0; i < n; i++) {
        src = json_is_array(merges) ? json_array_get(merges, i) : merges;

        if (!json_is_object(src)) {
            apigw_yaml_push(ctx, "<<", 2);
            apigw_error_set(ctx->err, ctx->pointer, line, "merge key \"<<\" "
                            "needs a mapping or a list of mappings");
            return -1;
        }

        json_object_foreach(src, key, value) {
            if (json_object_get(obj, key) != NULL) {
                continue;
            }

            /* a merged key keeps the line where it was written */

            kline = apigw_linemap_find(ctx->lines, (json_t *) key);

            if (json_object_set(obj, key, value) != 0
                || apigw_linemap_add(ctx->lines, (json_t *)
                       json_object_iter_key(json_object_iter_at(obj, key)),
                       kline ? kline : line)
                   != 0)
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
    int          kind, word, truth, any, rc;
    size_t       len;
    json_t      *node;
    unsigned     line;
    const char  *p;

    p = (const char *) ev->data.scalar.value;
    len = ev->data.scalar.length;
    line = (unsigned) ev->start_mark.line + 1;

    kind = apigw_yaml_check_tag(ctx, ev->data.scalar.tag, APIGW_YAML_STR,
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

    if (key || (kind == APIGW_YAML_NONE
                && ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE))
    {
        kind = APIGW_YAML_STR;
    }

    any = (kind == APIGW_YAML_NONE);

    node = NULL;
    rc = 1;
    word = apigw_yaml_word(p, len, &truth);

    if (kind == APIGW_YAML_STR) {
        node = json_stringn(p, len);

    } else if (word != APIGW_YAML_NONE && (any || kind == word)) {
        if (word == APIGW_YAML_FLOAT) {
            apigw_error_set(ctx->err, ctx->pointer, line,
                            "YAML value .inf/.nan has no JSON equivalent");
            return NULL;
        }

        node = (word == APIGW_YAML_NULL) ? json_null() : json_boolean(truth);

    } else {
        rc = (kind <= APIGW_YAML_FLOAT) ? apigw_yaml_number(p, len, kind, &node)
                                        : 0;

        if (rc == 0 && !any) {
            apigw_error_set(ctx->err, ctx->pointer, line,
                            "invalid !!%s value \"%.*s\"",
                            apigw_yaml_core_tags[kind - APIGW_YAML_STR],
                            APIGW_YAML_SHOW(len), p);
            return NULL;
        }

        if (rc == 0) {
            node = json_stringn(p, len);
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
        return (tag == NULL) ? APIGW_YAML_NONE : want;
    }

    t = (const char *) tag;
    n = sizeof(APIGW_YAML_CORE) - 1;
    core = (strncmp(t, APIGW_YAML_CORE, n) == 0);
    kind = -1;

    for (i = 0; core && i < sizeof(apigw_yaml_core_tags) / sizeof(char *); i++)
    {
        if (strcmp(t + n, apigw_yaml_core_tags[i]) == 0) {
            kind = APIGW_YAML_STR + (int) i;
        }
    }

    if (kind < 0) {
        apigw_error_set(ctx->err, ctx->pointer, line,
                        "custom YAML tag \"%s%.200s\" is not supported",
                        core ? "!!" : "", core ? t + n : t);
        return -1;
    }

    if (want == APIGW_YAML_STR
        ? kind == APIGW_YAML_MAP || kind == APIGW_YAML_SEQ
        : kind != want)
    {
        apigw_error_set(ctx->err, ctx->pointer, line,
                        "YAML tag \"!!%s\" cannot be applied to a %s", t + n,
                        want == APIGW_YAML_STR ? "scalar"
                        : want == APIGW_YAML_MAP ? "mapping" : "sequence");
        return -1;
    }

    return kind;
}


/* the kind a core schema word stands for: null, bool, or .inf/.nan (float) */

static int
apigw_yaml_word(const char *p, size_t len, int *truth)
{
    char    s[6];
    size_t  i;

    for (i = 0; i < sizeof(apigw_yaml_words) / sizeof(char *); i++) {
        if (strlen(apigw_yaml_words[i]) == len
            && memcmp(apigw_yaml_words[i], p, len) == 0)
        {
            *truth = (i >= 5 && i < 8);
            return (i < 5) ? APIGW_YAML_NULL : APIGW_YAML_BOOL;
        }
    }

    /* [-+]?.inf and .nan in any case */

    for (i = 0; i < len && i < 5; i++) {
        s[i] = (char) tolower((unsigned char) p[i]);
    }

    s[i] = '\0';
    i = (s[0] == '-' || s[0] == '+');

    if (len == i + 4
        && (strcmp(s + i, ".inf") == 0 || strcmp(s + i, ".nan") == 0))
    {
        return APIGW_YAML_FLOAT;
    }

    return APIGW_YAML_NONE;
}


/*
 * integers (decimal, 0x hex, 0o octal) and floats of the core schema, as
 * the tag allows; 1: a number (*out is NULL if out of memory), 0: not one,
 * -1: too big.  libyaml scalars end with NUL and have no NUL inside.
 */

static int
apigw_yaml_number(const char *p, size_t len, int kind, json_t **out)
{
    int                  base;
    char                *end;
    double               d;
    const char          *q, *set;
    unsigned long long   v;

    base = 10;
    set = APIGW_YAML_DIGITS;
    q = p + (p[0] == '-' || p[0] == '+');

    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'o')) {
        base = (p[1] == 'x') ? 16 : 8;
        set = (base == 16) ? "0123456789abcdefABCDEF" : "01234567";
        q = p + 2;
    }

    if (kind != APIGW_YAML_FLOAT && *q != '\0'
        && strspn(q, set) == len - (size_t) (q - p))
    {
        errno = 0;
        v = strtoull(q, NULL, base);

        if (errno == 0 && v <= (unsigned long long) INT64_MAX + (*p == '-')) {
            *out = json_integer(*p == '-' ? (json_int_t) (0 - v)
                                          : (json_int_t) v);
            return 1;
        }

        /* too big for int64: a real if a double holds it */

        for (d = 0.0; base != 10 && *q != '\0'; q++) {
            d = d * base + (isdigit((unsigned char) *q)
                            ? *q - '0' : (*q | 0x20) - 'a' + 10);
        }

        if (base != 10) {
            goto real;
        }

    } else if (kind == APIGW_YAML_INT) {
        return 0;
    }

    /* on these characters strtod() takes just the core schema floats */

    if (strspn(p, APIGW_YAML_DIGITS "+-.eE") != len) {
        return 0;
    }

    d = strtod(p, &end);

    if (end != p + len) {
        return 0;
    }

real:

    if (isinf(d)) {
        return -1;
    }

    *out = json_real(d);

    return 1;
}


static int
apigw_yaml_next(apigw_yaml_ctx_t *ctx, yaml_event_t *ev)
{
    size_t          i;
    unsigned        line;
    yaml_parser_t  *parser;

    if (yaml_parser_parse(&ctx->parser, ev)) {
        return 0;
    }

    parser = &ctx->parser;
    line = (unsigned) parser->problem_mark.line + 1;

    /* reader errors (bad encoding) have a byte offset, not a mark */

    if (parser->error == YAML_READER_ERROR) {
        for (line = 1, i = 0; i < parser->problem_offset; i++) {
            line += (ctx->input[i] == '\n');
        }
    }

    apigw_error_set(ctx->err, ctx->pointer, line, "YAML syntax error: %s%s%s",
                    parser->problem != NULL ? parser->problem : "out of memory",
                    parser->context != NULL ? " " : "",
                    parser->context != NULL ? parser->context : "");
    return -1;
}


/* an anchor is (re)defined as [node, size, text if a scalar, for keys] */

static int
apigw_yaml_track(apigw_yaml_ctx_t *ctx, json_t *node, yaml_event_t *ev,
    size_t size, int unmapped)
{
    json_t             *a;
    unsigned            line;
    const yaml_char_t  *name;

    line = (unsigned) ev->start_mark.line + 1;

    if (!unmapped && apigw_linemap_add(ctx->lines, node, line) != 0) {
        goto nomem;
    }

    /* anchor and tag lead the data of all node events, as in scalar */

    name = ev->data.scalar.anchor;

    if (name == NULL) {
        return 0;
    }

    a = (ev->type == YAML_SCALAR_EVENT)
        ? json_pack("[O,I,I,s%]", node, (json_int_t) size,
                    (json_int_t) ctx->height,
                    (const char *) ev->data.scalar.value,
                    ev->data.scalar.length)
        : json_pack("[O,I,I]", node, (json_int_t) size,
                    (json_int_t) ctx->height);

    if (json_object_set_new(ctx->anchors, (const char *) name, a) == 0) {
        return 0;
    }

nomem:

    apigw_error_set(ctx->err, ctx->pointer, line, "out of memory");
    return -1;
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
