
/*
 * Copyright (C) apigw contributors
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apigw_spec_int.h"
#include "apigw_schema.h"


/*
 * What an operation validates: its parameters (path item and operation
 * level), its request body per media type and, compiled on demand, its
 * responses; which of them a request validator turns on.
 */


#define APIGW_URI_LEN   (APIGW_PATH_LEN + 8)


static json_t *apigw_spec_resolve(void *data, const char *uri, char *errbuf,
    size_t errlen);
static int apigw_spec_validation_flags(apigw_compile_t *c, apigw_loc_t *loc,
    unsigned *params, unsigned *body, unsigned *details);
static int apigw_spec_validator(apigw_compile_t *c, apigw_loc_t *loc,
    unsigned *params, unsigned *body);
static int apigw_spec_parameters(apigw_compile_t *c, apigw_operation_t *op,
    apigw_loc_t *list);
static int apigw_spec_parameter(apigw_compile_t *c, apigw_operation_t *op,
    apigw_loc_t *loc);
static int apigw_spec_param_style(apigw_compile_t *c, apigw_parameter_t *p,
    apigw_loc_t *loc);
static int apigw_spec_param_types(apigw_compile_t *c, apigw_parameter_t *p,
    apigw_loc_t *schema);
static apigw_type_e apigw_spec_schema_type(apigw_docset_t *docs,
    apigw_loc_t *schema);
static int apigw_spec_content(apigw_api_t *api, apigw_loc_t *loc,
    apigw_content_t *content, unsigned flags, apigw_error_t *err);
static int apigw_spec_compile_schema(apigw_api_t *api, apigw_loc_t *loc,
    unsigned flags, struct apigw_schema_s **schema, apigw_error_t *err);
static void apigw_spec_schema_locate(void *data, apigw_error_t *err);
static void apigw_spec_content_free(apigw_content_t *content);
static void apigw_spec_parameter_free(apigw_parameter_t *p);
static int apigw_media_is_json(const char *type, size_t len);


static const char  *apigw_param_in_names[] = {
    "path", "query", "header", "cookie", NULL
};

static const char  *apigw_param_style_names[] = {
    "simple", "form", "label", "matrix", "spaceDelimited", "pipeDelimited",
    "deepObject", NULL
};


int
apigw_spec_validation_init(apigw_compile_t *c, apigw_loc_t *root)
{
    unsigned      params, body, details;
    apigw_loc_t   loc;

    c->api->schemas = apigw_schema_set_create(c->api->oas31
                                              ? APIGW_DIALECT_2020_12
                                              : APIGW_DIALECT_OAS30,
                                              apigw_spec_resolve, c->api);
    if (c->api->schemas == NULL) {
        apigw_loc_error(c->err, root, "out of memory");
        return -1;
    }

    /* a pattern that cannot be compiled is a warning: that keyword only */
    apigw_schema_set_warnings(c->api->schemas, &c->api->warnings,
                              apigw_spec_schema_locate);

    params = 1;
    body = 1;
    details = 1;

    if (apigw_spec_member(root, &c->validators,
                          "x-amazon-apigateway-request-validators", NULL)
        == NULL)
    {
        c->validators.node = NULL;

    } else if (!json_is_object(c->validators.node)) {
        apigw_loc_error(c->err, &c->validators, "request validators must be "
                        "an object");
        return -1;
    }

    if (apigw_spec_member(root, &loc, "x-amazon-apigateway-request-validator",
                          NULL)
        && apigw_spec_validator(c, &loc, &params, &body) != 0)
    {
        return -1;
    }

    if (apigw_spec_validation_flags(c, root, &params, &body, &details) != 0) {
        return -1;
    }

    c->validate_params = params;
    c->validate_body = body;
    c->error_details = details;

    return 0;
}


