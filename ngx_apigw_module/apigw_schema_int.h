
/*
 * Copyright (C) apigw contributors
 */


#ifndef _APIGW_SCHEMA_INT_H_INCLUDED_
#define _APIGW_SCHEMA_INT_H_INCLUDED_


/*
 * Types shared by the schema compiler (apigw_schema.c,
 * apigw_schema_keywords.c, apigw_schema_ref.c), the validator
 * (apigw_schema_validate.c, apigw_schema_collections.c), the string
 * syntaxes (apigw_format.c) and patterns (apigw_schema_ecma.c,
 * apigw_schema_regex.c).  Not for use outside these files.
 */

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "apigw_schema.h"


typedef struct apigw_sch_node_s   apigw_sch_node_t;
typedef struct apigw_sch_uri_s    apigw_sch_uri_t;
typedef struct apigw_sch_doc_s    apigw_sch_doc_t;
typedef struct apigw_sch_dyn_s    apigw_sch_dyn_t;
typedef struct apigw_sch_block_s  apigw_sch_block_t;


/* type keyword bits */
#define APIGW_SCH_T_NULL        0x01
#define APIGW_SCH_T_BOOLEAN     0x02
#define APIGW_SCH_T_OBJECT      0x04
#define APIGW_SCH_T_ARRAY       0x08
#define APIGW_SCH_T_NUMBER      0x10
#define APIGW_SCH_T_STRING      0x20
#define APIGW_SCH_T_INTEGER     0x40


/* one check per keyword (or keyword group), run in this order */
typedef enum {
    APIGW_SCH_FALSE = 0,
    APIGW_SCH_TYPE,
    APIGW_SCH_ENUM,
    APIGW_SCH_CONST,
    APIGW_SCH_MULTIPLE_OF,
    APIGW_SCH_MAXIMUM,
    APIGW_SCH_MINIMUM,
    APIGW_SCH_MAX_LENGTH,
    APIGW_SCH_MIN_LENGTH,
    APIGW_SCH_PATTERN,
    APIGW_SCH_FORMAT,
    APIGW_SCH_ITEMS,
    APIGW_SCH_CONTAINS,
    APIGW_SCH_MAX_ITEMS,
    APIGW_SCH_MIN_ITEMS,
    APIGW_SCH_UNIQUE_ITEMS,
    APIGW_SCH_MAX_PROPERTIES,
    APIGW_SCH_MIN_PROPERTIES,
    APIGW_SCH_REQUIRED,
    APIGW_SCH_PROPERTIES,
    APIGW_SCH_DEP_REQUIRED,
    APIGW_SCH_DEP_SCHEMAS,
    APIGW_SCH_PROPERTY_NAMES,
    APIGW_SCH_REF,
    APIGW_SCH_DYNAMIC_REF,
    APIGW_SCH_ALL_OF,
    APIGW_SCH_ANY_OF,
    APIGW_SCH_ONE_OF,
    APIGW_SCH_NOT,
    APIGW_SCH_IF,
    APIGW_SCH_UNEVALUATED_ITEMS,
    APIGW_SCH_UNEVALUATED_PROPERTIES
} apigw_sch_kind_e;


/* a number from the schema: exact when it is an integer */
typedef struct {
    double                  d;
    json_int_t              i;
    unsigned                is_int:1;
} apigw_sch_num_t;

/* a pattern that is a sequence of ASCII sets (apigw_schema_regex.c) */
typedef struct {
    uint64_t                set[2];
    uint16_t                min;
    uint16_t                max;
} apigw_sch_re_term_t;

typedef struct {
    unsigned                n;
    apigw_sch_re_term_t     terms[];
} apigw_sch_simple_re_t;

/*
 * a compiled pattern; code NULL: one that could not be compiled, noted as
 * a warning, which matches every property name (patternProperties) and
 * whose schema is not applied
 */
typedef struct {
    pcre2_code             *code;
    const char             *src;
    apigw_sch_simple_re_t  *simple;     /* NULL: PCRE2 matches it */
    size_t                  limit;      /* apigw_ecma_t's: longer strings */
                                        /* fail, 0: none */
    unsigned                jit:1;      /* pcre2_jit_match() can run it */
} apigw_sch_re_t;

/* a property name and its subschema; also dependentSchemas entries */
typedef struct {
    const char             *name;       /* NULL: an empty hash slot */
    size_t                  len;
    uint32_t                hash;
    apigw_sch_node_t       *node;
    uint8_t                 rank;       /* its place in declaration order */
    unsigned                plain:1;    /* the same text quoted in JSON */
} apigw_sch_prop_t;

