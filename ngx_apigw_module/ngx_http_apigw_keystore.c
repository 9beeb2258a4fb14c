
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"

#include <hiredis/hiredis.h>


/*
 * API keys kept in Redis, beside those of the keys file: a key added,
 * disabled or removed there (scripts/apigw-keys) takes effect within
 * NGX_HTTP_APIGW_KEY_TTL seconds, with no reload.  A key is the hash
 * {apigw}:key:<hex SHA-256 of its value> with fields id, name, plan (a plan
 * of the keys file) and enabled.  Each worker caches what it asked, found
 * or not, for that long; when Redis cannot answer, an entry past its time
 * is used still, and a key never seen is unknown.
 */


#define NGX_HTTP_APIGW_KEY_TTL          5
#define NGX_HTTP_APIGW_KEY_CACHE_MAX    10000
#define NGX_HTTP_APIGW_KEY_FIELD_MAX    256


typedef struct {
    ngx_str_node_t              sn;         /* the digest, by its head */
    ngx_queue_t                 queue;
    u_char                      digest[APIGW_SHA256_LEN];
    time_t                      expires;
    unsigned                    found:1;
    apigw_key_t                 key;
    u_char                      id[NGX_HTTP_APIGW_KEY_FIELD_MAX + 1];
    u_char                      name[NGX_HTTP_APIGW_KEY_FIELD_MAX + 1];
} ngx_http_apigw_cached_key_t;


static ngx_http_apigw_cached_key_t *ngx_http_apigw_keystore_lookup(
    const u_char *digest);
static void ngx_http_apigw_keystore_reply(ngx_http_request_t *r,
    redisReply *rr);
static void ngx_http_apigw_keystore_store(ngx_http_request_t *r,
    const u_char *digest, redisReply *rr);


static ngx_rbtree_t       ngx_http_apigw_keystore;
static ngx_rbtree_node_t  ngx_http_apigw_keystore_sentinel;
static ngx_queue_t        ngx_http_apigw_keystore_lru;
static ngx_uint_t         ngx_http_apigw_keystore_n;


/*
 * NGX_OK: *key is the key of that digest in Redis, or NULL; NGX_AGAIN:
 * the request waits for Redis
 */
ngx_int_t
ngx_http_apigw_keystore_find(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx,
    const u_char *digest, const apigw_key_t **key)
{
    u_char                        hex[2 * APIGW_SHA256_LEN], *cmd, *p;
    size_t                        argvlen[2];
    ngx_int_t                     rc;
    const char                   *argv[2];
    ngx_http_apigw_cached_key_t  *ck;

    *key = NULL;

    if (ngx_http_apigw_keystore.root == NULL) {
        ngx_rbtree_init(&ngx_http_apigw_keystore,
                        &ngx_http_apigw_keystore_sentinel,
                        ngx_str_rbtree_insert_value);
        ngx_queue_init(&ngx_http_apigw_keystore_lru);
    }

    ck = ngx_http_apigw_keystore_lookup(digest);

    /* fresh, or Redis was asked for this request and could not answer */
    if (ck && (ck->expires > ngx_time() || ctx->keystore_asked)) {
        *key = ck->found ? &ck->key : NULL;
        return NGX_OK;
    }

    if (ctx->keystore_asked) {
        return NGX_OK;
    }

    ctx->keystore_asked = 1;
    ngx_memcpy(ctx->keystore_digest, digest, APIGW_SHA256_LEN);

    cmd = ngx_pnalloc(r->pool, sizeof("{apigw}:key:") - 1 + sizeof(hex));
    if (cmd == NULL) {
        return NGX_ERROR;
    }

    argv[0] = "HGETALL";
    argvlen[0] = 7;
    argv[1] = (char *) cmd;
    p = ngx_cpymem(cmd, "{apigw}:key:", 12);
    argvlen[1] = ngx_hex_dump(p, (u_char *) digest, APIGW_SHA256_LEN) - cmd;

    rc = ngx_http_apigw_redis_send(r, 2, argv, argvlen,
                                   ngx_http_apigw_keystore_reply);

    if (rc == NGX_DECLINED) {
        /* Redis is down: what the cache had, even past its time */
        *key = (ck && ck->found) ? &ck->key : NULL;
        return NGX_OK;
    }

    return rc;
}


/*
 * What the worker's cache has fresh from Redis for that digest, without
 * asking: NGX_OK, *key the key or NULL (none there); NGX_DECLINED: Redis
 * must be asked
 */
ngx_int_t
ngx_http_apigw_keystore_cached(const u_char *digest, const apigw_key_t **key)
{
    ngx_http_apigw_cached_key_t  *ck;

    *key = NULL;

    if (ngx_http_apigw_keystore.root == NULL) {
        return NGX_DECLINED;
    }

    ck = ngx_http_apigw_keystore_lookup(digest);

    if (ck == NULL || ck->expires <= ngx_time()) {
        return NGX_DECLINED;
    }

    *key = ck->found ? &ck->key : NULL;

    return NGX_OK;
}


