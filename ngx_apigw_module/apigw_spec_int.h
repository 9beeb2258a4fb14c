
/*
 * Copyright (C) apigw contributors
 */


#ifndef _APIGW_SPEC_INT_H_INCLUDED_
#define _APIGW_SPEC_INT_H_INCLUDED_


/* shared by the OpenAPI compiler's files: apigw_spec*.c */

#include "apigw_core.h"


typedef struct {
    apigw_api_t            *api;
    apigw_error_t          *err;
    size_t                  cap;
    json_t                 *ids;        /* operationId -> index in ops */

    apigw_loc_t             validators; /* x-amazon-apigateway-request-
                                           validators, node NULL if none */
    apigw_loc_t             security;   /* the document's, node NULL if
                                           none */
    unsigned                validate_params:1;  /* the API's defaults */
    unsigned                validate_body:1;
    unsigned                error_details:1;
} apigw_compile_t;


/* apigw_spec.c */
json_t *apigw_spec_member(apigw_loc_t *parent, apigw_loc_t *child,
    const char *name, const char *alias);
int apigw_spec_headers(apigw_compile_t *c, apigw_loc_t *loc,
    const char *prefix, apigw_header_t **headers, size_t *n);
int apigw_spec_status(apigw_compile_t *c, apigw_loc_t *loc, int *status);
char *apigw_strndup(const char *s, size_t len);
char *apigw_json_text(json_t *value, size_t *len);
int apigw_spec_timeout(apigw_compile_t *c, apigw_operation_t *op,
    apigw_loc_t *ext, int aws);

/* apigw_spec_validation.c */
int apigw_spec_validation_init(apigw_compile_t *c, apigw_loc_t *root);
int apigw_spec_validation(apigw_compile_t *c, apigw_operation_t *op,
    apigw_loc_t *item);
void apigw_spec_validation_free(apigw_operation_t *op);

/* apigw_spec_security.c */
int apigw_spec_security_init(apigw_compile_t *c, apigw_loc_t *root);
int apigw_spec_security(apigw_compile_t *c, apigw_operation_t *op);
/* op NULL: the API's schemes */
void apigw_spec_security_free(apigw_api_t *api, apigw_operation_t *op);

/* apigw_spec_cors.c: x-amazon-apigateway-cors, x-apigw-cors */
int apigw_spec_cors(apigw_compile_t *c, apigw_loc_t *root);
int apigw_spec_cors_elsewhere(apigw_compile_t *c, apigw_loc_t *item);

/* apigw_spec_function.c: function integrations, binary media types */
int apigw_spec_function(apigw_compile_t *c, apigw_operation_t *op,
    apigw_loc_t *ext, int aws);
int apigw_spec_binary_types(apigw_compile_t *c, apigw_loc_t *root);

/* apigw_spec_cache.c: x-apigw-cache, cacheKeyParameters, cacheNamespace */
int apigw_spec_cache(apigw_compile_t *c, apigw_operation_t *op);
int apigw_spec_cache_namespaces(apigw_compile_t *c);

/* apigw_spec_mapping.c */
int apigw_spec_mapping(apigw_compile_t *c, apigw_operation_t *op,
    apigw_loc_t *ext);
void apigw_spec_mapping_free(apigw_integration_t *in);


#endif /* _APIGW_SPEC_INT_H_INCLUDED_ */
