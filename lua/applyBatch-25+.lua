--[[
  Apply one batch of an instance incarnation's session events, as its writer prepared them
  (src/monitor/batch-builder.ts): each session the batch touched as one transition of its sorted-set
  member, and what the batch changes, summed by the writer (users in event order, client profiles,
  active users, counters, closed-session log fields). The writer knows its sessions, so nothing is
  looked up by range or parsed here; everything is checked before anything is written: every old
  member must be in the set and every new session's member absent (ZMSCORE), else the batch is
  refused whole with the transitions that failed, and the writer repairs its view and sends the
  rest. A batch is applied at most once: the instance hash keeps the sequence number after the
  last batch applied and when it was applied.
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
    KEYS[11] session profiles hash
    KEYS[12..14] live breakdown hashes (sessions) by device, os, browser
    KEYS[15..17] live breakdown hashes (logged-in sessions) by device, os, browser
    KEYS[18..20] day breakdown hashes by device, os, browser
    KEYS[21..23] previous day breakdown hashes by device, os, browser
    KEYS[24] day breakdown users hash (user id -> values it was active with)
    KEYS[25] closed-session log stream
    KEYS[26..] live users hashes the batch touches
    ARGV[1] incarnation that sends the batch
    ARGV[2] day start (ms); the batch is refused unless Redis TIME falls in [start, end)
    ARGV[3] day end (ms)
    ARGV[4] exact threshold: most users a day or month counts in a set before only the HLL is kept
    ARGV[5] sequence number of the batch's first event (events are numbered from 0 per incarnation)
    ARGV[6] number of events in the batch
    ARGV[7] most distinct values a breakdown hash counts before the rest go to "other"
    ARGV[8] instance id, as the closed-session log names it
    ARGV[9] most entries the closed-session log keeps (approximately); 0 logs nothing
    ARGV[10] age (ms) beyond which closed-session log entries are trimmed
    ARGV[11] one character per KEYS[1..25], "1" where the key's expiry is to be set (once per writer
             and day, not at every batch)
    ARGV[12] expiry of the day hash, HLL and breakdown hashes (unix seconds)
    ARGV[13] expiry of the day users set
    ARGV[14] expiry of the month hash and HLL
    ARGV[15] expiry of the month users set
    ARGV[16] expiry of the previous day hash and breakdown hashes
    ARGV[17] expiry of the day breakdown users hash
    ARGV[18..22] counts of the sections below: transitions T, user changes U, profiles P, active
             users A, user-profile pairs Q
    ARGV[23] number of closed-session log arguments L
    ARGV[24..28] sessions opened today, logins, sessions closed, change of live sessions, change
             of anonymous live sessions
    ARGV[29..] the sections, in order:
      T transitions, four arguments each: kind, old member, new member, profile id; kinds:
        "o" open (new member, counted as opened), "r" restore (new member: a session the instance
        holds that Redis lacks), "w" rewrite (old -> new: a login or logout, same score),
        "c" close (old: its time is credited, split at midnight), "m" midnight (old -> new, the
        score moves to the day start: the time before it is credited to the day before)
      U user changes in event order, three arguments each: index in KEYS of the user's live users
        hash, user id, +1 or -1
      P profiles, five arguments each: id, content, change of live sessions, of logged-in live
        sessions, sessions opened today
      A user ids active today (each once)
      Q pairs, two arguments each: user id, profile id of a session it was active on today
      L closed-session log fields (src/session/closed-record.ts)
  Output:
    {0, nowMs, one character per KEYS[1..25]: "1" where an expiry asked for is now set}
    {1, nowMs, appliedAtMs} when this batch was applied before (at appliedAtMs), or holds no event
    {-1, nowMs} when Redis TIME is outside the given day (the caller recomputes day keys and retries)
    {-2, nowMs} when the instance hash holds another incarnation (this one was superseded)
    {-4, nowMs} when the instance hash is gone (a reaper took this incarnation for dead)
    {-6, nowMs, transition numbers (from 1)...} when members are not as the writer expected
    {-7, nowMs, next sequence number, appliedAtMs} when only the start of the batch was applied
]]
local rcall = redis.call
local liveKey, instanceKey, sessionsKey = KEYS[1], KEYS[2], KEYS[3]
local dayKey, dayUsersKey, dayHllKey = KEYS[4], KEYS[5], KEYS[6]
local monthKey, monthUsersKey, monthHllKey, prevDayKey = KEYS[7], KEYS[8], KEYS[9], KEYS[10]
local profilesKey = KEYS[11]
local breakdownUsersKey, closedLogKey = KEYS[24], KEYS[25]
local incarnation = ARGV[1]
local dayStartMs, dayEndMs = tonumber(ARGV[2]), tonumber(ARGV[3])
local threshold = tonumber(ARGV[4])
local firstSeq, eventCount = tonumber(ARGV[5]), tonumber(ARGV[6])
local breakdownCap = tonumber(ARGV[7])
local instanceId, closedLogMaxLen, closedLogRetentionMs = ARGV[8], ARGV[9], ARGV[10]
local expiryFlags = ARGV[11]
local dayExpireAt, daySetExpireAt, monthExpireAt = ARGV[12], ARGV[13], ARGV[14]
local monthSetExpireAt, prevDayExpireAt, breakdownUsersExpireAt = ARGV[15], ARGV[16], ARGV[17]
local nT, nU, nP, nA, nQ, nL = tonumber(ARGV[18]), tonumber(ARGV[19]), tonumber(ARGV[20]),
  tonumber(ARGV[21]), tonumber(ARGV[22]), tonumber(ARGV[23])
