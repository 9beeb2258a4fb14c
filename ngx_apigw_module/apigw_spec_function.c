
/*
 * Copyright (C) apigw contributors
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apigw_spec_int.h"


/*
 * Functions as integrations, and the API's binary media types:
 *
 *   x-apigw-integration:
 *     type: function
 *     function: NAME                # or NAME:QUALIFIER, a Lambda ARN,
 *                                   # ${stageVariables.fn}
 *     payloadFormatVersion: "1.0"   # or "2.0"
 *     timeout: 3000
 *
 *   x-amazon-apigateway-integration:
 *     type: aws_proxy
 *     httpMethod: POST
 *     uri: arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/
 *          arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]/
 *          invocations
 *     timeoutInMillis: 3000
 *
 *   x-amazon-apigateway-binary-media-types: [image/png, image/jpeg]
 *
 * An ARN gives the function's name and qualifier; its region and account
 * do not matter here (the gateway calls its own function hosts).
 */


#define APIGW_FUNCTION_NAME_MAX     64      /* Lambda's */
#define APIGW_QUALIFIER_MAX         128
#define APIGW_BINARY_TYPES          "x-amazon-apigateway-binary-media-types"


static int apigw_spec_function_ref(apigw_compile_t *c, apigw_operation_t *op,
    apigw_loc_t *loc, const char *s, size_t len, int aws);
static int apigw_spec_payload(apigw_compile_t *c, apigw_operation_t *op,
    apigw_loc_t *ext);
static int apigw_function_char(int c, int qualifier);
static const char *apigw_lambda_field(const char *p, const char *end);


static const char  *apigw_spec_function_members[] = {
    "type", "function", "payloadFormatVersion", "timeout",
    "cacheKeyParameters", "cacheNamespace", NULL
};


int
apigw_spec_function(apigw_compile_t *c, apigw_operation_t *op,
    apigw_loc_t *ext, int aws)
{
    json_t       *v;
    const char   *s, *what;
    apigw_loc_t   loc;

    op->integration.type = APIGW_INTEGRATION_FUNCTION;
    c->api->functions = 1;

    if (!aws && apigw_loc_check_members(ext, apigw_spec_function_members,
                                        NULL, c->err)
                != 0)
    {
        return -1;
    }

    what = aws ? "uri" : "function";
    v = apigw_spec_member(ext, &loc, what, NULL);
    s = json_string_value(v);

    if (s == NULL || *s == '\0') {
        apigw_loc_error(c->err, v ? &loc : ext, "a %s integration needs "
                        "\"%s\": %s", aws ? "aws_proxy" : "function", what,
                        aws ? "a Lambda function's ARN (arn:aws:apigateway:"
                              "REGION:lambda:path/2015-03-31/functions/"
                              "arn:aws:lambda:REGION:ACCOUNT:function:NAME/"
                              "invocations)"
                            : "a function's name");
        return -1;
    }

    if (apigw_spec_function_ref(c, op, &loc, s, json_string_length(v), aws)
        != 0)
    {
        return -1;
    }

    if (aws) {
        /* AWS calls Lambda with POST, and refuses anything else */
        v = apigw_spec_member(ext, &loc, "httpMethod", NULL);
        s = json_string_value(v);

        if (v != NULL && (s == NULL || strcasecmp(s, "POST") != 0)) {
            apigw_loc_error(c->err, &loc, "a Lambda function is called with "
                            "\"httpMethod\": \"POST\"");
            return -1;
        }
    }

    if (apigw_spec_payload(c, op, ext) != 0) {
        return -1;
    }

    return apigw_spec_timeout(c, op, ext, aws);
}


/*
 * NAME, NAME:QUALIFIER or an ARN (aws_proxy's uri: an ARN), any of them
 * with stage variables
 */
static int
apigw_spec_function_ref(apigw_compile_t *c, apigw_operation_t *op,
    apigw_loc_t *loc, const char *s, size_t len, int aws)
{
    char                 errbuf[APIGW_ERR_LEN];
    const char          *colon;
    apigw_lambda_ref_t   ref;

    if (aws || (len > 4 && strncmp(s, "arn:", 4) == 0)) {
        if (apigw_lambda_arn(s, len, &ref) != 0) {
            apigw_loc_error(c->err, loc, "not a Lambda function's ARN: "
                            "arn:aws:apigateway:REGION:lambda:path/"
                            "2015-03-31/functions/arn:aws:lambda:REGION:"
                            "ACCOUNT:function:NAME[:QUALIFIER]/invocations, "
                            "or arn:aws:lambda:REGION:ACCOUNT:function:NAME");
            return -1;
        }

    } else {
        ref.name = s;
        ref.name_len = len;
        ref.qualifier = NULL;
        ref.qualifier_len = 0;

        colon = memchr(s, ':', len);

        if (colon != NULL) {
            ref.name_len = colon - s;
            ref.qualifier = colon + 1;
            ref.qualifier_len = len - ref.name_len - 1;
        }
    }

    op->integration.function = apigw_function_tpl(ref.name, ref.name_len, 0,
                                                  errbuf, sizeof(errbuf));
    if (op->integration.function == NULL) {
        apigw_loc_error(c->err, loc, "%s", errbuf);
        return -1;
    }

    if (ref.qualifier == NULL) {
        return 0;
    }

    op->integration.qualifier = apigw_function_tpl(ref.qualifier,
                                                   ref.qualifier_len, 1,
                                                   errbuf, sizeof(errbuf));
    if (op->integration.qualifier == NULL) {
        apigw_loc_error(c->err, loc, "%s", errbuf);
        return -1;
    }

    return 0;
}


