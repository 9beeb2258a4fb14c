
/*
 * Copyright (C) apigw contributors
 */


/*
 * unit tests for the ECMA-262 to PCRE2 translation (apigw_schema_ecma*.c):
 * per construct, the translation compiles and matches what ECMA-262 says
 * (the expected answers were taken once from Node.js, with the u flag or,
 * where the u flag refuses the pattern, without it), the choices that
 * differ from both readings, the refusals, the repeats beyond 65535, and
 * what a schema does with them
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_schema_int.h"
#include "unit.h"


typedef struct {
    const char             *pattern;
    const char             *matches[10];
    const char             *misses[10];
} ecma_case_t;

typedef struct {
    const char             *pattern;
    size_t                  offset;
    const char             *error;
} ecma_refusal_t;


/* as ECMA-262 (Node.js) answers */
static const ecma_case_t  ecma_cases[] = {
    /* \d is ASCII */
    { "^\\d+$",
      { "0123", NULL },
      { "\xd9\xa0", "\xe0\xa7\xaa\xe0\xa7\xa8", "a", NULL } },
    /* \D */
    { "^\\D$",
      { "\xd9\xa0", "x", NULL },
      { "5", NULL } },
    /* \w is ASCII */
    { "^\\w+$",
      { "a_Z9", NULL },
      { "\xc3\xa9", "\xc5\xbf", "-", NULL } },
    /* \W */
    { "^\\W$",
      { "\xc3\xa9", "-", NULL },
      { "a", NULL } },
    /* \s: Unicode spaces and line terminators */
    { "^\\s+$",
      {
        " \x09\x0a\x0b\x0c\x0d",
        "\xc2\xa0\xe1\x9a\x80\xe2\x80\x80\xe2\x80\x8a",
        "\xe2\x80\xa8\xe2\x80\xa9\xe2\x80\xaf",
        "\xe2\x81\x9f\xe3\x80\x80\xef\xbb\xbf",
        NULL },
      { "\xc2\x85", "\xe1\xa0\x8e", "\xe2\x80\x8b", "a", NULL } },
    /* \S */
    { "^\\S$",
      { "a", "\xc2\x85", NULL },
      { "\xc2\xa0", " ", "\xef\xbb\xbf", NULL } },
    /* \S in a class */
    { "^[\\S]$",
      { "a", NULL },
      { "\xc2\xa0", "\x09", NULL } },
    /* [^\S] is \s */
    { "^[^\\S]+$",
      { " \xc2\xa0\xe3\x80\x80", NULL },
      { "a", NULL } },
    /* \b: ASCII words */
    { "\\bcat\\b",
      { "a cat", "cat", "\xc3\xa9""cat\xc3\xa9", NULL },
      { "scat", "cats", NULL } },
    /* \B */
    { "\\Bcat",
      { "scat", NULL },
      { "a cat", "cat", NULL } },
    /* . is not a line terminator */
    { "^.$",
      { "a", "\xc3\xa9", "\xf0\x9f\x98\x80", "\xc2\x85", NULL },
      { "\x0a", "\x0d", "\xe2\x80\xa8", "\xe2\x80\xa9", NULL } },
    /* .. on an astral character */
    { "^..$",
      { "ab", NULL },
      { "\xf0\x9f\x98\x80", NULL } },
    /* $ is the end only */
    { "^abc$",
      { "abc", NULL },
      { "abc\x0a", "xabc", NULL } },
    /* ^ is the start only */
    { "^b",
      { "b", NULL },
      { "a\x0a""b", NULL } },
    /* \uXXXX */
    { "^\\u00e9$",
      { "\xc3\xa9", NULL },
      { "e", NULL } },
    /* \u{...} */
    { "^\\u{1F600}$",
      { "\xf0\x9f\x98\x80", NULL },
      { "u", NULL } },
    /* \u{...} in a class */
    { "^[\\u{1F600}-\\u{1F64F}]$",
      { "\xf0\x9f\x98\x80", "\xf0\x9f\x99\x8f", NULL },
      { "\xf0\x9f\x99\x90", NULL } },
    /* a pair of \u escapes: one code point */
    { "^\\uD83D\\uDE00$",
      { "\xf0\x9f\x98\x80", NULL },
      { "\xf0\x9f\x98\x81", NULL } },
    /* a pair in a class */
    { "^[\\uD83D\\uDE00]$",
      { "\xf0\x9f\x98\x80", NULL },
      { "\xf0\x9f\x98\x81", NULL } },
    /* a pair, repeated */
    { "^\\uD83D\\uDE00{2}$",
      { "\xf0\x9f\x98\x80\xf0\x9f\x98\x80", NULL },
      { "\xf0\x9f\x98\x80", NULL } },
    /* \xXX */
    { "^\\x41\\x7a$",
      { "Az", NULL },
      { "x41", NULL } },
    /* \cX */
    { "^\\cJ\\cj$",
      { "\x0a\x0a", NULL },
      { "cJ", NULL } },
    /* control escapes */
    { "^\\t\\n\\v\\f\\r$",
      { "\x09\x0a\x0b\x0c\x0d", NULL },
      { "tnvfr", NULL } },
    /* [\b] is a backspace */
    { "^[\\b]$",
      { "\x08", NULL },
      { "b", NULL } },
    /* \p{L} */
    { "^\\p{L}+$",
      { "abc\xc3\xa9\xce\xb1\xe3\x81\xb2", NULL },
      { "a1", NULL } },
    /* \p{Letter} */
    { "\\p{Letter}cole",
      { "l'\xc3\xa9""cole", NULL },
      { "l'\xc3\x89""COLE", NULL } },
    /* \P{L} */
    { "^\\P{L}$",
      { "1", NULL },
      { "a", NULL } },
    /* \p{Lu} */
    { "^\\p{Lu}$",
      { "A", "\xc3\x89", NULL },
      { "a", NULL } },
    /* \p{Uppercase_Letter} */
    { "^\\p{Uppercase_Letter}$",
      { "A", NULL },
      { "a", NULL } },
    /* \p{gc=Nd} */
    { "^\\p{gc=Nd}+$",
      { "0\xd9\xa0\xe0\xa7\xaa", NULL },
      { "a", NULL } },
    /* \p{General_Category=Decimal_Number} */
    { "^\\p{General_Category=Decimal_Number}$",
      { "\xd9\xa0", NULL },
      { "a", NULL } },
    /* \p{digit} */
    { "^\\p{digit}+$",
      { "42\xe0\xa7\xaa", NULL },
      { "-", NULL } },
    /* \p{LC} */
    { "^\\p{LC}$",
      { "a", NULL },
      { "\xca\xb0", NULL } },
    /* \p{Script=Greek} */
    { "^\\p{Script=Greek}+$",
      { "\xce\xb1\xce\xb2\xce\xb3", "\xce\xa9", NULL },
      { "abc", "\xcd\x85", NULL } },
    /* \p{sc=Grek} */
    { "^\\p{sc=Grek}$",
      { "\xce\xb1", NULL },
      { "a", NULL } },
    /* \p{scx=Hira} */
    { "^\\p{scx=Hira}$",
      { "\xe3\x81\xb2", "\xe3\x83\xbc", NULL },
      { "a", NULL } },
    /* \p{Script_Extensions=Latin} */
    { "^\\p{Script_Extensions=Latin}$",
      { "a", NULL },
      { "\xce\xb1", NULL } },
    /* \p{sc=Hira} leaves out the extensions */
    { "^\\p{sc=Hira}$",
      { "\xe3\x81\xb2", NULL },
      { "\xe3\x83\xbc", NULL } },
    /* \p{Alphabetic} */
    { "^\\p{Alphabetic}$",
      { "a", "\xe3\x81\xb2", NULL },
      { "1", NULL } },
    /* \p{White_Space} */
    { "^\\p{White_Space}+$",
      { " \xc2\x85\xc2\xa0", NULL },
      { "a", NULL } },
    /* \p{Emoji} */
    { "^\\p{Emoji}$",
      { "\xf0\x9f\x98\x80", "#", NULL },
      { "a", NULL } },
    /* \p{Emoji_Presentation} */
    { "^\\p{Emoji_Presentation}$",
      { "\xf0\x9f\x98\x80", NULL },
      { "#", NULL } },
    /* \p{ID_Start}\p{ID_Continue}* */
    { "^\\p{ID_Start}\\p{ID_Continue}*$",
      { "a1", "\xce\xb1_", NULL },
      { "1a", NULL } },
    /* \p{Any} */
    { "^\\p{Any}$",
      { "\xf0\x9f\x98\x80", "\x0a", NULL },
      { NULL } },
    /* \p{ASCII} */
    { "^\\p{ASCII}+$",
      { "a\x7f", NULL },
      { "\xc2\x80", NULL } },
    /* \p{Assigned} */
    { "^\\p{Assigned}$",
      { "a", NULL },
      { "\xcd\xb8", NULL } },
    /* \P{Assigned} */
    { "^\\P{Assigned}$",
      { "\xcd\xb8", NULL },
      { "a", NULL } },
    /* [\P{Assigned}a] */
    { "^[\\P{Assigned}a]$",
      { "a", "\xcd\xb8", NULL },
      { "b", NULL } },
    /* [^\p{L}\d] */
    { "^[^\\p{L}\\d]$",
      { "-", NULL },
      { "a", "1", NULL } },
    /* [] matches nothing */
    { "a[]",
      { NULL },
      { "a", "", NULL } },
    /* [^] matches anything */
    { "^a[^]b$",
      { "a\x0a""b", "a\xf0\x9f\x98\x80""b", NULL },
      { "ab", NULL } },
    /* a class with an astral range */
    { "^[\xf0\x9f\x98\x80-\xf0\x9f\x99\x8f]+$",
      { "\xf0\x9f\x98\x80\xf0\x9f\x99\x8f", NULL },
      { "\xf0\x9f\x99\x90", NULL } },
    /* Annex B: [\w-.] */
    { "^[\\w-.]+$",
      { "a-b.c_d", NULL },
      { "a b", NULL } },
    /* Annex B: [.-\d] */
    { "^[.-\\d]+$",
      { ".-5", NULL },
      { "a", NULL } },
    /* Annex B: \- and \/ and \@ */
    { "^\\-\\/\\@$",
      { "-/@", NULL },
      { "\\-", NULL } },
    /* Annex B: a brace that is no quantifier */
    { "^{a}$",
      { "{a}", NULL },
      { "a", NULL } },
    /* Annex B: x{2 */
    { "^x{2$",
      { "x{2", NULL },
      { "xx", NULL } },
    /* Annex B: a lone } */
    { "^a}$",
      { "a}", NULL },
      { "a", NULL } },
    /* Annex B: octal */
    { "^\\101\\0101$",
      { NULL },
      { "AA", "101", NULL } },
    /* Annex B: \1 with no group */
    { "^\\1$",
      { "\x01", NULL },
      { "1", NULL } },
    /* Annex B: \8 */
    { "^\\8$",
      { "8", NULL },
      { "\\8", NULL } },
    /* Annex B: a quantified lookahead */
    { "^(?=a)*a$",
      { "a", NULL },
      { "b", NULL } },
    /* a backreference */
    { "^(a+)-\\1$",
      { "aa-aa", NULL },
      { "aa-a", NULL } },
    /* a backreference to a group that did not take part: empty */
    { "^(?:(a)|b)\\1c$",
      { "bc", "aac", NULL },
      { "ac", NULL } },
    /* a forward reference */
    { "^\\1(a)$",
      { "a", NULL },
      { "aa", NULL } },
    /* a named group */
    { "^(?<y>\\d{4})-\\k<y>$",
      { "2024-2024", NULL },
      { "2024-2025", NULL } },
    /* named groups and \1 */
    { "^(?<a>x)(?<b>y)\\k<b>\\1$",
      { "xyyx", NULL },
      { "xyxy", NULL } },
    /* \12 with one group is octal */
    { "^(a)\\12$",
      { "a\x0a", NULL },
      { "aa2", NULL } },
    /* lookahead */
    { "^(?=.*\\d)(?!.*\\s).{4,}$",
      { "abc1", NULL },
      { "abcd", "ab 1c", NULL } },
    /* lookbehind */
    { "(?<=\\$)\\d+",
      { "cost $42", NULL },
      { "cost 42", NULL } },
    /* negative lookbehind */
    { "^.*(?<!\\.)$",
      { "a.b", NULL },
      { "ab.", NULL } },
    /* lazy */
    { "^a+?b$",
      { "aab", NULL },
      { "a", NULL } },
    /* {n,m} */
    { "^a{2,3}$",
      { "aa", "aaa", NULL },
      { "a", "aaaa", NULL } },
    /* {n,} */
    { "^a{2,}$",
      { "aaaaa", NULL },
      { "a", NULL } },
    /* {0} */
    { "^ab{0}c$",
      { "ac", NULL },
      { "abc", NULL } },
    /* alternation */
    { "^(?:cat|dog)s?$",
      { "cats", "dog", NULL },
      { "cow", NULL } },
    /* an empty alternative */
    { "^a(?:|b)$",
      { "a", "ab", NULL },
      { "abb", NULL } },
    /* non-ASCII literal */
    { "^caf\xc3\xa9$",
      { "caf\xc3\xa9", NULL },
      { "cafe", NULL } },
    { NULL, { NULL }, { NULL } }
};


