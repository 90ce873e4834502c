--[[
  List instances whose lease has lapsed by Redis TIME, and count incarnations already being reaped.
  Reads only; a live instance calls it on its heartbeat, so it must stay cheap.
  Input:
    KEYS[1] leases zset
    KEYS[2] reaping hash
    ARGV[1] most instance ids to return
  Output:
    {nowMs, incarnations being reaped, lapsed instance id, ...}
]]
local rcall = redis.call
local leasesKey, reapingKey = KEYS[1], KEYS[2]
local limit = tonumber(ARGV[1])

--- @include "includes/redisTime"

local nowMs = redisNowMs()
local ids = rcall('ZRANGE', leasesKey, '-inf', '(' .. int(nowMs), 'BYSCORE', 'LIMIT', 0, limit)
table.insert(ids, 1, rcall('HLEN', reapingKey))
table.insert(ids, 1, nowMs)
return ids
