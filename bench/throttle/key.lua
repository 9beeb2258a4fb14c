-- wrk: GET with the bench's API key (bench/throttle.sh)
wrk.headers["x-api-key"] = os.getenv("APIGW_BENCH_KEY")
