
/*
 * Copyright (C) apigw contributors
 */


#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apigw_core.h"
#include "apigw_jwt.h"


/*
 * Compact JWS tokens (RFC 7515, RFC 7519), strictly:
 *
 *   - the length is capped before anything is decoded;
 *   - exactly three segments of [A-Za-z0-9_-], no padding, no other byte;
 *   - header and payload JSON objects without duplicate members or NUL;
 *   - "alg" one of the supported names exactly ("none" never is), "crit"
 *     refused whatever it lists, "enc" (a JWE) refused; "jku", "x5u",
 *     "jwk", "x5c" never looked at;
 *   - "kid" only as an exact key into the set.
 *
 * The signature is checked before the payload is parsed.  Then the claims,
 * identity first (typ, iss, aud), then the dates, so that "expired" is
 * said only of a token that would otherwise pass, then the claim rules.
 */


#define APIGW_JWT_MAX_DEPTH     32
#define APIGW_JWT_STACK_BUF     (APIGW_JWT_MAX_LEN / 4 * 3 + 16)


/* a token's three segments, decoded */
typedef struct {
    unsigned char          *buf;        /* the decoded segments */
    unsigned char          *payload;
    size_t                  payload_len;
    unsigned char          *sig;
    size_t                  sig_len;
    size_t                  signed_len; /* header "." payload */
    unsigned char           stack[APIGW_JWT_STACK_BUF];
} apigw_jwt_segments_t;


static apigw_jwt_status_e apigw_jwt_decode(const char *token, size_t len,
    size_t max_len, apigw_jwt_t *jwt, apigw_jwt_segments_t *seg,
    apigw_jwt_error_t *err);
static json_t *apigw_jwt_json(const unsigned char *text, size_t len);
static apigw_jwt_status_e apigw_jwt_header(apigw_jwt_t *jwt,
    apigw_jwt_error_t *err);
static apigw_jwt_status_e apigw_jwt_payload(apigw_jwt_t *jwt,
    const apigw_jwt_segments_t *seg, apigw_jwt_error_t *err);
static apigw_jwt_status_e apigw_jwt_string(json_t *obj, const char *name,
    apigw_jwt_status_e bad, const char **out, apigw_jwt_error_t *err);
static apigw_jwt_status_e apigw_jwt_signature(const apigw_jwks_t *set,
    const apigw_jwt_policy_t *policy, apigw_jwt_t *jwt,
    const unsigned char *in, size_t len, const unsigned char *sig,
    size_t siglen, apigw_jwt_error_t *err);
static apigw_jwt_status_e apigw_jwt_claims(const apigw_jwt_t *jwt,
    const apigw_jwt_policy_t *policy, int64_t now, apigw_jwt_error_t *err);
static apigw_jwt_status_e apigw_jwt_audience(const apigw_jwt_t *jwt,
    const apigw_jwt_policy_t *policy, apigw_jwt_error_t *err);
static apigw_jwt_status_e apigw_jwt_date(apigw_jwt_t *jwt, const char *name,
    int up, int64_t *value, apigw_jwt_error_t *err);
static int apigw_jwt_typ_equal(const char *a, const char *b);
static apigw_jwt_status_e apigw_jwt_scopes(apigw_jwt_t *jwt,
    apigw_jwt_error_t *err);
static size_t apigw_jwt_scope_split(const char *s, size_t len,
    const char **scopes, char *p);
static apigw_jwt_status_e apigw_jwt_fail(apigw_jwt_error_t *err,
    apigw_jwt_status_e status, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;



/* 0xff: not in the base64url alphabet */
static const unsigned char  apigw_b64url_map[256] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,   62, 0xff, 0xff,
      52,   53,   54,   55,   56,   57,   58,   59,   60,   61, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff,    0,    1,    2,    3,    4,    5,    6,
       7,    8,    9,   10,   11,   12,   13,   14,   15,   16,   17,   18,
      19,   20,   21,   22,   23,   24,   25, 0xff, 0xff, 0xff, 0xff,   63,
    0xff,   26,   27,   28,   29,   30,   31,   32,   33,   34,   35,   36,
      37,   38,   39,   40,   41,   42,   43,   44,   45,   46,   47,   48,
      49,   50,   51, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff
};

