
/*
 * Copyright (C) apigw contributors
 */


#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "apigw_jwt.h"


/*
 * Keys for JWS signatures (RFC 7517, RFC 7518 section 6).
 *
 * Each key is parsed once, when its set is built, into an EVP_PKEY and a
 * context per algorithm it may verify, set up for that algorithm
 * (signature digest, PSS padding and salt, HMAC key), so that verifying
 * costs one digest and one EVP_PKEY_verify() or MAC, no parsing and no
 * fetch.
 *
 * Which algorithms a key verifies:
 *   - its JWK's "alg" (or the alg configured with a PEM key or secret),
 *     which must suit its type and curve, and be on the set's allowlist;
 *   - without one: EC keys their curve's ES algorithm, Ed25519 keys
 *     EdDSA, RSA keys the RS and PS algorithms of the allowlist, oct keys
 *     (secrets) the HS algorithms of the allowlist whose hash is no
 *     longer than the secret.
 * A key for none of the allowlist is skipped (JWKs) or refused
 * (configuration).
 */


typedef struct {
    const char             *name;
    apigw_jwk_kty_e         kty;
    int                     hash;           /* set->md[]; -1: none */
    size_t                  size;           /* HS: hash, ES: field bytes */
    unsigned                pss:1;
} apigw_jwt_alg_t;

typedef struct {
    const char             *crv;
    const char             *group;          /* OpenSSL's name */
    apigw_jwt_alg_e         alg;
    size_t                  size;
} apigw_jwk_curve_t;


static int apigw_jwk_from_json(apigw_jwks_t *set, json_t *jwk,
    char *reason);
static int apigw_jwk_rsa(apigw_jwks_t *set, json_t *jwk,
    apigw_jwt_alg_e alg, EVP_PKEY **pkey, apigw_jwt_algs_t *algs,
    char *reason);
static int apigw_jwk_ec(apigw_jwks_t *set, json_t *jwk, apigw_jwt_alg_e alg,
    EVP_PKEY **pkey, apigw_jwt_algs_t *algs, char *reason);
static int apigw_jwk_okp(apigw_jwks_t *set, json_t *jwk,
    apigw_jwt_alg_e alg, EVP_PKEY **pkey, apigw_jwt_algs_t *algs,
    char *reason);
static unsigned char *apigw_jwk_member(json_t *jwk, const char *name,
    size_t *len, char *reason);
static apigw_jwt_algs_t apigw_jwk_algs(apigw_jwks_t *set,
    apigw_jwk_kty_e kty, apigw_jwt_alg_e alg, apigw_jwt_algs_t family,
    char *reason);
static int apigw_jwk_rsa_sound(const BIGNUM *n, const BIGNUM *e,
    char *reason);
static int apigw_jwk_public_check(EVP_PKEY *pkey, char *reason);
static int apigw_jwk_add(apigw_jwks_t *set, apigw_jwk_kty_e kty,
    EVP_PKEY *pkey, const unsigned char *secret, size_t secret_len,
    apigw_jwt_algs_t algs, const char *kid, size_t kid_len, char *reason);
static void apigw_jwk_clear(apigw_jwk_t *key);
static int apigw_jwks_skip(apigw_jwks_t *set, int index, json_t *jwk,
    const char *reason);
static const apigw_jwk_curve_t *apigw_jwk_curve(const char *crv,
    const char *group, apigw_jwt_alg_e alg);
static EVP_PKEY *apigw_jwk_pem_key(const char *pem, size_t len,
    char *reason);
static size_t apigw_jwk_der_int(const unsigned char *p, size_t n,
    unsigned char *out);
static int apigw_jwk_digest(const apigw_jwks_t *set, int hash,
    const unsigned char *in, size_t len, unsigned char *md,
    unsigned int *mdlen);
static void apigw_jwk_reason(char *reason, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;


static const apigw_jwt_alg_t  apigw_jwt_algs[APIGW_JWT_NALGS] = {
    { NULL, 0, -1, 0, 0 },
    { "HS256", APIGW_JWK_OCT, 0, 32, 0 },
    { "HS384", APIGW_JWK_OCT, 1, 48, 0 },
    { "HS512", APIGW_JWK_OCT, 2, 64, 0 },
    { "RS256", APIGW_JWK_RSA, 0, 0, 0 },
    { "RS384", APIGW_JWK_RSA, 1, 0, 0 },
    { "RS512", APIGW_JWK_RSA, 2, 0, 0 },
    { "PS256", APIGW_JWK_RSA, 0, 0, 1 },
    { "PS384", APIGW_JWK_RSA, 1, 0, 1 },
    { "PS512", APIGW_JWK_RSA, 2, 0, 1 },
    { "ES256", APIGW_JWK_EC, 0, 32, 0 },
    { "ES384", APIGW_JWK_EC, 1, 48, 0 },
    { "ES512", APIGW_JWK_EC, 2, 66, 0 },
    { "EdDSA", APIGW_JWK_OKP, -1, 32, 0 }
};

static const apigw_jwk_curve_t  apigw_jwk_curves[] = {
    { "P-256", "prime256v1", APIGW_JWT_ES256, 32 },
    { "P-384", "secp384r1", APIGW_JWT_ES384, 48 },
    { "P-521", "secp521r1", APIGW_JWT_ES512, 66 },
    { NULL, NULL, 0, 0 }
};

static const char  *apigw_jwk_mds[3] = { "SHA256", "SHA384", "SHA512" };


apigw_jwks_t *
apigw_jwks_create(apigw_jwt_algs_t algs, unsigned flags)
{
    int            i;
    apigw_jwks_t  *set;

    set = calloc(1, sizeof(apigw_jwks_t));
    if (set == NULL) {
        return NULL;
    }

    algs &= APIGW_JWT_ALGS_ALL;

    set->algs = algs ? algs : APIGW_JWT_ALGS_ASYMMETRIC;
    set->flags = flags;

    for (i = 0; i < 3; i++) {
        set->md[i] = EVP_MD_fetch(NULL, apigw_jwk_mds[i], NULL);
        if (set->md[i] == NULL) {
            goto failed;
        }
    }

    set->mdctx = EVP_MD_CTX_new();
    set->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);

    if (set->mdctx == NULL || set->hmac == NULL) {
        goto failed;
    }

    return set;

failed:

    apigw_jwks_free(set);
    ERR_clear_error();

    return NULL;
}