typedef struct {
    const char            **names;
    size_t                 *lens;
    size_t                  n;
} apigw_sch_names_t;

/* properties + patternProperties + additionalProperties, in one pass */
typedef struct {
    apigw_sch_prop_t       *table;      /* open addressing by name */
    size_t                  size;       /* power of two, or 0 */
    /* slots in declaration order, the order bodies usually follow */
    uint8_t                *order;      /* NULL past APIGW_SCH_PROPS_SLOTS */
    size_t                  nprops;
    apigw_sch_re_t         *patterns;
    apigw_sch_node_t      **pattern_nodes;
    size_t                  npatterns;
    apigw_sch_node_t       *additional;

    /* the node's required, checked here: its names' slots in table */
    const char             *required_kw;
    apigw_sch_names_t       required;
    uint8_t                *required_slots;
} apigw_sch_props_t;

/* table slots below this are numbered in a uint8_t */
#define APIGW_SCH_PROPS_SLOTS   128
/* objects up to this size have their keys looked up once */
#define APIGW_SCH_PROPS_KEYS    32

/* dependentRequired / draft 4 dependencies with an array */
typedef struct {
    const char             *name;
    size_t                  len;
    apigw_sch_names_t       required;
} apigw_sch_dep_t;

typedef struct {
    apigw_sch_kind_e        kind;
    const char             *keyword;
    unsigned                exclusive:1;    /* maximum, minimum */
    unsigned                explicit_min:1; /* contains: minContains set */

    union {
        unsigned            types;
        apigw_sch_num_t     num;
        size_t              count;
        apigw_sch_re_t      re;
        int                 format;

        struct {
            const json_t   *value;          /* const: the value; enum: array */
            uint64_t       *hashes;
            size_t          n;
            apigw_sch_names_t  strings;     /* the string ones, to compare */
        } values;

        struct {
            apigw_sch_node_t  **nodes;      /* allOf..., prefixItems */
            size_t              n;
            apigw_sch_node_t   *rest;       /* items after the prefix */
            const char         *rest_keyword;
        } list;

        struct {
            apigw_sch_node_t   *node;
            size_t              min;
            size_t              max;        /* (size_t) -1: none */
        } contains;

        apigw_sch_names_t   required;
        apigw_sch_props_t  *props;

        struct {
            apigw_sch_dep_t    *deps;
            size_t              n;
        } depreq;

        struct {
            apigw_sch_prop_t   *deps;
            size_t              n;
        } depsch;

        apigw_sch_node_t   *node;           /* not, $ref, propertyNames, */
                                            /* unevaluated* */
        struct {
            apigw_sch_node_t   *node;       /* the static target */
            apigw_sch_dyn_t    *dyn;        /* NULL: behaves as $ref */
        } dynref;

        struct {
            apigw_sch_node_t   *cond;
            apigw_sch_node_t   *then;       /* NULL: absent */
            apigw_sch_node_t   *otherwise;
        } cond;
    } u;
} apigw_sch_check_t;


/* a compiled schema object or boolean */
struct apigw_sch_node_s {
    apigw_sch_check_t      *checks;
    unsigned                nchecks;
    unsigned                is_false:1;
    unsigned                uneval:1;       /* collects annotations */
    unsigned                composite:1;    /* applies subschemas to the */
                                            /* value itself (not $ref) */
    unsigned                counts:1;       /* min/max items/properties */
    unsigned                unique:1;       /* uniqueItems, walked */

    /*
     * for apigw_schema_text.c, by instance type (0 object, 1 array): the
     * check that walks the members or items, APIGW_SCH_WALK_NONE, or
     * APIGW_SCH_WALK_TREE when the value needs the tree validator
     */
    int                     walk[2];
    unsigned                flags;          /* memo key with json */
    unsigned                gen;            /* the compile call */
    unsigned                mark;           /* cycle check: gen stamps */
    unsigned                done;
    size_t                  work;           /* its work item, this gen */
    const json_t           *json;
    apigw_sch_uri_t        *res;            /* schema resource, 2020-12 */
};


/*
 * an absolute URI known to the set: a schema resource ("http://x/a.json",
 * json is its root, NULL for a base URI with no known root) or an anchor
 * ("http://x/a.json#name", res is the resource it belongs to)
 */
struct apigw_sch_uri_s {
    char                   *key;
    uint32_t                hash;
    json_t                 *json;
    apigw_sch_doc_t        *doc;
    char                   *pointer;        /* of json in doc */
    apigw_sch_uri_t        *res;            /* the base inside json */
    const char             *name;           /* $dynamicAnchor */
    unsigned                dynamic:1;
    apigw_sch_uri_t        *next_dynamic;
};

