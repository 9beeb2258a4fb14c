
/*
 * Copyright (C) apigw contributors
 */


/*
 * libFuzzer target: apigw_jwt_verify() against a fixed key set and two
 * policies, at a fixed time.  The first byte picks what the rest is:
 *
 *   & 3 == 0: a token, as it is (the seeds are tokens the fixed keys
 *             signed: fuzz/corpus/jws);
 *   & 3 == 1, 2, 3: a header and a payload, split at the first '\n',
 *             signed here with HS256, EdDSA or ES256 (raw bytes, so that
 *             the claims checks see what only a signed token reaches).
 *
 * Checks, besides the sanitizers:
 *   - a refusal has a status of the enum, the same in err, a message, no
 *     token; the OpenSSL error queue is left empty;
 *   - only well-formed tokens pass, by a reference made of other parts:
 *     exactly three segments of the base64url alphabet, within the length
 *     cap; header and payload decoded by OpenSSL's base64 and parsed by
 *     jansson with JSON_REJECT_DUPLICATES into objects, the header's alg
 *     the token's, one the set allows, no crit, the payload equal to the
 *     claims; exp present and after now - leeway, nbf not after now +
 *     leeway; with the strict policy the issuer, an audience and the typ;
 *   - apigw_jwt_parse() takes what verifying took, with equal claims.
 *
 * APIGW_FUZZ_VERBOSE=1 build/fuzz/fuzz_jws file... prints each verdict.
 */

#define _GNU_SOURCE             /* memmem() */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/pem.h>

#include "apigw_jwt.h"
#include "../tools/apigw_jwt_sign.h"
#include "fuzz_jwt_keys.h"


#define FUZZ_NOW            1700000000LL
#define FUZZ_MAX_INPUT      (16 * 1024)


static void fuzz_fail(const char *what, const char *detail);
static json_t *fuzz_segment(const char *b64, size_t len);
static void fuzz_check_passed(const char *token, size_t len,
    const apigw_jwt_policy_t *policy, const apigw_jwt_t *jwt);
static void fuzz_verify(const char *token, size_t len,
    const apigw_jwt_policy_t *policy);
static int fuzz_audience(json_t *aud);


static int                      fuzz_verbose;
static apigw_jwks_t            *fuzz_set;
static EVP_PKEY                *fuzz_ed, *fuzz_ec;
static apigw_jwt_policy_t       fuzz_lax, fuzz_strict;
static apigw_jwt_claim_rule_t   fuzz_rule;

static const char  *fuzz_auds[] = { "api", "https://api.example" };


static void
fuzz_fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_jws: %s%s%s\n", what, detail ? ": " : "",
            detail ? detail : "");
    abort();
}


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char               *text, *pem;
    long                n;
    json_t             *keys;
    BIO                *bio;
    EVP_PKEY           *rsa;
    apigw_jwt_error_t   err;

    (void) argc;
    (void) argv;

    fuzz_verbose = getenv("APIGW_FUZZ_VERBOSE") != NULL;

    rsa = fuzz_jwt_key(fuzz_jwt_rsa_pem);
    fuzz_ec = fuzz_jwt_key(fuzz_jwt_ec_pem);
    fuzz_ed = fuzz_jwt_key(fuzz_jwt_ed_pem);

    /* kids: rsa (RS256), rsa-any (RS and PS), ec, ed */
    keys = json_pack("{s:[o, o, o, o]}", "keys",
                     jwt_jwk(rsa, "rsa", "RS256"),
                     jwt_jwk(rsa, "rsa-any", NULL),
                     jwt_jwk(fuzz_ec, "ec", "ES256"),
                     jwt_jwk(fuzz_ed, "ed", NULL));
    text = json_dumps(keys, JSON_COMPACT);
    json_decref(keys);

    fuzz_set = apigw_jwks_create(APIGW_JWT_ALGS_ALL, 0);

    if (fuzz_set == NULL
        || apigw_jwks_add_json(fuzz_set, text, strlen(text), &err) != 4)
    {
        fuzz_fail("the fixed set does not load", err.message);
    }

    free(text);

    /* the secret with kid "hs" and without; an Ed25519 PEM without kid */
    if (apigw_jwks_add_secret(fuzz_set,
                              (const unsigned char *) fuzz_jwt_secret,
                              FUZZ_JWT_SECRET_LEN, "hs", APIGW_JWT_HS256,
                              &err)
        != 0
        || apigw_jwks_add_secret(fuzz_set,
                                 (const unsigned char *) fuzz_jwt_secret,
                                 FUZZ_JWT_SECRET_LEN, NULL,
                                 APIGW_JWT_ALG_UNKNOWN, &err)
           != 0)
    {
        fuzz_fail("the secret does not load", err.message);
    }

    bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, fuzz_ed);
    n = BIO_get_mem_data(bio, &pem);

    if (apigw_jwks_add_pem(fuzz_set, pem, (size_t) n, NULL,
                           APIGW_JWT_ALG_UNKNOWN, &err)
        != 0)
    {
        fuzz_fail("the PEM key does not load", err.message);
    }

    BIO_free(bio);
    EVP_PKEY_free(rsa);

    apigw_jwt_policy_init(&fuzz_lax);

    apigw_jwt_policy_init(&fuzz_strict);
    fuzz_strict.max_len = 4096;
    fuzz_strict.leeway = 0;
    fuzz_strict.issuer = "https://id.example";
    fuzz_strict.audiences = fuzz_auds;
    fuzz_strict.naudiences = 2;
    fuzz_strict.typ = "at+jwt";
    fuzz_strict.check_iat = 1;
    fuzz_strict.client_id_aud = 1;

    fuzz_rule.name = "tier";
    fuzz_rule.values = json_pack("[s, i]", "gold", 1);
    fuzz_rule.required = 0;
    fuzz_strict.claims = &fuzz_rule;
    fuzz_strict.nclaims = 1;

    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char        *token, *nl;
    const char  *alg;
    EVP_PKEY    *pkey;

    if (size == 0 || size > FUZZ_MAX_INPUT) {
        return 0;
    }

    if ((data[0] & 3) == 0) {
        fuzz_verify((const char *) data + 1, size - 1, &fuzz_lax);
        fuzz_verify((const char *) data + 1, size - 1, &fuzz_strict);

        return 0;
    }

    nl = memchr(data + 1, '\n', size - 1);
    if (nl == NULL) {
        return 0;
    }

    switch (data[0] & 3) {

    case 1:
        alg = "HS256";
        pkey = NULL;
        break;

    case 2:
        alg = "EdDSA";
        pkey = fuzz_ed;
        break;

    default:
        alg = "ES256";
        pkey = fuzz_ec;
        break;
    }

    token = jwt_mint(alg, pkey, (const unsigned char *) fuzz_jwt_secret,
                     FUZZ_JWT_SECRET_LEN, (const char *) data + 1,
                     nl - (const char *) data - 1, nl + 1,
                     (const char *) data + size - nl - 1);

    if (token == NULL) {
        fuzz_fail("cannot sign", alg);
    }

    fuzz_verify(token, strlen(token), &fuzz_lax);
    fuzz_verify(token, strlen(token), &fuzz_strict);

    free(token);

    return 0;
}