void
apigw_jwks_free(apigw_jwks_t *set)
{
    int     i;
    size_t  k;

    if (set == NULL) {
        return;
    }

    for (k = 0; k < set->nkeys; k++) {
        apigw_jwk_clear(&set->keys[k]);
    }

    for (i = 0; i < 3; i++) {
        EVP_MD_free(set->md[i]);
    }

    EVP_MD_CTX_free(set->mdctx);
    EVP_MAC_free(set->hmac);
    free(set->keys);
    free(set->skipped);
    free(set);
}


int
apigw_jwks_add_json(apigw_jwks_t *set, const char *text, size_t len,
    apigw_jwt_error_t *err)
{
    int            n, rc;
    char           reason[APIGW_JWT_MSG_LEN];
    size_t         i;
    json_t        *doc, *keys, *jwk;
    json_error_t   jerr;

    err->status = APIGW_JWT_MALFORMED;

    if (memchr(text, '\0', len) != NULL) {
        apigw_jwk_reason(err->message, "a NUL byte in a JWK set");
        return -1;
    }

    doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);

    if (doc == NULL) {
        apigw_jwk_reason(err->message, "not JSON: line %d: %s", jerr.line,
                         jerr.text);
        return -1;
    }

    if (!json_is_object(doc)) {
        apigw_jwk_reason(err->message, "a JWK set or a JWK is an object");
        json_decref(doc);
        return -1;
    }

    n = 0;
    keys = json_object_get(doc, "keys");

    if (keys == NULL) {
        if (json_object_get(doc, "kty") == NULL) {
            apigw_jwk_reason(err->message,
                             "neither a JWK set (\"keys\") nor a JWK "
                             "(\"kty\")");
            json_decref(doc);
            return -1;
        }

        rc = apigw_jwk_from_json(set, doc, reason);

        if (rc == 0 && apigw_jwks_skip(set, -1, doc, reason) != 0) {
            rc = -1;
        }

        json_decref(doc);

        if (rc == -1) {
            goto nomem;
        }

        return rc;
    }

    if (!json_is_array(keys)) {
        apigw_jwk_reason(err->message, "\"keys\" is not an array");
        json_decref(doc);
        return -1;
    }

    json_array_foreach(keys, i, jwk) {
        rc = apigw_jwk_from_json(set, jwk, reason);

        if (rc == 0 && apigw_jwks_skip(set, (int) i, jwk, reason) != 0) {
            rc = -1;
        }

        if (rc == -1) {
            json_decref(doc);
            goto nomem;
        }

        n += rc;
    }

    json_decref(doc);

    return n;

nomem:

    err->status = APIGW_JWT_ERROR;
    apigw_jwk_reason(err->message, "out of memory");

    return -1;
}


int
apigw_jwks_add_pem(apigw_jwks_t *set, const char *pem, size_t len,
    const char *kid, apigw_jwt_alg_e alg, apigw_jwt_error_t *err)
{
    int                       rc;
    char                      group[32];
    size_t                    glen;
    BIGNUM                   *n, *e;
    EVP_PKEY                 *pkey;
    apigw_jwk_kty_e           kty;
    apigw_jwt_algs_t          algs, family;
    const apigw_jwk_curve_t  *curve;

    err->status = APIGW_JWT_ERROR;

    pkey = apigw_jwk_pem_key(pem, len, err->message);
    if (pkey == NULL) {
        return -1;
    }

    if (EVP_PKEY_is_a(pkey, "RSA")) {
        kty = APIGW_JWK_RSA;
        family = APIGW_JWT_ALGS_RSA;

        if (EVP_PKEY_get_bits(pkey) < APIGW_JWK_RSA_MIN_BITS
            || EVP_PKEY_get_bits(pkey) > APIGW_JWK_RSA_MAX_BITS)
        {
            apigw_jwk_reason(err->message, "an RSA key of %d bits: from "
                             "%d to %d are usable", EVP_PKEY_get_bits(pkey),
                             APIGW_JWK_RSA_MIN_BITS, APIGW_JWK_RSA_MAX_BITS);
            goto failed;
        }

        n = NULL;
        e = NULL;
        apigw_jwk_reason(err->message, "an RSA key OpenSSL cannot read");

        rc = EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n) == 1
             && EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e) == 1
             && apigw_jwk_rsa_sound(n, e, err->message);

        BN_free(n);
        BN_free(e);

        if (!rc) {
            goto failed;
        }

    } else if (EVP_PKEY_is_a(pkey, "EC")) {
        kty = APIGW_JWK_EC;

        if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
                                            group, sizeof(group), &glen)
            || (curve = apigw_jwk_curve(NULL, group, 0)) == NULL)
        {
            apigw_jwk_reason(err->message, "an EC key on a curve other than "
                             "P-256, P-384, P-521");
            goto failed;
        }

        family = APIGW_JWT_ALG_BIT(curve->alg);

    } else if (EVP_PKEY_is_a(pkey, "ED25519")) {
        kty = APIGW_JWK_OKP;
        family = APIGW_JWT_ALG_BIT(APIGW_JWT_EDDSA);

    } else {
        apigw_jwk_reason(err->message, "a key of type %s: RSA, EC and "
                         "Ed25519 keys are usable",
                         EVP_PKEY_get0_type_name(pkey));
        goto failed;
    }

    algs = apigw_jwk_algs(set, kty, alg, family, err->message);

    if (algs == 0
        || (kty != APIGW_JWK_RSA
            && apigw_jwk_public_check(pkey, err->message) != 1))
    {
        goto failed;
    }

    /* the key is the set's now, or freed */
    rc = apigw_jwk_add(set, kty, pkey, NULL, 0, algs, kid,
                       kid ? strlen(kid) : 0, err->message);

    return rc == 1 ? 0 : -1;