static const char  apigw_b64url_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static const char  *apigw_jwt_status_names[] = {
    "ok",
    "malformed",
    "too_long",
    "bad_header",
    "bad_alg",
    "unknown_kid",
    "no_key",
    "bad_signature",
    "bad_type",
    "bad_issuer",
    "bad_audience",
    "expired",
    "not_yet_valid",
    "bad_claims",
    "claim_mismatch",
    "insufficient_scope",
    "error"
};


void
apigw_jwt_policy_init(apigw_jwt_policy_t *policy)
{
    memset(policy, 0, sizeof(apigw_jwt_policy_t));

    policy->max_len = APIGW_JWT_MAX_LEN;
    policy->leeway = APIGW_JWT_LEEWAY;
}


apigw_jwt_status_e
apigw_jwt_verify(const apigw_jwks_t *set, const apigw_jwt_policy_t *policy,
    const char *token, size_t len, int64_t now, apigw_jwt_t **out,
    apigw_jwt_error_t *err)
{
    apigw_jwt_t           *jwt;
    apigw_jwt_status_e     rc;
    apigw_jwt_segments_t   seg;

    *out = NULL;
    seg.buf = NULL;

    jwt = calloc(1, sizeof(apigw_jwt_t));
    if (jwt == NULL) {
        return apigw_jwt_fail(err, APIGW_JWT_ERROR, "out of memory");
    }

    rc = apigw_jwt_decode(token, len, policy->max_len, jwt, &seg, err);
    if (rc != APIGW_JWT_OK) {
        goto failed;
    }

    rc = apigw_jwt_signature(set, policy, jwt, (const unsigned char *) token,
                             seg.signed_len, seg.sig, seg.sig_len, err);
    if (rc != APIGW_JWT_OK) {
        goto failed;
    }

    /* signed: now the payload is worth parsing */
    rc = apigw_jwt_payload(jwt, &seg, err);
    if (rc != APIGW_JWT_OK) {
        goto failed;
    }

    rc = apigw_jwt_claims(jwt, policy, now, err);
    if (rc != APIGW_JWT_OK) {
        goto failed;
    }

    if (seg.buf != seg.stack) {
        free(seg.buf);
    }

    *out = jwt;

    err->status = APIGW_JWT_OK;
    err->message[0] = '\0';

    return APIGW_JWT_OK;

failed:

    if (seg.buf != seg.stack) {
        free(seg.buf);
    }

    apigw_jwt_free(jwt);

    return rc;
}


apigw_jwt_status_e
apigw_jwt_parse(const char *token, size_t len, size_t max_len,
    apigw_jwt_t **out, apigw_jwt_error_t *err)
{
    apigw_jwt_t           *jwt;
    apigw_jwt_status_e     rc;
    apigw_jwt_segments_t   seg;

    *out = NULL;
    seg.buf = NULL;

    jwt = calloc(1, sizeof(apigw_jwt_t));
    if (jwt == NULL) {
        return apigw_jwt_fail(err, APIGW_JWT_ERROR, "out of memory");
    }

    rc = apigw_jwt_decode(token, len, max_len, jwt, &seg, err);

    if (rc == APIGW_JWT_OK) {
        rc = apigw_jwt_payload(jwt, &seg, err);
    }

    if (seg.buf != seg.stack) {
        free(seg.buf);
    }

    if (rc != APIGW_JWT_OK) {
        apigw_jwt_free(jwt);
        return rc;
    }

    *out = jwt;

    return APIGW_JWT_OK;
}


/*
 * Exactly three segments, each base64url (which decoding checks), the
 * header parsed and checked; the payload decoded but not parsed
 */

