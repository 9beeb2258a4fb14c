
/*
 * Copyright (C) apigw contributors
 */


/*
 * unit tests for the JSON Schema validator: apigw_schema_compile(),
 * apigw_schema_validate() and the formats (the body parser is
 * test_json.c's)
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_schema.h"
#include "unit.h"


#define D4      APIGW_DIALECT_DRAFT4
#define OAS30   APIGW_DIALECT_OAS30
#define D2020   APIGW_DIALECT_2020_12

#define REQ     APIGW_SCHEMA_REQUEST
#define RESP    APIGW_SCHEMA_RESPONSE

#define MAXERR  10

/* a literal with its exact length: NUL bytes inside count */


static apigw_error_t          err;
static apigw_schema_error_t   errv[MAXERR];
static apigw_schema_errors_t  errs;

/* the resolver's documents: uri -> JSON text, and how often it was asked */
static const char  *remote_uris[8];
static const char  *remote_texts[8];
static int          remote_calls;
static json_t      *remote_docs;


/* JSON with ' for " so that the tests read well */
static json_t *
J(const char *text)
{
    char          *s, *p;
    json_t        *j;
    json_error_t   jerr;

    s = strdup(text);
    if (s == NULL) {
        exit(2);
    }

    for (p = s; *p; p++) {
        if (*p == '\'') {
            *p = '"';
        }
    }

    j = json_loads(s, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);

    if (j == NULL) {
        fprintf(stderr, "bad test JSON: %s: %s\n", text, jerr.text);
        exit(2);
    }

    free(s);

    return j;
}


static json_t *
resolve(void *data, const char *uri, char *ebuf, size_t elen)
{
    int     i;
    json_t  *doc;

    (void) data;
    remote_calls++;

    for (i = 0; i < 8 && remote_uris[i]; i++) {
        if (strcmp(remote_uris[i], uri) == 0) {
            doc = J(remote_texts[i]);
            json_array_append_new(remote_docs, doc);
            return doc;
        }
    }

    snprintf(ebuf, elen, "no such file");

    return NULL;
}


/* a schema of its own set, or NULL with err filled */
static apigw_schema_t *
compile_uri(apigw_schema_set_t *set, const char *text, const char *uri,
    const char *pointer, unsigned flags)
{
    json_t          *doc;
    apigw_schema_t  *s;

    memset(&err, 0, sizeof(err));
    doc = J(text);
    s = apigw_schema_compile(set, doc, uri, pointer, flags, &err);

    /* the set holds its own reference */
    json_decref(doc);

    return s;
}


/* each document of a set needs a URI of its own */
static apigw_schema_t *
compile(apigw_schema_set_t *set, const char *text, unsigned flags)
{
    char         uri[64];
    static int   n;

    snprintf(uri, sizeof(uri), "file:///specs/main%d.json", n++);

    return compile_uri(set, text, uri, "", flags);
}


/* 1 valid, 0 invalid; errs holds up to max errors */
static int
validate_max(const apigw_schema_t *s, const char *instance, size_t max)
{
    int                     rc, rc0;
    char                   *text;
    json_t                 *inst;
    apigw_schema_errors_t   e0;

    if (s == NULL) {
        printf("# no schema\n");
        return -1;
    }

    inst = J(instance);

    memset(errv, 0, sizeof(errv));
    errs.errors = errv;
    errs.max = max;
    errs.n = 0;

    rc = apigw_schema_validate(s, inst, &errs);

    /* the fast path always agrees */
    e0.errors = NULL;
    e0.max = 0;
    e0.n = 0;
    rc0 = apigw_schema_validate(s, inst, &e0);

    if (rc != rc0 || e0.n != 0 || (rc && errs.n) || (!rc && max && !errs.n))
    {
        printf("# max %zu says %d (%zu errors), max 0 says %d\n", max, rc,
               errs.n, rc0);
        rc = -1;
    }

    /* the text path never finds valid what the tree finds invalid */
    text = json_dumps(inst, JSON_ENCODE_ANY | JSON_COMPACT);

    if (text != NULL
        && apigw_schema_check_text(s, text, strlen(text), 64, NULL) && !rc)
    {
        printf("# valid from the text, invalid from the tree\n");
        rc = -1;
    }

    free(text);

    json_decref(inst);

    return rc;
}


static int
valid(const apigw_schema_t *s, const char *instance)
{
    return validate_max(s, instance, MAXERR) == 1;
}


static int
invalid(const apigw_schema_t *s, const char *instance)
{
    return validate_max(s, instance, MAXERR) == 0;
}


/* the i-th error is exactly path, keyword, message */
static int
error_is(size_t i, const char *path, const char *kw, const char *msg)
{
    if (i >= errs.n) {
        printf("# no error %zu (%zu errors)\n", i, errs.n);
        return 0;
    }

    if (strcmp(errv[i].path, path) != 0 || strcmp(errv[i].keyword, kw) != 0
        || strcmp(errv[i].message, msg) != 0)
    {
        printf("# error %zu: \"%s\" %s \"%s\"\n", i, errv[i].path,
               errv[i].keyword, errv[i].message);
        return 0;
    }

    return 1;
}


/* validates and checks the only (or first) error */
static int
fails(const apigw_schema_t *s, const char *instance, const char *path,
    const char *kw, const char *msg)
{
    return invalid(s, instance) && error_is(0, path, kw, msg);
}


static int
compile_fails(apigw_dialect_e dialect, const char *text, const char *pointer,
    const char *msg_part)
{
    int                  ok;
    apigw_schema_t      *s;
    apigw_schema_set_t  *set;

    set = apigw_schema_set_create(dialect, NULL, NULL);
    s = compile_uri(set, text, "file:///specs/main.json", "", 0);

    ok = (s == NULL && strcmp(err.pointer, pointer) == 0
          && strstr(err.message, msg_part) != NULL
          && strcmp(err.file, "file:///specs/main.json") == 0);

    if (!ok) {
        printf("# compiled: %s; file \"%s\" pointer \"%s\" message \"%s\"\n",
               s ? "yes" : "no", err.file, err.pointer, err.message);
    }

    apigw_schema_set_free(set);

    return ok;
}


