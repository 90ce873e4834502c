--[[
  Give up an instance's lease after a graceful stop, once its sessions are closed.
  Input:
    KEYS[1] leases zset
    KEYS[2] instance hash
    KEYS[3] instance sessions zset (this incarnation)
    ARGV[1] instance id
    ARGV[2] incarnation
  Output:
    1 released; 0 when another incarnation owns the id (nothing is touched);
    -3 when sessions are still open (close them first)
]]
local rcall = redis.call
local leasesKey, instanceKey, sessionsKey = KEYS[1], KEYS[2], KEYS[3]
local instanceId, incarnation = ARGV[1], ARGV[2]

if rcall('HGET', instanceKey, 'incarnation') ~= incarnation then return 0 end
if rcall('EXISTS', sessionsKey) == 1 then return -3 end
rcall('DEL', instanceKey)
rcall('ZREM', leasesKey, instanceId)
return 1
