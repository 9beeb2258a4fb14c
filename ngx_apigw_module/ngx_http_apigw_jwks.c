
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"


/*
 * An issuer's keys.  From a file: read with the configuration.  From a
 * URL or OpenID Connect discovery: fetched through nginx's proxy module
 * (ngx_http_apigw_fetch.c) by the request that needs them, the JWK set's
 * text kept in a shared zone with a version so one fetch serves every
 * worker; each worker builds its OpenSSL keys again when the version
 * changes.
 *
 *   - a cold start (no keys yet) is the only wait on the provider, and it
 *     is bounded by the fetch's timeout; requests that come meanwhile wait
 *     for the same fetch;
 *   - keys older than the refresh interval are served while one request
 *     refreshes them in the background; when the provider is down they
 *     go on being served;
 *   - a token with an unknown kid makes one refetch, and then none for
 *     the minimum interval, across the workers: a flood of made-up kids
 *     cannot hammer the provider.
 */


#define NGX_HTTP_APIGW_JWKS_REFRESH     300         /* s */
#define NGX_HTTP_APIGW_JWKS_MIN_GAP     10          /* s, between fetches */
#define NGX_HTTP_APIGW_JWKS_TIMEOUT     1500        /* ms, as AWS */
#define NGX_HTTP_APIGW_JWKS_MAX_SIZE    (256 * 1024)
#define NGX_HTTP_APIGW_JWKS_URL_MAX     2048
#define NGX_HTTP_APIGW_JWKS_ZONE_SLOT   (3 * NGX_HTTP_APIGW_JWKS_MAX_SIZE)


/* what the workers share of one source */
typedef struct {
    ngx_uint_t                  version;        /* 0: no keys yet */
    time_t                      fetched;        /* the keys' time */
    time_t                      attempt;        /* the last fetch's start */
    u_char                     *text;           /* the JWK set */
    size_t                      len;
    u_char                     *jwks_uri;       /* discovered */
    size_t                      jwks_uri_len;
    u_char                     *issuer;         /* discovered */
    size_t                      issuer_len;
} ngx_http_apigw_jwks_shared_t;

typedef struct {
    ngx_slab_pool_t            *shpool;
    ngx_http_apigw_jwks_shared_t  *slots;
} ngx_http_apigw_jwks_zone_t;


struct ngx_http_apigw_jwks_s {
    apigw_jwks_source_e         source;
    ngx_str_t                   location;       /* path, URL, discovery */
    char                       *issuer;         /* expected; NULL: any */
    apigw_jwt_algs_t            algs;
    unsigned                    flags;
    ngx_uint_t                  slot;           /* in the zone */
    ngx_shm_zone_t             *zone;

    /* this worker's */
    apigw_jwks_t               *set;
    ngx_uint_t                  version;
    time_t                      fetched;        /* the version's time */
    char                       *discovered;     /* issuer, when NULL above */
    time_t                      failed;         /* a cold start's fetch */
    ngx_http_apigw_fetch_t     *fetch;          /* under way */
    ngx_array_t                 waiting;        /* ngx_http_request_t * */
};


static ngx_int_t ngx_http_apigw_jwks_wait(ngx_http_request_t *r,
    ngx_http_apigw_jwks_t *jwks);
static void ngx_http_apigw_jwks_unwait(void *data);
static ngx_http_apigw_jwks_t *ngx_http_apigw_jwks_file(ngx_conf_t *cf,
    apigw_jwt_issuer_t *issuer, apigw_jwt_algs_t algs);
static ngx_int_t ngx_http_apigw_jwks_load(ngx_conf_t *cf,
    ngx_http_apigw_jwks_t *jwks, apigw_jwt_issuer_t *issuer);
static ngx_int_t ngx_http_apigw_jwks_zone(ngx_conf_t *cf,
    ngx_http_apigw_jwks_t *jwks);