static int
format_ok(const char *format, const char *value)
{
    int                  rc;
    char                 text[512];
    apigw_schema_t      *s;
    apigw_schema_set_t  *set;

    set = apigw_schema_set_create(OAS30, NULL, NULL);
    snprintf(text, sizeof(text), "{'format': '%s'}", format);
    s = compile(set, text, 0);

    if (s == NULL) {
        apigw_schema_set_free(set);
        return -1;
    }

    rc = validate_max(s, value, MAXERR);

    if (rc == 0) {
        snprintf(text, sizeof(text), "must match format \"%s\"", format);
        rc = error_is(0, "", "format", text) ? 0 : -1;
    }

    apigw_schema_set_free(set);

    return rc;
}


static void
test_formats(void)
{
    size_t  i;

    static const char  *good[] = {
        "date", "'2024-02-29'", "date", "'2023-12-31'",
        "date-time", "'2024-01-02T03:04:05Z'",
        "date-time", "'2024-01-02t03:04:05.123+05:30'",
        "date-time", "'1998-12-31T23:59:60Z'",
        "time", "'23:20:50.52Z'", "time", "'15:59:60-08:00'",
        "time", "'08:30:06-00:00'",
        "email", "'joe.bloggs@example.com'", "email", "'a+b@[127.0.0.1]'",
        "email", "'\\\"joe bloggs\\\"@example.com'",
        "email", "'x@[IPv6:2001:db8::1]'",
        "hostname", "'www.example.com'", "hostname", "'localhost'",
        "hostname", "'a--b.c0m'",
        "ipv4", "'192.168.0.1'", "ipv4", "'0.0.0.0'",
        "ipv6", "'::1'", "ipv6", "'2001:db8::8a2e:370:7334'",
        "ipv6", "'::ffff:192.0.2.128'", "ipv6", "'1:2:3:4:5:6:7:8'",
        "uri", "'https://user@example.com:8080/a/b?q=1#frag'",
        "uri", "'urn:isbn:0451450523'", "uri", "'file:///etc/hosts'",
        "uri", "'http://[2001:db8::1]/'",
        "uuid", "'123e4567-e89b-12d3-a456-426614174000'",
        "uuid", "'123E4567-E89B-12D3-A456-426614174000'",
        "int32", "2147483647", "int32", "-2147483648", "int32", "3.0",
        "int64", "9223372036854775807", "int64", "-9223372036854775808",
        "float", "1.5", "double", "1e300", "float", "7",
        "byte", "''", "byte", "'aGVsbG8='", "byte", "'aGk/+A=='",
        "byte", "'YWJj'",
        /* formats do not apply to other types */
        "email", "12", "uuid", "null", "int32", "'text'", "date", "[]",
        "unknown-format", "'anything'",
        NULL
    };

    static const char  *bad[] = {
        "date", "'2023-02-29'", "date", "'2024-13-01'", "date", "'2024-1-01'",
        "date", "'20240101'",
        "date-time", "'2024-01-02 03:04:05Z'",
        "date-time", "'2024-01-02T03:04:05'",
        "date-time", "'1998-12-31T23:58:60Z'",
        "time", "'24:00:00Z'", "time", "'23:59:60+01:00'",
        "time", "'12:00:00'", "time", "'08:30:06 PST'",
        "email", "'2962'", "email", "'.joe@example.com'",
        "email", "'joe..bloggs@example.com'", "email", "'joe@'",
        "email", "'joe bloggs@example.com'",
        "email", "'joe@[127.0.0.300]'",
        "hostname", "'-host'", "hostname", "'host_name'",
        "hostname", "'example.'", "hostname", "''",
        "hostname", "'abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"
                    "abcdefghijkl.com'",
        "ipv4", "'256.1.1.1'", "ipv4", "'01.2.3.4'", "ipv4", "'1.2.3'",
        "ipv4", "'1.2.3.4 '",
        "ipv6", "'12345::'", "ipv6", "'1::2::3'", "ipv6", "':1:2'",
        "ipv6", "'1:2:3:4:5:6:7:8:9'", "ipv6", "'fe80::1%eth0'",
        "uri", "'/relative/path'", "uri", "'http://exa mple.com'",
        "uri", "'http://example.com/%zz'", "uri", "'1http://x'",
        "uuid", "'123e4567e89b12d3a456426614174000'",
        "uuid", "'123e4567-e89b-12d3-a456-42661417400g'",
        "int32", "2147483648", "int32", "-2147483649", "int32", "1.5",
        "int64", "9223372036854775808.0", "int64", "0.5",
        "byte", "'aGVsbG8'", "byte", "'aGVs bG8='", "byte", "'a=Vs'",
        "byte", "'aGVsbG8=='",
        NULL
    };

    for (i = 0; good[i]; i += 2) {
        CHECK(format_ok(good[i], good[i + 1]) == 1, "format %s accepts %s",
              good[i], good[i + 1]);
    }

    for (i = 0; bad[i]; i += 2) {
        CHECK(format_ok(bad[i], bad[i + 1]) == 0, "format %s refuses %s",
              bad[i], bad[i + 1]);
    }
}


