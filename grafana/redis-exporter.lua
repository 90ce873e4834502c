--[[
  sau-monitor gauges for oliver006/redis_exporter: `redis_exporter --script redis-exporter.lua`.
  redis_exporter runs this with EVAL and no keys on every scrape and exports each name/value pair
  of the reply as redis_script_values{key="<name>"} (README "## Prometheus" shows the relabelling
  that turns them back into sau_users{namespace="chat"} and the rest).
  It only reads. To find the namespaces it SCANs for `sau:{*}:gauges` hashes, at most
  MAX_SCAN_CALLS * SCAN_COUNT keys per scrape, unless NAMESPACES below lists them: then it reads
  those hashes only, in O(1) each, and scans nothing.
  Input:
    none (no KEYS; redis_exporter's extra argument is ignored)
  Output:
    flat array of alternating name and value strings:
      "sau_users:<namespace>", "<n>", "sau_sessions:<namespace>", "<n>", ... for every sampled
      namespace (one never sampled gives nothing), then
      "sau_script_namespaces", "<namespaces exported>",
      "sau_script_scan_complete", "1" when the scan saw the whole keyspace (or NAMESPACES was
      given), "0" when it stopped at its bound and namespaces may be missing
]]
local rcall = redis.call

-- Namespaces to export, e.g. { 'chat', 'support' }; empty = find them with SCAN.
local NAMESPACES = {}
-- Keys SCAN looks at per call, and most calls per scrape. The script blocks Redis while it runs,
-- 1 to 8 ms per 1,000 keys looked at (a busy 2-core machine), so the scan stops after 10,000 keys
-- (scan_complete 0); listing NAMESPACES costs well under 1 ms instead.
local SCAN_COUNT = 1000
local MAX_SCAN_CALLS = 10

-- Gauges hash field -> exported name, in the order of src/metrics/sau-metric-definitions.ts.
local METRICS = {
  { 'users', 'sau_users' },
  { 'sessions', 'sau_sessions' },
  { 'anonymousSessions', 'sau_anonymous_sessions' },
  { 'instances', 'sau_instances' },
  { 'dau', 'sau_daily_active_users' },
  { 'wau', 'sau_weekly_active_users' },
  { 'mau', 'sau_monthly_active_users' },
  { 'rolling30', 'sau_rolling30_active_users' },
  { 'peakUsersToday', 'sau_peak_users_today' },
  { 'stickiness', 'sau_stickiness_ratio' },
}

local function gaugesKey(namespace)
  return 'sau:{' .. namespace .. '}:gauges'
end

-- Namespaces whose gauges hash exists, and whether the scan finished within its bound.
local function scanNamespaces()
  local found, seen = {}, {}
  local cursor = '0'
  for _ = 1, MAX_SCAN_CALLS do
    local reply = rcall('SCAN', cursor, 'MATCH', 'sau:{*}:gauges', 'COUNT', SCAN_COUNT, 'TYPE', 'hash')
    cursor = reply[1]
    for _, key in ipairs(reply[2]) do
      -- The glob's * also matches '}:x:{'; a namespace never holds braces.
      local namespace = string.match(key, '^sau:{([^{}]+)}:gauges$')
      if namespace and not seen[namespace] then
        seen[namespace] = true
        found[#found + 1] = namespace
      end
    end
    if cursor == '0' then
      table.sort(found)
      return found, true
    end
  end
  table.sort(found)
  return found, false
end

local namespaces, complete
if #NAMESPACES > 0 then
  namespaces, complete = NAMESPACES, true
else
  namespaces, complete = scanNamespaces()
end

local result = {}
local exported = 0
for _, namespace in ipairs(namespaces) do
  local raw = rcall('HGETALL', gaugesKey(namespace))
  local fields = {}
  for i = 1, #raw, 2 do
    fields[raw[i]] = raw[i + 1]
  end
  -- Without updatedAt no monitor has sampled this namespace: nothing to export.
  local updatedAt = tonumber(fields.updatedAt)
  if updatedAt then
    exported = exported + 1
    for _, metric in ipairs(METRICS) do
      local value = tonumber(fields[metric[1]])
      if value then
        result[#result + 1] = metric[2] .. ':' .. namespace
        result[#result + 1] = fields[metric[1]]
      end
    end
    result[#result + 1] = 'sau_gauges_updated_timestamp_seconds:' .. namespace
    result[#result + 1] = string.format('%.3f', updatedAt / 1000)
  end
end
result[#result + 1] = 'sau_script_namespaces'
result[#result + 1] = tostring(exported)
result[#result + 1] = 'sau_script_scan_complete'
result[#result + 1] = complete and '1' or '0'
return result
