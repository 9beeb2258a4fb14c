
/*
 * Copyright (C) apigw contributors
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_export.h"


/*
 * A spec split across files made one document: every "$ref" that leaves
 * the root document, or that stands in another file, is followed (the
 * loader has resolved them all) to its target, which becomes a component
 * of the kind the place of the ref says (apigw_export_member_kind()).  The
 * tree is copied only along the way to what changes; the rest is shared
 * with the loaded documents.
 */


#define APIGW_BUNDLE_MAX_DEPTH      2048
#define APIGW_BUNDLE_MAX_INLINE     64
#define APIGW_BUNDLE_NAME_LEN       96


typedef struct {
    apigw_docset_t         *set;
    apigw_doc_t            *root;
    json_t                 *names;      /* "section target" -> its name */
    json_t                 *added;      /* section -> {name: component} */
    json_t                 *components; /* the root's own, or NULL */
    const json_t           *inlining[APIGW_BUNDLE_MAX_INLINE];
    unsigned                ninlining;
    apigw_error_t          *err;
} apigw_bundle_t;


static json_t *apigw_bundle_node(apigw_bundle_t *b, apigw_loc_t *loc,
    int kind, unsigned depth);
static json_t *apigw_bundle_object(apigw_bundle_t *b, apigw_loc_t *loc,
    int kind, json_t *ref, unsigned depth);
static json_t *apigw_bundle_array(apigw_bundle_t *b, apigw_loc_t *loc,
    int kind, unsigned depth);
static json_t *apigw_bundle_member(apigw_bundle_t *b, apigw_loc_t *loc,
    int kind, const char *key, json_t *value, unsigned depth);
static json_t *apigw_bundle_ref(apigw_bundle_t *b, apigw_loc_t *loc,
    int kind, int *inlined, unsigned depth);
static json_t *apigw_bundle_inline(apigw_bundle_t *b, apigw_loc_t *loc,
    apigw_loc_t *target, int kind, unsigned depth);
static json_t *apigw_bundle_component(apigw_bundle_t *b,
    apigw_loc_t *target, int kind, const char *section, unsigned depth);
static json_t *apigw_bundle_mapping(apigw_bundle_t *b, apigw_loc_t *loc,
    unsigned depth);
static int apigw_bundle_names(apigw_bundle_t *b, const char *section,
    apigw_loc_t *target, char *name);
static void apigw_bundle_base_name(apigw_loc_t *target, char *name);
static int apigw_bundle_taken(apigw_bundle_t *b, const char *section,
    const char *name);
static json_t *apigw_bundle_finish(apigw_bundle_t *b, json_t *root);
static const char *apigw_bundle_section(int kind);
static int apigw_bundle_external(apigw_bundle_t *b, apigw_loc_t *loc,
    const char *ref);
static json_t *apigw_bundle_local_ref(apigw_loc_t *target);


json_t *
apigw_export_bundle(apigw_docset_t *set, apigw_error_t *err)
{
    json_t          *out;
    apigw_loc_t      loc;
    apigw_bundle_t   b;

    memset(&b, 0, sizeof(apigw_bundle_t));
    b.set = set;
    b.root = set->docs;
    b.err = err;
    b.names = json_object();
    b.added = json_object();

    if (b.names == NULL || b.added == NULL) {
        out = NULL;
        apigw_error_set(err, "", 0, "out of memory");
        goto done;
    }

    b.components = json_object_get(b.root->root, "components");

    if (!json_is_object(b.components)) {
        b.components = NULL;
    }

    loc.doc = b.root;
    loc.node = b.root->root;
    loc.key = NULL;
    loc.pointer[0] = '\0';

    out = apigw_bundle_node(&b, &loc, APIGW_EXPORT_ROOT, 0);

    if (out != NULL) {
        out = apigw_bundle_finish(&b, out);
    }

done:

    json_decref(b.names);
    json_decref(b.added);

    return out;
}