/*
 * where apigw chooses (the documentation's table): a surrogate pair split
 * in two atoms is the pair, as without the u flag (with it, Node.js
 * matches nothing); a lone surrogate matches nothing; ES2025's modifiers
 * and duplicate group names, which Node.js 20 does not have
 */
static const ecma_case_t  ecma_choices[] = {
    { "^\\uD83D[\\uDE00-\\uDE4F]$",
      { "\xf0\x9f\x98\x80", "\xf0\x9f\x99\x8f", NULL },
      { "\xf0\x9f\x90\xb2", "\xf0\x9f\x99\x90", "a", NULL } },
    { "^(?:\\uD83C[\\uDF00-\\uDFFF]|\\uD83D[\\uDC00-\\uDE4F])+$",
      { "\xf0\x9f\x8c\x80\xf0\x9f\x98\x80", "\xf0\x9f\x90\xb2", NULL },
      { "\xf0\x9f\x99\x90", "a", NULL } },
    { "^[\\uD800-\\uDBFF][\\uDC00-\\uDFFF]$",
      { "\xf0\x9d\x92\xb3", "\xf4\x8f\xbf\xbf", "\xf0\x90\x80\x80", NULL },
      { "a", "\xef\xbf\xbf", NULL } },
    { "^\\uD83D[\\uDE00-\\uDE4F]?$",
      { "\xf0\x9f\x98\x80", NULL },
      { "", NULL } },
    { "^\\uD83D[\\uDE00-\\uDE4F]{2}$",
      { NULL },
      { "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80\xf0\x9f\x98\x80", NULL } },
    { "^a\\uD800b$", { NULL }, { "ab", NULL } },
    { "^a\\uDC00?b$", { "ab", NULL }, { "a", NULL } },
    { "^[^\\uD800-\\uDFFF]$", { "a", "\xf0\x9f\x98\x80", NULL },
      { "", NULL } },
    { "^[a\\uD800-\\uDFFF]$", { "a", NULL }, { "b", NULL } },
    { "^\\u{D800}?$", { "", NULL }, { "a", NULL } },
    { "^(?i:ab)c$", { "ABc", "aBc", NULL }, { "ABC", NULL } },
    { "^(?i:k)$", { "K", "k", "\xe2\x84\xaa", NULL }, { "x", NULL } },
    { "^(?i:\\w)$", { "\xc5\xbf", "\xe2\x84\xaa", NULL }, { "-", NULL } },
    { "^(?i:ab(?-i:c))$", { "ABc", NULL }, { "ABC", NULL } },
    { "(?m:^b$)", { "a\nb\nc", "a\rb", "a\xe2\x80\xa8" "b", NULL },
      { "ab", "a\nbc", NULL } },
    { "^(?s:a.b)$", { "a\nb", "a\rb", NULL }, { "ab", NULL } },
    { "^(?ms:a.^b)$", { "a\nb", NULL }, { "axb", NULL } },
    { "^(?:(?<y>\\d{4})-\\d\\d|\\d\\d-(?<y>\\d{4}))/\\k<y>$",
      { "2024-01/2024", "01-2024/2024", NULL },
      { "2024-01/2025", "01-2024/01", NULL } },
    { NULL, { NULL }, { NULL } }
};


