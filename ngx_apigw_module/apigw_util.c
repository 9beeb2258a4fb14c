
/*
 * Copyright (C) apigw contributors
 */


#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_core.h"


typedef struct {
    const json_t           *node;
    unsigned                line;
} apigw_linemap_slot_t;


struct apigw_linemap_s {
    apigw_linemap_slot_t   *slots;
    size_t                  size;       /* power of two */
    size_t                  used;
};


static size_t apigw_linemap_hash(const json_t *node, size_t size);
static int apigw_linemap_grow(apigw_linemap_t *map);


void
apigw_error_set(apigw_error_t *err, const char *pointer, unsigned line,
    const char *fmt, ...)
{
    va_list  args;

    if (err == NULL) {
        return;
    }

    snprintf(err->pointer, sizeof(err->pointer), "%s",
             pointer ? pointer : "");
    err->line = line;

    va_start(args, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, args);
    va_end(args);
}


void
apigw_error_format(const apigw_error_t *err, char *buf, size_t size)
{
    char  where[APIGW_ERR_LEN + 32];

    where[0] = '\0';

    if (err->pointer[0] && err->line) {
        snprintf(where, sizeof(where), " at %s (line %u)", err->pointer,
                 err->line);

    } else if (err->pointer[0]) {
        snprintf(where, sizeof(where), " at %s", err->pointer);

    } else if (err->line) {
        snprintf(where, sizeof(where), " at line %u", err->line);
    }

    snprintf(buf, size, "\"%s\"%s: %s", err->file, where, err->message);
}


int
apigw_warn(apigw_warnings_t *w, apigw_error_t *err)
{
    char    buf[sizeof(apigw_error_t) + 64], **messages;
    size_t  i, cap;

    if (w == NULL || w->strict) {
        return -1;
    }

    apigw_error_format(err, buf, sizeof(buf));

    /* the same problem met again (a schema compiled twice) is noted once */
    for (i = 0; i < w->n; i++) {
        if (strcmp(w->messages[i], buf) == 0) {
            goto done;
        }
    }

    if (w->n == w->cap) {
        cap = w->cap ? w->cap * 2 : 8;

        messages = realloc(w->messages, cap * sizeof(char *));
        if (messages == NULL) {
            apigw_error_set(err, "", 0, "out of memory");
            return -1;
        }

        w->messages = messages;
        w->cap = cap;
    }

    w->messages[w->n] = strdup(buf);
    if (w->messages[w->n] == NULL) {
        apigw_error_set(err, "", 0, "out of memory");
        return -1;
    }

    w->n++;

done:

    err->pointer[0] = '\0';
    err->line = 0;
    err->message[0] = '\0';

    return 0;
}


void
apigw_warnings_free(apigw_warnings_t *w)
{
    size_t  i;

    for (i = 0; i < w->n; i++) {
        free(w->messages[i]);
    }

    free(w->messages);
    w->messages = NULL;
    w->n = 0;
    w->cap = 0;
}


apigw_linemap_t *
apigw_linemap_create(void)
{
    apigw_linemap_t  *map;

    map = calloc(1, sizeof(apigw_linemap_t));
    if (map == NULL) {
        return NULL;
    }

    map->size = 1024;
    map->slots = calloc(map->size, sizeof(apigw_linemap_slot_t));
    if (map->slots == NULL) {
        free(map);
        return NULL;
    }

    return map;
}


void
apigw_linemap_free(apigw_linemap_t *map)
{
    if (map) {
        free(map->slots);
        free(map);
    }
}


static size_t
apigw_linemap_hash(const json_t *node, size_t size)
{
    uintptr_t  h;

    h = (uintptr_t) node;
    h ^= h >> 17;
    h *= 0x9e3779b97f4a7c15ULL;
    h ^= h >> 29;

    return h & (size - 1);
}


static int
apigw_linemap_grow(apigw_linemap_t *map)
{
    size_t                 i, j, size;
    apigw_linemap_slot_t  *slots;

    size = map->size * 2;

    slots = calloc(size, sizeof(apigw_linemap_slot_t));
    if (slots == NULL) {
        return -1;
    }

    for (i = 0; i < map->size; i++) {
        if (map->slots[i].node == NULL) {
            continue;
        }

        j = apigw_linemap_hash(map->slots[i].node, size);

        while (slots[j].node) {
            j = (j + 1) & (size - 1);
        }

        slots[j] = map->slots[i];
    }

    free(map->slots);
    map->slots = slots;
    map->size = size;

    return 0;
}


