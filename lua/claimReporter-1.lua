--[[
  Take or keep the lease of reporting one remote instance (a Rocket.Chat ddp-streamer, whose
  sessions every app process hears of) for ARGV[2] ms: granted when nobody holds it or the caller
  already does, so one process at a time writes that instance's sessions. A holder gives the
  lease up with a lease of 0.
  Input:
    KEYS[1] reporter lease of the remote instance
    ARGV[1] holder (the claiming process's instance id and a token of its own)
    ARGV[2] lease (ms, Redis clock); 0 deletes the caller's lease
  Output:
    1 held by the caller (0 ms: given up), 0 held by another
]]
local rcall = redis.call
local leaseKey = KEYS[1]
local holder, leaseMs = ARGV[1], tonumber(ARGV[2])
local current = rcall('GET', leaseKey)
if current and current ~= holder then
  return 0
end
if leaseMs <= 0 then
  rcall('DEL', leaseKey)
else
  rcall('SET', leaseKey, holder, 'PX', leaseMs)
end
return 1
