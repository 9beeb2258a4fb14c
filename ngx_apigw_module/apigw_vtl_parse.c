
/*
 * Copyright (C) apigw contributors
 */


#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_vtl_int.h"


/*
 * The template parser, run once at load time.  It works in three passes:
 * the scanner cuts the source into items (text up to and including each
 * newline, references, directives with their arguments parsed, comments);
 * lines that hold only directives, comments and blanks lose their blanks
 * and newline; then the items are nested into the tree by #if/#foreach/
 * #end.  Expressions, JSONPath and regex literals are compiled on the way,
 * so rendering never parses.  Nodes and strings live in one arena.
 */


typedef enum {
    APIGW_VTL_IT_TEXT = 0,
    APIGW_VTL_IT_NODE,                  /* a reference, #set, #break... */
    APIGW_VTL_IT_DIR,                   /* #if, #elseif, #else, #end... */
    APIGW_VTL_IT_COMMENT,               /* #* ... *# */
    APIGW_VTL_IT_EOL_COMMENT            /* ## ... and its newline */
} apigw_vtl_item_kind_e;

typedef enum {
    APIGW_VTL_D_IF = 0,
    APIGW_VTL_D_ELSEIF,
    APIGW_VTL_D_ELSE,
    APIGW_VTL_D_END,
    APIGW_VTL_D_FOREACH,
    APIGW_VTL_D_SET,
    APIGW_VTL_D_BREAK,
    APIGW_VTL_D_STOP
} apigw_vtl_dir_e;

typedef struct {
    apigw_vtl_item_kind_e   kind;
    apigw_vtl_dir_e         dir;
    unsigned                line;
    unsigned                removed:1;
    const char             *data;       /* text */
    size_t                  len;
    apigw_vtl_node_t       *node;       /* IT_NODE, #foreach */
    apigw_vtl_expr_t       *expr;       /* #if, #elseif */
} apigw_vtl_item_t;

typedef struct {
    apigw_vtl_item_t       *items;
    size_t                  n;
    size_t                  cap;
} apigw_vtl_items_t;

typedef struct {
    const char             *name;
    size_t                  len;
    unsigned                slot;
} apigw_vtl_name_t;

typedef struct {
    apigw_vtl_t            *tpl;
    const char             *src;
    const char             *p;
    const char             *end;        /* of the text being scanned */
    const char             *lpos;       /* a known line start... */
    unsigned                lline;      /* ...and its number */
    unsigned                depth;
    char                   *errbuf;
    size_t                  errlen;
    apigw_vtl_name_t       *names;      /* variables, open addressing */
    size_t                  nnames;
    size_t                  size;
} apigw_vtl_parser_t;


