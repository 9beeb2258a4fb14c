
/*
 * Copyright (C) apigw contributors
 */


#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_vtl.h"


/*
 * The JSONPath subset of $input.json(), $input.path() and parameter
 * mappings: $, .name, ['name'], ["name"], [N], [-N], [*], .*, and the
 * descent forms ..name, ..*, ..[N], ..['name'].  A path compiles to an
 * array of steps; a definite path (no wildcard, no descent) is walked
 * without allocating, the others collect their matches level by level.
 */


typedef enum {
    APIGW_JP_CHILD = 0,                 /* .name, ['name'] */
    APIGW_JP_INDEX,                     /* [N], [-N] */
    APIGW_JP_WILD,                      /* .*, [*] */
    APIGW_JP_DESC_CHILD,                /* ..name */
    APIGW_JP_DESC_INDEX,                /* ..[N] */
    APIGW_JP_DESC_WILD                  /* ..* */
} apigw_jp_kind_e;

typedef struct {
    apigw_jp_kind_e         kind;
    const char             *name;
    size_t                  len;
    json_int_t              index;
} apigw_jp_step_t;

struct apigw_jsonpath_s {
    size_t                  nsteps;
    unsigned                definite:1;
    apigw_jp_step_t        *steps;
    char                   *names;      /* every name, unescaped */
};

/* the nodes selected so far: borrowed pointers */
typedef struct {
    json_t                **nodes;
    size_t                  n;
    size_t                  cap;
} apigw_jp_set_t;


static int apigw_jp_name_char(int c);
static const char *apigw_jp_byte(char c, char *buf);
static const char *apigw_jp_bracket(const char *p, const char *end,
    apigw_jp_step_t *step, char **names, char *errbuf, size_t errlen);
static const char *apigw_jp_quoted(const char *p, const char *end,
    apigw_jp_step_t *step, char **names, char *errbuf, size_t errlen);
static json_t *apigw_jp_child(json_t *node, const apigw_jp_step_t *step);
static int apigw_jp_add(apigw_jp_set_t *set, json_t *node, size_t *visits);
static int apigw_jp_step(const apigw_jp_step_t *step, json_t *node,
    apigw_jp_set_t *out, size_t *visits);
static int apigw_jp_descend(const apigw_jp_step_t *step, json_t *node,
    apigw_jp_set_t *out, size_t *visits);


/*
 * bounds the work of one evaluation: "$..*..*..*" on a large body would
 * otherwise select the same nodes over and over
 */
#define APIGW_JP_MAX_VISITS     1000000


static int
apigw_jp_name_char(int c)
{
    switch (c) {
    case '.': case '[': case ']': case '\'': case '"': case '*':
    case '(': case ')': case '?': case '@': case ',': case '\\':
    case ' ': case '\t': case '\r': case '\n': case '\0':
        return 0;
    default:
        return 1;
    }
}


/* a byte for a message: itself when printable, else \xNN */
static const char *
apigw_jp_byte(char c, char *buf)
{
    if (c >= 0x20 && c < 0x7f) {
        buf[0] = c;
        buf[1] = '\0';

    } else {
        snprintf(buf, 8, "\\x%02x", (unsigned char) c);
    }

    return buf;
}


