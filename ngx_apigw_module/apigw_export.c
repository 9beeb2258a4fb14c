
/*
 * Copyright (C) apigw contributors
 */


#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "apigw_export.h"


/*
 * A bundled document written out as JSON or YAML, in one walk that knows
 * where each node stands (apigw_export_member_kind()), so that only
 * extensions are dropped, never a property, a header or an example that
 * happens to be named "x-apigw-...", and servers is replaced where it
 * names the API's location.  The document is read, never changed: a
 * request writes it out from the tree bundled at load time.
 */


#define APIGW_EXPORT_MAX_DEPTH  2048
#define APIGW_EXPORT_BUF_SIZE   16384
#define APIGW_EXPORT_GW         "x-amazon-apigateway-"
#define APIGW_EXPORT_APIGW_X    "x-apigw-"


typedef struct {
    const apigw_export_opts_t  *opts;
    char                       *errbuf;
    size_t                      errlen;
    int                         failed;
    unsigned                    indent;         /* JSON */
    size_t                      len;
    yaml_emitter_t              emitter;        /* YAML */
    char                        buf[APIGW_EXPORT_BUF_SIZE];
} apigw_export_ctx_t;


static void apigw_export_node(apigw_export_ctx_t *ctx, const json_t *node,
    int kind, int api, unsigned depth);
static void apigw_export_object(apigw_export_ctx_t *ctx, const json_t *node,
    int kind, int api, unsigned depth);
