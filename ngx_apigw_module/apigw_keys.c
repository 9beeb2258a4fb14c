
/*
 * Copyright (C) apigw contributors
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "apigw_keys.h"
#include "apigw_spec_int.h"


/*
 * The keys file:
 *
 *     plans:
 *       - id: gold
 *         throttle: {rate: 100, burst: 200}
 *         quota: {limit: 100000, period: MONTH, offset: 0}
 *         stages:
 *           - stage: petstore/prod
 *             throttle: {"GET /pets/{petId}": {rate: 10, burst: 20}}
 *     keys:
 *       - {id: k1, name: alice, value: "...", plan: gold}
 *       - {id: k2, sha256: "<64 hex digits>", plan: gold, enabled: false}
 *
 * A clear value is hashed as it is read and wiped from the parsed
 * document; only digests stay.
 */


typedef struct {
    apigw_keys_t           *keys;
    apigw_error_t          *err;
} apigw_keys_ctx_t;


static int apigw_keys_plans(apigw_keys_ctx_t *kc, apigw_loc_t *root);
static int apigw_keys_plan(apigw_keys_ctx_t *kc, apigw_plan_t *plan,
    apigw_loc_t *loc);
static int apigw_keys_stage(apigw_keys_ctx_t *kc, apigw_plan_stage_t *ps,
    apigw_loc_t *loc);
static int apigw_keys_keys(apigw_keys_ctx_t *kc, apigw_loc_t *root);
static int apigw_keys_key(apigw_keys_ctx_t *kc, apigw_key_t *key,
    apigw_loc_t *loc);
static int apigw_keys_index(apigw_keys_ctx_t *kc, apigw_loc_t *root);
static char *apigw_keys_string(apigw_keys_ctx_t *kc, apigw_loc_t *loc,
    const char *name, int required);
static int apigw_keys_quota(apigw_keys_ctx_t *kc, apigw_quota_t *quota,
    apigw_loc_t *loc);
static size_t apigw_keys_slot(const unsigned char *digest, size_t size);


/* apigw_sha256()'s algorithm and context, per process */
static const EVP_MD  *apigw_sha256_md;
static EVP_MD_CTX    *apigw_sha256_ctx;


apigw_keys_t *
apigw_keys_load(const char *path, apigw_error_t *err)
{
    apigw_loc_t        root;
    apigw_docset_t    *docs;
    apigw_keys_ctx_t   kc;

    static const char  *members[] = { "plans", "keys", NULL };

    kc.err = err;
    kc.keys = calloc(1, sizeof(apigw_keys_t));

    if (kc.keys == NULL) {
        snprintf(err->file, sizeof(err->file), "%s", path);
        apigw_error_set(err, "", 0, "out of memory");
        return NULL;
    }

    docs = apigw_docset_load(path, err);
    if (docs == NULL) {
        apigw_keys_free(kc.keys);
        return NULL;
    }

    root.doc = docs->docs;
    root.node = root.doc->root;
    root.key = NULL;
    root.pointer[0] = '\0';

    if (!json_is_object(root.node)) {
        apigw_loc_error(err, &root, "a keys file must be an object");
        goto failed;
    }

    if (apigw_loc_check_members(&root, members, NULL, err) != 0
        || apigw_keys_plans(&kc, &root) != 0
        || apigw_keys_keys(&kc, &root) != 0
        || apigw_keys_index(&kc, &root) != 0)
    {
        goto failed;
    }

    apigw_docset_free(docs);

    return kc.keys;

failed:

    apigw_docset_free(docs);
    apigw_keys_free(kc.keys);

    return NULL;
}


