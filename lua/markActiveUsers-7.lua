--[[
  Count users as active on a past day and its month: logins an instance saw during an outage that
  spanned midnight, replayed into the day they happened on once Redis is back.
  Input:
    KEYS[1] day hash
    KEYS[2] day users set
    KEYS[3] day users hll
    KEYS[4] month hash
    KEYS[5] month users set
    KEYS[6] month users hll
    KEYS[7] window cache hash: its version is bumped when the day gains users, so stats() stops
            using merges of past days built before (see lua/sampleGauges-101.lua)
    ARGV[1] day start (ms); a day that has not begun by Redis TIME is refused
    ARGV[2] exact threshold: most users a day or month counts in a set before only the HLL is kept
    ARGV[3] expiry of the day hash and HLL (unix seconds)
    ARGV[4] expiry of the day users set (unix seconds)
    ARGV[5] expiry of the month hash and HLL (unix seconds)
    ARGV[6] expiry of the month users set (unix seconds)
    ARGV[7..] user ids, each once
  A day or month whose exact set's life is over while its frozen count stays (includes/userTally)
  is closed: it takes nobody, and the users it turned away are returned for the caller to report.
  Output:
    {0, nowMs, users added (new to the day; every user once the day counts only in its HLL),
     users the closed day refused, users the closed month refused}
    {-1, nowMs} when the day starts after Redis TIME (a local clock ahead of Redis stamped it)
]]
local dayKey, dayUsersKey, dayHllKey = KEYS[1], KEYS[2], KEYS[3]
local monthKey, monthUsersKey, monthHllKey = KEYS[4], KEYS[5], KEYS[6]
local windowsKey = KEYS[7]
local dayStartMs = tonumber(ARGV[1])
local threshold = tonumber(ARGV[2])
local dayExpireAt, daySetExpireAt = ARGV[3], ARGV[4]
local monthExpireAt, monthSetExpireAt = ARGV[5], ARGV[6]
local FIRST_USER = 7

--- @include "includes/redisTime"
--- @include "includes/expiry"
--- @include "includes/userTally"

local nowMs = redisNowMs()
if dayStartMs > nowMs then return {-1, nowMs} end

local day = newUserTally(dayKey, dayUsersKey, dayHllKey, false)
local month = newUserTally(monthKey, monthUsersKey, monthHllKey, false)
local added = #addActiveUsers(day, month, threshold, ARGV, FIRST_USER, #ARGV)
for _, tally in ipairs({ { day, dayExpireAt, daySetExpireAt }, { month, monthExpireAt, monthSetExpireAt } }) do
  local u, expireAt, setExpireAt = tally[1], tally[2], tally[3]
  if u.touched then
    saveUserTally(u, setExpireAt)
    extendExpiry(u.key, expireAt)
    extendExpiry(u.hllKey, expireAt)
  end
end
if added > 0 then redis.call('HINCRBY', windowsKey, 'version', 1) end
return {0, nowMs, added, day.refused or 0, month.refused or 0}