static json_t *
apigw_bundle_node(apigw_bundle_t *b, apigw_loc_t *loc, int kind,
    unsigned depth)
{
    int      inlined;
    json_t  *ref, *out;

    if (depth > APIGW_BUNDLE_MAX_DEPTH) {
        apigw_loc_error(b->err, loc, "nesting is deeper than %d",
                        APIGW_BUNDLE_MAX_DEPTH);
        return NULL;
    }

    if (kind == APIGW_EXPORT_DATA
        || (!json_is_object(loc->node) && !json_is_array(loc->node)))
    {
        return json_incref(loc->node);
    }

    if (json_is_array(loc->node)) {
        return apigw_bundle_array(b, loc, kind, depth);
    }

    if (kind & APIGW_EXPORT_LIST) {
        return json_incref(loc->node);      /* not a list: not OpenAPI */
    }

    if (kind & APIGW_EXPORT_MAP) {
        return apigw_bundle_object(b, loc, kind, NULL, depth);
    }

    /* below a "$id", refs are relative to it: the schema goes as it is */
    if (kind == APIGW_EXPORT_SCHEMA && depth > 0
        && json_object_get(loc->node, "$id") != NULL)
    {
        return json_incref(loc->node);
    }

    ref = json_object_get(loc->node, "$ref");

    if (!json_is_string(ref)
        || !apigw_bundle_external(b, loc, json_string_value(ref)))
    {
        return apigw_bundle_object(b, loc, kind, NULL, depth);
    }

    inlined = 0;
    ref = apigw_bundle_ref(b, loc, kind, &inlined, depth);

    if (ref == NULL || inlined) {
        return ref;
    }

    out = apigw_bundle_object(b, loc, kind, ref, depth);
    json_decref(ref);

    return out;
}


/* a ref to follow: any in another file, one to another file in the root */
static int
apigw_bundle_external(apigw_bundle_t *b, apigw_loc_t *loc, const char *ref)
{
    return loc->doc != b->root || ref[0] != '#';
}


/*
 * The members of an object of kind, each processed for its own kind; ref,
 * when not NULL, in place of its "$ref".  A copy only when a member
 * changed.
 */
static json_t *
apigw_bundle_object(apigw_bundle_t *b, apigw_loc_t *loc, int kind,
    json_t *ref, unsigned depth)
{
    void        *iter, *prev;
    size_t       klen;
    json_t      *node, *out, *value, *v;
    const char  *key;

    node = loc->node;
    out = NULL;

    for (iter = json_object_iter(node);
         iter;
         iter = json_object_iter_next(node, iter))
    {
        key = json_object_iter_key(iter);
        klen = json_object_iter_key_len(iter);
        value = json_object_iter_value(iter);

        if (ref != NULL && strcmp(key, "$ref") == 0) {
            v = json_incref(ref);

        } else {
            v = apigw_bundle_member(b, loc, kind, key, value, depth);

            if (v == NULL) {
                json_decref(out);
                return NULL;
            }
        }

        if (out == NULL && v != value) {
            /* the first change: a copy, with the members before it */
            out = json_object();
            if (out == NULL) {
                json_decref(v);
                goto nomem;
            }

            for (prev = json_object_iter(node);
                 prev != iter;
                 prev = json_object_iter_next(node, prev))
            {
                if (json_object_setn(out, json_object_iter_key(prev),
                                     json_object_iter_key_len(prev),
                                     json_object_iter_value(prev))
                    != 0)
                {
                    json_decref(v);
                    goto nomem;
                }
            }
        }

        if (out == NULL) {
            json_decref(v);
            continue;
        }

        if (json_object_setn_new(out, key, klen, v) != 0) {
            goto nomem;
        }
    }

    return out ? out : json_incref(node);

nomem:

    json_decref(out);
    apigw_loc_error(b->err, loc, "out of memory");

    return NULL;
}


static json_t *
apigw_bundle_member(apigw_bundle_t *b, apigw_loc_t *loc, int kind,
    const char *key, json_t *value, unsigned depth)
{
    int          child;
    apigw_loc_t  c;

    if (kind & APIGW_EXPORT_MAP) {
        child = APIGW_EXPORT_ELEM(kind);

    } else if (apigw_export_is_extension(kind, key)) {
        /* data, as the loader has it; but AWS's operation for any method */
        child = (kind == APIGW_EXPORT_PATH_ITEM)
                ? apigw_export_member_kind(kind, key, value)
                : APIGW_EXPORT_DATA;

        if (child != APIGW_EXPORT_OPERATION) {
            child = APIGW_EXPORT_DATA;
        }

    } else {
        child = apigw_export_member_kind(kind, key, value);
    }

    if (child == APIGW_EXPORT_DATA
        || (!json_is_object(value) && !json_is_array(value)))
    {
        return json_incref(value);
    }

    apigw_loc_child(loc, &c, key, value);

    if (kind == APIGW_EXPORT_DISCRIMINATOR && strcmp(key, "mapping") == 0
        && json_is_object(value))
    {
        return apigw_bundle_mapping(b, &c, depth + 1);
    }

    return apigw_bundle_node(b, &c, child, depth + 1);
}


