
/*
 * Copyright (C) apigw contributors
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apigw_vtl_int.h"


/*
 * $util: escapeJavaScript(), urlEncode(), urlDecode(), base64Encode(),
 * base64Decode(), parseJson() and toJson(), as AWS's Java implementation
 * behaves where that is known.  Each takes one value, as a string (null
 * gives null, except toJson()).
 */


static int apigw_vtl_url_encode(apigw_vtl_ctx_t *ctx, apigw_vtl_buf_t *buf,
    const char *s, size_t len);
static int apigw_vtl_url_decode(apigw_vtl_ctx_t *ctx, apigw_vtl_buf_t *buf,
    const char *s, size_t len);
static int apigw_vtl_base64_encode(apigw_vtl_ctx_t *ctx,
    apigw_vtl_buf_t *buf, const char *s, size_t len);
static int apigw_vtl_base64_decode(apigw_vtl_ctx_t *ctx,
    apigw_vtl_buf_t *buf, const char *s, size_t len);


/*
 * Java's StringEscapeUtils.escapeJavaScript() as AWS uses it: quotes,
 * backslash and slash escaped, control characters as \n or \u00XX, every
 * character past ASCII as \uXXXX (two for a surrogate pair); a byte that
 * is not UTF-8 as \uFFFD
 */
int
apigw_vtl_escape_js(apigw_vtl_ctx_t *ctx, apigw_vtl_buf_t *buf,
    const char *s, size_t len)
{
    int          n;
    char         esc[16];
    size_t       k;
    uint32_t     cp;
    const char  *p, *end, *run;

    if (apigw_vtl_charge(ctx, len) != 0) {
        return -1;
    }

    end = s + len;
    run = s;

    for (p = s; p < end; ) {
        unsigned char c = (unsigned char) *p;

        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\'' && c != '\\'
            && c != '/')
        {
            p++;
            continue;
        }

        if (apigw_vtl_buf_add(ctx, buf, run, p - run) != 0) {
            return -1;
        }

        k = 1;
        n = 2;
        esc[0] = '\\';

        switch (c) {
        case '"':
        case '\'':
        case '\\':
        case '/':
            esc[1] = c;
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\t':
            esc[1] = 't';
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        default:
            if (c < 0x80) {
                n = snprintf(esc, sizeof(esc), "\\u%04X", c);
                break;
            }

            k = apigw_utf8_char(p, end, &cp);

            if (k == 0) {
                k = 1;
                cp = 0xfffd;
            }

            if (cp > 0xffff) {
                cp -= 0x10000;
                n = snprintf(esc, sizeof(esc), "\\u%04X\\u%04X",
                             0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));

            } else {
                n = snprintf(esc, sizeof(esc), "\\u%04X", cp);
            }

            break;
        }

        if (apigw_vtl_buf_add(ctx, buf, esc, n) != 0) {
            return -1;
        }

        p += k;
        run = p;
    }

    return apigw_vtl_buf_add(ctx, buf, run, p - run);
}


/* Java's URLEncoder (UTF-8): A-Z a-z 0-9 . - * _ kept, space as + */
static int
apigw_vtl_url_encode(apigw_vtl_ctx_t *ctx, apigw_vtl_buf_t *buf,
    const char *s, size_t len)
{
    char         esc[3];
    const char  *p, *end, *run;

    static const char  hex[] = "0123456789ABCDEF";

    end = s + len;
    run = s;

    for (p = s; p < end; p++) {
        unsigned char c = (unsigned char) *p;

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '*'
            || c == '_')
        {
            continue;
        }

        if (apigw_vtl_buf_add(ctx, buf, run, p - run) != 0) {
            return -1;
        }

        if (c == ' ') {
            if (apigw_vtl_buf_add(ctx, buf, "+", 1) != 0) {
                return -1;
            }

        } else {
            esc[0] = '%';
            esc[1] = hex[c >> 4];
            esc[2] = hex[c & 0xf];

            if (apigw_vtl_buf_add(ctx, buf, esc, 3) != 0) {
                return -1;
            }
        }

        run = p + 1;
    }

    return apigw_vtl_buf_add(ctx, buf, run, p - run);
}


