
/*
 * Copyright (C) apigw contributors
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_schema_ecma_int.h"


/*
 * ECMA-262 patterns ("pattern", "patternProperties") as PCRE2 patterns
 * with the same meaning, compiled with APIGW_ECMA_PCRE2.  A pattern is
 * read as ECMA-262 with the u flag, as JSON Schema asks, and with Annex
 * B's leniencies where they mean what every engine means: an escaped
 * character that is no letter ("\-", "\@", "\8"), a brace that is no
 * quantifier, [\w-.], octal escapes, \1 with no such group, a repeated
 * lookahead.  Where Annex B would read what the u flag refuses otherwise
 * than its authors meant, the pattern is refused: escapes of letters
 * ECMA-262 does not define (\A, \Z, \h: the letter itself), a lone "]"
 * (mostly [[:alpha:]] or []a]), {,n}, and \c \x \u \p \k misused.
 * Everything is written out (\x{...}, classes of ranges), so nothing
 * depends on PCRE2 reading the original as ECMA-262 does:
 *
 *   - \d \w \s \D \W \S and ".": ECMA-262's sets, as classes; \b \B
 *     on ASCII words (PCRE2's, without UCP), with i as the u flag has it;
 *   - \uXXXX, \u{...}, \xXX, \cX, \0, octal: code points; a surrogate
 *     pair written as two \u escapes is one code point; a surrogate pair
 *     written as two atoms (\uD83D[\uDE00-\uDE4F], without the u flag)
 *     is the code points it makes; a lone surrogate matches nothing, as
 *     it can match nothing in UTF-8 text;
 *   - \p{...}: long names and the gc=, sc=, scx= forms as PCRE2 spells
 *     them, Assigned as \P{Cn};
 *   - groups capture only when the pattern has backreferences, which
 *     become \g{N} (named ones by number, several groups of one name as
 *     conditionals);
 *   - repeat counts above PCRE2's 65535 become nested repeats of the
 *     same meaning; counts PCRE2 cannot hold at all are exact for strings
 *     shorter than them (apigw_ecma_t.limit);
 *   - ES2025's modifiers (?ims-ims:...) and duplicate group names.
 */


static void apigw_ecma_scan(apigw_ecma_ctx_t *cx);
static int apigw_ecma_parse(apigw_ecma_ctx_t *cx);
static int apigw_ecma_group_open(apigw_ecma_ctx_t *cx);
static int apigw_ecma_modifiers(apigw_ecma_ctx_t *cx);
static void apigw_ecma_group_close(apigw_ecma_ctx_t *cx);
static int apigw_ecma_escape_atom(apigw_ecma_ctx_t *cx);
static int apigw_ecma_backref(apigw_ecma_ctx_t *cx, uint64_t n);
static int apigw_ecma_named_backref(apigw_ecma_ctx_t *cx);
static int apigw_ecma_unicode(apigw_ecma_ctx_t *cx, uint32_t *cp);
static uint32_t apigw_ecma_octal(apigw_ecma_ctx_t *cx);
static int apigw_ecma_name(apigw_ecma_ctx_t *cx, char *name, size_t *len);
static int apigw_ecma_name_path(apigw_ecma_ctx_t *cx);
static int apigw_ecma_quantifier(apigw_ecma_ctx_t *cx, uint64_t min,
    uint64_t max);
static int apigw_ecma_braces(const char *p, const char *end, uint64_t *min,
    uint64_t *max, const char **next);
static uint64_t apigw_ecma_number(const char **p, const char *end);
static int apigw_ecma_hex(const char *p, const char *end, size_t n,
    uint32_t *v);


int
apigw_ecma_translate(const char *src, size_t len, apigw_ecma_t *re)
{
    int                rc;
    apigw_ecma_ctx_t  *cx;

    memset(re, 0, sizeof(apigw_ecma_t));

    cx = calloc(1, sizeof(apigw_ecma_ctx_t));
    if (cx == NULL) {
        return -1;
    }

    cx->start = src;
    cx->end = src + len;

    apigw_ecma_scan(cx);

    cx->p = src;
    cx->groups[0].nonempty = 1;

    rc = apigw_ecma_parse(cx);

    if (rc == 0) {
        apigw_ecma_put(cx, "", 1);
    }

    if (rc == 0 && cx->error == NULL && !cx->nomem) {
        re->pattern = cx->out;
        re->map = cx->map;
        re->len = cx->len - 1;
        re->limit = (cx->limit > (uint64_t) (size_t) -1) ? 0
                    : (size_t) cx->limit;

    } else {
        re->error = cx->nomem ? NULL : cx->error;
        re->offset = cx->error_at;
        free(cx->out);
        free(cx->map);
        rc = -1;
    }

    apigw_ecma_set_free(&cx->lead);
    free(cx->names);
    free(cx->name);
    free(cx->paths);
    free(cx);

    return rc;
}


