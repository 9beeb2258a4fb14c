
/*
 * Copyright (C) apigw contributors
 */


/*
 * libFuzzer target: custom authorizers' answers and policies
 * (apigw_policy.c), with the methodArn, the events and the identity of
 * apigw_authorizer*.c.
 *
 * The input is
 *   - "M:" pattern "\n" subject: apigw_iam_match() against a reference
 *     matcher (memoised recursion), case-sensitive and not;
 *   - "AZR1...": a cache entry, apigw_authz_result_decode(): a result it
 *     accepts evaluates, and its bytes decode to the same bytes;
 *   - anything else: an authorizer's answer, parsed as a REST policy
 *     answer, as a simple response and as a function's error, then:
 *
 * Checks, besides the sanitizers (leaks included):
 *   - a refusal says why; a 200 answer is never UNAUTHORIZED;
 *   - an accepted policy answer is one jansson accepts, and for each of a
 *     few methodArns its verdict equals a reference evaluation on
 *     jansson's tree (so an explicit Deny never yields Allow, and an Allow
 *     apigw cannot evaluate never grants);
 *   - the result's bytes decode to a result with the same verdicts;
 *   - a simple response allows exactly when isAuthorized is true;
 *   - the input as a path gives a methodArn of at most 1600 bytes whose
 *     path has no ":", and as a header an event that jansson can dump.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_authorizer.h"


#define FUZZ_MAX_INPUT      (80 * 1024)


static apigw_authorizer_t  fuzz_rest, fuzz_simple, fuzz_request;

static const char  *fuzz_arns[] = {
    "arn:aws:execute-api:us-east-1:000000000000:petstore/prod/GET/pets/a1",
    "arn:aws:execute-api:us-east-1:000000000000:petstore/prod/POST/pets",
    "arn:aws:execute-api:eu-west-1:123456789012:api/$default/GET/",
    "arn:aws:execute-api:us-east-1:000000000000:petstore/prod/GET/a:b/c",
    NULL
};


static void
fuzz_fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_authorizer: %s%s%s\n", what, detail ? ": " : "",
            detail ? detail : "");
    abort();
}


static void
fuzz_compile(const char *text, apigw_authorizer_t *a)
{
    apigw_doc_t    doc;
    apigw_loc_t    loc;
    apigw_error_t  err;

    memset(&doc, 0, sizeof(doc));
    snprintf(doc.path, sizeof(doc.path), "fuzz.json");
    doc.root = json_loads(text, 0, NULL);

    loc.doc = &doc;
    loc.node = doc.root;
    loc.key = NULL;
    loc.pointer[0] = '\0';

    if (doc.root == NULL || apigw_authorizer_compile(&loc, a, &err) != 0) {
        fuzz_fail("cannot compile", text);
    }

    json_decref(doc.root);
}


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void) argc;
    (void) argv;

    fuzz_compile("{\"type\": \"apiKey\", \"in\": \"header\", \"name\": \"A\","
                 " \"x-amazon-apigateway-authorizer\": {\"type\": \"token\","
                 " \"authorizerUri\": \"arn:aws:lambda:r:1:function:f\"}}",
                 &fuzz_rest);
    fuzz_compile("{\"x-apigw-authorizer\": {\"type\": \"request\","
                 " \"identitySource\": \"$request.header.A\","
                 " \"authorizerPayloadFormatVersion\": \"2.0\","
                 " \"enableSimpleResponses\": true, \"uri\": \"http://a/\"}}",
                 &fuzz_simple);
    fuzz_compile("{\"x-apigw-authorizer\": {\"type\": \"request\","
                 " \"identitySource\": \"method.request.header.A\","
                 " \"uri\": \"http://a/\"}}", &fuzz_request);

    return 0;
}


/* the reference: IAM wildcards by memoised recursion */
static int
ref_match_at(const char *p, size_t plen, const char *s, size_t slen,
    size_t i, size_t j, int icase, unsigned char *memo)
{
    int            r, pc, c;
    unsigned char *m;

    m = &memo[i * (slen + 1) + j];

    if (*m) {
        return *m - 1;
    }

    if (i == plen) {
        r = (j == slen);

    } else if (p[i] == '*') {
        r = ref_match_at(p, plen, s, slen, i + 1, j, icase, memo)
            || (j < slen
                && (s[j] != ':' || i + 1 == plen || p[i + 1] == ':')
                && ref_match_at(p, plen, s, slen, i, j + 1, icase, memo));

    } else if (j == slen) {
        r = 0;

    } else if (p[i] == '?') {
        r = s[j] != ':'
            && ref_match_at(p, plen, s, slen, i + 1, j + 1, icase, memo);

    } else {
        pc = (unsigned char) p[i];
        c = (unsigned char) s[j];

        if (icase) {
            pc = (pc >= 'A' && pc <= 'Z') ? pc + 32 : pc;
            c = (c >= 'A' && c <= 'Z') ? c + 32 : c;
        }

        r = pc == c
            && ref_match_at(p, plen, s, slen, i + 1, j + 1, icase, memo);
    }

    *m = (unsigned char) (r + 1);

    return r;
}


