--- @include "redisTime"
--- @include "expiry"
--- @include "sessionMember"

-- Breakdowns of sessions by device type (1), OS (2) and browser/app (3).
--
-- Client profiles. The metadata of a session is shared by many sessions, so it is stored once per
-- distinct profile in the session profiles hash, and a session's member holds only its id:
--   "=<content>" -> id                 content: deviceType US osName US osVersion US clientName US
--                                      clientVersion (US = \31), as the event sent it
--   "<id>"       -> "<live sessions>|<flags><content>"
--   "|seq"       -> last id handed out
-- flags: three characters, "1" where the dimension is counted as "other" in the live breakdown
-- (that hash was full when the profile was created), so a session is always taken off the value
-- it was added to. A profile goes when its last session closes, and the hash with the last one.
--
-- Live breakdown: per dimension, a hash value -> live sessions and a hash value -> logged-in live
-- sessions (sessions, not distinct users: an exact per-value user count would cost a refcount per
-- session and value). Fields go at 0, so both hashes are empty when no session is live.
--
-- Day breakdown: per dimension and day, a hash value -> "<sessions opened>|<session ms>|<users>",
-- one field per value, so the hash stays a small listpack for the whole retention (about 1.5 KB a
-- dimension and day at 50 values: 400 days of all three take under 2 MB). Distinct users per value
-- are counted exactly with the day's users hash (userId -> the values it was active with), which
-- lives only until the day is over: the count is kept current in the breakdown hash, so nothing
-- needs freezing when it expires, and no per-value HyperLogLog (up to 12 KB each) is kept for 400
-- days. While the day's user tally is exact, so are these counts; once it outgrows its threshold
-- the users hash is dropped and "|inexact" records how many users the counts covered (the reader
-- scales them to the day's HyperLogLog count).
--
-- Values: "" counts as "unknown". Each hash admits at most `cap` distinct values besides "other"
-- and "unknown"; any further value is counted as "other", so odd user agents cannot grow memory.
local US = '\31'
local OTHER, UNKNOWN = 'other', 'unknown'
local INEXACT, SEQ = '|inexact', '|seq'
local DIMENSION_LETTERS = { 'd', 'o', 'b' }
-- Which of the five content fields holds each dimension's value.
local DIMENSION_FIELDS = { 1, 2, 4 }
local MAX_META_BYTES = 128

-- A hash of one dimension's values: admission and pending changes of one script call.
local function newValueHash(key, cap)
  return { key = key, cap = cap, decided = {}, count = nil, deltas = {}, touched = false }
end

-- `value` if the hash has it or room for it, else "other".
local function admit(h, value)
  if value == OTHER or value == UNKNOWN then return value end
  local decided = h.decided[value]
  if decided then return decided end
  if redis.call('HEXISTS', h.key, value) == 1 then
    decided = value
  else
    if h.count == nil then
      h.count = redis.call('HLEN', h.key)
      for _, present in ipairs(redis.call('HMGET', h.key, OTHER, UNKNOWN, INEXACT)) do
        if present then h.count = h.count - 1 end
      end
    end
    if h.count < h.cap then
      h.count = h.count + 1
      decided = value
    else
      decided = OTHER
    end
  end
  h.decided[value] = decided
  return decided
end

-- Pending change of one value: a number (live hashes) or {sessions, ms, users} (day hashes).
local function addLive(h, value, delta)
  h.deltas[value] = (h.deltas[value] or 0) + delta
  h.touched = true
end

local function addDay(h, value, slot, delta)
  local d = h.deltas[value]
  if not d then
    d = { 0, 0, 0 }
    h.deltas[value] = d
  end
  d[slot] = d[slot] + delta
  h.touched = true
end

local function newBreakdown(cap, profilesKey, liveKeys, loggedInKeys, dayKeys, prevDayKeys, usersKey)
  local b = { cap = cap, profilesKey = profilesKey, usersKey = usersKey, usersSeen = {}, usersChanged = {},
              entries = {}, profiles = {}, byContent = {}, changes = {},
              live = {}, loggedIn = {}, day = {}, prevDay = {} }
  for d = 1, 3 do
    b.live[d] = newValueHash(liveKeys[d], cap)
    b.loggedIn[d] = newValueHash(loggedInKeys[d], cap)
    b.day[d] = newValueHash(dayKeys[d], cap)
    b.prevDay[d] = newValueHash(prevDayKeys[d], cap)
  end
  return b
end

-- Changes of one call are summed per client profile ("" for none), one table update per event, and
-- spread over the three dimensions once, when saved.
local function changesOf(b, profileId)
  local c = b.changes[profileId]
  if not c then
    c = { live = 0, loggedIn = 0, opened = 0, dayMs = 0, prevDayMs = 0 }
    b.changes[profileId] = c
  end
  return c
end

-- The five content fields of a profile, "" where missing.
local function contentFields(content)
  local parts = splitText(content, US)
  for i = 1, 5 do parts[i] = parts[i] or '' end
  return parts
end

-- A profile record from the hash (nil when missing), cached for the call.
local function profileRecord(b, id)
  if id == '' then return nil end
  local rec = b.profiles[id]
  if rec ~= nil then return rec or nil end
  local text = redis.call('HGET', b.profilesKey, id)
  if not text then
    b.profiles[id] = false
    return nil
  end
  local bar = string.find(text, '|', 1, true)
  rec = { id = id, count = tonumber(string.sub(text, 1, bar - 1)), flags = string.sub(text, bar + 1, bar + 3),
          content = string.sub(text, bar + 4), new = false, touched = false }
  rec.fields = contentFields(rec.content)
  b.profiles[id] = rec
  b.byContent[rec.content] = id
  return rec
end

local UNKNOWN_VALUES = { UNKNOWN, UNKNOWN, UNKNOWN }

-- The values of a profile's record in each dimension: as the day breakdowns count them (raw), and
-- as the live breakdown counted them (live). Computed once per call; callers must not change them.
local function recordValues(rec)
  if not rec.raw then
    rec.raw, rec.live = {}, {}
    for d = 1, 3 do
      local v = rec.fields[DIMENSION_FIELDS[d]]
      rec.raw[d] = v ~= '' and v or UNKNOWN
      rec.live[d] = string.sub(rec.flags, d, d) == '1' and OTHER or rec.raw[d]
    end
  end
  return rec
end

local function rawValues(b, s)
  local rec = profileRecord(b, s.profile)
  return rec and recordValues(rec).raw or UNKNOWN_VALUES
end

-- The profile of `content`, created (with its live values admitted now) when no live session has it.
local function internProfile(b, content)
  local id = b.byContent[content]
  if id == nil then
    id = redis.call('HGET', b.profilesKey, '=' .. content)
    if id then profileRecord(b, id) end
  end
  local rec = id and profileRecord(b, id)
  if not rec then
    id = toBase36(redis.call('HINCRBY', b.profilesKey, SEQ, 1))
    rec = { id = id, count = 0, flags = '', content = content, fields = contentFields(content), new = true }
    for d = 1, 3 do
      local v = rec.fields[DIMENSION_FIELDS[d]]
      if v == '' then v = UNKNOWN end
      rec.flags = rec.flags .. (admit(b.live[d], v) == OTHER and v ~= OTHER and '1' or '0')
    end
    b.profiles[id] = rec
    b.byContent[content] = id
  end
  rec.count = rec.count + 1
  rec.touched = true
  return id
end

-- Splits event metadata into profile content ("" when it names nothing) and address code.
local function parseMeta(meta)
  if meta == '' then return '', '' end
  -- A NUL would split the session's member; the caller never sends one, but must not break it.
  local parts = splitText(string.gsub(meta, '%z', ''), US)
  local fields = {}
  for i = 1, 5 do fields[i] = string.sub(parts[i] or '', 1, MAX_META_BYTES) end
  local content = table.concat(fields, US)
  if content == string.rep(US, 4) then content = '' end
  return content, string.sub(parts[6] or '', 1, MAX_META_BYTES)
end

-- A new live session (open or restore) with its metadata: counted live, and as opened today when
-- `countOpened`. Sets the session's profile and address.
local function breakdownOpened(b, s, meta, countOpened)
  local content, address = parseMeta(meta)
  s.address = address
  if content ~= '' then s.profile = internProfile(b, content) end
  local c = changesOf(b, s.profile)
  c.live = c.live + 1
  if countOpened then c.opened = c.opened + 1 end
end

-- Moves a session between anonymous and logged in.
local function breakdownLoggedIn(b, s, delta)
  if s.legacy then return end
  local c = changesOf(b, s.profile)
  c.loggedIn = c.loggedIn + delta
end

-- A user active today on this session: counted once per value it uses, while the day is exact.
-- The day's users hash holds, per user, each value it was active with ("<letter><value>" entries,
-- each between US characters): one HGET per user and call (none for a user new to the day, who
-- cannot have an entry yet), one HSET per user it changed.
local function breakdownUserActive(b, s, userId, dayExact, newToDay)
  if not b.usersKey or not dayExact then return end
  local seen = b.usersSeen[userId]
  if seen == nil then
    seen = not newToDay and redis.call('HGET', b.usersKey, userId) or US
  end
  -- The three entries of a profile, built once per call.
  local entries = b.entries[s.profile]
  if not entries then
    entries = {}
    local raw = rawValues(b, s)
    for d = 1, 3 do
      local value = admit(b.day[d], raw[d])
      local entry = DIMENSION_LETTERS[d] .. value .. US
      entries[d] = { entry = entry, needle = US .. entry, value = value }
    end
    b.entries[s.profile] = entries
  end
  for d = 1, 3 do
    local e = entries[d]
    if not string.find(seen, e.needle, 1, true) then
      seen = seen .. e.entry
      addDay(b.day[d], e.value, 3, 1)
      b.usersChanged[userId] = true
    end
  end
  b.usersSeen[userId] = seen