struct apigw_sch_doc_s {
    char                   *uri;
    json_t                 *root;
    apigw_sch_doc_t        *next;
};

/* the resources that define one $dynamicAnchor name, for one flags */
struct apigw_sch_dyn_s {
    const char             *name;
    unsigned                flags;
    apigw_sch_uri_t       **res;
    apigw_sch_node_t      **nodes;
    size_t                  n;
    size_t                  cap;
    size_t                  committed;
    apigw_sch_dyn_t        *next;
};

struct apigw_schema_s {
    apigw_schema_set_t     *set;
    apigw_sch_node_t       *root;
};

struct apigw_schema_set_s {
    apigw_dialect_e         dialect;
    apigw_schema_resolve_pt resolve;
    void                   *data;

    apigw_sch_block_t      *blocks;         /* everything compiled */
    apigw_sch_doc_t        *docs;

    apigw_sch_uri_t       **uris;           /* open addressing */
    size_t                  uris_size;
    size_t                  nuris;

    apigw_sch_node_t      **nodes;          /* memo: (json, flags) */
    size_t                  nodes_size;
    size_t                  nnodes;

    apigw_sch_uri_t        *dynamic_anchors;
    apigw_sch_dyn_t        *dyns;

    pcre2_code            **regexes;
    size_t                  nregexes;
    size_t                  regexes_cap;
    pcre2_match_data       *match_data;
    pcre2_match_context    *match_ctx;

    /* where a pattern that cannot be compiled goes; NULL: an error */
    apigw_warnings_t       *warnings;
    apigw_schema_locate_pt  locate;

    unsigned                gen;
    unsigned                has_dynamic:1;
};


/* limits */
#define APIGW_SCH_MAX_SCOPE     256     /* resources in the dynamic scope */
#define APIGW_SCH_MAX_PATH      128     /* instance path segments kept */
#define APIGW_SCH_MATCH_LIMIT   10000000
#define APIGW_SCH_MAX_CHECKS    40      /* checks of one schema object */
#define APIGW_SCH_PTR_LEN       1024    /* JSON pointers while compiling */
#define APIGW_SCH_EQ_DEPTH      1024    /* JSON equality and hashing */


/* compiling: a node to compile, a $ref's target, one compile call */
typedef struct {
    apigw_sch_node_t       *node;
    json_t                 *json;
    apigw_sch_uri_t        *res;            /* the base URI inside json */
    apigw_sch_doc_t        *doc;
    char                   *pointer;        /* malloc()ed */
} apigw_sch_work_t;

typedef struct {
    json_t                 *json;
    apigw_sch_uri_t        *res;
    apigw_sch_doc_t        *doc;
    char                    pointer[APIGW_SCH_PTR_LEN];
} apigw_sch_target_t;

typedef struct {
    apigw_schema_set_t     *set;
    apigw_error_t          *err;
    unsigned                flags;
    unsigned                d4:1;
    unsigned                oas:1;
    unsigned                failed:1;
    unsigned                probing:1;      /* errors are not reported */
    apigw_sch_work_t       *work;           /* every item of this call */
    size_t                  nwork;
    size_t                  cap;
    apigw_sch_work_t        cur;            /* the node being compiled */
    apigw_sch_check_t       checks[APIGW_SCH_MAX_CHECKS];
    unsigned                nchecks;
    char                    ptr[APIGW_SCH_PTR_LEN];
} apigw_sch_cctx_t;


/* validating: the evaluated items or keys of one instance, by index */
#define APIGW_SCH_EV_WORDS      4

typedef struct {
    uint64_t               *bits;
    size_t                  n;
    uint64_t                buf[APIGW_SCH_EV_WORDS];
} apigw_sch_ev_t;

#define apigw_sch_ev_set(ev, i)                                               \
    ((ev)->bits[(i) >> 6] |= (uint64_t) 1 << ((i) & 63))
#define apigw_sch_ev_get(ev, i)                                               \
    ((ev)->bits[(i) >> 6] & ((uint64_t) 1 << ((i) & 63)))

/*
 * a scalar of the instance, from a jansson value or straight from the
 * body's text; s is UTF-8 without NUL
 */
typedef struct {
    json_type               type;       /* JSON_STRING ... JSON_NULL */
    const char             *s;
    size_t                  len;
    json_int_t              i;
    double                  d;
} apigw_sch_scalar_t;