static apigw_jwt_status_e
apigw_jwt_decode(const char *token, size_t len, size_t max_len,
    apigw_jwt_t *jwt, apigw_jwt_segments_t *seg, apigw_jwt_error_t *err)
{
    size_t       hlen, plen, slen, n;
    const char  *d0, *d1;

    if (max_len == 0) {
        max_len = APIGW_JWT_MAX_LEN;
    }

    if (len > max_len) {
        return apigw_jwt_fail(err, APIGW_JWT_TOO_LONG,
                              "a token of %zu bytes, over the limit of %zu",
                              len, max_len);
    }

    d0 = memchr(token, '.', len);
    d1 = d0 ? memchr(d0 + 1, '.', len - (d0 + 1 - token)) : NULL;

    if (d1 == NULL) {
        return apigw_jwt_fail(err, APIGW_JWT_MALFORMED,
                              "not three segments separated by dots");
    }

    if (memchr(d1 + 1, '.', len - (d1 + 1 - token)) != NULL) {
        return apigw_jwt_fail(err, APIGW_JWT_MALFORMED,
                              "more than three segments (a JWE?)");
    }

    hlen = d0 - token;
    plen = d1 - d0 - 1;
    slen = len - (d1 + 1 - token);

    if (hlen == 0 || plen == 0) {
        return apigw_jwt_fail(err, APIGW_JWT_MALFORMED, "an empty segment");
    }

    /* the decoded segments one after another: len * 3 / 4 bytes at most */
    n = hlen * 3 / 4 + plen * 3 / 4 + slen * 3 / 4 + 3;

    if (n <= sizeof(seg->stack)) {
        seg->buf = seg->stack;

    } else {
        seg->buf = malloc(n);
        if (seg->buf == NULL) {
            return apigw_jwt_fail(err, APIGW_JWT_ERROR, "out of memory");
        }
    }

    if (apigw_b64url_decode(token, hlen, seg->buf, &n) != 0) {
        return apigw_jwt_fail(err, APIGW_JWT_MALFORMED,
                              "the header is not base64url");
    }

    seg->payload = seg->buf + n;

    if (apigw_b64url_decode(d0 + 1, plen, seg->payload, &seg->payload_len)
        != 0)
    {
        return apigw_jwt_fail(err, APIGW_JWT_MALFORMED,
                              "the payload is not base64url");
    }

    seg->sig = seg->payload + seg->payload_len;

    if (apigw_b64url_decode(d1 + 1, slen, seg->sig, &seg->sig_len) != 0) {
        return apigw_jwt_fail(err, APIGW_JWT_MALFORMED,
                              "the signature is not base64url");
    }

    seg->signed_len = d1 - token;

    jwt->header = apigw_jwt_json(seg->buf, n);

    if (jwt->header == NULL) {
        return apigw_jwt_fail(err, APIGW_JWT_MALFORMED,
                              "the header is not a JSON object (without "
                              "duplicate members or NUL)");
    }

    if (apigw_jwt_header(jwt, err) != APIGW_JWT_OK) {
        return err->status;
    }

    if (seg->sig_len == 0) {
        return apigw_jwt_fail(err, APIGW_JWT_BAD_SIGNATURE,
                              "an empty signature");
    }

    return APIGW_JWT_OK;
}


/* a decoded segment parsed: an object, or NULL */

static json_t *
apigw_jwt_json(const unsigned char *text, size_t len)
{
    char     errbuf[8];
    json_t  *json;

    if (memchr(text, '\0', len) != NULL) {
        return NULL;
    }

    /* RFC 8259, UTF-8, no duplicate members, no NUL, numbers that fit */
    json = apigw_json_parse((const char *) text, len, APIGW_JWT_MAX_DEPTH,
                            errbuf, sizeof(errbuf));

    if (json != NULL && !json_is_object(json)) {
        json_decref(json);
        return NULL;
    }

    return json;
}


