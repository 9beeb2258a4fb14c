
/*
 * Copyright (C) apigw contributors
 */


/*
 * libFuzzer target: apigw_tpl_parse() with the integration URI flags
 * (APIGW_TPL_URI: {param}, ${stageVariables.x}) and the gateway response
 * body flags (APIGW_TPL_BODY: $context.x, ${context.x}, $stageVariables.x,
 * ${stageVariables.x}), checked against a small reference parser written
 * from the syntax in apigw_core.h and apigw_template.c's comments:
 *
 *   - success or failure is the reference's, and a failure has a message;
 *   - the parts are the reference's: kinds, texts and lengths;
 *   - no empty literal part, no two literal parts in a row, variable
 *     names are NUL-terminated at their length;
 *   - apigw_tpl_is_literal() says whether there is no variable part.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_core.h"


typedef struct {
    apigw_tpl_kind_e        kind;
    const char             *text;
    size_t                  len;
} fuzz_part_t;


typedef struct {
    fuzz_part_t            *parts;
    size_t                  nparts;
    size_t                  cap;
} fuzz_ref_t;


static void
fuzz_fail(const char *what, const uint8_t *data, size_t size, unsigned flags)
{
    fprintf(stderr, "fuzz_template: invariant broken (flags %u): %s: "
            "\"%.*s\"\n", flags, what, (int) size, (const char *) data);
    abort();
}


static int
fuzz_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '_' || c == '-';
}


static void
fuzz_push(fuzz_ref_t *ref, apigw_tpl_kind_e kind, const char *text,
    size_t len)
{
    fuzz_part_t  *parts;

    if (kind == APIGW_TPL_LITERAL && len == 0) {
        return;
    }

    if (ref->nparts == ref->cap) {
        ref->cap = ref->cap ? ref->cap * 2 : 16;
        parts = realloc(ref->parts, ref->cap * sizeof(fuzz_part_t));

        if (parts == NULL) {
            abort();
        }

        ref->parts = parts;
    }

    ref->parts[ref->nparts].kind = kind;
    ref->parts[ref->nparts].text = text;
    ref->parts[ref->nparts].len = len;
    ref->nparts++;
}


/*
 * "$context.a.b", "${context.a}", "$stageVariables.x",
 * "${stageVariables.x}" at p: the bytes it takes, 0 if none
 */
static size_t
fuzz_variable(const char *p, const char *end, apigw_tpl_kind_e *kind,
    const char **name, size_t *nlen, int *braced)
{
    const char  *q;

    q = p + 1;
    *braced = (q < end && *q == '{');
    q += *braced;

    if (end - q > 8 && memcmp(q, "context.", 8) == 0) {
        *kind = APIGW_TPL_CONTEXT;
        q += 8;

    } else if (end - q > 15 && memcmp(q, "stageVariables.", 15) == 0) {
        *kind = APIGW_TPL_STAGE_VAR;
        q += 15;

    } else {
        return 0;
    }

    *name = q;

    if (q == end || !fuzz_name_char(*q)) {
        return 0;
    }

    for ( ;; ) {
        while (q < end && fuzz_name_char(*q)) {
            q++;
        }

        /* context names are dotted, each piece a name */
        if (*kind == APIGW_TPL_CONTEXT && end - q >= 2 && q[0] == '.'
            && fuzz_name_char(q[1]))
        {
            q++;
            continue;
        }

        break;
    }

    *nlen = q - *name;

    if (*braced) {
        if (q == end || *q != '}') {
            return 0;
        }

        q++;
    }

    return q - p;
}


