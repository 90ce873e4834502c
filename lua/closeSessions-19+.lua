--[[
  Close a chunk of the live sessions of one instance incarnation at one instant: "now" for a
  graceful stop, or a dead incarnation's last heartbeat when it is reaped or replaced. The caller
  read the chunk (ZRANGE WITHSCORES) and summed what it changes (src/scripts/commands/
  close-sessions.ts): its users, its profiles' live counts, its closed-session log fields. Every
  member is checked first; if one is gone (another reaper closed it meanwhile) nothing is written
  and the caller reads again, so every session is closed exactly once whoever races. Bounded work
  per call, so no call blocks Redis for long whatever the session count.
  Input:
    KEYS[1] live totals hash
    KEYS[2] instance sessions zset (the incarnation being closed)
    KEYS[3] day hash of the closing instant
    KEYS[4] previous day hash
    KEYS[5] instance hash (its heartbeatAt is the closing instant when ARGV[1] is "heartbeat")
    KEYS[6] session profiles hash
    KEYS[7..9] live breakdown hashes (sessions) by device, os, browser
    KEYS[10..12] live breakdown hashes (logged-in sessions) by device, os, browser
    KEYS[13..15] day breakdown hashes of the closing instant by device, os, browser
    KEYS[16..18] previous day breakdown hashes by device, os, browser
    KEYS[19] closed-session log stream
    KEYS[20..] live users hashes of the chunk's users
    ARGV[1] closing instant: "now" (Redis TIME), "heartbeat" (instance hash heartbeatAt), or a time
            in ms that Redis reported earlier (a replaced or dead incarnation's last heartbeat)
    ARGV[2] day start (ms) of the day the caller expects the closing instant in
    ARGV[3] day end (ms)
    ARGV[4] expiry of the day hash and breakdown hashes (unix seconds)
    ARGV[5] expiry of the previous day hash and breakdown hashes (unix seconds)
    ARGV[6] most distinct values a day breakdown hash counts before the rest go to "other"
    ARGV[7] instance id, as the closed-session log names it
    ARGV[8] most entries the closed-session log keeps (approximately); 0 logs nothing
    ARGV[9] age (ms) beyond which closed-session log entries are trimmed
    ARGV[10..13] counts of the sections below: members M, user changes U, profiles P, log fields L
    ARGV[14] anonymous sessions among the members
    ARGV[15..] the sections: M members, two arguments each (member, profile id); U users, three
            each (index in KEYS of the user's live users hash, user id, minus its sessions in the
            chunk); P profiles, three each (id, minus its sessions, minus its logged-in sessions);
            L closed-session log session fields (the profiles' fields are added here)
  Output:
    {0, sessions left in the zset, sessions closed, closing instant ms}
    {-1, closing instant ms} when that instant is outside the given day
    {-8, closing instant ms} when a member of the chunk is gone (read again)
]]
local rcall = redis.call
local liveKey, sessionsKey, dayKey, prevDayKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local instanceKey, profilesKey, closedLogKey = KEYS[5], KEYS[6], KEYS[19]
local instant = ARGV[1]
local dayStartMs, dayEndMs = tonumber(ARGV[2]), tonumber(ARGV[3])
local dayExpireAt, prevDayExpireAt = ARGV[4], ARGV[5]
local breakdownCap = tonumber(ARGV[6])
local instanceId, closedLogMaxLen, closedLogRetentionMs = ARGV[7], ARGV[8], ARGV[9]
local nM, nU, nP, nL = tonumber(ARGV[10]), tonumber(ARGV[11]), tonumber(ARGV[12]), tonumber(ARGV[13])
local anonymous = tonumber(ARGV[14])
local M_FROM = 15
local U_FROM = M_FROM + 2 * nM
local P_FROM = U_FROM + 3 * nU
local L_FROM = P_FROM + 3 * nP
local CHUNK = 1000

--- @include "includes/redisTime"
--- @include "includes/expiry"
--- @include "includes/liveChanges"
--- @include "includes/sessionBreakdown"
--- @include "includes/closedSessionLog"

local nowMs = redisNowMs()
local closeMs = nowMs
if instant == 'heartbeat' then
  closeMs = math.min(nowMs, tonumber(rcall('HGET', instanceKey, 'heartbeatAt') or nowMs))
elseif instant ~= 'now' then
  closeMs = math.min(nowMs, tonumber(instant))
end
if nM == 0 then return {0, rcall('ZCARD', sessionsKey), 0, closeMs} end
if closeMs < dayStartMs or closeMs >= dayEndMs then return {-1, closeMs} end

local members = {}
for at = M_FROM, U_FROM - 1, 2 do members[#members + 1] = ARGV[at] end
local scores = {}
for from = 1, nM, CHUNK do
  local to = math.min(nM, from + CHUNK - 1)
  local got = rcall('ZMSCORE', sessionsKey, unpack(members, from, to))
  for i = from, to do
    if not got[i - from + 1] then return {-8, closeMs} end
    scores[i] = tonumber(got[i - from + 1])
  end
end
for from = 1, nM, CHUNK do rcall('ZREM', sessionsKey, unpack(members, from, math.min(nM, from + CHUNK - 1))) end

local live = newLiveChanges(liveKey, dayKey, prevDayKey, dayStartMs)
local breakdown = newBreakdown(breakdownCap, profilesKey, { KEYS[7], KEYS[8], KEYS[9] },
  { KEYS[10], KEYS[11], KEYS[12] }, { KEYS[13], KEYS[14], KEYS[15] }, { KEYS[16], KEYS[17], KEYS[18] }, nil)
local profileIds = {}
for at = P_FROM, L_FROM - 1, 3 do
  local id = ARGV[at]
  if id ~= '' then profileIds[#profileIds + 1] = id end
  local c = changesOf(breakdown, id)
  c.live, c.loggedIn = tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2])
end
loadProfiles(breakdown, profileIds, {})
for i = 1, nM do
  breakdownCredited(breakdown, ARGV[M_FROM + 2 * i - 1], creditTime(live, scores[i], closeMs))
end
for at = U_FROM, P_FROM - 1, 3 do
  liveUserDelta(live, KEYS[tonumber(ARGV[at])], ARGV[at + 1], tonumber(ARGV[at + 2]))
end
live.sessions, live.anonymous, live.closed = -nM, -anonymous, nM
saveLiveChanges(live, nowMs)
extendExpiry(dayKey, dayExpireAt)
if live.prevDayMs > 0 then extendExpiry(prevDayKey, prevDayExpireAt) end
saveBreakdown(breakdown, dayExpireAt, prevDayExpireAt, nil)

-- The profiles' labels go with the sessions: a profile leaves the hash with its last session.
local fields = {}
for _, id in ipairs(profileIds) do
  local rec = breakdown.profiles[id]
  if rec then
    fields[#fields + 1] = 'p' .. id
    fields[#fields + 1] = rec.content
  end
end
for at = L_FROM, L_FROM + nL - 1 do fields[#fields + 1] = ARGV[at] end
logClosedSessions(closedLogKey, closedLogMaxLen, closedLogRetentionMs, instanceId, closeMs, nowMs, fields)
return {0, rcall('ZCARD', sessionsKey), nM, closeMs}