static apigw_jwt_status_e
apigw_jwt_header(apigw_jwt_t *jwt, apigw_jwt_error_t *err)
{
    json_t      *v;
    const char  *alg;

    v = json_object_get(jwt->header, "alg");

    if (!json_is_string(v)) {
        return apigw_jwt_fail(err, APIGW_JWT_MALFORMED,
                              "the header has no \"alg\" string");
    }

    alg = json_string_value(v);

    if (strcasecmp(alg, "none") == 0) {
        return apigw_jwt_fail(err, APIGW_JWT_BAD_ALG,
                              "\"alg\": \"none\" (an unsigned token)");
    }

    jwt->alg = apigw_jwt_alg_parse(alg, json_string_length(v));

    if (jwt->alg == APIGW_JWT_ALG_UNKNOWN) {
        return apigw_jwt_fail(err, APIGW_JWT_BAD_ALG,
                              "an unsupported \"alg\"");
    }

    /* RFC 7515 4.1.11: no extension is understood, so none may be crit */
    if (json_object_get(jwt->header, "crit") != NULL) {
        return apigw_jwt_fail(err, APIGW_JWT_BAD_HEADER,
                              "the header has \"crit\"");
    }

    if (json_object_get(jwt->header, "enc") != NULL) {
        return apigw_jwt_fail(err, APIGW_JWT_MALFORMED,
                              "the header has \"enc\" (a JWE)");
    }

    if (apigw_jwt_string(jwt->header, "kid", APIGW_JWT_BAD_HEADER,
                         &jwt->kid, err)
        != APIGW_JWT_OK)
    {
        return err->status;
    }

    if (apigw_jwt_string(jwt->header, "typ", APIGW_JWT_BAD_HEADER,
                         &jwt->typ, err)
        != APIGW_JWT_OK)
    {
        return err->status;
    }

    return APIGW_JWT_OK;
}


static apigw_jwt_status_e
apigw_jwt_payload(apigw_jwt_t *jwt, const apigw_jwt_segments_t *seg,
    apigw_jwt_error_t *err)
{
    jwt->claims = apigw_jwt_json(seg->payload, seg->payload_len);

    if (jwt->claims == NULL) {
        return apigw_jwt_fail(err, APIGW_JWT_MALFORMED,
                              "the payload is not a JSON object (without "
                              "duplicate members or NUL)");
    }

    if (apigw_jwt_string(jwt->claims, "sub", APIGW_JWT_BAD_CLAIMS,
                         &jwt->sub, err)
        != APIGW_JWT_OK)
    {
        return err->status;
    }

    if (apigw_jwt_string(jwt->claims, "iss", APIGW_JWT_BAD_CLAIMS,
                         &jwt->iss, err)
        != APIGW_JWT_OK)
    {
        return err->status;
    }

    if (apigw_jwt_date(jwt, "exp", 0, &jwt->exp, err) != APIGW_JWT_OK
        || apigw_jwt_date(jwt, "nbf", 1, &jwt->nbf, err) != APIGW_JWT_OK
        || apigw_jwt_date(jwt, "iat", 1, &jwt->iat, err) != APIGW_JWT_OK)
    {
        return err->status;
    }

    return apigw_jwt_scopes(jwt, err);
}


/* an optional string member: absent, or a string, else bad */
static apigw_jwt_status_e
apigw_jwt_string(json_t *obj, const char *name, apigw_jwt_status_e bad,
    const char **out, apigw_jwt_error_t *err)
{
    json_t  *v;

    v = json_object_get(obj, name);

    if (v == NULL) {
        return APIGW_JWT_OK;
    }

    if (!json_is_string(v)) {
        return apigw_jwt_fail(err, bad, "\"%s\" is not a string", name);
    }

    *out = json_string_value(v);

    return APIGW_JWT_OK;
}


/*
 * The keys: those with the token's kid, then those without a kid (keys
 * from configuration); for a token without kid, every key.  Of these,
 * those for the token's alg, APIGW_JWT_MAX_TRIES at most.
 */