static void
test_oas30(void)
{
    apigw_schema_t      *s, *req, *resp;
    apigw_schema_set_t  *set;

    set = apigw_schema_set_create(OAS30, NULL, NULL);

    s = compile(set, "{'type': 'integer', 'nullable': true, 'minimum': 1}",
                0);
    CHECK(s != NULL, "oas30: nullable compiles");
    CHECK(valid(s, "null"), "oas30: nullable allows null");
    CHECK(valid(s, "3"), "oas30: nullable integer allows 3");
    CHECK(fails(s, "'3'", "", "type", "must be integer or null"),
          "oas30: nullable type message");
    CHECK(fails(s, "0", "", "minimum", "must be >= 1"),
          "oas30: nullable keeps the other keywords");

    s = compile(set, "{'type': 'string', 'nullable': false}", 0);
    CHECK(invalid(s, "null"), "oas30: nullable false refuses null");

    s = compile(set, "{'enum': ['a', 'b'], 'type': 'string', "
                "'nullable': true}", 0);
    CHECK(fails(s, "null", "", "enum",
                "must be equal to one of the allowed values"),
          "oas30: nullable does not extend enum");

    s = compile(set, "{'type': 'object',"
                " 'required': ['id', 'name', 'password'],"
                " 'properties': {"
                "   'id': {'type': 'integer', 'readOnly': true},"
                "   'name': {'type': 'string'},"
                "   'password': {'$ref': '#/definitions/secret'}},"
                " 'definitions': {'secret': {'type': 'string',"
                "                            'writeOnly': true}},"
                " 'discriminator': {'propertyName': 'name'},"
                " 'example': {'id': 1}, 'xml': {'name': 'x'},"
                " 'externalDocs': {'url': 'http://x'},"
                " 'deprecated': true, 'x-vendor': 1}", 0);
    CHECK(s != NULL, "oas30: tolerated keywords compile (%s at %s)",
          err.message, err.pointer);

    req = compile(set, "{'type': 'object',"
                  " 'required': ['id', 'name', 'password'],"
                  " 'properties': {"
                  "   'id': {'type': 'integer', 'readOnly': true},"
                  "   'name': {'type': 'string'},"
                  "   'password': {'$ref': '#/definitions/secret'}},"
                  " 'definitions': {'secret': {'type': 'string',"
                  "                            'writeOnly': true}}}", REQ);
    resp = compile(set, "{'type': 'object',"
                   " 'required': ['id', 'name', 'password'],"
                   " 'properties': {"
                   "   'id': {'type': 'integer', 'readOnly': true},"
                   "   'name': {'type': 'string'},"
                   "   'password': {'$ref': '#/definitions/secret'}},"
                   " 'definitions': {'secret': {'type': 'string',"
                   "                            'writeOnly': true}}}", RESP);
    CHECK(req != NULL && resp != NULL, "oas30: request, response compile");

    CHECK(fails(s, "{'name': 'a', 'password': 'p'}", "", "required",
                "must have required property 'id'"),
          "oas30: without flags readOnly is required");
    CHECK(valid(req, "{'name': 'a', 'password': 'p'}"),
          "oas30: request: readOnly property not required");
    CHECK(fails(req, "{'id': 1, 'password': 'p'}", "", "required",
                "must have required property 'name'"),
          "oas30: request: others still required");
    CHECK(fails(req, "{'id': 1, 'name': 'a'}", "", "required",
                "must have required property 'password'"),
          "oas30: request: writeOnly (through $ref) required");
    CHECK(valid(req, "{'id': 1, 'name': 'a', 'password': 'p'}"),
          "oas30: request: readOnly property may be sent");
    CHECK(valid(resp, "{'id': 1, 'name': 'a'}"),
          "oas30: response: writeOnly (through $ref) not required");
    CHECK(fails(resp, "{'name': 'a'}", "", "required",
                "must have required property 'id'"),
          "oas30: response: readOnly required");
    CHECK(valid(s, "{'id': 1, 'name': 'a', 'password': 'p'}"),
          "oas30: tolerated keywords change nothing");

    s = compile(set, "{'$ref': '#/definitions/a', 'type': 'string',"
                " 'definitions': {'a': {'type': 'integer'}}}", 0);
    CHECK(valid(s, "1") && invalid(s, "'x'"),
          "oas30: siblings of $ref are ignored");

    s = compile(set, "{'type': 'integer'}", 0);
    CHECK(invalid(s, "1.0"), "oas30: 1.0 is not an integer (draft 4)");

    s = compile(set, "{'maximum': 10, 'exclusiveMaximum': true,"
                " 'minimum': 0, 'exclusiveMinimum': true}", 0);
    CHECK(fails(s, "10", "", "exclusiveMaximum", "must be < 10"),
          "oas30: boolean exclusiveMaximum");
    CHECK(fails(s, "0", "", "exclusiveMinimum", "must be > 0"),
          "oas30: boolean exclusiveMinimum");
    CHECK(valid(s, "9.5"), "oas30: within exclusive bounds");

    apigw_schema_set_free(set);

    /* plain draft 4 has no nullable */
    set = apigw_schema_set_create(D4, NULL, NULL);
    s = compile(set, "{'type': 'integer', 'nullable': true}", 0);
    CHECK(invalid(s, "null"), "draft4: nullable is not a keyword");
    apigw_schema_set_free(set);
}


