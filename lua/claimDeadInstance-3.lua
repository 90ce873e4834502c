--[[
  Take over a dead instance for reaping, if its lease is still lapsed: its instance hash and lease
  go, and its incarnation is recorded in the reaping hash with its last heartbeat, so that any
  reaper (this one, or another if this one dies) can close its sessions at that instant. A process
  that was only paused finds its hash gone at its next call and re-registers.
  Input:
    KEYS[1] leases zset
    KEYS[2] instance hash
    KEYS[3] reaping hash (instance id NUL incarnation -> last heartbeat ms)
    ARGV[1] instance id
  Output:
    {1, incarnation, last heartbeat ms} claimed
    {0} the lease was renewed or is gone (nothing to do)
]]
local rcall = redis.call
local leasesKey, instanceKey, reapingKey = KEYS[1], KEYS[2], KEYS[3]
local instanceId = ARGV[1]

--- @include "includes/redisTime"

local nowMs = redisNowMs()
local expiry = tonumber(rcall('ZSCORE', leasesKey, instanceId))
if not expiry or expiry > nowMs then return {0} end
local fields = rcall('HMGET', instanceKey, 'incarnation', 'heartbeatAt')
rcall('ZREM', leasesKey, instanceId)
rcall('DEL', instanceKey)
if not fields[1] then return {0} end
local heartbeatMs = tonumber(fields[2] or '0')
rcall('HSET', reapingKey, instanceId .. '\0' .. fields[1], int(heartbeatMs))
return {1, fields[1], heartbeatMs}
