
/*
 * Copyright (C) apigw contributors
 */


/*
 * unit tests for the JWT verifier (apigw_jwt.c, apigw_jwk.c), continued:
 * PEM keys and secrets from the configuration, key lookup, claims, and
 * libjwt 1.10.2 as an oracle for signature validity on HS, RS and ES
 * tokens, with the rows where it is documented wrong as expected
 * differences.
 */

#include <jwt.h>

#include "jwt_fixtures.h"


static void
test_config_keys(void)
{
    char               *pem;
    apigw_jwks_t       *set;
    apigw_jwt_error_t   err;

    set = apigw_jwks_create(APIGW_JWT_ALGS_ALL, 0);

    pem = pem_public(rsa_a, "SubjectPublicKeyInfo");
    CHECK(apigw_jwks_add_pem(set, pem, strlen(pem), "spki", APIGW_JWT_RS256,
                             &err) == 0
          && check(set, NULL, "RS256", rsa_a, NULL, 0, hdr("RS256", "spki"),
                   pay("")) == APIGW_JWT_OK,
          "PEM: an RSA \"PUBLIC KEY\" verifies RS256");
    free(pem);

    pem = pem_public(rsa_b, "type-specific");
    CHECK(strstr(pem, "RSA PUBLIC KEY") != NULL
          && apigw_jwks_add_pem(set, pem, strlen(pem), "pkcs1",
                                APIGW_JWT_ALG_UNKNOWN, &err) == 0
          && set->keys[1].algs == APIGW_JWT_ALGS_RSA
          && check(set, NULL, "PS384", rsa_b, NULL, 0, hdr("PS384", "pkcs1"),
                   pay("")) == APIGW_JWT_OK,
          "PEM: an \"RSA PUBLIC KEY\" without alg verifies the RS and PS "
          "algorithms allowed (PS384)");
    free(pem);

    pem = pem_cert(ec384);
    CHECK(apigw_jwks_add_pem(set, pem, strlen(pem), "cert",
                             APIGW_JWT_ALG_UNKNOWN, &err) == 0
          && check(set, NULL, "ES384", ec384, NULL, 0, hdr("ES384", "cert"),
                   pay("")) == APIGW_JWT_OK,
          "PEM: a certificate's EC P-384 key verifies ES384: %s",
          err.message);
    free(pem);

    pem = pem_public(ed, "SubjectPublicKeyInfo");
    CHECK(apigw_jwks_add_pem(set, pem, strlen(pem), NULL,
                             APIGW_JWT_ALG_UNKNOWN, &err) == 0
          && check(set, NULL, "EdDSA", ed, NULL, 0, hdr("EdDSA", NULL),
                   pay("")) == APIGW_JWT_OK
          && check(set, NULL, "EdDSA", ed, NULL, 0, hdr("EdDSA", "any-kid"),
                   pay("")) == APIGW_JWT_OK,
          "PEM: an Ed25519 key without kid verifies EdDSA tokens with or "
          "without kid");
    free(pem);

    pem = pem_private(ec256);
    CHECK(apigw_jwks_add_pem(set, pem, strlen(pem), NULL,
                             APIGW_JWT_ALG_UNKNOWN, &err) == -1
          && strstr(err.message, "private key") != NULL,
          "PEM: a private key refused: %s", err.message);
    free(pem);

    pem = pem_public(ec256, "SubjectPublicKeyInfo");
    CHECK(apigw_jwks_add_pem(set, pem, strlen(pem), NULL, APIGW_JWT_ES384,
                             &err) == -1
          && apigw_jwks_add_pem(set, pem, strlen(pem), NULL, APIGW_JWT_RS256,
                                &err) == -1,
          "PEM: a P-256 key for ES384 or RS256 refused: %s", err.message);
    CHECK(apigw_jwks_add_pem(set, pem, 40, NULL, APIGW_JWT_ALG_UNKNOWN, &err)
          == -1
          && apigw_jwks_add_pem(set, "hello", 5, NULL, APIGW_JWT_ALG_UNKNOWN,
                                &err) == -1,
          "PEM: truncated or not PEM refused: %s", err.message);
    free(pem);

    CHECK(apigw_jwks_add_secret(set, hs64, 64, "hs", APIGW_JWT_HS512, &err)
          == 0
          && check(set, NULL, "HS512", NULL, hs64, 64, hdr("HS512", "hs"),
                   pay("")) == APIGW_JWT_OK
          && check(set, NULL, "HS256", NULL, hs64, 64, hdr("HS256", "hs"),
                   pay("")) == APIGW_JWT_BAD_ALG,
          "a secret for HS512 verifies HS512, not HS256");
    CHECK(apigw_jwks_add_secret(set, hs64, 64, NULL, APIGW_JWT_RS256, &err)
          == -1,
          "a secret for RS256 refused: %s", err.message);
    CHECK(ERR_peek_error() == 0, "the OpenSSL error queue is empty after "
          "refusals");

    apigw_jwks_free(set);

    set = apigw_jwks_create(APIGW_JWT_ALGS_ASYMMETRIC, 0);
    CHECK(apigw_jwks_add_secret(set, hs64, 64, NULL, APIGW_JWT_ALG_UNKNOWN,
                                &err) == -1,
          "a secret where no HS algorithm is allowed refused: %s",
          err.message);
    apigw_jwks_free(set);
}