/* refused, with where and why */
static const ecma_refusal_t  ecma_refusals[] = {
    { "^\\A", 1, "not an ECMA-262 escape" },
    { "a\\z", 1, "not an ECMA-262 escape" },
    { "[\\h]", 1, "not an ECMA-262 escape" },
    { "\\i", 0, "not an ECMA-262 escape" },
    { "(?i)abc", 0, "invalid group" },
    { "(?P<n>x)", 0, "invalid group" },
    { "(?#comment)a", 0, "invalid group" },
    { "(?-:a)", 0, "invalid group" },
    { "(?ii:a)", 0, "invalid group" },
    { "a{,5}", 1, "{,n} is not a quantifier" },
    { "[[:alpha:]]", 10, "unmatched ]" },
    { "[]a]", 3, "unmatched ]" },
    { "\\k<n>", 0, "\\k without named groups" },
    { "(?<a>x)\\k<b>", 7, "\\k names no group" },
    { "(?<a>x)\\k", 7, "\\k must be followed by <name>" },
    { "(?<a>x)(?<a>y)", 7, "duplicate group name" },
    { "(?<a>(?<a>y))", 5, "duplicate group name" },
    { "(?<1a>x)", 3, "invalid group name" },
    { "\\c1", 0, "\\c must be followed by a letter" },
    { "\\x4", 0, "\\x must be followed by two hex digits" },
    { "\\u12", 0, "\\u must be followed by four hex digits" },
    { "\\u{110000}", 0, "above 10FFFF" },
    { "\\u{}", 0, "\\u{ must be followed by hex digits" },
    { "\\p{Foo}", 0, "unknown Unicode property" },
    { "\\p{Greek}", 0, "unknown Unicode property" },
    { "\\p{Block=Basic_Latin}", 0, "unknown Unicode property" },
    { "\\p{gc=Greek}", 0, "unknown General_Category" },
    { "\\p{sc=}", 0, "unknown script" },
    { "\\p{L", 0, "\\p{ without }" },
    { "\\pL", 0, "\\p must be followed by {name}" },
    { "(a", 0, "missing closing parenthesis" },
    { "a)", 1, "unmatched closing parenthesis" },
    { "[a", 0, "missing terminating ]" },
    { "*a", 0, "nothing to repeat" },
    { "a**", 2, "nothing to repeat" },
    { "a{2}{3}", 4, "nothing to repeat" },
    { "{2}", 0, "nothing to repeat" },
    { "a|*", 2, "nothing to repeat" },
    { "^*", 1, "cannot be repeated" },
    { "\\b+", 2, "cannot be repeated" },
    { "(?<=a)*", 6, "cannot be repeated" },
    { "a{3,2}", 1, "numbers out of order" },
    { "[z-a]", 1, "range out of order" },
    { "a\xff", 1, "invalid UTF-8" },
    { "\xed\xa0\x80", 0, "invalid UTF-8" },
    { "a\\", 1, "\\ at end of pattern" },
    { "(?:x?){5000000}", 6, "repeat count too large" },
    { NULL, 0, NULL }
};


