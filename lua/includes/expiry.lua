--- @include "redisTime"

-- Sets a history key's expiry to `at` (unix seconds) unless it already lives longer: a write never
-- shortens what a longer retention set, and a long retention lengthens what a short one set (a
-- demo's two days, a monitor configured with fewer days). A key without expiry gets one.
local function extendExpiry(key, at)
  if redis.call('EXPIREAT', key, int(at), 'GT') == 0 then redis.call('EXPIREAT', key, int(at), 'NX') end
end

-- extendExpiry, for a key that may not exist yet: true once the key exists and lives at least
-- until `at`, so the caller need not set it again.
local function expiryIsSet(key, at)
  if redis.call('EXPIREAT', key, int(at), 'GT') == 1 then return true end
  if redis.call('EXPIREAT', key, int(at), 'NX') == 1 then return true end
  return redis.call('EXISTS', key) == 1
end
