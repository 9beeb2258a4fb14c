-- wrk: GET the URL's path with a key appended as its last segment.
--   KEYS unset or 0: every request a key of its own, counted from
--                    KEYS_FROM (a new entry for each request)
--   KEYS=N:          one of the keys 0 .. N-1, at random
--   KEYS=N FILL=1:   each key once, in turn over the threads; then each
--                    thread stops, and leaves the file FILL_DONE.<thread>
--                    (wrk itself waits out -d, or a SIGINT)
-- THREADS and CONNECTIONS: wrk's -t and -c, so that the threads share
-- the keys out, and a filling thread stops once no first request of a
-- key can still be in flight.

local keys = tonumber(os.getenv("KEYS") or "0")
local from = tonumber(os.getenv("KEYS_FROM") or "0")
local fill = os.getenv("FILL") == "1" and keys > 0
local stride = tonumber(os.getenv("THREADS") or "1")
local conns = tonumber(os.getenv("CONNECTIONS") or "64")

local threads = 0

-- in wrk's main state, once a thread
function setup(thread)
    thread:set("index", threads)
    threads = threads + 1
end

local sent, answered, share

function init(args)
    sent = 0
    answered = 0
    -- the keys k < KEYS with k % THREADS == index
    share = math.floor((keys - index + stride - 1) / stride)
    math.randomseed(index + 1)
end

function request()
    local k

    if keys == 0 then
        k = from + index + stride * sent
    elseif fill then
        -- past its share (answers still to come): a key it has asked
        k = sent < share and index + stride * sent or index
    else
        k = math.random(0, keys - 1)
    end

    sent = sent + 1
    return wrk.format(nil, wrk.path .. string.format("%.0f", k))
end

-- only when filling: wrk parses every answer for a response()
if fill then
    function response()
        answered = answered + 1
        -- its keys asked and answered: what is in flight repeats them
        if answered == share + conns then
            io.open(os.getenv("FILL_DONE") .. "." .. index, "w"):close()
            wrk.thread:stop()
        end
    end
end