static apigw_jwt_status_e
apigw_jwt_signature(const apigw_jwks_t *set, const apigw_jwt_policy_t *policy,
    apigw_jwt_t *jwt, const unsigned char *in, size_t len,
    const unsigned char *sig, size_t siglen, apigw_jwt_error_t *err)
{
    int                 pass;
    size_t              i, kid_len, tries, named;
    apigw_jwt_algs_t    bit, allowed;
    const apigw_jwk_t  *key;

    bit = APIGW_JWT_ALG_BIT(jwt->alg);
    allowed = set->algs & (policy->algs ? policy->algs : APIGW_JWT_ALGS_ALL);

    if (!(allowed & bit)) {
        return apigw_jwt_fail(err, APIGW_JWT_BAD_ALG,
                              "\"alg\" %s is not allowed",
                              apigw_jwt_alg_name(jwt->alg));
    }

    kid_len = jwt->kid ? strlen(jwt->kid) : 0;
    tries = 0;
    named = 0;

    for (pass = 0; pass < 2; pass++) {
        for (i = 0; i < set->nkeys; i++) {
            key = &set->keys[i];

            if (jwt->kid == NULL) {
                if (pass == 1) {
                    break;
                }

            } else if (pass == 0) {
                if (key->kid == NULL || key->kid_len != kid_len
                    || memcmp(key->kid, jwt->kid, kid_len) != 0)
                {
                    continue;
                }

                named++;

            } else if (key->kid != NULL) {
                continue;
            }

            if (!(key->algs & bit)) {
                continue;
            }

            if (tries == APIGW_JWT_MAX_TRIES) {
                return apigw_jwt_fail(err, APIGW_JWT_BAD_SIGNATURE,
                                      "no key of the %d tried verifies the "
                                      "signature", APIGW_JWT_MAX_TRIES);
            }

            tries++;

            if (apigw_jwk_verify(set, key, jwt->alg, in, len, sig, siglen)
                == 1)
            {
                return APIGW_JWT_OK;
            }
        }
    }

    if (tries > 0) {
        return apigw_jwt_fail(err, APIGW_JWT_BAD_SIGNATURE,
                              "the signature does not verify (%s, %zu "
                              "key%s tried)", apigw_jwt_alg_name(jwt->alg),
                              tries, tries == 1 ? "" : "s");
    }

    if (named > 0) {
        return apigw_jwt_fail(err, APIGW_JWT_BAD_ALG,
                              "\"alg\" %s is not the algorithm of the key "
                              "its kid names", apigw_jwt_alg_name(jwt->alg));
    }

    if (jwt->kid != NULL) {
        return apigw_jwt_fail(err, APIGW_JWT_UNKNOWN_KID,
                              "no key has the token's kid");
    }

    return apigw_jwt_fail(err, APIGW_JWT_NO_KEY, "no key for \"alg\" %s",
                          apigw_jwt_alg_name(jwt->alg));
}


static apigw_jwt_status_e
apigw_jwt_claims(const apigw_jwt_t *jwt, const apigw_jwt_policy_t *policy,
    int64_t now, apigw_jwt_error_t *err)
{
    size_t                         i, j;
    json_t                        *v, *want;
    const apigw_jwt_claim_rule_t  *rule;

    if (policy->typ != NULL
        && (jwt->typ == NULL || !apigw_jwt_typ_equal(jwt->typ, policy->typ)))
    {
        return apigw_jwt_fail(err, APIGW_JWT_BAD_TYPE,
                              "\"typ\" is not \"%s\"", policy->typ);
    }

    if (policy->issuer != NULL
        && (jwt->iss == NULL || strcmp(jwt->iss, policy->issuer) != 0))
    {
        return apigw_jwt_fail(err, APIGW_JWT_BAD_ISSUER,
                              jwt->iss ? "\"iss\" is not the issuer"
                                       : "no \"iss\"");
    }

    if (policy->naudiences > 0
        && apigw_jwt_audience(jwt, policy, err) != APIGW_JWT_OK)
    {
        return err->status;
    }

    if (apigw_jwt_check_time(jwt, policy, now, err) != APIGW_JWT_OK) {
        return err->status;
    }

    for (i = 0; i < policy->nclaims; i++) {
        rule = &policy->claims[i];
        v = json_object_get(jwt->claims, rule->name);

        if (v == NULL) {
            if (rule->required) {
                return apigw_jwt_fail(err, APIGW_JWT_CLAIM_MISMATCH,
                                      "no \"%.64s\"", rule->name);
            }

            continue;
        }

        if (json_array_size(rule->values) == 0) {
            continue;
        }

        json_array_foreach(rule->values, j, want) {
            if (json_equal(v, want)) {
                break;
            }
        }

        if (j == json_array_size(rule->values)) {
            return apigw_jwt_fail(err, APIGW_JWT_CLAIM_MISMATCH,
                                  "\"%.64s\" is not a value accepted",
                                  rule->name);
        }
    }

    return APIGW_JWT_OK;
}


