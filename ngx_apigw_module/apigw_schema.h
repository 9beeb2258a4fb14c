
/*
 * Copyright (C) apigw contributors
 */


#ifndef _APIGW_SCHEMA_H_INCLUDED_
#define _APIGW_SCHEMA_H_INCLUDED_


/*
 * JSON Schema, compiled once and validated many times: draft 4 as OpenAPI
 * 3.0 uses it (plus nullable, readOnly, writeOnly) and draft 2020-12 as
 * OpenAPI 3.1 uses it.  nginx-free.
 */

#include "apigw_core.h"


typedef enum {
    APIGW_DIALECT_DRAFT4 = 0,           /* the JSON Schema draft 4 itself */
    APIGW_DIALECT_OAS30,                /* draft 4 + OpenAPI 3.0 keywords */
    APIGW_DIALECT_2020_12               /* draft 2020-12 (OpenAPI 3.1) */
} apigw_dialect_e;

/*
 * limits: past the first two a schema fails to compile, past the others
 * an instance fails to validate (keyword "limit"); the step budget is
 * MAX_STEPS evaluations and items visited, or STEPS_PER_VALUE per value
 * of the instance when that is more
 */
#define APIGW_SCHEMA_MAX_DEPTH          512     /* schema nesting, per doc */
#define APIGW_SCHEMA_MAX_NODES          1000000 /* compiled schemas per set */
#define APIGW_SCHEMA_MAX_EVAL_DEPTH     1024    /* nested evaluations */
#define APIGW_SCHEMA_MAX_STEPS          1000000
#define APIGW_SCHEMA_STEPS_PER_VALUE    32

/* compile flags */
#define APIGW_SCHEMA_REQUEST    0x1     /* readOnly properties not required */
#define APIGW_SCHEMA_RESPONSE   0x2     /* writeOnly properties not required */

/*
 * returns the document named by an absolute URI without fragment, or NULL
 * with errbuf set; the document stays owned by the resolver and must live
 * as long as the schema set
 */
typedef json_t *(*apigw_schema_resolve_pt)(void *data, const char *uri,
    char *errbuf, size_t errlen);

/* owns compiled schemas, their shared subschemas and compiled regexes */
typedef struct apigw_schema_set_s  apigw_schema_set_t;
typedef struct apigw_schema_s      apigw_schema_t;

apigw_schema_set_t *apigw_schema_set_create(apigw_dialect_e dialect,
    apigw_schema_resolve_pt resolve, void *data);
void apigw_schema_set_free(apigw_schema_set_t *set);

/*
 * turns an error's document URI (err->file) into the file and line the
 * user knows; data is the resolver's
 */
typedef void (*apigw_schema_locate_pt)(void *data, apigw_error_t *err);

/*
 * problems confined to one keyword (a pattern that cannot be compiled)
 * become warnings in w, located by locate (may be NULL), and that keyword
 * is not checked; apigw_warn() says when they must stay errors (strict).
 * Without w, the default, they fail the compile.
 */
void apigw_schema_set_warnings(apigw_schema_set_t *set, apigw_warnings_t *w,
    apigw_schema_locate_pt locate);

/*
 * compiles the schema found at JSON pointer "pointer" of the document
 * "doc", whose URI is "uri"; every $ref is resolved now.  On failure
 * err->file is the URI and err->pointer the pointer of the offending
 * keyword in its document.
 */
apigw_schema_t *apigw_schema_compile(apigw_schema_set_t *set, json_t *doc,
    const char *uri, const char *pointer, unsigned flags,
    apigw_error_t *err);


#define APIGW_SCHEMA_PATH_LEN   256
#define APIGW_SCHEMA_MSG_LEN    160

/* one violation: never holds the instance's values */
typedef struct {
    char                    path[APIGW_SCHEMA_PATH_LEN]; /* instance pointer */
    const char             *keyword;                     /* "minimum" */
    char                    message[APIGW_SCHEMA_MSG_LEN]; /* "must be >= 0" */
} apigw_schema_error_t;

typedef struct {
    apigw_schema_error_t   *errors;     /* caller's array of max entries */
    size_t                  max;        /* 0: stop at the first violation */
    size_t                  n;          /* filled */
} apigw_schema_errors_t;

/* 1 valid, 0 invalid (errors filled up to max) */
int apigw_schema_validate(const apigw_schema_t *schema,
    const json_t *instance, apigw_schema_errors_t *errors);

/*
 * the fast path for a body: 1 when text is JSON by apigw_json_parse()'s
 * rules (max_depth its nesting limit) and valid against the schema,
 * found without building a tree; 0 when invalid or not decided, and
 * then apigw_json_parse() and apigw_schema_validate() give the verdict
 * and the errors.  Trees it needs for some values come from arena (NULL:
 * malloc).
 */
int apigw_schema_check_text(const apigw_schema_t *schema, const char *text,
    size_t len, unsigned max_depth, const apigw_json_arena_t *arena);


/*
 * the same for a parameter's text, converted to "type" as
 * apigw_param_scalar() does: 1 valid, 0 invalid or not decided here
 * (then apigw_param_value() and apigw_schema_validate() decide)
 */
int apigw_schema_check_param(const apigw_schema_t *schema, apigw_type_e type,
    const char *text, size_t len);


#endif /* _APIGW_SCHEMA_H_INCLUDED_ */
