-- wrk script: catalog searches that always miss the cache (each query is new).
local words = {"lamp", "desk", "mug", "blue", "chair", "light", "steel", "oak"}
local counter = 0
request = function()
  counter = counter + 1
  local q = words[(counter % #words) + 1] .. "+" .. words[(math.floor(counter / 3) % #words) + 1]
  return wrk.format("GET", "/api/products?q=" .. q .. "&limit=20&n=" .. counter)
end
done = function(summary, latency, requests)
  io.write(string.format("p50_ms %.2f p99_ms %.2f\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
