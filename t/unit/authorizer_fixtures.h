
/*
 * Copyright (C) apigw contributors
 */


#ifndef _APIGW_AUTHORIZER_FIXTURES_H_INCLUDED_
#define _APIGW_AUTHORIZER_FIXTURES_H_INCLUDED_


/*
 * What the custom-authorizer unit tests share (test_authorizer.c,
 * test_policy.c): JSON written with ' for ", authorizers compiled from a
 * scheme's text
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_authorizer.h"
#include "unit.h"


#define S(s)        { s, sizeof(s) - 1 }
#define P(n, v)     { n, sizeof(n) - 1, v, sizeof(v) - 1 }

#define ARN_PREFIX  "arn:aws:execute-api:us-east-1:000000000000:petstore/prod/"


static apigw_error_t  err UNIT_UNUSED;
static apigw_doc_t    doc UNIT_UNUSED;
static char           errbuf[APIGW_ERR_LEN] UNIT_UNUSED;


/* JSON written with ' for " */
static UNIT_UNUSED json_t *
J(const char *text)
{
    char          *copy, *p;
    json_t        *j;
    json_error_t   jerr;

    copy = strdup(text);
    if (copy == NULL) {
        exit(2);
    }

    for (p = copy; *p; p++) {
        if (*p == '\'') {
            *p = '"';
        }
    }

    j = json_loads(copy, JSON_DECODE_ANY, &jerr);

    if (j == NULL) {
        printf("# bad test JSON: %s: %s\n", jerr.text, copy);
        exit(2);
    }

    free(copy);

    return j;
}


static UNIT_UNUSED char *
Jtext(const char *text)
{
    char  *copy, *p;

    copy = strdup(text);
    if (copy == NULL) {
        exit(2);
    }

    for (p = copy; *p; p++) {
        if (*p == '\'') {
            *p = '"';
        }
    }

    return copy;
}


/* a security scheme at /components/securitySchemes/auth */
static UNIT_UNUSED int
compile(const char *scheme, apigw_authorizer_t *a)
{
    int          rc;
    apigw_loc_t  loc;

    memset(&err, 0, sizeof(err));
    memset(&doc, 0, sizeof(doc));
    snprintf(doc.path, sizeof(doc.path), "spec.json");
    doc.root = J(scheme);

    loc.doc = &doc;
    loc.node = doc.root;
    loc.key = NULL;
    snprintf(loc.pointer, sizeof(loc.pointer),
             "/components/securitySchemes/auth");

    rc = apigw_authorizer_compile(&loc, a, &err);
    json_decref(doc.root);

    return rc;
}


static UNIT_UNUSED int
compile_fails(const char *scheme, const char *pointer, const char *msg)
{
    int                 ok;
    apigw_authorizer_t  a;

    if (compile(scheme, &a) == 0) {
        printf("# compiled: %s\n", scheme);
        apigw_authorizer_free(&a);
        return 0;
    }

    ok = strcmp(err.pointer, pointer) == 0
         && strstr(err.message, msg) != NULL
         && strcmp(err.file, "spec.json") == 0;

    if (!ok) {
        printf("# pointer \"%s\" message \"%s\"\n", err.pointer,
               err.message);
    }

    return ok;
}


static UNIT_UNUSED const char *
tpl_text(apigw_tpl_t *tpl, char *buf, size_t size)
{
    size_t  i, n;

    buf[0] = '\0';

    for (n = 0, i = 0; tpl && i < tpl->nparts && n < size; i++) {
        n += snprintf(buf + n, size - n, "%s%s%s",
                      tpl->parts[i].kind == APIGW_TPL_STAGE_VAR ? "${" : "",
                      tpl->parts[i].text,
                      tpl->parts[i].kind == APIGW_TPL_STAGE_VAR ? "}" : "");
    }

    return buf;
}



#endif /* _APIGW_AUTHORIZER_FIXTURES_H_INCLUDED_ */
