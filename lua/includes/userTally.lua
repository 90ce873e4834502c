--- @include "redisTime"
--- @include "expiry"

-- Distinct users of one day or month: an exact SET while it holds at most `threshold` users, and a
-- HyperLogLog fed from the first user on, so switching to it loses nothing. The exact count is
-- kept in the period's hash (fields users, or inexact=1 once switched), which outlives the set.
--
-- A period whose exact count is frozen but whose set has expired (its life is over: about 31 days
-- after a day, two months after a month) is closed: without the set nobody can be told apart from
-- the users already counted, and a new set would restart the count from zero over the frozen one.
-- So it takes nobody; `refused` counts who was turned away, for the caller to report. A period
-- counted only in its HyperLogLog takes users for its whole retention. Only a past period can be
-- closed: a caller writing today's (`current`) trusts the count in the hash and skips the check.
local TALLY_CHUNK = 1000

-- `key`: the period's hash, read when the tally is first used (`count` is false until then).
-- Eight fields, so the table takes eight places, not sixteen (every byte a call allocates costs it
-- time): the threshold is the caller's, given to each call that counts; `changed` names what the
-- hash needs written (the count, or the switch to the HyperLogLog); what only a past period needs
-- (`closed`, `refused`) is added when it does.
local function newUserTally(key, setKey, hllKey, current)
  return { key = key, setKey = setKey, hllKey = hllKey, current = current,
           exact = true, count = false, touched = false, changed = false }
end

local function loadUserTally(u)
  if u.count then return end
  local fields = redis.call('HMGET', u.key, 'inexact', 'users')
  u.count = 0
  u.exact = fields[1] ~= '1'
  if not u.exact then return end
  if u.current then
    u.count = tonumber(fields[2] or '0')
  else
    u.count = redis.call('SCARD', u.setKey)
    if u.count == 0 and fields[2] ~= false then u.closed = true end
  end
end

-- Those of `userIds[first..last]` the exact set did not hold, now added to it.
local function addToSet(u, userIds, first, last)
  if first == last then
    -- One user (a light server's call): SADD answers whether it is new.
    return redis.call('SADD', u.setKey, userIds[first]) == 1 and { userIds[first] } or {}
  end
  local present = redis.call('SMISMEMBER', u.setKey, unpack(userIds, first, last))
  local fresh = {}
  for i = first, last do
    if present[i - first + 1] == 0 then fresh[#fresh + 1] = userIds[i] end
  end
  if #fresh > 0 then redis.call('SADD', u.setKey, unpack(fresh)) end
  return fresh
end

-- Counts distinct `userIds[from..to]`; returns those the period did not count before: every one once
-- it counts only in its HyperLogLog, none when it is closed. A few variadic commands per thousand
-- users, whatever their number. Past `threshold` users the exact set goes.
local function addUsers(u, threshold, userIds, from, to)
  loadUserTally(u)
  local added = {}
  if to < from then return added end
  if u.closed then
    u.refused = (u.refused or 0) + to - from + 1
    return added
  end
  u.touched = true
  for first = from, to, TALLY_CHUNK do
    local last = math.min(to, first + TALLY_CHUNK - 1)
    if u.exact then
      local fresh = addToSet(u, userIds, first, last)
      if #fresh > 0 then
        redis.call('PFADD', u.hllKey, unpack(fresh))
        for _, userId in ipairs(fresh) do added[#added + 1] = userId end
        u.count = u.count + #fresh
        u.changed = 'users'
        if u.count > threshold then
          u.exact = false
          u.changed = 'inexact'
          redis.call('DEL', u.setKey)
        end
      end
    else
      redis.call('PFADD', u.hllKey, unpack(userIds, first, last))
      for i = first, last do added[#added + 1] = userIds[i] end
    end
  end
  return added
end

-- Counts distinct users (userIds[from..to]) active on a day and its month; returns those new to the
-- day (every one once the day counts only in its HyperLogLog). A user the day counted before is in
-- the month already; any other may be new to it, also when the day itself is closed.
local function addActiveUsers(day, month, threshold, userIds, from, to)
  loadUserTally(day)
  local wasExact = day.exact and not day.closed
  local newToDay = addUsers(day, threshold, userIds, from, to)
  if wasExact then
    addUsers(month, threshold, newToDay, 1, #newToDay)
  else
    addUsers(month, threshold, userIds, from, to)
  end
  return newToDay
end

-- Writes the count fields that changed; the exact set's expiry too when given and users were
-- counted.
local function saveUserTally(u, setExpireAt)
  if u.changed == 'users' then
    redis.call('HSET', u.key, 'users', u.count)
  elseif u.changed == 'inexact' then
    redis.call('HSET', u.key, 'inexact', '1')
    redis.call('HDEL', u.key, 'users')
  end
  if u.touched and u.exact and setExpireAt then extendExpiry(u.setKey, setExpireAt) end
end
