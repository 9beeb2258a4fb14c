
/*
 * Copyright (C) apigw contributors
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "apigw_spec_int.h"
#include "apigw_vtl.h"


/*
 * An HTTP integration's transformations, AWS style: requestParameters,
 * requestTemplates with passthroughBehavior, and integration responses
 * (status pattern, responseParameters, responseTemplates).
 */


typedef struct {
    const char             *prefix;
    apigw_map_source_e      source;
} apigw_map_prefix_t;


static int apigw_spec_mappings(apigw_compile_t *c, apigw_operation_t *op,
    apigw_loc_t *loc, int response, apigw_mapping_t **list, size_t *n);
static int apigw_spec_map_source(apigw_compile_t *c, apigw_operation_t *op,
    apigw_loc_t *loc, int response, apigw_mapping_t *m);
static int apigw_spec_templates(apigw_compile_t *c, apigw_loc_t *loc,
    apigw_template_t **list, size_t *n);
static int apigw_spec_passthrough(apigw_compile_t *c, apigw_loc_t *loc,
    apigw_passthrough_e *behavior);
static int apigw_spec_integration_responses(apigw_compile_t *c,
    apigw_operation_t *op, apigw_loc_t *loc);
static int apigw_spec_integration_response(apigw_compile_t *c,
    apigw_operation_t *op, const char *pattern, apigw_loc_t *loc,
    apigw_integration_response_t *ir);
static int apigw_spec_uri_params(apigw_compile_t *c, apigw_operation_t *op,
    apigw_loc_t *ext);
static void apigw_spec_mappings_free(apigw_mapping_t *list, size_t n);
static void apigw_spec_templates_free(apigw_template_t *list, size_t n);


static const apigw_map_prefix_t  apigw_map_request_sources[] = {
    { "method.request.path.", APIGW_MAP_PATH },
    { "method.request.querystring.", APIGW_MAP_QUERY },
    { "method.request.multivaluequerystring.", APIGW_MAP_MULTI_QUERY },
    { "method.request.header.", APIGW_MAP_HEADER },
    { "method.request.multivalueheader.", APIGW_MAP_MULTI_HEADER },
    { "method.request.body.", APIGW_MAP_BODY_PATH },
    { "stageVariables.", APIGW_MAP_STAGE_VAR },
    { "context.", APIGW_MAP_CONTEXT },
    { NULL, 0 }
};

static const apigw_map_prefix_t  apigw_map_response_sources[] = {
    { "integration.response.header.", APIGW_MAP_RESPONSE_HEADER },
    { "integration.response.body.", APIGW_MAP_RESPONSE_BODY_PATH },
    { "stageVariables.", APIGW_MAP_STAGE_VAR },
    { "context.", APIGW_MAP_CONTEXT },
    { NULL, 0 }
};


int
apigw_spec_mapping(apigw_compile_t *c, apigw_operation_t *op,
    apigw_loc_t *ext)
{
    apigw_loc_t           loc;
    apigw_integration_t  *in;

    in = &op->integration;

    if (apigw_spec_member(ext, &loc, "requestParameters", NULL)
        && apigw_spec_mappings(c, op, &loc, 0, &in->request_params,
                               &in->nrequest_params) != 0)
    {
        return -1;
    }

    if (apigw_spec_member(ext, &loc, "requestTemplates", NULL)
        && apigw_spec_templates(c, &loc, &in->request_templates,
                                &in->nrequest_templates) != 0)
    {
        return -1;
    }

    if (apigw_spec_member(ext, &loc, "passthroughBehavior", NULL)
        && apigw_spec_passthrough(c, &loc, &in->passthrough) != 0)
    {
        return -1;
    }

    if (apigw_spec_member(ext, &loc, "responses", NULL)
        && apigw_spec_integration_responses(c, op, &loc) != 0)
    {
        return -1;
    }

    return apigw_spec_uri_params(c, op, ext);
}


/*
 * {param} in the uri: integration.request.path.param when mapped (its
 * place among the mappings, after the route's parameters), else the
 * method request's path parameter of that name
 */
