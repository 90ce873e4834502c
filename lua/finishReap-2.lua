--[[
  Forget a reaped incarnation once every one of its sessions is closed.
  Input:
    KEYS[1] reaping hash
    KEYS[2] instance sessions zset (the reaped incarnation)
    ARGV[1] reaping hash field (instance id NUL incarnation)
  Output:
    1 forgotten; 0 sessions are left (keep reaping)
]]
local rcall = redis.call
local reapingKey, sessionsKey = KEYS[1], KEYS[2]
local field = ARGV[1]

if rcall('EXISTS', sessionsKey) == 1 then return 0 end
rcall('HDEL', reapingKey, field)
return 1
