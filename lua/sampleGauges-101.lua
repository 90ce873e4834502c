--[[
  One sample of the namespace's numbers, by the one instance holding the sampler lease: the gauges
  hash (what Grafana and Prometheus read in one command) and one timeline entry with the same
  fields. Exactly one sampler writes per interval across all instances; when it dies, its lease
  lapses and the next instance to try takes over. It also keeps the window cache that stats()
  reads: the days before today merged once per day (and again after a past day gains users), so
  a 7 or 30 day count merges two HyperLogLogs instead of up to 30.
  Input:
    KEYS[1..98] as lua/readStats-98.lua
    KEYS[99] gauges hash
    KEYS[100] timeline stream
    KEYS[101] sampler lease (string: the sampler's id, expiring)
    ARGV[1] largest sum of day set sizes for which a 7 or 30 day union is computed exactly
    ARGV[2] sampler id (instance id)
    ARGV[3] lease length (ms)
    ARGV[4] fewest ms since the last sample before another is written (0: always write)
    ARGV[5] timeline retention (ms): older entries are trimmed (MINID ~)
    ARGV[6] start (ms) of the day KEYS[6] belongs to
    ARGV[7] end (ms, exclusive) of that day
    ARGV[8] that day (YYYY-MM-DD)
  Output:
    {1, nowMs} written
    {0, nowMs} another instance holds the lease
    {2, nowMs} the last sample is too recent (a takeover right after the previous sampler wrote)
    {3, nowMs} Redis time is outside the proposed day: propose the day of nowMs
]]
local rcall = redis.call
local gaugesKey, timelineKey, leaseKey = KEYS[99], KEYS[100], KEYS[101]
local windowsKey, window7Key, window30Key = KEYS[96], KEYS[97], KEYS[98]
local exactUnionLimit, samplerId = tonumber(ARGV[1]), ARGV[2]
local leaseMs, minSpacingMs, retentionMs = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local dayStartMs, dayEndMs, date = tonumber(ARGV[6]), tonumber(ARGV[7]), ARGV[8]
-- Cached merges outlive their day by one, for a reader whose clock is a little behind.
local WINDOW_CACHE_TTL_MS = 2 * 86400000

--- @include "includes/redisTime"
--- @include "includes/statsReading"

local nowMs = redisNowMs()
local holder = rcall('GET', leaseKey)
if holder and holder ~= samplerId then return {0, nowMs} end
if nowMs < dayStartMs or nowMs >= dayEndMs then return {3, nowMs} end
rcall('SET', leaseKey, samplerId, 'PX', leaseMs)
local lastMs = tonumber(rcall('HGET', gaugesKey, 'updatedAt') or '0')
-- A sample stamped later than now (Redis' clock stepped back) must not stop sampling.
if minSpacingMs > 0 and nowMs >= lastMs and nowMs - lastMs < minSpacingMs then return {2, nowMs} end

-- (Re)builds the window cache for today when it was built for another day, before a past day
-- gained users, or its HyperLogLogs are gone: one PFMERGE per window, at most once per sample.
local cache = rcall('HMGET', windowsKey, 'version', 'date', 'built')
local version = cache[1] or '0'
if cache[2] ~= date or cache[3] ~= version or rcall('EXISTS', window7Key, window30Key) ~= 2 then
  local fields = { 'date', date, 'built', version }
  for _, window in ipairs({ { 7, window7Key }, { 30, window30Key } }) do
    local days, cacheKey = window[1], window[2]
    local exact, total, _, hlls = windowDays(1, days - 1)
    rcall('DEL', cacheKey)
    -- PFADD without elements creates the empty HyperLogLog of a window without past users.
    if #hlls > 0 then rcall('PFMERGE', cacheKey, unpack(hlls)) else rcall('PFADD', cacheKey) end
    rcall('PEXPIRE', cacheKey, WINDOW_CACHE_TTL_MS)
    fields[#fields + 1] = 'exact' .. days
    fields[#fields + 1] = exact and '1' or '0'
    fields[#fields + 1] = 'total' .. days
    fields[#fields + 1] = total
  end
  rcall('HSET', windowsKey, unpack(fields))
end
-- An abandoned namespace's sampling keys go after the timeline's retention, like its history.
rcall('PEXPIRE', windowsKey, retentionMs)

local s = readStatsAt(nowMs, exactUnionLimit, date)
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
rcall('PEXPIRE', gaugesKey, retentionMs)
-- The entry id carries the sample's own time, so the timeline and updatedAt agree to the ms; if the
-- stream's last id is later (Redis' clock stepped back), Redis picks the id instead.
local minId = int(nowMs - retentionMs)
local added = redis.pcall('XADD', timelineKey, 'MINID', '~', minId, int(nowMs) .. '-*', unpack(fields))
if type(added) == 'table' and added.err then
  rcall('XADD', timelineKey, 'MINID', '~', minId, '*', unpack(fields))
end
rcall('PEXPIRE', timelineKey, retentionMs)
return {1, nowMs}
