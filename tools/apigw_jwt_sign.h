
/*
 * Copyright (C) apigw contributors
 */


#ifndef _APIGW_JWT_SIGN_H_INCLUDED_
#define _APIGW_JWT_SIGN_H_INCLUDED_


/*
 * Minting JWS tokens and writing JWKs with OpenSSL alone, for the token
 * tool (tools/apigw_jwt_mint.c), the unit tests, the fuzzers' seeds and
 * the benchmark.  Never part of the module: the gateway verifies, it does
 * not sign.  Independent of apigw_jwt.c on purpose (its own base64url),
 * so that the tests check the verifier against another implementation.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>


#ifdef __GNUC__
#define JWT_SIGN_UNUSED     __attribute__((unused))
#else
#define JWT_SIGN_UNUSED
#endif


static size_t jwt_b64url(const unsigned char *in, size_t len, char *out)
    JWT_SIGN_UNUSED;
static int jwt_sign(const char *alg, EVP_PKEY *pkey,
    const unsigned char *secret, size_t secret_len, const char *in,
    size_t len, unsigned char *sig, size_t *siglen) JWT_SIGN_UNUSED;
static char *jwt_mint(const char *alg, EVP_PKEY *pkey,
    const unsigned char *secret, size_t secret_len, const char *header,
    size_t hlen, const char *payload, size_t plen) JWT_SIGN_UNUSED;
static char *jwt_mint_json(const char *alg, EVP_PKEY *pkey,
    const unsigned char *secret, size_t secret_len, json_t *header,
    json_t *payload) JWT_SIGN_UNUSED;
static json_t *jwt_jwk(EVP_PKEY *pkey, const char *kid, const char *alg)
    JWT_SIGN_UNUSED;
static int jwt_jwk_bn(json_t *jwk, const char *name, EVP_PKEY *pkey,
    const char *param, size_t size) JWT_SIGN_UNUSED;


/* out holds len * 4 / 3 + 4 bytes; NUL-terminated, no padding */

static size_t
jwt_b64url(const unsigned char *in, size_t len, char *out)
{
    int     n, i;
    size_t  o;

    static const char  chars[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    n = EVP_EncodeBlock((unsigned char *) out, in, (int) len);
    o = 0;

    /* base64 to base64url, padding dropped */
    for (i = 0; i < n; i++) {
        if (out[i] == '=') {
            break;
        }

        out[o++] = out[i] == '+' ? chars[62]
                   : out[i] == '/' ? chars[63] : out[i];
    }

    out[o] = '\0';

    return o;
}


/*
 * The JWS signature of in with alg: pkey for RS, PS, ES (raw R and S, as
 * RFC 7518 has it) and EdDSA, secret for HS.  sig holds 1024 bytes.
 */

static int
jwt_sign(const char *alg, EVP_PKEY *pkey, const unsigned char *secret,
    size_t secret_len, const char *in, size_t len, unsigned char *sig,
    size_t *siglen)
{
    int                   ok, half;
    size_t                n;
    const char           *md;
    EVP_MD_CTX           *mctx;
    ECDSA_SIG            *es;
    EVP_PKEY_CTX         *pctx;
    const BIGNUM         *r, *s;
    unsigned char         der[256];
    const unsigned char  *p;

    md = strstr(alg, "256") ? "SHA256" : strstr(alg, "384") ? "SHA384"
         : strstr(alg, "512") ? "SHA512" : NULL;

    if (alg[0] == 'H') {
        if (md == NULL
            || EVP_Q_mac(NULL, "HMAC", NULL, md, NULL, secret, secret_len,
                         (const unsigned char *) in, len, sig, 64, &n)
               == NULL)
        {
            return -1;
        }

        *siglen = n;
        return 0;
    }

    if (pkey == NULL) {
        return -1;
    }

    if (strcmp(alg, "EdDSA") == 0) {
        md = NULL;
    }

    mctx = EVP_MD_CTX_new();
    if (mctx == NULL) {
        return -1;
    }

    ok = EVP_DigestSignInit_ex(mctx, &pctx, md, NULL, NULL, pkey, NULL) == 1;

    if (ok && alg[0] == 'P') {
        ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1
             && EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST)
                == 1;
    }

    n = alg[0] == 'E' && alg[1] == 'S' ? sizeof(der) : 1024;

    ok = ok && EVP_DigestSign(mctx, alg[0] == 'E' && alg[1] == 'S' ? der : sig,
                              &n, (const unsigned char *) in, len) == 1;

    EVP_MD_CTX_free(mctx);

    if (!ok) {
        ERR_clear_error();
        return -1;
    }

    if (!(alg[0] == 'E' && alg[1] == 'S')) {
        *siglen = n;
        return 0;
    }

    /* DER to R and S, each the field's size */
    half = strcmp(alg, "ES256") == 0 ? 32 : strcmp(alg, "ES384") == 0 ? 48
                                                                       : 66;
    p = der;
    es = d2i_ECDSA_SIG(NULL, &p, (long) n);
    if (es == NULL) {
        return -1;
    }

    ECDSA_SIG_get0(es, &r, &s);

    ok = BN_bn2binpad(r, sig, half) == half
         && BN_bn2binpad(s, sig + half, half) == half;

    ECDSA_SIG_free(es);

    *siglen = (size_t) half * 2;

    return ok ? 0 : -1;
}


/* "header.payload.signature" of these exact bytes; malloc()ed */

