
/*
 * Copyright (C) apigw contributors
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "apigw_authorizer.h"


/*
 * Authorizer definitions, from a security scheme, as AWS exports them:
 *
 *     securitySchemes:
 *       auth:
 *         type: apiKey
 *         in: header
 *         name: Authorization
 *         x-amazon-apigateway-authorizer:
 *           type: token                # request, jwt, cognito_user_pools
 *           authorizerUri: arn:aws:apigateway:us-east-1:lambda:path/
 *             2015-03-31/functions/arn:aws:lambda:us-east-1:1234:
 *             function:NAME/invocations
 *           identityValidationExpression: "^Bearer [-0-9a-zA-Z._]+$"
 *           authorizerResultTtlInSeconds: 300
 *
 * or as x-apigw-authorizer, the same members plus "uri" (an http(s) URL,
 * or a Lambda ARN), "function" (a function worker's name) and "timeout"
 * (ms).  A token authorizer without identitySource reads the scheme's
 * header, as AWS does.
 */


static int apigw_authz_type(apigw_authorizer_t *a, const apigw_loc_t *ext,
    apigw_error_t *err);
static int apigw_authz_members(apigw_authorizer_t *a, const apigw_loc_t *ext,
    apigw_error_t *err);
static int apigw_authz_ttl(apigw_authorizer_t *a, const apigw_loc_t *ext,
    apigw_error_t *err);
static int apigw_authz_timeout(apigw_authorizer_t *a, const apigw_loc_t *ext,
    apigw_error_t *err);
static int apigw_authz_payload(apigw_authorizer_t *a, const apigw_loc_t *ext,
    apigw_error_t *err);
static int apigw_authz_sources(apigw_authorizer_t *a,
    const apigw_loc_t *scheme, const apigw_loc_t *ext, apigw_error_t *err);
static int apigw_authz_source(apigw_authorizer_t *a, const apigw_loc_t *loc,
    const char *s, size_t len, apigw_error_t *err);
static int apigw_authz_scheme_header(apigw_authorizer_t *a,
    const apigw_loc_t *scheme, apigw_error_t *err);
static int apigw_authz_validation(apigw_authorizer_t *a,
    const apigw_loc_t *ext, apigw_error_t *err);
static int apigw_authz_endpoint(apigw_authorizer_t *a, const apigw_loc_t *ext,
    apigw_error_t *err);
static int apigw_authz_lambda_arn(apigw_authorizer_t *a,
    const apigw_loc_t *loc, const char *s, apigw_error_t *err);
static int apigw_authz_function_name(apigw_authorizer_t *a,
    const apigw_loc_t *loc, const char *s, size_t len, apigw_error_t *err);
static int apigw_authz_jwt_config(apigw_authorizer_t *a,
    const apigw_loc_t *ext, apigw_error_t *err);
static int apigw_authz_cognito(apigw_authorizer_t *a, const apigw_loc_t *ext,
    apigw_error_t *err);
static int apigw_authz_strings(const apigw_loc_t *loc, char ***list,
    size_t *n, const char *what, apigw_error_t *err);
static int apigw_authz_digest(apigw_authorizer_t *a, const apigw_loc_t *ext);
static json_t *apigw_authz_member(const apigw_loc_t *parent,
    apigw_loc_t *child, const char *name);
static int apigw_authz_token_char(int c);


#define APIGW_AUTHZ_NO_ENDPOINT     0x1
#define APIGW_AUTHZ_NO_SOURCES      0x2


static const char  *apigw_authz_aws_members[] = {
    "type", "authorizerUri", "authorizerCredentials", "identitySource",
    "identityValidationExpression", "authorizerResultTtlInSeconds",
    "providerARNs", "jwtConfiguration", "authorizerPayloadFormatVersion",
    "enableSimpleResponses", NULL
};

static const char  *apigw_authz_own_members[] = {
    "type", "authorizerUri", "authorizerCredentials", "identitySource",
    "identityValidationExpression", "authorizerResultTtlInSeconds",
    "providerARNs", "jwtConfiguration", "authorizerPayloadFormatVersion",
    "enableSimpleResponses", "uri", "function", "timeout", NULL
};


int
apigw_authorizer_declared(const apigw_loc_t *scheme)
{
    return json_is_object(scheme->node)
           && (json_object_get(scheme->node, "x-amazon-apigateway-authorizer")
               || json_object_get(scheme->node, "x-apigw-authorizer"));
}


