--- @include "sessionMember"
--- @include "sessionBreakdown"

-- The closed-session log: one stream entry per session that leaves the live state (close event,
-- graceful stop, reap, restart), appended by the call that removed its member, so a duplicate
-- close (no member left) logs nothing. The entry id is the Redis TIME of the call (`nowMs`), so
-- an export by day agrees with closedAt of closes; if the stream's last id is later (Redis' clock
-- stepped back), Redis picks the id instead. Every entry has the same fields in the same order, so
-- the stream stores their names once per node. The profile's labels are copied into the entry: the profile itself goes
-- when its last live session closes. Trimmed per entry to about `maxLen` entries (MAXLEN ~, whole
-- nodes only), and by age once per call (XTRIM MINID ~); maxLen 0 turns the log off.
local function newClosedLog(key, maxLen, retentionMs, instanceId, nowMs)
  return { key = key, maxLen = tonumber(maxLen), retentionMs = tonumber(retentionMs),
           instanceId = instanceId, id = int(nowMs) .. '-*', count = 0 }
end

-- Appends the session of `member`, closed at `closeMs`; `b` is the call's breakdown (profiles).
local function logClosedSession(log, b, member, closeMs)
  if not log or log.maxLen <= 0 then return end
  local s = unpackSession(member)
  local connected = connectedMs(s)
  local closed = math.max(closeMs, connected)
  local loginAt = ''
  if s.user and s.login then loginAt = int(connected + s.login * 1000) end
  local labels = { '', '', '', '', '' }
  local rec = b and profileRecord(b, s.profile)
  if rec then labels = contentFields(rec.content) end
  local fields = {
    'sessionId', s.id, 'userId', s.user or '', 'instance', log.instanceId,
    'connectedAt', int(connected), 'closedAt', int(closed), 'durationMs', int(closed - connected),
    'loginAt', loginAt, 'device', labels[1], 'os', labels[2], 'osVersion', labels[3],
    'client', labels[4], 'clientVersion', labels[5], 'address', s.address,
  }
  local added = redis.pcall('XADD', log.key, 'MAXLEN', '~', int(log.maxLen), log.id, unpack(fields))
  if type(added) == 'table' and added.err then
    log.id = '*'
    redis.call('XADD', log.key, 'MAXLEN', '~', int(log.maxLen), '*', unpack(fields))
  end
  log.count = log.count + 1
end

-- Once per call that logged anything: entries older than the retention go (whole nodes), and the
-- stream expires when nothing is closed for a whole retention.
local function trimClosedLog(log, nowMs)
  if not log or log.count == 0 then return end
  redis.call('XTRIM', log.key, 'MINID', '~', int(math.max(0, nowMs - log.retentionMs)))
  redis.call('PEXPIRE', log.key, int(log.retentionMs))
end