static apigw_jwt_status_e
apigw_jwt_audience(const apigw_jwt_t *jwt, const apigw_jwt_policy_t *policy,
    apigw_jwt_error_t *err)
{
    size_t   i, j, n;
    json_t  *aud, *v;

    aud = json_object_get(jwt->claims, "aud");

    if (aud == NULL && policy->client_id_aud) {
        aud = json_object_get(jwt->claims, "client_id");
    }

    if (aud == NULL) {
        return apigw_jwt_fail(err, APIGW_JWT_BAD_AUDIENCE, "no \"aud\"");
    }

    n = json_is_array(aud) ? json_array_size(aud) : 1;

    for (i = 0; i < n; i++) {
        v = json_is_array(aud) ? json_array_get(aud, i) : aud;

        if (!json_is_string(v)) {
            return apigw_jwt_fail(err, APIGW_JWT_BAD_AUDIENCE,
                                  "\"aud\" is not a string or an array of "
                                  "strings");
        }

        for (j = 0; j < policy->naudiences; j++) {
            if (strcmp(json_string_value(v), policy->audiences[j]) == 0) {
                return APIGW_JWT_OK;
            }
        }
    }

    return apigw_jwt_fail(err, APIGW_JWT_BAD_AUDIENCE,
                          "no \"aud\" is an audience of the API");
}


apigw_jwt_status_e
apigw_jwt_check_time(const apigw_jwt_t *jwt, const apigw_jwt_policy_t *policy,
    int64_t now, apigw_jwt_error_t *err)
{
    int64_t  leeway;

    leeway = policy->leeway > 0 ? policy->leeway : 0;

    /* dates are within +-2^53 and leeway small: no overflow */
    if (leeway > (int64_t) 1 << 40) {
        leeway = (int64_t) 1 << 40;
    }

    if (!jwt->has_exp) {
        if (!policy->exp_optional) {
            return apigw_jwt_fail(err, APIGW_JWT_BAD_CLAIMS, "no \"exp\"");
        }

    } else if (now >= jwt->exp + leeway) {
        return apigw_jwt_fail(err, APIGW_JWT_EXPIRED, "the token expired");
    }

    if (jwt->has_nbf && jwt->nbf > now + leeway) {
        return apigw_jwt_fail(err, APIGW_JWT_NOT_YET_VALID,
                              "the token is not valid yet (nbf)");
    }

    if (policy->check_iat && jwt->has_iat && jwt->iat > now + leeway) {
        return apigw_jwt_fail(err, APIGW_JWT_NOT_YET_VALID,
                              "the token is issued in the future (iat)");
    }

    return APIGW_JWT_OK;
}


/*
 * A NumericDate (RFC 7519 section 2): a JSON number, integer or not, kept
 * in whole seconds within +-2^53, rounded the safe way: exp down, nbf and
 * iat up (exp 10.5 expires at 10, nbf 10.5 starts at 11)
 */

static apigw_jwt_status_e
apigw_jwt_date(apigw_jwt_t *jwt, const char *name, int up, int64_t *value,
    apigw_jwt_error_t *err)
{
    double   d;
    json_t  *v;

    static const double  max = 9007199254740992.0;

    v = json_object_get(jwt->claims, name);

    if (v == NULL) {
        return APIGW_JWT_OK;
    }

    if (json_is_integer(v)) {
        d = (double) json_integer_value(v);

    } else if (json_is_real(v)) {
        d = json_real_value(v);

    } else {
        return apigw_jwt_fail(err, APIGW_JWT_BAD_CLAIMS,
                              "\"%s\" is not a number (a NumericDate)", name);
    }

    if (d >= max) {
        *value = (int64_t) max;

    } else if (d <= -max) {
        *value = (int64_t) -max;

    } else if (json_is_integer(v)) {
        *value = (int64_t) json_integer_value(v);

    } else {
        /* truncated towards zero, then the right way */
        *value = (int64_t) d;

        if (!up && (double) *value > d) {
            (*value)--;

        } else if (up && (double) *value < d) {
            (*value)++;
        }
    }

    if (name[0] == 'e') {
        jwt->has_exp = 1;

    } else if (name[0] == 'n') {
        jwt->has_nbf = 1;

    } else {
        jwt->has_iat = 1;
    }

    return APIGW_JWT_OK;
}


