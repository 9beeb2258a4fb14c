
/*
 * Copyright (C) apigw contributors
 */


/*
 * unit tests for apigw_params.c: query strings and cookies split, request
 * parameters converted by style and type, media types matched
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_core.h"
#include "unit.h"


static apigw_pair_t  pairs[APIGW_MAX_PAIRS];
static char          scratch[4096];


static size_t
query(const char *s)
{
    return apigw_query_parse(s, strlen(s), scratch, pairs, APIGW_MAX_PAIRS);
}


static int
pair_is(size_t i, const char *name, const char *value)
{
    return pairs[i].name_len == strlen(name)
           && memcmp(pairs[i].name, name, pairs[i].name_len) == 0
           && pairs[i].value_len == strlen(value)
           && memcmp(pairs[i].value, value, pairs[i].value_len) == 0;
}


/* the JSON text a parameter converts to, "" when absent */
static char *
convert(apigw_parameter_t *p, const char *text, const char *q)
{
    int      rc;
    char    *s;
    size_t   n;
    json_t  *v;

    static char  out[1024];

    n = q ? query(q) : 0;

    rc = apigw_param_value(p, text, text ? strlen(text) : 0, pairs, n, &v);

    if (rc == APIGW_PARAM_ABSENT) {
        return "";
    }

    if (rc == APIGW_PARAM_NOT_UTF8) {
        return "NOT_UTF8";
    }

    if (rc != APIGW_PARAM_FOUND) {
        return "ERROR";
    }

    s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    snprintf(out, sizeof(out), "%s", s);
    free(s);
    json_decref(v);

    return out;
}


static void
test_query(void)
{
    size_t  n;

    n = query("a=1&b=x+y%21&&c&=skip&d=%zz&a=2");
    CHECK(n == 5, "query: 5 pairs (empty and nameless skipped), got %zu", n);
    CHECK(pair_is(0, "a", "1"), "query: a=1");
    CHECK(pair_is(1, "b", "x y!"), "query: + and %%21 decoded");
    CHECK(pair_is(2, "c", ""), "query: a name without =");
    CHECK(pair_is(3, "d", "%zz"), "query: a bad escape stays");
    CHECK(pair_is(4, "a", "2"), "query: repeated names kept in order");

    n = query("");
    CHECK(n == 0, "query: empty");

    n = apigw_query_parse("a=1&b=2&c=3", 11, scratch, pairs, 2);
    CHECK(n == 2, "query: at most max pairs");

    n = query("k%3D=v%26w");
    CHECK(n == 1 && pair_is(0, "k=", "v&w"), "query: escaped = and &");

    n = apigw_query_parse_uri("b=x+y%21%2B&&c&=skip&d=%zz", 26, scratch,
                              pairs, APIGW_MAX_PAIRS);
    CHECK(n == 3 && pair_is(0, "b", "x+y!+") && pair_is(1, "c", "")
          && pair_is(2, "d", "%zz"),
          "query as RFC 3986 reads it: + a plus sign, the rest alike");
}


static void
test_cookies(void)
{
    size_t       n;
    const char  *c;

    c = "a=1; b = two ;c=\"quoted\";bad; d=";
    n = apigw_cookie_parse(c, strlen(c), pairs, APIGW_MAX_PAIRS, 0);
    CHECK(n == 4, "cookies: 4, got %zu", n);
    CHECK(pair_is(0, "a", "1"), "cookie a");
    CHECK(pair_is(1, "b", "two"), "cookie b trimmed");
    CHECK(pair_is(2, "c", "quoted"), "cookie c unquoted");
    CHECK(pair_is(3, "d", ""), "cookie d empty");

    c = "e=5";
    n = apigw_cookie_parse(c, strlen(c), pairs, APIGW_MAX_PAIRS, n);
    CHECK(n == 5 && pair_is(4, "e", "5"), "cookies: a second header appends");
}