static ngx_int_t ngx_http_apigw_jwks_zone_init(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_int_t ngx_http_apigw_jwks_sync(ngx_http_request_t *r,
    ngx_http_apigw_jwks_t *jwks);
static ngx_int_t ngx_http_apigw_jwks_refetch(ngx_http_request_t *r,
    ngx_http_apigw_jwks_t *jwks, ngx_uint_t wait);
static ngx_int_t ngx_http_apigw_jwks_start(ngx_http_request_t *r,
    ngx_http_apigw_jwks_t *jwks, ngx_str_t *url);
static void ngx_http_apigw_jwks_fetched(ngx_http_apigw_fetch_t *f);
static ngx_int_t ngx_http_apigw_jwks_discovered(ngx_http_apigw_jwks_t *jwks,
    ngx_http_apigw_fetch_t *f, ngx_log_t *log);
static ngx_int_t ngx_http_apigw_jwks_publish(ngx_http_apigw_jwks_t *jwks,
    ngx_http_apigw_fetch_t *f, ngx_log_t *log);
static u_char *ngx_http_apigw_jwks_copy(ngx_slab_pool_t *shpool,
    u_char *old, u_char *data, size_t len);
static void ngx_http_apigw_jwks_wake(ngx_http_apigw_jwks_t *jwks,
    ngx_uint_t failed);
static ngx_http_apigw_jwks_shared_t *ngx_http_apigw_jwks_shared(
    ngx_http_apigw_jwks_t *jwks, ngx_slab_pool_t **shpool);
static void ngx_http_apigw_jwks_cleanup(void *data);


/* a request waiting for a fetch, for its cleanup */
typedef struct {
    ngx_http_apigw_jwks_t      *jwks;
    ngx_http_request_t         *request;
} ngx_http_apigw_jwks_waiter_t;


static ngx_str_t  ngx_http_apigw_jwks_zone_name = ngx_string("apigw_jwks");


/* not in a header: its location configuration starts with the upstream's */
extern ngx_module_t  ngx_http_proxy_module;


/* the keys of an issuer, shared by every verifier that names the same */
ngx_http_apigw_jwks_t *
ngx_http_apigw_jwks_get(ngx_conf_t *cf, apigw_jwt_issuer_t *issuer,
    apigw_jwt_algs_t algs)
{
    size_t                       len;
    ngx_uint_t                   i;
    ngx_pool_cleanup_t          *cln;
    ngx_http_apigw_jwks_t       *jwks, **p;
    ngx_http_apigw_main_conf_t  *amcf;

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_apigw_module);

    if (amcf->jwks.elts == NULL
        && ngx_array_init(&amcf->jwks, cf->pool, 4,
                          sizeof(ngx_http_apigw_jwks_t *))
           != NGX_OK)
    {
        return NULL;
    }

    len = ngx_strlen(issuer->jwks);
    p = amcf->jwks.elts;

    for (i = 0; i < amcf->jwks.nelts; i++) {
        jwks = p[i];

        if (jwks->source == issuer->source && jwks->algs == algs
            && jwks->location.len == len
            && ngx_strncmp(jwks->location.data, issuer->jwks, len) == 0
            && ((jwks->issuer == NULL && issuer->issuer == NULL)
                || (jwks->issuer && issuer->issuer
                    && ngx_strcmp(jwks->issuer, issuer->issuer) == 0)))
        {
            return jwks;
        }
    }

    if (issuer->source == APIGW_JWKS_FILE) {
        jwks = ngx_http_apigw_jwks_file(cf, issuer, algs);

    } else {
        jwks = ngx_pcalloc(cf->pool, sizeof(ngx_http_apigw_jwks_t));
        cln = ngx_pool_cleanup_add(cf->pool, 0);

        if (cln == NULL) {
            return NULL;
        }

        if (jwks != NULL) {
            /* a worker's own keys, when its cycle goes */
            cln->handler = ngx_http_apigw_jwks_cleanup;
            cln->data = jwks;

            jwks->source = issuer->source;
            jwks->algs = algs;
            jwks->issuer = issuer->issuer;
            jwks->location.data = (u_char *) issuer->jwks;
            jwks->location.len = len;
            jwks->slot = amcf->jwks_sources++;

            if (len > NGX_HTTP_APIGW_JWKS_URL_MAX
                || ngx_http_apigw_jwks_zone(cf, jwks) != NGX_OK)
            {
                return NULL;
            }
        }
    }

    if (jwks == NULL) {
        return NULL;
    }

    p = ngx_array_push(&amcf->jwks);
    if (p == NULL) {
        return NULL;
    }

    *p = jwks;

    return jwks;
}


