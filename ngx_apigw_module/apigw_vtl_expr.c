
/*
 * Copyright (C) apigw contributors
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_vtl_int.h"


/*
 * Expressions and references, for apigw_vtl_parse.c's scanner: $refs with
 * their .properties, .methods() and [indexes], $input/$util/$context/
 * $stageVariables/$foreach resolved to their own nodes, literals, lists,
 * ranges, maps and operators by precedence.  Literal JSONPaths and regexes
 * are compiled here, so their errors are load-time errors with a line.
 */


static apigw_vtl_expr_t *apigw_vtl_parse_root(apigw_vtl_parser_t *ps,
    const char *start, const char *name, size_t len);
static apigw_vtl_expr_t *apigw_vtl_parse_input(apigw_vtl_parser_t *ps,
    const char *start);
static apigw_vtl_expr_t *apigw_vtl_parse_util(apigw_vtl_parser_t *ps,
    const char *start);
static int apigw_vtl_member(apigw_vtl_parser_t *ps, const char **name,
    size_t *len);
static int apigw_vtl_context_key(apigw_vtl_parser_t *ps, const char **key,
    size_t *len);
static int apigw_vtl_parse_method(apigw_vtl_parser_t *ps,
    apigw_vtl_acc_t *acc, const char *pos, const char *name, size_t len);
static apigw_vtl_expr_t *apigw_vtl_parse_binary(apigw_vtl_parser_t *ps,
    int level);
static apigw_vtl_expr_t *apigw_vtl_parse_unary(apigw_vtl_parser_t *ps);
static apigw_vtl_expr_t *apigw_vtl_parse_primary(apigw_vtl_parser_t *ps);
static apigw_vtl_expr_t *apigw_vtl_parse_number(apigw_vtl_parser_t *ps);
static apigw_vtl_expr_t *apigw_vtl_parse_squote(apigw_vtl_parser_t *ps);
static apigw_vtl_expr_t *apigw_vtl_parse_dquote(apigw_vtl_parser_t *ps);
static int apigw_vtl_add_res(apigw_vtl_parser_t *ps, apigw_jsonpath_t *path,
    void *regex);


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

void
apigw_vtl_skip_ws(apigw_vtl_parser_t *ps)
{
    while (ps->p < ps->end && apigw_vtl_ws(*ps->p)) {
        ps->p++;
    }
}


/* a keyword at ps->p, not the start of a longer name: consumed */
int
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


apigw_vtl_expr_t *
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
 * ['key'] or ["key"] after $context.name, as Cognito claims are read:
 * $context.authorizer.claims['cognito:groups']; consumed, or 0
 */
static int
apigw_vtl_context_key(apigw_vtl_parser_t *ps, const char **key, size_t *len)
{
    const char  *p, *q;

    p = ps->p;

    if (ps->end - p < 4 || p[0] != '[' || (p[1] != '\'' && p[1] != '"')) {
        return 0;
    }

    q = memchr(p + 2, p[1], ps->end - (p + 2));

    if (q == NULL || q == p + 2 || q + 1 == ps->end || q[1] != ']') {
        return 0;
    }

    if (p[1] == '"') {
        /* no interpolation in a name */
        for (*key = p + 2; *key < q; (*key)++) {
            if (**key == '$' || **key == '#' || **key == '\\') {
                return 0;
            }
        }
    }

    *key = p + 2;
    *len = q - (p + 2);
    ps->p = q + 2;

    return 1;
}


/*
 * $name, $!name, ${name}, $!{name} and what follows: .prop, .method(...),
 * [index]; in text a "[" that does not make an index stays text
 */