int
apigw_authorizer_compile(const apigw_loc_t *scheme, apigw_authorizer_t *a,
    apigw_error_t *err)
{
    json_t       *aws, *own;
    apigw_loc_t   ext;

    memset(a, 0, sizeof(apigw_authorizer_t));
    a->ttl = APIGW_AUTHZ_TTL_DEFAULT;
    a->timeout_ms = APIGW_AUTHZ_TIMEOUT;

    if (!json_is_object(scheme->node)) {
        apigw_loc_error(err, scheme, "a security scheme must be an object");
        return -1;
    }

    aws = json_object_get(scheme->node, "x-amazon-apigateway-authorizer");
    own = json_object_get(scheme->node, "x-apigw-authorizer");

    if (aws && own) {
        apigw_loc_error(err, scheme, "a scheme has x-amazon-apigateway-"
                        "authorizer or x-apigw-authorizer, not both");
        return -1;
    }

    if (aws == NULL && own == NULL) {
        apigw_loc_error(err, scheme, "the scheme has no "
                        "x-amazon-apigateway-authorizer or "
                        "x-apigw-authorizer");
        return -1;
    }

    a->aws = (aws != NULL);

    apigw_loc_child(scheme, &ext, aws ? "x-amazon-apigateway-authorizer"
                                      : "x-apigw-authorizer",
                    aws ? aws : own);

    if (!json_is_object(ext.node)) {
        apigw_loc_error(err, &ext, "an authorizer must be an object such as "
                        "{type: token, authorizerUri: ...}");
        return -1;
    }

    if (apigw_loc_check_members(&ext, aws ? apigw_authz_aws_members
                                          : apigw_authz_own_members,
                                "in an authorizer", err)
        != 0
        || apigw_authz_type(a, &ext, err) != 0
        || apigw_authz_members(a, &ext, err) != 0
        || apigw_authz_ttl(a, &ext, err) != 0
        || apigw_authz_timeout(a, &ext, err) != 0
        || apigw_authz_payload(a, &ext, err) != 0
        || apigw_authz_sources(a, scheme, &ext, err) != 0
        || apigw_authz_validation(a, &ext, err) != 0
        || apigw_authz_endpoint(a, &ext, err) != 0
        || (a->type == APIGW_AUTHZ_JWT
            && apigw_authz_jwt_config(a, &ext, err) != 0)
        || (a->type == APIGW_AUTHZ_COGNITO
            && apigw_authz_cognito(a, &ext, err) != 0))
    {
        apigw_authorizer_free(a);
        return -1;
    }

    if (apigw_authz_digest(a, &ext) != 0) {
        apigw_loc_error(err, &ext, "out of memory");
        apigw_authorizer_free(a);
        return -1;
    }

    return 0;
}


static int
apigw_authz_type(apigw_authorizer_t *a, const apigw_loc_t *ext,
    apigw_error_t *err)
{
    json_t       *v;
    const char   *s;
    apigw_loc_t   loc;

    v = apigw_authz_member(ext, &loc, "type");
    s = json_string_value(v);

    if (s == NULL) {
        apigw_loc_error(err, v ? &loc : ext, "an authorizer needs \"type\": "
                        "token, request, jwt or cognito_user_pools");
        return -1;
    }

    /* AWS's API spells them in capitals, its extension in lower case */
    if (strcasecmp(s, "token") == 0) {
        a->type = APIGW_AUTHZ_TOKEN;

    } else if (strcasecmp(s, "request") == 0) {
        a->type = APIGW_AUTHZ_REQUEST;

    } else if (strcasecmp(s, "jwt") == 0) {
        a->type = APIGW_AUTHZ_JWT;

    } else if (strcasecmp(s, "cognito_user_pools") == 0) {
        a->type = APIGW_AUTHZ_COGNITO;

    } else {
        apigw_loc_error(err, &loc, "unknown authorizer type \"%s\": token, "
                        "request, jwt or cognito_user_pools", s);
        return -1;
    }

    return 0;
}


/* members that one type has and the others must not */
static int
apigw_authz_members(apigw_authorizer_t *a, const apigw_loc_t *ext,
    apigw_error_t *err)
{
    size_t        i;
    json_t       *v;
    apigw_loc_t   loc;

    static const struct {
        const char  *name;
        unsigned     types;         /* 1 << apigw_authz_type_e */
    } only[] = {
        { "authorizerUri", 0x3 },
        { "uri", 0x3 },
        { "function", 0x3 },
        { "timeout", 0x3 },
        { "identityValidationExpression", 0x9 },
        { "authorizerPayloadFormatVersion", 0x2 },
        { "enableSimpleResponses", 0x2 },
        { "providerARNs", 0x8 },
        { "jwtConfiguration", 0x4 },
        { NULL, 0 }
    };

    static const char  *types[] = {
        "token", "request", "jwt", "cognito_user_pools"
    };

    for (i = 0; only[i].name; i++) {
        v = apigw_authz_member(ext, &loc, only[i].name);

        if (v != NULL && !(only[i].types & (1u << a->type))) {
            apigw_loc_error(err, &loc, "\"%s\" does not apply to a %s "
                            "authorizer", only[i].name, types[a->type]);
            return -1;
        }
    }

    v = apigw_authz_member(ext, &loc, "authorizerCredentials");

    /* an IAM role to call Lambda with: nothing to do here */
    if (v != NULL && !json_is_string(v)) {
        apigw_loc_error(err, &loc, "\"authorizerCredentials\" must be a "
                        "string");
        return -1;
    }

    return 0;
}