static pcre2_code *
compile(const char *pattern, size_t len)
{
    int          rc;
    char         msg[256];
    size_t       limit;
    pcre2_code  *code;

    rc = apigw_ecma_compile(pattern, len, &code, &limit, msg, sizeof(msg));

    if (rc != 0) {
        NOTE("%s: %s", pattern, msg);
        return NULL;
    }

    return code;
}


static int
matches(pcre2_code *code, const char *s)
{
    int                rc;
    pcre2_match_data  *md;

    md = pcre2_match_data_create_from_pattern(code, NULL);
    rc = pcre2_match(code, (PCRE2_SPTR) s, strlen(s), 0, 0, md, NULL);
    pcre2_match_data_free(md);

    return rc >= 0;
}


static void
test_cases(const ecma_case_t *cases, const char *what)
{
    int                 ok;
    size_t              i;
    pcre2_code         *code;
    const char *const  *s;
    const ecma_case_t  *c;

    for (c = cases; c->pattern != NULL; c++) {
        code = compile(c->pattern, strlen(c->pattern));

        if (code == NULL) {
            CHECK(0, "%s: %s compiles", what, c->pattern);
            continue;
        }

        ok = 1;

        for (s = c->matches, i = 0; *s != NULL; s++, i++) {
            if (!matches(code, *s)) {
                NOTE("%s should match string %zu", c->pattern, i);
                ok = 0;
            }
        }

        for (s = c->misses, i = 0; *s != NULL; s++, i++) {
            if (matches(code, *s)) {
                NOTE("%s should not match string %zu", c->pattern, i);
                ok = 0;
            }
        }

        CHECK(ok, "%s: %s", what, c->pattern);
        pcre2_code_free(code);
    }
}