void
apigw_ecma_free(apigw_ecma_t *re)
{
    free(re->pattern);
    free(re->map);
    re->pattern = NULL;
    re->map = NULL;
}


int
apigw_ecma_compile(const char *src, size_t len, pcre2_code **code,
    size_t *limit, char *msg, size_t size)
{
    int            rc;
    size_t         off;
    PCRE2_UCHAR    pmsg[256];
    apigw_ecma_t   re;

    *code = NULL;
    *limit = 0;

    if (apigw_ecma_translate(src, len, &re) != 0) {
        if (re.error == NULL) {
            return -2;
        }

        snprintf(msg, size, "at offset %zu: %s", re.offset, re.error);
        return -1;
    }

    *code = pcre2_compile((PCRE2_SPTR) re.pattern, re.len, APIGW_ECMA_PCRE2,
                          &rc, &off, NULL);

    if (*code == NULL) {
        /* PCRE2's offset is in the translation: the atom's in src */
        pcre2_get_error_message(rc, pmsg, sizeof(pmsg));
        snprintf(msg, size, "at offset %u: %s",
                 re.map[off < re.len ? off : re.len], (char *) pmsg);
    }

    *limit = re.limit;
    apigw_ecma_free(&re);

    if (*code != NULL) {
        return 0;
    }

    return (rc == PCRE2_ERROR_HEAP_FAILED) ? -2 : -1;
}


/*
 * before the translation: the capturing groups, their names, and whether
 * anything refers back to them (then, and only then, groups capture)
 */
static void
apigw_ecma_scan(apigw_ecma_ctx_t *cx)
{
    int          in_class, refs;
    char         name[APIGW_ECMA_MAX_NAME];
    size_t       len;
    uint64_t     least, n;
    const char  *p;

    in_class = 0;
    refs = 0;
    least = APIGW_ECMA_INF;
    cx->p = cx->start;

    while (cx->p < cx->end) {
        p = cx->p;

        if (*p == '\\' && p + 1 < cx->end) {
            cx->p = p + 2;

            if (!in_class && p[1] >= '1' && p[1] <= '9') {
                cx->p = p + 1;
                n = apigw_ecma_number(&cx->p, cx->end);
                least = (n < least) ? n : least;

            } else if (!in_class && p[1] == 'k') {
                refs = 1;
            }

            continue;
        }

        cx->p = p + 1;

        if (in_class) {
            in_class = (*p != ']');
            continue;
        }

        if (*p == '[') {
            in_class = 1;
            continue;
        }

        if (*p != '(') {
            continue;
        }

        if (cx->p == cx->end || *cx->p != '?') {
            cx->ncaps++;
            continue;
        }

        if (cx->end - cx->p < 3 || cx->p[1] != '<' || cx->p[2] == '='
            || cx->p[2] == '!')
        {
            continue;
        }

        cx->ncaps++;
        cx->p += 2;

        if (apigw_ecma_name(cx, name, &len) != 0
            || apigw_ecma_grow(cx, (void **) &cx->names, &cx->names_cap,
                               cx->names_len + len, 1) != 0
            || apigw_ecma_grow(cx, (void **) &cx->name, &cx->name_cap,
                               cx->nname + 1, sizeof(apigw_ecma_name_t))
               != 0)
        {
            continue;
        }

        memcpy(cx->names + cx->names_len, name, len);
        cx->name[cx->nname].off = cx->names_len;
        cx->name[cx->nname].len = len;
        cx->name[cx->nname].group = cx->ncaps;
        cx->names_len += len;
        cx->nname++;
    }

    cx->captures = (least <= cx->ncaps) || (refs && cx->nname);

    /* the translation reports what could not be read */
    cx->error = NULL;
}