static void apigw_export_servers(apigw_export_ctx_t *ctx);
static void apigw_export_fail(apigw_export_ctx_t *ctx, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void apigw_export_out(apigw_export_ctx_t *ctx, const char *s,
    size_t len);
static void apigw_export_flush(apigw_export_ctx_t *ctx);
static void apigw_export_newline(apigw_export_ctx_t *ctx, size_t n);
static void apigw_export_start(apigw_export_ctx_t *ctx, int object);
static void apigw_export_end(apigw_export_ctx_t *ctx, int object, size_t n);
static void apigw_export_item(apigw_export_ctx_t *ctx, size_t n);
static void apigw_export_key(apigw_export_ctx_t *ctx, const char *key,
    size_t len, size_t n);
static void apigw_export_scalar(apigw_export_ctx_t *ctx, const json_t *node);
static void apigw_export_string(apigw_export_ctx_t *ctx, const char *s,
    size_t len);
static void apigw_export_json_string(apigw_export_ctx_t *ctx, const char *s,
    size_t len);
static int apigw_export_plain_safe(const char *s, size_t len);
static int apigw_export_yaml_style(const char *s, size_t len);
static void apigw_export_yaml_emit(apigw_export_ctx_t *ctx,
    yaml_event_t *ev, int ok);
static int apigw_export_yaml_write(void *data, unsigned char *buf,
    size_t size);
static size_t apigw_export_real(double d, char *buf, size_t size);
static int apigw_export_is(const char *key, const char *name);


static const char  *apigw_export_methods[] = {
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
    APIGW_EXPORT_GW "any-method", NULL
};


typedef struct {
    const char             *name;
    int                     kind;
} apigw_export_member_t;


static const apigw_export_member_t  apigw_export_schema_members[] = {
    { "properties", APIGW_EXPORT_MAP | APIGW_EXPORT_SCHEMA },
    { "patternProperties", APIGW_EXPORT_MAP | APIGW_EXPORT_SCHEMA },
    { "$defs", APIGW_EXPORT_MAP | APIGW_EXPORT_SCHEMA },
    { "definitions", APIGW_EXPORT_MAP | APIGW_EXPORT_SCHEMA },
    { "dependentSchemas", APIGW_EXPORT_MAP | APIGW_EXPORT_SCHEMA },
    { "dependencies", APIGW_EXPORT_MAP | APIGW_EXPORT_SCHEMA },
    { "allOf", APIGW_EXPORT_LIST | APIGW_EXPORT_SCHEMA },
    { "anyOf", APIGW_EXPORT_LIST | APIGW_EXPORT_SCHEMA },
    { "oneOf", APIGW_EXPORT_LIST | APIGW_EXPORT_SCHEMA },
    { "prefixItems", APIGW_EXPORT_LIST | APIGW_EXPORT_SCHEMA },
    { "not", APIGW_EXPORT_SCHEMA },
    { "additionalProperties", APIGW_EXPORT_SCHEMA },
    { "additionalItems", APIGW_EXPORT_SCHEMA },
    { "contains", APIGW_EXPORT_SCHEMA },
    { "propertyNames", APIGW_EXPORT_SCHEMA },
    { "if", APIGW_EXPORT_SCHEMA },
    { "then", APIGW_EXPORT_SCHEMA },
    { "else", APIGW_EXPORT_SCHEMA },
    { "unevaluatedItems", APIGW_EXPORT_SCHEMA },
    { "unevaluatedProperties", APIGW_EXPORT_SCHEMA },
    { "contentSchema", APIGW_EXPORT_SCHEMA },
    { "discriminator", APIGW_EXPORT_DISCRIMINATOR },
    { "xml", APIGW_EXPORT_GENERIC },
    { "externalDocs", APIGW_EXPORT_GENERIC },
    { NULL, 0 }
};


static const apigw_export_member_t  apigw_export_components_members[] = {
    { "schemas", APIGW_EXPORT_MAP | APIGW_EXPORT_SCHEMA },
    { "responses", APIGW_EXPORT_MAP | APIGW_EXPORT_RESPONSE },
    { "parameters", APIGW_EXPORT_MAP | APIGW_EXPORT_PARAMETER },
    { "examples", APIGW_EXPORT_MAP | APIGW_EXPORT_EXAMPLE },
    { "requestBodies", APIGW_EXPORT_MAP | APIGW_EXPORT_REQUEST_BODY },
    { "headers", APIGW_EXPORT_MAP | APIGW_EXPORT_HEADER },
    { "securitySchemes", APIGW_EXPORT_MAP | APIGW_EXPORT_SECURITY_SCHEME },
    { "links", APIGW_EXPORT_MAP | APIGW_EXPORT_LINK },
    { "callbacks", APIGW_EXPORT_MAP | APIGW_EXPORT_CALLBACK },
    { "pathItems", APIGW_EXPORT_MAP | APIGW_EXPORT_PATH_ITEM },
    { NULL, 0 }
};


/* members of the other kinds: the kind they are in, the name, the kind */
typedef struct {
    int                     in;
    const char             *name;
    int                     kind;
} apigw_export_field_t;


static const apigw_export_field_t  apigw_export_fields[] = {
    { APIGW_EXPORT_ROOT, "paths", APIGW_EXPORT_PATHS },
    { APIGW_EXPORT_ROOT, "webhooks",
      APIGW_EXPORT_MAP | APIGW_EXPORT_PATH_ITEM },
    { APIGW_EXPORT_ROOT, "components", APIGW_EXPORT_COMPONENTS },
    { APIGW_EXPORT_ROOT, "tags", APIGW_EXPORT_LIST | APIGW_EXPORT_GENERIC },
    { APIGW_EXPORT_ROOT, "security", APIGW_EXPORT_DATA },

    { APIGW_EXPORT_PATH_ITEM, "parameters",
      APIGW_EXPORT_LIST | APIGW_EXPORT_PARAMETER },

    { APIGW_EXPORT_OPERATION, "parameters",
      APIGW_EXPORT_LIST | APIGW_EXPORT_PARAMETER },
    { APIGW_EXPORT_OPERATION, "requestBody", APIGW_EXPORT_REQUEST_BODY },
    { APIGW_EXPORT_OPERATION, "responses", APIGW_EXPORT_RESPONSES },
    { APIGW_EXPORT_OPERATION, "callbacks",
      APIGW_EXPORT_MAP | APIGW_EXPORT_CALLBACK },
    { APIGW_EXPORT_OPERATION, "security", APIGW_EXPORT_DATA },
    { APIGW_EXPORT_OPERATION, "tags", APIGW_EXPORT_DATA },

    { APIGW_EXPORT_PARAMETER, "schema", APIGW_EXPORT_SCHEMA },
    { APIGW_EXPORT_PARAMETER, "content",
      APIGW_EXPORT_MAP | APIGW_EXPORT_MEDIA_TYPE },
    { APIGW_EXPORT_PARAMETER, "examples",
      APIGW_EXPORT_MAP | APIGW_EXPORT_EXAMPLE },
    { APIGW_EXPORT_PARAMETER, "example", APIGW_EXPORT_DATA },

    { APIGW_EXPORT_HEADER, "schema", APIGW_EXPORT_SCHEMA },
    { APIGW_EXPORT_HEADER, "content",
      APIGW_EXPORT_MAP | APIGW_EXPORT_MEDIA_TYPE },
    { APIGW_EXPORT_HEADER, "examples",
      APIGW_EXPORT_MAP | APIGW_EXPORT_EXAMPLE },
    { APIGW_EXPORT_HEADER, "example", APIGW_EXPORT_DATA },

    { APIGW_EXPORT_REQUEST_BODY, "content",
      APIGW_EXPORT_MAP | APIGW_EXPORT_MEDIA_TYPE },

    { APIGW_EXPORT_RESPONSE, "headers",
      APIGW_EXPORT_MAP | APIGW_EXPORT_HEADER },
    { APIGW_EXPORT_RESPONSE, "content",
      APIGW_EXPORT_MAP | APIGW_EXPORT_MEDIA_TYPE },
    { APIGW_EXPORT_RESPONSE, "links", APIGW_EXPORT_MAP | APIGW_EXPORT_LINK },

    { APIGW_EXPORT_MEDIA_TYPE, "schema", APIGW_EXPORT_SCHEMA },
    { APIGW_EXPORT_MEDIA_TYPE, "examples",
      APIGW_EXPORT_MAP | APIGW_EXPORT_EXAMPLE },
    { APIGW_EXPORT_MEDIA_TYPE, "example", APIGW_EXPORT_DATA },
    { APIGW_EXPORT_MEDIA_TYPE, "encoding",
      APIGW_EXPORT_MAP | APIGW_EXPORT_ENCODING },

    { APIGW_EXPORT_ENCODING, "headers",
      APIGW_EXPORT_MAP | APIGW_EXPORT_HEADER },

    { APIGW_EXPORT_EXAMPLE, "value", APIGW_EXPORT_DATA },

    { APIGW_EXPORT_LINK, "parameters", APIGW_EXPORT_MAP | APIGW_EXPORT_DATA },
    { APIGW_EXPORT_LINK, "requestBody", APIGW_EXPORT_DATA },

    { APIGW_EXPORT_DISCRIMINATOR, "mapping",
      APIGW_EXPORT_MAP | APIGW_EXPORT_DATA },

    /* in any object of fixed fields: OAuth flows, server variables */
    { APIGW_EXPORT_GENERIC, "scopes", APIGW_EXPORT_MAP | APIGW_EXPORT_DATA },
    { APIGW_EXPORT_GENERIC, "variables",
      APIGW_EXPORT_MAP | APIGW_EXPORT_GENERIC },

    { 0, NULL, 0 }
};


int
apigw_export_member_kind(int kind, const char *key, const json_t *value)
{
    const char                   **m;
    const apigw_export_field_t    *f;
    const apigw_export_member_t   *t;

    switch (kind) {

    case APIGW_EXPORT_DATA:
        return APIGW_EXPORT_DATA;

    case APIGW_EXPORT_PATHS:
    case APIGW_EXPORT_CALLBACK:
        return APIGW_EXPORT_PATH_ITEM;

    case APIGW_EXPORT_RESPONSES:
        return APIGW_EXPORT_RESPONSE;

    case APIGW_EXPORT_SCHEMA:
        if (strcmp(key, "items") == 0) {
            return json_is_array(value)
                   ? APIGW_EXPORT_LIST | APIGW_EXPORT_SCHEMA
                   : APIGW_EXPORT_SCHEMA;
        }

        /* other keywords (example, default, enum...) are data */

        for (t = apigw_export_schema_members; t->name; t++) {
            if (strcmp(t->name, key) == 0) {
                return t->kind;
            }
        }

        return APIGW_EXPORT_DATA;

    case APIGW_EXPORT_COMPONENTS:
        for (t = apigw_export_components_members; t->name; t++) {
            if (strcmp(t->name, key) == 0) {
                return t->kind;
            }
        }

        return APIGW_EXPORT_GENERIC;

    case APIGW_EXPORT_PATH_ITEM:
        for (m = apigw_export_methods; *m; m++) {
            if (strcmp(*m, key) == 0) {
                return APIGW_EXPORT_OPERATION;
            }
        }

        break;

    default:
        break;
    }

    for (f = apigw_export_fields; f->name; f++) {
        if ((f->in == kind || f->in == APIGW_EXPORT_GENERIC)
            && strcmp(f->name, key) == 0)
        {
            return f->kind;
        }
    }

    return APIGW_EXPORT_GENERIC;
}


int
apigw_export_is_extension(int kind, const char *key)
{
    if (kind == APIGW_EXPORT_DATA
        || (kind & (APIGW_EXPORT_MAP | APIGW_EXPORT_LIST)))
    {
        return 0;
    }

    return (key[0] == 'x' || key[0] == 'X') && key[1] == '-';
}


/* AWS's groups (integrations, authorizers), then the prefixes */
int
apigw_export_keep(const char *key, unsigned extensions)
{
    const char  *name;

    if (strncasecmp(key, APIGW_EXPORT_GW, sizeof(APIGW_EXPORT_GW) - 1) == 0) {
        name = key + sizeof(APIGW_EXPORT_GW) - 1;

        /* an operation for any method, not a setting of the gateway's */
        if (apigw_export_is(name, "any-method")) {
            return 1;
        }

        if (extensions & APIGW_EXPORT_APIGATEWAY) {
            return 1;
        }

        if (apigw_export_is(name, "integration")
            || apigw_export_is(name, "integrations"))
        {
            return (extensions & APIGW_EXPORT_INTEGRATIONS) != 0;
        }

        if (apigw_export_is(name, "authorizer")
            || apigw_export_is(name, "authtype"))
        {
            return (extensions & APIGW_EXPORT_AUTHORIZERS) != 0;
        }

        return 0;
    }

    if (strncasecmp(key, APIGW_EXPORT_APIGW_X,
                    sizeof(APIGW_EXPORT_APIGW_X) - 1)
        == 0)
    {
        name = key + sizeof(APIGW_EXPORT_APIGW_X) - 1;

        if (extensions & APIGW_EXPORT_APIGW) {
            return 1;
        }

        if (apigw_export_is(name, "integration")) {
            return (extensions & APIGW_EXPORT_INTEGRATIONS) != 0;
        }

        if (apigw_export_is(name, "authorizer")
            || apigw_export_is(name, "jwt"))
        {
            return (extensions & APIGW_EXPORT_AUTHORIZERS) != 0;
        }

        return 0;
    }

    return 1;
}


static int
apigw_export_is(const char *key, const char *name)
{
    return strcasecmp(key, name) == 0;
}


int
apigw_export_extensions(const char *list, size_t len, unsigned *extensions,
    char *errbuf, size_t errlen)
{
    char         shown[65];
    size_t       i, n;
    unsigned     mask;
    const char  *p, *end, *item;

    static const struct {
        const char  *name;
        unsigned     mask;
    } names[] = {
        { "integrations", APIGW_EXPORT_INTEGRATIONS },
        { "authorizers", APIGW_EXPORT_AUTHORIZERS },
        { "apigateway", APIGW_EXPORT_APIGATEWAY },
        { "apigw", APIGW_EXPORT_APIGW },
        { NULL, 0 }
    };

    mask = 0;
    p = list;
    end = list + len;

    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == ',')) {
            p++;
        }

        item = p;

        while (p < end && *p != ',') {
            p++;
        }

        n = p - item;

        while (n && (item[n - 1] == ' ' || item[n - 1] == '\t')) {
            n--;
        }

        if (n == 0) {
            continue;
        }

        for (i = 0; names[i].name; i++) {
            if (strlen(names[i].name) == n
                && strncasecmp(names[i].name, item, n) == 0)
            {
                mask |= names[i].mask;
                break;
            }
        }

        if (names[i].name == NULL) {
            /* the client's text, made printable */
            for (i = 0; i < n && i < sizeof(shown) - 1; i++) {
                shown[i] = (item[i] >= 0x20 && item[i] < 0x7f
                            && item[i] != '"' && item[i] != '\\')
                           ? item[i] : '?';
            }

            shown[i] = '\0';

            snprintf(errbuf, errlen, "unknown extensions value \"%s\": "
                     "integrations, authorizers, apigateway or apigw, "
                     "comma-separated", shown);
            return -1;
        }
    }

    *extensions = mask;

    return 0;
}


