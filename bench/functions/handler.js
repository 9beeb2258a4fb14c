'use strict';

// The hello example (examples/functions/hello.c) in Node.js, for
// serverless-offline in bench/functions.sh: the same answer.

module.exports.hello = async (event) => {
    const q = event.queryStringParameters || {};

    return {
        statusCode: 200,
        headers: {
            'Content-Type': 'application/json',
            'X-Served-By': 'apigw-fn hello',
        },
        body: JSON.stringify({ message: 'hello', name: q.name || 'world' }),
    };
};
