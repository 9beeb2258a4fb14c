
/*
 * Copyright (C) apigw contributors
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apigw_spec_int.h"
#include "apigw_jwt_conf.h"
#include "apigw_authorizer.h"


/*
 * A scheme verified as a JWT, compiled.  x-apigw-jwt on a security scheme:
 *
 *     {issuer: URL, audience: A | [A, B], jwks: FILE | URL,
 *      issuers: [{issuer, jwks}], algorithms: [RS256, ...], leeway: 60,
 *      typ: at+jwt, claims: {name: value | [values] | true},
 *      query: PARAM, forward: {claim: header}, iat: true, maxLength: 8192}
 *
 * An issuer without jwks is discovered: {issuer}/.well-known/openid-
 * configuration.  An openIdConnect scheme needs none of it: its
 * openIdConnectUrl is the discovery document, whose issuer is the one.
 */


#define APIGW_OIDC_SUFFIX   "/.well-known/openid-configuration"


static int apigw_jwt_conf_ext(const apigw_loc_t *ext, apigw_jwt_conf_t *conf,
    apigw_error_t *err);
static int apigw_jwt_conf_aws(const struct apigw_authorizer_s *a,
    apigw_jwt_conf_t *conf);
static int apigw_jwt_conf_issuers(const apigw_loc_t *loc,
    apigw_jwt_conf_t *conf, apigw_error_t *err);
static int apigw_jwt_conf_claims(const apigw_loc_t *loc,
    apigw_jwt_conf_t *conf, apigw_error_t *err);
static int apigw_jwt_conf_forward(const apigw_loc_t *loc,
    apigw_jwt_conf_t *conf, apigw_error_t *err);
static int apigw_jwt_conf_strings(const apigw_loc_t *loc, char ***list,
    size_t *n, size_t max, apigw_error_t *err);
static int apigw_jwt_issuer_set(apigw_jwt_issuer_t *is, const char *issuer,
    const char *jwks);
static int apigw_jwt_jwks_source(const char *jwks, size_t len,
    apigw_jwks_source_e *source);
static int apigw_jwt_algs(const char *list, size_t len,
    apigw_jwt_algs_t *algs, char *errbuf, size_t errlen);
static int apigw_jwt_url(const char *s);
static char *apigw_oidc_issuer(const char *url);


static const char  *apigw_jwt_ext_members[] = {
    "issuer", "issuers", "audience", "jwks", "algorithms", "leeway", "typ",
    "claims", "query", "forward", "iat", "maxLength", NULL
};