int
apigw_export_write(const json_t *doc, const apigw_export_opts_t *opts,
    char *errbuf, size_t errlen)
{
    int                  ok;
    yaml_event_t         ev;
    apigw_export_ctx_t  *ctx;

    ctx = calloc(1, sizeof(apigw_export_ctx_t));
    if (ctx == NULL) {
        snprintf(errbuf, errlen, "out of memory");
        return -1;
    }

    ctx->opts = opts;
    ctx->errbuf = errbuf;
    ctx->errlen = errlen;

    if (!opts->yaml) {
        apigw_export_node(ctx, doc, APIGW_EXPORT_ROOT, 0, 0);
        apigw_export_out(ctx, "\n", 1);
        apigw_export_flush(ctx);
        goto done;
    }

    if (!yaml_emitter_initialize(&ctx->emitter)) {
        free(ctx);
        snprintf(errbuf, errlen, "out of memory");
        return -1;
    }

    yaml_emitter_set_output(&ctx->emitter, apigw_export_yaml_write, ctx);
    yaml_emitter_set_unicode(&ctx->emitter, 1);
    yaml_emitter_set_indent(&ctx->emitter, 2);
    yaml_emitter_set_width(&ctx->emitter, -1);
    yaml_emitter_set_break(&ctx->emitter, YAML_LN_BREAK);

    ok = yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
    apigw_export_yaml_emit(ctx, &ev, ok);

    ok = yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
    apigw_export_yaml_emit(ctx, &ev, ok);

    apigw_export_node(ctx, doc, APIGW_EXPORT_ROOT, 0, 0);

    ok = yaml_document_end_event_initialize(&ev, 1);
    apigw_export_yaml_emit(ctx, &ev, ok);

    ok = yaml_stream_end_event_initialize(&ev);
    apigw_export_yaml_emit(ctx, &ev, ok);

    yaml_emitter_delete(&ctx->emitter);

done:

    ok = ctx->failed ? -1 : 0;
    free(ctx);

    return ok;
}


