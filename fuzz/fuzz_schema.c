
/*
 * Copyright (C) apigw contributors
 */


/*
 * libFuzzer target: the JSON Schema validator.  The input is a schema and
 * an instance, split at the first NUL byte or else at the first line
 * "---"; the first input byte also picks the compile flags.  The schema
 * (jansson, NUL allowed in strings) is compiled in each dialect with
 * http://fuzz/root.json as its URI; a resolver serves
 * http://fuzz/remote.json (definitions, $id, anchors, a $dynamicAnchor)
 * and refuses everything else.  The instance goes through
 * apigw_json_parse(); when that refuses it, jansson's own parse
 * is validated instead.
 *
 * Checks, besides the sanitizers:
 *   - apigw_json_parse() accepts exactly what jansson accepts with
 *     JSON_REJECT_DUPLICATES at most 64 levels deep and without a raw
 *     NUL byte, gives the same value, and a refusal has a printable
 *     message;
 *   - a compile failure has a message, the document's URI and a JSON
 *     pointer ("" or "/..."), and the pointer exists in that document;
 *   - validation with max 0 and max 10 agree; invalid means 1..10
 *     errors, valid none; every error has a keyword, a message and a
 *     path that is "" or starts with "/";
 *   - validating again, and with a second compile of the same schema in
 *     the same set (shared nodes), gives the same errors;
 *   - apigw_schema_check_text() finds the instance's text valid only when
 *     apigw_json_parse() accepts it and the tree validator finds it valid.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_schema.h"


#define FUZZ_MAX_INPUT      65536
#define FUZZ_MAX_DEPTH      64
#define FUZZ_MAX_ERRORS     10
#define FUZZ_ROOT           "http://fuzz/root.json"
#define FUZZ_REMOTE         "http://fuzz/remote.json"


static const char  *fuzz_remote =
    "{\"$id\": \"http://fuzz/remote.json\","
    " \"definitions\": {\"int\": {\"type\": \"integer\"},"
    "   \"str\": {\"id\": \"#str\", \"type\": \"string\"},"
    "   \"tree\": {\"type\": \"object\", \"properties\": {"
    "     \"kids\": {\"type\": \"array\","
    "       \"items\": {\"$ref\": \"#/definitions/tree\"}}}}},"
    " \"$defs\": {\"pos\": {\"$anchor\": \"pos\", \"minimum\": 0},"
    "   \"node\": {\"$dynamicAnchor\": \"node\", \"type\": \"object\","
    "     \"properties\": {\"next\": {\"$dynamicRef\": \"#node\"}}},"
    "   \"sub\": {\"$id\": \"sub/\", \"$defs\": {\"x\": {\"$anchor\": \"x\","
    "     \"maxLength\": 3}}}}}";


static json_t  *fuzz_docs;
static int      fuzz_check_pointers;


static void
fuzz_fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_schema: invariant broken: %s: %s\n", what,
            detail ? detail : "");
    abort();
}


static json_t *
fuzz_resolve(void *data, const char *uri, char *errbuf, size_t errlen)
{
    json_t        *doc;
    json_error_t   jerr;

    (void) data;

    if (strcmp(uri, FUZZ_REMOTE) != 0) {
        snprintf(errbuf, errlen, "no such document");
        return NULL;
    }

    doc = json_loads(fuzz_remote, 0, &jerr);
    if (doc == NULL) {
        fuzz_fail("remote document", jerr.text);
    }

    /* owned here until the set is freed */
    json_array_append_new(fuzz_docs, doc);

    return doc;
}


static int
fuzz_depth(const json_t *j)
{
    int          d, m;
    size_t       i;
    const char  *key;
    json_t      *v;

    m = 0;

    if (json_is_array(j)) {
        json_array_foreach(j, i, v) {
            d = fuzz_depth(v);
            m = d > m ? d : m;
        }

        return m + 1;
    }

    if (json_is_object(j)) {
        json_object_foreach((json_t *) j, key, v) {
            d = fuzz_depth(v);
            m = d > m ? d : m;
        }

        return m + 1;
    }

    return 0;
}


