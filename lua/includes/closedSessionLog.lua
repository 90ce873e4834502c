--- @include "redisTime"

-- The closed-session log: one stream entry per call that closes sessions, holding all of them
-- (src/session/closed-record.ts documents the fields). The entry id is the Redis TIME of the call,
-- so an export by day agrees with closedAt of closes; if the stream's last id is later (Redis'
-- clock stepped back), Redis picks the id instead. Capped at about `maxLen` entries (MAXLEN ~,
-- whole nodes only), trimmed by age when `trim` says so (the writer asks about once a minute) and
-- when `trim` is nil; maxLen 0 turns the log off. The fields: `extra` (a table, may be empty), then
-- args[from..to] (the script's ARGV, which a Redis Function has as an argument, not a global).
local function logClosedSessions(key, maxLen, retentionMs, instanceId, closedAtMs, nowMs, extra, args, from, to,
                                 trim)
  if tonumber(maxLen) <= 0 or (#extra == 0 and to < from) then return end
  local fields = extra
  if #extra > 0 then
    for i = from, to do fields[#fields + 1] = args[i] end
    from, to = 1, #fields
  end
  local source = #extra > 0 and fields or args
  local added = redis.pcall('XADD', key, 'MAXLEN', '~', maxLen, int(nowMs) .. '-*', 'instance', instanceId,
    'closedAt', int(closedAtMs), unpack(source, from, to))
  if type(added) == 'table' and added.err then
    redis.call('XADD', key, 'MAXLEN', '~', maxLen, '*', 'instance', instanceId, 'closedAt', int(closedAtMs),
      unpack(source, from, to))
  end
  if trim ~= false then
    redis.call('XTRIM', key, 'MINID', '~', int(math.max(0, nowMs - tonumber(retentionMs))))
    redis.call('PEXPIRE', key, retentionMs)
  end
end