/* authorizerResultTtlInSeconds: 0 to 3600, a number or a string of one */
static int
apigw_authz_ttl(apigw_authorizer_t *a, const apigw_loc_t *ext,
    apigw_error_t *err)
{
    char         *end;
    json_t       *v;
    long long     n;
    const char   *s;
    apigw_loc_t   loc;

    v = apigw_authz_member(ext, &loc, "authorizerResultTtlInSeconds");

    if (v == NULL) {
        return 0;
    }

    if (json_is_integer(v)) {
        n = json_integer_value(v);

    } else if (json_is_string(v)) {
        s = json_string_value(v);
        n = (*s >= '0' && *s <= '9') ? strtoll(s, &end, 10) : -1;

        if (n >= 0 && *end != '\0') {
            n = -1;
        }

    } else {
        n = -1;
    }

    if (n < 0 || n > APIGW_AUTHZ_TTL_MAX) {
        apigw_loc_error(err, &loc, "\"authorizerResultTtlInSeconds\" must be "
                        "an integer from 0 (no caching) to %d",
                        APIGW_AUTHZ_TTL_MAX);
        return -1;
    }

    a->ttl = (unsigned) n;

    return 0;
}


static int
apigw_authz_timeout(apigw_authorizer_t *a, const apigw_loc_t *ext,
    apigw_error_t *err)
{
    json_t       *v;
    apigw_loc_t   loc;

    v = apigw_authz_member(ext, &loc, "timeout");

    if (v == NULL) {
        return 0;
    }

    if (!json_is_integer(v) || json_integer_value(v) < APIGW_TIMEOUT_MIN
        || json_integer_value(v) > APIGW_TIMEOUT_MAX)
    {
        apigw_loc_error(err, &loc, "\"timeout\" must be an integer of "
                        "milliseconds from %d to %d", APIGW_TIMEOUT_MIN,
                        APIGW_TIMEOUT_MAX);
        return -1;
    }

    a->timeout_ms = (unsigned) json_integer_value(v);

    return 0;
}


/* authorizerPayloadFormatVersion "1.0" | "2.0"; enableSimpleResponses */
static int
apigw_authz_payload(apigw_authorizer_t *a, const apigw_loc_t *ext,
    apigw_error_t *err)
{
    json_t       *v;
    const char   *s;
    apigw_loc_t   loc;

    v = apigw_authz_member(ext, &loc, "authorizerPayloadFormatVersion");

    if (v != NULL) {
        s = json_string_value(v);

        /* YAML reads an unquoted 2.0 as a number */
        if ((s && strcmp(s, "1.0") == 0)
            || (json_is_real(v) && json_real_value(v) == 1.0))
        {
            a->payload = APIGW_AUTHZ_PAYLOAD_1_0;

        } else if ((s && strcmp(s, "2.0") == 0)
                   || (json_is_real(v) && json_real_value(v) == 2.0))
        {
            a->payload = APIGW_AUTHZ_PAYLOAD_2_0;

        } else {
            apigw_loc_error(err, &loc, "\"authorizerPayloadFormatVersion\" "
                            "must be \"1.0\" or \"2.0\"");
            return -1;
        }
    }

    v = apigw_authz_member(ext, &loc, "enableSimpleResponses");

    if (v == NULL) {
        return 0;
    }

    if (!json_is_boolean(v)) {
        apigw_loc_error(err, &loc, "\"enableSimpleResponses\" must be true "
                        "or false");
        return -1;
    }

    if (json_is_true(v) && a->payload != APIGW_AUTHZ_PAYLOAD_2_0) {
        apigw_loc_error(err, &loc, "simple responses need "
                        "authorizerPayloadFormatVersion \"2.0\"");
        return -1;
    }

    a->simple = json_is_true(v);

    return 0;
}


