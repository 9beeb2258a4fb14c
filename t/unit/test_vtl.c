
/*
 * Copyright (C) apigw contributors
 */


/* unit tests for the JSONPath subset and the VTL mapping templates */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apigw_vtl.h"
#include "unit.h"


static char  errbuf[APIGW_ERR_LEN];


static const apigw_kv_t  path_params[] = {
    { "id", 2, "42", 2 },
    { "name", 4, "a b", 3 }
};

static const apigw_kv_t  query_params[] = {
    { "q", 1, "hello world", 11 },
    { "tag", 3, "a", 1 },
    { "tag", 3, "b", 1 },
    { "id", 2, "from-query", 10 }
};

static const apigw_kv_t  header_params[] = {
    { "Content-Type", 12, "text/plain", 10 },
    { "X-Forwarded-For", 15, "1.2.3.4", 7 },
    { "x-quote", 7, "say \"hi\"", 8 },
    { "content-type", 12, "application/json", 16 }
};

static const char  *context_values[] = {
    "requestId", "req-1",
    "identity.sourceIp", "10.0.0.1",
    "authorizer.claims.sub", "user-1",
    "authorizer.claims.cognito:groups", "admin",
    "stage", "prod",
    "httpMethod", "POST",
    NULL
};

static const char  *stage_values[] = {
    "env", "test",
    "host", "backend.local",
    NULL
};

/* what #set($context.responseOverride...) delivered */
static char  overrides[1024];


static int
lookup(const char **table, const char *name, size_t len, const char **value,
    size_t *value_len)
{
    size_t  i;

    for (i = 0; table[i] != NULL; i += 2) {
        if (strlen(table[i]) == len && memcmp(table[i], name, len) == 0) {
            *value = table[i + 1];
            *value_len = strlen(table[i + 1]);
            return 1;
        }
    }

    return 0;
}


static int
context_lookup(void *data, const char *name, size_t len, const char **value,
    size_t *value_len)
{
    (void) data;

    return lookup(context_values, name, len, value, value_len);
}


static int
stage_lookup(void *data, const char *name, size_t len, const char **value,
    size_t *value_len)
{
    (void) data;

    return lookup(stage_values, name, len, value, value_len);
}


static int
context_set(void *data, const char *name, size_t len, const char *value,
    size_t value_len)
{
    size_t  n;

    (void) data;

    if (len == 23 && memcmp(name, "responseOverride.status", 23) == 0
        && value_len == 3 && memcmp(value, "999", 3) == 0)
    {
        return -1;
    }

    n = strlen(overrides);
    snprintf(overrides + n, sizeof(overrides) - n, "%.*s=%.*s;", (int) len,
             name, (int) value_len, value);

    return 0;
}


static void
input_init(apigw_vtl_input_t *in, const char *body)
{
    memset(in, 0, sizeof(apigw_vtl_input_t));

    in->body = body;
    in->body_len = body ? strlen(body) : 0;
    in->path.items = path_params;
    in->path.n = sizeof(path_params) / sizeof(apigw_kv_t);
    in->querystring.items = query_params;
    in->querystring.n = sizeof(query_params) / sizeof(apigw_kv_t);
    in->header.items = header_params;
    in->header.n = sizeof(header_params) / sizeof(apigw_kv_t);
    in->context = context_lookup;
    in->stage_variable = stage_lookup;
    in->context_set = context_set;
}


/* the source copied to a buffer of exactly its length, without a NUL */
static apigw_vtl_t *
parse(const char *src)
{
    char         *copy;
    size_t        len;
    apigw_vtl_t  *tpl;

    len = strlen(src);
    copy = malloc(len ? len : 1);

    if (copy == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }

    memcpy(copy, src, len);
    errbuf[0] = '\0';

    tpl = apigw_vtl_parse(copy, len, errbuf, sizeof(errbuf));

    free(copy);

    return tpl;
}


/*
 * the output of src on body, or "PARSE: msg" / "RENDER: msg"; the result
 * is a static buffer overwritten by the next call
 */
static const char *
run_in(const char *src, apigw_vtl_input_t *in)
{
    char          *out;
    size_t         len;
    apigw_vtl_t   *tpl;

    static char    result[65536];

    tpl = parse(src);

    if (tpl == NULL) {
        snprintf(result, sizeof(result), "PARSE: %s", errbuf);
        return result;
    }

    out = apigw_vtl_render(tpl, in, &len, errbuf, sizeof(errbuf));

    if (out == NULL) {
        snprintf(result, sizeof(result), "RENDER: %s", errbuf);

    } else {
        if (strlen(out) != len) {
            snprintf(result, sizeof(result), "NUL IN OUTPUT");

        } else {
            snprintf(result, sizeof(result), "%s", out);
        }

        free(out);
    }

    apigw_vtl_free(tpl);

    return result;
}


static const char *
run(const char *src, const char *body)
{
    const char         *r;
    apigw_vtl_input_t   in;

    input_init(&in, body);
    r = run_in(src, &in);
    json_decref(in.json);

    return r;
}


#define EXPECT(src, body, want)                                               \
    do {                                                                      \
        const char  *got_ = run(src, body);                                   \
        if (!CHECK(strcmp(got_, want) == 0, "%s", src)) {                     \
            NOTE("got:  \"%s\"", got_);                                       \
            NOTE("want: \"%s\"", want);                                       \
        }                                                                     \
    } while (0)


/* JSONPath */

static const char  *jp_doc =
    "{\"a\":{\"b\":[1,2,{\"c\":\"x\"}],\"d\":true},"
    "\"e\":[{\"name\":\"n1\"},{\"name\":\"n2\",\"k\":{\"name\":\"n3\"}}],"
    "\"odd key\":5,\"it's\":6,\"q\\\"\":7}";


/* the path's result as compact JSON, "NONE", or "ERR: msg" */
static const char *
jp(const char *src)
{
    char               *text;
    json_t             *doc, *r;
    apigw_jsonpath_t   *path;

    static char         result[4096];

    doc = json_loads(jp_doc, 0, NULL);
    path = apigw_jsonpath_compile(src, strlen(src), errbuf, sizeof(errbuf));

    if (path == NULL) {
        json_decref(doc);
        snprintf(result, sizeof(result), "ERR: %s", errbuf);
        return result;
    }

    r = apigw_jsonpath_eval(path, doc);

    if (r == NULL) {
        snprintf(result, sizeof(result), "NONE");

    } else {
        text = json_dumps(r, JSON_COMPACT | JSON_ENCODE_ANY);
        snprintf(result, sizeof(result), "%s", text);
        free(text);
        json_decref(r);
    }

    apigw_jsonpath_free(path);
    json_decref(doc);

    return result;
}


