
/*
 * Copyright (C) apigw contributors
 */


/*
 * bench/jwt_verify.c (make bench-jwt): microseconds per apigw_jwt_verify()
 * for each algorithm, on one core, with a typical access token (iss, sub,
 * aud, exp, iat, nbf, scope, client_id, jti; kid in the header) against a
 * JWK set of three keys and a policy that checks issuer and audience.
 *
 * Beside each asymmetric algorithm, the same signature checked by
 * OpenSSL alone as "openssl speed" does (EVP_PKEY_verify() of a digest on
 * a context made once; EVP_DigestVerify() for Ed25519), in the same run:
 * the ratio is what the verifier adds (base64url, JSON, claims, key
 * lookup, the digest of the signing input).  The two alternate for a
 * number of rounds and the best round of each counts, so that other work
 * on the machine weighs on neither.  For the algorithms it has, libjwt
 * 1.10.2's jwt_decode() with the PEM key too, the way a module built on
 * it verifies (it checks no claim).
 *
 *     build/bench/jwt-verify [seconds per case [rounds]]  (2 s, 5 rounds)
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jwt.h>
#include <openssl/pem.h>

#include "apigw_jwt.h"
#include "apigw_jwt_sign.h"


typedef struct {
    const char             *alg;
    const char             *type;       /* keygen: RSA, EC, ED25519, HS */
    const char             *param;      /* curve */
    const char             *md;
} bench_case_t;


static double bench_now(void);
static double bench_verify(apigw_jwks_t *set, apigw_jwt_policy_t *policy,
    const char *token, double seconds);
static double bench_openssl(EVP_PKEY *pkey, const bench_case_t *c,
    const char *token, double seconds);
static double bench_libjwt(EVP_PKEY *pkey, const unsigned char *secret,
    const char *token, double seconds);


static const bench_case_t  bench_cases[] = {
    { "RS256", "RSA", NULL, "SHA256" },
    { "RS384", "RSA", NULL, "SHA384" },
    { "RS512", "RSA", NULL, "SHA512" },
    { "PS256", "RSA", NULL, "SHA256" },
    { "PS384", "RSA", NULL, "SHA384" },
    { "PS512", "RSA", NULL, "SHA512" },
    { "ES256", "EC", "P-256", "SHA256" },
    { "ES384", "EC", "P-384", "SHA384" },
    { "ES512", "EC", "P-521", "SHA512" },
    { "EdDSA", "ED25519", NULL, NULL },
    { "HS256", "HS", NULL, "SHA256" },
    { "HS384", "HS", NULL, "SHA384" },
    { "HS512", "HS", NULL, "SHA512" },
    { NULL, NULL, NULL, NULL }
};


