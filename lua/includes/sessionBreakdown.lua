--- @include "redisTime"
--- @include "expiry"

-- Breakdowns of sessions by device type (1), OS (2) and browser/app (3).
--
-- Client profiles. The metadata of a session is shared by many sessions, so it is stored once per
-- distinct profile in the session profiles hash, under an id every writer derives from it
-- (src/session/profile-id.ts), and a session's member holds only the id:
--   "<id>" -> "<live sessions>|<flags><content>"
-- content: deviceType US osName US osVersion US clientName US clientVersion (US = \31)
-- flags: three characters, "1" where the dimension is counted as "other" in the live breakdown
-- (that hash was full when the profile was created), so a session is always taken off the value
-- it was added to. A profile goes when its last session closes.
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
--
-- Saves take an expiry (unix seconds) for the day hashes, or nil when the caller sets expiries
-- itself (applyBatch sets each key's once per writer and day).
local US = '\31'
local OTHER, UNKNOWN = 'other', 'unknown'
local INEXACT = '|inexact'
-- Which of the five content fields holds each dimension's value, and its letter in the users hash.
local DIMENSION_FIELDS = { 1, 2, 4 }
local DIMENSION_LETTERS = { 'd', 'o', 'b' }
-- Most arguments one variadic command gets (Lua's unpack has a limit of its own).
local MAX_UNPACK = 1000

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
  local b = { cap = cap, profilesKey = profilesKey, usersKey = usersKey, profiles = {}, changes = {},
              usersSeen = {}, usersChanged = {}, usersChangedCount = 0,
              live = {}, loggedIn = {}, day = {}, prevDay = {} }
  for d = 1, 3 do
    b.live[d] = newValueHash(liveKeys[d], cap)
    b.loggedIn[d] = newValueHash(loggedInKeys[d], cap)
    b.day[d] = newValueHash(dayKeys[d], cap)
    b.prevDay[d] = newValueHash(prevDayKeys[d], cap)
  end
  return b
end

local UNKNOWN_VALUES = { UNKNOWN, UNKNOWN, UNKNOWN }

-- A profile's values in each dimension: as the day breakdowns count them (raw), and as the live
-- breakdown counts them (live: "other" where its flag says so).
local function profileValues(rec)
  local fields = splitText(rec.content, US)
  rec.raw, rec.live = {}, {}
  for d = 1, 3 do
    local v = fields[DIMENSION_FIELDS[d]] or ''
    rec.raw[d] = v ~= '' and v or UNKNOWN
    rec.live[d] = string.sub(rec.flags, d, d) == '1' and OTHER or rec.raw[d]
  end
end

-- Loads the profiles a call touches (one HMGET). A profile no live session has yet is created from
-- the content the writer sent (`contents[id]`), its live values admitted now; one that is missing
-- and has no content counts as unknown.
local function loadProfiles(b, ids, contents)
  if #ids == 0 then return end
  local stored = redis.call('HMGET', b.profilesKey, unpack(ids))
  for i, id in ipairs(ids) do
    local text, rec = stored[i], nil
    if text then
      local bar = string.find(text, '|', 1, true)
      rec = { count = tonumber(string.sub(text, 1, bar - 1)), flags = string.sub(text, bar + 1, bar + 3),
              content = string.sub(text, bar + 4), new = false }
    elseif contents[id] then
      rec = { count = 0, flags = '', content = contents[id], new = true }
      local fields = splitText(rec.content, US)
      for d = 1, 3 do
        local v = fields[DIMENSION_FIELDS[d]] or ''
        if v == '' then v = UNKNOWN end
        rec.flags = rec.flags .. (admit(b.live[d], v) == OTHER and v ~= OTHER and '1' or '0')
      end
    end
    if rec then
      profileValues(rec)
      b.profiles[id] = rec
    end
  end
end

-- Changes of one call, summed per client profile ("" for none) and spread over the three
-- dimensions once, when saved.
local function changesOf(b, profileId)
  local c = b.changes[profileId]
  if not c then
    c = { live = 0, loggedIn = 0, opened = 0, dayMs = 0, prevDayMs = 0 }
    b.changes[profileId] = c
  end
  return c
end

-- Session time credited: the part before today's midnight to the day before, the rest to today.
local function breakdownCredited(b, profileId, prevDayMs, dayMs)
  if prevDayMs <= 0 and dayMs <= 0 then return end
  local c = changesOf(b, profileId)
  c.prevDayMs = c.prevDayMs + prevDayMs
  c.dayMs = c.dayMs + dayMs
end

local function valuesOf(b, profileId)
  local rec = b.profiles[profileId]
  if rec then return rec end
  return { raw = UNKNOWN_VALUES, live = UNKNOWN_VALUES }
end

-- Users active today on a profile's sessions: each counted once per value it uses, while the day
-- is exact. The day's users hash holds, per user, each value it was active with ("<letter><value>"
-- entries, each between US characters): one HMGET for the call's users, one HSET per call.
local function breakdownUsersActive(b, pairs, dayExact)
  if not b.usersKey or not dayExact or #pairs == 0 then return end
  local users, seen = {}, {}
  for i = 1, #pairs, 2 do
    local userId = pairs[i]
    if not seen[userId] then
      seen[userId] = true
      users[#users + 1] = userId
    end
  end
  for from = 1, #users, MAX_UNPACK do
    local to = math.min(#users, from + MAX_UNPACK - 1)
    local stored = redis.call('HMGET', b.usersKey, unpack(users, from, to))
    for i = from, to do b.usersSeen[users[i]] = stored[i - from + 1] or US end
  end
  for i = 1, #pairs, 2 do
    local userId, values = pairs[i], valuesOf(b, pairs[i + 1])
    local text = b.usersSeen[userId]
    for d = 1, 3 do
      local value = admit(b.day[d], values.raw[d])
      local entry = DIMENSION_LETTERS[d] .. value .. US
      if not string.find(text, US .. entry, 1, true) then
        text = text .. entry
        addDay(b.day[d], value, 3, 1)
        if not b.usersChanged[userId] then
          b.usersChanged[userId] = true
          b.usersChangedCount = b.usersChangedCount + 1
        end
      end
    end
    b.usersSeen[userId] = text
  end
end

-- Spreads the per-profile changes over the value hashes of each dimension.
local function spreadChanges(b)
  for profileId, c in pairs(b.changes) do
    local values = valuesOf(b, profileId)
    local live, raw = values.live, values.raw
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
  b.usersChangedCount = 0
  for d = 1, 3 do
    redis.call('HSET', b.day[d].key, INEXACT, int(usersCovered))
    if dayExpireAt then extendExpiry(b.day[d].key, dayExpireAt) end
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
  if expireAt then extendExpiry(h.key, expireAt) end
end

local function saveProfiles(b)
  local changed, emptied = {}, {}
  for id, rec in pairs(b.profiles) do
    local c = b.changes[id]
    if c and c.live ~= 0 then
      rec.count = rec.count + c.live
      if rec.count <= 0 then
        if not rec.new then emptied[#emptied + 1] = id end
      else
        changed[#changed + 1] = id
        changed[#changed + 1] = int(rec.count) .. '|' .. rec.flags .. rec.content
      end
    end
  end
  if #changed > 0 then redis.call('HSET', b.profilesKey, unpack(changed)) end
  if #emptied > 0 then redis.call('HDEL', b.profilesKey, unpack(emptied)) end
end

local function saveUsersSeen(b, expireAt)
  if b.usersChangedCount == 0 then return end
  local args = {}
  for userId in pairs(b.usersChanged) do
    args[#args + 1] = userId
    args[#args + 1] = b.usersSeen[userId]
    if #args >= MAX_UNPACK then
      redis.call('HSET', b.usersKey, unpack(args))
      args = {}
    end
  end
  if #args > 0 then redis.call('HSET', b.usersKey, unpack(args)) end
  if expireAt then extendExpiry(b.usersKey, expireAt) end
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