void
apigw_keys_free(apigw_keys_t *keys)
{
    size_t               i, j, k;
    apigw_plan_stage_t  *ps;

    if (keys == NULL) {
        return;
    }

    for (i = 0; i < keys->nplans; i++) {
        for (j = 0; j < keys->plans[i].nstages; j++) {
            ps = &keys->plans[i].stages[j];

            for (k = 0; k < ps->nops; k++) {
                free(ps->ops[k].route_key);
            }

            free(ps->ops);
            free(ps->api);
            free(ps->stage);
        }

        free(keys->plans[i].stages);
        free(keys->plans[i].id);
    }

    for (i = 0; i < keys->nkeys; i++) {
        free(keys->keys[i].id);
        free(keys->keys[i].name);
        OPENSSL_cleanse(keys->keys[i].sha256, APIGW_SHA256_LEN);
    }

    free(keys->plans);
    free(keys->keys);
    free(keys->table);
    free(keys);
}


const apigw_key_t *
apigw_keys_find(const apigw_keys_t *keys, const char *value, size_t len)
{
    unsigned char       digest[APIGW_SHA256_LEN];
    const apigw_key_t  *key;

    if (len < APIGW_KEY_MIN_LEN || len > APIGW_KEY_MAX_LEN) {
        return NULL;
    }

    apigw_sha256(value, len, digest);
    key = apigw_keys_find_digest(keys, digest);
    OPENSSL_cleanse(digest, sizeof(digest));

    return key;
}


const apigw_key_t *
apigw_keys_find_digest(const apigw_keys_t *keys,
    const unsigned char *digest)
{
    size_t              i;
    const apigw_key_t  *key;

    if (keys->size == 0) {
        return NULL;
    }

    /*
     * the slot comes from the digest, which tells nothing about the
     * value; the digests themselves are compared in constant time
     */
    for (i = apigw_keys_slot(digest, keys->size); keys->table[i] != NULL;
         i = (i + 1) & (keys->size - 1))
    {
        key = keys->table[i];

        if (CRYPTO_memcmp(key->sha256, digest, APIGW_SHA256_LEN) == 0) {
            return key;
        }
    }

    return NULL;
}


const apigw_plan_stage_t *
apigw_plan_stage(const apigw_plan_t *plan, const char *api, size_t api_len,
    const char *stage, size_t stage_len)
{
    size_t                     i;
    const apigw_plan_stage_t  *ps;

    for (i = 0; i < plan->nstages; i++) {
        ps = &plan->stages[i];

        if (strlen(ps->api) == api_len && memcmp(ps->api, api, api_len) == 0
            && strlen(ps->stage) == stage_len
            && memcmp(ps->stage, stage, stage_len) == 0)
        {
            return ps;
        }
    }

    return NULL;
}


const apigw_throttle_t *
apigw_plan_op_throttle(const apigw_plan_stage_t *ps, const char *route_key)
{
    size_t  i;

    for (i = 0; i < ps->nops; i++) {
        if (strcmp(ps->ops[i].route_key, route_key) == 0) {
            return &ps->ops[i].throttle;
        }
    }

    return NULL;
}


/*
 * SHA-256 with the algorithm fetched once and one context reused: a
 * fetch per digest (EVP_Digest()) costs more than the digest itself
 */
void
apigw_sha256(const void *data, size_t len, unsigned char out[APIGW_SHA256_LEN])
{
    unsigned int  n;

    if (apigw_sha256_ctx == NULL) {
#if (OPENSSL_VERSION_NUMBER >= 0x30000000L)
        apigw_sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
#else
        apigw_sha256_md = EVP_sha256();
#endif
        apigw_sha256_ctx = EVP_MD_CTX_new();
    }

    if (apigw_sha256_md == NULL || apigw_sha256_ctx == NULL
        || EVP_DigestInit_ex(apigw_sha256_ctx, apigw_sha256_md, NULL) != 1
        || EVP_DigestUpdate(apigw_sha256_ctx, data, len) != 1
        || EVP_DigestFinal_ex(apigw_sha256_ctx, out, &n) != 1)
    {
        /* cannot happen with the built-in SHA-256; never match then */
        memset(out, 0, APIGW_SHA256_LEN);
    }
}


/*
 * what apigw_sha256() keeps, freed as the process ends: nginx unloads
 * the module then, and with it the only pointers to them
 */
