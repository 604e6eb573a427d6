-- wrk script for `npm run bench`: forward-auth subrequests as a reverse proxy sends them.
--   wrk -t1 -c64 -d10s -s forward-auth.lua http://127.0.0.1:PORT/auth -- TOKENS_FILE
-- One request per line of TOKENS_FILE is built once in init() (wrk's own CPU per request stays small), rotating
-- through the pool; a line "-" sends no Authorization header (the missing_token scenario). Traefik-style
-- X-Forwarded-* headers on every request. done() prints one line: BENCH_JSON {...} (latencies in microseconds).

local reqs = {}
local n = 0
local i = 0

function init(args)
  local file = args[1]
  if not file then error("usage: wrk ... -s forward-auth.lua URL -- TOKENS_FILE") end
  for token in io.lines(file) do
    if #token > 0 then
      n = n + 1
      local headers = {
        ["Host"] = wrk.host .. ":" .. wrk.port,
        ["X-Forwarded-Method"] = "GET",
        ["X-Forwarded-Proto"] = "https",
        ["X-Forwarded-Host"] = "app.bench.test",
        ["X-Forwarded-Uri"] = "/api/v1/items/" .. n .. "?view=full",
        ["X-Forwarded-For"] = "198.51.100." .. (n % 250 + 1),
      }
      if token ~= "-" then headers["Authorization"] = "Bearer " .. token end
      reqs[n] = wrk.format("GET", wrk.path, headers)
    end
  end
  if n == 0 then error("no tokens in " .. file) end
end

function request()
  i = i + 1
  if i > n then i = 1 end
  return reqs[i]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,' ..
    '"errors":%d,"non2xx":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
