-- wrk script: POST /api/orders as several customers, one random SKU each.
-- Tokens and SKUs come from the environment (set by run_http_bench.sh).
local tokens = {}
for t in string.gmatch(os.getenv("AGORA_TOKENS") or "", "[^,]+") do tokens[#tokens + 1] = t end
local skus = {}
for s in string.gmatch(os.getenv("AGORA_SKUS") or "", "[^,]+") do skus[#skus + 1] = s end
local delay_ms = tonumber(os.getenv("AGORA_DELAY_MS") or "0")
local counter = 0

request = function()
  counter = counter + 1
  local token = tokens[(counter % #tokens) + 1]
  local sku = skus[(counter % #skus) + 1]
  return wrk.format("POST", "/api/orders", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }, '{"items":[{"sku":"' .. sku .. '","quantity":1}]}')
end

function delay()
  return delay_ms
end

local statuses = {}
response = function(status)
  statuses[status] = (statuses[status] or 0) + 1
end

done = function(summary, latency, requests)
  io.write(string.format("p50_ms %.2f p90_ms %.2f p99_ms %.2f\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000))
end