failed:

    EVP_PKEY_free(pkey);
    ERR_clear_error();

    return -1;
}


int
apigw_jwks_add_secret(apigw_jwks_t *set, const unsigned char *secret,
    size_t len, const char *kid, apigw_jwt_alg_e alg, apigw_jwt_error_t *err)
{
    apigw_jwt_algs_t  algs, family;

    err->status = APIGW_JWT_ERROR;

    family = APIGW_JWT_ALGS_HS;

    /* the HS algorithms whose hash is no longer than the secret */
    if (len < 64) {
        family &= ~APIGW_JWT_ALG_BIT(APIGW_JWT_HS512);
    }

    if (len < 48) {
        family &= ~APIGW_JWT_ALG_BIT(APIGW_JWT_HS384);
    }

    if (len < 32) {
        family &= ~APIGW_JWT_ALG_BIT(APIGW_JWT_HS256);
    }

    if (alg != APIGW_JWT_ALG_UNKNOWN && apigw_jwt_algs[alg].kty == APIGW_JWK_OCT
        && len < apigw_jwt_algs[alg].size)
    {
        apigw_jwk_reason(err->message, "a secret of %zu bytes for %s: it "
                         "needs at least %zu", len, apigw_jwt_algs[alg].name,
                         apigw_jwt_algs[alg].size);
        return -1;
    }

    if (family == 0) {
        apigw_jwk_reason(err->message, "a secret of %zu bytes: HMAC needs at "
                         "least 32 (HS256), 48 (HS384), 64 (HS512)", len);
        return -1;
    }

    algs = apigw_jwk_algs(set, APIGW_JWK_OCT, alg, family, err->message);

    if (algs == 0
        || apigw_jwk_add(set, APIGW_JWK_OCT, NULL, secret, len, algs, kid,
                         kid ? strlen(kid) : 0, err->message)
           != 1)
    {
        ERR_clear_error();
        return -1;
    }

    return 0;
}


/* 1: added, 0: skipped (reason), -1: out of memory */

