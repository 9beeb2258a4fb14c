
/*
 * Copyright (C) apigw contributors
 */


/* unit tests for apigw_yaml_parse(): prints "ok N - name" lines */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apigw_core.h"


static int  tests;
static int  failed;


#define CHECK(cond, name)                                                     \
    do {                                                                      \
        tests++;                                                              \
        if (cond) {                                                           \
            printf("ok %d - %s\n", tests, name);                              \
        } else {                                                              \
            failed++;                                                         \
            printf("not ok %d - %s (%s:%d)\n", tests, name, __FILE__,         \
                   __LINE__);                                                 \
        }                                                                     \
    } while (0)


static json_t *parse(const char *yaml, apigw_error_t *err);
static json_t *at(json_t *root, const char *path);
static int fails(const char *yaml, const char *msg, const char *pointer,
    unsigned line);
static int is_int(json_t *v, json_int_t i);
static int is_real(json_t *v, double d);
static int is_str(json_t *v, const char *s);
static char *billion_laughs(void);
static char *nested(int depth);
static char *stacked_aliases(void);
static void test_scalars(void);
static void test_tags(void);
static void test_structure(void);
static void test_anchors(void);
static void test_merge(void);
static void test_limits(void);
static void test_errors(void);
static void test_long_pointer(void);
static void test_linemap(void);


static json_t *
parse(const char *yaml, apigw_error_t *err)
{
    memset(err, 0, sizeof(apigw_error_t));

    return apigw_yaml_parse(yaml, strlen(yaml), NULL, err);
}


/* a tiny "a/b/0" walker; segments are object keys or array indexes */

static json_t *
at(json_t *root, const char *path)
{
    char         seg[256];
    size_t       n;
    json_t      *v;
    const char  *p, *e;

    v = root;

    for (p = path; v != NULL && *p; p = *e ? e + 1 : e) {
        e = strchr(p, '/');
        if (e == NULL) {
            e = p + strlen(p);
        }

        n = (size_t) (e - p);
        memcpy(seg, p, n);
        seg[n] = '\0';

        v = json_is_array(v) ? json_array_get(v, (size_t) atoi(seg))
                             : json_object_get(v, seg);
    }

    return v;
}


static int
fails(const char *yaml, const char *msg, const char *pointer, unsigned line)
{
    json_t         *root;
    apigw_error_t   err;

    root = parse(yaml, &err);

    if (root != NULL) {
        json_decref(root);
        printf("# unexpectedly parsed\n");
        return 0;
    }

    if (strstr(err.message, msg) == NULL
        || (pointer != NULL && strcmp(err.pointer, pointer) != 0)
        || (line != 0 && err.line != line))
    {
        printf("# got \"%s\" at \"%s\" line %u\n", err.message, err.pointer,
               err.line);
        return 0;
    }

    return 1;
}


static int
is_int(json_t *v, json_int_t i)
{
    return json_is_integer(v) && json_integer_value(v) == i;
}


static int
is_real(json_t *v, double d)
{
    return json_is_real(v) && json_real_value(v) == d;
}


static int
is_str(json_t *v, const char *s)
{
    return json_is_string(v) && strcmp(json_string_value(v), s) == 0;
}


