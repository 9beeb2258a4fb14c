
/*
 * Copyright (C) apigw contributors
 */


/*
 * libFuzzer target: apigw_ecma_translate(), the ECMA-262 to PCRE2
 * translation of JSON Schema patterns, on any bytes (a pattern of at
 * most 4 KB), then PCRE2 on its output, then matches.
 *
 * Checks, besides the sanitizers (the input is read in place, so a read
 * past it is a finding):
 *   - a translation is printable ASCII without NUL, its length is right,
 *     its map points into the input, its limit is 0 or above 65535, and a
 *     second translation is the same;
 *   - a refusal has a message and an offset within the input;
 *   - PCRE2 compiles every translation, or refuses it for one of its
 *     limits (a lookbehind of no fixed length, size, nesting, an unknown
 *     script), never for its syntax: that would be the translator's bug;
 *   - apigw_ecma_compile() agrees with the two steps;
 *   - matching fixed strings and the input's own text never crashes, and
 *     when apigw_schema_regex.c takes the pattern, its answer is PCRE2's.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_schema_int.h"


#define FUZZ_MAX_INPUT      4096


static const char  *fuzz_subjects[] = {
    "", "a", "abc", "ABC", "Aa0_-. ", "0123456789", "a-b.c_d", "a\nb",
    "\t\r\n ", "\xc2\xa0\xe2\x80\x83", "\xce\xb1\xce\xb2\xce\xb3",
    "\xf0\x9f\x98\x80", "\xf0\x9f\x90\xb2x", "{}[]()", "\\", "aaaaaaaaaaab",
    "x-y", "\xc3\xa9\xc3\x89", NULL
};


static void
fuzz_fail(const char *what, const uint8_t *data, size_t size,
    const char *detail)
{
    fprintf(stderr, "fuzz_ecma: invariant broken: %s: \"%.*s\" %s\n", what,
            (int) size, (const char *) data, detail ? detail : "");
    abort();
}


/* PCRE2's own limits, which a translation may meet */
static int
fuzz_pcre2_limit(int rc)
{
    switch (rc) {

    case PCRE2_ERROR_LOOKBEHIND_NOT_FIXED_LENGTH:
    case PCRE2_ERROR_LOOKBEHIND_TOO_LONG:
    case PCRE2_ERROR_LOOKBEHIND_TOO_COMPLICATED:
    case PCRE2_ERROR_PATTERN_TOO_LARGE:
    case PCRE2_ERROR_PATTERN_TOO_COMPLICATED:
    case PCRE2_ERROR_PARENTHESES_NEST_TOO_DEEP:
    case PCRE2_ERROR_UNKNOWN_UNICODE_PROPERTY:
    case PCRE2_ERROR_TOO_MANY_CAPTURES:
    case PCRE2_ERROR_HEAP_FAILED:
        return 1;

    default:
        return 0;
    }
}


static void
fuzz_match(const uint8_t *data, size_t size, pcre2_code *code,
    apigw_schema_set_t *set)
{
    int                     rc, i;
    size_t                  len;
    const char             *s;
    pcre2_match_data       *md;
    pcre2_match_context    *mc;
    apigw_sch_simple_re_t  *simple;

    md = pcre2_match_data_create_from_pattern(code, NULL);
    mc = pcre2_match_context_create(NULL);

    if (md == NULL || mc == NULL) {
        pcre2_match_data_free(md);
        pcre2_match_context_free(mc);
        return;
    }

    pcre2_set_match_limit(mc, 100000);
    pcre2_set_depth_limit(mc, 1000);

    simple = apigw_sch_simple_re(set, (const char *) data, size);

    for (i = -1; i == -1 || fuzz_subjects[i] != NULL; i++) {
        s = (i < 0) ? (const char *) data : fuzz_subjects[i];
        len = (i < 0) ? size : strlen(s);

        rc = pcre2_match(code, (PCRE2_SPTR) s, len, 0, 0, md, mc);

        if (simple == NULL || (rc < 0 && rc != PCRE2_ERROR_NOMATCH)) {
            continue;
        }

        if ((rc >= 0) != apigw_sch_simple_match(simple, s, len)) {
            fuzz_fail("apigw_sch_simple_match() and PCRE2 disagree", data,
                      size, s);
        }
    }

    pcre2_match_data_free(md);
    pcre2_match_context_free(mc);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                  rc, rc2;
    char                 msg[512];
    size_t               i, off, limit;
    pcre2_code          *code, *code2;
    apigw_ecma_t         re, again;
    apigw_schema_set_t  *set;

    if (size > FUZZ_MAX_INPUT) {
        return 0;
    }

    if (apigw_ecma_translate((const char *) data, size, &re) != 0) {
        if (re.error == NULL) {
            return 0;                           /* out of memory */
        }

        if (re.error[0] == '\0' || re.offset > size) {
            fuzz_fail("a refusal without a message or beyond the input",
                      data, size, re.error);
        }

        if (apigw_ecma_compile((const char *) data, size, &code, &limit,
                               msg, sizeof(msg))
            != -1)
        {
            fuzz_fail("apigw_ecma_compile() takes a refused pattern", data,
                      size, NULL);
        }

        return 0;
    }

    if (re.pattern == NULL || strlen(re.pattern) != re.len
        || (re.limit != 0 && re.limit <= 65535))
    {
        fuzz_fail("a translation's length or limit", data, size,
                  re.pattern);
    }

    for (i = 0; i < re.len; i++) {
        if (re.pattern[i] < 0x21 || re.pattern[i] > 0x7e) {
            fuzz_fail("a translation that is not printable ASCII", data,
                      size, re.pattern);
        }

        if (re.map[i] > size) {
            fuzz_fail("a map entry beyond the input", data, size,
                      re.pattern);
        }
    }

    if (apigw_ecma_translate((const char *) data, size, &again) != 0
        || again.len != re.len || again.limit != re.limit
        || memcmp(again.pattern, re.pattern, re.len) != 0)
    {
        fuzz_fail("two translations differ", data, size, re.pattern);
    }

    apigw_ecma_free(&again);

    code = pcre2_compile((PCRE2_SPTR) re.pattern, re.len, APIGW_ECMA_PCRE2,
                         &rc, &off, NULL);

    if (code == NULL && !fuzz_pcre2_limit(rc)) {
        pcre2_get_error_message(rc, (PCRE2_UCHAR *) msg, sizeof(msg));
        fprintf(stderr, "translation: %s\nPCRE2 at %zu: %s\n", re.pattern,
                off, msg);
        fuzz_fail("PCRE2 refuses the translation's syntax", data, size,
                  NULL);
    }

    rc2 = apigw_ecma_compile((const char *) data, size, &code2, &limit, msg,
                             sizeof(msg));

    if ((rc2 == 0) != (code != NULL) || (rc2 == 0 && limit != re.limit)) {
        fuzz_fail("apigw_ecma_compile() and the two steps disagree", data,
                  size, msg);
    }

    pcre2_code_free(code2);
    apigw_ecma_free(&re);

    if (code == NULL) {
        return 0;
    }

    set = apigw_schema_set_create(APIGW_DIALECT_2020_12, NULL, NULL);

    if (set != NULL) {
        fuzz_match(data, size, code, set);
        apigw_schema_set_free(set);
    }

    pcre2_code_free(code);

    return 0;
}
