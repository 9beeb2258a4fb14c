
/*
 * Copyright (C) apigw contributors
 */


#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "apigw_core.h"


static char *apigw_read_file(const char *path, size_t *len,
    apigw_error_t *err);
static apigw_doc_t *apigw_doc_load(apigw_docset_t *set, const char *path,
    apigw_error_t *err);
static apigw_doc_t *apigw_doc_find(apigw_docset_t *set, const char *path);
static int apigw_ref_target(apigw_docset_t *set, apigw_loc_t *loc,
    const char *ref, apigw_error_t *err);
static int apigw_ref_is_local_kind(const char *ref);
static int apigw_is_name_map(const char *key);
static int apigw_walk_refs(apigw_docset_t *set, apigw_linemap_t *seen,
    apigw_loc_t *loc, unsigned depth, int names, apigw_error_t *err);
static int apigw_pointer_decode(const char *src, size_t len, char *dst,
    size_t *dlen);
static json_t *apigw_pointer_step(json_t *node, char *token);
static void apigw_pointer_append(char *dst, size_t size, const char *key);


json_t *
apigw_doc_parse(const char *buf, size_t len, apigw_linemap_t *lines,
    apigw_error_t *err)
{
    size_t         i;
    json_t        *root;
    unsigned       skipped;
    json_error_t   jerr;
    apigw_error_t  yerr;

    i = 0;

    if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
        i = 3;
    }

    while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r'
                       || buf[i] == '\n'))
    {
        i++;
    }

    if (i == len) {
        apigw_error_set(err, "", 0, "the document is empty");
        return NULL;
    }

    if (buf[i] != '{' && buf[i] != '[') {
        return apigw_yaml_parse(buf, len, lines, err);
    }

    root = json_loadb(buf + i, len - i, JSON_REJECT_DUPLICATES, &jerr);

    if (root) {
        return root;
    }

    /* YAML's flow style starts with "{" too; JSON's error says more */

    root = apigw_yaml_parse(buf, len, lines, &yerr);

    if (root == NULL) {
        /* jansson counts lines from where it was given the text */
        for (skipped = 0; i; i--) {
            skipped += (buf[i - 1] == '\n');
        }

        apigw_error_set(err, "",
                        jerr.line > 0 ? (unsigned) jerr.line + skipped : 0,
                        "invalid JSON: %s", jerr.text);
    }

    return root;
}


static char *
apigw_read_file(const char *path, size_t *len, apigw_error_t *err)
{
    long          size;
    char         *buf;
    FILE         *f;
    struct stat   st;

    if (stat(path, &st) != 0) {
        apigw_error_set(err, "", 0, "cannot open: %s", strerror(errno));
        return NULL;
    }

    if (!S_ISREG(st.st_mode)) {
        apigw_error_set(err, "", 0, "not a regular file");
        return NULL;
    }

    f = fopen(path, "rb");
    if (f == NULL) {
        apigw_error_set(err, "", 0, "cannot open: %s", strerror(errno));
        return NULL;
    }

    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0
        || fseek(f, 0, SEEK_SET) != 0)
    {
        apigw_error_set(err, "", 0, "cannot read: %s", strerror(errno));
        fclose(f);
        return NULL;
    }

    if (size > APIGW_MAX_FILE_SIZE) {
        apigw_error_set(err, "", 0, "file is larger than %d bytes",
                        APIGW_MAX_FILE_SIZE);
        fclose(f);
        return NULL;
    }

    buf = malloc(size + 1);
    if (buf == NULL) {
        apigw_error_set(err, "", 0, "out of memory");
        fclose(f);
        return NULL;
    }

    if (size && fread(buf, 1, size, f) != (size_t) size) {
        apigw_error_set(err, "", 0, "cannot read: %s", strerror(errno));
        free(buf);
        fclose(f);
        return NULL;
    }

    fclose(f);

    buf[size] = '\0';
    *len = size;

    return buf;
}