static void
test_scalars(void)
{
    json_t         *r;
    apigw_error_t   err;

    r = parse("a: 1\nb: -2\nc: 0x1F\nd: 0o17\ne: 1.5\nf: -2e3\ng: .5\n"
              "h: true\ni: False\nj: ~\nk: null\nl:\nm: hello\nn: '1'\n"
              "o: \"true\"\np: |\n  text\n  more\nq: >\n  folded\n  line\n"
              "r: 99999999999999999999\ns: +7\nt: 1e3\nu: NULL\nv: 3.0.1\n"
              "w: -9223372036854775808\nx: 0x10000000000000000\n"
              "y: '.inf'\nz: 007\n", &err);

    CHECK(r != NULL, "scalar document parses");
    CHECK(is_int(at(r, "a"), 1) && is_int(at(r, "b"), -2)
          && is_int(at(r, "s"), 7) && is_int(at(r, "z"), 7),
          "decimal integers");
    CHECK(is_int(at(r, "c"), 31) && is_int(at(r, "d"), 15),
          "hex and octal integers");
    CHECK(is_int(at(r, "w"), INT64_MIN), "int64 minimum stays integer");
    CHECK(is_real(at(r, "r"), 99999999999999999999.0)
          && is_real(at(r, "x"), 18446744073709551616.0),
          "int64 overflow becomes real");
    CHECK(is_real(at(r, "e"), 1.5) && is_real(at(r, "f"), -2000.0)
          && is_real(at(r, "g"), 0.5) && is_real(at(r, "t"), 1000.0),
          "floats");
    CHECK(json_is_true(at(r, "h")) && json_is_false(at(r, "i")), "booleans");
    CHECK(json_is_null(at(r, "j")) && json_is_null(at(r, "k"))
          && json_is_null(at(r, "l")) && json_is_null(at(r, "u")),
          "nulls");
    CHECK(is_str(at(r, "m"), "hello") && is_str(at(r, "v"), "3.0.1"),
          "plain strings");
    CHECK(is_str(at(r, "n"), "1") && is_str(at(r, "o"), "true")
          && is_str(at(r, "y"), ".inf"),
          "quoted scalars are strings");
    CHECK(is_str(at(r, "p"), "text\nmore\n")
          && is_str(at(r, "q"), "folded line\n"),
          "literal and folded scalars");
    json_decref(r);

    r = parse("42", &err);
    CHECK(is_int(r, 42), "scalar root");
    json_decref(r);

    CHECK(fails("a: 1e999\n", "out of range", "/a", 1)
          && fails("a: 0x1" "0000000000000000000000000000000000000000000000000"
                   "0000000000000000000000000000000000000000000000000000000"
                   "0000000000000000000000000000000000000000000000000000000"
                   "0000000000000000000000000000000000000000000000000000000"
                   "0000000000000000000000000000000000000000000000000000000"
                   "00000000000000000000000000000000000\n",
                   "out of range", "/a", 1),
          "numbers too big for a double are errors");
    CHECK(fails("a: .inf\n", "no JSON equivalent", "/a", 1)
          && fails("a: [1, -.Inf]\n", ".inf/.nan", "/a/1", 1)
          && fails("a: .NaN\n", ".inf/.nan", "/a", 1),
          ".inf and .nan are errors");
    CHECK(fails("a: \"x\\0y\"\n", "NUL", "/a", 1), "NUL in a string");
}


static void
test_tags(void)
{
    json_t         *r;
    apigw_error_t   err;

    r = parse("a: !!str 123\nb: !!int '42'\nc: !!float 1\nd: !!bool true\n"
              "e: !!null ''\nf: !!map {x: 1}\ng: !!seq [1]\nh: ! 12\n"
              "i: !!str\n", &err);
    CHECK(r != NULL, "core tags parse");
    CHECK(is_str(at(r, "a"), "123") && is_int(at(r, "b"), 42)
          && is_real(at(r, "c"), 1.0) && json_is_true(at(r, "d"))
          && json_is_null(at(r, "e")) && is_int(at(r, "f/x"), 1)
          && is_int(at(r, "g/0"), 1) && is_str(at(r, "h"), "12")
          && is_str(at(r, "i"), ""),
          "core tags are honoured");
    json_decref(r);

    CHECK(fails("a:\n  b: !foo bar\n", "custom YAML tag \"!foo\"", "/a/b", 2),
          "custom tag error");
    CHECK(fails("a: !!python/object:os.system x\n",
                "\"!!python/object:os.system\"", "/a", 1)
          && fails("a: !!binary aGk=\n", "\"!!binary\"", "/a", 1)
          && fails("a: !!set {x}\n", "\"!!set\"", "/a", 1),
          "non-core yaml.org tags are errors");
    CHECK(fails("a: !!int abc\n", "invalid !!int", "/a", 1)
          && fails("a: !!bool yes\n", "invalid !!bool", "/a", 1)
          && fails("a: !!str [1]\n", "cannot be applied to a sequence",
                   "/a", 1),
          "mismatched core tags are errors");
}


