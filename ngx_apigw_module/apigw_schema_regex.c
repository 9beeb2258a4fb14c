
/*
 * Copyright (C) apigw contributors
 */


#include <stdlib.h>
#include <string.h>

#include "apigw_schema_int.h"


/*
 * Patterns that are a plain sequence of ASCII sets, anchored at both ends,
 * such as ^[A-Z]{2}-[0-9]{4}$, matched without PCRE2.  Each set is taken
 * greedily and never given back, which is exact only when nothing given
 * back could be used by what follows: a set whose count may vary must
 * share no character with the sets after it, up to the first one that
 * must match at least once.  Any other pattern is left to PCRE2.
 */


#define APIGW_SCH_RE_TERMS      32
#define APIGW_SCH_RE_MANY       0xffff      /* no upper bound */


static const char *apigw_sch_re_atom(const char *p, const char *end,
    uint64_t set[2]);
static const char *apigw_sch_re_class(const char *p, const char *end,
    uint64_t set[2]);
static const char *apigw_sch_re_escape(const char *p, const char *end,
    uint64_t set[2], int *ch);
static const char *apigw_sch_re_count(const char *p, const char *end,
    unsigned *min, unsigned *max);
static int apigw_sch_re_greedy_exact(const apigw_sch_re_term_t *terms,
    unsigned n);
static void apigw_sch_re_range(uint64_t set[2], int from, int to);


/* NULL when the pattern is not such a sequence (or out of memory) */
apigw_sch_simple_re_t *
apigw_sch_simple_re(apigw_schema_set_t *set, const char *src, size_t len)
{
    unsigned                n, min, max;
    uint64_t                bits[2];
    const char             *p, *end;
    apigw_sch_re_term_t     terms[APIGW_SCH_RE_TERMS];
    apigw_sch_simple_re_t  *re;

    if (len < 2 || src[0] != '^' || src[len - 1] != '$') {
        return NULL;
    }

    p = src + 1;
    end = src + len - 1;
    n = 0;

    while (p < end) {
        if (n == APIGW_SCH_RE_TERMS) {
            return NULL;
        }

        p = apigw_sch_re_atom(p, end, bits);
        if (p == NULL) {
            return NULL;
        }

        min = 1;
        max = 1;

        if (p < end) {
            p = apigw_sch_re_count(p, end, &min, &max);
            if (p == NULL) {
                return NULL;
            }
        }

        terms[n].set[0] = bits[0];
        terms[n].set[1] = bits[1];
        terms[n].min = (uint16_t) min;
        terms[n].max = (uint16_t) max;
        n++;
    }

    /* the $ was escaped: "\$" is a literal, and the pattern unanchored */
    if (p != end) {
        return NULL;
    }

    if (!apigw_sch_re_greedy_exact(terms, n)) {
        return NULL;
    }

    re = apigw_sch_alloc(set, sizeof(apigw_sch_simple_re_t)
                              + n * sizeof(apigw_sch_re_term_t));
    if (re == NULL) {
        return NULL;
    }

    re->n = n;
    memcpy(re->terms, terms, n * sizeof(apigw_sch_re_term_t));

    return re;
}


int
apigw_sch_simple_match(const apigw_sch_simple_re_t *re, const char *s,
    size_t len)
{
    size_t                      i, count, max;
    unsigned                    c;
    const apigw_sch_re_term_t  *t, *last;

    i = 0;

    for (t = re->terms, last = t + re->n; t < last; t++) {
        max = (t->max == APIGW_SCH_RE_MANY) ? len : t->max;

        for (count = 0; count < max && i < len; count++, i++) {
            c = (unsigned char) s[i];

            if (c >= 128 || !(t->set[c >> 6] & ((uint64_t) 1 << (c & 63)))) {
                break;
            }
        }

        if (count < t->min) {
            return 0;
        }
    }

    return i == len;
}


/* a character, an escape or a class; NULL when not simple */
static const char *
apigw_sch_re_atom(const char *p, const char *end, uint64_t set[2])
{
    int  ch;

    set[0] = 0;
    set[1] = 0;

    switch (*p) {

    case '[':
        return apigw_sch_re_class(p + 1, end, set);

    case '\\':
        p = apigw_sch_re_escape(p + 1, end, set, &ch);
        if (p != NULL && ch >= 0) {
            apigw_sch_re_range(set, ch, ch);
        }

        return p;

    case '.': case '(': case ')': case '|': case '*': case '+': case '?':
    case '{': case '}': case ']': case '^': case '$':
        return NULL;

    default:
        if ((unsigned char) *p < 0x20 || (unsigned char) *p > 0x7e) {
            return NULL;
        }

        apigw_sch_re_range(set, *p, *p);
        return p + 1;
    }
}


/*
 * after '[': characters, ranges and \d \w, up to ']'; not negated, not
 * empty (ECMA's [] matches nothing, PCRE2 reads it otherwise)
 */