static void
test_refusals(void)
{
    const ecma_refusal_t  *r;
    apigw_ecma_t           re;

    for (r = ecma_refusals; r->pattern != NULL; r++) {
        if (apigw_ecma_translate(r->pattern, strlen(r->pattern), &re) == 0) {
            CHECK(0, "refused: %s (got %s)", r->pattern, re.pattern);
            apigw_ecma_free(&re);
            continue;
        }

        CHECK(re.error != NULL && strstr(re.error, r->error) != NULL
              && re.offset == r->offset,
              "refused: %s: at %zu: %s", r->pattern, re.offset,
              re.error ? re.error : "(out of memory)");
    }
}


/* what PCRE2 10.42 cannot do, at the offset of the atom in the pattern */
static void
test_pcre2_refusals(void)
{
    int          rc;
    char         msg[256];
    size_t       limit;
    pcre2_code  *code;

    rc = apigw_ecma_compile("ab(?<=a+)b", 10, &code, &limit, msg,
                            sizeof(msg));
    CHECK(rc == -1 && strstr(msg, "at offset 2: lookbehind assertion is not"
                                  " fixed length") != NULL,
          "a lookbehind of no fixed length: %s", msg);

    rc = apigw_ecma_compile("x\\p{CWKCF}", 10, &code, &limit, msg,
                            sizeof(msg));
    CHECK(rc == -1 && strstr(msg, "at offset 1: unknown property") != NULL,
          "a property PCRE2 lacks: %s", msg);

    rc = apigw_ecma_compile("\\p{sc=Kawi}", 11, &code, &limit, msg,
                            sizeof(msg));
    CHECK(rc == -1 && strstr(msg, "unknown property") != NULL,
          "a script after PCRE2's Unicode: %s", msg);
}


