
/*
 * Copyright (C) apigw contributors
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_schema_ecma_int.h"


/*
 * Character sets for apigw_schema_ecma.c: classes and class escapes as
 * ranges of code points, ECMA-262's Unicode property names as PCRE2's, a
 * surrogate pair written as two atoms as the code points it makes, and
 * the PCRE2 class of each, without surrogates (UTF-8 text has none).
 */


#define APIGW_ECMA_MAX_PAIRS    4096            /* ranges of a pair class */
#define APIGW_ECMA_MAX_SCRIPT   24      /* Inscriptional_Parthian: 22 */


typedef struct {
    const char             *ecma;
    const char             *pcre2;
} apigw_ecma_prop_t;


static const char *apigw_ecma_prop_find(const apigw_ecma_prop_t *table,
    const char *name, size_t len);
static void apigw_ecma_set_list(apigw_ecma_ctx_t *cx, apigw_ecma_set_t *set,
    const apigw_ecma_range_t *list, size_t n, int negated);
static void apigw_ecma_set_merge(apigw_ecma_set_t *set);
static int apigw_ecma_range_cmp(const void *a, const void *b);


/* ECMA-262's sets */

static const apigw_ecma_range_t  apigw_ecma_digit[] = {
    { '0', '9' }
};

static const apigw_ecma_range_t  apigw_ecma_word[] = {
    { '0', '9' }, { 'A', 'Z' }, { '_', '_' }, { 'a', 'z' }
};

/* with i (and u): also what folds to a word character, s and k */
static const apigw_ecma_range_t  apigw_ecma_word_i[] = {
    { '0', '9' }, { 'A', 'Z' }, { '_', '_' }, { 'a', 'z' },
    { 0x17f, 0x17f }, { 0x212a, 0x212a }
};

/* WhiteSpace and LineTerminator: Zs, TAB, VT, FF, ZWNBSP, LF, CR, LS, PS */
static const apigw_ecma_range_t  apigw_ecma_space[] = {
    { 0x09, 0x0d }, { 0x20, 0x20 }, { 0xa0, 0xa0 }, { 0x1680, 0x1680 },
    { 0x2000, 0x200a }, { 0x2028, 0x2029 }, { 0x202f, 0x202f },
    { 0x205f, 0x205f }, { 0x3000, 0x3000 }, { 0xfeff, 0xfeff }
};

#define apigw_ecma_nelts(a)  (sizeof(a) / sizeof((a)[0]))


/* General_Category values and their aliases, as PCRE2 names them */
static const apigw_ecma_prop_t  apigw_ecma_gc[] = {
    { "C", "C" }, { "Other", "C" },
    { "Cc", "Cc" }, { "Control", "Cc" }, { "cntrl", "Cc" },
    { "Cf", "Cf" }, { "Format", "Cf" },
    { "Cn", "Cn" }, { "Unassigned", "Cn" },
    { "Co", "Co" }, { "Private_Use", "Co" },
    { "Cs", "Cs" }, { "Surrogate", "Cs" },
    { "L", "L" }, { "Letter", "L" },
    { "LC", "L&" }, { "Cased_Letter", "L&" },
    { "Ll", "Ll" }, { "Lowercase_Letter", "Ll" },
    { "Lm", "Lm" }, { "Modifier_Letter", "Lm" },
    { "Lo", "Lo" }, { "Other_Letter", "Lo" },
    { "Lt", "Lt" }, { "Titlecase_Letter", "Lt" },
    { "Lu", "Lu" }, { "Uppercase_Letter", "Lu" },
    { "M", "M" }, { "Mark", "M" }, { "Combining_Mark", "M" },
    { "Mc", "Mc" }, { "Spacing_Mark", "Mc" },
    { "Me", "Me" }, { "Enclosing_Mark", "Me" },
    { "Mn", "Mn" }, { "Nonspacing_Mark", "Mn" },
    { "N", "N" }, { "Number", "N" },
    { "Nd", "Nd" }, { "Decimal_Number", "Nd" }, { "digit", "Nd" },
    { "Nl", "Nl" }, { "Letter_Number", "Nl" },
    { "No", "No" }, { "Other_Number", "No" },
    { "P", "P" }, { "Punctuation", "P" }, { "punct", "P" },
    { "Pc", "Pc" }, { "Connector_Punctuation", "Pc" },
    { "Pd", "Pd" }, { "Dash_Punctuation", "Pd" },
    { "Pe", "Pe" }, { "Close_Punctuation", "Pe" },
    { "Pf", "Pf" }, { "Final_Punctuation", "Pf" },
    { "Pi", "Pi" }, { "Initial_Punctuation", "Pi" },
    { "Po", "Po" }, { "Other_Punctuation", "Po" },
    { "Ps", "Ps" }, { "Open_Punctuation", "Ps" },
    { "S", "S" }, { "Symbol", "S" },
    { "Sc", "Sc" }, { "Currency_Symbol", "Sc" },
    { "Sk", "Sk" }, { "Modifier_Symbol", "Sk" },
    { "Sm", "Sm" }, { "Math_Symbol", "Sm" },
    { "So", "So" }, { "Other_Symbol", "So" },
    { "Z", "Z" }, { "Separator", "Z" },
    { "Zl", "Zl" }, { "Line_Separator", "Zl" },
    { "Zp", "Zp" }, { "Paragraph_Separator", "Zp" },
    { "Zs", "Zs" }, { "Space_Separator", "Zs" },
    { NULL, NULL }
};

