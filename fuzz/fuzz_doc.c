
/*
 * Copyright (C) apigw contributors
 */


/*
 * libFuzzer target: apigw_doc_parse() (JSON or YAML, chosen by content)
 * on arbitrary bytes, with a line map.  Input that looks like JSON is
 * also given to the YAML loader directly, so YAML's flow style is fuzzed
 * even when jansson accepts the text.
 *
 * Checks, besides the sanitizers:
 *   - a failure always says why (err.message is set);
 *   - every line the line map or an error reports is within the input
 *     (an error at the end of the stream: the line after the last);
 *   - every node of the result is reachable again through
 *     apigw_pointer_get() with the JSON pointer of the way to it.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_core.h"


/* aliases may expand a small document to 2,000,000 nodes: check a prefix */
#define FUZZ_MAX_VISIT      20000
#define FUZZ_MAX_PTR_DEPTH  64
#define FUZZ_PTR_LEN        4096


typedef struct {
    json_t                 *root;
    apigw_linemap_t        *lines;
    unsigned                nlines;
    size_t                  visited;
    char                    ptr[FUZZ_PTR_LEN];
} fuzz_walk_t;


static void
fuzz_fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_doc: invariant broken: %s: %s\n", what,
            detail ? detail : "");
    abort();
}


/* appends "/" and the RFC 6901 + percent escaped key; 0 if it fits */
static int
fuzz_ptr_push(char *ptr, size_t *plen, const char *key, size_t klen)
{
    size_t   n, i;
    char     c;

    n = *plen;

    if (n + 1 >= FUZZ_PTR_LEN) {
        return -1;
    }

    ptr[n++] = '/';

    for (i = 0; i < klen; i++) {
        c = key[i];

        if (n + 4 >= FUZZ_PTR_LEN) {
            return -1;
        }

        if (c == '~') {
            ptr[n++] = '~';
            ptr[n++] = '0';

        } else if (c == '/') {
            ptr[n++] = '~';
            ptr[n++] = '1';

        } else if (c == '%') {
            ptr[n++] = '%';
            ptr[n++] = '2';
            ptr[n++] = '5';

        } else {
            ptr[n++] = c;
        }
    }

    ptr[n] = '\0';
    *plen = n;

    return 0;
}


static void
fuzz_walk(fuzz_walk_t *w, json_t *node, size_t plen, unsigned depth,
    int ptr_ok)
{
    char         idx[32];
    size_t       i, n, klen;
    json_t      *value, *found;
    unsigned     line;
    const char  *key;

    if (w->visited++ >= FUZZ_MAX_VISIT) {
        return;
    }

    line = apigw_linemap_find(w->lines, node);

    if (line > w->nlines) {
        fuzz_fail("line map", "a node's line is past the end of the input");
    }

    if (ptr_ok) {
        found = apigw_pointer_get(w->root, w->ptr, plen);

        if (found != node) {
            fuzz_fail("apigw_pointer_get() does not find the node at",
                      w->ptr);
        }
    }

    /* aliases nest deeper than the loader's own limit: stay bounded */
    if (depth >= APIGW_YAML_MAX_DEPTH * 4) {
        return;
    }

    if (json_is_object(node)) {
        json_object_keylen_foreach(node, key, klen, value) {
            line = apigw_linemap_find(w->lines, (json_t *) key);

            if (line > w->nlines) {
                fuzz_fail("line map", "a key's line is past the end of the "
                          "input");
            }

            n = plen;

            if (ptr_ok && depth < FUZZ_MAX_PTR_DEPTH
                && fuzz_ptr_push(w->ptr, &n, key, klen) == 0)
            {
                fuzz_walk(w, value, n, depth + 1, 1);

            } else {
                fuzz_walk(w, value, plen, depth + 1, 0);
            }

            w->ptr[plen] = '\0';

            if (w->visited >= FUZZ_MAX_VISIT) {
                return;
            }
        }

    } else if (json_is_array(node)) {
        json_array_foreach(node, i, value) {
            n = plen;
            klen = (size_t) snprintf(idx, sizeof(idx), "%zu", i);

            if (ptr_ok && depth < FUZZ_MAX_PTR_DEPTH
                && fuzz_ptr_push(w->ptr, &n, idx, klen) == 0)
            {
                fuzz_walk(w, value, n, depth + 1, 1);

            } else {
                fuzz_walk(w, value, plen, depth + 1, 0);
            }

            w->ptr[plen] = '\0';

            if (w->visited >= FUZZ_MAX_VISIT) {
                return;
            }
        }
    }
}


static void
fuzz_one(const char *buf, size_t len, unsigned nlines, int yaml_only)
{
    json_t           *root;
    fuzz_walk_t       w;
    apigw_error_t     err;
    apigw_linemap_t  *lines;

    memset(&err, 0, sizeof(err));

    lines = apigw_linemap_create();
    if (lines == NULL) {
        return;
    }

    root = yaml_only ? apigw_yaml_parse(buf, len, lines, &err)
                     : apigw_doc_parse(buf, len, lines, &err);

    if (root == NULL) {
        if (err.message[0] == '\0') {
            fuzz_fail("a failure without a message", yaml_only
                      ? "apigw_yaml_parse" : "apigw_doc_parse");
        }

        if (err.line > nlines) {
            fuzz_fail("error line past the end of the input", err.message);
        }

        apigw_linemap_free(lines);
        return;
    }

    memset(&w, 0, sizeof(w));
    w.root = root;
    w.lines = lines;
    w.nlines = nlines;
    fuzz_walk(&w, root, 0, 0, 1);

    json_decref(root);
    apigw_linemap_free(lines);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t       i;
    unsigned     nlines;
    const char  *buf;

    /* the loader reads whole files: 1 MB is plenty to find bugs */
    if (size > 1024 * 1024) {
        return 0;
    }

    buf = (const char *) data;

    /*
     * lines as libyaml counts them: LF, CR, CRLF and (in UTF-8) NEL, LS
     * and PS, plus one: an error at the end of the stream is reported on
     * the line after the last.  An over-estimate is fine, this only
     * catches wild numbers.
     */
    for (nlines = 2, i = 0; i < size; i++) {
        nlines += (buf[i] == '\n' || buf[i] == '\r'
                   || (unsigned char) buf[i] == 0x85
                   || (unsigned char) buf[i] == 0xa8
                   || (unsigned char) buf[i] == 0xa9);
    }

    fuzz_one(buf, size, nlines, 0);

    for (i = 0; i < size && (buf[i] == ' ' || buf[i] == '\n'
                             || buf[i] == '\r' || buf[i] == '\t');
         i++)
    {
        /* void */
    }

    if (i < size && (buf[i] == '{' || buf[i] == '[')) {
        fuzz_one(buf, size, nlines, 1);
    }

    return 0;
}
