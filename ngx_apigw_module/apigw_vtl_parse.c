
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




static apigw_vtl_item_t *apigw_vtl_item(apigw_vtl_parser_t *ps,
    apigw_vtl_items_t *items, apigw_vtl_item_kind_e kind, const char *pos);
static int apigw_vtl_text_item(apigw_vtl_parser_t *ps,
    apigw_vtl_items_t *items, const char *data, size_t len);
static int apigw_vtl_scan_hash(apigw_vtl_parser_t *ps,
    apigw_vtl_items_t *items);
static int apigw_vtl_directive(apigw_vtl_parser_t *ps,
    apigw_vtl_items_t *items, apigw_vtl_dir_e dir, const char *start);
static void apigw_vtl_gobble(apigw_vtl_items_t *items);
static int apigw_vtl_build(apigw_vtl_parser_t *ps, apigw_vtl_items_t *items,
    size_t *i, unsigned loops, apigw_vtl_node_t **list,
    apigw_vtl_item_t **stop);
static int apigw_vtl_build_text(apigw_vtl_parser_t *ps,
    apigw_vtl_items_t *items, size_t *i, apigw_vtl_node_t **node);

static size_t apigw_vtl_hash(const char *name, size_t len);


#define APIGW_VTL_CHUNK_SIZE    4096
#define APIGW_VTL_ALIGN(n)      (((n) + 7) & ~((size_t) 7))


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


unsigned
apigw_vtl_line(apigw_vtl_parser_t *ps, const char *pos)
{
    const char  *p;

    /* positions mostly move forward: count from the last one asked */
    for (p = pos; p < ps->lpos; p++) {
        if (*p == '\n') {
            ps->lline--;
        }
    }

    for (p = ps->lpos; p < pos; p++) {
        if (*p == '\n') {
            ps->lline++;
        }
    }

    ps->lpos = pos;

    return ps->lline;
}


void *
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


/* a byte for a message: itself when printable, else \xNN */
const char *
apigw_vtl_byte(char c, char *buf)
{
    if (c >= 0x20 && c < 0x7f) {
        buf[0] = c;
        buf[1] = '\0';

    } else {
        snprintf(buf, 8, "\\x%02x", (unsigned char) c);
    }

    return buf;
}


void *
apigw_vtl_nomem(apigw_vtl_parser_t *ps)
{
    snprintf(ps->errbuf, ps->errlen, "line %u: out of memory",
             apigw_vtl_line(ps, ps->p));

    return NULL;
}


char *
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
int
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
 * where "" stands for a quote (a backslash stays, as in Velocity 1.7)
 */
int
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
    char               byte[8];
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
            apigw_vtl_perr(ps, ps->p, "unexpected \"%s\" in %s(...)",
                           apigw_vtl_byte(*ps->p, byte), name);
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


/*
 * adjacent text items, with comments and gobbled blanks between, merged
 * into one node; *node NULL when they hold no text
 */
static int
apigw_vtl_build_text(apigw_vtl_parser_t *ps, apigw_vtl_items_t *items,
    size_t *i, apigw_vtl_node_t **node)
{
    char              *p;
    size_t             j, len;
    apigw_vtl_item_t  *it;

    len = 0;
    *node = NULL;

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
        return 0;
    }

    *node = apigw_vtl_alloc(ps->tpl, sizeof(apigw_vtl_node_t));
    p = apigw_vtl_alloc(ps->tpl, len);

    if (*node == NULL || p == NULL) {
        apigw_vtl_nomem(ps);
        return -1;
    }

    memset(*node, 0, sizeof(apigw_vtl_node_t));
    (*node)->kind = APIGW_VTL_TEXT;
    (*node)->line = items->items[*i].line;
    (*node)->u.text.data = p;
    (*node)->u.text.len = len;
    ps->tpl->text_len += len;

    for ( ; *i < j; (*i)++) {
        it = &items->items[*i];

        if (it->kind == APIGW_VTL_IT_TEXT && !it->removed) {
            memcpy(p, it->data, it->len);
            p += it->len;
        }
    }

    return 0;
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
            if (apigw_vtl_build_text(ps, items, i, &node) != 0) {
                return -1;
            }

            if (node == NULL) {
                continue;
            }

            break;

        case APIGW_VTL_IT_NODE:
            (*i)++;
            node = it->node;

            if (node->kind == APIGW_VTL_BREAK && loops == 0) {
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


int
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


apigw_vtl_t *
apigw_vtl_parse(const char *src, size_t len, char *errbuf, size_t errlen)
{
    char                 scratch[APIGW_ERR_LEN];
    apigw_vtl_t         *tpl;
    apigw_vtl_items_t    items;
    apigw_vtl_parser_t   ps;

    if (errbuf == NULL || errlen == 0) {
        errbuf = scratch;
        errlen = sizeof(scratch);
    }

    errbuf[0] = '\0';

    tpl = calloc(1, sizeof(apigw_vtl_t));
    if (tpl == NULL) {
        snprintf(errbuf, errlen, "line 1: out of memory");
        return NULL;
    }

    memset(&ps, 0, sizeof(apigw_vtl_parser_t));
    memset(&items, 0, sizeof(apigw_vtl_items_t));

    ps.tpl = tpl;
    ps.src = src;
    ps.p = src;
    ps.end = src + len;
    ps.lpos = src;
    ps.lline = 1;
    ps.errbuf = errbuf;
    ps.errlen = errlen;

    if (apigw_vtl_scan(&ps, &items, 0) != 0) {
        goto failed;
    }

    apigw_vtl_gobble(&items);

    if (apigw_vtl_build_top(&ps, &items, &tpl->body) != 0) {
        goto failed;
    }

    free(items.items);
    free(ps.names);

    return tpl;

failed:

    if (errbuf[0] == '\0') {
        snprintf(errbuf, errlen, "line %u: syntax error",
                 apigw_vtl_line(&ps, ps.p));
    }

    free(items.items);
    free(ps.names);
    apigw_vtl_free(tpl);

    return NULL;
}


void
apigw_vtl_free(apigw_vtl_t *tpl)
{
    apigw_vtl_res_t    *res;
    apigw_vtl_chunk_t  *c, *next;

    if (tpl == NULL) {
        return;
    }

    for (res = tpl->res; res != NULL; res = res->next) {
        apigw_jsonpath_free(res->path);
        apigw_vtl_regex_free(res->regex);
    }

    for (c = tpl->arena; c != NULL; c = next) {
        next = c->next;
        free(c);
    }

    free(tpl);
}
