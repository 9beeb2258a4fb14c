
/*
 * Copyright (C) apigw contributors
 */


/* unit tests for apigw_tpl_parse(): integration URIs and response bodies */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_core.h"
#include "unit.h"


#define LIT     APIGW_TPL_LITERAL
#define PARAM   APIGW_TPL_PATH_PARAM
#define STAGE   APIGW_TPL_STAGE_VAR
#define CTX     APIGW_TPL_CONTEXT

#define URI     APIGW_TPL_URI
#define BODY    APIGW_TPL_BODY


static char  errbuf[APIGW_ERR_LEN];


/* the source is copied to a buffer of exactly its length, without a NUL */
static apigw_tpl_t *
parse(const char *src, unsigned flags)
{
    char         *copy;
    size_t        len;
    apigw_tpl_t  *tpl;

    len = strlen(src);
    copy = malloc(len ? len : 1);

    if (copy == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }

    memcpy(copy, src, len);
    errbuf[0] = '\0';

    tpl = apigw_tpl_parse(copy, len, flags, errbuf, sizeof(errbuf));

    free(copy);

    return tpl;
}


/*
 * "L:text|P:name|S:name|C:name": the parts of a template, to compare
 * against the expected shape in one go
 */
static void
describe(const apigw_tpl_t *tpl, char *buf, size_t size)
{
    size_t       i, n;
    const char  *kind;

    buf[0] = '\0';
    n = 0;

    for (i = 0; i < tpl->nparts; i++) {
        switch (tpl->parts[i].kind) {
        case APIGW_TPL_LITERAL:
            kind = "L";
            break;
        case APIGW_TPL_PATH_PARAM:
            kind = "P";
            break;
        case APIGW_TPL_STAGE_VAR:
            kind = "S";
            break;
        case APIGW_TPL_CONTEXT:
            kind = "C";
            break;
        default:
            kind = "?";
        }

        if (strlen(tpl->parts[i].text) != tpl->parts[i].len) {
            kind = "BADLEN";
        }

        n += snprintf(buf + n, n < size ? size - n : 0, "%s%s:%s",
                      i ? "|" : "", kind, tpl->parts[i].text);
    }
}


static int
shape(const char *src, unsigned flags, const char *expect)
{
    int           ok;
    char          buf[1024];
    apigw_tpl_t  *tpl;

    tpl = parse(src, flags);

    if (tpl == NULL) {
        NOTE("\"%s\": failed: %s", src, errbuf);
        return 0;
    }

    describe(tpl, buf, sizeof(buf));
    ok = (strcmp(buf, expect) == 0);

    if (!ok) {
        NOTE("\"%s\": got \"%s\", expected \"%s\"", src, buf, expect);
    }

    apigw_tpl_free(tpl);

    return ok;
}


static int
fails(const char *src, unsigned flags, const char *msg)
{
    apigw_tpl_t  *tpl;

    tpl = parse(src, flags);

    if (tpl) {
        apigw_tpl_free(tpl);
        NOTE("\"%s\": parsed", src);
        return 0;
    }

    if (strstr(errbuf, msg) == NULL) {
        NOTE("\"%s\": error \"%s\" does not contain \"%s\"", src, errbuf,
             msg);
        return 0;
    }

    return 1;
}


static int
literal(const char *src, unsigned flags)
{
    int           ok;
    apigw_tpl_t  *tpl;

    tpl = parse(src, flags);

    if (tpl == NULL) {
        return -1;
    }

    ok = apigw_tpl_is_literal(tpl);
    apigw_tpl_free(tpl);

    return ok;
}


