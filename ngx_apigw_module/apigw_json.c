
/*
 * Copyright (C) apigw contributors
 */


#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_json_int.h"


/*
 * Request and response bodies as JSON, strictly: RFC 8259 syntax, UTF-8
 * only, no NUL (raw or \u0000), no duplicate keys, numbers that fit
 * (integers in 64 bits, reals finite), nesting bounded.  A hand-written
 * scanner over the buffer: jansson's own loader reads a character at a
 * time through callbacks and costs most of a validated request.
 */


#define APIGW_JSON_NUM_LEN  512

/*
 * some byte of the eight in w is '"', '\\', below 0x20 or above 0x7f; a
 * borrow may also flag a byte after one of those, which is harmless: the
 * bytes are then looked at one by one
 */
#define APIGW_JSON_ONES     0x0101010101010101ULL

#if (defined __SSE2__)
#include <emmintrin.h>
#define APIGW_JSON_SSE2     1
#else
#define APIGW_JSON_SSE2     0
#endif

#define apigw_json_special(w)                                                 \
    (((w) | ((w) - APIGW_JSON_ONES * 0x20)                                    \
      | (((w) ^ (APIGW_JSON_ONES * '"')) - APIGW_JSON_ONES)                   \
      | (((w) ^ (APIGW_JSON_ONES * '\\')) - APIGW_JSON_ONES))                 \
     & (APIGW_JSON_ONES * 0x80))




static json_t *apigw_json_parse_all(apigw_json_parser_t *jp);
static json_t *apigw_json_object(apigw_json_parser_t *jp);
static json_t *apigw_json_array(apigw_json_parser_t *jp);
static json_t *apigw_json_number(apigw_json_parser_t *jp);
static int apigw_json_skip_nested(apigw_json_parser_t *jp);
static int apigw_json_exact_real(const unsigned char *p,
    const unsigned char *end, double *d);
static int apigw_json_string_slow(apigw_json_parser_t *jp,
    const unsigned char *start, const char **s, size_t *len)
#ifdef __GNUC__
    __attribute__((noinline))
#endif
    ;