static int
apigw_ecma_parse(apigw_ecma_ctx_t *cx)
{
    int                len;
    char               c;
    uint32_t           cp;
    uint64_t           min, max;
    const char        *next;
    apigw_ecma_set_t   set;

    while (cx->error == NULL && !cx->nomem) {

        if (cx->p == cx->end) {
            if (cx->depth > 0) {
                return apigw_ecma_fail(cx,
                                  cx->start + cx->groups[cx->depth].src,
                                  "missing closing parenthesis");
            }

            apigw_ecma_commit(cx);
            return 0;
        }

        c = *cx->p;
        cx->at = cx->p - cx->start;

        switch (c) {

        case '|':
            apigw_ecma_commit(cx);
            cx->groups[cx->depth].nonempty &=
                                           cx->groups[cx->depth].alt_nonempty;
            cx->groups[cx->depth].alt_nonempty = 0;
            cx->groups[cx->depth].alt++;
            apigw_ecma_puts(cx, "|");
            cx->p++;
            break;

        case '(':
            if (apigw_ecma_group_open(cx) != 0) {
                return -1;
            }

            break;

        case ')':
            if (cx->depth == 0) {
                return apigw_ecma_fail(cx, cx->p,
                                       "unmatched closing parenthesis");
            }

            apigw_ecma_group_close(cx);
            cx->p++;
            break;

        case '*':
        case '+':
        case '?':
            cx->p++;

            if (apigw_ecma_quantifier(cx, c == '+', c == '?' ? 1
                                                  : APIGW_ECMA_INF)
                != 0)
            {
                return -1;
            }

            break;

        case '{':
            if (apigw_ecma_braces(cx->p, cx->end, &min, &max, &next)) {
                cx->p = next;

                if (apigw_ecma_quantifier(cx, min, max) != 0) {
                    return -1;
                }

                break;
            }

            /* Annex B: a brace that is no quantifier is itself */

            if (cx->end - cx->p > 2 && cx->p[1] == ','
                && cx->p[2] >= '0' && cx->p[2] <= '9')
            {
                return apigw_ecma_fail(cx, cx->p, "{,n} is not a quantifier"
                                       " in ECMA-262 (write {0,n})");
            }

            apigw_ecma_atom_text(cx, "\\x{7b}", APIGW_ECMA_T_ATOM, 1,
                                 cx->at);
            cx->p++;
            break;

        case '}':
            apigw_ecma_atom_text(cx, "\\x{7d}", APIGW_ECMA_T_ATOM, 1,
                                 cx->at);
            cx->p++;
            break;

        case ']':
            /* Annex B reads it as itself; it is mostly [[:alpha:]] or []a] */
            return apigw_ecma_fail(cx, cx->p, "unmatched ] (write \\] for"
                                   " the character; POSIX classes such as"
                                   " [[:alpha:]] are not ECMA-262)");

        case '^':
            apigw_ecma_atom_text(cx, (cx->flags & APIGW_ECMA_M)
                                     ? "(?<!" APIGW_ECMA_NOT_EOL ")" : "^",
                                 APIGW_ECMA_T_ASSERT, 0, cx->at);
            cx->p++;
            break;

        case '$':
            apigw_ecma_atom_text(cx, (cx->flags & APIGW_ECMA_M)
                                     ? "(?!" APIGW_ECMA_NOT_EOL ")" : "$",
                                 APIGW_ECMA_T_ASSERT, 0, cx->at);
            cx->p++;
            break;

        case '.':
            apigw_ecma_atom_text(cx, (cx->flags & APIGW_ECMA_S)
                                     ? APIGW_ECMA_ANY : APIGW_ECMA_NOT_EOL,
                                 APIGW_ECMA_T_ATOM, 1, cx->at);
            cx->p++;
            break;

        case '[':
            memset(&set, 0, sizeof(apigw_ecma_set_t));
            cx->p++;

            if (apigw_ecma_class(cx, &set) == 0) {
                apigw_ecma_atom_set(cx, &set, cx->at);
            }

            apigw_ecma_set_free(&set);
            break;

        case '\\':
            if (apigw_ecma_escape_atom(cx) != 0) {
                return -1;
            }

            break;

        default:
            len = (int) apigw_utf8_char(cx->p, cx->end, &cp);
            if (len == 0) {
                return apigw_ecma_fail(cx, cx->p, "invalid UTF-8");
            }

            memset(&set, 0, sizeof(apigw_ecma_set_t));
            apigw_ecma_set_add(cx, &set, cp, cp);
            apigw_ecma_atom_set(cx, &set, cx->at);
            apigw_ecma_set_free(&set);
            cx->p += len;
            break;
        }
    }

    return -1;
}