/* schemas' $refs to other files: the documents the spec loaded */
static json_t *
apigw_spec_resolve(void *data, const char *uri, char *errbuf, size_t errlen)
{
    apigw_api_t  *api;
    apigw_doc_t  *doc;

    api = data;

    if (strncmp(uri, "file://", 7) == 0) {
        for (doc = api->docs->docs; doc; doc = doc->next) {
            if (strcmp(doc->path, uri + 7) == 0) {
                return doc->root;
            }
        }
    }

    snprintf(errbuf, errlen, "\"%s\" is not a document of this spec (only "
             "files reached by $ref are)", uri);

    return NULL;
}


/* x-apigw-validation: {parameters: bool, body: bool, details: bool} */
static int
apigw_spec_validation_flags(apigw_compile_t *c, apigw_loc_t *loc,
    unsigned *params, unsigned *body, unsigned *details)
{
    json_t       *ext, *v;
    unsigned     *flag;
    const char   *key;
    apigw_loc_t   eloc, vloc;

    ext = apigw_spec_member(loc, &eloc, "x-apigw-validation", NULL);

    if (ext == NULL) {
        return 0;
    }

    if (!json_is_object(ext)) {
        apigw_loc_error(c->err, &eloc, "x-apigw-validation must be an object");
        return -1;
    }

    json_object_foreach(ext, key, v) {
        apigw_loc_child(&eloc, &vloc, key, v);

        if (strcmp(key, "parameters") == 0) {
            flag = params;

        } else if (strcmp(key, "body") == 0) {
            flag = body;

        } else if (strcmp(key, "details") == 0) {
            flag = details;

        } else {
            apigw_loc_error(c->err, &vloc, "unknown key (expected "
                            "parameters, body or details)");
            return -1;
        }

        if (!json_is_boolean(v)) {
            apigw_loc_error(c->err, &vloc, "must be true or false");
            return -1;
        }

        *flag = json_is_true(v);
    }

    return 0;
}


/* x-amazon-apigateway-request-validator: "name" of a declared validator */
static int
apigw_spec_validator(apigw_compile_t *c, apigw_loc_t *loc, unsigned *params,
    unsigned *body)
{
    json_t      *v, *flag;
    const char  *name;

    name = json_string_value(loc->node);

    if (name == NULL) {
        apigw_loc_error(c->err, loc, "a request validator must be named by a "
                        "string");
        return -1;
    }

    v = c->validators.node ? json_object_get(c->validators.node, name) : NULL;

    if (!json_is_object(v)) {
        apigw_loc_error(c->err, loc, "request validator \"%s\" is not in "
                        "x-amazon-apigateway-request-validators", name);
        return -1;
    }

    flag = json_object_get(v, "validateRequestParameters");
    *params = json_is_true(flag);

    flag = json_object_get(v, "validateRequestBody");
    *body = json_is_true(flag);

    return 0;
}


int
apigw_spec_validation(apigw_compile_t *c, apigw_operation_t *op,
    apigw_loc_t *item)
{
    unsigned      params, body, details;
    apigw_loc_t   loc;

    params = c->validate_params;
    body = c->validate_body;
    details = c->error_details;

    if (apigw_spec_member(&op->loc, &loc,
                          "x-amazon-apigateway-request-validator", NULL)
        && apigw_spec_validator(c, &loc, &params, &body) != 0)
    {
        return -1;
    }

    if (apigw_spec_validation_flags(c, &op->loc, &params, &body, &details)
        != 0)
    {
        return -1;
    }

    op->validate_params = params;
    op->validate_body = body;
    op->error_details = details;

    /* path item parameters first: the operation's replace them by name */

    if (apigw_spec_member(item, &loc, "parameters", NULL)
        && apigw_spec_parameters(c, op, &loc) != 0)
    {
        return -1;
    }

    if (apigw_spec_member(&op->loc, &loc, "parameters", NULL)
        && apigw_spec_parameters(c, op, &loc) != 0)
    {
        return -1;
    }

    if (apigw_spec_member(&op->loc, &loc, "requestBody", NULL) == NULL) {
        return 0;
    }

    if (apigw_deref(c->api->docs, &loc, c->err) != 0) {
        return -1;
    }

    if (!json_is_object(loc.node)) {
        apigw_loc_error(c->err, &loc, "requestBody must be an object");
        return -1;
    }

    op->body.declared = 1;
    op->body.required = json_is_true(json_object_get(loc.node, "required"));

    if (apigw_spec_member(&loc, &loc, "content", NULL) == NULL) {
        apigw_loc_error(c->err, &loc, "requestBody needs \"content\"");
        return -1;
    }

    return apigw_spec_content(c->api, &loc, &op->body, APIGW_SCHEMA_REQUEST,
                              c->err);
}


