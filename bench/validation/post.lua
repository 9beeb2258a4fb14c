-- wrk: POST the order body (bench/validation.sh)
local f = assert(io.open(os.getenv("ORDER_JSON"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
wrk.headers["Content-Type"] = "application/json"
f:close()
