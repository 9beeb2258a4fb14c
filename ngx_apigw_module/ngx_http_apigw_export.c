
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"
#include "apigw_export.h"


/*
 * Operator endpoints: a stage's OpenAPI document (apigw_export) and a page
 * that shows it in Swagger UI (apigw_docs).  The stage is found by its
 * location prefix once every location is merged; its spec is bundled then,
 * once per API, into one document (apigw_export_bundle.c).  A request
 * writes that document out, with the extensions it asks for and the
 * stage's URL in servers, into buffers of its own pool: CPU work in the
 * worker, in proportion to the spec's size, fine for an operator.
 */


#define NGX_HTTP_APIGW_EXPORT_BUF_SIZE  (64 * 1024)

#define NGX_HTTP_APIGW_JSON             0
#define NGX_HTTP_APIGW_YAML             1


struct ngx_http_apigw_export_s {
    ngx_str_t                   stage_prefix;   /* as configured */
    ngx_str_t                   server;         /* server=, or empty */
    ngx_str_t                   assets;         /* apigw_docs: "/" at end */
    ngx_str_t                   location;       /* its location's name */
    ngx_http_apigw_loc_conf_t  *alcf;           /* its location's */
    ngx_http_apigw_loc_conf_t  *stage;
    json_t                     *doc;            /* the stage's, bundled */
    ngx_str_t                   path;           /* the stage's URL path:
                                                   escaped, no "/" at end */
    ngx_str_t                   page;           /* apigw_docs: the HTML */
    ngx_str_t                   csp;            /* and its policy */
    ngx_str_t                   conf_file;
    ngx_uint_t                  conf_line;
    unsigned                    docs:1;
};


/* a request's export, written into buffers of its pool */
typedef struct {
    ngx_http_request_t         *request;
    ngx_chain_t                *out;
    ngx_chain_t               **last;
    ngx_buf_t                  *buf;
    off_t                       size;
} ngx_http_apigw_export_out_t;


static char *ngx_http_apigw_export_conf(ngx_conf_t *cf,
    ngx_http_apigw_loc_conf_t *alcf, ngx_uint_t docs);
static char *ngx_http_apigw_export_url(ngx_str_t *url, ngx_uint_t slash);
static ngx_int_t ngx_http_apigw_export_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_apigw_docs(ngx_http_request_t *r,
    ngx_http_apigw_export_t *e);
static ngx_int_t ngx_http_apigw_export_args(ngx_http_request_t *r,
    ngx_uint_t *format, unsigned *extensions, char *errbuf, size_t errlen);
static ngx_uint_t ngx_http_apigw_export_accept(ngx_http_request_t *r,
    ngx_str_t *type);
static ngx_int_t ngx_http_apigw_export_send(ngx_http_request_t *r,
    ngx_http_apigw_export_t *e, ngx_uint_t format, unsigned extensions,
    ngx_str_t *type);
static ngx_int_t ngx_http_apigw_export_server(ngx_http_request_t *r,
    ngx_http_apigw_export_t *e, ngx_str_t *url);
static int ngx_http_apigw_export_write(void *data, const char *buf,
    size_t len);
static ngx_int_t ngx_http_apigw_export_static(ngx_http_request_t *r,
    ngx_str_t *type, ngx_str_t *body, ngx_http_apigw_export_t *e);
static ngx_int_t ngx_http_apigw_export_error(ngx_http_request_t *r,
    ngx_uint_t status, const char *message);
static ngx_int_t ngx_http_apigw_export_header(ngx_http_request_t *r,
    const char *name, ngx_str_t *value);
static ngx_int_t ngx_http_apigw_export_stage(ngx_conf_t *cf,
    ngx_http_apigw_main_conf_t *amcf, ngx_http_apigw_export_t *e);
static ngx_int_t ngx_http_apigw_export_bundle(ngx_conf_t *cf,
    ngx_http_apigw_main_conf_t *amcf, ngx_http_apigw_export_t *e);
static void ngx_http_apigw_export_cleanup(void *data);
static ngx_int_t ngx_http_apigw_docs_page(ngx_conf_t *cf,
    ngx_http_apigw_export_t *e);
static ngx_uint_t ngx_http_apigw_prefix_eq(ngx_str_t *a, ngx_str_t *b);
static ngx_uint_t ngx_http_apigw_origin(ngx_str_t *url, ngx_str_t *origin);
static size_t ngx_http_apigw_html_len(u_char *s, size_t len);
static u_char *ngx_http_apigw_html(u_char *dst, u_char *s, size_t len);


static ngx_str_t  ngx_http_apigw_json_type = ngx_string("application/json");
static ngx_str_t  ngx_http_apigw_yaml_type = ngx_string("application/yaml");
static ngx_str_t  ngx_http_apigw_html_type =
    ngx_string("text/html; charset=utf-8");
static ngx_str_t  ngx_http_apigw_js_type =
    ngx_string("text/javascript; charset=utf-8");