int
main(int argc, char **argv)
{
    int                  i, k, r, rounds;
    char                *text, *token, payload[1024], header[128];
    double               seconds, ours, ossl, lib, t;
    json_t              *keys, *jwk;
    EVP_PKEY            *pkey, *other[2];
    apigw_jwks_t        *set;
    apigw_jwt_policy_t   policy;
    apigw_jwt_error_t    err;
    unsigned char        secret[64];
    long long            now;

    static const char  *auds[] = { "petstore" };

    seconds = argc > 1 ? atof(argv[1]) : 2.0;
    rounds = argc > 2 ? atoi(argv[2]) : 5;

    if (rounds < 1) {
        rounds = 1;
    }

    seconds /= rounds;
    now = (long long) time(NULL);

    memset(secret, 0x42, sizeof(secret));

    snprintf(payload, sizeof(payload),
             "{\"iss\":\"https://id.example.com/\","
             "\"sub\":\"00u1a2b3c4d5e6f7g8h9\",\"aud\":\"petstore\","
             "\"exp\":%lld,\"iat\":%lld,\"nbf\":%lld,"
             "\"scope\":\"openid profile pets:read pets:write\","
             "\"client_id\":\"0oa1b2c3d4e5f6g7h8i9\","
             "\"jti\":\"AT.x8Yq3bWcP1nR0sT2uV4wX6yZ8aB0cD2eF4gH6iJ8kL0\"}",
             now + 3600, now, now);

    apigw_jwt_policy_init(&policy);
    policy.issuer = "https://id.example.com/";
    policy.audiences = auds;
    policy.naudiences = 1;

    printf("%-6s %12s %14s %7s %12s\n", "alg", "apigw us", "openssl us",
           "ratio", "libjwt us");

    for (i = 0; bench_cases[i].alg != NULL; i++) {
        const bench_case_t  *c = &bench_cases[i];

        set = apigw_jwks_create(APIGW_JWT_ALGS_ALL, 0);
        pkey = NULL;

        snprintf(header, sizeof(header),
                 "{\"alg\":\"%s\",\"typ\":\"JWT\",\"kid\":\"k2\"}", c->alg);

        if (strcmp(c->type, "HS") == 0) {
            apigw_jwks_add_secret(set, secret, 64, "k2",
                                  apigw_jwt_alg_parse(c->alg, 5), &err);

        } else {
            /* three keys, the token's second: a realistic JWK set */
            keys = json_array();

            for (k = 0; k < 3; k++) {
                EVP_PKEY  *p;

                p = c->param ? EVP_PKEY_Q_keygen(NULL, NULL, c->type,
                                                 c->param)
                    : strcmp(c->type, "RSA") == 0
                      ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) 2048)
                      : EVP_PKEY_Q_keygen(NULL, NULL, c->type);

                jwk = jwt_jwk(p, k == 0 ? "k1" : k == 1 ? "k2" : "k3",
                              c->alg);
                json_array_append_new(keys, jwk);

                if (k == 1) {
                    pkey = p;

                } else {
                    other[k / 2] = p;
                }
            }

            jwk = json_pack("{s:o}", "keys", keys);
            text = json_dumps(jwk, JSON_COMPACT);
            json_decref(jwk);

            apigw_jwks_add_json(set, text, strlen(text), &err);
            free(text);

            EVP_PKEY_free(other[0]);
            EVP_PKEY_free(other[1]);
        }

        token = jwt_mint(c->alg, pkey, secret, 64, header, strlen(header),
                         payload, strlen(payload));

        if (token == NULL || set->nkeys == 0) {
            fprintf(stderr, "%s: cannot set up\n", c->alg);
            return 1;
        }

        ours = 1e9;
        ossl = 1e9;
        lib = 1e9;

        if (i == 0) {
            /* a warm-up: the first case ran slower, clocks rising */
            (void) bench_verify(set, &policy, token, 1.0);
        }

        for (r = 0; r < rounds; r++) {
            t = bench_verify(set, &policy, token, seconds);

            if (t < 0) {
                return 1;
            }

            ours = t < ours ? t : ours;

            if (pkey != NULL) {
                t = bench_openssl(pkey, c, token, seconds);

                if (t < 0) {
                    fprintf(stderr, "%s: OpenSSL refuses\n", c->alg);
                    return 1;
                }

                ossl = t < ossl ? t : ossl;
            }

            /* libjwt 1.10 has no PS and no EdDSA */
            if (c->alg[0] != 'P' && strcmp(c->alg, "EdDSA") != 0)
            {
                t = bench_libjwt(pkey, secret, token, seconds);
                lib = t < lib ? t : lib;
            }
        }

        if (pkey != NULL) {
            printf("%-6s %12.2f %14.2f %7.2f", c->alg, ours, ossl,
                   ours / ossl);

        } else {
            printf("%-6s %12.2f %14s %7s", c->alg, ours, "-", "-");
        }

        if (lib < 1e9) {
            printf(" %12.2f\n", lib);

        } else {
            printf(" %12s\n", "-");
        }

        fflush(stdout);

        free(token);
        EVP_PKEY_free(pkey);
        apigw_jwks_free(set);
    }

    return 0;
}


static double
bench_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return ts.tv_sec + ts.tv_nsec / 1e9;
}


static double
bench_verify(apigw_jwks_t *set, apigw_jwt_policy_t *policy,
    const char *token, double seconds)
{
    long                n;
    size_t              len;
    double              start, t;
    int64_t             now;
    apigw_jwt_t        *jwt;
    apigw_jwt_error_t   err;

    len = strlen(token);
    now = (int64_t) time(NULL);
    n = 0;
    start = bench_now();

    do {
        if (apigw_jwt_verify(set, policy, token, len, now, &jwt, &err)
            != APIGW_JWT_OK)
        {
            fprintf(stderr, "verify: %s\n", err.message);
            return -1;
        }

        apigw_jwt_free(jwt);
        n++;

        t = bench_now() - start;

    } while (t < seconds);

    return t / n * 1e6;
}