static void
test_errors(void)
{
    size_t               i;
    apigw_schema_t      *s;
    apigw_schema_set_t  *set;

    set = apigw_schema_set_create(D2020, NULL, NULL);

    s = compile(set,
        "{'type': 'object', 'required': ['name', 'price'],"
        " 'additionalProperties': false,"
        " 'properties': {"
        "   'name': {'type': 'string', 'pattern': '^[a-z]+$',"
        "            'minLength': 2, 'maxLength': 5},"
        "   'price': {'type': 'number', 'minimum': 0, 'exclusiveMaximum': 10},"
        "   'tags': {'type': 'array', 'maxItems': 3, 'uniqueItems': true,"
        "            'items': {'enum': ['a', 'b', 'c', 'd']}},"
        "   'email': {'format': 'email'},"
        "   'kind': {'oneOf': [{'const': 1}, {'type': 'integer'}]},"
        "   'alt': {'anyOf': [{'type': 'string'}, {'type': 'null'}]},"
        "   'no': {'not': {'type': 'string'}},"
        "   'a/b': {'properties': {'c~d': {'type': 'boolean'}}},"
        "   'n': {'type': ['string', 'integer', 'null']},"
        "   'm': {'multipleOf': 0.5, 'maximum': 2.5}}}", 0);
    CHECK(s != NULL, "errors: schema compiles");

    CHECK(valid(s, "{'name': 'abc', 'price': 9.99, 'tags': ['a', 'b'],"
                " 'email': 'a@b.c', 'kind': 2, 'alt': null, 'no': 1,"
                " 'a/b': {'c~d': true}, 'n': null, 'm': 2}"),
          "errors: a valid instance");

    CHECK(fails(s, "{'name': 'abc', 'price': -1}", "/price", "minimum",
                "must be >= 0"), "errors: minimum");
    CHECK(fails(s, "{'name': 'abc', 'price': 10}", "/price",
                "exclusiveMaximum", "must be < 10"),
          "errors: exclusiveMaximum");
    CHECK(fails(s, "{'name': 'abc', 'price': '1'}", "/price", "type",
                "must be number"), "errors: type");
    CHECK(fails(s, "{'name': 'abc'}", "", "required",
                "must have required property 'price'"), "errors: required");
    CHECK(fails(s, "{'name': 'ab1', 'price': 1}", "/name", "pattern",
                "must match pattern \"^[a-z]+$\""), "errors: pattern");
    CHECK(fails(s, "{'name': 'a', 'price': 1}", "/name", "minLength",
                "must NOT have fewer than 2 characters"),
          "errors: minLength");
    CHECK(fails(s, "{'name': 'abcdef', 'price': 1}", "/name", "maxLength",
                "must NOT have more than 5 characters"),
          "errors: maxLength");
    CHECK(valid(s, "{'name': '\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9',"
                " 'price': 1}") == 0,
          "errors: maxLength counts code points (pattern fails only)");
    CHECK(error_is(0, "/name", "pattern", "must match pattern \"^[a-z]+$\"")
          && errs.n == 1, "errors: five 2-byte characters fit maxLength 5");
    CHECK(fails(s, "{'name': 'abc', 'price': 1, 'extra': 1}", "/extra",
                "additionalProperties",
                "must NOT have additional properties"),
          "errors: additionalProperties names the key in the path");
    CHECK(fails(s, "{'name': 'abc', 'price': 1, 'tags': ['a','b','c','d']}",
                "/tags", "maxItems", "must NOT have more than 3 items"),
          "errors: maxItems");
    CHECK(fails(s, "{'name': 'abc', 'price': 1, 'tags': ['a', 'x']}",
                "/tags/1", "enum",
                "must be equal to one of the allowed values"),
          "errors: enum, array index in the path");
    CHECK(fails(s, "{'name': 'abc', 'price': 1, 'tags': ['a', 'b', 'a']}",
                "/tags", "uniqueItems", "must NOT have duplicate items "
                "(items 0 and 2 are identical)"), "errors: uniqueItems");
    CHECK(fails(s, "{'name': 'abc', 'price': 1, 'email': 'nope'}", "/email",
                "format", "must match format \"email\""), "errors: format");
    CHECK(fails(s, "{'name': 'abc', 'price': 1, 'kind': 1}", "/kind",
                "oneOf", "must match exactly one schema in oneOf"),
          "errors: oneOf, not its branches");
    CHECK(errs.n == 1, "errors: one error for oneOf");
    CHECK(fails(s, "{'name': 'abc', 'price': 1, 'alt': 1}", "/alt",
                "anyOf", "must match a schema in anyOf"), "errors: anyOf");
    CHECK(errs.n == 1, "errors: one error for anyOf");
    CHECK(fails(s, "{'name': 'abc', 'price': 1, 'no': 'x'}", "/no", "not",
                "must NOT be valid"), "errors: not");
    CHECK(fails(s, "{'name': 'abc', 'price': 1, 'a/b': {'c~d': 1}}",
                "/a~1b/c~0d", "type", "must be boolean"),
          "errors: path escapes ~ and /");
    CHECK(fails(s, "{'name': 'abc', 'price': 1, 'n': 1.5}", "/n", "type",
                "must be string, integer or null"), "errors: type list");
    CHECK(fails(s, "{'name': 'abc', 'price': 1, 'm': 1.2}", "/m",
                "multipleOf", "must be a multiple of 0.5"),
          "errors: multipleOf");
    CHECK(fails(s, "{'name': 'abc', 'price': 1, 'm': 3}", "/m", "maximum",
                "must be <= 2.5"), "errors: maximum with a fraction");

    /* several errors, in order; then the cap */
    CHECK(invalid(s, "{'name': 1, 'price': 'x', 'extra': 2, 'tags': 3}"),
          "errors: several");
    CHECK(errs.n == 4 && error_is(0, "/name", "type", "must be string")
          && error_is(1, "/price", "type", "must be number")
          && error_is(2, "/extra", "additionalProperties",
                      "must NOT have additional properties")
          && error_is(3, "/tags", "type", "must be array"),
          "errors: all four, in the instance's order");

    CHECK(validate_max(s, "{'name': 1, 'price': 'x', 'extra': 2, 'tags': 3}",
                       2) == 0
          && errs.n == 2 && error_is(1, "/price", "type", "must be number"),
          "errors: capped at max");

    CHECK(validate_max(s, "{'name': 1, 'price': 'x'}", 0) == 0
          && errs.n == 0, "errors: max 0 fills nothing");
    {
        json_t  *empty;

        empty = json_object();
        CHECK(apigw_schema_validate(s, empty, NULL) == 0,
              "errors: no error list at all");
        json_decref(empty);
    }

    /* never an instance value in a message */
    CHECK(invalid(s, "{'name': 's3cr3t-s3cr3t', 'price': 's3cr3t',"
                  " 'email': 's3cr3t', 'kind': 's3cr3t', 'tags': ['s3cr3t'],"
                  " 'n': {'s3cr3t': 1}}"), "errors: secrets invalid");

    for (i = 0; i < errs.n; i++) {
        CHECK(strstr(errv[i].message, "s3cr3t") == NULL
              && strstr(errv[i].path, "s3cr3t") == NULL,
              "errors: no secret in \"%s\" %s", errv[i].path,
              errv[i].keyword);
    }

    /* a long path ends in "/..." instead of a cut key */
    s = compile(set, "{'additionalProperties': {'additionalProperties':"
                " {'type': 'string'}}}", 0);
    {
        char  inst[1024];

        snprintf(inst, sizeof(inst), "{'%0200d': {'%0100d': 1}}", 0, 0);
        CHECK(invalid(s, inst) && strcmp(errv[0].keyword, "type") == 0
              && strlen(errv[0].path) == 205
              && strcmp(errv[0].path + 201, "/...") == 0,
              "errors: over-long path cut at a segment");
    }

    /* unevaluatedProperties and the key in the path */
    s = compile(set, "{'properties': {'a': true}, 'allOf': ["
                "{'properties': {'b': true}}],"
                " 'unevaluatedProperties': false}", 0);
    CHECK(valid(s, "{'a': 1, 'b': 2}"), "errors: evaluated in allOf");
    CHECK(fails(s, "{'a': 1, 'c': 2}", "/c", "unevaluatedProperties",
                "must NOT have unevaluated properties"),
          "errors: unevaluatedProperties");

    s = compile(set, "{'prefixItems': [true], 'items': false}", 0);
    CHECK(fails(s, "[1, 2]", "", "items", "must NOT have more than 1 items"),
          "errors: items false after prefixItems");

    s = compile(set, "{'contains': {'type': 'integer'}, 'minContains': 2,"
                " 'maxContains': 3}", 0);
    CHECK(fails(s, "[1, 'a']", "", "minContains",
                "must contain at least 2 valid items"), "errors: minContains");
    CHECK(fails(s, "[1, 2, 3, 4]", "", "maxContains",
                "must contain at most 3 valid items"), "errors: maxContains");

    s = compile(set, "{'dependentRequired': {'card': ['cvv']}}", 0);
    CHECK(fails(s, "{'card': 1}", "", "dependentRequired",
                "must have property 'cvv' when property 'card' is present"),
          "errors: dependentRequired");

    s = compile(set, "{'if': {'properties': {'c': {'const': 'US'}}},"
                " 'then': {'required': ['zip']}}", 0);
    CHECK(fails(s, "{'c': 'US'}", "", "required",
                "must have required property 'zip'"),
          "errors: then's own errors");
    CHECK(valid(s, "{'c': 'FR'}"), "errors: if false, no then");

    s = compile(set, "{'properties': {'gone': false}}", 0);
    CHECK(fails(s, "{'gone': 1}", "/gone", "false",
                "no value is allowed here"), "errors: false schema");

    s = compile(set, "{'propertyNames': {'maxLength': 3}}", 0);
    CHECK(fails(s, "{'abcd': 1}", "/abcd", "propertyNames",
                "property name must be valid against the propertyNames "
                "schema"), "errors: propertyNames");

    apigw_schema_set_free(set);
}


