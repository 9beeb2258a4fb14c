
/*
 * Copyright (C) apigw contributors
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_schema_int.h"


/*
 * Documents and identifiers: what $ref resolves against.  Each document
 * is indexed when the set first sees it: every schema resource ($id,
 * draft 4 "id") and anchor ($anchor, $dynamicAnchor, "id": "#name") under
 * its absolute URI, in one table.  A $ref is resolved (RFC 3986) against
 * the base URI where it stands, then found in that table, by a JSON
 * pointer from a resource, or in a document the resolver loads.
 */


static int apigw_sch_index(apigw_sch_cctx_t *cc, apigw_sch_doc_t *doc,
    json_t *json, apigw_sch_uri_t *outer, char *ptr, unsigned depth);
static int apigw_sch_anchor(apigw_sch_cctx_t *cc, apigw_sch_uri_t *res,
    const char *name, json_t *json, apigw_sch_doc_t *doc, const char *ptr,
    int dynamic);


/* values that are data, not schemas: not searched for identifiers */
static const char  *apigw_sch_data_keys[] = {
    "enum", "const", "default", "example", "examples", NULL
};


apigw_sch_doc_t *
apigw_sch_doc_add(apigw_sch_cctx_t *cc, const char *uri, json_t *root)
{
    char             *p, ptr[APIGW_SCH_PTR_LEN];
    apigw_sch_uri_t  *u;
    apigw_sch_doc_t  *doc;

    doc = apigw_sch_alloc(cc->set, sizeof(apigw_sch_doc_t));
    if (doc == NULL) {
        apigw_sch_fail(cc, NULL, NULL, NULL, "out of memory");
        return NULL;
    }

    doc->uri = apigw_sch_strndup(cc->set, uri, strlen(uri));
    if (doc->uri == NULL) {
        apigw_sch_fail(cc, NULL, NULL, NULL, "out of memory");
        return NULL;
    }

    p = strchr(doc->uri, '#');
    if (p != NULL) {
        *p = '\0';
    }

    doc->root = json_incref(root);
    doc->next = cc->set->docs;
    cc->set->docs = doc;

    u = apigw_sch_uri_get(cc->set, doc->uri);
    if (u == NULL) {
        apigw_sch_fail(cc, doc, "", NULL, "out of memory");
        return NULL;
    }

    if (u->json != NULL) {
        apigw_sch_fail(cc, doc, "", NULL, "another document is already "
                       "known as \"%s\"", doc->uri);
        return NULL;
    }

    u->json = root;
    u->doc = doc;
    u->pointer = "";
    u->res = apigw_sch_base(cc, root, u);

    if (u->res == NULL) {
        return NULL;
    }

    ptr[0] = '\0';

    if (apigw_sch_index(cc, doc, root, u, ptr, 0) != 0) {
        return NULL;
    }

    return doc;
}


/*
 * registers the resources ($id) and anchors under json: every member is
 * searched but values that are data (enum, const, default, examples), so
 * the schemas inside an OpenAPI document are found too
 */