/* which keys a token is tried with */
static void
test_lookup(void)
{
    int                  i;
    char                *json, *t;
    EVP_PKEY            *many[6];
    apigw_jwt_t         *jwt;
    apigw_jwks_t        *set;
    apigw_jwt_policy_t   policy;
    apigw_jwt_error_t    err;

    for (i = 0; i < 6; i++) {
        many[i] = i == 0 ? rsa_a : i == 1 ? rsa_b
                  : EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) 2048);
    }

    /* six RS256 keys, no kid, then an ES256 one */
    json = jwks_of(7, many[0], NULL, "RS256", many[1], NULL, "RS256",
                   many[2], NULL, "RS256", many[3], NULL, "RS256",
                   many[4], NULL, "RS256", many[5], NULL, "RS256",
                   ec256, NULL, "ES256");
    set = set_from(0, 0, json);
    free(json);

    CHECK(check(set, NULL, "RS256", many[3], NULL, 0, hdr("RS256", NULL),
                pay("")) == APIGW_JWT_OK,
          "no kid: the fourth RS256 key is tried and verifies");

    apigw_jwt_policy_init(&policy);

    t = mint("RS256", many[4], NULL, 0, hdr("RS256", NULL), pay(""));
    CHECK(apigw_jwt_verify(set, &policy, t, strlen(t), NOW, &jwt, &err)
          == APIGW_JWT_BAD_SIGNATURE && strstr(err.message, "4 tried"),
          "no kid: the fifth is past the bound of %d: %s",
          APIGW_JWT_MAX_TRIES, err.message);
    free(t);

    CHECK(check(set, NULL, "ES256", ec256, NULL, 0, hdr("ES256", NULL),
                pay("")) == APIGW_JWT_OK,
          "no kid: keys of other algorithms are not tried (the ES256 key is "
          "the seventh)");

    apigw_jwks_free(set);

    /* kids: exact keys first, then keys without kid */
    json = jwks_of(4, many[2], "a", "RS256", many[3], "b", "RS256",
                   many[4], NULL, "RS256", many[5], "b", "RS256");
    set = set_from(0, 0, json);
    free(json);

    CHECK(check(set, NULL, "RS256", many[5], NULL, 0, hdr("RS256", "b"),
                pay("")) == APIGW_JWT_OK
          && check(set, NULL, "RS256", many[4], NULL, 0, hdr("RS256", "b"),
                   pay("")) == APIGW_JWT_OK
          && check(set, NULL, "RS256", many[4], NULL, 0, hdr("RS256", "zz"),
                   pay("")) == APIGW_JWT_OK
          && check(set, NULL, "RS256", many[2], NULL, 0, hdr("RS256", "b"),
                   pay("")) == APIGW_JWT_BAD_SIGNATURE
          && check(set, NULL, "RS256", many[5], NULL, 0, hdr("RS256", NULL),
                   pay("")) == APIGW_JWT_OK,
          "kid b: both b keys and the key without kid are tried, not a; "
          "without kid, all");

    apigw_jwks_free(set);

    json = jwks_of(1, many[2], "a", "RS256");
    set = set_from(0, 0, json);
    free(json);

    CHECK(check(set, NULL, "RS256", many[2], NULL, 0, hdr("RS256", "zz"),
                pay("")) == APIGW_JWT_UNKNOWN_KID
          && check(set, NULL, "ES256", ec256, NULL, 0, hdr("ES256", NULL),
                   pay("")) == APIGW_JWT_NO_KEY,
          "unknown kid (the glue may refetch the set); an alg no key has");

    apigw_jwks_free(set);

    for (i = 2; i < 6; i++) {
        EVP_PKEY_free(many[i]);
    }
}


