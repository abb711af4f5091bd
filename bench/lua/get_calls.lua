-- GET /api/v2/calls/{id} with ids spread over every call listed in BENCH_IDS (one id a line),
-- with the Authorization header BENCH_AUTH. Requests are formatted once in init(), so wrk's
-- per-request cost is the same against the service and against the reference server (B1, B5).
-- No response() hook: wrk then skips keeping each response for Lua, and counts non-2xx answers
-- itself ("Non-2xx or 3xx responses"), which bench/run.sh treats as a broken run.
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("index", counter)
end

function init(args)
   local headers = {}
   local auth = os.getenv("BENCH_AUTH")
   if auth and auth ~= "" then headers["Authorization"] = auth end
   requests = {}
   for id in io.lines(os.getenv("BENCH_IDS")) do
      if id ~= "" then
         requests[#requests + 1] = wrk.format("GET", "/api/v2/calls/" .. id, headers)
      end
   end
   math.randomseed(os.time() + (index or 0) * 7919)
   position = math.random(#requests)
   -- A stride coprime with any list size that is not a multiple of it visits every id.
   stride = 7919
end

function request()
   position = (position + stride) % #requests + 1
   return requests[position]
end