static int apigw_json_utf8(apigw_json_parser_t *jp);
static int apigw_json_escape(apigw_json_parser_t *jp, char **d);
static int apigw_json_hex4(const unsigned char *p, unsigned *cp);
static char *apigw_json_put_utf8(char *d, unsigned cp);
static void *apigw_json_malloc(size_t size);
static void apigw_json_free(void *ptr);
static void apigw_json_error(apigw_json_parser_t *jp, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;


/*
 * Arenas for parsed bodies.  Once apigw_json_use_arenas() has installed
 * these as jansson's allocator, the nodes of a tree parsed by
 * apigw_json_parse_in() come from the caller's arena (nginx: the request
 * pool): such a tree is never freed, it goes with the arena, and what
 * jansson frees during the parse (a grown hash table, a tree given up on
 * an error) is left to the arena too.  Outside a parse, jansson allocates
 * and frees with malloc() and free(), as by default, so strings from
 * json_dumps() are still free()d.  The arena is set for the length of one
 * parse only; a worker parses one body at a time.
 */

static const apigw_json_arena_t  *apigw_json_arena;


/* string bytes that need no second look: printable ASCII but " and \ */
static const unsigned char  apigw_json_plain[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,     /*  !"#...  */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,     /* [\]^_ */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    /* 0x80 and up: UTF-8, checked the slow way */
};


void
apigw_json_use_arenas(void)
{
    json_set_alloc_funcs(apigw_json_malloc, apigw_json_free);
}


void
apigw_json_set_arena(const apigw_json_arena_t *arena)
{
    apigw_json_arena = arena;
}


json_t *
apigw_json_parse_in(const apigw_json_arena_t *arena, const char *buf,
    size_t len, unsigned max_depth, char *errbuf, size_t errlen)
{
    json_t  *value;

    apigw_json_arena = arena;
    value = apigw_json_parse(buf, len, max_depth, errbuf, errlen);
    apigw_json_arena = NULL;

    return value;
}


static void *
apigw_json_malloc(size_t size)
{
    if (apigw_json_arena) {
        return apigw_json_arena->alloc(apigw_json_arena->data, size);
    }

    return malloc(size);
}


static void
apigw_json_free(void *ptr)
{
    if (apigw_json_arena == NULL) {
        free(ptr);
    }
}


json_t *
apigw_json_parse(const char *buf, size_t len, unsigned max_depth,
    char *errbuf, size_t errlen)
{
    apigw_json_parser_t  jp;

    apigw_json_init(&jp, buf, len, max_depth, errbuf, errlen);

    return apigw_json_parse_all(&jp);
}


json_t *
apigw_json_parse_lenient(const char *buf, size_t len, char *errbuf,
    size_t errlen)
{
    apigw_json_parser_t  jp;

    apigw_json_init(&jp, buf, len, APIGW_JSON_LENIENT_DEPTH, errbuf, errlen);
    jp.lenient = 1;

    return apigw_json_parse_all(&jp);
}


static json_t *
apigw_json_parse_all(apigw_json_parser_t *jp)
{
    json_t  *value;

    apigw_json_skip_ws(jp);

    if (jp->p == jp->end) {
        apigw_json_error(jp, "the body is empty");
        return NULL;
    }

    value = apigw_json_value(jp);

    if (value) {
        apigw_json_skip_ws(jp);

        if (jp->p != jp->end) {
            apigw_json_error(jp, "unexpected text after the JSON value");
            json_decref(value);
            value = NULL;
        }
    }

    apigw_json_done(jp);

    return value;
}


void
apigw_json_init(apigw_json_parser_t *jp, const char *buf, size_t len,
    unsigned max_depth, char *errbuf, size_t errlen)
{
    jp->start = (const unsigned char *) buf;
    jp->p = jp->start;
    jp->end = jp->start + len;
    jp->depth = 0;
    jp->max_depth = max_depth;
    jp->errbuf = errbuf;
    jp->errlen = errlen;
    jp->scratch = NULL;
    jp->scratch_len = 0;
    jp->lenient = 0;

    if (errlen) {
        errbuf[0] = '\0';
    }
}


void
apigw_json_done(apigw_json_parser_t *jp)
{
    free(jp->scratch);
    jp->scratch = NULL;
}


json_t *
apigw_json_value(apigw_json_parser_t *jp)
{
    switch (*jp->p) {

    case '{':
        return apigw_json_object(jp);

    case '[':
        return apigw_json_array(jp);

    case '"':
        {
        const char  *s;
        size_t       len;
        json_t      *v;

        if (apigw_json_string(jp, &s, &len) != 0) {
            return NULL;
        }

        v = json_stringn_nocheck(s, len);

        if (v == NULL) {
            apigw_json_error(jp, "out of memory");
        }

        return v;
        }

    case 't':
        if (jp->end - jp->p >= 4 && memcmp(jp->p, "true", 4) == 0) {
            jp->p += 4;
            return json_true();
        }

        break;

    case 'f':
        if (jp->end - jp->p >= 5 && memcmp(jp->p, "false", 5) == 0) {
            jp->p += 5;
            return json_false();
        }

        break;

    case 'n':
        if (jp->end - jp->p >= 4 && memcmp(jp->p, "null", 4) == 0) {
            jp->p += 4;
            return json_null();
        }

        break;

    default:
        if (*jp->p == '-' || (*jp->p >= '0' && *jp->p <= '9')) {
            return apigw_json_number(jp);
        }
    }

    apigw_json_error(jp, "unexpected character");
    return NULL;
}


int
apigw_json_skip(apigw_json_parser_t *jp)
{
    size_t               len;
    const char          *s;
    apigw_json_number_t  n;

    switch (*jp->p) {

    case '{':
    case '[':
        return apigw_json_skip_nested(jp);

    case '"':
        return apigw_json_string(jp, &s, &len);

    case 't':
    case 'n':
        if (jp->end - jp->p >= 4
            && memcmp(jp->p, *jp->p == 't' ? "true" : "null", 4) == 0)
        {
            jp->p += 4;
            return 0;
        }

        break;

    case 'f':
        if (jp->end - jp->p >= 5 && memcmp(jp->p, "false", 5) == 0) {
            jp->p += 5;
            return 0;
        }

        break;

    default:
        if (*jp->p == '-' || (*jp->p >= '0' && *jp->p <= '9')) {
            return apigw_json_lex_number(jp, &n);
        }
    }

    apigw_json_error(jp, "unexpected character");
    return -1;
}


/* an object or an array, with the checks and errors of the tree's code */

static int
apigw_json_skip_nested(apigw_json_parser_t *jp)
{
    size_t          len;
    const char     *s;
    unsigned char   close;

    close = (*jp->p == '{') ? '}' : ']';

    if (++jp->depth > jp->max_depth) {
        apigw_json_error(jp, "nesting deeper than %u", jp->max_depth);
        return -1;
    }

    jp->p++;
    apigw_json_skip_ws(jp);

    if (jp->p < jp->end && *jp->p == close) {
        jp->p++;
        jp->depth--;
        return 0;
    }

    for ( ;; ) {

        if (close == '}') {
            if (jp->p == jp->end || *jp->p != '"') {
                apigw_json_error(jp, "expected a string key");
                return -1;
            }

            if (apigw_json_string(jp, &s, &len) != 0) {
                return -1;
            }

            apigw_json_skip_ws(jp);

            if (jp->p == jp->end || *jp->p != ':') {
                apigw_json_error(jp, "expected ':'");
                return -1;
            }

            jp->p++;
            apigw_json_skip_ws(jp);
        }

        if (jp->p == jp->end) {
            apigw_json_error(jp, "unexpected end of the body");
            return -1;
        }

        if (apigw_json_skip(jp) != 0) {
            return -1;
        }

        apigw_json_skip_ws(jp);

        if (jp->p == jp->end) {
            apigw_json_error(jp, "unexpected end of the body");
            return -1;
        }

        if (*jp->p == close) {
            jp->p++;
            jp->depth--;
            return 0;
        }

        if (*jp->p != ',') {
            apigw_json_error(jp, close == '}' ? "expected ',' or '}'"
                                              : "expected ',' or ']'");
            return -1;
        }

        jp->p++;
        apigw_json_skip_ws(jp);
    }
}


static json_t *
apigw_json_object(apigw_json_parser_t *jp)
{
    size_t       klen, size;
    json_t      *object, *value;
    const char  *key;
    char        *copy;

    if (++jp->depth > jp->max_depth) {
        apigw_json_error(jp, "nesting deeper than %u", jp->max_depth);
        return NULL;
    }

    jp->p++;

    object = json_object();
    if (object == NULL) {
        apigw_json_error(jp, "out of memory");
        return NULL;
    }

    apigw_json_skip_ws(jp);

    if (jp->p < jp->end && *jp->p == '}') {
        jp->p++;
        jp->depth--;
        return object;
    }

    for ( ;; ) {
        if (jp->p == jp->end || *jp->p != '"') {
            apigw_json_error(jp, "expected a string key");
            goto failed;
        }

        if (apigw_json_string(jp, &key, &klen) != 0) {
            goto failed;
        }


        /* the key may sit in the scratch buffer the value reuses */
        copy = NULL;

        if (key == jp->scratch) {
            copy = malloc(klen + 1);
            if (copy == NULL) {
                apigw_json_error(jp, "out of memory");
                goto failed;
            }

            memcpy(copy, key, klen);
            key = copy;
        }

        apigw_json_skip_ws(jp);

        if (jp->p == jp->end || *jp->p != ':') {
            free(copy);
            apigw_json_error(jp, "expected ':'");
            goto failed;
        }

        jp->p++;
        apigw_json_skip_ws(jp);

        if (jp->p == jp->end) {
            free(copy);
            apigw_json_error(jp, "unexpected end of the body");
            goto failed;
        }

        value = apigw_json_value(jp);

        if (value == NULL) {
            free(copy);
            goto failed;
        }

        /* one hash lookup: a duplicate replaces, the size stays */
        size = json_object_size(object);

        if (json_object_setn_new_nocheck(object, key, klen, value) != 0) {
            free(copy);
            apigw_json_error(jp, "out of memory");
            goto failed;
        }

        if (json_object_size(object) == size && !jp->lenient) {
            free(copy);
            apigw_json_error(jp, "duplicate object key");
            goto failed;
        }

        free(copy);
        apigw_json_skip_ws(jp);

        if (jp->p == jp->end) {
            apigw_json_error(jp, "unexpected end of the body");
            goto failed;
        }

        if (*jp->p == '}') {
            jp->p++;
            jp->depth--;
            return object;
        }

        if (*jp->p != ',') {
            apigw_json_error(jp, "expected ',' or '}'");
            goto failed;
        }

        jp->p++;
        apigw_json_skip_ws(jp);
    }

failed:

    json_decref(object);
    return NULL;
}


static json_t *
apigw_json_array(apigw_json_parser_t *jp)
{
    json_t  *array, *value;

    if (++jp->depth > jp->max_depth) {
        apigw_json_error(jp, "nesting deeper than %u", jp->max_depth);
        return NULL;
    }

    jp->p++;

    array = json_array();
    if (array == NULL) {
        apigw_json_error(jp, "out of memory");
        return NULL;
    }

    apigw_json_skip_ws(jp);

    if (jp->p < jp->end && *jp->p == ']') {
        jp->p++;
        jp->depth--;
        return array;
    }

    for ( ;; ) {
        if (jp->p == jp->end) {
            apigw_json_error(jp, "unexpected end of the body");
            goto failed;
        }

        value = apigw_json_value(jp);

        if (value == NULL) {
            goto failed;
        }

        if (json_array_append_new(array, value) != 0) {
            apigw_json_error(jp, "out of memory");
            goto failed;
        }

        apigw_json_skip_ws(jp);

        if (jp->p == jp->end) {
            apigw_json_error(jp, "unexpected end of the body");
            goto failed;
        }

        if (*jp->p == ']') {
            jp->p++;
            jp->depth--;
            return array;
        }

        if (*jp->p != ',') {
            apigw_json_error(jp, "expected ',' or ']'");
            goto failed;
        }

        jp->p++;
        apigw_json_skip_ws(jp);
    }

failed:

    json_decref(array);
    return NULL;
}


int
apigw_json_string(apigw_json_parser_t *jp, const char **s, size_t *len)
{
    uint64_t              w, special;
    const unsigned char  *start, *p, *end;
#if (APIGW_JSON_SSE2)
    int                   mask;
    __m128i               v, quote, backslash, space;

    quote = _mm_set1_epi8('"');
    backslash = _mm_set1_epi8('\\');
    space = _mm_set1_epi8(' ');    /* signed: UTF-8 bytes are below too */
#endif

    start = jp->p + 1;
    end = jp->end;

    /*
     * the common case, plain ASCII up to the closing quote, 16 or eight
     * bytes at a time: the lowest byte flagged is the first special one
     * (a quote, a backslash, a control character or a UTF-8 byte)
     */
    p = start;

#if (APIGW_JSON_SSE2)

    for ( /* void */ ; end - p >= 16; p += 16) {
        v = _mm_loadu_si128((const __m128i *) p);
        mask = _mm_movemask_epi8(
                   _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote),
                                             _mm_cmpeq_epi8(v, backslash)),
                                _mm_cmplt_epi8(v, space)));

        if (mask) {
            p += __builtin_ctz(mask);
            goto found;
        }
    }