static void
test_scalars(void)
{
    apigw_parameter_t  p;

    memset(&p, 0, sizeof(p));
    p.name = "n";
    p.name_len = 1;
    p.in = APIGW_IN_HEADER;

    p.type = APIGW_TYPE_INTEGER;
    CHECK(strcmp(convert(&p, "42", NULL), "42") == 0, "integer");
    CHECK(strcmp(convert(&p, "-7", NULL), "-7") == 0, "negative integer");
    CHECK(strcmp(convert(&p, "4.5", NULL), "4.5") == 0,
          "4.5 for an integer: a number the schema refuses");
    CHECK(strcmp(convert(&p, "ten", NULL), "\"ten\"") == 0,
          "not a number: a string");
    CHECK(strcmp(convert(&p, "0x10", NULL), "\"0x10\"") == 0, "no hex");
    CHECK(strcmp(convert(&p, "inf", NULL), "\"inf\"") == 0, "no inf");
    CHECK(strcmp(convert(&p, "", NULL), "\"\"") == 0, "empty: a string");
    CHECK(strchr(convert(&p, "99999999999999999999", NULL), 'e') != NULL,
          "an integer out of range: a real the schema refuses (%s)",
          convert(&p, "99999999999999999999", NULL));
    CHECK(strcmp(convert(&p, NULL, NULL), "") == 0, "absent");

    p.type = APIGW_TYPE_NUMBER;
    CHECK(strcmp(convert(&p, "2.5e3", NULL), "2500.0") == 0, "number");
    CHECK(strcmp(convert(&p, "1e999", NULL), "\"1e999\"") == 0,
          "overflowing number: a string");

    p.type = APIGW_TYPE_BOOLEAN;
    CHECK(strcmp(convert(&p, "true", NULL), "true") == 0, "true");
    CHECK(strcmp(convert(&p, "false", NULL), "false") == 0, "false");
    CHECK(strcmp(convert(&p, "TRUE", NULL), "\"TRUE\"") == 0,
          "booleans are lowercase");

    p.type = APIGW_TYPE_STRING;
    CHECK(strcmp(convert(&p, "12", NULL), "\"12\"") == 0, "string stays");
}


static void
test_arrays(void)
{
    apigw_parameter_t  p;

    memset(&p, 0, sizeof(p));
    p.name = "ids";
    p.name_len = 3;
    p.type = APIGW_TYPE_ARRAY;
    p.item_type = APIGW_TYPE_INTEGER;

    p.in = APIGW_IN_QUERY;
    p.style = APIGW_STYLE_FORM;
    p.explode = 1;
    CHECK(strcmp(convert(&p, NULL, "ids=1&x=2&ids=3"), "[1,3]") == 0,
          "form explode: repeated names");
    CHECK(strcmp(convert(&p, NULL, "x=1"), "") == 0, "form explode: absent");

    p.explode = 0;
    CHECK(strcmp(convert(&p, NULL, "ids=1,2,b"), "[1,2,\"b\"]") == 0,
          "form: comma-separated, items converted");
    CHECK(strcmp(convert(&p, NULL, "ids="), "[]") == 0, "form: empty list");

    p.style = APIGW_STYLE_SPACE_DELIMITED;
    CHECK(strcmp(convert(&p, NULL, "ids=1%202"), "[1,2]") == 0,
          "spaceDelimited");
    p.style = APIGW_STYLE_PIPE_DELIMITED;
    CHECK(strcmp(convert(&p, NULL, "ids=1|2"), "[1,2]") == 0,
          "pipeDelimited");

    p.in = APIGW_IN_HEADER;
    p.style = APIGW_STYLE_SIMPLE;
    CHECK(strcmp(convert(&p, "5,6", NULL), "[5,6]") == 0, "simple");

    p.in = APIGW_IN_PATH;
    p.style = APIGW_STYLE_LABEL;
    CHECK(strcmp(convert(&p, ".5,6", NULL), "[5,6]") == 0, "label");
    p.explode = 1;
    CHECK(strcmp(convert(&p, ".5.6", NULL), "[5,6]") == 0, "label explode");
    p.explode = 0;
    p.style = APIGW_STYLE_MATRIX;
    CHECK(strcmp(convert(&p, ";ids=5,6", NULL), "[5,6]") == 0, "matrix");
}