static int
apigw_jwk_from_json(apigw_jwks_t *set, json_t *jwk, char *reason)
{
    int                rc;
    size_t             i, klen, kid_len;
    json_t            *v, *op;
    EVP_PKEY          *pkey;
    const char        *kty, *kid;
    unsigned char     *k;
    apigw_jwt_alg_e    alg;
    apigw_jwt_algs_t   algs, family;

    if (!json_is_object(jwk)) {
        apigw_jwk_reason(reason, "not an object");
        return 0;
    }

    kid = NULL;
    kid_len = 0;
    v = json_object_get(jwk, "kid");

    if (v != NULL) {
        if (!json_is_string(v)) {
            apigw_jwk_reason(reason, "\"kid\" is not a string");
            return 0;
        }

        kid = json_string_value(v);
        kid_len = json_string_length(v);
    }

    v = json_object_get(jwk, "kty");
    if (!json_is_string(v)) {
        apigw_jwk_reason(reason, "no \"kty\" string");
        return 0;
    }

    kty = json_string_value(v);

    v = json_object_get(jwk, "use");
    if (v != NULL && !(json_is_string(v)
                       && strcmp(json_string_value(v), "sig") == 0))
    {
        apigw_jwk_reason(reason, "\"use\" is not \"sig\"");
        return 0;
    }

    v = json_object_get(jwk, "key_ops");

    if (v != NULL) {
        if (!json_is_array(v)) {
            apigw_jwk_reason(reason, "\"key_ops\" is not an array");
            return 0;
        }

        json_array_foreach(v, i, op) {
            if (json_is_string(op)
                && strcmp(json_string_value(op), "verify") == 0)
            {
                break;
            }
        }

        if (i == json_array_size(v)) {
            apigw_jwk_reason(reason, "\"key_ops\" lacks \"verify\"");
            return 0;
        }
    }

    alg = APIGW_JWT_ALG_UNKNOWN;
    v = json_object_get(jwk, "alg");

    if (v != NULL) {
        if (!json_is_string(v)) {
            apigw_jwk_reason(reason, "\"alg\" is not a string");
            return 0;
        }

        alg = apigw_jwt_alg_parse(json_string_value(v),
                                  json_string_length(v));

        if (alg == APIGW_JWT_ALG_UNKNOWN) {
            apigw_jwk_reason(reason, "an unsupported \"alg\"");
            return 0;
        }
    }

    if (set->nkeys == APIGW_JWKS_MAX_KEYS) {
        apigw_jwk_reason(reason, "more than %d usable keys in the set",
                         APIGW_JWKS_MAX_KEYS);
        return 0;
    }

    pkey = NULL;
    algs = 0;

    if (strcmp(kty, "RSA") == 0) {
        rc = apigw_jwk_rsa(set, jwk, alg, &pkey, &algs, reason);
        if (rc != 1) {
            return rc;
        }

        return apigw_jwk_add(set, APIGW_JWK_RSA, pkey, NULL, 0, algs, kid,
                             kid_len, reason);
    }

    if (strcmp(kty, "EC") == 0) {
        rc = apigw_jwk_ec(set, jwk, alg, &pkey, &algs, reason);
        if (rc != 1) {
            return rc;
        }

        return apigw_jwk_add(set, APIGW_JWK_EC, pkey, NULL, 0, algs, kid,
                             kid_len, reason);
    }

    if (strcmp(kty, "OKP") == 0) {
        rc = apigw_jwk_okp(set, jwk, alg, &pkey, &algs, reason);
        if (rc != 1) {
            return rc;
        }

        return apigw_jwk_add(set, APIGW_JWK_OKP, pkey, NULL, 0, algs, kid,
                             kid_len, reason);
    }

    if (strcmp(kty, "oct") != 0) {
        apigw_jwk_reason(reason, "an unsupported \"kty\"");
        return 0;
    }

    if (!(set->flags & APIGW_JWKS_ALLOW_OCT)) {
        apigw_jwk_reason(reason, "an oct key (a secret) in a JWK set, not "
                         "allowed");
        return 0;
    }

    k = apigw_jwk_member(jwk, "k", &klen, reason);
    if (k == NULL) {
        return 0;
    }

    family = 0;

    for (i = 0; i < 3; i++) {
        if (klen >= apigw_jwt_algs[APIGW_JWT_HS256 + i].size) {
            family |= APIGW_JWT_ALG_BIT(APIGW_JWT_HS256 + i);
        }
    }

    if (family == 0 || (alg != APIGW_JWT_ALG_UNKNOWN
                        && apigw_jwt_algs[alg].kty == APIGW_JWK_OCT
                        && !(family & APIGW_JWT_ALG_BIT(alg))))
    {
        apigw_jwk_reason(reason, "a secret shorter than its hash");
        rc = 0;

    } else {
        algs = apigw_jwk_algs(set, APIGW_JWK_OCT, alg, family, reason);

        rc = algs ? apigw_jwk_add(set, APIGW_JWK_OCT, NULL, k, klen, algs,
                                  kid, kid_len, reason)
                  : 0;
    }

    OPENSSL_cleanse(k, klen);
    free(k);

    return rc;
}