/*
 * ECMA-262's binary properties: PCRE2 10.42 knows them by the same names
 * but two; Assigned is \P{Cn} (the "^" says negated), and
 * Changes_When_NFKC_Casefolded it does not have (PCRE2 says so)
 */
static const apigw_ecma_prop_t  apigw_ecma_binary[] = {
    { "ASCII", "ASCII" }, { "ASCII_Hex_Digit", "AHex" }, { "AHex", "AHex" },
    { "Alphabetic", "Alpha" }, { "Alpha", "Alpha" }, { "Any", "Any" },
    { "Assigned", "^Cn" }, { "Bidi_Control", "Bidi_C" },
    { "Bidi_C", "Bidi_C" }, { "Bidi_Mirrored", "Bidi_M" },
    { "Bidi_M", "Bidi_M" }, { "Case_Ignorable", "CI" }, { "CI", "CI" },
    { "Cased", "Cased" }, { "Changes_When_Casefolded", "CWCF" },
    { "CWCF", "CWCF" }, { "Changes_When_Casemapped", "CWCM" },
    { "CWCM", "CWCM" }, { "Changes_When_Lowercased", "CWL" },
    { "CWL", "CWL" }, { "Changes_When_NFKC_Casefolded", "CWKCF" },
    { "CWKCF", "CWKCF" }, { "Changes_When_Titlecased", "CWT" },
    { "CWT", "CWT" }, { "Changes_When_Uppercased", "CWU" },
    { "CWU", "CWU" }, { "Dash", "Dash" },
    { "Default_Ignorable_Code_Point", "DI" }, { "DI", "DI" },
    { "Deprecated", "Dep" }, { "Dep", "Dep" }, { "Diacritic", "Dia" },
    { "Dia", "Dia" }, { "Emoji", "Emoji" },
    { "Emoji_Component", "EComp" }, { "EComp", "EComp" },
    { "Emoji_Modifier", "EMod" }, { "EMod", "EMod" },
    { "Emoji_Modifier_Base", "EBase" }, { "EBase", "EBase" },
    { "Emoji_Presentation", "EPres" }, { "EPres", "EPres" },
    { "Extended_Pictographic", "ExtPict" }, { "ExtPict", "ExtPict" },
    { "Extender", "Ext" }, { "Ext", "Ext" },
    { "Grapheme_Base", "Gr_Base" }, { "Gr_Base", "Gr_Base" },
    { "Grapheme_Extend", "Gr_Ext" }, { "Gr_Ext", "Gr_Ext" },
    { "Hex_Digit", "Hex" }, { "Hex", "Hex" },
    { "IDS_Binary_Operator", "IDSB" }, { "IDSB", "IDSB" },
    { "IDS_Trinary_Operator", "IDST" }, { "IDST", "IDST" },
    { "ID_Continue", "IDC" }, { "IDC", "IDC" },
    { "ID_Start", "IDS" }, { "IDS", "IDS" },
    { "Ideographic", "Ideo" }, { "Ideo", "Ideo" },
    { "Join_Control", "Join_C" }, { "Join_C", "Join_C" },
    { "Logical_Order_Exception", "LOE" }, { "LOE", "LOE" },
    { "Lowercase", "Lower" }, { "Lower", "Lower" }, { "Math", "Math" },
    { "Noncharacter_Code_Point", "NChar" }, { "NChar", "NChar" },
    { "Pattern_Syntax", "Pat_Syn" }, { "Pat_Syn", "Pat_Syn" },
    { "Pattern_White_Space", "Pat_WS" }, { "Pat_WS", "Pat_WS" },
    { "Quotation_Mark", "QMark" }, { "QMark", "QMark" },
    { "Radical", "Radical" }, { "Regional_Indicator", "RI" }, { "RI", "RI" },
    { "Sentence_Terminal", "STerm" }, { "STerm", "STerm" },
    { "Soft_Dotted", "SD" }, { "SD", "SD" },
    { "Terminal_Punctuation", "Term" }, { "Term", "Term" },
    { "Unified_Ideograph", "UIdeo" }, { "UIdeo", "UIdeo" },
    { "Uppercase", "Upper" }, { "Upper", "Upper" },
    { "Variation_Selector", "VS" }, { "VS", "VS" },
    { "White_Space", "WSpace" }, { "space", "WSpace" },
    { "XID_Continue", "XIDC" }, { "XIDC", "XIDC" },
    { "XID_Start", "XIDS" }, { "XIDS", "XIDS" },
    { NULL, NULL }
};


