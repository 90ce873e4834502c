--[[
  Apply a batch of session events of one instance incarnation, in order.
  Replays are harmless: a duplicate open, a login of the same user, a logout of an anonymous session
  and a close of an unknown session change nothing, so no counter can go negative or count twice.
  Every change to a session also goes to the breakdowns by device type, OS and browser/app (see
  includes/sessionBreakdown): live sessions and logged-in sessions per value; per day, sessions
  opened, session time and distinct users per value, at most ARGV[11] values a hash, the rest
  counted as "other". Distinct users per value are exact while the day's user tally is: a users
  hash (user -> values it used) dedupes them only until the day is over, while the count itself is
  kept current in the day's small breakdown hash. So 400 days of breakdowns cost the day hashes
  alone (under 2 MB), never a HyperLogLog per value and day (12 KB each once dense).
  Each session a close removes is appended to the closed-session log (includes/closedSessionLog).
  Input:
    KEYS[1] live totals hash
    KEYS[2] live users refcount hash
    KEYS[3] instance hash
    KEYS[4] instance sessions zset (this incarnation)
    KEYS[5] day hash
    KEYS[6] day users set
    KEYS[7] day users hll
    KEYS[8] month hash
    KEYS[9] month users set
    KEYS[10] month users hll
    KEYS[11] previous day hash
    KEYS[12] session profiles hash
    KEYS[13..15] live breakdown hashes (sessions) by device, os, browser
    KEYS[16..18] live breakdown hashes (logged-in sessions) by device, os, browser
    KEYS[19..21] day breakdown hashes by device, os, browser
    KEYS[22..24] previous day breakdown hashes by device, os, browser
    KEYS[25] day breakdown users hash (user id -> values it was active with)
    KEYS[26] closed-session log stream
    ARGV[1] incarnation that sends the batch
    ARGV[2] day start (ms); the batch is refused unless Redis TIME falls in [start, end)
    ARGV[3] day end (ms)
    ARGV[4] exact threshold: most users a day or month counts in a set before only the HLL is kept
    ARGV[5] expiry of the day hash, HLL and breakdown hashes (unix seconds)
    ARGV[6] expiry of the day users set (unix seconds)
    ARGV[7] expiry of the month hash and HLL (unix seconds)
    ARGV[8] expiry of the month users set (unix seconds)
    ARGV[9] expiry of the previous day hash and breakdown hashes (unix seconds)
    ARGV[10] sequence number of the batch's first event (an incarnation numbers its events from 0
             in queue order), or -1 when the caller does not number them
    ARGV[11] most distinct values a breakdown hash counts before the rest go to "other"
    ARGV[12] expiry of the day breakdown users hash (unix seconds; soon after the day ends)
    ARGV[13] instance id, as the closed-session log names it
    ARGV[14] most entries the closed-session log keeps (approximately); 0 logs nothing
    ARGV[15] age (ms) beyond which closed-session log entries are trimmed
    ARGV[16..] events, three arguments each: op ("o" open, "i" login, "u" logout, "c" close,
              "r" restore a session the instance still holds after a resync, counted as live but
              not as opened or logged in again; "m" midnight: a session still open on a new day,
              whose time so far goes to the day before and whose user is active today; "a" active:
              a user whose login was lost with the previous incarnation's events, counted as active
              today without a session or a login), session id ("" for "a"), and a third argument:
              open: the session's metadata ("" for none; encodeSessionMeta in
                    src/monitor/session-meta.ts: deviceType, osName, osVersion, clientName,
                    clientVersion, client address code, joined by \31)
              login, active: user id
              restore: user id ("" when anonymous), then NUL and metadata when there is any
              others: ""
  A batch whose reply was lost is sent again, whole or merged with newer events: events whose
  sequence number is below the instance hash's eventSeq were applied already and are skipped, so a
  re-sent open, login or close is never counted twice.
  Output:
    {0, nowMs, applied events}
    {-1, nowMs} when Redis TIME is outside the given day (the caller recomputes day keys and retries)
    {-2, nowMs} when the instance hash holds another incarnation (this one was superseded)
    {-4, nowMs} when the instance hash is gone (a reaper took this incarnation for dead)
]]
local rcall = redis.call
local liveKey, usersKey, instanceKey, sessionsKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local dayKey, dayUsersKey, dayHllKey = KEYS[5], KEYS[6], KEYS[7]
local monthKey, monthUsersKey, monthHllKey, prevDayKey = KEYS[8], KEYS[9], KEYS[10], KEYS[11]
local profilesKey = KEYS[12]
local liveBreakdownKeys, loggedInBreakdownKeys = { KEYS[13], KEYS[14], KEYS[15] }, { KEYS[16], KEYS[17], KEYS[18] }
local dayBreakdownKeys, prevDayBreakdownKeys = { KEYS[19], KEYS[20], KEYS[21] }, { KEYS[22], KEYS[23], KEYS[24] }
local dayBreakdownUsersKey = KEYS[25]
local closedLogKey = KEYS[26]
local incarnation = ARGV[1]
local dayStartMs, dayEndMs = tonumber(ARGV[2]), tonumber(ARGV[3])
local threshold = tonumber(ARGV[4])
local dayExpireAt, daySetExpireAt = ARGV[5], ARGV[6]
local monthExpireAt, monthSetExpireAt = ARGV[7], ARGV[8]
local prevDayExpireAt = ARGV[9]
local firstSeq = tonumber(ARGV[10])
local breakdownCap = tonumber(ARGV[11])
local dayBreakdownUsersExpireAt = ARGV[12]
local instanceId, closedLogMaxLen, closedLogRetentionMs = ARGV[13], ARGV[14], ARGV[15]
local FIRST_EVENT = 16