static void
apigw_export_node(apigw_export_ctx_t *ctx, const json_t *node, int kind,
    int api, unsigned depth)
{
    int      elem;
    size_t   i, n;
    json_t  *value;

    if (ctx->failed) {
        return;
    }

    if (depth > APIGW_EXPORT_MAX_DEPTH) {
        apigw_export_fail(ctx, "nesting is deeper than %d",
                          APIGW_EXPORT_MAX_DEPTH);
        return;
    }

    if (json_is_object(node)) {
        /* where a list should be, an object is data */
        apigw_export_object(ctx, node,
                            (kind & APIGW_EXPORT_LIST) ? APIGW_EXPORT_DATA
                                                       : kind,
                            api, depth);
        return;
    }

    if (!json_is_array(node)) {
        apigw_export_scalar(ctx, node);
        return;
    }

    elem = (kind & APIGW_EXPORT_LIST) ? APIGW_EXPORT_ELEM(kind)
                                      : APIGW_EXPORT_DATA;
    n = json_array_size(node);

    apigw_export_start(ctx, 0);

    for (i = 0; i < n; i++) {
        value = json_array_get(node, i);

        apigw_export_item(ctx, i);
        apigw_export_node(ctx, value, elem, api, depth + 1);
    }

    apigw_export_end(ctx, 0, n);
}