static void
test_structure(void)
{
    json_t         *r;
    apigw_error_t   err;

    r = parse("responses:\n  200:\n    description: ok\n  404: {}\n"
              "  null: n\n  true: t\n  1.5: f\n", &err);
    CHECK(r != NULL && json_is_object(at(r, "responses/200"))
          && is_str(at(r, "responses/200/description"), "ok")
          && json_is_object(at(r, "responses/404"))
          && is_str(at(r, "responses/null"), "n")
          && is_str(at(r, "responses/true"), "t")
          && is_str(at(r, "responses/1.5"), "f"),
          "plain scalar keys keep their text");
    json_decref(r);

    r = parse("a:\n  b:\n    - x\n    - c: [1, 2]\n      d:\n        e: f\n",
              &err);
    CHECK(r != NULL && is_str(at(r, "a/b/0"), "x")
          && is_int(at(r, "a/b/1/c/1"), 2)
          && is_str(at(r, "a/b/1/d/e"), "f"),
          "nested block maps and sequences");
    json_decref(r);

    r = parse("{a: [1, 2, {b: c}], d: {}, e: [], 'f g': \"h\"}", &err);
    CHECK(r != NULL && is_int(at(r, "a/1"), 2) && is_str(at(r, "a/2/b"), "c")
          && json_object_size(at(r, "d")) == 0
          && json_array_size(at(r, "e")) == 0
          && is_str(at(r, "f g"), "h"),
          "flow style");
    json_decref(r);
}


static void
test_anchors(void)
{
    json_t         *r;
    apigw_error_t   err;

    r = parse("base: &b {x: 1}\nuse: *b\nlist: [*b, *b]\ns: &s str\n"
              "t: *s\n", &err);
    CHECK(r != NULL && at(r, "base") == at(r, "use")
          && at(r, "list/0") == at(r, "base")
          && json_object_size(at(r, "base")) == 1
          && at(r, "t") == at(r, "s") && is_str(at(r, "t"), "str"),
          "aliases share the anchored node");
    json_decref(r);

    r = parse("a: &x 1\nb: *x\nc: &x 2\nd: *x\n", &err);
    CHECK(r != NULL && is_int(at(r, "b"), 1) && is_int(at(r, "d"), 2),
          "a redefined anchor is used by later aliases");
    json_decref(r);

    r = parse("&k 200: a\nv: *k\nm: {*k : b}\nn: &n 0x10\no: {*n : c}\n",
              &err);
    CHECK(r != NULL && is_str(at(r, "200"), "a") && is_str(at(r, "v"), "200")
          && is_str(at(r, "m/200"), "b") && is_int(at(r, "n"), 16)
          && is_str(at(r, "o/0x10"), "c"),
          "anchored keys and scalar aliases as keys");
    json_decref(r);

    CHECK(fails("a: 1\nb:\n  c: *nope\n", "unknown YAML alias \"*nope\"",
                "/b/c", 3),
          "unknown alias error");
    CHECK(fails("a: &a [*a]\n", "unknown YAML alias", "/a/0", 1),
          "an anchor is not visible inside itself");
}


static void
test_merge(void)
{
    json_t         *r;
    apigw_error_t   err;

    r = parse("base: &b {x: 1, y: 2}\nm:\n  y: 3\n  <<: *b\n  z: 4\n", &err);
    CHECK(r != NULL && is_int(at(r, "m/x"), 1) && is_int(at(r, "m/y"), 3)
          && is_int(at(r, "m/z"), 4) && json_object_size(at(r, "m")) == 3
          && is_int(at(r, "base/y"), 2),
          "merge key, explicit keys win");
    json_decref(r);

    r = parse("a: &a {k: 1, p: a}\nb: &b {k: 2, q: b}\n"
              "m:\n  <<: [*a, *b]\n  q: own\n", &err);
    CHECK(r != NULL && is_int(at(r, "m/k"), 1) && is_str(at(r, "m/p"), "a")
          && is_str(at(r, "m/q"), "own") && at(r, "m/<<") == NULL,
          "merge list, earlier mappings win");
    json_decref(r);

    r = parse("m: {<<: [{a: 1}, {a: 2, b: 3}], c: 4}\n", &err);
    CHECK(r != NULL && is_int(at(r, "m/a"), 1) && is_int(at(r, "m/b"), 3)
          && is_int(at(r, "m/c"), 4) && json_object_size(at(r, "m")) == 3,
          "merge list of inline mappings");
    json_decref(r);

    r = parse("m: {<<: {a: 1}, b: 2}\nq: {'<<': 1}\n", &err);
    CHECK(r != NULL && is_int(at(r, "m/a"), 1) && is_int(at(r, "q/<<"), 1),
          "inline merge; a quoted << is a plain key");
    json_decref(r);

    CHECK(fails("a: &a 1\nm:\n  <<: *a\n", "merge key", "/m/<<", 3)
          && fails("a: &a {x: 1}\nm:\n  <<: [*a, 2]\n", "merge key",
                   "/m/<<", 3),
          "merging a non-mapping is an error");
}