static void
fuzz_verify(const char *token, size_t len, const apigw_jwt_policy_t *policy)
{
    char                 *copy;
    apigw_jwt_t          *jwt, *parsed;
    apigw_jwt_error_t     err;
    apigw_jwt_status_e    rc;

    /* the verifier gets exactly len bytes: ASan sees any read past them */
    copy = malloc(len ? len : 1);
    memcpy(copy, token, len);

    memset(&err, 0, sizeof(err));
    rc = apigw_jwt_verify(fuzz_set, policy, copy, len, FUZZ_NOW, &jwt, &err);

    if (fuzz_verbose) {
        fprintf(stderr, "%s policy: %s%s%s\n",
                policy == &fuzz_lax ? "lax" : "strict",
                apigw_jwt_status_name(rc), rc ? ": " : "", err.message);
    }

    if (ERR_peek_error() != 0) {
        fuzz_fail("the OpenSSL error queue is not empty",
                  apigw_jwt_status_name(rc));
    }

    if (rc != err.status || rc > APIGW_JWT_ERROR) {
        fuzz_fail("a status unlike err's", apigw_jwt_status_name(rc));
    }

    if (rc != APIGW_JWT_OK) {
        if (jwt != NULL || err.message[0] == '\0') {
            fuzz_fail("a refusal with a token or without a message",
                      apigw_jwt_status_name(rc));
        }

        if (len >= 16 && memmem(err.message, strlen(err.message), copy, 16)
                         != NULL)
        {
            fuzz_fail("the message holds the token", err.message);
        }

        free(copy);
        return;
    }

    fuzz_check_passed(copy, len, policy, jwt);

    if (apigw_jwt_parse(copy, len, policy->max_len, &parsed, &err)
        != APIGW_JWT_OK
        || !json_equal(parsed->claims, jwt->claims)
        || !json_equal(parsed->header, jwt->header))
    {
        fuzz_fail("apigw_jwt_parse() differs", err.message);
    }

    apigw_jwt_free(parsed);
    apigw_jwt_free(jwt);
    free(copy);
}


/* a verified token against the reference */