static ngx_http_apigw_jwks_t *
ngx_http_apigw_jwks_file(ngx_conf_t *cf, apigw_jwt_issuer_t *issuer,
    apigw_jwt_algs_t algs)
{
    ngx_str_t               path;
    ngx_pool_cleanup_t     *cln;
    ngx_http_apigw_jwks_t  *jwks;

    jwks = ngx_pcalloc(cf->pool, sizeof(ngx_http_apigw_jwks_t));
    cln = ngx_pool_cleanup_add(cf->pool, 0);

    if (jwks == NULL || cln == NULL) {
        return NULL;
    }

    path.data = (u_char *) issuer->jwks;
    path.len = ngx_strlen(issuer->jwks);

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NULL;
    }

    jwks->source = APIGW_JWKS_FILE;
    jwks->location = path;
    jwks->issuer = issuer->issuer;
    jwks->algs = algs;
    jwks->version = 1;

    /* a secret is only ever configured: HMAC keys come from files only */
    jwks->set = apigw_jwks_create(algs, APIGW_JWKS_ALLOW_OCT);
    if (jwks->set == NULL) {
        return NULL;
    }

    cln->handler = ngx_http_apigw_jwks_cleanup;
    cln->data = jwks;

    if (ngx_http_apigw_jwks_load(cf, jwks, issuer) != NGX_OK) {
        return NULL;
    }

    return jwks;
}


static void
ngx_http_apigw_jwks_cleanup(void *data)
{
    ngx_http_apigw_jwks_t  *jwks = data;

    apigw_jwks_free(jwks->set);
    jwks->set = NULL;

    if (jwks->discovered != NULL) {
        ngx_free(jwks->discovered);
        jwks->discovered = NULL;
    }
}


/* a JWK set, a JWK, or a PEM public key or certificate */
static ngx_int_t
ngx_http_apigw_jwks_load(ngx_conf_t *cf, ngx_http_apigw_jwks_t *jwks,
    apigw_jwt_issuer_t *issuer)
{
    int                 n;
    size_t              i;
    ssize_t             size;
    ngx_fd_t            fd;
    ngx_file_t          file;
    ngx_file_info_t     fi;
    u_char             *text;
    apigw_jwk_skip_t   *skip;
    apigw_jwt_error_t   err;

    fd = ngx_open_file(jwks->location.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "apigw: the keys of the issuer \"%s\": cannot "
                           "open \"%V\"", issuer->issuer, &jwks->location);
        return NGX_ERROR;
    }

    ngx_memzero(&file, sizeof(ngx_file_t));
    file.fd = fd;
    file.name = jwks->location;
    file.log = cf->log;

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR
        || ngx_file_size(&fi) > NGX_HTTP_APIGW_JWKS_MAX_SIZE)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "apigw: \"%V\" is not a "
                           "file of keys up to %d bytes", &jwks->location,
                           NGX_HTTP_APIGW_JWKS_MAX_SIZE);
        ngx_close_file(fd);
        return NGX_ERROR;
    }

    text = ngx_pnalloc(cf->temp_pool, ngx_file_size(&fi) + 1);
    if (text == NULL) {
        ngx_close_file(fd);
        return NGX_ERROR;
    }

    size = ngx_read_file(&file, text, ngx_file_size(&fi), 0);
    ngx_close_file(fd);

    if (size != ngx_file_size(&fi)) {
        return NGX_ERROR;
    }

    text[size] = '\0';

    if (ngx_strstr(text, "-----BEGIN") != NULL) {
        n = apigw_jwks_add_pem(jwks->set, (char *) text, size, NULL,
                               APIGW_JWT_ALG_UNKNOWN, &err) == 0 ? 1 : -1;

    } else {
        n = apigw_jwks_add_json(jwks->set, (char *) text, size, &err);
    }

    ngx_explicit_memzero(text, size);

    skip = jwks->set->skipped;

    for (i = 0; i < jwks->set->nskipped; i++) {
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0, "apigw: \"%V\": key %d "
                           "(kid \"%s\") left out: %s", &jwks->location,
                           skip[i].index, skip[i].kid, skip[i].reason);
    }

    if (n <= 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "apigw: \"%V\" has no key "
                           "usable for the allowed algorithms%s%s",
                           &jwks->location, n < 0 ? ": " : "",
                           n < 0 ? err.message : "");
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * Keys fetched over TLS are only worth the provider's certificate: the
 * location that fetches them must verify it (proxy_ssl_verify), or anyone
 * on the path could hand out keys.  Over plain http, a warning.
 */
