
/*
 * Copyright (C) apigw contributors
 */


#ifndef _APIGW_VTL_H_INCLUDED_
#define _APIGW_VTL_H_INCLUDED_


/*
 * Mapping templates: the subset of AWS API Gateway's VTL that real
 * templates use, parsed once at load time and rendered per request; and the
 * JSONPath subset used by $input.json(), $input.path() and parameter
 * mappings.  nginx-free.
 */

#include "apigw_core.h"


/* JSONPath: $, .name, ['name'], [N], [-N], [*], .*, ..name, ..*, ..[N] */
typedef struct apigw_jsonpath_s  apigw_jsonpath_t;

apigw_jsonpath_t *apigw_jsonpath_compile(const char *src, size_t len,
    char *errbuf, size_t errlen);
void apigw_jsonpath_free(apigw_jsonpath_t *path);
/*
 * a new reference: the single value selected, an array of every value
 * when the path has wildcards or descent, or NULL when nothing matches
 */
json_t *apigw_jsonpath_eval(const apigw_jsonpath_t *path, json_t *root);
/* 1: no wildcard or descent, eval gives the value itself, not an array */
int apigw_jsonpath_definite(const apigw_jsonpath_t *path);


/* name/value pairs of the method request, as received */
typedef struct {
    const char             *name;
    size_t                  name_len;
    const char             *value;
    size_t                  value_len;
} apigw_kv_t;

typedef struct {
    const apigw_kv_t       *items;
    size_t                  n;
} apigw_kv_list_t;

/*
 * a value for $context.NAME or $stageVariables.NAME: 1 found, 0 not; the
 * value must stay valid until apigw_vtl_render() returns
 */
typedef int (*apigw_vtl_lookup_pt)(void *data, const char *name, size_t len,
    const char **value, size_t *value_len);

/*
 * #set($context.requestOverride.header.X = ...) and the other
 * requestOverride.* and responseOverride.* names (the name without
 * "context."): 0, or -1 to fail the render
 */
typedef int (*apigw_vtl_assign_pt)(void *data, const char *name, size_t len,
    const char *value, size_t value_len);

typedef struct {
    const char             *body;       /* $input.body */
    size_t                  body_len;
    json_t                 *json;       /* the body parsed, or NULL: parsed
                                           on first use and left here for
                                           the caller to json_decref() */
    apigw_kv_list_t         path;       /* $input.params() */
    apigw_kv_list_t         querystring;
    apigw_kv_list_t         header;     /* names compared caselessly */
    apigw_vtl_lookup_pt     context;
    apigw_vtl_lookup_pt     stage_variable;
    void                   *data;       /* for the lookups */
    apigw_vtl_assign_pt     context_set;    /* NULL: such #set is ignored */
} apigw_vtl_input_t;

typedef struct apigw_vtl_s  apigw_vtl_t;

#define APIGW_VTL_MAX_FOREACH   1000    /* iterations of one #foreach */
#define APIGW_VTL_MAX_OUTPUT    (10 * 1024 * 1024)
#define APIGW_VTL_MAX_DEPTH     64      /* directives, expressions nested */
#define APIGW_VTL_MAX_STEPS     1000000 /* nodes evaluated in one render */
#define APIGW_VTL_JSON_DEPTH    512     /* a body it parses itself */

/* NULL with errbuf ("line 3: ...") on a syntax error */
apigw_vtl_t *apigw_vtl_parse(const char *src, size_t len, char *errbuf,
    size_t errlen);
void apigw_vtl_free(apigw_vtl_t *tpl);
/*
 * the output in a malloc()ed buffer, NUL-terminated at *len (free() it), or
 * NULL with errbuf set ("line 7: ...": runtime error, limits); reentrant
 */
char *apigw_vtl_render(const apigw_vtl_t *tpl, apigw_vtl_input_t *in,
    size_t *len, char *errbuf, size_t errlen);


#endif /* _APIGW_VTL_H_INCLUDED_ */