/* as openssl speed: the digest made once, a context made once */

static double
bench_openssl(EVP_PKEY *pkey, const bench_case_t *c, const char *token,
    double seconds)
{
    int                   ok;
    long                  n;
    char                 *dot;
    size_t                siglen, half, dlen;
    double                start, t;
    EVP_MD_CTX           *mctx;
    EVP_PKEY_CTX         *pctx;
    ECDSA_SIG            *es;
    unsigned char         sig[1024], der[256], md[64], *p;
    unsigned int          mdlen;

    dot = strrchr(token, '.');
    siglen = sizeof(sig);

    /* the signature back from base64url, with OpenSSL's decoder */
    {
        char    b64[1400];
        size_t  i, l;

        l = strlen(dot + 1);

        for (i = 0; i < l; i++) {
            b64[i] = dot[1 + i] == '-' ? '+' : dot[1 + i] == '_' ? '/'
                                                                 : dot[1 + i];
        }

        while (l % 4) {
            b64[l++] = '=';
        }

        siglen = (size_t) EVP_DecodeBlock(sig, (unsigned char *) b64, (int) l);
        siglen -= (b64[l - 1] == '=') + (b64[l - 2] == '=');
    }

    mctx = NULL;
    pctx = NULL;

    if (c->md == NULL) {
        mctx = EVP_MD_CTX_new();
        EVP_DigestVerifyInit_ex(mctx, NULL, NULL, NULL, NULL, pkey, NULL);

        n = 0;
        start = bench_now();

        do {
            ok = EVP_DigestVerify(mctx, sig, siglen, (unsigned char *) token,
                                  dot - token);
            n++;
            t = bench_now() - start;

        } while (ok == 1 && t < seconds);

        EVP_MD_CTX_free(mctx);

        return ok == 1 ? t / n * 1e6 : -1;
    }

    EVP_Digest(token, dot - token, md, &mdlen, EVP_get_digestbyname(c->md),
               NULL);
    dlen = mdlen;

    if (c->alg[0] == 'E') {
        BIGNUM  *r, *s;

        half = siglen / 2;
        r = BN_bin2bn(sig, (int) half, NULL);
        s = BN_bin2bn(sig + half, (int) half, NULL);
        es = ECDSA_SIG_new();
        ECDSA_SIG_set0(es, r, s);
        p = der;
        siglen = (size_t) i2d_ECDSA_SIG(es, &p);
        ECDSA_SIG_free(es);
        memcpy(sig, der, siglen);
    }

    pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    EVP_PKEY_verify_init(pctx);
    EVP_PKEY_CTX_set_signature_md(pctx, EVP_get_digestbyname(c->md));

    if (c->alg[0] == 'P') {
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
    }

    n = 0;
    start = bench_now();

    do {
        ok = EVP_PKEY_verify(pctx, sig, siglen, md, dlen);
        n++;
        t = bench_now() - start;

    } while (ok == 1 && t < seconds);

    EVP_PKEY_CTX_free(pctx);

    return ok == 1 ? t / n * 1e6 : -1;
}


/* jwt_decode() with the PEM public key (or the secret), as libjwt has it */

static double
bench_libjwt(EVP_PKEY *pkey, const unsigned char *secret, const char *token,
    double seconds)
{
    int             rc;
    BIO            *bio;
    long            n, keylen;
    char           *pem;
    jwt_t          *jwt;
    double          start, t;
    unsigned char  *key;

    bio = NULL;

    if (pkey != NULL) {
        bio = BIO_new(BIO_s_mem());
        PEM_write_bio_PUBKEY(bio, pkey);
        keylen = BIO_get_mem_data(bio, &pem);
        key = (unsigned char *) pem;

    } else {
        key = (unsigned char *) secret;
        keylen = 64;
    }

    n = 0;
    start = bench_now();

    do {
        jwt = NULL;
        rc = jwt_decode(&jwt, token, key, (int) keylen);
        jwt_free(jwt);
        n++;
        t = bench_now() - start;

    } while (rc == 0 && t < seconds);

    BIO_free(bio);
    ERR_clear_error();

    return rc == 0 ? t / n * 1e6 : 1e9;
}
