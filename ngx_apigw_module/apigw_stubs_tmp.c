
/*
 * TEMPORARY (lead): weak stand-ins so the core links while the schema
 * validator and the VTL engine are being written; real definitions
 * override these.  Removed once both land.
 */

#include <stdlib.h>

#include "apigw_schema.h"
#include "apigw_vtl.h"


#define APIGW_WEAK  __attribute__((weak))

APIGW_WEAK apigw_schema_set_t *
apigw_schema_set_create(apigw_dialect_e dialect,
    apigw_schema_resolve_pt resolve, void *data)
{
    (void) dialect; (void) resolve; (void) data;
    return calloc(1, 1);
}

APIGW_WEAK void
apigw_schema_set_free(apigw_schema_set_t *set)
{
    free(set);
}

APIGW_WEAK apigw_schema_t *
apigw_schema_compile(apigw_schema_set_t *set, json_t *doc, const char *uri,
    const char *pointer, unsigned flags, apigw_error_t *err)
{
    (void) set; (void) doc; (void) uri; (void) pointer; (void) flags;
    (void) err;
    return (apigw_schema_t *) set;
}

APIGW_WEAK int
apigw_schema_validate(const apigw_schema_t *schema, const json_t *instance,
    apigw_schema_errors_t *errors)
{
    (void) schema; (void) instance; (void) errors;
    return 1;
}

APIGW_WEAK json_t *
apigw_json_parse_strict(const char *buf, size_t len, unsigned max_depth,
    char *errbuf, size_t errlen)
{
    (void) max_depth; (void) errbuf; (void) errlen;
    return json_loadb(buf, len, JSON_DECODE_ANY, NULL);
}

APIGW_WEAK apigw_jsonpath_t *
apigw_jsonpath_compile(const char *src, size_t len, char *errbuf,
    size_t errlen)
{
    (void) src; (void) len; (void) errbuf; (void) errlen;
    return calloc(1, 1);
}

APIGW_WEAK void
apigw_jsonpath_free(apigw_jsonpath_t *path)
{
    free(path);
}

APIGW_WEAK json_t *
apigw_jsonpath_eval(const apigw_jsonpath_t *path, json_t *root)
{
    (void) path;
    return json_incref(root);
}

APIGW_WEAK apigw_vtl_t *
apigw_vtl_parse(const char *src, size_t len, char *errbuf, size_t errlen)
{
    (void) src; (void) len; (void) errbuf; (void) errlen;
    return calloc(1, 1);
}

APIGW_WEAK void
apigw_vtl_free(apigw_vtl_t *tpl)
{
    free(tpl);
}

APIGW_WEAK char *
apigw_vtl_render(const apigw_vtl_t *tpl, apigw_vtl_input_t *in, size_t *len,
    char *errbuf, size_t errlen)
{
    (void) tpl; (void) in; (void) errbuf; (void) errlen;
    *len = 0;
    return calloc(1, 1);
}