/*
 * after "[": the class into set; a range with a class escape at an end
 * ([\w-.]) is both and "-", as Annex B has it
 */
int
apigw_ecma_class(apigw_ecma_ctx_t *cx, apigw_ecma_set_t *set)
{
    int          rc, to_rc, len;
    uint32_t     from, to;
    const char  *at;

    if (cx->p < cx->end && *cx->p == '^') {
        set->negated = 1;
        cx->p++;
    }

    for ( ;; ) {
        if (cx->p == cx->end) {
            return apigw_ecma_fail(cx, cx->start + cx->at,
                                   "missing terminating ] for character"
                                   " class");
        }

        if (*cx->p == ']') {
            cx->p++;
            return 0;
        }

        at = cx->p;

        if (*cx->p == '\\') {
            cx->p++;
            rc = apigw_ecma_escape(cx, &from, set);

            if (rc < 0) {
                return -1;
            }

        } else {
            len = (int) apigw_utf8_char(cx->p, cx->end, &from);
            if (len == 0) {
                return apigw_ecma_fail(cx, cx->p, "invalid UTF-8");
            }

            cx->p += len;
            rc = 1;
        }

        if (cx->end - cx->p < 2 || *cx->p != '-' || cx->p[1] == ']') {
            if (rc == 1) {
                apigw_ecma_set_add(cx, set, from, from);
            }

            continue;
        }

        cx->p++;

        if (*cx->p == '\\') {
            cx->p++;
            to_rc = apigw_ecma_escape(cx, &to, set);

            if (to_rc < 0) {
                return -1;
            }

        } else {
            len = (int) apigw_utf8_char(cx->p, cx->end, &to);
            if (len == 0) {
                return apigw_ecma_fail(cx, cx->p, "invalid UTF-8");
            }

            cx->p += len;
            to_rc = 1;
        }

        if (rc == 2 || to_rc == 2) {
            if (rc == 1) {
                apigw_ecma_set_add(cx, set, from, from);
            }

            if (to_rc == 1) {
                apigw_ecma_set_add(cx, set, to, to);
            }

            apigw_ecma_set_add(cx, set, '-', '-');
            continue;
        }

        if (to < from) {
            return apigw_ecma_fail(cx, at, "range out of order in character"
                                   " class");
        }

        apigw_ecma_set_add(cx, set, from, to);
    }
}