static json_t *
apigw_bundle_array(apigw_bundle_t *b, apigw_loc_t *loc, int kind,
    unsigned depth)
{
    int          elem;
    size_t       i, j, n;
    json_t      *node, *out, *value, *v;
    apigw_loc_t  c;

    node = loc->node;
    elem = (kind & APIGW_EXPORT_LIST) ? APIGW_EXPORT_ELEM(kind)
                                      : APIGW_EXPORT_DATA;

    if (elem == APIGW_EXPORT_DATA) {
        return json_incref(node);
    }

    out = NULL;
    n = json_array_size(node);

    for (i = 0; i < n; i++) {
        value = json_array_get(node, i);

        apigw_loc_index(loc, &c, i, value);

        v = apigw_bundle_node(b, &c, elem, depth + 1);
        if (v == NULL) {
            json_decref(out);
            return NULL;
        }

        if (out == NULL && v != value) {
            out = json_array();
            if (out == NULL) {
                json_decref(v);
                goto nomem;
            }

            for (j = 0; j < i; j++) {
                if (json_array_append(out, json_array_get(node, j)) != 0) {
                    json_decref(v);
                    goto nomem;
                }
            }
        }

        if (out == NULL) {
            json_decref(v);
            continue;
        }

        if (json_array_append_new(out, v) != 0) {
            goto nomem;
        }
    }

    return out ? out : json_incref(node);

nomem:

    json_decref(out);
    apigw_loc_error(b->err, loc, "out of memory");

    return NULL;
}


/*
 * The object at loc has a "$ref" to follow: the new "$ref" value, or,
 * *inlined set, what stands in the place of the object
 */
static json_t *
apigw_bundle_ref(apigw_bundle_t *b, apigw_loc_t *loc, int kind,
    int *inlined, unsigned depth)
{
    const char   *section;
    apigw_loc_t   target;

    target = *loc;

    if (apigw_deref(b->set, &target, b->err) != 0) {
        return NULL;
    }

    if (target.doc == b->root) {
        return apigw_bundle_local_ref(&target);
    }

    section = apigw_bundle_section(kind);

    if (section != NULL) {
        return apigw_bundle_component(b, &target, kind, section, depth);
    }

    /* a path item (no component section in OpenAPI 3.0), or no knowing */

    *inlined = 1;

    return apigw_bundle_inline(b, loc, &target, kind, depth);
}


/* "#" and the pointer of a target in the root document */
static json_t *
apigw_bundle_local_ref(apigw_loc_t *target)
{
    char  ref[APIGW_ERR_LEN + 1];

    snprintf(ref, sizeof(ref), "#%s", target->pointer);

    return json_string(ref);
}


/* the target in the place of the ref, with the ref's other members */
static json_t *
apigw_bundle_inline(apigw_bundle_t *b, apigw_loc_t *loc,
    apigw_loc_t *target, int kind, unsigned depth)
{
    void        *iter;
    json_t      *out, *copy, *v;
    unsigned     i;
    const char  *key;

    for (i = 0; i < b->ninlining; i++) {
        if (b->inlining[i] == target->node) {
            apigw_loc_error(b->err, loc, "$ref \"%s\" leads back to itself "
                            "through objects that can only be copied in "
                            "place, not bundled", json_string_value(
                                json_object_get(loc->node, "$ref")));
            return NULL;
        }
    }

    if (b->ninlining == APIGW_BUNDLE_MAX_INLINE) {
        apigw_loc_error(b->err, loc, "$refs nest deeper than %d",
                        APIGW_BUNDLE_MAX_INLINE);
        return NULL;
    }

    b->inlining[b->ninlining++] = target->node;
    out = apigw_bundle_node(b, target, kind, depth + 1);
    b->ninlining--;

    if (out == NULL || !json_is_object(out)
        || json_object_size(loc->node) == 1)
    {
        return out;
    }

    /* OpenAPI 3.0's path item may have members beside its "$ref" */

    copy = json_copy(out);
    json_decref(out);

    if (copy == NULL) {
        apigw_loc_error(b->err, loc, "out of memory");
        return NULL;
    }

    for (iter = json_object_iter(loc->node);
         iter;
         iter = json_object_iter_next(loc->node, iter))
    {
        key = json_object_iter_key(iter);

        if (strcmp(key, "$ref") == 0 || json_object_get(copy, key) != NULL) {
            continue;
        }

        v = apigw_bundle_member(b, loc, kind, key,
                                json_object_iter_value(iter), depth);

        if (v == NULL || json_object_set_new(copy, key, v) != 0) {
            json_decref(copy);
            return NULL;
        }
    }

    return copy;
}