static int
ref_match(const char *p, size_t plen, const char *s, size_t slen, int icase)
{
    int             r;
    unsigned char  *memo;

    memo = calloc((plen + 1) * (slen + 1), 1);
    if (memo == NULL) {
        fuzz_fail("out of memory", NULL);
    }

    r = ref_match_at(p, plen, s, slen, 0, 0, icase, memo);
    free(memo);

    return r;
}


static int
ref_any(json_t *v, const char *s, int icase)
{
    size_t   i, n;
    json_t  *item;

    n = json_is_array(v) ? json_array_size(v) : 1;

    for (i = 0; i < n; i++) {
        item = json_is_array(v) ? json_array_get(v, i) : v;

        if (ref_match(json_string_value(item), json_string_length(item), s,
                      strlen(s), icase))
        {
            return 1;
        }
    }

    return 0;
}


/* the verdict of a policy answer jansson parsed, from AWS's rules */
static apigw_authz_rc_e
ref_evaluate(json_t *answer, const char *arn)
{
    int          pass, known, action, resource;
    size_t       i, n;
    json_t      *stmts, *st, *v;
    const char  *key;

    stmts = json_object_get(json_object_get(answer, "policyDocument"),
                            "Statement");
    n = json_is_array(stmts) ? json_array_size(stmts) : 1;

    for (pass = 0; pass < 2; pass++) {
        for (i = 0; i < n; i++) {
            st = json_is_array(stmts) ? json_array_get(stmts, i) : stmts;

            if (strcmp(json_string_value(json_object_get(st, "Effect")),
                       pass == 0 ? "Deny" : "Allow") != 0)
            {
                continue;
            }

            known = 1;

            json_object_foreach(st, key, v) {
                if (strcmp(key, "Effect") && strcmp(key, "Action")
                    && strcmp(key, "Resource") && strcmp(key, "Sid"))
                {
                    known = 0;
                }
            }

            v = json_object_get(st, "Action");
            action = v ? ref_any(v, "execute-api:Invoke", 1) : 1;
            v = json_object_get(st, "Resource");
            resource = v ? ref_any(v, arn, 0) : 1;

            if (pass == 0 && action && resource) {
                return APIGW_AUTHZ_EXPLICIT_DENY;
            }

            if (pass == 1 && known && action && resource) {
                return APIGW_AUTHZ_OK;
            }
        }
    }

    return APIGW_AUTHZ_IMPLICIT_DENY;
}


static void
fuzz_match(const uint8_t *data, size_t size)
{
    int          icase;
    const char  *p, *nl, *s;
    size_t       plen, slen;

    p = (const char *) data + 2;
    nl = memchr(p, '\n', size - 2);

    if (nl == NULL || nl - p > APIGW_AUTHZ_RESOURCE_MAX) {
        return;
    }

    plen = nl - p;
    s = nl + 1;
    slen = size - 2 - plen - 1;

    if (slen > 2048) {
        return;
    }

    for (icase = 0; icase < 2; icase++) {
        if (apigw_iam_match(p, plen, s, slen, icase)
            != ref_match(p, plen, s, slen, icase))
        {
            fuzz_fail("apigw_iam_match differs from the reference",
                      icase ? "icase" : "case-sensitive");
        }
    }
}