static char *
billion_laughs(void)
{
    int     i, j;
    char   *buf, *p;

    buf = malloc(4096);
    p = buf;
    p += sprintf(p, "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol,"
                 " lol]\n");

    for (i = 1; i <= 9; i++) {
        p += sprintf(p, "l%d: &l%d [", i, i);

        for (j = 0; j < 10; j++) {
            p += sprintf(p, "%s*l%d", j ? ", " : "", i - 1);
        }

        p += sprintf(p, "]\n");
    }

    return buf;
}


static char *
nested(int depth)
{
    int    i;
    char  *buf;

    buf = malloc((size_t) depth * 2 + 1);

    for (i = 0; i < depth; i++) {
        buf[i] = '[';
        buf[depth * 2 - 1 - i] = ']';
    }

    buf[depth * 2] = '\0';

    return buf;
}


static char *
stacked_aliases(void)
{
    int    i, j;
    char  *buf, *p;

    buf = malloc(8 * 4096);
    p = buf;

    for (i = 0; i < 4; i++) {
        p += sprintf(p, "a%d: &a%d ", i, i);

        for (j = 0; j < 200; j++) {
            *p++ = '[';
        }

        p += i ? sprintf(p, "*a%d", i - 1) : sprintf(p, "0");

        for (j = 0; j < 200; j++) {
            *p++ = ']';
        }

        *p++ = '\n';
    }

    *p = '\0';

    return buf;
}


static void
test_limits(void)
{
    char           *doc;
    json_t         *r;
    clock_t         start;
    apigw_error_t   err;

    doc = billion_laughs();
    start = clock();
    CHECK(fails(doc, "YAML alias expansion exceeds 2000000 nodes", NULL, 0),
          "billion laughs is refused");
    CHECK((double) (clock() - start) / CLOCKS_PER_SEC < 2.0,
          "billion laughs fails fast");
    free(doc);

    doc = nested(APIGW_YAML_MAX_DEPTH);
    r = parse(doc, &err);
    CHECK(r != NULL, "nesting at the limit parses");
    json_decref(r);
    free(doc);

    doc = nested(APIGW_YAML_MAX_DEPTH + 1);
    CHECK(fails(doc, "nesting exceeds 256", NULL, 1), "deep nesting error");
    free(doc);

    doc = nested(100000);
    CHECK(fails(doc, "nesting exceeds", NULL, 1), "very deep nesting error");
    free(doc);

    /* each anchor within the limit, stacked by aliases beyond it */
    doc = stacked_aliases();
    CHECK(fails(doc, "aliases nest deeper than 256", NULL, 0),
          "depth through aliases is bounded (found by fuzz_spec)");
    free(doc);
}


static void
test_errors(void)
{
    json_t         *r;
    apigw_error_t   err;

    CHECK(fails("a:\n  b: 1\n  c: 2\n  b: 3\n", "duplicate key \"b\"",
                "/a/b", 4),
          "duplicate key error with pointer and line");
    CHECK(fails("m:\n  <<: {a: 1}\n  <<: {b: 2}\n", "duplicate key \"<<\"",
                "/m/<<", 3),
          "duplicate merge key error");
    CHECK(fails("paths:\n  /pets~x:\n    get: !foo 1\n", "!foo",
                "/paths/~1pets~0x/get", 3),
          "pointer escapes ~ and /");
    CHECK(fails("a:\n  ? [a, b]\n  : 1\n", "mapping keys must be strings",
                "/a", 2)
          && fails("{{a: 1}: 2}", "mapping keys must be strings", "", 1)
          && fails("x: &a [1]\n*a : 2\n", "mapping keys must be strings",
                   "", 2),
          "complex key error");
    CHECK(fails("a: 1\n---\nb: 2\n", "multiple YAML documents", "", 2)
          && fails("a: 1\n...\n--- b\n", "multiple YAML documents", "", 3),
          "multiple documents error");
    CHECK(fails("a: 1\nb: 2\n  c: 3\n", "YAML syntax error", NULL, 3),
          "syntax error with line");
    CHECK(fails("a: [1, 2\nb: 3\n", "YAML syntax error", NULL, 0),
          "unterminated flow sequence");
    CHECK(fails("", "empty YAML document", "", 0)
          && fails("# only a comment\n", "empty YAML document", "", 0),
          "empty document error");
    CHECK(fails("a: 1\nb: \"\xff\"\n", "UTF-8", NULL, 2),
          "invalid UTF-8 is rejected with its line");
    CHECK(fails("%YAML 1.2\n%TAG !e! tag:example.com,2000:\n---\n"
                "a: !e!x 1\n", "tag:example.com,2000:x", "/a", 4),
          "%TAG tags are custom tags");

    memset(&err, 0, sizeof(apigw_error_t));
    strcpy(err.file, "spec.yaml");
    r = apigw_yaml_parse("a: *x\n", 6, NULL, &err);
    CHECK(r == NULL && strcmp(err.file, "spec.yaml") == 0,
          "the error's file is left to the caller");
}