static int
apigw_spec_parameters(apigw_compile_t *c, apigw_operation_t *op,
    apigw_loc_t *list)
{
    size_t        i;
    json_t       *p;
    apigw_loc_t   ploc;

    if (!json_is_array(list->node)) {
        apigw_loc_error(c->err, list, "parameters must be an array");
        return -1;
    }

    json_array_foreach(list->node, i, p) {
        apigw_loc_index(list, &ploc, i, p);

        if (apigw_deref(c->api->docs, &ploc, c->err) != 0
            || apigw_spec_parameter(c, op, &ploc) != 0)
        {
            return -1;
        }
    }

    return 0;
}


static int
apigw_spec_parameter(apigw_compile_t *c, apigw_operation_t *op,
    apigw_loc_t *loc)
{
    int                 in;
    size_t              i;
    json_t             *v;
    const char         *name, *s;
    apigw_loc_t         vloc;
    apigw_parameter_t  *p, *params;

    p = NULL;

    if (!json_is_object(loc->node)) {
        apigw_loc_error(c->err, loc, "a parameter must be an object");
        return -1;
    }

    v = apigw_spec_member(loc, &vloc, "name", NULL);
    name = json_string_value(v);

    if (name == NULL || name[0] == '\0') {
        apigw_loc_error(c->err, v ? &vloc : loc, "a parameter needs a "
                        "\"name\" string");
        return -1;
    }

    v = apigw_spec_member(loc, &vloc, "in", NULL);
    s = json_string_value(v);

    for (in = 0; s && apigw_param_in_names[in]; in++) {
        if (strcmp(s, apigw_param_in_names[in]) == 0) {
            break;
        }
    }

    if (s == NULL || apigw_param_in_names[in] == NULL) {
        apigw_loc_error(c->err, v ? &vloc : loc, "\"in\" must be path, "
                        "query, header or cookie");
        return -1;
    }

    /* OpenAPI: these header parameters are ignored */
    if (in == APIGW_IN_HEADER
        && (strcasecmp(name, "Accept") == 0
            || strcasecmp(name, "Content-Type") == 0
            || strcasecmp(name, "Authorization") == 0))
    {
        return 0;
    }

    for (i = 0; i < op->nparameters; i++) {
        p = &op->parameters[i];

        if (p->in == (apigw_param_in_e) in
            && (in == APIGW_IN_HEADER ? strcasecmp(p->name, name)
                                      : strcmp(p->name, name)) == 0)
        {
            /* the operation's own replaces the path item's */
            apigw_spec_parameter_free(p);
            memset(p, 0, sizeof(apigw_parameter_t));
            break;
        }
    }

    if (i == op->nparameters) {
        params = realloc(op->parameters,
                         (op->nparameters + 1) * sizeof(apigw_parameter_t));
        if (params == NULL) {
            goto nomem;
        }

        op->parameters = params;
        op->nparameters++;
        p = &params[i];
        memset(p, 0, sizeof(apigw_parameter_t));
    }

    p->name = strdup(name);
    if (p->name == NULL) {
        goto nomem;
    }

    p->name_len = strlen(name);
    p->in = in;

    if (in == APIGW_IN_PATH) {
        for (i = 0; i < op->nparams; i++) {
            if (strcmp(op->param_names[i], name) == 0) {
                break;
            }
        }

        if (i == op->nparams) {
            /* no request can give it: left out, the operation loads */
            apigw_loc_error(c->err, loc, "path parameter \"%s\" is not in "
                            "the path \"%s\": it is left out", name,
                            op->path);

            free(p->name);
            i = p - op->parameters;
            memmove(p, p + 1,
                    (op->nparameters - i - 1) * sizeof(apigw_parameter_t));
            op->nparameters--;

            return apigw_warn(&c->api->warnings, c->err);
        }

        p->path_index = i;
    }

    v = json_object_get(loc->node, "required");
    p->required = json_is_true(v) || in == APIGW_IN_PATH;

    v = json_object_get(loc->node, "allowEmptyValue");
    p->allow_empty = json_is_true(v);

    if (apigw_spec_param_style(c, p, loc) != 0) {
        return -1;
    }

    if (apigw_spec_member(loc, &vloc, "schema", NULL)) {
        if (apigw_spec_param_types(c, p, &vloc) != 0) {
            return -1;
        }

        return apigw_spec_compile_schema(c->api, &vloc, APIGW_SCHEMA_REQUEST,
                                         &p->schema, c->err);
    }

    if (apigw_spec_member(loc, &vloc, "content", NULL)) {
        /* a value in a media type: JSON is parsed, the rest is a string */
        if (!json_is_object(vloc.node) || json_object_size(vloc.node) != 1) {
            apigw_loc_error(c->err, &vloc, "a parameter's content must "
                            "hold exactly one media type");
            return -1;
        }

        json_object_foreach(vloc.node, s, v) {
            apigw_loc_child(&vloc, &vloc, s, v);
            break;
        }

        if (apigw_media_is_json(s, strlen(s))) {
            p->json = 1;
        }

        if (json_is_object(vloc.node)
            && apigw_spec_member(&vloc, &vloc, "schema", NULL))
        {
            return apigw_spec_compile_schema(c->api, &vloc,
                                             APIGW_SCHEMA_REQUEST, &p->schema,
                                             c->err);
        }
    }

    return 0;

nomem:

    apigw_loc_error(c->err, loc, "out of memory");
    return -1;
}


