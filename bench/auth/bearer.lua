-- wrk: GET with the token of $APIGW_BENCH_TOKEN (bench/auth.sh)
wrk.headers["Authorization"] = "Bearer " .. os.getenv("APIGW_BENCH_TOKEN")
