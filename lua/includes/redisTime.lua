-- The one clock: every timestamp comes from the Redis server, never from an instance.
local function redisNowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Integers as Redis arguments without Lua's %.14g rounding.
local function int(n)
  return string.format('%.0f', n)
end
