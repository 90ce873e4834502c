-- Counters are hash fields changed in place by HINCRBY: no call reads a hash and writes it back,
-- and nothing is parsed or formatted. The answer of each HINCRBY tells what a read would have: a
-- field that was absent (the answer equals the change), or one that is now empty (0 or less),
-- which then goes, so that a hash holds only what counts something.

-- The commonest changes as text: redis.call formats a number argument ("%.17g"), which costs a
-- one-event call more than the rest of a HINCRBY.
local UNIT_TEXT = { [1] = '1', [-1] = '-1' }

-- Adds `delta` to a counter field; returns its new value, or nil when there was nothing to add.
local function addTo(key, field, delta)
  if delta ~= 0 then return redis.call('HINCRBY', key, field, UNIT_TEXT[delta] or delta) end
  return nil
end

-- Takes `delta` (negative) from a counter field, which goes once it reaches 0; returns whether it
-- went.
local function takeFrom(key, field, delta)
  if redis.call('HINCRBY', key, field, UNIT_TEXT[delta] or delta) > 0 then return false end
  redis.call('HDEL', key, field)
  return true
end
