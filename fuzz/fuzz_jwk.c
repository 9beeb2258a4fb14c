
/*
 * Copyright (C) apigw contributors
 */


/*
 * libFuzzer target: the key loaders of apigw_jwk.c.  The first byte picks
 * the allowlist (its low three bits, of eight), APIGW_JWKS_ALLOW_OCT (bit
 * 3) and, for PEM and secrets, the alg (its high four bits, 0: none); the
 * rest is
 *
 *   - a PEM key when it starts with "-----BEGIN": apigw_jwks_add_pem();
 *   - a secret when the first byte is 0xf7 or 0xff: apigw_jwks_add_secret();
 *   - else a JWK set or a JWK: apigw_jwks_add_json();
 *
 * then fixed tokens (HS256, RS256, ES256, EdDSA, by the keys of
 * fuzz_jwt_keys.h) are verified against the set.
 *
 * Checks, besides the sanitizers:
 *   - the count returned is the keys added; -1 comes with a message and
 *     adds nothing; every skipped key has a reason and a printable kid;
 *   - every key is sound: its algorithms not empty, on the allowlist, of
 *     its type (RSA: RS and PS, EC: one ES, OKP: EdDSA, oct: HS with a
 *     secret no shorter than the hash), a context for each and for no
 *     other, an EVP_PKEY but for oct, RSA of 2048 to 8192 bits; at most
 *     APIGW_JWKS_MAX_KEYS;
 *   - the OpenSSL error queue is left empty.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "apigw_jwt.h"
#include "../tools/apigw_jwt_sign.h"
#include "fuzz_jwt_keys.h"


#define FUZZ_NOW            1700000000LL
#define FUZZ_MAX_INPUT      (64 * 1024)


static void fuzz_fail(const char *what, const char *detail);
static void fuzz_check_set(const apigw_jwks_t *set, size_t before,
    int added);


static char                *fuzz_tokens[4];
static apigw_jwt_policy_t   fuzz_policy;

static const apigw_jwt_algs_t  fuzz_allowlists[8] = {
    0,
    APIGW_JWT_ALGS_ALL,
    APIGW_JWT_ALG_BIT(APIGW_JWT_RS256),
    APIGW_JWT_ALGS_RSA,
    APIGW_JWT_ALGS_ES | APIGW_JWT_ALG_BIT(APIGW_JWT_EDDSA),
    APIGW_JWT_ALGS_HS,
    APIGW_JWT_ALG_BIT(APIGW_JWT_HS384) | APIGW_JWT_ALG_BIT(APIGW_JWT_PS512),
    APIGW_JWT_ALG_BIT(APIGW_JWT_ES512) | APIGW_JWT_ALG_BIT(APIGW_JWT_HS512)
};


static void
fuzz_fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_jwk: %s%s%s\n", what, detail ? ": " : "",
            detail ? detail : "");
    abort();
}


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char      payload[64];
    EVP_PKEY  *rsa, *ec, *ed;

    static const char  hs[] = "{\"alg\":\"HS256\",\"kid\":\"hs\"}";
    static const char  rs[] = "{\"alg\":\"RS256\",\"kid\":\"rsa\"}";
    static const char  es[] = "{\"alg\":\"ES256\",\"kid\":\"ec\"}";
    static const char  ed25519[] = "{\"alg\":\"EdDSA\"}";

    (void) argc;
    (void) argv;

    rsa = fuzz_jwt_key(fuzz_jwt_rsa_pem);
    ec = fuzz_jwt_key(fuzz_jwt_ec_pem);
    ed = fuzz_jwt_key(fuzz_jwt_ed_pem);

    snprintf(payload, sizeof(payload), "{\"sub\":\"a\",\"exp\":%lld}",
             FUZZ_NOW + 3600);

    fuzz_tokens[0] = jwt_mint("HS256", NULL,
                              (const unsigned char *) fuzz_jwt_secret,
                              FUZZ_JWT_SECRET_LEN, hs, strlen(hs), payload,
                              strlen(payload));
    fuzz_tokens[1] = jwt_mint("RS256", rsa, NULL, 0, rs, strlen(rs),
                              payload, strlen(payload));
    fuzz_tokens[2] = jwt_mint("ES256", ec, NULL, 0, es, strlen(es),
                              payload, strlen(payload));
    fuzz_tokens[3] = jwt_mint("EdDSA", ed, NULL, 0, ed25519,
                              strlen(ed25519), payload, strlen(payload));

    if (fuzz_tokens[0] == NULL || fuzz_tokens[1] == NULL
        || fuzz_tokens[2] == NULL || fuzz_tokens[3] == NULL)
    {
        fuzz_fail("cannot mint the fixed tokens", NULL);
    }

    EVP_PKEY_free(rsa);
    EVP_PKEY_free(ec);
    EVP_PKEY_free(ed);

    apigw_jwt_policy_init(&fuzz_policy);

    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                  i, added;
    size_t               before, n;
    apigw_jwt_t         *jwt;
    apigw_jwks_t        *set;
    apigw_jwt_alg_e      alg;
    apigw_jwt_error_t    err;
    apigw_jwt_status_e   rc;
    char                *copy;

    if (size == 0 || size > FUZZ_MAX_INPUT) {
        return 0;
    }

    set = apigw_jwks_create(fuzz_allowlists[data[0] & 7],
                            (data[0] & 8) ? APIGW_JWKS_ALLOW_OCT : 0);
    if (set == NULL) {
        fuzz_fail("cannot create a set", NULL);
    }

    alg = (apigw_jwt_alg_e) ((data[0] >> 4) % APIGW_JWT_NALGS);

    /* exactly the input's bytes, so that ASan sees a read past them */
    n = size - 1;
    copy = malloc(n ? n : 1);
    memcpy(copy, data + 1, n);

    memset(&err, 0, sizeof(err));
    before = set->nkeys;

    if (n >= 10 && memcmp(copy, "-----BEGIN", 10) == 0) {
        added = apigw_jwks_add_pem(set, copy, n, "pem", alg, &err) == 0
                ? 1 : -1;

    } else if ((data[0] & 0xf7) == 0xf7) {
        added = apigw_jwks_add_secret(set, (unsigned char *) copy, n, NULL,
                                      APIGW_JWT_ALG_UNKNOWN, &err) == 0
                ? 1 : -1;

        if (added == 1 && n < 32) {
            fuzz_fail("a secret under 32 bytes taken", NULL);
        }

    } else {
        added = apigw_jwks_add_json(set, copy, n, &err);
    }

    free(copy);

    if (ERR_peek_error() != 0) {
        fuzz_fail("the OpenSSL error queue is not empty after loading",
                  NULL);
    }

    if (added < 0 && err.message[0] == '\0') {
        fuzz_fail("a refusal without a message", NULL);
    }

    fuzz_check_set(set, before, added);

    for (i = 0; i < 4; i++) {
        rc = apigw_jwt_verify(set, &fuzz_policy, fuzz_tokens[i],
                              strlen(fuzz_tokens[i]), FUZZ_NOW, &jwt, &err);

        if (ERR_peek_error() != 0) {
            fuzz_fail("the OpenSSL error queue is not empty after verifying",
                      apigw_jwt_status_name(rc));
        }

        if ((rc == APIGW_JWT_OK) != (jwt != NULL)) {
            fuzz_fail("a verdict and a token that disagree", NULL);
        }

        apigw_jwt_free(jwt);
    }

    apigw_jwks_free(set);

    return 0;
}