static unsigned apigw_vtl_line(apigw_vtl_parser_t *ps, const char *pos);
static void *apigw_vtl_perr(apigw_vtl_parser_t *ps, const char *pos,
    const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void *apigw_vtl_nomem(apigw_vtl_parser_t *ps);
static char *apigw_vtl_strdup(apigw_vtl_parser_t *ps, const char *s,
    size_t len);
static int apigw_vtl_slot(apigw_vtl_parser_t *ps, const char *name,
    size_t len, unsigned *slot);
static apigw_vtl_item_t *apigw_vtl_item(apigw_vtl_parser_t *ps,
    apigw_vtl_items_t *items, apigw_vtl_item_kind_e kind, const char *pos);
static int apigw_vtl_text_item(apigw_vtl_parser_t *ps,
    apigw_vtl_items_t *items, const char *data, size_t len);
static int apigw_vtl_scan(apigw_vtl_parser_t *ps, apigw_vtl_items_t *items,
    int dq);
static int apigw_vtl_scan_hash(apigw_vtl_parser_t *ps,
    apigw_vtl_items_t *items);
static int apigw_vtl_directive(apigw_vtl_parser_t *ps,
    apigw_vtl_items_t *items, apigw_vtl_dir_e dir, const char *start);
static void apigw_vtl_gobble(apigw_vtl_items_t *items);
static int apigw_vtl_build(apigw_vtl_parser_t *ps, apigw_vtl_items_t *items,
    size_t *i, unsigned loops, apigw_vtl_node_t **list,
    apigw_vtl_item_t **stop);
static int apigw_vtl_build_top(apigw_vtl_parser_t *ps,
    apigw_vtl_items_t *items, apigw_vtl_node_t **list);
static apigw_vtl_node_t *apigw_vtl_build_text(apigw_vtl_parser_t *ps,
    apigw_vtl_items_t *items, size_t *i);

static void apigw_vtl_skip_ws(apigw_vtl_parser_t *ps);
static int apigw_vtl_word(apigw_vtl_parser_t *ps, const char *word);
static apigw_vtl_expr_t *apigw_vtl_new_expr(apigw_vtl_parser_t *ps,
    apigw_vtl_expr_kind_e kind, const char *pos);
static apigw_vtl_expr_t *apigw_vtl_parse_ref(apigw_vtl_parser_t *ps,
    int in_text);
static apigw_vtl_expr_t *apigw_vtl_parse_root(apigw_vtl_parser_t *ps,
    const char *start, const char *name, size_t len);
static apigw_vtl_expr_t *apigw_vtl_parse_input(apigw_vtl_parser_t *ps,
    const char *start);
static apigw_vtl_expr_t *apigw_vtl_parse_util(apigw_vtl_parser_t *ps,
    const char *start);
static int apigw_vtl_member(apigw_vtl_parser_t *ps, const char **name,
    size_t *len);
static int apigw_vtl_parse_args(apigw_vtl_parser_t *ps,
    apigw_vtl_expr_t ***args, unsigned *nargs);
static int apigw_vtl_parse_method(apigw_vtl_parser_t *ps,
    apigw_vtl_acc_t *acc, const char *pos, const char *name, size_t len);
static apigw_vtl_expr_t *apigw_vtl_parse_expr(apigw_vtl_parser_t *ps);
static apigw_vtl_expr_t *apigw_vtl_parse_binary(apigw_vtl_parser_t *ps,
    int level);
static apigw_vtl_expr_t *apigw_vtl_parse_unary(apigw_vtl_parser_t *ps);
static apigw_vtl_expr_t *apigw_vtl_parse_primary(apigw_vtl_parser_t *ps);
static apigw_vtl_expr_t *apigw_vtl_parse_number(apigw_vtl_parser_t *ps);
static apigw_vtl_expr_t *apigw_vtl_parse_squote(apigw_vtl_parser_t *ps);
static apigw_vtl_expr_t *apigw_vtl_parse_dquote(apigw_vtl_parser_t *ps);
static apigw_vtl_expr_t *apigw_vtl_parse_list(apigw_vtl_parser_t *ps);
static apigw_vtl_expr_t *apigw_vtl_parse_map(apigw_vtl_parser_t *ps);
static int apigw_vtl_add_res(apigw_vtl_parser_t *ps, apigw_jsonpath_t *path,
    void *regex);


#define apigw_vtl_ident_start(c)                                              \
    (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z') || (c) == '_')

/* as in Velocity 1.7, a name may hold '-' after its first character */
#define apigw_vtl_ident_char(c)                                               \
    (apigw_vtl_ident_start(c) || ((c) >= '0' && (c) <= '9') || (c) == '-')

#define apigw_vtl_ws(c)                                                       \
    ((c) == ' ' || (c) == '\t' || (c) == '\r' || (c) == '\n')

#define APIGW_VTL_CHUNK_SIZE    4096
#define APIGW_VTL_ALIGN(n)      (((n) + 7) & ~((size_t) 7))


const apigw_vtl_method_t  apigw_vtl_methods[APIGW_VTL_M_COUNT] = {
    { "size", 0, 0, 0 },
    { "length", 0, 0, 0 },
    { "isEmpty", 0, 0, 0 },
    { "get", 1, 1, 0 },
    { "keySet", 0, 0, 0 },
    { "values", 0, 0, 0 },
    { "entrySet", 0, 0, 0 },
    { "contains", 1, 1, 0 },
    { "containsKey", 1, 1, 0 },
    { "containsValue", 1, 1, 0 },
    { "toString", 0, 0, 0 },
    { "toLowerCase", 0, 0, 0 },
    { "toUpperCase", 0, 0, 0 },
    { "trim", 0, 0, 0 },
    { "substring", 1, 2, 0 },
    { "charAt", 1, 1, 0 },
    { "replace", 2, 2, 0 },
    { "replaceAll", 2, 2, 1 },
    { "replaceFirst", 2, 2, 1 },
    { "matches", 1, 1, 1 },
    { "split", 1, 1, 1 },
    { "startsWith", 1, 1, 0 },
    { "endsWith", 1, 1, 0 },
    { "indexOf", 1, 1, 0 },
    { "lastIndexOf", 1, 1, 0 },
    { "equals", 1, 1, 0 },
    { "equalsIgnoreCase", 1, 1, 0 },
    { "concat", 1, 1, 0 }
};


static const char  *apigw_vtl_util_names[] = {
    "escapeJavaScript", "urlEncode", "urlDecode", "base64Encode",
    "base64Decode", "parseJson", "toJson", NULL
};

static const char  *apigw_vtl_loop_props[] = {
    "hasNext", "index", "count", "first", "last", NULL
};

static const struct {
    const char             *name;
    int                     dir;        /* -1: not supported */
} apigw_vtl_directives[] = {
    { "if", APIGW_VTL_D_IF },
    { "elseif", APIGW_VTL_D_ELSEIF },
    { "else", APIGW_VTL_D_ELSE },
    { "end", APIGW_VTL_D_END },
    { "foreach", APIGW_VTL_D_FOREACH },
    { "set", APIGW_VTL_D_SET },
    { "break", APIGW_VTL_D_BREAK },
    { "stop", APIGW_VTL_D_STOP },
    { "macro", -1 },
    { "define", -1 },
    { "parse", -1 },
    { "include", -1 },
    { "evaluate", -1 },
    { NULL, 0 }
};


void *
apigw_vtl_alloc(apigw_vtl_t *tpl, size_t size)
{
    size_t              n;
    apigw_vtl_chunk_t  *c;

    size = APIGW_VTL_ALIGN(size ? size : 1);
    c = tpl->arena;

    if (c == NULL || c->size - c->used < size) {
        n = size > APIGW_VTL_CHUNK_SIZE / 4 ? size : APIGW_VTL_CHUNK_SIZE;
        c = malloc(APIGW_VTL_ALIGN(sizeof(apigw_vtl_chunk_t)) + n);
        if (c == NULL) {
            return NULL;
        }

        c->size = n;
        c->used = 0;

        if (tpl->arena != NULL && n != APIGW_VTL_CHUNK_SIZE) {
            /* a big block: keep filling the current chunk */
            c->next = tpl->arena->next;
            tpl->arena->next = c;

        } else {
            c->next = tpl->arena;
            tpl->arena = c;
        }
    }

    n = c->used;
    c->used += size;

    return (char *) c + APIGW_VTL_ALIGN(sizeof(apigw_vtl_chunk_t)) + n;
}


static unsigned
apigw_vtl_line(apigw_vtl_parser_t *ps, const char *pos)
{
    const char  *p;

    if (pos < ps->lpos) {
        ps->lpos = ps->src;
        ps->lline = 1;
    }

    for (p = ps->lpos; p < pos; p++) {
        if (*p == '\n') {
            ps->lline++;
        }
    }

    ps->lpos = pos;

    return ps->lline;
}


static void *
apigw_vtl_perr(apigw_vtl_parser_t *ps, const char *pos, const char *fmt, ...)
{
    int      n;
    va_list  args;

    n = snprintf(ps->errbuf, ps->errlen, "line %u: ",
                 apigw_vtl_line(ps, pos));

    if (n > 0 && (size_t) n < ps->errlen) {
        va_start(args, fmt);
        vsnprintf(ps->errbuf + n, ps->errlen - n, fmt, args);
        va_end(args);
    }

    return NULL;
}


static void *
apigw_vtl_nomem(apigw_vtl_parser_t *ps)
{
    snprintf(ps->errbuf, ps->errlen, "line %u: out of memory",
             apigw_vtl_line(ps, ps->p));

    return NULL;
}


static char *
apigw_vtl_strdup(apigw_vtl_parser_t *ps, const char *s, size_t len)
{
    char  *p;

    p = apigw_vtl_alloc(ps->tpl, len + 1);
    if (p == NULL) {
        return apigw_vtl_nomem(ps);
    }

    memcpy(p, s, len);
    p[len] = '\0';

    return p;
}


static size_t
apigw_vtl_hash(const char *name, size_t len)
{
    size_t  i, h;

    for (h = 2166136261u, i = 0; i < len; i++) {
        h = (h ^ (unsigned char) name[i]) * 16777619u;
    }

    return h;
}


/* a variable's slot: names are interned once, values live in an array */
static int
apigw_vtl_slot(apigw_vtl_parser_t *ps, const char *name, size_t len,
    unsigned *slot)
{
    size_t             i, h, size;
    apigw_vtl_name_t  *names, *e;

    if (ps->nnames * 2 >= ps->size) {
        size = ps->size ? ps->size * 2 : 64;
        names = calloc(size, sizeof(apigw_vtl_name_t));
        if (names == NULL) {
            apigw_vtl_nomem(ps);
            return -1;
        }

        for (i = 0; i < ps->size; i++) {
            e = &ps->names[i];

            if (e->name == NULL) {
                continue;
            }

            h = apigw_vtl_hash(e->name, e->len) & (size - 1);

            while (names[h].name != NULL) {
                h = (h + 1) & (size - 1);
            }

            names[h] = *e;
        }

        free(ps->names);
        ps->names = names;
        ps->size = size;
    }

    h = apigw_vtl_hash(name, len) & (ps->size - 1);

    for ( ;; ) {
        e = &ps->names[h];

        if (e->name == NULL) {
            break;
        }

        if (e->len == len && memcmp(e->name, name, len) == 0) {
            *slot = e->slot;
            return 0;
        }

        h = (h + 1) & (ps->size - 1);
    }

    e->name = name;
    e->len = len;
    e->slot = ps->tpl->nvars++;
    ps->nnames++;
    *slot = e->slot;

    return 0;
}


static apigw_vtl_item_t *
apigw_vtl_item(apigw_vtl_parser_t *ps, apigw_vtl_items_t *items,
    apigw_vtl_item_kind_e kind, const char *pos)
{
    size_t             cap;
    apigw_vtl_item_t  *it;

    if (items->n == items->cap) {
        cap = items->cap ? items->cap * 2 : 32;
        it = realloc(items->items, cap * sizeof(apigw_vtl_item_t));
        if (it == NULL) {
            return apigw_vtl_nomem(ps);
        }

        items->items = it;
        items->cap = cap;
    }

    it = &items->items[items->n++];
    memset(it, 0, sizeof(apigw_vtl_item_t));
    it->kind = kind;
    it->line = apigw_vtl_line(ps, pos);

    return it;
}


static int
apigw_vtl_text_item(apigw_vtl_parser_t *ps, apigw_vtl_items_t *items,
    const char *data, size_t len)
{
    apigw_vtl_item_t  *it;

    if (len == 0) {
        return 0;
    }

    it = apigw_vtl_item(ps, items, APIGW_VTL_IT_TEXT, data);
    if (it == NULL) {
        return -1;
    }

    it->data = data;
    it->len = len;

    return 0;
}


/*
 * items from ps->p to ps->end; dq: the inside of a "..." string literal,
 * where \" and "" stand for a quote
 */
static int
apigw_vtl_scan(apigw_vtl_parser_t *ps, apigw_vtl_items_t *items, int dq)
{
    size_t             n;
    const char        *p, *q, *lit;
    apigw_vtl_expr_t  *expr;
    apigw_vtl_item_t  *it;

    p = ps->p;
    lit = p;

    while (p < ps->end) {

        switch (*p) {

        case '\n':
            /* a text item ends with its line: gobbling works on lines */
            p++;
            if (apigw_vtl_text_item(ps, items, lit, p - lit) != 0) {
                return -1;
            }

            lit = p;
            continue;

        case '\\':
            for (q = p; q < ps->end && *q == '\\'; q++) {
                /* void */
            }

            n = q - p;

            if (q < ps->end && (*q == '$' || *q == '#')) {
                /* \$ and \# are literal, \\ before them a backslash */
                if (apigw_vtl_text_item(ps, items, lit, p - lit) != 0
                    || apigw_vtl_text_item(ps, items, p, n / 2) != 0)
                {
                    return -1;
                }

                if (n % 2) {
                    if (apigw_vtl_text_item(ps, items, q, 1) != 0) {
                        return -1;
                    }

                    q++;
                }

                p = q;
                lit = p;
                continue;
            }

            if (dq && n == 1 && q < ps->end && *q == '"') {
                if (apigw_vtl_text_item(ps, items, lit, p - lit) != 0
                    || apigw_vtl_text_item(ps, items, q, 1) != 0)
                {
                    return -1;
                }

                p = q + 1;
                lit = p;
                continue;
            }

            p = q;
            continue;

        case '"':
            if (dq && p + 1 < ps->end && p[1] == '"') {
                if (apigw_vtl_text_item(ps, items, lit, p + 1 - lit) != 0) {
                    return -1;
                }

                p += 2;
                lit = p;
                continue;
            }

            break;

        case '$':
            q = p + 1;
            q += (q < ps->end && *q == '!');
            q += (q < ps->end && *q == '{');

            if (q == ps->end || !apigw_vtl_ident_start(*q)) {
                break;
            }

            if (apigw_vtl_text_item(ps, items, lit, p - lit) != 0) {
                return -1;
            }

            ps->p = p;

            expr = apigw_vtl_parse_ref(ps, 1);
            if (expr == NULL) {
                return -1;
            }

            it = apigw_vtl_item(ps, items, APIGW_VTL_IT_NODE, p);
            if (it == NULL) {
                return -1;
            }

            it->node = apigw_vtl_alloc(ps->tpl, sizeof(apigw_vtl_node_t));
            if (it->node == NULL) {
                apigw_vtl_nomem(ps);
                return -1;
            }

            memset(it->node, 0, sizeof(apigw_vtl_node_t));
            it->node->kind = APIGW_VTL_REF;
            it->node->line = it->line;
            it->node->u.expr = expr;

            p = ps->p;
            lit = p;
            continue;

        case '#':
            if (apigw_vtl_text_item(ps, items, lit, p - lit) != 0) {
                return -1;
            }

            ps->p = p;

            if (apigw_vtl_scan_hash(ps, items) != 0) {
                return -1;
            }

            if (ps->p == p) {
                /* not a directive: "#" is text */
                lit = p;
                p++;
                continue;
            }

            p = ps->p;
            lit = p;
            continue;

        default:
            break;
        }

        p++;
    }

    ps->p = p;

    return apigw_vtl_text_item(ps, items, lit, p - lit);
}


/* at '#': a comment, raw text or a directive, or ps->p left at the '#' */
static int
apigw_vtl_scan_hash(apigw_vtl_parser_t *ps, apigw_vtl_items_t *items)
{
    int                braced, i;
    size_t             len;
    const char        *p, *q, *name;
    apigw_vtl_item_t  *it;

    p = ps->p;
    q = p + 1;

    if (q < ps->end && *q == '#') {
        /* ## to the end of the line, the newline included */
        q = memchr(q, '\n', ps->end - q);
        q = q ? q + 1 : ps->end;

        if (apigw_vtl_item(ps, items, APIGW_VTL_IT_EOL_COMMENT, p) == NULL) {
            return -1;
        }

        ps->p = q;
        return 0;
    }

    if (q < ps->end && *q == '*') {
        for (q++; q + 1 < ps->end; q++) {
            if (q[0] == '*' && q[1] == '#') {
                break;
            }
        }

        if (q + 1 >= ps->end) {
            apigw_vtl_perr(ps, p, "unterminated comment #*");
            return -1;
        }

        if (apigw_vtl_item(ps, items, APIGW_VTL_IT_COMMENT, p) == NULL) {
            return -1;
        }

        ps->p = q + 2;
        return 0;
    }

    if (ps->end - q >= 2 && q[0] == '[' && q[1] == '[') {
        /* #[[ raw text ]]# */
        for (q += 2; ps->end - q >= 3; q++) {
            if (q[0] == ']' && q[1] == ']' && q[2] == '#') {
                break;
            }
        }

        if (ps->end - q < 3) {
            apigw_vtl_perr(ps, p, "unterminated #[[");
            return -1;
        }

        it = apigw_vtl_item(ps, items, APIGW_VTL_IT_TEXT, p);
        if (it == NULL) {
            return -1;
        }

        it->data = p + 3;
        it->len = q - (p + 3);
        /* raw text is never a blank line to gobble */
        it->dir = APIGW_VTL_D_STOP;

        ps->p = q + 3;
        return 0;
    }

    braced = (q < ps->end && *q == '{');
    q += braced;
    name = q;

    while (q < ps->end && (apigw_vtl_ident_start(*q)
                           || (*q >= '0' && *q <= '9')))
    {
        q++;
    }

    len = q - name;

    if (len == 0 || (braced && (q == ps->end || *q != '}'))) {
        return 0;
    }

    for (i = 0; apigw_vtl_directives[i].name != NULL; i++) {
        if (strlen(apigw_vtl_directives[i].name) == len
            && memcmp(apigw_vtl_directives[i].name, name, len) == 0)
        {
            break;
        }
    }

    if (apigw_vtl_directives[i].name == NULL) {
        return 0;
    }

    if (apigw_vtl_directives[i].dir < 0) {
        apigw_vtl_perr(ps, p, "unsupported directive #%.*s", (int) len,
                       name);
        return -1;
    }

    ps->p = q + braced;

    return apigw_vtl_directive(ps, items, apigw_vtl_directives[i].dir, p);
}


/* a directive's arguments, ps->p after its name */
static int
apigw_vtl_directive(apigw_vtl_parser_t *ps, apigw_vtl_items_t *items,
    apigw_vtl_dir_e dir, const char *start)
{
    const char        *p, *name;
    apigw_vtl_node_t  *node;
    apigw_vtl_expr_t  *lhs, *expr;
    apigw_vtl_item_t  *it;

    static const char  *names[] = {
        "#if", "#elseif", "#else", "#end", "#foreach", "#set", "#break",
        "#stop"
    };

    name = names[dir];

    if (dir == APIGW_VTL_D_ELSE || dir == APIGW_VTL_D_END) {
        it = apigw_vtl_item(ps, items, APIGW_VTL_IT_DIR, start);
        if (it == NULL) {
            return -1;
        }

        it->dir = dir;
        return 0;
    }

    node = apigw_vtl_alloc(ps->tpl, sizeof(apigw_vtl_node_t));
    if (node == NULL) {
        apigw_vtl_nomem(ps);
        return -1;
    }

    memset(node, 0, sizeof(apigw_vtl_node_t));
    node->line = apigw_vtl_line(ps, start);

    if (dir == APIGW_VTL_D_BREAK || dir == APIGW_VTL_D_STOP) {
        node->kind = (dir == APIGW_VTL_D_BREAK) ? APIGW_VTL_BREAK
                                                : APIGW_VTL_STOP;
        goto done;
    }

    /* Velocity allows blanks between the name and "(" */
    for (p = ps->p; p < ps->end && (*p == ' ' || *p == '\t'); p++) {
        /* void */
    }

    if (p == ps->end || *p != '(') {
        apigw_vtl_perr(ps, start, "%s without (", name);
        return -1;
    }

    ps->p = p + 1;
    ps->depth++;

    if (ps->depth > APIGW_VTL_MAX_DEPTH) {
        apigw_vtl_perr(ps, start, "nesting deeper than %d levels",
                       APIGW_VTL_MAX_DEPTH);
        return -1;
    }

    apigw_vtl_skip_ws(ps);

    switch (dir) {

    case APIGW_VTL_D_SET:
    case APIGW_VTL_D_FOREACH:
        p = ps->p;

        if (p == ps->end || *p != '$') {
            apigw_vtl_perr(ps, p, "%s needs a $variable", name);
            return -1;
        }

        if (p + 1 == ps->end || (!apigw_vtl_ident_start(p[1])
                                 && p[1] != '!' && p[1] != '{'))
        {
            apigw_vtl_perr(ps, p, "%s needs a $variable", name);
            return -1;
        }

        lhs = apigw_vtl_parse_ref(ps, 0);
        if (lhs == NULL) {
            return -1;
        }

        apigw_vtl_skip_ws(ps);

        if (dir == APIGW_VTL_D_FOREACH) {
            if (lhs->kind != APIGW_VTL_E_VAR) {
                apigw_vtl_perr(ps, p, "#foreach needs a plain $variable "
                               "before \"in\"");
                return -1;
            }

            if (!apigw_vtl_word(ps, "in")) {
                apigw_vtl_perr(ps, ps->p, "#foreach($x in ...) expected");
                return -1;
            }

            node->kind = APIGW_VTL_FOREACH;
            node->u.loop.var = lhs->u.var;

        } else {
            if (ps->p == ps->end || *ps->p != '='
                || (ps->p + 1 < ps->end && ps->p[1] == '='))
            {
                apigw_vtl_perr(ps, ps->p, "#set($x = ...) expected");
                return -1;
            }

            ps->p++;

            if (lhs->kind == APIGW_VTL_E_VAR) {
                node->kind = APIGW_VTL_SET;
                node->u.set.var = lhs->u.var;

            } else if (lhs->kind == APIGW_VTL_E_CONTEXT
                       && ((lhs->u.str.len > 16
                            && memcmp(lhs->u.str.data, "requestOverride.",
                                      16) == 0)
                           || (lhs->u.str.len > 17
                               && memcmp(lhs->u.str.data,
                                         "responseOverride.", 17) == 0)))
            {
                node->kind = APIGW_VTL_SET_CONTEXT;
                node->u.set.name = lhs->u.str.data;
                node->u.set.len = lhs->u.str.len;

            } else if (lhs->kind == APIGW_VTL_E_CHAIN) {
                apigw_vtl_perr(ps, p, "#set of a property or an element "
                               "is not supported, only of a $variable");
                return -1;

            } else {
                apigw_vtl_perr(ps, p, "#set cannot assign this reference");
                return -1;
            }
        }

        break;

    default:
        break;
    }

    expr = apigw_vtl_parse_expr(ps);
    if (expr == NULL) {
        return -1;
    }

    apigw_vtl_skip_ws(ps);

    if (ps->p == ps->end || *ps->p != ')') {
        if (ps->p == ps->end) {
            apigw_vtl_perr(ps, start, "%s without )", name);

        } else {
            apigw_vtl_perr(ps, ps->p, "unexpected \"%c\" in %s(...)",
                           *ps->p, name);
        }

        return -1;
    }

    ps->p++;
    ps->depth--;

    if (dir == APIGW_VTL_D_IF || dir == APIGW_VTL_D_ELSEIF) {
        it = apigw_vtl_item(ps, items, APIGW_VTL_IT_DIR, start);
        if (it == NULL) {
            return -1;
        }

        it->dir = dir;
        it->expr = expr;
        return 0;
    }

    if (dir == APIGW_VTL_D_FOREACH) {
        node->u.loop.expr = expr;

    } else {
        node->u.set.expr = expr;
    }

done:

    it = apigw_vtl_item(ps, items, dir == APIGW_VTL_D_FOREACH
                                   ? APIGW_VTL_IT_DIR : APIGW_VTL_IT_NODE,
                        start);
    if (it == NULL) {
        return -1;
    }

    it->dir = dir;
    it->node = node;

    return 0;
}


/*
 * a line holding nothing but directives, comments and blanks renders as
 * nothing: its blanks and newline go, so JSON templates come out clean
 */
static void
apigw_vtl_gobble(apigw_vtl_items_t *items)
{
    int                blank, dirs;
    size_t             i, j, k;
    const char        *p, *end;
    apigw_vtl_item_t  *it;

    for (i = 0; i < items->n; i = j + 1) {
        blank = 1;
        dirs = 0;

        for (j = i; j < items->n; j++) {
            it = &items->items[j];

            if (it->kind == APIGW_VTL_IT_TEXT) {
                end = it->data + it->len;

                for (p = it->data; p < end; p++) {
                    if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
                    {
                        blank = 0;
                    }
                }

                /* raw #[[...]]# text counts as content */
                if (it->dir == APIGW_VTL_D_STOP) {
                    blank = 0;
                }

                if (it->len && end[-1] == '\n') {
                    break;
                }

            } else if (it->kind == APIGW_VTL_IT_EOL_COMMENT) {
                dirs++;
                break;

            } else if (it->kind == APIGW_VTL_IT_NODE
                       && it->node->kind == APIGW_VTL_REF)
            {
                blank = 0;

            } else {
                dirs++;
            }
        }

        if (!blank || dirs == 0) {
            continue;
        }

        for (k = i; k <= j && k < items->n; k++) {
            if (items->items[k].kind == APIGW_VTL_IT_TEXT) {
                items->items[k].removed = 1;
            }
        }
    }
}


/* adjacent text items, with comments and gobbled blanks between, merged */
static apigw_vtl_node_t *
apigw_vtl_build_text(apigw_vtl_parser_t *ps, apigw_vtl_items_t *items,
    size_t *i)
{
    char              *p;
    size_t             j, len;
    apigw_vtl_item_t  *it;
    apigw_vtl_node_t  *node;

    len = 0;

    for (j = *i; j < items->n; j++) {
        it = &items->items[j];

        if (it->kind == APIGW_VTL_IT_TEXT) {
            len += it->removed ? 0 : it->len;

        } else if (it->kind != APIGW_VTL_IT_COMMENT
                   && it->kind != APIGW_VTL_IT_EOL_COMMENT)
        {
            break;
        }
    }

    if (len == 0) {
        *i = j;
        return (apigw_vtl_node_t *) items;  /* nothing, not an error */
    }

    node = apigw_vtl_alloc(ps->tpl, sizeof(apigw_vtl_node_t));
    p = apigw_vtl_alloc(ps->tpl, len);

    if (node == NULL || p == NULL) {
        return apigw_vtl_nomem(ps);
    }

    memset(node, 0, sizeof(apigw_vtl_node_t));
    node->kind = APIGW_VTL_TEXT;
    node->line = items->items[*i].line;
    node->u.text.data = p;
    node->u.text.len = len;
    ps->tpl->text_len += len;

    for ( ; *i < j; (*i)++) {
        it = &items->items[*i];

        if (it->kind == APIGW_VTL_IT_TEXT && !it->removed) {
            memcpy(p, it->data, it->len);
            p += it->len;
        }
    }

    return node;
}


/*
 * nodes from items[*i] up to an #elseif, #else or #end (*stop) or the end
 * (*stop NULL); loops: the #foreach levels around, for #break
 */
static int
apigw_vtl_build(apigw_vtl_parser_t *ps, apigw_vtl_items_t *items, size_t *i,
    unsigned loops, apigw_vtl_node_t **list, apigw_vtl_item_t **stop)
{
    int                  seen_else;
    apigw_vtl_item_t    *it, *end;
    apigw_vtl_node_t    *node, **tail;
    apigw_vtl_branch_t  *br, **btail;

    tail = list;
    *list = NULL;
    *stop = NULL;

    while (*i < items->n) {
        it = &items->items[*i];

        switch (it->kind) {

        case APIGW_VTL_IT_TEXT:
        case APIGW_VTL_IT_COMMENT:
        case APIGW_VTL_IT_EOL_COMMENT:
            node = apigw_vtl_build_text(ps, items, i);
            if (node == NULL) {
                return -1;
            }

            if (node == (apigw_vtl_node_t *) items) {
                continue;
            }

            break;

        case APIGW_VTL_IT_NODE:
            (*i)++;
            node = it->node;

            if (node->kind == APIGW_VTL_BREAK && loops == 0) {
                apigw_vtl_perr(ps, ps->src, "#break outside #foreach");
                snprintf(ps->errbuf, ps->errlen, "line %u: #break outside "
                         "#foreach", it->line);
                return -1;
            }

            break;

        default:
            (*i)++;

            if (it->dir == APIGW_VTL_D_ELSEIF || it->dir == APIGW_VTL_D_ELSE
                || it->dir == APIGW_VTL_D_END)
            {
                *stop = it;
                return 0;
            }

            if (++ps->depth > APIGW_VTL_MAX_DEPTH) {
                snprintf(ps->errbuf, ps->errlen, "line %u: nesting deeper "
                         "than %d levels", it->line, APIGW_VTL_MAX_DEPTH);
                return -1;
            }

            if (it->dir == APIGW_VTL_D_FOREACH) {
                node = it->node;

                if (apigw_vtl_build(ps, items, i, loops + 1,
                                    &node->u.loop.body, &end)
                    != 0)
                {
                    return -1;
                }

                if (end == NULL) {
                    snprintf(ps->errbuf, ps->errlen, "line %u: #foreach "
                             "without #end", it->line);
                    return -1;
                }

                if (end->dir != APIGW_VTL_D_END) {
                    snprintf(ps->errbuf, ps->errlen, "line %u: %s without "
                             "#if", end->line,
                             end->dir == APIGW_VTL_D_ELSE ? "#else"
                                                          : "#elseif");
                    return -1;
                }

                ps->depth--;
                break;
            }

            /* #if */
            node = apigw_vtl_alloc(ps->tpl, sizeof(apigw_vtl_node_t));
            if (node == NULL) {
                apigw_vtl_nomem(ps);
                return -1;
            }

            memset(node, 0, sizeof(apigw_vtl_node_t));
            node->kind = APIGW_VTL_IF;
            node->line = it->line;
            btail = &node->u.branches;
            end = it;
            seen_else = 0;

            for ( ;; ) {
                br = apigw_vtl_alloc(ps->tpl, sizeof(apigw_vtl_branch_t));
                if (br == NULL) {
                    apigw_vtl_nomem(ps);
                    return -1;
                }

                br->cond = end->expr;
                br->next = NULL;
                *btail = br;
                btail = &br->next;

                if (apigw_vtl_build(ps, items, i, loops, &br->body, &end)
                    != 0)
                {
                    return -1;
                }

                if (end == NULL) {
                    snprintf(ps->errbuf, ps->errlen, "line %u: #if without "
                             "#end", it->line);
                    return -1;
                }

                if (end->dir == APIGW_VTL_D_END) {
                    break;
                }

                if (seen_else) {
                    snprintf(ps->errbuf, ps->errlen, "line %u: %s after "
                             "#else", end->line,
                             end->dir == APIGW_VTL_D_ELSE ? "#else"
                                                          : "#elseif");
                    return -1;
                }

                seen_else = (end->dir == APIGW_VTL_D_ELSE);
            }

            ps->depth--;
            break;
        }

        *tail = node;
        tail = &node->next;
    }

    return 0;
}


static int
apigw_vtl_build_top(apigw_vtl_parser_t *ps, apigw_vtl_items_t *items,
    apigw_vtl_node_t **list)
{
    size_t             i;
    apigw_vtl_item_t  *stop;

    i = 0;

    if (apigw_vtl_build(ps, items, &i, 0, list, &stop) != 0) {
        return -1;
    }

    if (stop != NULL) {
        snprintf(ps->errbuf, ps->errlen, "line %u: %s without #%s",
                 stop->line,
                 stop->dir == APIGW_VTL_D_END ? "#end"
                 : stop->dir == APIGW_VTL_D_ELSE ? "#else" : "#elseif",
                 stop->dir == APIGW_VTL_D_END ? "if or #foreach" : "if");
        return -1;
    }

    return 0;
}


static void
apigw_vtl_skip_ws(apigw_vtl_parser_t *ps)
{
    while (ps->p < ps->end && apigw_vtl_ws(*ps->p)) {
        ps->p++;
    }
}


/* a keyword at ps->p, not the start of a longer name: consumed */
static int
apigw_vtl_word(apigw_vtl_parser_t *ps, const char *word)
{
    size_t  len;

    len = strlen(word);

    if ((size_t) (ps->end - ps->p) < len || memcmp(ps->p, word, len) != 0
        || (ps->p + len < ps->end && apigw_vtl_ident_char(ps->p[len])))
    {
        return 0;
    }

    ps->p += len;

    return 1;
}


static apigw_vtl_expr_t *
apigw_vtl_new_expr(apigw_vtl_parser_t *ps, apigw_vtl_expr_kind_e kind,
    const char *pos)
{
    apigw_vtl_expr_t  *e;

    e = apigw_vtl_alloc(ps->tpl, sizeof(apigw_vtl_expr_t));
    if (e == NULL) {
        return apigw_vtl_nomem(ps);
    }

    memset(e, 0, sizeof(apigw_vtl_expr_t));
    e->kind = kind;
    e->line = apigw_vtl_line(ps, pos);

    return e;
}


/* ".name" at ps->p: consumed, or 0 */
static int
apigw_vtl_member(apigw_vtl_parser_t *ps, const char **name, size_t *len)
{
    const char  *p;

    p = ps->p;

    if (ps->end - p < 2 || p[0] != '.' || !apigw_vtl_ident_start(p[1])) {
        return 0;
    }

    for (p++, *name = p; p < ps->end && apigw_vtl_ident_char(*p); p++) {
        /* void */
    }

    *len = p - *name;
    ps->p = p;

    return 1;
}


/*
 * $name, $!name, ${name}, $!{name} and what follows: .prop, .method(...),
 * [index]; in text a "[" that does not make an index stays text
 */
static apigw_vtl_expr_t *
apigw_vtl_parse_ref(apigw_vtl_parser_t *ps, int in_text)
{
    int                braced;
    size_t             len, n, cap;
    const char        *start, *name, *save, *pos;
    apigw_vtl_acc_t   *acc, *tmp;
    apigw_vtl_expr_t  *base, *e;

    start = ps->p++;

    if (ps->p < ps->end && *ps->p == '!') {
        ps->p++;
    }

    braced = (ps->p < ps->end && *ps->p == '{');
    ps->p += braced;

    if (ps->p == ps->end || !apigw_vtl_ident_start(*ps->p)) {
        return apigw_vtl_perr(ps, start, "a name expected after $");
    }

    for (name = ps->p; ps->p < ps->end && apigw_vtl_ident_char(*ps->p);
         ps->p++)
    {
        /* void */
    }

    base = apigw_vtl_parse_root(ps, start, name, ps->p - name);
    if (base == NULL) {
        return NULL;
    }

    acc = NULL;
    n = 0;
    cap = 0;

    for ( ;; ) {
        if (n == cap) {
            cap = cap ? cap * 2 : 4;
            tmp = realloc(acc, cap * sizeof(apigw_vtl_acc_t));
            if (tmp == NULL) {
                free(acc);
                return apigw_vtl_nomem(ps);
            }

            acc = tmp;
        }

        memset(&acc[n], 0, sizeof(apigw_vtl_acc_t));
        pos = ps->p;

        if (apigw_vtl_member(ps, &name, &len)) {
            if (ps->p < ps->end && *ps->p == '(') {
                if (apigw_vtl_parse_method(ps, &acc[n], pos, name, len)
                    != 0)
                {
                    free(acc);
                    return NULL;
                }

            } else {
                acc[n].kind = APIGW_VTL_ACC_PROP;
                acc[n].name = apigw_vtl_strdup(ps, name, len);
                acc[n].len = len;

                if (acc[n].name == NULL) {
                    free(acc);
                    return NULL;
                }
            }

            n++;
            continue;
        }

        if (ps->p < ps->end && *ps->p == '[') {
            save = ps->p;
            ps->p++;
            acc[n].kind = APIGW_VTL_ACC_INDEX;
            acc[n].nargs = 1;
            acc[n].args = apigw_vtl_alloc(ps->tpl, sizeof(apigw_vtl_expr_t *));

            if (acc[n].args == NULL) {
                free(acc);
                return apigw_vtl_nomem(ps);
            }

            apigw_vtl_skip_ws(ps);
            e = apigw_vtl_parse_expr(ps);

            if (e != NULL) {
                apigw_vtl_skip_ws(ps);

                if (ps->p < ps->end && *ps->p == ']') {
                    ps->p++;
                    acc[n].args[0] = e;
                    n++;
                    continue;
                }

                if (!in_text) {
                    apigw_vtl_perr(ps, save, "[ without ]");
                }
            }

            if (!in_text) {
                free(acc);
                return NULL;
            }

            /* "$price[USD]" in text: the reference ends before "[" */
            ps->p = save;
            ps->errbuf[0] = '\0';
        }

        break;
    }

    if (braced) {
        if (ps->p == ps->end || *ps->p != '}') {
            free(acc);
            return apigw_vtl_perr(ps, start, "${ without }");
        }

        ps->p++;
    }

    if (n == 0) {
        free(acc);
        return base;
    }

    e = apigw_vtl_new_expr(ps, APIGW_VTL_E_CHAIN, start);
    if (e == NULL) {
        free(acc);
        return NULL;
    }

    e->u.chain.base = base;
    e->u.chain.n = n;
    e->u.chain.acc = apigw_vtl_alloc(ps->tpl, n * sizeof(apigw_vtl_acc_t));

    if (e->u.chain.acc == NULL) {
        free(acc);
        return apigw_vtl_nomem(ps);
    }

    memcpy(e->u.chain.acc, acc, n * sizeof(apigw_vtl_acc_t));
    free(acc);

    return e;
}


/* what a reference's name stands for, with the members it takes */
static apigw_vtl_expr_t *
apigw_vtl_parse_root(apigw_vtl_parser_t *ps, const char *start,
    const char *name, size_t len)
{
    int                i;
    char              *p;
    size_t             n, total;
    const char        *save, *member, *first;
    apigw_vtl_expr_t  *e;

#define apigw_vtl_is(s)                                                       \
    (len == sizeof(s) - 1 && memcmp(name, s, len) == 0)

    if (apigw_vtl_is("input")) {
        return apigw_vtl_parse_input(ps, start);
    }

    if (apigw_vtl_is("util")) {
        return apigw_vtl_parse_util(ps, start);
    }

    if (apigw_vtl_is("context")) {
        /* $context.a.b.c: the dotted name, up to a method call */
        first = NULL;
        total = 0;

        for ( ;; ) {
            save = ps->p;

            if (!apigw_vtl_member(ps, &member, &n)) {
                break;
            }

            if (ps->p < ps->end && *ps->p == '(') {
                ps->p = save;
                break;
            }

            if (first == NULL) {
                first = member;
            }

            total = ps->p - first;
        }

        if (first == NULL) {
            return apigw_vtl_new_expr(ps, APIGW_VTL_E_ROOT, start);
        }

        e = apigw_vtl_new_expr(ps, APIGW_VTL_E_CONTEXT, start);
        if (e == NULL) {
            return NULL;
        }

        p = apigw_vtl_strdup(ps, first, total);
        if (p == NULL) {
            return NULL;
        }

        e->u.str.data = p;
        e->u.str.len = total;
        return e;
    }

    if (apigw_vtl_is("stageVariables")) {
        save = ps->p;

        if (!apigw_vtl_member(ps, &member, &n)
            || (ps->p < ps->end && *ps->p == '('))
        {
            ps->p = save;
            return apigw_vtl_new_expr(ps, APIGW_VTL_E_ROOT, start);
        }

        e = apigw_vtl_new_expr(ps, APIGW_VTL_E_STAGE, start);
        if (e == NULL) {
            return NULL;
        }

        e->u.str.data = apigw_vtl_strdup(ps, member, n);
        e->u.str.len = n;
        return e->u.str.data ? e : NULL;
    }

    if (apigw_vtl_is("foreach")) {
        save = ps->p;

        if (!apigw_vtl_member(ps, &member, &n)
            || (ps->p < ps->end && *ps->p == '('))
        {
            ps->p = save;
            return apigw_vtl_new_expr(ps, APIGW_VTL_E_ROOT, start);
        }

        for (i = 0; apigw_vtl_loop_props[i] != NULL; i++) {
            if (strlen(apigw_vtl_loop_props[i]) == n
                && memcmp(apigw_vtl_loop_props[i], member, n) == 0)
            {
                break;
            }
        }

        if (apigw_vtl_loop_props[i] == NULL) {
            return apigw_vtl_perr(ps, start, "unknown $foreach.%.*s, "
                                  "known: hasNext, index, count, first, "
                                  "last", (int) n, member);
        }

        e = apigw_vtl_new_expr(ps, APIGW_VTL_E_FOREACH, start);
        if (e != NULL) {
            e->u.i = i;
        }

        return e;
    }

    if (apigw_vtl_is("velocityCount") || apigw_vtl_is("velocityHasNext")) {
        e = apigw_vtl_new_expr(ps, APIGW_VTL_E_FOREACH, start);
        if (e != NULL) {
            e->u.i = apigw_vtl_is("velocityCount") ? APIGW_VTL_LOOP_COUNT
                                                   : APIGW_VTL_LOOP_HAS_NEXT;
        }

        return e;
    }

#undef apigw_vtl_is

    e = apigw_vtl_new_expr(ps, APIGW_VTL_E_VAR, start);
    if (e == NULL) {
        return NULL;
    }

    if (apigw_vtl_slot(ps, name, len, &e->u.var) != 0) {
        return NULL;
    }

    return e;
}


/* $input.body, .json('...'), .path('...'), .params(), .params('x') */
static apigw_vtl_expr_t *
apigw_vtl_parse_input(apigw_vtl_parser_t *ps, const char *start)
{
    char               err[APIGW_ERR_LEN];
    size_t             n;
    unsigned           nargs;
    const char        *member, *save;
    apigw_vtl_expr_t  *e, **args, *arg;

    save = ps->p;

    if (!apigw_vtl_member(ps, &member, &n)) {
        return apigw_vtl_new_expr(ps, APIGW_VTL_E_ROOT, start);
    }

    if (n == 4 && memcmp(member, "body", 4) == 0
        && (ps->p == ps->end || *ps->p != '('))
    {
        return apigw_vtl_new_expr(ps, APIGW_VTL_E_INPUT_BODY, start);
    }

    if (ps->p == ps->end || *ps->p != '('
        || !((n == 4 && memcmp(member, "json", 4) == 0)
             || (n == 4 && memcmp(member, "path", 4) == 0)
             || (n == 6 && memcmp(member, "params", 6) == 0)))
    {
        return apigw_vtl_perr(ps, save, "unknown $input.%.*s%s, known: "
                              "body, json(), path(), params()", (int) n,
                              member,
                              ps->p < ps->end && *ps->p == '(' ? "()" : "");
    }

    if (apigw_vtl_parse_args(ps, &args, &nargs) != 0) {
        return NULL;
    }

    if (n == 6) {
        if (nargs > 1) {
            return apigw_vtl_perr(ps, save, "$input.params() takes no "
                                  "argument or one");
        }

        e = apigw_vtl_new_expr(ps, nargs ? APIGW_VTL_E_INPUT_PARAM
                                         : APIGW_VTL_E_INPUT_PARAMS, start);
        if (e != NULL && nargs) {
            e->u.call.arg = args[0];
        }

        return e;
    }

    if (nargs != 1) {
        return apigw_vtl_perr(ps, save, "$input.%.*s() takes one argument, "
                              "a JSONPath", (int) n, member);
    }

    e = apigw_vtl_new_expr(ps, member[0] == 'j' ? APIGW_VTL_E_INPUT_JSON
                                                : APIGW_VTL_E_INPUT_PATH,
                           start);
    if (e == NULL) {
        return NULL;
    }

    arg = args[0];
    e->u.call.arg = arg;

    if (arg->kind == APIGW_VTL_E_STR) {
        /* a literal path is compiled now, and its errors are load errors */
        e->u.call.path = apigw_jsonpath_compile(arg->u.str.data,
                                                arg->u.str.len, err,
                                                sizeof(err));
        if (e->u.call.path == NULL) {
            return apigw_vtl_perr(ps, save, "bad JSONPath \"%.*s\" in "
                                  "$input.%.*s(): %s",
                                  (int) (arg->u.str.len > 64
                                         ? 64 : arg->u.str.len),
                                  arg->u.str.data, (int) n, member, err);
        }

        if (apigw_vtl_add_res(ps, e->u.call.path, NULL) != 0) {
            apigw_jsonpath_free(e->u.call.path);
            return NULL;
        }
    }

    return e;
}


static apigw_vtl_expr_t *
apigw_vtl_parse_util(apigw_vtl_parser_t *ps, const char *start)
{
    int                i;
    size_t             n;
    unsigned           nargs;
    const char        *member, *save;
    apigw_vtl_expr_t  *e, **args;

    save = ps->p;

    if (!apigw_vtl_member(ps, &member, &n)) {
        return apigw_vtl_new_expr(ps, APIGW_VTL_E_ROOT, start);
    }

    for (i = 0; apigw_vtl_util_names[i] != NULL; i++) {
        if (strlen(apigw_vtl_util_names[i]) == n
            && memcmp(apigw_vtl_util_names[i], member, n) == 0)
        {
            break;
        }
    }

    if (apigw_vtl_util_names[i] == NULL || ps->p == ps->end
        || *ps->p != '(')
    {
        return apigw_vtl_perr(ps, save, "unknown $util.%.*s, known: "
                              "escapeJavaScript(), urlEncode(), urlDecode(), "
                              "base64Encode(), base64Decode(), parseJson(), "
                              "toJson()", (int) n, member);
    }

    if (apigw_vtl_parse_args(ps, &args, &nargs) != 0) {
        return NULL;
    }

    if (nargs != 1) {
        return apigw_vtl_perr(ps, save, "$util.%s() takes one argument",
                              apigw_vtl_util_names[i]);
    }

    e = apigw_vtl_new_expr(ps, APIGW_VTL_E_UTIL, start);
    if (e == NULL) {
        return NULL;
    }

    e->u.call.util = i;
    e->u.call.arg = args[0];

    return e;
}


/* "(" args ")" at ps->p */
static int
apigw_vtl_parse_args(apigw_vtl_parser_t *ps, apigw_vtl_expr_t ***args,
    unsigned *nargs)
{
    size_t             n, cap;
    const char        *start;
    apigw_vtl_expr_t  *e, **list, **tmp;

    start = ps->p++;
    list = NULL;
    n = 0;
    cap = 0;

    apigw_vtl_skip_ws(ps);

    if (ps->p < ps->end && *ps->p == ')') {
        ps->p++;
        *args = NULL;
        *nargs = 0;
        return 0;
    }

    for ( ;; ) {
        e = apigw_vtl_parse_expr(ps);
        if (e == NULL) {
            goto failed;
        }

        if (n == cap) {
            cap = cap ? cap * 2 : 4;
            tmp = realloc(list, cap * sizeof(apigw_vtl_expr_t *));
            if (tmp == NULL) {
                apigw_vtl_nomem(ps);
                goto failed;
            }

            list = tmp;
        }

        list[n++] = e;
        apigw_vtl_skip_ws(ps);

        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }

        if (ps->p < ps->end && *ps->p == ')') {
            ps->p++;
            break;
        }

        if (ps->p == ps->end) {
            apigw_vtl_perr(ps, start, "( without )");

        } else {
            apigw_vtl_perr(ps, ps->p, "unexpected \"%c\" in arguments",
                           *ps->p);
        }

        goto failed;
    }

    *args = apigw_vtl_alloc(ps->tpl, n * sizeof(apigw_vtl_expr_t *));
    if (*args == NULL) {
        apigw_vtl_nomem(ps);
        goto failed;
    }

    memcpy(*args, list, n * sizeof(apigw_vtl_expr_t *));
    *nargs = n;
    free(list);

    return 0;

failed:

    free(list);

    return -1;
}


static int
apigw_vtl_parse_method(apigw_vtl_parser_t *ps, apigw_vtl_acc_t *acc,
    const char *pos, const char *name, size_t len)
{
    int                m;
    char               err[APIGW_ERR_LEN];
    apigw_vtl_expr_t  *arg;

    for (m = 0; m < APIGW_VTL_M_COUNT; m++) {
        if (strlen(apigw_vtl_methods[m].name) == len
            && memcmp(apigw_vtl_methods[m].name, name, len) == 0)
        {
            break;
        }
    }

    if (m == APIGW_VTL_M_COUNT) {
        apigw_vtl_perr(ps, pos, "unknown method .%.*s()", (int) len, name);
        return -1;
    }

    acc->kind = APIGW_VTL_ACC_METHOD;
    acc->method = m;
    acc->name = apigw_vtl_methods[m].name;

    if (apigw_vtl_parse_args(ps, &acc->args, &acc->nargs) != 0) {
        return -1;
    }

    if (acc->nargs < apigw_vtl_methods[m].min
        || acc->nargs > apigw_vtl_methods[m].max)
    {
        if (apigw_vtl_methods[m].min == apigw_vtl_methods[m].max) {
            apigw_vtl_perr(ps, pos, ".%s() takes %u argument%s",
                           acc->name, apigw_vtl_methods[m].min,
                           apigw_vtl_methods[m].min == 1 ? "" : "s");

        } else {
            apigw_vtl_perr(ps, pos, ".%s() takes %u to %u arguments",
                           acc->name, apigw_vtl_methods[m].min,
                           apigw_vtl_methods[m].max);
        }

        return -1;
    }

    if (apigw_vtl_methods[m].regex && acc->args[0]->kind == APIGW_VTL_E_STR) {
        arg = acc->args[0];
        acc->regex = apigw_vtl_regex_compile(arg->u.str.data, arg->u.str.len,
                                             err, sizeof(err));
        if (acc->regex == NULL) {
            apigw_vtl_perr(ps, pos, "bad regular expression in .%s(): %s",
                           acc->name, err);
            return -1;
        }

        if (apigw_vtl_add_res(ps, NULL, acc->regex) != 0) {
            apigw_vtl_regex_free(acc->regex);
            return -1;
        }
    }

    return 0;
}


static int
apigw_vtl_add_res(apigw_vtl_parser_t *ps, apigw_jsonpath_t *path,
    void *regex)
{
    apigw_vtl_res_t  *res;

    res = apigw_vtl_alloc(ps->tpl, sizeof(apigw_vtl_res_t));
    if (res == NULL) {
        apigw_vtl_nomem(ps);
        return -1;
    }

    res->path = path;
    res->regex = regex;
    res->next = ps->tpl->res;
    ps->tpl->res = res;

    return 0;
}
