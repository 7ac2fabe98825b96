-- wrk script for benchmarks/load.py: POST the GraphQL body in the file named by env BODY_FILE,
-- or, without BODY_FILE, GET the URL given to wrk (a REST request). Counts answers that are not
-- HTTP 2xx, and GraphQL answers carrying "errors" (a 200 with errors would otherwise pass), and
-- prints one JSON line with throughput and latency percentiles when done.
local body_file = os.getenv("BODY_FILE")
local graphql = body_file ~= nil and body_file ~= ""
if graphql then
  local f = assert(io.open(body_file, "rb"))
  wrk.method = "POST"
  wrk.body = f:read("*a")
  f:close()
  wrk.headers["Content-Type"] = "application/json"
end
wrk.headers["Accept"] = "application/json"

local threads = {}
function setup(thread) table.insert(threads, thread) end

gql_errors = 0
function response(status, headers, body)
  if graphql and status == 200 and string.find(body, '"errors"', 1, true) then gql_errors = gql_errors + 1 end
end

function done(summary, latency, requests)
  local gerr = 0
  for _, t in ipairs(threads) do gerr = gerr + (t:get("gql_errors") or 0) end
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format(
    '{"requests":%d,"seconds":%.3f,"rps":%.1f,"bytes":%d,"lat_mean_ms":%.3f,"lat_p50_ms":%.3f,' ..
    '"lat_p90_ms":%.3f,"lat_p99_ms":%.3f,"lat_max_ms":%.3f,"err_connect":%d,"err_read":%d,' ..
    '"err_write":%d,"err_status":%d,"err_timeout":%d,"err_graphql":%d}\n',
    summary.requests, secs, summary.requests / secs, summary.bytes, latency.mean / 1000,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, e.connect, e.read, e.write, e.status, e.timeout, gerr))
end