apigw_jsonpath_t *
apigw_jsonpath_compile(const char *src, size_t len, char *errbuf,
    size_t errlen)
{
    char               byte[8];
    size_t             n, i;
    char              *names;
    const char        *p, *end, *start;
    apigw_jp_step_t   *step;
    apigw_jsonpath_t  *path;

    p = src;
    end = src + len;

    if (p == end || *p != '$') {
        snprintf(errbuf, errlen, "a JSONPath starts with $");
        return NULL;
    }

    /* a step per '.' or '[' at most */
    for (n = 0, i = 0; i < len; i++) {
        n += (src[i] == '.' || src[i] == '[');
    }

    path = calloc(1, sizeof(apigw_jsonpath_t));
    if (path == NULL) {
        goto nomem;
    }

    path->steps = calloc(n ? n : 1, sizeof(apigw_jp_step_t));
    path->names = malloc(len + 1);

    if (path->steps == NULL || path->names == NULL) {
        goto nomem;
    }

    path->definite = 1;
    names = path->names;
    p++;

    while (p < end) {
        step = &path->steps[path->nsteps];

        if (*p == '[') {
            p = apigw_jp_bracket(p, end, step, &names, errbuf, errlen);
            if (p == NULL) {
                goto failed;
            }

            path->nsteps++;
            continue;
        }

        if (*p != '.') {
            snprintf(errbuf, errlen, "unexpected \"%s\" at offset %d in "
                     "JSONPath, expected . or [", apigw_jp_byte(*p, byte),
                     (int) (p - src));
            goto failed;
        }

        p++;

        if (p < end && *p == '.') {
            /* descent: ..name, ..*, ..[N], ..['name'] */
            p++;

            if (p < end && *p == '[') {
                p = apigw_jp_bracket(p, end, step, &names, errbuf, errlen);
                if (p == NULL) {
                    goto failed;
                }

                step->kind = (step->kind == APIGW_JP_INDEX)
                             ? APIGW_JP_DESC_INDEX
                             : (step->kind == APIGW_JP_WILD)
                               ? APIGW_JP_DESC_WILD : APIGW_JP_DESC_CHILD;
                path->nsteps++;
                continue;
            }

            step->kind = APIGW_JP_DESC_CHILD;

        } else {
            step->kind = APIGW_JP_CHILD;
        }

        if (p < end && *p == '*') {
            step->kind = (step->kind == APIGW_JP_CHILD)
                         ? APIGW_JP_WILD : APIGW_JP_DESC_WILD;
            p++;
            path->nsteps++;
            continue;
        }

        for (start = p; p < end; p++) {
            if (!apigw_jp_name_char((unsigned char) *p)) {
                break;
            }
        }

        if (p == start) {
            if (p == end) {
                snprintf(errbuf, errlen, "JSONPath ends with \".\"");

            } else {
                snprintf(errbuf, errlen, "unexpected \"%s\" at offset %d "
                         "in JSONPath, expected a name",
                         apigw_jp_byte(*p, byte), (int) (p - src));
            }

            goto failed;
        }

        memcpy(names, start, p - start);
        step->name = names;
        step->len = p - start;
        names += p - start;
        path->nsteps++;
    }

    for (i = 0; i < path->nsteps; i++) {
        if (path->steps[i].kind != APIGW_JP_CHILD
            && path->steps[i].kind != APIGW_JP_INDEX)
        {
            path->definite = 0;
        }
    }

    return path;

nomem:

    snprintf(errbuf, errlen, "out of memory");

failed:

    apigw_jsonpath_free(path);

    return NULL;
}


/* [N], [-N], [*], ['name'], ["name"] at p */
static const char *
apigw_jp_bracket(const char *p, const char *end, apigw_jp_step_t *step,
    char **names, char *errbuf, size_t errlen)
{
    char               byte[8];
    int          neg;
    json_int_t   n;

    p++;

    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }

    if (p == end) {
        snprintf(errbuf, errlen, "unterminated [ in JSONPath");
        return NULL;
    }

    if (*p == '\'' || *p == '"') {
        p = apigw_jp_quoted(p, end, step, names, errbuf, errlen);
        if (p == NULL) {
            return NULL;
        }

    } else if (*p == '*') {
        step->kind = APIGW_JP_WILD;
        p++;

    } else if (*p == '-' || (*p >= '0' && *p <= '9')) {
        neg = (*p == '-');
        p += neg;

        if (p == end || *p < '0' || *p > '9') {
            snprintf(errbuf, errlen, "bad array index in JSONPath");
            return NULL;
        }

        for (n = 0; p < end && *p >= '0' && *p <= '9'; p++) {
            if (n > (LLONG_MAX - (*p - '0')) / 10) {
                snprintf(errbuf, errlen, "array index too large in "
                         "JSONPath");
                return NULL;
            }

            n = n * 10 + (*p - '0');
        }

        step->kind = APIGW_JP_INDEX;
        step->index = neg ? -n : n;

    } else if (*p == '?') {
        snprintf(errbuf, errlen, "JSONPath filters [?(...)] are not "
                 "supported");
        return NULL;

    } else {
        snprintf(errbuf, errlen, "unexpected \"%s\" after [ in JSONPath",
                 apigw_jp_byte(*p, byte));
        return NULL;
    }

    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }

    if (p < end && (*p == ',' || *p == ':')) {
        snprintf(errbuf, errlen, "JSONPath %s are not supported",
                 *p == ',' ? "unions [a,b]" : "slices [a:b]");
        return NULL;
    }

    if (p == end || *p != ']') {
        snprintf(errbuf, errlen, "unterminated [ in JSONPath");
        return NULL;
    }

    return p + 1;
}


