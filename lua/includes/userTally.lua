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

-- Returns false when the user is known to be counted already, or the period is closed.
local function addUser(u, userId)
  loadUserTally(u)
  if u.closed then
    u.refused = u.refused + 1
    return false
  end
  if u.exact then
    if redis.call('SADD', u.setKey, userId) == 0 then return false end
    redis.call('PFADD', u.hllKey, userId)
    u.count = u.count + 1
    u.touched = true
    if u.count > u.threshold then
      u.exact = false
      redis.call('DEL', u.setKey)
    end
    return true
  end
  redis.call('PFADD', u.hllKey, userId)
  u.touched = true
  return true
end

-- Counts a user active on a day and its month; true when the day did not count them before (or
-- counts only in its HyperLogLog). A user the day knows is in the month already; any other may be
-- new to it, also when the day itself is closed.
local function addActiveUser(day, month, userId)
  local newToDay = addUser(day, userId)
  if newToDay or not day.exact or day.closed then addUser(month, userId) end
  return newToDay
end

local function saveUserTally(u, expireAt, setExpireAt)
  if not u.touched then return end
  if u.exact then
    redis.call('HSET', u.hashKey, 'users', int(u.count))
    extendExpiry(u.setKey, setExpireAt)
  else
    redis.call('HSET', u.hashKey, 'inexact', '1')
    redis.call('HDEL', u.hashKey, 'users')
  end
  extendExpiry(u.hashKey, expireAt)
  extendExpiry(u.hllKey, expireAt)
end