static int
apigw_sch_index(apigw_sch_cctx_t *cc, apigw_sch_doc_t *doc, json_t *json,
    apigw_sch_uri_t *outer, char *ptr, unsigned depth)
{
    char              num[32];
    void             *it;
    size_t            i, len;
    json_t           *v;
    const char       *s, *key, **kw;
    apigw_sch_uri_t  *res;

    if (!json_is_object(json) && !json_is_array(json)) {
        return 0;
    }

    if (depth > APIGW_SCHEMA_MAX_DEPTH) {
        return apigw_sch_fail(cc, doc, ptr, NULL,
                              "the document nests deeper than %d levels",
                              APIGW_SCHEMA_MAX_DEPTH);
    }

    len = strlen(ptr);

    if (json_is_array(json)) {
        json_array_foreach(json, i, v) {
            snprintf(num, sizeof(num), "%zu", i);
            apigw_sch_ptr_add(ptr, APIGW_SCH_PTR_LEN, num, strlen(num));

            if (apigw_sch_index(cc, doc, v, outer, ptr, depth + 1) != 0) {
                return -1;
            }

            ptr[len] = '\0';
        }

        return 0;
    }

    res = apigw_sch_base(cc, json, outer);
    if (res == NULL) {
        return -1;
    }

    if (res != outer && res->json == NULL) {
        res->json = json;
        res->doc = doc;
        res->res = res;
        res->pointer = apigw_sch_strndup(cc->set, ptr, len);

        if (res->pointer == NULL) {
            return apigw_sch_fail(cc, doc, ptr, NULL, "out of memory");
        }
    }

    if (cc->d4) {
        v = json_object_get(json, "id");
        s = json_is_string(v) ? strchr(json_string_value(v), '#') : NULL;

        if (s != NULL && s[1] != '\0' && json_object_get(json, "$ref") == NULL
            && apigw_sch_anchor(cc, res, s + 1, json, doc, ptr, 0) != 0)
        {
            return -1;
        }

    } else {
        v = json_object_get(json, "$anchor");

        if (json_is_string(v)
            && apigw_sch_anchor(cc, res, json_string_value(v), json, doc,
                                ptr, 0) != 0)
        {
            return -1;
        }

        v = json_object_get(json, "$dynamicAnchor");

        if (json_is_string(v)
            && apigw_sch_anchor(cc, res, json_string_value(v), json, doc,
                                ptr, 1) != 0)
        {
            return -1;
        }
    }

    for (it = json_object_iter(json); it; it = json_object_iter_next(json, it))
    {
        key = json_object_iter_key(it);

        for (kw = apigw_sch_data_keys; *kw; kw++) {
            if (strcmp(key, *kw) == 0) {
                break;
            }
        }

        if (*kw != NULL) {
            continue;
        }

        apigw_sch_ptr_add(ptr, APIGW_SCH_PTR_LEN, key,
                          json_object_iter_key_len(it));

        if (apigw_sch_index(cc, doc, json_object_iter_value(it), res, ptr,
                            depth + 1) != 0)
        {
            return -1;
        }

        ptr[len] = '\0';
    }

    return 0;
}


static int
apigw_sch_anchor(apigw_sch_cctx_t *cc, apigw_sch_uri_t *res,
    const char *name, json_t *json, apigw_sch_doc_t *doc, const char *ptr,
    int dynamic)
{
    char             *key;
    size_t            len;
    apigw_sch_uri_t  *u;

    len = strlen(res->key);

    key = malloc(len + strlen(name) + 2);
    if (key == NULL) {
        return apigw_sch_fail(cc, doc, ptr, NULL, "out of memory");
    }

    memcpy(key, res->key, len);
    key[len] = '#';
    strcpy(key + len + 1, name);

    u = apigw_sch_uri_get(cc->set, key);
    free(key);

    if (u == NULL) {
        return apigw_sch_fail(cc, doc, ptr, NULL, "out of memory");
    }

    if (u->json == NULL) {
        u->json = json;
        u->doc = doc;
        u->res = res;
        u->pointer = apigw_sch_strndup(cc->set, ptr, strlen(ptr));

        if (u->pointer == NULL) {
            return apigw_sch_fail(cc, doc, ptr, NULL, "out of memory");
        }
    }

    if (dynamic && u->json == json && !u->dynamic) {
        u->dynamic = 1;
        u->name = u->key + len + 1;
        u->next_dynamic = cc->set->dynamic_anchors;
        cc->set->dynamic_anchors = u;
    }

    return 0;
}


