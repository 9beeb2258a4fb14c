
/*
 * Copyright (C) apigw contributors
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_core.h"


/*
 * Integration URIs: "http://${stageVariables.host}/pets/{petId}".
 * Gateway response bodies: "{\"message\":$context.error.messageString}",
 * with $context.x, ${context.x}, $stageVariables.x, ${stageVariables.x}.
 */


static int apigw_tpl_push(apigw_tpl_t *tpl, apigw_tpl_kind_e kind,
    const char *text, size_t len);
static size_t apigw_tpl_name_len(const char *p, const char *end);
static size_t apigw_tpl_variable(const char *p, const char *end,
    apigw_tpl_kind_e *kind, const char **name, size_t *nlen);


static int
apigw_tpl_push(apigw_tpl_t *tpl, apigw_tpl_kind_e kind, const char *text,
    size_t len)
{
    apigw_tpl_part_t  *parts, *part;

    if (len == 0 && kind == APIGW_TPL_LITERAL) {
        return 0;
    }

    parts = realloc(tpl->parts, (tpl->nparts + 1) * sizeof(apigw_tpl_part_t));
    if (parts == NULL) {
        return -1;
    }

    tpl->parts = parts;
    part = &parts[tpl->nparts];

    part->text = malloc(len + 1);
    if (part->text == NULL) {
        return -1;
    }

    memcpy(part->text, text, len);
    part->text[len] = '\0';
    part->len = len;
    part->kind = kind;
    part->param = 0;
    tpl->nparts++;

    return 0;
}


static size_t
apigw_tpl_name_len(const char *p, const char *end)
{
    const char  *start;

    for (start = p; p < end; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
              || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
        {
            break;
        }
    }

    return p - start;
}


/* "$context.a.b", "${stageVariables.x}": returns bytes consumed or 0 */
static size_t
apigw_tpl_variable(const char *p, const char *end, apigw_tpl_kind_e *kind,
    const char **name, size_t *nlen)
{
    size_t       n, plen;
    const char  *start, *q;

    start = p++;

    if (p < end && *p == '{') {
        p++;
    }

    if ((size_t) (end - p) > 8 && memcmp(p, "context.", 8) == 0) {
        *kind = APIGW_TPL_CONTEXT;
        plen = 8;

    } else if ((size_t) (end - p) > 15
               && memcmp(p, "stageVariables.", 15) == 0)
    {
        *kind = APIGW_TPL_STAGE_VAR;
        plen = 15;

    } else {
        return 0;
    }

    q = p + plen;
    *name = q;

    for ( ;; ) {
        n = apigw_tpl_name_len(q, end);

        if (n == 0) {
            return 0;
        }

        q += n;

        /* context names are dotted: $context.error.messageString */
        if (*kind == APIGW_TPL_CONTEXT && q + 1 < end && *q == '.'
            && apigw_tpl_name_len(q + 1, end))
        {
            q++;
            continue;
        }

        break;
    }

    *nlen = q - *name;

    if (start[1] == '{') {
        if (q >= end || *q != '}') {
            return 0;
        }

        q++;
    }

    return q - start;
}


apigw_tpl_t *
apigw_tpl_parse(const char *src, size_t len, unsigned flags, char *errbuf,
    size_t errlen)
{
    size_t             n, nlen;
    const char        *p, *end, *lit, *name, *close;
    apigw_tpl_t       *tpl;
    apigw_tpl_kind_e   kind;

    tpl = calloc(1, sizeof(apigw_tpl_t));
    if (tpl == NULL) {
        snprintf(errbuf, errlen, "out of memory");
        return NULL;
    }

    p = src;
    end = src + len;
    lit = p;

    while (p < end) {

        if (*p == '$') {
            n = apigw_tpl_variable(p, end, &kind, &name, &nlen);

            if (n && ((flags & APIGW_TPL_BODY)
                      || kind == APIGW_TPL_STAGE_VAR))
            {
                if ((flags & APIGW_TPL_URI) && p[1] != '{') {
                    snprintf(errbuf, errlen, "write stage variables as "
                             "${stageVariables.%.*s}", (int) nlen, name);
                    goto failed;
                }

                if (apigw_tpl_push(tpl, APIGW_TPL_LITERAL, lit, p - lit) != 0
                    || apigw_tpl_push(tpl, kind, name, nlen) != 0)
                {
                    goto nomem;
                }

                p += n;
                lit = p;
                continue;
            }

            if ((flags & APIGW_TPL_URI) && p + 1 < end && p[1] == '{') {
                snprintf(errbuf, errlen, "unknown variable in \"%.*s\": only "
                         "${stageVariables.NAME} is allowed", (int) len, src);
                goto failed;
            }
        }

        if (*p == '{' && (flags & APIGW_TPL_URI)) {
            close = memchr(p, '}', end - p);
            nlen = close ? (size_t) (close - p - 1) : 0;

            if (nlen && p[nlen] == '+') {
                nlen--;     /* AWS writes {proxy+} in paths, {proxy} here */
            }

            if (close == NULL || nlen == 0
                || apigw_tpl_name_len(p + 1, close) != nlen)
            {
                snprintf(errbuf, errlen, "bad path parameter in \"%.*s\"",
                         (int) len, src);
                goto failed;
            }

            if (apigw_tpl_push(tpl, APIGW_TPL_LITERAL, lit, p - lit) != 0
                || apigw_tpl_push(tpl, APIGW_TPL_PATH_PARAM, p + 1, nlen) != 0)
            {
                goto nomem;
            }

            p = close + 1;
            lit = p;
            continue;
        }

        p++;
    }

    if (apigw_tpl_push(tpl, APIGW_TPL_LITERAL, lit, p - lit) != 0) {
        goto nomem;
    }

    return tpl;

nomem:

    snprintf(errbuf, errlen, "out of memory");

failed:

    apigw_tpl_free(tpl);

    return NULL;
}


void
apigw_tpl_free(apigw_tpl_t *tpl)
{
    size_t  i;

    if (tpl == NULL) {
        return;
    }

    for (i = 0; i < tpl->nparts; i++) {
        free(tpl->parts[i].text);
    }

    free(tpl->parts);
    free(tpl);
}


int
apigw_tpl_is_literal(const apigw_tpl_t *tpl)
{
    return tpl->nparts == 0
           || (tpl->nparts == 1 && tpl->parts[0].kind == APIGW_TPL_LITERAL);
}
