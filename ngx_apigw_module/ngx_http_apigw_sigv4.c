
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"
#include "apigw_sigv4.h"


/*
 * Invoke API calls signed with AWS Signature Version 4, for
 * "apigw_functions https://lambda.REGION.amazonaws.com aws_sigv4 ...".
 * The credentials are read once, with the configuration: from the
 * directive, a shared credentials file or nginx's environment, which the
 * master process has whole when it reads the configuration (on start and
 * on reload).  Each call, an integration's or a function authorizer's,
 * carries X-Amz-Date, X-Amz-Content-Sha256 (the event's SHA-256) and
 * X-Amz-Security-Token when there is a session token, all signed with
 * Content-Type and Host.  Host is what the proxy module sends for the URL
 * (host, and port unless the scheme's), so proxy_set_header Host must not
 * change it.  Neither the secret key nor the token is ever logged.
 */


#define NGX_HTTP_APIGW_SIGV4_FILE_MAX   65536
#define NGX_HTTP_APIGW_SIGV4_HEADERS    4   /* besides the fetch's own */


struct ngx_http_apigw_sigv4_s {
    apigw_sigv4_t              *signer;
    ngx_str_t                   host;           /* the Host sent */
    size_t                      uri;            /* where the URL's URI is */
    ngx_str_t                   token;          /* or empty */
};


typedef struct {
    ngx_str_t                   region;
    ngx_str_t                   access_key;
    ngx_str_t                   secret_key;
    ngx_str_t                   session_token;
    ngx_str_t                   credentials;
    ngx_str_t                   profile;
} ngx_http_apigw_sigv4_args_t;


static char *ngx_http_apigw_sigv4_args(ngx_conf_t *cf, ngx_str_t *args,
    ngx_uint_t n, ngx_http_apigw_sigv4_args_t *a);
static char *ngx_http_apigw_sigv4_host(ngx_conf_t *cf, ngx_str_t *url,
    ngx_http_apigw_sigv4_t *sv, ngx_str_t *region);
static char *ngx_http_apigw_sigv4_credentials(ngx_conf_t *cf,
    ngx_http_apigw_sigv4_args_t *a, apigw_sigv4_creds_t *creds);
static char *ngx_http_apigw_sigv4_file(ngx_conf_t *cf,
    ngx_http_apigw_sigv4_args_t *a, apigw_sigv4_creds_t *creds,
    u_char **text, size_t *len);
static void ngx_http_apigw_sigv4_cleanup(void *data);


static ngx_str_t  ngx_http_apigw_sigv4_json = ngx_string("application/json");
static ngx_str_t  ngx_http_apigw_sigv4_none = ngx_null_string;


/*
 * the parameters after "aws_sigv4": region=, access_key= and secret_key=
 * or credentials=FILE [profile=NAME], session_token=; without keys or a
 * file, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN
 */
char *
ngx_http_apigw_sigv4_conf(ngx_conf_t *cf, ngx_str_t *url, ngx_str_t *args,
    ngx_uint_t n, ngx_http_apigw_sigv4_t **svp)
{
    char                         *rv;
    u_char                       *text;
    size_t                        len;
    ngx_str_t                     region;
    ngx_pool_cleanup_t           *cln;
    apigw_sigv4_creds_t           creds;
    ngx_http_apigw_sigv4_t       *sv;
    ngx_http_apigw_sigv4_args_t   a;
    char                          err[APIGW_ERR_LEN];

    sv = ngx_pcalloc(cf->pool, sizeof(ngx_http_apigw_sigv4_t));
    cln = ngx_pool_cleanup_add(cf->pool, 0);

    if (sv == NULL || cln == NULL) {
        return NGX_CONF_ERROR;
    }

    text = NULL;
    len = 0;

    rv = ngx_http_apigw_sigv4_args(cf, args, n, &a);

    if (rv == NGX_CONF_OK) {
        rv = ngx_http_apigw_sigv4_host(cf, url, sv, &region);
    }

    if (rv != NGX_CONF_OK) {
        goto done;
    }

    if (a.region.data) {
        region = a.region;

    } else if (region.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "apigw_functions \"%V\" aws_sigv4: no region= "
                           "and the host is not lambda.REGION.amazonaws.com",
                           url);
        rv = NGX_CONF_ERROR;
        goto done;
    }

    if (a.credentials.data) {
        rv = ngx_http_apigw_sigv4_file(cf, &a, &creds, &text, &len);

    } else {
        rv = ngx_http_apigw_sigv4_credentials(cf, &a, &creds);
    }

    if (rv != NGX_CONF_OK) {
        goto done;
    }

    if (a.session_token.data) {
        creds.session_token = (apigw_sigv4_str_t) {
                                  (char *) a.session_token.data,
                                  a.session_token.len };
    }

    creds.region = (apigw_sigv4_str_t) { (char *) region.data, region.len };
    creds.service = (apigw_sigv4_str_t) { "lambda", sizeof("lambda") - 1 };

    sv->signer = apigw_sigv4_create(&creds, err, sizeof(err));

    if (sv->signer == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "apigw_functions \"%V\" aws_sigv4: %s", url, err);
        rv = NGX_CONF_ERROR;
        goto done;
    }

    cln->handler = ngx_http_apigw_sigv4_cleanup;
    cln->data = sv->signer;

    if (creds.session_token.data) {
        sv->token.len = creds.session_token.len;
        sv->token.data = ngx_pnalloc(cf->pool, sv->token.len);

        if (sv->token.data == NULL) {
            rv = NGX_CONF_ERROR;
            goto done;
        }

        ngx_memcpy(sv->token.data, creds.session_token.data, sv->token.len);
    }

    *svp = sv;