#endif

#if (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)

    for ( /* void */ ; end - p >= 8; p += 8) {
        memcpy(&w, p, 8);
        special = apigw_json_special(w);

        if (special) {
            p += __builtin_ctzll(special) >> 3;
            goto found;
        }
    }

#endif

    while (p < end && apigw_json_plain[*p]) {
        p++;
    }

found:

    if (p < end && *p == '"') {
        *s = (const char *) start;
        *len = p - start;
        jp->p = p + 1;
        return 0;
    }

    jp->p = p;

    return apigw_json_string_slow(jp, start, s, len);
}


/* from the first escape or UTF-8 sequence, into the scratch buffer */
static int
apigw_json_string_slow(apigw_json_parser_t *jp, const unsigned char *start,
    const char **s, size_t *len)
{
    char                 *d, *scratch;
    size_t                need;
    const unsigned char  *q;

    /* escapes or UTF-8: the unescaped text is never longer */

    for (q = jp->p; q < jp->end && *q != '"'; q++) {
        if (*q == '\\' && q + 1 < jp->end) {
            q++;
        }
    }

    need = (q - start) + 1;

    if (need > jp->scratch_len) {
        scratch = realloc(jp->scratch, need * 2);
        if (scratch == NULL) {
            apigw_json_error(jp, "out of memory");
            return -1;
        }

        jp->scratch = scratch;
        jp->scratch_len = need * 2;
    }

    d = jp->scratch;
    memcpy(d, start, jp->p - start);
    d += jp->p - start;

    while (jp->p < jp->end) {

        if (*jp->p == '"') {
            *s = jp->scratch;
            *len = d - jp->scratch;
            jp->p++;
            return 0;
        }

        if (*jp->p == '\\') {
            if (apigw_json_escape(jp, &d) != 0) {
                return -1;
            }

            continue;
        }

        if (*jp->p < 0x20) {
            apigw_json_error(jp, *jp->p ? "control character in a string"
                                        : "NUL in a string");
            return -1;
        }

        if (*jp->p < 0x80) {
            *d++ = (char) *jp->p++;
            continue;
        }

        q = jp->p;

        if (apigw_json_utf8(jp) != 0) {
            return -1;
        }

        memcpy(d, q, jp->p - q);
        d += jp->p - q;
    }

    apigw_json_error(jp, "unterminated string");
    return -1;
}