#define JP(src, want)                                                         \
    do {                                                                      \
        const char  *got_ = jp(src);                                          \
        if (!CHECK(strcmp(got_, want) == 0, "jsonpath %s", src)) {            \
            NOTE("got:  %s", got_);                                           \
            NOTE("want: %s", want);                                           \
        }                                                                     \
    } while (0)


static void
test_jsonpath(void)
{
    NOTE("JSONPath");

    JP("$.a.d", "true");
    JP("$", jp_doc[0] ? "{\"a\":{\"b\":[1,2,{\"c\":\"x\"}],\"d\":true},"
       "\"e\":[{\"name\":\"n1\"},{\"name\":\"n2\",\"k\":{\"name\":\"n3\"}}],"
       "\"odd key\":5,\"it's\":6,\"q\\\"\":7}" : "");
    JP("$.a.b[0]", "1");
    JP("$.a.b[-1].c", "\"x\"");
    JP("$.a.b[-3]", "1");
    JP("$.a.b[-4]", "NONE");
    JP("$.a.b[3]", "NONE");
    JP("$['a']['d']", "true");
    JP("$[\"a\"].d", "true");
    JP("$['odd key']", "5");
    JP("$['it\\'s']", "6");
    JP("$[\"q\\\"\"]", "7");
    JP("$[ 'a' ][ 'd' ]", "true");
    JP("$.missing", "NONE");
    JP("$.a.missing.deeper", "NONE");
    JP("$.a.b.c", "NONE");
    JP("$.a[0]", "NONE");
    JP("$.e[*].name", "[\"n1\",\"n2\"]");
    JP("$.e.*.name", "[\"n1\",\"n2\"]");
    JP("$.a.*", "[[1,2,{\"c\":\"x\"}],true]");
    JP("$.a.b[*]", "[1,2,{\"c\":\"x\"}]");
    JP("$..name", "[\"n1\",\"n2\",\"n3\"]");
    JP("$..c", "[\"x\"]");
    JP("$..nothing", "NONE");
    JP("$.e[*].none", "NONE");
    JP("$..[0]", "[1,{\"name\":\"n1\"}]");
    JP("$.a..*", "[[1,2,{\"c\":\"x\"}],1,2,{\"c\":\"x\"},\"x\",true]");
    JP("$..['name']", "[\"n1\",\"n2\",\"n3\"]");
    JP("$.e[1].k.name", "\"n3\"");

    JP("$.e[*]['name']", "[\"n1\",\"n2\"]");
    JP("$.e[0].*", "[\"n1\"]");
    JP("$['*']", "NONE");

    JP("", "ERR: a JSONPath starts with $");
    JP("a.b", "ERR: a JSONPath starts with $");
    JP("$.", "ERR: JSONPath ends with \".\"");
    JP("$..", "ERR: JSONPath ends with \".\"");
    JP("$a", "ERR: unexpected \"a\" at offset 1 in JSONPath, expected . or [");
    JP("$.a[", "ERR: unterminated [ in JSONPath");
    JP("$.a[0", "ERR: unterminated [ in JSONPath");
    JP("$.a['b]", "ERR: unterminated ' in JSONPath");
    JP("$.a[?(@.x)]", "ERR: JSONPath filters [?(...)] are not supported");
    JP("$.a[0,1]", "ERR: JSONPath unions [a,b] are not supported");
    JP("$.a[0:1]", "ERR: JSONPath slices [a:b] are not supported");
    JP("$.a[-]", "ERR: bad array index in JSONPath");
    JP("$.a[99999999999999999999]", "ERR: array index too large in "
       "JSONPath");
    JP("$.a.[0]", "ERR: unexpected \"[\" at offset 4 in JSONPath, expected "
       "a name");
    JP("$.a[x]", "ERR: unexpected \"x\" after [ in JSONPath");
}


/* "$..*..*..*" on 300 nodes would select ~10^7: it selects nothing */
static void
test_jsonpath_limit(void)
{
    int                i;
    json_t            *doc, *r;
    apigw_jsonpath_t  *path;

    doc = json_array();

    for (i = 0; i < 300; i++) {
        json_array_append_new(doc, json_pack("[i]", i));
    }

    path = apigw_jsonpath_compile("$..*..*..*", 10, errbuf, sizeof(errbuf));
    r = path ? apigw_jsonpath_eval(path, doc) : NULL;
    CHECK(path != NULL && r == NULL, "a JSONPath visits 1,000,000 nodes at "
          "most");
    json_decref(r);
    apigw_jsonpath_free(path);

    path = apigw_jsonpath_compile("$..*", 4, errbuf, sizeof(errbuf));
    r = path ? apigw_jsonpath_eval(path, doc) : NULL;
    CHECK(r != NULL && json_array_size(r) == 600, "$..* selects every node "
          "below: %d", r ? (int) json_array_size(r) : -1);
    CHECK(apigw_jsonpath_definite(path) == 0, "$..* is not definite");
    json_decref(r);
    apigw_jsonpath_free(path);

    path = apigw_jsonpath_compile("$[0][0]", 7, errbuf, sizeof(errbuf));
    r = path ? apigw_jsonpath_eval(path, doc) : NULL;
    CHECK(r != NULL && json_integer_value(r) == 0
          && apigw_jsonpath_definite(path) == 1,
          "a definite path gives the value itself");
    json_decref(r);
    apigw_jsonpath_free(path);

    json_decref(doc);
}