/* 'name' or "name", with \' \" \\ escapes */
static const char *
apigw_jp_quoted(const char *p, const char *end, apigw_jp_step_t *step,
    char **names, char *errbuf, size_t errlen)
{
    char   quote, *out;

    quote = *p++;
    out = *names;
    step->kind = APIGW_JP_CHILD;
    step->name = out;

    for ( ;; ) {
        if (p == end) {
            snprintf(errbuf, errlen, "unterminated %c in JSONPath", quote);
            return NULL;
        }

        if (*p == quote) {
            break;
        }

        if (*p == '\\' && p + 1 < end) {
            p++;
        }

        *out++ = *p++;
    }

    step->len = out - step->name;
    *names = out;

    return p + 1;
}


void
apigw_jsonpath_free(apigw_jsonpath_t *path)
{
    if (path == NULL) {
        return;
    }

    free(path->steps);
    free(path->names);
    free(path);
}


int
apigw_jsonpath_definite(const apigw_jsonpath_t *path)
{
    return path->definite;
}


static json_t *
apigw_jp_child(json_t *node, const apigw_jp_step_t *step)
{
    json_int_t  n, size;

    if (step->kind == APIGW_JP_CHILD || step->kind == APIGW_JP_DESC_CHILD) {
        return json_is_object(node)
               ? json_object_getn(node, step->name, step->len) : NULL;
    }

    if (!json_is_array(node)) {
        return NULL;
    }

    size = (json_int_t) json_array_size(node);
    n = step->index;

    if (n < 0) {
        n += size;
    }

    if (n < 0 || n >= size) {
        return NULL;
    }

    return json_array_get(node, (size_t) n);
}


json_t *
apigw_jsonpath_eval(const apigw_jsonpath_t *path, json_t *root)
{
    size_t           i, k, visits;
    json_t          *node, *result;
    apigw_jp_set_t   cur, next, tmp;

    if (root == NULL) {
        return NULL;
    }

    if (path->definite) {
        node = root;

        for (i = 0; i < path->nsteps && node != NULL; i++) {
            node = apigw_jp_child(node, &path->steps[i]);
        }

        return node ? json_incref(node) : NULL;
    }

    memset(&cur, 0, sizeof(apigw_jp_set_t));
    memset(&next, 0, sizeof(apigw_jp_set_t));
    visits = 0;
    result = NULL;

    if (apigw_jp_add(&cur, root, &visits) != 0) {
        goto done;
    }

    for (i = 0; i < path->nsteps && cur.n; i++) {
        next.n = 0;

        for (k = 0; k < cur.n; k++) {
            if (apigw_jp_step(&path->steps[i], cur.nodes[k], &next, &visits)
                != 0)
            {
                goto done;
            }
        }

        tmp = cur;
        cur = next;
        next = tmp;
    }

    if (cur.n == 0) {
        goto done;
    }

    result = json_array();
    if (result == NULL) {
        goto done;
    }

    for (k = 0; k < cur.n; k++) {
        if (json_array_append(result, cur.nodes[k]) != 0) {
            json_decref(result);
            result = NULL;
            goto done;
        }
    }

done:

    free(cur.nodes);
    free(next.nodes);

    return result;
}