static int
apigw_spec_param_style(apigw_compile_t *c, apigw_parameter_t *p,
    apigw_loc_t *loc)
{
    int           style, ok;
    json_t       *v;
    const char   *s;
    apigw_loc_t   vloc;

    style = (p->in == APIGW_IN_QUERY || p->in == APIGW_IN_COOKIE)
            ? APIGW_STYLE_FORM : APIGW_STYLE_SIMPLE;

    v = apigw_spec_member(loc, &vloc, "style", NULL);

    if (v) {
        s = json_string_value(v);

        for (style = 0; s && apigw_param_style_names[style]; style++) {
            if (strcmp(s, apigw_param_style_names[style]) == 0) {
                break;
            }
        }

        if (s == NULL || apigw_param_style_names[style] == NULL) {
            apigw_loc_error(c->err, &vloc, "unknown parameter style");
            return -1;
        }

        switch (style) {

        case APIGW_STYLE_SIMPLE:
            ok = (p->in == APIGW_IN_PATH || p->in == APIGW_IN_HEADER);
            break;

        case APIGW_STYLE_FORM:
            ok = (p->in == APIGW_IN_QUERY || p->in == APIGW_IN_COOKIE);
            break;

        case APIGW_STYLE_LABEL:
        case APIGW_STYLE_MATRIX:
            ok = (p->in == APIGW_IN_PATH);
            break;

        default:
            ok = (p->in == APIGW_IN_QUERY);
        }

        if (!ok) {
            apigw_loc_error(c->err, &vloc, "style \"%s\" does not apply to "
                            "%s parameters", s, apigw_param_in_names[p->in]);
            return -1;
        }
    }

    p->style = style;
    p->explode = (style == APIGW_STYLE_FORM);

    v = apigw_spec_member(loc, &vloc, "explode", NULL);

    if (v) {
        if (!json_is_boolean(v)) {
            apigw_loc_error(c->err, &vloc, "explode must be true or false");
            return -1;
        }

        p->explode = json_is_true(v);
    }

    return 0;
}