/* identitySource: "method.request.header.A, context.identity.sourceIp" */
static int
apigw_authz_sources(apigw_authorizer_t *a, const apigw_loc_t *scheme,
    const apigw_loc_t *ext, apigw_error_t *err)
{
    size_t        i, n;
    json_t       *v, *item;
    const char   *s, *p, *end, *comma;
    apigw_loc_t   loc, iloc;

    a->sources = calloc(APIGW_AUTHZ_MAX_SOURCES,
                        sizeof(apigw_authz_source_t));
    if (a->sources == NULL) {
        apigw_loc_error(err, ext, "out of memory");
        return -1;
    }

    v = apigw_authz_member(ext, &loc, "identitySource");

    if (v == NULL) {
        switch (a->type) {

        case APIGW_AUTHZ_TOKEN:
        case APIGW_AUTHZ_COGNITO:
            return apigw_authz_scheme_header(a, scheme, err);

        case APIGW_AUTHZ_JWT:
            return apigw_authz_source(a, ext, "$request.header.Authorization",
                                      29, err);

        default:
            break;
        }

        if (a->ttl) {
            apigw_loc_error(err, ext, "a request authorizer whose results "
                            "are cached needs \"identitySource\" (or "
                            "authorizerResultTtlInSeconds: 0)");
            return -1;
        }

        return 0;
    }

    if (json_is_string(v)) {
        s = json_string_value(v);
        end = s + json_string_length(v);

        for (p = s; p <= end; p = comma + 1) {
            comma = memchr(p, ',', end - p);
            if (comma == NULL) {
                comma = end;
            }

            while (p < comma && *p == ' ') {
                p++;
            }

            for (n = comma - p; n && p[n - 1] == ' '; n--) { /* void */ }

            if (n == 0 && (comma != end || p != s)) {
                apigw_loc_error(err, &loc, "an empty identity source");
                return -1;
            }

            if (n && apigw_authz_source(a, &loc, p, n, err) != 0) {
                return -1;
            }
        }

    } else if (json_is_array(v)) {
        /* HTTP APIs' own configuration lists them */
        for (i = 0; i < json_array_size(v); i++) {
            item = json_array_get(v, i);
            apigw_loc_index(&loc, &iloc, i, item);

            if (!json_is_string(item)) {
                apigw_loc_error(err, &iloc, "an identity source must be a "
                                "string");
                return -1;
            }

            if (apigw_authz_source(a, &iloc, json_string_value(item),
                                   json_string_length(item), err)
                != 0)
            {
                return -1;
            }
        }

    } else {
        apigw_loc_error(err, &loc, "\"identitySource\" must be a string of "
                        "comma-separated sources");
        return -1;
    }

    if (a->type == APIGW_AUTHZ_TOKEN
        && (a->nsources != 1
            || a->sources[0].in != APIGW_AUTHZ_SOURCE_HEADER))
    {
        apigw_loc_error(err, &loc, "a token authorizer's identity source is "
                        "one header: method.request.header.NAME");
        return -1;
    }

    if (a->nsources == 0 && a->ttl) {
        apigw_loc_error(err, &loc, "an authorizer whose results are cached "
                        "needs an identity source");
        return -1;
    }

    return 0;
}


static int
apigw_authz_source(apigw_authorizer_t *a, const apigw_loc_t *loc,
    const char *s, size_t len, apigw_error_t *err)
{
    int                    ctx;
    size_t                 i, k, plen;
    const char            *name;
    apigw_authz_source_t  *src;

    static const struct {
        const char            *prefix;
        apigw_authz_source_e   in;
    } prefixes[] = {
        { "method.request.header.", APIGW_AUTHZ_SOURCE_HEADER },
        { "$request.header.", APIGW_AUTHZ_SOURCE_HEADER },
        { "method.request.querystring.", APIGW_AUTHZ_SOURCE_QUERY },
        { "$request.querystring.", APIGW_AUTHZ_SOURCE_QUERY },
        { "stageVariables.", APIGW_AUTHZ_SOURCE_STAGE_VAR },
        { "$stageVariables.", APIGW_AUTHZ_SOURCE_STAGE_VAR },
        { "context.", APIGW_AUTHZ_SOURCE_CONTEXT },
        { "$context.", APIGW_AUTHZ_SOURCE_CONTEXT },
        { NULL, 0 }
    };

    for (k = 0; prefixes[k].prefix; k++) {
        plen = strlen(prefixes[k].prefix);

        if (len > plen && memcmp(s, prefixes[k].prefix, plen) == 0) {
            break;
        }
    }

    if (prefixes[k].prefix == NULL) {
        apigw_loc_error(err, loc, "unknown identity source \"%.*s\": "
                        "method.request.header.NAME, "
                        "method.request.querystring.NAME, "
                        "stageVariables.NAME or context.NAME", (int) len, s);
        return -1;
    }

    if (a->nsources == APIGW_AUTHZ_MAX_SOURCES) {
        apigw_loc_error(err, loc, "more than %d identity sources",
                        APIGW_AUTHZ_MAX_SOURCES);
        return -1;
    }

    name = s + plen;
    len -= plen;
    ctx = -1;

    for (i = 0; i < len; i++) {
        if (name[i] == '\0' || name[i] == ' ' || name[i] == ','
            || (prefixes[k].in == APIGW_AUTHZ_SOURCE_HEADER
                && !apigw_authz_token_char((unsigned char) name[i])))
        {
            break;
        }
    }

    if (i != len) {
        apigw_loc_error(err, loc, "bad name in the identity source \"%.*s\"",
                        (int) (len + plen), s);
        return -1;
    }

    if (prefixes[k].in == APIGW_AUTHZ_SOURCE_CONTEXT) {
        ctx = apigw_context_index(name, len);

        if (ctx < 0 || ctx >= APIGW_CTX_ERROR_MESSAGE) {
            apigw_loc_error(err, loc, "unknown context variable \"%.*s\" in "
                            "an identity source (apigw knows requestId, "
                            "stage, apiId, httpMethod, resourcePath, path, "
                            "protocol, domainName, identity.sourceIp, "
                            "identity.userAgent and the like)",
                            (int) len, name);
            return -1;
        }
    }

    src = &a->sources[a->nsources];
    src->in = prefixes[k].in;
    src->context = ctx;
    src->name_len = len;
    src->name = malloc(len + 1);

    if (src->name == NULL) {
        apigw_loc_error(err, loc, "out of memory");
        return -1;
    }

    for (i = 0; i < len; i++) {
        src->name[i] = (src->in == APIGW_AUTHZ_SOURCE_HEADER
                        && name[i] >= 'A' && name[i] <= 'Z')
                       ? (char) (name[i] - 'A' + 'a') : name[i];
    }

    src->name[len] = '\0';
    a->nsources++;

    return 0;
}


