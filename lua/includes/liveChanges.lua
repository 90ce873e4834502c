--- @include "redisTime"
--- @include "hashCounters"

-- Live totals, live users and the day's counters changed by one call: counted in Lua as the call
-- goes, and added to their fields (includes/hashCounters) at its end.
--
-- Live users are spread over 4096 hashes (user -> live sessions of that user, over every instance),
-- so each stays a compact listpack up to about two million users (a quarter of the memory of one
-- big hash); the writer names each user's hash (src/keys.ts), and the live totals hash keeps
-- `users`, their number: SAU.
local DAY_MS = 86400000

-- liveKey, dayKey, prevKey: the live totals hash, the day's and the day before's hash (prevKey may
-- be nil when no time can go to the day before). Seven fields, so the table takes eight places,
-- not sixteen (a place is 40 bytes, and every byte a call allocates costs it time): the counters
-- the caller knows are given to applyLiveChanges.
local function newLiveChanges(liveKey, dayKey, prevKey, dayStartMs)
  return { live = liveKey, day = dayKey, prev = prevKey, dayStartMs = dayStartMs, dayMs = 0,
           prevDayMs = 0, usersDelta = 0, peakDelta = false }
end

-- A user's live sessions change by `delta`, in the order events happened, and SAU with them: the
-- call's change of SAU, and its highest point (peakDelta), so the day's peak is the highest SAU
-- any moment had. SAU itself changes once, at the end (applyLiveChanges).
local function liveUserDelta(t, usersKey, userId, delta)
  local after = redis.call('HINCRBY', usersKey, userId, UNIT_TEXT[delta] or delta)
  local before = after - delta
  if after <= 0 then redis.call('HDEL', usersKey, userId) end
  if before <= 0 and after > 0 then
    t.usersDelta = t.usersDelta + 1
    if not t.peakDelta or t.usersDelta > t.peakDelta then t.peakDelta = t.usersDelta end
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

-- Adds the totals to their fields: the change of live and anonymous sessions, and the day's
-- sessions opened, closed and logins; `nowText` is when the day's peak was reached, if it was.
-- Returns whether the day's hash was written.
local function applyLiveChanges(t, nowText, sessions, anonymous, opened, closed, logins)
  addTo(t.live, 'sessions', sessions)
  addTo(t.live, 'anonymous', anonymous)
  addTo(t.day, 'sessions', opened)
  addTo(t.day, 'closed', closed)
  addTo(t.day, 'logins', logins)
  addTo(t.day, 'sessionMs', t.dayMs)
  local dayWritten = opened ~= 0 or closed ~= 0 or logins ~= 0 or t.dayMs ~= 0
  if t.prevDayMs > 0 then addTo(t.prev, 'sessionMs', t.prevDayMs) end
  if t.peakDelta then
    -- SAU before the call is what HINCRBY answers less the call's change (by 0, it reads it).
    local users = redis.call('HINCRBY', t.live, 'users', UNIT_TEXT[t.usersDelta] or t.usersDelta)
    local peak = users - t.usersDelta + t.peakDelta
    if peak > tonumber(redis.call('HGET', t.day, 'peakUsers') or '0') then
      redis.call('HSET', t.day, 'peakUsers', peak, 'peakAt', nowText)
      dayWritten = true
    end
  else
    addTo(t.live, 'users', t.usersDelta)
  end
  return dayWritten
end