static void
test_references(void)
{
    NOTE("references and text");

    EXPECT("plain text", NULL, "plain text");
    EXPECT("", NULL, "");
    EXPECT("#set($x = 'v')$x ${x} $!x $!{x}", NULL, "v v v v");
    EXPECT("#set($x = 'v')${x}y", NULL, "vy");
    EXPECT("$undefined|$!undefined|${undefined}|$!{undefined}", NULL, "|||");
    EXPECT("cost $5, $.x, a$, $ , $!, ${ , $-", NULL,
           "cost $5, $.x, a$, $ , $!, ${ , $-");
    EXPECT("\\$x \\#if \\\\$undefined.", NULL, "$x #if \\.");
    EXPECT("a ## comment\nb", NULL, "a b");
    EXPECT("a#* block\n comment *#b", NULL, "ab");
    EXPECT("#[[ $raw #if ]]#", NULL, " $raw #if ");
    EXPECT("color: #fff; #endless #{else}x", NULL, "PARSE: line 1: #else "
           "without #if");
    EXPECT("color: #fff; #endless #elsewhere", NULL,
           "color: #fff; #endless #elsewhere");
    EXPECT("#set($m = {'a': {'b': 'c'}})$m.a.b $m['a']['b'] $m.a.x.y.", NULL,
           "c c .");
    EXPECT("#set($l = [1, 'two', 3.5])$l[0] $l[1] $l[2] $l[-1] $l[3].",
           NULL, "1 two 3.5 3.5 .");
    EXPECT("#set($s = 'abc')$s.length() $s.toUpperCase().toLowerCase()",
           NULL, "3 abc");
    EXPECT("#set($l = [1])price $l[x] and $l[", NULL,
           "price [1][x] and [1][");
    EXPECT("$context.requestId $context.identity.sourceIp "
           "${context.authorizer.claims.sub} $context.nothing.",
           NULL, "req-1 10.0.0.1 user-1 .");
    EXPECT("$stageVariables.env ${stageVariables.host}/x "
           "$stageVariables.none.", NULL, "test backend.local/x .");
    EXPECT("$context.requestId.toUpperCase()-$context.stage.length()", NULL,
           "REQ-1-4");
    EXPECT("$context.authorizer.claims['cognito:groups'] "
           "${context.authorizer.claims[\"cognito:groups\"]}.length() "
           "$context.authorizer['claims'].sub [$context['x']]", NULL,
           "admin admin.length() user-1 []");
    EXPECT("$foo-bar", NULL, "");
    EXPECT("#set($a = 5)#set($b = 2)#set($a-b = 1)$a - $b = $a-b", NULL,
           "5 - 2 = 1");
    EXPECT("$stageVariables.keySet()|$stageVariables|$context", NULL, "||");
    EXPECT("#set($s = \"\\$5 \\#x\")$s", NULL, "$5 #x");
    EXPECT("$input $util $context $foreach $velocityCount.", NULL, "    .");
}


static void
test_input(void)
{
    const char  *body;

    NOTE("$input");

    body = "{\"name\":\"Ann \\\"A\\\"\",\"age\":31,\"pi\":3.25,\"ok\":true,"
           "\"tags\":[\"x\",\"y\"],\"addr\":{\"city\":\"Oslo\"},"
           "\"n\":null,\"big\":1.0,\"u\":\"\\u00e9\"}";

    EXPECT("$input.body", body, body);
    EXPECT("$input.json('$.name')", body, "\"Ann \\\"A\\\"\"");
    EXPECT("$input.json('$.age') $input.json('$.pi') $input.json('$.ok') "
           "$input.json('$.n') $input.json('$.big')", body,
           "31 3.25 true null 1.0");
    EXPECT("$input.json('$.tags')|$input.json('$.addr')", body,
           "[\"x\",\"y\"]|{\"city\":\"Oslo\"}");
    EXPECT("$input.json('$.missing')|$input.json('$.tags[*]')", body,
           "|[\"x\",\"y\"]");
    EXPECT("$input.json('$.u')", body, "\"\xc3\xa9\"");
    EXPECT("$input.path('$.name')|$input.path('$.age')|$input.path('$.pi')"
           "|$input.path('$.ok')|$input.path('$.n')|$input.path('$.x')|",
           body, "Ann \"A\"|31|3.25|true|||");
    EXPECT("$input.path('$.tags').size() $input.path('$.tags')[1] "
           "$input.path('$.addr').city $input.path('$.addr').get('city') "
           "$input.path('$.addr')", body,
           "2 y Oslo Oslo {\"city\":\"Oslo\"}");
    EXPECT("#set($r = $input.path('$'))$r.name.length() $r.tags.get(0)",
           body, "7 x");
    EXPECT("#set($p = '$.age')$input.json($p) $input.path(\"$.addr.city\")",
           body, "31 Oslo");
    EXPECT("#set($p = 'bad')[$input.json($p)]", body, "[]");
    EXPECT("$input.json('$')", "[1, 2]", "[1,2]");
    EXPECT("$input.json('$')", "\"str\"", "\"str\"");
    EXPECT("[$input.json('$')][$input.path('$.a')][$input.body]", "{bad",
           "[][][{bad]");
    EXPECT("[$input.json('$')]", NULL, "[]");
    EXPECT("[$input.json('$')]", "", "[]");
    EXPECT("[$input.json('$')]", "{\"a\":1,\"a\":2}", "[]");

    EXPECT("$input.params('id') $input.params('q') $input.params('tag') "
           "$input.params('content-type') $input.params('x-forwarded-for')"
           "|$input.params('none')|", NULL,
           "42 hello world b application/json 1.2.3.4||");
    EXPECT("$input.params().path.id $input.params().querystring.tag "
           "$input.params().header.get('content-type')", NULL,
           "42 b application/json");
    EXPECT("$input.params().querystring.keySet()", NULL,
           "[\"q\",\"tag\",\"id\"]");
    EXPECT("$input.params().querystring", NULL,
           "{\"q\":\"hello world\",\"tag\":\"b\",\"id\":\"from-query\"}");
    EXPECT("$input.params().keySet() $input.params().size()", NULL,
           "[\"path\",\"querystring\",\"header\"] 3");
    EXPECT("$input.params().header.X-Forwarded-For "
           "$input.params().header['x-quote']", NULL,
           "1.2.3.4 say \"hi\"");
}