/* one UTF-8 sequence, shortest form, no surrogates, up to U+10FFFF */
static int
apigw_json_utf8(apigw_json_parser_t *jp)
{
    unsigned              c, cp, n, i, min;
    const unsigned char  *p;

    p = jp->p;
    c = *p;

    if (c >= 0xc2 && c <= 0xdf) {
        n = 1; cp = c & 0x1f; min = 0x80;

    } else if (c >= 0xe0 && c <= 0xef) {
        n = 2; cp = c & 0x0f; min = 0x800;

    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 3; cp = c & 0x07; min = 0x10000;

    } else {
        goto invalid;
    }

    if ((size_t) (jp->end - p) <= n) {
        goto invalid;
    }

    for (i = 1; i <= n; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            goto invalid;
        }

        cp = (cp << 6) | (p[i] & 0x3f);
    }

    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        goto invalid;
    }

    jp->p += n + 1;

    return 0;

invalid:

    apigw_json_error(jp, "invalid UTF-8");
    return -1;
}


static int
apigw_json_escape(apigw_json_parser_t *jp, char **d)
{
    unsigned  cp, lo;

    if (jp->end - jp->p < 2) {
        apigw_json_error(jp, "unterminated string");
        return -1;
    }

    switch (jp->p[1]) {
    case '"':  *(*d)++ = '"';  break;
    case '\\': *(*d)++ = '\\'; break;
    case '/':  *(*d)++ = '/';  break;
    case 'b':  *(*d)++ = '\b'; break;
    case 'f':  *(*d)++ = '\f'; break;
    case 'n':  *(*d)++ = '\n'; break;
    case 'r':  *(*d)++ = '\r'; break;
    case 't':  *(*d)++ = '\t'; break;

    case 'u':
        if (jp->end - jp->p < 6 || apigw_json_hex4(jp->p + 2, &cp) != 0) {
            apigw_json_error(jp, "bad \\u escape");
            return -1;
        }

        jp->p += 6;

        if (cp == 0 && !jp->lenient) {
            apigw_json_error(jp, "NUL (\\u0000) in a string");
            return -1;
        }

        if (cp >= 0xdc00 && cp <= 0xdfff) {
            apigw_json_error(jp, "lone low surrogate in a \\u escape");
            return -1;
        }

        if (cp >= 0xd800 && cp <= 0xdbff) {
            if (jp->end - jp->p < 6 || jp->p[0] != '\\' || jp->p[1] != 'u'
                || apigw_json_hex4(jp->p + 2, &lo) != 0
                || lo < 0xdc00 || lo > 0xdfff)
            {
                apigw_json_error(jp, "lone high surrogate in a \\u escape");
                return -1;
            }

            jp->p += 6;
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        }

        *d = apigw_json_put_utf8(*d, cp);
        return 0;

    default:
        apigw_json_error(jp, "bad escape");
        return -1;
    }

    jp->p += 2;

    return 0;
}


