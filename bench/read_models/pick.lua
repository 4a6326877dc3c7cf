-- wrk script: GET one of many paths (one per line in $AGORA_PATHS_FILE), at
-- random, with the bearer token $AGORA_TOKEN: reads that the response cache
-- cannot answer (run agorad with --http.cache.max_entries=0).
local paths = {}
for line in io.lines(os.getenv("AGORA_PATHS_FILE")) do paths[#paths + 1] = line end
local token = os.getenv("AGORA_TOKEN")
math.randomseed(os.time())

request = function()
  return wrk.format("GET", paths[math.random(#paths)], {["Authorization"] = "Bearer " .. token})
end

local statuses = {}
response = function(status)
  statuses[status] = (statuses[status] or 0) + 1
end

done = function(summary, latency, requests)
  for s, n in pairs(statuses) do io.write(string.format("status %d: %d\n", s, n)) end
  io.write(string.format("p50_ms %.3f p90_ms %.3f p99_ms %.3f rps %.0f\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6)))
end
