
/*
 * Copyright (C) apigw contributors
 */


#ifndef _APIGW_FN_INT_H_INCLUDED_
#define _APIGW_FN_INT_H_INCLUDED_


/* the SDK's insides, shared by its files and its unit tests */

#include "apigw_function.h"


/* a member of the event's object: its text, and its tree once asked for */
typedef struct {
    const char               *name;
    size_t                    name_len;
    const char               *text;
    size_t                    len;
    json_t                   *value;
} apigw_fn_top_t;

struct apigw_fn_request_s {
    char                     *text;         /* the event */
    size_t                    len;
    apigw_fn_top_t           *top;          /* in order; repeated names
                                               too, the last one counts */
    size_t                    ntop;
    json_t                   *event;        /* the whole tree, once asked
                                               for; NULL: not JSON */
    int                       version;
    char                     *id;
    char                     *arn;
    char                     *trace;
    int64_t                   deadline;
    char                     *body;         /* decoded, once asked for */
    size_t                    body_len;
    json_t                   *body_json;
    json_t                   *scratch;      /* strings made for callers */
    unsigned                  json:1;       /* the text is JSON */
    unsigned                  object:1;     /* ... an object */
    unsigned                  event_done:1;
    unsigned                  body_done:1;
    unsigned                  body_json_done:1;
};

struct apigw_fn_response_s {
    apigw_fn_request_t       *req;
    int                       status;
    json_t                   *headers;      /* name: value */
    json_t                   *multi;        /* name: [values] */
    char                     *body;
    size_t                    len;
    json_t                   *result;       /* a plain answer */
    char                     *error_type;
    char                     *error_message;
    unsigned                  base64:1;
    unsigned                  failed:1;     /* out of memory on the way */
};


/* apigw_fn_event.c: a member of the event's object, NULL: none */
json_t *apigw_fn_top(apigw_fn_request_t *req, const char *name);

/* apigw_fn_util.c */
char *apigw_fn_base64_encode(const void *data, size_t len, size_t *out);
char *apigw_fn_base64_decode(const char *in, size_t len, size_t *out);
/* a copy of s kept by the request, for accessors that build a string */
const char *apigw_fn_keep(apigw_fn_request_t *req, const char *s,
    size_t len);
int apigw_fn_strcaseeq(const char *a, const char *b);
json_t *apigw_fn_member(json_t *obj, const char *name);
json_t *apigw_fn_member_nocase(json_t *obj, const char *name);


#endif /* _APIGW_FN_INT_H_INCLUDED_ */