/* the page's one script of its own: no inline script, for the policy */
static ngx_str_t  ngx_http_apigw_docs_js = ngx_string(
    "/* apigw: Swagger UI on this stage's OpenAPI document */\n"
    "window.addEventListener(\"load\", function () {\n"
    "    var node = document.getElementById(\"swagger-ui\");\n"
    "\n"
    "    window.ui = SwaggerUIBundle({\n"
    "        url: node.getAttribute(\"data-url\"),\n"
    "        dom_id: \"#swagger-ui\",\n"
    "        deepLinking: true,\n"
    "        validatorUrl: null\n"
    "    });\n"
    "});\n");


char *
ngx_http_apigw_export_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    return ngx_http_apigw_export_conf(cf, conf, 0);
}


char *
ngx_http_apigw_docs_directive(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    return ngx_http_apigw_export_conf(cf, conf, 1);
}


/*
 * apigw_export STAGE_PREFIX [server=URL];
 * apigw_docs STAGE_PREFIX assets=URL [server=URL];
 */
static char *
ngx_http_apigw_export_conf(ngx_conf_t *cf, ngx_http_apigw_loc_conf_t *alcf,
    ngx_uint_t docs)
{
    char                         *rv;
    ngx_str_t                    *value, s;
    ngx_uint_t                    i;
    ngx_http_apigw_export_t      *e, **ep;
    ngx_http_core_loc_conf_t     *clcf;
    ngx_http_apigw_main_conf_t   *amcf;

    if (alcf->export) {
        return "is duplicate: one apigw_export or apigw_docs per location";
    }

    value = cf->args->elts;

    if (value[1].len == 0 || value[1].data[0] != '/') {
        return "needs the location prefix of a stage, such as /prod/";
    }

    e = ngx_pcalloc(cf->pool, sizeof(ngx_http_apigw_export_t));
    if (e == NULL) {
        return NGX_CONF_ERROR;
    }

    e->stage_prefix = value[1];
    e->docs = docs;
    e->conf_file = cf->conf_file->file.name;
    e->conf_line = cf->conf_file->line;

    for (i = 2; i < cf->args->nelts; i++) {

        if (value[i].len > 7
            && ngx_strncmp(value[i].data, "server=", 7) == 0)
        {
            s.data = value[i].data + 7;
            s.len = value[i].len - 7;

            rv = ngx_http_apigw_export_url(&s, 0);
            if (rv != NGX_CONF_OK) {
                return rv;
            }

            e->server = s;
            continue;
        }

        if (docs && value[i].len > 7
            && ngx_strncmp(value[i].data, "assets=", 7) == 0)
        {
            s.data = value[i].data + 7;
            s.len = value[i].len - 7;

            rv = ngx_http_apigw_export_url(&s, 1);
            if (rv != NGX_CONF_OK) {
                return rv;
            }

            if (s.data[s.len - 1] != '/') {
                e->assets.data = ngx_pnalloc(cf->pool, s.len + 1);
                if (e->assets.data == NULL) {
                    return NGX_CONF_ERROR;
                }

                ngx_memcpy(e->assets.data, s.data, s.len);
                e->assets.data[s.len] = '/';
                e->assets.len = s.len + 1;

            } else {
                e->assets = s;
            }

            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid parameter \"%V\"",
                           &value[i]);
        return NGX_CONF_ERROR;
    }

    if (docs && e->assets.len == 0) {
        return "needs assets=URL: where Swagger UI's files are served";
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (docs
        && (clcf->exact_match || clcf->named
#if (NGX_PCRE)
            || clcf->regex
#endif
            || clcf->name.len == 0
            || clcf->name.data[clcf->name.len - 1] != '/'))
    {
        return "needs a prefix location ending in \"/\": the page, "
               "openapi.json and init.js are served below it";
    }

    e->location = clcf->name;
    e->alcf = alcf;
    alcf->export = e;

    /* "/docs" is redirected to "/docs/", as for proxy_pass */
    clcf->handler = ngx_http_apigw_export_handler;
    clcf->auto_redirect = docs;

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_apigw_module);

    if (amcf->exports == NULL) {
        amcf->exports = ngx_array_create(cf->pool, 2,
                                         sizeof(ngx_http_apigw_export_t *));
        if (amcf->exports == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    ep = ngx_array_push(amcf->exports);
    if (ep == NULL) {
        return NGX_CONF_ERROR;
    }

    *ep = e;

    return NGX_CONF_OK;
}


/*
 * "http(s)://..." or "/...", of characters that need no escaping in HTML
 * or in a Content-Security-Policy; trailing "/"s dropped unless slash
 */
static char *
ngx_http_apigw_export_url(ngx_str_t *url, ngx_uint_t slash)
{
    u_char  *p, *end;

    end = url->data + url->len;

    if (!(url->data[0] == '/'
          || (url->len > 7 && ngx_strncmp(url->data, "http://", 7) == 0)
          || (url->len > 8 && ngx_strncmp(url->data, "https://", 8) == 0)))
    {
        return "needs a URL starting with http://, https:// or /";
    }

    for (p = url->data; p < end; p++) {
        if (*p <= 0x20 || *p >= 0x7f || *p == '"' || *p == '\''
            || *p == '<' || *p == '>' || *p == '\\' || *p == ';'
            || *p == ',' || *p == '`')
        {
            return "has a URL with a space, a quote, <, >, \\, ;, a comma "
                   "or a byte past ASCII: escape them";
        }
    }

    if (!slash) {
        while (url->len > 1 && url->data[url->len - 1] == '/') {
            url->len--;
        }
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_apigw_export_handler(ngx_http_request_t *r)
{
    char                        errbuf[160];
    unsigned                    extensions;
    ngx_int_t                   rc;
    ngx_str_t                   type;
    ngx_uint_t                  format;
    ngx_http_apigw_export_t    *e;
    ngx_http_apigw_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_apigw_module);
    e = alcf->export;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return ngx_http_apigw_export_error(r, NGX_HTTP_NOT_ALLOWED,
                                           "only GET and HEAD");
    }

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    if (e->docs) {
        return ngx_http_apigw_docs(r, e);
    }

    if (ngx_http_apigw_export_args(r, &format, &extensions, errbuf,
                                   sizeof(errbuf))
        != NGX_OK)
    {
        return ngx_http_apigw_export_error(r, NGX_HTTP_BAD_REQUEST, errbuf);
    }

    if (format == NGX_CONF_UNSET_UINT) {
        format = ngx_http_apigw_export_accept(r, &type);

    } else {
        type = (format == NGX_HTTP_APIGW_YAML) ? ngx_http_apigw_yaml_type
                                               : ngx_http_apigw_json_type;
    }

    return ngx_http_apigw_export_send(r, e, format, extensions, &type);
}


/* below the docs location: the page, its script, the document */
static ngx_int_t
ngx_http_apigw_docs(ngx_http_request_t *r, ngx_http_apigw_export_t *e)
{
    ngx_str_t  rest;

    if (r->uri.len < e->location.len) {
        return NGX_HTTP_NOT_FOUND;
    }

    rest.data = r->uri.data + e->location.len;
    rest.len = r->uri.len - e->location.len;

    if (rest.len == 0
        || (rest.len == 10 && ngx_strncmp(rest.data, "index.html", 10) == 0))
    {
        return ngx_http_apigw_export_static(r, &ngx_http_apigw_html_type,
                                            &e->page, e);
    }

    if (rest.len == 7 && ngx_strncmp(rest.data, "init.js", 7) == 0) {
        return ngx_http_apigw_export_static(r, &ngx_http_apigw_js_type,
                                            &ngx_http_apigw_docs_js, NULL);
    }

    if (rest.len == 12 && ngx_strncmp(rest.data, "openapi.json", 12) == 0) {
        return ngx_http_apigw_export_send(r, e, NGX_HTTP_APIGW_JSON, 0,
                                          &ngx_http_apigw_json_type);
    }

    if (rest.len == 12 && ngx_strncmp(rest.data, "openapi.yaml", 12) == 0) {
        return ngx_http_apigw_export_send(r, e, NGX_HTTP_APIGW_YAML, 0,
                                          &ngx_http_apigw_yaml_type);
    }

    return NGX_HTTP_NOT_FOUND;
}


/*
 * ?format=json|yaml (else NGX_CONF_UNSET_UINT), ?extensions=...: NGX_OK,
 * or NGX_ERROR with errbuf saying what is wrong
 */
static ngx_int_t
ngx_http_apigw_export_args(ngx_http_request_t *r, ngx_uint_t *format,
    unsigned *extensions, char *errbuf, size_t errlen)
{
    u_char     *dst, *src;
    ngx_str_t   value;

    *format = NGX_CONF_UNSET_UINT;
    *extensions = 0;

    if (ngx_http_arg(r, (u_char *) "format", 6, &value) == NGX_OK) {
        if (value.len == 4 && ngx_strncasecmp(value.data, (u_char *) "json",
                                              4) == 0)
        {
            *format = NGX_HTTP_APIGW_JSON;

        } else if (value.len == 4
                   && ngx_strncasecmp(value.data, (u_char *) "yaml", 4) == 0)
        {
            *format = NGX_HTTP_APIGW_YAML;

        } else {
            ngx_cpystrn((u_char *) errbuf,
                        (u_char *) "format must be json or yaml", errlen);
            return NGX_ERROR;
        }
    }

    if (ngx_http_arg(r, (u_char *) "extensions", 10, &value) != NGX_OK) {
        return NGX_OK;
    }

    /* "integrations%2Cauthorizers" too */

    dst = ngx_pnalloc(r->pool, value.len);
    if (dst == NULL) {
        ngx_cpystrn((u_char *) errbuf, (u_char *) "out of memory", errlen);
        return NGX_ERROR;
    }

    src = value.data;
    value.data = dst;
    ngx_unescape_uri(&dst, &src, value.len, NGX_UNESCAPE_URI);
    value.len = dst - value.data;

    if (apigw_export_extensions((char *) value.data, value.len, extensions,
                                errbuf, errlen)
        != 0)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * YAML when Accept prefers a YAML type (application/yaml,
 * application/x-yaml, text/yaml) to application/json by its q value; JSON
 * otherwise, wildcards and no Accept included
 */
static ngx_uint_t
ngx_http_apigw_export_accept(ngx_http_request_t *r, ngx_str_t *type)
{
    u_char      *p, *end, *range, *range_end, *t;
    ngx_int_t    q, json_q, yaml_q;
    ngx_str_t    accept;
    ngx_uint_t   i, n, yaml;

    static ngx_str_t  yaml_types[] = {
        ngx_string("application/yaml"),
        ngx_string("application/x-yaml"),
        ngx_string("text/yaml"),
        ngx_string("text/x-yaml")
    };

    *type = ngx_http_apigw_json_type;

    if (ngx_http_apigw_header_values(r, (u_char *) "Accept", 6, ',', &accept)
        != NGX_OK || accept.len == 0)
    {
        return NGX_HTTP_APIGW_JSON;
    }

    json_q = -1;
    yaml_q = -1;
    p = accept.data;
    end = accept.data + accept.len;

    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == ',')) {
            p++;
        }

        range = p;

        while (p < end && *p != ',' && *p != ';' && *p != ' '
               && *p != '\t')
        {
            p++;
        }

        range_end = p;

        /* the q parameter, in thousandths */
        q = 1000;

        while (p < end && *p != ',') {
            if (*p == 'q' && p + 1 < end && p[1] == '='
                && (p[-1] == ';' || p[-1] == ' ' || p[-1] == '\t'))
            {
                p += 2;
                q = 0;

                if (p < end && *p == '1') {
                    q = 1000;

                } else if (p < end && *p == '0') {
                    p++;

                    if (p < end && *p == '.') {
                        for (n = 100, p++;
                             n && p < end && *p >= '0' && *p <= '9';
                             n /= 10, p++)
                        {
                            q += (*p - '0') * n;
                        }
                    }
                }

                continue;
            }

            p++;
        }

        n = range_end - range;

        if (n == 16
            && ngx_strncasecmp(range, (u_char *) "application/json", 16) == 0)
        {
            json_q = ngx_max(json_q, q);
            continue;
        }

        for (i = 0; i < sizeof(yaml_types) / sizeof(ngx_str_t); i++) {
            t = yaml_types[i].data;

            if (n == yaml_types[i].len && ngx_strncasecmp(range, t, n) == 0
                && q > yaml_q)
            {
                yaml_q = q;
                *type = yaml_types[i];
                type->len = n;
            }
        }
    }

    yaml = (yaml_q > 0 && yaml_q > json_q);

    if (!yaml) {
        *type = ngx_http_apigw_json_type;
    }

    return yaml ? NGX_HTTP_APIGW_YAML : NGX_HTTP_APIGW_JSON;
}