/* the strict parser against jansson with the same rules */
static json_t *
fuzz_parse(const char *buf, size_t len)
{
    char          errbuf[256];
    size_t        i;
    json_t       *strict, *ref;
    json_error_t  jerr;

    errbuf[0] = '\0';
    strict = apigw_json_parse(buf, len, FUZZ_MAX_DEPTH, errbuf,
                              sizeof(errbuf));

    ref = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
                     &jerr);

    /* jansson takes a raw NUL between tokens: the strict parser does not */
    if (ref != NULL
        && (fuzz_depth(ref) > FUZZ_MAX_DEPTH || memchr(buf, '\0', len)))
    {
        json_decref(ref);
        ref = NULL;
    }

    if ((strict == NULL) != (ref == NULL)) {
        fuzz_fail("strict parser and jansson disagree",
                  strict ? "strict accepted" : errbuf);
    }

    if (strict == NULL) {
        if (errbuf[0] == '\0') {
            fuzz_fail("parse failure without a message", NULL);
        }

        for (i = 0; errbuf[i]; i++) {
            if (errbuf[i] < 0x20 || errbuf[i] > 0x7e) {
                fuzz_fail("unprintable parse message", errbuf);
            }
        }

        return NULL;
    }

    if (!json_equal(strict, ref)) {
        fuzz_fail("strict parser gives another value", NULL);
    }

    json_decref(ref);

    return strict;
}


static void
fuzz_errors(const apigw_schema_t *s, const json_t *inst,
    apigw_schema_error_t *ev, size_t *n, int *valid)
{
    int                    v0;
    size_t                 i;
    apigw_schema_errors_t  errs, errs0;

    errs.errors = ev;
    errs.max = FUZZ_MAX_ERRORS;
    errs.n = 0;

    *valid = apigw_schema_validate(s, inst, &errs);
    *n = errs.n;

    errs0.errors = NULL;
    errs0.max = 0;
    errs0.n = 0;

    v0 = apigw_schema_validate(s, inst, &errs0);

    if (v0 != *valid || errs0.n != 0) {
        fuzz_fail("max 0 and max 10 disagree", NULL);
    }

    if (*valid ? errs.n != 0 : (errs.n == 0 || errs.n > FUZZ_MAX_ERRORS)) {
        fuzz_fail("error count", *valid ? "errors for a valid instance"
                                        : "no errors for an invalid one");
    }

    for (i = 0; i < errs.n; i++) {
        if (ev[i].keyword == NULL || ev[i].keyword[0] == '\0'
            || ev[i].message[0] == '\0'
            || (ev[i].path[0] != '\0' && ev[i].path[0] != '/'))
        {
            fuzz_fail("malformed error", ev[i].message);
        }
    }
}


static void
fuzz_compile_error(const apigw_error_t *err, json_t *schema)
{
    json_t  *doc, *node;

    if (err->message[0] == '\0') {
        fuzz_fail("compile failure without a message", NULL);
    }

    if (err->pointer[0] != '\0' && err->pointer[0] != '/') {
        fuzz_fail("compile error pointer", err->pointer);
    }

    if (strcmp(err->file, FUZZ_ROOT) == 0) {
        doc = schema;

    } else if (strcmp(err->file, FUZZ_REMOTE) == 0) {
        /* the remote document is valid */
        fuzz_fail("error in the remote document", err->message);
        return;

    } else {
        fuzz_fail("compile error file", err->file);
        return;
    }

    /*
     * not checked: pointers cut at the buffer's end, and keys with a NUL
     * or a '%' (apigw_pointer_get() takes percent-escapes)
     */
    if (!fuzz_check_pointers || strlen(err->pointer) >= APIGW_ERR_LEN - 16
        || strstr(err->message, "out of memory") != NULL)
    {
        return;
    }

    node = apigw_pointer_get(doc, err->pointer, strlen(err->pointer));

    if (node == NULL) {
        fuzz_fail("compile error pointer not in the document",
                  err->pointer);
    }
}


