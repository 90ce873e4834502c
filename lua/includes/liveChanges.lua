--- @include "redisTime"

-- Live totals, live users and the day's counters changed by one call, kept in Lua locals and
-- written once at its end.
--
-- Live users are spread over 4096 hashes (user -> live sessions of that user, over every instance),
-- so each stays a compact listpack up to about two million users (a quarter of the memory of one
-- big hash); the writer names each user's hash (src/keys.ts), and the live totals hash keeps
-- `users`, their number: SAU.
local DAY_MS = 86400000

local function newLiveChanges(liveKey, dayKey, prevDayKey, dayStartMs)
  return { liveKey = liveKey, dayKey = dayKey, prevDayKey = prevDayKey, dayStartMs = dayStartMs,
           sessions = 0, anonymous = 0, usersDelta = 0, storedUsers = nil, peak = -1,
           opened = 0, closed = 0, logins = 0, dayMs = 0, prevDayMs = 0 }
end

-- A user's live sessions change by `delta` (one session, in the order events happened, so the
-- day's peak is the highest SAU any moment had).
local function liveUserDelta(t, usersKey, userId, delta)
  local after = redis.call('HINCRBY', usersKey, userId, delta)
  local before = after - delta
  if after <= 0 then redis.call('HDEL', usersKey, userId) end
  if before <= 0 and after > 0 then
    t.usersDelta = t.usersDelta + 1
    if t.storedUsers == nil then t.storedUsers = tonumber(redis.call('HGET', t.liveKey, 'users') or '0') end
    local users = t.storedUsers + t.usersDelta
    if users > t.peak then t.peak = users end
  elseif before > 0 and after <= 0 then
    t.usersDelta = t.usersDelta - 1
  end
end

-- Session time from `stampMs` to `closeMs`: the part before today's midnight to the day before (at
-- most a day of it: longer sessions were re-stamped at each midnight), the rest to today. Returns
-- both parts, added to the totals.
local function creditTime(t, stampMs, closeMs)
  if closeMs <= stampMs then return 0, 0 end
  local prevDayMs, dayMs = 0, closeMs - stampMs
  if stampMs < t.dayStartMs then
    prevDayMs = t.dayStartMs - math.max(stampMs, t.dayStartMs - DAY_MS)
    dayMs = math.max(0, closeMs - t.dayStartMs)
  end
  t.prevDayMs = t.prevDayMs + prevDayMs
  t.dayMs = t.dayMs + dayMs
  return prevDayMs, dayMs
end

local function incrementNonZero(key, field, n)
  if n ~= 0 then redis.call('HINCRBY', key, field, int(n)) end
end

local function saveLiveChanges(t, nowMs)
  incrementNonZero(t.liveKey, 'sessions', t.sessions)
  incrementNonZero(t.liveKey, 'anonymous', t.anonymous)
  incrementNonZero(t.liveKey, 'users', t.usersDelta)
  incrementNonZero(t.dayKey, 'sessions', t.opened)
  incrementNonZero(t.dayKey, 'closed', t.closed)
  incrementNonZero(t.dayKey, 'logins', t.logins)
  incrementNonZero(t.dayKey, 'sessionMs', t.dayMs)
  incrementNonZero(t.prevDayKey, 'sessionMs', t.prevDayMs)
  if t.peak >= 0 then
    local best = tonumber(redis.call('HGET', t.dayKey, 'peakUsers') or '0')
    if t.peak > best then redis.call('HSET', t.dayKey, 'peakUsers', int(t.peak), 'peakAt', int(nowMs)) end
  end
end