/* the base URI inside a schema object: its $id (draft 4: id) applied */
apigw_sch_uri_t *
apigw_sch_base(apigw_sch_cctx_t *cc, json_t *json, apigw_sch_uri_t *outer)
{
    char             *abs, *hash;
    json_t           *id;
    apigw_sch_uri_t  *u;

    if (!json_is_object(json)) {
        return outer;
    }

    if (cc->d4) {
        /* draft 4: a $ref's siblings, id among them, are ignored */
        id = json_object_get(json, "id");

        if (!json_is_string(id) || json_object_get(json, "$ref") != NULL) {
            return outer;
        }

    } else {
        id = json_object_get(json, "$id");

        if (!json_is_string(id)) {
            return outer;
        }
    }

    if (json_string_value(id)[0] == '#') {
        return outer;
    }

    abs = apigw_uri_resolve(outer->key, json_string_value(id));
    if (abs == NULL) {
        apigw_sch_fail(cc, NULL, NULL, NULL, "out of memory");
        return NULL;
    }

    hash = strchr(abs, '#');
    if (hash != NULL) {
        *hash = '\0';
    }

    u = apigw_sch_uri_get(cc->set, abs);
    free(abs);

    if (u == NULL) {
        apigw_sch_fail(cc, NULL, NULL, NULL, "out of memory");
    }

    return u;
}


apigw_sch_uri_t *
apigw_sch_uri_find(apigw_schema_set_t *set, const char *key)
{
    size_t            i;
    uint32_t          h;
    apigw_sch_uri_t  *u;

    if (set->uris_size == 0) {
        return NULL;
    }

    h = apigw_sch_name_hash(key, strlen(key));
    i = h & (set->uris_size - 1);

    while ((u = set->uris[i]) != NULL) {
        if (u->hash == h && strcmp(u->key, key) == 0) {
            return u;
        }

        i = (i + 1) & (set->uris_size - 1);
    }

    return NULL;
}


/* the entry for key, created empty when missing */
apigw_sch_uri_t *
apigw_sch_uri_get(apigw_schema_set_t *set, const char *key)
{
    size_t             i, j, size;
    apigw_sch_uri_t   *u, **table;

    u = apigw_sch_uri_find(set, key);
    if (u != NULL) {
        return u;
    }

    if ((set->nuris + 1) * 2 > set->uris_size) {
        size = set->uris_size ? set->uris_size * 2 : 64;

        table = calloc(size, sizeof(apigw_sch_uri_t *));
        if (table == NULL) {
            return NULL;
        }

        for (i = 0; i < set->uris_size; i++) {
            if (set->uris[i] == NULL) {
                continue;
            }

            j = set->uris[i]->hash & (size - 1);

            while (table[j] != NULL) {
                j = (j + 1) & (size - 1);
            }

            table[j] = set->uris[i];
        }

        free(set->uris);
        set->uris = table;
        set->uris_size = size;
    }

    u = apigw_sch_alloc(set, sizeof(apigw_sch_uri_t));
    if (u == NULL) {
        return NULL;
    }

    u->key = apigw_sch_strndup(set, key, strlen(key));
    if (u->key == NULL) {
        return NULL;
    }

    u->hash = apigw_sch_name_hash(key, strlen(key));
    u->res = u;

    i = u->hash & (set->uris_size - 1);

    while (set->uris[i] != NULL) {
        i = (i + 1) & (set->uris_size - 1);
    }

    set->uris[i] = u;
    set->nuris++;

    return u;
}


/* a JSON pointer from json; res follows the $ids on the way */
json_t *
apigw_sch_walk(apigw_sch_cctx_t *cc, json_t *json, apigw_sch_uri_t **res,
    const char *pointer)
{
    char              *tok;
    size_t             n, idx;
    const char        *p;
    apigw_sch_uri_t   *r;

    tok = malloc(strlen(pointer) + 1);
    if (tok == NULL) {
        return NULL;
    }

    p = pointer;

    while (*p && json != NULL) {
        if (*p++ != '/') {
            json = NULL;
            break;
        }

        for (n = 0; *p && *p != '/'; p++) {
            if (*p == '~') {
                if (p[1] != '0' && p[1] != '1') {
                    n = 0;
                    json = NULL;
                    break;
                }

                tok[n++] = (*++p == '0') ? '~' : '/';

            } else {
                tok[n++] = *p;
            }
        }

        if (json == NULL) {
            break;
        }

        if (json_is_object(json)) {
            json = json_object_getn(json, tok, n);

        } else if (json_is_array(json) && n > 0 && n < 19
                   && (n == 1 || tok[0] != '0'))
        {
            for (idx = 0; n; n--) {
                if (tok[idx] < '0' || tok[idx] > '9') {
                    break;
                }

                idx++;
            }

            if (n) {
                json = NULL;

            } else {
                tok[idx] = '\0';
                json = json_array_get(json, strtoul(tok, NULL, 10));
            }

        } else {
            json = NULL;
        }

        if (json != NULL) {
            r = apigw_sch_base(cc, json, *res);

            if (r == NULL) {
                json = NULL;

            } else {
                *res = r;
            }
        }
    }

    free(tok);

    return json;
}


