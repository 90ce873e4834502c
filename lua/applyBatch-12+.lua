--[[
  Apply one batch of an instance incarnation's session events, as its writer prepared them
  (src/monitor/batch-builder.ts): each session the batch touched as one change of its sorted-set
  member, and what the batch changes, summed by the writer (users in event order, client profiles,
  active users, counters, closed-session log fields). The writer knows its sessions, so nothing is
  looked up by range or parsed here, and the sections come laid out for variadic commands. Every
  member is checked before anything is written: the old ones must be in the set, the new sessions'
  absent (ZMSCORE), else the batch is refused whole with the members that failed, and the writer
  repairs its view and sends the rest. A batch is applied at most once: the instance hash keeps the
  sequence number after the last batch applied and when it was applied. Live totals, live
  breakdowns and profiles are fields of one hash, a day's counters and breakdowns of another
  (includes/breakdownFields), each counter changed in place (includes/hashCounters).
  Input:
    KEYS[1] live totals hash
    KEYS[2] instance hash
    KEYS[3] instance sessions zset (this incarnation)
    KEYS[4] day hash
    KEYS[5] day users set
    KEYS[6] day users hll
    KEYS[7] month hash
    KEYS[8] month users set
    KEYS[9] month users hll
    KEYS[10] previous day hash
    KEYS[11] day breakdown users hash (user id -> values it was active with)
    KEYS[12] closed-session log stream
    KEYS[13..] live users hashes the batch touches
    ARGV[1] incarnation that sends the batch
    ARGV[2] day start (ms); the batch is refused unless Redis TIME falls in [start, end)
    ARGV[3] day end (ms)
    ARGV[4] exact threshold: most users a day or month counts in a set before only the HLL is kept
    ARGV[5] sequence number of the batch's first event (events are numbered from 0 per incarnation)
    ARGV[6] number of events in the batch
    ARGV[7] most distinct values a breakdown counts before the rest go to "other"
    ARGV[8] instance id, as the closed-session log names it
    ARGV[9] most entries the closed-session log keeps (approximately); 0 logs nothing
    ARGV[10] age (ms) beyond which closed-session log entries are trimmed
    ARGV[11] "1" to trim the closed-session log by age in this call (the writer asks once a minute)
    ARGV[12] one character per KEYS[1..12], "1" where the key's expiry is to be set (once per writer
             and day, not at every batch)
    ARGV[13] expiry of the day hash and HLL (unix seconds)
    ARGV[14] expiry of the day users set
    ARGV[15] expiry of the month hash and HLL
    ARGV[16] expiry of the month users set
    ARGV[17] expiry of the previous day hash
    ARGV[18] expiry of the day breakdown users hash
    ARGV[19] "1" when a session the batch closes or carries over midnight began before the day
    ARGV[20..28] counts of the sections below: closes C, midnight carries M, rewrites W, new
             sessions N, user changes U, profiles P, active users A, user-profile pairs Q, closed
             log fields L
    ARGV[29..33] sessions opened today, logins, sessions closed, change of live sessions, change
             of anonymous live sessions
    ARGV[34] sequence number Redis must be at for this batch to apply, or -1 for any up to ARGV[5]:
             a batch sent before the one ahead of it answered holds only if that one applied
    ARGV[35..] the sections, in order:
      C + M + W old members: the sessions closed, carried over midnight, rewritten (login, logout)
      N new members: sessions opened, or restored (held by the instance, not in Redis)
      M + W new members of the carried sessions (scored at the day start) and the rewritten ones
        (at their old score, as ZMSCORE read it)
      C + M profile ids of the closed and carried sessions, for their time by value
      U user changes in event order, two arguments each: index in KEYS of the user's live users
        hash (negative: the user's session leaves, -1; else it enters, +1), user id
      P profiles, eleven arguments each: id, content, the fields of its values (d:, o:, b:, then
        the logged-in D:, O:, B:), change of live sessions, of logged-in live sessions, sessions
        opened today
      A user ids active today (each once)
      Q pairs, two arguments each: user id, profile id of a session it was active on today
      L closed-session log fields (src/session/closed-record.ts)
  Output:
    {0, nowMs, one character per KEYS[1..12]: "1" where an expiry asked for is now set}
    {1, nowMs, appliedAtMs} when this batch was applied before (at appliedAtMs), or holds no event
    {-1, nowMs} when Redis TIME is outside the given day (the caller recomputes day keys and retries)
    {-2, nowMs} when the instance hash holds another incarnation (this one was superseded)
    {-4, nowMs} when the instance hash is gone (a reaper took this incarnation for dead)
    {-6, nowMs, positions (from 1) among the old, then new, members that are not as expected...}
    {-7, nowMs, next sequence number, appliedAtMs} when only the start of the batch was applied
    {-9, nowMs, next sequence number} when Redis is not at ARGV[34] (the batch ahead did not apply)
]]
local rcall = redis.call
local liveKey, instanceKey, sessionsKey = KEYS[1], KEYS[2], KEYS[3]
local dayKey, dayUsersKey, dayHllKey = KEYS[4], KEYS[5], KEYS[6]
local monthKey, monthUsersKey, monthHllKey, prevDayKey = KEYS[7], KEYS[8], KEYS[9], KEYS[10]
local breakdownUsersKey, closedLogKey = KEYS[11], KEYS[12]
local incarnation = ARGV[1]
local dayStartMs, dayEndMs = tonumber(ARGV[2]), tonumber(ARGV[3])
local threshold = tonumber(ARGV[4])
local firstSeq, eventCount = tonumber(ARGV[5]), tonumber(ARGV[6])
local breakdownCap = tonumber(ARGV[7])
local instanceId, closedLogMaxLen, closedLogRetentionMs = ARGV[8], ARGV[9], ARGV[10]
local trimLog, expiryFlags = ARGV[11] == '1', ARGV[12]
local dayExpireAt, daySetExpireAt, monthExpireAt = ARGV[13], ARGV[14], ARGV[15]
local monthSetExpireAt, prevDayExpireAt, breakdownUsersExpireAt = ARGV[16], ARGV[17], ARGV[18]
local touchesPrevDay = ARGV[19] == '1'
local nC, nM, nW, nN = tonumber(ARGV[20]), tonumber(ARGV[21]), tonumber(ARGV[22]), tonumber(ARGV[23])
local nU, nP, nA, nQ = tonumber(ARGV[24]), tonumber(ARGV[25]), tonumber(ARGV[26]), tonumber(ARGV[27])
local nL = tonumber(ARGV[28])
local afterSeq = tonumber(ARGV[34])
local OLD_FROM = 35
local NEW_FROM = OLD_FROM + nC + nM + nW
local MOVED_FROM = NEW_FROM + nN
local PROFILE_IDS_FROM = MOVED_FROM + nM + nW
local U_FROM = PROFILE_IDS_FROM + nC + nM
local P_FROM = U_FROM + 2 * nU
local A_FROM = P_FROM + 11 * nP
local Q_FROM = A_FROM + nA
local L_FROM = Q_FROM + 2 * nQ
local CHUNK = 1000

