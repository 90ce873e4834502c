--- @include "redisTime"

-- The closed-session log: one stream entry per call that closes sessions, holding all of them
-- (src/session/closed-record.ts documents the fields). The entry id is the Redis TIME of the call,
-- so an export by day agrees with closedAt of closes; if the stream's last id is later (Redis'
-- clock stepped back), Redis picks the id instead. Capped at about `maxLen` entries (MAXLEN ~,
-- whole nodes only) and trimmed by age once per call; maxLen 0 turns the log off.
local function logClosedSessions(key, maxLen, retentionMs, instanceId, closedAtMs, nowMs, fields)
  if tonumber(maxLen) <= 0 or #fields == 0 then return end
  local added = redis.pcall('XADD', key, 'MAXLEN', '~', maxLen, int(nowMs) .. '-*', 'instance', instanceId,
    'closedAt', int(closedAtMs), unpack(fields))
  if type(added) == 'table' and added.err then
    redis.call('XADD', key, 'MAXLEN', '~', maxLen, '*', 'instance', instanceId, 'closedAt', int(closedAtMs),
      unpack(fields))
  end
  redis.call('XTRIM', key, 'MINID', '~', int(math.max(0, nowMs - tonumber(retentionMs))))
  redis.call('PEXPIRE', key, retentionMs)
end