/*
 * api: below the API's paths, where servers is dropped from path items
 * and operations (not from callbacks, webhooks or components' path items,
 * which describe other servers)
 */
static void
apigw_export_object(apigw_export_ctx_t *ctx, const json_t *node, int kind,
    int api, unsigned depth)
{
    int          child, child_api, servers;
    void        *iter;
    size_t       n, klen;
    json_t      *value;
    const char  *key;

    /* at the root: servers in its place, or else after info */
    servers = (kind == APIGW_EXPORT_ROOT)
              ? (json_object_get(node, "servers") ? 1 : 2) : 0;
    n = 0;

    apigw_export_start(ctx, 1);

    for (iter = json_object_iter((json_t *) node);
         iter && !ctx->failed;
         iter = json_object_iter_next((json_t *) node, iter))
    {
        key = json_object_iter_key(iter);
        klen = json_object_iter_key_len(iter);
        value = json_object_iter_value(iter);

        child_api = api;

        if (kind & APIGW_EXPORT_MAP) {
            child = APIGW_EXPORT_ELEM(kind);

        } else if (apigw_export_is_extension(kind, key)) {
            if (!apigw_export_keep(key, ctx->opts->extensions)) {
                continue;
            }

            /* the value of an extension is data, but for an operation */
            child = (kind == APIGW_EXPORT_PATH_ITEM)
                    ? apigw_export_member_kind(kind, key, value)
                    : APIGW_EXPORT_DATA;

            if (child != APIGW_EXPORT_OPERATION) {
                child = APIGW_EXPORT_DATA;
            }

        } else if (servers == 1 && strcmp(key, "servers") == 0) {
            apigw_export_key(ctx, key, klen, n++);
            apigw_export_servers(ctx);
            servers = 0;
            continue;

        } else if (api && strcmp(key, "servers") == 0
                   && (kind == APIGW_EXPORT_PATH_ITEM
                       || kind == APIGW_EXPORT_OPERATION))
        {
            continue;

        } else {
            child = apigw_export_member_kind(kind, key, value);

            if (kind == APIGW_EXPORT_ROOT) {
                child_api = (strcmp(key, "paths") == 0);

            } else if (kind == APIGW_EXPORT_OPERATION
                       && strcmp(key, "callbacks") == 0)
            {
                child_api = 0;
            }
        }

        apigw_export_key(ctx, key, klen, n++);
        apigw_export_node(ctx, value, child, child_api, depth + 1);

        if (servers == 2 && strcmp(key, "info") == 0) {
            apigw_export_key(ctx, "servers", sizeof("servers") - 1, n++);
            apigw_export_servers(ctx);
            servers = 0;
        }
    }

    if (servers == 2) {
        apigw_export_key(ctx, "servers", sizeof("servers") - 1, n++);
        apigw_export_servers(ctx);
    }

    apigw_export_end(ctx, 1, n);
}


