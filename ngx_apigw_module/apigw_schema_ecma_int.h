
/*
 * Copyright (C) apigw contributors
 */


#ifndef _APIGW_SCHEMA_ECMA_INT_H_INCLUDED_
#define _APIGW_SCHEMA_ECMA_INT_H_INCLUDED_


/*
 * The ECMA-262 to PCRE2 translation (apigw_ecma_translate()), in three
 * files: reading the pattern (apigw_schema_ecma.c), character sets and
 * Unicode properties (apigw_schema_ecma_sets.c), and writing PCRE2's
 * syntax, repeats included (apigw_schema_ecma_out.c).  Not for use
 * outside them.
 */

#include "apigw_schema_int.h"


#define APIGW_ECMA_MAX_COUNT    65535           /* PCRE2's largest {n} */
#define APIGW_ECMA_EXACT        (65535ULL * 64) /* see apigw_ecma_repeat() */
#define APIGW_ECMA_INF          ((uint64_t) -1)
#define APIGW_ECMA_NUM_MAX      ((uint64_t) 1 << 53)
#define APIGW_ECMA_MAX_DEPTH    250             /* PCRE2's nesting limit */
#define APIGW_ECMA_MAX_OUT      (1 << 20)
#define APIGW_ECMA_MAX_NAME     256
#define APIGW_ECMA_MAX_CP       0x10ffff

/* flags in force (ES2025 modifiers) */
#define APIGW_ECMA_I            0x1
#define APIGW_ECMA_M            0x2
#define APIGW_ECMA_S            0x4

/* surrogate halves */
#define APIGW_ECMA_LEAD         1
#define APIGW_ECMA_TRAIL        2

/* a character set that matches nothing, and one that matches anything */
#define APIGW_ECMA_NEVER        "[^\\x{0}-\\x{10ffff}]"
#define APIGW_ECMA_ANY          "[\\x{0}-\\x{10ffff}]"

/* ECMA-262's LineTerminator, for ".", and ^ and $ with m */
#define APIGW_ECMA_NOT_EOL      "[^\\x{a}\\x{d}\\x{2028}\\x{2029}]"


typedef enum {
    APIGW_ECMA_T_NONE = 0,      /* nothing to repeat */
    APIGW_ECMA_T_ASSERT,        /* ^ $ \b \B, lookbehind: not repeatable */
    APIGW_ECMA_T_ATOM,
    APIGW_ECMA_T_LEAD,          /* lead surrogates, maybe half a pair */
    APIGW_ECMA_T_PAIR           /* lead, then trail surrogates */
} apigw_ecma_term_e;


typedef struct {
    uint32_t                lo;
    uint32_t                hi;
} apigw_ecma_range_t;

/* a class, a class escape or one character */
typedef struct {
    apigw_ecma_range_t     *r;
    size_t                  n;
    size_t                  cap;
    char                   *props;      /* \p{..} and \P{..}, as PCRE2's */
    size_t                  plen;
    size_t                  pcap;
    unsigned                negated:1;
} apigw_ecma_set_t;

/* a group being read; groups[0] is the pattern itself */
typedef struct {
    size_t                  start;      /* output offset of its "(" */
    size_t                  src;
    uint32_t                serial;
    uint32_t                alt;        /* the alternative being read */
    unsigned                flags;      /* outside it */
    unsigned                seen;       /* capturing groups before it */
    unsigned                lookahead:1;
    unsigned                lookbehind:1;
    unsigned                nonempty:1;     /* every alternative consumes */
    unsigned                alt_nonempty:1; /* the current one does */
} apigw_ecma_group_t;

/* a named group: its name, and the groups and alternatives it is in */
typedef struct {
    size_t                  off;        /* in names */
    size_t                  len;
    unsigned                group;
    size_t                  path;       /* in paths: serial, alt pairs */
    size_t                  npath;
} apigw_ecma_name_t;