/* how the parameter's text converts: from its schema's "type" */
static int
apigw_spec_param_types(apigw_compile_t *c, apigw_parameter_t *p,
    apigw_loc_t *schema)
{
    json_t              *props, *prop;
    const char          *name;
    apigw_loc_t          sloc, ploc, iloc;
    apigw_param_prop_t  *pp;

    sloc = *schema;

    if (apigw_deref(c->api->docs, &sloc, c->err) != 0) {
        return -1;
    }

    p->type = apigw_spec_schema_type(c->api->docs, &sloc);

    if (p->type == APIGW_TYPE_ARRAY) {
        if (apigw_spec_member(&sloc, &iloc, "items", NULL)) {
            if (apigw_deref(c->api->docs, &iloc, c->err) != 0) {
                return -1;
            }

            p->item_type = apigw_spec_schema_type(c->api->docs, &iloc);

            if (p->item_type == APIGW_TYPE_ARRAY
                || p->item_type == APIGW_TYPE_OBJECT)
            {
                p->item_type = APIGW_TYPE_STRING;
            }
        }

        return 0;
    }

    if (p->type != APIGW_TYPE_OBJECT) {
        return 0;
    }

    props = apigw_spec_member(&sloc, &ploc, "properties", NULL);

    if (!json_is_object(props)) {
        return 0;
    }

    p->props = calloc(json_object_size(props) + 1,
                      sizeof(apigw_param_prop_t));
    if (p->props == NULL) {
        apigw_loc_error(c->err, &ploc, "out of memory");
        return -1;
    }

    json_object_foreach(props, name, prop) {
        apigw_loc_child(&ploc, &iloc, name, prop);

        if (apigw_deref(c->api->docs, &iloc, c->err) != 0) {
            return -1;
        }

        pp = &p->props[p->nprops];
        pp->type = apigw_spec_schema_type(c->api->docs, &iloc);

        if (pp->type == APIGW_TYPE_ARRAY || pp->type == APIGW_TYPE_OBJECT) {
            pp->type = APIGW_TYPE_STRING;
        }

        pp->name = strdup(name);
        if (pp->name == NULL) {
            apigw_loc_error(c->err, &iloc, "out of memory");
            return -1;
        }

        p->nprops++;
    }

    return 0;
}


/* "type" (the first that is not "null"), else guessed from keywords */
static apigw_type_e
apigw_spec_schema_type(apigw_docset_t *docs, apigw_loc_t *schema)
{
    size_t        i;
    json_t       *type, *t, *list;
    const char   *s;
    apigw_loc_t   sub;
    apigw_error_t err;

    static const char  *names[] = {
        "string", "integer", "number", "boolean", "array", "object", NULL
    };

    if (!json_is_object(schema->node)) {
        return APIGW_TYPE_STRING;
    }

    type = json_object_get(schema->node, "type");
    s = json_string_value(type);

    if (json_is_array(type)) {
        json_array_foreach(type, i, t) {
            s = json_string_value(t);

            if (s && strcmp(s, "null") != 0) {
                break;
            }

            s = NULL;
        }
    }

    if (s) {
        for (i = 0; names[i]; i++) {
            if (strcmp(s, names[i]) == 0) {
                return (apigw_type_e) i;
            }
        }

        return APIGW_TYPE_STRING;
    }

    if (json_object_get(schema->node, "properties")) {
        return APIGW_TYPE_OBJECT;
    }

    if (json_object_get(schema->node, "items")) {
        return APIGW_TYPE_ARRAY;
    }

    /* allOf: [{$ref: ...}], oneOf of one type: the first branch says */

    list = json_object_get(schema->node, "allOf");

    if (list == NULL) {
        list = json_object_get(schema->node, "oneOf");
    }

    if (list == NULL) {
        list = json_object_get(schema->node, "anyOf");
    }

    if (json_is_array(list) && json_array_size(list) > 0) {
        apigw_loc_index(schema, &sub, 0, json_array_get(list, 0));

        if (apigw_deref(docs, &sub, &err) == 0 && sub.node != schema->node) {
            if (json_object_get(sub.node, "allOf") == NULL
                && json_object_get(sub.node, "oneOf") == NULL
                && json_object_get(sub.node, "anyOf") == NULL)
            {
                return apigw_spec_schema_type(docs, &sub);
            }
        }
    }

    return APIGW_TYPE_STRING;
}