int
apigw_sch_resolve(apigw_sch_cctx_t *cc, apigw_sch_uri_t *base,
    const char *ref, apigw_sch_target_t *t, const char *kw)
{
    int                     rc;
    char                   *abs, *frag, *key, errbuf[APIGW_ERR_LEN];
    json_t                 *root;
    apigw_sch_uri_t        *u, *res;
    apigw_schema_set_t     *set;

    set = cc->set;

    abs = apigw_uri_resolve(base->key, ref);
    if (abs == NULL) {
        return apigw_sch_kw_fail(cc, kw, "\"%s\": out of memory", ref);
    }

    key = NULL;
    rc = -1;

    frag = strchr(abs, '#');
    if (frag != NULL) {
        *frag++ = '\0';
    }

    u = apigw_sch_uri_find(set, abs);

    if (u == NULL || u->json == NULL) {
        errbuf[0] = '\0';
        root = set->resolve ? set->resolve(set->data, abs, errbuf,
                                           sizeof(errbuf))
                            : NULL;

        if (root == NULL) {
            apigw_sch_kw_fail(cc, kw, "\"%s\": cannot load \"%s\": %s", ref,
                              abs, errbuf[0] ? errbuf : "unknown document");
            goto done;
        }

        if (apigw_sch_doc_add(cc, abs, root) == NULL) {
            goto done;
        }

        u = apigw_sch_uri_find(set, abs);

        if (u == NULL || u->json == NULL) {
            apigw_sch_kw_fail(cc, kw, "\"%s\": not found", ref);
            goto done;
        }
    }

    if (frag != NULL && apigw_uri_unescape(frag) != 0) {
        apigw_sch_kw_fail(cc, kw, "\"%s\": bad percent-escape", ref);
        goto done;
    }

    if (frag == NULL || frag[0] == '\0') {
        t->json = u->json;
        t->res = u->res;
        t->doc = u->doc;
        snprintf(t->pointer, sizeof(t->pointer), "%s", u->pointer);

    } else if (frag[0] == '/') {
        res = u->res;
        t->json = apigw_sch_walk(cc, u->json, &res, frag);

        if (t->json == NULL) {
            apigw_sch_kw_fail(cc, kw, "\"%s\": no \"%s\" in \"%s\"", ref,
                              frag, abs);
            goto done;
        }

        t->res = res;
        t->doc = u->doc;
        snprintf(t->pointer, sizeof(t->pointer), "%s%s", u->pointer, frag);

    } else {
        key = malloc(strlen(abs) + strlen(frag) + 2);
        if (key == NULL) {
            apigw_sch_kw_fail(cc, kw, "\"%s\": out of memory", ref);
            goto done;
        }

        sprintf(key, "%s#%s", abs, frag);

        u = apigw_sch_uri_find(set, key);

        if (u == NULL || u->json == NULL) {
            apigw_sch_kw_fail(cc, kw, "\"%s\": no anchor \"%s\" in \"%s\"",
                              ref, frag, abs);
            goto done;
        }

        t->json = u->json;
        t->res = u->res;
        t->doc = u->doc;
        snprintf(t->pointer, sizeof(t->pointer), "%s", u->pointer);
    }

    rc = 0;

done:

    free(key);
    free(abs);

    return rc;
}