/* at "(": the group's kind, then its opening in PCRE2's terms */
static int
apigw_ecma_group_open(apigw_ecma_ctx_t *cx)
{
    char                 name[APIGW_ECMA_MAX_NAME];
    size_t               len;
    const char          *p;
    apigw_ecma_group_t  *g;

    apigw_ecma_commit(cx);

    if (cx->depth == APIGW_ECMA_MAX_DEPTH) {
        return apigw_ecma_fail(cx, cx->p, "parentheses are too deeply"
                               " nested");
    }

    g = &cx->groups[++cx->depth];
    memset(g, 0, sizeof(apigw_ecma_group_t));
    g->serial = ++cx->serial;
    g->start = cx->len;
    g->src = cx->at;
    g->flags = cx->flags;
    g->seen = cx->seen;
    g->nonempty = 1;

    p = cx->p + 1;
    cx->term = APIGW_ECMA_T_NONE;

    if (p == cx->end || *p != '?') {
        cx->seen++;
        apigw_ecma_puts(cx, cx->captures ? "(" : "(?:");
        cx->p = p;
        return 0;
    }

    p++;

    if (p < cx->end && (*p == ':' || *p == '=' || *p == '!')) {
        apigw_ecma_put(cx, cx->p, 3);
        g->lookahead = (*p != ':');
        cx->p = p + 1;
        return 0;
    }

    if (cx->end - p >= 2 && p[0] == '<' && (p[1] == '=' || p[1] == '!')) {
        apigw_ecma_put(cx, cx->p, 4);
        g->lookbehind = 1;
        cx->p = p + 2;
        return 0;
    }

    if (p < cx->end && *p == '<') {
        cx->p = p + 1;

        if (apigw_ecma_name(cx, name, &len) != 0
            || apigw_ecma_name_path(cx) != 0)
        {
            return -1;
        }

        cx->seen++;
        apigw_ecma_puts(cx, cx->captures ? "(" : "(?:");
        return 0;
    }

    cx->p = p;

    return apigw_ecma_modifiers(cx);
}


/* after "(?": ES2025's (?ims-ims:...); i goes to PCRE2, m and s are ours */
static int
apigw_ecma_modifiers(apigw_ecma_ctx_t *cx)
{
    unsigned     on, off, *set, bit;
    const char  *p;

    on = 0;
    off = 0;
    set = &on;

    for (p = cx->p; p < cx->end && *p != ':'; p++) {
        switch (*p) {

        case 'i':
            bit = APIGW_ECMA_I;
            break;

        case 'm':
            bit = APIGW_ECMA_M;
            break;

        case 's':
            bit = APIGW_ECMA_S;
            break;

        case '-':
            if (set == &off) {
                goto invalid;
            }

            set = &off;
            continue;

        default:
            goto invalid;
        }

        if ((on | off) & bit) {
            goto invalid;
        }

        *set |= bit;
    }

    if (p == cx->end || (set == &off && (on | off) == 0)) {
        goto invalid;
    }

    cx->flags = (cx->flags | on) & ~off;
    cx->p = p + 1;

    apigw_ecma_puts(cx, (on & APIGW_ECMA_I) ? "(?i:"
                        : (off & APIGW_ECMA_I) ? "(?-i:" : "(?:");

    return 0;

invalid:

    return apigw_ecma_fail(cx, cx->p - 2, "invalid group: ECMA-262 has (?:,"
                           " (?=, (?!, (?<=, (?<!, (?<name> and"
                           " (?ims-ims:");
}


static void
apigw_ecma_group_close(apigw_ecma_ctx_t *cx)
{
    apigw_ecma_group_t  *g;

    apigw_ecma_commit(cx);

    g = &cx->groups[cx->depth--];
    g->nonempty &= g->alt_nonempty;

    apigw_ecma_puts(cx, ")");

    cx->flags = g->flags;
    cx->term = g->lookbehind ? APIGW_ECMA_T_ASSERT : APIGW_ECMA_T_ATOM;
    cx->term_start = g->start;
    cx->term_src = g->src;
    cx->term_seen = g->seen;
    cx->term_nonempty = !g->lookahead && !g->lookbehind && g->nonempty;
    cx->term_min = 1;
}


