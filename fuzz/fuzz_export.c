
/*
 * Copyright (C) apigw contributors
 */


/*
 * libFuzzer target: the spec export.  The input is a document (JSON or
 * YAML, apigw_doc_parse()), taken as a spec of one file: bundled
 * (apigw_export_bundle()), then written as JSON and as YAML
 * (apigw_export_write()) with extensions picked by the input's length.
 *
 * Checks, besides the sanitizers:
 *   - a bundle failure has a message; one file is its own bundle, shared;
 *   - the JSON is JSON (jansson reads it back) and the YAML reads back
 *     (apigw_yaml_parse()) as the same tree, where the YAML loader's own
 *     limits allow (depth, size);
 *   - servers is the one entry given, at the root of an object;
 *   - exporting the export again gives the same tree: what is stripped is
 *     stripped at once, and nothing else moves.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_core.h"
#include "apigw_export.h"


#define FUZZ_MAX_NODES      20000
#define FUZZ_MAX_DEPTH      200


typedef struct {
    char                   *data;
    size_t                  len;
    size_t                  cap;
} fuzz_out_t;


static void
fuzz_fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_export: invariant broken: %s: %s\n", what,
            detail ? detail : "");
    abort();
}


static int
fuzz_write(void *data, const char *buf, size_t len)
{
    char        *p;
    fuzz_out_t  *o = data;

    if (o->len + len + 1 > o->cap) {
        o->cap = (o->len + len + 1) * 2;
        p = realloc(o->data, o->cap);
        if (p == NULL) {
            return -1;
        }

        o->data = p;
    }

    memcpy(o->data + o->len, buf, len);
    o->len += len;
    o->data[o->len] = '\0';

    return 0;
}


/* nodes (aliases expanded) and depth, counted up to the caps */
static void
fuzz_size(const json_t *node, unsigned depth, size_t *nodes,
    unsigned *max_depth)
{
    size_t       i;
    json_t      *v;
    const char  *key;

    if (++*nodes > FUZZ_MAX_NODES || depth > FUZZ_MAX_DEPTH) {
        *max_depth = FUZZ_MAX_DEPTH + 1;
        return;
    }

    if (depth > *max_depth) {
        *max_depth = depth;
    }

    if (json_is_object(node)) {
        json_object_foreach((json_t *) node, key, v) {
            fuzz_size(v, depth + 1, nodes, max_depth);
        }

    } else if (json_is_array(node)) {
        json_array_foreach(node, i, v) {
            fuzz_size(v, depth + 1, nodes, max_depth);
        }
    }
}


/* the document written out and read back; NULL when the write failed */
static json_t *
fuzz_export(const json_t *doc, unsigned ext, int yaml, fuzz_out_t *o)
{
    char                 errbuf[256];
    json_t              *back;
    json_error_t         jerr;
    apigw_error_t        err;
    apigw_export_opts_t  opts;

    memset(o, 0, sizeof(fuzz_out_t));
    memset(&opts, 0, sizeof(apigw_export_opts_t));
    opts.extensions = ext;
    opts.yaml = yaml;
    opts.server = "https://fuzz.example.com/prod";
    opts.server_len = strlen(opts.server);
    opts.description = "prod";
    opts.description_len = 4;
    opts.write = fuzz_write;
    opts.data = o;

    if (apigw_export_write(doc, &opts, errbuf, sizeof(errbuf)) != 0) {
        if (errbuf[0] == '\0') {
            fuzz_fail("an export failure without a message", "");
        }

        return NULL;
    }

    if (!yaml) {
        back = json_loadb(o->data, o->len,
                          JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL
                          | JSON_DECODE_ANY, &jerr);
        if (back == NULL) {
            fprintf(stderr, "%s\n", o->data);
            fuzz_fail("the JSON export is not JSON", jerr.text);
        }

        return back;
    }

    memset(&err, 0, sizeof(apigw_error_t));

    return apigw_yaml_parse(o->data, o->len, NULL, &err);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t           nodes;
    json_t          *root, *bundle, *j, *y, *again, *servers;
    unsigned         ext, depth;
    fuzz_out_t       oj, oy, oa;
    apigw_doc_t      doc;
    apigw_error_t    err;
    apigw_docset_t   set;

    if (size > 256 * 1024) {
        return 0;
    }

    memset(&err, 0, sizeof(apigw_error_t));

    root = apigw_doc_parse((const char *) data, size, NULL, &err);
    if (root == NULL) {
        return 0;
    }

    memset(&doc, 0, sizeof(apigw_doc_t));
    snprintf(doc.path, sizeof(doc.path), "/nonexistent/apigw-fuzz/spec.yaml");
    doc.root = root;
    set.docs = &doc;
    set.ndocs = 1;

    bundle = apigw_export_bundle(&set, &err);

    if (bundle == NULL) {
        if (err.message[0] == '\0') {
            fuzz_fail("a bundle failure without a message", "");
        }

        json_decref(root);
        return 0;
    }

    nodes = 0;
    depth = 0;
    fuzz_size(bundle, 0, &nodes, &depth);

    if (depth > FUZZ_MAX_DEPTH) {
        json_decref(bundle);
        json_decref(root);
        return 0;
    }

    ext = (unsigned) size & 0xf;

    j = fuzz_export(bundle, ext, 0, &oj);
    y = fuzz_export(bundle, ext, 1, &oy);

    if (j == NULL || y == NULL || !json_equal(j, y)) {
        fprintf(stderr, "JSON:\n%s\nYAML:\n%s\n", oj.data ? oj.data : "",
                oy.data ? oy.data : "");
        fuzz_fail("the YAML export does not read back as the JSON", "");
    }

    if (json_is_object(bundle)) {
        servers = json_object_get(j, "servers");

        if (json_array_size(servers) != 1
            || strcmp(json_string_value(json_object_get(
                          json_array_get(servers, 0), "url")),
                      "https://fuzz.example.com/prod") != 0)
        {
            fuzz_fail("servers is not the stage's URL", oj.data);
        }
    }

    again = fuzz_export(j, ext, 0, &oa);

    if (again == NULL || !json_equal(again, j)) {
        fprintf(stderr, "once:\n%s\ntwice:\n%s\n", oj.data,
                oa.data ? oa.data : "");
        fuzz_fail("exporting the export changes it", "");
    }

    free(oj.data);
    free(oy.data);
    free(oa.data);
    json_decref(again);
    json_decref(j);
    json_decref(y);
    json_decref(bundle);
    json_decref(root);

    return 0;
}
