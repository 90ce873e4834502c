--- @include "redisTime"
--- @include "expiry"

-- Distinct users of one day or month: an exact SET while it holds at most `threshold` users, and a
-- HyperLogLog fed from the first user on, so switching to it loses nothing. The exact count is also
-- frozen into the period's hash, which outlives the set.
--
-- A period whose exact count is frozen but whose set has expired (its life is over: about 31 days
-- after a day, two months after a month) is closed: without the set nobody can be told apart from
-- the users already counted, and a new set would restart the count from zero over the frozen one.
-- So it takes nobody; `refused` counts who was turned away, for the caller to report. A period
-- counted only in its HyperLogLog takes users for its whole retention.
local TALLY_CHUNK = 1000

local function newUserTally(hashKey, setKey, hllKey, threshold)
  return { hashKey = hashKey, setKey = setKey, hllKey = hllKey, threshold = threshold,
           loaded = false, exact = true, closed = false, count = 0, refused = 0, touched = false }
end

local function loadUserTally(u)
  if u.loaded then return end
  u.loaded = true
  local state = redis.call('HMGET', u.hashKey, 'inexact', 'users')
  u.exact = state[1] ~= '1'
  if u.exact then
    u.count = redis.call('SCARD', u.setKey)
    u.closed = u.count == 0 and state[2] ~= false
  end
end

-- True when the period is closed to new users (see above); loads it first.
local function isClosed(u)
  loadUserTally(u)
  return u.closed
end

-- Counts distinct `userIds` (no id twice); returns those the period did not count before: every
-- one once it counts only in its HyperLogLog, none when it is closed. A few variadic commands per
-- thousand users, whatever their number.
local function addUsers(u, userIds)
  loadUserTally(u)
  if #userIds == 0 then return userIds end
  if u.closed then
    u.refused = u.refused + #userIds
    return {}
  end
  u.touched = true
  local added = {}
  for from = 1, #userIds, TALLY_CHUNK do
    local to = math.min(#userIds, from + TALLY_CHUNK - 1)
    if u.exact then
      local present = redis.call('SMISMEMBER', u.setKey, unpack(userIds, from, to))
      local fresh = {}
      for i = from, to do
        if present[i - from + 1] == 0 then fresh[#fresh + 1] = userIds[i] end
      end
      if #fresh > 0 then
        redis.call('SADD', u.setKey, unpack(fresh))
        redis.call('PFADD', u.hllKey, unpack(fresh))
        for _, userId in ipairs(fresh) do added[#added + 1] = userId end
        u.count = u.count + #fresh
        if u.count > u.threshold then
          u.exact = false
          redis.call('DEL', u.setKey)
        end
      end
    else
      redis.call('PFADD', u.hllKey, unpack(userIds, from, to))
      for i = from, to do added[#added + 1] = userIds[i] end
    end
  end
  return added
end

-- Counts distinct users active on a day and its month; returns those new to the day (every one
-- once the day counts only in its HyperLogLog). A user the day counted before is in the month
-- already; any other may be new to it, also when the day itself is closed.
local function addActiveUsers(day, month, userIds)
  loadUserTally(day)
  local wasExact = day.exact and not day.closed
  local newToDay = addUsers(day, userIds)
  addUsers(month, wasExact and newToDay or userIds)
  return newToDay
end

-- Writes the count; expiries too unless `expireAt` is nil (applyBatch sets them itself).
local function saveUserTally(u, expireAt, setExpireAt)
  if not u.touched then return end
  if u.exact then
    redis.call('HSET', u.hashKey, 'users', int(u.count))
    if setExpireAt then extendExpiry(u.setKey, setExpireAt) end
  else
    redis.call('HSET', u.hashKey, 'inexact', '1')
    redis.call('HDEL', u.hashKey, 'users')
  end
  if expireAt then
    extendExpiry(u.hashKey, expireAt)
    extendExpiry(u.hllKey, expireAt)
  end
end