static int
apigw_spec_uri_params(apigw_compile_t *c, apigw_operation_t *op,
    apigw_loc_t *ext)
{
    size_t             i, j;
    apigw_loc_t        loc;
    apigw_mapping_t   *m;
    apigw_tpl_part_t  *part;

    apigw_spec_member(ext, &loc, "uri", NULL);

    for (i = 0; i < op->integration.uri->nparts; i++) {
        part = &op->integration.uri->parts[i];

        if (part->kind != APIGW_TPL_PATH_PARAM) {
            continue;
        }

        for (j = 0; j < op->integration.nrequest_params; j++) {
            m = &op->integration.request_params[j];

            if (m->target == APIGW_MAP_TO_PATH && strcmp(m->name, part->text)
                                                  == 0)
            {
                break;
            }
        }

        if (j < op->integration.nrequest_params) {
            part->param = op->nparams + j;
            continue;
        }

        for (j = 0; j < op->nparams; j++) {
            if (strcmp(op->param_names[j], part->text) == 0) {
                break;
            }
        }

        if (j == op->nparams) {
            apigw_loc_error(c->err, &loc, "{%s} is neither a path parameter "
                            "of \"%s\" nor mapped by "
                            "integration.request.path.%s", part->text,
                            op->path, part->text);
            return -1;
        }

        part->param = j;
    }

    for (j = 0; j < op->integration.nrequest_params; j++) {
        m = &op->integration.request_params[j];

        if (m->target != APIGW_MAP_TO_PATH) {
            continue;
        }

        for (i = 0; i < op->integration.uri->nparts; i++) {
            part = &op->integration.uri->parts[i];

            if (part->kind == APIGW_TPL_PATH_PARAM
                && strcmp(m->name, part->text) == 0)
            {
                break;
            }
        }

        if (i == op->integration.uri->nparts) {
            apigw_loc_error(c->err, &loc, "integration.request.path.%s is "
                            "mapped but the uri has no {%s}", m->name,
                            m->name);
            return -1;
        }
    }

    return 0;
}


static int
apigw_spec_mappings(apigw_compile_t *c, apigw_operation_t *op,
    apigw_loc_t *loc, int response, apigw_mapping_t **list, size_t *n)
{
    size_t            len;
    json_t           *value;
    const char       *key, *name;
    apigw_loc_t       mloc;
    apigw_mapping_t  *m;

    if (!json_is_object(loc->node)) {
        apigw_loc_error(c->err, loc, "parameter mappings must be an object");
        return -1;
    }

    *list = calloc(json_object_size(loc->node) + 1, sizeof(apigw_mapping_t));
    if (*list == NULL) {
        apigw_loc_error(c->err, loc, "out of memory");
        return -1;
    }

    json_object_foreach(loc->node, key, value) {
        apigw_loc_child(loc, &mloc, key, value);

        m = &(*list)[*n];

        if (response) {
            if (strncmp(key, "method.response.header.", 23) != 0) {
                apigw_loc_error(c->err, &mloc, "a response mapping must set "
                                "method.response.header.NAME");
                return -1;
            }

            name = key + 23;
            m->target = APIGW_MAP_TO_HEADER;

        } else if (strncmp(key, "integration.request.header.", 27) == 0) {
            name = key + 27;
            m->target = APIGW_MAP_TO_HEADER;

        } else if (strncmp(key, "integration.request.querystring.", 32) == 0)
        {
            name = key + 32;
            m->target = APIGW_MAP_TO_QUERY;

        } else if (strncmp(key, "integration.request.path.", 25) == 0) {
            name = key + 25;
            m->target = APIGW_MAP_TO_PATH;

        } else {
            apigw_loc_error(c->err, &mloc, "a request mapping must set "
                            "integration.request.header.NAME, "
                            "integration.request.querystring.NAME or "
                            "integration.request.path.NAME");
            return -1;
        }

        len = strlen(name);

        if (len == 0
            || (m->target == APIGW_MAP_TO_HEADER
                && strpbrk(name, " \t\r\n:()<>@,;\\\"/[]?={}") != NULL))
        {
            apigw_loc_error(c->err, &mloc, "bad %s name",
                            m->target == APIGW_MAP_TO_HEADER ? "header"
                                                             : "parameter");
            return -1;
        }

        m->name = apigw_strndup(name, len);
        m->name_len = len;
        (*n)++;

        if (m->name == NULL) {
            apigw_loc_error(c->err, &mloc, "out of memory");
            return -1;
        }

        if (apigw_spec_map_source(c, op, &mloc, response, m) != 0) {
            return -1;
        }
    }

    return 0;
}