static void
test_dialects(void)
{
    apigw_schema_t      *s;
    apigw_schema_set_t  *set;

    set = apigw_schema_set_create(D2020, NULL, NULL);

    s = compile(set, "{'type': 'integer'}", 0);
    CHECK(valid(s, "1.0") && valid(s, "1e20") && invalid(s, "1.5"),
          "2020-12: 1.0 is an integer");

    s = compile(set, "{'$ref': '#/$defs/a', 'minimum': 5,"
                " '$defs': {'a': {'type': 'integer'}}}", 0);
    CHECK(valid(s, "6") && invalid(s, "4") && invalid(s, "'x'"),
          "2020-12: $ref applies alongside its siblings");

    s = compile(set, "{'enum': [1, {'a': [1.0, 'x']}]}", 0);
    CHECK(valid(s, "1.0") && valid(s, "{'a': [1, 'x']}")
          && invalid(s, "{'a': [1, 'y']}"), "2020-12: enum by JSON equality");

    s = compile(set, "{'uniqueItems': true}", 0);
    CHECK(invalid(s, "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,"
                  " 16, 17, 18, 1.0]"), "uniqueItems: 1 == 1.0, sorted path");
    CHECK(error_is(0, "", "uniqueItems", "must NOT have duplicate items "
                   "(items 0 and 18 are identical)"),
          "uniqueItems: the pair named");
    CHECK(valid(s, "[{'a': 1, 'b': 2}, {'b': 2, 'a': 1.5}, 1, 2, 3, 4, 5, 6,"
                " 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]"),
          "uniqueItems: distinct objects");
    CHECK(invalid(s, "[{'a': 1, 'b': [2]}, {'b': [2.0], 'a': 1}]"),
          "uniqueItems: objects equal in any key order");

    s = compile(set, "{'maximum': 9007199254740993}", 0);
    CHECK(invalid(s, "9007199254740994") && valid(s, "9007199254740993")
          && invalid(s, "9007199254740994.0"),
          "maximum: exact for large integers");

    s = compile(set, "{'pattern': '^\\\\p{Lu}\\\\d+$'}", 0);
    CHECK(valid(s, "'\xc3\x89" "12'") && invalid(s, "'e12'"),
          "pattern: UTF-8 and Unicode properties");

    s = compile(set, "{'pattern': '^\\\\s[\\\\s]\\\\S$'}", 0);
    CHECK(valid(s, "'\\u00a0\\u2003x'") && invalid(s, "'  \\u00a0'"),
          "pattern: \\s takes Unicode spaces, as in ECMA-262");

    s = compile(set, "{'pattern': 'b'}", 0);
    CHECK(valid(s, "'abc'"), "pattern: unanchored search");

    s = compile(set, "{'pattern': '^a$'}", 0);
    CHECK(invalid(s, "'a\\n'"), "pattern: $ is the end, as in ECMA-262");

    apigw_schema_set_free(set);
}


static void
test_compile_errors(void)
{
    apigw_schema_t      *s;
    apigw_schema_set_t  *set;

    CHECK(compile_fails(OAS30, "{'properties': {'a': {'minimum': 'x'}}}",
                        "/properties/a/minimum", "must be a number"),
          "compile: minimum 'x'");
    CHECK(compile_fails(D2020, "{'items': {'pattern': '(a'}}",
                        "/items/pattern", "missing closing parenthesis"),
          "compile: bad regex with PCRE2's message");
    CHECK(compile_fails(D2020, "{'patternProperties': {'[': true}}",
                        "/patternProperties/[",
                        "cannot compile the regular expression at offset 0: "
                        "missing terminating ]"),
          "compile: bad patternProperties regex");
    CHECK(compile_fails(OAS30, "{'type': 'strng'}", "/type",
                        "must name JSON Schema types"),
          "compile: unknown type");
    CHECK(compile_fails(OAS30, "{'properties': {'x': {'$ref':"
                        " '#/definitions/missing'}}}", "/properties/x/$ref",
                        "no \"/definitions/missing\""),
          "compile: unresolvable pointer");
    CHECK(compile_fails(OAS30, "{'properties': {'x': {'$ref':"
                        " 'other.json'}}}", "/properties/x/$ref",
                        "cannot load \"file:///specs/other.json\""),
          "compile: unknown document, no resolver");
    CHECK(compile_fails(D2020, "{'$ref': '#nowhere'}", "/$ref",
                        "no anchor \"nowhere\""), "compile: no anchor");
    CHECK(compile_fails(OAS30, "{'$ref': '#'}", "",
                        "without end ($ref loop)"), "compile: $ref to itself");
    CHECK(compile_fails(D2020, "{'$defs': {'a': {'allOf': [{'$ref':"
                        " '#/$defs/b'}]},"
                        " 'b': {'not': {'$ref': '#/$defs/a'}}},"
                        " '$ref': '#/$defs/a'}", "/$defs/a",
                        "($ref loop)"), "compile: longer in-place loop");
    CHECK(compile_fails(OAS30, "{'maxLength': -1}", "/maxLength",
                        "non-negative integer"), "compile: maxLength -1");
    CHECK(compile_fails(OAS30, "{'allOf': []}", "/allOf", "non-empty"),
          "compile: empty allOf");
    CHECK(compile_fails(OAS30, "{'properties': {'a': 5}}", "/properties/a",
                        "a schema must be an object"),
          "compile: a subschema that is a number");
    CHECK(compile_fails(D2020, "{'items': [{}]}", "/items",
                        "prefixItems"), "compile: 2020-12 items array");

    /* a failed compile leaves the set usable */
    set = apigw_schema_set_create(OAS30, NULL, NULL);
    s = compile(set, "{'properties': {'a': {'$ref': '#/nope'}}}", 0);
    CHECK(s == NULL, "compile: fails in a set");
    s = compile(set, "{'properties': {'a': {'type': 'string'}}}", 0);
    CHECK(s != NULL && invalid(s, "{'a': 1}"), "compile: the set still works");
    apigw_schema_set_free(set);

    /* deep schemas */
    {
        int     i;
        char   *text, *p;

        text = malloc(700 * 20 + 16);
        p = text;

        for (i = 0; i < 600; i++) {
            p += sprintf(p, "{'not':");
        }

        p += sprintf(p, "{}");

        for (i = 0; i < 600; i++) {
            *p++ = '}';
        }

        *p = '\0';

        set = apigw_schema_set_create(OAS30, NULL, NULL);
        s = compile(set, text, 0);
        CHECK(s == NULL && strstr(err.message, "deeper than 512"),
              "compile: 600 nested schemas refused (%s)", err.message);
        apigw_schema_set_free(set);
        free(text);
    }
}