static apigw_doc_t *
apigw_doc_find(apigw_docset_t *set, const char *path)
{
    apigw_doc_t  *doc;

    for (doc = set->docs; doc; doc = doc->next) {
        if (strcmp(doc->path, path) == 0) {
            return doc;
        }
    }

    return NULL;
}


static apigw_doc_t *
apigw_doc_load(apigw_docset_t *set, const char *path, apigw_error_t *err)
{
    char          *buf, real[PATH_MAX];
    size_t         len;
    apigw_doc_t   *doc, **last;

    if (realpath(path, real) == NULL) {
        snprintf(err->file, sizeof(err->file), "%s", path);
        apigw_error_set(err, "", 0, "cannot open: %s", strerror(errno));
        return NULL;
    }

    if (strlen(real) >= APIGW_PATH_LEN) {
        apigw_error_set(err, "", 0, "path is too long");
        return NULL;
    }

    doc = apigw_doc_find(set, real);
    if (doc) {
        return doc;
    }

    snprintf(err->file, sizeof(err->file), "%s", real);

    if (set->ndocs == APIGW_MAX_DOCS) {
        apigw_error_set(err, "", 0, "more than %d files referenced",
                        APIGW_MAX_DOCS);
        return NULL;
    }

    doc = calloc(1, sizeof(apigw_doc_t));
    if (doc == NULL) {
        apigw_error_set(err, "", 0, "out of memory");
        return NULL;
    }

    snprintf(doc->path, sizeof(doc->path), "%s", real);

    for (last = &set->docs; *last; last = &(*last)->next) { /* void */ }
    *last = doc;
    set->ndocs++;

    buf = apigw_read_file(real, &len, err);
    if (buf == NULL) {
        return NULL;
    }

    doc->lines = apigw_linemap_create();
    if (doc->lines == NULL) {
        free(buf);
        apigw_error_set(err, "", 0, "out of memory");
        return NULL;
    }

    doc->root = apigw_doc_parse(buf, len, doc->lines, err);
    free(buf);

    if (doc->root == NULL) {
        return NULL;
    }

    return doc;
}


apigw_docset_t *
apigw_docset_load(const char *path, apigw_error_t *err)
{
    apigw_docset_t  *set;

    set = calloc(1, sizeof(apigw_docset_t));
    if (set == NULL) {
        snprintf(err->file, sizeof(err->file), "%s", path);
        apigw_error_set(err, "", 0, "out of memory");
        return NULL;
    }

    if (apigw_doc_load(set, path, err) == NULL) {
        apigw_docset_free(set);
        return NULL;
    }

    return set;
}


void
apigw_docset_free(apigw_docset_t *set)
{
    apigw_doc_t  *doc, *next;

    if (set == NULL) {
        return;
    }

    for (doc = set->docs; doc; doc = next) {
        next = doc->next;
        json_decref(doc->root);
        apigw_linemap_free(doc->lines);
        free(doc);
    }

    free(set);
}


static int
apigw_pointer_decode(const char *src, size_t len, char *dst, size_t *dlen)
{
    int     hi, lo;
    size_t  i, n;

    /* a fragment is percent-encoded (RFC 3986) before RFC 6901 applies */

    for (i = 0, n = 0; i < len; i++) {
        if (src[i] != '%') {
            dst[n++] = src[i];
            continue;
        }

        if (len - i < 3) {
            return -1;
        }

        hi = apigw_hex_digit((unsigned char) src[i + 1]);
        lo = apigw_hex_digit((unsigned char) src[i + 2]);

        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
            return -1;
        }

        dst[n++] = (char) (hi * 16 + lo);
        i += 2;
    }

    *dlen = n;

    return 0;
}