static void
test_long_pointer(void)
{
    int     i;
    char   *doc, *p;

    /* four levels of 200-byte keys: a pointer of over 800 bytes */

    doc = malloc(2048);
    p = doc;

    for (i = 0; i < 4; i++) {
        memset(p, ' ', (size_t) i * 2);
        p += i * 2;
        memset(p, i % 2 ? '~' : '/', 200);
        p += 200;
        memcpy(p, ":\n", 2);
        p += 2;
    }

    strcpy(p, "        x: !bad 1\n");

    CHECK(fails(doc, "custom YAML tag \"!bad\"", NULL, 5),
          "a pointer longer than the error buffer is cut short");
    free(doc);
}


static void
test_linemap(void)
{
    json_t           *r;
    apigw_error_t     err;
    apigw_linemap_t  *lines;
    const char       *doc;

    doc = "a:\n  b: 1\n  c:\n    - x\n    - y\n  d: &d {k: v}\ne: *d\n"
          "m:\n  <<: {p: 1}\n  q: 2\n";

    lines = apigw_linemap_create();
    memset(&err, 0, sizeof(apigw_error_t));
    r = apigw_yaml_parse(doc, strlen(doc), lines, &err);

    CHECK(r != NULL && apigw_linemap_find(lines, r) == 1
          && apigw_linemap_find(lines, at(r, "a")) == 2
          && apigw_linemap_find(lines, at(r, "a/b")) == 2
          && apigw_linemap_find(lines, at(r, "a/c")) == 4
          && apigw_linemap_find(lines, at(r, "a/c/1")) == 5
          && apigw_linemap_find(lines, at(r, "a/d/k")) == 6
          && apigw_linemap_find(lines, at(r, "e")) == 6
          && apigw_linemap_find(lines, at(r, "m/p")) == 9
          && apigw_linemap_find(lines, at(r, "m/q")) == 10
          && apigw_linemap_find(lines, at(r, "m")) == 9,
          "linemap gives node lines");

    json_decref(r);

    /*
     * a merged "<<" mapping is freed: nodes that reuse its addresses get
     * their own lines, not its (found by fuzz_spec)
     */
    doc = "m:\n  k0: 0\n  k1: 0\n  <<: {k0: 1, k1: 1, k2: 1}\nn:\n"
          "  a: {x: 1}\n  b: [1, 2]\n  c: {y: 2}\n";

    memset(&err, 0, sizeof(apigw_error_t));
    r = apigw_yaml_parse(doc, strlen(doc), lines, &err);

    CHECK(r != NULL && apigw_linemap_find(lines, at(r, "n/a")) == 6
          && apigw_linemap_find(lines, at(r, "n/b")) == 7
          && apigw_linemap_find(lines, at(r, "n/c")) == 8,
          "lines after a merge are the nodes' own");

    json_decref(r);

    doc = "base: &b\n  p: 1\nm:\n  q: 2\n  <<: [*b, {s: 3}]\n";

    memset(&err, 0, sizeof(apigw_error_t));
    r = apigw_yaml_parse(doc, strlen(doc), lines, &err);

    CHECK(r != NULL
          && apigw_linemap_find(lines, (json_t *) json_object_iter_key(
                 json_object_iter_at(at(r, "m"), "p"))) == 2
          && apigw_linemap_find(lines, (json_t *) json_object_iter_key(
                 json_object_iter_at(at(r, "m"), "s"))) == 5
          && apigw_linemap_find(lines, (json_t *) json_object_iter_key(
                 json_object_iter_at(at(r, "m"), "q"))) == 4,
          "merged keys have the lines where they were written");

    json_decref(r);
    apigw_linemap_free(lines);
}


int
main(void)
{
    test_scalars();
    test_tags();
    test_structure();
    test_anchors();
    test_merge();
    test_limits();
    test_errors();
    test_long_pointer();
    test_linemap();

    printf("%d passed, %d failed\n", tests - failed, failed);

    return failed ? 1 : 0;
}
