
/*
 * Copyright (C) apigw contributors
 */


#ifndef _APIGW_CORE_H_INCLUDED_
#define _APIGW_CORE_H_INCLUDED_


/*
 * nginx-free parts of apigw: document loading, $ref resolution, the compiled
 * OpenAPI model and the route trie.  Nothing here includes nginx headers, so
 * unit tests and fuzzers can drive it directly.
 */

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "apigw_cache.h"


#define APIGW_ERR_LEN       512
#define APIGW_PATH_LEN      4096


/* where and what went wrong while loading a spec */
typedef struct {
    char                    file[APIGW_PATH_LEN];
    char                    pointer[APIGW_ERR_LEN];   /* JSON pointer or "" */
    unsigned                line;                     /* 1-based, 0: unknown */
    char                    message[APIGW_PATH_LEN + APIGW_ERR_LEN];
} apigw_error_t;


void apigw_error_set(apigw_error_t *err, const char *pointer, unsigned line,
    const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* "file: pointer (line N): message" into buf */
void apigw_error_format(const apigw_error_t *err, char *buf, size_t size);


/*
 * Problems confined to one operation or one keyword: each is noted here and
 * the rest of the API loads, unless strict ("apigw_strict on"), when it is
 * an error like any other.
 */
typedef struct {
    char                  **messages;   /* formatted as apigw_error_format() */
    size_t                  n;
    size_t                  cap;
    unsigned                strict:1;
} apigw_warnings_t;

/*
 * err, just filled in, becomes a warning (err's file stays, the rest is
 * cleared; one noted already is not noted twice): 0; strict, or out of
 * memory: -1, with err kept (w NULL counts as strict)
 */
int apigw_warn(apigw_warnings_t *w, apigw_error_t *err);
void apigw_warnings_free(apigw_warnings_t *w);


/*
 * json_t node -> source line, filled by the YAML loader; an object's stored
 * key strings are entries too, with the line of their "key: value"
 */
typedef struct apigw_linemap_s  apigw_linemap_t;

apigw_linemap_t *apigw_linemap_create(void);
void apigw_linemap_free(apigw_linemap_t *map);
int apigw_linemap_add(apigw_linemap_t *map, const json_t *node,
    unsigned line);
unsigned apigw_linemap_find(const apigw_linemap_t *map, const json_t *node);


/* limits on what a YAML document may expand to through aliases */
#define APIGW_YAML_MAX_NODES    2000000
#define APIGW_YAML_MAX_DEPTH    256

/*
 * YAML (1.2 core schema, one document) to jansson.  Plain scalar keys are
 * strings; collection keys, custom tags, duplicate keys, .inf/.nan and
 * several documents are errors.  Aliases share the anchored json_t; the
 * expanded size is bounded by APIGW_YAML_MAX_NODES.
 */
json_t *apigw_yaml_parse(const char *buf, size_t len, apigw_linemap_t *lines,
    apigw_error_t *err);

/* JSON or YAML, chosen by content */
json_t *apigw_doc_parse(const char *buf, size_t len, apigw_linemap_t *lines,
    apigw_error_t *err);

/* a loaded spec file and the files its $refs reach */
typedef struct apigw_doc_s  apigw_doc_t;

struct apigw_doc_s {
    char                    path[APIGW_PATH_LEN];
    json_t                 *root;
    apigw_linemap_t        *lines;
    apigw_doc_t            *next;
};

typedef struct {
    apigw_doc_t            *docs;       /* the first one is the root spec */
    unsigned                ndocs;
} apigw_docset_t;

/* a place in a document set: the node, its file and its JSON pointer */
typedef struct {
    apigw_doc_t            *doc;
    json_t                 *node;
    const char             *key;        /* the parent's stored key or NULL */
    char                    pointer[APIGW_ERR_LEN];
} apigw_loc_t;

#define APIGW_MAX_DOCS          256
#define APIGW_MAX_FILE_SIZE     (64 * 1024 * 1024)
#define APIGW_MAX_WALK_DEPTH    512
#define APIGW_MAX_REF_HOPS      64

apigw_docset_t *apigw_docset_load(const char *path, apigw_error_t *err);
void apigw_docset_free(apigw_docset_t *set);
int apigw_docset_check_refs(apigw_docset_t *set, apigw_error_t *err);

/* follows $ref chains in place: loc ends at a node that is not a $ref */
int apigw_deref(apigw_docset_t *set, apigw_loc_t *loc, apigw_error_t *err);
/* moves loc to a child: key for objects, index for arrays */
void apigw_loc_child(const apigw_loc_t *parent, apigw_loc_t *child,
    const char *key, json_t *node);
void apigw_loc_index(const apigw_loc_t *parent, apigw_loc_t *child,
    size_t index, json_t *node);
/* -1 with err set when the object at loc has a member not in names */
int apigw_loc_check_members(const apigw_loc_t *loc, const char **names,
    const char *hint, apigw_error_t *err);
/* an error at loc: file, pointer and line filled in */
void apigw_loc_error(apigw_error_t *err, const apigw_loc_t *loc,
    const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;
json_t *apigw_pointer_get(json_t *root, const char *pointer, size_t len);


/* templates: "http://${stageVariables.host}/pets/{petId}" */
typedef enum {
    APIGW_TPL_LITERAL = 0,
    APIGW_TPL_PATH_PARAM,       /* {name} */
    APIGW_TPL_STAGE_VAR,        /* ${stageVariables.name} */
    APIGW_TPL_CONTEXT           /* $context.name, ${context.name} */
} apigw_tpl_kind_e;

typedef struct {
    apigw_tpl_kind_e        kind;
    char                   *text;       /* literal text or variable name */
    size_t                  len;
    size_t                  param;      /* path parameter: its place */
} apigw_tpl_part_t;

typedef struct {
    apigw_tpl_part_t       *parts;
    size_t                  nparts;
} apigw_tpl_t;

#define APIGW_TPL_URI           0x1     /* {param} and ${stageVariables.x} */
#define APIGW_TPL_BODY          0x2     /* $context.x, $stageVariables.x */

apigw_tpl_t *apigw_tpl_parse(const char *src, size_t len, unsigned flags,
    char *errbuf, size_t errlen);
void apigw_tpl_free(apigw_tpl_t *tpl);
int apigw_tpl_is_literal(const apigw_tpl_t *tpl);


/*
 * Lambda functions (apigw_spec_function.c): the name and qualifier an ARN
 * gives, arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FN/
 * invocations or FN itself, arn:aws:lambda:REGION:ACCOUNT:function:NAME
 * [:QUALIFIER]: 0, or -1 when it is not one
 */
typedef struct {
    const char             *name;
    size_t                  name_len;
    const char             *qualifier;  /* NULL: none */
    size_t                  qualifier_len;
} apigw_lambda_ref_t;

int apigw_lambda_arn(const char *s, size_t len, apigw_lambda_ref_t *ref);
/*
 * a function's name, or a qualifier: letters, digits, "-", "_" (and "$"
 * for a qualifier, as in $LATEST), or ${stageVariables.x}; NULL with
 * errbuf when it is not one
 */
apigw_tpl_t *apigw_function_tpl(const char *s, size_t len, int qualifier,
    char *errbuf, size_t errlen);
/* 1 when a name (or qualifier) rendered at run time is one */
int apigw_function_name_valid(const char *s, size_t len, int qualifier);
/*
 * 1 when a media type ("image/png; q=1", any case) is one of the binary
 * media types ("image/png"; a "*" type or subtype matches any)
 */
int apigw_binary_type(char **types, size_t n, const char *type, size_t len);


/* where a request parameter is: routes and declared parameters */
typedef enum {
    APIGW_IN_PATH = 0,
    APIGW_IN_QUERY,
    APIGW_IN_HEADER,
    APIGW_IN_COOKIE
} apigw_param_in_e;


/* route trie (apigw_route.c) */
#define APIGW_MAX_PARAMS        16
#define APIGW_MAX_SEGMENTS      128

typedef enum {
    APIGW_METHOD_GET = 0,
    APIGW_METHOD_PUT,
    APIGW_METHOD_POST,
    APIGW_METHOD_DELETE,
    APIGW_METHOD_OPTIONS,
    APIGW_METHOD_HEAD,
    APIGW_METHOD_PATCH,
    APIGW_METHOD_TRACE,
    APIGW_METHOD_ANY,
    APIGW_METHOD_COUNT
} apigw_method_e;

typedef struct apigw_router_s  apigw_router_t;

typedef struct {
    const char             *raw;        /* as received, percent-encoded */
    size_t                  raw_len;
    const char             *val;        /* percent-decoded */
    size_t                  val_len;
} apigw_param_t;

/*
 * A discriminator: a route with some takes a request only when each holds,
 * that is when the request's parameter "name" (a query parameter, decoded,
 * or a header, by its name in any case) is "value"
 */
typedef struct {
    apigw_param_in_e        in;
    char                   *name;
    size_t                  name_len;
    char                   *value;
    size_t                  value_len;
} apigw_route_cond_t;

/*
 * How the router reads a discriminator's parameter from the request:
 * 1 with *value and *len set, 0 when the request has none, -1 on error
 */
typedef int (*apigw_route_lookup_pt)(void *data, apigw_param_in_e in,
    const char *name, size_t len, const char **value, size_t *vlen);

typedef enum {
    APIGW_ROUTE_OK = 0,
    APIGW_ROUTE_NO_ROUTE,               /* nothing matches the path */
    APIGW_ROUTE_NO_METHOD,              /* the path matches, the method not,
                                           or no discriminator holds */
    APIGW_ROUTE_BAD_PATH,               /* bad escape, NUL, dot segment */
    APIGW_ROUTE_ERROR                   /* the lookup failed */
} apigw_route_rc_e;

typedef struct {
    void                   *value;
    size_t                  nparams;
    apigw_param_t           params[APIGW_MAX_PARAMS];
} apigw_match_t;

int apigw_method_index(const char *name, size_t len);
const char *apigw_method_name(int method);

apigw_router_t *apigw_router_create(void);
void apigw_router_free(apigw_router_t *rt);
/*
 * tpl: "/pets/{id}", "/files/{name}.{ext}", "/f/{path+}"; conds (copied):
 * the route's discriminators, nconds 0 for none.  0; 1 when a route of
 * the same template, method and discriminators is there already (errbuf
 * says so, *prev, unless prev is NULL, is that route's value, and the new
 * one is not added); -1 with errbuf set (bad template, no memory)
 */
int apigw_router_add(apigw_router_t *rt, const char *tpl, int method,
    const apigw_route_cond_t *conds, size_t nconds, void *value, void **prev,
    char *errbuf, size_t errlen);
/*
 * scratch must hold len bytes: decoded parameter values point into it, or
 * into path itself when the path holds no percent-escape.  lookup (NULL:
 * no discriminator ever holds) is called with data only for routes that
 * have discriminators.
 */
apigw_route_rc_e apigw_router_match(apigw_router_t *rt, const char *path,
    size_t len, int method, char *scratch, apigw_match_t *m,
    apigw_route_lookup_pt lookup, void *data);


/* the compiled API */
typedef enum {
    APIGW_INTEGRATION_DEFAULT = 0,      /* the location's apigw_backend */
    APIGW_INTEGRATION_HTTP,
    APIGW_INTEGRATION_MOCK,
    APIGW_INTEGRATION_FUNCTION,         /* a function, by the Invoke API */
    APIGW_INTEGRATION_NONE              /* the operation did not load */
} apigw_integration_type_e;

#define APIGW_TIMEOUT_MIN       50
#define APIGW_TIMEOUT_MAX       29000

typedef struct {
    char                   *name;
    char                   *value;
} apigw_header_t;

/* a request parameter declared in the spec, ready to be checked */
typedef enum {
    APIGW_STYLE_SIMPLE = 0,
    APIGW_STYLE_FORM,
    APIGW_STYLE_LABEL,
    APIGW_STYLE_MATRIX,
    APIGW_STYLE_SPACE_DELIMITED,
    APIGW_STYLE_PIPE_DELIMITED,
    APIGW_STYLE_DEEP_OBJECT
} apigw_param_style_e;

/* what a parameter's string converts to before its schema checks it */
typedef enum {
    APIGW_TYPE_STRING = 0,
    APIGW_TYPE_INTEGER,
    APIGW_TYPE_NUMBER,
    APIGW_TYPE_BOOLEAN,
    APIGW_TYPE_ARRAY,
    APIGW_TYPE_OBJECT
} apigw_type_e;

typedef struct {
    char                     *name;
    apigw_type_e              type;
} apigw_param_prop_t;

typedef struct {
    char                     *name;
    size_t                    name_len;
    apigw_param_in_e          in;
    apigw_param_style_e       style;
    apigw_type_e              type;
    apigw_type_e              item_type;    /* arrays */
    apigw_param_prop_t       *props;        /* objects: declared properties */
    size_t                    nprops;
    size_t                    path_index;   /* path: place in the match */
    struct apigw_schema_s    *schema;       /* NULL: anything goes */
    unsigned                  required:1;
    unsigned                  explode:1;
    unsigned                  allow_empty:1;
    unsigned                  json:1;       /* content: application/json */
} apigw_parameter_t;

/* a media type of a request body or response, with its schema */
typedef struct {
    char                     *type;         /* lowercase, "application/json";
                                               wildcards as in the spec */
    size_t                    type_len;
    struct apigw_schema_s    *schema;       /* NULL: not checked */
    unsigned                  json:1;       /* parsed as JSON to check */
} apigw_media_t;

typedef struct {
    apigw_media_t            *media;
    size_t                    nmedia;
    unsigned                  declared:1;   /* the spec has requestBody */
    unsigned                  required:1;
} apigw_content_t;

/* a declared response: status 200, or 1..5 for "2XX", or 0 for default */
typedef struct {
    int                       status;
    apigw_content_t           content;
} apigw_response_decl_t;


/* requestParameters / responseParameters */
typedef enum {
    APIGW_MAP_STATIC = 0,           /* 'value' */
    APIGW_MAP_PATH,                 /* method.request.path.N */
    APIGW_MAP_QUERY,                /* method.request.querystring.N */
    APIGW_MAP_MULTI_QUERY,          /* method.request.multivaluequerystring.N */
    APIGW_MAP_HEADER,               /* method.request.header.N */
    APIGW_MAP_MULTI_HEADER,         /* method.request.multivalueheader.N */
    APIGW_MAP_BODY,                 /* method.request.body */
    APIGW_MAP_BODY_PATH,            /* method.request.body.JSONPath */
    APIGW_MAP_STAGE_VAR,            /* stageVariables.N */
    APIGW_MAP_CONTEXT,              /* context.N */
    APIGW_MAP_RESPONSE_HEADER,      /* integration.response.header.N */
    APIGW_MAP_RESPONSE_BODY,        /* integration.response.body */
    APIGW_MAP_RESPONSE_BODY_PATH    /* integration.response.body.JSONPath */
} apigw_map_source_e;

typedef enum {
    APIGW_MAP_TO_HEADER = 0,        /* integration.request.header.N,
                                       method.response.header.N */
    APIGW_MAP_TO_QUERY,             /* integration.request.querystring.N */
    APIGW_MAP_TO_PATH               /* integration.request.path.N */
} apigw_map_target_e;

typedef struct {
    apigw_map_target_e        target;
    char                     *name;         /* the target's name */
    size_t                    name_len;
    apigw_map_source_e        source;
    char                     *value;        /* source name or static value */
    size_t                    value_len;
    size_t                    index;        /* path: the route's parameter;
                                               context: apigw_context_e */
    struct apigw_jsonpath_s  *jsonpath;     /* *_BODY_PATH */
} apigw_mapping_t;

typedef struct {
    char                     *content_type; /* lowercase */
    size_t                    content_type_len;
    struct apigw_vtl_s       *vtl;
} apigw_template_t;

typedef enum {
    APIGW_PASSTHROUGH_WHEN_NO_MATCH = 0,
    APIGW_PASSTHROUGH_WHEN_NO_TEMPLATES,
    APIGW_PASSTHROUGH_NEVER
} apigw_passthrough_e;

/* an integration response: chosen by a pattern on the backend's status */
typedef struct {
    char                     *pattern;      /* NULL: "default" */
    void                     *regex;        /* pcre2_code */
    int                       status;       /* 0: the backend's */
    apigw_mapping_t          *mappings;
    size_t                    nmappings;
    apigw_template_t         *templates;
    size_t                    ntemplates;
} apigw_integration_response_t;

typedef struct {
    apigw_integration_type_e  type;
    apigw_tpl_t              *uri;
    char                     *method;       /* NULL: the request's */
    unsigned                  timeout_ms;
    int                       status;       /* mock */
    apigw_header_t           *headers;
    size_t                    nheaders;
    char                     *body;
    size_t                    body_len;

    apigw_mapping_t          *request_params;
    size_t                    nrequest_params;
    apigw_template_t         *request_templates;
    size_t                    nrequest_templates;
    apigw_passthrough_e       passthrough;
    apigw_integration_response_t  *responses;
    size_t                    nresponses;

    apigw_tpl_t              *function;     /* function: its name, which
                                               may hold stage variables */
    apigw_tpl_t              *qualifier;    /* function: a version or an
                                               alias, or NULL */

    unsigned                  needs_body:1; /* mapping from the body */
    unsigned                  needs_response_body:1;
    unsigned                  payload_v2:1; /* function: payload 2.0 */
} apigw_integration_t;

/* a token bucket: rate tokens a second (fractional allowed), burst its size */
typedef struct {
    double                    rate;         /* 0: no bucket */
    uint32_t                  burst;
} apigw_throttle_t;

#define APIGW_THROTTLE_MAX_RATE     1000000.0
#define APIGW_THROTTLE_MAX_BURST    10000000

/* {rate: R, burst: B} at loc */
int apigw_throttle_parse(const apigw_loc_t *loc, apigw_throttle_t *t,
    apigw_error_t *err);

/* an OpenAPI security scheme, and where its credential is */
typedef enum {
    APIGW_SCHEME_API_KEY = 0,       /* a header, query parameter or cookie */
    APIGW_SCHEME_HTTP,              /* Authorization: Basic, Bearer... */
    APIGW_SCHEME_OAUTH2,            /* Authorization: Bearer */
    APIGW_SCHEME_OPENID_CONNECT,    /* Authorization: Bearer */
    APIGW_SCHEME_MUTUAL_TLS,        /* a verified client certificate */
    APIGW_SCHEME_UNKNOWN            /* not OpenAPI's: an error if used */
} apigw_scheme_kind_e;

typedef struct {
    char                     *name;         /* in components */
    apigw_scheme_kind_e       kind;
    const char               *type;         /* "apiKey", "http"..., as the
                                               spec says */
    apigw_param_in_e          in;           /* where the credential is */
    char                     *param;        /* "x-api-key", "authorization";
                                               headers in lower case */
    size_t                    param_len;
    char                     *auth_scheme;  /* Authorization's scheme, lower
                                               case: "bearer"; or NULL */
    size_t                    auth_scheme_len;
    char                     *oidc_url;     /* openIdConnectUrl, or NULL */
    struct apigw_jwt_conf_s  *jwt;          /* x-apigw-jwt, an AWS jwt or
                                               Cognito authorizer; NULL */
    struct apigw_authorizer_s  *authorizer; /* a custom (TOKEN, REQUEST)
                                               authorizer, or NULL */
} apigw_security_scheme_t;

/* the scopes a requirement lists for one of its schemes */
typedef struct {
    char                    **names;
    size_t                    n;
} apigw_scopes_t;

/* one alternative of an operation's security: all its schemes apply */
typedef struct {
    apigw_security_scheme_t **schemes;
    apigw_scopes_t           *scopes;       /* per scheme */
    size_t                    nschemes;     /* 0: anonymous access */
} apigw_security_t;

typedef struct {
    int                       method;
    char                     *path;         /* the key in paths, as is */
    char                     *route_path;   /* its template: up to ? or # */
    char                     *route_key;    /* "GET /pets/{petId}" */
    apigw_route_cond_t       *conds;        /* "?k=v", "#k=v" in the key */
    size_t                    nconds;
    char                     *operation_id; /* "" when the spec has none */
    char                    **param_names;  /* path parameters, in order */
    size_t                    nparams;
    apigw_integration_t       integration;

    apigw_parameter_t        *parameters;   /* declared, validated */
    size_t                    nparameters;
    apigw_content_t           body;
    apigw_response_decl_t    *responses;
    size_t                    nresponses;
    apigw_security_t         *security;     /* alternatives, NULL: none */
    size_t                    nsecurity;
    apigw_throttle_t          throttle;     /* x-apigw-throttle */
    apigw_cache_conf_t        cache;        /* x-apigw-cache */

    unsigned                  validate_params:1;
    unsigned                  validate_body:1;
    unsigned                  error_details:1;

    char                     *problem;      /* why it did not load, or NULL;
                                               then it has its route and
                                               security only */
    apigw_loc_t               loc;
} apigw_operation_t;

typedef enum {
    APIGW_GR_DEFAULT_4XX = 0,
    APIGW_GR_DEFAULT_5XX,
    APIGW_GR_ACCESS_DENIED,
    APIGW_GR_API_CONFIGURATION_ERROR,
    APIGW_GR_AUTHORIZER_CONFIGURATION_ERROR,
    APIGW_GR_AUTHORIZER_FAILURE,
    APIGW_GR_BAD_REQUEST_PARAMETERS,
    APIGW_GR_BAD_REQUEST_BODY,
    APIGW_GR_EXPIRED_TOKEN,
    APIGW_GR_INTEGRATION_FAILURE,
    APIGW_GR_INTEGRATION_TIMEOUT,
    APIGW_GR_INVALID_API_KEY,
    APIGW_GR_INVALID_SIGNATURE,
    APIGW_GR_MISSING_AUTHENTICATION_TOKEN,
    APIGW_GR_QUOTA_EXCEEDED,
    APIGW_GR_REQUEST_TOO_LARGE,
    APIGW_GR_RESOURCE_NOT_FOUND,
    APIGW_GR_THROTTLED,
    APIGW_GR_UNAUTHORIZED,
    APIGW_GR_UNSUPPORTED_MEDIA_TYPE,
    APIGW_GR_WAF_FILTERED,
    APIGW_GR_COUNT
} apigw_gr_type_e;

typedef struct {
    const char               *name;         /* "MISSING_AUTHENTICATION_TOKEN" */
    int                       status;
    const char               *message;
    const char               *error_type;   /* x-amzn-ErrorType */
} apigw_gr_default_t;

/* a gateway response customised in the spec; 0/NULL fields: the default */
typedef struct {
    int                       status;
    apigw_header_t           *headers;
    size_t                    nheaders;
    apigw_tpl_t              *body;
} apigw_gateway_response_t;

/*
 * CORS (x-amazon-apigateway-cors, x-apigw-cors): apigw_spec_cors.c
 * compiles it, apigw_cors.c answers for it
 */
typedef struct {
    char                    **items;        /* origins lowercase */
    size_t                    n;
    char                     *joined;       /* "a,b", as a header's value */
    size_t                    joined_len;
    unsigned                  any:1;        /* "*" */
} apigw_cors_list_t;

typedef struct {
    apigw_cors_list_t         origins;
    apigw_cors_list_t         methods;
    apigw_cors_list_t         headers;
    apigw_cors_list_t         expose;
    int                       max_age;      /* -1: not sent */
    unsigned                  credentials:1;
} apigw_cors_t;

typedef struct {
    const char               *data;         /* NULL: not sent */
    size_t                    len;
} apigw_cors_value_t;

/* the Access-Control-* values for a response */
typedef struct {
    apigw_cors_value_t        allow_origin;
    apigw_cors_value_t        allow_methods;    /* preflights */
    apigw_cors_value_t        allow_headers;    /* preflights */
    apigw_cors_value_t        expose_headers;   /* actual requests */
    int                       max_age;          /* preflights; -1: none */
    unsigned                  credentials:1;
} apigw_cors_answer_t;

/*
 * 1 and the answer set when the origin, the requested method and every
 * requested header are allowed; 0 when not (nothing to send)
 */
int apigw_cors_preflight(const apigw_cors_t *cors, const char *origin,
    size_t olen, const char *method, size_t mlen, const char *headers,
    size_t hlen, apigw_cors_answer_t *a);
/* an actual request's: 1 when the origin is allowed, 0 when not */
int apigw_cors_actual(const apigw_cors_t *cors, const char *origin,
    size_t olen, apigw_cors_answer_t *a);
int apigw_cors_origin_allowed(const apigw_cors_t *cors, const char *origin,
    size_t len);
/* 0: "scheme://host[:port]", or "*" when any is 1; -1: not one */
int apigw_cors_origin_valid(const char *s, size_t len, int any);
void apigw_cors_free(apigw_cors_t *cors);

typedef struct {
    apigw_docset_t           *docs;
    struct apigw_schema_set_s  *schemas;
    unsigned                  oas31:1;
    unsigned                  responses_compiled:1;
    apigw_operation_t        *ops;
    size_t                    nops;
    apigw_router_t           *router;
    apigw_gateway_response_t *responses[APIGW_GR_COUNT];
    apigw_security_scheme_t  *schemes;      /* components.securitySchemes */
    size_t                    nschemes;
    unsigned                  key_from_authorizer:1;    /* x-amazon-apigateway-
                                                           api-key-source:
                                                           AUTHORIZER */
    apigw_cors_t             *cors;         /* NULL: no CORS */
    char                    **binary_types; /* x-amazon-apigateway-binary-
                                               media-types, lower case */
    size_t                    nbinary_types;
    unsigned                  functions:1;  /* an operation is a function */
    apigw_warnings_t          warnings;     /* what loaded with problems */
} apigw_api_t;

extern const apigw_gr_default_t  apigw_gr_defaults[APIGW_GR_COUNT];

#define APIGW_LOAD_STRICT       0x1     /* warnings are errors */

apigw_api_t *apigw_api_load(const char *path, unsigned flags,
    apigw_error_t *err);
void apigw_api_free(apigw_api_t *api);
/* the integration response for a status such as "200", or NULL */
apigw_integration_response_t *apigw_integration_response_select(
    apigw_integration_t *in, const char *status, size_t len);
/* the declared responses' schemas, for response validation: on demand */
int apigw_api_compile_responses(apigw_api_t *api, apigw_error_t *err);
int apigw_hex_digit(int c);
/* 1 for RFC 3986's unreserved: A-Z a-z 0-9 - . _ ~ */
int apigw_uri_unreserved(int c);
/*
 * one UTF-8 character at s: its length and code point, 0 when the bytes
 * are not UTF-8 (overlong, surrogate, past U+10FFFF, cut short)
 */
size_t apigw_utf8_char(const char *s, const char *end, uint32_t *cp);
/* 1 when the whole text is UTF-8 (what json_stringn() takes) */
int apigw_utf8_valid(const char *s, size_t len);
/* base64, the standard alphabet, padded: (len + 2) / 3 * 4 bytes to out */
size_t apigw_base64_encode(const unsigned char *in, size_t len, char *out);
/*
 * the standard alphabet, padding optional; out holds len / 4 * 3 + 3
 * bytes: 0, or -1 when it is not base64
 */
int apigw_base64_decode(const char *in, size_t len, unsigned char *out,
    size_t *outlen);


/*
 * v as json_dumps(v, JSON_COMPACT) writes it (apigw_json_dump.c): its
 * length, (size_t) -1 when it cannot be written; then the text, into that
 * many bytes at p (no NUL), and the end of it
 */
size_t apigw_json_dump_size(const json_t *v);
char *apigw_json_dump_write(const json_t *v, char *p);
/*
 * UTF-8 text as a JSON string, quotes included, escaped as jansson does:
 * its length; with p, written there too
 */
size_t apigw_json_dump_string(const char *s, size_t len, char *p);
/* n in decimal, written backwards to end at end (24 bytes are enough);
   where it starts */
char *apigw_json_integer_text(int64_t n, char *end);


/*
 * a body as JSON, strictly (apigw_json.c): UTF-8, no NUL, no duplicate
 * keys, numbers in range, nesting up to max_depth; NULL with errbuf
 * ("line 1, column 9: ...") when it is not
 */
json_t *apigw_json_parse(const char *buf, size_t len, unsigned max_depth,
    char *errbuf, size_t errlen);
/*
 * as json_loadb(JSON_DECODE_ANY | JSON_ALLOW_NUL) reads a function's
 * answer: \u0000 in strings, a repeated key's last value, nesting up to
 * jansson's own limit
 */
json_t *apigw_json_parse_lenient(const char *buf, size_t len, char *errbuf,
    size_t errlen);

/* where the nodes of a tree parsed by apigw_json_parse_in() come from */
typedef struct {
    void                   *(*alloc)(void *data, size_t size);
    void                     *data;
} apigw_json_arena_t;

/* jansson's allocator for the process: malloc(), or an arena in a parse */
void apigw_json_use_arenas(void);
/* a tree in the arena: never json_decref() it to nothing; it goes with the
 * arena */
json_t *apigw_json_parse_in(const apigw_json_arena_t *arena, const char *buf,
    size_t len, unsigned max_depth, char *errbuf, size_t errlen);
/*
 * where jansson allocates from until set to NULL again: what is made
 * meanwhile goes with the arena, and must not be json_decref()ed after
 */
void apigw_json_set_arena(const apigw_json_arena_t *arena);


/*
 * JSON text written as it goes (apigw_json_writer.c), compact, as
 * apigw_json_dump_write() would write the tree of it: commas between
 * members and items come by themselves, a key before each member's
 * value.  Strings must be UTF-8.  The buffer grows by doubling, from the
 * arena (what is outgrown is left to it) or with realloc(); any failure
 * sets failed, and what follows it writes nothing.
 */
typedef struct {
    char                     *start;
    char                     *p;
    char                     *end;
    const apigw_json_arena_t *arena;    /* NULL: malloc(), free() it */
    unsigned                  first:1;  /* no comma before what comes */
    unsigned                  failed:1;
} apigw_json_writer_t;

void apigw_json_writer_init(apigw_json_writer_t *w,
    const apigw_json_arena_t *arena, size_t size);
/* room for n more bytes at w->p, or NULL (failed) */
char *apigw_json_writer_reserve(apigw_json_writer_t *w, size_t n);
void apigw_json_write_begin(apigw_json_writer_t *w, char c);
void apigw_json_write_end(apigw_json_writer_t *w, char c);
void apigw_json_write_key(apigw_json_writer_t *w, const char *s,
    size_t len);
/* a key that is a literal needing no escapes, written as it is */
#define apigw_json_write_keyl(w, s)                                           \
    apigw_json_write_name(w, "\"" s "\":", sizeof(s) + 2)
void apigw_json_write_name(apigw_json_writer_t *w, const char *quoted,
    size_t len);
void apigw_json_write_string(apigw_json_writer_t *w, const char *s,
    size_t len);
#define apigw_json_write_stringl(w, s)                                        \
    apigw_json_write_string(w, s, sizeof(s) - 1)
void apigw_json_write_integer(apigw_json_writer_t *w, int64_t n);
/* text that is JSON already: "null", "true", a value's text */
void apigw_json_write_raw(apigw_json_writer_t *w, const char *s,
    size_t len);
#define apigw_json_write_rawl(w, s)                                           \
    apigw_json_write_raw(w, s, sizeof(s) - 1)
/* bytes as a string of their base64 */
void apigw_json_write_base64(apigw_json_writer_t *w, const char *s,
    size_t len);
/* a tree, as apigw_json_dump_write() writes it; failed if it cannot be */
void apigw_json_write_value(apigw_json_writer_t *w, const json_t *v);


/* $context variables, for templates and parameter mappings */
typedef enum {
    APIGW_CTX_REQUEST_ID = 0,
    APIGW_CTX_EXTENDED_REQUEST_ID,
    APIGW_CTX_STAGE,
    APIGW_CTX_API_ID,
    APIGW_CTX_HTTP_METHOD,
    APIGW_CTX_RESOURCE_PATH,
    APIGW_CTX_RESOURCE_ID,
    APIGW_CTX_PATH,
    APIGW_CTX_PROTOCOL,
    APIGW_CTX_DOMAIN_NAME,
    APIGW_CTX_REQUEST_TIME,
    APIGW_CTX_REQUEST_TIME_EPOCH,
    APIGW_CTX_SOURCE_IP,
    APIGW_CTX_USER_AGENT,
    APIGW_CTX_API_KEY_ID,               /* identity.apiKeyId */
    APIGW_CTX_TRACE_ID,                 /* xrayTraceId */
    APIGW_CTX_OPERATION_NAME,
    APIGW_CTX_ERROR_MESSAGE,
    APIGW_CTX_ERROR_MESSAGE_STRING,
    APIGW_CTX_ERROR_RESPONSE_TYPE,
    APIGW_CTX_ERROR_VALIDATION_ERROR_STRING,
    APIGW_CTX_DEPLOYMENT_ID,            /* the apigw_api that serves */
    APIGW_CTX_IS_CANARY_REQUEST,
    APIGW_CTX_AUTHORIZER_PRINCIPAL_ID,  /* authorizer.principalId */
    APIGW_CTX_AUTHORIZER_CLAIM,         /* authorizer.claims.NAME */
    APIGW_CTX_AUTHORIZER,               /* authorizer.KEY: the context a
                                           custom authorizer answered */
    APIGW_CTX_COUNT
} apigw_context_e;

/* a name that ends in "." is a prefix: a key follows it */
extern const char  *apigw_context_names[APIGW_CTX_COUNT + 1];

/*
 * "identity.sourceIp" -> APIGW_CTX_SOURCE_IP, "authorizer.claims.email"
 * -> APIGW_CTX_AUTHORIZER_CLAIM (its key: what follows the prefix,
 * apigw_context_key()), or -1
 */
int apigw_context_index(const char *name, size_t len);
/* the key in a name of a prefix's index ("email"); len 0 for the others */
const char *apigw_context_key(int index, const char *name, size_t len,
    size_t *key_len);


/* request parameters as received (apigw_params.c) */
typedef struct {
    const char               *name;
    size_t                    name_len;
    const char               *value;
    size_t                    value_len;
} apigw_pair_t;

#define APIGW_MAX_PAIRS         256

/* decoded query pairs; their text goes to scratch, len bytes at most */
size_t apigw_query_parse(const char *s, size_t len, char *scratch,
    apigw_pair_t *pairs, size_t max);
/* the same, "+" a plus sign, not a space (RFC 3986, AWS SigV4) */
size_t apigw_query_parse_uri(const char *s, size_t len, char *scratch,
    apigw_pair_t *pairs, size_t max);
/* a Cookie header's pairs appended after the n already in pairs */
size_t apigw_cookie_parse(const char *s, size_t len, apigw_pair_t *pairs,
    size_t max, size_t n);
/* apigw_param_value(): *value is a new reference only for FOUND */
#define APIGW_PARAM_FOUND       1
#define APIGW_PARAM_ABSENT      0
#define APIGW_PARAM_ERROR       -1      /* out of memory */
#define APIGW_PARAM_NOT_UTF8    -2      /* the client's text: refuse it */

int apigw_param_value(const apigw_parameter_t *p, const char *text,
    size_t len, const apigw_pair_t *pairs, size_t npairs, json_t **value);
json_t *apigw_param_scalar(apigw_type_e type, const char *s, size_t len);
const char *apigw_param_in_name(apigw_param_in_e in);

const apigw_media_t *apigw_media_match(const apigw_content_t *content,
    const char *type, size_t len);
int apigw_content_type_is_json(const char *type, size_t len);


#endif /* _APIGW_CORE_H_INCLUDED_ */
