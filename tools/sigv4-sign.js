#!/usr/bin/env node
/*
 * Signs requests with two SigV4 signers that are not the gateway's, for
 * t/99c-sigv4-signers.t: AWS's own, @smithy/signature-v4 (the signer of
 * the AWS SDK for JavaScript v3, with @smithy/hash-node's SHA-256 as the
 * SDK has it in Node.js), and the aws4 package; both installed into
 * build/npm-tools by scripts/npm-tools.  A test peer, never part of the
 * gateway.
 *
 *   node tools/sigv4-sign.js < requests
 *
 * Each line of the input is one request as it is sent, in the JSON that
 * build/apigw-sigv4-sign reads (tools/apigw_sigv4_sign.c): method, target
 * (the path and query sent), headers ([name, value] in their order),
 * body, access_key, secret_key, region, service.  Each gives one line of
 * output: {"smithy": SIGNED, "aws4": SIGNED}, SIGNED being the
 * "canonical_request", "string_to_sign" and "authorization" of that
 * signer.  As the gateway does, every header is signed, the date is
 * X-Amz-Date's, the payload's hash X-Amz-Content-Sha256's or else the
 * body's, the session token X-Amz-Security-Token's.
 *
 * Exits 1 when a line is not such a request, 2 when the packages are not
 * installed (run scripts/npm-tools).  APIGW_NPM_TOOLS names another
 * installation.
 */

'use strict';

const path = require('path');
const readline = require('readline');

const tools = process.env.APIGW_NPM_TOOLS
              || path.join(__dirname, '..', 'build', 'npm-tools');

function load(name) {
    try {
        return require(require.resolve(name, { paths: [tools] }));
    } catch (e) {
        console.error(`sigv4-sign: ${name} is not installed in ${tools}: `
                      + `run scripts/npm-tools`);
        process.exit(2);
    }
}

const { SignatureV4 } = load('@smithy/signature-v4');
const { Hash } = load('@smithy/hash-node');
const aws4 = load('aws4');

/* the value of the first header of that name, or undefined */
function header(rq, name) {
    const h = rq.headers.find((h) => h[0].toLowerCase() === name);
    return h && h[1];
}

/*
 * the headers as an object, as both packages take them: a name repeated
 * becomes one field, its values joined by "," in their order (RFC 9110's
 * list form); drop: names left out, in lower case
 */
function fields(rq, drop) {
    const out = {};
    const names = {};

    for (const [name, value] of rq.headers) {
        const lower = name.toLowerCase();

        if (drop.includes(lower)) {
            continue;
        }

        if (names[lower] === undefined) {
            names[lower] = name;
            out[name] = value;
        } else {
            out[names[lower]] += ',' + value;
        }
    }

    return out;
}

/*
 * the query as the SDK's request object holds it, name to value (to
 * values when repeated), decoded as RFC 3986 reads a query: "%XX" is a
 * byte, "+" is itself, "name" alone has the value ""
 */
function query(text) {
    const out = {};

    for (const piece of text.split('&')) {
        const eq = piece.indexOf('=');
        const name = decodeURIComponent(eq < 0 ? piece : piece.slice(0, eq));
        const value = eq < 0 ? '' : decodeURIComponent(piece.slice(eq + 1));

        if (name === '') {
            continue;
        }

        if (out[name] === undefined) {
            out[name] = value;
        } else {
            out[name] = [].concat(out[name], value);
        }
    }

    return out;
}

/* 20150830T123600Z as a Date */
function date(text) {
    const m = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(text || '');

    if (m === null) {
        throw new Error(`X-Amz-Date is not as 20150830T123600Z: ${text}`);
    }

    return new Date(Date.UTC(m[1], m[2] - 1, m[3], m[4], m[5], m[6]));
}

async function smithy(rq) {
    const q = rq.target.indexOf('?');
    const token = header(rq, 'x-amz-security-token');
    const seen = {};

    const signer = new SignatureV4({
        credentials: { accessKeyId: rq.access_key,
                       secretAccessKey: rq.secret_key,
                       sessionToken: token },
        region: rq.region,
        service: rq.service,
        sha256: Hash.bind(null, 'sha256'),
        /* every service but S3: the path normalized, encoded once more */
        uriEscapePath: true,
        /* X-Amz-Content-Sha256 signed only where the request has it */
        applyChecksum: false,
    });

    /* what signRequest() computes on the way, kept */
    const canonical = signer.createCanonicalRequest;
    const sts = signer.createStringToSign;

    signer.createCanonicalRequest = function (...args) {
        seen.creq = canonical.apply(this, args);
        return seen.creq;
    };

    signer.createStringToSign = async function (...args) {
        seen.sts = await sts.apply(this, args);
        return seen.sts;
    };

    /* it sets X-Amz-Date and X-Amz-Security-Token itself */
    const signed = await signer.sign({
        method: rq.method,
        protocol: 'https:',
        hostname: header(rq, 'host'),
        path: q < 0 ? rq.target : rq.target.slice(0, q),
        query: q < 0 ? {} : query(rq.target.slice(q + 1)),
        headers: fields(rq, ['x-amz-date', 'x-amz-security-token']),
        body: rq.body || '',
    }, { signingDate: date(header(rq, 'x-amz-date')) });

    return { canonical_request: seen.creq, string_to_sign: seen.sts,
             authorization: signed.headers.authorization };
}

function signAws4(rq) {
    const s = new aws4.RequestSigner({
        host: header(rq, 'host'),
        method: rq.method,
        path: rq.target,
        headers: fields(rq, []),
        body: rq.body || '',
        service: rq.service,
        region: rq.region,
        /* the headers signed as given, none added */
        doNotModifyHeaders: true,
    }, { accessKeyId: rq.access_key, secretAccessKey: rq.secret_key });

    s.datetime = header(rq, 'x-amz-date');

    return { canonical_request: s.canonicalString(),
             string_to_sign: s.stringToSign(),
             authorization: s.authHeader() };
}

async function main() {
    const lines = readline.createInterface({ input: process.stdin,
                                             crlfDelay: Infinity });
    let n = 0;

    for await (const line of lines) {
        n++;

        if (line.trim() === '') {
            continue;
        }

        let rq;

        try {
            rq = JSON.parse(line);
            process.stdout.write(JSON.stringify({
                smithy: await smithy(rq),
                aws4: signAws4(rq),
            }) + '\n');
        } catch (e) {
            console.error(`sigv4-sign: line ${n}: ${e.message}`);
            process.exit(1);
        }
    }
}

main();