/* {type: apiKey, in: header, name: Authorization}: the token's header */
static int
apigw_authz_scheme_header(apigw_authorizer_t *a, const apigw_loc_t *scheme,
    apigw_error_t *err)
{
    char         buf[APIGW_ERR_LEN];
    json_t      *in, *name;
    const char  *s;

    in = json_object_get(scheme->node, "in");
    name = json_object_get(scheme->node, "name");
    s = json_string_value(in);

    if (s == NULL || strcmp(s, "header") != 0 || !json_is_string(name)
        || json_string_length(name) == 0
        || json_string_length(name) > sizeof(buf) - 32)
    {
        apigw_loc_error(err, scheme, "the authorizer needs \"identitySource\""
                        ": method.request.header.NAME, or the scheme's "
                        "\"in: header\" and \"name\"");
        return -1;
    }

    snprintf(buf, sizeof(buf), "method.request.header.%s",
             json_string_value(name));

    return apigw_authz_source(a, scheme, buf, strlen(buf), err);
}


/*
 * identityValidationExpression: AWS's is a Java regular expression; here
 * PCRE2 (the same syntax for what such patterns use), matched against the
 * whole token, as Java's String.matches() does; bytes, not characters
 */
static int
apigw_authz_validation(apigw_authorizer_t *a, const apigw_loc_t *ext,
    apigw_error_t *err)
{
    int                     errcode;
    json_t                 *v;
    PCRE2_SIZE              erroff;
    apigw_loc_t             loc;
    PCRE2_UCHAR             msg[256];
    pcre2_match_context    *mctx;

    v = apigw_authz_member(ext, &loc, "identityValidationExpression");

    if (v == NULL) {
        return 0;
    }

    if (!json_is_string(v)) {
        apigw_loc_error(err, &loc, "\"identityValidationExpression\" must be "
                        "a string: a regular expression");
        return -1;
    }

    a->validation = strdup(json_string_value(v));
    if (a->validation == NULL) {
        apigw_loc_error(err, &loc, "out of memory");
        return -1;
    }

    a->regex = pcre2_compile((PCRE2_SPTR) json_string_value(v),
                             json_string_length(v),
                             PCRE2_ANCHORED | PCRE2_ENDANCHORED,
                             &errcode, &erroff, NULL);
    if (a->regex == NULL) {
        pcre2_get_error_message(errcode, msg, sizeof(msg));
        apigw_loc_error(err, &loc, "bad identityValidationExpression at "
                        "offset %zu: %s", (size_t) erroff, (char *) msg);
        return -1;
    }

    mctx = pcre2_match_context_create(NULL);
    if (mctx == NULL) {
        apigw_loc_error(err, &loc, "out of memory");
        return -1;
    }

    pcre2_set_match_limit(mctx, APIGW_AUTHZ_MATCH_LIMIT);
    pcre2_set_depth_limit(mctx, APIGW_AUTHZ_MATCH_LIMIT / 10);
    a->match_ctx = mctx;

    return 0;
}


