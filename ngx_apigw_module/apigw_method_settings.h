
/*
 * Copyright (C) apigw contributors
 */


#ifndef _APIGW_METHOD_SETTINGS_H_INCLUDED_
#define _APIGW_METHOD_SETTINGS_H_INCLUDED_


/*
 * A stage's settings for some of its operations, as AWS's stage
 * methodSettings keep them (apigw_method_settings.c), nginx-free: the key
 * that names the operations, the settings, and what applies to one
 * operation.  The nginx glue (ngx_http_apigw_method_settings.c) folds the
 * outcome into each stage's per-operation table.
 */

#include "apigw_core.h"


#define APIGW_SETTING_UNSET     -1
#define APIGW_ANY_METHOD        -1


/*
 * the operations a key names: every one (AWS's star key, "*" "/" "*");
 * else those of a resource, of one method or of every method
 */
typedef struct {
    int                       method;   /* APIGW_METHOD_*, APIGW_ANY_METHOD */
    char                     *path;     /* as the spec writes it; NULL:
                                           every resource */
    size_t                    path_len;
} apigw_method_key_t;

/* nginx's levels, numbered as nginx numbers them; AWS's OFF is crit */
typedef enum {
    APIGW_LOG_EMERG = 1,
    APIGW_LOG_ALERT,
    APIGW_LOG_CRIT,
    APIGW_LOG_ERR,
    APIGW_LOG_WARN,
    APIGW_LOG_NOTICE,
    APIGW_LOG_INFO
} apigw_log_level_e;

/* every member APIGW_SETTING_UNSET until set */
typedef struct {
    int                       throttle;     /* 0: no bucket; 1: limits */
    apigw_throttle_t          limits;
    int                       cache;        /* 0, 1 */
    int                       cache_ttl;    /* s, 0..3600 */
    int                       cache_require_authorization;    /* 0, 1 */
    int                       cache_unauthorized;   /* apigw_cache_
                                                       unauthorized_e */
    int                       log_level;    /* apigw_log_level_e */
    int                       metrics;      /* 0, 1 */
    int                       validation_details;     /* 0, 1 */
    unsigned                  cache_method_named:1;   /* resolved: cache
                                                         came from a key
                                                         with a method */
} apigw_method_settings_t;

typedef struct {
    apigw_method_key_t        key;
    apigw_method_settings_t   settings;
    void                     *data;         /* the caller's */
} apigw_method_entry_t;


/*
 * the star key; "RESOURCE/METHOD", AWS's, with "~1" for "/" as CloudFormation
 * writes it ("~1pets~1{petId}/GET"); "METHOD RESOURCE", the gateway's
 * route key ("GET /pets/{petId}").  METHOD "*" is every method of the
 * resource.  path must hold len + 2 bytes: the key's resource, decoded,
 * points into it.  0; -1 with *why set
 */
int apigw_method_key_parse(const char *s, size_t len, char *path,
    apigw_method_key_t *key, const char **why);
int apigw_method_key_equal(const apigw_method_key_t *a,
    const apigw_method_key_t *b);
/*
 * how closely the key names the operation, -1 when it does not: 0 for
 * the star key, 1 its path template and "*", 2 its template and method, 3 its
 * path with discriminators ("/rest?a=b") and "*", 4 that and its method
 */
int apigw_method_key_rank(const apigw_method_key_t *key,
    const apigw_operation_t *op);

void apigw_method_settings_init(apigw_method_settings_t *s);
/* one NAME=VALUE into s: 0; -1 with why, a message, written */
int apigw_method_setting_parse(apigw_method_settings_t *s, const char *arg,
    size_t len, char *why, size_t whylen);
/*
 * the operation's settings: each from the entry of highest rank that
 * names the operation and sets it; APIGW_SETTING_UNSET where none does
 */
void apigw_method_settings_resolve(const apigw_method_entry_t *entries,
    size_t n, const apigw_operation_t *op, apigw_method_settings_t *out);


#endif /* _APIGW_METHOD_SETTINGS_H_INCLUDED_ */
