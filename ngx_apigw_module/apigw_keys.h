
/*
 * Copyright (C) apigw contributors
 */


#ifndef _APIGW_KEYS_H_INCLUDED_
#define _APIGW_KEYS_H_INCLUDED_


/*
 * API keys and usage plans (apigw_keys.c): the file named by apigw_keys,
 * JSON or YAML.  Keys are kept as SHA-256 digests only.  nginx-free.
 */

#include "apigw_core.h"


#define APIGW_KEY_MIN_LEN       20
#define APIGW_KEY_MAX_LEN       128
#define APIGW_SHA256_LEN        32

typedef enum {
    APIGW_QUOTA_NONE = 0,
    APIGW_QUOTA_DAY,
    APIGW_QUOTA_WEEK,
    APIGW_QUOTA_MONTH
} apigw_quota_period_e;

typedef struct {
    uint64_t                limit;
    apigw_quota_period_e    period;
    unsigned                offset;     /* days into the week or month */
} apigw_quota_t;

/* a per-operation throttle of a plan: "GET /pets/{petId}" */
typedef struct {
    char                   *route_key;
    apigw_throttle_t        throttle;
} apigw_plan_op_t;

/* an API stage a plan covers: "petstore/prod" */
typedef struct {
    char                   *api;
    char                   *stage;
    apigw_plan_op_t        *ops;
    size_t                  nops;
} apigw_plan_stage_t;

typedef struct {
    char                   *id;
    apigw_throttle_t        throttle;       /* rate 0: none */
    apigw_quota_t           quota;
    apigw_plan_stage_t     *stages;
    size_t                  nstages;
    unsigned                cache_invalidation:1;   /* may refresh cached
                                                       responses */
} apigw_plan_t;

typedef struct {
    char                   *id;
    char                   *name;
    unsigned char           sha256[APIGW_SHA256_LEN];
    unsigned                enabled:1;
    apigw_plan_t           *plan;
} apigw_key_t;

typedef struct {
    apigw_plan_t           *plans;
    size_t                  nplans;
    apigw_key_t            *keys;
    size_t                  nkeys;
    apigw_key_t           **table;          /* by digest, open addressing */
    size_t                  size;
} apigw_keys_t;


apigw_keys_t *apigw_keys_load(const char *path, apigw_error_t *err);
void apigw_keys_free(apigw_keys_t *keys);

/* the key whose value this is, or NULL; digests compared in constant time */
const apigw_key_t *apigw_keys_find(const apigw_keys_t *keys,
    const char *value, size_t len);
const apigw_key_t *apigw_keys_find_digest(const apigw_keys_t *keys,
    const unsigned char *digest);
/* the plan's entry for an API stage, or NULL when it does not cover it */
const apigw_plan_stage_t *apigw_plan_stage(const apigw_plan_t *plan,
    const char *api, size_t api_len, const char *stage, size_t stage_len);
/* the plan's throttle for one operation of a stage, or NULL */
const apigw_throttle_t *apigw_plan_op_throttle(const apigw_plan_stage_t *ps,
    const char *route_key);

void apigw_sha256(const void *data, size_t len,
    unsigned char out[APIGW_SHA256_LEN]);
/* frees what apigw_sha256() keeps for the process: at its exit */
void apigw_sha256_free(void);


#endif /* _APIGW_KEYS_H_INCLUDED_ */
