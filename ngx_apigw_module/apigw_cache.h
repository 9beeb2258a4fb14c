
/*
 * Copyright (C) apigw contributors
 */


#ifndef _APIGW_CACHE_H_INCLUDED_
#define _APIGW_CACHE_H_INCLUDED_


/*
 * Response caching, nginx-free: an operation's cache settings
 * (x-apigw-cache, and AWS's cacheKeyParameters and cacheNamespace), the
 * Cache-Control, Vary and Accept-Encoding rules, the fields of a key, and
 * a stored response's bytes.
 */

#include <stddef.h>
#include <stdint.h>


#define APIGW_CACHE_TTL_DEFAULT     300         /* s, AWS's */
#define APIGW_CACHE_TTL_MAX         3600        /* s, AWS's */
#define APIGW_CACHE_ENTRY_MAX       (1024 * 1024)   /* bytes, AWS's */
#define APIGW_CACHE_MAX_PARAMS      16
#define APIGW_CACHE_MAX_HEADERS     64          /* stored with a response */
#define APIGW_CACHE_FINGERPRINT_LEN 32


/* a key parameter: method.request.{path,querystring,header}.NAME */
typedef enum {
    APIGW_CACHE_PARAM_PATH = 0,
    APIGW_CACHE_PARAM_QUERY,
    APIGW_CACHE_PARAM_HEADER
} apigw_cache_param_in_e;

typedef struct {
    apigw_cache_param_in_e    in;
    char                     *name;     /* headers in lower case */
    size_t                    name_len;
    size_t                    path_index;   /* path: its place in the route's
                                               parameters */
} apigw_cache_param_t;

/* unauthorizedCacheControlHeaderStrategy */
typedef enum {
    APIGW_CACHE_UNAUTHORIZED_UNSET = -1,
    APIGW_CACHE_FAIL_WITH_403 = 0,
    APIGW_CACHE_SUCCEED_WITH_RESPONSE_HEADER,
    APIGW_CACHE_SUCCEED_WITHOUT_RESPONSE_HEADER
} apigw_cache_unauthorized_e;

/* an operation's: x-apigw-cache, with its integration's AWS members */
typedef struct {
    int                       ttl;      /* s, 0..3600; -1: the stage's */
    int                       enabled;  /* -1: GET and HEAD only; 0: never;
                                           1: every method of the
                                           operation */
    char                     *ns;       /* namespace, or NULL: the route */
    size_t                    ns_len;
    apigw_cache_param_t      *params;   /* declared key parameters */
    size_t                    nparams;
    uint16_t                 *statuses; /* stored ones; NULL: 200..299 */
    size_t                    nstatuses;
    int                       require_authorization;    /* -1: the
                                                           stage's */
    apigw_cache_unauthorized_e  unauthorized;           /* UNSET: the
                                                           stage's */
    unsigned                  shared:1; /* entries shared across callers */
    unsigned                  stale:1;  /* an expired entry is served while
                                           one request refreshes it */
    /* the operation as the spec defines it: a changed one never meets
     * the entries of the old */
    unsigned char             fingerprint[APIGW_CACHE_FINGERPRINT_LEN];
} apigw_cache_conf_t;

/* the defaults: nothing set, every field the stage's */
void apigw_cache_conf_init(apigw_cache_conf_t *conf);
/* frees what the spec compiler allocated; the pointers are NULL after */
void apigw_cache_conf_free(apigw_cache_conf_t *conf);

/* 1 when a response of this status may be stored, else 0 */
int apigw_cache_status_stored(const apigw_cache_conf_t *conf, int status);


/* Cache-Control, of a response or of a request, over all its headers */
typedef struct {
    long                      max_age;      /* s; -1: none */
    long                      s_maxage;     /* s; -1: none */
    unsigned                  no_store:1;
    unsigned                  no_cache:1;
    unsigned                  private_:1;
    unsigned                  public_:1;
} apigw_cache_control_t;

void apigw_cache_control_init(apigw_cache_control_t *cc);
/* one header's value, directives separated by commas, in any case,
 * quoted arguments allowed; unknown ones ignored; folded into *cc */
void apigw_cache_control_parse(apigw_cache_control_t *cc, const char *v,
    size_t len);
/* a response's: 1 when a shared cache may store it (no no-store, no
 * private, no no-cache) */
int apigw_cache_control_storable(const apigw_cache_control_t *cc);
/* a request's: 1 when it asks for a fresh response (max-age=0, no-cache) */
int apigw_cache_control_refresh(const apigw_cache_control_t *cc);

/*
 * 1 when every header a Vary value names is one the key covers: the
 * declared header parameters and Accept-Encoding; "*" or a name not
 * covered: 0
 */
int apigw_cache_vary_covered(const apigw_cache_conf_t *conf, const char *v,
    size_t len);

/* the content codings an Accept-Encoding accepts (q > 0), as a set */
#define APIGW_CACHE_GZIP        0x01
#define APIGW_CACHE_DEFLATE     0x02
#define APIGW_CACHE_BR          0x04
#define APIGW_CACHE_ZSTD        0x08
#define APIGW_CACHE_COMPRESS    0x10

unsigned apigw_cache_encodings(const char *v, size_t len);


/* a key's fields: a length, then the bytes, so no two lists collide */
#define APIGW_CACHE_FIELD_LEN(len)  (4 + (len))

unsigned char *apigw_cache_key_field(unsigned char *p, const void *data,
    size_t len);


/* a stored response: what the integration answered, before mapping */
typedef struct {
    const char               *name;
    size_t                    name_len;
    const char               *value;
    size_t                    value_len;
} apigw_cache_header_t;

typedef struct {
    int                       status;
    const char               *content_type;     /* may be empty */
    size_t                    content_type_len;
    apigw_cache_header_t     *headers;
    size_t                    nheaders;         /* at most
                                                   APIGW_CACHE_MAX_HEADERS */
    const unsigned char      *body;
    size_t                    body_len;
} apigw_cache_response_t;

/* the bytes apigw_cache_response_write() writes */
size_t apigw_cache_response_size(const apigw_cache_response_t *resp);
/* returns the end of what it wrote */
unsigned char *apigw_cache_response_write(unsigned char *p,
    const apigw_cache_response_t *resp);
/*
 * resp's strings and body point into buf; headers, of room for
 * APIGW_CACHE_MAX_HEADERS, is filled.  0; -1 when buf is not what
 * apigw_cache_response_write() wrote
 */
int apigw_cache_response_read(const unsigned char *buf, size_t len,
    apigw_cache_response_t *resp, apigw_cache_header_t *headers);


#endif /* _APIGW_CACHE_H_INCLUDED_ */
