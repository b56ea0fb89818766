-- wrk script: POST the GraphQL body in $BODY_FILE with the bearer token in $TOKEN.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
local f = assert(io.open(os.getenv("BODY_FILE")))
wrk.body = f:read("*a")
f:close()

-- Count non-200 answers so a broken run cannot pass for a fast one.
local bad = 0
response = function(status, headers, body)
  if status ~= 200 or body:find('"errors"') then bad = bad + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("non-200 or error responses: %d\n", bad))
end