int
apigw_linemap_add(apigw_linemap_t *map, const json_t *node, unsigned line)
{
    size_t  i;

    if (map == NULL || node == NULL) {
        return 0;
    }

    if ((map->used + 1) * 2 > map->size && apigw_linemap_grow(map) != 0) {
        return -1;
    }

    i = apigw_linemap_hash(node, map->size);

    while (map->slots[i].node) {
        if (map->slots[i].node == node) {
            /*
             * the newest entry wins: the address may be that of a node
             * freed since (a merged "<<" mapping); aliases add nothing
             */
            map->slots[i].line = line;
            return 0;
        }

        i = (i + 1) & (map->size - 1);
    }

    map->slots[i].node = node;
    map->slots[i].line = line;
    map->used++;

    return 0;
}


unsigned
apigw_linemap_find(const apigw_linemap_t *map, const json_t *node)
{
    size_t  i;

    if (map == NULL || node == NULL) {
        return 0;
    }

    i = apigw_linemap_hash(node, map->size);

    while (map->slots[i].node) {
        if (map->slots[i].node == node) {
            return map->slots[i].line;
        }

        i = (i + 1) & (map->size - 1);
    }

    return 0;
}


int
apigw_uri_unreserved(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
           || c == '~';
}


int
apigw_hex_digit(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    c |= 0x20;

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    return -1;
}


static const char  apigw_base64_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";


size_t
apigw_base64_encode(const unsigned char *in, size_t len, char *out)
{
    char    *p;
    size_t   i;

    p = out;

    for (i = 0; i + 2 < len; i += 3) {
        *p++ = apigw_base64_chars[in[i] >> 2];
        *p++ = apigw_base64_chars[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
        *p++ = apigw_base64_chars[((in[i + 1] & 0xf) << 2) | (in[i + 2] >> 6)];
        *p++ = apigw_base64_chars[in[i + 2] & 0x3f];
    }

    if (i < len) {
        *p++ = apigw_base64_chars[in[i] >> 2];

        if (i + 1 < len) {
            *p++ = apigw_base64_chars[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
            *p++ = apigw_base64_chars[(in[i + 1] & 0xf) << 2];

        } else {
            *p++ = apigw_base64_chars[(in[i] & 3) << 4];
            *p++ = '=';
        }

        *p++ = '=';
    }

    return p - out;
}


int
apigw_base64_decode(const char *in, size_t len, unsigned char *out,
    size_t *outlen)
{
    int          d;
    size_t       i, n, bits;
    uint32_t     acc;
    const char  *pos;

    if (len && in[0] == '=') {
        return -1;
    }

    while (len > 0 && in[len - 1] == '=') {
        len--;
    }

    if (len % 4 == 1) {
        return -1;
    }

    acc = 0;
    bits = 0;

    for (i = 0, n = 0; i < len; i++) {
        pos = (in[i] != '\0') ? strchr(apigw_base64_chars, in[i]) : NULL;

        if (pos == NULL) {
            return -1;
        }

        d = pos - apigw_base64_chars;
        acc = (acc << 6) | d;
        bits += 6;

        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char) (acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }

    *outlen = n;

    return 0;
}


/*
 * one UTF-8 character at s: its length and code point, or 0 when the
 * bytes are not UTF-8 (overlong, surrogate, past U+10FFFF, cut short)
 */
size_t
apigw_utf8_char(const char *s, const char *end, uint32_t *cp)
{
    size_t                n, i;
    uint32_t              c, min;
    const unsigned char  *p;

    p = (const unsigned char *) s;
    c = p[0];

    if (c < 0x80) {
        *cp = c;
        return 1;
    }

    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        c &= 0x1f;
        min = 0x80;

    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        c &= 0x0f;
        min = 0x800;

    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        c &= 0x07;
        min = 0x10000;

    } else {
        return 0;
    }

    if ((size_t) ((const unsigned char *) end - p) < n) {
        return 0;
    }

    for (i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }

        c = (c << 6) | (p[i] & 0x3f);
    }

    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
        return 0;
    }

    *cp = c;

    return n;
}


/*
 * whether the text is UTF-8 as jansson takes it: what this refuses,
 * json_stringn() would refuse too (NUL is a character here as there)
 */
int
apigw_utf8_valid(const char *s, size_t len)
{
    size_t       n;
    uint32_t     cp;
    const char  *end;

    end = s + len;

    while (s < end) {
        if ((unsigned char) *s < 0x80) {
            s++;
            continue;
        }

        n = apigw_utf8_char(s, end, &cp);

        if (n == 0) {
            return 0;
        }

        s += n;
    }

    return 1;
}