void
apigw_sha256_free(void)
{
    EVP_MD_CTX_free(apigw_sha256_ctx);
    apigw_sha256_ctx = NULL;

#if (OPENSSL_VERSION_NUMBER >= 0x30000000L)
    EVP_MD_free((EVP_MD *) apigw_sha256_md);
#endif
    apigw_sha256_md = NULL;
}


static int
apigw_keys_plans(apigw_keys_ctx_t *kc, apigw_loc_t *root)
{
    size_t        i, j;
    json_t       *plans;
    apigw_loc_t   loc, item;

    plans = apigw_spec_member(root, &loc, "plans", NULL);

    if (plans == NULL) {
        return 0;
    }

    if (!json_is_array(plans)) {
        apigw_loc_error(kc->err, &loc, "\"plans\" must be an array");
        return -1;
    }

    kc->keys->plans = calloc(json_array_size(plans) + 1,
                             sizeof(apigw_plan_t));
    if (kc->keys->plans == NULL) {
        apigw_loc_error(kc->err, &loc, "out of memory");
        return -1;
    }

    for (i = 0; i < json_array_size(plans); i++) {
        apigw_loc_index(&loc, &item, i, json_array_get(plans, i));
        kc->keys->nplans++;

        if (apigw_keys_plan(kc, &kc->keys->plans[i], &item) != 0) {
            return -1;
        }

        for (j = 0; j < i; j++) {
            if (strcmp(kc->keys->plans[j].id, kc->keys->plans[i].id) == 0) {
                apigw_loc_error(kc->err, &item, "plan \"%s\" is defined "
                                "twice", kc->keys->plans[i].id);
                return -1;
            }
        }
    }

    return 0;
}


static int
apigw_keys_plan(apigw_keys_ctx_t *kc, apigw_plan_t *plan, apigw_loc_t *loc)
{
    size_t        i;
    json_t       *stages, *inval;
    apigw_loc_t   child, item;

    static const char  *members[] = {
        "id", "name", "description", "throttle", "quota", "stages",
        "cacheInvalidation", NULL
    };

    if (!json_is_object(loc->node)) {
        apigw_loc_error(kc->err, loc, "a plan must be an object");
        return -1;
    }

    if (apigw_loc_check_members(loc, members, NULL, kc->err) != 0) {
        return -1;
    }

    plan->id = apigw_keys_string(kc, loc, "id", 1);
    if (plan->id == NULL) {
        return -1;
    }

    if (apigw_spec_member(loc, &child, "throttle", NULL)
        && apigw_throttle_parse(&child, &plan->throttle, kc->err) != 0)
    {
        return -1;
    }

    if (apigw_spec_member(loc, &child, "quota", NULL)
        && apigw_keys_quota(kc, &plan->quota, &child) != 0)
    {
        return -1;
    }

    inval = apigw_spec_member(loc, &child, "cacheInvalidation", NULL);

    if (inval) {
        if (!json_is_boolean(inval)) {
            apigw_loc_error(kc->err, &child, "\"cacheInvalidation\" must be "
                            "a boolean");
            return -1;
        }

        plan->cache_invalidation = json_is_true(inval);
    }

    stages = apigw_spec_member(loc, &child, "stages", NULL);

    if (stages == NULL || !json_is_array(stages)
        || json_array_size(stages) == 0)
    {
        apigw_loc_error(kc->err, stages ? &child : loc,
                        "a plan needs \"stages\": the API stages it covers, "
                        "such as [{stage: petstore/prod}]");
        return -1;
    }

    plan->stages = calloc(json_array_size(stages),
                          sizeof(apigw_plan_stage_t));
    if (plan->stages == NULL) {
        apigw_loc_error(kc->err, loc, "out of memory");
        return -1;
    }

    for (i = 0; i < json_array_size(stages); i++) {
        apigw_loc_index(&child, &item, i, json_array_get(stages, i));
        plan->nstages++;

        if (apigw_keys_stage(kc, &plan->stages[i], &item) != 0) {
            return -1;
        }
    }

    return 0;
}