static void
fuzz_verdicts(const apigw_authz_result_t *res, apigw_authz_rc_e *rc)
{
    size_t  i;

    for (i = 0; fuzz_arns[i]; i++) {
        rc[i] = apigw_authz_evaluate(res, fuzz_arns[i], strlen(fuzz_arns[i]));
    }
}


static void
fuzz_round_trip(const apigw_authz_result_t *res)
{
    size_t                 i;
    apigw_authz_rc_e       a[8], b[8];
    apigw_authz_result_t  *copy;

    copy = apigw_authz_result_decode(res->bytes, res->nbytes);

    if (copy == NULL || copy->nbytes != res->nbytes
        || memcmp(copy->bytes, res->bytes, res->nbytes) != 0
        || copy->nstmts != res->nstmts || copy->ncontext != res->ncontext
        || copy->simple != res->simple || copy->authorized != res->authorized)
    {
        fuzz_fail("a result's bytes do not decode to it", NULL);
    }

    fuzz_verdicts(res, a);
    fuzz_verdicts(copy, b);

    for (i = 0; fuzz_arns[i]; i++) {
        if (a[i] != b[i]) {
            fuzz_fail("a decoded result evaluates otherwise", fuzz_arns[i]);
        }
    }

    free(copy);
}


static void
fuzz_decode(const uint8_t *data, size_t size)
{
    json_t                *j;
    apigw_authz_rc_e       rc[8];
    apigw_authz_result_t  *res;

    res = apigw_authz_result_decode(data, size);

    if (res == NULL) {
        return;
    }

    fuzz_verdicts(res, rc);
    fuzz_round_trip(res);

    j = apigw_authz_result_json(res, res->simple);
    json_decref(j);

    free(res);
}


static void
fuzz_answers(const uint8_t *data, size_t size)
{
    char                   errbuf[APIGW_ERR_LEN];
    size_t                 i;
    json_t                *tree, *v;
    apigw_authz_rc_e       rc, got[8];
    apigw_authz_result_t  *res;

    /* a REST policy answer */
    errbuf[0] = '\0';
    rc = apigw_authz_parse(&fuzz_rest, 200, 0, (const char *) data, size,
                           &res, errbuf, sizeof(errbuf));

    if (rc == APIGW_AUTHZ_CONFIG_ERROR) {
        if (res != NULL || errbuf[0] == '\0') {
            fuzz_fail("a refusal without a reason, or with a result", NULL);
        }

    } else if (rc != APIGW_AUTHZ_OK || res == NULL) {
        fuzz_fail("a 200 answer neither accepted nor refused",
                  apigw_authz_rc_name(rc));

    } else {
        tree = json_loadb((const char *) data, size, JSON_REJECT_DUPLICATES,
                          NULL);
        if (tree == NULL) {
            fuzz_fail("accepted an answer jansson refuses", NULL);
        }

        fuzz_verdicts(res, got);

        for (i = 0; fuzz_arns[i]; i++) {
            if (got[i] != ref_evaluate(tree, fuzz_arns[i])) {
                fuzz_fail("the verdict differs from the reference's",
                          fuzz_arns[i]);
            }
        }

        fuzz_round_trip(res);

        v = apigw_authz_result_json(res, 0);
        if (v == NULL) {
            fuzz_fail("no requestContext.authorizer", NULL);
        }

        json_decref(v);
        json_decref(tree);
        free(res);
    }

    /* a simple response */
    rc = apigw_authz_parse(&fuzz_simple, 200, 0, (const char *) data, size,
                           &res, errbuf, sizeof(errbuf));

    if (rc == APIGW_AUTHZ_OK) {
        tree = json_loadb((const char *) data, size, JSON_REJECT_DUPLICATES,
                          NULL);
        v = json_object_get(tree, "isAuthorized");

        if (!json_is_boolean(v)
            || (apigw_authz_evaluate(res, fuzz_arns[0], strlen(fuzz_arns[0]))
                == APIGW_AUTHZ_OK) != json_is_true(v))
        {
            fuzz_fail("a simple response's verdict", NULL);
        }

        fuzz_round_trip(res);

        v = apigw_authz_result_json(res, 1);
        json_decref(v);
        json_decref(tree);
        free(res);

    } else if (rc != APIGW_AUTHZ_CONFIG_ERROR) {
        fuzz_fail("a simple response neither accepted nor refused", NULL);
    }

    /* a function's error */
    rc = apigw_authz_parse(&fuzz_rest, 200, APIGW_AUTHZ_ANSWER_FUNCTION_ERROR,
                           (const char *) data, size, &res, errbuf,
                           sizeof(errbuf));

    if (res != NULL || (rc != APIGW_AUTHZ_UNAUTHORIZED
                        && rc != APIGW_AUTHZ_CONFIG_ERROR))
    {
        fuzz_fail("a function's error", apigw_authz_rc_name(rc));
    }
}


