
/*
 * Copyright (C) apigw contributors
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_core.h"


/*
 * JSON text written as it goes, for what is written once and never read
 * back (the proxy event a function receives): building a tree of it
 * first, hashing each key into an object, cost more than the text.
 * Strings are escaped by apigw_json_dump_string(), so the text is the
 * one the tree would have dumped.
 */


/* strings up to this long get room for the worst; longer, their length */
#define APIGW_JSON_WRITER_SHORT  512


static void apigw_json_writer_sep(apigw_json_writer_t *w);


void
apigw_json_writer_init(apigw_json_writer_t *w,
    const apigw_json_arena_t *arena, size_t size)
{
    w->arena = arena;
    w->first = 1;
    w->failed = 0;

    if (size < 64) {
        size = 64;
    }

    w->start = arena ? arena->alloc(arena->data, size) : malloc(size);

    if (w->start == NULL) {
        w->failed = 1;
        w->p = w->end = NULL;
        return;
    }

    w->p = w->start;
    w->end = w->start + size;
}


char *
apigw_json_writer_reserve(apigw_json_writer_t *w, size_t n)
{
    char    *buf;
    size_t   used, size;

    if (w->failed) {
        return NULL;
    }

    if ((size_t) (w->end - w->p) >= n) {
        return w->p;
    }

    used = w->p - w->start;
    size = w->end - w->start;

    do {
        size *= 2;
    } while (size - used < n);

    if (w->arena) {
        buf = w->arena->alloc(w->arena->data, size);

        if (buf != NULL) {
            memcpy(buf, w->start, used);
        }

    } else {
        buf = realloc(w->start, size);
    }

    if (buf == NULL) {
        w->failed = 1;
        return NULL;
    }

    w->start = buf;
    w->p = buf + used;
    w->end = buf + size;

    return w->p;
}


/* the comma before a member or an item but the first */
static void
apigw_json_writer_sep(apigw_json_writer_t *w)
{
    if (w->first) {
        w->first = 0;
        return;
    }

    if (apigw_json_writer_reserve(w, 1) != NULL) {
        *w->p++ = ',';
    }
}


void
apigw_json_write_begin(apigw_json_writer_t *w, char c)
{
    apigw_json_writer_sep(w);

    if (apigw_json_writer_reserve(w, 1) != NULL) {
        *w->p++ = c;
    }

    w->first = 1;
}


void
apigw_json_write_end(apigw_json_writer_t *w, char c)
{
    if (apigw_json_writer_reserve(w, 1) != NULL) {
        *w->p++ = c;
    }

    w->first = 0;
}


void
apigw_json_write_key(apigw_json_writer_t *w, const char *s, size_t len)
{
    apigw_json_write_string(w, s, len);

    if (apigw_json_writer_reserve(w, 1) != NULL) {
        *w->p++ = ':';
    }

    w->first = 1;
}


void
apigw_json_write_name(apigw_json_writer_t *w, const char *quoted,
    size_t len)
{
    apigw_json_writer_sep(w);

    if (apigw_json_writer_reserve(w, len) != NULL) {
        memcpy(w->p, quoted, len);
        w->p += len;
    }

    w->first = 1;
}


void
apigw_json_write_string(apigw_json_writer_t *w, const char *s, size_t len)
{
    size_t  n;

    apigw_json_writer_sep(w);

    n = len <= APIGW_JSON_WRITER_SHORT ? 6 * len + 2
                                       : apigw_json_dump_string(s, len, NULL);

    if (apigw_json_writer_reserve(w, n) != NULL) {
        w->p += apigw_json_dump_string(s, len, w->p);
    }
}


void
apigw_json_write_integer(apigw_json_writer_t *w, int64_t n)
{
    char  num[24], *p;

    p = apigw_json_integer_text(n, num + sizeof(num));

    apigw_json_write_raw(w, p, num + sizeof(num) - p);
}


void
apigw_json_write_raw(apigw_json_writer_t *w, const char *s, size_t len)
{
    apigw_json_writer_sep(w);

    if (apigw_json_writer_reserve(w, len) != NULL) {
        memcpy(w->p, s, len);
        w->p += len;
    }
}


void
apigw_json_write_value(apigw_json_writer_t *w, const json_t *v)
{
    size_t  n;

    apigw_json_writer_sep(w);

    n = apigw_json_dump_size(v);

    if (n == (size_t) -1) {
        w->failed = 1;
        return;
    }

    if (apigw_json_writer_reserve(w, n) != NULL) {
        w->p = apigw_json_dump_write(v, w->p);
    }
}


void
apigw_json_write_base64(apigw_json_writer_t *w, const char *s, size_t len)
{
    char  *p;

    apigw_json_writer_sep(w);

    p = apigw_json_writer_reserve(w, (len + 2) / 3 * 4 + 2);
    if (p == NULL) {
        return;
    }

    *p++ = '"';
    p += apigw_base64_encode((const unsigned char *) s, len, p);
    *p++ = '"';

    w->p = p;
}