--- @include "includes/redisTime"
--- @include "includes/expiry"
--- @include "includes/hashCounters"
--- @include "includes/liveChanges"
--- @include "includes/userTally"
--- @include "includes/breakdownFields"
--- @include "includes/closedSessionLog"

local nowMs = redisNowMs()
local nowText = int(nowMs)
if nowMs < dayStartMs or nowMs >= dayEndMs then return {-1, nowMs} end
local owner = rcall('HMGET', instanceKey, 'incarnation', 'eventSeq', 'appliedAt')
if not owner[1] then return {-4, nowMs} end
if owner[1] ~= incarnation then return {-2, nowMs} end
local nextSeq = tonumber(owner[2] or '0')
local appliedAt = tonumber(owner[3] or nowMs)
if nextSeq >= firstSeq + eventCount then return {1, nowMs, appliedAt} end
if nextSeq > firstSeq then return {-7, nowMs, nextSeq, appliedAt} end
if afterSeq >= 0 and nextSeq ~= afterSeq then return {-9, nowMs, nextSeq} end

-- Every member checked before anything is written: olds present, new sessions absent.
local nOld = nC + nM + nW
local scores, bad = {}, nil
for from = OLD_FROM, MOVED_FROM - 1, CHUNK do
  local to = math.min(MOVED_FROM - 1, from + CHUNK - 1)
  local got = rcall('ZMSCORE', sessionsKey, unpack(ARGV, from, to))
  for i = from, to do
    local at = i - OLD_FROM + 1
    local score = got[i - from + 1]
    if (score ~= false) ~= (at <= nOld) then
      bad = bad or {}
      bad[#bad + 1] = at
    end
    scores[at] = score
  end
end
if bad then return {-6, nowMs, unpack(bad)} end

-- The day before's hash, when time may go to it.
local prevKey = touchesPrevDay and prevDayKey or nil
local live = newLiveChanges(liveKey, dayKey, prevKey, dayStartMs)
local breakdown = newBreakdown(breakdownCap, liveKey, dayKey, prevKey, breakdownUsersKey)
local day = nA + nQ > 0 and newUserTally(dayKey, dayUsersKey, dayHllKey, true) or nil
-- The month changes only with users new to the day: most calls leave it alone.
local month = nA > 0 and newUserTally(monthKey, monthUsersKey, monthHllKey, true) or nil
for at = P_FROM, A_FROM - 1, 11 do
  local p = addProfile(breakdown, ARGV[at], ARGV[at + 1], ARGV, at + 2)
  p.live, p.loggedIn = tonumber(ARGV[at + 8]), tonumber(ARGV[at + 9])
  addProfileToDay(breakdown.dayState, ARGV, at + 2, 1, tonumber(ARGV[at + 10]))
end
resolveProfiles(breakdown, nil)

-- The members: old ones out, new ones in.
for from = OLD_FROM, NEW_FROM - 1, CHUNK do
  rcall('ZREM', sessionsKey, unpack(ARGV, from, math.min(NEW_FROM - 1, from + CHUNK - 1)))
end
if nN > 0 then
  local added = {}
  for i = NEW_FROM, MOVED_FROM - 1 do
    added[#added + 1] = nowText
    added[#added + 1] = ARGV[i]
  end
  for from = 1, #added, 2 * CHUNK do
    rcall('ZADD', sessionsKey, unpack(added, from, math.min(#added, from + 2 * CHUNK - 1)))
  end
end
if nM + nW > 0 then
  local moved, dayStart = {}, int(dayStartMs)
  for i = 1, nM + nW do
    moved[#moved + 1] = i <= nM and dayStart or scores[nC + i]
    moved[#moved + 1] = ARGV[MOVED_FROM + i - 1]
  end
  for from = 1, #moved, 2 * CHUNK do
    rcall('ZADD', sessionsKey, unpack(moved, from, math.min(#moved, from + 2 * CHUNK - 1)))
  end
end

-- Time of the closed sessions to now, of the carried ones to the day start.
for i = 1, nC + nM do
  local closeMs = i <= nC and nowMs or dayStartMs
  breakdownCredited(breakdown, ARGV[PROFILE_IDS_FROM + i - 1], creditTime(live, tonumber(scores[i]), closeMs))
end

for at = U_FROM, P_FROM - 1, 2 do
  local index = tonumber(ARGV[at])
  if index > 0 then
    liveUserDelta(live, KEYS[index], ARGV[at + 1], 1)
  else
    liveUserDelta(live, KEYS[-index], ARGV[at + 1], -1)
  end
end

if day then
  loadUserTally(day)
  local dayWasExact, countBefore = day.exact, day.count
  if month then addActiveUsers(day, month, threshold, ARGV, A_FROM, Q_FROM - 1) end
  if day.exact then
    breakdownUsersActive(breakdown, ARGV, Q_FROM, L_FROM - 1)
  else
    -- Users by value count exactly only while the day does: those of the batches before the one
    -- that went past the threshold, which the breakdowns now say they cover.
    freezeDayUsers(breakdown.dayState, breakdownUsersKey, dayWasExact and countBefore or threshold)
  end
end

applyBreakdown(breakdown)
local dayWritten = applyLiveChanges(live, nowText, tonumber(ARGV[32]), tonumber(ARGV[33]), tonumber(ARGV[29]),
  tonumber(ARGV[31]), tonumber(ARGV[30])) or breakdown.dayState.written
local prevWritten = live.prevDayMs > 0 or (breakdown.prevState and breakdown.prevState.written)
if day then
  saveUserTally(day, nil)
  dayWritten = dayWritten or day.changed
end
if month then saveUserTally(month, nil) end
logClosedSessions(closedLogKey, closedLogMaxLen, closedLogRetentionMs, instanceId, nowMs, nowMs, {}, ARGV,
  L_FROM, L_FROM + nL - 1, trimLog)
rcall('HSET', instanceKey, 'eventSeq', int(firstSeq + eventCount), 'appliedAt', nowText)

-- Expiries the writer has not seen set yet today: each key's once this call wrote it. Most calls
-- have none left to set, or only keys they did not write (the day before's hash waits for a
-- midnight), and allocate nothing here (no table, no closure: they cost a call time).
local dayTouched, monthTouched = day and day.touched, month and month.touched
local setNow = nil
local at = string.find(expiryFlags, '1', 1, true)
while at do
  -- Whether this call wrote KEYS[at], and the expiry that key is to have.
  local written, expireAt = false, nil
  if at == 4 then written, expireAt = dayWritten, dayExpireAt
  elseif at == 5 then written, expireAt = dayTouched and day.exact, daySetExpireAt
  elseif at == 6 then written, expireAt = dayTouched, dayExpireAt
  elseif at == 7 then written, expireAt = monthTouched, monthExpireAt
  elseif at == 8 then written, expireAt = monthTouched and month.exact, monthSetExpireAt
  elseif at == 9 then written, expireAt = monthTouched, monthExpireAt
  elseif at == 10 then written, expireAt = prevWritten, prevDayExpireAt
  elseif at == 11 then written, expireAt = breakdown.usersSaved, breakdownUsersExpireAt
  end
  if written and expiryIsSet(KEYS[at], expireAt) then
    setNow = setNow or { '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0' }
    setNow[at] = '1'
  end
  at = string.find(expiryFlags, '1', at + 1, true)
end
return {0, nowMs, setNow and table.concat(setNow) or '000000000000'}
