-- wrk: POST an API Gateway event to the Invoke API of the function host
wrk.method = "POST"
wrk.path = "/2015-03-31/functions/hello/invocations"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"httpMethod":"GET","path":"/hello",' ..
           '"queryStringParameters":{"name":"bench"}}'