/* after "\p" or "\P": {Name}, {gc=Value}, {sc=Value}, {scx=Value}... */
int
apigw_ecma_property(apigw_ecma_ctx_t *cx, int negated, apigw_ecma_set_t *set)
{
    char         buf[96];
    size_t       n, len, vlen;
    const char  *p, *name, *value, *pcre, *at;

    at = cx->p - 2;
    p = cx->p;

    if (p == cx->end || *p != '{') {
        return apigw_ecma_fail(cx, at, "\\p must be followed by {name}");
    }

    name = ++p;
    value = NULL;

    while (p < cx->end && *p != '}') {
        if (*p == '=' && value == NULL) {
            value = p + 1;

        } else if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
                     || (*p >= '0' && *p <= '9') || *p == '_'))
        {
            return apigw_ecma_fail(cx, at, "invalid Unicode property name");
        }

        p++;
    }

    if (p == cx->end) {
        return apigw_ecma_fail(cx, at, "\\p{ without }");
    }

    cx->p = p + 1;
    len = (value ? value - 1 : p) - name;
    vlen = value ? (size_t) (p - value) : 0;

    if (value == NULL) {
        pcre = apigw_ecma_prop_find(apigw_ecma_gc, name, len);

        if (pcre == NULL) {
            pcre = apigw_ecma_prop_find(apigw_ecma_binary, name, len);
        }

        if (pcre == NULL) {
            return apigw_ecma_fail(cx, at, "unknown Unicode property (a"
                                   " script needs Script= or sc=)");
        }

        snprintf(buf, sizeof(buf), "%s", pcre);

    } else if ((len == 16 && memcmp(name, "General_Category", 16) == 0)
               || (len == 2 && memcmp(name, "gc", 2) == 0))
    {
        pcre = apigw_ecma_prop_find(apigw_ecma_gc, value, vlen);

        if (pcre == NULL) {
            return apigw_ecma_fail(cx, at, "unknown General_Category");
        }

        snprintf(buf, sizeof(buf), "%s", pcre);

    } else if ((len == 6 && memcmp(name, "Script", 6) == 0)
               || (len == 2 && memcmp(name, "sc", 2) == 0)
               || (len == 17 && memcmp(name, "Script_Extensions", 17) == 0)
               || (len == 3 && memcmp(name, "scx", 3) == 0))
    {
        if (vlen == 0 || vlen > APIGW_ECMA_MAX_SCRIPT) {
            return apigw_ecma_fail(cx, at, "unknown script");
        }

        /* PCRE2 knows the script names, and says when it does not */
        snprintf(buf, sizeof(buf), "%s:%.*s",
                 (len == 17 || len == 3) ? "scx" : "sc", (int) vlen, value);

    } else {
        return apigw_ecma_fail(cx, at, "unknown Unicode property (ECMA-262"
                               " has General_Category, Script and"
                               " Script_Extensions)");
    }

    if (buf[0] == '^') {
        negated = !negated;
        memmove(buf, buf + 1, strlen(buf));
    }

    n = strlen(buf) + 5;

    if (apigw_ecma_grow(cx, (void **) &set->props, &set->pcap,
                        set->plen + n + 1, 1) != 0)
    {
        return -1;
    }

    snprintf(set->props + set->plen, n + 1, "\\%c{%s}", negated ? 'P' : 'p',
             buf);
    set->plen += n - 1;

    return 0;
}


static const char *
apigw_ecma_prop_find(const apigw_ecma_prop_t *table, const char *name,
    size_t len)
{
    for ( /* void */ ; table->ecma != NULL; table++) {
        if (strlen(table->ecma) == len && memcmp(table->ecma, name, len) == 0)
        {
            return table->pcre2;
        }
    }

    return NULL;
}