static void
test_directives(void)
{
    NOTE("directives");

    EXPECT("#if(true)a#end#if(false)b#end", NULL, "a");
    EXPECT("#if($x)a#elseif(1 == 1)b#else c#end", NULL, "b");
    EXPECT("#if($x)a#elseif(1 == 2)b#{else}c#end", NULL, "c");
    EXPECT("#if ($x) a #else b #end", NULL, " b ");
    EXPECT("#{if}(true)y#{end}", NULL, "y");
    EXPECT("#set($e = '')#if($e)empty is true#end", NULL, "empty is true");
    EXPECT("#set($z = 0)#if($z)0 is true#end", NULL, "0 is true");
    EXPECT("#set($n = $nothing)#if(!$n)null is false#end", NULL,
           "null is false");
    EXPECT("#set($x = 1)#set($x = $nothing)[$x]", NULL, "[]");
    EXPECT("#foreach($i in [1, 2, 3])$i#if($foreach.hasNext),#end#end", NULL,
           "1,2,3");
    EXPECT("#foreach($i in ['a', 'b'])$foreach.index:$foreach.count:"
           "$velocityCount:$foreach.first:$foreach.last;#end", NULL,
           "0:1:1:true:false;1:2:2:false:true;");
    EXPECT("#foreach($i in [1..4])#if($i == 3)#break#end$i#end", NULL, "12");
    EXPECT("#foreach($i in [3..1])$i#end", NULL, "321");
    EXPECT("#foreach($i in [])x#end.", NULL, ".");
    EXPECT("#foreach($i in $nothing)x#end.", NULL, ".");
    EXPECT("#foreach($i in 'abc')x#end.", NULL, ".");
    EXPECT("#foreach($v in {'a': 1, 'b': 2})$v#end", NULL, "12");
    EXPECT("#foreach($v in $input.path('$'))$v#end", "{\"a\":1,\"b\":[2]}",
           "1[2]");
    EXPECT("#foreach($k in {'a': 1, 'b': 2}.keySet())$k#end", NULL,
           "PARSE: line 1: unexpected \".\" in #foreach(...)");
    EXPECT("#set($m = {'a': 1, 'b': 2})#foreach($e in $m.entrySet())"
           "$e.key=$e.value;#end", NULL, "a=1;b=2;");
    EXPECT("#set($i = 'kept')#foreach($i in [1])$i#end$i", NULL, "1kept");
    EXPECT("#foreach($i in [1, 2])$velocityHasNext,#end", NULL,
           "true,false,");
    EXPECT("#foreach($i in [1, 2])#foreach($j in ['a', 'b'])$i$j"
           "$foreach.index#end;#end", NULL, "1a01b1;2a02b1;");
    EXPECT("a#stop b", NULL, "a");
    EXPECT("#foreach($i in [1])#if(true)#stop#end#end after", NULL, "");
    EXPECT("#set($x = \"#if(true)yes#end\")$x", NULL, "yes");
    EXPECT("#set($context.responseOverride.status = 404)"
           "#set($context.requestOverride.header.X-Id = $context.requestId)"
           "#set($context.responseOverride.header.Z = $nothing)done", NULL,
           "done");
    CHECK(strcmp(overrides, "responseOverride.status=404;"
                 "requestOverride.header.X-Id=req-1;") == 0,
          "context_set receives the overrides: %s", overrides);
    EXPECT("#set($context.responseOverride.status = 999)", NULL,
           "RENDER: line 1: cannot set $context.responseOverride.status");
}


static void
test_whitespace(void)
{
    NOTE("lines of directives only are gobbled");

    EXPECT("#set($a = 1)\n  #if(true)\n  x\n  #end\ny\n", NULL, "  x\ny\n");
    EXPECT("a\n  #set($b = 2)  \r\nb\n", NULL, "a\nb\n");
    EXPECT("## comment\n  ## another\nx #* c *#\n#* c *#\ny", NULL,
           "x \ny");
    EXPECT("[\n#foreach($i in [1, 2])\n  $i#if($foreach.hasNext),#end\n"
           "#end\n]", NULL, "[\n  1,\n  2\n]");
    EXPECT("#if(true)a#end\n", NULL, "a\n");
    EXPECT("  #if(true) #end #set($x = 1) \nz", NULL, "z");
    EXPECT("  $x #set($x = 1)\nz", NULL, "   \nz");
    EXPECT("#set($x = 1)", NULL, "");
    EXPECT("\n#set($x = 1)\n\n", NULL, "\n\n");
}


static void
test_expressions(void)
{
    NOTE("expressions");

    EXPECT("#set($x = 7 + 3 * 2 - 1)$x", NULL, "12");
    EXPECT("#set($x = (7 + 3) * 2)$x", NULL, "20");
    EXPECT("#set($x = 7 / 2)$x #set($y = 7 % 3)$y #set($z = -7 / 2)$z", NULL,
           "3 1 -3");
    EXPECT("#set($x = 7.0 / 2)$x #set($y = 1.5 * 2)$y #set($z = 0.1 + 0.2)$z",
           NULL, "3.5 3.0 0.30000000000000004");
    EXPECT("#set($x = 1 / 0)[$x] #set($y = 1.0 % 0)[$y]", NULL, "[] []");
    EXPECT("#set($x = 9223372036854775807 + 1)$x", NULL,
           "9.223372036854776e+18");
    EXPECT("#set($x = -5)$x #set($y = --5)$y #set($z = -$x)$z", NULL,
           "-5 5 5");
    EXPECT("#set($x = 'a' + 1 + 2)$x #set($y = 1 + 2 + 'a')$y", NULL,
           "a12 3a");
    EXPECT("#set($x = 'a' + $nothing + 'b')$x", NULL, "ab");
    EXPECT("#set($x = 'a' - 1)[$x] #set($y = true + 1)[$y]", NULL, "[] []");
    EXPECT("#if(1 < 2 && 2 <= 2 && 3 > 2 && 3 >= 3 && 1 != 2)ok#end", NULL,
           "ok");
    EXPECT("#if(1 lt 2 and 2 le 2 and 3 gt 2 and 3 ge 3 and 1 ne 2 "
           "and 1 eq 1)ok#end", NULL, "ok");
    EXPECT("#if(!false && not false && !($x))ok#end", NULL, "ok");
    EXPECT("#if(false || $x || 'a' == 'b' or 1 == 1.0)ok#end", NULL, "ok");
    EXPECT("#if('1' == 1)eq#end #if('abc' < 'abd')lt#end "
           "#if('a' < 1)no#end", NULL, "eq lt ");
    EXPECT("#if($nothing == $undefined)nulls#end #if($nothing != '')ne#end",
           NULL, "nulls ne");
    EXPECT("#if([1, 2] == [1, 2])lists#end #if({} == '{}')map#end", NULL,
           "lists map");
    EXPECT("#if($input.body != {})body#end", "{}", "");
    EXPECT("#set($b = true)#set($c = !$b)$b $c", NULL, "true false");
    EXPECT("#set($s = \"x=$input.params('id'), y=${context.stage}\")$s",
           NULL, "x=42, y=prod");
    EXPECT("#set($s = 'no $interp \"here\"')$s", NULL,
           "no $interp \"here\"");
    EXPECT("#set($s = 'it''s')$s #set($t = \"say \"\"hi\"\" \\\"ok\\\"\")$t",
           NULL, "it's say \"hi\" \\\"ok\\\"");
    EXPECT("#set($l = [1, [2, [3]], {'k': [true, null]}])$l", NULL,
           "[1,[2,[3]],{\"k\":[true,null]}]");
    EXPECT("#set($m = {'a': 1, 'a': 2, 3: 'n'})$m $m.size()", NULL,
           "{\"a\":2,\"3\":\"n\"} 2");
    EXPECT("#set($r = [1..3])$r $r.size()", NULL, "[1,2,3] 3");
    EXPECT("#set($x = 2)#set($r = [$x..-1])$r", NULL, "[2,1,0,-1]");
}


