
/*
 * Copyright (C) apigw contributors
 */


/*
 * unit tests for the JWT verifier (apigw_jwt.c, apigw_jwk.c): base64url,
 * every algorithm valid and invalid, every row of the attack checklist
 * the core decides (rows 1-22, 25, 26: "row N" in the names), and key
 * sets with good and bad keys.  test_jwt_keys.c has the rest.
 */

#include "jwt_fixtures.h"


static void
test_base64url(void)
{
    int             bad;
    char            enc[200], enc2[200];
    size_t          len, i, n;
    unsigned char   in[150], out[150];

    bad = 0;

    for (len = 0; len < 150; len++) {
        for (i = 0; i < len; i++) {
            in[i] = (unsigned char) rnd();
        }

        n = jwt_b64url(in, len, enc);

        if (apigw_b64url_encode(in, len, enc2) != n
            || strcmp(enc, enc2) != 0
            || apigw_b64url_decode(enc, n, out, &i) != 0 || i != len
            || memcmp(in, out, len) != 0)
        {
            bad++;
        }
    }

    CHECK(bad == 0, "base64url: 150 lengths encoded as OpenSSL does, "
          "decoded back");

    CHECK(apigw_b64url_decode("QQ", 2, out, &n) == 0 && n == 1
          && out[0] == 'A', "base64url: \"QQ\" is \"A\"");
    CHECK(apigw_b64url_decode("QR", 2, out, &n) != 0,
          "base64url: unused bits set refused (\"QR\")");
    CHECK(apigw_b64url_decode("QUI", 3, out, &n) == 0 && n == 2
          && apigw_b64url_decode("QUJ", 3, out, &n) != 0,
          "base64url: \"QUI\" but not \"QUJ\"");
    CHECK(apigw_b64url_decode("QUJDR", 5, out, &n) != 0,
          "base64url: a length of 1 mod 4 refused");
    CHECK(apigw_b64url_decode("QQ==", 4, out, &n) != 0
          && apigw_b64url_decode("a+b/", 4, out, &n) != 0
          && apigw_b64url_decode("ab c", 4, out, &n) != 0
          && apigw_b64url_decode("ab-_", 4, out, &n) == 0,
          "base64url: padding, + / and spaces refused, - _ taken");
}


static void
test_algs(void)
{
    int  a, ok;

    ok = 1;

    for (a = 1; a < APIGW_JWT_NALGS; a++) {
        const char  *name = apigw_jwt_alg_name(a);

        ok &= apigw_jwt_alg_parse(name, strlen(name)) == (apigw_jwt_alg_e) a;
    }

    CHECK(ok, "every algorithm's name parses back to it");
    CHECK(apigw_jwt_alg_parse("rs256", 5) == APIGW_JWT_ALG_UNKNOWN
          && apigw_jwt_alg_parse("RS256 ", 6) == APIGW_JWT_ALG_UNKNOWN
          && apigw_jwt_alg_parse("none", 4) == APIGW_JWT_ALG_UNKNOWN
          && apigw_jwt_alg_parse("ES256K", 6) == APIGW_JWT_ALG_UNKNOWN
          && apigw_jwt_alg_parse("Ed25519", 7) == APIGW_JWT_ALG_UNKNOWN,
          "alg names are exact: rs256, \"RS256 \", none, ES256K, Ed25519 "
          "are none of them");
    CHECK(strcmp(apigw_jwt_status_name(APIGW_JWT_EXPIRED), "expired") == 0
          && strcmp(apigw_jwt_status_name(APIGW_JWT_ERROR), "error") == 0
          && strcmp(apigw_jwt_status_name(APIGW_JWT_INSUFFICIENT_SCOPE),
                    "insufficient_scope") == 0,
          "status names");
}


static void
test_each_alg(void)
{
    int            i;
    char          *json, *t, *bad;
    size_t         n;
    apigw_jwks_t  *set;

    static const struct {
        const char  *alg;
        EVP_PKEY   **pkey;
        size_t       secret;
    } algs[] = {
        { "RS256", &rsa_a, 0 }, { "RS384", &rsa_a, 0 },
        { "RS512", &rsa_a, 0 }, { "PS256", &rsa_a, 0 },
        { "PS384", &rsa_a, 0 }, { "PS512", &rsa_a, 0 },
        { "ES256", &ec256, 0 }, { "ES384", &ec384, 0 },
        { "ES512", &ec521, 0 }, { "EdDSA", &ed, 0 },
        { "HS256", NULL, 32 }, { "HS384", NULL, 48 }, { "HS512", NULL, 64 }
    };

    for (i = 0; i < (int) (sizeof(algs) / sizeof(algs[0])); i++) {
        const unsigned char  *secret;
        apigw_jwt_error_t     err;

        secret = algs[i].secret == 32 ? hs32 : algs[i].secret == 48 ? hs48
                                                                    : hs64;

        if (algs[i].pkey != NULL) {
            json = jwks_of(1, *algs[i].pkey, "k1", algs[i].alg);
            set = set_from(APIGW_JWT_ALGS_ALL, 0, json);
            free(json);

        } else {
            set = apigw_jwks_create(APIGW_JWT_ALGS_ALL, 0);
            apigw_jwks_add_secret(set, secret, algs[i].secret, "k1",
                                  apigw_jwt_alg_parse(algs[i].alg, 5), &err);
        }

        CHECK(set->nkeys == 1 && set->keys[0].algs
              == APIGW_JWT_ALG_BIT(apigw_jwt_alg_parse(algs[i].alg,
                                                       strlen(algs[i].alg))),
              "%s: the key is pinned to it", algs[i].alg);

        t = mint(algs[i].alg, algs[i].pkey ? *algs[i].pkey : NULL, secret,
                 algs[i].secret, hdr(algs[i].alg, "k1"), pay(""));

        CHECK(verify(set, NULL, t, NULL) == APIGW_JWT_OK,
              "%s: a valid token passes", algs[i].alg);

        /* the signature's last base64url character changed */
        bad = strdup(t);
        n = strlen(bad);
        bad[n - 1] = bad[n - 1] == 'A' ? 'Q' : 'A';

        CHECK(verify(set, NULL, bad, NULL) != APIGW_JWT_OK,
              "%s: a changed signature fails", algs[i].alg);

        /* a byte of the signature's first half */
        strcpy(bad, t);
        n = strrchr(bad, '.') - bad + 3;
        bad[n] = bad[n] == 'A' ? 'B' : 'A';

        CHECK(verify(set, NULL, bad, NULL) == APIGW_JWT_BAD_SIGNATURE,
              "%s: a flipped signature byte is a bad signature", algs[i].alg);

        /* the payload changed: another sub */
        free(bad);
        bad = mint(algs[i].alg, algs[i].pkey ? *algs[i].pkey : NULL, secret,
                   algs[i].secret, hdr(algs[i].alg, "k1"),
                   "{\"sub\":\"mallory\",\"exp\":9999999999}");
        memcpy(strrchr(bad, '.'), strrchr(t, '.'), strlen(strrchr(t, '.')));

        CHECK(verify(set, NULL, bad, NULL) == APIGW_JWT_BAD_SIGNATURE,
              "%s: another payload under the signature fails", algs[i].alg);

        free(bad);
        free(t);
        apigw_jwks_free(set);
    }

    /* signed by another key of the same kind, same kid */
    json = jwks_of(3, rsa_a, "r", "RS256", ec256, "e", "ES256", ed, "d",
                   "EdDSA");
    set = set_from(0, 0, json);
    free(json);

    CHECK(check(set, NULL, "RS256", rsa_b, NULL, 0, hdr("RS256", "r"),
                pay("")) == APIGW_JWT_BAD_SIGNATURE
          && check(set, NULL, "ES256", ec256b, NULL, 0, hdr("ES256", "e"),
                   pay("")) == APIGW_JWT_BAD_SIGNATURE
          && check(set, NULL, "EdDSA", edb, NULL, 0, hdr("EdDSA", "d"),
                   pay("")) == APIGW_JWT_BAD_SIGNATURE,
          "RS256, ES256, EdDSA signed by another key: bad signature");

    apigw_jwks_free(set);
}


