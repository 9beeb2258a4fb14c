
/*
 * Copyright (C) apigw contributors
 */


/*
 * libFuzzer target: mapping templates (apigw_vtl_parse() and
 * apigw_vtl_render()) and the JSONPath subset.
 *
 * Input: a template; after a NUL byte, if any, the request body (else a
 * fixed JSON body).  Input starting with "JP:" is a JSONPath instead; after
 * a NUL, the JSON document it runs on (else the fixed body).
 *
 *     #set($root = $input.path('$'))#foreach($x in $root.items)$x#end
 *     \0{"items": [1, 2]}
 *
 * The template is parsed from a buffer of exactly its length (no NUL), and
 * rendered three times: twice with the body unparsed, once with the tree
 * the first render left in in->json.  Checks:
 *
 *   - a parse failure has a message starting with "line N: " with N within
 *     the input's lines; so has a render failure;
 *   - the three renders agree: the same output or the same error;
 *   - the output is at most APIGW_VTL_MAX_OUTPUT bytes, NUL-terminated at
 *     its length;
 *   - a template without "$", "#" or "\" renders as itself;
 *   - JSONPath: a failure has a message; a result is NULL or, for paths
 *     with a wildcard or descent, a non-empty array; evaluating twice
 *     gives equal results; "$" is the document itself.
 *
 * APIGW_FUZZ_VERBOSE=1 prints each output or error, to check new seeds.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_vtl.h"


#define FUZZ_MAX_INPUT      (64 * 1024)


static int  fuzz_verbose = -1;


static const char  fuzz_body[] =
    "{\"name\":\"Ann \\\"A\\\"\",\"age\":31,\"pi\":3.25,\"ok\":true,"
    "\"tags\":[\"x\",\"y\",{\"deep\":[1,2,3]}],\"addr\":{\"city\":\"Oslo\","
    "\"zip\":null},\"u\":\"\\u00e9\\ud83d\\ude00\",\"empty\":{},\"list\":[]}";

static const apigw_kv_t  fuzz_path[] = {
    { "id", 2, "42", 2 },
    { "proxy", 5, "a/b c", 5 }
};

static const apigw_kv_t  fuzz_query[] = {
    { "q", 1, "x y", 3 },
    { "tag", 3, "a", 1 },
    { "tag", 3, "b", 1 },
    { "", 0, "", 0 }
};

static const apigw_kv_t  fuzz_header[] = {
    { "Content-Type", 12, "application/json", 16 },
    { "X-Forwarded-For", 15, "1.2.3.4", 7 },
    { "x-bin", 5, "\xff\x00\x01\"'\\", 6 },
    { "content-type", 12, "text/plain", 10 }
};


static void
fuzz_fail(const char *what, const uint8_t *data, size_t size)
{
    fprintf(stderr, "fuzz_vtl: invariant broken: %s: \"%.*s\"\n", what,
            (int) (size > 2000 ? 2000 : size), (const char *) data);
    abort();
}


static int
fuzz_context(void *data, const char *name, size_t len, const char **value,
    size_t *value_len)
{
    (void) data;

    if (len == 9 && memcmp(name, "requestId", 9) == 0) {
        *value = "req-1";
        *value_len = 5;
        return 1;
    }

    if (len > 0 && name[0] == 'i') {
        /* the name itself: a pointer into the template */
        *value = name;
        *value_len = len;
        return 1;
    }

    if (len > 0 && name[0] == 'n') {
        *value = NULL;
        *value_len = 0;
        return 1;
    }

    return 0;
}


static int
fuzz_stage(void *data, const char *name, size_t len, const char **value,
    size_t *value_len)
{
    (void) data;

    if (len == 3 && memcmp(name, "env", 3) == 0) {
        *value = "test";
        *value_len = 4;
        return 1;
    }

    return 0;
}


static int
fuzz_context_set(void *data, const char *name, size_t len, const char *value,
    size_t value_len)
{
    (void) data;
    (void) name;
    (void) len;

    return (value_len == 4 && memcmp(value, "fail", 4) == 0) ? -1 : 0;
}


