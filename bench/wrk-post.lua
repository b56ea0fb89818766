-- wrk script: POST the GraphQL body in $BODY_FILE with the bearer token in $TOKEN. Prints one line for
-- scripts/bench.sh: "RESULT <requests/s> <p50 ms> <p99 ms> <bad>", bad counting non-200 answers and answers
-- with errors, so a broken run cannot pass for a fast one.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
local f = assert(io.open(os.getenv("BODY_FILE")))
wrk.body = f:read("*a")
f:close()

-- Each wrk thread has its own Lua state: the counts live in the threads and done() collects them.
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

bad = 0
function response(status, headers, body)
  if status ~= 200 or body:find('"errors"', 1, true) then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do
    n = n + (t:get("bad") or 0)
  end
  io.write(string.format("RESULT %.1f %.2f %.2f %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, n + summary.errors.status))
end