static void
test_recursion(void)
{
    int                  i;
    char                *inst, *p;
    apigw_schema_t      *s;
    apigw_schema_set_t  *set;

    set = apigw_schema_set_create(OAS30, NULL, NULL);

    s = compile(set, "{'$ref': '#/definitions/node', 'definitions': {"
                " 'node': {'type': 'object', 'required': ['v'],"
                "  'properties': {'v': {'type': 'integer'},"
                "   'children': {'type': 'array',"
                "    'items': {'$ref': '#/definitions/node'}}}}}}", 0);
    CHECK(s != NULL, "recursion: a tree schema compiles");

    inst = malloc(200 * 40 + 64);
    p = inst;

    for (i = 0; i < 200; i++) {
        p += sprintf(p, "{'v': %d, 'children': [", i);
    }

    p += sprintf(p, "{'v': 'leaf'}");

    for (i = 0; i < 200; i++) {
        p += sprintf(p, "]}");
    }

    *p = '\0';

    CHECK(invalid(s, inst), "recursion: 200 levels deep, bad leaf");
    CHECK(errs.n == 1 && strncmp(errv[0].path, "/children/0/children/0", 22)
          == 0 && strcmp(errv[0].keyword, "type") == 0
          && strcmp(errv[0].path + strlen(errv[0].path) - 4, "/...") == 0,
          "recursion: the error deep down (%s)", errv[0].path);

    free(inst);

    inst = malloc(200 * 40 + 64);
    p = inst;

    for (i = 0; i < 200; i++) {
        p += sprintf(p, "{'v': %d, 'children': [", i);
    }

    p += sprintf(p, "{'v': 7}");

    for (i = 0; i < 200; i++) {
        p += sprintf(p, "]}");
    }

    *p = '\0';
    CHECK(valid(s, inst), "recursion: 200 levels deep, valid");
    free(inst);

    /* nesting past the evaluation limit is a failure, not a crash */
    s = compile(set, "{'items': {'$ref': '#'}}", 0);
    inst = malloc(2100 * 2 + 8);

    for (i = 0; i < 1100; i++) {
        inst[i] = '[';
        inst[2200 - 1 - i] = ']';
    }

    inst[2200] = '\0';
    CHECK(valid(s, "[[[[]]]]"), "recursion: items/$ref #");
    CHECK(invalid(s, inst) && strcmp(errv[0].keyword, "limit") == 0
          && errs.n == 1, "recursion: past the evaluation depth limit (%s)",
          errv[0].message);
    free(inst);

    apigw_schema_set_free(set);
}


static void
test_resolver(void)
{
    int                  calls;
    apigw_schema_t      *s, *s2;
    apigw_schema_set_t  *set;

    remote_docs = json_array();
    remote_uris[0] = "file:///specs/common.json";
    remote_texts[0] = "{'definitions': {'name': {'type': 'string',"
                      " 'minLength': 1}, 'id': {'$ref': 'sub/ids.json#/id'}}}";
    remote_uris[1] = "file:///specs/sub/ids.json";
    remote_texts[1] = "{'id': {'type': 'integer', 'minimum': 1}}";
    remote_calls = 0;

    set = apigw_schema_set_create(OAS30, resolve, NULL);

    s = compile(set, "{'properties': {"
                " 'name': {'$ref': 'common.json#/definitions/name'},"
                " 'alias': {'$ref': './common.json#/definitions/name'},"
                " 'id': {'$ref': 'common.json#/definitions/id'}}}", 0);
    CHECK(s != NULL, "resolver: relative file refs compile (%s)",
          err.message);
    CHECK(remote_calls == 2, "resolver: each document asked for once (%d)",
          remote_calls);
    CHECK(valid(s, "{'name': 'a', 'alias': 'b', 'id': 3}"),
          "resolver: valid through the files");
    CHECK(fails(s, "{'id': 0}", "/id", "minimum", "must be >= 1"),
          "resolver: a ref relative to the referring file");
    CHECK(fails(s, "{'alias': ''}", "/alias", "minLength",
                "must NOT have fewer than 1 characters"),
          "resolver: ./ resolved too");

    s2 = compile_uri(set, "{'properties': {'x': {'$ref':"
                     " 'missing.json#/a'}}}", "file:///specs/other.json", "",
                     0);
    CHECK(s2 == NULL && strcmp(err.file, "file:///specs/other.json") == 0
          && strcmp(err.pointer, "/properties/x/$ref") == 0
          && strstr(err.message, "no such file") != NULL,
          "resolver: its error in the message, file and pointer set");

    calls = remote_calls;
    s2 = compile_uri(set, "{'components': {'schemas': {'Pet': {"
                     "'type': 'object', 'properties': {'id':"
                     " {'$ref': 'common.json#/definitions/id'}}}}}}",
                     "file:///specs/api.json", "/components/schemas/Pet",
                     REQ);
    CHECK(s2 != NULL && remote_calls == calls, "resolver: a pointer into a "
          "document, its files already known (%s)", err.message);
    CHECK(fails(s2, "{'id': -5}", "/id", "minimum", "must be >= 1"),
          "resolver: compiled at a pointer");

    s2 = compile_uri(set, "{'schemas': {'A b': {'type': 'string'},"
                     " 'c/d': {'type': 'integer'}}}",
                     "file:///specs/pointers.json", "/schemas/A%20b", 0);
    CHECK(valid(s2, "'x'") && invalid(s2, "1"),
          "resolver: a percent-encoded compile pointer");
    s2 = compile_uri(set, "{'schemas': {'c/d': {'type': 'integer'}}}",
                     "file:///specs/pointers2.json", "/schemas/c~1d", 0);
    CHECK(valid(s2, "1") && invalid(s2, "'x'"),
          "resolver: an escaped compile pointer");
    s2 = compile_uri(set, "{'schemas': {}}", "file:///specs/pointers3.json",
                     "/schemas/nope", 0);
    CHECK(s2 == NULL && strcmp(err.pointer, "/schemas/nope") == 0
          && strcmp(err.message, "no such location") == 0,
          "resolver: a compile pointer to nothing");

    apigw_schema_set_free(set);
    json_decref(remote_docs);
}