apigw_jwt_conf_t *
apigw_jwt_conf_create(const apigw_security_scheme_t *ss)
{
    apigw_jwt_conf_t  *conf;

    conf = calloc(1, sizeof(apigw_jwt_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    conf->leeway = APIGW_JWT_LEEWAY;
    conf->max_len = APIGW_JWT_MAX_LEN;
    conf->bearer = 1;

    conf->header = strdup(ss && ss->param && ss->kind != APIGW_SCHEME_API_KEY
                          ? ss->param : "authorization");
    conf->issuers = calloc(APIGW_JWT_MAX_ISSUERS, sizeof(apigw_jwt_issuer_t));

    if (conf->header == NULL || conf->issuers == NULL) {
        apigw_jwt_conf_free(conf);
        return NULL;
    }

    return conf;
}


int
apigw_jwt_conf_from_scheme(const apigw_loc_t *scheme,
    const apigw_security_scheme_t *ss, const struct apigw_authorizer_s *a,
    apigw_jwt_conf_t **out, apigw_error_t *err)
{
    json_t            *ext;
    apigw_loc_t        loc;
    apigw_jwt_conf_t  *conf;

    *out = NULL;

    ext = json_object_get(scheme->node, "x-apigw-jwt");

    if (ext == NULL && a == NULL && ss->oidc_url == NULL) {
        return 0;
    }

    if (ext != NULL && a != NULL) {
        apigw_loc_error(err, scheme, "a scheme has x-apigw-jwt or a jwt "
                        "authorizer, not both");
        return -1;
    }

    conf = apigw_jwt_conf_create(ss);
    if (conf == NULL) {
        apigw_loc_error(err, scheme, "out of memory");
        return -1;
    }

    if (ext != NULL) {
        apigw_loc_child(scheme, &loc, "x-apigw-jwt", ext);

        if (apigw_jwt_conf_ext(&loc, conf, err) != 0) {
            apigw_jwt_conf_free(conf);
            return -1;
        }

    } else if (a != NULL) {
        if (apigw_jwt_conf_aws(a, conf) != 0) {
            apigw_loc_error(err, scheme, "out of memory");
            apigw_jwt_conf_free(conf);
            return -1;
        }
    }

    if (conf->nissuers == 0 && ss->oidc_url != NULL) {
        conf->issuers[0].source = APIGW_JWKS_DISCOVERY;
        conf->issuers[0].jwks = strdup(ss->oidc_url);
        conf->issuers[0].issuer = apigw_oidc_issuer(ss->oidc_url);

        if (conf->issuers[0].jwks == NULL) {
            apigw_loc_error(err, scheme, "out of memory");
            apigw_jwt_conf_free(conf);
            return -1;
        }

        conf->nissuers = 1;
    }

    if (conf->nissuers == 0) {
        apigw_loc_error(err, ext ? &loc : scheme, "x-apigw-jwt needs "
                        "\"issuer\" (keys from its discovery document or "
                        "\"jwks\")");
        apigw_jwt_conf_free(conf);
        return -1;
    }

    *out = conf;

    return 0;
}


static int
apigw_jwt_conf_ext(const apigw_loc_t *ext, apigw_jwt_conf_t *conf,
    apigw_error_t *err)
{
    char         errbuf[128];
    size_t       i;
    json_t      *v;
    const char  *s;
    apigw_loc_t  loc;

    if (!json_is_object(ext->node)) {
        apigw_loc_error(err, ext, "x-apigw-jwt must be an object such as "
                        "{issuer: URL, audience: [...]}");
        return -1;
    }

    if (apigw_loc_check_members(ext, apigw_jwt_ext_members, "in x-apigw-jwt",
                                err)
        != 0)
    {
        return -1;
    }

    if (apigw_jwt_conf_issuers(ext, conf, err) != 0) {
        return -1;
    }

    v = json_object_get(ext->node, "audience");
    if (v != NULL) {
        apigw_loc_child(ext, &loc, "audience", v);

        if (apigw_jwt_conf_strings(&loc, &conf->audiences, &conf->naudiences,
                                   APIGW_JWT_MAX_AUDIENCES, err)
            != 0)
        {
            return -1;
        }
    }

    v = json_object_get(ext->node, "algorithms");
    if (v != NULL) {
        apigw_loc_child(ext, &loc, "algorithms", v);

        if (!json_is_array(v) || json_array_size(v) == 0) {
            apigw_loc_error(err, &loc, "\"algorithms\" must be a list such "
                            "as [RS256, ES256]");
            return -1;
        }

        for (i = 0; i < json_array_size(v); i++) {
            s = json_string_value(json_array_get(v, i));

            if (s == NULL
                || apigw_jwt_algs(s, strlen(s), &conf->algs, errbuf,
                                  sizeof(errbuf))
                   != 0)
            {
                apigw_loc_error(err, &loc, "%s", s ? errbuf
                                : "an algorithm must be a string");
                return -1;
            }
        }
    }

    v = json_object_get(ext->node, "leeway");
    if (v != NULL) {
        apigw_loc_child(ext, &loc, "leeway", v);

        if (!json_is_integer(v) || json_integer_value(v) < 0
            || json_integer_value(v) > APIGW_JWT_MAX_LEEWAY)
        {
            apigw_loc_error(err, &loc, "\"leeway\" must be seconds, 0 to %d",
                            APIGW_JWT_MAX_LEEWAY);
            return -1;
        }

        conf->leeway = json_integer_value(v);
    }

    v = json_object_get(ext->node, "maxLength");
    if (v != NULL) {
        apigw_loc_child(ext, &loc, "maxLength", v);

        if (!json_is_integer(v) || json_integer_value(v) < 64
            || json_integer_value(v) > 65536)
        {
            apigw_loc_error(err, &loc, "\"maxLength\" must be 64 to 65536");
            return -1;
        }

        conf->max_len = (size_t) json_integer_value(v);
    }

    v = json_object_get(ext->node, "iat");
    if (v != NULL) {
        if (!json_is_boolean(v)) {
            apigw_loc_child(ext, &loc, "iat", v);
            apigw_loc_error(err, &loc, "\"iat\" must be true or false");
            return -1;
        }

        conf->check_iat = json_is_true(v);
    }

    s = json_string_value(json_object_get(ext->node, "typ"));
    if (s != NULL && (conf->typ = strdup(s)) == NULL) {
        apigw_loc_error(err, ext, "out of memory");
        return -1;
    }

    v = json_object_get(ext->node, "query");
    if (v != NULL) {
        s = json_string_value(v);

        if (s == NULL || *s == '\0') {
            apigw_loc_child(ext, &loc, "query", v);
            apigw_loc_error(err, &loc, "\"query\" must name the query "
                            "parameter that may carry the token");
            return -1;
        }

        conf->query = strdup(s);
        if (conf->query == NULL) {
            apigw_loc_error(err, ext, "out of memory");
            return -1;
        }
    }

    v = json_object_get(ext->node, "claims");
    if (v != NULL) {
        apigw_loc_child(ext, &loc, "claims", v);

        if (apigw_jwt_conf_claims(&loc, conf, err) != 0) {
            return -1;
        }
    }

    v = json_object_get(ext->node, "forward");
    if (v != NULL) {
        apigw_loc_child(ext, &loc, "forward", v);

        if (apigw_jwt_conf_forward(&loc, conf, err) != 0) {
            return -1;
        }
    }

    return 0;
}


/* issuer (+ jwks), or issuers: [{issuer, jwks}] */
static int
apigw_jwt_conf_issuers(const apigw_loc_t *ext, apigw_jwt_conf_t *conf,
    apigw_error_t *err)
{
    size_t        i;
    json_t       *list, *item, *issuer, *jwks;
    apigw_loc_t   loc, iloc;

    static const char  *members[] = { "issuer", "jwks", NULL };

    list = json_object_get(ext->node, "issuers");
    issuer = json_object_get(ext->node, "issuer");
    jwks = json_object_get(ext->node, "jwks");

    if (list != NULL) {
        apigw_loc_child(ext, &loc, "issuers", list);

        if (issuer != NULL || jwks != NULL) {
            apigw_loc_error(err, &loc, "\"issuers\" or \"issuer\" and "
                            "\"jwks\", not both");
            return -1;
        }

        if (!json_is_array(list) || json_array_size(list) == 0
            || json_array_size(list) > APIGW_JWT_MAX_ISSUERS)
        {
            apigw_loc_error(err, &loc, "\"issuers\" must list 1 to %d "
                            "{issuer, jwks}", APIGW_JWT_MAX_ISSUERS);
            return -1;
        }

        for (i = 0; i < json_array_size(list); i++) {
            item = json_array_get(list, i);
            apigw_loc_index(&loc, &iloc, i, item);

            if (!json_is_object(item)) {
                apigw_loc_error(err, &iloc, "an issuer must be {issuer, "
                                "jwks}");
                return -1;
            }

            if (apigw_loc_check_members(&iloc, members, NULL, err) != 0) {
                return -1;
            }

            issuer = json_object_get(item, "issuer");
            jwks = json_object_get(item, "jwks");

            if (!json_is_string(issuer) || (jwks && !json_is_string(jwks))) {
                apigw_loc_error(err, &iloc, "\"issuer\" and \"jwks\" must be "
                                "strings");
                return -1;
            }

            if (apigw_jwt_issuer_set(&conf->issuers[conf->nissuers++],
                                     json_string_value(issuer),
                                     json_string_value(jwks))
                != 0)
            {
                apigw_loc_error(err, &iloc, "the issuer must be a URL and "
                                "\"jwks\" a file or an http(s) URL");
                return -1;
            }
        }

        return 0;
    }

    if (issuer == NULL) {
        if (jwks != NULL) {
            apigw_loc_error(err, ext, "\"jwks\" needs \"issuer\": tokens "
                            "from any issuer are never accepted");
            return -1;
        }

        return 0;
    }

    if (!json_is_string(issuer) || (jwks && !json_is_string(jwks))
        || apigw_jwt_issuer_set(&conf->issuers[0], json_string_value(issuer),
                                json_string_value(jwks))
           != 0)
    {
        apigw_loc_error(err, ext, "\"issuer\" must be the issuer's URL and "
                        "\"jwks\" a file or an http(s) URL");
        return -1;
    }

    conf->nissuers = 1;

    return 0;
}


static int
apigw_jwt_issuer_set(apigw_jwt_issuer_t *is, const char *issuer,
    const char *jwks)
{
    size_t  len;

    if (!apigw_jwt_url(issuer)) {
        return -1;
    }

    is->issuer = strdup(issuer);
    if (is->issuer == NULL) {
        return -1;
    }

    if (jwks != NULL) {
        if (apigw_jwt_jwks_source(jwks, strlen(jwks), &is->source) != 0) {
            return -1;
        }

        is->jwks = strdup(jwks);
        return is->jwks ? 0 : -1;
    }

    /* OpenID Connect Discovery 1.0, section 4: no doubled "/" */

    len = strlen(issuer);
    if (len && issuer[len - 1] == '/') {
        len--;
    }

    is->source = APIGW_JWKS_DISCOVERY;
    is->jwks = malloc(len + sizeof(APIGW_OIDC_SUFFIX));

    if (is->jwks == NULL) {
        return -1;
    }

    memcpy(is->jwks, issuer, len);
    memcpy(is->jwks + len, APIGW_OIDC_SUFFIX, sizeof(APIGW_OIDC_SUFFIX));

    return 0;
}


static int
apigw_jwt_jwks_source(const char *jwks, size_t len,
    apigw_jwks_source_e *source)
{
    if (len == 0 || memchr(jwks, '\0', len) != NULL) {
        return -1;
    }

    if ((len > 7 && strncmp(jwks, "http://", 7) == 0)
        || (len > 8 && strncmp(jwks, "https://", 8) == 0))
    {
        *source = APIGW_JWKS_URL;
        return 0;
    }

    if (memchr(jwks, ':', len) != NULL && jwks[0] != '/'
        && jwks[0] != '.')
    {
        return -1;      /* a scheme that is not http(s) */
    }

    *source = APIGW_JWKS_FILE;

    return 0;
}


static int
apigw_jwt_url(const char *s)
{
    return s != NULL
           && ((strncmp(s, "https://", 8) == 0 && s[8] != '\0')
               || (strncmp(s, "http://", 7) == 0 && s[7] != '\0'));
}


/*
 * the issuer a discovery URL stands for (Discovery section 4.3): what
 * comes before /.well-known/openid-configuration, or NULL when the URL is
 * not of that form (then the document names it)
 */
static char *
apigw_oidc_issuer(const char *url)
{
    size_t  len, slen;

    len = strlen(url);
    slen = sizeof(APIGW_OIDC_SUFFIX) - 1;

    if (len <= slen || strcmp(url + len - slen, APIGW_OIDC_SUFFIX) != 0) {
        return NULL;
    }

    return apigw_strndup(url, len - slen);
}


/* the issuers of an AWS jwt or cognito_user_pools authorizer */
static int
apigw_jwt_conf_aws(const struct apigw_authorizer_s *a, apigw_jwt_conf_t *conf)
{
    size_t  i;

    for (i = 0; i < a->jwt.nissuers && i < APIGW_JWT_MAX_ISSUERS; i++) {
        if (apigw_jwt_issuer_set(&conf->issuers[i], a->jwt.issuers[i],
                                 a->jwt.jwks ? a->jwt.jwks[i] : NULL)
            != 0)
        {
            return -1;
        }

        conf->nissuers++;
    }

    if (a->jwt.naudiences) {
        conf->audiences = calloc(a->jwt.naudiences, sizeof(char *));
        if (conf->audiences == NULL) {
            return -1;
        }

        for (i = 0; i < a->jwt.naudiences; i++) {
            conf->audiences[i] = strdup(a->jwt.audiences[i]);
            if (conf->audiences[i] == NULL) {
                return -1;
            }

            conf->naudiences++;
        }
    }

    /* AWS: the token with or without "Bearer ", RSA and EC keys, iat */

    if (a->nsources && a->sources[0].in == APIGW_AUTHZ_SOURCE_HEADER) {
        free(conf->header);
        conf->header = strdup(a->sources[0].name);

        if (conf->header == NULL) {
            return -1;
        }
    }

    conf->bearer = 0;
    conf->bearer_optional = 1;
    conf->check_iat = 1;
    conf->client_id_aud = (a->type == APIGW_AUTHZ_JWT);
    conf->algs = APIGW_JWT_ALGS_RS | APIGW_JWT_ALGS_ES;

    return 0;
}


/* {name: "value" | ["a", "b"] | true}: required, one of the values */
static int
apigw_jwt_conf_claims(const apigw_loc_t *loc, apigw_jwt_conf_t *conf,
    apigw_error_t *err)
{
    size_t                   i;
    json_t                  *v;
    const char              *name;
    apigw_loc_t              child;
    apigw_jwt_claim_rule_t  *rule;

    static const char  *reserved[] = {
        "iss", "aud", "exp", "nbf", "iat", NULL
    };

    if (!json_is_object(loc->node)) {
        apigw_loc_error(err, loc, "\"claims\" must be an object such as "
                        "{\"tenant\": \"acme\"}");
        return -1;
    }

    conf->claims = calloc(json_object_size(loc->node) + 1,
                          sizeof(apigw_jwt_claim_rule_t));
    if (conf->claims == NULL) {
        apigw_loc_error(err, loc, "out of memory");
        return -1;
    }

    json_object_foreach(loc->node, name, v) {
        apigw_loc_child(loc, &child, name, v);

        for (i = 0; reserved[i]; i++) {
            if (strcmp(name, reserved[i]) == 0) {
                apigw_loc_error(err, &child, "\"%s\" is checked by issuer, "
                                "audience or the time rules, not by "
                                "\"claims\"", name);
                return -1;
            }
        }

        rule = &conf->claims[conf->nclaims];

        if (json_is_true(v)) {
            rule->values = NULL;

        } else if (json_is_string(v) || json_is_number(v)) {
            rule->values = json_pack("[O]", v);

        } else if (json_is_array(v) && json_array_size(v) > 0) {
            rule->values = json_deep_copy(v);

        } else {
            apigw_loc_error(err, &child, "a claim rule is a value, a list "
                            "of values, or true (present)");
            return -1;
        }

        rule->name = strdup(name);
        rule->required = 1;
        conf->nclaims++;

        if (rule->name == NULL || (v != json_true() && rule->values == NULL)) {
            apigw_loc_error(err, &child, "out of memory");
            return -1;
        }
    }

    return 0;
}


/* {claim: header}: chosen claims sent to the backend as headers */
static int
apigw_jwt_conf_forward(const apigw_loc_t *loc, apigw_jwt_conf_t *conf,
    apigw_error_t *err)
{
    json_t       *v;
    const char   *claim, *h, *p;
    apigw_loc_t   child;

    if (!json_is_object(loc->node)
        || json_object_size(loc->node) > APIGW_JWT_MAX_FORWARD)
    {
        apigw_loc_error(err, loc, "\"forward\" must be an object of up to "
                        "%d {claim: header}", APIGW_JWT_MAX_FORWARD);
        return -1;
    }

    conf->forward = calloc(json_object_size(loc->node) + 1,
                           sizeof(apigw_jwt_forward_t));
    if (conf->forward == NULL) {
        apigw_loc_error(err, loc, "out of memory");
        return -1;
    }

    json_object_foreach(loc->node, claim, v) {
        apigw_loc_child(loc, &child, claim, v);
        h = json_string_value(v);

        for (p = h; p && *p; p++) {
            if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
                  || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
            {
                break;
            }
        }

        if (h == NULL || *h == '\0' || *p != '\0') {
            apigw_loc_error(err, &child, "a claim is forwarded as a header "
                            "name such as \"X-User-Id\"");
            return -1;
        }

        conf->forward[conf->nforward].claim = strdup(claim);
        conf->forward[conf->nforward].header = strdup(h);

        if (conf->forward[conf->nforward].claim == NULL
            || conf->forward[conf->nforward++].header == NULL)
        {
            apigw_loc_error(err, &child, "out of memory");
            return -1;
        }
    }

    return 0;
}


/* a string or a list of strings */
static int
apigw_jwt_conf_strings(const apigw_loc_t *loc, char ***list, size_t *n,
    size_t max, apigw_error_t *err)
{
    size_t       i, count;
    const char  *s;

    count = json_is_array(loc->node) ? json_array_size(loc->node) : 1;

    if (count == 0 || count > max
        || (!json_is_array(loc->node) && !json_is_string(loc->node)))
    {
        apigw_loc_error(err, loc, "must be a string or a list of 1 to %zu "
                        "strings", max);
        return -1;
    }

    *list = calloc(count, sizeof(char *));
    if (*list == NULL) {
        apigw_loc_error(err, loc, "out of memory");
        return -1;
    }

    for (i = 0; i < count; i++) {
        s = json_is_array(loc->node)
            ? json_string_value(json_array_get(loc->node, i))
            : json_string_value(loc->node);

        if (s == NULL || *s == '\0') {
            apigw_loc_error(err, loc, "must hold non-empty strings only");
            return -1;
        }

        (*list)[i] = strdup(s);
        if ((*list)[i] == NULL) {
            apigw_loc_error(err, loc, "out of memory");
            return -1;
        }

        (*n)++;
    }

    return 0;
}


static int
apigw_jwt_algs(const char *list, size_t len, apigw_jwt_algs_t *algs,
    char *errbuf, size_t errlen)
{
    size_t           n;
    const char      *p, *end, *comma;
    apigw_jwt_alg_e  alg;

    end = list + len;

    for (p = list; p < end; p = comma + 1) {
        comma = memchr(p, ',', end - p);
        if (comma == NULL) {
            comma = end;
        }

        n = comma - p;
        alg = apigw_jwt_alg_parse(p, n);

        if (alg == APIGW_JWT_ALG_UNKNOWN) {
            snprintf(errbuf, errlen, "unknown algorithm \"%.*s\" (RS256, "
                     "PS256, ES256, EdDSA, HS256 and the 384 and 512 ones; "
                     "never none)", (int) (n > 32 ? 32 : n), p);
            return -1;
        }

        *algs |= APIGW_JWT_ALG_BIT(alg);
    }

    return 0;
}


int
apigw_jwt_conf_option(apigw_jwt_conf_t *conf, const char *name, size_t nlen,
    const char *value, size_t vlen, char *errbuf, size_t errlen)
{
    char               *s, *p, *comma;
    size_t              n;
    int64_t             v;
    apigw_jwks_source_e  source;

#define APIGW_OPTION(lit)  (nlen == sizeof(lit) - 1                           \
                            && strncmp(name, lit, nlen) == 0)

    if (vlen == 0 || memchr(value, '\0', vlen) != NULL) {
        snprintf(errbuf, errlen, "\"%.*s=\" needs a value", (int) nlen, name);
        return -1;
    }

    s = apigw_strndup(value, vlen);
    if (s == NULL) {
        snprintf(errbuf, errlen, "out of memory");
        return -1;
    }

    if (APIGW_OPTION("issuer")) {
        if (!apigw_jwt_url(s)) {
            snprintf(errbuf, errlen, "\"issuer=\" must be the issuer's URL");
            goto failed;
        }

        free(conf->issuers[0].issuer);
        conf->issuers[0].issuer = s;
        conf->nissuers = 1;
        return 0;
    }

    if (APIGW_OPTION("jwks")) {
        if (apigw_jwt_jwks_source(s, vlen, &source) != 0) {
            snprintf(errbuf, errlen, "\"jwks=\" must be a file or an "
                     "http(s) URL");
            goto failed;
        }

        free(conf->issuers[0].jwks);
        conf->issuers[0].jwks = s;
        conf->issuers[0].source = source;
        conf->nissuers = 1;
        return 0;
    }

    if (APIGW_OPTION("audience")) {
        for (n = 1, p = s; *p; p++) {
            n += (*p == ',');
        }

        if (n > APIGW_JWT_MAX_AUDIENCES) {
            snprintf(errbuf, errlen, "more than %d audiences",
                     APIGW_JWT_MAX_AUDIENCES);
            goto failed;
        }

        /* the last audience= wins */
        while (conf->naudiences) {
            free(conf->audiences[--conf->naudiences]);
        }

        free(conf->audiences);

        conf->audiences = calloc(n, sizeof(char *));
        if (conf->audiences == NULL) {
            snprintf(errbuf, errlen, "out of memory");
            goto failed;
        }

        for (p = s; p; p = comma ? comma + 1 : NULL) {
            comma = strchr(p, ',');
            n = comma ? (size_t) (comma - p) : strlen(p);

            if (n == 0) {
                snprintf(errbuf, errlen, "an empty audience");
                goto failed;
            }

            conf->audiences[conf->naudiences] = apigw_strndup(p, n);
            if (conf->audiences[conf->naudiences++] == NULL) {
                snprintf(errbuf, errlen, "out of memory");
                goto failed;
            }
        }

        free(s);
        return 0;
    }

    if (APIGW_OPTION("algorithms")) {
        conf->algs = 0;

        if (apigw_jwt_algs(s, vlen, &conf->algs, errbuf, errlen) != 0) {
            goto failed;
        }

        free(s);
        return 0;
    }

    if (APIGW_OPTION("leeway")) {
        n = vlen;
        if (n > 1 && s[n - 1] == 's') {
            n--;
        }

        for (v = 0, p = s; p < s + n && *p >= '0' && *p <= '9'; p++) {
            v = v * 10 + (*p - '0');
            if (v > APIGW_JWT_MAX_LEEWAY) {
                break;
            }
        }

        if (p != s + n || v > APIGW_JWT_MAX_LEEWAY) {
            snprintf(errbuf, errlen, "\"leeway=\" must be seconds, 0 to %d",
                     APIGW_JWT_MAX_LEEWAY);
            goto failed;
        }

        conf->leeway = v;
        free(s);
        return 0;
    }

    if (APIGW_OPTION("typ")) {
        free(conf->typ);
        conf->typ = s;
        return 0;
    }

    if (APIGW_OPTION("query")) {
        free(conf->query);
        conf->query = s;
        return 0;
    }

    if (APIGW_OPTION("iat")) {
        if (strcmp(s, "on") != 0 && strcmp(s, "off") != 0) {
            snprintf(errbuf, errlen, "\"iat=\" is on or off");
            goto failed;
        }

        conf->check_iat = (s[1] == 'n');
        free(s);
        return 0;
    }

    snprintf(errbuf, errlen, "unknown option \"%.*s\" (issuer, audience, "
             "jwks, algorithms, leeway, typ, query, iat)",
             (int) (nlen > 32 ? 32 : nlen), name);

failed:

    free(s);
    return -1;

#undef APIGW_OPTION
}


int
apigw_jwt_conf_check(apigw_jwt_conf_t *conf, char *errbuf, size_t errlen)
{
    char                *issuer;
    apigw_jwt_issuer_t  *is;

    if (conf->nissuers == 0) {
        snprintf(errbuf, errlen, "needs \"issuer=URL\"");
        return -1;
    }

    is = &conf->issuers[0];

    if (is->issuer == NULL) {
        if (is->source != APIGW_JWKS_DISCOVERY || is->jwks == NULL) {
            snprintf(errbuf, errlen, "needs \"issuer=URL\": tokens from any "
                     "issuer are never accepted");
            return -1;
        }

        return 0;
    }

    if (is->jwks == NULL) {
        issuer = is->issuer;
        is->issuer = NULL;

        if (apigw_jwt_issuer_set(is, issuer, NULL) != 0) {
            is->issuer = issuer;
            snprintf(errbuf, errlen, "out of memory");
            return -1;
        }

        free(issuer);
    }

    return 0;
}


void
apigw_jwt_conf_policy(const apigw_jwt_conf_t *conf, size_t i,
    apigw_jwt_policy_t *policy)
{
    apigw_jwt_policy_init(policy);

    policy->algs = conf->algs;
    policy->max_len = conf->max_len;
    policy->leeway = conf->leeway;
    policy->issuer = i < conf->nissuers ? conf->issuers[i].issuer : NULL;
    policy->audiences = (const char *const *) conf->audiences;
    policy->naudiences = conf->naudiences;
    policy->typ = conf->typ;
    policy->claims = conf->claims;
    policy->nclaims = conf->nclaims;
    policy->check_iat = conf->check_iat;
    policy->client_id_aud = conf->client_id_aud;
}


void
apigw_jwt_conf_free(apigw_jwt_conf_t *conf)
{
    size_t  i;

    if (conf == NULL) {
        return;
    }

    if (conf->issuers != NULL) {
        for (i = 0; i < APIGW_JWT_MAX_ISSUERS; i++) {
            free(conf->issuers[i].issuer);
            free(conf->issuers[i].jwks);
        }

        free(conf->issuers);
    }

    for (i = 0; i < conf->naudiences; i++) {
        free(conf->audiences[i]);
    }

    free(conf->audiences);

    for (i = 0; i < conf->nclaims; i++) {
        free((char *) conf->claims[i].name);
        json_decref(conf->claims[i].values);
    }

    free(conf->claims);

    for (i = 0; i < conf->nforward; i++) {
        free(conf->forward[i].claim);
        free(conf->forward[i].header);
    }

    free(conf->forward);
    free(conf->typ);
    free(conf->query);
    free(conf->header);
    free(conf);
}


int
apigw_oidc_discovery(const char *text, size_t len, const char *expected,
    char **issuer, char **jwks, char *errbuf, size_t errlen)
{
    json_t       *doc;
    const char   *iss, *uri;

    *jwks = NULL;

    if (issuer) {
        *issuer = NULL;
    }

    doc = apigw_json_parse(text, len, 16, errbuf, errlen);
    if (doc == NULL) {
        return -1;
    }

    iss = json_string_value(json_object_get(doc, "issuer"));
    uri = json_string_value(json_object_get(doc, "jwks_uri"));

    if (iss == NULL || uri == NULL) {
        snprintf(errbuf, errlen, "the discovery document has no \"issuer\" "
                 "or no \"jwks_uri\"");
        goto failed;
    }

    if (expected != NULL && strcmp(iss, expected) != 0) {
        /* OpenID Connect Discovery 1.0, section 4.3 */
        snprintf(errbuf, errlen, "the discovery document names the issuer "
                 "\"%.128s\", not \"%.128s\"", iss, expected);
        goto failed;
    }

    if (!apigw_jwt_url(uri)) {
        snprintf(errbuf, errlen, "the discovery document's \"jwks_uri\" is "
                 "not an http(s) URL");
        goto failed;
    }

    *jwks = strdup(uri);

    if (*jwks == NULL || (issuer && (*issuer = strdup(iss)) == NULL)) {
        free(*jwks);
        *jwks = NULL;
        snprintf(errbuf, errlen, "out of memory");
        goto failed;
    }

    json_decref(doc);
    return 0;

failed:

    json_decref(doc);
    return -1;
}