static void
fuzz_check_passed(const char *token, size_t len,
    const apigw_jwt_policy_t *policy, const apigw_jwt_t *jwt)
{
    size_t       i, dots[2], n;
    json_t      *header, *payload, *v;
    const char  *s;
    double       exp, nbf;

    n = 0;

    for (i = 0; i < len; i++) {
        if (token[i] == '.') {
            if (n == 2) {
                fuzz_fail("passed with more than three segments", NULL);
            }

            dots[n++] = i;
            continue;
        }

        if (!((token[i] >= 'A' && token[i] <= 'Z')
              || (token[i] >= 'a' && token[i] <= 'z')
              || (token[i] >= '0' && token[i] <= '9')
              || token[i] == '-' || token[i] == '_'))
        {
            fuzz_fail("passed with a byte outside base64url", NULL);
        }
    }

    if (n != 2 || dots[0] == 0 || dots[1] == dots[0] + 1
        || dots[1] + 1 == len)
    {
        fuzz_fail("passed without three non-empty segments", NULL);
    }

    if (len > (policy->max_len ? policy->max_len : APIGW_JWT_MAX_LEN)) {
        fuzz_fail("passed over the length cap", NULL);
    }

    header = fuzz_segment(token, dots[0]);
    payload = fuzz_segment(token + dots[0] + 1, dots[1] - dots[0] - 1);

    if (header == NULL || payload == NULL) {
        fuzz_fail("passed with a segment jansson refuses", NULL);
    }

    v = json_object_get(header, "alg");
    s = json_string_value(v);

    if (s == NULL || strcmp(s, apigw_jwt_alg_name(jwt->alg)) != 0
        || strcasecmp(s, "none") == 0
        || !(fuzz_set->algs & APIGW_JWT_ALG_BIT(jwt->alg))
        || json_object_get(header, "crit") != NULL
        || !json_equal(header, jwt->header))
    {
        fuzz_fail("passed with a bad header", s);
    }

    if (!json_equal(payload, jwt->claims)) {
        fuzz_fail("passed with claims unlike the payload", NULL);
    }

    v = json_object_get(payload, "exp");

    if (!json_is_number(v) || !jwt->has_exp) {
        fuzz_fail("passed without a numeric exp", NULL);
    }

    exp = json_number_value(v);

    if (!((double) FUZZ_NOW < exp + (double) policy->leeway)) {
        fuzz_fail("passed expired", NULL);
    }

    v = json_object_get(payload, "nbf");

    if (v != NULL) {
        nbf = json_is_number(v) ? json_number_value(v) : 1e300;

        if (nbf > (double) (FUZZ_NOW + policy->leeway)) {
            fuzz_fail("passed before nbf", NULL);
        }
    }

    s = json_string_value(json_object_get(payload, "iss"));

    if (policy->issuer != NULL
        && (s == NULL || jwt->iss == NULL || strcmp(s, policy->issuer) != 0
            || strcmp(jwt->iss, policy->issuer) != 0))
    {
        fuzz_fail("passed with another issuer", s);
    }

    s = json_string_value(json_object_get(header, "typ"));

    if (policy->typ != NULL
        && (s == NULL
            || (strcasecmp(s, "at+jwt") != 0
                && strcasecmp(s, "application/at+jwt") != 0)))
    {
        fuzz_fail("passed without the typ", s);
    }

    if (policy->naudiences > 0) {
        v = json_object_get(payload, "aud");

        if (v == NULL) {
            v = json_object_get(payload, "client_id");
        }

        if (!fuzz_audience(v)) {
            fuzz_fail("passed without an audience", NULL);
        }
    }

    for (i = 0; i < jwt->nscopes; i++) {
        if (jwt->scopes[i][0] == '\0'
            || !apigw_jwt_has_scope(jwt, jwt->scopes[i],
                                    strlen(jwt->scopes[i])))
        {
            fuzz_fail("an empty or unfound scope", NULL);
        }
    }

    json_decref(header);
    json_decref(payload);
}


/* aud names an audience: a string or an array holding one */

static int
fuzz_audience(json_t *aud)
{
    size_t   i, j;
    json_t  *v;

    for (i = 0; i < (json_is_array(aud) ? json_array_size(aud) : 1); i++) {
        v = json_is_array(aud) ? json_array_get(aud, i) : aud;

        for (j = 0; j < 2; j++) {
            if (json_is_string(v)
                && strcmp(json_string_value(v), fuzz_auds[j]) == 0)
            {
                return 1;
            }
        }
    }

    return 0;
}


/* a segment by OpenSSL's base64 and jansson, strictly; NULL: refused */

static json_t *
fuzz_segment(const char *b64, size_t len)
{
    int             n;
    char           *std;
    size_t          i, pad;
    json_t         *json;
    unsigned char  *out;

    std = malloc(len + 4);
    out = malloc(len + 4);

    for (i = 0; i < len; i++) {
        std[i] = b64[i] == '-' ? '+' : b64[i] == '_' ? '/' : b64[i];
    }

    for (pad = 0; (len + pad) % 4 != 0; pad++) {
        std[len + pad] = '=';
    }

    n = EVP_DecodeBlock(out, (unsigned char *) std, (int) (len + pad));
    json = NULL;

    if (n >= 0 && pad < 3) {
        n -= (int) pad;

        if (memchr(out, '\0', (size_t) n) == NULL) {
            json = json_loadb((char *) out, (size_t) n,
                              JSON_REJECT_DUPLICATES, NULL);
        }

        if (json != NULL && !json_is_object(json)) {
            json_decref(json);
            json = NULL;
        }
    }

    free(std);
    free(out);

    return json;
}