/* [{"url": server, "description": ...}] */
static void
apigw_export_servers(apigw_export_ctx_t *ctx)
{
    size_t                      n;
    const apigw_export_opts_t  *o;

    o = ctx->opts;
    n = 0;

    apigw_export_start(ctx, 0);
    apigw_export_item(ctx, 0);
    apigw_export_start(ctx, 1);

    apigw_export_key(ctx, "url", 3, n++);
    apigw_export_string(ctx, o->server ? o->server : "/",
                        o->server ? o->server_len : 1);

    if (o->description) {
        apigw_export_key(ctx, "description", sizeof("description") - 1,
                         n++);
        apigw_export_string(ctx, o->description, o->description_len);
    }

    apigw_export_end(ctx, 1, n);
    apigw_export_end(ctx, 0, 1);
}


static void
apigw_export_fail(apigw_export_ctx_t *ctx, const char *fmt, ...)
{
    va_list  args;

    if (ctx->failed) {
        return;
    }

    ctx->failed = 1;

    va_start(args, fmt);
    vsnprintf(ctx->errbuf, ctx->errlen, fmt, args);
    va_end(args);
}


/* JSON: buffered, then handed to the writer */

static void
apigw_export_out(apigw_export_ctx_t *ctx, const char *s, size_t len)
{
    size_t  n;

    while (len && !ctx->failed) {
        if (ctx->len == sizeof(ctx->buf)) {
            apigw_export_flush(ctx);
            continue;
        }

        n = sizeof(ctx->buf) - ctx->len;
        n = (len < n) ? len : n;

        memcpy(ctx->buf + ctx->len, s, n);
        ctx->len += n;
        s += n;
        len -= n;
    }
}


static void
apigw_export_flush(apigw_export_ctx_t *ctx)
{
    if (ctx->failed || ctx->len == 0) {
        return;
    }

    if (ctx->opts->write(ctx->opts->data, ctx->buf, ctx->len) != 0) {
        apigw_export_fail(ctx, "the output could not be written");
    }

    ctx->len = 0;
}


/* JSON: before a member or an item: ",", a line feed, the indentation */
static void
apigw_export_newline(apigw_export_ctx_t *ctx, size_t n)
{
    unsigned  i;

    if (n) {
        apigw_export_out(ctx, ",", 1);
    }

    apigw_export_out(ctx, "\n", 1);

    for (i = 0; i < ctx->indent; i++) {
        apigw_export_out(ctx, "  ", 2);
    }
}