static void
fuzz_input(apigw_vtl_input_t *in, const char *body, size_t body_len)
{
    memset(in, 0, sizeof(apigw_vtl_input_t));

    in->body = body;
    in->body_len = body_len;
    in->path.items = fuzz_path;
    in->path.n = sizeof(fuzz_path) / sizeof(apigw_kv_t);
    in->querystring.items = fuzz_query;
    in->querystring.n = sizeof(fuzz_query) / sizeof(apigw_kv_t);
    in->header.items = fuzz_header;
    in->header.n = sizeof(fuzz_header) / sizeof(apigw_kv_t);
    in->context = fuzz_context;
    in->stage_variable = fuzz_stage;
    in->context_set = fuzz_context_set;
}


/* "line N: ..." with N from 1 to the input's last line */
static void
fuzz_check_error(const char *err, const char *src, size_t len,
    const uint8_t *data, size_t size)
{
    char           *end;
    size_t          i;
    unsigned long   line, lines;

    if (strncmp(err, "line ", 5) != 0) {
        fprintf(stderr, "fuzz_vtl: error \"%s\"\n", err);
        fuzz_fail("an error without \"line N: \"", data, size);
    }

    line = strtoul(err + 5, &end, 10);

    for (i = 0, lines = 1; i < len; i++) {
        lines += (src[i] == '\n');
    }

    if (line == 0 || line > lines || end[0] != ':' || end[1] != ' '
        || end[2] == '\0')
    {
        fprintf(stderr, "fuzz_vtl: error \"%s\", %lu lines\n", err, lines);
        fuzz_fail("an error with a bad line number or no message", data,
                  size);
    }
}


static void
fuzz_template(const uint8_t *data, size_t size, const char *src, size_t len,
    const char *body, size_t body_len)
{
    int                 i, plain;
    char               *copy, *out[3];
    char                err[3][APIGW_ERR_LEN];
    size_t              olen[3];
    json_t             *json;
    apigw_vtl_t        *tpl;
    apigw_vtl_input_t   in;

    copy = malloc(len ? len : 1);
    if (copy == NULL) {
        return;
    }

    memcpy(copy, src, len);
    err[0][0] = '\0';

    tpl = apigw_vtl_parse(copy, len, err[0], sizeof(err[0]));

    free(copy);

    if (tpl == NULL) {
        if (fuzz_verbose) {
            fprintf(stderr, "parse error: %s\n", err[0]);
        }

        fuzz_check_error(err[0], src, len, data, size);
        return;
    }

    json = NULL;

    for (i = 0; i < 3; i++) {
        fuzz_input(&in, body, body_len);

        if (i == 2) {
            in.json = json;
        }

        err[i][0] = '\0';
        olen[i] = 0;
        out[i] = apigw_vtl_render(tpl, &in, &olen[i], err[i],
                                  sizeof(err[i]));

        if (i == 2) {
            if (in.json != json) {
                fuzz_fail("in->json replaced though it was set", data,
                          size);
            }

        } else if (i == 0) {
            json = in.json;

        } else {
            json_decref(in.json);
        }

        if (out[i] == NULL) {
            fuzz_check_error(err[i], src, len, data, size);
            continue;
        }

        if (olen[i] > APIGW_VTL_MAX_OUTPUT) {
            fuzz_fail("the output is over APIGW_VTL_MAX_OUTPUT", data, size);
        }

        if (out[i][olen[i]] != '\0') {
            fuzz_fail("the output is not NUL-terminated", data, size);
        }
    }

    for (i = 1; i < 3; i++) {
        if ((out[0] == NULL) != (out[i] == NULL)
            || (out[0] == NULL && strcmp(err[0], err[i]) != 0)
            || (out[0] != NULL
                && (olen[0] != olen[i]
                    || memcmp(out[0], out[i], olen[0]) != 0)))
        {
            fprintf(stderr, "fuzz_vtl: render %d: %s / %s\n", i,
                    out[0] ? "output" : err[0], out[i] ? "output" : err[i]);
            fuzz_fail("renders differ", data, size);
        }
    }

    if (fuzz_verbose) {
        if (out[0] != NULL) {
            fprintf(stderr, "output (%d bytes):\n%.*s\n", (int) olen[0],
                    (int) olen[0], out[0]);

        } else {
            fprintf(stderr, "render error: %s\n", err[0]);
        }
    }

    plain = (memchr(src, '$', len) == NULL && memchr(src, '#', len) == NULL
             && memchr(src, '\\', len) == NULL);

    if (plain && (out[0] == NULL || olen[0] != len
                  || memcmp(out[0], src, len) != 0))
    {
        fuzz_fail("plain text does not render as itself", data, size);
    }

    for (i = 0; i < 3; i++) {
        free(out[i]);
    }

    json_decref(json);
    apigw_vtl_free(tpl);
}