static void
test_objects(void)
{
    apigw_param_prop_t  props[2] = {
        { "min", APIGW_TYPE_INTEGER }, { "name", APIGW_TYPE_STRING }
    };
    apigw_parameter_t   p;

    memset(&p, 0, sizeof(p));
    p.name = "f";
    p.name_len = 1;
    p.type = APIGW_TYPE_OBJECT;
    p.props = props;
    p.nprops = 2;

    p.in = APIGW_IN_QUERY;
    p.style = APIGW_STYLE_DEEP_OBJECT;
    p.explode = 1;
    CHECK(strcmp(convert(&p, NULL, "f[min]=3&f[name]=x&f[other]=y&g=1"),
                 "{\"min\":3,\"name\":\"x\",\"other\":\"y\"}") == 0,
          "deepObject, declared types converted, others strings: %s",
          convert(&p, NULL, "f[min]=3&f[name]=x&f[other]=y&g=1"));
    CHECK(strcmp(convert(&p, NULL, "g=1"), "") == 0, "deepObject absent");

    p.style = APIGW_STYLE_FORM;
    CHECK(strcmp(convert(&p, NULL, "min=3&zzz=1"), "{\"min\":3}") == 0,
          "form explode: the declared properties");

    p.explode = 0;
    CHECK(strcmp(convert(&p, NULL, "f=min,3,name,x"),
                 "{\"min\":3,\"name\":\"x\"}") == 0, "form: k,v,k,v");

    p.in = APIGW_IN_HEADER;
    p.style = APIGW_STYLE_SIMPLE;
    p.explode = 1;
    CHECK(strcmp(convert(&p, "min=3,name=x", NULL),
                 "{\"min\":3,\"name\":\"x\"}") == 0, "simple explode: k=v");
    p.explode = 0;
    CHECK(strcmp(convert(&p, "min,3,name", NULL), "{\"min\":3}") == 0,
          "simple: a key without value is dropped");

    p.json = 1;
    CHECK(strcmp(convert(&p, "{\"a\":[1]}", NULL), "{\"a\":[1]}") == 0,
          "content: application/json parsed");
    CHECK(strcmp(convert(&p, "{bad", NULL), "\"{bad\"") == 0,
          "content: not JSON, a string");
}


/*
 * text that is not UTF-8 is refused before any conversion, in every
 * piece a value is made of; json_stringn() takes exactly what
 * apigw_utf8_valid() does
 */
