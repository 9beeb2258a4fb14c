
/*
 * Copyright (C) apigw contributors
 */


#include "ngx_http_apigw_module.h"


/*
 * The request pipeline: a table of steps run in order in the precontent
 * phase, one cursor (ctx->step) in the request's context.  A step returns
 *
 *     NGX_OK         done: the next step runs;
 *     NGX_DONE       suspended (Redis, the body, a wait): whatever it waits
 *                    for calls ngx_http_apigw_resume(), and the same step
 *                    runs again, finding its own state in the context;
 *     an error       NGX_ERROR or an HTTP status: the request ends with it;
 *
 * and a step that answers the request itself (a refusal, a mock) sets
 * ctx->responded and returns what sending it returned.  Past the last
 * step the content phase takes over: the proxy module, which the "apigw"
 * directive configured, calls the http integration.
 */


typedef ngx_int_t (*ngx_http_apigw_step_pt)(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);

typedef struct {
    const char                 *name;
    ngx_http_apigw_step_pt      run;
} ngx_http_apigw_step_t;


static ngx_int_t ngx_http_apigw_run(ngx_http_request_t *r,
    ngx_http_apigw_ctx_t *ctx);
static ngx_int_t ngx_http_apigw_finish(ngx_http_request_t *r, ngx_int_t rc);


static ngx_http_apigw_step_t  ngx_http_apigw_steps[] = {
    { "canary", ngx_http_apigw_canary_step },
    { "route", ngx_http_apigw_route_step },
    { "cors", ngx_http_apigw_cors_step },
    { "identity", ngx_http_apigw_identity_step },
    { "throttle", ngx_http_apigw_throttle_step },
    { "validate", ngx_http_apigw_validate_step },
    { "cache", ngx_http_apigw_cache_step },
    { "transform", ngx_http_apigw_transform_step },
    { "integrate", ngx_http_apigw_integrate_step },
};

#define NGX_HTTP_APIGW_NSTEPS                                                 \
    (sizeof(ngx_http_apigw_steps) / sizeof(ngx_http_apigw_step_t))


ngx_int_t
ngx_http_apigw_handler(ngx_http_request_t *r)
{
    ngx_http_apigw_ctx_t       *ctx;
    ngx_http_apigw_loc_conf_t  *alcf;

    if (r != r->main) {
        return NGX_DECLINED;
    }

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_apigw_module);

    if (alcf->api == NULL) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_apigw_get_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ctx->settings && ctx->settings->log_level) {
        /* resumed: a subrequest has set the location's level again */
        ngx_http_apigw_op_log_level(r, ctx->settings->log_level);
    }

    return ngx_http_apigw_run(r, ctx);
}


/* what a suspended step waited for has come: the phases run again */
void
ngx_http_apigw_resume(ngx_http_request_t *r)
{
    r->write_event_handler = ngx_http_core_run_phases;
    ngx_http_core_run_phases(r);
}


static ngx_int_t
ngx_http_apigw_run(ngx_http_request_t *r, ngx_http_apigw_ctx_t *ctx)
{
    ngx_int_t               rc;
    ngx_http_apigw_step_t  *step;

    while (ctx->step < NGX_HTTP_APIGW_NSTEPS) {

        step = &ngx_http_apigw_steps[ctx->step];

        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "apigw step %s", step->name);

        rc = step->run(r, ctx);

        if (rc == NGX_DONE) {
            /*
             * the phases may have run on already, from the resumption,
             * and ended the request: neither r nor ctx may be touched
             */
            return NGX_DONE;
        }

        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "apigw step %s: %i", step->name, rc);

        if (rc != NGX_OK || ctx->responded) {
            ctx->step = NGX_HTTP_APIGW_NSTEPS;
            return ngx_http_apigw_finish(r, rc);
        }

        ctx->step++;
    }

    return NGX_DECLINED;
}


/* a response sent here ends the request; the phase engine stops */
static ngx_int_t
ngx_http_apigw_finish(ngx_http_request_t *r, ngx_int_t rc)
{
    if (rc == NGX_ERROR || rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    ngx_http_finalize_request(r, rc);

    return NGX_DONE;
}
