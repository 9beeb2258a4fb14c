
/*
 * Copyright (C) apigw contributors
 */


#ifndef _APIGW_JWT_FIXTURES_H_INCLUDED_
#define _APIGW_JWT_FIXTURES_H_INCLUDED_


/*
 * What the JWT unit tests share: keys made at the start with OpenSSL,
 * tokens minted with OpenSSL directly (tools/apigw_jwt_sign.h, its own
 * base64url), JWK sets and PEM texts of those keys, and verify()/check()
 * around the verifier.  Included by test_jwt.c and test_jwt_keys.c.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/encoder.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "apigw_jwt.h"
#include "../../tools/apigw_jwt_sign.h"
#include "unit.h"


#define NOW         1700000000LL


static EVP_PKEY        *rsa_a, *rsa_b, *rsa_small, *ec256, *ec256b, *ec384,
                       *ec521, *ed, *edb;
static unsigned char    hs32[32], hs48[48], hs64[64];
static const char      *scopes_none[] UNIT_UNUSED = { NULL };


/* deterministic: the same tokens each run */
static unsigned long  rnd_state = 88172645463325252UL;

static UNIT_UNUSED unsigned long
rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;

    return rnd_state;
}


static UNIT_UNUSED char *
mint(const char *alg, EVP_PKEY *pkey, const unsigned char *secret,
    size_t secret_len, const char *header, const char *payload)
{
    char  *t;

    t = jwt_mint(alg, pkey, secret, secret_len, header, strlen(header),
                 payload, strlen(payload));
    if (t == NULL) {
        fprintf(stderr, "cannot mint %s\n", alg);
        exit(2);
    }

    return t;
}


/* a header {"alg":alg,"typ":"JWT"[,"kid":kid]} */
static UNIT_UNUSED const char *
hdr(const char *alg, const char *kid)
{
    static char  buf[256];

    if (kid != NULL) {
        snprintf(buf, sizeof(buf), "{\"alg\":\"%s\",\"typ\":\"JWT\","
                 "\"kid\":\"%s\"}", alg, kid);

    } else {
        snprintf(buf, sizeof(buf), "{\"alg\":\"%s\",\"typ\":\"JWT\"}", alg);
    }

    return buf;
}


/* a payload with exp an hour after NOW and more */
static UNIT_UNUSED const char *
pay(const char *more)
{
    static char  buf[4096];

    snprintf(buf, sizeof(buf), "{\"sub\":\"alice\",\"exp\":%lld%s%s}",
             NOW + 3600, more[0] ? "," : "", more);

    return buf;
}


static UNIT_UNUSED char *
jwks_of(int n, ...)
{
    char     *text;
    json_t   *set, *keys, *jwk;
    va_list   args;

    set = json_object();
    keys = json_array();
    json_object_set_new(set, "keys", keys);

    va_start(args, n);

    while (n-- > 0) {
        EVP_PKEY    *pkey = va_arg(args, EVP_PKEY *);
        const char  *kid = va_arg(args, const char *);
        const char  *alg = va_arg(args, const char *);

        jwk = jwt_jwk(pkey, kid, alg);
        if (jwk == NULL) {
            fprintf(stderr, "cannot write a JWK\n");
            exit(2);
        }

        json_array_append_new(keys, jwk);
    }

    va_end(args);

    text = json_dumps(set, JSON_COMPACT);
    json_decref(set);

    return text;
}


static UNIT_UNUSED apigw_jwks_t *
set_from(apigw_jwt_algs_t algs, unsigned flags, const char *json)
{
    apigw_jwks_t       *set;
    apigw_jwt_error_t   err;

    set = apigw_jwks_create(algs, flags);
    if (set == NULL || apigw_jwks_add_json(set, json, strlen(json), &err) < 0)
    {
        fprintf(stderr, "a key set fails: %s\n", err.message);
        exit(2);
    }

    return set;
}


static UNIT_UNUSED char *
pem_public(EVP_PKEY *pkey, const char *structure)
{
    BIO                *bio;
    char               *data, *pem;
    long                n;
    OSSL_ENCODER_CTX   *ectx;

    bio = BIO_new(BIO_s_mem());

    ectx = OSSL_ENCODER_CTX_new_for_pkey(pkey, EVP_PKEY_PUBLIC_KEY, "PEM",
                                         structure, NULL);
    if (ectx == NULL || OSSL_ENCODER_to_bio(ectx, bio) != 1) {
        fprintf(stderr, "cannot write a PEM key\n");
        exit(2);
    }

    OSSL_ENCODER_CTX_free(ectx);

    n = BIO_get_mem_data(bio, &data);
    pem = malloc(n + 1);
    memcpy(pem, data, n);
    pem[n] = '\0';
    BIO_free(bio);

    return pem;
}