static void
test_methods(void)
{
    NOTE("methods");

    EXPECT("#set($s = '  Hello World  ')[$s.trim()] $s.length() "
           "$s.trim().toUpperCase() $s.trim().toLowerCase()", NULL,
           "[Hello World] 15 HELLO WORLD hello world");
    EXPECT("#set($s = 'hello')$s.substring(1) $s.substring(1, 3) "
           "[$s.substring(5)] [$s.substring(6)] [$s.substring(3, 2)] "
           "$s.charAt(0) [$s.charAt(9)]", NULL,
           "ello el [] [] [] h []");
    EXPECT("#set($s = 'h\xc3\xa9llo')$s.length() $s.substring(1, 2) "
           "$s.indexOf('l') $s.lastIndexOf('l') $s.charAt(1)", NULL,
           "5 \xc3\xa9 2 3 \xc3\xa9");
    EXPECT("#set($s = 'a-b-c')$s.replace('-', '+') $s.replace('', '.') "
           "$s.contains('b-') $s.startsWith('a-') $s.endsWith('-c') "
           "$s.indexOf('x') $s.isEmpty() ''.isEmpty()", NULL,
           "a+b+c .a.-.b.-.c. true true true -1 false ''.isEmpty()");
    EXPECT("#set($e = '')$e.isEmpty() $e.length()", NULL, "true 0");
    EXPECT("#set($s = 'a1b22c333')$s.replaceAll('[0-9]+', '#') "
           "$s.replaceFirst('[0-9]+', '#') $s.replaceAll('([a-z])', '<$1>') "
           "$s.matches('[a-z0-9]+') $s.matches('[a-z]+')", NULL,
           "a#b#c# a#b22c333 <a>1<b>22<c>333 true false");
    EXPECT("#set($s = 'aaa')$s.replaceAll('x*', '-') "
           "$s.replaceAll('a', '\\$') $s.replaceAll('(?<n>a)', '${n}!')",
           NULL, "-a-a-a- $$$ a!a!a!");
    EXPECT("[$s.replaceAll('a', '$9')] #set($s = 'x')[$s.replaceAll('x', "
           "'$9')]", NULL, "[] []");
    EXPECT("#set($p = '[')#set($s = 'a[b')[$s.replaceAll($p, '-')]", NULL,
           "[]");
    EXPECT("$s.replaceAll('[', '-')", NULL, "PARSE: line 1: bad regular "
           "expression in .replaceAll(): missing terminating ] for "
           "character class at offset 1");
    EXPECT("#set($l = 'a,b,,c,,'.split(','))$l $l.size()", NULL,
           "PARSE: line 1: unexpected \".\" in #set(...)");
    EXPECT("#set($s = 'a,b,,c,,')#set($l = $s.split(','))$l $l.size() "
           "#set($e = '')$e.split(',') #set($c = ',')$c.split(',') "
           "#set($w = 'abc')$w.split('')", NULL,
           "[\"a\",\"b\",\"\",\"c\"] 4 [\"\"] [] [\"a\",\"b\",\"c\"]");
    EXPECT("#set($l = [1, 'a', [2]])$l.size() $l.isEmpty() $l.get(1) "
           "$l.contains('a') $l.contains(3) $l.indexOf([2]) "
           "[$l.get(5)] [$l.get(-1)]", NULL,
           "3 false a true false 2 [] []");
    EXPECT("#set($m = {'a': 1, 'b': $nothing})$m.keySet() $m.values() "
           "$m.containsKey('a') $m.containsKey('b') $m.containsKey('c') "
           "$m.containsValue(1) $m.isEmpty() $m.get('a')", NULL,
           "[\"a\",\"b\"] [1,null] true true false true false 1");
    EXPECT("$input.path('$').keySet() $input.path('$').entrySet() "
           "$input.path('$').containsKey('n') $input.path('$').values()",
           "{\"k\":\"v\",\"n\":null}",
           "[\"k\",\"n\"] [{\"key\":\"k\",\"value\":\"v\"},{\"key\":\"n\","
           "\"value\":null}] true [\"v\",null]");
    EXPECT("#set($n = 5)$n.toString().length() $n.equals(5) "
           "'A'.equalsIgnoreCase('a')", NULL,
           "1 true 'A'.equalsIgnoreCase('a')");
    EXPECT("$input.path('$.s').concat('0123456789') "
           "$input.path('$.s').equalsIgnoreCase('AB') "
           "$input.path('$.s').equalsIgnoreCase('a')", "{\"s\":\"ab\"}",
           "ab0123456789 true false");
    EXPECT("#set($a = 'A')$a.equalsIgnoreCase('a') $a.concat('b') "
           "$a.equals('A') [$nothing.size()] [$n.size()]", NULL,
           "true Ab true [] []");
    EXPECT("$x.foo()", NULL, "PARSE: line 1: unknown method .foo()");
    EXPECT("$x.substring()", NULL,
           "PARSE: line 1: .substring() takes 1 to 2 arguments");
    EXPECT("$x.trim(1)", NULL, "PARSE: line 1: .trim() takes 0 arguments");
}


static void
test_util(void)
{
    NOTE("$util");

    EXPECT("$util.escapeJavaScript('a''b\"c\\d/e')", NULL,
           "a\\'b\\\"c\\\\d\\/e");
    EXPECT("#set($s = \"l1\nl2\tt\r\")$util.escapeJavaScript($s)", NULL,
           "l1\\nl2\\tt\\r");
    EXPECT("$util.escapeJavaScript('\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x01"
           "\x7f')", NULL, "\\u00E9\\u20AC\\uD83D\\uDE00\\u0001\x7f");
    EXPECT("$util.escapeJavaScript('bad\xff')", NULL, "bad\\uFFFD");
    EXPECT("#set($x = $util.escapeJavaScript($nothing))[$x]", NULL, "[]");
    EXPECT("$util.escapeJavaScript($input.json('$'))", "{\"a\":\"b\"}",
           "{\\\"a\\\":\\\"b\\\"}");
    EXPECT("$util.escapeJavaScript(12)", NULL, "12");
    EXPECT("$util.urlEncode('a b&c=d/\xc3\xa9*~.-_')", NULL,
           "a+b%26c%3Dd%2F%C3%A9*%7E.-_");
    EXPECT("$util.urlDecode('a+b%26c%3dd%2F%C3%A9%zz%4')", NULL,
           "a b&c=d/\xc3\xa9%zz%4");
    EXPECT("$util.base64Encode('') $util.base64Encode('f') "
           "$util.base64Encode('fo') $util.base64Encode('foo') "
           "$util.base64Encode('foob')", NULL, " Zg== Zm8= Zm9v Zm9vYg==");
    EXPECT("$util.base64Decode('Zm9vYg==') $util.base64Decode('Zm9vYg') "
           "[$util.base64Decode('Zm9v!')] [$util.base64Decode('Z')] "
           "[$util.base64Decode('')]", NULL, "foob foob [] [] []");
    EXPECT("#set($j = $util.parseJson('{\"a\":[1,{\"b\":\"c\"}]}'))"
           "$j.a[1].b $j.a.size() $j", NULL,
           "c 2 {\"a\":[1,{\"b\":\"c\"}]}");
    EXPECT("#set($j = $util.parseJson('{bad'))[$j] "
           "#set($k = $util.parseJson('\"s\"'))$k", NULL, "[] s");
    EXPECT("$util.toJson('a\"b') $util.toJson([1, 'x']) $util.toJson($nothing)"
           " $util.toJson({'k': true})", NULL,
           "\"a\\\"b\" [1,\"x\"] null {\"k\":true}");
    EXPECT("$util.nothing('x')", NULL, "PARSE: line 1: unknown "
           "$util.nothing, known: escapeJavaScript(), urlEncode(), "
           "urlDecode(), base64Encode(), base64Decode(), parseJson(), "
           "toJson()");
    EXPECT("$util.urlEncode('a', 'b')", NULL,
           "PARSE: line 1: $util.urlEncode() takes one argument");
}


