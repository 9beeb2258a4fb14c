
/*
 * Copyright (C) apigw contributors
 */


#ifndef _APIGW_JWT_H_INCLUDED_
#define _APIGW_JWT_H_INCLUDED_


/*
 * JSON Web Tokens, nginx-free: apigw_jwk.c turns JWKs, JWK sets, PEM
 * public keys and HMAC secrets into a key set of ready OpenSSL contexts
 * and checks signatures; apigw_jwt.c parses a compact JWS strictly, picks
 * its key and checks its claims against a policy.
 *
 * The algorithm is the key's, never the token's: a key verifies only the
 * algorithms it was loaded for (its JWK's "alg", or what its type allows
 * of the set's allowlist), and a token's "alg" must be one of them.
 *
 * A key set holds OpenSSL contexts that verifying reuses: one thread uses
 * a set at a time (each nginx worker builds its own).
 */

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <openssl/evp.h>


#define APIGW_JWT_MAX_LEN           8192    /* default token length cap */
#define APIGW_JWT_LEEWAY            60      /* default clock skew, s */
#define APIGW_JWT_MAX_TRIES         4       /* keys tried for one token */
#define APIGW_JWKS_MAX_KEYS         64      /* usable keys in one set */
#define APIGW_JWK_RSA_MIN_BITS      2048
#define APIGW_JWK_RSA_MAX_BITS      8192
#define APIGW_JWT_MSG_LEN           128
#define APIGW_JWK_KID_LEN           64      /* of a skipped key's kid */


typedef enum {
    APIGW_JWT_ALG_UNKNOWN = 0,
    APIGW_JWT_HS256,
    APIGW_JWT_HS384,
    APIGW_JWT_HS512,
    APIGW_JWT_RS256,
    APIGW_JWT_RS384,
    APIGW_JWT_RS512,
    APIGW_JWT_PS256,
    APIGW_JWT_PS384,
    APIGW_JWT_PS512,
    APIGW_JWT_ES256,
    APIGW_JWT_ES384,
    APIGW_JWT_ES512,
    APIGW_JWT_EDDSA,
    APIGW_JWT_NALGS
} apigw_jwt_alg_e;

/* a set of algorithms: bit (1 << alg) */
typedef uint32_t  apigw_jwt_algs_t;

#define APIGW_JWT_ALG_BIT(alg)      ((apigw_jwt_algs_t) 1 << (alg))
#define APIGW_JWT_ALGS_HS                                                     \
    (APIGW_JWT_ALG_BIT(APIGW_JWT_HS256) | APIGW_JWT_ALG_BIT(APIGW_JWT_HS384)  \
     | APIGW_JWT_ALG_BIT(APIGW_JWT_HS512))
#define APIGW_JWT_ALGS_RS                                                     \
    (APIGW_JWT_ALG_BIT(APIGW_JWT_RS256) | APIGW_JWT_ALG_BIT(APIGW_JWT_RS384)  \
     | APIGW_JWT_ALG_BIT(APIGW_JWT_RS512))
#define APIGW_JWT_ALGS_PS                                                     \
    (APIGW_JWT_ALG_BIT(APIGW_JWT_PS256) | APIGW_JWT_ALG_BIT(APIGW_JWT_PS384)  \
     | APIGW_JWT_ALG_BIT(APIGW_JWT_PS512))
#define APIGW_JWT_ALGS_ES                                                     \
    (APIGW_JWT_ALG_BIT(APIGW_JWT_ES256) | APIGW_JWT_ALG_BIT(APIGW_JWT_ES384)  \
     | APIGW_JWT_ALG_BIT(APIGW_JWT_ES512))
#define APIGW_JWT_ALGS_RSA          (APIGW_JWT_ALGS_RS | APIGW_JWT_ALGS_PS)
#define APIGW_JWT_ALGS_ASYMMETRIC                                             \
    (APIGW_JWT_ALGS_RSA | APIGW_JWT_ALGS_ES                                   \
     | APIGW_JWT_ALG_BIT(APIGW_JWT_EDDSA))
#define APIGW_JWT_ALGS_ALL                                                    \
    (APIGW_JWT_ALGS_ASYMMETRIC | APIGW_JWT_ALGS_HS)


/*
 * Why a token was refused.  The glue answers 401 invalid_token for all
 * but APIGW_JWT_INSUFFICIENT_SCOPE (403) and APIGW_JWT_ERROR (500).
 */