/*
 * "#/components/SECTION/NAME" for a target in another file: made a
 * component the first time, and named after its key or its file
 */
static json_t *
apigw_bundle_component(apigw_bundle_t *b, apigw_loc_t *target, int kind,
    const char *section, unsigned depth)
{
    char     name[APIGW_BUNDLE_NAME_LEN + 16];
    char     ref[sizeof("#/components//") + 32 + sizeof(name)];
    json_t  *sec, *value;
    int      rc;

    rc = apigw_bundle_names(b, section, target, name);

    if (rc < 0) {
        return NULL;
    }

    snprintf(ref, sizeof(ref), "#/components/%s/%s", section, name);

    if (rc == 0) {
        return json_string(ref);
    }

    sec = json_object_get(b->added, section);

    /* the place is taken before the target is read: it may refer back */

    if (json_object_set_new(sec, name, json_null()) != 0) {
        apigw_error_set(b->err, "", 0, "out of memory");
        return NULL;
    }

    value = apigw_bundle_node(b, target, kind, depth + 1);

    if (value == NULL) {
        return NULL;
    }

    if (json_object_set_new(sec, name, value) != 0) {
        apigw_error_set(b->err, "", 0, "out of memory");
        return NULL;
    }

    return json_string(ref);
}


/*
 * the target's name in section: 0, known already; 1, new (its place in
 * b->added made ready); -1, out of memory
 */
static int
apigw_bundle_names(apigw_bundle_t *b, const char *section,
    apigw_loc_t *target, char *name)
{
    char         id[64 + 32], base[APIGW_BUNDLE_NAME_LEN + 1];
    json_t      *known, *sec;
    unsigned     i;

    snprintf(id, sizeof(id), "%s %p", section, (void *) target->node);

    known = json_object_get(b->names, id);

    if (known != NULL) {
        snprintf(name, APIGW_BUNDLE_NAME_LEN + 16, "%s",
                 json_string_value(known));
        return 0;
    }

    sec = json_object_get(b->added, section);

    if (sec == NULL) {
        sec = json_object();

        if (sec == NULL || json_object_set_new(b->added, section, sec) != 0) {
            apigw_error_set(b->err, "", 0, "out of memory");
            return -1;
        }
    }

    apigw_bundle_base_name(target, base);
    snprintf(name, APIGW_BUNDLE_NAME_LEN + 16, "%s", base);

    for (i = 2; apigw_bundle_taken(b, section, name); i++) {
        snprintf(name, APIGW_BUNDLE_NAME_LEN + 16, "%s_%u", base, i);
    }

    if (json_object_set_new(b->names, id, json_string(name)) != 0) {
        apigw_error_set(b->err, "", 0, "out of memory");
        return -1;
    }

    return 1;
}


/*
 * the last key of the target's pointer ("Pet" of "#/definitions/Pet"), or
 * its file's name without the extension ("pet" of "pet.yaml"), in the
 * characters a component's name may have
 */
static void
apigw_bundle_base_name(apigw_loc_t *target, char *name)
{
    char        *dot;
    size_t       i, n;
    const char  *p, *start;

    p = strrchr(target->pointer, '/');

    if (p != NULL && p[1] != '\0') {
        start = p + 1;
        n = strlen(start);

    } else {
        p = strrchr(target->doc->path, '/');
        start = p ? p + 1 : target->doc->path;
        dot = strchr(start, '.');
        n = (dot && dot != start) ? (size_t) (dot - start) : strlen(start);
    }

    for (i = 0; i < n && i < APIGW_BUNDLE_NAME_LEN; i++) {
        name[i] = ((start[i] >= 'a' && start[i] <= 'z')
                   || (start[i] >= 'A' && start[i] <= 'Z')
                   || (start[i] >= '0' && start[i] <= '9')
                   || start[i] == '.' || start[i] == '-' || start[i] == '_')
                  ? start[i] : '_';
    }

    name[i] = '\0';

    if (i == 0) {
        memcpy(name, "bundled", sizeof("bundled"));
    }
}


static int
apigw_bundle_taken(apigw_bundle_t *b, const char *section, const char *name)
{
    json_t  *own;

    own = b->components ? json_object_get(b->components, section) : NULL;

    return (json_is_object(own) && json_object_get(own, name) != NULL)
           || json_object_get(json_object_get(b->added, section), name)
              != NULL;
}


