
/*
 * Copyright (C) apigw contributors
 */


#include <stdlib.h>
#include <string.h>

#include "apigw_vtl_int.h"


/* the comma-separated forms of expressions: (arguments), [lists], {maps} */


static int apigw_vtl_push(apigw_vtl_parser_t *ps, apigw_vtl_expr_t ***list,
    size_t *n, size_t *cap, apigw_vtl_expr_t *e);
static int apigw_vtl_list_next(apigw_vtl_parser_t *ps, char close,
    const char *start, const char *unclosed, const char *what);


/* appends e to a list being built: 0, or -1 out of memory */
static int
apigw_vtl_push(apigw_vtl_parser_t *ps, apigw_vtl_expr_t ***list, size_t *n,
    size_t *cap, apigw_vtl_expr_t *e)
{
    apigw_vtl_expr_t  **tmp;

    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 8;

        tmp = realloc(*list, *cap * sizeof(apigw_vtl_expr_t *));
        if (tmp == NULL) {
            apigw_vtl_nomem(ps);
            return -1;
        }

        *list = tmp;
    }

    (*list)[(*n)++] = e;

    return 0;
}


/*
 * after an item of arguments, a list or a map: "," 1 (more to come), the
 * closing character 0 (done), anything else -1 with the error set
 */
static int
apigw_vtl_list_next(apigw_vtl_parser_t *ps, char close, const char *start,
    const char *unclosed, const char *what)
{
    char  byte[8];

    apigw_vtl_skip_ws(ps);

    if (ps->p < ps->end && *ps->p == ',') {
        ps->p++;
        return 1;
    }

    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        return 0;
    }

    if (ps->p == ps->end) {
        apigw_vtl_perr(ps, start, "%s", unclosed);

    } else {
        apigw_vtl_perr(ps, ps->p, "unexpected \"%s\" %s",
                       apigw_vtl_byte(*ps->p, byte), what);
    }

    return -1;
}


/* "(" args ")" at ps->p */
int
apigw_vtl_parse_args(apigw_vtl_parser_t *ps, apigw_vtl_expr_t ***args,
    unsigned *nargs)
{
    int                rc;
    size_t             n, cap;
    const char        *start;
    apigw_vtl_expr_t  *e, **list;

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

        if (apigw_vtl_push(ps, &list, &n, &cap, e) != 0) {
            goto failed;
        }

        rc = apigw_vtl_list_next(ps, ')', start, "( without )",
                                 "in arguments");
        if (rc < 0) {
            goto failed;
        }

        if (rc == 0) {
            break;
        }
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


/* [a, b, c] or [a..b] */
apigw_vtl_expr_t *
apigw_vtl_parse_list(apigw_vtl_parser_t *ps)
{
    int                 rc;
    size_t              n, cap;
    const char         *start;
    apigw_vtl_expr_t   *e, *item, **list;

    start = ps->p++;
    list = NULL;
    n = 0;
    cap = 0;

    e = apigw_vtl_new_expr(ps, APIGW_VTL_E_LIST, start);
    if (e == NULL) {
        return NULL;
    }

    apigw_vtl_skip_ws(ps);

    if (ps->p < ps->end && *ps->p == ']') {
        ps->p++;
        return e;
    }

    for ( ;; ) {
        item = apigw_vtl_parse_expr(ps);
        if (item == NULL) {
            goto failed;
        }

        apigw_vtl_skip_ws(ps);

        if (n == 0 && ps->end - ps->p >= 2 && ps->p[0] == '.'
            && ps->p[1] == '.')
        {
            ps->p += 2;
            e->kind = APIGW_VTL_E_RANGE;
            e->u.bin.left = item;
            e->u.bin.right = apigw_vtl_parse_expr(ps);

            if (e->u.bin.right == NULL) {
                goto failed;
            }

            apigw_vtl_skip_ws(ps);

            if (ps->p == ps->end || *ps->p != ']') {
                apigw_vtl_perr(ps, start, "[a..b] without ]");
                goto failed;
            }

            ps->p++;
            return e;
        }

        if (apigw_vtl_push(ps, &list, &n, &cap, item) != 0) {
            goto failed;
        }

        rc = apigw_vtl_list_next(ps, ']', start, "[ without ]", "in a list");
        if (rc < 0) {
            goto failed;
        }

        if (rc == 0) {
            break;
        }
    }

    e->u.list.items = apigw_vtl_alloc(ps->tpl,
                                      n * sizeof(apigw_vtl_expr_t *));
    if (e->u.list.items == NULL) {
        apigw_vtl_nomem(ps);
        goto failed;
    }

    memcpy(e->u.list.items, list, n * sizeof(apigw_vtl_expr_t *));
    e->u.list.n = n;
    free(list);

    return e;

failed:

    free(list);

    return NULL;
}


/* {"key": value, ...} */
apigw_vtl_expr_t *
apigw_vtl_parse_map(apigw_vtl_parser_t *ps)
{
    int                 rc;
    size_t              n, cap;
    const char         *start;
    apigw_vtl_expr_t   *e, *key, *val, **list;

    start = ps->p++;
    list = NULL;
    n = 0;
    cap = 0;

    e = apigw_vtl_new_expr(ps, APIGW_VTL_E_MAP, start);
    if (e == NULL) {
        return NULL;
    }

    apigw_vtl_skip_ws(ps);

    if (ps->p < ps->end && *ps->p == '}') {
        ps->p++;
        return e;
    }

    for ( ;; ) {
        key = apigw_vtl_parse_expr(ps);
        if (key == NULL) {
            goto failed;
        }

        apigw_vtl_skip_ws(ps);

        if (ps->p == ps->end || *ps->p != ':') {
            apigw_vtl_perr(ps, ps->p < ps->end ? ps->p : start,
                           "\":\" expected after a map key");
            goto failed;
        }

        ps->p++;

        val = apigw_vtl_parse_expr(ps);
        if (val == NULL) {
            goto failed;
        }

        if (apigw_vtl_push(ps, &list, &n, &cap, key) != 0
            || apigw_vtl_push(ps, &list, &n, &cap, val) != 0)
        {
            goto failed;
        }

        rc = apigw_vtl_list_next(ps, '}', start, "{ without }", "in a map");
        if (rc < 0) {
            goto failed;
        }

        if (rc == 0) {
            break;
        }
    }

    e->u.list.items = apigw_vtl_alloc(ps->tpl,
                                      n * sizeof(apigw_vtl_expr_t *));
    if (e->u.list.items == NULL) {
        apigw_vtl_nomem(ps);
        goto failed;
    }

    memcpy(e->u.list.items, list, n * sizeof(apigw_vtl_expr_t *));
    e->u.list.n = n / 2;
    free(list);

    return e;

failed:

    free(list);

    return NULL;
}