ngx_int_t
ngx_http_apigw_jwks_check_tls(ngx_conf_t *cf, ngx_http_apigw_loc_conf_t *alcf,
    apigw_security_scheme_t *ss, apigw_jwt_issuer_t *issuer)
{
    ngx_http_upstream_conf_t  *ucf;

    if (issuer->source == APIGW_JWKS_FILE) {
        return NGX_OK;
    }

    if (ngx_strncmp(issuer->jwks, "http://", 7) == 0) {
        ngx_log_error(NGX_LOG_WARN, cf->log, 0,
                      "apigw \"%V\": the keys of the scheme \"%s\" are "
                      "fetched from \"%s\" without TLS: only a network you "
                      "trust keeps them from being replaced",
                      &alcf->api->name, ss->name, issuer->jwks);
        return NGX_OK;
    }

    /* ngx_http_proxy_loc_conf_t begins with its ngx_http_upstream_conf_t */
    ucf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_proxy_module);

#if (NGX_HTTP_SSL)
    if (ucf->ssl_verify == 1) {
        return NGX_OK;
    }
#else
    (void) ucf;
#endif

    ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                  "apigw \"%V\": the keys of the scheme \"%s\" are "
                  "fetched from \"%s\", and this location does not verify "
                  "the provider's certificate: add \"proxy_ssl_verify on;\" "
                  "and \"proxy_ssl_trusted_certificate FILE;\" (on Debian, "
                  "/etc/ssl/certs/ca-certificates.crt) in %V:%ui",
                  &alcf->api->name, ss->name, issuer->jwks,
                  &alcf->conf_file, alcf->conf_line);

    return NGX_ERROR;
}