/* NUL: in the pattern, as \0, and in the string */
static void
test_nul(void)
{
    int                rc;
    pcre2_code        *code;
    pcre2_match_data  *md;

    code = compile("^a\\0b$", 6);

    if (code != NULL) {
        md = pcre2_match_data_create_from_pattern(code, NULL);
        rc = pcre2_match(code, (PCRE2_SPTR) "a\0b", 3, 0, 0, md, NULL);
        CHECK(rc >= 0, "\\0 matches NUL");
        rc = pcre2_match(code, (PCRE2_SPTR) "a0b", 3, 0, 0, md, NULL);
        CHECK(rc < 0, "\\0 is not 0");
        pcre2_match_data_free(md);
        pcre2_code_free(code);
    }

    code = compile("^a\0b$", 5);

    if (code != NULL) {
        md = pcre2_match_data_create_from_pattern(code, NULL);
        rc = pcre2_match(code, (PCRE2_SPTR) "a\0b", 3, 0, 0, md, NULL);
        CHECK(rc >= 0, "a NUL in the pattern is itself");
        rc = pcre2_match(code, (PCRE2_SPTR) "ab", 2, 0, 0, md, NULL);
        CHECK(rc < 0, "a NUL in the pattern is not nothing");
        pcre2_match_data_free(md);
        pcre2_code_free(code);
    }
}