static void
test_claims(void)
{
    char                    *t;
    json_t                  *vals;
    apigw_jwt_t             *jwt;
    apigw_jwks_t            *hs;
    apigw_jwt_policy_t       policy;
    apigw_jwt_error_t        err;
    apigw_jwt_claim_rule_t   rules[2];

    static const char  *want2[] = { "pets:read", "pets:write" };
    static const char  *want3[] = { "pets:read", "admin" };

    hs = apigw_jwks_create(APIGW_JWT_ALGS_HS, 0);
    apigw_jwks_add_secret(hs, hs32, 32, NULL, APIGW_JWT_HS256, &err);

    t = mint("HS256", NULL, hs32, 32, "{\"alg\":\"HS256\",\"kid\":\"k\"}",
             pay("\"iss\":\"https://id\",\"scope\":\"  pets:read "
                 "pets:write  openid\",\"scp\":[\"x\",7,\"\",\"y z\"],"
                 "\"groups\":[\"a\",\"b\"],\"nbf\":1600000000,"
                 "\"iat\":1600000000"));

    CHECK(verify(hs, NULL, t, &jwt) == APIGW_JWT_OK && jwt != NULL,
          "claims: a token with scopes passes");

    if (jwt != NULL) {
        CHECK(strcmp(jwt->sub, "alice") == 0
              && strcmp(jwt->iss, "https://id") == 0
              && strcmp(jwt->kid, "k") == 0 && jwt->alg == APIGW_JWT_HS256
              && jwt->has_exp && jwt->exp == NOW + 3600
              && jwt->has_nbf && jwt->nbf == 1600000000
              && jwt->has_iat && jwt->iat == 1600000000,
              "claims: sub, iss, kid, alg, exp, nbf, iat");
        CHECK(jwt->nscopes == 5
              && strcmp(jwt->scopes[0], "pets:read") == 0
              && strcmp(jwt->scopes[1], "pets:write") == 0
              && strcmp(jwt->scopes[2], "openid") == 0
              && strcmp(jwt->scopes[3], "x") == 0
              && strcmp(jwt->scopes[4], "y z") == 0,
              "claims: scopes from scope (split on spaces) and scp (an "
              "array; not a number, not an empty string)");
        CHECK(apigw_jwt_has_scopes(jwt, want2, 2)
              && !apigw_jwt_has_scopes(jwt, want3, 2)
              && apigw_jwt_has_scopes(jwt, scopes_none, 0)
              && !apigw_jwt_has_scope(jwt, "pets", 4)
              && !apigw_jwt_has_scope(jwt, "y", 1),
              "claims: has all of these scopes");
        CHECK(json_array_size(json_object_get(jwt->claims, "groups")) == 2
              && json_is_object(jwt->header),
              "claims: arrays kept as arrays; the header too");
        CHECK(apigw_jwt_check_time(jwt, &(apigw_jwt_policy_t) { .leeway = 0 },
                                   NOW + 3600, &err) == APIGW_JWT_EXPIRED
              && apigw_jwt_check_time(jwt,
                                      &(apigw_jwt_policy_t) { .leeway = 0 },
                                      NOW + 3599, &err) == APIGW_JWT_OK,
              "claims: apigw_jwt_check_time() for a cached token");
        apigw_jwt_free(jwt);
    }

    free(t);

    t = mint("HS256", NULL, hs32, 32, hdr("HS256", NULL),
             pay("\"scp\":\"a b\""));
    CHECK(verify(hs, NULL, t, &jwt) == APIGW_JWT_OK && jwt->nscopes == 2
          && strcmp(jwt->scopes[1], "b") == 0 && jwt->iss == NULL,
          "claims: scp as a space-separated string");
    apigw_jwt_free(jwt);
    free(t);

    t = mint("HS256", NULL, hs32, 32, hdr("HS256", NULL),
             pay("\"scope\":[\"a\"],\"scp\":5"));
    CHECK(verify(hs, NULL, t, &jwt) == APIGW_JWT_OK && jwt->nscopes == 0
          && jwt->scopes == NULL,
          "claims: scope not a string, scp a number: no scopes");
    apigw_jwt_free(jwt);
    free(t);

    CHECK(check(hs, NULL, "HS256", NULL, hs32, 32, hdr("HS256", NULL),
                "{\"sub\":5,\"exp\":1800000000}") == APIGW_JWT_BAD_CLAIMS,
          "claims: sub not a string refused");

    /* claim rules */
    apigw_jwt_policy_init(&policy);
    vals = json_pack("[s, s]", "gold", "silver");

    rules[0].name = "tier";
    rules[0].values = vals;
    rules[0].required = 1;
    rules[1].name = "email_verified";
    rules[1].values = json_pack("[b]", 1);
    rules[1].required = 0;

    policy.claims = rules;
    policy.nclaims = 2;

    CHECK(check(hs, &policy, "HS256", NULL, hs32, 32, hdr("HS256", NULL),
                pay("\"tier\":\"gold\"")) == APIGW_JWT_OK
          && check(hs, &policy, "HS256", NULL, hs32, 32, hdr("HS256", NULL),
                   pay("\"tier\":\"silver\",\"email_verified\":true"))
             == APIGW_JWT_OK,
          "claim rules: a value accepted, an optional claim absent or right");
    CHECK(check(hs, &policy, "HS256", NULL, hs32, 32, hdr("HS256", NULL),
                pay("\"tier\":\"bronze\"")) == APIGW_JWT_CLAIM_MISMATCH
          && check(hs, &policy, "HS256", NULL, hs32, 32, hdr("HS256", NULL),
                   pay("")) == APIGW_JWT_CLAIM_MISMATCH
          && check(hs, &policy, "HS256", NULL, hs32, 32, hdr("HS256", NULL),
                   pay("\"tier\":[\"gold\"]")) == APIGW_JWT_CLAIM_MISMATCH
          && check(hs, &policy, "HS256", NULL, hs32, 32, hdr("HS256", NULL),
                   pay("\"tier\":\"gold\",\"email_verified\":\"true\""))
             == APIGW_JWT_CLAIM_MISMATCH,
          "claim rules: another value, a required claim absent, an array, a "
          "string for a boolean: refused");

    rules[0].values = NULL;

    CHECK(check(hs, &policy, "HS256", NULL, hs32, 32, hdr("HS256", NULL),
                pay("\"tier\":42")) == APIGW_JWT_OK,
          "claim rules: no values: presence only");

    json_decref(vals);
    json_decref(rules[1].values);

    /* apigw_jwt_parse: nothing verified */
    t = mint("RS256", rsa_a, NULL, 0, hdr("RS256", "x"), pay(""));
    CHECK(apigw_jwt_parse(t, strlen(t), 0, &jwt, &err) == APIGW_JWT_OK
          && jwt->alg == APIGW_JWT_RS256 && strcmp(jwt->kid, "x") == 0
          && strcmp(jwt->sub, "alice") == 0,
          "apigw_jwt_parse(): header and claims, no key");
    apigw_jwt_free(jwt);
    free(t);

    CHECK(apigw_jwt_parse("a.b", 3, 0, &jwt, &err) == APIGW_JWT_MALFORMED
          && jwt == NULL, "apigw_jwt_parse(): the same strictness");

    apigw_jwks_free(hs);
}