static void
test_attacks(void)
{
    int                  i;
    char                *json, *t, *pem, *der_tok, buf[16384], *p;
    size_t               n, len;
    apigw_jwks_t        *set, *hs;
    apigw_jwt_t         *jwt;
    apigw_jwt_policy_t   policy;
    apigw_jwt_error_t    err;
    unsigned char        sig[1024], der[256];

    json = jwks_of(2, rsa_a, "rsa", "RS256", ec256, "ec", "ES256");
    set = set_from(APIGW_JWT_ALGS_ALL, 0, json);
    free(json);

    hs = apigw_jwks_create(APIGW_JWT_ALGS_ALL, 0);
    apigw_jwks_add_secret(hs, hs32, 32, "hs", APIGW_JWT_HS256, &err);

    /* row 1 */
    {
        static const char  *nones[] = { "none", "NONE", "nOnE", "None" };

        for (i = 0; i < 4; i++) {
            char  h[64];

            snprintf(h, sizeof(h), "{\"alg\":\"%s\"}", nones[i]);
            t = mint("none", NULL, NULL, 0, h, pay(""));

            CHECK(verify(set, NULL, t, NULL) == APIGW_JWT_BAD_ALG
                  && verify(hs, NULL, t, NULL) == APIGW_JWT_BAD_ALG,
                  "row 1: alg %s with an empty signature refused", nones[i]);

            /* and with a signature */
            n = strlen(t);
            t = realloc(t, n + 16);
            strcpy(t + n, "c2lnbmVk");

            CHECK(verify(set, NULL, t, NULL) == APIGW_JWT_BAD_ALG,
                  "row 1: alg %s with a signature refused", nones[i]);
            free(t);
        }
    }

    /* row 2: HS256 with the RSA public key's PEM as the secret */
    pem = pem_public(rsa_a, "SubjectPublicKeyInfo");

    CHECK(check(set, NULL, "HS256", NULL, (unsigned char *) pem, strlen(pem),
                hdr("HS256", "rsa"), pay("")) == APIGW_JWT_BAD_ALG,
          "row 2: HS256 signed with the RSA key's PEM, kid of the RSA key: "
          "refused (the key is RS256's)");
    CHECK(check(set, NULL, "HS256", NULL, (unsigned char *) pem, strlen(pem),
                hdr("HS256", NULL), pay("")) == APIGW_JWT_NO_KEY,
          "row 2: the same without kid: no HS256 key");

    {
        /* a set of an RSA key without alg, HS256 allowed too */
        apigw_jwks_t  *s2;

        json = jwks_of(1, rsa_a, "rsa", NULL);
        s2 = set_from(APIGW_JWT_ALGS_ALL, 0, json);
        free(json);

        CHECK(s2->nkeys == 1 && s2->keys[0].algs == APIGW_JWT_ALGS_RSA
              && check(s2, NULL, "HS256", NULL, (unsigned char *) pem,
                       strlen(pem), hdr("HS256", "rsa"), pay(""))
                 == APIGW_JWT_BAD_ALG,
              "row 2: an RSA key without alg, HS256 allowed: the key does "
              "RS and PS only, HS256 refused");

        apigw_jwks_free(s2);
    }

    CHECK(check(set, NULL, "HS256", NULL, (unsigned char *) pem, strlen(pem),
                "{\"alg\":\"RS256\",\"alg\":\"HS256\",\"kid\":\"rsa\"}",
                pay("")) == APIGW_JWT_MALFORMED,
          "row 2: two alg members: refused");
    free(pem);

    /* row 3 */
    CHECK(check(set, NULL, "RS512", rsa_a, NULL, 0, hdr("RS512", "rsa"),
                pay("")) == APIGW_JWT_BAD_ALG
          && check(set, NULL, "PS256", rsa_a, NULL, 0, hdr("PS256", "rsa"),
                   pay("")) == APIGW_JWT_BAD_ALG,
          "row 3: RS512 and PS256 by the RS256 key: refused");

    {
        apigw_jwks_t  *s2;

        json = jwks_of(1, rsa_a, "rsa", NULL);
        s2 = set_from(APIGW_JWT_ALG_BIT(APIGW_JWT_RS256), 0, json);
        free(json);

        CHECK(s2->nkeys == 1
              && s2->keys[0].algs == APIGW_JWT_ALG_BIT(APIGW_JWT_RS256)
              && check(s2, NULL, "RS512", rsa_a, NULL, 0,
                       hdr("RS512", "rsa"), pay("")) == APIGW_JWT_BAD_ALG
              && check(s2, NULL, "RS256", rsa_a, NULL, 0,
                       hdr("RS256", "rsa"), pay("")) == APIGW_JWT_OK,
              "row 3: an RSA key without alg, allowlist RS256: RS512 "
              "refused, RS256 passes");

        apigw_jwt_policy_init(&policy);
        policy.algs = APIGW_JWT_ALG_BIT(APIGW_JWT_ES256);

        CHECK(check(s2, &policy, "RS256", rsa_a, NULL, 0, hdr("RS256", "rsa"),
                    pay("")) == APIGW_JWT_BAD_ALG,
              "row 3: the policy's algs narrow the set's");

        apigw_jwks_free(s2);
    }

    /* row 4 */
    CHECK(check(set, NULL, "RS256", rsa_a, NULL, 0,
                hdr("RS256", "../../../../etc/passwd"), pay(""))
          == APIGW_JWT_UNKNOWN_KID
          && check(set, NULL, "RS256", rsa_a, NULL, 0,
                   hdr("RS256", "rsa' OR '1'='1"), pay(""))
             == APIGW_JWT_UNKNOWN_KID
          && check(set, NULL, "RS256", rsa_a, NULL, 0, hdr("RS256", "RSA"),
                   pay("")) == APIGW_JWT_UNKNOWN_KID
          && check(set, NULL, "RS256", rsa_a, NULL, 0, hdr("RS256", "rs"),
                   pay("")) == APIGW_JWT_UNKNOWN_KID
          && check(set, NULL, "RS256", rsa_a, NULL, 0, hdr("RS256", "rsa "),
                   pay("")) == APIGW_JWT_UNKNOWN_KID,
          "row 4: kid as a path, as SQL, in another case, a prefix, with a "
          "space: unknown kid");
    CHECK(check(set, NULL, "RS256", rsa_a, NULL, 0,
                "{\"alg\":\"RS256\",\"kid\":7}", pay(""))
          == APIGW_JWT_BAD_HEADER
          && check(set, NULL, "RS256", rsa_a, NULL, 0,
                   "{\"alg\":\"RS256\",\"kid\":[\"rsa\"]}", pay(""))
             == APIGW_JWT_BAD_HEADER,
          "row 4: a kid that is not a string refused");

    /* row 5: the attacker's key in the header, signed by it */
    {
        static const char  *members[] = { "jku", "x5u", "jwk", "x5c" };

        for (i = 0; i < 4; i++) {
            char    *jwk, h[2048];
            json_t  *j;

            j = jwt_jwk(rsa_b, "evil", "RS256");
            jwk = json_dumps(j, JSON_COMPACT);
            json_decref(j);

            snprintf(h, sizeof(h), "{\"alg\":\"RS256\",\"%s\":%s}",
                     members[i],
                     i == 2 ? jwk
                     : i == 3 ? "[\"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A\"]"
                              : "\"https://attacker.example/jwks.json\"");
            free(jwk);

            CHECK(check(set, NULL, "RS256", rsa_b, NULL, 0, h, pay(""))
                  == APIGW_JWT_BAD_SIGNATURE,
                  "row 5: %s naming the signer's key is not used",
                  members[i]);

            CHECK(check(set, NULL, "RS256", rsa_a, NULL, 0, h, pay(""))
                  == APIGW_JWT_OK,
                  "row 5: %s ignored: signed by the set's key it passes",
                  members[i]);
        }
    }

    /* row 6 */
    CHECK(check(set, NULL, "RS256", rsa_a, NULL, 0,
                "{\"alg\":\"RS256\",\"kid\":\"rsa\",\"crit\":[\"exp\"],"
                "\"exp\":1}", pay("")) == APIGW_JWT_BAD_HEADER
          && check(set, NULL, "RS256", rsa_a, NULL, 0,
                   "{\"alg\":\"RS256\",\"kid\":\"rsa\",\"crit\":[]}", pay(""))
             == APIGW_JWT_BAD_HEADER
          && check(set, NULL, "RS256", rsa_a, NULL, 0,
                   "{\"alg\":\"RS256\",\"kid\":\"rsa\",\"crit\":[\"b64\"],"
                   "\"b64\":false}", pay("")) == APIGW_JWT_BAD_HEADER
          && check(set, NULL, "RS256", rsa_a, NULL, 0,
                   "{\"alg\":\"RS256\",\"kid\":\"rsa\",\"crit\":\"x\"}",
                   pay("")) == APIGW_JWT_BAD_HEADER,
          "row 6: crit with an unknown name, [], b64, a string: refused");

    /* row 7: ES256 signatures DER-encoded, or of the wrong length */
    {
        EVP_MD_CTX  *m;
        char         signing[4096];

        t = mint("ES256", ec256, NULL, 0, hdr("ES256", "ec"), pay(""));
        n = strrchr(t, '.') - t;
        memcpy(signing, t, n);
        signing[n] = '\0';

        m = EVP_MD_CTX_new();
        len = sizeof(der);
        EVP_DigestSignInit(m, NULL, EVP_sha256(), NULL, ec256);
        EVP_DigestSign(m, der, &len, (unsigned char *) signing, n);
        EVP_MD_CTX_free(m);

        der_tok = malloc(n + 512);
        memcpy(der_tok, signing, n);
        der_tok[n] = '.';
        jwt_b64url(der, len, der_tok + n + 1);

        CHECK(verify(set, NULL, der_tok, NULL) == APIGW_JWT_BAD_SIGNATURE,
              "row 7: an ES256 signature in DER (%zu bytes): refused", len);

        for (i = 0; i < 4; i++) {
            static const size_t  lens[] = { 63, 65, 96, 132 };

            memset(sig, 0x11, sizeof(sig));
            jwt_b64url(sig, lens[i], der_tok + n + 1);

            CHECK(verify(set, NULL, der_tok, NULL) == APIGW_JWT_BAD_SIGNATURE,
                  "row 7: an ES256 signature of %zu bytes refused", lens[i]);
        }

        /* row 8: r or s = 0 */
        p = strrchr(t, '.') + 1;
        apigw_b64url_decode(p, strlen(p), sig, &len);

        for (i = 0; i < 3; i++) {
            unsigned char  s2[64];

            memcpy(s2, sig, 64);

            if (i != 1) {
                memset(s2, 0, 32);
            }

            if (i != 0) {
                memset(s2 + 32, 0, 32);
            }

            jwt_b64url(s2, 64, der_tok + n + 1);

            CHECK(verify(set, NULL, der_tok, NULL) == APIGW_JWT_BAD_SIGNATURE,
                  "row 8: ES256 with %s refused",
                  i == 0 ? "r = 0" : i == 1 ? "s = 0" : "r = s = 0");
        }

        /* r = the group order n: OpenSSL refuses r >= n */
        {
            static const unsigned char  order[32] = {
                0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
                0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
                0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51
            };
            unsigned char  s2[64];

            memcpy(s2, order, 32);
            memcpy(s2 + 32, order, 32);
            jwt_b64url(s2, 64, der_tok + n + 1);

            CHECK(verify(set, NULL, der_tok, NULL) == APIGW_JWT_BAD_SIGNATURE,
                  "row 8: ES256 with r = s = the group order refused");
        }

        CHECK(verify(set, NULL, t, NULL) == APIGW_JWT_OK,
              "row 7: the same token with its raw signature passes");

        free(der_tok);
        free(t);
    }

    /* row 9 */
    {
        apigw_jwks_t  *s2;

        s2 = apigw_jwks_create(APIGW_JWT_ALGS_HS, 0);

        CHECK(apigw_jwks_add_secret(s2, hs32, 31, NULL, APIGW_JWT_HS256, &err)
              == -1 && strstr(err.message, "at least 32") != NULL,
              "row 9: a 31-byte secret for HS256 refused: %s", err.message);
        CHECK(apigw_jwks_add_secret(s2, hs48, 47, NULL, APIGW_JWT_HS384, &err)
              == -1
              && apigw_jwks_add_secret(s2, hs64, 63, NULL, APIGW_JWT_HS512,
                                       &err) == -1
              && apigw_jwks_add_secret(s2, hs32, 16, NULL,
                                       APIGW_JWT_ALG_UNKNOWN, &err) == -1,
              "row 9: 47 bytes for HS384, 63 for HS512, 16 for any: refused");
        CHECK(apigw_jwks_add_secret(s2, hs48, 48, NULL, APIGW_JWT_ALG_UNKNOWN,
                                    &err) == 0
              && s2->keys[0].algs == (APIGW_JWT_ALG_BIT(APIGW_JWT_HS256)
                                      | APIGW_JWT_ALG_BIT(APIGW_JWT_HS384)),
              "row 9: 48 bytes without alg: HS256 and HS384, not HS512");
        CHECK(check(s2, NULL, "HS512", NULL, hs48, 48, hdr("HS512", NULL),
                    pay("")) == APIGW_JWT_NO_KEY
              && check(s2, NULL, "HS384", NULL, hs48, 48, hdr("HS384", NULL),
                       pay("")) == APIGW_JWT_OK,
              "row 9: so HS512 with it has no key, HS384 passes");

        apigw_jwks_free(s2);

        s2 = set_from(APIGW_JWT_ALGS_ALL, APIGW_JWKS_ALLOW_OCT,
                      "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"short\","
                      "\"alg\":\"HS256\",\"k\":\"c2hvcnQgc2VjcmV0\"},"
                      "{\"kty\":\"oct\",\"kid\":\"ok\",\"k\":"
                      "\"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY\"}]}");

        CHECK(s2->nkeys == 1 && s2->nskipped == 1
              && strcmp(s2->skipped[0].kid, "short") == 0
              && strstr(s2->skipped[0].reason, "shorter") != NULL
              && s2->keys[0].algs == APIGW_JWT_ALG_BIT(APIGW_JWT_HS256),
              "row 9: a short oct JWK skipped, a 32-byte one kept for HS256 "
              "only");

        apigw_jwks_free(s2);

        s2 = set_from(APIGW_JWT_ALGS_ALL, 0,
                      "{\"kty\":\"oct\",\"kid\":\"ok\",\"k\":"
                      "\"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY\"}");

        CHECK(s2->nkeys == 0 && s2->nskipped == 1
              && s2->skipped[0].index == -1
              && strstr(s2->skipped[0].reason, "not allowed") != NULL,
              "oct JWKs from a document only with APIGW_JWKS_ALLOW_OCT");

        apigw_jwks_free(s2);
    }

    /* row 10 */
    {
        apigw_jwks_t  *s2;

        json = jwks_of(2, rsa_small, "small", "RS256", rsa_a, "big", "RS256");
        s2 = set_from(0, 0, json);
        free(json);

        CHECK(s2->nkeys == 1 && s2->nskipped == 1
              && strcmp(s2->skipped[0].kid, "small") == 0
              && strstr(s2->skipped[0].reason, "1024 bits") != NULL
              && check(s2, NULL, "RS256", rsa_small, NULL, 0,
                       hdr("RS256", "small"), pay(""))
                 == APIGW_JWT_UNKNOWN_KID,
              "row 10: a 1024-bit RSA JWK skipped (%s), its tokens refused",
              s2->nskipped ? s2->skipped[0].reason : "");

        pem = pem_public(rsa_small, "SubjectPublicKeyInfo");

        CHECK(apigw_jwks_add_pem(s2, pem, strlen(pem), "small",
                                 APIGW_JWT_RS256, &err) == -1
              && strstr(err.message, "1024") != NULL,
              "row 10: a 1024-bit RSA PEM key refused: %s", err.message);

        free(pem);
        apigw_jwks_free(s2);
    }

    /* row 11: exp and nbf against NOW, leeway 60 */
    apigw_jwt_policy_init(&policy);

    {
        static const struct {
            const char          *claims;
            apigw_jwt_status_e   rc;
            const char          *name;
        } dates[] = {
            { "\"exp\":1699999940", APIGW_JWT_EXPIRED, "exp = now - 60" },
            { "\"exp\":1699999941", APIGW_JWT_OK, "exp = now - 59" },
            { "\"exp\":1699999940.5", APIGW_JWT_EXPIRED,
              "exp = now - 59.5 (rounded down)" },
            { "\"exp\":1000", APIGW_JWT_EXPIRED, "exp in 1970" },
            { "\"exp\":1700000100,\"nbf\":1700000061",
              APIGW_JWT_NOT_YET_VALID, "nbf = now + 61" },
            { "\"exp\":1700000100,\"nbf\":1700000060", APIGW_JWT_OK,
              "nbf = now + 60" },
            { "\"exp\":1700000100,\"nbf\":1700000060.5",
              APIGW_JWT_NOT_YET_VALID, "nbf = now + 60.5 (rounded up)" },
            { "\"exp\":1700000100,\"nbf\":1699990000", APIGW_JWT_OK,
              "nbf in the past" }
        };

        for (i = 0; i < (int) (sizeof(dates) / sizeof(dates[0])); i++) {
            char  pl[256];

            snprintf(pl, sizeof(pl), "{%s}", dates[i].claims);

            CHECK(check(hs, &policy, "HS256", NULL, hs32, 32,
                        hdr("HS256", NULL), pl) == dates[i].rc,
                  "row 11: %s: %s", dates[i].name,
                  apigw_jwt_status_name(dates[i].rc));
        }

        policy.leeway = 0;

        CHECK(check(hs, &policy, "HS256", NULL, hs32, 32, hdr("HS256", NULL),
                    "{\"exp\":1700000000}") == APIGW_JWT_EXPIRED
              && check(hs, &policy, "HS256", NULL, hs32, 32,
                       hdr("HS256", NULL), "{\"exp\":1700000001}")
                 == APIGW_JWT_OK
              && check(hs, &policy, "HS256", NULL, hs32, 32,
                       hdr("HS256", NULL),
                       "{\"exp\":1700000001,\"nbf\":1700000001}")
                 == APIGW_JWT_NOT_YET_VALID
              && check(hs, &policy, "HS256", NULL, hs32, 32,
                       hdr("HS256", NULL),
                       "{\"exp\":1700000001,\"nbf\":1700000000}")
                 == APIGW_JWT_OK,
              "row 11: leeway 0: exp = now expired, now + 1 valid; nbf = now "
              "valid, now + 1 not yet");

        policy.leeway = -5;

        CHECK(check(hs, &policy, "HS256", NULL, hs32, 32, hdr("HS256", NULL),
                    "{\"exp\":1700000001}") == APIGW_JWT_OK,
              "row 11: a negative leeway counts as 0");

        apigw_jwt_policy_init(&policy);
    }

    /* an expired token with a bad signature is a bad signature */
    CHECK(check(set, NULL, "RS256", rsa_b, NULL, 0, hdr("RS256", "rsa"),
                "{\"exp\":1000}") == APIGW_JWT_BAD_SIGNATURE,
          "row 11: \"expired\" only for a signed token");

    /* row 12 */
    policy.check_iat = 1;

    CHECK(check(hs, &policy, "HS256", NULL, hs32, 32, hdr("HS256", NULL),
                pay("\"iat\":1700000061")) == APIGW_JWT_NOT_YET_VALID
          && check(hs, &policy, "HS256", NULL, hs32, 32, hdr("HS256", NULL),
                   pay("\"iat\":1700000060")) == APIGW_JWT_OK
          && check(hs, &policy, "HS256", NULL, hs32, 32, hdr("HS256", NULL),
                   pay("\"iat\":1600000000")) == APIGW_JWT_OK,
          "row 12: iat checked: now + 61 refused, now + 60 and the past pass");

    policy.check_iat = 0;

    CHECK(check(hs, &policy, "HS256", NULL, hs32, 32, hdr("HS256", NULL),
                pay("\"iat\":1800000000")) == APIGW_JWT_OK,
          "row 12: iat not checked unless asked");

    /* row 13 */
    {
        static const struct {
            const char          *claims;
            apigw_jwt_status_e   rc;
            const char          *name;
        } dates[] = {
            { "\"exp\":\"1800000000\"", APIGW_JWT_BAD_CLAIMS, "a string" },
            { "\"exp\":1800000000.25", APIGW_JWT_OK, "a float" },
            { "\"exp\":1e10", APIGW_JWT_OK, "1e10" },
            { "\"exp\":1e300", APIGW_JWT_OK, "1e300" },
            { "\"exp\":-1e300", APIGW_JWT_EXPIRED, "-1e300" },
            { "\"exp\":9223372036854775807", APIGW_JWT_OK, "INT64_MAX" },
            { "\"exp\":-9223372036854775807", APIGW_JWT_EXPIRED,
              "-INT64_MAX" },
            { "\"exp\":true", APIGW_JWT_BAD_CLAIMS, "true" },
            { "\"exp\":null", APIGW_JWT_BAD_CLAIMS, "null" },
            { "\"exp\":[1800000000]", APIGW_JWT_BAD_CLAIMS, "an array" },
            { "\"sub\":\"a\"", APIGW_JWT_BAD_CLAIMS, "absent" },
            { "\"exp\":1800000000,\"nbf\":\"0\"", APIGW_JWT_BAD_CLAIMS,
              "fine, nbf a string" },
            { "\"exp\":1800000000,\"iat\":{}", APIGW_JWT_BAD_CLAIMS,
              "fine, iat an object" }
        };

        for (i = 0; i < (int) (sizeof(dates) / sizeof(dates[0])); i++) {
            char  pl[256];

            snprintf(pl, sizeof(pl), "{%s}", dates[i].claims);

            CHECK(check(hs, NULL, "HS256", NULL, hs32, 32, hdr("HS256", NULL),
                        pl) == dates[i].rc,
                  "row 13: exp %s: %s", dates[i].name,
                  apigw_jwt_status_name(dates[i].rc));
        }

        policy.exp_optional = 1;

        CHECK(check(hs, &policy, "HS256", NULL, hs32, 32, hdr("HS256", NULL),
                    "{\"sub\":\"a\"}") == APIGW_JWT_OK
              && check(hs, &policy, "HS256", NULL, hs32, 32,
                       hdr("HS256", NULL), "{\"exp\":\"x\"}")
                 == APIGW_JWT_BAD_CLAIMS,
              "row 13: exp_optional: absent passes, a string still refused");

        policy.exp_optional = 0;
    }

    /* row 14 */
    {
        static const char  *auds[] = { "petstore", "https://api.example" };

        policy.audiences = auds;
        policy.naudiences = 2;

        CHECK(check(hs, &policy, "HS256", NULL, hs32, 32, hdr("HS256", NULL),
                    pay("\"aud\":\"petstore\"")) == APIGW_JWT_OK
              && check(hs, &policy, "HS256", NULL, hs32, 32,
                       hdr("HS256", NULL),
                       pay("\"aud\":[\"other\",\"https://api.example\"]"))
                 == APIGW_JWT_OK,
              "row 14: aud a string, aud an array holding ours: pass");
        CHECK(check(hs, &policy, "HS256", NULL, hs32, 32, hdr("HS256", NULL),
                    pay("\"aud\":\"other\"")) == APIGW_JWT_BAD_AUDIENCE
              && check(hs, &policy, "HS256", NULL, hs32, 32,
                       hdr("HS256", NULL), pay("\"aud\":[\"a\",\"b\"]"))
                 == APIGW_JWT_BAD_AUDIENCE
              && check(hs, &policy, "HS256", NULL, hs32, 32,
                       hdr("HS256", NULL), pay("\"aud\":[]"))
                 == APIGW_JWT_BAD_AUDIENCE
              && check(hs, &policy, "HS256", NULL, hs32, 32,
                       hdr("HS256", NULL), pay(""))
                 == APIGW_JWT_BAD_AUDIENCE
              && check(hs, &policy, "HS256", NULL, hs32, 32,
                       hdr("HS256", NULL), pay("\"aud\":\"Petstore\""))
                 == APIGW_JWT_BAD_AUDIENCE
              && check(hs, &policy, "HS256", NULL, hs32, 32,
                       hdr("HS256", NULL), pay("\"aud\":[1,\"petstore\"]"))
                 == APIGW_JWT_BAD_AUDIENCE
              && check(hs, &policy, "HS256", NULL, hs32, 32,
                       hdr("HS256", NULL), pay("\"aud\":{\"a\":1}"))
                 == APIGW_JWT_BAD_AUDIENCE,
              "row 14: another aud, none of an array, [], absent, another "
              "case, a number in the array, an object: refused");
        CHECK(check(hs, &policy, "HS256", NULL, hs32, 32, hdr("HS256", NULL),
                    pay("\"client_id\":\"petstore\""))
              == APIGW_JWT_BAD_AUDIENCE,
              "row 14: client_id does not stand for aud unless asked");

        policy.client_id_aud = 1;

        CHECK(check(hs, &policy, "HS256", NULL, hs32, 32, hdr("HS256", NULL),
                    pay("\"client_id\":\"petstore\"")) == APIGW_JWT_OK
              && check(hs, &policy, "HS256", NULL, hs32, 32,
                       hdr("HS256", NULL),
                       pay("\"aud\":\"x\",\"client_id\":\"petstore\""))
                 == APIGW_JWT_BAD_AUDIENCE,
              "row 14: client_id_aud: client_id when aud is absent only");

        apigw_jwt_policy_init(&policy);

        CHECK(check(hs, &policy, "HS256", NULL, hs32, 32, hdr("HS256", NULL),
                    pay("\"aud\":\"anyone\"")) == APIGW_JWT_OK
              && check(hs, &policy, "HS256", NULL, hs32, 32,
                       hdr("HS256", NULL), pay("\"aud\":7")) == APIGW_JWT_OK,
              "row 14: no audience configured: aud not checked");
    }

    /* row 15 */
    policy.issuer = "https://id.example.com";

    CHECK(check(hs, &policy, "HS256", NULL, hs32, 32, hdr("HS256", NULL),
                pay("\"iss\":\"https://id.example.com\"")) == APIGW_JWT_OK,
          "row 15: the issuer exactly: passes");
    CHECK(check(hs, &policy, "HS256", NULL, hs32, 32, hdr("HS256", NULL),
                pay("\"iss\":\"https://id.example.com/\""))
          == APIGW_JWT_BAD_ISSUER
          && check(hs, &policy, "HS256", NULL, hs32, 32, hdr("HS256", NULL),
                   pay("\"iss\":\"https://ID.example.com\""))
             == APIGW_JWT_BAD_ISSUER
          && check(hs, &policy, "HS256", NULL, hs32, 32, hdr("HS256", NULL),
                   pay("\"iss\":\"https://id.example.co\""))
             == APIGW_JWT_BAD_ISSUER
          && check(hs, &policy, "HS256", NULL, hs32, 32, hdr("HS256", NULL),
                   pay("\"iss\":\"https://id.example.com.evil\""))
             == APIGW_JWT_BAD_ISSUER
          && check(hs, &policy, "HS256", NULL, hs32, 32, hdr("HS256", NULL),
                   pay("")) == APIGW_JWT_BAD_ISSUER,
          "row 15: trailing slash, case, prefix, longer, absent: refused");
    CHECK(check(hs, &policy, "HS256", NULL, hs32, 32, hdr("HS256", NULL),
                pay("\"iss\":[\"https://id.example.com\"]"))
          == APIGW_JWT_BAD_CLAIMS,
          "row 15: iss not a string refused");
    CHECK(check(hs, &policy, "HS256", NULL, hs32, 32, hdr("HS256", NULL),
                "{\"iss\":\"https://other\",\"exp\":1000}")
          == APIGW_JWT_BAD_ISSUER,
          "row 15: a wrong issuer is said before an expiry");

    apigw_jwt_policy_init(&policy);

    /* row 16 */
    policy.typ = "at+jwt";

    CHECK(check(hs, &policy, "HS256", NULL, hs32, 32,
                "{\"alg\":\"HS256\",\"typ\":\"at+jwt\"}", pay(""))
          == APIGW_JWT_OK
          && check(hs, &policy, "HS256", NULL, hs32, 32,
                   "{\"alg\":\"HS256\",\"typ\":\"AT+JWT\"}", pay(""))
             == APIGW_JWT_OK
          && check(hs, &policy, "HS256", NULL, hs32, 32,
                   "{\"alg\":\"HS256\",\"typ\":\"application/at+jwt\"}",
                   pay("")) == APIGW_JWT_OK,
          "row 16: typ at+jwt, AT+JWT, application/at+jwt: pass");
    CHECK(check(hs, &policy, "HS256", NULL, hs32, 32, hdr("HS256", NULL),
                pay("")) == APIGW_JWT_BAD_TYPE
          && check(hs, &policy, "HS256", NULL, hs32, 32,
                   "{\"alg\":\"HS256\"}", pay("")) == APIGW_JWT_BAD_TYPE
          && check(hs, &policy, "HS256", NULL, hs32, 32,
                   "{\"alg\":\"HS256\",\"typ\":\"application/jwt\"}", pay(""))
             == APIGW_JWT_BAD_TYPE,
          "row 16: typ JWT, absent, application/jwt: refused (an ID token "
          "is not an access token)");
    CHECK(check(hs, &policy, "HS256", NULL, hs32, 32,
                "{\"alg\":\"HS256\",\"typ\":1}", pay(""))
          == APIGW_JWT_BAD_HEADER,
          "row 16: typ not a string refused");

    apigw_jwt_policy_init(&policy);

    CHECK(check(hs, NULL, "HS256", NULL, hs32, 32,
                "{\"alg\":\"HS256\",\"typ\":\"at+jwt\"}", pay(""))
          == APIGW_JWT_OK,
          "row 16: no typ required: at+jwt passes (libjwt 1.10 refuses it)");

    /* row 17 */
    CHECK(check(hs, NULL, "HS256", NULL, hs32, 32,
                "{\"alg\":\"HS256\",\"alg\":\"HS256\"}", pay(""))
          == APIGW_JWT_MALFORMED
          && check(hs, NULL, "HS256", NULL, hs32, 32,
                   "{\"alg\":\"HS256\",\"kid\":\"hs\",\"kid\":\"x\"}",
                   pay("")) == APIGW_JWT_MALFORMED,
          "row 17: duplicate members in the header refused");
    CHECK(check(hs, NULL, "HS256", NULL, hs32, 32, hdr("HS256", NULL),
                "{\"sub\":\"alice\",\"exp\":1800000000,\"sub\":\"admin\"}")
          == APIGW_JWT_MALFORMED
          && check(hs, NULL, "HS256", NULL, hs32, 32, hdr("HS256", NULL),
                   "{\"exp\":1000,\"exp\":1800000000}") == APIGW_JWT_MALFORMED
          && check(hs, NULL, "HS256", NULL, hs32, 32, hdr("HS256", NULL),
                   "{\"exp\":1800000000,\"a\":{\"b\":1,\"b\":2}}")
             == APIGW_JWT_MALFORMED,
          "row 17: duplicate members in the payload (two sub, two exp, "
          "nested) refused although signed");

    /* row 18 */
    t = mint("HS256", NULL, hs32, 32, hdr("HS256", NULL), pay(""));
    len = strlen(t);

    {
        static const char  *tails[] = { "!!!!", "=", "==", " ", "\n", "\r\n",
                                        "A", "AA", "\0" };

        for (i = 0; i < (int) (sizeof(tails) / sizeof(tails[0])); i++) {
            memcpy(buf, t, len);
            strcpy(buf + len, tails[i]);

            n = len + strlen(tails[i]) + (i == 8);

            CHECK(apigw_jwt_verify(hs, &policy, buf, n, NOW, &jwt, &err)
                  != APIGW_JWT_OK && jwt == NULL,
                  "row 18: trailing %s after the signature: refused (%s)",
                  i == 0 ? "!!!!" : i == 1 ? "=" : i == 2 ? "==" : i == 3
                  ? "space" : i == 4 ? "LF" : i == 5 ? "CRLF" : i == 6
                  ? "A" : i == 7 ? "AA" : "NUL",
                  apigw_jwt_status_name(err.status));
        }
    }

    CHECK(verify(hs, NULL, t, NULL) == APIGW_JWT_OK,
          "row 18: the token itself passes");

    /* a - or _ in the token made + or / */
    for (n = 0, i = 0; i < 50 && n == 0; i++) {
        char  extra[64];

        free(t);
        snprintf(extra, sizeof(extra), "\"n\":%d", i);
        t = mint("HS256", NULL, hs32, 32, hdr("HS256", NULL), pay(extra));
        p = strpbrk(strrchr(t, '.'), "-_");
        n = (p != NULL);
    }

    if (n) {
        strcpy(buf, t);
        p = buf + (p - t);
        *p = *p == '-' ? '+' : '/';

        CHECK(verify(hs, NULL, buf, NULL) == APIGW_JWT_MALFORMED
              && verify(hs, NULL, t, NULL) == APIGW_JWT_OK,
              "row 18: base64 '%c' for base64url's '%c' refused",
              *p, *p == '+' ? '-' : '_');
    }

    free(t);

    CHECK(check(hs, NULL, "HS256", NULL, hs32, 32, " {\"alg\":\"HS256\"}",
                pay("")) == APIGW_JWT_OK,
          "row 18: JSON whitespace inside a segment is JSON's");

    /* row 19 */
    {
        char  pl[128];

        n = snprintf(pl, sizeof(pl), "{\"sub\":\"a\",\"exp\":1800000000}");
        pl[n] = '\0';
        memcpy(pl + n + 1, "{\"sub\":\"admin\"}", 16);

        t = jwt_mint("HS256", NULL, hs32, 32, hdr("HS256", NULL),
                     strlen(hdr("HS256", NULL)), pl, n + 16);

        CHECK(verify(hs, NULL, t, NULL) == APIGW_JWT_MALFORMED,
              "row 19: a NUL byte inside the payload refused although "
              "signed");
        free(t);

        CHECK(check(hs, NULL, "HS256", NULL, hs32, 32, hdr("HS256", NULL),
                    "{\"sub\":\"a\\u0000b\",\"exp\":1800000000}")
              == APIGW_JWT_MALFORMED,
              "row 19: \\u0000 in a string refused");

        t = jwt_mint("HS256", NULL, hs32, 32, "{\"alg\":\"HS256\"}\0", 17,
                     pay(""), strlen(pay("")));

        CHECK(verify(hs, NULL, t, NULL) == APIGW_JWT_MALFORMED,
              "row 19: a NUL byte after the header's JSON refused");
        free(t);
    }

    /* row 20 */
    t = mint("HS256", NULL, hs32, 32, hdr("HS256", NULL), pay(""));
    strcpy(buf, t);
    *strrchr(buf, '.') = '\0';

    CHECK(verify(hs, NULL, buf, NULL) == APIGW_JWT_MALFORMED,
          "row 20: two segments refused");

    n = strlen(t);
    memcpy(buf, t, n);
    buf[n] = '.';
    strcpy(buf + n + 1, strrchr(t, '.') + 1);

    CHECK(verify(hs, NULL, buf, NULL) == APIGW_JWT_MALFORMED,
          "row 20: four segments refused");

    snprintf(buf, sizeof(buf), "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ"
             ".OKOawDo13gRp2ojaHV7LFpZcgV7T6DVZKTyKOMTYUmKoTCVJRgckCL9kiMT03JGe"
             "ipsEdY3mx_etLbbWSrFr05kLzcSr4qKAq7YN7e9jwQRb23nfa6c9d-StnImGyFDb"
             "Sv04uVuxIp5Zms1gNxKKK2Da14B8S4rzVRltdYwam_lDp5XnZAYpQdb76FdIKLaV"
             "mqgfwX7XWRxv2322i-vDxRfqNzo_tETKzpVLzfiwQyeyPGLBIO56YJ7eObdv0je8"
             "1860ppamavo35UgoRdbYaBcoh9QcfylQr66oc6vFWXRcZ_ZT2LawVCWTIy3brGPi"
             "6UklfCpIMfIjf7iGdXKHzg.48V1_ALb6US04U3b.5eym8TW_c8SuK0ltJ3rpYIzO"
             "eDQz7TALvtu6UG9oMo4vpzs9tX_EFShS8iB7j6jiSdiwkIr3ajwQzaBtQD_A"
             ".XFBoMYUZodetZdvTiFvSkQ");

    CHECK(verify(hs, NULL, buf, NULL) == APIGW_JWT_MALFORMED,
          "row 20: a JWE (five segments) refused");

    snprintf(buf, sizeof(buf), "eyJhbGciOiJIUzI1NiIsImVuYyI6IkEyNTZHQ00ifQ"
             "%s", strchr(t, '.'));

    CHECK(verify(hs, NULL, buf, NULL) == APIGW_JWT_MALFORMED,
          "row 20: a header with enc refused");

    free(t);

    CHECK(verify(hs, NULL, "", NULL) == APIGW_JWT_MALFORMED
          && verify(hs, NULL, "..", NULL) == APIGW_JWT_MALFORMED
          && verify(hs, NULL, ".a.b", NULL) == APIGW_JWT_MALFORMED
          && verify(hs, NULL, "a..b", NULL) == APIGW_JWT_MALFORMED,
          "row 20: empty, \"..\", an empty header or payload: refused");

    /* row 21 */
    {
        char  *big, *pl;

        pl = malloc(1024 * 1024 + 64);
        n = sprintf(pl, "{\"exp\":1800000000,\"pad\":\"");
        memset(pl + n, 'x', 9000);
        strcpy(pl + n + 9000, "\"}");

        big = mint("HS256", NULL, hs32, 32, hdr("HS256", NULL), pl);

        CHECK(verify(hs, NULL, big, NULL) == APIGW_JWT_TOO_LONG,
              "row 21: a token of %zu bytes, over 8 KB: too long",
              strlen(big));

        policy.max_len = 16384;

        CHECK(verify(hs, &policy, big, NULL) == APIGW_JWT_OK,
              "row 21: the same passes with a cap of 16 KB");

        apigw_jwt_policy_init(&policy);
        free(big);

        memset(pl, 'A', 1024 * 1024);
        pl[100] = '.';
        pl[200] = '.';

        CHECK(apigw_jwt_verify(hs, &policy, pl, 1024 * 1024, NOW, &jwt, &err)
              == APIGW_JWT_TOO_LONG
              && strstr(err.message, "1048576") != NULL,
              "row 21: 1 MB refused before decoding: %s", err.message);

        free(pl);
    }

    /* row 22 */
    t = mint("HS256", NULL, hs32, 32, hdr("HS256", NULL), pay(""));
    p = strrchr(t, '.') + 1;
    apigw_b64url_decode(p, strlen(p), sig, &len);

    for (i = 0; i < 4; i++) {
        unsigned char  s2[64];

        memcpy(s2, sig, 32);
        n = 32;

        if (i == 0) {
            s2[0] ^= 1;

        } else if (i == 1) {
            s2[31] ^= 0x80;

        } else if (i == 2) {
            n = 31;

        } else {
            s2[32] = 0;
            n = 33;
        }

        strcpy(buf, t);
        jwt_b64url(s2, n, strrchr(buf, '.') + 1);

        CHECK(verify(hs, NULL, buf, NULL) == APIGW_JWT_BAD_SIGNATURE,
              "row 22: an HMAC %s: refused (compared whole, in constant "
              "time)", i == 0 ? "with its first bit wrong"
                       : i == 1 ? "with its last bit wrong"
                       : i == 2 ? "one byte short" : "one byte long");
    }

    free(t);

    apigw_jwks_free(hs);
    apigw_jwks_free(set);
}


