
/*
 * Copyright (C) apigw contributors
 */


#ifndef _APIGW_JWT_CONF_H_INCLUDED_
#define _APIGW_JWT_CONF_H_INCLUDED_


/*
 * What a scheme verified as a JWT asks of its tokens (apigw_spec_jwt.c),
 * from the scheme's x-apigw-jwt, an AWS jwt or cognito_user_pools
 * authorizer, an openIdConnect scheme's discovery, or the apigw_jwt
 * directive, which the nginx glue parses with apigw_jwt_conf_option().
 */

#include "apigw_core.h"
#include "apigw_jwt.h"


#define APIGW_JWT_MAX_ISSUERS       16
#define APIGW_JWT_MAX_AUDIENCES     50      /* AWS's limit */
#define APIGW_JWT_MAX_LEEWAY        3600
#define APIGW_JWT_MAX_FORWARD       16


/* where an issuer's keys come from */
typedef enum {
    APIGW_JWKS_DISCOVERY = 0,   /* {issuer}/.well-known/openid-configuration,
                                   or the scheme's openIdConnectUrl */
    APIGW_JWKS_FILE,            /* a JWK set, a JWK or a PEM public key */
    APIGW_JWKS_URL              /* a JWK set at http(s):// */
} apigw_jwks_source_e;

typedef struct {
    char                     *issuer;       /* NULL: the discovered one */
    apigw_jwks_source_e       source;
    char                     *jwks;         /* FILE: the path; URL: the URL;
                                               DISCOVERY: the discovery
                                               document's URL */
} apigw_jwt_issuer_t;

/* a claim passed on to the backend as a request header */
typedef struct {
    char                     *claim;
    char                     *header;
} apigw_jwt_forward_t;

typedef struct apigw_jwt_conf_s {
    apigw_jwt_issuer_t       *issuers;
    size_t                    nissuers;
    char                    **audiences;    /* none: aud not checked */
    size_t                    naudiences;
    apigw_jwt_algs_t          algs;         /* 0: every asymmetric one */
    int64_t                   leeway;       /* s */
    size_t                    max_len;
    char                     *typ;          /* NULL: not checked */
    apigw_jwt_claim_rule_t   *claims;
    size_t                    nclaims;
    apigw_jwt_forward_t      *forward;
    size_t                    nforward;

    char                     *header;       /* lower case: "authorization" */
    char                     *query;        /* a query parameter that may
                                               carry the token, or NULL */
    unsigned                  bearer:1;     /* "Bearer " before the token:
                                               required (OpenAPI schemes) */
    unsigned                  bearer_optional:1;    /* AWS: either way */
    unsigned                  check_iat:1;
    unsigned                  client_id_aud:1;
} apigw_jwt_conf_t;


/*
 * the scheme's JWT verification, if it has one: x-apigw-jwt, an AWS jwt or
 * Cognito authorizer (a), an openIdConnectUrl.  *conf NULL: none; -1 with
 * err: not valid
 */
int apigw_jwt_conf_from_scheme(const apigw_loc_t *scheme,
    const apigw_security_scheme_t *ss, const struct apigw_authorizer_s *a,
    apigw_jwt_conf_t **conf, apigw_error_t *err);

/* a conf for a scheme with nothing yet: the header, Bearer, defaults */
apigw_jwt_conf_t *apigw_jwt_conf_create(const apigw_security_scheme_t *ss);
/*
 * one "name=value" of the apigw_jwt directive: issuer, audience, jwks,
 * algorithms, leeway (s), typ, query, iat (on|off); 0, or -1 with errbuf
 */
int apigw_jwt_conf_option(apigw_jwt_conf_t *conf, const char *name,
    size_t nlen, const char *value, size_t vlen, char *errbuf,
    size_t errlen);
/* 0 when complete: an issuer or discovery; else -1 with errbuf */
int apigw_jwt_conf_check(apigw_jwt_conf_t *conf, char *errbuf,
    size_t errlen);
/* the verifier's policy for the issuer i (its audiences, claims...) */
void apigw_jwt_conf_policy(const apigw_jwt_conf_t *conf, size_t i,
    apigw_jwt_policy_t *policy);
void apigw_jwt_conf_free(apigw_jwt_conf_t *conf);

/*
 * an OpenID Connect discovery document: its "issuer" must be expected
 * exactly (NULL: any, then *issuer is a copy); "jwks_uri" goes to *jwks
 * (malloc'd).  0, or -1 with errbuf
 */
int apigw_oidc_discovery(const char *text, size_t len, const char *expected,
    char **issuer, char **jwks, char *errbuf, size_t errlen);


#endif /* _APIGW_JWT_CONF_H_INCLUDED_ */