static void
fuzz_dialect(apigw_dialect_e dialect, unsigned flags, json_t *schema,
    const json_t *inst, const char *text, size_t len, int strict)
{
    int                    valid, valid2;
    size_t                 n, n2, i;
    apigw_error_t          err;
    apigw_schema_t        *s, *s2;
    apigw_schema_set_t    *set;
    apigw_schema_error_t   ev[FUZZ_MAX_ERRORS], ev2[FUZZ_MAX_ERRORS];

    fuzz_docs = json_array();

    set = apigw_schema_set_create(dialect, fuzz_resolve, NULL);
    if (set == NULL) {
        fuzz_fail("set", "out of memory");
    }

    memset(&err, 0, sizeof(err));
    s = apigw_schema_compile(set, schema, FUZZ_ROOT, "", flags, &err);

    if (getenv("APIGW_FUZZ_VERBOSE")) {
        fprintf(stderr, "dialect %d flags %u: %s%s%s\n", dialect, flags,
                s ? "compiled" : err.message, s ? "" : " at ",
                s ? "" : err.pointer);
    }

    if (s == NULL) {
        fuzz_compile_error(&err, schema);
        goto done;
    }

    if (inst == NULL) {
        goto done;
    }

    fuzz_errors(s, inst, ev, &n, &valid);

    if (apigw_schema_check_text(s, text, len, FUZZ_MAX_DEPTH, NULL)
        && !(strict && valid))
    {
        fuzz_fail("the text path finds valid what the tree does not",
                  strict ? "the tree finds it invalid" : "not strict JSON");
    }

    if (getenv("APIGW_FUZZ_VERBOSE")) {
        fprintf(stderr, "  %s, %zu errors%s%s %s %s\n",
                valid ? "valid" : "invalid", n, n ? ": " : "",
                n ? ev[0].path : "", n ? ev[0].keyword : "",
                n ? ev[0].message : "");
    }

    /* a second compile of the same document shares the nodes */
    s2 = apigw_schema_compile(set, schema, FUZZ_ROOT, "", flags, &err);
    if (s2 == NULL) {
        fuzz_fail("second compile failed", err.message);
    }

    fuzz_errors(s2, inst, ev2, &n2, &valid2);

    if (valid2 != valid || n2 != n) {
        fuzz_fail("validation is not repeatable", NULL);
    }

    for (i = 0; i < n; i++) {
        if (strcmp(ev[i].path, ev2[i].path) != 0
            || strcmp(ev[i].keyword, ev2[i].keyword) != 0
            || strcmp(ev[i].message, ev2[i].message) != 0)
        {
            fuzz_fail("validation errors are not repeatable", ev[i].path);
        }
    }

done:

    apigw_schema_set_free(set);
    json_decref(fuzz_docs);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t         i, slen, ilen;
    int            strict;
    json_t        *schema, *inst;
    unsigned       flags;
    const char    *buf, *sep, *ibuf;
    json_error_t   jerr;

    if (size == 0 || size > FUZZ_MAX_INPUT) {
        return 0;
    }

    buf = (const char *) data;
    sep = memchr(buf, '\0', size);
    ilen = 0;

    if (sep != NULL) {
        slen = sep - buf;
        ibuf = sep + 1;
        ilen = size - slen - 1;

    } else {
        for (sep = buf; sep + 5 <= buf + size; sep++) {
            if (memcmp(sep, "\n---\n", 5) == 0) {
                break;
            }
        }

        if (sep + 5 > buf + size) {
            sep = buf + size;
            slen = size;
            ibuf = NULL;

        } else {
            slen = sep - buf;
            ibuf = sep + 5;
            ilen = size - slen - 5;
        }
    }

    flags = data[0] & (APIGW_SCHEMA_REQUEST | APIGW_SCHEMA_RESPONSE);
    fuzz_check_pointers = (memchr(buf, '%', slen) == NULL);

    for (i = 0; i + 6 <= slen; i++) {
        if (memcmp(buf + i, "\\u0000", 6) == 0) {
            fuzz_check_pointers = 0;
        }
    }

    schema = json_loadb(buf, slen, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    inst = NULL;
    strict = 0;

    if (ibuf != NULL) {
        inst = fuzz_parse(ibuf, ilen);
        strict = (inst != NULL);

        if (inst == NULL) {
            inst = json_loadb(ibuf, ilen, JSON_DECODE_ANY | JSON_ALLOW_NUL,
                              &jerr);
        }
    }

    if (schema != NULL) {
        fuzz_dialect(APIGW_DIALECT_DRAFT4, flags, schema, inst, ibuf, ilen,
                     strict);
        fuzz_dialect(APIGW_DIALECT_OAS30, flags, schema, inst, ibuf, ilen,
                     strict);
        fuzz_dialect(APIGW_DIALECT_2020_12, flags, schema, inst, ibuf, ilen,
                     strict);
        json_decref(schema);
    }

    json_decref(inst);

    return 0;
}