/* payloadFormatVersion: "1.0" (REST's, the default) or "2.0" */
static int
apigw_spec_payload(apigw_compile_t *c, apigw_operation_t *op,
    apigw_loc_t *ext)
{
    json_t       *v;
    const char   *s;
    apigw_loc_t   loc;

    v = apigw_spec_member(ext, &loc, "payloadFormatVersion", NULL);

    if (v == NULL) {
        return 0;
    }

    s = json_string_value(v);

    if (json_is_number(v)) {
        if (json_number_value(v) == 1.0) {
            s = "1.0";

        } else if (json_number_value(v) == 2.0) {
            s = "2.0";
        }
    }

    if (s != NULL && strcmp(s, "2.0") == 0) {
        op->integration.payload_v2 = 1;
        return 0;
    }

    if (s != NULL && strcmp(s, "1.0") == 0) {
        return 0;
    }

    apigw_loc_error(c->err, &loc, "\"payloadFormatVersion\" must be \"1.0\" "
                    "or \"2.0\"");
    return -1;
}


int
apigw_lambda_arn(const char *s, size_t len, apigw_lambda_ref_t *ref)
{
    size_t       n;
    const char  *p, *end, *fn, *colon;

    end = s + len;
    fn = s;

    if (len < 4 || memcmp(s, "arn:", 4) != 0) {
        return -1;
    }

    /* the partition: aws, aws-cn, aws-us-gov */
    p = apigw_lambda_field(s + 4, end);

    if (p == NULL) {
        return -1;
    }

    if ((size_t) (end - p) > 11 && memcmp(p, "apigateway:", 11) == 0) {
        p = apigw_lambda_field(p + 11, end);

        if (p == NULL || (size_t) (end - p) < 7
            || memcmp(p, "lambda:", 7) != 0)
        {
            return -1;
        }

        p += 7;
        n = sizeof("path/2015-03-31/functions/") - 1;

        if ((size_t) (end - p) <= n + 12
            || memcmp(p, "path/2015-03-31/functions/", n) != 0
            || memcmp(end - 12, "/invocations", 12) != 0)
        {
            return -1;
        }

        fn = p + n;
        end -= 12;
    }

    /* fn: arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER] */
    if ((size_t) (end - fn) < 4 || memcmp(fn, "arn:", 4) != 0) {
        return -1;
    }

    p = apigw_lambda_field(fn + 4, end);

    if (p == NULL || (size_t) (end - p) < 7 || memcmp(p, "lambda:", 7) != 0) {
        return -1;
    }

    /* REGION:ACCOUNT: */
    p = apigw_lambda_field(p + 7, end);

    if (p != NULL) {
        p = apigw_lambda_field(p, end);
    }

    if (p == NULL || (size_t) (end - p) < 10 || memcmp(p, "function:", 9) != 0)
    {
        return -1;
    }

    p += 9;
    colon = memchr(p, ':', end - p);

    ref->name = p;
    ref->name_len = (colon ? colon : end) - p;
    ref->qualifier = NULL;
    ref->qualifier_len = 0;

    if (colon != NULL) {
        if (colon + 1 == end || memchr(colon + 1, ':', end - colon - 1)) {
            return -1;
        }

        ref->qualifier = colon + 1;
        ref->qualifier_len = end - colon - 1;
    }

    return 0;
}


/* past a non-empty field and its ":", or NULL */
static const char *
apigw_lambda_field(const char *p, const char *end)
{
    const char  *colon;

    colon = memchr(p, ':', end - p);

    if (colon == NULL || colon == p) {
        return NULL;
    }

    return colon + 1;
}


