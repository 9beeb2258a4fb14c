
/*
 * Copyright (C) apigw contributors
 */


/*
 * unit tests for apigw_json_parse(): the strict parser of request bodies,
 * and apigw_json_skip(), which steps over what it reads as a value
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_core.h"
#include "apigw_json_int.h"
#include "unit.h"


static char  errbuf[APIGW_ERR_LEN];


/* parses exactly len bytes from a copy without a NUL after them */
static json_t *
parse_n(const char *src, size_t len, unsigned depth)
{
    char    *copy;
    json_t  *v;

    copy = malloc(len ? len : 1);
    memcpy(copy, src, len);
    v = apigw_json_parse(copy, len, depth, errbuf, sizeof(errbuf));
    free(copy);

    return v;
}


/* apigw_json_skip(), lenient, over the copy: 0 when it takes the whole
   text */
static int
skip_n(const char *src, size_t len, unsigned depth)
{
    int                   rc;
    char                 *copy;
    apigw_json_parser_t   jp;

    copy = malloc(len ? len : 1);
    memcpy(copy, src, len);

    apigw_json_init(&jp, copy, len, depth, NULL, 0);
    jp.lenient = 1;
    apigw_json_skip_ws(&jp);

    rc = (jp.p == jp.end) ? -1 : apigw_json_skip(&jp);

    if (rc == 0) {
        apigw_json_skip_ws(&jp);
        rc = (jp.p == jp.end) ? 0 : -1;
    }

    apigw_json_done(&jp);
    free(copy);

    return rc;
}


static json_t *
parse(const char *src)
{
    return parse_n(src, strlen(src), 64);
}


/* accepted, and the same as jansson's reading */
static void
same(const char *src)
{
    json_t  *ours, *theirs;

    ours = parse(src);
    theirs = json_loads(src, JSON_DECODE_ANY, NULL);

    CHECK(ours != NULL && theirs != NULL && json_equal(ours, theirs),
          "accepted as jansson reads it: %s%s%s", src, ours ? "" : " -> ",
          ours ? "" : errbuf);
    CHECK(skip_n(src, strlen(src), 64) == 0, "skipped: %s", src);

    json_decref(ours);
    json_decref(theirs);
}


static void
refused(const char *src, size_t len, const char *message)
{
    char    *copy;
    json_t  *v;

    v = parse_n(src, len, 64);

    CHECK(v == NULL && strstr(errbuf, message) != NULL,
          "refused with \"%s\": got \"%s\"", message, v ? "accepted" : errbuf);

    json_decref(v);

    /* the skip agrees with the lenient parser, which reads repeated keys
       and \u0000 */
    copy = malloc(len ? len : 1);
    memcpy(copy, src, len);
    v = apigw_json_parse_lenient(copy, len, NULL, 0);
    free(copy);

    CHECK(skip_n(src, len, APIGW_JSON_LENIENT_DEPTH) == (v ? 0 : -1),
          "skipped as the lenient parser reads it: %s", message);

    json_decref(v);
}


#define REFUSED(s, m)   refused(s, sizeof(s) - 1, m)