static int
apigw_spec_map_source(apigw_compile_t *c, apigw_operation_t *op,
    apigw_loc_t *loc, int response, apigw_mapping_t *m)
{
    int                       ctx;
    char                      errbuf[APIGW_ERR_LEN], *path;
    size_t                    i, len, plen;
    const char               *s;
    const apigw_map_prefix_t *pr;

    s = json_string_value(loc->node);

    if (s == NULL) {
        apigw_loc_error(c->err, loc, "a mapping's source must be a string");
        return -1;
    }

    len = json_string_length(loc->node);

    if (memchr(s, '\0', len) || memchr(s, '\r', len) || memchr(s, '\n', len))
    {
        apigw_loc_error(c->err, loc, "a mapping must not hold CR, LF or NUL");
        return -1;
    }

    if (len >= 2 && s[0] == '\'' && s[len - 1] == '\'') {
        m->source = APIGW_MAP_STATIC;
        m->value = apigw_strndup(s + 1, len - 2);
        m->value_len = len - 2;
        goto done;
    }

    if (strcmp(s, response ? "integration.response.body"
                           : "method.request.body") == 0)
    {
        m->source = response ? APIGW_MAP_RESPONSE_BODY : APIGW_MAP_BODY;
        m->value = strdup("");
        goto done;
    }

    for (pr = response ? apigw_map_response_sources
                       : apigw_map_request_sources;
         pr->prefix;
         pr++)
    {
        plen = strlen(pr->prefix);

        if (len > plen && strncmp(s, pr->prefix, plen) == 0) {
            break;
        }
    }

    if (pr->prefix == NULL) {
        apigw_loc_error(c->err, loc, "unknown mapping source \"%s\" (%s)", s,
                        response
                        ? "expected integration.response.header.NAME, "
                          "integration.response.body[.JSONPath], "
                          "stageVariables.NAME, context.NAME or 'static'"
                        : "expected method.request.{path|querystring|"
                          "multivaluequerystring|header|multivalueheader}."
                          "NAME, method.request.body[.JSONPath], "
                          "stageVariables.NAME, context.NAME or 'static'");
        return -1;
    }

    m->source = pr->source;
    m->value = apigw_strndup(s + plen, len - plen);
    m->value_len = len - plen;

    if (m->value == NULL) {
        goto nomem;
    }

    if (m->source == APIGW_MAP_PATH) {
        for (i = 0; i < op->nparams; i++) {
            if (strcmp(op->param_names[i], m->value) == 0) {
                break;
            }
        }

        if (i == op->nparams) {
            apigw_loc_error(c->err, loc, "\"%s\" is not a path parameter of "
                            "\"%s\"", m->value, op->path);
            return -1;
        }

        m->index = i;
    }

    if (m->source == APIGW_MAP_CONTEXT) {
        ctx = apigw_context_index(m->value, m->value_len);

        if (ctx < 0) {
            apigw_loc_error(c->err, loc, "unknown context variable \"%s\"",
                            m->value);
            return -1;
        }

        m->index = ctx;
    }

    if (m->source == APIGW_MAP_BODY_PATH
        || m->source == APIGW_MAP_RESPONSE_BODY_PATH)
    {
        /* "method.request.body.a.b" and "method.request.body.$.a.b" */
        if (m->value[0] == '$') {
            path = strdup(m->value);

        } else {
            path = malloc(m->value_len + 3);

            if (path) {
                snprintf(path, m->value_len + 3, "$%s%s",
                         m->value[0] == '[' ? "" : ".", m->value);
            }
        }

        if (path == NULL) {
            goto nomem;
        }

        m->jsonpath = apigw_jsonpath_compile(path, strlen(path), errbuf,
                                             sizeof(errbuf));
        free(path);

        if (m->jsonpath == NULL) {
            apigw_loc_error(c->err, loc, "%s", errbuf);
            return -1;
        }
    }

done:

    if (m->value == NULL) {
        goto nomem;
    }

    if (m->source == APIGW_MAP_BODY || m->source == APIGW_MAP_BODY_PATH) {
        op->integration.needs_body = 1;
    }

    if (m->source == APIGW_MAP_RESPONSE_BODY
        || m->source == APIGW_MAP_RESPONSE_BODY_PATH)
    {
        op->integration.needs_response_body = 1;
    }

    return 0;

nomem:

    apigw_loc_error(c->err, loc, "out of memory");
    return -1;
}