static ngx_http_apigw_cached_key_t *
ngx_http_apigw_keystore_lookup(const u_char *digest)
{
    uint32_t   hash;
    ngx_str_t  str;

    ngx_memcpy(&hash, digest, sizeof(hash));
    str.data = (u_char *) digest;
    str.len = APIGW_SHA256_LEN;

    return (ngx_http_apigw_cached_key_t *) ngx_str_rbtree_lookup(
                                        &ngx_http_apigw_keystore, &str, hash);
}


static void
ngx_http_apigw_keystore_reply(ngx_http_request_t *r, redisReply *rr)
{
    ngx_http_apigw_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_apigw_module);

    if (rr != NULL && rr->type == REDIS_REPLY_ARRAY) {
        ngx_http_apigw_keystore_store(r, ctx->keystore_digest, rr);
    }
}


/* HGETALL's answer (empty: no such key) into the cache */
static void
ngx_http_apigw_keystore_store(ngx_http_request_t *r, const u_char *digest,
    redisReply *rr)
{
    size_t                        i, j;
    uint32_t                      hash;
    ngx_str_t                     id, name, plan, enabled, *v;
    redisReply                   *f, *val;
    ngx_queue_t                  *q;
    apigw_keys_t                 *keys;
    ngx_http_apigw_cached_key_t  *ck;
    ngx_http_apigw_main_conf_t   *amcf;

    /* name is optional: never a NULL to copy from */
    ngx_str_null(&id);
    ngx_str_set(&name, "");
    ngx_str_null(&plan);
    ngx_str_set(&enabled, "1");

    for (i = 0; i + 1 < rr->elements; i += 2) {
        f = rr->element[i];
        val = rr->element[i + 1];

        if (f->type != REDIS_REPLY_STRING || val->type != REDIS_REPLY_STRING
            || val->len > NGX_HTTP_APIGW_KEY_FIELD_MAX)
        {
            continue;
        }

        v = (f->len == 2 && ngx_strncmp(f->str, "id", 2) == 0) ? &id
            : (f->len == 4 && ngx_strncmp(f->str, "name", 4) == 0) ? &name
            : (f->len == 4 && ngx_strncmp(f->str, "plan", 4) == 0) ? &plan
            : (f->len == 7 && ngx_strncmp(f->str, "enabled", 7) == 0)
              ? &enabled : NULL;

        if (v) {
            v->data = (u_char *) val->str;
            v->len = val->len;
        }
    }

    ck = ngx_http_apigw_keystore_lookup(digest);

    if (ck == NULL) {
        if (ngx_http_apigw_keystore_n == NGX_HTTP_APIGW_KEY_CACHE_MAX) {
            q = ngx_queue_last(&ngx_http_apigw_keystore_lru);
            ck = ngx_queue_data(q, ngx_http_apigw_cached_key_t, queue);
            ngx_queue_remove(q);
            ngx_rbtree_delete(&ngx_http_apigw_keystore, &ck->sn.node);
            ngx_free(ck);
            ngx_http_apigw_keystore_n--;
        }

        ck = ngx_calloc(sizeof(ngx_http_apigw_cached_key_t),
                        r->connection->log);
        if (ck == NULL) {
            return;
        }

        ngx_memcpy(ck->digest, digest, APIGW_SHA256_LEN);
        ngx_memcpy(&hash, digest, sizeof(hash));
        ck->sn.node.key = hash;
        ck->sn.str.data = ck->digest;
        ck->sn.str.len = APIGW_SHA256_LEN;
        ngx_rbtree_insert(&ngx_http_apigw_keystore, &ck->sn.node);
        ngx_http_apigw_keystore_n++;

    } else {
        ngx_queue_remove(&ck->queue);
    }

    ngx_queue_insert_head(&ngx_http_apigw_keystore_lru, &ck->queue);
    ck->expires = ngx_time() + NGX_HTTP_APIGW_KEY_TTL;
    ck->found = 0;

    if (id.len == 0) {
        return;
    }

    amcf = ngx_http_get_module_main_conf(r, ngx_http_apigw_module);
    keys = amcf->keys;
    ck->key.plan = NULL;

    for (j = 0; j < keys->nplans; j++) {
        if (ngx_strlen(keys->plans[j].id) == plan.len
            && ngx_strncmp(keys->plans[j].id, plan.data, plan.len) == 0)
        {
            ck->key.plan = &keys->plans[j];
        }
    }

    if (ck->key.plan == NULL) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "apigw: key id \"%V\" in redis names no plan of the "
                      "keys file (\"%V\"): refused", &id, &plan);
        return;
    }

    *ngx_cpymem(ck->id, id.data, id.len) = '\0';
    *ngx_cpymem(ck->name, name.data, name.len) = '\0';

    ck->key.id = (char *) ck->id;
    ck->key.name = (char *) ck->name;
    ck->key.enabled = !(enabled.len == 1 && enabled.data[0] == '0');
    ngx_memcpy(ck->key.sha256, digest, APIGW_SHA256_LEN);
    ck->found = 1;
}