static int
apigw_jwk_rsa(apigw_jwks_t *set, json_t *jwk, apigw_jwt_alg_e alg,
    EVP_PKEY **pkey, apigw_jwt_algs_t *algs, char *reason)
{
    int              rc, bits;
    size_t           nlen, elen;
    BIGNUM          *n, *e;
    OSSL_PARAM      *params;
    EVP_PKEY_CTX    *pctx;
    unsigned char   *nb, *eb;
    OSSL_PARAM_BLD  *bld;

    *algs = apigw_jwk_algs(set, APIGW_JWK_RSA, alg, APIGW_JWT_ALGS_RSA,
                           reason);
    if (*algs == 0) {
        return 0;
    }

    nb = apigw_jwk_member(jwk, "n", &nlen, reason);
    if (nb == NULL) {
        return 0;
    }

    eb = apigw_jwk_member(jwk, "e", &elen, reason);
    if (eb == NULL) {
        free(nb);
        return 0;
    }

    rc = -1;
    params = NULL;
    pctx = NULL;
    bld = NULL;

    n = BN_bin2bn(nb, (int) nlen, NULL);
    e = BN_bin2bn(eb, (int) elen, NULL);

    free(nb);
    free(eb);

    if (n == NULL || e == NULL) {
        goto done;
    }

    bits = BN_num_bits(n);

    if (bits < APIGW_JWK_RSA_MIN_BITS || bits > APIGW_JWK_RSA_MAX_BITS) {
        apigw_jwk_reason(reason, "an RSA key of %d bits: from %d to %d are "
                         "usable", bits, APIGW_JWK_RSA_MIN_BITS,
                         APIGW_JWK_RSA_MAX_BITS);
        rc = 0;
        goto done;
    }

    if (!apigw_jwk_rsa_sound(n, e, reason)) {
        rc = 0;
        goto done;
    }

    bld = OSSL_PARAM_BLD_new();

    if (bld == NULL
        || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n)
        || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e)
        || (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
    {
        goto done;
    }

    pctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);

    if (pctx == NULL
        || EVP_PKEY_fromdata_init(pctx) != 1
        || EVP_PKEY_fromdata(pctx, pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
    {
        apigw_jwk_reason(reason, "an RSA key OpenSSL refuses");
        rc = 0;
        goto done;
    }

    rc = 1;

done:

    ERR_clear_error();
    EVP_PKEY_CTX_free(pctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(n);
    BN_free(e);

    return rc;
}


static int
apigw_jwk_ec(apigw_jwks_t *set, json_t *jwk, apigw_jwt_alg_e alg,
    EVP_PKEY **pkey, apigw_jwt_algs_t *algs, char *reason)
{
    int                       rc;
    json_t                   *v;
    size_t                    xlen, ylen;
    OSSL_PARAM                params[3];
    EVP_PKEY_CTX             *pctx;
    unsigned char            *x, *y;
    unsigned char             point[1 + 2 * 66];
    const apigw_jwk_curve_t  *curve;

    v = json_object_get(jwk, "crv");

    curve = json_is_string(v) ? apigw_jwk_curve(json_string_value(v), NULL, 0)
                              : NULL;

    if (curve == NULL) {
        apigw_jwk_reason(reason, "an EC key on a curve other than P-256, "
                         "P-384, P-521");
        return 0;
    }

    if (alg != APIGW_JWT_ALG_UNKNOWN && alg != curve->alg) {
        apigw_jwk_reason(reason, "\"alg\" %s does not suit the curve %s",
                         apigw_jwt_algs[alg].name, curve->crv);
        return 0;
    }

    *algs = apigw_jwk_algs(set, APIGW_JWK_EC, curve->alg,
                           APIGW_JWT_ALG_BIT(curve->alg), reason);
    if (*algs == 0) {
        return 0;
    }

    x = apigw_jwk_member(jwk, "x", &xlen, reason);
    if (x == NULL) {
        return 0;
    }

    y = apigw_jwk_member(jwk, "y", &ylen, reason);
    if (y == NULL) {
        free(x);
        return 0;
    }

    if (xlen != curve->size || ylen != curve->size) {
        apigw_jwk_reason(reason, "\"x\" or \"y\" is not %zu bytes (%s)",
                         curve->size, curve->crv);
        free(x);
        free(y);
        return 0;
    }

    point[0] = 0x04;
    memcpy(point + 1, x, xlen);
    memcpy(point + 1 + xlen, y, ylen);

    free(x);
    free(y);

    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                                 (char *) curve->group, 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
                                                  point, 1 + 2 * xlen);
    params[2] = OSSL_PARAM_construct_end();

    pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (pctx == NULL) {
        return -1;
    }

    if (EVP_PKEY_fromdata_init(pctx) != 1
        || EVP_PKEY_fromdata(pctx, pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
    {
        apigw_jwk_reason(reason, "an EC point not on the curve %s",
                         curve->crv);
        rc = 0;

    } else {
        rc = apigw_jwk_public_check(*pkey, reason);

        if (rc != 1) {
            EVP_PKEY_free(*pkey);
            *pkey = NULL;
        }
    }

    EVP_PKEY_CTX_free(pctx);
    ERR_clear_error();

    return rc;
}


static int
apigw_jwk_okp(apigw_jwks_t *set, json_t *jwk, apigw_jwt_alg_e alg,
    EVP_PKEY **pkey, apigw_jwt_algs_t *algs, char *reason)
{
    int             rc;
    json_t         *v;
    size_t          xlen;
    unsigned char  *x;

    v = json_object_get(jwk, "crv");

    if (!json_is_string(v) || strcmp(json_string_value(v), "Ed25519") != 0) {
        apigw_jwk_reason(reason, "an OKP key on a curve other than Ed25519");
        return 0;
    }

    if (alg != APIGW_JWT_ALG_UNKNOWN && alg != APIGW_JWT_EDDSA) {
        apigw_jwk_reason(reason, "\"alg\" %s does not suit an Ed25519 key",
                         apigw_jwt_algs[alg].name);
        return 0;
    }

    *algs = apigw_jwk_algs(set, APIGW_JWK_OKP, APIGW_JWT_EDDSA,
                           APIGW_JWT_ALG_BIT(APIGW_JWT_EDDSA), reason);
    if (*algs == 0) {
        return 0;
    }

    x = apigw_jwk_member(jwk, "x", &xlen, reason);
    if (x == NULL) {
        return 0;
    }

    if (xlen != 32) {
        apigw_jwk_reason(reason, "\"x\" is not 32 bytes (Ed25519)");
        free(x);
        return 0;
    }

    *pkey = EVP_PKEY_new_raw_public_key_ex(NULL, "ED25519", NULL, x, xlen);
    free(x);

    if (*pkey == NULL) {
        apigw_jwk_reason(reason, "an Ed25519 key OpenSSL refuses");
        ERR_clear_error();
        return 0;
    }

    rc = apigw_jwk_public_check(*pkey, reason);

    if (rc != 1) {
        EVP_PKEY_free(*pkey);
        *pkey = NULL;
    }

    return rc;
}


/* a base64url member of a JWK, decoded (malloc()ed); NULL: reason */

static unsigned char *
apigw_jwk_member(json_t *jwk, const char *name, size_t *len, char *reason)
{
    size_t          n;
    json_t         *v;
    const char     *s;
    unsigned char  *out;

    v = json_object_get(jwk, name);

    if (!json_is_string(v) || json_string_length(v) == 0) {
        apigw_jwk_reason(reason, "no \"%s\" string", name);
        return NULL;
    }

    s = json_string_value(v);
    n = json_string_length(v);

    /* RFC 7515 base64url has no padding; a JWK member padded is taken */
    if (n % 4 == 0 && s[n - 1] == '=') {
        n -= (n > 1 && s[n - 2] == '=') ? 2 : 1;
    }

    out = malloc(n * 3 / 4 + 1);
    if (out == NULL) {
        apigw_jwk_reason(reason, "out of memory");
        return NULL;
    }

    if (apigw_b64url_decode(s, n, out, len) != 0 || *len == 0) {
        apigw_jwk_reason(reason, "\"%s\" is not base64url", name);
        free(out);
        return NULL;
    }

    return out;
}


/*
 * The algorithms a key of type kty verifies: alg if given (it must be of
 * family), else the family's of the allowlist; 0: none (reason)
 */

static apigw_jwt_algs_t
apigw_jwk_algs(apigw_jwks_t *set, apigw_jwk_kty_e kty, apigw_jwt_alg_e alg,
    apigw_jwt_algs_t family, char *reason)
{
    apigw_jwt_algs_t  algs;

    static const char  *ktys[] = { "", "an RSA", "an EC", "an OKP",
                                   "an oct" };

    if (alg != APIGW_JWT_ALG_UNKNOWN) {
        if (apigw_jwt_algs[alg].kty != kty
            || !(family & APIGW_JWT_ALG_BIT(alg)))
        {
            apigw_jwk_reason(reason, "\"alg\" %s does not suit %s key",
                             apigw_jwt_algs[alg].name, ktys[kty]);
            return 0;
        }

        if (!(set->algs & APIGW_JWT_ALG_BIT(alg))) {
            apigw_jwk_reason(reason, "\"alg\" %s is not allowed",
                             apigw_jwt_algs[alg].name);
            return 0;
        }

        return APIGW_JWT_ALG_BIT(alg);
    }

    algs = set->algs & family;

    if (algs == 0) {
        apigw_jwk_reason(reason, "%s key, and no algorithm allowed for it",
                         ktys[kty]);
    }

    return algs;
}


/*
 * An RSA key checked by hand: OpenSSL's public check (SP 800-56B) tests
 * the modulus for primality, 3 ms a key, for nothing verifying needs; an
 * exponent over 64 bits would make every verification slow
 */

static int
apigw_jwk_rsa_sound(const BIGNUM *n, const BIGNUM *e, char *reason)
{
    if (!BN_is_odd(n) || !BN_is_odd(e) || BN_is_one(e)
        || BN_num_bits(e) > 64)
    {
        apigw_jwk_reason(reason, "an RSA key with an even modulus, or an "
                         "exponent even, 1 or over 64 bits");
        return 0;
    }

    return 1;
}


/* 1: the public key is sound (an EC point on its curve...), 0: reason */

static int
apigw_jwk_public_check(EVP_PKEY *pkey, char *reason)
{
    int            rc;
    EVP_PKEY_CTX  *pctx;

    pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    if (pctx == NULL) {
        apigw_jwk_reason(reason, "out of memory");
        return -1;
    }

    rc = EVP_PKEY_public_check(pctx);
    EVP_PKEY_CTX_free(pctx);
    ERR_clear_error();

    if (rc != 1) {
        apigw_jwk_reason(reason, "a public key that fails OpenSSL's check");
        return 0;
    }

    return 1;
}


/*
 * A key and a context for each of its algorithms, added to the set; takes
 * pkey (freed on failure).  1: added, 0: OpenSSL refused (reason),
 * -1: out of memory.
 */

static int
apigw_jwk_add(apigw_jwks_t *set, apigw_jwk_kty_e kty, EVP_PKEY *pkey,
    const unsigned char *secret, size_t secret_len, apigw_jwt_algs_t algs,
    const char *kid, size_t kid_len, char *reason)
{
    int                     a;
    OSSL_PARAM              params[2];
    apigw_jwk_t            *key, *keys;
    EVP_MD_CTX             *mctx;
    EVP_MAC_CTX            *mac;
    EVP_PKEY_CTX           *pctx;
    const apigw_jwt_alg_t  *info;

    if (set->nkeys == APIGW_JWKS_MAX_KEYS) {
        apigw_jwk_reason(reason, "more than %d usable keys in the set",
                         APIGW_JWKS_MAX_KEYS);
        EVP_PKEY_free(pkey);
        return 0;
    }

    keys = realloc(set->keys, (set->nkeys + 1) * sizeof(apigw_jwk_t));
    if (keys == NULL) {
        apigw_jwk_reason(reason, "out of memory");
        EVP_PKEY_free(pkey);
        return -1;
    }

    set->keys = keys;
    key = &keys[set->nkeys];
    memset(key, 0, sizeof(apigw_jwk_t));

    key->kty = kty;
    key->algs = algs;
    key->pkey = pkey;
    key->bits = pkey ? (unsigned) EVP_PKEY_get_bits(pkey)
                     : (unsigned) secret_len * 8;

    if (kid != NULL) {
        key->kid = malloc(kid_len + 1);
        if (key->kid == NULL) {
            goto nomem;
        }

        memcpy(key->kid, kid, kid_len);
        key->kid[kid_len] = '\0';
        key->kid_len = kid_len;
    }

    for (a = 1; a < APIGW_JWT_NALGS; a++) {
        if (!(algs & APIGW_JWT_ALG_BIT(a))) {
            continue;
        }

        info = &apigw_jwt_algs[a];

        switch (kty) {

        case APIGW_JWK_OCT:
            mac = EVP_MAC_CTX_new(set->hmac);
            if (mac == NULL) {
                goto nomem;
            }

            key->ctx[a] = mac;

            params[0] = OSSL_PARAM_construct_utf8_string(
                            OSSL_MAC_PARAM_DIGEST,
                            (char *) apigw_jwk_mds[info->hash], 0);
            params[1] = OSSL_PARAM_construct_end();

            if (EVP_MAC_init(mac, secret, secret_len, params) != 1) {
                goto failed;
            }

            break;

        case APIGW_JWK_OKP:
            mctx = EVP_MD_CTX_new();
            if (mctx == NULL) {
                goto nomem;
            }

            key->ctx[a] = mctx;

            if (EVP_DigestVerifyInit_ex(mctx, NULL, NULL, NULL, NULL, pkey,
                                        NULL)
                != 1)
            {
                goto failed;
            }

            break;

        default: /* RSA, EC */
            pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
            if (pctx == NULL) {
                goto nomem;
            }

            key->ctx[a] = pctx;

            if (EVP_PKEY_verify_init(pctx) != 1
                || EVP_PKEY_CTX_set_signature_md(pctx, set->md[info->hash])
                   != 1)
            {
                goto failed;
            }

            if (info->pss
                && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING)
                    != 1
                    || EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx,
                                                    RSA_PSS_SALTLEN_DIGEST)
                       != 1))
            {
                goto failed;
            }

            break;
        }
    }

    set->nkeys++;

    return 1;

failed:

    apigw_jwk_reason(reason, "OpenSSL cannot verify with this key");
    apigw_jwk_clear(key);
    ERR_clear_error();

    return 0;

nomem:

    apigw_jwk_reason(reason, "out of memory");
    apigw_jwk_clear(key);
    ERR_clear_error();

    return -1;
}