/* RFC 9068: "at+jwt" or "application/at+jwt", in any case */

static int
apigw_jwt_typ_equal(const char *a, const char *b)
{
    if (strncasecmp(a, "application/", 12) == 0) {
        a += 12;
    }

    if (strncasecmp(b, "application/", 12) == 0) {
        b += 12;
    }

    return strcasecmp(a, b) == 0;
}


/*
 * Scopes from "scope" (a space-separated string, RFC 8693 and 9068) and
 * "scp" (such a string, or an array of strings, as Okta and Azure have
 * it); a claim of another type gives none, an empty string no scope
 */

static apigw_jwt_status_e
apigw_jwt_scopes(apigw_jwt_t *jwt, apigw_jwt_error_t *err)
{
    char          *p;
    size_t         i, n, size;
    json_t        *scope, *scp, *v;
    const char   **scopes;

    scope = json_object_get(jwt->claims, "scope");
    scp = json_object_get(jwt->claims, "scp");

    /* room enough: a scope per byte and a NUL after each */
    n = 0;
    size = 0;

    if (json_is_string(scope)) {
        n += json_string_length(scope) / 2 + 1;
        size += json_string_length(scope) + 1;
    }

    if (json_is_string(scp)) {
        n += json_string_length(scp) / 2 + 1;
        size += json_string_length(scp) + 1;

    } else if (json_is_array(scp)) {
        json_array_foreach(scp, i, v) {
            if (json_is_string(v)) {
                n++;
                size += json_string_length(v) + 1;
            }
        }
    }

    if (n == 0) {
        return APIGW_JWT_OK;
    }

    scopes = malloc(n * sizeof(char *) + size);
    if (scopes == NULL) {
        return apigw_jwt_fail(err, APIGW_JWT_ERROR, "out of memory");
    }

    p = (char *) (scopes + n);
    n = 0;

    if (json_is_string(scope)) {
        n += apigw_jwt_scope_split(json_string_value(scope),
                                   json_string_length(scope), scopes + n, p);
        p += json_string_length(scope) + 1;
    }

    if (json_is_string(scp)) {
        n += apigw_jwt_scope_split(json_string_value(scp),
                                   json_string_length(scp), scopes + n, p);

    } else if (json_is_array(scp)) {
        json_array_foreach(scp, i, v) {
            if (!json_is_string(v) || json_string_length(v) == 0) {
                continue;
            }

            memcpy(p, json_string_value(v), json_string_length(v) + 1);
            scopes[n++] = p;
            p += json_string_length(v) + 1;
        }
    }

    jwt->scopes = scopes;
    jwt->nscopes = n;

    return APIGW_JWT_OK;
}


/* the space-separated scopes of s copied to p, pointed to by scopes */

static size_t
apigw_jwt_scope_split(const char *s, size_t len, const char **scopes,
    char *p)
{
    size_t  i, n;

    memcpy(p, s, len);
    p[len] = '\0';

    n = 0;

    for (i = 0; i < len; i++) {
        if (p[i] == ' ') {
            p[i] = '\0';

        } else if (i == 0 || p[i - 1] == '\0') {
            scopes[n++] = &p[i];
        }
    }

    return n;
}