/* the text path: 1 valid and decided without a tree, 0 not */
static int
text(const apigw_schema_t *s, const char *body)
{
    char  *copy, *p;
    int    rc;

    copy = strdup(body);
    if (copy == NULL) {
        exit(2);
    }

    for (p = copy; *p; p++) {
        if (*p == '\'') {
            *p = '"';
        }
    }

    rc = apigw_schema_check_text(s, copy, strlen(copy), 8, NULL);
    free(copy);

    return rc;
}


static void
test_text(void)
{
    int                  i;
    char                 big[4096];
    size_t               n;
    apigw_schema_t      *s;
    apigw_schema_set_t  *set;

    set = apigw_schema_set_create(OAS30, NULL, NULL);

    s = compile(set, "{'type': 'object', 'required': ['id', 'tags'],"
                " 'additionalProperties': false,"
                " 'properties': {'id': {'type': 'integer', 'minimum': 1},"
                " 'name': {'type': 'string', 'maxLength': 3,"
                "          'pattern': '^[a-z]+$', 'nullable': true},"
                " 'when': {'type': 'string', 'format': 'date-time'},"
                " 'tags': {'type': 'array', 'maxItems': 2,"
                "          'items': {'$ref': '#/definitions/tag'}},"
                " 'any': {}},"
                " 'definitions': {'tag': {'type': 'string',"
                "                         'enum': ['a', 'b']}}}", 0);

    CHECK(text(s, "{'id': 1, 'tags': ['a', 'b'], 'name': 'abc',"
                  " 'when': '2026-11-22T10:00:00Z', 'any': [{'x': {}}]}"),
          "text: a valid body is valid");
    CHECK(text(s, " {'id':1,'tags':[],'name':null} \n"),
          "text: whitespace around, null where nullable");
    CHECK(text(s, "{'tags': [], 'id': 1, 'name': '\\u0061'}"),
          "text: an escaped string is checked unescaped");
    CHECK(!text(s, "{'id': 0, 'tags': []}"), "text: minimum");
    CHECK(!text(s, "{'id': 1}"), "text: required");
    CHECK(!text(s, "{'id': 1, 'tags': [], 'x': 1}"),
          "text: additionalProperties false");
    CHECK(!text(s, "{'id': 1, 'tags': ['c']}"), "text: enum through $ref");
    CHECK(!text(s, "{'id': 1, 'tags': ['a', 'a', 'a']}"), "text: maxItems");
    CHECK(!text(s, "{'id': 1, 'tags': [], 'name': 'abcd'}"),
          "text: maxLength");
    CHECK(!text(s, "{'id': 1, 'tags': [], 'when': '2026-13-01T00:00:00Z'}"),
          "text: format");
    CHECK(!text(s, "{'id': 1, 'tags': [], 'id': 2}"),
          "text: a duplicate property");
    CHECK(!text(s, "{'id': 1, 'tags': [], 'any': {'x': 1, 'x': 2}}"),
          "text: a duplicate key where any value goes");
    CHECK(!text(s, "{'id': 1, 'tags': [], 'any': {'x': 1, '\\u0078': 2}}"),
          "text: a duplicate key spelt with an escape");
    CHECK(!text(s, "{'id': 1, 'tags': []} x"), "text: text after the value");
    CHECK(!text(s, "{'id': 1, 'tags': [],}"), "text: a trailing comma");
    CHECK(!text(s, "{'id': 1, 'tags': [], 'any': 'a\\u0000'}"),
          "text: NUL by escape");
    CHECK(!text(s, "{'id': 1, 'tags': [], 'any': [[[[[[[[1]]]]]]]]}"),
          "text: nesting past the limit");
    CHECK(text(s, "{'id': 1, 'tags': [], 'any': [[[[[[1]]]]]]}"),
          "text: nesting up to the limit");
    CHECK(!text(s, "{'id': 99999999999999999999, 'tags': []}"),
          "text: an integer out of range");
    CHECK(!text(s, ""), "text: an empty body");

    /* more unmatched keys than tracked: the object is read as a tree */
    n = snprintf(big, sizeof(big), "{'id': 1, 'tags': [], 'any': {");

    for (i = 0; i < 100; i++) {
        n += snprintf(big + n, sizeof(big) - n, "%s'k%d': %d",
                      i ? ", " : "", i, i);
    }

    snprintf(big + n, sizeof(big) - n, "}}");
    CHECK(text(s, big), "text: 100 free keys");

    n -= 2;
    n += snprintf(big + n, sizeof(big) - n, ", 'k7': 0}}");
    CHECK(!text(s, big), "text: a duplicate among 100 free keys");

    /* what the tree decides: the verdict is still the tree's */
    s = compile(set, "{'type': 'object', 'properties': {"
                " 'one': {'oneOf': [{'type': 'integer'},"
                "                   {'type': 'string'}]},"
                " 'u': {'type': 'array', 'uniqueItems': true},"
                " 'us': {'type': 'array', 'uniqueItems': true,"
                "        'items': {'type': 'string'}},"
                " 'o': {'enum': [{'a': 1}]},"
                " 'p': {'patternProperties': {'^x': {'type': 'integer'}}},"
                " 'all': {'allOf': [{'required': ['a']},"
                "                   {'properties': {'a': {'type': 'string'}}}]}"
                "}}", 0);

    CHECK(text(s, "{'one': 1, 'u': [1, 2], 'o': {'a': 1.0},"
                  " 'p': {'x1': 2, 'y': 'z'}, 'all': {'a': 'b'}}"),
          "text: oneOf, uniqueItems, enum, patternProperties, allOf");
    CHECK(!text(s, "{'one': true}"), "text: oneOf fails");
    CHECK(!text(s, "{'u': [1, 1.0]}"), "text: uniqueItems fails");
    CHECK(!text(s, "{'o': {'a': 2}}"), "text: enum of objects fails");
    CHECK(!text(s, "{'p': {'x': 'a'}}"), "text: patternProperties fails");
    CHECK(!text(s, "{'all': {'a': 1}}"), "text: allOf fails");
    CHECK(!text(s, "{'u': [1, 2], 'u': [3]}"),
          "text: a duplicate key before a tree");

    /* uniqueItems over plain strings is walked; anything else is a tree */
    CHECK(text(s, "{'us': ['a', 'b', 'ab', '']}"), "text: unique strings");
    CHECK(!text(s, "{'us': ['a', 'b', 'a']}"), "text: a repeated string");
    CHECK(!text(s, "{'us': ['a', '\\u0061']}"),
          "text: a string repeated with an escape");
    CHECK(text(s, "{'us': ['a', '\\u0062']}"), "text: an escaped string");
    CHECK(!text(s, "{'us': ['a', 1]}"), "text: items still checked");
    CHECK(text(s, "{'u': ['a', 1, '1', [1]]}"), "text: unique mixed items");
    CHECK(!text(s, "{'u': ['a', 1, 'a']}"), "text: repeated among mixed");

    n = snprintf(big, sizeof(big), "{'us': [");

    for (i = 0; i < 40; i++) {
        n += snprintf(big + n, sizeof(big) - n, "%s'k%d'", i ? ", " : "", i);
    }

    snprintf(big + n, sizeof(big) - n, "]}");
    CHECK(text(s, big), "text: 40 unique strings");

    n += snprintf(big + n, sizeof(big) - n, ", 'k39']}");
    CHECK(!text(s, big), "text: 41 strings, the last repeated");

    apigw_schema_set_free(set);

    /* $dynamicRef: left to the tree */
    set = apigw_schema_set_create(D2020, NULL, NULL);
    s = compile(set, "{'$dynamicAnchor': 'n', 'type': 'object',"
                " 'properties': {'a': {'$dynamicRef': '#n'}}}", 0);
    CHECK(!text(s, "{}"), "text: $dynamicRef sets are the tree's");
    apigw_schema_set_free(set);
}