static void
apigw_export_start(apigw_export_ctx_t *ctx, int object)
{
    int           ok;
    yaml_event_t  ev;

    if (!ctx->opts->yaml) {
        apigw_export_out(ctx, object ? "{" : "[", 1);
        ctx->indent++;
        return;
    }

    if (object) {
        ok = yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
                                                 YAML_BLOCK_MAPPING_STYLE);
    } else {
        ok = yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
                                                  YAML_BLOCK_SEQUENCE_STYLE);
    }

    apigw_export_yaml_emit(ctx, &ev, ok);
}


static void
apigw_export_end(apigw_export_ctx_t *ctx, int object, size_t n)
{
    int           ok;
    yaml_event_t  ev;

    if (!ctx->opts->yaml) {
        ctx->indent--;

        if (n) {
            apigw_export_newline(ctx, 0);
        }

        apigw_export_out(ctx, object ? "}" : "]", 1);
        return;
    }

    ok = object ? yaml_mapping_end_event_initialize(&ev)
                : yaml_sequence_end_event_initialize(&ev);

    apigw_export_yaml_emit(ctx, &ev, ok);
}


static void
apigw_export_item(apigw_export_ctx_t *ctx, size_t n)
{
    if (!ctx->opts->yaml) {
        apigw_export_newline(ctx, n);
    }
}


static void
apigw_export_key(apigw_export_ctx_t *ctx, const char *key, size_t len,
    size_t n)
{
    if (!ctx->opts->yaml) {
        apigw_export_newline(ctx, n);
        apigw_export_json_string(ctx, key, len);
        apigw_export_out(ctx, ": ", 2);
        return;
    }

    apigw_export_string(ctx, key, len);
}


static void
apigw_export_scalar(apigw_export_ctx_t *ctx, const json_t *node)
{
    int           ok;
    char          buf[64];
    size_t        len;
    yaml_event_t  ev;

    switch (json_typeof(node)) {

    case JSON_STRING:
        apigw_export_string(ctx, json_string_value(node),
                            json_string_length(node));
        return;

    case JSON_INTEGER:
        len = snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT,
                       json_integer_value(node));
        break;

    case JSON_REAL:
        len = apigw_export_real(json_real_value(node), buf, sizeof(buf));
        break;

    case JSON_TRUE:
        len = sizeof("true") - 1;
        memcpy(buf, "true", len);
        break;

    case JSON_FALSE:
        len = sizeof("false") - 1;
        memcpy(buf, "false", len);
        break;

    default:
        len = sizeof("null") - 1;
        memcpy(buf, "null", len);
        break;
    }

    if (!ctx->opts->yaml) {
        apigw_export_out(ctx, buf, len);
        return;
    }

    ok = yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *) buf,
                                      (int) len, 1, 0,
                                      YAML_PLAIN_SCALAR_STYLE);
    apigw_export_yaml_emit(ctx, &ev, ok);
}


static void
apigw_export_string(apigw_export_ctx_t *ctx, const char *s, size_t len)
{
    int           ok;
    yaml_event_t  ev;

    if (!ctx->opts->yaml) {
        apigw_export_json_string(ctx, s, len);
        return;
    }

    if (len > 0x7fffffff) {
        apigw_export_fail(ctx, "a string is too long");
        return;
    }

    /*
     * plain when it cannot be read as anything but a string; libyaml
     * quotes it where plain is not allowed at all
     */
    ok = yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *) s,
                                      (int) len,
                                      apigw_export_plain_safe(s, len), 1,
                                      apigw_export_yaml_style(s, len));
    apigw_export_yaml_emit(ctx, &ev, ok);
}


static void
apigw_export_json_string(apigw_export_ctx_t *ctx, const char *s, size_t len)
{
    char           esc[8];
    size_t         i, start;
    unsigned char  c;

    static const char  hex[] = "0123456789abcdef";

    apigw_export_out(ctx, "\"", 1);

    for (i = 0, start = 0; i < len; i++) {
        c = (unsigned char) s[i];

        if (c >= 0x20 && c != '"' && c != '\\') {
            continue;
        }

        apigw_export_out(ctx, s + start, i - start);
        start = i + 1;

        esc[0] = '\\';

        switch (c) {
        case '"':
        case '\\':
            esc[1] = c;
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 0xf];
            apigw_export_out(ctx, esc, 6);
            continue;
        }

        apigw_export_out(ctx, esc, 2);
    }

    apigw_export_out(ctx, s + start, len - start);
    apigw_export_out(ctx, "\"", 1);
}