static void
test_accepted(void)
{
    json_t  *v;

    same("{}");
    same("[]");
    same(" {\"a\" : [1, -2, 3.5, -0, 0.5e-3, 1E+2, true, false, null]} ");
    same("\"plain\"");
    same("12");
    same("-9223372036854775808");
    same("9223372036854775807");
    same("{\"a\":{\"b\":{\"c\":[[],[{}]]}}}");
    same("\"esc \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\u20ac\"");
    same("\"pair \\ud83d\\ude00\"");
    same("\"utf-8 \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
    same("{\"k\\u0041\":1,\"kB\":2}");
    same("1.7976931348623157e308");
    same("5e-324");

    v = parse("\"a\\\"b\"");
    CHECK(v && strcmp(json_string_value(v), "a\"b") == 0,
          "an escaped quote inside a string");
    json_decref(v);

    v = parse("{\"x\\ny\":\"v\\u0041\",\"z\":\"\\u00e9\\u00e9\"}");
    CHECK(v && json_object_get(v, "x\ny") != NULL
          && strcmp(json_string_value(json_object_get(v, "z")),
                    "\xc3\xa9\xc3\xa9") == 0,
          "escaped keys and values, one after another");
    json_decref(v);

    v = parse("1e-400");
    CHECK(v && json_real_value(v) == 0.0, "underflow is zero");
    json_decref(v);
}


static void
test_refused(void)
{
    REFUSED("", "empty");
    REFUSED("   \n ", "empty");
    REFUSED("{\"a\":1", "end of the body");
    REFUSED("{\"a\" 1}", "expected ':'");
    REFUSED("{\"a\":1,}", "expected a string key");
    REFUSED("[1,]", "unexpected character");
    REFUSED("[1 2]", "expected ',' or ']'");
    REFUSED("{a:1}", "expected a string key");
    REFUSED("{\"a\":1}x", "after the JSON value");
    REFUSED("{\"a\":1,\"a\":2}", "duplicate");
    REFUSED("{\"a\":1,\"\\u0061\":2}", "duplicate");
    REFUSED("\"\\u0000\"", "NUL");
    REFUSED("\"a\0b\"", "NUL");
    REFUSED("\"tab\there\"", "control character");
    REFUSED("\"\xff\"", "invalid UTF-8");
    REFUSED("\"\xc0\xaf\"", "invalid UTF-8");
    REFUSED("\"\xe0\x80\xaf\"", "invalid UTF-8");
    REFUSED("\"\xed\xa0\x80\"", "invalid UTF-8");
    REFUSED("\"\xf4\x90\x80\x80\"", "invalid UTF-8");
    REFUSED("\"\xe2\x82\"", "invalid UTF-8");
    REFUSED("\"\\ud800\"", "lone high surrogate");
    REFUSED("\"\\udc00\"", "lone low surrogate");
    REFUSED("\"\\ud800\\u0041\"", "lone high surrogate");
    REFUSED("\"\\x41\"", "bad escape");
    REFUSED("\"\\u12g4\"", "bad \\u escape");
    REFUSED("\"open", "unterminated");
    REFUSED("\"open\\", "unterminated");
    REFUSED("01", "bad number");
    REFUSED("-", "bad number");
    REFUSED("1.", "bad number");
    REFUSED("1e", "bad number");
    REFUSED(".5", "unexpected character");
    REFUSED("+1", "unexpected character");
    REFUSED("9223372036854775808", "out of range");
    REFUSED("-9223372036854775809", "out of range");
    REFUSED("123456789012345678901234567890", "out of range");
    REFUSED("1e400", "out of range");
    REFUSED("-1e400", "out of range");
    REFUSED("tru", "unexpected character");
    REFUSED("nul", "unexpected character");
    REFUSED("NaN", "unexpected character");
    REFUSED("Infinity", "unexpected character");

    REFUSED("{\n  \"a\": 1,\n  \"a\": 2\n}", "line 3, column");
}


static void
test_depth(void)
{
    int      i;
    char     buf[4096];
    json_t  *v;

    for (i = 0; i < 10; i++) {
        buf[i] = '[';
        buf[19 - i] = ']';
    }

    v = parse_n(buf, 20, 10);
    CHECK(v != NULL, "depth 10 with max_depth 10");
    json_decref(v);

    v = parse_n("[\"[[[[[[[[[[\"]", 14, 1);
    CHECK(v != NULL, "brackets inside strings do not count");
    json_decref(v);

    v = parse_n("[\"\\\"[[[[\"]", 10, 1);
    CHECK(v != NULL, "nor after an escaped quote");
    json_decref(v);

    v = parse_n(buf, 20, 9);
    CHECK(v == NULL && strstr(errbuf, "nesting deeper than 9"),
          "depth 10 with max_depth 9: %s", errbuf);

    CHECK(skip_n(buf, 20, 10) == 0 && skip_n(buf, 20, 9) == -1,
          "skipped to max_depth, not beyond");

    memset(buf, '[', sizeof(buf));
    v = parse_n(buf, sizeof(buf), 64);
    CHECK(v == NULL && strstr(errbuf, "nesting deeper than 64"),
          "a flood of brackets stops at the limit");

    memset(buf, '{', sizeof(buf));
    for (i = 0; i + 5 < (int) sizeof(buf); i += 5) {
        memcpy(buf + i, "{\"a\":", 5);
    }
    v = parse_n(buf, i, 64);
    CHECK(v == NULL && strstr(errbuf, "nesting deeper than 64"),
          "nested objects stop at the limit");
}


/* reals read without strtod() round exactly as strtod() does */
static void
test_reals(void)
{
    int           i, j, k, digits, point, bad;
    char          text[64];
    double        d;
    json_t       *v;
    unsigned int  seed;

    seed = 12345;
    bad = 0;

    for (i = 0; i < 200000 && bad < 5; i++) {
        digits = 1 + rand_r(&seed) % 17;
        point = 1 + rand_r(&seed) % digits;
        j = 0;

        if (rand_r(&seed) & 1) {
            text[j++] = '-';
        }

        for (k = 0; k < digits; k++) {
            if (k == point) {
                text[j++] = '.';
            }

            text[j++] = (k == 0 && point > 1) ? '1' + rand_r(&seed) % 9
                                              : '0' + rand_r(&seed) % 10;
        }

        if (point == digits) {
            text[j++] = '.';
            text[j++] = '0' + rand_r(&seed) % 10;
        }

        text[j] = '\0';

        v = parse(text);
        d = strtod(text, NULL);

        if (v == NULL || !json_is_real(v)
            || memcmp(&d, &(double) { json_real_value(v) }, sizeof(d)) != 0)
        {
            printf("# %s: %s, strtod() says %.17g\n", text,
                   v ? "differs" : errbuf, d);
            bad++;
        }

        json_decref(v);
    }

    CHECK(bad == 0, "200,000 random decimals read as strtod() reads them");
}


/* strings are scanned eight bytes at a time: a special byte anywhere */
static void
test_string_words(void)
{
    int           ok;
    char          text[64];
    size_t        len, at, k, n;
    json_t       *ours, *theirs;
    static const char  *specials[] = {
        "\\n", "\\\"", "\\u00e9", "\xc3\xa9", "\x01", "\x7f", "~"
    };

    ok = 1;

    for (len = 0; len <= 20 && ok; len++) {
        for (at = 0; at <= len && ok; at++) {
            for (k = 0; k < sizeof(specials) / sizeof(char *) && ok; k++) {
                n = 0;
                text[n++] = '"';
                memset(text + n, 'a', at);
                n += at;
                memcpy(text + n, specials[k], strlen(specials[k]));
                n += strlen(specials[k]);
                memset(text + n, 'b', len - at);
                n += len - at;
                text[n++] = '"';
                text[n] = '\0';

                ours = parse_n(text, n, 64);
                theirs = json_loads(text, JSON_DECODE_ANY, NULL);

                /* jansson takes a raw control byte; apigw does not */
                if (specials[k][0] == '\x01') {
                    ok = (ours == NULL);

                } else {
                    ok = (ours != NULL && theirs != NULL
                          && json_equal(ours, theirs));
                }

                if (!ok) {
                    printf("# %zu bytes, special %zu at %zu\n", len, k, at);
                }

                json_decref(ours);
                json_decref(theirs);
            }
        }
    }

    CHECK(ok, "strings with an escape, UTF-8 or a control byte anywhere");
}


int
main(void)
{
    test_accepted();
    test_refused();
    test_depth();
    test_reals();
    test_string_words();

    return unit_done();
}