static void
test_parse_errors(void)
{
    NOTE("parse errors");

    EXPECT("a\nb\n#foreach($i in [1])\nx", NULL,
           "PARSE: line 3: #foreach without #end");
    EXPECT("#if(true)\n#if(false)\n#end", NULL,
           "PARSE: line 1: #if without #end");
    EXPECT("x\n#end", NULL, "PARSE: line 2: #end without #if or #foreach");
    EXPECT("#else", NULL, "PARSE: line 1: #else without #if");
    EXPECT("#elseif(true)", NULL, "PARSE: line 1: #elseif without #if");
    EXPECT("#if(1)#else#else#end", NULL, "PARSE: line 1: #else after #else");
    EXPECT("#if(1)#else#elseif(2)#end", NULL,
           "PARSE: line 1: #elseif after #else");
    EXPECT("#foreach($i in [1])#else#end", NULL,
           "PARSE: line 1: #else without #if");
    EXPECT("\n#macro(m)x#end", NULL,
           "PARSE: line 2: unsupported directive #macro");
    EXPECT("#define($x)y#end", NULL,
           "PARSE: line 1: unsupported directive #define");
    EXPECT("#parse('x.vm')", NULL,
           "PARSE: line 1: unsupported directive #parse");
    EXPECT("#include('x')", NULL,
           "PARSE: line 1: unsupported directive #include");
    EXPECT("#evaluate('x')", NULL,
           "PARSE: line 1: unsupported directive #evaluate");
    EXPECT("#break", NULL, "PARSE: line 1: #break outside #foreach");
    EXPECT("#if", NULL, "PARSE: line 1: #if without (");
    EXPECT("#if(true", NULL, "PARSE: line 1: #if without )");
    EXPECT("#if((true)", NULL, "PARSE: line 1: #if without )");
    EXPECT("#if(true))x#end", NULL, ")x");
    EXPECT("#set($x = 'abc)", NULL, "PARSE: line 1: unterminated string");
    EXPECT("\n\n#set($x = \"abc)", NULL,
           "PARSE: line 3: unterminated string");
    EXPECT("#set(x = 1)", NULL, "PARSE: line 1: #set needs a $variable");
    EXPECT("#set($x 1)", NULL, "PARSE: line 1: #set($x = ...) expected");
    EXPECT("#set($x == 1)", NULL, "PARSE: line 1: #set($x = ...) expected");
    EXPECT("#set($x.y = 1)", NULL, "PARSE: line 1: #set of a property or an "
           "element is not supported, only of a $variable");
    EXPECT("#set($input = 1)", NULL,
           "PARSE: line 1: #set cannot assign this reference");
    EXPECT("#set($context.stage = 1)", NULL,
           "PARSE: line 1: #set cannot assign this reference");
    EXPECT("#foreach($i [1])#end", NULL,
           "PARSE: line 1: #foreach($x in ...) expected");
    EXPECT("#foreach($i.x in [1])#end", NULL, "PARSE: line 1: #foreach needs "
           "a plain $variable before \"in\"");
    EXPECT("#set($x = )", NULL,
           "PARSE: line 1: unexpected \")\" in an expression");
    EXPECT("#set($x = 1 +)", NULL,
           "PARSE: line 1: unexpected \")\" in an expression");
    EXPECT("#set($x = foo)", NULL, "PARSE: line 1: unexpected \"foo\": a "
           "$reference, a 'string' or a number expected");
    EXPECT("#set($x = [1, 2)", NULL,
           "PARSE: line 1: unexpected \")\" in a list");
    EXPECT("#set($x = {'a' 1})", NULL,
           "PARSE: line 1: \":\" expected after a map key");
    EXPECT("${x", NULL, "PARSE: line 1: ${ without }");
    EXPECT("${x.get(}", NULL,
           "PARSE: line 1: unexpected \"}\" in an expression");
    EXPECT("$x.get('a'", NULL, "PARSE: line 1: ( without )");
    EXPECT("#* open", NULL, "PARSE: line 1: unterminated comment #*");
    EXPECT("#[[ open", NULL, "PARSE: line 1: unterminated #[[");
    EXPECT("$input.json('$.a[')", NULL, "PARSE: line 1: bad JSONPath "
           "\"$.a[\" in $input.json(): unterminated [ in JSONPath");
    EXPECT("x\n  $input.path('a')", NULL, "PARSE: line 2: bad JSONPath "
           "\"a\" in $input.path(): a JSONPath starts with $");
    EXPECT("$input.json()", NULL,
           "PARSE: line 1: $input.json() takes one argument, a JSONPath");
    EXPECT("$input.params('a', 'b')", NULL,
           "PARSE: line 1: $input.params() takes no argument or one");
    EXPECT("$input.bodyx", NULL, "PARSE: line 1: unknown $input.bodyx, known: "
           "body, json(), path(), params()");
    EXPECT("$input.params", NULL, "PARSE: line 1: unknown $input.params, "
           "known: body, json(), path(), params()");
    EXPECT("$foreach.nope", NULL, "PARSE: line 1: unknown $foreach.nope, "
           "known: hasNext, index, count, first, last");
    EXPECT("#set($x = 99999999999999999999)", NULL,
           "PARSE: line 1: number too large");
    EXPECT("#set($x = \001)", NULL,
           "PARSE: line 1: unexpected \"\\x01\" in an expression");
    JP("$.a[\377]", "ERR: unexpected \"\\xff\" after [ in JSONPath");
    EXPECT("#if($a = 1)#end", NULL,
           "PARSE: line 1: unexpected \"=\" in #if(...)");
}