/* a slot for the source in the shared zone, which grows with each */
static ngx_int_t
ngx_http_apigw_jwks_zone(ngx_conf_t *cf, ngx_http_apigw_jwks_t *jwks)
{
    ngx_http_apigw_jwks_zone_t  *z;
    ngx_http_apigw_main_conf_t  *amcf;

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_apigw_module);

    if (amcf->jwks_zone == NULL) {
        z = ngx_pcalloc(cf->pool, sizeof(ngx_http_apigw_jwks_zone_t));
        if (z == NULL) {
            return NGX_ERROR;
        }

        amcf->jwks_zone = ngx_shared_memory_add(cf,
                                                &ngx_http_apigw_jwks_zone_name,
                                                0, &ngx_http_apigw_module);
        if (amcf->jwks_zone == NULL) {
            return NGX_ERROR;
        }

        amcf->jwks_zone->init = ngx_http_apigw_jwks_zone_init;
        amcf->jwks_zone->data = z;
        amcf->jwks_zone->noreuse = 1;
    }

    amcf->jwks_zone->shm.size = 8 * ngx_pagesize
                                + amcf->jwks_sources
                                  * NGX_HTTP_APIGW_JWKS_ZONE_SLOT;
    jwks->zone = amcf->jwks_zone;

    if (ngx_array_init(&jwks->waiting, cf->pool, 4,
                       sizeof(ngx_http_request_t *))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_apigw_jwks_zone_init(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_uint_t                   n;
    ngx_http_apigw_jwks_zone_t  *z;

    z = shm_zone->data;
    z->shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    n = (shm_zone->shm.size - 8 * ngx_pagesize)
        / NGX_HTTP_APIGW_JWKS_ZONE_SLOT;

    z->slots = ngx_slab_calloc(z->shpool,
                               n * sizeof(ngx_http_apigw_jwks_shared_t));
    if (z->slots == NULL) {
        return NGX_ERROR;
    }

    z->shpool->data = z->slots;
    z->shpool->log_nomem = 0;

    return NGX_OK;
}


static ngx_http_apigw_jwks_shared_t *
ngx_http_apigw_jwks_shared(ngx_http_apigw_jwks_t *jwks,
    ngx_slab_pool_t **shpool)
{
    ngx_http_apigw_jwks_zone_t  *z;

    z = jwks->zone->data;
    *shpool = z->shpool;

    return &z->slots[jwks->slot];
}


ngx_uint_t
ngx_http_apigw_jwks_version(ngx_http_apigw_jwks_t *jwks)
{
    return jwks->version;
}


/*
 * The keys for a token: NGX_OK with *set (and the policy's issuer, when
 * discovered); NGX_AGAIN: the request waits for a fetch and resumes;
 * NGX_DECLINED: none, the provider could not be reached
 */
ngx_int_t
ngx_http_apigw_jwks_keys(ngx_http_request_t *r, ngx_http_apigw_jwks_t *jwks,
    apigw_jwks_t **set, apigw_jwt_policy_t *policy)
{
    *set = jwks->set;

    if (jwks->source == APIGW_JWKS_FILE) {
        return NGX_OK;
    }

    if (ngx_http_apigw_jwks_sync(r, jwks) != NGX_OK) {
        return NGX_ERROR;
    }

    *set = jwks->set;

    if (jwks->set == NULL) {
        return ngx_http_apigw_jwks_refetch(r, jwks, 1);
    }

    if (policy->issuer == NULL) {
        policy->issuer = jwks->discovered;
    }

    if (ngx_time() - jwks->fetched >= NGX_HTTP_APIGW_JWKS_REFRESH) {
        /* stale: served while one request refreshes them */
        (void) ngx_http_apigw_jwks_refetch(r, jwks, 0);
    }

    return NGX_OK;
}


/* a kid no key has: once per interval, the keys are fetched again */
ngx_int_t
ngx_http_apigw_jwks_unknown_kid(ngx_http_request_t *r,
    ngx_http_apigw_jwks_t *jwks)
{
    if (jwks->source == APIGW_JWKS_FILE) {
        return NGX_DECLINED;
    }

    return ngx_http_apigw_jwks_refetch(r, jwks, 1);
}


/* this worker's keys, built again when the shared set changed */
static ngx_int_t
ngx_http_apigw_jwks_sync(ngx_http_request_t *r, ngx_http_apigw_jwks_t *jwks)
{
    int                            n;
    u_char                        *text, *issuer;
    size_t                         len, ilen;
    time_t                         fetched;
    ngx_uint_t                     version;
    apigw_jwks_t                  *set;
    ngx_slab_pool_t               *shpool;
    apigw_jwt_error_t              err;
    ngx_http_apigw_jwks_shared_t  *sh;

    sh = ngx_http_apigw_jwks_shared(jwks, &shpool);

    ngx_shmtx_lock(&shpool->mutex);

    version = sh->version;

    if (version == jwks->version) {
        ngx_shmtx_unlock(&shpool->mutex);
        return NGX_OK;
    }

    /* a version and its time change together: one lock a request */
    fetched = sh->fetched;

    len = sh->len;
    ilen = sh->issuer_len;
    text = ngx_alloc(len + ilen + 1, r->connection->log);

    if (text == NULL) {
        ngx_shmtx_unlock(&shpool->mutex);
        return NGX_ERROR;
    }

    ngx_memcpy(text, sh->text, len);
    issuer = text + len;

    if (ilen) {
        ngx_memcpy(issuer, sh->issuer, ilen);
    }

    issuer[ilen] = '\0';

    ngx_shmtx_unlock(&shpool->mutex);

    set = apigw_jwks_create(jwks->algs, 0);

    if (set == NULL) {
        ngx_free(text);
        return NGX_ERROR;
    }

    n = apigw_jwks_add_json(set, (char *) text, len, &err);

    if (n <= 0) {
        /* published only when usable: memory, most likely */
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "apigw: the keys of \"%V\" did not load again",
                      &jwks->location);
        apigw_jwks_free(set);
        ngx_free(text);
        return NGX_OK;
    }

    if (jwks->issuer == NULL) {
        ngx_free(jwks->discovered);
        jwks->discovered = ngx_alloc(ilen + 1, r->connection->log);

        if (jwks->discovered == NULL) {
            apigw_jwks_free(set);
            ngx_free(text);
            return NGX_ERROR;
        }

        ngx_memcpy(jwks->discovered, issuer, ilen + 1);
    }

    ngx_free(text);

    apigw_jwks_free(jwks->set);
    jwks->set = set;
    jwks->version = version;
    jwks->fetched = fetched;

    return NGX_OK;
}