/* the input as a request path and as a header */
static void
fuzz_request_parts(const uint8_t *data, size_t size)
{
    char                   *text, errbuf[APIGW_ERR_LEN];
    char                    arn[APIGW_AUTHZ_ARN_MAX + 1];
    size_t                  len, prefix;
    json_t                 *ev;
    apigw_pair_t            header;
    unsigned char           key[APIGW_SHA256_LEN];
    apigw_event_request_t   rq;
    apigw_authz_identity_t  id;

    if (size > 4096) {
        return;
    }

    memset(&rq, 0, sizeof(rq));
    rq.method.data = "GET";
    rq.method.len = 3;
    rq.api_id.data = "api";
    rq.api_id.len = 3;
    rq.path.data = (const char *) data;
    rq.path.len = size;
    rq.full_path = rq.path;
    rq.query = rq.path;

    if (apigw_authz_method_arn(&rq, arn, &len) == APIGW_AUTHZ_OK) {
        prefix = sizeof("arn:aws:execute-api:us-east-1:000000000000:api/"
                        "$default/GET/") - 1;

        if (len > APIGW_AUTHZ_ARN_MAX || strlen(arn) != len || len < prefix
            || memchr(arn + prefix, ':', len - prefix) != NULL)
        {
            fuzz_fail("a bad methodArn", arn);
        }
    }

    header.name = "A";
    header.name_len = 1;
    header.value = (const char *) data;
    header.value_len = size;
    rq.headers = &header;
    rq.nheaders = 1;

    if (apigw_authz_identity(&fuzz_request, &rq, &id, errbuf, sizeof(errbuf))
        != APIGW_AUTHZ_OK)
    {
        return;
    }

    if (apigw_authz_cache_key(&fuzz_request, "s", 1, &id, key) != 0) {
        fuzz_fail("no cache key", NULL);
    }

    ev = apigw_authz_event(&fuzz_request, &rq, &id, "arn", 3);
    text = ev ? json_dumps(ev, JSON_COMPACT) : NULL;

    if (text == NULL) {
        fuzz_fail("an event jansson cannot dump", NULL);
    }

    free(text);
    json_decref(ev);

    ev = apigw_authz_event(&fuzz_simple, &rq, &id, "arn", 3);
    text = ev ? json_dumps(ev, JSON_COMPACT) : NULL;

    if (text == NULL) {
        fuzz_fail("a 2.0 event jansson cannot dump", NULL);
    }

    free(text);
    json_decref(ev);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT) {
        return 0;
    }

    if (size >= 2 && data[0] == 'M' && data[1] == ':') {
        fuzz_match(data, size);
        return 0;
    }

    if (size >= 4 && memcmp(data, "AZR1", 4) == 0) {
        fuzz_decode(data, size);
        return 0;
    }

    fuzz_answers(data, size);
    fuzz_request_parts(data, size);

    return 0;
}
