-- POSTs one fixed body per request; used for call creation (B2, B3, B4), the simulator's
-- originate (B2, B3 references) and the token endpoint (B5). Configured by the environment:
--   BENCH_PATH          request path (and query)
--   BENCH_BODY          request body
--   BENCH_CONTENT_TYPE  default application/json
--   BENCH_AUTH          Authorization header value (optional)
--   BENCH_OK            the expected status (default 201)
--   BENCH_STOP_AFTER    per thread: stop after this many responses (0: run for -d)
--   BENCH_RATE_PER_S    per thread: send at this steady rate (0: as fast as answered), on a
--                       schedule, so slower answers do not lower the rate while a connection
--                       is free (an open-loop load; a pause per connection would be closed-loop)
-- done() prints one line: "ok=N other=M" summed over the threads.
local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

local path = os.getenv("BENCH_PATH") or "/"
local body = os.getenv("BENCH_BODY") or ""
local content_type = os.getenv("BENCH_CONTENT_TYPE") or "application/json"
local auth = os.getenv("BENCH_AUTH")
local ok_status = tonumber(os.getenv("BENCH_OK") or "201")
local stop_after = tonumber(os.getenv("BENCH_STOP_AFTER") or "0")
local rate_per_s = tonumber(os.getenv("BENCH_RATE_PER_S") or "0")

local request_text

function init(args)
   ok = 0
   other = 0
   local headers = { ["Content-Type"] = content_type }
   if auth and auth ~= "" then headers["Authorization"] = auth end
   request_text = wrk.format("POST", path, headers, body)
end

function request()
   return request_text
end

if rate_per_s > 0 then
   -- wrk's Lua has no sub-second clock; LuaJIT's FFI reaches clock_gettime(CLOCK_MONOTONIC).
   local ffi = require("ffi")
   ffi.cdef [[
      typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
      int clock_gettime(int clock_id, bench_timespec* ts);
   ]]
   local now = ffi.new("bench_timespec")
   local function now_ms()
      ffi.C.clock_gettime(1, now)
      return tonumber(now.tv_sec) * 1000 + tonumber(now.tv_nsec) / 1e6
   end
   local interval_ms = 1000 / rate_per_s
   local next_at = nil
   -- Each request takes the next slot of the schedule and waits for it. Behind by over a second
   -- (every connection busy), the schedule restarts rather than sending a burst to catch up.
   function delay()
      local t = now_ms()
      if next_at == nil or next_at < t - 1000 then next_at = t end
      local wait = next_at - t
      next_at = next_at + interval_ms
      return wait > 0 and wait or 0
   end
end

function response(status, headers, response_body)
   if status == ok_status then ok = ok + 1 else other = other + 1 end
   if stop_after > 0 and ok + other >= stop_after then
      wrk.thread:stop()
   end
end

function done(summary, latency, requests)
   local total_ok, total_other = 0, 0
   for _, thread in ipairs(threads) do
      total_ok = total_ok + (thread:get("ok") or 0)
      total_other = total_other + (thread:get("other") or 0)
   end
   io.write(string.format("ok=%d other=%d\n", total_ok, total_other))
end