/*
 * A fetch, unless one is under way in this worker.  With keys at hand,
 * not when any worker started one less than the minimum interval ago;
 * without (a cold start, each worker's own), not that soon after one
 * failed.  wait: the request waits for it (NGX_AGAIN); else NGX_OK: it
 * runs in the background.  NGX_DECLINED: none now
 */
static ngx_int_t
ngx_http_apigw_jwks_refetch(ngx_http_request_t *r,
    ngx_http_apigw_jwks_t *jwks, ngx_uint_t wait)
{
    time_t                         now;
    ngx_str_t                      url;
    ngx_slab_pool_t               *shpool;
    ngx_http_apigw_jwks_shared_t  *sh;

    if (jwks->fetch == NULL) {
        sh = ngx_http_apigw_jwks_shared(jwks, &shpool);
        now = ngx_time();

        if (jwks->set == NULL
            && now - jwks->failed < NGX_HTTP_APIGW_JWKS_MIN_GAP)
        {
            return NGX_DECLINED;
        }

        ngx_shmtx_lock(&shpool->mutex);

        if (jwks->set != NULL
            && now - sh->attempt < NGX_HTTP_APIGW_JWKS_MIN_GAP)
        {
            ngx_shmtx_unlock(&shpool->mutex);
            return NGX_DECLINED;
        }

        sh->attempt = now;

        url = jwks->location;

        if (jwks->source == APIGW_JWKS_DISCOVERY && sh->jwks_uri) {
            url.len = sh->jwks_uri_len;
            url.data = ngx_pnalloc(r->pool, url.len);

            if (url.data == NULL) {
                ngx_shmtx_unlock(&shpool->mutex);
                return NGX_ERROR;
            }

            ngx_memcpy(url.data, sh->jwks_uri, url.len);
        }

        ngx_shmtx_unlock(&shpool->mutex);

        if (ngx_http_apigw_jwks_start(r, jwks, &url) != NGX_OK) {
            jwks->failed = now;
            return NGX_DECLINED;
        }

        if (jwks->fetch == NULL) {
            /* it ended at once: nothing to wait for */
            return NGX_DECLINED;
        }
    }

    if (!wait) {
        return NGX_OK;
    }

    return ngx_http_apigw_jwks_wait(r, jwks);
}