static void
test_uri(void)
{
    CHECK(shape("http://backend:8080/pets", URI,
                "L:http://backend:8080/pets"), "a literal uri");
    CHECK(literal("http://backend:8080/pets", URI) == 1,
          "a literal uri is literal");
    CHECK(shape("http://b/pets/{petId}", URI, "L:http://b/pets/|P:petId"),
          "{petId}");
    CHECK(literal("http://b/pets/{petId}", URI) == 0,
          "a uri with a param is not literal");
    CHECK(shape("http://b/pets/{petId}/photos/{photo_id}?x=1", URI,
                "L:http://b/pets/|P:petId|L:/photos/|P:photo_id|L:?x=1"),
          "two params and a query");
    CHECK(shape("http://b/{a}{b}", URI, "L:http://b/|P:a|P:b"),
          "adjacent params");
    CHECK(shape("http://b/{proxy}", URI, "L:http://b/|P:proxy"),
          "{proxy}");
    CHECK(shape("http://b/{proxy+}", URI, "L:http://b/|P:proxy"),
          "{proxy+} is written as {proxy}");
    CHECK(shape("http://b/{x-y_z9}", URI, "L:http://b/|P:x-y_z9"),
          "param names with - and _");
    CHECK(shape("http://${stageVariables.host}/pets", URI,
                "L:http://|S:host|L:/pets"), "${stageVariables.host}");
    CHECK(shape("${stageVariables.url}", URI, "S:url"),
          "only a stage variable");
    CHECK(shape("http://${stageVariables.host}:${stageVariables.port}/"
                "{id}", URI, "L:http://|S:host|L::|S:port|L:/|P:id"),
          "stage variables and a param");
    CHECK(shape("http://b/a$b", URI, "L:http://b/a$b"),
          "a lone $ stays literal in a uri");
    CHECK(shape("http://b/x$", URI, "L:http://b/x$"),
          "a trailing $ stays literal in a uri");
    CHECK(shape("http://b/x}y", URI, "L:http://b/x}y"),
          "a lone } stays literal in a uri");
    CHECK(shape("", URI, "") && literal("", URI) == 1,
          "the empty uri is literal");

    CHECK(fails("http://$stageVariables.host/pets", URI,
                "${stageVariables.host}"),
          "$stageVariables.x without braces in a uri");
    CHECK(fails("http://${context.requestId}/", URI, "unknown variable"),
          "${context.x} in a uri");
    CHECK(fails("http://${foo}/", URI, "unknown variable"),
          "unknown ${foo} in a uri");
    CHECK(fails("http://${stageVariables.host/", URI, "unknown variable"),
          "unclosed ${stageVariables.x in a uri");
    CHECK(fails("http://${stageVariables.}/", URI, "unknown variable"),
          "${stageVariables.} without a name");
    CHECK(fails("http://${}/", URI, "unknown variable"), "${} in a uri");
    CHECK(fails("http://b/{id", URI, "bad path parameter"),
          "unclosed { in a uri");
    CHECK(fails("http://b/{}", URI, "bad path parameter"), "{} in a uri");
    CHECK(fails("http://b/{+}", URI, "bad path parameter"), "{+} in a uri");
    CHECK(fails("http://b/{a.b}", URI, "bad path parameter"),
          "{a.b} in a uri");
    CHECK(fails("http://b/{a+b}", URI, "bad path parameter"),
          "{a+b} in a uri");
    CHECK(fails("http://b/{a b}", URI, "bad path parameter"),
          "{a b} in a uri");
}


static void
test_body(void)
{
    CHECK(shape("{\"message\":$context.error.messageString}", BODY,
                "L:{\"message\":|C:error.messageString|L:}"),
          "$context.error.messageString");
    CHECK(shape("{\"id\":\"${context.requestId}\"}", BODY,
                "L:{\"id\":\"|C:requestId|L:\"}"), "${context.requestId}");
    CHECK(shape("$stageVariables.x", BODY, "S:x"), "$stageVariables.x");
    CHECK(shape("a${stageVariables.x}b", BODY, "L:a|S:x|L:b"),
          "${stageVariables.x}");
    CHECK(shape("$context.requestId$context.stage", BODY,
                "C:requestId|C:stage"), "adjacent variables");
    CHECK(shape("$context.a.b.", BODY, "C:a.b|L:."),
          "a trailing dot is literal");
    CHECK(shape("$stageVariables.x.y", BODY, "S:x|L:.y"),
          "stage variable names are not dotted");
    CHECK(shape("costs $5, $ and $$ or $foo and $", BODY,
                "L:costs $5, $ and $$ or $foo and $"), "literal $ kept");
    CHECK(shape("$context.", BODY, "L:$context."),
          "$context. without a name is literal");
    CHECK(shape("${context.requestId", BODY, "L:${context.requestId"),
          "unclosed ${context.x is literal in a body");
    CHECK(shape("${foo}", BODY, "L:${foo}"),
          "unknown ${foo} is literal in a body");
    CHECK(shape("{\"p\":\"{petId}\"}", BODY, "L:{\"p\":\"{petId}\"}"),
          "braces are literal in a body");
    CHECK(shape("$$context.requestId", BODY, "L:$|C:requestId"),
          "$ before a variable");
    CHECK(literal("{\"message\":\"hi\"}", BODY) == 1,
          "a body without variables is literal");
    CHECK(literal("$context.requestId", BODY) == 0,
          "a body with a variable is not literal");
}


int
main(void)
{
    test_uri();
    test_body();

    return unit_done();
}
