
/*
 * Copyright (C) apigw contributors
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_core.h"


/*
 * A tree as compact JSON text, byte for byte what json_dumps(v,
 * JSON_COMPACT) writes (keys in insertion order, "\u001F" in upper case,
 * nothing above 0x7f escaped), in two passes: the length, then the text
 * into a buffer of that length.  json_dumps() formats each object's and
 * array's address with snprintf() into a hash table to find cycles, and
 * grows its buffer from 16 bytes: the event sent to a function is about
 * a kilobyte of strings, and that was most of the cost of writing it.
 *
 * Strings are trusted to be UTF-8, as jansson checks them on the way in
 * (json_string_nocheck() is not used by the callers).  Reals, rare in an
 * event, are left to jansson's own formatting.
 */


#define APIGW_JSON_DUMP_DEPTH  2048


static size_t apigw_json_dump_value(const json_t *v, char *p,
    unsigned depth);
static size_t apigw_json_dump_text(const char *s, size_t len, char *p);


static const char  apigw_json_hex[] = "0123456789ABCDEF";

/* 0: as it is; 'u': \u00XX; else the letter after the backslash */
static const unsigned char  apigw_json_escapes[256] = {
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
    'b', 't', 'n', 'u', 'f', 'r', 'u', 'u',
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
    0, 0, '"', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '\\', 0, 0, 0
};


size_t
apigw_json_dump_size(const json_t *v)
{
    return apigw_json_dump_value(v, NULL, 0);
}


char *
apigw_json_dump_write(const json_t *v, char *p)
{
    return p + apigw_json_dump_value(v, p, 0);
}


/* with p NULL, the length only; (size_t) -1 for what cannot be written */

static size_t
apigw_json_dump_value(const json_t *v, char *p, unsigned depth)
{
    char         num[32], *text;
    void        *it;
    size_t       i, n, len, sub;
    const char  *key;

    if (v == NULL || depth > APIGW_JSON_DUMP_DEPTH) {
        return (size_t) -1;
    }

    switch (json_typeof(v)) {

    case JSON_OBJECT:
        n = apigw_json_dump_text("{", 1, p);

        for (it = json_object_iter((json_t *) v);
             it != NULL;
             it = json_object_iter_next((json_t *) v, it))
        {
            if (n > 1) {
                n += apigw_json_dump_text(",", 1, p ? p + n : NULL);
            }

            key = json_object_iter_key(it);
            n += apigw_json_dump_string(key, json_object_iter_key_len(it),
                                        p ? p + n : NULL);
            n += apigw_json_dump_text(":", 1, p ? p + n : NULL);

            sub = apigw_json_dump_value(json_object_iter_value(it),
                                        p ? p + n : NULL, depth + 1);
            if (sub == (size_t) -1) {
                return sub;
            }

            n += sub;
        }

        return n + apigw_json_dump_text("}", 1, p ? p + n : NULL);

    case JSON_ARRAY:
        n = apigw_json_dump_text("[", 1, p);
        len = json_array_size(v);

        for (i = 0; i < len; i++) {
            if (i > 0) {
                n += apigw_json_dump_text(",", 1, p ? p + n : NULL);
            }

            sub = apigw_json_dump_value(json_array_get(v, i),
                                        p ? p + n : NULL, depth + 1);
            if (sub == (size_t) -1) {
                return sub;
            }

            n += sub;
        }

        return n + apigw_json_dump_text("]", 1, p ? p + n : NULL);

    case JSON_STRING:
        return apigw_json_dump_string(json_string_value(v),
                                      json_string_length(v), p);

    case JSON_INTEGER:
        text = apigw_json_integer_text(json_integer_value(v),
                                       num + sizeof(num));
        return apigw_json_dump_text(text, num + sizeof(num) - text, p);

    case JSON_REAL:
        text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        if (text == NULL) {
            return (size_t) -1;
        }

        len = apigw_json_dump_text(text, strlen(text), p);
        free(text);

        return len;

    case JSON_TRUE:
        return apigw_json_dump_text("true", 4, p);

    case JSON_FALSE:
        return apigw_json_dump_text("false", 5, p);

    default: /* JSON_NULL */
        return apigw_json_dump_text("null", 4, p);
    }
}


size_t
apigw_json_dump_string(const char *s, size_t len, char *p)
{
    size_t          i, n, run;
    unsigned char   c, e;

    n = 1;
    run = 0;

    if (p) {
        p[0] = '"';
    }

    for (i = 0; i < len; i++) {
        c = s[i];
        e = apigw_json_escapes[c];

        if (e == 0) {
            run++;
            continue;
        }

        if (p && run) {
            memcpy(p + n, s + i - run, run);
        }

        n += run;
        run = 0;

        if (e == 'u') {
            if (p) {
                memcpy(p + n, "\\u00", 4);
                p[n + 4] = apigw_json_hex[c >> 4];
                p[n + 5] = apigw_json_hex[c & 0x0f];
            }

            n += 6;
            continue;
        }

        if (p) {
            p[n] = '\\';
            p[n + 1] = e;
        }

        n += 2;
    }

    if (p) {
        memcpy(p + n, s + len - run, run);
        p[n + run] = '"';
    }

    return n + run + 1;
}


static size_t
apigw_json_dump_text(const char *s, size_t len, char *p)
{
    if (p) {
        memcpy(p, s, len);
    }

    return len;
}


/* what snprintf("%lld") writes, at a fraction of its cost */
char *
apigw_json_integer_text(int64_t n, char *end)
{
    uint64_t  u;

    u = n < 0 ? 0 - (uint64_t) n : (uint64_t) n;

    do {
        *--end = (char) ('0' + u % 10);
        u /= 10;
    } while (u);

    if (n < 0) {
        *--end = '-';
    }

    return end;
}
