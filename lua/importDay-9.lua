--[[
  Add one part of an imported day (sau-cli import: Rocket.Chat session documents) to that day's
  history, at most once: the part is applied only if its digest is new to the day's imports hash,
  so importing the same file again (same sessions, same digests) changes nothing. Distinct users go
  through the same tallies as live logins (exact set, then HyperLogLog), so they never count twice
  whatever the digest; the digest guards the counters. Large days come as several parts (bounded
  work per call), each with its own digest; the counters ride on the first.
  Input:
    KEYS[1] day hash
    KEYS[2] day users set
    KEYS[3] day users hll
    KEYS[4] month hash
    KEYS[5] month users set
    KEYS[6] month users hll
    KEYS[7] day imports hash (digest of an applied part -> 1)
    KEYS[8] day breakdown users hash (user id -> values it was active with)
    KEYS[9] window cache hash: its version is bumped when the day gains users, so stats() stops
            using merges of past days built before (see lua/sampleGauges-101.lua)
    ARGV[1] digest of this part
    ARGV[2] exact threshold: most users a day or month counts in a set before only the HLL is kept
    ARGV[3] expiry of the day hash, HLL and imports hash (unix seconds)
    ARGV[4] expiry of the day users set (unix seconds)
    ARGV[5] expiry of the month hash and HLL (unix seconds)
    ARGV[6] expiry of the month users set (unix seconds)
    ARGV[7] expiry of the day breakdown users hash (unix seconds)
    ARGV[8] most distinct values a day's breakdown counts before the rest go to "other"
    ARGV[9] sessions opened that day
    ARGV[10] logins that day
    ARGV[11] sessions closed that day
    ARGV[12] session time spent that day (ms)
    ARGV[13] number of breakdown rows R
    ARGV[14..] R rows of four arguments (dimension 1 device, 2 os, 3 browser; value; sessions
             opened; ms), then users, two arguments each: user id, and the values it was active
             with, each as "<letter><value>" followed by \31 (letters d, o, b)
  A part with users is refused whole when the day or its month is closed: its exact count is
  frozen and its set's life is over (includes/userTally), so its users could not be told apart
  from those counted already, and counters without their users would not add up.
  Output:
    {1, users new to the day} when the part was applied
    {0, 0} when this digest was applied before (nothing changed)
    {-5, 0} when the day or its month is closed (nothing changed)
]]
local rcall = redis.call
local dayKey, dayUsersKey, dayHllKey = KEYS[1], KEYS[2], KEYS[3]
local monthKey, monthUsersKey, monthHllKey = KEYS[4], KEYS[5], KEYS[6]
local importsKey, breakdownUsersKey, windowsKey = KEYS[7], KEYS[8], KEYS[9]
local digest = ARGV[1]
local threshold = tonumber(ARGV[2])
local dayExpireAt, daySetExpireAt = ARGV[3], ARGV[4]
local monthExpireAt, monthSetExpireAt = ARGV[5], ARGV[6]
local breakdownUsersExpireAt = ARGV[7]
local breakdownCap = tonumber(ARGV[8])
local opened, logins, closed, sessionMs = tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11]),
  tonumber(ARGV[12])
local rowCount = tonumber(ARGV[13])
local FIRST_ROW = 14
local FIRST_USER = FIRST_ROW + rowCount * 4
local DIMENSIONS = { d = 1, o = 2, b = 3 }

--- @include "includes/redisTime"
--- @include "includes/expiry"
--- @include "includes/hashCounters"
--- @include "includes/userTally"
--- @include "includes/breakdownDays"

-- True when the period is closed to new users (includes/userTally.lua). Here, not in the include:
-- a script makes every function it includes at each call, and only an import asks this.
local function isClosed(u)
  loadUserTally(u)
  return u.closed
end

if rcall('HEXISTS', importsKey, digest) == 1 then return {0, 0} end
local day = newUserTally(dayKey, dayUsersKey, dayHllKey, false)
local month = newUserTally(monthKey, monthUsersKey, monthHllKey, false)
-- The day's value decisions (cap) and pending counts (includes/breakdownDays).
local dayState = newDayState(dayKey, breakdownCap)
local function fieldOf(d, value)
  return dayField(dayState, LETTERS[d] .. ':' .. value, d)
end
if FIRST_USER <= #ARGV and (isClosed(day) or isClosed(month)) then return {-5, 0} end
rcall('HSET', importsKey, digest, '1')
extendExpiry(importsKey, dayExpireAt)

addTo(dayKey, 'sessions', opened)
addTo(dayKey, 'logins', logins)
addTo(dayKey, 'closed', closed)
addTo(dayKey, 'sessionMs', sessionMs)
for i = FIRST_ROW, FIRST_USER - 1, 4 do
  local rowOpened, rowMs = tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])
  -- A value takes a place only with a count: a day's value is there once one of its fields is.
  if rowOpened > 0 or rowMs > 0 then
    local field = fieldOf(tonumber(ARGV[i]), ARGV[i + 1])
    addToDay(dayState, field, 1, rowOpened)
    addToDay(dayState, field, 2, rowMs)
  end
end

local userIds = {}
for i = FIRST_USER, #ARGV, 2 do userIds[#userIds + 1] = ARGV[i] end
loadUserTally(day)
local wasExact, countBefore = day.exact, day.count
local newToDay = {}
for _, userId in ipairs(addActiveUsers(day, month, threshold, userIds, 1, #userIds)) do newToDay[userId] = true end
local added, usersTouched = 0, false
for _ in pairs(newToDay) do added = added + 1 end
if day.exact then
  for i = FIRST_USER, #ARGV, 2 do
    local userId, values = ARGV[i], ARGV[i + 1]
    -- Each value counts the user once a day, with the users hash the live scripts keep.
    local seen = newToDay[userId] and US or (rcall('HGET', breakdownUsersKey, userId) or US)
    local changed = false
    for _, entry in ipairs(splitText(values, US)) do
      local d = DIMENSIONS[string.sub(entry, 1, 1)]
      if d then
        local field = fieldOf(d, string.sub(entry, 2))
        local stored = LETTERS[d] .. string.sub(field, 3) .. US
        if not string.find(seen, US .. stored, 1, true) then
          seen = seen .. stored
          addToDay(dayState, field, 3, 1)
          changed = true
        end
      end
    end
    if changed then
      rcall('HSET', breakdownUsersKey, userId, seen)
      usersTouched = true
    end
  end
end
if usersTouched then extendExpiry(breakdownUsersKey, breakdownUsersExpireAt) end

applyDay(dayState)
saveUserTally(day, daySetExpireAt)
saveUserTally(month, monthSetExpireAt)
-- Users by value count exactly only while the day does: those of the parts before this one.
if not day.exact then freezeDayUsers(dayState, breakdownUsersKey, wasExact and countBefore or threshold) end
extendExpiry(dayKey, dayExpireAt)
if day.touched then extendExpiry(dayHllKey, dayExpireAt) end
if month.touched then
  extendExpiry(monthKey, monthExpireAt)
  extendExpiry(monthHllKey, monthExpireAt)
end
if added > 0 then rcall('HINCRBY', windowsKey, 'version', 1) end
return {1, added}