/* + is a space, %XX a byte; a % not followed by two hex digits stays */
static int
apigw_vtl_url_decode(apigw_vtl_ctx_t *ctx, apigw_vtl_buf_t *buf,
    const char *s, size_t len)
{
    int          hi, lo;
    char         c;
    const char  *p, *end;

    end = s + len;

    if (apigw_vtl_buf_reserve(ctx, buf, len) != 0) {
        return -1;
    }

    for (p = s; p < end; p++) {
        c = *p;

        if (c == '+') {
            c = ' ';

        } else if (c == '%' && end - p >= 3) {
            hi = apigw_hex_digit((unsigned char) p[1]);
            lo = apigw_hex_digit((unsigned char) p[2]);

            if (hi >= 0 && lo >= 0) {
                c = (char) (hi << 4 | lo);
                p += 2;
            }
        }

        buf->data[buf->len++] = c;
    }

    return 0;
}


static int
apigw_vtl_base64_encode(apigw_vtl_ctx_t *ctx, apigw_vtl_buf_t *buf,
    const char *s, size_t len)
{
    if (len / 3 * 4 + 4 > APIGW_VTL_MAX_OUTPUT
        || apigw_vtl_buf_reserve(ctx, buf, (len + 2) / 3 * 4) != 0)
    {
        return apigw_vtl_error(ctx, "a string longer than %d bytes",
                               APIGW_VTL_MAX_OUTPUT);
    }

    buf->len += apigw_base64_encode((const unsigned char *) s, len,
                                    buf->data + buf->len);

    return 0;
}


/* the standard alphabet, padding optional; 1: not base64 */
static int
apigw_vtl_base64_decode(apigw_vtl_ctx_t *ctx, apigw_vtl_buf_t *buf,
    const char *s, size_t len)
{
    size_t  n;

    if (apigw_vtl_buf_reserve(ctx, buf, len / 4 * 3 + 3) != 0) {
        return -1;
    }

    if (apigw_base64_decode(s, len, (unsigned char *) buf->data + buf->len,
                            &n)
        != 0)
    {
        return 1;
    }

    buf->len += n;

    return 0;
}


int
apigw_vtl_util(apigw_vtl_ctx_t *ctx, apigw_vtl_util_e fn,
    apigw_vtl_val_t *arg, apigw_vtl_val_t *out)
{
    int               rc;
    char              small[32];
    size_t            len;
    json_t           *json;
    const char       *data;
    apigw_vtl_buf_t   buf, tmp;
    json_error_t      err;

    memset(out, 0, sizeof(apigw_vtl_val_t));
    memset(&buf, 0, sizeof(apigw_vtl_buf_t));

    if (fn == APIGW_VTL_UTIL_TO_JSON) {
        rc = apigw_vtl_write_json(ctx, &buf, arg);
        goto done;
    }

    if (arg->type == APIGW_VTL_V_NULL) {
        return 0;
    }

    memset(&tmp, 0, sizeof(apigw_vtl_buf_t));

    if (apigw_vtl_text(ctx, arg, &data, &len, &tmp, small) != 0) {
        return -1;
    }

    switch (fn) {

    case APIGW_VTL_UTIL_ESCAPE_JS:
        rc = apigw_vtl_escape_js(ctx, &buf, data, len);
        break;

    case APIGW_VTL_UTIL_URL_ENCODE:
        rc = apigw_vtl_url_encode(ctx, &buf, data, len);
        break;

    case APIGW_VTL_UTIL_URL_DECODE:
        rc = apigw_vtl_url_decode(ctx, &buf, data, len);
        break;

    case APIGW_VTL_UTIL_BASE64_ENCODE:
        rc = apigw_vtl_base64_encode(ctx, &buf, data, len);
        break;

    case APIGW_VTL_UTIL_BASE64_DECODE:
        rc = apigw_vtl_base64_decode(ctx, &buf, data, len);

        if (rc > 0) {
            /* not base64: null */
            free(tmp.data);
            free(buf.data);
            return 0;
        }

        break;

    default:
        /* parseJson(): invalid JSON gives null */
        rc = apigw_vtl_charge(ctx, len);

        if (rc == 0) {
            json = json_loadb(data, len,
                              JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);

            if (json != NULL) {
                apigw_vtl_val_from_json(out, json);
                json_decref(json);
            }
        }

        free(tmp.data);
        return rc;
    }

    free(tmp.data);

done:

    if (rc == 0) {
        rc = apigw_vtl_buf_reserve(ctx, &buf, 1);
    }

    if (rc == 0) {
        rc = apigw_vtl_val_take_buf(ctx, out, &buf);
    }

    free(buf.data);

    return rc;
}