/*
 * YAML: a string may go plain when no resolver (YAML 1.1's or 1.2's) could
 * read it as a null, a boolean, a number, a date or a merge key: it starts
 * with a letter, "_", "/", "$" or a character past ASCII, and is none of
 * the words
 */
static int
apigw_export_plain_safe(const char *s, size_t len)
{
    size_t        i;
    unsigned char c;

    static const char  *words[] = {
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", NULL
    };

    if (len == 0) {
        return 0;
    }

    c = (unsigned char) s[0];

    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'
          || c == '/' || c == '$' || c >= 0x80))
    {
        return 0;
    }

    for (i = 0; words[i]; i++) {
        if (strlen(words[i]) == len && strncasecmp(words[i], s, len) == 0) {
            return 0;
        }
    }

    return 1;
}


/*
 * a text of several lines as a literal block; one with a line break that
 * a reader would turn into "\n" (CR, NEL, LS, PS) double-quoted, escaped
 */
static int
apigw_export_yaml_style(const char *s, size_t len)
{
    int                   lines;
    size_t                i;
    const unsigned char  *p;

    lines = 0;
    p = (const unsigned char *) s;

    for (i = 0; i < len; i++) {
        if (p[i] == '\n') {
            lines = 1;

        } else if (p[i] == '\r'
                   || (p[i] == 0xc2 && i + 1 < len && p[i + 1] == 0x85)
                   || (p[i] == 0xe2 && i + 2 < len && p[i + 1] == 0x80
                       && (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)))
        {
            return YAML_DOUBLE_QUOTED_SCALAR_STYLE;
        }
    }

    return lines ? YAML_LITERAL_SCALAR_STYLE : YAML_ANY_SCALAR_STYLE;
}


static void
apigw_export_yaml_emit(apigw_export_ctx_t *ctx, yaml_event_t *ev, int ok)
{
    if (!ok) {
        apigw_export_fail(ctx, "out of memory, or a string not UTF-8");
        return;
    }

    if (ctx->failed) {
        yaml_event_delete(ev);
        return;
    }

    /* the emitter takes the event, emitted or not */
    if (!yaml_emitter_emit(&ctx->emitter, ev) && !ctx->failed) {
        apigw_export_fail(ctx, "YAML: %s", ctx->emitter.problem
                                           ? ctx->emitter.problem : "error");
    }
}


static int
apigw_export_yaml_write(void *data, unsigned char *buf, size_t size)
{
    apigw_export_ctx_t  *ctx = data;

    if (ctx->failed) {
        return 0;
    }

    if (ctx->opts->write(ctx->opts->data, (const char *) buf, size) != 0) {
        apigw_export_fail(ctx, "the output could not be written");
        return 0;
    }

    return 1;
}


/*
 * the shortest text that reads back as the same double, with a "." (YAML
 * 1.1 reads "1e+20" as a string): "0.1", "1.0", "1.0e+300"
 */
static size_t
apigw_export_real(double d, char *buf, size_t size)
{
    int     prec, exp;
    char   *e;
    size_t  len;

    len = 0;

    for (prec = 1; prec <= 17; prec++) {
        len = snprintf(buf, size, "%.*g", prec, d);

        if (strtod(buf, NULL) == d) {
            break;
        }
    }

    /* "100.0", not "1.0e+02": all the digits up to 17 */

    e = strchr(buf, 'e');

    if (e != NULL) {
        exp = atoi(e + 1);

        if (exp > 0 && exp < 17) {
            len = snprintf(buf, size, "%.*g", exp + 1, d);
        }
    }

    if (strchr(buf, '.') != NULL || len + 3 > size) {
        return len;
    }

    e = strchr(buf, 'e');

    if (e == NULL) {
        memcpy(buf + len, ".0", 3);
        return len + 2;
    }

    memmove(e + 2, e, buf + len + 1 - e);
    memcpy(e, ".0", 2);

    return len + 2;
}