static const char *
apigw_sch_re_class(const char *p, const char *end, uint64_t set[2])
{
    int  from, to;

    if (p < end && (*p == '^' || *p == ']')) {
        return NULL;
    }

    while (p < end && *p != ']') {
        if (*p == '\\') {
            p = apigw_sch_re_escape(p + 1, end, set, &from);
            if (p == NULL) {
                return NULL;
            }

            if (from < 0) {
                /* \d or \w: no range from it; [\w-x] is \w, "-", x */
                if (p + 1 < end && *p == '-' && p[1] != ']') {
                    return NULL;
                }

                continue;
            }

        } else if ((unsigned char) *p < 0x20 || (unsigned char) *p > 0x7e
                   || *p == '[')
        {
            return NULL;

        } else {
            from = (unsigned char) *p++;
        }

        if (p + 1 < end && *p == '-' && p[1] != ']') {
            p++;

            if (*p == '\\') {
                p = apigw_sch_re_escape(p + 1, end, set, &to);
                if (p == NULL || to < 0) {
                    return NULL;
                }

            } else if ((unsigned char) *p < 0x20
                       || (unsigned char) *p > 0x7e || *p == '[')
            {
                return NULL;

            } else {
                to = (unsigned char) *p++;
            }

            if (to < from) {
                return NULL;
            }

            apigw_sch_re_range(set, from, to);
            continue;
        }

        apigw_sch_re_range(set, from, from);
    }

    if (p == end) {
        return NULL;
    }

    return p + 1;
}


/*
 * after '\': \d and \w add their sets (*ch is -1), an escaped ASCII
 * punctuation character is itself (*ch); anything else (\b, \s, \u...)
 * is not simple
 */
static const char *
apigw_sch_re_escape(const char *p, const char *end, uint64_t set[2],
    int *ch)
{
    if (p == end) {
        return NULL;
    }

    *ch = -1;

    switch (*p) {

    case 'd':
        apigw_sch_re_range(set, '0', '9');
        return p + 1;

    case 'w':
        apigw_sch_re_range(set, '0', '9');
        apigw_sch_re_range(set, 'A', 'Z');
        apigw_sch_re_range(set, 'a', 'z');
        apigw_sch_re_range(set, '_', '_');
        return p + 1;

    default:
        /* \b is a backspace in a class and a word boundary outside */
        if ((unsigned char) *p > 0x7e || (unsigned char) *p <= 0x20
            || (*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z')
            || (*p >= 'a' && *p <= 'z') || *p == '_')
        {
            return NULL;
        }

        *ch = (unsigned char) *p;
        return p + 1;
    }
}


/* ?, *, +, {n}, {n,}, {n,m}; none: 1 and 1 */
static const char *
apigw_sch_re_count(const char *p, const char *end, unsigned *min,
    unsigned *max)
{
    unsigned  n;

    switch (*p) {

    case '?':
        *min = 0;
        *max = 1;
        p++;
        break;

    case '*':
        *min = 0;
        *max = APIGW_SCH_RE_MANY;
        p++;
        break;

    case '+':
        *min = 1;
        *max = APIGW_SCH_RE_MANY;
        p++;
        break;

    case '{':
        p++;

        for (n = 0; p < end && *p >= '0' && *p <= '9'; p++) {
            n = n * 10 + (*p - '0');

            if (n >= APIGW_SCH_RE_MANY) {
                return NULL;
            }
        }

        if (p == end || (*p != ',' && *p != '}') || p[-1] == '{') {
            return NULL;
        }

        *min = n;
        *max = n;

        if (*p == ',') {
            p++;
            *max = APIGW_SCH_RE_MANY;

            if (p < end && *p != '}') {
                for (n = 0; p < end && *p >= '0' && *p <= '9'; p++) {
                    n = n * 10 + (*p - '0');

                    if (n >= APIGW_SCH_RE_MANY) {
                        return NULL;
                    }
                }

                if (n < *min) {
                    return NULL;
                }

                *max = n;
            }
        }

        if (p == end || *p != '}') {
            return NULL;
        }

        p++;
        break;

    default:
        return p;
    }

    /* lazy (x*?) and possessive counts, or a count counted again */
    if (p < end && (*p == '?' || *p == '*' || *p == '+' || *p == '{')) {
        return NULL;
    }

    return p;
}


/* what a term may give back no later term up to a required one can take */
static int
apigw_sch_re_greedy_exact(const apigw_sch_re_term_t *terms, unsigned n)
{
    unsigned  i, j;

    for (i = 0; i < n; i++) {
        if (terms[i].min == terms[i].max) {
            continue;
        }

        for (j = i + 1; j < n; j++) {
            if ((terms[i].set[0] & terms[j].set[0])
                || (terms[i].set[1] & terms[j].set[1]))
            {
                return 0;
            }

            if (terms[j].min > 0) {
                break;
            }
        }
    }

    return 1;
}


static void
apigw_sch_re_range(uint64_t set[2], int from, int to)
{
    int  c;

    for (c = from; c <= to; c++) {
        set[c >> 6] |= (uint64_t) 1 << (c & 63);
    }
}
