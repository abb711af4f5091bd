-- POSTs one fixed body per request; used for call creation (B2, B3, B4), the simulator's
-- originate (B2, B3 references) and the token endpoint (B5). Configured by the environment:
--   BENCH_PATH          request path (and query)
--   BENCH_BODY          request body
--   BENCH_CONTENT_TYPE  default application/json
--   BENCH_AUTH          Authorization header value (optional)
--   BENCH_OK            the expected status (default 201)
--   BENCH_STOP_AFTER    per thread: stop after this many responses (0: run for -d)
--   BENCH_DELAY_MS      per connection: pause between requests (0: none), for a paced load
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
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0")

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

if delay_ms > 0 then
   function delay()
      return delay_ms
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
