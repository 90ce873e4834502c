-- The one clock: every timestamp comes from the Redis server, never from an instance.
local function redisNowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Integers as Redis arguments: Lua's own tostring rounds to 14 digits, and redis.call formats a
-- number argument with "%.17g", a float conversion that costs a busy script more than "%d".
local function int(n)
  return string.format('%d', n)
end