static int
apigw_json_hex4(const unsigned char *p, unsigned *cp)
{
    int       i, h;
    unsigned  v;

    v = 0;

    for (i = 0; i < 4; i++) {
        h = apigw_hex_digit(p[i]);

        if (h < 0) {
            return -1;
        }

        v = v * 16 + h;
    }

    *cp = v;

    return 0;
}


/* 6 bytes of "\uXXXX" (12 for a pair) always hold the UTF-8 form */
static char *
apigw_json_put_utf8(char *d, unsigned cp)
{
    if (cp < 0x80) {
        *d++ = (char) cp;

    } else if (cp < 0x800) {
        *d++ = (char) (0xc0 | (cp >> 6));
        *d++ = (char) (0x80 | (cp & 0x3f));

    } else if (cp < 0x10000) {
        *d++ = (char) (0xe0 | (cp >> 12));
        *d++ = (char) (0x80 | ((cp >> 6) & 0x3f));
        *d++ = (char) (0x80 | (cp & 0x3f));

    } else {
        *d++ = (char) (0xf0 | (cp >> 18));
        *d++ = (char) (0x80 | ((cp >> 12) & 0x3f));
        *d++ = (char) (0x80 | ((cp >> 6) & 0x3f));
        *d++ = (char) (0x80 | (cp & 0x3f));
    }

    return d;
}


