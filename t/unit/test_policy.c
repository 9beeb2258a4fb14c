
/*
 * Copyright (C) apigw contributors
 */


/*
 * unit tests for custom authorizers' answers, policies, cached results,
 * IAM matching and gateway responses (apigw_policy.c)
 */

#include "authorizer_fixtures.h"


static apigw_authorizer_t  rest, simple;


static apigw_authz_rc_e
parse_as(apigw_authorizer_t *a, unsigned status, unsigned flags,
    const char *body, apigw_authz_result_t **res)
{
    char              *text;
    apigw_authz_rc_e   rc;

    text = Jtext(body);
    errbuf[0] = '\0';
    rc = apigw_authz_parse(a, status, flags, text, strlen(text), res,
                           errbuf, sizeof(errbuf));
    free(text);

    return rc;
}


/* the answer's verdict for GET /pets/a1 (or the rc of a refusal) */
static apigw_authz_rc_e
verdict(const char *body, const char *arn)
{
    apigw_authz_rc_e       rc;
    apigw_authz_result_t  *res;

    rc = parse_as(&rest, 200, 0, body, &res);

    if (rc != APIGW_AUTHZ_OK) {
        return rc == APIGW_AUTHZ_CONFIG_ERROR ? APIGW_AUTHZ_RC_COUNT : rc;
    }

    rc = apigw_authz_evaluate(res, arn, strlen(arn));
    free(res);

    return rc;
}


#define ARN     ARN_PREFIX "GET/pets/a1"

#define POLICY(stmts)                                                        \
    "{'principalId': 'u1', 'policyDocument': {'Version': '2012-10-17',"      \
    " 'Statement': " stmts "}}"

#define STMT(effect, action, resource)                                       \
    "{'Effect': '" effect "', 'Action': " action ", 'Resource': "             \
    resource "}"

#define ALLOW(resource)    STMT("Allow", "'execute-api:Invoke'", resource)
#define DENY(resource)     STMT("Deny", "'execute-api:Invoke'", resource)

#define OK          APIGW_AUTHZ_OK
#define EXPLICIT    APIGW_AUTHZ_EXPLICIT_DENY
#define IMPLICIT    APIGW_AUTHZ_IMPLICIT_DENY
#define INVALID     APIGW_AUTHZ_RC_COUNT


