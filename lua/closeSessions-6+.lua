--[[
  Close a chunk of the live sessions of one instance incarnation at one instant: Redis TIME for a
  graceful stop, or a dead incarnation's last heartbeat when it is reaped or replaced. The caller
  read the chunk (ZRANGE WITHSCORES: the first sessions of the set, by score) and summed what it
  changes (src/scripts/commands/close-sessions.ts): its users, its profiles' live counts and
  session time (from each session's score to the closing instant), its closed-session log field.
  A call without sessions resolves the instant, which the caller then gives every chunk. The chunk
  must still be the first sessions of the set, in the order read: then each is there, and they go
  with one ZREMRANGEBYRANK, with no lookup per session. Otherwise (another reaper closed some
  meanwhile, or a chunk before this one is not closed yet) nothing is written and the caller reads
  again, so every session is closed exactly once whoever races. A member's score never changes
  while it is in the set (a rewritten session is a new member), so the scores read, and the time
  summed from them, are right. Bounded work per call, so no call blocks Redis for long whatever
  the session count.
  Input:
    KEYS[1] live totals hash (with the live breakdowns and client profiles)
    KEYS[2] instance sessions zset (the incarnation being closed)
    KEYS[3] day hash of the closing instant
    KEYS[4] previous day hash
    KEYS[5] instance hash (its heartbeatAt is the closing instant when ARGV[1] is "heartbeat")
    KEYS[6] closed-session log stream
    KEYS[7..] live users hashes of the chunk's users
    ARGV[1] closing instant: "now" (Redis TIME), "heartbeat" (instance hash heartbeatAt), or a time
            in ms that Redis reported earlier (a replaced or dead incarnation's last heartbeat); the
            instant is never later than Redis TIME. With sessions it must be the time in ms the
            chunk's time was summed for: else nothing is written and the call answers the instant
    ARGV[2] day start (ms) of the day the caller expects the closing instant in
    ARGV[3] day end (ms)
    ARGV[4] expiry of the day hash (unix seconds)
    ARGV[5] expiry of the previous day hash (unix seconds)
    ARGV[6] most distinct values a day's breakdown counts before the rest go to "other"
    ARGV[7] instance id, as the closed-session log names it
    ARGV[8] most entries the closed-session log keeps (approximately); 0 logs nothing
    ARGV[9] age (ms) beyond which closed-session log entries are trimmed
    ARGV[10..13] counts of the sections below: members M, user arguments U, profiles P, log fields L
    ARGV[14] anonymous sessions among the members
    ARGV[15] the M members, as read, joined by six NULs (no member holds that run: a member starts
            with a non-empty session id, ends with its last non-empty field, and has at most
            five NULs in a row), so the chunk is one argument and one comparison
    ARGV[16..] the sections: U arguments of the users: for a user closing one session, the index
            in KEYS of its live users hash and the user id; for one closing several, the index
            negated, the user id and how many (src/scripts/live-user-args.ts); P profiles, five each
            (id, minus its sessions, minus its logged-in sessions, and its sessions' time to the
            instant: ms before the day start, credited to the day before, and ms from it); L
            closed-session log fields, the sessions' connection times (the members, from ARGV[15],
            and the profiles' fields are added here)
  Output:
    {0, sessions left in the zset, sessions closed, closing instant ms}
    {-1, closing instant ms} when that instant is outside the given day
    {-8, closing instant ms} when the chunk is no longer the set's first sessions (read again)
    {-10, closing instant ms} when the chunk's time was summed for another instant (sum again)
]]
local rcall = redis.call
local liveKey, sessionsKey, dayKey, prevDayKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local instanceKey, closedLogKey = KEYS[5], KEYS[6]
local instant = ARGV[1]
local dayStartMs, dayEndMs = tonumber(ARGV[2]), tonumber(ARGV[3])
local dayExpireAt, prevDayExpireAt = ARGV[4], ARGV[5]
local breakdownCap = tonumber(ARGV[6])
local instanceId, closedLogMaxLen, closedLogRetentionMs = ARGV[7], ARGV[8], ARGV[9]
local nM, nU, nP, nL = tonumber(ARGV[10]), tonumber(ARGV[11]), tonumber(ARGV[12]), tonumber(ARGV[13])
local anonymous = tonumber(ARGV[14])
local chunkMembers = ARGV[15]
local MEMBER_LIST_SEPARATOR = '\0\0\0\0\0\0'
local U_FROM = 16
local P_FROM = U_FROM + nU
local L_FROM = P_FROM + 5 * nP

--- @include "includes/redisTime"
--- @include "includes/expiry"
--- @include "includes/hashCounters"
--- @include "includes/liveChanges"
--- @include "includes/profilesById"
--- @include "includes/breakdownFields"
--- @include "includes/closedSessionLog"

local nowMs = redisNowMs()
local closeMs = nowMs
if instant == 'heartbeat' then
  closeMs = math.min(nowMs, tonumber(rcall('HGET', instanceKey, 'heartbeatAt') or nowMs))
elseif instant ~= 'now' then
  closeMs = math.min(nowMs, tonumber(instant))
end
if nM == 0 then return {0, rcall('ZCARD', sessionsKey), 0, closeMs} end
if closeMs ~= tonumber(instant) then return {-10, closeMs} end
if closeMs < dayStartMs or closeMs >= dayEndMs then return {-1, closeMs} end

local first = rcall('ZRANGE', sessionsKey, 0, nM - 1)
if #first ~= nM or table.concat(first, MEMBER_LIST_SEPARATOR) ~= chunkMembers then return {-8, closeMs} end
rcall('ZREMRANGEBYRANK', sessionsKey, 0, nM - 1)
local beforeDay = false
for at = P_FROM, L_FROM - 1, 5 do
  if tonumber(ARGV[at + 3]) > 0 then beforeDay = true end
end

local prevKey = beforeDay and prevDayKey or nil
local live = newLiveChanges(liveKey, dayKey, prevKey, dayStartMs)
local breakdown = newBreakdown(breakdownCap, liveKey, dayKey, prevKey, nil)
for at = P_FROM, L_FROM - 1, 5 do
  local p = addProfile(breakdown, ARGV[at], nil, nil, nil)
  p.live, p.loggedIn = tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2])
