--- @include "redisTime"
--- @include "fieldBatch"

-- Live totals, live users and the day's counters changed by one call, kept in Lua and written with
-- the live and day hashes' other fields (fieldBatch) at its end.
--
-- Live users are spread over 4096 hashes (user -> live sessions of that user, over every instance),
-- so each stays a compact listpack up to about two million users (a quarter of the memory of one
-- big hash); the writer names each user's hash (src/keys.ts), and the live totals hash keeps
-- `users`, their number: SAU.
local DAY_MS = 86400000

-- liveFb, dayFb, prevFb: the live totals hash, the day's and the day before's (fieldBatch).
local function newLiveChanges(liveFb, dayFb, prevFb, dayStartMs)
  return { live = liveFb, day = dayFb, prev = prevFb, dayStartMs = dayStartMs,
           sessions = 0, anonymous = 0, usersDelta = 0, peak = -1,
           opened = 0, closed = 0, logins = 0, dayMs = 0, prevDayMs = 0 }
end

-- Names the fields of the totals a call changes, for the hashes' next load: those of the counters
-- the caller has set by now (sessions, anonymous: live; opened, logins, closed: the day's), the live
-- users and the day's peak when `users` enter or leave, and the session time (to the day and the
-- day before) when `time` is credited. No table for it: a table costs a call time (fieldBatch).
local function wantLiveChanges(t, users, time)
  if t.sessions ~= 0 then want(t.live, 'sessions') end
  if t.anonymous ~= 0 then want(t.live, 'anonymous') end
  if users then
    want(t.live, 'users')
    want(t.day, 'peakUsers')
  end
  if t.opened ~= 0 then want(t.day, 'sessions') end
  if t.logins ~= 0 then want(t.day, 'logins') end
  if t.closed ~= 0 then want(t.day, 'closed') end
  if time then
    want(t.day, 'sessionMs')
    if t.prev then want(t.prev, 'sessionMs') end
  end
end

-- A user's live sessions change by `delta`, in the order events happened, so the day's peak is the
-- highest SAU any moment had (the live hash's fields are loaded by then).
local function liveUserDelta(t, usersKey, userId, delta)
  local after = redis.call('HINCRBY', usersKey, userId, delta)
  local before = after - delta
  if after <= 0 then redis.call('HDEL', usersKey, userId) end
  if before <= 0 and after > 0 then
    t.usersDelta = t.usersDelta + 1
    local users = fieldNumber(t.live, 'users') + t.usersDelta
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

-- Sets the changed fields (the caller saves the hashes).
local function applyLiveChanges(t, nowMs)
  addToField(t.live, 'sessions', t.sessions)
  addToField(t.live, 'anonymous', t.anonymous)
  addToField(t.live, 'users', t.usersDelta)
  addToField(t.day, 'sessions', t.opened)
  addToField(t.day, 'closed', t.closed)
  addToField(t.day, 'logins', t.logins)
  addToField(t.day, 'sessionMs', t.dayMs)
  if t.prevDayMs > 0 then addToField(t.prev, 'sessionMs', t.prevDayMs) end
  if t.peak >= 0 and t.peak > fieldNumber(t.day, 'peakUsers') then
    setField(t.day, 'peakUsers', t.peak)
    setField(t.day, 'peakAt', nowMs)
  end
end