int
apigw_jwt_has_scope(const apigw_jwt_t *jwt, const char *scope, size_t len)
{
    size_t  i;

    for (i = 0; i < jwt->nscopes; i++) {
        if (strlen(jwt->scopes[i]) == len
            && memcmp(jwt->scopes[i], scope, len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


int
apigw_jwt_has_scopes(const apigw_jwt_t *jwt, const char *const *scopes,
    size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        if (!apigw_jwt_has_scope(jwt, scopes[i], strlen(scopes[i]))) {
            return 0;
        }
    }

    return 1;
}


void
apigw_jwt_free(apigw_jwt_t *jwt)
{
    if (jwt == NULL) {
        return;
    }

    json_decref(jwt->header);
    json_decref(jwt->claims);
    free(jwt->scopes);
    free(jwt);
}


const char *
apigw_jwt_status_name(apigw_jwt_status_e status)
{
    if ((size_t) status >= sizeof(apigw_jwt_status_names) / sizeof(char *)) {
        return "unknown";
    }

    return apigw_jwt_status_names[status];
}


int
apigw_b64url_decode(const char *in, size_t len, unsigned char *out,
    size_t *outlen)
{
    size_t                i, n;
    unsigned              a, b, c, d;
    const unsigned char  *p;

    if (len % 4 == 1) {
        return -1;
    }

    p = (const unsigned char *) in;
    n = 0;

    /* 0xff for a byte outside the alphabet: its high bit tells */
    for (i = 0; i + 4 <= len; i += 4) {
        a = apigw_b64url_map[p[i]];
        b = apigw_b64url_map[p[i + 1]];
        c = apigw_b64url_map[p[i + 2]];
        d = apigw_b64url_map[p[i + 3]];

        if ((a | b | c | d) & 0x80) {
            return -1;
        }

        out[n++] = (unsigned char) (a << 2 | b >> 4);
        out[n++] = (unsigned char) (b << 4 | c >> 2);
        out[n++] = (unsigned char) (c << 6 | d);
    }

    /* the unused low bits of the last character must be zero */
    switch (len - i) {

    case 2:
        a = apigw_b64url_map[p[i]];
        b = apigw_b64url_map[p[i + 1]];

        if (((a | b) & 0x80) || (b & 0x0f)) {
            return -1;
        }

        out[n++] = (unsigned char) (a << 2 | b >> 4);
        break;

    case 3:
        a = apigw_b64url_map[p[i]];
        b = apigw_b64url_map[p[i + 1]];
        c = apigw_b64url_map[p[i + 2]];

        if (((a | b | c) & 0x80) || (c & 0x03)) {
            return -1;
        }

        out[n++] = (unsigned char) (a << 2 | b >> 4);
        out[n++] = (unsigned char) (b << 4 | c >> 2);
        break;
    }

    *outlen = n;

    return 0;
}


size_t
apigw_b64url_encode(const unsigned char *in, size_t len, char *out)
{
    size_t         i, n;
    unsigned long  acc;

    n = 0;

    for (i = 0; i + 2 < len; i += 3) {
        acc = ((unsigned long) in[i] << 16) | ((unsigned long) in[i + 1] << 8)
              | in[i + 2];

        out[n++] = apigw_b64url_chars[(acc >> 18) & 0x3f];
        out[n++] = apigw_b64url_chars[(acc >> 12) & 0x3f];
        out[n++] = apigw_b64url_chars[(acc >> 6) & 0x3f];
        out[n++] = apigw_b64url_chars[acc & 0x3f];
    }

    if (len - i == 1) {
        acc = (unsigned long) in[i] << 16;

        out[n++] = apigw_b64url_chars[(acc >> 18) & 0x3f];
        out[n++] = apigw_b64url_chars[(acc >> 12) & 0x3f];

    } else if (len - i == 2) {
        acc = ((unsigned long) in[i] << 16) | ((unsigned long) in[i + 1] << 8);

        out[n++] = apigw_b64url_chars[(acc >> 18) & 0x3f];
        out[n++] = apigw_b64url_chars[(acc >> 12) & 0x3f];
        out[n++] = apigw_b64url_chars[(acc >> 6) & 0x3f];
    }

    out[n] = '\0';

    return n;
}


static apigw_jwt_status_e
apigw_jwt_fail(apigw_jwt_error_t *err, apigw_jwt_status_e status,
    const char *fmt, ...)
{
    va_list  args;

    err->status = status;

    va_start(args, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, args);
    va_end(args);

    return status;
}