local T_FROM = 29
local U_FROM = T_FROM + 4 * nT
local P_FROM = U_FROM + 3 * nU
local A_FROM = P_FROM + 5 * nP
local Q_FROM = A_FROM + nA
local L_FROM = Q_FROM + 2 * nQ
local CHUNK = 1000

--- @include "includes/redisTime"
--- @include "includes/expiry"
--- @include "includes/liveChanges"
--- @include "includes/userTally"
--- @include "includes/sessionBreakdown"
--- @include "includes/closedSessionLog"

local nowMs = redisNowMs()
if nowMs < dayStartMs or nowMs >= dayEndMs then return {-1, nowMs} end
local owner = rcall('HMGET', instanceKey, 'incarnation', 'eventSeq', 'appliedAt')
if not owner[1] then return {-4, nowMs} end
if owner[1] ~= incarnation then return {-2, nowMs} end
local nextSeq = tonumber(owner[2] or '0')
local appliedAt = tonumber(owner[3] or nowMs)
if nextSeq >= firstSeq + eventCount then return {1, nowMs, appliedAt} end
if nextSeq > firstSeq then return {-7, nowMs, nextSeq, appliedAt} end

-- Every member checked before anything is written: olds present, new sessions absent.
local probe, present = {}, {}
for i = 0, nT - 1 do
  local at = T_FROM + 4 * i
  local kind = ARGV[at]
  local opens = kind == 'o' or kind == 'r'
  probe[#probe + 1] = opens and ARGV[at + 2] or ARGV[at + 1]
  present[#present + 1] = not opens
end
local scores, bad = {}, {}
for from = 1, #probe, CHUNK do
  local to = math.min(#probe, from + CHUNK - 1)
  local got = rcall('ZMSCORE', sessionsKey, unpack(probe, from, to))
  for i = from, to do
    local score = got[i - from + 1]
    if (score ~= false) ~= present[i] then bad[#bad + 1] = i end
    scores[i] = score and tonumber(score)
  end
end
if #bad > 0 then return {-6, nowMs, unpack(bad)} end

local live = newLiveChanges(liveKey, dayKey, prevDayKey, dayStartMs)
local breakdown = newBreakdown(breakdownCap, profilesKey, { KEYS[12], KEYS[13], KEYS[14] },
  { KEYS[15], KEYS[16], KEYS[17] }, { KEYS[18], KEYS[19], KEYS[20] }, { KEYS[21], KEYS[22], KEYS[23] },
  breakdownUsersKey)
live.opened, live.logins, live.closed = tonumber(ARGV[24]), tonumber(ARGV[25]), tonumber(ARGV[26])
live.sessions, live.anonymous = tonumber(ARGV[27]), tonumber(ARGV[28])

-- Profiles first: a session's time is credited by its profile's values.
local profileIds, contents = {}, {}
for at = P_FROM, A_FROM - 1, 5 do
  local id = ARGV[at]
  if id ~= '' then
    profileIds[#profileIds + 1] = id
    contents[id] = ARGV[at + 1]
  end
  local c = changesOf(breakdown, id)
  c.live, c.loggedIn, c.opened = tonumber(ARGV[at + 2]), tonumber(ARGV[at + 3]), tonumber(ARGV[at + 4])
end
loadProfiles(breakdown, profileIds, contents)

local removed, added = {}, {}
for i = 1, nT do
  local at = T_FROM + 4 * (i - 1)
  local kind, old, new, profileId = ARGV[at], ARGV[at + 1], ARGV[at + 2], ARGV[at + 3]
  if kind == 'o' or kind == 'r' then
    added[#added + 1] = nowMs
    added[#added + 1] = new
  elseif kind == 'w' then
    removed[#removed + 1] = old
    added[#added + 1] = scores[i]
    added[#added + 1] = new
  elseif kind == 'c' then
    removed[#removed + 1] = old
    breakdownCredited(breakdown, profileId, creditTime(live, scores[i], nowMs))
  elseif kind == 'm' then
    removed[#removed + 1] = old
    added[#added + 1] = dayStartMs
    added[#added + 1] = new
    breakdownCredited(breakdown, profileId, creditTime(live, scores[i], dayStartMs))
  end
end
for from = 1, #removed, CHUNK do
  rcall('ZREM', sessionsKey, unpack(removed, from, math.min(#removed, from + CHUNK - 1)))
end
for from = 1, #added, 2 * CHUNK do
  rcall('ZADD', sessionsKey, unpack(added, from, math.min(#added, from + 2 * CHUNK - 1)))
end

for at = U_FROM, P_FROM - 1, 3 do
  liveUserDelta(live, KEYS[tonumber(ARGV[at])], ARGV[at + 1], tonumber(ARGV[at + 2]))
end

local day = newUserTally(dayKey, dayUsersKey, dayHllKey, threshold)
local month = newUserTally(monthKey, monthUsersKey, monthHllKey, threshold)
if nA + nQ > 0 then
  loadUserTally(day)
  local dayWasExact, countBefore = day.exact, day.count
  addActiveUsers(day, month, { unpack(ARGV, A_FROM, Q_FROM - 1) })
  if day.exact then
    breakdownUsersActive(breakdown, { unpack(ARGV, Q_FROM, L_FROM - 1) }, true)
  else
    -- Users by value count exactly only while the day does: those of the batches before the one
    -- that went past the threshold, which the breakdowns now say they cover.
    freezeBreakdownUsers(breakdown, dayWasExact and countBefore or threshold, nil)
  end
end

saveLiveChanges(live, nowMs)
saveUserTally(day, nil, nil)
saveUserTally(month, nil, nil)
saveBreakdown(breakdown, nil, nil, nil)
if nL > 0 then
  logClosedSessions(closedLogKey, closedLogMaxLen, closedLogRetentionMs, instanceId, nowMs, nowMs,
    { unpack(ARGV, L_FROM, L_FROM + nL - 1) })
end
rcall('HSET', instanceKey, 'eventSeq', int(firstSeq + eventCount), 'appliedAt', int(nowMs))

-- Expiries the writer has not seen set yet today: each key's once it exists.
local expiryOf = { [4] = dayExpireAt, [5] = daySetExpireAt, [6] = dayExpireAt, [7] = monthExpireAt,
  [8] = monthSetExpireAt, [9] = monthExpireAt, [10] = prevDayExpireAt, [18] = dayExpireAt,
  [19] = dayExpireAt, [20] = dayExpireAt, [21] = prevDayExpireAt, [22] = prevDayExpireAt,
  [23] = prevDayExpireAt, [24] = breakdownUsersExpireAt }
local set = {}
for i = 1, 25 do
  local at = expiryOf[i]
  set[i] = (at and string.sub(expiryFlags, i, i) == '1' and expiryIsSet(KEYS[i], at)) and '1' or '0'
end
return {0, nowMs, table.concat(set)}