static ngx_int_t
ngx_http_apigw_export_send(ngx_http_request_t *r, ngx_http_apigw_export_t *e,
    ngx_uint_t format, unsigned extensions, ngx_str_t *type)
{
    char                         errbuf[160];
    ngx_int_t                    rc;
    ngx_str_t                    url;
    apigw_export_opts_t          opts;
    ngx_http_apigw_export_out_t  out;

    if (ngx_http_apigw_export_server(r, e, &url) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memzero(&out, sizeof(ngx_http_apigw_export_out_t));
    out.request = r;
    out.last = &out.out;

    ngx_memzero(&opts, sizeof(apigw_export_opts_t));
    opts.extensions = extensions;
    opts.yaml = (format == NGX_HTTP_APIGW_YAML);
    opts.server = (char *) url.data;
    opts.server_len = url.len;
    opts.description = (char *) e->stage->stage.data;
    opts.description_len = e->stage->stage.len;
    opts.write = ngx_http_apigw_export_write;
    opts.data = &out;

    if (apigw_export_write(e->doc, &opts, errbuf, sizeof(errbuf)) != 0) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "apigw export of \"%V\" failed: %s", &e->stage_prefix,
                      errbuf);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "apigw export: %O bytes of %s", out.size,
                   opts.yaml ? "YAML" : "JSON");

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_type = *type;
    r->headers_out.content_type_len = type->len;
    r->headers_out.content_length_n = out.size;

    if (!e->docs && ngx_http_apigw_set_header(r, (u_char *) "Vary", 4,
                                              (u_char *) "Accept", 6)
                    != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_apigw_set_header(r, (u_char *) "X-Content-Type-Options",
                                  sizeof("X-Content-Type-Options") - 1,
                                  (u_char *) "nosniff", 7)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (out.out == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf->last_buf = (r == r->main) ? 1 : 0;
    out.buf->last_in_chain = 1;

    return ngx_http_output_filter(r, out.out);
}


/*
 * servers[0].url: server=, or the request's scheme and Host with the
 * stage's path
 */
static ngx_int_t
ngx_http_apigw_export_server(ngx_http_request_t *r,
    ngx_http_apigw_export_t *e, ngx_str_t *url)
{
    u_char                    *p, addr[NGX_SOCKADDR_STRLEN];
    size_t                     escape;
    in_port_t                  port;
    ngx_str_t                  host, scheme;
    ngx_http_core_srv_conf_t  *cscf;

    if (e->server.len) {
        *url = e->server;
        return NGX_OK;
    }

#if (NGX_HTTP_SSL)
    if (r->connection->ssl) {
        ngx_str_set(&scheme, "https");

    } else
#endif
    {
        ngx_str_set(&scheme, "http");
    }

    port = 0;

    if (r->headers_in.host != NULL) {
        host = r->headers_in.host->value;

    } else {
        /* HTTP/1.0 without Host: the server's name and the local port */
        cscf = ngx_http_get_module_srv_conf(r, ngx_http_core_module);
        host = cscf->server_name;

        if (ngx_connection_local_sockaddr(r->connection, NULL, 0) != NGX_OK)
        {
            return NGX_ERROR;
        }

        port = ngx_inet_get_port(r->connection->local_sockaddr);

        if (port == (scheme.len == 5 ? 443 : 80)) {
            port = 0;
        }

        if (host.len == 0) {
            host.len = ngx_sock_ntop(r->connection->local_sockaddr,
                                     r->connection->local_socklen, addr,
                                     NGX_SOCKADDR_STRLEN, 0);
            host.data = addr;
        }
    }

    /* the client's Host, not always UTF-8: bytes past ASCII escaped */
    escape = 2 * ngx_escape_uri(NULL, host.data, host.len, NGX_ESCAPE_URI);

    url->data = ngx_pnalloc(r->pool, scheme.len + sizeof("://:65535") - 1
                                     + host.len + escape + e->path.len);
    if (url->data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_sprintf(url->data, "%V://", &scheme);
    p = (u_char *) ngx_escape_uri(p, host.data, host.len, NGX_ESCAPE_URI);

    if (port) {
        p = ngx_sprintf(p, ":%d", (int) port);
    }

    p = ngx_cpymem(p, e->path.data, e->path.len);
    url->len = p - url->data;

    return NGX_OK;
}


static int
ngx_http_apigw_export_write(void *data, const char *buf, size_t len)
{
    ngx_http_apigw_export_out_t *out = data;

    size_t        n;
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    while (len) {
        b = out->buf;

        if (b == NULL || b->last == b->end) {
            b = ngx_create_temp_buf(out->request->pool,
                                    NGX_HTTP_APIGW_EXPORT_BUF_SIZE);
            if (b == NULL) {
                return -1;
            }

            cl = ngx_alloc_chain_link(out->request->pool);
            if (cl == NULL) {
                return -1;
            }

            cl->buf = b;
            cl->next = NULL;
            *out->last = cl;
            out->last = &cl->next;
            out->buf = b;
        }

        n = ngx_min(len, (size_t) (b->end - b->last));
        b->last = ngx_cpymem(b->last, buf, n);
        buf += n;
        len -= n;
        out->size += n;
    }

    return 0;
}


/* the page and its script; e: the page's policy goes with it */
static ngx_int_t
ngx_http_apigw_export_static(ngx_http_request_t *r, ngx_str_t *type,
    ngx_str_t *body, ngx_http_apigw_export_t *e)
{
    ngx_buf_t  *b;

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->pos = body->data;
    b->last = body->data + body->len;
    b->memory = 1;

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_type = *type;

    if ((e != NULL
         && (ngx_http_apigw_export_header(r, "Content-Security-Policy",
                                          &e->csp)
             != NGX_OK
             || ngx_http_apigw_set_header(r, (u_char *) "Referrer-Policy",
                                          sizeof("Referrer-Policy") - 1,
                                          (u_char *) "same-origin",
                                          sizeof("same-origin") - 1)
                != NGX_OK))
        || ngx_http_apigw_set_header(r, (u_char *) "X-Content-Type-Options",
                                     sizeof("X-Content-Type-Options") - 1,
                                     (u_char *) "nosniff", 7)
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_apigw_send_response(r, b);
}


static ngx_int_t
ngx_http_apigw_export_error(ngx_http_request_t *r, ngx_uint_t status,
    const char *message)
{
    u_char     *p;
    size_t      len, mlen;
    ngx_buf_t  *b;

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        r->keepalive = 0;
    }

    mlen = ngx_strlen(message);
    len = sizeof("{\"message\":\"\"}\n") - 1
          + ngx_http_apigw_json_escape_len((u_char *) message, mlen);

    b = ngx_create_temp_buf(r->pool, len);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_cpymem(b->last, "{\"message\":\"", sizeof("{\"message\":\"") - 1);
    p = ngx_http_apigw_json_escape(p, (u_char *) message, mlen);
    b->last = ngx_cpymem(p, "\"}\n", 3);

    r->headers_out.status = status;
    r->headers_out.content_type = ngx_http_apigw_json_type;

    if (status == NGX_HTTP_NOT_ALLOWED
        && ngx_http_apigw_set_header(r, (u_char *) "Allow", 5,
                                     (u_char *) "GET, HEAD", 9)
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_apigw_send_response(r, b);
}


static ngx_int_t
ngx_http_apigw_export_header(ngx_http_request_t *r, const char *name,
    ngx_str_t *value)
{
    return ngx_http_apigw_set_header(r, (u_char *) name, ngx_strlen(name),
                                     value->data, value->len);
}


/*
 * Once every location is merged: each export's stage found by its prefix,
 * its API's spec bundled (once an API), the docs page made
 */
ngx_int_t
ngx_http_apigw_export_init(ngx_conf_t *cf, ngx_http_apigw_main_conf_t *amcf)
{
    ngx_uint_t                i;
    ngx_http_apigw_export_t  *e, **ep;

    if (amcf->exports == NULL) {
        return NGX_OK;
    }

    ep = amcf->exports->elts;

    for (i = 0; i < amcf->exports->nelts; i++) {
        e = ep[i];

        if (e->alcf->api_name.data) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "%s cannot share a location with \"apigw\" "
                          "in %V:%ui", e->docs ? "apigw_docs" : "apigw_export",
                          &e->conf_file, e->conf_line);
            return NGX_ERROR;
        }

        if (ngx_http_apigw_export_stage(cf, amcf, e) != NGX_OK
            || ngx_http_apigw_export_bundle(cf, amcf, e) != NGX_OK
            || (e->docs && ngx_http_apigw_docs_page(cf, e) != NGX_OK))
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/*
 * The stage whose location's prefix is this one (trailing "/"s aside),
 * canaries aside, for the directive "name" at file:line.  Several
 * locations of one API and stage name (the same stage in two server
 * blocks) are one stage: the first is taken.  NULL: none, or ambiguous
 */
ngx_http_apigw_loc_conf_t *
ngx_http_apigw_stage_at(ngx_conf_t *cf, ngx_http_apigw_main_conf_t *amcf,
    ngx_str_t *prefix, const char *name, ngx_str_t *file, ngx_uint_t line)
{
    u_char                      *p, *last, known[512];
    ngx_uint_t                   i, n;
    ngx_http_apigw_loc_conf_t  **stages, *s, *found;

    stages = amcf->stages.elts;
    found = NULL;
    p = known;
    last = known + sizeof(known) - 4;
    n = 0;

    for (i = 0; i < amcf->stages.nelts; i++) {
        s = stages[i];

        if (s->canary_of != NULL) {
            continue;
        }

        if (s->prefix.len && n++ < 10 && p < last) {
            p = ngx_slprintf(p, last, "%s%V", n > 1 ? ", " : "", &s->prefix);
        }

        if (!ngx_http_apigw_prefix_eq(&s->prefix, prefix)) {
            continue;
        }

        if (found == NULL) {
            found = s;
            continue;
        }

        if (found->api != s->api || found->stage.len != s->stage.len
            || ngx_strncmp(found->stage.data, s->stage.data, s->stage.len)
               != 0)
        {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "%s \"%V\": the prefix is ambiguous: API \"%V\" "
                          "stage \"%V\" in %V:%ui, API \"%V\" stage \"%V\" "
                          "in %V:%ui; in %V:%ui", name, prefix,
                          &found->api->name, &found->stage,
                          &found->conf_file, found->conf_line,
                          &s->api->name, &s->stage, &s->conf_file,
                          s->conf_line, file, line);
            return NULL;
        }
    }

    if (found == NULL) {
        if (p == known) {
            p = ngx_cpymem(p, "none", 4);
        }

        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "%s \"%V\": no stage has that location prefix (the "
                      "stages' locations: %*s) in %V:%ui", name, prefix,
                      p - known, known, file, line);
    }

    return found;
}


static ngx_int_t
ngx_http_apigw_export_stage(ngx_conf_t *cf, ngx_http_apigw_main_conf_t *amcf,
    ngx_http_apigw_export_t *e)
{
    size_t                      len;
    ngx_uint_t                  escape;
    ngx_http_apigw_loc_conf_t  *found;

    found = ngx_http_apigw_stage_at(cf, amcf, &e->stage_prefix,
                                    e->docs ? "apigw_docs" : "apigw_export",
                                    &e->conf_file, e->conf_line);
    if (found == NULL) {
        return NGX_ERROR;
    }

    e->stage = found;

    /* the URL's path: "/prod/" as "/prod", "/" as "" */

    len = found->prefix.len;

    while (len && found->prefix.data[len - 1] == '/') {
        len--;
    }

    escape = 2 * ngx_escape_uri(NULL, found->prefix.data, len,
                                NGX_ESCAPE_URI);

    e->path.data = ngx_pnalloc(cf->pool, len + escape);
    if (e->path.data == NULL) {
        return NGX_ERROR;
    }

    e->path.len = (u_char *) ngx_escape_uri(e->path.data, found->prefix.data,
                                            len, NGX_ESCAPE_URI)
                  - e->path.data;

    return NGX_OK;
}


/* "/prod" and "/prod/" are one prefix */
static ngx_uint_t
ngx_http_apigw_prefix_eq(ngx_str_t *a, ngx_str_t *b)
{
    size_t  alen, blen;

    alen = a->len;
    blen = b->len;

    while (alen > 1 && a->data[alen - 1] == '/') {
        alen--;
    }

    while (blen > 1 && b->data[blen - 1] == '/') {
        blen--;
    }

    return alen == blen && alen && ngx_strncmp(a->data, b->data, alen) == 0;
}


static ngx_int_t
ngx_http_apigw_export_bundle(ngx_conf_t *cf, ngx_http_apigw_main_conf_t *amcf,
    ngx_http_apigw_export_t *e)
{
    char                      msg[sizeof(apigw_error_t) + 64];
    json_t                   *doc;
    ngx_uint_t                i;
    apigw_error_t            *err;
    ngx_pool_cleanup_t       *cln;
    ngx_http_apigw_export_t  **ep;

    /* one bundle an API */

    ep = amcf->exports->elts;

    for (i = 0; ep[i] != e; i++) {
        if (ep[i]->doc && ep[i]->stage->api == e->stage->api) {
            e->doc = ep[i]->doc;
            return NGX_OK;
        }
    }

    err = ngx_pcalloc(cf->temp_pool, sizeof(apigw_error_t));
    if (err == NULL) {
        return NGX_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    doc = apigw_export_bundle(e->stage->api->api->docs, err);

    if (doc == NULL) {
        apigw_error_format(err, msg, sizeof(msg));
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "%s \"%V\": the spec of API \"%V\" cannot be made one "
                      "document: %s in %V:%ui",
                      e->docs ? "apigw_docs" : "apigw_export",
                      &e->stage_prefix, &e->stage->api->name, msg,
                      &e->conf_file, e->conf_line);
        return NGX_ERROR;
    }

    cln->handler = ngx_http_apigw_export_cleanup;
    cln->data = doc;
    e->doc = doc;

    return NGX_OK;
}


static void
ngx_http_apigw_export_cleanup(void *data)
{
    json_decref(data);
}


/*
 * The docs page: Swagger UI's files from assets=, this location's
 * openapi.json and init.js; the policy allows nothing else (no inline
 * script, no other origin but the assets' and server='s)
 */
static ngx_int_t
ngx_http_apigw_docs_page(ngx_conf_t *cf, ngx_http_apigw_export_t *e)
{
    u_char     *p;
    size_t      len, escape;
    ngx_str_t   title, loc, assets, server, api;

    static const char  page_start[] =
        "<!DOCTYPE html>\n"
        "<html lang=\"en\">\n"
        "<head>\n"
        "<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" "
        "content=\"width=device-width, initial-scale=1\">\n"
        "<title>";
    static const char  page_css[] =
        "</title>\n"
        "<link rel=\"stylesheet\" href=\"";
    static const char  page_div[] =
        "swagger-ui.css\">\n"
        "</head>\n"
        "<body>\n"
        "<div id=\"swagger-ui\" data-url=\"";
    static const char  page_bundle[] =
        "openapi.json\"></div>\n"
        "<script src=\"";
    static const char  page_init[] =
        "swagger-ui-bundle.js\"></script>\n"
        "<script src=\"";
    static const char  page_end[] =
        "init.js\"></script>\n"
        "</body>\n"
        "</html>\n";

    title.data = (u_char *) json_string_value(
                         json_object_get(json_object_get(e->doc, "info"),
                                         "title"));
    if (title.data != NULL) {
        title.len = ngx_strlen(title.data);

    } else {
        title = e->stage->api->name;
    }

    /* the location's name as a URL path: escaped, then for HTML */

    escape = 2 * ngx_escape_uri(NULL, e->location.data, e->location.len,
                                NGX_ESCAPE_URI);

    loc.data = ngx_pnalloc(cf->pool, e->location.len + escape);
    if (loc.data == NULL) {
        return NGX_ERROR;
    }

    loc.len = (u_char *) ngx_escape_uri(loc.data, e->location.data,
                                        e->location.len, NGX_ESCAPE_URI)
              - loc.data;

    assets = e->assets;
    api = e->stage->stage;

    len = sizeof(page_start) - 1 + ngx_http_apigw_html_len(title.data,
                                                           title.len)
          + sizeof(" (stage )") - 1 + ngx_http_apigw_html_len(api.data,
                                                              api.len)
          + sizeof(page_css) - 1 + ngx_http_apigw_html_len(assets.data,
                                                           assets.len)
          + sizeof(page_div) - 1 + ngx_http_apigw_html_len(loc.data, loc.len)
          + sizeof(page_bundle) - 1
          + ngx_http_apigw_html_len(assets.data, assets.len)
          + sizeof(page_init) - 1 + ngx_http_apigw_html_len(loc.data, loc.len)
          + sizeof(page_end) - 1;

    e->page.data = ngx_pnalloc(cf->pool, len);
    if (e->page.data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(e->page.data, page_start, sizeof(page_start) - 1);
    p = ngx_http_apigw_html(p, title.data, title.len);
    p = ngx_cpymem(p, " (stage ", sizeof(" (stage ") - 1);
    p = ngx_http_apigw_html(p, api.data, api.len);
    *p++ = ')';
    p = ngx_cpymem(p, page_css, sizeof(page_css) - 1);
    p = ngx_http_apigw_html(p, assets.data, assets.len);
    p = ngx_cpymem(p, page_div, sizeof(page_div) - 1);
    p = ngx_http_apigw_html(p, loc.data, loc.len);
    p = ngx_cpymem(p, page_bundle, sizeof(page_bundle) - 1);
    p = ngx_http_apigw_html(p, assets.data, assets.len);
    p = ngx_cpymem(p, page_init, sizeof(page_init) - 1);
    p = ngx_http_apigw_html(p, loc.data, loc.len);
    p = ngx_cpymem(p, page_end, sizeof(page_end) - 1);

    e->page.len = p - e->page.data;

    /*
     * default-src 'none'; script-src 'self' A; style-src 'self' A
     * 'unsafe-inline'; img-src 'self' A data: blob:; font-src 'self' A
     * data:; connect-src 'self' S; base-uri 'none'; form-action 'none';
     * frame-ancestors 'none'
     */

    ngx_str_null(&assets);
    ngx_str_null(&server);

    (void) ngx_http_apigw_origin(&e->assets, &assets);
    (void) ngx_http_apigw_origin(&e->server, &server);

    len = sizeof("default-src 'none'; script-src 'self'; style-src 'self' "
                 "'unsafe-inline'; img-src 'self' data: blob:; font-src "
                 "'self' data:; connect-src 'self'; base-uri 'none'; "
                 "form-action 'none'; frame-ancestors 'none'")
          + 4 * (assets.len + 1) + server.len + 1;

    e->csp.data = ngx_pnalloc(cf->pool, len);
    if (e->csp.data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_sprintf(e->csp.data,
                    "default-src 'none'; script-src 'self'%s%V; "
                    "style-src 'self'%s%V 'unsafe-inline'; "
                    "img-src 'self'%s%V data: blob:; "
                    "font-src 'self'%s%V data:; "
                    "connect-src 'self'%s%V; base-uri 'none'; "
                    "form-action 'none'; frame-ancestors 'none'",
                    assets.len ? " " : "", &assets,
                    assets.len ? " " : "", &assets,
                    assets.len ? " " : "", &assets,
                    assets.len ? " " : "", &assets,
                    server.len ? " " : "", &server);

    e->csp.len = p - e->csp.data;

    return NGX_OK;
}


/* "https://host:port" of an absolute URL; 0 for a path */
static ngx_uint_t
ngx_http_apigw_origin(ngx_str_t *url, ngx_str_t *origin)
{
    u_char  *p, *end;

    if (url->len < 8 || url->data[0] == '/') {
        return 0;
    }

    end = url->data + url->len;
    p = ngx_strlchr(url->data, end, ':');

    if (p == NULL || end - p < 3) {
        return 0;
    }

    p = ngx_strlchr(p + 3, end, '/');

    origin->data = url->data;
    origin->len = (p ? p : end) - url->data;

    return 1;
}


static size_t
ngx_http_apigw_html_len(u_char *s, size_t len)
{
    size_t  n;

    for (n = len; len; len--, s++) {
        switch (*s) {
        case '&':
            n += sizeof("&amp;") - 2;
            break;
        case '<':
        case '>':
            n += sizeof("&lt;") - 2;
            break;
        case '"':
            n += sizeof("&quot;") - 2;
            break;
        case '\'':
            n += sizeof("&#39;") - 2;
            break;
        }
    }

    return n;
}


/* text and attribute values: & < > " ' escaped, control characters none */
static u_char *
ngx_http_apigw_html(u_char *dst, u_char *s, size_t len)
{
    for ( /* void */ ; len; len--, s++) {
        switch (*s) {
        case '&':
            dst = ngx_cpymem(dst, "&amp;", sizeof("&amp;") - 1);
            break;
        case '<':
            dst = ngx_cpymem(dst, "&lt;", sizeof("&lt;") - 1);
            break;
        case '>':
            dst = ngx_cpymem(dst, "&gt;", sizeof("&gt;") - 1);
            break;
        case '"':
            dst = ngx_cpymem(dst, "&quot;", sizeof("&quot;") - 1);
            break;
        case '\'':
            dst = ngx_cpymem(dst, "&#39;", sizeof("&#39;") - 1);
            break;
        default:
            if (*s >= 0x20 && *s != 0x7f) {
                *dst++ = *s;
            }
        }
    }

    return dst;
}
