
/*
 * Copyright (C) apigw contributors
 */


/*
 * unit tests for the patterns matched without PCRE2 (apigw_schema_regex.c):
 * which are taken, and that they answer as PCRE2 does on the translated
 * pattern for many strings made of the characters that matter
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_schema_int.h"
#include "unit.h"


#define STRINGS     20000


static const char *simple[] = {
    "^[A-Z]{2}-[0-9]{4}$",
    "^[A-Z0-9 -]{3,10}$",
    "^\\+?[0-9 ]{7,20}$",
    "^\\d+$",
    "^[a-z]+\\.[a-z]{2,}$",
    "^[a-z]{1,8}_?\\d*$",
    "^[-a]b*c?$",
    "^a*$",
    "^$",
    "^x{0}y{2,2}z{1,}$",
    "^\\$\\^\\[\\]\\\\$",
    "^[\\]\\-\\\\]+$",
    "^#[0-9a-fA-F]{6}$",
    "^ab?c$",
    "^[\\w-]+$",
    "^[\\d.-]{1,5}$",
};

static const char *not_simple[] = {
    "[A-Z]{2}",                 /* not anchored */
    "^[A-Z]{2}",
    "[A-Z]{2}$",
    "^a\\$",                    /* the $ is a literal */
    "^a*a$",                    /* needs backtracking */
    "^[a-z]*[a-c]$",
    "^a?b?a$",
    "^(ab)+$",
    "^a|b$",
    "^.+$",
    "^[^a]+$",
    "^[]a]$",
    "^\\s+$",
    "^\\bword$",
    "^a*?$",
    "^a{,3}$",
    "^a{3$",
    "^é+$",
    "^\\u0041$",
    "^a{2}{3}$",
    "^\\w{1,8}_?$",            /* \w holds _ */
    "^[\\w--^]$",               /* \w, "-", "-", "^" (Annex B) */
};


static void
test_which(apigw_schema_set_t *set)
{
    size_t  i;

    for (i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
        CHECK(apigw_sch_simple_re(set, simple[i], strlen(simple[i])),
              "simple: %s", simple[i]);
    }

    for (i = 0; i < sizeof(not_simple) / sizeof(not_simple[0]); i++) {
        CHECK(apigw_sch_simple_re(set, not_simple[i], strlen(not_simple[i]))
              == NULL, "left to PCRE2: %s", not_simple[i]);
    }
}


/* the strings tried: the pattern's own characters and a few others */
static size_t
test_string(const char *pattern, char *s, size_t size)
{
    size_t       len, i, n;
    const char  *extra = "aZ09 -_+.\xc3\xa9\n";

    len = rand() % (size - 1);
    n = strlen(pattern);

    for (i = 0; i < len; i++) {
        if (rand() % 3) {
            s[i] = pattern[rand() % n];

        } else {
            s[i] = extra[rand() % strlen(extra)];
        }

        if ((unsigned char) s[i] >= 0x80) {
            /* keep UTF-8 valid: é whole, or nothing */
            if (i + 1 < len) {
                s[i] = '\xc3';
                s[++i] = '\xa9';

            } else {
                s[i] = 'e';
            }
        }
    }

    return len;
}


static void
test_agree(apigw_schema_set_t *set)
{
    int                     rc, same;
    char                    s[40], msg[256];
    size_t                  i, k, len, limit;
    pcre2_code             *code;
    pcre2_match_data       *md;
    apigw_sch_simple_re_t  *re;

    for (i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
        re = apigw_sch_simple_re(set, simple[i], strlen(simple[i]));
        apigw_ecma_compile(simple[i], strlen(simple[i]), &code, &limit, msg,
                           sizeof(msg));

        if (re == NULL || code == NULL) {
            CHECK(0, "compiles: %s", simple[i]);
            pcre2_code_free(code);
            continue;
        }

        md = pcre2_match_data_create_from_pattern(code, NULL);
        same = 1;

        for (k = 0; k < STRINGS && same; k++) {
            len = test_string(simple[i], s, sizeof(s));

            rc = pcre2_match(code, (PCRE2_SPTR) s, len, 0, 0, md, NULL);

            if ((rc >= 0) != apigw_sch_simple_match(re, s, len)) {
                same = 0;
                NOTE("%s on \"%.*s\": PCRE2 %d", simple[i], (int) len, s,
                     rc);
            }
        }

        CHECK(same, "agrees with PCRE2: %s", simple[i]);

        pcre2_match_data_free(md);
        pcre2_code_free(code);
    }
}


static void
test_long(apigw_schema_set_t *set)
{
    char                   *s;
    size_t                  len;
    apigw_sch_simple_re_t  *re;

    len = 200000;
    s = malloc(len);
    memset(s, 'a', len);

    re = apigw_sch_simple_re(set, "^a*$", 4);
    CHECK(re && apigw_sch_simple_match(re, s, len), "a* takes 200000");

    re = apigw_sch_simple_re(set, "^a{1,65534}$", 12);
    CHECK(re && !apigw_sch_simple_match(re, s, len), "a{1,65534} does not");

    free(s);
}


int
main(void)
{
    apigw_schema_set_t  *set;

    srand(1);

    set = apigw_schema_set_create(APIGW_DIALECT_2020_12, NULL, NULL);

    test_which(set);
    test_agree(set);
    test_long(set);

    apigw_schema_set_free(set);

    return unit_done();
}