static void
fuzz_check_set(const apigw_jwks_t *set, size_t before, int added)
{
    int                 a;
    size_t              k, j;
    apigw_jwt_algs_t    family;
    const apigw_jwk_t  *key;

    if (added >= 0 && set->nkeys != before + (size_t) added) {
        fuzz_fail("the count returned is not the keys added", NULL);
    }

    if (added < 0 && set->nkeys != before) {
        fuzz_fail("a refused document added keys", NULL);
    }

    if (set->nkeys > APIGW_JWKS_MAX_KEYS) {
        fuzz_fail("more keys than the cap", NULL);
    }

    for (k = 0; k < set->nskipped; k++) {
        if (set->skipped[k].reason[0] == '\0') {
            fuzz_fail("a key skipped without a reason", NULL);
        }

        for (j = 0; set->skipped[k].kid[j] != '\0'; j++) {
            if (set->skipped[k].kid[j] < 0x20 || set->skipped[k].kid[j] > 0x7e)
            {
                fuzz_fail("a skipped kid not printable", NULL);
            }
        }
    }

    for (k = 0; k < set->nkeys; k++) {
        key = &set->keys[k];

        switch (key->kty) {

        case APIGW_JWK_RSA:
            family = APIGW_JWT_ALGS_RSA;

            if (key->bits < APIGW_JWK_RSA_MIN_BITS
                || key->bits > APIGW_JWK_RSA_MAX_BITS)
            {
                fuzz_fail("an RSA key of a size refused", NULL);
            }

            break;

        case APIGW_JWK_EC:
            family = APIGW_JWT_ALGS_ES;
            break;

        case APIGW_JWK_OKP:
            family = APIGW_JWT_ALG_BIT(APIGW_JWT_EDDSA);
            break;

        case APIGW_JWK_OCT:
            family = APIGW_JWT_ALGS_HS;

            if (((key->algs & APIGW_JWT_ALG_BIT(APIGW_JWT_HS256))
                 && key->bits < 256)
                || ((key->algs & APIGW_JWT_ALG_BIT(APIGW_JWT_HS384))
                    && key->bits < 384)
                || ((key->algs & APIGW_JWT_ALG_BIT(APIGW_JWT_HS512))
                    && key->bits < 512))
            {
                fuzz_fail("a secret shorter than its hash", NULL);
            }

            break;

        default:
            fuzz_fail("a key of no type", NULL);
            return;
        }

        if (key->algs == 0 || (key->algs & ~family) != 0
            || (key->algs & ~set->algs) != 0)
        {
            fuzz_fail("a key's algorithms", NULL);
        }

        if (key->kty == APIGW_JWK_EC && (key->algs & (key->algs - 1)) != 0) {
            fuzz_fail("an EC key for more than one algorithm", NULL);
        }

        if ((key->pkey == NULL) != (key->kty == APIGW_JWK_OCT)) {
            fuzz_fail("a key's EVP_PKEY", NULL);
        }

        for (a = 0; a < APIGW_JWT_NALGS; a++) {
            if ((key->ctx[a] != NULL)
                != ((key->algs & APIGW_JWT_ALG_BIT(a)) != 0))
            {
                fuzz_fail("a key's contexts are not its algorithms'", NULL);
            }
        }

        if (key->kid != NULL && strlen(key->kid) != key->kid_len) {
            fuzz_fail("a kid not of its length", NULL);
        }
    }
}