end

-- Session time credited: the part before today's midnight to the day before, the rest to today.
local function breakdownCredited(b, profileId, prevDayMs, dayMs)
  if prevDayMs <= 0 and dayMs <= 0 then return end
  local c = changesOf(b, profileId)
  c.prevDayMs = c.prevDayMs + prevDayMs
  c.dayMs = c.dayMs + dayMs
end

-- A session (not in the old member form) left: off the live breakdowns, and its profile released.
local function breakdownClosed(b, profileId, loggedIn)
  local c = changesOf(b, profileId)
  c.live = c.live - 1
  if loggedIn then c.loggedIn = c.loggedIn - 1 end
  local rec = profileRecord(b, profileId)
  if rec then
    rec.count = rec.count - 1
    rec.touched = true
  end
end

-- Spreads the per-profile changes over the value hashes of each dimension.
local function spreadChanges(b)
  for profileId, c in pairs(b.changes) do
    local rec = profileRecord(b, profileId)
    local live, raw = UNKNOWN_VALUES, UNKNOWN_VALUES
    if rec then
      recordValues(rec)
      live, raw = rec.live, rec.raw
    end
    for d = 1, 3 do
      if c.live ~= 0 then addLive(b.live[d], live[d], c.live) end
      if c.loggedIn ~= 0 then addLive(b.loggedIn[d], live[d], c.loggedIn) end
      if c.opened ~= 0 then addDay(b.day[d], admit(b.day[d], raw[d]), 1, c.opened) end
      if c.dayMs > 0 then addDay(b.day[d], admit(b.day[d], raw[d]), 2, c.dayMs) end
      if c.prevDayMs > 0 then addDay(b.prevDay[d], admit(b.prevDay[d], raw[d]), 2, c.prevDayMs) end
    end
  end
