-- A live session is one sorted-set member "<sessionId>\0<openedMs base36>[\0<userId>]", all scores 0,
-- so a session is found by its id with ZRANGEBYLEX and costs a single entry of memory.
local SEP = '\0'
local DIGITS = '0123456789abcdefghijklmnopqrstuvwxyz'

local function toBase36(n)
  local out = ''
  repeat
    local d = n % 36
    out = string.sub(DIGITS, d + 1, d + 1) .. out
    n = (n - d) / 36
  until n == 0
  return out
end

local function packSession(sessionId, openedMs, userId)
  if userId then
    return sessionId .. SEP .. toBase36(openedMs) .. SEP .. userId
  end
  return sessionId .. SEP .. toBase36(openedMs)
end

-- Returns sessionId, openedMs, userId (nil when anonymous).
local function unpackSession(member)
  local a = string.find(member, SEP, 1, true)
  local b = string.find(member, SEP, a + 1, true)
  if b then
    return string.sub(member, 1, a - 1), tonumber(string.sub(member, a + 1, b - 1), 36), string.sub(member, b + 1)
  end
  return string.sub(member, 1, a - 1), tonumber(string.sub(member, a + 1), 36), nil
end

local function findSession(sessionsKey, sessionId)
  local found = redis.call('ZRANGEBYLEX', sessionsKey, '[' .. sessionId .. SEP, '(' .. sessionId .. '\1', 'LIMIT', 0, 1)
  return found[1]
end