--- @include "includes/redisTime"
--- @include "includes/sessionMember"
--- @include "includes/sessionBreakdown"
--- @include "includes/liveTally"
--- @include "includes/userTally"

local nowMs = redisNowMs()
if nowMs < dayStartMs or nowMs >= dayEndMs then return {-1, nowMs} end
local owner = rcall('HMGET', instanceKey, 'incarnation', 'eventSeq')
if not owner[1] then return {-4, nowMs} end
if owner[1] ~= incarnation then return {-2, nowMs} end
-- Events numbered below nextSeq were applied by a call whose reply was lost.
local nextSeq = tonumber(owner[2] or '0')
local skip = 0
if firstSeq >= 0 and nextSeq > firstSeq then skip = (nextSeq - firstSeq) * 3 end

local breakdown = newBreakdown(breakdownCap, profilesKey, liveBreakdownKeys, loggedInBreakdownKeys,
  dayBreakdownKeys, prevDayBreakdownKeys, dayBreakdownUsersKey)
local closedLog = newClosedLog(closedLogKey, closedLogMaxLen, closedLogRetentionMs, instanceId, nowMs)
local live = newLiveTally(liveKey, usersKey, dayKey, prevDayKey, dayStartMs, breakdown, closedLog)
local day = newUserTally(dayKey, dayUsersKey, dayHllKey, threshold)
local month = newUserTally(monthKey, monthUsersKey, monthHllKey, threshold)
local activeThisBatch = {}

-- True when the day's exact tally has just counted the user for the first time.
local function markActive(userId)
  if activeThisBatch[userId] then return false end
  activeThisBatch[userId] = true
  return addActiveUser(day, month, userId) and day.exact
end

-- The user is active today on this session: in DAU and MAU, and in the day's breakdown by value.
local function markActiveOn(s, userId)
  local newToDay = markActive(userId)
  breakdownUserActive(breakdown, s, userId, day.exact, newToDay)
end

local function replace(member, s)
  rcall('ZREM', sessionsKey, member)
  rcall('ZADD', sessionsKey, 0, packSession(s))
end

local applied = 0
for i = FIRST_EVENT + skip, #ARGV, 3 do
  local op, sessionId = ARGV[i], ARGV[i + 1]
  local member = nil
  if op ~= 'a' then member = findSession(sessionsKey, sessionId) end
  if op == 'o' then
    if not member then
      local s = newSession(sessionId, nowMs)
      breakdownOpened(breakdown, s, ARGV[i + 2], true)
      rcall('ZADD', sessionsKey, 0, packSession(s))
      live.sessions = live.sessions + 1
      live.anonymous = live.anonymous + 1
      live.opened = live.opened + 1
      applied = applied + 1
    end
  elseif op == 'i' then
    local userId = ARGV[i + 2]
    if member then
      local s = unpackSession(member)
      local current = s.user
      if current ~= userId then
        if current then userLeft(live, current) else
          live.anonymous = live.anonymous - 1
          breakdownLoggedIn(breakdown, s, 1)
        end
        setSessionUser(s, userId, nowMs)
        replace(member, s)
        userJoined(live, userId)
        live.logins = live.logins + 1
        applied = applied + 1
      end
      markActiveOn(s, userId)
    end
  elseif op == 'u' then
    if member then
      local s = unpackSession(member)
      if s.user then
        userLeft(live, s.user)
        breakdownLoggedIn(breakdown, s, -1)
        setSessionUser(s, nil, nowMs)
        replace(member, s)
        live.anonymous = live.anonymous + 1
        applied = applied + 1
      end
    end
  elseif op == 'r' then
    if not member then
      local userId, meta = ARGV[i + 2], ''
      local nul = string.find(userId, '\0', 1, true)
      if nul then userId, meta = string.sub(userId, 1, nul - 1), string.sub(userId, nul + 1) end
      if userId == '' then userId = nil end
      local s = newSession(sessionId, nowMs)
      breakdownOpened(breakdown, s, meta, false)
      setSessionUser(s, userId, nowMs)
      rcall('ZADD', sessionsKey, 0, packSession(s))
      live.sessions = live.sessions + 1
      if userId then
        breakdownLoggedIn(breakdown, s, 1)
        userJoined(live, userId)
        markActiveOn(s, userId)
      else
        live.anonymous = live.anonymous + 1
      end
      applied = applied + 1
    end
  elseif op == 'm' then
    if member then
      local s = unpackSession(member)
      if s.stamp < dayStartMs then
        -- Re-stamp at midnight: the time before it is credited now, the rest when the session closes.
        creditDuration(live, s.stamp, s.profile, dayStartMs)
        carrySession(s, dayStartMs)
        replace(member, s)
        applied = applied + 1
      end
      if s.user then markActiveOn(s, s.user) end
    end
  elseif op == 'a' then
    markActive(ARGV[i + 2])
  elseif op == 'c' then
    if member and releaseSession(live, sessionsKey, member, nowMs) then applied = applied + 1 end
  end
end

saveLiveTally(live, nowMs, dayExpireAt, prevDayExpireAt)
saveUserTally(day, dayExpireAt, daySetExpireAt)
saveUserTally(month, monthExpireAt, monthSetExpireAt)
if day.loaded and not day.exact then freezeBreakdownUsers(breakdown, threshold, dayExpireAt) end
saveBreakdown(breakdown, dayExpireAt, prevDayExpireAt, dayBreakdownUsersExpireAt)
trimClosedLog(closedLog, nowMs)
if firstSeq >= 0 then
  local endSeq = firstSeq + (#ARGV - FIRST_EVENT + 1) / 3
  if endSeq > nextSeq then rcall('HSET', instanceKey, 'eventSeq', int(endSeq)) end
end
return {0, nowMs, applied}