/* authorizerUri, uri or function: exactly one for token/request */
static int
apigw_authz_endpoint(apigw_authorizer_t *a, const apigw_loc_t *ext,
    apigw_error_t *err)
{
    char          errbuf[APIGW_ERR_LEN];
    size_t        i, n, which;
    json_t       *v, *found;
    const char   *s;
    apigw_loc_t   loc, floc;

    static const char  *names[] = { "authorizerUri", "uri", "function", NULL };

    if (a->type == APIGW_AUTHZ_JWT || a->type == APIGW_AUTHZ_COGNITO) {
        return 0;
    }

    found = NULL;
    which = 0;

    for (n = 0, i = 0; names[i]; i++) {
        v = apigw_authz_member(ext, &loc, names[i]);

        if (v != NULL) {
            found = v;
            floc = loc;
            which = i;
            n++;
        }
    }

    if (n != 1) {
        apigw_loc_error(err, n ? &floc : ext, "a %s authorizer needs one "
                        "endpoint: \"authorizerUri\" (a Lambda function's "
                        "ARN)%s", a->type == APIGW_AUTHZ_TOKEN ? "token"
                                                            : "request",
                        a->aws ? "" : ", \"uri\" (an http(s) URL or an ARN) "
                                      "or \"function\" (a function's name)");
        return -1;
    }

    s = json_string_value(found);

    if (s == NULL || *s == '\0') {
        apigw_loc_error(err, &floc, "the authorizer's endpoint must be a "
                        "non-empty string");
        return -1;
    }

    a->uri = strdup(s);
    if (a->uri == NULL) {
        apigw_loc_error(err, &floc, "out of memory");
        return -1;
    }

    if (which == 2) {
        return apigw_authz_function_name(a, &floc, s, strlen(s), err);
    }

    if (strncmp(s, "arn:", 4) == 0) {
        return apigw_authz_lambda_arn(a, &floc, s, err);
    }

    if (strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0) {
        apigw_loc_error(err, &floc, "the authorizer's endpoint must be a "
                        "Lambda function's ARN (arn:aws:apigateway:REGION:"
                        "lambda:path/2015-03-31/functions/arn:aws:lambda:"
                        "REGION:ACCOUNT:function:NAME/invocations)%s",
                        a->aws ? "" : " or an http(s) URL");
        return -1;
    }

    a->endpoint = APIGW_AUTHZ_ENDPOINT_HTTP;
    a->url = apigw_tpl_parse(s, strlen(s), APIGW_TPL_URI, errbuf,
                             sizeof(errbuf));

    if (a->url == NULL) {
        apigw_loc_error(err, &floc, "%s", errbuf);
        return -1;
    }

    for (i = 0; i < a->url->nparts; i++) {
        if (a->url->parts[i].kind == APIGW_TPL_PATH_PARAM) {
            apigw_loc_error(err, &floc, "an authorizer's URL has no path "
                            "parameters (\"{%s}\")", a->url->parts[i].text);
            return -1;
        }
    }

    return 0;
}


/*
 * arn:aws:apigateway:R:lambda:path/2015-03-31/functions/FN/invocations,
 * or FN itself: arn:aws:lambda:R:ACCOUNT:function:NAME[:QUALIFIER]
 */
static int
apigw_authz_lambda_arn(apigw_authorizer_t *a, const apigw_loc_t *loc,
    const char *s, apigw_error_t *err)
{
    apigw_lambda_ref_t  ref;

    if (apigw_lambda_arn(s, strlen(s), &ref) != 0) {
        apigw_loc_error(err, loc, "not a Lambda function's ARN: "
                        "arn:aws:apigateway:REGION:lambda:path/2015-03-31/"
                        "functions/arn:aws:lambda:REGION:ACCOUNT:function:"
                        "NAME/invocations");
        return -1;
    }

    if (ref.qualifier != NULL) {
        a->qualifier = malloc(ref.qualifier_len + 1);
        if (a->qualifier == NULL) {
            apigw_loc_error(err, loc, "out of memory");
            return -1;
        }

        memcpy(a->qualifier, ref.qualifier, ref.qualifier_len);
        a->qualifier[ref.qualifier_len] = '\0';
    }

    return apigw_authz_function_name(a, loc, ref.name, ref.name_len, err);
}


/* a function's name: letters, digits, "-", "_", or ${stageVariables.x} */
static int
apigw_authz_function_name(apigw_authorizer_t *a, const apigw_loc_t *loc,
    const char *s, size_t len, apigw_error_t *err)
{
    char  errbuf[APIGW_ERR_LEN];

    a->endpoint = APIGW_AUTHZ_ENDPOINT_FUNCTION;
    a->function = apigw_function_tpl(s, len, 0, errbuf, sizeof(errbuf));

    if (a->function == NULL) {
        apigw_loc_error(err, loc, "%s", errbuf);
        return -1;
    }

    return 0;
}