/* at "\" outside a class */
static int
apigw_ecma_escape_atom(apigw_ecma_ctx_t *cx)
{
    int                rc;
    uint32_t           cp;
    uint64_t           n;
    const char        *p, *text;
    apigw_ecma_set_t   set;

    p = cx->p + 1;

    if (p == cx->end) {
        return apigw_ecma_fail(cx, cx->p, "\\ at end of pattern");
    }

    switch (*p) {

    case 'b':
    case 'B':
        if (!(cx->flags & APIGW_ECMA_I)) {
            text = (*p == 'b') ? "\\b" : "\\B";

        } else if (*p == 'b') {
            text = "(?:(?<=[0-9A-Z_a-z\\x{17f}\\x{212a}])"
                   "(?![0-9A-Z_a-z\\x{17f}\\x{212a}])"
                   "|(?<![0-9A-Z_a-z\\x{17f}\\x{212a}])"
                   "(?=[0-9A-Z_a-z\\x{17f}\\x{212a}]))";

        } else {
            text = "(?:(?<=[0-9A-Z_a-z\\x{17f}\\x{212a}])"
                   "(?=[0-9A-Z_a-z\\x{17f}\\x{212a}])"
                   "|(?<![0-9A-Z_a-z\\x{17f}\\x{212a}])"
                   "(?![0-9A-Z_a-z\\x{17f}\\x{212a}]))";
        }

        apigw_ecma_atom_text(cx, text, APIGW_ECMA_T_ASSERT, 0, cx->at);
        cx->p = p + 1;
        return 0;

    case '1': case '2': case '3': case '4': case '5': case '6': case '7':
    case '8': case '9':
        cx->p = p;
        n = apigw_ecma_number(&cx->p, cx->end);

        if (n <= cx->ncaps) {
            return apigw_ecma_backref(cx, n);
        }

        /* Annex B: no such group, an octal escape or the digit itself */

        if (*p >= '8') {
            cp = (uint32_t) *p;
            cx->p = p + 1;

        } else {
            cx->p = p;
            cp = apigw_ecma_octal(cx);
        }

        memset(&set, 0, sizeof(apigw_ecma_set_t));
        apigw_ecma_set_add(cx, &set, cp, cp);
        apigw_ecma_atom_set(cx, &set, cx->at);
        apigw_ecma_set_free(&set);
        return 0;

    case 'k':
        if (cx->nname == 0) {
            return apigw_ecma_fail(cx, cx->p, "\\k without named groups is"
                                   " not ECMA-262 (with the u flag)");
        }

        cx->p = p + 1;
        return apigw_ecma_named_backref(cx);

    default:
        break;
    }

    memset(&set, 0, sizeof(apigw_ecma_set_t));
    cx->p = p;

    rc = apigw_ecma_escape(cx, &cp, &set);

    if (rc == 1) {
        apigw_ecma_set_add(cx, &set, cp, cp);
    }

    if (rc > 0) {
        apigw_ecma_atom_set(cx, &set, cx->at);
    }

    apigw_ecma_set_free(&set);

    return (rc > 0) ? 0 : -1;
}


static int
apigw_ecma_backref(apigw_ecma_ctx_t *cx, uint64_t n)
{
    char  buf[32];

    snprintf(buf, sizeof(buf), "\\g{%u}", (unsigned) n);
    apigw_ecma_atom_text(cx, buf, APIGW_ECMA_T_ATOM, 0, cx->at);

    return 0;
}


/*
 * after "\k": "<name>", the group of that name, or (ES2025) the first of
 * the groups of that name that took part, as conditionals
 */
static int
apigw_ecma_named_backref(apigw_ecma_ctx_t *cx)
{
    char                buf[64], name[APIGW_ECMA_MAX_NAME];
    size_t              i, k, len, n, start, src;
    apigw_ecma_name_t  *e;

    src = cx->at;

    if (cx->p == cx->end || *cx->p != '<') {
        return apigw_ecma_fail(cx, cx->p - 2, "\\k must be followed by"
                               " <name>");
    }

    cx->p++;

    if (apigw_ecma_name(cx, name, &len) != 0) {
        return -1;
    }

    n = 0;

    for (i = 0; i < cx->nname; i++) {
        e = &cx->name[i];
        n += (e->len == len && memcmp(cx->names + e->off, name, len) == 0);
    }

    if (n == 0) {
        return apigw_ecma_fail(cx, cx->start + src, "\\k names no group");
    }

    apigw_ecma_commit(cx);

    start = cx->len;
    k = 0;

    for (i = 0; i < cx->nname; i++) {
        e = &cx->name[i];

        if (e->len != len || memcmp(cx->names + e->off, name, len) != 0) {
            continue;
        }

        if (++k < n) {
            snprintf(buf, sizeof(buf), "(?(%u)\\g{%u}|", e->group, e->group);

        } else {
            snprintf(buf, sizeof(buf), "\\g{%u}", e->group);
        }

        apigw_ecma_puts(cx, buf);
    }

    while (--k > 0) {
        apigw_ecma_puts(cx, ")");
    }

    cx->term = APIGW_ECMA_T_ATOM;
    cx->term_start = start;
    cx->term_src = src;
    cx->term_seen = cx->seen;
    cx->term_nonempty = 0;
    cx->term_min = 1;

    return 0;
}


