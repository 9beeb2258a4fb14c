
/*
 * Copyright (C) apigw contributors
 */


/*
 * unit tests for what the spec compiler makes of JWT schemes
 * (apigw_spec_jwt.c): x-apigw-jwt, AWS jwt and Cognito authorizers,
 * openIdConnectUrl, the scopes of requirements, the apigw_jwt directive's
 * options, and OpenID Connect discovery documents
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apigw_core.h"
#include "apigw_jwt_conf.h"
#include "apigw_authorizer.h"
#include "unit.h"
#include "spec_load.h"


static void
fails(const char *name, const char *text, const char *message)
{
    apigw_api_t  *api;

    api = load_text(text);

    CHECK(api == NULL && strstr(err.message, message) != NULL,
          "%s: got %s: \"%s\" at %s", name, api ? "loaded" : "error",
          err.message, err.pointer);

    apigw_api_free(api);
}


static apigw_security_scheme_t *
scheme(apigw_api_t *api, const char *name)
{
    size_t  i;

    for (i = 0; api && i < api->nschemes; i++) {
        if (strcmp(api->schemes[i].name, name) == 0) {
            return &api->schemes[i];
        }
    }

    return NULL;
}


#define HEAD  "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n"
#define PATHS "paths:\n  /a:\n    get: {security: [{s: [read, write]}]}\n"


static void
test_extension(void)
{
    apigw_api_t              *api;
    apigw_jwt_conf_t         *c;
    apigw_jwt_policy_t        policy;
    apigw_security_scheme_t  *ss;

    api = load_text(HEAD
        "components:\n  securitySchemes:\n    s:\n"
        "      type: http\n      scheme: bearer\n"
        "      x-apigw-jwt:\n"
        "        issuer: https://id.test/\n"
        "        audience: [a1, a2]\n"
        "        jwks: /keys/id.json\n"
        "        algorithms: [RS256, ES256]\n"
        "        leeway: 5\n        typ: at+jwt\n        iat: true\n"
        "        claims: {tenant: acme, role: [a, b], vip: true}\n"
        "        forward: {sub: X-User}\n        query: access_token\n"
        PATHS);

    ss = scheme(api, "s");
    c = ss ? ss->jwt : NULL;

    CHECK(c != NULL, "x-apigw-jwt compiled: %s", err.message);

    if (c == NULL) {
        apigw_api_free(api);
        return;
    }

    CHECK(c->nissuers == 1 && strcmp(c->issuers[0].issuer, "https://id.test/")
          == 0 && c->issuers[0].source == APIGW_JWKS_FILE
          && strcmp(c->issuers[0].jwks, "/keys/id.json") == 0,
          "issuer and a keys file");
    CHECK(c->naudiences == 2 && strcmp(c->audiences[1], "a2") == 0,
          "audiences");
    CHECK(c->algs == (APIGW_JWT_ALG_BIT(APIGW_JWT_RS256)
                      | APIGW_JWT_ALG_BIT(APIGW_JWT_ES256)),
          "the allowlist");
    CHECK(c->leeway == 5 && strcmp(c->typ, "at+jwt") == 0 && c->check_iat,
          "leeway, typ, iat");
    CHECK(c->nclaims == 3 && c->claims[2].values == NULL
          && c->claims[2].required, "claim rules; true: present");
    CHECK(c->nforward == 1 && strcmp(c->forward[0].header, "X-User") == 0,
          "forward");
    CHECK(c->query && strcmp(c->query, "access_token") == 0
          && c->bearer && strcmp(c->header, "authorization") == 0,
          "the token's places");
    CHECK(api->ops[0].security[0].scopes[0].n == 2
          && strcmp(api->ops[0].security[0].scopes[0].names[1], "write")
             == 0, "the requirement's scopes");

    apigw_jwt_conf_policy(c, 0, &policy);
    CHECK(policy.leeway == 5 && policy.naudiences == 2
          && strcmp(policy.issuer, "https://id.test/") == 0
          && policy.nclaims == 3 && policy.check_iat,
          "the verifier's policy");

    apigw_api_free(api);

    api = load_text(HEAD
        "components:\n  securitySchemes:\n    s:\n"
        "      type: oauth2\n"
        "      flows: {implicit: {authorizationUrl: 'https://x', scopes: {}}}\n"
        "      x-apigw-jwt: {issuer: 'https://id.test'}\n" PATHS);
    ss = scheme(api, "s");
    CHECK(ss && ss->jwt && ss->jwt->issuers[0].source == APIGW_JWKS_DISCOVERY
          && strcmp(ss->jwt->issuers[0].jwks,
                    "https://id.test/.well-known/openid-configuration") == 0,
          "an issuer alone: its discovery document");
    apigw_api_free(api);

    api = load_text(HEAD
        "components:\n  securitySchemes:\n    s:\n"
        "      type: openIdConnect\n"
        "      openIdConnectUrl: https://id.test/r/.well-known/"
        "openid-configuration\n" PATHS);
    ss = scheme(api, "s");
    CHECK(ss && ss->jwt && ss->jwt->issuers[0].source == APIGW_JWKS_DISCOVERY
          && strcmp(ss->jwt->issuers[0].issuer, "https://id.test/r") == 0,
          "openIdConnectUrl: the issuer it stands for");
    apigw_api_free(api);

    api = load_text(HEAD
        "components:\n  securitySchemes:\n    s:\n"
        "      type: http\n      scheme: bearer\n"
        "      x-apigw-jwt:\n        issuers:\n"
        "          - {issuer: 'https://a.test/', jwks: 'https://a.test/k'}\n"
        "          - {issuer: 'https://b.test/'}\n" PATHS);
    ss = scheme(api, "s");
    CHECK(ss && ss->jwt && ss->jwt->nissuers == 2
          && ss->jwt->issuers[0].source == APIGW_JWKS_URL
          && ss->jwt->issuers[1].source == APIGW_JWKS_DISCOVERY,
          "several issuers, keys by URL and by discovery");
    apigw_api_free(api);

    api = load_text(HEAD
        "components:\n  securitySchemes:\n    s:\n"
        "      type: http\n      scheme: bearer\n" PATHS);
    ss = scheme(api, "s");
    CHECK(ss && ss->jwt == NULL, "a bearer scheme alone: no verifier");
    apigw_api_free(api);
}


static void
test_aws(void)
{
    apigw_api_t              *api;
    apigw_security_scheme_t  *ss;

    api = load_text(HEAD
        "components:\n  securitySchemes:\n    s:\n"
        "      type: oauth2\n"
        "      flows: {implicit: {authorizationUrl: 'https://x', scopes: {}}}\n"
        "      x-amazon-apigateway-authorizer:\n"
        "        type: jwt\n"
        "        identitySource: $request.header.X-Token\n"
        "        jwtConfiguration:\n"
        "          issuer: https://cognito-idp.eu-west-1.amazonaws.com/p1\n"
        "          audience: [client1]\n" PATHS);
    ss = scheme(api, "s");
    CHECK(ss && ss->jwt && ss->authorizer == NULL
          && strcmp(ss->jwt->header, "x-token") == 0
          && ss->jwt->bearer_optional && ss->jwt->client_id_aud
          && ss->jwt->naudiences == 1
          && ss->jwt->issuers[0].source == APIGW_JWKS_DISCOVERY,
          "an AWS jwt authorizer: the JWT verifier's (%s)", err.message);
    apigw_api_free(api);

    api = load_text(HEAD
        "components:\n  securitySchemes:\n    s:\n"
        "      type: apiKey\n      name: Authorization\n      in: header\n"
        "      x-amazon-apigateway-authtype: cognito_user_pools\n"
        "      x-amazon-apigateway-authorizer:\n"
        "        type: cognito_user_pools\n"
        "        providerARNs: ['arn:aws:cognito-idp:us-east-1:123456789012"
        ":userpool/us-east-1_abc']\n" PATHS);
    ss = scheme(api, "s");
    CHECK(ss && ss->jwt && ss->jwt->nissuers == 1
          && strcmp(ss->jwt->issuers[0].issuer,
                    "https://cognito-idp.us-east-1.amazonaws.com/"
                    "us-east-1_abc") == 0
          && strcmp(ss->jwt->header, "authorization") == 0,
          "a Cognito authorizer: the pool's issuer (%s)", err.message);
    apigw_api_free(api);

    api = load_text(HEAD
        "components:\n  securitySchemes:\n    s:\n"
        "      type: apiKey\n      name: Authorization\n      in: header\n"
        "      x-amazon-apigateway-authorizer:\n"
        "        type: token\n"
        "        authorizerUri: 'arn:aws:apigateway:us-east-1:lambda:path/"
        "2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:auth/"
        "invocations'\n" PATHS);
    ss = scheme(api, "s");
    CHECK(ss && ss->authorizer && ss->jwt == NULL
          && ss->authorizer->type == APIGW_AUTHZ_TOKEN,
          "a TOKEN authorizer: a custom one (%s)", err.message);
    apigw_api_free(api);
}


static void
test_refused(void)
{
#define SCHEME(x)                                                             \
    HEAD "components:\n  securitySchemes:\n    s:\n"                          \
    "      type: http\n      scheme: bearer\n      x-apigw-jwt: " x "\n"      \
    PATHS

    fails("not an object", SCHEME("[1]"), "must be an object");
    fails("an unknown member", SCHEME("{issuer: 'https://a', colour: red}"),
          "colour");
    fails("jwks without issuer", SCHEME("{jwks: /k.json}"),
          "\"jwks\" needs \"issuer\"");
    fails("no issuer", SCHEME("{audience: a}"), "needs \"issuer\"");
    fails("an issuer not a URL", SCHEME("{issuer: id.test}"),
          "issuer's URL");
    fails("jwks of another scheme", SCHEME("{issuer: 'https://a', "
                                           "jwks: 'ftp://a/k'}"),
          "a file or an http(s) URL");
    fails("alg none", SCHEME("{issuer: 'https://a', algorithms: [none]}"),
          "unknown algorithm \"none\"");
    fails("leeway too large", SCHEME("{issuer: 'https://a', leeway: 9999}"),
          "\"leeway\"");
    fails("a reserved claim rule",
          SCHEME("{issuer: 'https://a', claims: {aud: x}}"),
          "\"aud\" is checked by");
    fails("a header name with a space",
          SCHEME("{issuer: 'https://a', forward: {sub: 'X User'}}"),
          "header name");
    fails("scopes not a list", HEAD
          "components:\n  securitySchemes:\n"
          "    s: {type: http, scheme: bearer}\n"
          "paths:\n  /a:\n    get: {security: [{s: read}]}\n",
          "lists scopes");
    fails("openIdConnectUrl not a URL", HEAD
          "components:\n  securitySchemes:\n"
          "    s: {type: openIdConnect, openIdConnectUrl: 'file:///x'}\n"
          PATHS, "openIdConnectUrl");

#undef SCHEME
}


static void
test_options(void)
{
    char               errbuf[256];
    apigw_jwt_conf_t  *c;

#define OPT(n, v)                                                             \
    apigw_jwt_conf_option(c, n, strlen(n), v, strlen(v), errbuf,              \
                          sizeof(errbuf))

    c = apigw_jwt_conf_create(NULL);

    CHECK(OPT("audience", "a,b,c") == 0 && c->naudiences == 3
          && strcmp(c->audiences[2], "c") == 0, "audience=a,b,c");
    CHECK(OPT("algorithms", "ES256,EdDSA") == 0
          && c->algs == (APIGW_JWT_ALG_BIT(APIGW_JWT_ES256)
                         | APIGW_JWT_ALG_BIT(APIGW_JWT_EDDSA)),
          "algorithms=ES256,EdDSA");
    CHECK(OPT("leeway", "30s") == 0 && c->leeway == 30, "leeway=30s");
    CHECK(OPT("leeway", "0") == 0 && c->leeway == 0, "leeway=0");
    CHECK(OPT("leeway", "1h") != 0, "leeway=1h refused");
    CHECK(OPT("iat", "on") == 0 && c->check_iat, "iat=on");
    CHECK(OPT("iat", "yes") != 0, "iat=yes refused");
    CHECK(apigw_jwt_conf_check(c, errbuf, sizeof(errbuf)) != 0
          && strstr(errbuf, "issuer") != NULL, "no issuer: incomplete");
    CHECK(OPT("jwks", "https://id.test/keys") == 0
          && c->issuers[0].source == APIGW_JWKS_URL, "jwks=URL");
    CHECK(apigw_jwt_conf_check(c, errbuf, sizeof(errbuf)) != 0,
          "keys but no issuer: incomplete");
    CHECK(OPT("issuer", "https://id.test/") == 0
          && apigw_jwt_conf_check(c, errbuf, sizeof(errbuf)) == 0,
          "issuer=URL: complete");
    CHECK(OPT("audience", "a,,b") != 0, "an empty audience refused");
    CHECK(OPT("algorithms", "RS256,none") != 0, "none refused");
    CHECK(OPT("colour", "red") != 0 && strstr(errbuf, "unknown option"),
          "an unknown option");
    CHECK(OPT("typ", "") != 0, "an empty value refused");

    apigw_jwt_conf_free(c);

    c = apigw_jwt_conf_create(NULL);
    CHECK(OPT("issuer", "https://id.test/") == 0
          && apigw_jwt_conf_check(c, errbuf, sizeof(errbuf)) == 0
          && c->issuers[0].source == APIGW_JWKS_DISCOVERY
          && strcmp(c->issuers[0].jwks, "https://id.test/.well-known/"
                    "openid-configuration") == 0,
          "issuer alone: discovery, no doubled slash");
    apigw_jwt_conf_free(c);

#undef OPT
}


static void
test_discovery(void)
{
    int    rc;
    char  *issuer, *jwks, errbuf[512];

#define DISCOVER(doc, expected)                                               \
    apigw_oidc_discovery(doc, strlen(doc), expected, &issuer, &jwks, errbuf,  \
                         sizeof(errbuf))

    rc = DISCOVER("{\"issuer\":\"https://id.test\",\"jwks_uri\":"
                  "\"https://id.test/k\"}", "https://id.test");
    CHECK(rc == 0 && strcmp(jwks, "https://id.test/k") == 0
          && strcmp(issuer, "https://id.test") == 0, "a discovery document");
    if (rc == 0) {
        free(issuer);
        free(jwks);
    }

    rc = DISCOVER("{\"issuer\":\"https://evil.test\",\"jwks_uri\":"
                  "\"https://evil.test/k\"}", "https://id.test");
    CHECK(rc != 0 && strstr(errbuf, "evil.test") != NULL,
          "another issuer refused (Discovery 4.3)");
    rc = DISCOVER("{\"issuer\":\"https://id.test/\",\"jwks_uri\":"
                  "\"https://id.test/k\"}", "https://id.test");
    CHECK(rc != 0, "a trailing slash is another issuer");
    rc = DISCOVER("{\"issuer\":\"https://id.test\"}", NULL);
    CHECK(rc != 0 && strstr(errbuf, "jwks_uri"), "no jwks_uri");
    rc = DISCOVER("{\"issuer\":\"https://id.test\",\"jwks_uri\":"
                  "\"file:///etc/passwd\"}", NULL);
    CHECK(rc != 0, "a jwks_uri not http(s)");
    rc = DISCOVER("{\"issuer\":\"a\",\"issuer\":\"b\",\"jwks_uri\":"
                  "\"https://id.test/k\"}", NULL);
    CHECK(rc != 0, "duplicate members");
    rc = DISCOVER("not json", NULL);
    CHECK(rc != 0, "not JSON");

#undef DISCOVER
}


int
main(void)
{
    if (spec_dir_open() != 0) {
        return 1;
    }

    test_extension();
    test_aws();
    test_refused();
    test_options();
    test_discovery();

    spec_dir_close();

    return unit_done();
}
