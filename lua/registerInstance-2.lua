--[[
  Register a new incarnation of an instance and take its lease. The previous incarnation, if any,
  is returned so the caller can close its sessions at once (at its last heartbeat).
  Input:
    KEYS[1] leases zset
    KEYS[2] instance hash
    ARGV[1] instance id
    ARGV[2] new incarnation
    ARGV[3] lease length (ms)
    ARGV[4] host name
    ARGV[5] process id
    ARGV[6] IANA time zone of the instance's days (so readers can tell a reader in another zone)
  Output:
    {nowMs, previous incarnation or "", previous heartbeatAt ms or 0}
]]
local rcall = redis.call
local leasesKey, instanceKey = KEYS[1], KEYS[2]
local instanceId, incarnation = ARGV[1], ARGV[2]
local leaseMs = tonumber(ARGV[3])
local host, pid, timezone = ARGV[4], ARGV[5], ARGV[6]

--- @include "includes/redisTime"

local nowMs = redisNowMs()
local previous = rcall('HMGET', instanceKey, 'incarnation', 'heartbeatAt')
rcall('DEL', instanceKey)
rcall('HSET', instanceKey, 'incarnation', incarnation, 'startedAt', int(nowMs), 'heartbeatAt', int(nowMs),
  'host', host, 'pid', pid, 'timezone', timezone)
rcall('ZADD', leasesKey, int(nowMs + leaseMs), instanceId)
return {nowMs, previous[1] or '', tonumber(previous[2] or '0')}