static void
test_utf8(void)
{
    int                 i, k, n, ok, agree;
    char                buf[8];
    json_t             *v;
    apigw_parameter_t   p;
    apigw_param_prop_t  props[1] = { { "min", APIGW_TYPE_INTEGER } };

    CHECK(apigw_utf8_valid("", 0), "utf8: empty");
    CHECK(apigw_utf8_valid("a\0b", 3), "utf8: NUL is a character");
    CHECK(apigw_utf8_valid("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9),
          "utf8: 2, 3 and 4 bytes");
    CHECK(!apigw_utf8_valid("\xff", 1), "utf8: 0xff");
    CHECK(!apigw_utf8_valid("\xc3\x28", 2), "utf8: a bad continuation");
    CHECK(!apigw_utf8_valid("\xc3", 1), "utf8: cut short");
    CHECK(!apigw_utf8_valid("\xc0\xaf", 2), "utf8: overlong /");
    CHECK(!apigw_utf8_valid("\xe0\x80\xaf", 3), "utf8: overlong, 3 bytes");
    CHECK(!apigw_utf8_valid("\xed\xa0\x80", 3), "utf8: a surrogate");
    CHECK(!apigw_utf8_valid("\xf4\x90\x80\x80", 4), "utf8: past U+10FFFF");
    CHECK(!apigw_utf8_valid("\x80", 1), "utf8: a lone continuation");

    /* every short text of interesting bytes: the same verdict as jansson */
    agree = 1;
    srand(15);

    for (i = 0; i < 200000 && agree; i++) {
        n = 1 + rand() % 6;

        for (k = 0; k < n; k++) {
            buf[k] = (char) ((rand() & 1) ? 0x80 + rand() % 0x80
                                          : rand() % 0x100);
        }

        ok = apigw_utf8_valid(buf, n);
        v = json_stringn(buf, n);
        agree = (ok == (v != NULL));
        json_decref(v);
    }

    CHECK(agree, "utf8: 200,000 random texts judged as json_stringn() does");

    memset(&p, 0, sizeof(p));
    p.name = "n";
    p.name_len = 1;

    p.in = APIGW_IN_PATH;
    p.type = APIGW_TYPE_INTEGER;
    CHECK(strcmp(convert(&p, "\xff", NULL), "NOT_UTF8") == 0,
          "utf8: an integer path parameter");
    p.type = APIGW_TYPE_STRING;
    CHECK(strcmp(convert(&p, "caf\xc3\xa9", NULL), "\"caf\xc3\xa9\"") == 0,
          "utf8: UTF-8 passes");

    p.in = APIGW_IN_QUERY;
    CHECK(strcmp(convert(&p, NULL, "n=%FF"), "NOT_UTF8") == 0,
          "utf8: a query string parameter");
    CHECK(strcmp(convert(&p, NULL, "n=1&n=%C3%28"), "NOT_UTF8") == 0,
          "utf8: a repeated query parameter, the second time");
    CHECK(strcmp(convert(&p, NULL, "x=%FF&n=1"), "\"1\"") == 0,
          "utf8: another parameter's text is not this one's");

    p.type = APIGW_TYPE_ARRAY;
    p.item_type = APIGW_TYPE_STRING;
    p.style = APIGW_STYLE_FORM;
    p.explode = 1;
    CHECK(strcmp(convert(&p, NULL, "n=a&n=%FF"), "NOT_UTF8") == 0,
          "utf8: an exploded array");

    p.type = APIGW_TYPE_OBJECT;
    p.props = props;
    p.nprops = 1;
    p.style = APIGW_STYLE_DEEP_OBJECT;
    CHECK(strcmp(convert(&p, NULL, "n[%FF]=1"), "NOT_UTF8") == 0,
          "utf8: a deepObject key");
    CHECK(strcmp(convert(&p, NULL, "n[min]=%FF"), "NOT_UTF8") == 0,
          "utf8: a deepObject value");
    p.style = APIGW_STYLE_FORM;
    CHECK(strcmp(convert(&p, NULL, "min=%FF"), "NOT_UTF8") == 0,
          "utf8: an exploded form object's property");

    p.in = APIGW_IN_HEADER;
    p.type = APIGW_TYPE_STRING;
    p.json = 1;
    CHECK(strcmp(convert(&p, "\"\xff\"", NULL), "NOT_UTF8") == 0,
          "utf8: JSON content");
}


static void
test_media(void)
{
    size_t               n;
    const char          *key;
    apigw_media_t        media[3];
    apigw_content_t      content;
    const apigw_media_t *m;

    memset(media, 0, sizeof(media));
    media[0].type = "application/json";
    media[0].type_len = 16;
    media[1].type = "text/*";
    media[1].type_len = 6;
    media[2].type = "*/*";
    media[2].type_len = 3;

    content.media = media;
    content.nmedia = 3;

    m = apigw_media_match(&content, "Application/JSON", 16);
    CHECK(m == &media[0], "media: exact, caseless");
    m = apigw_media_match(&content, "text/plain", 10);
    CHECK(m == &media[1], "media: type wildcard");
    m = apigw_media_match(&content, "image/png ", 10);
    CHECK(m == &media[2], "media: any");

    content.nmedia = 1;
    m = apigw_media_match(&content, "text/plain", 10);
    CHECK(m == NULL, "media: no match");

    CHECK(apigw_content_type_is_json("application/json", 16), "json");
    CHECK(apigw_content_type_is_json("application/problem+json", 24),
          "+json");
    CHECK(!apigw_content_type_is_json("text/json-ish", 13), "not json");

    CHECK(apigw_context_index("identity.sourceIp", 17) == APIGW_CTX_SOURCE_IP,
          "context names");
    CHECK(apigw_context_index("nope", 4) < 0, "unknown context name");

    CHECK(apigw_context_index("authorizer.principalId", 22)
          == APIGW_CTX_AUTHORIZER_PRINCIPAL_ID, "context: principalId");
    CHECK(apigw_context_index("authorizer.claims.email", 23)
          == APIGW_CTX_AUTHORIZER_CLAIM, "context: a claim");
    CHECK(apigw_context_index("authorizer.tenant", 17)
          == APIGW_CTX_AUTHORIZER, "context: an authorizer's key");
    CHECK(apigw_context_index("authorizer.", 11) < 0,
          "context: a prefix alone");

    key = apigw_context_key(APIGW_CTX_AUTHORIZER_CLAIM,
                            "authorizer.claims.cognito:groups", 32, &n);
    CHECK(n == 14 && memcmp(key, "cognito:groups", 14) == 0,
          "context: a claim's name");
    key = apigw_context_key(APIGW_CTX_AUTHORIZER, "authorizer.claims", 17,
                            &n);
    CHECK(n == 6 && memcmp(key, "claims", 6) == 0,
          "context: an authorizer's key");
    (void) apigw_context_key(APIGW_CTX_STAGE, "stage", 5, &n);
    CHECK(n == 0, "context: no key");
}


int
main(void)
{
    test_query();
    test_cookies();
    test_scalars();
    test_arrays();
    test_objects();
    test_utf8();
    test_media();

    return unit_done();
}
