--[[
  Renew an instance's lease: O(1), whatever its session count.
  Input:
    KEYS[1] leases zset
    KEYS[2] instance hash
    ARGV[1] instance id
    ARGV[2] incarnation
    ARGV[3] lease length (ms)
  Output:
    {0, nowMs} renewed
    {-2, nowMs} the instance hash holds another incarnation (this one was superseded)
    {-4, nowMs} the instance hash is gone (a reaper took this incarnation for dead)
]]
local rcall = redis.call
local leasesKey, instanceKey = KEYS[1], KEYS[2]
local instanceId, incarnation = ARGV[1], ARGV[2]
local leaseMs = tonumber(ARGV[3])

--- @include "includes/redisTime"

local nowMs = redisNowMs()
local owner = rcall('HGET', instanceKey, 'incarnation')
if not owner then return {-4, nowMs} end
if owner ~= incarnation then return {-2, nowMs} end
rcall('HSET', instanceKey, 'heartbeatAt', int(nowMs))
rcall('ZADD', leasesKey, int(nowMs + leaseMs), instanceId)
return {0, nowMs}
