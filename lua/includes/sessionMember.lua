-- A live session is one sorted-set member, all scores 0, so a session is found by its id with
-- ZRANGEBYLEX and costs a single entry of memory. Its fields, joined by NUL:
--   1 session id
--   2 stamp: ms (base 36) from which its time is not yet credited: when it opened, or the last
--     midnight it was carried over
--   3 user id, "" while anonymous
--   4 login: seconds (base 36) from connecting to the login of that user, "" while anonymous
--   5 client profile id (base 36) in the session profiles hash, "" when none was given
--   6 client address code (see src/monitor/session-meta.ts), "" when not stored
--   7 carried: seconds (base 36) from connecting to the stamp, "" until carried over a midnight
-- Empty fields after the fourth are left out, so an anonymous session without metadata is
-- "<sid>\0<stamp>\0\0". A member of two or three fields ("<sid>\0<stamp>[\0<user>]") was written
-- before breakdowns existed: it is in no breakdown count, and keeps that form until it closes.
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

-- Every piece of `text` between separators, empty pieces included.
local function splitText(text, sep)
  local parts, from = {}, 1
  while true do
    local at = string.find(text, sep, from, true)
    if not at then
      parts[#parts + 1] = string.sub(text, from)
      return parts
    end
    parts[#parts + 1] = string.sub(text, from, at - 1)
    from = at + 1
  end
end

local function newSession(sessionId, stampMs)
  return { id = sessionId, stamp = stampMs, user = nil, login = nil, profile = '', address = '',
           carried = 0, legacy = false }
end

local function packSession(s)
  local head = s.id .. SEP .. toBase36(s.stamp)
  if s.legacy then
    if s.user then return head .. SEP .. s.user end
    return head
  end
  head = head .. SEP .. (s.user or '') .. SEP .. (s.login and toBase36(s.login) or '')
  if s.carried > 0 then
    return head .. SEP .. s.profile .. SEP .. s.address .. SEP .. toBase36(s.carried)
  elseif s.address ~= '' then
    return head .. SEP .. s.profile .. SEP .. s.address
  elseif s.profile ~= '' then
    return head .. SEP .. s.profile
  end
  return head
end

-- The field of a member that starts at `from`: its text and where the next one starts (nil at
-- the end). Plain finds, no table: this runs for every event.
local function nextField(member, from)
  local at = string.find(member, SEP, from, true)
  if not at then return string.sub(member, from), nil end
  return string.sub(member, from, at - 1), at + 1
end

local function unpackSession(member)
  local id, at = nextField(member, 1)
  local stamp, user, login
  stamp, at = nextField(member, at)
  local s = newSession(id, tonumber(stamp, 36))
  if not at then
    s.legacy = true
    return s
  end
  user, at = nextField(member, at)
  if user ~= '' then s.user = user end
  if not at then
    s.legacy = true
    return s
  end
  login, at = nextField(member, at)
  if login ~= '' then s.login = tonumber(login, 36) end
  if not at then return s end
  s.profile, at = nextField(member, at)
  if not at then return s end
  s.address, at = nextField(member, at)
  if not at then return s end
  local carried = nextField(member, at)
  if carried ~= '' then s.carried = tonumber(carried, 36) end
  return s
end

-- What closing a session needs, without building a table (this runs for every closed session):
-- stamp ms, user id or nil, profile id, and whether the member is in the old form.
local function releaseFields(member)
  local a = string.find(member, SEP, 1, true)
  local b = string.find(member, SEP, a + 1, true)
  if not b then return tonumber(string.sub(member, a + 1), 36), nil, '', true end
  local stamp = tonumber(string.sub(member, a + 1, b - 1), 36)
  local c = string.find(member, SEP, b + 1, true)
  local user = string.sub(member, b + 1, (c or 0) - 1)
  if user == '' then user = nil end
  if not c then return stamp, user, '', true end
  local d = string.find(member, SEP, c + 1, true)
  if not d then return stamp, user, '', false end
  local e = string.find(member, SEP, d + 1, true)
  return stamp, user, string.sub(member, d + 1, (e or 0) - 1), false
end

-- When the session connected (ms), to the second once it was carried over a midnight.
local function connectedMs(s)
  return s.stamp - s.carried * 1000
end

-- Re-stamps a session at a midnight it was open across, remembering when it connected.
local function carrySession(s, midnightMs)
  s.carried = s.carried + math.floor((midnightMs - s.stamp) / 1000 + 0.5)
  s.stamp = midnightMs
end

-- A login by `userId` at `nowMs`; a member in the old form keeps it and records no login time.
local function setSessionUser(s, userId, nowMs)
  s.user = userId
  if userId and not s.legacy then
    s.login = math.max(0, math.floor((nowMs - connectedMs(s)) / 1000))
  else
    s.login = nil
  end
end

local function findSession(sessionsKey, sessionId)
  local found = redis.call('ZRANGEBYLEX', sessionsKey, '[' .. sessionId .. SEP, '(' .. sessionId .. '\1', 'LIMIT', 0, 1)
  return found[1]
end