typedef enum {
    APIGW_JWT_OK = 0,
    APIGW_JWT_MALFORMED,            /* not a compact JWS, base64url, JSON */
    APIGW_JWT_TOO_LONG,             /* over the length cap */
    APIGW_JWT_BAD_HEADER,           /* crit, kid or typ not a string, ... */
    APIGW_JWT_BAD_ALG,              /* none, unknown, not allowed, not the
                                       key's */
    APIGW_JWT_UNKNOWN_KID,          /* no key of the set has that kid */
    APIGW_JWT_NO_KEY,               /* no key of the set for that alg */
    APIGW_JWT_BAD_SIGNATURE,
    APIGW_JWT_BAD_TYPE,             /* typ is not the one required */
    APIGW_JWT_BAD_ISSUER,
    APIGW_JWT_BAD_AUDIENCE,
    APIGW_JWT_EXPIRED,              /* exp + leeway <= now */
    APIGW_JWT_NOT_YET_VALID,        /* nbf (or iat) > now + leeway */
    APIGW_JWT_BAD_CLAIMS,           /* no exp, a date not a number, ... */
    APIGW_JWT_CLAIM_MISMATCH,       /* a claim rule of the policy */
    APIGW_JWT_INSUFFICIENT_SCOPE,   /* apigw_jwt_has_scopes() for the glue */
    APIGW_JWT_ERROR                 /* out of memory, OpenSSL failed */
} apigw_jwt_status_e;

/* a message never holds the token, a secret or a value from the token */
typedef struct {
    apigw_jwt_status_e      status;
    char                    message[APIGW_JWT_MSG_LEN];
} apigw_jwt_error_t;


typedef enum {
    APIGW_JWK_RSA = 1,
    APIGW_JWK_EC,
    APIGW_JWK_OKP,
    APIGW_JWK_OCT
} apigw_jwk_kty_e;

/* one usable key: a context ready for each algorithm it verifies */
typedef struct {
    char                   *kid;            /* NULL: none */
    size_t                  kid_len;
    apigw_jwk_kty_e         kty;
    apigw_jwt_algs_t        algs;           /* never empty */
    unsigned                bits;           /* RSA modulus, EC field */
    EVP_PKEY               *pkey;           /* RSA, EC, OKP */
    void                   *ctx[APIGW_JWT_NALGS];   /* EVP_PKEY_CTX (RSA,
                                                       EC), EVP_MD_CTX
                                                       (EdDSA), EVP_MAC_CTX
                                                       (HS) */
} apigw_jwk_t;

/* a key left out of a set, and why */
typedef struct {
    int                     index;          /* in "keys"; -1: a lone JWK */
    char                    kid[APIGW_JWK_KID_LEN];     /* printable */
    char                    reason[APIGW_JWT_MSG_LEN];
} apigw_jwk_skip_t;

#define APIGW_JWKS_ALLOW_OCT        0x01    /* oct JWKs from documents */

typedef struct {
    apigw_jwt_algs_t        algs;           /* the allowlist */
    unsigned                flags;
    apigw_jwk_t            *keys;
    size_t                  nkeys;
    apigw_jwk_skip_t       *skipped;
    size_t                  nskipped;
    EVP_MD                 *md[3];          /* SHA-256, -384, -512 */
    EVP_MD_CTX             *mdctx;          /* for the digests */
    EVP_MAC                *hmac;
} apigw_jwks_t;


/*
 * A set for the algorithms of algs (0: APIGW_JWT_ALGS_ASYMMETRIC);
 * flags: APIGW_JWKS_ALLOW_OCT.  NULL: out of memory or OpenSSL failed.
 */
apigw_jwks_t *apigw_jwks_create(apigw_jwt_algs_t algs, unsigned flags);
void apigw_jwks_free(apigw_jwks_t *set);

/*
 * A JWK set ({"keys": [...]}) or one JWK, as JSON text: each usable key is
 * added, each other one noted in set->skipped with the reason.  Returns
 * the number of keys added, or -1 when the text is not a JWK set or a JWK
 * at all (err says why).
 */
int apigw_jwks_add_json(apigw_jwks_t *set, const char *text, size_t len,
    apigw_jwt_error_t *err);

/*
 * Keys from configuration, refused (-1, err) rather than skipped when
 * unusable.  alg APIGW_JWT_ALG_UNKNOWN: what the key's type allows of the
 * allowlist.  kid NULL: none.
 *   - a PEM public key ("PUBLIC KEY", "RSA PUBLIC KEY") or a certificate
 *     (its key; nothing else of it is checked); never a private key;
 *   - an HMAC secret (raw bytes), at least as long as the hash.
 */
int apigw_jwks_add_pem(apigw_jwks_t *set, const char *pem, size_t len,
    const char *kid, apigw_jwt_alg_e alg, apigw_jwt_error_t *err);
int apigw_jwks_add_secret(apigw_jwks_t *set, const unsigned char *secret,
    size_t len, const char *kid, apigw_jwt_alg_e alg, apigw_jwt_error_t *err);