static json_t *
apigw_pointer_step(json_t *node, char *token)
{
    char           *r, *w, *end;
    unsigned long   index;

    /* RFC 6901 unescaping: ~1 is '/', ~0 is '~' */

    for (r = token, w = token; *r; r++) {
        if (r[0] == '~' && (r[1] == '0' || r[1] == '1')) {
            *w++ = (r[1] == '1') ? '/' : '~';
            r++;

        } else {
            *w++ = *r;
        }
    }

    *w = '\0';

    if (json_is_object(node)) {
        return json_object_get(node, token);
    }

    if (json_is_array(node)) {
        if (token[0] < '0' || token[0] > '9'
            || (token[0] == '0' && token[1] != '\0'))
        {
            return NULL;
        }

        errno = 0;
        index = strtoul(token, &end, 10);

        if (*end != '\0' || errno != 0) {
            return NULL;
        }

        return json_array_get(node, index);
    }

    return NULL;
}


json_t *
apigw_pointer_get(json_t *root, const char *pointer, size_t len)
{
    char    *buf, *token, *slash;
    size_t   n;
    json_t  *node;

    if (len == 0) {
        return root;
    }

    if (pointer[0] != '/') {
        return NULL;
    }

    buf = malloc(len + 1);
    if (buf == NULL) {
        return NULL;
    }

    if (apigw_pointer_decode(pointer, len, buf, &n) != 0
        || memchr(buf, '\0', n) != NULL)
    {
        free(buf);
        return NULL;
    }

    buf[n] = '\0';
    node = root;
    token = buf + 1;

    for ( ;; ) {
        slash = strchr(token, '/');

        if (slash) {
            *slash = '\0';
        }

        node = apigw_pointer_step(node, token);

        if (node == NULL || slash == NULL) {
            break;
        }

        token = slash + 1;
    }

    free(buf);

    return node;
}


static void
apigw_pointer_append(char *dst, size_t size, const char *key)
{
    size_t  n;

    n = strlen(dst);

    if (n + 1 >= size) {
        return;
    }

    dst[n++] = '/';

    for ( /* void */ ; *key && n + 2 < size; key++) {
        if (*key == '~' || *key == '/') {
            dst[n++] = '~';
            dst[n++] = (*key == '~') ? '0' : '1';

        } else {
            dst[n++] = *key;
        }
    }

    dst[n] = '\0';
}


void
apigw_loc_child(const apigw_loc_t *parent, apigw_loc_t *child,
    const char *key, json_t *node)
{
    void  *iter;

    iter = json_is_object(parent->node)
           ? json_object_iter_at(parent->node, key) : NULL;

    if (child != parent) {
        child->doc = parent->doc;
        memcpy(child->pointer, parent->pointer, sizeof(child->pointer));
    }

    apigw_pointer_append(child->pointer, sizeof(child->pointer), key);
    child->node = node;
    child->key = iter ? json_object_iter_key(iter) : NULL;
}


void
apigw_loc_index(const apigw_loc_t *parent, apigw_loc_t *child, size_t index,
    json_t *node)
{
    char  key[32];

    snprintf(key, sizeof(key), "%zu", index);
    apigw_loc_child(parent, child, key, node);
}


/* members of the object at loc that are not in names: a typo, refused */
int
apigw_loc_check_members(const apigw_loc_t *loc, const char **names,
    const char *hint, apigw_error_t *err)
{
    size_t        i;
    json_t       *value;
    const char   *key;
    apigw_loc_t   child;

    json_object_foreach(loc->node, key, value) {
        for (i = 0; names[i]; i++) {
            if (strcmp(names[i], key) == 0) {
                break;
            }
        }

        if (names[i] == NULL) {
            apigw_loc_child(loc, &child, key, value);
            apigw_loc_error(err, &child, "unknown member \"%s\"%s%s", key,
                            hint ? " " : "", hint ? hint : "");
            return -1;
        }
    }

    return 0;
}


void
apigw_loc_error(apigw_error_t *err, const apigw_loc_t *loc,
    const char *fmt, ...)
{
    va_list  args;

    snprintf(err->file, sizeof(err->file), "%s", loc->doc->path);
    snprintf(err->pointer, sizeof(err->pointer), "%s", loc->pointer);
    err->line = loc->key ? apigw_linemap_find(loc->doc->lines,
                                              (json_t *) loc->key)
                         : 0;

    if (err->line == 0) {
        err->line = apigw_linemap_find(loc->doc->lines, loc->node);
    }

    va_start(args, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, args);
    va_end(args);
}