typedef struct {
    const char             *start;
    const char             *p;
    const char             *end;

    char                   *out;
    uint32_t               *map;        /* source offset of each byte */
    size_t                  len;
    size_t                  cap;
    size_t                  at;         /* source offset being written */

    unsigned                flags;
    unsigned                ncaps;      /* capturing groups in all */
    unsigned                seen;       /* ... opened so far */
    unsigned                captures:1; /* backreferences: groups capture */
    unsigned                nomem:1;

    char                   *names;
    size_t                  names_len;
    size_t                  names_cap;
    apigw_ecma_name_t      *name;
    size_t                  nname;
    size_t                  name_cap;
    size_t                  named;      /* named groups opened so far */
    uint32_t               *paths;
    size_t                  paths_len;
    size_t                  paths_cap;
    uint32_t                serial;     /* groups opened so far */

    /* the last term: its atom from "start" in the output */
    apigw_ecma_term_e       term;
    size_t                  term_start;
    size_t                  term_src;
    unsigned                term_seen;
    unsigned                term_nonempty:1;
    uint64_t                term_min;
    apigw_ecma_set_t        lead;       /* of an APIGW_ECMA_T_LEAD */

    uint64_t                limit;
    const char             *error;
    size_t                  error_at;

    size_t                  depth;
    apigw_ecma_group_t      groups[APIGW_ECMA_MAX_DEPTH + 1];
} apigw_ecma_ctx_t;


/* apigw_schema_ecma.c */
/*
 * after "\\": 1 with a character in *cp, 2 with a class escape added to
 * set, -1 on error
 */
int apigw_ecma_escape(apigw_ecma_ctx_t *cx, uint32_t *cp,
    apigw_ecma_set_t *set);
int apigw_ecma_fail(apigw_ecma_ctx_t *cx, const char *at, const char *msg);
/* *p with room for need elements of size, or cx->nomem */
int apigw_ecma_grow(apigw_ecma_ctx_t *cx, void **p, size_t *cap,
    size_t need, size_t size);

/* apigw_schema_ecma_sets.c */
/* after "[": the class, into set */
int apigw_ecma_class(apigw_ecma_ctx_t *cx, apigw_ecma_set_t *set);
int apigw_ecma_property(apigw_ecma_ctx_t *cx, int negated,
    apigw_ecma_set_t *set);
void apigw_ecma_set_escape(apigw_ecma_ctx_t *cx, char c,
    apigw_ecma_set_t *set);
void apigw_ecma_set_add(apigw_ecma_ctx_t *cx, apigw_ecma_set_t *set,
    uint32_t lo, uint32_t hi);
void apigw_ecma_set_free(apigw_ecma_set_t *set);
int apigw_ecma_half(const apigw_ecma_set_t *set);
void apigw_ecma_put_set(apigw_ecma_ctx_t *cx, apigw_ecma_set_t *set);
void apigw_ecma_put_pair(apigw_ecma_ctx_t *cx, apigw_ecma_set_t *trail);
void apigw_ecma_put_cp(apigw_ecma_ctx_t *cx, uint32_t cp);

/* apigw_schema_ecma_out.c */
void apigw_ecma_put(apigw_ecma_ctx_t *cx, const char *s, size_t n);
void apigw_ecma_puts(apigw_ecma_ctx_t *cx, const char *s);
void apigw_ecma_atom_set(apigw_ecma_ctx_t *cx, apigw_ecma_set_t *set,
    size_t src);
void apigw_ecma_atom_text(apigw_ecma_ctx_t *cx, const char *text,
    apigw_ecma_term_e term, int nonempty, size_t src);
void apigw_ecma_commit(apigw_ecma_ctx_t *cx);
int apigw_ecma_repeat(apigw_ecma_ctx_t *cx, uint64_t min, uint64_t max,
    int lazy);


#endif /* _APIGW_SCHEMA_ECMA_INT_H_INCLUDED_ */