done:

    /* the signer and sv have their copies */

    if (a.secret_key.data) {
        ngx_explicit_memzero(a.secret_key.data, a.secret_key.len);
    }

    if (a.session_token.data) {
        ngx_explicit_memzero(a.session_token.data, a.session_token.len);
    }

    if (text != NULL) {
        ngx_explicit_memzero(text, len);
    }

    return rv;
}


/* never a value in a message: it may be a secret */
static char *
ngx_http_apigw_sigv4_args(ngx_conf_t *cf, ngx_str_t *args, ngx_uint_t n,
    ngx_http_apigw_sigv4_args_t *a)
{
    u_char      *eq;
    ngx_str_t    name, *field;
    ngx_uint_t   i, k;

    static struct {
        ngx_str_t   name;
        size_t      offset;
    } params[] = {
        { ngx_string("region"),
          offsetof(ngx_http_apigw_sigv4_args_t, region) },
        { ngx_string("access_key"),
          offsetof(ngx_http_apigw_sigv4_args_t, access_key) },
        { ngx_string("secret_key"),
          offsetof(ngx_http_apigw_sigv4_args_t, secret_key) },
        { ngx_string("session_token"),
          offsetof(ngx_http_apigw_sigv4_args_t, session_token) },
        { ngx_string("credentials"),
          offsetof(ngx_http_apigw_sigv4_args_t, credentials) },
        { ngx_string("profile"),
          offsetof(ngx_http_apigw_sigv4_args_t, profile) }
    };

    ngx_memzero(a, sizeof(ngx_http_apigw_sigv4_args_t));

    for (i = 0; i < n; i++) {
        eq = ngx_strlchr(args[i].data, args[i].data + args[i].len, '=');

        name.data = args[i].data;
        name.len = eq ? (size_t) (eq - args[i].data) : args[i].len;

        for (k = 0; k < sizeof(params) / sizeof(params[0]); k++) {
            if (params[k].name.len == name.len
                && ngx_strncmp(params[k].name.data, name.data, name.len) == 0)
            {
                break;
            }
        }

        if (eq == NULL || k == sizeof(params) / sizeof(params[0])) {
            /* without a "=", what it is is not known: not shown */
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "apigw_functions: aws_sigv4 takes region=, "
                               "access_key= and secret_key=, credentials= "
                               "and profile=, session_token=; not %s%V%s",
                               eq ? "\"" : "a parameter without \"=\"",
                               eq ? &name : &ngx_http_apigw_sigv4_none,
                               eq ? "=...\"" : "");
            return NGX_CONF_ERROR;
        }

        field = (ngx_str_t *) ((char *) a + params[k].offset);

        if (field->data) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "apigw_functions: aws_sigv4: %V= is "
                               "duplicate", &name);
            return NGX_CONF_ERROR;
        }

        field->data = eq + 1;
        field->len = args[i].data + args[i].len - eq - 1;
    }

    if (a->credentials.data && (a->access_key.data || a->secret_key.data)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "apigw_functions: aws_sigv4: access_key= and "
                           "secret_key=, or credentials=, not both");
        return NGX_CONF_ERROR;
    }

    if ((a->access_key.data == NULL) != (a->secret_key.data == NULL)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "apigw_functions: aws_sigv4: %s= without %s=",
                           a->access_key.data ? "access_key" : "secret_key",
                           a->access_key.data ? "secret_key" : "access_key");
        return NGX_CONF_ERROR;
    }

    if (a->profile.data && a->credentials.data == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "apigw_functions: aws_sigv4: profile= without "
                           "credentials=FILE");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/*
 * the Host the proxy module sends for the URL (ngx_http_proxy_set_vars():
 * the port only when not the scheme's), where its URI begins, and the
 * region of a Lambda endpoint's name
 */