/* \\d \\D \\w \\W \\s \\S: ECMA-262's sets, \\w with i as the u flag has it */
void
apigw_ecma_set_escape(apigw_ecma_ctx_t *cx, char c, apigw_ecma_set_t *set)
{
    switch (c) {

    case 'd':
    case 'D':
        apigw_ecma_set_list(cx, set, apigw_ecma_digit,
                            apigw_ecma_nelts(apigw_ecma_digit), c == 'D');
        break;

    case 'w':
    case 'W':
        if (cx->flags & APIGW_ECMA_I) {
            apigw_ecma_set_list(cx, set, apigw_ecma_word_i,
                                apigw_ecma_nelts(apigw_ecma_word_i),
                                c == 'W');
        } else {
            apigw_ecma_set_list(cx, set, apigw_ecma_word,
                                apigw_ecma_nelts(apigw_ecma_word), c == 'W');
        }

        break;

    default:
        apigw_ecma_set_list(cx, set, apigw_ecma_space,
                            apigw_ecma_nelts(apigw_ecma_space), c == 'S');
        break;
    }
}


void
apigw_ecma_set_add(apigw_ecma_ctx_t *cx, apigw_ecma_set_t *set, uint32_t lo,
    uint32_t hi)
{
    if (apigw_ecma_grow(cx, (void **) &set->r, &set->cap, set->n + 1,
                        sizeof(apigw_ecma_range_t))
        != 0)
    {
        return;
    }

    set->r[set->n].lo = lo;
    set->r[set->n].hi = hi;
    set->n++;
}


/* list (sorted), or every code point outside it */
static void
apigw_ecma_set_list(apigw_ecma_ctx_t *cx, apigw_ecma_set_t *set,
    const apigw_ecma_range_t *list, size_t n, int negated)
{
    size_t    i;
    uint32_t  next;

    if (!negated) {
        for (i = 0; i < n; i++) {
            apigw_ecma_set_add(cx, set, list[i].lo, list[i].hi);
        }

        return;
    }

    next = 0;

    for (i = 0; i < n; i++) {
        if (list[i].lo > next) {
            apigw_ecma_set_add(cx, set, next, list[i].lo - 1);
        }

        next = list[i].hi + 1;
    }

    if (next <= APIGW_ECMA_MAX_CP) {
        apigw_ecma_set_add(cx, set, next, APIGW_ECMA_MAX_CP);
    }
}


/* the ranges sorted, overlapping and adjacent ones joined */
static void
apigw_ecma_set_merge(apigw_ecma_set_t *set)
{
    size_t  i, n;

    if (set->n < 2) {
        return;
    }

    qsort(set->r, set->n, sizeof(apigw_ecma_range_t), apigw_ecma_range_cmp);

    for (i = 1, n = 0; i < set->n; i++) {
        if (set->r[i].lo <= set->r[n].hi + 1) {
            if (set->r[i].hi > set->r[n].hi) {
                set->r[n].hi = set->r[i].hi;
            }

            continue;
        }

        set->r[++n] = set->r[i];
    }

    set->n = n + 1;
}


static int
apigw_ecma_range_cmp(const void *a, const void *b)
{
    const apigw_ecma_range_t  *x, *y;

    x = a;
    y = b;

    return (x->lo > y->lo) - (x->lo < y->lo);
}


void
apigw_ecma_set_free(apigw_ecma_set_t *set)
{
    free(set->r);
    free(set->props);
    memset(set, 0, sizeof(apigw_ecma_set_t));
}


/* APIGW_ECMA_LEAD or _TRAIL: a plain set of only such surrogates */
int
apigw_ecma_half(const apigw_ecma_set_t *set)
{
    int     lead, trail;
    size_t  i;

    if (set->negated || set->plen || set->n == 0) {
        return 0;
    }

    lead = 1;
    trail = 1;

    for (i = 0; i < set->n; i++) {
        lead &= (set->r[i].lo >= 0xd800 && set->r[i].hi <= 0xdbff);
        trail &= (set->r[i].lo >= 0xdc00 && set->r[i].hi <= 0xdfff);
    }

    return lead ? APIGW_ECMA_LEAD : trail ? APIGW_ECMA_TRAIL : 0;
}