/* a content map: {"application/json": {schema: ...}, ...} */
static int
apigw_spec_content(apigw_api_t *api, apigw_loc_t *loc,
    apigw_content_t *content, unsigned flags, apigw_error_t *err)
{
    char           *p;
    json_t         *mt;
    const char     *type;
    apigw_loc_t     mloc, sloc;
    apigw_media_t  *m;

    if (!json_is_object(loc->node)) {
        apigw_loc_error(err, loc, "content must be an object");
        return -1;
    }

    content->media = calloc(json_object_size(loc->node) + 1,
                            sizeof(apigw_media_t));
    if (content->media == NULL) {
        apigw_loc_error(err, loc, "out of memory");
        return -1;
    }

    json_object_foreach(loc->node, type, mt) {
        apigw_loc_child(loc, &mloc, type, mt);

        if (strchr(type, '/') == NULL) {
            apigw_loc_error(err, &mloc, "a media type must look like "
                            "\"type/subtype\"");
            return -1;
        }

        if (!json_is_object(mt)) {
            apigw_loc_error(err, &mloc, "a media type object must be an "
                            "object");
            return -1;
        }

        m = &content->media[content->nmedia++];

        m->type = strdup(type);
        if (m->type == NULL) {
            apigw_loc_error(err, &mloc, "out of memory");
            return -1;
        }

        /* "application/json; charset=utf-8": the parameters do not count */
        p = strchr(m->type, ';');

        if (p) {
            while (p > m->type && (p[-1] == ' ' || p[-1] == '\t')) {
                p--;
            }

            *p = '\0';
        }

        for (p = m->type; *p; p++) {
            if (*p >= 'A' && *p <= 'Z') {
                *p |= 0x20;
            }
        }

        m->type_len = strlen(m->type);
        m->json = apigw_media_is_json(m->type, m->type_len);

        if (apigw_spec_member(&mloc, &sloc, "schema", NULL)
            && apigw_spec_compile_schema(api, &sloc, flags, &m->schema, err)
               != 0)
        {
            return -1;
        }
    }

    return 0;
}


/* application/json, anything+json; and wildcards, which may hold JSON */
static int
apigw_media_is_json(const char *type, size_t len)
{
    return (len == 16 && strncasecmp(type, "application/json", 16) == 0)
           || (len > 5 && strncasecmp(type + len - 5, "+json", 5) == 0)
           || (len >= 2 && strncmp(type + len - 2, "/*", 2) == 0);
}


static int
apigw_spec_compile_schema(apigw_api_t *api, apigw_loc_t *loc, unsigned flags,
    struct apigw_schema_s **schema, apigw_error_t *err)
{
    char  uri[APIGW_URI_LEN];

    snprintf(uri, sizeof(uri), "file://%s", loc->doc->path);

    *schema = apigw_schema_compile(api->schemas, loc->doc->root, uri,
                                   loc->pointer, flags, err);
    if (*schema) {
        return 0;
    }

