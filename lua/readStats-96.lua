--[[
  Read everything `stats()` reports in one round trip: live totals, the day, the 7 and 30 days
  ending on it, and its month. Reads only; cost does not depend on the number of live sessions.
  Input:
    KEYS[1] live totals hash
    KEYS[2] live users refcount hash
    KEYS[3] leases zset
    KEYS[4] month hash
    KEYS[5] month users set
    KEYS[6] month users hll
    KEYS[7..36] day hashes, the requested day first, then each day before it
    KEYS[37..66] day users sets, same order
    KEYS[67..96] day users hlls, same order
    ARGV[1] largest sum of day set sizes for which a 7 or 30 day union is computed exactly
  Output:
    flat array of numbers:
      nowMs, live users, live sessions, anonymous sessions, live instances,
      day users, day exact (1/0), sessions opened, logins, session ms, peak users, peak at ms,
      week users, week exact, rolling 30 users, rolling 30 exact, month users, month exact,
      sessions closed that day
]]
local rcall = redis.call
local liveKey, usersKey, leasesKey = KEYS[1], KEYS[2], KEYS[3]
local monthKey, monthUsersKey, monthHllKey = KEYS[4], KEYS[5], KEYS[6]
local DAYS, FIRST_HASH, FIRST_SET, FIRST_HLL = 30, 7, 37, 67
local exactUnionLimit = tonumber(ARGV[1])

--- @include "includes/redisTime"

local nowMs = redisNowMs()
local live = rcall('HMGET', liveKey, 'sessions', 'anonymous')
local instances = rcall('ZCOUNT', leasesKey, '(' .. int(nowMs), '+inf')

-- Distinct users of one period: the live set while it exists, else the frozen exact count, else
-- the HyperLogLog once the period outgrew the exact threshold.
local function periodUsers(hashKey, setKey, hllKey)
  local fields = rcall('HMGET', hashKey, 'inexact', 'users')
  if fields[1] == '1' then return rcall('PFCOUNT', hllKey), 0, false end
  local size = rcall('SCARD', setKey)
  if size > 0 then return size, 1, true end
  return tonumber(fields[2] or '0'), 1, false
end

-- Distinct users over the first n days: exact union of the day sets when every day is exact,
-- its set still exists and the sets are small; otherwise the merged HyperLogLogs.
local function windowUsers(n)
  local total, sets, hlls, exact = 0, {}, {}, true
  for i = 0, n - 1 do
    local users, _, hasSet = periodUsers(KEYS[FIRST_HASH + i], KEYS[FIRST_SET + i], KEYS[FIRST_HLL + i])
    if users > 0 then
      if hasSet then
        total = total + users
        sets[#sets + 1] = KEYS[FIRST_SET + i]
      else
        exact = false
      end
    end
    hlls[#hlls + 1] = KEYS[FIRST_HLL + i]
  end
  if exact and total <= exactUnionLimit then
    if #sets == 0 then return 0, 1 end
    return #rcall('SUNION', unpack(sets)), 1
  end
  return rcall('PFCOUNT', unpack(hlls)), 0
end

local dayUsers, dayExact = periodUsers(KEYS[FIRST_HASH], KEYS[FIRST_SET], KEYS[FIRST_HLL])
local day = rcall('HMGET', KEYS[FIRST_HASH], 'sessions', 'logins', 'sessionMs', 'peakUsers', 'peakAt', 'closed')
local weekUsers, weekExact = windowUsers(7)
local rollingUsers, rollingExact = windowUsers(DAYS)
local monthUsers, monthExact = periodUsers(monthKey, monthUsersKey, monthHllKey)

local function n(v) return tonumber(v or '0') end
return {
  nowMs, rcall('HLEN', usersKey), n(live[1]), n(live[2]), instances,
  dayUsers, dayExact, n(day[1]), n(day[2]), n(day[3]), n(day[4]), n(day[5]),
  weekUsers, weekExact, rollingUsers, rollingExact, monthUsers, monthExact, n(day[6]),
}