static void
apigw_jwk_clear(apigw_jwk_t *key)
{
    int  a;

    for (a = 1; a < APIGW_JWT_NALGS; a++) {
        if (key->ctx[a] == NULL) {
            continue;
        }

        switch (key->kty) {

        case APIGW_JWK_OCT:
            EVP_MAC_CTX_free(key->ctx[a]);
            break;

        case APIGW_JWK_OKP:
            EVP_MD_CTX_free(key->ctx[a]);
            break;

        default:
            EVP_PKEY_CTX_free(key->ctx[a]);
            break;
        }

        key->ctx[a] = NULL;
    }

    EVP_PKEY_free(key->pkey);
    free(key->kid);

    memset(key, 0, sizeof(apigw_jwk_t));
}


static int
apigw_jwks_skip(apigw_jwks_t *set, int index, json_t *jwk,
    const char *reason)
{
    unsigned char      c;
    size_t             i;
    json_t            *v;
    const char        *kid;
    apigw_jwk_skip_t  *skip;

    skip = realloc(set->skipped,
                   (set->nskipped + 1) * sizeof(apigw_jwk_skip_t));
    if (skip == NULL) {
        return -1;
    }

    set->skipped = skip;
    skip = &skip[set->nskipped++];

    skip->index = index;
    snprintf(skip->reason, sizeof(skip->reason), "%s", reason);

    v = json_is_object(jwk) ? json_object_get(jwk, "kid") : NULL;
    kid = json_is_string(v) ? json_string_value(v) : "";

    /* for logs: printable ASCII only */
    for (i = 0; kid[i] != '\0' && i < sizeof(skip->kid) - 1; i++) {
        c = (unsigned char) kid[i];
        skip->kid[i] = (c >= 0x20 && c < 0x7f) ? (char) c : '?';
    }

    skip->kid[i] = '\0';

    return 0;
}


