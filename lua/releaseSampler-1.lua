--[[
  Give up the sampler lease on a graceful stop, so another instance samples at its next tick
  instead of after the lease lapses. Only the holder's own lease is deleted.
  Input:
    KEYS[1] sampler lease
    ARGV[1] sampler id
  Output:
    1 released, 0 held by another instance or by nobody
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