/* jwtConfiguration: {issuer, audience: [...]} (x-apigw-authorizer: jwks) */
static int
apigw_authz_jwt_config(apigw_authorizer_t *a, const apigw_loc_t *ext,
    apigw_error_t *err)
{
    json_t       *v, *cfg;
    const char   *s;
    apigw_loc_t   loc, cloc;

    static const char  *aws_members[] = { "issuer", "audience", NULL };
    static const char  *own_members[] = { "issuer", "audience", "jwks", NULL };

    cfg = apigw_authz_member(ext, &cloc, "jwtConfiguration");

    if (!json_is_object(cfg)) {
        apigw_loc_error(err, cfg ? &cloc : ext, "a jwt authorizer needs "
                        "\"jwtConfiguration\": {issuer: URL, audience: "
                        "[...]}");
        return -1;
    }

    if (apigw_loc_check_members(&cloc, a->aws ? aws_members : own_members,
                                NULL, err)
        != 0)
    {
        return -1;
    }

    v = apigw_authz_member(&cloc, &loc, "issuer");
    s = json_string_value(v);

    if (s == NULL || (strncmp(s, "https://", 8) != 0
                      && strncmp(s, "http://", 7) != 0))
    {
        apigw_loc_error(err, v ? &loc : &cloc, "\"issuer\" must be the "
                        "issuer's URL");
        return -1;
    }

    a->jwt.issuers = calloc(1, sizeof(char *));
    a->jwt.jwks = calloc(1, sizeof(char *));

    if (a->jwt.issuers == NULL || a->jwt.jwks == NULL
        || (a->jwt.issuers[0] = strdup(s)) == NULL)
    {
        apigw_loc_error(err, &loc, "out of memory");
        return -1;
    }

    a->jwt.nissuers = 1;

    v = apigw_authz_member(&cloc, &loc, "jwks");

    if (v != NULL) {
        s = json_string_value(v);

        if (s == NULL || *s == '\0') {
            apigw_loc_error(err, &loc, "\"jwks\" must be a URL or a file");
            return -1;
        }

        a->jwt.jwks[0] = strdup(s);
        if (a->jwt.jwks[0] == NULL) {
            apigw_loc_error(err, &loc, "out of memory");
            return -1;
        }
    }

    if (apigw_authz_member(&cloc, &loc, "audience") == NULL) {
        return 0;
    }

    return apigw_authz_strings(&loc, &a->jwt.audiences, &a->jwt.naudiences,
                               "an audience", err);
}


/* providerARNs: arn:aws:cognito-idp:REGION:ACCOUNT:userpool/POOL */
static int
apigw_authz_cognito(apigw_authorizer_t *a, const apigw_loc_t *ext,
    apigw_error_t *err)
{
    int           ok;
    char        **arns, *iss, *jwks;
    size_t        i, n, len;
    const char   *p, *region, *pool, *colon;
    apigw_loc_t   loc, iloc;

    region = NULL;
    pool = NULL;

    if (apigw_authz_member(ext, &loc, "providerARNs") == NULL) {
        apigw_loc_error(err, ext, "a cognito_user_pools authorizer needs "
                        "\"providerARNs\": its user pools' ARNs");
        return -1;
    }

    if (apigw_authz_strings(&loc, &arns, &n, "a user pool's ARN", err) != 0) {
        return -1;
    }

    if (n == 0) {
        free(arns);
        apigw_loc_error(err, &loc, "\"providerARNs\" is empty");
        return -1;
    }

    a->jwt.issuers = calloc(n, sizeof(char *));
    a->jwt.jwks = calloc(n, sizeof(char *));

    if (a->jwt.issuers == NULL || a->jwt.jwks == NULL) {
        goto nomem;
    }

    for (i = 0; i < n; i++) {
        apigw_loc_index(&loc, &iloc, i, json_array_get(loc.node, i));

        ok = 0;
        p = arns[i];
        colon = NULL;

        /* arn:PARTITION:cognito-idp:REGION:ACCOUNT:userpool/POOL */
        if (strncmp(p, "arn:", 4) == 0
            && (colon = strchr(p + 4, ':')) != NULL
            && strncmp(colon, ":cognito-idp:", 13) == 0)
        {
            region = colon + 13;
            colon = strchr(region, ':');
            pool = colon ? strchr(colon + 1, ':') : NULL;

            ok = (colon != NULL && colon != region && pool != NULL
                  && strncmp(pool, ":userpool/", 10) == 0
                  && pool[10] != '\0' && strchr(pool + 10, '/') == NULL
                  && strchr(pool + 10, ':') == NULL);
        }

        for (p = region; ok && p < colon; p++) {
            ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')
                 || *p == '-';
        }

        if (!ok) {
            apigw_loc_error(err, &iloc, "not a user pool's ARN: "
                            "arn:aws:cognito-idp:REGION:ACCOUNT:userpool/"
                            "POOL_ID");
            goto failed;
        }

        pool += 10;
        len = sizeof("https://cognito-idp..amazonaws.com/") + (colon - region)
              + strlen(pool);

        iss = malloc(len);
        jwks = malloc(len + sizeof("/.well-known/jwks.json"));

        if (iss == NULL || jwks == NULL) {
            free(iss);
            free(jwks);
            goto nomem;
        }

        snprintf(iss, len, "https://cognito-idp.%.*s.amazonaws.com/%s",
                 (int) (colon - region), region, pool);
        snprintf(jwks, len + sizeof("/.well-known/jwks.json"),
                 "%s/.well-known/jwks.json", iss);

        a->jwt.issuers[i] = iss;
        a->jwt.jwks[i] = jwks;
        a->jwt.nissuers = i + 1;
    }

    for (i = 0; i < n; i++) {
        free(arns[i]);
    }

    free(arns);

    return 0;

nomem:

    apigw_loc_error(err, &loc, "out of memory");

failed:

    for (i = 0; i < n; i++) {
        free(arns[i]);
    }

    free(arns);

    return -1;
}