static void
test_limits(void)
{
    int            i;
    char          *src, *p;
    size_t         n;
    const char    *r;

    NOTE("limits");

    /* AWS stops a #foreach after 1,000 iterations */
    EXPECT("#set($n = 0)#foreach($i in [1..1500])#set($n = $n + 1)#end$n "
           "$i", NULL, "1000 ");
    EXPECT("#foreach($i in [1..1001])#if(!$foreach.hasNext)$i#end#end", NULL,
           "1000");

    /* work: 1,000 x 1,000 x 1,000 stops at the step budget */
    r = run("#foreach($a in [1..1000])#foreach($b in [1..1000])"
            "#foreach($c in [1..1000])x#end#end#end", NULL);
    CHECK(strcmp(r, "RENDER: line 1: more than 1000000 steps") == 0,
          "nested loops stop at the step budget: %s", r);

    r = run("#set($r = [1..2000000])", NULL);
    CHECK(strcmp(r, "RENDER: line 1: more than 1000000 steps") == 0,
          "a huge range stops at the step budget: %s", r);

    /* output cap */
    r = run("#set($s = 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx')"
            "#foreach($a in [1..1000])#foreach($b in [1..100])$s#end#end",
            NULL);
    CHECK(strcmp(r, "RENDER: line 1: output longer than 10485760 bytes")
          == 0, "the output is capped: %s", r);

    /* strings doubling past the cap */
    r = run("#set($s = 'xxxxxxxxxxxxxxxx')#foreach($i in [1..30])"
            "#set($s = \"$s$s\")#end", NULL);
    CHECK(strcmp(r, "RENDER: line 1: a string longer than 10485760 bytes")
          == 0, "strings are capped: %s", r);

    /* text handled: a 1 MB string scanned 300 times */
    r = run("#set($s = $input.body)#foreach($i in [1..300])"
            "#set($n = $s.length())#end$n", NULL);
    CHECK(strcmp(r, "0") == 0, "an empty body scans for free: %s", r);

    src = malloc(1024 * 1024 + 1);
    memset(src, 'a', 1024 * 1024);
    src[1024 * 1024] = '\0';
    r = run("#set($s = $input.body)#foreach($i in [1..300])"
            "#set($n = $s.length())#end$n", src);
    CHECK(strcmp(r, "RENDER: line 1: the template handles more than 256 MB "
                 "of text") == 0, "the text a render handles is bounded: %s",
          r);

    /* a regex that backtracks without end */
    memcpy(src + 40, "!", 2);
    r = run("$input.body.matches('(a+)+$')", src);
    CHECK(strncmp(r, "RENDER: line 1: regular expression: ", 36) == 0,
          "regex work is bounded: %s", r);
    free(src);

    /* nested lists */
    r = run("#set($l = [])#foreach($i in [1..100])#set($l = [$l])#end", NULL);
    CHECK(strcmp(r, "RENDER: line 1: lists and maps nest deeper than 64 "
                 "levels") == 0, "made lists nest 64 levels at most: %s", r);

    /* parse depth */
    n = 200;
    src = malloc(2 * n + 16);
    p = src;
    p += sprintf(p, "#set($x = ");

    for (i = 0; i < (int) n; i++) {
        *p++ = '(';
    }

    *p++ = '1';

    for (i = 0; i < (int) n; i++) {
        *p++ = ')';
    }

    *p++ = ')';
    *p = '\0';

    r = run(src, NULL);
    CHECK(strcmp(r, "PARSE: line 1: nesting deeper than 64 levels") == 0,
          "parentheses nest 64 levels at most: %s", r);
    free(src);

    src = malloc(n * 16 + 16);
    p = src;

    for (i = 0; i < (int) n; i++) {
        p += sprintf(p, "#if(true)\n");
    }

    *p = '\0';
    r = run(src, NULL);
    CHECK(strcmp(r, "PARSE: line 65: nesting deeper than 64 levels") == 0,
          "directives nest 64 levels at most: %s", r);
    free(src);

    src = malloc(n * 16 + 16);
    p = src;

    for (i = 0; i < 60; i++) {
        p += sprintf(p, "#if(true)");
    }

    p += sprintf(p, "deep");

    for (i = 0; i < 60; i++) {
        p += sprintf(p, "#end");
    }

    *p = '\0';
    EXPECT(src, NULL, "deep");
    free(src);
}