/* "#/a/b", "file.yaml", "file.yaml#/a/b"; not "#anchor" or "https://" */
static int
apigw_ref_is_local_kind(const char *ref)
{
    const char  *p;

    if (ref[0] == '#') {
        return ref[1] == '\0' || ref[1] == '/';
    }

    for (p = ref; *p && *p != '/' && *p != '#'; p++) {
        if (*p == ':') {
            return 0;
        }
    }

    p = strchr(ref, '#');

    return p == NULL || p[1] == '\0' || p[1] == '/';
}


static int
apigw_ref_target(apigw_docset_t *set, apigw_loc_t *loc, const char *ref,
    apigw_error_t *err)
{
    char          path[APIGW_PATH_LEN], real[PATH_MAX], *slash;
    size_t        flen;
    struct stat   st;
    json_t       *node;
    const char   *hash, *frag;
    apigw_doc_t  *doc;

    if (!apigw_ref_is_local_kind(ref)) {
        apigw_loc_error(err, loc, "$ref \"%s\" is not supported: only refs "
                        "within the document (\"#/...\") and to files are",
                        ref);
        return -1;
    }

    hash = strchr(ref, '#');
    frag = hash ? hash + 1 : "";
    flen = hash ? (size_t) (hash - ref) : strlen(ref);
    doc = loc->doc;

    if (flen) {
        if (ref[0] == '/') {
            snprintf(path, sizeof(path), "%.*s", (int) flen, ref);

        } else {
            snprintf(path, sizeof(path), "%s", loc->doc->path);
            slash = strrchr(path, '/');
            snprintf(slash + 1, sizeof(path) - (slash + 1 - path), "%.*s",
                     (int) flen, ref);
        }

        if (realpath(path, real) == NULL || stat(real, &st) != 0) {
            apigw_loc_error(err, loc, "$ref \"%s\": cannot open \"%s\": %s",
                            ref, path, strerror(errno));
            return -1;
        }

        if (!S_ISREG(st.st_mode)) {
            apigw_loc_error(err, loc, "$ref \"%s\": \"%s\" is not a regular "
                            "file", ref, real);
            return -1;
        }

        doc = apigw_doc_load(set, real, err);
        if (doc == NULL) {
            return -1;      /* the referenced file's own error */
        }
    }

    node = apigw_pointer_get(doc->root, frag, strlen(frag));

    if (node == NULL) {
        apigw_loc_error(err, loc, "$ref \"%s\" points to nothing", ref);
        return -1;
    }

    loc->doc = doc;
    loc->node = node;
    loc->key = NULL;
    snprintf(loc->pointer, sizeof(loc->pointer), "%s", frag);

    return 0;
}


int
apigw_deref(apigw_docset_t *set, apigw_loc_t *loc, apigw_error_t *err)
{
    json_t       *ref, *seen[APIGW_MAX_REF_HOPS];
    unsigned      hops, i;
    apigw_loc_t   start;

    start = *loc;

    for (hops = 0; ; hops++) {
        ref = json_is_object(loc->node) ? json_object_get(loc->node, "$ref")
                                        : NULL;
        if (ref == NULL) {
            return 0;
        }

        if (!json_is_string(ref)) {
            apigw_loc_error(err, loc, "$ref must be a string");
            return -1;
        }

        if (hops == APIGW_MAX_REF_HOPS) {
            apigw_loc_error(err, &start, "$ref chain is longer than %d",
                            APIGW_MAX_REF_HOPS);
            return -1;
        }

        for (i = 0; i < hops; i++) {
            if (seen[i] == loc->node) {
                apigw_loc_error(err, &start, "$ref cycle: \"%s\" leads back "
                                "to itself", json_string_value(
                                    json_object_get(start.node, "$ref")));
                return -1;
            }
        }

        seen[hops] = loc->node;

        if (apigw_ref_target(set, loc, json_string_value(ref), err) != 0) {
            return -1;
        }
    }
}


