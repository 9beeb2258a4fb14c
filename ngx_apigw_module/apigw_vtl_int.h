
/*
 * Copyright (C) apigw contributors
 */


#ifndef _APIGW_VTL_INT_H_INCLUDED_
#define _APIGW_VTL_INT_H_INCLUDED_


/*
 * Mapping templates inside: the syntax tree apigw_vtl_parse.c builds, the
 * values apigw_vtl.c computes with, and the helpers apigw_vtl_value.c
 * gives both (buffers, value text, JSON, methods, $util).
 */

#include "apigw_vtl.h"


/* an arena: every node and string of a template, freed at once */
typedef struct apigw_vtl_chunk_s  apigw_vtl_chunk_t;

struct apigw_vtl_chunk_s {
    apigw_vtl_chunk_t      *next;
    size_t                  size;
    size_t                  used;
};


typedef enum {
    APIGW_VTL_TEXT = 0,
    APIGW_VTL_REF,                      /* $x in text */
    APIGW_VTL_SET,                      /* #set($x = ...) */
    APIGW_VTL_SET_CONTEXT,              /* #set($context.responseOverride.x) */
    APIGW_VTL_IF,
    APIGW_VTL_FOREACH,
    APIGW_VTL_BREAK,
    APIGW_VTL_STOP
} apigw_vtl_node_kind_e;

typedef enum {
    APIGW_VTL_E_STR = 0,                /* 'text', "text" without $ */
    APIGW_VTL_E_INTERP,                 /* "text with $x" */
    APIGW_VTL_E_INT,
    APIGW_VTL_E_REAL,
    APIGW_VTL_E_BOOL,
    APIGW_VTL_E_NULL,
    APIGW_VTL_E_LIST,                   /* [a, b] */
    APIGW_VTL_E_RANGE,                  /* [a..b] */
    APIGW_VTL_E_MAP,                    /* {k: v} */
    APIGW_VTL_E_NOT,
    APIGW_VTL_E_NEG,
    APIGW_VTL_E_AND,
    APIGW_VTL_E_OR,
    APIGW_VTL_E_BINARY,                 /* arithmetic and comparison */
    APIGW_VTL_E_CHAIN,                  /* base.prop.method(...)[i] */
    APIGW_VTL_E_VAR,
    APIGW_VTL_E_INPUT_BODY,
    APIGW_VTL_E_INPUT_JSON,
    APIGW_VTL_E_INPUT_PATH,
    APIGW_VTL_E_INPUT_PARAMS,           /* $input.params() */
    APIGW_VTL_E_INPUT_PARAM,            /* $input.params('x') */
    APIGW_VTL_E_UTIL,
    APIGW_VTL_E_CONTEXT,
    APIGW_VTL_E_STAGE,
    APIGW_VTL_E_FOREACH,                /* $foreach.hasNext... */
    APIGW_VTL_E_ROOT                    /* $input, $util... alone: null */
} apigw_vtl_expr_kind_e;

typedef enum {
    APIGW_VTL_OP_ADD = 0,
    APIGW_VTL_OP_SUB,
    APIGW_VTL_OP_MUL,
    APIGW_VTL_OP_DIV,
    APIGW_VTL_OP_MOD,
    APIGW_VTL_OP_EQ,
    APIGW_VTL_OP_NE,
    APIGW_VTL_OP_LT,
    APIGW_VTL_OP_LE,
    APIGW_VTL_OP_GT,
    APIGW_VTL_OP_GE
} apigw_vtl_op_e;

typedef enum {
    APIGW_VTL_UTIL_ESCAPE_JS = 0,
    APIGW_VTL_UTIL_URL_ENCODE,
    APIGW_VTL_UTIL_URL_DECODE,
    APIGW_VTL_UTIL_BASE64_ENCODE,
    APIGW_VTL_UTIL_BASE64_DECODE,
    APIGW_VTL_UTIL_PARSE_JSON,
    APIGW_VTL_UTIL_TO_JSON
} apigw_vtl_util_e;

typedef enum {
    APIGW_VTL_LOOP_HAS_NEXT = 0,
    APIGW_VTL_LOOP_INDEX,               /* from 0 */
    APIGW_VTL_LOOP_COUNT,               /* from 1, also $velocityCount */
    APIGW_VTL_LOOP_FIRST,
    APIGW_VTL_LOOP_LAST
} apigw_vtl_loop_prop_e;