/* 1: sig is the signature of in by key with alg (one of key->algs) */
int apigw_jwk_verify(const apigw_jwks_t *set, const apigw_jwk_t *key,
    apigw_jwt_alg_e alg, const unsigned char *in, size_t len,
    const unsigned char *sig, size_t siglen);


/* one claim the policy asks for, as AWS's additionalClaims */
typedef struct {
    const char             *name;
    json_t                 *values;     /* accepted values (json_equal());
                                           NULL or []: any */
    unsigned                required:1; /* else absent passes */
} apigw_jwt_claim_rule_t;

/* what a token must satisfy besides its signature; the caller owns it */
typedef struct {
    apigw_jwt_algs_t        algs;       /* 0: those of the keys */
    size_t                  max_len;    /* token length cap */
    int64_t                 leeway;     /* s, for exp, nbf, iat */
    const char             *issuer;     /* NULL: iss not checked */
    const char *const      *audiences;  /* none: aud not checked */
    size_t                  naudiences;
    const char             *typ;        /* NULL: typ not checked */
    const apigw_jwt_claim_rule_t  *claims;
    size_t                  nclaims;
    unsigned                exp_optional:1;
    unsigned                check_iat:1;    /* iat > now + leeway refused */
    unsigned                client_id_aud:1;    /* client_id stands for a
                                                   missing aud (AWS HTTP) */
} apigw_jwt_policy_t;

/* a parsed (and, from apigw_jwt_verify(), verified) token */
typedef struct {
    apigw_jwt_alg_e         alg;
    json_t                 *header;
    json_t                 *claims;     /* the payload, every claim */
    const char             *kid;        /* in header, or NULL */
    const char             *typ;        /* in header, or NULL */
    const char             *sub;        /* in claims, or NULL */
    const char             *iss;        /* in claims, or NULL */
    int64_t                 exp;        /* s, rounded down */
    int64_t                 nbf;
    int64_t                 iat;
    unsigned                has_exp:1;
    unsigned                has_nbf:1;
    unsigned                has_iat:1;
    const char            **scopes;     /* "scope" then "scp" */
    size_t                  nscopes;
} apigw_jwt_t;


/* policy defaults: length cap, leeway, exp required, nothing else */
void apigw_jwt_policy_init(apigw_jwt_policy_t *policy);

/*
 * The token (without "Bearer "), its signature by a key of set and its
 * claims against policy at time now (s since the epoch).  APIGW_JWT_OK:
 * *jwt is the verified token, to free with apigw_jwt_free(); otherwise
 * *jwt is NULL and err says why.
 */
apigw_jwt_status_e apigw_jwt_verify(const apigw_jwks_t *set,
    const apigw_jwt_policy_t *policy, const char *token, size_t len,
    int64_t now, apigw_jwt_t **jwt, apigw_jwt_error_t *err);

/*
 * The token parsed with the same strictness but nothing verified: for
 * tools and tests only; max_len 0: APIGW_JWT_MAX_LEN.
 */
apigw_jwt_status_e apigw_jwt_parse(const char *token, size_t len,
    size_t max_len, apigw_jwt_t **jwt, apigw_jwt_error_t *err);

/* exp, nbf, iat again at time now: for a verified token kept in a cache */
apigw_jwt_status_e apigw_jwt_check_time(const apigw_jwt_t *jwt,
    const apigw_jwt_policy_t *policy, int64_t now, apigw_jwt_error_t *err);

/* 1: the token has that scope; every one of scopes */
int apigw_jwt_has_scope(const apigw_jwt_t *jwt, const char *scope,
    size_t len);
int apigw_jwt_has_scopes(const apigw_jwt_t *jwt, const char *const *scopes,
    size_t n);

void apigw_jwt_free(apigw_jwt_t *jwt);

/* "expired", "bad_signature", ...: for logs and metrics */
const char *apigw_jwt_status_name(apigw_jwt_status_e status);

/* the JOSE name, exactly ("RS256"); APIGW_JWT_ALG_UNKNOWN for others */
apigw_jwt_alg_e apigw_jwt_alg_parse(const char *name, size_t len);
const char *apigw_jwt_alg_name(apigw_jwt_alg_e alg);


/*
 * base64url without padding (RFC 7515 section 2): only [A-Za-z0-9_-], no
 * length of 1 mod 4, the unused bits zero.  out holds len * 3 / 4 bytes;
 * 0 or -1.
 */
int apigw_b64url_decode(const char *in, size_t len, unsigned char *out,
    size_t *outlen);
/* out holds (len * 4 + 2) / 3 + 1 bytes; NUL-terminated; the length */
size_t apigw_b64url_encode(const unsigned char *in, size_t len, char *out);


#endif /* _APIGW_JWT_H_INCLUDED_ */