static int
apigw_jp_add(apigw_jp_set_t *set, json_t *node, size_t *visits)
{
    size_t    cap;
    json_t  **nodes;

    if (++*visits > APIGW_JP_MAX_VISITS) {
        return -1;
    }

    if (set->n == set->cap) {
        cap = set->cap ? set->cap * 2 : 16;
        nodes = realloc(set->nodes, cap * sizeof(json_t *));
        if (nodes == NULL) {
            return -1;
        }

        set->nodes = nodes;
        set->cap = cap;
    }

    set->nodes[set->n++] = node;

    return 0;
}


static int
apigw_jp_step(const apigw_jp_step_t *step, json_t *node, apigw_jp_set_t *out,
    size_t *visits)
{
    size_t       i;
    json_t      *child;
    const char  *key;

    switch (step->kind) {

    case APIGW_JP_CHILD:
    case APIGW_JP_INDEX:
        child = apigw_jp_child(node, step);
        return child ? apigw_jp_add(out, child, visits) : 0;

    case APIGW_JP_WILD:
        if (json_is_array(node)) {
            json_array_foreach(node, i, child) {
                if (apigw_jp_add(out, child, visits) != 0) {
                    return -1;
                }
            }

        } else if (json_is_object(node)) {
            json_object_foreach(node, key, child) {
                if (apigw_jp_add(out, child, visits) != 0) {
                    return -1;
                }
            }
        }

        return 0;

    default:
        return apigw_jp_descend(step, node, out, visits);
    }
}


/*
 * ..name, ..[N], ..*: the node and its descendants in document order
 * (pre-order), with an explicit stack: bodies nest up to jansson's 2048
 * levels, trees built by hand may nest deeper
 */
static int
apigw_jp_descend(const apigw_jp_step_t *step, json_t *node,
    apigw_jp_set_t *out, size_t *visits)
{
    int              rc;
    size_t           i, n;
    json_t          *child, *cur;
    const char      *key;
    apigw_jp_set_t   stack;
    void            *iter;

    memset(&stack, 0, sizeof(apigw_jp_set_t));
    rc = -1;

    if (apigw_jp_add(&stack, node, visits) != 0) {
        goto done;
    }

    while (stack.n) {
        cur = stack.nodes[--stack.n];

        if (step->kind == APIGW_JP_DESC_WILD) {
            /* every descendant, not the node the descent starts from */
            if (cur != node && apigw_jp_add(out, cur, visits) != 0) {
                goto done;
            }

        } else {
            child = apigw_jp_child(cur, step);

            if (child != NULL && apigw_jp_add(out, child, visits) != 0) {
                goto done;
            }
        }

        /* children pushed last first, so they pop in order */
        if (json_is_array(cur)) {
            n = json_array_size(cur);

            for (i = n; i > 0; i--) {
                child = json_array_get(cur, i - 1);

                if (json_is_array(child) || json_is_object(child)
                    || step->kind == APIGW_JP_DESC_WILD)
                {
                    if (apigw_jp_add(&stack, child, visits) != 0) {
                        goto done;
                    }
                }
            }

        } else if (json_is_object(cur)) {
            n = stack.n;

            json_object_foreach(cur, key, child) {
                if (json_is_array(child) || json_is_object(child)
                    || step->kind == APIGW_JP_DESC_WILD)
                {
                    if (apigw_jp_add(&stack, child, visits) != 0) {
                        goto done;
                    }
                }
            }

            /* reverse what this object pushed */
            for (i = n, n = stack.n; i + 1 < n; i++, n--) {
                iter = stack.nodes[i];
                stack.nodes[i] = stack.nodes[n - 1];
                stack.nodes[n - 1] = iter;
            }
        }
    }

    rc = 0;

done:

    free(stack.nodes);

    return rc;
}