typedef enum {
    APIGW_VTL_M_SIZE = 0,
    APIGW_VTL_M_LENGTH,
    APIGW_VTL_M_IS_EMPTY,
    APIGW_VTL_M_GET,
    APIGW_VTL_M_KEY_SET,
    APIGW_VTL_M_VALUES,
    APIGW_VTL_M_ENTRY_SET,
    APIGW_VTL_M_CONTAINS,
    APIGW_VTL_M_CONTAINS_KEY,
    APIGW_VTL_M_CONTAINS_VALUE,
    APIGW_VTL_M_TO_STRING,
    APIGW_VTL_M_TO_LOWER,
    APIGW_VTL_M_TO_UPPER,
    APIGW_VTL_M_TRIM,
    APIGW_VTL_M_SUBSTRING,
    APIGW_VTL_M_CHAR_AT,
    APIGW_VTL_M_REPLACE,
    APIGW_VTL_M_REPLACE_ALL,
    APIGW_VTL_M_REPLACE_FIRST,
    APIGW_VTL_M_MATCHES,
    APIGW_VTL_M_SPLIT,
    APIGW_VTL_M_STARTS_WITH,
    APIGW_VTL_M_ENDS_WITH,
    APIGW_VTL_M_INDEX_OF,
    APIGW_VTL_M_LAST_INDEX_OF,
    APIGW_VTL_M_EQUALS,
    APIGW_VTL_M_EQUALS_IGNORE_CASE,
    APIGW_VTL_M_CONCAT,
    APIGW_VTL_M_COUNT
} apigw_vtl_method_e;

typedef struct {
    const char             *name;
    unsigned                min;        /* arguments */
    unsigned                max;
    unsigned                regex:1;    /* the first argument is a regex */
} apigw_vtl_method_t;

extern const apigw_vtl_method_t  apigw_vtl_methods[APIGW_VTL_M_COUNT];


typedef struct apigw_vtl_node_s    apigw_vtl_node_t;
typedef struct apigw_vtl_expr_s    apigw_vtl_expr_t;
typedef struct apigw_vtl_branch_s  apigw_vtl_branch_t;

typedef enum {
    APIGW_VTL_ACC_PROP = 0,             /* .name: a map's member */
    APIGW_VTL_ACC_METHOD,               /* .name(args) */
    APIGW_VTL_ACC_INDEX                 /* [expr] */
} apigw_vtl_acc_kind_e;

typedef struct {
    apigw_vtl_acc_kind_e    kind;
    apigw_vtl_method_e      method;
    const char             *name;       /* property */
    size_t                  len;
    apigw_vtl_expr_t      **args;       /* method arguments, index */
    unsigned                nargs;
    void                   *regex;      /* a literal regex, compiled */
} apigw_vtl_acc_t;

struct apigw_vtl_expr_s {
    apigw_vtl_expr_kind_e   kind;
    unsigned                line;
    union {
        struct {
            const char     *data;
            size_t          len;
        } str;                          /* E_STR, E_CONTEXT, E_STAGE */
        int64_t             i;          /* E_INT, E_BOOL, E_FOREACH prop */
        double              r;
        unsigned            var;        /* E_VAR: the slot */
        apigw_vtl_node_t   *interp;     /* E_INTERP */
        struct {
            apigw_vtl_expr_t  **items;  /* E_LIST; E_MAP: k0, v0, k1... */
            size_t              n;
        } list;
        struct {
            apigw_vtl_op_e      op;
            apigw_vtl_expr_t   *left;   /* and E_NOT, E_NEG, E_RANGE */
            apigw_vtl_expr_t   *right;
        } bin;
        struct {
            apigw_vtl_expr_t   *base;
            apigw_vtl_acc_t    *acc;
            size_t              n;
        } chain;
        struct {
            apigw_vtl_expr_t   *arg;    /* E_INPUT_*, E_UTIL: first arg */
            apigw_vtl_expr_t   *arg2;
            apigw_jsonpath_t   *path;   /* a literal JSONPath, compiled */
            apigw_vtl_util_e    util;
        } call;
    } u;
};

struct apigw_vtl_branch_s {
    apigw_vtl_expr_t       *cond;       /* NULL: #else */
    apigw_vtl_node_t       *body;
    apigw_vtl_branch_t     *next;
};

struct apigw_vtl_node_s {
    apigw_vtl_node_kind_e   kind;
    unsigned                line;
    apigw_vtl_node_t       *next;
    union {
        struct {
            const char     *data;
            size_t          len;
        } text;
        apigw_vtl_expr_t   *expr;       /* REF */
        struct {
            unsigned            var;
            apigw_vtl_expr_t   *expr;
            const char         *name;   /* SET_CONTEXT */
            size_t              len;
        } set;
        apigw_vtl_branch_t *branches;   /* IF */
        struct {
            unsigned            var;
            apigw_vtl_expr_t   *expr;
            apigw_vtl_node_t   *body;
        } loop;
    } u;
};