/* {"application/json": "VTL source", ...} */
static int
apigw_spec_templates(apigw_compile_t *c, apigw_loc_t *loc,
    apigw_template_t **list, size_t *n)
{
    char              errbuf[APIGW_ERR_LEN], *p;
    json_t           *src;
    const char       *type;
    apigw_loc_t       tloc;
    apigw_template_t *t;

    if (!json_is_object(loc->node)) {
        apigw_loc_error(c->err, loc, "templates must be an object of "
                        "content type: template");
        return -1;
    }

    *list = calloc(json_object_size(loc->node) + 1, sizeof(apigw_template_t));
    if (*list == NULL) {
        apigw_loc_error(c->err, loc, "out of memory");
        return -1;
    }

    json_object_foreach(loc->node, type, src) {
        apigw_loc_child(loc, &tloc, type, src);

        if (!json_is_string(src)) {
            apigw_loc_error(c->err, &tloc, "a template must be a string");
            return -1;
        }

        t = &(*list)[*n];

        t->content_type = strdup(type);
        if (t->content_type == NULL) {
            apigw_loc_error(c->err, &tloc, "out of memory");
            return -1;
        }

        (*n)++;

        for (p = t->content_type; *p; p++) {
            if (*p >= 'A' && *p <= 'Z') {
                *p |= 0x20;
            }
        }

        t->content_type_len = strlen(t->content_type);

        t->vtl = apigw_vtl_parse(json_string_value(src),
                                 json_string_length(src), errbuf,
                                 sizeof(errbuf));
        if (t->vtl == NULL) {
            apigw_loc_error(c->err, &tloc, "template: %s", errbuf);
            return -1;
        }
    }

    return 0;
}


static int
apigw_spec_passthrough(apigw_compile_t *c, apigw_loc_t *loc,
    apigw_passthrough_e *behavior)
{
    const char  *s;

    s = json_string_value(loc->node);

    if (s && strcasecmp(s, "WHEN_NO_MATCH") == 0) {
        *behavior = APIGW_PASSTHROUGH_WHEN_NO_MATCH;

    } else if (s && strcasecmp(s, "WHEN_NO_TEMPLATES") == 0) {
        *behavior = APIGW_PASSTHROUGH_WHEN_NO_TEMPLATES;

    } else if (s && strcasecmp(s, "NEVER") == 0) {
        *behavior = APIGW_PASSTHROUGH_NEVER;

    } else {
        apigw_loc_error(c->err, loc, "passthroughBehavior must be "
                        "WHEN_NO_MATCH, WHEN_NO_TEMPLATES or NEVER");
        return -1;
    }

    return 0;
}


/* {"default": {...}, "4\\d{2}": {...}}: patterns first, in spec order */
static int
apigw_spec_integration_responses(apigw_compile_t *c, apigw_operation_t *op,
    apigw_loc_t *loc)
{
    size_t                         n;
    json_t                        *r;
    const char                    *key;
    apigw_loc_t                    rloc;
    apigw_integration_t           *in;
    apigw_integration_response_t  *ir;

    if (!json_is_object(loc->node)) {
        apigw_loc_error(c->err, loc, "responses must be an object");
        return -1;
    }

    in = &op->integration;
    n = json_object_size(loc->node);

    in->responses = calloc(n + 1, sizeof(apigw_integration_response_t));
    if (in->responses == NULL) {
        apigw_loc_error(c->err, loc, "out of memory");
        return -1;
    }

    json_object_foreach(loc->node, key, r) {
        if (strcmp(key, "default") == 0) {
            continue;
        }

        apigw_loc_child(loc, &rloc, key, r);
        ir = &in->responses[in->nresponses++];

        if (apigw_spec_integration_response(c, op, key, &rloc, ir) != 0) {
            return -1;
        }
    }

    r = json_object_get(loc->node, "default");

    if (r) {
        apigw_loc_child(loc, &rloc, "default", r);
        ir = &in->responses[in->nresponses++];

        if (apigw_spec_integration_response(c, op, NULL, &rloc, ir) != 0) {
            return -1;
        }
    }

    return 0;
}