/* the classic AWS templates */
static void
test_templates(void)
{
    const char  *body, *want;

    NOTE("AWS templates");

    body = "[{\"id\":1,\"type\":\"dog\",\"price\":249.99},"
           "{\"id\":2,\"type\":\"cat\",\"price\":124.99}]";
    want = "[\n"
           "  {\n"
           "    \"description\" : \"Item 1 is a dog.\",\n"
           "    \"askingPrice\" : 249.99\n"
           "  },\n"
           "\n"
           "  {\n"
           "    \"description\" : \"Item 2 is a cat.\",\n"
           "    \"askingPrice\" : 124.99\n"
           "  }\n"
           "\n"
           "]\n";

    EXPECT("#set($inputRoot = $input.path('$'))\n"
           "[\n"
           "#foreach($elem in $inputRoot)\n"
           "  {\n"
           "    \"description\" : \"Item $elem.id is a $elem.type.\",\n"
           "    \"askingPrice\" : $elem.price\n"
           "  }#if($foreach.hasNext),#end\n"
           "\n"
           "#end\n"
           "]\n", body, want);

    want = "{\n"
           "\"body-json\" : {\"a\":1},\n"
           "\"params\" : {\n"
           "\"path\" : {\n"
           "    \"id\" : \"42\"\n"
           "        ,\n"
           "    \"name\" : \"a b\"\n"
           "        \n"
           "    },\n"
           "\n"
           "\"querystring\" : {\n"
           "    \"q\" : \"hello world\"\n"
           "        ,\n"
           "    \"tag\" : \"b\"\n"
           "        ,\n"
           "    \"id\" : \"from-query\"\n"
           "        \n"
           "    },\n"
           "\n"
           "\"header\" : {\n"
           "    \"Content-Type\" : \"application\\/json\"\n"
           "        ,\n"
           "    \"X-Forwarded-For\" : \"1.2.3.4\"\n"
           "        ,\n"
           "    \"x-quote\" : \"say \\\"hi\\\"\"\n"
           "        \n"
           "    }\n"
           "\n"
           "},\n"
           "\"context\" : {\n"
           "    \"source-ip\" : \"10.0.0.1\",\n"
           "    \"request-id\" : \"req-1\"\n"
           "    }\n"
           "}\n";

    EXPECT("##  See http://docs.aws.amazon.com/apigateway/latest/\n"
           "#set($allParams = $input.params())\n"
           "{\n"
           "\"body-json\" : $input.json('$'),\n"
           "\"params\" : {\n"
           "#foreach($type in $allParams.keySet())\n"
           "    #set($params = $allParams.get($type))\n"
           "\"$type\" : {\n"
           "    #foreach($paramName in $params.keySet())\n"
           "    \"$paramName\" : "
           "\"$util.escapeJavaScript($params.get($paramName))\"\n"
           "        #if($foreach.hasNext),#end\n"
           "    #end\n"
           "    }#if($foreach.hasNext),#end\n"
           "\n"
           "#end\n"
           "},\n"
           "\"context\" : {\n"
           "    \"source-ip\" : \"$context.identity.sourceIp\",\n"
           "    \"request-id\" : \"$context.requestId\"\n"
           "    }\n"
           "}\n", "{\"a\": 1}", want);

    EXPECT("{\n"
           "  \"headers\": {\n"
           "    #foreach($param in $input.params().header.keySet())\n"
           "    \"$param\": "
           "\"$util.escapeJavaScript($input.params().header.get($param))\""
           "#if($foreach.hasNext),#end\n"
           "\n"
           "    #end\n"
           "  }\n"
           "}", NULL,
           "{\n"
           "  \"headers\": {\n"
           "    \"Content-Type\": \"application\\/json\",\n"
           "\n"
           "    \"X-Forwarded-For\": \"1.2.3.4\",\n"
           "\n"
           "    \"x-quote\": \"say \\\"hi\\\"\"\n"
           "\n"
           "  }\n"
           "}");

    /* the Step Functions template AWS CDK ships, in part */
    EXPECT("#set($inputString = '')\n"
           "#set($allParams = $input.params())\n"
           "#if($allParams.path && $allParams.path.keySet().size() > 0)\n"
           "  #set($inputString = \"$inputString, @@path@@: {\")\n"
           "  #foreach($paramName in $allParams.path.keySet())\n"
           "    #set($inputString = \"$inputString @@$paramName@@: "
           "@@$util.escapeJavaScript($allParams.path.get($paramName))@@\")\n"
           "    #if($foreach.hasNext)\n"
           "      #set($inputString = \"$inputString,\")\n"
           "    #end\n"
           "  #end\n"
           "  #set($inputString = \"$inputString }\")\n"
           "#end\n"
           "#if($input.body != {})\n"
           "  #set($inputString = \"$inputString, @@body@@: $input.body\")\n"
           "#end\n"
           "#set($inputString = $inputString.replaceAll(\"@@\", '\"'))\n"
           "{\"input\": \"{$util.escapeJavaScript($inputString.substring(1, "
           "$inputString.length()))}\", \"name\": \"$context.requestId\"}\n",
           "{\"x\":1}",
           "{\"input\": \"{ \\\"path\\\": { \\\"id\\\": \\\"42\\\", "
           "\\\"name\\\": \\\"a b\\\" }, \\\"body\\\": {\\\"x\\\":1}}\", "
           "\"name\": \"req-1\"}\n");
}


static void
test_lazy_json(void)
{
    char               *out;
    size_t              len;
    json_t             *given;
    apigw_vtl_t        *tpl;
    apigw_vtl_input_t   in;

    NOTE("the body is parsed once, on first use, and left in in->json");

    tpl = parse("$input.body");
    input_init(&in, "{\"a\":1}");
    out = apigw_vtl_render(tpl, &in, &len, errbuf, sizeof(errbuf));
    CHECK(out != NULL && in.json == NULL,
          "a template without $input.json() leaves the body unparsed");
    free(out);
    apigw_vtl_free(tpl);

    tpl = parse("$input.json('$.a')$input.path('$.a')");
    out = apigw_vtl_render(tpl, &in, &len, errbuf, sizeof(errbuf));
    CHECK(out != NULL && strcmp(out, "11") == 0 && in.json != NULL
          && json_is_object(in.json), "the parsed body is left in in->json");
    free(out);

    /* a second render reuses in->json: the body no longer matters */
    in.body = "{\"a\":2}";
    out = apigw_vtl_render(tpl, &in, &len, errbuf, sizeof(errbuf));
    CHECK(out != NULL && strcmp(out, "11") == 0,
          "in->json is used when it is set");
    free(out);
    json_decref(in.json);

    /* the caller's own tree */
    given = json_pack("{s:s}", "a", "given");
    in.json = given;
    out = apigw_vtl_render(tpl, &in, &len, errbuf, sizeof(errbuf));
    CHECK(out != NULL && strcmp(out, "\"given\"given") == 0
          && in.json == given, "a tree the caller parsed is used as is");
    free(out);
    json_decref(given);

    /* an invalid body: null, and in->json stays NULL */
    input_init(&in, "{\"a\":");
    out = apigw_vtl_render(tpl, &in, &len, errbuf, sizeof(errbuf));
    CHECK(out != NULL && len == 0 && in.json == NULL,
          "an invalid body selects nothing");
    free(out);
    apigw_vtl_free(tpl);
}


static void
test_speed(void)
{
    int                 i, n;
    char               *out;
    size_t              len;
    double              t;
    clock_t             start;
    apigw_vtl_t        *tpl;
    apigw_vtl_input_t   in;

    tpl = parse("{\"id\": \"$input.params('id')\", \"name\": "
                "$input.json('$.name'), \"ip\": "
                "\"$context.identity.sourceIp\", \"req\": "
                "\"$context.requestId\", \"env\": \"$stageVariables.env\"}");

    n = 20000;
    start = clock();

    for (i = 0; i < n; i++) {
        input_init(&in, "{\"name\":\"Ann\",\"age\":31}");
        out = apigw_vtl_render(tpl, &in, &len, errbuf, sizeof(errbuf));
        free(out);
        json_decref(in.json);
    }

    t = (double) (clock() - start) / CLOCKS_PER_SEC;
    NOTE("a small JSON template with a body parse: %.1f us per render "
         "(sanitizer build)", t * 1e6 / n);

    apigw_vtl_free(tpl);
}


int
main(void)
{
    test_jsonpath();
    test_jsonpath_limit();
    test_references();
    test_input();
    test_directives();
    test_whitespace();
    test_expressions();
    test_methods();
    test_util();
    test_parse_errors();
    test_limits();
    test_templates();
    test_lazy_json();
    test_speed();

    return unit_done();
}