/* compiled things an arena cannot free: JSONPaths and regexes */
typedef struct apigw_vtl_res_s  apigw_vtl_res_t;

struct apigw_vtl_res_s {
    apigw_vtl_res_t        *next;
    apigw_jsonpath_t       *path;
    void                   *regex;
};

struct apigw_vtl_s {
    apigw_vtl_chunk_t      *arena;
    apigw_vtl_node_t       *body;
    unsigned                nvars;
    size_t                  text_len;   /* literal text: the first guess
                                           of the output size */
    apigw_vtl_res_t        *res;
};


void *apigw_vtl_alloc(apigw_vtl_t *tpl, size_t size);


/* values */
typedef enum {
    APIGW_VTL_V_NULL = 0,               /* null and undefined */
    APIGW_VTL_V_BOOL,
    APIGW_VTL_V_INT,
    APIGW_VTL_V_REAL,
    APIGW_VTL_V_STR,
    APIGW_VTL_V_JSON,                   /* a jansson array or object */
    APIGW_VTL_V_LIST,
    APIGW_VTL_V_MAP
} apigw_vtl_type_e;

/* a reference-counted block: a string buffer, a list or a map */
typedef struct {
    unsigned                refs;
    unsigned                kind;       /* apigw_vtl_type_e */
    unsigned                depth;      /* lists and maps: nesting */
    unsigned                caseless:1; /* maps: header names */
} apigw_vtl_rc_t;

typedef struct apigw_vtl_list_s  apigw_vtl_list_t;
typedef struct apigw_vtl_map_s   apigw_vtl_map_t;

typedef struct {
    apigw_vtl_type_e        type;
    union {
        int64_t             i;          /* V_INT, V_BOOL */
        double              r;
        struct {
            const char     *data;
            size_t          len;
        } s;
        json_t             *json;
        apigw_vtl_list_t   *list;
        apigw_vtl_map_t    *map;
    } u;
    json_t                 *jref;       /* held: V_JSON, or a string's
                                           owner */
    apigw_vtl_rc_t         *ref;        /* held: list, map, string buffer */
} apigw_vtl_val_t;

struct apigw_vtl_list_s {
    apigw_vtl_rc_t          rc;
    size_t                  n;
    apigw_vtl_val_t        *items;
};

struct apigw_vtl_map_s {
    apigw_vtl_rc_t          rc;
    size_t                  n;
    apigw_vtl_val_t        *keys;       /* strings */
    apigw_vtl_val_t        *vals;
};

typedef struct {
    apigw_vtl_rc_t          rc;
    size_t                  len;
    char                    data[1];
} apigw_vtl_str_t;


/* a growing buffer under the output cap */
typedef struct {
    char                   *data;
    size_t                  len;
    size_t                  cap;
} apigw_vtl_buf_t;


/* the innermost #foreach */
typedef struct apigw_vtl_loop_s  apigw_vtl_loop_t;

struct apigw_vtl_loop_s {
    apigw_vtl_loop_t       *parent;
    size_t                  index;
    unsigned                has_next:1;
};

typedef struct {
    const apigw_vtl_t      *tpl;
    apigw_vtl_input_t      *in;
    apigw_vtl_buf_t        *out;
    apigw_vtl_val_t        *vars;
    apigw_vtl_loop_t       *loop;
    apigw_vtl_val_t         params;     /* $input.params(), built once */
    size_t                  steps;
    size_t                  bytes;      /* processed by strings and JSON */
    unsigned                line;       /* of the node being rendered */
    void                   *match_ctx;  /* regex limits, made on first use */
    unsigned                json_failed:1;
    unsigned                has_params:1;
    char                   *errbuf;
    size_t                  errlen;
} apigw_vtl_ctx_t;

#define APIGW_VTL_MAX_BYTES     (256 * 1024 * 1024)
#define APIGW_VTL_MAX_NEST      64      /* lists and maps made by #set */
#define APIGW_VTL_MAX_JSON_DEPTH 4096   /* JSON written out */

/* regexes: PCRE2 with Java's flavour where it matters */
#define APIGW_VTL_MATCH_LIMIT   1000000


