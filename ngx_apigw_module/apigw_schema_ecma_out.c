
/*
 * Copyright (C) apigw contributors
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_schema_ecma_int.h"


/*
 * The PCRE2 pattern apigw_schema_ecma.c writes: each byte with the offset
 * in the ECMA-262 pattern it comes from, atoms and their terms (what a
 * quantifier repeats, whether an alternative must consume), and repeat
 * counts beyond PCRE2's 65535.
 */


static void apigw_ecma_put_times(apigw_ecma_ctx_t *cx, const char *x,
    size_t n, uint64_t count);
static void apigw_ecma_put_upto(apigw_ecma_ctx_t *cx, const char *x, size_t n,
    uint64_t count, int lazy);
static char *apigw_ecma_chunk(apigw_ecma_ctx_t *cx, const char *x, size_t n,
    size_t *len);
static void apigw_ecma_put_count(apigw_ecma_ctx_t *cx, uint64_t min,
    uint64_t max, int lazy);


void
apigw_ecma_put(apigw_ecma_ctx_t *cx, const char *s, size_t n)
{
    size_t  i, cap;

    if (n == 0 || cx->nomem || cx->error) {
        return;
    }

    if (cx->len + n > APIGW_ECMA_MAX_OUT) {
        apigw_ecma_fail(cx, cx->start + cx->at, "pattern too large once"
                        " translated");
        return;
    }

    cap = cx->cap;

    if (apigw_ecma_grow(cx, (void **) &cx->out, &cap, cx->len + n, 1) != 0
        || apigw_ecma_grow(cx, (void **) &cx->map, &cx->cap, cx->len + n,
                           sizeof(uint32_t))
           != 0)
    {
        return;
    }

    /* both grew to the same capacity */

    memcpy(cx->out + cx->len, s, n);

    for (i = 0; i < n; i++) {
        cx->map[cx->len + i] = (uint32_t) cx->at;
    }

    cx->len += n;
}


void
apigw_ecma_puts(apigw_ecma_ctx_t *cx, const char *s)
{
    apigw_ecma_put(cx, s, strlen(s));
}


/*
 * an atom that is a set of characters; a set of lead surrogates waits
 * (matching nothing) for a set of trail surrogates after it, and the two
 * are then the code points they make, as without the u flag
 */
void
apigw_ecma_atom_set(apigw_ecma_ctx_t *cx, apigw_ecma_set_t *set, size_t src)
{
    int  half;

    half = apigw_ecma_half(set);

    if (half == APIGW_ECMA_TRAIL && cx->term == APIGW_ECMA_T_LEAD) {
        cx->len = cx->term_start;
        cx->at = cx->term_src;
        apigw_ecma_put_pair(cx, set);
        cx->term = APIGW_ECMA_T_PAIR;
        cx->term_nonempty = 1;
        cx->term_min = 1;
        return;
    }

    apigw_ecma_commit(cx);

    cx->term = APIGW_ECMA_T_ATOM;
    cx->term_start = cx->len;
    cx->term_src = src;
    cx->term_seen = cx->seen;
    cx->term_nonempty = 1;
    cx->term_min = 1;

    if (half == APIGW_ECMA_LEAD) {
        apigw_ecma_set_free(&cx->lead);
        cx->lead = *set;
        memset(set, 0, sizeof(apigw_ecma_set_t));
        cx->term = APIGW_ECMA_T_LEAD;
        apigw_ecma_puts(cx, APIGW_ECMA_NEVER);
        return;
    }

    apigw_ecma_put_set(cx, set);
}


void
apigw_ecma_atom_text(apigw_ecma_ctx_t *cx, const char *text,
    apigw_ecma_term_e term, int nonempty, size_t src)
{
    apigw_ecma_commit(cx);

    cx->term = term;
    cx->term_start = cx->len;
    cx->term_src = src;
    cx->term_seen = cx->seen;
    cx->term_nonempty = nonempty;
    cx->term_min = 1;

    apigw_ecma_puts(cx, text);
}


/* the last term ends: whether the alternative must consume */
void
apigw_ecma_commit(apigw_ecma_ctx_t *cx)
{
    if (cx->term_nonempty && cx->term_min > 0) {
        cx->groups[cx->depth].alt_nonempty = 1;
    }

    cx->term_nonempty = 0;
    cx->term = APIGW_ECMA_T_NONE;
}


/*
 * the last term repeated: PCRE2's own quantifier up to 65535; beyond, the
 * same counts made of repeats of at most 65535 (apigw_ecma_put_times(),
 * apigw_ecma_put_upto()) up to APIGW_ECMA_EXACT; beyond that, which PCRE2
 * could not hold, a count no string shorter than it can tell from
 * another: a maximum as none, a minimum (of an atom that consumes) as
 * nothing matching, exact for strings of fewer code points (limit)
 */