static char *
ngx_http_apigw_sigv4_host(ngx_conf_t *cf, ngx_str_t *url,
    ngx_http_apigw_sigv4_t *sv, ngx_str_t *region)
{
    u_char      *host, *end, *colon, *p;
    ngx_str_t    port;
    ngx_uint_t   https;
    const char  *name;

    https = (url->data[4] == 's' || url->data[4] == 'S');
    host = url->data + (https ? 8 : 7);

    end = host;

    while (end < url->data + url->len && *end != '/' && *end != '?') {
        end++;
    }

    if (end - host >= 5 && ngx_strncmp(host, "unix:", 5) == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "apigw_functions \"%V\": aws_sigv4 signs for a "
                           "host, not a unix socket", url);
        return NGX_CONF_ERROR;
    }

    sv->uri = end - url->data;

    /* "[::1]:8080": the port after the "]" */
    p = (*host == '[') ? ngx_strlchr(host, end, ']') : host;
    colon = p ? ngx_strlchr(p, end, ':') : NULL;

    sv->host.data = host;
    sv->host.len = end - host;

    if (colon != NULL) {
        port.data = colon + 1;
        port.len = end - colon - 1;

        if ((https && port.len == 3 && ngx_strncmp(port.data, "443", 3) == 0)
            || (!https && port.len == 2
                && ngx_strncmp(port.data, "80", 2) == 0))
        {
            sv->host.len = colon - host;
        }
    }

    name = NULL;
    region->len = apigw_sigv4_host_region((char *) host,
                                          (colon ? colon : end) - host,
                                          &name);
    region->data = (u_char *) name;

    return NGX_CONF_OK;
}


/* the directive's keys, or nginx's environment's */
static char *
ngx_http_apigw_sigv4_credentials(ngx_conf_t *cf,
    ngx_http_apigw_sigv4_args_t *a, apigw_sigv4_creds_t *creds)
{
    char  *key, *secret, *token;

    ngx_memzero(creds, sizeof(apigw_sigv4_creds_t));

    if (a->access_key.data) {
        creds->access_key = (apigw_sigv4_str_t) {
                                (char *) a->access_key.data,
                                a->access_key.len };
        creds->secret_key = (apigw_sigv4_str_t) {
                                (char *) a->secret_key.data,
                                a->secret_key.len };
        return NGX_CONF_OK;
    }

    key = getenv("AWS_ACCESS_KEY_ID");
    secret = getenv("AWS_SECRET_ACCESS_KEY");
    token = getenv("AWS_SESSION_TOKEN");

    if (key == NULL || secret == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "apigw_functions: aws_sigv4 has no credentials: "
                           "access_key= and secret_key=, credentials=FILE, "
                           "or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                           "in nginx's environment (%s is not set)",
                           key ? "AWS_SECRET_ACCESS_KEY"
                               : "AWS_ACCESS_KEY_ID");
        return NGX_CONF_ERROR;
    }

    creds->access_key = (apigw_sigv4_str_t) { key, ngx_strlen(key) };
    creds->secret_key = (apigw_sigv4_str_t) { secret, ngx_strlen(secret) };

    if (token != NULL && *token != '\0') {
        creds->session_token = (apigw_sigv4_str_t) { token,
                                                      ngx_strlen(token) };
    }

    return NGX_CONF_OK;
}


/* a shared credentials file's profile ("default"); *text to be zeroed */
static char *
ngx_http_apigw_sigv4_file(ngx_conf_t *cf, ngx_http_apigw_sigv4_args_t *a,
    apigw_sigv4_creds_t *creds, u_char **text, size_t *len)
{
    ssize_t           n;
    ngx_fd_t          fd;
    ngx_str_t         path, profile;
    ngx_file_t        file;
    ngx_file_info_t   fi;

    path = a->credentials;
    profile = a->profile;

    if (profile.data == NULL) {
        ngx_str_set(&profile, "default");
    }

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    fd = ngx_open_file(path.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "apigw_functions: aws_sigv4: cannot open the "
                           "credentials file \"%V\"", &path);
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&file, sizeof(ngx_file_t));
    file.fd = fd;
    file.name = path;
    file.log = cf->log;

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR
        || ngx_file_size(&fi) > NGX_HTTP_APIGW_SIGV4_FILE_MAX)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "apigw_functions: aws_sigv4: \"%V\" is not a "
                           "credentials file of %d bytes at most", &path,
                           NGX_HTTP_APIGW_SIGV4_FILE_MAX);
        ngx_close_file(fd);
        return NGX_CONF_ERROR;
    }

    *len = (size_t) ngx_file_size(&fi);
    *text = ngx_pnalloc(cf->temp_pool, *len + 1);

    if (*text == NULL) {
        ngx_close_file(fd);
        return NGX_CONF_ERROR;
    }

    n = ngx_read_file(&file, *text, *len, 0);
    ngx_close_file(fd);

    if (n != (ssize_t) *len) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(creds, sizeof(apigw_sigv4_creds_t));

    if (!apigw_sigv4_profile((char *) *text, *len, (char *) profile.data,
                             profile.len, creds)
        || creds->access_key.data == NULL || creds->secret_key.data == NULL)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "apigw_functions: aws_sigv4: \"%V\" has no "
                           "profile [%V] with aws_access_key_id and "
                           "aws_secret_access_key", &path, &profile);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/*
 * The signature's headers added to an Invoke API call's, f->url made by
 * ngx_http_apigw_function_invoke_url(), f->body its event
 */