/*
 * Objects whose keys are names (of properties, responses, paths...), not
 * keywords: any key may stand there, "default" or "example" included.
 */
static const char  *apigw_name_maps[] = {
    "properties", "patternProperties", "$defs", "definitions",
    "dependentSchemas", "paths", "webhooks", "callbacks", "responses",
    "schemas", "parameters", "requestBodies", "headers", "securitySchemes",
    "links", "pathItems", "examples", "content", "encoding", "variables",
    "mapping", NULL
};


static int
apigw_is_name_map(const char *key)
{
    const char  **name;

    for (name = apigw_name_maps; *name; name++) {
        if (strcmp(*name, key) == 0) {
            return 1;
        }
    }

    return 0;
}


/*
 * Every $ref in every document must resolve.  Keywords whose values are
 * data (example, default, enum, const) and extensions are not searched,
 * and below a "$id" refs are the schema compiler's.
 */
static int
apigw_walk_refs(apigw_docset_t *set, apigw_linemap_t *seen, apigw_loc_t *loc,
    unsigned depth, int names, apigw_error_t *err)
{
    size_t        i;
    json_t       *value;
    const char   *key;
    apigw_loc_t   child;

    if (depth > APIGW_MAX_WALK_DEPTH) {
        apigw_loc_error(err, loc, "nesting is deeper than %d",
                        APIGW_MAX_WALK_DEPTH);
        return -1;
    }

    /*
     * a node shared by YAML aliases is checked once: its refs resolve the
     * same wherever it is reached (as a name map or not: counted apart)
     */

    if (json_is_array(loc->node) || json_is_object(loc->node)) {
        if (apigw_linemap_find(seen, loc->node) & (1u << names)) {
            return 0;
        }

        if (apigw_linemap_add(seen, loc->node,
                              apigw_linemap_find(seen, loc->node)
                              | (1u << names))
            != 0)
        {
            apigw_loc_error(err, loc, "out of memory");
            return -1;
        }
    }

    if (json_is_array(loc->node)) {
        json_array_foreach(loc->node, i, value) {
            apigw_loc_index(loc, &child, i, value);

            if (apigw_walk_refs(set, seen, &child, depth + 1, 0, err) != 0) {
                return -1;
            }
        }

        return 0;
    }

    if (!json_is_object(loc->node)) {
        return 0;
    }

    if (!names && depth > 0 && json_object_get(loc->node, "$id")) {
        return 0;
    }

    if (!names && json_object_get(loc->node, "$ref")) {
        child = *loc;

        if (apigw_deref(set, &child, err) != 0) {
            return -1;
        }
    }

    json_object_foreach(loc->node, key, value) {
        if (!names
            && (strcmp(key, "example") == 0 || strcmp(key, "default") == 0
                || strcmp(key, "enum") == 0 || strcmp(key, "const") == 0
                || strncmp(key, "x-", 2) == 0 || strcmp(key, "$ref") == 0
                || (strcmp(key, "examples") == 0 && json_is_array(value))))
        {
            continue;
        }

        apigw_loc_child(loc, &child, key, value);

        if (apigw_walk_refs(set, seen, &child, depth + 1,
                            !names && apigw_is_name_map(key), err)
            != 0)
        {
            return -1;
        }
    }

    return 0;
}


int
apigw_docset_check_refs(apigw_docset_t *set, apigw_error_t *err)
{
    int               rc;
    apigw_doc_t      *doc;
    apigw_loc_t       loc;
    apigw_linemap_t  *seen;

    seen = apigw_linemap_create();
    if (seen == NULL) {
        apigw_error_set(err, "", 0, "out of memory");
        return -1;
    }

    rc = 0;

    /* documents loaded by refs are appended and walked in turn */

    for (doc = set->docs; doc && rc == 0; doc = doc->next) {
        loc.doc = doc;
        loc.node = doc->root;
        loc.key = NULL;
        loc.pointer[0] = '\0';

        rc = apigw_walk_refs(set, seen, &loc, 0, 0, err);
    }

    apigw_linemap_free(seen);

    return rc;
}
