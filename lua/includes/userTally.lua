--- @include "redisTime"
--- @include "expiry"
--- @include "fieldBatch"

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

-- `fb`: the period's hash (fieldBatch); its fields are read with the caller's other fields, unless
-- `used` is false (the call will most likely not count anybody).
local function newUserTally(fb, setKey, hllKey, threshold, current, used)
  if used ~= false then
    want(fb, 'inexact')
    want(fb, 'users')
  end
  return { fb = fb, setKey = setKey, hllKey = hllKey, threshold = threshold, current = current,
           loaded = false, exact = true, closed = false, count = 0, refused = 0, touched = false }
end

-- After the hash's fields are loaded.
local function loadUserTally(u)
  if u.loaded then return end
  u.loaded = true
  u.exact = fieldValue(u.fb, 'inexact') ~= '1'
  if not u.exact then return end
  if u.current then
    u.count = fieldNumber(u.fb, 'users')
  else
    u.count = redis.call('SCARD', u.setKey)
    u.closed = u.count == 0 and fieldValue(u.fb, 'users') ~= false
  end
end

-- Counts distinct `userIds[from..to]`; returns those the period did not count before: every one once
-- it counts only in its HyperLogLog, none when it is closed. A few variadic commands per thousand
-- users, whatever their number.
local function addUsers(u, userIds, from, to)
  loadUserTally(u)
  local added = {}
  if to < from then return added end
  if u.closed then
    u.refused = u.refused + to - from + 1
    return added
  end
  u.touched = true
  for first = from, to, TALLY_CHUNK do
    local last = math.min(to, first + TALLY_CHUNK - 1)
    if u.exact then
      local present = redis.call('SMISMEMBER', u.setKey, unpack(userIds, first, last))
      local fresh = {}
      for i = first, last do
        if present[i - first + 1] == 0 then fresh[#fresh + 1] = userIds[i] end
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
      redis.call('PFADD', u.hllKey, unpack(userIds, first, last))
      for i = first, last do added[#added + 1] = userIds[i] end
    end
  end
  return added
end

-- Counts distinct users (userIds[from..to]) active on a day and its month; returns those new to the
-- day (every one once the day counts only in its HyperLogLog). A user the day counted before is in
-- the month already; any other may be new to it, also when the day itself is closed.
local function addActiveUsers(day, month, userIds, from, to)
  loadUserTally(day)
  local wasExact = day.exact and not day.closed
  local newToDay = addUsers(day, userIds, from, to)
  if wasExact then addUsers(month, newToDay, 1, #newToDay) else addUsers(month, userIds, from, to) end
  return newToDay
end

-- Sets the count fields (the caller saves the hash); the exact set's expiry too when given.
local function saveUserTally(u, setExpireAt)
  if not u.touched then return end
  if u.exact then
    setField(u.fb, 'users', u.count)
    if setExpireAt then extendExpiry(u.setKey, setExpireAt) end
  else
    setField(u.fb, 'inexact', '1')
    setField(u.fb, 'users', nil)
  end
end
