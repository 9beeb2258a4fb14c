
/*
 * Copyright (C) apigw contributors
 */


/*
 * unit tests for the compact JSON writer (apigw_json_dump.c): byte for
 * byte what json_dumps(v, JSON_COMPACT) writes, on chosen values and on
 * 3,000 random trees (every ASCII byte, NUL, UTF-8 of every length, keys
 * with NUL, integers at their limits, reals, nesting)
 */

#include <stdint.h>

#include "apigw_core.h"
#include "unit.h"


static int same(const json_t *v, const char *name);
static json_t *random_tree(unsigned depth);
static json_t *random_string(void);
static size_t random_text(char *buf, size_t max);
static unsigned next(void);


static uint64_t  seed = 0x9e3779b97f4a7c15ULL;


int
main(void)
{
    int      i, ok;
    json_t  *v;

    static const char  *texts[] = {
        "{}", "[]", "\"\"", "0", "-9223372036854775808",
        "9223372036854775807", "true", "false", "null", "1.5", "-0.0",
        "1e300", "0.1", "{\"a\":[1,{\"b\":null}],\"\":\"\"}",
        "\"\\u0000\\u0001\\u001f\\u007f\\b\\f\\n\\r\\t\\\"\\\\/\"",
        "\"\\u00e9\\u20ac\\ud83d\\ude00\\u2028\"",
        "{\"z\":1,\"a\":2,\"m\":3}",
        "[[[[[[[[[[[]]]]]]]]]]]"
    };

    for (i = 0; i < (int) (sizeof(texts) / sizeof(texts[0])); i++) {
        v = json_loads(texts[i], JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
        CHECK(v != NULL, "parsed %s", texts[i]);
        same(v, texts[i]);
        json_decref(v);
    }

    v = json_object();
    json_object_setn_new(v, "a\0b", 3, json_stringn("x\0y", 3));
    json_object_set_new(v, "k", json_real(3.25));
    same(v, "a key and a string with NUL, a real");
    json_decref(v);

    ok = 1;

    /* each byte that needs escaping, at each place of an eight-byte read */
    for (i = 0; i < 6 * 24; i++) {
        char  text[40];

        memset(text, 'a', sizeof(text));
        text[i % 24] = "\"\\\n\001\037\0"[i / 24];
        text[30] = (char) 0xc3;                 /* é: plain */
        text[31] = (char) 0xa9;

        v = json_stringn(text, sizeof(text));
        ok &= v != NULL && same(v, NULL);
        json_decref(v);
    }

    CHECK(ok, "an escape at each offset of a 40-byte string");

    ok = 1;

    for (i = 0; i < 3000; i++) {
        v = random_tree(0);
        ok &= same(v, NULL);
        json_decref(v);
    }

    CHECK(ok, "3000 random trees as json_dumps() writes them");

    return unit_done();
}


static int
same(const json_t *v, const char *name)
{
    int      ok;
    char    *want, *got, *end;
    size_t   len;

    want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    len = apigw_json_dump_size(v);

    if (want == NULL || len == (size_t) -1) {
        CHECK(0, "%s: dumped", name ? name : "a random tree");
        free(want);
        return 0;
    }

    got = malloc(len + 1);
    end = apigw_json_dump_write(v, got);
    *end = '\0';

    ok = (size_t) (end - got) == len && strlen(want) == len
         && memcmp(want, got, len) == 0;

    if (name != NULL || !ok) {
        CHECK(ok, "%s: %s", name ? name : "a random tree", want);
    }

    if (!ok) {
        NOTE("got %.*s", (int) len, got);
    }

    free(want);
    free(got);

    return ok;
}


static json_t *
random_tree(unsigned depth)
{
    char      key[32];
    size_t    n;
    json_t   *v;
    unsigned  i, count;

    switch (depth > 4 ? next() % 6 : next() % 8) {

    case 0:
        return random_string();

    case 1:
        return json_integer((json_int_t) (((uint64_t) next() << 32)
                                          | next()) >> (next() % 64));

    case 2:
        return json_real((double) (int) next() / ((next() % 1000) + 1));

    case 3:
        return next() % 2 ? json_true() : json_false();

    case 4:
        return json_null();

    case 5:
        return json_integer(next() % 2 ? INT64_MIN : INT64_MAX);

    case 6:
        v = json_object();
        count = next() % 6;

        for (i = 0; i < count; i++) {
            n = random_text(key, sizeof(key));
            json_object_setn_new(v, key, n, random_tree(depth + 1));
        }

        return v;

    default:
        v = json_array();
        count = next() % 6;

        for (i = 0; i < count; i++) {
            json_array_append_new(v, random_tree(depth + 1));
        }

        return v;
    }
}


static json_t *
random_string(void)
{
    char    buf[256];
    size_t  n;

    n = random_text(buf, sizeof(buf));

    return json_stringn(buf, n);
}


/* valid UTF-8: ASCII (NUL and controls too), 2, 3 and 4 byte sequences */

static size_t
random_text(char *buf, size_t max)
{
    size_t    n, len;
    unsigned  cp;

    len = next() % (max / 4);
    n = 0;

    while (n < len) {
        switch (next() % 4) {

        case 0:
            cp = 0x80 + next() % (0x800 - 0x80);
            buf[n++] = (char) (0xc0 | cp >> 6);
            buf[n++] = (char) (0x80 | (cp & 0x3f));
            break;

        case 1:
            do {
                cp = 0x800 + next() % (0x10000 - 0x800);
            } while (cp >= 0xd800 && cp <= 0xdfff);

            buf[n++] = (char) (0xe0 | cp >> 12);
            buf[n++] = (char) (0x80 | ((cp >> 6) & 0x3f));
            buf[n++] = (char) (0x80 | (cp & 0x3f));
            break;

        case 2:
            cp = 0x10000 + next() % (0x110000 - 0x10000);
            buf[n++] = (char) (0xf0 | cp >> 18);
            buf[n++] = (char) (0x80 | ((cp >> 12) & 0x3f));
            buf[n++] = (char) (0x80 | ((cp >> 6) & 0x3f));
            buf[n++] = (char) (0x80 | (cp & 0x3f));
            break;

        default:
            buf[n++] = (char) (next() % 0x80);
        }
    }

    return n;
}


/* xorshift64*: the same trees on every run */

static unsigned
next(void)
{
    seed ^= seed >> 12;
    seed ^= seed << 25;
    seed ^= seed >> 27;

    return (unsigned) ((seed * 0x2545f4914f6cdd1dULL) >> 32);
}