static json_t *
apigw_json_number(apigw_json_parser_t *jp)
{
    json_t               *v;
    apigw_json_number_t   n;

    if (apigw_json_lex_number(jp, &n) != 0) {
        return NULL;
    }

    v = n.real ? json_real(n.d) : json_integer(n.i);

    if (v == NULL) {
        apigw_json_error(jp, "out of memory");
    }

    return v;
}


/* RFC 8259 numbers; integers in 64 bits, reals finite */
int
apigw_json_lex_number(apigw_json_parser_t *jp, apigw_json_number_t *n)
{
    int                   real, neg;
    char                  small[64], *text, *end;
    double                d;
    size_t                len, digits;
    uint64_t              u;
    const unsigned char  *start, *p;

    start = jp->p;
    p = start;
    neg = (*p == '-');
    real = 0;

    if (neg) {
        p++;
    }

    if (p == jp->end || *p < '0' || *p > '9') {
        goto bad;
    }

    u = 0;

    if (*p == '0') {
        p++;

        if (p < jp->end && *p >= '0' && *p <= '9') {
            goto bad;
        }

    } else {
        /* exact up to 18 digits, the common case, which ends here */
        while (p < jp->end && *p >= '0' && *p <= '9') {
            u = u * 10 + (*p++ - '0');
        }
    }

    digits = p - (start + neg);

    if (p < jp->end && *p == '.') {
        real = 1;
        p++;

        if (p == jp->end || *p < '0' || *p > '9') {
            goto bad;
        }

        while (p < jp->end && *p >= '0' && *p <= '9') {
            p++;
        }
    }

    if (p < jp->end && (*p == 'e' || *p == 'E')) {
        real = 1;
        p++;

        if (p < jp->end && (*p == '+' || *p == '-')) {
            p++;
        }

        if (p == jp->end || *p < '0' || *p > '9') {
            goto bad;
        }

        while (p < jp->end && *p >= '0' && *p <= '9') {
            p++;
        }
    }

    jp->p = p;
    len = p - start;

    if (!real && digits <= 18) {
        n->real = 0;
        n->i = neg ? -(json_int_t) u : (json_int_t) u;
        return 0;
    }

    if (!real) {
        u = 0;

        for (p = start + neg; p < jp->p; p++) {
            if (u > (UINT64_MAX - 9) / 10) {
                goto range;
            }

            u = u * 10 + (*p - '0');
        }

        if (u > (uint64_t) INT64_MAX + neg) {
            goto range;
        }

        n->real = 0;
        n->i = neg ? (json_int_t) (0 - u) : (json_int_t) u;
        return 0;
    }

    if (apigw_json_exact_real(start + neg, jp->p, &d) == 0) {
        n->real = 1;
        n->d = neg ? -d : d;
        return 0;
    }

    if (len > APIGW_JSON_NUM_LEN) {
        goto range;
    }

    text = (len < sizeof(small)) ? small : malloc(len + 1);
    if (text == NULL) {
        apigw_json_error(jp, "out of memory");
        return -1;
    }

    memcpy(text, start, len);
    text[len] = '\0';

    errno = 0;
    d = strtod(text, &end);

    if (text != small) {
        free(text);
    }

    if (!isfinite(d) || (errno == ERANGE && fabs(d) > 1.0)) {
        goto range;
    }

    n->real = 1;
    n->d = d;
    return 0;

bad:

    jp->p = p;
    apigw_json_error(jp, "bad number");
    return -1;

range:

    jp->p = start;
    apigw_json_error(jp, "number out of range");
    return -1;
}


