
/*
 * Copyright (C) apigw contributors
 */


#ifndef _APIGW_EXPORT_H_INCLUDED_
#define _APIGW_EXPORT_H_INCLUDED_


/*
 * A stage's OpenAPI document, exported (nginx-free): the spec bundled once
 * into one self-contained document (apigw_export_bundle.c), then written
 * per request as JSON or YAML with the gateway's extensions stripped and
 * servers replaced by the stage's URL (apigw_export.c).
 */

#include "apigw_core.h"


/* ?extensions=: what is kept of the gateway's extensions */
#define APIGW_EXPORT_INTEGRATIONS   0x1     /* x-amazon-apigateway-integration,
                                               x-apigw-integration */
#define APIGW_EXPORT_AUTHORIZERS    0x2     /* x-amazon-apigateway-authorizer,
                                               -authtype, x-apigw-authorizer,
                                               x-apigw-jwt */
#define APIGW_EXPORT_APIGATEWAY     0x4     /* every x-amazon-apigateway-* */
#define APIGW_EXPORT_APIGW          0x8     /* every x-apigw-* */


/*
 * Where a node stands in an OpenAPI document: what its members are, and
 * so which "$ref"s point to what and which "x-" keys are extensions.
 * A map's keys are names (never extensions), a list's items are all of
 * one kind: APIGW_EXPORT_MAP or APIGW_EXPORT_LIST with the element's kind.
 */
typedef enum {
    APIGW_EXPORT_DATA = 0,      /* data: copied as it is */
    APIGW_EXPORT_GENERIC,       /* an object of fixed fields (info, tag...) */
    APIGW_EXPORT_ROOT,
    APIGW_EXPORT_PATHS,
    APIGW_EXPORT_PATH_ITEM,
    APIGW_EXPORT_OPERATION,
    APIGW_EXPORT_PARAMETER,
    APIGW_EXPORT_HEADER,
    APIGW_EXPORT_REQUEST_BODY,
    APIGW_EXPORT_RESPONSES,
    APIGW_EXPORT_RESPONSE,
    APIGW_EXPORT_MEDIA_TYPE,
    APIGW_EXPORT_ENCODING,
    APIGW_EXPORT_EXAMPLE,
    APIGW_EXPORT_LINK,
    APIGW_EXPORT_CALLBACK,
    APIGW_EXPORT_SECURITY_SCHEME,
    APIGW_EXPORT_SCHEMA,
    APIGW_EXPORT_DISCRIMINATOR,
    APIGW_EXPORT_COMPONENTS
} apigw_export_kind_e;

#define APIGW_EXPORT_MAP            0x100
#define APIGW_EXPORT_LIST           0x200
#define APIGW_EXPORT_ELEM(kind)     ((kind) & 0xff)

/* the kind of member key (value: its value) of an object of kind kind */
int apigw_export_member_kind(int kind, const char *key, const json_t *value);
/* 1 when key, a member of an object of kind kind, is an extension */
int apigw_export_is_extension(int kind, const char *key);
/* 1 when extension key is kept with what extensions (APIGW_EXPORT_*) ask */
int apigw_export_keep(const char *key, unsigned extensions);


/*
 * "integrations,authorizers": *extensions set; -1 with errbuf naming the
 * unknown one (AWS's "postman" and "documentation" among them)
 */
int apigw_export_extensions(const char *list, size_t len,
    unsigned *extensions, char *errbuf, size_t errlen);


/*
 * The root document of set with every "$ref" that leaves it made
 * internal: a target in another file becomes a component of its kind
 * (a schema under components/schemas, a response under
 * components/responses...), named after its key or its file, once however
 * often it is referred to; a path item, and anything with no component
 * section, is copied in its place.  Refs within the root document stay as
 * they are.  A new reference, or NULL with err set.  Parts not changed
 * are shared with the documents, not copied.
 */
json_t *apigw_export_bundle(apigw_docset_t *set, apigw_error_t *err);


/* where the text goes: 0, or -1 to stop the export */
typedef int (*apigw_export_write_pt)(void *data, const char *buf,
    size_t len);

typedef struct {
    unsigned                extensions;     /* APIGW_EXPORT_* kept */
    unsigned                yaml:1;         /* else JSON */
    const char             *server;         /* servers[0].url */
    size_t                  server_len;
    const char             *description;    /* servers[0].description, or
                                               NULL */
    size_t                  description_len;
    apigw_export_write_pt   write;
    void                   *data;
} apigw_export_opts_t;

/*
 * doc (bundled) written out: every x-amazon-apigateway-* and x-apigw-*
 * extension dropped but those asked for, servers replaced by one entry
 * (and dropped from the API's path items and operations).  0, or -1 with
 * errbuf set (write failed, nesting too deep, out of memory).
 */
int apigw_export_write(const json_t *doc, const apigw_export_opts_t *opts,
    char *errbuf, size_t errlen);


#endif /* _APIGW_EXPORT_H_INCLUDED_ */