/* the translation itself, where its form matters */
static void
test_forms(void)
{
    size_t        i;
    apigw_ecma_t  re;

    static const char  *forms[] = {
        "\\p{Letter}", "[\\p{L}]",
        "\\P{Assigned}", "[\\p{Cn}]",
        "[^\\P{Assigned}]", "[^\\p{Cn}]",
        "\\p{Script=Greek}", "[\\p{sc:Greek}]",
        "\\p{scx=Grek}", "[\\p{scx:Grek}]",
        "\\p{White_Space}", "[\\p{WSpace}]",
        "(a)", "(?:a)",
        "(a)\\1", "(a)\\g{1}",
        "(?<n>a)\\k<n>", "(a)\\g{1}",
        "(?<n>a)|(?<n>b)\\k<n>", "(a)|(b)(?(1)\\g{1}|\\g{2})",
        "\\uD83D\\uDE00", "\\x{1f600}",
        "\\uD83D[\\uDE00-\\uDE4F]", "[\\x{1f600}-\\x{1f64f}]",
        "\\uD800", "[^\\x{0}-\\x{10ffff}]",
        "[]", "[^\\x{0}-\\x{10ffff}]",
        "[^]", "[\\x{0}-\\x{10ffff}]",
        ".", "[^\\x{a}\\x{d}\\x{2028}\\x{2029}]",
        "\\d", "[0-9]",
        "a{1,100000}", "(?:a{1}(?:a{65535}a{0,34464}|a{0,65534}))",
        "a{100000}", "(?:(?:a{65535}){1}a{34465})",
        "a{0,100000}?", "(?:(?:a{0,65534}?|a{65535}a{0,34465}?))",
        "a{65536,}", "(?:(?:a{65535}){1}a{1}a*)",
        "a{65535}", "a{65535}",
        "{}", "\\x{7b}\\x{7d}",
        NULL
    };

    for (i = 0; forms[i] != NULL; i += 2) {
        if (apigw_ecma_translate(forms[i], strlen(forms[i]), &re) != 0) {
            CHECK(0, "translates: %s", forms[i]);
            continue;
        }

        CHECK(strcmp(re.pattern, forms[i + 1]) == 0, "%s is %s (%s)",
              forms[i], forms[i + 1], re.pattern);
        apigw_ecma_free(&re);
    }
}


