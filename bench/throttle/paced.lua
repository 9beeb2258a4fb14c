-- wrk: each connection sends a request every APIGW_BENCH_DELAY ms
-- (bench/throttle.sh, accuracy)
local pause = tonumber(os.getenv("APIGW_BENCH_DELAY"))

function delay()
    return pause
end