static const apigw_jwk_curve_t *
apigw_jwk_curve(const char *crv, const char *group, apigw_jwt_alg_e alg)
{
    const apigw_jwk_curve_t  *c;

    for (c = apigw_jwk_curves; c->crv != NULL; c++) {
        if ((crv != NULL && strcmp(crv, c->crv) == 0)
            || (group != NULL && (strcmp(group, c->group) == 0
                                  || strcmp(group, c->crv) == 0))
            || (alg != APIGW_JWT_ALG_UNKNOWN && alg == c->alg))
        {
            return c;
        }
    }

    return NULL;
}


/* a public key from PEM: SPKI, PKCS#1 RSA, or a certificate's */

static EVP_PKEY *
apigw_jwk_pem_key(const char *pem, size_t len, char *reason)
{
    BIO                  *bio;
    X509                 *x509;
    size_t                n;
    EVP_PKEY             *pkey;
    const unsigned char  *p;
    OSSL_DECODER_CTX     *dctx;

    static const char  private[] = "PRIVATE KEY-----";

    for (n = 0; n + sizeof(private) - 1 <= len; n++) {
        if (memcmp(pem + n, private, sizeof(private) - 1) == 0) {
            apigw_jwk_reason(reason, "a private key: configure the public "
                             "key only");
            return NULL;
        }
    }

    pkey = NULL;

    dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, "PEM", NULL, NULL,
                                         OSSL_KEYMGMT_SELECT_PUBLIC_KEY,
                                         NULL, NULL);
    if (dctx != NULL) {
        p = (const unsigned char *) pem;
        n = len;

        if (OSSL_DECODER_from_data(dctx, &p, &n) != 1) {
            EVP_PKEY_free(pkey);
            pkey = NULL;
        }

        OSSL_DECODER_CTX_free(dctx);
    }

    if (pkey == NULL && len <= 1024 * 1024) {
        bio = BIO_new_mem_buf(pem, (int) len);

        if (bio != NULL) {
            x509 = PEM_read_bio_X509(bio, NULL, NULL, NULL);

            if (x509 != NULL) {
                pkey = X509_get_pubkey(x509);
                X509_free(x509);
            }

            BIO_free(bio);
        }
    }

    ERR_clear_error();

    if (pkey == NULL) {
        apigw_jwk_reason(reason, "no PEM public key (\"PUBLIC KEY\", "
                         "\"RSA PUBLIC KEY\") or certificate");
    }

    return pkey;
}