static int
apigw_spec_integration_response(apigw_compile_t *c, apigw_operation_t *op,
    const char *pattern, apigw_loc_t *loc, apigw_integration_response_t *ir)
{
    int          errcode;
    char         msg[256];
    json_t      *sel;
    PCRE2_SIZE   erroff;
    apigw_loc_t  vloc;

    if (!json_is_object(loc->node)) {
        apigw_loc_error(c->err, loc, "an integration response must be an "
                        "object");
        return -1;
    }

    /* AWS writes the pattern as the key or as selectionPattern */
    sel = json_object_get(loc->node, "selectionPattern");

    if (sel && pattern) {
        pattern = json_string_value(sel);

        if (pattern == NULL) {
            apigw_loc_error(c->err, loc, "selectionPattern must be a string");
            return -1;
        }
    }

    if (pattern) {
        ir->pattern = strdup(pattern);
        if (ir->pattern == NULL) {
            apigw_loc_error(c->err, loc, "out of memory");
            return -1;
        }

        ir->regex = pcre2_compile((PCRE2_SPTR) pattern, PCRE2_ZERO_TERMINATED,
                                  PCRE2_ANCHORED | PCRE2_ENDANCHORED
                                  | PCRE2_DOTALL,
                                  &errcode, &erroff, NULL);
        if (ir->regex == NULL) {
            pcre2_get_error_message(errcode, (PCRE2_UCHAR *) msg,
                                    sizeof(msg));
            apigw_loc_error(c->err, loc, "bad pattern at offset %zu: %s",
                            (size_t) erroff, msg);
            return -1;
        }
    }

    if (apigw_spec_member(loc, &vloc, "statusCode", NULL)
        && apigw_spec_status(c, &vloc, &ir->status) != 0)
    {
        return -1;
    }

    if (apigw_spec_member(loc, &vloc, "responseParameters", NULL)
        && apigw_spec_mappings(c, op, &vloc, 1, &ir->mappings,
                               &ir->nmappings) != 0)
    {
        return -1;
    }

    if (apigw_spec_member(loc, &vloc, "responseTemplates", NULL)
        && apigw_spec_templates(c, &vloc, &ir->templates, &ir->ntemplates)
           != 0)
    {
        return -1;
    }

    if (ir->ntemplates) {
        op->integration.needs_response_body = 1;
    }

    return 0;
}


/* the integration response for a status ("200"): patterns, then default */
apigw_integration_response_t *
apigw_integration_response_select(apigw_integration_t *in,
    const char *status, size_t len)
{
    int                            rc;
    size_t                         i;
    pcre2_match_data              *md;
    apigw_integration_response_t  *ir;

    for (i = 0; i < in->nresponses; i++) {
        ir = &in->responses[i];

        if (ir->regex == NULL) {
            return ir;
        }

        md = pcre2_match_data_create_from_pattern(ir->regex, NULL);
        if (md == NULL) {
            return NULL;
        }

        rc = pcre2_match(ir->regex, (PCRE2_SPTR) status, len, 0, 0, md,
                         NULL);
        pcre2_match_data_free(md);

        if (rc >= 0) {
            return ir;
        }
    }

    return NULL;
}


void
apigw_spec_mapping_free(apigw_integration_t *in)
{
    size_t                         i;
    apigw_integration_response_t  *ir;

    apigw_spec_mappings_free(in->request_params, in->nrequest_params);
    apigw_spec_templates_free(in->request_templates, in->nrequest_templates);

    for (i = 0; i < in->nresponses; i++) {
        ir = &in->responses[i];

        free(ir->pattern);
        pcre2_code_free(ir->regex);
        apigw_spec_mappings_free(ir->mappings, ir->nmappings);
        apigw_spec_templates_free(ir->templates, ir->ntemplates);
    }

    free(in->responses);
}


static void
apigw_spec_mappings_free(apigw_mapping_t *list, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        free(list[i].name);
        free(list[i].value);

        if (list[i].jsonpath) {
            apigw_jsonpath_free(list[i].jsonpath);
        }
    }

    free(list);
}


static void
apigw_spec_templates_free(apigw_template_t *list, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        free(list[i].content_type);

        if (list[i].vtl) {
            apigw_vtl_free(list[i].vtl);
        }
    }

    free(list);
}
