
/*
 * Copyright (C) apigw contributors
 */


#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_authorizer.h"


/*
 * An authorizer's answer, compiled into a result: the principal, the
 * statements of its policy that can concern execute-api:Invoke, its
 * context and usage identifier key, or the verdict of a simple response.
 * A result is one block of memory built from its own serialized bytes, so
 * that what the glue caches (res->bytes) and what it evaluates are the
 * same thing, and a cache entry is checked as it is read back.
 *
 * Policy evaluation (AWS: explicit Deny, then Allow, else implicit deny),
 * with the elements apigw does not evaluate kept on the safe side:
 *   - an Allow with Condition, NotResource, NotAction or an element IAM
 *     does not have never matches;
 *   - a Deny with them applies as far as what is evaluated says: its
 *     Action and Resource, when present, must match; a Condition is taken
 *     as true; NotResource and NotAction are taken to include the request.
 *
 * The bytes: "AZR1", flags (1 simple, 2 authorized, 4 usage key), three
 * zeros, u32 statements, u32 context entries, u32 resources, the
 * principal, the usage key if any, each statement (u8 flags: 1 deny,
 * 2 any resource; u32 resources; the resources), each context entry (u8
 * type, key, value); a string is u32 length, bytes, NUL; integers are
 * big-endian.
 *
 * Also the gateway response of each outcome.
 */


#define APIGW_AUTHZ_F_SIMPLE        0x1
#define APIGW_AUTHZ_F_AUTHORIZED    0x2
#define APIGW_AUTHZ_F_USAGE_KEY     0x4

#define APIGW_AUTHZ_S_DENY          0x1
#define APIGW_AUTHZ_S_ANY           0x2

#define APIGW_AUTHZ_HEADER_LEN      20

typedef struct {
    unsigned char            *buf;
    size_t                    len;
    size_t                    cap;
    uint32_t                  nstmts;
    uint32_t                  ncontext;
    uint32_t                  nresources;
    char                     *errbuf;
    size_t                    errlen;
    unsigned                  nomem:1;
} apigw_authz_out_t;


static apigw_authz_rc_e apigw_authz_function_error(const char *body,
    size_t len, char *errbuf, size_t errlen);
static apigw_authz_rc_e apigw_authz_policy_answer(apigw_authz_out_t *out,
    json_t *answer);
static apigw_authz_rc_e apigw_authz_simple_answer(apigw_authz_out_t *out,
    json_t *answer);
static apigw_authz_rc_e apigw_authz_statement(apigw_authz_out_t *out,
    json_t *stmt, size_t index);
static int apigw_authz_string_list(json_t *v, size_t max);
static int apigw_authz_invoke(json_t *actions);
static apigw_authz_rc_e apigw_authz_context(apigw_authz_out_t *out,
    json_t *context, int simple);