/* 0 and the parts, or -1: the template is rejected */
static int
fuzz_reference(const char *src, size_t len, unsigned flags, fuzz_ref_t *ref)
{
    int                braced;
    size_t             n, nlen;
    const char        *p, *end, *lit, *name, *close, *q;
    apigw_tpl_kind_e   kind;

    p = src;
    end = src + len;
    lit = p;

    while (p < end) {
        if (*p == '$') {
            n = fuzz_variable(p, end, &kind, &name, &nlen, &braced);

            if (flags & APIGW_TPL_URI) {
                /* only ${stageVariables.x}; "$context.x" is text */
                if (n && kind == APIGW_TPL_STAGE_VAR) {
                    if (!braced) {
                        return -1;
                    }

                    fuzz_push(ref, APIGW_TPL_LITERAL, lit, p - lit);
                    fuzz_push(ref, kind, name, nlen);
                    p += n;
                    lit = p;
                    continue;
                }

                if (end - p >= 2 && p[1] == '{') {
                    return -1;
                }

            } else if (n) {
                fuzz_push(ref, APIGW_TPL_LITERAL, lit, p - lit);
                fuzz_push(ref, kind, name, nlen);
                p += n;
                lit = p;
                continue;
            }
        }

        if (*p == '{' && (flags & APIGW_TPL_URI)) {
            /* {name} or {name+}, the name of A-Z a-z 0-9 _ - */
            close = memchr(p, '}', end - p);

            if (close == NULL) {
                return -1;
            }

            nlen = close - (p + 1);

            if (nlen && close[-1] == '+') {
                nlen--;
            }

            if (nlen == 0) {
                return -1;
            }

            for (q = p + 1; q < p + 1 + nlen; q++) {
                if (!fuzz_name_char(*q)) {
                    return -1;
                }
            }

            fuzz_push(ref, APIGW_TPL_LITERAL, lit, p - lit);
            fuzz_push(ref, APIGW_TPL_PATH_PARAM, p + 1, nlen);
            p = close + 1;
            lit = p;
            continue;
        }

        p++;
    }

    fuzz_push(ref, APIGW_TPL_LITERAL, lit, p - lit);

    return 0;
}


static void
fuzz_one(const uint8_t *data, size_t size, unsigned flags)
{
    int               rc, vars;
    char              errbuf[APIGW_ERR_LEN];
    size_t            i;
    fuzz_ref_t        ref;
    apigw_tpl_t      *tpl;
    apigw_tpl_part_t *part;

    errbuf[0] = '\0';
    tpl = apigw_tpl_parse((const char *) data, size, flags, errbuf,
                          sizeof(errbuf));

    memset(&ref, 0, sizeof(ref));
    rc = fuzz_reference((const char *) data, size, flags, &ref);

    if (tpl == NULL) {
        if (errbuf[0] == '\0') {
            fuzz_fail("a failure without a message", data, size, flags);
        }

        if (rc == 0) {
            fprintf(stderr, "fuzz_template: error \"%s\"\n", errbuf);
            fuzz_fail("rejected, the reference accepts it", data, size,
                      flags);
        }

        free(ref.parts);
        return;
    }

    if (rc != 0) {
        fuzz_fail("accepted, the reference rejects it", data, size, flags);
    }

    if (tpl->nparts != ref.nparts) {
        fprintf(stderr, "fuzz_template: %zu parts, the reference %zu\n",
                tpl->nparts, ref.nparts);
        fuzz_fail("the number of parts differs", data, size, flags);
    }

    for (i = 0, vars = 0; i < tpl->nparts; i++) {
        part = &tpl->parts[i];

        if (part->kind != ref.parts[i].kind
            || part->len != ref.parts[i].len
            || memcmp(part->text, ref.parts[i].text, part->len) != 0)
        {
            fprintf(stderr, "fuzz_template: part %zu: kind %d \"%.*s\", the "
                    "reference kind %d \"%.*s\"\n", i, (int) part->kind,
                    (int) part->len, part->text, (int) ref.parts[i].kind,
                    (int) ref.parts[i].len, ref.parts[i].text);
            fuzz_fail("a part differs from the reference", data, size,
                      flags);
        }

        if (part->text[part->len] != '\0') {
            fuzz_fail("a part's text is not NUL-terminated", data, size,
                      flags);
        }

        if (part->kind == APIGW_TPL_LITERAL) {
            if (part->len == 0) {
                fuzz_fail("an empty literal part", data, size, flags);
            }

            if (i > 0 && tpl->parts[i - 1].kind == APIGW_TPL_LITERAL) {
                fuzz_fail("two literal parts in a row", data, size, flags);
            }

        } else {
            vars++;

            if (memchr(part->text, '\0', part->len) != NULL) {
                fuzz_fail("a NUL in a variable name", data, size, flags);
            }
        }
    }

    if (apigw_tpl_is_literal(tpl) != (vars == 0)) {
        fuzz_fail("apigw_tpl_is_literal() is wrong", data, size, flags);
    }

    free(ref.parts);
    apigw_tpl_free(tpl);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024) {
        return 0;
    }

    fuzz_one(data, size, APIGW_TPL_URI);
    fuzz_one(data, size, APIGW_TPL_BODY);

    return 0;
}