/* rows 25 and 26: a set of good and bad keys */
static void
test_jwks(void)
{
    int             i, found;
    char           *good, *text, *p, *q;
    json_t         *j, *keys, *bad;
    size_t          k, len;
    apigw_jwks_t   *set;
    unsigned char   y[66];
    char            yb[100];

    good = jwks_of(4, rsa_a, "rsa", "RS256", ec256, "ec", NULL, ed, "ed",
                   NULL, ec384, "ec384", "ES384");

    j = json_loads(good, 0, NULL);
    keys = json_object_get(j, "keys");

    /* row 25: the EC point moved off its curve */
    bad = json_deep_copy(json_array_get(keys, 1));
    p = (char *) json_string_value(json_object_get(bad, "y"));
    apigw_b64url_decode(p, strlen(p), y, &len);
    y[31] ^= 1;
    jwt_b64url(y, 32, yb);
    json_object_set_new(bad, "y", json_string(yb));
    json_object_set_new(bad, "kid", json_string("off-curve"));
    json_array_append_new(keys, bad);

    /* crv for another alg */
    bad = json_deep_copy(json_array_get(keys, 1));
    json_object_set_new(bad, "alg", json_string("ES384"));
    json_object_set_new(bad, "kid", json_string("wrong-crv"));
    json_array_append_new(keys, bad);

    bad = json_deep_copy(json_array_get(keys, 1));
    json_object_set_new(bad, "crv", json_string("P-384"));
    json_object_set_new(bad, "kid", json_string("short-x"));
    json_array_append_new(keys, bad);

    /* row 26 */
    json_array_append_new(keys, json_pack("{s:s, s:s, s:s, s:s, s:s}",
        "kty", "EC", "kid", "k1", "crv", "secp256k1",
        "x", "Bl6QcYwpkHtRW5gMA0f6vGeZMC0jRXb4lHgK3fbA5KU",
        "y", "j6NZkcbQdq3Ywk2_3KyHCwJPzT4oLrmVhMXeY7ZExdE"));
    json_array_append_new(keys, json_pack("{s:s, s:s, s:s, s:s}",
        "kty", "OKP", "kid", "ed448", "crv", "Ed448",
        "x", "X9dEm1m0Yf0s54fsYWrUah2hNCSFpw4fig6nXYDpZ3jt8SR2m0bHBhvWeD3x5Q9s"
             "0foavq_oJWGA"));
    json_array_append_new(keys, json_pack("{s:s, s:s, s:s, s:s}",
        "kty", "OKP", "kid", "x25519", "crv", "X25519",
        "x", "hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo"));
    json_array_append_new(keys, json_pack("{s:s, s:s}", "kty", "XYZ",
                                          "kid", "xyz"));
    json_array_append_new(keys, json_pack("{s:s}", "kid", "no-kty"));
    json_array_append_new(keys, json_string("not an object"));
    json_array_append_new(keys, json_pack("{s:s, s:s, s:s, s:s}",
        "kty", "RSA", "kid", "bad-n", "n", "!!!", "e", "AQAB"));
    json_array_append_new(keys, json_pack("{s:s, s:s, s:s}",
        "kty", "RSA", "kid", "no-e", "n", "AQAB"));
    json_array_append_new(keys, json_pack("{s:s, s:s, s:s, s:s, s:s}",
        "kty", "RSA", "kid", "alg-none", "alg", "none", "n", "AQAB",
        "e", "AQAB"));

    bad = json_deep_copy(json_array_get(keys, 0));
    json_object_set_new(bad, "use", json_string("enc"));
    json_object_set_new(bad, "kid", json_string("use-enc"));
    json_array_append_new(keys, bad);

    bad = json_deep_copy(json_array_get(keys, 0));
    json_object_set_new(bad, "key_ops", json_pack("[s]", "sign"));
    json_object_set_new(bad, "kid", json_string("ops-sign"));
    json_array_append_new(keys, bad);

    bad = json_deep_copy(json_array_get(keys, 0));
    json_object_set_new(bad, "key_ops", json_pack("[s, s]", "sign",
                                                  "verify"));
    json_object_set_new(bad, "kid", json_string("ops-verify"));
    json_array_append_new(keys, bad);

    bad = json_deep_copy(json_array_get(keys, 0));
    json_object_set_new(bad, "alg", json_string("ES256"));
    json_object_set_new(bad, "kid", json_string("rsa-es256"));
    json_array_append_new(keys, bad);

    bad = json_deep_copy(json_array_get(keys, 0));
    json_object_set_new(bad, "alg", json_string("HS256"));
    json_object_set_new(bad, "kid", json_string("rsa-hs256"));
    json_array_append_new(keys, bad);

    bad = json_deep_copy(json_array_get(keys, 0));
    json_object_set_new(bad, "e", json_string("AQAA"));
    json_object_set_new(bad, "kid", json_string("e-even"));
    json_array_append_new(keys, bad);

    bad = json_deep_copy(json_array_get(keys, 0));
    json_object_set_new(bad, "kid", json_integer(5));
    json_array_append_new(keys, bad);

    text = json_dumps(j, JSON_COMPACT);
    json_decref(j);

    set = set_from(APIGW_JWT_ALGS_ASYMMETRIC, 0, text);

    CHECK(set->nkeys == 5 && set->nskipped == 18,
          "rows 25, 26: 5 good keys of 23 kept (%zu), 18 skipped (%zu)",
          set->nkeys, set->nskipped);

    for (k = 0; k < set->nskipped; k++) {
        NOTE("skipped %d \"%s\": %s", set->skipped[k].index,
             set->skipped[k].kid, set->skipped[k].reason);
    }

    {
        static const struct {
            const char  *kid;
            const char  *reason;
        } want[] = {
            { "off-curve", "not on the curve" },
            { "wrong-crv", "does not suit the curve" },
            { "short-x", "not 48 bytes" },
            { "k1", "curve other than" },
            { "ed448", "other than Ed25519" },
            { "x25519", "other than Ed25519" },
            { "xyz", "unsupported \"kty\"" },
            { "no-kty", "no \"kty\"" },
            { "bad-n", "not base64url" },
            { "no-e", "no \"e\"" },
            { "alg-none", "unsupported \"alg\"" },
            { "use-enc", "\"use\" is not \"sig\"" },
            { "ops-sign", "lacks \"verify\"" },
            { "rsa-es256", "does not suit an RSA key" },
            { "rsa-hs256", "does not suit an RSA key" },
            { "e-even", "an exponent even" }
        };

        for (i = 0; i < (int) (sizeof(want) / sizeof(want[0])); i++) {
            found = 0;

            for (k = 0; k < set->nskipped; k++) {
                if (strcmp(set->skipped[k].kid, want[i].kid) == 0
                    && strstr(set->skipped[k].reason, want[i].reason))
                {
                    found = 1;
                }
            }

            CHECK(found, "row %d: key \"%s\" skipped: %s",
                  i < 3 ? 25 : 26, want[i].kid, want[i].reason);
        }
    }

    CHECK(check(set, NULL, "RS256", rsa_a, NULL, 0, hdr("RS256", "rsa"),
                pay("")) == APIGW_JWT_OK
          && check(set, NULL, "ES256", ec256, NULL, 0, hdr("ES256", "ec"),
                   pay("")) == APIGW_JWT_OK
          && check(set, NULL, "EdDSA", ed, NULL, 0, hdr("EdDSA", "ed"),
                   pay("")) == APIGW_JWT_OK
          && check(set, NULL, "ES384", ec384, NULL, 0, hdr("ES384", "ec384"),
                   pay("")) == APIGW_JWT_OK
          && check(set, NULL, "RS256", rsa_a, NULL, 0,
                   hdr("RS256", "ops-verify"), pay("")) == APIGW_JWT_OK,
          "row 26: the set's good keys verify their tokens");
    CHECK(check(set, NULL, "ES256", ec256, NULL, 0, hdr("ES256", "off-curve"),
                pay("")) == APIGW_JWT_UNKNOWN_KID
          && check(set, NULL, "RS256", rsa_a, NULL, 0, hdr("RS256", "use-enc"),
                   pay("")) == APIGW_JWT_UNKNOWN_KID,
          "rows 25, 26: a skipped key's kid is unknown");

    CHECK(ERR_peek_error() == 0, "the OpenSSL error queue is empty after "
          "loading");

    apigw_jwks_free(set);
    free(text);

    /* documents that are not a JWK set */
    {
        static const char  *docs[] = {
            "", "[]", "{\"keys\":{}}", "{\"keys\":\"x\"}", "{}", "{\"a\":1}",
            "{\"keys\":[],\"keys\":[]}", "{\"keys\":[]", "\"keys\""
        };
        apigw_jwt_error_t  err;

        set = apigw_jwks_create(0, 0);

        for (i = 0; i < (int) (sizeof(docs) / sizeof(docs[0])); i++) {
            CHECK(apigw_jwks_add_json(set, docs[i], strlen(docs[i]), &err)
                  == -1 && err.message[0] != '\0',
                  "not a JWK set: '%s': %s", docs[i], err.message);
        }

        CHECK(apigw_jwks_add_json(set, "{\"keys\":[]}\0", 12, &err) == -1,
              "not a JWK set: a NUL byte");
        CHECK(apigw_jwks_add_json(set, "{\"keys\":[]}", 11, &err) == 0
              && set->nkeys == 0,
              "an empty JWK set: no key, no error");

        apigw_jwks_free(set);
    }

    /* a lone JWK; padding in a JWK member */
    j = jwt_jwk(ec256, "lone", NULL);
    p = (char *) json_string_value(json_object_get(j, "x"));
    q = malloc(strlen(p) + 3);
    sprintf(q, "%s=", p);
    json_object_set_new(j, "x", json_string(q));
    free(q);
    text = json_dumps(j, JSON_COMPACT);
    json_decref(j);

    set = set_from(0, 0, text);

    CHECK(set->nkeys == 1 && strcmp(set->keys[0].kid, "lone") == 0
          && set->keys[0].algs == APIGW_JWT_ALG_BIT(APIGW_JWT_ES256)
          && set->keys[0].bits == 256,
          "a lone JWK (x padded with '='): an ES256 key");

    apigw_jwks_free(set);
    free(text);

    /* an allowlist without a key's algorithm */
    set = set_from(APIGW_JWT_ALG_BIT(APIGW_JWT_RS256), 0, good);

    CHECK(set->nkeys == 1 && set->nskipped == 3
          && strstr(set->skipped[0].reason, "ES256 is not allowed") != NULL
          && strstr(set->skipped[1].reason, "EdDSA is not allowed") != NULL
          && strstr(set->skipped[2].reason, "ES384 is not allowed") != NULL,
          "allowlist RS256: the EC and Ed25519 keys are skipped");

    apigw_jwks_free(set);
    free(good);

    /* the cap on keys */
    j = json_pack("{s:[]}", "keys");

    for (i = 0; i < APIGW_JWKS_MAX_KEYS + 3; i++) {
        json_array_append_new(json_object_get(j, "keys"),
                              jwt_jwk(ed, NULL, NULL));
    }

    text = json_dumps(j, JSON_COMPACT);
    json_decref(j);

    set = set_from(0, 0, text);

    CHECK(set->nkeys == APIGW_JWKS_MAX_KEYS && set->nskipped == 3
          && strstr(set->skipped[0].reason, "more than") != NULL,
          "a set keeps %d keys at most, the others skipped",
          APIGW_JWKS_MAX_KEYS);

    apigw_jwks_free(set);
    free(text);
}


/* keys from configuration: PEM and secrets */
int
main(void)
{
    if (fixtures_init() != 0) {
        return 2;
    }

    test_base64url();
    test_algs();
    test_each_alg();
    test_attacks();
    test_jwks();

    fixtures_free();

    return unit_done();
}