static ngx_int_t
ngx_http_apigw_jwks_start(ngx_http_request_t *r, ngx_http_apigw_jwks_t *jwks,
    ngx_str_t *url)
{
    ngx_http_apigw_fetch_t  *f;

    f = ngx_pcalloc(r->pool, sizeof(ngx_http_apigw_fetch_t));
    if (f == NULL) {
        return NGX_ERROR;
    }

    f->url = *url;
    f->timeout = NGX_HTTP_APIGW_JWKS_TIMEOUT;
    f->max_size = NGX_HTTP_APIGW_JWKS_MAX_SIZE;
    f->handler = ngx_http_apigw_jwks_fetched;
    f->data = jwks;

    /* the handler may run before the start returns */
    jwks->fetch = f;

    if (ngx_http_apigw_fetch_start(r, f) != NGX_OK) {
        jwks->fetch = NULL;
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "apigw: fetching \"%V\" could not start", url);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * A fetch ended: a discovery document leads to the keys' URL, fetched
 * next in the same way; a JWK set with a usable key is published to
 * every worker; anything else is logged and the keys there were stay
 */
static void
ngx_http_apigw_jwks_fetched(ngx_http_apigw_fetch_t *f)
{
    ngx_str_t               url;
    ngx_log_t              *log;
    ngx_http_request_t     *r;
    ngx_http_apigw_jwks_t  *jwks;

    jwks = f->data;
    r = f->request;
    jwks->fetch = NULL;

    if (r == NULL) {
        /* the request that fetched ended first: the others try again */
        ngx_http_apigw_jwks_wake(jwks, 0);
        return;
    }

    log = r->connection->log;

    if (f->status != NGX_HTTP_OK) {
        ngx_log_error(NGX_LOG_ERR, log, 0, "apigw: fetching the keys at "
                      "\"%V\" failed: %s", &f->url,
                      f->status ? "not a 200" : f->error ? f->error
                                                         : "no answer");
        ngx_http_apigw_jwks_wake(jwks, 1);
        return;
    }

    if (jwks->source == APIGW_JWKS_DISCOVERY
        && f->url.len == jwks->location.len
        && ngx_strncmp(f->url.data, jwks->location.data, f->url.len) == 0)
    {
        if (ngx_http_apigw_jwks_discovered(jwks, f, log) != NGX_OK) {
            ngx_http_apigw_jwks_wake(jwks, 1);
            return;
        }

        url = f->url;

        if (ngx_http_apigw_jwks_start(r, jwks, &url) == NGX_OK) {
            /* the waiting requests wait for this one */
            return;
        }

        ngx_http_apigw_jwks_wake(jwks, 1);
        return;
    }

    ngx_http_apigw_jwks_wake(jwks,
                             ngx_http_apigw_jwks_publish(jwks, f, log)
                             != NGX_OK);
}


/* the discovery document: its issuer checked, its jwks_uri kept */
static ngx_int_t
ngx_http_apigw_jwks_discovered(ngx_http_apigw_jwks_t *jwks,
    ngx_http_apigw_fetch_t *f, ngx_log_t *log)
{
    char                          *issuer, *uri, errbuf[320];
    size_t                         len;
    ngx_slab_pool_t               *shpool;
    ngx_http_apigw_jwks_shared_t  *sh;

    if (apigw_oidc_discovery((char *) f->response.data, f->response.len,
                             jwks->issuer, &issuer, &uri, errbuf,
                             sizeof(errbuf))
        != 0)
    {
        ngx_log_error(NGX_LOG_ERR, log, 0, "apigw: the discovery document "
                      "at \"%V\" is refused: %s", &f->url, errbuf);
        return NGX_ERROR;
    }

    len = ngx_strlen(uri);
    sh = ngx_http_apigw_jwks_shared(jwks, &shpool);

    ngx_shmtx_lock(&shpool->mutex);

    sh->jwks_uri = ngx_http_apigw_jwks_copy(shpool, sh->jwks_uri,
                                            (u_char *) uri, len);
    sh->jwks_uri_len = sh->jwks_uri ? len : 0;
    sh->issuer = ngx_http_apigw_jwks_copy(shpool, sh->issuer,
                                          (u_char *) issuer,
                                          ngx_strlen(issuer));
    sh->issuer_len = sh->issuer ? ngx_strlen(issuer) : 0;

    ngx_shmtx_unlock(&shpool->mutex);

    free(issuer);

    if (sh->jwks_uri == NULL || len > NGX_HTTP_APIGW_JWKS_URL_MAX) {
        free(uri);
        return NGX_ERROR;
    }

    /* f lives in the pool of the request that asked */
    f->url.data = ngx_pnalloc(f->request->pool, len);

    if (f->url.data == NULL) {
        free(uri);
        return NGX_ERROR;
    }

    ngx_memcpy(f->url.data, uri, len);
    f->url.len = len;
    free(uri);

    return NGX_OK;
}


/* a JWK set with a usable key: the new version for every worker */
static ngx_int_t
ngx_http_apigw_jwks_publish(ngx_http_apigw_jwks_t *jwks,
    ngx_http_apigw_fetch_t *f, ngx_log_t *log)
{
    int                            n;
    apigw_jwks_t                  *set;
    ngx_slab_pool_t               *shpool;
    apigw_jwt_error_t              err;
    ngx_http_apigw_jwks_shared_t  *sh;

    set = apigw_jwks_create(jwks->algs, 0);
    if (set == NULL) {
        return NGX_ERROR;
    }

    n = apigw_jwks_add_json(set, (char *) f->response.data, f->response.len,
                            &err);
    apigw_jwks_free(set);

    if (n <= 0) {
        ngx_log_error(NGX_LOG_ERR, log, 0, "apigw: the keys at \"%V\" are "
                      "refused: %s", &f->url,
                      n < 0 ? err.message : "no key usable for the allowed "
                                            "algorithms");
        return NGX_ERROR;
    }

    sh = ngx_http_apigw_jwks_shared(jwks, &shpool);

    ngx_shmtx_lock(&shpool->mutex);

    sh->text = ngx_http_apigw_jwks_copy(shpool, sh->text, f->response.data,
                                        f->response.len);

    if (sh->text == NULL) {
        sh->len = 0;
        sh->version = 0;
        ngx_shmtx_unlock(&shpool->mutex);
        ngx_log_error(NGX_LOG_ERR, log, 0, "apigw: no room for the keys at "
                      "\"%V\" in the apigw_jwks zone", &f->url);
        return NGX_ERROR;
    }

    sh->len = f->response.len;
    sh->version++;
    sh->fetched = ngx_time();

    ngx_shmtx_unlock(&shpool->mutex);

    ngx_log_error(NGX_LOG_INFO, log, 0, "apigw: the keys at \"%V\" loaded: "
                  "%d usable", &f->url, n);

    return NGX_OK;
}


static u_char *
ngx_http_apigw_jwks_copy(ngx_slab_pool_t *shpool, u_char *old, u_char *data,
    size_t len)
{
    u_char  *p;

    if (old != NULL) {
        ngx_slab_free_locked(shpool, old);
    }

    p = ngx_slab_alloc_locked(shpool, len ? len : 1);

    if (p != NULL) {
        ngx_memcpy(p, data, len);
    }

    return p;
}


/*
 * a request waits for the fetch under way; should it end first (it is
 * terminated), it leaves the list
 */
static ngx_int_t
ngx_http_apigw_jwks_wait(ngx_http_request_t *r, ngx_http_apigw_jwks_t *jwks)
{
    ngx_http_cleanup_t     *cln;
    ngx_http_request_t    **w;
    ngx_http_apigw_jwks_waiter_t  *waiter;

    cln = ngx_http_cleanup_add(r, sizeof(ngx_http_apigw_jwks_waiter_t));
    w = ngx_array_push(&jwks->waiting);

    if (cln == NULL || w == NULL) {
        return NGX_ERROR;
    }

    *w = r;

    waiter = cln->data;
    waiter->jwks = jwks;
    waiter->request = r;

    cln->handler = ngx_http_apigw_jwks_unwait;

    return NGX_AGAIN;
}


static void
ngx_http_apigw_jwks_unwait(void *data)
{
    ngx_http_apigw_jwks_waiter_t  *waiter = data;

    ngx_uint_t            i;
    ngx_http_request_t  **w;

    w = waiter->jwks->waiting.elts;

    for (i = 0; i < waiter->jwks->waiting.nelts; i++) {
        if (w[i] == waiter->request) {
            w[i] = NULL;
        }
    }
}


/*
 * the requests that waited run again, each finding what there is now:
 * from their own connection's event, as they may be on any
 */
static void
ngx_http_apigw_jwks_wake(ngx_http_apigw_jwks_t *jwks, ngx_uint_t failed)
{
    ngx_uint_t            i, n;
    ngx_http_request_t  **w, *r;

    if (failed && jwks->set == NULL) {
        jwks->failed = ngx_time();
    }

    w = jwks->waiting.elts;
    n = jwks->waiting.nelts;
    jwks->waiting.nelts = 0;

    for (i = 0; i < n; i++) {
        r = w[i];

        if (r != NULL) {
            r->write_event_handler = ngx_http_core_run_phases;
            ngx_post_event(r->connection->write, &ngx_posted_events);
        }
    }
}