apigw_tpl_t *
apigw_function_tpl(const char *s, size_t len, int qualifier, char *errbuf,
    size_t errlen)
{
    size_t             i, j;
    apigw_tpl_t       *tpl;
    apigw_tpl_part_t  *part;

    tpl = NULL;

    if (len == 0 || len > 140) {
        goto bad;
    }

    tpl = apigw_tpl_parse(s, len, APIGW_TPL_URI, errbuf, errlen);
    if (tpl == NULL) {
        return NULL;
    }

    for (i = 0; i < tpl->nparts; i++) {
        part = &tpl->parts[i];

        if (part->kind == APIGW_TPL_PATH_PARAM) {
            goto bad;
        }

        if (part->kind != APIGW_TPL_LITERAL) {
            continue;
        }

        for (j = 0; j < part->len; j++) {
            if (!apigw_function_char((unsigned char) part->text[j],
                                     qualifier))
            {
                goto bad;
            }
        }
    }

    return tpl;

bad:

    apigw_tpl_free(tpl);

    snprintf(errbuf, errlen, "bad %s \"%.*s\": letters, digits, \"-\" and "
             "\"_\"%s, or ${stageVariables.NAME}",
             qualifier ? "qualifier" : "function name", (int) len, s,
             qualifier ? ", \"$\"" : "");
    return NULL;
}


int
apigw_function_name_valid(const char *s, size_t len, int qualifier)
{
    size_t  i;

    if (len == 0
        || len > (qualifier ? APIGW_QUALIFIER_MAX : APIGW_FUNCTION_NAME_MAX))
    {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (!apigw_function_char((unsigned char) s[i], qualifier)) {
            return 0;
        }
    }

    return 1;
}


static int
apigw_function_char(int c, int qualifier)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '-' || c == '_'
           || (qualifier && c == '$');
}


/*
 * x-amazon-apigateway-binary-media-types: a list of media types, kept in
 * lower case; AWS's "~1" for "/" (as its settings write them) is read too
 */
int
apigw_spec_binary_types(apigw_compile_t *c, apigw_loc_t *root)
{
    char         *t, *p, *q;
    size_t        i, n;
    json_t       *list, *v;
    apigw_api_t  *api;
    apigw_loc_t   loc;

    api = c->api;
    list = apigw_spec_member(root, &loc, APIGW_BINARY_TYPES, NULL);

    if (list == NULL) {
        return 0;
    }

    n = json_array_size(list);

    for (i = 0; i < n; i++) {
        v = json_array_get(list, i);

        if (json_string_value(v) == NULL
            || (memchr(json_string_value(v), '/', json_string_length(v))
                == NULL
                && strstr(json_string_value(v), "~1") == NULL))
        {
            break;
        }
    }

    if (!json_is_array(list) || i < n) {
        apigw_loc_error(c->err, &loc, "the binary media types must be a "
                        "list of media types (\"image/png\", \"*/*\")");
        return -1;
    }

    api->binary_types = calloc(n + 1, sizeof(char *));
    if (api->binary_types == NULL) {
        goto nomem;
    }

    for (i = 0; i < n; i++) {
        v = json_array_get(list, i);

        t = apigw_strndup(json_string_value(v), json_string_length(v));
        if (t == NULL) {
            goto nomem;
        }

        api->binary_types[api->nbinary_types++] = t;

        for (p = t, q = t; *p; p++) {
            if (p[0] == '~' && p[1] == '1') {
                *q++ = '/';
                p++;
                continue;
            }

            *q++ = (*p >= 'A' && *p <= 'Z') ? (char) (*p | 0x20) : *p;
        }

        *q = '\0';
    }

    return 0;

nomem:

    apigw_loc_error(c->err, &loc, "out of memory");
    return -1;
}


int
apigw_binary_type(char **types, size_t n, const char *type, size_t len)
{
    size_t       i, tlen, slen, plen;
    const char  *slash, *t, *sub;

    /* the type without parameters or spaces */
    while (len && (*type == ' ' || *type == '\t')) {
        type++;
        len--;
    }

    for (i = 0; i < len; i++) {
        if (type[i] == ';' || type[i] == ' ' || type[i] == '\t'
            || type[i] == ',')
        {
            break;
        }
    }

    len = i;
    slash = memchr(type, '/', len);

    if (slash == NULL || n == 0) {
        return 0;
    }

    tlen = slash - type;
    sub = slash + 1;
    slen = len - tlen - 1;

    for (i = 0; i < n; i++) {
        t = types[i];
        slash = strchr(t, '/');

        if (slash == NULL) {
            continue;
        }

        plen = slash - t;

        if (!(plen == 1 && t[0] == '*')
            && !(plen == tlen && strncasecmp(t, type, tlen) == 0))
        {
            continue;
        }

        if (strcmp(slash + 1, "*") == 0
            || (strlen(slash + 1) == slen
                && strncasecmp(slash + 1, sub, slen) == 0))
        {
            return 1;
        }
    }

    return 0;
}