int
apigw_ecma_repeat(apigw_ecma_ctx_t *cx, uint64_t min, uint64_t max,
    int lazy)
{
    char    *x;
    size_t   n;

    if (min <= APIGW_ECMA_MAX_COUNT
        && (max <= APIGW_ECMA_MAX_COUNT || max == APIGW_ECMA_INF))
    {
        apigw_ecma_put_count(cx, min, max, lazy);
        return 0;
    }

    if (cx->captures && cx->seen > cx->term_seen) {
        return apigw_ecma_fail(cx, cx->start + cx->at, "a group with"
                               " captures repeated more than 65535 times");
    }

    if (min > APIGW_ECMA_EXACT) {
        if (!cx->term_nonempty) {
            return apigw_ecma_fail(cx, cx->start + cx->at, "repeat count"
                                   " too large");
        }

        cx->limit = (cx->limit && cx->limit < min) ? cx->limit : min;
        cx->len = cx->term_start;
        apigw_ecma_puts(cx, APIGW_ECMA_NEVER);
        return 0;
    }

    if (max != APIGW_ECMA_INF && max > APIGW_ECMA_EXACT) {
        cx->limit = (cx->limit && cx->limit <= max) ? cx->limit : max + 1;
        max = APIGW_ECMA_INF;
    }

    n = cx->len - cx->term_start;

    x = malloc(n);
    if (x == NULL) {
        cx->nomem = 1;
        return -1;
    }

    memcpy(x, cx->out + cx->term_start, n);
    cx->len = cx->term_start;
    cx->at = cx->term_src;

    apigw_ecma_puts(cx, "(?:");
    apigw_ecma_put_times(cx, x, n, min);

    if (max == APIGW_ECMA_INF) {
        apigw_ecma_put(cx, x, n);
        apigw_ecma_puts(cx, lazy ? "*?" : "*");

    } else {
        apigw_ecma_put_upto(cx, x, n, max - min, lazy);
    }

    apigw_ecma_puts(cx, ")");
    free(x);

    return 0;
}


/* x exactly count times */
static void
apigw_ecma_put_times(apigw_ecma_ctx_t *cx, const char *x, size_t n,
    uint64_t count)
{
    char    *y;
    size_t   ylen;

    if (count <= APIGW_ECMA_MAX_COUNT) {
        if (count > 0) {
            apigw_ecma_put(cx, x, n);
            apigw_ecma_put_count(cx, count, count, 0);
        }

        return;
    }

    /* (?:x{65535}){q} x{r} */

    y = apigw_ecma_chunk(cx, x, n, &ylen);
    if (y == NULL) {
        return;
    }

    apigw_ecma_put_times(cx, y, ylen, count / APIGW_ECMA_MAX_COUNT);
    apigw_ecma_put_times(cx, x, n, count % APIGW_ECMA_MAX_COUNT);
    free(y);
}


/*
 * x from 0 to count times, count = q * 65535 + r: either q chunks of 65535
 * and up to r more, or fewer chunks and up to 65534 more; one way to spell
 * each count, tried from the most (greedy) or the fewest (lazy)
 */
static void
apigw_ecma_put_upto(apigw_ecma_ctx_t *cx, const char *x, size_t n,
    uint64_t count, int lazy)
{
    char      *y;
    size_t     ylen;
    uint64_t   q, r;

    if (count <= APIGW_ECMA_MAX_COUNT) {
        if (count > 0) {
            apigw_ecma_put(cx, x, n);
            apigw_ecma_put_count(cx, 0, count, lazy);
        }

        return;
    }

    q = count / APIGW_ECMA_MAX_COUNT;
    r = count % APIGW_ECMA_MAX_COUNT;

    y = apigw_ecma_chunk(cx, x, n, &ylen);
    if (y == NULL) {
        return;
    }

    apigw_ecma_puts(cx, "(?:");

    if (lazy) {
        apigw_ecma_put_upto(cx, y, ylen, q - 1, 1);
        apigw_ecma_put_upto(cx, x, n, APIGW_ECMA_MAX_COUNT - 1, 1);
        apigw_ecma_puts(cx, "|");
        apigw_ecma_put_times(cx, x, n, q * APIGW_ECMA_MAX_COUNT);
        apigw_ecma_put_upto(cx, x, n, r, 1);

    } else {
        apigw_ecma_put_times(cx, x, n, q * APIGW_ECMA_MAX_COUNT);
        apigw_ecma_put_upto(cx, x, n, r, 0);
        apigw_ecma_puts(cx, "|");
        apigw_ecma_put_upto(cx, y, ylen, q - 1, 0);
        apigw_ecma_put_upto(cx, x, n, APIGW_ECMA_MAX_COUNT - 1, 0);
    }

    apigw_ecma_puts(cx, ")");
    free(y);
}


/* "(?:x{65535})", malloc()ed */
static char *
apigw_ecma_chunk(apigw_ecma_ctx_t *cx, const char *x, size_t n, size_t *len)
{
    char  *y;

    *len = n + sizeof("(?:{65535})") - 1;

    y = malloc(*len);
    if (y == NULL) {
        cx->nomem = 1;
        return NULL;
    }

    memcpy(y, "(?:", 3);
    memcpy(y + 3, x, n);
    memcpy(y + 3 + n, "{65535})", 8);

    return y;
}


static void
apigw_ecma_put_count(apigw_ecma_ctx_t *cx, uint64_t min, uint64_t max,
    int lazy)
{
    char  buf[64];

    if (min == 0 && max == APIGW_ECMA_INF) {
        snprintf(buf, sizeof(buf), "*");

    } else if (min == 1 && max == APIGW_ECMA_INF) {
        snprintf(buf, sizeof(buf), "+");

    } else if (min == 0 && max == 1) {
        snprintf(buf, sizeof(buf), "?");

    } else if (max == APIGW_ECMA_INF) {
        snprintf(buf, sizeof(buf), "{%u,}", (unsigned) min);

    } else if (min == max) {
        snprintf(buf, sizeof(buf), "{%u}", (unsigned) min);

    } else {
        snprintf(buf, sizeof(buf), "{%u,%u}", (unsigned) min,
                 (unsigned) max);
    }

    apigw_ecma_puts(cx, buf);

    if (lazy) {
        apigw_ecma_puts(cx, "?");
    }
}