/* repeats beyond 65535: exact, greedy and lazy, then beyond PCRE2 */
static void
test_repeats(void)
{
    int            rc;
    char          *s;
    size_t         i, n;
    pcre2_code    *code;
    apigw_ecma_t   re;

    static const struct {
        const char  *pattern;
        size_t       len;
        int          match;
    } runs[] = {
        { "^a{1,100000}$", 0, 0 },
        { "^a{1,100000}$", 1, 1 },
        { "^a{1,100000}$", 65535, 1 },
        { "^a{1,100000}$", 65536, 1 },
        { "^a{1,100000}$", 100000, 1 },
        { "^a{1,100000}$", 100001, 0 },
        { "^a{100000}$", 99999, 0 },
        { "^a{100000}$", 100000, 1 },
        { "^a{100000}$", 100001, 0 },
        { "^a{65536,}$", 65535, 0 },
        { "^a{65536,}$", 140000, 1 },
        { "^a{131071,131072}?$", 131070, 0 },
        { "^a{131071,131072}?$", 131072, 1 },
        { "^a{131071,131072}?$", 131073, 0 },
        /* which count is tried first shows in what the group captured */
        { "^(?=(a{0,70000}))\\1$", 70000, 1 },
        { "^(?=(a{0,70000}?))\\1$", 70000, 0 },
        { "^(?=(a{0,70000}?))\\1$", 0, 1 },
        { "^(?=(a{3,140000}?))\\1$", 3, 1 },
        { "^(?=(a{3,140000}?))\\1$", 4, 0 },
        { "^(?=(a{3,140000}))\\1$", 140000, 1 },
        { "^[a-z]{1,100000}$", 100000, 1 },
        { "^.{65535,65537}$", 65537, 1 },
        { "^.{65535,65537}$", 65538, 0 },
        { NULL, 0, 0 }
    };

    s = malloc(140002);
    memset(s, 'a', 140001);

    for (i = 0; runs[i].pattern != NULL; i++) {
        code = compile(runs[i].pattern, strlen(runs[i].pattern));

        if (code == NULL) {
            CHECK(0, "compiles: %s", runs[i].pattern);
            continue;
        }

        s[runs[i].len] = '\0';
        rc = matches(code, s);
        s[runs[i].len] = 'a';

        CHECK(rc == runs[i].match, "%s on %zu characters: %s",
              runs[i].pattern, runs[i].len, rc ? "match" : "no match");
        pcre2_code_free(code);
    }

    free(s);

    /* beyond what PCRE2 can hold: exact for strings shorter than limit */

    n = 0;

    if (apigw_ecma_translate("a{0,2147483647}", 15, &re) == 0) {
        n = re.limit;
        CHECK(strcmp(re.pattern, "(?:a*)") == 0, "a{0,2147483647} is a*");
        apigw_ecma_free(&re);
    }

    CHECK(n == 2147483648U, "... for strings under 2^31 characters");

    n = 0;

    if (apigw_ecma_translate("^b|a{5000000}", 13, &re) == 0) {
        n = re.limit;
        CHECK(strstr(re.pattern, "^b|[^\\x{0}-\\x{10ffff}]") != NULL,
              "a{5000000}: nothing shorter matches (%s)", re.pattern);
        apigw_ecma_free(&re);
    }

    CHECK(n == 5000000, "... for strings under 5000000 characters");

    if (apigw_ecma_translate("a{1,65535}b{65535}", 18, &re) == 0) {
        CHECK(re.limit == 0, "counts PCRE2 holds: no limit");
        apigw_ecma_free(&re);
    }
}


static int
valid(apigw_schema_t *schema, const char *s, size_t len)
{
    int      rc;
    json_t  *v;

    v = json_stringn(s, len);
    rc = apigw_schema_validate(schema, v, NULL);
    json_decref(v);

    return rc;
}


/* the limit through a schema: a longer string is refused, not guessed */
static void
test_schema_limit(void)
{
    char                *s;
    size_t               n;
    json_t              *doc;
    apigw_error_t        err;
    apigw_schema_t      *schema;
    apigw_schema_set_t  *set;

    set = apigw_schema_set_create(APIGW_DIALECT_2020_12, NULL, NULL);
    doc = json_pack("{s:s}", "pattern", "^a{0,4194241}$");
    schema = apigw_schema_compile(set, doc, "http://x/s.json", "", 0, &err);

    CHECK(schema != NULL, "a count past 65535 * 64 compiles");

    n = 4194242;
    s = malloc(n);
    memset(s, 'a', n);

    if (schema != NULL) {
        CHECK(valid(schema, s, 4194241), "4194241 characters match");
        CHECK(!valid(schema, s, 4194242), "4194242 are refused (limit)");
        CHECK(!valid(schema, "ab", 2), "and the pattern applies");
        CHECK(valid(schema, "", 0), "down to nothing");
    }

    free(s);
    json_decref(doc);
    apigw_schema_set_free(set);
}


int
main(void)
{
    test_cases(ecma_cases, "ECMA-262");
    test_cases(ecma_choices, "apigw's reading");
    test_refusals();
    test_pcre2_refusals();
    test_nul();
    test_forms();
    test_repeats();
    test_schema_limit();

    return unit_done();
}