/*
 * a real of up to 15 significant digits, up to 22 of them after the
 * point, and no exponent, such as 19.99, is one division of two exact
 * doubles, so correctly rounded as by strtod(); -1: leave it to strtod()
 */
static int
apigw_json_exact_real(const unsigned char *p, const unsigned char *end,
    double *d)
{
    int                   exp, digits;
    uint64_t              m;
    static const double   pow10[] = {
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
    };

    m = 0;
    exp = 0;
    digits = 0;

    for ( /* void */ ; p < end && *p >= '0' && *p <= '9'; p++) {
        m = m * 10 + (*p - '0');
        digits += (m != 0);

        if (digits > 15) {
            return -1;
        }
    }

    if (p < end && *p == '.') {
        for (p++; p < end && *p >= '0' && *p <= '9'; p++) {
            m = m * 10 + (*p - '0');
            digits += (m != 0);
            exp--;

            if (digits > 15) {
                return -1;
            }
        }
    }

    /* an exponent: strtod() */
    if (p < end) {
        return -1;
    }

    if (exp < -22) {
        return -1;
    }

    *d = (double) m / pow10[-exp];

    return 0;
}


/* "line 3, column 7: duplicate object key" */
static void
apigw_json_error(apigw_json_parser_t *jp, const char *fmt, ...)
{
    int                   n;
    size_t                line, column;
    va_list               args;
    const unsigned char  *p;

    if (jp->errlen == 0 || jp->errbuf[0] != '\0') {
        return;
    }

    line = 1;
    column = 1;

    for (p = jp->start; p < jp->p && p < jp->end; p++) {
        if (*p == '\n') {
            line++;
            column = 1;

        } else {
            column++;
        }
    }

    n = snprintf(jp->errbuf, jp->errlen, "line %zu, column %zu: ", line,
                 column);

    if (n < 0 || (size_t) n >= jp->errlen) {
        return;
    }

    va_start(args, fmt);
    vsnprintf(jp->errbuf + n, jp->errlen - n, fmt, args);
    va_end(args);
}