end

-- The day outgrew its exact user tally: its users hash goes, and the counts say how many users they
-- cover.
local function freezeBreakdownUsers(b, usersCovered, dayExpireAt)
  if not b.usersKey or redis.call('HEXISTS', b.day[1].key, INEXACT) == 1 then return end
  redis.call('DEL', b.usersKey)
  b.usersChanged = {}
  for d = 1, 3 do
    redis.call('HSET', b.day[d].key, INEXACT, int(usersCovered))
    extendExpiry(b.day[d].key, dayExpireAt)
  end
end

local function saveLiveHash(h)
  if not h.touched then return end
  for value, delta in pairs(h.deltas) do
    -- Never left below 1: a value whose last session went is removed.
    if delta ~= 0 and redis.call('HINCRBY', h.key, value, delta) <= 0 then redis.call('HDEL', h.key, value) end
  end
end

local function saveDayHash(h, expireAt)
  if not h.touched then return end
  local values = {}
  for value in pairs(h.deltas) do values[#values + 1] = value end
  local stored = redis.call('HMGET', h.key, unpack(values))
  local args = {}
  for i, value in ipairs(values) do
    local old = stored[i] and splitText(stored[i], '|') or {}
    local d = h.deltas[value]
    local fields = {}
    for slot = 1, 3 do fields[slot] = int((tonumber(old[slot]) or 0) + d[slot]) end
    args[#args + 1] = value
    args[#args + 1] = table.concat(fields, '|')
  end
  redis.call('HSET', h.key, unpack(args))
  extendExpiry(h.key, expireAt)
end

local function saveProfiles(b)
  local emptied = false
  for id, rec in pairs(b.profiles) do
    if rec and rec.touched then
      if rec.count <= 0 then
        if not rec.new then redis.call('HDEL', b.profilesKey, id, '=' .. rec.content) end
        emptied = true
      else
        redis.call('HSET', b.profilesKey, id, int(rec.count) .. '|' .. rec.flags .. rec.content)
        if rec.new then redis.call('HSET', b.profilesKey, '=' .. rec.content, id) end
      end
    end
  end
  -- Only the id counter left: no session has a profile, so ids may start again.
  if emptied and redis.call('HLEN', b.profilesKey) == 1 and redis.call('HEXISTS', b.profilesKey, SEQ) == 1 then
    redis.call('DEL', b.profilesKey)
  end
end

local function saveUsersSeen(b, expireAt)
  local args = {}
  for userId in pairs(b.usersChanged) do
    args[#args + 1] = userId
    args[#args + 1] = b.usersSeen[userId]
    -- Bounded arguments per call, whatever the batch size.
    if #args >= 200 then
      redis.call('HSET', b.usersKey, unpack(args))
      args = {}
    end
  end
  if #args > 0 then redis.call('HSET', b.usersKey, unpack(args)) end
  if next(b.usersChanged) then extendExpiry(b.usersKey, expireAt) end
end

local function saveBreakdown(b, dayExpireAt, prevDayExpireAt, usersExpireAt)
  spreadChanges(b)
  saveProfiles(b)
  for d = 1, 3 do
    saveLiveHash(b.live[d])
    saveLiveHash(b.loggedIn[d])
    saveDayHash(b.day[d], dayExpireAt)
    saveDayHash(b.prevDay[d], prevDayExpireAt)
  end
  if b.usersKey then saveUsersSeen(b, usersExpireAt) end
end
