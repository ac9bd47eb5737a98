-- wrk script of bench/growth/many_keys.sh: POSTs the body of BENCH_BODY_FILE, each request with
-- the next virtual key of sk-growth-<GROWTH_KEY_FIRST> .. sk-growth-<GROWTH_KEY_FIRST +
-- GROWTH_KEY_COUNT - 1> (7 digits; in turn, then again from the first). GROWTH_STOP_AFTER=n: the
-- thread stops after n answers (one pass over the keys). Use one wrk thread (-t1): the turn is
-- per thread.
local function read_file(path)
  local f = assert(io.open(path, "rb"), "cannot open " .. tostring(path))
  local s = f:read("*a")
  f:close()
  return s
end

local first = tonumber(os.getenv("GROWTH_KEY_FIRST") or "0")
local count = tonumber(os.getenv("GROWTH_KEY_COUNT") or "1")
local stop_after = tonumber(os.getenv("GROWTH_STOP_AFTER") or "0")
wrk.method = "POST"
wrk.body = read_file(os.getenv("BENCH_BODY_FILE"))
wrk.headers["Content-Type"] = "application/json"

local i = 0
local answers = 0

function request()
  local k = first + (i % count)
  i = i + 1
  wrk.headers["Authorization"] = string.format("Bearer sk-growth-%07d", k)
  return wrk.format()
end

function response(status, headers, body)
  answers = answers + 1
  if stop_after > 0 and answers >= stop_after then wrk.thread:stop() end
end