/*
 * A discriminator's mapping: a value that names a schema in another file
 * ("dog.yaml", "common.yaml#/Dog", or "#/Dog" in a file but the root) is
 * made a ref to the bundled component.  One that does not resolve is left
 * as it is: the loader does not read mappings.
 */
static json_t *
apigw_bundle_mapping(apigw_bundle_t *b, apigw_loc_t *loc, unsigned depth)
{
    int            rc;
    void          *iter;
    json_t        *out, *fake, *ref, *value;
    const char    *s, *key;
    apigw_loc_t    c;
    apigw_error_t  ignored;

    out = NULL;

    for (iter = json_object_iter(loc->node);
         iter;
         iter = json_object_iter_next(loc->node, iter))
    {
        key = json_object_iter_key(iter);
        value = json_object_iter_value(iter);
        s = json_string_value(value);

        if (s == NULL || s[0] == '\0'
            || !(s[0] == '#' ? loc->doc != b->root
                             : strchr(s, '#') != NULL
                               || strstr(s, ".json") != NULL
                               || strstr(s, ".yaml") != NULL
                               || strstr(s, ".yml") != NULL))
        {
            continue;
        }

        fake = json_pack("{s:s}", "$ref", s);
        if (fake == NULL) {
            goto nomem;
        }

        apigw_loc_child(loc, &c, key, fake);
        memset(&ignored, 0, sizeof(apigw_error_t));

        rc = apigw_deref(b->set, &c, &ignored);
        json_decref(fake);

        if (rc != 0) {
            continue;
        }

        ref = (c.doc == b->root)
              ? apigw_bundle_local_ref(&c)
              : apigw_bundle_component(b, &c, APIGW_EXPORT_SCHEMA, "schemas",
                                       depth);
        if (ref == NULL) {
            json_decref(out);
            return NULL;
        }

        if (out == NULL) {
            out = json_copy(loc->node);
            if (out == NULL) {
                json_decref(ref);
                goto nomem;
            }
        }

        if (json_object_set_new(out, key, ref) != 0) {
            goto nomem;
        }
    }

    return out ? out : json_incref(loc->node);

nomem:

    json_decref(out);
    apigw_loc_error(b->err, loc, "out of memory");

    return NULL;
}


/* the components made, added to the root's own */
static json_t *
apigw_bundle_finish(apigw_bundle_t *b, json_t *root)
{
    int          rc;
    void        *iter;
    json_t      *out, *components, *sec, *own;
    const char  *section;

    if (json_object_size(b->added) == 0) {
        return root;
    }

    out = NULL;
    components = NULL;

    if (!json_is_object(root)) {
        goto nomem;     /* never: the loader wants an object */
    }

    out = json_copy(root);
    own = json_object_get(root, "components");
    components = json_is_object(own) ? json_copy(own) : json_object();

    if (out == NULL || components == NULL) {
        goto nomem;
    }

    for (iter = json_object_iter(b->added);
         iter;
         iter = json_object_iter_next(b->added, iter))
    {
        section = json_object_iter_key(iter);
        own = json_object_get(components, section);
        sec = json_is_object(own) ? json_copy(own) : json_object();

        if (sec == NULL) {
            goto nomem;
        }

        if (json_object_update(sec, json_object_iter_value(iter)) != 0) {
            json_decref(sec);
            goto nomem;
        }

        /* set_new() takes sec, failing or not */
        if (json_object_set_new(components, section, sec) != 0) {
            goto nomem;
        }
    }

    rc = json_object_set_new(out, "components", components);
    components = NULL;

    if (rc != 0) {
        goto nomem;
    }

    json_decref(root);

    return out;

nomem:

    json_decref(components);
    json_decref(out);
    json_decref(root);
    apigw_error_set(b->err, "", 0, "out of memory");

    return NULL;
}


static const char *
apigw_bundle_section(int kind)
{
    switch (kind) {

    case APIGW_EXPORT_SCHEMA:
        return "schemas";

    case APIGW_EXPORT_RESPONSE:
        return "responses";

    case APIGW_EXPORT_PARAMETER:
        return "parameters";

    case APIGW_EXPORT_EXAMPLE:
        return "examples";

    case APIGW_EXPORT_REQUEST_BODY:
        return "requestBodies";

    case APIGW_EXPORT_HEADER:
        return "headers";

    case APIGW_EXPORT_SECURITY_SCHEME:
        return "securitySchemes";

    case APIGW_EXPORT_LINK:
        return "links";

    case APIGW_EXPORT_CALLBACK:
        return "callbacks";

    default:
        return NULL;
    }
}
