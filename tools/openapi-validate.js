#!/usr/bin/env node
/*
 * Validates OpenAPI 3.0 and 3.1 documents, JSON or YAML, with
 * @apidevtools/swagger-parser (installed into build/npm-tools by
 * scripts/npm-tools): the document against the OpenAPI schema of its
 * version, and every $ref resolving.  A test peer, never part of the
 * gateway.
 *
 *   node tools/openapi-validate.js [--bundled] [--json] FILE...
 *
 * --bundled  every $ref must also stay inside the document ("#/..."), as
 *            in the gateway's export of a spec split across files
 * --json     print each document, as read (not dereferenced), as JSON
 *
 * Exits 0 when every file is valid, 1 with the reasons when one is not,
 * 2 when it cannot run (the package not installed: run scripts/npm-tools).
 * APIGW_NPM_TOOLS names another installation.
 */

'use strict';

const path = require('path');

const tools = process.env.APIGW_NPM_TOOLS
              || path.join(__dirname, '..', 'build', 'npm-tools');

let SwaggerParser;

try {
    SwaggerParser = require(require.resolve('@apidevtools/swagger-parser',
                                            { paths: [tools] }));
} catch (e) {
    console.error(`openapi-validate: @apidevtools/swagger-parser is not `
                  + `installed in ${tools}: run scripts/npm-tools`);
    process.exit(2);
}

/* keywords whose values are data: a "$ref" there is no reference */
const DATA = new Set(['example', 'examples', 'default', 'enum', 'const',
                      'value']);

function externalRefs(node, where, found) {
    if (Array.isArray(node)) {
        node.forEach((v, i) => externalRefs(v, `${where}/${i}`, found));
        return found;
    }

    if (node === null || typeof node !== 'object') {
        return found;
    }

    for (const [key, value] of Object.entries(node)) {
        const at = `${where}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;

        if (key === '$ref' && typeof value === 'string') {
            if (!value.startsWith('#')) {
                found.push(`${at}: "${value}"`);
            }
            continue;
        }

        if (DATA.has(key) || key.startsWith('x-')) {
            continue;
        }

        externalRefs(value, at, found);
    }

    return found;
}

async function main() {
    const args = process.argv.slice(2);
    const bundled = args.includes('--bundled');
    const json = args.includes('--json');
    const files = args.filter((a) => !a.startsWith('--'));
    let failed = 0;

    if (files.length === 0) {
        console.error('usage: openapi-validate.js [--bundled] [--json] '
                      + 'FILE...');
        return 2;
    }

    for (const file of files) {
        try {
            const doc = await SwaggerParser.parse(file);

            if (json) {
                process.stdout.write(JSON.stringify(doc) + '\n');
            }

            if (bundled) {
                const refs = externalRefs(doc, '#', []);

                if (refs.length) {
                    throw new Error('$refs that leave the document:\n  '
                                    + refs.join('\n  '));
                }
            }

            await SwaggerParser.validate(file);

        } catch (e) {
            console.error(`${file}: not valid: ${e.message}`);
            failed++;
        }
    }

    return failed ? 1 : 0;
}

main().then((rc) => process.exit(rc), (e) => {
    console.error(`openapi-validate: ${e.stack || e}`);
    process.exit(2);
});
