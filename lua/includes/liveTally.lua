--- @include "redisTime"
--- @include "expiry"
--- @include "sessionMember"
--- @include "sessionBreakdown"
--- @include "closedSessionLog"

-- Live counters and day totals changed by a batch, kept in Lua locals and written once at the end,
-- so a batch of N events costs N small commands, not N times every counter. `breakdown` (see
-- sessionBreakdown) gets the same changes by device, OS and browser; `closedLog` (see
-- closedSessionLog), when given, an entry per closed session.
local function newLiveTally(liveKey, usersKey, dayKey, prevDayKey, dayStartMs, breakdown, closedLog)
  return {
    liveKey = liveKey, usersKey = usersKey, dayKey = dayKey, prevDayKey = prevDayKey,
    dayStartMs = dayStartMs, breakdown = breakdown, closedLog = closedLog,
    sessions = 0, anonymous = 0, opened = 0, closed = 0, logins = 0, dayMs = 0, prevDayMs = 0,
    users = nil, peak = -1,
  }
end

-- Current number of distinct live users, read once per batch and then tracked locally.
local function liveUsers(t)
  if t.users == nil then t.users = redis.call('HLEN', t.usersKey) end
  return t.users
end

local function userJoined(t, userId)
  local before = liveUsers(t)
  if redis.call('HINCRBY', t.usersKey, userId, 1) == 1 then
    t.users = before + 1
    if t.users > t.peak then t.peak = t.users end
  end
end

local function userLeft(t, userId)
  local left = redis.call('HINCRBY', t.usersKey, userId, -1)
  if left <= 0 then
    redis.call('HDEL', t.usersKey, userId)
    if left == 0 and t.users ~= nil then t.users = t.users - 1 end
  end
end

-- Session time goes to the day it was spent in: the part before today's midnight to the day before
-- (at most one day of it; longer sessions were re-stamped at midnight by the rollover). Credits the
-- time from the session's stamp to `closeMs`, by its client profile in the breakdowns.
local function creditDuration(t, stampMs, profileId, closeMs)
  if closeMs <= stampMs then return end
  local prevDayMs, dayMs = 0, closeMs - stampMs
  if stampMs < t.dayStartMs then
    prevDayMs = t.dayStartMs - math.max(stampMs, t.dayStartMs - 86400000)
    dayMs = math.max(0, closeMs - t.dayStartMs)
  end
  t.prevDayMs = t.prevDayMs + prevDayMs
  t.dayMs = t.dayMs + dayMs
  if t.breakdown then breakdownCredited(t.breakdown, profileId, prevDayMs, dayMs) end
end

-- Removes one live session member: user refcount, live totals, session time, breakdowns, and
-- logs it as closed. A member already removed (duplicate close, racing reaper) changes nothing.
local function releaseSession(t, sessionsKey, member, closeMs)
  if redis.call('ZREM', sessionsKey, member) == 0 then return false end
  logClosedSession(t.closedLog, t.breakdown, member, closeMs)
  local stampMs, userId, profileId, legacy = releaseFields(member)
  if userId then userLeft(t, userId) else t.anonymous = t.anonymous - 1 end
  t.sessions = t.sessions - 1
  t.closed = t.closed + 1
  creditDuration(t, stampMs, profileId, closeMs)
  if t.breakdown and not legacy then breakdownClosed(t.breakdown, profileId, userId ~= nil) end
  return true
end

local function saveLiveTally(t, nowMs, dayExpireAt, prevDayExpireAt)
  if t.sessions ~= 0 then redis.call('HINCRBY', t.liveKey, 'sessions', int(t.sessions)) end
  if t.anonymous ~= 0 then redis.call('HINCRBY', t.liveKey, 'anonymous', int(t.anonymous)) end
  local dayTouched = false
  if t.opened ~= 0 then redis.call('HINCRBY', t.dayKey, 'sessions', int(t.opened)); dayTouched = true end
  if t.closed ~= 0 then redis.call('HINCRBY', t.dayKey, 'closed', int(t.closed)); dayTouched = true end
  if t.logins ~= 0 then redis.call('HINCRBY', t.dayKey, 'logins', int(t.logins)); dayTouched = true end
  if t.dayMs ~= 0 then redis.call('HINCRBY', t.dayKey, 'sessionMs', int(t.dayMs)); dayTouched = true end
  if t.peak >= 0 then
    local best = tonumber(redis.call('HGET', t.dayKey, 'peakUsers') or '0')
    if t.peak > best then
      redis.call('HSET', t.dayKey, 'peakUsers', int(t.peak), 'peakAt', int(nowMs))
      dayTouched = true
    end
  end
  if dayTouched then extendExpiry(t.dayKey, dayExpireAt) end
  if t.prevDayMs ~= 0 then
    redis.call('HINCRBY', t.prevDayKey, 'sessionMs', int(t.prevDayMs))
    extendExpiry(t.prevDayKey, prevDayExpireAt)
  end
end
