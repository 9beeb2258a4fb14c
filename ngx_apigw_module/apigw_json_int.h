
/*
 * Copyright (C) apigw contributors
 */


#ifndef _APIGW_JSON_INT_H_INCLUDED_
#define _APIGW_JSON_INT_H_INCLUDED_


/*
 * The JSON scanner (apigw_json.c), for readers that go through a text
 * without building its tree: the validator (apigw_schema_text.c) and the
 * function SDK's event (functions/sdk/apigw_fn_event.c).  Not for use
 * elsewhere.
 */

#include "apigw_core.h"


#define APIGW_JSON_LENIENT_DEPTH  2048   /* jansson's JSON_PARSER_MAX_DEPTH */


typedef struct {
    const unsigned char    *start;
    const unsigned char    *p;
    const unsigned char    *end;
    unsigned                depth;
    unsigned                max_depth;
    char                   *errbuf;
    size_t                  errlen;
    char                   *scratch;    /* unescaped strings */
    size_t                  scratch_len;
    unsigned                lenient:1;  /* \u0000 and repeated keys */
} apigw_json_parser_t;

typedef struct {
    unsigned                real:1;
    json_int_t              i;
    double                  d;
} apigw_json_number_t;


void apigw_json_init(apigw_json_parser_t *jp, const char *buf, size_t len,
    unsigned max_depth, char *errbuf, size_t errlen);
/* frees the scratch buffer */
void apigw_json_done(apigw_json_parser_t *jp);

/* at *jp->p: a value, as a tree */
json_t *apigw_json_value(apigw_json_parser_t *jp);
/*
 * at the opening quote: a string, in place when it has no escapes, else
 * unescaped into the scratch buffer (valid until the next string)
 */
int apigw_json_string(apigw_json_parser_t *jp, const char **s,
    size_t *len);
/* at '-' or a digit */
int apigw_json_lex_number(apigw_json_parser_t *jp, apigw_json_number_t *n);
/*
 * at *jp->p: a value checked as apigw_json_value() reads it and stepped
 * over, nothing built; repeated keys are not looked for
 */
int apigw_json_skip(apigw_json_parser_t *jp);


static inline void
apigw_json_skip_ws(apigw_json_parser_t *jp)
{
    const unsigned char  *p;

    /* compact JSON has none */
    if (jp->p < jp->end && *jp->p > ' ') {
        return;
    }

    for (p = jp->p;
         p < jp->end && *p <= ' '
         && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t');
         p++)
    {
        /* void */
    }

    jp->p = p;
}


#endif /* _APIGW_JSON_INT_H_INCLUDED_ */