apigw_vtl_expr_t *
apigw_vtl_parse_ref(apigw_vtl_parser_t *ps, int in_text)
{
    int                braced;
    unsigned           depth;
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
            depth = ps->depth;
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
            ps->depth = depth;
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
    char              *p, *buf;
    size_t             n, total, cap;
    const char        *save, *member;
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
        /* $context.a.b['c:d']: one dotted name, up to a method call */
        buf = NULL;
        total = 0;
        cap = 0;

        for ( ;; ) {
            save = ps->p;

            if (apigw_vtl_member(ps, &member, &n)) {
                if (ps->p < ps->end && *ps->p == '(') {
                    ps->p = save;
                    break;
                }

            } else if (total == 0 || !apigw_vtl_context_key(ps, &member, &n))
            {
                break;
            }

            if (total + n + 2 > cap) {
                cap = (total + n + 2) * 2;
                p = realloc(buf, cap);
                if (p == NULL) {
                    free(buf);
                    return apigw_vtl_nomem(ps);
                }

                buf = p;
            }

            if (total) {
                buf[total++] = '.';
            }

            memcpy(buf + total, member, n);
            total += n;
        }

        if (total == 0) {
            return apigw_vtl_new_expr(ps, APIGW_VTL_E_ROOT, start);
        }

        e = apigw_vtl_new_expr(ps, APIGW_VTL_E_CONTEXT, start);
        p = apigw_vtl_strdup(ps, buf, total);
        free(buf);

        if (e == NULL || p == NULL) {
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


apigw_vtl_expr_t *
apigw_vtl_parse_expr(apigw_vtl_parser_t *ps)
{
    apigw_vtl_expr_t  *e;

    if (++ps->depth > APIGW_VTL_MAX_DEPTH) {
        return apigw_vtl_perr(ps, ps->p, "nesting deeper than %d levels",
                              APIGW_VTL_MAX_DEPTH);
    }

    e = apigw_vtl_parse_binary(ps, 0);

    if (e != NULL) {
        ps->depth--;
    }

    return e;
}


/*
 * binary operators by precedence, lowest first: || && == < + *; each
 * level is a loop, so "a + b + c" does not recurse
 */
static apigw_vtl_expr_t *
apigw_vtl_parse_binary(apigw_vtl_parser_t *ps, int level)
{
    int                op;
    const char        *p, *pos;
    apigw_vtl_expr_t  *left, *right, *e;

    if (level == 6) {
        return apigw_vtl_parse_unary(ps);
    }

    left = apigw_vtl_parse_binary(ps, level + 1);
    if (left == NULL) {
        return NULL;
    }

    for ( ;; ) {
        apigw_vtl_skip_ws(ps);
        p = ps->p;
        pos = p;
        op = -1;

        if (p == ps->end) {
            return left;
        }

        switch (level) {

        case 0:
            if (ps->end - p >= 2 && p[0] == '|' && p[1] == '|') {
                ps->p += 2;
                op = APIGW_VTL_E_OR;

            } else if (apigw_vtl_word(ps, "or")) {
                op = APIGW_VTL_E_OR;
            }

            break;

        case 1:
            if (ps->end - p >= 2 && p[0] == '&' && p[1] == '&') {
                ps->p += 2;
                op = APIGW_VTL_E_AND;

            } else if (apigw_vtl_word(ps, "and")) {
                op = APIGW_VTL_E_AND;
            }

            break;

        case 2:
            if (ps->end - p >= 2 && p[1] == '=' && (p[0] == '=' || p[0] == '!'))
            {
                op = (p[0] == '=') ? APIGW_VTL_OP_EQ : APIGW_VTL_OP_NE;
                ps->p += 2;

            } else if (apigw_vtl_word(ps, "eq")) {
                op = APIGW_VTL_OP_EQ;

            } else if (apigw_vtl_word(ps, "ne")) {
                op = APIGW_VTL_OP_NE;
            }

            break;

        case 3:
            if (*p == '<' || *p == '>') {
                if (ps->end - p >= 2 && p[1] == '=') {
                    op = (*p == '<') ? APIGW_VTL_OP_LE : APIGW_VTL_OP_GE;
                    ps->p += 2;

                } else {
                    op = (*p == '<') ? APIGW_VTL_OP_LT : APIGW_VTL_OP_GT;
                    ps->p++;
                }

            } else if (apigw_vtl_word(ps, "lt")) {
                op = APIGW_VTL_OP_LT;

            } else if (apigw_vtl_word(ps, "le")) {
                op = APIGW_VTL_OP_LE;

            } else if (apigw_vtl_word(ps, "gt")) {
                op = APIGW_VTL_OP_GT;

            } else if (apigw_vtl_word(ps, "ge")) {
                op = APIGW_VTL_OP_GE;
            }

            break;

        case 4:
            if (*p == '+' || *p == '-') {
                op = (*p == '+') ? APIGW_VTL_OP_ADD : APIGW_VTL_OP_SUB;
                ps->p++;
            }

            break;

        default:
            if (*p == '*' || *p == '/' || *p == '%') {
                op = (*p == '*') ? APIGW_VTL_OP_MUL
                     : (*p == '/') ? APIGW_VTL_OP_DIV : APIGW_VTL_OP_MOD;
                ps->p++;
            }

            break;
        }

        if (op < 0) {
            return left;
        }

        right = apigw_vtl_parse_binary(ps, level + 1);
        if (right == NULL) {
            return NULL;
        }

        e = apigw_vtl_new_expr(ps, level == 0 ? APIGW_VTL_E_OR
                                   : level == 1 ? APIGW_VTL_E_AND
                                   : APIGW_VTL_E_BINARY, pos);
        if (e == NULL) {
            return NULL;
        }

        e->u.bin.op = (level <= 1) ? 0 : op;
        e->u.bin.left = left;
        e->u.bin.right = right;
        left = e;
    }
}


static apigw_vtl_expr_t *
apigw_vtl_parse_unary(apigw_vtl_parser_t *ps)
{
    const char        *pos;
    apigw_vtl_expr_t  *e, *arg;
    apigw_vtl_expr_kind_e  kind;

    apigw_vtl_skip_ws(ps);
    pos = ps->p;

    if (pos < ps->end && *pos == '!'
        && !(pos + 1 < ps->end && pos[1] == '='))
    {
        ps->p++;
        kind = APIGW_VTL_E_NOT;

    } else if (apigw_vtl_word(ps, "not")) {
        kind = APIGW_VTL_E_NOT;

    } else if (pos < ps->end && *pos == '-') {
        ps->p++;
        kind = APIGW_VTL_E_NEG;

    } else {
        return apigw_vtl_parse_primary(ps);
    }

    if (++ps->depth > APIGW_VTL_MAX_DEPTH) {
        return apigw_vtl_perr(ps, pos, "nesting deeper than %d levels",
                              APIGW_VTL_MAX_DEPTH);
    }

    arg = apigw_vtl_parse_unary(ps);
    if (arg == NULL) {
        return NULL;
    }

    ps->depth--;

    e = apigw_vtl_new_expr(ps, kind, pos);
    if (e != NULL) {
        e->u.bin.left = arg;
    }

    return e;
}


static apigw_vtl_expr_t *
apigw_vtl_parse_primary(apigw_vtl_parser_t *ps)
{
    char                byte[8];
    const char        *p;
    apigw_vtl_expr_t  *e;

    apigw_vtl_skip_ws(ps);
    p = ps->p;

    if (p == ps->end) {
        return apigw_vtl_perr(ps, p, "an expression expected");
    }

    switch (*p) {

    case '$':
        return apigw_vtl_parse_ref(ps, 0);

    case '\'':
        return apigw_vtl_parse_squote(ps);

    case '"':
        return apigw_vtl_parse_dquote(ps);

    case '[':
        return apigw_vtl_parse_list(ps);

    case '{':
        return apigw_vtl_parse_map(ps);

    case '(':
        ps->p++;

        e = apigw_vtl_parse_expr(ps);
        if (e == NULL) {
            return NULL;
        }

        apigw_vtl_skip_ws(ps);

        if (ps->p == ps->end || *ps->p != ')') {
            return apigw_vtl_perr(ps, p, "( without )");
        }

        ps->p++;
        return e;

    default:
        break;
    }

    if (*p >= '0' && *p <= '9') {
        return apigw_vtl_parse_number(ps);
    }

    if (apigw_vtl_word(ps, "true") || apigw_vtl_word(ps, "false")) {
        e = apigw_vtl_new_expr(ps, APIGW_VTL_E_BOOL, p);
        if (e != NULL) {
            e->u.i = (*p == 't');
        }

        return e;
    }

    if (apigw_vtl_word(ps, "null")) {
        return apigw_vtl_new_expr(ps, APIGW_VTL_E_NULL, p);
    }

    if (apigw_vtl_ident_start(*p)) {
        for (ps->p = p; ps->p < ps->end && apigw_vtl_ident_char(*ps->p);
             ps->p++)
        {
            /* void */
        }

        return apigw_vtl_perr(ps, p, "unexpected \"%.*s\": a $reference, "
                              "a 'string' or a number expected",
                              (int) (ps->p - p > 32 ? 32 : ps->p - p), p);
    }

    return apigw_vtl_perr(ps, p, "unexpected \"%s\" in an expression",
                          apigw_vtl_byte(*p, byte));
}


/* 12, 1.5; "1..3" is a range, not a decimal */
static apigw_vtl_expr_t *
apigw_vtl_parse_number(apigw_vtl_parser_t *ps)
{
    char               buf[64];
    int64_t            n;
    const char        *p, *start;
    apigw_vtl_expr_t  *e;

    start = ps->p;

    for (p = start, n = 0; p < ps->end && *p >= '0' && *p <= '9'; p++) {
        if (n > (INT64_MAX - (*p - '0')) / 10) {
            return apigw_vtl_perr(ps, start, "number too large");
        }

        n = n * 10 + (*p - '0');
    }

    if (ps->end - p >= 2 && p[0] == '.' && p[1] >= '0' && p[1] <= '9') {
        for (p++; p < ps->end && *p >= '0' && *p <= '9'; p++) {
            /* void */
        }

        if ((size_t) (p - start) >= sizeof(buf)) {
            return apigw_vtl_perr(ps, start, "number too long");
        }

        memcpy(buf, start, p - start);
        buf[p - start] = '\0';

        e = apigw_vtl_new_expr(ps, APIGW_VTL_E_REAL, start);
        if (e != NULL) {
            e->u.r = strtod(buf, NULL);
        }

        ps->p = p;
        return e;
    }

    e = apigw_vtl_new_expr(ps, APIGW_VTL_E_INT, start);
    if (e != NULL) {
        e->u.i = n;
    }

    ps->p = p;

    return e;
}


/* 'text': no interpolation; '' is a quote */
static apigw_vtl_expr_t *
apigw_vtl_parse_squote(apigw_vtl_parser_t *ps)
{
    char              *out;
    const char        *p, *start;
    apigw_vtl_expr_t  *e;

    start = ps->p;

    for (p = start + 1; ; p++) {
        if (p == ps->end) {
            return apigw_vtl_perr(ps, start, "unterminated string");
        }

        if (*p == '\'') {
            if (p + 1 < ps->end && p[1] == '\'') {
                p++;
                continue;
            }

            break;
        }
    }

    e = apigw_vtl_new_expr(ps, APIGW_VTL_E_STR, start);
    if (e == NULL) {
        return NULL;
    }

    out = apigw_vtl_alloc(ps->tpl, p - start);
    if (out == NULL) {
        return apigw_vtl_nomem(ps);
    }

    e->u.str.data = out;

    for (start++; start < p; start++) {
        *out++ = *start;
        start += (*start == '\'');
    }

    *out = '\0';
    e->u.str.len = out - e->u.str.data;
    ps->p = p + 1;

    return e;
}


/*
 * "text with $ref and #if()...#end": parsed as a small template; "" is a
 * quote, \" does not end the string and stays as written (Velocity 1.7)
 */
static apigw_vtl_expr_t *
apigw_vtl_parse_dquote(apigw_vtl_parser_t *ps)
{
    int                 plain, rc;
    const char         *p, *start, *end, *q;
    apigw_vtl_node_t   *list;
    apigw_vtl_expr_t   *e;
    apigw_vtl_items_t   items;

    start = ps->p;
    plain = 1;

    for (p = start + 1; ; p++) {
        if (p == ps->end) {
            return apigw_vtl_perr(ps, start, "unterminated string");
        }

        if (*p == '\\' || *p == '$' || *p == '#') {
            plain = 0;
            p += (*p == '\\' && p + 1 < ps->end);
            continue;
        }

        if (*p == '"') {
            if (p + 1 < ps->end && p[1] == '"') {
                plain = 0;
                p++;
                continue;
            }

            break;
        }
    }

    q = start + 1;
    ps->p = p + 1;

    if (plain) {
        e = apigw_vtl_new_expr(ps, APIGW_VTL_E_STR, start);
        if (e == NULL) {
            return NULL;
        }

        e->u.str.data = apigw_vtl_strdup(ps, q, p - q);
        e->u.str.len = p - q;

        return e->u.str.data ? e : NULL;
    }

    if (++ps->depth > APIGW_VTL_MAX_DEPTH) {
        return apigw_vtl_perr(ps, start, "nesting deeper than %d levels",
                              APIGW_VTL_MAX_DEPTH);
    }

    end = ps->end;
    ps->p = q;
    ps->end = p;
    memset(&items, 0, sizeof(apigw_vtl_items_t));

    rc = apigw_vtl_scan(ps, &items, 1);

    ps->end = end;

    if (rc == 0) {
        rc = apigw_vtl_build_top(ps, &items, &list);
    }

    free(items.items);

    if (rc != 0) {
        return NULL;
    }

    ps->depth--;
    ps->p = p + 1;

    if (list == NULL || (list->next == NULL && list->kind == APIGW_VTL_TEXT))
    {
        e = apigw_vtl_new_expr(ps, APIGW_VTL_E_STR, start);
        if (e != NULL && list != NULL) {
            e->u.str.data = list->u.text.data;
            e->u.str.len = list->u.text.len;

        } else if (e != NULL) {
            e->u.str.data = "";
        }

        return e;
    }

    e = apigw_vtl_new_expr(ps, APIGW_VTL_E_INTERP, start);
    if (e != NULL) {
        e->u.interp = list;
    }

    return e;
}