ngx_int_t
ngx_http_apigw_sigv4_sign(ngx_http_request_t *r, ngx_http_apigw_sigv4_t *sv,
    ngx_http_apigw_fetch_t *f)
{
    u_char                 *date, *hash, *auth;
    size_t                  size;
    ngx_uint_t              i, k, n;
    apigw_pair_t            signed_headers[5];
    ngx_keyval_t           *h;
    apigw_sigv4_request_t   rq;

    h = ngx_palloc(r->pool, (f->nheaders + NGX_HTTP_APIGW_SIGV4_HEADERS)
                            * sizeof(ngx_keyval_t));
    date = ngx_pnalloc(r->pool, APIGW_SIGV4_DATE_LEN + 1);
    hash = ngx_pnalloc(r->pool, APIGW_SIGV4_HEX_LEN + 1);

    if (h == NULL || date == NULL || hash == NULL) {
        return NGX_ERROR;
    }

    apigw_sigv4_date(ngx_time(), (char *) date);
    apigw_sigv4_hash(f->body.data, f->body.len, (char *) hash);

    n = 0;

    if (f->body.len) {
        /* as the fetch sends it */
        signed_headers[n++] = (apigw_pair_t) {
            "Content-Type", sizeof("Content-Type") - 1,
            (char *) (f->content_type.len ? f->content_type.data
                                          : ngx_http_apigw_sigv4_json.data),
            f->content_type.len ? f->content_type.len
                                : ngx_http_apigw_sigv4_json.len };
    }

    signed_headers[n++] = (apigw_pair_t) {
        "Host", 4, (char *) sv->host.data, sv->host.len };
    signed_headers[n++] = (apigw_pair_t) {
        "X-Amz-Content-Sha256", 20, (char *) hash, APIGW_SIGV4_HEX_LEN };
    signed_headers[n++] = (apigw_pair_t) {
        "X-Amz-Date", 10, (char *) date, APIGW_SIGV4_DATE_LEN };

    if (sv->token.len) {
        signed_headers[n++] = (apigw_pair_t) {
            "X-Amz-Security-Token", 20, (char *) sv->token.data,
            sv->token.len };
    }

    rq.method = "POST";
    rq.target = (char *) f->url.data + sv->uri;
    rq.target_len = f->url.len - sv->uri;
    rq.headers = signed_headers;
    rq.nheaders = n;
    rq.payload_hash = (char *) hash;
    rq.date = (char *) date;

    size = apigw_sigv4_authorization_size(sv->signer, &rq);

    auth = ngx_pnalloc(r->pool, size);
    if (auth == NULL) {
        return NGX_ERROR;
    }

    if (apigw_sigv4_sign(sv->signer, &rq, (char *) auth, size) < 0) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "apigw: the SigV4 signature of \"%V\" failed",
                      &f->url);
        return NGX_ERROR;
    }

    for (i = 0; i < f->nheaders; i++) {
        h[i] = f->headers[i];
    }

    /* Content-Type and Host are the fetch's and the proxy module's */

    for (k = 0; k < n; k++) {
        if (signed_headers[k].name[0] == 'X') {
            h[i].key.data = (u_char *) signed_headers[k].name;
            h[i].key.len = signed_headers[k].name_len;
            h[i].value.data = (u_char *) signed_headers[k].value;
            h[i].value.len = signed_headers[k].value_len;
            i++;
        }
    }

    ngx_str_set(&h[i].key, "Authorization");
    h[i].value.data = auth;
    h[i].value.len = ngx_strlen(auth);

    f->headers = h;
    f->nheaders = i + 1;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "apigw sigv4: %s, %s", date, hash);

    return NGX_OK;
}


static void
ngx_http_apigw_sigv4_cleanup(void *data)
{
    apigw_sigv4_free(data);
}
