-- wrk: a user id header, hashed by the gateway on every request
-- (bench/canary.sh, sticky); fixed, so that wrk does no more work here
-- than in the other cases
wrk.headers["X-User"] = "user-42"