static void
fuzz_jsonpath(const uint8_t *data, size_t size, const char *src, size_t len,
    const char *doc_text, size_t doc_len)
{
    char               err[APIGW_ERR_LEN], *copy;
    json_t            *doc, *r1, *r2;
    apigw_jsonpath_t  *path;

    copy = malloc(len ? len : 1);
    if (copy == NULL) {
        return;
    }

    memcpy(copy, src, len);
    err[0] = '\0';

    path = apigw_jsonpath_compile(copy, len, err, sizeof(err));

    free(copy);

    if (path == NULL) {
        if (fuzz_verbose) {
            fprintf(stderr, "jsonpath error: %s\n", err);
        }

        if (err[0] == '\0') {
            fuzz_fail("a JSONPath failure without a message", data, size);
        }

        return;
    }

    if (apigw_jsonpath_eval(path, NULL) != NULL) {
        fuzz_fail("a result from no document", data, size);
    }

    doc = json_loadb(doc_text, doc_len, JSON_DECODE_ANY, NULL);

    if (doc == NULL) {
        apigw_jsonpath_free(path);
        return;
    }

    r1 = apigw_jsonpath_eval(path, doc);
    r2 = apigw_jsonpath_eval(path, doc);

    if (fuzz_verbose) {
        copy = r1 ? json_dumps(r1, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
        fprintf(stderr, "jsonpath: %s\n", copy ? copy : "(nothing)");
        free(copy);
    }

    if ((r1 == NULL) != (r2 == NULL)
        || (r1 != NULL && !json_equal(r1, r2)))
    {
        fuzz_fail("JSONPath results differ", data, size);
    }

    if (r1 != NULL && !apigw_jsonpath_definite(path)
        && !(json_is_array(r1) && json_array_size(r1) > 0))
    {
        fuzz_fail("a wildcard result that is not a non-empty array", data,
                  size);
    }

    if (len == 1 && r1 != doc) {
        fuzz_fail("\"$\" is not the document", data, size);
    }

    json_decref(r1);
    json_decref(r2);
    json_decref(doc);
    apigw_jsonpath_free(path);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t       len, body_len;
    const char  *src, *nul, *body;

    if (fuzz_verbose < 0) {
        fuzz_verbose = (getenv("APIGW_FUZZ_VERBOSE") != NULL);
    }

    if (size > FUZZ_MAX_INPUT) {
        return 0;
    }

    src = (const char *) data;
    nul = memchr(src, '\0', size);

    if (nul != NULL) {
        len = nul - src;
        body = nul + 1;
        body_len = size - len - 1;

    } else {
        len = size;
        body = fuzz_body;
        body_len = sizeof(fuzz_body) - 1;
    }

    if (len >= 3 && memcmp(src, "JP:", 3) == 0) {
        fuzz_jsonpath(data, size, src + 3, len - 3, body, body_len);
        return 0;
    }

    fuzz_template(data, size, src, len, body, body_len);

    return 0;
}