int apigw_vtl_error(apigw_vtl_ctx_t *ctx, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;
int apigw_vtl_charge(apigw_vtl_ctx_t *ctx, size_t bytes);

int apigw_vtl_buf_add(apigw_vtl_ctx_t *ctx, apigw_vtl_buf_t *buf,
    const char *data, size_t len);
int apigw_vtl_buf_reserve(apigw_vtl_ctx_t *ctx, apigw_vtl_buf_t *buf,
    size_t len);

void apigw_vtl_val_release(apigw_vtl_val_t *v);
void apigw_vtl_val_copy(apigw_vtl_val_t *dst, const apigw_vtl_val_t *src);
void apigw_vtl_val_from_json(apigw_vtl_val_t *v, json_t *json);
int apigw_vtl_val_string(apigw_vtl_ctx_t *ctx, apigw_vtl_val_t *v,
    const char *data, size_t len);
int apigw_vtl_val_take_buf(apigw_vtl_ctx_t *ctx, apigw_vtl_val_t *v,
    apigw_vtl_buf_t *buf);
apigw_vtl_list_t *apigw_vtl_list_new(apigw_vtl_ctx_t *ctx, size_t n,
    apigw_vtl_val_t *v);
apigw_vtl_map_t *apigw_vtl_map_new(apigw_vtl_ctx_t *ctx, size_t n,
    apigw_vtl_val_t *v);
int apigw_vtl_nest(apigw_vtl_ctx_t *ctx, apigw_vtl_rc_t *rc,
    const apigw_vtl_val_t *item);

int apigw_vtl_truthy(const apigw_vtl_val_t *v);
int apigw_vtl_write(apigw_vtl_ctx_t *ctx, apigw_vtl_buf_t *buf,
    const apigw_vtl_val_t *v);
int apigw_vtl_write_json(apigw_vtl_ctx_t *ctx, apigw_vtl_buf_t *buf,
    const apigw_vtl_val_t *v);
int apigw_vtl_write_json_node(apigw_vtl_ctx_t *ctx, apigw_vtl_buf_t *buf,
    json_t *json, unsigned depth);
int apigw_vtl_text(apigw_vtl_ctx_t *ctx, const apigw_vtl_val_t *v,
    const char **data, size_t *len, apigw_vtl_buf_t *tmp, char *small);
int apigw_vtl_equal(apigw_vtl_ctx_t *ctx, const apigw_vtl_val_t *a,
    const apigw_vtl_val_t *b);

size_t apigw_vtl_seq_len(const apigw_vtl_val_t *v);
void apigw_vtl_seq_get(const apigw_vtl_val_t *v, size_t i,
    apigw_vtl_val_t *out);
int apigw_vtl_casecmp(const char *a, const char *b, size_t n);
int apigw_vtl_map_find(const apigw_vtl_map_t *map, const char *key,
    size_t len);
int apigw_vtl_map_get(apigw_vtl_ctx_t *ctx, const apigw_vtl_val_t *map,
    const char *key, size_t len, apigw_vtl_val_t *out);
int apigw_vtl_map_values(apigw_vtl_ctx_t *ctx, const apigw_vtl_val_t *map,
    apigw_vtl_val_t *out);

int apigw_vtl_eval(apigw_vtl_ctx_t *ctx, const apigw_vtl_expr_t *e,
    apigw_vtl_val_t *out);
json_t *apigw_vtl_select(apigw_vtl_ctx_t *ctx, const apigw_vtl_expr_t *e);
int apigw_vtl_lookup(apigw_vtl_ctx_t *ctx, const apigw_vtl_expr_t *e,
    const char **value, size_t *len);
int apigw_vtl_param(apigw_vtl_ctx_t *ctx, const apigw_vtl_expr_t *e,
    const char **value, size_t *len);
int apigw_vtl_params(apigw_vtl_ctx_t *ctx, apigw_vtl_val_t *out);

int apigw_vtl_method(apigw_vtl_ctx_t *ctx, const apigw_vtl_acc_t *acc,
    apigw_vtl_val_t *self, apigw_vtl_val_t *args, apigw_vtl_val_t *out);
int apigw_vtl_util(apigw_vtl_ctx_t *ctx, apigw_vtl_util_e fn,
    apigw_vtl_val_t *arg, apigw_vtl_val_t *out);
int apigw_vtl_escape_js(apigw_vtl_ctx_t *ctx, apigw_vtl_buf_t *buf,
    const char *s, size_t len);

void *apigw_vtl_regex_compile(const char *src, size_t len, char *errbuf,
    size_t errlen);
void apigw_vtl_regex_free(void *re);
void apigw_vtl_match_ctx_free(void *mctx);


/* the parser, in apigw_vtl_parse.c and apigw_vtl_expr.c */

#define apigw_vtl_ident_start(c)                                              \
    (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z') || (c) == '_')

/* as in Velocity 1.7, a name may hold '-' after its first character */
#define apigw_vtl_ident_char(c)                                               \
    (apigw_vtl_ident_start(c) || ((c) >= '0' && (c) <= '9') || (c) == '-')

#define apigw_vtl_ws(c)                                                       \
    ((c) == ' ' || (c) == '\t' || (c) == '\r' || (c) == '\n')

typedef enum {
    APIGW_VTL_IT_TEXT = 0,
    APIGW_VTL_IT_NODE,                  /* a reference, #set, #break... */
    APIGW_VTL_IT_DIR,                   /* #if, #elseif, #else, #end... */
    APIGW_VTL_IT_COMMENT,               /* #* ... *# */
    APIGW_VTL_IT_EOL_COMMENT            /* ## ... and its newline */
} apigw_vtl_item_kind_e;

typedef enum {
    APIGW_VTL_D_IF = 0,
    APIGW_VTL_D_ELSEIF,
    APIGW_VTL_D_ELSE,
    APIGW_VTL_D_END,
    APIGW_VTL_D_FOREACH,
    APIGW_VTL_D_SET,
    APIGW_VTL_D_BREAK,
    APIGW_VTL_D_STOP
} apigw_vtl_dir_e;

typedef struct {
    apigw_vtl_item_kind_e   kind;
    apigw_vtl_dir_e         dir;
    unsigned                line;
    unsigned                removed:1;
    const char             *data;       /* text */
    size_t                  len;
    apigw_vtl_node_t       *node;       /* IT_NODE, #foreach */
    apigw_vtl_expr_t       *expr;       /* #if, #elseif */
} apigw_vtl_item_t;

typedef struct {
    apigw_vtl_item_t       *items;
    size_t                  n;
    size_t                  cap;
} apigw_vtl_items_t;

typedef struct {
    const char             *name;
    size_t                  len;
    unsigned                slot;
} apigw_vtl_name_t;

typedef struct {
    apigw_vtl_t            *tpl;
    const char             *src;
    const char             *p;
    const char             *end;        /* of the text being scanned */
    const char             *lpos;       /* a known line start... */
    unsigned                lline;      /* ...and its number */
    unsigned                depth;
    char                   *errbuf;
    size_t                  errlen;
    apigw_vtl_name_t       *names;      /* variables, open addressing */
    size_t                  nnames;
    size_t                  size;
} apigw_vtl_parser_t;

unsigned apigw_vtl_line(apigw_vtl_parser_t *ps, const char *pos);
void *apigw_vtl_perr(apigw_vtl_parser_t *ps, const char *pos,
    const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void *apigw_vtl_nomem(apigw_vtl_parser_t *ps);
const char *apigw_vtl_byte(char c, char *buf);
char *apigw_vtl_strdup(apigw_vtl_parser_t *ps, const char *s,
    size_t len);
int apigw_vtl_slot(apigw_vtl_parser_t *ps, const char *name,
    size_t len, unsigned *slot);
int apigw_vtl_scan(apigw_vtl_parser_t *ps, apigw_vtl_items_t *items,
    int dq);
int apigw_vtl_build_top(apigw_vtl_parser_t *ps,
    apigw_vtl_items_t *items, apigw_vtl_node_t **list);
void apigw_vtl_skip_ws(apigw_vtl_parser_t *ps);
int apigw_vtl_word(apigw_vtl_parser_t *ps, const char *word);
apigw_vtl_expr_t *apigw_vtl_parse_ref(apigw_vtl_parser_t *ps,
    int in_text);
apigw_vtl_expr_t *apigw_vtl_parse_expr(apigw_vtl_parser_t *ps);
apigw_vtl_expr_t *apigw_vtl_new_expr(apigw_vtl_parser_t *ps,
    apigw_vtl_expr_kind_e kind, const char *pos);

/* apigw_vtl_list.c */
int apigw_vtl_parse_args(apigw_vtl_parser_t *ps, apigw_vtl_expr_t ***args,
    unsigned *nargs);
apigw_vtl_expr_t *apigw_vtl_parse_list(apigw_vtl_parser_t *ps);
apigw_vtl_expr_t *apigw_vtl_parse_map(apigw_vtl_parser_t *ps);


#endif /* _APIGW_VTL_INT_H_INCLUDED_ */