/* {stage: "api/stage", throttle: {"GET /pets/{petId}": {rate, burst}}} */
static int
apigw_keys_stage(apigw_keys_ctx_t *kc, apigw_plan_stage_t *ps,
    apigw_loc_t *loc)
{
    char         *name, *slash;
    size_t        n;
    json_t       *ops, *value;
    const char   *key;
    apigw_loc_t   child, op;

    static const char  *members[] = { "stage", "throttle", NULL };

    if (!json_is_object(loc->node)) {
        apigw_loc_error(kc->err, loc, "a plan's stage must be an object");
        return -1;
    }

    if (apigw_loc_check_members(loc, members, NULL, kc->err) != 0) {
        return -1;
    }

    name = apigw_keys_string(kc, loc, "stage", 1);
    if (name == NULL) {
        return -1;
    }

    slash = strchr(name, '/');

    if (slash == NULL || slash == name || slash[1] == '\0'
        || strchr(slash + 1, '/') != NULL)
    {
        apigw_loc_child(loc, &child, "stage",
                        json_object_get(loc->node, "stage"));
        apigw_loc_error(kc->err, &child, "\"%s\" is not \"api/stage\" (an "
                        "apigw_api name and a stage, as in petstore/prod)",
                        name);
        free(name);
        return -1;
    }

    *slash = '\0';
    ps->api = name;
    ps->stage = strdup(slash + 1);

    if (ps->stage == NULL) {
        apigw_loc_error(kc->err, loc, "out of memory");
        return -1;
    }

    ops = apigw_spec_member(loc, &child, "throttle", NULL);

    if (ops == NULL) {
        return 0;
    }

    if (!json_is_object(ops)) {
        apigw_loc_error(kc->err, &child, "a stage's \"throttle\" maps "
                        "operations (\"GET /pets/{petId}\") to throttles");
        return -1;
    }

    ps->ops = calloc(json_object_size(ops) + 1, sizeof(apigw_plan_op_t));
    if (ps->ops == NULL) {
        apigw_loc_error(kc->err, &child, "out of memory");
        return -1;
    }

    n = 0;

    json_object_foreach(ops, key, value) {
        apigw_loc_child(&child, &op, key, value);

        if (strchr(key, ' ') == NULL || key[0] == ' ') {
            apigw_loc_error(kc->err, &op, "\"%s\" is not an operation such "
                            "as \"GET /pets/{petId}\"", key);
            return -1;
        }

        ps->ops[n].route_key = strdup(key);
        ps->nops = ++n;

        if (ps->ops[n - 1].route_key == NULL) {
            apigw_loc_error(kc->err, &op, "out of memory");
            return -1;
        }

        if (apigw_throttle_parse(&op, &ps->ops[n - 1].throttle, kc->err)
            != 0)
        {
            return -1;
        }
    }

    return 0;
}


static int
apigw_keys_quota(apigw_keys_ctx_t *kc, apigw_quota_t *quota,
    apigw_loc_t *loc)
{
    int           max;
    json_t       *limit, *period, *offset;
    const char   *p;
    apigw_loc_t   child;

    static const char  *members[] = { "limit", "period", "offset", NULL };

    if (!json_is_object(loc->node)) {
        apigw_loc_error(kc->err, loc, "\"quota\" must be an object");
        return -1;
    }

    if (apigw_loc_check_members(loc, members, NULL, kc->err) != 0) {
        return -1;
    }

    limit = apigw_spec_member(loc, &child, "limit", NULL);

    if (!json_is_integer(limit) || json_integer_value(limit) < 1) {
        apigw_loc_error(kc->err, limit ? &child : loc,
                        "a quota needs a \"limit\": a positive integer");
        return -1;
    }

    quota->limit = (uint64_t) json_integer_value(limit);

    period = apigw_spec_member(loc, &child, "period", NULL);
    p = json_is_string(period) ? json_string_value(period) : "";

    if (strcmp(p, "DAY") == 0) {
        quota->period = APIGW_QUOTA_DAY;

    } else if (strcmp(p, "WEEK") == 0) {
        quota->period = APIGW_QUOTA_WEEK;

    } else if (strcmp(p, "MONTH") == 0) {
        quota->period = APIGW_QUOTA_MONTH;

    } else {
        apigw_loc_error(kc->err, period ? &child : loc,
                        "a quota needs a \"period\": DAY, WEEK or MONTH");
        return -1;
    }

    /* AWS's offset: the day a period starts, 0 Sunday or the 1st */
    offset = apigw_spec_member(loc, &child, "offset", NULL);

    if (offset == NULL) {
        return 0;
    }

    max = (quota->period == APIGW_QUOTA_DAY) ? 0
          : (quota->period == APIGW_QUOTA_WEEK) ? 6 : 27;

    if (!json_is_integer(offset) || json_integer_value(offset) < 0
        || json_integer_value(offset) > max)
    {
        apigw_loc_error(kc->err, &child, "a %s quota's \"offset\" is the "
                        "day its period starts, from 0 to %d", p, max);
        return -1;
    }

    quota->offset = (unsigned) json_integer_value(offset);

    return 0;
}