/* parameters: valid from their text, or left to apigw_param_value() */
static void
test_param(void)
{
    apigw_schema_t      *s;
    apigw_schema_set_t  *set;

    set = apigw_schema_set_create(OAS30, NULL, NULL);

    s = compile(set, "{'type': 'integer', 'minimum': 1, 'maximum': 100}", 0);
    CHECK(apigw_schema_check_param(s, APIGW_TYPE_INTEGER, "42", 2),
          "param: an integer in range");
    CHECK(apigw_schema_check_param(s, APIGW_TYPE_INTEGER, "007", 3),
          "param: leading zeros, as strtoll() reads them");
    CHECK(!apigw_schema_check_param(s, APIGW_TYPE_INTEGER, "0", 1),
          "param: below the minimum");
    CHECK(!apigw_schema_check_param(s, APIGW_TYPE_INTEGER, "-3", 2),
          "param: negative");
    CHECK(!apigw_schema_check_param(s, APIGW_TYPE_INTEGER, "+5", 2),
          "param: a sign is left to the long way");
    CHECK(!apigw_schema_check_param(s, APIGW_TYPE_INTEGER, "5.0", 3),
          "param: a decimal is left to the long way");
    CHECK(!apigw_schema_check_param(s, APIGW_TYPE_INTEGER, "", 0),
          "param: empty");
    CHECK(!apigw_schema_check_param(s, APIGW_TYPE_INTEGER,
                                    "1234567890123456789", 19),
          "param: 19 digits are left to the long way");
    CHECK(!apigw_schema_check_param(s, APIGW_TYPE_BOOLEAN, "true", 4),
          "param: booleans are left to the long way");

    s = compile(set, "{'type': 'string', 'format': 'uuid'}", 0);
    CHECK(apigw_schema_check_param(s, APIGW_TYPE_STRING,
                                   "3f2b8c1e-9a4d-4e6b-8f00-2c5d7e9a1b34", 36),
          "param: a uuid");
    CHECK(!apigw_schema_check_param(s, APIGW_TYPE_STRING, "3f2b8c1e", 8),
          "param: not a uuid");

    s = compile(set, "{'type': 'string', 'pattern': '^[a-z]+$'}", 0);
    CHECK(apigw_schema_check_param(s, APIGW_TYPE_STRING, "abc", 3),
          "param: a pattern");
    CHECK(!apigw_schema_check_param(s, APIGW_TYPE_STRING, "ab\xc3\xa9", 4),
          "param: UTF-8 is left to the long way");
    CHECK(!apigw_schema_check_param(s, APIGW_TYPE_STRING, "a\0b", 3),
          "param: NUL is left to the long way");

    s = compile(set, "{'type': 'integer'}", 0);
    CHECK(!apigw_schema_check_param(s, APIGW_TYPE_STRING, "5", 1),
          "param: the text of a string parameter is a string");

    apigw_schema_set_free(set);
}


int
main(void)
{
    test_formats();
    test_oas30();
    test_errors();
    test_dialects();
    test_compile_errors();
    test_recursion();
    test_resolver();
    test_text();
    test_param();

    return unit_done();
}