/*
 * libjwt 1.10.2 as an oracle: jwt_decode() with the key given must agree
 * with us on the signature's validity for HS, RS and ES tokens, except
 * where it is documented wrong (reference: §4 of the authorizers notes)
 */

typedef struct {
    const char             *alg;
    EVP_PKEY              **pkey;
    EVP_PKEY              **other;
    const unsigned char    *secret;
    size_t                  secret_len;
} oracle_alg_t;


static int
libjwt_ok(const char *token, const unsigned char *key, size_t keylen)
{
    int     rc;
    jwt_t  *j;

    j = NULL;
    rc = jwt_decode(&j, token, key, (int) keylen);
    jwt_free(j);
    ERR_clear_error();

    return rc == 0;
}


static void
test_oracle(void)
{
    int                  i, v, agree, disagree, total, valid;
    char                *t, *pem, payload[512], *p;
    size_t               n, keylen;
    apigw_jwks_t        *set;
    apigw_jwt_error_t    err;
    unsigned char        other_secret[64];
    const unsigned char *key;

    static unsigned char  secret48[48], secret64[64];

    oracle_alg_t  algs[] = {
        { "HS256", NULL, NULL, hs32, 32 },
        { "HS384", NULL, NULL, secret48, 48 },
        { "HS512", NULL, NULL, secret64, 64 },
        { "RS256", &rsa_a, &rsa_b, NULL, 0 },
        { "RS384", &rsa_a, &rsa_b, NULL, 0 },
        { "RS512", &rsa_a, &rsa_b, NULL, 0 },
        { "ES256", &ec256, &ec256b, NULL, 0 },
        { "ES384", &ec384, &ec384, NULL, 0 },
        { "ES512", &ec521, &ec521, NULL, 0 }
    };

    static const char  *variants[] = {
        "valid", "signature byte changed", "payload changed",
        "header changed", "signed by another key", "signature truncated"
    };

    memcpy(secret48, hs48, 48);
    memcpy(secret64, hs64, 64);
    memset(other_secret, 0x5a, sizeof(other_secret));

    agree = 0;
    disagree = 0;
    total = 0;
    valid = 0;

    for (i = 0; i < 9; i++) {
        apigw_jwt_alg_e  alg = apigw_jwt_alg_parse(algs[i].alg, 5);
        EVP_PKEY        *other = NULL;

        set = apigw_jwks_create(APIGW_JWT_ALGS_ALL, 0);

        if (algs[i].pkey == NULL) {
            apigw_jwks_add_secret(set, algs[i].secret, algs[i].secret_len,
                                  NULL, alg, &err);
            pem = NULL;
            key = algs[i].secret;
            keylen = algs[i].secret_len;

        } else {
            pem = pem_public(*algs[i].pkey, "SubjectPublicKeyInfo");
            apigw_jwks_add_pem(set, pem, strlen(pem), NULL, alg, &err);
            key = (unsigned char *) pem;
            keylen = strlen(pem);
        }

        if (algs[i].other != NULL && *algs[i].other == *algs[i].pkey) {
            /* another key on the same curve */
            other = EVP_PKEY_Q_keygen(NULL, NULL, "EC",
                                      alg == APIGW_JWT_ES384 ? "P-384"
                                                             : "P-521");
        }

        for (v = 0; v < 6; v++) {
            int  k;

            for (k = 0; k < 8; k++) {
                int  ours, theirs;

                snprintf(payload, sizeof(payload),
                         "{\"sub\":\"user-%lu\",\"exp\":%lld,\"n\":%lu,"
                         "\"s\":\"%.*s\"}", rnd() % 100000, NOW + 60 + k,
                         rnd() % 1000000000, (int) (rnd() % 40),
                         "abcdefghijklmnopqrstuvwxyz0123456789-_+/");

                if (v == 4) {
                    t = mint(algs[i].alg,
                             other ? other : algs[i].other
                                             ? *algs[i].other : NULL,
                             other_secret, algs[i].secret_len,
                             hdr(algs[i].alg, NULL), payload);

                } else {
                    t = mint(algs[i].alg,
                             algs[i].pkey ? *algs[i].pkey : NULL,
                             algs[i].secret, algs[i].secret_len,
                             hdr(algs[i].alg, NULL), payload);
                }

                n = strlen(t);

                if (v == 1) {
                    p = strrchr(t, '.') + 1 + rnd() % (n - (strrchr(t, '.')
                                                           - t) - 2);
                    *p = *p == 'A' ? 'B' : 'A';

                } else if (v == 2) {
                    p = strchr(t, '.') + 2;
                    *p = *p == 'A' ? 'B' : 'A';

                } else if (v == 3) {
                    t[1] = t[1] == 'y' ? 'z' : 'y';

                } else if (v == 5) {
                    t[n - 4] = '\0';
                }

                ours = verify(set, NULL, t, NULL) == APIGW_JWT_OK;
                theirs = libjwt_ok(t, key, keylen);

                total++;
                valid += ours;

                if (getenv("APIGW_JWT_VERBOSE") && ours != (v == 0)) {
                    printf("# %s %s: ours %d, libjwt %d\n", algs[i].alg,
                           variants[v], ours, theirs);
                }

                if (ours == theirs) {
                    agree++;

                } else {
                    disagree++;
                    printf("# disagree: %s %s: ours %d, libjwt %d\n",
                           algs[i].alg, variants[v], ours, theirs);
                }

                free(t);
            }
        }

        EVP_PKEY_free(other);
        free(pem);
        apigw_jwks_free(set);
    }

    CHECK(disagree == 0 && total == 432 && valid == 72,
          "oracle: libjwt agrees on all %d HS/RS/ES tokens (%d valid; "
          "changed signature, payload, header, another key, truncated)",
          agree, valid);

    /* the documented differences, each expected */
    set = apigw_jwks_create(APIGW_JWT_ALGS_ALL, 0);
    pem = pem_public(rsa_a, "SubjectPublicKeyInfo");
    apigw_jwks_add_pem(set, pem, strlen(pem), NULL, APIGW_JWT_RS256, &err);
    key = (unsigned char *) pem;
    keylen = strlen(pem);

    {
        apigw_jwks_t  *hs;
        char           big[10000];

        hs = apigw_jwks_create(APIGW_JWT_ALGS_ALL, 0);
        apigw_jwks_add_secret(hs, hs32, 32, NULL, APIGW_JWT_HS256, &err);

        /* §3 row 2: the RSA PEM as an HMAC secret */
        t = mint("HS256", NULL, key, keylen, hdr("HS256", NULL), pay(""));
        CHECK(libjwt_ok(t, key, keylen)
              && verify(set, NULL, t, NULL) == APIGW_JWT_NO_KEY,
              "oracle differs (row 2): HS256 signed with the RSA PEM: libjwt "
              "accepts, we refuse");
        free(t);

        /* row 3 */
        t = mint("RS512", rsa_a, NULL, 0, hdr("RS512", NULL), pay(""));
        CHECK(libjwt_ok(t, key, keylen)
              && verify(set, NULL, t, NULL) == APIGW_JWT_NO_KEY,
              "oracle differs (row 3): RS512 with the RS256 key: libjwt "
              "accepts, we refuse");
        free(t);

        /* row 1: no key */
        t = mint("none", NULL, NULL, 0, "{\"alg\":\"none\"}", pay(""));
        CHECK(libjwt_ok(t, NULL, 0) && !libjwt_ok(t, key, keylen)
              && verify(set, NULL, t, NULL) == APIGW_JWT_BAD_ALG,
              "oracle differs (row 1): alg none: libjwt accepts without a "
              "key (refuses with one), we refuse");
        free(t);

        /* row 6 */
        t = mint("RS256", rsa_a, NULL, 0,
                 "{\"alg\":\"RS256\",\"crit\":[\"exp\"]}", pay(""));
        CHECK(libjwt_ok(t, key, keylen)
              && verify(set, NULL, t, NULL) == APIGW_JWT_BAD_HEADER,
              "oracle differs (row 6): crit: libjwt accepts, we refuse");
        free(t);

        /* row 11 */
        t = mint("RS256", rsa_a, NULL, 0, hdr("RS256", NULL),
                 "{\"exp\":1000}");
        CHECK(libjwt_ok(t, key, keylen)
              && verify(set, NULL, t, NULL) == APIGW_JWT_EXPIRED,
              "oracle differs (row 11): expired: libjwt accepts, we refuse");
        free(t);

        /* row 13 */
        t = mint("RS256", rsa_a, NULL, 0, hdr("RS256", NULL),
                 "{\"exp\":\"9999999999\"}");
        CHECK(libjwt_ok(t, key, keylen)
              && verify(set, NULL, t, NULL) == APIGW_JWT_BAD_CLAIMS,
              "oracle differs (row 13): exp a string: libjwt accepts, we "
              "refuse");
        free(t);

        /* row 4 */
        t = mint("RS256", rsa_a, NULL, 0, hdr("RS256", "../../etc/passwd"),
                 pay(""));
        CHECK(libjwt_ok(t, key, keylen)
              && verify(set, NULL, t, NULL) == APIGW_JWT_OK,
              "oracle agrees (row 4): a kid is no path to either");
        free(t);

        /* row 16 */
        t = mint("RS256", rsa_a, NULL, 0,
                 "{\"alg\":\"RS256\",\"typ\":\"at+jwt\"}", pay(""));
        CHECK(!libjwt_ok(t, key, keylen)
              && verify(set, NULL, t, NULL) == APIGW_JWT_OK,
              "oracle differs (row 16): typ at+jwt: libjwt refuses, we "
              "accept (RFC 9068)");
        free(t);

        /* row 17 */
        t = mint("RS256", rsa_a, NULL, 0, hdr("RS256", NULL),
                 "{\"sub\":\"a\",\"exp\":9999999999,\"sub\":\"admin\"}");
        CHECK(libjwt_ok(t, key, keylen)
              && verify(set, NULL, t, NULL) == APIGW_JWT_MALFORMED,
              "oracle differs (row 17): duplicate sub: libjwt accepts (last "
              "wins), we refuse");
        free(t);

        t = mint("RS256", rsa_a, NULL, 0,
                 "{\"alg\":\"HS256\",\"alg\":\"RS256\"}", pay(""));
        CHECK(libjwt_ok(t, key, keylen)
              && verify(set, NULL, t, NULL) == APIGW_JWT_MALFORMED,
              "oracle differs (row 17): duplicate alg: libjwt accepts, we "
              "refuse");
        free(t);

        /* row 18: trailing garbage, + and / */
        t = mint("RS256", rsa_a, NULL, 0, hdr("RS256", NULL), pay(""));
        n = strlen(t);
        t = realloc(t, n + 8);
        strcpy(t + n, "!!!!");
        CHECK(libjwt_ok(t, key, keylen)
              && verify(set, NULL, t, NULL) == APIGW_JWT_MALFORMED,
              "oracle differs (row 18): \"!!!!\" after the signature: libjwt "
              "accepts, we refuse");
        free(t);

        for (i = 0, t = NULL; i < 100; i++) {
            char  extra[32];

            free(t);
            snprintf(extra, sizeof(extra), "\"n\":%d", i);
            t = mint("RS256", rsa_a, NULL, 0, hdr("RS256", NULL),
                     pay(extra));
            p = strpbrk(strrchr(t, '.'), "-_");

            if (p != NULL) {
                break;
            }
        }

        *p = *p == '-' ? '+' : '/';
        CHECK(libjwt_ok(t, key, keylen)
              && verify(set, NULL, t, NULL) == APIGW_JWT_MALFORMED,
              "oracle differs (row 18): '%c' in an RS256 signature: libjwt "
              "accepts, we refuse", *p);
        free(t);

        /* row 19 */
        {
            char  pl[128];

            n = snprintf(pl, sizeof(pl), "{\"sub\":\"a\",\"exp\":9999999999}");
            memcpy(pl + n + 1, "{\"sub\":\"admin\"}", 16);
            t = jwt_mint("RS256", rsa_a, NULL, 0, hdr("RS256", NULL),
                         strlen(hdr("RS256", NULL)), pl, n + 16);
            CHECK(libjwt_ok(t, key, keylen)
                  && verify(set, NULL, t, NULL) == APIGW_JWT_MALFORMED,
                  "oracle differs (row 19): a NUL inside the payload: libjwt "
                  "accepts, we refuse");
            free(t);
        }

        /* row 21 */
        n = sprintf(big, "{\"exp\":9999999999,\"pad\":\"");
        memset(big + n, 'x', 8000);
        strcpy(big + n + 8000, "\"}");
        t = mint("HS256", NULL, hs32, 32, hdr("HS256", NULL), big);
        CHECK(libjwt_ok(t, hs32, 32)
              && verify(hs, NULL, t, NULL) == APIGW_JWT_TOO_LONG,
              "oracle differs (row 21): a %zu-byte token: libjwt accepts "
              "(on its stack), we refuse", strlen(t));
        free(t);

        /* an alg in another case */
        t = mint("HS256", NULL, hs32, 32, "{\"alg\":\"hs256\"}", pay(""));
        CHECK(libjwt_ok(t, hs32, 32)
              && verify(hs, NULL, t, NULL) == APIGW_JWT_BAD_ALG,
              "oracle differs: alg hs256: libjwt accepts (strcasecmp), we "
              "refuse");
        free(t);

        /* agreements on malformed tokens */
        t = mint("RS256", rsa_a, NULL, 0, hdr("RS256", NULL), pay(""));
        *strrchr(t, '.') = '\0';
        CHECK(!libjwt_ok(t, key, keylen)
              && verify(set, NULL, t, NULL) == APIGW_JWT_MALFORMED,
              "oracle agrees (row 20): two segments refused");
        free(t);

        apigw_jwks_free(hs);
    }

    /* row 7: a DER ES256 signature; both refuse */
    {
        apigw_jwks_t  *es;
        EVP_MD_CTX    *m;
        unsigned char  der[128];
        size_t         dlen;
        char          *es_pem;

        es = apigw_jwks_create(0, 0);
        es_pem = pem_public(ec256, "SubjectPublicKeyInfo");
        apigw_jwks_add_pem(es, es_pem, strlen(es_pem), NULL, APIGW_JWT_ES256,
                           &err);

        t = mint("ES256", ec256, NULL, 0, hdr("ES256", NULL), pay(""));
        n = strrchr(t, '.') - t;
        m = EVP_MD_CTX_new();
        dlen = sizeof(der);
        EVP_DigestSignInit(m, NULL, EVP_sha256(), NULL, ec256);
        EVP_DigestSign(m, der, &dlen, (unsigned char *) t, n);
        EVP_MD_CTX_free(m);
        t = realloc(t, n + 200);
        jwt_b64url(der, dlen, t + n + 1);

        CHECK(!libjwt_ok(t, (unsigned char *) es_pem, strlen(es_pem))
              && verify(es, NULL, t, NULL) == APIGW_JWT_BAD_SIGNATURE,
              "oracle agrees (row 7): a DER ES256 signature refused");

        free(t);
        free(es_pem);
        apigw_jwks_free(es);
    }

    free(pem);
    apigw_jwks_free(set);
}


int
main(void)
{
    if (fixtures_init() != 0) {
        return 2;
    }

    test_config_keys();
    test_lookup();
    test_claims();
    test_oracle();

    fixtures_free();

    return unit_done();
}