static void
test_policies(void)
{
    NOTE("policy evaluation");

    CHECK(verdict(POLICY("[" ALLOW("'" ARN "'") "]"), ARN) == OK,
          "an Allow of the method");
    CHECK(verdict(POLICY(ALLOW("'" ARN "'")), ARN) == OK,
          "Statement as an object");
    CHECK(verdict(POLICY("[]"), ARN) == IMPLICIT, "no statement: implicit");
    CHECK(verdict(POLICY("[" ALLOW("'" ARN_PREFIX "POST/pets/a1'") "]"), ARN)
          == IMPLICIT, "an Allow of another method: implicit deny");
    CHECK(verdict(POLICY("[" ALLOW("'*'") "," DENY("'" ARN "'") "]"), ARN)
          == EXPLICIT, "Deny wins over Allow");
    CHECK(verdict(POLICY("[" DENY("'" ARN "'") "," ALLOW("'*'") "]"), ARN)
          == EXPLICIT, "Deny wins, whatever the order");
    CHECK(verdict(POLICY("[" DENY("'" ARN_PREFIX "DELETE/*'") ","
                         ALLOW("'*'") "]"), ARN) == OK,
          "a Deny of another method does not apply");
    CHECK(verdict(POLICY("[" DENY("'" ARN "'") "]"), ARN) == EXPLICIT,
          "a Deny alone: explicit");
    CHECK(verdict(POLICY("[" ALLOW("['arn:x', '" ARN "', 'arn:y']") "]"), ARN)
          == OK, "a Resource list");
    CHECK(verdict(POLICY("[" ALLOW("['arn:x']") "," ALLOW("['arn:y']") "]"),
                  ARN) == IMPLICIT, "a Resource list that misses");

    NOTE("resources: wildcards in each ARN segment");

    CHECK(verdict(POLICY(ALLOW("'*'")), ARN) == OK, "*");
    CHECK(verdict(POLICY(ALLOW("'arn:aws:execute-api:*:*:*'")), ARN) == OK,
          "arn:aws:execute-api:*:*:*");
    CHECK(verdict(POLICY(ALLOW("'arn:aws:execute-api:us-east-1:*:"
                               "petstore/*'")), ARN) == OK,
          "api-id/*");
    CHECK(verdict(POLICY(ALLOW("'arn:aws:execute-api:us-east-1:*:"
                               "petstore/prod/*'")), ARN) == OK,
          "api-id/stage/*");
    CHECK(verdict(POLICY(ALLOW("'arn:aws:execute-api:us-east-?:000000000000:"
                               "petstore/prod/GET/pets/a1'")), ARN) == OK,
          "? in the region");
    CHECK(verdict(POLICY(ALLOW("'arn:aws:execute-api:us-*-1:000000000000:"
                               "petstore/prod/GET/pets/a1'")), ARN) == OK,
          "* inside the region");
    CHECK(verdict(POLICY(ALLOW("'arn:aws:execute-api:us-east-1:0000*0000:"
                               "petstore/prod/GET/pets/a1'")), ARN) == OK,
          "* inside the account");
    CHECK(verdict(POLICY(ALLOW("'arn:aws:execute-api:us-east-1:000000000000:"
                               "pet*/prod/*/pets/*'")), ARN) == OK,
          "* in the api id, the verb and the path");
    CHECK(verdict(POLICY(ALLOW("'arn:aws:execute-api:us-east-1:000000000000:"
                               "petstore/*/GET/pets/a?'")), ARN) == OK,
          "? in the path");
    CHECK(verdict(POLICY(ALLOW("'arn:aws:execute-api:us-east-1:000000000000:"
                               "petstore/prod/GE?/pets/a1'")), ARN) == OK,
          "? in the verb");
    CHECK(verdict(POLICY(ALLOW("'arn:aws:execute-api:us-east-1:000000000000:"
                               "petstore/prod/GET/pets/a?" "?'")), ARN)
          == IMPLICIT, "? is one character, not none");
    CHECK(verdict(POLICY(ALLOW("'arn:aws:execute-api:us-east-1:000000000000:"
                               "petstore/prod/GET/*'")),
                  ARN_PREFIX "GET/a/b/c") == OK, "* spans slashes");
    CHECK(verdict(POLICY(ALLOW("'arn:aws:execute-api:us-east-1:000000000000:"
                               "petstore/prod/GET/'")), ARN_PREFIX "GET/")
          == OK, "the root resource");
    CHECK(verdict(POLICY(ALLOW("'arn:aws:execute-api:us-east-1:000000000000:"
                               "petstore/prod/GET/'")), ARN) == IMPLICIT,
          "the root resource is not its children");

    NOTE("resources: * at the end of a segment runs past colons");

    CHECK(verdict(POLICY(ALLOW("'arn:aws:*'")), ARN) == OK, "arn:aws:*");
    CHECK(verdict(POLICY(ALLOW("'arn:aws:execute-api:us*:petstore/prod/GET/"
                               "pets/a1'")), ARN) == OK,
          "us* ends a segment: it takes \"-east-1:000000000000\"");
    CHECK(verdict(POLICY(ALLOW("'arn:aws:execute-api:us*0:petstore/prod/GET/"
                               "pets/a1'")), ARN) == IMPLICIT,
          "us*0: a * inside a segment stops at colons");
    CHECK(verdict(POLICY(ALLOW("'arn:aws:execute-api:*:petstore/*'")), ARN)
          == OK, "*: one pattern segment for region and account");
    CHECK(verdict(POLICY(ALLOW("'arn:aws:execute-api:us-east-1?000000000000:"
                               "petstore/*'")), ARN) == IMPLICIT,
          "? does not match a colon");
    CHECK(verdict(POLICY(ALLOW("'arn:aws:execute-api:us-east-1:*/prod/*'")),
                  ARN) == IMPLICIT,
          "* before / (not a segment's end) stops at colons");

    NOTE("resources: case-sensitive");

    CHECK(verdict(POLICY(ALLOW("'" ARN_PREFIX "get/pets/a1'")), ARN)
          == IMPLICIT, "get is not GET");
    CHECK(verdict(POLICY(ALLOW("'ARN:AWS:execute-api:*'")), ARN) == IMPLICIT,
          "ARN:AWS is not arn:aws");
    CHECK(verdict(POLICY("[" DENY("'" ARN_PREFIX "GET/PETS/*'") ","
                         ALLOW("'*'") "]"), ARN) == OK,
          "a Deny of /PETS does not cover /pets");

    NOTE("actions");

    CHECK(verdict(POLICY(STMT("Allow", "'*'", "'*'")), ARN) == OK,
          "Action *");
    CHECK(verdict(POLICY(STMT("Allow", "'execute-api:*'", "'*'")), ARN) == OK,
          "Action execute-api:*");
    CHECK(verdict(POLICY(STMT("Allow", "'execute-api:Inv*'", "'*'")), ARN)
          == OK, "Action execute-api:Inv*");
    CHECK(verdict(POLICY(STMT("Allow", "'execute-api:invoke'", "'*'")), ARN)
          == OK, "actions in any case, as IAM has them");
    CHECK(verdict(POLICY(STMT("Allow", "['s3:GetObject', "
                              "'execute-api:Invoke']", "'*'")), ARN) == OK,
          "an Action list");
    CHECK(verdict(POLICY(STMT("Allow", "'execute-api:ManageConnections'",
                              "'*'")), ARN) == IMPLICIT,
          "another action grants nothing");
    CHECK(verdict(POLICY("[" STMT("Deny", "'s3:*'", "'*'") "," ALLOW("'*'")
                         "]"), ARN) == OK,
          "a Deny of another action does not apply");
    CHECK(verdict(POLICY("[" STMT("Deny", "'*'", "'*'") "," ALLOW("'*'")
                         "]"), ARN) == EXPLICIT, "a Deny of * applies");

    NOTE("elements apigw does not evaluate: safe side");

    CHECK(verdict(POLICY("{'Effect': 'Allow', 'Action': '*',"
                         " 'NotResource': 'arn:x'}"), ARN) == IMPLICIT,
          "Allow with NotResource grants nothing");
    CHECK(verdict(POLICY("[{'Effect': 'Deny', 'Action': '*',"
                         " 'NotResource': '" ARN "'}," ALLOW("'*'") "]"), ARN)
          == EXPLICIT, "Deny with NotResource denies everything");
    CHECK(verdict(POLICY("{'Effect': 'Allow', 'Action': '*', 'Resource': '*',"
                         " 'Condition': {'IpAddress': {'aws:SourceIp': "
                         "'10.0.0.0/8'}}}"), ARN) == IMPLICIT,
          "Allow with Condition grants nothing");
    CHECK(verdict(POLICY("[{'Effect': 'Deny', 'Action': '*', 'Resource': '"
                         ARN "', 'Condition': {'Bool': {'x': 'false'}}},"
                         ALLOW("'*'") "]"), ARN) == EXPLICIT,
          "Deny with Condition: the condition taken as true");
    CHECK(verdict(POLICY("[{'Effect': 'Deny', 'Action': '*', 'Resource': "
                         "'arn:x', 'Condition': {'Bool': {'x': 'false'}}},"
                         ALLOW("'*'") "]"), ARN) == OK,
          "Deny with Condition of another resource does not apply");
    CHECK(verdict(POLICY("[{'Effect': 'Deny', 'NotAction': 's3:*',"
                         " 'Resource': '" ARN "'}," ALLOW("'*'") "]"), ARN)
          == EXPLICIT, "Deny with NotAction applies");
    CHECK(verdict(POLICY("{'Effect': 'Allow', 'NotAction': 's3:*',"
                         " 'Resource': '*'}"), ARN) == IMPLICIT,
          "Allow with NotAction grants nothing");
    CHECK(verdict(POLICY("{'Effect': 'Allow', 'Action': '*', 'Resource': '*',"
                         " 'Principal': '*'}"), ARN) == IMPLICIT,
          "Allow with an element IAM does not have grants nothing");
    CHECK(verdict(POLICY("[{'Effect': 'Deny', 'Action': '*', 'Resource': '*',"
                         " 'Principal': '*'}," ALLOW("'*'") "]"), ARN)
          == EXPLICIT, "Deny with such an element applies");
    CHECK(verdict(POLICY("{'Sid': 's1', 'Effect': 'Allow', 'Action': '*',"
                         " 'Resource': '*'}"), ARN) == OK, "Sid is fine");

    NOTE("policies that are not valid: 500");

    CHECK(verdict(POLICY(STMT("allow", "'*'", "'*'")), ARN) == INVALID,
          "Effect allow (lower case)");
    CHECK(verdict(POLICY("{'Effect': 'Allow', 'Resource': '*'}"), ARN)
          == INVALID, "no Action");
    CHECK(verdict(POLICY("{'Effect': 'Allow', 'Action': '*'}"), ARN)
          == INVALID, "no Resource");
    CHECK(verdict(POLICY("{'Effect': 'Allow', 'Action': '*', 'Resource': '*',"
                         " 'NotResource': '*'}"), ARN) == INVALID,
          "Resource and NotResource");
    CHECK(verdict(POLICY(STMT("Allow", "[]", "'*'")), ARN) == INVALID,
          "an empty Action list");
    CHECK(verdict(POLICY(STMT("Allow", "'*'", "[]")), ARN) == INVALID,
          "an empty Resource list");
    CHECK(verdict(POLICY(STMT("Allow", "'*'", "[1]")), ARN) == INVALID,
          "a Resource that is a number");
    CHECK(verdict(POLICY("['x']"), ARN) == INVALID, "a statement string");
    CHECK(verdict(POLICY("'x'"), ARN) == INVALID, "Statement a string");
    CHECK(verdict(POLICY("[{'Effect': 'Allow', 'Action': '*', 'Resource': '*',"
                         " 'Condition': 'x'}]"), ARN) == INVALID,
          "Condition a string");
    CHECK(verdict("{'principalId': 'u1', 'policyDocument': {'Version': "
                  "'2013-01-01', 'Statement': []}}", ARN) == INVALID,
          "Version 2013-01-01");
    CHECK(verdict("{'principalId': 'u1', 'policyDocument': {'Statement': "
                  "[]}}", ARN) == IMPLICIT, "no Version is fine");
}