static char *
jwt_mint(const char *alg, EVP_PKEY *pkey, const unsigned char *secret,
    size_t secret_len, const char *header, size_t hlen, const char *payload,
    size_t plen)
{
    char           *token;
    size_t          n, siglen;
    unsigned char   sig[1024];

    token = malloc((hlen + plen) * 4 / 3 + 1024 * 4 / 3 + 32);
    if (token == NULL) {
        return NULL;
    }

    n = jwt_b64url((const unsigned char *) header, hlen, token);
    token[n++] = '.';
    n += jwt_b64url((const unsigned char *) payload, plen, token + n);

    if (alg == NULL || strcmp(alg, "none") == 0 || strcmp(alg, "") == 0) {
        token[n++] = '.';
        token[n] = '\0';
        return token;
    }

    if (jwt_sign(alg, pkey, secret, secret_len, token, n, sig, &siglen)
        != 0)
    {
        free(token);
        return NULL;
    }

    token[n++] = '.';
    jwt_b64url(sig, siglen, token + n);

    return token;
}


static char *
jwt_mint_json(const char *alg, EVP_PKEY *pkey, const unsigned char *secret,
    size_t secret_len, json_t *header, json_t *payload)
{
    char  *h, *p, *token;

    h = json_dumps(header, JSON_COMPACT | JSON_PRESERVE_ORDER);
    p = json_dumps(payload, JSON_COMPACT | JSON_PRESERVE_ORDER);

    token = (h && p) ? jwt_mint(alg, pkey, secret, secret_len, h, strlen(h),
                                p, strlen(p))
                     : NULL;

    free(h);
    free(p);

    return token;
}


/* the public JWK of pkey (RSA, EC P-256/384/521, Ed25519) */

static json_t *
jwt_jwk(EVP_PKEY *pkey, const char *kid, const char *alg)
{
    char            group[32], x[64 * 4 / 3 + 8];
    size_t          n;
    json_t         *jwk;
    unsigned char   raw[32];

    jwk = json_object();
    if (jwk == NULL) {
        return NULL;
    }

    if (EVP_PKEY_is_a(pkey, "RSA")) {
        json_object_set_new(jwk, "kty", json_string("RSA"));

        if (jwt_jwk_bn(jwk, "n", pkey, OSSL_PKEY_PARAM_RSA_N, 0) != 0
            || jwt_jwk_bn(jwk, "e", pkey, OSSL_PKEY_PARAM_RSA_E, 0) != 0)
        {
            goto failed;
        }

    } else if (EVP_PKEY_is_a(pkey, "EC")) {
        if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
                                            group, sizeof(group), &n))
        {
            goto failed;
        }

        json_object_set_new(jwk, "kty", json_string("EC"));

        if (strcmp(group, "prime256v1") == 0) {
            json_object_set_new(jwk, "crv", json_string("P-256"));
            n = 32;

        } else if (strcmp(group, "secp384r1") == 0) {
            json_object_set_new(jwk, "crv", json_string("P-384"));
            n = 48;

        } else if (strcmp(group, "secp521r1") == 0) {
            json_object_set_new(jwk, "crv", json_string("P-521"));
            n = 66;

        } else {
            goto failed;
        }

        if (jwt_jwk_bn(jwk, "x", pkey, OSSL_PKEY_PARAM_EC_PUB_X, n) != 0
            || jwt_jwk_bn(jwk, "y", pkey, OSSL_PKEY_PARAM_EC_PUB_Y, n) != 0)
        {
            goto failed;
        }

    } else if (EVP_PKEY_is_a(pkey, "ED25519")) {
        n = sizeof(raw);

        if (EVP_PKEY_get_raw_public_key(pkey, raw, &n) != 1) {
            goto failed;
        }

        jwt_b64url(raw, n, x);

        json_object_set_new(jwk, "kty", json_string("OKP"));
        json_object_set_new(jwk, "crv", json_string("Ed25519"));
        json_object_set_new(jwk, "x", json_string(x));

    } else {
        goto failed;
    }

    if (kid != NULL) {
        json_object_set_new(jwk, "kid", json_string(kid));
    }

    if (alg != NULL) {
        json_object_set_new(jwk, "alg", json_string(alg));
    }

    json_object_set_new(jwk, "use", json_string("sig"));

    return jwk;

failed:

    ERR_clear_error();
    json_decref(jwk);

    return NULL;
}


/* a big number parameter of pkey, size bytes (0: its own), base64url */

static int
jwt_jwk_bn(json_t *jwk, const char *name, EVP_PKEY *pkey, const char *param,
    size_t size)
{
    int             rc;
    char           *out;
    BIGNUM         *bn;
    size_t          n;
    unsigned char  *bin;

    bn = NULL;

    if (EVP_PKEY_get_bn_param(pkey, param, &bn) != 1) {
        return -1;
    }

    n = size ? size : (size_t) BN_num_bytes(bn);
    bin = malloc(n);
    out = malloc(n * 4 / 3 + 8);
    rc = -1;

    if (bin != NULL && out != NULL
        && BN_bn2binpad(bn, bin, (int) n) == (int) n)
    {
        jwt_b64url(bin, n, out);
        json_object_set_new(jwk, name, json_string(out));
        rc = 0;
    }

    free(bin);
    free(out);
    BN_free(bn);

    return rc;
}


#endif /* _APIGW_JWT_SIGN_H_INCLUDED_ */