/*
 * after "\", in a class or out of one (where b, B, k and digits 1-9 are
 * taken already): 1 with a character in *cp, 2 with a class escape added
 * to set, -1 on error
 */
int
apigw_ecma_escape(apigw_ecma_ctx_t *cx, uint32_t *cp, apigw_ecma_set_t *set)
{
    int          len;
    char         c;
    uint32_t     v;
    const char  *p;

    p = cx->p;

    if (p == cx->end) {
        return apigw_ecma_fail(cx, p - 1, "\\ at end of pattern");
    }

    c = *p;
    cx->p = p + 1;

    switch (c) {

    case 'd':
    case 'D':
    case 'w':
    case 'W':
    case 's':
    case 'S':
        apigw_ecma_set_escape(cx, c, set);
        return 2;

    case 'p':
    case 'P':
        return (apigw_ecma_property(cx, c == 'P', set) == 0) ? 2 : -1;

    case 'f':
        *cp = 0x0c;
        return 1;

    case 'n':
        *cp = 0x0a;
        return 1;

    case 'r':
        *cp = 0x0d;
        return 1;

    case 't':
        *cp = 0x09;
        return 1;

    case 'v':
        *cp = 0x0b;
        return 1;

    case 'b':
        /* in a class: backspace */
        *cp = 0x08;
        return 1;

    case 'c':
        if (cx->p < cx->end
            && ((*cx->p >= 'a' && *cx->p <= 'z')
                || (*cx->p >= 'A' && *cx->p <= 'Z')))
        {
            *cp = (uint32_t) (*cx->p++ % 32);
            return 1;
        }

        return apigw_ecma_fail(cx, p - 1, "\\c must be followed by a letter");

    case 'x':
        if (apigw_ecma_hex(cx->p, cx->end, 2, cp)) {
            cx->p += 2;
            return 1;
        }

        return apigw_ecma_fail(cx, p - 1, "\\x must be followed by two hex"
                               " digits");

    case 'u':
        return (apigw_ecma_unicode(cx, cp) == 0) ? 1 : -1;

    case '0':
        if (cx->p == cx->end || *cx->p < '0' || *cx->p > '9') {
            *cp = 0;
            return 1;
        }

        /* fall through */

    case '1': case '2': case '3': case '4': case '5': case '6': case '7':
        /* Annex B's legacy octal escapes (a class has no backreferences) */
        cx->p = p;
        *cp = apigw_ecma_octal(cx);
        return 1;

    case '-':
        *cp = '-';
        return 1;

    default:
        break;
    }

    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        /* the u flag refuses them; Annex B's letter is never what is meant */
        return apigw_ecma_fail(cx, p - 1, "not an ECMA-262 escape (\\A, \\Z,"
                               " \\z, \\h, \\i... belong to other regular"
                               " expression languages)");
    }

    /* an identity escape: "\-", "\/", "\@", "\8", ... (Annex B) */

    len = (int) apigw_utf8_char(p, cx->end, &v);
    if (len == 0) {
        return apigw_ecma_fail(cx, p, "invalid UTF-8");
    }

    cx->p = p + len;
    *cp = v;

    return 1;
}


/*
 * after "\u": XXXX, a pair of them (one code point), or {X...}; a lone
 * surrogate stays one, for the caller
 */
static int
apigw_ecma_unicode(apigw_ecma_ctx_t *cx, uint32_t *cp)
{
    uint32_t     v, lo;
    const char  *p;

    p = cx->p;

    if (p < cx->end && *p == '{') {
        v = 0;

        for (p++; p < cx->end && apigw_ecma_hex(p, cx->end, 1, &lo); p++) {
            v = (v << 4) | lo;

            if (v > APIGW_ECMA_MAX_CP) {
                return apigw_ecma_fail(cx, cx->p - 2, "\\u{...} is above"
                                       " 10FFFF");
            }
        }

        if (p == cx->p + 1 || p == cx->end || *p != '}') {
            return apigw_ecma_fail(cx, cx->p - 2, "\\u{ must be followed by"
                                   " hex digits and }");
        }

        cx->p = p + 1;
        *cp = v;
        return 0;
    }

    if (!apigw_ecma_hex(p, cx->end, 4, &v)) {
        return apigw_ecma_fail(cx, cx->p - 2, "\\u must be followed by four"
                               " hex digits or {hex digits}");
    }

    cx->p = p + 4;

    if (v >= 0xd800 && v <= 0xdbff && cx->end - cx->p >= 6
        && cx->p[0] == '\\' && cx->p[1] == 'u'
        && apigw_ecma_hex(cx->p + 2, cx->end, 4, &lo)
        && lo >= 0xdc00 && lo <= 0xdfff)
    {
        v = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00);
        cx->p += 6;
    }

    *cp = v;

    return 0;
}