static void
test_answers(void)
{
    char                  *big, *p;
    size_t                 i;
    apigw_authz_rc_e       rc;
    apigw_authz_result_t  *res;
    const apigw_authz_ctx_t  *c;

    NOTE("answers");

    rc = parse_as(&rest, 200, 0,
                  "{'principalId': 'user|a1', 'usageIdentifierKey': "
                  "'key-0123456789abcdefghij', 'policyDocument': {'Version': "
                  "'2012-10-17', 'Statement': [{'Action': "
                  "'execute-api:Invoke', 'Effect': 'Allow', 'Resource': "
                  "'" ARN_PREFIX "GET/pets/*'}]}, 'context': {'s': 'x', "
                  "'n': 1, 'f': 1.5, 'big': 1e300, 't': true, 'b': false, "
                  "'e': ''}}", &res);
    CHECK(rc == APIGW_AUTHZ_OK && res != NULL, "a full answer parses");
    CHECK(res->principal.len == 7
          && strcmp(res->principal.data, "user|a1") == 0
          && res->usage_key.data != NULL
          && strcmp(res->usage_key.data, "key-0123456789abcdefghij") == 0
          && !res->simple && res->nstmts == 1 && res->ncontext == 7,
          "principal, usage key, statements, context");
    c = apigw_authz_context_find(res, "s", 1);
    CHECK(c && c->type == APIGW_AUTHZ_CTX_STRING
          && strcmp(c->value.data, "x") == 0, "context string");
    c = apigw_authz_context_find(res, "n", 1);
    CHECK(c && c->type == APIGW_AUTHZ_CTX_NUMBER
          && strcmp(c->value.data, "1") == 0, "context number 1 is \"1\"");
    c = apigw_authz_context_find(res, "f", 1);
    CHECK(c && strcmp(c->value.data, "1.5") == 0, "1.5 is \"1.5\"");
    c = apigw_authz_context_find(res, "big", 3);
    CHECK(c && strcmp(c->value.data, "1e+300") == 0, "1e300 is \"1e+300\"");
    c = apigw_authz_context_find(res, "t", 1);
    CHECK(c && c->type == APIGW_AUTHZ_CTX_BOOLEAN
          && strcmp(c->value.data, "true") == 0, "true is \"true\"");
    c = apigw_authz_context_find(res, "b", 1);
    CHECK(c && strcmp(c->value.data, "false") == 0, "false is \"false\"");
    c = apigw_authz_context_find(res, "e", 1);
    CHECK(c && c->value.len == 0, "an empty string");
    CHECK(apigw_authz_context_find(res, "z", 1) == NULL, "no such key");
    free(res);

    NOTE("answers that are refused");

    rc = parse_as(&rest, 200, 0, POLICY("[]") , &res);
    CHECK(rc == OK, "a minimal answer");
    free(res);

#define REFUSED(body, what)                                                  \
    rc = parse_as(&rest, 200, 0, body, &res);                                 \
    CHECK(rc == APIGW_AUTHZ_CONFIG_ERROR && res == NULL                       \
          && strstr(errbuf, what) != NULL, "refused: %s (%s)", what, errbuf)

    REFUSED("{'principalId': 'u', 'policyDocument': {'Statement': []},"
            " 'context': {'o': {'a': 1}}}", "an object or array");
    REFUSED("{'principalId': 'u', 'policyDocument': {'Statement': []},"
            " 'context': {'a': [1]}}", "an object or array");
    REFUSED("{'principalId': 'u', 'policyDocument': {'Statement': []},"
            " 'context': {'a': null}}", "null");
    REFUSED("{'principalId': 'u', 'policyDocument': {'Statement': []},"
            " 'context': []}", "\"context\" is not an object");
    REFUSED("{'policyDocument': {'Statement': []}}",
            "\"principalId\" is missing");
    REFUSED("{'principalId': 7, 'policyDocument': {'Statement': []}}",
            "\"principalId\" is not");
    REFUSED("{'principalId': '', 'policyDocument': {'Statement': []}}",
            "\"principalId\" is not");
    REFUSED("{'principalId': 'u'}", "\"policyDocument\" is missing");
    REFUSED("{'principalId': 'u', 'policyDocument': 'x'}",
            "\"policyDocument\" is not");
    REFUSED("{'principalId': 'u', 'policyDocument': {}}",
            "\"Statement\" is missing");
    REFUSED("{'principalId': 'u', 'usageIdentifierKey': 3,"
            " 'policyDocument': {'Statement': []}}", "usageIdentifierKey");
    REFUSED("{'isAuthorized': true}", "\"principalId\" is missing");
    REFUSED("[]", "not an object");
    REFUSED("'Unauthorized'", "not an object");
    REFUSED("", "not valid JSON");
    REFUSED("{'principalId': 'u',", "not valid JSON");
    REFUSED("{'principalId': 'u', 'principalId': 'v', "
            "'policyDocument': {'Statement': []}}", "not valid JSON");

    p = Jtext("{'principalId': 'u\xff', 'policyDocument': {'Statement': []}}");
    rc = apigw_authz_parse(&rest, 200, 0, p, strlen(p), &res, errbuf,
                           sizeof(errbuf));
    CHECK(rc == APIGW_AUTHZ_CONFIG_ERROR && strstr(errbuf, "JSON") != NULL,
          "refused: not UTF-8 (%s)", errbuf);
    free(p);

    big = malloc(APIGW_AUTHZ_ANSWER_MAX + 64);
    if (big == NULL) {
        exit(2);
    }

    p = big + sprintf(big, "{\"principalId\": \"u\", \"policyDocument\": "
                      "{\"Statement\": []}, \"context\": {\"k\": \"");
    memset(p, 'x', APIGW_AUTHZ_ANSWER_MAX - (p - big));
    strcpy(big + APIGW_AUTHZ_ANSWER_MAX - 3, "\"}}");
    rc = apigw_authz_parse(&rest, 200, 0, big, strlen(big), &res, errbuf,
                           sizeof(errbuf));
    CHECK(rc == APIGW_AUTHZ_OK && res && res->context[0].value.len
          == (size_t) (APIGW_AUTHZ_ANSWER_MAX - 3 - (p - big)),
          "an answer of exactly 64 KB");
    free(res);
    strcpy(big + APIGW_AUTHZ_ANSWER_MAX - 3, "x\"}}");
    rc = apigw_authz_parse(&rest, 200, 0, big, strlen(big), &res, errbuf,
                           sizeof(errbuf));
    CHECK(rc == APIGW_AUTHZ_CONFIG_ERROR && strstr(errbuf, "larger") != NULL,
          "refused: past 64 KB");

    p = big + sprintf(big, "{\"principalId\": \"u\", \"policyDocument\": "
                      "{\"Statement\": []}, \"x\": ");
    for (i = 0; i < 40; i++) {
        *p++ = '[';
    }
    for (i = 0; i < 40; i++) {
        *p++ = ']';
    }
    strcpy(p, "}");
    rc = apigw_authz_parse(&rest, 200, 0, big, strlen(big), &res, errbuf,
                           sizeof(errbuf));
    CHECK(rc == APIGW_AUTHZ_CONFIG_ERROR && strstr(errbuf, "JSON") != NULL,
          "refused: 40 levels deep (%s)", errbuf);
    free(big);

    NOTE("how an authorizer says Unauthorized");

    CHECK(parse_as(&rest, 401, 0, "{'message': 'Unauthorized'}", &res)
          == APIGW_AUTHZ_UNAUTHORIZED, "an HTTP 401");
    CHECK(parse_as(&rest, 401, 0, "", &res) == APIGW_AUTHZ_UNAUTHORIZED,
          "an HTTP 401, no body");
    CHECK(parse_as(&rest, 403, 0, POLICY("[]"), &res)
          == APIGW_AUTHZ_CONFIG_ERROR, "an HTTP 403: 500");
    CHECK(parse_as(&rest, 500, 0, POLICY("[]"), &res)
          == APIGW_AUTHZ_CONFIG_ERROR, "an HTTP 500: 500");
    CHECK(parse_as(&rest, 204, 0, "", &res) == APIGW_AUTHZ_CONFIG_ERROR,
          "an HTTP 204: 500");
    CHECK(parse_as(&rest, 200, APIGW_AUTHZ_ANSWER_FUNCTION_ERROR,
                   "{'errorMessage': 'Unauthorized', 'errorType': 'Error'}",
                   &res) == APIGW_AUTHZ_UNAUTHORIZED,
          "a function's error \"Unauthorized\"");
    CHECK(parse_as(&rest, 200, APIGW_AUTHZ_ANSWER_FUNCTION_ERROR,
                   "{'errorMessage': 'unauthorized'}", &res)
          == APIGW_AUTHZ_CONFIG_ERROR, "\"unauthorized\": 500");
    CHECK(parse_as(&rest, 200, APIGW_AUTHZ_ANSWER_FUNCTION_ERROR,
                   "{'errorMessage': 'Unauthorized: bad token'}", &res)
          == APIGW_AUTHZ_CONFIG_ERROR, "other text: 500");
    CHECK(parse_as(&rest, 200, APIGW_AUTHZ_ANSWER_FUNCTION_ERROR,
                   "{'errorMessage': 'boom', 'errorType': 'TypeError'}", &res)
          == APIGW_AUTHZ_CONFIG_ERROR && strstr(errbuf, "TypeError") != NULL,
          "a function's error: 500, its type logged");
    CHECK(parse_as(&rest, 200, APIGW_AUTHZ_ANSWER_FUNCTION_ERROR, "x", &res)
          == APIGW_AUTHZ_CONFIG_ERROR, "a function's error, not JSON");

    NOTE("simple responses");

    rc = parse_as(&simple, 200, 0, "{'isAuthorized': true, 'context': "
                  "{'user': 'u1', 'roles': ['a', 'b'], 'm': {'k': 1}, "
                  "'z': null, 'n': 2}}", &res);
    CHECK(rc == OK && res->simple && res->authorized && res->ncontext == 5,
          "isAuthorized true, context of anything");
    CHECK(apigw_authz_evaluate(res, ARN, strlen(ARN)) == OK
          && apigw_authz_evaluate(res, "x", 1) == OK,
          "allows every method");
    c = apigw_authz_context_find(res, "roles", 5);
    CHECK(c && c->type == APIGW_AUTHZ_CTX_JSON
          && strcmp(c->value.data, "[\"a\",\"b\"]") == 0,
          "an array in the context, as JSON");
    c = apigw_authz_context_find(res, "z", 1);
    CHECK(c && c->type == APIGW_AUTHZ_CTX_JSON
          && strcmp(c->value.data, "null") == 0, "null in the context");
    free(res);

    rc = parse_as(&simple, 200, 0, "{'isAuthorized': false}", &res);
    CHECK(rc == OK && res->simple && !res->authorized
          && apigw_authz_evaluate(res, ARN, strlen(ARN))
             == APIGW_AUTHZ_FORBIDDEN, "isAuthorized false: 403");
    free(res);

    CHECK(parse_as(&simple, 200, 0, "{'isAuthorized': 'false'}", &res)
          == APIGW_AUTHZ_CONFIG_ERROR, "isAuthorized \"false\" is no boolean");
    CHECK(parse_as(&simple, 200, 0, "{'isAuthorized': 'true'}", &res)
          == APIGW_AUTHZ_CONFIG_ERROR, "isAuthorized \"true\" is no boolean");
    CHECK(parse_as(&simple, 200, 0, "{'isAuthorized': 1}", &res)
          == APIGW_AUTHZ_CONFIG_ERROR, "isAuthorized 1 is no boolean");
    CHECK(parse_as(&simple, 200, 0, POLICY("[" ALLOW("'*'") "]"), &res)
          == APIGW_AUTHZ_CONFIG_ERROR, "a policy where a simple answer is due");
    CHECK(parse_as(&simple, 200, 0, "{'isAuthorized': true, 'context': 1}",
                   &res) == APIGW_AUTHZ_CONFIG_ERROR, "context 1");
}