static int
apigw_keys_keys(apigw_keys_ctx_t *kc, apigw_loc_t *root)
{
    size_t        i, j;
    json_t       *keys;
    apigw_loc_t   loc, item;

    keys = apigw_spec_member(root, &loc, "keys", NULL);

    if (keys == NULL) {
        return 0;
    }

    if (!json_is_array(keys)) {
        apigw_loc_error(kc->err, &loc, "\"keys\" must be an array");
        return -1;
    }

    kc->keys->keys = calloc(json_array_size(keys) + 1, sizeof(apigw_key_t));
    if (kc->keys->keys == NULL) {
        apigw_loc_error(kc->err, &loc, "out of memory");
        return -1;
    }

    for (i = 0; i < json_array_size(keys); i++) {
        apigw_loc_index(&loc, &item, i, json_array_get(keys, i));
        kc->keys->nkeys++;

        if (apigw_keys_key(kc, &kc->keys->keys[i], &item) != 0) {
            return -1;
        }

        for (j = 0; j < i; j++) {
            if (strcmp(kc->keys->keys[j].id, kc->keys->keys[i].id) == 0) {
                apigw_loc_error(kc->err, &item, "key id \"%s\" is used "
                                "twice", kc->keys->keys[i].id);
                return -1;
            }
        }
    }

    return 0;
}


static int
apigw_keys_key(apigw_keys_ctx_t *kc, apigw_key_t *key, apigw_loc_t *loc)
{
    int           hi, lo;
    char         *plan;
    size_t        i, len;
    json_t       *value, *digest, *enabled;
    const char   *s;
    apigw_loc_t   child;

    static const char  *members[] = {
        "id", "name", "value", "sha256", "plan", "enabled", NULL
    };

    if (!json_is_object(loc->node)) {
        apigw_loc_error(kc->err, loc, "a key must be an object");
        return -1;
    }

    if (apigw_loc_check_members(loc, members, NULL, kc->err) != 0) {
        return -1;
    }

    key->id = apigw_keys_string(kc, loc, "id", 1);
    if (key->id == NULL) {
        return -1;
    }

    key->name = apigw_keys_string(kc, loc, "name", 0);

    if (key->name == NULL && json_object_get(loc->node, "name") != NULL) {
        return -1;
    }

    value = json_object_get(loc->node, "value");
    digest = json_object_get(loc->node, "sha256");

    if ((value == NULL) == (digest == NULL)) {
        apigw_loc_error(kc->err, loc, "key \"%s\" needs either \"value\" "
                        "or \"sha256\"", key->id);
        return -1;
    }

    if (value) {
        apigw_loc_child(loc, &child, "value", value);
        len = json_is_string(value) ? json_string_length(value) : 0;

        if (len < APIGW_KEY_MIN_LEN || len > APIGW_KEY_MAX_LEN) {
            apigw_loc_error(kc->err, &child, "a key's value must be a "
                            "string of %d to %d characters",
                            APIGW_KEY_MIN_LEN, APIGW_KEY_MAX_LEN);
            return -1;
        }

        apigw_sha256(json_string_value(value), len, key->sha256);

        /* the clear value goes no further than this */
        OPENSSL_cleanse((char *) json_string_value(value), len);

    } else {
        apigw_loc_child(loc, &child, "sha256", digest);
        s = json_is_string(digest) ? json_string_value(digest) : "";

        if (strlen(s) != 2 * APIGW_SHA256_LEN) {
            goto bad_digest;
        }

        for (i = 0; i < APIGW_SHA256_LEN; i++) {
            hi = apigw_hex_digit(s[2 * i]);
            lo = apigw_hex_digit(s[2 * i + 1]);

            if (hi < 0 || lo < 0) {
                goto bad_digest;
            }

            key->sha256[i] = (unsigned char) (hi << 4 | lo);
        }
    }

    enabled = apigw_spec_member(loc, &child, "enabled", NULL);

    if (enabled && !json_is_boolean(enabled)) {
        apigw_loc_error(kc->err, &child, "\"enabled\" must be true or false");
        return -1;
    }

    key->enabled = (enabled == NULL || json_is_true(enabled));

    plan = apigw_keys_string(kc, loc, "plan", 1);
    if (plan == NULL) {
        return -1;
    }

    for (i = 0; i < kc->keys->nplans; i++) {
        if (strcmp(kc->keys->plans[i].id, plan) == 0) {
            key->plan = &kc->keys->plans[i];
        }
    }

    if (key->plan == NULL) {
        apigw_loc_child(loc, &child, "plan",
                        json_object_get(loc->node, "plan"));
        apigw_loc_error(kc->err, &child, "no plan \"%s\"", plan);
        free(plan);
        return -1;
    }

    free(plan);

    return 0;

bad_digest:

    apigw_loc_error(kc->err, &child, "\"sha256\" must be 64 hex digits: "
                    "the SHA-256 of the key's value");
    return -1;
}


