--[[
  One sample of the namespace's numbers, by the one instance holding the sampler lease: the gauges
  hash (what Grafana and Prometheus read in one command) and one timeline entry with the same
  fields. Exactly one sampler writes per interval across all instances; when it dies, its lease
  lapses and the next instance to try takes over.
  Input:
    KEYS[1..96] as lua/readStats-96.lua
    KEYS[97] gauges hash
    KEYS[98] timeline stream
    KEYS[99] sampler lease (string: the sampler's id, expiring)
    ARGV[1] largest sum of day set sizes for which a 7 or 30 day union is computed exactly
    ARGV[2] sampler id (instance id)
    ARGV[3] lease length (ms)
    ARGV[4] fewest ms since the last sample before another is written (0: always write)
    ARGV[5] timeline retention (ms): older entries are trimmed (MINID ~)
    ARGV[6] start (ms) of the day KEYS[7] belongs to
    ARGV[7] end (ms, exclusive) of that day
  Output:
    {1, nowMs} written
    {0, nowMs} another instance holds the lease
    {2, nowMs} the last sample is too recent (a takeover right after the previous sampler wrote)
    {3, nowMs} Redis time is outside the proposed day: propose the day of nowMs
]]
local rcall = redis.call
local gaugesKey, timelineKey, leaseKey = KEYS[97], KEYS[98], KEYS[99]
local exactUnionLimit, samplerId = tonumber(ARGV[1]), ARGV[2]
local leaseMs, minSpacingMs, retentionMs = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local dayStartMs, dayEndMs = tonumber(ARGV[6]), tonumber(ARGV[7])

--- @include "includes/redisTime"
--- @include "includes/statsReading"

local nowMs = redisNowMs()
local holder = rcall('GET', leaseKey)
if holder and holder ~= samplerId then return {0, nowMs} end
if nowMs < dayStartMs or nowMs >= dayEndMs then return {3, nowMs} end
rcall('SET', leaseKey, samplerId, 'PX', leaseMs)
local lastMs = tonumber(rcall('HGET', gaugesKey, 'updatedAt') or '0')
if minSpacingMs > 0 and nowMs - lastMs < minSpacingMs then return {2, nowMs} end

local s = readStatsAt(nowMs, exactUnionLimit)
local dau, mau = s[6], s[17]
-- Rounded half up to 4 decimals, as SauReader rounds stats().month.stickiness.
local stickiness = mau > 0 and string.format('%.4f', math.floor(dau / mau * 10000 + 0.5) / 10000) or '0'
-- Field order: src/reader/gauges.ts GAUGE_FIELDS.
local fields = {
  'users', s[2], 'sessions', s[3], 'anonymousSessions', s[4], 'instances', s[5],
  'dau', dau, 'wau', s[13], 'mau', mau, 'rolling30', s[15], 'peakUsersToday', s[11],
  'stickiness', stickiness, 'updatedAt', int(nowMs),
}
rcall('HSET', gaugesKey, unpack(fields))
-- The entry id carries the sample's own time, so the timeline and updatedAt agree to the ms; if the
-- stream's last id is later (Redis' clock stepped back), Redis picks the id instead.
local minId = int(nowMs - retentionMs)
local added = redis.pcall('XADD', timelineKey, 'MINID', '~', minId, int(nowMs) .. '-*', unpack(fields))
if type(added) == 'table' and added.err then
  rcall('XADD', timelineKey, 'MINID', '~', minId, '*', unpack(fields))
end
return {1, nowMs}