static void
test_results(void)
{
    size_t                 i, n;
    json_t                *j, *want;
    unsigned char         *bytes;
    apigw_authz_rc_e       rc;
    apigw_authz_result_t  *res, *copy;

    NOTE("cached results");

    rc = parse_as(&rest, 200, 0,
                  "{'principalId': 'u1', 'usageIdentifierKey': 'k',"
                  " 'policyDocument': {'Statement': ["
                  "{'Effect': 'Allow', 'Action': 'execute-api:Invoke',"
                  " 'Resource': ['" ARN_PREFIX "GET/pets/*', "
                  "'" ARN_PREFIX "HEAD/pets/*']},"
                  "{'Effect': 'Deny', 'Action': 'execute-api:Invoke',"
                  " 'Resource': '" ARN_PREFIX "GET/pets/secret'},"
                  "{'Effect': 'Deny', 'Action': 's3:*', 'Resource': '*'},"
                  "{'Effect': 'Allow', 'Action': '*', 'Resource': '*',"
                  " 'Condition': {}}]},"
                  " 'context': {'a': 'x', 'n': 3, 'principalId': 'evil'}}",
                  &res);
    CHECK(rc == OK && res->nstmts == 2,
          "statements that cannot concern the method are not kept");

    copy = apigw_authz_result_decode(res->bytes, res->nbytes);
    CHECK(copy != NULL && copy->nbytes == res->nbytes
          && memcmp(copy->bytes, res->bytes, res->nbytes) == 0
          && strcmp(copy->principal.data, "u1") == 0
          && strcmp(copy->usage_key.data, "k") == 0
          && copy->nstmts == 2 && copy->stmts[0].nresources == 2
          && !copy->stmts[0].deny && copy->stmts[1].deny
          && copy->ncontext == 3
          && strcmp(copy->context[1].value.data, "3") == 0,
          "the bytes decode to the same result");

    CHECK(apigw_authz_evaluate(copy, ARN_PREFIX "GET/pets/a1",
                               strlen(ARN_PREFIX "GET/pets/a1")) == OK
          && apigw_authz_evaluate(copy, ARN_PREFIX "HEAD/pets/a1",
                                  strlen(ARN_PREFIX "HEAD/pets/a1")) == OK
          && apigw_authz_evaluate(copy, ARN_PREFIX "POST/pets",
                                  strlen(ARN_PREFIX "POST/pets")) == IMPLICIT
          && apigw_authz_evaluate(copy, ARN_PREFIX "GET/pets/secret",
                                  strlen(ARN_PREFIX "GET/pets/secret"))
             == EXPLICIT,
          "a cached policy, evaluated again for other methods");

    j = apigw_authz_result_json(copy, 0);
    want = J("{'principalId': 'u1', 'a': 'x', 'n': 3}");
    CHECK(j && json_equal(j, want), "requestContext.authorizer (1.0): the "
          "principal wins over a context key of its name");
    json_decref(j);
    json_decref(want);
    j = apigw_authz_result_json(copy, 1);
    want = J("{'lambda': {'principalId': 'u1', 'a': 'x', 'n': 3}}");
    CHECK(j && json_equal(j, want), "requestContext.authorizer (2.0)");
    json_decref(j);
    json_decref(want);
    free(copy);

    /* every cut, and every byte changed, either decodes or is refused */
    n = 0;

    for (i = 0; i < res->nbytes; i++) {
        copy = apigw_authz_result_decode(res->bytes, i);
        n += (copy != NULL);
        free(copy);
    }

    CHECK(n == 0, "a cut entry never decodes");

    bytes = malloc(res->nbytes);
    memcpy(bytes, res->bytes, res->nbytes);
    bytes[0] = 'X';
    CHECK(apigw_authz_result_decode(bytes, res->nbytes) == NULL, "bad magic");
    memcpy(bytes, res->bytes, res->nbytes);
    bytes[8] = 0xff;
    CHECK(apigw_authz_result_decode(bytes, res->nbytes) == NULL,
          "a statement count past the entry");
    memcpy(bytes, res->bytes, res->nbytes);
    bytes[4] |= 0x2;
    CHECK(apigw_authz_result_decode(bytes, res->nbytes) == NULL,
          "authorized without simple");
    memcpy(bytes, res->bytes, res->nbytes);
    bytes[res->nbytes - 1] = 'x';
    CHECK(apigw_authz_result_decode(bytes, res->nbytes) == NULL,
          "a string without its NUL");

    for (i = 0; i < res->nbytes; i++) {
        memcpy(bytes, res->bytes, res->nbytes);
        bytes[i] ^= 0x80;
        copy = apigw_authz_result_decode(bytes, res->nbytes);

        if (copy != NULL) {
            (void) apigw_authz_evaluate(copy, ARN, strlen(ARN));
            free(copy);
        }
    }

    CHECK(1, "every byte flipped: no crash");
    free(bytes);
    free(res);

    rc = parse_as(&simple, 200, 0, "{'isAuthorized': false, 'context': "
                  "{'x': [1]}}", &res);
    copy = rc == OK ? apigw_authz_result_decode(res->bytes, res->nbytes)
                    : NULL;
    CHECK(copy && copy->simple && !copy->authorized && copy->ncontext == 1
          && apigw_authz_evaluate(copy, ARN, strlen(ARN))
             == APIGW_AUTHZ_FORBIDDEN, "a simple result, round trip");
    j = copy ? apigw_authz_result_json(copy, 1) : NULL;
    want = J("{'lambda': {'x': [1]}}");
    CHECK(j && json_equal(j, want), "a simple result's context, raw");
    json_decref(j);
    json_decref(want);
    free(copy);
    free(res);
}