/* the digests in an open-addressing table; a value twice is an error */
static int
apigw_keys_index(apigw_keys_ctx_t *kc, apigw_loc_t *root)
{
    size_t         i, j, size;
    apigw_key_t   *key, **table;
    apigw_loc_t    loc, item;

    for (size = 16; size < kc->keys->nkeys * 2; size *= 2) {
        /* void */
    }

    table = calloc(size, sizeof(apigw_key_t *));
    if (table == NULL) {
        apigw_error_set(kc->err, "", 0, "out of memory");
        return -1;
    }

    kc->keys->table = table;
    kc->keys->size = size;

    for (i = 0; i < kc->keys->nkeys; i++) {
        key = &kc->keys->keys[i];

        for (j = apigw_keys_slot(key->sha256, size); table[j] != NULL;
             j = (j + 1) & (size - 1))
        {
            if (memcmp(table[j]->sha256, key->sha256, APIGW_SHA256_LEN) == 0)
            {
                apigw_spec_member(root, &loc, "keys", NULL);
                apigw_loc_index(&loc, &item, i, json_array_get(loc.node, i));
                apigw_loc_error(kc->err, &item, "key \"%s\" has the same "
                                "value as key \"%s\"", key->id,
                                table[j]->id);
                return -1;
            }
        }

        table[j] = key;
    }

    return 0;
}


static size_t
apigw_keys_slot(const unsigned char *digest, size_t size)
{
    uint64_t  h;

    memcpy(&h, digest, sizeof(h));

    return (size_t) (h & (size - 1));
}


static char *
apigw_keys_string(apigw_keys_ctx_t *kc, apigw_loc_t *loc, const char *name,
    int required)
{
    char         *s;
    json_t       *v;
    apigw_loc_t   child;

    v = apigw_spec_member(loc, &child, name, NULL);

    if (v == NULL && !required) {
        return NULL;
    }

    if (!json_is_string(v) || json_string_length(v) == 0) {
        apigw_loc_error(kc->err, v ? &child : loc, "\"%s\" must be a "
                        "non-empty string", name);
        return NULL;
    }

    s = strdup(json_string_value(v));

    if (s == NULL) {
        apigw_loc_error(kc->err, &child, "out of memory");
    }

    return s;
}