/* an instance path segment: a key, or an index when key is NULL */
typedef struct {
    const char             *key;
    size_t                  len;
} apigw_sch_seg_t;

typedef struct {
    const apigw_schema_set_t  *set;
    apigw_schema_errors_t     *errors;
    unsigned                   record:1;
    unsigned                   d4:1;
    unsigned                   aborted:1;
    unsigned                   sized:1;
    unsigned                   quiet;
    unsigned                   depth;
    size_t                     steps;
    size_t                     budget;
    const json_t              *instance;
    const char                *abort_msg;
    size_t                     npath;
    size_t                     nscope;
    apigw_sch_seg_t            path[APIGW_SCH_MAX_PATH];
    apigw_sch_uri_t           *scope[APIGW_SCH_MAX_SCOPE];
} apigw_sch_vctx_t;


/* apigw_schema.c */
void *apigw_sch_alloc(apigw_schema_set_t *set, size_t size);
char *apigw_sch_strndup(apigw_schema_set_t *set, const char *s, size_t len);
int apigw_sch_fail(apigw_sch_cctx_t *cc, apigw_sch_doc_t *doc,
    const char *pointer, const char *kw, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 5, 6)))
#endif
    ;
/* an error at a keyword of the schema being compiled */
int apigw_sch_kw_fail(apigw_sch_cctx_t *cc, const char *kw,
    const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void apigw_sch_ptr_add(char *buf, size_t size, const char *tok, size_t tlen);
void apigw_sch_child_ptr(apigw_sch_cctx_t *cc, const char *kw,
    const char *key, size_t klen, long idx);
apigw_sch_node_t *apigw_sch_node_get(apigw_sch_cctx_t *cc, json_t *json,
    apigw_sch_uri_t *res, apigw_sch_doc_t *doc, const char *pointer);
apigw_sch_node_t *apigw_sch_sub(apigw_sch_cctx_t *cc, json_t *json,
    const char *kw, const char *key, size_t klen, long idx);
apigw_sch_check_t *apigw_sch_add(apigw_sch_cctx_t *cc, apigw_sch_kind_e kind,
    const char *kw);
apigw_sch_dyn_t *apigw_sch_dyn_get(apigw_sch_cctx_t *cc, const char *name);

/* apigw_schema_keywords.c */
int apigw_sch_compile_node(apigw_sch_cctx_t *cc);

/* apigw_schema_ref.c */
apigw_sch_doc_t *apigw_sch_doc_add(apigw_sch_cctx_t *cc, const char *uri,
    json_t *root);
apigw_sch_uri_t *apigw_sch_base(apigw_sch_cctx_t *cc, json_t *json,
    apigw_sch_uri_t *outer);
apigw_sch_uri_t *apigw_sch_uri_find(apigw_schema_set_t *set,
    const char *key);
apigw_sch_uri_t *apigw_sch_uri_get(apigw_schema_set_t *set,
    const char *key);
json_t *apigw_sch_walk(apigw_sch_cctx_t *cc, json_t *json,
    apigw_sch_uri_t **res, const char *pointer);
int apigw_sch_resolve(apigw_sch_cctx_t *cc, apigw_sch_uri_t *base,
    const char *ref, apigw_sch_target_t *t, const char *kw);

/* apigw_schema_text.c */
#define APIGW_SCH_WALK_NONE     -1
#define APIGW_SCH_WALK_TREE     -2

void apigw_sch_text_plan(apigw_sch_node_t *node);

/* apigw_schema_collections.c */
const apigw_sch_prop_t *apigw_sch_prop_find(const apigw_sch_props_t *props,
    const char *key, size_t klen, size_t *slot);

/* apigw_schema_regex.c */
apigw_sch_simple_re_t *apigw_sch_simple_re(apigw_schema_set_t *set,
    const char *src, size_t len);
int apigw_sch_simple_match(const apigw_sch_simple_re_t *re, const char *s,
    size_t len);

/* apigw_schema_validate.c */
extern const char  *apigw_sch_types[7];      /* by type bit */

int apigw_sch_eval(apigw_sch_vctx_t *vc, const apigw_sch_node_t *node,
    const json_t *inst, apigw_sch_ev_t *ev);
int apigw_sch_abort(apigw_sch_vctx_t *vc, const char *msg);
int apigw_sch_stop(apigw_sch_vctx_t *vc);
void apigw_sch_error(apigw_sch_vctx_t *vc, const char *kw,
    const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;
int apigw_sch_child(apigw_sch_vctx_t *vc, const apigw_sch_node_t *node,
    const json_t *value, const char *key, size_t len);
int apigw_sch_ev_init(apigw_sch_vctx_t *vc, apigw_sch_ev_t *ev, size_t n);
void apigw_sch_ev_free(apigw_sch_ev_t *ev);
void apigw_sch_ev_or(apigw_sch_ev_t *dst, const apigw_sch_ev_t *src);
int apigw_sch_match(const apigw_sch_vctx_t *vc, const apigw_sch_re_t *re,
    const char *s, size_t len);
void apigw_sch_scalar_of(const json_t *v, apigw_sch_scalar_t *sv);
/* the checks a scalar meets without another node: type ... format */
int apigw_sch_scalar_check(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const apigw_sch_scalar_t *sv);

/* apigw_schema_collections.c */
int apigw_sch_items(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const json_t *inst, apigw_sch_ev_t *ev);
int apigw_sch_contains(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const json_t *inst, apigw_sch_ev_t *ev);
int apigw_sch_unique(apigw_sch_vctx_t *vc, const json_t *inst);
int apigw_sch_properties(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const json_t *inst, apigw_sch_ev_t *ev);
int apigw_sch_dependencies(apigw_sch_vctx_t *vc,
    const apigw_sch_check_t *c, const json_t *inst, apigw_sch_ev_t *ev);
int apigw_sch_property_names(apigw_sch_vctx_t *vc,
    const apigw_sch_check_t *c, const json_t *inst);
int apigw_sch_unevaluated(apigw_sch_vctx_t *vc, const apigw_sch_check_t *c,
    const json_t *inst, apigw_sch_ev_t *ev);
uint32_t apigw_sch_name_hash(const char *p, size_t len);
/* JSON equality (1 == 1.0) and a hash that agrees with it */
uint64_t apigw_sch_json_hash(const json_t *v);
int apigw_sch_json_equal(const json_t *a, const json_t *b);
uint64_t apigw_sch_scalar_hash(const apigw_sch_scalar_t *sv);
int apigw_sch_scalar_equal(const json_t *a, const apigw_sch_scalar_t *sv);


/* apigw_format.c: formats */
typedef enum {
    APIGW_FMT_NONE = 0,
    APIGW_FMT_DATE,
    APIGW_FMT_DATE_TIME,
    APIGW_FMT_TIME,
    APIGW_FMT_EMAIL,
    APIGW_FMT_HOSTNAME,
    APIGW_FMT_IPV4,
    APIGW_FMT_IPV6,
    APIGW_FMT_URI,
    APIGW_FMT_UUID,
    APIGW_FMT_INT32,
    APIGW_FMT_INT64,
    APIGW_FMT_FLOAT,
    APIGW_FMT_DOUBLE,
    APIGW_FMT_BYTE
} apigw_format_e;

int apigw_format_lookup(const char *name);
const char *apigw_format_name(int format);
int apigw_format_check(int format, const apigw_sch_scalar_t *sv);

/* apigw_format.c: RFC 3986 reference resolution, malloc()ed result */
char *apigw_uri_resolve(const char *base, const char *ref);
/* %XX decoded in place; -1 on a bad escape or a decoded NUL */
int apigw_uri_unescape(char *s);


/* apigw_schema_ecma.c: ECMA-262 patterns as PCRE2 patterns */
#define APIGW_ECMA_PCRE2                                                      \
    (PCRE2_UTF | PCRE2_DOLLAR_ENDONLY | PCRE2_MATCH_UNSET_BACKREF             \
     | PCRE2_NEVER_BACKSLASH_C | PCRE2_NEVER_UCP)

typedef struct {
    char                   *pattern;    /* malloc()ed, NUL-terminated */
    size_t                  len;
    uint32_t               *map;        /* source offset of each byte */
    /* exact for strings of fewer code points than this; 0: any */
    size_t                  limit;
    const char             *error;      /* NULL: translated, or no memory */
    size_t                  offset;     /* of the error, in the source */
} apigw_ecma_t;

/* 0, or -1 with error and offset (error NULL: out of memory) */
int apigw_ecma_translate(const char *src, size_t len, apigw_ecma_t *re);
void apigw_ecma_free(apigw_ecma_t *re);
/*
 * translated and compiled with APIGW_ECMA_PCRE2: 0 with *code; -1 with
 * msg "at offset N: what", N an offset in src; -2 out of memory
 */
int apigw_ecma_compile(const char *src, size_t len, pcre2_code **code,
    size_t *limit, char *msg, size_t size);


#endif /* _APIGW_SCHEMA_INT_H_INCLUDED_ */