/* a string or an array of strings, copied */
static int
apigw_authz_strings(const apigw_loc_t *loc, char ***list, size_t *n,
    const char *what, apigw_error_t *err)
{
    size_t        i, count;
    json_t       *item;
    apigw_loc_t   iloc;

    count = json_is_array(loc->node) ? json_array_size(loc->node) : 1;

    *n = 0;
    *list = calloc(count + 1, sizeof(char *));

    if (*list == NULL) {
        apigw_loc_error(err, loc, "out of memory");
        return -1;
    }

    for (i = 0; i < count; i++) {
        item = json_is_array(loc->node) ? json_array_get(loc->node, i)
                                        : loc->node;

        if (!json_is_string(item) || json_string_length(item) == 0) {
            if (json_is_array(loc->node)) {
                apigw_loc_index(loc, &iloc, i, item);
            } else {
                iloc = *loc;
            }

            apigw_loc_error(err, &iloc, "%s must be a non-empty string",
                            what);
            return -1;
        }

        (*list)[i] = strdup(json_string_value(item));
        if ((*list)[i] == NULL) {
            apigw_loc_error(err, loc, "out of memory");
            return -1;
        }

        *n = i + 1;
    }

    return 0;
}


/*
 * what identifies the definition in cached results: the extension as
 * written and the identity sources (the scheme's header among them), so
 * that a reload that changes the authorizer does not reuse old results
 */
static int
apigw_authz_digest(apigw_authorizer_t *a, const apigw_loc_t *ext)
{
    char    *text, *buf;
    size_t   i, len, n;

    text = json_dumps(ext->node, JSON_COMPACT | JSON_SORT_KEYS
                                 | JSON_ENCODE_ANY);
    if (text == NULL) {
        return -1;
    }

    len = strlen(text) + 1;

    for (i = 0; i < a->nsources; i++) {
        len += a->sources[i].name_len + 3;
    }

    buf = malloc(len);
    if (buf == NULL) {
        free(text);
        return -1;
    }

    n = strlen(text) + 1;
    memcpy(buf, text, n);
    free(text);

    for (i = 0; i < a->nsources; i++) {
        buf[n++] = (char) ('0' + a->sources[i].in);
        memcpy(buf + n, a->sources[i].name, a->sources[i].name_len + 1);
        n += a->sources[i].name_len + 1;
    }

    apigw_sha256(buf, n, a->id);
    free(buf);

    return 0;
}


void
apigw_authorizer_free(apigw_authorizer_t *a)
{
    size_t  i;

    if (a->sources) {
        for (i = 0; i < a->nsources; i++) {
            free(a->sources[i].name);
        }

        free(a->sources);
    }

    free(a->validation);
    pcre2_code_free(a->regex);
    pcre2_match_context_free(a->match_ctx);
    free(a->uri);
    apigw_tpl_free(a->url);
    apigw_tpl_free(a->function);
    free(a->qualifier);

    for (i = 0; i < a->jwt.nissuers; i++) {
        free(a->jwt.issuers[i]);
        free(a->jwt.jwks[i]);
    }

    free(a->jwt.issuers);
    free(a->jwt.jwks);

    for (i = 0; i < a->jwt.naudiences; i++) {
        free(a->jwt.audiences[i]);
    }

    free(a->jwt.audiences);

    memset(a, 0, sizeof(apigw_authorizer_t));
}


static json_t *
apigw_authz_member(const apigw_loc_t *parent, apigw_loc_t *child,
    const char *name)
{
    json_t  *v;

    v = json_object_get(parent->node, name);

    if (v != NULL) {
        apigw_loc_child(parent, child, name, v);
    }

    return v;
}


/* RFC 9110 token characters: a header's name */
static int
apigw_authz_token_char(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9')
           || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}
