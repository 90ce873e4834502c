--- @include "redisTime"

-- Distinct users of one day or month: an exact SET while it holds at most `threshold` users, and a
-- HyperLogLog fed from the first user on, so switching to it loses nothing. The exact count is also
-- frozen into the period's hash, which outlives the set.
local function newUserTally(hashKey, setKey, hllKey, threshold)
  return { hashKey = hashKey, setKey = setKey, hllKey = hllKey, threshold = threshold,
           loaded = false, exact = true, count = 0, touched = false }
end

local function loadUserTally(u)
  if u.loaded then return end
  u.loaded = true
  u.exact = redis.call('HGET', u.hashKey, 'inexact') ~= '1'
  if u.exact then u.count = redis.call('SCARD', u.setKey) end
end

-- Returns false only when the user is known to be counted already.
local function addUser(u, userId)
  loadUserTally(u)
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

local function saveUserTally(u, expireAt, setExpireAt)
  if not u.touched then return end
  if u.exact then
    redis.call('HSET', u.hashKey, 'users', int(u.count))
    redis.call('EXPIREAT', u.setKey, int(setExpireAt), 'NX')
  else
    redis.call('HSET', u.hashKey, 'inexact', '1')
    redis.call('HDEL', u.hashKey, 'users')
  end
  redis.call('EXPIREAT', u.hashKey, int(expireAt), 'NX')
  redis.call('EXPIREAT', u.hllKey, int(expireAt), 'NX')
end