static void
test_iam_match(void)
{
    NOTE("apigw_iam_match");

    CHECK(apigw_iam_match("", 0, "", 0, 0), "empty matches empty");
    CHECK(!apigw_iam_match("", 0, "a", 1, 0), "empty is not a");
    CHECK(apigw_iam_match("*", 1, "", 0, 0), "* matches nothing");
    CHECK(apigw_iam_match("*", 1, "a:b/c", 5, 0),
          "* matches colons at the end");
    CHECK(apigw_iam_match("a*:c", 4, "ab:b:c", 6, 0),
          "a* ends a segment: runs past a colon");
    CHECK(!apigw_iam_match("a*b:c", 5, "ab:b:c", 6, 0),
          "a*b: * inside a segment does not");
    CHECK(apigw_iam_match("**:x", 4, "a:b:x", 5, 0), "** before :");
    CHECK(apigw_iam_match("a?c", 3, "abc", 3, 0), "?");
    CHECK(!apigw_iam_match("a?c", 3, "a:c", 3, 0), "? is not :");
    CHECK(!apigw_iam_match("abc", 3, "ABC", 3, 0), "case-sensitive");
    CHECK(apigw_iam_match("abc", 3, "ABC", 3, 1), "icase");
    CHECK(!apigw_iam_match("ab", 2, "abc", 3, 0), "a literal is whole");
    CHECK(apigw_iam_match("*a*a*a*a*a*a*b", 14,
                          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", 41, 0),
          "no exponential backtracking");
}


static void
test_responses(void)
{
    apigw_authz_response_t  r;

    NOTE("outcomes");

    CHECK(apigw_authz_response(APIGW_AUTHZ_OK, &r) == 0, "OK: no response");
    CHECK(apigw_authz_response(APIGW_AUTHZ_UNAUTHORIZED, &r) == 1
          && r.type == APIGW_GR_UNAUTHORIZED && r.status == 0
          && r.message == NULL
          && apigw_gr_defaults[r.type].status == 401,
          "UNAUTHORIZED: 401 Unauthorized");
    CHECK(apigw_authz_response(APIGW_AUTHZ_EXPLICIT_DENY, &r) == 1
          && r.type == APIGW_GR_ACCESS_DENIED
          && strcmp(r.message, "User is not authorized to access this "
                    "resource with an explicit deny") == 0,
          "EXPLICIT_DENY: 403, AWS's message");
    CHECK(apigw_authz_response(APIGW_AUTHZ_IMPLICIT_DENY, &r) == 1
          && r.type == APIGW_GR_ACCESS_DENIED
          && strcmp(r.message, "User is not authorized to access this "
                    "resource") == 0
          && apigw_gr_defaults[r.type].status == 403,
          "IMPLICIT_DENY: 403, AWS's message");
    CHECK(apigw_authz_response(APIGW_AUTHZ_FORBIDDEN, &r) == 1
          && r.type == APIGW_GR_ACCESS_DENIED
          && strcmp(r.message, "Forbidden") == 0, "FORBIDDEN: 403");
    CHECK(apigw_authz_response(APIGW_AUTHZ_CONFIG_ERROR, &r) == 1
          && r.type == APIGW_GR_AUTHORIZER_CONFIGURATION_ERROR
          && apigw_gr_defaults[r.type].status == 500
          && strcmp(apigw_gr_defaults[r.type].error_type,
                    "AuthorizerConfigurationException") == 0,
          "CONFIG_ERROR: 500 AuthorizerConfigurationException");
    CHECK(apigw_authz_response(APIGW_AUTHZ_FAILURE, &r) == 1
          && r.type == APIGW_GR_AUTHORIZER_FAILURE, "FAILURE: 500");
    CHECK(apigw_authz_response(APIGW_AUTHZ_URI_TOO_LONG, &r) == 1
          && r.type == APIGW_GR_DEFAULT_4XX && r.status == 414,
          "URI_TOO_LONG: 414");
    CHECK(strcmp(apigw_authz_rc_name(APIGW_AUTHZ_EXPLICIT_DENY),
                 "EXPLICIT_DENY") == 0
          && strcmp(apigw_authz_rc_name(APIGW_AUTHZ_RC_COUNT), "?") == 0,
          "names for logs");
}


int
main(void)
{
    if (compile("{'type': 'apiKey', 'in': 'header', 'name': 'Authorization',"
                " 'x-amazon-apigateway-authorizer': {'type': 'token',"
                " 'authorizerUri': 'arn:aws:lambda:r:1:function:f'}}", &rest)
        != 0
        || compile("{'x-amazon-apigateway-authorizer': {'type': 'request',"
                   " 'identitySource': '$request.header.A',"
                   " 'authorizerPayloadFormatVersion': '2.0',"
                   " 'enableSimpleResponses': true,"
                   " 'authorizerUri': 'arn:aws:lambda:r:1:function:f'}}",
                   &simple) != 0)
    {
        printf("# %s\n", err.message);
        return 2;
    }

    test_policies();
    test_answers();
    test_results();
    test_iam_match();
    test_responses();

    apigw_authorizer_free(&rest);
    apigw_authorizer_free(&simple);
    apigw_sha256_free();

    return unit_done();
}