end
-- The profiles' records give their values.
resolveProfiles(breakdown, profileValuesOf)
-- Each profile's sessions are credited together, as the caller summed their time.
for at = P_FROM, L_FROM - 1, 5 do
  local prevDayMs, dayMs = tonumber(ARGV[at + 3]), tonumber(ARGV[at + 4])
  live.prevDayMs, live.dayMs = live.prevDayMs + prevDayMs, live.dayMs + dayMs
  breakdownCredited(breakdown, ARGV[at], prevDayMs, dayMs)
end
local userAt = U_FROM
while userAt < P_FROM do
  local index = tonumber(ARGV[userAt])
  if index > 0 then
    liveUserDelta(live, KEYS[index], ARGV[userAt + 1], -1)
    userAt = userAt + 2
  else
    liveUserDelta(live, KEYS[-index], ARGV[userAt + 1], -tonumber(ARGV[userAt + 2]))
    userAt = userAt + 3
  end
end
applyBreakdown(breakdown)
applyLiveChanges(live, int(nowMs), -nM, -anonymous, 0, nM, 0)
extendExpiry(dayKey, dayExpireAt)
if live.prevDayMs > 0 then extendExpiry(prevDayKey, prevDayExpireAt) end

-- The profiles' labels go with the sessions: a profile leaves the live hash with its last session.
-- The members, as checked, are the log's `m` field (src/session/closed-record.ts).
local entryFields = {'m', chunkMembers}
for _, p in ipairs(breakdown.profiles) do
  if p.id ~= '' and p.content ~= '' then
    entryFields[#entryFields + 1] = 'p' .. p.id
    entryFields[#entryFields + 1] = p.content
  end
end
logClosedSessions(closedLogKey, closedLogMaxLen, closedLogRetentionMs, instanceId, closeMs, nowMs, entryFields,
  ARGV, L_FROM, L_FROM + nL - 1)
return {0, rcall('ZCARD', sessionsKey), nM, closeMs}