/* a set as a PCRE2 class (or one character), without surrogates */
void
apigw_ecma_put_set(apigw_ecma_ctx_t *cx, apigw_ecma_set_t *set)
{
    size_t            i;
    apigw_ecma_set_t  s;

    memset(&s, 0, sizeof(apigw_ecma_set_t));

    for (i = 0; i < set->n; i++) {
        if (set->r[i].lo < 0xd800) {
            apigw_ecma_set_add(cx, &s, set->r[i].lo,
                               set->r[i].hi < 0xd800 ? set->r[i].hi : 0xd7ff);
        }

        if (set->r[i].hi > 0xdfff) {
            apigw_ecma_set_add(cx, &s,
                               set->r[i].lo > 0xdfff ? set->r[i].lo : 0xe000,
                               set->r[i].hi);
        }
    }

    if (s.n == 0 && set->plen == 0) {
        apigw_ecma_puts(cx, set->negated ? APIGW_ECMA_ANY : APIGW_ECMA_NEVER);

    } else if (s.n == 1 && set->plen == 0 && !set->negated
               && s.r[0].lo == s.r[0].hi)
    {
        apigw_ecma_put_cp(cx, s.r[0].lo);

    } else {
        apigw_ecma_puts(cx, set->negated ? "[^" : "[");

        for (i = 0; i < s.n; i++) {
            apigw_ecma_put_cp(cx, s.r[i].lo);

            if (s.r[i].hi != s.r[i].lo) {
                apigw_ecma_puts(cx, "-");
                apigw_ecma_put_cp(cx, s.r[i].hi);
            }
        }

        apigw_ecma_put(cx, set->props, set->plen);
        apigw_ecma_puts(cx, "]");
    }

    apigw_ecma_set_free(&s);
}


/* the code points of cx->lead followed by trail */
void
apigw_ecma_put_pair(apigw_ecma_ctx_t *cx, apigw_ecma_set_t *trail)
{
    size_t             i, j;
    uint32_t           l;
    apigw_ecma_set_t   set;

    memset(&set, 0, sizeof(apigw_ecma_set_t));
    apigw_ecma_set_merge(trail);

#define apigw_ecma_cp(lead, tr)                                               \
    (0x10000 + (((lead) - 0xd800) << 10) + ((tr) - 0xdc00))

    for (i = 0; i < cx->lead.n; i++) {
        if (trail->n == 1 && trail->r[0].lo == 0xdc00
            && trail->r[0].hi == 0xdfff)
        {
            apigw_ecma_set_add(cx, &set,
                               apigw_ecma_cp(cx->lead.r[i].lo, 0xdc00),
                               apigw_ecma_cp(cx->lead.r[i].hi, 0xdfff));
            continue;
        }

        for (l = cx->lead.r[i].lo; l <= cx->lead.r[i].hi; l++) {
            for (j = 0; j < trail->n; j++) {
                if (set.n >= APIGW_ECMA_MAX_PAIRS) {
                    apigw_ecma_fail(cx, cx->start + cx->term_src,
                                    "too many surrogate pairs in classes");
                    apigw_ecma_set_free(&set);
                    return;
                }

                apigw_ecma_set_add(cx, &set, apigw_ecma_cp(l, trail->r[j].lo),
                                   apigw_ecma_cp(l, trail->r[j].hi));
            }
        }
    }

#undef apigw_ecma_cp

    apigw_ecma_put_set(cx, &set);
    apigw_ecma_set_free(&set);
}


/* a letter or digit as itself, anything else as \x{...} */
void
apigw_ecma_put_cp(apigw_ecma_ctx_t *cx, uint32_t cp)
{
    char  buf[16];

    if ((cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z')
        || (cp >= 'a' && cp <= 'z'))
    {
        buf[0] = (char) cp;
        apigw_ecma_put(cx, buf, 1);
        return;
    }

    snprintf(buf, sizeof(buf), "\\x{%x}", (unsigned) cp);
    apigw_ecma_puts(cx, buf);
}