static size_t apigw_authz_number(json_t *v, char *buf, size_t size);
static apigw_authz_rc_e apigw_authz_invalid(apigw_authz_out_t *out,
    const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void apigw_authz_put(apigw_authz_out_t *out, const void *data,
    size_t len);
static void apigw_authz_put_u8(apigw_authz_out_t *out, unsigned v);
static void apigw_authz_put_u32(apigw_authz_out_t *out, uint32_t v);
static void apigw_authz_put_str(apigw_authz_out_t *out, const char *s,
    size_t len);
static void apigw_authz_patch_u32(unsigned char *p, uint32_t v);
static uint32_t apigw_authz_get_u32(const unsigned char *p);
static int apigw_authz_get_str(const unsigned char **p,
    const unsigned char *end, apigw_event_str_t *s);
static int apigw_authz_pattern_matches(const apigw_event_str_t *pat,
    const char *arn, size_t len);


apigw_authz_rc_e
apigw_authz_parse(const apigw_authorizer_t *a, unsigned status,
    unsigned flags, const char *body, size_t len, apigw_authz_result_t **res,
    char *errbuf, size_t errlen)
{
    char                msg[APIGW_ERR_LEN];
    json_t             *answer;
    apigw_authz_rc_e    rc;
    apigw_authz_out_t   out;

    *res = NULL;

    if (flags & APIGW_AUTHZ_ANSWER_FUNCTION_ERROR) {
        return apigw_authz_function_error(body, len, errbuf, errlen);
    }

    /* an HTTP endpoint says "Unauthorized" with a 401, whatever the body */
    if (status == 401) {
        snprintf(errbuf, errlen, "the authorizer answered 401");
        return APIGW_AUTHZ_UNAUTHORIZED;
    }

    if (status < 200 || status > 299) {
        snprintf(errbuf, errlen, "the authorizer answered %u", status);
        return APIGW_AUTHZ_CONFIG_ERROR;
    }

    if (len > APIGW_AUTHZ_ANSWER_MAX) {
        snprintf(errbuf, errlen, "the authorizer's answer is larger than "
                 "%d bytes", APIGW_AUTHZ_ANSWER_MAX);
        return APIGW_AUTHZ_CONFIG_ERROR;
    }

    answer = apigw_json_parse(body ? body : "", len, APIGW_AUTHZ_ANSWER_DEPTH,
                              msg, sizeof(msg));
    if (answer == NULL) {
        snprintf(errbuf, errlen, "the authorizer's answer is not valid "
                 "JSON: %s", msg);
        return APIGW_AUTHZ_CONFIG_ERROR;
    }

    memset(&out, 0, sizeof(apigw_authz_out_t));
    out.errbuf = errbuf;
    out.errlen = errlen;

    if (!json_is_object(answer)) {
        rc = apigw_authz_invalid(&out, "the authorizer's answer is not an "
                                 "object");

    } else if (a->simple) {
        rc = apigw_authz_simple_answer(&out, answer);

    } else {
        rc = apigw_authz_policy_answer(&out, answer);
    }

    json_decref(answer);

    if (rc == APIGW_AUTHZ_OK && !out.nomem) {
        apigw_authz_patch_u32(out.buf + 8, out.nstmts);
        apigw_authz_patch_u32(out.buf + 12, out.ncontext);
        apigw_authz_patch_u32(out.buf + 16, out.nresources);

        *res = apigw_authz_result_decode(out.buf, out.len);
    }

    free(out.buf);

    if (rc != APIGW_AUTHZ_OK) {
        return rc;
    }

    if (*res == NULL) {
        snprintf(errbuf, errlen, "out of memory");
        return APIGW_AUTHZ_FAILURE;
    }

    return APIGW_AUTHZ_OK;
}


/*
 * a function's error, {"errorMessage": "...", "errorType": "..."}:
 * exactly "Unauthorized" is a 401, as AWS has it; anything else a 500
 */
static apigw_authz_rc_e
apigw_authz_function_error(const char *body, size_t len, char *errbuf,
    size_t errlen)
{
    char        msg[APIGW_ERR_LEN];
    json_t     *v;
    const char *s;

    v = (len <= APIGW_AUTHZ_ANSWER_MAX)
        ? apigw_json_parse(body ? body : "", len, APIGW_AUTHZ_ANSWER_DEPTH,
                           msg, sizeof(msg))
        : NULL;

    s = json_string_value(json_object_get(v, "errorMessage"));

    if (s != NULL && strcmp(s, "Unauthorized") == 0) {
        json_decref(v);
        snprintf(errbuf, errlen, "the authorizer failed with "
                 "\"Unauthorized\"");
        return APIGW_AUTHZ_UNAUTHORIZED;
    }

    s = json_string_value(json_object_get(v, "errorType"));
    snprintf(errbuf, errlen, "the authorizer function failed%s%.64s",
             s ? ": " : "", s ? s : "");
    json_decref(v);

    return APIGW_AUTHZ_CONFIG_ERROR;
}


/* {principalId, policyDocument: {Version, Statement}, context, ...} */
static apigw_authz_rc_e
apigw_authz_policy_answer(apigw_authz_out_t *out, json_t *answer)
{
    size_t             i;
    json_t            *v, *doc, *stmts, *key, *ctx;
    const char        *s;
    apigw_authz_rc_e   rc;

    v = json_object_get(answer, "principalId");

    if (!json_is_string(v) || json_string_length(v) == 0) {
        return apigw_authz_invalid(out, "the answer's \"principalId\" is %s",
                                   v ? "not a non-empty string"
                                     : "missing");
    }

    doc = json_object_get(answer, "policyDocument");

    if (!json_is_object(doc)) {
        return apigw_authz_invalid(out, "the answer's \"policyDocument\" is "
                                   "%s", doc ? "not an object" : "missing");
    }

    s = json_string_value(json_object_get(doc, "Version"));

    if (json_object_get(doc, "Version") != NULL
        && (s == NULL || (strcmp(s, "2012-10-17") != 0
                          && strcmp(s, "2008-10-17") != 0)))
    {
        return apigw_authz_invalid(out, "the policy's \"Version\" is not "
                                   "\"2012-10-17\"");
    }

    stmts = json_object_get(doc, "Statement");

    if (!json_is_array(stmts) && !json_is_object(stmts)) {
        return apigw_authz_invalid(out, "the policy's \"Statement\" is %s",
                                   stmts ? "not an object or an array"
                                         : "missing");
    }

    key = json_object_get(answer, "usageIdentifierKey");

    if (key != NULL && !json_is_null(key)
        && (!json_is_string(key) || json_string_length(key) == 0))
    {
        return apigw_authz_invalid(out, "the answer's \"usageIdentifierKey\""
                                   " is not a non-empty string");
    }

    if (json_is_null(key)) {
        key = NULL;
    }

    apigw_authz_put(out, "AZR1", 4);
    apigw_authz_put_u8(out, key ? APIGW_AUTHZ_F_USAGE_KEY : 0);
    apigw_authz_put(out, "\0\0\0", 3);
    apigw_authz_put(out, "\0\0\0\0\0\0\0\0\0\0\0\0", 12);
    apigw_authz_put_str(out, json_string_value(v), json_string_length(v));

    if (key) {
        apigw_authz_put_str(out, json_string_value(key),
                            json_string_length(key));
    }

    if (json_is_object(stmts)) {
        rc = apigw_authz_statement(out, stmts, 0);

        if (rc != APIGW_AUTHZ_OK) {
            return rc;
        }

    } else {
        for (i = 0; i < json_array_size(stmts); i++) {
            rc = apigw_authz_statement(out, json_array_get(stmts, i), i);

            if (rc != APIGW_AUTHZ_OK) {
                return rc;
            }
        }
    }

    ctx = json_object_get(answer, "context");

    return apigw_authz_context(out, ctx, 0);
}


/* {isAuthorized: true|false, context: {...}} */
static apigw_authz_rc_e
apigw_authz_simple_answer(apigw_authz_out_t *out, json_t *answer)
{
    json_t  *v;

    v = json_object_get(answer, "isAuthorized");

    /* a string "false" must not grant anything: only booleans count */
    if (!json_is_boolean(v)) {
        return apigw_authz_invalid(out, "the answer's \"isAuthorized\" is "
                                   "%s", v ? "not a boolean" : "missing");
    }

    apigw_authz_put(out, "AZR1", 4);
    apigw_authz_put_u8(out, APIGW_AUTHZ_F_SIMPLE
                            | (json_is_true(v) ? APIGW_AUTHZ_F_AUTHORIZED
                                               : 0));
    apigw_authz_put(out, "\0\0\0", 3);
    apigw_authz_put(out, "\0\0\0\0\0\0\0\0\0\0\0\0", 12);
    apigw_authz_put_str(out, "", 0);

    return apigw_authz_context(out, json_object_get(answer, "context"), 1);
}


static apigw_authz_rc_e
apigw_authz_statement(apigw_authz_out_t *out, json_t *stmt, size_t index)
{
    int          deny, unknown;
    size_t       i, n;
    json_t      *effect, *action, *not_action, *resource, *not_resource;
    json_t      *cond, *sid, *v;
    const char  *key, *e;

    if (!json_is_object(stmt)) {
        return apigw_authz_invalid(out, "statement %zu is not an object",
                                   index);
    }

    unknown = 0;

    json_object_foreach(stmt, key, v) {
        if (strcmp(key, "Effect") != 0 && strcmp(key, "Action") != 0
            && strcmp(key, "NotAction") != 0 && strcmp(key, "Resource") != 0
            && strcmp(key, "NotResource") != 0
            && strcmp(key, "Condition") != 0 && strcmp(key, "Sid") != 0)
        {
            unknown = 1;
        }
    }

    effect = json_object_get(stmt, "Effect");
    action = json_object_get(stmt, "Action");
    not_action = json_object_get(stmt, "NotAction");
    resource = json_object_get(stmt, "Resource");
    not_resource = json_object_get(stmt, "NotResource");
    cond = json_object_get(stmt, "Condition");
    sid = json_object_get(stmt, "Sid");

    e = json_string_value(effect);

    if (e == NULL || (strcmp(e, "Allow") != 0 && strcmp(e, "Deny") != 0)) {
        return apigw_authz_invalid(out, "statement %zu: \"Effect\" must be "
                                   "\"Allow\" or \"Deny\"", index);
    }

    deny = (e[0] == 'D');

    if ((action == NULL) == (not_action == NULL)
        || apigw_authz_string_list(action ? action : not_action,
                                   APIGW_AUTHZ_RESOURCE_MAX) != 0)
    {
        return apigw_authz_invalid(out, "statement %zu needs \"Action\" (or "
                                   "\"NotAction\"): a string or a list of "
                                   "them", index);
    }

    if ((resource == NULL) == (not_resource == NULL)
        || apigw_authz_string_list(resource ? resource : not_resource,
                                   APIGW_AUTHZ_RESOURCE_MAX) != 0)
    {
        return apigw_authz_invalid(out, "statement %zu needs \"Resource\" "
                                   "(or \"NotResource\"): a string or a list "
                                   "of them, each at most %d bytes", index,
                                   APIGW_AUTHZ_RESOURCE_MAX);
    }

    if ((cond != NULL && !json_is_object(cond))
        || (sid != NULL && !json_is_string(sid)))
    {
        return apigw_authz_invalid(out, "statement %zu: \"Condition\" must "
                                   "be an object, \"Sid\" a string", index);
    }

    if (!deny) {
        if (unknown || cond || not_action || not_resource
            || !apigw_authz_invoke(action))
        {
            /* an Allow apigw cannot evaluate grants nothing */
            return APIGW_AUTHZ_OK;
        }

    } else if (action != NULL && !apigw_authz_invoke(action)) {
        /* a Deny of other actions */
        return APIGW_AUTHZ_OK;
    }

    if (not_resource != NULL) {
        /* only a Deny gets here: it applies to every resource */
        apigw_authz_put_u8(out, APIGW_AUTHZ_S_DENY | APIGW_AUTHZ_S_ANY);
        apigw_authz_put_u32(out, 0);
        out->nstmts++;
        return APIGW_AUTHZ_OK;
    }

    n = json_is_array(resource) ? json_array_size(resource) : 1;

    apigw_authz_put_u8(out, deny ? APIGW_AUTHZ_S_DENY : 0);
    apigw_authz_put_u32(out, (uint32_t) n);

    for (i = 0; i < n; i++) {
        v = json_is_array(resource) ? json_array_get(resource, i) : resource;
        apigw_authz_put_str(out, json_string_value(v), json_string_length(v));
    }

    out->nstmts++;
    out->nresources += n;

    return APIGW_AUTHZ_OK;
}


/* a string, or a non-empty array of strings, each at most max bytes */
static int
apigw_authz_string_list(json_t *v, size_t max)
{
    size_t   i;
    json_t  *item;

    if (json_is_string(v)) {
        return json_string_length(v) <= max ? 0 : -1;
    }

    if (!json_is_array(v) || json_array_size(v) == 0) {
        return -1;
    }

    json_array_foreach(v, i, item) {
        if (!json_is_string(item) || json_string_length(item) > max) {
            return -1;
        }
    }

    return 0;
}


/* 1 when an Action pattern covers execute-api:Invoke (actions: any case) */
static int
apigw_authz_invoke(json_t *actions)
{
    size_t   i, n;
    json_t  *v;

    n = json_is_array(actions) ? json_array_size(actions) : 1;

    for (i = 0; i < n; i++) {
        v = json_is_array(actions) ? json_array_get(actions, i) : actions;

        if (apigw_iam_match(json_string_value(v), json_string_length(v),
                            "execute-api:Invoke", 18, 1))
        {
            return 1;
        }
    }

    return 0;
}


/*
 * context: a flat map of strings, numbers and booleans (AWS: "you cannot
 * set a JSON object or array"); a simple response's may hold anything
 */
static apigw_authz_rc_e
apigw_authz_context(apigw_authz_out_t *out, json_t *context, int simple)
{
    char        *text, num[32];
    size_t       n;
    json_t      *v;
    const char  *key;

    if (context == NULL || json_is_null(context)) {
        return APIGW_AUTHZ_OK;
    }

    if (!json_is_object(context)) {
        return apigw_authz_invalid(out, "the answer's \"context\" is not an "
                                   "object");
    }

    json_object_foreach(context, key, v) {

        if (json_is_string(v)) {
            apigw_authz_put_u8(out, APIGW_AUTHZ_CTX_STRING);
            apigw_authz_put_str(out, key, strlen(key));
            apigw_authz_put_str(out, json_string_value(v),
                                json_string_length(v));

        } else if (json_is_number(v)) {
            n = apigw_authz_number(v, num, sizeof(num));
            apigw_authz_put_u8(out, APIGW_AUTHZ_CTX_NUMBER);
            apigw_authz_put_str(out, key, strlen(key));
            apigw_authz_put_str(out, num, n);

        } else if (json_is_boolean(v)) {
            apigw_authz_put_u8(out, APIGW_AUTHZ_CTX_BOOLEAN);
            apigw_authz_put_str(out, key, strlen(key));
            apigw_authz_put_str(out, json_is_true(v) ? "true" : "false",
                                json_is_true(v) ? 4 : 5);

        } else if (simple) {
            text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
            if (text == NULL) {
                out->nomem = 1;
                return APIGW_AUTHZ_OK;
            }

            apigw_authz_put_u8(out, APIGW_AUTHZ_CTX_JSON);
            apigw_authz_put_str(out, key, strlen(key));
            apigw_authz_put_str(out, text, strlen(text));
            free(text);

        } else {
            return apigw_authz_invalid(out, "the answer's context value "
                                       "\"%.64s\" is %s: context values are "
                                       "strings, numbers or booleans", key,
                                       json_is_null(v) ? "null"
                                                       : "an object or array");
        }

        out->ncontext++;
    }

    return APIGW_AUTHZ_OK;
}


/* as short as it reads back: 1.5 is "1.5", not "1.5000000000000000" */
static size_t
apigw_authz_number(json_t *v, char *buf, size_t size)
{
    int     prec, n;
    double  d;

    if (json_is_integer(v)) {
        return (size_t) snprintf(buf, size, "%lld",
                                 (long long) json_integer_value(v));
    }

    d = json_real_value(v);
    n = 0;

    for (prec = 1; prec <= 17; prec++) {
        n = snprintf(buf, size, "%.*g", prec, d);

        if (strtod(buf, NULL) == d) {
            break;
        }
    }

    return (size_t) n;
}


static apigw_authz_rc_e
apigw_authz_invalid(apigw_authz_out_t *out, const char *fmt, ...)
{
    int      n;
    va_list  args;

    n = snprintf(out->errbuf, out->errlen, "invalid answer: ");

    if (n > 0 && (size_t) n < out->errlen) {
        va_start(args, fmt);
        vsnprintf(out->errbuf + n, out->errlen - n, fmt, args);
        va_end(args);
    }

    return APIGW_AUTHZ_CONFIG_ERROR;
}


apigw_authz_result_t *
apigw_authz_result_decode(const void *bytes, size_t len)
{
    size_t                 i, j, r, size, nres;
    uint32_t               nstmts, nctx, nresources, n;
    unsigned               flags, sflags, type;
    unsigned char         *copy;
    apigw_authz_ctx_t     *ctx;
    apigw_event_str_t     *res_strs;
    apigw_authz_stmt_t    *stmt;
    const unsigned char   *p, *end;
    apigw_authz_result_t  *res;

    p = bytes;

    if (p == NULL || len < APIGW_AUTHZ_HEADER_LEN + 5
        || memcmp(p, "AZR1", 4) != 0 || p[5] || p[6] || p[7])
    {
        return NULL;
    }

    flags = p[4];
    nstmts = apigw_authz_get_u32(p + 8);
    nctx = apigw_authz_get_u32(p + 12);
    nresources = apigw_authz_get_u32(p + 16);

    /* each takes at least 5 bytes: no absurd allocation from a bad entry */
    if (flags & ~7u
        || (uint64_t) nstmts * 5 + (uint64_t) nresources * 5
           + (uint64_t) nctx * 11 > len
        || ((flags & APIGW_AUTHZ_F_SIMPLE) && nstmts)
        || (!(flags & APIGW_AUTHZ_F_SIMPLE)
            && (flags & APIGW_AUTHZ_F_AUTHORIZED)))
    {
        return NULL;
    }

    size = sizeof(apigw_authz_result_t)
           + nstmts * sizeof(apigw_authz_stmt_t)
           + nctx * sizeof(apigw_authz_ctx_t)
           + nresources * sizeof(apigw_event_str_t) + len;

    res = malloc(size);
    if (res == NULL) {
        return NULL;
    }

    memset(res, 0, sizeof(apigw_authz_result_t));

    res->stmts = (apigw_authz_stmt_t *) (res + 1);
    res->context = (apigw_authz_ctx_t *) (res->stmts + nstmts);
    res_strs = (apigw_event_str_t *) (res->context + nctx);
    copy = (unsigned char *) (res_strs + nresources);

    memcpy(copy, bytes, len);
    res->bytes = copy;
    res->nbytes = len;
    res->simple = (flags & APIGW_AUTHZ_F_SIMPLE) != 0;
    res->authorized = (flags & APIGW_AUTHZ_F_AUTHORIZED) != 0;
    res->nstmts = nstmts;
    res->ncontext = nctx;

    p = copy + APIGW_AUTHZ_HEADER_LEN;
    end = copy + len;

    if (apigw_authz_get_str(&p, end, &res->principal) != 0
        || ((flags & APIGW_AUTHZ_F_USAGE_KEY)
            && apigw_authz_get_str(&p, end, &res->usage_key) != 0))
    {
        goto invalid;
    }

    nres = 0;

    for (i = 0; i < nstmts; i++) {
        stmt = &res->stmts[i];

        if (end - p < 5) {
            goto invalid;
        }

        sflags = p[0];
        n = apigw_authz_get_u32(p + 1);
        p += 5;

        /* only Deny statements apply to any resource, and list none */
        if ((sflags & ~3u)
            || ((sflags & APIGW_AUTHZ_S_ANY)
                && (!(sflags & APIGW_AUTHZ_S_DENY) || n != 0))
            || n > nresources - nres)
        {
            goto invalid;
        }

        stmt->deny = (sflags & APIGW_AUTHZ_S_DENY) != 0;
        stmt->any = (sflags & APIGW_AUTHZ_S_ANY) != 0;
        stmt->resources = res_strs + nres;
        stmt->nresources = n;

        for (r = 0; r < n; r++) {
            if (apigw_authz_get_str(&p, end, &res_strs[nres]) != 0
                || res_strs[nres].len > APIGW_AUTHZ_RESOURCE_MAX)
            {
                goto invalid;
            }

            nres++;
        }
    }

    if (nres != nresources) {
        goto invalid;
    }

    for (j = 0; j < nctx; j++) {
        ctx = &res->context[j];

        if (end - p < 1) {
            goto invalid;
        }

        type = *p++;

        if (type > APIGW_AUTHZ_CTX_JSON
            || (type == APIGW_AUTHZ_CTX_JSON && !res->simple)
            || apigw_authz_get_str(&p, end, &ctx->key) != 0
            || apigw_authz_get_str(&p, end, &ctx->value) != 0)
        {
            goto invalid;
        }

        ctx->type = (apigw_authz_ctx_type_e) type;
    }

    if (p != end) {
        goto invalid;
    }

    return res;

invalid:

    free(res);

    return NULL;
}


apigw_authz_rc_e
apigw_authz_evaluate(const apigw_authz_result_t *res, const char *arn,
    size_t len)
{
    size_t                     i, r;
    const apigw_authz_stmt_t  *stmt;

    if (res->simple) {
        return res->authorized ? APIGW_AUTHZ_OK : APIGW_AUTHZ_FORBIDDEN;
    }

    for (i = 0; i < res->nstmts; i++) {
        stmt = &res->stmts[i];

        if (!stmt->deny) {
            continue;
        }

        if (stmt->any) {
            return APIGW_AUTHZ_EXPLICIT_DENY;
        }

        for (r = 0; r < stmt->nresources; r++) {
            /* a pattern too long to check denies, to be safe */
            if (stmt->resources[r].len > APIGW_AUTHZ_RESOURCE_MAX
                || apigw_authz_pattern_matches(&stmt->resources[r], arn, len))
            {
                return APIGW_AUTHZ_EXPLICIT_DENY;
            }
        }
    }

    for (i = 0; i < res->nstmts; i++) {
        stmt = &res->stmts[i];

        if (stmt->deny) {
            continue;
        }

        for (r = 0; r < stmt->nresources; r++) {
            if (apigw_authz_pattern_matches(&stmt->resources[r], arn, len)) {
                return APIGW_AUTHZ_OK;
            }
        }
    }

    return APIGW_AUTHZ_IMPLICIT_DENY;
}


static int
apigw_authz_pattern_matches(const apigw_event_str_t *pat, const char *arn,
    size_t len)
{
    return apigw_iam_match(pat->data, pat->len, arn, len, 0);
}


/*
 * IAM's wildcards: a row of the table "pattern[0..j) matches s[0..i)",
 * one subject character at a time; "*" may cross ":" only at the end of
 * an ARN segment
 */
int
apigw_iam_match(const char *pat, size_t plen, const char *s, size_t len,
    int icase)
{
    int            pc, c, any;
    size_t         i, j, lit;
    unsigned char  rows[2][APIGW_AUTHZ_RESOURCE_MAX + 1];
    unsigned char *prev, *cur, *tmp;

    if (pat == NULL || plen > APIGW_AUTHZ_RESOURCE_MAX) {
        return 0;
    }

    /* the literal prefix first: most patterns fail there */
    for (lit = 0; lit < plen && pat[lit] != '*' && pat[lit] != '?'; lit++) {
        if (lit >= len) {
            return 0;
        }

        pc = (unsigned char) pat[lit];
        c = (unsigned char) s[lit];

        if (icase) {
            pc = (pc >= 'A' && pc <= 'Z') ? pc - 'A' + 'a' : pc;
            c = (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
        }

        if (pc != c) {
            return 0;
        }
    }

    if (lit == plen) {
        return len == plen;
    }

    pat += lit;
    plen -= lit;
    s += lit;
    len -= lit;

    /* a "*" ending the pattern ends the ARN: anything matches */
    if (plen == 1 && pat[0] == '*') {
        return 1;
    }

    prev = rows[0];
    cur = rows[1];

    prev[0] = 1;

    for (j = 1; j <= plen; j++) {
        prev[j] = prev[j - 1] && pat[j - 1] == '*';
    }

    for (i = 0; i < len; i++) {
        c = (unsigned char) s[i];

        if (icase) {
            c = (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
        }

        cur[0] = 0;
        any = 0;

        for (j = 1; j <= plen; j++) {
            pc = (unsigned char) pat[j - 1];

            if (pc == '*') {
                cur[j] = cur[j - 1]
                         || (prev[j]
                             && (c != ':' || j == plen || pat[j] == ':'));

            } else if (pc == '?') {
                cur[j] = prev[j - 1] && c != ':';

            } else {
                if (icase) {
                    pc = (pc >= 'A' && pc <= 'Z') ? pc - 'A' + 'a' : pc;
                }

                cur[j] = prev[j - 1] && pc == c;
            }

            any |= cur[j];
        }

        if (!any) {
            return 0;
        }

        tmp = prev;
        prev = cur;
        cur = tmp;
    }

    return prev[plen];
}


const apigw_authz_ctx_t *
apigw_authz_context_find(const apigw_authz_result_t *res, const char *key,
    size_t len)
{
    size_t  i;

    for (i = 0; i < res->ncontext; i++) {
        if (res->context[i].key.len == len
            && memcmp(res->context[i].key.data, key, len) == 0)
        {
            return &res->context[i];
        }
    }

    return NULL;
}


json_t *
apigw_authz_result_json(const apigw_authz_result_t *res, int v2)
{
    size_t                    i;
    json_t                   *obj, *out, *v;
    const apigw_authz_ctx_t  *ctx;

    obj = json_object();
    if (obj == NULL) {
        return NULL;
    }

    for (i = 0; i < res->ncontext; i++) {
        ctx = &res->context[i];

        if (ctx->type == APIGW_AUTHZ_CTX_STRING) {
            v = json_stringn(ctx->value.data, ctx->value.len);

        } else {
            v = json_loadb(ctx->value.data, ctx->value.len, JSON_DECODE_ANY,
                           NULL);
        }

        if (v == NULL
            || json_object_setn_new(obj, ctx->key.data, ctx->key.len, v)
               != 0)
        {
            json_decref(obj);
            return NULL;
        }
    }

    /* the principal wins over a context key of its name */
    if (res->principal.len
        && json_object_set_new(obj, "principalId",
                               json_stringn(res->principal.data,
                                            res->principal.len))
           != 0)
    {
        json_decref(obj);
        return NULL;
    }

    if (!v2) {
        return obj;
    }

    out = json_object();

    if (out == NULL || json_object_set_new(out, "lambda", obj) != 0) {
        json_decref(out);
        return NULL;
    }

    return out;
}


int
apigw_authz_response(apigw_authz_rc_e rc, apigw_authz_response_t *resp)
{
    resp->status = 0;
    resp->message = NULL;

    switch (rc) {

    case APIGW_AUTHZ_OK:
        return 0;

    case APIGW_AUTHZ_UNAUTHORIZED:
        resp->type = APIGW_GR_UNAUTHORIZED;
        break;

    case APIGW_AUTHZ_EXPLICIT_DENY:
        resp->type = APIGW_GR_ACCESS_DENIED;
        resp->message = "User is not authorized to access this resource "
                        "with an explicit deny";
        break;

    case APIGW_AUTHZ_IMPLICIT_DENY:
        resp->type = APIGW_GR_ACCESS_DENIED;
        resp->message = "User is not authorized to access this resource";
        break;

    case APIGW_AUTHZ_FORBIDDEN:
        resp->type = APIGW_GR_ACCESS_DENIED;
        resp->message = "Forbidden";
        break;

    case APIGW_AUTHZ_URI_TOO_LONG:
        resp->type = APIGW_GR_DEFAULT_4XX;
        resp->status = 414;
        resp->message = "Request URI too long";
        break;

    case APIGW_AUTHZ_FAILURE:
        resp->type = APIGW_GR_AUTHORIZER_FAILURE;
        break;

    default: /* APIGW_AUTHZ_CONFIG_ERROR */
        resp->type = APIGW_GR_AUTHORIZER_CONFIGURATION_ERROR;
        break;
    }

    return 1;
}


const char *
apigw_authz_rc_name(apigw_authz_rc_e rc)
{
    static const char  *names[] = {
        "OK", "UNAUTHORIZED", "EXPLICIT_DENY", "IMPLICIT_DENY", "FORBIDDEN",
        "CONFIG_ERROR", "FAILURE", "URI_TOO_LONG"
    };

    return (unsigned) rc < APIGW_AUTHZ_RC_COUNT ? names[rc] : "?";
}


static void
apigw_authz_put(apigw_authz_out_t *out, const void *data, size_t len)
{
    size_t          cap;
    unsigned char  *buf;

    if (out->nomem) {
        return;
    }

    if (out->len + len > out->cap) {
        cap = out->cap ? out->cap : 256;

        while (cap < out->len + len) {
            cap *= 2;
        }

        buf = realloc(out->buf, cap);
        if (buf == NULL) {
            out->nomem = 1;
            return;
        }

        out->buf = buf;
        out->cap = cap;
    }

    memcpy(out->buf + out->len, data, len);
    out->len += len;
}


static void
apigw_authz_put_u8(apigw_authz_out_t *out, unsigned v)
{
    unsigned char  b;

    b = (unsigned char) v;
    apigw_authz_put(out, &b, 1);
}


static void
apigw_authz_put_u32(apigw_authz_out_t *out, uint32_t v)
{
    unsigned char  b[4];

    apigw_authz_patch_u32(b, v);
    apigw_authz_put(out, b, 4);
}


static void
apigw_authz_put_str(apigw_authz_out_t *out, const char *s, size_t len)
{
    apigw_authz_put_u32(out, (uint32_t) len);
    apigw_authz_put(out, s, len);
    apigw_authz_put(out, "", 1);
}


static void
apigw_authz_patch_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char) (v >> 24);
    p[1] = (unsigned char) (v >> 16);
    p[2] = (unsigned char) (v >> 8);
    p[3] = (unsigned char) v;
}


static uint32_t
apigw_authz_get_u32(const unsigned char *p)
{
    return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16)
           | ((uint32_t) p[2] << 8) | p[3];
}


static int
apigw_authz_get_str(const unsigned char **p, const unsigned char *end,
    apigw_event_str_t *s)
{
    uint32_t  n;

    if (end - *p < 5) {
        return -1;
    }

    n = apigw_authz_get_u32(*p);

    if ((size_t) (end - *p - 4) <= n || (*p)[4 + n] != '\0') {
        return -1;
    }

    s->data = (const char *) *p + 4;
    s->len = n;
    *p += 5 + n;

    return 0;
}