    apigw_spec_schema_locate(api, err);

    return -1;
}


/* the schema compiler names documents by URI: back to file and line */
static void
apigw_spec_schema_locate(void *data, apigw_error_t *err)
{
    json_t       *node;
    apigw_api_t  *api;
    apigw_doc_t  *doc;

    api = data;

    if (strncmp(err->file, "file://", 7) == 0) {
        memmove(err->file, err->file + 7, strlen(err->file + 7) + 1);
    }

    for (doc = api->docs->docs; doc; doc = doc->next) {
        if (strcmp(doc->path, err->file) == 0) {
            node = apigw_pointer_get(doc->root, err->pointer,
                                     strlen(err->pointer));
            if (node) {
                err->line = apigw_linemap_find(doc->lines, node);
            }

            break;
        }
    }
}


int
apigw_api_compile_responses(apigw_api_t *api, apigw_error_t *err)
{
    int                     status;
    size_t                  i;
    json_t                 *responses, *r;
    const char             *key;
    apigw_loc_t             loc, rloc, cloc;
    apigw_operation_t      *op;
    apigw_response_decl_t  *decl;

    if (api->responses_compiled) {
        return 0;
    }

    api->responses_compiled = 1;

    for (i = 0; i < api->nops; i++) {
        op = &api->ops[i];

        responses = apigw_spec_member(&op->loc, &loc, "responses", NULL);

        if (!json_is_object(responses)) {
            continue;
        }

        op->responses = calloc(json_object_size(responses) + 1,
                               sizeof(apigw_response_decl_t));
        if (op->responses == NULL) {
            apigw_loc_error(err, &loc, "out of memory");
            return -1;
        }

        json_object_foreach(responses, key, r) {
            if (strncmp(key, "x-", 2) == 0) {
                continue;
            }

            apigw_loc_child(&loc, &rloc, key, r);

            if (strcmp(key, "default") == 0) {
                status = 0;

            } else if (strlen(key) == 3 && key[0] >= '1' && key[0] <= '5'
                       && (key[1] | 0x20) == 'x' && (key[2] | 0x20) == 'x')
            {
                status = key[0] - '0';

            } else if (strlen(key) == 3 && key[0] >= '1' && key[0] <= '5'
                       && key[1] >= '0' && key[1] <= '9'
                       && key[2] >= '0' && key[2] <= '9')
            {
                status = atoi(key);

            } else {
                apigw_loc_error(err, &rloc, "a response key must be a status "
                                "code, \"2XX\" or \"default\"");
                return -1;
            }

            if (apigw_deref(api->docs, &rloc, err) != 0) {
                return -1;
            }

            decl = &op->responses[op->nresponses++];
            decl->status = status;

            if (json_is_object(rloc.node)
                && apigw_spec_member(&rloc, &cloc, "content", NULL)
                && apigw_spec_content(api, &cloc, &decl->content,
                                      APIGW_SCHEMA_RESPONSE, err) != 0)
            {
                return -1;
            }
        }
    }

    return 0;
}


void
apigw_spec_validation_free(apigw_operation_t *op)
{
    size_t  i;

    for (i = 0; i < op->nparameters; i++) {
        apigw_spec_parameter_free(&op->parameters[i]);
    }

    free(op->parameters);
    apigw_spec_content_free(&op->body);

    for (i = 0; i < op->nresponses; i++) {
        apigw_spec_content_free(&op->responses[i].content);
    }

    free(op->responses);
}


static void
apigw_spec_parameter_free(apigw_parameter_t *p)
{
    size_t  i;

    for (i = 0; i < p->nprops; i++) {
        free(p->props[i].name);
    }

    free(p->props);
    free(p->name);
}


static void
apigw_spec_content_free(apigw_content_t *content)
{
    size_t  i;

    for (i = 0; i < content->nmedia; i++) {
        free(content->media[i].type);
    }

    free(content->media);
}
