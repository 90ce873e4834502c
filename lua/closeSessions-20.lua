--[[
  Close up to a batch of the live sessions of one instance incarnation at one instant: at "now" for
  a graceful stop, or at the dead incarnation's last heartbeat when it is reaped. Bounded work per
  call, so no call blocks Redis for long whatever the session count; racing callers each remove a
  member at most once, so every session is closed exactly once. Each closed session leaves the live
  breakdowns, and its time goes to the day breakdowns by value (see includes/sessionBreakdown);
  each is appended to the closed-session log (includes/closedSessionLog).
  Input:
    KEYS[1] live totals hash
    KEYS[2] live users refcount hash
    KEYS[3] instance sessions zset (the incarnation being closed)
    KEYS[4] day hash of the closing instant
    KEYS[5] previous day hash
    KEYS[6] instance hash (its heartbeatAt is the closing instant when ARGV[1] is "heartbeat")
    KEYS[7] session profiles hash
    KEYS[8..10] live breakdown hashes (sessions) by device, os, browser
    KEYS[11..13] live breakdown hashes (logged-in sessions) by device, os, browser
    KEYS[14..16] day breakdown hashes of the closing instant by device, os, browser
    KEYS[17..19] previous day breakdown hashes by device, os, browser
    KEYS[20] closed-session log stream
    ARGV[1] closing instant: "now" (Redis TIME), "heartbeat" (instance hash heartbeatAt), or a time
            in ms that Redis reported earlier (a replaced incarnation's last heartbeat)
    ARGV[2] day start (ms) of the day the caller expects the closing instant in
    ARGV[3] day end (ms)
    ARGV[4] most sessions to close in this call
    ARGV[5] expiry of the day hash and breakdown hashes (unix seconds)
    ARGV[6] expiry of the previous day hash and breakdown hashes (unix seconds)
    ARGV[7] most distinct values a day breakdown hash counts before the rest go to "other"
    ARGV[8] instance id, as the closed-session log names it
    ARGV[9] most entries the closed-session log keeps (approximately); 0 logs nothing
    ARGV[10] age (ms) beyond which closed-session log entries are trimmed
  Output:
    {0, sessions left in the zset, sessions closed, closing instant ms}
    {-1, closing instant ms} when that instant is outside the given day
]]
local rcall = redis.call
local liveKey, usersKey, sessionsKey = KEYS[1], KEYS[2], KEYS[3]
local dayKey, prevDayKey, instanceKey = KEYS[4], KEYS[5], KEYS[6]
local profilesKey = KEYS[7]
local liveBreakdownKeys, loggedInBreakdownKeys = { KEYS[8], KEYS[9], KEYS[10] }, { KEYS[11], KEYS[12], KEYS[13] }
local dayBreakdownKeys, prevDayBreakdownKeys = { KEYS[14], KEYS[15], KEYS[16] }, { KEYS[17], KEYS[18], KEYS[19] }
local closedLogKey = KEYS[20]
local instant = ARGV[1]
local dayStartMs, dayEndMs = tonumber(ARGV[2]), tonumber(ARGV[3])
local batchSize = tonumber(ARGV[4])
local dayExpireAt, prevDayExpireAt = ARGV[5], ARGV[6]
local breakdownCap = tonumber(ARGV[7])
local instanceId, closedLogMaxLen, closedLogRetentionMs = ARGV[8], ARGV[9], ARGV[10]

--- @include "includes/redisTime"
--- @include "includes/sessionBreakdown"
--- @include "includes/liveTally"

local nowMs = redisNowMs()
local closeMs = nowMs
if instant == 'heartbeat' then
  closeMs = math.min(nowMs, tonumber(rcall('HGET', instanceKey, 'heartbeatAt') or nowMs))
elseif instant ~= 'now' then
  closeMs = math.min(nowMs, tonumber(instant))
end
if rcall('EXISTS', sessionsKey) == 0 then return {0, 0, 0, closeMs} end
if closeMs < dayStartMs or closeMs >= dayEndMs then return {-1, closeMs} end

local breakdown = newBreakdown(breakdownCap, profilesKey, liveBreakdownKeys, loggedInBreakdownKeys,
  dayBreakdownKeys, prevDayBreakdownKeys, nil)
local closedLog = newClosedLog(closedLogKey, closedLogMaxLen, closedLogRetentionMs, instanceId, nowMs)
local live = newLiveTally(liveKey, usersKey, dayKey, prevDayKey, dayStartMs, breakdown, closedLog)
local members = rcall('ZRANGE', sessionsKey, 0, batchSize - 1)
local closed = 0
for _, member in ipairs(members) do
  if releaseSession(live, sessionsKey, member, closeMs) then closed = closed + 1 end
end
saveLiveTally(live, nowMs, dayExpireAt, prevDayExpireAt)
saveBreakdown(breakdown, dayExpireAt, prevDayExpireAt, nil)
trimClosedLog(closedLog, nowMs)
return {0, rcall('ZCARD', sessionsKey), closed, closeMs}