/* Annex B's LegacyOctalEscapeSequence, from its first digit (0-7) */
static uint32_t
apigw_ecma_octal(apigw_ecma_ctx_t *cx)
{
    uint32_t     v;
    const char  *p;

    p = cx->p;
    v = (uint32_t) (*p++ - '0');

    if (p < cx->end && *p >= '0' && *p <= '7') {
        v = v * 8 + (uint32_t) (*p++ - '0');

        if (v < 32 && p < cx->end && *p >= '0' && *p <= '7') {
            v = v * 8 + (uint32_t) (*p++ - '0');
        }
    }

    cx->p = p;

    return v;
}


/*
 * a group name up to ">": RegExpIdentifierName, any non-ASCII character
 * taken for an identifier's, \u escapes decoded; name is UTF-8
 */
static int
apigw_ecma_name(apigw_ecma_ctx_t *cx, char *name, size_t *len)
{
    int          n;
    size_t       i;
    uint32_t     cp;
    const char  *at;

    at = cx->p;
    i = 0;

    while (cx->p < cx->end && *cx->p != '>') {
        if (*cx->p == '\\') {
            if (cx->end - cx->p < 2 || cx->p[1] != 'u') {
                goto invalid;
            }

            cx->p += 2;

            if (apigw_ecma_unicode(cx, &cp) != 0) {
                return -1;
            }

        } else {
            n = (int) apigw_utf8_char(cx->p, cx->end, &cp);
            if (n == 0) {
                goto invalid;
            }

            cx->p += n;
        }

        if (!((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z')
              || cp == '$' || cp == '_' || (cp >= '0' && cp <= '9' && i > 0)
              || (cp >= 0x80 && (cp < 0xd800 || cp > 0xdfff))))
        {
            goto invalid;
        }

        if (i + 4 > APIGW_ECMA_MAX_NAME) {
            goto invalid;
        }

        /* the name's UTF-8 */

        if (cp < 0x80) {
            name[i++] = (char) cp;

        } else if (cp < 0x800) {
            name[i++] = (char) (0xc0 | (cp >> 6));
            name[i++] = (char) (0x80 | (cp & 0x3f));

        } else if (cp < 0x10000) {
            name[i++] = (char) (0xe0 | (cp >> 12));
            name[i++] = (char) (0x80 | ((cp >> 6) & 0x3f));
            name[i++] = (char) (0x80 | (cp & 0x3f));

        } else {
            name[i++] = (char) (0xf0 | (cp >> 18));
            name[i++] = (char) (0x80 | ((cp >> 12) & 0x3f));
            name[i++] = (char) (0x80 | ((cp >> 6) & 0x3f));
            name[i++] = (char) (0x80 | (cp & 0x3f));
        }
    }

    if (cx->p == cx->end || i == 0) {
        goto invalid;
    }

    cx->p++;
    *len = i;

    return 0;

invalid:

    return apigw_ecma_fail(cx, at, "invalid group name");
}


/*
 * the named group just opened, the cx->named-th: where it is, and (ES2025)
 * no group of the same name may take part in the same match, so each
 * earlier one must be in another alternative of some group around both
 */
static int
apigw_ecma_name_path(apigw_ecma_ctx_t *cx)
{
    size_t              i, k, d;
    const uint32_t     *x, *y;
    apigw_ecma_name_t  *e, *o;

    if (cx->named >= cx->nname) {
        return 0;
    }

    e = &cx->name[cx->named++];

    if (apigw_ecma_grow(cx, (void **) &cx->paths, &cx->paths_cap,
                        cx->paths_len + 2 * cx->depth, sizeof(uint32_t))
        != 0)
    {
        return -1;
    }

    e->path = cx->paths_len;
    e->npath = 2 * cx->depth;

    for (d = 0; d < cx->depth; d++) {
        cx->paths[cx->paths_len++] = cx->groups[d].serial;
        cx->paths[cx->paths_len++] = cx->groups[d].alt;
    }

    x = cx->paths + e->path;

    for (i = 0; i < cx->named - 1; i++) {
        o = &cx->name[i];

        if (o->len != e->len
            || memcmp(cx->names + o->off, cx->names + e->off, e->len) != 0)
        {
            continue;
        }

        y = cx->paths + o->path;

        for (k = 0; k < e->npath && k < o->npath; k += 2) {
            if (x[k] != y[k] || x[k + 1] != y[k + 1]) {
                break;
            }
        }

        /* the first difference: another alternative of one group */
        if (k == e->npath || k == o->npath || x[k] != y[k]) {
            return apigw_ecma_fail(cx, cx->start + cx->at, "duplicate group"
                                   " name (allowed in different"
                                   " alternatives only)");
        }
    }

    return 0;
}


/* after a quantifier's text: "?" makes it lazy */
static int
apigw_ecma_quantifier(apigw_ecma_ctx_t *cx, uint64_t min, uint64_t max)
{
    int  lazy;

    lazy = 0;

    if (cx->p < cx->end && *cx->p == '?') {
        lazy = 1;
        cx->p++;
    }

    switch (cx->term) {

    case APIGW_ECMA_T_NONE:
        return apigw_ecma_fail(cx, cx->start + cx->at, "nothing to repeat");

    case APIGW_ECMA_T_ASSERT:
        return apigw_ecma_fail(cx, cx->start + cx->at, "^, $, \\b, \\B and"
                               " lookbehinds cannot be repeated");

    case APIGW_ECMA_T_PAIR:
        /*
         * without the u flag the count is the trail surrogate's: one is a
         * pair, none or more leaves a lead surrogate alone
         */
        if (min > 1 || max < 1) {
            cx->len = cx->term_start;
            apigw_ecma_puts(cx, APIGW_ECMA_NEVER);
        }

        cx->term = APIGW_ECMA_T_NONE;
        return 0;

    default:
        break;
    }

    if (max != APIGW_ECMA_INF && min > max) {
        return apigw_ecma_fail(cx, cx->start + cx->at, "numbers out of order"
                               " in {} quantifier");
    }

    if (apigw_ecma_repeat(cx, min, max, lazy) != 0) {
        return -1;
    }

    cx->term = APIGW_ECMA_T_NONE;
    cx->term_min = min;

    return 0;
}


/* {n}, {n,} or {n,m} at p: 1 with the counts, else 0 */
static int
apigw_ecma_braces(const char *p, const char *end, uint64_t *min,
    uint64_t *max, const char **next)
{
    const char  *q;

    q = ++p;
    *min = apigw_ecma_number(&p, end);

    if (p == q || p == end) {
        return 0;
    }

    *max = *min;

    if (*p == ',') {
        q = ++p;
        *max = apigw_ecma_number(&p, end);

        if (p == q) {
            *max = APIGW_ECMA_INF;
        }
    }

    if (p == end || *p != '}') {
        return 0;
    }

    *next = p + 1;

    return 1;
}


/* decimal digits, saturated at APIGW_ECMA_NUM_MAX */
static uint64_t
apigw_ecma_number(const char **p, const char *end)
{
    uint64_t  n;

    for (n = 0; *p < end && **p >= '0' && **p <= '9'; (*p)++) {
        n = n * 10 + (uint64_t) (**p - '0');

        if (n > APIGW_ECMA_NUM_MAX) {
            n = APIGW_ECMA_NUM_MAX;
        }
    }

    return n;
}


/* exactly n hex digits at p (more may follow): 1 with their value */
static int
apigw_ecma_hex(const char *p, const char *end, size_t n, uint32_t *v)
{
    char    c;
    size_t  i;

    if ((size_t) (end - p) < n) {
        return 0;
    }

    *v = 0;

    for (i = 0; i < n; i++) {
        c = p[i];

        if (c >= '0' && c <= '9') {
            *v = (*v << 4) | (uint32_t) (c - '0');

        } else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
            *v = (*v << 4) | (uint32_t) ((c | 0x20) - 'a' + 10);

        } else {
            return 0;
        }
    }

    return 1;
}


/* *p with room for need elements of size */
int
apigw_ecma_grow(apigw_ecma_ctx_t *cx, void **p, size_t *cap, size_t need,
    size_t size)
{
    void    *q;
    size_t   n;

    if (need <= *cap) {
        return 0;
    }

    n = *cap ? *cap : 16;

    while (n < need) {
        n *= 2;
    }

    q = realloc(*p, n * size);
    if (q == NULL) {
        cx->nomem = 1;
        return -1;
    }

    *p = q;
    *cap = n;

    return 0;
}


/* the first error stands */
int
apigw_ecma_fail(apigw_ecma_ctx_t *cx, const char *at, const char *msg)
{
    if (cx->error == NULL && !cx->nomem) {
        cx->error = msg;
        cx->error_at = (size_t) (at - cx->start);
    }

    return -1;
}