int
apigw_jwk_verify(const apigw_jwks_t *set, const apigw_jwk_t *key,
    apigw_jwt_alg_e alg, const unsigned char *in, size_t len,
    const unsigned char *sig, size_t siglen)
{
    int                     rc;
    size_t                  n, half, maclen;
    unsigned int            mdlen;
    unsigned char           md[EVP_MAX_MD_SIZE];
    unsigned char           der[8 + 2 * (3 + 66)];
    const apigw_jwt_alg_t  *info;

    if (alg <= APIGW_JWT_ALG_UNKNOWN || alg >= APIGW_JWT_NALGS
        || !(key->algs & APIGW_JWT_ALG_BIT(alg)) || key->ctx[alg] == NULL)
    {
        return 0;
    }

    info = &apigw_jwt_algs[alg];
    rc = 0;

    switch (info->kty) {

    case APIGW_JWK_OCT:
        if (siglen != info->size
            || EVP_MAC_init(key->ctx[alg], NULL, 0, NULL) != 1
            || EVP_MAC_update(key->ctx[alg], in, len) != 1
            || EVP_MAC_final(key->ctx[alg], md, &maclen, sizeof(md)) != 1
            || maclen != siglen)
        {
            break;
        }

        rc = (CRYPTO_memcmp(md, sig, siglen) == 0);
        break;

    case APIGW_JWK_OKP:
        if (siglen != 64) {
            break;
        }

        rc = (EVP_DigestVerify(key->ctx[alg], sig, siglen, in, len) == 1);
        break;

    case APIGW_JWK_RSA:
        if (siglen != (size_t) EVP_PKEY_get_size(key->pkey)
            || !apigw_jwk_digest(set, info->hash, in, len, md, &mdlen))
        {
            break;
        }

        rc = (EVP_PKEY_verify(key->ctx[alg], sig, siglen, md, mdlen) == 1);
        break;

    case APIGW_JWK_EC:
        /* RFC 7518 3.4: R and S, each the field's size, never DER */
        half = info->size;

        if (siglen != 2 * half) {
            break;
        }

        for (n = 0; n < half && sig[n] == 0; n++) { /* void */ }

        if (n == half) {
            break;
        }

        for (n = 0; n < half && sig[half + n] == 0; n++) { /* void */ }

        if (n == half) {
            break;
        }

        n = apigw_jwk_der_int(sig, half, der + 3);
        n += apigw_jwk_der_int(sig + half, half, der + 3 + n);

        /* SEQUENCE, its length in one or two bytes */
        if (n < 128) {
            der[1] = 0x30;
            der[2] = (unsigned char) n;
            n += 2;
            memmove(der, der + 1, n);

        } else {
            der[0] = 0x30;
            der[1] = 0x81;
            der[2] = (unsigned char) n;
            n += 3;
        }

        if (!apigw_jwk_digest(set, info->hash, in, len, md, &mdlen)) {
            break;
        }

        rc = (EVP_PKEY_verify(key->ctx[alg], der, n, md, mdlen) == 1);
        break;
    }

    if (rc != 1) {
        ERR_clear_error();
    }

    return rc;
}


/* a DER INTEGER of the unsigned big-endian p; its length */

static size_t
apigw_jwk_der_int(const unsigned char *p, size_t n, unsigned char *out)
{
    size_t  pad;

    while (n > 1 && p[0] == 0) {
        p++;
        n--;
    }

    pad = (p[0] & 0x80) ? 1 : 0;

    out[0] = 0x02;
    out[1] = (unsigned char) (n + pad);
    out[2] = 0;
    memcpy(out + 2 + pad, p, n);

    return 2 + pad + n;
}


static int
apigw_jwk_digest(const apigw_jwks_t *set, int hash, const unsigned char *in,
    size_t len, unsigned char *md, unsigned int *mdlen)
{
    return EVP_DigestInit_ex2(set->mdctx, set->md[hash], NULL) == 1
           && EVP_DigestUpdate(set->mdctx, in, len) == 1
           && EVP_DigestFinal_ex(set->mdctx, md, mdlen) == 1;
}


apigw_jwt_alg_e
apigw_jwt_alg_parse(const char *name, size_t len)
{
    int  a;

    for (a = 1; a < APIGW_JWT_NALGS; a++) {
        if (strlen(apigw_jwt_algs[a].name) == len
            && memcmp(apigw_jwt_algs[a].name, name, len) == 0)
        {
            return (apigw_jwt_alg_e) a;
        }
    }

    return APIGW_JWT_ALG_UNKNOWN;
}


const char *
apigw_jwt_alg_name(apigw_jwt_alg_e alg)
{
    if (alg <= APIGW_JWT_ALG_UNKNOWN || alg >= APIGW_JWT_NALGS) {
        return "unknown";
    }

    return apigw_jwt_algs[alg].name;
}


static void
apigw_jwk_reason(char *reason, const char *fmt, ...)
{
    va_list  args;

    va_start(args, fmt);
    vsnprintf(reason, APIGW_JWT_MSG_LEN, fmt, args);
    va_end(args);
}