static UNIT_UNUSED char *
pem_private(EVP_PKEY *pkey)
{
    BIO   *bio;
    char  *data, *pem;
    long   n;

    bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL);
    n = BIO_get_mem_data(bio, &data);
    pem = malloc(n + 1);
    memcpy(pem, data, n);
    pem[n] = '\0';
    BIO_free(bio);

    return pem;
}


static UNIT_UNUSED char *
pem_cert(EVP_PKEY *pkey)
{
    BIO   *bio;
    X509  *x;
    char  *data, *pem;
    long   n;

    x = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, pkey);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                               (const unsigned char *) "idp", -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    X509_sign(x, pkey, EVP_sha256());

    bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, x);
    n = BIO_get_mem_data(bio, &data);
    pem = malloc(n + 1);
    memcpy(pem, data, n);
    pem[n] = '\0';
    BIO_free(bio);
    X509_free(x);

    return pem;
}


static UNIT_UNUSED apigw_jwt_status_e
verify(const apigw_jwks_t *set, const apigw_jwt_policy_t *policy,
    const char *token, apigw_jwt_t **jwt)
{
    apigw_jwt_t         *j;
    apigw_jwt_policy_t   p;
    apigw_jwt_error_t    err;
    apigw_jwt_status_e   rc;

    if (policy == NULL) {
        apigw_jwt_policy_init(&p);
        policy = &p;
    }

    rc = apigw_jwt_verify(set, policy, token, strlen(token), NOW, &j, &err);

    if ((rc == APIGW_JWT_OK) != (j != NULL) || rc != err.status) {
        printf("# inconsistent result %d\n", rc);
        return APIGW_JWT_ERROR;
    }

    if (rc != APIGW_JWT_OK && (err.message[0] == '\0'
                               || (token[0] != '\0'
                                   && strstr(err.message, token) != NULL)))
    {
        printf("# a bad message: \"%s\"\n", err.message);
        return APIGW_JWT_ERROR;
    }

    /* nothing left for nginx's "ignoring stale global SSL error" */
    if (ERR_peek_error() != 0) {
        printf("# the OpenSSL error queue is not empty\n");
        ERR_clear_error();
        return APIGW_JWT_ERROR;
    }

    if (jwt != NULL) {
        *jwt = j;

    } else {
        apigw_jwt_free(j);
    }

    if (rc != APIGW_JWT_OK && getenv("APIGW_JWT_VERBOSE")) {
        printf("# %s: %s\n", apigw_jwt_status_name(rc), err.message);
    }

    return rc;
}


/* status of a token minted with alg and key (or secret) */
static UNIT_UNUSED apigw_jwt_status_e
check(const apigw_jwks_t *set, const apigw_jwt_policy_t *policy,
    const char *alg, EVP_PKEY *pkey, const unsigned char *secret,
    size_t secret_len, const char *header, const char *payload)
{
    char                *t;
    apigw_jwt_status_e   rc;

    t = mint(alg, pkey, secret, secret_len, header, payload);
    rc = verify(set, policy, t, NULL);
    free(t);

    return rc;
}




static UNIT_UNUSED int
fixtures_init(void)
{
    unsigned long  i;

    rsa_a = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) 2048);
    rsa_b = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) 2048);
    rsa_small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) 1024);
    ec256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    ec256b = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    ec384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    ec521 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
    ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    edb = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");

    if (rsa_a == NULL || rsa_b == NULL || rsa_small == NULL || ec256 == NULL
        || ec256b == NULL || ec384 == NULL || ec521 == NULL || ed == NULL
        || edb == NULL)
    {
        fprintf(stderr, "cannot make keys\n");
        return -1;
    }

    for (i = 0; i < 64; i++) {
        hs64[i] = (unsigned char) rnd();
        hs48[i % 48] = (unsigned char) rnd();
        hs32[i % 32] = (unsigned char) rnd();
    }

    return 0;
}


static UNIT_UNUSED void
fixtures_free(void)
{
    EVP_PKEY_free(rsa_a);
    EVP_PKEY_free(rsa_b);
    EVP_PKEY_free(rsa_small);
    EVP_PKEY_free(ec256);
    EVP_PKEY_free(ec256b);
    EVP_PKEY_free(ec384);
    EVP_PKEY_free(ec521);
    EVP_PKEY_free(ed);
    EVP_PKEY_free(edb);
}


#endif /* _APIGW_JWT_FIXTURES_H_INCLUDED_ */
